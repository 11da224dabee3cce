/* fuzz_apdu's independent models of the key entry points' card-free checks (apdu_model.h).
 * Arithmetic with OpenSSL: a model failure to compute (out of memory) aborts, it never passes
 * silently. */
#include "apdu_model.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <string.h>

#include "fuzz_check.h"

#define RSA2 0x32415352u /* "RSA2" */
#define EC_LOW16 0x4345u /* "EC": the first two bytes of every BCRYPT ECC magic */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

size_t ch_fapm_blob_len(const uint8_t *data, size_t n)
{
    uint8_t h[20] = {0};
    uint64_t len = 0;

    if (n)
        memcpy(h, data, n < sizeof h ? n : sizeof h);
    if (h[0] == 0x07) { /* PRIVATEKEYBLOB: RSAPUBKEY.bitlen at 12 */
        uint32_t bits = le32(h + 12);
        if (bits % 16u == 0 && bits <= 4096u)
            len = 20u + 9u * (uint64_t)(bits / 16u);
    } else if ((le32(h) & 0xFFFFu) == EC_LOW16) {
        len = 8u + 3u * (uint64_t)le32(h + 4);
    }
    if (len < CH_FAPM_BLOB_MIN || len > CH_FAPM_BLOB_MAX)
        len = CH_FAPM_BLOB_MIN;
    return (size_t)len;
}

/* ---- RSA: the numbers of md_keyblob.h, with BIGNUMs ---- */

/* bytes little-endian from the blob */
static BIGNUM *bn_le(const uint8_t *p, size_t n)
{
    BIGNUM *b = BN_lebin2bn(p, (int)n, NULL);
    CH_CHECK(b != NULL, "out of memory");
    return b;
}

/* dx == d mod (prime - 1) and e * dx == 1 mod (prime - 1) (prime odd, above 1). */
static bool crt_ok(const BIGNUM *d, const BIGNUM *prime, const BIGNUM *dx, uint32_t e,
                   BN_CTX *ctx)
{
    BIGNUM *pm1 = BN_dup(prime), *t = BN_new(), *ee = BN_new();
    bool ok;

    CH_CHECK(pm1 && t && ee && BN_sub_word(pm1, 1) && BN_set_word(ee, e), "out of memory");
    CH_CHECK(BN_mod(t, d, pm1, ctx), "BN_mod");
    ok = BN_cmp(t, dx) == 0;
    CH_CHECK(BN_mod_mul(t, ee, dx, pm1, ctx), "BN_mod_mul");
    ok = ok && BN_is_one(t);
    BN_free(pm1);
    BN_free(t);
    BN_free(ee);
    return ok;
}

static bool rsa_numbers_ok(const uint8_t *blob, uint32_t bits, uint32_t e)
{
    size_t nb = bits / 8u, hb = bits / 16u, at = 20;
    BIGNUM *n, *p, *q, *dp, *dq, *qinv, *d, *t = BN_new();
    BN_CTX *ctx = BN_CTX_new();
    bool ok;

    CH_CHECK(t && ctx, "out of memory");
    n = bn_le(blob + at, nb), at += nb;
    p = bn_le(blob + at, hb), at += hb;
    q = bn_le(blob + at, hb), at += hb;
    dp = bn_le(blob + at, hb), at += hb;
    dq = bn_le(blob + at, hb), at += hb;
    qinv = bn_le(blob + at, hb), at += hb;
    d = bn_le(blob + at, nb);

    ok = (unsigned)BN_num_bits(n) == bits;
    ok = ok && BN_is_odd(p) && !BN_is_one(p) && BN_is_odd(q) && !BN_is_one(q);
    if (ok) {
        CH_CHECK(BN_mul(t, p, q, ctx), "BN_mul");
        ok = BN_cmp(t, n) == 0;
    }
    ok = ok && BN_cmp(d, n) < 0;
    ok = ok && crt_ok(d, p, dp, e, ctx) && crt_ok(d, q, dq, e, ctx);
    ok = ok && BN_cmp(qinv, p) < 0;
    if (ok) {
        CH_CHECK(BN_mod_mul(t, q, qinv, p, ctx), "BN_mod_mul");
        ok = BN_is_one(t);
    }
    BN_free(n), BN_free(p), BN_free(q), BN_free(dp), BN_free(dq), BN_free(qinv), BN_free(d);
    BN_free(t);
    BN_CTX_free(ctx);
    return ok;
}

