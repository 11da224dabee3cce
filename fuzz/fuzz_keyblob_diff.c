/* fuzz_keyblob_diff: the key-blob parser (src/md/md_keyblob.c) against OpenSSL's MSBLOB
 * reader (b2i_PrivateKey) for RSA, and against OpenSSL's EC_GROUP / EC_POINT for ECC.
 *
 * Input: one key blob, no framing. Each iteration runs, on exact-size heap copies (so ASan
 * sees any read past what a function may touch):
 *   1. ch_keyblob_size on the first 8 bytes, or the first 20 when those 8 are a PRIVATEKEYBLOB
 *      header with CALG_RSA_KEYX / CALG_RSA_SIGN (the only case it may read further);
 *   2. ch_keyblob_parse on the whole input, with *kb filled with a pattern first;
 *   3. ch_keyblob_ecdh_public on the whole input, for P-256 and for P-384;
 *   4. b2i_PrivateKey on the same bytes.
 *
 * Agreement rule. A blob is "EC-looking" when its first two bytes are 'E' 'C' (every BCRYPT
 * ECC magic), "RSA-looking" otherwise.
 * RSA-looking, against OpenSSL (O = b2i_PrivateKey returned a key):
 *   - SHORT, BAD_TYPE       => not O;
 *   - BAD_MAGIC             => not O, or O is a DSA key from a "DSS2" magic (OpenSSL reads
 *                              DSA private blobs too);
 *   - OK                    => O is RSA and n, e, d, p, q, dmp1, dmq1, iqmp (from
 *                              EVP_PKEY_get_bn_param) equal ours, every equation below holds
 *                              in OpenSSL's BIGNUMs, e = 65537, bitlen in {1024..4096};
 *   - a semantic refusal is checked independently: BAD_ALG => aiKeyAlg is neither
 *     CALG_RSA_KEYX nor CALG_RSA_SIGN; BAD_SIZE => bitlen 0, not a multiple of 16 or above
 *     16384; TRAILING => O and the input is longer than 20 + 9 * bitlen / 16; UNSUPPORTED =>
 *     O and (bitlen not in {1024, 2048, 3072, 4096} or OpenSSL's e != 65537); INCONSISTENT =>
 *     O and OpenSSL's e is even or below 3, or at least one of: n has bitlen bits, p and q odd
 *     and above 1, p*q == n, d < n, dp == d mod (p-1), dq == d mod (q-1), e*dp == 1 mod (p-1),
 *     e*dq == 1 mod (q-1), qinv < p, q*qinv == 1 mod p fails in BN_mul / BN_mod arithmetic.
 *   On top of that the order of md_keyblob.h is checked: every verdict implies that the
 *   earlier stages passed (an independent reading of the header fields), and with a good
 *   header of the exact length and e = 65537, OK / INCONSISTENT is exactly "all equations
 *   hold" / "one fails".
 * EC-looking: OpenSSL must refuse (its reader has no ECC). Our verdict must equal a model
 *   written here from md_keyblob.h: SHORT below 8 bytes; magic not a P-256/P-384 private
 *   ECDSA/ECDH one -> UNSUPPORTED for P-521 private, else BAD_MAGIC; cbKey != field ->
 *   BAD_SIZE; length -> SHORT / TRAILING; then OFF_CURVE unless X, Y < p and
 *   EC_POINT_set_affine_coordinates + EC_POINT_is_on_curve accept them; then BAD_SCALAR
 *   unless 1 <= d < EC_GROUP_get0_order; then INCONSISTENT unless EC_POINT_mul(G, d),
 *   converted to affine by OpenSSL, is (X, Y). So OK iff on the curve, d in range and
 *   d*G == (X, Y) in OpenSSL's arithmetic, and every INCONSISTENT is confirmed by OpenSSL
 *   (an on-curve point, an in-range d, and OpenSSL's d*G differs). OK copies X, Y, d
 *   exactly. (Valid EC inputs now cost two scalar multiplications, ours and OpenSSL's.)
 * Everywhere: a refused parse leaves *kb untouched; ch_keyblob_size agrees with the parse
 * (OK: the stated length decides SHORT / TRAILING; its header errors are the parse's) and
 * leaves *len untouched on refusal; ch_keyblob_match on an OK key follows the keyspec table;
 * ch_keyblob_ecdh_public equals the same kind of model (public ECDH magic of the type's curve,
 * exact length 8 + 2 * field, point on the curve) and leaves its outputs untouched on refusal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>

#include "fuzz_check.h"
#include "md_keyblob.h"

#define PATTERN 0xA5u
#define DSS2_MAGIC 0x32535344u

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* malloc(n) for n == 0 too (glibc gives a 0-byte chunk that ASan guards). calloc, not
 * malloc + memcpy: gcc cannot see that a 0-byte buffer is never read. */
