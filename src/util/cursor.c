#include "cursor.h"

#include <string.h>

void ch_cur_init(ch_cur *c, const void *p, size_t len)
{
    c->p = len ? (const uint8_t *)p : NULL;
    c->len = p ? len : 0;
    c->pos = 0;
}

size_t ch_cur_left(const ch_cur *c) { return c->len - c->pos; }

bool ch_cur_empty(const ch_cur *c) { return c->pos == c->len; }

const uint8_t *ch_cur_peek_ptr(const ch_cur *c) { return c->p ? c->p + c->pos : NULL; }

bool ch_cur_take(ch_cur *c, size_t n, const uint8_t **out)
{
    /* A cursor over no memory (p NULL) hands out nothing but empty spans, even if a caller
     * built it by hand with a length. */
    if (n > ch_cur_left(c) || (n && !c->p))
        return false;
    *out = c->p ? c->p + c->pos : NULL;
    c->pos += n;
    return true;
}

bool ch_cur_skip(ch_cur *c, size_t n)
{
    const uint8_t *unused;
    return ch_cur_take(c, n, &unused);
}

bool ch_cur_bytes(ch_cur *c, void *dst, size_t n)
{
    const uint8_t *src;
    if (!ch_cur_take(c, n, &src))
        return false;
    if (n)
        memcpy(dst, src, n);
    return true;
}

bool ch_cur_u8(ch_cur *c, uint8_t *out) { return ch_cur_bytes(c, out, 1); }

bool ch_cur_peek_u8(const ch_cur *c, uint8_t *out)
{
    if (ch_cur_empty(c) || !c->p)
        return false;
    *out = c->p[c->pos];
    return true;
}

bool ch_cur_u16be(ch_cur *c, uint16_t *out)
{
    uint8_t b[2];
    if (!ch_cur_bytes(c, b, sizeof b))
        return false;
    *out = (uint16_t)((unsigned)b[0] << 8 | b[1]);
    return true;
}

bool ch_cur_u16le(ch_cur *c, uint16_t *out)
{
    uint8_t b[2];
    if (!ch_cur_bytes(c, b, sizeof b))
        return false;
    *out = (uint16_t)((unsigned)b[1] << 8 | b[0]);
    return true;
}

bool ch_cur_u32be(ch_cur *c, uint32_t *out)
{
    uint8_t b[4];
    if (!ch_cur_bytes(c, b, sizeof b))
        return false;
    *out = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return true;
}

bool ch_cur_u32le(ch_cur *c, uint32_t *out)
{
    uint8_t b[4];
    if (!ch_cur_bytes(c, b, sizeof b))
        return false;
    *out = (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
    return true;
}

bool ch_cur_sub(ch_cur *c, size_t n, ch_cur *sub)
{
    const uint8_t *start;
    if (!ch_cur_take(c, n, &start))
        return false;
    ch_cur_init(sub, start, n);
    return true;
}

void ch_cur_rest(ch_cur *c, ch_cur *sub)
{
    (void)ch_cur_sub(c, ch_cur_left(c), sub); /* cannot fail: n == left */
}

bool ch_cur_ber_tag(ch_cur *c, uint32_t *tag)
{
    ch_cur t = *c; /* work on a copy: all-or-nothing */
    uint8_t b;
    uint32_t v;
    unsigned n = 1;

    if (!ch_cur_u8(&t, &b))
        return false;
    v = b;
    if ((b & 0x1Fu) == 0x1Fu) {
        /* Subsequent bytes follow while bit 8 is set; the last one has it clear. */
        do {
            if (n == CH_BER_TAG_MAX_BYTES || !ch_cur_u8(&t, &b))
                return false;
            v = v << 8 | b;
            n++;
        } while (b & 0x80u);
    }
    *tag = v;
    *c = t;
    return true;
}

bool ch_cur_ber_len(ch_cur *c, size_t *len)
{
    ch_cur t = *c;
    uint8_t b;
    size_t v = 0;
    unsigned n;

    if (!ch_cur_u8(&t, &b))
        return false;
    if (b < 0x80u) {
        v = b;
    } else {
        n = b & 0x7Fu;
        if (n == 0 || n > 4) /* indefinite length, or more than 32 bits */
            return false;
        for (; n > 0; n--) { /* no `while (n--)`: the final wrap trips UBSan's unsigned check */
            if (!ch_cur_u8(&t, &b))
                return false;
            v = v << 8 | b;
        }
    }
    *len = v;
    *c = t;
    return true;
}

bool ch_cur_tlv(ch_cur *c, uint32_t *tag, ch_cur *value)
{
    ch_cur t = *c;
    uint32_t tg;
    size_t len;

    if (!ch_cur_ber_tag(&t, &tg) || !ch_cur_ber_len(&t, &len) || !ch_cur_sub(&t, len, value))
        return false;
    *tag = tg;
    *c = t;
    return true;
}

bool ch_cur_find(const ch_cur *c, uint32_t tag, ch_cur *value)
{
    ch_cur t = *c;
    ch_cur v;
    uint32_t tg;

    while (!ch_cur_empty(&t)) {
        if (!ch_cur_tlv(&t, &tg, &v))
            return false;
        if (tg == tag) {
            *value = v;
            return true;
        }
    }
    return false;
}
