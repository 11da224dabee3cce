/* Conformance: the private-key entry points through the function table against vpiv
 * (docs/entry-points.md "Signing, decryption, ECDH"): CardSignData, CardRSADecrypt,
 * CardConstructDHAgreement, CardDeriveKey, CardDestroyDHAgreement. Keys are OpenSSL's,
 * imported through CardCreateContainerEx (or generated on the card); every signature is
 * verified, every ciphertext made and every KDF output computed by OpenSSL.
 *
 * Parameter errors must send no APDU; errors found after the card was read must not have sent
 * the private-key operation (GENERAL AUTHENTICATE, counted by instruction). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

/* The PSS padding callback plays the CSP with OpenSSL's own PSS encoder, which OpenSSL 3
 * still ships but marks deprecated. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "conf.h"
#include "conf_keys.h"
#include "md_entry.h"

#define MSG "cardhammer conformance"
#define INVALID SCARD_E_INVALID_PARAMETER
#define UNSUPPORTED SCARD_E_UNSUPPORTED_FEATURE

/* A context on a fresh card with k imported into idx under spec, admin and PIN given. */
static void open_with(conf *c, BYTE idx, DWORD spec, const EVP_PKEY *k)
{
    conf_open(c, 7);
    ck_admin(c);
    assert_int_equal(ck_import(c, idx, spec, 0, k), SCARD_S_SUCCESS);
    ck_pin(c);
}

static bool u16_is(LPCWSTR a, const char *ascii)
{
    size_t i = 0;
    for (; ascii[i]; i++)
        if (a[i] != (WCHAR)ascii[i])
            return false;
    return a[i] == 0;
}

static const EVP_MD *md_named(LPCWSTR name)
{
    if (u16_is(name, "SHA1")) return EVP_sha1();
    if (u16_is(name, "SHA256")) return EVP_sha256();
    if (u16_is(name, "SHA384")) return EVP_sha384();
    if (u16_is(name, "SHA512")) return EVP_sha512();
    fail_msg("hash name");
    return NULL;
}

/* ======================================================================================
 * The CSP's PSS padding (pfnCspPadData), with OpenSSL
 * ==================================================================================== */

static EVP_PKEY *pss_key;    /* the public key the CSP pads for */
static DWORD pss_width;      /* cbMaxWidth the module asked for */
static unsigned pss_calls;
static DWORD pss_fail;       /* != 0: the callback fails with it */
static DWORD pss_extra;      /* bytes added to the block's length (a misbehaving CSP) */

static DWORD WINAPI csp_pad_pss(PCARD_SIGNING_INFO si, DWORD width, DWORD *out_len,
                                PBYTE *out)
{
    const BCRYPT_PSS_PADDING_INFO *pi = si->pPaddingInfo;
    RSA *rsa;
    PBYTE em;

    pss_calls++;
    pss_width = width;
    if (pss_fail)
        return pss_fail;
    assert_int_equal(si->dwPaddingType, CARD_PADDING_PSS);
    assert_int_equal(width, ck_key_bytes(pss_key));
    em = ch_host_alloc(width + pss_extra);
    assert_non_null(em);
    memset(em, 0, width + pss_extra);
    rsa = EVP_PKEY_get1_RSA(pss_key);
    assert_non_null(rsa);
    assert_int_equal(RSA_padding_add_PKCS1_PSS_mgf1(rsa, em, si->pbData, md_named(pi->pszAlgId),
                                                    md_named(pi->pszAlgId), (int)pi->cbSalt),
                     1);
    RSA_free(rsa);
    *out = em;
    *out_len = width + pss_extra;
    return SCARD_S_SUCCESS;
}

/* ======================================================================================
 * RSA signatures
 * ==================================================================================== */

static void sign_info(CARD_SIGNING_INFO *si, BYTE idx, DWORD spec, uint8_t *data, size_t n)
{
    memset(si, 0, sizeof *si);
    si->dwVersion = CARD_SIGNING_INFO_CURRENT_VERSION;
    si->bContainerIndex = idx;
    si->dwKeySpec = spec;
    si->pbData = data;
    si->cbData = (DWORD)n;
}

/* Signs si, which must succeed with one GENERAL AUTHENTICATE and give n bytes; returns the
 * signature (the caller frees it with pfnCspFree). */
static PBYTE sign_ok(conf *c, CARD_SIGNING_INFO *si, size_t n)
{
    ck_watch(c);
    assert_int_equal(c->cd->pfnCardSignData(c->cd, si), SCARD_S_SUCCESS);
    assert_int_equal(ck_sent(CK_INS_GENERAL_AUTH), 1);
    assert_non_null(si->pbSignedData);
    assert_int_equal(si->cbSignedData, n);
    return si->pbSignedData;
}

/* PKCS#1 v1.5 through the v1 fields: data = md_data(MSG) (36 bytes MD5||SHA-1 for
 * EVP_md5_sha1); OpenSSL verifies with md_verify (NULL: the data itself, no DigestInfo). */
static void pkcs1_v1(conf *c, BYTE idx, const EVP_PKEY *k, ALG_ID alg, DWORD flags,
                     const EVP_MD *md_data, const EVP_MD *md_verify)
{
    uint8_t data[64];
    size_t n = ck_hash(md_data, MSG, strlen(MSG), data), kb = ck_key_bytes(k);
    CARD_SIGNING_INFO si;
    PBYTE sig;

    print_message("  PKCS#1 aiHashAlg %04X flags %X, %zu bytes\n", (unsigned)alg,
                  (unsigned)flags, n);
    sign_info(&si, idx, AT_KEYEXCHANGE, data, n);
    si.dwVersion = CARD_SIGNING_INFO_BASIC_VERSION;
    si.aiHashAlg = alg;
    si.dwSigningFlags = flags;
    sig = sign_ok(c, &si, kb);
    assert_true(ck_rsa_pkcs1_ok(k, md_verify, data, n, sig, kb));
    /* The oracle would notice a DigestInfo too many or too few. */
    if (md_verify)
        assert_false(ck_rsa_pkcs1_ok(k, NULL, data, n, sig, kb));
    else
        assert_false(ck_rsa_pkcs1_ok(k, EVP_sha256(), data, n, sig, kb));
    c->cd->pfnCspFree(sig);
}

/* PKCS#1 v1.5 with BCRYPT_PKCS1_PADDING_INFO (NULL name: no DigestInfo). */
static void pkcs1_v2(conf *c, BYTE idx, const EVP_PKEY *k, LPCWSTR name, const EVP_MD *md)
{
    uint8_t data[64];
    size_t n = ck_hash(md, MSG, strlen(MSG), data), kb = ck_key_bytes(k);
    BCRYPT_PKCS1_PADDING_INFO pi = {name};
    CARD_SIGNING_INFO si;
    PBYTE sig;

    sign_info(&si, idx, AT_KEYEXCHANGE, data, n);
    si.aiHashAlg = CALG_MD5; /* ignored with padding info */
    si.dwSigningFlags = CARD_PADDING_INFO_PRESENT;
    si.dwPaddingType = CARD_PADDING_PKCS1;
    si.pPaddingInfo = &pi;
    sig = sign_ok(c, &si, kb);
    assert_true(ck_rsa_pkcs1_ok(k, name ? md : NULL, data, n, sig, kb));
    c->cd->pfnCspFree(sig);
}

static void pss(conf *c, BYTE idx, const EVP_PKEY *k, LPCWSTR name, ULONG salt)
{
    const EVP_MD *md = md_named(name);
    uint8_t hash[64];
    size_t n = ck_hash(md, MSG, strlen(MSG), hash), kb = ck_key_bytes(k);
    BCRYPT_PSS_PADDING_INFO pi = {name, salt};
    CARD_SIGNING_INFO si;
    PBYTE sig;

    sign_info(&si, idx, AT_KEYEXCHANGE, hash, n);
    si.dwSigningFlags = CARD_PADDING_INFO_PRESENT;
    si.dwPaddingType = CARD_PADDING_PSS;
    si.pPaddingInfo = &pi;
    pss_key = (EVP_PKEY *)k;
    pss_calls = 0;
    sig = sign_ok(c, &si, kb);
    assert_int_equal(pss_calls, 1);
    assert_int_equal(pss_width, kb);
    assert_true(ck_rsa_pss_ok(k, md, (int)salt, hash, n, sig, kb));
    assert_false(ck_rsa_pss_ok(k, md, (int)salt + 1, hash, n, sig, kb));
    c->cd->pfnCspFree(sig);
}

