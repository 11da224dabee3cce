#include "finding.h"

#include <string.h>

uint8_t ch_fd_u8(ch_cur *c)
{
    uint8_t v = 0;
    return ch_cur_u8(c, &v) ? v : 0;
}

uint16_t ch_fd_u16le(ch_cur *c)
{
    uint16_t v = 0;
    if (ch_cur_u16le(c, &v))
        return v;
    return ch_fd_u8(c); /* one byte left: its value, the rest reads as zero */
}

uint32_t ch_fd_u32le(ch_cur *c)
{
    uint32_t v = 0;
    if (ch_cur_u32le(c, &v))
        return v;
    for (unsigned shift = 0; shift < 32 && !ch_cur_empty(c); shift += 8)
        v |= (uint32_t)ch_fd_u8(c) << shift;
    return v;
}

uint64_t ch_fd_u64le(ch_cur *c)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 8)
        v |= (uint64_t)ch_fd_u8(c) << shift;
    return v;
}

const uint8_t *ch_fd_bytes(ch_cur *c, size_t n, size_t *got)
{
    const uint8_t *p = NULL;
    size_t take = n < ch_cur_left(c) ? n : ch_cur_left(c);
    (void)ch_cur_take(c, take, &p);
    *got = take;
    return p;
}

void ch_finding_acquire_decode(const uint8_t *data, size_t size, ch_finding_acquire *f)
{
    ch_cur c;
    const uint8_t *p;
    size_t got;

    memset(f, 0, sizeof *f);
    ch_cur_init(&c, data, size);
    f->version = ch_fd_u32le(&c);
    f->flags = ch_fd_u32le(&c);
    f->nulls = ch_fd_u8(&c);
    f->shape = ch_fd_u8(&c);
    f->alloc_fail_at = ch_fd_u8(&c);
    f->atr_len = ch_fd_u8(&c);
    p = ch_fd_bytes(&c, f->atr_len, &got);
    if (got)
        memcpy(f->atr, p, got);
    f->name_units = ch_fd_u8(&c);
    for (unsigned i = 0; i < f->name_units; i++)
        f->name[i] = ch_fd_u16le(&c);
    f->name[f->name_units] = 0;
    ch_cur_rest(&c, &f->script);
}

void ch_finding_exchange_decode(const uint8_t *data, size_t size, ch_finding_exchange *f)
{
    ch_cur c;

    memset(f, 0, sizeof *f);
    ch_cur_init(&c, data, size);
    f->cla = ch_fd_u8(&c);
    f->ins = ch_fd_u8(&c);
    f->p1 = ch_fd_u8(&c);
    f->p2 = ch_fd_u8(&c);
    f->le = ch_fd_u16le(&c);
    f->out_cap = ch_fd_u16le(&c);
    f->max_rounds = ch_fd_u8(&c);
    f->max_response = ch_fd_u16le(&c);
    f->fail_at = ch_fd_u8(&c);
    f->fail_code = ch_fd_u8(&c);
    f->data_len = ch_fd_u16le(&c);
    f->data = ch_fd_bytes(&c, f->data_len, &f->data_got);
    ch_cur_rest(&c, &f->script);
}

void ch_finding_vpiv_decode(const uint8_t *data, size_t size, ch_finding_vpiv *f)
{
    ch_cur c, rest;

    memset(f, 0, sizeof *f);
    ch_cur_init(&c, data, size);
    f->mode = ch_fd_u8(&c);
    f->seed = ch_fd_u64le(&c);
    if (f->mode & CH_FV_MODE_STATE) {
        ch_cur_rest(&c, &rest);
        f->image_len = ch_cur_left(&rest);
        f->image = f->image_len ? ch_cur_peek_ptr(&rest) : NULL;
        ch_cur_init(&f->entries, NULL, 0);
        return;
    }
    f->pre = ch_fd_u8(&c);
    ch_cur_rest(&c, &f->entries);
}

bool ch_finding_vpiv_next(ch_cur *entries, ch_finding_vpiv_step *step)
{
    uint16_t len;
    size_t got;

    memset(step, 0, sizeof *step);
    if (!ch_cur_u16be(entries, &len))
        return false;
    if (len >= 0xFF00u) { /* as the card script's events (src/transport/script.h) */
        step->power = true;
        step->event = (len & 0xFFu) % 3;
        return true;
    }
    step->capdu = ch_fd_bytes(entries, len, &got);
    step->capdu_len = got;
    if (!got)
        step->capdu = NULL;
    return true;
}
