/* Unit tests for src/util/wipe.c: secure wipe and constant-time equality. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "wipe.h"

static int all_bytes_are(const unsigned char *p, size_t n, unsigned char v)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

static void test_wipe_zeroes_whole_buffer(void **state)
{
    unsigned char buf[64];
    (void)state;

    memset(buf, 0xA5, sizeof buf);
    ch_wipe(buf, sizeof buf);
    assert_true(all_bytes_are(buf, sizeof buf, 0));
}

static void test_wipe_exact_range(void **state)
{
    unsigned char buf[32];
    (void)state;

    /* Only [8, 8 + 13) is wiped: odd length, odd-sized tail, neighbours untouched. */
    memset(buf, 0x5A, sizeof buf);
    ch_wipe(buf + 8, 13);
    assert_true(all_bytes_are(buf, 8, 0x5A));
    assert_true(all_bytes_are(buf + 8, 13, 0));
    assert_true(all_bytes_are(buf + 21, sizeof buf - 21, 0x5A));

    /* one byte */
    memset(buf, 0xFF, sizeof buf);
    ch_wipe(buf + 31, 1);
    assert_int_equal(buf[31], 0);
    assert_true(all_bytes_are(buf, 31, 0xFF));
}

static void test_wipe_zero_length_and_null(void **state)
{
    unsigned char buf[4] = {1, 2, 3, 4};
    static const unsigned char orig[4] = {1, 2, 3, 4};
    (void)state;

    ch_wipe(buf, 0); /* nothing to do */
    assert_memory_equal(buf, orig, sizeof buf);
    ch_wipe(NULL, 0); /* fine */
    ch_wipe(NULL, 16); /* no-op, must not crash */
    ch_wipe(NULL, SIZE_MAX);
    assert_memory_equal(buf, orig, sizeof buf);
}

static void test_wipe_heap_secret(void **state)
{
    /* The pattern the module uses: wipe, then free. Check the bytes before the free. */
    const size_t n = 4096 + 3;
    unsigned char *secret = malloc(n);
    (void)state;

    assert_non_null(secret);
    memset(secret, 0xC3, n);
    ch_wipe(secret, n);
    assert_true(all_bytes_are(secret, n, 0));
    free(secret);
}

static void test_ct_memeq_equal(void **state)
{
    static const unsigned char a[] = "0123456789abcdef";
    unsigned char b[sizeof a];
    (void)state;

    memcpy(b, a, sizeof a);
    assert_int_equal(ch_ct_memeq(a, b, sizeof a), 1);
    assert_int_equal(ch_ct_memeq(a, a, sizeof a), 1); /* same pointer */
    assert_int_equal(ch_ct_memeq(a, b, 1), 1);
}

static void test_ct_memeq_unequal(void **state)
{
    unsigned char a[16], b[16];
    size_t i;
    unsigned bit;
    (void)state;

    memset(a, 0x3C, sizeof a);
    /* first byte */
    memcpy(b, a, sizeof b);
    b[0] ^= 0x01;
    assert_int_equal(ch_ct_memeq(a, b, sizeof a), 0);
    /* last byte */
    memcpy(b, a, sizeof b);
    b[15] ^= 0x80;
    assert_int_equal(ch_ct_memeq(a, b, sizeof a), 0);
    /* ... but equal when the difference is outside n */
    assert_int_equal(ch_ct_memeq(a, b, 15), 1);
    /* middle */
    memcpy(b, a, sizeof b);
    b[7] = 0x00;
    assert_int_equal(ch_ct_memeq(a, b, sizeof a), 0);
    /* every single-bit difference at every position: always exactly 0, never another value */
    for (i = 0; i < sizeof a; i++) {
        for (bit = 0; bit < 8; bit++) {
            memcpy(b, a, sizeof b);
            b[i] = (unsigned char)(b[i] ^ (1u << bit));
            assert_int_equal(ch_ct_memeq(a, b, sizeof a), 0);
            assert_int_equal(ch_ct_memeq(b, a, sizeof a), 0);
        }
    }
    /* all bytes different, and 0x00 vs 0xFF */
    memset(b, 0xC3, sizeof b);
    assert_int_equal(ch_ct_memeq(a, b, sizeof a), 0);
    memset(a, 0x00, sizeof a);
    memset(b, 0xFF, sizeof b);
    assert_int_equal(ch_ct_memeq(a, b, sizeof a), 0);
}

static void test_ct_memeq_every_byte_value(void **state)
{
    unsigned char a[1], b[1];
    unsigned x, y;
    (void)state;

    /* Result is exactly 1 or 0 for each of the 65536 byte pairs. */
    for (x = 0; x < 256; x++) {
        for (y = 0; y < 256; y++) {
            a[0] = (unsigned char)x;
            b[0] = (unsigned char)y;
            assert_int_equal(ch_ct_memeq(a, b, 1), x == y ? 1 : 0);
        }
    }
}

static void test_ct_memeq_zero_length(void **state)
{
    static const unsigned char a[1] = {1}, b[1] = {2};
    (void)state;

    assert_int_equal(ch_ct_memeq(a, b, 0), 1);
    assert_int_equal(ch_ct_memeq(NULL, NULL, 0), 1);
    assert_int_equal(ch_ct_memeq(a, NULL, 0), 1);
    /* NULL with n > 0 never compares equal (and is not dereferenced) */
    assert_int_equal(ch_ct_memeq(NULL, b, 1), 0);
    assert_int_equal(ch_ct_memeq(a, NULL, 1), 0);
    assert_int_equal(ch_ct_memeq(NULL, NULL, 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wipe_zeroes_whole_buffer),
        cmocka_unit_test(test_wipe_exact_range),
        cmocka_unit_test(test_wipe_zero_length_and_null),
        cmocka_unit_test(test_wipe_heap_secret),
        cmocka_unit_test(test_ct_memeq_equal),
        cmocka_unit_test(test_ct_memeq_unequal),
        cmocka_unit_test(test_ct_memeq_every_byte_value),
        cmocka_unit_test(test_ct_memeq_zero_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
