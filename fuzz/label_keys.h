/* label_keys: key material derived from text labels, so that a harness or a seed tool makes the
 * same keys on every run with no random source (fuzz_session's table keys and ECDH peers,
 * record_apdu_seeds' import keys). Test code only; OpenSSL does the arithmetic. */
#ifndef CH_FUZZ_LABEL_KEYS_H
#define CH_FUZZ_LABEL_KEYS_H

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <stdint.h>

/* md(label || ctr as 4 bytes big-endian) into out (EVP_MD_get_size(md) bytes). */
void fz_label_digest(const EVP_MD *md, const char *label, uint32_t ctr, uint8_t *out);
/* A prime of nbits (a multiple of 256, at most 1024) searched upwards from the SHA-256 blocks
 * fz_label_digest(label, 0..) with the top two bits and the low bit set, p mod 65537 != 1. */
BIGNUM *fz_label_prime(const char *label, int nbits, BN_CTX *ctx);
/* An EC key on curve nid (P-256 or P-384): d = SHA-512(label) mod (n - 1) + 1 and d*G, each
 * field bytes big-endian into x, y and, when not NULL, d. */
void fz_label_ec(int nid, const char *label, uint8_t *x, uint8_t *y, uint8_t *d);

#endif
