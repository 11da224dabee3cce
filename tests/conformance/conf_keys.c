#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "conf_keys.h"
#include "md_context.h"
#include "vpiv_test_apdu.h"

#ifdef _WIN32
#undef X509_NAME /* wincrypt.h (through cardmod.h) defines it; OpenSSL's type is meant here */
#endif

#define RSA1_MAGIC 0x31415352u

/* ======================================================================================
 * Host keys
 * ==================================================================================== */

static const char *const kinds[] = {"rsa1024", "rsa2048", "rsa3072", "rsa4096", "p256", "p384"};
#define N_KINDS (sizeof kinds / sizeof kinds[0])
#define PER_KIND 3u
static EVP_PKEY *keys[N_KINDS][PER_KIND];

EVP_PKEY *ck_key(const char *kind, unsigned n)
{
    size_t i = 0;

    while (i < N_KINDS && strcmp(kinds[i], kind) != 0)
        i++;
    assert_true(i < N_KINDS);
    assert_true(n < PER_KIND);
    if (!keys[i][n]) {
        if (kind[0] == 'r')
            keys[i][n] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)atoi(kind + 3));
        else
            keys[i][n] = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
                                           strcmp(kind, "p256") == 0 ? "P-256" : "P-384");
        assert_non_null(keys[i][n]);
    }
    return keys[i][n];
}

int ck_keys_free(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++)
        for (size_t n = 0; n < PER_KIND; n++) {
            EVP_PKEY_free(keys[i][n]);
            keys[i][n] = NULL;
        }
    return 0;
}

bool ck_key_is_rsa(const EVP_PKEY *k)
{
    return EVP_PKEY_is_a(k, "RSA") == 1;
}

size_t ck_key_bytes(const EVP_PKEY *k)
{
    int bits = EVP_PKEY_get_bits(k);
    assert_true(bits > 0);
    return ((size_t)bits + 7u) / 8u;
}

/* ======================================================================================
 * Blobs
 * ==================================================================================== */

static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

size_t ck_rsa_blob(const EVP_PKEY *k, ALG_ID alg, uint8_t *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *mem = NULL;
    long n;

    assert_non_null(b);
    assert_true(i2b_PrivateKey_bio(b, k) > 0);
    n = BIO_get_mem_data(b, &mem);
    assert_true(n > 20 && (size_t)n <= cap);
    memcpy(out, mem, (size_t)n);
    BIO_free(b);
    assert_int_equal(out[0], 0x07); /* what OpenSSL wrote: PRIVATEKEYBLOB, version 2, RSA2 */
    assert_int_equal(out[1], 0x02);
    assert_int_equal(get32le(out + 8), 0x32415352u);
    put32le(out + 4, alg);
    return (size_t)n;
}

static bool magic_is_private(uint32_t magic)
{
    return ((magic >> 24) - '0') % 2u == 0;
}

/* 04 || X || Y of an EC key. */
static size_t ec_point(const EVP_PKEY *k, uint8_t *pt, size_t cap)
{
    size_t n = 0;
    assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, cap, &n), 1);
    assert_int_equal(pt[0], 0x04);
    return n;
}

size_t ck_ecc_blob(const EVP_PKEY *k, uint32_t magic, uint8_t *out, size_t cap)
{
    uint8_t pt[1 + 2 * 66];
    size_t field = ck_key_bytes(k), o = 8;

    assert_int_equal(ec_point(k, pt, sizeof pt), 1 + 2 * field);
    assert_true(cap >= 8 + (magic_is_private(magic) ? 3 : 2) * field);
    put32le(out, magic);
    put32le(out + 4, (uint32_t)field);
    memcpy(out + o, pt + 1, 2 * field);
    o += 2 * field;
    if (magic_is_private(magic)) {
        BIGNUM *d = NULL;
        assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
        assert_int_equal(BN_bn2binpad(d, out + o, (int)field), (int)field);
        BN_clear_free(d);
        o += field;
    }
    return o;
}

