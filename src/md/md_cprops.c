/* Container properties: CardGetContainerProperty and CardSetContainerProperty (v6).
 *
 * Smart Card Minidriver Specification v7.07, CardGetContainerProperty (learn.microsoft.com
 * previous-versions dn468726): dwFlags nonzero -> SCARD_E_INVALID_PARAMETER; an unsupported
 * property -> SCARD_E_INVALID_PARAMETER; cbData too short -> ERROR_INSUFFICIENT_BUFFER.
 * CardSetContainerProperty (dn468738): the settable properties are CCP_PIN_IDENTIFIER and
 * CCP_ASSOCIATED_ECDH_KEY; dwFlags nonzero -> SCARD_E_INVALID_PARAMETER; an unsupported
 * property -> SCARD_E_INVALID_PARAMETER or SCARD_E_UNSUPPORTED_FEATURE; a nonexistent
 * container -> SCARD_E_NO_KEY_CONTAINER.
 *
 * A container's PIN is fixed by its PIV slot (ch_md_container_pin: 9C PIN-always, 9E none,
 * the others the PIV PIN), and PIV has no link between an ECDSA key and an ECDH key, so
 * CCP_ASSOCIATED_ECDH_KEY is not supported either way. */
#include <string.h>

#include "md_entry.h"
#include "md_fs.h"
#include "md_props.h"

DWORD WINAPI CardGetContainerProperty(PCARD_DATA pCardData, BYTE bContainerIndex,
                                      LPCWSTR wszProperty, PBYTE pbData, DWORD cbData,
                                      PDWORD pdwDataLen, DWORD dwFlags)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    ch_md_cmap_entry c;
    CONTAINER_INFO ci;
    PIN_ID pin;
    DWORD rc, ver;
    bool info;

    if (!ctx || !wszProperty)
        return SCARD_E_INVALID_PARAMETER;
    info = ch_md_prop_is(wszProperty, CCP_CONTAINER_INFO);
    /* Unknown and CCP_ASSOCIATED_ECDH_KEY alike: the page allows only this code. */
    if (!info && !ch_md_prop_is(wszProperty, CCP_PIN_IDENTIFIER))
        return SCARD_E_INVALID_PARAMETER;
    if (!pbData || !pdwDataLen || dwFlags)
        return SCARD_E_INVALID_PARAMETER;
    if (!ch_md_container_slot(bContainerIndex))
        return SCARD_E_NO_KEY_CONTAINER;
    if (cbData < (info ? sizeof ci : sizeof pin)) {
        *pdwDataLen = (DWORD)(info ? sizeof ci : sizeof pin);
        return ERROR_INSUFFICIENT_BUFFER;
    }
    if (info) {
        /* Exactly CardGetContainerInfo: the caller's dwVersion, key blobs from the CSP's
         * allocator (the caller frees them), the structure written only on success. */
        rc = ch_md_prop_version(pbData, CONTAINER_INFO_CURRENT_VERSION, &ver);
        if (rc != SCARD_S_SUCCESS)
            return rc;
        rc = ch_md_card_io(ctx);
        if (rc != SCARD_S_SUCCESS)
            return rc;
        memset(&ci, 0, sizeof ci);
        rc = ch_md_container_info(pCardData, ctx, bContainerIndex, &ci);
        if (rc != SCARD_S_SUCCESS)
            return rc;
        ci.dwVersion = ver;
        return ch_md_prop_put(pbData, cbData, pdwDataLen, &ci, sizeof ci);
    }
    rc = ch_md_card_io(ctx);
    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_container_get(pCardData, ctx, bContainerIndex, &c);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    pin = ch_md_container_pin(bContainerIndex);
    return ch_md_prop_put(pbData, cbData, pdwDataLen, &pin, sizeof pin);
}

DWORD WINAPI CardSetContainerProperty(PCARD_DATA pCardData, BYTE bContainerIndex,
                                      LPCWSTR wszProperty, PBYTE pbData, DWORD cbDataLen,
                                      DWORD dwFlags)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    ch_md_cmap_entry c;
    PIN_ID pin;
    DWORD rc;

    if (!ctx || !wszProperty)
        return SCARD_E_INVALID_PARAMETER;
    /* Unknown, read-only CCP_CONTAINER_INFO, CCP_ASSOCIATED_ECDH_KEY: not settable here.
     * UNSUPPORTED_FEATURE, as CardSetProperty answers, before any other check. */
    if (!ch_md_prop_is(wszProperty, CCP_PIN_IDENTIFIER))
        return SCARD_E_UNSUPPORTED_FEATURE;
    if (dwFlags || !pbData || cbDataLen != sizeof pin)
        return SCARD_E_INVALID_PARAMETER;
    memcpy(&pin, pbData, sizeof pin);
    if (pin >= MAX_PINS)
        return SCARD_E_INVALID_PARAMETER; /* not a PIN_ID at all */
    if (!ch_md_container_slot(bContainerIndex))
        return SCARD_E_NO_KEY_CONTAINER;
    /* The slot decides the PIN: the same one is a no-op, another cannot be bound to it.
     * Known without the card, so refused before any APDU. */
    if (pin != ch_md_container_pin(bContainerIndex))
        return SCARD_E_UNSUPPORTED_FEATURE;
    rc = ch_md_card_io(ctx);
    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_container_get(pCardData, ctx, bContainerIndex, &c);
    return rc;
}
