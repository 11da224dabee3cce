/* csp-dlopen: what a CSP does with a card module, through a real PC/SC reader.
 *
 *   csp-dlopen LIBRARY [--reader NAME] [--expect ok|unknown-card]
 *
 * dlopens LIBRARY (any preset's libpivmd.so), connects to the reader (default: $CH_READER),
 * and for every dwVersion boundary in 0..0xFFFFFFFF fills a CARD_DATA exactly as large as a
 * CSP of that version allocates it, calls CardAcquireContext and checks the negotiation:
 * below 4 ERROR_REVISION_MISMATCH with nothing allocated and CARD_DATA untouched; otherwise
 * min(requested, 7), every pointer of that version set and pointing into LIBRARY, nothing
 * else changed; CardDeleteContext frees everything. With --expect unknown-card the card must
 * be refused with SCARD_E_UNKNOWN_CARD and nothing left allocated. Exit 0 when all hold. */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cardmod.h"
#include "csp_pcsc.h"
#include "host.h"

typedef DWORD(WINAPI *acquire_fn)(PCARD_DATA, DWORD);

static const DWORD boundaries[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x7FFFFFFFu, 0x80000000u,
                                   0xFFFFFFFEu, 0xFFFFFFFFu};

static int failures;

#define EXPECT(cond, ...)                                                                    \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "  FAIL %s: ", #cond);                                           \
            fprintf(stderr, __VA_ARGS__);                                                    \
            fputc('\n', stderr);                                                             \
            failures++;                                                                      \
        }                                                                                    \
    } while (0)

/* Every table member of version v is set and lies in the module we loaded. */
static void check_table(const CARD_DATA *cd, size_t size, DWORD v, void *lib_base)
{
    static const struct {
        size_t from, to;
        DWORD version;
    } ranges[] = {
        {offsetof(CARD_DATA, pfnCardDeleteContext), offsetof(CARD_DATA, pvUnused3), 4},
        {offsetof(CARD_DATA, pfnCardCreateFile), offsetof(CARD_DATA, pfnCardDeriveKey), 4},
        {offsetof(CARD_DATA, pfnCardDeriveKey), offsetof(CARD_DATA, pfnCspGetDHAgreement), 5},
        {offsetof(CARD_DATA, pfnCardGetChallengeEx), offsetof(CARD_DATA, pfnCspUnpadData), 6},
        {offsetof(CARD_DATA, pfnMDImportSessionKey), sizeof(CARD_DATA), 7},
    };
    const unsigned char *p = (const unsigned char *)cd;
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        if (ranges[i].version > v)
            continue;
        EXPECT(ranges[i].to <= size, "range past the CSP's structure");
        for (size_t off = ranges[i].from; off < ranges[i].to; off += sizeof(void *)) {
            void *fn;
            Dl_info info;
            memcpy(&fn, p + off, sizeof fn);
            EXPECT(fn != NULL, "member at offset %zu NULL for v%u", off, v);
            EXPECT(fn && dladdr(fn, &info) && info.dli_fbase == lib_base,
                   "member at offset %zu points outside the module", off);
        }
    }
}

