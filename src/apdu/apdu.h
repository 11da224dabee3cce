/* The single transmit function: every APDU the module sends goes through ch_apdu_transmit.
 *
 * It owns the ISO 7816-4 exchange rules so that no caller re-implements them:
 *   - short APDUs only (Lc <= 255, Le <= 256); longer command data is sent with command
 *     chaining (CLA bit 0x10 on every block but the last);
 *   - 61xx: GET RESPONSE until the card stops asking, bounded both in rounds and in total
 *     bytes (a card answering 61 01 forever, or 61 FF past our buffer, gets an error);
 *   - 6Cxx: the same command once more with Le = xx;
 *   - the final status word is mapped to an SCARD error by one table (ch_sw_to_scard);
 *   - an optional transcript hook sees every raw C-APDU / R-APDU pair.
 */
#ifndef CH_APDU_H
#define CH_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport.h"

#define CH_APDU_MAX_DATA 65535u          /* longest command data we chain */
#define CH_APDU_DEFAULT_MAX_RESPONSE 16384u
#define CH_APDU_DEFAULT_MAX_ROUNDS 80u   /* 16384 / 256 = 64 full rounds, plus slack */
#define CH_APDU_CHAIN_BLOCK 255u

/* Called after every exchange with the raw bytes; rapdu is NULL when the transport failed. */
typedef void (*ch_apdu_hook_fn)(void *ctx, const uint8_t *capdu, size_t capdu_len,
                                const uint8_t *rapdu, size_t rapdu_len, uint32_t transport_rc);

typedef struct ch_apdu_ctx {
    ch_transport *tp;
    size_t max_response;  /* bound on the data accumulated for one command */
    unsigned max_rounds;  /* bound on GET RESPONSE / 6Cxx re-sends for one command */
    ch_apdu_hook_fn hook;
    void *hook_ctx;
    unsigned long sent;   /* APDUs handed to the transport through this context */
    bool desync;          /* an exchange broke off (transport failure, malformed answer): the
                             card may be mid-chain or hold a pending answer. Set here, cleared
                             by the owner once it has resynchronised (SELECT). */
} ch_apdu_ctx;

typedef struct ch_capdu {
    uint8_t cla, ins, p1, p2;
    const uint8_t *data;  /* may be NULL when data_len == 0 */
    size_t data_len;      /* 0..CH_APDU_MAX_DATA; above 255 it is chained */
    uint16_t le;          /* 0: no Le field; 1..256: expected length (256 is sent as 00) */
} ch_capdu;

void ch_apdu_ctx_init(ch_apdu_ctx *ctx, ch_transport *tp);

/* Sends c and collects the answer's data into out[0..out_cap).
 * Returns ch_sw_to_scard(final SW) when the exchange completed (SCARD_S_SUCCESS only for
 * 9000), with *sw the final status word (never 0: an answer whose SW1 is not 6X/9X is
 * malformed) and *out_len the data length (data is kept for
 * non-9000 answers too, e.g. 63Cx). Returns a transport error, SCARD_E_COMM_DATA_LOST
 * (malformed or over-long answer, too many rounds), SCARD_E_INSUFFICIENT_BUFFER (answer
 * longer than out_cap) or SCARD_E_INVALID_PARAMETER (bad c) with *out_len = 0, *sw = 0 and
 * out wiped of anything partially written. */
uint32_t ch_apdu_transmit(ch_apdu_ctx *ctx, const ch_capdu *c, uint8_t *out, size_t out_cap,
                          size_t *out_len, uint16_t *sw);

/* Whether a byte can be SW1 (6X but 60, or 9X); answers with any other are malformed. */
int ch_apdu_sw1_valid(uint8_t sw1);

/* The one status word -> SCARD error table. */
uint32_t ch_sw_to_scard(uint16_t sw);
/* A short name for a status word ("SW_OK", "WRONG_PIN", ...), for transcripts. */
const char *ch_sw_name(uint16_t sw);

#endif
