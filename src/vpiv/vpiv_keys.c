/* Asymmetric keys in the PIV slots: GENERATE ASYMMETRIC KEY PAIR (47), IMPORT ASYMMETRIC KEY
 * (YubiKey FE) and GENERAL AUTHENTICATE (87) with a key slot: raw RSA (signature blocks and
 * decryption), ECDSA over a host-computed hash, ECDH.
 *
 * Keys are EVP_PKEYs built from their numbers with OSSL_PARAM_BLD, so generated, imported and
 * deterministic keys all take one path:
 *   - EC: a scalar from vpiv_random (field size + 8 bytes, reduced into [1, n-1]);
 *   - RSA, deterministic card: primes searched upwards from vpiv_random starting points
 *     (reproducible for a seed); normal card: OpenSSL's own RSA generator (e = 65537). */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <string.h>

#include "vpiv_crypto.h"
#include "vpiv_internal.h"
#include "wipe.h"

#define RSA_E 65537u
#define MAX_RSA_BYTES 512u
#define MAX_EC_BYTES 48u

typedef struct alg_info {
    uint8_t alg;
    uint16_t bits;
    int nid;            /* EC curve, 0 for RSA */
    const char *group;  /* EC group name for OSSL_PARAM */
} alg_info;

static const alg_info algs[] = {
    {ALG_RSA1024, 1024, 0, NULL},
    {ALG_RSA2048, 2048, 0, NULL},
    {ALG_RSA3072, 3072, 0, NULL},
    {ALG_RSA4096, 4096, 0, NULL},
    {ALG_ECCP256, 256, NID_X9_62_prime256v1, "prime256v1"},
    {ALG_ECCP384, 384, NID_secp384r1, "secp384r1"},
};

static const alg_info *alg_find(uint8_t alg)
{
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (algs[i].alg == alg)
            return &algs[i];
    return NULL;
}

bool vpiv_alg_is_rsa(uint8_t alg)
{
    const alg_info *a = alg_find(alg);
    return a && a->nid == 0;
}

bool vpiv_alg_is_ec(uint8_t alg)
{
    const alg_info *a = alg_find(alg);
    return a && a->nid != 0;
}

size_t vpiv_alg_bits(uint8_t alg)
{
    const alg_info *a = alg_find(alg);
    return a ? a->bits : 0;
}

size_t vpiv_alg_bytes(uint8_t alg)
{
    return vpiv_alg_bits(alg) / 8;
}

uint8_t vpiv_default_pin_policy(uint8_t ref)
{
    switch (ref) {
    case 0x9C:
        return PIN_POLICY_ALWAYS;
    case 0x9E:
    case VPIV_SLOT_ATTESTATION:
        return PIN_POLICY_NEVER;
    default:
        return PIN_POLICY_ONCE;
    }
}

/* ---- building keys from their numbers ---------------------------------------------------- */

static EVP_PKEY *pkey_fromdata(const char *type, int selection, OSSL_PARAM_BLD *bld)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *pkey = NULL;

    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, selection, params) != 1)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pkey;
}

/* An EC key pair from its private scalar; NULL if the scalar is not in [1, n-1]. */
static EVP_PKEY *ec_from_scalar(const alg_info *a, const BIGNUM *s, BN_CTX *bn)
{
    EC_GROUP *group = EC_GROUP_new_by_curve_name(a->nid);
    EC_POINT *pt = group ? EC_POINT_new(group) : NULL;
    OSSL_PARAM_BLD *bld = NULL;
    EVP_PKEY *pkey = NULL;
    uint8_t pub[1 + 2 * MAX_EC_BYTES];
    size_t publen;

    if (!pt || BN_is_zero(s) || BN_is_negative(s) ||
        BN_cmp(s, EC_GROUP_get0_order(group)) >= 0)
        goto out;
    if (EC_POINT_mul(group, pt, s, NULL, NULL, bn) != 1)
        goto out;
    publen = EC_POINT_point2oct(group, pt, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof pub, bn);
    if (publen == 0 || (bld = OSSL_PARAM_BLD_new()) == NULL)
        goto out;
    if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, a->group, 0) == 1 &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, publen) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, s) == 1)
        pkey = pkey_fromdata("EC", EVP_PKEY_KEYPAIR, bld);
out:
    OSSL_PARAM_BLD_free(bld);
    EC_POINT_free(pt);
    EC_GROUP_free(group);
    return pkey;
}

