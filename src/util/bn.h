/* A small fixed-capacity unsigned bignum for CONSISTENCY CHECKS on imported keys: that an RSA
 * key blob's numbers are one key (p*q == n, CRT values) and that an EC point is on its curve.
 * It is not cryptography and is NOT constant-time: running time and memory access depend on the
 * values (bit lengths, branch on compare). That is acceptable only because every caller checks
 * key material the CSP hands in, once, on import; never use it for an operation with a key.
 *
 * Numbers are 32-bit limbs, least significant first, with a fixed capacity of CH_BN_BITS
 * (enough for the product of two 4096-bit numbers). No heap: a ch_bn lives on the caller's
 * stack, and a caller that loads private values wipes it (ch_bn_wipe) on every path.
 * Functions that can overflow the capacity return false and leave the result unspecified. */
#ifndef CH_BN_H
#define CH_BN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CH_BN_LIMBS 256u /* 8192 bits */
#define CH_BN_BITS (CH_BN_LIMBS * 32u)
#define CH_BN_BYTES (CH_BN_LIMBS * 4u)

typedef struct ch_bn {
    uint32_t limb[CH_BN_LIMBS]; /* limb[i] for i >= top is always zero */
    size_t top;                 /* limbs in use: limb[top - 1] != 0, or top == 0 for zero */
} ch_bn;

void ch_bn_zero(ch_bn *a);
void ch_bn_set_u32(ch_bn *a, uint32_t v);
/* Zeroes the whole number (ch_wipe): for values that held key material. */
void ch_bn_wipe(ch_bn *a);

/* Loads len bytes, big- or little-endian. len may exceed CH_BN_BYTES when the excess bytes
 * are leading zeros; false when the value does not fit (a is then zero). in may be NULL only
 * when len == 0. */
bool ch_bn_from_be(ch_bn *a, const uint8_t *in, size_t len);
bool ch_bn_from_le(ch_bn *a, const uint8_t *in, size_t len);
/* Stores a in exactly len bytes, zero-padded. false (out untouched) when a needs more. */
bool ch_bn_to_be(const ch_bn *a, uint8_t *out, size_t len);
bool ch_bn_to_le(const ch_bn *a, uint8_t *out, size_t len);

size_t ch_bn_bits(const ch_bn *a); /* 0 for zero */
bool ch_bn_is_zero(const ch_bn *a);
bool ch_bn_is_odd(const ch_bn *a);
/* -1, 0 or 1 as a <, ==, > b. */
int ch_bn_cmp(const ch_bn *a, const ch_bn *b);
int ch_bn_cmp_u32(const ch_bn *a, uint32_t w);

/* r = a + b; false on overflow of the capacity. r may alias a or b. */
bool ch_bn_add(ch_bn *r, const ch_bn *a, const ch_bn *b);
/* r = a - b; false (r unspecified) when a < b. r may alias a or b. */
bool ch_bn_sub(ch_bn *r, const ch_bn *a, const ch_bn *b);
bool ch_bn_sub_u32(ch_bn *r, const ch_bn *a, uint32_t w);
/* r = a * w; false on overflow. r may alias a. */
bool ch_bn_mul_u32(ch_bn *r, const ch_bn *a, uint32_t w);
/* r = a * b (schoolbook); false on overflow. r must not alias a or b. */
bool ch_bn_mul(ch_bn *r, const ch_bn *a, const ch_bn *b);
/* r = a mod m (bit-serial shift and subtract); false when m is zero. r must not alias a or m. */
bool ch_bn_mod(ch_bn *r, const ch_bn *a, const ch_bn *m);
/* r = a * b mod m through an internal product that is wiped afterwards; r may alias a or b
 * (not m). false when m is zero or a * b overflows. */
bool ch_bn_mod_mul(ch_bn *r, const ch_bn *a, const ch_bn *b, const ch_bn *m);

#endif
