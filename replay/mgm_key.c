/* The user's management key: read from a file, used to answer the card's challenge. */
#include "mgm_key.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "hex.h"
#include "wipe.h"

void mdr_mgm_wipe(mdr_mgm *k)
{
    ch_wipe(k, sizeof *k);
}

bool mdr_mgm_read(const char *path, mdr_mgm *k)
{
    /* 32 bytes as hex with a separator between every two digits fit with room to spare; a
     * longer file is no key of ours, whatever it holds. */
    char text[200];
    size_t n, len = 0, pos = 0;
    FILE *f = fopen(path, "rb");
    int hr;

    mdr_mgm_wipe(k);
    if (!f) {
        fprintf(stderr, "mdreplay: %s: cannot read the management key file\n", path);
        return false;
    }
    n = fread(text, 1, sizeof text, f);
    fclose(f);
    if (n == sizeof text) {
        ch_wipe(text, sizeof text);
        fprintf(stderr, "mdreplay: %s: not a management key (more than %zu bytes of text)\n",
                path, sizeof text - 1);
        return false;
    }
    text[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (text[i] == '\n' || text[i] == '\r')
            text[i] = ' ';
    hr = ch_hex_decode(text, k->key, sizeof k->key, &len, &pos);
    ch_wipe(text, sizeof text);
    if (hr != CH_HEX_OK || (len != 16 && len != 24 && len != 32)) {
        mdr_mgm_wipe(k);
        if (hr == CH_HEX_EDIGIT)
            fprintf(stderr, "mdreplay: %s: not hex at offset %zu\n", path, pos);
        else
            fprintf(stderr, "mdreplay: %s: a management key is 16, 24 or 32 bytes in hex\n",
                    path);
        return false;
    }
    k->len = len;
    return true;
}

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

bool mdr_mgm_response(const mdr_mgm *k, const uint8_t *c, size_t n, uint8_t *out)
{
    const EVP_CIPHER *cipher = cipher_for(k->len, n);
    EVP_CIPHER_CTX *x;
    uint8_t block[16];
    int l1 = 0, l2 = 0;
    bool ok;

    if (!cipher)
        return false;
    x = EVP_CIPHER_CTX_new();
    ok = x && EVP_EncryptInit_ex(x, cipher, NULL, k->key, NULL) == 1 &&
         EVP_CIPHER_CTX_set_padding(x, 0) == 1 &&
         EVP_EncryptUpdate(x, block, &l1, c, (int)n) == 1 &&
         EVP_EncryptFinal_ex(x, block + l1, &l2) == 1 && (size_t)(l1 + l2) == n;
    EVP_CIPHER_CTX_free(x);
    if (ok)
        memcpy(out, block, n);
    ch_wipe(block, sizeof block);
    return ok;
}
