/* Unit tests for RSA padding (src/md/md_pad.c), OpenSSL as the oracle.
 *
 * Signing: ch_pad_pkcs1_sign equals RSA_padding_add_PKCS1_type_1 over prefix || data for many
 * k and lengths (and both refuse one byte too many); and with a real RSA-2048 key, the block
 * that OpenSSL's PKCS#1 v1.5 signature really encodes (EVP_PKEY_sign with the md, then the raw
 * public operation, RSA_NO_PADDING) equals ours from ch_pad_hash_by_calg's prefix, for MD5,
 * SHA-1, SHA-256, SHA-384, SHA-512 and MD5-SHA1 (CALG_SSL3_SHAMD5: no prefix).
 * Decoding: blocks made by RSA_padding_add_PKCS1_type_2 and RSA_padding_add_PKCS1_OAEP_mgf1
 * (SHA-1/256/384/512, empty, short and long labels, messages of length 0, 1, some, maximal)
 * round-trip; every malformed class is refused with the error contract (-1, *m_len = 0, all
 * of out zero) and OpenSSL's checks refuse the same blocks; a one-bit flip at every position of
 * a block gets the same verdict and message from both. MGF1 equals OpenSSL's PKCS1_MGF1. */
#define OPENSSL_SUPPRESS_DEPRECATED /* RSA_padding_* and PKCS1_MGF1 are the oracles */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <uchar.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "hash_evp.h"
#include "md_pad.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define KMAX 512

static uint64_t rng_state = UINT64_C(0x243F6A8885A308D3);

static uint32_t rnd(void) /* xorshift64: deterministic, and no wrapping multiplication */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

static void fill(uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

static void fill_nonzero(uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = (uint8_t)(1u + rnd() % 255u);
}

static const ch_hash_alg ALGS[] = {CH_HASH_SHA1, CH_HASH_SHA256, CH_HASH_SHA384,
                                   CH_HASH_SHA512};

/* ---- the decoders under test, with the error contract checked on every call ----------- */

static void check_contract(int rc, const uint8_t *out, size_t cap, size_t m_len, size_t max)
{
    size_t i;
    uint8_t any = 0;

    assert_true(rc == 0 || rc == -1);
    if (rc == 0) {
        assert_true(m_len <= max);
        return;
    }
    assert_int_equal(m_len, 0);
    for (i = 0; i < cap; i++)
        any |= out[i];
    assert_int_equal(any, 0);
}

static int pkcs1(const uint8_t *em, size_t k, uint8_t *out, size_t cap, size_t *m_len)
{
    int rc;

    memset(out, 0xAA, cap);
    *m_len = 0xDEAD;
    rc = ch_pad_pkcs1_decrypt(em, k, out, cap, m_len);
    check_contract(rc, out, cap, *m_len, k >= 11 ? k - 11 : 0);
    return rc;
}

static int oaep(ch_hash_alg alg, const uint8_t *label, size_t label_len, const uint8_t *em,
                size_t k, uint8_t *out, size_t cap, size_t *m_len)
{
    int rc;
    size_t h = ch_hash_len(alg);

    memset(out, 0xAA, cap);
    *m_len = 0xDEAD;
    rc = ch_pad_oaep_decrypt(alg, label, label_len, em, k, out, cap, m_len);
    check_contract(rc, out, cap, *m_len, k >= 2 * h + 2 ? k - 2 * h - 2 : 0);
    return rc;
}

/* OpenSSL's verdicts: the message length, or -1. */
static int ossl_pkcs1(const uint8_t *em, size_t k, uint8_t *out)
{
    return RSA_padding_check_PKCS1_type_2(out, (int)k, em, (int)k, (int)k);
}

static int ossl_oaep(ch_hash_alg alg, const uint8_t *label, size_t label_len,
                     const uint8_t *em, size_t k, uint8_t *out)
{
    return RSA_padding_check_PKCS1_OAEP_mgf1(out, (int)k, em, (int)k, (int)k, label,
                                             (int)label_len, ch_hash_evp_md(alg),
                                             ch_hash_evp_md(alg));
}

/* ---- hash tables ----------------------------------------------------------------------- */

static const uint8_t DI_MD5[] = {0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                 0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00, 0x04, 0x10};
static const uint8_t DI_SHA1[] = {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e,
                                  0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14};
static const uint8_t DI_SHA256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
static const uint8_t DI_SHA384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
static const uint8_t DI_SHA512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};

