/* PIV card edge (NIST SP 800-73-4): builds commands, parses answers into typed results.
 * Knows APDUs and BER-TLV; knows nothing of CARD_DATA (DESIGN.md). */
#ifndef CH_PIV_H
#define CH_PIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu.h"

#define CH_PIV_AID_LEN 11u
#define CH_PIV_SELECT_AID_LEN 9u /* right-truncated AID every PIV card must accept */
#define CH_PIV_APT_MAX_ALGS 32u
#define CH_PIV_APT_MAX_LABEL 128u

extern const uint8_t ch_piv_aid[CH_PIV_AID_LEN];

/* Application Property Template (tag 61), the answer to SELECT. */
typedef struct ch_piv_apt {
    bool present;                       /* false: the card answered 9000 with no data */
    uint8_t aid[16];                    /* 4F: the PIX (or full AID) of the application */
    size_t aid_len;
    uint8_t authority_aid[16];          /* 79 { 4F } coexistent tag allocation authority */
    size_t authority_aid_len;
    uint8_t label[CH_PIV_APT_MAX_LABEL]; /* 50: application label, as sent (not terminated) */
    size_t label_len;
    uint8_t algs[CH_PIV_APT_MAX_ALGS];  /* AC { 80 alg ... }: cryptographic algorithms */
    size_t n_algs;
} ch_piv_apt;

/* Pure parser of a SELECT answer's data. SCARD_S_SUCCESS, or SCARD_E_UNKNOWN_CARD when the
 * data is not a well-formed APT of a PIV application. *out is written only on success. */
uint32_t ch_piv_parse_apt(const uint8_t *data, size_t len, ch_piv_apt *out);

/* SELECT the PIV application (00 A4 04 00, truncated AID, Le 00) and parse the APT.
 * Transport and exchange errors are returned as they are; a refusal (any SW but 9000) or a
 * malformed APT is SCARD_E_UNKNOWN_CARD: this card does not hold a usable PIV application. */
uint32_t ch_piv_select(ch_apdu_ctx *ctx, ch_piv_apt *apt);

/* ======================================================================================
 * Data objects (piv_data.c)
 * ==================================================================================== */
#define CH_PIV_OBJ_CHUID 0x5FC102u
#define CH_PIV_OBJ_KEY_HISTORY 0x5FC10Cu
/* Yubico's minidriver container map (ykpiv's YKPIV_OBJ_MSCMAP): container GUIDs per slot,
 * shared with ykpiv so both minidrivers see the same containers (docs/card-mapping.md). */
#define CH_PIV_OBJ_MSCMAP 0x5FFF10u
/* cardhammer's own object: the cardcf freshness counters (docs/card-mapping.md). */
#define CH_PIV_OBJ_CARDCF 0x5FFF0Eu
/* Longest object content read back; the exchange bounds the answer at 16 KiB. */
#define CH_PIV_OBJECT_MAX 16384u

/* GET DATA (00 CB 3F FF, 5C tag). The answer must be exactly 53 L <content>; the content is
 * moved to the start of out. out receives the whole answer first, so cap must also hold the
 * 53 header (2..4 bytes): CH_PIV_OBJECT_MAX + 4 always does. Errors: the card's status mapped
 * by the SW table (6A82 -> SCARD_E_FILE_NOT_FOUND), SCARD_E_UNEXPECTED for a 9000 answer that
 * is not one 53 TLV (no data, wrong tag, length past the end, trailing bytes),
 * SCARD_E_INSUFFICIENT_BUFFER when the answer exceeds cap, transport errors as they are.
 * *len is 0 and out wiped on error. */
uint32_t ch_piv_get_data(ch_apdu_ctx *ctx, uint32_t tag, uint8_t *out, size_t cap, size_t *len);

/* YubiKey GET SERIAL (00 F8 00 00): 4 bytes, big-endian. 6D00 -> SCARD_E_UNSUPPORTED_FEATURE;
 * an answer that is not exactly 4 bytes -> SCARD_E_UNEXPECTED. */
uint32_t ch_piv_get_serial(ch_apdu_ctx *ctx, uint32_t *serial);

/* The card UUID (CHUID tag 34, 16 bytes) of a CHUID object's content. SCARD_E_FILE_NOT_FOUND
 * when the CHUID has no 34 (or an all-zero one), SCARD_E_UNEXPECTED when it is malformed. */
uint32_t ch_piv_chuid_uuid(const uint8_t *chuid, size_t len, uint8_t uuid[16]);

/* ======================================================================================
 * Key slots and certificate objects (piv_slots.c, piv_cert.c, piv_x509.c)
 * ==================================================================================== */
