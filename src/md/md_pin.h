/* What the PIN entry points share (md_auth.c, md_challenge.c, md_pin_change.c): the user
 * names of the v4 calls, the attempts-remaining output, the admin response. Internal to md. */
#ifndef CH_MD_PIN_H
#define CH_MD_PIN_H

#include "cardmod.h"
#include "md_context.h"

/* The PIV PIN (80) seen as two PIN ids: verifying it authenticates both. */
#define CH_MD_PIV_PIN_SET (CREATE_PIN_SET(ROLE_USER) | CREATE_PIN_SET(CH_MD_PIN_SIGN))

/* Longest user name read, terminator included: L"anonymous" is the longest defined. */
#define CH_MD_USER_MAX 16u

/* ROLE_USER for L"user", ROLE_ADMIN for L"admin", ROLE_EVERYONE (0) for anything else,
 * NULL, or a name not NUL-terminated within CH_MD_USER_MAX units. */
PIN_ID ch_md_user_of(const WCHAR *name);

/* After a PIN/PUK command: *attempts (when not NULL) = the tries the card reported for
 * SCARD_W_WRONG_CHV (CARD_DATA_VALUE_UNKNOWN when it did not say), 0 for SCARD_W_CHV_BLOCKED;
 * untouched for any other result. */
void ch_md_attempts(DWORD rc, int tries, PDWORD attempts);

/* After a command on the PIV PIN (VERIFY, CHANGE REFERENCE 80): a wrong or blocked PIN ends
 * its verified state on the card (ISO 7816-4), so the context's record of it goes too. */
void ch_md_pin_failed(ch_md_ctx *ctx, DWORD rc);

/* The management key's response to the outstanding challenge (CardAuthenticateChallenge and
 * CardAuthenticateEx(ROLE_ADMIN)), after the caller's own parameter checks. The challenge is
 * consumed whatever the outcome. */
DWORD ch_md_admin_response(ch_md_ctx *ctx, const BYTE *response, DWORD len, PDWORD attempts);

#endif
