/* Unit tests for src/util/utf16.c: bounded UTF-16 strings of the Cardmod ABI (WCHAR = uint16_t).
 *
 * Besides the hand-picked edges, the UTF-8 decoder is checked exhaustively against a table-driven
 * reference (Unicode Table 3-7) for every 1-, 2- and 3-byte input and a large 4-byte slice, and
 * every scalar value U+0001..U+10FFFF is round-tripped UTF-8 -> UTF-16 -> UTF-8. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "utf16.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SENT16 0xA5A5u
#define SENTSZ ((size_t)0xA5A5A5)

/* ---- reference implementations (written differently from the code under test) ------------ */

/* Unicode Table 3-7: well-formed UTF-8 byte sequences, plus "no U+0000". */
static bool ref_utf8_ok(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t b = s[i];
        uint8_t lo2 = 0x80, hi2 = 0xBF;
        size_t len, k;

        if (b == 0x00)
            return false;
        if (b <= 0x7F) {
            i++;
            continue;
        }
        if (b >= 0xC2 && b <= 0xDF)
            len = 2;
        else if (b >= 0xE0 && b <= 0xEF)
            len = 3;
        else if (b >= 0xF0 && b <= 0xF4)
            len = 4;
        else
            return false;
        if (b == 0xE0)
            lo2 = 0xA0;
        if (b == 0xED)
            hi2 = 0x9F;
        if (b == 0xF0)
            lo2 = 0x90;
        if (b == 0xF4)
            hi2 = 0x8F;
        if (n - i < len)
            return false;
        if (s[i + 1] < lo2 || s[i + 1] > hi2)
            return false;
        for (k = 2; k < len; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return false;
        i += len;
    }
    return true;
}

static size_t ref_enc_utf8(uint32_t cp, uint8_t *o)
{
    if (cp <= 0x7F) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp <= 0x7FF) {
        o[0] = (uint8_t)(0xC0 + cp / 64);
        o[1] = (uint8_t)(0x80 + cp % 64);
        return 2;
    }
    if (cp <= 0xFFFF) {
        o[0] = (uint8_t)(0xE0 + cp / 4096);
        o[1] = (uint8_t)(0x80 + cp / 64 % 64);
        o[2] = (uint8_t)(0x80 + cp % 64);
        return 3;
    }
    o[0] = (uint8_t)(0xF0 + cp / 262144);
    o[1] = (uint8_t)(0x80 + cp / 4096 % 64);
    o[2] = (uint8_t)(0x80 + cp / 64 % 64);
    o[3] = (uint8_t)(0x80 + cp % 64);
    return 4;
}

static size_t ref_enc_utf16(uint32_t cp, uint16_t *o)
{
    if (cp < 0x10000) {
        o[0] = (uint16_t)cp;
        return 1;
    }
    o[0] = (uint16_t)(0xD800 + (cp - 0x10000) / 1024);
    o[1] = (uint16_t)(0xDC00 + (cp - 0x10000) % 1024);
    return 2;
}

/* ---- helpers ------------------------------------------------------------------------------ */

static void check_from_utf8_ok(const char *in, size_t in_len, const uint16_t *want,
                               size_t want_len)
{
    uint16_t out[64];
    size_t out_len = SENTSZ;

    assert_true(want_len < ARRAY_LEN(out));
    memset(out, 0xA5, sizeof out);
    assert_true(ch_u16_from_utf8(in, in_len, out, ARRAY_LEN(out), &out_len));
    assert_int_equal(out_len, want_len);
    if (want_len)
        assert_memory_equal(out, want, want_len * sizeof(uint16_t));
    assert_int_equal(out[want_len], 0);
    assert_int_equal(out[want_len + 1], SENT16); /* nothing written past the NUL */
}

static void check_from_utf8_fails(const char *in, size_t in_len)
{
    uint16_t out[16];
    size_t out_len = SENTSZ;

    memset(out, 0xA5, sizeof out);
    assert_false(ch_u16_from_utf8(in, in_len, out, ARRAY_LEN(out), &out_len));
    assert_int_equal(out[0], 0);
    assert_int_equal(out_len, SENTSZ);
}