/* CARD_BUFFER_SIZE_ONLY: the size, the buffer pointer untouched, no signing APDU. */
static void size_only(conf *c, BYTE idx, DWORD spec, size_t want)
{
    uint8_t hash[32] = {1};
    CARD_SIGNING_INFO si;

    sign_info(&si, idx, spec, hash, sizeof hash);
    si.aiHashAlg = CALG_SHA_256;
    si.dwSigningFlags = CARD_BUFFER_SIZE_ONLY;
    si.pbSignedData = (PBYTE)hash;
    ck_watch(c);
    assert_int_equal(c->cd->pfnCardSignData(c->cd, &si), SCARD_S_SUCCESS);
    assert_int_equal(si.cbSignedData, want);
    assert_ptr_equal(si.pbSignedData, (PBYTE)hash);
    assert_int_equal(ck_sent(CK_INS_GENERAL_AUTH), 0);
}

static void rsa_signatures(const char *kind)
{
    EVP_PKEY *k = ck_key(kind, 0);
    size_t kb = ck_key_bytes(k);
    conf c;

    print_message("%s\n", kind);
    open_with(&c, 0, AT_KEYEXCHANGE, k);
    c.cd->pfnCspPadData = csp_pad_pss;
    pkcs1_v1(&c, 0, k, CALG_SHA1, 0, EVP_sha1(), EVP_sha1());
    pkcs1_v1(&c, 0, k, CALG_SHA_256, 0, EVP_sha256(), EVP_sha256());
    pkcs1_v1(&c, 0, k, CALG_SHA_384, 0, EVP_sha384(), EVP_sha384());
    pkcs1_v1(&c, 0, k, CALG_SHA_512, 0, EVP_sha512(), EVP_sha512());
    pkcs1_v1(&c, 0, k, CALG_MD5, 0, EVP_md5(), EVP_md5());
    /* TLS 1.0 CertificateVerify: 36 bytes MD5 || SHA-1, no DigestInfo. */
    pkcs1_v1(&c, 0, k, CALG_SSL3_SHAMD5, 0, EVP_md5_sha1(), NULL);
    pkcs1_v1(&c, 0, k, 0, 0, EVP_md5_sha1(), NULL);
    pkcs1_v1(&c, 0, k, CALG_SHA_256, CRYPT_NOHASHOID, EVP_sha256(), NULL);
    pkcs1_v1(&c, 0, k, CALG_SHA1, CRYPT_NOHASHOID, EVP_sha1(), NULL);
    pkcs1_v2(&c, 0, k, (LPCWSTR)u"SHA256", EVP_sha256());
    pkcs1_v2(&c, 0, k, (LPCWSTR)u"SHA1", EVP_sha1());
    pkcs1_v2(&c, 0, k, (LPCWSTR)u"SHA384", EVP_sha384());
    pkcs1_v2(&c, 0, k, (LPCWSTR)u"SHA512", EVP_sha512());
    pkcs1_v2(&c, 0, k, NULL, EVP_sha256());
    pss(&c, 0, k, (LPCWSTR)u"SHA256", 32);
    pss(&c, 0, k, (LPCWSTR)u"SHA1", 20);
    pss(&c, 0, k, (LPCWSTR)u"SHA384", 48);
    pss(&c, 0, k, (LPCWSTR)u"SHA256", 0);
    if (kb >= 2 * 64 + 2)
        pss(&c, 0, k, (LPCWSTR)u"SHA512", 64);
    size_only(&c, 0, AT_KEYEXCHANGE, kb);
    conf_close(&c);
}

static void test_sign_rsa1024(void **state)
{
    (void)state;
    rsa_signatures("rsa1024");
}

static void test_sign_rsa2048(void **state)
{
    (void)state;
    rsa_signatures("rsa2048");
}

static void test_sign_rsa3072(void **state)
{
    (void)state;
    rsa_signatures("rsa3072");
}

static void test_sign_rsa4096(void **state)
{
    (void)state;
    rsa_signatures("rsa4096");
}

/* Errors of CardSignData: parameters with no APDU; after the card was read, without the
 * signing APDU. */
static void test_sign_errors(void **state)
{
    EVP_PKEY *k = ck_key("rsa2048", 0);
    uint8_t hash[64] = {0x11};
    BCRYPT_PKCS1_PADDING_INFO pkcs1 = {(LPCWSTR)u"SHA256"}, sha3 = {(LPCWSTR)u"SHA3_256"};
    BCRYPT_PSS_PADDING_INFO psi = {(LPCWSTR)u"SHA256", 32};
    CARD_SIGNING_INFO si;
    conf c;
    (void)state;

    open_with(&c, 0, AT_KEYEXCHANGE, k);
#define SIGN() c.cd->pfnCardSignData(c.cd, &si)
    CONF_NO_APDU(&c, INVALID, CardSignData(NULL, &si));
    CONF_NO_APDU(&c, INVALID, c.cd->pfnCardSignData(c.cd, NULL));
    sign_info(&si, 0, AT_KEYEXCHANGE, hash, 32);
    si.dwVersion = 3;
    CONF_NO_APDU(&c, ERROR_REVISION_MISMATCH, SIGN());
    sign_info(&si, 0, AT_KEYEXCHANGE, NULL, 32);
    CONF_NO_APDU(&c, INVALID, SIGN());
    sign_info(&si, 0, AT_KEYEXCHANGE, hash, 0);
    CONF_NO_APDU(&c, INVALID, SIGN());
    sign_info(&si, 0, AT_KEYEXCHANGE, hash, 32);
    si.dwSigningFlags = 0x2;
    CONF_NO_APDU(&c, INVALID, SIGN());
    si.dwSigningFlags = 0x80000000u;
    CONF_NO_APDU(&c, INVALID, SIGN());
    sign_info(&si, 0, 9, hash, 32);
    CONF_NO_APDU(&c, INVALID, SIGN());
    sign_info(&si, 0, 0, hash, 32);
    CONF_NO_APDU(&c, INVALID, SIGN());
    sign_info(&si, 0, AT_KEYEXCHANGE, hash, 32);
    si.dwVersion = CARD_SIGNING_INFO_BASIC_VERSION;
    si.dwSigningFlags = CARD_PADDING_INFO_PRESENT;
    si.dwPaddingType = CARD_PADDING_PKCS1;
    si.pPaddingInfo = &pkcs1;
    CONF_NO_APDU(&c, INVALID, SIGN()); /* padding info needs structure v2 */
    si.dwVersion = CARD_SIGNING_INFO_CURRENT_VERSION;
    si.pPaddingInfo = NULL;
    CONF_NO_APDU(&c, INVALID, SIGN());
    sign_info(&si, 24, AT_KEYEXCHANGE, hash, 32);
    CONF_NO_APDU(&c, SCARD_E_NO_KEY_CONTAINER, SIGN());

    /* Found once the key is known: no signing APDU. */
    ck_watch(&c);
    sign_info(&si, 0, AT_KEYEXCHANGE, hash, 20);
    si.aiHashAlg = CALG_SHA_256; /* 20 bytes are no SHA-256 */
    assert_int_equal(SIGN(), INVALID);
    sign_info(&si, 0, AT_KEYEXCHANGE, hash, 32);
    si.aiHashAlg = 0x1234;
    assert_int_equal(SIGN(), INVALID);
    sign_info(&si, 0, AT_KEYEXCHANGE, hash, 32);
    si.dwSigningFlags = CARD_PADDING_INFO_PRESENT;
    si.dwPaddingType = CARD_PADDING_PKCS1;
    si.pPaddingInfo = &sha3;
    assert_int_equal(SIGN(), INVALID);
    si.dwPaddingType = CARD_PADDING_OAEP;
    si.pPaddingInfo = &pkcs1;
    assert_int_equal(SIGN(), INVALID);
    si.dwPaddingType = CARD_PADDING_PSS;
    si.pPaddingInfo = &psi;
    assert_int_equal(SIGN(), UNSUPPORTED); /* no pfnCspPadData */
    sign_info(&si, 0, AT_ECDSA_P256, hash, 32);
    assert_int_equal(SIGN(), INVALID);
    {
        uint8_t big[256 - 10];
        memset(big, 0x5A, sizeof big);
        sign_info(&si, 0, AT_KEYEXCHANGE, big, sizeof big); /* more than k - 11 */
        assert_int_equal(SIGN(), INVALID);
    }
    sign_info(&si, 2, AT_KEYEXCHANGE, hash, 32);
    si.aiHashAlg = CALG_SHA_256;
    assert_int_equal(SIGN(), SCARD_E_NO_KEY_CONTAINER); /* an empty container */
    assert_int_equal(ck_sent(CK_INS_GENERAL_AUTH), 0);

    /* A CSP whose padding callback fails or misbehaves: its error, nothing signed, no leak. */
    c.cd->pfnCspPadData = csp_pad_pss;
    pss_key = k;
    sign_info(&si, 0, AT_KEYEXCHANGE, hash, 32);
    si.dwSigningFlags = CARD_PADDING_INFO_PRESENT;
    si.dwPaddingType = CARD_PADDING_PSS;
    si.pPaddingInfo = &psi;
    pss_fail = SCARD_E_NO_MEMORY;
    assert_int_equal(SIGN(), SCARD_E_NO_MEMORY);
    pss_fail = 0;
    pss_extra = 1;
    assert_int_equal(SIGN(), SCARD_E_UNEXPECTED);
    pss_extra = 0;
    assert_null(si.pbSignedData);
    assert_int_equal(ck_sent(CK_INS_GENERAL_AUTH), 0);
#undef SIGN
    conf_close(&c);
}

