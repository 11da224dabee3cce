/* DEFLATE compressor (RFC 1951) writing one gzip member (RFC 1952).
 *
 * Matching: LZ77 with hash chains over a 32 KiB window and zlib's level-6 lazy evaluation
 * (a match found at p is kept only if p + 1 has no longer one). The whole input is in memory,
 * so the window is the input itself and nothing is copied or slid: head[] holds the latest
 * position of each 3-byte hash, prev[] the distance back to the previous position with the
 * same hash. Every candidate is checked byte by byte, so the tables only steer the search.
 *
 * Blocks: a block ends when its input span would exceed 65535 bytes (so it can always be one
 * stored block) or it holds BLOCK_MATCHES matches. Only the matches are recorded: the literals
 * are the input bytes between them. Each block is then costed exactly, in bits, as stored,
 * fixed Huffman and dynamic Huffman, and written in the cheapest form. Dynamic codes are
 * Huffman codes (two-queue construction) limited to 15 bits (7 for the code length code) by
 * miniz's rebalancing of the length histogram; each code gets at least two symbols so that it
 * is complete (zlib and src/util/inflate.c refuse most incomplete codes).
 *
 * Memory: the work area `deflater` is 100 KiB (ch_deflate_work_size); ch_gzip_work takes it
 * from the caller (the card module: from the CSP's allocator, not a thread's stack), ch_gzip
 * puts it on the stack, about 110 KiB at the deepest point with the rest: 100 KiB (prev 64 KiB, head 16 KiB, the block's matches 20 KiB); flush_block (codes and
 * counts of one block) and huff_lengths under it add 3.8 and 3.4 KiB (gcc -O2 -fstack-usage:
 * 102592 + 3808 + 3448 bytes). No heap, no static mutable state.
 * Running time is linear in the input: each search follows at most MAX_CHAIN links and
 * compares at most 258 bytes per link (1 MiB: 6 ms for a run, 50 ms random, 210 ms for a
 * 4-letter alphabet, the worst seen, at -O2). The output is a function of the input alone (cap
 * only decides between OK and TOO_BIG); nothing is ever written at or past out + cap.
 */
#include "deflate.h"

#include <stdbool.h>
#include <string.h>

#include "deflate_tables.h"
#include "wipe.h"

#define WSIZE 32768u /* window: the farthest distance DEFLATE can code */
#define WMASK (WSIZE - 1u)
#define HASH_BITS 12u
#define HASH_SIZE (1u << HASH_BITS)
#define MIN_MATCH 3u
#define MAX_MATCH 258u

/* zlib level 6: chain length, "good enough to search less", "good enough not to try the next
 * position", "good enough to stop searching"; a 3-byte match farther than TOO_FAR costs more
 * than its three literals in practice and is dropped. */
#define MAX_CHAIN 128u
#define GOOD_LENGTH 8u
#define MAX_LAZY 16u
#define NICE_LENGTH 128u
#define TOO_FAR 4096u

#define BLOCK_SPAN 65535u /* the most a stored block holds */
#define BLOCK_MATCHES 4096u

#define MAXBITS 15u   /* longest literal/length or distance code */
#define MAXCLBITS 7u  /* longest code length code */
#define LITLEN 286u   /* literal/length symbols: 0..255 bytes, 256 end of block, 257..285 */
#define DISTS 30u
#define FIXLCODES 288u /* the fixed code also has 286 and 287 (never used, but coded) */
#define CLCODES 19u
#define END_BLOCK 256u

#define GZIP_HEADER 10u
#define GZIP_TRAILER 8u

/* ---- output bits ------------------------------------------------------------------------ */

typedef struct bitwriter {
    uint8_t *out;
    size_t cap, pos; /* bytes written: out[0..pos) */
    uint64_t bits;   /* pending bits, first in the lowest position */
    unsigned n;      /* how many; < 8 between calls */
    bool full;       /* a byte did not fit: the result is TOO_BIG */
} bitwriter;