static uint8_t *dup_exact(const uint8_t *b, size_t n)
{
    uint8_t *c = calloc(1, n);
    CH_CHECK(c != NULL || n == 0, "calloc");
    if (n)
        memcpy(c, b, n);
    return c;
}

static BIGNUM *be_bn(const uint8_t *b, size_t n)
{
    BIGNUM *r = BN_bin2bn(b, (int)n, NULL);
    CH_CHECK(r != NULL, "BN_bin2bn");
    return r;
}

/* ---- the EC oracle ------------------------------------------------------------------- */

typedef struct ec_oracle {
    EC_GROUP *group;
    BIGNUM *p, *order;
} ec_oracle;

static const ec_oracle *ec_oracle_of(size_t field)
{
    static ec_oracle o[2];
    ec_oracle *e = &o[field == 48];

    if (e->group == NULL) {
        e->group = EC_GROUP_new_by_curve_name(field == 48 ? NID_secp384r1
                                                          : NID_X9_62_prime256v1);
        e->p = BN_new();
        CH_CHECK(e->group != NULL && e->p != NULL, "EC_GROUP_new_by_curve_name");
        CH_CHECK(EC_GROUP_get_curve(e->group, e->p, NULL, NULL, NULL) == 1, "get_curve");
        e->order = BN_dup(EC_GROUP_get0_order(e->group));
        CH_CHECK(e->order != NULL, "order");
    }
    return e;
}

/* X, Y (field bytes each, big-endian) below p and on the curve, in OpenSSL's judgement. */
static int ossl_on_curve(size_t field, const uint8_t *x, const uint8_t *y)
{
    const ec_oracle *o = ec_oracle_of(field);
    BIGNUM *X = be_bn(x, field), *Y = be_bn(y, field);
    EC_POINT *pt = EC_POINT_new(o->group);
    int on;

    CH_CHECK(pt != NULL, "EC_POINT_new");
    on = BN_cmp(X, o->p) < 0 && BN_cmp(Y, o->p) < 0 &&
         EC_POINT_set_affine_coordinates(o->group, pt, X, Y, NULL) == 1 &&
         EC_POINT_is_on_curve(o->group, pt, NULL) == 1;
    EC_POINT_free(pt);
    BN_free(X);
    BN_free(Y);
    ERR_clear_error();
    return on;
}

static int ossl_scalar_ok(size_t field, const uint8_t *d)
{
    BIGNUM *D = be_bn(d, field);
    int ok = !BN_is_zero(D) && BN_cmp(D, ec_oracle_of(field)->order) < 0;
    BN_clear_free(D);
    return ok;
}

/* Whether d*G (EC_POINT_mul with d as the generator's scalar) is (X, Y), in OpenSSL's
 * arithmetic. d in [1, n-1], so d*G is never infinity. */
