/* Unit tests for the bounded DEFLATE decoder (src/util/inflate.c).
 *
 * zlib is the oracle: it makes the compressed data (every level and strategy) and, for the
 * hand-made streams (a bit writer below builds fixed and dynamic blocks bit by bit), it says
 * whether it accepts them too, so each verdict here is also a check that we agree with zlib.
 * Every failure is checked for the error contract: *out_len = 0, *in_used = 0, out wiped. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "inflate.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define BIG (1u << 17) /* output room that every test stream fits in */

enum wrap { W_RAW, W_ZLIB, W_GZIP };

static int window_bits(enum wrap w) { return w == W_RAW ? -15 : w == W_ZLIB ? 15 : 31; }

/* ---- the decoder under test, with the error contract checked on every call ------------ */

static ch_inflate_rc ours(enum wrap w, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                          size_t *out_len)
{
    ch_inflate_rc rc;
    size_t used = 0xDEAD, i;
    uint8_t wiped = 0;

    *out_len = 0xDEAD;
    if (cap)
        memset(out, 0xAA, cap);
    if (w == W_RAW)
        rc = ch_inflate_raw(in, n, out, cap, out_len, &used);
    else if (w == W_ZLIB)
        rc = ch_inflate_zlib(in, n, out, cap, out_len);
    else
        rc = ch_inflate_gzip(in, n, out, cap, out_len);
    if (rc != CH_INFLATE_OK) {
        assert_int_equal(*out_len, 0);
        if (w == W_RAW)
            assert_int_equal(used, 0);
        for (i = 0; i < cap; i++)
            wiped |= out[i];
        assert_int_equal(wiped, 0);
    } else {
        assert_true(*out_len <= cap);
        if (w == W_RAW)
            assert_true(used <= n);
    }
    return rc;
}

/* ---- zlib: encoder and oracle ---------------------------------------------------------- */

static size_t zdeflate(const uint8_t *in, size_t n, int level, int strategy, int wbits,
                       size_t flush_every, uint8_t **out)
{
    z_stream s;
    size_t cap, off = 0, chunk;
    int flush;

    memset(&s, 0, sizeof s);
    assert_int_equal(deflateInit2(&s, level, Z_DEFLATED, wbits, 8, strategy), Z_OK);
    cap = deflateBound(&s, (uLong)n) + 64 + (flush_every ? 16 * (n / flush_every + 1) : 0);
    *out = malloc(cap);
    assert_non_null(*out);
    s.next_out = *out;
    s.avail_out = (uInt)cap;
    do {
        chunk = flush_every && n - off > flush_every ? flush_every : n - off;
        flush = off + chunk == n ? Z_FINISH : Z_SYNC_FLUSH;
        s.next_in = (Bytef *)(uintptr_t)(in + off);
        s.avail_in = (uInt)chunk;
        assert_int_equal(deflate(&s, flush), flush == Z_FINISH ? Z_STREAM_END : Z_OK);
        off += chunk;
    } while (off < n);
    cap = s.total_out;
    assert_int_equal(deflateEnd(&s), Z_OK);
    return cap;
}

/* zlib's verdict with the same contract: 1 when it decodes a whole stream (for gzip/zlib with
 * nothing after it) into at most cap bytes; its output in out (cap + 1 bytes of room, so that
 * *total > cap tells that it needed more than cap). */
static int zinflate(enum wrap w, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                    size_t *total)
{
    z_stream s;
    int ret;

    memset(&s, 0, sizeof s);
    assert_int_equal(inflateInit2(&s, window_bits(w)), Z_OK);
    s.next_in = (Bytef *)(uintptr_t)in;
    s.avail_in = (uInt)n;
    s.next_out = out;
    s.avail_out = (uInt)(cap + 1);
    ret = inflate(&s, Z_FINISH);
    *total = s.total_out;
    inflateEnd(&s);
    return ret == Z_STREAM_END && (w == W_RAW || s.avail_in == 0) && *total <= cap;
}

/* Our verdict on a stream must be zlib's: OK with the same bytes, TOO_BIG when zlib needed
 * more than cap bytes, MALFORMED otherwise. Returns our verdict. */
static ch_inflate_rc agree(enum wrap w, const uint8_t *in, size_t n, size_t cap)
{
    uint8_t *a = malloc(cap + 1), *b = malloc(cap + 1);
    size_t alen, blen;
    ch_inflate_rc rc;
    int zok;

    assert_true(a && b);
    rc = ours(w, in, n, a, cap, &alen);
    zok = zinflate(w, in, n, b, cap, &blen);
    if (rc == CH_INFLATE_OK) {
        assert_true(zok);
        assert_int_equal(alen, blen);
        assert_memory_equal(a, b, alen);
    } else if (rc == CH_INFLATE_TOO_BIG) {
        assert_true(blen > cap);
    } else {
        assert_false(zok);
        assert_true(blen <= cap);
    }
    free(a);
    free(b);
    return rc;
}

/* ---- test data ------------------------------------------------------------------------- */

static uint32_t rng = 0x2545F491u;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

enum { D_EMPTY, D_ONE, D_RANDOM, D_REPEAT, D_TEXT, D_COUNT };

/* Fills buf and returns the length of data set k. */
static size_t make_data(int k, uint8_t *buf)
{
    static const char *words[] = {"card ", "PIV ", "minidriver ", "certificate ", "key ",
                                  "\x00\x01\x02", "9000 ", "slot 9A ", "\n"};
    size_t n = 0, i;

    switch (k) {
    case D_EMPTY:
        return 0;
    case D_ONE:
        buf[0] = 'A';
        return 1;
    case D_RANDOM:
        for (i = 0; i < 65536; i++)
            buf[i] = (uint8_t)(next_rand() >> 24);
        return 65536;
    case D_REPEAT: /* runs of one byte, then a 3-byte period: distances 1 and 3 */
        memset(buf, 0, 30000);
        for (i = 30000; i < 65536; i++)
            buf[i] = (uint8_t)("abc"[i % 3]);
        return 65536;
    default:
        while (n < 40000) {
            const char *w = words[next_rand() % ARRAY_LEN(words)];
            size_t len = w[0] ? strlen(w) : 3;
            memcpy(buf + n, w, len);
            n += len;
        }
        return n;
    }
}

