/* vpiv key slots: GENERATE ASYMMETRIC KEY PAIR, IMPORT ASYMMETRIC KEY, GENERAL AUTHENTICATE
 * (RSA raw signature and decryption, ECDSA, ECDH), PIN policies and GET METADATA, driven through
 * vpiv_process with raw APDUs. Every card answer is checked with OpenSSL on the host side. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, rmdir */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "vpiv.h"
#include "vpiv_internal.h"
#include "vpiv_test_apdu.h"

#define TOUCH_CACHED 3 /* YubiKey touch policy "cached": stored and reported, not enforced */

/* ---- APDU helpers (the plumbing is in vpiv_test_apdu.h) -------------------------------- */

/* Appends a BER-TLV (1- or 2-byte tag). */
static void tlv(uint8_t *out, size_t *len, unsigned tag, const uint8_t *v, size_t vlen)
{
    if (tag > 0xFF)
        out[(*len)++] = (uint8_t)(tag >> 8);
    out[(*len)++] = (uint8_t)tag;
    if (vlen < 0x80) {
        out[(*len)++] = (uint8_t)vlen;
    } else if (vlen < 0x100) {
        out[(*len)++] = 0x81;
        out[(*len)++] = (uint8_t)vlen;
    } else {
        out[(*len)++] = 0x82;
        out[(*len)++] = (uint8_t)(vlen >> 8);
        out[(*len)++] = (uint8_t)vlen;
    }
    if (vlen)
        memcpy(out + *len, v, vlen);
    *len += vlen;
}

static void verify_pin(vpiv_card *card)
{
    vt_rsp r;
    assert_int_equal(vt_hex_apdu(card, VERIFY(PIN_DEF), &r), 0x9000);
}

static vpiv_card *new_card(uint64_t seed)
{
    return vt_new_card(seed, true, NULL);
}

/* ---- host-side key helpers -------------------------------------------------------------- */

static bool is_rsa(uint8_t alg)
{
    return alg == ALG_RSA1024 || alg == ALG_RSA2048 || alg == ALG_RSA3072 ||
           alg == ALG_RSA4096;
}

static size_t alg_bytes(uint8_t alg)
{
    switch (alg) {
    case ALG_RSA1024: return 128;
    case ALG_RSA2048: return 256;
    case ALG_RSA3072: return 384;
    case ALG_RSA4096: return 512;
    case ALG_ECCP256: return 32;
    default: return 48;
    }
}

static const char *group_of(uint8_t alg)
{
    return alg == ALG_ECCP256 ? "P-256" : "P-384";
}

/* A public key from PIV public key TLVs (81 n 82 e, or 86 point). */
static EVP_PKEY *pub_from_tlvs(uint8_t alg, const uint8_t *p, size_t len)
{
    ch_cur c, v;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    assert_non_null(bld);
    ch_cur_init(&c, p, len);
    if (is_rsa(alg)) {
        BIGNUM *n, *e;
        assert_true(ch_cur_find(&c, 0x81, &v));
        assert_int_equal(ch_cur_left(&v), alg_bytes(alg));
        n = BN_bin2bn(ch_cur_peek_ptr(&v), (int)ch_cur_left(&v), NULL);
        assert_true(ch_cur_find(&c, 0x82, &v));
        e = BN_bin2bn(ch_cur_peek_ptr(&v), (int)ch_cur_left(&v), NULL);
        assert_int_equal(BN_get_word(e), 65537);
        assert_int_equal(BN_num_bits(n), (int)alg_bytes(alg) * 8);
        assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n), 1);
        assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e), 1);
        {
            EVP_PKEY *k = vt_pkey_fromdata("RSA", bld);
            BN_free(n);
            BN_free(e);
            return k;
        }
    }
    assert_true(ch_cur_find(&c, 0x86, &v));
    assert_int_equal(ch_cur_left(&v), 1 + 2 * alg_bytes(alg));
    assert_int_equal(ch_cur_peek_ptr(&v)[0], 0x04);
    assert_int_equal(
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group_of(alg), 0), 1);
    assert_int_equal(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                                      ch_cur_peek_ptr(&v), ch_cur_left(&v)),
                     1);
    return vt_pkey_fromdata("EC", bld);
}

/* GENERATE with optional policies (0: not sent); returns the public key from 7F 49. */
static uint16_t generate_sw(vpiv_card *card, uint8_t slot, uint8_t alg, uint8_t pin,
                            uint8_t touch, vt_rsp *r)
{
    uint8_t inner[16], data[20];
    size_t ilen = 0, len = 0;
    tlv(inner, &ilen, 0x80, &alg, 1);
    if (pin)
        tlv(inner, &ilen, 0xAA, &pin, 1);
    if (touch)
        tlv(inner, &ilen, 0xAB, &touch, 1);
    tlv(data, &len, 0xAC, inner, ilen);
    return vt_xfer(card, 0x47, 0x00, slot, data, len, r);
}

static EVP_PKEY *generate(vpiv_card *card, uint8_t slot, uint8_t alg, uint8_t pin,
                          uint8_t touch)
{
    vt_rsp r;
    ch_cur c, v;
    uint32_t tag;
    assert_int_equal(generate_sw(card, slot, alg, pin, touch, &r), 0x9000);
    ch_cur_init(&c, r.data, r.len);
    assert_true(ch_cur_tlv(&c, &tag, &v));
    assert_int_equal(tag, 0x7F49);
    assert_true(ch_cur_empty(&c));
    return pub_from_tlvs(alg, ch_cur_peek_ptr(&v), ch_cur_left(&v));
}

