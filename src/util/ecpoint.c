/* P-256 / P-384 checks (ecpoint.h). Curve constants: FIPS 186-4 D.1.2.3 (P-256) and D.1.2.4
 * (P-384); a = -3 on both.
 *
 * One fixed-size field arithmetic serves every check (the on-curve check of the public point
 * too, though it needs no secrecy): 32-bit limbs, L = 8 or 12 of them whatever the value,
 * Montgomery multiplication (CIOS) with a masked final subtraction, masked modular add / sub,
 * masked selects. d*G is a double-and-add-always over all 8 * field bits of d (leading zeros
 * included) in Jacobian coordinates with a mixed addition of the affine G, so each bit costs
 * one doubling, one addition and one select whatever its value; the point at infinity (the
 * leading zero bits) is handled by a masked select, not a branch. One inversion at the end
 * (Fermat: Z^(p-2), an exponent that is public). Every temporary lives in one work struct that
 * is wiped, and the multiplier's accumulator is wiped on each call.
 * What remains variable, honestly:
 *   - nothing here branches on or indexes by d or values derived from it in the C source; but
 *     the C compiler may turn a mask-select into a branch (not checked on the generated code),
 *     and 32x32->64-bit multiplication is assumed to take constant time (true on current x86-64
 *     and AArch64, not on some small cores);
 *   - the caller (md_keyblob.c) returns early on a public point that is off the curve, so the
 *     total time says whether the point was on the curve (public) and whether d was in range
 *     (the verdict itself);
 *   - registers spilled by the compiler outside the work struct cannot be wiped from C.
 * Timing does not protect much here anyway: the check runs once per import, on a key the CSP
 * already holds in the clear. */
#include "ecpoint.h"

#include <string.h>

#include "wipe.h"

typedef struct ec_curve {
    size_t field;
    const uint8_t *p, *b, *n, *gx, *gy;
} ec_curve;

static const uint8_t p256_p[32] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
static const uint8_t p256_b[32] = {
    0x5A, 0xC6, 0x35, 0xD8, 0xAA, 0x3A, 0x93, 0xE7, 0xB3, 0xEB, 0xBD, 0x55, 0x76, 0x98, 0x86, 0xBC,
    0x65, 0x1D, 0x06, 0xB0, 0xCC, 0x53, 0xB0, 0xF6, 0x3B, 0xCE, 0x3C, 0x3E, 0x27, 0xD2, 0x60, 0x4B};
static const uint8_t p256_n[32] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};

static const uint8_t p384_p[48] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF};
static const uint8_t p384_b[48] = {
    0xB3, 0x31, 0x2F, 0xA7, 0xE2, 0x3E, 0xE7, 0xE4, 0x98, 0x8E, 0x05, 0x6B, 0xE3, 0xF8, 0x2D, 0x19,
    0x18, 0x1D, 0x9C, 0x6E, 0xFE, 0x81, 0x41, 0x12, 0x03, 0x14, 0x08, 0x8F, 0x50, 0x13, 0x87, 0x5A,
    0xC6, 0x56, 0x39, 0x8D, 0x8A, 0x2E, 0xD1, 0x9D, 0x2A, 0x85, 0xC8, 0xED, 0xD3, 0xEC, 0x2A, 0xEF};
static const uint8_t p384_n[48] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xC7, 0x63, 0x4D, 0x81, 0xF4, 0x37, 0x2D, 0xDF,
    0x58, 0x1A, 0x0D, 0xB2, 0x48, 0xB0, 0xA7, 0x7A, 0xEC, 0xEC, 0x19, 0x6A, 0xCC, 0xC5, 0x29, 0x73};

static const uint8_t p256_gx[32] = {
    0x6B, 0x17, 0xD1, 0xF2, 0xE1, 0x2C, 0x42, 0x47, 0xF8, 0xBC, 0xE6, 0xE5, 0x63, 0xA4, 0x40, 0xF2,
    0x77, 0x03, 0x7D, 0x81, 0x2D, 0xEB, 0x33, 0xA0, 0xF4, 0xA1, 0x39, 0x45, 0xD8, 0x98, 0xC2, 0x96};
static const uint8_t p256_gy[32] = {
    0x4F, 0xE3, 0x42, 0xE2, 0xFE, 0x1A, 0x7F, 0x9B, 0x8E, 0xE7, 0xEB, 0x4A, 0x7C, 0x0F, 0x9E, 0x16,
    0x2B, 0xCE, 0x33, 0x57, 0x6B, 0x31, 0x5E, 0xCE, 0xCB, 0xB6, 0x40, 0x68, 0x37, 0xBF, 0x51, 0xF5};
