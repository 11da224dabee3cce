/* Unit tests for the gzip writer (src/util/deflate.c).
 *
 * Every compressed result goes through check_member(): two independent readers (our own
 * ch_inflate_gzip and zlib, inflateInit2 with 31) must give back exactly the input, the header
 * is the documented one, the trailer holds zlib's CRC-32 and ISIZE, the same call with cap
 * exactly the output length gives the same bytes, and with one byte less it gives TOO_BIG
 * with out all zero. A small reader of the dynamic block header (below) lets the tests see
 * which block type was chosen and what codes it declares. zlib level 6 is the yardstick for
 * the compression ratio. OpenSSL makes a real certificate. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "deflate.h"
#include "inflate.h"

#define GZ_OVERHEAD 18u /* 10-byte header, 8-byte trailer */

/* ---- test data -------------------------------------------------------------------------- */

static uint32_t rng_state;
static void rng_seed(uint32_t s) { rng_state = s; }
static uint32_t rng_next(void)
{
    /* xorshift32: deterministic data, no wrap-around arithmetic */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static uint8_t *xmalloc(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    return p;
}

static uint8_t *random_bytes(size_t n, uint32_t seed)
{
    uint8_t *p = xmalloc(n);
    size_t i;
    rng_seed(seed);
    for (i = 0; i < n; i++)
        p[i] = (uint8_t)(rng_next() >> 24);
    return p;
}

/* English-like text: words from a small list with punctuation, lines of varying length. */
static uint8_t *text_bytes(size_t n, uint32_t seed)
{
    static const char *const words[] = {
        "certificate", "card", "the", "of", "and", "key", "signature", "authority",
        "issuer", "subject", "public", "private", "container", "minidriver", "a", "to",
        "is", "smart", "PIV", "object", "data", "with", "for", "in", "compressed"};
    uint8_t *p = xmalloc(n);
    size_t i = 0, w, k;
    const char *s;

    rng_seed(seed);
    while (i < n) {
        s = words[rng_next() % (sizeof words / sizeof words[0])];
        w = strlen(s);
        for (k = 0; k < w && i < n; k++)
            p[i++] = (uint8_t)s[k];
        if (i < n)
            p[i++] = (uint8_t)(rng_next() % 11 == 0 ? '\n' : rng_next() % 7 == 0 ? ',' : ' ');
    }
    return p;
}

/* A self-signed RSA-2048 certificate with the fields a PIV authentication certificate has. */
static uint8_t *certificate(size_t *len)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    X509 *x = X509_new();
    X509_NAME *name;
    X509V3_CTX ctx;
    X509_EXTENSION *ext;
    unsigned char *der = NULL;
    uint8_t *copy;
    static const char *const exts[][2] = {
        {"basicConstraints", "critical,CA:FALSE"},
        {"keyUsage", "critical,digitalSignature,keyEncipherment"},
        {"extendedKeyUsage", "clientAuth,1.3.6.1.4.1.311.20.2.2"},
        {"subjectKeyIdentifier", "hash"},
        {"subjectAltName", "email:alice.example@example.com,otherName:1.3.6.1.4.1.311.20.2.3;"
                           "UTF8:alice.example@example.com"},
        {"crlDistributionPoints", "URI:http://pki.example.com/crl/issuing-ca.crl"},
        {"authorityInfoAccess", "caIssuers;URI:http://pki.example.com/ca/issuing-ca.crt"},
    };
    static const char *const rdn[][2] = {
        {"C", "US"},          {"O", "Example Organisation"}, {"OU", "Smart Card Users"},
        {"CN", "Alice Example"}, {"emailAddress", "alice.example@example.com"}};
    size_t i;
    int n;

    assert_non_null(key);
    assert_non_null(x);
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 0x5A17C0DE), 1);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400L));
    name = X509_get_subject_name(x);
    for (i = 0; i < sizeof rdn / sizeof rdn[0]; i++)
        assert_int_equal(X509_NAME_add_entry_by_txt(name, rdn[i][0], MBSTRING_ASC,
                                                    (const unsigned char *)rdn[i][1], -1, -1,
                                                    0),
                         1);
    assert_int_equal(X509_set_issuer_name(x, name), 1);
    assert_int_equal(X509_set_pubkey(x, key), 1);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    for (i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        ext = X509V3_EXT_conf(NULL, &ctx, exts[i][0], exts[i][1]);
        assert_non_null(ext);
        assert_int_equal(X509_add_ext(x, ext, -1), 1);
        X509_EXTENSION_free(ext);
    }
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    n = i2d_X509(x, &der);
    assert_true(n > 0);
    *len = (size_t)n;
    copy = xmalloc(*len);
    memcpy(copy, der, *len);
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(key);
    return copy;
}

