/* fuzz_utf16: the bounded UTF-16 helpers (src/util/utf16.h) that handle the Cardmod ABI's
 * strings, against a reference written independently here from the Unicode standard's table
 * of well-formed UTF-8 byte sequences (Table 3-7) and the UTF-16 surrogate rules.
 *
 * Input layout:
 *   [0]      mode % 3: 0 UTF-8 -> UTF-16, 1 UTF-16 -> UTF-8, 2 the bounded comparisons
 *   [1..2]   out_cap (mode 0, 1: the output buffer's size in units / bytes; mode 2: max)
 *   [3..]    the string: UTF-8 bytes (mode 0), UTF-16LE units (mode 1, 2; an odd last byte is
 *            dropped); mode 2 compares its first half with its second half and with "PIN"
 * Oracle: the verdict and the output equal the reference's; on failure the output is "" (out[0]
 * is 0) and the length is not written; a string converted one way converts back to itself;
 * buffers are heap blocks of exactly their size, so ASan sees any access past them. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "utf16.h"

#define UNSET ((size_t)0x5A5A5A5Au)

/* Table 3-7: the second byte's range for a lead byte (0 when the lead is ill-formed); the
 * other continuation bytes are 80..BF. */
static int lead(uint8_t b, uint8_t *lo, uint8_t *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (b <= 0x7F)
        return 1;
    if (b >= 0xC2 && b <= 0xDF)
        return 2;
    if (b == 0xE0)
        *lo = 0xA0;
    if (b == 0xED)
        *hi = 0x9F;
    if (b >= 0xE0 && b <= 0xEF)
        return 3;
    if (b == 0xF0)
        *lo = 0x90;
    if (b == 0xF4)
        *hi = 0x8F;
    if (b >= 0xF0 && b <= 0xF4)
        return 4;
    return 0;
}

/* The UTF-16 units of well-formed UTF-8 without U+0000; false otherwise. */
static bool ref_from_utf8(const uint8_t *s, size_t n, uint16_t *out, size_t *units)
{
    size_t i = 0, o = 0;
    while (i < n) {
        uint8_t lo, hi;
        int len = lead(s[i], &lo, &hi);
        uint32_t cp;
        if (len == 0 || (size_t)len > n - i)
            return false;
        if (len > 1 && (s[i + 1] < lo || s[i + 1] > hi))
            return false;
        for (int k = 2; k < len; k++)
            if (s[i + (size_t)k] < 0x80 || s[i + (size_t)k] > 0xBF)
                return false;
        cp = len == 1 ? s[i] : (uint32_t)(s[i] & (0xFFu >> (len + 1)));
        for (int k = 1; k < len; k++)
            cp = cp << 6 | (s[i + (size_t)k] & 0x3Fu);
        if (cp == 0)
            return false;
        if (cp >= 0x10000u) {
            out[o++] = (uint16_t)(0xD800u + ((cp - 0x10000u) >> 10));
            out[o++] = (uint16_t)(0xDC00u + ((cp - 0x10000u) & 0x3FFu));
        } else {
            out[o++] = (uint16_t)cp;
        }
        i += (size_t)len;
    }
    *units = o;
    return true;
}

/* The UTF-8 length of well-formed UTF-16 without U+0000; false otherwise. */
static bool ref_utf8_len(const uint16_t *u, size_t n, size_t *bytes)
{
    size_t b = 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t c = u[i];
        if (c == 0 || (c >= 0xDC00 && c <= 0xDFFF))
            return false;
        if (c >= 0xD800 && c <= 0xDBFF) {
            if (i + 1 == n || u[i + 1] < 0xDC00 || u[i + 1] > 0xDFFF)
                return false;
            i++;
            b += 4;
        } else {
            b += c < 0x80 ? 1u : c < 0x800 ? 2u : 3u;
        }
    }
    *bytes = b;
    return true;
}

static void from_utf8(const uint8_t *s, size_t n, size_t cap)
{
    uint16_t *ref = malloc((n + 1) * sizeof *ref), *out = malloc((cap ? cap : 1) * sizeof *out);
    size_t units = 0, got = UNSET;
    bool want, ok;

    CH_CHECK(ref && out, "out of memory");
    want = ref_from_utf8(s, n, ref, &units) && units + 1 <= cap;
    out[0] = 0xFFFF;
    ok = ch_u16_from_utf8(n ? (const char *)s : NULL, n, cap ? out : NULL, cap, &got);
    CH_CHECK(ok == want, "ch_u16_from_utf8 says %d, the reference %d (%zu units, cap %zu)", ok,
             want, units, cap);
    if (ok) {
        char *back = malloc(n + 1);
        size_t blen = UNSET;
        CH_CHECK(got == units && memcmp(out, ref, units * sizeof *out) == 0 && out[units] == 0,
                 "ch_u16_from_utf8: wrong units");
        CH_CHECK(back != NULL, "out of memory");
        CH_CHECK(ch_u16_to_utf8(out, units, back, n + 1, &blen) && blen == n &&
                     memcmp(back, s, n) == 0,
                 "UTF-8 -> UTF-16 -> UTF-8 is not the identity");
        free(back);
    } else {
        CH_CHECK(got == UNSET, "a failed conversion wrote its length");
        CH_CHECK(cap == 0 || out[0] == 0, "a failed conversion left output behind");
    }
    free(ref);
    free(out);
}