static int ossl_public_matches(size_t field, const uint8_t *d, const uint8_t *x,
                               const uint8_t *y)
{
    const ec_oracle *o = ec_oracle_of(field);
    BIGNUM *D = be_bn(d, field), *X = BN_new(), *Y = BN_new();
    EC_POINT *pt = EC_POINT_new(o->group);
    uint8_t xb[48], yb[48];
    int same;

    CH_CHECK(X != NULL && Y != NULL && pt != NULL, "EC_POINT_new");
    CH_CHECK(EC_POINT_mul(o->group, pt, D, NULL, NULL, NULL) == 1, "EC_POINT_mul");
    CH_CHECK(EC_POINT_get_affine_coordinates(o->group, pt, X, Y, NULL) == 1,
             "EC_POINT_get_affine_coordinates of d*G");
    CH_CHECK(BN_bn2binpad(X, xb, (int)field) == (int)field &&
                 BN_bn2binpad(Y, yb, (int)field) == (int)field,
             "d*G coordinates wider than the field");
    same = memcmp(xb, x, field) == 0 && memcmp(yb, y, field) == 0;
    EC_POINT_free(pt);
    BN_clear_free(D);
    BN_free(X);
    BN_free(Y);
    return same;
}

/* ---- EC-looking blobs: the model ------------------------------------------------------ */

typedef struct ec_kind {
    uint32_t magic;
    size_t field;
    ch_piv_key_type type;
    DWORD spec;
} ec_kind;

static const ec_kind ec_kinds[] = {
    {0x32534345u, 32, CH_PIV_KEY_P256, AT_ECDSA_P256}, /* ECS2 */
    {0x34534345u, 48, CH_PIV_KEY_P384, AT_ECDSA_P384}, /* ECS4 */
    {0x324B4345u, 32, CH_PIV_KEY_P256, AT_ECDHE_P256}, /* ECK2 */
    {0x344B4345u, 48, CH_PIV_KEY_P384, AT_ECDHE_P384}, /* ECK4 */
};

static const ec_kind *ec_kind_of(uint32_t magic)
{
    size_t i;
    for (i = 0; i < sizeof ec_kinds / sizeof ec_kinds[0]; i++) {
        if (ec_kinds[i].magic == magic)
            return &ec_kinds[i];
    }
    return NULL;
}

static ch_kb_err ec_model(const uint8_t *b, size_t n)
{
    const ec_kind *k;
    size_t f;

    if (n < 8)
        return CH_KB_SHORT;
    k = ec_kind_of(le32(b));
    if (k == NULL)
        return le32(b) == 0x36534345u || le32(b) == 0x364B4345u ? CH_KB_UNSUPPORTED
                                                                 : CH_KB_BAD_MAGIC;
    f = k->field;
    if (le32(b + 4) != f)
        return CH_KB_BAD_SIZE;
    if (n != 8 + 3 * f)
        return n < 8 + 3 * f ? CH_KB_SHORT : CH_KB_TRAILING;
    if (!ossl_on_curve(f, b + 8, b + 8 + f))
        return CH_KB_OFF_CURVE;
    if (!ossl_scalar_ok(f, b + 8 + 2 * f))
        return CH_KB_BAD_SCALAR;
    if (!ossl_public_matches(f, b + 8 + 2 * f, b + 8, b + 8 + f))
        return CH_KB_INCONSISTENT;
    return CH_KB_OK;
}

static void check_ec(const uint8_t *b, size_t n, ch_kb_err ours, const ch_keyblob *kb,
                     int ossl_accepted)
{
    ch_kb_err want = ec_model(b, n);

    CH_CHECK(!ossl_accepted, "OpenSSL read an EC-looking blob as an RSA/DSA key");
    CH_CHECK(ours == want, "EC blob: ours %s, model %s", ch_kb_err_name(ours),
             ch_kb_err_name(want));
    if (ours == CH_KB_OK) {
        const ec_kind *k = ec_kind_of(le32(b));
        size_t f = k->field;
        CH_CHECK(kb->type == k->type && kb->field == f && kb->bits == 8 * f &&
                     kb->magic == k->magic,
                 "EC key description");
        CH_CHECK(memcmp(kb->x, b + 8, f) == 0 && memcmp(kb->y, b + 8 + f, f) == 0 &&
                     memcmp(kb->k, b + 8 + 2 * f, f) == 0,
                 "EC numbers differ from the blob");
    }
}

