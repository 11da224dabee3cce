/* Conformance: containers made and removed through the function table against vpiv
 * (docs/entry-points.md "Keys: create, import, delete"). Every imported key is OpenSSL's, every
 * public key the module reports is compared byte for byte with OpenSSL's, every signature is
 * verified by OpenSSL, and vpiv's own slot is looked at to prove what reached the card.
 *
 * Parameter and blob errors must send no APDU (CONF_NO_APDU); blobs sit in heap blocks of
 * exactly their length, so ASan sees any read past what the header announces. A refused import
 * must leave key, certificate and cmapfile as they were. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/rsa.h>

#include "conf.h"
#include "conf_card.h"
#include "conf_keys.h"
#include "md_entry.h"

#define REC 86u /* CONTAINER_MAP_RECORD */
#define VALID CONTAINER_MAP_VALID_CONTAINER
#define DEFAULT CONTAINER_MAP_DEFAULT_CONTAINER

static bool spec_is_sig(DWORD spec)
{
    return spec == AT_SIGNATURE || spec == AT_ECDSA_P256 || spec == AT_ECDSA_P384;
}

static uint8_t slot_of(BYTE idx)
{
    static const uint8_t std[4] = {0x9A, 0x9C, 0x9D, 0x9E};
    return idx < 4 ? std[idx] : (uint8_t)(0x82 + idx - 4);
}

/* vpiv's slot must hold k (public parts equal), of PIV algorithm alg, from origin. */
static void assert_card_key(conf *c, BYTE idx, const EVP_PKEY *k, uint8_t alg, uint8_t origin)
{
    vpiv_slot *s = vpiv_slot_find(c->card, slot_of(idx));
    assert_non_null(s);
    assert_non_null(s->key);
    assert_int_equal(s->alg, alg);
    assert_int_equal(s->origin, origin);
    if (k)
        assert_int_equal(EVP_PKEY_eq(s->key, k), 1);
}

static uint8_t piv_alg(const char *kind)
{
    if (strcmp(kind, "rsa1024") == 0) return 0x06;
    if (strcmp(kind, "rsa2048") == 0) return 0x07;
    if (strcmp(kind, "rsa3072") == 0) return 0x05;
    if (strcmp(kind, "rsa4096") == 0) return 0x16;
    return strcmp(kind, "p256") == 0 ? 0x11 : 0x14;
}

/* The cmapfile record of idx: a GUID, the flags and the key size in the member spec names. */
static void assert_record(const uint8_t *cmap, DWORD len, BYTE idx, uint8_t flags, DWORD spec,
                          unsigned bits)
{
    const uint8_t *r = cmap + idx * REC;
    assert_true(len >= (idx + 1u) * REC);
    assert_int_equal(r[0], '{');
    assert_int_equal(r[2 * 37], '}');
    assert_int_equal(r[2 * 38] | r[2 * 38 + 1], 0);
    assert_int_equal(r[80], flags);
    assert_int_equal(r[82] | r[83] << 8, spec_is_sig(spec) ? bits : 0);
    assert_int_equal(r[84] | r[85] << 8, spec_is_sig(spec) ? 0 : bits);
}

static DWORD create_from(conf *c, BYTE idx, DWORD spec, DWORD size, const uint8_t *bytes,
                         size_t n)
{
    uint8_t *blob = malloc(n); /* exactly n: a read past it is an ASan report */
    DWORD rc;
    assert_non_null(blob);
    memcpy(blob, bytes, n);
    rc = c->cd->pfnCardCreateContainerEx(c->cd, idx, CARD_CREATE_CONTAINER_KEY_IMPORT, spec,
                                         size, blob, ROLE_USER);
    free(blob);
    return rc;
}

/* ======================================================================================
 * Import round trips: every algorithm, every way of naming it
 * ==================================================================================== */

static void import_round_trip(const char *kind, BYTE idx, DWORD spec, DWORD size)
{
    EVP_PKEY *k = ck_key(kind, 0);
    unsigned bits = (unsigned)EVP_PKEY_get_bits(k), cf_c0, cf_f0, cf_c1, cf_f1;
    conf c;
    uint8_t *cmap;
    DWORD len;

    print_message("%s into container %u, keyspec %u, size %u\n", kind, idx, (unsigned)spec,
                  (unsigned)size);
    conf_open(&c, 7);
    ck_admin(&c);
    ck_cardcf(&c, &cf_c0, &cf_f0);
    ck_watch(&c);
    assert_int_equal(ck_import(&c, idx, spec, size, k), SCARD_S_SUCCESS);
    assert_true(ck_sent(CK_INS_IMPORT) >= 1);
    assert_int_equal(ck_sent(CK_INS_GENERATE), 0);
    assert_card_key(&c, idx, k, piv_alg(kind), 2 /* imported */);

    /* The public key the CSP gets back is OpenSSL's, byte for byte. */
    ck_assert_container_key(&c, idx, k, spec);
    cmap = ck_read(&c, "mscp", "cmapfile", &len);
    assert_int_equal(len, (idx + 1u) * REC);
    assert_record(cmap, len, idx, VALID | DEFAULT, spec, bits);
    for (BYTE i = 0; i < idx; i++)
        for (size_t b = 0; b < REC; b++)
            assert_int_equal(cmap[i * REC + b], 0);
    c.cd->pfnCspFree(cmap);
    ck_cardcf(&c, &cf_c1, &cf_f1);
    assert_int_equal(cf_c1, cf_c0 + 1);
    assert_int_equal(cf_f1, cf_f0 + 1);
    {
        char name[8];
        snprintf(name, sizeof name, "%s%02x", spec_is_sig(spec) ? "ksc" : "kxc", idx);
        ck_read_fails(&c, "mscp", name, SCARD_E_FILE_NOT_FOUND); /* no certificate yet */
    }

    /* ... and the card signs with it. */
    if (idx != 3) /* 9E needs no PIN */
        ck_pin(&c);
    assert_true(ck_signs_as(&c, idx, spec, k, "imported"));
    /* The oracle tells keys apart: another key of the kind does not verify it. */
    assert_false(ck_signs_as(&c, idx, spec, ck_key(kind, 1), "imported"));
    conf_close(&c);
}

