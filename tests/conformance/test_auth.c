/* Conformance: PINs and the admin (management key) against the in-process vpiv card.
 *
 * Every parameter error is checked to send no APDU; the card's own state (PIN verified,
 * management key authenticated) is read from vpiv to prove what the module claims; the
 * admin's responses are computed here with OpenSSL, as a CSP holding the key would. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <openssl/evp.h>

#include "conf.h"
#include "md_auth.h"
#include "md_context.h"
#include "md_entry.h"
#include "vpiv_internal.h"
#include "vpiv_test_apdu.h"

#define PIN "123456"
#define PUK "12345678"
#define WRONG_PIN "000000"
#define USER CONF_W("user")
#define ADMIN CONF_W("admin")
#define PIV_PIN_SET (CREATE_PIN_SET(ROLE_USER) | CREATE_PIN_SET(CH_MD_PIN_SIGN))
#define ADMIN_SET CREATE_PIN_SET(ROLE_ADMIN)

/* A secret as the CSP passes it: a byte buffer and its length (no terminator). */
#define S(str) (PBYTE)(str), (DWORD)strlen(str)

static ch_md_ctx *ctx_of(conf *c)
{
    ch_md_ctx *ctx = ch_md_ctx_of(c->cd);
    assert_non_null(ctx);
    return ctx;
}

/* ---- the CSP side of the management key ---- */

static const EVP_CIPHER *mgm_cipher(uint8_t alg)
{
    switch (alg) {
    case CH_PIV_ALG_3DES: return EVP_des_ede3_ecb();
    case CH_PIV_ALG_AES128: return EVP_aes_128_ecb();
    case CH_PIV_ALG_AES192: return EVP_aes_192_ecb();
    default: return EVP_aes_256_ecb();
    }
}

/* One block, ECB, no padding: the response to a challenge. */
static void mgm_encrypt(uint8_t alg, const uint8_t *key, const uint8_t *in, size_t n,
                        uint8_t *out)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0;
    assert_non_null(x);
    assert_int_equal(EVP_EncryptInit_ex(x, mgm_cipher(alg), NULL, key, NULL), 1);
    assert_int_equal(EVP_CIPHER_CTX_set_padding(x, 0), 1);
    assert_int_equal(EVP_EncryptUpdate(x, out, &len, in, (int)n), 1);
    assert_int_equal(EVP_EncryptFinal_ex(x, out + len, &fin), 1);
    assert_int_equal((size_t)len + (size_t)fin, n);
    EVP_CIPHER_CTX_free(x);
}

typedef enum { V4_CALLS, EX_CALLS } api;

/* Challenge, response (corrupted when asked), through the v4 or the v6 calls. */
static DWORD admin_login(conf *c, api how, uint8_t alg, const uint8_t *key, bool corrupt,
                         PDWORD attempts)
{
    PBYTE challenge = NULL;
    DWORD n = 0;
    uint8_t resp[16];

    if (how == V4_CALLS)
        assert_int_equal(c->cd->pfnCardGetChallenge(c->cd, &challenge, &n), SCARD_S_SUCCESS);
    else
        assert_int_equal(c->cd->pfnCardGetChallengeEx(c->cd, ROLE_ADMIN, &challenge, &n, 0),
                         SCARD_S_SUCCESS);
    assert_non_null(challenge);
    assert_int_equal(n, ch_piv_mgm_block(alg));
    mgm_encrypt(alg, key, challenge, n, resp);
    c->cd->pfnCspFree(challenge);
    if (corrupt)
        resp[n - 1] ^= 0x01;
    if (how == V4_CALLS)
        return c->cd->pfnCardAuthenticateChallenge(c->cd, resp, n, attempts);
    return c->cd->pfnCardAuthenticateEx(c->cd, ROLE_ADMIN, 0, resp, n, NULL, NULL, attempts);
}

/* The authenticated state as CP_CARD_AUTHENTICATED_STATE reports it. */
static PIN_SET auth_state(conf *c)
{
    PIN_SET set = 0xDEAD;
    assert_int_equal(ch_md_card_io(ctx_of(c)), SCARD_S_SUCCESS);
    assert_int_equal(ch_md_auth_state(ctx_of(c), &set), SCARD_S_SUCCESS);
    return set;
}

/* A card whose management key is (alg, key), set through raw APDUs before the module sees it. */
static vpiv_card *card_with_key(uint8_t alg, const uint8_t *key, size_t key_len)
{
    uint8_t data[3 + 32];
    vpiv_card *card = vt_new_card(1, true, NULL);

    vt_admin(card);
    data[0] = alg;
    data[1] = 0x9B;
    data[2] = (uint8_t)key_len;
    memcpy(data + 3, key, key_len);
    assert_int_equal(vt_chain(card, 0xFF, 0xFF, 0xFF, data, 3 + key_len, false, NULL, 0, NULL),
                     0x9000);
    vpiv_power(card, VPIV_RESET);
    vpiv_power(card, VPIV_POWER_ON);
    return card;
}

/* ======================================================================================
 * Happy paths, per version
 * ==================================================================================== */

