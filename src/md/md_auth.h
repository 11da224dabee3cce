/* Authentication state and PIN descriptions, for the properties (md_props.c). Implemented in
 * md_auth.c; PIN identifiers in md_context.h and docs/card-mapping.md. */
#ifndef CH_MD_AUTH_H
#define CH_MD_AUTH_H

#include "cardmod.h"
#include "md_context.h"

/* PIN_INFO of a PIN id the card defines (ROLE_USER, ROLE_ADMIN, CH_MD_PIN_SIGN,
 * CH_MD_PIN_PUK): written whole; SCARD_E_INVALID_PARAMETER for any other id. No card I/O. */
DWORD ch_md_pin_info(PIN_ID id, PIN_INFO *out);

/* The PIN_SET authenticated right now: the PIV PIN's state asked of the card (empty VERIFY:
 * sets ROLE_USER and CH_MD_PIN_SIGN), the management key's from this context's record.
 * Needs ch_md_card_io first. */
DWORD ch_md_auth_state(ch_md_ctx *ctx, PIN_SET *out);

#endif