static const struct known {
    ALG_ID calg;
    LPCWSTR name;
    ch_hash_alg alg;
    size_t len;
    const uint8_t *prefix;
    size_t prefix_len;
} KNOWN[] = {
    {CALG_MD5, (LPCWSTR)u"MD5", CH_HASH_NONE, 16, DI_MD5, sizeof DI_MD5},
    {CALG_SHA1, (LPCWSTR)u"SHA1", CH_HASH_SHA1, 20, DI_SHA1, sizeof DI_SHA1},
    {CALG_SHA_256, (LPCWSTR)u"SHA256", CH_HASH_SHA256, 32, DI_SHA256, sizeof DI_SHA256},
    {CALG_SHA_384, (LPCWSTR)u"SHA384", CH_HASH_SHA384, 48, DI_SHA384, sizeof DI_SHA384},
    {CALG_SHA_512, (LPCWSTR)u"SHA512", CH_HASH_SHA512, 64, DI_SHA512, sizeof DI_SHA512},
    {CALG_SSL3_SHAMD5, NULL, CH_HASH_NONE, 36, NULL, 0},
};

static void assert_known(const ch_pad_hash *h, const struct known *w)
{
    assert_int_equal(h->alg, w->alg);
    assert_int_equal(h->len, w->len);
    assert_int_equal(h->prefix_len, w->prefix_len);
    if (w->prefix_len) {
        assert_non_null(h->prefix);
        assert_memory_equal(h->prefix, w->prefix, w->prefix_len);
        /* the DigestInfo prefix ends with the OCTET STRING length: the digest length */
        assert_int_equal(h->prefix[w->prefix_len - 1], w->len);
    }
}

static void test_hash_by_calg(void **state)
{
    static const ALG_ID unknown[] = {0, CALG_RSA_SIGN, CALG_RSA_KEYX, 0x8001, 0x8009,
                                     0x800F, 0x8004 | 0x10000, 0xFFFFFFFFu};
    ch_pad_hash h, marker;
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(KNOWN); i++) {
        memset(&h, 0xEE, sizeof h);
        assert_int_equal(ch_pad_hash_by_calg(KNOWN[i].calg, &h), 0);
        assert_known(&h, &KNOWN[i]);
    }
    memset(&marker, 0xEE, sizeof marker);
    for (i = 0; i < ARRAY_LEN(unknown); i++) {
        memcpy(&h, &marker, sizeof h);
        assert_int_equal(ch_pad_hash_by_calg(unknown[i], &h), -1);
        assert_memory_equal(&h, &marker, sizeof h);
    }
    assert_int_equal(ch_pad_hash_by_calg(CALG_SHA1, NULL), -1);
}

static void test_hash_by_name(void **state)
{
    static const char16_t *const refused[] = {
        u"",       u"sha1",   u"Sha256", u"SHA-1",  u"SHA",     u"SHA1 ", u" SHA1",
        u"SHA2",   u"SHA25",  u"SHA2561", u"SHA512A", u"MD5SHA1", u"MD4",  u"SSL3_SHAMD5",
        u"SHA224", u"SHA384\x0101",
    };
    static const uint16_t sha1_then_junk[] = {'S', 'H', 'A', '1', 0, 'X', 'Y', 'Z'};
    ch_pad_hash h, marker;
    uint16_t *unterminated;
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(KNOWN); i++) {
        if (KNOWN[i].name == NULL)
            continue;
        memset(&h, 0xEE, sizeof h);
        assert_int_equal(ch_pad_hash_by_name(KNOWN[i].name, &h), 0);
        assert_known(&h, &KNOWN[i]);
    }
    assert_int_equal(ch_pad_hash_by_name(sha1_then_junk, &h), 0);
    assert_known(&h, &KNOWN[1]);

    memset(&marker, 0xEE, sizeof marker);
    for (i = 0; i < ARRAY_LEN(refused); i++) {
        memcpy(&h, &marker, sizeof h);
        assert_int_equal(ch_pad_hash_by_name((LPCWSTR)refused[i], &h), -1);
        assert_memory_equal(&h, &marker, sizeof h);
    }
    assert_int_equal(ch_pad_hash_by_name(NULL, &h), -1);
    assert_int_equal(ch_pad_hash_by_name((LPCWSTR)u"SHA1", NULL), -1);

    /* Eight units and no terminator, in a heap block of exactly 16 bytes: refused, and ASan
     * sees any read of a ninth unit. A seven-unit name with its terminator is read whole. */
    unterminated = malloc(8 * sizeof *unterminated);
    assert_non_null(unterminated);
    memcpy(unterminated, u"SHA256AB", 8 * sizeof *unterminated);
    assert_int_equal(ch_pad_hash_by_name(unterminated, &h), -1);
    memcpy(unterminated, u"SHA256A", 8 * sizeof *unterminated);
    assert_int_equal(ch_pad_hash_by_name(unterminated, &h), -1);
    memcpy(unterminated, u"SHA256", 7 * sizeof *unterminated);
    assert_int_equal(ch_pad_hash_by_name(unterminated, &h), 0);
    assert_known(&h, &KNOWN[2]);
    free(unterminated);
}

