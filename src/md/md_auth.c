/* NOT YET IMPLEMENTED: being written (issue 4); returns SCARD_E_UNSUPPORTED_FEATURE meanwhile. */
#include "md_entry.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

DWORD WINAPI CardAuthenticatePin(PCARD_DATA pCardData, LPWSTR pwszUserId, PBYTE pbPin, DWORD cbPin, PDWORD pcAttemptsRemaining)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardGetChallenge(PCARD_DATA pCardData, PBYTE *ppbChallengeData, PDWORD pcbChallengeData)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardAuthenticateChallenge(PCARD_DATA pCardData, PBYTE pbResponseData, DWORD cbResponseData, PDWORD pcAttemptsRemaining)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardUnblockPin(PCARD_DATA pCardData, LPWSTR pwszUserId, PBYTE pbAuthenticationData, DWORD cbAuthenticationData, PBYTE pbNewPinData, DWORD cbNewPinData, DWORD cRetryCount, DWORD dwFlags)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardChangeAuthenticator(PCARD_DATA pCardData, LPWSTR pwszUserId, PBYTE pbCurrentAuthenticator, DWORD cbCurrentAuthenticator, PBYTE pbNewAuthenticator, DWORD cbNewAuthenticator, DWORD cRetryCount, DWORD dwFlags, PDWORD pcAttemptsRemaining)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardDeauthenticate(PCARD_DATA pCardData, LPWSTR pwszUserId, DWORD dwFlags)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardGetChallengeEx(PCARD_DATA pCardData, PIN_ID PinId, PBYTE *ppbChallengeData, PDWORD pcbChallengeData, DWORD dwFlags)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardAuthenticateEx(PCARD_DATA pCardData, PIN_ID PinId, DWORD dwFlags, PBYTE pbPinData, DWORD cbPinData, PBYTE *ppbSessionPin, PDWORD pcbSessionPin, PDWORD pcAttemptsRemaining)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardChangeAuthenticatorEx(PCARD_DATA pCardData, DWORD dwFlags, PIN_ID dwAuthenticatingPinId, PBYTE pbAuthenticatingPinData, DWORD cbAuthenticatingPinData, PIN_ID dwTargetPinId, PBYTE pbTargetData, DWORD cbTargetData, DWORD cRetryCount, PDWORD pcAttemptsRemaining)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardDeauthenticateEx(PCARD_DATA pCardData, PIN_SET PinId, DWORD dwFlags)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}
