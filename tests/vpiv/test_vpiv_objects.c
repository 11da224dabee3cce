/* vpiv: data objects (GET DATA, PUT DATA) and the YubiKey GET VERSION / GET SERIAL,
 * driven only through vpiv_process with raw APDUs: command chaining in, 61xx / GET RESPONSE
 * out. The internal header is used to set the management key as authenticated (its handlers
 * are tested elsewhere). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpiv.h"
#include "vpiv_internal.h"
#include "vpiv_test_apdu.h"

/* PUT DATA tag (3 bytes) with content of len bytes. */
static uint16_t put_object(vpiv_card *card, uint32_t tag, const uint8_t *content, size_t len)
{
    static uint8_t buf[VPIV_MAX_COMMAND];
    size_t n = 0;
    uint16_t sw;
    buf[n++] = 0x5C;
    buf[n++] = 0x03;
    buf[n++] = (uint8_t)(tag >> 16);
    buf[n++] = (uint8_t)(tag >> 8);
    buf[n++] = (uint8_t)tag;
    assert_true(vpiv_put_tlv(buf, sizeof buf, &n, 0x53, content, len));
    sw = vt_chain(card, 0xDB, 0x3F, 0xFF, buf, n, true, NULL, 0, NULL);
    return sw;
}

/* GET DATA tag (3 bytes): SW, and the content of 53 (checked to be well formed). */
static uint16_t get_object(vpiv_card *card, uint32_t tag, uint8_t *content, size_t *len)
{
    static uint8_t resp[VPIV_MAX_RESPONSE];
    uint8_t q[5] = {0x5C, 0x03, (uint8_t)(tag >> 16), (uint8_t)(tag >> 8), (uint8_t)tag};
    size_t n = 0;
    uint16_t sw = vt_chain(card, 0xCB, 0x3F, 0xFF, q, sizeof q, true, resp, sizeof resp, &n);
    if (sw == 0x9000) {
        ch_cur c, v;
        uint32_t t;
        ch_cur_init(&c, resp, n);
        assert_true(ch_cur_tlv(&c, &t, &v));
        assert_int_equal(t, 0x53);
        assert_true(ch_cur_empty(&c));
        *len = ch_cur_left(&v);
        assert_true(ch_cur_bytes(&v, content, *len));
    } else {
        assert_int_equal(n, 0);
    }
    return sw;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 7 + (i >> 8));
}

static int setup(void **state)
{
    vpiv_card *card = vpiv_new(NULL, NULL);
    if (!card)
        return -1;
    *state = card;
    TX(card, SELECT, 0x9000);
    return 0;
}

static int teardown(void **state)
{
    vpiv_free(*state);
    return 0;
}

#define DISCOVERY "7E 12 4F 0B A0 00 00 03 08 00 00 10 00 01 00 5F 2F 02 40 00"

static void test_discovery_object(void **state)
{
    vpiv_card *card = *state;
    TXD(card, "00 CB 3F FF 03 5C 01 7E 00", 0x9000, DISCOVERY);
    TXD(card, "00 CB 3F FF 03 5C 01 7E", 0x9000, DISCOVERY);
    /* built in and read-only */
    card->mgm_authenticated = true;
    TX(card, "00 DB 3F FF 07 5C 01 7E 53 02 01 02", 0x6A80);
    TX(card, "00 DB 3F FF 05 5C 01 7E 53 00", 0x6A80);
    TXD(card, "00 CB 3F FF 03 5C 01 7E 00", 0x9000, DISCOVERY);
    /* 7E in a longer tag field is not 7E */
    TX(card, "00 CB 3F FF 04 5C 02 00 7E", 0x6A82);
    TX(card, "00 CB 3F FF 05 5C 03 00 00 7E", 0x6A82);
}