static void v4_calls_at(DWORD version)
{
    conf c;
    DWORD attempts = 77;

    print_message("CARD_DATA version %u\n", (unsigned)version);
    conf_open(&c, version);
    assert_int_equal(c.cd->pfnCardAuthenticatePin(c.cd, USER, S(PIN), &attempts),
                     SCARD_S_SUCCESS);
    assert_int_equal(attempts, 77);
    assert_true(c.card->pin_verified);
    assert_int_equal(ctx_of(&c)->authenticated, PIV_PIN_SET);

    assert_int_equal(admin_login(&c, V4_CALLS, CH_PIV_ALG_3DES, vt_default_key, false, NULL),
                     SCARD_S_SUCCESS);
    assert_true(c.card->mgm_authenticated);
    assert_int_equal(auth_state(&c), PIV_PIN_SET | ADMIN_SET);

    assert_int_equal(c.cd->pfnCardDeauthenticate(c.cd, USER, 0), SCARD_S_SUCCESS);
    assert_false(c.card->pin_verified);
    assert_true(c.card->mgm_authenticated);
    assert_int_equal(auth_state(&c), ADMIN_SET);
    assert_int_equal(c.cd->pfnCardDeauthenticate(c.cd, ADMIN, 0), SCARD_S_SUCCESS);
    assert_false(c.card->mgm_authenticated);
    assert_int_equal(auth_state(&c), 0);

    assert_int_equal(c.cd->pfnCardChangeAuthenticator(c.cd, USER, S(PIN), S("654321"), 0,
                                                      CARD_AUTHENTICATE_PIN_PIN, &attempts),
                     SCARD_S_SUCCESS);
    assert_int_equal(c.cd->pfnCardAuthenticatePin(c.cd, USER, S(PIN), &attempts),
                     SCARD_W_WRONG_CHV);
    assert_int_equal(attempts, 2);
    assert_int_equal(c.cd->pfnCardAuthenticatePin(c.cd, USER, S("654321"), NULL),
                     SCARD_S_SUCCESS);

    assert_int_equal(c.cd->pfnCardUnblockPin(c.cd, USER, S(PUK), S("11111111"), 0,
                                             CARD_AUTHENTICATE_PIN_PIN),
                     SCARD_S_SUCCESS);
    assert_int_equal(c.cd->pfnCardAuthenticatePin(c.cd, USER, S("11111111"), NULL),
                     SCARD_S_SUCCESS);
    conf_close(&c);
}

static void test_v4_calls(void **state)
{
    (void)state;
    v4_calls_at(4);
    v4_calls_at(6);
    v4_calls_at(7);
}

static void ex_calls_at(DWORD version)
{
    conf c;
    DWORD attempts = 77;
    PBYTE session = (PBYTE)&attempts; /* must not be written */
    DWORD session_len = 55;

    print_message("CARD_DATA version %u\n", (unsigned)version);
    conf_open(&c, version);
    assert_int_equal(c.cd->pfnCardAuthenticateEx(c.cd, ROLE_USER, 0, S(PIN), &session,
                                                 &session_len, &attempts),
                     SCARD_S_SUCCESS);
    assert_true(session == (PBYTE)&attempts);
    assert_int_equal(session_len, 55);
    assert_int_equal(attempts, 77);
    assert_true(c.card->pin_verified);
    assert_int_equal(c.cd->pfnCardDeauthenticateEx(c.cd, PIV_PIN_SET, 0), SCARD_S_SUCCESS);
    assert_false(c.card->pin_verified);
    assert_int_equal(c.cd->pfnCardAuthenticateEx(c.cd, CH_MD_PIN_SIGN, CARD_PIN_SILENT_CONTEXT,
                                                 S(PIN), NULL, NULL, NULL),
                     SCARD_S_SUCCESS);
    assert_true(c.card->pin_verified);
    assert_int_equal(admin_login(&c, EX_CALLS, CH_PIV_ALG_3DES, vt_default_key, false, NULL),
                     SCARD_S_SUCCESS);
    assert_true(c.card->mgm_authenticated);
    assert_int_equal(auth_state(&c), PIV_PIN_SET | ADMIN_SET);

    /* The admin bit ends both sessions (a new SELECT). */
    assert_int_equal(c.cd->pfnCardDeauthenticateEx(c.cd, ADMIN_SET, 0), SCARD_S_SUCCESS);
    assert_false(c.card->mgm_authenticated);
    assert_false(c.card->pin_verified);
    assert_int_equal(ctx_of(&c)->authenticated, 0);
    assert_int_equal(auth_state(&c), 0);

    /* Change through either id of the PIV PIN, then the PUK, then unblock with the new PUK. */
    assert_int_equal(c.cd->pfnCardChangeAuthenticatorEx(c.cd, PIN_CHANGE_FLAG_CHANGEPIN,
                                                        ROLE_USER, S(PIN), ROLE_USER,
                                                        S("7654321"), 0, &attempts),
                     SCARD_S_SUCCESS);
    assert_int_equal(c.cd->pfnCardChangeAuthenticatorEx(c.cd, PIN_CHANGE_FLAG_CHANGEPIN,
                                                        CH_MD_PIN_SIGN, S("7654321"),
                                                        CH_MD_PIN_SIGN, S("88888888"), 0,
                                                        NULL),
                     SCARD_S_SUCCESS);
    assert_int_equal(c.cd->pfnCardAuthenticateEx(c.cd, ROLE_USER, 0, S("7654321"), NULL, NULL,
                                                 &attempts),
                     SCARD_W_WRONG_CHV);
    assert_int_equal(attempts, 2);
    assert_int_equal(c.cd->pfnCardAuthenticateEx(c.cd, CH_MD_PIN_SIGN, 0, S("88888888"), NULL,
                                                 NULL, NULL),
                     SCARD_S_SUCCESS);
    assert_int_equal(c.cd->pfnCardChangeAuthenticatorEx(c.cd, PIN_CHANGE_FLAG_CHANGEPIN,
                                                        CH_MD_PIN_PUK, S(PUK), CH_MD_PIN_PUK,
                                                        S("87654321"), 0, NULL),
                     SCARD_S_SUCCESS);
    assert_int_equal(c.cd->pfnCardChangeAuthenticatorEx(c.cd, PIN_CHANGE_FLAG_UNBLOCK,
                                                        CH_MD_PIN_PUK, S(PUK), ROLE_USER,
                                                        S("121212"), 0, &attempts),
                     SCARD_W_WRONG_CHV);
    assert_int_equal(attempts, 2); /* the PUK's tries */
    assert_int_equal(c.cd->pfnCardChangeAuthenticatorEx(c.cd, PIN_CHANGE_FLAG_UNBLOCK,
                                                        CH_MD_PIN_PUK, S("87654321"),
                                                        CH_MD_PIN_SIGN, S("121212"), 0, NULL),
                     SCARD_S_SUCCESS);
    assert_int_equal(c.cd->pfnCardAuthenticateEx(c.cd, ROLE_USER, 0, S("121212"), NULL, NULL,
                                                 NULL),
                     SCARD_S_SUCCESS);
    conf_close(&c);
}

