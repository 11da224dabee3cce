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

/* PIV data object content limit (YubiKey 5, and vpiv): a certificate object longer than this
 * is stored gzip-compressed, and refused with SCARD_E_WRITE_TOO_MANY if it still does not fit. */
#define CH_MD_OBJECT_LIMIT 3052u

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
/* The keyspec of a key of this type that signs (AT_SIGNATURE, AT_ECDSA_*) or not
 * (AT_KEYEXCHANGE, AT_ECDHE_*); 0 for CH_PIV_KEY_NONE. */
DWORD ch_md_keyspec_of(ch_piv_key_type type, bool signature);
/* Every AT_* the API defines, P-521 included. */
bool ch_md_keyspec_known(DWORD key_spec);
/* The key type a keyspec names: RSA, P-256, P-384; NONE for P-521 and anything unknown. */
ch_piv_key_type ch_md_keyspec_type(DWORD key_spec);

/* Whether key_spec can name a key of this type: RSA with AT_KEYEXCHANGE or AT_SIGNATURE,
 * P-256 with AT_ECDSA_P256 or AT_ECDHE_P256, P-384 likewise. A container-map record's keyspec
 * that fits the key is kept (the CSP chose it when it created the container); one that does not
 * is replaced by ch_md_slot_keyspec. */
bool ch_md_keyspec_fits(DWORD key_spec, ch_piv_key_type type);

/* GET DATA of one of the objects the module reads, after ch_md_card_io: the card's answer
 * goes through ch_md_card_done, and an object longer than cap (every buffer here is sized for
 * the longest such object a card may hold) is malformed: SCARD_E_UNEXPECTED. */
DWORD ch_md_read_object(ch_md_ctx *ctx, uint32_t tag, uint8_t *out, size_t cap, size_t *len);

/* Whether keys of this AT_* spec are signature keys (CONTAINER_INFO Sig, kscNN, cmapfile's
 * wSigKeySizeBits): AT_SIGNATURE and the ECDSA specs; the others are key exchange. */
bool ch_md_keyspec_is_signature(DWORD key_spec);

/* The 16-byte card identifier (cardid): the CHUID's card UUID, else derived from the YubiKey
 * serial number; SCARD_E_FILE_NOT_FOUND when the card has neither. Read once per context. */
DWORD ch_md_cardid(ch_md_ctx *ctx, uint8_t out[16]);

/* The cardcf file as stored on the card: object 5FFF0E holds C0 <file>, the file being at
 * least the 6-byte CARD_CACHE_FILE_FORMAT header (and at most CH_MD_CARDCF_MAX bytes, should a
 * CSP append more). An absent object reads as 6 zero bytes. */
#define CH_MD_CARDCF_TAG 0xC0u
#define CH_MD_CARDCF_LEN 6u
#define CH_MD_CARDCF_MAX 64u
DWORD ch_md_cardcf_file(ch_md_ctx *ctx, uint8_t *out, size_t cap, size_t *len);
/* Its 6-byte header: what freshness is judged by. */
DWORD ch_md_cardcf(ch_md_ctx *ctx, uint8_t out[6]);

/* The container map of the whole card, without public keys (docs/card-mapping.md): one
 * container as cmapfile shows it. */
typedef struct ch_md_cmap_entry {
    bool valid;
    bool is_default;
    uint8_t slot;
    DWORD key_spec;       /* AT_* */
    ch_piv_key_type type; /* NONE when only a container-map record vouches for the key */
    WORD bits;            /* key size in bits */
    WCHAR guid[40];       /* container name, NUL-terminated */
} ch_md_cmap_entry;

typedef struct ch_md_cmap {
    ch_md_cmap_entry e[CH_MD_MAX_CONTAINERS];
} ch_md_cmap;

struct ch_md_view;
/* The map, from the CSP cache when fresh, else built from the card (container-map object,
 * key history, certificate objects) and cached. */
DWORD ch_md_cmap_load(PCARD_DATA cd, ch_md_ctx *ctx, const struct ch_md_view *v, ch_md_cmap *m);
/* The GUID of a container that no record names: from cardid and the slot, stable forever. */
void ch_md_derive_guid(const uint8_t cardid[16], uint8_t slot, WCHAR out[40]);
/* What most file and container calls start with, after their parameter checks:
 * ch_md_card_io, ch_md_view_open, ch_md_cmap_load. */