static void put_byte(bitwriter *w, uint8_t b)
{
    if (w->pos < w->cap)
        w->out[w->pos++] = b;
    else
        w->full = true;
}

/* n <= 32 bits of v, least significant first (DEFLATE's order for everything but codes). */
static void put_bits(bitwriter *w, uint32_t v, unsigned n)
{
    w->bits |= (uint64_t)(v & (uint32_t)((1ull << n) - 1u)) << w->n;
    w->n += n;
    while (w->n >= 8) {
        put_byte(w, (uint8_t)(w->bits & 0xFFu));
        w->bits >>= 8;
        w->n -= 8;
    }
}

/* Pads with zero bits to a byte boundary. */
static void align(bitwriter *w)
{
    if (w->n > 0)
        put_byte(w, (uint8_t)(w->bits & 0xFFu));
    w->bits = 0;
    w->n = 0;
}

static void put_le32(bitwriter *w, uint32_t v)
{
    put_bits(w, v & 0xFFFFu, 16);
    put_bits(w, v >> 16, 16);
}

/* ---- symbols ---------------------------------------------------------------------------- */


/* Index into len_base of a length 3..258 (258 has its own code, 285, never 284 + 31). */
static unsigned len_index(unsigned len)
{
    unsigned c = 28;
    while (ch_deflate_len_base[c] > len)
        c--;
    return c;
}

/* Index into dist_base of a distance 1..32768. */
static unsigned dist_index(unsigned dist)
{
    unsigned c = 29;
    while (ch_deflate_dist_base[c] > dist)
        c--;
    return c;
}

/* ---- Huffman codes ---------------------------------------------------------------------- */

/* Code lengths (each <= limit) for freq[0..n), n <= 288: a Huffman code, rebalanced when it is
 * deeper than limit. Symbols with freq 0 get length 0, except that a code always gets at least
 * two symbols (the lowest unused ones are added) so that it is complete. */
static void huff_lengths(const uint32_t *freq, unsigned n, unsigned limit, uint8_t *len)
{
    uint16_t sym[288];         /* used symbols, by increasing freq (then increasing symbol) */
    uint32_t node_w[287];      /* weights of the internal nodes, in order of creation */
    uint16_t leaf_up[288];     /* parent (internal node index) of each leaf */
    uint16_t node_up[287];     /* parent of each internal node; the last one is the root */
    uint16_t node_depth[287];
    uint16_t count[MAXBITS + 1]; /* codes of each length, after limiting */
    unsigned k = 0, i, j, li, ni, d, bits;
    uint32_t kraft;

    memset(len, 0, n);
    for (i = 0; i < n; i++) {
        if (freq[i] == 0)
            continue;
        /* insertion sort: stable, so equal frequencies stay in symbol order */
        for (j = k; j > 0 && freq[sym[j - 1]] > freq[i]; j--)
            sym[j] = sym[j - 1];
        sym[j] = (uint16_t)i;
        k++;
    }
    if (k < 2) {
        /* Each used symbol (one or none) and the lowest unused ones get length 1. */
        if (k == 1)
            len[sym[0]] = 1;
        for (i = 0; i < n && k < 2; i++)
            if (len[i] == 0) {
                len[i] = 1;
                k++;
            }
        return;
    }

    /* Two queues: leaves by weight, and internal nodes, which are made in weight order.
     * node_w[ni] is read only when ni < j, i.e. node ni was made in an earlier round: gcc 12's
     * -fanalyzer does not follow that and reports node_w[ni] uninitialised. */
    li = 0;
    ni = 0;
#if defined(__GNUC__) && __GNUC__ >= 10 && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-use-of-uninitialized-value"
#endif
    for (j = 0; j + 1 < k; j++) {
        uint32_t w = 0;
        unsigned take;
        for (take = 0; take < 2; take++) {
            if (li < k && (ni >= j || freq[sym[li]] <= node_w[ni])) {
                w += freq[sym[li]];
                leaf_up[li++] = (uint16_t)j;
            } else {
                w += node_w[ni];
                node_up[ni++] = (uint16_t)j;
            }
        }
        node_w[j] = w;
    }
#if defined(__GNUC__) && __GNUC__ >= 10 && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
    node_depth[k - 2] = 0; /* the root */
    for (j = k - 2; j > 0; j--) /* parents are made after their children */
        node_depth[j - 1] = (uint16_t)(node_depth[node_up[j - 1]] + 1u);

    memset(count, 0, sizeof count);
    for (i = 0; i < k; i++) {
        d = node_depth[leaf_up[i]] + 1u;
        count[d > limit ? limit : d]++;
    }
    /* Clamping made the code over-subscribed: sum of 2^(limit - length) > 2^limit. Each round
     * removes one longest code and splits the longest shorter code in two, lowering the sum by
     * one, until the code is complete again (miniz's tdefl_huffman_enforce_max_code_size). */
    kraft = 0;
    for (bits = 1; bits <= limit; bits++)
        kraft += (uint32_t)count[bits] << (limit - bits);
    while (kraft > (1u << limit)) {
        count[limit]--;
        for (bits = limit - 1; bits > 0; bits--)
            if (count[bits] != 0) {
                count[bits]--;
                count[bits + 1] = (uint16_t)(count[bits + 1] + 2u);
                break;
            }
        kraft--;
    }
    /* The rarest symbols get the longest codes. */
    i = 0;
    for (bits = limit; bits > 0; bits--)
        for (j = 0; j < count[bits]; j++)
            len[sym[i++]] = (uint8_t)bits;
}