/* ---- RSA-looking blobs ---------------------------------------------------------------- */

typedef struct rsa_nums {
    BIGNUM *n, *e, *d, *p, *q, *dp, *dq, *qinv;
} rsa_nums;

static const char *const rsa_param[8] = {
    OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,         OSSL_PKEY_PARAM_RSA_D,
    OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
    OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};

static BIGNUM **rsa_slot(rsa_nums *r, int i)
{
    BIGNUM **s[8] = {&r->n, &r->e, &r->d, &r->p, &r->q, &r->dp, &r->dq, &r->qinv};
    return s[i];
}

static void rsa_from_pkey(const EVP_PKEY *pk, rsa_nums *r)
{
    int i;
    memset(r, 0, sizeof *r);
    for (i = 0; i < 8; i++) {
        CH_CHECK(EVP_PKEY_get_bn_param(pk, rsa_param[i], rsa_slot(r, i)) == 1,
                 "EVP_PKEY_get_bn_param(%s)", rsa_param[i]);
    }
}

static void rsa_free(rsa_nums *r)
{
    int i;
    for (i = 0; i < 8; i++)
        BN_clear_free(*rsa_slot(r, i));
}

/* e * x mod m == 1 */
static int inverse_ok(const BIGNUM *e, const BIGNUM *x, const BIGNUM *m, BN_CTX *ctx)
{
    BIGNUM *t = BN_new();
    int ok;
    CH_CHECK(t != NULL && BN_mod_mul(t, e, x, m, ctx) == 1, "BN_mod_mul");
    ok = BN_is_one(t);
    BN_free(t);
    return ok;
}

/* Whether every equation of md_keyblob.h holds in OpenSSL's arithmetic. */
static int rsa_equations_hold(const rsa_nums *k, uint32_t bits)
{
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *t = BN_new(), *p1 = BN_new(), *q1 = BN_new();
    int ok;

    CH_CHECK(ctx && t && p1 && q1, "BN_new");
    ok = (uint32_t)BN_num_bits(k->n) == bits && BN_is_odd(k->p) && !BN_is_one(k->p) &&
         BN_is_odd(k->q) && !BN_is_one(k->q);
    if (ok) {
        CH_CHECK(BN_mul(t, k->p, k->q, ctx) == 1, "BN_mul");
        ok = BN_cmp(t, k->n) == 0 && BN_cmp(k->d, k->n) < 0;
    }
    if (ok) {
        CH_CHECK(BN_sub(p1, k->p, BN_value_one()) == 1 && BN_sub(q1, k->q, BN_value_one()) == 1,
                 "BN_sub");
        CH_CHECK(BN_mod(t, k->d, p1, ctx) == 1, "BN_mod");
        ok = BN_cmp(t, k->dp) == 0;
        CH_CHECK(BN_mod(t, k->d, q1, ctx) == 1, "BN_mod");
        ok = ok && BN_cmp(t, k->dq) == 0 && inverse_ok(k->e, k->dp, p1, ctx) &&
             inverse_ok(k->e, k->dq, q1, ctx) && BN_cmp(k->qinv, k->p) < 0 &&
             inverse_ok(k->q, k->qinv, k->p, ctx);
    }
    BN_free(t);
    BN_free(p1);
    BN_free(q1);
    BN_CTX_free(ctx);
    return ok;
}

static int bits_supported(uint32_t bits)
{
    return bits == 1024 || bits == 2048 || bits == 3072 || bits == 4096;
}

/* The stage of md_keyblob.h's order at which an RSA-looking blob must stop, read from the
 * fields here; CH_KB_OK means "header, length and exponent good: the numbers decide". */