/* ---- zlib ------------------------------------------------------------------------------- */

/* zlib's gzip output size at level 6 (the yardstick for the ratio). */
static size_t zlib_gzip_size(const uint8_t *in, size_t n)
{
    z_stream s;
    uint8_t *out;
    size_t cap, total;

    memset(&s, 0, sizeof s);
    assert_int_equal(deflateInit2(&s, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    cap = deflateBound(&s, (uLong)n) + 64;
    out = xmalloc(cap);
    s.next_in = (Bytef *)(uintptr_t)in;
    s.avail_in = (uInt)n;
    s.next_out = out;
    s.avail_out = (uInt)cap;
    assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
    total = s.total_out;
    assert_int_equal(deflateEnd(&s), Z_OK);
    free(out);
    return total;
}

/* zlib must read the member back as exactly in[0..n), consuming all of it. */
static void zlib_reads_back(const uint8_t *gz, size_t gz_len, const uint8_t *in, size_t n)
{
    z_stream s;
    uint8_t *out = xmalloc(n + 1);
    int ret;

    memset(&s, 0, sizeof s);
    assert_int_equal(inflateInit2(&s, 31), Z_OK);
    s.next_in = (Bytef *)(uintptr_t)gz;
    s.avail_in = (uInt)gz_len;
    s.next_out = out;
    s.avail_out = (uInt)(n + 1);
    ret = inflate(&s, Z_FINISH);
    assert_int_equal(ret, Z_STREAM_END);
    assert_int_equal(s.avail_in, 0);
    assert_int_equal(s.total_out, n);
    if (n)
        assert_memory_equal(out, in, n);
    inflateEnd(&s);
    free(out);
}

/* ---- a reader of block headers ---------------------------------------------------------- */

typedef struct bitreader {
    const uint8_t *p;
    size_t len, bitpos;
} bitreader;

static unsigned get(bitreader *r, unsigned n)
{
    unsigned v = 0, i;
    for (i = 0; i < n; i++, r->bitpos++) {
        assert_true(r->bitpos / 8 < r->len);
        v |= (unsigned)((r->p[r->bitpos / 8] >> (r->bitpos % 8)) & 1u) << i;
    }
    return v;
}

/* Decodes one symbol of the canonical code with lengths len[0..n) (slow and simple). */
static unsigned decode_sym(bitreader *r, const uint8_t *len, unsigned n)
{
    unsigned code = 0, bits, sym, next, count[16] = {0}, first[16];

    for (sym = 0; sym < n; sym++)
        count[len[sym]]++;
    count[0] = 0;
    first[0] = 0;
    for (bits = 1; bits < 16; bits++)
        first[bits] = (first[bits - 1] + count[bits - 1]) << 1;
    for (bits = 1; bits < 16; bits++) {
        code = code << 1 | get(r, 1);
        next = first[bits];
        for (sym = 0; sym < n; sym++)
            if (len[sym] == bits && next++ == code)
                return sym;
    }
    fail_msg("no code");
    return 0;
}

/* Kraft sum of the lengths, scaled by 2^15: 32768 for a complete code. */
static unsigned kraft(const uint8_t *len, unsigned n)
{
    unsigned sum = 0, i;
    for (i = 0; i < n; i++)
        if (len[i])
            sum += 1u << (15 - len[i]);
    return sum;
}

typedef struct first_block {
    unsigned type, nlit, ndist;
    uint8_t litlen[286], distlen[30];
} first_block;

/* The type of the member's first block and, if it is dynamic, the codes it declares. */
static void read_first_block(const uint8_t *gz, size_t gz_len, first_block *b)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5,
                                      11, 4,  12, 3, 13, 2, 14, 1, 15};
    bitreader r = {gz + 10, gz_len - 10, 0};
    uint8_t cl[19] = {0}, lens[316];
    unsigned nclen, i, sym, rep;

    memset(b, 0, sizeof *b);
    (void)get(&r, 1);
    b->type = get(&r, 2);
    if (b->type != 2)
        return;
    b->nlit = get(&r, 5) + 257;
    b->ndist = get(&r, 5) + 1;
    nclen = get(&r, 4) + 4;
    for (i = 0; i < nclen; i++)
        cl[order[i]] = (uint8_t)get(&r, 3);
    assert_int_equal(kraft(cl, 19), 32768); /* complete, as zlib requires */
    for (i = 0; i < b->nlit + b->ndist;) {
        sym = decode_sym(&r, cl, 19);
        if (sym < 16) {
            lens[i++] = (uint8_t)sym;
            continue;
        }
        rep = sym == 16 ? get(&r, 2) + 3 : sym == 17 ? get(&r, 3) + 3 : get(&r, 7) + 11;
        assert_true(sym != 16 || i > 0);
        assert_true(i + rep <= b->nlit + b->ndist);
        memset(lens + i, sym == 16 ? lens[i - 1] : 0, rep);
        i += rep;
    }
    memcpy(b->litlen, lens, b->nlit);
    memcpy(b->distlen, lens + b->nlit, b->ndist);
}

