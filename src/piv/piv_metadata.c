/* YubiKey GET METADATA (INS F7, firmware 5.3+): what a slot, PIN, PUK or management key is.
 *
 * The answer is a flat list of TLVs (01 algorithm, 02 policies, 03 origin, 04 public key,
 * 05 is-default, 06 retries). The public key in 04 is the card's own statement of the key a
 * slot holds; it must agree with 01, since the minidriver sizes the key by it. */
#include <string.h>

#include "cursor.h"
#include "piv.h"
#include "scarderr.h"

/* An RSA-4096 slot: 01, 02, 03 (11 bytes), 04 82 02 0D { 81 82 02 00 <512>, 82 len <e> }.
 * Twice that leaves room for tags a newer firmware adds. */
#define METADATA_MAX 1200u

/* The value of a TLV that must be exactly n bytes long. */
static bool fixed(ch_cur *v, uint8_t *dst, size_t n)
{
    return ch_cur_left(v) == n && ch_cur_bytes(v, dst, n);
}

/* A card integer from 81/82: big-endian, leading zero bytes tolerated (not DER). */
static void strip_zeros(ch_cur *v)
{
    uint8_t b;
    while (ch_cur_peek_u8(v, &b) && b == 0)
        (void)ch_cur_skip(v, 1);
}

static bool rsa_pub(ch_cur *v, size_t want_bits, ch_piv_pubkey *pk)
{
    ch_cur n = {NULL, 0, 0}, e = {NULL, 0, 0}, t;
    uint32_t tag, ev = 0;
    uint8_t b, top, last = 0;
    bool have_n = false, have_e = false;
    size_t bits, elen;

    while (!ch_cur_empty(v)) {
        if (!ch_cur_tlv(v, &tag, &t))
            return false;
        if (tag == 0x81 && !have_n)
            n = t, have_n = true;
        else if (tag == 0x82 && !have_e)
            e = t, have_e = true;
        else
            return false; /* a duplicate, or an EC point in an RSA slot */
    }
    if (!have_n || !have_e)
        return false;
    strip_zeros(&n);
    strip_zeros(&e);
    /* The modulus must have exactly the bits the algorithm says: 2048 means 2048. */
    bits = 8 * ch_cur_left(&n);
    if (bits != want_bits || !ch_cur_peek_u8(&n, &top) || !(top & 0x80u))
        return false;
    elen = ch_cur_left(&e);
    if (elen == 0 || elen > 4)
        return false; /* CAPI's RSAPUBKEY holds the exponent in a DWORD */
    for (; elen > 0; elen--) {
        (void)ch_cur_u8(&e, &b);
        ev = ev << 8 | b;
        last = b;
    }
    if (ev < 3 || !(last & 1u))
        return false;
    pk->type = CH_PIV_KEY_RSA;
    pk->bits = bits;
    pk->n_len = ch_cur_left(&n);
    (void)ch_cur_bytes(&n, pk->n, pk->n_len); /* want_bits <= 4096 */
    pk->e = ev;
    return true;
}

static bool ec_pub(ch_cur *v, ch_piv_key_type type, size_t f, ch_piv_pubkey *pk)
{
    ch_cur pt;
    uint32_t tag;
    uint8_t form;

    if (!ch_cur_tlv(v, &tag, &pt) || tag != 0x86 || !ch_cur_empty(v) ||
        ch_cur_left(&pt) != 1 + 2 * f || !ch_cur_peek_u8(&pt, &form) || form != 0x04)
        return false;
    pk->type = type;
    pk->bits = 8 * f;
    pk->point_len = 1 + 2 * f;
    (void)ch_cur_bytes(&pt, pk->point, pk->point_len);
    return true;
}

/* 04's inner TLVs, read as the key 01 announces. */
static bool public_key(ch_cur *v, uint8_t alg, ch_piv_pubkey *pk)
{
    switch (alg) {
    case CH_PIV_ALG_RSA1024:
        return rsa_pub(v, 1024, pk);
    case CH_PIV_ALG_RSA2048:
        return rsa_pub(v, 2048, pk);
    case CH_PIV_ALG_RSA3072:
        return rsa_pub(v, 3072, pk);
    case CH_PIV_ALG_RSA4096:
        return rsa_pub(v, 4096, pk);
    case CH_PIV_ALG_ECCP256:
        return ec_pub(v, CH_PIV_KEY_P256, 32, pk);
    case CH_PIV_ALG_ECCP384:
        return ec_pub(v, CH_PIV_KEY_P384, 48, pk);
    default: /* a key whose algorithm the module does not know, or none at all */
        return false;
    }
}

uint32_t ch_piv_parse_metadata(const uint8_t *data, size_t len, ch_piv_metadata *out)
{
    ch_piv_metadata m;
    ch_cur c, v, pub = {NULL, 0, 0};
    uint32_t tag;
    uint8_t b[2];
    bool has_pub = false;

    memset(&m, 0, sizeof m);
    ch_cur_init(&c, data, len);
    while (!ch_cur_empty(&c)) {
        if (!ch_cur_tlv(&c, &tag, &v))
            return SCARD_E_UNEXPECTED;
        switch (tag) {
        case 0x01:
            if (m.has_alg || !fixed(&v, &m.alg, 1))
                return SCARD_E_UNEXPECTED;
            m.has_alg = true;
            break;
        case 0x02:
            if (m.has_policy || !fixed(&v, b, 2))
                return SCARD_E_UNEXPECTED;
            m.pin_policy = b[0], m.touch_policy = b[1];
            m.has_policy = true;
            break;
        case 0x03:
            if (m.has_origin || !fixed(&v, &m.origin, 1))
                return SCARD_E_UNEXPECTED;
            m.has_origin = true;
            break;
        case 0x04: /* read once 01 is known, wherever 04 stands */
            if (has_pub)
                return SCARD_E_UNEXPECTED;
            pub = v, has_pub = true;
            break;
        case 0x05:
            if (m.has_default || !fixed(&v, b, 1) || b[0] > 1)
                return SCARD_E_UNEXPECTED;
            m.is_default = b[0] == 1;
            m.has_default = true;
            break;
        case 0x06:
            if (m.has_retries || !fixed(&v, b, 2))
                return SCARD_E_UNEXPECTED;
            m.retries_total = b[0], m.retries_left = b[1];
            m.has_retries = true;
            break;
        default: /* tags of newer firmware: framing checked, value skipped */
            break;
        }
    }
    /* Every object the card describes has an algorithm (FF for PIN and PUK): an answer
     * without one, an empty 9000 included, describes nothing. */
    if (!m.has_alg || (has_pub && !public_key(&pub, m.alg, &m.pub)))
        return SCARD_E_UNEXPECTED;
    *out = m;
    return SCARD_S_SUCCESS;
}

uint32_t ch_piv_get_metadata(ch_apdu_ctx *ctx, uint8_t ref, ch_piv_metadata *m)
{
    uint8_t resp[METADATA_MAX];
    size_t n = 0;
    uint16_t sw = 0;
    ch_capdu c = {0x00, 0xF7, 0x00, ref, NULL, 0, 256};
    uint32_t rc = ch_apdu_transmit(ctx, &c, resp, sizeof resp, &n, &sw);

    if (rc == SCARD_E_INSUFFICIENT_BUFFER) /* no metadata is this long */
        return SCARD_E_UNEXPECTED;
    if (rc != SCARD_S_SUCCESS) /* 6D00, 6A88/6A82 and the rest: the one SW table */
        return rc;
    return ch_piv_parse_metadata(resp, n, m);
}
