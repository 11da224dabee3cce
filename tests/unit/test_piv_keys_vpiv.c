/* Writes, key generation and import, and private-key operations against the card under test
 * (vpiv, in process), with OpenSSL as the oracle: imported keys are made by OpenSSL, and every
 * signature, decryption and shared secret the card computes through the PIV edge is checked
 * by OpenSSL with the public key the edge reported (or the one OpenSSL made). Certificate
 * objects are written with ch_piv_put_data and read back with ch_piv_get_data. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <zlib.h>

#include "piv.h"
#include "scarderr.h"
#include "vpiv_link.h"
#include "vpiv_test_apdu.h"

#define PIN ((const uint8_t *)"123456")

typedef struct {
    vpiv_card *card;
    ch_vpiv_link link;
    ch_transport tp;
    ch_apdu_ctx ctx;
} rig;

/* Management key through the edge's own single-sided authentication, 3DES done here. */
static void admin(rig *r)
{
    uint8_t ch[16], resp[8];
    size_t n = 0;
    int outl = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();

    assert_int_equal(ch_piv_mgm_challenge(&r->ctx, CH_PIV_ALG_3DES, ch, sizeof ch, &n),
                     SCARD_S_SUCCESS);
    assert_int_equal(n, 8);
    assert_non_null(c);
    assert_int_equal(EVP_EncryptInit_ex2(c, EVP_des_ede3_ecb(), vt_default_key, NULL, NULL), 1);
    EVP_CIPHER_CTX_set_padding(c, 0);
    assert_int_equal(EVP_EncryptUpdate(c, resp, &outl, ch, 8), 1);
    assert_int_equal(outl, 8);
    EVP_CIPHER_CTX_free(c);
    assert_int_equal(ch_piv_mgm_response(&r->ctx, CH_PIV_ALG_3DES, resp, 8), SCARD_S_SUCCESS);
}

static void verify_pin(rig *r)
{
    assert_int_equal(ch_piv_verify(&r->ctx, CH_PIV_REF_PIN, PIN, 6, NULL), SCARD_S_SUCCESS);
}

/* A card with the PIV application selected; with `logged_in`, management key and PIN too. */
static void rig_init(rig *r, bool logged_in)
{
    /* Not deterministic: RSA keys come from OpenSSL's own generator, much faster than vpiv's
     * reproducible prime search for 4096 bits under the sanitizers. */
    r->card = vt_new_card(7, false, NULL);
    ch_vpiv_link_init(&r->link, r->card);
    assert_int_equal(ch_transport_open(&r->tp, 1, (uintptr_t)&r->link), SCARD_S_SUCCESS);
    ch_apdu_ctx_init(&r->ctx, &r->tp);
    if (logged_in) {
        admin(r);
        verify_pin(r);
    }
}

static void rig_free(rig *r) { vpiv_free(r->card); }

/* ---- OpenSSL side ------------------------------------------------------------------------- */

/* The public key the edge reported, as an OpenSSL key. */
static EVP_PKEY *pkey_of(const ch_piv_pubkey *pk)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    assert_non_null(bld);
    if (pk->type == CH_PIV_KEY_RSA) {
        BIGNUM *n = BN_bin2bn(pk->n, (int)pk->n_len, NULL), *e = BN_new();
        assert_non_null(n);
        assert_non_null(e);
        assert_int_equal(BN_set_word(e, pk->e), 1);
        assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n), 1);
        assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e), 1);
        EVP_PKEY *key = vt_pkey_fromdata("RSA", bld); /* copies n and e */
        BN_free(n);
        BN_free(e);
        return key;
    }
    assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                                     pk->type == CH_PIV_KEY_P256 ? "P-256"
                                                                                 : "P-384",
                                                     0),
                     1);
    assert_int_equal(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pk->point,
                                                      pk->point_len),
                     1);
    return vt_pkey_fromdata("EC", bld);
}

static void bn_param(const EVP_PKEY *key, const char *name, uint8_t *out, size_t len)
{
    BIGNUM *b = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(key, name, &b), 1);
    assert_int_equal(BN_bn2binpad(b, out, (int)len), (int)len);
    BN_clear_free(b);
}