static uint32_t ecc_magic(DWORD spec, bool private)
{
    uint32_t m;
    switch (spec) {
    case AT_ECDSA_P256: m = BCRYPT_ECDSA_PUBLIC_P256_MAGIC; break;
    case AT_ECDSA_P384: m = BCRYPT_ECDSA_PUBLIC_P384_MAGIC; break;
    case AT_ECDHE_P256: m = BCRYPT_ECDH_PUBLIC_P256_MAGIC; break;
    case AT_ECDHE_P384: m = BCRYPT_ECDH_PUBLIC_P384_MAGIC; break;
    default: fail_msg("not an ECC keyspec: %u", (unsigned)spec); return 0;
    }
    return private ? m + 0x01000000u : m; /* '1' -> '2', '3' -> '4' */
}

size_t ck_import_blob(const EVP_PKEY *k, DWORD spec, uint8_t *out, size_t cap)
{
    if (ck_key_is_rsa(k))
        return ck_rsa_blob(k, spec == AT_SIGNATURE ? CALG_RSA_SIGN : CALG_RSA_KEYX, out, cap);
    return ck_ecc_blob(k, ecc_magic(spec, true), out, cap);
}

size_t ck_public_blob(const EVP_PKEY *k, DWORD spec, uint8_t *out, size_t cap)
{
    if (ck_key_is_rsa(k)) {
        BIGNUM *n = NULL, *e = NULL;
        size_t kb = ck_key_bytes(k);
        uint8_t be[512];
        assert_true(cap >= 20 + kb);
        assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n), 1);
        assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e), 1);
        out[0] = 0x06; /* PUBLICKEYBLOB */
        out[1] = 0x02;
        out[2] = out[3] = 0;
        put32le(out + 4, spec == AT_SIGNATURE ? CALG_RSA_SIGN : CALG_RSA_KEYX);
        put32le(out + 8, RSA1_MAGIC);
        put32le(out + 12, (uint32_t)(kb * 8));
        put32le(out + 16, (uint32_t)BN_get_word(e));
        assert_int_equal(BN_bn2binpad(n, be, (int)kb), (int)kb);
        ck_reverse(out + 20, be, kb);
        BN_free(n);
        BN_free(e);
        return 20 + kb;
    }
    return ck_ecc_blob(k, ecc_magic(spec, false), out, cap);
}

EVP_PKEY *ck_pkey_from_blob(const uint8_t *blob, size_t len)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    assert_non_null(bld);
    assert_true(len >= 8);
    if (blob[0] == 0x06) {
        size_t kb;
        uint8_t be[512];
        BIGNUM *n, *e;
        EVP_PKEY *k;
        assert_true(len >= 20);
        assert_int_equal(get32le(blob + 8), RSA1_MAGIC);
        kb = get32le(blob + 12) / 8u;
        assert_int_equal(len, 20 + kb);
        assert_true(kb <= sizeof be);
        ck_reverse(be, blob + 20, kb);
        n = BN_bin2bn(be, (int)kb, NULL);
        e = BN_new();
        assert_non_null(n);
        assert_non_null(e);
        assert_int_equal(BN_set_word(e, get32le(blob + 16)), 1);
        assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n), 1);
        assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e), 1);
        k = vt_pkey_fromdata("RSA", bld);
        BN_free(n);
        BN_free(e);
        return k;
    }
    {
        size_t field = get32le(blob + 4);
        uint8_t pt[1 + 2 * 48];
        assert_true(field == 32 || field == 48);
        assert_int_equal(len, 8 + 2 * field);
        assert_false(magic_is_private(get32le(blob)));
        pt[0] = 0x04;
        memcpy(pt + 1, blob + 8, 2 * field);
        assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                                         field == 32 ? "P-256" : "P-384", 0),
                         1);
        assert_int_equal(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt,
                                                          1 + 2 * field),
                         1);
        return vt_pkey_fromdata("EC", bld);
    }
}