static void test_ex_calls(void **state)
{
    (void)state;
    ex_calls_at(6);
    ex_calls_at(7);
}

/* ======================================================================================
 * PIN life cycle
 * ==================================================================================== */

static void test_wrong_pin_blocks_and_puk_unblocks(void **state)
{
    conf c;
    DWORD attempts = 77;
    (void)state;
    conf_open(&c, 7);
    assert_int_equal(c.cd->pfnCardAuthenticatePin(c.cd, USER, S(PIN), NULL), SCARD_S_SUCCESS);
    assert_int_equal(c.cd->pfnCardAuthenticatePin(c.cd, USER, S(WRONG_PIN), &attempts),
                     SCARD_W_WRONG_CHV);
    assert_int_equal(attempts, 2);
    /* A wrong PIN ends the verified state, on the card and in the context. */
    assert_false(c.card->pin_verified);
    assert_int_equal(ctx_of(&c)->authenticated, 0);
    assert_int_equal(c.cd->pfnCardAuthenticateEx(c.cd, ROLE_USER, 0, S(WRONG_PIN), NULL, NULL,
                                                 &attempts),
                     SCARD_W_WRONG_CHV);
    assert_int_equal(attempts, 1);
    assert_int_equal(c.cd->pfnCardAuthenticatePin(c.cd, USER, S(WRONG_PIN), &attempts),
                     SCARD_W_CHV_BLOCKED);
    assert_int_equal(attempts, 0);
    attempts = 77;
    assert_int_equal(c.cd->pfnCardAuthenticatePin(c.cd, USER, S(PIN), &attempts),
                     SCARD_W_CHV_BLOCKED);
    assert_int_equal(attempts, 0);
    assert_int_equal(auth_state(&c), 0);

    /* A PUK of a shape the card never accepts costs no try; a wrong one does. */
    CONF_NO_APDU(&c, SCARD_W_WRONG_CHV,
                 c.cd->pfnCardUnblockPin(c.cd, USER, S("1234"), S(PIN), 0,
                                         CARD_AUTHENTICATE_PIN_PIN));
    assert_int_equal(c.cd->pfnCardUnblockPin(c.cd, USER, S("87654321"), S(PIN), 0,
                                             CARD_AUTHENTICATE_PIN_PIN),
                     SCARD_W_WRONG_CHV);
    assert_int_equal(c.card->puk.tries_left, 2);
    assert_int_equal(c.cd->pfnCardUnblockPin(c.cd, USER, S(PUK), S("24681357"), 0,
                                             CARD_AUTHENTICATE_PIN_PIN),
                     SCARD_S_SUCCESS);
    assert_int_equal(c.card->puk.tries_left, 3);
    assert_int_equal(c.cd->pfnCardAuthenticatePin(c.cd, USER, S("24681357"), NULL),
                     SCARD_S_SUCCESS);
    conf_close(&c);
}

static void test_blocked_puk(void **state)
{
    conf c;
    DWORD attempts = 77;
    (void)state;
    conf_open(&c, 7);
    for (DWORD left = 2; left > 0; left--) {
        assert_int_equal(c.cd->pfnCardChangeAuthenticatorEx(c.cd, PIN_CHANGE_FLAG_UNBLOCK,
                                                            CH_MD_PIN_PUK, S("00000000"),
                                                            ROLE_USER, S(PIN), 0, &attempts),
                         SCARD_W_WRONG_CHV);
        assert_int_equal(attempts, left);
    }
    assert_int_equal(c.cd->pfnCardChangeAuthenticatorEx(c.cd, PIN_CHANGE_FLAG_UNBLOCK,
                                                        CH_MD_PIN_PUK, S("00000000"), ROLE_USER,
                                                        S(PIN), 0, &attempts),
                     SCARD_W_CHV_BLOCKED);
    assert_int_equal(attempts, 0);
    attempts = 77;
    assert_int_equal(c.cd->pfnCardChangeAuthenticatorEx(c.cd, PIN_CHANGE_FLAG_CHANGEPIN,
                                                        CH_MD_PIN_PUK, S(PUK), CH_MD_PIN_PUK,
                                                        S("11223344"), 0, &attempts),
                     SCARD_W_CHV_BLOCKED);
    assert_int_equal(attempts, 0);
    /* The PIN itself still works. */
    assert_int_equal(c.cd->pfnCardAuthenticatePin(c.cd, USER, S(PIN), NULL), SCARD_S_SUCCESS);
    conf_close(&c);
}

static void test_change_with_wrong_pin(void **state)
{
    conf c;
    DWORD attempts = 77;
    (void)state;
    conf_open(&c, 6);
    assert_int_equal(c.cd->pfnCardAuthenticatePin(c.cd, USER, S(PIN), NULL), SCARD_S_SUCCESS);
    assert_int_equal(c.cd->pfnCardChangeAuthenticator(c.cd, USER, S(WRONG_PIN), S("999999"), 0,
                                                      CARD_AUTHENTICATE_PIN_PIN, &attempts),
                     SCARD_W_WRONG_CHV);
    assert_int_equal(attempts, 2);
    assert_false(c.card->pin_verified);
    assert_int_equal(ctx_of(&c)->authenticated, 0);
    /* The PIN did not change. */
    assert_int_equal(c.cd->pfnCardAuthenticatePin(c.cd, USER, S(PIN), NULL), SCARD_S_SUCCESS);
    conf_close(&c);
}