/* The public key of an OpenSSL key pair in the edge's terms, to compare with the card's. */
static void pub_of(const EVP_PKEY *key, ch_piv_pubkey *pk)
{
    memset(pk, 0, sizeof pk[0]);
    if (EVP_PKEY_is_a(key, "RSA")) {
        uint8_t e[4];
        pk->type = CH_PIV_KEY_RSA;
        pk->bits = (size_t)EVP_PKEY_get_bits(key);
        pk->n_len = pk->bits / 8;
        bn_param(key, OSSL_PKEY_PARAM_RSA_N, pk->n, pk->n_len);
        bn_param(key, OSSL_PKEY_PARAM_RSA_E, e, 4);
        pk->e = (uint32_t)e[0] << 24 | (uint32_t)e[1] << 16 | (uint32_t)e[2] << 8 | e[3];
    } else {
        pk->bits = (size_t)EVP_PKEY_get_bits(key);
        pk->type = pk->bits == 256 ? CH_PIV_KEY_P256 : CH_PIV_KEY_P384;
        assert_int_equal(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY,
                                                         pk->point, sizeof pk->point,
                                                         &pk->point_len),
                         1);
        assert_int_equal(pk->point_len, 1 + 2 * (pk->bits / 8));
    }
}

static void assert_same_pub(const ch_piv_pubkey *a, const ch_piv_pubkey *b)
{
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->bits, b->bits);
    if (a->type == CH_PIV_KEY_RSA) {
        assert_int_equal(a->n_len, b->n_len);
        assert_memory_equal(a->n, b->n, a->n_len);
        assert_int_equal(a->e, b->e);
    } else {
        assert_int_equal(a->point_len, b->point_len);
        assert_memory_equal(a->point, b->point, a->point_len);
    }
}

static void sha(const char *md, const void *msg, size_t len, uint8_t *out, size_t out_len)
{
    unsigned n = 0;
    assert_int_equal(EVP_Digest(msg, len, out, &n, EVP_get_digestbyname(md), NULL), 1);
    assert_int_equal(n, out_len);
}

/* ---- the operations, checked by OpenSSL --------------------------------------------------- */

/* RSA signature: the host pads (EMSA-PKCS1-v1_5 over SHA-256), the card exponentiates; the
 * result must verify as a standard PKCS #1 v1.5 signature. */
static void rsa_sign_check(rig *r, uint8_t alg, uint8_t slot, EVP_PKEY *pub)
{
    static const uint8_t digest_info[19] = {0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60,
                                            0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                            0x01, 0x05, 0x00, 0x04, 0x20};
    uint8_t block[512], sig[512], h[32];
    size_t k = (size_t)EVP_PKEY_get_size(pub);
    EVP_PKEY_CTX *v = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);

    sha("SHA256", "to be signed", 12, h, 32);
    block[0] = 0x00, block[1] = 0x01;
    memset(block + 2, 0xFF, k - 3 - sizeof digest_info - 32);
    block[k - 1 - sizeof digest_info - 32] = 0x00;
    memcpy(block + k - sizeof digest_info - 32, digest_info, sizeof digest_info);
    memcpy(block + k - 32, h, 32);
    assert_int_equal(ch_piv_rsa_raw(&r->ctx, alg, slot, block, k, sig), SCARD_S_SUCCESS);
    assert_non_null(v);
    assert_int_equal(EVP_PKEY_verify_init(v), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(v, RSA_PKCS1_PADDING), 1);
    assert_int_equal(EVP_PKEY_CTX_set_signature_md(v, EVP_sha256()), 1);
    assert_int_equal(EVP_PKEY_verify(v, sig, k, h, 32), 1);
    sig[k / 2] ^= 1; /* the oracle can say no */
    assert_int_not_equal(EVP_PKEY_verify(v, sig, k, h, 32), 1);
    EVP_PKEY_CTX_free(v);
}

/* RSA decryption: OpenSSL encrypts (PKCS #1 v1.5), the card returns the raw block, which must
 * carry the message behind a well-formed type 2 padding and give the ciphertext back under
 * the raw public operation. */