/* A blob check failed: its result, and its name for the message. */
#define FAIL(code, what) do { *why = (what); return (code); } while (0)

static DWORD rsa_verdict(const uint8_t *b, size_t len, DWORD spec, DWORD size,
                         const char **why)
{
    uint32_t alg = le32(b + 4), magic = le32(b + 8), bits = le32(b + 12), e = le32(b + 16);

    if (b[1] != 0x02)
        FAIL(SCARD_E_INVALID_PARAMETER, "bVersion");
    if (alg != CALG_RSA_KEYX && alg != CALG_RSA_SIGN)
        FAIL(SCARD_E_INVALID_PARAMETER, "aiKeyAlg");
    if (magic != RSA2)
        FAIL(SCARD_E_INVALID_PARAMETER, "RSA magic");
    if (bits == 0 || bits % 16u != 0 || bits > 16384u)
        FAIL(SCARD_E_INVALID_PARAMETER, "bitlen");
    if (bits != 1024u && bits != 2048u && bits != 3072u && bits != 4096u)
        FAIL(SCARD_E_UNSUPPORTED_FEATURE, "RSA size PIV does not hold");
    CH_CHECK(len == 20u + 9u * (size_t)bits / 16u, "blob of %zu bytes for %u bits", len, bits);
    if (e % 2u == 0 || e < 3u)
        FAIL(SCARD_E_INVALID_PARAMETER, "exponent");
    if (e != 65537u)
        FAIL(SCARD_E_UNSUPPORTED_FEATURE, "exponent PIV does not import");
    if (!rsa_numbers_ok(b, bits, e))
        FAIL(SCARD_E_INVALID_PARAMETER, "RSA numbers are not one key");
    if (size != 0 && size != bits)
        FAIL(SCARD_E_INVALID_PARAMETER, "dwKeySize is not the blob's");
    if (!((spec == AT_KEYEXCHANGE && alg == CALG_RSA_KEYX) ||
          (spec == AT_SIGNATURE && alg == CALG_RSA_SIGN)))
        FAIL(SCARD_E_INVALID_PARAMETER, "keyspec is not the blob's");
    *why = "valid";
    return SCARD_S_SUCCESS;
}

/* ---- ECC ---- */

/* x, y below p and on the curve of `field` bytes (P-256, P-384). With k: *scalar_ok says k is
 * in [1, n - 1], and then *matches that k*G is (x, y). */
static bool on_curve(size_t field, const uint8_t *x, const uint8_t *y, const uint8_t *k,
                     bool *scalar_ok, bool *matches)
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(field == 32 ? NID_X9_62_prime256v1
                                                         : NID_secp384r1);
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *p = BN_new(), *bx = BN_bin2bn(x, (int)field, NULL);
    BIGNUM *by = BN_bin2bn(y, (int)field, NULL);
    EC_POINT *pt = g ? EC_POINT_new(g) : NULL;
    bool ok;

    CH_CHECK(g && ctx && p && bx && by && pt, "out of memory");
    CH_CHECK(EC_GROUP_get_curve(g, p, NULL, NULL, ctx), "EC_GROUP_get_curve");
    ok = BN_cmp(bx, p) < 0 && BN_cmp(by, p) < 0 &&
         EC_POINT_set_affine_coordinates(g, pt, bx, by, ctx) == 1 &&
         EC_POINT_is_on_curve(g, pt, ctx) == 1;
    if (k) {
        BIGNUM *bk = BN_bin2bn(k, (int)field, NULL);
        CH_CHECK(bk != NULL, "out of memory");
        *scalar_ok = !BN_is_zero(bk) && BN_cmp(bk, EC_GROUP_get0_order(g)) < 0;
        *matches = false;
        if (ok && *scalar_ok) {
            EC_POINT *q = EC_POINT_new(g);
            CH_CHECK(q && EC_POINT_mul(g, q, bk, NULL, NULL, ctx) == 1, "EC_POINT_mul");
            *matches = EC_POINT_cmp(g, q, pt, ctx) == 0;
            EC_POINT_free(q);
        }
        BN_free(bk);
    }
    ERR_clear_error(); /* a point off the curve leaves an error on OpenSSL's queue */
    EC_POINT_free(pt);
    BN_free(p), BN_free(bx), BN_free(by);
    BN_CTX_free(ctx);
    EC_GROUP_free(g);
    return ok;
}

