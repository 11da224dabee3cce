/* Public keys as the card states them (GENERATE's 7F49 and GET METADATA's 04 hold the same
 * TLVs): RSA 81 n, 82 e; EC 86 04||X||Y. */
#include <string.h>

#include "piv.h"
#include "piv_internal.h"

#define RSA_E_MAX_BYTES 4u /* CAPI's RSAPUBKEY holds the exponent in a DWORD */

/* A card integer (81/82): big-endian, leading zero bytes tolerated (this is not DER). */
static void strip_zeros(ch_cur *v)
{
    uint8_t b;
    while (ch_cur_peek_u8(v, &b) && b == 0)
        (void)ch_cur_skip(v, 1);
}

/* The last byte of what remains in c, without consuming anything. */
static bool last_byte(const ch_cur *c, uint8_t *b)
{
    ch_cur t = *c;
    return !ch_cur_empty(&t) && ch_cur_skip(&t, ch_cur_left(&t) - 1) && ch_cur_u8(&t, b);
}

/* 81 n and 82 e, each exactly once (in either order), nothing else. */
static bool rsa_tlvs(ch_cur *v, size_t bits, ch_piv_pubkey *pk)
{
    ch_cur n = {NULL, 0, 0}, e = {NULL, 0, 0}, t;
    bool have_n = false, have_e = false;
    uint32_t tag, ev = 0;
    uint8_t b, top, last;
    size_t elen;

    while (!ch_cur_empty(v)) {
        if (!ch_cur_tlv(v, &tag, &t))
            return false;
        if (tag == 0x81 && !have_n)
            n = t, have_n = true;
        else if (tag == 0x82 && !have_e)
            e = t, have_e = true;
        else
            return false; /* a repeat, an EC point, anything else */
    }
    if (!have_n || !have_e)
        return false;
    strip_zeros(&n);
    strip_zeros(&e);
    /* Exactly the size asked for (2048 means 2048 bits), and odd: an even modulus is no RSA
     * key at all. */
    if (ch_cur_left(&n) != bits / 8 || !ch_cur_peek_u8(&n, &top) || !(top & 0x80u) ||
        !last_byte(&n, &last) || !(last & 1u))
        return false;
    elen = ch_cur_left(&e);
    if (elen == 0 || elen > RSA_E_MAX_BYTES) /* CAPI's RSAPUBKEY holds e in a DWORD */
        return false;
    for (; elen > 0; elen--) {
        (void)ch_cur_u8(&e, &b); /* cannot fail: elen bytes remain */
        ev = ev << 8 | b;
    }
    if (ev < 3 || !(ev & 1u))
        return false;
    pk->type = CH_PIV_KEY_RSA;
    pk->bits = bits;
    pk->n_len = ch_cur_left(&n);
    (void)ch_cur_bytes(&n, pk->n, pk->n_len); /* bits <= 4096: fits */
    pk->e = ev;
    return true;
}

/* 86 04||X||Y of the curve, alone. The point is checked for form and length, not for being
 * on the curve (as for certificates and metadata: no EC arithmetic in the card edge). */
static bool ec_tlvs(ch_cur *v, ch_piv_key_type type, size_t bits, ch_piv_pubkey *pk)
{
    size_t f = bits / 8;
    uint32_t tag;
    uint8_t form;
    ch_cur pt;

    if (!ch_cur_tlv(v, &tag, &pt) || tag != 0x86 || !ch_cur_empty(v) ||
        ch_cur_left(&pt) != 1 + 2 * f || !ch_cur_peek_u8(&pt, &form) || form != 0x04)
        return false;
    pk->type = type;
    pk->bits = bits;
    pk->point_len = 1 + 2 * f;
    (void)ch_cur_bytes(&pt, pk->point, pk->point_len);
    return true;
}

bool ch_piv_pubkey_tlvs(ch_cur *v, uint8_t alg, ch_piv_pubkey *pk)
{
    ch_piv_key_type type;
    size_t bits;

    if (!ch_piv_alg_key(alg, &type, &bits))
        return false;
    return type == CH_PIV_KEY_RSA ? rsa_tlvs(v, bits, pk) : ec_tlvs(v, type, bits, pk);
}
