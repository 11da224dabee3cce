/* Bounded DEFLATE decoder (RFC 1951) and its gzip (RFC 1952) and zlib (RFC 1950) wrappers.
 *
 * Shape: the canonical-code decoder of Mark Adler's puff.c (zlib/contrib/puff), one bit at a
 * time. It is slower than zlib's table decoder but has no table-building corner cases, needs
 * about 3 KiB of stack and its work per symbol is bounded (at most 15 bits), so running time
 * is linear in the input plus the output bound.
 *
 * What is accepted is exactly what zlib 1.2.x inflate() accepts (fuzz/fuzz_inflate.c checks
 * it against zlib): over-subscribed code sets are refused; incomplete ones only when zlib
 * allows them (a literal/length or distance set with a single code of length 1, or a distance
 * set with no code at all: decoding a missing code is then an error); HLIT > 286, HDIST > 30,
 * literal/length symbols 286/287 and distance symbols 30/31 are refused; a distance that
 * reaches before the start of the output is refused (there is no preset dictionary).
 *
 * Bytes are pulled from the input only when a bit of them is needed, so at every block
 * boundary fewer than 8 bits are buffered and "bytes pulled" is the exact size of the stream.
 */
#include "inflate.h"

#include <stdbool.h>
#include <string.h>

#include "cursor.h"
#include "deflate.h" /* ch_crc32 */
#include "deflate_tables.h"
#include "wipe.h"

#define MAXBITS 15    /* longest code */
#define MAXLCODES 286 /* literal/length symbols a dynamic block may declare */
#define MAXDCODES 30  /* distance symbols a dynamic block may declare */
#define FIXLCODES 288 /* literal/length symbols of the fixed code (286, 287 are invalid) */
#define FIXDCODES 32  /* distance symbols of the fixed code (30, 31 are invalid) */
#define NCLCODES 19   /* code length code symbols */

/* A canonical Huffman code: number of codes of each length, and the symbols ordered by code. */
typedef struct huff {
    uint16_t count[MAXBITS + 1];
    uint16_t symbol[FIXLCODES];
} huff;

typedef struct inflater {
    ch_cur in;
    uint32_t bitbuf;  /* unused bits of the bytes pulled so far, least significant first */
    unsigned bitcnt;  /* how many; < 8 between calls of get_bits */
    uint8_t *out;
    size_t cap;
    size_t pos;       /* bytes written to out */
    bool fixed_built; /* the fixed codes are built at most once per stream */
    huff lit, dist;   /* the current block's codes */
    huff flit, fdist; /* the fixed codes */
} inflater;

typedef enum code_kind { CODE_LENGTHS, CODE_LITLEN, CODE_DIST } code_kind;

/* ---- bits ------------------------------------------------------------------------------ */

/* Takes n (<= 16) bits, first bit in the lowest position; false when the input ends. */
static bool get_bits(inflater *s, unsigned n, unsigned *val)
{
    uint8_t b;
    while (s->bitcnt < n) {
        if (!ch_cur_u8(&s->in, &b))
            return false;
        s->bitbuf |= (uint32_t)b << s->bitcnt;
        s->bitcnt += 8;
    }
    *val = (unsigned)(s->bitbuf & ((1u << n) - 1u));
    s->bitbuf >>= n;
    s->bitcnt -= n;
    return true;
}

/* ---- canonical Huffman codes ----------------------------------------------------------- */

/* Builds h from n code lengths (each <= MAXBITS). Returns how many codes of length MAXBITS
 * are left unused: 0 for a complete code, > 0 incomplete, < 0 over-subscribed. */
static int build(huff *h, const uint8_t *length, unsigned n)
{
    uint16_t offs[MAXBITS + 1];
    int left = 1;
    unsigned len, sym;

    memset(h->count, 0, sizeof h->count);
    for (sym = 0; sym < n; sym++)
        h->count[length[sym]]++;
    for (len = 1; len <= MAXBITS; len++) {
        left = left * 2 - (int)h->count[len];
        if (left < 0)
            return left;
    }
    offs[1] = 0;
    for (len = 1; len < MAXBITS; len++)
        offs[len + 1] = (uint16_t)(offs[len] + h->count[len]);
    for (sym = 0; sym < n; sym++)
        if (length[sym] != 0)
            h->symbol[offs[length[sym]]++] = (uint16_t)sym;
    return left;
}

/* zlib's rule (inflate_table): over-subscribed is refused; incomplete is refused for the code
 * length code, and otherwise allowed only when no code is longer than 1 bit (one code of
 * length 1, or none at all). The unused bit patterns then fail in decode(). */
static bool acceptable(const huff *h, int left, code_kind kind)
{
    unsigned len;
    if (left < 0)
        return false;
    if (left == 0)
        return true;
    if (kind == CODE_LENGTHS)
        return false;
    for (len = 2; len <= MAXBITS; len++)
        if (h->count[len] != 0)
            return false;
    return true;
}