static void check_to_utf8_ok(const uint16_t *in, size_t n, const char *want)
{
    char out[64];
    size_t out_len = SENTSZ, want_len = strlen(want);

    assert_true(want_len < sizeof out);
    memset(out, 0x5A, sizeof out);
    assert_true(ch_u16_to_utf8(in, n, out, sizeof out, &out_len));
    assert_int_equal(out_len, want_len);
    assert_memory_equal(out, want, want_len + 1);
    assert_int_equal((unsigned char)out[want_len + 1], 0x5A);
}

static void check_to_utf8_fails(const uint16_t *in, size_t n)
{
    char out[16];
    size_t out_len = SENTSZ;

    memset(out, 0x5A, sizeof out);
    assert_false(ch_u16_to_utf8(in, n, out, sizeof out, &out_len));
    assert_int_equal(out[0], '\0');
    assert_int_equal(out_len, SENTSZ);
}

/* ---- ch_u16_len --------------------------------------------------------------------------- */

static void test_len(void **state)
{
    static const uint16_t s[] = {'P', 'I', 'V', 0, 'X'};
    static const uint16_t empty[] = {0};
    static const uint16_t nonul[] = {'a', 'b', 'c'};
    size_t len = SENTSZ;
    (void)state;

    assert_true(ch_u16_len(s, 5, &len));
    assert_int_equal(len, 3);
    len = SENTSZ;
    assert_true(ch_u16_len(s, 4, &len)); /* NUL is the last unit allowed */
    assert_int_equal(len, 3);
    len = SENTSZ;
    assert_false(ch_u16_len(s, 3, &len)); /* one short: NUL just outside max */
    assert_int_equal(len, SENTSZ);
    assert_false(ch_u16_len(s, 0, &len));
    assert_true(ch_u16_len(empty, 1, &len));
    assert_int_equal(len, 0);
    len = SENTSZ;
    assert_false(ch_u16_len(nonul, ARRAY_LEN(nonul), &len));
    assert_int_equal(len, SENTSZ);
    assert_false(ch_u16_len(NULL, 10, &len));
    assert_false(ch_u16_len(NULL, 0, &len));
    assert_int_equal(len, SENTSZ);
    assert_true(ch_u16_len(s, 5, NULL)); /* length output optional */
    assert_false(ch_u16_len(nonul, 3, NULL));
}

/* ---- ch_u16_eq_ascii ---------------------------------------------------------------------- */

static void test_eq_ascii(void **state)
{
    static const uint16_t piv[] = {'P', 'I', 'V', 0};
    static const uint16_t empty[] = {0};
    static const uint16_t nonul[] = {'P', 'I', 'V'};
    static const uint16_t wide[] = {0x0150, 'I', 'V', 0}; /* low byte 'P', high byte set */
    static const uint16_t latin1[] = {0x00E9, 0};
    (void)state;

    assert_true(ch_u16_eq_ascii(piv, 4, "PIV"));
    assert_true(ch_u16_eq_ascii(piv, 100, "PIV"));
    assert_false(ch_u16_eq_ascii(piv, 3, "PIV")); /* NUL not within max */
    assert_false(ch_u16_eq_ascii(piv, 4, "piv")); /* case-sensitive */
    assert_false(ch_u16_eq_ascii(piv, 4, "PIv"));
    assert_false(ch_u16_eq_ascii(piv, 4, "PI"));   /* s longer */
    assert_false(ch_u16_eq_ascii(piv, 4, "PIVX")); /* ascii longer */
    assert_false(ch_u16_eq_ascii(piv, 4, ""));
    assert_true(ch_u16_eq_ascii(empty, 1, ""));
    assert_false(ch_u16_eq_ascii(empty, 0, ""));
    assert_false(ch_u16_eq_ascii(empty, 1, "P"));
    assert_false(ch_u16_eq_ascii(nonul, 3, "PIV"));
    assert_false(ch_u16_eq_ascii(wide, 4, "PIV"));
    assert_false(ch_u16_eq_ascii(latin1, 2, "\xE9")); /* not ASCII: never equal */
    assert_false(ch_u16_eq_ascii(NULL, 4, "PIV"));
    assert_false(ch_u16_eq_ascii(piv, 4, NULL));
}

/* ---- ch_u16_eq ---------------------------------------------------------------------------- */

