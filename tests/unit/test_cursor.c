/* Unit tests for the bounded cursor (src/util/cursor.c) and the endian helpers (endian.h).
 *
 * Every failing read is checked for the all-or-nothing contract: it returns false, the cursor
 * position is unchanged, and the output is left untouched. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "cursor.h"
#include "endian.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Asserts the cursor is exactly where it was (same window, same position). */
static void assert_cur_same(const ch_cur *a, const ch_cur *b)
{
    assert_ptr_equal(a->p, b->p);
    assert_int_equal(a->len, b->len);
    assert_int_equal(a->pos, b->pos);
}

/* Every read on an empty cursor fails (or yields nothing) and moves nothing. */
static void assert_all_reads_fail_on_empty(ch_cur *c)
{
    ch_cur before = *c, sub;
    uint8_t u8 = 0xAA;
    uint16_t u16 = 0xAAAA;
    uint32_t u32 = 0xAAAAAAAAu, tag = 0xAAAAAAAAu;
    size_t len = 12345;
    const uint8_t *ptr = (const uint8_t *)"x";

    assert_int_equal(ch_cur_left(c), 0);
    assert_true(ch_cur_empty(c));
    assert_false(ch_cur_u8(c, &u8));
    assert_false(ch_cur_peek_u8(c, &u8));
    assert_int_equal(u8, 0xAA);
    assert_false(ch_cur_u16be(c, &u16));
    assert_false(ch_cur_u16le(c, &u16));
    assert_int_equal(u16, 0xAAAA);
    assert_false(ch_cur_u32be(c, &u32));
    assert_false(ch_cur_u32le(c, &u32));
    assert_int_equal(u32, 0xAAAAAAAAu);
    assert_false(ch_cur_skip(c, 1));
    assert_false(ch_cur_take(c, 1, &ptr));
    assert_false(ch_cur_bytes(c, &u8, 1));
    assert_false(ch_cur_sub(c, 1, &sub));
    assert_false(ch_cur_ber_tag(c, &tag));
    assert_int_equal(tag, 0xAAAAAAAAu);
    assert_false(ch_cur_ber_len(c, &len));
    assert_int_equal(len, 12345);
    assert_false(ch_cur_tlv(c, &tag, &sub));
    assert_false(ch_cur_find(c, 0x53, &sub));
    assert_cur_same(c, &before);

    /* Zero-sized operations succeed and consume nothing. */
    assert_true(ch_cur_skip(c, 0));
    assert_true(ch_cur_take(c, 0, &ptr));
    assert_true(ch_cur_bytes(c, NULL, 0));
    assert_true(ch_cur_sub(c, 0, &sub));
    assert_int_equal(ch_cur_left(&sub), 0);
    ch_cur_rest(c, &sub);
    assert_true(ch_cur_empty(&sub));
    assert_false(ch_cur_u8(&sub, &u8));
    assert_cur_same(c, &before);
}

/* ---- initialisation ---------------------------------------------------------------------- */

static void test_empty_input(void **state)
{
    static const uint8_t buf[1] = {0x53};
    ch_cur c;
    (void)state;

    ch_cur_init(&c, buf, 0);
    assert_null(c.p); /* the header says: NULL only when len == 0, and a 0-length window is NULL */
    assert_int_equal(c.len, 0);
    assert_int_equal(c.pos, 0);
    assert_null(ch_cur_peek_ptr(&c));
    assert_all_reads_fail_on_empty(&c);
}

static void test_null_with_zero_len(void **state)
{
    ch_cur c;
    (void)state;

    ch_cur_init(&c, NULL, 0);
    assert_null(c.p);
    assert_int_equal(c.len, 0);
    assert_null(ch_cur_peek_ptr(&c));
    assert_all_reads_fail_on_empty(&c);
}

static void test_null_with_nonzero_len_is_empty(void **state)
{
    ch_cur c;
    (void)state;

    /* A NULL source never yields a readable window, whatever length the caller claims. */
    ch_cur_init(&c, NULL, 16);
    assert_null(c.p);
    assert_int_equal(c.len, 0);
    assert_all_reads_fail_on_empty(&c);
}

/* A cursor written by hand (not through ch_cur_init) with p NULL but a length: before the
 * static analysis gate, ch_cur_take handed out NULL for n > 0, ch_cur_bytes passed it to
 * memcpy (clang-analyzer-core.NonNullParamChecker) and ch_cur_peek_u8 read through it. Now
 * only empty spans come out of it. */
static void test_hand_built_null_cursor_hands_out_nothing(void **state)
{
    ch_cur c = {NULL, 16, 0};
    const uint8_t *p = (const uint8_t *)&c;
    uint8_t out[4] = {0xAA, 0xAA, 0xAA, 0xAA};
    (void)state;

    assert_false(ch_cur_bytes(&c, out, sizeof out));
    assert_false(ch_cur_take(&c, 1, &p));
    assert_false(ch_cur_peek_u8(&c, &out[0]));
    assert_int_equal(c.pos, 0);
    assert_int_equal(out[0], 0xAA);
    assert_true(ch_cur_take(&c, 0, &p)); /* an empty span is still fine */
    assert_null(p);
}

