/* OpenSSL side of the key-blob tests (keyblob_oracle.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "keyblob_oracle.h"

#define OK1(call)                                                                            \
    do {                                                                                     \
        if ((call) != 1)                                                                     \
            fail_msg("OpenSSL failed: %s", #call);                                           \
    } while (0)
#define NONNULL(p)                                                                           \
    do {                                                                                     \
        if ((p) == NULL)                                                                     \
            fail_msg("OpenSSL returned NULL: %s", #p);                                       \
    } while (0)

/* ---- RSA ------------------------------------------------------------------------------- */

static BIGNUM *get_bn(const EVP_PKEY *pk, const char *name)
{
    BIGNUM *bn = NULL;
    OK1(EVP_PKEY_get_bn_param(pk, name, &bn));
    return bn;
}

void kbo_rsa_generate(kbo_rsa *k, unsigned bits, unsigned long e)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *pk = NULL;
    BIGNUM *eb = BN_new();

    NONNULL(ctx);
    NONNULL(eb);
    OK1(BN_set_word(eb, e));
    OK1(EVP_PKEY_keygen_init(ctx));
    OK1(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits));
    OK1(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, eb));
    OK1(EVP_PKEY_generate(ctx, &pk));
    k->bits = bits;
    k->n = get_bn(pk, OSSL_PKEY_PARAM_RSA_N);
    k->e = get_bn(pk, OSSL_PKEY_PARAM_RSA_E);
    k->d = get_bn(pk, OSSL_PKEY_PARAM_RSA_D);
    k->p = get_bn(pk, OSSL_PKEY_PARAM_RSA_FACTOR1);
    k->q = get_bn(pk, OSSL_PKEY_PARAM_RSA_FACTOR2);
    k->dp = get_bn(pk, OSSL_PKEY_PARAM_RSA_EXPONENT1);
    k->dq = get_bn(pk, OSSL_PKEY_PARAM_RSA_EXPONENT2);
    k->qinv = get_bn(pk, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
    BN_free(eb);
    EVP_PKEY_free(pk);
    EVP_PKEY_CTX_free(ctx);
}

void kbo_rsa_from_primes(kbo_rsa *k, unsigned bits, BIGNUM *p, BIGNUM *q, unsigned long e)
{
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *p1 = BN_new(), *q1 = BN_new(), *g = BN_new(), *lambda = BN_new();

    NONNULL(ctx);
    NONNULL(p1);
    NONNULL(q1);
    NONNULL(g);
    NONNULL(lambda);
    memset(k, 0, sizeof *k);
    k->bits = bits;
    k->p = p;
    k->q = q;
    k->n = BN_new();
    k->e = BN_new();
    k->d = BN_new();
    k->dp = BN_new();
    k->dq = BN_new();
    k->qinv = BN_new();
    NONNULL(k->n);
    NONNULL(k->e);
    NONNULL(k->d);
    NONNULL(k->dp);
    NONNULL(k->dq);
    NONNULL(k->qinv);
    OK1(BN_set_word(k->e, e));
    OK1(BN_mul(k->n, p, q, ctx));
    OK1(BN_sub(p1, p, BN_value_one()));
    OK1(BN_sub(q1, q, BN_value_one()));
    OK1(BN_gcd(g, p1, q1, ctx));
    OK1(BN_mul(lambda, p1, q1, ctx));
    OK1(BN_div(lambda, NULL, lambda, g, ctx));
    NONNULL(BN_mod_inverse(k->d, k->e, lambda, ctx));
    OK1(BN_mod(k->dp, k->d, p1, ctx));
    OK1(BN_mod(k->dq, k->d, q1, ctx));
    NONNULL(BN_mod_inverse(k->qinv, q, p, ctx));
    BN_free(p1);
    BN_free(q1);
    BN_free(g);
    BN_free(lambda);
    BN_CTX_free(ctx);
}

