/* Certificate objects (70 cert 71 CertInfo [FE]): plain and gzip contents, the bounds, and
 * every malformed shape. zlib makes the gzip data: an encoder independent of our decoder. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "piv.h"
#include "scarderr.h"

#define BIG (CH_PIV_CERT_MAX + 64u)
#define SENTINEL ((size_t)0xEEEEEEEEu)

/* Appends a BER length (short form, or 81/82 long forms). */
static size_t put_len(uint8_t *b, size_t n, size_t len)
{
    if (len < 0x80) {
        b[n++] = (uint8_t)len;
    } else if (len <= 0xFF) {
        b[n++] = 0x81, b[n++] = (uint8_t)len;
    } else {
        assert_true(len <= 0xFFFF);
        b[n++] = 0x82, b[n++] = (uint8_t)(len >> 8), b[n++] = (uint8_t)len;
    }
    return n;
}

/* 70 <cert> 71 01 <certinfo> [FE 00]; returns the object length. */
static size_t make_obj(uint8_t *b, const uint8_t *cert, size_t len, uint8_t certinfo, bool fe)
{
    size_t n = 0;
    b[n++] = 0x70;
    n = put_len(b, n, len);
    memcpy(b + n, cert, len), n += len;
    b[n++] = 0x71, b[n++] = 0x01, b[n++] = certinfo;
    if (fe)
        b[n++] = 0xFE, b[n++] = 0x00;
    return n;
}

/* A recognisable "certificate": the parser does not read X.509, so any bytes do. */
static void pattern(uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(i * 7 + (i >> 8));
    if (len)
        p[0] = 0x30;
}

static size_t gzip(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(deflateEnd(&z), Z_OK);
    return (size_t)z.total_out;
}

/* Runs the parser on an exact-size heap copy (so ASan sees any read past the end). */
static uint32_t run(const uint8_t *obj, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t *copy = malloc(len ? len : 1);
    uint32_t rc;
    assert_non_null(copy);
    if (len)
        memcpy(copy, obj, len);
    rc = ch_piv_cert_object(copy, len, out, cap, out_len);
    free(copy);
    return rc;
}

static void test_plain(void **state)
{
    static uint8_t cert[700], obj[800], out[BIG];
    size_t n, out_len;
    (void)state;
    pattern(cert, sizeof cert);
    for (int fe = 0; fe <= 1; fe++) {
        n = make_obj(obj, cert, sizeof cert, 0x00, fe);
        assert_int_equal(n, 4 + 700 + 3 + (fe ? 2 : 0));
        memset(out, 0xEE, sizeof out);
        assert_int_equal(run(obj, n, out, sizeof out, &out_len), SCARD_S_SUCCESS);
        assert_int_equal(out_len, sizeof cert);
        assert_memory_equal(out, cert, sizeof cert);
        assert_int_equal(out[sizeof cert], 0xEE); /* nothing written past the certificate */
    }
}

static void test_fe_with_value_is_ignored(void **state)
{
    static const uint8_t obj[] = {0x70, 0x02, 0x30, 0x00, 0x71, 0x01, 0x00, 0xFE, 0x01, 0x5A};
    uint8_t out[4];
    size_t out_len;
    (void)state;
    assert_int_equal(run(obj, sizeof obj, out, sizeof out, &out_len), SCARD_S_SUCCESS);
    assert_int_equal(out_len, 2);
    assert_memory_equal(out, "\x30\x00", 2);
}

static void test_plain_bounds(void **state)
{
    static uint8_t cert[CH_PIV_CERT_MAX + 1], obj[CH_PIV_CERT_MAX + 16], out[BIG];
    size_t n, out_len;
    (void)state;
    pattern(cert, sizeof cert);
    /* cap exactly the certificate: fits; one less: refused, out untouched */
    n = make_obj(obj, cert, 700, 0x00, true);
    assert_int_equal(run(obj, n, out, 700, &out_len), SCARD_S_SUCCESS);
    assert_int_equal(out_len, 700);
    memset(out, 0xEE, sizeof out);
    out_len = SENTINEL;
    assert_int_equal(run(obj, n, out, 699, &out_len), SCARD_E_UNEXPECTED);
    assert_int_equal(out_len, SENTINEL);
    assert_int_equal(out[0], 0xEE);
    /* CH_PIV_CERT_MAX whatever cap says */
    n = make_obj(obj, cert, CH_PIV_CERT_MAX, 0x00, true);
    assert_int_equal(run(obj, n, out, sizeof out, &out_len), SCARD_S_SUCCESS);
    assert_int_equal(out_len, CH_PIV_CERT_MAX);
    n = make_obj(obj, cert, CH_PIV_CERT_MAX + 1, 0x00, true);
    out_len = SENTINEL;
    assert_int_equal(run(obj, n, out, sizeof out, &out_len), SCARD_E_UNEXPECTED);
    assert_int_equal(out_len, SENTINEL);
}

