/* Conformance: the virtual file system, containers, queries and caching (docs/card-mapping.md)
 * against the in-process vpiv card, personalised through raw APDUs as a tool would do it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>

#include "conf.h"
#include "conf_card.h"
#include "vpiv_test_apdu.h"

static const uint8_t zero6[6];

/* Reads a file; checks success and returns the data (CSP-allocated; the test frees it). */
static uint8_t *read_ok(conf *c, const char *dir, const char *file, DWORD *len)
{
    PBYTE data = NULL;
    *len = 0xDEAD;
    assert_int_equal(c->cd->pfnCardReadFile(c->cd, (LPSTR)dir, (LPSTR)file, 0, &data, len),
                     SCARD_S_SUCCESS);
    assert_non_null(data);
    return data;
}

static void assert_file(conf *c, const char *dir, const char *file, const void *want, size_t n)
{
    DWORD len;
    uint8_t *data = read_ok(c, dir, file, &len);
    assert_int_equal(len, n);
    assert_memory_equal(data, want, n);
    c->cd->pfnCspFree(data);
}

static void assert_read_fails(conf *c, const char *dir, const char *file, DWORD want)
{
    PBYTE data = (PBYTE)0x1;
    DWORD len = 77;
    assert_int_equal(c->cd->pfnCardReadFile(c->cd, (LPSTR)dir, (LPSTR)file, 0, &data, &len),
                     want);
    assert_ptr_equal(data, (PBYTE)0x1); /* outputs untouched on error */
    assert_int_equal(len, 77);
}

static void assert_enum(conf *c, const char *dir, const char *want, size_t n)
{
    LPSTR names = NULL;
    DWORD len = 0;
    assert_int_equal(c->cd->pfnCardEnumFiles(c->cd, (LPSTR)dir, &names, &len, 0),
                     SCARD_S_SUCCESS);
    assert_int_equal(len, n);
    assert_memory_equal(names, want, n);
    c->cd->pfnCspFree(names);
}

static void test_fresh_card_files(void **state)
{
    /* No CHUID: the cardid comes from the serial (10000001 = 0x00989681). */
    static const uint8_t cardid[16] = {'c', 'h', 'P', 'I', 'V', '-', 'Y', 'K',
                                       0, 0, 0, 0, 0x00, 0x98, 0x96, 0x81};
    conf c;
    CONTAINER_INFO ci;
    CARD_FILE_INFO fi = {CARD_FILE_INFO_CURRENT_VERSION, 0, InvalidAc};
    DWORD len;
    uint8_t *data;
    (void)state;

    conf_open(&c, 7);
    assert_file(&c, NULL, "cardapps", "mscp\0\0\0\0", 8);
    assert_file(&c, NULL, "cardid", cardid, sizeof cardid);
    assert_file(&c, "", "cardid", cardid, sizeof cardid);
    assert_file(&c, NULL, "cardcf", zero6, sizeof zero6);
    data = read_ok(&c, "mscp", "cmapfile", &len);
    assert_int_equal(len, 0);
    c.cd->pfnCspFree(data);
    assert_enum(&c, NULL, "cardid\0cardcf\0cardapps\0", 24);
    assert_enum(&c, "mscp", "cmapfile\0", 10);
    assert_read_fails(&c, "mscp", "kxc00", SCARD_E_FILE_NOT_FOUND);
    assert_read_fails(&c, "mscp", "ksc17", SCARD_E_FILE_NOT_FOUND);
    memset(&ci, 0, sizeof ci);
    assert_int_equal(c.cd->pfnCardGetContainerInfo(c.cd, 0, 0, &ci), SCARD_E_NO_KEY_CONTAINER);
    assert_int_equal(c.cd->pfnCardGetFileInfo(c.cd, NULL, (LPSTR) "cardid", &fi),
                     SCARD_S_SUCCESS);
    assert_int_equal(fi.cbFileSize, 16);
    assert_int_equal(fi.AccessCondition, EveryoneReadAdminWriteAc);
    assert_int_equal(c.cd->pfnCardGetFileInfo(c.cd, NULL, (LPSTR) "cardcf", &fi),
                     SCARD_S_SUCCESS);
    assert_int_equal(fi.cbFileSize, 6);
    assert_int_equal(fi.AccessCondition, EveryoneReadUserWriteAc);
    conf_close(&c);
}

