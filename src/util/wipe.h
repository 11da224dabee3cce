/* Secure wipe and constant-time comparison for secrets (PINs, key material, challenges). */
#ifndef CH_WIPE_H
#define CH_WIPE_H

#include <stddef.h>

/* Zeroes n bytes at p in a way the compiler may not drop as a dead store.
 * p == NULL is a no-op whatever n is. */
void ch_wipe(void *p, size_t n);

/* Constant-time equality of n bytes: 1 if equal, 0 otherwise. The time taken depends on n only,
 * never on the contents. n == 0 compares equal (a and b may then be NULL); a NULL pointer with
 * n > 0 compares unequal. */
int ch_ct_memeq(const void *a, const void *b, size_t n);

#endif
