/* ECDH (docs/entry-points.md "CardConstructDHAgreement"): the card computes the shared secret
 * Z (the X coordinate) with the container's key and the peer's public key; the module keeps Z
 * in the context under an agreement index until CardDestroyDHAgreement, and CardDeriveKey
 * turns it into key material with a KDF (md_kdf.h). Z itself never leaves the module. */
#include <string.h>

#include "md_crypto.h"
#include "md_entry.h"
#include "md_kdf.h"
#include "md_keyblob.h"
#include "wipe.h"

/* The peer key's curve from its length: a BCRYPT_ECCKEY_BLOB public key is 8 + 2 * field. */
static ch_piv_key_type peer_type(DWORD len)
{
    return len == 8u + 64u ? CH_PIV_KEY_P256 : len == 8u + 96u ? CH_PIV_KEY_P384
                                                              : CH_PIV_KEY_NONE;
}

DWORD WINAPI CardConstructDHAgreement(PCARD_DATA pCardData,
                                      PCARD_DH_AGREEMENT_INFO pAgreementInfo)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    PCARD_DH_AGREEMENT_INFO ai = pAgreementInfo;
    uint8_t point[CH_PIV_EC_POINT_MAX], z[48], alg = 0;
    size_t point_len = 0, field, slot_i = CH_MD_MAX_AGREEMENTS;
    ch_piv_key_type type;
    ch_md_cmap_entry e;
    ch_piv_pubkey pub;
    DWORD rc;

    if (!ctx || !ai)
        return SCARD_E_INVALID_PARAMETER;
    if (ai->dwVersion != CARD_DH_AGREEMENT_INFO_VERSION)
        return ERROR_REVISION_MISMATCH; /* version 1 is obsolete */
    if (ai->dwFlags || !ai->pbPublicKey)
        return SCARD_E_INVALID_PARAMETER;
    type = peer_type(ai->dwPublicKey);
    if (type == CH_PIV_KEY_NONE ||
        ch_keyblob_ecdh_public(ai->pbPublicKey, ai->dwPublicKey, type, point, &point_len) !=
            CH_KB_OK)
        return SCARD_E_INVALID_PARAMETER;
    if (!ch_md_container_slot(ai->bContainerIndex))
        return SCARD_E_NO_KEY_CONTAINER;
    for (size_t i = 0; i < CH_MD_MAX_AGREEMENTS && slot_i == CH_MD_MAX_AGREEMENTS; i++)
        if (!ctx->agreements[i].used)
            slot_i = i;
    if (slot_i == CH_MD_MAX_AGREEMENTS)
        return SCARD_E_NO_MEMORY; /* every agreement index is taken */
    rc = ch_md_card_io(ctx);
    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_private_key(pCardData, ctx, ai->bContainerIndex, &e, &pub, &alg);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (pub.type != type)
        return SCARD_E_INVALID_PARAMETER; /* RSA, or another curve than the peer's */
    field = ch_md_ec_field(type);
    rc = ch_md_card_done(ctx, ch_piv_ecdh(&ctx->apdu, alg, e.slot, point, point_len, z, field));
    if (rc == SCARD_S_SUCCESS) {
        memcpy(ctx->agreements[slot_i].z, z, field);
        ctx->agreements[slot_i].len = field;
        ctx->agreements[slot_i].used = true;
        ai->bSecretAgreementIndex = (BYTE)slot_i;
    }
    ch_wipe(z, sizeof z);
    return rc;
}

DWORD WINAPI CardDeriveKey(PCARD_DATA pCardData, PCARD_DERIVE_KEY pAgreementInfo)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    PCARD_DERIVE_KEY dk = pAgreementInfo;
    DWORD version, rc;
    ch_kdf_params p;
    uint8_t out[CH_HASH_MAX_LEN], *buf;
    size_t n;

    if (!ctx || !dk)
        return SCARD_E_INVALID_PARAMETER;
    version = dk->dwVersion ? dk->dwVersion : CARD_DERIVE_KEY_VERSION;
    if (version > CARD_DERIVE_KEY_CURRENT_VERSION)
        return ERROR_REVISION_MISMATCH;
    if (dk->dwFlags & CARD_RETURN_KEY_HANDLE)
        return SCARD_E_UNSUPPORTED_FEATURE; /* no session keys on the card (v7 SKI) */
    rc = ch_kdf_parse(dk->pwszKDF, dk->pParameterList, dk->dwFlags & ~(DWORD)CARD_BUFFER_SIZE_ONLY,
                      &p);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (dk->bSecretAgreementIndex >= CH_MD_MAX_AGREEMENTS ||
        !ctx->agreements[dk->bSecretAgreementIndex].used)
        return SCARD_E_INVALID_PARAMETER;
    n = ch_kdf_out_len(&p);
    if (dk->dwFlags & CARD_BUFFER_SIZE_ONLY) {
        dk->cbDerivedKey = (DWORD)n;
        return SCARD_S_SUCCESS;
    }
    if (!(buf = ch_md_alloc(pCardData, n)))
        return SCARD_E_NO_MEMORY;
    ch_kdf_derive(&p, ctx->agreements[dk->bSecretAgreementIndex].z,
                  ctx->agreements[dk->bSecretAgreementIndex].len, out);
    memcpy(buf, out, n);
    ch_wipe(out, sizeof out);
    dk->pbDerivedKey = buf;
    dk->cbDerivedKey = (DWORD)n;
    return SCARD_S_SUCCESS;
}

DWORD WINAPI CardDestroyDHAgreement(PCARD_DATA pCardData, BYTE bSecretAgreementIndex,
                                    DWORD dwFlags)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);

    if (!ctx || dwFlags || bSecretAgreementIndex >= CH_MD_MAX_AGREEMENTS ||
        !ctx->agreements[bSecretAgreementIndex].used)
        return SCARD_E_INVALID_PARAMETER;
    ch_wipe(&ctx->agreements[bSecretAgreementIndex], sizeof ctx->agreements[0]);
    return SCARD_S_SUCCESS;
}
