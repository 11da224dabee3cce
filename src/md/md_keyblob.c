/* Key blobs for CARD_CREATE_CONTAINER_KEY_IMPORT (md_keyblob.h): CAPI PRIVATEKEYBLOB (RSA) and
 * BCRYPT_ECCKEY_BLOB private keys, read through the bounded cursor only.
 *
 * Which format: every BCRYPT ECC key magic is "ECS?" (ECDSA) or "ECK?" (ECDH) in memory, so a
 * blob whose first two bytes are 'E' 'C' is a BCRYPT_ECCKEY_BLOB (and an unknown "EC.." magic
 * is BAD_MAGIC); anything else is read as a CAPI BLOBHEADER (and is BAD_TYPE unless it starts
 * 07 02). No valid BLOBHEADER starts with 'E' (0x45), so the two never overlap.
 *
 * The RSA consistency checks run on the small bignum of bn.h: not constant-time, which is
 * acceptable for a one-off check of a key the CSP hands in (bn.h). The ECC scalar checks (range
 * and d*G, ecpoint.h) run on fixed-size arithmetic with no branch on d. Every copy of key
 * material (the parsed key before it is handed out, the bignums) is wiped on every path. */
#include "md_keyblob.h"

#include <stdbool.h>
#include <string.h>

#include "bn.h"
#include "cursor.h"
#include "ecpoint.h"
#include "scarderr.h"
#include "wipe.h"

#define KB_RSA_BITS_MAX 16384u
#define KB_RSA_E 65537u
#define KB_ECC_MAGIC_LOW16 0x4345u /* "EC": the first two bytes of every ECC key magic */

/* The largest blob we parse is an RSA-4096 PRIVATEKEYBLOB; the ECC blobs are shorter. */
_Static_assert(CH_KEYBLOB_RSA_HDR + 9u * 4096u / 16u == CH_KEYBLOB_MAX, "CH_KEYBLOB_MAX");
_Static_assert(CH_KEYBLOB_HDR + 3u * 48u <= CH_KEYBLOB_MAX, "ECC blob above CH_KEYBLOB_MAX");

/* The private ECC magics we import, with the curve and the key spec CardCreateContainerEx
 * must name for them. */
typedef struct kb_ecc_kind {
    uint32_t magic;
    ch_piv_key_type type;
    size_t field;
    DWORD key_spec;
} kb_ecc_kind;

static const kb_ecc_kind kb_ecc_kinds[] = {
    {BCRYPT_ECDSA_PRIVATE_P256_MAGIC, CH_PIV_KEY_P256, 32, AT_ECDSA_P256},
    {BCRYPT_ECDSA_PRIVATE_P384_MAGIC, CH_PIV_KEY_P384, 48, AT_ECDSA_P384},
    {BCRYPT_ECDH_PRIVATE_P256_MAGIC, CH_PIV_KEY_P256, 32, AT_ECDHE_P256},
    {BCRYPT_ECDH_PRIVATE_P384_MAGIC, CH_PIV_KEY_P384, 48, AT_ECDHE_P384},
};

static const kb_ecc_kind *kb_ecc_kind_of(uint32_t magic)
{
    size_t i;

    for (i = 0; i < sizeof kb_ecc_kinds / sizeof kb_ecc_kinds[0]; i++) {
        if (kb_ecc_kinds[i].magic == magic)
            return &kb_ecc_kinds[i];
    }
    return NULL;
}

/* What the header says. */
typedef struct kb_hdr {
    bool rsa;
    ALG_ID alg;                /* RSA */
    uint32_t magic;            /* RSA2 or the ECC magic */
    uint32_t bitlen, pubexp;   /* RSA */
    const kb_ecc_kind *ecc;    /* ECC */
    size_t total;              /* the blob's length as the header states it */
} kb_hdr;

