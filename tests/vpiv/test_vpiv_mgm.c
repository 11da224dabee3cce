/* vpiv management key: GENERAL AUTHENTICATE 9B (mutual and single-sided, 3DES and AES) and
 * SET MANAGEMENT KEY, driven through vpiv_process with raw APDUs as yubico-piv-tool, yubikit
 * and OpenSC send them. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, rmdir */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vpiv.h"
#include "vpiv_internal.h"
#include "vpiv_test_apdu.h"

static vpiv_card *new_card(uint64_t seed, const char *path)
{
    return vt_new_card(seed, true, path);
}

/* ---- management key crypto on the host side ---------------------------------------------- */

static size_t block_of(uint8_t alg)
{
    return alg == ALG_3DES ? 8 : 16;
}

static void ecb(uint8_t alg, const uint8_t *key, int enc, const uint8_t *in, uint8_t *out)
{
    const EVP_CIPHER *c = alg == ALG_3DES     ? EVP_des_ede3_ecb()
                          : alg == ALG_AES128 ? EVP_aes_128_ecb()
                          : alg == ALG_AES192 ? EVP_aes_192_ecb()
                                              : EVP_aes_256_ecb();
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, f = 0;
    assert_non_null(ctx);
    assert_int_equal(EVP_CipherInit_ex2(ctx, c, key, NULL, enc, NULL), 1);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    assert_int_equal(EVP_CipherUpdate(ctx, out, &n, in, (int)block_of(alg)), 1);
    assert_int_equal(EVP_CipherFinal_ex(ctx, out + n, &f), 1);
    assert_int_equal((size_t)(n + f), block_of(alg));
    EVP_CIPHER_CTX_free(ctx);
}

/* Mutual authentication as ykpiv_authenticate does it. Returns the SW of step 2; when it is
 * 9000 also checks the card's proof. */
static uint16_t auth_mutual(vpiv_card *card, uint8_t alg, const uint8_t *key)
{
    const uint8_t req[4] = {0x7C, 0x02, 0x80, 0x00};
    uint8_t cmd[4 + 2 * 16 + 2], w[16], chal[16], expect[16];
    size_t bs = block_of(alg);
    vt_rsp r;

    assert_int_equal(vt_xfer(card, 0x87, alg, 0x9B, req, sizeof req, &r), 0x9000);
    assert_int_equal(r.len, 4 + bs);
    assert_int_equal(r.data[0], 0x7C);
    assert_int_equal(r.data[1], 2 + bs);
    assert_int_equal(r.data[2], 0x80);
    assert_int_equal(r.data[3], bs);
    ecb(alg, key, 0, r.data + 4, w);
    for (size_t i = 0; i < bs; i++)
        chal[i] = (uint8_t)(0xA0 + i);
    cmd[0] = 0x7C, cmd[1] = (uint8_t)(4 + 2 * bs), cmd[2] = 0x80, cmd[3] = (uint8_t)bs;
    memcpy(cmd + 4, w, bs);
    cmd[4 + bs] = 0x81, cmd[5 + bs] = (uint8_t)bs;
    memcpy(cmd + 6 + bs, chal, bs);
    if (vt_xfer(card, 0x87, alg, 0x9B, cmd, 6 + 2 * bs, &r) != 0x9000)
        return r.sw;
    ecb(alg, key, 1, chal, expect);
    assert_int_equal(r.len, 4 + bs);
    assert_memory_equal(r.data, ((const uint8_t[]){0x7C, (uint8_t)(2 + bs), 0x82, (uint8_t)bs}),
                        4);
    assert_memory_equal(r.data + 4, expect, bs);
    return 0x9000;
}

