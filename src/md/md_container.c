/* Containers as the CSP sees them: CardGetContainerInfo and the lookups behind it and the
 * container properties. Public keys come from the certificate, or from GET METADATA when the
 * slot holds a key without one. */
#include <string.h>

#include "md_cache.h"
#include "md_entry.h"
#include "md_fs.h"
#include "md_pubkey.h"

static DWORD container_from_map(PCARD_DATA cd, ch_md_ctx *ctx, const ch_md_view *v, BYTE idx,
                                ch_md_cmap_entry *out)
{
    ch_md_cmap m;
    DWORD rc = ch_md_cmap_load(cd, ctx, v, &m);

    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (!m.e[idx].valid)
        return SCARD_E_NO_KEY_CONTAINER;
    *out = m.e[idx];
    return SCARD_S_SUCCESS;
}

DWORD ch_md_container_get(PCARD_DATA cd, ch_md_ctx *ctx, BYTE idx, ch_md_cmap_entry *out)
{
    ch_md_view v;
    DWORD rc;

    if (!ch_md_container_slot(idx))
        return SCARD_E_NO_KEY_CONTAINER;
    rc = ch_md_view_open(ctx, &v);
    return rc == SCARD_S_SUCCESS ? container_from_map(cd, ctx, &v, idx, out) : rc;
}

static DWORD public_key(PCARD_DATA cd, ch_md_ctx *ctx, const ch_md_view *v, BYTE idx,
                        uint8_t slot, ch_piv_pubkey *pub)
{
    uint8_t *der = NULL;
    size_t len = 0;
    ch_piv_metadata meta;
    DWORD rc = ch_md_cert_load(cd, ctx, v, idx, &der, &len);

    if (rc == SCARD_S_SUCCESS) {
        rc = ch_piv_x509_pubkey(der, len, pub);
        ch_md_free(cd, der);
        return rc;
    }
    if (rc != SCARD_E_FILE_NOT_FOUND)
        return rc;
    /* A key the container map vouches for, without a certificate: ask the card. */
    rc = ch_md_card_done(ctx, ch_piv_get_metadata(&ctx->apdu, slot, &meta));
    if (rc == SCARD_E_FILE_NOT_FOUND)
        return SCARD_E_NO_KEY_CONTAINER;
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (meta.pub.type == CH_PIV_KEY_NONE)
        return SCARD_E_NO_KEY_CONTAINER;
    *pub = meta.pub;
    return SCARD_S_SUCCESS;
}

DWORD ch_md_container_info(PCARD_DATA cd, ch_md_ctx *ctx, BYTE idx, PCONTAINER_INFO ci)
{
    ch_md_view v;
    ch_md_cmap_entry e;
    ch_piv_pubkey pub;
    PBYTE blob = NULL;
    DWORD blob_len = 0, spec, rc;
    bool sig;

    if (!ch_md_container_slot(idx))
        return SCARD_E_NO_KEY_CONTAINER;
    rc = ch_md_view_open(ctx, &v);
    if (rc == SCARD_S_SUCCESS)
        rc = container_from_map(cd, ctx, &v, idx, &e); /* NO_KEY_CONTAINER when empty */
    if (rc == SCARD_S_SUCCESS)
        rc = public_key(cd, ctx, &v, idx, e.slot, &pub);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    /* The container's keyspec when it fits the key (the CSP chose it at creation), else the
     * slot's default for the key's type. */
    spec = ch_md_keyspec_fits(e.key_spec, pub.type) ? e.key_spec
                                                    : ch_md_slot_keyspec(e.slot, pub.type);
    if (!spec)
        return SCARD_E_UNEXPECTED;
    rc = ch_md_pubkey_blob(cd, &pub, spec, &blob, &blob_len);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    sig = ch_md_keyspec_is_signature(spec);
    ci->dwReserved = 0;
    ci->cbSigPublicKey = sig ? blob_len : 0;
    ci->pbSigPublicKey = sig ? blob : NULL;
    ci->cbKeyExPublicKey = sig ? 0 : blob_len;
    ci->pbKeyExPublicKey = sig ? NULL : blob;
    return SCARD_S_SUCCESS;
}

DWORD ch_md_container_key(PCARD_DATA cd, ch_md_ctx *ctx, BYTE idx, ch_md_cmap_entry *e,
                          ch_piv_pubkey *pub)
{
    ch_md_view v;
    DWORD rc;

    if (!ch_md_container_slot(idx))
        return SCARD_E_NO_KEY_CONTAINER;
    rc = ch_md_view_open(ctx, &v);
    if (rc == SCARD_S_SUCCESS)
        rc = container_from_map(cd, ctx, &v, idx, e);
    if (rc == SCARD_S_SUCCESS)
        rc = public_key(cd, ctx, &v, idx, e->slot, pub);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (pub->bits > 0xFFFFu)
        return SCARD_E_UNEXPECTED;
    if (!ch_md_keyspec_fits(e->key_spec, pub->type))
        e->key_spec = ch_md_slot_keyspec(e->slot, pub->type);
    e->type = pub->type;
    e->bits = (WORD)pub->bits;
    return SCARD_S_SUCCESS;
}

DWORD WINAPI CardGetContainerInfo(PCARD_DATA pCardData, BYTE bContainerIndex, DWORD dwFlags,
                                  PCONTAINER_INFO pContainerInfo)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    CONTAINER_INFO ci;
    DWORD rc;

    if (!ctx || !pContainerInfo || dwFlags)
        return SCARD_E_INVALID_PARAMETER;
    if (pContainerInfo->dwVersion > CONTAINER_INFO_CURRENT_VERSION)
        return ERROR_REVISION_MISMATCH;
    if (!ch_md_container_slot(bContainerIndex))
        return SCARD_E_NO_KEY_CONTAINER;
    rc = ch_md_card_io(ctx);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    memset(&ci, 0, sizeof ci);
    rc = ch_md_container_info(pCardData, ctx, bContainerIndex, &ci);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    ci.dwVersion = pContainerInfo->dwVersion ? pContainerInfo->dwVersion
                                             : CONTAINER_INFO_CURRENT_VERSION;
    *pContainerInfo = ci;
    return SCARD_S_SUCCESS;
}
