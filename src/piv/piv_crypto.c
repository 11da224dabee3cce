/* Private-key operations with GENERAL AUTHENTICATE on a key slot (SP 800-73-4 Part 2, 3.2.4
 * and Appendix A):
 *
 *   00 87 alg slot  7C { 82 00  81 <in> }     -> 7C { 82 <out> }   RSA raw, ECDSA (DER)
 *   00 87 alg slot  7C { 82 00  85 <point> }  -> 7C { 82 <X> }     ECDH
 *
 * The answer must be exactly one 7C holding exactly one 82: nothing before, beside or after.
 * An RSA decryption answers a plaintext and ECDH a shared secret, so every buffer that held
 * an answer is wiped, and the caller's output is written only once the answer is known good. */
#include <string.h>

#include "cursor.h"
#include "piv.h"
#include "piv_internal.h"
#include "scarderr.h"
#include "wipe.h"

#define INS_GENERAL_AUTHENTICATE 0x87u
#define TAG_TEMPLATE 0x7Cu
#define TAG_CHALLENGE 0x81u
#define TAG_RESPONSE 0x82u
#define TAG_EXPONENTIATION 0x85u
#define DER_SEQUENCE 0x30u
#define DER_INTEGER 0x02u
#define EC_FIELD_MAX 48u /* P-384 */

/* RSA-4096: 7C 82 02 06 { 82 00, 81 82 02 00 <512> } */
#define GA_COMMAND_MAX (4u + 2u + 4u + CH_PIV_RSA_MAX_BYTES)
/* RSA-4096: 7C 82 02 04 { 82 82 02 00 <512> } = 520 bytes; the rest is room to see an
 * over-long answer as malformed rather than as a short buffer. */
#define GA_ANSWER_MAX (8u + CH_PIV_RSA_MAX_BYTES + 64u)

/* A slot that holds a key pair the module uses: 9A, 9C, 9D, 9E, retired 82..95. */
static bool key_slot(uint8_t slot) { return ch_piv_cert_tag(slot) != 0; }

/* The answer is exactly 7C { 82 <value> }; *value is a view into resp. */
static bool parse_result(const uint8_t *resp, size_t n, ch_cur *value)
{
    ch_cur c, tmpl;
    uint32_t tag;

    ch_cur_init(&c, resp, n);
    if (!ch_cur_tlv(&c, &tag, &tmpl) || tag != TAG_TEMPLATE || !ch_cur_empty(&c))
        return false;
    return ch_cur_tlv(&tmpl, &tag, value) && tag == TAG_RESPONSE && ch_cur_empty(&tmpl);
}

/* GENERAL AUTHENTICATE with one input TLV (81 challenge or 85 exponentiation) of at most
 * CH_PIV_RSA_MAX_BYTES; the answer's 82 value as a view into resp (the caller wipes resp,
 * whatever this returns). */
static uint32_t general_authenticate(ch_apdu_ctx *ctx, uint8_t alg, uint8_t slot,
                                     uint8_t in_tag, const uint8_t *in, size_t in_len,
                                     uint8_t resp[GA_ANSWER_MAX], ch_cur *value)
{
    uint8_t cmd[GA_COMMAND_MAX];
    ch_capdu c = {0x00, INS_GENERAL_AUTHENTICATE, alg, slot, cmd, 0, 256};
    size_t inner, n = 0, rn = 0;
    uint16_t sw = 0;
    uint32_t rc;

    /* Every caller passes at most a modulus (k = bits / 8 <= CH_PIV_RSA_MAX_BYTES) or less;
     * checked here too so that cmd's bound does not rest on three callers' checks. */
    if (in_len > CH_PIV_RSA_MAX_BYTES)
        return SCARD_E_INVALID_PARAMETER;
    inner = 2u + 1u + ch_piv_ber_len_size(in_len) + in_len;
    cmd[n++] = TAG_TEMPLATE;
    n += ch_piv_ber_len(inner, cmd + n);
    cmd[n++] = TAG_RESPONSE, cmd[n++] = 0x00; /* "the card's answer goes here" */
    cmd[n++] = in_tag;
    n += ch_piv_ber_len(in_len, cmd + n);
    memcpy(cmd + n, in, in_len);
    c.data_len = n + in_len;
    rc = ch_apdu_transmit(ctx, &c, resp, GA_ANSWER_MAX, &rn, &sw);
    ch_wipe(cmd, sizeof cmd);
    if (rc == SCARD_E_INSUFFICIENT_BUFFER) /* longer than any result */
        return SCARD_E_UNEXPECTED;
    if (rc != SCARD_S_SUCCESS)
        return rc;
    return parse_result(resp, rn, value) ? SCARD_S_SUCCESS : SCARD_E_UNEXPECTED;
}

/* The field size of an EC algorithm, 0 for any other. */
static size_t ec_field(uint8_t alg)
{
    ch_piv_key_type type;
    size_t bits;
    return ch_piv_alg_key(alg, &type, &bits) && type != CH_PIV_KEY_RSA ? bits / 8 : 0;
}