/* ---- EMSA-PKCS1-v1_5 ------------------------------------------------------------------- */

static void test_sign_matches_type1(void **state)
{
    static const size_t ks[] = {11, 12, 15, 34, 35, 64, 128, 256, 384, 512};
    uint8_t ours[KMAX + 1], ref[KMAX], data[KMAX];
    size_t i, j, k, n;
    const struct known *w;

    (void)state;
    fill(data, sizeof data);
    for (i = 0; i < ARRAY_LEN(ks); i++) {
        k = ks[i];
        for (j = 0; j < ARRAY_LEN(KNOWN); j++) {
            w = &KNOWN[j];
            if (w->prefix_len > k - 11)
                continue;
            for (n = 0; n <= k - 11 - w->prefix_len; n++) {
                uint8_t t[KMAX];
                if (w->prefix_len)
                    memcpy(t, w->prefix, w->prefix_len);
                memcpy(t + w->prefix_len, data, n);
                assert_int_equal(RSA_padding_add_PKCS1_type_1(ref, (int)k, t,
                                                              (int)(w->prefix_len + n)),
                                 1);
                memset(ours, 0x5A, sizeof ours);
                assert_int_equal(ch_pad_pkcs1_sign(w->prefix, w->prefix_len, data, n, ours, k),
                                 SCARD_S_SUCCESS);
                assert_memory_equal(ours, ref, k);
                assert_int_equal(ours[k], 0x5A); /* nothing past k */
            }
            /* one byte more than fits: both refuse */
            n = k - 11 - w->prefix_len + 1;
            assert_int_equal(ch_pad_pkcs1_sign(w->prefix, w->prefix_len, data, n, ours, k),
                             SCARD_E_INVALID_PARAMETER);
            assert_int_equal(RSA_padding_add_PKCS1_type_1(ref, (int)k, data,
                                                          (int)(w->prefix_len + n)),
                             0);
        }
    }
    assert_int_equal(ch_pad_pkcs1_sign(NULL, 0, NULL, 0, ours, 10), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_pad_pkcs1_sign(NULL, 0, NULL, 0, ours, 0), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_pad_pkcs1_sign(NULL, 0, data, 1, NULL, 64), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_pad_pkcs1_sign(NULL, 3, data, 1, ours, 64), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_pad_pkcs1_sign(DI_SHA1, sizeof DI_SHA1, NULL, 20, ours, 64),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_pad_pkcs1_sign(NULL, 0, NULL, 0, ours, 11), SCARD_S_SUCCESS);
    /* a huge data_len must not wrap the length sum */
    assert_int_equal(ch_pad_pkcs1_sign(DI_SHA1, sizeof DI_SHA1, data, SIZE_MAX, ours, 64),
                     SCARD_E_INVALID_PARAMETER);
}

static EVP_PKEY *rsa_key;

static int setup_key(void **state)
{
    (void)state;
    rsa_key = EVP_RSA_gen(2048);
    return rsa_key ? 0 : -1;
}

static int free_key(void **state)
{
    (void)state;
    EVP_PKEY_free(rsa_key);
    return 0;
}

/* What OpenSSL's RSA PKCS#1 v1.5 signature of `digest` under `md` encodes: sign, then undo the
 * private operation with the public key and no padding check. */
