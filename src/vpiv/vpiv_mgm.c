/* Management key (key reference 9B): GENERAL AUTHENTICATE (mutual and single-sided) and
 * SET MANAGEMENT KEY. Also the INS 87 entry point, which hands key slots to vpiv_keys.c.
 *
 * Exchanges, as yubico-piv-tool, yubikit and OpenSC send them (block = 8 bytes for 3DES,
 * 16 for AES):
 *   mutual:  7C 02 80 00                  -> 7C len 80 len Enc(W)
 *            7C len 80 len W 81 len C     -> 7C len 82 len Enc(C)        (authenticated)
 *   single:  7C 02 81 00                  -> 7C len 81 len C
 *            7C len 82 len Enc(C)         -> 9000 (authenticated) or 6982
 * Any step out of order, or malformed, answers 6A80 and drops the pending exchange. */
#include <openssl/evp.h>
#include <string.h>

#include "vpiv_crypto.h"
#include "vpiv_internal.h"
#include "wipe.h"

#define MGM_KEY_REF 0x9B
#define MGM_MAX_BLOCK 16u

bool vpiv_parse_dynauth(const uint8_t *data, size_t len, vpiv_dynauth *da)
{
    ch_cur c, tmpl, v;
    uint32_t tag;
    int idx;

    memset(da, 0, sizeof *da);
    ch_cur_init(&c, data, len);
    if (!ch_cur_tlv(&c, &tag, &tmpl) || tag != 0x7C || !ch_cur_empty(&c))
        return false;
    while (!ch_cur_empty(&tmpl)) {
        if (!ch_cur_tlv(&tmpl, &tag, &v))
            return false;
        switch (tag) {
        case 0x80: idx = DA_WITNESS; break;
        case 0x81: idx = DA_CHALLENGE; break;
        case 0x82: idx = DA_RESPONSE; break;
        case 0x85: idx = DA_EXPONENTIATION; break;
        default: return false;
        }
        if (da->has[idx])
            return false;
        da->has[idx] = true;
        da->len[idx] = ch_cur_left(&v);
        da->v[idx] = da->len[idx] ? ch_cur_peek_ptr(&v) : NULL;
    }
    return true;
}

/* The cipher of a management key algorithm, its key and block sizes; NULL if not one. */
static const EVP_CIPHER *mgm_cipher(uint8_t alg, size_t *key_len, size_t *block)
{
    switch (alg) {
    case ALG_3DES:
        *key_len = 24, *block = 8;
        return EVP_des_ede3_ecb();
    case ALG_AES128:
        *key_len = 16, *block = 16;
        return EVP_aes_128_ecb();
    case ALG_AES192:
        *key_len = 24, *block = 16;
        return EVP_aes_192_ecb();
    case ALG_AES256:
        *key_len = 32, *block = 16;
        return EVP_aes_256_ecb();
    default:
        return NULL;
    }
}

