/* The small bignum of bn.h: schoolbook multiplication, bit-serial reduction. Not constant-time
 * (see bn.h): written for clarity and for UBSan's unsigned-overflow check, so every carry and
 * borrow goes through a 64-bit intermediate that cannot wrap, and every narrowing is a cast. */
#include "bn.h"

#include <string.h>

#include "wipe.h"

/* Recomputes top after the limbs changed: the highest non-zero limb, at most `from`. */
static void bn_fix_top(ch_bn *a, size_t from)
{
    while (from > 0 && a->limb[from - 1] == 0)
        from--;
    a->top = from;
}

/* Zeroes limbs n.. of a result: r may be uninitialised or have held a longer number. */
static void bn_clear_from(ch_bn *r, size_t n)
{
    memset(&r->limb[n], 0, (CH_BN_LIMBS - n) * sizeof r->limb[0]);
}

void ch_bn_zero(ch_bn *a) { memset(a, 0, sizeof *a); }

void ch_bn_set_u32(ch_bn *a, uint32_t v)
{
    ch_bn_zero(a);
    a->limb[0] = v;
    a->top = v ? 1u : 0u;
}

void ch_bn_wipe(ch_bn *a) { ch_wipe(a, sizeof *a); }

/* Byte i (0 = least significant) of the number goes to limb i / 4, shift 8 * (i % 4). */
static bool bn_put_byte(ch_bn *a, size_t i, uint8_t v)
{
    if (v == 0)
        return true;
    if (i >= (size_t)CH_BN_BYTES)
        return false;
    a->limb[i / 4u] |= (uint32_t)v << (8u * (i % 4u));
    return true;
}

bool ch_bn_from_be(ch_bn *a, const uint8_t *in, size_t len)
{
    size_t i;

    ch_bn_zero(a);
    for (i = 0; i < len; i++) {
        if (!bn_put_byte(a, len - 1u - i, in[i])) {
            ch_bn_wipe(a);
            return false;
        }
    }
    bn_fix_top(a, CH_BN_LIMBS);
    return true;
}

bool ch_bn_from_le(ch_bn *a, const uint8_t *in, size_t len)
{
    size_t i;

    ch_bn_zero(a);
    for (i = 0; i < len; i++) {
        if (!bn_put_byte(a, i, in[i])) {
            ch_bn_wipe(a);
            return false;
        }
    }
    bn_fix_top(a, CH_BN_LIMBS);
    return true;
}

static uint8_t bn_byte(const ch_bn *a, size_t i)
{
    if (i >= (size_t)CH_BN_BYTES)
        return 0;
    return (uint8_t)(a->limb[i / 4u] >> (8u * (i % 4u)));
}

static size_t bn_bytes(const ch_bn *a) { return (ch_bn_bits(a) + 7u) / 8u; }

bool ch_bn_to_be(const ch_bn *a, uint8_t *out, size_t len)
{
    size_t i;

    if (bn_bytes(a) > len)
        return false;
    for (i = 0; i < len; i++)
        out[i] = bn_byte(a, len - 1u - i);
    return true;
}

bool ch_bn_to_le(const ch_bn *a, uint8_t *out, size_t len)
{
    size_t i;

    if (bn_bytes(a) > len)
        return false;
    for (i = 0; i < len; i++)
        out[i] = bn_byte(a, i);
    return true;
}

size_t ch_bn_bits(const ch_bn *a)
{
    uint32_t w;
    size_t bits;

    if (a->top == 0)
        return 0;
    w = a->limb[a->top - 1u];
    bits = (a->top - 1u) * 32u;
    while (w) {
        bits++;
        w >>= 1;
    }
    return bits;
}

bool ch_bn_is_zero(const ch_bn *a) { return a->top == 0; }

bool ch_bn_is_odd(const ch_bn *a) { return (a->limb[0] & 1u) != 0; }

/* Compares the low n limbs of a and b. */
static int bn_cmp_n(const uint32_t *a, const uint32_t *b, size_t n)
{
    size_t i;

    for (i = n; i > 0; i--) {
        if (a[i - 1u] != b[i - 1u])
            return a[i - 1u] < b[i - 1u] ? -1 : 1;
    }
    return 0;
}

int ch_bn_cmp(const ch_bn *a, const ch_bn *b)
{
    if (a->top != b->top)
        return a->top < b->top ? -1 : 1;
    return bn_cmp_n(a->limb, b->limb, a->top);
}

int ch_bn_cmp_u32(const ch_bn *a, uint32_t w)
{
    if (a->top > 1u)
        return 1;
    if (a->limb[0] != w)
        return a->limb[0] < w ? -1 : 1;
    return 0;
}

