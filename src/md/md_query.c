/* What the card can do: CardQueryCapabilities, CardQueryKeySizes, CardQueryFreeSpace. */
#include <string.h>

#include "md_cache.h"
#include "md_entry.h"
#include "md_fs.h"

void ch_md_capabilities(PCARD_CAPABILITIES caps)
{
    caps->dwVersion = CARD_CAPABILITIES_CURRENT_VERSION;
    /* TRUE: the module hands the CSP plain DER and undoes PIV's gzip itself. */
    caps->fCertificateCompression = 1;
    caps->fKeyGen = 1; /* CardCreateContainer(KEY_GEN): GENERATE ASYMMETRIC KEY PAIR */
}

DWORD ch_md_key_sizes(DWORD key_spec, PCARD_KEY_SIZES ks)
{
    DWORD min, max, def, inc;

    switch (key_spec) {
    case AT_KEYEXCHANGE:
    case AT_SIGNATURE: /* RSA 1024, 2048, 3072, 4096 (the last two: YubiKey 5.7) */
        min = 1024;
        def = 2048;
        max = 4096;
        inc = 1024;
        break;
    case AT_ECDSA_P256:
    case AT_ECDHE_P256:
        min = def = max = 256;
        inc = 0;
        break;
    case AT_ECDSA_P384:
    case AT_ECDHE_P384:
        min = def = max = 384;
        inc = 0;
        break;
    case AT_ECDSA_P521:
    case AT_ECDHE_P521:
        return SCARD_E_UNSUPPORTED_FEATURE; /* no PIV algorithm identifier for P-521 */
    default:
        return SCARD_E_INVALID_PARAMETER;
    }
    ks->dwVersion = CARD_KEY_SIZES_CURRENT_VERSION;
    ks->dwMinimumBitlen = min;
    ks->dwDefaultBitlen = def;
    ks->dwMaximumBitlen = max;
    ks->dwIncrementalBitlen = inc;
    return SCARD_S_SUCCESS;
}

DWORD ch_md_free_space(PCARD_DATA cd, ch_md_ctx *ctx, PCARD_FREE_SPACE_INFO fs)
{
    ch_md_view v;
    ch_md_cmap m;
    DWORD used = 0, rc = ch_md_view_open(ctx, &v);

    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_cmap_load(cd, ctx, &v, &m);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    for (size_t i = 0; i < CH_MD_MAX_CONTAINERS; i++)
        used += m.e[i].valid ? 1u : 0u;
    fs->dwVersion = CARD_FREE_SPACE_INFO_CURRENT_VERSION;
    fs->dwBytesAvailable = CARD_DATA_VALUE_UNKNOWN; /* PIV does not report object memory */
    fs->dwKeyContainersAvailable = CH_MD_MAX_CONTAINERS - used;
    fs->dwMaxKeyContainers = CH_MD_MAX_CONTAINERS;
    return SCARD_S_SUCCESS;
}

DWORD WINAPI CardQueryCapabilities(PCARD_DATA pCardData, PCARD_CAPABILITIES pCardCapabilities)
{
    if (!ch_md_ctx_of(pCardData) || !pCardCapabilities)
        return SCARD_E_INVALID_PARAMETER;
    if (pCardCapabilities->dwVersion > CARD_CAPABILITIES_CURRENT_VERSION)
        return ERROR_REVISION_MISMATCH;
    ch_md_capabilities(pCardCapabilities);
    return SCARD_S_SUCCESS;
}

DWORD WINAPI CardQueryKeySizes(PCARD_DATA pCardData, DWORD dwKeySpec, DWORD dwFlags,
                               PCARD_KEY_SIZES pKeySizes)
{
    CARD_KEY_SIZES ks;
    DWORD rc;

    if (!ch_md_ctx_of(pCardData) || !pKeySizes || dwFlags)
        return SCARD_E_INVALID_PARAMETER;
    if (pKeySizes->dwVersion > CARD_KEY_SIZES_CURRENT_VERSION)
        return ERROR_REVISION_MISMATCH;
    rc = ch_md_key_sizes(dwKeySpec, &ks);
    if (rc == SCARD_S_SUCCESS)
        *pKeySizes = ks;
    return rc;
}

DWORD WINAPI CardQueryFreeSpace(PCARD_DATA pCardData, DWORD dwFlags,
                                PCARD_FREE_SPACE_INFO pCardFreeSpaceInfo)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    CARD_FREE_SPACE_INFO fs;
    DWORD rc;

    if (!ctx || !pCardFreeSpaceInfo || dwFlags)
        return SCARD_E_INVALID_PARAMETER;
    if (pCardFreeSpaceInfo->dwVersion > CARD_FREE_SPACE_INFO_CURRENT_VERSION)
        return ERROR_REVISION_MISMATCH;
    rc = ch_md_card_io(ctx);
    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_free_space(pCardData, ctx, &fs);
    if (rc == SCARD_S_SUCCESS)
        *pCardFreeSpaceInfo = fs;
    return rc;
}