static void test_get_absent_and_invalid(void **state)
{
    vpiv_card *card = *state;
    TX(card, "00 CB 3F FF 05 5C 03 5F C1 05 00", 0x6A82); /* valid, absent */
    TX(card, "00 CB 3F FF 05 5C 03 5F C1 01", 0x6A82);
    TX(card, "00 CB 3F FF 05 5C 03 5F C1 23", 0x6A82);
    TX(card, "00 CB 3F FF 05 5C 03 5F FF 00", 0x6A82);
    TX(card, "00 CB 3F FF 04 5C 02 7F 61", 0x6A82);
    /* not tags of this card */
    TX(card, "00 CB 3F FF 05 5C 03 5F C1 00", 0x6A82);
    TX(card, "00 CB 3F FF 05 5C 03 5F C1 24", 0x6A82);
    TX(card, "00 CB 3F FF 05 5C 03 5F FF 16", 0x6A82);
    TX(card, "00 CB 3F FF 05 5C 03 5F C2 05", 0x6A82);
    TX(card, "00 CB 3F FF 04 5C 02 7F 62", 0x6A82);
    TX(card, "00 CB 3F FF 03 5C 01 7F", 0x6A82);
    TX(card, "00 CB 3F FF 03 5C 01 53", 0x6A82);
    /* P1 P2 */
    TX(card, "00 CB 3F FE 05 5C 03 5F C1 05", 0x6A86);
    TX(card, "00 CB 00 00 05 5C 03 5F C1 05", 0x6A86);
    /* malformed tag lists */
    TX(card, "00 CB 3F FF", 0x6A80);
    TX(card, "00 CB 3F FF 00", 0x6A80); /* Le only: no data */
    TX(card, "00 CB 3F FF 02 5C 00", 0x6A80);
    TX(card, "00 CB 3F FF 06 5C 04 5F C1 05 00", 0x6A80);
    TX(card, "00 CB 3F FF 05 5D 03 5F C1 05", 0x6A80);
    TX(card, "00 CB 3F FF 05 5C 04 5F C1 05", 0x6A80); /* runs past the data */
    TX(card, "00 CB 3F FF 06 5C 03 5F C1 05 00", 0x6A80); /* trailing byte */
    TX(card, "00 CB 3F FF 07 5C 81 03 5F C1 05 FF", 0x6A80);
    TX(card, "00 CB 3F FF 02 5C 80", 0x6A80);
}

static void test_put_needs_management_key(void **state)
{
    vpiv_card *card = *state;
    static const uint8_t one[1] = {0x42};
    uint8_t got[8];
    size_t n;
    TX(card, "00 DB 3F FF 0A 5C 03 5F C1 02 53 03 01 02 03", 0x6982);
    TX(card, VERIFY(PIN_DEF), 0x9000);
    TX(card, "00 DB 3F FF 0A 5C 03 5F C1 02 53 03 01 02 03", 0x6982);
    TX(card, "00 DB 3F FF 02 5C 00", 0x6982); /* security first */
    assert_int_equal(put_object(card, 0x5FC102, one, 1), 0x6982);
    assert_int_equal(get_object(card, 0x5FC102, got, &n), 0x6A82);
    card->mgm_authenticated = true;
    TX(card, "00 DB 3F FF 0A 5C 03 5F C1 02 53 03 01 02 03", 0x9000);
    TXD(card, "00 CB 3F FF 05 5C 03 5F C1 02 00", 0x9000, "53 03 01 02 03");
    vpiv_power(card, VPIV_RESET); /* ends the management key session */
    TX(card, SELECT, 0x9000);
    TX(card, "00 DB 3F FF 0A 5C 03 5F C1 02 53 03 04 05 06", 0x6982);
    TXD(card, "00 CB 3F FF 05 5C 03 5F C1 02 00", 0x9000, "53 03 01 02 03");
}