#define CH_PIV_SLOT_AUTH 0x9Au
#define CH_PIV_SLOT_SIGN 0x9Cu
#define CH_PIV_SLOT_KEYMGMT 0x9Du
#define CH_PIV_SLOT_CARDAUTH 0x9Eu
#define CH_PIV_SLOT_RETIRED_FIRST 0x82u
#define CH_PIV_SLOT_RETIRED_LAST 0x95u

/* Certificate object tag of a key slot (9A -> 5FC105, ...), 0 for a slot without one. */
uint32_t ch_piv_cert_tag(uint8_t slot);

/* Largest DER certificate accepted, compressed or not: the bound on decompression. */
#define CH_PIV_CERT_MAX 16384u

/* A certificate object's content: 70 <cert> 71 <CertInfo> [FE <LRC>], in that order, nothing
 * else. CertInfo bit 0 set = gzip (decompressed, bounded by cap); other CertInfo bits are
 * refused. The DER certificate goes to out[0..cap). Errors: SCARD_E_UNEXPECTED (malformed
 * object, bad gzip, or a certificate larger than cap/CH_PIV_CERT_MAX); out is untouched
 * unless decompression had started, then it is wiped. */
uint32_t ch_piv_cert_object(const uint8_t *obj, size_t len, uint8_t *out, size_t cap,
                            size_t *out_len);

typedef enum ch_piv_key_type {
    CH_PIV_KEY_NONE = 0,
    CH_PIV_KEY_RSA = 1,
    CH_PIV_KEY_P256 = 2,
    CH_PIV_KEY_P384 = 3,
} ch_piv_key_type;

#define CH_PIV_RSA_MAX_BYTES 512u /* RSA-4096 */
#define CH_PIV_EC_POINT_MAX 97u   /* 04 || X || Y for P-384 */

/* A public key as the card or a certificate states it. RSA: n big-endian without leading
 * zero bytes, bits = exact bit length of n, e as an integer (exponents above 32 bits are
 * refused: CAPI's RSAPUBKEY holds a DWORD). EC: the uncompressed point 04||X||Y. */
typedef struct ch_piv_pubkey {
    ch_piv_key_type type;
    size_t bits; /* RSA modulus bits; 256/384 for EC */
    uint8_t n[CH_PIV_RSA_MAX_BYTES];
    size_t n_len;
    uint32_t e;
    uint8_t point[CH_PIV_EC_POINT_MAX];
    size_t point_len;
} ch_piv_pubkey;

/* The subjectPublicKeyInfo of a DER X.509 certificate: rsaEncryption (RSA 1024..4096) or
 * id-ecPublicKey with prime256v1 / secp384r1 and an uncompressed point. SCARD_E_UNEXPECTED for
 * a malformed certificate, SCARD_E_UNSUPPORTED_FEATURE for another algorithm or curve. */
uint32_t ch_piv_x509_pubkey(const uint8_t *der, size_t len, ch_piv_pubkey *pk);

/* ======================================================================================
 * YubiKey GET METADATA (piv_metadata.c)
 * ==================================================================================== */
#define CH_PIV_ALG_3DES 0x03u
#define CH_PIV_ALG_RSA1024 0x06u
#define CH_PIV_ALG_RSA2048 0x07u
#define CH_PIV_ALG_RSA3072 0x05u
#define CH_PIV_ALG_RSA4096 0x16u
#define CH_PIV_ALG_AES128 0x08u
#define CH_PIV_ALG_AES192 0x0Au
#define CH_PIV_ALG_AES256 0x0Cu
#define CH_PIV_ALG_ECCP256 0x11u
#define CH_PIV_ALG_ECCP384 0x14u

typedef struct ch_piv_metadata {
    bool has_alg, has_policy, has_origin, has_default, has_retries;
    uint8_t alg;                       /* 01 */
    uint8_t pin_policy, touch_policy;  /* 02 */
    uint8_t origin;                    /* 03: 1 generated, 2 imported */
    bool is_default;                   /* 05 */
    uint8_t retries_total, retries_left; /* 06 */
    ch_piv_pubkey pub;                 /* 04: type NONE when absent */
} ch_piv_metadata;

/* Pure parser of a GET METADATA answer (01..06 TLVs, unknown tags skipped, each known tag at
 * most once). SCARD_E_UNEXPECTED when malformed or when 04 does not match 01's algorithm. */
uint32_t ch_piv_parse_metadata(const uint8_t *data, size_t len, ch_piv_metadata *out);

/* GET METADATA (00 F7 00 ref). 6D00 -> SCARD_E_UNSUPPORTED_FEATURE (not a YubiKey 5.3+),
 * 6A88/6A82 -> SCARD_E_FILE_NOT_FOUND (empty slot). */
