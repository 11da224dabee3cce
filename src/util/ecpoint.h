/* Validity checks on NIST P-256 / P-384 values for key import.
 *   - ch_ec_point_on_curve: SEC 1 v2 section 3.2.2.1 partial public key validation
 *     (coordinates below the field prime, y^2 = x^3 - 3x + b mod p).
 *   - ch_ec_scalar_valid: a private scalar in [1, n-1].
 *   - ch_ec_public_matches: whether (x, y) is d*G, i.e. whether a private key blob's public
 *     point belongs to its scalar (the card derives the public key from d alone).
 * All three run on one fixed-size Montgomery arithmetic (ecpoint.c); the last two handle the
 * private scalar with a sequence of operations and memory accesses that does not depend on
 * d's value, and wipe every temporary derived from d. What is left
 * variable is listed at the top of ecpoint.c.
 * Inputs are big-endian, exactly the field size (32 or 48 bytes). */
#ifndef CH_ECPOINT_H
#define CH_ECPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* field: 32 (P-256) or 48 (P-384); any other value, or a NULL pointer, is false. */
bool ch_ec_point_on_curve(size_t field, const uint8_t *x, const uint8_t *y);
bool ch_ec_scalar_valid(size_t field, const uint8_t *d);

/* d*G == (x, y) on the curve of `field`. false when d is not in [1, n-1] and for every (x, y)
 * other than d*G (so also for a point off the curve or a coordinate >= p). Cost: one fixed-base
 * scalar multiplication, measured at about 0.57 ms (P-256) / 1.6 ms (P-384) per call with
 * gcc -O2 on an x86-64 build machine, 1.7 / 5.0 ms under ASan + UBSan. */
bool ch_ec_public_matches(size_t field, const uint8_t *d, const uint8_t *x, const uint8_t *y);

#endif
