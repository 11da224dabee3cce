#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/x509.h>
#include <zlib.h>

#include "conf_card.h"
#include "vpiv_test_apdu.h"

vpiv_card *conf_card_new(uint64_t seed)
{
    vpiv_card *card = vt_new_card(seed, true, NULL);
    assert_non_null(card);
    vt_admin(card);
    return card;
}

static size_t ber_len(uint8_t *out, size_t n)
{
    if (n < 0x80) {
        out[0] = (uint8_t)n;
        return 1;
    }
    if (n < 0x100) {
        out[0] = 0x81;
        out[1] = (uint8_t)n;
        return 2;
    }
    out[0] = 0x82;
    out[1] = (uint8_t)(n >> 8);
    out[2] = (uint8_t)n;
    return 3;
}

static size_t tlv(uint8_t *out, unsigned tag, const uint8_t *v, size_t n)
{
    size_t o = 0;
    if (tag > 0xFF)
        out[o++] = (uint8_t)(tag >> 8);
    out[o++] = (uint8_t)tag;
    o += ber_len(out + o, n);
    if (n)
        memcpy(out + o, v, n);
    return o + n;
}

static void put_bn(uint8_t *out, size_t *len, unsigned tag, const EVP_PKEY *k, const char *name,
                   size_t width)
{
    BIGNUM *v = NULL;
    uint8_t buf[512];
    assert_int_equal(EVP_PKEY_get_bn_param(k, name, &v), 1);
    assert_int_equal(BN_bn2binpad(v, buf, (int)width), (int)width);
    BN_clear_free(v);
    *len += tlv(out + *len, tag, buf, width);
}

EVP_PKEY *conf_card_import(vpiv_card *card, uint8_t slot, const char *kind)
{
    static const char *const rsa_names[5] = {
        OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    uint8_t data[1600];
    size_t len = 0;
    uint8_t alg;
    EVP_PKEY *k;
    vt_rsp r;

    if (strncmp(kind, "rsa", 3) == 0) {
        size_t bits = (size_t)atoi(kind + 3);
        alg = bits == 1024 ? 0x06 : bits == 2048 ? 0x07 : bits == 3072 ? 0x05 : 0x16;
        k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);
        assert_non_null(k);
        for (unsigned i = 0; i < 5; i++)
            put_bn(data, &len, i + 1, k, rsa_names[i], bits / 16);
    } else {
        bool p256 = strcmp(kind, "p256") == 0;
        alg = p256 ? 0x11 : 0x14;
        k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", p256 ? "P-256" : "P-384");
        assert_non_null(k);
        put_bn(data, &len, 0x06, k, OSSL_PKEY_PARAM_PRIV_KEY, p256 ? 32 : 48);
    }
    assert_int_equal(vt_xfer(card, 0xFE, alg, slot, data, len, &r), 0x9000);
    memset(data, 0, sizeof data);
    return k;
}

void conf_make_cert(EVP_PKEY *key, const char *cn, uint8_t **der, size_t *len)
{
    X509 *x = X509_new();
    X509_NAME *name;
    unsigned char *p = NULL;
    int n;

    assert_non_null(x);
    assert_int_equal(X509_set_version(x, 2), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 4242), 1);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365));
    assert_int_equal(X509_set_pubkey(x, key), 1);
    name = X509_get_subject_name(x);
    assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                                (const unsigned char *)cn, -1, -1, 0), 1);
    assert_int_equal(X509_set_issuer_name(x, name), 1);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    n = i2d_X509(x, &p);
    assert_true(n > 0);
    *der = malloc((size_t)n);
    assert_non_null(*der);
    memcpy(*der, p, (size_t)n);
    *len = (size_t)n;
    OPENSSL_free(p);
    X509_free(x);
}

void conf_card_put(vpiv_card *card, uint32_t tag, const uint8_t *content, size_t len)
{
    uint8_t *data = malloc(len + 16);
    size_t o = 0;
    vt_rsp r;

    assert_non_null(data);
    data[o++] = 0x5C;
    data[o++] = 3;
    data[o++] = (uint8_t)(tag >> 16);
    data[o++] = (uint8_t)(tag >> 8);
    data[o++] = (uint8_t)tag;
    o += tlv(data + o, 0x53, content, len);
    assert_int_equal(vt_xfer(card, 0xDB, 0x3F, 0xFF, data, o, &r), 0x9000);
    free(data);
}

static uint32_t cert_tag(uint8_t slot)
{
    switch (slot) {
    case 0x9A: return 0x5FC105;
    case 0x9C: return 0x5FC10A;
    case 0x9D: return 0x5FC10B;
    case 0x9E: return 0x5FC101;
    default: return 0x5FC10Du + (uint32_t)(slot - 0x82);
    }
}

void conf_card_put_cert(vpiv_card *card, uint8_t slot, const uint8_t *der, size_t len, bool gzip)
{
    uint8_t *obj = malloc(len + 64), *z = malloc(len + 64);
    const uint8_t *body = der;
    size_t body_len = len, o = 0;
    uint8_t info = gzip ? 1 : 0;

    assert_non_null(obj);
    assert_non_null(z);
    if (gzip) {
        z_stream s;
        memset(&s, 0, sizeof s);
        assert_int_equal(deflateInit2(&s, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
        s.next_in = (Bytef *)der;
        s.avail_in = (uInt)len;
        s.next_out = z;
        s.avail_out = (uInt)(len + 64);
        assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
        body_len = s.total_out;
        deflateEnd(&s);
        body = z;
    }
    o += tlv(obj + o, 0x70, body, body_len);
    o += tlv(obj + o, 0x71, &info, 1);
    o += tlv(obj + o, 0xFE, NULL, 0);
    conf_card_put(card, cert_tag(slot), obj, o);
    free(obj);
    free(z);
}

EVP_PKEY *conf_card_key_and_cert(vpiv_card *card, uint8_t slot, const char *kind, bool gzip,
                                 uint8_t **der, size_t *der_len)
{
    EVP_PKEY *k = conf_card_import(card, slot, kind);
    conf_make_cert(k, kind, der, der_len);
    conf_card_put_cert(card, slot, *der, *der_len, gzip);
    return k;
}
