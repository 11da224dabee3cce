/* fuzz_unpad: the constant-time RSA decryption padding decoders (src/md/md_pad.c) and the
 * hashes under them (src/util/sha.c), differential against OpenSSL libcrypto.
 *
 * Input layout (no other framing):
 *   byte 0        mode = byte % 6: 0 RSAES-PKCS1-v1_5; 1..4 RSAES-OAEP with SHA-1, SHA-256,
 *                 SHA-384, SHA-512 (MGF1 over the same hash); 5 hash / HMAC
 * modes 0..4:
 *   byte 1        L, the label length (OAEP; read and ignored by mode 0)
 *   bytes 2..     the label (L bytes), then the block em; k = its length, 11..512, else the
 *                 input is ignored
 * mode 5:
 *   byte 1        bits 0-1: SHA-1, SHA-256, SHA-384, SHA-512; bit 2: HMAC
 *   bytes 2..3    split point, u16 LE, taken modulo (message length + 1)
 *   byte 4        key length (HMAC only; read and ignored for a plain hash)
 *   bytes 5..     the key (HMAC only), then the message
 * Shorter inputs read as if the missing bytes were absent fields: too short a header is
 * ignored, a label or key longer than what remains is cut to what remains.
 *
 * Oracles. Decoders: OpenSSL's RSA_padding_check_PKCS1_type_2 and
 * RSA_padding_check_PKCS1_OAEP_mgf1 with the same k (flen = num = k, the whole block, as
 * rsa_ossl.c passes it; OpenSSL's checks are constant-time themselves, so their verdicts are
 * the reference): both accept with the same message, or both refuse. Our error contract on
 * top: a refusal returns -1, *m_len = 0 and all of out zero. out is exactly the least cap the
 * header allows (k - 11, k - 2hLen - 2) on the heap, so ASan sees any write past it.
 * Hashes: ch_hash in one call, ch_hash_init/update/update/final split at the fuzzed point, and
 * EVP_Digest agree (HMAC: ch_hmac, the split context and HMAC()); the contexts are all zero
 * after final. */
#define OPENSSL_SUPPRESS_DEPRECATED /* RSA_padding_check_* are the oracles */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "fuzz_check.h"
#include "hash_evp.h"
#include "md_pad.h"
#include "sha.h"

#define K_MIN 11u
#define K_MAX 512u
#define MODE_PKCS1 0u
#define MODE_HASH 5u

static const ch_hash_alg ALGS[4] = {CH_HASH_SHA1, CH_HASH_SHA256, CH_HASH_SHA384,
                                    CH_HASH_SHA512};

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint8_t acc = 0;
    size_t i;

    for (i = 0; i < n; i++)
        acc |= b[i];
    return acc == 0;
}

static void unpad(unsigned mode, const uint8_t *label, size_t label_len, const uint8_t *em,
                  size_t k)
{
    ch_hash_alg alg = mode == MODE_PKCS1 ? CH_HASH_NONE : ALGS[mode - 1];
    size_t hlen = ch_hash_len(alg), cap, m_len = 0xDEAD;
    uint8_t *out, *ref;
    int rc, ref_rc;

    if (mode == MODE_PKCS1)
        cap = k - 11;
    else
        cap = k >= 2 * hlen + 2 ? k - 2 * hlen - 2 : 0;
    out = malloc(cap ? cap : 1);
    ref = malloc(k);
    CH_CHECK(out != NULL && ref != NULL, "out of memory");
    memset(out, 0xA5, cap);

    if (mode == MODE_PKCS1) {
        rc = ch_pad_pkcs1_decrypt(em, k, out, cap, &m_len);
        ref_rc = RSA_padding_check_PKCS1_type_2(ref, (int)k, em, (int)k, (int)k);
    } else {
        rc = ch_pad_oaep_decrypt(alg, label, label_len, em, k, out, cap, &m_len);
        ref_rc = RSA_padding_check_PKCS1_OAEP_mgf1(ref, (int)k, em, (int)k, (int)k, label,
                                                   (int)label_len, ch_hash_evp_md(alg),
                                                   ch_hash_evp_md(alg));
    }
    ERR_clear_error(); /* OpenSSL queues an error for every refusal */

    CH_CHECK(rc == 0 || rc == -1, "result %d", rc);
    if (rc == 0) {
        CH_CHECK(ref_rc >= 0, "we accept %zu bytes, OpenSSL refuses (mode %u, k %zu)", m_len,
                 mode, k);
        CH_CHECK(m_len == (size_t)ref_rc, "we return %zu bytes, OpenSSL %d", m_len, ref_rc);
        CH_CHECK(m_len <= cap, "m_len %zu > cap %zu", m_len, cap);
        CH_CHECK(m_len == 0 || memcmp(out, ref, m_len) == 0, "message differs from OpenSSL's");
    } else {
        CH_CHECK(ref_rc < 0, "we refuse, OpenSSL accepts %d bytes (mode %u, k %zu)", ref_rc,
                 mode, k);
        CH_CHECK(m_len == 0, "refusal with m_len %zu", m_len);
        CH_CHECK(all_zero(out, cap), "out not wiped on refusal");
    }
    free(out);
    free(ref);
}

