/* Key blobs for CardCreateContainerEx key import (src/md/md_keyblob.c) against OpenSSL.
 *
 * OpenSSL makes the keys (RSA 1024..4096 with e = 65537, one with e = 3, P-256 and P-384), its
 * MSBLOB writer makes the RSA blobs (and our test encoder must produce the same bytes), and
 * its BIGNUMs say which of the header's equations a deliberately broken key violates, so each
 * INCONSISTENT case is shown to break the one equation it targets and no other. An EC blob is
 * INCONSISTENT when its on-curve point is not d*G (another key's point, -P, d +- 1), and the
 * extremes d = 1 and d = n - 1 are taken with their own points (G, -G).
 *
 * Every parse runs on an exact-size heap copy (ASan sees a read past the end) with *kb filled
 * with a pattern first: a refusal must leave it untouched. Every parse is also cross-checked
 * with ch_keyblob_size run on heap buffers of exactly the bytes it may read. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include "keyblob_oracle.h"
#include "md_keyblob.h"
#include "scarderr.h"

#define PATTERN 0xA5u
#define RSA_KEYS 4

static const unsigned rsa_sizes[RSA_KEYS] = {1024, 2048, 3072, 4096};
static kbo_rsa rsa[RSA_KEYS]; /* e = 65537 */
static kbo_rsa rsa_e3;        /* 1024 bits, e = 3 */
static kbo_ec ec[2];          /* P-256, P-384 */

static int setup(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < RSA_KEYS; i++)
        kbo_rsa_generate(&rsa[i], rsa_sizes[i], 65537);
    kbo_rsa_generate(&rsa_e3, 1024, 3);
    kbo_ec_generate(&ec[0], 32);
    kbo_ec_generate(&ec[1], 48);
    return 0;
}

static int teardown(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < RSA_KEYS; i++)
        kbo_rsa_free(&rsa[i]);
    kbo_rsa_free(&rsa_e3);
    kbo_ec_free(&ec[0]);
    kbo_ec_free(&ec[1]);
    return 0;
}

/* ---- the parser, with its contracts checked on every call ------------------------------ */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Whether ch_keyblob_size may read 20 bytes of b (a PRIVATEKEYBLOB header with a good alg),
 * spelled out from md_keyblob.h. */
static int may_read_20(const uint8_t *b)
{
    uint32_t alg = le32(b + 4);
    return b[0] == 0x07 && b[1] == 0x02 && (alg == 0xA400u || alg == 0x2400u);
}

/* ch_keyblob_size on a heap copy of exactly the bytes it may read; *len keeps a sentinel
 * unless OK. The caller guarantees 8 (and, when may_read_20, 20) bytes. */
static ch_kb_err size_exact(const uint8_t *b, size_t *len)
{
    size_t n = may_read_20(b) ? CH_KEYBLOB_RSA_HDR : CH_KEYBLOB_HDR;
    uint8_t *c = kbo_dup(b, n);
    ch_kb_err e;

    *len = 0xDEADu;
    e = ch_keyblob_size(c, len);
    free(c);
    if (e != CH_KB_OK)
        assert_int_equal(*len, 0xDEADu);
    else
        assert_true(*len <= CH_KEYBLOB_MAX);
    return e;
}

static int untouched(const ch_keyblob *kb)
{
    const uint8_t *p = (const uint8_t *)kb;
    size_t i;
    for (i = 0; i < sizeof *kb; i++) {
        if (p[i] != PATTERN)
            return 0;
    }
    return 1;
}

/* Parses an exact heap copy of b[0..n); on failure *kb must keep the pattern. When the
 * header can be sized, ch_keyblob_size must agree with the verdict. */
static ch_kb_err parse(const uint8_t *b, size_t n, ch_keyblob *out)
{
    ch_keyblob kb;
    uint8_t *c = kbo_dup(b, n);
    ch_kb_err e, s;
    size_t len;

    memset(&kb, PATTERN, sizeof kb);
    e = ch_keyblob_parse(c, n, &kb);
    free(c);
    if (e != CH_KB_OK && !untouched(&kb))
        fail_msg("refused blob (%s) wrote *kb", ch_kb_err_name(e));
    if (n >= CH_KEYBLOB_HDR && (!may_read_20(b) || n >= CH_KEYBLOB_RSA_HDR)) {
        s = size_exact(b, &len);
        if (s == CH_KB_OK) {
            if (n < len)
                assert_int_equal(e, CH_KB_SHORT);
            else if (n > len)
                assert_int_equal(e, CH_KB_TRAILING);
            else
                assert_true(e == CH_KB_OK || e == CH_KB_UNSUPPORTED ||
                            e == CH_KB_INCONSISTENT || e == CH_KB_OFF_CURVE ||
                            e == CH_KB_BAD_SCALAR);
        } else if (s == CH_KB_UNSUPPORTED && may_read_20(b)) {
            assert_true(e == CH_KB_UNSUPPORTED || e == CH_KB_SHORT || e == CH_KB_TRAILING);
        } else {
            assert_int_equal(e, s);
        }
    }
    if (out)
        *out = kb;
    ch_keyblob_wipe(&kb);
    return e;
}

#define EXPECT(b, n, want) expect_parse((b), (n), (want), __LINE__)
static void expect_parse(const uint8_t *b, size_t n, ch_kb_err want, int line)
{
    ch_kb_err got = parse(b, n, NULL);
    if (got != want)
        fail_msg("line %d: got %s, want %s", line, ch_kb_err_name(got), ch_kb_err_name(want));
}

/* A blob with header h and a zero body of the length h->bitlen implies (for bitlen checks). */
static uint8_t *rsa_header_blob(const kbo_rsa_hdr *h, size_t *len)
{
    size_t n = h->bitlen % 16u == 0 && h->bitlen <= 16384u ? kbo_rsa_blob_len(h->bitlen) : 20u;
    uint8_t *b = calloc(1, n);
    assert_non_null(b);
    b[0] = h->type;
    b[1] = h->version;
    b[4] = (uint8_t)h->alg;
    b[5] = (uint8_t)(h->alg >> 8);
    b[6] = (uint8_t)(h->alg >> 16);
    b[7] = (uint8_t)(h->alg >> 24);
    b[8] = (uint8_t)h->magic;
    b[9] = (uint8_t)(h->magic >> 8);
    b[10] = (uint8_t)(h->magic >> 16);
    b[11] = (uint8_t)(h->magic >> 24);
    b[12] = (uint8_t)h->bitlen;
    b[13] = (uint8_t)(h->bitlen >> 8);
    b[14] = (uint8_t)(h->bitlen >> 16);
    b[15] = (uint8_t)(h->bitlen >> 24);
    b[16] = (uint8_t)h->pubexp;
    b[17] = (uint8_t)(h->pubexp >> 8);
    b[18] = (uint8_t)(h->pubexp >> 16);
    b[19] = (uint8_t)(h->pubexp >> 24);
    *len = n;
    return b;
}

/* The blob of key k with header h, expecting `want`. */
static void expect_rsa(const kbo_rsa_hdr *h, const kbo_rsa *k, ch_kb_err want, int line)
{
    size_t n;
    uint8_t *b = kbo_rsa_blob(h, k, &n);
    expect_parse(b, n, want, line);
    free(b);
}

static void expect_be(const BIGNUM *bn, const uint8_t *got, size_t len)
{
    uint8_t want[512];
    assert_true(len <= sizeof want);
    kbo_bn_be(bn, want, len);
    assert_memory_equal(got, want, len);
}

/* ---- every supported key parses, with OpenSSL's numbers -------------------------------- */

