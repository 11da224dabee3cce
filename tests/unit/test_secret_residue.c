/* Secrets left in memory (bug-classes.md): every path of the card module that handles a secret,
 * driven through the function table against the in-process vpiv card, with the host
 * allocator scanning every block the module frees for the secrets the test registered
 * (host.h, "secret residue": 8-byte windows, or the whole secret when shorter).
 *
 * What is watched: PINs and PUKs as sent and FF-padded as on the wire; the admin challenge
 * and the management key's response; the private parts of imported keys (RSA d, p, q, dp, dq,
 * qinv; the EC scalar), big- and little-endian since the blob carries one order and the card
 * edge the other; the plaintext and the padded block of CardRSADecrypt; the ECDH secret Z and
 * the keys derived from it (computed with OpenSSL from the peer's key).
 *
 * Each call runs plainly, then with the k-th allocation failing for every k the call reaches,
 * then with each of its card exchanges failing (lost, reset, removed). After every run no
 * freed block may hold a secret, and, where the module has no reason to keep one (a PIN, a
 * consumed challenge, a destroyed agreement, key material after import, a plaintext), no live
 * block either. Outputs the module hands to the CSP (the challenge, a derived key) are the
 * CSP's: they are marked with ch_host_secret_exempt before the test frees them. The context
 * itself is scanned when CardDeleteContext frees it, with secrets still held in it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "conf.h"
#include "conf_keys.h"
#include "md_context.h"
#include "md_entry.h"
#include "vpiv_test_apdu.h"

#define OK SCARD_S_SUCCESS
#define USER CONF_W("user")
#define PIN "123456"
#define WRONG_PIN "864213"
#define SHORT_PIN "97531"    /* 5 bytes: refused without an APDU */
#define NEW_PIN "40917352"
#define PUK "12345678"
#define NEW_PUK "73920581"

/* ======================================================================================
 * Watching and checking
 * ==================================================================================== */

static unsigned long runs; /* calls checked, for the report */

static void watch(const void *p, size_t n, const char *name)
{
    assert_true(ch_host_secret_watch(p, n, name));
}

/* A PIN as the CSP passes it and as it travels (FF-padded to 8). */
static void watch_pin(const char *pin, const char *name, const char *padded_name)
{
    uint8_t pad[8];
    size_t n = strlen(pin);

    watch(pin, n, name);
    if (n < 8) {
        memset(pad, 0xFF, sizeof pad);
        memcpy(pad, pin, n);
        watch(pad, sizeof pad, padded_name);
    }
}

/* A big-endian number and its byte-reversed form. */
static void watch_both(const uint8_t *be, size_t n, const char *name_be, const char *name_le)
{
    uint8_t le[512];
    assert_true(n <= sizeof le);
    ck_reverse(le, be, n);
    watch(be, n, name_be);
    watch(le, n, name_le);
}

static void check_at(const char *what, bool live, int line)
{
    char report[4096];

    runs++;
    if (live)
        (void)ch_host_secret_scan_live();
    if (ch_host_secret_hits() != 0) {
        ch_host_secret_report(report, sizeof report);
        fail_msg("line %d, %s: secret residue\n%s", line, what, report);
    }
}
/* No freed block holds a secret (and, with live, no block the module still holds). */
#define CLEAN(what) check_at(what, false, __LINE__)
#define CLEAN_LIVE(what) check_at(what, true, __LINE__)

static int teardown_secrets(void **state)
{
    (void)state;
    ch_host_secret_clear();
    return 0;
}

/* Closes the context (its free is scanned, with whatever secrets it held) and checks. */
static void close_clean(conf *c)
{
    unsigned long scanned = ch_host_secret_scanned();
    conf_close(c);
    assert_true(ch_host_secret_scanned() > scanned); /* the context block was looked at */
    CLEAN("CardDeleteContext");
}

/* ======================================================================================
 * One call under every failure: plain, allocation k failing, card exchange n failing
 * ==================================================================================== */

typedef struct op {
    const char *what;
    void (*prep)(conf *c, void *arg); /* state the call needs, made without faults */
    DWORD (*run)(conf *c, void *arg); /* the call; frees (or exempts) its outputs */
    void *arg;
    bool live_clean; /* afterwards the module holds no watched secret either */
    DWORD want;      /* the plain run's result */
} op;

