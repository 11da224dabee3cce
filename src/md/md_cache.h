/* Card files kept in the CSP's cache (pfnCspCacheAddFile / LookupFile), judged fresh by the
 * cardcf counters (docs/card-mapping.md "Caching"): a second context on an unchanged card
 * reads no certificate again. */
#ifndef CH_MD_CACHE_H
#define CH_MD_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "cardmod.h"
#include "md_context.h"

/* What one entry point call knows of the card: its identity (the cache namespace) and the
 * cardcf header read at the start of the call (the freshness every entry is judged by). */
typedef struct ch_md_view {
    uint8_t cardid[16];
    uint8_t cf[6];
} ch_md_view;

/* Reads cardid (once per context) and cardcf (every call: another process may have changed
 * the card since). Needs ch_md_card_io first. */
DWORD ch_md_view_open(ch_md_ctx *ctx, ch_md_view *v);

/* A fresh cached copy of `name`: SCARD_S_SUCCESS with *out from the CSP allocator (*len may be
 * 0), SCARD_E_FILE_NOT_FOUND on a miss, a stale entry or when the CSP has no cache,
 * SCARD_E_NO_MEMORY. */
DWORD ch_md_cache_get(PCARD_DATA cd, const ch_md_view *v, const char *name, uint8_t **out,
                      size_t *len);
/* Best effort: a cache that refuses the entry costs only a later card read. */
void ch_md_cache_put(PCARD_DATA cd, const ch_md_view *v, const char *name, const uint8_t *data,
                     size_t len);

#endif
