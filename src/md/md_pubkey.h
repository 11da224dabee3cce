/* Public keys in the formats CONTAINER_INFO carries (cardmod.md "Structures"): a CAPI
 * PUBLICKEYBLOB for RSA, a BCRYPT_ECCKEY_BLOB (public) for EC. Pure: no card, no I/O. */
#ifndef CH_MD_PUBKEY_H
#define CH_MD_PUBKEY_H

#include "cardmod.h"
#include "piv.h"

/* Builds the blob of pk for key_spec in a buffer from the CSP's allocator (*out, *out_len).
 * RSA with AT_KEYEXCHANGE (aiKeyAlg CALG_RSA_KEYX) or AT_SIGNATURE (CALG_RSA_SIGN):
 *   PUBLICKEYSTRUC {06, 02, 0, aiKeyAlg} RSAPUBKEY {'RSA1', bits, e} modulus little-endian,
 *   bits/8 bytes (zero-extended).
 * EC with AT_ECDSA_P256/P384 or AT_ECDHE_P256/P384 (the curve must match the key):
 *   BCRYPT_ECCKEY_BLOB {public magic of that keyspec and curve, cbKey} X || Y big-endian.
 * SCARD_E_INVALID_PARAMETER when key_spec does not fit the key, SCARD_E_NO_MEMORY. Nothing
 * is allocated on error. */
DWORD ch_md_pubkey_blob(PCARD_DATA cd, const ch_piv_pubkey *pk, DWORD key_spec, PBYTE *out,
                        DWORD *out_len);

#endif