/* Canonical codes (RFC 1951 3.2.2) for len[0..n), bit-reversed: codes go out first bit first,
 * and put_bits sends the lowest bit first. */
static void huff_codes(const uint8_t *len, unsigned n, uint16_t *code)
{
    uint16_t count[MAXBITS + 1] = {0}, next[MAXBITS + 1];
    unsigned i, b, c, r;

    for (i = 0; i < n; i++)
        count[len[i]]++;
    count[0] = 0;
    next[0] = 0;
    for (b = 1; b <= MAXBITS; b++)
        next[b] = (uint16_t)(((unsigned)next[b - 1] + count[b - 1]) << 1);
    for (i = 0; i < n; i++) {
        if (len[i] == 0) {
            code[i] = 0;
            continue;
        }
        c = next[len[i]]++;
        r = 0;
        for (b = 0; b < len[i]; b++)
            r |= ((c >> b) & 1u) << (len[i] - 1u - b);
        code[i] = (uint16_t)r;
    }
}

/* ---- the compressor --------------------------------------------------------------------- */

typedef struct deflater {
    const uint8_t *in;
    size_t len;
    uint32_t head[HASH_SIZE]; /* 1 + latest position with this hash; 0: none yet */
    uint16_t prev[WSIZE];     /* [p & WMASK]: distance back from p to the previous position
                                 with the same hash; 0: none within the window */
    size_t block_start;       /* first input byte of the block being collected */
    unsigned matches;         /* matches recorded in it */
    uint16_t m_off[BLOCK_MATCHES];  /* start of each match, from block_start */
    uint16_t m_dist[BLOCK_MATCHES]; /* its distance, 1..32768 */
    uint8_t m_len[BLOCK_MATCHES];   /* its length - 3 */
    bitwriter w;
} deflater;

/* One block's symbols and codes. */
typedef struct block_code {
    uint32_t lfreq[LITLEN], dfreq[DISTS];
    uint8_t llen[LITLEN], dlen[DISTS];
    uint16_t lcode[FIXLCODES], dcode[DISTS];
} block_code;

static uint32_t hash3(const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    return (uint32_t)(((uint64_t)v * 2654435761u) >> (32u - HASH_BITS)) & (HASH_SIZE - 1u);
}