/* ======================================================================================
 * Module calls
 * ==================================================================================== */

void ck_admin(conf *c)
{
    PBYTE challenge = NULL;
    DWORD n = 0;
    uint8_t resp[8];
    int len = 0, fin = 0;
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();

    assert_non_null(x);
    assert_int_equal(c->cd->pfnCardGetChallenge(c->cd, &challenge, &n), SCARD_S_SUCCESS);
    assert_int_equal(n, 8); /* the default key is 3DES */
    assert_int_equal(EVP_EncryptInit_ex(x, EVP_des_ede3_ecb(), NULL, vt_default_key, NULL), 1);
    assert_int_equal(EVP_CIPHER_CTX_set_padding(x, 0), 1);
    assert_int_equal(EVP_EncryptUpdate(x, resp, &len, challenge, 8), 1);
    assert_int_equal(EVP_EncryptFinal_ex(x, resp + len, &fin), 1);
    EVP_CIPHER_CTX_free(x);
    c->cd->pfnCspFree(challenge);
    assert_int_equal(c->cd->pfnCardAuthenticateChallenge(c->cd, resp, 8, NULL), SCARD_S_SUCCESS);
    assert_true(c->card->mgm_authenticated);
}

void ck_pin(conf *c)
{
    assert_int_equal(c->cd->pfnCardAuthenticateEx(c->cd, ROLE_USER, 0, (PBYTE)CK_PIN,
                                                  (DWORD)strlen(CK_PIN), NULL, NULL, NULL),
                     SCARD_S_SUCCESS);
    assert_true(c->card->pin_verified);
}

DWORD ck_import(conf *c, BYTE idx, DWORD spec, DWORD size, const EVP_PKEY *k)
{
    uint8_t buf[CK_BLOB_MAX];
    size_t n = ck_import_blob(k, spec, buf, sizeof buf);
    uint8_t *blob = malloc(n); /* exactly the blob: ASan sees any read past it */
    DWORD rc;

    assert_non_null(blob);
    memcpy(blob, buf, n);
    OPENSSL_cleanse(buf, sizeof buf);
    rc = c->cd->pfnCardCreateContainerEx(c->cd, idx, CARD_CREATE_CONTAINER_KEY_IMPORT, spec,
                                         size, blob, ROLE_USER);
    OPENSSL_cleanse(blob, n);
    free(blob);
    return rc;
}

void ck_assert_container_key(conf *c, BYTE idx, const EVP_PKEY *k, DWORD spec)
{
    uint8_t want[CK_BLOB_MAX];
    size_t n = ck_public_blob(k, spec, want, sizeof want);
    bool sig = spec == AT_SIGNATURE || spec == AT_ECDSA_P256 || spec == AT_ECDSA_P384;
    CONTAINER_INFO ci;

    memset(&ci, 0, sizeof ci);
    assert_int_equal(c->cd->pfnCardGetContainerInfo(c->cd, idx, 0, &ci), SCARD_S_SUCCESS);
    assert_int_equal(ci.dwVersion, CONTAINER_INFO_CURRENT_VERSION);
    if (sig) {
        assert_null(ci.pbKeyExPublicKey);
        assert_int_equal(ci.cbKeyExPublicKey, 0);
        assert_int_equal(ci.cbSigPublicKey, n);
        assert_memory_equal(ci.pbSigPublicKey, want, n);
        c->cd->pfnCspFree(ci.pbSigPublicKey);
    } else {
        assert_null(ci.pbSigPublicKey);
        assert_int_equal(ci.cbSigPublicKey, 0);
        assert_int_equal(ci.cbKeyExPublicKey, n);
        assert_memory_equal(ci.pbKeyExPublicKey, want, n);
        c->cd->pfnCspFree(ci.pbKeyExPublicKey);
    }
}