/* ======================================================================================
 * ECDSA
 * ==================================================================================== */

static void ecdsa(conf *c, BYTE idx, DWORD spec, const EVP_PKEY *k, const EVP_MD *md)
{
    uint8_t hash[64], other[64];
    size_t n = ck_hash(md, MSG, strlen(MSG), hash), f = ck_key_bytes(k);
    CARD_SIGNING_INFO si;
    PBYTE sig;

    print_message("  ECDSA over %zu bytes\n", n);
    sign_info(&si, idx, spec, hash, n);
    sig = sign_ok(c, &si, 2 * f);
    assert_true(ck_ecdsa_ok(k, hash, n, sig, 2 * f));
    memcpy(other, hash, n);
    other[0] ^= 1;
    assert_false(ck_ecdsa_ok(k, other, n, sig, 2 * f));
    c->cd->pfnCspFree(sig);
}

static void ec_signatures(const char *kind, BYTE idx, DWORD spec, DWORD wrong_spec)
{
    EVP_PKEY *k = ck_key(kind, 0);
    uint8_t hash[32] = {7};
    CARD_SIGNING_INFO si;
    conf c;

    open_with(&c, idx, spec, k);
    ecdsa(&c, idx, spec, k, EVP_sha1());   /* shorter than the field */
    ecdsa(&c, idx, spec, k, EVP_sha256());
    ecdsa(&c, idx, spec, k, EVP_sha384());
    ecdsa(&c, idx, spec, k, EVP_sha512()); /* longer: cut to the field */
    size_only(&c, idx, spec, 2 * ck_key_bytes(k));
    ck_watch(&c);
    sign_info(&si, idx, wrong_spec, hash, 32);
    assert_int_equal(c.cd->pfnCardSignData(c.cd, &si), INVALID);
    sign_info(&si, idx, AT_KEYEXCHANGE, hash, 32);
    assert_int_equal(c.cd->pfnCardSignData(c.cd, &si), INVALID);
    sign_info(&si, idx, AT_SIGNATURE, hash, 32);
    assert_int_equal(c.cd->pfnCardSignData(c.cd, &si), INVALID);
    assert_int_equal(ck_sent(CK_INS_GENERAL_AUTH), 0);
    conf_close(&c);
}

static void test_sign_ecdsa(void **state)
{
    (void)state;
    ec_signatures("p256", 0, AT_ECDSA_P256, AT_ECDSA_P384);
    ec_signatures("p384", 5, AT_ECDSA_P384, AT_ECDSA_P256);
}

/* 9C's key needs the PIN right before each use (PIN always): the CSP's PIN 3. */
static void test_sign_pin_always(void **state)
{
    EVP_PKEY *k = ck_key("p256", 0);
    uint8_t blob[CK_BLOB_MAX];
    conf c;
    (void)state;

    ck_import_blob(k, AT_ECDSA_P256, blob, sizeof blob);
    conf_open(&c, 7);
    ck_admin(&c);
    assert_int_equal(c.cd->pfnCardCreateContainerEx(c.cd, 1, CARD_CREATE_CONTAINER_KEY_IMPORT,
                                                    AT_ECDSA_P256, 0, blob, 3),
                     SCARD_S_SUCCESS);
    assert_int_equal(c.cd->pfnCardAuthenticateEx(c.cd, 3, 0, (PBYTE)CK_PIN, 6, NULL, NULL,
                                                 NULL),
                     SCARD_S_SUCCESS);
    assert_true(ck_signs_as(&c, 1, AT_ECDSA_P256, k, "once"));
    {
        uint8_t hash[32] = {3};
        CARD_SIGNING_INFO si;
        sign_info(&si, 1, AT_ECDSA_P256, hash, sizeof hash);
        assert_int_equal(c.cd->pfnCardSignData(c.cd, &si), SCARD_W_SECURITY_VIOLATION);
        assert_null(si.pbSignedData);
    }
    assert_int_equal(c.cd->pfnCardAuthenticateEx(c.cd, 3, 0, (PBYTE)CK_PIN, 6, NULL, NULL,
                                                 NULL),
                     SCARD_S_SUCCESS);
    assert_true(ck_signs_as(&c, 1, AT_ECDSA_P256, k, "twice"));
    OPENSSL_cleanse(blob, sizeof blob);
    conf_close(&c);
}

/* Without the PIN the card refuses: SCARD_W_SECURITY_VIOLATION, nothing returned. 9E's key
 * needs no PIN. */
static void test_private_ops_need_pin(void **state)
{
    EVP_PKEY *rsa = ck_key("rsa2048", 0), *ec = ck_key("p256", 0);
    uint8_t hash[32] = {5}, ct[256], peer[8 + 64];
    CARD_SIGNING_INFO si;
    CARD_RSA_DECRYPT_INFO di;
    CARD_DH_AGREEMENT_INFO ai;
    conf c;
    (void)state;

    conf_open(&c, 7);
    ck_admin(&c);
    assert_int_equal(ck_import(&c, 0, AT_KEYEXCHANGE, 0, rsa), SCARD_S_SUCCESS);
    assert_int_equal(ck_import(&c, 2, AT_ECDHE_P256, 0, ec), SCARD_S_SUCCESS);
    assert_int_equal(ck_import(&c, 3, AT_ECDSA_P256, 0, ec), SCARD_S_SUCCESS);
    assert_false(c.card->pin_verified);

    sign_info(&si, 0, AT_KEYEXCHANGE, hash, 32);
    si.aiHashAlg = CALG_SHA_256;
    assert_int_equal(c.cd->pfnCardSignData(c.cd, &si), SCARD_W_SECURITY_VIOLATION);
    assert_null(si.pbSignedData);
    memset(ct, 0x42, sizeof ct);
    ct[255] = 0; /* little-endian: the top byte is last */
    memset(&di, 0, sizeof di);
    di.dwVersion = 1;
    di.dwKeySpec = AT_KEYEXCHANGE;
    di.pbData = ct;
    di.cbData = sizeof ct;
    assert_int_equal(c.cd->pfnCardRSADecrypt(c.cd, &di), SCARD_W_SECURITY_VIOLATION);
    assert_int_equal(di.cbData, 256);
    assert_int_equal(ct[0], 0x42);
    ck_ecc_blob(ck_key("p256", 1), BCRYPT_ECDH_PUBLIC_P256_MAGIC, peer, sizeof peer);
    memset(&ai, 0, sizeof ai);
    ai.dwVersion = CARD_DH_AGREEMENT_INFO_VERSION;
    ai.bContainerIndex = 2;
    ai.dwPublicKey = sizeof peer;
    ai.pbPublicKey = peer;
    ai.bSecretAgreementIndex = 0xEE;
    assert_int_equal(c.cd->pfnCardConstructDHAgreement(c.cd, &ai), SCARD_W_SECURITY_VIOLATION);
    assert_int_equal(ai.bSecretAgreementIndex, 0xEE);
    assert_true(ck_signs_as(&c, 3, AT_ECDSA_P256, ec, "card authentication key"));
    conf_close(&c);
}

/* ======================================================================================
 * RSA decryption
 * ==================================================================================== */

/* OpenSSL's encryption of m under k (pad: RSA_PKCS1_PADDING or RSA_PKCS1_OAEP_PADDING with
 * md and label). */
