/* The public key of an X.509 certificate. OpenSSL makes real self-signed certificates and
 * states the key they hold; hand-built DER covers the shapes OpenSSL will not produce. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "piv.h"
#include "scarderr.h"
#include "tlv_buf.h"

/* ---- OpenSSL: keys and self-signed certificates ------------------------------------------ */

static unsigned char *self_signed(EVP_PKEY *key, const EVP_MD *md, size_t *len)
{
    X509 *x = X509_new();
    X509_NAME *name;
    unsigned char *der = NULL;
    int n;

    assert_non_null(x);
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234), 1);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
    name = X509_get_subject_name(x);
    assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                                (const unsigned char *)"cardhammer", -1, -1, 0),
                     1);
    assert_int_equal(X509_set_issuer_name(x, name), 1);
    assert_int_equal(X509_set_pubkey(x, key), 1);
    assert_true(X509_sign(x, key, md) > 0);
    n = i2d_X509(x, &der);
    assert_true(n > 0);
    X509_free(x);
    *len = (size_t)n;
    return der;
}

/* Parses an exact-size heap copy, so ASan sees any read past the end. */
static uint32_t parse(const uint8_t *der, size_t len, ch_piv_pubkey *pk)
{
    uint8_t *copy = malloc(len ? len : 1);
    uint32_t rc;
    assert_non_null(copy);
    if (len)
        memcpy(copy, der, len);
    rc = ch_piv_x509_pubkey(copy, len, pk);
    free(copy);
    return rc;
}

/* A refusal leaves *pk exactly as it was. */
static void assert_refused(const uint8_t *der, size_t len, uint32_t want)
{
    ch_piv_pubkey pk, before;
    memset(&pk, 0xEE, sizeof pk);
    before = pk;
    assert_int_equal(parse(der, len, &pk), want);
    assert_memory_equal(&pk, &before, sizeof pk);
}

/* Every proper prefix is malformed, and so is the certificate with one byte more. */
static void assert_truncations_refused(const uint8_t *der, size_t len)
{
    uint8_t *longer = malloc(len + 1);
    assert_non_null(longer);
    for (size_t cut = 0; cut < len; cut++)
        assert_refused(der, cut, SCARD_E_UNEXPECTED);
    memcpy(longer, der, len);
    longer[len] = 0x00;
    assert_refused(longer, len + 1, SCARD_E_UNEXPECTED);
    free(longer);
}

static void check_rsa(size_t bits, bool truncations)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);
    BIGNUM *n = NULL, *e = NULL;
    uint8_t want[CH_PIV_RSA_MAX_BYTES];
    unsigned char *der;
    size_t len;
    ch_piv_pubkey pk;

    assert_non_null(key);
    der = self_signed(key, EVP_sha256(), &len);
    assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e), 1);
    memset(&pk, 0xEE, sizeof pk);
    assert_int_equal(parse(der, len, &pk), SCARD_S_SUCCESS);
    assert_int_equal(pk.type, CH_PIV_KEY_RSA);
    assert_int_equal(pk.bits, bits);
    assert_int_equal(pk.bits, (size_t)BN_num_bits(n));
    assert_int_equal(pk.n_len, (size_t)BN_num_bytes(n));
    assert_int_equal(BN_bn2bin(n, want), BN_num_bytes(n));
    assert_memory_equal(pk.n, want, pk.n_len);
    assert_int_equal(pk.e, BN_get_word(e));
    assert_int_equal(pk.e, 65537);
    assert_int_equal(pk.point_len, 0); /* the rest of the structure is zeroed */
    if (truncations)
        assert_truncations_refused(der, len);
    BN_free(n);
    BN_free(e);
    OPENSSL_free(der);
    EVP_PKEY_free(key);
}

