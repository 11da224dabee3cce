/* Writes the seed corpus of fuzz_piv (corpora/fuzz_piv/): one card-edge call per file, named
 * for what it exercises, with answers as a YubiKey 5 / vpiv gives them (real TLV shapes, 61xx
 * chains for objects over 256 bytes, a real DER ECDSA signature, real metadata) and a few
 * malformed ones. Deterministic: keys, points, signatures and the certificate are constants
 * below (made once with openssl), the gzip member comes from src/util/deflate.c. Selectors are
 * looked up in the decoder's tables (fuzz/finding_piv.h), so a seed means what the decoder says.
 * The ctest fuzz-seeds-fresh/fuzz_piv regenerates them and compares byte for byte.
 *     gen_piv_seeds corpora/fuzz_piv */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deflate.h"
#include "finding_piv.h"

#define CH_PIV_OBJECT_MAX 16384u /* piv.h: the longest object PUT DATA takes */

/* An RSA-2048 modulus (openssl genrsa), e = 65537. */
static const uint8_t rsa2048_n[256] = {
    0xA2, 0xCE, 0x07, 0x14, 0x9C, 0xA7, 0x7D, 0xC2, 0xCF, 0x38, 0x48, 0xB5, 0xB5, 0x9B, 0x4B,
    0x98, 0x17, 0x14, 0x55, 0xEC, 0x7D, 0xE2, 0x87, 0xF3, 0xAF, 0xC2, 0x3A, 0xF8, 0xB1, 0x24,
    0x59, 0xAE, 0x4B, 0x23, 0x22, 0xC1, 0xBD, 0x6C, 0x5F, 0x0F, 0x3C, 0xB1, 0xB1, 0xDD, 0x0C,
    0xC7, 0xDD, 0xFF, 0xA5, 0x21, 0x6E, 0x64, 0x1A, 0x48, 0xC7, 0xD2, 0x9B, 0x2F, 0x09, 0xD5,
    0xE2, 0x8B, 0x20, 0x36, 0x14, 0xD6, 0x8F, 0x5F, 0x92, 0xF1, 0xAF, 0x18, 0x9C, 0x4F, 0x52,
    0x53, 0x89, 0x7F, 0xAA, 0x28, 0x09, 0x7A, 0x24, 0xBE, 0x53, 0xD1, 0xFB, 0x40, 0xB2, 0x3E,
    0x8F, 0x0B, 0xB3, 0x41, 0x9F, 0x5B, 0x1F, 0x42, 0x3A, 0xB2, 0x7C, 0xA5, 0x6B, 0x01, 0x4E,
    0x83, 0xDE, 0x93, 0x9F, 0x7C, 0xCA, 0xF1, 0x77, 0x28, 0xCE, 0xD8, 0x50, 0x3E, 0x49, 0x4E,
    0x88, 0x0E, 0xB3, 0xEE, 0x91, 0xA7, 0xA1, 0x55, 0x84, 0xC9, 0xFD, 0x68, 0x0E, 0x4E, 0xAF,
    0x11, 0xBD, 0x95, 0x31, 0x77, 0x95, 0xE6, 0x31, 0x8C, 0xBC, 0x61, 0xAF, 0xEF, 0xD5, 0xA5,
    0x83, 0x36, 0x85, 0x7D, 0xFB, 0xD2, 0xFF, 0xE5, 0xCF, 0x0F, 0xA3, 0x1F, 0x3F, 0x8B, 0x60,
    0xB6, 0x24, 0xCA, 0xB3, 0x59, 0xC9, 0x0B, 0x36, 0xD3, 0x5D, 0x84, 0xE8, 0x0E, 0xF1, 0x5F,
    0x46, 0xCD, 0x48, 0x7B, 0x22, 0x0A, 0xA5, 0x9F, 0xF9, 0x37, 0xC4, 0xB8, 0xF1, 0xD7, 0x5D,
    0x6D, 0xB9, 0xBE, 0xEB, 0x13, 0x41, 0x9D, 0xD2, 0x63, 0x46, 0xC3, 0x44, 0x67, 0x84, 0xFC,
    0x23, 0x5D, 0x6C, 0x80, 0xA0, 0xB4, 0x53, 0x23, 0x5E, 0x99, 0xEC, 0x3A, 0x8D, 0xF2, 0x31,
    0xF3, 0x73, 0x1E, 0xE3, 0x6E, 0x99, 0xDB, 0xF9, 0xE3, 0x57, 0xDA, 0x0A, 0x3D, 0x13, 0x25,
    0x08, 0x72, 0xA0, 0x2A, 0x08, 0x22, 0x37, 0xAA, 0xD4, 0x6D, 0x15, 0xFA, 0x95, 0x7D, 0x2E,
    0xED,
};
/* A P-256 public key 04||X||Y (openssl ecparam -genkey). */
static const uint8_t p256_point[65] = {
    0x04, 0xCB, 0x32, 0x10, 0x1B, 0x21, 0x16, 0x00, 0x6A, 0x93, 0xD5, 0x22, 0x61, 0xB0, 0x96,
    0x30, 0x6B, 0xCA, 0x40, 0x16, 0xFB, 0x10, 0xB4, 0xF7, 0x60, 0xEE, 0x97, 0xBB, 0x1D, 0xDA,
    0xF3, 0xD1, 0x7C, 0x7F, 0x39, 0x40, 0xBF, 0x99, 0x3A, 0x9D, 0xA1, 0x9A, 0xDD, 0xBE, 0xDC,
    0xB9, 0x94, 0x96, 0xAD, 0x15, 0xF9, 0x20, 0xB0, 0x58, 0xBE, 0xE2, 0xFA, 0xE7, 0xD7, 0x1C,
    0xED, 0x41, 0xA9, 0x1A, 0xB1,
};
/* A P-384 public key 04||X||Y. */
static const uint8_t p384_point[97] = {
    0x04, 0xF2, 0x84, 0x36, 0x46, 0x9C, 0xDF, 0xC3, 0x93, 0xA1, 0x61, 0xC9, 0x25, 0x60, 0x01,
    0x7E, 0xF0, 0x35, 0x9C, 0x47, 0xF3, 0x48, 0xF6, 0xEF, 0x31, 0xFB, 0xAF, 0x85, 0x16, 0x61,
    0x7C, 0x6B, 0x66, 0x6E, 0x53, 0xF6, 0x77, 0xC5, 0x32, 0x64, 0xAA, 0xC1, 0x9B, 0x9E, 0x31,
    0xD4, 0xBE, 0xBA, 0x2A, 0xA8, 0x47, 0x6B, 0xE6, 0xFE, 0xE0, 0x89, 0x75, 0x40, 0x1F, 0xDB,
    0x94, 0xDF, 0x43, 0xF8, 0x9F, 0x3A, 0xB6, 0xA9, 0xFE, 0x21, 0x5A, 0x16, 0x0E, 0xE8, 0x89,
    0xA7, 0x78, 0x44, 0x04, 0x58, 0x12, 0x5F, 0xEE, 0x3F, 0xCE, 0xA4, 0xBF, 0x80, 0x26, 0x1C,
    0xF6, 0x2F, 0x38, 0xD3, 0x36, 0x72, 0x90,
};
/* SHA-256("cardhammer"). */
static const uint8_t sha256_msg[32] = {
    0x2B, 0x7D, 0x61, 0x90, 0xBE, 0x24, 0xDA, 0x51, 0x1C, 0x9E, 0xB4, 0x6D, 0xB9, 0xA2, 0x5F,
    0xAE, 0xC1, 0xD4, 0x9F, 0x62, 0x8C, 0xA6, 0xF0, 0x52, 0xED, 0x3B, 0x8C, 0x67, 0x1D, 0x16,
    0x1E, 0x34,
};
/* SHA-384("cardhammer"). */
static const uint8_t sha384_msg[48] = {
    0xED, 0xB2, 0xEE, 0x5F, 0xAB, 0xCC, 0xBB, 0x9A, 0xEF, 0xED, 0xEE, 0x1C, 0xB7, 0x90, 0x47,
    0x10, 0x5B, 0x77, 0xC7, 0x61, 0xA6, 0x93, 0x29, 0x75, 0x1D, 0xFB, 0x3B, 0xDB, 0xD0, 0x17,
    0x44, 0xD2, 0x47, 0xF5, 0x0A, 0x32, 0x7E, 0x4A, 0x9D, 0xDB, 0x6E, 0x43, 0x3E, 0xD3, 0x6E,
    0xA6, 0x56, 0xA5,
};
/* ECDSA P-256 signature of sha256_msg by p256_point's key: r and s with 00 in front. */
static const uint8_t sig_p256_lead[72] = {
    0x30, 0x46, 0x02, 0x21, 0x00, 0xC3, 0x86, 0x38, 0x89, 0x4E, 0xFD, 0x58, 0xA2, 0x78, 0x85,
    0xA3, 0xEC, 0x5D, 0xC4, 0x17, 0xA2, 0xB1, 0xB4, 0x7C, 0x33, 0xB0, 0x5E, 0x6B, 0x07, 0x7A,
    0xA6, 0x0D, 0x3C, 0xF7, 0xC7, 0xB7, 0x1A, 0x02, 0x21, 0x00, 0xBC, 0xCD, 0xCD, 0xC3, 0x1F,
    0x2D, 0xD1, 0x9B, 0xE1, 0x8C, 0xAF, 0xA6, 0x65, 0xF7, 0x5D, 0x1A, 0x27, 0xC8, 0x18, 0xAE,
    0x4E, 0x77, 0xD2, 0x98, 0x74, 0x0E, 0xAC, 0xCD, 0x05, 0x32, 0x33, 0x8D,
};
/* Another one: r without a leading 00. */
static const uint8_t sig_p256[71] = {
    0x30, 0x45, 0x02, 0x20, 0x5F, 0x0B, 0x83, 0xED, 0xF8, 0x3C, 0x29, 0xA8, 0x3F, 0xBA, 0x46,
    0xEF, 0x98, 0x15, 0x07, 0x61, 0xC0, 0x9D, 0x5B, 0x08, 0x4E, 0x39, 0x51, 0x72, 0xEF, 0xAB,
    0xD7, 0x93, 0xF2, 0x56, 0xB0, 0x72, 0x02, 0x21, 0x00, 0xA8, 0x79, 0x15, 0x87, 0x17, 0x58,
    0xF3, 0x26, 0x73, 0x0C, 0x97, 0xDE, 0x62, 0x34, 0xB6, 0xAA, 0x50, 0x27, 0x37, 0x7E, 0xED,
    0x28, 0xBB, 0x68, 0x1E, 0x2B, 0x1D, 0x5D, 0x15, 0x20, 0x33, 0xB5,
};
/* ECDSA P-384 signature of sha384_msg by p384_point's key. */
static const uint8_t sig_p384[102] = {
    0x30, 0x64, 0x02, 0x30, 0x53, 0x95, 0x1B, 0x89, 0xBE, 0xD1, 0xB6, 0xF8, 0x8C, 0x42, 0x5D,
    0x4B, 0x60, 0x59, 0x12, 0x6F, 0x4B, 0xC9, 0xC8, 0x56, 0x6E, 0xEC, 0x2E, 0xBD, 0x7E, 0x0C,
    0x41, 0x0E, 0x39, 0xDA, 0x49, 0x2C, 0x65, 0x4F, 0xB5, 0x6B, 0xA5, 0x99, 0x3D, 0x31, 0x5A,
    0x55, 0x81, 0x86, 0xCA, 0x42, 0xCF, 0xEA, 0x02, 0x30, 0x08, 0xE4, 0x35, 0x03, 0x03, 0x48,
    0xDD, 0x4B, 0x4E, 0xDE, 0x54, 0x01, 0x9F, 0x2B, 0x36, 0x09, 0x9C, 0xE2, 0x2B, 0xE6, 0xDA,
    0xB2, 0xB3, 0xB8, 0xC5, 0xCA, 0xBE, 0x7D, 0x80, 0x75, 0x3F, 0xE1, 0xF1, 0x51, 0xE2, 0xD7,
    0x46, 0xED, 0x16, 0x93, 0x32, 0xA7, 0x03, 0xEC, 0xF3, 0x8B, 0x85, 0x5C,
};
/* A self-signed certificate of p256_point (openssl req -x509). */
static const uint8_t cert_p256[467] = {
    0x30, 0x82, 0x01, 0xCF, 0x30, 0x82, 0x01, 0x75, 0xA0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x14,
    0x0B, 0x9E, 0x39, 0x74, 0x47, 0x7C, 0x64, 0x1B, 0x28, 0xFF, 0xB8, 0x35, 0x97, 0x32, 0xB8,
    0xD9, 0x53, 0x0E, 0xD6, 0x9C, 0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04,
    0x03, 0x02, 0x30, 0x3D, 0x31, 0x26, 0x30, 0x24, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0C, 0x1D,
    0x63, 0x61, 0x72, 0x64, 0x68, 0x61, 0x6D, 0x6D, 0x65, 0x72, 0x20, 0x50, 0x49, 0x56, 0x20,
    0x61, 0x75, 0x74, 0x68, 0x65, 0x6E, 0x74, 0x69, 0x63, 0x61, 0x74, 0x69, 0x6F, 0x6E, 0x31,
    0x13, 0x30, 0x11, 0x06, 0x03, 0x55, 0x04, 0x0A, 0x0C, 0x0A, 0x63, 0x61, 0x72, 0x64, 0x68,
    0x61, 0x6D, 0x6D, 0x65, 0x72, 0x30, 0x1E, 0x17, 0x0D, 0x32, 0x36, 0x31, 0x31, 0x32, 0x34,
    0x30, 0x32, 0x34, 0x32, 0x35, 0x39, 0x5A, 0x17, 0x0D, 0x33, 0x36, 0x31, 0x31, 0x32, 0x31,
    0x30, 0x32, 0x34, 0x32, 0x35, 0x39, 0x5A, 0x30, 0x3D, 0x31, 0x26, 0x30, 0x24, 0x06, 0x03,
    0x55, 0x04, 0x03, 0x0C, 0x1D, 0x63, 0x61, 0x72, 0x64, 0x68, 0x61, 0x6D, 0x6D, 0x65, 0x72,
    0x20, 0x50, 0x49, 0x56, 0x20, 0x61, 0x75, 0x74, 0x68, 0x65, 0x6E, 0x74, 0x69, 0x63, 0x61,
    0x74, 0x69, 0x6F, 0x6E, 0x31, 0x13, 0x30, 0x11, 0x06, 0x03, 0x55, 0x04, 0x0A, 0x0C, 0x0A,
    0x63, 0x61, 0x72, 0x64, 0x68, 0x61, 0x6D, 0x6D, 0x65, 0x72, 0x30, 0x59, 0x30, 0x13, 0x06,
    0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D,
    0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0xCB, 0x32, 0x10, 0x1B, 0x21, 0x16, 0x00, 0x6A,
    0x93, 0xD5, 0x22, 0x61, 0xB0, 0x96, 0x30, 0x6B, 0xCA, 0x40, 0x16, 0xFB, 0x10, 0xB4, 0xF7,
    0x60, 0xEE, 0x97, 0xBB, 0x1D, 0xDA, 0xF3, 0xD1, 0x7C, 0x7F, 0x39, 0x40, 0xBF, 0x99, 0x3A,
    0x9D, 0xA1, 0x9A, 0xDD, 0xBE, 0xDC, 0xB9, 0x94, 0x96, 0xAD, 0x15, 0xF9, 0x20, 0xB0, 0x58,
    0xBE, 0xE2, 0xFA, 0xE7, 0xD7, 0x1C, 0xED, 0x41, 0xA9, 0x1A, 0xB1, 0xA3, 0x53, 0x30, 0x51,
    0x30, 0x1D, 0x06, 0x03, 0x55, 0x1D, 0x0E, 0x04, 0x16, 0x04, 0x14, 0x58, 0xCD, 0x65, 0xB9,
    0x5E, 0xD1, 0x1F, 0x93, 0xC9, 0xEE, 0x1E, 0xA0, 0x34, 0x26, 0xBE, 0xA5, 0xB5, 0x26, 0x2F,
    0x5E, 0x30, 0x1F, 0x06, 0x03, 0x55, 0x1D, 0x23, 0x04, 0x18, 0x30, 0x16, 0x80, 0x14, 0x58,
    0xCD, 0x65, 0xB9, 0x5E, 0xD1, 0x1F, 0x93, 0xC9, 0xEE, 0x1E, 0xA0, 0x34, 0x26, 0xBE, 0xA5,
    0xB5, 0x26, 0x2F, 0x5E, 0x30, 0x0F, 0x06, 0x03, 0x55, 0x1D, 0x13, 0x01, 0x01, 0xFF, 0x04,
    0x05, 0x30, 0x03, 0x01, 0x01, 0xFF, 0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D,
    0x04, 0x03, 0x02, 0x03, 0x48, 0x00, 0x30, 0x45, 0x02, 0x20, 0x65, 0xC8, 0xD6, 0x28, 0x94,
    0x69, 0x55, 0x8D, 0xAE, 0x22, 0x68, 0x5F, 0x1A, 0x69, 0xC6, 0xD1, 0xC0, 0x76, 0x17, 0x55,
    0x78, 0xA9, 0xF2, 0x26, 0x3D, 0x8B, 0x7E, 0xD1, 0x1E, 0xC7, 0x1F, 0x8C, 0x02, 0x21, 0x00,
    0x8B, 0xC9, 0x07, 0x85, 0xA0, 0xD1, 0xD8, 0xC4, 0x41, 0x66, 0x1C, 0xD8, 0x07, 0x28, 0x61,
    0x36, 0x93, 0xC8, 0x62, 0x09, 0xCF, 0xC5, 0xCD, 0x88, 0xC2, 0xDA, 0x8C, 0x85, 0x8B, 0x36,
    0x02, 0xD0,
};