static ch_kb_err rsa_stage(const uint8_t *b, size_t n)
{
    uint32_t alg, bits, e;

    if (n < 8)
        return CH_KB_SHORT;
    if (b[0] != 0x07 || b[1] != 0x02)
        return CH_KB_BAD_TYPE;
    alg = le32(b + 4);
    if (alg != CALG_RSA_KEYX && alg != CALG_RSA_SIGN)
        return CH_KB_BAD_ALG;
    if (n < 20)
        return CH_KB_SHORT;
    if (le32(b + 8) != CH_RSA2_MAGIC)
        return CH_KB_BAD_MAGIC;
    bits = le32(b + 12);
    if (bits == 0 || bits % 16 != 0 || bits > 16384)
        return CH_KB_BAD_SIZE;
    if (n != 20 + 9 * (size_t)(bits / 16))
        return n < 20 + 9 * (size_t)(bits / 16) ? CH_KB_SHORT : CH_KB_TRAILING;
    if (!bits_supported(bits))
        return CH_KB_UNSUPPORTED;
    e = le32(b + 16);
    if (e % 2 == 0 || e < 3)
        return CH_KB_INCONSISTENT;
    if (e != 65537)
        return CH_KB_UNSUPPORTED;
    return CH_KB_OK;
}

static void check_equal(const BIGNUM *want, const uint8_t *got, size_t len, const char *what)
{
    BIGNUM *g = be_bn(got, len);
    CH_CHECK(BN_cmp(g, want) == 0, "%s differs from OpenSSL's", what);
    BN_clear_free(g);
}

static void check_rsa(const uint8_t *b, size_t n, ch_kb_err ours, const ch_keyblob *kb,
                      const EVP_PKEY *pk)
{
    ch_kb_err stage = rsa_stage(b, n);
    int is_rsa = pk != NULL && EVP_PKEY_is_a(pk, "RSA");
    rsa_nums k;
    uint32_t bits = n >= 16 ? le32(b + 12) : 0;

    /* The order of md_keyblob.h, from our own reading of the fields. */
    if (stage != CH_KB_OK)
        CH_CHECK(ours == stage, "RSA blob: ours %s, stage %s", ch_kb_err_name(ours),
                 ch_kb_err_name(stage));
    else
        CH_CHECK(ours == CH_KB_OK || ours == CH_KB_INCONSISTENT, "RSA numbers: ours %s",
                 ch_kb_err_name(ours));

    /* Against OpenSSL. */
    switch (ours) {
    case CH_KB_SHORT:
    case CH_KB_BAD_TYPE:
        CH_CHECK(pk == NULL, "%s, but OpenSSL read a key", ch_kb_err_name(ours));
        break;
    case CH_KB_BAD_MAGIC:
        CH_CHECK(pk == NULL || (EVP_PKEY_is_a(pk, "DSA") && le32(b + 8) == DSS2_MAGIC),
                 "bad-magic, but OpenSSL read a non-DSA key");
        break;
    case CH_KB_BAD_ALG:
        CH_CHECK(le32(b + 4) != CALG_RSA_KEYX && le32(b + 4) != CALG_RSA_SIGN,
                 "bad-alg with a good aiKeyAlg");
        break;
    case CH_KB_BAD_SIZE:
        CH_CHECK(bits == 0 || bits % 16 != 0 || bits > 16384, "bad-size with bitlen %u",
                 (unsigned)bits);
        break;
    case CH_KB_TRAILING:
        CH_CHECK(is_rsa, "trailing, but OpenSSL refused the blob");
        CH_CHECK(n > 20 + 9 * (size_t)(bits / 16), "trailing, but no byte is left over");
        break;
    case CH_KB_UNSUPPORTED:
        CH_CHECK(is_rsa, "unsupported, but OpenSSL refused the blob");
        rsa_from_pkey(pk, &k);
        CH_CHECK(!bits_supported(bits) || !BN_is_word(k.e, 65537),
                 "unsupported: bitlen %u and e = 65537", (unsigned)bits);
        rsa_free(&k);
        break;
    case CH_KB_INCONSISTENT:
        CH_CHECK(is_rsa, "inconsistent, but OpenSSL refused the blob");
        rsa_from_pkey(pk, &k);
        CH_CHECK(!BN_is_odd(k.e) || BN_get_word(k.e) < 3 || !rsa_equations_hold(&k, bits),
                 "inconsistent, but e is odd, >= 3 and every equation holds in OpenSSL");
        rsa_free(&k);
        break;
    case CH_KB_OK:
        CH_CHECK(is_rsa, "ok, but OpenSSL refused the blob");
        rsa_from_pkey(pk, &k);
        CH_CHECK(kb->type == CH_PIV_KEY_RSA && kb->bits == bits && bits_supported(bits) &&
                     kb->alg == le32(b + 4) && kb->e == 65537 && BN_is_word(k.e, 65537),
                 "RSA key description");
        check_equal(k.n, kb->n, bits / 8, "n");
        check_equal(k.d, kb->d, bits / 8, "d");
        check_equal(k.p, kb->p, bits / 16, "p");
        check_equal(k.q, kb->q, bits / 16, "q");
        check_equal(k.dp, kb->dp, bits / 16, "dmp1");
        check_equal(k.dq, kb->dq, bits / 16, "dmq1");
        check_equal(k.qinv, kb->qinv, bits / 16, "iqmp");
        CH_CHECK(rsa_equations_hold(&k, bits), "ok, but an equation fails in OpenSSL");
        rsa_free(&k);
        break;
    default:
        CH_CHECK(0, "RSA-looking blob gave %s", ch_kb_err_name(ours));
    }
    /* Good header, exact length, e = 65537: the numbers alone decide, both ways. */
    if (stage == CH_KB_OK && ours == CH_KB_INCONSISTENT) {
        rsa_from_pkey(pk, &k);
        CH_CHECK(!rsa_equations_hold(&k, bits), "inconsistent, but the equations hold");
        rsa_free(&k);
    }
}

