/* vpiv ATTEST (YubiKey F9): an X.509 certificate for a generated key, signed by the
 * attestation key in slot F9 (generated on first use), driven through vpiv_process. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, rmdir */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "vpiv.h"
#include "vpiv_internal.h"
#include "vpiv_test_apdu.h"

static vpiv_card *new_card_at(uint64_t seed, const char *path)
{
    return vt_new_card(seed, true, path);
}

static vpiv_card *new_card(uint64_t seed)
{
    return new_card_at(seed, NULL);
}

/* ---- host-side key helpers -------------------------------------------------------------- */

/* The public key of a slot, from GET METADATA (tag 04: 81 n 82 e, or 86 point). */
static EVP_PKEY *slot_pubkey(vpiv_card *card, uint8_t slot)
{
    vt_rsp r;
    ch_cur c, v, pk;
    uint8_t alg;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();

    assert_non_null(bld);
    assert_int_equal(vt_xfer(card, 0xF7, 0x00, slot, NULL, 0, &r), 0x9000);
    ch_cur_init(&c, r.data, r.len);
    assert_true(ch_cur_find(&c, 0x01, &v));
    assert_true(ch_cur_u8(&v, &alg));
    assert_true(ch_cur_find(&c, 0x04, &pk));
    if (alg == ALG_ECCP256 || alg == ALG_ECCP384) {
        assert_true(ch_cur_find(&pk, 0x86, &v));
        assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                                         alg == ALG_ECCP256 ? "P-256" : "P-384",
                                                         0),
                         1);
        assert_int_equal(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                                          ch_cur_peek_ptr(&v), ch_cur_left(&v)),
                         1);
        return vt_pkey_fromdata("EC", bld);
    } else {
        BIGNUM *n, *e;
        EVP_PKEY *k;
        assert_true(ch_cur_find(&pk, 0x81, &v));
        n = BN_bin2bn(ch_cur_peek_ptr(&v), (int)ch_cur_left(&v), NULL);
        assert_true(ch_cur_find(&pk, 0x82, &v));
        e = BN_bin2bn(ch_cur_peek_ptr(&v), (int)ch_cur_left(&v), NULL);
        assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n), 1);
        assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e), 1);
        k = vt_pkey_fromdata("RSA", bld);
        BN_free(n);
        BN_free(e);
        return k;
    }
}

static X509 *attest(vpiv_card *card, uint8_t slot)
{
    vt_rsp r;
    const uint8_t *p;
    X509 *x;
    assert_int_equal(vt_xfer(card, 0xF9, slot, 0x00, NULL, 0, &r), 0x9000);
    assert_true(r.len > 256); /* came back over GET RESPONSE */
    p = r.data;
    x = d2i_X509(NULL, &p, (long)r.len);
    assert_non_null(x);
    assert_ptr_equal(p, r.data + r.len);
    return x;
}

static void assert_cn(const X509_NAME *name, const char *want)
{
    char cn[128];
    assert_true(X509_NAME_get_text_by_NID(name, NID_commonName, cn, sizeof cn) > 0);
    assert_string_equal(cn, want);
}

/* The value of a YubiKey extension, or NULL. */
static const ASN1_OCTET_STRING *yk_ext(const X509 *x, const char *oid)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    int i = X509_get_ext_by_OBJ(x, obj, -1);
    ASN1_OBJECT_free(obj);
    return i < 0 ? NULL : X509_EXTENSION_get_data(X509_get_ext(x, i));
}

/* ---- tests ------------------------------------------------------------------------------ */

static void check_attestation(vpiv_card *card, uint8_t slot, const char *cn, uint8_t pin,
                              uint8_t touch)
{
    X509 *x = attest(card, slot);
    EVP_PKEY *f9 = slot_pubkey(card, 0xF9), *key = slot_pubkey(card, slot);
    const ASN1_OCTET_STRING *pol;

    assert_int_equal(X509_verify(x, f9), 1);
    assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(x), key), 1);
    assert_int_equal(X509_get_version(x), X509_VERSION_3);
    assert_cn(X509_get_subject_name(x), cn);
    assert_cn(X509_get_issuer_name(x), "Yubico PIV Attestation");
    pol = yk_ext(x, "1.3.6.1.4.1.41482.3.8");
    assert_non_null(pol);
    assert_int_equal(ASN1_STRING_length(pol), 2);
    assert_int_equal(ASN1_STRING_get0_data(pol)[0], pin);
    assert_int_equal(ASN1_STRING_get0_data(pol)[1], touch);
    assert_non_null(yk_ext(x, "1.3.6.1.4.1.41482.3.7"));
    EVP_PKEY_free(f9);
    EVP_PKEY_free(key);
    X509_free(x);
}