static void once(conf *c, const op *o)
{
    size_t keep = ch_host_secret_count();
    if (o->prep)
        o->prep(c, o->arg);
    (void)o->run(c, o->arg);
    check_at(o->what, o->live_clean, __LINE__);
    ch_host_secret_truncate(keep); /* what the run watched for itself (a challenge) */
}

static void sweep(conf *c, const op *o)
{
    static const uint32_t codes[] = {SCARD_E_COMM_DATA_LOST, SCARD_W_RESET_CARD,
                                     SCARD_W_REMOVED_CARD};
    size_t keep = ch_host_secret_count();
    unsigned long k, made, before;
    DWORD rc;

    if (o->prep)
        o->prep(c, o->arg);
    assert_int_equal(o->run(c, o->arg), o->want);
    check_at(o->what, o->live_clean, __LINE__);
    ch_host_secret_truncate(keep);

    for (k = 1;; k++) {
        if (o->prep)
            o->prep(c, o->arg);
        before = ch_host_alloc_count();
        ch_host_alloc_fail_at(k);
        rc = o->run(c, o->arg);
        ch_host_alloc_fail_at(0);
        made = ch_host_alloc_count() - before;
        check_at(o->what, o->live_clean, __LINE__);
        ch_host_secret_truncate(keep);
        if (made < k)
            break; /* the call made fewer allocations: every one has failed once */
        (void)rc;
    }
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        for (unsigned n = 1;; n++) {
            unsigned failures;
            if (o->prep)
                o->prep(c, o->arg);
            ch_vpiv_link_plan(&c->link, n, codes[i], false);
            (void)o->run(c, o->arg);
            failures = c->link.failures;
            ch_vpiv_link_plan(&c->link, 0, 0, false);
            check_at(o->what, o->live_clean, __LINE__);
            ch_host_secret_truncate(keep);
            if (failures == 0)
                break; /* the call made fewer exchanges */
        }
    }
}

/* ======================================================================================
 * PINs and PUK
 * ==================================================================================== */

static void set_secret(vpiv_secret *s, const char *value)
{
    memset(s->value, 0xFF, sizeof s->value);
    memcpy(s->value, value, strlen(value));
    s->tries_left = s->max_tries;
}

/* The card's PIN and PUK back to the defaults, with every try: a sweep spends many. */
static void prep_pins(conf *c, void *arg)
{
    (void)arg;
    set_secret(&c->card->pin, PIN);
    set_secret(&c->card->puk, PUK);
}

typedef struct pin_call {
    int kind;
    const char *cur, *next;
} pin_call;

enum { AUTH_PIN, AUTH_EX_USER, AUTH_EX_SIGN, CHANGE, CHANGE_EX_PIN, CHANGE_EX_PUK, UNBLOCK_EX,
       UNBLOCK };

#define S(s) (PBYTE)(s), (DWORD)strlen(s)

static DWORD run_pin(conf *c, void *arg)
{
    const pin_call *p = arg;
    PCARD_DATA cd = c->cd;
    DWORD att = 0;

    switch (p->kind) {
    case AUTH_PIN:
        return cd->pfnCardAuthenticatePin(cd, USER, S(p->cur), &att);
    case AUTH_EX_USER:
        return cd->pfnCardAuthenticateEx(cd, ROLE_USER, 0, S(p->cur), NULL, NULL, &att);
    case AUTH_EX_SIGN:
        return cd->pfnCardAuthenticateEx(cd, CH_MD_PIN_SIGN, 0, S(p->cur), NULL, NULL, &att);
    case CHANGE:
        return cd->pfnCardChangeAuthenticator(cd, USER, S(p->cur), S(p->next), 0,
                                              CARD_AUTHENTICATE_PIN_PIN, &att);
    case CHANGE_EX_PIN:
        return cd->pfnCardChangeAuthenticatorEx(cd, PIN_CHANGE_FLAG_CHANGEPIN, ROLE_USER,
                                                S(p->cur), ROLE_USER, S(p->next), 0, &att);
    case CHANGE_EX_PUK:
        return cd->pfnCardChangeAuthenticatorEx(cd, PIN_CHANGE_FLAG_CHANGEPIN, CH_MD_PIN_PUK,
                                                S(p->cur), CH_MD_PIN_PUK, S(p->next), 0, &att);
    case UNBLOCK_EX:
        return cd->pfnCardChangeAuthenticatorEx(cd, PIN_CHANGE_FLAG_UNBLOCK, CH_MD_PIN_PUK,
                                                S(p->cur), ROLE_USER, S(p->next), 0, &att);
    default:
        return cd->pfnCardUnblockPin(cd, USER, S(p->cur), S(p->next), 0,
                                     CARD_AUTHENTICATE_PIN_PIN);
    }
}