/* GET METADATA of a key slot: checks alg, policies and origin; returns the public key. */
static EVP_PKEY *metadata(vpiv_card *card, uint8_t slot, uint8_t alg, uint8_t pin,
                          uint8_t touch, uint8_t origin)
{
    vt_rsp r;
    ch_cur c, v;
    assert_int_equal(vt_xfer(card, 0xF7, 0x00, slot, NULL, 0, &r), 0x9000);
    ch_cur_init(&c, r.data, r.len);
    assert_true(ch_cur_find(&c, 0x01, &v));
    assert_int_equal(ch_cur_left(&v), 1);
    assert_int_equal(ch_cur_peek_ptr(&v)[0], alg);
    assert_true(ch_cur_find(&c, 0x02, &v));
    assert_int_equal(ch_cur_left(&v), 2);
    assert_int_equal(ch_cur_peek_ptr(&v)[0], pin);
    assert_int_equal(ch_cur_peek_ptr(&v)[1], touch);
    assert_true(ch_cur_find(&c, 0x03, &v));
    assert_int_equal(ch_cur_left(&v), 1);
    assert_int_equal(ch_cur_peek_ptr(&v)[0], origin);
    assert_true(ch_cur_find(&c, 0x04, &v));
    return pub_from_tlvs(alg, ch_cur_peek_ptr(&v), ch_cur_left(&v));
}

/* GENERAL AUTHENTICATE 7C { 82 00, tag input }; on 9000 copies the 82 value to out. */
static uint16_t card_op(vpiv_card *card, uint8_t alg, uint8_t slot, unsigned tag,
                        const uint8_t *in, size_t inlen, uint8_t *out, size_t *outlen)
{
    uint8_t inner[600], data[610];
    size_t ilen = 0, len = 0;
    vt_rsp r;
    ch_cur c, t, v;
    uint32_t tg;

    tlv(inner, &ilen, 0x82, NULL, 0);
    tlv(inner, &ilen, tag, in, inlen);
    tlv(data, &len, 0x7C, inner, ilen);
    if (vt_xfer(card, 0x87, alg, slot, data, len, &r) != 0x9000)
        return r.sw;
    ch_cur_init(&c, r.data, r.len);
    assert_true(ch_cur_tlv(&c, &tg, &t));
    assert_int_equal(tg, 0x7C);
    assert_true(ch_cur_empty(&c));
    assert_true(ch_cur_tlv(&t, &tg, &v));
    assert_int_equal(tg, 0x82);
    assert_true(ch_cur_empty(&t));
    *outlen = ch_cur_left(&v);
    memcpy(out, ch_cur_peek_ptr(&v), *outlen);
    return 0x9000;
}

static const uint8_t message[] = "vpiv signs this message";

/* RSA: the host builds the PKCS#1 v1.5 block, the card does the raw private operation. */
static uint16_t rsa_sign_verify(vpiv_card *card, uint8_t slot, uint8_t alg, EVP_PKEY *pub)
{
    static const uint8_t di[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    uint8_t em[512], sig[512], h[32];
    size_t k = alg_bytes(alg), siglen = 0;
    unsigned hl = 0;
    EVP_PKEY_CTX *ctx;
    uint16_t sw;

    assert_int_equal(EVP_Digest(message, sizeof message, h, &hl, EVP_sha256(), NULL), 1);
    memset(em, 0xFF, k);
    em[0] = 0x00, em[1] = 0x01;
    em[k - sizeof di - 32 - 1] = 0x00;
    memcpy(em + k - sizeof di - 32, di, sizeof di);
    memcpy(em + k - 32, h, 32);
    if ((sw = card_op(card, alg, slot, 0x81, em, k, sig, &siglen)) != 0x9000)
        return sw;
    assert_int_equal(siglen, k);
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
    assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()), 1);
    assert_int_equal(EVP_PKEY_verify(ctx, sig, siglen, h, 32), 1);
    EVP_PKEY_CTX_free(ctx);
    return 0x9000;
}

/* RSA decryption: the host encrypts with PKCS#1 v1.5, the card returns the raw block. */
static uint16_t rsa_decrypt(vpiv_card *card, uint8_t slot, uint8_t alg, EVP_PKEY *pub)
{
    static const uint8_t secret[32] = "a 32-byte session key for vpiv!!";
    uint8_t ct[512], pt[512];
    size_t k = alg_bytes(alg), ctlen = sizeof ct, ptlen = 0;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
    uint16_t sw;

    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
    assert_int_equal(EVP_PKEY_encrypt(ctx, ct, &ctlen, secret, sizeof secret), 1);
    EVP_PKEY_CTX_free(ctx);
    assert_int_equal(ctlen, k);
    if ((sw = card_op(card, alg, slot, 0x81, ct, ctlen, pt, &ptlen)) != 0x9000)
        return sw;
    assert_int_equal(ptlen, k);
    assert_int_equal(pt[0], 0x00);
    assert_int_equal(pt[1], 0x02);
    assert_int_equal(pt[k - sizeof secret - 1], 0x00);
    assert_memory_equal(pt + k - sizeof secret, secret, sizeof secret);
    return 0x9000;
}

/* ECDSA: the card signs the hash, the host verifies over the message. */
static uint16_t ec_sign_verify_md(vpiv_card *card, uint8_t slot, uint8_t alg, EVP_PKEY *pub,
                                  const EVP_MD *md)
{
    uint8_t h[EVP_MAX_MD_SIZE], sig[160];
    unsigned hl = 0;
    size_t siglen = 0;
    EVP_MD_CTX *mctx;
    uint16_t sw;

    assert_int_equal(EVP_Digest(message, sizeof message, h, &hl, md, NULL), 1);
    if ((sw = card_op(card, alg, slot, 0x81, h, hl, sig, &siglen)) != 0x9000)
        return sw;
    assert_int_equal(sig[0], 0x30); /* DER ECDSA-Sig-Value */
    mctx = EVP_MD_CTX_new();
    assert_non_null(mctx);
    assert_int_equal(EVP_DigestVerifyInit_ex(mctx, NULL, EVP_MD_get0_name(md), NULL, NULL, pub,
                                             NULL),
                     1);
    assert_int_equal(EVP_DigestVerify(mctx, sig, siglen, message, sizeof message), 1);
    EVP_MD_CTX_free(mctx);
    return 0x9000;
}

static uint16_t ec_sign_verify(vpiv_card *card, uint8_t slot, uint8_t alg, EVP_PKEY *pub)
{
    return ec_sign_verify_md(card, slot, alg, pub,
                             alg == ALG_ECCP256 ? EVP_sha256() : EVP_sha384());
}