static void test_put_get_delete(void **state)
{
    vpiv_card *card = *state;
    uint8_t data[200], got[VPIV_MAX_OBJECT];
    size_t n;

    card->mgm_authenticated = true;
    fill(data, sizeof data, 3);
    assert_int_equal(put_object(card, 0x5FC105, data, sizeof data), 0x9000);
    assert_int_equal(get_object(card, 0x5FC105, got, &n), 0x9000);
    assert_int_equal(n, sizeof data);
    assert_memory_equal(got, data, n);
    /* long form length in the answer: 53 81 C8 */
    {
        uint8_t resp[300];
        size_t rn;
        static const uint8_t q[5] = {0x5C, 0x03, 0x5F, 0xC1, 0x05};
        assert_int_equal(vt_chain(card, 0xCB, 0x3F, 0xFF, q, 5, true, resp, sizeof resp, &rn),
                         0x9000);
        assert_int_equal(rn, 3 + sizeof data);
        assert_int_equal(resp[0], 0x53);
        assert_int_equal(resp[1], 0x81);
        assert_int_equal(resp[2], 200);
    }
    /* replace */
    assert_int_equal(put_object(card, 0x5FC105, data + 10, 17), 0x9000);
    assert_int_equal(get_object(card, 0x5FC105, got, &n), 0x9000);
    assert_int_equal(n, 17);
    assert_memory_equal(got, data + 10, 17);
    assert_int_equal(card->n_objects, 1);
    /* others */
    assert_int_equal(put_object(card, 0x5FC101, data, 1), 0x9000);
    assert_int_equal(put_object(card, 0x5FFF00, data, 5), 0x9000);
    assert_int_equal(put_object(card, 0x5FFF15, data, 6), 0x9000);
    TX(card, "00 DB 3F FF 08 5C 02 7F 61 53 02 AA BB", 0x9000);
    TXD(card, "00 CB 3F FF 04 5C 02 7F 61 00", 0x9000, "53 02 AA BB");
    /* 53 with a long-form length that is short: fine */
    TX(card, "00 DB 3F FF 0A 5C 03 5F C1 0C 53 81 02 C1 00", 0x9000);
    TXD(card, "00 CB 3F FF 05 5C 03 5F C1 0C", 0x9000, "53 02 C1 00");
    /* delete with 53 00 */
    TX(card, "00 DB 3F FF 07 5C 03 5F C1 05 53 00", 0x9000);
    assert_int_equal(get_object(card, 0x5FC105, got, &n), 0x6A82);
    TX(card, "00 DB 3F FF 07 5C 03 5F C1 05 53 00", 0x9000); /* deleting the absent: fine */
    TX(card, "00 DB 3F FF 07 5C 03 5F C1 06 53 00", 0x9000);
    assert_int_equal(card->n_objects, 5);
    /* the others are still there */
    assert_int_equal(get_object(card, 0x5FC101, got, &n), 0x9000);
    assert_int_equal(n, 1);
    assert_int_equal(get_object(card, 0x5FFF15, got, &n), 0x9000);
    assert_int_equal(n, 6);
    TX(card, "00 DB 3F FF 06 5C 02 7F 61 53 00", 0x9000);
    TX(card, "00 CB 3F FF 04 5C 02 7F 61", 0x6A82);
    /* objects stay through a power cycle (persistent state) */
    vpiv_power(card, VPIV_POWER_OFF);
    vpiv_power(card, VPIV_POWER_ON);
    TX(card, SELECT, 0x9000);
    assert_int_equal(get_object(card, 0x5FFF00, got, &n), 0x9000);
    assert_int_equal(n, 5);
    assert_memory_equal(got, data, 5);
}

static void test_put_malformed(void **state)
{
    vpiv_card *card = *state;
    card->mgm_authenticated = true;
    TX(card, "00 DB 3F FE 0A 5C 03 5F C1 02 53 03 01 02 03", 0x6A86);
    TX(card, "00 DB 00 00 0A 5C 03 5F C1 02 53 03 01 02 03", 0x6A86);
    TX(card, "00 DB 3F FF", 0x6A80);
    TX(card, "00 DB 3F FF 05 5C 03 5F C1 02", 0x6A80);                  /* no 53 */
    TX(card, "00 DB 3F FF 0A 5C 03 5F C1 02 54 03 01 02 03", 0x6A80);   /* not 53 */
    TX(card, "00 DB 3F FF 0A 5C 03 5F C1 02 53 04 01 02 03", 0x6A80);   /* short */
    TX(card, "00 DB 3F FF 0A 5C 03 5F C1 02 53 02 01 02 03", 0x6A80);   /* trailing */
    TX(card, "00 DB 3F FF 07 5C 03 5F C1 02 53 80", 0x6A80);            /* indefinite */
    TX(card, "00 DB 3F FF 06 5C 03 5F C1 02 53", 0x6A80);
    TX(card, "00 DB 3F FF 0A 5C 00 53 03 01 02 03 04 05 06", 0x6A80);
    TX(card, "00 DB 3F FF 0A 53 03 01 02 03 5C 03 5F C1 02", 0x6A80);   /* reversed */
    /* tags this card does not know */
    TX(card, "00 DB 3F FF 0A 5C 03 5F C1 24 53 03 01 02 03", 0x6A80);
    TX(card, "00 DB 3F FF 0A 5C 03 5F C1 00 53 03 01 02 03", 0x6A80);
    TX(card, "00 DB 3F FF 0A 5C 03 5F FF 16 53 03 01 02 03", 0x6A80);
    TX(card, "00 DB 3F FF 09 5C 02 7F 62 53 03 01 02 03", 0x6A80);
    TX(card, "00 DB 3F FF 0A 5C 03 00 00 7E 53 03 01 02 03", 0x6A80);
    TX(card, "00 DB 3F FF 0B 5C 04 5F C1 02 00 53 03 01 02 03", 0x6A80);
    assert_int_equal(card->n_objects, 0);
}

