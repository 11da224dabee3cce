/* Invariant failures in fuzz targets: print what broke and abort, so every engine (and the
 * standalone runner under ctest) reports it as a crash with the input that caused it. */
#ifndef CH_FUZZ_CHECK_H
#define CH_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CH_CHECK(cond, ...)                                                                  \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "invariant failed at %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
            fprintf(stderr, __VA_ARGS__);                                                    \
            fputc('\n', stderr);                                                             \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#endif