/* ---- the encoder (finding_piv.h layout) ---- */

#define MAX_SEED 70000u

static uint8_t seed[MAX_SEED];
static size_t seed_len;
static const char *out_dir;
static int failures;

/* n bytes to the end of dst[0..*len), cap in all; p may be NULL when n is 0. */
static void append(uint8_t *dst, size_t cap, size_t *len, const void *p, size_t n,
                   const char *what)
{
    if (n > cap - *len) {
        fprintf(stderr, "%s too long\n", what);
        exit(1);
    }
    if (n) /* memcpy does not take NULL, even for 0 bytes */
        memcpy(dst + *len, p, n);
    *len += n;
}

static void emit(const void *p, size_t n) { append(seed, MAX_SEED, &seed_len, p, n, "seed"); }

static void emit1(uint8_t b) { emit(&b, 1); }

/* A selector of a table that yields want (the decoder's tables are the truth). */
#define FIND(fn, want)                                                                       \
    do {                                                                                     \
        for (unsigned s_ = 0; s_ < 256; s_++)                                                \
            if (fn((uint8_t)s_) == (want))                                                   \
                return (uint8_t)s_;                                                          \
        fprintf(stderr, "no selector for %s %lX\n", #fn, (unsigned long)(want));             \
        exit(1);                                                                             \
    } while (0)

static uint8_t slot(uint8_t v) { FIND(ch_fpv_slot, v); }
static uint8_t alg(uint8_t v) { FIND(ch_fpv_alg, v); }
static uint8_t ref(uint8_t v) { FIND(ch_fpv_ref, v); }
static uint8_t tag(uint32_t v) { FIND(ch_fpv_tag, v); }
static uint8_t cap(size_t v) { FIND(ch_fpv_cap, v); }

typedef struct call {
    ch_fpv_op op;
    uint8_t slot, alg, ref, tag, size, policies, split, fail_at, fail_code;
} call;

/* The call of a pure op: the data is all it reads. */
static const call *pure(ch_fpv_op op, uint8_t alg_sel, uint8_t size)
{
    static call c;
    memset(&c, 0, sizeof c);
    c.op = op, c.alg = alg_sel, c.size = size;
    return &c;
}

/* Header and CSP-side data; the script follows with ans / chained / event. */
static void begin(const call *c, const void *data, size_t n)
{
    seed_len = 0;
    emit1((uint8_t)c->op);
    emit1(c->slot), emit1(c->alg), emit1(c->ref), emit1(c->tag), emit1(c->size);
    emit1(c->policies), emit1(c->split), emit1(c->fail_at), emit1(c->fail_code);
    emit1((uint8_t)(n & 0xFF)), emit1((uint8_t)(n >> 8));
    emit(data, n);
}

/* One R-APDU: data || SW. */
static void ans(const void *data, size_t n, uint16_t sw)
{
    size_t len = n + 2;
    emit1((uint8_t)(len >> 8)), emit1((uint8_t)(len & 0xFF));
    emit(data, n);
    emit1((uint8_t)(sw >> 8)), emit1((uint8_t)(sw & 0xFF));
}

static void sw_only(uint16_t sw) { ans(NULL, 0, sw); }

/* A long answer as a card sends it: 256 bytes and 61 xx (what is left, 00 for 256 or more)
 * until the last part, which ends with 9000. */
static void chained(const uint8_t *data, size_t n)
{
    while (n > 256) {
        size_t left = n - 256;
        ans(data, 256, (uint16_t)(0x6100u | (left >= 256 ? 0u : left)));
        data += 256, n = left;
    }
    ans(data, n, 0x9000);
}

static void event(uint8_t code)
{
    emit1(0xFF), emit1(code);
}

static void end(const char *name)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", out_dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(seed, 1, seed_len, f) != seed_len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        failures++;
    }
}