static unsigned max_len(const uint8_t *len, unsigned n)
{
    unsigned m = 0, i;
    for (i = 0; i < n; i++)
        m = len[i] > m ? len[i] : m;
    return m;
}

/* ---- the writer under test -------------------------------------------------------------- */

static void assert_all_zero(const uint8_t *p, size_t n)
{
    uint8_t any = 0;
    size_t i;
    for (i = 0; i < n; i++)
        any |= p[i];
    assert_int_equal(any, 0);
}

/* ch_gzip into an exact-size heap buffer (ASan sees any write past cap). */
static int gzip_cap(const uint8_t *in, size_t n, size_t cap, uint8_t **out, size_t *out_len)
{
    int rc;
    *out = cap ? xmalloc(cap) : NULL;
    if (cap)
        memset(*out, 0xA5, cap);
    *out_len = 0xDEAD;
    rc = ch_gzip(in, n, *out, cap, out_len);
    if (rc == CH_DEFLATE_TOO_BIG) {
        assert_int_equal(*out_len, 0);
        assert_all_zero(*out, cap);
    }
    return rc;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Compresses in[0..n) and checks everything a member must satisfy (see the top). Returns the
 * member (caller frees) and its length. */
static uint8_t *check_member(const uint8_t *in, size_t n, size_t *gz_len)
{
    static const uint8_t header[10] = {0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF};
    uint8_t *gz, *exact, *less, *back;
    size_t len, exact_len, less_len, back_len;

    /* Room to spare: n + 5 bytes per 4096 (the least a block spans) + the wrapper. */
    assert_int_equal(gzip_cap(in, n, n + 5 * (n / 4096 + 1) + GZ_OVERHEAD + 16, &gz, &len),
                     CH_DEFLATE_OK);
    assert_true(len >= GZ_OVERHEAD + 2);
    assert_memory_equal(gz, header, sizeof header);
    assert_int_equal(le32(gz + len - 8), (uint32_t)crc32(0L, in, (uInt)n));
    assert_int_equal(le32(gz + len - 4), (uint32_t)n);

    /* Two readers. */
    back = n ? xmalloc(n) : NULL;
    back_len = 0xDEAD;
    assert_int_equal(ch_inflate_gzip(gz, len, back, n, &back_len), CH_INFLATE_OK);
    assert_int_equal(back_len, n);
    if (n)
        assert_memory_equal(back, in, n);
    free(back);
    zlib_reads_back(gz, len, in, n);

    /* The output depends on the input alone; cap only decides whether it fits. */
    assert_int_equal(gzip_cap(in, n, len, &exact, &exact_len), CH_DEFLATE_OK);
    assert_int_equal(exact_len, len);
    assert_memory_equal(exact, gz, len);
    assert_int_equal(gzip_cap(in, n, len - 1, &less, &less_len), CH_DEFLATE_TOO_BIG);
    free(exact);
    free(less);
    *gz_len = len;
    return gz;
}

static size_t round_trip(const uint8_t *in, size_t n)
{
    size_t len;
    free(check_member(in, n, &len));
    return len;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_crc32_vectors(void **state)
{
    static const uint8_t check[] = "123456789";
    uint8_t *r = random_bytes(1000, 7);
    (void)state;

    assert_int_equal(ch_crc32(0, check, 9), 0xCBF43926u);
    assert_int_equal(ch_crc32(0, NULL, 0), 0);
    assert_int_equal(ch_crc32(0, (const uint8_t *)"a", 1), 0xE8B7BE43u);
    assert_int_equal(ch_crc32(0, r, 1000), (uint32_t)crc32(0L, r, 1000));
    /* continuation: in two pieces as in one */
    assert_int_equal(ch_crc32(ch_crc32(0, r, 333), r + 333, 667), ch_crc32(0, r, 1000));
    free(r);
}

static void test_invalid_arguments(void **state)
{
    uint8_t in[4] = {1, 2, 3, 4}, out[64];
    size_t len = 77;
    (void)state;

    memset(out, 0xA5, sizeof out);
    assert_int_equal(ch_gzip(NULL, 1, out, sizeof out, &len), CH_DEFLATE_INVALID);
    assert_int_equal(ch_gzip(in, 4, NULL, 64, &len), CH_DEFLATE_INVALID);
    assert_int_equal(ch_gzip(in, 4, out, sizeof out, NULL), CH_DEFLATE_INVALID);
    /* longer than CH_DEFLATE_MAX_IN: refused before any byte is read */
    assert_int_equal(ch_gzip(in, (size_t)CH_DEFLATE_MAX_IN + 1u, out, sizeof out, &len),
                     CH_DEFLATE_INVALID);
    assert_int_equal(len, 77);
    assert_int_equal(out[0], 0xA5); /* untouched */
    assert_int_equal(out[63], 0xA5);
    /* no room at all */
    assert_int_equal(ch_gzip(in, 4, NULL, 0, &len), CH_DEFLATE_TOO_BIG);
    assert_int_equal(len, 0);
}

static void test_empty_and_tiny(void **state)
{
    static const uint8_t one[1] = {'x'};
    uint8_t *gz;
    size_t len;
    first_block b;
    (void)state;

    /* empty: one empty fixed block (10 bits) between header and trailer */
    gz = check_member(NULL, 0, &len);
    assert_int_equal(len, GZ_OVERHEAD + 2);
    read_first_block(gz, len, &b);
    assert_int_equal(b.type, 1);
    free(gz);
    gz = check_member(one, 1, &len);
    assert_true(len <= GZ_OVERHEAD + 3);
    free(gz);
    /* fixed code: 3 + 8 + 8 + 7 bits, then 3 + 8 + (7 + 5) + 7 bits (literal and a match) */
    assert_int_equal(round_trip((const uint8_t *)"aa", 2), GZ_OVERHEAD + 4);
    assert_int_equal(round_trip((const uint8_t *)"aaaa", 4), GZ_OVERHEAD + 4);
    round_trip((const uint8_t *)"abcabcabcabc", 12);
}

static void test_all_byte_values(void **state)
{
    uint8_t all[256 * 4];
    size_t i;
    (void)state;

    for (i = 0; i < sizeof all; i++)
        all[i] = (uint8_t)(i & 0xFFu);
    round_trip(all, 256);
    /* the next three copies are one match each (distance 256) */
    assert_true(round_trip(all, sizeof all) < 256 + 64);
    for (i = 0; i < sizeof all; i++)
        all[i] = (uint8_t)(255u - (i * 7u & 0xFFu));
    round_trip(all, sizeof all);
}

static void test_runs(void **state)
{
    uint8_t *run = xmalloc(1u << 20);
    uint8_t *gz;
    size_t len;
    first_block b;
    (void)state;

    memset(run, 'A', 1u << 20);
    assert_true(round_trip(run, 1024) < 40);
    assert_int_equal(round_trip(run, 3), GZ_OVERHEAD + 5); /* 3 literals, fixed code */
    assert_true(round_trip(run, 259) < 32);
    /* 1 MiB of one byte: dynamic blocks whose distance code has one used symbol (and a second,
     * unused one, so that the code is complete) */
    memset(run, 0, 1u << 20);
    gz = check_member(run, 1u << 20, &len);
    assert_true(len < 2 * zlib_gzip_size(run, 1u << 20));
    read_first_block(gz, len, &b);
    assert_int_equal(b.type, 2);
    assert_int_equal(kraft(b.litlen, b.nlit), 32768);
    assert_int_equal(kraft(b.distlen, b.ndist), 32768);
    assert_int_equal(b.distlen[0], 1);
    free(gz);
    free(run);
}

static void test_random_data_is_stored(void **state)
{
    static const size_t sizes[] = {1, 100, 4096, 65535, 65536, 100000, 1u << 20};
    size_t i, n, len, blocks;
    uint8_t *r, *gz;
    first_block b;
    (void)state;

    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        n = sizes[i];
        r = random_bytes(n, (uint32_t)(0x1234u + i));
        gz = check_member(r, n, &len);
        blocks = n / 65535 + 1;
        /* 5 bytes per stored block (header bits, LEN, NLEN) and the gzip wrapper */
        assert_true(len <= n + 5 * blocks + GZ_OVERHEAD);
        if (n >= 100) {
            read_first_block(gz, len, &b);
            assert_int_equal(b.type, 0);
        }
        free(gz);
        free(r);
    }
}

static void test_text(void **state)
{
    uint8_t *t = text_bytes(200000, 99);
    size_t n, len, z;
    (void)state;

    for (n = 1000; n <= 200000; n *= 10) {
        len = round_trip(t, n);
        z = zlib_gzip_size(t, n);
        print_message("text %zu bytes: %zu (zlib -6: %zu)\n", n, len, z);
        assert_true(len < n / 2);
        assert_true(len <= z + z / 10 + 16); /* within 10% of zlib -6 */
    }
    len = round_trip(t, 200000);
    z = zlib_gzip_size(t, 200000);
    assert_true(len <= z + z / 10 + 16);
    free(t);
}

static void test_certificate(void **state)
{
    size_t n, len, z;
    uint8_t *der = certificate(&n);
    (void)state;

    len = round_trip(der, n);
    z = zlib_gzip_size(der, n);
    print_message("certificate %zu bytes: gzip %zu (zlib -6: %zu)\n", n, len, z);
    assert_true(len < n);
    assert_true(len <= z + z / 10 + 8);
    free(der);
}

/* Sizes and distances at the edges: the 32 KiB window, the 65535-byte block span, the block
 * that is cut because it holds BLOCK_MATCHES matches. */
static void test_boundaries(void **state)
{
    static const size_t sizes[] = {32767, 32768, 32769, 65534, 65535, 65536, 65537,
                                   98303, 131070, 131071, 131072, 196609};
    uint8_t *r = random_bytes(200000, 5), *t = text_bytes(200000, 6), *m = xmalloc(200000);
    uint8_t *two = xmalloc(2 * 32769 + 16);
    size_t i;
    (void)state;

    /* bytes from a 4-letter alphabet: thousands of short matches per 64 KiB */
    for (i = 0; i < 200000; i++)
        m[i] = (uint8_t)("ACGT"[r[i] & 3u]);
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        round_trip(r, sizes[i]);
        round_trip(t, sizes[i]);
        round_trip(m, sizes[i]);
    }
    /* random 32768 bytes twice: the second copy is distance 32768, the farthest there is */
    memcpy(two, r, 32768);
    memcpy(two + 32768, r, 32768);
    assert_true(round_trip(two, 65536) < 32768 + 600);
    /* random 32769 bytes twice: one too far; the copy cannot be used */
    memcpy(two, r, 32769);
    memcpy(two + 32769, r, 32769);
    assert_true(round_trip(two, 2 * 32769) > 2 * 32769 - 64);
    free(r);
    free(t);
    free(m);
    free(two);
}

