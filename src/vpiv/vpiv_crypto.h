/* vpiv's private crypto helpers, shared by the management key (vpiv_mgm.c), the key slots
 * (vpiv_keys.c), GET METADATA (vpiv_metadata.c) and ATTEST (vpiv_attest.c).
 * Everything here works on EVP_PKEYs and the card's RNG (vpiv_random), so deterministic cards
 * derive their keys reproducibly. */
#ifndef CH_VPIV_CRYPTO_H
#define CH_VPIV_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpiv_internal.h"

/* YubiKey touch policies beyond the two vpiv_internal.h names (stored and reported, never
 * enforced: a virtual card has no button). */
#define TOUCH_POLICY_ALWAYS 2
#define TOUCH_POLICY_CACHED 3

#define VPIV_SLOT_ATTESTATION 0xF9

/* Algorithm facts: 0 / false for an algorithm that is not an asymmetric key algorithm. */
bool vpiv_alg_is_rsa(uint8_t alg);
bool vpiv_alg_is_ec(uint8_t alg);
size_t vpiv_alg_bits(uint8_t alg);       /* modulus bits or curve size */
size_t vpiv_alg_bytes(uint8_t alg);      /* modulus / field element length in bytes */

/* The PIN policy a key in slot `ref` gets when GENERATE / IMPORT asks for the default. */
uint8_t vpiv_default_pin_policy(uint8_t ref);

/* A new private key of `alg` from the card's RNG (reproducible on a deterministic card).
 * NULL on error (unsupported alg, out of memory). */
EVP_PKEY *vpiv_keygen(vpiv_card *card, uint8_t alg);

/* Appends the public key of `key` as PIV public key TLVs: 81 n 82 e (RSA) or 86 04||X||Y (EC),
 * without an outer template. false if it does not fit or the key is unusable. */
bool vpiv_pubkey_tlvs(const EVP_PKEY *key, uint8_t alg, uint8_t *out, size_t cap, size_t *len);

/* The dynamic authentication template of GENERAL AUTHENTICATE: 7C len { 80 | 81 | 82 | 85 }.
 * Each tag at most once, nothing else inside or after the template. */
enum { DA_WITNESS = 0, DA_CHALLENGE = 1, DA_RESPONSE = 2, DA_EXPONENTIATION = 3, DA_N = 4 };
typedef struct vpiv_dynauth {
    bool has[DA_N];
    const uint8_t *v[DA_N]; /* NULL when the value is empty */
    size_t len[DA_N];
} vpiv_dynauth;
bool vpiv_parse_dynauth(const uint8_t *data, size_t len, vpiv_dynauth *da);

/* GENERAL AUTHENTICATE with a key slot (P2 != 9B): signature, decryption, ECDH. */
uint16_t vpiv_keys_authenticate(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out,
                                size_t *out_len);

#endif