static void test_import_rsa1024(void **state)
{
    (void)state;
    import_round_trip("rsa1024", 0, AT_KEYEXCHANGE, 1024);
}

static void test_import_rsa2048(void **state)
{
    (void)state;
    import_round_trip("rsa2048", 2, AT_KEYEXCHANGE, 0);
    import_round_trip("rsa2048", 5, AT_SIGNATURE, 2048); /* CALG_RSA_SIGN blob */
}

static void test_import_rsa3072(void **state)
{
    (void)state;
    import_round_trip("rsa3072", 4, AT_SIGNATURE, 3072);
}

static void test_import_rsa4096(void **state)
{
    (void)state;
    import_round_trip("rsa4096", 23, AT_KEYEXCHANGE, 4096);
}

static void test_import_p256(void **state)
{
    (void)state;
    import_round_trip("p256", 0, AT_ECDSA_P256, 0);
    import_round_trip("p256", 2, AT_ECDHE_P256, 256);
}

static void test_import_p384(void **state)
{
    (void)state;
    import_round_trip("p384", 6, AT_ECDSA_P384, 384);
    import_round_trip("p384", 3, AT_ECDHE_P384, 0);
}

/* Container 1 (9C) is bound to PIN 3 (the PIV PIN with the always-prompt policy): the CSP may
 * name it, and the v4 call (ROLE_USER) works too. */
static void test_import_container_pin(void **state)
{
    EVP_PKEY *k = ck_key("rsa2048", 0);
    uint8_t blob[CK_BLOB_MAX];
    size_t n = ck_import_blob(k, AT_SIGNATURE, blob, sizeof blob);
    conf c;
    (void)state;

    conf_open(&c, 7);
    ck_admin(&c);
    assert_int_equal(c.cd->pfnCardCreateContainerEx(c.cd, 1, CARD_CREATE_CONTAINER_KEY_IMPORT,
                                                    AT_SIGNATURE, 2048, blob, 3),
                     SCARD_S_SUCCESS);
    ck_assert_container_key(&c, 1, k, AT_SIGNATURE);
    assert_int_equal(c.cd->pfnCardCreateContainer(c.cd, 4, CARD_CREATE_CONTAINER_KEY_IMPORT,
                                                  AT_SIGNATURE, 0, blob),
                     SCARD_S_SUCCESS);
    ck_assert_container_key(&c, 4, k, AT_SIGNATURE);
    assert_card_key(&c, 4, k, 0x07, 2);
    OPENSSL_cleanse(blob, n);
    conf_close(&c);
}

/* ======================================================================================
 * Generation
 * ==================================================================================== */

static void generate(BYTE idx, DWORD spec, DWORD size, unsigned want_bits, uint8_t alg)
{
    conf c;
    EVP_PKEY *k;
    bool in_sig = !spec_is_sig(spec);
    uint8_t *cmap;
    DWORD len;

    print_message("generate keyspec %u size %u in container %u\n", (unsigned)spec,
                  (unsigned)size, idx);
    conf_open(&c, 7);
    ck_admin(&c);
    ck_watch(&c);
    assert_int_equal(c.cd->pfnCardCreateContainerEx(c.cd, idx, CARD_CREATE_CONTAINER_KEY_GEN,
                                                    spec, size, NULL, ROLE_USER),
                     SCARD_S_SUCCESS);
    assert_int_equal(ck_sent(CK_INS_GENERATE), 1);
    assert_int_equal(ck_sent(CK_INS_IMPORT), 0);
    k = ck_container_key(&c, idx, &in_sig);
    assert_int_equal(in_sig, spec_is_sig(spec));
    assert_int_equal(EVP_PKEY_get_bits(k), want_bits);
    assert_card_key(&c, idx, k, alg, 1 /* generated */);
    ck_assert_container_key(&c, idx, k, spec);
    cmap = ck_read(&c, "mscp", "cmapfile", &len);
    assert_record(cmap, len, idx, VALID | DEFAULT, spec, want_bits);
    c.cd->pfnCspFree(cmap);
    ck_pin(&c);
    assert_true(ck_signs_as(&c, idx, spec, k, "generated"));
    EVP_PKEY_free(k);
    conf_close(&c);
}

static void test_generate_rsa2048(void **state)
{
    (void)state;
    generate(0, AT_KEYEXCHANGE, 0, 2048, 0x07);   /* size 0: the default */
    generate(4, AT_SIGNATURE, 2048, 2048, 0x07);
}

static void test_generate_ec(void **state)
{
    (void)state;
    generate(0, AT_ECDSA_P256, 0, 256, 0x11);
    generate(2, AT_ECDHE_P256, 0, 256, 0x11);
    generate(5, AT_ECDSA_P384, 0, 384, 0x14);
    generate(2, AT_ECDHE_P384, 384, 384, 0x14);
}

static void test_generate_rsa4096(void **state)
{
    (void)state;
    generate(7, AT_KEYEXCHANGE, 4096, 4096, 0x16);
}

/* ======================================================================================
 * Malformed blobs: every class of md_keyblob.h, no APDU, nothing on the card
 * ==================================================================================== */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* An RSA key with public exponent e (OpenSSL's generator). */
static EVP_PKEY *rsa_with_e(unsigned bits, unsigned long e)
{
    EVP_PKEY_CTX *x = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    BIGNUM *bn = BN_new();
    EVP_PKEY *k = NULL;
    assert_non_null(x);
    assert_non_null(bn);
    assert_int_equal(BN_set_word(bn, e), 1);
    assert_int_equal(EVP_PKEY_keygen_init(x), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(x, (int)bits), 1);
    assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(x, bn), 1);
    assert_int_equal(EVP_PKEY_keygen(x, &k), 1);
    BN_free(bn);
    EVP_PKEY_CTX_free(x);
    return k;
}

typedef struct bad_blob {
    const char *what;
    DWORD spec, size;
    DWORD want;
} bad_blob;