/* Every literal/length symbol and every distance code in one dynamic block. */
static void test_every_symbol(void **state)
{
    static const uint16_t len_base[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                          15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                          67, 83, 99, 115, 131, 163, 195, 227, 258};
    static const uint16_t dist_base[30] = {1,     2,     3,    4,    5,    7,    9,    13,
                                           17,    25,    33,   49,   65,   97,   129,  193,
                                           257,   385,   513,  769,  1025, 1537, 2049, 3073,
                                           4097,  6145,  8193, 12289, 16385, 24577};
    size_t cap = 60000, n = 30000, i, c, k, len, src, dist;
    uint8_t *d = random_bytes(cap, 11), *gz;
    first_block b;
    (void)state;

    /* 30000 random bytes (every byte value), then copies of 8 bytes at each distance code,
     * farthest first, each after fresh random bytes (as many as the distance, up to 256, so
     * that a near source is fresh too and a far one lies in the random prefix: no copy has a
     * nearer source), then copies of each length code from a stretch of the random prefix,
     * three times over. Each copy is followed by a byte that breaks the match. */
    for (k = 30; k > 0; k--) {
        dist = dist_base[k - 1];
        for (i = 0; i < (dist < 4 || dist > 256 ? 4u : dist); i++)
            d[n++] = (uint8_t)(rng_next() >> 24);
        for (i = 0; i < 8; i++)
            d[n + i] = d[n + i - dist];
        d[n + 8] = (uint8_t)(d[n + 8 - dist] ^ 0x55u);
        n += 9;
    }
    for (k = 0; k < 3; k++)
        for (c = 0; c < 29; c++) {
            src = 1000 + 9000 * k + 300 * c; /* its own source: no longer match nearer */
            for (i = 0; i < len_base[c]; i++)
                d[n + i] = d[src + i];
            d[n + len_base[c]] = (uint8_t)(d[src + len_base[c]] ^ 0x55u);
            n += len_base[c] + 1u;
        }
    assert_true(n < cap);
    gz = check_member(d, n, &len);
    read_first_block(gz, len, &b);
    assert_int_equal(b.type, 2);
    assert_int_equal(b.nlit, 286);
    assert_int_equal(b.ndist, 30);
    for (i = 0; i < 286; i++)
        assert_true(b.litlen[i] != 0);
    for (i = 0; i < 30; i++)
        if (b.distlen[i] == 0)
            fail_msg("distance code %zu unused", i);
    assert_int_equal(kraft(b.litlen, 286), 32768);
    assert_int_equal(kraft(b.distlen, 30), 32768);
    free(gz);
    free(d);
}

