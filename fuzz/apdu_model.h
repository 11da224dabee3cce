/* Independent models of the card-free checks of the key entry points, for fuzz_apdu's oracle.
 * Written from the contracts (docs/entry-points.md "Keys" and "Signing, decryption, ECDH",
 * src/md/md_keyblob.h, md_kdf.h, cardmod.md), never from the module's code: the module's bn.c
 * and ecpoint.c are what is under test, so the arithmetic here is OpenSSL's (BIGNUM, EC_GROUP).
 *
 * Each model says which result a call must have before the card is asked; fuzz_apdu checks
 * that the module gives it without an APDU and without an allocation. */
#ifndef CH_FUZZ_APDU_MODEL_H
#define CH_FUZZ_APDU_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cardmod.h"

/* How long a key blob is by its header (the API passes no length, so the CSP's buffer is
 * exactly this long): data[0..n) read with zeros past n.
 *   - bType 07 (PRIVATEKEYBLOB) and RSAPUBKEY.bitlen a multiple of 16 up to 4096:
 *     20 + 9 * bitlen / 16;
 *   - first bytes "EC" (every BCRYPT ECC magic): 8 + 3 * cbKey;
 *   - anything else, or a length above CH_FAPM_BLOB_MAX: 20 (the headers only). */
#define CH_FAPM_BLOB_MAX 2324u
#define CH_FAPM_BLOB_MIN 20u
size_t ch_fapm_blob_len(const uint8_t *data, size_t n);

/* The result CardCreateContainerEx(KEY_IMPORT) must give for blob[0..len) (len as above)
 * asked as key_spec / key_size, once the checks of the arguments before it have passed:
 * SCARD_S_SUCCESS (the module goes on to the card), SCARD_E_UNSUPPORTED_FEATURE (a well-formed
 * key PIV cannot hold) or SCARD_E_INVALID_PARAMETER, in md_keyblob.h's order. *why names the
 * failed check (for messages). */
DWORD ch_fapm_blob_verdict(const uint8_t *blob, size_t len, DWORD key_spec, DWORD key_size,
                           const char **why);

/* Whether blob[0..len) is a peer key CardConstructDHAgreement takes: a BCRYPT_ECCKEY_BLOB
 * with the public ECDH magic of P-256 (ECK1, cbKey 32, 72 bytes) or P-384 (ECK3, 48, 104), the
 * point's coordinates below p and on the curve. *field: 32 or 48 when it is. */
bool ch_fapm_ecdh_peer_ok(const uint8_t *blob, size_t len, size_t *field);

/* CardDeriveKey's parameters (pwszKDF, dwFlags without CARD_BUFFER_SIZE_ONLY and
 * CARD_RETURN_KEY_HANDLE, the parameter list): which refusals they earn. Where the contract
 * names no order between two failed checks, either result is right, so the model reports
 * every failure it sees rather than the first. */
typedef struct ch_fapm_kdf {
    bool invalid;      /* a reason for SCARD_E_INVALID_PARAMETER */
    bool unsupported;  /* a reason for SCARD_E_UNSUPPORTED_FEATURE */
    size_t out_len;    /* without either: the derived key's length (the hash's) */
} ch_fapm_kdf;
void ch_fapm_kdf_check(LPCWSTR kdf, DWORD flags, const BCryptBufferDesc *list,
                       ch_fapm_kdf *out);

/* A BCrypt hash name (L"SHA1", L"SHA256", L"SHA384", L"SHA512", L"MD5"): its digest length,
 * 0 for a name no hash has (NULL included). */
size_t ch_fapm_hash_name_len(LPCWSTR name);
/* A CALG hash id the module signs with PKCS#1 (CALG_MD5, SHA1, SSL3_SHAMD5, SHA_256/384/512):
 * the hash length it takes, 0 for anything else. */
size_t ch_fapm_calg_len(ALG_ID calg);

#endif