static size_t encrypt(const EVP_PKEY *k, int pad, const EVP_MD *md, const char *label,
                      const uint8_t *m, size_t m_len, uint8_t *out)
{
    EVP_PKEY_CTX *x = EVP_PKEY_CTX_new((EVP_PKEY *)k, NULL);
    size_t out_len = 512;

    assert_non_null(x);
    assert_int_equal(EVP_PKEY_encrypt_init(x), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(x, pad), 1);
    if (pad == RSA_PKCS1_OAEP_PADDING) {
        assert_int_equal(EVP_PKEY_CTX_set_rsa_oaep_md(x, md), 1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(x, md), 1);
        if (label)
            assert_int_equal(EVP_PKEY_CTX_set0_rsa_oaep_label(
                                 x, OPENSSL_memdup(label, strlen(label)), (int)strlen(label)),
                             1);
    }
    assert_int_equal(EVP_PKEY_encrypt(x, out, &out_len, m, m_len), 1);
    assert_int_equal(out_len, ck_key_bytes(k));
    EVP_PKEY_CTX_free(x);
    return out_len;
}

typedef struct decrypt_req {
    DWORD version, padding;
    void *info;
} decrypt_req;

/* CardRSADecrypt of the big-endian ciphertext ct (handed over little-endian, in place). */
static DWORD decrypt(conf *c, BYTE idx, const decrypt_req *r, const uint8_t *ct, size_t k,
                     uint8_t *buf, DWORD *len)
{
    CARD_RSA_DECRYPT_INFO di;
    DWORD rc;

    ck_reverse(buf, ct, k);
    memset(&di, 0, sizeof di);
    di.dwVersion = r->version;
    di.bContainerIndex = idx;
    di.dwKeySpec = AT_KEYEXCHANGE;
    di.pbData = buf;
    di.cbData = (DWORD)k;
    di.pPaddingInfo = r->info;
    di.dwPaddingType = r->padding;
    rc = c->cd->pfnCardRSADecrypt(c->cd, &di);
    *len = di.cbData;
    assert_ptr_equal(di.pbData, buf);
    return rc;
}

/* The message comes back byte-reversed, cbData its length. */
static void decrypt_to_message(conf *c, BYTE idx, const decrypt_req *r, const uint8_t *ct,
                               size_t k, const uint8_t *m, size_t m_len)
{
    uint8_t buf[512], back[512];
    DWORD len = 0;
    assert_int_equal(decrypt(c, idx, r, ct, k, buf, &len), SCARD_S_SUCCESS);
    assert_int_equal(len, m_len);
    ck_reverse(back, buf, m_len);
    assert_memory_equal(back, m, m_len);
}

/* A bad block: SCARD_E_INVALID_VALUE, pbData and cbData as they were. */
static void decrypt_bad(conf *c, BYTE idx, const decrypt_req *r, const uint8_t *ct, size_t k)
{
    uint8_t buf[512], sent[512];
    DWORD len = 0;
    ck_watch(c);
    assert_int_equal(decrypt(c, idx, r, ct, k, buf, &len), SCARD_E_INVALID_VALUE);
    assert_int_equal(ck_sent(CK_INS_GENERAL_AUTH), 1);
    assert_int_equal(len, k);
    ck_reverse(sent, ct, k);
    assert_memory_equal(buf, sent, k);
}

/* The ciphertext of an arbitrary block em (big-endian, below n): the raw public operation. */
static void raw_ct(const EVP_PKEY *k, const uint8_t *em, uint8_t *ct)
{
    ck_rsa_public_raw(k, em, ct);
}

static void rsa_decryption(const char *kind)
{
    static const uint8_t m[] = "a 32-byte AES key for the CSP...";
    EVP_PKEY *k = ck_key(kind, 0);
    size_t kb = ck_key_bytes(k);
    uint8_t em[512], ct[512], buf[512], back[512];
    DWORD len;
    conf c;
    BCRYPT_OAEP_PADDING_INFO o_sha1 = {(LPCWSTR)u"SHA1", NULL, 0};
    BCRYPT_OAEP_PADDING_INFO o_sha256 = {(LPCWSTR)u"SHA256", NULL, 0};
    BCRYPT_OAEP_PADDING_INFO o_label = {(LPCWSTR)u"SHA256", (PUCHAR) "label", 5};
    BCRYPT_OAEP_PADDING_INFO o_wrong = {(LPCWSTR)u"SHA256", (PUCHAR) "lab3l", 5};
    BCRYPT_OAEP_PADDING_INFO o_sha384 = {(LPCWSTR)u"SHA384", (PUCHAR) "L", 1};
    BCRYPT_OAEP_PADDING_INFO o_sha512 = {(LPCWSTR)u"SHA512", NULL, 0};
    const decrypt_req v1 = {1, 0, NULL}, v0 = {0, CARD_PADDING_PKCS1, NULL};
    const decrypt_req none = {2, CARD_PADDING_NONE, NULL}, none0 = {2, 0, NULL};
    const decrypt_req pkcs1 = {2, CARD_PADDING_PKCS1, NULL};
    const decrypt_req oaep1 = {2, CARD_PADDING_OAEP, &o_sha1};
    const decrypt_req oaep256 = {2, CARD_PADDING_OAEP, &o_sha256};
    const decrypt_req oaep_label = {2, CARD_PADDING_OAEP, &o_label};
    const decrypt_req oaep_wrong = {2, CARD_PADDING_OAEP, &o_wrong};
    const decrypt_req oaep384 = {2, CARD_PADDING_OAEP, &o_sha384};
    const decrypt_req oaep512 = {2, CARD_PADDING_OAEP, &o_sha512};

    print_message("%s\n", kind);
    open_with(&c, 2, AT_KEYEXCHANGE, k);

    /* v1 (and v2 without unpadding): the block itself, whatever it is. */
    em[0] = 0;
    for (size_t i = 1; i < kb; i++)
        em[i] = (uint8_t)(i * 7 + 3);
    raw_ct(k, em, ct);
    for (int pass = 0; pass < 4; pass++) {
        const decrypt_req *r = pass == 0 ? &v1 : pass == 1 ? &v0 : pass == 2 ? &none : &none0;
        assert_int_equal(decrypt(&c, 2, r, ct, kb, buf, &len), SCARD_S_SUCCESS);
        assert_int_equal(len, kb);
        ck_reverse(back, buf, kb);
        assert_memory_equal(back, em, kb);
    }
    /* ... and v1 of a real PKCS#1 block: the CSP unpads what comes back. */
    encrypt(k, RSA_PKCS1_PADDING, NULL, NULL, m, 32, ct);
    assert_int_equal(decrypt(&c, 2, &v1, ct, kb, buf, &len), SCARD_S_SUCCESS);
    ck_reverse(back, buf, kb);
    assert_int_equal(back[0], 0x00);
    assert_int_equal(back[1], 0x02);
    assert_int_equal(back[kb - 33], 0x00);
    assert_memory_equal(back + kb - 32, m, 32);

    decrypt_to_message(&c, 2, &pkcs1, ct, kb, m, 32);
    encrypt(k, RSA_PKCS1_PADDING, NULL, NULL, m, 1, ct);
    decrypt_to_message(&c, 2, &pkcs1, ct, kb, m, 1);
    /* An OAEP block is no PKCS#1 block, unless its random second byte happens to be 02 (then
     * it may well be one: 1 in 256 encryptions). Encrypt again until it is not, looking at
     * the block through v1, which returns it whole. */
    for (int tries = 0;; tries++) {
        assert_true(tries < 64);
        encrypt(k, RSA_PKCS1_OAEP_PADDING, EVP_sha1(), NULL, m, 32, ct);
        assert_int_equal(decrypt(&c, 2, &v1, ct, kb, buf, &len), SCARD_S_SUCCESS);
        if (buf[kb - 2] != 0x02) /* the block comes back byte-reversed */
            break;
    }
    decrypt_to_message(&c, 2, &oaep1, ct, kb, m, 32);
    decrypt_bad(&c, 2, &oaep256, ct, kb); /* the wrong hash */
    decrypt_bad(&c, 2, &pkcs1, ct, kb);   /* an OAEP block is no PKCS#1 block */
    encrypt(k, RSA_PKCS1_OAEP_PADDING, EVP_sha256(), NULL, m, 16, ct);
    decrypt_to_message(&c, 2, &oaep256, ct, kb, m, 16);
    decrypt_bad(&c, 2, &oaep_label, ct, kb); /* a label it was not made with */
    encrypt(k, RSA_PKCS1_OAEP_PADDING, EVP_sha256(), "label", m, 32, ct);
    decrypt_to_message(&c, 2, &oaep_label, ct, kb, m, 32);
    decrypt_bad(&c, 2, &oaep_wrong, ct, kb);
    decrypt_bad(&c, 2, &oaep256, ct, kb);
    ct[kb / 2] ^= 0x04; /* tampered: wrong with overwhelming probability (2^-256) */
    decrypt_bad(&c, 2, &oaep_label, ct, kb);
    encrypt(k, RSA_PKCS1_OAEP_PADDING, EVP_sha384(), "L", m, 20, ct);
    decrypt_to_message(&c, 2, &oaep384, ct, kb, m, 20);
    if (kb >= 2 * 64 + 2) {
        encrypt(k, RSA_PKCS1_OAEP_PADDING, EVP_sha512(), NULL, m, 1, ct);
        decrypt_to_message(&c, 2, &oaep512, ct, kb, m, 1);
    }

    /* PKCS#1 blocks that are wrong in each way, made with the raw public operation. */
    memset(em, 0xA5, kb);
    em[0] = 0x00;
    em[1] = 0x02;
    em[kb - 33] = 0x00;
    raw_ct(k, em, ct);
    decrypt_to_message(&c, 2, &pkcs1, ct, kb, em + kb - 32, 32); /* the good one */
    em[1] = 0x01;
    raw_ct(k, em, ct);
    decrypt_bad(&c, 2, &pkcs1, ct, kb); /* block type 1 */
    em[1] = 0x02;
    em[kb - 33] = 0xA5;
    raw_ct(k, em, ct);
    decrypt_bad(&c, 2, &pkcs1, ct, kb); /* no separator */
    em[5] = 0x00;
    raw_ct(k, em, ct);
    decrypt_bad(&c, 2, &pkcs1, ct, kb); /* padding string of 3 bytes */
    em[5] = 0xA5;
    em[kb - 1] = 0x00; /* separator last: an empty message is a valid block */
    raw_ct(k, em, ct);
    decrypt_to_message(&c, 2, &pkcs1, ct, kb, em, 0);
    decrypt_bad(&c, 2, &oaep1, ct, kb); /* and no OAEP block */
    em[0] = 0x01; /* Y != 0, below n still (n's top byte is at least 0x80) */
    em[kb - 1] = 0xA5;
    em[kb - 33] = 0x00;
    raw_ct(k, em, ct);
    decrypt_bad(&c, 2, &pkcs1, ct, kb);
    decrypt_bad(&c, 2, &oaep1, ct, kb);
    memset(em, 0, kb);
    raw_ct(k, em, ct);
    decrypt_bad(&c, 2, &pkcs1, ct, kb);
    decrypt_bad(&c, 2, &oaep256, ct, kb);
    conf_close(&c);
}