static void openssl_signed_block(const EVP_MD *md, const uint8_t *digest, size_t dlen,
                                 uint8_t *em, size_t *k)
{
    uint8_t sig[KMAX];
    size_t sig_len = sizeof sig;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(rsa_key, NULL);

    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
    assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, md), 1);
    assert_int_equal(EVP_PKEY_sign(ctx, sig, &sig_len, digest, dlen), 1);
    EVP_PKEY_CTX_free(ctx);

    ctx = EVP_PKEY_CTX_new(rsa_key, NULL);
    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_verify_recover_init(ctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING), 1);
    *k = KMAX;
    assert_int_equal(EVP_PKEY_verify_recover(ctx, em, k, sig, sig_len), 1);
    EVP_PKEY_CTX_free(ctx);
}

static void test_sign_equals_openssl_signature(void **state)
{
    static const struct {
        ALG_ID calg;
        const char *md;
    } cases[] = {
        {CALG_MD5, "MD5"},         {CALG_SHA1, "SHA1"},       {CALG_SHA_256, "SHA256"},
        {CALG_SHA_384, "SHA384"}, {CALG_SHA_512, "SHA512"}, {CALG_SSL3_SHAMD5, "MD5-SHA1"},
    };
    uint8_t digest[EVP_MAX_MD_SIZE], ref[KMAX], ours[KMAX];
    unsigned dlen;
    size_t i, k;
    ch_pad_hash h;
    EVP_MD *md;

    (void)state;
    for (i = 0; i < ARRAY_LEN(cases); i++) {
        md = EVP_MD_fetch(NULL, cases[i].md, NULL);
        assert_non_null(md);
        assert_int_equal(EVP_Digest("card module", 11, digest, &dlen, md, NULL), 1);
        openssl_signed_block(md, digest, dlen, ref, &k);
        assert_int_equal(k, 256);

        assert_int_equal(ch_pad_hash_by_calg(cases[i].calg, &h), 0);
        assert_int_equal(h.len, dlen);
        assert_int_equal(ch_pad_pkcs1_sign(h.prefix, h.prefix_len, digest, dlen, ours, k),
                         SCARD_S_SUCCESS);
        assert_memory_equal(ours, ref, k);
        EVP_MD_free(md);
    }
}

/* ---- RSAES-PKCS1-v1_5 decoding --------------------------------------------------------- */

static void test_pkcs1_round_trip(void **state)
{
    static const size_t ks[] = {11, 12, 13, 19, 20, 64, 128, 129, 256, 257, 384, 512};
    uint8_t em[KMAX], msg[KMAX], out[KMAX + 16], ref[KMAX];
    size_t i, k, n, m_len;

    (void)state;
    for (i = 0; i < ARRAY_LEN(ks); i++) {
        k = ks[i];
        for (n = 0; n <= k - 11; n++) {
            if (k > 64 && n > 3 && n + 3 < k - 11 && n % 17 != 0)
                continue; /* large k: the edges and a sample in between */
            fill(msg, n);
            assert_int_equal(RSA_padding_add_PKCS1_type_2(em, (int)k, msg, (int)n), 1);
            /* the least cap, and some room beyond it (zeroed too) */
            assert_int_equal(pkcs1(em, k, out, k - 11, &m_len), 0);
            assert_int_equal(m_len, n);
            if (n)
                assert_memory_equal(out, msg, n);
            assert_int_equal(pkcs1(em, k, out, k - 11 + 16, &m_len), 0);
            assert_int_equal(m_len, n);
            if (n)
                assert_memory_equal(out, msg, n);
            assert_int_equal(ossl_pkcs1(em, k, ref), (int)n);
        }
    }
}

/* A valid block with PS of ps_len bytes, then 00, then msg_len random bytes. */
static size_t make_type2(uint8_t *em, size_t ps_len, size_t msg_len)
{
    em[0] = 0x00;
    em[1] = 0x02;
    fill_nonzero(em + 2, ps_len);
    em[2 + ps_len] = 0x00;
    fill(em + 3 + ps_len, msg_len);
    return 3 + ps_len + msg_len;
}

static void expect_pkcs1_refused(const uint8_t *em, size_t k, size_t cap)
{
    uint8_t out[KMAX + 16], ref[KMAX];
    size_t m_len;

    assert_int_equal(pkcs1(em, k, out, cap, &m_len), -1);
    if (k >= 11 && k <= KMAX)
        assert_int_equal(ossl_pkcs1(em, k, ref), -1);
}