static void test_eq(void **state)
{
    static const uint16_t a[] = {'a', 'b', 0};
    static const uint16_t a2[] = {'a', 'b', 0, 'x'};
    static const uint16_t b[] = {'a', 'c', 0};
    static const uint16_t ab_c[] = {'a', 'b', 'c', 0};
    static const uint16_t empty[] = {0};
    static const uint16_t nonul1[] = {'a', 'b'};
    static const uint16_t nonul2[] = {'a', 'b'};
    static const uint16_t hi[] = {0xD83D, 0xDE00, 0};
    static const uint16_t hi2[] = {0xD83D, 0xDE01, 0};
    (void)state;

    assert_true(ch_u16_eq(a, a2, 3));
    assert_true(ch_u16_eq(a, a2, 100));
    assert_true(ch_u16_eq(a, a, 3));
    assert_false(ch_u16_eq(a, a2, 2)); /* equal units, but no NUL within max */
    assert_false(ch_u16_eq(a, b, 3));
    assert_false(ch_u16_eq(a, ab_c, 4)); /* prefix */
    assert_false(ch_u16_eq(ab_c, a, 4));
    assert_true(ch_u16_eq(empty, empty, 1));
    assert_false(ch_u16_eq(empty, empty, 0));
    assert_false(ch_u16_eq(empty, a, 3));
    assert_false(ch_u16_eq(nonul1, nonul2, 2));
    assert_true(ch_u16_eq(hi, hi, 3));
    assert_false(ch_u16_eq(hi, hi2, 3));
    assert_false(ch_u16_eq(NULL, a, 3));
    assert_false(ch_u16_eq(a, NULL, 3));
    assert_false(ch_u16_eq(NULL, NULL, 3));
}

/* ---- ch_u16_from_utf8 --------------------------------------------------------------------- */

static void test_from_utf8_valid(void **state)
{
    static const uint16_t w_ascii[] = {'P', 'I', 'V', ' ', '~'};
    static const uint16_t w_e9[] = {0x00E9};
    static const uint16_t w_euro[] = {0x20AC};
    static const uint16_t w_grin[] = {0xD83D, 0xDE00};
    static const uint16_t w_max[] = {0xDBFF, 0xDFFF};
    static const uint16_t w_10000[] = {0xD800, 0xDC00};
    static const uint16_t w_bounds[] = {0x007F, 0x0080, 0x07FF, 0x0800, 0xD7FF, 0xE000, 0xFFFD,
                                        0xFFFF};
    static const uint16_t w_mixed[] = {'a', 0x00E9, 0x20AC, 0xD83D, 0xDE00, 'z'};
    static const uint16_t w_ab[] = {'a', 'b'};
    (void)state;

    check_from_utf8_ok("PIV ~", 5, w_ascii, 5);
    check_from_utf8_ok("\xC3\xA9", 2, w_e9, 1);
    check_from_utf8_ok("\xE2\x82\xAC", 3, w_euro, 1);
    check_from_utf8_ok("\xF0\x9F\x98\x80", 4, w_grin, 2); /* U+1F600 -> surrogate pair */
    check_from_utf8_ok("\xF4\x8F\xBF\xBF", 4, w_max, 2);  /* U+10FFFF */
    check_from_utf8_ok("\xF0\x90\x80\x80", 4, w_10000, 2); /* U+10000 */
    check_from_utf8_ok("\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80"
                       "\xEF\xBF\xBD\xEF\xBF\xBF",
                       20, w_bounds, ARRAY_LEN(w_bounds));
    check_from_utf8_ok("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z", 11, w_mixed, 6);
    check_from_utf8_ok("abc", 2, w_ab, 2); /* only in_len bytes are read */
    check_from_utf8_ok("", 0, NULL, 0);
    check_from_utf8_ok(NULL, 0, NULL, 0);
}

static void test_from_utf8_out_len_optional(void **state)
{
    uint16_t out[4];
    (void)state;

    assert_true(ch_u16_from_utf8("ab", 2, out, 4, NULL));
    assert_int_equal(out[0], 'a');
    assert_int_equal(out[2], 0);
}