EVP_PKEY *ck_container_key(conf *c, BYTE idx, bool *in_sig)
{
    CONTAINER_INFO ci;
    EVP_PKEY *k;

    memset(&ci, 0, sizeof ci);
    assert_int_equal(c->cd->pfnCardGetContainerInfo(c->cd, idx, 0, &ci), SCARD_S_SUCCESS);
    assert_true((ci.pbSigPublicKey == NULL) != (ci.pbKeyExPublicKey == NULL));
    *in_sig = ci.pbSigPublicKey != NULL;
    if (*in_sig)
        k = ck_pkey_from_blob(ci.pbSigPublicKey, ci.cbSigPublicKey);
    else
        k = ck_pkey_from_blob(ci.pbKeyExPublicKey, ci.cbKeyExPublicKey);
    c->cd->pfnCspFree(*in_sig ? ci.pbSigPublicKey : ci.pbKeyExPublicKey);
    return k;
}

uint8_t *ck_read(conf *c, const char *dir, const char *file, DWORD *len)
{
    PBYTE data = NULL;
    *len = 0xDEAD;
    assert_int_equal(c->cd->pfnCardReadFile(c->cd, (LPSTR)dir, (LPSTR)file, 0, &data, len),
                     SCARD_S_SUCCESS);
    assert_non_null(data);
    return data;
}

void ck_read_fails(conf *c, const char *dir, const char *file, DWORD want)
{
    PBYTE data = (PBYTE)0x1;
    DWORD len = 77;
    assert_int_equal(c->cd->pfnCardReadFile(c->cd, (LPSTR)dir, (LPSTR)file, 0, &data, &len),
                     want);
    assert_ptr_equal(data, (PBYTE)0x1);
    assert_int_equal(len, 77);
}

void ck_cardcf(conf *c, unsigned *containers, unsigned *files)
{
    DWORD len;
    uint8_t *cf = ck_read(c, NULL, "cardcf", &len);
    assert_true(len >= 6);
    *containers = (unsigned)cf[2] | (unsigned)cf[3] << 8;
    *files = (unsigned)cf[4] | (unsigned)cf[5] << 8;
    c->cd->pfnCspFree(cf);
}

bool ck_signs_as(conf *c, BYTE idx, DWORD spec, const EVP_PKEY *k, const char *msg)
{
    uint8_t hash[32];
    CARD_SIGNING_INFO si;
    bool ok;

    ck_hash(EVP_sha256(), msg, strlen(msg), hash);
    memset(&si, 0, sizeof si);
    si.dwVersion = CARD_SIGNING_INFO_CURRENT_VERSION;
    si.bContainerIndex = idx;
    si.dwKeySpec = spec;
    si.aiHashAlg = CALG_SHA_256;
    si.pbData = hash;
    si.cbData = sizeof hash;
    assert_int_equal(c->cd->pfnCardSignData(c->cd, &si), SCARD_S_SUCCESS);
    assert_non_null(si.pbSignedData);
    if (ck_key_is_rsa(k))
        ok = si.cbSignedData == ck_key_bytes(k) &&
             ck_rsa_pkcs1_ok(k, EVP_sha256(), hash, sizeof hash, si.pbSignedData,
                             si.cbSignedData);
    else
        ok = si.cbSignedData == 2 * ck_key_bytes(k) &&
             ck_ecdsa_ok(k, hash, sizeof hash, si.pbSignedData, si.cbSignedData);
    c->cd->pfnCspFree(si.pbSignedData);
    return ok;
}

/* ======================================================================================
 * APDUs by instruction
 * ==================================================================================== */

static unsigned long ins_count[256];

static void count_ins(void *hook_ctx, const uint8_t *capdu, size_t capdu_len,
                      const uint8_t *rapdu, size_t rapdu_len, uint32_t transport_rc)
{
    (void)hook_ctx, (void)rapdu, (void)rapdu_len, (void)transport_rc;
    if (capdu_len >= 2 && !(capdu[0] & 0x10)) /* a chain counts once, at its last block */
        ins_count[capdu[1]]++;
}