/* ======================================================================================
 * Admin: the management key
 * ==================================================================================== */

static void admin_with(uint8_t alg, const uint8_t *key, size_t key_len)
{
    conf c;
    DWORD attempts = 77;
    vpiv_card *card = card_with_key(alg, key, key_len);

    print_message("algorithm %02X\n", alg);
    conf_open_on(&c, card, 7);
    assert_int_equal(admin_login(&c, V4_CALLS, alg, key, false, &attempts), SCARD_S_SUCCESS);
    assert_int_equal(attempts, 77);
    assert_true(card->mgm_authenticated);
    assert_int_equal(ctx_of(&c)->mgm_alg, alg);
    /* A response the key did not produce. */
    assert_int_equal(admin_login(&c, EX_CALLS, alg, key, true, &attempts), SCARD_W_WRONG_CHV);
    assert_int_equal(attempts, CARD_DATA_VALUE_UNKNOWN);
    assert_false(card->mgm_authenticated);
    assert_int_equal(auth_state(&c), 0);
    assert_int_equal(admin_login(&c, EX_CALLS, alg, key, false, NULL), SCARD_S_SUCCESS);
    assert_true(card->mgm_authenticated);
    conf_close(&c);
    vpiv_free(card);
}

static void test_admin_algorithms(void **state)
{
    static const uint8_t k3des[24] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                      0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xF1, 0x02,
                                      0x13, 0x24, 0x35, 0x46, 0x57, 0x68, 0x79, 0x8A};
    uint8_t aes[32];
    (void)state;
    for (size_t i = 0; i < sizeof aes; i++)
        aes[i] = (uint8_t)(0xA0 + i);
    admin_with(CH_PIV_ALG_3DES, vt_default_key, 24);
    admin_with(CH_PIV_ALG_3DES, k3des, 24);
    admin_with(CH_PIV_ALG_AES128, aes, 16);
    admin_with(CH_PIV_ALG_AES192, aes, 24);
    admin_with(CH_PIV_ALG_AES256, aes, 32);
}

static void test_admin_challenge_rules(void **state)
{
    conf c;
    PBYTE first = NULL, second = NULL;
    DWORD n1 = 0, n2 = 0, attempts = 77;
    uint8_t resp[8];
    (void)state;
    conf_open(&c, 7);

    /* No challenge outstanding: refused before the card. */
    mgm_encrypt(CH_PIV_ALG_3DES, vt_default_key, (const uint8_t *)"ABCDEFGH", 8, resp);
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticateChallenge(c.cd, resp, 8, &attempts));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticateEx(c.cd, ROLE_ADMIN, 0, resp, 8, NULL, NULL, NULL));
    assert_int_equal(attempts, 77);

    /* A new challenge replaces the old one: only the second can be answered. */
    assert_int_equal(c.cd->pfnCardGetChallenge(c.cd, &first, &n1), SCARD_S_SUCCESS);
    assert_int_equal(c.cd->pfnCardGetChallengeEx(c.cd, ROLE_ADMIN, &second, &n2, 0),
                     SCARD_S_SUCCESS);
    assert_int_equal(n1, 8);
    assert_int_equal(n2, 8);
    assert_memory_not_equal(first, second, 8);
    mgm_encrypt(CH_PIV_ALG_3DES, vt_default_key, first, 8, resp);
    assert_int_equal(c.cd->pfnCardAuthenticateChallenge(c.cd, resp, 8, &attempts),
                     SCARD_W_WRONG_CHV);
    assert_int_equal(attempts, CARD_DATA_VALUE_UNKNOWN);
    /* ... and a challenge is consumed by its answer, right or wrong. */
    mgm_encrypt(CH_PIV_ALG_3DES, vt_default_key, second, 8, resp);
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticateChallenge(c.cd, resp, 8, NULL));
    c.cd->pfnCspFree(first);
    c.cd->pfnCspFree(second);

    /* A response of the wrong length consumes the challenge without reaching the card. */
    assert_int_equal(c.cd->pfnCardGetChallenge(c.cd, &first, &n1), SCARD_S_SUCCESS);
    mgm_encrypt(CH_PIV_ALG_3DES, vt_default_key, first, 8, resp);
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticateChallenge(c.cd, resp, 7, NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticateChallenge(c.cd, resp, 8, NULL));
    c.cd->pfnCspFree(first);
    assert_false(c.card->mgm_authenticated);

    /* The CSP's allocator failing: nothing returned, nothing leaked, nothing outstanding. */
    first = NULL;
    n1 = 0;
    ch_host_alloc_fail_at(1);
    assert_int_equal(c.cd->pfnCardGetChallenge(c.cd, &first, &n1), SCARD_E_NO_MEMORY);
    ch_host_alloc_fail_at(0);
    assert_null(first);
    assert_int_equal(n1, 0);
    assert_int_equal(ctx_of(&c)->challenge_len, 0);
    conf_close(&c);
}

/* ======================================================================================
 * Parameter errors: all refused before any APDU
 * ==================================================================================== */