/* ---- answer builders ---- */

typedef struct buf {
    uint8_t b[4096];
    size_t n;
} buf;

static void b_put(buf *b, const void *p, size_t n)
{
    append(b->b, sizeof b->b, &b->n, p, n, "answer");
}

static void b_byte(buf *b, uint8_t v) { b_put(b, &v, 1); }

static void b_len(buf *b, size_t n)
{
    if (n < 0x80) {
        b_byte(b, (uint8_t)n);
    } else if (n <= 0xFF) {
        b_byte(b, 0x81), b_byte(b, (uint8_t)n);
    } else {
        b_byte(b, 0x82), b_byte(b, (uint8_t)(n >> 8)), b_byte(b, (uint8_t)(n & 0xFF));
    }
}

/* tag (1..3 bytes, big-endian) || BER length || value */
static void b_tlv(buf *b, uint32_t t, const void *v, size_t n)
{
    if (t > 0xFFFF)
        b_byte(b, (uint8_t)(t >> 16));
    if (t > 0xFF)
        b_byte(b, (uint8_t)((t >> 8) & 0xFF));
    b_byte(b, (uint8_t)(t & 0xFF));
    b_len(b, n);
    b_put(b, v, n);
}

static void wrap(buf *out, uint32_t t, const buf *in)
{
    out->n = 0;
    b_tlv(out, t, in->b, in->n);
}