/* ECDH: both sides derive the same X coordinate. */
static uint16_t ec_ecdh(vpiv_card *card, uint8_t slot, uint8_t alg, EVP_PKEY *pub)
{
    EVP_PKEY *mine = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group_of(alg));
    uint8_t pt[100], card_x[64], host_x[64];
    size_t ptlen = 0, cx = 0, hx = sizeof host_x;
    EVP_PKEY_CTX *ctx;
    uint16_t sw;

    assert_non_null(mine);
    assert_int_equal(EVP_PKEY_get_octet_string_param(mine, OSSL_PKEY_PARAM_PUB_KEY, pt,
                                                     sizeof pt, &ptlen),
                     1);
    assert_int_equal(ptlen, 1 + 2 * alg_bytes(alg));
    sw = card_op(card, alg, slot, 0x85, pt, ptlen, card_x, &cx);
    if (sw == 0x9000) {
        ctx = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL);
        assert_non_null(ctx);
        assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
        assert_int_equal(EVP_PKEY_derive_set_peer(ctx, pub), 1);
        assert_int_equal(EVP_PKEY_derive(ctx, host_x, &hx), 1);
        EVP_PKEY_CTX_free(ctx);
        assert_int_equal(cx, alg_bytes(alg));
        assert_int_equal(hx, cx);
        assert_memory_equal(card_x, host_x, cx);
    }
    EVP_PKEY_free(mine);
    return sw;
}

static uint8_t default_pin_policy(uint8_t slot)
{
    return slot == 0x9C ? PIN_POLICY_ALWAYS : slot == 0x9E ? PIN_POLICY_NEVER : PIN_POLICY_ONCE;
}

/* Generate, check metadata, sign, decrypt / ECDH: one slot and algorithm. */
static void exercise(vpiv_card *card, uint8_t slot, uint8_t alg)
{
    EVP_PKEY *pub = generate(card, slot, alg, 0, 0);
    EVP_PKEY *meta = metadata(card, slot, alg, default_pin_policy(slot), TOUCH_POLICY_NEVER,
                              ORIGIN_GENERATED);
    assert_int_equal(EVP_PKEY_eq(pub, meta), 1);
    verify_pin(card);
    if (is_rsa(alg)) {
        assert_int_equal(rsa_sign_verify(card, slot, alg, pub), 0x9000);
        verify_pin(card);
        assert_int_equal(rsa_decrypt(card, slot, alg, pub), 0x9000);
    } else {
        assert_int_equal(ec_sign_verify(card, slot, alg, pub), 0x9000);
        verify_pin(card);
        assert_int_equal(ec_ecdh(card, slot, alg, pub), 0x9000);
    }
    EVP_PKEY_free(meta);
    EVP_PKEY_free(pub);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_generate_every_alg_every_slot(void **state)
{
    static const uint8_t slots[] = {0x9A, 0x9C, 0x9D, 0x9E};
    static const uint8_t algs[] = {ALG_RSA1024, ALG_RSA2048, ALG_RSA3072, ALG_ECCP256,
                                   ALG_ECCP384};
    vpiv_card *card = new_card(100);
    (void)state;
    vt_admin(card);
    for (size_t s = 0; s < sizeof slots; s++)
        for (size_t a = 0; a < sizeof algs; a++)
            exercise(card, slots[s], algs[a]);
    vpiv_free(card);
}

/* RSA-4096 once, with OpenSSL's own generator (a non-deterministic card); also a retired slot
 * and an answer long enough for several GET RESPONSE rounds. */
static void test_generate_rsa4096(void **state)
{
    vpiv_card *card = vt_new_card(0, false, NULL);
    (void)state;
    vt_admin(card);
    exercise(card, 0x82, ALG_RSA4096);
    vpiv_free(card);
}

static void test_generation_is_deterministic(void **state)
{
    vpiv_card *a = new_card(7), *b = new_card(7), *c = new_card(8);
    EVP_PKEY *ka, *kb, *kc;
    (void)state;
    vt_admin(a), vt_admin(b), vt_admin(c);
    for (int i = 0; i < 2; i++) {
        uint8_t alg = i ? ALG_RSA1024 : ALG_ECCP256;
        ka = generate(a, 0x9A, alg, 0, 0);
        kb = generate(b, 0x9A, alg, 0, 0);
        kc = generate(c, 0x9A, alg, 0, 0);
        assert_int_equal(EVP_PKEY_eq(ka, kb), 1);
        assert_int_not_equal(EVP_PKEY_eq(ka, kc), 1);
        EVP_PKEY_free(ka), EVP_PKEY_free(kb), EVP_PKEY_free(kc);
    }
    vpiv_free(a), vpiv_free(b), vpiv_free(c);
}

static void put_bn_tlv(uint8_t *out, size_t *len, unsigned tag, const BIGNUM *v, size_t width)
{
    uint8_t buf[512];
    size_t n = width ? width : (size_t)BN_num_bytes(v);
    assert_int_equal(BN_bn2binpad(v, buf, (int)n), (int)n);
    tlv(out, len, tag, buf, n);
}

static BIGNUM *get_bn(const EVP_PKEY *k, const char *name)
{
    BIGNUM *v = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(k, name, &v), 1);
    return v;
}

