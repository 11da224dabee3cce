/* Writes, key generation and import, and private-key operations of the PIV edge over the
 * script transport: the exact C-APDUs (chaining, BER length forms, policy tags only when not
 * DEFAULT, 53 00 delete), the parsers of GENERATE and GENERAL AUTHENTICATE answers against
 * every malformed shape, status words, and that nothing is sent for a bad parameter.
 * Expected commands and answers are built here with tlv_buf, not with the code under test. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "piv.h"
#include "scarderr.h"
#include "script.h"
#include "tlv_buf.h"

#define RAW(s) (const uint8_t *)(s), sizeof(s) - 1
#define SENTINEL 0xEEu

/* ---- the scripted card ------------------------------------------------------------------ */

typedef struct {
    ch_script s;
    ch_transport tp;
    ch_apdu_ctx ctx;
    uint8_t script[32768];
    size_t len;
} rig;

static rig the_rig;

static rig *rig_new(void)
{
    memset(&the_rig, 0, sizeof the_rig);
    return &the_rig;
}

/* One R-APDU, verbatim. */
static void answer(rig *r, const void *bytes, size_t len)
{
    assert_true(len <= 0xFEFFu && r->len + 2 + len <= sizeof r->script);
    r->script[r->len++] = (uint8_t)(len >> 8);
    r->script[r->len++] = (uint8_t)len;
    if (len)
        memcpy(r->script + r->len, bytes, len);
    r->len += len;
}

static void answer_sw(rig *r, uint16_t sw)
{
    const uint8_t b[2] = {(uint8_t)(sw >> 8), (uint8_t)sw};
    answer(r, b, 2);
}

/* The exchange fails in the transport (script event: 0 communication lost, 1 reset, ...). */
static void answer_event(rig *r, uint8_t code)
{
    assert_true(r->len + 2 <= sizeof r->script);
    r->script[r->len++] = (uint8_t)(CH_SCRIPT_EVENT_BASE >> 8);
    r->script[r->len++] = code;
}

/* A long answer as a card gives it: 256-byte pieces ending 61xx, the last one with sw. */
static void answer_data(rig *r, const uint8_t *d, size_t len, uint16_t sw)
{
    uint8_t piece[258];
    while (len > 256) {
        size_t rest = len - 256;
        memcpy(piece, d, 256);
        piece[256] = 0x61;
        piece[257] = (uint8_t)(rest > 255 ? 0 : rest);
        answer(r, piece, sizeof piece);
        d += 256, len -= 256;
    }
    memcpy(piece, d, len);
    piece[len] = (uint8_t)(sw >> 8);
    piece[len + 1] = (uint8_t)sw;
    answer(r, piece, len + 2);
}

/* 9000 for each intermediate block of a chained command. */
static void chain_ok(rig *r, unsigned blocks)
{
    for (unsigned i = 0; i < blocks; i++)
        answer_sw(r, 0x9000);
}

static void rig_go(rig *r)
{
    ch_script_init(&r->s, r->script, r->len);
    assert_int_equal(ch_transport_open(&r->tp, 1, (uintptr_t)&r->s), SCARD_S_SUCCESS);
    ch_apdu_ctx_init(&r->ctx, &r->tp);
}

static void rig_done(rig *r) { ch_script_free(&r->s); }

static void assert_sent(const rig *r, unsigned i, const uint8_t *want, size_t len)
{
    ch_cur c;
    assert_true(ch_script_sent(&r->s, i, &c));
    assert_int_equal(ch_cur_left(&c), len);
    assert_memory_equal(ch_cur_peek_ptr(&c), want, len);
}
#define SENT(r, i, lit) assert_sent((r), (i), RAW(lit))

/* The APDUs from index `first` on are one command: hdr (CLA INS P1 P2) with data, chained in
 * blocks of 255 (CLA | 10 on all but the last), Le 00 after the last block when le. Returns
 * the index after the last block. */
static unsigned assert_command(const rig *r, unsigned first, const char *hdr, const uint8_t *data,
                               size_t len, bool le)
{
    uint8_t want[4 + 1 + 255 + 1];
    size_t off = 0;
    do {
        size_t n = len - off > 255 ? 255 : len - off, w = 0;
        bool last = off + n == len;
        memcpy(want, hdr, 4);
        if (!last)
            want[0] |= 0x10;
        w = 4;
        if (n) {
            want[w++] = (uint8_t)n;
            memcpy(want + w, data + off, n);
            w += n;
        }
        if (last && le)
            want[w++] = 0x00;
        assert_sent(r, first++, want, w);
        off += n;
    } while (off < len);
    return first;
}

static void fill(uint8_t *b, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(seed + 7 * i + (i >> 8));
}

static void assert_all(const void *p, size_t n, uint8_t v)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != v)
            fail_msg("byte %zu is %02x, not %02x", i, b[i], v);
}

/* Appends 7F 49 L <v>: tlv_buf writes one-byte tags, so 7F goes in front of "49 L v". */
static void tlv_7f49(buf *o, const void *v, size_t len)
{
    put(o, "\x7F", 1);
    tlv(o, 0x49, v, len);
}

/* ---- algorithm ids ------------------------------------------------------------------------ */

static void test_alg_table(void **state)
{
    static const struct {
        uint8_t alg;
        ch_piv_key_type type;
        size_t bits;
    } algs[] = {{0x06, CH_PIV_KEY_RSA, 1024}, {0x07, CH_PIV_KEY_RSA, 2048},
                {0x05, CH_PIV_KEY_RSA, 3072}, {0x16, CH_PIV_KEY_RSA, 4096},
                {0x11, CH_PIV_KEY_P256, 256}, {0x14, CH_PIV_KEY_P384, 384}};
    static const uint8_t not_keys[] = {0x00, 0x03, 0x08, 0x0A, 0x0C, 0xE0, 0xE1, 0xFF};
    (void)state;
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        ch_piv_key_type type = CH_PIV_KEY_NONE;
        size_t bits = 0;
        assert_int_equal(ch_piv_key_alg(algs[i].type, algs[i].bits), algs[i].alg);
        assert_true(ch_piv_alg_key(algs[i].alg, &type, &bits));
        assert_int_equal(type, algs[i].type);
        assert_int_equal(bits, algs[i].bits);
    }
    for (size_t i = 0; i < sizeof not_keys; i++) {
        ch_piv_key_type type = (ch_piv_key_type)77;
        size_t bits = 77;
        assert_false(ch_piv_alg_key(not_keys[i], &type, &bits));
        assert_int_equal(type, 77);
        assert_int_equal(bits, 77);
    }
    assert_int_equal(ch_piv_key_alg(CH_PIV_KEY_RSA, 512), 0);
    assert_int_equal(ch_piv_key_alg(CH_PIV_KEY_RSA, 2047), 0);
    assert_int_equal(ch_piv_key_alg(CH_PIV_KEY_RSA, 8192), 0);
    assert_int_equal(ch_piv_key_alg(CH_PIV_KEY_P256, 384), 0);
    assert_int_equal(ch_piv_key_alg(CH_PIV_KEY_P384, 256), 0);
    assert_int_equal(ch_piv_key_alg(CH_PIV_KEY_NONE, 0), 0);
    assert_int_equal(ch_piv_key_alg(CH_PIV_KEY_NONE, 256), 0);
}

/* ---- PUT DATA ------------------------------------------------------------------------------- */