static void test_queries(void **state)
{
    conf c;
    CARD_CAPABILITIES caps = {0, 7, 7};
    CARD_KEY_SIZES ks;
    CARD_FREE_SPACE_INFO fs;
    (void)state;

    conf_open(&c, 4);
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, c.cd->pfnCardQueryCapabilities(c.cd, &caps));
    assert_int_equal(caps.dwVersion, CARD_CAPABILITIES_CURRENT_VERSION);
    assert_int_equal(caps.fCertificateCompression, 1);
    assert_int_equal(caps.fKeyGen, 1);
    caps.dwVersion = 2;
    CONF_NO_APDU(&c, ERROR_REVISION_MISMATCH, c.cd->pfnCardQueryCapabilities(c.cd, &caps));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, c.cd->pfnCardQueryCapabilities(c.cd, NULL));

    memset(&ks, 0, sizeof ks);
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, c.cd->pfnCardQueryKeySizes(c.cd, AT_KEYEXCHANGE, 0, &ks));
    assert_int_equal(ks.dwMinimumBitlen, 1024);
    assert_int_equal(ks.dwDefaultBitlen, 2048);
    assert_int_equal(ks.dwMaximumBitlen, 4096);
    assert_int_equal(ks.dwIncrementalBitlen, 1024);
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, c.cd->pfnCardQueryKeySizes(c.cd, AT_ECDHE_P384, 0, &ks));
    assert_int_equal(ks.dwMinimumBitlen, 384);
    assert_int_equal(ks.dwMaximumBitlen, 384);
    assert_int_equal(ks.dwIncrementalBitlen, 0);
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 c.cd->pfnCardQueryKeySizes(c.cd, AT_ECDSA_P521, 0, &ks));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, c.cd->pfnCardQueryKeySizes(c.cd, 9, 0, &ks));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, c.cd->pfnCardQueryKeySizes(c.cd, 1, 1, &ks));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, c.cd->pfnCardQueryKeySizes(c.cd, 1, 0, NULL));
    ks.dwVersion = 2;
    CONF_NO_APDU(&c, ERROR_REVISION_MISMATCH, c.cd->pfnCardQueryKeySizes(c.cd, 1, 0, &ks));

    memset(&fs, 0, sizeof fs);
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, c.cd->pfnCardQueryFreeSpace(c.cd, 1, &fs));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, c.cd->pfnCardQueryFreeSpace(c.cd, 0, NULL));
    assert_int_equal(c.cd->pfnCardQueryFreeSpace(c.cd, 0, &fs), SCARD_S_SUCCESS);
    assert_int_equal(fs.dwVersion, CARD_FREE_SPACE_INFO_CURRENT_VERSION);
    assert_int_equal(fs.dwBytesAvailable, CARD_DATA_VALUE_UNKNOWN);
    assert_int_equal(fs.dwKeyContainersAvailable, 24);
    assert_int_equal(fs.dwMaxKeyContainers, 24);
    conf_close(&c);
}