static void negotiate(acquire_fn acquire, void *lib_base, DWORD version, uintptr_t hctx,
                      uintptr_t hcard, const uint8_t *atr, size_t atr_len, int expect_ok)
{
    ch_host_csp csp;
    unsigned char *before;
    DWORD rc, want = version > 7 ? 7 : version;

    ch_host_alloc_reset();
    if (!ch_host_csp_init(&csp, version, version, atr, atr_len, hctx, hcard)) {
        EXPECT(0, "out of memory");
        return;
    }
    before = malloc(csp.cd_size);
    if (!before) {
        ch_host_csp_free(&csp);
        EXPECT(0, "out of memory");
        return;
    }
    memcpy(before, csp.cd, csp.cd_size);
    rc = acquire(csp.cd, 0);
    printf("dwVersion 0x%08X (%zu-byte CARD_DATA) -> 0x%08X, dwVersion now %u\n", version,
           csp.cd_size, rc, csp.cd->dwVersion);
    if (version < CARD_DATA_VERSION_FOUR || !expect_ok) {
        DWORD want_rc = version < CARD_DATA_VERSION_FOUR ? ERROR_REVISION_MISMATCH
                                                          : SCARD_E_UNKNOWN_CARD;
        EXPECT(rc == want_rc, "got 0x%08X, want 0x%08X", rc, want_rc);
        EXPECT(memcmp(before, csp.cd, csp.cd_size) == 0, "CARD_DATA changed by a refusal");
        EXPECT(ch_host_alloc_live() == 0, "%zu allocations left", ch_host_alloc_live());
    } else {
        EXPECT(rc == SCARD_S_SUCCESS, "got 0x%08X", rc);
        if (rc == SCARD_S_SUCCESS) {
            EXPECT(csp.cd->dwVersion == want, "negotiated %u, want %u", csp.cd->dwVersion, want);
            EXPECT(csp.cd->pvVendorSpecific != NULL, "no context");
            check_table(csp.cd, csp.cd_size, want, lib_base);
            EXPECT(csp.cd->pfnCardQueryCapabilities(csp.cd, NULL) == SCARD_E_INVALID_PARAMETER,
                   "a NULL structure must be refused");
            EXPECT(csp.cd->pfnCardCreateDirectory(csp.cd, NULL, UserCreateDeleteDirAc) ==
                       SCARD_E_UNSUPPORTED_FEATURE,
                   "an unimplemented entry point must say so");
            EXPECT(csp.cd->pfnCardDeleteContext(csp.cd) == SCARD_S_SUCCESS, "delete failed");
            EXPECT(ch_host_alloc_live() == 0, "delete left %zu allocations",
                   ch_host_alloc_live());
        }
    }
    EXPECT(ch_host_alloc_errors() == 0, "double or foreign free");
    free(before);
    ch_host_csp_free(&csp);
    ch_host_alloc_reset();
}

int main(int argc, char **argv)
{
    const char *lib = NULL, *reader = getenv("CH_READER");
    int expect_ok = 1;
    uintptr_t hctx, hcard;
    uint8_t atr[36];
    size_t atr_len;
    void *h;
    acquire_fn acquire;
    Dl_info info;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reader") && i + 1 < argc)
            reader = argv[++i];
        else if (!strcmp(argv[i], "--expect") && i + 1 < argc)
            expect_ok = strcmp(argv[++i], "unknown-card") != 0;
        else if (argv[i][0] != '-' && !lib)
            lib = argv[i];
        else {
            fprintf(stderr, "usage: csp-dlopen LIBRARY [--reader NAME] [--expect ok|unknown-card]\n");
            return 2;
        }
    }
    if (!lib || !reader) {
        fprintf(stderr, "csp-dlopen: need LIBRARY and a reader (--reader or $CH_READER)\n");
        return 2;
    }
    h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "csp-dlopen: %s\n", dlerror());
        return 1;
    }
    acquire = (acquire_fn)(uintptr_t)dlsym(h, "CardAcquireContext");
    if (!acquire || !dladdr((void *)(uintptr_t)acquire, &info)) {
        fprintf(stderr, "csp-dlopen: %s exports no CardAcquireContext\n", lib);
        return 1;
    }
    if (csp_pcsc_connect(reader, &hctx, &hcard, atr, sizeof atr, &atr_len) != 0)
        return 1;

    for (size_t i = 0; i < sizeof boundaries / sizeof boundaries[0]; i++)
        negotiate(acquire, info.dli_fbase, boundaries[i], hctx, hcard, atr, atr_len, expect_ok);

    csp_pcsc_disconnect(hctx, hcard);
    dlclose(h);
    printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
    return failures ? 1 : 0;
}