static void test_rsa_all_sizes(void **state)
{
    size_t i, n, on, len;
    ch_keyblob kb;
    (void)state;

    for (i = 0; i < RSA_KEYS; i++) {
        const kbo_rsa *k = &rsa[i];
        kbo_rsa_hdr h = kbo_rsa_default_hdr(k);
        size_t nb = k->bits / 8, hb = k->bits / 16;
        uint8_t *b = kbo_rsa_blob(&h, k, &n), *ob = kbo_rsa_openssl_blob(k, 0, &on);

        /* Our test encoder writes what OpenSSL's MSBLOB writer writes. */
        assert_int_equal(n, on);
        assert_memory_equal(b, ob, n);
        assert_int_equal(parse(ob, on, &kb), CH_KB_OK);
        assert_int_equal(kb.type, CH_PIV_KEY_RSA);
        assert_int_equal(kb.bits, k->bits);
        assert_int_equal(kb.alg, CALG_RSA_KEYX);
        assert_int_equal(kb.magic, CH_RSA2_MAGIC);
        assert_int_equal(kb.e, 65537);
        expect_be(k->n, kb.n, nb);
        expect_be(k->d, kb.d, nb);
        expect_be(k->p, kb.p, hb);
        expect_be(k->q, kb.q, hb);
        expect_be(k->dp, kb.dp, hb);
        expect_be(k->dq, kb.dq, hb);
        expect_be(k->qinv, kb.qinv, hb);
        assert_int_equal(size_exact(ob, &len), CH_KB_OK);
        assert_int_equal(len, n);
        ch_keyblob_wipe(&kb);
        /* NULL kb: check only. */
        assert_int_equal(ch_keyblob_parse(ob, on, NULL), CH_KB_OK);
        free(b);
        free(ob);

        /* AT_SIGNATURE's algorithm, and reserved bytes, which are ignored. */
        h.alg = CALG_RSA_SIGN;
        h.reserved = 0xFFFF;
        b = kbo_rsa_blob(&h, k, &n);
        assert_int_equal(parse(b, n, &kb), CH_KB_OK);
        assert_int_equal(kb.alg, CALG_RSA_SIGN);
        expect_be(k->d, kb.d, nb);
        ch_keyblob_wipe(&kb);
        free(b);
    }
    assert_int_equal(kbo_rsa_blob_len(4096), CH_KEYBLOB_MAX);
}

static const uint32_t ec_priv_magic[2][2] = {
    {BCRYPT_ECDSA_PRIVATE_P256_MAGIC, BCRYPT_ECDH_PRIVATE_P256_MAGIC},
    {BCRYPT_ECDSA_PRIVATE_P384_MAGIC, BCRYPT_ECDH_PRIVATE_P384_MAGIC},
};

static void test_ec_all_kinds(void **state)
{
    size_t c, m, n, len;
    ch_keyblob kb;
    (void)state;

    for (c = 0; c < 2; c++) {
        const kbo_ec *k = &ec[c];
        for (m = 0; m < 2; m++) {
            uint8_t *b = kbo_ec_blob(ec_priv_magic[c][m], (uint32_t)k->field, k->field, k->x,
                                     k->y, k->d, &n);
            assert_int_equal(parse(b, n, &kb), CH_KB_OK);
            assert_int_equal(kb.type, c == 0 ? CH_PIV_KEY_P256 : CH_PIV_KEY_P384);
            assert_int_equal(kb.bits, 8 * k->field);
            assert_int_equal(kb.field, k->field);
            assert_int_equal(kb.magic, ec_priv_magic[c][m]);
            expect_be(k->x, kb.x, k->field);
            expect_be(k->y, kb.y, k->field);
            expect_be(k->d, kb.k, k->field);
            assert_int_equal(size_exact(b, &len), CH_KB_OK);
            assert_int_equal(len, n);
            assert_int_equal(n, 8 + 3 * k->field);
            ch_keyblob_wipe(&kb);
            free(b);
        }
    }
}

/* ---- RSA header and length errors ----------------------------------------------------- */

static void test_rsa_header_errors(void **state)
{
    const kbo_rsa *k = &rsa[0];
    kbo_rsa_hdr h0 = kbo_rsa_default_hdr(k), h;
    static const uint8_t bad_types[][2] = {{0x06, 0x02}, {0x00, 0x02}, {0x08, 0x02},
                                           {0xFF, 0x02}, {0x07, 0x01}, {0x07, 0x03},
                                           {0x07, 0x00}, {0x06, 0x01}};
    static const uint32_t bad_algs[] = {0, CALG_RSA_KEYX + 1u, CALG_SHA1, 0x2200u,
                                        0xA4000000u, 0xFFFFFFFFu};
    static const uint32_t bad_magics[] = {CH_RSA1_MAGIC, 0x32535344u /* DSS2 */, 0,
                                          BCRYPT_ECDSA_PRIVATE_P256_MAGIC, 0x52534132u};
    size_t i, n, ob_len;
    uint8_t *b, *ob;
    (void)state;

    for (i = 0; i < sizeof bad_types / sizeof bad_types[0]; i++) {
        h = h0;
        h.type = bad_types[i][0];
        h.version = bad_types[i][1];
        expect_rsa(&h, k, CH_KB_BAD_TYPE, __LINE__);
        h.alg = 0; /* the first failure wins */
        expect_rsa(&h, k, CH_KB_BAD_TYPE, __LINE__);
    }
    /* OpenSSL's PUBLICKEYBLOB of the same key. */
    ob = kbo_rsa_openssl_blob(k, 1, &ob_len);
    assert_int_equal(ob[0], 0x06);
    EXPECT(ob, ob_len, CH_KB_BAD_TYPE);
    free(ob);

    for (i = 0; i < sizeof bad_algs / sizeof bad_algs[0]; i++) {
        h = h0;
        h.alg = bad_algs[i];
        expect_rsa(&h, k, CH_KB_BAD_ALG, __LINE__);
        h.magic = CH_RSA1_MAGIC;
        expect_rsa(&h, k, CH_KB_BAD_ALG, __LINE__);
    }
    for (i = 0; i < sizeof bad_magics / sizeof bad_magics[0]; i++) {
        h = h0;
        h.magic = bad_magics[i];
        expect_rsa(&h, k, CH_KB_BAD_MAGIC, __LINE__);
        h.bitlen = 0;
        b = rsa_header_blob(&h, &n);
        EXPECT(b, n, CH_KB_BAD_MAGIC);
        free(b);
    }

    /* Bit lengths: malformed (BAD_SIZE) before the length; well formed but not PIV's
     * (UNSUPPORTED) only once the length is right. */
    {
        static const uint32_t bad[] = {0, 1023, 1032, 1025, 16400, 16385, 0x80000000u,
                                       0xFFFFFFF0u, 0xFFFFFFFFu};
        static const uint32_t unsupported[] = {16, 512, 1536, 2064, 8192, 16384};
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            h = h0;
            h.bitlen = bad[i];
            b = rsa_header_blob(&h, &n);
            EXPECT(b, n, CH_KB_BAD_SIZE);
            free(b);
        }
        for (i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
            h = h0;
            h.bitlen = unsupported[i];
            b = rsa_header_blob(&h, &n);
            EXPECT(b, n, CH_KB_UNSUPPORTED);
            EXPECT(b, n - 1, CH_KB_SHORT);
            EXPECT(b, 20, CH_KB_SHORT);
            h.pubexp = 4; /* the size is refused before the exponent is looked at */
            free(b);
            b = rsa_header_blob(&h, &n);
            EXPECT(b, n, CH_KB_UNSUPPORTED);
            free(b);
        }
        /* 8192 with one byte too many; and the real 1024-bit body under an 8192 header. */
        h = h0;
        h.bitlen = 8192;
        b = rsa_header_blob(&h, &n);
        {
            uint8_t *longer = calloc(1, n + 1);
            assert_non_null(longer);
            memcpy(longer, b, n);
            EXPECT(longer, n + 1, CH_KB_TRAILING);
            free(longer);
        }
        free(b);
        b = kbo_rsa_blob(&h0, k, &n);
        b[13] = 0x20; /* bitlen 1024 -> 8192 */
        EXPECT(b, n, CH_KB_SHORT);
        free(b);
    }
}

