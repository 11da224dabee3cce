/* Card identity and freshness (docs/card-mapping.md): container index <-> slot, cardid,
 * cardcf. */
#include <string.h>

#include "cursor.h"
#include "md_fs.h"
#include "wipe.h"

/* Container index -> slot: the four standard slots, then the twenty retired ones in order. */
uint8_t ch_md_container_slot(BYTE idx)
{
    static const uint8_t primary[4] = {CH_PIV_SLOT_AUTH, CH_PIV_SLOT_SIGN, CH_PIV_SLOT_KEYMGMT,
                                       CH_PIV_SLOT_CARDAUTH};
    if (idx < 4u)
        return primary[idx];
    if (idx < CH_MD_MAX_CONTAINERS)
        return (uint8_t)(CH_PIV_SLOT_RETIRED_FIRST + (idx - 4u));
    return 0;
}

PIN_ID ch_md_container_pin(BYTE idx)
{
    switch (ch_md_container_slot(idx)) {
    case 0: return ROLE_EVERYONE;
    case CH_PIV_SLOT_SIGN: return CH_MD_PIN_SIGN;         /* PIN always */
    case CH_PIV_SLOT_CARDAUTH: return ROLE_EVERYONE;      /* no PIN by SP 800-73-4 */
    default: return ROLE_USER;
    }
}

DWORD ch_md_keyspec_of(ch_piv_key_type type, bool signature)
{
    switch (type) {
    case CH_PIV_KEY_RSA: return signature ? AT_SIGNATURE : AT_KEYEXCHANGE;
    case CH_PIV_KEY_P256: return signature ? AT_ECDSA_P256 : AT_ECDHE_P256;
    case CH_PIV_KEY_P384: return signature ? AT_ECDSA_P384 : AT_ECDHE_P384;
    default: return 0;
    }
}

DWORD ch_md_slot_keyspec(uint8_t slot, ch_piv_key_type type)
{
    /* RSA: 9C signs only (non-repudiation); every other slot can also decrypt, which is what
     * AT_KEYEXCHANGE promises (it signs too). EC: the key management slots (9D, retired) do
     * key agreement; the others sign. */
    bool keymgmt = slot == CH_PIV_SLOT_KEYMGMT ||
                   (slot >= CH_PIV_SLOT_RETIRED_FIRST && slot <= CH_PIV_SLOT_RETIRED_LAST);
    return ch_md_keyspec_of(type, type == CH_PIV_KEY_RSA ? slot == CH_PIV_SLOT_SIGN : !keymgmt);
}

bool ch_md_keyspec_known(DWORD key_spec)
{
    return key_spec == AT_KEYEXCHANGE || key_spec == AT_SIGNATURE ||
           (key_spec >= AT_ECDSA_P256 && key_spec <= AT_ECDHE_P521);
}

ch_piv_key_type ch_md_keyspec_type(DWORD key_spec)
{
    switch (key_spec) {
    case AT_KEYEXCHANGE:
    case AT_SIGNATURE: return CH_PIV_KEY_RSA;
    case AT_ECDSA_P256:
    case AT_ECDHE_P256: return CH_PIV_KEY_P256;
    case AT_ECDSA_P384:
    case AT_ECDHE_P384: return CH_PIV_KEY_P384;
    default: return CH_PIV_KEY_NONE; /* unknown, and P-521 (PIV has no such key) */
    }
}

bool ch_md_keyspec_is_signature(DWORD key_spec)
{
    return key_spec == AT_SIGNATURE || key_spec == AT_ECDSA_P256 || key_spec == AT_ECDSA_P384;
}

bool ch_md_keyspec_fits(DWORD key_spec, ch_piv_key_type type)
{
    return type != CH_PIV_KEY_NONE && ch_md_keyspec_type(key_spec) == type;
}

DWORD ch_md_read_object(ch_md_ctx *ctx, uint32_t tag, uint8_t *out, size_t cap, size_t *len)
{
    DWORD rc = ch_md_card_done(ctx, ch_piv_get_data(&ctx->apdu, tag, out, cap, len));
    return rc == SCARD_E_INSUFFICIENT_BUFFER ? SCARD_E_UNEXPECTED : rc;
}

