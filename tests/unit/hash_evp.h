/* The OpenSSL digest of a ch_hash_alg: the oracle of the hash and padding tests and of
 * fuzz_unpad. NULL for CH_HASH_NONE or an unknown value. */
#ifndef CH_HASH_EVP_H
#define CH_HASH_EVP_H

#include <openssl/evp.h>

#include "sha.h"

static inline const EVP_MD *ch_hash_evp_md(ch_hash_alg alg)
{
    switch (alg) {
    case CH_HASH_SHA1: return EVP_sha1();
    case CH_HASH_SHA256: return EVP_sha256();
    case CH_HASH_SHA384: return EVP_sha384();
    case CH_HASH_SHA512: return EVP_sha512();
    default: return NULL;
    }
}

#endif