static void test_rsa_length_errors(void **state)
{
    size_t i, n, cut;
    uint8_t *b, *longer;
    (void)state;

    /* NULL and empty input. */
    assert_int_equal(ch_keyblob_parse(NULL, 0, NULL), CH_KB_SHORT);
    assert_int_equal(ch_keyblob_parse(NULL, 5, NULL), CH_KB_SHORT);
    for (i = 0; i < RSA_KEYS; i++) {
        kbo_rsa_hdr h = kbo_rsa_default_hdr(&rsa[i]);
        b = kbo_rsa_blob(&h, &rsa[i], &n);
        /* Every truncation of the 1024-bit blob (header included); two of the others. */
        if (i == 0) {
            for (cut = 0; cut < n; cut++)
                EXPECT(b, cut, CH_KB_SHORT);
        } else {
            EXPECT(b, n - 1, CH_KB_SHORT);
            EXPECT(b, n / 2, CH_KB_SHORT);
        }
        longer = calloc(1, n + 7);
        assert_non_null(longer);
        memcpy(longer, b, n);
        EXPECT(longer, n + 1, CH_KB_TRAILING);
        EXPECT(longer, n + 7, CH_KB_TRAILING);
        free(longer);
        free(b);
    }
}

/* ---- exponent ------------------------------------------------------------------------- */

static void test_rsa_exponent(void **state)
{
    const kbo_rsa *k = &rsa[0];
    kbo_rsa_hdr h;
    static const uint32_t inconsistent[] = {0, 1, 2, 4, 65536, 0x80000000u};
    static const uint32_t unsupported[] = {3, 5, 17, 65539, 0xFFFFFFFFu};
    size_t i;
    (void)state;

    h = kbo_rsa_default_hdr(k);
    assert_int_equal(h.pubexp, 65537);
    expect_rsa(&h, k, CH_KB_OK, __LINE__);
    for (i = 0; i < sizeof inconsistent / sizeof inconsistent[0]; i++) {
        h.pubexp = inconsistent[i];
        expect_rsa(&h, k, CH_KB_INCONSISTENT, __LINE__);
    }
    for (i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
        h.pubexp = unsupported[i];
        expect_rsa(&h, k, CH_KB_UNSUPPORTED, __LINE__);
    }
    /* A real, consistent e = 3 key: PIV import takes 65537 only. */
    h = kbo_rsa_default_hdr(&rsa_e3);
    assert_int_equal(h.pubexp, 3);
    assert_int_equal(kbo_rsa_failing(&rsa_e3, 1024), 0);
    expect_rsa(&h, &rsa_e3, CH_KB_UNSUPPORTED, __LINE__);
}

/* ---- consistency: each equation broken on its own -------------------------------------- */

/* k's blob must be INCONSISTENT, and OpenSSL must agree that exactly `only` fails. */
static void expect_only(const kbo_rsa *k, unsigned only, int line)
{
    kbo_rsa_hdr h = kbo_rsa_default_hdr(k);
    unsigned f = kbo_rsa_failing(k, k->bits);
    if (f != only)
        fail_msg("line %d: construction broke equations %#x, meant %#x", line, f, only);
    expect_rsa(&h, k, only ? CH_KB_INCONSISTENT : CH_KB_OK, line);
}

static BIGNUM *prime_of(int bits)
{
    BIGNUM *p = BN_new(), *r = BN_new();
    assert_non_null(p);
    assert_non_null(r);
    do {
        assert_int_equal(BN_generate_prime_ex(p, bits, 0, NULL, NULL, NULL), 1);
        assert_int_equal(BN_sub(r, p, BN_value_one()), 1);
    } while (BN_mod_word(r, 65537) == 0); /* e must be invertible mod p - 1 */
    BN_free(r);
    return p;
}