/* Headers alone: 8 bytes (BLOBHEADER or BCRYPT_ECCKEY_BLOB) or 20 (RSA with RSAPUBKEY), in
 * blocks of exactly that size: rejected from what the header says, nothing past it read. */
static void header_only(conf *c, const char *what, DWORD spec, const uint8_t *h, size_t n,
                        DWORD want)
{
    print_message("  header: %s\n", what);
    CONF_NO_APDU(c, want, create_from(c, 0, spec, 0, h, n));
}

static void rsa_header(conf *c, const char *what, uint8_t type, uint8_t ver, uint32_t alg,
                       uint32_t magic, uint32_t bitlen, uint32_t e, size_t n, DWORD want)
{
    uint8_t h[20];
    h[0] = type;
    h[1] = ver;
    h[2] = h[3] = 0;
    put32(h + 4, alg);
    put32(h + 8, magic);
    put32(h + 12, bitlen);
    put32(h + 16, e);
    header_only(c, what, AT_KEYEXCHANGE, h, n, want);
}

static void ecc_header(conf *c, const char *what, DWORD spec, uint32_t magic, uint32_t cb,
                       DWORD want)
{
    uint8_t h[8];
    put32(h, magic);
    put32(h + 4, cb);
    header_only(c, what, spec, h, 8, want);
}

#define RSA2 0x32415352u
#define RSA1 0x31415352u
#define INVALID SCARD_E_INVALID_PARAMETER
#define UNSUPPORTED SCARD_E_UNSUPPORTED_FEATURE

static void test_blob_headers(void **state)
{
    conf c;
    (void)state;
    conf_open(&c, 7);
    ck_admin(&c);

    rsa_header(&c, "PUBLICKEYBLOB", 0x06, 2, CALG_RSA_KEYX, RSA1, 2048, 65537, 8, INVALID);
    rsa_header(&c, "SIMPLEBLOB", 0x01, 2, CALG_RSA_KEYX, RSA2, 2048, 65537, 8, INVALID);
    rsa_header(&c, "version 3", 0x07, 3, CALG_RSA_KEYX, RSA2, 2048, 65537, 8, INVALID);
    rsa_header(&c, "version 1", 0x07, 1, CALG_RSA_KEYX, RSA2, 2048, 65537, 8, INVALID);
    rsa_header(&c, "aiKeyAlg CALG_3DES", 0x07, 2, 0x6603, RSA2, 2048, 65537, 8, INVALID);
    rsa_header(&c, "aiKeyAlg 0", 0x07, 2, 0, RSA2, 2048, 65537, 8, INVALID);
    rsa_header(&c, "public magic RSA1", 0x07, 2, CALG_RSA_KEYX, RSA1, 2048, 65537, 20, INVALID);
    rsa_header(&c, "magic 0", 0x07, 2, CALG_RSA_KEYX, 0, 2048, 65537, 20, INVALID);
    rsa_header(&c, "bitlen 0", 0x07, 2, CALG_RSA_KEYX, RSA2, 0, 65537, 20, INVALID);
    rsa_header(&c, "bitlen 2056", 0x07, 2, CALG_RSA_KEYX, RSA2, 2056, 65537, 20, INVALID);
    rsa_header(&c, "bitlen 2^20", 0x07, 2, CALG_RSA_KEYX, RSA2, 1u << 20, 65537, 20, INVALID);
    rsa_header(&c, "bitlen 2^32-16", 0x07, 2, CALG_RSA_KEYX, RSA2, 0xFFFFFFF0u, 65537, 20,
               INVALID);
    rsa_header(&c, "bitlen 16400", 0x07, 2, CALG_RSA_KEYX, RSA2, 16400, 65537, 20, INVALID);
    rsa_header(&c, "bitlen 1536", 0x07, 2, CALG_RSA_KEYX, RSA2, 1536, 65537, 20, UNSUPPORTED);
    rsa_header(&c, "bitlen 8192", 0x07, 2, CALG_RSA_KEYX, RSA2, 8192, 65537, 20, UNSUPPORTED);
    rsa_header(&c, "bitlen 16384", 0x07, 2, CALG_RSA_KEYX, RSA2, 16384, 65537, 20,
               UNSUPPORTED);

    ecc_header(&c, "ECDSA P-256 public magic", AT_ECDSA_P256, BCRYPT_ECDSA_PUBLIC_P256_MAGIC,
               32, INVALID);
    ecc_header(&c, "ECDH P-384 public magic", AT_ECDHE_P384, BCRYPT_ECDH_PUBLIC_P384_MAGIC, 48,
               INVALID);
    ecc_header(&c, "unknown EC magic", AT_ECDSA_P256, 0x39534345u, 32, INVALID);
    ecc_header(&c, "ECDSA P-521 private", AT_ECDSA_P256, BCRYPT_ECDSA_PRIVATE_P521_MAGIC, 66,
               UNSUPPORTED);
    ecc_header(&c, "ECDH P-521 private", AT_ECDHE_P384, BCRYPT_ECDH_PRIVATE_P521_MAGIC, 66,
               UNSUPPORTED);
    ecc_header(&c, "P-256 cbKey 48", AT_ECDSA_P256, BCRYPT_ECDSA_PRIVATE_P256_MAGIC, 48,
               INVALID);
    ecc_header(&c, "P-384 cbKey 32", AT_ECDHE_P384, BCRYPT_ECDH_PRIVATE_P384_MAGIC, 32,
               INVALID);
    ecc_header(&c, "P-256 cbKey 2^32-1", AT_ECDSA_P256, BCRYPT_ECDSA_PRIVATE_P256_MAGIC,
               0xFFFFFFFFu, INVALID);
    assert_null(vpiv_slot_find(c.card, 0x9A)->key);
    conf_close(&c);
}

/* Whole blobs whose numbers or names are wrong. */
static void whole(conf *c, const char *what, DWORD spec, DWORD size, const uint8_t *b,
                  size_t n, DWORD want)
{
    print_message("  blob: %s\n", what);
    CONF_NO_APDU(c, want, create_from(c, 2, spec, size, b, n));
}