/* Single-sided (external) authentication as OpenSC's piv_general_external_authenticate. */
static uint16_t auth_single(vpiv_card *card, uint8_t alg, const uint8_t *key)
{
    const uint8_t req[4] = {0x7C, 0x02, 0x81, 0x00};
    uint8_t cmd[4 + 16];
    size_t bs = block_of(alg);
    vt_rsp r;

    assert_int_equal(vt_xfer(card, 0x87, alg, 0x9B, req, sizeof req, &r), 0x9000);
    assert_int_equal(r.len, 4 + bs);
    assert_memory_equal(r.data, ((const uint8_t[]){0x7C, (uint8_t)(2 + bs), 0x81, (uint8_t)bs}),
                        4);
    cmd[0] = 0x7C, cmd[1] = (uint8_t)(2 + bs), cmd[2] = 0x82, cmd[3] = (uint8_t)bs;
    ecb(alg, key, 1, r.data + 4, cmd + 4);
    return vt_xfer(card, 0x87, alg, 0x9B, cmd, 4 + bs, &r);
}

static uint16_t set_key(vpiv_card *card, uint8_t p2, uint8_t alg, const uint8_t *key,
                        size_t len)
{
    uint8_t data[3 + 32];
    vt_rsp r;
    assert_true(len <= 32);
    data[0] = alg, data[1] = 0x9B, data[2] = (uint8_t)len;
    memcpy(data + 3, key, len);
    return vt_xfer(card, 0xFF, 0xFF, p2, data, 3 + len, &r);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_default_3des_mutual(void **state)
{
    vpiv_card *card = new_card(1, NULL);
    (void)state;
    assert_false(card->mgm_authenticated);
    assert_int_equal(auth_mutual(card, ALG_3DES, vt_default_key), 0x9000);
    assert_true(card->mgm_authenticated);
    assert_int_equal(card->mgm_pending, 0);
    vpiv_free(card);
}

static void test_default_3des_single(void **state)
{
    vpiv_card *card = new_card(2, NULL);
    (void)state;
    assert_int_equal(auth_single(card, ALG_3DES, vt_default_key), 0x9000);
    assert_true(card->mgm_authenticated);
    vpiv_free(card);
}

/* The exact bytes of the YESDK documentation's example flow (single authentication). */
static void test_witness_answer_shape(void **state)
{
    vpiv_card *card = new_card(3, NULL);
    vt_rsp r;
    (void)state;
    assert_int_equal(vt_hex_apdu(card, "00 87 03 9B 04 7C 02 81 00", &r), 0x9000);
    assert_int_equal(r.len, 12);
    assert_memory_equal(r.data, "\x7C\x0A\x81\x08", 4);
    assert_int_equal(vt_hex_apdu(card, "00 87 03 9B 04 7C 02 80 00", &r), 0x9000);
    assert_int_equal(r.len, 12);
    assert_memory_equal(r.data, "\x7C\x0A\x80\x08", 4);
    vpiv_free(card);
}

static void test_wrong_key(void **state)
{
    vpiv_card *card = new_card(4, NULL);
    uint8_t bad[24];
    vt_rsp r;
    (void)state;
    memcpy(bad, vt_default_key, sizeof bad);
    bad[23] ^= 0x10; /* a real bit, not parity */
    assert_int_equal(auth_mutual(card, ALG_3DES, bad), 0x6982);
    assert_false(card->mgm_authenticated);
    assert_int_equal(auth_single(card, ALG_3DES, bad), 0x6982);
    assert_false(card->mgm_authenticated);
    /* and the card still refuses admin commands */
    assert_int_equal(set_key(card, 0xFF, ALG_3DES, vt_default_key, 24), 0x6982);
    assert_int_equal(vt_hex_apdu(card, "00 47 00 9A 05 AC 03 80 01 11", &r), 0x6982);
    /* a failed attempt after a success drops the authentication */
    assert_int_equal(auth_single(card, ALG_3DES, vt_default_key), 0x9000);
    assert_true(card->mgm_authenticated);
    assert_int_equal(auth_single(card, ALG_3DES, bad), 0x6982);
    assert_false(card->mgm_authenticated);
    vpiv_free(card);
}

static void test_aes192(void **state)
{
    static const uint8_t k[24] = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
                                  0x98, 0xA9, 0xBA, 0xCB, 0xDC, 0xED, 0xFE, 0x0F,
                                  0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    vpiv_card *card = new_card(5, NULL);
    uint8_t bad[24];
    vt_rsp r;
    (void)state;
    assert_int_equal(auth_mutual(card, ALG_3DES, vt_default_key), 0x9000);
    assert_int_equal(set_key(card, 0xFF, ALG_AES192, k, sizeof k), 0x9000);
    assert_int_equal(card->mgm_alg, ALG_AES192);
    assert_false(card->mgm_default);

    vpiv_power(card, VPIV_RESET);
    assert_int_equal(vt_hex_apdu(card, SELECT, &r), 0x9000);
    assert_false(card->mgm_authenticated);
    /* the old algorithm is refused */
    assert_int_equal(vt_hex_apdu(card, "00 87 03 9B 04 7C 02 80 00", &r), 0x6A80);
    assert_int_equal(auth_mutual(card, ALG_AES192, k), 0x9000);
    assert_true(card->mgm_authenticated);
    vpiv_power(card, VPIV_POWER_OFF);
    assert_int_equal(vt_hex_apdu(card, SELECT, &r), 0x9000);
    assert_int_equal(auth_single(card, ALG_AES192, k), 0x9000);
    assert_true(card->mgm_authenticated);

    memcpy(bad, k, sizeof bad);
    bad[0] ^= 1; /* AES has no parity bits */
    assert_int_equal(auth_mutual(card, ALG_AES192, bad), 0x6982);
    assert_false(card->mgm_authenticated);
    assert_int_equal(auth_single(card, ALG_AES192, bad), 0x6982);
    assert_false(card->mgm_authenticated);

    /* metadata: AES-192, no touch, not default */
    assert_int_equal(vt_hex_apdu(card, "00 F7 00 9B", &r), 0x9000);
    assert_int_equal(r.len, 10);
    assert_memory_equal(r.data, "\x01\x01\x0A\x02\x02\x00\x01\x05\x01\x00", 10);
    vpiv_free(card);
}

static void test_aes128_aes256_and_back_to_3des(void **state)
{
    static const uint8_t k128[16] = "0123456789abcdef";
    static const uint8_t k256[32] = "0123456789abcdef0123456789ABCDEF";
    static const uint8_t k3des[24] = "abcdefghABCDEFGH01234567";
    vpiv_card *card = new_card(6, NULL);
    (void)state;
    assert_int_equal(auth_single(card, ALG_3DES, vt_default_key), 0x9000);
    assert_int_equal(set_key(card, 0xFF, ALG_AES128, k128, 16), 0x9000);
    assert_int_equal(auth_mutual(card, ALG_AES128, k128), 0x9000);
    assert_int_equal(set_key(card, 0xFF, ALG_AES256, k256, 32), 0x9000);
    assert_int_equal(auth_single(card, ALG_AES256, k256), 0x9000);
    assert_int_equal(auth_mutual(card, ALG_AES256, k256), 0x9000);
    assert_int_equal(set_key(card, 0xFF, ALG_3DES, k3des, 24), 0x9000);
    assert_int_equal(auth_mutual(card, ALG_3DES, k3des), 0x9000);
    assert_int_equal(auth_single(card, ALG_3DES, vt_default_key), 0x6982);
    vpiv_free(card);
}

static void test_out_of_order(void **state)
{
    vpiv_card *card = new_card(7, NULL);
    uint8_t step2[22] = {0x7C, 0x14, 0x80, 0x08, 0, 0, 0, 0, 0, 0, 0, 0,
                         0x81, 0x08, 1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t resp[12] = {0x7C, 0x0A, 0x82, 0x08, 0, 0, 0, 0, 0, 0, 0, 0};
    vt_rsp r;
    (void)state;

    /* step 2 and a response with nothing pending */
    assert_int_equal(vt_xfer(card, 0x87, 0x03, 0x9B, step2, sizeof step2, &r), 0x6A80);
    assert_int_equal(vt_xfer(card, 0x87, 0x03, 0x9B, resp, sizeof resp, &r), 0x6A80);

    /* witness asked, then a challenge response: refused and the witness is gone */
    assert_int_equal(vt_hex_apdu(card, "00 87 03 9B 04 7C 02 80 00", &r), 0x9000);
    ecb(ALG_3DES, vt_default_key, 0, r.data + 4, step2 + 4);
    assert_int_equal(vt_xfer(card, 0x87, 0x03, 0x9B, resp, sizeof resp, &r), 0x6A80);
    assert_int_equal(card->mgm_pending, 0);
    assert_int_equal(vt_xfer(card, 0x87, 0x03, 0x9B, step2, sizeof step2, &r), 0x6A80);
    assert_false(card->mgm_authenticated);

    /* challenge asked, then step 2 of the mutual flow: refused */
    assert_int_equal(vt_hex_apdu(card, "00 87 03 9B 04 7C 02 81 00", &r), 0x9000);
    assert_int_equal(vt_xfer(card, 0x87, 0x03, 0x9B, step2, sizeof step2, &r), 0x6A80);
    assert_int_equal(card->mgm_pending, 0);

    /* a wrong witness: 6982, and the exchange is over (the right one no longer counts) */
    assert_int_equal(vt_hex_apdu(card, "00 87 03 9B 04 7C 02 80 00", &r), 0x9000);
    ecb(ALG_3DES, vt_default_key, 0, r.data + 4, step2 + 4);
    step2[4] ^= 0x80;
    assert_int_equal(vt_xfer(card, 0x87, 0x03, 0x9B, step2, sizeof step2, &r), 0x6982);
    step2[4] ^= 0x80;
    assert_int_equal(vt_xfer(card, 0x87, 0x03, 0x9B, step2, sizeof step2, &r), 0x6A80);
    assert_false(card->mgm_authenticated);

    /* a wrong algorithm in the middle of an exchange drops it */
    assert_int_equal(vt_hex_apdu(card, "00 87 03 9B 04 7C 02 80 00", &r), 0x9000);
    ecb(ALG_3DES, vt_default_key, 0, r.data + 4, step2 + 4);
    assert_int_equal(vt_xfer(card, 0x87, 0x08, 0x9B, step2, sizeof step2, &r), 0x6A80);
    assert_int_equal(vt_xfer(card, 0x87, 0x03, 0x9B, step2, sizeof step2, &r), 0x6A80);

    /* a power cycle drops a pending witness */
    assert_int_equal(vt_hex_apdu(card, "00 87 03 9B 04 7C 02 80 00", &r), 0x9000);
    ecb(ALG_3DES, vt_default_key, 0, r.data + 4, step2 + 4);
    vpiv_power(card, VPIV_RESET);
    assert_int_equal(vt_hex_apdu(card, SELECT, &r), 0x9000);
    assert_int_equal(vt_xfer(card, 0x87, 0x03, 0x9B, step2, sizeof step2, &r), 0x6A80);
    assert_false(card->mgm_authenticated);
    vpiv_free(card);
}

static void test_malformed_templates(void **state)
{
    static const char *const bad[] = {
        "00 87 03 9B",                         /* no data */
        "00 87 03 9B 02 7C 00",                /* empty template */
        "00 87 03 9B 04 7D 02 80 00",          /* not 7C */
        "00 87 03 9B 05 7C 02 80 00 00",       /* trailing byte */
        "00 87 03 9B 04 7C 03 80 00",          /* template overruns */
        "00 87 03 9B 06 7C 04 80 00 80 00",    /* duplicate tag */
        "00 87 03 9B 04 7C 02 85 00",          /* exponentiation */
        "00 87 03 9B 04 7C 02 82 00",          /* empty response */
        "00 87 03 9B 06 7C 04 80 00 81 00",    /* witness and challenge requests at once */
        "00 87 03 9B 04 7C 02 83 00",          /* unknown tag */
        "00 87 03 9B 0B 7C 09 80 07 01 02 03 04 05 06 07", /* witness of the wrong size */
    };
    vpiv_card *card = new_card(8, NULL);
    vt_rsp r;
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(vt_hex_apdu(card, "00 87 03 9B 04 7C 02 80 00", &r), 0x9000);
        assert_int_equal(vt_hex_apdu(card, bad[i], &r), 0x6A80);
        assert_int_equal(card->mgm_pending, 0);
    }
    assert_false(card->mgm_authenticated);
    vpiv_free(card);
}

static void test_set_key_checks(void **state)
{
    static const uint8_t weak[24] = {0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
                                     0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                     0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87, 0x98};
    static const uint8_t semi_weak_noparity[24] = {
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x21, 0x32, 0x43, 0x54,
        0x65, 0x76, 0x87, 0x98, 0x1E, 0xE1, 0x1E, 0xE1, 0x0F, 0xF0, 0x0F, 0xF0};
    static const uint8_t good[24] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                     0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87, 0x98,
                                     0x31, 0x42, 0x53, 0x64, 0x75, 0x86, 0x97, 0xA8};
    vpiv_card *card = new_card(9, NULL);
    vt_rsp r;
    (void)state;

    assert_int_equal(set_key(card, 0xFF, ALG_3DES, good, 24), 0x6982);
    assert_int_equal(auth_mutual(card, ALG_3DES, vt_default_key), 0x9000);
    assert_int_equal(vt_hex_apdu(card, "00 FF FE FF 1B 03 9B 18 11 22 33 44 55 66 77 88 21 32 43 "
                                       "54 65 76 87 98 31 42 53 64 75 86 97 A8",
                                 &r),
                     0x6A86);
    assert_int_equal(vt_hex_apdu(card, "00 FF FF 00 1B 03 9B 18 11 22 33 44 55 66 77 88 21 32 43 "
                                       "54 65 76 87 98 31 42 53 64 75 86 97 A8",
                                 &r),
                     0x6A86);
    assert_int_equal(set_key(card, 0xFF, ALG_3DES, weak, 24), 0x6A80);
    assert_int_equal(set_key(card, 0xFF, ALG_3DES, semi_weak_noparity, 24), 0x6A80);
    assert_int_equal(set_key(card, 0xFF, ALG_3DES, good, 16), 0x6A80);     /* short */
    assert_int_equal(set_key(card, 0xFF, ALG_AES128, good, 24), 0x6A80);   /* AES-128: 16 */
    assert_int_equal(set_key(card, 0xFF, ALG_AES256, good, 24), 0x6A80);
    assert_int_equal(set_key(card, 0xFF, ALG_RSA2048, good, 24), 0x6A80);  /* not a mgm alg */
    /* wrong key reference tag, trailing byte, missing algorithm */
    assert_int_equal(vt_hex_apdu(card, "00 FF FF FF 1B 03 9A 18 11 22 33 44 55 66 77 88 21 32 43 "
                                       "54 65 76 87 98 31 42 53 64 75 86 97 A8",
                                 &r),
                     0x6A80);
    assert_int_equal(vt_hex_apdu(card, "00 FF FF FF 1C 03 9B 18 11 22 33 44 55 66 77 88 21 32 43 "
                                       "54 65 76 87 98 31 42 53 64 75 86 97 A8 00",
                                 &r),
                     0x6A80);
    assert_int_equal(vt_hex_apdu(card, "00 FF FF FF 01 03", &r), 0x6A80);
    assert_int_equal(vt_hex_apdu(card, "00 FF FF FF", &r), 0x6A80);
    /* nothing changed */
    assert_int_equal(card->mgm_alg, ALG_3DES);
    assert_memory_equal(card->mgm_key, vt_default_key, 24);
    assert_true(card->mgm_default);
    assert_int_equal(vt_hex_apdu(card, "00 F7 00 9B", &r), 0x9000);
    assert_int_equal(r.len, 10);
    assert_memory_equal(r.data, "\x01\x01\x03\x02\x02\x00\x01\x05\x01\x01", 10);

    /* with touch (P2 FE): reported in the metadata, not enforced */
    assert_int_equal(set_key(card, 0xFE, ALG_3DES, good, 24), 0x9000);
    assert_int_equal(vt_hex_apdu(card, "00 F7 00 9B", &r), 0x9000);
    assert_memory_equal(r.data, "\x01\x01\x03\x02\x02\x00\x02\x05\x01\x00", 10);
    /* still authenticated after the change; the new key works */
    assert_true(card->mgm_authenticated);
    assert_int_equal(auth_single(card, ALG_3DES, good), 0x9000);
    assert_int_equal(auth_single(card, ALG_3DES, vt_default_key), 0x6982);
    vpiv_free(card);
}

