/* OpenSSL's randomness replaced by a counter (after OpenSSL's own fuzz/fuzz_rand.c): vpiv and
 * the oracles ask libcrypto for ECDSA nonces, RSA blinding and prime-test witnesses, and with
 * the system DRBG an ECDSA signature is 70..72 bytes at random, so an input or a recorded
 * seed would not replay the same way. Used by fuzz_vpiv and record_apdu_seeds. */
#ifndef CH_COUNTER_RAND_H
#define CH_COUNTER_RAND_H

#include <stdint.h>

/* Makes every OpenSSL DRBG the counter; call before anything draws random bytes. Returns 1,
 * or 0 when OpenSSL refused (the caller aborts). Idempotent. */
int ch_counter_rand_install(void);
/* Restarts the counter. */
void ch_counter_rand_seed(uint64_t seed);

#endif