static void test_blob_numbers(void **state)
{
    EVP_PKEY *rsa = ck_key("rsa2048", 0), *p256 = ck_key("p256", 0), *p384 = ck_key("p384", 0);
    EVP_PKEY *e3 = rsa_with_e(1024, 3), *e17 = rsa_with_e(1024, 17);
    uint8_t good[CK_BLOB_MAX], b[CK_BLOB_MAX];
    size_t n;
    conf c;
    (void)state;

    conf_open(&c, 7);
    ck_admin(&c);

    /* RSA: exponents PIV cannot hold, numbers that are not one key. */
    n = ck_rsa_blob(e3, CALG_RSA_KEYX, b, sizeof b);
    whole(&c, "e = 3", AT_KEYEXCHANGE, 0, b, n, UNSUPPORTED);
    n = ck_rsa_blob(e17, CALG_RSA_KEYX, b, sizeof b);
    whole(&c, "e = 17", AT_KEYEXCHANGE, 1024, b, n, UNSUPPORTED);
    n = ck_rsa_blob(rsa, CALG_RSA_KEYX, good, sizeof good);
    assert_int_equal(n, 20 + 9 * 2048 / 16);
    memcpy(b, good, n);
    put32(b + 16, 65536);
    whole(&c, "e even", AT_KEYEXCHANGE, 0, b, n, INVALID);
    put32(b + 16, 1);
    whole(&c, "e = 1", AT_KEYEXCHANGE, 0, b, n, INVALID);
    memcpy(b, good, n);
    b[20 + 100] ^= 0x01; /* a bit of n */
    whole(&c, "p*q != n", AT_KEYEXCHANGE, 0, b, n, INVALID);
    memcpy(b, good, n);
    b[20 + 256 + 10] ^= 0x04; /* a bit of p */
    whole(&c, "p changed", AT_KEYEXCHANGE, 0, b, n, INVALID);
    memcpy(b, good, n);
    b[20 + 256 + 4 * 128 + 3] ^= 0x10; /* a bit of qinv */
    whole(&c, "qinv changed", AT_KEYEXCHANGE, 0, b, n, INVALID);
    memcpy(b, good, n);
    b[20 + 256 + 2 * 128] ^= 0x02; /* a bit of dp */
    whole(&c, "dp changed", AT_KEYEXCHANGE, 0, b, n, INVALID);
    memcpy(b, good, n);
    b[n - 1] ^= 0x80; /* the top bit of d */
    whole(&c, "d changed", AT_KEYEXCHANGE, 0, b, n, INVALID);
    memcpy(b, good, n);
    b[20 + 255] ^= 0x80; /* n loses its top bit: 2047 bits under bitlen 2048 */
    whole(&c, "n of 2047 bits", AT_KEYEXCHANGE, 0, b, n, INVALID);

    /* RSA: names that do not fit the call. */
    whole(&c, "CALG_RSA_KEYX blob for AT_SIGNATURE", AT_SIGNATURE, 0, good, n, INVALID);
    n = ck_rsa_blob(rsa, CALG_RSA_SIGN, b, sizeof b);
    whole(&c, "CALG_RSA_SIGN blob for AT_KEYEXCHANGE", AT_KEYEXCHANGE, 0, b, n, INVALID);
    n = ck_rsa_blob(rsa, CALG_RSA_KEYX, good, sizeof good);
    whole(&c, "2048 blob with dwKeySize 1024", AT_KEYEXCHANGE, 1024, good, n, INVALID);
    whole(&c, "2048 blob with dwKeySize 4096", AT_KEYEXCHANGE, 4096, good, n, INVALID);
    whole(&c, "RSA blob for AT_ECDSA_P256", AT_ECDSA_P256, 0, good, n, INVALID);
    whole(&c, "RSA blob for AT_ECDHE_P384", AT_ECDHE_P384, 0, good, n, INVALID);

    /* ECC. */
    n = ck_ecc_blob(p256, BCRYPT_ECDSA_PRIVATE_P256_MAGIC, good, sizeof good);
    assert_int_equal(n, 8 + 3 * 32);
    memcpy(b, good, n);
    b[8 + 63] ^= 0x01; /* Y */
    whole(&c, "P-256 point off the curve", AT_ECDSA_P256, 0, b, n, INVALID);
    memcpy(b, good, n);
    memset(b + 8, 0, 64);
    whole(&c, "P-256 point (0, 0)", AT_ECDSA_P256, 0, b, n, INVALID);
    memcpy(b, good, n);
    memset(b + 8 + 64, 0, 32);
    whole(&c, "P-256 scalar 0", AT_ECDSA_P256, 0, b, n, INVALID);
    {
        static const uint8_t order[32] = {
            0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF,
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17,
            0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};
        memcpy(b + 8 + 64, order, 32);
        whole(&c, "P-256 scalar n", AT_ECDSA_P256, 0, b, n, INVALID);
        memset(b + 8 + 64, 0xFF, 32);
        whole(&c, "P-256 scalar 2^256-1", AT_ECDSA_P256, 0, b, n, INVALID);
    }
    whole(&c, "ECDSA blob for AT_ECDHE_P256", AT_ECDHE_P256, 0, good, n, INVALID);
    whole(&c, "P-256 blob for AT_ECDSA_P384", AT_ECDSA_P384, 0, good, n, INVALID);
    whole(&c, "ECC blob for AT_KEYEXCHANGE", AT_KEYEXCHANGE, 0, good, n, INVALID);
    whole(&c, "ECC blob for AT_SIGNATURE", AT_SIGNATURE, 0, good, n, INVALID);
    n = ck_ecc_blob(p384, BCRYPT_ECDH_PRIVATE_P384_MAGIC, good, sizeof good);
    whole(&c, "ECDH blob for AT_ECDSA_P384", AT_ECDSA_P384, 0, good, n, INVALID);
    whole(&c, "P-384 blob for AT_ECDHE_P256", AT_ECDHE_P256, 0, good, n, INVALID);
    memcpy(b, good, n);
    b[8 + 47] ^= 0x20; /* X */
    whole(&c, "P-384 point off the curve", AT_ECDHE_P384, 0, b, n, INVALID);
    memcpy(b, good, n);
    memset(b + 8 + 96, 0, 48);
    whole(&c, "P-384 scalar 0", AT_ECDHE_P384, 0, b, n, INVALID);

    assert_null(vpiv_slot_find(c.card, 0x9D)->key);
    /* The good ones do go through (so every rejection above was the blob's fault). */
    n = ck_ecc_blob(p384, BCRYPT_ECDH_PRIVATE_P384_MAGIC, good, sizeof good);
    assert_int_equal(create_from(&c, 2, AT_ECDHE_P384, 0, good, n), SCARD_S_SUCCESS);
    assert_card_key(&c, 2, p384, 0x14, 2);
    OPENSSL_cleanse(good, sizeof good);
    OPENSSL_cleanse(b, sizeof b);
    EVP_PKEY_free(e3);
    EVP_PKEY_free(e17);
    conf_close(&c);
}