void ck_watch(conf *c)
{
    ch_md_ctx *ctx = ch_md_ctx_of(c->cd);
    assert_non_null(ctx);
    memset(ins_count, 0, sizeof ins_count);
    ctx->apdu.hook = count_ins;
    ctx->apdu.hook_ctx = NULL;
}

unsigned long ck_sent(uint8_t ins)
{
    return ins_count[ins];
}

/* ======================================================================================
 * OpenSSL as the verifier
 * ==================================================================================== */

void ck_reverse(uint8_t *out, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[n - 1 - i];
}

static EVP_PKEY_CTX *verify_ctx(const EVP_PKEY *pub)
{
    EVP_PKEY_CTX *x = EVP_PKEY_CTX_new((EVP_PKEY *)pub, NULL);
    assert_non_null(x);
    assert_int_equal(EVP_PKEY_verify_init(x), 1);
    return x;
}

bool ck_rsa_pkcs1_ok(const EVP_PKEY *pub, const EVP_MD *md, const uint8_t *data, size_t len,
                     const uint8_t *sig_le, size_t sig_len)
{
    uint8_t sig[512];
    EVP_PKEY_CTX *x = verify_ctx(pub);
    int r;

    assert_true(sig_len <= sizeof sig);
    ck_reverse(sig, sig_le, sig_len);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(x, RSA_PKCS1_PADDING), 1);
    if (md)
        assert_int_equal(EVP_PKEY_CTX_set_signature_md(x, md), 1);
    r = EVP_PKEY_verify(x, sig, sig_len, data, len);
    EVP_PKEY_CTX_free(x);
    return r == 1;
}

bool ck_rsa_pss_ok(const EVP_PKEY *pub, const EVP_MD *md, int salt, const uint8_t *hash,
                   size_t len, const uint8_t *sig_le, size_t sig_len)
{
    uint8_t sig[512];
    EVP_PKEY_CTX *x = verify_ctx(pub);
    int r;

    assert_true(sig_len <= sizeof sig);
    ck_reverse(sig, sig_le, sig_len);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(x, RSA_PKCS1_PSS_PADDING), 1);
    assert_int_equal(EVP_PKEY_CTX_set_signature_md(x, md), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(x, md), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(x, salt), 1);
    r = EVP_PKEY_verify(x, sig, sig_len, hash, len);
    EVP_PKEY_CTX_free(x);
    return r == 1;
}

bool ck_ecdsa_ok(const EVP_PKEY *pub, const uint8_t *hash, size_t len, const uint8_t *rs,
                 size_t rs_len)
{
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(rs, (int)(rs_len / 2), NULL);
    BIGNUM *sv = BN_bin2bn(rs + rs_len / 2, (int)(rs_len / 2), NULL);
    unsigned char *der = NULL;
    EVP_PKEY_CTX *x = verify_ctx(pub);
    int der_len, ok;

    assert_non_null(s);
    assert_non_null(r);
    assert_non_null(sv);
    assert_int_equal(ECDSA_SIG_set0(s, r, sv), 1);
    der_len = i2d_ECDSA_SIG(s, &der);
    assert_true(der_len > 0);
    ok = EVP_PKEY_verify(x, der, (size_t)der_len, hash, len);
    OPENSSL_free(der);
    ECDSA_SIG_free(s);
    EVP_PKEY_CTX_free(x);
    return ok == 1;
}

void ck_rsa_public_raw(const EVP_PKEY *pub, const uint8_t *in, uint8_t *out)
{
    size_t k = ck_key_bytes(pub), out_len = k;
    EVP_PKEY_CTX *x = EVP_PKEY_CTX_new((EVP_PKEY *)pub, NULL);

    assert_non_null(x);
    assert_int_equal(EVP_PKEY_encrypt_init(x), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(x, RSA_NO_PADDING), 1);
    assert_int_equal(EVP_PKEY_encrypt(x, out, &out_len, in, k), 1);
    assert_int_equal(out_len, k);
    EVP_PKEY_CTX_free(x);
}