/* ---- the other entry points ----------------------------------------------------------- */

static int rsa_private_header(const uint8_t *b)
{
    uint32_t alg = le32(b + 4);
    return b[0] == 0x07 && b[1] == 0x02 && (alg == CALG_RSA_KEYX || alg == CALG_RSA_SIGN);
}

static void check_size(const uint8_t *b, size_t n, ch_kb_err ours)
{
    size_t may, len = 0xDEAD;
    uint8_t *c;
    ch_kb_err s;

    if (n < CH_KEYBLOB_HDR)
        return;
    may = rsa_private_header(b) ? CH_KEYBLOB_RSA_HDR : CH_KEYBLOB_HDR;
    if (n < may)
        return;
    c = dup_exact(b, may);
    s = ch_keyblob_size(c, &len);
    free(c);
    if (s != CH_KB_OK) {
        CH_CHECK(len == 0xDEAD, "ch_keyblob_size wrote *len on refusal");
        if (s == CH_KB_UNSUPPORTED && may == CH_KEYBLOB_RSA_HDR)
            CH_CHECK(ours == s || ours == CH_KB_SHORT || ours == CH_KB_TRAILING,
                     "size unsupported, parse %s", ch_kb_err_name(ours));
        else
            CH_CHECK(ours == s, "size %s, parse %s", ch_kb_err_name(s), ch_kb_err_name(ours));
        return;
    }
    CH_CHECK(len <= CH_KEYBLOB_MAX, "size %zu above CH_KEYBLOB_MAX", len);
    if (n < len)
        CH_CHECK(ours == CH_KB_SHORT, "size %zu > %zu bytes, parse %s", len, n,
                 ch_kb_err_name(ours));
    else if (n > len)
        CH_CHECK(ours == CH_KB_TRAILING, "size %zu < %zu bytes, parse %s", len, n,
                 ch_kb_err_name(ours));
    else
        CH_CHECK(ours == CH_KB_OK || ours == CH_KB_UNSUPPORTED || ours == CH_KB_INCONSISTENT ||
                     ours == CH_KB_OFF_CURVE || ours == CH_KB_BAD_SCALAR,
                 "exact size, parse %s", ch_kb_err_name(ours));
}

