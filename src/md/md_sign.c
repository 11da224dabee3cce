/* CardSignData (docs/entry-points.md "CardSignData"). The CSP has hashed already. RSA: the
 * module builds the EMSA-PKCS1-v1_5 block (DigestInfo for the CSP's hash) or has the CSP pad
 * (PSS, through pfnCspPadData), the card computes raw RSA, and the signature goes back
 * little-endian (byte-reversed), as CAPI keeps it. ECDSA: the hash, cut to the field size,
 * is signed by the card; the signature goes back as r || s, big-endian, field bytes each. */
#include <string.h>

#include "md_crypto.h"
#include "md_entry.h"
#include "md_pad.h"
#include "wipe.h"

#define SIGN_FLAGS (CARD_BUFFER_SIZE_ONLY | CARD_PADDING_INFO_PRESENT | CRYPT_NOHASHOID)

/* What the RSA block will be, decided from the parameters alone. */
typedef struct sign_plan {
    bool pss;                  /* the CSP pads */
    const uint8_t *prefix;     /* DigestInfo prefix, NULL for none */
    size_t prefix_len;
} sign_plan;

static DWORD plan_rsa(const CARD_SIGNING_INFO *si, sign_plan *p)
{
    ch_pad_hash h;

    memset(p, 0, sizeof *p);
    if (si->dwSigningFlags & CARD_PADDING_INFO_PRESENT) {
        if (si->dwPaddingType == CARD_PADDING_PSS) {
            p->pss = true;
            return SCARD_S_SUCCESS;
        }
        if (si->dwPaddingType != CARD_PADDING_PKCS1)
            return SCARD_E_INVALID_PARAMETER;
        /* BCRYPT_PKCS1_PADDING_INFO: a NULL hash name means no DigestInfo. */
        LPCWSTR name = ((const BCRYPT_PKCS1_PADDING_INFO *)si->pPaddingInfo)->pszAlgId;
        if (!name || (si->dwSigningFlags & CRYPT_NOHASHOID))
            return SCARD_S_SUCCESS;
        if (ch_pad_hash_by_name(name, &h) != 0)
            return SCARD_E_INVALID_PARAMETER;
    } else {
        if (si->aiHashAlg == 0 || (si->dwSigningFlags & CRYPT_NOHASHOID))
            return SCARD_S_SUCCESS;
        if (ch_pad_hash_by_calg(si->aiHashAlg, &h) != 0)
            return SCARD_E_INVALID_PARAMETER;
    }
    if (si->cbData != h.len)
        return SCARD_E_INVALID_PARAMETER; /* the CSP hashed with another algorithm */
    p->prefix = h.prefix;
    p->prefix_len = h.prefix_len;
    p->prefix = p->prefix_len ? p->prefix : NULL;
    return SCARD_S_SUCCESS;
}

/* Parameter checks that need no card (cardmod.md "Rules per function"). */
static DWORD check(const CARD_SIGNING_INFO *si)
{
    DWORD version = si->dwVersion ? si->dwVersion : CARD_SIGNING_INFO_BASIC_VERSION;

    if (version > CARD_SIGNING_INFO_CURRENT_VERSION)
        return ERROR_REVISION_MISMATCH;
    if (!si->pbData || !si->cbData || (si->dwSigningFlags & ~(DWORD)SIGN_FLAGS))
        return SCARD_E_INVALID_PARAMETER;
    if (!ch_md_keyspec_known(si->dwKeySpec))
        return SCARD_E_INVALID_PARAMETER;
    if (si->dwSigningFlags & CARD_PADDING_INFO_PRESENT &&
        (version < CARD_SIGNING_INFO_CURRENT_VERSION || !si->pPaddingInfo))
        return SCARD_E_INVALID_PARAMETER;
    if (!ch_md_container_slot(si->bContainerIndex))
        return SCARD_E_NO_KEY_CONTAINER;
    return SCARD_S_SUCCESS;
}

