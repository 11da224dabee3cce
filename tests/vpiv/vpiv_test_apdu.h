/* vpiv tests: the APDU plumbing the vpiv unit tests share. Every helper talks to the card only
 * through vpiv_process and checks what it can with cmocka (a failed check fails the test that
 * called it), so include <cmocka.h> (after stdarg, stddef, stdint, setjmp) before this header.
 *
 * Two ways to send:
 *   - TX / TXD: one APDU given in hex, sent as is; the SW (and, with TXD, the exact answer
 *     data) is checked, and a mismatch is reported at the caller's file and line;
 *   - vt_xfer / vt_chain / vt_hex_apdu: a command split into chained blocks of at most 255
 *     bytes (CLA 10 on all but the last), the answer collected through 61xx / GET RESPONSE. */
#ifndef VPIV_TEST_APDU_H
#define VPIV_TEST_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "vpiv.h"
#include "vpiv_internal.h"

/* ---- APDUs and PINs used by more than one test ---- */

#define SELECT "00 A4 04 00 09 A0 00 00 03 08 00 00 10 00"

/* PINs and PUKs, FF-padded to 8 bytes */
#define PIN_DEF "31 32 33 34 35 36 FF FF"
#define PIN_NEW "39 38 37 36 35 34 33 FF"
#define PUK_DEF "31 32 33 34 35 36 37 38"
#define PUK_NEW "38 37 36 35 34 33 32 31"
#define WRONG "30 30 30 30 30 30 FF FF"

#define VERIFY(pin) "00 20 00 80 08 " pin
#define VERIFY_EMPTY "00 20 00 80"
#define UNBLOCK(puk, pin) "00 2C 00 80 10 " puk " " pin

/* The default management key (3DES 010203040506070801020304050607080102030405060708). */
extern const uint8_t vt_default_key[24];

/* ---- hex ---- */

/* Hex to bytes: pairs of hex digits, spaces allowed between bytes (not inside one); anything
 * else, an odd digit or more than cap bytes fails the test. Returns the byte count. */
size_t vt_unhex(const char *hex, uint8_t *out, size_t cap);

/* ---- one APDU as is ---- */

/* Sends one APDU; checks the answer has an SW and fits VPIV_MAX_RAPDU; copies the answer data
 * to data (when not NULL; VPIV_MAX_RAPDU - 2 bytes at most) and its length to *dlen (when not
 * NULL). Returns the SW. */
uint16_t vt_xfer_raw(vpiv_card *card, const uint8_t *apdu, size_t n, uint8_t *data, size_t *dlen);

/* Sends the APDU in hex; fails at file:line unless the SW is want_sw and, when want_hex is not
 * NULL, the answer data is exactly want_hex. */
void vt_tx_at(vpiv_card *card, const char *hex, unsigned want_sw, const char *want_hex,
              const char *file, int line);

#define TX(card, hex, sw) vt_tx_at(card, hex, sw, NULL, __FILE__, __LINE__)
#define TXD(card, hex, sw, data) vt_tx_at(card, hex, sw, data, __FILE__, __LINE__)

/* ---- one command, chained, with GET RESPONSE ---- */

/* Sends INS P1 P2 data as one command, chained in blocks of at most 255 bytes (CLA 10 on all
 * but the last, no Lc when there is no data); with_le, the last block ends with Le 00 (256).
 * Every block but the last must answer 9000 with no data. The answer is followed through 61xx
 * with GET RESPONSE (a 61xx must come with a full block of 256 bytes) and its data goes to
 * resp (when not NULL; at most cap bytes, checked) and its length to *resp_len (when not
 * NULL). Returns the last SW. */
uint16_t vt_chain(vpiv_card *card, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *data,
                  size_t len, bool with_le, uint8_t *resp, size_t cap, size_t *resp_len);

/* A collected answer. */
typedef struct vt_rsp {
    uint8_t data[VPIV_MAX_RESPONSE];
    size_t len;
    uint16_t sw;
} vt_rsp;

/* vt_chain without Le, the answer into r. Returns the final SW (also in r->sw). */
uint16_t vt_xfer(vpiv_card *card, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *data,
                 size_t len, vt_rsp *r);

/* Sends a whole short APDU given in hex (CLA 00, Lc matching the data, no Le) through vt_xfer;
 * collects the answer. */
uint16_t vt_hex_apdu(vpiv_card *card, const char *hex, vt_rsp *r);

/* ---- cards ---- */

/* A card on path (NULL: none), deterministic from seed when asked, with the PIV application
 * selected (9000). */
vpiv_card *vt_new_card(uint64_t seed, bool deterministic, const char *path);

/* Single-sided management key authentication (GENERAL AUTHENTICATE 9B) with the default 3DES
 * key: asks for a challenge (7C 02 81 00; the answer must be 12 bytes, 7C 0A 81 08 + 8) and
 * sends it back encrypted (7C 0A 82 08 + 8); both must answer 9000. */
void vt_admin(vpiv_card *card);

/* ---- host side ---- */

/* A public key of type ("RSA", "EC") from the parameters in bld (which it frees). */
EVP_PKEY *vt_pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld);

#endif