static void test_big_object_through_chaining(void **state)
{
    vpiv_card *card = *state;
    static uint8_t data[3000], got[VPIV_MAX_OBJECT];
    static uint8_t resp[VPIV_MAX_RESPONSE];
    static const uint8_t q[5] = {0x5C, 0x03, 0x5F, 0xC1, 0x05};
    size_t n, rn;

    card->mgm_authenticated = true;
    fill(data, sizeof data, 0x55);
    assert_int_equal(put_object(card, 0x5FC105, data, sizeof data), 0x9000);
    assert_int_equal(get_object(card, 0x5FC105, got, &n), 0x9000);
    assert_int_equal(n, sizeof data);
    assert_memory_equal(got, data, sizeof data);
    /* the raw answer: 53 82 0B B8, then the content */
    assert_int_equal(vt_chain(card, 0xCB, 0x3F, 0xFF, q, 5, true, resp, sizeof resp, &rn), 0x9000);
    assert_int_equal(rn, 4 + sizeof data);
    assert_int_equal(resp[0], 0x53);
    assert_int_equal(resp[1], 0x82);
    assert_int_equal(resp[2], 0x0B);
    assert_int_equal(resp[3], 0xB8);
    assert_memory_equal(resp + 4, data, sizeof data);

    /* the 61xx sequence itself: 11 blocks of 256 with 61 00, then 188 bytes */
    {
        uint8_t apdu[11] = {0x00, 0xCB, 0x3F, 0xFF, 0x05, 0x5C, 0x03, 0x5F, 0xC1, 0x05, 0x00};
        uint8_t chunk[VPIV_MAX_RAPDU];
        static const uint8_t gr[5] = {0x00, 0xC0, 0x00, 0x00, 0x00};
        uint8_t gr_last[5] = {0x00, 0xC0, 0x00, 0x00, 0xBC};
        uint16_t sw = vt_xfer_raw(card, apdu, sizeof apdu, chunk, &n);
        assert_int_equal(n, 256);
        assert_int_equal(sw, 0x6100);
        for (int i = 0; i < 9; i++) {
            sw = vt_xfer_raw(card, gr, sizeof gr, chunk, &n);
            assert_int_equal(n, 256);
            assert_int_equal(sw, 0x6100);
        }
        sw = vt_xfer_raw(card, gr, sizeof gr, chunk, &n);
        assert_int_equal(n, 256);
        assert_int_equal(sw, 0x61BC);
        sw = vt_xfer_raw(card, gr_last, sizeof gr_last, chunk, &n);
        assert_int_equal(n, 0xBC);
        assert_int_equal(sw, 0x9000);
        assert_memory_equal(chunk, data + sizeof data - 0xBC, 0xBC);
        /* nothing left */
        sw = vt_xfer_raw(card, gr, sizeof gr, chunk, &n);
        assert_int_equal(sw, 0x6985);
    }
    /* a PUT chain broken by another command writes nothing */
    TX(card, "10 DB 3F FF 09 5C 03 5F C1 05 53 82 01 00", 0x9000);
    TX(card, "00 FD 00 00", 0x6883);
    assert_int_equal(get_object(card, 0x5FC105, got, &n), 0x9000);
    assert_int_equal(n, sizeof data);
    assert_memory_equal(got, data, sizeof data);
}

static void test_object_size_limit(void **state)
{
    vpiv_card *card = *state;
    static uint8_t data[VPIV_MAX_OBJECT + 2], got[VPIV_MAX_OBJECT];
    size_t n;

    card->mgm_authenticated = true;
    fill(data, sizeof data, 9);
    assert_int_equal(put_object(card, 0x5FC10A, data, VPIV_MAX_OBJECT), 0x9000);
    assert_int_equal(get_object(card, 0x5FC10A, got, &n), 0x9000);
    assert_int_equal(n, VPIV_MAX_OBJECT);
    assert_memory_equal(got, data, n);
    assert_int_equal(put_object(card, 0x5FC10A, data + 1, VPIV_MAX_OBJECT + 1), 0x6A84);
    assert_int_equal(put_object(card, 0x5FC10B, data, VPIV_MAX_OBJECT + 1), 0x6A84);
    assert_int_equal(get_object(card, 0x5FC10B, got, &n), 0x6A82);
    assert_int_equal(get_object(card, 0x5FC10A, got, &n), 0x9000); /* the old one stays */
    assert_int_equal(n, VPIV_MAX_OBJECT);
    assert_memory_equal(got, data, n);
    /* a declared length over the limit, whatever follows */
    TX(card, "00 DB 3F FF 0B 5C 03 5F C1 02 53 82 0B ED 01 02", 0x6A84);
    TX(card, "00 DB 3F FF 0B 5C 03 5F C1 02 53 84 FF FF FF FF", 0x6A84);
}