static const uint8_t p384_gx[48] = {
    0xAA, 0x87, 0xCA, 0x22, 0xBE, 0x8B, 0x05, 0x37, 0x8E, 0xB1, 0xC7, 0x1E, 0xF3, 0x20, 0xAD, 0x74,
    0x6E, 0x1D, 0x3B, 0x62, 0x8B, 0xA7, 0x9B, 0x98, 0x59, 0xF7, 0x41, 0xE0, 0x82, 0x54, 0x2A, 0x38,
    0x55, 0x02, 0xF2, 0x5D, 0xBF, 0x55, 0x29, 0x6C, 0x3A, 0x54, 0x5E, 0x38, 0x72, 0x76, 0x0A, 0xB7};
static const uint8_t p384_gy[48] = {
    0x36, 0x17, 0xDE, 0x4A, 0x96, 0x26, 0x2C, 0x6F, 0x5D, 0x9E, 0x98, 0xBF, 0x92, 0x92, 0xDC, 0x29,
    0xF8, 0xF4, 0x1D, 0xBD, 0x28, 0x9A, 0x14, 0x7C, 0xE9, 0xDA, 0x31, 0x13, 0xB5, 0xF0, 0xB8, 0xC0,
    0x0A, 0x60, 0xB1, 0xCE, 0x1D, 0x7E, 0x81, 0x9D, 0x7A, 0x43, 0x1D, 0x7C, 0x90, 0xEA, 0x0E, 0x5F};

static const ec_curve ec_curves[] = {
    {32, p256_p, p256_b, p256_n, p256_gx, p256_gy},
    {48, p384_p, p384_b, p384_n, p384_gx, p384_gy},
};

static const ec_curve *ec_curve_of(size_t field)
{
    size_t i;

    for (i = 0; i < sizeof ec_curves / sizeof ec_curves[0]; i++) {
        if (ec_curves[i].field == field)
            return &ec_curves[i];
    }
    return NULL;
}

/* ---- fixed-size field arithmetic ----------------------------------------------------------- */

/* A number below 2^384 as 32-bit limbs, least significant first; only the first L are used. */
#define EC_LIMBS_MAX 12u
typedef uint32_t ec_num[EC_LIMBS_MAX];

/* All-ones when bit is 1, zero when it is 0 (bit must be 0 or 1): 2^32 * bit - bit, which
 * never wraps (UBSan's unsigned check). */
static uint32_t ec_mask(uint32_t bit)
{
    return (uint32_t)(((uint64_t)bit << 32) - bit);
}

