/* The CSP side for tests, fuzzers and mdreplay: what Windows' Base CSP / KSP provides to a
 * card module. Never linked into the shipped library.
 *
 * The allocator callbacks of CARD_DATA take no context argument, so the counting allocator's
 * state is per-thread here (the module itself keeps no global state). */
#ifndef CH_HOST_H
#define CH_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cardmod.h"

/* ---- counting allocator: detects leaks, double and foreign frees, injects failures ---- */
void ch_host_alloc_reset(void);            /* forget everything (frees nothing) */
size_t ch_host_alloc_live(void);           /* allocations not yet freed */
unsigned long ch_host_alloc_count(void);   /* allocations made since reset */
unsigned long ch_host_alloc_errors(void);  /* frees/reallocs of pointers we never handed out */
/* The k-th allocation from now (1-based, realloc included) fails; 0 = never. */
void ch_host_alloc_fail_at(unsigned long k);
/* Frees every live allocation (after a test has counted the leak). */
void ch_host_alloc_release_all(void);

LPVOID WINAPI ch_host_alloc(SIZE_T size);
LPVOID WINAPI ch_host_realloc(LPVOID p, SIZE_T size);
void WINAPI ch_host_free(LPVOID p);

/* ---- in-memory file cache, the CSP's pfnCspCache* callbacks ---- */
typedef struct ch_host_cache ch_host_cache;
ch_host_cache *ch_host_cache_new(void);
void ch_host_cache_free(ch_host_cache *c);
size_t ch_host_cache_entries(const ch_host_cache *c);
DWORD WINAPI ch_host_cache_add(PVOID ctx, LPWSTR tag, DWORD flags, PBYTE data, DWORD len);
DWORD WINAPI ch_host_cache_lookup(PVOID ctx, LPWSTR tag, DWORD flags, PBYTE *data, PDWORD len);
DWORD WINAPI ch_host_cache_delete(PVOID ctx, LPWSTR tag, DWORD flags);

/* ---- CARD_DATA as a CSP of a given version lays it out ---- */
/* Bytes a CSP of `version` allocates: the v4 layout for 0..4, v5, v6, and the v7 layout for
 * 7 and above (a newer CSP's structure is at least that large). */
size_t ch_host_card_data_size(DWORD version);

typedef struct ch_host_csp {
    PCARD_DATA cd;     /* heap block of exactly cd_size bytes, so ASan sees any overflow */
    size_t cd_size;
    ch_host_cache *cache;
    BYTE atr[33];
    WCHAR name[64];
} ch_host_csp;

/* A CARD_DATA filled like a CSP does before CardAcquireContext: dwVersion = version, the
 * given ATR, card name "cardhammer PIV", allocator, cache and (NULL) padding callbacks, and
 * the two handles. The structure is sized for `struct_version`. Returns false on OOM. */
bool ch_host_csp_init(ch_host_csp *h, DWORD struct_version, DWORD version, const BYTE *atr,
                      size_t atr_len, uintptr_t hctx, uintptr_t hcard);
void ch_host_csp_free(ch_host_csp *h);

/* The ATR of a YubiKey 5 (PIV-capable), for tests that need a realistic one. */
extern const BYTE ch_host_default_atr[];
extern const size_t ch_host_default_atr_len;

#endif
