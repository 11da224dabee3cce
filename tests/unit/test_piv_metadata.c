/* YubiKey GET METADATA: the parser over hand-written answers (vpiv's encodings, see
 * src/vpiv/vpiv_metadata.c, and every malformed shape), then the command over the script
 * transport. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "piv.h"
#include "scarderr.h"
#include "script.h"
#include "tlv_buf.h"

#define RAW(s) (const uint8_t *)(s), sizeof(s) - 1


/* n of `bytes` bytes, top bit set, odd. */
static void modulus(uint8_t *n, size_t bytes)
{
    for (size_t i = 0; i < bytes; i++)
        n[i] = (uint8_t)(0x11 * i + 3);
    n[0] = 0xC3;
    n[bytes - 1] |= 1;
}

static void point(uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(0xA0 + i);
    p[0] = 0x04;
}

/* A key slot's answer as vpiv builds it: 01 alg, 02 policies, 03 origin, 04 { inner }. */
static void slot_answer(buf *o, uint8_t alg, const buf *inner)
{
    const uint8_t policy[2] = {0x01, 0x02}, origin = 0x01;
    o->n = 0;
    tlv(o, 0x01, &alg, 1);
    tlv(o, 0x02, policy, 2);
    tlv(o, 0x03, &origin, 1);
    tlv(o, 0x04, inner->b, inner->n);
}

static void rsa_inner(buf *o, const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len)
{
    o->n = 0;
    tlv(o, 0x81, n, n_len);
    tlv(o, 0x82, e, e_len);
}

static uint32_t parse(const buf *b, ch_piv_metadata *m)
{
    return ch_piv_parse_metadata(b->b, b->n, m);
}

static void assert_refused_buf(const uint8_t *data, size_t len)
{
    ch_piv_metadata m, before;
    memset(&m, 0xEE, sizeof m);
    before = m;
    assert_int_equal(ch_piv_parse_metadata(data, len, &m), SCARD_E_UNEXPECTED);
    assert_memory_equal(&m, &before, sizeof m);
}

static void test_pin_and_management_key(void **state)
{
    ch_piv_metadata m;
    (void)state;
    memset(&m, 0xEE, sizeof m);
    assert_int_equal(ch_piv_parse_metadata(RAW("\x01\x01\xFF\x05\x01\x01\x06\x02\x05\x03"), &m),
                     SCARD_S_SUCCESS);
    assert_true(m.has_alg && m.has_default && m.has_retries);
    assert_false(m.has_policy || m.has_origin);
    assert_int_equal(m.alg, 0xFF);
    assert_true(m.is_default);
    assert_int_equal(m.retries_total, 5);
    assert_int_equal(m.retries_left, 3);
    assert_int_equal(m.pub.type, CH_PIV_KEY_NONE);
    assert_int_equal(m.pub.n_len, 0);

    assert_int_equal(ch_piv_parse_metadata(RAW("\x01\x01\x03\x02\x02\x00\x02\x05\x01\x00"), &m),
                     SCARD_S_SUCCESS);
    assert_true(m.has_alg && m.has_policy && m.has_default);
    assert_false(m.has_origin || m.has_retries);
    assert_int_equal(m.alg, CH_PIV_ALG_3DES);
    assert_int_equal(m.pin_policy, 0);
    assert_int_equal(m.touch_policy, 2);
    assert_false(m.is_default);
    assert_int_equal(m.pub.type, CH_PIV_KEY_NONE);
}