DWORD ch_md_map_open(PCARD_DATA cd, ch_md_ctx *ctx, struct ch_md_view *v, ch_md_cmap *m);
/* mscp/cmapfile: one 86-byte CONTAINER_MAP_RECORD per index up to the last valid one. */
size_t ch_md_cmapfile_len(const ch_md_cmap *m);
void ch_md_cmapfile(const ch_md_cmap *m, uint8_t *out); /* ch_md_cmapfile_len bytes */

/* The container-map object's layout (Yubico's): 81 <records>, each WCHAR name[40] (LE), slot,
 * keyspec, key size in bits (LE16), flags, PIN id, associated ECDH container, SHA-1[20]. */
#define CH_MD_MSCMAP_TAG 0x81u
#define CH_MD_MSCMAP_NAME_UNITS 40u
#define CH_MD_MSCMAP_REC_LEN (2u * CH_MD_MSCMAP_NAME_UNITS + 27u)

/* ======== Writes (md_store.c). Each needs the management key on the card (6982 otherwise,
 * SCARD_W_SECURITY_VIOLATION) and is one PUT DATA: what was written before stays whole when
 * one fails. ======== */

/* The container-map object 5FFF10 from m: one Yubico record per valid container (GUID,
 * slot, keyspec, bits, flags, PIN, no associated container, fingerprint zero: we never read
 * it). A map with no valid container deletes the object. */
DWORD ch_md_cmap_store(ch_md_ctx *ctx, const ch_md_cmap *m);

/* Writes the cardcf file (6..CH_MD_CARDCF_MAX bytes) as object 5FFF0E: C0 <file>. */
DWORD ch_md_cardcf_store(ch_md_ctx *ctx, const uint8_t *file, size_t len);

/* After the module changed the card: wContainersFreshness and/or wFilesFreshness of cardcf
 * go up by one (wrapping, as the CSP does), so that every cache keyed by the old counters,
 * ours and the CSP's, in this process or another, is stale. Read-modify-write of 5FFF0E;
 * whatever else the CSP stored in cardcf is kept. */
DWORD ch_md_bump(ch_md_ctx *ctx, bool containers, bool files);

/* The CSP's compressed certificate format (01 00, length LE16, zlib) undone in place: *der
 * (from the CSP allocator) is replaced by the DER; anything else is left as it is. */
DWORD ch_md_cert_undo_csp(PCARD_DATA cd, uint8_t **der, size_t *len);

/* The DER certificate of container idx's slot, from the cache or the card (PIV gzip and the
 * CSP's compressed format both undone), in a buffer from the CSP allocator. */
DWORD ch_md_cert_load(PCARD_DATA cd, ch_md_ctx *ctx, const struct ch_md_view *v, BYTE idx,
                      uint8_t **der, size_t *len);

/* The container at idx. SCARD_E_NO_KEY_CONTAINER when idx is out of range or the slot holds
 * no key the module can see (no certificate, no container map record). */
DWORD ch_md_container_get(PCARD_DATA cd, ch_md_ctx *ctx, BYTE idx, ch_md_cmap_entry *out);

/* The container at idx with its key known: type and bits from the certificate, or from GET
 * METADATA when there is none (SCARD_E_NO_KEY_CONTAINER when neither tells), the keyspec made
 * to fit the key. For the private-key operations. */
DWORD ch_md_container_key(PCARD_DATA cd, ch_md_ctx *ctx, BYTE idx, ch_md_cmap_entry *e,
                          ch_piv_pubkey *pub);

/* CONTAINER_INFO's public keys for idx (buffers from the CSP allocator; the caller's
 * CONTAINER_INFO is written only on success). */
DWORD ch_md_container_info(PCARD_DATA cd, ch_md_ctx *ctx, BYTE idx, PCONTAINER_INFO ci);

/* Pure answers (no card): what CardQueryCapabilities / CardQueryKeySizes / CardQueryFreeSpace
 * report. The structures' dwVersion must have been checked by the caller. */
void ch_md_capabilities(PCARD_CAPABILITIES caps);
DWORD ch_md_key_sizes(DWORD key_spec, PCARD_KEY_SIZES ks); /* INVALID_PARAMETER / UNSUPPORTED */
DWORD ch_md_free_space(PCARD_DATA cd, ch_md_ctx *ctx, PCARD_FREE_SPACE_INFO fs);

#endif