/* ---- round trips ----------------------------------------------------------------------- */

static void round_trip(enum wrap w, const uint8_t *data, size_t n, int level, int strategy,
                       size_t flush_every)
{
    uint8_t *z, *out = malloc(n + 1), *padded;
    size_t zlen, got, used;

    assert_non_null(out);
    zlen = zdeflate(data, n, level, strategy, window_bits(w), flush_every, &z);
    assert_int_equal(ours(w, z, zlen, out, n, &got), CH_INFLATE_OK);
    assert_int_equal(got, n);
    assert_memory_equal(out, data, n);
    if (w == W_RAW) {
        /* in_used is the stream's exact size, also with bytes after it */
        padded = malloc(zlen + 3);
        assert_non_null(padded);
        memcpy(padded, z, zlen);
        memcpy(padded + zlen, "\xFF\x00\x55", 3);
        assert_int_equal(ch_inflate_raw(padded, zlen + 3, out, n + 1, &got, &used),
                         CH_INFLATE_OK);
        assert_int_equal(got, n);
        assert_int_equal(used, zlen);
        free(padded);
    }
    free(z);
    free(out);
}

static void test_round_trips(void **state)
{
    static const int levels[] = {0, 1, 6, 9};
    static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_FIXED, Z_HUFFMAN_ONLY,
                                     Z_RLE};
    uint8_t *data = malloc(70000);
    size_t n, l, s;
    int k, w;

    (void)state;
    assert_non_null(data);
    for (k = 0; k < D_COUNT; k++) {
        n = make_data(k, data);
        for (w = W_RAW; w <= W_GZIP; w++)
            for (l = 0; l < ARRAY_LEN(levels); l++)
                for (s = 0; s < ARRAY_LEN(strategies); s++)
                    round_trip((enum wrap)w, data, n, levels[l], strategies[s], 0);
    }
    free(data);
}

/* Sync flushes: many blocks, empty stored blocks, stored blocks after a partial byte. */
static void test_round_trip_many_blocks(void **state)
{
    uint8_t *data = malloc(70000);
    size_t n;
    int w;

    (void)state;
    assert_non_null(data);
    n = make_data(D_TEXT, data);
    for (w = W_RAW; w <= W_GZIP; w++) {
        round_trip((enum wrap)w, data, n, 6, Z_DEFAULT_STRATEGY, 777);
        round_trip((enum wrap)w, data, n, 1, Z_FIXED, 100);
        round_trip((enum wrap)w, data, n, 0, Z_DEFAULT_STRATEGY, 1000);
    }
    free(data);
}

/* zlib headers with a small declared window (CINFO < 7) are accepted, as zlib does. */
static void test_zlib_small_window(void **state)
{
    uint8_t data[3000], *z, out[3000];
    size_t zlen, got, i;

    (void)state;
    for (i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i % 251);
    zlen = zdeflate(data, sizeof data, 9, Z_DEFAULT_STRATEGY, 9, 0, &z);
    assert_int_equal(z[0] >> 4, 1);
    assert_int_equal(ours(W_ZLIB, z, zlen, out, sizeof out, &got), CH_INFLATE_OK);
    assert_int_equal(got, sizeof data);
    assert_memory_equal(out, data, sizeof data);
    free(z);
}

/* ---- output bound ---------------------------------------------------------------------- */

static void test_too_big_at_cap_minus_one(void **state)
{
    static const int levels[] = {0, 1, 9};
    static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FIXED};
    uint8_t *data = malloc(70000), *z, *out = malloc(70000);
    size_t n, zlen, got, l, s;
    int w, k;

    (void)state;
    assert_true(data && out);
    for (k = D_ONE; k < D_COUNT; k++) {
        n = make_data(k, data);
        for (w = W_RAW; w <= W_GZIP; w++)
            for (l = 0; l < ARRAY_LEN(levels); l++)
                for (s = 0; s < ARRAY_LEN(strategies); s++) {
                    zlen = zdeflate(data, n, levels[l], strategies[s], window_bits((enum wrap)w),
                                    0, &z);
                    assert_int_equal(ours((enum wrap)w, z, zlen, out, n - 1, &got),
                                     CH_INFLATE_TOO_BIG);
                    assert_int_equal(ours((enum wrap)w, z, zlen, out, n, &got), CH_INFLATE_OK);
                    assert_int_equal(got, n);
                    free(z);
                }
    }
    free(data);
    free(out);
}

/* 1 MiB of zeros in about a kilobyte: stops at the bound. */
static void test_bomb(void **state)
{
    uint8_t *zeros = calloc(1, 1u << 20), *z, out[16384];
    size_t zlen, got;
    int w;

    (void)state;
    assert_non_null(zeros);
    for (w = W_RAW; w <= W_GZIP; w++) {
        zlen = zdeflate(zeros, 1u << 20, 9, Z_DEFAULT_STRATEGY, window_bits((enum wrap)w), 0,
                        &z);
        assert_true(zlen < 2048);
        assert_int_equal(ours((enum wrap)w, z, zlen, out, sizeof out, &got), CH_INFLATE_TOO_BIG);
        free(z);
    }
    free(zeros);
}