void kbo_rsa_copy(kbo_rsa *dst, const kbo_rsa *src)
{
    dst->bits = src->bits;
    dst->n = BN_dup(src->n);
    dst->e = BN_dup(src->e);
    dst->d = BN_dup(src->d);
    dst->p = BN_dup(src->p);
    dst->q = BN_dup(src->q);
    dst->dp = BN_dup(src->dp);
    dst->dq = BN_dup(src->dq);
    dst->qinv = BN_dup(src->qinv);
    NONNULL(dst->n);
    NONNULL(dst->e);
    NONNULL(dst->d);
    NONNULL(dst->p);
    NONNULL(dst->q);
    NONNULL(dst->dp);
    NONNULL(dst->dq);
    NONNULL(dst->qinv);
}

void kbo_rsa_free(kbo_rsa *k)
{
    BN_clear_free(k->n);
    BN_clear_free(k->e);
    BN_clear_free(k->d);
    BN_clear_free(k->p);
    BN_clear_free(k->q);
    BN_clear_free(k->dp);
    BN_clear_free(k->dq);
    BN_clear_free(k->qinv);
    memset(k, 0, sizeof *k);
}

EVP_PKEY *kbo_rsa_pkey(const kbo_rsa *k)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *pk = NULL;

    NONNULL(bld);
    NONNULL(ctx);
    OK1(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, k->n));
    OK1(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, k->e));
    OK1(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, k->d));
    OK1(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, k->p));
    OK1(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, k->q));
    OK1(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, k->dp));
    OK1(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, k->dq));
    OK1(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, k->qinv));
    params = OSSL_PARAM_BLD_to_param(bld);
    NONNULL(params);
    OK1(EVP_PKEY_fromdata_init(ctx));
    OK1(EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEYPAIR, params));
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    return pk;
}

kbo_rsa_hdr kbo_rsa_default_hdr(const kbo_rsa *k)
{
    kbo_rsa_hdr h;
    h.type = 0x07;
    h.version = 0x02;
    h.reserved = 0;
    h.alg = 0xA400u; /* CALG_RSA_KEYX, spelled out: the oracle does not use cardmod.h */
    h.magic = 0x32415352u;
    h.bitlen = k->bits;
    h.pubexp = (uint32_t)BN_get_word(k->e);
    return h;
}

size_t kbo_rsa_blob_len(uint32_t bitlen) { return 20u + 9u * (size_t)(bitlen / 16u); }