static void test_rsa_each_equation(void **state)
{
    kbo_rsa k;
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *p1 = BN_new(), *q1 = BN_new(), *g = BN_new(), *lambda = BN_new(), *t = BN_new(),
           *a = BN_new(), *m = BN_new(), *lim = BN_new();
    unsigned tries;
    int done;
    (void)state;

    assert_non_null(ctx);
    assert_non_null(lim);
    assert_int_equal(BN_lshift(lim, BN_value_one(), 1024), 1); /* 2^1024 */

    /* Control: a key made by hand from two 512-bit primes is accepted... */
    for (tries = 0;; tries++) {
        assert_true(tries < 200);
        kbo_rsa_from_primes(&k, 1024, prime_of(512), prime_of(512), 65537);
        if (BN_num_bits(k.n) == 1024)
            break;
        kbo_rsa_free(&k);
    }
    expect_only(&k, 0, __LINE__);
    kbo_rsa_free(&k);
    /* ...and with a 511-bit prime n is shorter than the blob's bitlen, nothing else wrong. */
    kbo_rsa_from_primes(&k, 1024, prime_of(511), prime_of(512), 65537);
    expect_only(&k, KBO_EQ_N_BITS, __LINE__);
    kbo_rsa_free(&k);

    /* An even "prime" p = 2 * p' with everything else computed from it (e invertible mod
     * p - 1 and q - 1): only "p odd" is broken, n even but of full length. */
    for (tries = 0;; tries++) {
        BIGNUM *p = prime_of(511), *p1e = BN_new();
        assert_true(tries < 200);
        assert_non_null(p1e);
        assert_int_equal(BN_lshift1(p, p), 1);
        assert_int_equal(BN_sub(p1e, p, BN_value_one()), 1);
        if (BN_mod_word(p1e, 65537) == 0) {
            BN_free(p);
            BN_free(p1e);
            continue;
        }
        BN_free(p1e);
        kbo_rsa_from_primes(&k, 1024, p, prime_of(512), 65537);
        if (BN_num_bits(k.n) == 1024)
            break;
        kbo_rsa_free(&k);
    }
    expect_only(&k, KBO_EQ_P_ODD, __LINE__);
    kbo_rsa_free(&k);

    /* n one bit off (bit 1: still odd, same length): p * q != n alone. */
    kbo_rsa_copy(&k, &rsa[0]);
    assert_int_equal(BN_is_bit_set(k.n, 1) ? BN_clear_bit(k.n, 1) : BN_set_bit(k.n, 1), 1);
    expect_only(&k, KBO_EQ_PQ_N, __LINE__);
    kbo_rsa_free(&k);

    /* d + (q - 1) (or minus): d mod (q - 1) is unchanged, d mod (p - 1) is not. */
    kbo_rsa_copy(&k, &rsa[1]);
    assert_int_equal(BN_sub(q1, k.q, BN_value_one()), 1);
    assert_int_equal(BN_cmp(k.d, q1) > 0 ? BN_sub(k.d, k.d, q1) : BN_add(k.d, k.d, q1), 1);
    expect_only(&k, KBO_EQ_DP, __LINE__);
    kbo_rsa_free(&k);
    kbo_rsa_copy(&k, &rsa[1]);
    assert_int_equal(BN_sub(p1, k.p, BN_value_one()), 1);
    assert_int_equal(BN_cmp(k.d, p1) > 0 ? BN_sub(k.d, k.d, p1) : BN_add(k.d, k.d, p1), 1);
    expect_only(&k, KBO_EQ_DQ, __LINE__);
    kbo_rsa_free(&k);

    /* e * dp != 1 mod (p - 1) while dp == d mod (p - 1) and dq == d mod (q - 1): move d to
     * the residue dp + g mod (p - 1) (g = gcd(p - 1, q - 1)) keeping d mod (q - 1), by adding
     * t * (q - 1) with t = ((q - 1) / g)^-1 mod ((p - 1) / g); reduce mod lcm. */
    {
        int which;
        for (which = 0; which < 2; which++) {
            const BIGNUM *P, *Q;
            kbo_rsa_copy(&k, &rsa[which]);
            P = which ? k.q : k.p; /* the prime whose exponent is to break */
            Q = which ? k.p : k.q;
            assert_int_equal(BN_sub(p1, P, BN_value_one()), 1);
            assert_int_equal(BN_sub(q1, Q, BN_value_one()), 1);
            assert_int_equal(BN_gcd(g, p1, q1, ctx), 1);
            assert_int_equal(BN_div(a, NULL, q1, g, ctx), 1);
            assert_int_equal(BN_div(m, NULL, p1, g, ctx), 1);
            assert_non_null(BN_mod_inverse(t, a, m, ctx));
            assert_int_equal(BN_mul(t, t, q1, ctx), 1);
            assert_int_equal(BN_add(k.d, k.d, t), 1);
            assert_int_equal(BN_mul(lambda, p1, q1, ctx), 1);
            assert_int_equal(BN_div(lambda, NULL, lambda, g, ctx), 1);
            assert_int_equal(BN_mod(k.d, k.d, lambda, ctx), 1);
            assert_int_equal(BN_mod(which ? k.dq : k.dp, k.d, p1, ctx), 1);
            expect_only(&k, which ? KBO_EQ_E_DQ : KBO_EQ_E_DP, __LINE__);
            kbo_rsa_free(&k);
        }
    }

    /* q * qinv != 1 mod p: qinv one bit off, still below p. */
    kbo_rsa_copy(&k, &rsa[0]);
    assert_int_equal(BN_is_bit_set(k.qinv, 1) ? BN_clear_bit(k.qinv, 1)
                                              : BN_set_bit(k.qinv, 1), 1);
    expect_only(&k, KBO_EQ_QINV, __LINE__);
    kbo_rsa_free(&k);

    /* d >= n (d + j * lcm, still below 2^bits) and qinv >= p (qinv + p, still in bits/16
     * bytes): both need a key where the larger number fits; fresh 1024-bit keys until one
     * does. qinv + p fits for about 11% of OpenSSL's keys (11 of 100 `openssl genrsa 1024`
     * keys; p has its top two bits set, so 2^512 - p < p / 3): 64 tries miss about once in
     * 1700 runs (it happened in CI), 2000 tries about once in 10^100; the loop stops at the
     * first key that serves (a handful, typically). */
    done = 0;
    for (tries = 0; tries < 2000 && done != 3; tries++) {
        kbo_rsa_generate(&k, 1024, 65537);
        if (!(done & 1)) {
            assert_int_equal(BN_sub(p1, k.p, BN_value_one()), 1);
            assert_int_equal(BN_sub(q1, k.q, BN_value_one()), 1);
            assert_int_equal(BN_gcd(g, p1, q1, ctx), 1);
            assert_int_equal(BN_mul(lambda, p1, q1, ctx), 1);
            assert_int_equal(BN_div(lambda, NULL, lambda, g, ctx), 1);
            /* t = d + lambda * ceil((n - d) / lambda) */
            assert_int_equal(BN_sub(t, k.n, k.d), 1);
            assert_int_equal(BN_add(t, t, lambda), 1);
            assert_int_equal(BN_sub(t, t, BN_value_one()), 1);
            assert_int_equal(BN_div(t, NULL, t, lambda, ctx), 1);
            assert_int_equal(BN_mul(t, t, lambda, ctx), 1);
            assert_int_equal(BN_add(t, t, k.d), 1);
            if (BN_cmp(t, lim) < 0) {
                kbo_rsa one;
                kbo_rsa_copy(&one, &k);
                assert_non_null(BN_copy(one.d, t));
                expect_only(&one, KBO_EQ_D_LT_N, __LINE__);
                kbo_rsa_free(&one);
                done |= 1;
            }
        }
        if (!(done & 2)) {
            assert_int_equal(BN_add(t, k.qinv, k.p), 1);
            if (BN_num_bits(t) <= 512) {
                kbo_rsa one;
                kbo_rsa_copy(&one, &k);
                assert_non_null(BN_copy(one.qinv, t));
                expect_only(&one, KBO_EQ_QINV_LT_P, __LINE__);
                kbo_rsa_free(&one);
                done |= 2;
            }
        }
        kbo_rsa_free(&k);
    }
    assert_int_equal(done, 3);

    BN_free(p1);
    BN_free(q1);
    BN_free(g);
    BN_free(lambda);
    BN_free(t);
    BN_free(a);
    BN_free(m);
    BN_free(lim);
    BN_CTX_free(ctx);
}

/* Bit flips straight in the blob (the header's list: p, dp, dq, qinv, d, n) and degenerate
 * primes that must not reach a reduction modulo p - 1 == 0 or -1. */
static void test_rsa_bit_flips_and_degenerate(void **state)
{
    static const struct {
        enum kbo_rsa_field f;
        uint8_t bit;
    } flips[] = {{KBO_P, 0x02}, {KBO_P, 0x01}, {KBO_Q, 0x02}, {KBO_DP, 0x02}, {KBO_DQ, 0x04},
                 {KBO_QINV, 0x02}, {KBO_D, 0x02}, {KBO_N, 0x02}};
    size_t i, j, n;
    uint8_t *b;
    (void)state;

    for (j = 0; j < 2; j++) {
        const kbo_rsa *k = &rsa[j];
        kbo_rsa_hdr h = kbo_rsa_default_hdr(k);
        for (i = 0; i < sizeof flips / sizeof flips[0]; i++) {
            b = kbo_rsa_blob(&h, k, &n);
            b[kbo_rsa_offset(k->bits, flips[i].f)] ^= flips[i].bit;
            EXPECT(b, n, CH_KB_INCONSISTENT);
            free(b);
        }
        /* n's top bit cleared. */
        b = kbo_rsa_blob(&h, k, &n);
        b[kbo_rsa_offset(k->bits, KBO_P) - 1] &= 0x7F;
        EXPECT(b, n, CH_KB_INCONSISTENT);
        free(b);
    }
    {
        const kbo_rsa *k = &rsa[0];
        kbo_rsa_hdr h = kbo_rsa_default_hdr(k);
        static const unsigned long small[] = {0, 1, 2};
        for (i = 0; i < 3; i++) {
            kbo_rsa d;
            kbo_rsa_copy(&d, k);
            assert_int_equal(BN_set_word(d.p, small[i]), 1);
            expect_rsa(&h, &d, CH_KB_INCONSISTENT, __LINE__);
            assert_non_null(BN_copy(d.p, k->p));
            assert_int_equal(BN_set_word(d.q, small[i]), 1);
            expect_rsa(&h, &d, CH_KB_INCONSISTENT, __LINE__);
            kbo_rsa_free(&d);
        }
        /* All-zero and all-FF bodies. */
        b = kbo_rsa_blob(&h, k, &n);
        memset(b + 20, 0, n - 20);
        EXPECT(b, n, CH_KB_INCONSISTENT);
        memset(b + 20, 0xFF, n - 20);
        EXPECT(b, n, CH_KB_INCONSISTENT);
        free(b);
    }
}

