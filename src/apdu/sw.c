/* The one status word -> SCARD error table (DESIGN.md: "maps status words to errors in one
 * table"). Callers that need more than the error (63Cx retry counts) read the SW itself. */
#include <stddef.h>
#include <stdint.h>

#include "apdu.h"
#include "scarderr.h"

typedef struct {
    uint16_t sw, mask;
    uint32_t err;
    const char *name;
} sw_entry;

/* First match wins: exact entries before ranges. */
static const sw_entry table[] = {
    {0x9000, 0xFFFF, SCARD_S_SUCCESS, "OK"},
    {0x63C0, 0xFFFF, SCARD_W_CHV_BLOCKED, "WRONG_PIN_NONE_LEFT"},
    {0x63C0, 0xFFF0, SCARD_W_WRONG_CHV, "WRONG_PIN_TRIES_LEFT"},
    {0x6300, 0xFF00, SCARD_W_WRONG_CHV, "VERIFY_FAILED"},
    {0x6581, 0xFFFF, SCARD_E_WRITE_TOO_MANY, "MEMORY_FAILURE"},
    {0x6700, 0xFFFF, SCARD_E_INVALID_PARAMETER, "WRONG_LENGTH"},
    {0x6882, 0xFFFF, SCARD_E_UNSUPPORTED_FEATURE, "SECURE_MESSAGING_UNSUPPORTED"},
    {0x6883, 0xFFFF, SCARD_E_UNEXPECTED, "LAST_COMMAND_EXPECTED"},
    {0x6884, 0xFFFF, SCARD_E_UNSUPPORTED_FEATURE, "CHAINING_UNSUPPORTED"},
    {0x6982, 0xFFFF, SCARD_W_SECURITY_VIOLATION, "SECURITY_STATUS_NOT_SATISFIED"},
    {0x6983, 0xFFFF, SCARD_W_CHV_BLOCKED, "AUTH_METHOD_BLOCKED"},
    {0x6984, 0xFFFF, SCARD_W_CHV_BLOCKED, "REFERENCE_DATA_NOT_USABLE"},
    {0x6985, 0xFFFF, SCARD_W_SECURITY_VIOLATION, "CONDITIONS_NOT_SATISFIED"},
    {0x6986, 0xFFFF, SCARD_E_UNSUPPORTED_FEATURE, "COMMAND_NOT_ALLOWED"},
    {0x6A80, 0xFFFF, SCARD_E_INVALID_PARAMETER, "INCORRECT_DATA"},
    {0x6A81, 0xFFFF, SCARD_E_UNSUPPORTED_FEATURE, "FUNCTION_NOT_SUPPORTED"},
    {0x6A82, 0xFFFF, SCARD_E_FILE_NOT_FOUND, "NOT_FOUND"},
    {0x6A84, 0xFFFF, SCARD_E_WRITE_TOO_MANY, "NOT_ENOUGH_MEMORY"},
    {0x6A86, 0xFFFF, SCARD_E_INVALID_PARAMETER, "INCORRECT_P1P2"},
    {0x6A88, 0xFFFF, SCARD_E_FILE_NOT_FOUND, "REFERENCED_DATA_NOT_FOUND"},
    {0x6B00, 0xFFFF, SCARD_E_INVALID_PARAMETER, "WRONG_P1P2"},
    {0x6D00, 0xFFFF, SCARD_E_UNSUPPORTED_FEATURE, "INS_NOT_SUPPORTED"},
    {0x6E00, 0xFFFF, SCARD_E_UNSUPPORTED_FEATURE, "CLA_NOT_SUPPORTED"},
    /* 61xx and 6Cxx are consumed by the exchange; seen here they are out of place. */
    {0x6100, 0xFF00, SCARD_E_COMM_DATA_LOST, "MORE_DATA_UNEXPECTED"},
    {0x6C00, 0xFF00, SCARD_E_COMM_DATA_LOST, "WRONG_LE_UNEXPECTED"},
};

static const sw_entry *lookup(uint16_t sw)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if ((sw & table[i].mask) == table[i].sw)
            return &table[i];
    return NULL;
}

uint32_t ch_sw_to_scard(uint16_t sw)
{
    const sw_entry *e = lookup(sw);
    return e ? e->err : SCARD_E_UNEXPECTED;
}

const char *ch_sw_name(uint16_t sw)
{
    const sw_entry *e = lookup(sw);
    return e ? e->name : "UNKNOWN";
}