static void test_parameter_errors_send_nothing(void **state)
{
    conf c;
    PBYTE data = NULL;
    DWORD len = 0;
    LPSTR names = NULL;
    CARD_FILE_INFO fi = {2, 0, InvalidAc};
    CONTAINER_INFO ci = {0};
    (void)state;

    conf_open(&c, 7);
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardReadFile(c.cd, NULL, (LPSTR) "cardid", 1, &data, &len));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardReadFile(c.cd, NULL, (LPSTR) "cardid", 0, NULL, &len));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardReadFile(c.cd, NULL, (LPSTR) "cardid", 0, &data, NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardReadFile(c.cd, NULL, NULL, 0, &data, &len));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardReadFile(c.cd, NULL, (LPSTR) "", 0, &data, &len));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, /* nine characters: longer than any name */
                 c.cd->pfnCardReadFile(c.cd, NULL, (LPSTR) "cardid123", 0, &data, &len));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardReadFile(c.cd, (LPSTR) "mscpmscp1", (LPSTR) "x", 0, &data, &len));
    CONF_NO_APDU(&c, SCARD_E_DIR_NOT_FOUND,
                 c.cd->pfnCardReadFile(c.cd, (LPSTR) "other", (LPSTR) "cardid", 0, &data, &len));
    CONF_NO_APDU(&c, SCARD_E_FILE_NOT_FOUND,
                 c.cd->pfnCardReadFile(c.cd, NULL, (LPSTR) "msroots", 0, &data, &len));
    CONF_NO_APDU(&c, SCARD_E_FILE_NOT_FOUND, /* index 0x18 is past the 24 containers */
                 c.cd->pfnCardReadFile(c.cd, (LPSTR) "mscp", (LPSTR) "kxc18", 0, &data, &len));
    CONF_NO_APDU(&c, SCARD_E_FILE_NOT_FOUND, /* the CSP writes lower-case hex */
                 c.cd->pfnCardReadFile(c.cd, (LPSTR) "mscp", (LPSTR) "kxc0A", 0, &data, &len));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, c.cd->pfnCardEnumFiles(c.cd, NULL, &names, &len, 1));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, c.cd->pfnCardEnumFiles(c.cd, NULL, NULL, &len, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardEnumFiles(c.cd, NULL, &names, NULL, 0));
    CONF_NO_APDU(&c, SCARD_E_DIR_NOT_FOUND,
                 c.cd->pfnCardEnumFiles(c.cd, (LPSTR) "nope", &names, &len, 0));
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, c.cd->pfnCardEnumFiles(c.cd, NULL, &names, &len, 0));
    c.cd->pfnCspFree(names);
    CONF_NO_APDU(&c, ERROR_REVISION_MISMATCH,
                 c.cd->pfnCardGetFileInfo(c.cd, NULL, (LPSTR) "cardid", &fi));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardGetFileInfo(c.cd, NULL, (LPSTR) "cardid", NULL));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, c.cd->pfnCardGetContainerInfo(c.cd, 0, 1, &ci));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, c.cd->pfnCardGetContainerInfo(c.cd, 0, 0, NULL));
    CONF_NO_APDU(&c, SCARD_E_NO_KEY_CONTAINER, c.cd->pfnCardGetContainerInfo(c.cd, 24, 0, &ci));
    ci.dwVersion = 2;
    CONF_NO_APDU(&c, ERROR_REVISION_MISMATCH, c.cd->pfnCardGetContainerInfo(c.cd, 0, 0, &ci));
    conf_close(&c);
}

/* n of an RSA key, big-endian, and its exponent. */
static size_t rsa_n(EVP_PKEY *k, uint8_t *n, size_t cap)
{
    BIGNUM *v = NULL;
    int len;
    assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &v), 1);
    len = BN_num_bytes(v);
    assert_true((size_t)len <= cap);
    BN_bn2bin(v, n);
    BN_free(v);
    return (size_t)len;
}

static void check_rsa_blob(const uint8_t *blob, DWORD len, EVP_PKEY *k, uint8_t alg_hi)
{
    uint8_t n[512];
    size_t nl = rsa_n(k, n, sizeof n);
    static const uint8_t exp[4] = {0x01, 0x00, 0x01, 0x00};
    assert_int_equal(len, 20 + nl);
    assert_int_equal(blob[0], 0x06); /* PUBLICKEYBLOB */
    assert_int_equal(blob[1], 0x02);
    assert_int_equal(blob[5], alg_hi); /* CALG_RSA_KEYX A400 / CALG_RSA_SIGN 2400 */
    assert_memory_equal(blob + 8, "RSA1", 4);
    assert_int_equal(blob[12] | blob[13] << 8, nl * 8);
    assert_memory_equal(blob + 16, exp, 4);
    for (size_t i = 0; i < nl; i++)
        assert_int_equal(blob[20 + i], n[nl - 1 - i]); /* little-endian modulus */
}

