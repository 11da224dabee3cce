/* SHA-1, SHA-256, SHA-384, SHA-512 (FIPS 180-4) and HMAC (RFC 2104).
 *
 * Portable: words are loaded and stored big-endian with byte shifts (never by casting a byte
 * pointer), so alignment and host byte order do not matter. No heap. The sums of the rounds
 * wrap modulo 2^32 / 2^64 on purpose; the sanitizer build traps on unsigned wrap-around, so
 * every such sum goes through add32 (computed in 64 bits and truncated by a cast) or add64
 * (two 32-bit halves with the carry moved by hand). The message schedules and working
 * variables may hold secret data (an HMAC key pad, an ECDH shared secret fed to a KDF): they
 * are wiped after each block, and every context is wiped by its final call. */
#include "sha.h"

#include <string.h>

#include "wipe.h"

/* ---- word helpers ---------------------------------------------------------------------- */

static uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t load_be64(const uint8_t *p)
{
    return (uint64_t)load_be32(p) << 32 | (uint64_t)load_be32(p + 4);
}

static void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void store_be64(uint8_t *p, uint64_t v)
{
    store_be32(p, (uint32_t)(v >> 32));
    store_be32(p + 4, (uint32_t)v);
}

/* n in 1..31 / 1..63: both shifts stay below the word width. */
static uint32_t rotl32(uint32_t x, unsigned n) { return x << n | x >> (32u - n); }
static uint32_t rotr32(uint32_t x, unsigned n) { return x >> n | x << (32u - n); }
static uint64_t rotr64(uint64_t x, unsigned n) { return x >> n | x << (64u - n); }

/* Sums modulo 2^32 of up to five words: the 64-bit sum cannot wrap, the cast truncates. */
static uint32_t add32(uint32_t a, uint32_t b) { return (uint32_t)((uint64_t)a + b); }

/* Sum modulo 2^64 without an operation that wraps: halves of 32 bits, carry moved by hand,
 * the high half's carry out shifted away (a shift, not an arithmetic overflow). */
static uint64_t add64(uint64_t a, uint64_t b)
{
    uint64_t lo = (a & 0xFFFFFFFFu) + (b & 0xFFFFFFFFu);
    uint64_t hi = (a >> 32) + (b >> 32) + (lo >> 32);
    return (hi & 0xFFFFFFFFu) << 32 | (lo & 0xFFFFFFFFu);
}

/* ---- SHA-1 ----------------------------------------------------------------------------- */

static void sha1_block(uint32_t h[5], const uint8_t *p)
{
    uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f, k, t;
    unsigned i;

    for (i = 0; i < 16; i++)
        w[i] = load_be32(p + (size_t)4u * i);
    for (i = 0; i < 80; i++) {
        if (i >= 16)
            w[i & 15] = rotl32(w[(i - 3) & 15] ^ w[(i - 8) & 15] ^ w[(i - 14) & 15] ^ w[i & 15],
                               1);
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5A827999u;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ED9EBA1u;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8F1BBCDCu;
        } else {
            f = b ^ c ^ d;
            k = 0xCA62C1D6u;
        }
        t = (uint32_t)((uint64_t)rotl32(a, 5) + f + e + k + w[i & 15]);
        e = d;
        d = c;
        c = rotl32(b, 30);
        b = a;
        a = t;
    }
    h[0] = add32(h[0], a);
    h[1] = add32(h[1], b);
    h[2] = add32(h[2], c);
    h[3] = add32(h[3], d);
    h[4] = add32(h[4], e);
    ch_wipe(w, sizeof w);
}

/* ---- SHA-256 --------------------------------------------------------------------------- */