/* cardid from a YubiKey serial: "chPIV-YK", four zero bytes, the serial big-endian. Stable for
 * the card's life and distinct between cards; never confused with a CHUID GUID in practice. */
static void cardid_from_serial(uint32_t serial, uint8_t out[16])
{
    static const uint8_t prefix[8] = {'c', 'h', 'P', 'I', 'V', '-', 'Y', 'K'};
    memcpy(out, prefix, sizeof prefix);
    memset(out + 8, 0, 4);
    out[12] = (uint8_t)(serial >> 24);
    out[13] = (uint8_t)(serial >> 16);
    out[14] = (uint8_t)(serial >> 8);
    out[15] = (uint8_t)serial;
}

DWORD ch_md_cardid(ch_md_ctx *ctx, uint8_t out[16])
{
    uint8_t obj[512]; /* a CHUID is about 60 bytes; a signed one a few hundred */
    size_t n = 0;
    uint32_t serial;
    DWORD rc;

    if (ctx->cardid_known) {
        memcpy(out, ctx->cardid, 16);
        return SCARD_S_SUCCESS;
    }
    rc = ch_md_read_object(ctx, CH_PIV_OBJ_CHUID, obj, sizeof obj, &n);
    if (rc == SCARD_S_SUCCESS)
        rc = ch_piv_chuid_uuid(obj, n, ctx->cardid);
    if (rc == SCARD_E_FILE_NOT_FOUND) { /* no CHUID, or one without a GUID */
        rc = ch_md_card_done(ctx, ch_piv_get_serial(&ctx->apdu, &serial));
        if (rc == SCARD_S_SUCCESS)
            cardid_from_serial(serial, ctx->cardid);
        else if (rc == SCARD_E_UNSUPPORTED_FEATURE)
            rc = SCARD_E_FILE_NOT_FOUND; /* neither source: the card has no identity for us */
    }
    if (rc != SCARD_S_SUCCESS)
        return rc;
    ctx->cardid_known = true;
    memcpy(out, ctx->cardid, 16);
    return SCARD_S_SUCCESS;
}

DWORD ch_md_cardcf_file(ch_md_ctx *ctx, uint8_t *out, size_t cap, size_t *len)
{
    uint8_t obj[CH_MD_CARDCF_MAX + 8];
    size_t n = 0;
    ch_cur c, v;
    DWORD rc;

    *len = 0;
    rc = ch_md_read_object(ctx, CH_PIV_OBJ_CARDCF, obj, sizeof obj, &n);
    if (rc == SCARD_E_FILE_NOT_FOUND) { /* never written: every counter at zero */
        if (cap < CH_MD_CARDCF_LEN)
            return SCARD_E_INSUFFICIENT_BUFFER;
        memset(out, 0, CH_MD_CARDCF_LEN);
        *len = CH_MD_CARDCF_LEN;
        return SCARD_S_SUCCESS;
    }
    if (rc != SCARD_S_SUCCESS)
        return rc;
    /* The object holds C0 <the cardcf file as the CSP wrote it>, at least its 6-byte header. */
    ch_cur_init(&c, obj, n);
    if (!ch_cur_find(&c, CH_MD_CARDCF_TAG, &v) || ch_cur_left(&v) < CH_MD_CARDCF_LEN ||
        ch_cur_left(&v) > CH_MD_CARDCF_MAX)
        return SCARD_E_UNEXPECTED;
    if (ch_cur_left(&v) > cap)
        return SCARD_E_INSUFFICIENT_BUFFER;
    *len = ch_cur_left(&v);
    return ch_cur_bytes(&v, out, *len) ? SCARD_S_SUCCESS : SCARD_E_UNEXPECTED;
}

DWORD ch_md_cardcf(ch_md_ctx *ctx, uint8_t out[6])
{
    uint8_t file[CH_MD_CARDCF_MAX];
    size_t n;
    DWORD rc = ch_md_cardcf_file(ctx, file, sizeof file, &n);
    if (rc == SCARD_S_SUCCESS)
        memcpy(out, file, CH_MD_CARDCF_LEN);
    return rc;
}