static void test_pkcs1_malformed(void **state)
{
    uint8_t em[KMAX], bad[KMAX], out[KMAX], ref[KMAX];
    size_t k = 128, i, z, m_len;
    unsigned v;

    (void)state;
    assert_int_equal(make_type2(em, 100, 25), k);
    assert_int_equal(pkcs1(em, k, out, k - 11, &m_len), 0);
    assert_int_equal(m_len, 25);

    /* first byte not 00 */
    for (v = 1; v < 256; v += 37) {
        memcpy(bad, em, k);
        bad[0] = (uint8_t)v;
        expect_pkcs1_refused(bad, k, k - 11);
    }
    /* second byte not 02 (01 is the signature block type) */
    for (v = 0; v < 256; v++) {
        if (v == 2)
            continue;
        memcpy(bad, em, k);
        bad[1] = (uint8_t)v;
        expect_pkcs1_refused(bad, k, k - 11);
    }
    /* PS shorter than 8: the first 00 at 2..9; at 10 (PS of exactly 8) it is fine */
    for (z = 2; z < 10; z++) {
        memcpy(bad, em, k);
        bad[z] = 0x00;
        expect_pkcs1_refused(bad, k, k - 11);
    }
    memcpy(bad, em, k);
    bad[10] = 0x00;
    assert_int_equal(pkcs1(bad, k, out, k - 11, &m_len), 0);
    assert_int_equal(m_len, k - 11);
    assert_int_equal(ossl_pkcs1(bad, k, ref), (int)(k - 11));
    assert_memory_equal(out, bad + 11, k - 11);
    /* the separator as the last byte: an empty message */
    assert_int_equal(make_type2(bad, k - 3, 0), k);
    assert_int_equal(pkcs1(bad, k, out, k - 11, &m_len), 0);
    assert_int_equal(m_len, 0);
    /* no 00 separator at all */
    memcpy(bad, em, 2);
    fill_nonzero(bad + 2, k - 2);
    expect_pkcs1_refused(bad, k, k - 11);
    /* all zero, all FF */
    memset(bad, 0, k);
    expect_pkcs1_refused(bad, k, k - 11);
    memset(bad, 0xFF, k);
    expect_pkcs1_refused(bad, k, k - 11);

    /* k too small (the smallest valid block is 11 bytes: 00 02 PS(8) 00), cap too small */
    assert_int_equal(make_type2(bad, 8, 0), 11);
    assert_int_equal(pkcs1(bad, 11, out, 0, &m_len), 0);
    assert_int_equal(m_len, 0);
    for (i = 0; i < 11; i++)
        expect_pkcs1_refused(bad, i, sizeof out);
    assert_int_equal(pkcs1(em, k, out, k - 12, &m_len), -1);
    assert_int_equal(pkcs1(em, k, out, 0, &m_len), -1);

    /* NULL pointers: refused, out still wiped when there is one */
    memset(out, 0xAA, sizeof out);
    assert_int_equal(ch_pad_pkcs1_decrypt(em, k, out, k - 11, NULL), -1);
    for (i = 0; i < k - 11; i++)
        assert_int_equal(out[i], 0);
    assert_int_equal(pkcs1(NULL, k, out, k - 11, &m_len), -1);
    m_len = 7;
    assert_int_equal(ch_pad_pkcs1_decrypt(em, k, NULL, k - 11, &m_len), -1);
    assert_int_equal(m_len, 0);
}

/* One bit flipped at every position (and every bit of the first two bytes): our verdict and
 * message equal OpenSSL's. */
static void test_pkcs1_bit_flips_agree(void **state)
{
    uint8_t em[KMAX], bad[KMAX], out[KMAX], ref[KMAX];
    size_t k, pos, m_len;
    unsigned bit;
    int rc, ref_rc;

    (void)state;
    for (k = 11; k <= 140; k += 43) {
        make_type2(em, k - 3 - (k - 11) / 2, (k - 11) / 2);
        for (pos = 0; pos < k; pos++) {
            for (bit = 0; bit < 8; bit++) {
                if (pos >= 2 && bit != (pos % 8))
                    continue;
                memcpy(bad, em, k);
                bad[pos] ^= (uint8_t)(1u << bit);
                rc = pkcs1(bad, k, out, k - 11, &m_len);
                ref_rc = ossl_pkcs1(bad, k, ref);
                assert_int_equal(rc == 0 ? (int)m_len : -1, ref_rc);
                if (rc == 0 && m_len)
                    assert_memory_equal(out, ref, m_len);
            }
        }
    }
}