static void test_put_data_commands(void **state)
{
    static uint8_t content[CH_PIV_OBJECT_MAX], want[CH_PIV_OBJECT_MAX + 16];
    rig *r = rig_new();
    unsigned next;
    (void)state;
    fill(content, sizeof content, 0x30);
    answer_sw(r, 0x9000);                      /* 3 bytes */
    answer_sw(r, 0x9000);                      /* delete */
    answer_sw(r, 0x9000);                      /* 127: short form */
    answer_sw(r, 0x9000);                      /* 200: 81 form */
    chain_ok(r, 1), answer_sw(r, 0x9000);      /* 300: 82 form, two blocks */
    chain_ok(r, 64), answer_sw(r, 0x9000);     /* the largest object: 65 blocks */
    rig_go(r);

    assert_int_equal(ch_piv_put_data(&r->ctx, 0x5FC105, RAW("\x01\x02\x03")), SCARD_S_SUCCESS);
    SENT(r, 0, "\x00\xDB\x3F\xFF\x0A\x5C\x03\x5F\xC1\x05\x53\x03\x01\x02\x03");
    assert_int_equal(ch_piv_put_data(&r->ctx, 0x5FFF10, NULL, 0), SCARD_S_SUCCESS);
    SENT(r, 1, "\x00\xDB\x3F\xFF\x07\x5C\x03\x5F\xFF\x10\x53\x00");

    memcpy(want, "\x5C\x03\x5F\xC1\x0B\x53\x7F", 7);
    memcpy(want + 7, content, 127);
    assert_int_equal(ch_piv_put_data(&r->ctx, 0x5FC10B, content, 127), SCARD_S_SUCCESS);
    next = assert_command(r, 2, "\x00\xDB\x3F\xFF", want, 7 + 127, false);
    assert_int_equal(next, 3);

    memcpy(want, "\x5C\x03\x5F\xC1\x0B\x53\x81\xC8", 8);
    memcpy(want + 8, content, 200);
    assert_int_equal(ch_piv_put_data(&r->ctx, 0x5FC10B, content, 200), SCARD_S_SUCCESS);
    next = assert_command(r, 3, "\x00\xDB\x3F\xFF", want, 8 + 200, false);
    assert_int_equal(next, 4);

    memcpy(want, "\x5C\x03\x5F\xC1\x01\x53\x82\x01\x2C", 9);
    memcpy(want + 9, content, 300);
    assert_int_equal(ch_piv_put_data(&r->ctx, 0x5FC101, content, 300), SCARD_S_SUCCESS);
    next = assert_command(r, 4, "\x00\xDB\x3F\xFF", want, 9 + 300, false);
    assert_int_equal(next, 6);
    {   /* the first block, byte for byte: CLA 10, Lc FF */
        ch_cur c;
        assert_true(ch_script_sent(&r->s, 4, &c));
        assert_int_equal(ch_cur_left(&c), 4 + 1 + 255);
        assert_memory_equal(ch_cur_peek_ptr(&c),
                            "\x10\xDB\x3F\xFF\xFF\x5C\x03\x5F\xC1\x01\x53\x82\x01\x2C", 14);
    }

    memcpy(want, "\x5C\x03\x5F\xFF\x0E\x53\x82\x40\x00", 9);
    memcpy(want + 9, content, CH_PIV_OBJECT_MAX);
    assert_int_equal(ch_piv_put_data(&r->ctx, 0x5FFF0E, content, CH_PIV_OBJECT_MAX),
                     SCARD_S_SUCCESS);
    next = assert_command(r, 6, "\x00\xDB\x3F\xFF", want, 9 + CH_PIV_OBJECT_MAX, false);
    assert_int_equal(next, 6 + 65);
    assert_int_equal(r->s.exchanges, 6 + 65);
    rig_done(r);
}

static void test_put_data_refused_without_sending(void **state)
{
    static uint8_t big[CH_PIV_OBJECT_MAX + 1];
    static const uint32_t bad_tags[] = {
        0x7E,       /* discovery: read-only */
        0x7F61,     /* BIT group template */
        0x5FC1,     /* two bytes */
        0x5FC185,   /* last byte with "more follow" set: not a 3-byte tag */
        0x5FFE10,   /* neither 5FCxxx nor 5FFFxx */
        0x5EC105, 0x5FB105, 0x005FC105 | 0x01000000u, /* four bytes */
        0,
    };
    rig *r = rig_new();
    (void)state;
    answer_sw(r, 0x9000);
    rig_go(r);
    for (size_t i = 0; i < sizeof bad_tags / sizeof bad_tags[0]; i++) {
        print_message("tag %06x\n", (unsigned)bad_tags[i]);
        assert_int_equal(ch_piv_put_data(&r->ctx, bad_tags[i], RAW("\x01")),
                         SCARD_E_INVALID_PARAMETER);
    }
    assert_int_equal(ch_piv_put_data(&r->ctx, 0x5FC105, big, sizeof big),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_put_data(&r->ctx, 0x5FC105, NULL, 1), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(r->s.exchanges, 0);
    /* The edges that are accepted. */
    assert_int_equal(ch_piv_put_data(&r->ctx, 0x5FC07F, RAW("\x01")), SCARD_S_SUCCESS);
    assert_int_equal(r->s.exchanges, 1);
    rig_done(r);
}

static void test_put_data_answers(void **state)
{
    uint8_t content[300];
    rig *r = rig_new();
    (void)state;
    fill(content, sizeof content, 1);
    answer_sw(r, 0x6982);                    /* no management key */
    answer_sw(r, 0x6A84);                    /* object too large for the card */
    answer_sw(r, 0x6A80);                    /* tag the card does not know */
    answer(r, RAW("\x00\x90\x00"));          /* data in a PUT DATA answer */
    answer_sw(r, 0x6982);                    /* first block of a chain refused */
    answer(r, RAW("\x90"));                  /* no status word */
    answer_event(r, 1);                      /* card reset */
    rig_go(r);
    assert_int_equal(ch_piv_put_data(&r->ctx, 0x5FC105, RAW("\x01")), SCARD_W_SECURITY_VIOLATION);
    assert_int_equal(ch_piv_put_data(&r->ctx, 0x5FC105, RAW("\x01")), SCARD_E_WRITE_TOO_MANY);
    assert_int_equal(ch_piv_put_data(&r->ctx, 0x5FC105, RAW("\x01")), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_put_data(&r->ctx, 0x5FC105, RAW("\x01")), SCARD_E_UNEXPECTED);
    assert_int_equal(ch_piv_put_data(&r->ctx, 0x5FC105, content, sizeof content),
                     SCARD_W_SECURITY_VIOLATION);
    assert_int_equal(r->s.exchanges, 5); /* the rest of the chain was not sent */
    assert_int_equal(ch_piv_put_data(&r->ctx, 0x5FC105, RAW("\x01")), SCARD_E_COMM_DATA_LOST);
    assert_int_equal(ch_piv_put_data(&r->ctx, 0x5FC105, RAW("\x01")), SCARD_W_RESET_CARD);
    assert_int_equal(ch_piv_put_data(&r->ctx, 0x5FC105, RAW("\x01")), SCARD_W_REMOVED_CARD);
    rig_done(r);
}

/* ---- certificate object content ------------------------------------------------------------ */

static void test_cert_object_build(void **state)
{
    static const struct {
        size_t len;
        const char *hdr;
        size_t hdr_len;
    } sizes[] = {{1, "\x70\x01", 2},           {127, "\x70\x7F", 2},
                 {128, "\x70\x81\x80", 3},     {255, "\x70\x81\xFF", 3},
                 {256, "\x70\x82\x01\x00", 4}, {3000, "\x70\x82\x0B\xB8", 4}};
    static uint8_t der[4000], out[4100], back[4000];
    size_t n, m;
    (void)state;
    fill(der, sizeof der, 0x41);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t len = sizes[i].len, total = sizes[i].hdr_len + len + 5;
        for (int gz = 0; gz < 2; gz++) {
            print_message("len %zu gzip %d\n", len, gz);
            n = 0;
            assert_int_equal(ch_piv_cert_object_build(der, len, gz != 0, out, total, &n),
                             SCARD_S_SUCCESS);
            assert_int_equal(n, total);
            assert_memory_equal(out, sizes[i].hdr, sizes[i].hdr_len);
            assert_memory_equal(out + sizes[i].hdr_len, der, len);
            assert_memory_equal(out + sizes[i].hdr_len + len,
                                gz ? "\x71\x01\x01\xFE\x00" : "\x71\x01\x00\xFE\x00", 5);
            /* One byte short: refused, nothing written. */
            memset(out, SENTINEL, sizeof out);
            n = 77;
            assert_int_equal(ch_piv_cert_object_build(der, len, gz != 0, out, total - 1, &n),
                             SCARD_E_INSUFFICIENT_BUFFER);
            assert_int_equal(n, 77);
            assert_all(out, sizeof out, SENTINEL);
        }
        /* The plain object reads back through the object parser. */
        assert_int_equal(ch_piv_cert_object_build(der, len, false, out, sizeof out, &n),
                         SCARD_S_SUCCESS);
        assert_int_equal(ch_piv_cert_object(out, n, back, sizeof back, &m), SCARD_S_SUCCESS);
        assert_int_equal(m, len);
        assert_memory_equal(back, der, len);
    }
    /* In place: out is der. */
    memcpy(out, der, 300);
    assert_int_equal(ch_piv_cert_object_build(out, 300, false, out, sizeof out, &n),
                     SCARD_S_SUCCESS);
    assert_int_equal(n, 4 + 300 + 5);
    assert_memory_equal(out, "\x70\x82\x01\x2C", 4);
    assert_memory_equal(out + 4, der, 300);
    /* No certificate, no room at all, no output length. */
    n = 77;
    assert_int_equal(ch_piv_cert_object_build(der, 0, false, out, sizeof out, &n),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_cert_object_build(NULL, 10, false, out, sizeof out, &n),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_cert_object_build(der, 10, false, out, sizeof out, NULL),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_cert_object_build(der, 10, false, NULL, 0, &n),
                     SCARD_E_INSUFFICIENT_BUFFER);
    assert_int_equal(ch_piv_cert_object_build(der, SIZE_MAX - 2, false, out, sizeof out, &n),
                     SCARD_E_INSUFFICIENT_BUFFER);
    assert_int_equal(n, 77);
}

/* ---- GENERATE answers ----------------------------------------------------------------------- */

/* n of `bytes` bytes, top bit set, odd. */
static void modulus(uint8_t *n, size_t bytes)
{
    fill(n, bytes, 0x5A);
    n[0] |= 0x80;
    n[bytes - 1] |= 1;
}

static void ec_point(uint8_t *p, size_t len)
{
    fill(p, len, 0xA0);
    p[0] = 0x04;
}