static void test_decrypt_rsa1024(void **state)
{
    (void)state;
    rsa_decryption("rsa1024");
}

static void test_decrypt_rsa2048(void **state)
{
    (void)state;
    rsa_decryption("rsa2048");
}

static void test_decrypt_rsa3072(void **state)
{
    (void)state;
    rsa_decryption("rsa3072");
}

static void test_decrypt_rsa4096(void **state)
{
    (void)state;
    rsa_decryption("rsa4096");
}

static void test_decrypt_errors(void **state)
{
    EVP_PKEY *k = ck_key("rsa2048", 0);
    uint8_t buf[300];
    BCRYPT_OAEP_PADDING_INFO md5 = {(LPCWSTR)u"MD5", NULL, 0};
    BCRYPT_OAEP_PADDING_INFO no_name = {NULL, NULL, 0};
    BCRYPT_OAEP_PADDING_INFO null_label = {(LPCWSTR)u"SHA256", NULL, 3};
    BCRYPT_OAEP_PADDING_INFO unknown = {(LPCWSTR)u"SHA224", NULL, 0};
    CARD_RSA_DECRYPT_INFO di;
    conf c;
    (void)state;

    open_with(&c, 0, AT_KEYEXCHANGE, k);
    assert_int_equal(ck_import(&c, 2, AT_ECDHE_P256, 0, ck_key("p256", 0)), SCARD_S_SUCCESS);
    memset(buf, 0x33, sizeof buf);
    buf[255] = 0;
#define DI(ver, idx, spec, data, n, pad, info)                                                \
    do {                                                                                      \
        memset(&di, 0, sizeof di);                                                            \
        di.dwVersion = ver;                                                                   \
        di.bContainerIndex = idx;                                                             \
        di.dwKeySpec = spec;                                                                  \
        di.pbData = data;                                                                     \
        di.cbData = n;                                                                        \
        di.dwPaddingType = pad;                                                               \
        di.pPaddingInfo = info;                                                               \
    } while (0)
#define DEC() c.cd->pfnCardRSADecrypt(c.cd, &di)
    CONF_NO_APDU(&c, INVALID, CardRSADecrypt(NULL, &di));
    CONF_NO_APDU(&c, INVALID, c.cd->pfnCardRSADecrypt(c.cd, NULL));
    DI(3, 0, AT_KEYEXCHANGE, buf, 256, 0, NULL);
    CONF_NO_APDU(&c, ERROR_REVISION_MISMATCH, DEC());
    DI(2, 0, AT_KEYEXCHANGE, NULL, 256, 0, NULL);
    CONF_NO_APDU(&c, INVALID, DEC());
    DI(2, 0, AT_KEYEXCHANGE, buf, 0, 0, NULL);
    CONF_NO_APDU(&c, INVALID, DEC());
    DI(2, 0, AT_ECDHE_P256, buf, 256, 0, NULL);
    CONF_NO_APDU(&c, INVALID, DEC());
    DI(2, 0, 0, buf, 256, 0, NULL);
    CONF_NO_APDU(&c, INVALID, DEC());
    DI(2, 0, AT_KEYEXCHANGE, buf, 256, CARD_PADDING_PSS, NULL);
    CONF_NO_APDU(&c, INVALID, DEC());
    DI(2, 0, AT_KEYEXCHANGE, buf, 256, 0x10, NULL);
    CONF_NO_APDU(&c, INVALID, DEC());
    DI(2, 0, AT_KEYEXCHANGE, buf, 256, CARD_PADDING_OAEP, NULL);
    CONF_NO_APDU(&c, INVALID, DEC());
    DI(2, 0, AT_KEYEXCHANGE, buf, 256, CARD_PADDING_OAEP, &no_name);
    CONF_NO_APDU(&c, INVALID, DEC());
    DI(2, 0, AT_KEYEXCHANGE, buf, 256, CARD_PADDING_OAEP, &md5);
    CONF_NO_APDU(&c, INVALID, DEC());
    DI(2, 0, AT_KEYEXCHANGE, buf, 256, CARD_PADDING_OAEP, &unknown);
    CONF_NO_APDU(&c, INVALID, DEC());
    DI(2, 0, AT_KEYEXCHANGE, buf, 256, CARD_PADDING_OAEP, &null_label);
    CONF_NO_APDU(&c, INVALID, DEC());
    DI(2, 24, AT_KEYEXCHANGE, buf, 256, CARD_PADDING_PKCS1, NULL);
    CONF_NO_APDU(&c, SCARD_E_NO_KEY_CONTAINER, DEC());
    /* v1 ignores the v2 members. */
    DI(1, 24, AT_KEYEXCHANGE, buf, 256, 0x10, NULL);
    CONF_NO_APDU(&c, SCARD_E_NO_KEY_CONTAINER, DEC());

    /* Once the key is known: no decryption APDU. */
    ck_watch(&c);
    DI(2, 0, AT_KEYEXCHANGE, buf, 255, CARD_PADDING_PKCS1, NULL);
    assert_int_equal(DEC(), SCARD_E_INSUFFICIENT_BUFFER);
    DI(2, 0, AT_KEYEXCHANGE, buf, 257, CARD_PADDING_PKCS1, NULL);
    assert_int_equal(DEC(), INVALID);
    DI(2, 2, AT_KEYEXCHANGE, buf, 256, CARD_PADDING_PKCS1, NULL);
    assert_int_equal(DEC(), INVALID); /* an EC container */
    DI(2, 4, AT_KEYEXCHANGE, buf, 256, CARD_PADDING_PKCS1, NULL);
    assert_int_equal(DEC(), SCARD_E_NO_KEY_CONTAINER);
    assert_int_equal(ck_sent(CK_INS_GENERAL_AUTH), 0);
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], i == 255 ? 0 : 0x33);
#undef DI
#undef DEC
    conf_close(&c);
}

