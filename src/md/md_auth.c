/* Logging in and out: CardAuthenticatePin, CardAuthenticateEx, CardDeauthenticate(Ex).
 *
 * PIN ids (md_context.h): ROLE_USER and CH_MD_PIN_SIGN are the one PIV PIN (80), ROLE_ADMIN
 * is the management key (9B, challenge/response: md_challenge.c), CH_MD_PIN_PUK the PUK,
 * which PIV cannot VERIFY on its own. The card is the authority on the PIN; the context
 * keeps a record of what it authenticated (the only one for the management key).
 *
 * Order of checks in every entry point: the context, then UNSUPPORTED_FEATURE conditions, then
 * INVALID_PARAMETER, then a PIN the card could never accept (SCARD_W_WRONG_CHV without
 * spending a try), then the card. */
#include "md_entry.h"
#include "md_pin.h"
#include "utf16.h"
#include "wipe.h"

PIN_ID ch_md_user_of(const WCHAR *name)
{
    if (ch_u16_eq_ascii(name, CH_MD_USER_MAX, "user"))
        return ROLE_USER;
    if (ch_u16_eq_ascii(name, CH_MD_USER_MAX, "admin"))
        return ROLE_ADMIN;
    return ROLE_EVERYONE;
}

void ch_md_attempts(DWORD rc, int tries, PDWORD attempts)
{
    if (!attempts)
        return;
    if (rc == SCARD_W_WRONG_CHV)
        *attempts = tries >= 0 ? (DWORD)tries : CARD_DATA_VALUE_UNKNOWN;
    else if (rc == SCARD_W_CHV_BLOCKED)
        *attempts = 0;
}

void ch_md_pin_failed(ch_md_ctx *ctx, DWORD rc)
{
    if (rc == SCARD_W_WRONG_CHV || rc == SCARD_W_CHV_BLOCKED)
        ctx->authenticated &= ~(PIN_SET)CH_MD_PIV_PIN_SET;
}

/* VERIFY the PIV PIN. The caller has checked the pointer and the length are not NULL / 0. */
static DWORD verify_pin(ch_md_ctx *ctx, const BYTE *pin, DWORD len, PDWORD attempts)
{
    int tries = CH_PIV_TRIES_UNKNOWN;
    DWORD rc;

    if (!ch_piv_pin_shape_ok(pin, len))
        return SCARD_W_WRONG_CHV; /* the card would refuse it: no try is spent */
    rc = ch_md_card_io(ctx);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    rc = ch_md_card_done(ctx, ch_piv_verify(&ctx->apdu, CH_PIV_REF_PIN, pin, len, &tries));
    if (rc == SCARD_S_SUCCESS)
        ctx->authenticated |= CH_MD_PIV_PIN_SET;
    ch_md_pin_failed(ctx, rc);
    ch_md_attempts(rc, tries, attempts);
    return rc;
}

DWORD WINAPI CardAuthenticatePin(PCARD_DATA pCardData, LPWSTR pwszUserId, PBYTE pbPin,
                                 DWORD cbPin, PDWORD pcAttemptsRemaining)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    PIN_ID user;

    if (!ctx)
        return SCARD_E_INVALID_PARAMETER;
    user = ch_md_user_of(pwszUserId);
    /* The admin is a challenge/response principal here: CardGetChallenge and
     * CardAuthenticateChallenge (or CardAuthenticateEx(ROLE_ADMIN)). */
    if (user == ROLE_ADMIN)
        return SCARD_E_UNSUPPORTED_FEATURE;
    if (user != ROLE_USER || !pbPin || cbPin == 0)
        return SCARD_E_INVALID_PARAMETER;
    return verify_pin(ctx, pbPin, cbPin, pcAttemptsRemaining);
}

#define AUTH_EX_UNSUPPORTED (CARD_AUTHENTICATE_GENERATE_SESSION_PIN | CARD_AUTHENTICATE_SESSION_PIN)

