/* CardAcquireContext: parameter validation, version negotiation, SELECT of the PIV
 * application, and the function table. Nothing reaches the card before every check that
 * needs no card has passed; on any failure CARD_DATA is left exactly as the CSP gave it. */
#include <string.h>

#include "md_context.h"
#include "wipe.h"

#define CH_ATR_MIN 2u
#define CH_ATR_MAX 33u /* ISO 7816-3 */

/* The checks in the order deployed minidrivers apply them (reference/cardmod.md). */
static DWORD validate(PCARD_DATA cd, DWORD flags)
{
    /* UNSUPPORTED_FEATURE conditions before INVALID_PARAMETER (DESIGN.md): no-card mode is
     * reported as unsupported even when unknown bits come with it. */
    if (flags & CARD_SECURE_KEY_INJECTION_NO_CARD_MODE)
        return SCARD_E_UNSUPPORTED_FEATURE; /* no secure key injection: see docs/entry-points.md */
    if (flags)
        return SCARD_E_INVALID_PARAMETER;
    if (!cd || !cd->pbAtr || !cd->pwszCardName)
        return SCARD_E_INVALID_PARAMETER;
    if (cd->cbAtr < CH_ATR_MIN || cd->cbAtr > CH_ATR_MAX)
        return SCARD_E_INVALID_PARAMETER;
    if (cd->pbAtr[0] == 0x00 || cd->pbAtr[0] == 0xFF)
        return SCARD_E_UNKNOWN_CARD;
    if (!cd->pfnCspAlloc || !cd->pfnCspReAlloc || !cd->pfnCspFree)
        return SCARD_E_INVALID_PARAMETER;
    if (!cd->hSCardCtx || !cd->hScard)
        return SCARD_E_INVALID_PARAMETER;
    if (cd->dwVersion < CARD_DATA_VERSION_FOUR)
        return ERROR_REVISION_MISMATCH;
    return SCARD_S_SUCCESS;
}

CH_EXPORT DWORD WINAPI CardAcquireContext(PCARD_DATA pCardData, DWORD dwFlags)
{
    DWORD rc = validate(pCardData, dwFlags);
    DWORD version;
    ch_md_ctx *ctx;

    if (rc != SCARD_S_SUCCESS)
        return rc;
    version = pCardData->dwVersion > CARD_DATA_CURRENT_VERSION ? CARD_DATA_CURRENT_VERSION
                                                                : pCardData->dwVersion;

    ctx = pCardData->pfnCspAlloc(sizeof *ctx);
    if (!ctx)
        return SCARD_E_NO_MEMORY;
    memset(ctx, 0, sizeof *ctx);
    ctx->version = version;

    rc = ch_transport_open(&ctx->tp, pCardData->hSCardCtx, pCardData->hScard);
    if (rc == SCARD_S_SUCCESS) {
        ch_apdu_ctx_init(&ctx->apdu, &ctx->tp);
        rc = ch_piv_select(&ctx->apdu, &ctx->apt);
    }
    if (rc != SCARD_S_SUCCESS) {
        ch_transport_close(&ctx->tp);
        ch_wipe(ctx, sizeof *ctx);
        pCardData->pfnCspFree(ctx);
        return rc;
    }

    ctx->magic = CH_MD_MAGIC;
    pCardData->pvVendorSpecific = ctx;
    ch_md_fill_table(pCardData, version);
    pCardData->dwVersion = version;
    return SCARD_S_SUCCESS;
}
