/* PIN and PUK commands (SP 800-73-4 Part 2, 3.2): VERIFY, CHANGE REFERENCE DATA, RESET
 * RETRY COUNTER.
 *
 * A PIN travels as 8 bytes padded with FF, so the pad byte cannot be part of a PIN and a PIN
 * longer than 8 bytes cannot be sent: such PINs are refused here before anything is sent.
 * Every padded copy lives on the stack and is wiped before returning. None of these commands
 * answers with data; an answer that carries some is malformed (SCARD_E_UNEXPECTED). */
#include <string.h>

#include "piv.h"
#include "scarderr.h"
#include "wipe.h"

#define PADDED 8u /* CH_PIV_PIN_MAX: the length of every PIN/PUK field on the wire */
#define PAD 0xFFu

bool ch_piv_pin_shape_ok(const uint8_t *pin, size_t len)
{
    unsigned all_nonpad = 1;

    if (!pin || len < CH_PIV_PIN_MIN || len > CH_PIV_PIN_MAX)
        return false;
    /* Every byte is looked at, with no branch on its value: the time depends on len (the
     * caller's cbPin, public) only, never on whether or where the PIN holds the pad byte.
     * (b ^ PAD) is 0..255, so + 0xFF sets bit 8 exactly when b != PAD; nothing wraps. */
    for (size_t i = 0; i < len; i++)
        all_nonpad &= ((unsigned)(pin[i] ^ PAD) + 0xFFu) >> 8;
    return all_nonpad == 1u;
}

/* Only called with a PIN that passed ch_piv_pin_shape_ok (len <= PADDED). */
static void pad(uint8_t out[PADDED], const uint8_t *pin, size_t len)
{
    memset(out, PAD, PADDED);
    memcpy(out, pin, len);
}

/* What a status word says about the tries left: 63Cx = x (63C0 included), 6983 = blocked. */
static int tries_of(uint16_t sw)
{
    if ((sw & 0xFFF0u) == 0x63C0u)
        return (int)(sw & 0x000Fu);
    if (sw == 0x6983u)
        return 0;
    return CH_PIV_TRIES_UNKNOWN;
}

/* One data-less-answer command. The SW table decides the error (63Cx -> WRONG_CHV, 63C0 and
 * 6983 -> CHV_BLOCKED ...); the tries left are read from the SW itself. */
static uint32_t exchange(ch_apdu_ctx *ctx, const ch_capdu *c, uint16_t *sw, int *tries_left)
{
    /* Room for a few bytes so that an answer carrying data is seen as malformed, rather than
     * reported as a short buffer. */
    uint8_t resp[16];
    size_t n = 0;
    uint32_t rc = ch_apdu_transmit(ctx, c, resp, sizeof resp, &n, sw);

    if (tries_left)
        *tries_left = CH_PIV_TRIES_UNKNOWN;
    if (rc == SCARD_E_INSUFFICIENT_BUFFER || n != 0) {
        ch_wipe(resp, sizeof resp);
        *sw = 0;
        return SCARD_E_UNEXPECTED;
    }
    if (tries_left && *sw != 0)
        *tries_left = tries_of(*sw);
    return rc;
}

uint32_t ch_piv_verify(ch_apdu_ctx *ctx, uint8_t ref, const uint8_t *pin, size_t len,
                       int *tries_left)
{
    uint8_t data[PADDED];
    uint16_t sw = 0;
    uint32_t rc;
    ch_capdu c = {0x00, 0x20, 0x00, ref, data, sizeof data, 0};

    if (tries_left)
        *tries_left = CH_PIV_TRIES_UNKNOWN;
    if (!ch_piv_pin_shape_ok(pin, len))
        return SCARD_E_INVALID_PARAMETER;
    pad(data, pin, len);
    rc = exchange(ctx, &c, &sw, tries_left);
    ch_wipe(data, sizeof data);
    return rc;
}

uint32_t ch_piv_pin_status(ch_apdu_ctx *ctx, uint8_t ref, bool *verified, int *tries_left)
{
    uint16_t sw = 0;
    int tries;
    ch_capdu c = {0x00, 0x20, 0x00, ref, NULL, 0, 0};
    uint32_t rc = exchange(ctx, &c, &sw, &tries);

    /* Asking is not failing: "not verified, x tries left" and "blocked" are answers. */
    if (sw == 0x9000u) {
        *verified = true;
    } else if (sw == 0x6983u || (sw & 0xFF00u) == 0x6300u) {
        *verified = false; /* 63 00 (no counter) leaves tries unknown */
    } else {
        if (tries_left)
            *tries_left = CH_PIV_TRIES_UNKNOWN;
        return rc != SCARD_S_SUCCESS ? rc : SCARD_E_UNEXPECTED;
    }
    if (tries_left)
        *tries_left = sw == 0x9000u ? CH_PIV_TRIES_UNKNOWN : tries;
    return SCARD_S_SUCCESS;
}

uint32_t ch_piv_pin_reset_state(ch_apdu_ctx *ctx, uint8_t ref)
{
    uint16_t sw = 0;
    ch_capdu c = {0x00, 0x20, 0xFF, ref, NULL, 0, 0};
    return exchange(ctx, &c, &sw, NULL);
}

/* Two FF-padded secrets, a || b, for CHANGE REFERENCE DATA and RESET RETRY COUNTER. */
static uint32_t send_pair(ch_apdu_ctx *ctx, uint8_t ins, uint8_t ref, const uint8_t *a,
                          size_t a_len, const uint8_t *b, size_t b_len, int *tries_left)
{
    uint8_t data[2 * PADDED];
    uint16_t sw = 0;
    uint32_t rc;
    ch_capdu c = {0x00, ins, 0x00, ref, data, sizeof data, 0};

    if (tries_left)
        *tries_left = CH_PIV_TRIES_UNKNOWN;
    if (!ch_piv_pin_shape_ok(a, a_len) || !ch_piv_pin_shape_ok(b, b_len))
        return SCARD_E_INVALID_PARAMETER;
    pad(data, a, a_len);
    pad(data + PADDED, b, b_len);
    rc = exchange(ctx, &c, &sw, tries_left);
    ch_wipe(data, sizeof data);
    return rc;
}

uint32_t ch_piv_change_reference(ch_apdu_ctx *ctx, uint8_t ref, const uint8_t *old_pin,
                                 size_t old_len, const uint8_t *new_pin, size_t new_len,
                                 int *tries_left)
{
    if (ref != CH_PIV_REF_PIN && ref != CH_PIV_REF_PUK) {
        if (tries_left)
            *tries_left = CH_PIV_TRIES_UNKNOWN;
        return SCARD_E_INVALID_PARAMETER;
    }
    return send_pair(ctx, 0x24, ref, old_pin, old_len, new_pin, new_len, tries_left);
}

uint32_t ch_piv_reset_retry(ch_apdu_ctx *ctx, const uint8_t *puk, size_t puk_len,
                            const uint8_t *new_pin, size_t new_len, int *tries_left)
{
    return send_pair(ctx, 0x2C, CH_PIV_REF_PIN, puk, puk_len, new_pin, new_len, tries_left);
}