/* 7F 49 { 81 n 82 e } */
static void rsa_answer(buf *o, const uint8_t *n, size_t n_len, const void *e, size_t e_len)
{
    buf in = {.n = 0};
    tlv(&in, 0x81, n, n_len);
    tlv(&in, 0x82, e, e_len);
    o->n = 0;
    tlv_7f49(o, in.b, in.n);
}

static void ec_answer(buf *o, const uint8_t *pt, size_t len)
{
    buf in = {.n = 0};
    tlv(&in, 0x86, pt, len);
    o->n = 0;
    tlv_7f49(o, in.b, in.n);
}

static void test_parse_generated_good(void **state)
{
    static const struct {
        uint8_t alg;
        size_t bits;
    } rsa[] = {{0x06, 1024}, {0x07, 2048}, {0x05, 3072}, {0x16, 4096}};
    uint8_t n[513], pt[97];
    ch_piv_pubkey pk;
    buf a, in;
    (void)state;
    for (size_t i = 0; i < sizeof rsa / sizeof rsa[0]; i++) {
        size_t bytes = rsa[i].bits / 8;
        modulus(n, bytes);
        rsa_answer(&a, n, bytes, "\x01\x00\x01", 3);
        memset(&pk, SENTINEL, sizeof pk);
        assert_int_equal(ch_piv_parse_generated(a.b, a.n, rsa[i].alg, &pk), SCARD_S_SUCCESS);
        assert_int_equal(pk.type, CH_PIV_KEY_RSA);
        assert_int_equal(pk.bits, rsa[i].bits);
        assert_int_equal(pk.n_len, bytes);
        assert_memory_equal(pk.n, n, bytes);
        assert_int_equal(pk.e, 65537);
        assert_int_equal(pk.point_len, 0);
    }
    /* Card integers may carry leading zeros; 82 may come first; e = 3 and 2^32 - 1. */
    n[0] = 0;
    modulus(n + 1, 256);
    rsa_answer(&a, n, 257, "\x00\x00\x00\x00\x03", 5);
    assert_int_equal(ch_piv_parse_generated(a.b, a.n, 0x07, &pk), SCARD_S_SUCCESS);
    assert_int_equal(pk.n_len, 256);
    assert_memory_equal(pk.n, n + 1, 256);
    assert_int_equal(pk.e, 3);
    in.n = 0;
    tlv(&in, 0x82, "\xFF\xFF\xFF\xFF", 4);
    tlv(&in, 0x81, n + 1, 256);
    a.n = 0;
    tlv_7f49(&a, in.b, in.n);
    assert_int_equal(ch_piv_parse_generated(a.b, a.n, 0x07, &pk), SCARD_S_SUCCESS);
    assert_int_equal(pk.e, 0xFFFFFFFFu);

    ec_point(pt, sizeof pt);
    ec_answer(&a, pt, 65);
    memset(&pk, SENTINEL, sizeof pk);
    assert_int_equal(ch_piv_parse_generated(a.b, a.n, 0x11, &pk), SCARD_S_SUCCESS);
    assert_int_equal(pk.type, CH_PIV_KEY_P256);
    assert_int_equal(pk.bits, 256);
    assert_int_equal(pk.point_len, 65);
    assert_memory_equal(pk.point, pt, 65);
    assert_int_equal(pk.n_len, 0);
    ec_answer(&a, pt, 97);
    assert_int_equal(ch_piv_parse_generated(a.b, a.n, 0x14, &pk), SCARD_S_SUCCESS);
    assert_int_equal(pk.type, CH_PIV_KEY_P384);
    assert_int_equal(pk.bits, 384);
    assert_int_equal(pk.point_len, 97);
    assert_memory_equal(pk.point, pt, 97);
}

static void assert_generated_refused(const buf *a, uint8_t alg, const char *what)
{
    ch_piv_pubkey pk;
    print_message("%s\n", what);
    memset(&pk, SENTINEL, sizeof pk);
    assert_int_equal(ch_piv_parse_generated(a->b, a->n, alg, &pk), SCARD_E_UNEXPECTED);
    assert_all(&pk, sizeof pk, SENTINEL);
}

static void test_parse_generated_malformed_rsa(void **state)
{
    uint8_t n[300], pt[65];
    buf a, in, good;
    (void)state;
    modulus(n, 256);
    ec_point(pt, sizeof pt);
    rsa_answer(&good, n, 256, "\x01\x00\x01", 3);

    a.n = 0;
    assert_generated_refused(&a, 0x07, "empty");
    a = good, a.b[1] = 0x48;
    assert_generated_refused(&a, 0x07, "7F48, not 7F49");
    a = good, a.b[0] = 0x7C, memmove(a.b + 1, a.b + 2, a.n - 2), a.n--;
    assert_generated_refused(&a, 0x07, "7C, not 7F49");
    a = good, a.n--;
    assert_generated_refused(&a, 0x07, "7F49 length past the end");
    a = good, put(&a, "\x00", 1);
    assert_generated_refused(&a, 0x07, "trailing byte");
    a = good, put(&a, "\x90\x00", 2);
    assert_generated_refused(&a, 0x07, "trailing status-word-like bytes");
    a = good, put(&a, good.b, good.n);
    assert_generated_refused(&a, 0x07, "two 7F49 objects");

#define INNER(what, ...)                                                                     \
    do {                                                                                     \
        in.n = 0;                                                                            \
        __VA_ARGS__;                                                                         \
        a.n = 0;                                                                             \
        tlv_7f49(&a, in.b, in.n);                                                            \
        assert_generated_refused(&a, 0x07, what);                                            \
    } while (0)
    INNER("nothing inside", (void)0);
    INNER("no exponent", tlv(&in, 0x81, n, 256));
    INNER("no modulus", tlv(&in, 0x82, "\x01\x00\x01", 3));
    INNER("two moduli", tlv(&in, 0x81, n, 256); tlv(&in, 0x81, n, 256);
          tlv(&in, 0x82, "\x01\x00\x01", 3));
    INNER("two exponents", tlv(&in, 0x81, n, 256); tlv(&in, 0x82, "\x01\x00\x01", 3);
          tlv(&in, 0x82, "\x01\x00\x01", 3));
    INNER("an EC point too", tlv(&in, 0x81, n, 256); tlv(&in, 0x82, "\x01\x00\x01", 3);
          tlv(&in, 0x86, pt, 65));
    INNER("an unknown tag", tlv(&in, 0x81, n, 256); tlv(&in, 0x83, "", 0);
          tlv(&in, 0x82, "\x01\x00\x01", 3));
    INNER("an EC point only", tlv(&in, 0x86, pt, 65));
    INNER("inner length past the template", tlv(&in, 0x81, n, 256);
          put(&in, "\x82\x04\x01\x00\x01", 5));
    INNER("inner bad length form", tlv(&in, 0x81, n, 256); put(&in, "\x82\x80\x01\x00\x01", 5));
    INNER("modulus 255 bytes", tlv(&in, 0x81, n, 255); tlv(&in, 0x82, "\x01\x00\x01", 3));
    modulus(n, 257); /* top bit set, odd: only the size is wrong */
    INNER("modulus 257 bytes", tlv(&in, 0x81, n, 257); tlv(&in, 0x82, "\x01\x00\x01", 3));
    modulus(n, 256);
    INNER("modulus 1024 bits for RSA-2048", tlv(&in, 0x81, n, 128);
          tlv(&in, 0x82, "\x01\x00\x01", 3));
    n[0] = 0x7F;
    INNER("modulus top bit clear (2047 bits)", tlv(&in, 0x81, n, 256);
          tlv(&in, 0x82, "\x01\x00\x01", 3));
    n[0] = 0x00;
    INNER("modulus with a zero byte in front: 2040 bits", tlv(&in, 0x81, n, 256);
          tlv(&in, 0x82, "\x01\x00\x01", 3));
    modulus(n, 256);
    n[255] &= 0xFE;
    INNER("even modulus", tlv(&in, 0x81, n, 256); tlv(&in, 0x82, "\x01\x00\x01", 3));
    modulus(n, 256);
    INNER("modulus all zeros", tlv(&in, 0x81, "\0\0\0\0", 4); tlv(&in, 0x82, "\x03", 1));
    INNER("exponent empty", tlv(&in, 0x81, n, 256); tlv(&in, 0x82, "", 0));
    INNER("exponent zero", tlv(&in, 0x81, n, 256); tlv(&in, 0x82, "\x00\x00", 2));
    INNER("exponent 1", tlv(&in, 0x81, n, 256); tlv(&in, 0x82, "\x01", 1));
    INNER("exponent even", tlv(&in, 0x81, n, 256); tlv(&in, 0x82, "\x01\x00\x00", 3));
    INNER("exponent 5 bytes", tlv(&in, 0x81, n, 256); tlv(&in, 0x82, "\x01\x00\x00\x00\x01", 5));
#undef INNER
}

