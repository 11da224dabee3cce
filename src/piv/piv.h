/* PIV card edge (NIST SP 800-73-4): builds commands, parses answers into typed results.
 * Knows APDUs and BER-TLV; knows nothing of CARD_DATA (DESIGN.md). */
#ifndef CH_PIV_H
#define CH_PIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu.h"

#define CH_PIV_AID_LEN 11u
#define CH_PIV_SELECT_AID_LEN 9u /* right-truncated AID every PIV card must accept */
#define CH_PIV_APT_MAX_ALGS 32u
#define CH_PIV_APT_MAX_LABEL 128u

extern const uint8_t ch_piv_aid[CH_PIV_AID_LEN];

/* Application Property Template (tag 61), the answer to SELECT. */
typedef struct ch_piv_apt {
    bool present;                       /* false: the card answered 9000 with no data */
    uint8_t aid[16];                    /* 4F: the PIX (or full AID) of the application */
    size_t aid_len;
    uint8_t authority_aid[16];          /* 79 { 4F } coexistent tag allocation authority */
    size_t authority_aid_len;
    uint8_t label[CH_PIV_APT_MAX_LABEL]; /* 50: application label, as sent (not terminated) */
    size_t label_len;
    uint8_t algs[CH_PIV_APT_MAX_ALGS];  /* AC { 80 alg ... }: cryptographic algorithms */
    size_t n_algs;
} ch_piv_apt;

/* Pure parser of a SELECT answer's data. SCARD_S_SUCCESS, or SCARD_E_UNKNOWN_CARD when the
 * data is not a well-formed APT of a PIV application. *apt is written only on success. */
uint32_t ch_piv_parse_apt(const uint8_t *data, size_t len, ch_piv_apt *apt);

/* SELECT the PIV application (00 A4 04 00, truncated AID, Le 00) and parse the APT.
 * Transport and exchange errors are returned as they are; a refusal (any SW but 9000) or a
 * malformed APT is SCARD_E_UNKNOWN_CARD: this card does not hold a usable PIV application. */
uint32_t ch_piv_select(ch_apdu_ctx *ctx, ch_piv_apt *apt);

#endif