static void check_match(const ch_keyblob *kb)
{
    DWORD spec, sizes[4] = {0, (DWORD)kb->bits, (DWORD)kb->bits + 1u, 256};
    const ec_kind *ek = kb->type == CH_PIV_KEY_RSA ? NULL : ec_kind_of(kb->magic);
    size_t s;

    for (spec = 0; spec <= 9; spec++) {
        for (s = 0; s < 4; s++) {
            int size_ok = sizes[s] == 0 || sizes[s] == kb->bits;
            int spec_ok = ek ? spec == ek->spec
                             : (spec == AT_KEYEXCHANGE && kb->alg == CALG_RSA_KEYX) ||
                                   (spec == AT_SIGNATURE && kb->alg == CALG_RSA_SIGN);
            CH_CHECK(ch_keyblob_match(kb, spec, sizes[s]) ==
                         (size_ok && spec_ok ? CH_KB_OK : CH_KB_SPEC_MISMATCH),
                     "match(spec %u, size %u)", (unsigned)spec, (unsigned)sizes[s]);
        }
    }
}

static void check_ecdh(const uint8_t *c, size_t n, ch_piv_key_type type)
{
    uint32_t want = type == CH_PIV_KEY_P256 ? 0x314B4345u : 0x334B4345u; /* ECK1 / ECK3 */
    size_t f = type == CH_PIV_KEY_P256 ? 32 : 48, plen = 0xDEAD, i;
    uint8_t point[1 + 2 * 48 + 1];
    ch_kb_err model, got;

    if (n < 8)
        model = CH_KB_SHORT;
    else if (le32(c) != want)
        model = CH_KB_BAD_MAGIC;
    else if (le32(c + 4) != f)
        model = CH_KB_BAD_SIZE;
    else if (n != 8 + 2 * f)
        model = n < 8 + 2 * f ? CH_KB_SHORT : CH_KB_TRAILING;
    else
        model = ossl_on_curve(f, c + 8, c + 8 + f) ? CH_KB_OK : CH_KB_OFF_CURVE;
    memset(point, 0xEE, sizeof point);
    got = ch_keyblob_ecdh_public(c, n, type, point, &plen);
    CH_CHECK(got == model, "ecdh_public: ours %s, model %s", ch_kb_err_name(got),
             ch_kb_err_name(model));
    if (got == CH_KB_OK) {
        CH_CHECK(plen == 1 + 2 * f && point[0] == 0x04 && memcmp(point + 1, c + 8, 2 * f) == 0 &&
                     point[plen] == 0xEE,
                 "ecdh_public point");
    } else {
        CH_CHECK(plen == 0xDEAD, "ecdh_public wrote point_len on refusal");
        for (i = 0; i < sizeof point; i++)
            CH_CHECK(point[i] == 0xEE, "ecdh_public wrote point on refusal");
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const unsigned char *op;
    uint8_t *c;
    ch_keyblob kb;
    ch_kb_err ours;
    EVP_PKEY *pk;
    size_t i;

    c = dup_exact(data, size);
    memset(&kb, PATTERN, sizeof kb);
    ours = ch_keyblob_parse(c, size, &kb);
    if (ours != CH_KB_OK) {
        for (i = 0; i < sizeof kb; i++)
            CH_CHECK(((const uint8_t *)&kb)[i] == PATTERN, "refused parse (%s) wrote *kb",
                     ch_kb_err_name(ours));
    }
    check_size(data, size, ours);
    check_ecdh(c, size, CH_PIV_KEY_P256);
    check_ecdh(c, size, CH_PIV_KEY_P384);

    op = data;
    pk = b2i_PrivateKey(&op, (long)size);
    ERR_clear_error();
    if (size >= 2 && data[0] == 'E' && data[1] == 'C')
        check_ec(data, size, ours, &kb, pk != NULL);
    else
        check_rsa(data, size, ours, &kb, pk);
    if (ours == CH_KB_OK)
        check_match(&kb);

    EVP_PKEY_free(pk);
    ch_keyblob_wipe(&kb);
    free(c);
    return 0;
}