static void check_ec_blob(const uint8_t *blob, DWORD len, EVP_PKEY *k, uint32_t magic,
                          size_t size)
{
    uint8_t pt[133];
    size_t pl = 0;
    assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt,
                                                     &pl), 1);
    assert_int_equal(pl, 1 + 2 * size);
    assert_int_equal(len, 8 + 2 * size);
    assert_int_equal(blob[0] | blob[1] << 8 | blob[2] << 16 | (uint32_t)blob[3] << 24, magic);
    assert_int_equal(blob[4], size);
    assert_memory_equal(blob + 8, pt + 1, 2 * size);
}

typedef struct card4 {
    vpiv_card *card;
    EVP_PKEY *k[4];
    uint8_t *der[4];
    size_t der_len[4];
} card4;

/* RSA-2048 in 9A, P-256 in 9C (gzip certificate), P-384 in 9D, RSA-1024 in 85 (retired 4,
 * container 7), the key history saying four retired keys have certificates. */
static void make_card4(card4 *k)
{
    static const uint8_t history[] = {0xC1, 0x01, 0x04, 0xC2, 0x01, 0x00, 0xFE, 0x00};
    k->card = conf_card_new(7);
    k->k[0] = conf_card_key_and_cert(k->card, 0x9A, "rsa2048", false, &k->der[0], &k->der_len[0]);
    k->k[1] = conf_card_key_and_cert(k->card, 0x9C, "p256", true, &k->der[1], &k->der_len[1]);
    k->k[2] = conf_card_key_and_cert(k->card, 0x9D, "p384", false, &k->der[2], &k->der_len[2]);
    k->k[3] = conf_card_key_and_cert(k->card, 0x85, "rsa1024", false, &k->der[3], &k->der_len[3]);
    conf_card_put(k->card, 0x5FC10C, history, sizeof history);
}

static void free_card4(card4 *k)
{
    for (int i = 0; i < 4; i++) {
        EVP_PKEY_free(k->k[i]);
        free(k->der[i]);
    }
    vpiv_free(k->card);
}

static void check_guid_shape(const uint8_t *rec)
{
    /* {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}, UTF-16LE, NUL-terminated */
    assert_int_equal(rec[0], '{');
    assert_int_equal(rec[2 * 37], '}');
    assert_int_equal(rec[2 * 9], '-');
    assert_int_equal(rec[2 * 38], 0);
    assert_int_equal(rec[2 * 38 + 1], 0);
}

