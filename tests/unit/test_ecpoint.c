/* The small bignum (src/util/bn.c) and the P-256 / P-384 checks built on it
 * (src/util/ecpoint.c), against OpenSSL's BIGNUM and EC_POINT.
 *
 * bn: every operation on seeded pseudo-random numbers of many shapes (all-ones limbs for carry
 * chains, powers of two, full-capacity values for the reduction's carry path) compared with
 * OpenSSL, plus the capacity limits. ecpoint: OpenSSL's generator and random keys are on the
 * curve; perturbed points agree with EC_POINT_is_on_curve; a coordinate >= p is refused even
 * when it is congruent to an on-curve one (only X can be shown so: no point has a Y small
 * enough for Y + p to fit the field); scalars 0, n, n + 1 refused, 1 and n - 1 taken.
 * d*G (ch_ec_public_matches): equal to OpenSSL's EC_POINT_mul for 1, 2, 3, n - 1, n - 2,
 * n - 3, (n -+ 1) / 2, powers of two, runs of ones between runs of zeros and random scalars
 * on both curves, and unequal to the points next to it (-P, (d + 1)*G, one bit flipped,
 * X and Y swapped); scalars out of range never match, not even n + 1 with G. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include "bn.h"
#include "ecpoint.h"
#include "keyblob_oracle.h"

/* ---- deterministic randomness (failures reproduce) -------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state; /* plain xorshift64: a multiplier would trip UBSan's unsigned check */
}

static unsigned rng_below(unsigned n) { return (unsigned)(rng() % n); }

/* A number of at most `bits` bits in one of several shapes. */
static BIGNUM *rand_bn(unsigned bits)
{
    BIGNUM *b = BN_new();
    unsigned len = bits ? rng_below(bits + 1) : 0, i;

    assert_non_null(b);
    BN_zero(b);
    switch (rng_below(5)) {
    case 0: /* 2^len - 1: every limb all ones */
        if (len) {
            assert_int_equal(BN_set_bit(b, (int)len), 1);
            assert_int_equal(BN_sub(b, b, BN_value_one()), 1);
        }
        break;
    case 1: /* a power of two */
        if (len)
            assert_int_equal(BN_set_bit(b, (int)len - 1), 1);
        break;
    default:
        for (i = 0; i < len; i++) {
            if (rng() & 1u)
                assert_int_equal(BN_set_bit(b, (int)i), 1);
        }
        break;
    }
    return b;
}

static void to_ch(ch_bn *a, const BIGNUM *b)
{
    uint8_t buf[CH_BN_BYTES];
    int n = BN_bn2bin(b, buf);
    assert_true(n >= 0 && n <= (int)sizeof buf);
    assert_true(ch_bn_from_be(a, buf, (size_t)n));
}

/* a equals b (and a's representation is normal: top exact, limbs above it zero). */
static void expect_eq(const ch_bn *a, const BIGNUM *b, const char *what)
{
    uint8_t got[CH_BN_BYTES], want[CH_BN_BYTES];
    size_t i;

    assert_true(BN_num_bytes(b) <= (int)sizeof want);
    assert_true(ch_bn_to_be(a, got, sizeof got));
    assert_int_equal(BN_bn2binpad(b, want, (int)sizeof want), (int)sizeof want);
    if (memcmp(got, want, sizeof got) != 0)
        fail_msg("%s differs from OpenSSL", what);
    assert_int_equal(ch_bn_bits(a), (size_t)BN_num_bits(b));
    assert_true(a->top == 0 || a->limb[a->top - 1] != 0);
    for (i = a->top; i < CH_BN_LIMBS; i++)
        assert_int_equal(a->limb[i], 0);
}

/* ---- bn -------------------------------------------------------------------------------- */