/* An ECC blob whose public point is on the curve but is not d*G: the numbers are not one key,
 * as with RSA's p*q != n. What the CSP believes the public key is (the blob's X, Y) would
 * differ from what the card holds. */
static void test_blob_point_not_of_scalar(void **state)
{
    uint8_t b[CK_BLOB_MAX], other[CK_BLOB_MAX];
    size_t n = ck_ecc_blob(ck_key("p256", 0), BCRYPT_ECDSA_PRIVATE_P256_MAGIC, b, sizeof b);
    conf c;
    (void)state;

    ck_ecc_blob(ck_key("p256", 1), BCRYPT_ECDSA_PRIVATE_P256_MAGIC, other, sizeof other);
    memcpy(b + 8 + 64, other + 8 + 64, 32); /* key 1's scalar under key 0's point */
    conf_open(&c, 7);
    ck_admin(&c);
    CONF_NO_APDU(&c, INVALID, create_from(&c, 0, AT_ECDSA_P256, 0, b, n));
    OPENSSL_cleanse(b, sizeof b);
    OPENSSL_cleanse(other, sizeof other);
    conf_close(&c);
}

/* ======================================================================================
 * Parameters: the order of docs/entry-points.md, no APDU
 * ==================================================================================== */

static void test_parameter_errors(void **state)
{
    uint8_t blob[CK_BLOB_MAX];
    EVP_PKEY *k = ck_key("rsa2048", 0);
    conf c;
    (void)state;

    ck_import_blob(k, AT_KEYEXCHANGE, blob, sizeof blob);
    conf_open(&c, 7);
    ck_admin(&c);
#define CCE(idx, flags, spec, size, data, pin) \
    c.cd->pfnCardCreateContainerEx(c.cd, idx, flags, spec, size, data, pin)
#define IMP CARD_CREATE_CONTAINER_KEY_IMPORT
#define GEN CARD_CREATE_CONTAINER_KEY_GEN
    CONF_NO_APDU(&c, INVALID, CardCreateContainerEx(NULL, 0, IMP, AT_KEYEXCHANGE, 0, blob,
                                                    ROLE_USER));
    CONF_NO_APDU(&c, INVALID, CCE(0, 0, AT_KEYEXCHANGE, 0, blob, ROLE_USER));
    CONF_NO_APDU(&c, INVALID, CCE(0, 3, AT_KEYEXCHANGE, 0, blob, ROLE_USER));
    CONF_NO_APDU(&c, INVALID, CCE(0, 4, AT_KEYEXCHANGE, 0, blob, ROLE_USER));
    CONF_NO_APDU(&c, INVALID, CCE(0, IMP | 0x100, AT_KEYEXCHANGE, 0, blob, ROLE_USER));
    CONF_NO_APDU(&c, INVALID, CCE(0, IMP, 0, 0, blob, ROLE_USER));
    CONF_NO_APDU(&c, INVALID, CCE(0, IMP, 9, 0, blob, ROLE_USER));
    CONF_NO_APDU(&c, INVALID, CCE(0, GEN, 0xFFFFFFFFu, 0, NULL, ROLE_USER));
    CONF_NO_APDU(&c, UNSUPPORTED, CCE(0, IMP, AT_ECDSA_P521, 0, blob, ROLE_USER));
    CONF_NO_APDU(&c, UNSUPPORTED, CCE(0, GEN, AT_ECDSA_P521, 0, NULL, ROLE_USER));
    CONF_NO_APDU(&c, UNSUPPORTED, CCE(0, GEN, AT_ECDHE_P521, 521, NULL, ROLE_USER));
    CONF_NO_APDU(&c, UNSUPPORTED, CCE(0, IMP, AT_KEYEXCHANGE, 1536, blob, ROLE_USER));
    CONF_NO_APDU(&c, UNSUPPORTED, CCE(0, GEN, AT_SIGNATURE, 512, NULL, ROLE_USER));
    CONF_NO_APDU(&c, UNSUPPORTED, CCE(0, GEN, AT_KEYEXCHANGE, 8192, NULL, ROLE_USER));
    CONF_NO_APDU(&c, UNSUPPORTED, CCE(0, GEN, AT_ECDSA_P256, 384, NULL, ROLE_USER));
    CONF_NO_APDU(&c, UNSUPPORTED, CCE(0, GEN, AT_ECDHE_P384, 256, NULL, ROLE_USER));
    CONF_NO_APDU(&c, SCARD_W_SECURITY_VIOLATION, CCE(0, IMP, AT_KEYEXCHANGE, 0, blob, ROLE_ADMIN));
    CONF_NO_APDU(&c, SCARD_W_SECURITY_VIOLATION, CCE(0, GEN, AT_ECDSA_P256, 0, NULL, ROLE_ADMIN));
    CONF_NO_APDU(&c, SCARD_E_NO_KEY_CONTAINER, CCE(24, IMP, AT_KEYEXCHANGE, 0, blob, ROLE_USER));
    CONF_NO_APDU(&c, SCARD_E_NO_KEY_CONTAINER, CCE(255, GEN, AT_KEYEXCHANGE, 0, NULL, ROLE_USER));
    CONF_NO_APDU(&c, SCARD_E_NO_KEY_CONTAINER,
                 c.cd->pfnCardCreateContainer(c.cd, 24, GEN, AT_KEYEXCHANGE, 0, NULL));
    CONF_NO_APDU(&c, INVALID, CCE(0, IMP, AT_KEYEXCHANGE, 0, blob, 8));
    CONF_NO_APDU(&c, INVALID, CCE(0, IMP, AT_KEYEXCHANGE, 0, blob, 0xFFFFFFFFu));
    CONF_NO_APDU(&c, INVALID, CCE(0, IMP, AT_KEYEXCHANGE, 0, blob, 3));   /* 9C's PIN */
    CONF_NO_APDU(&c, INVALID, CCE(0, IMP, AT_KEYEXCHANGE, 0, blob, ROLE_EVERYONE));
    CONF_NO_APDU(&c, INVALID, CCE(2, GEN, AT_KEYEXCHANGE, 0, NULL, 4));
    CONF_NO_APDU(&c, INVALID, CCE(0, IMP, AT_KEYEXCHANGE, 0, NULL, ROLE_USER));
    CONF_NO_APDU(&c, INVALID,
                 c.cd->pfnCardCreateContainer(c.cd, 0, IMP, AT_KEYEXCHANGE, 0, NULL));

    /* Which error wins (the table's order). */
    CONF_NO_APDU(&c, INVALID, CCE(24, 0, AT_ECDSA_P521, 0, NULL, ROLE_ADMIN));
    CONF_NO_APDU(&c, INVALID, CCE(24, IMP, 9, 0, NULL, ROLE_ADMIN));
    CONF_NO_APDU(&c, UNSUPPORTED, CCE(24, IMP, AT_ECDHE_P521, 0, NULL, ROLE_ADMIN));
    CONF_NO_APDU(&c, UNSUPPORTED, CCE(24, IMP, AT_KEYEXCHANGE, 1000, NULL, ROLE_ADMIN));
    CONF_NO_APDU(&c, SCARD_W_SECURITY_VIOLATION, CCE(24, IMP, AT_KEYEXCHANGE, 0, NULL,
                                                     ROLE_ADMIN));
    CONF_NO_APDU(&c, SCARD_E_NO_KEY_CONTAINER, CCE(24, IMP, AT_KEYEXCHANGE, 0, NULL, 9));
    CONF_NO_APDU(&c, INVALID, CCE(0, IMP, AT_KEYEXCHANGE, 0, NULL, 9));

    /* CardDeleteContainer */
    CONF_NO_APDU(&c, INVALID, CardDeleteContainer(NULL, 0, 0));
    CONF_NO_APDU(&c, INVALID, c.cd->pfnCardDeleteContainer(c.cd, 0, 1));
    CONF_NO_APDU(&c, INVALID, c.cd->pfnCardDeleteContainer(c.cd, 24, 1));
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, c.cd->pfnCardDeleteContainer(c.cd, 24, 0));
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, c.cd->pfnCardDeleteContainer(c.cd, 255, 0));
#undef CCE
    for (uint8_t s = 0; s < 4; s++)
        assert_null(vpiv_slot_find(c.card, slot_of(s))->key);
    OPENSSL_cleanse(blob, sizeof blob);
    conf_close(&c);
}