/* ======================================================================================
 * ECDH and the KDFs
 * ==================================================================================== */

/* Z, the X coordinate of priv * pub, by OpenSSL. */
static size_t ecdh_z(const EVP_PKEY *priv, const EVP_PKEY *pub, uint8_t *z)
{
    EVP_PKEY_CTX *x = EVP_PKEY_CTX_new((EVP_PKEY *)priv, NULL);
    size_t n = 66;
    assert_non_null(x);
    assert_int_equal(EVP_PKEY_derive_init(x), 1);
    assert_int_equal(EVP_PKEY_derive_set_peer(x, (EVP_PKEY *)pub), 1);
    assert_int_equal(EVP_PKEY_derive(x, z, &n), 1);
    EVP_PKEY_CTX_free(x);
    return n;
}

/* prepend || z || append */
static size_t concat(uint8_t *out, const char *pre, const uint8_t *z, size_t zl,
                     const char *app)
{
    size_t o = 0;
    if (pre) {
        memcpy(out, pre, strlen(pre));
        o += strlen(pre);
    }
    memcpy(out + o, z, zl);
    o += zl;
    if (app) {
        memcpy(out + o, app, strlen(app));
        o += strlen(app);
    }
    return o;
}

static size_t hmac(const char *digest, const uint8_t *key, size_t key_len, const uint8_t *d,
                   size_t n, uint8_t *out)
{
    size_t len = 0;
    assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, digest, NULL, key, key_len, d, n, out, 64,
                              &len));
    return len;
}

static DWORD construct(conf *c, BYTE idx, const uint8_t *peer, size_t n, BYTE *index)
{
    CARD_DH_AGREEMENT_INFO ai;
    DWORD rc;
    memset(&ai, 0, sizeof ai);
    ai.dwVersion = CARD_DH_AGREEMENT_INFO_VERSION;
    ai.bContainerIndex = idx;
    ai.dwPublicKey = (DWORD)n;
    ai.pbPublicKey = (PBYTE)peer;
    ai.bSecretAgreementIndex = 0xEE;
    rc = c->cd->pfnCardConstructDHAgreement(c->cd, &ai);
    *index = ai.bSecretAgreementIndex;
    return rc;
}

static void derive_info(CARD_DERIVE_KEY *dk, BYTE index, LPCWSTR kdf,
                        BCryptBufferDesc *params, DWORD flags)
{
    memset(dk, 0, sizeof *dk);
    dk->dwVersion = CARD_DERIVE_KEY_CURRENT_VERSION;
    dk->dwFlags = flags;
    dk->pwszKDF = (LPWSTR)kdf;
    dk->bSecretAgreementIndex = index;
    dk->pParameterList = params;
}

/* CardDeriveKey must give want (no APDU: the secret is in the context). */
static void derive_is(conf *c, BYTE index, LPCWSTR kdf, BCryptBufferDesc *params, DWORD flags,
                      const uint8_t *want, size_t want_len)
{
    CARD_DERIVE_KEY dk;
    derive_info(&dk, index, kdf, params, flags);
    CONF_NO_APDU(c, SCARD_S_SUCCESS, c->cd->pfnCardDeriveKey(c->cd, &dk));
    assert_non_null(dk.pbDerivedKey);
    assert_int_equal(dk.cbDerivedKey, want_len);
    assert_memory_equal(dk.pbDerivedKey, want, want_len);
    c->cd->pfnCspFree(dk.pbDerivedKey);
    /* The size alone. */
    derive_info(&dk, index, kdf, params, flags | CARD_BUFFER_SIZE_ONLY);
    CONF_NO_APDU(c, SCARD_S_SUCCESS, c->cd->pfnCardDeriveKey(c->cd, &dk));
    assert_null(dk.pbDerivedKey);
    assert_int_equal(dk.cbDerivedKey, want_len);
}

#define BUF(type, str) {(ULONG)(sizeof(str) - 1), type, (PVOID)(str)}
#define WBUF(type, wstr) {(ULONG)sizeof(wstr), type, (PVOID)(wstr)}

/* The KDFs of one agreement, each against OpenSSL over OpenSSL's own Z. */
static void kdfs(conf *c, BYTE index, const uint8_t *z, size_t zl)
{
    uint8_t d[256], want[64];
    size_t n;

    /* HASH, no parameters: SHA-1(Z), the CNG default. */
    n = concat(d, NULL, z, zl, NULL);
    derive_is(c, index, CH_KDF_HASH, NULL, 0, want, ck_hash(EVP_sha1(), d, n, want));
    {
        BCryptBuffer b[] = {WBUF(KDF_HASH_ALGORITHM, u"SHA256"), BUF(KDF_SECRET_PREPEND, "pre"),
                            BUF(KDF_SECRET_APPEND, "append")};
        BCryptBufferDesc p = {BCRYPTBUFFER_VERSION, 3, b};
        n = concat(d, "pre", z, zl, "append");
        derive_is(c, index, CH_KDF_HASH, &p, 0, want, ck_hash(EVP_sha256(), d, n, want));
    }
    {
        BCryptBuffer b[] = {BUF(KDF_SECRET_APPEND, "only after"),
                            WBUF(KDF_HASH_ALGORITHM, u"SHA512")};
        BCryptBufferDesc p = {BCRYPTBUFFER_VERSION, 2, b};
        n = concat(d, NULL, z, zl, "only after");
        derive_is(c, index, CH_KDF_HASH, &p, 0, want, ck_hash(EVP_sha512(), d, n, want));
    }
    {
        BCryptBuffer b[] = {WBUF(KDF_HASH_ALGORITHM, u"SHA256"), BUF(KDF_HMAC_KEY, "hmac key"),
                            BUF(KDF_SECRET_PREPEND, "P"), BUF(KDF_SECRET_APPEND, "A")};
        BCryptBufferDesc p = {BCRYPTBUFFER_VERSION, 4, b};
        n = concat(d, "P", z, zl, "A");
        derive_is(c, index, CH_KDF_HMAC, &p, 0, want,
                  hmac("SHA256", (const uint8_t *)"hmac key", 8, d, n, want));
    }
    {
        BCryptBuffer b[] = {BUF(KDF_HMAC_KEY, "k")};
        BCryptBufferDesc p = {BCRYPTBUFFER_VERSION, 1, b};
        n = concat(d, NULL, z, zl, NULL);
        derive_is(c, index, CH_KDF_HMAC, &p, 0, want,
                  hmac("SHA1", (const uint8_t *)"k", 1, d, n, want));
    }
    {
        BCryptBuffer b[] = {WBUF(KDF_HASH_ALGORITHM, u"SHA384"),
                            BUF(KDF_SECRET_PREPEND, "with Z as the key")};
        BCryptBufferDesc p = {BCRYPTBUFFER_VERSION, 2, b};
        n = concat(d, "with Z as the key", z, zl, NULL);
        derive_is(c, index, CH_KDF_HMAC, &p, KDF_USE_SECRET_AS_HMAC_KEY_FLAG, want,
                  hmac("SHA384", z, zl, d, n, want));
    }
}