static void test_attest_generated_keys(void **state)
{
    vpiv_card *card = new_card(1000);
    EVP_PKEY *f9a, *f9b;
    vt_rsp r;
    (void)state;
    vt_admin(card);
    assert_int_equal(vt_hex_apdu(card, "00 47 00 9A 05 AC 03 80 01 11", &r), 0x9000);
    assert_int_equal(vt_hex_apdu(card, "00 47 00 9C 05 AC 03 80 01 07", &r), 0x9000);
    assert_int_equal(vt_hex_apdu(card, "00 47 00 9E 0B AC 09 80 01 14 AA 01 02 AB 01 01", &r),
                     0x9000);
    assert_int_equal(vt_hex_apdu(card, "00 47 00 95 05 AC 03 80 01 06", &r), 0x9000);
    /* no attestation key before the first ATTEST */
    assert_int_equal(vt_hex_apdu(card, "00 F7 00 F9", &r), 0x6A88);

    check_attestation(card, 0x9A, "YubiKey PIV Attestation 9a", PIN_POLICY_ONCE,
                      TOUCH_POLICY_NEVER);
    f9a = slot_pubkey(card, 0xF9);
    check_attestation(card, 0x9C, "YubiKey PIV Attestation 9c", PIN_POLICY_ALWAYS,
                      TOUCH_POLICY_NEVER);
    check_attestation(card, 0x9E, "YubiKey PIV Attestation 9e", PIN_POLICY_ONCE,
                      TOUCH_POLICY_NEVER);
    check_attestation(card, 0x95, "YubiKey PIV Attestation 95", PIN_POLICY_ONCE,
                      TOUCH_POLICY_NEVER);
    /* the attestation key is made once and kept */
    f9b = slot_pubkey(card, 0xF9);
    assert_int_equal(EVP_PKEY_eq(f9a, f9b), 1);
    EVP_PKEY_free(f9a);
    EVP_PKEY_free(f9b);
    {
        /* ... generated, P-256, PIN never, and not usable for GENERAL AUTHENTICATE */
        ch_cur c, v;
        assert_int_equal(vt_hex_apdu(card, "00 F7 00 F9", &r), 0x9000);
        ch_cur_init(&c, r.data, r.len);
        assert_true(ch_cur_find(&c, 0x01, &v));
        assert_int_equal(ch_cur_peek_ptr(&v)[0], ALG_ECCP256);
        assert_true(ch_cur_find(&c, 0x02, &v));
        assert_int_equal(ch_cur_peek_ptr(&v)[0], PIN_POLICY_NEVER);
        assert_true(ch_cur_find(&c, 0x03, &v));
        assert_int_equal(ch_cur_peek_ptr(&v)[0], ORIGIN_GENERATED);
        assert_int_equal(vt_hex_apdu(card, "00 87 11 F9 26 7C 24 82 00 81 20 00 01 02 03 04 05 06 "
                                           "07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 15 16 17 18 "
                                           "19 1A 1B 1C 1D 1E 1F",
                                     &r),
                         0x6A86);
    }
    vpiv_free(card);
}

static void test_attest_rejects(void **state)
{
    vpiv_card *card = new_card(1001);
    vt_rsp r;
    (void)state;
    vt_admin(card);
    assert_int_equal(vt_hex_apdu(card, "00 F9 9A 00", &r), 0x6A88);     /* empty */
    assert_int_equal(vt_hex_apdu(card, "00 FE 11 9A 03 06 01 07", &r), 0x9000);
    assert_int_equal(vt_hex_apdu(card, "00 F9 9A 00", &r), 0x6A80);     /* imported */
    assert_int_equal(vt_hex_apdu(card, "00 F9 9B 00", &r), 0x6A86);     /* not a key slot */
    assert_int_equal(vt_hex_apdu(card, "00 F9 F9 00", &r), 0x6A86);
    assert_int_equal(vt_hex_apdu(card, "00 F9 00 00", &r), 0x6A86);
    assert_int_equal(vt_hex_apdu(card, "00 47 00 9D 05 AC 03 80 01 11", &r), 0x9000);
    assert_int_equal(vt_hex_apdu(card, "00 F9 9D 01", &r), 0x6A86);     /* P2 */
    /* none of the refusals made an attestation key */
    assert_int_equal(vt_hex_apdu(card, "00 F7 00 F9", &r), 0x6A88);
    /* a re-import over a generated key makes it unattestable */
    assert_int_equal(vt_hex_apdu(card, "00 F9 9D 00", &r), 0x9000);
    assert_int_equal(vt_hex_apdu(card, "00 FE 11 9D 03 06 01 09", &r), 0x9000);
    assert_int_equal(vt_hex_apdu(card, "00 F9 9D 00", &r), 0x6A80);
    vpiv_free(card);
}