/* ---- MGF1 and RSAES-OAEP decoding ------------------------------------------------------ */

static void test_mgf1_matches_openssl(void **state)
{
    uint8_t seed[100], ours[300], ref[300], base[300];
    size_t j, n, s, i;

    (void)state;
    fill(seed, sizeof seed);
    fill(base, sizeof base);
    for (j = 0; j < ARRAY_LEN(ALGS); j++) {
        for (n = 0; n <= sizeof ours; n += (n < 140 ? 1 : 37)) {
            s = n % sizeof seed;
            memcpy(ours, base, sizeof ours);
            ch_pad_mgf1_xor(ALGS[j], seed, s, ours, n);
            assert_int_equal(PKCS1_MGF1(ref, (long)n, seed, (long)s, ch_hash_evp_md(ALGS[j])), 0);
            for (i = 0; i < n; i++)
                assert_int_equal(ours[i], base[i] ^ ref[i]);
            if (n < sizeof ours) /* nothing past out_len */
                assert_memory_equal(ours + n, base + n, sizeof ours - n);
        }
    }
    /* an unknown hash masks nothing */
    memcpy(ours, base, sizeof ours);
    ch_pad_mgf1_xor(CH_HASH_NONE, seed, sizeof seed, ours, sizeof ours);
    ch_pad_mgf1_xor((ch_hash_alg)9, seed, sizeof seed, ours, sizeof ours);
    assert_memory_equal(ours, base, sizeof ours);
}

static void test_oaep_round_trip(void **state)
{
    static const size_t ks[] = {0 /* 2hLen + 2 */, 1 /* 2hLen + 3 */, 128, 129, 256, 384, 512};
    uint8_t em[KMAX], msg[KMAX], out[KMAX + 8], ref[KMAX], label[300];
    const uint8_t *labels[3];
    size_t label_lens[3] = {0, 5, sizeof label};
    size_t j, i, l, k, h, n, max, m_len, trial;

    (void)state;
    fill(label, sizeof label);
    labels[0] = NULL;
    labels[1] = label;
    labels[2] = label;
    for (j = 0; j < ARRAY_LEN(ALGS); j++) {
        h = ch_hash_len(ALGS[j]);
        for (i = 0; i < ARRAY_LEN(ks); i++) {
            k = ks[i] < 2 ? 2 * h + 2 + ks[i] : ks[i];
            if (k < 2 * h + 2)
                continue;
            max = k - 2 * h - 2;
            for (l = 0; l < 3; l++) {
                for (trial = 0; trial < 5; trial++) {
                    /* 0, 1, max - 1, max, and one in between */
                    if (trial == 0 || max == 0)
                        n = 0;
                    else if (trial == 1)
                        n = 1;
                    else if (trial == 2)
                        n = max - 1;
                    else if (trial == 3)
                        n = max;
                    else
                        n = rnd() % (max + 1);
                    if (n > max)
                        continue;
                    fill(msg, n);
                    assert_int_equal(RSA_padding_add_PKCS1_OAEP_mgf1(
                                         em, (int)k, msg, (int)n, labels[l], (int)label_lens[l],
                                         ch_hash_evp_md(ALGS[j]), ch_hash_evp_md(ALGS[j])),
                                     1);
                    assert_int_equal(oaep(ALGS[j], labels[l], label_lens[l], em, k, out, max,
                                          &m_len),
                                     0);
                    assert_int_equal(m_len, n);
                    if (n)
                        assert_memory_equal(out, msg, n);
                    assert_int_equal(oaep(ALGS[j], labels[l], label_lens[l], em, k, out,
                                          max + 8, &m_len),
                                     0);
                    assert_int_equal(m_len, n);
                    assert_int_equal(ossl_oaep(ALGS[j], labels[l], label_lens[l], em, k, ref),
                                     (int)n);
                }
            }
        }
    }
}

/* EM for a DB chosen by hand, masked with OpenSSL's MGF1 and a random seed. */
static void make_oaep(ch_hash_alg alg, const uint8_t *db, size_t k, uint8_t *em)
{
    size_t h = ch_hash_len(alg), dblen = k - h - 1, i;
    uint8_t mask[KMAX];

    em[0] = 0x00;
    fill(em + 1, h); /* seed */
    assert_int_equal(PKCS1_MGF1(mask, (long)dblen, em + 1, (long)h, ch_hash_evp_md(alg)), 0);
    for (i = 0; i < dblen; i++)
        em[1 + h + i] = (uint8_t)(db[i] ^ mask[i]);
    assert_int_equal(PKCS1_MGF1(mask, (long)h, em + 1 + h, (long)dblen, ch_hash_evp_md(alg)), 0);
    for (i = 0; i < h; i++)
        em[1 + i] ^= mask[i];
}