/* ======================================================================================
 * Nothing lost: a refused import leaves key, certificate and cmapfile as they were
 * ==================================================================================== */

typedef struct snapshot {
    uint8_t *cmap, *cert, *cardcf;
    DWORD cmap_len, cert_len, cardcf_len;
    uint8_t map_obj[4096], cert_obj[4096];
    size_t map_obj_len, cert_obj_len;
} snapshot;

static void copy_object(const vpiv_card *card, uint32_t tag, uint8_t *out, size_t *len)
{
    const vpiv_object *o = ck_object(card, tag);
    assert_non_null(o);
    assert_true(o->len <= 4096);
    memcpy(out, o->data, o->len);
    *len = o->len;
}

static void take(conf *c, snapshot *s)
{
    s->cmap = ck_read(c, "mscp", "cmapfile", &s->cmap_len);
    s->cert = ck_read(c, "mscp", "kxc00", &s->cert_len);
    s->cardcf = ck_read(c, NULL, "cardcf", &s->cardcf_len);
    copy_object(c->card, 0x5FFF10, s->map_obj, &s->map_obj_len);
    copy_object(c->card, 0x5FC105, s->cert_obj, &s->cert_obj_len);
}

static void assert_same(conf *c, const snapshot *s)
{
    snapshot now;
    take(c, &now);
    assert_int_equal(now.cmap_len, s->cmap_len);
    assert_memory_equal(now.cmap, s->cmap, s->cmap_len);
    assert_int_equal(now.cert_len, s->cert_len);
    assert_memory_equal(now.cert, s->cert, s->cert_len);
    assert_int_equal(now.cardcf_len, s->cardcf_len);
    assert_memory_equal(now.cardcf, s->cardcf, s->cardcf_len);
    assert_int_equal(now.map_obj_len, s->map_obj_len);
    assert_memory_equal(now.map_obj, s->map_obj, s->map_obj_len);
    assert_int_equal(now.cert_obj_len, s->cert_obj_len);
    assert_memory_equal(now.cert_obj, s->cert_obj, s->cert_obj_len);
    c->cd->pfnCspFree(now.cmap);
    c->cd->pfnCspFree(now.cert);
    c->cd->pfnCspFree(now.cardcf);
}

static void drop(conf *c, snapshot *s)
{
    c->cd->pfnCspFree(s->cmap);
    c->cd->pfnCspFree(s->cert);
    c->cd->pfnCspFree(s->cardcf);
}

/* Container 0: RSA-2048 key 0 imported through the module, its certificate written through
 * the module: key, certificate and container map all on the card. */
static vpiv_card *card_with_container(void)
{
    vpiv_card *card = conf_card_new(51);
    EVP_PKEY *k = ck_key("rsa2048", 0);
    uint8_t *der;
    size_t der_len;
    conf c;

    conf_open_on(&c, card, 7);
    ck_admin(&c);
    assert_int_equal(ck_import(&c, 0, AT_KEYEXCHANGE, 0, k), SCARD_S_SUCCESS);
    ck_make_cert(k, "nothing lost", NULL, 0, &der, &der_len);
    assert_int_equal(c.cd->pfnCardWriteFile(c.cd, (LPSTR) "mscp", (LPSTR) "kxc00", 0, der,
                                            (DWORD)der_len),
                     SCARD_S_SUCCESS);
    free(der);
    conf_close(&c);
    return card;
}