static void test_bn_bytes(void **state)
{
    static const size_t lens[] = {0, 1, 3, 4, 5, 31, 32, 33, 255, 511, 512, 1023, 1024};
    uint8_t in[CH_BN_BYTES + 1], out[CH_BN_BYTES + 1], rev[CH_BN_BYTES];
    ch_bn a;
    size_t i, j, n;
    (void)state;

    for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        BIGNUM *b;
        n = lens[i];
        for (j = 0; j < n; j++)
            in[j] = (uint8_t)rng();
        if (n)
            in[0] |= 0x80; /* exactly n bytes long */
        b = BN_bin2bn(in, (int)n, NULL);
        assert_non_null(b);
        assert_true(ch_bn_from_be(&a, in, n));
        expect_eq(&a, b, "from_be");
        assert_true(ch_bn_to_be(&a, out, n));
        assert_memory_equal(out, in, n);
        /* One byte short: refused, out untouched. */
        if (n) {
            memset(out, 0xEE, sizeof out);
            assert_false(ch_bn_to_be(&a, out, n - 1));
            assert_false(ch_bn_to_le(&a, out, n - 1));
            assert_int_equal(out[0], 0xEE);
        }
        /* Little-endian: the same number reversed. */
        for (j = 0; j < n; j++)
            rev[j] = in[n - 1 - j];
        assert_true(ch_bn_from_le(&a, rev, n));
        expect_eq(&a, b, "from_le");
        memset(out, 0xEE, sizeof out);
        assert_true(ch_bn_to_le(&a, out, n + 1));
        assert_memory_equal(out, rev, n);
        assert_int_equal(out[n], 0); /* zero padding */
        BN_free(b);
    }
    /* Past the capacity: a leading zero byte is fine, anything else is not. */
    memset(in, 0x11, sizeof in);
    in[0] = 0;
    assert_true(ch_bn_from_be(&a, in, CH_BN_BYTES + 1));
    assert_int_equal(ch_bn_bits(&a), CH_BN_BITS - 3); /* 0x11 = 0b00010001 */
    in[0] = 1;
    assert_false(ch_bn_from_be(&a, in, CH_BN_BYTES + 1));
    assert_true(ch_bn_is_zero(&a));
    in[CH_BN_BYTES] = 1;
    assert_false(ch_bn_from_le(&a, in, CH_BN_BYTES + 1));
    assert_true(ch_bn_from_be(&a, NULL, 0));
    assert_true(ch_bn_is_zero(&a));
    assert_true(ch_bn_to_be(&a, out, 0));
}