/* An attestation key imported into F9 (an RSA one here) signs the attestations. */
static void test_attest_with_imported_f9(void **state)
{
    vpiv_card *card = new_card(1002);
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    static const char *const names[5] = {OSSL_PKEY_PARAM_RSA_FACTOR1,
                                         OSSL_PKEY_PARAM_RSA_FACTOR2,
                                         OSSL_PKEY_PARAM_RSA_EXPONENT1,
                                         OSSL_PKEY_PARAM_RSA_EXPONENT2,
                                         OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    uint8_t data[700];
    size_t len = 0;
    X509 *x;
    vt_rsp r;
    (void)state;
    assert_non_null(k);
    for (unsigned i = 0; i < 5; i++) {
        BIGNUM *v = NULL;
        assert_int_equal(EVP_PKEY_get_bn_param(k, names[i], &v), 1);
        data[len++] = (uint8_t)(i + 1);
        data[len++] = 0x81;
        data[len++] = 0x80;
        assert_int_equal(BN_bn2binpad(v, data + len, 128), 128);
        len += 128;
        BN_clear_free(v);
    }
    vt_admin(card);
    assert_int_equal(vt_xfer(card, 0xFE, ALG_RSA2048, 0xF9, data, len, &r), 0x9000);
    assert_int_equal(vt_hex_apdu(card, "00 47 00 9D 05 AC 03 80 01 14", &r), 0x9000);
    x = attest(card, 0x9D);
    assert_int_equal(X509_verify(x, k), 1);
    assert_int_equal(X509_get_signature_nid(x), NID_sha256WithRSAEncryption);
    X509_free(x);
    EVP_PKEY_free(k);
    vpiv_free(card);
}

/* Same seed, same card: same attestation key and serial (ECDSA signatures still differ). */
static void test_attest_deterministic(void **state)
{
    vpiv_card *a = new_card(1003), *b = new_card(1003);
    X509 *xa, *xb;
    EVP_PKEY *fa, *fb;
    vt_rsp r;
    (void)state;
    vt_admin(a), vt_admin(b);
    assert_int_equal(vt_hex_apdu(a, "00 47 00 9A 05 AC 03 80 01 11", &r), 0x9000);
    assert_int_equal(vt_hex_apdu(b, "00 47 00 9A 05 AC 03 80 01 11", &r), 0x9000);
    xa = attest(a, 0x9A);
    xb = attest(b, 0x9A);
    fa = slot_pubkey(a, 0xF9);
    fb = slot_pubkey(b, 0xF9);
    assert_int_equal(EVP_PKEY_eq(fa, fb), 1);
    assert_int_equal(ASN1_INTEGER_cmp(X509_get0_serialNumber(xa), X509_get0_serialNumber(xb)),
                     0);
    assert_int_equal(ASN1_TIME_compare(X509_get0_notBefore(xa), X509_get0_notBefore(xb)), 0);
    assert_int_equal(X509_verify(xb, fa), 1);
    EVP_PKEY_free(fa), EVP_PKEY_free(fb);
    X509_free(xa), X509_free(xb);
    vpiv_free(a), vpiv_free(b);
}

/* The attestation key made on first use is saved with the card and reused after a reload. */
static void test_attestation_key_survives_reload(void **state)
{
    char dir[] = "/tmp/vpiv_att_XXXXXX", path[64];
    vpiv_card *card;
    EVP_PKEY *f9;
    X509 *x;
    vt_rsp r;
    (void)state;
    assert_non_null(mkdtemp(dir));
    (void)snprintf(path, sizeof path, "%s/card.state", dir);
    card = new_card_at(1004, path);
    vt_admin(card);
    assert_int_equal(vt_hex_apdu(card, "00 47 00 9A 05 AC 03 80 01 11", &r), 0x9000);
    X509_free(attest(card, 0x9A));
    f9 = slot_pubkey(card, 0xF9);
    vpiv_free(card);

    card = new_card_at(1005, path);
    x = attest(card, 0x9A);
    assert_int_equal(X509_verify(x, f9), 1);
    X509_free(x);
    EVP_PKEY_free(f9);
    vpiv_free(card);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attest_generated_keys),
        cmocka_unit_test(test_attest_rejects),
        cmocka_unit_test(test_attest_with_imported_f9),
        cmocka_unit_test(test_attest_deterministic),
        cmocka_unit_test(test_attestation_key_survives_reload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