/* Depth of a Huffman tree for w[0..n) (n <= 300), made the textbook way: merge the two
 * lightest, n - 1 times. */
static unsigned huffman_depth(const uint32_t *w, unsigned n)
{
    uint32_t wt[300];
    unsigned dp[300], i, a, b, m = n;

    assert_true(n >= 2 && n <= 300);
    for (i = 0; i < n; i++) {
        wt[i] = w[i];
        dp[i] = 0;
    }
    while (m > 1) {
        a = 0;
        for (i = 1; i < m; i++)
            if (wt[i] < wt[a])
                a = i;
        b = a == 0 ? 1 : 0;
        for (i = 0; i < m; i++)
            if (i != a && wt[i] < wt[b])
                b = i;
        wt[a] += wt[b];
        dp[a] = (dp[a] > dp[b] ? dp[a] : dp[b]) + 1;
        wt[b] = wt[m - 1];
        dp[b] = dp[m - 1];
        m--;
    }
    return dp[0];
}

/* A literal distribution whose Huffman code is deeper than 15 bits: byte values 0..13 with
 * Fibonacci counts 1, 2, 3, 5, ... 610 (with end-of-block's 1 they make a chain) and 150 more
 * with 300 each, in an order where no 3 bytes repeat (no match: every byte is a literal).
 * The code must be cut to 15 bits and stay complete. */