static void expect_oaep_refused(ch_hash_alg alg, const uint8_t *label, size_t label_len,
                                const uint8_t *em, size_t k, size_t cap)
{
    uint8_t out[KMAX + 8], ref[KMAX];
    size_t m_len, h = ch_hash_len(alg);

    assert_int_equal(oaep(alg, label, label_len, em, k, out, cap, &m_len), -1);
    if (k >= 2 * h + 2 && k <= KMAX)
        assert_int_equal(ossl_oaep(alg, label, label_len, em, k, ref), -1);
}

static void test_oaep_malformed(void **state)
{
    static const uint8_t lab[] = "label";
    uint8_t em[KMAX], bad[KMAX], db[KMAX], out[KMAX], ref[KMAX], msg[16];
    size_t j, h, k = 256, dblen, max, m_len, i;

    (void)state;
    for (j = 0; j < ARRAY_LEN(ALGS); j++) {
        const ch_hash_alg alg = ALGS[j];
        h = ch_hash_len(alg);
        dblen = k - h - 1;
        max = k - 2 * h - 2;
        fill(msg, sizeof msg);
        assert_int_equal(RSA_padding_add_PKCS1_OAEP_mgf1(em, (int)k, msg, sizeof msg, lab, 5,
                                                         ch_hash_evp_md(alg), ch_hash_evp_md(alg)),
                         1);
        assert_int_equal(oaep(alg, lab, 5, em, k, out, max, &m_len), 0);
        assert_int_equal(m_len, sizeof msg);

        /* Y != 0 */
        memcpy(bad, em, k);
        bad[0] = 0x01;
        expect_oaep_refused(alg, lab, 5, bad, k, max);
        bad[0] = 0x80;
        expect_oaep_refused(alg, lab, 5, bad, k, max);
        /* lHash mismatch: another label, a shorter one, none; another hash */
        expect_oaep_refused(alg, (const uint8_t *)"lab3l", 5, em, k, max);
        expect_oaep_refused(alg, lab, 4, em, k, max);
        expect_oaep_refused(alg, NULL, 0, em, k, max);
        expect_oaep_refused(ALGS[(j + 1) % ARRAY_LEN(ALGS)], lab, 5, em, k, max);

        /* DB by hand: lHash || PS || 01 || M, and its broken forms */
        assert_int_equal(ch_hash(alg, lab, 5, db), 0);
        memset(db + h, 0, dblen - h);
        db[dblen - 1] = 0x01; /* all PS, empty message: valid */
        make_oaep(alg, db, k, bad);
        assert_int_equal(oaep(alg, lab, 5, bad, k, out, max, &m_len), 0);
        assert_int_equal(m_len, 0);
        assert_int_equal(ossl_oaep(alg, lab, 5, bad, k, ref), 0);

        db[dblen - 1] = 0x00; /* no 01 separator */
        make_oaep(alg, db, k, bad);
        expect_oaep_refused(alg, lab, 5, bad, k, max);

        db[h] = 0x01; /* PS empty, M maximal: valid */
        fill(db + h + 1, max);
        make_oaep(alg, db, k, bad);
        assert_int_equal(oaep(alg, lab, 5, bad, k, out, max, &m_len), 0);
        assert_int_equal(m_len, max);
        assert_memory_equal(out, db + h + 1, max);

        memset(db + h, 0, dblen - h); /* a byte other than 00 before the 01 */
        db[h + 3] = 0x02;
        db[h + 7] = 0x01;
        make_oaep(alg, db, k, bad);
        expect_oaep_refused(alg, lab, 5, bad, k, max);
        db[h + 3] = 0xFF;
        make_oaep(alg, db, k, bad);
        expect_oaep_refused(alg, lab, 5, bad, k, max);
        db[h + 3] = 0x00; /* back to valid: 7 bytes of PS ... */
        make_oaep(alg, db, k, bad);
        assert_int_equal(oaep(alg, lab, 5, bad, k, out, max, &m_len), 0);
        assert_int_equal(m_len, dblen - h - 8);
        db[h - 1] ^= 0x01; /* ... with the last lHash byte wrong */
        make_oaep(alg, db, k, bad);
        expect_oaep_refused(alg, lab, 5, bad, k, max);
        db[h - 1] ^= 0x01;
        db[0] ^= 0x80; /* ... with the first lHash byte wrong */
        make_oaep(alg, db, k, bad);
        expect_oaep_refused(alg, lab, 5, bad, k, max);

        /* k too small: 2hLen + 1 refused, 2hLen + 2 takes an empty message only */
        assert_int_equal(RSA_padding_add_PKCS1_OAEP_mgf1(em, (int)(2 * h + 2), msg, 0, NULL, 0,
                                                         ch_hash_evp_md(alg), ch_hash_evp_md(alg)),
                         1);
        assert_int_equal(oaep(alg, NULL, 0, em, 2 * h + 2, out, 0, &m_len), 0);
        assert_int_equal(m_len, 0);
        expect_oaep_refused(alg, NULL, 0, em, 2 * h + 1, sizeof out);
        expect_oaep_refused(alg, NULL, 0, em, 0, sizeof out);
        /* cap too small */
        assert_int_equal(RSA_padding_add_PKCS1_OAEP_mgf1(em, (int)k, msg, 1, NULL, 0,
                                                         ch_hash_evp_md(alg), ch_hash_evp_md(alg)),
                         1);
        assert_int_equal(oaep(alg, NULL, 0, em, k, out, max - 1, &m_len), -1);
        /* NULL pointers; an unknown hash */
        memset(out, 0xAA, sizeof out);
        assert_int_equal(ch_pad_oaep_decrypt(alg, NULL, 0, em, k, out, max, NULL), -1);
        for (i = 0; i < max; i++)
            assert_int_equal(out[i], 0);
        assert_int_equal(oaep(alg, NULL, 3, em, k, out, max, &m_len), -1);
        assert_int_equal(oaep(alg, NULL, 0, NULL, k, out, max, &m_len), -1);
        assert_int_equal(oaep(CH_HASH_NONE, NULL, 0, em, k, out, max, &m_len), -1);
        assert_int_equal(oaep((ch_hash_alg)9, NULL, 0, em, k, out, max, &m_len), -1);
    }
}