/* First 32 bits of the fractional parts of the cube roots of the first 64 primes. */
static const uint32_t K256[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u,
    0x923f82a4u, 0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u,
    0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u,
    0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u,
    0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u,
    0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au,
    0x5b9cca4fu, 0x682e6ff3u, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
    0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[16], v[8], s0, s1, t1, t2;
    unsigned i, j;

    for (i = 0; i < 16; i++)
        w[i] = load_be32(p + (size_t)4u * i);
    for (j = 0; j < 8; j++)
        v[j] = h[j];
    for (i = 0; i < 64; i++) {
        if (i >= 16) {
            s0 = rotr32(w[(i - 15) & 15], 7) ^ rotr32(w[(i - 15) & 15], 18) ^
                 w[(i - 15) & 15] >> 3;
            s1 = rotr32(w[(i - 2) & 15], 17) ^ rotr32(w[(i - 2) & 15], 19) ^
                 w[(i - 2) & 15] >> 10;
            w[i & 15] = (uint32_t)((uint64_t)w[i & 15] + s0 + w[(i - 7) & 15] + s1);
        }
        s1 = rotr32(v[4], 6) ^ rotr32(v[4], 11) ^ rotr32(v[4], 25);
        t1 = (uint32_t)((uint64_t)v[7] + s1 + ((v[4] & v[5]) ^ (~v[4] & v[6])) + K256[i] +
                        w[i & 15]);
        s0 = rotr32(v[0], 2) ^ rotr32(v[0], 13) ^ rotr32(v[0], 22);
        t2 = add32(s0, (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        v[7] = v[6];
        v[6] = v[5];
        v[5] = v[4];
        v[4] = add32(v[3], t1);
        v[3] = v[2];
        v[2] = v[1];
        v[1] = v[0];
        v[0] = add32(t1, t2);
    }
    for (j = 0; j < 8; j++)
        h[j] = add32(h[j], v[j]);
    ch_wipe(w, sizeof w);
    ch_wipe(v, sizeof v);
}

/* ---- SHA-512 (and SHA-384) ------------------------------------------------------------- */

/* First 64 bits of the fractional parts of the cube roots of the first 80 primes. */
static const uint64_t K512[80] = {
    UINT64_C(0x428a2f98d728ae22), UINT64_C(0x7137449123ef65cd), UINT64_C(0xb5c0fbcfec4d3b2f),
    UINT64_C(0xe9b5dba58189dbbc), UINT64_C(0x3956c25bf348b538), UINT64_C(0x59f111f1b605d019),
    UINT64_C(0x923f82a4af194f9b), UINT64_C(0xab1c5ed5da6d8118), UINT64_C(0xd807aa98a3030242),
    UINT64_C(0x12835b0145706fbe), UINT64_C(0x243185be4ee4b28c), UINT64_C(0x550c7dc3d5ffb4e2),
    UINT64_C(0x72be5d74f27b896f), UINT64_C(0x80deb1fe3b1696b1), UINT64_C(0x9bdc06a725c71235),
    UINT64_C(0xc19bf174cf692694), UINT64_C(0xe49b69c19ef14ad2), UINT64_C(0xefbe4786384f25e3),
    UINT64_C(0x0fc19dc68b8cd5b5), UINT64_C(0x240ca1cc77ac9c65), UINT64_C(0x2de92c6f592b0275),
    UINT64_C(0x4a7484aa6ea6e483), UINT64_C(0x5cb0a9dcbd41fbd4), UINT64_C(0x76f988da831153b5),
    UINT64_C(0x983e5152ee66dfab), UINT64_C(0xa831c66d2db43210), UINT64_C(0xb00327c898fb213f),
    UINT64_C(0xbf597fc7beef0ee4), UINT64_C(0xc6e00bf33da88fc2), UINT64_C(0xd5a79147930aa725),
    UINT64_C(0x06ca6351e003826f), UINT64_C(0x142929670a0e6e70), UINT64_C(0x27b70a8546d22ffc),
    UINT64_C(0x2e1b21385c26c926), UINT64_C(0x4d2c6dfc5ac42aed), UINT64_C(0x53380d139d95b3df),
    UINT64_C(0x650a73548baf63de), UINT64_C(0x766a0abb3c77b2a8), UINT64_C(0x81c2c92e47edaee6),
    UINT64_C(0x92722c851482353b), UINT64_C(0xa2bfe8a14cf10364), UINT64_C(0xa81a664bbc423001),
    UINT64_C(0xc24b8b70d0f89791), UINT64_C(0xc76c51a30654be30), UINT64_C(0xd192e819d6ef5218),
    UINT64_C(0xd69906245565a910), UINT64_C(0xf40e35855771202a), UINT64_C(0x106aa07032bbd1b8),
    UINT64_C(0x19a4c116b8d2d0c8), UINT64_C(0x1e376c085141ab53), UINT64_C(0x2748774cdf8eeb99),
    UINT64_C(0x34b0bcb5e19b48a8), UINT64_C(0x391c0cb3c5c95a63), UINT64_C(0x4ed8aa4ae3418acb),
    UINT64_C(0x5b9cca4f7763e373), UINT64_C(0x682e6ff3d6b2b8a3), UINT64_C(0x748f82ee5defb2fc),
    UINT64_C(0x78a5636f43172f60), UINT64_C(0x84c87814a1f0ab72), UINT64_C(0x8cc702081a6439ec),
    UINT64_C(0x90befffa23631e28), UINT64_C(0xa4506cebde82bde9), UINT64_C(0xbef9a3f7b2c67915),
    UINT64_C(0xc67178f2e372532b), UINT64_C(0xca273eceea26619c), UINT64_C(0xd186b8c721c0c207),
    UINT64_C(0xeada7dd6cde0eb1e), UINT64_C(0xf57d4f7fee6ed178), UINT64_C(0x06f067aa72176fba),
    UINT64_C(0x0a637dc5a2c898a6), UINT64_C(0x113f9804bef90dae), UINT64_C(0x1b710b35131c471b),
    UINT64_C(0x28db77f523047d84), UINT64_C(0x32caab7b40c72493), UINT64_C(0x3c9ebe0a15c9bebc),
    UINT64_C(0x431d67c49c100d4c), UINT64_C(0x4cc5d4becb3e42b6), UINT64_C(0x597f299cfc657e2a),
    UINT64_C(0x5fcb6fab3ad6faec), UINT64_C(0x6c44198c4a475817),
};

static void sha512_block(uint64_t h[8], const uint8_t *p)
{
    uint64_t w[16], v[8], s0, s1, t1, t2;
    unsigned i, j;

    for (i = 0; i < 16; i++)
        w[i] = load_be64(p + (size_t)8u * i);
    for (j = 0; j < 8; j++)
        v[j] = h[j];
    for (i = 0; i < 80; i++) {
        if (i >= 16) {
            s0 = rotr64(w[(i - 15) & 15], 1) ^ rotr64(w[(i - 15) & 15], 8) ^
                 w[(i - 15) & 15] >> 7;
            s1 = rotr64(w[(i - 2) & 15], 19) ^ rotr64(w[(i - 2) & 15], 61) ^
                 w[(i - 2) & 15] >> 6;
            w[i & 15] = add64(add64(w[i & 15], s0), add64(w[(i - 7) & 15], s1));
        }
        s1 = rotr64(v[4], 14) ^ rotr64(v[4], 18) ^ rotr64(v[4], 41);
        t1 = add64(add64(v[7], s1), add64((v[4] & v[5]) ^ (~v[4] & v[6]),
                                          add64(K512[i], w[i & 15])));
        s0 = rotr64(v[0], 28) ^ rotr64(v[0], 34) ^ rotr64(v[0], 39);
        t2 = add64(s0, (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        v[7] = v[6];
        v[6] = v[5];
        v[5] = v[4];
        v[4] = add64(v[3], t1);
        v[3] = v[2];
        v[2] = v[1];
        v[1] = v[0];
        v[0] = add64(t1, t2);
    }
    for (j = 0; j < 8; j++)
        h[j] = add64(h[j], v[j]);
    ch_wipe(w, sizeof w);
    ch_wipe(v, sizeof v);
}

/* ---- the common streaming frame -------------------------------------------------------- */

size_t ch_hash_len(ch_hash_alg alg)
{
    switch (alg) {
    case CH_HASH_SHA1:
        return 20;
    case CH_HASH_SHA256:
        return 32;
    case CH_HASH_SHA384:
        return 48;
    case CH_HASH_SHA512:
        return 64;
    default:
        return 0;
    }
}

size_t ch_hash_block(ch_hash_alg alg)
{
    switch (alg) {
    case CH_HASH_SHA1:
    case CH_HASH_SHA256:
        return 64;
    case CH_HASH_SHA384:
    case CH_HASH_SHA512:
        return 128;
    default:
        return 0;
    }
}

int ch_hash_init(ch_hash_ctx *c, ch_hash_alg alg)
{
    static const uint32_t iv1[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u,
                                    0xC3D2E1F0u};
    /* Fractional parts of the square roots of the first 8 primes (SHA-256/512) and of the
     * 9th to 16th primes (SHA-384). */
    static const uint32_t iv256[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                      0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
    static const uint64_t iv384[8] = {
        UINT64_C(0xcbbb9d5dc1059ed8), UINT64_C(0x629a292a367cd507), UINT64_C(0x9159015a3070dd17),
        UINT64_C(0x152fecd8f70e5939), UINT64_C(0x67332667ffc00b31), UINT64_C(0x8eb44a8768581511),
        UINT64_C(0xdb0c2e0d64f98fa7), UINT64_C(0x47b5481dbefa4fa4)};
    static const uint64_t iv512[8] = {
        UINT64_C(0x6a09e667f3bcc908), UINT64_C(0xbb67ae8584caa73b), UINT64_C(0x3c6ef372fe94f82b),
        UINT64_C(0xa54ff53a5f1d36f1), UINT64_C(0x510e527fade682d1), UINT64_C(0x9b05688c2b3e6c1f),
        UINT64_C(0x1f83d9abfb41bd6b), UINT64_C(0x5be0cd19137e2179)};

    memset(c, 0, sizeof *c);
    switch (alg) {
    case CH_HASH_SHA1:
        memcpy(c->h.w32, iv1, sizeof iv1);
        break;
    case CH_HASH_SHA256:
        memcpy(c->h.w32, iv256, sizeof iv256);
        break;
    case CH_HASH_SHA384:
        memcpy(c->h.w64, iv384, sizeof iv384);
        break;
    case CH_HASH_SHA512:
        memcpy(c->h.w64, iv512, sizeof iv512);
        break;
    default:
        return -1; /* c->alg stays CH_HASH_NONE: update and final do nothing */
    }
    c->alg = alg;
    return 0;
}

static void compress(ch_hash_ctx *c, const uint8_t *block)
{
    switch (c->alg) {
    case CH_HASH_SHA1:
        sha1_block(c->h.w32, block);
        break;
    case CH_HASH_SHA256:
        sha256_block(c->h.w32, block);
        break;
    case CH_HASH_SHA384:
    case CH_HASH_SHA512:
        sha512_block(c->h.w64, block);
        break;
    default:
        break;
    }
}

/* The 128-bit byte count: the carry into total_hi is taken before the low word would wrap. */
static void count_bytes(ch_hash_ctx *c, size_t n)
{
    uint64_t room = UINT64_MAX - c->total_lo;

    if ((uint64_t)n > room) {
        c->total_lo = (uint64_t)n - room - 1u;
        c->total_hi = c->total_hi == UINT64_MAX ? 0 : c->total_hi + 1u;
    } else {
        c->total_lo += (uint64_t)n;
    }
}

void ch_hash_update(ch_hash_ctx *c, const void *p, size_t n)
{
    const uint8_t *in = p;
    size_t bl = ch_hash_block(c->alg), take;

    if (n == 0 || bl == 0)
        return;
    count_bytes(c, n);
    if (c->buf_len > 0) {
        take = bl - c->buf_len < n ? bl - c->buf_len : n;
        memcpy(c->buf + c->buf_len, in, take);
        c->buf_len += take;
        in += take;
        n -= take;
        if (c->buf_len < bl)
            return;
        compress(c, c->buf);
        c->buf_len = 0;
    }
    for (; n >= bl; n -= bl, in += bl)
        compress(c, in);
    if (n > 0) {
        memcpy(c->buf, in, n);
        c->buf_len = n;
    }
}

void ch_hash_final(ch_hash_ctx *c, uint8_t *out)
{
    size_t bl = ch_hash_block(c->alg), len = ch_hash_len(c->alg), field, i;

    if (bl == 0) {
        ch_wipe(c, sizeof *c);
        return;
    }
    /* 0x80, zeros, then the length in bits: 64 bits for SHA-1/256, 128 for SHA-384/512. */
    field = bl == 128 ? 16 : 8;
    c->buf[c->buf_len++] = 0x80;
    if (c->buf_len > bl - field) {
        memset(c->buf + c->buf_len, 0, bl - c->buf_len);
        compress(c, c->buf);
        c->buf_len = 0;
    }
    memset(c->buf + c->buf_len, 0, bl - c->buf_len);
    store_be64(c->buf + bl - 8, c->total_lo << 3);
    if (field == 16)
        store_be64(c->buf + bl - 16, c->total_hi << 3 | c->total_lo >> 61);
    compress(c, c->buf);

    if (bl == 64)
        for (i = 0; i < len / 4; i++)
            store_be32(out + 4 * i, c->h.w32[i]);
    else
        for (i = 0; i < len / 8; i++)
            store_be64(out + 8 * i, c->h.w64[i]);
    ch_wipe(c, sizeof *c);
}

int ch_hash(ch_hash_alg alg, const void *p, size_t n, uint8_t *out)
{
    ch_hash_ctx c;

    if (ch_hash_init(&c, alg) != 0)
        return -1;
    ch_hash_update(&c, p, n);
    ch_hash_final(&c, out);
    return 0;
}

/* ---- HMAC (RFC 2104) ------------------------------------------------------------------- */

int ch_hmac_init(ch_hmac_ctx *c, ch_hash_alg alg, const uint8_t *key, size_t key_len)
{
    uint8_t k0[CH_HASH_MAX_BLOCK], pad[CH_HASH_MAX_BLOCK];
    size_t bl = ch_hash_block(alg), i;

    if (bl == 0) {
        memset(c, 0, sizeof *c); /* both halves CH_HASH_NONE: update and final do nothing */
        return -1;
    }
    memset(k0, 0, sizeof k0);
    if (key_len > bl)
        (void)ch_hash(alg, key, key_len, k0); /* alg is known: cannot fail */
    else if (key_len > 0)
        memcpy(k0, key, key_len);

    for (i = 0; i < bl; i++)
        pad[i] = (uint8_t)(k0[i] ^ 0x36u);
    (void)ch_hash_init(&c->inner, alg);
    ch_hash_update(&c->inner, pad, bl);
    for (i = 0; i < bl; i++)
        pad[i] = (uint8_t)(k0[i] ^ 0x5Cu);
    (void)ch_hash_init(&c->outer, alg);
    ch_hash_update(&c->outer, pad, bl);

    ch_wipe(k0, sizeof k0);
    ch_wipe(pad, sizeof pad);
    return 0;
}

void ch_hmac_update(ch_hmac_ctx *c, const void *p, size_t n) { ch_hash_update(&c->inner, p, n); }

void ch_hmac_final(ch_hmac_ctx *c, uint8_t *out)
{
    uint8_t ih[CH_HASH_MAX_LEN];
    size_t len = ch_hash_len(c->inner.alg);

    if (len == 0) {
        ch_wipe(c, sizeof *c);
        return;
    }
    ch_hash_final(&c->inner, ih);
    ch_hash_update(&c->outer, ih, len);
    ch_hash_final(&c->outer, out);
    ch_wipe(ih, sizeof ih);
    ch_wipe(c, sizeof *c);
}

int ch_hmac(ch_hash_alg alg, const uint8_t *key, size_t key_len, const void *msg, size_t n,
            uint8_t *out)
{
    ch_hmac_ctx c;

    if (ch_hmac_init(&c, alg, key, key_len) != 0)
        return -1;
    ch_hmac_update(&c, msg, n);
    ch_hmac_final(&c, out);
    return 0;
}