/* Adds position p (p + 3 <= len) to its hash chain; returns the chain's previous head. */
static uint32_t insert(deflater *s, size_t p)
{
    uint32_t h = hash3(s->in + p), old = s->head[h];
    size_t back = old != 0 ? p - (old - 1u) : 0;

    s->prev[p & WMASK] = (uint16_t)(back <= WSIZE ? back : 0);
    s->head[h] = (uint32_t)(p + 1u);
    return old;
}

/* Longest match for position p (p + 3 <= len, so max >= 3) among the chain that starts at
 * cand (1 + position, 0: none), searching less once prev_len is already good. Returns its
 * length (0 if < 3) and *dist. */
static unsigned longest_match(const deflater *s, size_t p, uint32_t cand, unsigned prev_len,
                              unsigned *dist)
{
    const uint8_t *in = s->in;
    size_t max = s->len - p < MAX_MATCH ? s->len - p : MAX_MATCH;
    unsigned chain = prev_len >= GOOD_LENGTH ? MAX_CHAIN >> 2 : MAX_CHAIN;
    unsigned best = MIN_MATCH - 1u, l;
    size_t c;
    uint16_t back;

    for (; cand != 0 && chain > 0; chain--) {
        c = cand - 1u; /* < p: only earlier positions are in the chains */
        if (p - c > WSIZE)
            break;
        if (in[c + best] == in[p + best] && in[c] == in[p]) {
            for (l = 0; l < max && in[c + l] == in[p + l]; l++)
                ;
            if (l > best) {
                best = l;
                *dist = (unsigned)(p - c);
                if (l >= NICE_LENGTH || l == max)
                    break;
            }
        }
        back = s->prev[c & WMASK];
        if (back == 0 || back > c)
            break;
        cand = (uint32_t)(c - back + 1u);
    }
    return best >= MIN_MATCH ? best : 0;
}

/* Counts the block's symbols: the literals are the bytes between the recorded matches. */
static void count_block(const deflater *s, size_t end, block_code *bc)
{
    size_t p = s->block_start, m_at;
    unsigned i;

    memset(bc->lfreq, 0, sizeof bc->lfreq);
    memset(bc->dfreq, 0, sizeof bc->dfreq);
    for (i = 0; i <= s->matches; i++) {
        m_at = i < s->matches ? s->block_start + s->m_off[i] : end;
        for (; p < m_at; p++)
            bc->lfreq[s->in[p]]++;
        if (i == s->matches)
            break;
        bc->lfreq[257u + len_index(s->m_len[i] + MIN_MATCH)]++;
        bc->dfreq[dist_index(s->m_dist[i])]++;
        p += s->m_len[i] + MIN_MATCH;
    }
    bc->lfreq[END_BLOCK]++;
}

/* Bits of the block's symbols, extra bits included, under the lengths llen/dlen. */
static size_t symbol_bits(const block_code *bc, const uint8_t *llen, const uint8_t *dlen)
{
    size_t bits = 0;
    unsigned i;

    for (i = 0; i < LITLEN; i++)
        bits += (size_t)bc->lfreq[i] * (llen[i] + (i >= 257u ? ch_deflate_len_extra[i - 257u] : 0u));
    for (i = 0; i < DISTS; i++)
        bits += (size_t)bc->dfreq[i] * (dlen[i] + ch_deflate_dist_extra[i]);
    return bits;
}