static void test_ec_slots(void **state)
{
    uint8_t pt[97];
    buf inner, ans;
    ch_piv_metadata m;
    (void)state;
    point(pt, sizeof pt);
    inner.n = 0;
    tlv(&inner, 0x86, pt, 65);
    slot_answer(&ans, CH_PIV_ALG_ECCP256, &inner);
    assert_int_equal(parse(&ans, &m), SCARD_S_SUCCESS);
    assert_true(m.has_alg && m.has_policy && m.has_origin);
    assert_int_equal(m.alg, CH_PIV_ALG_ECCP256);
    assert_int_equal(m.pin_policy, 1);
    assert_int_equal(m.touch_policy, 2);
    assert_int_equal(m.origin, 1);
    assert_int_equal(m.pub.type, CH_PIV_KEY_P256);
    assert_int_equal(m.pub.bits, 256);
    assert_int_equal(m.pub.point_len, 65);
    assert_memory_equal(m.pub.point, pt, 65);

    inner.n = 0;
    tlv(&inner, 0x86, pt, 97);
    slot_answer(&ans, CH_PIV_ALG_ECCP384, &inner);
    assert_int_equal(parse(&ans, &m), SCARD_S_SUCCESS);
    assert_int_equal(m.pub.type, CH_PIV_KEY_P384);
    assert_int_equal(m.pub.bits, 384);
    assert_int_equal(m.pub.point_len, 97);
    assert_memory_equal(m.pub.point, pt, 97);
}

static void test_rsa_slots(void **state)
{
    static const struct {
        uint8_t alg;
        size_t bits;
    } algs[] = {{CH_PIV_ALG_RSA1024, 1024},
                {CH_PIV_ALG_RSA2048, 2048},
                {CH_PIV_ALG_RSA3072, 3072},
                {CH_PIV_ALG_RSA4096, 4096}};
    uint8_t n[513];
    buf inner, ans;
    ch_piv_metadata m;
    (void)state;
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        size_t bytes = algs[i].bits / 8;
        modulus(n, bytes);
        rsa_inner(&inner, n, bytes, RAW("\x01\x00\x01"));
        slot_answer(&ans, algs[i].alg, &inner);
        memset(&m, 0xEE, sizeof m);
        assert_int_equal(parse(&ans, &m), SCARD_S_SUCCESS);
        assert_int_equal(m.pub.type, CH_PIV_KEY_RSA);
        assert_int_equal(m.pub.bits, algs[i].bits);
        assert_int_equal(m.pub.n_len, bytes);
        assert_memory_equal(m.pub.n, n, bytes);
        assert_int_equal(m.pub.e, 65537);
        assert_int_equal(m.pub.point_len, 0);
    }
    /* Card integers are not DER: leading zero bytes on n and e are tolerated. */
    n[0] = 0x00;
    modulus(n + 1, 256);
    rsa_inner(&inner, n, 257, RAW("\x00\x00\x00\x00\x00\x03"));
    slot_answer(&ans, CH_PIV_ALG_RSA2048, &inner);
    assert_int_equal(parse(&ans, &m), SCARD_S_SUCCESS);
    assert_int_equal(m.pub.n_len, 256);
    assert_memory_equal(m.pub.n, n + 1, 256);
    assert_int_equal(m.pub.e, 3);
    /* 82 before 81, and e = 2^32 - 1 */
    inner.n = 0;
    tlv(&inner, 0x82, "\xFF\xFF\xFF\xFF", 4);
    tlv(&inner, 0x81, n + 1, 256);
    slot_answer(&ans, CH_PIV_ALG_RSA2048, &inner);
    assert_int_equal(parse(&ans, &m), SCARD_S_SUCCESS);
    assert_int_equal(m.pub.e, 0xFFFFFFFFu);
}

static void test_order_and_unknown_tags(void **state)
{
    uint8_t pt[65];
    buf ans = {.n = 0};
    ch_piv_metadata m;
    (void)state;
    point(pt, sizeof pt);
    /* 04 before 01, unknown tags (07, 5F 10 multi-byte) between known ones */
    put(&ans, RAW("\x04\x43\x86\x41"));
    put(&ans, pt, sizeof pt);
    put(&ans, RAW("\x07\x00\x5F\x10\x02\xAA\xBB\x01\x01\x11"));
    assert_int_equal(parse(&ans, &m), SCARD_S_SUCCESS);
    assert_int_equal(m.alg, CH_PIV_ALG_ECCP256);
    assert_int_equal(m.pub.type, CH_PIV_KEY_P256);
    assert_memory_equal(m.pub.point, pt, 65);
    assert_false(m.has_policy);
}