uint32_t ch_piv_rsa_raw(ch_apdu_ctx *ctx, uint8_t alg, uint8_t slot, const uint8_t *in,
                        size_t k, uint8_t *out)
{
    uint8_t resp[GA_ANSWER_MAX];
    ch_piv_key_type type;
    size_t bits;
    ch_cur v;
    uint32_t rc;

    if (!ch_piv_alg_key(alg, &type, &bits) || type != CH_PIV_KEY_RSA || k != bits / 8 || !in ||
        !out || !key_slot(slot))
        return SCARD_E_INVALID_PARAMETER;
    rc = general_authenticate(ctx, alg, slot, TAG_CHALLENGE, in, k, resp, &v);
    if (rc == SCARD_S_SUCCESS && ch_cur_left(&v) != k)
        rc = SCARD_E_UNEXPECTED;
    if (rc == SCARD_S_SUCCESS)
        (void)ch_cur_bytes(&v, out, k); /* out may be in: in is no longer needed */
    ch_wipe(resp, sizeof resp);
    return rc;
}

uint32_t ch_piv_ecdsa_sign(ch_apdu_ctx *ctx, uint8_t alg, uint8_t slot, const uint8_t *hash,
                           size_t hash_len, uint8_t *rs, size_t field)
{
    uint8_t resp[GA_ANSWER_MAX];
    ch_cur v;
    uint32_t rc;

    if (ec_field(alg) == 0 || field != ec_field(alg) || !hash || hash_len == 0 ||
        hash_len > field || !rs || !key_slot(slot))
        return SCARD_E_INVALID_PARAMETER;
    rc = general_authenticate(ctx, alg, slot, TAG_CHALLENGE, hash, hash_len, resp, &v);
    if (rc == SCARD_S_SUCCESS)
        rc = ch_piv_ecdsa_der_to_rs(ch_cur_peek_ptr(&v), ch_cur_left(&v), field, rs);
    ch_wipe(resp, sizeof resp);
    return rc;
}

/* One DER TLV with the expected one-byte tag and its length in the minimal form. An ECDSA
 * signature over a field of at most 48 bytes is at most 104 bytes: the 81 form (for 128..255,
 * never below) is as long as any of its lengths can be. */
static bool der_tlv(ch_cur *c, uint8_t want, ch_cur *value)
{
    ch_cur t = *c;
    uint8_t tag, b;

    if (!ch_cur_u8(&t, &tag) || tag != want || !ch_cur_u8(&t, &b))
        return false;
    if (b == 0x81) {
        if (!ch_cur_u8(&t, &b) || b < 0x80u) /* 81 xx with xx < 80: not minimal */
            return false;
    } else if (b >= 0x80u) {
        return false; /* indefinite, or longer forms no signature needs */
    }
    if (!ch_cur_sub(&t, b, value))
        return false;
    *c = t;
    return true;
}

/* A positive DER INTEGER in minimal form of at most field bytes of magnitude, left-padded
 * into out[0..field). A leading 00 is allowed only in front of a byte with the top bit set,
 * where it keeps the value from reading as negative. */
static bool der_uint(ch_cur *c, size_t field, uint8_t *out)
{
    ch_cur v;
    uint8_t b0, b1;
    size_t n;

    if (!der_tlv(c, DER_INTEGER, &v) || !ch_cur_peek_u8(&v, &b0) || (b0 & 0x80u))
        return false; /* not an INTEGER, empty, or negative */
    if (b0 == 0x00) {
        (void)ch_cur_skip(&v, 1);
        if (!ch_cur_peek_u8(&v, &b1) || !(b1 & 0x80u))
            return false; /* zero (not positive), or a needless leading zero */
    }
    n = ch_cur_left(&v);
    if (n > field)
        return false; /* 2^(8*field) or more */
    memset(out, 0, field - n);
    return ch_cur_bytes(&v, out + (field - n), n);
}

uint32_t ch_piv_ecdsa_der_to_rs(const uint8_t *der, size_t len, size_t field, uint8_t *rs)
{
    uint8_t tmp[2 * EC_FIELD_MAX];
    ch_cur c, seq;

    if (field == 0 || field > EC_FIELD_MAX || !rs)
        return SCARD_E_INVALID_PARAMETER;
    ch_cur_init(&c, der, len);
    if (!der_tlv(&c, DER_SEQUENCE, &seq) || !ch_cur_empty(&c) ||
        !der_uint(&seq, field, tmp) || !der_uint(&seq, field, tmp + field) ||
        !ch_cur_empty(&seq))
        return SCARD_E_UNEXPECTED;
    memcpy(rs, tmp, 2 * field);
    return SCARD_S_SUCCESS;
}

uint32_t ch_piv_ecdh(ch_apdu_ctx *ctx, uint8_t alg, uint8_t slot, const uint8_t *point,
                     size_t point_len, uint8_t *secret, size_t field)
{
    uint8_t resp[GA_ANSWER_MAX];
    ch_cur v;
    uint32_t rc;

    /* Only an uncompressed point of the key's curve: anything else the card would refuse. */
    if (ec_field(alg) == 0 || field != ec_field(alg) || !point || point_len != 1 + 2 * field ||
        point[0] != 0x04 || !secret || !key_slot(slot))
        return SCARD_E_INVALID_PARAMETER;
    rc = general_authenticate(ctx, alg, slot, TAG_EXPONENTIATION, point, point_len, resp, &v);
    if (rc == SCARD_S_SUCCESS && ch_cur_left(&v) != field)
        rc = SCARD_E_UNEXPECTED;
    if (rc == SCARD_S_SUCCESS)
        (void)ch_cur_bytes(&v, secret, field);
    ch_wipe(resp, sizeof resp);
    return rc;
}
