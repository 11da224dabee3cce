/* CONTAINER_INFO public-key blobs: exact bytes for small hand-made keys, a real RSA key read
 * back by OpenSSL's MSBLOB decoder, every refusal, and the CSP allocator's bookkeeping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>

#include "host.h"
#include "md_pubkey.h"

#define RAW(s) (const uint8_t *)(s), sizeof(s) - 1
#define UNTOUCHED ((PBYTE)(uintptr_t)0x5A5A5A5Au)

static CARD_DATA cd;

static int setup(void **state)
{
    (void)state;
    memset(&cd, 0, sizeof cd);
    cd.pfnCspAlloc = ch_host_alloc;
    cd.pfnCspReAlloc = ch_host_realloc;
    cd.pfnCspFree = ch_host_free;
    ch_host_alloc_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(ch_host_alloc_live(), 0);
    assert_int_equal(ch_host_alloc_errors(), 0);
    ch_host_alloc_reset();
    return 0;
}

static ch_piv_pubkey rsa_key(const uint8_t *n, size_t n_len, size_t bits, uint32_t e)
{
    ch_piv_pubkey pk;
    memset(&pk, 0, sizeof pk);
    pk.type = CH_PIV_KEY_RSA;
    pk.bits = bits;
    memcpy(pk.n, n, n_len);
    pk.n_len = n_len;
    pk.e = e;
    return pk;
}

static ch_piv_pubkey ec_key(ch_piv_key_type type, size_t f)
{
    ch_piv_pubkey pk;
    memset(&pk, 0, sizeof pk);
    pk.type = type;
    pk.bits = 8 * f;
    pk.point[0] = 0x04;
    for (size_t i = 1; i <= 2 * f; i++)
        pk.point[i] = (uint8_t)i;
    pk.point_len = 1 + 2 * f;
    return pk;
}

/* Builds the blob and checks it is exactly want; frees it. */
static void assert_blob(const ch_piv_pubkey *pk, DWORD spec, const uint8_t *want, size_t len)
{
    PBYTE out = NULL;
    DWORD out_len = 0;
    assert_int_equal(ch_md_pubkey_blob(&cd, pk, spec, &out, &out_len), SCARD_S_SUCCESS);
    assert_non_null(out);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, want, len);
    assert_int_equal(ch_host_alloc_live(), 1);
    ch_host_free(out);
}

/* A refusal allocates nothing and leaves the outputs as they were. */
static void assert_refused(PCARD_DATA c, const ch_piv_pubkey *pk, DWORD spec, DWORD want)
{
    PBYTE out = UNTOUCHED;
    DWORD out_len = 0xA5A5A5A5u;
    unsigned long before = ch_host_alloc_count();
    assert_int_equal(ch_md_pubkey_blob(c, pk, spec, &out, &out_len), want);
    assert_ptr_equal(out, UNTOUCHED);
    assert_int_equal(out_len, 0xA5A5A5A5u);
    assert_int_equal(ch_host_alloc_live(), 0);
    if (want != SCARD_E_NO_MEMORY)
        assert_int_equal(ch_host_alloc_count(), before);
}

static void test_rsa_exact_bytes(void **state)
{
    ch_piv_pubkey pk = rsa_key(RAW("\xC5\x01"), 16, 3);
    (void)state;
    assert_blob(&pk, AT_KEYEXCHANGE,
                RAW("\x06\x02\x00\x00\x00\xA4\x00\x00" /* PUBLICKEYBLOB, v2, CALG_RSA_KEYX */
                    "RSA1\x10\x00\x00\x00\x03\x00\x00\x00" /* magic, 16 bits, e = 3 */
                    "\x01\xC5"));                            /* modulus little-endian */
    assert_blob(&pk, AT_SIGNATURE,
                RAW("\x06\x02\x00\x00\x00\x24\x00\x00RSA1\x10\x00\x00\x00\x03\x00\x00\x00"
                    "\x01\xC5"));
    /* 17 bits in 3 bytes; e needs all four bytes of the DWORD */
    pk = rsa_key(RAW("\x01\x23\x45"), 17, 0x89ABCDEFu);
    assert_blob(&pk, AT_KEYEXCHANGE,
                RAW("\x06\x02\x00\x00\x00\xA4\x00\x00RSA1\x11\x00\x00\x00\xEF\xCD\xAB\x89"
                    "\x45\x23\x01"));
}