/* Decodes one symbol, or -1 on a bit pattern that is no code or at the end of the input. */
static int decode(inflater *s, const huff *h)
{
    int code = 0, first = 0, index = 0, count;
    unsigned len, bit;

    for (len = 1; len <= MAXBITS; len++) {
        if (!get_bits(s, 1, &bit))
            return -1;
        code |= (int)bit;
        count = h->count[len];
        if (code - count < first) /* code is one of the `count` codes of this length */
            return h->symbol[index + (code - first)];
        index += count;
        first = (first + count) * 2;
        code *= 2;
    }
    return -1;
}

/* ---- blocks ---------------------------------------------------------------------------- */


/* Stored block: the partial byte is dropped, then LEN, NLEN and LEN raw bytes. */
static ch_inflate_rc stored(inflater *s)
{
    uint16_t len, nlen;
    size_t room = s->cap - s->pos;

    s->bitbuf = 0;
    s->bitcnt = 0;
    if (!ch_cur_u16le(&s->in, &len) || !ch_cur_u16le(&s->in, &nlen) ||
        (len ^ nlen) != 0xFFFFu)
        return CH_INFLATE_MALFORMED;
    if (len > room)
        /* TOO_BIG only if the input really holds more than fits; a truncated block is
         * MALFORMED, as it is for zlib, which would copy what there is and ask for more. */
        return ch_cur_left(&s->in) > room ? CH_INFLATE_TOO_BIG : CH_INFLATE_MALFORMED;
    if (len == 0) /* out may be NULL when cap is 0: no pointer arithmetic on it */
        return CH_INFLATE_OK;
    if (!ch_cur_bytes(&s->in, s->out + s->pos, len))
        return CH_INFLATE_MALFORMED;
    s->pos += len;
    return CH_INFLATE_OK;
}

/* The symbols of one Huffman-coded block, up to and including end-of-block. */
static ch_inflate_rc codes(inflater *s, const huff *lit, const huff *dist)
{
    int sym;
    unsigned extra, len, d, i;

    for (;;) {
        sym = decode(s, lit);
        if (sym < 0)
            return CH_INFLATE_MALFORMED;
        if (sym < 256) {
            if (s->pos == s->cap)
                return CH_INFLATE_TOO_BIG;
            s->out[s->pos++] = (uint8_t)sym;
            continue;
        }
        if (sym == 256)
            return CH_INFLATE_OK;
        sym -= 257;
        if (sym >= 29) /* 286, 287: only the fixed code has them, and they are invalid */
            return CH_INFLATE_MALFORMED;
        if (!get_bits(s, ch_deflate_len_extra[sym], &extra))
            return CH_INFLATE_MALFORMED;
        len = ch_deflate_len_base[sym] + extra;
        sym = decode(s, dist);
        if (sym < 0 || sym >= MAXDCODES) /* 30, 31: fixed code only, invalid */
            return CH_INFLATE_MALFORMED;
        if (!get_bits(s, ch_deflate_dist_extra[sym], &extra))
            return CH_INFLATE_MALFORMED;
        d = ch_deflate_dist_base[sym] + extra;
        if (d > s->pos) /* before the start of the output: no dictionary here */
            return CH_INFLATE_MALFORMED;
        if (len > s->cap - s->pos)
            return CH_INFLATE_TOO_BIG;
        /* Byte by byte: source and destination overlap when d < len (a run). */
        for (i = 0; i < len; i++, s->pos++)
            s->out[s->pos] = s->out[s->pos - d];
    }
}

static ch_inflate_rc fixed(inflater *s)
{
    uint8_t length[FIXLCODES];
    unsigned sym;

    if (!s->fixed_built) {
        for (sym = 0; sym < FIXLCODES; sym++)
            length[sym] = sym < 144 ? 8 : sym < 256 ? 9 : sym < 280 ? 7 : 8;
        (void)build(&s->flit, length, FIXLCODES); /* complete by construction */
        memset(length, 5, FIXDCODES);
        (void)build(&s->fdist, length, FIXDCODES);
        s->fixed_built = true;
    }
    return codes(s, &s->flit, &s->fdist);
}