static void check_ops(const BIGNUM *A, const BIGNUM *B, const BIGNUM *M, BN_CTX *ctx)
{
    ch_bn a, b, m, r, s;
    BIGNUM *w = BN_new();
    uint32_t u = (uint32_t)rng();

    assert_non_null(w);
    to_ch(&a, A);
    to_ch(&b, B);
    to_ch(&m, M);
    expect_eq(&a, A, "load");
    assert_int_equal(ch_bn_cmp(&a, &b), BN_cmp(A, B) < 0 ? -1 : BN_cmp(A, B) > 0);
    assert_int_equal(ch_bn_cmp(&a, &a), 0);
    assert_int_equal(ch_bn_is_odd(&a), BN_is_odd(A));
    assert_int_equal(ch_bn_is_zero(&a), BN_is_zero(A));
    /* cmp_u32 against a nearby word */
    assert_int_equal(BN_set_word(w, u), 1);
    assert_int_equal(ch_bn_cmp_u32(&a, u), BN_cmp(A, w) < 0 ? -1 : BN_cmp(A, w) > 0);

    assert_int_equal(BN_add(w, A, B), 1);
    assert_int_equal(ch_bn_add(&r, &a, &b), BN_num_bits(w) <= (int)CH_BN_BITS);
    if (BN_num_bits(w) <= (int)CH_BN_BITS)
        expect_eq(&r, w, "add");
    s = a; /* aliasing: r == a */
    if (ch_bn_add(&s, &s, &b))
        expect_eq(&s, w, "add in place");

    assert_int_equal(ch_bn_sub(&r, &a, &b), BN_cmp(A, B) >= 0);
    if (BN_cmp(A, B) >= 0) {
        assert_int_equal(BN_sub(w, A, B), 1);
        expect_eq(&r, w, "sub");
        s = a;
        assert_true(ch_bn_sub(&s, &s, &b));
        expect_eq(&s, w, "sub in place");
    }
    if (BN_cmp(A, BN_value_one()) >= 0) {
        assert_true(ch_bn_sub_u32(&r, &a, 1u));
        assert_int_equal(BN_sub(w, A, BN_value_one()), 1);
        expect_eq(&r, w, "sub_u32");
    }

    assert_int_equal(BN_mul(w, A, B, ctx), 1);
    assert_int_equal(ch_bn_mul(&r, &a, &b), BN_num_bits(w) <= (int)CH_BN_BITS);
    if (BN_num_bits(w) <= (int)CH_BN_BITS)
        expect_eq(&r, w, "mul");
    assert_int_equal(BN_copy(w, A) != NULL, 1);
    assert_int_equal(BN_mul_word(w, u), 1);
    s = a;
    assert_int_equal(ch_bn_mul_u32(&s, &s, u), BN_num_bits(w) <= (int)CH_BN_BITS);
    if (BN_num_bits(w) <= (int)CH_BN_BITS)
        expect_eq(&s, w, "mul_u32");

    if (!BN_is_zero(M)) {
        assert_int_equal(BN_mod(w, A, M, ctx), 1);
        assert_true(ch_bn_mod(&r, &a, &m));
        expect_eq(&r, w, "mod");
        assert_int_equal(BN_mul(w, A, B, ctx), 1);
        if (BN_num_bits(w) <= (int)CH_BN_BITS) {
            assert_int_equal(BN_mod_mul(w, A, B, M, ctx), 1);
            s = a;
            assert_true(ch_bn_mod_mul(&s, &s, &b, &m));
            expect_eq(&s, w, "mod_mul");
        }
    } else {
        assert_false(ch_bn_mod(&r, &a, &m));
        assert_false(ch_bn_mod_mul(&r, &a, &b, &m));
    }
    BN_free(w);
}

static void test_bn_random(void **state)
{
    BN_CTX *ctx = BN_CTX_new();
    unsigned i;
    (void)state;

    assert_non_null(ctx);
    for (i = 0; i < 400; i++) {
        /* Mostly RSA-sized, a few small and a few at the full capacity. */
        unsigned bits = i % 20 == 0 ? CH_BN_BITS : i % 3 == 0 ? 96 : 4096;
        BIGNUM *A = rand_bn(bits), *B = rand_bn(i % 20 == 0 ? CH_BN_BITS : bits),
               *M = rand_bn(bits);
        check_ops(A, B, M, ctx);
        check_ops(B, A, A, ctx);
        BN_free(A);
        BN_free(B);
        BN_free(M);
    }
    BN_CTX_free(ctx);
}