/* The EM for an RSA key of k bytes. */
static DWORD rsa_block(PCARD_DATA cd, CARD_SIGNING_INFO *si, const sign_plan *p, size_t k,
                       uint8_t *em)
{
    PBYTE padded = NULL;
    DWORD padded_len = 0, rc;

    if (!p->pss)
        return ch_pad_pkcs1_sign(p->prefix, p->prefix_len, si->pbData, si->cbData, em, k);
    if (!cd->pfnCspPadData)
        return SCARD_E_UNSUPPORTED_FEATURE; /* no on-board PSS: it needs a random salt */
    rc = cd->pfnCspPadData(si, (DWORD)k, &padded_len, &padded);
    if (rc == SCARD_S_SUCCESS && (!padded || padded_len == 0 || padded_len > k))
        rc = SCARD_E_UNEXPECTED;
    if (rc == SCARD_S_SUCCESS) { /* right-aligned: a block shorter than k has leading zeros */
        memset(em, 0, k - padded_len);
        memcpy(em + k - padded_len, padded, padded_len);
    }
    if (padded)
        cd->pfnCspFree(padded);
    return rc;
}

static DWORD sign(PCARD_DATA cd, ch_md_ctx *ctx, CARD_SIGNING_INFO *si, uint8_t **out,
                  size_t *out_len)
{
    ch_md_cmap_entry e;
    ch_piv_pubkey pub;
    sign_plan plan;
    uint8_t alg = 0, em[CH_PIV_RSA_MAX_BYTES], sig[CH_PIV_RSA_MAX_BYTES];
    size_t n, field;
    DWORD rc = ch_md_private_key(cd, ctx, si->bContainerIndex, &e, &pub, &alg);

    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (!ch_md_keyspec_fits(si->dwKeySpec, pub.type))
        return SCARD_E_INVALID_PARAMETER;
    field = ch_md_ec_field(pub.type);
    n = field ? 2u * field : (pub.bits + 7u) / 8u;
    if (!field) {
        rc = plan_rsa(si, &plan);
        if (rc != SCARD_S_SUCCESS)
            return rc;
    }
    if (si->dwSigningFlags & CARD_BUFFER_SIZE_ONLY) {
        *out = NULL;
        *out_len = n;
        return SCARD_S_SUCCESS;
    }
    if (field) {
        rc = ch_md_card_done(ctx, ch_piv_ecdsa_sign(&ctx->apdu, alg, e.slot, si->pbData,
                                                    si->cbData < field ? si->cbData : field,
                                                    sig, field));
    } else {
        rc = rsa_block(cd, si, &plan, n, em);
        if (rc == SCARD_S_SUCCESS)
            rc = ch_md_card_done(ctx, ch_piv_rsa_raw(&ctx->apdu, alg, e.slot, em, n, sig));
        if (rc == SCARD_S_SUCCESS)
            ch_md_reverse(sig, sig, n);
        ch_wipe(em, sizeof em);
    }
    if (rc == SCARD_S_SUCCESS && !(*out = ch_md_alloc(cd, n)))
        rc = SCARD_E_NO_MEMORY;
    if (rc == SCARD_S_SUCCESS) {
        memcpy(*out, sig, n);
        *out_len = n;
    }
    return rc;
}

DWORD WINAPI CardSignData(PCARD_DATA pCardData, PCARD_SIGNING_INFO pInfo)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    uint8_t *out = NULL;
    size_t len = 0;
    DWORD rc;

    if (!ctx || !pInfo)
        return SCARD_E_INVALID_PARAMETER;
    rc = check(pInfo);
    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_card_io(ctx);
    if (rc == SCARD_S_SUCCESS)
        rc = sign(pCardData, ctx, pInfo, &out, &len);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (!(pInfo->dwSigningFlags & CARD_BUFFER_SIZE_ONLY))
        pInfo->pbSignedData = out;
    pInfo->cbSignedData = (DWORD)len;
    return SCARD_S_SUCCESS;
}