static void test_nothing_lost_on_rejected_blob(void **state)
{
    EVP_PKEY *old = ck_key("rsa2048", 0);
    vpiv_card *card = card_with_container();
    uint8_t b[CK_BLOB_MAX];
    size_t n;
    snapshot s;
    conf c;
    (void)state;

    conf_open_on(&c, card, 7);
    ck_admin(&c);
    take(&c, &s);
    n = ck_rsa_blob(ck_key("rsa2048", 1), CALG_RSA_KEYX, b, sizeof b);
    b[20 + 17] ^= 0x40; /* p*q != n */
    CONF_NO_APDU(&c, INVALID, create_from(&c, 0, AT_KEYEXCHANGE, 0, b, n));
    n = ck_ecc_blob(ck_key("p256", 0), BCRYPT_ECDSA_PRIVATE_P256_MAGIC, b, sizeof b);
    b[8 + 5] ^= 0x01; /* off the curve */
    CONF_NO_APDU(&c, INVALID, create_from(&c, 0, AT_ECDSA_P256, 0, b, n));
    {
        EVP_PKEY *e3 = rsa_with_e(1024, 3);
        n = ck_rsa_blob(e3, CALG_RSA_KEYX, b, sizeof b);
        CONF_NO_APDU(&c, UNSUPPORTED, create_from(&c, 0, AT_KEYEXCHANGE, 0, b, n));
        EVP_PKEY_free(e3);
    }
    assert_same(&c, &s);
    assert_card_key(&c, 0, old, 0x07, 2);
    ck_pin(&c);
    assert_true(ck_signs_as(&c, 0, AT_KEYEXCHANGE, old, "still the old key"));
    drop(&c, &s);
    OPENSSL_cleanse(b, sizeof b);
    conf_close(&c);
    vpiv_free(card);
}

static void test_nothing_lost_when_card_refuses(void **state)
{
    EVP_PKEY *old = ck_key("rsa2048", 0);
    vpiv_card *card = card_with_container();
    snapshot s;
    conf c;
    (void)state;

    /* A new context: the module's SELECT ended the admin session; only the PIN is given. */
    conf_open_on(&c, card, 7);
    ck_pin(&c);
    take(&c, &s);
    assert_false(card->mgm_authenticated);
    ck_watch(&c);
    assert_int_equal(ck_import(&c, 0, AT_KEYEXCHANGE, 0, ck_key("rsa2048", 1)),
                     SCARD_W_SECURITY_VIOLATION);
    assert_int_equal(ck_import(&c, 0, AT_ECDSA_P256, 0, ck_key("p256", 1)),
                     SCARD_W_SECURITY_VIOLATION);
    assert_int_equal(c.cd->pfnCardCreateContainerEx(c.cd, 0, CARD_CREATE_CONTAINER_KEY_GEN,
                                                    AT_KEYEXCHANGE, 2048, NULL, ROLE_USER),
                     SCARD_W_SECURITY_VIOLATION);
    assert_int_equal(c.cd->pfnCardDeleteContainer(c.cd, 0, 0), SCARD_W_SECURITY_VIOLATION);
    /* They reached the card (which refused) and nothing was written after. */
    assert_int_equal(ck_sent(CK_INS_IMPORT), 2);
    assert_int_equal(ck_sent(CK_INS_GENERATE), 2);
    assert_int_equal(ck_sent(CK_INS_PUT_DATA), 0);
    assert_same(&c, &s);
    assert_card_key(&c, 0, old, 0x07, 2);
    assert_true(ck_signs_as(&c, 0, AT_KEYEXCHANGE, old, "still the old key"));
    drop(&c, &s);
    conf_close(&c);
    vpiv_free(card);
}

/* ======================================================================================
 * Overwrite and delete
 * ==================================================================================== */

static void test_overwrite_container(void **state)
{
    EVP_PKEY *old = ck_key("rsa2048", 0), *new_key = ck_key("rsa2048", 1);
    vpiv_card *card = card_with_container();
    uint8_t *before, *after;
    DWORD len0, len1;
    unsigned cc0, cf0, cc1, cf1;
    conf c;
    (void)state;

    conf_open_on(&c, card, 7);
    ck_admin(&c);
    ck_pin(&c);
    before = ck_read(&c, "mscp", "cmapfile", &len0);
    ck_cardcf(&c, &cc0, &cf0);
    assert_non_null(ck_object(card, 0x5FC105));

    assert_int_equal(ck_import(&c, 0, AT_KEYEXCHANGE, 0, new_key), SCARD_S_SUCCESS);
    ck_cardcf(&c, &cc1, &cf1);
    assert_int_equal(cc1, cc0 + 1);
    assert_int_equal(cf1, cf0 + 1);
    assert_card_key(&c, 0, new_key, 0x07, 2);
    ck_assert_container_key(&c, 0, new_key, AT_KEYEXCHANGE);
    /* The old certificate certified the old key: gone. */
    assert_null(ck_object(card, 0x5FC105));
    ck_read_fails(&c, "mscp", "kxc00", SCARD_E_FILE_NOT_FOUND);
    /* Same GUID, same record. */
    after = ck_read(&c, "mscp", "cmapfile", &len1);
    assert_int_equal(len1, len0);
    assert_memory_equal(after, before, len0);
    c.cd->pfnCspFree(after);
    assert_true(ck_signs_as(&c, 0, AT_KEYEXCHANGE, new_key, "new key"));
    assert_false(ck_signs_as(&c, 0, AT_KEYEXCHANGE, old, "new key"));

    /* Another type: the record follows (ECDSA, signature size), the GUID stays. */
    assert_int_equal(ck_import(&c, 0, AT_ECDSA_P256, 0, ck_key("p256", 0)), SCARD_S_SUCCESS);
    after = ck_read(&c, "mscp", "cmapfile", &len1);
    assert_int_equal(len1, REC);
    assert_memory_equal(after, before, 80);
    assert_record(after, len1, 0, VALID | DEFAULT, AT_ECDSA_P256, 256);
    c.cd->pfnCspFree(after);
    ck_assert_container_key(&c, 0, ck_key("p256", 0), AT_ECDSA_P256);
    assert_true(ck_signs_as(&c, 0, AT_ECDSA_P256, ck_key("p256", 0), "EC now"));
    c.cd->pfnCspFree(before);
    conf_close(&c);
    vpiv_free(card);
}

