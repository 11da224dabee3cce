/* vpiv tests: the shared APDU plumbing (vpiv_test_apdu.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <string.h>

#include "vpiv_test_apdu.h"

const uint8_t vt_default_key[24] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4,
                                    5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8};

/* ---- hex ---- */

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t vt_unhex(const char *hex, uint8_t *out, size_t cap)
{
    const char *s = hex;
    size_t n = 0;
    while (*s) {
        int hi, lo;
        if (*s == ' ') {
            s++;
            continue;
        }
        hi = nibble(s[0]);
        lo = hi < 0 ? -1 : nibble(s[1]); /* s[1] is the NUL after an odd digit: -1 */
        if (hi < 0 || lo < 0)
            fail_msg("bad hex at offset %zu of \"%s\"", (size_t)(s - hex), hex);
        assert_true(n < cap);
        out[n++] = (uint8_t)(hi << 4 | lo);
        s += 2;
    }
    return n;
}

/* ---- one APDU as is ---- */

uint16_t vt_xfer_raw(vpiv_card *card, const uint8_t *apdu, size_t n, uint8_t *data, size_t *dlen)
{
    uint8_t r[VPIV_MAX_RAPDU];
    size_t rn = vpiv_process(card, apdu, n, r);
    assert_true(rn >= 2 && rn <= VPIV_MAX_RAPDU);
    if (data)
        memcpy(data, r, rn - 2);
    if (dlen)
        *dlen = rn - 2;
    return (uint16_t)(r[rn - 2] << 8 | r[rn - 1]);
}

void vt_tx_at(vpiv_card *card, const char *hex, unsigned want_sw, const char *want_hex,
              const char *file, int line)
{
    uint8_t apdu[300], data[VPIV_MAX_RAPDU], want[VPIV_MAX_RAPDU];
    size_t n = vt_unhex(hex, apdu, sizeof apdu), dlen = 0, wlen;
    uint16_t sw = vt_xfer_raw(card, apdu, n, data, &dlen);
    if (sw != want_sw) {
        print_error("%s -> %04X, expected %04X\n", hex, sw, want_sw);
        _fail(file, line);
    }
    if (want_hex) {
        wlen = vt_unhex(want_hex, want, sizeof want);
        if (wlen != dlen || memcmp(want, data, wlen) != 0) {
            print_error("%s -> %zu bytes of data, not the %zu expected\n", hex, dlen, wlen);
            _fail(file, line);
        }
    }
}

/* ---- one command, chained, with GET RESPONSE ---- */

uint16_t vt_chain(vpiv_card *card, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *data,
                  size_t len, bool with_le, uint8_t *resp, size_t cap, size_t *resp_len)
{
    uint8_t apdu[5 + 255 + 1], chunk[VPIV_MAX_RAPDU];
    size_t off = 0, got = 0, n;
    uint16_t sw;

    for (;;) {
        size_t blk = len - off > 255 ? 255 : len - off;
        bool last = off + blk == len;
        size_t an = 0;
        apdu[an++] = last ? 0x00 : 0x10;
        apdu[an++] = ins;
        apdu[an++] = p1;
        apdu[an++] = p2;
        if (blk) {
            apdu[an++] = (uint8_t)blk;
            memcpy(apdu + an, data + off, blk);
            an += blk;
        }
        if (last && with_le)
            apdu[an++] = 0x00; /* Le: 256 */
        sw = vt_xfer_raw(card, apdu, an, chunk, &n);
        off += blk;
        if (last)
            break;
        assert_int_equal(sw, 0x9000);
        assert_int_equal(n, 0);
    }
    for (;;) {
        assert_true(got + n <= cap || !resp);
        if (resp)
            memcpy(resp + got, chunk, n);
        got += n;
        if ((sw & 0xFF00) != 0x6100)
            break;
        {
            const uint8_t gr[5] = {0x00, 0xC0, 0x00, 0x00, (uint8_t)sw};
            assert_int_equal(n, 256); /* 61xx comes after a full block */
            sw = vt_xfer_raw(card, gr, sizeof gr, chunk, &n);
        }
    }
    if (resp_len)
        *resp_len = got;
    return sw;
}

uint16_t vt_xfer(vpiv_card *card, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *data,
                 size_t len, vt_rsp *r)
{
    r->len = 0;
    r->sw = vt_chain(card, ins, p1, p2, data, len, false, r->data, sizeof r->data, &r->len);
    return r->sw;
}

uint16_t vt_hex_apdu(vpiv_card *card, const char *hex, vt_rsp *r)
{
    uint8_t raw[300];
    size_t n = vt_unhex(hex, raw, sizeof raw);
    assert_true(n >= 4);
    assert_int_equal(raw[0], 0x00); /* vt_xfer sets CLA itself: the hex must say what is sent */
    if (n == 4)
        return vt_xfer(card, raw[1], raw[2], raw[3], NULL, 0, r);
    assert_int_equal(raw[4], n - 5);
    return vt_xfer(card, raw[1], raw[2], raw[3], raw + 5, n - 5, r);
}

/* ---- cards ---- */

vpiv_card *vt_new_card(uint64_t seed, bool deterministic, const char *path)
{
    vt_rsp r;
    vpiv_card *card = vpiv_new(path, NULL);
    assert_non_null(card);
    if (deterministic)
        vpiv_set_deterministic(card, seed);
    assert_int_equal(vt_hex_apdu(card, SELECT, &r), 0x9000);
    return card;
}

void vt_admin(vpiv_card *card)
{
    const uint8_t req[4] = {0x7C, 0x02, 0x81, 0x00};
    uint8_t cmd[12] = {0x7C, 0x0A, 0x82, 0x08};
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    vt_rsp r;

    assert_int_equal(vt_xfer(card, 0x87, 0x03, 0x9B, req, sizeof req, &r), 0x9000);
    assert_int_equal(r.len, 12);
    assert_non_null(ctx);
    assert_int_equal(EVP_EncryptInit_ex2(ctx, EVP_des_ede3_ecb(), vt_default_key, NULL, NULL), 1);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    assert_int_equal(EVP_EncryptUpdate(ctx, cmd + 4, &n, r.data + 4, 8), 1);
    assert_int_equal(n, 8);
    EVP_CIPHER_CTX_free(ctx);
    assert_int_equal(vt_xfer(card, 0x87, 0x03, 0x9B, cmd, sizeof cmd, &r), 0x9000);
}

/* ---- host side ---- */

EVP_PKEY *vt_pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *pkey = NULL;
    assert_non_null(params);
    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params), 1);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return pkey;
}
