/* CardDeriveKey's KDFs (md_kdf.h). */
#include <string.h>

#include "md_kdf.h"
#include "md_pad.h"
#include "utf16.h"

/* A UTF-16 hash name in a buffer of cb bytes: terminated within the buffer and the bound.
 * Copied unit by unit from bytes: the CSP's buffer need not be aligned for WCHAR. */
static DWORD hash_param(const BCryptBuffer *b, ch_hash_alg *alg)
{
    const uint8_t *p = b->pvBuffer;
    WCHAR name[CH_KDF_HASH_NAME_UNITS];
    size_t units = b->cbBuffer / sizeof(WCHAR);
    bool terminated = false;
    ch_pad_hash h;

    if (units > CH_KDF_HASH_NAME_UNITS)
        units = CH_KDF_HASH_NAME_UNITS;
    for (size_t i = 0; i < units && !terminated; i++) {
        memcpy(&name[i], p + i * sizeof(WCHAR), sizeof(WCHAR));
        terminated = name[i] == 0;
    }
    if (!terminated || ch_pad_hash_by_name(name, &h) != 0)
        return SCARD_E_INVALID_PARAMETER;
    if (h.alg == CH_HASH_NONE)
        return SCARD_E_UNSUPPORTED_FEATURE; /* MD5 */
    *alg = h.alg;
    return SCARD_S_SUCCESS;
}

static DWORD bytes_param(const BCryptBuffer *b, const uint8_t **p, size_t *len)
{
    if (b->cbBuffer > CH_KDF_MAX_PARAM)
        return SCARD_E_INVALID_PARAMETER;
    *p = b->pvBuffer;
    *len = b->cbBuffer;
    return SCARD_S_SUCCESS;
}

static DWORD kdf_name(LPCWSTR kdf, ch_kdf_params *p)
{
    if (ch_u16_eq(kdf, CH_KDF_HASH, 24)) {
        p->hmac = false;
        return SCARD_S_SUCCESS;
    }
    if (ch_u16_eq(kdf, CH_KDF_HMAC, 24)) {
        p->hmac = true;
        return SCARD_S_SUCCESS;
    }
    if (ch_u16_eq(kdf, CH_KDF_TLS_PRF, 24) || ch_u16_eq(kdf, CH_KDF_SP80056A_CONCAT, 24) ||
        ch_u16_eq(kdf, CH_KDF_RAW_SECRET, 24))
        return SCARD_E_UNSUPPORTED_FEATURE;
    return SCARD_E_INVALID_PARAMETER;
}

DWORD ch_kdf_parse(LPCWSTR kdf, const void *param_list, DWORD flags, ch_kdf_params *p)
{
    const BCryptBufferDesc *d = param_list;
    uint32_t seen = 0;
    DWORD rc;

    memset(p, 0, sizeof *p);
    p->hash = CH_HASH_SHA1;
    if (!kdf)
        return SCARD_E_INVALID_PARAMETER;
    rc = kdf_name(kdf, p);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (flags & ~(DWORD)KDF_USE_SECRET_AS_HMAC_KEY_FLAG)
        return SCARD_E_INVALID_PARAMETER;
    p->secret_as_key = (flags & KDF_USE_SECRET_AS_HMAC_KEY_FLAG) != 0;
    if (p->secret_as_key && !p->hmac)
        return SCARD_E_INVALID_PARAMETER;
    if (d) {
        if (d->ulVersion != BCRYPTBUFFER_VERSION || d->cBuffers > CH_KDF_MAX_BUFFERS ||
            (d->cBuffers && !d->pBuffers))
            return SCARD_E_INVALID_PARAMETER;
        for (ULONG i = 0; i < d->cBuffers; i++) {
            const BCryptBuffer *b = &d->pBuffers[i];
            if ((!b->pvBuffer && b->cbBuffer) || b->BufferType > KDF_HMAC_KEY ||
                (seen & (1u << b->BufferType)))
                return SCARD_E_INVALID_PARAMETER;
            seen |= 1u << b->BufferType;
            switch (b->BufferType) {
            case KDF_HASH_ALGORITHM: rc = hash_param(b, &p->hash); break;
            case KDF_SECRET_PREPEND: rc = bytes_param(b, &p->prepend, &p->prepend_len); break;
            case KDF_SECRET_APPEND: rc = bytes_param(b, &p->append, &p->append_len); break;
            default:
                rc = p->hmac ? bytes_param(b, &p->hmac_key, &p->hmac_key_len)
                             : SCARD_E_INVALID_PARAMETER;
                p->has_hmac_key = true;
                break;
            }
            if (rc != SCARD_S_SUCCESS)
                return rc;
        }
    }
    if (p->hmac && p->has_hmac_key == p->secret_as_key)
        return SCARD_E_INVALID_PARAMETER; /* the HMAC key is one or the other */
    return SCARD_S_SUCCESS;
}

size_t ch_kdf_out_len(const ch_kdf_params *p)
{
    return ch_hash_len(p->hash);
}

void ch_kdf_derive(const ch_kdf_params *p, const uint8_t *z, size_t z_len, uint8_t *out)
{
    if (p->hmac) {
        ch_hmac_ctx h;
        if (p->secret_as_key)
            ch_hmac_init(&h, p->hash, z, z_len);
        else
            ch_hmac_init(&h, p->hash, p->hmac_key, p->hmac_key_len);
        ch_hmac_update(&h, p->prepend, p->prepend_len);
        ch_hmac_update(&h, z, z_len);
        ch_hmac_update(&h, p->append, p->append_len);
        ch_hmac_final(&h, out);
    } else {
        ch_hash_ctx h;
        ch_hash_init(&h, p->hash);
        ch_hash_update(&h, p->prepend, p->prepend_len);
        ch_hash_update(&h, z, z_len);
        ch_hash_update(&h, p->append, p->append_len);
        ch_hash_final(&h, out);
    }
}
