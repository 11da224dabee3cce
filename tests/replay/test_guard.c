/* Unit tests for mdreplay card's command guard (replay/pcsc_guard.c), the user's management
 * key (replay/mgm_key.c) and the answer to a challenge (fuzz/mgm_answer.c):
 *   - the key's answer to a challenge against published vectors (FIPS 197 appendix C for
 *     AES-128/192/256; the DES "Now is t" vector, 3DES with K1 = K2 = K3 being single DES);
 *   - key files: hex with separators and line ends, refused when short, long, odd or not hex;
 *   - the guard: a management-key response passes only as the user's key's answer to the
 *     challenge the card gave last, once, in its exact shape; SELECT ends the challenge; the
 *     PIN and write rules around it. */
#define _POSIX_C_SOURCE 200809L /* mkstemp */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hex.h"
#include "mgm_answer.h"
#include "mgm_key.h"
#include "pcsc_guard.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    assert_int_equal(ch_hex_decode(s, out, cap, &n, NULL), CH_HEX_OK);
    return n;
}

static mdr_mgm key_of(const char *hex)
{
    mdr_mgm k = {.len = 0};
    k.len = unhex(hex, k.key, sizeof k.key);
    return k;
}

static void expect_response(const char *key, const char *challenge, const char *want)
{
    mdr_mgm k = key_of(key);
    uint8_t c[16], w[16], out[16];
    size_t n = unhex(challenge, c, sizeof c);

    assert_int_equal(unhex(want, w, sizeof w), n);
    assert_true(ch_mgm_answer(k.key, k.len, c, n, out));
    assert_memory_equal(out, w, n);
}

static void test_response_vectors(void **state)
{
    (void)state;
    expect_response("000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF",
                    "69C4E0D86A7B0430D8CDB78070B4C55A");
    expect_response("000102030405060708090A0B0C0D0E0F1011121314151617",
                    "00112233445566778899AABBCCDDEEFF", "DDA97CA4864CDFE06EAF70A0EC0D7191");
    expect_response("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
                    "00112233445566778899AABBCCDDEEFF", "8EA2B7CA516745BFEAFC49904B496089");
    expect_response("0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF", "4E6F772069732074",
                    "3FA40E8A984D4815");
}

static void test_response_refusals(void **state)
{
    uint8_t c[16] = {0}, out[16];
    mdr_mgm none = {.len = 0}, aes128 = key_of("000102030405060708090A0B0C0D0E0F");

    (void)state;
    memset(out, 0x5A, sizeof out);
    assert_false(ch_mgm_answer(none.key, none.len, c, 8, out));  /* no key */
    assert_false(ch_mgm_answer(aes128.key, aes128.len, c, 8, out)); /* 3DES wants 24 bytes */
    assert_false(ch_mgm_answer(aes128.key, aes128.len, c, 12, out)); /* no such block */
    for (size_t i = 0; i < sizeof out; i++)
        assert_int_equal(out[i], 0x5A);
}