const char *ch_kb_err_name(ch_kb_err e)
{
    switch (e) {
    case CH_KB_OK: return "ok";
    case CH_KB_SHORT: return "short";
    case CH_KB_TRAILING: return "trailing";
    case CH_KB_BAD_TYPE: return "bad-type";
    case CH_KB_BAD_ALG: return "bad-alg";
    case CH_KB_BAD_MAGIC: return "bad-magic";
    case CH_KB_BAD_SIZE: return "bad-size";
    case CH_KB_UNSUPPORTED: return "unsupported";
    case CH_KB_INCONSISTENT: return "inconsistent";
    case CH_KB_OFF_CURVE: return "off-curve";
    case CH_KB_BAD_SCALAR: return "bad-scalar";
    case CH_KB_SPEC_MISMATCH: return "spec-mismatch";
    }
    return "unknown";
}

DWORD ch_kb_scard(ch_kb_err e)
{
    if (e == CH_KB_OK)
        return SCARD_S_SUCCESS;
    return e == CH_KB_UNSUPPORTED ? SCARD_E_UNSUPPORTED_FEATURE : SCARD_E_INVALID_PARAMETER;
}

static bool kb_rsa_bits_supported(uint32_t bits)
{
    return bits == 1024u || bits == 2048u || bits == 3072u || bits == 4096u;
}

/* The first CH_KEYBLOB_HDR bytes: the BLOBHEADER, or the whole BCRYPT_ECCKEY_BLOB header. */
static ch_kb_err kb_hdr_first(ch_cur *c, kb_hdr *h)
{
    uint32_t w0, w1;

    if (!ch_cur_u32le(c, &w0) || !ch_cur_u32le(c, &w1))
        return CH_KB_SHORT;
    if ((w0 & 0xFFFFu) == KB_ECC_MAGIC_LOW16) {
        /* BCRYPT_ECCKEY_BLOB: dwMagic, cbKey. */
        h->rsa = false;
        h->magic = w0;
        h->ecc = kb_ecc_kind_of(w0);
        if (h->ecc == NULL) {
            if (w0 == BCRYPT_ECDSA_PRIVATE_P521_MAGIC || w0 == BCRYPT_ECDH_PRIVATE_P521_MAGIC)
                return CH_KB_UNSUPPORTED;
            return CH_KB_BAD_MAGIC; /* a public magic, or none we know */
        }
        if (w1 != h->ecc->field)
            return CH_KB_BAD_SIZE;
        h->total = CH_KEYBLOB_HDR + 3u * h->ecc->field;
        return CH_KB_OK;
    }
    /* BLOBHEADER: bType, bVersion, reserved (ignored, as CAPI and OpenSSL do), aiKeyAlg. */
    h->rsa = true;
    if ((w0 & 0xFFu) != PRIVATEKEYBLOB || ((w0 >> 8) & 0xFFu) != CUR_BLOB_VERSION)
        return CH_KB_BAD_TYPE;
    h->alg = w1;
#ifdef CH_PLANTED_KEYBLOB
    /* PLANTED BUG (cmake/planted.cmake, never in a normal build): aiKeyAlg compared on its
     * low 16 bits, the upper half unbounded: a header that is no PRIVATEKEYBLOB of ours passes,
     * and ch_keyblob_size reads the 12 RSAPUBKEY bytes the caller vouches for only after one. */
    if ((w1 & 0xFFFFu) != CALG_RSA_KEYX && (w1 & 0xFFFFu) != CALG_RSA_SIGN)
#else
    if (w1 != CALG_RSA_KEYX && w1 != CALG_RSA_SIGN)
#endif
        return CH_KB_BAD_ALG;
    return CH_KB_OK;
}