/* ---- ECC errors ----------------------------------------------------------------------- */

static void expect_ec(uint32_t magic, uint32_t cb, const kbo_ec *k, const BIGNUM *x,
                      const BIGNUM *y, const BIGNUM *d, ch_kb_err want, int line)
{
    size_t n;
    uint8_t *b = kbo_ec_blob(magic, cb, k->field, x, y, d, &n);
    expect_parse(b, n, want, line);
    free(b);
}

static void test_ec_header_errors(void **state)
{
    static const uint32_t not_private[] = {
        BCRYPT_ECDSA_PUBLIC_P256_MAGIC, BCRYPT_ECDSA_PUBLIC_P384_MAGIC,
        BCRYPT_ECDSA_PUBLIC_P521_MAGIC, BCRYPT_ECDH_PUBLIC_P256_MAGIC,
        BCRYPT_ECDH_PUBLIC_P384_MAGIC, BCRYPT_ECDH_PUBLIC_P521_MAGIC,
        0x37534345u /* ECS7 */, 0x304B4345u /* ECK0 */, 0x00004345u /* EC\0\0 */};
    static const uint32_t bad_cb[] = {0, 31, 33, 48, 64, 66, 0xFFFFFFFFu};
    size_t c, i, n, cut;
    uint8_t *b;
    (void)state;

    for (c = 0; c < 2; c++) {
        const kbo_ec *k = &ec[c];
        uint32_t f = (uint32_t)k->field;
        for (i = 0; i < sizeof not_private / sizeof not_private[0]; i++) {
            expect_ec(not_private[i], f, k, k->x, k->y, k->d, CH_KB_BAD_MAGIC, __LINE__);
            expect_ec(not_private[i], 7, k, k->x, k->y, k->d, CH_KB_BAD_MAGIC, __LINE__);
        }
        /* P-521 private keys are well formed but not PIV's: whatever cbKey and length. */
        expect_ec(BCRYPT_ECDSA_PRIVATE_P521_MAGIC, 66, k, k->x, k->y, k->d, CH_KB_UNSUPPORTED,
                  __LINE__);
        expect_ec(BCRYPT_ECDH_PRIVATE_P521_MAGIC, f, k, k->x, k->y, k->d, CH_KB_UNSUPPORTED,
                  __LINE__);
        for (i = 0; i < sizeof bad_cb / sizeof bad_cb[0]; i++) {
            if (bad_cb[i] == f)
                continue;
            expect_ec(ec_priv_magic[c][0], bad_cb[i], k, k->x, k->y, k->d, CH_KB_BAD_SIZE,
                      __LINE__);
            expect_ec(ec_priv_magic[c][1], bad_cb[i], k, k->x, k->y, k->d, CH_KB_BAD_SIZE,
                      __LINE__);
        }
        /* Every truncation, and trailing bytes. */
        b = kbo_ec_blob(ec_priv_magic[c][0], f, k->field, k->x, k->y, k->d, &n);
        for (cut = 0; cut < n; cut++)
            EXPECT(b, cut, CH_KB_SHORT);
        {
            uint8_t *longer = calloc(1, n + 1);
            assert_non_null(longer);
            memcpy(longer, b, n);
            EXPECT(longer, n + 1, CH_KB_TRAILING);
            free(longer);
        }
        free(b);
    }
    /* A P-384 body under a P-256 header: cbKey first. */
    expect_ec(BCRYPT_ECDSA_PRIVATE_P256_MAGIC, 48, &ec[1], ec[1].x, ec[1].y, ec[1].d,
              CH_KB_BAD_SIZE, __LINE__);
    /* A P-521 header alone (8 bytes): refused before the length. */
    b = kbo_ec_blob(BCRYPT_ECDSA_PRIVATE_P521_MAGIC, 66, 32, ec[0].x, ec[0].y, NULL, &n);
    EXPECT(b, 8, CH_KB_UNSUPPORTED);
    free(b);
}

/* A point (x0, y0) on k's curve with a small x0, so that x0 + p still fits the field. */
static void small_x_point(const kbo_ec *k, BIGNUM *x0, BIGNUM *y0)
{
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *rhs = BN_new(), *t = BN_new();
    unsigned long x;

    assert_non_null(ctx);
    assert_non_null(rhs);
    assert_non_null(t);
    for (x = 0;; x++) {
        assert_true(x < 1000);
        assert_int_equal(BN_set_word(x0, x), 1);
        /* rhs = x^3 - 3x + b mod p */
        assert_int_equal(BN_mod_sqr(t, x0, k->p, ctx), 1);
        assert_int_equal(BN_mod_mul(rhs, t, x0, k->p, ctx), 1);
        assert_int_equal(BN_mod_mul(t, x0, k->a, k->p, ctx), 1); /* a = p - 3 */
        assert_int_equal(BN_mod_add(rhs, rhs, t, k->p, ctx), 1);
        assert_int_equal(BN_mod_add(rhs, rhs, k->b, k->p, ctx), 1);
        ERR_set_mark();
        if (BN_mod_sqrt(y0, rhs, k->p, ctx) != NULL && kbo_ec_on_curve(k, x0, y0)) {
            ERR_pop_to_mark();
            break;
        }
        ERR_pop_to_mark();
    }
    BN_free(rhs);
    BN_free(t);
    BN_CTX_free(ctx);
}

