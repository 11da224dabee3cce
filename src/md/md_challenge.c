/* The admin principal: the PIV management key (9B), authenticated by challenge/response.
 * CardGetChallenge(Ex) asks the card for a challenge (one block of the key's algorithm: 8
 * bytes for 3DES, 16 for AES), the CSP encrypts it with the key (ECB, one block), and
 * CardAuthenticateChallenge or CardAuthenticateEx(ROLE_ADMIN) hands the result back.
 *
 * The context keeps the outstanding challenge so that a response without one (or of the
 * wrong length) is refused before reaching the card. A new challenge replaces the old one;
 * a response consumes it whatever the outcome, so each challenge is answered at most once.
 * The management key has no retry counter: a wrong response reports CARD_DATA_VALUE_UNKNOWN
 * attempts. */
#include <string.h>

#include "md_entry.h"
#include "md_pin.h"
#include "wipe.h"

static void forget_challenge(ch_md_ctx *ctx)
{
    ch_wipe(ctx->challenge, sizeof ctx->challenge);
    ctx->challenge_len = 0;
}

static DWORD get_challenge(PCARD_DATA cd, ch_md_ctx *ctx, PBYTE *out, PDWORD out_len)
{
    uint8_t challenge[sizeof ctx->challenge];
    size_t n = 0;
    uint8_t alg = 0;
    BYTE *p;
    DWORD rc;

    forget_challenge(ctx);
    rc = ch_md_card_io(ctx);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (ctx->mgm_alg == 0) {
        rc = ch_md_card_done(ctx, ch_piv_mgm_alg(&ctx->apdu, &alg));
        if (rc != SCARD_S_SUCCESS)
            return rc;
        ctx->mgm_alg = alg;
    }
    rc = ch_md_card_done(ctx, ch_piv_mgm_challenge(&ctx->apdu, ctx->mgm_alg, challenge,
                                                   sizeof challenge, &n));
    if (rc != SCARD_S_SUCCESS) {
        ctx->mgm_alg = 0; /* the key may have changed under us: read its algorithm again */
        return rc;
    }
    p = ch_md_alloc(cd, n);
    if (!p) {
        ch_wipe(challenge, sizeof challenge);
        return SCARD_E_NO_MEMORY;
    }
    memcpy(p, challenge, n);
    memcpy(ctx->challenge, challenge, n);
    ctx->challenge_len = n;
    ch_wipe(challenge, sizeof challenge);
    *out = p;
    *out_len = (DWORD)n; /* n is one block: 8 or 16 */
    return SCARD_S_SUCCESS;
}

DWORD WINAPI CardGetChallenge(PCARD_DATA pCardData, PBYTE *ppbChallengeData,
                              PDWORD pcbChallengeData)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);

    if (!ctx || !ppbChallengeData || !pcbChallengeData)
        return SCARD_E_INVALID_PARAMETER;
    return get_challenge(pCardData, ctx, ppbChallengeData, pcbChallengeData);
}

DWORD WINAPI CardGetChallengeEx(PCARD_DATA pCardData, PIN_ID PinId, PBYTE *ppbChallengeData,
                                PDWORD pcbChallengeData, DWORD dwFlags)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);

    /* Only the admin is a challenge/response principal on this card. */
    if (!ctx || dwFlags != 0 || PinId != ROLE_ADMIN || !ppbChallengeData || !pcbChallengeData)
        return SCARD_E_INVALID_PARAMETER;
    return get_challenge(pCardData, ctx, ppbChallengeData, pcbChallengeData);
}

DWORD ch_md_admin_response(ch_md_ctx *ctx, const BYTE *response, DWORD len, PDWORD attempts)
{
    size_t want = ctx->challenge_len;
    DWORD rc;

    forget_challenge(ctx); /* consumed whatever the outcome */
    /* No outstanding challenge is a call out of sequence: an invalid parameter, no APDU. */
    if (want == 0 || !response || len != want)
        return SCARD_E_INVALID_PARAMETER;
    rc = ch_md_card_io(ctx);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    rc = ch_md_card_done(ctx, ch_piv_mgm_response(&ctx->apdu, ctx->mgm_alg, response, len));
    if (rc == SCARD_S_SUCCESS) {
        ctx->authenticated |= CREATE_PIN_SET(ROLE_ADMIN);
    } else if (rc == SCARD_W_WRONG_CHV) {
        ctx->authenticated &= ~(PIN_SET)CREATE_PIN_SET(ROLE_ADMIN);
        if (attempts)
            *attempts = CARD_DATA_VALUE_UNKNOWN; /* no retry counter on the management key */
    }
    return rc;
}

DWORD WINAPI CardAuthenticateChallenge(PCARD_DATA pCardData, PBYTE pbResponseData,
                                       DWORD cbResponseData, PDWORD pcAttemptsRemaining)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);

    if (!ctx)
        return SCARD_E_INVALID_PARAMETER;
    return ch_md_admin_response(ctx, pbResponseData, cbResponseData, pcAttemptsRemaining);
}