static void test_malformed_flat(void **state)
{
    static const struct {
        const char *what, *bytes;
        size_t len;
    } bad[] = {
        {"empty", "", 0},
        {"no algorithm", "\x02\x02\x00\x00\x05\x01\x01", 7},
        {"01 empty", "\x01\x00", 2},
        {"01 two bytes", "\x01\x02\x11\x11", 4},
        {"02 one byte", "\x01\x01\x11\x02\x01\x00", 6},
        {"02 three bytes", "\x01\x01\x11\x02\x03\x00\x00\x00", 8},
        {"03 two bytes", "\x01\x01\x11\x03\x02\x01\x01", 7},
        {"05 two bytes", "\x01\x01\xFF\x05\x02\x00\x01", 7},
        {"05 value 2", "\x01\x01\xFF\x05\x01\x02", 6},
        {"06 one byte", "\x01\x01\xFF\x06\x01\x03", 6},
        {"06 three bytes", "\x01\x01\xFF\x06\x03\x03\x03\x03", 8},
        {"01 twice", "\x01\x01\xFF\x01\x01\xFF", 6},
        {"02 twice", "\x01\x01\x11\x02\x02\x00\x00\x02\x02\x00\x00", 11},
        {"03 twice", "\x01\x01\x11\x03\x01\x01\x03\x01\x01", 9},
        {"05 twice", "\x01\x01\xFF\x05\x01\x01\x05\x01\x01", 9},
        {"06 twice", "\x01\x01\xFF\x06\x02\x03\x03\x06\x02\x03\x03", 11},
        {"length past end", "\x01\x01\xFF\x06\x05\x03\x03", 7},
        {"long length past end", "\x01\x01\xFF\x04\x82\xFF\xFF\x86\x00", 9},
        {"truncated tag", "\x01\x01\xFF\x5F", 4},
        {"missing length", "\x01\x01\xFF\x06", 4},
        {"indefinite length", "\x01\x01\xFF\x04\x80\x00\x00", 7},
        {"04 for the PIN", "\x01\x01\xFF\x04\x00", 5},
        {"04 for a 3DES key", "\x01\x01\x03\x04\x03\x86\x01\x04", 8},
        {"04 without 01", "\x04\x03\x86\x01\x04", 5},
        {"04 empty for P-256", "\x01\x01\x11\x04\x00", 5},
        {"04 for Ed25519", "\x01\x01\xE0\x04\x03\x86\x01\x04", 8},
        {"04 inner malformed", "\x01\x01\x11\x04\x02\x86\x05", 7},
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        print_message("case: %s\n", bad[i].what);
        assert_refused_buf((const uint8_t *)bad[i].bytes, bad[i].len);
    }
}