static void check_ec(const char *curve, ch_piv_key_type type, size_t bits)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
    uint8_t want[CH_PIV_EC_POINT_MAX + 1];
    unsigned char *der;
    size_t len, want_len = 0;
    ch_piv_pubkey pk;

    assert_non_null(key);
    der = self_signed(key, EVP_sha256(), &len);
    assert_int_equal(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, want,
                                                     sizeof want, &want_len),
                     1);
    assert_int_equal(want_len, 1 + 2 * bits / 8);
    assert_int_equal(parse(der, len, &pk), SCARD_S_SUCCESS);
    assert_int_equal(pk.type, type);
    assert_int_equal(pk.bits, bits);
    assert_int_equal(pk.point_len, want_len);
    assert_memory_equal(pk.point, want, want_len);
    assert_int_equal(pk.n_len, 0);
    assert_truncations_refused(der, len);
    OPENSSL_free(der);
    EVP_PKEY_free(key);
}

static void test_rsa_1024(void **state) { (void)state, check_rsa(1024, false); }
static void test_rsa_2048(void **state) { (void)state, check_rsa(2048, true); }
static void test_rsa_3072(void **state) { (void)state, check_rsa(3072, false); }
static void test_rsa_4096(void **state) { (void)state, check_rsa(4096, false); }
static void test_p256(void **state) { (void)state, check_ec("P-256", CH_PIV_KEY_P256, 256); }
static void test_p384(void **state) { (void)state, check_ec("P-384", CH_PIV_KEY_P384, 384); }

static void check_unsupported(EVP_PKEY *key, const EVP_MD *md)
{
    unsigned char *der;
    size_t len;
    assert_non_null(key);
    der = self_signed(key, md, &len);
    assert_refused(der, len, SCARD_E_UNSUPPORTED_FEATURE);
    /* malformed still wins over unsupported */
    assert_truncations_refused(der, len);
    OPENSSL_free(der);
    EVP_PKEY_free(key);
}

/* EVP_PKEY_Q_keygen sizes "RSA" only: RSA-PSS goes the long way. */
static EVP_PKEY *rsa_pss_key(void)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
    EVP_PKEY *key = NULL;
    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 1024), 1);
    assert_int_equal(EVP_PKEY_generate(ctx, &key), 1);
    EVP_PKEY_CTX_free(ctx);
    return key;
}

static void test_other_algorithms_unsupported(void **state)
{
    (void)state;
    check_unsupported(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521"), EVP_sha256());
    check_unsupported(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), NULL);
    check_unsupported(rsa_pss_key(), EVP_sha256());
}

/* ---- hand-built DER (tlv_buf.h) ------------------------------------------------------------ */

#define RAW(s) (const uint8_t *)(s), sizeof(s) - 1

/* Certificate { tbs { [0] v3, serial, sigalg, issuer, validity, subject, spki, extra },
 *               sigalg, signature } */
static void cert_of(buf *out, const buf *spki, const uint8_t *extra, size_t extra_len)
{
    buf tbs = {.n = 0}, cert = {.n = 0};
    static const char head[] = "\xA0\x03\x02\x01\x02"      /* version v3 */
                               "\x02\x01\x01"              /* serial */
                               "\x30\x03\x06\x01\x2A"      /* signature */
                               "\x30\x00\x30\x00\x30\x00"; /* issuer, validity, subject */
    put(&tbs, RAW(head));
    put(&tbs, spki->b, spki->n);
    put(&tbs, extra, extra_len);
    tlv(&cert, 0x30, tbs.b, tbs.n);
    put(&cert, RAW("\x30\x03\x06\x01\x2A\x03\x02\x00\x00"));
    out->n = 0;
    tlv(out, 0x30, cert.b, cert.n);
}

/* SPKI { AlgorithmIdentifier { alg [params] }, BIT STRING { unused, key } } */
static void spki_of(buf *out, const uint8_t *alg, size_t alg_len, const uint8_t *key,
                    size_t key_len, uint8_t unused)
{
    buf body = {.n = 0}, bits = {.n = 0};
    tlv(&body, 0x30, alg, alg_len);
    put(&bits, &unused, 1);
    put(&bits, key, key_len);
    tlv(&body, 0x03, bits.b, bits.n);
    out->n = 0;
    tlv(out, 0x30, body.b, body.n);
}