static void test_gzip(void **state)
{
    static uint8_t cert[1500], z[2048], obj[2100], out[BIG];
    size_t zn, n, out_len;
    (void)state;
    pattern(cert, sizeof cert);
    zn = gzip(cert, sizeof cert, z, sizeof z);
    for (int fe = 0; fe <= 1; fe++) {
        n = make_obj(obj, z, zn, 0x01, fe);
        memset(out, 0xEE, sizeof out);
        assert_int_equal(run(obj, n, out, sizeof out, &out_len), SCARD_S_SUCCESS);
        assert_int_equal(out_len, sizeof cert);
        assert_memory_equal(out, cert, sizeof cert);
    }
    /* the bound is cap: exactly the certificate fits, one byte less does not */
    n = make_obj(obj, z, zn, 0x01, true);
    assert_int_equal(run(obj, n, out, sizeof cert, &out_len), SCARD_S_SUCCESS);
    assert_int_equal(out_len, sizeof cert);
    out_len = SENTINEL;
    assert_int_equal(run(obj, n, out, sizeof cert - 1, &out_len), SCARD_E_UNEXPECTED);
    assert_int_equal(out_len, SENTINEL);
}

static void test_gzip_bound_is_cert_max(void **state)
{
    static uint8_t cert[CH_PIV_CERT_MAX + 1], z[CH_PIV_CERT_MAX], obj[CH_PIV_CERT_MAX + 16],
        out[BIG];
    size_t zn, n, out_len;
    (void)state;
    pattern(cert, sizeof cert);
    zn = gzip(cert, CH_PIV_CERT_MAX, z, sizeof z);
    n = make_obj(obj, z, zn, 0x01, true);
    assert_int_equal(run(obj, n, out, sizeof out, &out_len), SCARD_S_SUCCESS);
    assert_int_equal(out_len, CH_PIV_CERT_MAX);
    assert_memory_equal(out, cert, CH_PIV_CERT_MAX);
    zn = gzip(cert, CH_PIV_CERT_MAX + 1, z, sizeof z);
    n = make_obj(obj, z, zn, 0x01, true);
    out_len = SENTINEL;
    assert_int_equal(run(obj, n, out, sizeof out, &out_len), SCARD_E_UNEXPECTED);
    assert_int_equal(out_len, SENTINEL);
}

static void test_gzip_bomb(void **state)
{
    const size_t big = 16u << 20; /* 16 MiB of zeros: about 16 KiB of gzip */
    uint8_t *zeros = calloc(1, big), *z = malloc(65536), *obj = malloc(65536 + 16);
    static uint8_t out[BIG];
    size_t zn, n, out_len = SENTINEL;
    (void)state;
    assert_non_null(zeros);
    assert_non_null(z);
    assert_non_null(obj);
    zn = gzip(zeros, big, z, 65536);
    assert_true(zn < 0xFFFF - 16);
    n = make_obj(obj, z, zn, 0x01, true);
    assert_int_equal(run(obj, n, out, sizeof out, &out_len), SCARD_E_UNEXPECTED);
    assert_int_equal(out_len, SENTINEL);
    free(zeros);
    free(z);
    free(obj);
}

static void test_gzip_truncated_or_corrupt(void **state)
{
    static uint8_t cert[600], z[1024], obj[1100], out[BIG];
    size_t zn, n, out_len;
    (void)state;
    pattern(cert, sizeof cert);
    zn = gzip(cert, sizeof cert, z, sizeof z);
    for (size_t cut = 0; cut < zn; cut++) {
        n = make_obj(obj, z, cut, 0x01, true);
        out_len = SENTINEL;
        assert_int_equal(run(obj, n, out, sizeof out, &out_len), SCARD_E_UNEXPECTED);
        assert_int_equal(out_len, SENTINEL);
    }
    z[zn - 8] ^= 0x01; /* CRC-32 */
    n = make_obj(obj, z, zn, 0x01, true);
    assert_int_equal(run(obj, n, out, sizeof out, &out_len), SCARD_E_UNEXPECTED);
    z[zn - 8] ^= 0x01;
    z[zn - 4] ^= 0x01; /* ISIZE */
    n = make_obj(obj, z, zn, 0x01, true);
    assert_int_equal(run(obj, n, out, sizeof out, &out_len), SCARD_E_UNEXPECTED);
    z[zn - 4] ^= 0x01;
    /* CertInfo says gzip, the content is a plain certificate */
    n = make_obj(obj, cert, sizeof cert, 0x01, true);
    assert_int_equal(run(obj, n, out, sizeof out, &out_len), SCARD_E_UNEXPECTED);
}