static void put_symbols(deflater *s, size_t end, const block_code *bc)
{
    bitwriter *w = &s->w;
    size_t p = s->block_start, m_at;
    unsigned i, len, dist, c;

    for (i = 0; i <= s->matches; i++) {
        m_at = i < s->matches ? s->block_start + s->m_off[i] : end;
        for (; p < m_at; p++)
            put_bits(w, bc->lcode[s->in[p]], bc->llen[s->in[p]]);
        if (i == s->matches)
            break;
        len = s->m_len[i] + MIN_MATCH;
        c = len_index(len);
        put_bits(w, bc->lcode[257u + c], bc->llen[257u + c]);
        put_bits(w, len - ch_deflate_len_base[c], ch_deflate_len_extra[c]);
        dist = s->m_dist[i];
        c = dist_index(dist);
        put_bits(w, bc->dcode[c], bc->dlen[c]);
        put_bits(w, dist - ch_deflate_dist_base[c], ch_deflate_dist_extra[c]);
        p += len;
    }
    put_bits(w, bc->lcode[END_BLOCK], bc->llen[END_BLOCK]);
}

/* The dynamic header's code lengths, run-length coded (RFC 1951 3.2.7): sym 0..18 with the
 * extra bits value of 16/17/18. One sequence over literal/length then distance lengths. */
static unsigned rle_lengths(const uint8_t *lens, unsigned n, uint8_t *sym, uint8_t *extra)
{
    unsigned i = 0, k = 0, run, r;
    uint8_t v;

    while (i < n) {
        v = lens[i];
        for (run = 1; i + run < n && lens[i + run] == v; run++)
            ;
        i += run;
        if (v == 0) {
            while (run >= 11) {
                r = run < 138 ? run : 138;
                sym[k] = 18;
                extra[k++] = (uint8_t)(r - 11u);
                run -= r;
            }
            if (run >= 3) {
                sym[k] = 17;
                extra[k++] = (uint8_t)(run - 3u);
                run = 0;
            }
        } else {
            sym[k] = v;
            extra[k++] = 0;
            run--;
            while (run >= 3) {
                r = run < 6 ? run : 6;
                sym[k] = 16;
                extra[k++] = (uint8_t)(r - 3u);
                run -= r;
            }
        }
        for (; run > 0; run--) {
            sym[k] = v;
            extra[k++] = 0;
        }
    }
    return k;
}

static const uint8_t cl_extra_bits[CLCODES] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                               0, 0, 0, 0, 0, 0, 2, 3, 7};

/* The dynamic header of a block, worked out once, costed and (if chosen) written. */
typedef struct dyn_header {
    unsigned nlit, ndist, nclen, nrle;
    uint8_t rle_sym[LITLEN + DISTS], rle_extra[LITLEN + DISTS];
    uint8_t cllen[CLCODES];
    uint16_t clcode[CLCODES];
} dyn_header;

static size_t dyn_header_bits(const block_code *bc, dyn_header *h)
{
    uint8_t lens[LITLEN + DISTS];
    uint32_t clfreq[CLCODES] = {0};
    size_t bits;
    unsigned i;

    for (h->nlit = LITLEN; h->nlit > 257u && bc->llen[h->nlit - 1u] == 0; h->nlit--)
        ;
    for (h->ndist = DISTS; h->ndist > 1u && bc->dlen[h->ndist - 1u] == 0; h->ndist--)
        ;
    memcpy(lens, bc->llen, h->nlit);
    memcpy(lens + h->nlit, bc->dlen, h->ndist);
    h->nrle = rle_lengths(lens, h->nlit + h->ndist, h->rle_sym, h->rle_extra);
    for (i = 0; i < h->nrle; i++)
        clfreq[h->rle_sym[i]]++;
    huff_lengths(clfreq, CLCODES, MAXCLBITS, h->cllen);
    huff_codes(h->cllen, CLCODES, h->clcode);
    for (h->nclen = CLCODES; h->nclen > 4u && h->cllen[ch_deflate_cl_order[h->nclen - 1u]] == 0; h->nclen--)
        ;
    bits = 5u + 5u + 4u + 3u * (size_t)h->nclen;
    for (i = 0; i < CLCODES; i++)
        bits += (size_t)clfreq[i] * (h->cllen[i] + cl_extra_bits[i]);
    return bits;
}