bool ch_bn_add(ch_bn *r, const ch_bn *a, const ch_bn *b)
{
    size_t n = a->top > b->top ? a->top : b->top, i;
    uint64_t carry = 0;

    for (i = 0; i < n; i++) {
        uint64_t s = (uint64_t)a->limb[i] + b->limb[i] + carry;
        r->limb[i] = (uint32_t)s;
        carry = s >> 32;
    }
    if (carry) {
        if (n == CH_BN_LIMBS)
            return false;
        r->limb[n++] = 1u;
    }
    bn_clear_from(r, n);
    bn_fix_top(r, n);
    return true;
}

/* r[0..n) = a[0..n) - b[0..n); returns the final borrow (0 or 1). r may alias a or b. */
static uint32_t bn_sub_n(uint32_t *r, const uint32_t *a, const uint32_t *b, size_t n)
{
    uint32_t borrow = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        /* a + 2^32 - b - borrow is in [0, 2^33): no wrap; bit 32 clear means a borrow. */
        uint64_t t = (uint64_t)a[i] + 0x100000000u - b[i] - borrow;
        r[i] = (uint32_t)t;
        borrow = (t >> 32) ? 0u : 1u;
    }
    return borrow;
}

bool ch_bn_sub(ch_bn *r, const ch_bn *a, const ch_bn *b)
{
    size_t n = a->top;

    if (ch_bn_cmp(a, b) < 0)
        return false;
    /* b->top <= a->top and b's limbs above its top are zero, so n limbs cover both. */
    (void)bn_sub_n(r->limb, a->limb, b->limb, n);
    bn_clear_from(r, n);
    bn_fix_top(r, n);
    return true;
}

bool ch_bn_sub_u32(ch_bn *r, const ch_bn *a, uint32_t w)
{
    ch_bn b;
    bool ok;

    ch_bn_set_u32(&b, w);
    ok = ch_bn_sub(r, a, &b);
    return ok;
}

bool ch_bn_mul_u32(ch_bn *r, const ch_bn *a, uint32_t w)
{
    size_t n = a->top, i;
    uint64_t carry = 0;

    for (i = 0; i < n; i++) {
        uint64_t t = (uint64_t)a->limb[i] * w + carry; /* <= (2^32-1)^2 + 2^32-1 < 2^64 */
        r->limb[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) {
        if (n == CH_BN_LIMBS)
            return false;
        r->limb[n++] = (uint32_t)carry;
    }
    bn_clear_from(r, n);
    bn_fix_top(r, n);
    return true;
}

bool ch_bn_mul(ch_bn *r, const ch_bn *a, const ch_bn *b)
{
    size_t i, j;

    ch_bn_zero(r);
    if (a->top == 0 || b->top == 0)
        return true;
    if (a->top + b->top > CH_BN_LIMBS + 1u)
        return false; /* the product has at least a->top + b->top - 1 limbs */
    for (i = 0; i < a->top; i++) {
        uint64_t carry = 0;
        for (j = 0; j < b->top; j++) {
            /* (2^32-1)^2 + 2 * (2^32-1) = 2^64 - 1: the sum cannot wrap. */
            uint64_t t = (uint64_t)a->limb[i] * b->limb[j] + r->limb[i + j] + carry;
            r->limb[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        if (carry) {
            if (i + b->top >= CH_BN_LIMBS)
                return false;
            r->limb[i + b->top] = (uint32_t)carry;
        }
    }
    bn_fix_top(r, a->top + b->top > CH_BN_LIMBS ? CH_BN_LIMBS : a->top + b->top);
    return true;
}

bool ch_bn_mod(ch_bn *r, const ch_bn *a, const ch_bn *m)
{
    /* Before the shift that brings in bit i of a, r = floor(a / 2^(i+1)) mod m, which is below
     * both m and 2^(CH_BN_BITS-1); so 2r + 1 fits in m->top + 1 limbs (or in the capacity,
     * when m fills it) and nothing is ever shifted out of the top limb used. */
    size_t w = m->top < CH_BN_LIMBS ? m->top + 1u : CH_BN_LIMBS, bit, i;

    if (m->top == 0)
        return false;
    ch_bn_zero(r);
    for (bit = ch_bn_bits(a); bit > 0; bit--) {
        uint32_t in = (a->limb[(bit - 1u) / 32u] >> ((bit - 1u) % 32u)) & 1u, out;
        for (i = 0; i < w; i++) {
            out = r->limb[i] >> 31;
            r->limb[i] = (uint32_t)(r->limb[i] << 1) | in;
            in = out;
        }
        if (bn_cmp_n(r->limb, m->limb, w) >= 0)
            (void)bn_sub_n(r->limb, r->limb, m->limb, w);
    }
    bn_fix_top(r, w);
    return true;
}

bool ch_bn_mod_mul(ch_bn *r, const ch_bn *a, const ch_bn *b, const ch_bn *m)
{
    ch_bn prod;
    bool ok;

    ok = ch_bn_mul(&prod, a, b) && ch_bn_mod(r, &prod, m);
    ch_bn_wipe(&prod);
    return ok;
}
