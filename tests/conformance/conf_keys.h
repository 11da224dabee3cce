/* Conformance tests of the write and crypto half: the CSP's side of keys, blobs and
 * signatures, computed with OpenSSL (the oracle), and the few module calls every such test
 * makes (admin and PIN logon, import, container public keys, file reads, cardcf counters).
 * Include <cmocka.h> (after stdarg, stddef, stdint, setjmp) and conf.h before this header;
 * failed steps fail the calling test. */
#ifndef CH_CONF_KEYS_H
#define CH_CONF_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "conf.h"
#include "vpiv_internal.h"

#define CK_PIN "123456"

/* ---- host keys ---- */

/* The n-th (0..2) host key of a kind ("rsa1024", "rsa2048", "rsa3072", "rsa4096", "p256",
 * "p384"), generated once per process and kept: do not free. ck_keys_free at the end (a group
 * teardown) frees them all. */
EVP_PKEY *ck_key(const char *kind, unsigned n);
int ck_keys_free(void **state);

/* RSA modulus bytes / EC field bytes of a key. */
size_t ck_key_bytes(const EVP_PKEY *k);
bool ck_key_is_rsa(const EVP_PKEY *k);

/* ---- blobs the CSP hands over or gets back ---- */

/* A CAPI PRIVATEKEYBLOB of an RSA key, written by OpenSSL (i2b_PrivateKey_bio), with aiKeyAlg
 * set to alg. Returns the length (at most cap). */
size_t ck_rsa_blob(const EVP_PKEY *k, ALG_ID alg, uint8_t *out, size_t cap);
/* BCRYPT_ECCKEY_BLOB: magic, cbKey, X, Y (public) and d (private magics). */
size_t ck_ecc_blob(const EVP_PKEY *k, uint32_t magic, uint8_t *out, size_t cap);
/* The blob CardCreateContainerEx(KEY_IMPORT) wants for spec: RSA with CALG_RSA_KEYX for
 * AT_KEYEXCHANGE, CALG_RSA_SIGN for AT_SIGNATURE; ECC with the spec's private magic. */
size_t ck_import_blob(const EVP_PKEY *k, DWORD spec, uint8_t *out, size_t cap);
/* The public-key blob CONTAINER_INFO must hold for k under spec (PUBLICKEYBLOB with
 * CALG_RSA_KEYX / CALG_RSA_SIGN, or the ECS / ECK public magic). */
size_t ck_public_blob(const EVP_PKEY *k, DWORD spec, uint8_t *out, size_t cap);
/* A public key back from a CONTAINER_INFO blob (RSA1 or an ECC public magic). */
EVP_PKEY *ck_pkey_from_blob(const uint8_t *blob, size_t len);

#define CK_BLOB_MAX 2400u

/* ---- module calls ---- */

/* ROLE_ADMIN through CardGetChallenge / CardAuthenticateChallenge with the card's default
 * 3DES management key; the card must say authenticated. */
void ck_admin(conf *c);
/* ROLE_USER through CardAuthenticateEx with the default PIN. */
void ck_pin(conf *c);
/* CardCreateContainerEx(idx, KEY_IMPORT, spec, size, blob of k, ROLE_USER): the result. */
DWORD ck_import(conf *c, BYTE idx, DWORD spec, DWORD size, const EVP_PKEY *k);
/* CardGetContainerInfo(idx) must succeed and hold exactly ck_public_blob(k, spec) in the Sig
 * or KeyEx member that spec names, the other one empty. */
void ck_assert_container_key(conf *c, BYTE idx, const EVP_PKEY *k, DWORD spec);
/* The container's public key from CardGetContainerInfo (for generated keys); *spec_sig tells
 * whether it came in the Sig member. The caller frees it. */
EVP_PKEY *ck_container_key(conf *c, BYTE idx, bool *in_sig);

/* CardReadFile must succeed; the data (the caller frees it with c->cd->pfnCspFree). */
uint8_t *ck_read(conf *c, const char *dir, const char *file, DWORD *len);
/* CardReadFile must fail with want and leave the outputs untouched. */
void ck_read_fails(conf *c, const char *dir, const char *file, DWORD want);
/* wContainersFreshness and wFilesFreshness of cardcf as CardReadFile returns it. */
void ck_cardcf(conf *c, unsigned *containers, unsigned *files);

/* Signs a SHA-256 of msg with container idx (RSA: PKCS#1 v1.5 with CALG_SHA_256; EC: ECDSA)
 * under spec; the call must succeed. Returns whether the signature verifies with k. */
bool ck_signs_as(conf *c, BYTE idx, DWORD spec, const EVP_PKEY *k, const char *msg);

/* ---- APDUs by instruction ---- */

/* Starts counting the context's APDUs by INS (the transport hook of its exchange). */
void ck_watch(conf *c);
/* Commands with this INS since ck_watch (a chained command counts once). */
unsigned long ck_sent(uint8_t ins);
#define CK_INS_PUT_DATA 0xDBu
#define CK_INS_GENERATE 0x47u
#define CK_INS_IMPORT 0xFEu
#define CK_INS_GENERAL_AUTH 0x87u

/* ---- OpenSSL as the verifier ---- */

void ck_reverse(uint8_t *out, const uint8_t *in, size_t n);
/* RSA PKCS#1 v1.5 verification of a little-endian signature; md NULL: no DigestInfo (the
 * recovered block's payload must equal data). */
bool ck_rsa_pkcs1_ok(const EVP_PKEY *pub, const EVP_MD *md, const uint8_t *data, size_t len,
                     const uint8_t *sig_le, size_t sig_len);
bool ck_rsa_pss_ok(const EVP_PKEY *pub, const EVP_MD *md, int salt, const uint8_t *hash,
                   size_t len, const uint8_t *sig_le, size_t sig_len);
/* ECDSA of a hash (any length; OpenSSL truncates as the standard says), r || s big-endian. */
bool ck_ecdsa_ok(const EVP_PKEY *pub, const uint8_t *hash, size_t len, const uint8_t *rs,
                 size_t rs_len);
/* out = in^e mod n, both k bytes big-endian (RSA without padding). */
void ck_rsa_public_raw(const EVP_PKEY *pub, const uint8_t *in, uint8_t *out);
/* The hash of data (EVP_MD) into out; returns its length. */
size_t ck_hash(const EVP_MD *md, const void *data, size_t len, uint8_t *out);

/* ---- certificates and card objects ---- */

/* A self-signed certificate of key with one private extension (OID 1.3.6.1.4.1.55555.1)
 * holding ext_len bytes of ext (none when ext_len is 0). DER, malloc'd. */
void ck_make_cert(const EVP_PKEY *key, const char *cn, const uint8_t *ext, size_t ext_len,
                  uint8_t **der, size_t *len);
/* vpiv's copy of an object's content (what PUT DATA stored in 53), NULL when absent. */
const vpiv_object *ck_object(const vpiv_card *card, uint32_t tag);
/* The certificate object of a slot: the CertInfo byte (71) and the 70 value. */
void ck_cert_object(const vpiv_card *card, uint32_t tag, uint8_t *cert_info,
                    const uint8_t **value, size_t *value_len);

#endif
