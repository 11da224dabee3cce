/* Containers made and removed: CardCreateContainer(Ex) with KEY_GEN (GENERATE ASYMMETRIC KEY
 * PAIR) or KEY_IMPORT (YubiKey IMPORT ASYMMETRIC KEY), and CardDeleteContainer
 * (docs/entry-points.md, docs/card-mapping.md "Writes").
 *
 * Nothing lost: every check that needs no card comes first (the key blob is parsed and checked
 * completely), then the map is read; the key operation is the one step that changes the card,
 * so a refusal anywhere before it leaves key, certificate and map as they were. After it:
 * cardcf is bumped (caches everywhere go stale), the old certificate of the slot is deleted (it
 * belonged to the old key) and the map records the container. */
#include <string.h>

#include "md_cache.h"
#include "md_entry.h"
#include "md_fs.h"
#include "md_keyblob.h"
#include "wipe.h"

#define RSA_DEFAULT_BITS 2048u

/* The key a keyspec and size ask for: *type, *bits; false when PIV cannot hold it (P-521, a
 * size PIV has no key of). A size of 0 means the default (RSA-2048) or, for ECC, the curve's. */
static bool wanted_key(DWORD spec, DWORD size, ch_piv_key_type *type, size_t *bits)
{
    *type = ch_md_keyspec_type(spec);
    switch (*type) {
    case CH_PIV_KEY_RSA:
        *bits = size ? size : RSA_DEFAULT_BITS;
        return *bits == 1024u || *bits == 2048u || *bits == 3072u || *bits == 4096u;
    case CH_PIV_KEY_P256:
    case CH_PIV_KEY_P384:
        *bits = *type == CH_PIV_KEY_P256 ? 256u : 384u;
        return size == 0 || size == *bits;
    default:
        return false;
    }
}

/* ROLE_USER everywhere (the slot's own PIN rule applies) or the container's own PIN. */
static DWORD pin_binding(BYTE idx, PIN_ID pin)
{
    if (pin == ROLE_ADMIN)
        return SCARD_W_SECURITY_VIOLATION; /* keys are never bound to the admin (cardmod.md) */
    if (pin >= MAX_PINS)
        return SCARD_E_INVALID_PARAMETER;
    if (pin != ROLE_USER && pin != ch_md_container_pin(idx))
        return SCARD_E_INVALID_PARAMETER;
    return SCARD_S_SUCCESS;
}

static DWORD put_key(ch_md_ctx *ctx, uint8_t slot, DWORD flags, ch_piv_key_type type,
                     size_t bits, const ch_keyblob *kb)
{
    uint8_t alg = ch_piv_key_alg(type, bits);
    ch_piv_pubkey pub;
    uint32_t rc;

    if (flags == CARD_CREATE_CONTAINER_KEY_GEN)
        rc = ch_piv_generate(&ctx->apdu, slot, alg, CH_PIV_POLICY_DEFAULT,
                             CH_PIV_POLICY_DEFAULT, &pub);
    else if (type == CH_PIV_KEY_RSA)
        rc = ch_piv_import_rsa(&ctx->apdu, slot, alg, kb->p, kb->q, kb->dp, kb->dq, kb->qinv,
                               bits / 16u, CH_PIV_POLICY_DEFAULT, CH_PIV_POLICY_DEFAULT);
    else
        rc = ch_piv_import_ec(&ctx->apdu, slot, alg, kb->k, kb->field, CH_PIV_POLICY_DEFAULT,
                              CH_PIV_POLICY_DEFAULT);
    return ch_md_card_done(ctx, rc);
}

/* The map after the slot got a new key: the container valid under its old GUID (or the
 * derived one), its keyspec and size; the default if there was none. */
static void record(ch_md_cmap *m, BYTE idx, const uint8_t cardid[16], DWORD spec, size_t bits)
{
    ch_md_cmap_entry *e = &m->e[idx];
    bool any_default = false;

    for (BYTE i = 0; i < CH_MD_MAX_CONTAINERS; i++)
        any_default = any_default || (m->e[i].valid && m->e[i].is_default && i != idx);
    if (!e->valid || e->guid[0] == 0)
        ch_md_derive_guid(cardid, e->slot, e->guid);
    e->valid = true;
    e->is_default = e->is_default || !any_default;
    e->key_spec = spec;
    e->bits = (WORD)bits;
}

/* After the slot's key changed: caches go stale at once (cardcf), the old certificate, if
 * any, goes (it certified the old key), and the map m, already updated, is written. */
static DWORD key_changed(ch_md_ctx *ctx, uint8_t slot, const ch_md_cmap *m)
{
    DWORD rc = ch_md_bump(ctx, true, true);

    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_card_done(ctx, ch_piv_put_data(&ctx->apdu, ch_piv_cert_tag(slot), NULL, 0));
    return rc == SCARD_S_SUCCESS ? ch_md_cmap_store(ctx, m) : rc;
}