uint32_t ch_piv_get_metadata(ch_apdu_ctx *ctx, uint8_t ref, ch_piv_metadata *m);

/* ======================================================================================
 * PIN, PUK and management key (piv_pin.c, piv_mgm.c)
 * ==================================================================================== */
#define CH_PIV_REF_PIN 0x80u
#define CH_PIV_REF_PUK 0x81u
#define CH_PIV_REF_MGM 0x9Bu
#define CH_PIV_PIN_MIN 6u
#define CH_PIV_PIN_MAX 8u
#define CH_PIV_TRIES_UNKNOWN (-1)

/* Whether a PIN/PUK can be sent at all: 6..8 bytes, none of them 0xFF (the pad byte). */
bool ch_piv_pin_shape_ok(const uint8_t *pin, size_t len);

/* VERIFY (00 20 00 ref) with the PIN padded to 8 bytes with FF. SCARD_S_SUCCESS;
 * SCARD_W_WRONG_CHV with *tries_left from 63Cx; SCARD_W_CHV_BLOCKED (63C0, 6983). The padded
 * copy is wiped. A PIN of the wrong shape is SCARD_E_INVALID_PARAMETER, nothing sent.
 * tries_left may be NULL; CH_PIV_TRIES_UNKNOWN when the card did not say. */
uint32_t ch_piv_verify(ch_apdu_ctx *ctx, uint8_t ref, const uint8_t *pin, size_t len,
                       int *tries_left);

/* Empty VERIFY: *verified and *tries_left (63Cx) without spending a try. */
uint32_t ch_piv_pin_status(ch_apdu_ctx *ctx, uint8_t ref, bool *verified, int *tries_left);

/* VERIFY 00 20 FF ref, no data: the card forgets the verified state. */
uint32_t ch_piv_pin_reset_state(ch_apdu_ctx *ctx, uint8_t ref);

/* CHANGE REFERENCE DATA (00 24 00 ref: 80 PIN, 81 PUK): old(8) || new(8), FF padded. */
uint32_t ch_piv_change_reference(ch_apdu_ctx *ctx, uint8_t ref, const uint8_t *old_pin,
                                 size_t old_len, const uint8_t *new_pin, size_t new_len,
                                 int *tries_left);

/* RESET RETRY COUNTER (00 2C 00 80): PUK(8) || new PIN(8). *tries_left is the PUK's. */
uint32_t ch_piv_reset_retry(ch_apdu_ctx *ctx, const uint8_t *puk, size_t puk_len,
                            const uint8_t *new_pin, size_t new_len, int *tries_left);

/* The management key's algorithm (GET METADATA 9B); a card without GET METADATA has the
 * SP 800-78 default, 3DES. */
uint32_t ch_piv_mgm_alg(ch_apdu_ctx *ctx, uint8_t *alg);
/* Block size of a management-key algorithm: 8 (3DES) or 16 (AES), 0 for anything else. */
size_t ch_piv_mgm_block(uint8_t alg);

/* Single-sided management-key authentication (the host proves it holds the key):
 * GENERAL AUTHENTICATE 00 87 alg 9B 7C{81 00} -> 7C{81 <challenge>} of one block, then
 * 7C{82 <response>}. The challenge must be exactly one block. A wrong response is
 * SCARD_W_WRONG_CHV (the card answers 6982). */
uint32_t ch_piv_mgm_challenge(ch_apdu_ctx *ctx, uint8_t alg, uint8_t *challenge, size_t cap,
                              size_t *len);
uint32_t ch_piv_mgm_response(ch_apdu_ctx *ctx, uint8_t alg, const uint8_t *response,
                             size_t len);

/* ======================================================================================
 * Writes, key import and generation, private-key operations (piv_put.c, piv_keys.c,
 * piv_crypto.c). Every one needs the management key (writes, import, generate) or the
 * key's PIN (GENERAL AUTHENTICATE) to have been presented; the card's 6982 maps to
 * SCARD_W_SECURITY_VIOLATION through the SW table.
 * ==================================================================================== */

/* PUT DATA (00 DB 3F FF): 5C <tag> 53 <len> <content>, chained by the exchange when longer
 * than one APDU. len 0 sends 53 00, which deletes the object. content may be NULL when len is
 * 0. SCARD_E_INVALID_PARAMETER for a tag that is not a 3-byte 5FCxxx/5FFFxx tag or content
 * longer than CH_PIV_OBJECT_MAX (nothing sent). */
uint32_t ch_piv_put_data(ch_apdu_ctx *ctx, uint32_t tag, const uint8_t *content, size_t len);

/* The content of a certificate object: 70 <der> 71 01 <info> FE 00, info 00 (plain) or 01
 * (der holds a gzip member). SCARD_E_INSUFFICIENT_BUFFER when it does not fit in cap. */