static void test_containers(void **state)
{
    card4 k;
    conf c;
    DWORD len;
    uint8_t *cmap;
    CONTAINER_INFO ci;
    CARD_FILE_INFO fi = {0, 0, InvalidAc};
    CARD_FREE_SPACE_INFO fs = {0};
    (void)state;

    make_card4(&k);
    conf_open_on(&c, k.card, 7);
    cmap = read_ok(&c, "mscp", "cmapfile", &len);
    assert_int_equal(len, 8 * 86);
    /* 0: 9A RSA-2048 key exchange, the default; 1: 9C ECDSA P-256; 2: 9D ECDH P-384;
     * 3..6 empty; 7: 85 RSA-1024 key exchange. */
    check_guid_shape(cmap);
    assert_int_equal(cmap[80], CONTAINER_MAP_VALID_CONTAINER | CONTAINER_MAP_DEFAULT_CONTAINER);
    assert_int_equal(cmap[82] | cmap[83] << 8, 0);
    assert_int_equal(cmap[84] | cmap[85] << 8, 2048);
    assert_int_equal(cmap[86 + 80], CONTAINER_MAP_VALID_CONTAINER);
    assert_int_equal(cmap[86 + 82] | cmap[86 + 83] << 8, 256);
    assert_int_equal(cmap[2 * 86 + 84] | cmap[2 * 86 + 85] << 8, 384);
    for (int i = 3; i < 7; i++)
        for (int b = 0; b < 86; b++)
            assert_int_equal(cmap[i * 86 + b], 0);
    assert_int_equal(cmap[7 * 86 + 80], CONTAINER_MAP_VALID_CONTAINER);
    assert_int_equal(cmap[7 * 86 + 84] | cmap[7 * 86 + 85] << 8, 1024);
    assert_memory_not_equal(cmap, cmap + 86, 76); /* GUIDs differ per slot */
    c.cd->pfnCspFree(cmap);

    assert_file(&c, "mscp", "kxc00", k.der[0], k.der_len[0]);
    assert_file(&c, "mscp", "ksc01", k.der[1], k.der_len[1]); /* gzip undone */
    assert_file(&c, "mscp", "kxc02", k.der[2], k.der_len[2]);
    assert_file(&c, "mscp", "kxc07", k.der[3], k.der_len[3]);
    assert_read_fails(&c, "mscp", "ksc00", SCARD_E_FILE_NOT_FOUND);
    assert_read_fails(&c, "mscp", "kxc01", SCARD_E_FILE_NOT_FOUND);
    assert_read_fails(&c, "mscp", "kxc03", SCARD_E_FILE_NOT_FOUND);
    assert_enum(&c, "mscp", "cmapfile\0kxc00\0ksc01\0kxc02\0kxc07\0", 34);
    assert_int_equal(c.cd->pfnCardGetFileInfo(c.cd, (LPSTR) "mscp", (LPSTR) "ksc01", &fi),
                     SCARD_S_SUCCESS);
    assert_int_equal(fi.cbFileSize, k.der_len[1]);
    assert_int_equal(fi.AccessCondition, EveryoneReadUserWriteAc);

    memset(&ci, 0, sizeof ci);
    assert_int_equal(c.cd->pfnCardGetContainerInfo(c.cd, 0, 0, &ci), SCARD_S_SUCCESS);
    assert_int_equal(ci.dwVersion, CONTAINER_INFO_CURRENT_VERSION);
    assert_null(ci.pbSigPublicKey);
    assert_int_equal(ci.cbSigPublicKey, 0);
    check_rsa_blob(ci.pbKeyExPublicKey, ci.cbKeyExPublicKey, k.k[0], 0xA4);
    c.cd->pfnCspFree(ci.pbKeyExPublicKey);

    memset(&ci, 0, sizeof ci);
    assert_int_equal(c.cd->pfnCardGetContainerInfo(c.cd, 1, 0, &ci), SCARD_S_SUCCESS);
    assert_null(ci.pbKeyExPublicKey);
    check_ec_blob(ci.pbSigPublicKey, ci.cbSigPublicKey, k.k[1], 0x31534345, 32); /* ECS1 */
    c.cd->pfnCspFree(ci.pbSigPublicKey);

    memset(&ci, 0, sizeof ci);
    assert_int_equal(c.cd->pfnCardGetContainerInfo(c.cd, 2, 0, &ci), SCARD_S_SUCCESS);
    assert_null(ci.pbSigPublicKey);
    check_ec_blob(ci.pbKeyExPublicKey, ci.cbKeyExPublicKey, k.k[2], 0x334B4345, 48); /* ECK3 */
    c.cd->pfnCspFree(ci.pbKeyExPublicKey);

    memset(&ci, 0, sizeof ci);
    assert_int_equal(c.cd->pfnCardGetContainerInfo(c.cd, 7, 0, &ci), SCARD_S_SUCCESS);
    check_rsa_blob(ci.pbKeyExPublicKey, ci.cbKeyExPublicKey, k.k[3], 0xA4);
    c.cd->pfnCspFree(ci.pbKeyExPublicKey);
    assert_int_equal(c.cd->pfnCardGetContainerInfo(c.cd, 3, 0, &ci), SCARD_E_NO_KEY_CONTAINER);

    assert_int_equal(c.cd->pfnCardQueryFreeSpace(c.cd, 0, &fs), SCARD_S_SUCCESS);
    assert_int_equal(fs.dwKeyContainersAvailable, 20);
    conf_close(&c);
    free_card4(&k);
}