/* RSA import data for key k: 01 p 02 q 03 dp 04 dq 05 qinv, padded to `width` (0: minimal). */
static size_t rsa_import_data(const EVP_PKEY *k, size_t width, uint8_t *out)
{
    static const char *const names[5] = {OSSL_PKEY_PARAM_RSA_FACTOR1,
                                         OSSL_PKEY_PARAM_RSA_FACTOR2,
                                         OSSL_PKEY_PARAM_RSA_EXPONENT1,
                                         OSSL_PKEY_PARAM_RSA_EXPONENT2,
                                         OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    size_t len = 0;
    for (unsigned i = 0; i < 5; i++) {
        BIGNUM *v = get_bn(k, names[i]);
        put_bn_tlv(out, &len, i + 1, v, width);
        BN_clear_free(v);
    }
    return len;
}

static void test_import_rsa2048(void **state)
{
    vpiv_card *card = new_card(200);
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048), *meta;
    uint8_t data[1400];
    size_t len;
    vt_rsp r;
    (void)state;
    assert_non_null(k);
    len = rsa_import_data(k, 128, data);
    assert_int_equal(vt_xfer(card, 0xFE, ALG_RSA2048, 0x9D, data, len, &r), 0x6982);
    vt_admin(card);
    /* PIN policy never, touch never */
    tlv(data, &len, 0xAA, (const uint8_t *)"\x01", 1);
    tlv(data, &len, 0xAB, (const uint8_t *)"\x01", 1);
    assert_int_equal(vt_xfer(card, 0xFE, ALG_RSA2048, 0x9D, data, len, &r), 0x9000);
    assert_int_equal(r.len, 0);
    meta = metadata(card, 0x9D, ALG_RSA2048, PIN_POLICY_NEVER, TOUCH_POLICY_NEVER,
                    ORIGIN_IMPORTED);
    assert_int_equal(EVP_PKEY_eq(meta, k), 1);
    /* no PIN needed; the card's signature verifies with the original key */
    assert_int_equal(rsa_sign_verify(card, 0x9D, ALG_RSA2048, k), 0x9000);
    assert_int_equal(rsa_decrypt(card, 0x9D, ALG_RSA2048, k), 0x9000);
    EVP_PKEY_free(meta);

    /* minimal-length components are fine too; default policy of 9A is PIN once */
    len = rsa_import_data(k, 0, data);
    assert_int_equal(vt_xfer(card, 0xFE, ALG_RSA2048, 0x9A, data, len, &r), 0x9000);
    meta = metadata(card, 0x9A, ALG_RSA2048, PIN_POLICY_ONCE, TOUCH_POLICY_NEVER,
                    ORIGIN_IMPORTED);
    assert_int_equal(rsa_sign_verify(card, 0x9A, ALG_RSA2048, k), 0x6982);
    verify_pin(card);
    assert_int_equal(rsa_sign_verify(card, 0x9A, ALG_RSA2048, k), 0x9000);
    EVP_PKEY_free(meta);
    EVP_PKEY_free(k);
    vpiv_free(card);
}

static void test_import_ec(void **state)
{
    vpiv_card *card = new_card(201);
    (void)state;
    vt_admin(card);
    verify_pin(card);
    for (int i = 0; i < 2; i++) {
        uint8_t alg = i ? ALG_ECCP384 : ALG_ECCP256, data[64];
        EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group_of(alg)), *meta;
        BIGNUM *s = get_bn(k, OSSL_PKEY_PARAM_PRIV_KEY);
        size_t len = 0;
        vt_rsp r;
        put_bn_tlv(data, &len, 0x06, s, alg_bytes(alg));
        BN_clear_free(s);
        assert_int_equal(vt_xfer(card, 0xFE, alg, 0x9A, data, len, &r), 0x9000);
        meta = metadata(card, 0x9A, alg, PIN_POLICY_ONCE, TOUCH_POLICY_NEVER, ORIGIN_IMPORTED);
        assert_int_equal(EVP_PKEY_eq(meta, k), 1);
        assert_int_equal(ec_sign_verify(card, 0x9A, alg, k), 0x9000);
        assert_int_equal(ec_ecdh(card, 0x9A, alg, k), 0x9000);
        EVP_PKEY_free(meta);
        EVP_PKEY_free(k);
    }
    vpiv_free(card);
}