/* RSAPublicKey { INTEGER n, INTEGER e } from the INTEGERs' raw contents. */
static void rsa_key_of(buf *out, const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len)
{
    buf body = {.n = 0};
    tlv(&body, 0x02, n, n_len);
    tlv(&body, 0x02, e, e_len);
    out->n = 0;
    tlv(out, 0x30, body.b, body.n);
}

/* A modulus INTEGER's content: `lead` zero bytes, then `bytes` bytes starting with `top`,
 * ending with `low`. */
static size_t modulus(uint8_t *m, size_t lead, size_t bytes, uint8_t top, uint8_t low)
{
    memset(m, 0, lead);
    memset(m + lead, 0x5A, bytes);
    m[lead] = top;
    m[lead + bytes - 1] = low;
    return lead + bytes;
}

static uint32_t hand_rsa(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
                         ch_piv_pubkey *pk)
{
    buf key, spki, cert;
    static const char alg[] = "\x06\x09\x2A\x86\x48\x86\xF7\x0D\x01\x01\x01\x05\x00";
    rsa_key_of(&key, n, n_len, e, e_len);
    spki_of(&spki, RAW(alg), key.b, key.n, 0);
    cert_of(&cert, &spki, NULL, 0);
    return parse(cert.b, cert.n, pk);
}

static void test_hand_rsa_accepted(void **state)
{
    uint8_t n[600];
    size_t nl;
    ch_piv_pubkey pk;
    (void)state;
    nl = modulus(n, 1, 128, 0xC0, 0x01);
    assert_int_equal(hand_rsa(n, nl, RAW("\x01\x00\x01"), &pk), SCARD_S_SUCCESS);
    assert_int_equal(pk.type, CH_PIV_KEY_RSA);
    assert_int_equal(pk.bits, 1024);
    assert_int_equal(pk.n_len, 128);
    assert_memory_equal(pk.n, n + 1, 128);
    assert_int_equal(pk.e, 65537);
    /* boundaries: e = 3, e = 2^32 - 1, 1025 and 4096 bits, a top byte under 0x80 */
    assert_int_equal(hand_rsa(n, nl, RAW("\x03"), &pk), SCARD_S_SUCCESS);
    assert_int_equal(pk.e, 3);
    assert_int_equal(hand_rsa(n, nl, RAW("\x00\xFF\xFF\xFF\xFF"), &pk), SCARD_S_SUCCESS);
    assert_int_equal(pk.e, 0xFFFFFFFFu);
    nl = modulus(n, 0, 129, 0x01, 0x01);
    assert_int_equal(hand_rsa(n, nl, RAW("\x03"), &pk), SCARD_S_SUCCESS);
    assert_int_equal(pk.bits, 1025);
    assert_int_equal(pk.n_len, 129);
    nl = modulus(n, 1, 512, 0x80, 0x01);
    assert_int_equal(hand_rsa(n, nl, RAW("\x03"), &pk), SCARD_S_SUCCESS);
    assert_int_equal(pk.bits, 4096);
    assert_int_equal(pk.n_len, 512);
    assert_int_equal(pk.n[0], 0x80);
}