static void test_bn_capacity(void **state)
{
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *A = BN_new(), *B = BN_new(), *W = BN_new();
    ch_bn a, b, r;
    unsigned i;
    (void)state;

    assert_non_null(ctx);
    assert_non_null(W);
    /* (2^4096 - 1)^2 fills 8192 bits exactly. */
    assert_int_equal(BN_set_bit(A, 4096), 1);
    assert_int_equal(BN_sub(A, A, BN_value_one()), 1);
    to_ch(&a, A);
    assert_true(ch_bn_mul(&r, &a, &a));
    assert_int_equal(BN_mul(W, A, A, ctx), 1);
    expect_eq(&r, W, "(2^4096-1)^2");
    /* (2^4097 - 1) * (2^4096 - 1) does not fit; neither does 2^4096 * 2^4096. */
    assert_int_equal(BN_set_bit(B, 4097), 1);
    assert_int_equal(BN_sub(B, B, BN_value_one()), 1);
    to_ch(&b, B);
    assert_false(ch_bn_mul(&r, &b, &a));
    assert_false(ch_bn_mul(&r, &a, &b));
    BN_zero(A);
    assert_int_equal(BN_set_bit(A, 4096), 1);
    to_ch(&a, A);
    assert_false(ch_bn_mul(&r, &a, &a));
    /* 2^8192 - 1: + 1 and * 2 overflow; - itself is zero; mod itself is zero. */
    BN_zero(A);
    assert_int_equal(BN_set_bit(A, CH_BN_BITS), 1);
    assert_int_equal(BN_sub(A, A, BN_value_one()), 1);
    to_ch(&a, A);
    ch_bn_set_u32(&b, 1);
    assert_false(ch_bn_add(&r, &a, &b));
    assert_false(ch_bn_mul_u32(&r, &a, 2));
    assert_true(ch_bn_mul_u32(&r, &a, 1));
    expect_eq(&r, A, "* 1");
    assert_true(ch_bn_mul_u32(&r, &a, 0));
    assert_true(ch_bn_is_zero(&r));
    assert_true(ch_bn_sub(&r, &a, &a));
    assert_true(ch_bn_is_zero(&r));
    assert_true(ch_bn_mod(&r, &a, &a));
    assert_true(ch_bn_is_zero(&r));
    assert_false(ch_bn_sub(&r, &b, &a));
    assert_false(ch_bn_sub_u32(&r, &b, 2));
    /* Full-capacity moduli (the reduction's carry-out path) against OpenSSL. */
    for (i = 0; i < 40; i++) {
        BIGNUM *X = rand_bn(CH_BN_BITS), *M = rand_bn(CH_BN_BITS);
        assert_int_equal(BN_set_bit(X, CH_BN_BITS - 1), 1);
        assert_int_equal(BN_set_bit(M, CH_BN_BITS - 1), 1);
        to_ch(&a, X);
        to_ch(&b, M);
        assert_true(ch_bn_mod(&r, &a, &b));
        assert_int_equal(BN_mod(W, X, M, ctx), 1);
        expect_eq(&r, W, "full-capacity mod");
        BN_free(X);
        BN_free(M);
    }
    BN_free(A);
    BN_free(B);
    BN_free(W);
    BN_CTX_free(ctx);
}

/* ---- ecpoint --------------------------------------------------------------------------- */

static int on_curve(const kbo_ec *k, const BIGNUM *x, const BIGNUM *y)
{
    uint8_t xb[48], yb[48];
    kbo_bn_be(x, xb, k->field);
    kbo_bn_be(y, yb, k->field);
    return ch_ec_point_on_curve(k->field, xb, yb);
}

static int scalar_ok(const kbo_ec *k, const BIGNUM *d)
{
    uint8_t db[48];
    kbo_bn_be(d, db, k->field);
    return ch_ec_scalar_valid(k->field, db);
}

static void test_curve_constants(void **state)
{
    size_t c;
    (void)state;

    for (c = 0; c < 2; c++) {
        kbo_ec k;
        BIGNUM *gx = BN_new(), *gy = BN_new(), *t = BN_new();
        uint8_t ff[48];

        kbo_ec_generate(&k, c ? 48 : 32);
        assert_int_equal(EC_POINT_get_affine_coordinates(k.group, EC_GROUP_get0_generator(k.group),
                                                         gx, gy, NULL),
                         1);
        assert_true(on_curve(&k, gx, gy));
        assert_true(on_curve(&k, k.x, k.y));
        assert_true(scalar_ok(&k, k.d));
        /* Scalars around the order OpenSSL states. */
        assert_true(scalar_ok(&k, BN_value_one()));
        assert_int_equal(BN_sub(t, k.order, BN_value_one()), 1);
        assert_true(scalar_ok(&k, t));
        assert_false(scalar_ok(&k, k.order));
        assert_int_equal(BN_add(t, k.order, BN_value_one()), 1);
        assert_false(scalar_ok(&k, t));
        BN_zero(t);
        assert_false(scalar_ok(&k, t));
        memset(ff, 0xFF, sizeof ff);
        assert_false(ch_ec_scalar_valid(k.field, ff));
        assert_false(ch_ec_point_on_curve(k.field, ff, ff));
        /* Coordinates: X = p or Y = p is refused (and OpenSSL agrees). */
        assert_false(on_curve(&k, k.p, k.y));
        assert_false(on_curve(&k, k.x, k.p));
        assert_false(kbo_ec_on_curve(&k, k.p, k.y));
        BN_free(gx);
        BN_free(gy);
        BN_free(t);
        kbo_ec_free(&k);
    }
}