static void test_init_and_left(void **state)
{
    static const uint8_t buf[5] = {1, 2, 3, 4, 5};
    ch_cur c;
    uint8_t b;
    (void)state;

    ch_cur_init(&c, buf, sizeof buf);
    assert_ptr_equal(c.p, buf);
    assert_int_equal(ch_cur_left(&c), 5);
    assert_false(ch_cur_empty(&c));
    assert_ptr_equal(ch_cur_peek_ptr(&c), buf);
    assert_true(ch_cur_u8(&c, &b));
    assert_int_equal(b, 1);
    assert_int_equal(ch_cur_left(&c), 4);
    assert_ptr_equal(ch_cur_peek_ptr(&c), buf + 1);
    assert_true(ch_cur_skip(&c, 4));
    assert_true(ch_cur_empty(&c));
    assert_ptr_equal(ch_cur_peek_ptr(&c), buf + 5); /* one past the end, never dereferenced */
    assert_false(ch_cur_u8(&c, &b));
    assert_int_equal(c.pos, 5);
}

/* ---- fixed-size integers ----------------------------------------------------------------- */

static void test_u8_and_peek(void **state)
{
    static const uint8_t buf[2] = {0x80, 0xFF};
    ch_cur c, before;
    uint8_t b = 0;
    (void)state;

    ch_cur_init(&c, buf, sizeof buf);
    assert_true(ch_cur_peek_u8(&c, &b));
    assert_int_equal(b, 0x80);
    assert_int_equal(c.pos, 0); /* peek does not consume */
    assert_true(ch_cur_peek_u8(&c, &b));
    assert_int_equal(b, 0x80);
    assert_true(ch_cur_u8(&c, &b));
    assert_int_equal(b, 0x80);
    assert_true(ch_cur_u8(&c, &b)); /* exactly enough */
    assert_int_equal(b, 0xFF);
    before = c;
    b = 0x11;
    assert_false(ch_cur_u8(&c, &b)); /* one short */
    assert_false(ch_cur_peek_u8(&c, &b));
    assert_int_equal(b, 0x11);
    assert_cur_same(&c, &before);
}

static void test_u16_exact_and_short(void **state)
{
    static const uint8_t buf[3] = {0xEE, 0x12, 0x34};
    ch_cur c, before;
    uint16_t v;
    (void)state;

    /* exactly enough, at offset 1 of the source */
    ch_cur_init(&c, buf, 3);
    assert_true(ch_cur_skip(&c, 1));
    assert_true(ch_cur_u16be(&c, &v));
    assert_int_equal(v, 0x1234);
    assert_true(ch_cur_empty(&c));

    ch_cur_init(&c, buf, 3);
    assert_true(ch_cur_skip(&c, 1));
    assert_true(ch_cur_u16le(&c, &v));
    assert_int_equal(v, 0x3412);
    assert_true(ch_cur_empty(&c));

    /* one short: 1 byte left */
    ch_cur_init(&c, buf, 3);
    assert_true(ch_cur_skip(&c, 2));
    before = c;
    v = 0xA5A5;
    assert_false(ch_cur_u16be(&c, &v));
    assert_cur_same(&c, &before);
    assert_false(ch_cur_u16le(&c, &v));
    assert_cur_same(&c, &before);
    assert_int_equal(v, 0xA5A5);
    /* the remaining byte is still readable afterwards */
    {
        uint8_t b;
        assert_true(ch_cur_u8(&c, &b));
        assert_int_equal(b, 0x34);
    }
}

static void test_u32_exact_and_short(void **state)
{
    static const uint8_t buf[5] = {0xEE, 0x01, 0x02, 0x03, 0x04};
    ch_cur c, before;
    uint32_t v;
    (void)state;

    ch_cur_init(&c, buf, 5);
    assert_true(ch_cur_skip(&c, 1));
    assert_true(ch_cur_u32be(&c, &v));
    assert_int_equal(v, 0x01020304u);
    assert_true(ch_cur_empty(&c));

    ch_cur_init(&c, buf, 5);
    assert_true(ch_cur_skip(&c, 1));
    assert_true(ch_cur_u32le(&c, &v));
    assert_int_equal(v, 0x04030201u);
    assert_true(ch_cur_empty(&c));

    /* one short: 3 bytes left */
    ch_cur_init(&c, buf, 5);
    assert_true(ch_cur_skip(&c, 2));
    before = c;
    v = 0xA5A5A5A5u;
    assert_false(ch_cur_u32be(&c, &v));
    assert_cur_same(&c, &before);
    assert_false(ch_cur_u32le(&c, &v));
    assert_cur_same(&c, &before);
    assert_int_equal(v, 0xA5A5A5A5u);
    /* a smaller read still fits */
    {
        uint16_t w;
        assert_true(ch_cur_u16be(&c, &w));
        assert_int_equal(w, 0x0203);
    }
}

static void test_be_vs_le_high_bits(void **state)
{
    /* High bits set: no sign extension anywhere. */
    static const uint8_t buf[4] = {0x80, 0x00, 0x00, 0xFF};
    ch_cur c;
    uint16_t w;
    uint32_t v;
    (void)state;

    ch_cur_init(&c, buf, 4);
    assert_true(ch_cur_u32be(&c, &v));
    assert_int_equal(v, 0x800000FFu);
    ch_cur_init(&c, buf, 4);
    assert_true(ch_cur_u32le(&c, &v));
    assert_int_equal(v, 0xFF000080u);
    ch_cur_init(&c, buf, 4);
    assert_true(ch_cur_u16be(&c, &w));
    assert_int_equal(w, 0x8000);
    assert_true(ch_cur_u16le(&c, &w));
    assert_int_equal(w, 0xFF00);
    assert_true(ch_cur_empty(&c));
}