/* The CRT numbers of an RSA key with e = 65537, from its primes. */
typedef struct rsa_nums {
    BIGNUM *n, *e, *d, *dp, *dq, *qinv;
} rsa_nums;

static void rsa_nums_free(rsa_nums *r)
{
    BN_free(r->n);
    BN_free(r->e);
    BN_clear_free(r->d);
    BN_clear_free(r->dp);
    BN_clear_free(r->dq);
    BN_clear_free(r->qinv);
    memset(r, 0, sizeof *r);
}

/* Computes n, d = e^-1 mod lcm(p-1, q-1), dp, dq, qinv. false if p, q do not make an RSA key
 * of exactly `bits` bits with e = 65537 (p == q, wrong size, e not invertible). Primality is
 * the caller's business. */
static bool rsa_compute(const BIGNUM *p, const BIGNUM *q, size_t bits, BN_CTX *bn, rsa_nums *r)
{
    BIGNUM *p1, *q1, *g, *t, *lcm;
    bool ok = false;

    memset(r, 0, sizeof *r);
    BN_CTX_start(bn);
    p1 = BN_CTX_get(bn), q1 = BN_CTX_get(bn), g = BN_CTX_get(bn), t = BN_CTX_get(bn);
    lcm = BN_CTX_get(bn);
    r->n = BN_new(), r->e = BN_new(), r->d = BN_secure_new(), r->dp = BN_secure_new();
    r->dq = BN_secure_new(), r->qinv = BN_secure_new();
    if (!lcm || !r->n || !r->e || !r->d || !r->dp || !r->dq || !r->qinv)
        goto out;
    BN_set_flags(r->d, BN_FLG_CONSTTIME);
    if (BN_cmp(p, q) == 0 || BN_is_negative(p) || BN_is_negative(q) || BN_num_bits(p) < 2 ||
        BN_num_bits(q) < 2 || BN_set_word(r->e, RSA_E) != 1 || BN_mul(r->n, p, q, bn) != 1 ||
        (size_t)BN_num_bits(r->n) != bits)
        goto out;
    if (!BN_copy(p1, p) || !BN_copy(q1, q) || !BN_sub_word(p1, 1) || !BN_sub_word(q1, 1) ||
        !BN_gcd(g, p1, q1, bn) || !BN_mul(t, p1, q1, bn) || !BN_div(lcm, NULL, t, g, bn))
        goto out;
    if (!BN_mod_inverse(r->d, r->e, lcm, bn) || !BN_mod(r->dp, r->d, p1, bn) ||
        !BN_mod(r->dq, r->d, q1, bn) || !BN_mod_inverse(r->qinv, q, p, bn))
        goto out;
    ok = true;
out:
    BN_CTX_end(bn);
    if (!ok)
        rsa_nums_free(r);
    return ok;
}

static EVP_PKEY *rsa_build(const BIGNUM *p, const BIGNUM *q, const rsa_nums *r)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY *pkey = NULL;

    if (bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, r->n) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, r->e) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, r->d) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, r->dp) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, r->dq) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, r->qinv) == 1)
        pkey = pkey_fromdata("RSA", EVP_PKEY_KEYPAIR, bld);
    OSSL_PARAM_BLD_free(bld);
    return pkey;
}

/* ---- generation ---------------------------------------------------------------------------- */

/* A prime of exactly `bits` bits (top two bits set, so p*q has 2*bits bits) with
 * p mod e != 1, searched upwards from a vpiv_random starting point. Reproducible. */
static BIGNUM *det_prime(vpiv_card *card, size_t bits, BN_CTX *bn)
{
    uint8_t buf[MAX_RSA_BYTES / 2];
    size_t nbytes = bits / 8;
    BIGNUM *p = BN_secure_new();

    if (!p || nbytes > sizeof buf)
        goto fail;
    for (;;) {
        vpiv_random(card, buf, nbytes);
        buf[0] |= 0xC0;
        buf[nbytes - 1] |= 0x01;
        if (!BN_bin2bn(buf, (int)nbytes, p))
            goto fail;
        while ((size_t)BN_num_bits(p) == bits) {
            int r;
            if (BN_mod_word(p, RSA_E) != 1) {
                r = BN_check_prime(p, bn, NULL);
                if (r < 0)
                    goto fail;
                if (r == 1) {
                    ch_wipe(buf, sizeof buf);
                    return p;
                }
            }
            if (!BN_add_word(p, 2))
                goto fail;
        }
    }
fail:
    ch_wipe(buf, sizeof buf);
    BN_clear_free(p);
    return NULL;
}