static void test_points_against_openssl(void **state)
{
    BN_CTX *ctx = BN_CTX_new();
    size_t c;
    unsigned i, on = 0, off = 0;
    (void)state;

    assert_non_null(ctx);
    for (c = 0; c < 2; c++) {
        for (i = 0; i < 24; i++) {
            kbo_ec k;
            BIGNUM *t = BN_new(), *rhs = BN_new(), *x = BN_new(), *y = BN_new();
            kbo_ec_generate(&k, c ? 48 : 32);
            assert_true(on_curve(&k, k.x, k.y));
            /* -P is on the curve. */
            assert_int_equal(BN_sub(t, k.p, k.y), 1);
            assert_true(on_curve(&k, k.x, t));
            /* Y + 1 and X + 1 (reduced): whatever OpenSSL says. */
            assert_int_equal(BN_mod_add(t, k.y, BN_value_one(), k.p, ctx), 1);
            assert_int_equal(on_curve(&k, k.x, t), kbo_ec_on_curve(&k, k.x, t));
            assert_false(on_curve(&k, k.x, t));
            assert_int_equal(BN_mod_add(t, k.x, BN_value_one(), k.p, ctx), 1);
            assert_int_equal(on_curve(&k, t, k.y), kbo_ec_on_curve(&k, t, k.y));
            /* A random x below p: when x^3 - 3x + b is a square mod p, (x, sqrt) is on it. */
            assert_int_equal(BN_rand_range(x, k.p), 1);
            assert_int_equal(BN_mod_sqr(t, x, k.p, ctx), 1);
            assert_int_equal(BN_mod_mul(rhs, t, x, k.p, ctx), 1);
            assert_int_equal(BN_mod_mul(t, x, k.a, k.p, ctx), 1);
            assert_int_equal(BN_mod_add(rhs, rhs, t, k.p, ctx), 1);
            assert_int_equal(BN_mod_add(rhs, rhs, k.b, k.p, ctx), 1);
            ERR_set_mark();
            if (BN_mod_sqrt(y, rhs, k.p, ctx) != NULL) {
                assert_true(kbo_ec_on_curve(&k, x, y));
                assert_true(on_curve(&k, x, y));
                on++;
            } else {
                /* Not a square: no y works; try a random one. */
                assert_int_equal(BN_rand_range(y, k.p), 1);
                assert_false(on_curve(&k, x, y));
                assert_false(kbo_ec_on_curve(&k, x, y));
                off++;
            }
            ERR_pop_to_mark();
            BN_free(t);
            BN_free(rhs);
            BN_free(x);
            BN_free(y);
            kbo_ec_free(&k);
        }
    }
    assert_true(on > 0 && off > 0); /* both branches ran */
    BN_CTX_free(ctx);
}

/* X >= p refused even when X - p is an on-curve x: find a point with a tiny x. */
static void test_x_not_reduced(void **state)
{
    BN_CTX *ctx = BN_CTX_new();
    size_t c;
    (void)state;

    assert_non_null(ctx);
    for (c = 0; c < 2; c++) {
        kbo_ec k;
        BIGNUM *x = BN_new(), *y = BN_new(), *t = BN_new(), *rhs = BN_new();
        unsigned long v;
        int found = 0;

        kbo_ec_generate(&k, c ? 48 : 32);
        for (v = 0; v < 1000 && !found; v++) {
            assert_int_equal(BN_set_word(x, v), 1);
            assert_int_equal(BN_mod_sqr(t, x, k.p, ctx), 1);
            assert_int_equal(BN_mod_mul(rhs, t, x, k.p, ctx), 1);
            assert_int_equal(BN_mod_mul(t, x, k.a, k.p, ctx), 1);
            assert_int_equal(BN_mod_add(rhs, rhs, t, k.p, ctx), 1);
            assert_int_equal(BN_mod_add(rhs, rhs, k.b, k.p, ctx), 1);
            ERR_set_mark();
            found = BN_mod_sqrt(y, rhs, k.p, ctx) != NULL && kbo_ec_on_curve(&k, x, y);
            ERR_pop_to_mark();
        }
        assert_true(found);
        assert_true(on_curve(&k, x, y));
        assert_int_equal(BN_add(t, x, k.p), 1);
        assert_true(BN_num_bytes(t) <= (int)k.field);
        assert_false(on_curve(&k, t, y));
        BN_free(x);
        BN_free(y);
        BN_free(t);
        BN_free(rhs);
        kbo_ec_free(&k);
    }
    BN_CTX_free(ctx);
}