static void pin_sweep(conf *c, const char *what, int kind, const char *cur, const char *next,
                      DWORD want)
{
    pin_call p = {kind, cur, next};
    op o = {what, prep_pins, run_pin, &p, true, want};
    sweep(c, &o);
}

static void watch_all_pins(void)
{
    watch_pin(PIN, "PIN", "PIN (padded)");
    watch_pin(WRONG_PIN, "wrong PIN", "wrong PIN (padded)");
    watch_pin(SHORT_PIN, "short PIN", "short PIN (padded)");
    watch_pin(NEW_PIN, "new PIN", "new PIN (padded)");
    watch_pin(PUK, "PUK", "PUK (padded)");
    watch_pin(NEW_PUK, "new PUK", "new PUK (padded)");
}

static void test_pin_verify(void **state)
{
    conf c;
    (void)state;

    watch_all_pins();
    conf_open(&c, 7);
    pin_sweep(&c, "CardAuthenticatePin", AUTH_PIN, PIN, NULL, OK);
    assert_true(c.card->pin_verified);
    pin_sweep(&c, "CardAuthenticatePin, wrong PIN", AUTH_PIN, WRONG_PIN, NULL,
              SCARD_W_WRONG_CHV);
    pin_sweep(&c, "CardAuthenticatePin, short PIN", AUTH_PIN, SHORT_PIN, NULL,
              SCARD_W_WRONG_CHV);
    pin_sweep(&c, "CardAuthenticateEx(ROLE_USER)", AUTH_EX_USER, PIN, NULL, OK);
    pin_sweep(&c, "CardAuthenticateEx(ROLE_USER), wrong PIN", AUTH_EX_USER, WRONG_PIN, NULL,
              SCARD_W_WRONG_CHV);
    pin_sweep(&c, "CardAuthenticateEx(3)", AUTH_EX_SIGN, PIN, NULL, OK);
    /* Blocked: the card refuses with 6983 after the last try. */
    c.card->pin.tries_left = 0;
    {
        pin_call p = {AUTH_PIN, PIN, NULL};
        op o = {"CardAuthenticatePin, blocked", NULL, run_pin, &p, true, 0};
        once(&c, &o);
    }
    close_clean(&c);
}

static void test_pin_change(void **state)
{
    conf c;
    (void)state;

    watch_all_pins();
    conf_open(&c, 7);
    pin_sweep(&c, "CardChangeAuthenticator", CHANGE, PIN, NEW_PIN, OK);
    pin_sweep(&c, "CardChangeAuthenticator, wrong PIN", CHANGE, WRONG_PIN, NEW_PIN,
              SCARD_W_WRONG_CHV);
    pin_sweep(&c, "CardChangeAuthenticatorEx(PIN)", CHANGE_EX_PIN, PIN, NEW_PIN, OK);
    pin_sweep(&c, "CardChangeAuthenticatorEx(PUK)", CHANGE_EX_PUK, PUK, NEW_PUK, OK);
    pin_sweep(&c, "CardChangeAuthenticatorEx(PUK), wrong PUK", CHANGE_EX_PUK, NEW_PUK, PUK,
              SCARD_W_WRONG_CHV);
    pin_sweep(&c, "CardChangeAuthenticatorEx(UNBLOCK)", UNBLOCK_EX, PUK, NEW_PIN, OK);
    pin_sweep(&c, "CardUnblockPin", UNBLOCK, PUK, NEW_PIN, OK);
    pin_sweep(&c, "CardUnblockPin, wrong PUK", UNBLOCK, NEW_PUK, NEW_PIN, SCARD_W_WRONG_CHV);
    pin_sweep(&c, "CardUnblockPin, short new PIN", UNBLOCK, PUK, SHORT_PIN,
              SCARD_E_INVALID_PARAMETER);
    /* The card really changed: the new PIN works after a plain change. */
    prep_pins(&c, NULL);
    {
        pin_call p = {CHANGE, PIN, NEW_PIN};
        assert_int_equal(run_pin(&c, &p), OK);
        p.kind = AUTH_PIN;
        p.cur = NEW_PIN;
        assert_int_equal(run_pin(&c, &p), OK);
    }
    CLEAN_LIVE("PIN change, then VERIFY with the new PIN");
    close_clean(&c);
}

