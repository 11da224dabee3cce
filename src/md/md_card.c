/* The card-side bookkeeping every entry point shares: re-selecting the application after a
 * reset, forgetting authentication when the card says it was reset or removed, and the CSP's
 * allocator (the module allocates nothing else on the heap). */
#include "md_context.h"
#include "wipe.h"

DWORD ch_md_card_io(ch_md_ctx *ctx)
{
    DWORD rc;
    if (ctx->apdu.desync) {
        /* The last exchange broke off: the card may still wait for the rest of a chain (it
         * would join our next command to it) or hold an answer. SELECT puts it back in step. */
        ctx->apdu.desync = false;
        ctx->need_select = true;
    }
    if (!ctx->need_select)
        return SCARD_S_SUCCESS;
    rc = ch_piv_select(&ctx->apdu, &ctx->apt); /* sent twice if the card answers 6883 */
    if (rc == SCARD_S_SUCCESS) {
        /* Selecting the application resets its security status (SP 800-73-4 part 2, 3.1.1):
         * what the module remembers of PIN and admin sessions ends with it. */
        ctx->need_select = false;
        ctx->authenticated = 0;
        ch_wipe(ctx->challenge, sizeof ctx->challenge);
        ctx->challenge_len = 0;
    }
    return ch_md_card_done(ctx, rc);
}

DWORD ch_md_card_done(ch_md_ctx *ctx, DWORD rc)
{
    if (rc == SCARD_W_RESET_CARD || rc == SCARD_W_REMOVED_CARD) {
        /* A reset ends every security state on the card and deselects the application. */
        ctx->need_select = true;
        ctx->authenticated = 0;
        ch_wipe(ctx->challenge, sizeof ctx->challenge);
        ctx->challenge_len = 0;
        if (rc == SCARD_W_REMOVED_CARD)
            ctx->cardid_known = false; /* whatever comes back is not known to be this card */
    }
    return rc;
}

void *ch_md_alloc(PCARD_DATA cd, size_t n)
{
    return cd->pfnCspAlloc(n ? n : 1);
}

void ch_md_free(PCARD_DATA cd, void *p)
{
    if (p)
        cd->pfnCspFree(p);
}