static void test_bad_fields(void **state)
{
    static const size_t fields[] = {0, 1, 31, 33, 47, 49, 64, 66};
    uint8_t buf[66];
    size_t i;
    (void)state;

    memset(buf, 0x01, sizeof buf);
    for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        assert_false(ch_ec_point_on_curve(fields[i], buf, buf));
        assert_false(ch_ec_scalar_valid(fields[i], buf));
    }
    assert_false(ch_ec_point_on_curve(32, NULL, buf));
    assert_false(ch_ec_point_on_curve(32, buf, NULL));
    assert_false(ch_ec_scalar_valid(48, NULL));
    assert_true(ch_ec_scalar_valid(32, buf)); /* 0x0101..01 < n: the control */
}

/* ---- d*G ------------------------------------------------------------------------------ */

/* ch_ec_public_matches(d, d*G) per OpenSSL's EC_POINT_mul, and false for points that are
 * close to it: -P, (d + 1)*G, P with one bit of X or Y flipped, X and Y swapped. */
static void check_matches(const kbo_ec *k, const BIGNUM *d, BN_CTX *ctx)
{
    EC_POINT *pt = EC_POINT_new(k->group), *q = EC_POINT_new(k->group);
    BIGNUM *x = BN_new(), *y = BN_new(), *t = BN_new();
    uint8_t db[48], xb[48], yb[48], ob[48];
    size_t f = k->field;
    char *hex;

    assert_non_null(pt);
    assert_non_null(q);
    assert_non_null(t);
    assert_int_equal(EC_POINT_mul(k->group, pt, d, NULL, NULL, ctx), 1);
    assert_int_equal(EC_POINT_get_affine_coordinates(k->group, pt, x, y, ctx), 1);
    kbo_bn_be(d, db, f);
    kbo_bn_be(x, xb, f);
    kbo_bn_be(y, yb, f);
    if (!ch_ec_public_matches(f, db, xb, yb)) {
        hex = BN_bn2hex(d);
        fail_msg("P-%zu: d*G differs from OpenSSL's for d = %s", 8 * f, hex);
    }
    /* -P = (n - d)*G */
    assert_int_equal(BN_sub(t, k->p, y), 1);
    kbo_bn_be(t, ob, f);
    assert_false(ch_ec_public_matches(f, db, xb, ob));
    /* (d + 1)*G under d; and P under d + 1 (false also when d + 1 == n) */
    assert_int_equal(BN_add(t, d, BN_value_one()), 1);
    assert_int_equal(EC_POINT_mul(k->group, q, t, NULL, NULL, ctx), 1);
    if (!EC_POINT_is_at_infinity(k->group, q)) {
        BIGNUM *qx = BN_new(), *qy = BN_new();
        uint8_t qxb[48], qyb[48];
        assert_non_null(qx);
        assert_non_null(qy);
        assert_int_equal(EC_POINT_get_affine_coordinates(k->group, q, qx, qy, ctx), 1);
        kbo_bn_be(qx, qxb, f);
        kbo_bn_be(qy, qyb, f);
        assert_false(ch_ec_public_matches(f, db, qxb, qyb));
        BN_free(qx);
        BN_free(qy);
    }
    if (BN_num_bytes(t) <= (int)f) {
        kbo_bn_be(t, ob, f);
        assert_false(ch_ec_public_matches(f, ob, xb, yb));
    }
    /* One bit of X, of Y; X and Y swapped. */
    xb[rng_below((unsigned)f)] ^= (uint8_t)(1u << rng_below(8));
    assert_false(ch_ec_public_matches(f, db, xb, yb));
    kbo_bn_be(x, xb, f);
    yb[rng_below((unsigned)f)] ^= (uint8_t)(1u << rng_below(8));
    assert_false(ch_ec_public_matches(f, db, xb, yb));
    kbo_bn_be(y, yb, f);
    assert_false(ch_ec_public_matches(f, db, yb, xb));
    assert_true(ch_ec_public_matches(f, db, xb, yb)); /* the buffers were restored */
    EC_POINT_free(pt);
    EC_POINT_free(q);
    BN_free(x);
    BN_free(y);
    BN_free(t);
}