static void test_malformed_keys(void **state)
{
    uint8_t n[300], pt[97];
    buf inner, ans;
    (void)state;
    modulus(n, 256);
    point(pt, sizeof pt);

#define REFUSE(alg)                                                                            \
    do {                                                                                       \
        slot_answer(&ans, (alg), &inner);                                                      \
        assert_refused_buf(ans.b, ans.n);                                                      \
    } while (0)

    /* RSA: sizes that disagree with 01 */
    rsa_inner(&inner, n, 256, RAW("\x01\x00\x01"));
    REFUSE(CH_PIV_ALG_RSA1024);
    REFUSE(CH_PIV_ALG_RSA3072);
    REFUSE(CH_PIV_ALG_ECCP256);
    rsa_inner(&inner, n, 255, RAW("\x01\x00\x01"));
    REFUSE(CH_PIV_ALG_RSA2048);
    n[0] = 0x7F; /* 2047 bits in 256 bytes */
    rsa_inner(&inner, n, 256, RAW("\x01\x00\x01"));
    REFUSE(CH_PIV_ALG_RSA2048);
    n[0] = 0xC3;
    rsa_inner(&inner, n, 256, (const uint8_t *)"", 0); /* 82 empty */
    REFUSE(CH_PIV_ALG_RSA2048);
    rsa_inner(&inner, n, 256, RAW("\x00\x00")); /* e zero */
    REFUSE(CH_PIV_ALG_RSA2048);
    rsa_inner(&inner, n, 256, RAW("\x01")); /* e = 1 */
    REFUSE(CH_PIV_ALG_RSA2048);
    rsa_inner(&inner, n, 256, RAW("\x01\x00\x00")); /* even */
    REFUSE(CH_PIV_ALG_RSA2048);
    rsa_inner(&inner, n, 256, RAW("\x02\x00\x00\x00\x01")); /* 2^33 + 1: more than a DWORD */
    REFUSE(CH_PIV_ALG_RSA2048);
    rsa_inner(&inner, (const uint8_t *)"", 0, RAW("\x01\x00\x01")); /* 81 empty */
    REFUSE(CH_PIV_ALG_RSA2048);
    inner.n = 0;
    tlv(&inner, 0x81, n, 256);
    REFUSE(CH_PIV_ALG_RSA2048); /* no 82 */
    inner.n = 0;
    tlv(&inner, 0x82, "\x03", 1);
    REFUSE(CH_PIV_ALG_RSA2048); /* no 81 */
    rsa_inner(&inner, n, 256, RAW("\x03"));
    tlv(&inner, 0x81, n, 256);
    REFUSE(CH_PIV_ALG_RSA2048); /* 81 twice */
    rsa_inner(&inner, n, 256, RAW("\x03"));
    tlv(&inner, 0x82, "\x03", 1);
    REFUSE(CH_PIV_ALG_RSA2048); /* 82 twice */
    rsa_inner(&inner, n, 256, RAW("\x03"));
    tlv(&inner, 0x86, pt, 65);
    REFUSE(CH_PIV_ALG_RSA2048); /* an EC point too */
    rsa_inner(&inner, n, 256, RAW("\x03"));
    put(&inner, "\x81", 1);
    REFUSE(CH_PIV_ALG_RSA2048); /* trailing partial TLV */

    /* EC */
    inner.n = 0;
    tlv(&inner, 0x86, pt, 97);
    REFUSE(CH_PIV_ALG_ECCP256);
    REFUSE(CH_PIV_ALG_RSA2048);
    inner.n = 0;
    tlv(&inner, 0x86, pt, 65);
    REFUSE(CH_PIV_ALG_ECCP384);
    inner.n = 0;
    tlv(&inner, 0x86, pt, 64);
    REFUSE(CH_PIV_ALG_ECCP256);
    pt[0] = 0x02; /* compressed, and the length of an uncompressed point */
    inner.n = 0;
    tlv(&inner, 0x86, pt, 65);
    REFUSE(CH_PIV_ALG_ECCP256);
    inner.n = 0;
    tlv(&inner, 0x86, pt, 33);
    REFUSE(CH_PIV_ALG_ECCP256);
    pt[0] = 0x04;
    inner.n = 0;
    tlv(&inner, 0x86, pt, 65);
    tlv(&inner, 0x86, pt, 65);
    REFUSE(CH_PIV_ALG_ECCP256); /* two points */
    inner.n = 0;
    tlv(&inner, 0x81, pt, 65);
    REFUSE(CH_PIV_ALG_ECCP256); /* wrong inner tag */
    inner.n = 0;
    REFUSE(CH_PIV_ALG_ECCP256); /* 04 empty */

    /* 04 twice */
    inner.n = 0;
    tlv(&inner, 0x86, pt, 65);
    slot_answer(&ans, CH_PIV_ALG_ECCP256, &inner);
    tlv(&ans, 0x04, inner.b, inner.n);
    assert_refused_buf(ans.b, ans.n);
#undef REFUSE
}

static void test_every_truncation(void **state)
{
    uint8_t n[256];
    buf inner, ans;
    ch_piv_metadata m;
    (void)state;
    modulus(n, sizeof n);
    rsa_inner(&inner, n, sizeof n, RAW("\x01\x00\x01"));
    slot_answer(&ans, CH_PIV_ALG_RSA2048, &inner);
    for (size_t cut = 0; cut < ans.n; cut++) {
        /* Cutting exactly before a whole TLV leaves a shorter valid answer: 01 alone, 01 02,
         * 01 02 03 are what the card may send for other objects. */
        bool whole = cut == 3 || cut == 7 || cut == 10;
        memset(&m, 0, sizeof m);
        assert_int_equal(ch_piv_parse_metadata(ans.b, cut, &m),
                         whole ? SCARD_S_SUCCESS : SCARD_E_UNEXPECTED);
    }
}