static void test_import_rejects(void **state)
{
    vpiv_card *card = new_card(202);
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    uint8_t data[1400], bad[1400];
    size_t len, blen;
    vt_rsp r;
    (void)state;
    assert_non_null(k);
    vt_admin(card);
    len = rsa_import_data(k, 64, data);

    /* slot and algorithm */
    assert_int_equal(vt_xfer(card, 0xFE, ALG_RSA1024, 0x9B, data, len, &r), 0x6A86);
    assert_int_equal(vt_xfer(card, 0xFE, ALG_RSA1024, 0x00, data, len, &r), 0x6A86);
    assert_int_equal(vt_xfer(card, 0xFE, ALG_3DES, 0x9A, data, len, &r), 0x6A80);
    assert_int_equal(vt_xfer(card, 0xFE, ALG_ECCP256, 0x9A, data, len, &r), 0x6A80);
    assert_int_equal(vt_xfer(card, 0xFE, ALG_RSA2048, 0x9A, data, len, &r), 0x6A80); /* size */
    assert_int_equal(vt_xfer(card, 0xFE, ALG_RSA1024, 0x9A, NULL, 0, &r), 0x6A80);

    /* a wrong dp (last byte of tag 03's value) */
    memcpy(bad, data, len);
    bad[2 * 66 + 2 + 63] ^= 0x01;
    assert_int_equal(vt_xfer(card, 0xFE, ALG_RSA1024, 0x9A, bad, len, &r), 0x6A80);
    /* qinv missing, a duplicate, an unknown tag, a component too long, a bad policy */
    assert_int_equal(vt_xfer(card, 0xFE, ALG_RSA1024, 0x9A, data, len - 66, &r), 0x6A80);
    memcpy(bad, data, len);
    memcpy(bad + len, data, 66);
    assert_int_equal(vt_xfer(card, 0xFE, ALG_RSA1024, 0x9A, bad, len + 66, &r), 0x6A80);
    memcpy(bad, data, len);
    blen = len;
    tlv(bad, &blen, 0x07, (const uint8_t *)"\x01", 1);
    assert_int_equal(vt_xfer(card, 0xFE, ALG_RSA1024, 0x9A, bad, blen, &r), 0x6A80);
    memcpy(bad, data, len);
    blen = len;
    tlv(bad, &blen, 0xAA, (const uint8_t *)"\x05", 1);
    assert_int_equal(vt_xfer(card, 0xFE, ALG_RSA1024, 0x9A, bad, blen, &r), 0x6A80);
    {
        BIGNUM *p = get_bn(k, OSSL_PKEY_PARAM_RSA_FACTOR1);
        blen = 0;
        put_bn_tlv(bad, &blen, 0x01, p, 65);
        memcpy(bad + blen, data + 66, len - 66);
        blen += len - 66;
        assert_int_equal(vt_xfer(card, 0xFE, ALG_RSA1024, 0x9A, bad, blen, &r), 0x6A80);
        BN_clear_free(p);
    }

    /* consistent CRT numbers over a composite "p": refused for not being prime */
    {
        BN_CTX *bn = BN_CTX_new();
        BIGNUM *p = get_bn(k, OSSL_PKEY_PARAM_RSA_FACTOR1), *q = get_bn(k, OSSL_PKEY_PARAM_RSA_FACTOR2);
        BIGNUM *e = BN_new(), *p1 = BN_new(), *q1 = BN_new(), *g = BN_new(), *l = BN_new(),
               *t = BN_new(), *d = BN_new(), *dp = BN_new(), *dq = BN_new(), *qi = BN_new();
        assert_non_null(bn);
        assert_int_equal(BN_set_word(e, 65537), 1);
        for (;;) {
            assert_int_equal(BN_add_word(p, 2), 1);
            if (BN_check_prime(p, bn, NULL) == 1)
                continue;
            BN_copy(p1, p), BN_sub_word(p1, 1), BN_copy(q1, q), BN_sub_word(q1, 1);
            BN_gcd(g, p1, q1, bn), BN_mul(t, p1, q1, bn), BN_div(l, NULL, t, g, bn);
            if (!BN_mod_inverse(d, e, l, bn) || !BN_mod_inverse(qi, q, p, bn))
                continue;
            break;
        }
        BN_mod(dp, d, p1, bn), BN_mod(dq, d, q1, bn);
        blen = 0;
        put_bn_tlv(bad, &blen, 1, p, 64), put_bn_tlv(bad, &blen, 2, q, 64);
        put_bn_tlv(bad, &blen, 3, dp, 64), put_bn_tlv(bad, &blen, 4, dq, 64);
        put_bn_tlv(bad, &blen, 5, qi, 64);
        assert_int_equal(vt_xfer(card, 0xFE, ALG_RSA1024, 0x9A, bad, blen, &r), 0x6A80);
        BN_free(e), BN_free(p1), BN_free(q1), BN_free(g), BN_free(l), BN_free(t);
        BN_free(d), BN_free(dp), BN_free(dq), BN_free(qi), BN_free(p), BN_free(q);
        BN_CTX_free(bn);
    }

    /* EC: zero, the group order, too long, RSA components */
    assert_int_equal(vt_hex_apdu(card, "00 FE 11 9A 03 06 01 00", &r), 0x6A80);
    assert_int_equal(vt_hex_apdu(card,
                                 "00 FE 11 9A 22 06 20 FF FF FF FF 00 00 00 00 FF FF FF FF FF "
                                 "FF FF FF BC E6 FA AD A7 17 9E 84 F3 B9 CA C2 FC 63 25 51",
                                 &r),
                     0x6A80);
    assert_int_equal(vt_hex_apdu(card,
                                 "00 FE 11 9A 23 06 21 00 FF FF FF FF 00 00 00 00 FF FF FF FF FF "
                                 "FF FF FF BC E6 FA AD A7 17 9E 84 F3 B9 CA C2 FC 63 25 50",
                                 &r),
                     0x6A80);
    assert_int_equal(vt_xfer(card, 0xFE, ALG_ECCP256, 0x9A, data, len, &r), 0x6A80);
    assert_int_equal(vt_hex_apdu(card, "00 FE 11 9A 06 06 01 01 01 01 01", &r), 0x6A80);
    /* n - 1 is the largest valid scalar */
    assert_int_equal(vt_hex_apdu(card,
                                 "00 FE 11 9A 22 06 20 FF FF FF FF 00 00 00 00 FF FF FF FF FF "
                                 "FF FF FF BC E6 FA AD A7 17 9E 84 F3 B9 CA C2 FC 63 25 50",
                                 &r),
                     0x9000);
    assert_int_equal(vt_xfer(card, 0xF7, 0x00, 0x9A, NULL, 0, &r), 0x9000);

    /* nothing landed in 9C */
    assert_int_equal(vt_xfer(card, 0xF7, 0x00, 0x9C, NULL, 0, &r), 0x6A88);
    EVP_PKEY_free(k);
    vpiv_free(card);
}

static void test_pin_policies(void **state)
{
    vpiv_card *card = new_card(300);
    EVP_PKEY *k9a, *k9c, *k9e, *k9d, *k82;
    (void)state;
    vt_admin(card);
    k9a = generate(card, 0x9A, ALG_ECCP256, 0, 0);
    k9c = generate(card, 0x9C, ALG_ECCP256, 0, 0);
    k9e = generate(card, 0x9E, ALG_ECCP256, 0, 0);
    k9d = generate(card, 0x9D, ALG_ECCP256, PIN_POLICY_ALWAYS, 0);
    k82 = generate(card, 0x82, ALG_ECCP256, PIN_POLICY_NEVER, TOUCH_CACHED);

    /* no PIN yet */
    assert_int_equal(ec_sign_verify(card, 0x9A, ALG_ECCP256, k9a), 0x6982);
    assert_int_equal(ec_sign_verify(card, 0x9C, ALG_ECCP256, k9c), 0x6982);
    assert_int_equal(ec_sign_verify(card, 0x9D, ALG_ECCP256, k9d), 0x6982);
    assert_int_equal(ec_ecdh(card, 0x9D, ALG_ECCP256, k9d), 0x6982);
    assert_int_equal(ec_sign_verify(card, 0x9E, ALG_ECCP256, k9e), 0x9000);
    assert_int_equal(ec_sign_verify(card, 0x9E, ALG_ECCP256, k9e), 0x9000);
    assert_int_equal(ec_sign_verify(card, 0x82, ALG_ECCP256, k82), 0x9000);

    /* one VERIFY: 9A as often as wanted, 9C exactly once */
    verify_pin(card);
    assert_int_equal(ec_sign_verify(card, 0x9A, ALG_ECCP256, k9a), 0x9000);
    assert_int_equal(ec_sign_verify(card, 0x9A, ALG_ECCP256, k9a), 0x9000);
    assert_int_equal(ec_sign_verify(card, 0x9C, ALG_ECCP256, k9c), 0x9000);
    assert_int_equal(ec_sign_verify(card, 0x9C, ALG_ECCP256, k9c), 0x6982);
    assert_int_equal(ec_sign_verify(card, 0x9D, ALG_ECCP256, k9d), 0x6982);
    assert_int_equal(ec_sign_verify(card, 0x9A, ALG_ECCP256, k9a), 0x9000);
    /* a fresh VERIFY for every "always" use, whichever slot takes it */
    verify_pin(card);
    assert_int_equal(ec_ecdh(card, 0x9D, ALG_ECCP256, k9d), 0x9000);
    assert_int_equal(ec_sign_verify(card, 0x9C, ALG_ECCP256, k9c), 0x6982);
    verify_pin(card);
    assert_int_equal(ec_sign_verify(card, 0x9C, ALG_ECCP256, k9c), 0x9000);
    verify_pin(card);
    assert_int_equal(ec_sign_verify(card, 0x9D, ALG_ECCP256, k9d), 0x9000);

    /* a reset forgets the PIN */
    vpiv_power(card, VPIV_RESET);
    {
        vt_rsp r;
        assert_int_equal(vt_hex_apdu(card, SELECT, &r), 0x9000);
    }
    assert_int_equal(ec_sign_verify(card, 0x9A, ALG_ECCP256, k9a), 0x6982);
    assert_int_equal(ec_sign_verify(card, 0x9E, ALG_ECCP256, k9e), 0x9000);

    EVP_PKEY_free(metadata(card, 0x9D, ALG_ECCP256, PIN_POLICY_ALWAYS, TOUCH_POLICY_NEVER,
                           ORIGIN_GENERATED));
    EVP_PKEY_free(metadata(card, 0x82, ALG_ECCP256, PIN_POLICY_NEVER, TOUCH_CACHED,
                           ORIGIN_GENERATED));
    EVP_PKEY_free(k9a), EVP_PKEY_free(k9c), EVP_PKEY_free(k9e), EVP_PKEY_free(k9d);
    EVP_PKEY_free(k82);
    vpiv_free(card);
}

