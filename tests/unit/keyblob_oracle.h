/* OpenSSL side of the key-blob tests: real keys, their numbers as BIGNUMs, and independent
 * encoders of PRIVATEKEYBLOB / BCRYPT_ECCKEY_BLOB (written from cardmod.md "Key blobs", not
 * from the parser), so a blob can be rebuilt from deliberately wrong numbers. Every function
 * aborts the test (cmocka fail) when OpenSSL fails: a broken oracle must not pass silently. */
#ifndef CH_TEST_KEYBLOB_ORACLE_H
#define CH_TEST_KEYBLOB_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

/* An RSA key's numbers (owned). */
typedef struct kbo_rsa {
    unsigned bits;
    BIGNUM *n, *e, *d, *p, *q, *dp, *dq, *qinv;
} kbo_rsa;

/* The header fields of a PRIVATEKEYBLOB, each settable to a wrong value. */
typedef struct kbo_rsa_hdr {
    uint8_t type, version;
    uint16_t reserved;
    uint32_t alg, magic, bitlen, pubexp;
} kbo_rsa_hdr;

/* A fresh key from OpenSSL's generator (e.g. 65537 or 3). */
void kbo_rsa_generate(kbo_rsa *k, unsigned bits, unsigned long e);
/* The numbers of a key made from two given primes and e (d = e^-1 mod lcm(p-1, q-1)); bits is
 * what the blob will claim, whatever n's real length. Takes ownership of p and q. */
void kbo_rsa_from_primes(kbo_rsa *k, unsigned bits, BIGNUM *p, BIGNUM *q, unsigned long e);
void kbo_rsa_copy(kbo_rsa *dst, const kbo_rsa *src);
void kbo_rsa_free(kbo_rsa *k);
/* The key as an EVP_PKEY (for OpenSSL's own MSBLOB writer and reader). */
EVP_PKEY *kbo_rsa_pkey(const kbo_rsa *k);

/* The correct header of k: 07 02 0000, CALG_RSA_KEYX, RSA2, bits, e. */
kbo_rsa_hdr kbo_rsa_default_hdr(const kbo_rsa *k);
/* 20 + 9 * bitlen / 16 when bitlen is a multiple of 16. */
size_t kbo_rsa_blob_len(uint32_t bitlen);
/* Writes the blob (header h, numbers of k padded to h->bitlen / 8 or / 16 bytes, little-endian)
 * into a new malloc'd buffer of exactly the blob's length; fails the test if a number does not
 * fit. Offsets of each number in the blob, for bit flips: */
uint8_t *kbo_rsa_blob(const kbo_rsa_hdr *h, const kbo_rsa *k, size_t *len);
enum kbo_rsa_field { KBO_N, KBO_P, KBO_Q, KBO_DP, KBO_DQ, KBO_QINV, KBO_D };
size_t kbo_rsa_offset(uint32_t bitlen, enum kbo_rsa_field f);
/* OpenSSL's own writer (i2b_PrivateKey_bio, or i2b_PublicKey_bio); malloc'd copy. */
uint8_t *kbo_rsa_openssl_blob(const kbo_rsa *k, int public_only, size_t *len);

/* The equations of md_keyblob.h computed with OpenSSL BIGNUMs for a blob of `bits` bits:
 * a bit set for each one that FAILS (0 = one consistent key). Checks that need p - 1 or
 * q - 1 count as failing when p or q is 0 or 1. */
enum {
    KBO_EQ_N_BITS = 1u << 0,  /* n has exactly bits bits */
    KBO_EQ_P_ODD = 1u << 1,   /* p odd, > 1 */
    KBO_EQ_Q_ODD = 1u << 2,   /* q odd, > 1 */
    KBO_EQ_PQ_N = 1u << 3,    /* p * q == n */
    KBO_EQ_D_LT_N = 1u << 4,  /* d < n */
    KBO_EQ_DP = 1u << 5,      /* dp == d mod (p - 1) */
    KBO_EQ_DQ = 1u << 6,      /* dq == d mod (q - 1) */
    KBO_EQ_E_DP = 1u << 7,    /* e * dp == 1 mod (p - 1) */
    KBO_EQ_E_DQ = 1u << 8,    /* e * dq == 1 mod (q - 1) */
    KBO_EQ_QINV_LT_P = 1u << 9, /* qinv < p */
    KBO_EQ_QINV = 1u << 10,   /* q * qinv == 1 mod p */
};
unsigned kbo_rsa_failing(const kbo_rsa *k, unsigned bits);

/* An EC key: curve, coordinates, scalar; plus the curve's p, b and order. */
typedef struct kbo_ec {
    size_t field; /* 32 or 48 */
    int nid;
    EC_GROUP *group;
    BIGNUM *x, *y, *d;
    BIGNUM *p, *a, *b, *order;
} kbo_ec;

void kbo_ec_generate(kbo_ec *k, size_t field);
void kbo_ec_free(kbo_ec *k);
/* dwMagic, cbKey, X, Y and (when d is not NULL) d, each field bytes big-endian; malloc'd. */
uint8_t *kbo_ec_blob(uint32_t magic, uint32_t cb, size_t field, const BIGNUM *x,
                     const BIGNUM *y, const BIGNUM *d, size_t *len);
/* OpenSSL's verdict on a point: coordinates below p and on the curve. */
int kbo_ec_on_curve(const kbo_ec *k, const BIGNUM *x, const BIGNUM *y);

/* Big-endian, zero-padded to len: fails the test if bn does not fit. */
void kbo_bn_be(const BIGNUM *bn, uint8_t *out, size_t len);
/* An exact-size heap copy (so ASan sees any read past n; malloc(0) for n == 0). */
uint8_t *kbo_dup(const uint8_t *b, size_t n);

#endif