/* ---- GET METADATA over the script transport ------------------------------------------------ */

typedef struct {
    ch_script s;
    ch_transport tp;
    ch_apdu_ctx ctx;
    uint8_t script[4096];
    size_t script_len;
} rig;

static void add_answer(rig *r, const uint8_t *data, size_t len, uint16_t sw)
{
    size_t n = len + 2;
    assert_true(r->script_len + 2 + n <= sizeof r->script);
    r->script[r->script_len++] = (uint8_t)(n >> 8);
    r->script[r->script_len++] = (uint8_t)n;
    if (len)
        memcpy(r->script + r->script_len, data, len);
    r->script_len += len;
    r->script[r->script_len++] = (uint8_t)(sw >> 8);
    r->script[r->script_len++] = (uint8_t)sw;
}

/* data as the card sends it: 256-byte blocks, each but the last with 61xx. */
static void add_chained(rig *r, const uint8_t *data, size_t len)
{
    size_t off = 0;
    while (len - off > 256) {
        size_t rest = len - off - 256;
        add_answer(r, data + off, 256, (uint16_t)(0x6100 | (rest >= 256 ? 0 : rest)));
        off += 256;
    }
    add_answer(r, data + off, len - off, 0x9000);
}

static void rig_start(rig *r)
{
    ch_script_init(&r->s, r->script, r->script_len);
    assert_int_equal(ch_transport_open(&r->tp, 1, (uintptr_t)&r->s), SCARD_S_SUCCESS);
    ch_apdu_ctx_init(&r->ctx, &r->tp);
}

static void assert_sent(rig *r, unsigned i, const uint8_t *want, size_t len)
{
    ch_cur c;
    assert_true(ch_script_sent(&r->s, i, &c));
    assert_int_equal(ch_cur_left(&c), len);
    assert_memory_equal(ch_cur_peek_ptr(&c), want, len);
}

static void test_get_metadata(void **state)
{
    static rig r;
    uint8_t pt[65];
    buf inner, ans;
    ch_piv_metadata m;
    (void)state;
    point(pt, sizeof pt);
    inner.n = 0;
    tlv(&inner, 0x86, pt, 65);
    slot_answer(&ans, CH_PIV_ALG_ECCP256, &inner);
    memset(&r, 0, sizeof r);
    add_answer(&r, ans.b, ans.n, 0x9000);
    rig_start(&r);
    assert_int_equal(ch_piv_get_metadata(&r.ctx, 0x9A, &m), SCARD_S_SUCCESS);
    assert_sent(&r, 0, RAW("\x00\xF7\x00\x9A\x00"));
    assert_int_equal(r.ctx.sent, 1);
    assert_int_equal(m.alg, CH_PIV_ALG_ECCP256);
    assert_int_equal(m.pub.type, CH_PIV_KEY_P256);
    assert_memory_equal(m.pub.point, pt, 65);
    ch_script_free(&r.s);
}

static void test_get_metadata_rsa4096_chained(void **state)
{
    static rig r;
    uint8_t n[512];
    buf inner, ans;
    ch_piv_metadata m;
    (void)state;
    modulus(n, sizeof n);
    rsa_inner(&inner, n, sizeof n, RAW("\x01\x00\x01"));
    slot_answer(&ans, CH_PIV_ALG_RSA4096, &inner);
    assert_true(ans.n > 512);
    memset(&r, 0, sizeof r);
    add_chained(&r, ans.b, ans.n);
    rig_start(&r);
    assert_int_equal(ch_piv_get_metadata(&r.ctx, 0x9D, &m), SCARD_S_SUCCESS);
    assert_sent(&r, 0, RAW("\x00\xF7\x00\x9D\x00"));
    assert_int_equal(r.s.exchanges, 3);
    assert_int_equal(m.pub.bits, 4096);
    assert_memory_equal(m.pub.n, n, sizeof n);
    ch_script_free(&r.s);
}

