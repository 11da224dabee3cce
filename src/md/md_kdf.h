/* The key derivation functions of CardDeriveKey (docs/entry-points.md "CardDeriveKey"):
 * BCRYPT_KDF_HASH, H(prepend || Z || append), and BCRYPT_KDF_HMAC,
 * HMAC(key, prepend || Z || append) where key is KDF_HMAC_KEY or, with
 * KDF_USE_SECRET_AS_HMAC_KEY_FLAG, Z itself. Hash SHA-1 (the CNG default), SHA-256, SHA-384 or
 * SHA-512. Pure: the CSP's parameter list is read with explicit bounds. */
#ifndef CH_MD_KDF_H
#define CH_MD_KDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cardmod.h"
#include "sha.h"

#define CH_KDF_MAX_BUFFERS 16u        /* more buffers than any KDF here takes */
#define CH_KDF_MAX_PARAM 4096u        /* bytes of one prepend / append / HMAC key */
#define CH_KDF_HASH_NAME_UNITS 16u    /* a hash name's length bound, terminator included */

typedef struct ch_kdf_params {
    bool hmac;                     /* BCRYPT_KDF_HMAC, else BCRYPT_KDF_HASH */
    ch_hash_alg hash;
    const uint8_t *prepend, *append, *hmac_key;
    size_t prepend_len, append_len, hmac_key_len;
    bool has_hmac_key;
    bool secret_as_key;            /* KDF_USE_SECRET_AS_HMAC_KEY_FLAG */
} ch_kdf_params;

/* Reads the KDF name and the parameter list (NULL: defaults). SCARD_E_INVALID_PARAMETER for
 * an unknown KDF name, a malformed list (version, count, NULL buffer with a length, a type
 * twice, a type the KDF does not take, a hash name not terminated within its buffer), or an
 * HMAC key both given and asked to be the secret (or neither); SCARD_E_UNSUPPORTED_FEATURE
 * for a KDF or hash that is known but not implemented (TLS_PRF, SP800_56A_CONCAT, TRUNCATE,
 * MD5). flags: CARD_DERIVE_KEY.dwFlags without CARD_BUFFER_SIZE_ONLY. */
DWORD ch_kdf_parse(LPCWSTR kdf, const void *param_list, DWORD flags, ch_kdf_params *p);

/* Output length: the hash length. */
size_t ch_kdf_out_len(const ch_kdf_params *p);

/* Derives ch_kdf_out_len bytes from the secret z into out. */
void ch_kdf_derive(const ch_kdf_params *p, const uint8_t *z, size_t z_len, uint8_t *out);

#endif