static void test_from_utf8_overlong(void **state)
{
    (void)state;
    check_from_utf8_fails("\xC0\xAF", 2);             /* '/' in 2 bytes */
    check_from_utf8_fails("\xC0\x80", 2);             /* NUL in 2 bytes ("modified UTF-8") */
    check_from_utf8_fails("\xC1\xBF", 2);             /* U+007F in 2 bytes */
    check_from_utf8_fails("\xE0\x80\xAF", 3);         /* '/' in 3 bytes */
    check_from_utf8_fails("\xE0\x9F\xBF", 3);         /* U+07FF in 3 bytes */
    check_from_utf8_fails("\xF0\x80\x80\xAF", 4);     /* '/' in 4 bytes */
    check_from_utf8_fails("\xF0\x8F\xBF\xBF", 4);     /* U+FFFF in 4 bytes */
    check_from_utf8_fails("\xF8\x88\x80\x80\x80", 5); /* 5-byte forms do not exist */
    check_from_utf8_fails("\xFC\x84\x80\x80\x80\x80", 6);
    check_from_utf8_fails("ok\xC0\xAF", 4); /* after valid text too */
}

static void test_from_utf8_surrogates_and_range(void **state)
{
    (void)state;
    check_from_utf8_fails("\xED\xA0\x80", 3); /* U+D800 */
    check_from_utf8_fails("\xED\xAF\xBF", 3); /* U+DBFF */
    check_from_utf8_fails("\xED\xB0\x80", 3); /* U+DC00 */
    check_from_utf8_fails("\xED\xBF\xBF", 3); /* U+DFFF */
    check_from_utf8_fails("\xED\xA0\xBD\xED\xB8\x80", 6); /* CESU-8 pair for U+1F600 */
    check_from_utf8_fails("\xF4\x90\x80\x80", 4); /* U+110000 */
    check_from_utf8_fails("\xF4\xBF\xBF\xBF", 4);
    check_from_utf8_fails("\xF5\x80\x80\x80", 4);
    check_from_utf8_fails("\xF7\xBF\xBF\xBF", 4); /* U+1FFFFF */
    check_from_utf8_fails("\xFE", 1);
    check_from_utf8_fails("\xFF", 1);
}

static void test_from_utf8_truncated_and_stray(void **state)
{
    (void)state;
    check_from_utf8_fails("\xC3", 1);
    check_from_utf8_fails("\xE2\x82", 2);
    check_from_utf8_fails("\xE2", 1);
    check_from_utf8_fails("\xF0\x9F\x98", 3);
    check_from_utf8_fails("\xF0\x9F", 2);
    check_from_utf8_fails("\xF0", 1);
    check_from_utf8_fails("\xC3\xA9", 1);         /* cut by in_len, not by the data */
    check_from_utf8_fails("\xF0\x9F\x98\x80", 3); /* same for 4 bytes */
    check_from_utf8_fails("a\xC3", 2);
    check_from_utf8_fails("\xC3" "A", 2);         /* continuation replaced by ASCII */
    check_from_utf8_fails("\xE2" "A\xAC", 3);
    check_from_utf8_fails("\xE2\x82" "A", 3);
    check_from_utf8_fails("\xF0\x9F\x98" "A", 4);
    check_from_utf8_fails("\xC3\xC3\xA9", 3);     /* lead where a continuation belongs */
    check_from_utf8_fails("\x80", 1);             /* stray continuations */
    check_from_utf8_fails("\xBF", 1);
    check_from_utf8_fails("a\x80" "b", 3);
    check_from_utf8_fails("\xC3\xA9\xA9", 3);     /* one continuation too many */
}

static void test_from_utf8_embedded_nul(void **state)
{
    (void)state;
    check_from_utf8_fails("a\0b", 3);
    check_from_utf8_fails("\0", 1);
    check_from_utf8_fails("ab\0", 3); /* a trailing NUL counted in in_len is embedded too */
}

static void test_from_utf8_null_args(void **state)
{
    uint16_t out[4] = {SENT16, SENT16, SENT16, SENT16};
    size_t out_len = SENTSZ;
    (void)state;

    assert_false(ch_u16_from_utf8(NULL, 1, out, 4, &out_len));
    assert_int_equal(out[0], 0);
    assert_false(ch_u16_from_utf8("a", 1, NULL, 0, &out_len));
    assert_false(ch_u16_from_utf8("a", 1, NULL, 4, &out_len));
    out[0] = SENT16;
    assert_false(ch_u16_from_utf8("", 0, out, 0, &out_len)); /* no room even for the NUL */
    assert_int_equal(out[0], SENT16);                        /* out_cap 0: nothing written */
    assert_int_equal(out_len, SENTSZ);
}