static void test_parse_generated_malformed_ec(void **state)
{
    uint8_t pt[97], n[256];
    buf a, in;
    (void)state;
    ec_point(pt, sizeof pt);
    modulus(n, sizeof n);
#define INNER(alg, what, ...)                                                                \
    do {                                                                                     \
        in.n = 0;                                                                            \
        __VA_ARGS__;                                                                         \
        a.n = 0;                                                                             \
        tlv_7f49(&a, in.b, in.n);                                                            \
        assert_generated_refused(&a, alg, what);                                             \
    } while (0)
    INNER(0x11, "nothing inside", (void)0);
    INNER(0x11, "empty point", tlv(&in, 0x86, "", 0));
    INNER(0x11, "point 64 bytes", tlv(&in, 0x86, pt, 64));
    INNER(0x11, "point 66 bytes", tlv(&in, 0x86, pt, 66));
    INNER(0x11, "P-384 point for P-256", tlv(&in, 0x86, pt, 97));
    INNER(0x14, "P-256 point for P-384", tlv(&in, 0x86, pt, 65));
    INNER(0x11, "X and Y without 04", tlv(&in, 0x86, pt + 1, 64));
    pt[0] = 0x02;
    INNER(0x11, "compressed point 02", tlv(&in, 0x86, pt, 33));
    INNER(0x11, "65 bytes starting 02", tlv(&in, 0x86, pt, 65));
    pt[0] = 0x03;
    INNER(0x11, "compressed point 03", tlv(&in, 0x86, pt, 33));
    pt[0] = 0x00;
    INNER(0x14, "97 bytes starting 00", tlv(&in, 0x86, pt, 97));
    ec_point(pt, sizeof pt);
    INNER(0x11, "two points", tlv(&in, 0x86, pt, 65); tlv(&in, 0x86, pt, 65));
    INNER(0x11, "point and a modulus", tlv(&in, 0x86, pt, 65); tlv(&in, 0x81, n, 32));
    INNER(0x11, "something before the point", tlv(&in, 0x85, "", 0); tlv(&in, 0x86, pt, 65));
    INNER(0x11, "RSA key for an EC algorithm", tlv(&in, 0x81, n, 256);
          tlv(&in, 0x82, "\x01\x00\x01", 3));
    INNER(0x06, "EC point for an RSA algorithm", tlv(&in, 0x86, pt, 65));
    INNER(0x11, "point length past the template", put(&in, "\x86\x42", 2); put(&in, pt, 65));
#undef INNER
    {
        ch_piv_pubkey pk;
        ec_answer(&a, pt, 65);
        memset(&pk, SENTINEL, sizeof pk);
        assert_int_equal(ch_piv_parse_generated(a.b, a.n, CH_PIV_ALG_3DES, &pk),
                         SCARD_E_INVALID_PARAMETER);
        assert_int_equal(ch_piv_parse_generated(a.b, a.n, 0x00, &pk),
                         SCARD_E_INVALID_PARAMETER);
        assert_all(&pk, sizeof pk, SENTINEL);
    }
}

/* ---- GENERATE ----------------------------------------------------------------------------- */

static void test_generate_commands(void **state)
{
    uint8_t n[256], pt[97];
    ch_piv_pubkey pk;
    buf a;
    rig *r = rig_new();
    (void)state;
    modulus(n, sizeof n);
    ec_point(pt, sizeof pt);
    rsa_answer(&a, n, 256, "\x01\x00\x01", 3); /* 270 bytes: two pieces */
    assert_int_equal(a.n, 270);
    answer_data(r, a.b, a.n, 0x9000);
    ec_answer(&a, pt, 65);
    answer_data(r, a.b, a.n, 0x9000);
    answer_data(r, a.b, a.n, 0x9000);
    ec_answer(&a, pt, 97);
    answer_data(r, a.b, a.n, 0x9000);
    rig_go(r);

    memset(&pk, SENTINEL, sizeof pk);
    assert_int_equal(ch_piv_generate(&r->ctx, 0x9A, 0x07, CH_PIV_POLICY_DEFAULT,
                                     CH_PIV_POLICY_DEFAULT, &pk),
                     SCARD_S_SUCCESS);
    SENT(r, 0, "\x00\x47\x00\x9A\x05\xAC\x03\x80\x01\x07\x00");
    SENT(r, 1, "\x00\xC0\x00\x00\x0E"); /* GET RESPONSE for the 14 bytes that remain */
    assert_int_equal(pk.type, CH_PIV_KEY_RSA);
    assert_int_equal(pk.bits, 2048);
    assert_memory_equal(pk.n, n, 256);
    assert_int_equal(pk.e, 65537);

    assert_int_equal(ch_piv_generate(&r->ctx, 0x9C, 0x11, CH_PIV_PIN_POLICY_ONCE,
                                     CH_PIV_POLICY_DEFAULT, &pk),
                     SCARD_S_SUCCESS);
    SENT(r, 2, "\x00\x47\x00\x9C\x08\xAC\x06\x80\x01\x11\xAA\x01\x02\x00");
    assert_int_equal(pk.type, CH_PIV_KEY_P256);
    assert_memory_equal(pk.point, pt, 65);

    assert_int_equal(ch_piv_generate(&r->ctx, 0x82, 0x11, CH_PIV_POLICY_DEFAULT, 0x03, &pk),
                     SCARD_S_SUCCESS);
    SENT(r, 3, "\x00\x47\x00\x82\x08\xAC\x06\x80\x01\x11\xAB\x01\x03\x00");

    assert_int_equal(ch_piv_generate(&r->ctx, 0x95, 0x14, CH_PIV_PIN_POLICY_ALWAYS, 0x02, &pk),
                     SCARD_S_SUCCESS);
    SENT(r, 4, "\x00\x47\x00\x95\x0B\xAC\x09\x80\x01\x14\xAA\x01\x03\xAB\x01\x02\x00");
    assert_int_equal(pk.type, CH_PIV_KEY_P384);
    assert_memory_equal(pk.point, pt, 97);
    assert_int_equal(r->s.exchanges, 5);
    rig_done(r);
}

static void test_generate_refused_without_sending(void **state)
{
    ch_piv_pubkey pk;
    rig *r = rig_new();
    (void)state;
    rig_go(r);
    memset(&pk, SENTINEL, sizeof pk);
    assert_int_equal(ch_piv_generate(&r->ctx, 0x9A, CH_PIV_ALG_3DES, 0, 0, &pk),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_generate(&r->ctx, 0x9A, 0xE0, 0, 0, &pk), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_generate(&r->ctx, 0x9B, 0x11, 0, 0, &pk), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_generate(&r->ctx, 0xF9, 0x11, 0, 0, &pk), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_generate(&r->ctx, 0x81, 0x11, 0, 0, &pk), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_generate(&r->ctx, 0x96, 0x11, 0, 0, &pk), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_generate(&r->ctx, 0x9A, 0x11, 4, 0, &pk), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_generate(&r->ctx, 0x9A, 0x11, 0, 4, &pk), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_generate(&r->ctx, 0x9A, 0x11, 0, 0, NULL), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(r->s.exchanges, 0);
    assert_all(&pk, sizeof pk, SENTINEL);
    rig_done(r);
}

static void test_generate_answers(void **state)
{
    static uint8_t longer[1100];
    uint8_t n[128], pt[65];
    ch_piv_pubkey pk;
    buf a;
    rig *r = rig_new();
    (void)state;
    modulus(n, sizeof n);
    ec_point(pt, sizeof pt);
    answer_sw(r, 0x6982);
    answer_sw(r, 0x6A80);
    answer_sw(r, 0x6A86);
    answer_sw(r, 0x6D00);
    answer_sw(r, 0x9000);                          /* no data */
    ec_answer(&a, pt, 65);
    answer_data(r, a.b, a.n, 0x9000);              /* P-256 key for an RSA-1024 request */
    rsa_answer(&a, n, 128, "\x01\x00\x01", 3);
    answer_data(r, a.b, a.n, 0x6982);              /* a key, but with a refusal */
    fill(longer, sizeof longer, 3);
    answer_data(r, longer, sizeof longer, 0x9000); /* longer than any public key */
    answer_event(r, 0);                            /* communication lost */
    rig_go(r);
#define GEN(want)                                                                            \
    do {                                                                                     \
        memset(&pk, SENTINEL, sizeof pk);                                                    \
        assert_int_equal(ch_piv_generate(&r->ctx, 0x9A, 0x06, 0, 0, &pk), (want));           \
        assert_all(&pk, sizeof pk, SENTINEL);                                                \
    } while (0)
    GEN(SCARD_W_SECURITY_VIOLATION);
    GEN(SCARD_E_INVALID_PARAMETER);
    GEN(SCARD_E_INVALID_PARAMETER);
    GEN(SCARD_E_UNSUPPORTED_FEATURE);
    GEN(SCARD_E_UNEXPECTED);
    GEN(SCARD_E_UNEXPECTED);
    GEN(SCARD_W_SECURITY_VIOLATION);
    GEN(SCARD_E_UNEXPECTED);
    GEN(SCARD_E_COMM_DATA_LOST);
    GEN(SCARD_W_REMOVED_CARD);
#undef GEN
    rig_done(r);
}

/* ---- IMPORT ----------------------------------------------------------------------------- */

static void test_import_rsa_commands(void **state)
{
    static const struct {
        uint8_t alg;
        size_t half;
        uint8_t pin, touch;
        unsigned blocks;
    } cases[] = {
        {0x06, 64, 0, 0, 2},  /* 5 * (2 + 64) = 330 */
        {0x07, 128, 2, 0, 3}, /* 5 * (3 + 128) + 3 = 658 */
        {0x05, 192, 0, 1, 4}, /* 5 * (3 + 192) + 3 = 978 */
        {0x16, 256, 3, 3, 6}, /* 5 * (4 + 256) + 6 = 1306 */
    };
    static uint8_t comp[5][256];
    (void)state;
    for (size_t i = 0; i < 5; i++)
        fill(comp[i], sizeof comp[i], (uint8_t)(0x10 * (i + 1)));
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        rig *r = rig_new();
        buf want = {.n = 0};
        const char hdr[4] = {0x00, (char)0xFE, (char)cases[k].alg, (char)0x9D};
        print_message("alg %02x\n", cases[k].alg);
        for (size_t i = 0; i < 5; i++)
            tlv(&want, (uint32_t)(i + 1), comp[i], cases[k].half);
        if (cases[k].pin)
            tlv(&want, 0xAA, &cases[k].pin, 1);
        if (cases[k].touch)
            tlv(&want, 0xAB, &cases[k].touch, 1);
        chain_ok(r, cases[k].blocks - 1);
        answer_sw(r, 0x9000);
        rig_go(r);
        assert_int_equal(ch_piv_import_rsa(&r->ctx, 0x9D, cases[k].alg, comp[0], comp[1],
                                           comp[2], comp[3], comp[4], cases[k].half,
                                           cases[k].pin, cases[k].touch),
                         SCARD_S_SUCCESS);
        assert_int_equal(assert_command(r, 0, hdr, want.b, want.n, false), cases[k].blocks);
        assert_int_equal(r->s.exchanges, cases[k].blocks);
        rig_done(r);
    }
    {   /* RSA-4096, the first and last blocks byte for byte */
        rig *r = rig_new();
        ch_cur c;
        chain_ok(r, 5);
        answer_sw(r, 0x9000);
        rig_go(r);
        assert_int_equal(ch_piv_import_rsa(&r->ctx, 0x9E, 0x16, comp[0], comp[1], comp[2],
                                           comp[3], comp[4], 256, 1, 2),
                         SCARD_S_SUCCESS);
        assert_true(ch_script_sent(&r->s, 0, &c));
        assert_int_equal(ch_cur_left(&c), 260);
        assert_memory_equal(ch_cur_peek_ptr(&c), "\x10\xFE\x16\x9E\xFF\x01\x82\x01\x00", 9);
        assert_memory_equal(ch_cur_peek_ptr(&c) + 9, comp[0], 251);
        assert_true(ch_script_sent(&r->s, 5, &c));
        assert_int_equal(ch_cur_left(&c), 4 + 1 + 31);
        assert_memory_equal(ch_cur_peek_ptr(&c), "\x00\xFE\x16\x9E\x1F", 5);
        assert_memory_equal(ch_cur_peek_ptr(&c) + 5, comp[4] + 256 - 25, 25);
        assert_memory_equal(ch_cur_peek_ptr(&c) + 30, "\xAA\x01\x01\xAB\x01\x02", 6);
        rig_done(r);
    }
}