uint32_t ch_piv_cert_object_build(const uint8_t *der, size_t len, bool gzip, uint8_t *out,
                                  size_t cap, size_t *out_len);

/* The PIV algorithm id of a key (06/07/05/16 RSA-1024..4096, 11 P-256, 14 P-384), 0 when PIV
 * has none; and back: the key type and bits of an algorithm id (false when not a key alg). */
uint8_t ch_piv_key_alg(ch_piv_key_type type, size_t bits);
bool ch_piv_alg_key(uint8_t alg, ch_piv_key_type *type, size_t *bits);

/* PIN and touch policies (YubiKey tags AA and AB); DEFAULT sends no tag (the slot's default). */
#define CH_PIV_POLICY_DEFAULT 0x00u
#define CH_PIV_PIN_POLICY_NEVER 0x01u
#define CH_PIV_PIN_POLICY_ONCE 0x02u
#define CH_PIV_PIN_POLICY_ALWAYS 0x03u

/* Pure parser of a GENERATE answer: 7F 49 { 81 n 82 e } for RSA (n exactly bits/8 bytes once
 * leading zeros are dropped, top bit set; e at most 4 bytes, odd, >= 3) or 7F 49 { 86 04||X||Y }
 * of the algorithm's curve; nothing after the 7F49 object. SCARD_E_UNEXPECTED otherwise. */
uint32_t ch_piv_parse_generated(const uint8_t *data, size_t len, uint8_t alg,
                                ch_piv_pubkey *pub);

/* GENERATE ASYMMETRIC KEY PAIR (00 47 00 slot): AC { 80 01 alg [AA 01 pin] [AB 01 touch] }.
 * Writes the new public key. The old key of the slot is gone once the card answers 9000. */
uint32_t ch_piv_generate(ch_apdu_ctx *ctx, uint8_t slot, uint8_t alg, uint8_t pin_policy,
                         uint8_t touch_policy, ch_piv_pubkey *pub);

/* YubiKey IMPORT ASYMMETRIC KEY (00 FE alg slot), chained. RSA: 01 p 02 q 03 dp 04 dq 05 qinv,
 * each exactly half bytes (bits/16); EC: 06 <scalar>, field bytes. [AA pin] [AB touch] follow.
 * The command buffer is wiped after sending. SCARD_E_INVALID_PARAMETER for an alg/length
 * mismatch (nothing sent). */
uint32_t ch_piv_import_rsa(ch_apdu_ctx *ctx, uint8_t slot, uint8_t alg, const uint8_t *p,
                           const uint8_t *q, const uint8_t *dp, const uint8_t *dq,
                           const uint8_t *qinv, size_t half, uint8_t pin_policy,
                           uint8_t touch_policy);
uint32_t ch_piv_import_ec(ch_apdu_ctx *ctx, uint8_t slot, uint8_t alg, const uint8_t *scalar,
                          size_t field, uint8_t pin_policy, uint8_t touch_policy);

/* GENERAL AUTHENTICATE (00 87 alg slot) 7C { 82 00 81 <in> } -> 7C { 82 <out> }, the answer
 * exactly one 7C holding exactly one 82. RSA (sign or decrypt, raw): in and out are exactly
 * the modulus length k; an answer of another length is SCARD_E_UNEXPECTED. out may be in. */
uint32_t ch_piv_rsa_raw(ch_apdu_ctx *ctx, uint8_t alg, uint8_t slot, const uint8_t *in,
                        size_t k, uint8_t *out);

/* ECDSA: the hash (truncated by the caller to at most the field size; the card takes it as
 * is) -> the card's DER ECDSA-Sig-Value, converted to r || s, each field bytes big-endian. */
uint32_t ch_piv_ecdsa_sign(ch_apdu_ctx *ctx, uint8_t alg, uint8_t slot, const uint8_t *hash,
                           size_t hash_len, uint8_t *rs, size_t field);

/* Pure: DER SEQUENCE { INTEGER r, INTEGER s } (minimal encodings, positive, each below
 * 2^(8*field), nothing trailing) -> r || s. SCARD_E_UNEXPECTED otherwise; rs untouched. */
uint32_t ch_piv_ecdsa_der_to_rs(const uint8_t *der, size_t len, size_t field, uint8_t *rs);

/* ECDH: 7C { 82 00 85 <04||X||Y> } -> 7C { 82 <shared X> }, exactly field bytes. */
uint32_t ch_piv_ecdh(ch_apdu_ctx *ctx, uint8_t alg, uint8_t slot, const uint8_t *point,
                     size_t point_len, uint8_t *secret, size_t field);

#endif