static void test_authenticate_rejects(void **state)
{
    static const char *const bad_templates[] = {
        ("00 87 11 9A 24 7C 22 81 20 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 "
         "13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F"),                       /* no 82 */
        "00 87 11 9A 07 7C 05 82 01 00 81 00",                            /* 82 not empty */
        "00 87 11 9A 06 7C 04 82 00 81 00",                               /* empty input */
        "00 87 11 9A 09 7C 07 82 00 80 00 81 01 01",                      /* witness */
        "00 87 11 9A 0A 7C 08 82 00 81 01 01 85 01 04",                   /* 81 and 85 */
        "00 87 11 9A 08 7C 05 82 00 81 01 01 00",                         /* trailing */
        "00 87 11 9A 07 7C 05 82 00 81 02 01",                            /* overrun */
        "00 87 11 9A 04 7C 02 82 00",                                     /* nothing to do */
        "00 87 11 9A",                                                    /* no data */
    };
    vpiv_card *card = new_card(400);
    EVP_PKEY *kec, *krsa, *other;
    uint8_t in[512], out[512], pt[100];
    size_t outlen, ptlen = 0;
    vt_rsp r;
    (void)state;
    vt_admin(card);
    kec = generate(card, 0x9A, ALG_ECCP256, 0, 0);
    krsa = generate(card, 0x9C, ALG_RSA1024, PIN_POLICY_ONCE, 0);
    verify_pin(card);

    /* wrong algorithm in P1, empty slot, not a key slot */
    memset(in, 0x11, sizeof in);
    assert_int_equal(card_op(card, ALG_RSA2048, 0x9A, 0x81, in, 32, out, &outlen), 0x6A80);
    assert_int_equal(card_op(card, ALG_ECCP384, 0x9A, 0x81, in, 32, out, &outlen), 0x6A80);
    assert_int_equal(card_op(card, ALG_ECCP256, 0x9C, 0x81, in, 128, out, &outlen), 0x6A80);
    assert_int_equal(card_op(card, ALG_ECCP256, 0x9D, 0x81, in, 32, out, &outlen), 0x6A80);
    assert_int_equal(card_op(card, ALG_ECCP256, 0x01, 0x81, in, 32, out, &outlen), 0x6A86);
    assert_int_equal(card_op(card, ALG_ECCP256, 0xF9, 0x81, in, 32, out, &outlen), 0x6A86);
    assert_int_equal(card_op(card, ALG_ECCP256, 0x9A, 0x81, in, 32, out, &outlen), 0x9000);

    for (size_t i = 0; i < sizeof bad_templates / sizeof bad_templates[0]; i++)
        assert_int_equal(vt_hex_apdu(card, bad_templates[i], &r), 0x6A80);

    /* RSA: input must be exactly the modulus size, and below the modulus */
    assert_int_equal(card_op(card, ALG_RSA1024, 0x9C, 0x81, in, 127, out, &outlen), 0x6A80);
    assert_int_equal(card_op(card, ALG_RSA1024, 0x9C, 0x81, in, 129, out, &outlen), 0x6A80);
    memset(in, 0xFF, 128);
    assert_int_equal(card_op(card, ALG_RSA1024, 0x9C, 0x81, in, 128, out, &outlen), 0x6A80);
    /* an input below n with leading zeros: full-length answer */
    memset(in, 0, 128);
    in[127] = 1;
    assert_int_equal(card_op(card, ALG_RSA1024, 0x9C, 0x81, in, 128, out, &outlen), 0x9000);
    assert_int_equal(outlen, 128);
    /* no ECDH with an RSA key */
    assert_int_equal(card_op(card, ALG_RSA1024, 0x9C, 0x85, in, 65, out, &outlen), 0x6A80);

    /* ECDH: the point must be uncompressed, of this curve, and on it */
    other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    assert_non_null(other);
    assert_int_equal(EVP_PKEY_get_octet_string_param(other, OSSL_PKEY_PARAM_PUB_KEY, pt,
                                                     sizeof pt, &ptlen),
                     1);
    assert_int_equal(card_op(card, ALG_ECCP256, 0x9A, 0x85, pt, ptlen, out, &outlen), 0x6A80);
    EVP_PKEY_free(other);
    assert_int_equal(EVP_PKEY_get_octet_string_param(kec, OSSL_PKEY_PARAM_PUB_KEY, pt,
                                                     sizeof pt, &ptlen),
                     1);
    assert_int_equal(ptlen, 65);
    assert_int_equal(card_op(card, ALG_ECCP256, 0x9A, 0x85, pt, 65, out, &outlen), 0x9000);
    pt[64] ^= 0x01; /* off the curve */
    assert_int_equal(card_op(card, ALG_ECCP256, 0x9A, 0x85, pt, 65, out, &outlen), 0x6A80);
    pt[64] ^= 0x01;
    pt[0] = 0x02; /* compressed form is refused */
    assert_int_equal(card_op(card, ALG_ECCP256, 0x9A, 0x85, pt, 33, out, &outlen), 0x6A80);
    memset(pt + 1, 0, 64);
    pt[0] = 0x04; /* (0, 0) is not a point */
    assert_int_equal(card_op(card, ALG_ECCP256, 0x9A, 0x85, pt, 65, out, &outlen), 0x6A80);

    EVP_PKEY_free(kec);
    EVP_PKEY_free(krsa);
    vpiv_free(card);
}