static void test_hand_rsa_refused(void **state)
{
    static const struct {
        const char *what;
        size_t lead, bytes;
        uint8_t top, low;
        const char *e;
        size_t e_len;
        uint32_t want;
    } cases[] = {
        {"n with a redundant zero", 2, 128, 0xC0, 0x01, "\x03", 1, SCARD_E_UNEXPECTED},
        {"n with a zero before a small byte", 1, 128, 0x40, 0x01, "\x03", 1,
         SCARD_E_UNEXPECTED},
        {"n negative", 0, 128, 0xC0, 0x01, "\x03", 1, SCARD_E_UNEXPECTED},
        {"n even", 1, 128, 0xC0, 0x02, "\x03", 1, SCARD_E_UNEXPECTED},
        {"e non-minimal", 1, 128, 0xC0, 0x01, "\x00\x01\x00\x01", 4, SCARD_E_UNEXPECTED},
        {"e negative", 1, 128, 0xC0, 0x01, "\x81", 1, SCARD_E_UNEXPECTED},
        {"e empty", 1, 128, 0xC0, 0x01, "", 0, SCARD_E_UNEXPECTED},
        {"e zero", 1, 128, 0xC0, 0x01, "\x00", 1, SCARD_E_UNEXPECTED},
        {"e = 2^33 + 1", 1, 128, 0xC0, 0x01, "\x02\x00\x00\x00\x01", 5,
         SCARD_E_UNSUPPORTED_FEATURE},
        {"e = 2^32 + 1", 1, 128, 0xC0, 0x01, "\x01\x00\x00\x00\x01", 5,
         SCARD_E_UNSUPPORTED_FEATURE},
        {"e = 1", 1, 128, 0xC0, 0x01, "\x01", 1, SCARD_E_UNSUPPORTED_FEATURE},
        {"e = 2", 1, 128, 0xC0, 0x01, "\x02", 1, SCARD_E_UNSUPPORTED_FEATURE},
        {"e = 65536", 1, 128, 0xC0, 0x01, "\x01\x00\x00", 3, SCARD_E_UNSUPPORTED_FEATURE},
        {"n of 1023 bits", 0, 128, 0x7F, 0x01, "\x03", 1, SCARD_E_UNSUPPORTED_FEATURE},
        {"n of 4097 bits", 0, 513, 0x01, 0x01, "\x03", 1, SCARD_E_UNSUPPORTED_FEATURE},
        {"n of 512 bits", 1, 64, 0xC0, 0x01, "\x03", 1, SCARD_E_UNSUPPORTED_FEATURE},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t n[600];
        size_t nl = modulus(n, cases[i].lead, cases[i].bytes, cases[i].top, cases[i].low);
        ch_piv_pubkey pk, before;
        print_message("case: %s\n", cases[i].what);
        memset(&pk, 0xEE, sizeof pk);
        before = pk;
        assert_int_equal(hand_rsa(n, nl, (const uint8_t *)cases[i].e, cases[i].e_len, &pk),
                         cases[i].want);
        assert_memory_equal(&pk, &before, sizeof pk);
    }
}