static void put_dyn_header(bitwriter *w, const dyn_header *h)
{
    unsigned i;

    put_bits(w, h->nlit - 257u, 5);
    put_bits(w, h->ndist - 1u, 5);
    put_bits(w, h->nclen - 4u, 4);
    for (i = 0; i < h->nclen; i++)
        put_bits(w, h->cllen[ch_deflate_cl_order[i]], 3);
    for (i = 0; i < h->nrle; i++) {
        put_bits(w, h->clcode[h->rle_sym[i]], h->cllen[h->rle_sym[i]]);
        put_bits(w, h->rle_extra[i], cl_extra_bits[h->rle_sym[i]]);
    }
}

static void fixed_lengths(uint8_t *llen, uint8_t *dlen)
{
    unsigned i;
    for (i = 0; i < FIXLCODES; i++)
        llen[i] = i < 144u ? 8 : i < 256u ? 9 : i < 280u ? 7 : 8;
    memset(dlen, 5, DISTS);
}

/* Writes in[block_start..end) as one block in its cheapest form and starts the next. */
static void flush_block(deflater *s, size_t end, bool last)
{
    block_code bc;
    dyn_header dh;
    uint8_t fllen[FIXLCODES], fdlen[DISTS];
    size_t span = end - s->block_start, stored_bits, fixed_bits, dyn_bits;
    bitwriter *w = &s->w;

    count_block(s, end, &bc);
    fixed_lengths(fllen, fdlen);
    huff_lengths(bc.lfreq, LITLEN, MAXBITS, bc.llen);
    huff_lengths(bc.dfreq, DISTS, MAXBITS, bc.dlen);

    /* The three block types share the 3-bit block header. */
    stored_bits = (8u - (w->n + 3u) % 8u) % 8u + 32u + 8u * span;
    fixed_bits = symbol_bits(&bc, fllen, fdlen);
    dyn_bits = dyn_header_bits(&bc, &dh) + symbol_bits(&bc, bc.llen, bc.dlen);

    if (stored_bits <= fixed_bits && stored_bits <= dyn_bits) {
        put_bits(w, last ? 1u : 0u, 3);
        align(w);
        put_bits(w, (uint32_t)span, 16);
        put_bits(w, (uint32_t)span ^ 0xFFFFu, 16);
        for (size_t i = 0; i < span; i++)
            put_byte(w, s->in[s->block_start + i]);
    } else if (fixed_bits <= dyn_bits) {
        memcpy(bc.llen, fllen, LITLEN);
        memcpy(bc.dlen, fdlen, DISTS);
        huff_codes(fllen, FIXLCODES, bc.lcode);
        huff_codes(bc.dlen, DISTS, bc.dcode);
        put_bits(w, (last ? 1u : 0u) | 1u << 1, 3);
        put_symbols(s, end, &bc);
    } else {
        huff_codes(bc.llen, LITLEN, bc.lcode);
        huff_codes(bc.dlen, DISTS, bc.dcode);
        put_bits(w, (last ? 1u : 0u) | 2u << 1, 3);
        put_dyn_header(w, &dh);
        put_symbols(s, end, &bc);
    }
    s->block_start = end;
    s->matches = 0;
}

/* A literal at p: only the block bound matters (the byte itself is read back from in). */
static void add_literal(deflater *s, size_t p)
{
    if (p + 1u - s->block_start > BLOCK_SPAN)
        flush_block(s, p, false);
}

static void add_match(deflater *s, size_t p, unsigned len, unsigned dist)
{
    if (s->matches == BLOCK_MATCHES || p + len - s->block_start > BLOCK_SPAN)
        flush_block(s, p, false);
    s->m_off[s->matches] = (uint16_t)(p - s->block_start);
    s->m_dist[s->matches] = (uint16_t)dist;
    s->m_len[s->matches] = (uint8_t)(len - MIN_MATCH);
    s->matches++;
}