static void test_import_ec_commands(void **state)
{
    uint8_t d[48];
    rig *r = rig_new();
    buf want = {.n = 0};
    (void)state;
    fill(d, sizeof d, 0x77);
    answer_sw(r, 0x9000);
    answer_sw(r, 0x9000);
    rig_go(r);
    assert_int_equal(ch_piv_import_ec(&r->ctx, 0x9A, 0x11, d, 32, 0, 0), SCARD_S_SUCCESS);
    put(&want, "\x00\xFE\x11\x9A\x22\x06\x20", 7);
    put(&want, d, 32);
    assert_sent(r, 0, want.b, want.n);
    assert_int_equal(ch_piv_import_ec(&r->ctx, 0x83, 0x14, d, 48, 3, 1), SCARD_S_SUCCESS);
    want.n = 0;
    put(&want, "\x00\xFE\x14\x83\x38\x06\x30", 7);
    put(&want, d, 48);
    put(&want, "\xAA\x01\x03\xAB\x01\x01", 6);
    assert_sent(r, 1, want.b, want.n);
    rig_done(r);
}

static void test_import_refused_without_sending(void **state)
{
    static uint8_t c[256];
    rig *r = rig_new();
    (void)state;
    rig_go(r);
#define RSA(slot, alg, half, pin, touch)                                                     \
    ch_piv_import_rsa(&r->ctx, slot, alg, c, c, c, c, c, half, pin, touch)
    assert_int_equal(RSA(0x9A, 0x07, 127, 0, 0), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(RSA(0x9A, 0x07, 256, 0, 0), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(RSA(0x9A, 0x06, 128, 0, 0), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(RSA(0x9A, 0x11, 16, 0, 0), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(RSA(0x9A, 0x03, 12, 0, 0), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(RSA(0x9B, 0x07, 128, 0, 0), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(RSA(0xF9, 0x07, 128, 0, 0), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(RSA(0x9A, 0x07, 128, 4, 0), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(RSA(0x9A, 0x07, 128, 0, 0xFF), SCARD_E_INVALID_PARAMETER);
#undef RSA
    for (int i = 0; i < 5; i++) {
        const uint8_t *p[5] = {c, c, c, c, c};
        p[i] = NULL;
        assert_int_equal(ch_piv_import_rsa(&r->ctx, 0x9A, 0x07, p[0], p[1], p[2], p[3], p[4],
                                           128, 0, 0),
                         SCARD_E_INVALID_PARAMETER);
    }
    assert_int_equal(ch_piv_import_ec(&r->ctx, 0x9A, 0x11, c, 48, 0, 0),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_import_ec(&r->ctx, 0x9A, 0x14, c, 32, 0, 0),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_import_ec(&r->ctx, 0x9A, 0x07, c, 32, 0, 0),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_import_ec(&r->ctx, 0x9A, 0x11, NULL, 32, 0, 0),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_import_ec(&r->ctx, 0x00, 0x11, c, 32, 0, 0),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_import_ec(&r->ctx, 0x9A, 0x11, c, 32, 0, 9),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(r->s.exchanges, 0);
    rig_done(r);
}

static void test_import_answers(void **state)
{
    static uint8_t c[128];
    rig *r = rig_new();
    (void)state;
    answer_sw(r, 0x6982);                /* no management key: refused at the first block */
    answer_sw(r, 0x9000), answer_sw(r, 0x6A80); /* the card checked the key: not consistent */
    answer_sw(r, 0x9000), answer(r, RAW("\x01\x90\x00")); /* data in the answer */
    answer_sw(r, 0x6982);
    answer_sw(r, 0x6A80);
    rig_go(r);
    assert_int_equal(ch_piv_import_rsa(&r->ctx, 0x9A, 0x06, c, c, c, c, c, 64, 0, 0),
                     SCARD_W_SECURITY_VIOLATION);
    assert_int_equal(r->s.exchanges, 1);
    assert_int_equal(ch_piv_import_rsa(&r->ctx, 0x9A, 0x06, c, c, c, c, c, 64, 0, 0),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_import_rsa(&r->ctx, 0x9A, 0x06, c, c, c, c, c, 64, 0, 0),
                     SCARD_E_UNEXPECTED);
    assert_int_equal(ch_piv_import_ec(&r->ctx, 0x9A, 0x11, c, 32, 0, 0),
                     SCARD_W_SECURITY_VIOLATION);
    assert_int_equal(ch_piv_import_ec(&r->ctx, 0x9A, 0x11, c, 32, 0, 0),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_import_ec(&r->ctx, 0x9A, 0x11, c, 32, 0, 0), SCARD_W_REMOVED_CARD);
    rig_done(r);
}

/* ---- GENERAL AUTHENTICATE: RSA -------------------------------------------------------- */

/* 7C { 82 <v> } */
static void result(buf *o, const void *v, size_t len)
{
    buf in = {.n = 0};
    tlv(&in, 0x82, v, len);
    o->n = 0;
    tlv(o, 0x7C, in.b, in.n);
}

static void test_rsa_raw_commands(void **state)
{
    static uint8_t in[512], out[512], res[512];
    buf want, a;
    rig *r = rig_new();
    unsigned next;
    (void)state;
    fill(in, sizeof in, 0x21);
    fill(res, sizeof res, 0x99);
    result(&a, res, 128);
    answer_data(r, a.b, a.n, 0x9000);
    result(&a, res, 256);
    chain_ok(r, 1);
    answer_data(r, a.b, a.n, 0x9000); /* 264 bytes: 61 08 */
    result(&a, res, 512);
    chain_ok(r, 2);
    answer_data(r, a.b, a.n, 0x9000);
    rig_go(r);

    memset(out, SENTINEL, sizeof out);
    assert_int_equal(ch_piv_rsa_raw(&r->ctx, 0x06, 0x9A, in, 128, out), SCARD_S_SUCCESS);
    assert_memory_equal(out, res, 128);
    assert_all(out + 128, sizeof out - 128, SENTINEL);
    want.n = 0;
    put(&want, "\x00\x87\x06\x9A\x88\x7C\x81\x85\x82\x00\x81\x81\x80", 13);
    put(&want, in, 128);
    put(&want, "\x00", 1);
    assert_sent(r, 0, want.b, want.n);

    /* RSA-2048, out is in: chained in two blocks, the answer in two pieces */
    memcpy(out, in, 256);
    assert_int_equal(ch_piv_rsa_raw(&r->ctx, 0x07, 0x9D, out, 256, out), SCARD_S_SUCCESS);
    assert_memory_equal(out, res, 256);
    want.n = 0;
    put(&want, "\x7C\x82\x01\x06\x82\x00\x81\x82\x01\x00", 10);
    put(&want, in, 256);
    next = assert_command(r, 1, "\x00\x87\x07\x9D", want.b, want.n, true);
    assert_int_equal(next, 3);
    SENT(r, 3, "\x00\xC0\x00\x00\x08");

    assert_int_equal(ch_piv_rsa_raw(&r->ctx, 0x16, 0x9C, in, 512, out), SCARD_S_SUCCESS);
    assert_memory_equal(out, res, 512);
    want.n = 0;
    put(&want, "\x7C\x82\x02\x06\x82\x00\x81\x82\x02\x00", 10);
    put(&want, in, 512);
    next = assert_command(r, 4, "\x00\x87\x16\x9C", want.b, want.n, true);
    assert_int_equal(next, 7);
    SENT(r, 7, "\x00\xC0\x00\x00\x00"); /* 520 bytes: 256 + 256 + 8 */
    SENT(r, 8, "\x00\xC0\x00\x00\x08");
    rig_done(r);
}

static void test_rsa_raw_refused_without_sending(void **state)
{
    static uint8_t in[512], out[512];
    rig *r = rig_new();
    (void)state;
    rig_go(r);
    memset(out, SENTINEL, sizeof out);
    assert_int_equal(ch_piv_rsa_raw(&r->ctx, 0x07, 0x9A, in, 255, out), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_rsa_raw(&r->ctx, 0x07, 0x9A, in, 257, out), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_rsa_raw(&r->ctx, 0x06, 0x9A, in, 256, out), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_rsa_raw(&r->ctx, 0x11, 0x9A, in, 32, out), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_rsa_raw(&r->ctx, 0x03, 0x9A, in, 8, out), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_rsa_raw(&r->ctx, 0x07, 0x9B, in, 256, out), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_rsa_raw(&r->ctx, 0x07, 0xF9, in, 256, out), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_rsa_raw(&r->ctx, 0x07, 0x9A, NULL, 256, out),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_rsa_raw(&r->ctx, 0x07, 0x9A, in, 256, NULL),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(r->s.exchanges, 0);
    assert_all(out, sizeof out, SENTINEL);
    rig_done(r);
}

/* The 7C answer shapes every GENERAL AUTHENTICATE must refuse, around a good value v. */
static size_t bad_results(buf *bad, size_t max, const uint8_t *v, size_t len)
{
    static uint8_t longer[CH_PIV_RSA_MAX_BYTES + 1];
    buf in;
    size_t k = 0;
#define NEXT (assert_true(k < max), bad[k].n = 0, &bad[k++])
#define WRAP(...) (in.n = 0, __VA_ARGS__, NEXT, tlv(&bad[k - 1], 0x7C, in.b, in.n))
    (void)NEXT;                                           /* empty 9000 */
    tlv(NEXT, 0x82, v, len);                              /* 82 without 7C */
    (void)WRAP(tlv(&in, 0x82, v, len)), bad[k - 1].b[0] = 0x7D; /* 7D, not 7C */
    (void)WRAP((void)0);                                  /* empty 7C */
    (void)WRAP(tlv(&in, 0x82, v, len), tlv(&in, 0x83, "", 0));   /* extra TLV after 82 */
    (void)WRAP(tlv(&in, 0x81, "", 0), tlv(&in, 0x82, v, len));   /* extra TLV before 82 */
    (void)WRAP(tlv(&in, 0x82, v, len), tlv(&in, 0x82, v, len));  /* two 82s */
    (void)WRAP(tlv(&in, 0x81, v, len));                   /* 81, not 82 */
    (void)WRAP(tlv(&in, 0x82, v, len)), put(&bad[k - 1], "\x00", 1); /* trailing byte */
    (void)WRAP(tlv(&in, 0x82, v, len)), put(&bad[k - 1], bad[k - 1].b, bad[k - 1].n); /* 2 x 7C */
    (void)WRAP(tlv(&in, 0x82, v, len)), bad[k - 1].n--;   /* 7C length past the end */
    (void)WRAP(tlv(&in, 0x82, v, len), in.n--);           /* 82 length past the 7C */
    (void)WRAP(tlv(&in, 0x82, v, len - 1));               /* 82 one byte short */
    memcpy(longer, v, len), longer[len] = 0x01;
    (void)WRAP(tlv(&in, 0x82, longer, len + 1));         /* 82 one byte long */
    (void)WRAP(tlv(&in, 0x82, "", 0));                    /* 82 empty */
    (void)WRAP(put(&in, "\x82\x80", 2), put(&in, v, len)); /* indefinite length */
#undef WRAP
#undef NEXT
    return k;
}

static void test_rsa_raw_malformed_answers(void **state)
{
    static buf bad[24];
    static uint8_t in[128], out[128], res[128];
    size_t n;
    (void)state;
    fill(res, sizeof res, 0x44);
    n = bad_results(bad, 24, res, sizeof res);
    for (size_t i = 0; i < n; i++) {
        rig *r = rig_new();
        print_message("case %zu\n", i);
        answer_data(r, bad[i].b, bad[i].n, 0x9000);
        rig_go(r);
        memset(out, SENTINEL, sizeof out);
        assert_int_equal(ch_piv_rsa_raw(&r->ctx, 0x06, 0x9A, in, 128, out), SCARD_E_UNEXPECTED);
        assert_all(out, sizeof out, SENTINEL);
        rig_done(r);
    }
}

static void test_rsa_raw_status_words(void **state)
{
    static const struct {
        uint16_t sw;
        uint32_t want;
    } cases[] = {
        {0x6982, SCARD_W_SECURITY_VIOLATION}, /* PIN not verified */
        {0x6983, SCARD_W_CHV_BLOCKED},
        {0x6A80, SCARD_E_INVALID_PARAMETER},  /* empty slot, wrong algorithm, input >= n */
        {0x6A86, SCARD_E_INVALID_PARAMETER},
        {0x6A88, SCARD_E_FILE_NOT_FOUND},
        {0x6D00, SCARD_E_UNSUPPORTED_FEATURE},
        {0x6F00, SCARD_E_UNEXPECTED},
        {0xFF00, SCARD_E_COMM_DATA_LOST},     /* script events */
        {0xFF01, SCARD_W_RESET_CARD},
    };
    static uint8_t in[128], out[128], res[128];
    buf a;
    (void)state;
    result(&a, res, sizeof res);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rig *r = rig_new();
        print_message("sw %04x\n", cases[i].sw);
        if (cases[i].sw >= 0xFF00)
            answer_event(r, (uint8_t)cases[i].sw);
        else
            answer_sw(r, cases[i].sw);
        answer_data(r, a.b, a.n, cases[i].sw >= 0xFF00 ? 0x6982 : cases[i].sw); /* with data */
        rig_go(r);
        memset(out, SENTINEL, sizeof out);
        assert_int_equal(ch_piv_rsa_raw(&r->ctx, 0x06, 0x9A, in, 128, out), cases[i].want);
        assert_int_equal(ch_piv_rsa_raw(&r->ctx, 0x06, 0x9A, in, 128, out),
                         cases[i].sw >= 0xFF00 ? SCARD_W_SECURITY_VIOLATION : cases[i].want);
        assert_all(out, sizeof out, SENTINEL);
        rig_done(r);
    }
    {   /* an answer longer than any result */
        static uint8_t longer[700];
        rig *r = rig_new();
        answer_data(r, longer, sizeof longer, 0x9000);
        rig_go(r);
        assert_int_equal(ch_piv_rsa_raw(&r->ctx, 0x06, 0x9A, in, 128, out), SCARD_E_UNEXPECTED);
        assert_all(out, sizeof out, SENTINEL);
        rig_done(r);
    }
}

/* ---- ECDSA -------------------------------------------------------------------------------- */

static void test_ecdsa_sign_commands(void **state)
{
    uint8_t hash[48], r_[48], s_[48], rs[96];
    buf der, seq, a, want;
    rig *r = rig_new();
    (void)state;
    fill(hash, sizeof hash, 0x61);
    fill(r_, sizeof r_, 0x90);
    fill(s_, sizeof s_, 0x12);
    r_[0] = 0x80; /* high bit: DER puts 00 in front */
    s_[0] = 0x00; /* a 31-byte s: DER drops the zero */
    s_[1] = 0x7F;
    seq.n = 0;
    put(&seq, "\x02\x21\x00", 3), put(&seq, r_, 32);
    tlv(&seq, 0x02, s_ + 1, 31);
    der.n = 0;
    tlv(&der, 0x30, seq.b, seq.n);
    result(&a, der.b, der.n);
    answer_data(r, a.b, a.n, 0x9000);
    answer_data(r, a.b, a.n, 0x9000); /* the P-256 signature again, for a 20-byte hash */
    seq.n = 0;
    tlv(&seq, 0x02, "\x01", 1); /* r = 1 */
    tlv(&seq, 0x02, s_ + 1, 47);
    der.n = 0;
    tlv(&der, 0x30, seq.b, seq.n);
    result(&a, der.b, der.n);
    answer_data(r, a.b, a.n, 0x9000);
    rig_go(r);

    memset(rs, SENTINEL, sizeof rs);
    assert_int_equal(ch_piv_ecdsa_sign(&r->ctx, 0x11, 0x9A, hash, 32, rs, 32), SCARD_S_SUCCESS);
    want.n = 0;
    put(&want, "\x00\x87\x11\x9A\x26\x7C\x24\x82\x00\x81\x20", 11);
    put(&want, hash, 32);
    put(&want, "\x00", 1);
    assert_sent(r, 0, want.b, want.n);
    assert_memory_equal(rs, r_, 32);
    assert_memory_equal(rs + 32, s_, 32);
    assert_all(rs + 64, 32, SENTINEL);

    assert_int_equal(ch_piv_ecdsa_sign(&r->ctx, 0x11, 0x9E, hash, 20, rs, 32), SCARD_S_SUCCESS);
    want.n = 0;
    put(&want, "\x00\x87\x11\x9E\x1A\x7C\x18\x82\x00\x81\x14", 11);
    put(&want, hash, 20);
    put(&want, "\x00", 1);
    assert_sent(r, 1, want.b, want.n);

    assert_int_equal(ch_piv_ecdsa_sign(&r->ctx, 0x14, 0x9C, hash, 48, rs, 48), SCARD_S_SUCCESS);
    want.n = 0;
    put(&want, "\x00\x87\x14\x9C\x36\x7C\x34\x82\x00\x81\x30", 11);
    put(&want, hash, 48);
    put(&want, "\x00", 1);
    assert_sent(r, 2, want.b, want.n);
    assert_all(rs, 47, 0x00);
    assert_int_equal(rs[47], 0x01);
    assert_memory_equal(rs + 48, s_, 48);
    rig_done(r);
}

static void test_ecdsa_sign_refused(void **state)
{
    static buf bad[24];
    uint8_t hash[64], rs[96], der[8] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
    rig *r = rig_new();
    size_t n;
    (void)state;
    rig_go(r);
    memset(rs, SENTINEL, sizeof rs);
    assert_int_equal(ch_piv_ecdsa_sign(&r->ctx, 0x11, 0x9A, hash, 33, rs, 32),
                     SCARD_E_INVALID_PARAMETER); /* hash not truncated */
    assert_int_equal(ch_piv_ecdsa_sign(&r->ctx, 0x11, 0x9A, hash, 0, rs, 32),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_ecdsa_sign(&r->ctx, 0x11, 0x9A, hash, 32, rs, 48),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_ecdsa_sign(&r->ctx, 0x14, 0x9A, hash, 32, rs, 32),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_ecdsa_sign(&r->ctx, 0x07, 0x9A, hash, 32, rs, 32),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_ecdsa_sign(&r->ctx, 0x11, 0x9B, hash, 32, rs, 32),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_ecdsa_sign(&r->ctx, 0x11, 0x9A, NULL, 32, rs, 32),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_ecdsa_sign(&r->ctx, 0x11, 0x9A, hash, 32, NULL, 32),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(r->s.exchanges, 0);
    rig_done(r);
    /* The 7C framing around a good DER signature. */
    n = bad_results(bad, 24, der, sizeof der);
    for (size_t i = 0; i < n; i++) {
        r = rig_new();
        print_message("case %zu\n", i);
        answer_data(r, bad[i].b, bad[i].n, 0x9000);
        answer_sw(r, 0x6982);
        rig_go(r);
        assert_int_equal(ch_piv_ecdsa_sign(&r->ctx, 0x11, 0x9A, hash, 32, rs, 32),
                         SCARD_E_UNEXPECTED);
        assert_int_equal(ch_piv_ecdsa_sign(&r->ctx, 0x11, 0x9A, hash, 32, rs, 32),
                         SCARD_W_SECURITY_VIOLATION);
        rig_done(r);
    }
    assert_all(rs, sizeof rs, SENTINEL);
}

static void test_der_to_rs_good(void **state)
{
    uint8_t rs[96], x[48];
    buf seq, der;
    (void)state;
    fill(x, sizeof x, 0xC1);
    x[0] = 0xC1;
    /* r with the sign byte, s the shortest possible (1) */
    seq.n = 0;
    put(&seq, "\x02\x21\x00", 3), put(&seq, x, 32);
    tlv(&seq, 0x02, "\x01", 1);
    der.n = 0;
    tlv(&der, 0x30, seq.b, seq.n);
    memset(rs, SENTINEL, sizeof rs);
    assert_int_equal(ch_piv_ecdsa_der_to_rs(der.b, der.n, 32, rs), SCARD_S_SUCCESS);
    assert_memory_equal(rs, x, 32);
    assert_all(rs + 32, 31, 0);
    assert_int_equal(rs[63], 1);
    assert_all(rs + 64, 32, SENTINEL);
    /* P-384, both with the sign byte: the longest signature (102 bytes, short form) */
    seq.n = 0;
    put(&seq, "\x02\x31\x00", 3), put(&seq, x, 48);
    put(&seq, "\x02\x31\x00", 3), put(&seq, x, 48);
    der.n = 0;
    tlv(&der, 0x30, seq.b, seq.n);
    assert_int_equal(der.n, 2 + 102);
    assert_int_equal(ch_piv_ecdsa_der_to_rs(der.b, der.n, 48, rs), SCARD_S_SUCCESS);
    assert_memory_equal(rs, x, 48);
    assert_memory_equal(rs + 48, x, 48);
    /* a 2-byte r whose first byte is below 80: no sign byte */
    assert_int_equal(ch_piv_ecdsa_der_to_rs(RAW("\x30\x07\x02\x02\x7F\xFF\x02\x01\x05"), 32, rs),
                     SCARD_S_SUCCESS);
    assert_all(rs, 30, 0);
    assert_int_equal(rs[30], 0x7F);
    assert_int_equal(rs[31], 0xFF);
    assert_int_equal(rs[63], 0x05);
    /* a bad field size is the caller's mistake */
    assert_int_equal(ch_piv_ecdsa_der_to_rs(RAW("\x30\x06\x02\x01\x01\x02\x01\x01"), 0, rs),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_ecdsa_der_to_rs(RAW("\x30\x06\x02\x01\x01\x02\x01\x01"), 49, rs),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_ecdsa_der_to_rs(RAW("\x30\x06\x02\x01\x01\x02\x01\x01"), 32, NULL),
                     SCARD_E_INVALID_PARAMETER);
}

static void test_der_to_rs_malformed(void **state)
{
    static const struct {
        const char *what, *der;
        size_t len;
    } bad[] = {
#define B(what, lit) {what, lit, sizeof(lit) - 1}
        B("empty", ""),
        B("SET, not SEQUENCE", "\x31\x06\x02\x01\x01\x02\x01\x01"),
        B("constructed [0]", "\xA0\x06\x02\x01\x01\x02\x01\x01"),
        B("SEQUENCE past the end", "\x30\x07\x02\x01\x01\x02\x01\x01"),
        B("SEQUENCE short of its content", "\x30\x05\x02\x01\x01\x02\x01\x01"),
        B("trailing byte", "\x30\x06\x02\x01\x01\x02\x01\x01\x00"),
        B("trailing SW-like bytes", "\x30\x06\x02\x01\x01\x02\x01\x01\x90\x00"),
        B("two SEQUENCEs", "\x30\x03\x02\x01\x01\x30\x03\x02\x01\x01"),
        B("one INTEGER", "\x30\x03\x02\x01\x01"),
        B("three INTEGERs", "\x30\x09\x02\x01\x01\x02\x01\x01\x02\x01\x01"),
        B("empty SEQUENCE", "\x30\x00"),
        B("r an OCTET STRING", "\x30\x06\x04\x01\x01\x02\x01\x01"),
        B("s a BIT STRING", "\x30\x06\x02\x01\x01\x03\x01\x01"),
        B("r empty", "\x30\x05\x02\x00\x02\x01\x01"),
        B("r zero", "\x30\x06\x02\x01\x00\x02\x01\x01"),
        B("s zero", "\x30\x06\x02\x01\x01\x02\x01\x00"),
        B("r negative", "\x30\x06\x02\x01\x80\x02\x01\x01"),
        B("s negative", "\x30\x06\x02\x01\x01\x02\x01\xFF"),
        B("r negative, 2 bytes", "\x30\x07\x02\x02\xFF\x01\x02\x01\x01"),
        B("r needless 00", "\x30\x07\x02\x02\x00\x01\x02\x01\x01"),
        B("s needless 00", "\x30\x07\x02\x01\x01\x02\x02\x00\x7F"),
        B("r two sign bytes", "\x30\x08\x02\x03\x00\x00\x80\x02\x01\x01"),
        B("r 00 alone after 00", "\x30\x07\x02\x02\x00\x00\x02\x01\x01"),
        B("SEQUENCE length 81 06 (not minimal)", "\x30\x81\x06\x02\x01\x01\x02\x01\x01"),
        B("INTEGER length 81 01 (not minimal)", "\x30\x07\x02\x81\x01\x01\x02\x01\x01"),
        B("SEQUENCE length 82 00 06", "\x30\x82\x00\x06\x02\x01\x01\x02\x01\x01"),
        B("indefinite SEQUENCE", "\x30\x80\x02\x01\x01\x02\x01\x01\x00\x00"),
        B("multi-byte tag", "\x3F\x30\x06\x02\x01\x01\x02\x01\x01"),
        B("INTEGER past the SEQUENCE", "\x30\x06\x02\x01\x01\x02\x02\x01"),
        B("lone tag", "\x30"),
#undef B
    };
    uint8_t rs[96], x[49];
    buf seq, der;
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        print_message("%s\n", bad[i].what);
        memset(rs, SENTINEL, sizeof rs);
        assert_int_equal(ch_piv_ecdsa_der_to_rs((const uint8_t *)bad[i].der, bad[i].len, 32, rs),
                         SCARD_E_UNEXPECTED);
        assert_all(rs, sizeof rs, SENTINEL);
    }
    /* r or s longer than the field: 33 magnitude bytes for P-256 (with and without 00). */
    fill(x, sizeof x, 0x31);
    x[0] = 0x01;
    seq.n = 0;
    tlv(&seq, 0x02, x, 33);
    tlv(&seq, 0x02, "\x01", 1);
    der.n = 0;
    tlv(&der, 0x30, seq.b, seq.n);
    memset(rs, SENTINEL, sizeof rs);
    assert_int_equal(ch_piv_ecdsa_der_to_rs(der.b, der.n, 32, rs), SCARD_E_UNEXPECTED);
    assert_int_equal(ch_piv_ecdsa_der_to_rs(der.b, der.n, 48, rs), SCARD_S_SUCCESS);
    memset(rs, SENTINEL, sizeof rs);
    x[0] = 0x00, x[1] = 0x80;
    seq.n = 0;
    tlv(&seq, 0x02, "\x01", 1);
    tlv(&seq, 0x02, x, 34); /* 00 + 33 bytes */
    der.n = 0;
    tlv(&der, 0x30, seq.b, seq.n);
    assert_int_equal(ch_piv_ecdsa_der_to_rs(der.b, der.n, 32, rs), SCARD_E_UNEXPECTED);
    /* 49 bytes for P-384, the 81 length form of a too-long signature */
    seq.n = 0;
    put(&seq, "\x02\x31\x01", 3), put(&seq, x, 48);
    put(&seq, "\x02\x31\x01", 3), put(&seq, x, 48);
    put(&seq, "\x02\x20", 2), put(&seq, x, 32); /* pushes the SEQUENCE to the 81 form */
    der.n = 0;
    tlv(&der, 0x30, seq.b, seq.n);
    assert_int_equal(der.b[1], 0x81);
    assert_int_equal(ch_piv_ecdsa_der_to_rs(der.b, der.n, 48, rs), SCARD_E_UNEXPECTED);
    assert_all(rs, sizeof rs, SENTINEL);
}

/* ---- ECDH ----------------------------------------------------------------------------------- */

static void test_ecdh_commands(void **state)
{
    uint8_t pt[97], z[48], secret[48];
    buf a, want;
    rig *r = rig_new();
    (void)state;
    ec_point(pt, sizeof pt);
    fill(z, sizeof z, 0xD0);
    result(&a, z, 32);
    answer_data(r, a.b, a.n, 0x9000);
    result(&a, z, 48);
    answer_data(r, a.b, a.n, 0x9000);
    rig_go(r);
    memset(secret, SENTINEL, sizeof secret);
    assert_int_equal(ch_piv_ecdh(&r->ctx, 0x11, 0x9D, pt, 65, secret, 32), SCARD_S_SUCCESS);
    want.n = 0;
    put(&want, "\x00\x87\x11\x9D\x47\x7C\x45\x82\x00\x85\x41", 11);
    put(&want, pt, 65);
    put(&want, "\x00", 1);
    assert_sent(r, 0, want.b, want.n);
    assert_memory_equal(secret, z, 32);
    assert_all(secret + 32, 16, SENTINEL);
    assert_int_equal(ch_piv_ecdh(&r->ctx, 0x14, 0x82, pt, 97, secret, 48), SCARD_S_SUCCESS);
    want.n = 0;
    put(&want, "\x00\x87\x14\x82\x67\x7C\x65\x82\x00\x85\x61", 11);
    put(&want, pt, 97);
    put(&want, "\x00", 1);
    assert_sent(r, 1, want.b, want.n);
    assert_memory_equal(secret, z, 48);
    rig_done(r);
}

static void test_ecdh_refused(void **state)
{
    static buf bad[24];
    uint8_t pt[97], z[32], secret[48];
    rig *r = rig_new();
    size_t n;
    (void)state;
    ec_point(pt, sizeof pt);
    fill(z, sizeof z, 0xD0);
    rig_go(r);
    memset(secret, SENTINEL, sizeof secret);
    assert_int_equal(ch_piv_ecdh(&r->ctx, 0x11, 0x9D, pt, 64, secret, 32),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_ecdh(&r->ctx, 0x11, 0x9D, pt, 97, secret, 32),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_ecdh(&r->ctx, 0x11, 0x9D, pt, 65, secret, 48),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_ecdh(&r->ctx, 0x07, 0x9D, pt, 65, secret, 32),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_ecdh(&r->ctx, 0x11, 0x9B, pt, 65, secret, 32),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_ecdh(&r->ctx, 0x11, 0x9D, NULL, 65, secret, 32),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_ecdh(&r->ctx, 0x11, 0x9D, pt, 65, NULL, 32),
                     SCARD_E_INVALID_PARAMETER);
    pt[0] = 0x02;
    assert_int_equal(ch_piv_ecdh(&r->ctx, 0x11, 0x9D, pt, 33, secret, 32),
                     SCARD_E_INVALID_PARAMETER); /* compressed */
    assert_int_equal(ch_piv_ecdh(&r->ctx, 0x11, 0x9D, pt, 65, secret, 32),
                     SCARD_E_INVALID_PARAMETER);
    pt[0] = 0x04;
    assert_int_equal(r->s.exchanges, 0);
    rig_done(r);
    n = bad_results(bad, 24, z, sizeof z);
    for (size_t i = 0; i < n; i++) {
        r = rig_new();
        print_message("case %zu\n", i);
        answer_data(r, bad[i].b, bad[i].n, 0x9000);
        answer_sw(r, 0x6982);
        answer_sw(r, 0x6A80);
        rig_go(r);
        assert_int_equal(ch_piv_ecdh(&r->ctx, 0x11, 0x9D, pt, 65, secret, 32),
                         SCARD_E_UNEXPECTED);
        assert_int_equal(ch_piv_ecdh(&r->ctx, 0x11, 0x9D, pt, 65, secret, 32),
                         SCARD_W_SECURITY_VIOLATION);
        assert_int_equal(ch_piv_ecdh(&r->ctx, 0x11, 0x9D, pt, 65, secret, 32),
                         SCARD_E_INVALID_PARAMETER);
        rig_done(r);
    }
    assert_all(secret, sizeof secret, SENTINEL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alg_table),
        cmocka_unit_test(test_put_data_commands),
        cmocka_unit_test(test_put_data_refused_without_sending),
        cmocka_unit_test(test_put_data_answers),
        cmocka_unit_test(test_cert_object_build),
        cmocka_unit_test(test_parse_generated_good),
        cmocka_unit_test(test_parse_generated_malformed_rsa),
        cmocka_unit_test(test_parse_generated_malformed_ec),
        cmocka_unit_test(test_generate_commands),
        cmocka_unit_test(test_generate_refused_without_sending),
        cmocka_unit_test(test_generate_answers),
        cmocka_unit_test(test_import_rsa_commands),
        cmocka_unit_test(test_import_ec_commands),
        cmocka_unit_test(test_import_refused_without_sending),
        cmocka_unit_test(test_import_answers),
        cmocka_unit_test(test_rsa_raw_commands),
        cmocka_unit_test(test_rsa_raw_refused_without_sending),
        cmocka_unit_test(test_rsa_raw_malformed_answers),
        cmocka_unit_test(test_rsa_raw_status_words),
        cmocka_unit_test(test_ecdsa_sign_commands),
        cmocka_unit_test(test_ecdsa_sign_refused),
        cmocka_unit_test(test_der_to_rs_good),
        cmocka_unit_test(test_der_to_rs_malformed),
        cmocka_unit_test(test_ecdh_commands),
        cmocka_unit_test(test_ecdh_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