/* The field bytes of a big-endian number into L = field / 4 limbs. */
static void ec_from_be(ec_num r, const uint8_t *in, size_t field)
{
    size_t i, L = field / 4u;

    memset(r, 0, sizeof(ec_num));
    for (i = 0; i < L; i++) {
        const uint8_t *b = in + field - 4u * (i + 1u);
        r[i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    }
}

static void ec_to_be(uint8_t *out, const ec_num a, size_t field)
{
    size_t i, L = field / 4u;

    for (i = 0; i < L; i++) {
        uint8_t *b = out + field - 4u * (i + 1u);
        b[0] = (uint8_t)(a[i] >> 24);
        b[1] = (uint8_t)(a[i] >> 16);
        b[2] = (uint8_t)(a[i] >> 8);
        b[3] = (uint8_t)a[i];
    }
}

/* The final borrow of a - b over L limbs (1 when a < b), without storing the difference. */
static uint32_t ec_borrow(const uint32_t *a, const uint32_t *b, size_t L)
{
    uint32_t borrow = 0;
    size_t i;

    for (i = 0; i < L; i++) {
        /* a + 2^32 - b - borrow is in [1, 2^33): bit 32 clear means a borrow. */
        uint64_t t = (uint64_t)a[i] + 0x100000000u - b[i] - borrow;
        borrow = (uint32_t)((t >> 32) ^ 1u);
    }
    return borrow;
}

/* 1 when all L limbs are zero, else 0. */
static uint32_t ec_is_zero(const uint32_t *a, size_t L)
{
    uint32_t acc = 0;
    size_t i;

    for (i = 0; i < L; i++)
        acc |= a[i];
    /* acc + 2^32 - 1 reaches bit 32 exactly when acc != 0. */
    return (uint32_t)((((uint64_t)acc + 0xFFFFFFFFu) >> 32) ^ 1u);
}

/* The prime field of a curve, with what Montgomery arithmetic (R = 2^(32L)) needs. */
typedef struct ec_field {
    size_t L;
    uint32_t n0;    /* -p^-1 mod 2^32 */
    ec_num p, one;  /* p; R mod p, i.e. 1 in Montgomery form */
    ec_num rr;      /* R^2 mod p: x * rr is x in Montgomery form */
} ec_field;

/* (top : r) >= p ? r - p : r, for a value below 2p; top is the bit above the L limbs. */
static void fe_reduce_once(const ec_field *f, uint32_t *r, uint32_t top)
{
    uint32_t mask = ec_mask(top | (ec_borrow(r, f->p, f->L) ^ 1u)), borrow = 0;
    size_t i;

    for (i = 0; i < f->L; i++) {
        uint64_t t = (uint64_t)r[i] + 0x100000000u - (f->p[i] & mask) - borrow;
        r[i] = (uint32_t)t;
        borrow = (uint32_t)((t >> 32) ^ 1u);
    }
}

/* r = a + b mod p, for a, b < p. r may alias a or b. */
static void fe_add(const ec_field *f, uint32_t *r, const uint32_t *a, const uint32_t *b)
{
    uint64_t carry = 0;
    size_t i;

    for (i = 0; i < f->L; i++) {
        uint64_t s = (uint64_t)a[i] + b[i] + carry;
        r[i] = (uint32_t)s;
        carry = s >> 32;
    }
    fe_reduce_once(f, r, (uint32_t)carry);
}

/* r = a - b mod p, for a, b < p. r may alias a or b. */
static void fe_sub(const ec_field *f, uint32_t *r, const uint32_t *a, const uint32_t *b)
{
    uint32_t borrow = 0, mask;
    uint64_t carry = 0;
    size_t i;

    for (i = 0; i < f->L; i++) {
        uint64_t t = (uint64_t)a[i] + 0x100000000u - b[i] - borrow;
        r[i] = (uint32_t)t;
        borrow = (uint32_t)((t >> 32) ^ 1u);
    }
    /* a < b: r is a - b + 2^(32L); adding p wraps back to a - b + p (the carry out is that
     * 2^(32L), dropped). */
    mask = ec_mask(borrow);
    for (i = 0; i < f->L; i++) {
        uint64_t s = (uint64_t)r[i] + (f->p[i] & mask) + carry;
        r[i] = (uint32_t)s;
        carry = s >> 32;
    }
}

/* r = a * b / R mod p (Montgomery multiplication, CIOS), for a, b < p. r may alias a or b.
 * The accumulator holds products of secret values: wiped before returning. */
static void fe_mul(const ec_field *f, uint32_t *r, const uint32_t *a, const uint32_t *b)
{
    uint32_t t[EC_LIMBS_MAX + 2u];
    size_t i, j, L = f->L;

    memset(t, 0, sizeof t);
    for (i = 0; i < L; i++) {
        uint64_t c = 0, s;
        uint32_t m;

        for (j = 0; j < L; j++) {
            /* (2^32-1) + (2^32-1)^2 + (2^32-1) = 2^64 - 1: cannot wrap. */
            s = (uint64_t)t[j] + (uint64_t)a[j] * b[i] + c;
            t[j] = (uint32_t)s;
            c = s >> 32;
        }
        s = (uint64_t)t[L] + c;
        t[L] = (uint32_t)s;
        t[L + 1u] = (uint32_t)(s >> 32);
        /* m makes t + m * p divisible by 2^32; then shift down one limb. */
        m = (uint32_t)((uint64_t)t[0] * f->n0);
        s = (uint64_t)t[0] + (uint64_t)m * f->p[0];
        c = s >> 32;
        for (j = 1; j < L; j++) {
            s = (uint64_t)t[j] + (uint64_t)m * f->p[j] + c;
            t[j - 1u] = (uint32_t)s;
            c = s >> 32;
        }
        s = (uint64_t)t[L] + c;
        t[L - 1u] = (uint32_t)s;
        t[L] = (uint32_t)(t[L + 1u] + (s >> 32)); /* 0 or 1: the result stays below 2p */
    }
    fe_reduce_once(f, t, t[L]);
    memcpy(r, t, L * sizeof t[0]);
    ch_wipe(t, sizeof t);
}

/* r = mask ? a : b, limb by limb with masks. r may alias a or b. */
static void fe_select(const ec_field *f, uint32_t *r, uint32_t mask, const uint32_t *a,
                      const uint32_t *b)
{
    size_t i;

    for (i = 0; i < f->L; i++)
        r[i] = (a[i] & mask) | (b[i] & ~mask);
}

/* The field of curve c. p's top bit is set on both curves, so R mod p = R - p, the two's
 * complement of p; R^2 mod p is that doubled 32L times. All public. */
static void ec_field_init(ec_field *f, const ec_curve *c)
{
    uint64_t carry = 1;
    uint32_t inv;
    size_t i;

    memset(f, 0, sizeof *f);
    f->L = c->field / 4u;
    ec_from_be(f->p, c->p, c->field);
    for (i = 0; i < f->L; i++) {
        uint64_t s = (uint64_t)(uint32_t)~f->p[i] + carry;
        f->one[i] = (uint32_t)s;
        carry = s >> 32;
    }
    memcpy(f->rr, f->one, sizeof f->rr);
    for (i = 0; i < 32u * f->L; i++)
        fe_add(f, f->rr, f->rr, f->rr);
    /* p^-1 mod 2^32 by Newton's iteration: p * p == 1 mod 8 for odd p, and every step doubles
     * the number of correct low bits (3, 6, 12, 24, 48). */
    inv = f->p[0];
    for (i = 0; i < 4; i++) {
        uint32_t pi = (uint32_t)((uint64_t)f->p[0] * inv);
        inv = (uint32_t)((uint64_t)inv * (uint32_t)(0x100000002u - pi));
    }
    f->n0 = ~inv + 1u; /* -inv: inv is odd, so ~inv < 2^32 - 1 and this cannot wrap */
}

/* SEC 1 3.2.2.1 step 2: each coordinate an integer in [0, p - 1]; then y^2 == x^3 - 3x + b,
 * compared in Montgomery form (both sides fully reduced, so equal residues are equal limbs). */
bool ch_ec_point_on_curve(size_t field, const uint8_t *x, const uint8_t *y)
{
    const ec_curve *c = ec_curve_of(field);
    ec_field f;
    ec_num X, Y, B, lhs, rhs, t;

    if (c == NULL || x == NULL || y == NULL)
        return false;
    ec_field_init(&f, c);
    ec_from_be(X, x, field);
    ec_from_be(Y, y, field);
    ec_from_be(B, c->b, field);
    if (!ec_borrow(X, f.p, f.L) || !ec_borrow(Y, f.p, f.L))
        return false;
    fe_mul(&f, X, X, f.rr);
    fe_mul(&f, Y, Y, f.rr);
    fe_mul(&f, B, B, f.rr);
    fe_mul(&f, lhs, Y, Y);
    fe_mul(&f, rhs, X, X);
    fe_mul(&f, rhs, rhs, X);
    fe_add(&f, t, X, X);
    fe_add(&f, t, t, X);
    fe_sub(&f, rhs, rhs, t);
    fe_add(&f, rhs, rhs, B);
    return memcmp(lhs, rhs, f.L * sizeof lhs[0]) == 0;
}

/* 1 when 1 <= d < n (d big-endian, field bytes), else 0: the borrow of d - n and an OR of
 * d's limbs, both over every limb. The limbs are wiped. */
static uint32_t ec_scalar_in_range(const ec_curve *c, const uint8_t *d)
{
    ec_num k, n;
    uint32_t ok;
    size_t L = c->field / 4u;

    ec_from_be(k, d, c->field);
    ec_from_be(n, c->n, c->field);
    ok = ec_borrow(k, n, L) & (ec_is_zero(k, L) ^ 1u);
    ch_wipe(k, sizeof k);
    return ok;
}

bool ch_ec_scalar_valid(size_t field, const uint8_t *d)
{
    const ec_curve *c = ec_curve_of(field);

    if (c == NULL || d == NULL)
        return false;
    return ec_scalar_in_range(c, d) == 1u;
}

/* ---- d*G ----------------------------------------------------------------------------------- */

/* A point in Jacobian coordinates (X / Z^2, Y / Z^3), Montgomery form; Z = 0 is infinity. */
typedef struct ec_jac {
    ec_num x, y, z;
} ec_jac;

/* Everything ch_ec_public_matches computes, wiped as a whole. */
typedef struct ec_work {
    ec_field f;
    ec_num gx, gy; /* G, affine, Montgomery form */
    ec_jac r0, r1;
    ec_num t[10];
    uint8_t xy[2u * 48u];
} ec_work;

/* r = 2a (dbl-2001-b for a = -3; EFD). Z = 0 gives Z = 0. r may alias a. */
static void ec_dbl(ec_work *w, ec_jac *r, const ec_jac *a)
{
    const ec_field *f = &w->f;
    uint32_t *delta = w->t[0], *gamma = w->t[1], *beta = w->t[2], *alpha = w->t[3],
             *u = w->t[4], *v = w->t[5];

    fe_mul(f, delta, a->z, a->z);
    fe_mul(f, gamma, a->y, a->y);
    fe_mul(f, beta, a->x, gamma);
    /* alpha = 3 (X - delta)(X + delta) */
    fe_sub(f, u, a->x, delta);
    fe_add(f, v, a->x, delta);
    fe_mul(f, alpha, u, v);
    fe_add(f, u, alpha, alpha);
    fe_add(f, alpha, u, alpha);
    /* Z3 = (Y + Z)^2 - gamma - delta, before Y and Z are overwritten */
    fe_add(f, u, a->y, a->z);
    fe_mul(f, u, u, u);
    fe_sub(f, u, u, gamma);
    fe_sub(f, r->z, u, delta);
    /* X3 = alpha^2 - 8 beta */
    fe_add(f, beta, beta, beta);
    fe_add(f, beta, beta, beta); /* 4 beta */
    fe_mul(f, u, alpha, alpha);
    fe_sub(f, u, u, beta);
    fe_sub(f, r->x, u, beta);
    /* Y3 = alpha (4 beta - X3) - 8 gamma^2 */
    fe_sub(f, u, beta, r->x);
    fe_mul(f, u, alpha, u);
    fe_mul(f, v, gamma, gamma);
    fe_add(f, v, v, v);
    fe_add(f, v, v, v);
    fe_add(f, v, v, v);
    fe_sub(f, r->y, u, v);
}

/* r = a + G (madd-2007-bl; EFD), where a is not G (see the caller) and may be infinity:
 * the formula's result is then replaced by G through a masked select. r must not alias a. */
static void ec_add_g(ec_work *w, ec_jac *r, const ec_jac *a)
{
    const ec_field *f = &w->f;
    uint32_t *z1z1 = w->t[0], *u2 = w->t[1], *s2 = w->t[2], *hh = w->t[3], *i4 = w->t[4],
             *j = w->t[5], *v = w->t[6], *u = w->t[7], *h = u2, *rr = s2;
    uint32_t inf = ec_mask(ec_is_zero(a->z, f->L));

    fe_mul(f, z1z1, a->z, a->z);
    fe_mul(f, u2, w->gx, z1z1);
    fe_mul(f, s2, a->z, z1z1);
    fe_mul(f, s2, w->gy, s2);
    fe_sub(f, h, u2, a->x);  /* H = U2 - X1 */
    fe_mul(f, hh, h, h);
    fe_add(f, i4, hh, hh);
    fe_add(f, i4, i4, i4);   /* I = 4 HH */
    fe_mul(f, j, h, i4);     /* J = H I */
    fe_sub(f, rr, s2, a->y);
    fe_add(f, rr, rr, rr);   /* r = 2 (S2 - Y1) */
    fe_mul(f, v, a->x, i4);  /* V = X1 I */
    /* X3 = r^2 - J - 2V */
    fe_mul(f, u, rr, rr);
    fe_sub(f, u, u, j);
    fe_sub(f, u, u, v);
    fe_sub(f, r->x, u, v);
    /* Y3 = r (V - X3) - 2 Y1 J */
    fe_sub(f, u, v, r->x);
    fe_mul(f, u, rr, u);
    fe_mul(f, v, a->y, j);
    fe_add(f, v, v, v);
    fe_sub(f, r->y, u, v);
    /* Z3 = (Z1 + H)^2 - Z1Z1 - HH */
    fe_add(f, u, a->z, h);
    fe_mul(f, u, u, u);
    fe_sub(f, u, u, z1z1);
    fe_sub(f, r->z, u, hh);
    /* infinity + G = G */
    fe_select(f, r->x, inf, w->gx, r->x);
    fe_select(f, r->y, inf, w->gy, r->y);
    fe_select(f, r->z, inf, f->one, r->z);
}

/* r = a^(p-2) = a^-1 mod p (Fermat; 0 for 0), Montgomery form in and out. The exponent is
 * public: square-and-multiply may follow its bits. r must not alias a. */
static void ec_inv(ec_work *w, uint32_t *r, const uint32_t *a)
{
    const ec_field *f = &w->f;
    ec_num e;
    size_t bit;

    memcpy(e, f->p, sizeof e);
    e[0] -= 2u; /* p ends in 0xFFFFFFFF on both curves: no borrow */
    memcpy(r, f->one, sizeof(ec_num));
    for (bit = 32u * f->L; bit > 0; bit--) {
        fe_mul(f, r, r, r);
        if ((e[(bit - 1u) / 32u] >> ((bit - 1u) % 32u)) & 1u)
            fe_mul(f, r, r, a);
    }
}

/* w->xy = d*G, affine, big-endian X || Y (zeros if it were infinity, which d in [1, n-1]
 * never gives). */
static void ec_mul_g(ec_work *w, const ec_curve *c, const uint8_t *d)
{
    const ec_field *f = &w->f;
    uint32_t *zi = w->t[8], *zi2 = w->t[9];
    size_t bit;

    /* G into Montgomery form: x * R^2 / R. */
    ec_from_be(w->gx, c->gx, c->field);
    ec_from_be(w->gy, c->gy, c->field);
    fe_mul(f, w->gx, w->gx, f->rr);
    fe_mul(f, w->gy, w->gy, f->rr);
    /* R0 = infinity (any X, Y with Z = 0) */
    memcpy(w->r0.x, f->one, sizeof(ec_num));
    memcpy(w->r0.y, f->one, sizeof(ec_num));
    memset(w->r0.z, 0, sizeof(ec_num));
    /* Double-and-add-always from the top bit of the field width. After the doubling R0 holds
     * 2k*G for k = the bits of d above this one, 2k < n - 1 except on the last bit, so
     * R0 + G never meets the formula's exceptional case R0 == G (that needs 2k == n + 1);
     * on the last bit 2k == n - 1 can occur (d = n - 1: the bit is 0, the sum, infinity, is
     * not taken). */
    for (bit = 8u * c->field; bit > 0; bit--) {
        uint32_t b = (uint32_t)(d[c->field - 1u - (bit - 1u) / 8u] >> ((bit - 1u) % 8u)) & 1u;
        uint32_t m = ec_mask(b);

        ec_dbl(w, &w->r0, &w->r0);
        ec_add_g(w, &w->r1, &w->r0);
        fe_select(f, w->r0.x, m, w->r1.x, w->r0.x);
        fe_select(f, w->r0.y, m, w->r1.y, w->r0.y);
        fe_select(f, w->r0.z, m, w->r1.z, w->r0.z);
    }
    /* Affine: x = X / Z^2, y = Y / Z^3; then out of Montgomery form (times 1 / R). */
    ec_inv(w, zi, w->r0.z);
    fe_mul(f, zi2, zi, zi);
    fe_mul(f, w->r0.x, w->r0.x, zi2);
    fe_mul(f, zi2, zi2, zi);
    fe_mul(f, w->r0.y, w->r0.y, zi2);
    memset(zi, 0, sizeof(ec_num));
    zi[0] = 1u;
    fe_mul(f, w->r0.x, w->r0.x, zi);
    fe_mul(f, w->r0.y, w->r0.y, zi);
    ec_to_be(w->xy, w->r0.x, c->field);
    ec_to_be(w->xy + c->field, w->r0.y, c->field);
}

bool ch_ec_public_matches(size_t field, const uint8_t *d, const uint8_t *x, const uint8_t *y)
{
    const ec_curve *c = ec_curve_of(field);
    ec_work w;
    int same;

    if (c == NULL || d == NULL || x == NULL || y == NULL)
        return false;
    if (ec_scalar_in_range(c, d) != 1u)
        return false;
    ec_field_init(&w.f, c);
    ec_mul_g(&w, c, d);
    same = ch_ct_memeq(w.xy, x, field) & ch_ct_memeq(w.xy + field, y, field);
    ch_wipe(&w, sizeof w);
    return same == 1;
}