/* An empty stream needs no output room at all; out may then be NULL. */
static void test_null_out_zero_cap(void **state)
{
    static const uint8_t empty_fixed[] = {0x03, 0x00};
    static const uint8_t empty_stored[] = {0x01, 0x00, 0x00, 0xFF, 0xFF};
    static const uint8_t one_literal[] = {0x4B, 0x04, 0x00};
    size_t got = 1, used = 0;

    (void)state;
    assert_int_equal(ch_inflate_raw(empty_fixed, 2, NULL, 0, &got, &used), CH_INFLATE_OK);
    assert_int_equal(got, 0);
    assert_int_equal(used, 2);
    assert_int_equal(ch_inflate_raw(empty_stored, 5, NULL, 0, &got, NULL), CH_INFLATE_OK);
    assert_int_equal(got, 0);
    assert_int_equal(ch_inflate_raw(one_literal, 3, NULL, 0, &got, &used), CH_INFLATE_TOO_BIG);
    assert_int_equal(got, 0);
    /* Bad arguments are refused, not dereferenced. */
    assert_int_equal(ch_inflate_raw(empty_fixed, 2, NULL, 0, NULL, &used),
                     CH_INFLATE_MALFORMED);
    assert_int_equal(ch_inflate_raw(empty_fixed, 2, NULL, 1, &got, &used),
                     CH_INFLATE_MALFORMED);
    assert_int_equal(ch_inflate_gzip(empty_fixed, 2, NULL, 1, &got), CH_INFLATE_MALFORMED);
    assert_int_equal(ch_inflate_zlib(empty_fixed, 2, NULL, 0, NULL), CH_INFLATE_MALFORMED);
    assert_int_equal(ch_inflate_raw(NULL, 0, NULL, 0, &got, &used), CH_INFLATE_MALFORMED);
}

/* ---- truncation and trailing bytes ------------------------------------------------------ */

static void test_truncated_at_every_length(void **state)
{
    uint8_t *data = malloc(70000), *z, *out = malloc(BIG);
    size_t n, zlen, cut, got;
    int w, level;

    (void)state;
    assert_true(data && out);
    n = make_data(D_TEXT, data) / 8;
    for (w = W_RAW; w <= W_GZIP; w++)
        for (level = 0; level <= 9; level += 9) {
            zlen = zdeflate(data, n, level, Z_DEFAULT_STRATEGY, window_bits((enum wrap)w), 2000,
                            &z);
            for (cut = 0; cut < zlen; cut++)
                assert_int_equal(ours((enum wrap)w, z, cut, out, BIG, &got),
                                 CH_INFLATE_MALFORMED);
            assert_int_equal(ours((enum wrap)w, z, zlen, out, BIG, &got), CH_INFLATE_OK);
            free(z);
        }
    free(data);
    free(out);
}

static void test_trailing_bytes(void **state)
{
    uint8_t data[100], z[300], out[200];
    size_t zlen, got;
    uint8_t *tmp;
    int w;

    (void)state;
    memset(data, 'x', sizeof data);
    for (w = W_ZLIB; w <= W_GZIP; w++) {
        zlen = zdeflate(data, sizeof data, 6, Z_DEFAULT_STRATEGY, window_bits((enum wrap)w), 0,
                        &tmp);
        memcpy(z, tmp, zlen);
        free(tmp);
        z[zlen] = 0;
        assert_int_equal(agree((enum wrap)w, z, zlen + 1, sizeof out), CH_INFLATE_MALFORMED);
        /* a second whole member (gzip) or stream (zlib) after the first: still refused */
        memcpy(z + zlen, z, zlen);
        assert_int_equal(ours((enum wrap)w, z, 2 * zlen, out, sizeof out, &got),
                         CH_INFLATE_MALFORMED);
    }
}

/* ---- gzip headers, built by hand -------------------------------------------------------- */

#define FTEXT 0x01
#define FHCRC 0x02
#define FEXTRA 0x04
#define FNAME 0x08
#define FCOMMENT 0x10

/* A gzip member of data with the given flags; returns its length. */
static size_t make_gzip(uint8_t *buf, uint8_t flg, const uint8_t *data, size_t n)
{
    static const uint8_t extra[] = {'A', 'p', 4, 0, 1, 2, 3, 4};
    uint8_t *z;
    size_t len = 0, zlen;
    uint32_t crc;

    memcpy(buf, "\x1F\x8B\x08", 3);
    buf[3] = flg;
    memcpy(buf + 4, "\x01\x02\x03\x04\x02\x03", 6); /* MTIME, XFL, OS (Unix) */
    len = 10;
    if (flg & FEXTRA) {
        buf[len++] = sizeof extra;
        buf[len++] = 0;
        memcpy(buf + len, extra, sizeof extra);
        len += sizeof extra;
    }
    if (flg & FNAME) {
        memcpy(buf + len, "cert.der", 9);
        len += 9;
    }
    if (flg & FCOMMENT) {
        memcpy(buf + len, "from slot 9A", 13);
        len += 13;
    }
    if (flg & FHCRC) {
        crc = (uint32_t)crc32(0, buf, (uInt)len);
        buf[len++] = (uint8_t)(crc & 0xFF);
        buf[len++] = (uint8_t)(crc >> 8 & 0xFF);
    }
    zlen = zdeflate(data, n, 9, Z_DEFAULT_STRATEGY, -15, 0, &z);
    memcpy(buf + len, z, zlen);
    free(z);
    len += zlen;
    crc = (uint32_t)crc32(0, data, (uInt)n);
    for (int i = 0; i < 4; i++)
        buf[len++] = (uint8_t)(crc >> (8 * i) & 0xFF);
    for (int i = 0; i < 4; i++)
        buf[len++] = (uint8_t)(n >> (8 * i) & 0xFF);
    return len;
}

static const uint8_t cert_like[] = "0\x82\x03\x10 a certificate, a certificate, a certificate";