static void test_parameter_errors_v4(void **state)
{
    conf c;
    DWORD attempts = 77;
    PBYTE ch = NULL;
    DWORD n = 0;
    WCHAR unterminated[40];
    (void)state;
    for (size_t i = 0; i < 40; i++)
        unterminated[i] = 'u';
    conf_open(&c, 7);

    /* CardAuthenticatePin */
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, CardAuthenticatePin(NULL, USER, S(PIN), NULL));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 c.cd->pfnCardAuthenticatePin(c.cd, ADMIN, S(PIN), NULL));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 c.cd->pfnCardAuthenticatePin(c.cd, ADMIN, NULL, 0, NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticatePin(c.cd, NULL, S(PIN), NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticatePin(c.cd, CONF_W("anonymous"), S(PIN), NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticatePin(c.cd, CONF_W("User"), S(PIN), NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticatePin(c.cd, CONF_W("users"), S(PIN), NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticatePin(c.cd, unterminated, S(PIN), NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticatePin(c.cd, USER, NULL, 6, NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticatePin(c.cd, USER, (PBYTE)PIN, 0, NULL));
    /* PINs the card cannot accept: a wrong PIN, but no try spent and no attempts reported. */
    CONF_NO_APDU(&c, SCARD_W_WRONG_CHV,
                 c.cd->pfnCardAuthenticatePin(c.cd, USER, S("12345"), &attempts));
    CONF_NO_APDU(&c, SCARD_W_WRONG_CHV,
                 c.cd->pfnCardAuthenticatePin(c.cd, USER, S("123456789"), &attempts));
    CONF_NO_APDU(&c, SCARD_W_WRONG_CHV,
                 c.cd->pfnCardAuthenticatePin(c.cd, USER, S("1234\xFF" "6"), &attempts));
    assert_int_equal(attempts, 77);
    assert_int_equal(c.card->pin.tries_left, 3);

    /* CardGetChallenge / CardAuthenticateChallenge */
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, CardGetChallenge(NULL, &ch, &n));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, c.cd->pfnCardGetChallenge(c.cd, NULL, &n));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, c.cd->pfnCardGetChallenge(c.cd, &ch, NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 CardAuthenticateChallenge(NULL, (PBYTE)"12345678", 8, NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticateChallenge(c.cd, NULL, 8, NULL));

    /* CardUnblockPin */
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 CardUnblockPin(NULL, USER, S(PUK), S(PIN), 0, CARD_AUTHENTICATE_PIN_PIN));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 c.cd->pfnCardUnblockPin(c.cd, USER, (PBYTE)"12345678", 8, S(PIN), 0,
                                         CARD_AUTHENTICATE_PIN_CHALLENGE_RESPONSE));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 c.cd->pfnCardUnblockPin(c.cd, USER, S(PUK), S(PIN), 5,
                                         CARD_AUTHENTICATE_PIN_PIN));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardUnblockPin(c.cd, USER, S(PUK), S(PIN), 0, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardUnblockPin(c.cd, USER, S(PUK), S(PIN), 0, 0x4));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardUnblockPin(c.cd, ADMIN, S(PUK), S(PIN), 0,
                                         CARD_AUTHENTICATE_PIN_PIN));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardUnblockPin(c.cd, CONF_W("anonymous"), S(PUK), S(PIN), 0,
                                         CARD_AUTHENTICATE_PIN_PIN));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardUnblockPin(c.cd, USER, NULL, 8, S(PIN), 0,
                                         CARD_AUTHENTICATE_PIN_PIN));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardUnblockPin(c.cd, USER, S(PUK), NULL, 6, 0,
                                         CARD_AUTHENTICATE_PIN_PIN));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardUnblockPin(c.cd, USER, S(PUK), S("12345"), 0,
                                         CARD_AUTHENTICATE_PIN_PIN));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, /* a bad new PIN outranks a bad PUK */
                 c.cd->pfnCardUnblockPin(c.cd, USER, S("1"), S("123456789"), 0,
                                         CARD_AUTHENTICATE_PIN_PIN));

    /* CardChangeAuthenticator */
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 CardChangeAuthenticator(NULL, USER, S(PIN), S(PIN), 0,
                                         CARD_AUTHENTICATE_PIN_PIN, NULL));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 c.cd->pfnCardChangeAuthenticator(c.cd, ADMIN, S(PIN), S(PIN), 0,
                                                  CARD_AUTHENTICATE_PIN_CHALLENGE_RESPONSE,
                                                  NULL));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 c.cd->pfnCardChangeAuthenticator(c.cd, USER, S(PIN), S(PIN), 3,
                                                  CARD_AUTHENTICATE_PIN_PIN, NULL));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 c.cd->pfnCardChangeAuthenticator(c.cd, USER, S(PIN), S(PIN), 0,
                                                  CARD_AUTHENTICATE_PIN_CHALLENGE_RESPONSE,
                                                  NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardChangeAuthenticator(c.cd, USER, S(PIN), S(PIN), 0, 0, NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardChangeAuthenticator(c.cd, CONF_W("anonymous"), S(PIN), S(PIN),
                                                  0, CARD_AUTHENTICATE_PIN_PIN, NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardChangeAuthenticator(c.cd, USER, S(PIN), NULL, 6, 0,
                                                  CARD_AUTHENTICATE_PIN_PIN, NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardChangeAuthenticator(c.cd, USER, S(PIN), S("1234567\xFF"), 0,
                                                  CARD_AUTHENTICATE_PIN_PIN, NULL));
    CONF_NO_APDU(&c, SCARD_W_WRONG_CHV,
                 c.cd->pfnCardChangeAuthenticator(c.cd, USER, S("12"), S(PIN), 0,
                                                  CARD_AUTHENTICATE_PIN_PIN, &attempts));
    assert_int_equal(attempts, 77);

    /* CardDeauthenticate */
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, CardDeauthenticate(NULL, USER, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, c.cd->pfnCardDeauthenticate(c.cd, USER, 1));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, c.cd->pfnCardDeauthenticate(c.cd, NULL, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardDeauthenticate(c.cd, CONF_W("anonymous"), 0));
    assert_int_equal(c.card->pin.tries_left, 3);
    assert_int_equal(c.card->puk.tries_left, 3);
    conf_close(&c);
}

static void test_parameter_errors_ex(void **state)
{
    static const PIN_ID not_pins[] = {ROLE_EVERYONE, 5, 7, 8, 31, 32, 0xFFFFFFFFu};
    conf c;
    DWORD attempts = 77, n = 0;
    PBYTE ch = NULL;
    (void)state;
    conf_open(&c, 7);

    /* CardAuthenticateEx: unsupported conditions first, whatever else is wrong. */
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 CardAuthenticateEx(NULL, ROLE_USER, 0, S(PIN), NULL, NULL, NULL));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 c.cd->pfnCardAuthenticateEx(c.cd, ROLE_USER,
                                             CARD_AUTHENTICATE_GENERATE_SESSION_PIN, S(PIN),
                                             NULL, NULL, NULL));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 c.cd->pfnCardAuthenticateEx(c.cd, ROLE_USER, CARD_AUTHENTICATE_SESSION_PIN,
                                             S(PIN), NULL, NULL, NULL));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 c.cd->pfnCardAuthenticateEx(c.cd, 9, CARD_AUTHENTICATE_SESSION_PIN | 1, NULL, 0,
                                             NULL, NULL, NULL));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 c.cd->pfnCardAuthenticateEx(c.cd, CH_MD_PIN_PUK, 0, S(PUK), NULL, NULL,
                                             NULL));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 c.cd->pfnCardAuthenticateEx(c.cd, CH_MD_PIN_PUK, 0x1, NULL, 0, NULL, NULL,
                                             NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticateEx(c.cd, ROLE_USER, 0x1, S(PIN), NULL, NULL, NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticateEx(c.cd, ROLE_USER, 0x80000000u, S(PIN), NULL, NULL,
                                             NULL));
    for (size_t i = 0; i < sizeof not_pins / sizeof not_pins[0]; i++)
        CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                     c.cd->pfnCardAuthenticateEx(c.cd, not_pins[i], 0, S(PIN), NULL, NULL,
                                                 NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticateEx(c.cd, ROLE_USER, 0, NULL, 6, NULL, NULL, NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticateEx(c.cd, CH_MD_PIN_SIGN, 0, (PBYTE)PIN, 0, NULL,
                                             NULL, NULL));
    CONF_NO_APDU(&c, SCARD_W_WRONG_CHV,
                 c.cd->pfnCardAuthenticateEx(c.cd, CH_MD_PIN_SIGN, 0, S("1234567890"), NULL,
                                             NULL, &attempts));
    assert_int_equal(attempts, 77);

    /* CardGetChallengeEx */
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, CardGetChallengeEx(NULL, ROLE_ADMIN, &ch, &n, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardGetChallengeEx(c.cd, ROLE_ADMIN, &ch, &n, 1));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardGetChallengeEx(c.cd, ROLE_USER, &ch, &n, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardGetChallengeEx(c.cd, CH_MD_PIN_SIGN, &ch, &n, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardGetChallengeEx(c.cd, CH_MD_PIN_PUK, &ch, &n, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardGetChallengeEx(c.cd, ROLE_EVERYONE, &ch, &n, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardGetChallengeEx(c.cd, ROLE_ADMIN, NULL, &n, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardGetChallengeEx(c.cd, ROLE_ADMIN, &ch, NULL, 0));
    assert_null(ch);

    /* CardChangeAuthenticatorEx */
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 CardChangeAuthenticatorEx(NULL, PIN_CHANGE_FLAG_CHANGEPIN, ROLE_USER, S(PIN),
                                           ROLE_USER, S(PIN), 0, NULL));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 c.cd->pfnCardChangeAuthenticatorEx(c.cd, PIN_CHANGE_FLAG_UNBLOCK, ROLE_ADMIN,
                                                    S("12345678"), ROLE_USER, S(PIN), 0, NULL));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 c.cd->pfnCardChangeAuthenticatorEx(c.cd, PIN_CHANGE_FLAG_CHANGEPIN, ROLE_ADMIN,
                                                    S("12345678"), ROLE_ADMIN, S("12345678"),
                                                    0, NULL));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 c.cd->pfnCardChangeAuthenticatorEx(c.cd, 0, ROLE_USER, S(PIN), ROLE_ADMIN,
                                                    S(PIN), 0, NULL));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 c.cd->pfnCardChangeAuthenticatorEx(c.cd, PIN_CHANGE_FLAG_CHANGEPIN, ROLE_USER,
                                                    S(PIN), ROLE_USER, S(PIN), 10, NULL));
    {
        static const struct {
            DWORD flags;
            PIN_ID auth, target;
        } bad[] = {
            {0, ROLE_USER, ROLE_USER},
            {PIN_CHANGE_FLAG_UNBLOCK | PIN_CHANGE_FLAG_CHANGEPIN, ROLE_USER, ROLE_USER},
            {PIN_CHANGE_FLAG_UNBLOCK | PIN_CHANGE_FLAG_CHANGEPIN, CH_MD_PIN_PUK, ROLE_USER},
            {PIN_CHANGE_FLAG_CHANGEPIN | CARD_PIN_SILENT_CONTEXT, ROLE_USER, ROLE_USER},
            {0x4, ROLE_USER, ROLE_USER},
            {PIN_CHANGE_FLAG_UNBLOCK, ROLE_USER, ROLE_USER},
            {PIN_CHANGE_FLAG_UNBLOCK, CH_MD_PIN_PUK, CH_MD_PIN_PUK},
            {PIN_CHANGE_FLAG_UNBLOCK, CH_MD_PIN_SIGN, ROLE_USER},
            {PIN_CHANGE_FLAG_UNBLOCK, CH_MD_PIN_PUK, 5},
            {PIN_CHANGE_FLAG_CHANGEPIN, ROLE_USER, CH_MD_PIN_SIGN},
            {PIN_CHANGE_FLAG_CHANGEPIN, CH_MD_PIN_PUK, ROLE_USER},
            {PIN_CHANGE_FLAG_CHANGEPIN, ROLE_EVERYONE, ROLE_EVERYONE},
            {PIN_CHANGE_FLAG_CHANGEPIN, 5, 5},
            {PIN_CHANGE_FLAG_CHANGEPIN, 0xFFFFFFFFu, 0xFFFFFFFFu},
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
            CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                         c.cd->pfnCardChangeAuthenticatorEx(c.cd, bad[i].flags, bad[i].auth,
                                                            S(PUK), bad[i].target, S(PIN), 0,
                                                            NULL));
    }
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardChangeAuthenticatorEx(c.cd, PIN_CHANGE_FLAG_CHANGEPIN, ROLE_USER,
                                                    NULL, 6, ROLE_USER, S(PIN), 0, NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardChangeAuthenticatorEx(c.cd, PIN_CHANGE_FLAG_UNBLOCK, CH_MD_PIN_PUK,
                                                    S(PUK), ROLE_USER, (PBYTE)PIN, 0, 0, NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardChangeAuthenticatorEx(c.cd, PIN_CHANGE_FLAG_CHANGEPIN,
                                                    CH_MD_PIN_PUK, S(PUK), CH_MD_PIN_PUK,
                                                    S("123456789"), 0, NULL));
    CONF_NO_APDU(&c, SCARD_W_WRONG_CHV,
                 c.cd->pfnCardChangeAuthenticatorEx(c.cd, PIN_CHANGE_FLAG_UNBLOCK, CH_MD_PIN_PUK,
                                                    S("1234567890"), ROLE_USER, S(PIN), 0,
                                                    &attempts));
    assert_int_equal(attempts, 77);

    /* CardDeauthenticateEx */
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, CardDeauthenticateEx(NULL, PIV_PIN_SET, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardDeauthenticateEx(c.cd, PIV_PIN_SET, 1));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, c.cd->pfnCardDeauthenticateEx(c.cd, 0x20, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, c.cd->pfnCardDeauthenticateEx(c.cd, 0x83, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, c.cd->pfnCardDeauthenticateEx(c.cd, 0x100, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardDeauthenticateEx(c.cd, 0xFFFFFFFFu, 0));
    /* Nothing to end: success without the card. */
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, c.cd->pfnCardDeauthenticateEx(c.cd, 0, 0));
    CONF_NO_APDU(&c, SCARD_S_SUCCESS,
                 c.cd->pfnCardDeauthenticateEx(c.cd, CREATE_PIN_SET(ROLE_EVERYONE), 0));
    CONF_NO_APDU(&c, SCARD_S_SUCCESS,
                 c.cd->pfnCardDeauthenticateEx(c.cd, CREATE_PIN_SET(CH_MD_PIN_PUK) | 1, 0));
    assert_int_equal(c.card->pin.tries_left, 3);
    assert_int_equal(c.card->puk.tries_left, 3);
    conf_close(&c);
}

/* ======================================================================================
 * State: deauthenticate, resets
 * ==================================================================================== */

static void test_deauthenticate_all(void **state)
{
    conf c;
    unsigned long before;
    (void)state;
    conf_open(&c, 7);
    assert_int_equal(c.cd->pfnCardAuthenticatePin(c.cd, USER, S(PIN), NULL), SCARD_S_SUCCESS);
    assert_int_equal(admin_login(&c, EX_CALLS, CH_PIV_ALG_3DES, vt_default_key, false, NULL),
                     SCARD_S_SUCCESS);
    before = conf_apdus(&c);
    assert_int_equal(c.cd->pfnCardDeauthenticateEx(c.cd, PIN_SET_ALL_ROLES, 0),
                     SCARD_S_SUCCESS);
    assert_int_equal(conf_apdus(&c), before + 2); /* VERIFY FF 80, SELECT */
    assert_false(c.card->pin_verified);
    assert_false(c.card->mgm_authenticated);
    assert_int_equal(auth_state(&c), 0);
    /* The PIN is the card's to report: verified by someone else, it shows. */
    TX(c.card, VERIFY(PIN_DEF), 0x9000);
    assert_int_equal(auth_state(&c), PIV_PIN_SET);
    assert_int_equal(c.cd->pfnCardDeauthenticate(c.cd, USER, 0), SCARD_S_SUCCESS);
    assert_false(c.card->pin_verified);
    assert_int_equal(auth_state(&c), 0);
    conf_close(&c);
}

static void test_reset_between_calls(void **state)
{
    conf c;
    PBYTE challenge = NULL;
    DWORD n = 0;
    uint8_t resp[8];
    unsigned long before;
    ch_md_ctx *ctx;
    (void)state;
    conf_open(&c, 7);
    ctx = ctx_of(&c);
    assert_int_equal(c.cd->pfnCardAuthenticatePin(c.cd, USER, S(PIN), NULL), SCARD_S_SUCCESS);
    assert_int_equal(admin_login(&c, V4_CALLS, CH_PIV_ALG_3DES, vt_default_key, false, NULL),
                     SCARD_S_SUCCESS);
    assert_int_equal(c.cd->pfnCardGetChallenge(c.cd, &challenge, &n), SCARD_S_SUCCESS);
    mgm_encrypt(CH_PIV_ALG_3DES, vt_default_key, challenge, n, resp);
    c.cd->pfnCspFree(challenge);

    /* The card is reset; the transport reports it (the vpiv transport cannot, so the report
     * is fed to the module the way an entry point's exchange would). */
    vpiv_power(c.card, VPIV_RESET);
    assert_int_equal(ch_md_card_done(ctx, SCARD_W_RESET_CARD), SCARD_W_RESET_CARD);
    assert_true(ctx->need_select);
    assert_int_equal(ctx->authenticated, 0);
    assert_int_equal(ctx->challenge_len, 0);

    /* The challenge died with the reset: refused before the card. */
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardAuthenticateChallenge(c.cd, resp, 8, NULL));
    /* The next call selects the application again, then works. */
    before = conf_apdus(&c);
    assert_int_equal(c.cd->pfnCardAuthenticatePin(c.cd, USER, S(PIN), NULL), SCARD_S_SUCCESS);
    assert_int_equal(conf_apdus(&c), before + 2); /* SELECT, VERIFY */
    assert_false(ctx->need_select);
    assert_true(c.card->pin_verified);
    assert_int_equal(auth_state(&c), PIV_PIN_SET);

    /* Reset again, this time between a challenge and its response. */
    assert_int_equal(c.cd->pfnCardGetChallenge(c.cd, &challenge, &n), SCARD_S_SUCCESS);
    mgm_encrypt(CH_PIV_ALG_3DES, vt_default_key, challenge, n, resp);
    c.cd->pfnCspFree(challenge);
    vpiv_power(c.card, VPIV_RESET);
    ctx->need_select = true;
    /* The context still holds the challenge, but the card forgot it: the response goes after
     * a new SELECT, and the card refuses it. */
    assert_int_equal(c.cd->pfnCardAuthenticateChallenge(c.cd, resp, 8, NULL),
                     SCARD_E_INVALID_PARAMETER);
    assert_false(c.card->mgm_authenticated);
    assert_false(ctx->need_select);
    assert_int_equal(admin_login(&c, V4_CALLS, CH_PIV_ALG_3DES, vt_default_key, false, NULL),
                     SCARD_S_SUCCESS);
    conf_close(&c);
}

/* ======================================================================================
 * PIN information
 * ==================================================================================== */

static void test_pin_info(void **state)
{
    static const struct {
        PIN_ID id;
        SECRET_TYPE type;
        SECRET_PURPOSE purpose;
        PIN_SET change, unblock;
        PIN_CACHE_POLICY_TYPE cache;
    } want[] = {
        {ROLE_USER, AlphaNumericPinType, AuthenticationPin, CREATE_PIN_SET(ROLE_USER),
         CREATE_PIN_SET(CH_MD_PIN_PUK), PinCacheNormal},
        {CH_MD_PIN_SIGN, AlphaNumericPinType, DigitalSignaturePin,
         CREATE_PIN_SET(CH_MD_PIN_SIGN), CREATE_PIN_SET(CH_MD_PIN_PUK), PinCacheAlwaysPrompt},
        {ROLE_ADMIN, ChallengeResponsePinType, AdministratorPin, CREATE_PIN_SET(ROLE_ADMIN),
         PIN_SET_NONE, PinCacheNone},
        {CH_MD_PIN_PUK, AlphaNumericPinType, UnblockOnlyPin, CREATE_PIN_SET(CH_MD_PIN_PUK),
         PIN_SET_NONE, PinCacheNone},
    };
    static const PIN_ID not_pins[] = {ROLE_EVERYONE, 5, 6, 7, 8, 32, 0xFFFFFFFFu};
    PIN_INFO pi;
    (void)state;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        memset(&pi, 0xEE, sizeof pi);
        assert_int_equal(ch_md_pin_info(want[i].id, &pi), SCARD_S_SUCCESS);
        assert_int_equal(pi.dwVersion, PIN_INFO_CURRENT_VERSION);
        assert_int_equal(pi.PinType, want[i].type);
        assert_int_equal(pi.PinPurpose, want[i].purpose);
        assert_int_equal(pi.dwChangePermission, want[i].change);
        assert_int_equal(pi.dwUnblockPermission, want[i].unblock);
        assert_int_equal(pi.PinCachePolicy.dwVersion, PIN_CACHE_POLICY_CURRENT_VERSION);
        assert_int_equal(pi.PinCachePolicy.PinCachePolicyType, want[i].cache);
        assert_int_equal(pi.PinCachePolicy.dwPinCachePolicyInfo, 0);
        assert_int_equal(pi.dwFlags, 0);
    }
    for (size_t i = 0; i < sizeof not_pins / sizeof not_pins[0]; i++) {
        memset(&pi, 0xEE, sizeof pi);
        assert_int_equal(ch_md_pin_info(not_pins[i], &pi), SCARD_E_INVALID_PARAMETER);
        assert_int_equal(pi.dwVersion, 0xEEEEEEEEu);
    }
    assert_int_equal(ch_md_pin_info(ROLE_USER, NULL), SCARD_E_INVALID_PARAMETER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4_calls),
        cmocka_unit_test(test_ex_calls),
        cmocka_unit_test(test_wrong_pin_blocks_and_puk_unblocks),
        cmocka_unit_test(test_blocked_puk),
        cmocka_unit_test(test_change_with_wrong_pin),
        cmocka_unit_test(test_admin_algorithms),
        cmocka_unit_test(test_admin_challenge_rules),
        cmocka_unit_test(test_parameter_errors_v4),
        cmocka_unit_test(test_parameter_errors_ex),
        cmocka_unit_test(test_deauthenticate_all),
        cmocka_unit_test(test_reset_between_calls),
        cmocka_unit_test(test_pin_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