static EVP_PKEY *det_rsa(vpiv_card *card, const alg_info *a, BN_CTX *bn)
{
    BIGNUM *p = NULL, *q = NULL;
    EVP_PKEY *pkey = NULL;
    rsa_nums r;

    for (int attempt = 0; attempt < 8 && !pkey; attempt++) {
        BN_clear_free(p);
        BN_clear_free(q);
        p = det_prime(card, a->bits / 2, bn);
        q = det_prime(card, a->bits / 2, bn);
        if (!p || !q)
            break;
        if (rsa_compute(p, q, a->bits, bn, &r)) {
            pkey = rsa_build(p, q, &r);
            rsa_nums_free(&r);
            if (!pkey)
                break;
        }
    }
    BN_clear_free(p);
    BN_clear_free(q);
    return pkey;
}

EVP_PKEY *vpiv_keygen(vpiv_card *card, uint8_t alg)
{
    const alg_info *a = alg_find(alg);
    BN_CTX *bn;
    EVP_PKEY *pkey = NULL;

    if (!a)
        return NULL;
    if (a->nid == 0 && !card->deterministic)
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)a->bits);
    if ((bn = BN_CTX_secure_new()) == NULL)
        return NULL;
    if (a->nid == 0) {
        pkey = det_rsa(card, a, bn);
    } else {
        /* scalar = (random mod (n - 1)) + 1: uniform enough with 64 extra bits */
        uint8_t buf[MAX_EC_BYTES + 8];
        size_t nbytes = a->bits / 8 + 8;
        EC_GROUP *group = EC_GROUP_new_by_curve_name(a->nid);
        BIGNUM *s = BN_secure_new(), *m = BN_new();

        vpiv_random(card, buf, nbytes);
        if (group && s && m && BN_bin2bn(buf, (int)nbytes, s) &&
            BN_copy(m, EC_GROUP_get0_order(group)) && BN_sub_word(m, 1) &&
            BN_mod(s, s, m, bn) && BN_add_word(s, 1))
            pkey = ec_from_scalar(a, s, bn);
        ch_wipe(buf, sizeof buf);
        BN_clear_free(s);
        BN_free(m);
        EC_GROUP_free(group);
    }
    BN_CTX_free(bn);
    return pkey;
}

/* ---- public key encoding ------------------------------------------------------------------- */

static bool put_bn(const BIGNUM *v, size_t width, uint32_t tag, uint8_t *out, size_t cap,
                   size_t *len)
{
    uint8_t buf[MAX_RSA_BYTES];
    size_t n = width ? width : (size_t)BN_num_bytes(v);

    if (n == 0 || n > sizeof buf || BN_bn2binpad(v, buf, (int)n) != (int)n)
        return false;
    return vpiv_put_tlv(out, cap, len, tag, buf, n);
}

bool vpiv_pubkey_tlvs(const EVP_PKEY *key, uint8_t alg, uint8_t *out, size_t cap, size_t *len)
{
    const alg_info *a = alg_find(alg);
    BIGNUM *x = NULL, *y = NULL;
    bool ok = false;

    if (!a || !key)
        return false;
    if (a->nid == 0) {
        ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &x) == 1 &&
             EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &y) == 1 &&
             put_bn(x, a->bits / 8, 0x81, out, cap, len) && put_bn(y, 0, 0x82, out, cap, len);
    } else {
        uint8_t pt[1 + 2 * MAX_EC_BYTES];
        size_t f = a->bits / 8;
        pt[0] = 0x04;
        ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
             EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1 &&
             BN_bn2binpad(x, pt + 1, (int)f) == (int)f &&
             BN_bn2binpad(y, pt + 1 + f, (int)f) == (int)f &&
             vpiv_put_tlv(out, cap, len, 0x86, pt, 1 + 2 * f);
    }
    BN_free(x);
    BN_free(y);
    return ok;
}

/* ---- GENERATE and IMPORT ----------------------------------------------------------------- */

/* Reads one byte value of a policy TLV: AA (PIN: default/never/once/always) or
 * AB (touch: default/never/always/cached). */
static bool policy_byte(ch_cur *v, uint8_t *out)
{
    uint8_t b;
    if (!ch_cur_u8(v, &b) || !ch_cur_empty(v) || b > 3)
        return false;
    *out = b;
    return true;
}

/* The optional policies of GENERATE and IMPORT, each allowed once. */
typedef struct policies {
    uint8_t pin, touch; /* 0: the slot's default */
    bool has_pin, has_touch;
} policies;