/* ---- the card's objects ---- */

static const uint8_t yk_apt[] = {0x61, 0x11, 0x4F, 0x06, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00,
                                 0x79, 0x07, 0x4F, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08};
static const uint8_t uuid[16] = {0x4C, 0x1A, 0x5E, 0x2B, 0x8D, 0x03, 0x47, 0xA1,
                                 0x9B, 0x6E, 0x12, 0xF0, 0x3C, 0x75, 0xD8, 0x24};
/* FASC-N of a non-federal issuer as yubico-piv-tool writes it. */
static const uint8_t fascn[25] = {0xD4, 0xE7, 0x39, 0xDA, 0x73, 0x9C, 0xED, 0x39, 0xCE,
                                  0x73, 0x9D, 0x83, 0x68, 0x58, 0x21, 0x08, 0x42, 0x10,
                                  0x84, 0x21, 0xC8, 0x42, 0x10, 0xC3, 0xEB};
static const uint8_t e65537[3] = {0x01, 0x00, 0x01};

static void chuid(buf *b, const uint8_t u[16])
{
    b->n = 0;
    b_tlv(b, 0x30, fascn, sizeof fascn);
    b_tlv(b, 0x34, u, 16);
    b_tlv(b, 0x35, "20300101", 8);
    b_tlv(b, 0x3E, NULL, 0);
    b_tlv(b, 0xFE, NULL, 0);
}

/* 70 <cert> 71 01 <info> FE 00 */
static void cert_obj(buf *b, const uint8_t *der, size_t n, uint8_t info)
{
    b->n = 0;
    b_tlv(b, 0x70, der, n);
    b_tlv(b, 0x71, &info, 1);
    b_tlv(b, 0xFE, NULL, 0);
}

static void rsa_pub(buf *b)
{
    buf in = {{0}, 0};
    b_tlv(&in, 0x81, rsa2048_n, sizeof rsa2048_n);
    b_tlv(&in, 0x82, e65537, sizeof e65537);
    wrap(b, 0x7F49, &in);
}

static void ec_pub(buf *b, const uint8_t *pt, size_t n)
{
    buf in = {{0}, 0};
    b_tlv(&in, 0x86, pt, n);
    wrap(b, 0x7F49, &in);
}