/* A change that cannot be saved answers 6581 and leaves the old key in place. */
static void test_set_key_save_failure(void **state)
{
    static const uint8_t k[16] = "fedcba9876543210";
    char dir[] = "/tmp/vpiv_mgm_XXXXXX", path[64];
    vpiv_card *card;
    (void)state;
    assert_non_null(mkdtemp(dir));
    (void)snprintf(path, sizeof path, "%s/card.state", dir);
    card = new_card(10, path);
    assert_int_equal(auth_mutual(card, ALG_3DES, vt_default_key), 0x9000);
    assert_int_equal(set_key(card, 0xFF, ALG_AES128, k, 16), 0x9000); /* saves fine */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0); /* nowhere to save now */
    assert_int_equal(set_key(card, 0xFE, ALG_3DES, vt_default_key, 24), 0x6581);
    assert_int_equal(card->mgm_alg, ALG_AES128);
    assert_int_equal(card->mgm_touch, TOUCH_POLICY_NEVER);
    assert_int_equal(auth_single(card, ALG_AES128, k), 0x9000);
    vpiv_free(card);
}

/* A new key survives the state file; the default flag too. */
static void test_set_key_survives_reload(void **state)
{
    static const uint8_t k[32] = "0123456789abcdef0123456789ABCDEF";
    char dir[] = "/tmp/vpiv_mgm_XXXXXX", path[64];
    vpiv_card *card;
    vt_rsp r;
    (void)state;
    assert_non_null(mkdtemp(dir));
    (void)snprintf(path, sizeof path, "%s/card.state", dir);
    card = new_card(11, path);
    assert_int_equal(auth_single(card, ALG_3DES, vt_default_key), 0x9000);
    assert_int_equal(set_key(card, 0xFE, ALG_AES256, k, 32), 0x9000);
    vpiv_free(card);
    card = new_card(12, path);
    assert_false(card->mgm_authenticated);
    assert_int_equal(vt_hex_apdu(card, "00 F7 00 9B", &r), 0x9000);
    assert_memory_equal(r.data, "\x01\x01\x0C\x02\x02\x00\x02\x05\x01\x00", 10);
    assert_int_equal(auth_mutual(card, ALG_AES256, k), 0x9000);
    vpiv_free(card);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_3des_mutual),
        cmocka_unit_test(test_default_3des_single),
        cmocka_unit_test(test_witness_answer_shape),
        cmocka_unit_test(test_wrong_key),
        cmocka_unit_test(test_aes192),
        cmocka_unit_test(test_aes128_aes256_and_back_to_3des),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_malformed_templates),
        cmocka_unit_test(test_set_key_checks),
        cmocka_unit_test(test_set_key_save_failure),
        cmocka_unit_test(test_set_key_survives_reload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