/* Takes an AA (PIN policy) or AB (touch policy) TLV; false for any other tag, a repeat or a
 * malformed value, all of which the callers refuse alike. */
static bool take_policy(uint32_t tag, ch_cur *v, policies *p)
{
    if (tag == 0xAA && !p->has_pin)
        return (p->has_pin = policy_byte(v, &p->pin));
    if (tag == 0xAB && !p->has_touch)
        return (p->has_touch = policy_byte(v, &p->touch));
    return false;
}

/* Puts a new key into the slot and persists it; on a failed save the slot is left as it was.
 * Takes ownership of key. */
static uint16_t commit_key(vpiv_card *card, vpiv_slot *slot, EVP_PKEY *key, uint8_t alg,
                           uint8_t pin_policy, uint8_t touch_policy, uint8_t origin)
{
    vpiv_slot old = *slot;

    slot->alg = alg;
    slot->key = key;
    slot->pin_policy = pin_policy ? pin_policy : vpiv_default_pin_policy(slot->ref);
    slot->touch_policy = touch_policy ? touch_policy : (uint8_t)TOUCH_POLICY_NEVER;
    slot->origin = origin;
    if (!vpiv_save(card)) {
        *slot = old;
        EVP_PKEY_free(key);
        return SW_MEMORY_FAILURE;
    }
    EVP_PKEY_free(old.key);
    return SW_OK;
}

/* GENERATE ASYMMETRIC KEY PAIR 00 47 00 slot, data AC { 80 alg [AA pin] [AB touch] }. */
uint16_t vpiv_cmd_generate(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out, size_t *out_len)
{
    vpiv_slot *slot = vpiv_slot_find(card, cmd->p2);
    ch_cur c, tmpl, v;
    uint32_t tag;
    uint8_t alg = 0;
    bool has_alg = false;
    policies pol = {0};
    EVP_PKEY *key;
    size_t plen = 0, len = 0;
    const size_t hdr = 8; /* room for the 7F 49 header: the answer is wrapped in place */
    uint16_t sw;

    if (cmd->p1 != 0x00 || !slot || slot->ref == VPIV_SLOT_ATTESTATION)
        return SW_INCORRECT_P1P2;
    if (!card->mgm_authenticated)
        return SW_SECURITY_STATUS;
    ch_cur_init(&c, cmd->data, cmd->len);
    if (!ch_cur_tlv(&c, &tag, &tmpl) || tag != 0xAC || !ch_cur_empty(&c))
        return SW_INCORRECT_DATA;
    while (!ch_cur_empty(&tmpl)) {
        if (!ch_cur_tlv(&tmpl, &tag, &v))
            return SW_INCORRECT_DATA;
        if (tag == 0x80 && !has_alg) {
            if (!ch_cur_u8(&v, &alg) || !ch_cur_empty(&v))
                return SW_INCORRECT_DATA;
            has_alg = true;
        } else if (!take_policy(tag, &v, &pol)) {
            return SW_INCORRECT_DATA;
        }
    }
    if (!has_alg || !alg_find(alg))
        return SW_INCORRECT_DATA;

    if ((key = vpiv_keygen(card, alg)) == NULL)
        return SW_NO_DIAGNOSIS;
    if (!vpiv_pubkey_tlvs(key, alg, out + hdr, VPIV_MAX_RESPONSE - hdr, &plen) ||
        !vpiv_put_tlv(out, VPIV_MAX_RESPONSE, &len, 0x7F49, out + hdr, plen)) {
        EVP_PKEY_free(key);
        return SW_NO_DIAGNOSIS;
    }
    sw = commit_key(card, slot, key, alg, pol.pin, pol.touch, ORIGIN_GENERATED);
    if (sw == SW_OK)
        *out_len = len;
    return sw;
}

static bool bn_from(const ch_cur *v, size_t max, BIGNUM **out)
{
    size_t n = ch_cur_left(v);
    if (n == 0 || n > max)
        return false;
    *out = BN_bin2bn(ch_cur_peek_ptr(v), (int)n, NULL);
    return *out != NULL;
}