static void test_length_limit(void **state)
{
    uint32_t count[256] = {0}, w[257], total = 0, r;
    uint8_t *d, *seen = calloc(1u << 21, 1), *gz;
    size_t n, i, len, tries;
    unsigned c, nsym = 0;
    uint32_t g;
    first_block b;
    (void)state;

    assert_non_null(seen);
    count[0] = 1;
    count[1] = 2;
    for (c = 2; c < 14; c++)
        count[c] = count[c - 1] + count[c - 2];
    for (c = 14; c < 164; c++)
        count[c] = 300;
    for (c = 0; c < 256; c++) {
        total += count[c];
        if (count[c])
            w[nsym++] = count[c];
    }
    w[nsym++] = 1; /* end of block */
    assert_true(huffman_depth(w, nsym) > 15);

    /* Draw bytes by their remaining counts, redrawing any that would repeat a 3-gram. */
    n = total;
    d = xmalloc(n);
    rng_seed(3);
    for (i = 0; i < n; i++) {
        for (tries = 0;; tries++) {
            assert_true(tries < 1000);
            r = rng_next() % total;
            for (c = 0; r >= count[c]; c++)
                r -= count[c];
            if (i < 2)
                break;
            g = (uint32_t)d[i - 2] << 16 | (uint32_t)d[i - 1] << 8 | c;
            if (!(seen[g >> 3] & (1u << (g & 7u)))) {
                seen[g >> 3] = (uint8_t)(seen[g >> 3] | (1u << (g & 7u)));
                break;
            }
        }
        d[i] = (uint8_t)c;
        count[c]--;
        total--;
    }

    gz = check_member(d, n, &len);
    read_first_block(gz, len, &b);
    assert_int_equal(b.type, 2);
    assert_int_equal(max_len(b.litlen, b.nlit), 15);
    assert_int_equal(kraft(b.litlen, b.nlit), 32768);
    free(gz);
    free(d);
    free(seen);
}