static void test_from_utf8_caps(void **state)
{
    uint16_t out[8];
    size_t out_len;
    (void)state;

    /* "abc": 3 units + NUL */
    memset(out, 0xA5, sizeof out);
    assert_true(ch_u16_from_utf8("abc", 3, out, 4, &out_len)); /* exact fit */
    assert_int_equal(out_len, 3);
    assert_int_equal(out[3], 0);
    assert_int_equal(out[4], SENT16);
    memset(out, 0xA5, sizeof out);
    out_len = SENTSZ;
    assert_false(ch_u16_from_utf8("abc", 3, out, 3, &out_len)); /* one short */
    assert_int_equal(out[0], 0);
    assert_int_equal(out[3], SENT16); /* nothing at or past out_cap */
    assert_int_equal(out_len, SENTSZ);

    /* empty input needs exactly one unit */
    memset(out, 0xA5, sizeof out);
    assert_true(ch_u16_from_utf8("", 0, out, 1, &out_len));
    assert_int_equal(out_len, 0);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], SENT16);

    /* U+1F600: 2 units + NUL; a pair is never split */
    memset(out, 0xA5, sizeof out);
    assert_true(ch_u16_from_utf8("\xF0\x9F\x98\x80", 4, out, 3, &out_len));
    assert_int_equal(out_len, 2);
    assert_int_equal(out[0], 0xD83D);
    assert_int_equal(out[1], 0xDE00);
    assert_int_equal(out[2], 0);
    memset(out, 0xA5, sizeof out);
    assert_false(ch_u16_from_utf8("\xF0\x9F\x98\x80", 4, out, 2, &out_len));
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], SENT16);
    assert_int_equal(out[2], SENT16);

    /* "a" + U+1F600: 4 units with the NUL */
    memset(out, 0xA5, sizeof out);
    assert_true(ch_u16_from_utf8("a\xF0\x9F\x98\x80", 5, out, 4, &out_len));
    assert_int_equal(out_len, 3);
    memset(out, 0xA5, sizeof out);
    assert_false(ch_u16_from_utf8("a\xF0\x9F\x98\x80", 5, out, 3, &out_len));
    assert_int_equal(out[0], 0);
    assert_int_equal(out[3], SENT16);

    /* 3-byte UTF-8 is still one unit: "\u20AC\u20AC" fits in 3 */
    memset(out, 0xA5, sizeof out);
    assert_true(ch_u16_from_utf8("\xE2\x82\xAC\xE2\x82\xAC", 6, out, 3, &out_len));
    assert_int_equal(out_len, 2);
    assert_false(ch_u16_from_utf8("\xE2\x82\xAC\xE2\x82\xAC", 6, out, 2, &out_len));
    assert_int_equal(out[0], 0);
}

static void test_from_utf8_exhaustive_short(void **state)
{
    uint8_t in[4];
    uint16_t out[8];
    unsigned a, b, c, d;
    static const uint8_t tail[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0,
                                   0xF4, 0xFF};
    (void)state;

    /* every 1-, 2- and 3-byte input */
    for (a = 0; a < 256; a++) {
        in[0] = (uint8_t)a;
        assert_int_equal(ch_u16_from_utf8((const char *)in, 1, out, 8, NULL),
                         ref_utf8_ok(in, 1));
        for (b = 0; b < 256; b++) {
            in[1] = (uint8_t)b;
            assert_int_equal(ch_u16_from_utf8((const char *)in, 2, out, 8, NULL),
                             ref_utf8_ok(in, 2));
            for (c = 0; c < 256; c++) {
                in[2] = (uint8_t)c;
                if (ch_u16_from_utf8((const char *)in, 3, out, 8, NULL) != ref_utf8_ok(in, 3))
                    fail_msg("3-byte input %02X %02X %02X", a, b, c);
            }
        }
    }
    /* every lead and second byte of 4-byte input, with telling third and fourth bytes */
    for (a = 0; a < 256; a++) {
        for (b = 0; b < 256; b++) {
            for (c = 0; c < ARRAY_LEN(tail); c++) {
                for (d = 0; d < ARRAY_LEN(tail); d++) {
                    in[0] = (uint8_t)a;
                    in[1] = (uint8_t)b;
                    in[2] = tail[c];
                    in[3] = tail[d];
                    if (ch_u16_from_utf8((const char *)in, 4, out, 8, NULL) !=
                        ref_utf8_ok(in, 4))
                        fail_msg("4-byte input %02X %02X %02X %02X", a, b, in[2], in[3]);
                }
            }
        }
    }
}