/* Hand-built SPKIs around a valid RSA or EC key: which framing errors are caught where. */
static void test_hand_spki_shapes(void **state)
{
    uint8_t n[200], pt[100];
    buf rsa, rsa_extra, spki, cert;
    size_t nl = modulus(n, 1, 128, 0xC0, 0x01);
    static const struct {
        const char *what;
        const char *alg;
        size_t alg_len;
        int key; /* 0 RSA, 1 RSA + trailing byte, 2 P-256 point, 3 compressed, 4 short point,
                    5 point 00, 6 P-384 point, 7 RSA SEQUENCE with 3 INTEGERs, 8 none */
        uint8_t unused;
        uint32_t want;
    } cases[] = {
#define ALG(s) s, sizeof(s) - 1
        {"RSA without parameters", ALG("\x06\x09\x2A\x86\x48\x86\xF7\x0D\x01\x01\x01"), 0, 0,
         SCARD_S_SUCCESS},
        {"RSA with INTEGER parameters", ALG("\x06\x09\x2A\x86\x48\x86\xF7\x0D\x01\x01\x01\x02"
                                            "\x01\x00"),
         0, 0, SCARD_E_UNEXPECTED},
        {"RSA with a non-empty NULL", ALG("\x06\x09\x2A\x86\x48\x86\xF7\x0D\x01\x01\x01\x05"
                                          "\x01\x00"),
         0, 0, SCARD_E_UNEXPECTED},
        {"RSA with NULL and more", ALG("\x06\x09\x2A\x86\x48\x86\xF7\x0D\x01\x01\x01\x05\x00"
                                       "\x05\x00"),
         0, 0, SCARD_E_UNEXPECTED},
        {"RSA, bit string with unused bits", ALG("\x06\x09\x2A\x86\x48\x86\xF7\x0D\x01\x01\x01"
                                                 "\x05\x00"),
         0, 1, SCARD_E_UNEXPECTED},
        {"RSA, byte after RSAPublicKey", ALG("\x06\x09\x2A\x86\x48\x86\xF7\x0D\x01\x01\x01\x05"
                                             "\x00"),
         1, 0, SCARD_E_UNEXPECTED},
        {"RSA, three INTEGERs", ALG("\x06\x09\x2A\x86\x48\x86\xF7\x0D\x01\x01\x01\x05\x00"), 7,
         0, SCARD_E_UNEXPECTED},
        {"RSA OID with an EC point", ALG("\x06\x09\x2A\x86\x48\x86\xF7\x0D\x01\x01\x01\x05"
                                         "\x00"),
         2, 0, SCARD_E_UNEXPECTED},
        {"empty OID", ALG("\x06\x00"), 0, 0, SCARD_E_UNEXPECTED},
        {"OID cut in a sub-identifier", ALG("\x06\x02\x2A\x86"), 0, 0, SCARD_E_UNEXPECTED},
        {"algorithm not an OID", ALG("\x04\x01\x2A"), 0, 0, SCARD_E_UNEXPECTED},
        {"no algorithm", ALG(""), 0, 0, SCARD_E_UNEXPECTED},
        {"Ed25519", ALG("\x06\x03\x2B\x65\x70"), 0, 0, SCARD_E_UNSUPPORTED_FEATURE},
        {"Ed25519, unused bits", ALG("\x06\x03\x2B\x65\x70"), 0, 1,
         SCARD_E_UNSUPPORTED_FEATURE},
        {"Ed25519, 8 unused bits", ALG("\x06\x03\x2B\x65\x70"), 0, 8, SCARD_E_UNEXPECTED},
        {"Ed25519, unused bits, no content", ALG("\x06\x03\x2B\x65\x70"), 8, 1,
         SCARD_E_UNEXPECTED},
        {"RSA, bit string without content", ALG("\x06\x09\x2A\x86\x48\x86\xF7\x0D\x01\x01"
                                                "\x01\x05\x00"),
         8, 0, SCARD_E_UNEXPECTED},
        {"DSA with parameters", ALG("\x06\x07\x2A\x86\x48\xCE\x38\x04\x01\x30\x00"), 0, 0,
         SCARD_E_UNSUPPORTED_FEATURE},
        {"unknown OID, two parameters", ALG("\x06\x03\x2B\x65\x70\x05\x00\x05\x00"), 0, 0,
         SCARD_E_UNEXPECTED},
        {"P-256", ALG("\x06\x07\x2A\x86\x48\xCE\x3D\x02\x01\x06\x08\x2A\x86\x48\xCE\x3D\x03\x01"
                      "\x07"),
         2, 0, SCARD_S_SUCCESS},
        {"P-384", ALG("\x06\x07\x2A\x86\x48\xCE\x3D\x02\x01\x06\x05\x2B\x81\x04\x00\x22"), 6, 0,
         SCARD_S_SUCCESS},
        {"P-256 compressed", ALG("\x06\x07\x2A\x86\x48\xCE\x3D\x02\x01\x06\x08\x2A\x86\x48\xCE"
                                 "\x3D\x03\x01\x07"),
         3, 0, SCARD_E_UNSUPPORTED_FEATURE},
        {"P-256 short point", ALG("\x06\x07\x2A\x86\x48\xCE\x3D\x02\x01\x06\x08\x2A\x86\x48\xCE"
                                  "\x3D\x03\x01\x07"),
         4, 0, SCARD_E_UNEXPECTED},
        {"P-256 point at infinity", ALG("\x06\x07\x2A\x86\x48\xCE\x3D\x02\x01\x06\x08\x2A\x86"
                                        "\x48\xCE\x3D\x03\x01\x07"),
         5, 0, SCARD_E_UNEXPECTED},
        {"P-256 OID, P-384 point", ALG("\x06\x07\x2A\x86\x48\xCE\x3D\x02\x01\x06\x08\x2A\x86"
                                       "\x48\xCE\x3D\x03\x01\x07"),
         6, 0, SCARD_E_UNEXPECTED},
        {"P-384 OID, P-256 point", ALG("\x06\x07\x2A\x86\x48\xCE\x3D\x02\x01\x06\x05\x2B\x81"
                                       "\x04\x00\x22"),
         2, 0, SCARD_E_UNEXPECTED},
        {"P-256, unused bits", ALG("\x06\x07\x2A\x86\x48\xCE\x3D\x02\x01\x06\x08\x2A\x86\x48"
                                   "\xCE\x3D\x03\x01\x07"),
         2, 1, SCARD_E_UNEXPECTED},
        {"EC without parameters", ALG("\x06\x07\x2A\x86\x48\xCE\x3D\x02\x01"), 2, 0,
         SCARD_E_UNEXPECTED},
        {"EC implicitCurve", ALG("\x06\x07\x2A\x86\x48\xCE\x3D\x02\x01\x05\x00"), 2, 0,
         SCARD_E_UNSUPPORTED_FEATURE},
        {"EC specifiedCurve", ALG("\x06\x07\x2A\x86\x48\xCE\x3D\x02\x01\x30\x00"), 2, 0,
         SCARD_E_UNSUPPORTED_FEATURE},
        {"EC curve P-521", ALG("\x06\x07\x2A\x86\x48\xCE\x3D\x02\x01\x06\x05\x2B\x81\x04\x00"
                               "\x23"),
         2, 0, SCARD_E_UNSUPPORTED_FEATURE},
        {"EC curve parameter not an OID", ALG("\x06\x07\x2A\x86\x48\xCE\x3D\x02\x01\x04\x00"),
         2, 0, SCARD_E_UNEXPECTED},
        {"EC curve OID empty", ALG("\x06\x07\x2A\x86\x48\xCE\x3D\x02\x01\x06\x00"), 2, 0,
         SCARD_E_UNEXPECTED},
        {"EC two parameters", ALG("\x06\x07\x2A\x86\x48\xCE\x3D\x02\x01\x06\x05\x2B\x81\x04"
                                  "\x00\x22\x05\x00"),
         6, 0, SCARD_E_UNEXPECTED},
#undef ALG
    };
    (void)state;
    rsa_key_of(&rsa, n, nl, RAW("\x01\x00\x01"));
    rsa_extra = rsa;
    put(&rsa_extra, "\x00", 1);
    for (size_t i = 0; i < sizeof pt; i++)
        pt[i] = (uint8_t)(0xA0 + i);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const uint8_t *key = rsa.b;
        size_t key_len = rsa.n;
        buf three = {.n = 0};
        ch_piv_pubkey pk, before;
        print_message("case: %s\n", cases[i].what);
        switch (cases[i].key) {
        case 1:
            key = rsa_extra.b, key_len = rsa_extra.n;
            break;
        case 2:
            pt[0] = 0x04, key = pt, key_len = 65;
            break;
        case 3:
            pt[0] = 0x02, key = pt, key_len = 33;
            break;
        case 4:
            pt[0] = 0x04, key = pt, key_len = 64;
            break;
        case 5:
            pt[0] = 0x00, key = pt, key_len = 1;
            break;
        case 6:
            pt[0] = 0x04, key = pt, key_len = 97;
            break;
        case 7: {
            buf body = {.n = 0};
            tlv(&body, 0x02, n, nl);
            tlv(&body, 0x02, "\x03", 1);
            tlv(&body, 0x02, "\x03", 1);
            tlv(&three, 0x30, body.b, body.n);
            key = three.b, key_len = three.n;
            break;
        }
        case 8:
            key = NULL, key_len = 0;
            break;
        default:
            break;
        }
        spki_of(&spki, (const uint8_t *)cases[i].alg, cases[i].alg_len, key, key_len,
                cases[i].unused);
        cert_of(&cert, &spki, NULL, 0);
        memset(&pk, 0xEE, sizeof pk);
        before = pk;
        assert_int_equal(parse(cert.b, cert.n, &pk), cases[i].want);
        if (cases[i].want != SCARD_S_SUCCESS) {
            assert_memory_equal(&pk, &before, sizeof pk);
        } else if (cases[i].key == 2 || cases[i].key == 6) {
            assert_int_equal(pk.point_len, key_len);
            assert_memory_equal(pk.point, key, key_len);
            assert_int_equal(pk.bits, key_len == 65 ? 256 : 384);
        }
    }
}