static void test_gzip_header_fields(void **state)
{
    static const uint8_t flags[] = {0,
                                    FTEXT,
                                    FHCRC,
                                    FEXTRA,
                                    FNAME,
                                    FCOMMENT,
                                    FNAME | FCOMMENT,
                                    FEXTRA | FNAME | FHCRC,
                                    FTEXT | FHCRC | FEXTRA | FNAME | FCOMMENT};
    uint8_t gz[512], out[256];
    size_t len, got, cut, i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(flags); i++) {
        len = make_gzip(gz, flags[i], cert_like, sizeof cert_like);
        assert_int_equal(agree(W_GZIP, gz, len, sizeof out), CH_INFLATE_OK);
        assert_int_equal(ours(W_GZIP, gz, len, out, sizeof out, &got), CH_INFLATE_OK);
        assert_int_equal(got, sizeof cert_like);
        assert_memory_equal(out, cert_like, sizeof cert_like);
        for (cut = 0; cut < len; cut++)
            assert_int_equal(ours(W_GZIP, gz, cut, out, sizeof out, &got),
                             CH_INFLATE_MALFORMED);
    }
}

/* zlib's own header writer (deflateSetHeader) as a second, independent encoder. */
static void test_gzip_header_from_zlib(void **state)
{
    uint8_t buf[512], out[256], extra[] = {'X', 'Y', 2, 0, 7, 8};
    char name[] = "n.der", comment[] = "c";
    gz_header h;
    z_stream s;
    size_t got;

    (void)state;
    memset(&h, 0, sizeof h);
    h.extra = extra;
    h.extra_len = sizeof extra;
    h.name = (Bytef *)name;
    h.comment = (Bytef *)comment;
    h.hcrc = 1;
    h.os = 3;
    memset(&s, 0, sizeof s);
    assert_int_equal(deflateInit2(&s, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    assert_int_equal(deflateSetHeader(&s, &h), Z_OK);
    s.next_in = (Bytef *)(uintptr_t)cert_like;
    s.avail_in = sizeof cert_like;
    s.next_out = buf;
    s.avail_out = sizeof buf;
    assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
    assert_int_equal(buf[3], FHCRC | FEXTRA | FNAME | FCOMMENT);
    assert_int_equal(ours(W_GZIP, buf, s.total_out, out, sizeof out, &got), CH_INFLATE_OK);
    assert_int_equal(got, sizeof cert_like);
    deflateEnd(&s);
}

static void test_gzip_bad_header(void **state)
{
    uint8_t gz[512], bad[512], out[256];
    size_t len, hcrc_at;
    unsigned bit;

    (void)state;
    len = make_gzip(gz, FNAME | FHCRC, cert_like, sizeof cert_like);
    hcrc_at = 10 + 9;
    struct {
        size_t at;
        uint8_t xor;
    } edits[] = {
        {hcrc_at, 0x01}, /* header CRC */
        {hcrc_at + 1, 0x80},
        {4, 0x01},       /* MTIME is covered by the header CRC */
        {len - 8, 0x01}, /* CRC-32 */
        {len - 5, 0x80},
        {len - 4, 0x01}, /* ISIZE */
        {len - 1, 0x01},
    };
    for (size_t i = 0; i < ARRAY_LEN(edits); i++) {
        memcpy(bad, gz, len);
        bad[edits[i].at] ^= edits[i].xor;
        assert_int_equal(agree(W_GZIP, bad, len, sizeof out), CH_INFLATE_MALFORMED);
    }
    /* On a header without HCRC, so that only the edited field is wrong: ID1, ID2, CM 9, CM 0,
     * and the reserved flag bits, each alone. */
    len = make_gzip(gz, 0, cert_like, sizeof cert_like);
    assert_int_equal(agree(W_GZIP, gz, len, sizeof out), CH_INFLATE_OK);
    for (size_t i = 0; i < 4; i++) {
        static const uint8_t at[] = {0, 1, 2, 2}, xor[] = {0x01, 0x80, 0x01, 0x08};
        memcpy(bad, gz, len);
        bad[at[i]] ^= xor[i];
        assert_int_equal(agree(W_GZIP, bad, len, sizeof out), CH_INFLATE_MALFORMED);
    }
    for (bit = 0x20; bit <= 0x80; bit <<= 1) {
        memcpy(bad, gz, len);
        bad[3] = (uint8_t)bit;
        assert_int_equal(agree(W_GZIP, bad, len, sizeof out), CH_INFLATE_MALFORMED);
    }
    /* An unterminated name runs into the end of the input. */
    memcpy(bad, "\x1F\x8B\x08\x08\0\0\0\0\0\x03name", 14);
    assert_int_equal(agree(W_GZIP, bad, 14, sizeof out), CH_INFLATE_MALFORMED);
    /* FEXTRA claiming more than there is. */
    memcpy(bad, "\x1F\x8B\x08\x04\0\0\0\0\0\x03\xFF\xFF\x00", 13);
    assert_int_equal(agree(W_GZIP, bad, 13, sizeof out), CH_INFLATE_MALFORMED);
}

/* ---- zlib headers ------------------------------------------------------------------------ */

static void test_zlib_bad_header(void **state)
{
    uint8_t *tmp, z[256], out[256];
    size_t zlen;
    /* CMF/FLG pairs with a valid FCHECK unless said otherwise. */
    static const uint8_t heads[][2] = {
        {0x78, 0x9D}, /* FCHECK wrong */
        {0x79, 0x9C}, /* CM 9 (and FCHECK wrong) */
        {0x77, 0x85}, /* CM 7, FCHECK right */
        {0x88, 0x98}, /* CINFO 8, FCHECK right */
        {0xF8, 0x9C}, /* CINFO 15 */
        {0x78, 0xBB}, /* FDICT set, FCHECK right */
    };

    (void)state;
    zlen = zdeflate(cert_like, sizeof cert_like, 6, Z_DEFAULT_STRATEGY, 15, 0, &tmp);
    memcpy(z, tmp, zlen);
    free(tmp);
    assert_int_equal(agree(W_ZLIB, z, zlen, sizeof out), CH_INFLATE_OK);
    for (size_t i = 0; i < ARRAY_LEN(heads); i++) {
        uint8_t c[256];
        memcpy(c, z, zlen);
        c[0] = heads[i][0];
        c[1] = heads[i][1];
        assert_int_equal(agree(W_ZLIB, c, zlen, sizeof out), CH_INFLATE_MALFORMED);
    }
    z[zlen - 1] ^= 1; /* Adler-32 */
    assert_int_equal(agree(W_ZLIB, z, zlen, sizeof out), CH_INFLATE_MALFORMED);
}

/* ---- a bit writer for hand-made blocks ---------------------------------------------------- */

typedef struct {
    uint8_t b[1024];
    size_t n;      /* whole bytes */
    unsigned bits; /* bits used in b[n] */
} bitw;

static void put(bitw *w, unsigned v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (w->bits == 0)
            w->b[w->n] = 0;
        w->b[w->n] = (uint8_t)(w->b[w->n] | ((v >> i) & 1u) << w->bits);
        if (++w->bits == 8) {
            w->n++;
            w->bits = 0;
        }
    }
}

static size_t bitw_len(const bitw *w) { return w->n + (w->bits ? 1 : 0); }

/* Huffman codes go most significant bit first. */
static void put_code(bitw *w, unsigned code, unsigned len)
{
    for (unsigned i = len; i > 0; i--)
        put(w, code >> (i - 1) & 1u, 1);
}

/* RFC 1951 3.2.2: canonical codes from code lengths. */
static void canon(const uint8_t *len, unsigned n, uint16_t *code)
{
    unsigned count[16] = {0}, next[16] = {0}, c = 0, b, s;

    for (s = 0; s < n; s++)
        count[len[s]]++;
    count[0] = 0;
    for (b = 1; b < 16; b++) {
        c = (c + count[b - 1]) << 1;
        next[b] = c;
    }
    for (s = 0; s < n; s++)
        if (len[s])
            code[s] = (uint16_t)next[len[s]]++;
}

static const uint8_t cl_order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14,
                                     1,  15};