static void test_malformed_objects_leave_outputs_untouched(void **state)
{
    static const struct {
        const char *what, *bytes;
        size_t len;
    } bad[] = {
        {"empty object", "", 0},
        {"70 length past end", "\x70\x05\x30\x00\x71\x01\x00", 7},
        {"70 long length past end", "\x70\x82\xFF\xFF\x30\x00\x71\x01\x00", 9},
        {"70 only", "\x70\x02\x30\x00", 4},
        {"missing 71, FE follows", "\x70\x02\x30\x00\xFE\x00", 6},
        {"71 before 70", "\x71\x01\x00\x70\x02\x30\x00", 7},
        {"wrong first tag", "\x53\x02\x30\x00\x71\x01\x00", 7},
        {"empty certificate", "\x70\x00\x71\x01\x00\xFE\x00", 7},
        {"CertInfo 02", "\x70\x02\x30\x00\x71\x01\x02\xFE\x00", 9},
        {"CertInfo 03", "\x70\x02\x30\x00\x71\x01\x03", 7},
        {"CertInfo 80", "\x70\x02\x30\x00\x71\x01\x80", 7},
        {"CertInfo empty", "\x70\x02\x30\x00\x71\x00\xFE\x00", 8},
        {"CertInfo two bytes", "\x70\x02\x30\x00\x71\x02\x00\x00", 8},
        {"71 length past end", "\x70\x02\x30\x00\x71\x02\x00", 7},
        {"trailing byte after FE", "\x70\x02\x30\x00\x71\x01\x00\xFE\x00\x00", 10},
        {"trailing byte after 71", "\x70\x02\x30\x00\x71\x01\x00\x00", 8},
        {"other tag after 71", "\x70\x02\x30\x00\x71\x01\x00\x72\x00", 9},
        {"two FE", "\x70\x02\x30\x00\x71\x01\x00\xFE\x00\xFE\x00", 11},
        {"FE length past end", "\x70\x02\x30\x00\x71\x01\x00\xFE\x02\x00", 10},
        {"indefinite length", "\x70\x80\x30\x00\x00\x00\x71\x01\x00", 9},
        {"two certificates", "\x70\x02\x30\x00\x70\x02\x30\x00\x71\x01\x00", 11},
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t out[64];
        size_t out_len = SENTINEL;
        print_message("case: %s\n", bad[i].what);
        memset(out, 0xEE, sizeof out);
        assert_int_equal(run((const uint8_t *)bad[i].bytes, bad[i].len, out, sizeof out,
                             &out_len),
                         SCARD_E_UNEXPECTED);
        assert_int_equal(out_len, SENTINEL);
        for (size_t j = 0; j < sizeof out; j++)
            assert_int_equal(out[j], 0xEE);
    }
}

static void test_every_truncation(void **state)
{
    static uint8_t cert[300], obj[320], out[BIG];
    size_t n, out_len;
    (void)state;
    pattern(cert, sizeof cert);
    n = make_obj(obj, cert, sizeof cert, 0x00, true);
    for (size_t cut = 0; cut < n; cut++) {
        /* dropping exactly FE 00 leaves a valid object: FE is optional */
        uint32_t want = cut == n - 2 ? SCARD_S_SUCCESS : SCARD_E_UNEXPECTED;
        assert_int_equal(run(obj, cut, out, sizeof out, &out_len), want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_fe_with_value_is_ignored),
        cmocka_unit_test(test_plain_bounds),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_gzip_bound_is_cert_max),
        cmocka_unit_test(test_gzip_bomb),
        cmocka_unit_test(test_gzip_truncated_or_corrupt),
        cmocka_unit_test(test_malformed_objects_leave_outputs_untouched),
        cmocka_unit_test(test_every_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
