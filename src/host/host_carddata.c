#include <stdlib.h>
#include <string.h>

#include "host.h"

const BYTE ch_host_default_atr[] = {0x3B, 0xFD, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x15, 0x80,
                                    0x73, 0xC0, 0x21, 0xC0, 0x57, 0x59, 0x75, 0x62, 0x69, 0x4B,
                                    0x65, 0x79, 0x40};
const size_t ch_host_default_atr_len = sizeof ch_host_default_atr;

size_t ch_host_card_data_size(DWORD version)
{
    switch (version) {
    case CARD_DATA_VERSION_FIVE:
        return CARD_DATA_SIZE_V5;
    case CARD_DATA_VERSION_SIX:
        return CARD_DATA_SIZE_V6;
    default:
        return version < CARD_DATA_VERSION_FIVE ? CARD_DATA_SIZE_V4 : CARD_DATA_SIZE_V7;
    }
}

bool ch_host_csp_init(ch_host_csp *h, DWORD struct_version, DWORD version, const BYTE *atr,
                      size_t atr_len, uintptr_t hctx, uintptr_t hcard)
{
    static const char name[] = "cardhammer PIV";
    PCARD_DATA cd;

    memset(h, 0, sizeof *h);
    h->cd_size = ch_host_card_data_size(struct_version);
    h->cd = cd = calloc(1, h->cd_size);
    h->cache = ch_host_cache_new();
    if (!cd || !h->cache || atr_len > sizeof h->atr) {
        ch_host_csp_free(h);
        return false;
    }
    if (atr_len)
        memcpy(h->atr, atr, atr_len);
    for (size_t i = 0; i < sizeof name; i++)
        h->name[i] = (WCHAR)name[i];

    cd->dwVersion = version;
    cd->pbAtr = h->atr;
    cd->cbAtr = (DWORD)atr_len;
    cd->pwszCardName = h->name;
    cd->pfnCspAlloc = ch_host_alloc;
    cd->pfnCspReAlloc = ch_host_realloc;
    cd->pfnCspFree = ch_host_free;
    cd->pfnCspCacheAddFile = ch_host_cache_add;
    cd->pfnCspCacheLookupFile = ch_host_cache_lookup;
    cd->pfnCspCacheDeleteFile = ch_host_cache_delete;
    cd->pvCacheContext = h->cache;
    cd->pfnCspPadData = NULL;
    cd->hSCardCtx = (SCARDCONTEXT)hctx;
    cd->hScard = (SCARDHANDLE)hcard;
    return true;
}

void ch_host_csp_free(ch_host_csp *h)
{
    free(h->cd);
    ch_host_cache_free(h->cache);
    memset(h, 0, sizeof *h);
}
