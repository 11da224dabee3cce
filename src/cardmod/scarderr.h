/* SCARD error and Win32 status codes used across the Cardmod ABI.
 *
 * Kept apart from cardmod.h so that layers below the card module (src/piv, src/apdu) can
 * return these codes without seeing CARD_DATA. Never include this next to pcsc-lite's
 * headers: pcsc-lite defines the same names with its own (LONG) types. The values are the
 * Windows ones, which pcsc-lite shares.
 */
#ifndef CH_SCARDERR_H
#define CH_SCARDERR_H

#define SCARD_S_SUCCESS              0x00000000u
#define SCARD_F_INTERNAL_ERROR       0x80100001u
#define SCARD_E_CANCELLED            0x80100002u
#define SCARD_E_INVALID_HANDLE       0x80100003u
#define SCARD_E_INVALID_PARAMETER    0x80100004u
#define SCARD_E_NO_MEMORY            0x80100006u
#define SCARD_E_INSUFFICIENT_BUFFER  0x80100008u
#define SCARD_E_UNKNOWN_READER       0x80100009u
#define SCARD_E_TIMEOUT              0x8010000Au
#define SCARD_E_SHARING_VIOLATION    0x8010000Bu
#define SCARD_E_NO_SMARTCARD         0x8010000Cu
#define SCARD_E_UNKNOWN_CARD         0x8010000Du
#define SCARD_E_PROTO_MISMATCH       0x8010000Fu
#define SCARD_E_NOT_READY            0x80100010u
#define SCARD_E_INVALID_VALUE        0x80100011u
#define SCARD_F_COMM_ERROR           0x80100013u
#define SCARD_E_NOT_TRANSACTED       0x80100016u
#define SCARD_E_READER_UNAVAILABLE   0x80100017u
#define SCARD_E_UNEXPECTED           0x8010001Fu
#define SCARD_E_UNSUPPORTED_FEATURE  0x80100022u
#define SCARD_E_DIR_NOT_FOUND        0x80100023u
#define SCARD_E_FILE_NOT_FOUND       0x80100024u
#define SCARD_E_NO_DIR               0x80100025u
#define SCARD_E_NO_FILE              0x80100026u
#define SCARD_E_NO_ACCESS            0x80100027u
#define SCARD_E_WRITE_TOO_MANY       0x80100028u
#define SCARD_E_BAD_SEEK             0x80100029u
#define SCARD_E_INVALID_CHV          0x8010002Au
#define SCARD_E_UNKNOWN_RES_MNG      0x8010002Bu
#define SCARD_E_NO_SUCH_CERTIFICATE  0x8010002Cu
#define SCARD_E_CERTIFICATE_UNAVAILABLE 0x8010002Du
#define SCARD_E_NO_READERS_AVAILABLE 0x8010002Eu
#define SCARD_E_COMM_DATA_LOST       0x8010002Fu
#define SCARD_E_NO_KEY_CONTAINER     0x80100030u
#define SCARD_E_SERVER_TOO_BUSY      0x80100031u
#define SCARD_E_PIN_CACHE_EXPIRED    0x80100032u
#define SCARD_E_NO_PIN_CACHE         0x80100033u
#define SCARD_E_READ_ONLY_CARD       0x80100034u
#define SCARD_W_UNSUPPORTED_CARD     0x80100065u
#define SCARD_W_UNRESPONSIVE_CARD    0x80100066u
#define SCARD_W_UNPOWERED_CARD       0x80100067u
#define SCARD_W_RESET_CARD           0x80100068u
#define SCARD_W_REMOVED_CARD         0x80100069u
#define SCARD_W_SECURITY_VIOLATION   0x8010006Au
#define SCARD_W_WRONG_CHV            0x8010006Bu
#define SCARD_W_CHV_BLOCKED          0x8010006Cu
#define SCARD_W_EOF                  0x8010006Du
#define SCARD_W_CANCELLED_BY_USER    0x8010006Eu
#define SCARD_W_CARD_NOT_AUTHENTICATED 0x8010006Fu

/* Win32 codes the Cardmod specification uses. */
#define ERROR_SUCCESS                0u
#define ERROR_FILE_EXISTS            80u
#define ERROR_INSUFFICIENT_BUFFER    122u
#define ERROR_DIR_NOT_EMPTY          145u
#define ERROR_REVISION_MISMATCH      1306u

#endif