static void test_roundtrip_every_scalar(void **state)
{
    uint32_t cp;
    (void)state;

    for (cp = 1; cp <= 0x10FFFF; cp++) {
        uint8_t u8[4];
        uint16_t want16[2], got16[3];
        char back[5];
        size_t n8, n16, got_len, back_len;

        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        n8 = ref_enc_utf8(cp, u8);
        n16 = ref_enc_utf16(cp, want16);
        /* exactly enough room in both directions */
        if (!ch_u16_from_utf8((const char *)u8, n8, got16, n16 + 1, &got_len) ||
            got_len != n16 || memcmp(got16, want16, n16 * sizeof(uint16_t)) != 0 ||
            got16[n16] != 0)
            fail_msg("UTF-8 -> UTF-16 of U+%04X", (unsigned)cp);
        if (!ch_u16_to_utf8(got16, n16, back, n8 + 1, &back_len) || back_len != n8 ||
            memcmp(back, u8, n8) != 0 || back[n8] != '\0')
            fail_msg("UTF-16 -> UTF-8 of U+%04X", (unsigned)cp);
        /* and one short fails in both directions */
        if (ch_u16_from_utf8((const char *)u8, n8, got16, n16, NULL) || got16[0] != 0)
            fail_msg("UTF-8 -> UTF-16 of U+%04X fits one short", (unsigned)cp);
        if (ch_u16_to_utf8(want16, n16, back, n8, NULL) || back[0] != '\0')
            fail_msg("UTF-16 -> UTF-8 of U+%04X fits one short", (unsigned)cp);
    }
}

/* ---- ch_u16_to_utf8 ----------------------------------------------------------------------- */

static void test_to_utf8_valid(void **state)
{
    static const uint16_t s_ascii[] = {'P', 'I', 'V'};
    static const uint16_t s_bounds[] = {0x0001, 0x007F, 0x0080, 0x07FF, 0x0800, 0xD7FF, 0xE000,
                                        0xFFFF};
    static const uint16_t s_grin[] = {0xD83D, 0xDE00};
    static const uint16_t s_min[] = {0xD800, 0xDC00};
    static const uint16_t s_max[] = {0xDBFF, 0xDFFF};
    static const uint16_t s_mixed[] = {'a', 0x00E9, 0xD83D, 0xDE00, 0x20AC};
    (void)state;

    check_to_utf8_ok(s_ascii, 3, "PIV");
    check_to_utf8_ok(s_ascii, 1, "P"); /* only in_units are read */
    check_to_utf8_ok(s_bounds, ARRAY_LEN(s_bounds),
                     "\x01\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF");
    check_to_utf8_ok(s_grin, 2, "\xF0\x9F\x98\x80");
    check_to_utf8_ok(s_min, 2, "\xF0\x90\x80\x80");
    check_to_utf8_ok(s_max, 2, "\xF4\x8F\xBF\xBF");
    check_to_utf8_ok(s_mixed, 5, "a\xC3\xA9\xF0\x9F\x98\x80\xE2\x82\xAC");
    check_to_utf8_ok(s_ascii, 0, "");
    check_to_utf8_ok(NULL, 0, "");
}