typedef struct {
    unsigned nlen, ndist;
    uint8_t len[320]; /* literal/length lengths, then distance lengths */
    uint16_t lit[288], dist[32];
    uint8_t cl_len[19];
    uint16_t cl[19];
} codeset;

static void put_sym(bitw *w, const codeset *cs, unsigned sym)
{
    put_code(w, cs->lit[sym], cs->len[sym]);
}

static void put_dist(bitw *w, const codeset *cs, unsigned sym)
{
    put_code(w, cs->dist[sym], cs->len[cs->nlen + sym]);
}

static void put_cl(bitw *w, const codeset *cs, unsigned sym)
{
    put_code(w, cs->cl[sym], cs->cl_len[sym]);
}

/* A code set with the default code length code: symbols 0..12 in 4 bits, 13..18 in 5. */
static void cs_init(codeset *cs, unsigned nlen, unsigned ndist)
{
    memset(cs, 0, sizeof *cs);
    cs->nlen = nlen;
    cs->ndist = ndist;
    for (unsigned s = 0; s < 19; s++)
        cs->cl_len[s] = s < 13 ? 4 : 5;
}

/* Block header, HLIT/HDIST/HCLEN and the code length code (all 19 entries). */
static void put_dyn_head(bitw *w, codeset *cs, unsigned final)
{
    put(w, final, 1);
    put(w, 2, 2);
    put(w, cs->nlen - 257, 5);
    put(w, cs->ndist - 1, 5);
    put(w, 19 - 4, 4);
    for (unsigned i = 0; i < 19; i++)
        put(w, cs->cl_len[cl_order[i]], 3);
    canon(cs->cl_len, 19, cs->cl);
}

/* The whole dynamic header, each length as a plain symbol; then the codes for the data. */
static void put_dyn(bitw *w, codeset *cs, unsigned final)
{
    put_dyn_head(w, cs, final);
    for (unsigned i = 0; i < cs->nlen + cs->ndist; i++)
        put_cl(w, cs, cs->len[i]);
    canon(cs->len, cs->nlen, cs->lit);
    canon(cs->len + cs->nlen, cs->ndist, cs->dist);
}

static void cs_fixed(codeset *cs)
{
    cs_init(cs, 288, 32);
    for (unsigned s = 0; s < 288; s++)
        cs->len[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
    memset(cs->len + 288, 5, 32);
    canon(cs->len, 288, cs->lit);
    canon(cs->len + 288, 32, cs->dist);
}

/* ---- hand-made fixed and stored blocks --------------------------------------------------- */

static void test_fixed_block_codes(void **state)
{
    uint8_t out[64];
    size_t got;
    codeset cs;
    bitw w;

    (void)state;
    cs_fixed(&cs);

    /* 'a', then length 3 at distance 1: "aaaa" (positive control) */
    memset(&w, 0, sizeof w);
    put(&w, 1, 1), put(&w, 1, 2);
    put_sym(&w, &cs, 'a'), put_sym(&w, &cs, 257), put_dist(&w, &cs, 0), put_sym(&w, &cs, 256);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), sizeof out), CH_INFLATE_OK);
    assert_int_equal(ours(W_RAW, w.b, bitw_len(&w), out, sizeof out, &got), CH_INFLATE_OK);
    assert_int_equal(got, 4);
    assert_memory_equal(out, "aaaa", 4);

    /* length 258 (symbol 285, no extra bits) from distance 1 */
    memset(&w, 0, sizeof w);
    put(&w, 1, 1), put(&w, 1, 2);
    put_sym(&w, &cs, 'a'), put_sym(&w, &cs, 285), put_dist(&w, &cs, 0), put_sym(&w, &cs, 256);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), 259), CH_INFLATE_OK);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), 258), CH_INFLATE_TOO_BIG);

    /* distance 2 with one byte of output: before the start */
    memset(&w, 0, sizeof w);
    put(&w, 1, 1), put(&w, 1, 2);
    put_sym(&w, &cs, 'a'), put_sym(&w, &cs, 257), put_dist(&w, &cs, 1), put_sym(&w, &cs, 256);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), sizeof out), CH_INFLATE_MALFORMED);

    /* a match as the very first symbol */
    memset(&w, 0, sizeof w);
    put(&w, 1, 1), put(&w, 1, 2);
    put_sym(&w, &cs, 257), put_dist(&w, &cs, 0), put_sym(&w, &cs, 256);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), sizeof out), CH_INFLATE_MALFORMED);

    /* literal/length symbols 286 and 287 */
    for (unsigned sym = 286; sym <= 287; sym++) {
        memset(&w, 0, sizeof w);
        put(&w, 1, 1), put(&w, 1, 2);
        put_sym(&w, &cs, 'a'), put_sym(&w, &cs, sym), put_dist(&w, &cs, 0);
        put_sym(&w, &cs, 256);
        assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), sizeof out), CH_INFLATE_MALFORMED);
    }
    /* distance symbols 30 and 31 */
    for (unsigned sym = 30; sym <= 31; sym++) {
        memset(&w, 0, sizeof w);
        put(&w, 1, 1), put(&w, 1, 2);
        put_sym(&w, &cs, 'a'), put_sym(&w, &cs, 257), put_dist(&w, &cs, sym);
        put_sym(&w, &cs, 256);
        assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), sizeof out), CH_INFLATE_MALFORMED);
    }
}

