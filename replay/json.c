/* json: JSON string output (see json.h). The bytes are read through the bounded cursor; each
 * byte that does not belong to a well-formed UTF-8 sequence (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence) becomes one U+FFFD. */
#include "json.h"

#include <stdint.h>

#include "cursor.h"

static const char HEX_UPPER[] = "0123456789ABCDEF";

/* Length of the well-formed UTF-8 sequence that starts at the cursor (which holds lead), or 0. */
static size_t utf8_len(const ch_cur *c, uint8_t lead)
{
    const uint8_t *p = ch_cur_peek_ptr(c);
    size_t left = ch_cur_left(c);
    size_t n, i;
    uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte */

    if (lead >= 0xC2 && lead <= 0xDF) {
        n = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        n = 3;
        if (lead == 0xE0) {
            lo = 0xA0; /* overlong */
        } else if (lead == 0xED) {
            hi = 0x9F; /* surrogates */
        }
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        n = 4;
        if (lead == 0xF0) {
            lo = 0x90; /* overlong */
        } else if (lead == 0xF4) {
            hi = 0x8F; /* above U+10FFFF */
        }
    } else {
        return 0;
    }
    if (left < n) {
        return 0;
    }
    if (p[1] < lo || p[1] > hi) {
        return 0;
    }
    for (i = 2; i < n; i++) {
        if (p[i] < 0x80 || p[i] > 0xBF) {
            return 0;
        }
    }
    return n;
}

static void put_escape(FILE *f, uint8_t b)
{
    switch (b) {
    case '"': fputs("\\\"", f); break;
    case '\\': fputs("\\\\", f); break;
    case '\b': fputs("\\b", f); break;
    case '\f': fputs("\\f", f); break;
    case '\n': fputs("\\n", f); break;
    case '\r': fputs("\\r", f); break;
    case '\t': fputs("\\t", f); break;
    default:
        fputs("\\u00", f);
        fputc(HEX_UPPER[b >> 4], f);
        fputc(HEX_UPPER[b & 0x0F], f);
        break;
    }
}

void ch_json_str_n(FILE *f, const char *s, size_t n)
{
    ch_cur c;
    const uint8_t *seq;
    uint8_t b;

    ch_cur_init(&c, s, s != NULL ? n : 0);
    fputc('"', f);
    while (ch_cur_peek_u8(&c, &b)) {
        size_t len;
        /* DEL is valid JSON but is escaped too: the output may end up on a terminal. */
        if (b < 0x20 || b == '"' || b == '\\' || b == 0x7F) {
            put_escape(f, b);
            (void)ch_cur_skip(&c, 1);
            continue;
        }
        len = b < 0x80 ? 1 : utf8_len(&c, b);
        if (len == 0) {
            fputs("\\uFFFD", f);
            (void)ch_cur_skip(&c, 1);
            continue;
        }
        if (ch_cur_take(&c, len, &seq)) {
            fwrite(seq, 1, len, f);
        }
    }
    fputc('"', f);
}

void ch_json_str(FILE *f, const char *s)
{
    size_t n = 0;
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    while (s[n] != '\0') {
        n++;
    }
    ch_json_str_n(f, s, n);
}

void ch_json_hex(FILE *f, const unsigned char *p, size_t n)
{
    ch_cur c;
    uint8_t b;

    ch_cur_init(&c, p, p != NULL ? n : 0);
    fputc('"', f);
    while (ch_cur_u8(&c, &b)) {
        fputc(HEX_UPPER[b >> 4], f);
        fputc(HEX_UPPER[b & 0x0F], f);
    }
    fputc('"', f);
}