/* ======================================================================================
 * The admin: challenge and the management key's response
 * ==================================================================================== */

/* The 3DES response to a challenge under key (the CSP's side). */
static void mgm_response(const uint8_t *key, const uint8_t *challenge, uint8_t resp[8])
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0;

    assert_non_null(x);
    assert_int_equal(EVP_EncryptInit_ex(x, EVP_des_ede3_ecb(), NULL, key, NULL), 1);
    assert_int_equal(EVP_CIPHER_CTX_set_padding(x, 0), 1);
    assert_int_equal(EVP_EncryptUpdate(x, resp, &len, challenge, 8), 1);
    assert_int_equal(EVP_EncryptFinal_ex(x, resp + len, &fin), 1);
    EVP_CIPHER_CTX_free(x);
}

typedef struct admin_call {
    bool ex;    /* CardGetChallengeEx + CardAuthenticateEx(ROLE_ADMIN) */
    bool wrong; /* a response under another key */
} admin_call;

/* One round: the challenge (watched once it is known; its buffer is the CSP's), the response
 * (watched before it is handed over). */
static DWORD run_admin(conf *c, void *arg)
{
    static const uint8_t other_key[24] = "another 3DES key, 24 by";
    const admin_call *a = arg;
    PBYTE ch = NULL;
    DWORD n = 0, rc, att = 0;
    uint8_t resp[8];

    rc = a->ex ? c->cd->pfnCardGetChallengeEx(c->cd, ROLE_ADMIN, &ch, &n, 0)
               : c->cd->pfnCardGetChallenge(c->cd, &ch, &n);
    if (rc != OK)
        return rc;
    assert_int_equal(n, 8);
    watch(ch, n, "admin challenge");
    mgm_response(a->wrong ? other_key : vt_default_key, ch, resp);
    watch(resp, sizeof resp, "admin response");
    assert_true(ch_host_secret_exempt(ch));
    c->cd->pfnCspFree(ch);
    rc = a->ex ? c->cd->pfnCardAuthenticateEx(c->cd, ROLE_ADMIN, 0, resp, 8, NULL, NULL, &att)
               : c->cd->pfnCardAuthenticateChallenge(c->cd, resp, 8, &att);
    OPENSSL_cleanse(resp, sizeof resp);
    return rc;
}

static void test_admin(void **state)
{
    conf c;
    admin_call plain = {false, false}, ex = {true, false}, wrong = {false, true},
               wrong_ex = {true, true};
    op o1 = {"CardGetChallenge + CardAuthenticateChallenge", NULL, run_admin, &plain, true, OK};
    op o2 = {"CardGetChallengeEx + CardAuthenticateEx(ROLE_ADMIN)", NULL, run_admin, &ex, true,
             OK};
    op o3 = {"admin, wrong response", NULL, run_admin, &wrong, true, SCARD_W_WRONG_CHV};
    op o4 = {"admin Ex, wrong response", NULL, run_admin, &wrong_ex, true, SCARD_W_WRONG_CHV};
    (void)state;

    conf_open(&c, 7);
    sweep(&c, &o1);
    sweep(&c, &o2);
    sweep(&c, &o3);
    sweep(&c, &o4);

    /* A new challenge replaces the old one: the old one is gone from the context. */
    {
        PBYTE ch = NULL, ch2 = NULL;
        DWORD n = 0, n2 = 0;
        size_t keep = ch_host_secret_count();
        assert_int_equal(c.cd->pfnCardGetChallenge(c.cd, &ch, &n), OK);
        watch(ch, n, "first admin challenge");
        assert_true(ch_host_secret_exempt(ch));
        c.cd->pfnCspFree(ch);
        assert_int_equal(c.cd->pfnCardGetChallenge(c.cd, &ch2, &n2), OK);
        assert_true(ch_host_secret_exempt(ch2));
        c.cd->pfnCspFree(ch2);
        CLEAN_LIVE("a second CardGetChallenge");
        /* An unanswered challenge stays in the context until CardDeleteContext, which must
         * wipe it (scanned by close_clean). */
        ch_host_secret_truncate(keep);
        assert_int_equal(c.cd->pfnCardGetChallenge(c.cd, &ch, &n), OK);
        watch(ch, n, "unanswered admin challenge");
        assert_true(ch_host_secret_exempt(ch));
        c.cd->pfnCspFree(ch);
    }
    close_clean(&c);
}