static void test_object_table_full(void **state)
{
    vpiv_card *card = *state;
    uint8_t v[4] = {1, 2, 3, 4}, got[8];
    size_t n;
    uint32_t tags[VPIV_MAX_OBJECTS + 1];
    size_t k = 0;

    card->mgm_authenticated = true;
    TX(card, VERIFY(PIN_DEF), 0x9000); /* some tags need the PIN */
    for (uint32_t t = 0x5FC101; t <= 0x5FC123 && k < VPIV_MAX_OBJECTS + 1; t++)
        tags[k++] = t;
    for (uint32_t t = 0x5FFF00; t <= 0x5FFF15 && k < VPIV_MAX_OBJECTS + 1; t++)
        tags[k++] = t;
    assert_int_equal(k, VPIV_MAX_OBJECTS + 1);
    for (size_t i = 0; i < VPIV_MAX_OBJECTS; i++) {
        v[0] = (uint8_t)i;
        assert_int_equal(put_object(card, tags[i], v, sizeof v), 0x9000);
    }
    assert_int_equal(put_object(card, tags[VPIV_MAX_OBJECTS], v, sizeof v), 0x6A84);
    TX(card, "00 DB 3F FF 08 5C 02 7F 61 53 02 AA BB", 0x6A84);
    /* replacing and deleting still work when full */
    v[0] = 0xEE;
    assert_int_equal(put_object(card, tags[7], v, 2), 0x9000);
    assert_int_equal(put_object(card, tags[3], v, 0), 0x9000);
    assert_int_equal(put_object(card, tags[VPIV_MAX_OBJECTS], v, sizeof v), 0x9000);
    assert_int_equal(put_object(card, tags[3], v, 1), 0x6A84);
    assert_int_equal(get_object(card, tags[7], got, &n), 0x9000);
    assert_int_equal(n, 2);
    assert_int_equal(got[0], 0xEE);
    for (size_t i = 0; i <= VPIV_MAX_OBJECTS; i++) {
        uint16_t sw = get_object(card, tags[i], got, &n);
        if (i == 3) {
            assert_int_equal(sw, 0x6A82);
        } else {
            assert_int_equal(sw, 0x9000);
            if (i != 7 && i != VPIV_MAX_OBJECTS)
                assert_int_equal(got[0], (uint8_t)i);
        }
    }
}

static void test_pin_protected_objects(void **state)
{
    vpiv_card *card = *state;
    static const uint32_t protected_tags[] = {0x5FC103, 0x5FC108, 0x5FC109, 0x5FC121};
    uint8_t v[3] = {7, 8, 9}, got[8];
    size_t n;

    card->mgm_authenticated = true;
    /* absent and protected: 6982 first, 6A82 once the PIN is verified */
    assert_int_equal(get_object(card, 0x5FC103, got, &n), 0x6982);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(put_object(card, protected_tags[i], v, sizeof v), 0x9000);
    assert_int_equal(put_object(card, 0x5FC102, v, sizeof v), 0x9000); /* CHUID: free */
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(get_object(card, protected_tags[i], got, &n), 0x6982);
    assert_int_equal(get_object(card, 0x5FC102, got, &n), 0x9000);
    TX(card, VERIFY(PIN_DEF), 0x9000);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(get_object(card, protected_tags[i], got, &n), 0x9000);
        assert_int_equal(n, 3);
        assert_memory_equal(got, v, 3);
    }
    TX(card, "00 20 FF 80", 0x9000);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(get_object(card, protected_tags[i], got, &n), 0x6982);
    TX(card, VERIFY(PIN_DEF), 0x9000);
    TX(card, "00 DB 3F FF 07 5C 03 5F C1 08 53 00", 0x9000);
    assert_int_equal(get_object(card, 0x5FC108, got, &n), 0x6A82);
}

static void test_version_and_serial(void **state)
{
    vpiv_card *card = *state;
    TXD(card, "00 FD 00 00", 0x9000, "05 04 03");
    TXD(card, "00 FD 00 00 00", 0x9000, "05 04 03");
    TXD(card, "00 FD 00 00 02", 0x6101, "05 04"); /* Le 2: the dispatcher chains the rest */
    TXD(card, "00 C0 00 00 01", 0x9000, "03");
    TXD(card, "00 F8 00 00", 0x9000, "00 98 96 81");
    card->serial = 0xDEADBEEF;
    TXD(card, "00 F8 00 00 04", 0x9000, "DE AD BE EF");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_discovery_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_absent_and_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_needs_management_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_get_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_object_through_chaining, setup, teardown),
        cmocka_unit_test_setup_teardown(test_object_size_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_object_table_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pin_protected_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_and_serial, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