/* 2^hi - 2^lo: the bits lo..hi-1 set (a run of ones between runs of zeros). */
static BIGNUM *bit_run(int hi, int lo)
{
    BIGNUM *r = BN_new(), *s = BN_new();
    assert_non_null(r);
    assert_non_null(s);
    BN_zero(r);
    BN_zero(s);
    assert_int_equal(BN_set_bit(r, hi), 1);
    assert_int_equal(BN_set_bit(s, lo), 1);
    assert_int_equal(BN_sub(r, r, s), 1);
    BN_free(s);
    return r;
}

static void test_public_matches_openssl(void **state)
{
    BN_CTX *ctx = BN_CTX_new();
    size_t c;
    (void)state;

    assert_non_null(ctx);
    for (c = 0; c < 2; c++) {
        kbo_ec k;
        int bits, i;
        BIGNUM *d = BN_new();

        assert_non_null(d);
        kbo_ec_generate(&k, c ? 48 : 32);
        bits = (int)(8 * k.field);
        /* The key OpenSSL generated, with its own point. */
        {
            uint8_t db[48], xb[48], yb[48];
            kbo_bn_be(k.d, db, k.field);
            kbo_bn_be(k.x, xb, k.field);
            kbo_bn_be(k.y, yb, k.field);
            assert_true(ch_ec_public_matches(k.field, db, xb, yb));
        }
        /* Small scalars and those next to n; n +- 1 halves. */
        for (i = 1; i <= 3; i++) {
            assert_int_equal(BN_set_word(d, (unsigned long)i), 1);
            check_matches(&k, d, ctx);
            assert_int_equal(BN_sub(d, k.order, d), 1);
            check_matches(&k, d, ctx);
        }
        assert_int_equal(BN_rshift1(d, k.order), 1); /* (n - 1) / 2 */
        check_matches(&k, d, ctx);
        assert_int_equal(BN_add(d, d, BN_value_one()), 1); /* (n + 1) / 2 */
        check_matches(&k, d, ctx);
        /* Long runs: one bit then zeros (powers of two up to 2^(bits-1) < n), ones then
         * zeros, zeros then ones, and ones throughout the low half or more. */
        {
            static const int pow2[] = {1, 2, 7, 31, 32, 33, 63, 64, 127, 128, 129};
            for (i = 0; i < (int)(sizeof pow2 / sizeof pow2[0]); i++) {
                BN_zero(d);
                assert_int_equal(BN_set_bit(d, pow2[i]), 1);
                check_matches(&k, d, ctx);
            }
            for (i = bits - 2; i < bits; i++) {
                BN_zero(d);
                assert_int_equal(BN_set_bit(d, i), 1);
                check_matches(&k, d, ctx);
            }
        }
        {
            const int runs[][2] = {{8, 0},          {32, 0},        {bits / 2, 0},
                                   {bits - 1, 0},   {bits - 1, 1},  {bits - 1, bits / 2},
                                   {bits - 1, 32},  {bits / 2, 32}, {bits - 33, 64},
                                   {bits - 1, bits - 8}};
            for (i = 0; i < (int)(sizeof runs / sizeof runs[0]); i++) {
                BIGNUM *r = bit_run(runs[i][0], runs[i][1]);
                assert_true(BN_cmp(r, k.order) < 0);
                check_matches(&k, r, ctx);
                /* the same with the lowest bit set: a run of ones, zeros, then a one */
                assert_int_equal(BN_set_bit(r, 0), 1);
                check_matches(&k, r, ctx);
                BN_free(r);
            }
        }
        /* Random scalars in [1, n - 1]. */
        for (i = 0; i < 24; i++) {
            do
                assert_int_equal(BN_rand_range(d, k.order), 1);
            while (BN_is_zero(d));
            check_matches(&k, d, ctx);
        }
        BN_free(d);
        kbo_ec_free(&k);
    }
    BN_CTX_free(ctx);
}