static void rsa_decrypt_check(rig *r, uint8_t alg, uint8_t slot, EVP_PKEY *pub)
{
    static const char msg[] = "a session key, 32 bytes of it...";
    uint8_t ct[512], block[512], again[512];
    size_t k = (size_t)EVP_PKEY_get_size(pub), ctlen = sizeof ct, n = sizeof again, i;
    EVP_PKEY_CTX *e = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);

    assert_non_null(e);
    assert_int_equal(EVP_PKEY_encrypt_init(e), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(e, RSA_PKCS1_PADDING), 1);
    assert_int_equal(EVP_PKEY_encrypt(e, ct, &ctlen, (const uint8_t *)msg, 32), 1);
    assert_int_equal(ctlen, k);
    assert_int_equal(ch_piv_rsa_raw(&r->ctx, alg, slot, ct, k, block), SCARD_S_SUCCESS);
    assert_int_equal(block[0], 0x00);
    assert_int_equal(block[1], 0x02);
    for (i = 2; i < k - 33; i++)
        assert_int_not_equal(block[i], 0x00);
    assert_int_equal(block[k - 33], 0x00);
    assert_memory_equal(block + k - 32, msg, 32);
    /* raw public operation on the card's answer */
    assert_int_equal(EVP_PKEY_encrypt_init(e), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(e, RSA_NO_PADDING), 1);
    assert_int_equal(EVP_PKEY_encrypt(e, again, &n, block, k), 1);
    assert_int_equal(n, k);
    assert_memory_equal(again, ct, k);
    EVP_PKEY_CTX_free(e);
}

/* r || s to the DER signature OpenSSL verifies. */
static size_t rs_to_der(const uint8_t *rs, size_t f, uint8_t *der)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *br = BN_bin2bn(rs, (int)f, NULL), *bs = BN_bin2bn(rs + f, (int)f, NULL);
    uint8_t *p = der;
    int n;
    assert_non_null(sig);
    assert_non_null(br);
    assert_non_null(bs);
    assert_int_equal(ECDSA_SIG_set0(sig, br, bs), 1);
    n = i2d_ECDSA_SIG(sig, &p);
    assert_true(n > 0);
    ECDSA_SIG_free(sig);
    return (size_t)n;
}

static void ecdsa_check(rig *r, uint8_t alg, uint8_t slot, EVP_PKEY *pub, const char *md,
                        size_t hlen)
{
    uint8_t h[64], rs[96], der[128];
    size_t f = (size_t)EVP_PKEY_get_bits(pub) / 8, n;
    EVP_PKEY_CTX *v = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);

    sha(md, "to be signed", 12, h, hlen);
    memset(rs, 0xEE, sizeof rs);
    assert_int_equal(ch_piv_ecdsa_sign(&r->ctx, alg, slot, h, hlen, rs, f), SCARD_S_SUCCESS);
    n = rs_to_der(rs, f, der);
    assert_non_null(v);
    assert_int_equal(EVP_PKEY_verify_init(v), 1);
    assert_int_equal(EVP_PKEY_verify(v, der, n, h, hlen), 1);
    h[0] ^= 1;
    assert_int_not_equal(EVP_PKEY_verify(v, der, n, h, hlen), 1);
    EVP_PKEY_CTX_free(v);
}

/* ECDH: the card with a peer's public point; OpenSSL with the peer's private key and the
 * card's public key must reach the same X. */
static void ecdh_check(rig *r, uint8_t alg, uint8_t slot, EVP_PKEY *pub)
{
    const char *curve = EVP_PKEY_get_bits(pub) == 256 ? "P-256" : "P-384";
    EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
    EVP_PKEY_CTX *d = NULL;
    uint8_t pt[97], z[48], want[48];
    size_t f = (size_t)EVP_PKEY_get_bits(pub) / 8, ptlen = 0, wlen = sizeof want;

    assert_non_null(peer);
    assert_int_equal(EVP_PKEY_get_octet_string_param(peer, OSSL_PKEY_PARAM_PUB_KEY, pt,
                                                     sizeof pt, &ptlen),
                     1);
    assert_int_equal(ptlen, 1 + 2 * f);
    memset(z, 0xEE, sizeof z);
    assert_int_equal(ch_piv_ecdh(&r->ctx, alg, slot, pt, ptlen, z, f), SCARD_S_SUCCESS);
    d = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL);
    assert_non_null(d);
    assert_int_equal(EVP_PKEY_derive_init(d), 1);
    assert_int_equal(EVP_PKEY_derive_set_peer(d, pub), 1);
    assert_int_equal(EVP_PKEY_derive(d, want, &wlen), 1);
    assert_int_equal(wlen, f);
    assert_memory_equal(z, want, f);
    EVP_PKEY_CTX_free(d);
    EVP_PKEY_free(peer);
}

