/* Unit tests for SHA-1/256/384/512 and HMAC (src/util/sha.c).
 *
 * Known answers: the FIPS 180-4 example messages (NIST CSRC examples: "", "abc", the 448- and
 * 896-bit messages, one million 'a'), RFC 4231 test cases 1-7 (HMAC-SHA-256/384/512; case 5
 * compares the first 128 bits as the RFC does) and RFC 2202 test cases 1-7 (HMAC-SHA-1).
 * Then OpenSSL is the oracle: every length 0..1000 for each hash (every padding boundary:
 * 55/56/64 and 111/112/128 bytes, and several blocks), fed at odd addresses in one call and
 * split into random updates (some empty, some with a NULL pointer), and HMAC with keys of
 * 0..300 bytes (shorter than, equal to and longer than the block). Also: the context is all
 * zero after every final, the 128-bit length counter carries, unknown algorithms are refused
 * with the output untouched. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hash_evp.h"
#include "sha.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const ch_hash_alg ALGS[] = {CH_HASH_SHA1, CH_HASH_SHA256, CH_HASH_SHA384,
                                   CH_HASH_SHA512};

/* Deterministic xorshift64 (no multiplication: the sanitizer build traps on unsigned
 * wrap-around): a failure reproduces. */
static uint64_t rng_state = UINT64_C(0x9E3779B97F4A7C15);

static uint32_t rnd(void)
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

static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = strlen(hex) / 2, i;
    unsigned v;

    for (i = 0; i < n; i++) {
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void assert_hex(const uint8_t *got, const char *hex)
{
    uint8_t want[CH_HASH_MAX_LEN];
    size_t n = unhex(hex, want);
    assert_memory_equal(got, want, n);
}

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint8_t acc = 0;
    size_t i;
    for (i = 0; i < n; i++)
        acc |= b[i];
    return acc == 0;
}

/* ---- sizes and refusals ---------------------------------------------------------------- */

static void test_lengths(void **state)
{
    (void)state;
    assert_int_equal(ch_hash_len(CH_HASH_SHA1), 20);
    assert_int_equal(ch_hash_len(CH_HASH_SHA256), 32);
    assert_int_equal(ch_hash_len(CH_HASH_SHA384), 48);
    assert_int_equal(ch_hash_len(CH_HASH_SHA512), 64);
    assert_int_equal(ch_hash_block(CH_HASH_SHA1), 64);
    assert_int_equal(ch_hash_block(CH_HASH_SHA256), 64);
    assert_int_equal(ch_hash_block(CH_HASH_SHA384), 128);
    assert_int_equal(ch_hash_block(CH_HASH_SHA512), 128);
    assert_int_equal(ch_hash_len(CH_HASH_NONE), 0);
    assert_int_equal(ch_hash_block(CH_HASH_NONE), 0);
    assert_int_equal(ch_hash_len((ch_hash_alg)5), 0);
    assert_int_equal(ch_hash_block((ch_hash_alg)-1), 0);
}

static void test_unknown_alg_refused(void **state)
{
    static const ch_hash_alg bad[] = {CH_HASH_NONE, (ch_hash_alg)5, (ch_hash_alg)0x7FFF};
    uint8_t out[CH_HASH_MAX_LEN], ref[CH_HASH_MAX_LEN];
    ch_hash_ctx c;
    ch_hmac_ctx h;
    size_t i;

    (void)state;
    memset(ref, 0xA5, sizeof ref);
    for (i = 0; i < ARRAY_LEN(bad); i++) {
        memcpy(out, ref, sizeof out);
        assert_int_equal(ch_hash_init(&c, bad[i]), -1);
        assert_int_equal(ch_hash(bad[i], "abc", 3, out), -1);
        assert_int_equal(ch_hmac_init(&h, bad[i], (const uint8_t *)"k", 1), -1);
        assert_int_equal(ch_hmac(bad[i], (const uint8_t *)"k", 1, "abc", 3, out), -1);
        assert_memory_equal(out, ref, sizeof out);
        /* a refused context stays inert: update and final write nothing, final wipes it */
        ch_hash_update(&c, "abc", 3);
        ch_hash_final(&c, out);
        ch_hmac_update(&h, "abc", 3);
        ch_hmac_final(&h, out);
        assert_memory_equal(out, ref, sizeof out);
        assert_true(all_zero(&c, sizeof c));
        assert_true(all_zero(&h, sizeof h));
    }
}