static DWORD create(PCARD_DATA cd, ch_md_ctx *ctx, BYTE idx, DWORD flags, DWORD spec,
                    ch_piv_key_type type, size_t bits, const ch_keyblob *kb)
{
    uint8_t slot = ch_md_container_slot(idx);
    ch_md_view v;
    ch_md_cmap m;
    DWORD rc = ch_md_map_open(cd, ctx, &v, &m);

    if (rc == SCARD_S_SUCCESS)
        rc = put_key(ctx, slot, flags, type, bits, kb); /* the card changes here */
    if (rc != SCARD_S_SUCCESS)
        return rc;
    record(&m, idx, v.cardid, spec, bits);
    return key_changed(ctx, slot, &m);
}

/* The blob's length comes from its header (the API passes none): read the 8 bytes every blob
 * has, then, if it is RSA, the 12 the header announced, then exactly the announced length,
 * at most CH_KEYBLOB_MAX (an RSA-4096 PRIVATEKEYBLOB). */
static DWORD parse_blob(const BYTE *blob, DWORD spec, DWORD size, ch_keyblob *kb)
{
    size_t len = 0;
    ch_kb_err e = ch_keyblob_size(blob, &len);

    if (e == CH_KB_OK)
        e = ch_keyblob_parse(blob, len, kb);
    if (e == CH_KB_OK)
        e = ch_keyblob_match(kb, spec, size);
    return e == CH_KB_OK ? SCARD_S_SUCCESS : ch_kb_scard(e);
}

DWORD WINAPI CardCreateContainerEx(PCARD_DATA pCardData, BYTE bContainerIndex, DWORD dwFlags,
                                   DWORD dwKeySpec, DWORD dwKeySize, PBYTE pbKeyData,
                                   PIN_ID PinId)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    ch_piv_key_type type = CH_PIV_KEY_NONE;
    size_t bits = 0;
    ch_keyblob kb;
    DWORD rc;

    /* Order: the CardCreateContainerEx page (cardmod.md "Rules per function"). */
    if (!ctx)
        return SCARD_E_INVALID_PARAMETER;
    if (dwFlags != CARD_CREATE_CONTAINER_KEY_GEN && dwFlags != CARD_CREATE_CONTAINER_KEY_IMPORT)
        return SCARD_E_INVALID_PARAMETER;
    if (!ch_md_keyspec_known(dwKeySpec))
        return SCARD_E_INVALID_PARAMETER;
    if (!wanted_key(dwKeySpec, dwKeySize, &type, &bits))
        return SCARD_E_UNSUPPORTED_FEATURE;
    if (PinId == ROLE_ADMIN)
        return SCARD_W_SECURITY_VIOLATION;
    if (!ch_md_container_slot(bContainerIndex))
        return SCARD_E_NO_KEY_CONTAINER;
    rc = pin_binding(bContainerIndex, PinId);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    memset(&kb, 0, sizeof kb);
    if (dwFlags == CARD_CREATE_CONTAINER_KEY_IMPORT) {
        if (!pbKeyData)
            return SCARD_E_INVALID_PARAMETER;
        rc = parse_blob(pbKeyData, dwKeySpec, dwKeySize, &kb);
        if (rc == SCARD_S_SUCCESS) {
            type = kb.type;
            bits = kb.bits;
        }
    }
    if (rc == SCARD_S_SUCCESS)
        rc = create(pCardData, ctx, bContainerIndex, dwFlags, dwKeySpec, type, bits, &kb);
    ch_keyblob_wipe(&kb);
    return rc;
}

DWORD WINAPI CardCreateContainer(PCARD_DATA pCardData, BYTE bContainerIndex, DWORD dwFlags,
                                 DWORD dwKeySpec, DWORD dwKeySize, PBYTE pbKeyData)
{
    return CardCreateContainerEx(pCardData, bContainerIndex, dwFlags, dwKeySpec, dwKeySize,
                                 pbKeyData, ROLE_USER);
}

/* PIV cannot erase a key; the module makes the slot's old key unusable by generating a P-256
 * key over it, deletes the certificate and drops the map record. An index that is out of range
 * or holds no container succeeds with nothing sent (cardmod.md). */
DWORD WINAPI CardDeleteContainer(PCARD_DATA pCardData, BYTE bContainerIndex, DWORD dwReserved)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    uint8_t slot = ch_md_container_slot(bContainerIndex);
    ch_md_view v;
    ch_md_cmap m;
    ch_piv_pubkey pub;
    DWORD rc;

    if (!ctx || dwReserved)
        return SCARD_E_INVALID_PARAMETER;
    if (!slot)
        return SCARD_S_SUCCESS;
    rc = ch_md_map_open(pCardData, ctx, &v, &m);
    if (rc != SCARD_S_SUCCESS || !m.e[bContainerIndex].valid)
        return rc;
    rc = ch_md_card_done(ctx, ch_piv_generate(&ctx->apdu, slot, CH_PIV_ALG_ECCP256,
                                              CH_PIV_POLICY_DEFAULT, CH_PIV_POLICY_DEFAULT,
                                              &pub));
    if (rc != SCARD_S_SUCCESS)
        return rc;
    memset(&m.e[bContainerIndex], 0, sizeof m.e[bContainerIndex]);
    m.e[bContainerIndex].slot = slot;
    return key_changed(ctx, slot, &m);
}