/* LZ77 with lazy evaluation (zlib's deflate_slow): the match found at p - 1 (prev_len) is
 * written only if the one at p is not longer; otherwise in[p - 1] goes out as a literal. */
static void compress(deflater *s)
{
    size_t p = 0, q, end;
    unsigned prev_len = 0, prev_dist = 0, cur_len, cur_dist = 0;
    bool pending = false; /* in[p - 1] is not yet written */
    uint32_t cand;

    while (p < s->len) {
        cur_len = 0;
        if (p + MIN_MATCH <= s->len) {
            cand = insert(s, p);
            if (prev_len < MAX_LAZY)
                cur_len = longest_match(s, p, cand, prev_len, &cur_dist);
            if (cur_len == MIN_MATCH && cur_dist > TOO_FAR)
                cur_len = 0;
        }
        if (pending && prev_len >= MIN_MATCH && cur_len <= prev_len) {
            add_match(s, p - 1u, prev_len, prev_dist);
            /* p - 1 and p are in the chains; so must be the rest of the match. */
            end = p - 1u + prev_len;
            for (q = p + 1u; q < end && q + MIN_MATCH <= s->len; q++)
                (void)insert(s, q);
            p = end;
            pending = false;
            prev_len = 0;
        } else {
            if (pending)
                add_literal(s, p - 1u);
            pending = true;
            prev_len = cur_len;
            prev_dist = cur_dist;
            p++;
        }
        if (s->w.full)
            return; /* TOO_BIG already: no point in going on */
    }
    if (pending)
        add_literal(s, p - 1u);
    flush_block(s, s->len, true);
}

/* ---- CRC-32 ----------------------------------------------------------------------------- */

uint32_t ch_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    /* Four bits at a time: a 64-byte table (the same as src/util/inflate.c). */
    static const uint32_t tab[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
        0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
        0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
    size_t i;

    if (p == NULL)
        return crc;
    crc = ~crc;
    for (i = 0; i < n; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ tab[crc & 15u];
        crc = (crc >> 4) ^ tab[crc & 15u];
    }
    return ~crc;
}

/* ---- gzip member ------------------------------------------------------------------------ */

/* Over-long input (> CH_DEFLATE_MAX_IN) is refused as INVALID too; out is then untouched. */
size_t ch_deflate_work_size(void)
{
    return sizeof(deflater);
}

int ch_gzip_work(void *work, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                 size_t *out_len)
{
    /* ID1 ID2 CM=8 FLG=0, MTIME=0 (none: the output depends on the input alone), XFL=0,
     * OS=255 (unknown). */
    static const uint8_t header[GZIP_HEADER] = {0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF};
    deflater *s = work;
    unsigned i;

    if (work == NULL || out_len == NULL || (in == NULL && len != 0) ||
        (out == NULL && cap != 0) || len > CH_DEFLATE_MAX_IN)
        return CH_DEFLATE_INVALID;
    *out_len = 0;

    s->in = in;
    s->len = len;
    memset(s->head, 0, sizeof s->head);
    memset(s->prev, 0, sizeof s->prev);
    s->block_start = 0;
    s->matches = 0;
    s->w.out = out;
    s->w.cap = cap;
    s->w.pos = 0;
    s->w.bits = 0;
    s->w.n = 0;
    s->w.full = false;

    for (i = 0; i < GZIP_HEADER; i++)
        put_byte(&s->w, header[i]);
    if (!s->w.full)
        compress(s);
    align(&s->w);
    put_le32(&s->w, ch_crc32(0, in, len));
    put_le32(&s->w, (uint32_t)len); /* ISIZE: len <= CH_DEFLATE_MAX_IN < 2^32 */
    if (s->w.full) {
        ch_wipe(out, cap);
        return CH_DEFLATE_TOO_BIG;
    }
    *out_len = s->w.pos;
    return CH_DEFLATE_OK;
}

int ch_gzip(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    deflater s;
    return ch_gzip_work(&s, in, len, out, cap, out_len);
}