/* Writes text into a fresh temporary file; its path into path. */
static void file_with(const char *text, char *path)
{
    int fd;
    strcpy(path, "/tmp/test-guard-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static bool read_text(const char *text, mdr_mgm *k)
{
    char path[32];
    bool ok;
    file_with(text, path);
    ok = mdr_mgm_read(path, k);
    unlink(path);
    return ok;
}

static void test_key_files(void **state)
{
    mdr_mgm k;
    static const uint8_t def[24] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4,
                                    5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8};
    char big[300];

    (void)state;
    assert_true(read_text("010203040506070801020304050607080102030405060708\n", &k));
    assert_int_equal(k.len, 24);
    assert_memory_equal(k.key, def, 24);
    assert_true(read_text("01:02:03:04 05060708\r\n0102030405060708\n01020304 05060708", &k));
    assert_int_equal(k.len, 24);
    assert_memory_equal(k.key, def, 24);
    assert_true(read_text("000102030405060708090a0b0c0d0e0f", &k));
    assert_int_equal(k.len, 16);
    assert_false(read_text("0001020304050607080910111213", &k)); /* 14 bytes */
    assert_int_equal(k.len, 0);
    assert_false(read_text("000102030405060708090A0B0C0D0E0F1", &k)); /* odd */
    assert_false(read_text("000102030405060708090A0B0C0D0E0G", &k)); /* not hex */
    assert_false(read_text("", &k));
    memset(big, ' ', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "000102030405060708090A0B0C0D0E0F", 32);
    assert_false(read_text(big, &k)); /* more text than any key */
    assert_false(mdr_mgm_read("/nonexistent/key", &k));
    assert_int_equal(k.len, 0);
}

/* The guard's view of one card: key (hex) given or not, writes refused, no PIN. */
static mdr_pcsc card_with_key(const char *key)
{
    mdr_pcsc p;
    memset(&p, 0, sizeof p);
    if (key)
        p.mgm = key_of(key);
    return p;
}

static const char def_key[] = "010203040506070801020304050607080102030405060708";

/* The card answered GENERAL AUTHENTICATE 9B's witness request with challenge c (hex). */
static void card_challenges(mdr_pcsc *p, const char *c)
{
    uint8_t cmd[16], ans[32];
    char a[80];
    size_t cl = unhex("0087039B047C02810000", cmd, sizeof cmd), al;

    snprintf(a, sizeof a, "7C%02zX81%02zX%s9000", strlen(c) / 2 + 2, strlen(c) / 2, c);
    al = unhex(a, ans, sizeof ans);
    mdr_guard_saw(p, cmd, cl, ans, al);
}

/* Whether the guard lets 00 87 03 9B ... carrying response r (hex) through. */
static bool allows_response(const mdr_pcsc *p, const char *r, const char **why)
{
    uint8_t cmd[40];
    char h[100];
    size_t n = strlen(r) / 2;

    snprintf(h, sizeof h, "0087039B%02zX7C%02zX82%02zX%s", n + 4, n + 2, n, r);
    return mdr_guard_allows(p, cmd, unhex(h, cmd, sizeof cmd), why);
}

/* The default key's answer to challenge c (computed through the tested path; the vectors
 * above pin that path down). */
static void answer(const char *key, const char *c, char *out)
{
    mdr_mgm k = key_of(key);
    uint8_t ch[16], r[16];
    size_t n = unhex(c, ch, sizeof ch);
    assert_true(ch_mgm_answer(k.key, k.len, ch, n, r));
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02X", r[i]);
}

static void test_guard_management_key(void **state)
{
    const char *why;
    char right[40], wrong[40];
    mdr_pcsc none = card_with_key(NULL), p = card_with_key(def_key);
    uint8_t cmd[40], ok[2] = {0x90, 0x00};
    size_t cl;

    (void)state;
    answer(def_key, "8346FA47A3667035", right);
    /* no key: never */
    card_challenges(&none, "8346FA47A3667035");
    assert_false(allows_response(&none, right, &why));
    assert_non_null(strstr(why, "--mgm-key-file"));
    /* a key, no challenge seen: no */
    assert_false(allows_response(&p, right, &why));
    /* the challenge seen: the key's answer passes, one bit off does not */
    card_challenges(&p, "8346FA47A3667035");
    assert_true(allows_response(&p, right, &why));
    assert_null(why);
    strcpy(wrong, right);
    wrong[15] = wrong[15] == '0' ? '1' : '0';
    assert_false(allows_response(&p, wrong, &why));
    assert_non_null(strstr(why, "not --mgm-key's answer"));
    /* the right bytes in another shape: with Le, with a witness, short */
    cl = unhex("0087039B0C7C0A8208", cmd, sizeof cmd);
    cl += unhex(right, cmd + cl, sizeof cmd - cl);
    cmd[cl++] = 0x00; /* Le */
    assert_false(mdr_guard_allows(&p, cmd, cl, &why));
    assert_false(allows_response(&p, "00", &why));
    /* sent once: the exchange ends the challenge, the same answer no longer passes */
    cl = unhex("0087039B0C7C0A8208", cmd, sizeof cmd);
    cl += unhex(right, cmd + cl, sizeof cmd - cl);
    mdr_guard_saw(&p, cmd, cl, ok, sizeof ok);
    assert_false(allows_response(&p, right, &why));
    /* SELECT ends an unanswered challenge */
    card_challenges(&p, "8346FA47A3667035");
    cl = unhex("00A4040009A0000003080000100000", cmd, sizeof cmd);
    mdr_guard_saw(&p, cmd, cl, ok, sizeof ok);
    assert_false(allows_response(&p, right, &why));
    /* an answer that is no challenge (wrong tag, bad length, an error SW) keeps none */
    {
        uint8_t q[16], a[16];
        size_t ql = unhex("0087039B047C02810000", q, sizeof q);
        static const char *bad[] = {"7C0A82088346FA47A36670359000", "7C0981088346FA47A366709000",
                                    "7C0A81088346FA47A36670356982", "7C0A8108834690"};
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            mdr_guard_saw(&p, q, ql, a, unhex(bad[i], a, sizeof a));
            assert_int_equal(p.challenge_len, 0);
        }
    }
    /* AES-192 (a 24-byte key, a 16-byte challenge) */
    answer(def_key, "00112233445566778899AABBCCDDEEFF", right);
    card_challenges(&p, "00112233445566778899AABBCCDDEEFF");
    assert_true(allows_response(&p, right, &why));
    /* another key's answer to the same challenge */
    answer("000102030405060708090A0B0C0D0E0F1011121314151617",
           "00112233445566778899AABBCCDDEEFF", wrong);
    assert_false(allows_response(&p, wrong, &why));
}

static void test_guard_pins_and_writes(void **state)
{
    const char *why;
    mdr_pcsc p = card_with_key(def_key);
    uint8_t cmd[32];
    size_t cl;

    (void)state;
    assert_true(mdr_pcsc_set_pin(&p, (const uint8_t *)"654321", 6));
    cl = unhex("0020008008363534333231FFFF", cmd, sizeof cmd);
    assert_true(mdr_guard_allows(&p, cmd, cl, &why));
    cl = unhex("0020008008313233343536FFFF", cmd, sizeof cmd);
    assert_false(mdr_guard_allows(&p, cmd, cl, &why));
    cl = unhex("00200080", cmd, sizeof cmd); /* a status query carries nothing */
    assert_true(mdr_guard_allows(&p, cmd, cl, &why));
    cl = unhex("00DB3FFF055C035FC10B", cmd, sizeof cmd); /* PUT DATA */
    assert_false(mdr_guard_allows(&p, cmd, cl, &why));
    p.allow_writes = true;
    assert_true(mdr_guard_allows(&p, cmd, cl, &why));
    cl = unhex("002C008010313233343536FFFF3132333435363738", cmd, sizeof cmd);
    assert_false(mdr_guard_allows(&p, cmd, cl, &why)); /* RESET RETRY: never */
    assert_false(mdr_pcsc_set_pin(&p, (const uint8_t *)"123456789", 9));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_response_vectors),   cmocka_unit_test(test_response_refusals),
        cmocka_unit_test(test_key_files),          cmocka_unit_test(test_guard_management_key),
        cmocka_unit_test(test_guard_pins_and_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
