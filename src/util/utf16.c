#include "utf16.h"

#define CH_SURR_HI_MIN 0xD800u
#define CH_SURR_HI_MAX 0xDBFFu
#define CH_SURR_LO_MIN 0xDC00u
#define CH_SURR_LO_MAX 0xDFFFu
#define CH_UNICODE_MAX 0x10FFFFu

bool ch_u16_len(const uint16_t *s, size_t max, size_t *len)
{
    size_t i;

    if (s == NULL)
        return false;
    for (i = 0; i < max; i++) {
        if (s[i] == 0) {
            if (len)
                *len = i;
            return true;
        }
    }
    return false;
}

bool ch_u16_eq_ascii(const uint16_t *s, size_t max, const char *ascii)
{
    size_t i;

    if (s == NULL || ascii == NULL)
        return false;
    /* Reads of `ascii` stop at its NUL: we only go on while both units match and are not NUL. */
    for (i = 0; i < max; i++) {
        unsigned a = (unsigned char)ascii[i];
        if (a >= 0x80u || s[i] != a)
            return false;
        if (a == 0)
            return true;
    }
    return false;
}

bool ch_u16_eq(const uint16_t *a, const uint16_t *b, size_t max)
{
    size_t i;

    if (a == NULL || b == NULL)
        return false;
    for (i = 0; i < max; i++) {
        if (a[i] != b[i])
            return false;
        if (a[i] == 0)
            return true;
    }
    return false;
}

/* Decodes one strict UTF-8 sequence at in[*i] (i < n), advancing *i. Table 3-7 of the Unicode
 * standard, expressed as: length from the lead byte, 10xxxxxx continuations, then the decoded
 * value must need exactly that length (no overlong), and be neither a surrogate nor > U+10FFFF. */
static bool utf8_next(const unsigned char *in, size_t n, size_t *i, uint32_t *cp)
{
    unsigned char b = in[*i];
    size_t need, k;
    uint32_t v, min;

    if (b < 0x80u) {
        need = 0;
        v = b;
        min = 0;
    } else if ((b & 0xE0u) == 0xC0u) {
        need = 1;
        v = b & 0x1Fu;
        min = 0x80u;
    } else if ((b & 0xF0u) == 0xE0u) {
        need = 2;
        v = b & 0x0Fu;
        min = 0x800u;
    } else if ((b & 0xF8u) == 0xF0u) {
        need = 3;
        v = b & 0x07u;
        min = 0x10000u;
    } else {
        return false; /* stray continuation byte, or F8..FF */
    }
    if (need > n - *i - 1)
        return false; /* truncated */
    for (k = 1; k <= need; k++) {
        unsigned char c = in[*i + k];
        if ((c & 0xC0u) != 0x80u)
            return false;
        v = v << 6 | (uint32_t)(c & 0x3Fu);
    }
    if (v < min || v > CH_UNICODE_MAX || (v >= CH_SURR_HI_MIN && v <= CH_SURR_LO_MAX))
        return false;
    *i += need + 1;
    *cp = v;
    return true;
}

bool ch_u16_from_utf8(const char *in, size_t in_len, uint16_t *out, size_t out_cap,
                      size_t *out_len)
{
    const unsigned char *u = (const unsigned char *)in;
    size_t i = 0, o = 0; /* invariant: o < out_cap, so out[o] always has room for the NUL */

    if (out == NULL || out_cap == 0)
        return false;
    if (in == NULL && in_len != 0)
        goto fail;
    while (i < in_len) {
        uint32_t cp;
        if (!utf8_next(u, in_len, &i, &cp) || cp == 0)
            goto fail;
        if (cp < 0x10000u) {
            if (out_cap - o < 2)
                goto fail;
            out[o++] = (uint16_t)cp;
        } else {
            if (out_cap - o < 3)
                goto fail;
            cp -= 0x10000u;
            out[o++] = (uint16_t)(CH_SURR_HI_MIN | (cp >> 10));
            out[o++] = (uint16_t)(CH_SURR_LO_MIN | (cp & 0x3FFu));
        }
    }
    out[o] = 0;
    if (out_len)
        *out_len = o;
    return true;
fail:
    out[0] = 0;
    return false;
}

bool ch_u16_to_utf8(const uint16_t *in, size_t in_units, char *out, size_t out_cap,
                    size_t *out_len)
{
    size_t i = 0, o = 0; /* invariant: o < out_cap */

    if (out == NULL || out_cap == 0)
        return false;
    if (in == NULL && in_units != 0)
        goto fail;
    while (i < in_units) {
        uint32_t cp = in[i++];
        unsigned char buf[4];
        size_t n, k;

        if (cp == 0 || (cp >= CH_SURR_LO_MIN && cp <= CH_SURR_LO_MAX))
            goto fail; /* embedded NUL, or a low surrogate without its high half */
        if (cp >= CH_SURR_HI_MIN && cp <= CH_SURR_HI_MAX) {
            uint32_t lo;
            if (i == in_units)
                goto fail; /* high surrogate at the end */
            lo = in[i];
            if (lo < CH_SURR_LO_MIN || lo > CH_SURR_LO_MAX)
                goto fail; /* high surrogate not followed by a low one */
            i++;
            cp = 0x10000u + ((cp - CH_SURR_HI_MIN) << 10) + (lo - CH_SURR_LO_MIN);
        }
        if (cp < 0x80u) {
            buf[0] = (unsigned char)cp;
            n = 1;
        } else if (cp < 0x800u) {
            buf[0] = (unsigned char)(0xC0u | (cp >> 6));
            buf[1] = (unsigned char)(0x80u | (cp & 0x3Fu));
            n = 2;
        } else if (cp < 0x10000u) {
            buf[0] = (unsigned char)(0xE0u | (cp >> 12));
            buf[1] = (unsigned char)(0x80u | ((cp >> 6) & 0x3Fu));
            buf[2] = (unsigned char)(0x80u | (cp & 0x3Fu));
            n = 3;
        } else {
            buf[0] = (unsigned char)(0xF0u | (cp >> 18));
            buf[1] = (unsigned char)(0x80u | ((cp >> 12) & 0x3Fu));
            buf[2] = (unsigned char)(0x80u | ((cp >> 6) & 0x3Fu));
            buf[3] = (unsigned char)(0x80u | (cp & 0x3Fu));
            n = 4;
        }
        if (out_cap - o <= n)
            goto fail; /* n bytes plus the NUL must fit */
        for (k = 0; k < n; k++)
            out[o++] = (char)buf[k];
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return true;
fail:
    out[0] = '\0';
    return false;
}

bool ch_u16_to_ascii(const uint16_t *s, size_t max, char *out, size_t out_cap)
{
    size_t len, i;

    if (out == NULL || out_cap == 0)
        return false;
    if (!ch_u16_len(s, max, &len) || len >= out_cap)
        goto fail;
    for (i = 0; i < len; i++) {
        if (s[i] < 0x20u || s[i] > 0x7Eu)
            goto fail;
        out[i] = (char)s[i];
    }
    out[len] = '\0';
    return true;
fail:
    out[0] = '\0';
    return false;
}