static void test_to_utf8_unpaired(void **state)
{
    static const uint16_t hi_end[] = {'a', 0xD83D};
    static const uint16_t hi_ascii[] = {0xD83D, 'a'};
    static const uint16_t hi_hi[] = {0xD83D, 0xD83D, 0xDE00};
    static const uint16_t lo_alone[] = {0xDE00};
    static const uint16_t lo_hi[] = {0xDE00, 0xD83D};
    static const uint16_t hi_nul[] = {0xD83D, 0x0000};
    static const uint16_t pair_cut[] = {0xD83D, 0xDE00};
    static const uint16_t lo_after_pair[] = {0xD83D, 0xDE00, 0xDE00};
    static const uint16_t hi_e000[] = {0xDBFF, 0xE000};
    static const uint16_t hi_dbff[] = {0xD800, 0xDBFF};
    (void)state;

    check_to_utf8_fails(hi_end, 2);
    check_to_utf8_fails(hi_ascii, 2);
    check_to_utf8_fails(hi_hi, 3);
    check_to_utf8_fails(lo_alone, 1);
    check_to_utf8_fails(lo_hi, 2);
    check_to_utf8_fails(hi_nul, 2);
    check_to_utf8_fails(pair_cut, 1); /* the low half lies beyond in_units */
    check_to_utf8_fails(lo_after_pair, 3);
    check_to_utf8_fails(hi_e000, 2);
    check_to_utf8_fails(hi_dbff, 2);
}

static void test_to_utf8_embedded_nul(void **state)
{
    static const uint16_t s[] = {'a', 0, 'b'};
    static const uint16_t z[] = {0};
    (void)state;

    check_to_utf8_fails(s, 3);
    check_to_utf8_fails(z, 1);
}

static void test_to_utf8_every_unit_and_pairs(void **state)
{
    static const uint16_t seconds[] = {0x0000, 0x0041, 0xD7FF, 0xD800, 0xDBFF, 0xDC00, 0xDFFF,
                                       0xE000, 0xFFFF};
    uint16_t in[2];
    char out[8];
    uint32_t u;
    size_t k;
    (void)state;

    for (u = 0; u <= 0xFFFF; u++) {
        bool want = u != 0 && (u < 0xD800 || u > 0xDFFF);
        in[0] = (uint16_t)u;
        if (ch_u16_to_utf8(in, 1, out, sizeof out, NULL) != want)
            fail_msg("unit %04X", (unsigned)u);
        for (k = 0; k < ARRAY_LEN(seconds); k++) {
            bool is_hi = u >= 0xD800 && u <= 0xDBFF;
            bool second_lo = seconds[k] >= 0xDC00 && seconds[k] <= 0xDFFF;
            bool second_ok = seconds[k] != 0 && (seconds[k] < 0xD800 || seconds[k] > 0xDFFF);
            bool want2 = is_hi ? second_lo : (want && second_ok);
            in[1] = seconds[k];
            if (ch_u16_to_utf8(in, 2, out, sizeof out, NULL) != want2)
                fail_msg("units %04X %04X", (unsigned)u, (unsigned)seconds[k]);
        }
    }
}

static void test_to_utf8_caps(void **state)
{
    static const uint16_t abc[] = {'a', 'b', 'c'};
    static const uint16_t e9[] = {0x00E9};
    static const uint16_t euro[] = {0x20AC};
    static const uint16_t grin[] = {0xD83D, 0xDE00};
    char out[8];
    size_t out_len = SENTSZ;
    (void)state;

    memset(out, 0x5A, sizeof out);
    assert_true(ch_u16_to_utf8(abc, 3, out, 4, &out_len)); /* exact */
    assert_int_equal(out_len, 3);
    assert_string_equal(out, "abc");
    assert_int_equal(out[4], 0x5A);
    memset(out, 0x5A, sizeof out);
    out_len = SENTSZ;
    assert_false(ch_u16_to_utf8(abc, 3, out, 3, &out_len)); /* one short */
    assert_int_equal(out[0], '\0');
    assert_int_equal(out[3], 0x5A);
    assert_int_equal(out_len, SENTSZ);

    assert_true(ch_u16_to_utf8(e9, 1, out, 3, &out_len));
    assert_int_equal(out_len, 2);
    assert_false(ch_u16_to_utf8(e9, 1, out, 2, &out_len));
    assert_int_equal(out[0], '\0');
    assert_true(ch_u16_to_utf8(euro, 1, out, 4, &out_len));
    assert_int_equal(out_len, 3);
    assert_false(ch_u16_to_utf8(euro, 1, out, 3, &out_len));
    assert_true(ch_u16_to_utf8(grin, 2, out, 5, &out_len));
    assert_int_equal(out_len, 4);
    memset(out, 0x5A, sizeof out);
    assert_false(ch_u16_to_utf8(grin, 2, out, 4, &out_len));
    assert_int_equal(out[0], '\0');
    assert_int_equal(out[1], 0x5A); /* a sequence is never split */

    assert_true(ch_u16_to_utf8(abc, 0, out, 1, &out_len));
    assert_int_equal(out_len, 0);
    assert_int_equal(out[0], '\0');
    out[0] = 'Z';
    assert_false(ch_u16_to_utf8(abc, 0, out, 0, &out_len)); /* no room for the NUL */
    assert_int_equal(out[0], 'Z');
    assert_false(ch_u16_to_utf8(abc, 3, NULL, 8, &out_len));
    assert_false(ch_u16_to_utf8(NULL, 1, out, 8, &out_len));
    assert_int_equal(out[0], '\0');
    assert_true(ch_u16_to_utf8(abc, 3, out, 8, NULL)); /* out_len optional */
}

