/* Malicious card answers reaching the file system and container code (bug-classes.md): every
 * one ends in a precise SCARD error, in bounded time and memory, with nothing leaked and the
 * caller's outputs untouched. The card is a script (src/transport/script.h): SELECT first, then
 * the answers in the order the module asks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "cardmod.h"
#include "host.h"
#include "script.h"

#define APT "\x61\x11\x4F\x06\x00\x00\x10\x00\x01\x00\x79\x07\x4F\x05\xA0\x00\x00\x03\x08\x90\x00"

typedef struct sb {
    uint8_t *p;
    size_t len, cap;
} sb;

static void sb_raw(sb *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

/* One R-APDU. */
static void answer(sb *b, const void *rapdu, size_t n)
{
    uint8_t hdr[2] = {(uint8_t)(n >> 8), (uint8_t)n};
    sb_raw(b, hdr, 2);
    sb_raw(b, rapdu, n);
}
#define ANSWER(b, lit) answer(b, lit, sizeof(lit) - 1)

/* A long answer as the card chunks it: 61xx blocks of 256 bytes, then the rest with 9000. */
static void answer_chunked(sb *b, const uint8_t *data, size_t n)
{
    uint8_t blk[258];
    size_t off = 0;
    while (n - off > 256) {
        memcpy(blk, data + off, 256);
        blk[256] = 0x61;
        blk[257] = (uint8_t)(n - off - 256 > 255 ? 0 : n - off - 256);
        answer(b, blk, 258);
        off += 256;
    }
    memcpy(blk, data + off, n - off);
    blk[n - off] = 0x90;
    blk[n - off + 1] = 0x00;
    answer(b, blk, n - off + 2);
}

typedef struct run {
    ch_host_csp csp;
    ch_script script;
} run;

static void start(run *r, sb *b)
{
    ch_host_alloc_reset();
    ch_script_init(&r->script, b->p, b->len);
    assert_true(ch_host_csp_init(&r->csp, 7, 7, ch_host_default_atr, ch_host_default_atr_len, 1,
                                 (uintptr_t)&r->script));
    assert_int_equal(CardAcquireContext(r->csp.cd, 0), SCARD_S_SUCCESS);
}

