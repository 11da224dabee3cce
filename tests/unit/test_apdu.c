/* The single transmit function: chaining, GET RESPONSE, 6Cxx, bounds, SW table, hook. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "apdu.h"
#include "scarderr.h"
#include "script.h"

typedef struct {
    ch_script s;
    ch_transport tp;
    ch_apdu_ctx ctx;
    uint8_t *script_buf;
} rig;

/* Script from a list of R-APDUs given as (len, bytes...) sequences. */
static void rig_init(rig *r, const uint8_t *script, size_t len)
{
    ch_script_init(&r->s, script, len);
    assert_int_equal(ch_transport_open(&r->tp, 1, (uintptr_t)&r->s), SCARD_S_SUCCESS);
    ch_apdu_ctx_init(&r->ctx, &r->tp);
}

static void rig_free(rig *r) { ch_script_free(&r->s); }

static void assert_sent(rig *r, unsigned i, const uint8_t *want, size_t len)
{
    ch_cur c;
    assert_true(ch_script_sent(&r->s, i, &c));
    assert_int_equal(ch_cur_left(&c), len);
    assert_memory_equal(ch_cur_peek_ptr(&c), want, len);
}

static void test_case1_and_case2(void **state)
{
    static const uint8_t script[] = {0x00, 0x02, 0x90, 0x00, 0x00, 0x04, 0xAB, 0xCD, 0x90, 0x00};
    uint8_t out[8];
    size_t n;
    uint16_t sw;
    rig r;
    ch_capdu c1 = {0x00, 0x20, 0x00, 0x80, NULL, 0, 0};
    ch_capdu c2 = {0x00, 0xFD, 0x00, 0x00, NULL, 0, 256};
    (void)state;
    rig_init(&r, script, sizeof script);
    assert_int_equal(ch_apdu_transmit(&r.ctx, &c1, out, sizeof out, &n, &sw), SCARD_S_SUCCESS);
    assert_int_equal(n, 0);
    assert_int_equal(sw, 0x9000);
    assert_sent(&r, 0, (const uint8_t[]){0x00, 0x20, 0x00, 0x80}, 4);
    assert_int_equal(ch_apdu_transmit(&r.ctx, &c2, out, sizeof out, &n, &sw), SCARD_S_SUCCESS);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "\xAB\xCD", 2);
    assert_sent(&r, 1, (const uint8_t[]){0x00, 0xFD, 0x00, 0x00, 0x00}, 5);
    assert_int_equal(r.ctx.sent, 2);
    rig_free(&r);
}

static void test_command_chaining(void **state)
{
    uint8_t data[600], out[4], block[4 + 1 + 255];
    uint8_t script[] = {0x00, 0x02, 0x90, 0x00, 0x00, 0x02, 0x90, 0x00, 0x00, 0x02, 0x90, 0x00};
    size_t n;
    uint16_t sw;
    rig r;
    ch_capdu c = {0x00, 0xDB, 0x3F, 0xFF, data, sizeof data, 0};
    (void)state;
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    rig_init(&r, script, sizeof script);
    assert_int_equal(ch_apdu_transmit(&r.ctx, &c, out, sizeof out, &n, &sw), SCARD_S_SUCCESS);
    assert_int_equal(r.s.exchanges, 3); /* 255 + 255 + 90 */
    memcpy(block, (const uint8_t[]){0x10, 0xDB, 0x3F, 0xFF, 0xFF}, 5);
    memcpy(block + 5, data, 255);
    assert_sent(&r, 0, block, sizeof block);
    memcpy(block + 5, data + 255, 255);
    assert_sent(&r, 1, block, sizeof block);
    memcpy(block, (const uint8_t[]){0x00, 0xDB, 0x3F, 0xFF, 90}, 5);
    memcpy(block + 5, data + 510, 90);
    assert_sent(&r, 2, block, 95);
    rig_free(&r);
}