/* ---- ch_u16_to_ascii ---------------------------------------------------------------------- */

static void test_to_ascii(void **state)
{
    static const uint16_t s[] = {'P', 'I', 'V', ' ', '~', 0};
    static const uint16_t empty[] = {0};
    static const uint16_t nonul[] = {'a', 'b'};
    char out[8];
    (void)state;

    memset(out, 0x5A, sizeof out);
    assert_true(ch_u16_to_ascii(s, 6, out, 6)); /* exact fit */
    assert_string_equal(out, "PIV ~");
    assert_int_equal(out[6], 0x5A);
    memset(out, 0x5A, sizeof out);
    assert_false(ch_u16_to_ascii(s, 6, out, 5)); /* one short */
    assert_int_equal(out[0], '\0');
    assert_int_equal(out[5], 0x5A);
    assert_false(ch_u16_to_ascii(s, 5, out, 8)); /* NUL just beyond max */
    assert_int_equal(out[0], '\0');
    assert_false(ch_u16_to_ascii(nonul, 2, out, 8));
    assert_true(ch_u16_to_ascii(empty, 1, out, 1));
    assert_int_equal(out[0], '\0');
    out[0] = 'Z';
    assert_false(ch_u16_to_ascii(empty, 1, out, 0));
    assert_int_equal(out[0], 'Z');
    assert_false(ch_u16_to_ascii(NULL, 4, out, 8));
    assert_int_equal(out[0], '\0');
    assert_false(ch_u16_to_ascii(s, 6, NULL, 8));
}

static void test_to_ascii_every_unit(void **state)
{
    uint16_t s[3];
    char out[4];
    uint32_t u;
    (void)state;

    for (u = 1; u <= 0xFFFF; u++) {
        bool want = u >= 0x20 && u <= 0x7E;
        s[0] = 'x';
        s[1] = (uint16_t)u;
        s[2] = 0;
        memset(out, 0x5A, sizeof out);
        if (ch_u16_to_ascii(s, 3, out, sizeof out) != want)
            fail_msg("unit %04X", (unsigned)u);
        if (want) {
            assert_int_equal(out[0], 'x');
            assert_int_equal((unsigned char)out[1], u);
            assert_int_equal(out[2], '\0');
        } else {
            assert_int_equal(out[0], '\0');
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_len),
        cmocka_unit_test(test_eq_ascii),
        cmocka_unit_test(test_eq),
        cmocka_unit_test(test_from_utf8_valid),
        cmocka_unit_test(test_from_utf8_out_len_optional),
        cmocka_unit_test(test_from_utf8_overlong),
        cmocka_unit_test(test_from_utf8_surrogates_and_range),
        cmocka_unit_test(test_from_utf8_truncated_and_stray),
        cmocka_unit_test(test_from_utf8_embedded_nul),
        cmocka_unit_test(test_from_utf8_null_args),
        cmocka_unit_test(test_from_utf8_caps),
        cmocka_unit_test(test_from_utf8_exhaustive_short),
        cmocka_unit_test(test_roundtrip_every_scalar),
        cmocka_unit_test(test_to_utf8_valid),
        cmocka_unit_test(test_to_utf8_unpaired),
        cmocka_unit_test(test_to_utf8_embedded_nul),
        cmocka_unit_test(test_to_utf8_every_unit_and_pairs),
        cmocka_unit_test(test_to_utf8_caps),
        cmocka_unit_test(test_to_ascii),
        cmocka_unit_test(test_to_ascii_every_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