/* ECDSA input is a hash of any length: truncated to the field size or left-padded. */
static void test_ecdsa_hash_lengths(void **state)
{
    vpiv_card *card = new_card(500);
    EVP_PKEY *k256, *k384;
    (void)state;
    vt_admin(card);
    k256 = generate(card, 0x9E, ALG_ECCP256, 0, 0);
    k384 = generate(card, 0x9D, ALG_ECCP384, PIN_POLICY_NEVER, 0);
    assert_int_equal(ec_sign_verify_md(card, 0x9E, ALG_ECCP256, k256, EVP_sha1()), 0x9000);
    assert_int_equal(ec_sign_verify_md(card, 0x9E, ALG_ECCP256, k256, EVP_sha384()), 0x9000);
    assert_int_equal(ec_sign_verify_md(card, 0x9E, ALG_ECCP256, k256, EVP_sha512()), 0x9000);
    assert_int_equal(ec_sign_verify_md(card, 0x9D, ALG_ECCP384, k384, EVP_sha256()), 0x9000);
    assert_int_equal(ec_sign_verify_md(card, 0x9D, ALG_ECCP384, k384, EVP_sha512()), 0x9000);
    EVP_PKEY_free(k256);
    EVP_PKEY_free(k384);
    vpiv_free(card);
}