/* 7C { 82 v } */
static void ga(buf *b, const uint8_t *v, size_t n)
{
    buf in = {{0}, 0};
    b_tlv(&in, 0x82, v, n);
    wrap(b, 0x7C, &in);
}

/* Metadata of a key slot: 01 alg, 02 policies, 03 origin, 04 { public key TLVs }. */
static void key_metadata(buf *b, uint8_t a, const buf *pub_inner, uint8_t origin)
{
    const uint8_t pol[2] = {0x01, 0x01};
    b->n = 0;
    b_tlv(b, 0x01, &a, 1);
    b_tlv(b, 0x02, pol, 2);
    b_tlv(b, 0x03, &origin, 1);
    b_tlv(b, 0x04, pub_inner->b, pub_inner->n);
}

int main(int argc, char **argv)
{
    buf a = {{0}, 0}, in = {{0}, 0};
    static uint8_t big[16385], gz[4096];
    size_t gz_len = 0;
    const uint8_t pin[] = "123456", pin2[] = "654321", puk[] = "12345678",
                  puk2[] = "87654321";
    uint8_t two[16];
    const uint8_t key3des[8] = {0x8A, 0x41, 0x0F, 0x5C, 0x2E, 0x93, 0x77, 0x06};
    const uint8_t chal16[16] = {0x3D, 0x81, 0x55, 0x0E, 0xA2, 0x6B, 0xF4, 0x19,
                                0x70, 0xC8, 0x2A, 0x9F, 0x05, 0xE1, 0xB6, 0x4D};

    if (argc != 2) {
        fprintf(stderr, "usage: gen_piv_seeds <dir>\n");
        return 2;
    }
    out_dir = argv[1];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 131u + 7u);

    /* ---- SELECT ---- */
    call sel = {CH_FPV_SELECT, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    begin(&sel, NULL, 0), ans(yk_apt, sizeof yk_apt, 0x9000), end("select-yubikey");
    {
        /* SP 800-73-4's example: full AID, authority, label, algorithms */
        static const uint8_t aid[11] = {0xA0, 0x00, 0x00, 0x03, 0x08, 0x00,
                                        0x00, 0x10, 0x00, 0x01, 0x00};
        static const uint8_t algs[] = {0x80, 0x01, 0x07, 0x80, 0x01, 0x11, 0x80,
                                       0x01, 0x14, 0x06, 0x01, 0x00};
        buf t = {{0}, 0}, auth = {{0}, 0};
        b_tlv(&t, 0x4F, aid, sizeof aid);
        b_tlv(&auth, 0x4F, aid, 5);
        b_tlv(&t, 0x79, auth.b, auth.n);
        b_tlv(&t, 0x50, "PIV card application", 20);
        b_tlv(&t, 0x5F50, "http://example.org/piv", 22);
        b_tlv(&t, 0xAC, algs, sizeof algs);
        wrap(&a, 0x61, &t);
        begin(&sel, NULL, 0), ans(a.b, a.n, 0x9000), end("select-nist-apt");
        begin(pure(CH_FPV_PARSE_APT, 0, 0), a.b, a.n), end("parse_apt-nist");
        begin(&sel, NULL, 0), sw_only(0x6883), ans(a.b, a.n, 0x9000), end("select-6883-again");
    }
    begin(&sel, NULL, 0), sw_only(0x9000), end("select-bare-9000");
    begin(&sel, NULL, 0), sw_only(0x6A82), end("select-6a82-no-piv");
    {
        /* the OpenPGP application's AID: not PIV */
        static const uint8_t t[] = {0x61, 0x08, 0x4F, 0x06, 0xD2, 0x76, 0x00, 0x01, 0x24, 0x01};
        begin(&sel, NULL, 0), ans(t, sizeof t, 0x9000), end("select-malformed-other-aid");
    }
    begin(pure(CH_FPV_PARSE_APT, 0, 0), yk_apt, sizeof yk_apt), end("parse_apt-yubikey");
    {
        /* 33 algorithms, one more than the APT holds; an authority AID of 17 bytes */
        buf t = {{0}, 0}, ac = {{0}, 0}, auth = {{0}, 0};
        for (unsigned i = 0; i < 33; i++)
            b_byte(&ac, 0x80), b_byte(&ac, 0x01), b_byte(&ac, 0x11);
        b_put(&t, yk_apt + 2, 8);
        b_tlv(&t, 0xAC, ac.b, ac.n);
        wrap(&a, 0x61, &t);
        begin(pure(CH_FPV_PARSE_APT, 0, 0), a.b, a.n), end("parse_apt-malformed-33-algs");
        t.n = 0;
        b_put(&t, yk_apt + 2, 8);
        b_tlv(&auth, 0x4F, big, 17);
        b_tlv(&t, 0x79, auth.b, auth.n);
        wrap(&a, 0x61, &t);
        begin(pure(CH_FPV_PARSE_APT, 0, 0), a.b, a.n), end("parse_apt-malformed-long-authority");
    }

    /* ---- GET DATA ---- */
    chuid(&in, uuid);
    wrap(&a, 0x53, &in);
    call gd = {CH_FPV_GET_DATA, 0, 0, 0, tag(0x5FC102), cap(16388), 0, 0, 0, 0};
    begin(&gd, NULL, 0), ans(a.b, a.n, 0x9000), end("get_data-chuid");
    begin(pure(CH_FPV_CHUID_UUID, 0, 0), in.b, in.n), end("chuid_uuid");
    b_tlv(&in, 0x34, uuid, 16);
    begin(pure(CH_FPV_CHUID_UUID, 0, 0), in.b, in.n), end("chuid_uuid-malformed-two-34");
    {
        uint8_t zero[16] = {0};
        buf z = {{0}, 0};
        chuid(&in, zero);
        wrap(&z, 0x53, &in);
        begin(&gd, NULL, 0), ans(z.b, z.n, 0x9000), end("get_data-chuid-zero-uuid");
    }
    begin(&gd, NULL, 0), sw_only(0x6A82), end("get_data-6a82-not-found");
    {
        static const uint8_t t[] = {0x53, 0x02, 0xAA, 0xBB, 0xCC};
        begin(&gd, NULL, 0), ans(t, sizeof t, 0x9000), end("get_data-malformed-trailing");
    }
    gd.fail_at = 1, gd.fail_code = 1;
    begin(&gd, NULL, 0), ans(a.b, a.n, 0x9000), end("get_data-fault-reset");
    gd.fail_at = 0, gd.fail_code = 0;
    cert_obj(&in, cert_p256, sizeof cert_p256, 0x00);
    wrap(&a, 0x53, &in);
    gd.tag = tag(0x5FC105);
    begin(&gd, NULL, 0), chained(a.b, a.n), end("get_data-cert-9a-chained");
    begin(pure(CH_FPV_CERT_OBJECT, 0, cap(4096)), in.b, in.n), end("cert_object-plain");
    begin(pure(CH_FPV_CERT_OBJECT, 0, cap(255)), in.b, in.n), end("cert_object-cap-too-small");
    gd.size = cap(256);
    begin(&gd, NULL, 0), chained(a.b, a.n), end("get_data-cert-cap-256");
    gd.size = cap(16388);
    if (ch_gzip(cert_p256, sizeof cert_p256, gz, sizeof gz, &gz_len) != CH_DEFLATE_OK) {
        fprintf(stderr, "gzip failed\n");
        return 1;
    }
    cert_obj(&in, gz, gz_len, 0x01);
    wrap(&a, 0x53, &in);
    gd.tag = tag(0x5FC10A);
    begin(&gd, NULL, 0), chained(a.b, a.n), end("get_data-cert-9c-gzip");
    begin(pure(CH_FPV_CERT_OBJECT, 0, cap(1024)), in.b, in.n), end("cert_object-gzip");
    if (ch_gzip(NULL, 0, gz, sizeof gz, &gz_len) != CH_DEFLATE_OK) {
        fprintf(stderr, "gzip failed\n");
        return 1;
    }
    cert_obj(&in, gz, gz_len, 0x01);
    begin(pure(CH_FPV_CERT_OBJECT, 0, cap(1024)), in.b, in.n),
        end("cert_object-malformed-gzip-empty");
    {
        static const uint8_t t[] = {0x7E, 0x12, 0x4F, 0x0B, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00,
                                    0x00, 0x10, 0x00, 0x01, 0x00, 0x5F, 0x2F, 0x02, 0x40, 0x00};
        gd.tag = tag(0x7E);
        begin(&gd, NULL, 0), ans(t, sizeof t, 0x9000), end("get_data-discovery-7e");
    }

    /* ---- GET SERIAL ---- */
    {
        static const uint8_t s[] = {0x00, 0xBC, 0x61, 0x4E}, s5[] = {0, 0xBC, 0x61, 0x4E, 1};
        call gs = {CH_FPV_GET_SERIAL, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        begin(&gs, NULL, 0), ans(s, sizeof s, 0x9000), end("get_serial");
        begin(&gs, NULL, 0), sw_only(0x6D00), end("get_serial-6d00");
        begin(&gs, NULL, 0), ans(s5, sizeof s5, 0x9000), end("get_serial-malformed-5-bytes");
    }

    /* ---- GET METADATA ---- */
    {
        call gm = {CH_FPV_GET_METADATA, 0, 0, ref(0x9A), 0, 0, 0, 0, 0, 0};
        buf inner = {{0}, 0};
        b_tlv(&inner, 0x86, p256_point, sizeof p256_point);
        key_metadata(&a, 0x11, &inner, 0x01);
        begin(&gm, NULL, 0), ans(a.b, a.n, 0x9000), end("get_metadata-9a-p256");
        begin(pure(CH_FPV_PARSE_METADATA, 0, 0), a.b, a.n), end("parse_metadata-p256");
        inner.n = 0;
        b_tlv(&inner, 0x86, p384_point, sizeof p384_point);
        key_metadata(&a, 0x14, &inner, 0x02);
        gm.ref = ref(0x9E);
        begin(&gm, NULL, 0), ans(a.b, a.n, 0x9000), end("get_metadata-9e-p384");
        inner.n = 0;
        b_tlv(&inner, 0x81, rsa2048_n, sizeof rsa2048_n);
        b_tlv(&inner, 0x82, e65537, sizeof e65537);
        key_metadata(&a, 0x07, &inner, 0x01);
        gm.ref = ref(0x9D);
        begin(&gm, NULL, 0), chained(a.b, a.n), end("get_metadata-9d-rsa2048-chained");
        begin(pure(CH_FPV_PARSE_METADATA, 0, 0), a.b, a.n), end("parse_metadata-rsa2048");
        {
            /* PIN: algorithm FF, default, 3 of 3 tries */
            static const uint8_t m[] = {0x01, 0x01, 0xFF, 0x05, 0x01, 0x01, 0x06, 0x02, 0x03,
                                        0x03};
            static const uint8_t dup[] = {0x01, 0x01, 0x11, 0x01, 0x01, 0x11};
            gm.ref = ref(0x80);
            begin(&gm, NULL, 0), ans(m, sizeof m, 0x9000), end("get_metadata-pin");
            begin(&gm, NULL, 0), ans(dup, sizeof dup, 0x9000),
                end("get_metadata-malformed-dup-tag");
        }
        gm.ref = ref(0x9C);
        begin(&gm, NULL, 0), sw_only(0x6A88), end("get_metadata-6a88-empty-slot");
        begin(&gm, NULL, 0), sw_only(0x6D00), end("get_metadata-6d00");
    }

    /* ---- PIN ---- */
    {
        call v = {CH_FPV_VERIFY, 0, 0, ref(0x80), 0, 0, 0, 0, 0, 0};
        static const uint8_t data63[] = {0x01, 0x63, 0xC2};
        begin(&v, pin, 6), sw_only(0x9000), end("verify-ok");
        begin(&v, pin2, 6), sw_only(0x63C2), end("verify-wrong-63c2");
        begin(&v, pin2, 6), sw_only(0x6983), end("verify-blocked-6983");
        begin(&v, "12345", 5), end("verify-refused-5-digits");
        begin(&v, pin2, 6), ans(data63, 1, 0x63C2), end("verify-malformed-data");
        v.ref = ref(0x81);
        begin(&v, puk, 8), sw_only(0x9000), end("verify-puk-ok");
        v.ref = ref(0x80), v.policies = 0x80; /* tries_left NULL */
        begin(&v, pin2, 6), sw_only(0x63C1), end("verify-null-tries");

        call s = {CH_FPV_PIN_STATUS, 0, 0, ref(0x80), 0, 0, 0, 0, 0, 0};
        begin(&s, NULL, 0), sw_only(0x9000), end("pin_status-verified");
        begin(&s, NULL, 0), sw_only(0x63C3), end("pin_status-63c3");
        begin(&s, NULL, 0), sw_only(0x6A88), end("pin_status-6a88");
        s.policies = 0x80;
        begin(&s, NULL, 0), sw_only(0x63C2), end("pin_status-null-tries");
        call rr0 = {CH_FPV_RESET_RETRY, 0, 0, 0, 0, 0, 0x80, 8, 0, 0};
        memcpy(two, puk, 8), memcpy(two + 8, pin, 6);
        begin(&rr0, two, 14), sw_only(0x63C0), end("reset_retry-null-tries");
        call rs = {CH_FPV_PIN_RESET_STATE, 0, 0, ref(0x80), 0, 0, 0, 0, 0, 0};
        begin(&rs, NULL, 0), sw_only(0x9000), end("pin_reset_state");

        call ch = {CH_FPV_CHANGE_REFERENCE, 0, 0, ref(0x80), 0, 0, 0, 6, 0, 0};
        memcpy(two, pin, 6), memcpy(two + 6, pin2, 6);
        begin(&ch, two, 12), sw_only(0x9000), end("change_reference-pin");
        ch.ref = ref(0x81), ch.split = 8;
        memcpy(two, puk, 8), memcpy(two + 8, puk2, 8);
        begin(&ch, two, 16), sw_only(0x63C2), end("change_reference-puk-63c2");

        call rr = {CH_FPV_RESET_RETRY, 0, 0, 0, 0, 0, 0, 8, 0, 0};
        memcpy(two, puk, 8), memcpy(two + 8, pin, 6);
        begin(&rr, two, 14), sw_only(0x9000), end("reset_retry");
        begin(&rr, two, 14), sw_only(0x6983), end("reset_retry-puk-blocked");
    }

    /* ---- management key ---- */
    {
        static const uint8_t aes192[] = {0x01, 0x01, 0x0A, 0x02, 0x02, 0x00, 0x01,
                                         0x05, 0x01, 0x01};
        static const uint8_t tdes[] = {0x01, 0x01, 0x03, 0x02, 0x02, 0x00, 0x01,
                                       0x05, 0x01, 0x01};
        call ma = {CH_FPV_MGM_ALG, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        begin(&ma, NULL, 0), ans(aes192, sizeof aes192, 0x9000), end("mgm_alg-aes192");
        begin(&ma, NULL, 0), ans(tdes, sizeof tdes, 0x9000), end("mgm_alg-3des");
        begin(&ma, NULL, 0), sw_only(0x6D00), end("mgm_alg-6d00-default");

        call mc = {CH_FPV_MGM_CHALLENGE, 0, alg(0x03), 0, 0, cap(16), 0, 0, 0, 0};
        in.n = 0;
        b_tlv(&in, 0x81, key3des, 8);
        wrap(&a, 0x7C, &in);
        begin(&mc, NULL, 0), ans(a.b, a.n, 0x9000), end("mgm_challenge-3des");
        in.n = 0;
        b_tlv(&in, 0x81, chal16, 16);
        wrap(&a, 0x7C, &in);
        mc.alg = alg(0x0A);
        begin(&mc, NULL, 0), ans(a.b, a.n, 0x9000), end("mgm_challenge-aes192");
        mc.alg = alg(0x03);
        begin(&mc, NULL, 0), ans(a.b, a.n, 0x9000), end("mgm_challenge-malformed-long");

        call mr = {CH_FPV_MGM_RESPONSE, 0, alg(0x03), 0, 0, 0, 0, 0, 0, 0};
        begin(&mr, key3des, 8), sw_only(0x9000), end("mgm_response-3des");
        begin(&mr, key3des, 8), sw_only(0x6982), end("mgm_response-wrong-6982");
        mr.alg = alg(0x0C);
        begin(&mr, chal16, 16), sw_only(0x9000), end("mgm_response-aes256");
    }

    /* ---- PUT DATA ---- */
    {
        static const uint8_t cardcf[] = {0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0xCA, 0xFE};
        call pd = {CH_FPV_PUT_DATA, 0, 0, 0, tag(0x5FFF0E), 0, 0, 0, 0, 0};
        begin(&pd, cardcf, sizeof cardcf), sw_only(0x9000), end("put_data-cardcf");
        begin(&pd, NULL, 0), sw_only(0x9000), end("put_data-delete");
        begin(&pd, cardcf, sizeof cardcf), sw_only(0x6982), end("put_data-6982");
        cert_obj(&in, cert_p256, sizeof cert_p256, 0x00);
        pd.tag = tag(0x5FC105);
        /* 5C 03 5F C1 05 53 82 01 DC + 476 = 485 bytes: two blocks */
        begin(&pd, in.b, in.n), sw_only(0x9000), sw_only(0x9000), end("put_data-cert-chained");
        pd.tag = tag(0x5FC10C);
        begin(&pd, big, 3000);
        for (unsigned i = 0; i < (3000 + 9 + 254) / 255; i++)
            sw_only(0x9000);
        end("put_data-large-chained");
        begin(&pd, big, 3000), sw_only(0x9000), sw_only(0x6A84), end("put_data-6a84-second-block");
        pd.tag = tag(0x7E);
        begin(&pd, cardcf, sizeof cardcf), end("put_data-refused-tag");
        pd.tag = tag(0x5FC105);
        begin(&pd, big, CH_PIV_OBJECT_MAX + 1), end("put_data-refused-too-long");
    }

    /* ---- GENERATE ---- */
    {
        call g = {CH_FPV_GENERATE, slot(0x9A), alg(0x11), 0, 0, 0, 0, 0, 0, 0};
        ec_pub(&a, p256_point, sizeof p256_point);
        begin(&g, NULL, 0), ans(a.b, a.n, 0x9000), end("generate-9a-p256");
        begin(pure(CH_FPV_PARSE_GENERATED, alg(0x11), 0), a.b, a.n),
            end("parse_generated-p256");
        g.alg = alg(0x14);
        begin(&g, NULL, 0), ans(a.b, a.n, 0x9000), end("generate-malformed-wrong-curve");
        ec_pub(&a, p384_point, sizeof p384_point);
        g.slot = slot(0x9C), g.policies = 0x22; /* PIN once, touch always */
        begin(&g, NULL, 0), ans(a.b, a.n, 0x9000), end("generate-9c-p384-policies");
        rsa_pub(&a);
        g.slot = slot(0x9D), g.alg = alg(0x07), g.policies = 0x01;
        begin(&g, NULL, 0), chained(a.b, a.n), end("generate-9d-rsa2048-chained");
        begin(pure(CH_FPV_PARSE_GENERATED, alg(0x07), 0), a.b, a.n),
            end("parse_generated-rsa2048");
        {
            buf k = {{0}, 0};
            uint8_t pt[65];
            b_tlv(&k, 0x81, rsa2048_n, sizeof rsa2048_n);
            wrap(&a, 0x7F49, &k);
            begin(pure(CH_FPV_PARSE_GENERATED, alg(0x07), 0), a.b, a.n),
                end("parse_generated-malformed-no-e");
            memcpy(pt, p256_point, sizeof pt);
            pt[0] = 0x03; /* compressed form, at the uncompressed length */
            ec_pub(&a, pt, sizeof pt);
            begin(pure(CH_FPV_PARSE_GENERATED, alg(0x11), 0), a.b, a.n),
                end("parse_generated-malformed-form-03");
        }
        g.slot = slot(0x82), g.alg = alg(0x11), g.policies = 0;
        begin(&g, NULL, 0), event(0x02), end("generate-event-removed");
        begin(&g, NULL, 0), sw_only(0x6982), end("generate-6982");
    }

    /* ---- IMPORT ---- */
    {
        call ir = {CH_FPV_IMPORT_RSA, slot(0x9D), alg(0x07), 0, 0, 0, 0x11, 0, 0, 0};
        /* p q dp dq qinv, 128 bytes each: three blocks of command data */
        begin(&ir, big, 5 * 128), sw_only(0x9000), sw_only(0x9000), sw_only(0x9000),
            end("import_rsa-2048");
        ir.alg = alg(0x06), ir.policies = 0;
        begin(&ir, big, 5 * 64), sw_only(0x9000), sw_only(0x9000), end("import_rsa-1024");
        call ie = {CH_FPV_IMPORT_EC, slot(0x9E), alg(0x11), 0, 0, 0, 0x13, 0, 0, 0};
        begin(&ie, big, 32), sw_only(0x9000), end("import_ec-p256");
        ie.alg = alg(0x14), ie.slot = slot(0x95);
        begin(&ie, big, 48), sw_only(0x6982), end("import_ec-p384-6982");
    }

    /* ---- private-key operations ---- */
    {
        uint8_t block[256];
        call rr = {CH_FPV_RSA_RAW, slot(0x9D), alg(0x07), 0, 0, 0, 0, 0, 0, 0};
        memset(block, 0xFF, sizeof block);
        block[0] = 0x00, block[1] = 0x01, block[256 - 33] = 0x00;
        memcpy(block + 256 - 32, sha256_msg, 32);
        ga(&a, big, 256);
        /* 7C 82 01 06 { 82 00 81 82 01 00 <256> }: two command blocks, then a chained answer */
        begin(&rr, block, sizeof block), sw_only(0x9000), chained(a.b, a.n),
            end("rsa_raw-2048-chained");
        ga(&a, big, 255);
        begin(&rr, block, sizeof block), sw_only(0x9000), chained(a.b, a.n),
            end("rsa_raw-malformed-short");

        call es = {CH_FPV_ECDSA_SIGN, slot(0x9C), alg(0x11), 0, 0, 0, 0, 0, 0, 0};
        ga(&a, sig_p256_lead, sizeof sig_p256_lead);
        begin(&es, sha256_msg, 32), ans(a.b, a.n, 0x9000), end("ecdsa_sign-p256");
        ga(&a, sig_p256, sizeof sig_p256);
        begin(&es, sha256_msg, 32), ans(a.b, a.n, 0x9000), end("ecdsa_sign-p256-short-r");
        {
            /* r with a needless leading 00: not DER */
            uint8_t bad[80];
            size_t n = sizeof sig_p256;
            bad[0] = 0x30, bad[1] = (uint8_t)(sig_p256[1] + 1), bad[2] = 0x02,
            bad[3] = (uint8_t)(sig_p256[3] + 1), bad[4] = 0x00;
            memcpy(bad + 5, sig_p256 + 4, n - 4);
            ga(&a, bad, n + 1);
            begin(&es, sha256_msg, 32), ans(a.b, a.n, 0x9000),
                end("ecdsa_sign-malformed-padded-r");
            begin(pure(CH_FPV_DER_TO_RS, 0, 0), bad, n + 1), end("der_to_rs-malformed-padded-r");
        }
        es.alg = alg(0x14), es.slot = slot(0x9A);
        ga(&a, sig_p384, sizeof sig_p384);
        begin(&es, sha384_msg, 48), ans(a.b, a.n, 0x9000), end("ecdsa_sign-p384");
        begin(&es, sha384_msg, 48), sw_only(0x6982), end("ecdsa_sign-6982-no-pin");
        begin(pure(CH_FPV_DER_TO_RS, 0, 0), sig_p256_lead, sizeof sig_p256_lead),
            end("der_to_rs-p256");
        begin(pure(CH_FPV_DER_TO_RS, 0, 2), sig_p384, sizeof sig_p384),
            end("der_to_rs-p384");

        call dh = {CH_FPV_ECDH, slot(0x9D), alg(0x11), 0, 0, 0, 0, 0, 0, 0};
        ga(&a, p256_point + 1, 32);
        begin(&dh, p256_point, sizeof p256_point), ans(a.b, a.n, 0x9000), end("ecdh-p256");
        dh.alg = alg(0x14);
        ga(&a, p384_point + 1, 48);
        begin(&dh, p384_point, sizeof p384_point), ans(a.b, a.n, 0x9000), end("ecdh-p384");
        ga(&a, p384_point + 1, 47);
        begin(&dh, p384_point, sizeof p384_point), ans(a.b, a.n, 0x9000),
            end("ecdh-malformed-short-secret");
    }

    /* ---- BER lengths at every boundary (u32le each) ---- */
    {
        static const uint32_t lens[] = {0,       0x7F,     0x80,     0xFF,     0x100,
                                        0xFFFF,  0x10000,  0xFFFFFF, 0x1000000, 0x1FFFFFF};
        uint8_t l[sizeof lens];
        for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
            for (unsigned k = 0; k < 4; k++)
                l[4 * i + k] = (uint8_t)((lens[i] >> (8 * k)) & 0xFF);
        begin(pure(CH_FPV_BER_LEN, 0, 0), l, sizeof l), end("ber_len-boundaries");
    }
    return failures ? 1 : 0;
}