/* RSAPUBKEY, the 12 bytes after a good BLOBHEADER. */
static ch_kb_err kb_hdr_rsapubkey(ch_cur *c, kb_hdr *h)
{
    if (!ch_cur_u32le(c, &h->magic) || !ch_cur_u32le(c, &h->bitlen) ||
        !ch_cur_u32le(c, &h->pubexp))
        return CH_KB_SHORT;
    if (h->magic != CH_RSA2_MAGIC)
        return CH_KB_BAD_MAGIC;
    if (h->bitlen == 0 || h->bitlen % 16u != 0 || h->bitlen > KB_RSA_BITS_MAX)
        return CH_KB_BAD_SIZE;
    /* n and d bitlen/8 bytes, p, q, dp, dq, qinv bitlen/16: at most 9216 bytes here. */
    h->total = CH_KEYBLOB_RSA_HDR + 9u * (size_t)(h->bitlen / 16u);
    return CH_KB_OK;
}

ch_kb_err ch_keyblob_size(const uint8_t *blob, size_t *len)
{
    ch_cur c;
    kb_hdr h;
    ch_kb_err e;

    if (blob == NULL || len == NULL)
        return CH_KB_SHORT;
    /* The caller vouches for CH_KEYBLOB_HDR bytes, and for CH_KEYBLOB_RSA_HDR only once
     * those first bytes are a PRIVATEKEYBLOB header (07 02, CALG_RSA_KEYX or CALG_RSA_SIGN;
     * a bad aiKeyAlg is refused on the first 8): two cursors of exactly those sizes. */
    ch_cur_init(&c, blob, CH_KEYBLOB_HDR);
    e = kb_hdr_first(&c, &h);
    if (e != CH_KB_OK)
        return e;
    if (h.rsa) {
        ch_cur_init(&c, blob, CH_KEYBLOB_RSA_HDR);
        if (!ch_cur_skip(&c, CH_KEYBLOB_HDR))
            return CH_KB_SHORT;
        e = kb_hdr_rsapubkey(&c, &h);
        if (e != CH_KB_OK)
            return e;
        if (!kb_rsa_bits_supported(h.bitlen))
            return CH_KB_UNSUPPORTED; /* e.g. 8192: its length is past CH_KEYBLOB_MAX */
    }
    *len = h.total; /* <= CH_KEYBLOB_MAX by the static assertions above */
    return CH_KB_OK;
}

/* ---- RSA ---------------------------------------------------------------------------- */

/* The key's numbers and scratch space; wiped as a whole. */
typedef struct kb_rsa_nums {
    ch_bn n, p, q, d, dp, dq, qinv;
    ch_bn t, u, v;
} kb_rsa_nums;

/* n bytes from the blob (little-endian) into dst as big-endian. */
static bool kb_read_le(ch_cur *c, uint8_t *dst, size_t n)
{
    size_t i;

    if (!ch_cur_bytes(c, dst, n))
        return false;
    for (i = 0; i < n / 2u; i++) {
        uint8_t b = dst[i];
        dst[i] = dst[n - 1u - i];
        dst[n - 1u - i] = b;
    }
    return true;
}

/* dx == d mod (prime - 1) and e * dx == 1 mod (prime - 1); prime is odd and above 1. */
static bool kb_rsa_crt_ok(kb_rsa_nums *k, const ch_bn *prime, const ch_bn *dx, uint32_t e)
{
    if (!ch_bn_sub_u32(&k->u, prime, 1u) || !ch_bn_mod(&k->t, &k->d, &k->u) ||
        ch_bn_cmp(&k->t, dx) != 0)
        return false;
    if (!ch_bn_mul_u32(&k->v, dx, e) || !ch_bn_mod(&k->t, &k->v, &k->u))
        return false;
    return ch_bn_cmp_u32(&k->t, 1u) == 0;
}