static void test_oaep_bit_flips_agree(void **state)
{
    uint8_t em[KMAX], bad[KMAX], out[KMAX], ref[KMAX], msg[KMAX];
    size_t j, k, h, pos, n, m_len;
    int rc, ref_rc;

    (void)state;
    for (j = 0; j < ARRAY_LEN(ALGS); j++) {
        h = ch_hash_len(ALGS[j]);
        k = 2 * h + 2 + 40;
        n = 20;
        fill(msg, n);
        assert_int_equal(RSA_padding_add_PKCS1_OAEP_mgf1(em, (int)k, msg, (int)n, NULL, 0,
                                                         ch_hash_evp_md(ALGS[j]),
                                                         ch_hash_evp_md(ALGS[j])),
                         1);
        for (pos = 0; pos < k; pos++) {
            memcpy(bad, em, k);
            bad[pos] ^= (uint8_t)(1u << (pos % 8));
            rc = oaep(ALGS[j], NULL, 0, bad, k, out, k - 2 * h - 2, &m_len);
            ref_rc = ossl_oaep(ALGS[j], NULL, 0, bad, k, ref);
            assert_int_equal(rc == 0 ? (int)m_len : -1, ref_rc);
            assert_int_equal(rc, -1); /* any flip breaks lHash or Y */
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_by_calg),
        cmocka_unit_test(test_hash_by_name),
        cmocka_unit_test(test_sign_matches_type1),
        cmocka_unit_test(test_sign_equals_openssl_signature),
        cmocka_unit_test(test_pkcs1_round_trip),
        cmocka_unit_test(test_pkcs1_malformed),
        cmocka_unit_test(test_pkcs1_bit_flips_agree),
        cmocka_unit_test(test_mgf1_matches_openssl),
        cmocka_unit_test(test_oaep_round_trip),
        cmocka_unit_test(test_oaep_malformed),
        cmocka_unit_test(test_oaep_bit_flips_agree),
    };
    return cmocka_run_group_tests(tests, setup_key, free_key);
}