static void to_utf8(const uint16_t *u, size_t n, size_t cap)
{
    char *out = malloc(cap ? cap : 1);
    size_t bytes = 0, got = UNSET;
    bool want, ok;

    CH_CHECK(out != NULL, "out of memory");
    want = ref_utf8_len(u, n, &bytes) && bytes + 1 <= cap;
    out[0] = 'x';
    ok = ch_u16_to_utf8(n ? u : NULL, n, cap ? out : NULL, cap, &got);
    CH_CHECK(ok == want, "ch_u16_to_utf8 says %d, the reference %d (%zu bytes, cap %zu)", ok,
             want, bytes, cap);
    if (ok) {
        uint16_t *back = malloc((n + 1) * sizeof *back);
        size_t units = UNSET;
        CH_CHECK(got == bytes && out[bytes] == '\0', "ch_u16_to_utf8: %zu bytes, expected %zu",
                 got, bytes);
        CH_CHECK(back != NULL, "out of memory");
        CH_CHECK(ch_u16_from_utf8(out, got, back, n + 1, &units) && units == n &&
                     memcmp(back, u, n * sizeof *u) == 0,
                 "UTF-16 -> UTF-8 -> UTF-16 is not the identity");
        free(back);
    } else {
        CH_CHECK(got == UNSET, "a failed conversion wrote its length");
        CH_CHECK(cap == 0 || out[0] == '\0', "a failed conversion left output behind");
    }
    free(out);
}

/* The bounded comparisons over a = u[0..h), b = u[h..n), each a heap block of its own. */
static void compare(const uint16_t *u, size_t n, size_t max)
{
    size_t h = n / 2, la = UNSET, want_la = h, want_lb = n - h;
    uint16_t *a = malloc((h ? h : 1) * sizeof *a), *b = malloc((n - h ? n - h : 1) * sizeof *b);
    bool ta, tb, eq;
    char asc[8];

    CH_CHECK(a && b, "out of memory");
    memcpy(a, u, h * sizeof *u);
    memcpy(b, u + h, (n - h) * sizeof *u);
    for (size_t i = 0; i < h; i++)
        if (a[i] == 0 && want_la == h)
            want_la = i;
    for (size_t i = 0; i < n - h; i++)
        if (b[i] == 0 && want_lb == n - h)
            want_lb = i;
    /* Terminated within the bound and within the block (past the block ASan would object). */
    ta = want_la < h && want_la < max;
    tb = want_lb < n - h && want_lb < max;
    {
        size_t bound = max < h ? max : h; /* ch_u16_len may read all of it */
        CH_CHECK(ch_u16_len(a, bound, &la) == (want_la < bound), "ch_u16_len(%zu units)", bound);
        CH_CHECK(want_la >= bound || la == want_la, "ch_u16_len: %zu, expected %zu", la, want_la);
    }
    if (ta && tb) {
        eq = want_la == want_lb && memcmp(a, b, want_la * sizeof *a) == 0;
        CH_CHECK(ch_u16_eq(a, b, max) == eq, "ch_u16_eq says %d", !eq);
    }
    if (ta) {
        bool pin = want_la == 3 && a[0] == 'P' && a[1] == 'I' && a[2] == 'N';
        bool printable = true;
        CH_CHECK(ch_u16_eq_ascii(a, max, "PIN") == pin, "ch_u16_eq_ascii");
        for (size_t i = 0; i < want_la; i++)
            printable = printable && a[i] >= 0x20 && a[i] <= 0x7E;
        asc[0] = 'x';
        CH_CHECK(ch_u16_to_ascii(a, max, asc, sizeof asc) == (printable && want_la < sizeof asc),
                 "ch_u16_to_ascii");
        if (printable && want_la < sizeof asc)
            for (size_t i = 0; i <= want_la; i++)
                CH_CHECK(asc[i] == (char)a[i], "ch_u16_to_ascii: byte %zu", i);
        else
            CH_CHECK(asc[0] == '\0', "a failed ch_u16_to_ascii left output behind");
    }
    CH_CHECK(!ch_u16_len(NULL, max, &la) && !ch_u16_eq(NULL, b, max), "NULL strings");
    free(a);
    free(b);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    size_t cap, n;
    uint16_t *u;

    if (size < 3)
        return 0;
    cap = (size_t)data[1] | (size_t)data[2] << 8;
    data += 3;
    size -= 3;
    if (data[-3] % 3u == 0) {
        from_utf8(data, size, cap);
        return 0;
    }
    n = size / 2;
    u = malloc((n ? n : 1) * sizeof *u);
    CH_CHECK(u != NULL, "out of memory");
    for (size_t i = 0; i < n; i++)
        u[i] = (uint16_t)(data[2 * i] | data[2 * i + 1] << 8);
    if (data[-3] % 3u == 1)
        to_utf8(u, n, cap);
    else
        compare(u, n, cap);
    free(u);
    return 0;
}