/* A Yubico container map names the containers and picks the default; a key the map lists
 * without a certificate gets its public key from GET METADATA. */
static void test_container_map_object(void **state)
{
    static const char *names[2] = {"{11111111-2222-3333-4444-555555555555}", "my key"};
    uint8_t obj[4 + 2 * 107], *rec;
    vpiv_card *card = conf_card_new(9);
    EVP_PKEY *k0, *k2;
    uint8_t *der;
    size_t der_len;
    conf c;
    DWORD len;
    uint8_t *cmap;
    CONTAINER_INFO ci;
    (void)state;

    k0 = conf_card_key_and_cert(card, 0x9A, "p256", false, &der, &der_len);
    k2 = conf_card_import(card, 0x9D, "rsa2048"); /* no certificate */
    memset(obj, 0, sizeof obj);
    obj[0] = 0x81;
    obj[1] = 0x81;
    obj[2] = 2 * 107;
    for (int r = 0; r < 2; r++) {
        rec = obj + 3 + r * 107;
        for (size_t i = 0; names[r][i]; i++)
            rec[2 * i] = (uint8_t)names[r][i];
        rec[80] = r ? 0x9D : 0x9A;                        /* slot */
        rec[81] = r ? AT_KEYEXCHANGE : AT_ECDSA_P256;     /* key spec */
        rec[82] = r ? 0x00 : 0x00;                        /* bits, LE */
        rec[83] = r ? 0x08 : 0x01;
        rec[84] = r ? (CONTAINER_MAP_VALID_CONTAINER | CONTAINER_MAP_DEFAULT_CONTAINER)
                    : CONTAINER_MAP_VALID_CONTAINER;
    }
    conf_card_put(card, 0x5FFF10, obj, 3 + 2 * 107);
    conf_open_on(&c, card, 7);
    cmap = read_ok(&c, "mscp", "cmapfile", &len);
    assert_int_equal(len, 3 * 86);
    for (size_t i = 0; i < 38; i++)
        assert_int_equal(cmap[2 * i], (uint8_t)names[0][i]);
    assert_int_equal(cmap[80], CONTAINER_MAP_VALID_CONTAINER);
    assert_int_equal(cmap[82] | cmap[83] << 8, 256);
    assert_int_equal(cmap[2 * 86], 'm');
    assert_int_equal(cmap[2 * 86 + 80],
                     CONTAINER_MAP_VALID_CONTAINER | CONTAINER_MAP_DEFAULT_CONTAINER);
    assert_int_equal(cmap[2 * 86 + 84] | cmap[2 * 86 + 85] << 8, 2048);
    c.cd->pfnCspFree(cmap);
    assert_enum(&c, "mscp", "cmapfile\0ksc00\0", 16); /* no certificate file for 9D */
    memset(&ci, 0, sizeof ci);
    assert_int_equal(c.cd->pfnCardGetContainerInfo(c.cd, 2, 0, &ci), SCARD_S_SUCCESS);
    check_rsa_blob(ci.pbKeyExPublicKey, ci.cbKeyExPublicKey, k2, 0xA4);
    c.cd->pfnCspFree(ci.pbKeyExPublicKey);
    conf_close(&c);
    EVP_PKEY_free(k0);
    EVP_PKEY_free(k2);
    free(der);
    vpiv_free(card);
}