static DWORD ecc_verdict(const uint8_t *b, size_t len, DWORD spec, DWORD size,
                         const char **why)
{
    static const struct {
        uint32_t magic;
        size_t field;
        DWORD spec;
    } kinds[] = {
        {BCRYPT_ECDSA_PRIVATE_P256_MAGIC, 32, AT_ECDSA_P256},
        {BCRYPT_ECDSA_PRIVATE_P384_MAGIC, 48, AT_ECDSA_P384},
        {BCRYPT_ECDH_PRIVATE_P256_MAGIC, 32, AT_ECDHE_P256},
        {BCRYPT_ECDH_PRIVATE_P384_MAGIC, 48, AT_ECDHE_P384},
    };
    uint32_t magic = le32(b), cb = le32(b + 4);
    size_t i, f;
    bool scalar_ok = false, matches = false;

    for (i = 0; i < sizeof kinds / sizeof kinds[0] && kinds[i].magic != magic; i++)
        ;
    if (i == sizeof kinds / sizeof kinds[0]) {
        if (magic == BCRYPT_ECDSA_PRIVATE_P521_MAGIC || magic == BCRYPT_ECDH_PRIVATE_P521_MAGIC)
            FAIL(SCARD_E_UNSUPPORTED_FEATURE, "P-521");
        FAIL(SCARD_E_INVALID_PARAMETER, "ECC magic");
    }
    f = kinds[i].field;
    if (cb != f)
        FAIL(SCARD_E_INVALID_PARAMETER, "cbKey");
    CH_CHECK(len == 8u + 3u * f, "blob of %zu bytes for cbKey %zu", len, f);
    if (!on_curve(f, b + 8, b + 8 + f, b + 8 + 2 * f, &scalar_ok, &matches))
        FAIL(SCARD_E_INVALID_PARAMETER, "point off the curve");
    if (!scalar_ok)
        FAIL(SCARD_E_INVALID_PARAMETER, "scalar 0 or >= n");
    if (!matches) /* the card derives the public key from d alone */
        FAIL(SCARD_E_INVALID_PARAMETER, "point is not d*G");
    if (size != 0 && size != 8u * f)
        FAIL(SCARD_E_INVALID_PARAMETER, "dwKeySize is not the blob's");
    if (spec != kinds[i].spec)
        FAIL(SCARD_E_INVALID_PARAMETER, "keyspec is not the blob's");
    *why = "valid";
    return SCARD_S_SUCCESS;
}

DWORD ch_fapm_blob_verdict(const uint8_t *blob, size_t len, DWORD key_spec, DWORD key_size,
                           const char **why)
{
    CH_CHECK(len >= CH_FAPM_BLOB_MIN, "blob of %zu bytes", len);
    if (blob[0] == 0x07)
        return rsa_verdict(blob, len, key_spec, key_size, why);
    if ((le32(blob) & 0xFFFFu) == EC_LOW16)
        return ecc_verdict(blob, len, key_spec, key_size, why);
    FAIL(SCARD_E_INVALID_PARAMETER, "bType");
#undef FAIL
}

bool ch_fapm_ecdh_peer_ok(const uint8_t *blob, size_t len, size_t *field)
{
    size_t f = len == 72u ? 32u : len == 104u ? 48u : 0u;
    uint32_t want = f == 32u ? BCRYPT_ECDH_PUBLIC_P256_MAGIC : BCRYPT_ECDH_PUBLIC_P384_MAGIC;

    if (!f || !blob || le32(blob) != want || le32(blob + 4) != f)
        return false;
    if (!on_curve(f, blob + 8, blob + 8 + f, NULL, NULL, NULL))
        return false;
    *field = f;
    return true;
}

/* ---- hashes and KDFs ---- */

static bool wname_is(const uint16_t *s, size_t n, const char *want)
{
    size_t i = 0;
    for (; i < n && want[i]; i++)
        if (s[i] != (uint16_t)(unsigned char)want[i])
            return false;
    return i == n && want[i] == 0;
}