static void test_generate_rejects(void **state)
{
    static const char *const bad[] = {
        "00 47 00 9A 05 AC 03 80 01 03",                   /* 3DES is not a key pair */
        "00 47 00 9A 05 AC 03 80 01 E0",                   /* Ed25519: not supported here */
        "00 47 00 9A 05 AC 03 80 01 00",
        "00 47 00 9A 05 AC 03 AA 01 01",                   /* no algorithm */
        "00 47 00 9A 08 AC 06 80 01 11 AA 01 04",          /* PIN policy 4 */
        "00 47 00 9A 08 AC 06 80 01 11 AB 01 04",          /* touch policy 4 */
        "00 47 00 9A 08 AC 06 80 01 11 81 01 01",          /* unknown tag */
        "00 47 00 9A 08 AC 06 80 01 11 80 01 11",          /* duplicate */
        "00 47 00 9A 06 AC 04 80 02 11 00",                /* algorithm of two bytes */
        "00 47 00 9A 06 AC 03 80 01 11 00",                /* trailing */
        "00 47 00 9A 05 AD 03 80 01 11",                   /* not AC */
        "00 47 00 9A 03 80 01 11",                         /* no template */
        "00 47 00 9A",                                     /* no data */
    };
    vpiv_card *card = new_card(600);
    EVP_PKEY *k, *m;
    vt_rsp r;
    (void)state;
    assert_int_equal(vt_hex_apdu(card, "00 47 00 9A 05 AC 03 80 01 11", &r), 0x6982);
    vt_admin(card);
    assert_int_equal(vt_hex_apdu(card, "00 47 00 9B 05 AC 03 80 01 11", &r), 0x6A86);
    assert_int_equal(vt_hex_apdu(card, "00 47 00 F9 05 AC 03 80 01 11", &r), 0x6A86);
    assert_int_equal(vt_hex_apdu(card, "00 47 00 00 05 AC 03 80 01 11", &r), 0x6A86);
    assert_int_equal(vt_hex_apdu(card, "00 47 00 80 05 AC 03 80 01 11", &r), 0x6A86);
    assert_int_equal(vt_hex_apdu(card, "00 47 01 9A 05 AC 03 80 01 11", &r), 0x6A86);
    assert_int_equal(vt_hex_apdu(card, "00 47 00 96 05 AC 03 80 01 11", &r), 0x6A86);

    k = generate(card, 0x9A, ALG_ECCP256, 0, 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(vt_hex_apdu(card, bad[i], &r), 0x6A80);
    /* the key is still the one generated first */
    m = metadata(card, 0x9A, ALG_ECCP256, PIN_POLICY_ONCE, TOUCH_POLICY_NEVER, ORIGIN_GENERATED);
    assert_int_equal(EVP_PKEY_eq(k, m), 1);
    EVP_PKEY_free(m);
    /* a new GENERATE replaces it */
    EVP_PKEY_free(generate(card, 0x9A, ALG_ECCP256, PIN_POLICY_NEVER, 0));
    m = metadata(card, 0x9A, ALG_ECCP256, PIN_POLICY_NEVER, TOUCH_POLICY_NEVER, ORIGIN_GENERATED);
    assert_int_not_equal(EVP_PKEY_eq(k, m), 1);
    EVP_PKEY_free(m);
    EVP_PKEY_free(k);
    vpiv_free(card);
}

/* A key that cannot be saved answers 6581 and leaves the slot as it was. */
static void test_generate_save_failure(void **state)
{
    char dir[] = "/tmp/vpiv_keys_XXXXXX", path[64];
    vpiv_card *card;
    EVP_PKEY *k, *m;
    vt_rsp r;
    (void)state;
    assert_non_null(mkdtemp(dir));
    (void)snprintf(path, sizeof path, "%s/card.state", dir);
    card = vt_new_card(700, true, path);
    vt_admin(card);
    k = generate(card, 0x9A, ALG_ECCP256, 0, 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    assert_int_equal(generate_sw(card, 0x9A, ALG_ECCP384, 0, 0, &r), 0x6581);
    assert_int_equal(vt_hex_apdu(card, "00 FE 11 9C 03 06 01 05", &r), 0x6581);
    assert_int_equal(vt_xfer(card, 0xF7, 0x00, 0x9C, NULL, 0, &r), 0x6A88);
    m = metadata(card, 0x9A, ALG_ECCP256, PIN_POLICY_ONCE, TOUCH_POLICY_NEVER, ORIGIN_GENERATED);
    assert_int_equal(EVP_PKEY_eq(k, m), 1);
    verify_pin(card);
    assert_int_equal(ec_sign_verify(card, 0x9A, ALG_ECCP256, k), 0x9000);
    EVP_PKEY_free(m);
    EVP_PKEY_free(k);
    vpiv_free(card);
}

/* Keys, their policies and origins survive the state file (vpiv_save / vpiv_load). */
static void test_keys_survive_reload(void **state)
{
    char dir[] = "/tmp/vpiv_keys_XXXXXX", path[64];
    vpiv_card *card;
    EVP_PKEY *k9a, *k9c = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"), *m;
    uint8_t data[64];
    size_t len = 0;
    vt_rsp r;
    (void)state;
    assert_non_null(k9c);
    assert_non_null(mkdtemp(dir));
    (void)snprintf(path, sizeof path, "%s/card.state", dir);
    card = vt_new_card(900, true, path);
    vt_admin(card);
    k9a = generate(card, 0x9A, ALG_RSA2048, PIN_POLICY_ALWAYS, TOUCH_CACHED);
    {
        BIGNUM *s = get_bn(k9c, OSSL_PKEY_PARAM_PRIV_KEY);
        put_bn_tlv(data, &len, 0x06, s, 48);
        BN_clear_free(s);
    }
    assert_int_equal(vt_xfer(card, 0xFE, ALG_ECCP384, 0x9C, data, len, &r), 0x9000);
    vpiv_free(card);

    card = vt_new_card(901, true, path);
    m = metadata(card, 0x9A, ALG_RSA2048, PIN_POLICY_ALWAYS, TOUCH_CACHED, ORIGIN_GENERATED);
    assert_int_equal(EVP_PKEY_eq(m, k9a), 1);
    EVP_PKEY_free(m);
    m = metadata(card, 0x9C, ALG_ECCP384, PIN_POLICY_ALWAYS, TOUCH_POLICY_NEVER,
                 ORIGIN_IMPORTED);
    assert_int_equal(EVP_PKEY_eq(m, k9c), 1);
    EVP_PKEY_free(m);
    verify_pin(card);
    assert_int_equal(rsa_sign_verify(card, 0x9A, ALG_RSA2048, k9a), 0x9000);
    verify_pin(card);
    assert_int_equal(ec_sign_verify(card, 0x9C, ALG_ECCP384, k9c), 0x9000);
    vpiv_free(card);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    EVP_PKEY_free(k9a);
    EVP_PKEY_free(k9c);
}

static void test_metadata_pin_puk_mgm(void **state)
{
    vpiv_card *card = new_card(800);
    vt_rsp r;
    (void)state;
    assert_int_equal(vt_hex_apdu(card, "00 F7 00 80", &r), 0x9000);
    assert_int_equal(r.len, 10);
    assert_memory_equal(r.data, "\x01\x01\xFF\x05\x01\x01\x06\x02\x03\x03", 10);
    assert_int_equal(vt_hex_apdu(card, "00 F7 00 81", &r), 0x9000);
    assert_int_equal(r.len, 10);
    assert_memory_equal(r.data, "\x01\x01\xFF\x05\x01\x01\x06\x02\x03\x03", 10);
    assert_int_equal(vt_hex_apdu(card, "00 F7 00 9B", &r), 0x9000);
    assert_int_equal(r.len, 10);
    assert_memory_equal(r.data, "\x01\x01\x03\x02\x02\x00\x01\x05\x01\x01", 10);

    /* counters and default flags come from the state (VERIFY is not the point here) */
    card->pin.tries_left = 1;
    card->pin.is_default = false;
    card->puk.max_tries = 5;
    card->puk.tries_left = 0;
    assert_int_equal(vt_hex_apdu(card, "00 F7 00 80", &r), 0x9000);
    assert_memory_equal(r.data, "\x01\x01\xFF\x05\x01\x00\x06\x02\x03\x01", 10);
    assert_int_equal(vt_hex_apdu(card, "00 F7 00 81", &r), 0x9000);
    assert_memory_equal(r.data, "\x01\x01\xFF\x05\x01\x01\x06\x02\x05\x00", 10);

    /* empty slots, unknown references, P1 */
    assert_int_equal(vt_hex_apdu(card, "00 F7 00 9A", &r), 0x6A88);
    assert_int_equal(vt_hex_apdu(card, "00 F7 00 95", &r), 0x6A88);
    assert_int_equal(vt_hex_apdu(card, "00 F7 00 F9", &r), 0x6A88);
    assert_int_equal(vt_hex_apdu(card, "00 F7 00 00", &r), 0x6A88);
    assert_int_equal(vt_hex_apdu(card, "00 F7 00 96", &r), 0x6A88);
    assert_int_equal(vt_hex_apdu(card, "00 F7 00 9F", &r), 0x6A88);
    assert_int_equal(vt_hex_apdu(card, "00 F7 01 80", &r), 0x6A86);
    vpiv_free(card);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_every_alg_every_slot),
        cmocka_unit_test(test_generate_rsa4096),
        cmocka_unit_test(test_generation_is_deterministic),
        cmocka_unit_test(test_import_rsa2048),
        cmocka_unit_test(test_import_ec),
        cmocka_unit_test(test_import_rejects),
        cmocka_unit_test(test_pin_policies),
        cmocka_unit_test(test_authenticate_rejects),
        cmocka_unit_test(test_ecdsa_hash_lengths),
        cmocka_unit_test(test_generate_rejects),
        cmocka_unit_test(test_generate_save_failure),
        cmocka_unit_test(test_keys_survive_reload),
        cmocka_unit_test(test_metadata_pin_puk_mgm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