static void test_cardid_from_chuid(void **state)
{
    static const uint8_t chuid[] = {0x30, 0x19, 0xD4, 0xE7, 0x39, 0xDA, 0x73, 0x9C, 0xED, 0x39,
                                    0xCE, 0x73, 0x9D, 0x83, 0x68, 0x58, 0x21, 0x08, 0x42, 0x10,
                                    0x84, 0x21, 0xC8, 0x42, 0x10, 0xC3, 0xEB, 0x34, 0x10, 0x0A,
                                    0x1B, 0x2C, 0x3D, 0x4E, 0x5F, 0x60, 0x71, 0x82, 0x93, 0xA4,
                                    0xB5, 0xC6, 0xD7, 0xE8, 0xF9, 0x35, 0x08, 0x32, 0x30, 0x33,
                                    0x30, 0x30, 0x31, 0x30, 0x31, 0x3E, 0x00, 0xFE, 0x00};
    vpiv_card *card = conf_card_new(11);
    conf c;
    (void)state;

    conf_card_put(card, 0x5FC102, chuid, sizeof chuid);
    conf_open_on(&c, card, 5);
    assert_file(&c, NULL, "cardid", chuid + 29, 16);
    conf_close(&c);
    vpiv_free(card);
}

/* A second context on an unchanged card finds the container map and the certificate in the
 * CSP cache: reading them costs the cardcf read alone. A new cardcf makes it read again. */
static void test_warm_cache(void **state)
{
    static const uint8_t cf2[] = {0xC0, 0x06, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
    card4 k;
    conf c;
    ch_host_cache *cache;
    CONTAINER_INFO ci;
    unsigned long before;
    (void)state;

    make_card4(&k);
    conf_open_on(&c, k.card, 7);
    before = conf_apdus(&c);
    assert_file(&c, "mscp", "kxc00", k.der[0], k.der_len[0]);
    /* cold: CHUID (absent), serial, cardcf, container map, key history, eight certificate
     * objects (9A in chunks), then nothing more for the file itself: it was cached. */
    assert_true(conf_apdus(&c) - before > 10);
    cache = conf_take_cache(&c);
    conf_close(&c);

    conf_open_on(&c, k.card, 7);
    conf_give_cache(&c, cache);
    before = conf_apdus(&c);
    assert_file(&c, "mscp", "kxc00", k.der[0], k.der_len[0]);
    assert_int_equal(conf_apdus(&c) - before, 3); /* CHUID, serial, cardcf: no certificate */
    before = conf_apdus(&c);
    assert_file(&c, "mscp", "ksc01", k.der[1], k.der_len[1]);
    assert_int_equal(conf_apdus(&c) - before, 1); /* cardcf */
    before = conf_apdus(&c);
    memset(&ci, 0, sizeof ci);
    assert_int_equal(c.cd->pfnCardGetContainerInfo(c.cd, 0, 0, &ci), SCARD_S_SUCCESS);
    c.cd->pfnCspFree(ci.pbKeyExPublicKey);
    assert_int_equal(conf_apdus(&c) - before, 1);

    /* Another process changed the card and bumped wContainersFreshness: read again. */
    vt_admin(k.card); /* the module's SELECT ended the earlier session */
    conf_card_put(k.card, 0x5FFF0E, cf2, sizeof cf2);
    assert_file(&c, NULL, "cardcf", cf2 + 2, 6);
    before = conf_apdus(&c);
    assert_file(&c, "mscp", "kxc00", k.der[0], k.der_len[0]);
    assert_true(conf_apdus(&c) - before > 3);
    conf_close(&c);
    free_card4(&k);
}

/* Without cache callbacks everything still works, from the card every time. */
static void test_no_cache_callbacks(void **state)
{
    card4 k;
    conf c;
    (void)state;

    make_card4(&k);
    conf_open_on(&c, k.card, 6);
    c.cd->pfnCspCacheAddFile = NULL;
    c.cd->pfnCspCacheLookupFile = NULL;
    c.cd->pfnCspCacheDeleteFile = NULL;
    assert_file(&c, "mscp", "ksc01", k.der[1], k.der_len[1]);
    assert_file(&c, "mscp", "kxc07", k.der[3], k.der_len[3]);
    conf_close(&c);
    free_card4(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_card_files),
        cmocka_unit_test(test_queries),
        cmocka_unit_test(test_parameter_errors_send_nothing),
        cmocka_unit_test(test_containers),
        cmocka_unit_test(test_container_map_object),
        cmocka_unit_test(test_cardid_from_chuid),
        cmocka_unit_test(test_warm_cache),
        cmocka_unit_test(test_no_cache_callbacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
