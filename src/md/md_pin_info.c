/* What the properties (md_props.c) say about PINs: CP_CARD_PIN_INFO per PIN id and
 * CP_CARD_AUTHENTICATED_STATE. The PIN list (md_context.h, CH_MD_PINS_DEFINED):
 *   ROLE_USER       PIV PIN   alphanumeric  authentication   cache normal
 *   CH_MD_PIN_SIGN  PIV PIN   alphanumeric  signature (9C)   always prompt (9C's PIN policy)
 *   ROLE_ADMIN      mgm key   challenge/response, administrator, no cache, no unblock
 *   CH_MD_PIN_PUK   PUK       alphanumeric  unblock only     no cache, no unblock
 * The PIV PIN is unblocked with the PUK; every PIN is changed by presenting itself. */
#include <string.h>

#include "md_auth.h"
#include "md_pin.h"

DWORD ch_md_pin_info(PIN_ID id, PIN_INFO *out)
{
    PIN_INFO pi;

    memset(&pi, 0, sizeof pi);
    pi.dwVersion = PIN_INFO_CURRENT_VERSION;
    pi.PinCachePolicy.dwVersion = PIN_CACHE_POLICY_CURRENT_VERSION;
    switch (id) {
    case ROLE_USER:
        pi.PinType = AlphaNumericPinType;
        pi.PinPurpose = AuthenticationPin;
        pi.dwUnblockPermission = CREATE_PIN_SET(CH_MD_PIN_PUK);
        pi.PinCachePolicy.PinCachePolicyType = PinCacheNormal;
        break;
    case CH_MD_PIN_SIGN:
        pi.PinType = AlphaNumericPinType;
        pi.PinPurpose = DigitalSignaturePin;
        pi.dwUnblockPermission = CREATE_PIN_SET(CH_MD_PIN_PUK);
        pi.PinCachePolicy.PinCachePolicyType = PinCacheAlwaysPrompt;
        break;
    case ROLE_ADMIN:
        pi.PinType = ChallengeResponsePinType;
        pi.PinPurpose = AdministratorPin;
        pi.dwUnblockPermission = PIN_SET_NONE;
        pi.PinCachePolicy.PinCachePolicyType = PinCacheNone;
        break;
    case CH_MD_PIN_PUK:
        pi.PinType = AlphaNumericPinType;
        pi.PinPurpose = UnblockOnlyPin;
        pi.dwUnblockPermission = PIN_SET_NONE;
        pi.PinCachePolicy.PinCachePolicyType = PinCacheNone;
        break;
    default:
        return SCARD_E_INVALID_PARAMETER;
    }
    if (!out)
        return SCARD_E_INVALID_PARAMETER;
    pi.dwChangePermission = CREATE_PIN_SET(id); /* id is one of the four above */
    *out = pi;
    return SCARD_S_SUCCESS;
}

DWORD ch_md_auth_state(ch_md_ctx *ctx, PIN_SET *out)
{
    bool verified = false;
    int tries;
    DWORD rc;

    if (!out)
        return SCARD_E_INVALID_PARAMETER;
    /* An empty VERIFY asks without spending a try. */
    rc = ch_md_card_done(ctx, ch_piv_pin_status(&ctx->apdu, CH_PIV_REF_PIN, &verified, &tries));
    if (rc != SCARD_S_SUCCESS)
        return rc;
    /* Keep the record in step with the card (it may have been reset or logged out by
     * another application); the management key has only the record. */
    if (verified)
        ctx->authenticated |= CH_MD_PIV_PIN_SET;
    else
        ctx->authenticated &= ~(PIN_SET)CH_MD_PIV_PIN_SET;
    *out = ctx->authenticated & (CH_MD_PIV_PIN_SET | CREATE_PIN_SET(ROLE_ADMIN));
    return SCARD_S_SUCCESS;
}