static EVP_PKEY *import_rsa(const alg_info *a, const ch_cur *comp, BN_CTX *bn)
{
    BIGNUM *v[5] = {NULL, NULL, NULL, NULL, NULL}; /* p q dp dq qinv */
    EVP_PKEY *pkey = NULL;
    rsa_nums r;
    size_t half = a->bits / 16;

    for (size_t i = 0; i < 5; i++)
        if (!bn_from(&comp[i], half, &v[i]))
            goto out;
    if (!rsa_compute(v[0], v[1], a->bits, bn, &r))
        goto out;
    /* cheap consistency first, primality last */
    if (BN_cmp(v[2], r.dp) == 0 && BN_cmp(v[3], r.dq) == 0 && BN_cmp(v[4], r.qinv) == 0 &&
        BN_check_prime(v[0], bn, NULL) == 1 && BN_check_prime(v[1], bn, NULL) == 1)
        pkey = rsa_build(v[0], v[1], &r);
    rsa_nums_free(&r);
out:
    for (size_t i = 0; i < 5; i++)
        BN_clear_free(v[i]);
    return pkey;
}

/* IMPORT ASYMMETRIC KEY 00 FE alg slot: RSA 01 p 02 q 03 dp 04 dq 05 qinv, EC 06 scalar,
 * then optional AA / AB policies. */
uint16_t vpiv_cmd_import_key(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out,
                             size_t *out_len)
{
    vpiv_slot *slot = vpiv_slot_find(card, cmd->p2);
    const alg_info *a = alg_find(cmd->p1);
    ch_cur c, v, comp[6];
    bool has[6] = {false, false, false, false, false, false};
    policies pol = {0};
    uint32_t tag;
    BN_CTX *bn;
    EVP_PKEY *key = NULL;

    (void)out, (void)out_len;
    if (!slot)
        return SW_INCORRECT_P1P2;
    if (!card->mgm_authenticated)
        return SW_SECURITY_STATUS;
    if (!a)
        return SW_INCORRECT_DATA;
    ch_cur_init(&c, cmd->data, cmd->len);
    while (!ch_cur_empty(&c)) {
        if (!ch_cur_tlv(&c, &tag, &v))
            return SW_INCORRECT_DATA;
        if (tag >= 0x01 && tag <= 0x06 && !has[tag - 1]) {
            has[tag - 1] = true;
            comp[tag - 1] = v;
        } else if (!take_policy(tag, &v, &pol)) {
            return SW_INCORRECT_DATA;
        }
    }
    if (a->nid == 0 ? (!has[0] || !has[1] || !has[2] || !has[3] || !has[4] || has[5])
                    : (has[0] || has[1] || has[2] || has[3] || has[4] || !has[5]))
        return SW_INCORRECT_DATA;

    if ((bn = BN_CTX_secure_new()) == NULL)
        return SW_NO_DIAGNOSIS;
    if (a->nid == 0) {
        key = import_rsa(a, comp, bn);
    } else {
        BIGNUM *s = NULL;
        if (bn_from(&comp[5], a->bits / 8, &s)) {
            BN_set_flags(s, BN_FLG_CONSTTIME);
            key = ec_from_scalar(a, s, bn);
        }
        BN_clear_free(s);
    }
    BN_CTX_free(bn);
    if (!key)
        return SW_INCORRECT_DATA;
    return commit_key(card, slot, key, a->alg, pol.pin, pol.touch, ORIGIN_IMPORTED);
}

/* ---- GENERAL AUTHENTICATE with a key slot ------------------------------------------------- */

static EVP_PKEY_CTX *op_ctx(EVP_PKEY *key)
{
    return EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
}

/* Raw RSA private operation: in (modulus size) -> res (modulus size). */
static bool rsa_raw(EVP_PKEY *key, size_t k, const uint8_t *in, uint8_t *res)
{
    EVP_PKEY_CTX *ctx = op_ctx(key);
    size_t n = k;
    bool ok = ctx && EVP_PKEY_decrypt_init(ctx) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
              EVP_PKEY_decrypt(ctx, res, &n, in, k) == 1 && n <= k;
    EVP_PKEY_CTX_free(ctx);
    if (ok && n < k) { /* left-pad to the modulus length */
        memmove(res + (k - n), res, n);
        memset(res, 0, k - n);
    }
    return ok;
}