/* Framing of Certificate and TBSCertificate around a valid SPKI. */
static void test_hand_certificate_shapes(void **state)
{
    uint8_t n[200];
    buf key, spki, cert, tbs, body;
    size_t nl = modulus(n, 1, 128, 0xC0, 0x01);
    ch_piv_pubkey pk;
    static const char alg[] = "\x06\x09\x2A\x86\x48\x86\xF7\x0D\x01\x01\x01\x05\x00";
    (void)state;
    rsa_key_of(&key, n, nl, RAW("\x01\x00\x01"));
    spki_of(&spki, RAW(alg), key.b, key.n, 0);

    /* extensions and unique IDs after the SPKI are skipped */
    cert_of(&cert, &spki, RAW("\xA1\x01\x00\xA3\x02\x30\x00"));
    assert_int_equal(parse(cert.b, cert.n, &pk), SCARD_S_SUCCESS);
    assert_int_equal(pk.bits, 1024);
    /* ... but must be well-formed */
    cert_of(&cert, &spki, RAW("\xA3\x05\x30\x00"));
    assert_refused(cert.b, cert.n, SCARD_E_UNEXPECTED);
    cert_of(&cert, &spki, RAW("\xA3"));
    assert_refused(cert.b, cert.n, SCARD_E_UNEXPECTED);

    /* the certificate of a v1 certificate has no [0] version */
    tbs.n = 0;
    put(&tbs, RAW("\x02\x01\x01\x30\x03\x06\x01\x2A\x30\x00\x30\x00\x30\x00"));
    put(&tbs, spki.b, spki.n);
    body.n = 0;
    tlv(&body, 0x30, tbs.b, tbs.n);
    put(&body, RAW("\x30\x03\x06\x01\x2A\x03\x02\x00\x00"));
    cert.n = 0;
    tlv(&cert, 0x30, body.b, body.n);
    assert_int_equal(parse(cert.b, cert.n, &pk), SCARD_S_SUCCESS);
    assert_truncations_refused(cert.b, cert.n);

    static const struct {
        const char *what, *head;
        size_t len;
    } heads[] = {
        {"version not an INTEGER", "\xA0\x03\x04\x01\x02\x02\x01\x01\x30\x03\x06\x01\x2A\x30\x00"
                                   "\x30\x00\x30\x00",
         20},
        {"version with two INTEGERs", "\xA0\x06\x02\x01\x02\x02\x01\x02\x02\x01\x01\x30\x03\x06"
                                      "\x01\x2A\x30\x00\x30\x00\x30\x00",
         23},
        {"version empty INTEGER", "\xA0\x02\x02\x00\x02\x01\x01\x30\x03\x06\x01\x2A\x30\x00\x30"
                                  "\x00\x30\x00",
         19},
        {"no serial", "\xA0\x03\x02\x01\x02\x30\x03\x06\x01\x2A\x30\x00\x30\x00\x30\x00", 17},
        {"empty serial", "\xA0\x03\x02\x01\x02\x02\x00\x30\x03\x06\x01\x2A\x30\x00\x30\x00\x30"
                         "\x00",
         19},
        {"no subject", "\xA0\x03\x02\x01\x02\x02\x01\x01\x30\x03\x06\x01\x2A\x30\x00\x30\x00",
         18},
        {"issuer not a SEQUENCE", "\xA0\x03\x02\x01\x02\x02\x01\x01\x30\x03\x06\x01\x2A\x31\x00"
                                  "\x30\x00\x30\x00",
         20},
    };
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        print_message("case: %s\n", heads[i].what);
        tbs.n = 0;
        put(&tbs, (const uint8_t *)heads[i].head, heads[i].len);
        put(&tbs, spki.b, spki.n);
        body.n = 0;
        tlv(&body, 0x30, tbs.b, tbs.n);
        put(&body, RAW("\x30\x03\x06\x01\x2A\x03\x02\x00\x00"));
        cert.n = 0;
        tlv(&cert, 0x30, body.b, body.n);
        assert_refused(cert.b, cert.n, SCARD_E_UNEXPECTED);
    }

    /* outer framing: wrong tags, missing or extra parts */
    cert_of(&cert, &spki, NULL, 0);
    cert.b[0] = 0x31;
    assert_refused(cert.b, cert.n, SCARD_E_UNEXPECTED);
    cert_of(&cert, &spki, NULL, 0);
    assert_int_equal(cert.b[1], 0x81); /* 30 81 len, then tbsCertificate's tag */
    cert.b[3] = 0x31;
    assert_refused(cert.b, cert.n, SCARD_E_UNEXPECTED);
    tbs.n = 0;
    put(&tbs, RAW("\xA0\x03\x02\x01\x02\x02\x01\x01\x30\x03\x06\x01\x2A\x30\x00\x30\x00\x30"
                  "\x00"));
    put(&tbs, spki.b, spki.n);
    static const struct {
        const char *what, *tail;
        size_t len;
    } tails[] = {
        {"no signature", "\x30\x03\x06\x01\x2A", 5},
        {"nothing after tbs", "", 0},
        {"signature not a BIT STRING", "\x30\x03\x06\x01\x2A\x04\x02\x00\x00", 9},
        {"signature algorithm not a SEQUENCE", "\x31\x03\x06\x01\x2A\x03\x02\x00\x00", 9},
        {"something after the signature", "\x30\x03\x06\x01\x2A\x03\x02\x00\x00\x05\x00", 11},
    };
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        print_message("case: %s\n", tails[i].what);
        body.n = 0;
        tlv(&body, 0x30, tbs.b, tbs.n);
        put(&body, (const uint8_t *)tails[i].tail, tails[i].len);
        cert.n = 0;
        tlv(&cert, 0x30, body.b, body.n);
        assert_refused(cert.b, cert.n, SCARD_E_UNEXPECTED);
    }
    /* a BIT STRING without even its unused-bits byte */
    body.n = 0;
    tlv(&body, 0x30, alg, sizeof alg - 1);
    put(&body, RAW("\x03\x00"));
    spki.n = 0;
    tlv(&spki, 0x30, body.b, body.n);
    cert_of(&cert, &spki, NULL, 0);
    assert_refused(cert.b, cert.n, SCARD_E_UNEXPECTED);
    spki_of(&spki, RAW(alg), key.b, key.n, 0);

    /* an indefinite outer length is BER, not DER */
    cert_of(&cert, &spki, NULL, 0);
    cert.b[1] = 0x80;
    assert_refused(cert.b, cert.n, SCARD_E_UNEXPECTED);
    assert_refused(NULL, 0, SCARD_E_UNEXPECTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rsa_1024),
        cmocka_unit_test(test_rsa_2048),
        cmocka_unit_test(test_rsa_3072),
        cmocka_unit_test(test_rsa_4096),
        cmocka_unit_test(test_p256),
        cmocka_unit_test(test_p384),
        cmocka_unit_test(test_other_algorithms_unsupported),
        cmocka_unit_test(test_hand_rsa_accepted),
        cmocka_unit_test(test_hand_rsa_refused),
        cmocka_unit_test(test_hand_spki_shapes),
        cmocka_unit_test(test_hand_certificate_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
