/* Cheap validity checks on NIST P-256 / P-384 values (SEC 1 v2 section 3.2.2.1 partial public
 * key validation): coordinates below the field prime and y^2 = x^3 - 3x + b (mod p); private
 * scalars in [1, n-1]. Built on the small bignum of bn.h; no point multiplication (that is not
 * cheap without a real bignum library, and the card computes the public key itself).
 * Inputs are big-endian, exactly the field size (32 or 48 bytes). */
#ifndef CH_ECPOINT_H
#define CH_ECPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* field: 32 (P-256) or 48 (P-384); any other value is false. */
bool ch_ec_point_on_curve(size_t field, const uint8_t *x, const uint8_t *y);
bool ch_ec_scalar_valid(size_t field, const uint8_t *d);

#endif
