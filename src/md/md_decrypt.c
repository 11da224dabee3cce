/* CardRSADecrypt (docs/entry-points.md "CardRSADecrypt"). pbData holds cbData = k bytes of
 * ciphertext, little-endian; it is decrypted in place. Structure v1, v2 with
 * CARD_PADDING_NONE or with no padding type: the whole decrypted block goes back (little-
 * endian) for the CSP to unpad. v2 with CARD_PADDING_PKCS1 or CARD_PADDING_OAEP: the module
 * removes the padding in constant time (md_pad.h) and returns the message, byte-reversed like
 * every CAPI buffer, with cbData its length; a bad block is SCARD_E_INVALID_VALUE, one error
 * for every way a block can be bad, and pbData keeps the ciphertext. */
#include <string.h>

#include "md_crypto.h"
#include "md_entry.h"
#include "md_pad.h"
#include "wipe.h"

typedef struct unpad_plan {
    DWORD type;                 /* 0 (return the block), PKCS1 or OAEP */
    ch_hash_alg oaep_hash;
    const uint8_t *label;
    size_t label_len;
} unpad_plan;

static DWORD check(const CARD_RSA_DECRYPT_INFO *di, unpad_plan *p)
{
    DWORD version = di->dwVersion ? di->dwVersion : CARD_RSA_KEY_DECRYPT_INFO_VERSION_ONE;
    ch_pad_hash h;

    memset(p, 0, sizeof *p);
    if (version > CARD_RSA_KEY_DECRYPT_INFO_CURRENT_VERSION)
        return ERROR_REVISION_MISMATCH;
    if (!di->pbData || !di->cbData)
        return SCARD_E_INVALID_PARAMETER;
    if (ch_md_keyspec_type(di->dwKeySpec) != CH_PIV_KEY_RSA)
        return SCARD_E_INVALID_PARAMETER;
    if (version >= CARD_RSA_KEY_DECRYPT_INFO_VERSION_TWO) {
        switch (di->dwPaddingType) {
        case 0:
        case CARD_PADDING_NONE:
            break;
        case CARD_PADDING_PKCS1:
            p->type = CARD_PADDING_PKCS1;
            break;
        case CARD_PADDING_OAEP: {
            const BCRYPT_OAEP_PADDING_INFO *oi = di->pPaddingInfo;
            if (!oi || !oi->pszAlgId || (!oi->pbLabel && oi->cbLabel) ||
                ch_pad_hash_by_name(oi->pszAlgId, &h) != 0 || h.alg == CH_HASH_NONE)
                return SCARD_E_INVALID_PARAMETER;
            p->type = CARD_PADDING_OAEP;
            p->oaep_hash = h.alg;
            p->label = oi->pbLabel;
            p->label_len = oi->cbLabel;
            break;
        }
        default:
            return SCARD_E_INVALID_PARAMETER;
        }
    }
    if (!ch_md_container_slot(di->bContainerIndex))
        return SCARD_E_NO_KEY_CONTAINER;
    return SCARD_S_SUCCESS;
}

static DWORD decrypt(PCARD_DATA cd, ch_md_ctx *ctx, CARD_RSA_DECRYPT_INFO *di,
                     const unpad_plan *p)
{
    uint8_t block[CH_PIV_RSA_MAX_BYTES], msg[CH_PIV_RSA_MAX_BYTES];
    size_t k, m_len = 0;
    ch_md_cmap_entry e;
    ch_piv_pubkey pub;
    uint8_t alg = 0;
    int bad = 0;
    DWORD rc = ch_md_private_key(cd, ctx, di->bContainerIndex, &e, &pub, &alg);

    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (pub.type != CH_PIV_KEY_RSA)
        return SCARD_E_INVALID_PARAMETER; /* an EC container cannot decrypt */
    k = (pub.bits + 7u) / 8u;
    if (di->cbData != k)
        return di->cbData < k ? SCARD_E_INSUFFICIENT_BUFFER : SCARD_E_INVALID_PARAMETER;
    ch_md_reverse(block, di->pbData, k);
    rc = ch_md_card_done(ctx, ch_piv_rsa_raw(&ctx->apdu, alg, e.slot, block, k, block));
    if (rc == SCARD_S_SUCCESS) {
        if (p->type == CARD_PADDING_PKCS1)
            bad = ch_pad_pkcs1_decrypt(block, k, msg, sizeof msg, &m_len);
        else if (p->type == CARD_PADDING_OAEP)
            bad = ch_pad_oaep_decrypt(p->oaep_hash, p->label, p->label_len, block, k, msg,
                                      sizeof msg, &m_len);
        if (bad)
            rc = SCARD_E_INVALID_VALUE;
    }
    if (rc == SCARD_S_SUCCESS && p->type == 0) {
        ch_md_reverse(di->pbData, block, k);
    } else if (rc == SCARD_S_SUCCESS) {
        ch_md_reverse(di->pbData, msg, m_len);
        di->cbData = (DWORD)m_len;
    }
    ch_wipe(block, sizeof block);
    ch_wipe(msg, sizeof msg);
    return rc;
}

DWORD WINAPI CardRSADecrypt(PCARD_DATA pCardData, PCARD_RSA_DECRYPT_INFO pInfo)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    unpad_plan plan;
    DWORD rc;

    if (!ctx || !pInfo)
        return SCARD_E_INVALID_PARAMETER;
    rc = check(pInfo, &plan);
    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_card_io(ctx);
    return rc == SCARD_S_SUCCESS ? decrypt(pCardData, ctx, pInfo, &plan) : rc;
}