static void test_ec_point_and_scalar_errors(void **state)
{
    size_t c;
    (void)state;

    for (c = 0; c < 2; c++) {
        const kbo_ec *k = &ec[c];
        uint32_t f = (uint32_t)k->field, magic = ec_priv_magic[c][c];
        BIGNUM *t = BN_new(), *x0 = BN_new(), *y0 = BN_new(), *zero = BN_new();
        assert_non_null(t);
        assert_non_null(x0);
        assert_non_null(y0);
        assert_non_null(zero);
        BN_zero(zero);

        /* Y + 1 is off the curve (OpenSSL agrees); with a bad scalar too, the point wins. */
        assert_int_equal(BN_add(t, k->y, BN_value_one()), 1);
        if (BN_cmp(t, k->p) >= 0)
            assert_int_equal(BN_sub(t, t, k->p), 1);
        assert_false(kbo_ec_on_curve(k, k->x, t));
        expect_ec(magic, f, k, k->x, t, k->d, CH_KB_OFF_CURVE, __LINE__);
        expect_ec(magic, f, k, k->x, t, zero, CH_KB_OFF_CURVE, __LINE__);
        /* -Y is on the curve, but (X, -Y) is (n - d)*G, not d*G. */
        assert_int_equal(BN_sub(t, k->p, k->y), 1);
        assert_true(kbo_ec_on_curve(k, k->x, t));
        expect_ec(magic, f, k, k->x, t, k->d, CH_KB_INCONSISTENT, __LINE__);
        /* X >= p: x0 + p denotes the same residue as an on-curve x0, and is still refused
         * (OFF_CURVE, before the scalar is looked at: the on-curve x0 itself is nobody's d*G
         * here, INCONSISTENT). */
        small_x_point(k, x0, y0);
        expect_ec(magic, f, k, x0, y0, k->d, CH_KB_INCONSISTENT, __LINE__);
        assert_int_equal(BN_add(t, x0, k->p), 1);
        assert_true(BN_num_bytes(t) <= (int)k->field);
        expect_ec(magic, f, k, t, y0, k->d, CH_KB_OFF_CURVE, __LINE__);
        expect_ec(magic, f, k, k->p, k->y, k->d, CH_KB_OFF_CURVE, __LINE__);
        expect_ec(magic, f, k, k->x, k->p, k->d, CH_KB_OFF_CURVE, __LINE__);
        /* X = Y = 0 (not on either curve: b != 0). */
        expect_ec(magic, f, k, zero, zero, k->d, CH_KB_OFF_CURVE, __LINE__);

        /* Scalars: 0, n, n + 1, all-ones refused (BAD_SCALAR comes before d*G is compared);
         * 1 and n - 1 are in range (and not this point's scalar: INCONSISTENT). */
        expect_ec(magic, f, k, k->x, k->y, zero, CH_KB_BAD_SCALAR, __LINE__);
        expect_ec(magic, f, k, k->x, k->y, k->order, CH_KB_BAD_SCALAR, __LINE__);
        assert_int_equal(BN_add(t, k->order, BN_value_one()), 1);
        expect_ec(magic, f, k, k->x, k->y, t, CH_KB_BAD_SCALAR, __LINE__);
        assert_int_equal(BN_sub(t, k->p, BN_value_one()), 1); /* p - 1 > n on both curves */
        assert_true(BN_cmp(t, k->order) > 0);
        expect_ec(magic, f, k, k->x, k->y, t, CH_KB_BAD_SCALAR, __LINE__);
        expect_ec(magic, f, k, k->x, k->y, BN_value_one(), CH_KB_INCONSISTENT, __LINE__);
        assert_int_equal(BN_sub(t, k->order, BN_value_one()), 1);
        expect_ec(magic, f, k, k->x, k->y, t, CH_KB_INCONSISTENT, __LINE__);
        /* With their own points the extremes are taken: 1 with G, n - 1 with -G. And n + 1
         * with G is still BAD_SCALAR, though (n + 1)*G == G. */
        {
            BIGNUM *gx = BN_new(), *gy = BN_new(), *ngy = BN_new();
            assert_non_null(gx);
            assert_non_null(gy);
            assert_non_null(ngy);
            assert_int_equal(EC_POINT_get_affine_coordinates(
                                 k->group, EC_GROUP_get0_generator(k->group), gx, gy, NULL),
                             1);
            assert_int_equal(BN_sub(ngy, k->p, gy), 1);
            expect_ec(magic, f, k, gx, gy, BN_value_one(), CH_KB_OK, __LINE__);
            expect_ec(magic, f, k, gx, ngy, t, CH_KB_OK, __LINE__);          /* t = n - 1 */
            expect_ec(magic, f, k, gx, gy, t, CH_KB_INCONSISTENT, __LINE__); /* G != -G */
            expect_ec(magic, f, k, gx, ngy, BN_value_one(), CH_KB_INCONSISTENT, __LINE__);
            assert_int_equal(BN_add(t, k->order, BN_value_one()), 1);
            expect_ec(magic, f, k, gx, gy, t, CH_KB_BAD_SCALAR, __LINE__);
            BN_free(gx);
            BN_free(gy);
            BN_free(ngy);
        }

        BN_free(t);
        BN_free(x0);
        BN_free(y0);
        BN_free(zero);
    }
}

/* An on-curve point and an in-range scalar that are not one key: INCONSISTENT, for every
 * private magic, with *kb untouched (parse() checks it) and with a NULL kb too. The card would
 * derive d*G from d and hold a key the CSP does not believe in. */
static void test_ec_point_not_of_scalar(void **state)
{
    size_t c, m, n;
    (void)state;

    for (c = 0; c < 2; c++) {
        const kbo_ec *k = &ec[c];
        uint32_t f = (uint32_t)k->field;
        kbo_ec other;
        BIGNUM *t = BN_new();
        uint8_t *b;

        assert_non_null(t);
        kbo_ec_generate(&other, k->field);
        assert_int_not_equal(BN_cmp(other.d, k->d), 0);
        for (m = 0; m < 2; m++) {
            uint32_t magic = ec_priv_magic[c][m];
            /* The control: each key with its own point. */
            expect_ec(magic, f, k, k->x, k->y, k->d, CH_KB_OK, __LINE__);
            expect_ec(magic, f, k, other.x, other.y, other.d, CH_KB_OK, __LINE__);
            /* Another key's X, Y under this d, and this X, Y under the other d. */
            expect_ec(magic, f, k, other.x, other.y, k->d, CH_KB_INCONSISTENT, __LINE__);
            expect_ec(magic, f, k, k->x, k->y, other.d, CH_KB_INCONSISTENT, __LINE__);
            /* d + 1 and d - 1 (both still in [1, n - 1] for a random d). */
            assert_int_equal(BN_add(t, k->d, BN_value_one()), 1);
            assert_true(BN_cmp(t, k->order) < 0);
            expect_ec(magic, f, k, k->x, k->y, t, CH_KB_INCONSISTENT, __LINE__);
            assert_int_equal(BN_sub(t, k->d, BN_value_one()), 1);
            assert_false(BN_is_zero(t));
            expect_ec(magic, f, k, k->x, k->y, t, CH_KB_INCONSISTENT, __LINE__);
            /* Check only. */
            b = kbo_ec_blob(magic, f, k->field, other.x, other.y, k->d, &n);
            assert_int_equal(ch_keyblob_parse(b, n, NULL), CH_KB_INCONSISTENT);
            assert_int_equal(ch_kb_scard(CH_KB_INCONSISTENT), SCARD_E_INVALID_PARAMETER);
            free(b);
        }
        BN_free(t);
        kbo_ec_free(&other);
    }
}

/* ---- ch_keyblob_size: exactly the bytes it may read ----------------------------------- */

static ch_kb_err size_heap(const uint8_t *hdr, size_t n, size_t *len)
{
    uint8_t *c = kbo_dup(hdr, n);
    ch_kb_err e;
    *len = 0xDEADu;
    e = ch_keyblob_size(c, len);
    free(c);
    return e;
}

