/* CONTAINER_INFO's public keys: CAPI PUBLICKEYBLOB (RSA) and BCRYPT_ECCKEY_BLOB (EC).
 *
 * The bytes are written one field at a time, little-endian, never by copying a structure:
 * the blob's layout is the Windows ABI, not this compiler's idea of the struct. */
#include <string.h>

#include "endian.h"
#include "md_context.h"
#include "md_pubkey.h"

#define RSA_HDR_LEN 20u /* PUBLICKEYSTRUC (8) + RSAPUBKEY (12) */
#define ECC_HDR_LEN 8u  /* BCRYPT_ECCKEY_BLOB */

/* A key the card edge built is consistent by construction; one that is not was not built by
 * it, and gets no blob rather than a misleading one. */
static bool rsa_ok(const ch_piv_pubkey *pk)
{
    return pk->bits > 0 && pk->bits <= (size_t)8u * CH_PIV_RSA_MAX_BYTES &&
           pk->n_len == (pk->bits + 7) / 8 && pk->n[0] != 0 && pk->e != 0;
}

static bool ec_ok(const ch_piv_pubkey *pk, size_t f)
{
    return pk->bits == 8 * f && pk->point_len == 1 + 2 * f && pk->point[0] == 0x04;
}

/* The ECC blob magic of key_spec for a key on the curve of field size f; 0 if they differ. */
static ULONG ecc_magic(DWORD key_spec, size_t f)
{
    switch (key_spec) {
    case AT_ECDSA_P256:
        return f == 32 ? BCRYPT_ECDSA_PUBLIC_P256_MAGIC : 0;
    case AT_ECDHE_P256:
        return f == 32 ? BCRYPT_ECDH_PUBLIC_P256_MAGIC : 0;
    case AT_ECDSA_P384:
        return f == 48 ? BCRYPT_ECDSA_PUBLIC_P384_MAGIC : 0;
    case AT_ECDHE_P384:
        return f == 48 ? BCRYPT_ECDH_PUBLIC_P384_MAGIC : 0;
    default:
        return 0;
    }
}

static DWORD rsa_blob(PCARD_DATA cd, const ch_piv_pubkey *pk, DWORD key_spec, PBYTE *out,
                      DWORD *out_len)
{
    ALG_ID alg;
    uint8_t *b;
    size_t len = RSA_HDR_LEN + pk->n_len;

    if (key_spec == AT_KEYEXCHANGE)
        alg = CALG_RSA_KEYX;
    else if (key_spec == AT_SIGNATURE)
        alg = CALG_RSA_SIGN;
    else
        return SCARD_E_INVALID_PARAMETER;
    if (!rsa_ok(pk))
        return SCARD_E_INVALID_PARAMETER;
    b = ch_md_alloc(cd, len);
    if (!b)
        return SCARD_E_NO_MEMORY;
    b[0] = PUBLICKEYBLOB;
    b[1] = CUR_BLOB_VERSION;
    ch_put_le16(b + 2, 0);
    ch_put_le32(b + 4, alg);
    ch_put_le32(b + 8, CH_RSA1_MAGIC);
    ch_put_le32(b + 12, (uint32_t)pk->bits); /* <= 4096, checked by rsa_ok */
    ch_put_le32(b + 16, pk->e);
    /* CAPI's modulus is little-endian: n reversed (n_len = ceil(bits / 8), no zero-extension
     * needed since n has no leading zero byte). */
    for (size_t i = 0; i < pk->n_len; i++)
        b[RSA_HDR_LEN + i] = pk->n[pk->n_len - 1 - i];
    *out = b;
    *out_len = (DWORD)len; /* <= 20 + 512 */
    return SCARD_S_SUCCESS;
}

static DWORD ecc_blob(PCARD_DATA cd, const ch_piv_pubkey *pk, size_t f, DWORD key_spec,
                      PBYTE *out, DWORD *out_len)
{
    ULONG magic = ecc_magic(key_spec, f);
    uint8_t *b;
    size_t len = ECC_HDR_LEN + 2 * f;

    if (magic == 0 || !ec_ok(pk, f))
        return SCARD_E_INVALID_PARAMETER;
    b = ch_md_alloc(cd, len);
    if (!b)
        return SCARD_E_NO_MEMORY;
    ch_put_le32(b, magic);
    ch_put_le32(b + 4, (uint32_t)f);
    memcpy(b + ECC_HDR_LEN, pk->point + 1, 2 * f); /* X || Y, big-endian as in the point */
    *out = b;
    *out_len = (DWORD)len; /* <= 8 + 96 */
    return SCARD_S_SUCCESS;
}

DWORD ch_md_pubkey_blob(PCARD_DATA cd, const ch_piv_pubkey *pk, DWORD key_spec, PBYTE *out,
                        DWORD *out_len)
{
    if (!cd || !cd->pfnCspAlloc || !pk || !out || !out_len)
        return SCARD_E_INVALID_PARAMETER;
    switch (pk->type) {
    case CH_PIV_KEY_RSA:
        return rsa_blob(cd, pk, key_spec, out, out_len);
    case CH_PIV_KEY_P256:
        return ecc_blob(cd, pk, 32, key_spec, out, out_len);
    case CH_PIV_KEY_P384:
        return ecc_blob(cd, pk, 48, key_spec, out, out_len);
    default:
        return SCARD_E_INVALID_PARAMETER;
    }
}
