/* Changing and unblocking PINs: CardUnblockPin, CardChangeAuthenticator(Ex).
 *
 *   change the PIV PIN (ROLE_USER / CH_MD_PIN_SIGN)  CHANGE REFERENCE DATA 80: old PIN, new PIN
 *   change the PUK (CH_MD_PIN_PUK)                   CHANGE REFERENCE DATA 81: old PUK, new PUK
 *   unblock the PIV PIN with the PUK                 RESET RETRY COUNTER 80: PUK, new PIN
 *
 * Not supported (SCARD_E_UNSUPPORTED_FEATURE): anything with the admin (PIV cannot unblock the
 * PIN with the management key, and changing the management key is out of scope), and a retry
 * count other than 0 (a YubiKey can only set it together with resetting PIN and PUK).
 * A new PIN the card cannot hold is an invalid parameter; a current PIN or PUK the card could
 * never accept is SCARD_W_WRONG_CHV without spending a try. */
#include "md_entry.h"
#include "md_pin.h"

static bool is_piv_pin(PIN_ID id) { return id == ROLE_USER || id == CH_MD_PIN_SIGN; }

/* The checks shared by both commands, after the entry point's own: current secret `cur`
 * (PIN or PUK), new secret `next`. */
static DWORD check_pair(const BYTE *cur, DWORD cur_len, const BYTE *next, DWORD next_len)
{
    if (!cur || cur_len == 0 || !next || next_len == 0)
        return SCARD_E_INVALID_PARAMETER;
    if (!ch_piv_pin_shape_ok(next, next_len))
        return SCARD_E_INVALID_PARAMETER;
    if (!ch_piv_pin_shape_ok(cur, cur_len))
        return SCARD_W_WRONG_CHV;
    return SCARD_S_SUCCESS;
}

static DWORD unblock(ch_md_ctx *ctx, const BYTE *puk, DWORD puk_len, const BYTE *pin,
                     DWORD pin_len, PDWORD attempts)
{
    int tries = CH_PIV_TRIES_UNKNOWN;
    DWORD rc = check_pair(puk, puk_len, pin, pin_len);

    if (rc != SCARD_S_SUCCESS)
        return rc;
    rc = ch_md_card_io(ctx);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    rc = ch_md_card_done(ctx, ch_piv_reset_retry(&ctx->apdu, puk, puk_len, pin, pin_len,
                                                 &tries));
    ch_md_attempts(rc, tries, attempts); /* the PUK's tries */
    if (rc == SCARD_S_SUCCESS) /* the new PIN is set, not verified */
        ctx->authenticated &= ~(PIN_SET)CH_MD_PIV_PIN_SET;
    return rc;
}

static DWORD change(ch_md_ctx *ctx, uint8_t ref, const BYTE *cur, DWORD cur_len,
                    const BYTE *next, DWORD next_len, PDWORD attempts)
{
    int tries = CH_PIV_TRIES_UNKNOWN;
    DWORD rc = check_pair(cur, cur_len, next, next_len);

    if (rc != SCARD_S_SUCCESS)
        return rc;
    rc = ch_md_card_io(ctx);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    rc = ch_md_card_done(ctx, ch_piv_change_reference(&ctx->apdu, ref, cur, cur_len, next,
                                                      next_len, &tries));
    ch_md_attempts(rc, tries, attempts);
    if (ref == CH_PIV_REF_PIN)
        ch_md_pin_failed(ctx, rc);
    return rc;
}

DWORD WINAPI CardUnblockPin(PCARD_DATA pCardData, LPWSTR pwszUserId,
                            PBYTE pbAuthenticationData, DWORD cbAuthenticationData,
                            PBYTE pbNewPinData, DWORD cbNewPinData, DWORD cRetryCount,
                            DWORD dwFlags)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);

    if (!ctx)
        return SCARD_E_INVALID_PARAMETER;
    if (dwFlags == CARD_AUTHENTICATE_PIN_CHALLENGE_RESPONSE || cRetryCount != 0)
        return SCARD_E_UNSUPPORTED_FEATURE;
    /* The authentication data is the PUK; only the user's PIN can be unblocked. */
    if (dwFlags != CARD_AUTHENTICATE_PIN_PIN || ch_md_user_of(pwszUserId) != ROLE_USER)
        return SCARD_E_INVALID_PARAMETER;
    return unblock(ctx, pbAuthenticationData, cbAuthenticationData, pbNewPinData,
                   cbNewPinData, NULL);
}

DWORD WINAPI CardChangeAuthenticator(PCARD_DATA pCardData, LPWSTR pwszUserId,
                                     PBYTE pbCurrentAuthenticator, DWORD cbCurrentAuthenticator,
                                     PBYTE pbNewAuthenticator, DWORD cbNewAuthenticator,
                                     DWORD cRetryCount, DWORD dwFlags,
                                     PDWORD pcAttemptsRemaining)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    PIN_ID user;

    if (!ctx)
        return SCARD_E_INVALID_PARAMETER;
    user = ch_md_user_of(pwszUserId);
    if (user == ROLE_ADMIN || cRetryCount != 0 ||
        dwFlags == CARD_AUTHENTICATE_PIN_CHALLENGE_RESPONSE)
        return SCARD_E_UNSUPPORTED_FEATURE;
    if (user != ROLE_USER || dwFlags != CARD_AUTHENTICATE_PIN_PIN)
        return SCARD_E_INVALID_PARAMETER;
    return change(ctx, CH_PIV_REF_PIN, pbCurrentAuthenticator, cbCurrentAuthenticator,
                  pbNewAuthenticator, cbNewAuthenticator, pcAttemptsRemaining);
}

DWORD WINAPI CardChangeAuthenticatorEx(PCARD_DATA pCardData, DWORD dwFlags,
                                       PIN_ID dwAuthenticatingPinId,
                                       PBYTE pbAuthenticatingPinData,
                                       DWORD cbAuthenticatingPinData, PIN_ID dwTargetPinId,
                                       PBYTE pbTargetData, DWORD cbTargetData,
                                       DWORD cRetryCount, PDWORD pcAttemptsRemaining)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    PIN_ID auth = dwAuthenticatingPinId, target = dwTargetPinId;

    if (!ctx)
        return SCARD_E_INVALID_PARAMETER;
    if (auth == ROLE_ADMIN || target == ROLE_ADMIN || cRetryCount != 0)
        return SCARD_E_UNSUPPORTED_FEATURE;
    /* Exactly one of the two operations; both flags, none, or other bits are invalid. */
    if (dwFlags == PIN_CHANGE_FLAG_UNBLOCK && auth == CH_MD_PIN_PUK && is_piv_pin(target))
        return unblock(ctx, pbAuthenticatingPinData, cbAuthenticatingPinData, pbTargetData,
                       cbTargetData, pcAttemptsRemaining);
    if (dwFlags == PIN_CHANGE_FLAG_CHANGEPIN && auth == target &&
        (is_piv_pin(target) || target == CH_MD_PIN_PUK))
        return change(ctx, target == CH_MD_PIN_PUK ? CH_PIV_REF_PUK : CH_PIV_REF_PIN,
                      pbAuthenticatingPinData, cbAuthenticatingPinData, pbTargetData,
                      cbTargetData, pcAttemptsRemaining);
    return SCARD_E_INVALID_PARAMETER;
}