static void test_ec_exact_bytes(void **state)
{
    static const struct {
        ch_piv_key_type type;
        size_t f;
        DWORD spec;
        const char *head;
    } cases[] = {
        {CH_PIV_KEY_P256, 32, AT_ECDSA_P256, "ECS1\x20\x00\x00\x00"},
        {CH_PIV_KEY_P256, 32, AT_ECDHE_P256, "ECK1\x20\x00\x00\x00"},
        {CH_PIV_KEY_P384, 48, AT_ECDSA_P384, "ECS3\x30\x00\x00\x00"},
        {CH_PIV_KEY_P384, 48, AT_ECDHE_P384, "ECK3\x30\x00\x00\x00"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ch_piv_pubkey pk = ec_key(cases[i].type, cases[i].f);
        uint8_t want[8 + 96];
        memcpy(want, cases[i].head, 8);
        for (size_t j = 0; j < 2 * cases[i].f; j++)
            want[8 + j] = (uint8_t)(j + 1); /* X || Y, big-endian, without the 04 */
        assert_blob(&pk, cases[i].spec, want, 8 + 2 * cases[i].f);
    }
    /* the magics as the header spells them */
    assert_int_equal(BCRYPT_ECDSA_PUBLIC_P256_MAGIC, 0x31534345u);
    assert_int_equal(BCRYPT_ECDH_PUBLIC_P384_MAGIC, 0x334B4345u);
}

static void test_keyspec_must_fit(void **state)
{
    ch_piv_pubkey rsa = rsa_key(RAW("\xC5\x01"), 16, 3);
    ch_piv_pubkey p256 = ec_key(CH_PIV_KEY_P256, 32), p384 = ec_key(CH_PIV_KEY_P384, 48);
    static const DWORD not_rsa[] = {0,
                                    AT_ECDSA_P256,
                                    AT_ECDSA_P384,
                                    AT_ECDSA_P521,
                                    AT_ECDHE_P256,
                                    AT_ECDHE_P384,
                                    AT_ECDHE_P521,
                                    9,
                                    0xFFFFFFFFu};
    static const DWORD not_p256[] = {0, AT_KEYEXCHANGE, AT_SIGNATURE, AT_ECDSA_P384,
                                     AT_ECDHE_P384, AT_ECDSA_P521, AT_ECDHE_P521, 9};
    static const DWORD not_p384[] = {0, AT_KEYEXCHANGE, AT_SIGNATURE, AT_ECDSA_P256,
                                     AT_ECDHE_P256, AT_ECDSA_P521, AT_ECDHE_P521, 9};
    (void)state;
    for (size_t i = 0; i < sizeof not_rsa / sizeof not_rsa[0]; i++)
        assert_refused(&cd, &rsa, not_rsa[i], SCARD_E_INVALID_PARAMETER);
    for (size_t i = 0; i < sizeof not_p256 / sizeof not_p256[0]; i++)
        assert_refused(&cd, &p256, not_p256[i], SCARD_E_INVALID_PARAMETER);
    for (size_t i = 0; i < sizeof not_p384 / sizeof not_p384[0]; i++)
        assert_refused(&cd, &p384, not_p384[i], SCARD_E_INVALID_PARAMETER);
}

static void test_inconsistent_keys_refused(void **state)
{
    ch_piv_pubkey pk;
    CARD_DATA no_alloc;
    PBYTE out;
    DWORD len;
    (void)state;
#define BAD_RSA(stmt)                                                                          \
    do {                                                                                       \
        pk = rsa_key(RAW("\xC5\x01"), 16, 3);                                                  \
        stmt;                                                                                  \
        assert_refused(&cd, &pk, AT_KEYEXCHANGE, SCARD_E_INVALID_PARAMETER);                   \
    } while (0)
    BAD_RSA(pk.bits = 17);    /* 17 bits need 3 bytes */
    BAD_RSA(pk.bits = 8);     /* 8 bits are 1 byte */
    BAD_RSA(pk.bits = 0);
    BAD_RSA(pk.n[0] = 0x00);  /* a leading zero byte */
    BAD_RSA(pk.e = 0);
    BAD_RSA((pk.n_len = 513, pk.bits = 4104)); /* larger than the structure holds */
#undef BAD_RSA
#define BAD_EC(type, f, spec, stmt)                                                            \
    do {                                                                                       \
        pk = ec_key(type, f);                                                                  \
        stmt;                                                                                  \
        assert_refused(&cd, &pk, spec, SCARD_E_INVALID_PARAMETER);                             \
    } while (0)
    BAD_EC(CH_PIV_KEY_P256, 32, AT_ECDSA_P256, pk.point_len = 64);
    BAD_EC(CH_PIV_KEY_P256, 32, AT_ECDSA_P256, pk.point[0] = 0x02);
    BAD_EC(CH_PIV_KEY_P256, 32, AT_ECDSA_P256, pk.bits = 384);
    BAD_EC(CH_PIV_KEY_P384, 48, AT_ECDHE_P384, pk.point_len = 65);
    BAD_EC(CH_PIV_KEY_P384, 48, AT_ECDHE_P384, pk.type = CH_PIV_KEY_NONE);
    BAD_EC(CH_PIV_KEY_P384, 48, AT_ECDHE_P384, pk.type = (ch_piv_key_type)7);
#undef BAD_EC

    pk = ec_key(CH_PIV_KEY_P256, 32);
    assert_refused(NULL, &pk, AT_ECDSA_P256, SCARD_E_INVALID_PARAMETER);
    assert_refused(&cd, NULL, AT_ECDSA_P256, SCARD_E_INVALID_PARAMETER);
    no_alloc = cd;
    no_alloc.pfnCspAlloc = NULL;
    assert_refused(&no_alloc, &pk, AT_ECDSA_P256, SCARD_E_INVALID_PARAMETER);
    len = 7;
    assert_int_equal(ch_md_pubkey_blob(&cd, &pk, AT_ECDSA_P256, NULL, &len),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(len, 7);
    out = UNTOUCHED;
    assert_int_equal(ch_md_pubkey_blob(&cd, &pk, AT_ECDSA_P256, &out, NULL),
                     SCARD_E_INVALID_PARAMETER);
    assert_ptr_equal(out, UNTOUCHED);
    assert_int_equal(ch_host_alloc_count(), 0);
}

static void test_allocation_failure(void **state)
{
    ch_piv_pubkey rsa = rsa_key(RAW("\xC5\x01"), 16, 3), ec = ec_key(CH_PIV_KEY_P384, 48);
    (void)state;
    ch_host_alloc_fail_at(1);
    assert_refused(&cd, &rsa, AT_SIGNATURE, SCARD_E_NO_MEMORY);
    ch_host_alloc_fail_at(1);
    assert_refused(&cd, &ec, AT_ECDSA_P384, SCARD_E_NO_MEMORY);
    ch_host_alloc_fail_at(0);
    assert_int_equal(ch_host_alloc_count(), 2); /* one attempt each, both refused */
}

/* The blob of a real RSA key, read back by an independent implementation. */
static void check_real_rsa(size_t bits, DWORD spec)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits), *back = NULL;
    OSSL_DECODER_CTX *dctx;
    BIGNUM *n = NULL, *e = NULL;
    ch_piv_pubkey pk;
    PBYTE out = NULL;
    DWORD out_len = 0;
    const unsigned char *p;
    size_t left;

    assert_non_null(key);
    assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e), 1);
    memset(&pk, 0, sizeof pk);
    pk.type = CH_PIV_KEY_RSA;
    pk.bits = (size_t)BN_num_bits(n);
    pk.n_len = (size_t)BN_num_bytes(n);
    assert_int_equal(BN_bn2bin(n, pk.n), (int)pk.n_len);
    pk.e = (uint32_t)BN_get_word(e);

    assert_int_equal(ch_md_pubkey_blob(&cd, &pk, spec, &out, &out_len), SCARD_S_SUCCESS);
    assert_int_equal(out_len, 20 + bits / 8);
    /* the modulus, reversed */
    for (size_t i = 0; i < pk.n_len; i++)
        assert_int_equal(out[20 + i], pk.n[pk.n_len - 1 - i]);
    /* OpenSSL's MSBLOB reader agrees it is the same key */
    dctx = OSSL_DECODER_CTX_new_for_pkey(&back, "MSBLOB", NULL, "RSA", EVP_PKEY_PUBLIC_KEY,
                                         NULL, NULL);
    assert_non_null(dctx);
    p = out;
    left = out_len;
    assert_int_equal(OSSL_DECODER_from_data(dctx, &p, &left), 1);
    assert_int_equal(left, 0);
    assert_non_null(back);
    assert_int_equal(EVP_PKEY_eq(key, back), 1);

    OSSL_DECODER_CTX_free(dctx);
    EVP_PKEY_free(back);
    ch_host_free(out);
    BN_free(n);
    BN_free(e);
    EVP_PKEY_free(key);
}