/* Every operation a key of this algorithm has, in slot. */
static void exercise(rig *r, uint8_t alg, uint8_t slot, EVP_PKEY *pub)
{
    if (alg == CH_PIV_ALG_ECCP256 || alg == CH_PIV_ALG_ECCP384) {
        bool p256 = alg == CH_PIV_ALG_ECCP256;
        ecdsa_check(r, alg, slot, pub, p256 ? "SHA256" : "SHA384", p256 ? 32 : 48);
        ecdsa_check(r, alg, slot, pub, "SHA1", 20); /* a hash shorter than the field */
        if (!p256)
            ecdsa_check(r, alg, slot, pub, "SHA256", 32);
        ecdh_check(r, alg, slot, pub);
    } else {
        rsa_sign_check(r, alg, slot, pub);
        rsa_decrypt_check(r, alg, slot, pub);
    }
}

/* What GET METADATA says of the slot agrees with the key and how it got there. */
static void metadata_check(rig *r, uint8_t slot, uint8_t alg, const ch_piv_pubkey *pk,
                           uint8_t origin)
{
    ch_piv_metadata m;
    assert_int_equal(ch_piv_get_metadata(&r->ctx, slot, &m), SCARD_S_SUCCESS);
    assert_int_equal(m.alg, alg);
    assert_int_equal(m.origin, origin);
    assert_same_pub(&m.pub, pk);
}

/* ---- tests -------------------------------------------------------------------------------- */

static const uint8_t all_algs[] = {CH_PIV_ALG_RSA1024, CH_PIV_ALG_RSA2048, CH_PIV_ALG_RSA3072,
                                   CH_PIV_ALG_RSA4096, CH_PIV_ALG_ECCP256, CH_PIV_ALG_ECCP384};

static void test_generate_and_use(void **state)
{
    rig r;
    (void)state;
    rig_init(&r, true);
    for (size_t i = 0; i < sizeof all_algs; i++) {
        ch_piv_pubkey pk;
        ch_piv_key_type type;
        size_t bits;
        EVP_PKEY *pub;
        print_message("generate alg %02x\n", all_algs[i]);
        assert_true(ch_piv_alg_key(all_algs[i], &type, &bits));
        memset(&pk, 0xEE, sizeof pk);
        assert_int_equal(ch_piv_generate(&r.ctx, CH_PIV_SLOT_AUTH, all_algs[i],
                                         CH_PIV_POLICY_DEFAULT, CH_PIV_POLICY_DEFAULT, &pk),
                         SCARD_S_SUCCESS);
        assert_int_equal(pk.type, type);
        assert_int_equal(pk.bits, bits);
        metadata_check(&r, CH_PIV_SLOT_AUTH, all_algs[i], &pk, 1);
        pub = pkey_of(&pk);
        exercise(&r, all_algs[i], CH_PIV_SLOT_AUTH, pub);
        EVP_PKEY_free(pub);
    }
    rig_free(&r);
}

static void import_one(rig *r, uint8_t alg, uint8_t slot, EVP_PKEY *key)
{
    ch_piv_pubkey pk;
    pub_of(key, &pk);
    if (EVP_PKEY_is_a(key, "RSA")) {
        static const char *names[5] = {OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
                                       OSSL_PKEY_PARAM_RSA_EXPONENT1,
                                       OSSL_PKEY_PARAM_RSA_EXPONENT2,
                                       OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
        uint8_t c[5][256];
        size_t half = pk.bits / 16;
        for (size_t i = 0; i < 5; i++)
            bn_param(key, names[i], c[i], half);
        assert_int_equal(ch_piv_import_rsa(&r->ctx, slot, alg, c[0], c[1], c[2], c[3], c[4],
                                           half, CH_PIV_POLICY_DEFAULT, CH_PIV_POLICY_DEFAULT),
                         SCARD_S_SUCCESS);
        memset(c, 0, sizeof c);
    } else {
        uint8_t d[48];
        size_t f = pk.bits / 8;
        bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, d, f);
        assert_int_equal(ch_piv_import_ec(&r->ctx, slot, alg, d, f, CH_PIV_POLICY_DEFAULT,
                                          CH_PIV_POLICY_DEFAULT),
                         SCARD_S_SUCCESS);
        memset(d, 0, sizeof d);
    }
    metadata_check(r, slot, alg, &pk, 2);
    exercise(r, alg, slot, key);
}

