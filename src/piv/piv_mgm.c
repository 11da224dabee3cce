/* Management key (key reference 9B): its algorithm, and single-sided challenge/response
 * authentication with GENERAL AUTHENTICATE (SP 800-73-4 Part 2, Appendix A.1):
 *   00 87 alg 9B 7C 02 81 00          -> 7C L 81 <block>     the card's challenge
 *   00 87 alg 9B 7C L 82 <block>      -> 9000 | 6982         the host's Enc_K(challenge)
 * The host side (the CSP, through CardAuthenticateChallenge) holds the key; this file never
 * sees it. Challenges are treated as secrets: every copy is wiped. */
#include <string.h>

#include "cursor.h"
#include "piv.h"
#include "scarderr.h"
#include "wipe.h"

#define INS_GENERAL_AUTHENTICATE 0x87u
#define MGM_MAX_BLOCK 16u

size_t ch_piv_mgm_block(uint8_t alg)
{
    switch (alg) {
    case CH_PIV_ALG_3DES:
        return 8;
    case CH_PIV_ALG_AES128:
    case CH_PIV_ALG_AES192:
    case CH_PIV_ALG_AES256:
        return 16;
    default:
        return 0;
    }
}

uint32_t ch_piv_mgm_alg(ch_apdu_ctx *ctx, uint8_t *alg)
{
    ch_piv_metadata m;
    uint32_t rc = ch_piv_get_metadata(ctx, CH_PIV_REF_MGM, &m);

    /* No GET METADATA (not a YubiKey 5.3+: 6D00, or 6A86/6B00 from cards that check P1-P2
     * before INS), or no metadata for 9B: SP 800-78's default. */
    if (rc == SCARD_E_UNSUPPORTED_FEATURE || rc == SCARD_E_FILE_NOT_FOUND ||
        rc == SCARD_E_INVALID_PARAMETER) {
        *alg = CH_PIV_ALG_3DES;
        return SCARD_S_SUCCESS;
    }
    if (rc != SCARD_S_SUCCESS)
        return rc;
    /* A card that answers GET METADATA 9B states the algorithm (tag 01); one that does not,
     * or names an algorithm a management key cannot have, is not guessed at. */
    if (!m.has_alg)
        return SCARD_E_UNEXPECTED;
    if (ch_piv_mgm_block(m.alg) == 0)
        return SCARD_E_UNSUPPORTED_FEATURE;
    *alg = m.alg;
    return SCARD_S_SUCCESS;
}

/* The challenge answer must be exactly 7C { 81 <block> }: nothing before, inside or after. */
static bool parse_challenge(const uint8_t *resp, size_t n, size_t block, uint8_t *out)
{
    ch_cur c, tmpl, v;
    uint32_t tag;

    ch_cur_init(&c, resp, n);
    if (!ch_cur_tlv(&c, &tag, &tmpl) || tag != 0x7C || !ch_cur_empty(&c))
        return false;
    if (!ch_cur_tlv(&tmpl, &tag, &v) || tag != 0x81 || !ch_cur_empty(&tmpl))
        return false;
    return ch_cur_left(&v) == block && ch_cur_bytes(&v, out, block);
}

uint32_t ch_piv_mgm_challenge(ch_apdu_ctx *ctx, uint8_t alg, uint8_t *challenge, size_t cap,
                              size_t *len)
{
    static const uint8_t ask[] = {0x7C, 0x02, 0x81, 0x00};
    uint8_t resp[2 + 2 + MGM_MAX_BLOCK + 8]; /* room to see an over-long answer as malformed */
    size_t block = ch_piv_mgm_block(alg), n = 0;
    uint16_t sw = 0;
    uint32_t rc;
    ch_capdu c = {0x00, INS_GENERAL_AUTHENTICATE, alg, CH_PIV_REF_MGM, ask, sizeof ask, 256};

    if (block == 0 || !challenge || !len)
        return SCARD_E_INVALID_PARAMETER;
    if (cap < block)
        return SCARD_E_INSUFFICIENT_BUFFER;
    rc = ch_apdu_transmit(ctx, &c, resp, sizeof resp, &n, &sw);
    /* An answer too long for resp is as malformed as one parse_challenge rejects. */
    if (rc == SCARD_E_INSUFFICIENT_BUFFER ||
        (rc == SCARD_S_SUCCESS && !parse_challenge(resp, n, block, challenge)))
        rc = SCARD_E_UNEXPECTED;
    ch_wipe(resp, sizeof resp);
    if (rc != SCARD_S_SUCCESS)
        return rc; /* parse_challenge copies nothing unless the answer is well-formed */
    *len = block;
    return SCARD_S_SUCCESS;
}

uint32_t ch_piv_mgm_response(ch_apdu_ctx *ctx, uint8_t alg, const uint8_t *response,
                             size_t len)
{
    uint8_t data[2 + 2 + MGM_MAX_BLOCK], resp[16];
    size_t block = ch_piv_mgm_block(alg), n = 0;
    uint16_t sw = 0;
    uint32_t rc;
    ch_capdu c = {0x00, INS_GENERAL_AUTHENTICATE, alg, CH_PIV_REF_MGM, data, 0, 0};

    if (block == 0 || !response || len != block)
        return SCARD_E_INVALID_PARAMETER;
    data[0] = 0x7C;
    data[1] = (uint8_t)(2 + block);
    data[2] = 0x82;
    data[3] = (uint8_t)block;
    memcpy(data + 4, response, block);
    c.data_len = 4 + block;
    rc = ch_apdu_transmit(ctx, &c, resp, sizeof resp, &n, &sw);
    ch_wipe(data, sizeof data);
    ch_wipe(resp, sizeof resp);
    /* 6982 (security status not satisfied) is how the card says "wrong key": for a secret the
     * caller supplied that is a wrong authenticator, not a missing right. */
    if (sw == 0x6982u)
        return SCARD_W_WRONG_CHV;
    if (rc == SCARD_E_INSUFFICIENT_BUFFER || (rc == SCARD_S_SUCCESS && n != 0))
        return SCARD_E_UNEXPECTED;
    return rc;
}