static void finish(run *r, sb *b)
{
    assert_int_equal(r->csp.cd->pfnCardDeleteContext(r->csp.cd), SCARD_S_SUCCESS);
    assert_int_equal(ch_host_alloc_live(), 0);
    assert_int_equal(ch_host_alloc_errors(), 0);
    ch_host_csp_free(&r->csp);
    ch_script_free(&r->script);
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* Reads dir/file against the script in b and checks the error and untouched outputs. */
static void read_fails(sb *b, const char *dir, const char *file, DWORD want)
{
    run r;
    PBYTE data = (PBYTE)0x1;
    DWORD len = 7;
    start(&r, b);
    assert_int_equal(r.csp.cd->pfnCardReadFile(r.csp.cd, (LPSTR)dir, (LPSTR)file, 0, &data, &len),
                     want);
    assert_ptr_equal(data, (PBYTE)0x1);
    assert_int_equal(len, 7);
    finish(&r, b);
}

/* The answers a card gives before the container map: no CHUID, serial, no cardcf. */
static void prefix(sb *b)
{
    ANSWER(b, APT);
    ANSWER(b, "\x6A\x82");
    ANSWER(b, "\x00\x98\x96\x81\x90\x00");
    ANSWER(b, "\x6A\x82");
}

static void test_cardid_tlv_longer_than_answer(void **state)
{
    sb b = {0};
    (void)state;
    ANSWER(&b, APT);
    ANSWER(&b, "\x53\x82\xFF\xFF\x34\x10\x01\x02\x90\x00"); /* 53 claims 65535 bytes */
    read_fails(&b, NULL, "cardid", SCARD_E_UNEXPECTED);
}

static void test_cardid_success_without_data(void **state)
{
    sb b = {0};
    (void)state;
    ANSWER(&b, APT);
    ANSWER(&b, "\x90\x00");
    read_fails(&b, NULL, "cardid", SCARD_E_UNEXPECTED);
    ANSWER(&b, APT); /* a serial shorter than 4 bytes */
    ANSWER(&b, "\x6A\x82");
    ANSWER(&b, "\x98\x96\x90\x00");
    read_fails(&b, NULL, "cardid", SCARD_E_UNEXPECTED);
    ANSWER(&b, APT); /* a GUID of 15 bytes */
    ANSWER(&b, "\x53\x11\x34\x0F\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F"
               "\x90\x00");
    read_fails(&b, NULL, "cardid", SCARD_E_UNEXPECTED);
}

static void test_endless_get_response(void **state)
{
    sb b = {0};
    (void)state;
    ANSWER(&b, APT);
    for (int i = 0; i < 200; i++)
        ANSWER(&b, "\x53\x61\x01");
    read_fails(&b, NULL, "cardid", SCARD_E_COMM_DATA_LOST);
}

static void test_cardcf_object_malformed(void **state)
{
    sb b = {0};
    (void)state;
    ANSWER(&b, APT);
    ANSWER(&b, "\x53\x04\xC0\x02\x00\x00\x90\x00"); /* shorter than the 6-byte header */
    read_fails(&b, NULL, "cardcf", SCARD_E_UNEXPECTED);
}

static void test_truncated_certificate_object(void **state)
{
    sb b = {0};
    (void)state;
    prefix(&b);
    ANSWER(&b, "\x6A\x82"); /* no container map */
    ANSWER(&b, "\x6A\x82"); /* no key history */
    ANSWER(&b, "\x53\x08\x70\x82\x03\x00\x30\x82\x02\xFC\x90\x00"); /* 70 claims 768 bytes */
    read_fails(&b, "mscp", "cmapfile", SCARD_E_UNEXPECTED);
}

static void test_certificate_not_der(void **state)
{
    sb b = {0};
    (void)state;
    prefix(&b);
    ANSWER(&b, "\x6A\x82");
    ANSWER(&b, "\x6A\x82");
    ANSWER(&b, "\x53\x0A\x70\x03\x30\x01\x00\x71\x01\x00\xFE\x00\x90\x00");
    read_fails(&b, "mscp", "cmapfile", SCARD_E_UNEXPECTED);
}

/* 1 MiB of zeros gzip-compressed to about a kilobyte: the module stops at 16 KiB. */
static void test_gzip_bomb_in_certinfo(void **state)
{
    const size_t big = 1u << 20;
    uint8_t *zeros = calloc(1, big), *z = malloc(4096), obj[4200];
    z_stream s;
    size_t zl, o = 0;
    sb b = {0};
    (void)state;

    assert_non_null(zeros);
    assert_non_null(z);
    memset(&s, 0, sizeof s);
    assert_int_equal(deflateInit2(&s, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
    s.next_in = zeros;
    s.avail_in = (uInt)big;
    s.next_out = z;
    s.avail_out = 4096;
    assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
    zl = s.total_out;
    deflateEnd(&s);
    assert_true(zl < 4000);
    obj[o++] = 0x53;
    obj[o++] = 0x82;
    obj[o++] = (uint8_t)((zl + 11) >> 8);
    obj[o++] = (uint8_t)(zl + 11);
    obj[o++] = 0x70;
    obj[o++] = 0x82;
    obj[o++] = (uint8_t)(zl >> 8);
    obj[o++] = (uint8_t)zl;
    memcpy(obj + o, z, zl);
    o += zl;
    memcpy(obj + o, "\x71\x01\x01\xFE\x00", 5);
    o += 5;
    prefix(&b);
    ANSWER(&b, "\x6A\x82");
    ANSWER(&b, "\x6A\x82");
    answer_chunked(&b, obj, o);
    read_fails(&b, "mscp", "cmapfile", SCARD_E_UNEXPECTED);
    free(zeros);
    free(z);
}

static void test_container_map_partial_record(void **state)
{
    sb b = {0};
    uint8_t obj[120] = {0x53, 0x73, 0x81, 0x71}; /* 113 bytes: one record and 6 more */
    (void)state;
    prefix(&b);
    obj[116] = 0x90;
    obj[117] = 0x00;
    answer(&b, obj, 118);
    read_fails(&b, "mscp", "cmapfile", SCARD_E_UNEXPECTED);
}

static void test_key_history_count_too_large(void **state)
{
    sb b = {0};
    (void)state;
    prefix(&b);
    ANSWER(&b, "\x6A\x82");
    ANSWER(&b, "\x53\x03\xC1\x01\x15\x90\x00"); /* 21 retired keys: there are 20 slots */
    read_fails(&b, "mscp", "cmapfile", SCARD_E_UNEXPECTED);
}

/* The card goes away mid-read: the error is the transport's, and the next call selects the
 * application again before doing anything else. */
static void test_card_removed_then_reselect(void **state)
{
    sb b = {0};
    run r;
    PBYTE data = NULL;
    DWORD len = 0;
    ch_cur sent;
    uint8_t ins = 0;
    (void)state;
    ANSWER(&b, APT);
    sb_raw(&b, "\xFF\x01", 2); /* the CHUID read: card reset (event 1) */
    ANSWER(&b, APT);           /* SELECT again */
    ANSWER(&b, "\x53\x12\x34\x10\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F"
               "\x10\x90\x00");
    start(&r, &b);
    assert_int_equal(r.csp.cd->pfnCardReadFile(r.csp.cd, NULL, (LPSTR) "cardid", 0, &data, &len),
                     SCARD_W_RESET_CARD);
    assert_int_equal(r.csp.cd->pfnCardReadFile(r.csp.cd, NULL, (LPSTR) "cardid", 0, &data, &len),
                     SCARD_S_SUCCESS);
    assert_int_equal(len, 16);
    assert_memory_equal(data, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F\x10",
                        16);
    r.csp.cd->pfnCspFree(data);
    assert_true(ch_script_sent(&r.script, 2, &sent));
    assert_true(ch_cur_skip(&sent, 1) && ch_cur_u8(&sent, &ins));
    assert_int_equal(ins, 0xA4); /* the third APDU is the new SELECT */
    finish(&r, &b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cardid_tlv_longer_than_answer),
        cmocka_unit_test(test_cardid_success_without_data),
        cmocka_unit_test(test_endless_get_response),
        cmocka_unit_test(test_cardcf_object_malformed),
        cmocka_unit_test(test_truncated_certificate_object),
        cmocka_unit_test(test_certificate_not_der),
        cmocka_unit_test(test_gzip_bomb_in_certinfo),
        cmocka_unit_test(test_container_map_partial_record),
        cmocka_unit_test(test_key_history_count_too_large),
        cmocka_unit_test(test_card_removed_then_reselect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
