/* The answer to a management-key challenge (mgm_answer.h). */
#include "mgm_answer.h"

#include <string.h>

#include <openssl/evp.h>

#include "wipe.h"

static const EVP_CIPHER *cipher_for(size_t key_len, size_t block)
{
    if (block == 8)
        return key_len == 24 ? EVP_des_ede3_ecb() : NULL;
    if (block != 16)
        return NULL;
    switch (key_len) {
    case 16: return EVP_aes_128_ecb();
    case 24: return EVP_aes_192_ecb();
    case 32: return EVP_aes_256_ecb();
    default: return NULL;
    }
}

bool ch_mgm_answer(const uint8_t *key, size_t key_len, const uint8_t *c, size_t block,
                   uint8_t *out)
{
    const EVP_CIPHER *cipher = cipher_for(key_len, block);
    EVP_CIPHER_CTX *x;
    uint8_t buf[16];
    int l1 = 0, l2 = 0;
    bool ok;

    if (!cipher)
        return false;
    x = EVP_CIPHER_CTX_new();
    ok = x && EVP_EncryptInit_ex(x, cipher, NULL, key, NULL) == 1 &&
         EVP_CIPHER_CTX_set_padding(x, 0) == 1 &&
         EVP_EncryptUpdate(x, buf, &l1, c, (int)block) == 1 &&
         EVP_EncryptFinal_ex(x, buf + l1, &l2) == 1 && (size_t)(l1 + l2) == block;
    EVP_CIPHER_CTX_free(x);
    if (ok)
        memcpy(out, buf, block);
    ch_wipe(buf, sizeof buf);
    return ok;
}