static void test_chaining_refused_midway(void **state)
{
    uint8_t data[300], out[4];
    static const uint8_t script[] = {0x00, 0x02, 0x6A, 0x84};
    size_t n = 99;
    uint16_t sw;
    rig r;
    ch_capdu c = {0x00, 0xDB, 0x3F, 0xFF, data, sizeof data, 0};
    (void)state;
    memset(data, 0x11, sizeof data);
    rig_init(&r, script, sizeof script);
    assert_int_equal(ch_apdu_transmit(&r.ctx, &c, out, sizeof out, &n, &sw),
                     SCARD_E_WRITE_TOO_MANY);
    assert_int_equal(sw, 0x6A84);
    assert_int_equal(n, 0);
    assert_int_equal(r.s.exchanges, 1); /* the second block is never sent */
    rig_free(&r);
}

static void test_get_response_accumulates(void **state)
{
    static const uint8_t script[] = {0x00, 0x04, 0x01, 0x02, 0x61, 0x03,
                                     0x00, 0x05, 0x03, 0x04, 0x05, 0x61, 0x00,
                                     0x00, 0x03, 0x06, 0x90, 0x00};
    uint8_t out[16];
    size_t n;
    uint16_t sw;
    rig r;
    ch_capdu c = {0x00, 0xCB, 0x3F, 0xFF, (const uint8_t *)"\x5C\x01\x7E", 3, 256};
    (void)state;
    rig_init(&r, script, sizeof script);
    assert_int_equal(ch_apdu_transmit(&r.ctx, &c, out, sizeof out, &n, &sw), SCARD_S_SUCCESS);
    assert_int_equal(n, 6);
    assert_memory_equal(out, "\x01\x02\x03\x04\x05\x06", 6);
    assert_sent(&r, 1, (const uint8_t[]){0x00, 0xC0, 0x00, 0x00, 0x03}, 5);
    assert_sent(&r, 2, (const uint8_t[]){0x00, 0xC0, 0x00, 0x00, 0x00}, 5); /* 6100: 256 */
    rig_free(&r);
}

static void test_rounds_bounded(void **state)
{
    /* A card answering 61 01 + one byte forever: stopped at max_rounds, not at memory. */
    uint8_t script[5 * 200], out[1024];
    size_t n = 7;
    uint16_t sw = 7;
    rig r;
    ch_capdu c = {0x00, 0xCB, 0x3F, 0xFF, NULL, 0, 256};
    (void)state;
    for (size_t i = 0; i < 200; i++)
        memcpy(script + 5 * i, (const uint8_t[]){0x00, 0x03, 0xEE, 0x61, 0x01}, 5);
    rig_init(&r, script, sizeof script);
    r.ctx.max_rounds = 10;
    assert_int_equal(ch_apdu_transmit(&r.ctx, &c, out, sizeof out, &n, &sw),
                     SCARD_E_COMM_DATA_LOST);
    assert_int_equal(r.s.exchanges, 11);
    assert_int_equal(n, 0);
    assert_int_equal(sw, 0);
    for (size_t i = 0; i < 11; i++)
        assert_int_equal(out[i], 0); /* partial data wiped */
    rig_free(&r);
}

static void test_total_bounded(void **state)
{
    /* 61 FF claims more, each round brings 255 bytes: max_response 600 stops round 3. */
    uint8_t script[3 * 259], out[4096];
    size_t n;
    uint16_t sw;
    rig r;
    ch_capdu c = {0x00, 0xCB, 0x3F, 0xFF, NULL, 0, 256};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        uint8_t *e = script + 259 * i;
        e[0] = 0x01, e[1] = 0x01; /* 257 bytes: 255 data + 61 FF */
        memset(e + 2, 0x5A, 255);
        e[257] = 0x61, e[258] = 0xFF;
    }
    rig_init(&r, script, sizeof script);
    r.ctx.max_response = 600;
    assert_int_equal(ch_apdu_transmit(&r.ctx, &c, out, sizeof out, &n, &sw),
                     SCARD_E_COMM_DATA_LOST);
    assert_int_equal(n, 0);
    rig_free(&r);
}

