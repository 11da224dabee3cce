#include <string.h>

#include "md_context.h"
#include "wipe.h"

ch_md_ctx *ch_md_ctx_of(PCARD_DATA cd)
{
    ch_md_ctx *ctx;
    if (!cd || !cd->pvVendorSpecific)
        return NULL;
    ctx = cd->pvVendorSpecific;
    return ctx->magic == CH_MD_MAGIC ? ctx : NULL;
}

DWORD WINAPI CardDeleteContext(PCARD_DATA pCardData)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);

    if (!ctx || !pCardData->pfnCspFree)
        return SCARD_E_INVALID_PARAMETER;
    ch_transport_close(&ctx->tp);
    ch_wipe(ctx, sizeof *ctx); /* also clears the magic: a stale pointer is refused later */
    pCardData->pfnCspFree(ctx);
    pCardData->pvVendorSpecific = NULL;
    return SCARD_S_SUCCESS;
}