size_t kbo_rsa_offset(uint32_t bitlen, enum kbo_rsa_field f)
{
    size_t nb = bitlen / 8u, hb = bitlen / 16u;
    switch (f) {
    case KBO_N: return 20;
    case KBO_P: return 20 + nb;
    case KBO_Q: return 20 + nb + hb;
    case KBO_DP: return 20 + nb + 2 * hb;
    case KBO_DQ: return 20 + nb + 3 * hb;
    case KBO_QINV: return 20 + nb + 4 * hb;
    case KBO_D: return 20 + nb + 5 * hb;
    }
    fail_msg("bad field");
    return 0;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put_le_bn(uint8_t *out, const BIGNUM *bn, size_t len, const char *what)
{
    if (BN_bn2lebinpad(bn, out, (int)len) != (int)len)
        fail_msg("%s does not fit in %zu bytes", what, len);
}

uint8_t *kbo_rsa_blob(const kbo_rsa_hdr *h, const kbo_rsa *k, size_t *len)
{
    size_t n = kbo_rsa_blob_len(h->bitlen), nb = h->bitlen / 8u, hb = h->bitlen / 16u;
    uint8_t *b = malloc(n);

    NONNULL(b);
    b[0] = h->type;
    b[1] = h->version;
    b[2] = (uint8_t)h->reserved;
    b[3] = (uint8_t)(h->reserved >> 8);
    put_le32(b + 4, h->alg);
    put_le32(b + 8, h->magic);
    put_le32(b + 12, h->bitlen);
    put_le32(b + 16, h->pubexp);
    put_le_bn(b + kbo_rsa_offset(h->bitlen, KBO_N), k->n, nb, "n");
    put_le_bn(b + kbo_rsa_offset(h->bitlen, KBO_P), k->p, hb, "p");
    put_le_bn(b + kbo_rsa_offset(h->bitlen, KBO_Q), k->q, hb, "q");
    put_le_bn(b + kbo_rsa_offset(h->bitlen, KBO_DP), k->dp, hb, "dp");
    put_le_bn(b + kbo_rsa_offset(h->bitlen, KBO_DQ), k->dq, hb, "dq");
    put_le_bn(b + kbo_rsa_offset(h->bitlen, KBO_QINV), k->qinv, hb, "qinv");
    put_le_bn(b + kbo_rsa_offset(h->bitlen, KBO_D), k->d, nb, "d");
    *len = n;
    return b;
}

uint8_t *kbo_rsa_openssl_blob(const kbo_rsa *k, int public_only, size_t *len)
{
    EVP_PKEY *pk = kbo_rsa_pkey(k);
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    long n;
    uint8_t *out;

    NONNULL(bio);
    if ((public_only ? i2b_PublicKey_bio(bio, pk) : i2b_PrivateKey_bio(bio, pk)) <= 0)
        fail_msg("i2b_P*Key_bio failed");
    n = BIO_get_mem_data(bio, &data);
    if (n <= 0)
        fail_msg("i2b_PrivateKey_bio wrote nothing");
    out = kbo_dup((const uint8_t *)data, (size_t)n);
    *len = (size_t)n;
    BIO_free(bio);
    EVP_PKEY_free(pk);
    return out;
}

/* e * x mod m == 1 */
static int inverse_ok(const BIGNUM *e, const BIGNUM *x, const BIGNUM *m, BN_CTX *ctx)
{
    BIGNUM *t = BN_new();
    int ok;

    NONNULL(t);
    OK1(BN_mod_mul(t, e, x, m, ctx));
    ok = BN_is_one(t);
    BN_free(t);
    return ok;
}

unsigned kbo_rsa_failing(const kbo_rsa *k, unsigned bits)
{
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *t = BN_new(), *p1 = BN_new(), *q1 = BN_new();
    unsigned f = 0;
    /* The reductions need p - 1 and q - 1 >= 1; an even p above 1 still gets them computed,
     * so that an even p can be shown to break "p odd" alone. */
    int p_ok = BN_cmp(k->p, BN_value_one()) > 0, q_ok = BN_cmp(k->q, BN_value_one()) > 0;

    NONNULL(ctx);
    NONNULL(t);
    NONNULL(p1);
    NONNULL(q1);
    if ((unsigned)BN_num_bits(k->n) != bits)
        f |= KBO_EQ_N_BITS;
    if (!p_ok || !BN_is_odd(k->p))
        f |= KBO_EQ_P_ODD;
    if (!q_ok || !BN_is_odd(k->q))
        f |= KBO_EQ_Q_ODD;
    if (!p_ok)
        f |= KBO_EQ_DP | KBO_EQ_E_DP | KBO_EQ_QINV;
    if (!q_ok)
        f |= KBO_EQ_DQ | KBO_EQ_E_DQ;
    OK1(BN_mul(t, k->p, k->q, ctx));
    if (BN_cmp(t, k->n) != 0)
        f |= KBO_EQ_PQ_N;
    if (BN_cmp(k->d, k->n) >= 0)
        f |= KBO_EQ_D_LT_N;
    if (p_ok) {
        OK1(BN_sub(p1, k->p, BN_value_one()));
        OK1(BN_mod(t, k->d, p1, ctx));
        if (BN_cmp(t, k->dp) != 0)
            f |= KBO_EQ_DP;
        if (!inverse_ok(k->e, k->dp, p1, ctx))
            f |= KBO_EQ_E_DP;
        if (!inverse_ok(k->q, k->qinv, k->p, ctx))
            f |= KBO_EQ_QINV;
    }
    if (q_ok) {
        OK1(BN_sub(q1, k->q, BN_value_one()));
        OK1(BN_mod(t, k->d, q1, ctx));
        if (BN_cmp(t, k->dq) != 0)
            f |= KBO_EQ_DQ;
        if (!inverse_ok(k->e, k->dq, q1, ctx))
            f |= KBO_EQ_E_DQ;
    }
    if (BN_cmp(k->qinv, k->p) >= 0)
        f |= KBO_EQ_QINV_LT_P;
    BN_free(t);
    BN_free(p1);
    BN_free(q1);
    BN_CTX_free(ctx);
    return f;
}

/* ---- EC -------------------------------------------------------------------------------- */

void kbo_ec_generate(kbo_ec *k, size_t field)
{
    EVP_PKEY *pk;
    BN_CTX *ctx = BN_CTX_new();

    NONNULL(ctx);
    memset(k, 0, sizeof *k);
    k->field = field;
    if (field == 32)
        k->nid = NID_X9_62_prime256v1;
    else if (field == 48)
        k->nid = NID_secp384r1;
    else
        fail_msg("no curve with %zu-byte field", field);
    pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", field == 32 ? "P-256" : "P-384");
    NONNULL(pk);
    k->x = get_bn(pk, OSSL_PKEY_PARAM_EC_PUB_X);
    k->y = get_bn(pk, OSSL_PKEY_PARAM_EC_PUB_Y);
    k->d = get_bn(pk, OSSL_PKEY_PARAM_PRIV_KEY);
    k->group = EC_GROUP_new_by_curve_name(k->nid);
    NONNULL(k->group);
    k->p = BN_new();
    k->a = BN_new();
    k->b = BN_new();
    NONNULL(k->p);
    NONNULL(k->a);
    NONNULL(k->b);
    OK1(EC_GROUP_get_curve(k->group, k->p, k->a, k->b, ctx));
    k->order = BN_dup(EC_GROUP_get0_order(k->group));
    NONNULL(k->order);
    EVP_PKEY_free(pk);
    BN_CTX_free(ctx);
}

void kbo_ec_free(kbo_ec *k)
{
    BN_free(k->x);
    BN_free(k->y);
    BN_clear_free(k->d);
    BN_free(k->p);
    BN_free(k->a);
    BN_free(k->b);
    BN_free(k->order);
    EC_GROUP_free(k->group);
    memset(k, 0, sizeof *k);
}

void kbo_bn_be(const BIGNUM *bn, uint8_t *out, size_t len)
{
    if (BN_bn2binpad(bn, out, (int)len) != (int)len)
        fail_msg("number does not fit in %zu bytes", len);
}

uint8_t *kbo_ec_blob(uint32_t magic, uint32_t cb, size_t field, const BIGNUM *x,
                     const BIGNUM *y, const BIGNUM *d, size_t *len)
{
    size_t n = 8u + (d ? 3u : 2u) * field;
    uint8_t *b = malloc(n);

    NONNULL(b);
    put_le32(b, magic);
    put_le32(b + 4, cb);
    kbo_bn_be(x, b + 8, field);
    kbo_bn_be(y, b + 8 + field, field);
    if (d)
        kbo_bn_be(d, b + 8 + 2 * field, field);
    *len = n;
    return b;
}

int kbo_ec_on_curve(const kbo_ec *k, const BIGNUM *x, const BIGNUM *y)
{
    EC_POINT *pt = EC_POINT_new(k->group);
    int on;

    NONNULL(pt);
    on = BN_cmp(x, k->p) < 0 && BN_cmp(y, k->p) < 0 && !BN_is_negative(x) &&
         !BN_is_negative(y) && EC_POINT_set_affine_coordinates(k->group, pt, x, y, NULL) == 1 &&
         EC_POINT_is_on_curve(k->group, pt, NULL) == 1;
    EC_POINT_free(pt);
    return on;
}

uint8_t *kbo_dup(const uint8_t *b, size_t n)
{
    uint8_t *c = malloc(n);
    if (n) {
        NONNULL(c);
        memcpy(c, b, n);
    }
    return c;
}