/* ======================================================================================
 * Key import
 * ==================================================================================== */

static void watch_bn(const EVP_PKEY *k, const char *param, size_t width, const char *be,
                     const char *le)
{
    BIGNUM *v = NULL;
    uint8_t buf[512];

    assert_int_equal(EVP_PKEY_get_bn_param(k, param, &v), 1);
    assert_true(width <= sizeof buf);
    assert_int_equal(BN_bn2binpad(v, buf, (int)width), (int)width);
    BN_clear_free(v);
    watch_both(buf, width, be, le);
    OPENSSL_cleanse(buf, sizeof buf);
}

static void watch_private_key(const EVP_PKEY *k)
{
    size_t kb = ck_key_bytes(k);

    if (!ck_key_is_rsa(k)) {
        watch_bn(k, OSSL_PKEY_PARAM_PRIV_KEY, kb, "EC scalar d", "EC scalar d (LE)");
        return;
    }
    watch_bn(k, OSSL_PKEY_PARAM_RSA_D, kb, "RSA d", "RSA d (LE)");
    watch_bn(k, OSSL_PKEY_PARAM_RSA_FACTOR1, kb / 2, "RSA p", "RSA p (LE)");
    watch_bn(k, OSSL_PKEY_PARAM_RSA_FACTOR2, kb / 2, "RSA q", "RSA q (LE)");
    watch_bn(k, OSSL_PKEY_PARAM_RSA_EXPONENT1, kb / 2, "RSA dp", "RSA dp (LE)");
    watch_bn(k, OSSL_PKEY_PARAM_RSA_EXPONENT2, kb / 2, "RSA dq", "RSA dq (LE)");
    watch_bn(k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, kb / 2, "RSA qinv", "RSA qinv (LE)");
}

typedef struct import_call {
    BYTE idx;
    DWORD spec;
    const EVP_PKEY *k;
    bool ex;
} import_call;

static void prep_admin(conf *c, void *arg)
{
    (void)arg;
    ck_admin(c);
}

static DWORD run_import(conf *c, void *arg)
{
    const import_call *a = arg;
    uint8_t buf[CK_BLOB_MAX];
    size_t n = ck_import_blob(a->k, a->spec, buf, sizeof buf);
    DWORD rc = a->ex ? c->cd->pfnCardCreateContainerEx(c->cd, a->idx,
                                                       CARD_CREATE_CONTAINER_KEY_IMPORT, a->spec,
                                                       0, buf, ROLE_USER)
                     : c->cd->pfnCardCreateContainer(c->cd, a->idx,
                                                     CARD_CREATE_CONTAINER_KEY_IMPORT, a->spec,
                                                     0, buf);
    OPENSSL_cleanse(buf, n);
    return rc;
}

static void import_case(const char *kind, BYTE idx, DWORD spec, bool ex)
{
    const EVP_PKEY *k = ck_key(kind, 0);
    import_call a = {idx, spec, k, ex};
    op o = {kind, prep_admin, run_import, &a, true, OK};
    conf c;

    print_message("import %s\n", kind);
    watch_private_key(k);
    conf_open(&c, 7);
    sweep(&c, &o);
    ck_assert_container_key(&c, idx, k, spec);
    /* Refused by the card (no management key): the same material went through the parser. */
    assert_int_equal(c.cd->pfnCardDeauthenticate(c.cd, CONF_W("admin"), 0), OK);
    assert_int_equal(run_import(&c, &a), SCARD_W_SECURITY_VIOLATION);
    CLEAN_LIVE("import refused by the card");
    close_clean(&c);
    ch_host_secret_clear();
}

static void test_import_rsa(void **state)
{
    (void)state;
    import_case("rsa1024", 1, AT_SIGNATURE, true);
    import_case("rsa2048", 2, AT_KEYEXCHANGE, false);
}

static void test_import_ec(void **state)
{
    (void)state;
    import_case("p256", 1, AT_ECDSA_P256, false);
    import_case("p384", 2, AT_ECDHE_P384, true);
}