static void test_block_type_3(void **state)
{
    /* Followed by what would be a valid stored block, so that only the type is wrong. */
    static const uint8_t final3[] = {0x07, 0x00, 0x00, 0xFF, 0xFF};
    static const uint8_t nonfinal3[] = {0x06, 0x00, 0x00, 0xFF, 0xFF, 0x03, 0x00};

    (void)state;
    assert_int_equal(agree(W_RAW, final3, sizeof final3, 16), CH_INFLATE_MALFORMED);
    assert_int_equal(agree(W_RAW, nonfinal3, sizeof nonfinal3, 16), CH_INFLATE_MALFORMED);
}

static void test_stored_blocks(void **state)
{
    /* non-final stored "ab", final stored "cde" */
    static const uint8_t ok[] = {0x00, 0x02, 0x00, 0xFD, 0xFF, 'a', 'b',
                                 0x01, 0x03, 0x00, 0xFC, 0xFF, 'c', 'd', 'e'};
    static const uint8_t nlen_bad[] = {0x01, 0x03, 0x00, 0xFD, 0xFF, 'c', 'd', 'e'};
    static const uint8_t ten[] = {0x01, 0x0A, 0x00, 0xF5, 0xFF, '0', '1', '2', '3',
                                  '4',  '5',  '6',  '7',  '8',  '9'};
    uint8_t out[32];
    size_t got, used;

    (void)state;
    assert_int_equal(agree(W_RAW, ok, sizeof ok, sizeof out), CH_INFLATE_OK);
    assert_int_equal(ch_inflate_raw(ok, sizeof ok, out, sizeof out, &got, &used), CH_INFLATE_OK);
    assert_int_equal(got, 5);
    assert_int_equal(used, sizeof ok);
    assert_memory_equal(out, "abcde", 5);
    assert_int_equal(agree(W_RAW, nlen_bad, sizeof nlen_bad, sizeof out), CH_INFLATE_MALFORMED);
    /* LEN 10 into 9 bytes of room: too big while the input holds more than 9 bytes ... */
    assert_int_equal(agree(W_RAW, ten, sizeof ten, 9), CH_INFLATE_TOO_BIG);
    assert_int_equal(agree(W_RAW, ten, 5 + 10, 10), CH_INFLATE_OK);
    assert_int_equal(agree(W_RAW, ten, 5 + 6, 5), CH_INFLATE_TOO_BIG);
    /* ... but a block that is cut short before the bound is reached is malformed */
    assert_int_equal(agree(W_RAW, ten, 5 + 5, 5), CH_INFLATE_MALFORMED);
    assert_int_equal(agree(W_RAW, ten, 5 + 3, 9), CH_INFLATE_MALFORMED);
    assert_int_equal(agree(W_RAW, ten, 4, 9), CH_INFLATE_MALFORMED);
}

/* ---- hand-made dynamic blocks ------------------------------------------------------------- */