DWORD WINAPI CardAuthenticateEx(PCARD_DATA pCardData, PIN_ID PinId, DWORD dwFlags,
                                PBYTE pbPinData, DWORD cbPinData, PBYTE *ppbSessionPin,
                                PDWORD pcbSessionPin, PDWORD pcAttemptsRemaining)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);

    /* Session PINs are never produced (PIN strength: plaintext only), so the session-PIN
     * outputs are never written and may be NULL. */
    (void)ppbSessionPin;
    (void)pcbSessionPin;
    if (!ctx)
        return SCARD_E_INVALID_PARAMETER;
    if ((dwFlags & AUTH_EX_UNSUPPORTED) || PinId == CH_MD_PIN_PUK)
        return SCARD_E_UNSUPPORTED_FEATURE;
    if ((dwFlags & ~(DWORD)CARD_PIN_SILENT_CONTEXT) != 0)
        return SCARD_E_INVALID_PARAMETER;
    if (PinId == ROLE_ADMIN)
        return ch_md_admin_response(ctx, pbPinData, cbPinData, pcAttemptsRemaining);
    if ((PinId != ROLE_USER && PinId != CH_MD_PIN_SIGN) || !pbPinData || cbPinData == 0)
        return SCARD_E_INVALID_PARAMETER;
    return verify_pin(ctx, pbPinData, cbPinData, pcAttemptsRemaining);
}

/* Ends the sessions in `set` (ROLE_EVERYONE and undefined bits already removed). */
static DWORD deauthenticate(ch_md_ctx *ctx, PIN_SET set)
{
    DWORD rc;

    /* The PUK is never left authenticated (it cannot be VERIFYed alone): nothing to end. */
    set &= ~(PIN_SET)CREATE_PIN_SET(CH_MD_PIN_PUK);
    if (set == 0)
        return SCARD_S_SUCCESS;
    rc = ch_md_card_io(ctx);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (set & CH_MD_PIV_PIN_SET) {
        rc = ch_md_card_done(ctx, ch_piv_pin_reset_state(&ctx->apdu, CH_PIV_REF_PIN));
        if (rc != SCARD_S_SUCCESS)
            return rc;
        ctx->authenticated &= ~(PIN_SET)CH_MD_PIV_PIN_SET;
    }
    if (set & CREATE_PIN_SET(ROLE_ADMIN)) {
        /* PIV has no command that ends a management-key session alone; selecting the
         * application again ends every session (PIN included) on the cards we know. */
        rc = ch_md_card_done(ctx, ch_piv_select(&ctx->apdu, &ctx->apt));
        if (rc != SCARD_S_SUCCESS) {
            /* What is selected now is unknown: select again before the next command. */
            ctx->need_select = true;
            return rc;
        }
        ctx->authenticated = 0;
        ch_wipe(ctx->challenge, sizeof ctx->challenge);
        ctx->challenge_len = 0;
    }
    return SCARD_S_SUCCESS;
}

DWORD WINAPI CardDeauthenticate(PCARD_DATA pCardData, LPWSTR pwszUserId, DWORD dwFlags)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    PIN_ID user;

    if (!ctx || dwFlags != 0)
        return SCARD_E_INVALID_PARAMETER;
    user = ch_md_user_of(pwszUserId);
    if (user == ROLE_USER)
        return deauthenticate(ctx, CH_MD_PIV_PIN_SET);
    if (user == ROLE_ADMIN)
        return deauthenticate(ctx, CREATE_PIN_SET(ROLE_ADMIN));
    return SCARD_E_INVALID_PARAMETER;
}

DWORD WINAPI CardDeauthenticateEx(PCARD_DATA pCardData, PIN_SET PinId, DWORD dwFlags)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    PIN_SET set = PinId & ~(PIN_SET)CREATE_PIN_SET(ROLE_EVERYONE);

    if (!ctx || dwFlags != 0)
        return SCARD_E_INVALID_PARAMETER;
    /* PIN_SET_ALL_ROLES means every PIN the card has, including ids it does not define;
     * otherwise a PIN id this card does not define is an invalid parameter. */
    if (PinId == PIN_SET_ALL_ROLES)
        set = CH_MD_PINS_DEFINED;
    else if ((set & ~(PIN_SET)CH_MD_PINS_DEFINED) != 0)
        return SCARD_E_INVALID_PARAMETER;
    return deauthenticate(ctx, set);
}