/* ======================================================================================
 * RSA decryption: the plaintext
 * ==================================================================================== */

typedef struct decrypt_call {
    const uint8_t *ct; /* big-endian */
    size_t k;
    DWORD version, padding;
    void *info;
} decrypt_call;

static void prep_pin(conf *c, void *arg)
{
    (void)arg;
    ck_pin(c);
}

static DWORD run_decrypt(conf *c, void *arg)
{
    const decrypt_call *d = arg;
    CARD_RSA_DECRYPT_INFO di;
    uint8_t buf[512];
    DWORD rc;

    ck_reverse(buf, d->ct, d->k);
    memset(&di, 0, sizeof di);
    di.dwVersion = d->version;
    di.bContainerIndex = 2;
    di.dwKeySpec = AT_KEYEXCHANGE;
    di.pbData = buf; /* the CSP's own buffer, not the module's heap */
    di.cbData = (DWORD)d->k;
    di.dwPaddingType = d->padding;
    di.pPaddingInfo = d->info;
    rc = c->cd->pfnCardRSADecrypt(c->cd, &di);
    OPENSSL_cleanse(buf, sizeof buf);
    return rc;
}

static void test_decrypt(void **state)
{
    EVP_PKEY *k = ck_key("rsa2048", 0);
    size_t kb = ck_key_bytes(k);
    uint8_t m[32], em[512], ct[512], ct_oaep[512], ct_bad[512];
    BCRYPT_OAEP_PADDING_INFO o256 = {(LPCWSTR)u"SHA256", NULL, 0};
    decrypt_call pk = {ct, kb, 2, CARD_PADDING_PKCS1, NULL};
    decrypt_call raw = {ct, kb, 1, 0, NULL};
    decrypt_call oaep = {ct_oaep, kb, 2, CARD_PADDING_OAEP, &o256};
    decrypt_call bad = {ct_bad, kb, 2, CARD_PADDING_OAEP, &o256};
    op o1 = {"CardRSADecrypt PKCS#1", prep_pin, run_decrypt, &pk, true, OK};
    op o2 = {"CardRSADecrypt v1 (block)", prep_pin, run_decrypt, &raw, true, OK};
    op o3 = {"CardRSADecrypt OAEP", prep_pin, run_decrypt, &oaep, true, OK};
    op o4 = {"CardRSADecrypt bad block", prep_pin, run_decrypt, &bad, true,
             SCARD_E_INVALID_VALUE};
    EVP_PKEY_CTX *x;
    size_t n = sizeof ct;
    conf c;
    (void)state;

    assert_int_equal(RAND_bytes(m, sizeof m), 1);
    /* The PKCS#1 block, chosen here (PS of nonzero bytes), so that it can be watched too. */
    em[0] = 0x00;
    em[1] = 0x02;
    assert_int_equal(RAND_bytes(em + 2, (int)(kb - 2 - 1 - sizeof m)), 1);
    for (size_t i = 2; i < kb - 1 - sizeof m; i++)
        em[i] = em[i] ? em[i] : 0x5A;
    em[kb - 1 - sizeof m] = 0x00;
    memcpy(em + kb - sizeof m, m, sizeof m);
    ck_rsa_public_raw(k, em, ct);
    watch_both(m, sizeof m, "plaintext", "plaintext (LE)");
    watch_both(em, kb, "PKCS#1 block", "PKCS#1 block (LE)");

    x = EVP_PKEY_CTX_new(k, NULL);
    assert_non_null(x);
    assert_int_equal(EVP_PKEY_encrypt_init(x), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(x, RSA_PKCS1_OAEP_PADDING), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_oaep_md(x, EVP_sha256()), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(x, EVP_sha256()), 1);
    assert_int_equal(EVP_PKEY_encrypt(x, ct_oaep, &n, m, sizeof m), 1);
    EVP_PKEY_CTX_free(x);
    /* A block that is not OAEP (the PKCS#1 one): refused after the card decrypted it. */
    memcpy(ct_bad, ct, kb);

    conf_open(&c, 7);
    ck_admin(&c);
    assert_int_equal(ck_import(&c, 2, AT_KEYEXCHANGE, 0, k), OK);
    sweep(&c, &o1);
    sweep(&c, &o2);
    sweep(&c, &o3);
    sweep(&c, &o4);
    close_clean(&c);
    OPENSSL_cleanse(em, sizeof em);
    OPENSSL_cleanse(m, sizeof m);
}