/* ---- known answers --------------------------------------------------------------------- */

static const char MSG448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char MSG896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                             "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

struct kat {
    const char *msg; /* NULL: one million 'a' */
    const char *hex[4]; /* SHA-1, SHA-256, SHA-384, SHA-512 */
};

static const struct kat KATS[] = {
    {"",
     {"da39a3ee5e6b4b0d3255bfef95601890afd80709",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f1"
      "4898b95b",
      "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2"
      "877eec2f63b931bd47417a81a538327af927da3e"}},
    {"abc",
     {"a9993e364706816aba3e25717850c26c9cd0d89d",
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca1"
      "34c825a7",
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23"
      "a3feebbd454d4423643ce80e2a9ac94fa54ca49f"}},
    {MSG448,
     {"84983e441c3bd26ebaae4aa1f95129e5e54670f1",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
      "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1f"
      "e3c8452b",
      "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea"
      "57789ca031ad85c7a71dd70354ec631238ca3445"}},
    {MSG896,
     {"a49b2446a02c645bf419f995b67091253a04a259",
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
      "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa"
      "91746039",
      "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99de"
      "c4b5433ac7d329eeb6dd26545e96e55b874be909"}},
    {NULL,
     {"34aa973cd4c4daa4f61eeb2bdbad27316534016f",
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
      "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd8"
      "7f3d8985",
      "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432c"
      "e577c31beb009c5c2c49aa2e4eadb217ad8cc09b"}},
};

static void test_fips180_vectors(void **state)
{
    uint8_t out[CH_HASH_MAX_LEN], a[1000];
    ch_hash_ctx c;
    size_t i, j, r;

    (void)state;
    memset(a, 'a', sizeof a);
    for (i = 0; i < ARRAY_LEN(KATS); i++) {
        for (j = 0; j < ARRAY_LEN(ALGS); j++) {
            if (KATS[i].msg) {
                assert_int_equal(
                    ch_hash(ALGS[j], KATS[i].msg, strlen(KATS[i].msg), out), 0);
            } else {
                assert_int_equal(ch_hash_init(&c, ALGS[j]), 0);
                for (r = 0; r < 1000; r++)
                    ch_hash_update(&c, a, sizeof a);
                ch_hash_final(&c, out);
            }
            assert_hex(out, KATS[i].hex[j]);
        }
    }
}

struct hmac_kat {
    const char *key_hex; /* "aa*131" style is spelled out by key_rep */
    uint8_t key_rep;     /* nonzero: the key is key_len copies of this byte */
    size_t key_len;
    const char *data;    /* NULL: data_len copies of data_rep */
    uint8_t data_rep;
    size_t data_len;
    const char *hex[4];  /* SHA-1 (RFC 2202), SHA-256/384/512 (RFC 4231); NULL: not defined */
    size_t compare_len[4];
};

/* RFC 2202 cases 6 and 7 use an 80-byte key and other data than RFC 4231's, so they are listed
 * on their own. */