static void test_import_and_use(void **state)
{
    rig r;
    (void)state;
    rig_init(&r, true);
    for (size_t i = 0; i < sizeof all_algs; i++) {
        ch_piv_key_type type;
        size_t bits;
        EVP_PKEY *key;
        print_message("import alg %02x\n", all_algs[i]);
        assert_true(ch_piv_alg_key(all_algs[i], &type, &bits));
        key = type == CH_PIV_KEY_RSA ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits)
                                     : EVP_PKEY_Q_keygen(NULL, NULL, "EC",
                                                         bits == 256 ? "P-256" : "P-384");
        assert_non_null(key);
        import_one(&r, all_algs[i], CH_PIV_SLOT_KEYMGMT, key);
        EVP_PKEY_free(key);
    }
    rig_free(&r);
}

/* Policies reach the card (AA/AB), and the card's refusals come back mapped. */
static void test_policies_and_refusals(void **state)
{
    rig r;
    ch_piv_pubkey pk;
    ch_piv_metadata m;
    ch_piv_apt apt;
    uint8_t h[32], rs[64], in[128], out[128], pt[65];
    EVP_PKEY *pub;
    (void)state;
    rig_init(&r, false);
    /* Without the management key: no key, no object. */
    memset(&pk, 0xEE, sizeof pk);
    assert_int_equal(ch_piv_generate(&r.ctx, CH_PIV_SLOT_AUTH, CH_PIV_ALG_ECCP256, 0, 0, &pk),
                     SCARD_W_SECURITY_VIOLATION);
    assert_int_equal(pk.type, (ch_piv_key_type)0xEEEEEEEEu);
    assert_int_equal(ch_piv_put_data(&r.ctx, 0x5FC105, (const uint8_t *)"x", 1),
                     SCARD_W_SECURITY_VIOLATION);
    memset(in, 0x11, sizeof in);
    assert_int_equal(ch_piv_import_ec(&r.ctx, CH_PIV_SLOT_AUTH, CH_PIV_ALG_ECCP256, in, 32, 0, 0),
                     SCARD_W_SECURITY_VIOLATION);
    admin(&r);
    /* PIN always, touch cached: stored as sent. */
    assert_int_equal(ch_piv_generate(&r.ctx, 0x82, CH_PIV_ALG_ECCP256, CH_PIV_PIN_POLICY_ALWAYS,
                                     0x03, &pk),
                     SCARD_S_SUCCESS);
    assert_int_equal(ch_piv_get_metadata(&r.ctx, 0x82, &m), SCARD_S_SUCCESS);
    assert_int_equal(m.pin_policy, CH_PIV_PIN_POLICY_ALWAYS);
    assert_int_equal(m.touch_policy, 0x03);
    /* DEFAULT sends no tag: the slot's own default (9D: once; touch never). */
    assert_int_equal(ch_piv_generate(&r.ctx, CH_PIV_SLOT_KEYMGMT, CH_PIV_ALG_ECCP256,
                                     CH_PIV_POLICY_DEFAULT, CH_PIV_POLICY_DEFAULT, &pk),
                     SCARD_S_SUCCESS);
    assert_int_equal(ch_piv_get_metadata(&r.ctx, CH_PIV_SLOT_KEYMGMT, &m), SCARD_S_SUCCESS);
    assert_int_equal(m.pin_policy, CH_PIV_PIN_POLICY_ONCE);
    assert_int_equal(m.touch_policy, 0x01);
    /* PIN always: refused without the PIN; with it one signature, then refused again. */
    memset(h, 0x5A, sizeof h);
    memset(rs, 0xEE, sizeof rs);
    assert_int_equal(ch_piv_ecdsa_sign(&r.ctx, CH_PIV_ALG_ECCP256, 0x82, h, 32, rs, 32),
                     SCARD_W_SECURITY_VIOLATION);
    for (size_t i = 0; i < sizeof rs; i++)
        assert_int_equal(rs[i], 0xEE);
    verify_pin(&r);
    assert_int_equal(ch_piv_get_metadata(&r.ctx, 0x82, &m), SCARD_S_SUCCESS);
    pub = pkey_of(&m.pub);
    ecdsa_check(&r, CH_PIV_ALG_ECCP256, 0x82, pub, "SHA256", 32);
    EVP_PKEY_free(pub);
    assert_int_equal(ch_piv_ecdsa_sign(&r.ctx, CH_PIV_ALG_ECCP256, 0x82, h, 32, rs, 32),
                     SCARD_W_SECURITY_VIOLATION);
    /* A point that is not on the curve: the card refuses (6A80). */
    verify_pin(&r);
    memset(pt, 0x01, sizeof pt);
    pt[0] = 0x04;
    assert_int_equal(ch_piv_ecdh(&r.ctx, CH_PIV_ALG_ECCP256, CH_PIV_SLOT_KEYMGMT, pt, 65, h, 32),
                     SCARD_E_INVALID_PARAMETER);
    /* Card authentication (9E) has PIN policy never: usable after a SELECT dropped every
     * right the session had. */
    assert_int_equal(ch_piv_generate(&r.ctx, CH_PIV_SLOT_CARDAUTH, CH_PIV_ALG_RSA1024,
                                     CH_PIV_POLICY_DEFAULT, CH_PIV_POLICY_DEFAULT, &pk),
                     SCARD_S_SUCCESS);
    assert_int_equal(ch_piv_select(&r.ctx, &apt), SCARD_S_SUCCESS);
    pub = pkey_of(&pk);
    rsa_sign_check(&r, CH_PIV_ALG_RSA1024, CH_PIV_SLOT_CARDAUTH, pub);
    EVP_PKEY_free(pub);
    /* The card's refusals (6A80): another algorithm than the slot's, an empty slot, an input
     * not below the modulus. The output is left alone. */
    memset(out, 0xEE, sizeof out);
    memset(in, 0xFF, sizeof in);
    assert_int_equal(ch_piv_ecdsa_sign(&r.ctx, CH_PIV_ALG_ECCP256, CH_PIV_SLOT_CARDAUTH, h, 32,
                                       rs, 32),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_rsa_raw(&r.ctx, CH_PIV_ALG_RSA1024, 0x95, in, 128, out),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_rsa_raw(&r.ctx, CH_PIV_ALG_RSA1024, CH_PIV_SLOT_CARDAUTH, in, 128,
                                    out),
                     SCARD_E_INVALID_PARAMETER);
    for (size_t i = 0; i < sizeof out; i++)
        assert_int_equal(out[i], 0xEE);
    rig_free(&r);
}