static void test_dynamic_valid(void **state)
{
    uint8_t out[64];
    size_t got;
    codeset cs;
    bitw w;

    (void)state;
    /* 'a' 1 bit, EOB and length 3 in 2 bits, one distance code of 1 bit (incomplete: allowed) */
    cs_init(&cs, 258, 1);
    cs.len['a'] = 1, cs.len[256] = 2, cs.len[257] = 2, cs.len[258] = 1;
    memset(&w, 0, sizeof w);
    put_dyn(&w, &cs, 1);
    put_sym(&w, &cs, 'a'), put_sym(&w, &cs, 257), put_dist(&w, &cs, 0), put_sym(&w, &cs, 256);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), sizeof out), CH_INFLATE_OK);
    assert_int_equal(ours(W_RAW, w.b, bitw_len(&w), out, sizeof out, &got), CH_INFLATE_OK);
    assert_memory_equal(out, "aaaa", 4);
    assert_int_equal(got, 4);
    /* the unused distance bit pattern is no code */
    memset(&w, 0, sizeof w);
    put_dyn(&w, &cs, 1);
    put_sym(&w, &cs, 'a'), put_sym(&w, &cs, 257), put(&w, 1, 1), put_sym(&w, &cs, 256);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), sizeof out), CH_INFLATE_MALFORMED);

    /* no distance code at all: fine as long as no match comes */
    cs_init(&cs, 258, 1);
    cs.len['a'] = 1, cs.len[256] = 2, cs.len[257] = 2;
    memset(&w, 0, sizeof w);
    put_dyn(&w, &cs, 1);
    put_sym(&w, &cs, 'a'), put_sym(&w, &cs, 'a'), put_sym(&w, &cs, 256);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), sizeof out), CH_INFLATE_OK);
    memset(&w, 0, sizeof w);
    put_dyn(&w, &cs, 1);
    put_sym(&w, &cs, 'a'), put_sym(&w, &cs, 257), put(&w, 0, 16);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), sizeof out), CH_INFLATE_MALFORMED);

    /* a literal/length code of a single 1-bit code (EOB): an empty block, as zlib allows */
    cs_init(&cs, 257, 1);
    cs.len[256] = 1;
    memset(&w, 0, sizeof w);
    put_dyn(&w, &cs, 1);
    put_sym(&w, &cs, 256);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), sizeof out), CH_INFLATE_OK);
    memset(&w, 0, sizeof w);
    put_dyn(&w, &cs, 1);
    put(&w, 1, 1); /* the other pattern */
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), sizeof out), CH_INFLATE_MALFORMED);

    /* the largest counts a dynamic block may declare: HLIT 29 (286), HDIST 29 (30) */
    cs_init(&cs, 286, 30);
    /* Kraft sums in 512ths: one 3-bit code (64), 65 8-bit (130), 190 9-bit (190), two 6-bit
     * (16), 28 7-bit (112): 512, a complete code. */
    for (unsigned s = 0; s < 286; s++)
        cs.len[s] = s == 0 ? 3 : s <= 65 ? 8 : s < 256 ? 9 : s < 258 ? 6 : 7;
    for (unsigned s = 0; s < 30; s++)
        cs.len[286 + s] = s < 2 ? 4 : 5; /* 2/16 + 28/32 = 1 */
    memset(&w, 0, sizeof w);
    put_dyn(&w, &cs, 1);
    put_sym(&w, &cs, 'z'), put_sym(&w, &cs, 285), put_dist(&w, &cs, 0), put_sym(&w, &cs, 256);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), 300), CH_INFLATE_OK);
    assert_int_equal(ours(W_RAW, w.b, bitw_len(&w), out, sizeof out, &got), CH_INFLATE_TOO_BIG);
}

/* A repeat (code 16) may run from the last literal/length length into the distance lengths. */
static void test_dynamic_repeat_across(void **state)
{
    uint8_t out[64];
    size_t got;
    codeset cs;
    bitw w;
    unsigned i;

    (void)state;
    cs_init(&cs, 258, 3);
    cs.len['a'] = 1, cs.len[256] = 2, cs.len[257] = 2;
    cs.len[258] = 2, cs.len[259] = 2, cs.len[260] = 1;
    memset(&w, 0, sizeof w);
    put_dyn_head(&w, &cs, 1);
    for (i = 0; i < 257; i++)
        put_cl(&w, &cs, cs.len[i]);
    put_cl(&w, &cs, 16), put(&w, 0, 2); /* 257, dist 0, dist 1 <- 2 */
    put_cl(&w, &cs, 1);                 /* dist 2 */
    canon(cs.len, cs.nlen, cs.lit);
    canon(cs.len + cs.nlen, cs.ndist, cs.dist);
    put_sym(&w, &cs, 'a'), put_sym(&w, &cs, 257), put_dist(&w, &cs, 0), put_sym(&w, &cs, 256);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), sizeof out), CH_INFLATE_OK);
    assert_int_equal(ours(W_RAW, w.b, bitw_len(&w), out, sizeof out, &got), CH_INFLATE_OK);
    assert_int_equal(got, 4);
    /* cut anywhere, the header included, it is malformed */
    for (i = 0; i < bitw_len(&w); i++)
        assert_int_equal(agree(W_RAW, w.b, i, sizeof out), CH_INFLATE_MALFORMED);
}

static void test_dynamic_bad_lengths(void **state)
{
    codeset cs;
    bitw w;
    unsigned s;

    (void)state;
    /* over-subscribed literal/length code: three 1-bit codes */
    cs_init(&cs, 257, 1);
    cs.len['a'] = 1, cs.len['b'] = 1, cs.len[256] = 1;
    memset(&w, 0, sizeof w);
    put_dyn_head(&w, &cs, 1);
    for (s = 0; s < 258; s++)
        put_cl(&w, &cs, cs.len[s]);
    put(&w, 0, 16);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), 64), CH_INFLATE_MALFORMED);

    /* incomplete literal/length code with more than one code */
    cs_init(&cs, 257, 1);
    cs.len['a'] = 2, cs.len[256] = 2;
    memset(&w, 0, sizeof w);
    put_dyn(&w, &cs, 1);
    put_sym(&w, &cs, 'a'), put_sym(&w, &cs, 256);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), 64), CH_INFLATE_MALFORMED);

    /* incomplete distance code with more than one code */
    cs_init(&cs, 257, 2);
    cs.len['a'] = 1, cs.len[256] = 1, cs.len[257] = 2, cs.len[258] = 2;
    memset(&w, 0, sizeof w);
    put_dyn(&w, &cs, 1);
    put_code(&w, 0, 1), put_code(&w, 1, 1);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), 64), CH_INFLATE_MALFORMED);

    /* over-subscribed distance code */
    cs_init(&cs, 257, 3);
    cs.len['a'] = 1, cs.len[256] = 1;
    cs.len[257] = 1, cs.len[258] = 1, cs.len[259] = 1;
    memset(&w, 0, sizeof w);
    put_dyn(&w, &cs, 1);
    put_sym(&w, &cs, 'a'), put_sym(&w, &cs, 256); /* no distance needed, still refused */
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), 64), CH_INFLATE_MALFORMED);

    /* no end-of-block code: refused at once, not decoded until the bound */
    cs_init(&cs, 257, 1);
    cs.len['a'] = 1, cs.len['b'] = 1;
    memset(&w, 0, sizeof w);
    put_dyn(&w, &cs, 1);
    put(&w, 0, 16), put(&w, 0, 16);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), 4), CH_INFLATE_MALFORMED);

    /* code length code: over-subscribed (three 1-bit codes) */
    cs_init(&cs, 257, 1);
    memset(cs.cl_len, 0, sizeof cs.cl_len);
    cs.cl_len[0] = 1, cs.cl_len[1] = 1, cs.cl_len[2] = 1;
    memset(&w, 0, sizeof w);
    put_dyn_head(&w, &cs, 1);
    put(&w, 0, 16);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), 64), CH_INFLATE_MALFORMED);

    /* code length code: incomplete (15 of 16 4-bit codes), the rest valid */
    cs_init(&cs, 257, 1);
    memset(cs.cl_len, 0, sizeof cs.cl_len);
    memset(cs.cl_len, 4, 15);
    cs.len['a'] = 1, cs.len[256] = 1;
    memset(&w, 0, sizeof w);
    put_dyn(&w, &cs, 1);
    put_sym(&w, &cs, 'a'), put_sym(&w, &cs, 256);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), 64), CH_INFLATE_MALFORMED);

    /* code length code: a single 1-bit code, incomplete too */
    cs_init(&cs, 257, 1);
    memset(cs.cl_len, 0, sizeof cs.cl_len);
    cs.cl_len[0] = 1;
    memset(&w, 0, sizeof w);
    put_dyn_head(&w, &cs, 1);
    put(&w, 0, 16);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), 64), CH_INFLATE_MALFORMED);

    /* code length code with no code at all */
    cs_init(&cs, 257, 1);
    memset(cs.cl_len, 0, sizeof cs.cl_len);
    memset(&w, 0, sizeof w);
    put_dyn_head(&w, &cs, 1);
    put(&w, 0, 16), put(&w, 0, 16), put(&w, 0, 16);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), 64), CH_INFLATE_MALFORMED);
}

