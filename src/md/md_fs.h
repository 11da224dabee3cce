/* The card module's view of the card: identity, freshness, containers, and the virtual file
 * system of docs/card-mapping.md. Entry points (md_files.c, md_container.c, md_query.c,
 * md_props.c) call these; they call the PIV edge.
 *
 * Functions that talk to the card expect ch_md_card_io to have been called by the entry point
 * (after its parameter checks) and return card errors as they are. */
#ifndef CH_MD_FS_H
#define CH_MD_FS_H

#include <stdbool.h>
#include <stdint.h>

#include "cardmod.h"
#include "md_context.h"
#include "piv.h"

/* Container index <-> PIV key slot: 0 9A, 1 9C, 2 9D, 3 9E, 4..23 retired 82..95. */
#define CH_MD_MAX_CONTAINERS 24u
/* The slot of a container index, 0 when the index is out of range. */
uint8_t ch_md_container_slot(BYTE idx);
/* The PIN that guards a container's key: ROLE_USER; CH_MD_PIN_SIGN for 9C (PIN always);
 * ROLE_EVERYONE for 9E (card authentication, no PIN). Out-of-range index: ROLE_EVERYONE. */
PIN_ID ch_md_container_pin(BYTE idx);
/* The keyspec a key of this type has in this slot (docs/card-mapping.md): RSA AT_SIGNATURE in
 * 9C else AT_KEYEXCHANGE; EC ECDH (AT_ECDHE_*) in 9D and the retired slots, else ECDSA. */
DWORD ch_md_slot_keyspec(uint8_t slot, ch_piv_key_type type);

/* The 16-byte card identifier (cardid): the CHUID's card UUID, else derived from the YubiKey
 * serial number; SCARD_E_FILE_NOT_FOUND when the card has neither. Read once per context. */
DWORD ch_md_cardid(ch_md_ctx *ctx, uint8_t out[16]);

/* The cardcf file (6 bytes, CARD_CACHE_FILE_FORMAT) as stored on the card in object 5FFF0E,
 * all zeros when the object is absent. */
DWORD ch_md_cardcf(ch_md_ctx *ctx, uint8_t out[6]);

/* One container as cmapfile shows it. */
typedef struct ch_md_container {
    bool valid;
    bool is_default;
    uint8_t slot;
    DWORD key_spec;        /* AT_* */
    ch_piv_key_type type;
    WORD bits;             /* key size in bits */
    WCHAR guid[40];        /* container name, NUL-terminated */
    ch_piv_pubkey pub;     /* public key (type NONE when unknown) */
} ch_md_container;

/* The container at idx. SCARD_E_NO_KEY_CONTAINER when idx is out of range or the slot holds
 * no key the module can see (no certificate, no container map record). */
DWORD ch_md_container_get(PCARD_DATA cd, ch_md_ctx *ctx, BYTE idx, ch_md_container *out);

/* CONTAINER_INFO's public keys for idx (buffers from the CSP allocator; the caller's
 * CONTAINER_INFO is written only on success). */
DWORD ch_md_container_info(PCARD_DATA cd, ch_md_ctx *ctx, BYTE idx, PCONTAINER_INFO ci);

/* Pure answers (no card): what CardQueryCapabilities / CardQueryKeySizes / CardQueryFreeSpace
 * report. The structures' dwVersion must have been checked by the caller. */
void ch_md_capabilities(PCARD_CAPABILITIES caps);
DWORD ch_md_key_sizes(DWORD key_spec, PCARD_KEY_SIZES ks); /* INVALID_PARAMETER / UNSUPPORTED */
DWORD ch_md_free_space(PCARD_DATA cd, ch_md_ctx *ctx, PCARD_FREE_SPACE_INFO fs);

#endif