static void ecdh(const char *kind, BYTE idx, DWORD spec, uint32_t pub_magic)
{
    EVP_PKEY *k = ck_key(kind, 0), *peer = ck_key(kind, 1);
    uint8_t z[66], blob[8 + 2 * 48];
    size_t zl = ecdh_z(peer, k, z), bl = ck_ecc_blob(peer, pub_magic, blob, sizeof blob);
    BYTE index = 0xEE, second = 0xEE;
    CARD_DERIVE_KEY dk;
    conf c;

    print_message("%s\n", kind);
    assert_int_equal(zl, ck_key_bytes(k));
    open_with(&c, idx, spec, k);
    ck_watch(&c);
    assert_int_equal(construct(&c, idx, blob, bl, &index), SCARD_S_SUCCESS);
    assert_int_equal(ck_sent(CK_INS_GENERAL_AUTH), 1);
    assert_true(index < 8);
    kdfs(&c, index, z, zl);

    /* A second agreement with another peer: another index, another secret. */
    {
        EVP_PKEY *peer2 = ck_key(kind, 2);
        uint8_t z2[66], blob2[8 + 2 * 48], want[32], d[128];
        size_t zl2 = ecdh_z(peer2, k, z2);
        ck_ecc_blob(peer2, pub_magic, blob2, sizeof blob2);
        assert_int_equal(construct(&c, idx, blob2, bl, &second), SCARD_S_SUCCESS);
        assert_int_not_equal(second, index);
        {
            BCryptBuffer b[] = {WBUF(KDF_HASH_ALGORITHM, u"SHA256")};
            BCryptBufferDesc p = {BCRYPTBUFFER_VERSION, 1, b};
            size_t n = concat(d, NULL, z2, zl2, NULL);
            derive_is(&c, second, CH_KDF_HASH, &p, 0, want, ck_hash(EVP_sha256(), d, n, want));
        }
    }

    /* Destroyed: gone for CardDeriveKey, and cannot be destroyed twice. */
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, c.cd->pfnCardDestroyDHAgreement(c.cd, index, 0));
    derive_info(&dk, index, CH_KDF_HASH, NULL, 0);
    CONF_NO_APDU(&c, INVALID, c.cd->pfnCardDeriveKey(c.cd, &dk));
    assert_null(dk.pbDerivedKey);
    CONF_NO_APDU(&c, INVALID, c.cd->pfnCardDestroyDHAgreement(c.cd, index, 0));
    /* The other one still works. */
    derive_info(&dk, second, CH_KDF_HASH, NULL, 0);
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, c.cd->pfnCardDeriveKey(c.cd, &dk));
    c.cd->pfnCspFree(dk.pbDerivedKey);
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, c.cd->pfnCardDestroyDHAgreement(c.cd, second, 0));
    conf_close(&c);
}

static void test_ecdh_p256(void **state)
{
    (void)state;
    ecdh("p256", 2, AT_ECDHE_P256, BCRYPT_ECDH_PUBLIC_P256_MAGIC);
}

static void test_ecdh_p384(void **state)
{
    (void)state;
    ecdh("p384", 6, AT_ECDHE_P384, BCRYPT_ECDH_PUBLIC_P384_MAGIC);
}

static void test_ecdh_errors(void **state)
{
    EVP_PKEY *k = ck_key("p256", 0);
    uint8_t blob[8 + 64], b[8 + 96], p384[8 + 96];
    BYTE index, got[8];
    CARD_DH_AGREEMENT_INFO ai;
    conf c;
    (void)state;

    ck_ecc_blob(ck_key("p256", 1), BCRYPT_ECDH_PUBLIC_P256_MAGIC, blob, sizeof blob);
    ck_ecc_blob(ck_key("p384", 1), BCRYPT_ECDH_PUBLIC_P384_MAGIC, p384, sizeof p384);
    open_with(&c, 2, AT_ECDHE_P256, k);
    assert_int_equal(ck_import(&c, 0, AT_KEYEXCHANGE, 0, ck_key("rsa2048", 0)),
                     SCARD_S_SUCCESS);

    CONF_NO_APDU(&c, INVALID, CardConstructDHAgreement(NULL, &ai));
    CONF_NO_APDU(&c, INVALID, c.cd->pfnCardConstructDHAgreement(c.cd, NULL));
    memset(&ai, 0, sizeof ai);
    ai.dwVersion = 1;
    ai.bContainerIndex = 2;
    ai.dwPublicKey = sizeof blob;
    ai.pbPublicKey = blob;
    CONF_NO_APDU(&c, ERROR_REVISION_MISMATCH, c.cd->pfnCardConstructDHAgreement(c.cd, &ai));
    ai.dwVersion = 3;
    CONF_NO_APDU(&c, ERROR_REVISION_MISMATCH, c.cd->pfnCardConstructDHAgreement(c.cd, &ai));
    ai.dwVersion = CARD_DH_AGREEMENT_INFO_VERSION;
    ai.dwFlags = 1;
    CONF_NO_APDU(&c, INVALID, c.cd->pfnCardConstructDHAgreement(c.cd, &ai));
    ai.dwFlags = 0;
    ai.pbPublicKey = NULL;
    CONF_NO_APDU(&c, INVALID, c.cd->pfnCardConstructDHAgreement(c.cd, &ai));
    CONF_NO_APDU(&c, INVALID, construct(&c, 2, blob, sizeof blob - 1, &index));
    CONF_NO_APDU(&c, INVALID, construct(&c, 2, blob, 0, &index));
    memcpy(b, blob, sizeof blob);
    b[0] = 'E', b[1] = 'C', b[2] = 'S', b[3] = '1'; /* an ECDSA public key */
    CONF_NO_APDU(&c, INVALID, construct(&c, 2, b, sizeof blob, &index));
    b[2] = 'K', b[3] = '2'; /* a private magic */
    CONF_NO_APDU(&c, INVALID, construct(&c, 2, b, sizeof blob, &index));
    memcpy(b, blob, sizeof blob);
    b[4] = 48; /* cbKey of P-384 in a P-256-sized blob */
    CONF_NO_APDU(&c, INVALID, construct(&c, 2, b, sizeof blob, &index));
    memcpy(b, blob, sizeof blob);
    b[8 + 63] ^= 1; /* off the curve */
    CONF_NO_APDU(&c, INVALID, construct(&c, 2, b, sizeof blob, &index));
    memset(b + 8, 0, 64);
    CONF_NO_APDU(&c, INVALID, construct(&c, 2, b, sizeof blob, &index));
    CONF_NO_APDU(&c, SCARD_E_NO_KEY_CONTAINER, construct(&c, 24, blob, sizeof blob, &index));
    assert_int_equal(index, 0xEE);

    /* Found once the key is known, before the card computes anything. */
    ck_watch(&c);
    assert_int_equal(construct(&c, 2, p384, sizeof p384, &index), INVALID);
    assert_int_equal(construct(&c, 0, blob, sizeof blob, &index), INVALID);  /* RSA */
    assert_int_equal(construct(&c, 9, blob, sizeof blob, &index), SCARD_E_NO_KEY_CONTAINER);
    assert_int_equal(ck_sent(CK_INS_GENERAL_AUTH), 0);
    assert_int_equal(index, 0xEE);

    /* Eight agreements at most; a ninth needs no card to be refused. */
    for (BYTE i = 0; i < 8; i++) {
        assert_int_equal(construct(&c, 2, blob, sizeof blob, &got[i]), SCARD_S_SUCCESS);
        for (BYTE j = 0; j < i; j++)
            assert_int_not_equal(got[i], got[j]);
    }
    CONF_NO_APDU(&c, SCARD_E_NO_MEMORY, construct(&c, 2, blob, sizeof blob, &index));
    assert_int_equal(c.cd->pfnCardDestroyDHAgreement(c.cd, got[5], 0), SCARD_S_SUCCESS);
    assert_int_equal(construct(&c, 2, blob, sizeof blob, &index), SCARD_S_SUCCESS);
    assert_int_equal(index, got[5]);

    /* CardDestroyDHAgreement */
    CONF_NO_APDU(&c, INVALID, CardDestroyDHAgreement(NULL, 0, 0));
    CONF_NO_APDU(&c, INVALID, c.cd->pfnCardDestroyDHAgreement(c.cd, got[0], 1));
    CONF_NO_APDU(&c, INVALID, c.cd->pfnCardDestroyDHAgreement(c.cd, 8, 0));
    CONF_NO_APDU(&c, INVALID, c.cd->pfnCardDestroyDHAgreement(c.cd, 255, 0));

    /* CardDeriveKey */
    {
        CARD_DERIVE_KEY dk;
        BCryptBuffer sha256 = WBUF(KDF_HASH_ALGORITHM, u"SHA256");
        BCryptBuffer md5 = WBUF(KDF_HASH_ALGORITHM, u"MD5");
        BCryptBuffer unterminated = {4, KDF_HASH_ALGORITHM, (PVOID)u"SHA1"};
        BCryptBuffer key = BUF(KDF_HMAC_KEY, "key");
        BCryptBuffer pre = BUF(KDF_SECRET_PREPEND, "p");
        BCryptBuffer null_pre = {3, KDF_SECRET_PREPEND, NULL};
        BCryptBuffer label = BUF(4, "TLS label");
        static uint8_t big[4097];
        BCryptBuffer huge = {sizeof big, KDF_SECRET_APPEND, big};
        BCryptBuffer two_pre[2] = {BUF(KDF_SECRET_PREPEND, "a"), BUF(KDF_SECRET_PREPEND, "b")};
        BCryptBuffer many[17];
        BCryptBufferDesc one = {BCRYPTBUFFER_VERSION, 1, &sha256};
#define DERIVE(kdf, params, flags)                                                            \
    (derive_info(&dk, got[0], kdf, params, flags), c.cd->pfnCardDeriveKey(c.cd, &dk))
        CONF_NO_APDU(&c, INVALID, CardDeriveKey(NULL, &dk));
        CONF_NO_APDU(&c, INVALID, c.cd->pfnCardDeriveKey(c.cd, NULL));
        derive_info(&dk, got[0], CH_KDF_HASH, NULL, 0);
        dk.dwVersion = 3;
        CONF_NO_APDU(&c, ERROR_REVISION_MISMATCH, c.cd->pfnCardDeriveKey(c.cd, &dk));
        CONF_NO_APDU(&c, UNSUPPORTED, DERIVE(CH_KDF_HASH, NULL, CARD_RETURN_KEY_HANDLE));
        CONF_NO_APDU(&c, UNSUPPORTED, DERIVE(CH_KDF_TLS_PRF, NULL, 0));
        CONF_NO_APDU(&c, UNSUPPORTED, DERIVE(CH_KDF_SP80056A_CONCAT, NULL, 0));
        CONF_NO_APDU(&c, UNSUPPORTED, DERIVE(CH_KDF_RAW_SECRET, NULL, 0));
        CONF_NO_APDU(&c, INVALID, DERIVE((LPCWSTR)u"SHA256", NULL, 0));
        CONF_NO_APDU(&c, INVALID, DERIVE(NULL, NULL, 0));
        CONF_NO_APDU(&c, INVALID, DERIVE(CH_KDF_HASH, NULL, 0x2));
        CONF_NO_APDU(&c, INVALID, DERIVE(CH_KDF_HASH, NULL, KDF_USE_SECRET_AS_HMAC_KEY_FLAG));
        CONF_NO_APDU(&c, INVALID, DERIVE(CH_KDF_HMAC, NULL, 0)); /* no key at all */
        {
            BCryptBufferDesc p = {BCRYPTBUFFER_VERSION, 1, &key};
            CONF_NO_APDU(&c, INVALID, DERIVE(CH_KDF_HMAC, &p, KDF_USE_SECRET_AS_HMAC_KEY_FLAG));
            CONF_NO_APDU(&c, INVALID, DERIVE(CH_KDF_HASH, &p, 0));
            p.ulVersion = 1;
            CONF_NO_APDU(&c, INVALID, DERIVE(CH_KDF_HMAC, &p, 0));
        }
        {
            BCryptBufferDesc p = {BCRYPTBUFFER_VERSION, 1, &md5};
            CONF_NO_APDU(&c, UNSUPPORTED, DERIVE(CH_KDF_HASH, &p, 0));
            p.pBuffers = &unterminated;
            CONF_NO_APDU(&c, INVALID, DERIVE(CH_KDF_HASH, &p, 0));
            p.pBuffers = &null_pre;
            CONF_NO_APDU(&c, INVALID, DERIVE(CH_KDF_HASH, &p, 0));
            p.pBuffers = &label;
            CONF_NO_APDU(&c, INVALID, DERIVE(CH_KDF_HASH, &p, 0));
            p.pBuffers = &huge;
            CONF_NO_APDU(&c, INVALID, DERIVE(CH_KDF_HASH, &p, 0));
            p.pBuffers = two_pre;
            p.cBuffers = 2;
            CONF_NO_APDU(&c, INVALID, DERIVE(CH_KDF_HASH, &p, 0));
            p.pBuffers = NULL;
            CONF_NO_APDU(&c, INVALID, DERIVE(CH_KDF_HASH, &p, 0));
            for (size_t i = 0; i < 17; i++)
                many[i] = pre;
            p.pBuffers = many;
            p.cBuffers = 17;
            CONF_NO_APDU(&c, INVALID, DERIVE(CH_KDF_HASH, &p, 0));
        }
        derive_info(&dk, 8, CH_KDF_HASH, &one, 0);
        CONF_NO_APDU(&c, INVALID, c.cd->pfnCardDeriveKey(c.cd, &dk));
        derive_info(&dk, 255, CH_KDF_HASH, &one, 0);
        CONF_NO_APDU(&c, INVALID, c.cd->pfnCardDeriveKey(c.cd, &dk));
        assert_null(dk.pbDerivedKey);
        assert_int_equal(dk.cbDerivedKey, 0);
#undef DERIVE
    }
    conf_close(&c);
}