/* A DER certificate for pub, issued by a throw-away OpenSSL key. */
static size_t make_cert(EVP_PKEY *pub, uint8_t *der, size_t cap)
{
    EVP_PKEY *issuer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    X509_NAME *name;
    uint8_t *p = der;
    int n;

    assert_non_null(issuer);
    assert_non_null(x);
    assert_int_equal(X509_set_version(x, 2), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 4242), 1);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
    name = X509_get_subject_name(x);
    assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                                (const unsigned char *)"cardhammer keys test",
                                                -1, -1, 0),
                     1);
    assert_int_equal(X509_set_issuer_name(x, name), 1);
    assert_int_equal(X509_set_pubkey(x, pub), 1);
    assert_true(X509_sign(x, issuer, EVP_sha256()) > 0);
    n = i2d_X509(x, NULL);
    assert_true(n > 0 && (size_t)n <= cap);
    assert_int_equal(i2d_X509(x, &p), n);
    X509_free(x);
    EVP_PKEY_free(issuer);
    return (size_t)n;
}

static size_t gzip(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(deflateEnd(&z), Z_OK);
    return (size_t)z.total_out;
}

/* Writes the object, reads it back as a certificate object and checks the DER. */
static void put_and_read_cert(rig *r, uint32_t tag, const uint8_t *der, size_t der_len,
                              const uint8_t *stored, size_t stored_len, bool gz)
{
    static uint8_t obj[CH_PIV_OBJECT_MAX + 4], back[CH_PIV_CERT_MAX];
    size_t n = 0, m = 0;

    assert_int_equal(ch_piv_cert_object_build(stored, stored_len, gz, obj, sizeof obj, &n),
                     SCARD_S_SUCCESS);
    assert_int_equal(ch_piv_put_data(&r->ctx, tag, obj, n), SCARD_S_SUCCESS);
    memset(obj, 0, sizeof obj);
    assert_int_equal(ch_piv_get_data(&r->ctx, tag, obj, sizeof obj, &n), SCARD_S_SUCCESS);
    assert_int_equal(ch_piv_cert_object(obj, n, back, sizeof back, &m), SCARD_S_SUCCESS);
    assert_int_equal(m, der_len);
    assert_memory_equal(back, der, der_len);
}