/* Mixed content: block types change from block to block. */
static void test_mixed(void **state)
{
    size_t n = 0, len;
    uint8_t *d = xmalloc(400000), *r = random_bytes(100000, 21), *t = text_bytes(100000, 22);
    (void)state;

    memcpy(d + n, t, 70000);
    n += 70000;
    memcpy(d + n, r, 100000);
    n += 100000;
    memset(d + n, 0xFF, 70000);
    n += 70000;
    memcpy(d + n, t + 1000, 50000);
    n += 50000;
    memcpy(d + n, r + 7, 30000);
    n += 30000;
    len = round_trip(d, n);
    assert_true(len < 130000 + 40000);
    free(d);
    free(r);
    free(t);
}

/* The caller's work area (how the card module compresses, off the stack) gives the very
 * bytes ch_gzip gives; a work area reused for a second input carries nothing over; no work
 * area is refused with the output untouched. */
static void test_caller_work_area(void **state)
{
    uint8_t *t = text_bytes(20000, 31), *r = random_bytes(5000, 32);
    size_t cap = 40000, a_len = 0, b_len = 0;
    uint8_t *a = xmalloc(cap), *b = xmalloc(cap), *work = xmalloc(ch_deflate_work_size());
    (void)state;

    assert_true(ch_deflate_work_size() >= 64u * 1024u);
    memset(work, 0xA5, ch_deflate_work_size());
    assert_int_equal(ch_gzip_work(work, r, 5000, b, cap, &b_len), CH_DEFLATE_OK);
    assert_int_equal(ch_gzip_work(work, t, 20000, a, cap, &a_len), CH_DEFLATE_OK);
    assert_int_equal(ch_gzip(t, 20000, b, cap, &b_len), CH_DEFLATE_OK);
    assert_int_equal(a_len, b_len);
    assert_memory_equal(a, b, a_len);
    memset(b, 0x5A, cap);
    b_len = 7;
    assert_int_equal(ch_gzip_work(NULL, t, 20000, b, cap, &b_len), CH_DEFLATE_INVALID);
    assert_int_equal(b_len, 7);
    assert_int_equal(b[0], 0x5A);
    free(a);
    free(b);
    free(work);
    free(t);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_vectors),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_empty_and_tiny),
        cmocka_unit_test(test_all_byte_values),
        cmocka_unit_test(test_runs),
        cmocka_unit_test(test_random_data_is_stored),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_certificate),
        cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_every_symbol),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_mixed),
        cmocka_unit_test(test_caller_work_area),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
