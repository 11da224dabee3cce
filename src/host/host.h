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

/* ---- secret residue: what a freed block still holds ----
 * Every block the module frees (ch_host_free, and the old block of ch_host_realloc, which
 * always moves) is scanned, before it goes back to libc, for the secrets the test registered.
 *
 * Matching rule: a secret of n bytes is found when any CH_HOST_SECRET_WINDOW (8) consecutive
 * bytes of it, or all of it when n < 8, occur in the block; windows made of one repeated byte
 * value are never looked for (zeroed or FF-filled memory would match them); secrets under
 * CH_HOST_SECRET_MIN (4) bytes are refused. Against random data an 8-byte window matches with
 * probability 2^-64 per offset: with 10^4 windows and 10^6 scanned bytes that is below 10^-9.
 * Shorter secrets (PINs of 4..7 bytes) must be chosen not to be ordinary data.
 *
 * The state is per thread and survives ch_host_alloc_reset; ch_host_secret_clear forgets the
 * secrets (its copies are wiped) and the hits. */
#define CH_HOST_SECRET_MAX 48
#define CH_HOST_SECRET_HITS_MAX 32
#define CH_HOST_SECRET_WINDOW 8u
#define CH_HOST_SECRET_MIN 4u
/* Every new block (and the new tail of a realloc) is filled with this byte, so that what a
 * freed block holds was written by the module, not left by whoever freed that memory before. */
#define CH_HOST_ALLOC_FILL 0xA5

typedef struct ch_host_secret_hit {
    const char *name;       /* as registered: the caller keeps the string alive */
    size_t secret_len;
    size_t secret_offset;   /* where in the secret the match starts */
    size_t match_len;       /* bytes that matched (at least one window) */
    size_t block_size;
    size_t offset;          /* where in the block */
    unsigned long alloc_no; /* the block's allocation number (1-based, since the reset) */
    bool live;              /* found by ch_host_secret_scan_live, not at free time */
} ch_host_secret_hit;

/* Watches n bytes (copied) under name. False when n < CH_HOST_SECRET_MIN, n > 65535, or
 * CH_HOST_SECRET_MAX secrets are already watched. */
bool ch_host_secret_watch(const void *p, size_t n, const char *name);
void ch_host_secret_clear(void);
/* Secrets watched now; ch_host_secret_truncate(n) forgets (and wipes) those registered after
 * the first n, e.g. a challenge watched for one round. Hits are kept. */
size_t ch_host_secret_count(void);
void ch_host_secret_truncate(size_t n);
/* Hits so far (one per block and secret); ch_host_secret_hit_at(i) for i < that (NULL past
 * the kept ones). */
size_t ch_host_secret_hits(void);
const ch_host_secret_hit *ch_host_secret_hit_at(size_t i);
/* One line per hit into buf (always terminated); returns the length written. */
size_t ch_host_secret_report(char *buf, size_t cap);
/* Blocks scanned (with at least one secret watched) / freed unscanned as exempt. */
unsigned long ch_host_secret_scanned(void);
unsigned long ch_host_secret_exempted(void);
/* Marks a live block as an output the module handed to the CSP (a challenge, a derived key):
 * what it holds is the CSP's business, so its free is not scanned. False for a pointer that
 * is not a live block. */
bool ch_host_secret_exempt(const void *p);
/* Scans every live block that is not exempt now (a secret the module still holds after it
 * should have forgotten it); hits are recorded with live = true. Returns the new hits. */
size_t ch_host_secret_scan_live(void);

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