static void test_dynamic_bad_counts_and_repeats(void **state)
{
    codeset cs;
    bitw w;
    unsigned s;

    (void)state;
    /* HLIT 30 and 31 (287, 288 codes), HDIST 30 and 31 (31, 32 codes), each with complete
     * codes and a valid block after them: only the count is wrong. */
    for (s = 0; s < 4; s++) {
        cs_init(&cs, s < 2 ? 287 + s : 257, s < 2 ? 1 : 29 + s);
        if (s < 2) {
            for (unsigned i = 0; i < cs.nlen; i++) /* the fixed lengths (288: complete) */
                cs.len[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
            if (s == 0)
                cs.len[280] = 7; /* 287 codes: 280 one bit shorter completes the code */
        } else {
            cs.len['a'] = 1, cs.len[256] = 1;
            memset(cs.len + 257, 5, cs.ndist); /* 32 codes of 5 bits: complete */
            if (s == 2)
                cs.len[257] = 4; /* 31 codes: one of 4 bits, 30 of 5 */
        }
        memset(&w, 0, sizeof w);
        put_dyn(&w, &cs, 1);
        put_sym(&w, &cs, 'a'), put_sym(&w, &cs, 256);
        assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), 64), CH_INFLATE_MALFORMED);
    }

    /* repeat of the previous length with no previous length */
    cs_init(&cs, 257, 1);
    memset(&w, 0, sizeof w);
    put_dyn_head(&w, &cs, 1);
    put_cl(&w, &cs, 16), put(&w, 3, 2);
    put(&w, 0, 16);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), 64), CH_INFLATE_MALFORMED);

    /* zeros past the end of the 258 lengths: 138 + 138 */
    for (s = 17; s <= 18; s++) {
        cs_init(&cs, 257, 1);
        memset(&w, 0, sizeof w);
        put_dyn_head(&w, &cs, 1);
        for (unsigned i = 0; i < (s == 18 ? 1 : 25); i++) { /* 138 or 250 zeros */
            put_cl(&w, &cs, s);
            put(&w, s == 18 ? 127 : 7, s == 18 ? 7 : 3);
        }
        put_cl(&w, &cs, 18), put(&w, 127, 7);
        put(&w, 0, 16);
        assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), 64), CH_INFLATE_MALFORMED);
    }

    /* repeat of a non-zero length past the end */
    cs_init(&cs, 257, 1);
    memset(&w, 0, sizeof w);
    put_dyn_head(&w, &cs, 1);
    put_cl(&w, &cs, 18), put(&w, 127, 7); /* 138 zeros */
    put_cl(&w, &cs, 18), put(&w, 107, 7); /* 118 zeros: 256 */
    put_cl(&w, &cs, 1);                   /* 256: 1 */
    put_cl(&w, &cs, 16), put(&w, 0, 2);   /* 3 more: 260 > 258 */
    put(&w, 0, 16);
    assert_int_equal(agree(W_RAW, w.b, bitw_len(&w), 64), CH_INFLATE_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_round_trip_many_blocks),
        cmocka_unit_test(test_zlib_small_window),
        cmocka_unit_test(test_too_big_at_cap_minus_one),
        cmocka_unit_test(test_bomb),
        cmocka_unit_test(test_null_out_zero_cap),
        cmocka_unit_test(test_truncated_at_every_length),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_gzip_header_fields),
        cmocka_unit_test(test_gzip_header_from_zlib),
        cmocka_unit_test(test_gzip_bad_header),
        cmocka_unit_test(test_zlib_bad_header),
        cmocka_unit_test(test_fixed_block_codes),
        cmocka_unit_test(test_block_type_3),
        cmocka_unit_test(test_stored_blocks),
        cmocka_unit_test(test_dynamic_valid),
        cmocka_unit_test(test_dynamic_repeat_across),
        cmocka_unit_test(test_dynamic_bad_lengths),
        cmocka_unit_test(test_dynamic_bad_counts_and_repeats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