/* Scalars outside [1, n - 1] never match, not even n + 1 with G ((n + 1)*G == G) or n with
 * anything; bad fields and NULL pointers are false. */
static void test_public_matches_refusals(void **state)
{
    static const size_t fields[] = {0, 1, 31, 33, 47, 49, 64, 66};
    uint8_t buf[66], db[48], gxb[48], gyb[48];
    size_t c, i;
    (void)state;

    for (c = 0; c < 2; c++) {
        kbo_ec k;
        BIGNUM *gx = BN_new(), *gy = BN_new(), *t = BN_new();
        size_t f;

        assert_non_null(t);
        kbo_ec_generate(&k, c ? 48 : 32);
        f = k.field;
        assert_int_equal(EC_POINT_get_affine_coordinates(k.group, EC_GROUP_get0_generator(k.group),
                                                         gx, gy, NULL),
                         1);
        kbo_bn_be(gx, gxb, f);
        kbo_bn_be(gy, gyb, f);
        memset(db, 0, sizeof db);
        db[f - 1] = 1;
        assert_true(ch_ec_public_matches(f, db, gxb, gyb)); /* the control: 1*G */
        assert_int_equal(BN_add(t, k.order, BN_value_one()), 1);
        kbo_bn_be(t, db, f);
        assert_false(ch_ec_public_matches(f, db, gxb, gyb)); /* n + 1 */
        kbo_bn_be(k.order, db, f);
        assert_false(ch_ec_public_matches(f, db, gxb, gyb)); /* n */
        memset(db, 0, sizeof db);
        assert_false(ch_ec_public_matches(f, db, gxb, gyb)); /* 0 */
        memset(db, 0xFF, sizeof db);
        assert_false(ch_ec_public_matches(f, db, gxb, gyb));
        /* NULLs */
        db[f - 1] = 1;
        memset(db, 0, f - 1);
        assert_true(ch_ec_public_matches(f, db, gxb, gyb));
        assert_false(ch_ec_public_matches(f, NULL, gxb, gyb));
        assert_false(ch_ec_public_matches(f, db, NULL, gyb));
        assert_false(ch_ec_public_matches(f, db, gxb, NULL));
        /* G's X with Y = 0 and with Y = p: off the curve, so not 1*G either. */
        memset(buf, 0, f);
        assert_false(ch_ec_public_matches(f, db, gxb, buf));
        kbo_bn_be(k.p, buf, f);
        assert_false(ch_ec_public_matches(f, db, gxb, buf));
        BN_free(gx);
        BN_free(gy);
        BN_free(t);
        kbo_ec_free(&k);
    }
    memset(buf, 0x01, sizeof buf);
    for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
        assert_false(ch_ec_public_matches(fields[i], buf, buf, buf));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bn_bytes),
        cmocka_unit_test(test_bn_random),
        cmocka_unit_test(test_bn_capacity),
        cmocka_unit_test(test_curve_constants),
        cmocka_unit_test(test_points_against_openssl),
        cmocka_unit_test(test_x_not_reduced),
        cmocka_unit_test(test_bad_fields),
        cmocka_unit_test(test_public_matches_openssl),
        cmocka_unit_test(test_public_matches_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
