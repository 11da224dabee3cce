/* explicit_bzero is a BSD/GNU extension: glibc only declares it under _DEFAULT_SOURCE, and the
 * project builds with -std=c11 (no extensions). Must come before any include. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif

#include "wipe.h"

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#else
#include <string.h> /* explicit_bzero; also defines __GLIBC__ via <features.h> */
#endif

#if !defined(_WIN32) && defined(__GLIBC__) &&                                                    \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 25))
#define CH_HAVE_EXPLICIT_BZERO 1
#endif

void ch_wipe(void *p, size_t n)
{
    if (p == NULL || n == 0)
        return;
#if defined(_WIN32)
    SecureZeroMemory(p, n);
#elif defined(CH_HAVE_EXPLICIT_BZERO)
    explicit_bzero(p, n);
#else
    {
        volatile unsigned char *vp = (volatile unsigned char *)p;
        size_t i;
        for (i = 0; i < n; i++) /* no `while (n--)`: the final wrap trips UBSan's unsigned check */
            vp[i] = 0;
#if defined(__GNUC__) || defined(__clang__)
        __asm__ __volatile__("" : : "r"(p) : "memory");
#endif
    }
#endif
}

int ch_ct_memeq(const void *a, const void *b, size_t n)
{
    /* volatile reads keep the compiler from turning the loop into an early-exit comparison */
    const volatile unsigned char *x = (const volatile unsigned char *)a;
    const volatile unsigned char *y = (const volatile unsigned char *)b;
    unsigned d = 0;
    size_t i;

    if (n == 0)
        return 1;
    if (a == NULL || b == NULL)
        return 0;
    for (i = 0; i < n; i++)
        d |= (unsigned)(x[i] ^ y[i]);
    /* d is in 0..255: d + 255 has bit 8 set iff d != 0; no branch, no unsigned wrap-around. */
    return (int)(((d + 0xFFu) >> 8) ^ 1u);
}