/* ======================================================================================
 * Keys the card generated, used as a CSP would: public keys from CardGetContainerInfo
 * ==================================================================================== */

static EVP_PKEY *generate(conf *c, BYTE idx, DWORD spec, DWORD size)
{
    bool in_sig;
    assert_int_equal(c->cd->pfnCardCreateContainerEx(c->cd, idx, CARD_CREATE_CONTAINER_KEY_GEN,
                                                     spec, size, NULL, ROLE_USER),
                     SCARD_S_SUCCESS);
    return ck_container_key(c, idx, &in_sig);
}

static void test_generated_keys(void **state)
{
    static const uint8_t m[] = "sixteen byte key";
    EVP_PKEY *rsa, *ecdh_key, *ecdsa_key, *peer = ck_key("p256", 1);
    BCRYPT_OAEP_PADDING_INFO oaep = {(LPCWSTR)u"SHA256", NULL, 0};
    const decrypt_req pkcs1 = {2, CARD_PADDING_PKCS1, NULL}, o = {2, CARD_PADDING_OAEP, &oaep};
    uint8_t ct[256], z[32], blob[8 + 64], want[32];
    BYTE index;
    conf c;
    (void)state;

    conf_open(&c, 7);
    ck_admin(&c);
    rsa = generate(&c, 0, AT_KEYEXCHANGE, 2048);
    ecdh_key = generate(&c, 2, AT_ECDHE_P256, 0);
    ecdsa_key = generate(&c, 5, AT_ECDSA_P384, 0);
    ck_pin(&c);

    c.cd->pfnCspPadData = csp_pad_pss;
    pkcs1_v1(&c, 0, rsa, CALG_SHA_256, 0, EVP_sha256(), EVP_sha256());
    pkcs1_v2(&c, 0, rsa, (LPCWSTR)u"SHA384", EVP_sha384());
    pss(&c, 0, rsa, (LPCWSTR)u"SHA256", 32);
    encrypt(rsa, RSA_PKCS1_PADDING, NULL, NULL, m, 16, ct);
    decrypt_to_message(&c, 0, &pkcs1, ct, 256, m, 16);
    encrypt(rsa, RSA_PKCS1_OAEP_PADDING, EVP_sha256(), NULL, m, 16, ct);
    decrypt_to_message(&c, 0, &o, ct, 256, m, 16);

    ecdsa(&c, 5, AT_ECDSA_P384, ecdsa_key, EVP_sha384());

    ecdh_z(peer, ecdh_key, z);
    ck_ecc_blob(peer, BCRYPT_ECDH_PUBLIC_P256_MAGIC, blob, sizeof blob);
    assert_int_equal(construct(&c, 2, blob, sizeof blob, &index), SCARD_S_SUCCESS);
    {
        BCryptBuffer b[] = {WBUF(KDF_HASH_ALGORITHM, u"SHA256")};
        BCryptBufferDesc p = {BCRYPTBUFFER_VERSION, 1, b};
        derive_is(&c, index, CH_KDF_HASH, &p, 0, want, ck_hash(EVP_sha256(), z, 32, want));
    }
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ecdh_key);
    EVP_PKEY_free(ecdsa_key);
    conf_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_rsa1024),
        cmocka_unit_test(test_sign_rsa2048),
        cmocka_unit_test(test_sign_rsa3072),
        cmocka_unit_test(test_sign_rsa4096),
        cmocka_unit_test(test_sign_errors),
        cmocka_unit_test(test_sign_ecdsa),
        cmocka_unit_test(test_sign_pin_always),
        cmocka_unit_test(test_private_ops_need_pin),
        cmocka_unit_test(test_decrypt_rsa1024),
        cmocka_unit_test(test_decrypt_rsa2048),
        cmocka_unit_test(test_decrypt_rsa3072),
        cmocka_unit_test(test_decrypt_rsa4096),
        cmocka_unit_test(test_decrypt_errors),
        cmocka_unit_test(test_ecdh_p256),
        cmocka_unit_test(test_ecdh_p384),
        cmocka_unit_test(test_ecdh_errors),
        cmocka_unit_test(test_generated_keys),
    };
    return cmocka_run_group_tests(tests, NULL, ck_keys_free);
}