/* ======================================================================================
 * ECDH: Z and what is derived from it
 * ==================================================================================== */

typedef struct ecdh_call {
    const uint8_t *peer;
    size_t peer_len;
    BYTE idx;
    bool destroy;
} ecdh_call;

#define WBUF(type, wstr) {(ULONG)sizeof(wstr), type, (PVOID)(wstr)}
#define BUF(type, str) {(ULONG)(sizeof(str) - 1), type, (PVOID)(str)}

static DWORD derive(conf *c, BYTE index, LPCWSTR kdf, BCryptBufferDesc *params, DWORD flags)
{
    CARD_DERIVE_KEY dk;
    DWORD rc;

    memset(&dk, 0, sizeof dk);
    dk.dwVersion = CARD_DERIVE_KEY_CURRENT_VERSION;
    dk.dwFlags = flags;
    dk.pwszKDF = (LPWSTR)kdf;
    dk.bSecretAgreementIndex = index;
    dk.pParameterList = params;
    rc = c->cd->pfnCardDeriveKey(c->cd, &dk);
    if (rc == OK) {
        assert_true(ch_host_secret_exempt(dk.pbDerivedKey)); /* the CSP's key now */
        c->cd->pfnCspFree(dk.pbDerivedKey);
    }
    return rc;
}

/* CardConstructDHAgreement, then (when it worked) the KDFs, then CardDestroyDHAgreement. */
static DWORD run_ecdh(conf *c, void *arg)
{
    const ecdh_call *e = arg;
    BCryptBuffer b256[] = {WBUF(KDF_HASH_ALGORITHM, u"SHA256")};
    BCryptBufferDesc p256 = {BCRYPTBUFFER_VERSION, 1, b256};
    BCryptBuffer bz[] = {WBUF(KDF_HASH_ALGORITHM, u"SHA384"), BUF(KDF_SECRET_PREPEND, "pre")};
    BCryptBufferDesc pz = {BCRYPTBUFFER_VERSION, 2, bz};
    CARD_DH_AGREEMENT_INFO ai;
    DWORD rc, r2;

    memset(&ai, 0, sizeof ai);
    ai.dwVersion = CARD_DH_AGREEMENT_INFO_VERSION;
    ai.bContainerIndex = e->idx;
    ai.dwPublicKey = (DWORD)e->peer_len;
    ai.pbPublicKey = (PBYTE)e->peer;
    rc = c->cd->pfnCardConstructDHAgreement(c->cd, &ai);
    if (rc != OK)
        return rc;
    rc = derive(c, ai.bSecretAgreementIndex, CH_KDF_HASH, &p256, 0);
    r2 = derive(c, ai.bSecretAgreementIndex, CH_KDF_HMAC, &pz, KDF_USE_SECRET_AS_HMAC_KEY_FLAG);
    rc = rc == OK ? r2 : rc;
    if (e->destroy)
        assert_int_equal(c->cd->pfnCardDestroyDHAgreement(c->cd, ai.bSecretAgreementIndex, 0),
                         OK);
    return rc;
}

static void ecdh_case(const char *kind, BYTE idx, DWORD spec, uint32_t pub_magic)
{
    EVP_PKEY *k = ck_key(kind, 0), *peer = ck_key(kind, 1);
    uint8_t z[66], blob[8 + 2 * 48], d[128], want[64];
    size_t zl = 66, bl = ck_ecc_blob(peer, pub_magic, blob, sizeof blob), n = 0;
    EVP_PKEY_CTX *x = EVP_PKEY_CTX_new(peer, NULL);
    ecdh_call e = {blob, bl, idx, true}, keep = {blob, bl, idx, false};
    op o = {kind, prep_pin, run_ecdh, &e, true, OK};
    conf c;

    print_message("ECDH %s\n", kind);
    assert_non_null(x);
    assert_int_equal(EVP_PKEY_derive_init(x), 1);
    assert_int_equal(EVP_PKEY_derive_set_peer(x, k), 1);
    assert_int_equal(EVP_PKEY_derive(x, z, &zl), 1);
    EVP_PKEY_CTX_free(x);
    watch_both(z, zl, "ECDH Z", "ECDH Z (LE)");
    n = ck_hash(EVP_sha256(), z, zl, want);
    watch(want, n, "SHA-256(Z)");
    memcpy(d, "pre", 3);
    memcpy(d + 3, z, zl);
    assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA384", NULL, z, zl, d, 3 + zl, want, 64,
                              &n));
    watch(want, n, "HMAC-SHA384(Z, pre || Z)");

    conf_open(&c, 7);
    ck_admin(&c);
    assert_int_equal(ck_import(&c, idx, spec, 0, k), OK);
    sweep(&c, &o);
    /* An agreement left for CardDeleteContext to wipe (close_clean scans the context). */
    ck_pin(&c);
    assert_int_equal(run_ecdh(&c, &keep), OK);
    CLEAN("an agreement kept");
    close_clean(&c);
    OPENSSL_cleanse(z, sizeof z);
    OPENSSL_cleanse(d, sizeof d);
    OPENSSL_cleanse(want, sizeof want);
    ch_host_secret_clear();
}