static void test_endian_helpers_match_cursor(void **state)
{
    static const uint16_t v16[] = {0x0000, 0x0001, 0x00FF, 0x0100, 0x8000, 0xFFFE, 0xFFFF};
    static const uint32_t v32[] = {0x00000000u, 0x00000001u, 0x000000FFu, 0x01020304u,
                                   0x80000000u, 0xFFFFFFFEu, 0xFFFFFFFFu, 0xDEADBEEFu};
    uint8_t buf[6];
    size_t i;
    (void)state;

    for (i = 0; i < ARRAY_LEN(v16); i++) {
        ch_cur c;
        uint16_t r;

        memset(buf, 0xCC, sizeof buf);
        ch_put_be16(buf + 1, v16[i]); /* odd offset: no alignment assumptions */
        assert_int_equal(buf[0], 0xCC);
        assert_int_equal(buf[3], 0xCC);
        assert_int_equal(buf[1], (uint8_t)(v16[i] >> 8));
        assert_int_equal(buf[2], (uint8_t)v16[i]);
        assert_int_equal(ch_get_be16(buf + 1), v16[i]);
        ch_cur_init(&c, buf + 1, 2);
        assert_true(ch_cur_u16be(&c, &r));
        assert_int_equal(r, v16[i]);

        memset(buf, 0xCC, sizeof buf);
        ch_put_le16(buf + 1, v16[i]);
        assert_int_equal(buf[0], 0xCC);
        assert_int_equal(buf[3], 0xCC);
        assert_int_equal(buf[1], (uint8_t)v16[i]);
        assert_int_equal(buf[2], (uint8_t)(v16[i] >> 8));
        assert_int_equal(ch_get_le16(buf + 1), v16[i]);
        ch_cur_init(&c, buf + 1, 2);
        assert_true(ch_cur_u16le(&c, &r));
        assert_int_equal(r, v16[i]);
    }
    for (i = 0; i < ARRAY_LEN(v32); i++) {
        ch_cur c;
        uint32_t r;

        memset(buf, 0xCC, sizeof buf);
        ch_put_be32(buf + 1, v32[i]);
        assert_int_equal(buf[0], 0xCC);
        assert_int_equal(buf[5], 0xCC);
        assert_int_equal(buf[1], (uint8_t)(v32[i] >> 24));
        assert_int_equal(buf[4], (uint8_t)v32[i]);
        assert_int_equal(ch_get_be32(buf + 1), v32[i]);
        ch_cur_init(&c, buf + 1, 4);
        assert_true(ch_cur_u32be(&c, &r));
        assert_int_equal(r, v32[i]);

        memset(buf, 0xCC, sizeof buf);
        ch_put_le32(buf + 1, v32[i]);
        assert_int_equal(buf[0], 0xCC);
        assert_int_equal(buf[5], 0xCC);
        assert_int_equal(buf[1], (uint8_t)v32[i]);
        assert_int_equal(buf[4], (uint8_t)(v32[i] >> 24));
        assert_int_equal(ch_get_le32(buf + 1), v32[i]);
        ch_cur_init(&c, buf + 1, 4);
        assert_true(ch_cur_u32le(&c, &r));
        assert_int_equal(r, v32[i]);
    }
    /* fixed vectors */
    {
        static const uint8_t be[4] = {0x12, 0x34, 0x56, 0x78};
        assert_int_equal(ch_get_be16(be), 0x1234);
        assert_int_equal(ch_get_le16(be), 0x3412);
        assert_int_equal(ch_get_be32(be), 0x12345678u);
        assert_int_equal(ch_get_le32(be), 0x78563412u);
    }
}

/* ---- take / skip / bytes / sub / rest ---------------------------------------------------- */

static void test_take_bounds(void **state)
{
    static const uint8_t buf[6] = {0, 1, 2, 3, 4, 5};
    ch_cur c, before;
    const uint8_t *p = NULL;
    const uint8_t *sentinel = (const uint8_t *)"sentinel";
    (void)state;

    ch_cur_init(&c, buf, sizeof buf);
    assert_true(ch_cur_take(&c, 2, &p));
    assert_ptr_equal(p, buf);
    assert_int_equal(c.pos, 2);
    before = c;
    p = sentinel;
    assert_false(ch_cur_take(&c, 5, &p)); /* one over: 4 left */
    assert_ptr_equal(p, sentinel);
    assert_cur_same(&c, &before);
    assert_false(ch_cur_take(&c, SIZE_MAX, &p));
    assert_false(ch_cur_take(&c, SIZE_MAX - 1, &p));
    assert_ptr_equal(p, sentinel);
    assert_cur_same(&c, &before);
    assert_true(ch_cur_take(&c, 4, &p)); /* exactly what is left */
    assert_ptr_equal(p, buf + 2);
    assert_int_equal(p[3], 5);
    assert_true(ch_cur_empty(&c));
    assert_true(ch_cur_take(&c, 0, &p)); /* zero at the end is fine */
    assert_int_equal(c.pos, 6);
    assert_false(ch_cur_take(&c, 1, &p));
    assert_int_equal(c.pos, 6);
}