/* The name s[0..n) (no terminator in it): its digest length; MD5 16; 0 unknown. */
static size_t name_len_of(const uint16_t *s, size_t n)
{
    if (wname_is(s, n, "SHA1"))
        return 20;
    if (wname_is(s, n, "SHA256"))
        return 32;
    if (wname_is(s, n, "SHA384"))
        return 48;
    if (wname_is(s, n, "SHA512"))
        return 64;
    if (wname_is(s, n, "MD5"))
        return 16;
    return 0;
}

size_t ch_fapm_hash_name_len(LPCWSTR name)
{
    size_t n = 0;
    if (!name)
        return 0;
    while (n < 16 && name[n])
        n++;
    return n < 16 ? name_len_of(name, n) : 0;
}

size_t ch_fapm_calg_len(ALG_ID calg)
{
    switch (calg) {
    case CALG_MD5: return 16;
    case CALG_SHA1: return 20;
    case CALG_SSL3_SHAMD5: return 36;
    case CALG_SHA_256: return 32;
    case CALG_SHA_384: return 48;
    case CALG_SHA_512: return 64;
    default: return 0;
    }
}

#define KDF_PARAM_MAX 4096u /* bytes of one prepend / append / HMAC key (docs) */

void ch_fapm_kdf_check(LPCWSTR kdf, DWORD flags, const BCryptBufferDesc *list,
                       ch_fapm_kdf *out)
{
    bool hmac = false, secret_as_key = (flags & KDF_USE_SECRET_AS_HMAC_KEY_FLAG) != 0;
    bool has_key = false;
    unsigned seen = 0;
    size_t hash_len = 20; /* SHA-1: CNG's default */

    memset(out, 0, sizeof *out);
    if (!kdf) {
        out->invalid = true;
    } else {
        size_t n = 0;
        while (n < 32 && kdf[n])
            n++;
        if (wname_is(kdf, n, "HMAC"))
            hmac = true;
        else if (wname_is(kdf, n, "TLS_PRF") || wname_is(kdf, n, "SP800_56A_CONCAT") ||
                 wname_is(kdf, n, "TRUNCATE"))
            out->unsupported = true;
        else if (!wname_is(kdf, n, "HASH"))
            out->invalid = true;
    }
    if (flags & ~(DWORD)KDF_USE_SECRET_AS_HMAC_KEY_FLAG)
        out->invalid = true;
    if (secret_as_key && !hmac)
        out->invalid = true; /* a flag of HMAC only (HASH, or a KDF that is not there) */
    if (list) {
        if (list->ulVersion != BCRYPTBUFFER_VERSION || list->cBuffers > 16u ||
            (list->cBuffers && !list->pBuffers)) {
            out->invalid = true;
        } else {
            for (ULONG i = 0; i < list->cBuffers; i++) {
                const BCryptBuffer *b = &list->pBuffers[i];
                if ((!b->pvBuffer && b->cbBuffer) || b->BufferType > KDF_HMAC_KEY ||
                    (seen & (1u << b->BufferType))) {
                    out->invalid = true;
                    break; /* what follows a malformed buffer is not read */
                }
                seen |= 1u << b->BufferType;
                if (b->BufferType == KDF_HASH_ALGORITHM) {
                    uint16_t name[64];
                    size_t units = b->cbBuffer / 2u, n = 0;
                    if (units > 64)
                        units = 64;
                    if (units)
                        memcpy(name, b->pvBuffer, units * 2u);
                    while (n < units && name[n])
                        n++;
                    if (n == units) {
                        out->invalid = true; /* not terminated within its buffer */
                    } else {
                        size_t l = name_len_of(name, n);
                        if (l == 16)
                            out->unsupported = true; /* MD5 */
                        else if (l == 0)
                            out->invalid = true;
                        else
                            hash_len = l;
                    }
                } else if (b->BufferType == KDF_HMAC_KEY) {
                    has_key = true;
                    if (!hmac || b->cbBuffer > KDF_PARAM_MAX)
                        out->invalid = true;
                } else if (b->cbBuffer > KDF_PARAM_MAX) {
                    out->invalid = true;
                }
            }
        }
    }
    if (hmac && has_key == secret_as_key)
        out->invalid = true; /* the HMAC key is exactly one of KDF_HMAC_KEY and Z */
    out->out_len = hash_len;
}