static void test_size_reads_only_the_header(void **state)
{
    uint8_t h[20];
    size_t len, i;
    static const struct {
        uint32_t magic, cb;
        ch_kb_err want;
        size_t len;
    } ecc[] = {
        {BCRYPT_ECDSA_PRIVATE_P256_MAGIC, 32, CH_KB_OK, 104},
        {BCRYPT_ECDH_PRIVATE_P256_MAGIC, 32, CH_KB_OK, 104},
        {BCRYPT_ECDSA_PRIVATE_P384_MAGIC, 48, CH_KB_OK, 152},
        {BCRYPT_ECDH_PRIVATE_P384_MAGIC, 48, CH_KB_OK, 152},
        {BCRYPT_ECDSA_PRIVATE_P521_MAGIC, 66, CH_KB_UNSUPPORTED, 0},
        {BCRYPT_ECDH_PRIVATE_P521_MAGIC, 66, CH_KB_UNSUPPORTED, 0},
        {BCRYPT_ECDSA_PUBLIC_P256_MAGIC, 32, CH_KB_BAD_MAGIC, 0},
        {BCRYPT_ECDH_PUBLIC_P384_MAGIC, 48, CH_KB_BAD_MAGIC, 0},
        {BCRYPT_ECDSA_PRIVATE_P256_MAGIC, 48, CH_KB_BAD_SIZE, 0},
        {BCRYPT_ECDH_PRIVATE_P384_MAGIC, 0xFFFFFFFFu, CH_KB_BAD_SIZE, 0},
    };
    static const struct {
        uint8_t type, version;
        uint32_t alg, magic, bitlen;
        size_t heap; /* bytes it may read */
        ch_kb_err want;
        size_t len;
    } capi[] = {
        {0x07, 0x02, CALG_RSA_KEYX, CH_RSA2_MAGIC, 1024, 20, CH_KB_OK, 596},
        {0x07, 0x02, CALG_RSA_SIGN, CH_RSA2_MAGIC, 2048, 20, CH_KB_OK, 1172},
        {0x07, 0x02, CALG_RSA_KEYX, CH_RSA2_MAGIC, 3072, 20, CH_KB_OK, 1748},
        {0x07, 0x02, CALG_RSA_SIGN, CH_RSA2_MAGIC, 4096, 20, CH_KB_OK, CH_KEYBLOB_MAX},
        {0x06, 0x02, CALG_RSA_KEYX, CH_RSA1_MAGIC, 1024, 8, CH_KB_BAD_TYPE, 0},
        {0x07, 0x03, CALG_RSA_KEYX, CH_RSA2_MAGIC, 1024, 8, CH_KB_BAD_TYPE, 0},
        {0x00, 0x00, 0, 0, 0, 8, CH_KB_BAD_TYPE, 0},
        {0x07, 0x02, CALG_SHA1, CH_RSA2_MAGIC, 1024, 8, CH_KB_BAD_ALG, 0},
        {0x07, 0x02, CALG_RSA_KEYX, CH_RSA1_MAGIC, 1024, 20, CH_KB_BAD_MAGIC, 0},
        {0x07, 0x02, CALG_RSA_KEYX, CH_RSA2_MAGIC, 0, 20, CH_KB_BAD_SIZE, 0},
        {0x07, 0x02, CALG_RSA_KEYX, CH_RSA2_MAGIC, 1023, 20, CH_KB_BAD_SIZE, 0},
        {0x07, 0x02, CALG_RSA_KEYX, CH_RSA2_MAGIC, 16400, 20, CH_KB_BAD_SIZE, 0},
        {0x07, 0x02, CALG_RSA_KEYX, CH_RSA2_MAGIC, 8192, 20, CH_KB_UNSUPPORTED, 0},
        {0x07, 0x02, CALG_RSA_KEYX, CH_RSA2_MAGIC, 1536, 20, CH_KB_UNSUPPORTED, 0},
        {0x07, 0x02, CALG_RSA_KEYX, CH_RSA2_MAGIC, 16384, 20, CH_KB_UNSUPPORTED, 0},
    };
    (void)state;

    for (i = 0; i < sizeof ecc / sizeof ecc[0]; i++) {
        memset(h, 0, sizeof h);
        h[0] = (uint8_t)ecc[i].magic;
        h[1] = (uint8_t)(ecc[i].magic >> 8);
        h[2] = (uint8_t)(ecc[i].magic >> 16);
        h[3] = (uint8_t)(ecc[i].magic >> 24);
        h[4] = (uint8_t)ecc[i].cb;
        h[5] = (uint8_t)(ecc[i].cb >> 8);
        h[6] = (uint8_t)(ecc[i].cb >> 16);
        h[7] = (uint8_t)(ecc[i].cb >> 24);
        assert_int_equal(size_heap(h, 8, &len), ecc[i].want);
        assert_int_equal(len, ecc[i].want == CH_KB_OK ? ecc[i].len : 0xDEADu);
    }
    for (i = 0; i < sizeof capi / sizeof capi[0]; i++) {
        memset(h, 0, sizeof h);
        h[0] = capi[i].type;
        h[1] = capi[i].version;
        h[2] = 0xAB; /* reserved: ignored */
        h[4] = (uint8_t)capi[i].alg;
        h[5] = (uint8_t)(capi[i].alg >> 8);
        h[8] = (uint8_t)capi[i].magic;
        h[9] = (uint8_t)(capi[i].magic >> 8);
        h[10] = (uint8_t)(capi[i].magic >> 16);
        h[11] = (uint8_t)(capi[i].magic >> 24);
        h[12] = (uint8_t)capi[i].bitlen;
        h[13] = (uint8_t)(capi[i].bitlen >> 8);
        h[16] = 3; /* pubexp 3: not the size's business */
        assert_int_equal(size_heap(h, capi[i].heap, &len), capi[i].want);
        assert_int_equal(len, capi[i].want == CH_KB_OK ? capi[i].len : 0xDEADu);
    }
    assert_int_equal(ch_keyblob_size(NULL, &len), CH_KB_SHORT);
    assert_int_equal(ch_keyblob_size(h, NULL), CH_KB_SHORT);
}

/* ---- match, SCARD mapping, names, wipe ------------------------------------------------ */

static void test_match(void **state)
{
    static const DWORD sizes[] = {0, 1, 256, 384, 521, 1024, 2048, 3072, 4096, 0xFFFFFFFFu};
    ch_keyblob kb;
    size_t i, s, c, m;
    DWORD spec;
    (void)state;

    /* RSA: AT_KEYEXCHANGE with CALG_RSA_KEYX, AT_SIGNATURE with CALG_RSA_SIGN. */
    for (i = 0; i < RSA_KEYS; i++) {
        int sign;
        for (sign = 0; sign < 2; sign++) {
            kbo_rsa_hdr h = kbo_rsa_default_hdr(&rsa[i]);
            size_t n;
            uint8_t *b;
            h.alg = sign ? CALG_RSA_SIGN : CALG_RSA_KEYX;
            b = kbo_rsa_blob(&h, &rsa[i], &n);
            assert_int_equal(parse(b, n, &kb), CH_KB_OK);
            free(b);
            for (spec = 0; spec <= 10; spec++) {
                for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
                    int ok = (sign ? spec == AT_SIGNATURE : spec == AT_KEYEXCHANGE) &&
                             (sizes[s] == 0 || sizes[s] == rsa_sizes[i]);
                    assert_int_equal(ch_keyblob_match(&kb, spec, sizes[s]),
                                     ok ? CH_KB_OK : CH_KB_SPEC_MISMATCH);
                }
            }
            ch_keyblob_wipe(&kb);
        }
    }
    /* ECC: the magic's own spec. */
    for (c = 0; c < 2; c++) {
        static const DWORD want_spec[2][2] = {{AT_ECDSA_P256, AT_ECDHE_P256},
                                              {AT_ECDSA_P384, AT_ECDHE_P384}};
        for (m = 0; m < 2; m++) {
            size_t n;
            uint8_t *b = kbo_ec_blob(ec_priv_magic[c][m], (uint32_t)ec[c].field, ec[c].field,
                                     ec[c].x, ec[c].y, ec[c].d, &n);
            assert_int_equal(parse(b, n, &kb), CH_KB_OK);
            free(b);
            for (spec = 0; spec <= 10; spec++) {
                for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
                    int ok = spec == want_spec[c][m] &&
                             (sizes[s] == 0 || sizes[s] == (c ? 384u : 256u));
                    assert_int_equal(ch_keyblob_match(&kb, spec, sizes[s]),
                                     ok ? CH_KB_OK : CH_KB_SPEC_MISMATCH);
                }
            }
            ch_keyblob_wipe(&kb);
        }
    }
    assert_int_equal(ch_keyblob_match(NULL, AT_KEYEXCHANGE, 0), CH_KB_SPEC_MISMATCH);
    memset(&kb, 0, sizeof kb); /* type NONE */
    assert_int_equal(ch_keyblob_match(&kb, AT_KEYEXCHANGE, 0), CH_KB_SPEC_MISMATCH);
}