size_t ck_hash(const EVP_MD *md, const void *data, size_t len, uint8_t *out)
{
    unsigned int n = 0;
    assert_int_equal(EVP_Digest(data, len, out, &n, md, NULL), 1);
    return n;
}

/* ======================================================================================
 * Certificates and card objects
 * ==================================================================================== */

void ck_make_cert(const EVP_PKEY *key, const char *cn, const uint8_t *ext, size_t ext_len,
                  uint8_t **der, size_t *len)
{
    X509 *x = X509_new();
    X509_NAME *name;
    unsigned char *p = NULL;
    int n;

    assert_non_null(x);
    assert_int_equal(X509_set_version(x, 2), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 5555), 1);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365));
    assert_int_equal(X509_set_pubkey(x, (EVP_PKEY *)key), 1);
    name = X509_get_subject_name(x);
    assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                                (const unsigned char *)cn, -1, -1, 0), 1);
    assert_int_equal(X509_set_issuer_name(x, name), 1);
    if (ext_len) {
        ASN1_OBJECT *obj = OBJ_txt2obj("1.3.6.1.4.1.55555.1", 1);
        ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
        X509_EXTENSION *ex;
        assert_non_null(obj);
        assert_non_null(os);
        assert_int_equal(ASN1_OCTET_STRING_set(os, ext, (int)ext_len), 1);
        ex = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
        assert_non_null(ex);
        assert_int_equal(X509_add_ext(x, ex, -1), 1);
        X509_EXTENSION_free(ex);
        ASN1_OCTET_STRING_free(os);
        ASN1_OBJECT_free(obj);
    }
    assert_true(X509_sign(x, (EVP_PKEY *)key, EVP_sha256()) > 0);
    n = i2d_X509(x, &p);
    assert_true(n > 0);
    *der = malloc((size_t)n);
    assert_non_null(*der);
    memcpy(*der, p, (size_t)n);
    *len = (size_t)n;
    OPENSSL_free(p);
    X509_free(x);
}

const vpiv_object *ck_object(const vpiv_card *card, uint32_t tag)
{
    for (size_t i = 0; i < card->n_objects; i++)
        if (card->objects[i].tag == tag)
            return &card->objects[i];
    return NULL;
}

/* One BER-TLV with a one-byte tag at p[*o], within n. */
static void tlv_at(const uint8_t *p, size_t n, size_t *o, uint8_t tag, const uint8_t **v,
                   size_t *vlen)
{
    size_t len;
    assert_true(*o + 2 <= n);
    assert_int_equal(p[*o], tag);
    (*o)++;
    if (p[*o] < 0x80) {
        len = p[(*o)++];
    } else if (p[*o] == 0x81) {
        assert_true(*o + 2 <= n);
        len = p[*o + 1];
        *o += 2;
    } else {
        assert_int_equal(p[*o], 0x82);
        assert_true(*o + 3 <= n);
        len = (size_t)p[*o + 1] << 8 | p[*o + 2];
        *o += 3;
    }
    assert_true(len <= n - *o);
    *v = p + *o;
    *vlen = len;
    *o += len;
}

void ck_cert_object(const vpiv_card *card, uint32_t tag, uint8_t *cert_info,
                    const uint8_t **value, size_t *value_len)
{
    const vpiv_object *obj = ck_object(card, tag);
    const uint8_t *info, *lrc;
    size_t o = 0, info_len, lrc_len;

    assert_non_null(obj);
    tlv_at(obj->data, obj->len, &o, 0x70, value, value_len);
    tlv_at(obj->data, obj->len, &o, 0x71, &info, &info_len);
    assert_int_equal(info_len, 1);
    *cert_info = info[0];
    if (o < obj->len) {
        tlv_at(obj->data, obj->len, &o, 0xFE, &lrc, &lrc_len);
        assert_int_equal(lrc_len, 0);
    }
    assert_int_equal(o, obj->len);
}