static void test_real_rsa_against_openssl(void **state)
{
    (void)state;
    check_real_rsa(1024, AT_SIGNATURE);
    check_real_rsa(2048, AT_KEYEXCHANGE);
}

/* The blob of a real EC key: X || Y as OpenSSL states them. */
static void check_real_ec(const char *curve, ch_piv_key_type type, size_t f, DWORD spec,
                          ULONG magic)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
    BIGNUM *x = NULL, *y = NULL;
    uint8_t xy[96];
    ch_piv_pubkey pk;
    PBYTE out = NULL;
    DWORD out_len = 0;
    size_t plen = 0;

    assert_non_null(key);
    memset(&pk, 0, sizeof pk);
    pk.type = type;
    pk.bits = 8 * f;
    assert_int_equal(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pk.point,
                                                     sizeof pk.point, &plen),
                     1);
    pk.point_len = plen;
    assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x), 1);
    assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y), 1);
    assert_int_equal(BN_bn2binpad(x, xy, (int)f), (int)f);
    assert_int_equal(BN_bn2binpad(y, xy + f, (int)f), (int)f);

    assert_int_equal(ch_md_pubkey_blob(&cd, &pk, spec, &out, &out_len), SCARD_S_SUCCESS);
    assert_int_equal(out_len, 8 + 2 * f);
    assert_int_equal(out[0] | out[1] << 8 | out[2] << 16 | (uint32_t)out[3] << 24, magic);
    assert_int_equal(out[4] | out[5] << 8, f);
    assert_memory_equal(out + 8, xy, 2 * f);
    ch_host_free(out);
    BN_free(x);
    BN_free(y);
    EVP_PKEY_free(key);
}

static void test_real_ec_against_openssl(void **state)
{
    (void)state;
    check_real_ec("P-256", CH_PIV_KEY_P256, 32, AT_ECDSA_P256, BCRYPT_ECDSA_PUBLIC_P256_MAGIC);
    check_real_ec("P-384", CH_PIV_KEY_P384, 48, AT_ECDHE_P384, BCRYPT_ECDH_PUBLIC_P384_MAGIC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rsa_exact_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ec_exact_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyspec_must_fit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inconsistent_keys_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allocation_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_rsa_against_openssl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_ec_against_openssl, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