static void test_skip_bounds(void **state)
{
    static const uint8_t buf[4] = {0, 1, 2, 3};
    ch_cur c, before;
    uint8_t b;
    (void)state;

    ch_cur_init(&c, buf, sizeof buf);
    assert_true(ch_cur_skip(&c, 0));
    assert_int_equal(c.pos, 0);
    assert_true(ch_cur_skip(&c, 1));
    before = c;
    assert_false(ch_cur_skip(&c, 4)); /* one over */
    assert_false(ch_cur_skip(&c, SIZE_MAX));
    assert_cur_same(&c, &before);
    assert_true(ch_cur_skip(&c, 3)); /* exact */
    assert_true(ch_cur_empty(&c));
    assert_false(ch_cur_skip(&c, 1));
    assert_false(ch_cur_u8(&c, &b));
    assert_int_equal(c.pos, 4);
}

static void test_bytes_bounds(void **state)
{
    static const uint8_t buf[5] = {0xA0, 0xA1, 0xA2, 0xA3, 0xA4};
    uint8_t dst[8];
    ch_cur c, before;
    (void)state;

    ch_cur_init(&c, buf, sizeof buf);
    memset(dst, 0xCC, sizeof dst);
    assert_true(ch_cur_bytes(&c, dst, 2));
    assert_memory_equal(dst, buf, 2);
    assert_int_equal(dst[2], 0xCC); /* nothing past n written */
    before = c;
    memset(dst, 0xCC, sizeof dst);
    assert_false(ch_cur_bytes(&c, dst, 4)); /* one over: 3 left */
    {
        static const uint8_t cc[8] = {0xCC, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC};
        assert_memory_equal(dst, cc, sizeof dst); /* destination untouched on failure */
    }
    assert_cur_same(&c, &before);
    assert_true(ch_cur_bytes(&c, NULL, 0));
    assert_cur_same(&c, &before);
    assert_true(ch_cur_bytes(&c, dst, 3)); /* exact */
    assert_memory_equal(dst, buf + 2, 3);
    assert_true(ch_cur_empty(&c));
}

static void test_sub_bounds(void **state)
{
    static const uint8_t buf[8] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17};
    ch_cur c, sub, before, sub_before;
    uint8_t b;
    (void)state;

    ch_cur_init(&c, buf, sizeof buf);
    assert_true(ch_cur_skip(&c, 1));
    assert_true(ch_cur_sub(&c, 3, &sub));
    assert_int_equal(c.pos, 4); /* the parent consumed the window */
    assert_ptr_equal(sub.p, buf + 1);
    assert_int_equal(sub.len, 3);
    assert_int_equal(sub.pos, 0);

    /* failure: parent unchanged, sub untouched */
    before = c;
    sub_before = sub;
    assert_false(ch_cur_sub(&c, 5, &sub)); /* 4 left */
    assert_false(ch_cur_sub(&c, SIZE_MAX, &sub));
    assert_cur_same(&c, &before);
    assert_cur_same(&sub, &sub_before);

    /* exact fit */
    {
        ch_cur tail;
        assert_true(ch_cur_sub(&c, 4, &tail));
        assert_true(ch_cur_empty(&c));
        assert_int_equal(tail.len, 4);
        assert_true(ch_cur_u8(&tail, &b));
        assert_int_equal(b, 0x14);
    }
    /* zero-length sub at the end */
    {
        ch_cur z;
        assert_true(ch_cur_sub(&c, 0, &z));
        assert_true(ch_cur_empty(&z));
        assert_false(ch_cur_u8(&z, &b));
    }
}