static void test_caller_buffer_short(void **state)
{
    static const uint8_t script[] = {0x00, 0x05, 1, 2, 3, 0x90, 0x00};
    uint8_t out[2];
    size_t n;
    uint16_t sw;
    rig r;
    ch_capdu c = {0x00, 0xCB, 0x3F, 0xFF, NULL, 0, 256};
    (void)state;
    rig_init(&r, script, sizeof script);
    assert_int_equal(ch_apdu_transmit(&r.ctx, &c, out, sizeof out, &n, &sw),
                     SCARD_E_INSUFFICIENT_BUFFER);
    assert_int_equal(n, 0);
    rig_free(&r);
}

static void test_wrong_le_retry(void **state)
{
    static const uint8_t script[] = {0x00, 0x02, 0x6C, 0x02, 0x00, 0x04, 0xAA, 0xBB, 0x90, 0x00};
    uint8_t out[4];
    size_t n;
    uint16_t sw;
    rig r;
    ch_capdu c = {0x00, 0xCA, 0x01, 0x02, NULL, 0, 0}; /* no Le: the retry adds one */
    (void)state;
    rig_init(&r, script, sizeof script);
    assert_int_equal(ch_apdu_transmit(&r.ctx, &c, out, sizeof out, &n, &sw), SCARD_S_SUCCESS);
    assert_int_equal(n, 2);
    assert_sent(&r, 1, (const uint8_t[]){0x00, 0xCA, 0x01, 0x02, 0x02}, 5);
    rig_free(&r);
}

static void test_malformed_and_transport_errors(void **state)
{
    static const uint8_t one_byte[] = {0x00, 0x01, 0x90};
    static const uint8_t reset[] = {0xFF, 0x01};
    uint8_t out[4];
    size_t n;
    uint16_t sw;
    rig r;
    ch_capdu c = {0x00, 0xCA, 0x01, 0x02, NULL, 0, 256};
    (void)state;
    rig_init(&r, one_byte, sizeof one_byte);
    assert_int_equal(ch_apdu_transmit(&r.ctx, &c, out, sizeof out, &n, &sw),
                     SCARD_E_COMM_DATA_LOST);
    rig_free(&r);
    rig_init(&r, reset, sizeof reset);
    assert_int_equal(ch_apdu_transmit(&r.ctx, &c, out, sizeof out, &n, &sw), SCARD_W_RESET_CARD);
    rig_free(&r);
    rig_init(&r, NULL, 0);
    r.s.fail_at = 1;
    r.s.fail_code = SCARD_E_COMM_DATA_LOST;
    assert_int_equal(ch_apdu_transmit(&r.ctx, &c, out, sizeof out, &n, &sw),
                     SCARD_E_COMM_DATA_LOST);
    rig_free(&r);
}