/* One ECB block with the card's management key: out = Enc_K(in) (or Dec). */
static bool mgm_block(const vpiv_card *card, const uint8_t *in, uint8_t *out)
{
    size_t key_len, block;
    const EVP_CIPHER *cipher = mgm_cipher(card->mgm_alg, &key_len, &block);
    EVP_CIPHER_CTX *ctx;
    int n = 0, fin = 0;
    bool ok;

    if (!cipher || (ctx = EVP_CIPHER_CTX_new()) == NULL)
        return false;
    ok = EVP_CipherInit_ex2(ctx, cipher, card->mgm_key, NULL, 1, NULL) == 1 &&
         EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
         EVP_CipherUpdate(ctx, out, &n, in, (int)block) == 1 &&
         EVP_CipherFinal_ex(ctx, out + n, &fin) == 1 && (size_t)n + (size_t)fin == block;
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

static void mgm_clear_pending(vpiv_card *card)
{
    card->mgm_pending = 0;
    ch_wipe(card->mgm_challenge, sizeof card->mgm_challenge);
    card->mgm_challenge_len = 0;
}

/* Answers 7C { tag len v }. */
static uint16_t answer(uint8_t tag, const uint8_t *v, size_t vlen, uint8_t *out, size_t *out_len)
{
    uint8_t inner[2 + MGM_MAX_BLOCK];
    size_t ilen = 0, len = 0;
    uint16_t sw = SW_OK;

    if (!vpiv_put_tlv(inner, sizeof inner, &ilen, tag, v, vlen) ||
        !vpiv_put_tlv(out, VPIV_MAX_RESPONSE, &len, 0x7C, inner, ilen))
        sw = SW_NO_DIAGNOSIS;
    else
        *out_len = len;
    ch_wipe(inner, sizeof inner);
    return sw;
}

static uint16_t mgm_authenticate(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out,
                                 size_t *out_len)
{
    vpiv_dynauth da;
    size_t key_len, block;
    uint8_t buf[MGM_MAX_BLOCK], pending = card->mgm_pending;
    uint16_t sw;
    bool witness, challenge, response;

    if (!mgm_cipher(card->mgm_alg, &key_len, &block))
        return SW_NO_DIAGNOSIS; /* corrupt state: never authenticates */
    if (cmd->p1 != card->mgm_alg || !vpiv_parse_dynauth(cmd->data, cmd->len, &da) ||
        da.has[DA_EXPONENTIATION]) {
        mgm_clear_pending(card);
        return SW_INCORRECT_DATA;
    }
    witness = da.has[DA_WITNESS], challenge = da.has[DA_CHALLENGE];
    response = da.has[DA_RESPONSE];

    /* 7C { 80 00 }: the card's witness, encrypted. */
    if (witness && !challenge && !response && da.len[DA_WITNESS] == 0) {
        mgm_clear_pending(card);
        vpiv_random(card, card->mgm_challenge, block);
        if (!mgm_block(card, card->mgm_challenge, buf)) {
            mgm_clear_pending(card);
            return SW_NO_DIAGNOSIS;
        }
        card->mgm_challenge_len = (uint8_t)block;
        card->mgm_pending = 0x80;
        sw = answer(0x80, buf, block, out, out_len);
        ch_wipe(buf, sizeof buf);
        return sw;
    }

    /* 7C { 81 00 }: a plaintext challenge for the host to encrypt. */
    if (challenge && !witness && !response && da.len[DA_CHALLENGE] == 0) {
        mgm_clear_pending(card);
        vpiv_random(card, card->mgm_challenge, block);
        card->mgm_challenge_len = (uint8_t)block;
        card->mgm_pending = 0x81;
        return answer(0x81, card->mgm_challenge, block, out, out_len);
    }

    /* 7C { 80 W, 81 C }: the decrypted witness and the host's own challenge. */
    if (witness && challenge && !response && da.len[DA_WITNESS] == block &&
        da.len[DA_CHALLENGE] == block) {
        bool ok = pending == 0x80 && card->mgm_challenge_len == block &&
                  ch_ct_memeq(da.v[DA_WITNESS], card->mgm_challenge, block);
        mgm_clear_pending(card);
        if (pending != 0x80)
            return SW_INCORRECT_DATA;
        if (!ok) {
            card->mgm_authenticated = false;
            return SW_SECURITY_STATUS;
        }
        if (!mgm_block(card, da.v[DA_CHALLENGE], buf))
            return SW_NO_DIAGNOSIS;
        card->mgm_authenticated = true;
        sw = answer(0x82, buf, block, out, out_len);
        ch_wipe(buf, sizeof buf);
        return sw;
    }

    /* 7C { 82 Enc(C) }: the host's answer to our challenge. */
    if (response && !witness && !challenge && da.len[DA_RESPONSE] == block) {
        bool ok = false;
        if (pending == 0x81 && card->mgm_challenge_len == block &&
            mgm_block(card, card->mgm_challenge, buf))
            ok = ch_ct_memeq(da.v[DA_RESPONSE], buf, block) == 1;
        ch_wipe(buf, sizeof buf);
        mgm_clear_pending(card);
        if (pending != 0x81)
            return SW_INCORRECT_DATA;
        card->mgm_authenticated = ok;
        return ok ? SW_OK : SW_SECURITY_STATUS;
    }

    mgm_clear_pending(card);
    return SW_INCORRECT_DATA;
}

uint16_t vpiv_cmd_general_authenticate(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out,
                                       size_t *out_len)
{
    if (cmd->p2 == MGM_KEY_REF)
        return mgm_authenticate(card, cmd, out, out_len);
    return vpiv_keys_authenticate(card, cmd, out, out_len);
}

/* DES weak and semi-weak keys (parity bits ignored), as yubico-piv-tool refuses them. */
static bool des3_is_weak(const uint8_t key[24])
{
    static const uint8_t weak[16][8] = {
        {0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01},
        {0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE},
        {0x1F, 0x1F, 0x1F, 0x1F, 0x0E, 0x0E, 0x0E, 0x0E},
        {0xE0, 0xE0, 0xE0, 0xE0, 0xF1, 0xF1, 0xF1, 0xF1},
        {0x01, 0xFE, 0x01, 0xFE, 0x01, 0xFE, 0x01, 0xFE},
        {0xFE, 0x01, 0xFE, 0x01, 0xFE, 0x01, 0xFE, 0x01},
        {0x1F, 0xE0, 0x1F, 0xE0, 0x0E, 0xF1, 0x0E, 0xF1},
        {0xE0, 0x1F, 0xE0, 0x1F, 0xF1, 0x0E, 0xF1, 0x0E},
        {0x01, 0xE0, 0x01, 0xE0, 0x01, 0xF1, 0x01, 0xF1},
        {0xE0, 0x01, 0xE0, 0x01, 0xF1, 0x01, 0xF1, 0x01},
        {0x1F, 0xFE, 0x1F, 0xFE, 0x0E, 0xFE, 0x0E, 0xFE},
        {0xFE, 0x1F, 0xFE, 0x1F, 0xFE, 0x0E, 0xFE, 0x0E},
        {0x01, 0x1F, 0x01, 0x1F, 0x01, 0x0E, 0x01, 0x0E},
        {0x1F, 0x01, 0x1F, 0x01, 0x0E, 0x01, 0x0E, 0x01},
        {0xE0, 0xFE, 0xE0, 0xFE, 0xF1, 0xFE, 0xF1, 0xFE},
        {0xFE, 0xE0, 0xFE, 0xE0, 0xFE, 0xF1, 0xFE, 0xF1},
    };
    unsigned found = 0;

    /* Every part is compared with every weak key in full, with no early exit: the time does
     * not depend on the new key (a secret). d is 0..254, d + 0xFF has bit 8 set iff d != 0. */
    for (size_t part = 0; part < 3; part++) {
        for (size_t w = 0; w < 16; w++) {
            unsigned d = 0;
            for (size_t i = 0; i < 8; i++)
                d |= (unsigned)(key[part * 8 + i] ^ weak[w][i]) & 0xFEu;
            found |= ((d + 0xFFu) >> 8) ^ 1u;
        }
    }
    return found != 0;
}

/* SET MANAGEMENT KEY 00 FF FF FF|FE, data alg 9B len key. */
uint16_t vpiv_cmd_set_mgm_key(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out,
                              size_t *out_len)
{
    ch_cur c, v;
    uint32_t tag;
    uint8_t alg, old_key[sizeof card->mgm_key], old_alg, old_touch;
    bool old_default;
    size_t key_len, block;
    const uint8_t *key;

    (void)out, (void)out_len;
    if (cmd->p1 != 0xFF || (cmd->p2 != 0xFF && cmd->p2 != 0xFE))
        return SW_INCORRECT_P1P2;
    if (!card->mgm_authenticated)
        return SW_SECURITY_STATUS;
    ch_cur_init(&c, cmd->data, cmd->len);
    if (!ch_cur_u8(&c, &alg) || !ch_cur_tlv(&c, &tag, &v) || tag != MGM_KEY_REF ||
        !ch_cur_empty(&c) || !mgm_cipher(alg, &key_len, &block) ||
        !ch_cur_take(&v, key_len, &key) || !ch_cur_empty(&v))
        return SW_INCORRECT_DATA;
    if (alg == ALG_3DES && des3_is_weak(key))
        return SW_INCORRECT_DATA;

    old_alg = card->mgm_alg, old_touch = card->mgm_touch, old_default = card->mgm_default;
    memcpy(old_key, card->mgm_key, sizeof old_key);

    card->mgm_alg = alg;
    memset(card->mgm_key, 0, sizeof card->mgm_key);
    memcpy(card->mgm_key, key, key_len);
    card->mgm_touch = cmd->p2 == 0xFE ? TOUCH_POLICY_ALWAYS : TOUCH_POLICY_NEVER;
    card->mgm_default = false;
    if (!vpiv_save(card)) {
        card->mgm_alg = old_alg, card->mgm_touch = old_touch, card->mgm_default = old_default;
        memcpy(card->mgm_key, old_key, sizeof old_key);
        ch_wipe(old_key, sizeof old_key);
        return SW_MEMORY_FAILURE;
    }
    ch_wipe(old_key, sizeof old_key);
    mgm_clear_pending(card); /* a witness sent under the old key means nothing now */
    return SW_OK;
}