static void test_delete_container(void **state)
{
    EVP_PKEY *k2 = ck_key("rsa2048", 0), *k4 = ck_key("p256", 0);
    uint8_t *der, *cmap;
    size_t der_len;
    DWORD len;
    unsigned cc0, cf0, cc1, cf1;
    conf c;
    unsigned long before;
    (void)state;

    conf_open(&c, 7);
    ck_admin(&c);
    ck_pin(&c);
    assert_int_equal(ck_import(&c, 2, AT_KEYEXCHANGE, 0, k2), SCARD_S_SUCCESS);
    assert_int_equal(ck_import(&c, 4, AT_ECDSA_P256, 0, k4), SCARD_S_SUCCESS);
    ck_make_cert(k2, "to be deleted", NULL, 0, &der, &der_len);
    assert_int_equal(c.cd->pfnCardWriteFile(c.cd, (LPSTR) "mscp", (LPSTR) "kxc02", 0, der,
                                            (DWORD)der_len),
                     SCARD_S_SUCCESS);
    free(der);
    cmap = ck_read(&c, "mscp", "cmapfile", &len);
    assert_int_equal(len, 5 * REC);
    assert_record(cmap, len, 2, VALID | DEFAULT, AT_KEYEXCHANGE, 2048);
    assert_record(cmap, len, 4, VALID, AT_ECDSA_P256, 256);
    c.cd->pfnCspFree(cmap);
    ck_cardcf(&c, &cc0, &cf0);

    ck_watch(&c);
    assert_int_equal(c.cd->pfnCardDeleteContainer(c.cd, 2, 0), SCARD_S_SUCCESS);
    assert_int_equal(ck_sent(CK_INS_GENERATE), 1);
    ck_cardcf(&c, &cc1, &cf1);
    assert_int_equal(cc1, cc0 + 1);
    assert_int_equal(cf1, cf0 + 1);
    /* The record is zero, the other container is now the default. */
    cmap = ck_read(&c, "mscp", "cmapfile", &len);
    assert_int_equal(len, 5 * REC);
    for (size_t b = 0; b < REC; b++)
        assert_int_equal(cmap[2 * REC + b], 0);
    assert_record(cmap, len, 4, VALID | DEFAULT, AT_ECDSA_P256, 256);
    c.cd->pfnCspFree(cmap);
    ck_read_fails(&c, "mscp", "kxc02", SCARD_E_FILE_NOT_FOUND);
    assert_null(ck_object(c.card, 0x5FC10B));
    {
        CONTAINER_INFO ci;
        memset(&ci, 0, sizeof ci);
        assert_int_equal(c.cd->pfnCardGetContainerInfo(c.cd, 2, 0, &ci),
                         SCARD_E_NO_KEY_CONTAINER);
    }
    /* The old key is gone from the card: the slot holds some P-256 key now. */
    {
        vpiv_slot *s = vpiv_slot_find(c.card, 0x9D);
        assert_int_equal(s->alg, 0x11);
        assert_int_not_equal(EVP_PKEY_eq(s->key, k2), 1);
    }
    assert_true(ck_signs_as(&c, 4, AT_ECDSA_P256, k4, "the other one stays"));

    /* An empty container: success, nothing written. (Only reads: whether it is empty is in
     * the map, which the module checks against cardcf on every call.) */
    ck_watch(&c);
    before = conf_apdus(&c);
    assert_int_equal(c.cd->pfnCardDeleteContainer(c.cd, 2, 0), SCARD_S_SUCCESS);
    assert_int_equal(c.cd->pfnCardDeleteContainer(c.cd, 9, 0), SCARD_S_SUCCESS);
    assert_int_equal(ck_sent(CK_INS_GENERATE), 0);
    assert_int_equal(ck_sent(CK_INS_PUT_DATA), 0);
    print_message("deleting two empty containers cost %lu APDUs (reads)\n",
                  conf_apdus(&c) - before);
    /* Out of range: success, not even a read. */
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, c.cd->pfnCardDeleteContainer(c.cd, 24, 0));

    /* The last one: the container map object goes, cmapfile is empty. */
    assert_int_equal(c.cd->pfnCardDeleteContainer(c.cd, 4, 0), SCARD_S_SUCCESS);
    cmap = ck_read(&c, "mscp", "cmapfile", &len);
    assert_int_equal(len, 0);
    c.cd->pfnCspFree(cmap);
    assert_null(ck_object(c.card, 0x5FFF10));
    conf_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_rsa1024),
        cmocka_unit_test(test_import_rsa2048),
        cmocka_unit_test(test_import_rsa3072),
        cmocka_unit_test(test_import_rsa4096),
        cmocka_unit_test(test_import_p256),
        cmocka_unit_test(test_import_p384),
        cmocka_unit_test(test_import_container_pin),
        cmocka_unit_test(test_generate_rsa2048),
        cmocka_unit_test(test_generate_ec),
        cmocka_unit_test(test_generate_rsa4096),
        cmocka_unit_test(test_blob_headers),
        cmocka_unit_test(test_blob_numbers),
        cmocka_unit_test(test_blob_point_not_of_scalar),
        cmocka_unit_test(test_parameter_errors),
        cmocka_unit_test(test_nothing_lost_on_rejected_blob),
        cmocka_unit_test(test_nothing_lost_when_card_refuses),
        cmocka_unit_test(test_overwrite_container),
        cmocka_unit_test(test_delete_container),
    };
    return cmocka_run_group_tests(tests, NULL, ck_keys_free);
}