static void test_parameter_checks_send_nothing(void **state)
{
    uint8_t out[4];
    size_t n;
    uint16_t sw;
    rig r;
    ch_capdu bad_le = {0x00, 0xCA, 0, 0, NULL, 0, 257};
    ch_capdu chained_cla = {0x10, 0xCA, 0, 0, NULL, 0, 0};
    ch_capdu null_data = {0x00, 0xCA, 0, 0, NULL, 3, 0};
    (void)state;
    rig_init(&r, NULL, 0);
    assert_int_equal(ch_apdu_transmit(&r.ctx, &bad_le, out, 4, &n, &sw), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_apdu_transmit(&r.ctx, &chained_cla, out, 4, &n, &sw),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_apdu_transmit(&r.ctx, &null_data, out, 4, &n, &sw),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_apdu_transmit(&r.ctx, &bad_le, NULL, 4, &n, &sw), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(r.s.exchanges, 0);
    rig_free(&r);
}

static void test_sw_table(void **state)
{
    (void)state;
    assert_int_equal(ch_sw_to_scard(0x9000), SCARD_S_SUCCESS);
    assert_int_equal(ch_sw_to_scard(0x63C2), SCARD_W_WRONG_CHV);
    assert_int_equal(ch_sw_to_scard(0x63C0), SCARD_W_CHV_BLOCKED);
    assert_int_equal(ch_sw_to_scard(0x6983), SCARD_W_CHV_BLOCKED);
    assert_int_equal(ch_sw_to_scard(0x6982), SCARD_W_SECURITY_VIOLATION);
    assert_int_equal(ch_sw_to_scard(0x6A80), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_sw_to_scard(0x6A82), SCARD_E_FILE_NOT_FOUND);
    assert_int_equal(ch_sw_to_scard(0x6A84), SCARD_E_WRITE_TOO_MANY);
    assert_int_equal(ch_sw_to_scard(0x6D00), SCARD_E_UNSUPPORTED_FEATURE);
    assert_int_equal(ch_sw_to_scard(0x6F00), SCARD_E_UNEXPECTED);
    assert_int_equal(ch_sw_to_scard(0x9001), SCARD_E_UNEXPECTED);
    assert_int_equal(ch_sw_to_scard(0x6110), SCARD_E_COMM_DATA_LOST);
    assert_string_equal(ch_sw_name(0x6A82), "NOT_FOUND");
    assert_string_equal(ch_sw_name(0x1234), "UNKNOWN");
}

typedef struct {
    unsigned calls;
    size_t last_c, last_r;
    uint32_t last_rc;
} hook_log;

static void hook(void *ctx, const uint8_t *capdu, size_t cl, const uint8_t *rapdu, size_t rl,
                 uint32_t rc)
{
    hook_log *h = ctx;
    (void)capdu;
    h->calls++;
    h->last_c = cl;
    h->last_r = rapdu ? rl : 0;
    h->last_rc = rc;
}

static void test_transcript_hook(void **state)
{
    static const uint8_t script[] = {0x00, 0x02, 0x61, 0x01, 0x00, 0x03, 0x42, 0x90, 0x00, 0xFF, 0x02};
    uint8_t out[4];
    size_t n;
    uint16_t sw;
    hook_log h = {0};
    rig r;
    ch_capdu c = {0x00, 0xCA, 0x01, 0x02, NULL, 0, 256};
    (void)state;
    rig_init(&r, script, sizeof script);
    r.ctx.hook = hook;
    r.ctx.hook_ctx = &h;
    assert_int_equal(ch_apdu_transmit(&r.ctx, &c, out, sizeof out, &n, &sw), SCARD_S_SUCCESS);
    assert_int_equal(h.calls, 2);
    assert_int_equal(h.last_r, 3);
    assert_int_equal(ch_apdu_transmit(&r.ctx, &c, out, sizeof out, &n, &sw), SCARD_W_REMOVED_CARD);
    assert_int_equal(h.calls, 3);
    assert_int_equal(h.last_rc, SCARD_W_REMOVED_CARD);
    assert_int_equal(h.last_r, 0);
    rig_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case1_and_case2),
        cmocka_unit_test(test_command_chaining),
        cmocka_unit_test(test_chaining_refused_midway),
        cmocka_unit_test(test_get_response_accumulates),
        cmocka_unit_test(test_rounds_bounded),
        cmocka_unit_test(test_total_bounded),
        cmocka_unit_test(test_caller_buffer_short),
        cmocka_unit_test(test_wrong_le_retry),
        cmocka_unit_test(test_malformed_and_transport_errors),
        cmocka_unit_test(test_parameter_checks_send_nothing),
        cmocka_unit_test(test_sw_table),
        cmocka_unit_test(test_transcript_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