/* The equations of md_keyblob.h, in its order. */
static bool kb_rsa_consistent(kb_rsa_nums *k, const ch_keyblob *t)
{
    size_t nb = t->bits / 8u, hb = t->bits / 16u;

    if (!ch_bn_from_be(&k->n, t->n, nb) || !ch_bn_from_be(&k->p, t->p, hb) ||
        !ch_bn_from_be(&k->q, t->q, hb) || !ch_bn_from_be(&k->d, t->d, nb) ||
        !ch_bn_from_be(&k->dp, t->dp, hb) || !ch_bn_from_be(&k->dq, t->dq, hb) ||
        !ch_bn_from_be(&k->qinv, t->qinv, hb))
        return false;
    if (ch_bn_bits(&k->n) != t->bits)
        return false;
    if (!ch_bn_is_odd(&k->p) || ch_bn_cmp_u32(&k->p, 1u) <= 0 || !ch_bn_is_odd(&k->q) ||
        ch_bn_cmp_u32(&k->q, 1u) <= 0)
        return false;
    if (!ch_bn_mul(&k->t, &k->p, &k->q) || ch_bn_cmp(&k->t, &k->n) != 0)
        return false;
    if (ch_bn_cmp(&k->d, &k->n) >= 0)
        return false;
    if (!kb_rsa_crt_ok(k, &k->p, &k->dp, t->e) || !kb_rsa_crt_ok(k, &k->q, &k->dq, t->e))
        return false;
    if (ch_bn_cmp(&k->qinv, &k->p) >= 0 || !ch_bn_mod_mul(&k->t, &k->q, &k->qinv, &k->p))
        return false;
    return ch_bn_cmp_u32(&k->t, 1u) == 0;
}

/* The body of a PRIVATEKEYBLOB whose header passed and whose length is exactly h->total. */
static ch_kb_err kb_parse_rsa(ch_cur *c, const kb_hdr *h, ch_keyblob *kb)
{
    ch_keyblob t;
    kb_rsa_nums k;
    size_t nb = h->bitlen / 8u, hb = h->bitlen / 16u;
    ch_kb_err e = CH_KB_OK;

    if (!kb_rsa_bits_supported(h->bitlen))
        return CH_KB_UNSUPPORTED;
    if (h->pubexp % 2u == 0 || h->pubexp < 3u)
        return CH_KB_INCONSISTENT;
    if (h->pubexp != KB_RSA_E)
        return CH_KB_UNSUPPORTED;

    memset(&t, 0, sizeof t);
    t.type = CH_PIV_KEY_RSA;
    t.bits = h->bitlen;
    t.alg = h->alg;
    t.magic = h->magic;
    t.e = h->pubexp;
    /* Blob order: modulus, prime1, prime2, exponent1, exponent2, coefficient, privateExponent.
     * The length was checked against h->total, so these reads only fail if that is wrong. */
    if (!kb_read_le(c, t.n, nb) || !kb_read_le(c, t.p, hb) || !kb_read_le(c, t.q, hb) ||
        !kb_read_le(c, t.dp, hb) || !kb_read_le(c, t.dq, hb) || !kb_read_le(c, t.qinv, hb) ||
        !kb_read_le(c, t.d, nb))
        e = CH_KB_SHORT;
    if (e == CH_KB_OK && !kb_rsa_consistent(&k, &t))
        e = CH_KB_INCONSISTENT;
    if (e == CH_KB_OK && kb != NULL)
        *kb = t;
    ch_wipe(&k, sizeof k);
    ch_wipe(&t, sizeof t);
    return e;
}

/* ---- ECC ---------------------------------------------------------------------------- */

static ch_kb_err kb_parse_ecc(ch_cur *c, const kb_hdr *h, ch_keyblob *kb)
{
    ch_keyblob t;
    size_t f = h->ecc->field;
    ch_kb_err e = CH_KB_OK;

    memset(&t, 0, sizeof t);
    t.type = h->ecc->type;
    t.bits = 8u * f;
    t.magic = h->magic;
    t.field = f;
    if (!ch_cur_bytes(c, t.x, f) || !ch_cur_bytes(c, t.y, f) || !ch_cur_bytes(c, t.k, f))
        e = CH_KB_SHORT; /* the length was checked: only if h->total were wrong */
    else if (!ch_ec_point_on_curve(f, t.x, t.y))
        e = CH_KB_OFF_CURVE;
    else if (!ch_ec_scalar_valid(f, t.k))
        e = CH_KB_BAD_SCALAR;
    else if (!ch_ec_public_matches(f, t.k, t.x, t.y))
        e = CH_KB_INCONSISTENT; /* the card would derive another public key from d */
    if (e == CH_KB_OK && kb != NULL)
        *kb = t;
    ch_wipe(&t, sizeof t);
    return e;
}