static const struct hmac_kat HMAC_KATS[] = {
    {NULL, 0x0b, 20, "Hi There", 0, 0,
     {"b617318655057264e28bc0b6fb378c8ef146be00",
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
      "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8"
      "b2fa9cb6",
      "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274e"
      "aea3f4e4be9d914eeb61f1702e696c203a126854"},
     {20, 32, 48, 64}},
    {"4a656665", 0, 4, "what do ya want for nothing?", 0, 0,
     {"effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
      "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ec"
      "fab21649",
      "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65"
      "f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
     {20, 32, 48, 64}},
    {NULL, 0xaa, 20, NULL, 0xdd, 50,
     {"125d7342b9ac11cd91a39af48aa17b4f63f175d3",
      "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
      "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e1"
      "01a34f27",
      "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a4"
      "7e67c807b946a337bee8942674278859e13292fb"},
     {20, 32, 48, 64}},
    {"0102030405060708090a0b0c0d0e0f10111213141516171819", 0, 25, NULL, 0xcd, 50,
     {"4c9007f4026250c6bc8414f9bf50c86c2d7235da",
      "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
      "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386"
      "c674cffb",
      "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275c"
      "c5788063a5f19741120c4f2de2adebeb10a298dd"},
     {20, 32, 48, 64}},
    {NULL, 0x0c, 20, "Test With Truncation", 0, 0,
     {"4c1a03424b55e07fe7f27be1d58bb9324a9a5a04", "a3b6167473100ee06e0c796c2955552b",
      "3abf34c3503b2a23a46efc619baef897", "415fad6271580a531d4179bc891d87a6"},
     {20, 16, 16, 16}},
    {NULL, 0xaa, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 0, 0,
     {NULL, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
      "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df1"
      "63f44952",
      "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd221"
      "5d6a1e5295e64f73f63f0aec8b915a985d786598"},
     {0, 32, 48, 64}},
    {NULL, 0xaa, 131,
     "This is a test using a larger than block-size key and a larger than block-size data. The "
     "key needs to be hashed before being used by the HMAC algorithm.",
     0, 0,
     {NULL, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
      "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e611"
      "0c46523e",
      "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55"
      "c3e4de15134676fb6de0446065c97440fa8c6a58"},
     {0, 32, 48, 64}},
    {NULL, 0xaa, 80, "Test Using Larger Than Block-Size Key - Hash Key First", 0, 0,
     {"aa4ae5e15272d00e95705637ce8a3b55ed402112", NULL, NULL, NULL},
     {20, 0, 0, 0}},
    {NULL, 0xaa, 80, "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
     0, 0,
     {"e8e99d0f45237d786d6bbaa7965c7808bbff1a91", NULL, NULL, NULL},
     {20, 0, 0, 0}},
};

static void test_hmac_rfc_vectors(void **state)
{
    uint8_t key[200], data[200], out[CH_HASH_MAX_LEN], want[CH_HASH_MAX_LEN];
    size_t i, j, dlen, checked = 0;

    (void)state;
    for (i = 0; i < ARRAY_LEN(HMAC_KATS); i++) {
        const struct hmac_kat *t = &HMAC_KATS[i];
        if (t->key_hex)
            assert_int_equal(unhex(t->key_hex, key), t->key_len);
        else
            memset(key, t->key_rep, t->key_len);
        if (t->data) {
            dlen = strlen(t->data);
            memcpy(data, t->data, dlen);
        } else {
            dlen = t->data_len;
            memset(data, t->data_rep, dlen);
        }
        for (j = 0; j < ARRAY_LEN(ALGS); j++) {
            if (t->hex[j] == NULL)
                continue;
            assert_int_equal(ch_hmac(ALGS[j], key, t->key_len, data, dlen, out), 0);
            assert_int_equal(unhex(t->hex[j], want), t->compare_len[j]);
            assert_memory_equal(out, want, t->compare_len[j]);
            checked++;
        }
    }
    assert_int_equal(checked, 7 + 3 * 7); /* RFC 2202: 7 cases, RFC 4231: 7 cases x 3 */
}

/* ---- OpenSSL as the oracle ------------------------------------------------------------- */

#define MAX_LEN 1000

static void test_every_length_against_openssl(void **state)
{
    uint8_t buf[MAX_LEN + 8], out[CH_HASH_MAX_LEN], ref[EVP_MAX_MD_SIZE];
    unsigned ref_len;
    size_t j, n, off;

    (void)state;
    fill(buf, sizeof buf);
    for (j = 0; j < ARRAY_LEN(ALGS); j++) {
        for (n = 0; n <= MAX_LEN; n++) {
            off = n % 8; /* odd addresses: loads must not care about alignment */
            assert_int_equal(ch_hash(ALGS[j], buf + off, n, out), 0);
            assert_int_equal(EVP_Digest(buf + off, n, ref, &ref_len, ch_hash_evp_md(ALGS[j]),
                                        NULL), 1);
            assert_int_equal(ref_len, ch_hash_len(ALGS[j]));
            assert_memory_equal(out, ref, ref_len);
        }
    }
}

/* Feeds buf[0..n) in random pieces (empty ones included, sometimes with a NULL pointer). */
static void update_in_pieces(ch_hash_ctx *c, ch_hmac_ctx *h, const uint8_t *buf, size_t n)
{
    size_t done = 0, piece;

    while (done < n) {
        piece = rnd() % 4 == 0 ? 0 : rnd() % (n - done + 1);
        if (piece == 0 && rnd() % 2) {
            if (c)
                ch_hash_update(c, NULL, 0);
            else
                ch_hmac_update(h, NULL, 0);
            continue;
        }
        if (c)
            ch_hash_update(c, buf + done, piece);
        else
            ch_hmac_update(h, buf + done, piece);
        done += piece;
    }
}

static void test_split_updates_against_openssl(void **state)
{
    uint8_t buf[MAX_LEN], out[CH_HASH_MAX_LEN], ref[EVP_MAX_MD_SIZE];
    unsigned ref_len;
    ch_hash_ctx c;
    size_t j, round, n;

    (void)state;
    for (round = 0; round < 400; round++) {
        n = rnd() % (MAX_LEN + 1);
        fill(buf, n);
        for (j = 0; j < ARRAY_LEN(ALGS); j++) {
            assert_int_equal(ch_hash_init(&c, ALGS[j]), 0);
            update_in_pieces(&c, NULL, buf, n);
            ch_hash_final(&c, out);
            assert_true(all_zero(&c, sizeof c));
            assert_int_equal(EVP_Digest(buf, n, ref, &ref_len, ch_hash_evp_md(ALGS[j]), NULL), 1);
            assert_memory_equal(out, ref, ref_len);
        }
    }
}

static void test_hmac_against_openssl(void **state)
{
    uint8_t key[300], buf[MAX_LEN], out[CH_HASH_MAX_LEN], ref[EVP_MAX_MD_SIZE];
    unsigned ref_len;
    ch_hmac_ctx h;
    size_t j, klen, n;

    (void)state;
    /* every key length around the two block sizes, and beyond */
    for (klen = 0; klen <= sizeof key; klen++) {
        n = rnd() % (MAX_LEN + 1);
        fill(key, klen);
        fill(buf, n);
        for (j = 0; j < ARRAY_LEN(ALGS); j++) {
            assert_non_null(HMAC(ch_hash_evp_md(ALGS[j]), key, (int)klen, buf, n, ref, &ref_len));
            assert_int_equal(ch_hmac(ALGS[j], key, klen, buf, n, out), 0);
            assert_memory_equal(out, ref, ref_len);

            memset(out, 0, sizeof out);
            assert_int_equal(ch_hmac_init(&h, ALGS[j], klen ? key : NULL, klen), 0);
            update_in_pieces(NULL, &h, buf, n);
            ch_hmac_final(&h, out);
            assert_true(all_zero(&h, sizeof h));
            assert_memory_equal(out, ref, ref_len);
        }
    }
}

/* ---- state handling -------------------------------------------------------------------- */

static void test_final_wipes_context(void **state)
{
    uint8_t out[CH_HASH_MAX_LEN];
    ch_hash_ctx c;
    ch_hmac_ctx h;
    size_t j;

    (void)state;
    for (j = 0; j < ARRAY_LEN(ALGS); j++) {
        assert_int_equal(ch_hash_init(&c, ALGS[j]), 0);
        ch_hash_update(&c, "secret shared value", 19); /* leaves bytes in buf */
        assert_false(all_zero(&c, sizeof c));
        ch_hash_final(&c, out);
        assert_true(all_zero(&c, sizeof c));

        assert_int_equal(ch_hmac_init(&h, ALGS[j], (const uint8_t *)"key", 3), 0);
        ch_hmac_update(&h, "message", 7);
        ch_hmac_final(&h, out);
        assert_true(all_zero(&h, sizeof h));
    }
}

/* The byte count is 128 bits wide (SHA-384/512 encode all of it): the low word carries into
 * the high one instead of wrapping. */
static void test_length_counter_carries(void **state)
{
    uint8_t ten[10] = {0};
    ch_hash_ctx c;

    (void)state;
    assert_int_equal(ch_hash_init(&c, CH_HASH_SHA512), 0);
    c.total_lo = UINT64_MAX - 3u;
    ch_hash_update(&c, ten, sizeof ten);
    assert_true(c.total_hi == 1u);
    assert_true(c.total_lo == 6u);
    ch_hash_update(&c, ten, 3);
    assert_true(c.total_hi == 1u);
    assert_true(c.total_lo == 9u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_unknown_alg_refused),
        cmocka_unit_test(test_fips180_vectors),
        cmocka_unit_test(test_hmac_rfc_vectors),
        cmocka_unit_test(test_every_length_against_openssl),
        cmocka_unit_test(test_split_updates_against_openssl),
        cmocka_unit_test(test_hmac_against_openssl),
        cmocka_unit_test(test_final_wipes_context),
        cmocka_unit_test(test_length_counter_carries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