static void test_ecdh(void **state)
{
    (void)state;
    ecdh_case("p256", 2, AT_ECDHE_P256, BCRYPT_ECDH_PUBLIC_P256_MAGIC);
    ecdh_case("p384", 6, AT_ECDHE_P384, BCRYPT_ECDH_PUBLIC_P384_MAGIC);
}

/* ======================================================================================
 * The scanner itself: it finds what it must, and only that
 * ==================================================================================== */

static void test_scanner_bites(void **state)
{
    static const uint8_t secret[16] = "0123456789abcdef";
    uint8_t *p, *q;
    const ch_host_secret_hit *h;
    (void)state;

    ch_host_alloc_reset();
    watch(secret, sizeof secret, "probe");
    assert_false(ch_host_secret_watch(secret, 3, "too short"));
    /* 8 bytes of the secret in a freed block: found, with where. */
    p = ch_host_alloc(100);
    assert_non_null(p);
    memset(p, 0, 100);
    memcpy(p + 40, secret + 3, 9);
    ch_host_free(p);
    assert_int_equal(ch_host_secret_hits(), 1);
    h = ch_host_secret_hit_at(0);
    assert_string_equal(h->name, "probe");
    assert_int_equal(h->offset, 40);
    assert_int_equal(h->secret_offset, 3);
    assert_int_equal(h->match_len, 9);
    assert_int_equal(h->block_size, 100);
    assert_int_equal(h->alloc_no, 1);
    assert_false(h->live);
    /* 7 bytes: not enough for a secret of 8 or more. */
    ch_host_secret_clear();
    watch(secret, sizeof secret, "probe");
    p = ch_host_alloc(64);
    memset(p, 0, 64);
    memcpy(p + 1, secret, 7);
    ch_host_free(p);
    assert_int_equal(ch_host_secret_hits(), 0);
    /* The old block of a realloc is scanned; an exempt block is not; live blocks on demand. */
    p = ch_host_alloc(32);
    memcpy(p, secret, 16);
    q = ch_host_realloc(p, 64);
    assert_non_null(q);
    assert_int_equal(ch_host_secret_hits(), 1);
    assert_int_equal(ch_host_secret_scan_live(), 1);
    assert_true(ch_host_secret_hit_at(1)->live);
    assert_true(ch_host_secret_exempt(q));
    ch_host_free(q);
    assert_int_equal(ch_host_secret_hits(), 2);
    assert_int_equal(ch_host_secret_exempted(), 1);
    assert_int_equal(ch_host_alloc_live(), 0);
    assert_int_equal(ch_host_alloc_errors(), 0);
    ch_host_secret_clear();
    ch_host_alloc_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_scanner_bites, teardown_secrets),
        cmocka_unit_test_teardown(test_pin_verify, teardown_secrets),
        cmocka_unit_test_teardown(test_pin_change, teardown_secrets),
        cmocka_unit_test_teardown(test_admin, teardown_secrets),
        cmocka_unit_test_teardown(test_import_rsa, teardown_secrets),
        cmocka_unit_test_teardown(test_import_ec, teardown_secrets),
        cmocka_unit_test_teardown(test_decrypt, teardown_secrets),
        cmocka_unit_test_teardown(test_ecdh, teardown_secrets),
    };
    int rc = cmocka_run_group_tests(tests, NULL, ck_keys_free);
    printf("secret residue: %lu calls checked\n", runs);
    return rc;
}
