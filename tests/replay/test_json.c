/* Unit tests for the JSON string writer (replay/json.c): the short escapes and \u00XX for the
 * other control characters, '"' and '\\', UTF-8 passed through, each byte of an ill-formed
 * sequence (lone continuation, overlong, surrogate, above U+10FFFF, truncated) as U+FFFD,
 * embedded NUL through the _n form, null for NULL, hex. Then jq (when installed) parses a JSON
 * array of 2000 strings of random bytes: the output is valid JSON whatever the input. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, popen */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"

/* What f received since it was opened (a tmpfile), as a string in buf. */
static const char *contents(FILE *f, char *buf, size_t cap)
{
    size_t n;
    assert_int_equal(fflush(f), 0);
    rewind(f);
    n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    return buf;
}

static void expect_str_n(const char *s, size_t n, const char *want)
{
    char buf[1024];
    FILE *f = tmpfile();
    assert_non_null(f);
    ch_json_str_n(f, s, n);
    assert_string_equal(contents(f, buf, sizeof buf), want);
    fclose(f);
}

#define EXPECT(lit, want) expect_str_n(lit, sizeof lit - 1, want)

static void test_escapes(void **state)
{
    (void)state;
    EXPECT("", "\"\"");
    EXPECT("plain text 0x1F", "\"plain text 0x1F\"");
    EXPECT("q\"b\\s/", "\"q\\\"b\\\\s/\"");
    EXPECT("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
    EXPECT("\x01\x1f\x7f", "\"\\u0001\\u001F\\u007F\"");
    EXPECT("a\0b", "\"a\\u0000b\"");
    EXPECT("\0", "\"\\u0000\"");
}

static void test_utf8(void **state)
{
    (void)state;
    /* 2, 3 and 4-byte sequences at the edges of their ranges pass through */
    EXPECT("\xC2\x80 \xC3\xA9 \xDF\xBF", "\"\xC2\x80 \xC3\xA9 \xDF\xBF\"");
    EXPECT("\xE0\xA0\x80 \xE2\x82\xAC \xED\x9F\xBF \xEE\x80\x80 \xEF\xBF\xBF",
           "\"\xE0\xA0\x80 \xE2\x82\xAC \xED\x9F\xBF \xEE\x80\x80 \xEF\xBF\xBF\"");
    EXPECT("\xF0\x90\x80\x80 \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF",
           "\"\xF0\x90\x80\x80 \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF\"");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    EXPECT("\x80", "\"\\uFFFD\"");                       /* lone continuation */
    EXPECT("a\xBF" "b", "\"a\\uFFFDb\"");
    EXPECT("\xC0\xAF", "\"\\uFFFD\\uFFFD\"");            /* overlong '/' */
    EXPECT("\xC1\xBF", "\"\\uFFFD\\uFFFD\"");
    EXPECT("\xE0\x9F\xBF", "\"\\uFFFD\\uFFFD\\uFFFD\""); /* overlong 3-byte */
    EXPECT("\xED\xA0\x80", "\"\\uFFFD\\uFFFD\\uFFFD\""); /* surrogate U+D800 */
    EXPECT("\xF0\x8F\xBF\xBF", "\"\\uFFFD\\uFFFD\\uFFFD\\uFFFD\""); /* overlong 4-byte */
    EXPECT("\xF4\x90\x80\x80", "\"\\uFFFD\\uFFFD\\uFFFD\\uFFFD\""); /* above U+10FFFF */
    EXPECT("\xF5\xFF\xFE", "\"\\uFFFD\\uFFFD\\uFFFD\"");
    EXPECT("\xE2\x82", "\"\\uFFFD\\uFFFD\"");            /* truncated at the end */
    EXPECT("\xE2\x82" "A", "\"\\uFFFD\\uFFFDA\"");       /* truncated by a character */
    EXPECT("\xC3\xA9\xC3", "\"\xC3\xA9\\uFFFD\"");
    /* the length bounds the read: a valid sequence cut by n is ill-formed */
    expect_str_n("\xE2\x82\xAC", 2, "\"\\uFFFD\\uFFFD\"");
    expect_str_n("abc", 0, "\"\"");
    expect_str_n(NULL, 0, "\"\"");
}

static void test_str_and_hex(void **state)
{
    static const unsigned char bytes[] = {0x00, 0x5F, 0xC1, 0x05, 0xFF};
    char buf[256];
    FILE *f = tmpfile();
    (void)state;
    assert_non_null(f);
    ch_json_str(f, NULL);
    fputc(' ', f);
    ch_json_str(f, "x\ty");
    fputc(' ', f);
    ch_json_hex(f, bytes, sizeof bytes);
    fputc(' ', f);
    ch_json_hex(f, NULL, 0);
    assert_string_equal(contents(f, buf, sizeof buf), "null \"x\\ty\" \"005FC105FF\" \"\"");
    fclose(f);
}

static uint64_t rng_state = UINT64_C(0x2545F4914F6CDD1D);

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

#ifdef CH_JQ
/* The command's first line of output is want, and it exits 0. */
static void expect_output(const char *cmd, const char *want)
{
    char out[64];
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(out, sizeof out, p));
    assert_int_equal(pclose(p), 0);
    assert_string_equal(out, want);
}
#endif

/* Any bytes give valid JSON: jq must parse the array and count its strings. Random bytes lean
 * towards the interesting ones (controls, quotes, UTF-8 lead and continuation bytes). */
static void test_random_bytes_parse(void **state)
{
#ifdef CH_JQ
    static const unsigned char PICKS[] = {0x00, 0x0A, 0x1F, '"', '\\', 0x7F, 0x80, 0xBF, 0xC2,
                                          0xE0, 0xED, 0xF0, 0xF4, 0xF8, 'a'};
    char path[] = "/tmp/ch-json-XXXXXX";
    char cmd[256];
    unsigned char s[64];
    FILE *f;
    int fd, i;
    size_t n, k;
    (void)state;

    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputc('[', f);
    for (i = 0; i < 2000; i++) {
        n = rnd() % sizeof s;
        for (k = 0; k < n; k++) {
            uint32_t r = rnd();
            s[k] = (r & 1u) ? PICKS[(r >> 1) % sizeof PICKS] : (unsigned char)(r >> 8);
        }
        if (i > 0) {
            fputc(',', f);
        }
        ch_json_str_n(f, (const char *)s, n);
    }
    fputs("]\n", f);
    assert_int_equal(fclose(f), 0);
    snprintf(cmd, sizeof cmd, "%s -e 'length' %s 2>&1", CH_JQ, path);
    expect_output(cmd, "2000\n");
    /* and a valid string comes back as it went in */
    f = fopen(path, "w");
    assert_non_null(f);
    ch_json_str(f, "tab\there \xE2\x82\xAC \"q\" \\");
    assert_int_equal(fclose(f), 0);
    snprintf(cmd, sizeof cmd, "%s -j . %s", CH_JQ, path);
    expect_output(cmd, "tab\there \xE2\x82\xAC \"q\" \\");
    unlink(path);
#else
    (void)state;
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes),     cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_invalid_utf8), cmocka_unit_test(test_str_and_hex),
        cmocka_unit_test(test_random_bytes_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