static void test_sub_cannot_read_past_window(void **state)
{
    static const uint8_t buf[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    ch_cur c, sub, before;
    uint32_t v;
    uint16_t w;
    uint8_t b;
    const uint8_t *p;
    (void)state;

    ch_cur_init(&c, buf, sizeof buf);
    assert_true(ch_cur_sub(&c, 3, &sub)); /* parent still has 7 bytes */
    before = sub;
    assert_false(ch_cur_u32be(&sub, &v));
    assert_false(ch_cur_u32le(&sub, &v));
    assert_false(ch_cur_skip(&sub, 4));
    assert_false(ch_cur_take(&sub, 4, &p));
    assert_cur_same(&sub, &before);
    assert_true(ch_cur_u16be(&sub, &w));
    assert_int_equal(w, 0x0001);
    assert_false(ch_cur_u16le(&sub, &w)); /* 1 left in the window */
    assert_true(ch_cur_u8(&sub, &b));
    assert_int_equal(b, 2);
    assert_true(ch_cur_empty(&sub));
    assert_false(ch_cur_u8(&sub, &b)); /* buf[3] exists, but not in this window */
    assert_false(ch_cur_peek_u8(&sub, &b));
    assert_int_equal(b, 2);
    /* the parent is independent and still reads on */
    assert_true(ch_cur_u8(&c, &b));
    assert_int_equal(b, 3);
}

static void test_rest(void **state)
{
    static const uint8_t buf[5] = {1, 2, 3, 4, 5};
    ch_cur c, rest;
    uint8_t b;
    (void)state;

    ch_cur_init(&c, buf, sizeof buf);
    assert_true(ch_cur_skip(&c, 2));
    ch_cur_rest(&c, &rest);
    assert_true(ch_cur_empty(&c));
    assert_int_equal(c.pos, 5);
    assert_ptr_equal(rest.p, buf + 2);
    assert_int_equal(rest.len, 3);
    assert_int_equal(rest.pos, 0);
    assert_true(ch_cur_u8(&rest, &b));
    assert_int_equal(b, 3);

    /* rest of an exhausted cursor is empty */
    ch_cur_rest(&c, &rest);
    assert_true(ch_cur_empty(&rest));
    assert_int_equal(rest.len, 0);
    assert_false(ch_cur_u8(&rest, &b));

    /* rest of a sub-cursor stays inside the sub-window */
    {
        ch_cur sub, r;
        ch_cur_init(&c, buf, sizeof buf);
        assert_true(ch_cur_sub(&c, 3, &sub));
        assert_true(ch_cur_skip(&sub, 1));
        ch_cur_rest(&sub, &r);
        assert_int_equal(r.len, 2);
        assert_ptr_equal(r.p, buf + 1);
        assert_true(ch_cur_skip(&r, 2));
        assert_false(ch_cur_u8(&r, &b));
    }
}

/* ---- BER tags ---------------------------------------------------------------------------- */

static void check_tag_ok(const uint8_t *in, size_t n, uint32_t want, size_t want_consumed)
{
    ch_cur c;
    uint32_t tag = 0;

    ch_cur_init(&c, in, n);
    assert_true(ch_cur_ber_tag(&c, &tag));
    assert_int_equal(tag, want);
    assert_int_equal(c.pos, want_consumed);
}

static void check_tag_fails(const uint8_t *in, size_t n)
{
    ch_cur c, before;
    uint32_t tag = 0xA5A5A5A5u;

    ch_cur_init(&c, in, n);
    before = c;
    assert_false(ch_cur_ber_tag(&c, &tag));
    assert_int_equal(tag, 0xA5A5A5A5u);
    assert_cur_same(&c, &before);
}

static void test_ber_tag_sizes(void **state)
{
    static const uint8_t t1[] = {0x53, 0x00};
    static const uint8_t t1b[] = {0x01};
    static const uint8_t t1c[] = {0x7E}; /* low 5 bits 11110: still one byte */
    static const uint8_t t2[] = {0x7F, 0x49, 0x00};
    static const uint8_t t2b[] = {0x9F, 0x1F, 0x80, 0x01}; /* 1F has bit 8 clear: 2-byte tag */
    static const uint8_t t2c[] = {0x5F, 0x7F};
    static const uint8_t t3[] = {0x5F, 0xC1, 0x05, 0x82};
    static const uint8_t t3b[] = {0x5F, 0xFF, 0x00};
    static const uint8_t t4[] = {0x9F, 0x9F, 0x80, 0x01, 0x00};
    static const uint8_t t4b[] = {0x1F, 0x81, 0x80, 0x7F};
    static const uint8_t t4c[] = {0xFF, 0xFF, 0xFF, 0x7F}; /* largest packed value */
    (void)state;

    check_tag_ok(t1, sizeof t1, 0x53, 1);
    check_tag_ok(t1b, sizeof t1b, 0x01, 1);
    check_tag_ok(t1c, sizeof t1c, 0x7E, 1);
    check_tag_ok(t2, sizeof t2, 0x7F49, 2);
    check_tag_ok(t2b, sizeof t2b, 0x9F1F, 2);
    check_tag_ok(t2c, sizeof t2c, 0x5F7F, 2);
    check_tag_ok(t3, sizeof t3, 0x5FC105, 3);
    check_tag_ok(t3b, sizeof t3b, 0x5FFF00, 3);
    check_tag_ok(t4, sizeof t4, 0x9F9F8001u, 4);
    check_tag_ok(t4b, sizeof t4b, 0x1F81807Fu, 4);
    check_tag_ok(t4c, sizeof t4c, 0xFFFFFF7Fu, 4);
}

static void test_ber_tag_too_long(void **state)
{
    static const uint8_t t5[] = {0x5F, 0x81, 0x81, 0x81, 0x01};
    static const uint8_t t5b[] = {0x1F, 0x81, 0x80, 0x80, 0x01, 0x00, 0x00};
    static const uint8_t tff[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    (void)state;

    check_tag_fails(t5, sizeof t5);
    check_tag_fails(t5b, sizeof t5b);
    check_tag_fails(tff, sizeof tff);
}

static void test_ber_tag_truncated(void **state)
{
    static const uint8_t a[] = {0x5F};             /* multi-byte lead, nothing after */
    static const uint8_t b[] = {0x7F};
    static const uint8_t c3[] = {0x5F, 0xC1};       /* 3-byte tag cut after 2 */
    static const uint8_t c4[] = {0x9F, 0x9F, 0x80}; /* 4-byte tag cut after 3 */
    static const uint8_t window[] = {0x5F, 0xC1, 0x05};
    ch_cur c, sub;
    uint32_t tag = 0;
    (void)state;

    check_tag_fails(a, sizeof a);
    check_tag_fails(b, sizeof b);
    check_tag_fails(c3, sizeof c3);
    check_tag_fails(c4, sizeof c4);

    /* truncated by a sub-window even though the parent holds the rest of the tag */
    ch_cur_init(&c, window, sizeof window);
    assert_true(ch_cur_sub(&c, 2, &sub));
    assert_false(ch_cur_ber_tag(&sub, &tag));
    assert_int_equal(sub.pos, 0);
}

/* ---- BER lengths ------------------------------------------------------------------------- */

static void check_len_ok(const uint8_t *in, size_t n, size_t want, size_t want_consumed)
{
    ch_cur c;
    size_t len = 0xA5A5;

    ch_cur_init(&c, in, n);
    assert_true(ch_cur_ber_len(&c, &len));
    assert_int_equal(len, want);
    assert_int_equal(c.pos, want_consumed);
}

static void check_len_fails(const uint8_t *in, size_t n)
{
    ch_cur c, before;
    size_t len = 0xA5A5;

    ch_cur_init(&c, in, n);
    before = c;
    assert_false(ch_cur_ber_len(&c, &len));
    assert_int_equal(len, 0xA5A5);
    assert_cur_same(&c, &before);
}

static void test_ber_len_forms(void **state)
{
    static const uint8_t l00[] = {0x00};
    static const uint8_t l7f[] = {0x7F};
    static const uint8_t l81[] = {0x81, 0x80};
    static const uint8_t l81ff[] = {0x81, 0xFF};
    static const uint8_t l82[] = {0x82, 0x01, 0x00};
    static const uint8_t l82ffff[] = {0x82, 0xFF, 0xFF};
    static const uint8_t l83[] = {0x83, 0x01, 0x00, 0x00};
    static const uint8_t l84[] = {0x84, 0x00, 0x00, 0x01, 0x00};
    static const uint8_t l84max[] = {0x84, 0xFF, 0xFF, 0xFF, 0xFF};
    static const uint8_t l81_0[] = {0x81, 0x05, 0xEE}; /* BER, not DER: non-minimal accepted */
    (void)state;

    check_len_ok(l00, sizeof l00, 0, 1);
    check_len_ok(l7f, sizeof l7f, 0x7F, 1);
    check_len_ok(l81, sizeof l81, 0x80, 2);
    check_len_ok(l81ff, sizeof l81ff, 0xFF, 2);
    check_len_ok(l82, sizeof l82, 0x100, 3);
    check_len_ok(l82ffff, sizeof l82ffff, 0xFFFF, 3);
    check_len_ok(l83, sizeof l83, 0x10000, 4);
    check_len_ok(l84, sizeof l84, 0x100, 5);
    /* ber_len reports it; only ch_cur_tlv compares it with what remains */
    check_len_ok(l84max, sizeof l84max, (size_t)0xFFFFFFFFu, 5);
    check_len_ok(l81_0, sizeof l81_0, 5, 2);
}

static void test_ber_len_rejected(void **state)
{
    static const uint8_t indef[] = {0x80, 0x00, 0x00};
    static const uint8_t l85[] = {0x85, 0x00, 0x00, 0x00, 0x00, 0x01};
    static const uint8_t l86[] = {0x86, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
    static const uint8_t lff[] = {0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t t81[] = {0x81};             /* long form, no length byte */
    static const uint8_t t82[] = {0x82, 0x01};       /* one of two bytes */
    static const uint8_t t83[] = {0x83, 0x01, 0x00}; /* two of three */
    static const uint8_t t84[] = {0x84, 0x00, 0x00, 0x00};
    (void)state;

    check_len_fails(indef, sizeof indef);
    check_len_fails(l85, sizeof l85);
    check_len_fails(l86, sizeof l86);
    check_len_fails(lff, sizeof lff);
    check_len_fails(t81, sizeof t81);
    check_len_fails(t82, sizeof t82);
    check_len_fails(t83, sizeof t83);
    check_len_fails(t84, sizeof t84);
}

/* ---- TLV --------------------------------------------------------------------------------- */

static void check_tlv_fails(const uint8_t *in, size_t n)
{
    ch_cur c, before, v, v_before;
    uint32_t tag = 0xA5A5A5A5u;

    ch_cur_init(&c, in, n);
    before = c;
    ch_cur_init(&v, in, 1);
    v_before = v;
    assert_false(ch_cur_tlv(&c, &tag, &v));
    assert_int_equal(tag, 0xA5A5A5A5u);
    assert_cur_same(&c, &before);
    assert_cur_same(&v, &v_before);
}

static void test_tlv_ok(void **state)
{
    static const uint8_t buf[] = {0x53, 0x03, 0xAA, 0xBB, 0xCC, 0x5F, 0xC1, 0x05, 0x00,
                                  0x7F, 0x49, 0x81, 0x01, 0xDD};
    ch_cur c, v;
    uint32_t tag;
    uint8_t b;
    (void)state;

    ch_cur_init(&c, buf, sizeof buf);
    assert_true(ch_cur_tlv(&c, &tag, &v));
    assert_int_equal(tag, 0x53);
    assert_ptr_equal(v.p, buf + 2);
    assert_int_equal(v.len, 3);
    assert_int_equal(c.pos, 5);

    assert_true(ch_cur_tlv(&c, &tag, &v)); /* zero-length value */
    assert_int_equal(tag, 0x5FC105);
    assert_int_equal(v.len, 0);
    assert_true(ch_cur_empty(&v));

    assert_true(ch_cur_tlv(&c, &tag, &v)); /* long-form length, value exactly to the end */
    assert_int_equal(tag, 0x7F49);
    assert_int_equal(v.len, 1);
    assert_true(ch_cur_u8(&v, &b));
    assert_int_equal(b, 0xDD);
    assert_true(ch_cur_empty(&c));
    assert_false(ch_cur_tlv(&c, &tag, &v));
}

static void test_tlv_runs_past(void **state)
{
    /* The classic: a 20-byte answer claiming a 65535-byte value. */
    uint8_t answer[20];
    static const uint8_t by_one[] = {0x53, 0x05, 0x01, 0x02, 0x03, 0x04};
    static const uint8_t by_one_long[] = {0x53, 0x81, 0x04, 0x01, 0x02, 0x03};
    static const uint8_t huge[] = {0x53, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00};
    static const uint8_t exact[] = {0x53, 0x04, 0x01, 0x02, 0x03, 0x04};
    static const uint8_t bad_tag[] = {0x5F, 0xC1};
    static const uint8_t bad_len[] = {0x53, 0x80, 0x00, 0x00};
    static const uint8_t no_len[] = {0x53};
    ch_cur c, v;
    uint32_t tag;
    (void)state;

    memset(answer, 0x00, sizeof answer);
    answer[0] = 0x53;
    answer[1] = 0x82;
    answer[2] = 0xFF;
    answer[3] = 0xFF;
    check_tlv_fails(answer, sizeof answer);
    /* and still when the length is just one more than what follows */
    answer[2] = 0x00;
    answer[3] = 16 + 1;
    check_tlv_fails(answer, sizeof answer);
    answer[3] = 16; /* exactly */
    ch_cur_init(&c, answer, sizeof answer);
    assert_true(ch_cur_tlv(&c, &tag, &v));
    assert_int_equal(v.len, 16);
    assert_true(ch_cur_empty(&c));

    check_tlv_fails(by_one, sizeof by_one);
    check_tlv_fails(by_one_long, sizeof by_one_long);
    check_tlv_fails(huge, sizeof huge);
    check_tlv_fails(bad_tag, sizeof bad_tag);
    check_tlv_fails(bad_len, sizeof bad_len);
    check_tlv_fails(no_len, sizeof no_len);

    ch_cur_init(&c, exact, sizeof exact);
    assert_true(ch_cur_tlv(&c, &tag, &v));
    assert_int_equal(v.len, 4);
}

static void test_tlv_runs_past_window_not_parent(void **state)
{
    /* The parent buffer holds enough bytes, but the sub-window ends one byte early. */
    static const uint8_t buf[] = {0x53, 0x04, 0x01, 0x02, 0x03, 0x04, 0x99, 0x99};
    ch_cur c, win, v, before;
    uint32_t tag;
    (void)state;

    ch_cur_init(&c, buf, sizeof buf);
    assert_true(ch_cur_sub(&c, 5, &win));
    before = win;
    assert_false(ch_cur_tlv(&win, &tag, &v));
    assert_cur_same(&win, &before);
}

/* ---- find -------------------------------------------------------------------------------- */

static void test_find(void **state)
{
    static const uint8_t buf[] = {0x4F, 0x01, 0xAA,             /* 1st */
                                  0x53, 0x02, 0xBB, 0xCC,       /* 2nd */
                                  0x7F, 0x49, 0x01, 0xDD,       /* 3rd */
                                  0x53, 0x01, 0xEE};            /* duplicate */
    ch_cur c, before, v, v_before;
    uint8_t b;
    (void)state;

    ch_cur_init(&c, buf, sizeof buf);
    before = c;
    assert_true(ch_cur_find(&c, 0x53, &v)); /* the 2nd TLV; the first of two 53s */
    assert_ptr_equal(v.p, buf + 5);
    assert_int_equal(v.len, 2);
    assert_cur_same(&c, &before); /* find does not consume */
    assert_true(ch_cur_u8(&v, &b));
    assert_int_equal(b, 0xBB);

    assert_true(ch_cur_find(&c, 0x4F, &v));
    assert_ptr_equal(v.p, buf + 2);
    assert_true(ch_cur_find(&c, 0x7F49, &v));
    assert_ptr_equal(v.p, buf + 10);
    assert_int_equal(v.len, 1);

    /* not found: false, value untouched */
    v_before = v;
    assert_false(ch_cur_find(&c, 0x99, &v));
    assert_false(ch_cur_find(&c, 0x7F, &v)); /* a prefix of 7F49 is not a match */
    assert_false(ch_cur_find(&c, 0x49, &v));
    assert_cur_same(&v, &v_before);
    assert_cur_same(&c, &before);

    /* only what remains is scanned */
    assert_true(ch_cur_skip(&c, 7));
    assert_false(ch_cur_find(&c, 0x4F, &v));
    assert_true(ch_cur_find(&c, 0x53, &v));
    assert_ptr_equal(v.p, buf + 13); /* now the duplicate */
}

static void test_find_malformed(void **state)
{
    /* A malformed TLV before the wanted tag stops the scan: nothing is guessed past it. */
    static const uint8_t indef_before[] = {0x4F, 0x80, 0x53, 0x01, 0xAA};
    static const uint8_t runs_before[] = {0x4F, 0x10, 0x53, 0x01, 0xAA};
    static const uint8_t tag5_before[] = {0x5F, 0x81, 0x81, 0x81, 0x01, 0x00, 0x53, 0x01, 0xAA};
    static const uint8_t wanted_bad[] = {0x4F, 0x00, 0x53, 0x02, 0xAA};
    /* Garbage after the wanted tag is never reached. */
    static const uint8_t bad_after[] = {0x53, 0x01, 0xAA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    ch_cur c, v, v_before;
    (void)state;

    ch_cur_init(&v, bad_after, 1);
    v_before = v;
    ch_cur_init(&c, indef_before, sizeof indef_before);
    assert_false(ch_cur_find(&c, 0x53, &v));
    ch_cur_init(&c, runs_before, sizeof runs_before);
    assert_false(ch_cur_find(&c, 0x53, &v));
    ch_cur_init(&c, tag5_before, sizeof tag5_before);
    assert_false(ch_cur_find(&c, 0x53, &v));
    ch_cur_init(&c, wanted_bad, sizeof wanted_bad);
    assert_false(ch_cur_find(&c, 0x53, &v));
    assert_cur_same(&v, &v_before);
    assert_int_equal(c.pos, 0);

    ch_cur_init(&c, bad_after, sizeof bad_after);
    assert_true(ch_cur_find(&c, 0x53, &v));
    assert_int_equal(v.len, 1);
    /* but looking for something else runs into it */
    assert_false(ch_cur_find(&c, 0x54, &v));
}

/* ---- nesting ----------------------------------------------------------------------------- */

static void test_nested(void **state)
{
    /* 53 { 7F49 { 81 {01 00 01}  82 {DE AD BE EF} }  5FC105 {} } 99 01 42 */
    static const uint8_t buf[] = {
        0x53, 0x13,                                      /* outer: 19 bytes */
        0x7F, 0x49, 0x0B,                                /* 3 + 11 = 14 */
        0x81, 0x03, 0x01, 0x00, 0x01,                    /*   5 */
        0x82, 0x04, 0xDE, 0xAD, 0xBE, 0xEF,              /*   6 */
        0x5F, 0xC1, 0x05, 0x81, 0x00,                    /* 5: long form zero length */
        0x99, 0x01, 0x42,                                /* after the outer TLV */
    };
    ch_cur c, outer, pub, elem, v;
    uint32_t tag;
    uint32_t u32;
    uint8_t b;
    (void)state;

    ch_cur_init(&c, buf, sizeof buf);
    assert_true(ch_cur_tlv(&c, &tag, &outer));
    assert_int_equal(tag, 0x53);
    assert_int_equal(outer.len, 19);

    assert_true(ch_cur_tlv(&outer, &tag, &pub));
    assert_int_equal(tag, 0x7F49);
    assert_int_equal(pub.len, 11);

    assert_true(ch_cur_find(&pub, 0x82, &elem));
    assert_int_equal(elem.len, 4);
    assert_true(ch_cur_u32be(&elem, &u32));
    assert_int_equal(u32, 0xDEADBEEFu);
    assert_false(ch_cur_u8(&elem, &b)); /* 5F follows in the parent, not in this window */

    assert_true(ch_cur_find(&pub, 0x81, &elem));
    assert_int_equal(elem.len, 3);
    assert_ptr_equal(elem.p, buf + 7);

    /* the inner level does not see siblings of its parent */
    assert_false(ch_cur_find(&pub, 0x5FC105, &v));
    assert_false(ch_cur_find(&outer, 0x99, &v));
    assert_true(ch_cur_find(&outer, 0x5FC105, &v));
    assert_int_equal(v.len, 0);
    assert_true(ch_cur_find(&c, 0x99, &v));
    assert_true(ch_cur_u8(&v, &b));
    assert_int_equal(b, 0x42);

    /* walking the inner level to its end leaves the outer level intact */
    assert_true(ch_cur_tlv(&pub, &tag, &elem));
    assert_int_equal(tag, 0x81);
    assert_true(ch_cur_tlv(&pub, &tag, &elem));
    assert_int_equal(tag, 0x82);
    assert_true(ch_cur_empty(&pub));
    assert_false(ch_cur_tlv(&pub, &tag, &elem));
    assert_true(ch_cur_tlv(&outer, &tag, &elem));
    assert_int_equal(tag, 0x5FC105);
    assert_true(ch_cur_empty(&outer));
    assert_true(ch_cur_tlv(&c, &tag, &elem));
    assert_int_equal(tag, 0x99);
    assert_true(ch_cur_empty(&c));
}

static void test_nested_inner_overclaims(void **state)
{
    /* The inner length fits in the parent buffer but not in the outer TLV's value. */
    static const uint8_t buf[] = {0x53, 0x04, 0x7F, 0x49, 0x03, 0x01, 0x02, 0x03};
    ch_cur c, outer, inner;
    uint32_t tag;
    (void)state;

    ch_cur_init(&c, buf, sizeof buf);
    assert_true(ch_cur_tlv(&c, &tag, &outer));
    assert_int_equal(outer.len, 4);
    assert_false(ch_cur_tlv(&outer, &tag, &inner));
    assert_false(ch_cur_find(&outer, 0x7F49, &inner));
    assert_int_equal(outer.pos, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_null_with_zero_len),
        cmocka_unit_test(test_null_with_nonzero_len_is_empty),
        cmocka_unit_test(test_hand_built_null_cursor_hands_out_nothing),
        cmocka_unit_test(test_init_and_left),
        cmocka_unit_test(test_u8_and_peek),
        cmocka_unit_test(test_u16_exact_and_short),
        cmocka_unit_test(test_u32_exact_and_short),
        cmocka_unit_test(test_be_vs_le_high_bits),
        cmocka_unit_test(test_endian_helpers_match_cursor),
        cmocka_unit_test(test_take_bounds),
        cmocka_unit_test(test_skip_bounds),
        cmocka_unit_test(test_bytes_bounds),
        cmocka_unit_test(test_sub_bounds),
        cmocka_unit_test(test_sub_cannot_read_past_window),
        cmocka_unit_test(test_rest),
        cmocka_unit_test(test_ber_tag_sizes),
        cmocka_unit_test(test_ber_tag_too_long),
        cmocka_unit_test(test_ber_tag_truncated),
        cmocka_unit_test(test_ber_len_forms),
        cmocka_unit_test(test_ber_len_rejected),
        cmocka_unit_test(test_tlv_ok),
        cmocka_unit_test(test_tlv_runs_past),
        cmocka_unit_test(test_tlv_runs_past_window_not_parent),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_find_malformed),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_nested_inner_overclaims),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