/* ECDSA over a hash: truncated to the field size, shorter ones are left-padded. */
static bool ec_sign(EVP_PKEY *key, size_t f, const uint8_t *in, size_t inlen, uint8_t *res,
                    size_t cap, size_t *reslen)
{
    uint8_t h[MAX_EC_BYTES];
    EVP_PKEY_CTX *ctx;
    bool ok;

    memset(h, 0, sizeof h);
    if (inlen >= f)
        memcpy(h, in, f);
    else
        memcpy(h + (f - inlen), in, inlen);
    ctx = op_ctx(key);
    *reslen = cap;
    ok = ctx && EVP_PKEY_sign_init(ctx) == 1 && EVP_PKEY_sign(ctx, res, reslen, h, f) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

/* ECDH with an uncompressed peer point; false if the point is not on the curve. */
static bool ec_derive(EVP_PKEY *key, const alg_info *a, const uint8_t *pt, size_t ptlen,
                      uint8_t *res, size_t *reslen)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY *peer = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    size_t f = a->bits / 8;
    bool ok = false;

    if (!bld || ptlen != 1 + 2 * f || pt[0] != 0x04)
        goto out;
    if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, a->group, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, ptlen) != 1 ||
        (peer = pkey_fromdata("EC", EVP_PKEY_PUBLIC_KEY, bld)) == NULL)
        goto out;
    *reslen = f;
    ok = (ctx = op_ctx(key)) != NULL && EVP_PKEY_derive_init(ctx) == 1 &&
         EVP_PKEY_derive_set_peer_ex(ctx, peer, 1) == 1 &&
         EVP_PKEY_derive(ctx, res, reslen) == 1 && *reslen == f;
out:
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    OSSL_PARAM_BLD_free(bld);
    return ok;
}

uint16_t vpiv_keys_authenticate(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out,
                                size_t *out_len)
{
    vpiv_slot *slot = vpiv_slot_find(card, cmd->p2);
    const alg_info *a;
    vpiv_dynauth da;
    uint8_t res[MAX_RSA_BYTES];
    size_t reslen = 0, ilen = 0, len = 0;
    const size_t hdr = 8;
    bool sign, ecdh, ok;

    /* The attestation key only signs attestations (vpiv_attest.c). */
    if (!slot || slot->ref == VPIV_SLOT_ATTESTATION)
        return SW_INCORRECT_P1P2;
    /* YubiKey answers 6A80 both for a wrong algorithm and for an empty slot. */
    if (!slot->key || slot->alg != cmd->p1 || (a = alg_find(slot->alg)) == NULL)
        return SW_INCORRECT_DATA;
    if (!vpiv_parse_dynauth(cmd->data, cmd->len, &da) || da.has[DA_WITNESS] ||
        !da.has[DA_RESPONSE] || da.len[DA_RESPONSE] != 0)
        return SW_INCORRECT_DATA;
    sign = da.has[DA_CHALLENGE] && !da.has[DA_EXPONENTIATION] && da.len[DA_CHALLENGE] > 0;
    ecdh = da.has[DA_EXPONENTIATION] && !da.has[DA_CHALLENGE] &&
           da.len[DA_EXPONENTIATION] > 0;
    if ((!sign && !ecdh) || (ecdh && a->nid == 0) ||
        (sign && a->nid == 0 && da.len[DA_CHALLENGE] != a->bits / 8))
        return SW_INCORRECT_DATA;

    switch (slot->pin_policy) {
    case PIN_POLICY_NEVER:
        break;
    case PIN_POLICY_ALWAYS:
        if (!card->pin_always_ok)
            return SW_SECURITY_STATUS;
        card->pin_always_ok = false; /* one operation per VERIFY */
        break;
    default: /* PIN_POLICY_ONCE */
        if (!card->pin_verified)
            return SW_SECURITY_STATUS;
        break;
    }

    if (a->nid == 0) {
        reslen = a->bits / 8;
        ok = rsa_raw(slot->key, reslen, da.v[DA_CHALLENGE], res);
    } else if (sign) {
        ok = ec_sign(slot->key, a->bits / 8, da.v[DA_CHALLENGE], da.len[DA_CHALLENGE], res,
                     sizeof res, &reslen);
    } else {
        ok = ec_derive(slot->key, a, da.v[DA_EXPONENTIATION], da.len[DA_EXPONENTIATION], res,
                       &reslen);
    }
    /* 7C { 82 result }: the inner TLV goes behind room for the outer header, then is wrapped */
    ok = ok && vpiv_put_tlv(out + hdr, VPIV_MAX_RESPONSE - hdr, &ilen, 0x82, res, reslen) &&
         vpiv_put_tlv(out, VPIV_MAX_RESPONSE, &len, 0x7C, out + hdr, ilen);
    ch_wipe(res, sizeof res);
    if (!ok)
        return SW_INCORRECT_DATA; /* RSA input >= n, point not on the curve */
    *out_len = len;
    return SW_OK;
}