/* kb may be NULL: check only. */
ch_kb_err ch_keyblob_parse(const uint8_t *blob, size_t len, ch_keyblob *kb)
{
    ch_cur c;
    kb_hdr h;
    ch_kb_err e;

    ch_cur_init(&c, blob, len); /* a NULL blob reads as no bytes at all */
    e = kb_hdr_first(&c, &h);
    if (e == CH_KB_OK && h.rsa)
        e = kb_hdr_rsapubkey(&c, &h);
    if (e != CH_KB_OK)
        return e;
    if (len < h.total)
        return CH_KB_SHORT;
    if (len > h.total)
        return CH_KB_TRAILING;
    return h.rsa ? kb_parse_rsa(&c, &h, kb) : kb_parse_ecc(&c, &h, kb);
}

ch_kb_err ch_keyblob_match(const ch_keyblob *kb, DWORD key_spec, DWORD key_size)
{
    const kb_ecc_kind *ecc;

    if (kb == NULL || (key_size != 0 && key_size != kb->bits))
        return CH_KB_SPEC_MISMATCH;
    if (kb->type == CH_PIV_KEY_RSA) {
        if ((key_spec == AT_KEYEXCHANGE && kb->alg == CALG_RSA_KEYX) ||
            (key_spec == AT_SIGNATURE && kb->alg == CALG_RSA_SIGN))
            return CH_KB_OK;
        return CH_KB_SPEC_MISMATCH;
    }
    ecc = kb_ecc_kind_of(kb->magic);
    if (ecc != NULL && ecc->type == kb->type && ecc->key_spec == key_spec)
        return CH_KB_OK;
    return CH_KB_SPEC_MISMATCH;
}

void ch_keyblob_wipe(ch_keyblob *kb)
{
    if (kb != NULL)
        ch_wipe(kb, sizeof *kb);
}

/* A peer's public key: nothing secret here, so no wiping. type other than P-256 / P-384 is
 * UNSUPPORTED (no ECDH on such a container). point / point_len may be NULL: check only. */
ch_kb_err ch_keyblob_ecdh_public(const uint8_t *blob, size_t len, ch_piv_key_type type,
                                 uint8_t *point, size_t *point_len)
{
    uint8_t xy[2u * 48u];
    uint32_t magic, want, cb;
    size_t field;
    ch_cur c;

    if (type == CH_PIV_KEY_P256) {
        want = BCRYPT_ECDH_PUBLIC_P256_MAGIC;
        field = 32;
    } else if (type == CH_PIV_KEY_P384) {
        want = BCRYPT_ECDH_PUBLIC_P384_MAGIC;
        field = 48;
    } else {
        return CH_KB_UNSUPPORTED;
    }
    ch_cur_init(&c, blob, len);
    if (!ch_cur_u32le(&c, &magic) || !ch_cur_u32le(&c, &cb))
        return CH_KB_SHORT;
    if (magic != want)
        return CH_KB_BAD_MAGIC;
    if (cb != field)
        return CH_KB_BAD_SIZE;
    if (len != CH_KEYBLOB_HDR + 2u * field)
        return len < CH_KEYBLOB_HDR + 2u * field ? CH_KB_SHORT : CH_KB_TRAILING;
    if (!ch_cur_bytes(&c, xy, 2u * field))
        return CH_KB_SHORT; /* the length was checked: not reached */
    if (!ch_ec_point_on_curve(field, xy, xy + field))
        return CH_KB_OFF_CURVE;
    if (point != NULL) {
        point[0] = 0x04;
        memcpy(point + 1, xy, 2u * field);
    }
    if (point_len != NULL)
        *point_len = 1u + 2u * field;
    return CH_KB_OK;
}