static ch_inflate_rc dynamic(inflater *s)
{
    /* Zeroed whole, not just the NCLCODES the code-length code uses: the loop below writes
     * every one of the nlen + ndist (>= 258) lengths before they are read, but no analyzer
     * follows that, and 320 bytes cost nothing next to a block. */
    uint8_t length[MAXLCODES + MAXDCODES] = {0};
    unsigned nlen, ndist, ncode, index, v, rep;
    uint8_t fill;
    int sym;

    if (!get_bits(s, 5, &nlen) || !get_bits(s, 5, &ndist) || !get_bits(s, 4, &ncode))
        return CH_INFLATE_MALFORMED;
    nlen += 257;
    ndist += 1;
    ncode += 4;
    if (nlen > MAXLCODES || ndist > MAXDCODES)
        return CH_INFLATE_MALFORMED;

    for (index = 0; index < ncode; index++) {
        if (!get_bits(s, 3, &v))
            return CH_INFLATE_MALFORMED;
        length[ch_deflate_cl_order[index]] = (uint8_t)v;
    }
    if (!acceptable(&s->lit, build(&s->lit, length, NCLCODES), CODE_LENGTHS))
        return CH_INFLATE_MALFORMED;

    /* One sequence for both codes: a repeat may run from the last literal/length into the
     * distance lengths (RFC 1951 3.2.7; zlib agrees). */
    index = 0;
    while (index < nlen + ndist) {
        sym = decode(s, &s->lit);
        if (sym < 0)
            return CH_INFLATE_MALFORMED;
        if (sym < 16) {
            length[index++] = (uint8_t)sym;
            continue;
        }
        fill = 0;
        if (sym == 16) {
            if (index == 0) /* nothing to repeat */
                return CH_INFLATE_MALFORMED;
            fill = length[index - 1];
            if (!get_bits(s, 2, &rep))
                return CH_INFLATE_MALFORMED;
            rep += 3;
        } else if (sym == 17) {
            if (!get_bits(s, 3, &rep))
                return CH_INFLATE_MALFORMED;
            rep += 3;
        } else {
            if (!get_bits(s, 7, &rep))
                return CH_INFLATE_MALFORMED;
            rep += 11;
        }
        if (rep > nlen + ndist - index)
            return CH_INFLATE_MALFORMED;
        memset(length + index, fill, rep);
        index += rep;
    }
    if (length[256] == 0) /* a block that cannot end */
        return CH_INFLATE_MALFORMED;
    if (!acceptable(&s->lit, build(&s->lit, length, nlen), CODE_LITLEN) ||
        !acceptable(&s->dist, build(&s->dist, length + nlen, ndist), CODE_DIST))
        return CH_INFLATE_MALFORMED;
    return codes(s, &s->lit, &s->dist);
}

/* Decodes blocks from *in up to the final one; *in is left after its last (partial) byte. */
static ch_inflate_rc run(ch_cur *in, uint8_t *out, size_t cap, size_t *out_len)
{
    /* Everything else zero: the codes are built before they are read (fixed_built, and
     * dynamic() builds its own), but a whole-struct initialiser says so to every reader. */
    inflater s = {.in = *in, .out = out, .cap = cap};
    unsigned last, type;
    ch_inflate_rc rc;

    do {
        if (!get_bits(&s, 1, &last) || !get_bits(&s, 2, &type))
            return CH_INFLATE_MALFORMED;
        if (type == 0)
            rc = stored(&s);
        else if (type == 1)
            rc = fixed(&s);
        else if (type == 2)
            rc = dynamic(&s);
        else
            rc = CH_INFLATE_MALFORMED;
        if (rc != CH_INFLATE_OK)
            return rc;
    } while (!last);
    *in = s.in;
    *out_len = s.pos;
    return CH_INFLATE_OK;
}

/* ---- check values (CRC-32: ch_crc32 of deflate.c) ----------------------------------------- */

/* Adler-32 (RFC 1950), the zlib wrapper's check value. */
static uint32_t adler32(const uint8_t *p, size_t n)
{
    uint32_t a = 1, b = 0;
    size_t i = 0, end;

    while (i < n) {
        /* 5552 bytes is the most that cannot overflow b before the reduction (zlib's NMAX). */
        end = n - i > 5552 ? i + 5552 : n;
        for (; i < end; i++) {
            a += p[i];
            b += a;
        }
        a %= 65521u;
        b %= 65521u;
    }
    return b << 16 | a;
}

/* ---- wrappers -------------------------------------------------------------------------- */

static ch_inflate_rc fail(ch_inflate_rc rc, uint8_t *out, size_t out_cap, size_t *out_len)
{
    ch_wipe(out, out_cap);
    if (out_len)
        *out_len = 0;
    return rc;
}

static bool args_ok(const uint8_t *out, size_t out_cap, const size_t *out_len)
{
    return out_len != NULL && (out != NULL || out_cap == 0);
}

ch_inflate_rc ch_inflate_raw(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                             size_t *out_len, size_t *in_used)
{
    ch_cur c;
    ch_inflate_rc rc;
    size_t n;

    if (in_used)
        *in_used = 0;
    if (!args_ok(out, out_cap, out_len))
        return fail(CH_INFLATE_MALFORMED, out, out_cap, out_len);
    ch_cur_init(&c, in, in_len);
    rc = run(&c, out, out_cap, &n);
    if (rc != CH_INFLATE_OK)
        return fail(rc, out, out_cap, out_len);
    *out_len = n;
    if (in_used)
        *in_used = c.pos;
    return CH_INFLATE_OK;
}

