/* RSA padding done by the card module (PIV cards compute raw RSA only): EMSA-PKCS1-v1_5
 * encoding for CardSignData, and the constant-time removal of RSAES-PKCS1-v1_5 and RSAES-OAEP
 * padding for CardRSADecrypt v2 (RFC 8017). Pure: no I/O, no heap.
 *
 * Constant time: the decoders' running time and memory access pattern depend on k (and the
 * label length, for OAEP) only, never on the decrypted block, up to the moment the message
 * length is returned: a padding oracle must not learn where or why a block was bad
 * (Bleichenbacher 1998, Manger 2001). One error for every bad block. */
#ifndef CH_MD_PAD_H
#define CH_MD_PAD_H

#include <stddef.h>
#include <stdint.h>

#include "cardmod.h"
#include "sha.h"

/* The hash named by a CALG id or by a BCrypt algorithm name (L"SHA1", L"SHA256", L"SHA384",
 * L"SHA512", L"MD5"; compared exactly). MD5 and SSL3_SHAMD5 are known for PKCS#1 signing (the
 * DigestInfo prefix is all that is needed) but have no ch_hash_alg: *alg = CH_HASH_NONE. */
typedef struct ch_pad_hash {
    ch_hash_alg alg;       /* for OAEP/MGF1; NONE for MD5 / SSL3_SHAMD5 */
    size_t len;            /* digest length the CSP must pass */
    const uint8_t *prefix; /* DER DigestInfo prefix (empty for SSL3_SHAMD5) */
    size_t prefix_len;
} ch_pad_hash;

/* 0 on success, -1 when unknown. */
int ch_pad_hash_by_calg(ALG_ID calg, ch_pad_hash *h);
int ch_pad_hash_by_name(LPCWSTR name, ch_pad_hash *h);

/* EM = 00 01 FF..FF 00 || prefix || data into out[0..k). SCARD_E_INVALID_PARAMETER when
 * prefix_len + data_len > k - 11 (at least 8 bytes of FF, RFC 8017 9.2). */
DWORD ch_pad_pkcs1_sign(const uint8_t *prefix, size_t prefix_len, const uint8_t *data,
                        size_t data_len, uint8_t *out, size_t k);

/* RSAES-PKCS1-v1_5 decoding of em[0..k) (k >= 11): 00 02 PS(>= 8 non-zero) 00 M. On success
 * M is written to out[0..*m_len) and the rest of out[0..cap) zeroed (cap must be >= k - 11
 * whatever M's length: all of it is written, so that the time depends on k and cap only) and 0
 * returned;
 * on a bad block -1, *m_len = 0 and out is wiped. */
int ch_pad_pkcs1_decrypt(const uint8_t *em, size_t k, uint8_t *out, size_t cap,
                         size_t *m_len);

/* RSAES-OAEP decoding with MGF1 over the same hash, label lHash = H(label). k must be at least
 * 2 * hLen + 2. Same contract as above; cap >= k - 2 * hLen - 2. */
int ch_pad_oaep_decrypt(ch_hash_alg hash, const uint8_t *label, size_t label_len,
                        const uint8_t *em, size_t k, uint8_t *out, size_t cap, size_t *m_len);

/* MGF1 (RFC 8017 B.2.1): mask of out_len bytes from seed, XORed into out. */
void ch_pad_mgf1_xor(ch_hash_alg hash, const uint8_t *seed, size_t seed_len, uint8_t *out,
                     size_t out_len);

#endif