static void test_scard_and_names(void **state)
{
    ch_kb_err e, f;
    (void)state;

    assert_int_equal(ch_kb_scard(CH_KB_OK), SCARD_S_SUCCESS);
    for (e = CH_KB_SHORT; e <= CH_KB_SPEC_MISMATCH; e++) {
        assert_int_equal(ch_kb_scard(e), e == CH_KB_UNSUPPORTED ? SCARD_E_UNSUPPORTED_FEATURE
                                                                : SCARD_E_INVALID_PARAMETER);
    }
    for (e = CH_KB_OK; e <= CH_KB_SPEC_MISMATCH; e++) {
        assert_non_null(ch_kb_err_name(e));
        assert_string_not_equal(ch_kb_err_name(e), "unknown");
        for (f = CH_KB_OK; f < e; f++)
            assert_string_not_equal(ch_kb_err_name(e), ch_kb_err_name(f));
    }
    assert_string_equal(ch_kb_err_name(CH_KB_SHORT), "short");
    assert_string_equal(ch_kb_err_name((ch_kb_err)99), "unknown");
}

static void test_wipe(void **state)
{
    ch_keyblob kb;
    const uint8_t *p = (const uint8_t *)&kb;
    size_t i;
    uint8_t any = 0;
    (void)state;

    memset(&kb, 0x5A, sizeof kb);
    ch_keyblob_wipe(&kb);
    for (i = 0; i < sizeof kb; i++)
        any |= p[i];
    assert_int_equal(any, 0);
    ch_keyblob_wipe(NULL);
}

/* ---- ECDH peer keys ------------------------------------------------------------------- */

static void test_ecdh_public(void **state)
{
    static const uint32_t pub[2] = {BCRYPT_ECDH_PUBLIC_P256_MAGIC, BCRYPT_ECDH_PUBLIC_P384_MAGIC};
    static const ch_piv_key_type type[2] = {CH_PIV_KEY_P256, CH_PIV_KEY_P384};
    uint8_t point[CH_PIV_EC_POINT_MAX + 1], want[CH_PIV_EC_POINT_MAX];
    size_t c, n, plen;
    (void)state;

    for (c = 0; c < 2; c++) {
        const kbo_ec *k = &ec[c];
        uint32_t f = (uint32_t)k->field;
        uint8_t *b = kbo_ec_blob(pub[c], f, k->field, k->x, k->y, NULL, &n), *h, *longer;
        BIGNUM *t = BN_new();
        EC_POINT *pt = EC_POINT_new(k->group);
        struct {
            uint32_t magic, cb;
            ch_piv_key_type type;
            ch_kb_err want;
        } bad[] = {
            {pub[c], f, type[1 - c], CH_KB_BAD_MAGIC},
            {pub[c], f, CH_PIV_KEY_RSA, CH_KB_UNSUPPORTED},
            {pub[c], f, CH_PIV_KEY_NONE, CH_KB_UNSUPPORTED},
            {pub[1 - c], f, type[c], CH_KB_BAD_MAGIC},
            {c ? BCRYPT_ECDH_PRIVATE_P384_MAGIC : BCRYPT_ECDH_PRIVATE_P256_MAGIC, f, type[c],
             CH_KB_BAD_MAGIC},
            {c ? BCRYPT_ECDSA_PUBLIC_P384_MAGIC : BCRYPT_ECDSA_PUBLIC_P256_MAGIC, f, type[c],
             CH_KB_BAD_MAGIC},
            {BCRYPT_ECDH_PUBLIC_P521_MAGIC, f, type[c], CH_KB_BAD_MAGIC},
            {pub[c], f + 1, type[c], CH_KB_BAD_SIZE},
            {pub[c], 0, type[c], CH_KB_BAD_SIZE},
        };
        size_t i;

        assert_non_null(t);
        assert_non_null(pt);
        /* Accepted: 04 || X || Y, as OpenSSL encodes the point. */
        assert_int_equal(EC_POINT_set_affine_coordinates(k->group, pt, k->x, k->y, NULL), 1);
        assert_int_equal(EC_POINT_point2oct(k->group, pt, POINT_CONVERSION_UNCOMPRESSED, want,
                                            sizeof want, NULL),
                         1 + 2 * k->field);
        h = kbo_dup(b, n);
        memset(point, 0xEE, sizeof point);
        assert_int_equal(ch_keyblob_ecdh_public(h, n, type[c], point, &plen), CH_KB_OK);
        assert_int_equal(plen, 1 + 2 * k->field);
        assert_memory_equal(point, want, plen);
        assert_int_equal(point[plen], 0xEE);
        assert_int_equal(ch_keyblob_ecdh_public(h, n, type[c], NULL, NULL), CH_KB_OK);

        /* Refused: outputs untouched. */
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            uint8_t *bb = kbo_ec_blob(bad[i].magic, bad[i].cb, k->field, k->x, k->y, NULL, &n);
            memset(point, 0xEE, sizeof point);
            plen = 0xDEAD;
            assert_int_equal(ch_keyblob_ecdh_public(bb, n, bad[i].type, point, &plen),
                             bad[i].want);
            assert_int_equal(plen, 0xDEAD);
            assert_int_equal(point[0], 0xEE);
            free(bb);
        }
        /* Lengths: exact heap copies. */
        assert_int_equal(ch_keyblob_ecdh_public(h, n - 1, type[c], point, &plen), CH_KB_SHORT);
        assert_int_equal(ch_keyblob_ecdh_public(h, 7, type[c], point, &plen), CH_KB_SHORT);
        assert_int_equal(ch_keyblob_ecdh_public(NULL, 0, type[c], point, &plen), CH_KB_SHORT);
        longer = calloc(1, n + 1);
        assert_non_null(longer);
        memcpy(longer, b, n);
        assert_int_equal(ch_keyblob_ecdh_public(longer, n + 1, type[c], point, &plen),
                         CH_KB_TRAILING);
        free(longer);
        free(h);
        /* Off the curve: Y + 1, and X = p. */
        assert_int_equal(BN_add(t, k->y, BN_value_one()), 1);
        if (BN_cmp(t, k->p) >= 0)
            assert_int_equal(BN_sub(t, t, k->p), 1);
        free(b);
        b = kbo_ec_blob(pub[c], f, k->field, k->x, t, NULL, &n);
        assert_int_equal(ch_keyblob_ecdh_public(b, n, type[c], point, &plen), CH_KB_OFF_CURVE);
        free(b);
        b = kbo_ec_blob(pub[c], f, k->field, k->p, k->y, NULL, &n);
        assert_int_equal(ch_keyblob_ecdh_public(b, n, type[c], point, &plen), CH_KB_OFF_CURVE);
        assert_int_equal(point[0], 0xEE);
        free(b);
        BN_free(t);
        EC_POINT_free(pt);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rsa_all_sizes),
        cmocka_unit_test(test_ec_all_kinds),
        cmocka_unit_test(test_rsa_header_errors),
        cmocka_unit_test(test_rsa_length_errors),
        cmocka_unit_test(test_rsa_exponent),
        cmocka_unit_test(test_rsa_each_equation),
        cmocka_unit_test(test_rsa_bit_flips_and_degenerate),
        cmocka_unit_test(test_ec_header_errors),
        cmocka_unit_test(test_ec_point_and_scalar_errors),
        cmocka_unit_test(test_ec_point_not_of_scalar),
        cmocka_unit_test(test_size_reads_only_the_header),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_scard_and_names),
        cmocka_unit_test(test_wipe),
        cmocka_unit_test(test_ecdh_public),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
