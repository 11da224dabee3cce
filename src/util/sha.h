/* SHA-1, SHA-256, SHA-384, SHA-512 (FIPS 180-4) and HMAC (RFC 2104), portable C, no heap.
 * The card module needs them for PKCS#1 OAEP unpadding (MGF1 and the label hash), for the
 * ECDH key derivation functions of CardDeriveKey, and for the certificate fingerprints of the
 * container-map object. Every context is wiped by its final call. */
#ifndef CH_SHA_H
#define CH_SHA_H

#include <stddef.h>
#include <stdint.h>

typedef enum ch_hash_alg {
    CH_HASH_NONE = 0,
    CH_HASH_SHA1 = 1,
    CH_HASH_SHA256 = 2,
    CH_HASH_SHA384 = 3,
    CH_HASH_SHA512 = 4,
} ch_hash_alg;

#define CH_HASH_MAX_LEN 64u    /* SHA-512 digest */
#define CH_HASH_MAX_BLOCK 128u /* SHA-384/512 block */

/* Digest and block length in bytes; 0 for CH_HASH_NONE or an unknown value. */
size_t ch_hash_len(ch_hash_alg alg);
size_t ch_hash_block(ch_hash_alg alg);

typedef struct ch_hash_ctx {
    ch_hash_alg alg;
    uint64_t total_lo, total_hi; /* message length in bytes (128-bit for SHA-384/512) */
    union {
        uint32_t w32[8];
        uint64_t w64[8];
    } h;
    uint8_t buf[CH_HASH_MAX_BLOCK];
    size_t buf_len;
} ch_hash_ctx;

/* Returns 0 on success, -1 for an unknown algorithm (the context is then unusable). */
int ch_hash_init(ch_hash_ctx *c, ch_hash_alg alg);
/* p may be NULL when n == 0. */
void ch_hash_update(ch_hash_ctx *c, const void *p, size_t n);
/* Writes ch_hash_len(alg) bytes and wipes the context. */
void ch_hash_final(ch_hash_ctx *c, uint8_t *out);
/* One shot; returns -1 for an unknown algorithm (out untouched). */
int ch_hash(ch_hash_alg alg, const void *p, size_t n, uint8_t *out);

typedef struct ch_hmac_ctx {
    ch_hash_ctx inner, outer;
} ch_hmac_ctx;

/* HMAC with any key length (keys longer than a block are hashed first). Key copies on the
 * stack are wiped; ch_hmac_final wipes the context. */
int ch_hmac_init(ch_hmac_ctx *c, ch_hash_alg alg, const uint8_t *key, size_t key_len);
void ch_hmac_update(ch_hmac_ctx *c, const void *p, size_t n);
void ch_hmac_final(ch_hmac_ctx *c, uint8_t *out);
int ch_hmac(ch_hash_alg alg, const uint8_t *key, size_t key_len, const void *msg, size_t n,
            uint8_t *out);

#endif