static void test_get_metadata_errors(void **state)
{
    static const struct {
        const char *what;
        uint16_t sw;
        uint32_t want;
    } sws[] = {
        {"not a YubiKey 5.3+", 0x6D00, SCARD_E_UNSUPPORTED_FEATURE},
        {"empty slot", 0x6A88, SCARD_E_FILE_NOT_FOUND},
        {"empty slot (file not found)", 0x6A82, SCARD_E_FILE_NOT_FOUND},
        {"security status", 0x6982, SCARD_W_SECURITY_VIOLATION},
        {"wrong P1P2", 0x6A86, SCARD_E_INVALID_PARAMETER},
        {"unknown SW", 0x6F00, SCARD_E_UNEXPECTED},
        {"9000 without data", 0x9000, SCARD_E_UNEXPECTED},
    };
    static rig r;
    ch_piv_metadata m, before;
    (void)state;
    memset(&m, 0xEE, sizeof m);
    before = m;
    for (size_t i = 0; i < sizeof sws / sizeof sws[0]; i++) {
        print_message("case: %s\n", sws[i].what);
        memset(&r, 0, sizeof r);
        add_answer(&r, NULL, 0, sws[i].sw);
        rig_start(&r);
        assert_int_equal(ch_piv_get_metadata(&r.ctx, 0x82, &m), sws[i].want);
        assert_sent(&r, 0, RAW("\x00\xF7\x00\x82\x00"));
        assert_memory_equal(&m, &before, sizeof m);
        ch_script_free(&r.s);
    }

    /* transport failure, then a card that went away */
    memset(&r, 0, sizeof r);
    r.script[0] = 0xFF, r.script[1] = 0x00, r.script_len = 2;
    rig_start(&r);
    assert_int_equal(ch_piv_get_metadata(&r.ctx, 0x9A, &m), SCARD_E_COMM_DATA_LOST);
    assert_int_equal(ch_piv_get_metadata(&r.ctx, 0x9A, &m), SCARD_W_REMOVED_CARD);
    assert_memory_equal(&m, &before, sizeof m);
    ch_script_free(&r.s);

    /* a malformed answer with 9000 */
    memset(&r, 0, sizeof r);
    add_answer(&r, RAW("\x01\x01\x11\x04\x03\x86\x01\x04"), 0x9000);
    rig_start(&r);
    assert_int_equal(ch_piv_get_metadata(&r.ctx, 0x9A, &m), SCARD_E_UNEXPECTED);
    assert_memory_equal(&m, &before, sizeof m);
    ch_script_free(&r.s);
}

static void test_get_metadata_overlong(void **state)
{
    static rig r;
    static uint8_t filler[1400];
    buf ans = {.n = 0};
    ch_piv_metadata m, before;
    (void)state;
    /* well-formed (01 then one long unknown tag) but longer than any metadata */
    put(&ans, RAW("\x01\x01\xFF\x07\x82\x05\x70"));
    put(&ans, filler, 0x570);
    memset(&r, 0, sizeof r);
    add_chained(&r, ans.b, ans.n);
    rig_start(&r);
    memset(&m, 0xEE, sizeof m);
    before = m;
    assert_int_equal(ch_piv_get_metadata(&r.ctx, 0x9A, &m), SCARD_E_UNEXPECTED);
    assert_memory_equal(&m, &before, sizeof m);
    ch_script_free(&r.s);
    /* the same shape, short enough, is accepted: the refusal was the length */
    ans.n = 0;
    put(&ans, RAW("\x01\x01\xFF\x07\x82\x01\x00"));
    put(&ans, filler, 0x100);
    memset(&r, 0, sizeof r);
    add_chained(&r, ans.b, ans.n);
    rig_start(&r);
    assert_int_equal(ch_piv_get_metadata(&r.ctx, 0x9A, &m), SCARD_S_SUCCESS);
    assert_int_equal(m.alg, 0xFF);
    ch_script_free(&r.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pin_and_management_key),
        cmocka_unit_test(test_ec_slots),
        cmocka_unit_test(test_rsa_slots),
        cmocka_unit_test(test_order_and_unknown_tags),
        cmocka_unit_test(test_malformed_flat),
        cmocka_unit_test(test_malformed_keys),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_get_metadata),
        cmocka_unit_test(test_get_metadata_rsa4096_chained),
        cmocka_unit_test(test_get_metadata_errors),
        cmocka_unit_test(test_get_metadata_overlong),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