/* Skips a zero-terminated field (FNAME, FCOMMENT). */
static bool skip_zstring(ch_cur *c)
{
    uint8_t b;
    do {
        if (!ch_cur_u8(c, &b))
            return false;
    } while (b != 0);
    return true;
}

#define GZ_FHCRC 0x02u
#define GZ_FEXTRA 0x04u
#define GZ_FNAME 0x08u
#define GZ_FCOMMENT 0x10u
#define GZ_RESERVED 0xE0u /* FTEXT (0x01) is a hint and ignored */

static bool gzip_header(ch_cur *c)
{
    ch_cur start = *c;
    const uint8_t *hdr;
    uint8_t id1, id2, cm, flg;
    uint16_t xlen, hcrc;

    if (!ch_cur_u8(c, &id1) || !ch_cur_u8(c, &id2) || !ch_cur_u8(c, &cm) ||
        !ch_cur_u8(c, &flg) || id1 != 0x1F || id2 != 0x8B || cm != 8 ||
        (flg & GZ_RESERVED) != 0)
        return false;
    if (!ch_cur_skip(c, 6)) /* MTIME, XFL, OS: informative only */
        return false;
    if ((flg & GZ_FEXTRA) && (!ch_cur_u16le(c, &xlen) || !ch_cur_skip(c, xlen)))
        return false;
    if ((flg & GZ_FNAME) && !skip_zstring(c))
        return false;
    if ((flg & GZ_FCOMMENT) && !skip_zstring(c))
        return false;
    if (flg & GZ_FHCRC) {
        /* Low 16 bits of the CRC-32 of every header byte before it. */
        size_t hlen = c->pos - start.pos;
        if (!ch_cur_take(&start, hlen, &hdr) || !ch_cur_u16le(c, &hcrc) ||
            hcrc != (uint16_t)(ch_crc32(0, hdr, hlen) & 0xFFFFu))
            return false;
    }
    return true;
}

ch_inflate_rc ch_inflate_gzip(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                              size_t *out_len)
{
    ch_cur c;
    ch_inflate_rc rc;
    uint32_t crc, isize;
    size_t n;

    if (!args_ok(out, out_cap, out_len))
        return fail(CH_INFLATE_MALFORMED, out, out_cap, out_len);
    ch_cur_init(&c, in, in_len);
    if (!gzip_header(&c))
        return fail(CH_INFLATE_MALFORMED, out, out_cap, out_len);
    rc = run(&c, out, out_cap, &n);
    if (rc != CH_INFLATE_OK)
        return fail(rc, out, out_cap, out_len);
    /* ISIZE is the length modulo 2^32. One member only: nothing may follow it. */
    if (!ch_cur_u32le(&c, &crc) || !ch_cur_u32le(&c, &isize) || !ch_cur_empty(&c) ||
        crc != ch_crc32(0, out, n) || isize != (uint32_t)(n & 0xFFFFFFFFu))
        return fail(CH_INFLATE_MALFORMED, out, out_cap, out_len);
    *out_len = n;
    return CH_INFLATE_OK;
}

ch_inflate_rc ch_inflate_zlib(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                              size_t *out_len)
{
    ch_cur c;
    ch_inflate_rc rc;
    uint8_t cmf, flg;
    uint32_t adler;
    size_t n;

    if (!args_ok(out, out_cap, out_len))
        return fail(CH_INFLATE_MALFORMED, out, out_cap, out_len);
    ch_cur_init(&c, in, in_len);
    /* CM 8, window 2^(CINFO+8) <= 32 KiB, CMF*256+FLG a multiple of 31, no preset dictionary
     * (FDICT). A smaller declared window is not enforced, as zlib does not either. */
    if (!ch_cur_u8(&c, &cmf) || !ch_cur_u8(&c, &flg) || (cmf & 0x0Fu) != 8 || (cmf >> 4) > 7 ||
        ((unsigned)cmf << 8 | flg) % 31u != 0 || (flg & 0x20u) != 0)
        return fail(CH_INFLATE_MALFORMED, out, out_cap, out_len);
    rc = run(&c, out, out_cap, &n);
    if (rc != CH_INFLATE_OK)
        return fail(rc, out, out_cap, out_len);
    if (!ch_cur_u32be(&c, &adler) || !ch_cur_empty(&c) || adler != adler32(out, n))
        return fail(CH_INFLATE_MALFORMED, out, out_cap, out_len);
    *out_len = n;
    return CH_INFLATE_OK;
}