static void hash(unsigned flags, size_t split, const uint8_t *key, size_t key_len,
                 const uint8_t *msg, size_t n)
{
    ch_hash_alg alg = ALGS[flags & 3u];
    int hmac = (flags & 4u) != 0;
    size_t len = ch_hash_len(alg);
    uint8_t one[CH_HASH_MAX_LEN], two[CH_HASH_MAX_LEN], ref[EVP_MAX_MD_SIZE];
    unsigned ref_len = 0;
    ch_hash_ctx c;
    ch_hmac_ctx h;

    if (hmac) {
        CH_CHECK(ch_hmac(alg, key, key_len, msg, n, one) == 0, "ch_hmac refused");
        CH_CHECK(ch_hmac_init(&h, alg, key, key_len) == 0, "ch_hmac_init refused");
        ch_hmac_update(&h, msg, split);
        ch_hmac_update(&h, msg + split, n - split);
        ch_hmac_final(&h, two);
        CH_CHECK(all_zero(&h, sizeof h), "HMAC context not wiped");
        CH_CHECK(HMAC(ch_hash_evp_md(alg), key, (int)key_len, msg, n, ref, &ref_len) != NULL,
                 "HMAC()");
    } else {
        CH_CHECK(ch_hash(alg, msg, n, one) == 0, "ch_hash refused");
        CH_CHECK(ch_hash_init(&c, alg) == 0, "ch_hash_init refused");
        ch_hash_update(&c, msg, split);
        ch_hash_update(&c, msg + split, n - split);
        ch_hash_final(&c, two);
        CH_CHECK(all_zero(&c, sizeof c), "hash context not wiped");
        CH_CHECK(EVP_Digest(msg, n, ref, &ref_len, ch_hash_evp_md(alg), NULL) == 1, "EVP_Digest");
    }
    CH_CHECK(ref_len == len, "length %u, expected %zu", ref_len, len);
    CH_CHECK(memcmp(one, ref, len) == 0, "one-shot %s differs from OpenSSL (alg %d, %zu bytes)",
             hmac ? "HMAC" : "hash", (int)alg, n);
    CH_CHECK(memcmp(two, ref, len) == 0, "split %s differs from OpenSSL (split %zu of %zu)",
             hmac ? "HMAC" : "hash", split, n);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    unsigned mode;
    size_t l, k, split;

    if (size < 2)
        return 0;
    mode = data[0] % 6u;
    if (mode == MODE_HASH) {
        if (size < 5)
            return 0;
        l = data[4] < size - 5 ? data[4] : size - 5;
        if (!(data[1] & 4u))
            l = 0; /* a plain hash has no key: the length byte is skipped, nothing more */
        k = size - 5 - l; /* message length */
        split = ((size_t)data[2] | (size_t)data[3] << 8) % (k + 1);
        hash(data[1], split, data + 5, l, data + 5 + l, k);
        return 0;
    }
    l = data[1] < size - 2 ? data[1] : size - 2;
    k = size - 2 - l;
    if (k < K_MIN || k > K_MAX)
        return 0;
    unpad(mode, data + 2, l, data + 2 + l, k);
    return 0;
}