static void test_certificate_objects(void **state)
{
    static uint8_t der[4096], gz[4096], big[3053], back[CH_PIV_OBJECT_MAX + 4];
    uint32_t tag = ch_piv_cert_tag(CH_PIV_SLOT_AUTH);
    ch_piv_pubkey pk, from_cert;
    size_t der_len, gz_len, n;
    EVP_PKEY *pub;
    rig r;
    (void)state;
    rig_init(&r, true);
    assert_int_equal(ch_piv_generate(&r.ctx, CH_PIV_SLOT_AUTH, CH_PIV_ALG_RSA2048,
                                     CH_PIV_POLICY_DEFAULT, CH_PIV_POLICY_DEFAULT, &pk),
                     SCARD_S_SUCCESS);
    pub = pkey_of(&pk);
    der_len = make_cert(pub, der, sizeof der);
    EVP_PKEY_free(pub);

    /* Plain: the certificate read back names the key the card generated. */
    put_and_read_cert(&r, tag, der, der_len, der, der_len, false);
    assert_int_equal(ch_piv_x509_pubkey(der, der_len, &from_cert), SCARD_S_SUCCESS);
    assert_same_pub(&from_cert, &pk);
    /* gzip, replacing the plain one. */
    gz_len = gzip(der, der_len, gz, sizeof gz);
    put_and_read_cert(&r, tag, der, der_len, gz, gz_len, true);
    /* Deleted with 53 00; deleting again is no error. */
    assert_int_equal(ch_piv_put_data(&r.ctx, tag, NULL, 0), SCARD_S_SUCCESS);
    assert_int_equal(ch_piv_get_data(&r.ctx, tag, back, sizeof back, &n),
                     SCARD_E_FILE_NOT_FOUND);
    assert_int_equal(ch_piv_put_data(&r.ctx, tag, NULL, 0), SCARD_S_SUCCESS);

    /* The card's largest object (3052 bytes, a 12-block chain) and one byte more. */
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 31 + 7);
    assert_int_equal(ch_piv_put_data(&r.ctx, CH_PIV_OBJ_MSCMAP, big, 3052), SCARD_S_SUCCESS);
    assert_int_equal(ch_piv_get_data(&r.ctx, CH_PIV_OBJ_MSCMAP, back, sizeof back, &n),
                     SCARD_S_SUCCESS);
    assert_int_equal(n, 3052);
    assert_memory_equal(back, big, 3052);
    assert_int_equal(ch_piv_put_data(&r.ctx, CH_PIV_OBJ_MSCMAP, big, 3053),
                     SCARD_E_WRITE_TOO_MANY);
    assert_int_equal(ch_piv_get_data(&r.ctx, CH_PIV_OBJ_MSCMAP, back, sizeof back, &n),
                     SCARD_S_SUCCESS);
    assert_int_equal(n, 3052); /* the refused write changed nothing */
    rig_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_and_use),
        cmocka_unit_test(test_import_and_use),
        cmocka_unit_test(test_policies_and_refusals),
        cmocka_unit_test(test_certificate_objects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
