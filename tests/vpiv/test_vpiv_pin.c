/* vpiv: PIN and PUK commands (VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER,
 * SET PIN RETRIES, RESET) and the session rules around them (SELECT, power events),
 * driven only through vpiv_process with raw APDUs. The internal header is used to set the
 * management key as authenticated (its handlers are tested elsewhere) and to peek at flags. */
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

/* ---- APDUs (SELECT, the PINs, VERIFY, UNBLOCK: vpiv_test_apdu.h) ---- */

/* SELECT's answer: the application property template */
#define APT "61 11 4F 06 00 00 10 00 01 00 79 07 4F 05 A0 00 00 03 08"

#define UNVERIFY "00 20 FF 80"
#define CHANGE_PIN(old, new) "00 24 00 80 10 " old " " new
#define CHANGE_PUK(old, new) "00 24 00 81 10 " old " " new
#define RESET "00 FB 00 00"

static int setup(void **state)
{
    vpiv_card *card = vpiv_new(NULL, NULL);
    if (!card)
        return -1;
    *state = card;
    TXD(card, SELECT, 0x9000, APT);
    return 0;
}

static int teardown(void **state)
{
    vpiv_free(*state);
    return 0;
}

static void block_pin(vpiv_card *card)
{
    TX(card, VERIFY(WRONG), 0x63C2);
    TX(card, VERIFY(WRONG), 0x63C1);
    TX(card, VERIFY(WRONG), 0x63C0);
    TX(card, VERIFY_EMPTY, 0x6983);
}

static void block_puk(vpiv_card *card)
{
    TX(card, CHANGE_PUK(WRONG, PUK_NEW), 0x63C2);
    TX(card, CHANGE_PUK(WRONG, PUK_NEW), 0x63C1);
    TX(card, CHANGE_PUK(WRONG, PUK_NEW), 0x63C0);
    TX(card, CHANGE_PUK(PUK_DEF, PUK_NEW), 0x6983);
}

/* ---- session ---- */

static void test_before_select(void **state)
{
    vpiv_card *card = vpiv_new(NULL, NULL);
    (void)state;
    assert_non_null(card);
    TX(card, VERIFY(PIN_DEF), 0x6D00);
    TX(card, VERIFY_EMPTY, 0x6D00);
    TX(card, "00 FD 00 00", 0x6D00);
    TX(card, "00 CB 3F FF 03 5C 01 7E 00", 0x6D00);
    /* another AID does not select PIV either */
    TX(card, "00 A4 04 00 05 A0 00 00 05 27", 0x6A82);
    TX(card, VERIFY(PIN_DEF), 0x6D00);
    /* the card is untouched: still 3 tries */
    TXD(card, "00 A4 04 00 05 A0 00 00 03 08", 0x9000, APT); /* truncated AID: the RID */
    TX(card, VERIFY_EMPTY, 0x63C3);
    TX(card, VERIFY(PIN_DEF), 0x9000);
    vpiv_free(card);
}

static void test_select_truncated_aid(void **state)
{
    vpiv_card *card = vpiv_new(NULL, NULL);
    (void)state;
    assert_non_null(card);
    TXD(card, "00 A4 04 00 05 A0 00 00 03 08 00", 0x9000, APT);
    TXD(card, "00 FD 00 00", 0x9000, "05 04 03");
    TXD(card, "00 A4 04 00 0B A0 00 00 03 08 00 00 10 00 01 00", 0x9000, APT);
    TX(card, "00 A4 04 00 04 A0 00 00 03", 0x6A82); /* shorter than the RID */
    TX(card, "00 FD 00 00", 0x6D00);
    vpiv_free(card);
}

static void test_power_reset_clears_verification(void **state)
{
    vpiv_card *card = *state;
    TX(card, VERIFY(PIN_DEF), 0x9000);
    TX(card, VERIFY_EMPTY, 0x9000);
    vpiv_power(card, VPIV_RESET);
    TX(card, VERIFY_EMPTY, 0x6D00); /* deselected */
    TX(card, SELECT, 0x9000);
    TX(card, VERIFY_EMPTY, 0x63C3);
    TX(card, VERIFY(PIN_DEF), 0x9000);
    vpiv_power(card, VPIV_POWER_OFF);
    vpiv_power(card, VPIV_POWER_ON);
    TX(card, SELECT, 0x9000);
    TX(card, VERIFY_EMPTY, 0x63C3);
    /* like a YubiKey, re-selecting ends the verification too (libykpiv >= 2.3 relies on it) */
    TX(card, VERIFY(PIN_DEF), 0x9000);
    TX(card, SELECT, 0x9000);
    TX(card, VERIFY_EMPTY, 0x63C3);
}

/* ---- VERIFY ---- */

static void test_verify_default_pin(void **state)
{
    vpiv_card *card = *state;
    TX(card, VERIFY_EMPTY, 0x63C3);
    TX(card, VERIFY(PIN_DEF), 0x9000);
    TX(card, VERIFY_EMPTY, 0x9000);
    assert_true(card->pin_verified);
    assert_true(card->pin_always_ok);
    TX(card, "00 20 00 80 08 " PIN_DEF " 00", 0x9000); /* with Le */
}

static void test_verify_wrong_pins_block(void **state)
{
    vpiv_card *card = *state;
    TX(card, VERIFY(WRONG), 0x63C2);
    TX(card, VERIFY_EMPTY, 0x63C2);
    TX(card, VERIFY(WRONG), 0x63C1);
    TX(card, VERIFY(WRONG), 0x63C0);
    TX(card, VERIFY(PIN_DEF), 0x6983);
    TX(card, VERIFY_EMPTY, 0x6983);
    TX(card, VERIFY(WRONG), 0x6983);
    assert_int_equal(card->pin.tries_left, 0);
    assert_false(card->pin_verified);
}

static void test_verify_right_pin_resets_counter(void **state)
{
    vpiv_card *card = *state;
    TX(card, VERIFY(WRONG), 0x63C2);
    TX(card, VERIFY(WRONG), 0x63C1);
    TX(card, VERIFY(PIN_DEF), 0x9000);
    TX(card, UNVERIFY, 0x9000);
    TX(card, VERIFY_EMPTY, 0x63C3);
}

static void test_wrong_pin_clears_verification(void **state)
{
    vpiv_card *card = *state;
    TX(card, VERIFY(PIN_DEF), 0x9000);
    TX(card, VERIFY(WRONG), 0x63C2);
    TX(card, VERIFY_EMPTY, 0x63C2);
    assert_false(card->pin_always_ok);
}

static void test_verify_p1_ff(void **state)
{
    vpiv_card *card = *state;
    TX(card, UNVERIFY, 0x9000); /* fine when not verified either */
    TX(card, VERIFY(PIN_DEF), 0x9000);
    TX(card, UNVERIFY, 0x9000);
    TX(card, VERIFY_EMPTY, 0x63C3);
    assert_false(card->pin_verified);
    assert_false(card->pin_always_ok);
    TX(card, "00 20 FF 80 08 " PIN_DEF, 0x6A80); /* that form takes no data */
    TX(card, "00 20 FF 00", 0x6A88);
}

static void test_verify_references_and_p1(void **state)
{
    vpiv_card *card = *state;
    TX(card, "00 20 00 00 08 " PIN_DEF, 0x6A88); /* global PIN: not on a YubiKey */
    TX(card, "00 20 00 81 08 " PUK_DEF, 0x6A88);
    TX(card, "00 20 00 9B", 0x6A88);
    TX(card, "00 20 01 80 08 " PIN_DEF, 0x6A86);
    TX(card, "00 20 01 80", 0x6A86);
    TX(card, VERIFY_EMPTY, 0x63C3);
}

static void test_verify_malformed_pins(void **state)
{
    vpiv_card *card = *state;
    static const char *const bad[] = {
        "00 20 00 80 08 31 32 33 34 35 FF FF FF",    /* 5 digits */
        "00 20 00 80 09 31 32 33 34 35 36 37 38 39", /* 9 bytes */
        "00 20 00 80 08 31 32 33 34 35 36 FF 00",    /* padding not FF */
        "00 20 00 80 08 31 32 33 34 35 36 00 00",    /* zero padding */
        "00 20 00 80 06 31 32 33 34 35 36",          /* not padded */
        "00 20 00 80 07 31 32 33 34 35 36 FF",       /* short padding */
        "00 20 00 80 08 31 32 FF 34 35 36 FF FF",    /* FF inside */
        "00 20 00 80 08 FF FF FF FF FF FF FF FF",    /* empty PIN */
        "00 20 00 80 08 31 32 33 34 35 80 FF FF",    /* not ASCII */
        "00 20 00 80 08 31 32 33 34 35 0A FF FF",    /* control character */
        "00 20 00 80 10 31 32 33 34 35 36 FF FF 31 32 33 34 35 36 FF FF",
        "00 20 00 80 01 31",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        TX(card, bad[i], 0x6A80);
        TX(card, VERIFY_EMPTY, 0x63C3); /* not decremented */
    }
    /* 6, 7 and 8 characters are all fine shapes (and wrong here) */
    TX(card, "00 20 00 80 08 61 62 63 64 65 66 67 68", 0x63C2);
    TX(card, "00 20 00 80 08 61 62 63 64 65 66 67 FF", 0x63C1);
    TX(card, VERIFY(PIN_DEF), 0x9000);
    /* a malformed PIN on a blocked card is still 6A80 */
    block_pin(card);
    TX(card, bad[0], 0x6A80);
    TX(card, VERIFY(PIN_DEF), 0x6983);
}

static void test_verify_via_chaining(void **state)
{
    vpiv_card *card = *state;
    TX(card, "10 20 00 80 04 31 32 33 34", 0x9000);
    TX(card, "00 20 00 80 04 35 36 FF FF", 0x9000);
    TX(card, VERIFY_EMPTY, 0x9000);
}

/* ---- CHANGE REFERENCE DATA ---- */

static void test_change_pin(void **state)
{
    vpiv_card *card = *state;
    assert_true(card->pin.is_default);
    TX(card, CHANGE_PIN(PIN_DEF, PIN_NEW), 0x9000);
    assert_false(card->pin.is_default);
    TX(card, VERIFY_EMPTY, 0x9000); /* a YubiKey counts the change as a verification */
    TX(card, UNVERIFY, 0x9000);
    TX(card, VERIFY(PIN_DEF), 0x63C2);
    TX(card, VERIFY(PIN_NEW), 0x9000);
    TX(card, VERIFY_EMPTY, 0x9000);
    /* and back, 8 characters this time */
    TX(card, CHANGE_PIN(PIN_NEW, "41 42 43 44 45 46 47 48"), 0x9000);
    TX(card, VERIFY("41 42 43 44 45 46 47 48"), 0x9000);
}

static void test_change_pin_wrong_old(void **state)
{
    vpiv_card *card = *state;
    TX(card, VERIFY(PIN_DEF), 0x9000);
    TX(card, CHANGE_PIN(WRONG, PIN_NEW), 0x63C2);
    TX(card, VERIFY_EMPTY, 0x63C2); /* the wrong PIN also ended the verification */
    TX(card, CHANGE_PIN(WRONG, PIN_NEW), 0x63C1);
    TX(card, CHANGE_PIN(PIN_DEF, PIN_NEW), 0x9000); /* counter back to 3 */
    TX(card, UNVERIFY, 0x9000);
    TX(card, VERIFY_EMPTY, 0x63C3);
    TX(card, CHANGE_PIN(WRONG, PIN_NEW), 0x63C2);
    TX(card, CHANGE_PIN(WRONG, PIN_NEW), 0x63C1);
    TX(card, CHANGE_PIN(WRONG, PIN_NEW), 0x63C0);
    TX(card, CHANGE_PIN(PIN_NEW, PIN_DEF), 0x6983);
    TX(card, VERIFY(PIN_NEW), 0x6983);
}

static void test_change_puk(void **state)
{
    vpiv_card *card = *state;
    TX(card, CHANGE_PUK(PUK_DEF, PUK_NEW), 0x9000);
    assert_false(card->puk.is_default);
    assert_false(card->pin_verified); /* changing the PUK verifies nothing */
    TX(card, CHANGE_PUK(PUK_DEF, PUK_NEW), 0x63C2);
    TX(card, UNBLOCK(PUK_DEF, PIN_NEW), 0x63C1);
    TX(card, UNBLOCK(PUK_NEW, PIN_NEW), 0x9000); /* and the PUK counter is back to 3 */
    TX(card, CHANGE_PUK(WRONG, PUK_NEW), 0x63C2);
    TX(card, VERIFY(PIN_NEW), 0x9000);
}

static void test_change_reference_malformed(void **state)
{
    vpiv_card *card = *state;
    TX(card, "00 24 00 80 08 " PIN_DEF, 0x6A80);                                /* old only */
    TX(card, "00 24 00 80 10 " PIN_DEF " 31 32 33 34 35 FF FF FF", 0x6A80);     /* new: 5 */
    TX(card, "00 24 00 80 10 " PIN_DEF " 31 32 33 34 35 36 FF 00", 0x6A80);     /* padding */
    TX(card, "00 24 00 80 10 31 32 33 34 35 FF FF FF " PIN_NEW, 0x6A80);        /* old: 5 */
    TX(card, "00 24 00 80 11 " PIN_DEF " " PIN_NEW " FF", 0x6A80);             /* 17 bytes */
    TX(card, "00 24 00 81 10 " PUK_DEF " 31 32 33 34 35 FF FF FF", 0x6A80);
    TX(card, "00 24 00 80", 0x6A80);
    TX(card, VERIFY_EMPTY, 0x63C3);
    assert_int_equal(card->puk.tries_left, 3);
    TX(card, "00 24 00 82 10 " PIN_DEF " " PIN_NEW, 0x6A88);
    TX(card, "00 24 00 00 10 " PIN_DEF " " PIN_NEW, 0x6A88);
    TX(card, "00 24 01 80 10 " PIN_DEF " " PIN_NEW, 0x6A86);
    TX(card, VERIFY(PIN_DEF), 0x9000); /* nothing changed */
}

/* ---- RESET RETRY COUNTER ---- */

static void test_puk_unblocks_pin(void **state)
{
    vpiv_card *card = *state;
    block_pin(card);
    TX(card, UNBLOCK(PUK_DEF, PIN_NEW), 0x9000);
    assert_false(card->pin.is_default);
    TX(card, VERIFY_EMPTY, 0x63C3);
    TX(card, VERIFY(PIN_DEF), 0x63C2);
    TX(card, VERIFY(PIN_NEW), 0x9000);
    /* works when the PIN is not blocked too */
    TX(card, UNBLOCK(PUK_DEF, PIN_DEF), 0x9000);
    TX(card, VERIFY(PIN_DEF), 0x9000);
}

static void test_wrong_puk_blocks_it(void **state)
{
    vpiv_card *card = *state;
    block_pin(card);
    TX(card, UNBLOCK(WRONG, PIN_NEW), 0x63C2);
    TX(card, UNBLOCK(WRONG, PIN_NEW), 0x63C1);
    TX(card, UNBLOCK(WRONG, PIN_NEW), 0x63C0);
    TX(card, UNBLOCK(PUK_DEF, PIN_NEW), 0x6983);
    TX(card, CHANGE_PUK(PUK_DEF, PUK_NEW), 0x6983);
    TX(card, VERIFY(PIN_NEW), 0x6983);
    TX(card, VERIFY(PIN_DEF), 0x6983);
    assert_int_equal(card->puk.tries_left, 0);
}

static void test_reset_retry_malformed(void **state)
{
    vpiv_card *card = *state;
    TX(card, "00 2C 00 80 08 " PUK_DEF, 0x6A80);
    TX(card, "00 2C 00 80 10 " PUK_DEF " 31 32 33 FF FF FF FF FF", 0x6A80);
    TX(card, "00 2C 00 80 10 31 32 33 34 35 FF FF FF " PIN_NEW, 0x6A80);
    TX(card, "00 2C 00 80", 0x6A80);
    TX(card, "00 2C 00 81 10 " PUK_DEF " " PIN_NEW, 0x6A88);
    TX(card, "00 2C 01 80 10 " PUK_DEF " " PIN_NEW, 0x6A86);
    assert_int_equal(card->puk.tries_left, 3);
    TX(card, VERIFY(PIN_DEF), 0x9000);
}

/* ---- SET PIN RETRIES ---- */

static void test_set_pin_retries(void **state)
{
    vpiv_card *card = *state;
    TX(card, "00 FA 05 06", 0x6982);
    TX(card, VERIFY(PIN_DEF), 0x9000);
    TX(card, "00 FA 05 06", 0x6982); /* PIN alone is not enough */
    TX(card, UNVERIFY, 0x9000);
    card->mgm_authenticated = true;
    TX(card, "00 FA 05 06", 0x6982); /* management key alone neither */
    TX(card, VERIFY(PIN_DEF), 0x9000);
    TX(card, "00 FA 00 06", 0x6A86);
    TX(card, "00 FA 05 00", 0x6A86);
    TX(card, "00 FA 10 06", 0x6A86);
    TX(card, "00 FA 05 10", 0x6A86);
    TX(card, CHANGE_PIN(PIN_DEF, PIN_NEW), 0x9000);
    TX(card, CHANGE_PUK(PUK_DEF, PUK_NEW), 0x9000);
    TX(card, "00 FA 05 06", 0x9000);
    /* PIN and PUK are the defaults again, with the new counts */
    assert_true(card->pin.is_default);
    assert_true(card->puk.is_default);
    TX(card, UNVERIFY, 0x9000);
    TX(card, VERIFY_EMPTY, 0x63C5);
    TX(card, VERIFY(PIN_NEW), 0x63C4);
    TX(card, VERIFY(PIN_DEF), 0x9000);
    TX(card, UNBLOCK(WRONG, PIN_DEF), 0x63C5);
    TX(card, UNBLOCK(PUK_DEF, PIN_DEF), 0x9000);
    TX(card, "00 FA 0F 01", 0x9000);
    TX(card, UNBLOCK(WRONG, PIN_DEF), 0x63C0);
    TX(card, UNBLOCK(PUK_DEF, PIN_DEF), 0x6983);
    TX(card, UNVERIFY, 0x9000);
    TX(card, VERIFY_EMPTY, 0x63CF);
}

/* ---- RESET ---- */

static void test_reset_needs_both_blocked(void **state)
{
    vpiv_card *card = *state;
    TX(card, RESET, 0x6985);
    block_pin(card);
    TX(card, RESET, 0x6985);
    TX(card, UNBLOCK(PUK_DEF, PIN_DEF), 0x9000);
    block_puk(card);
    TX(card, RESET, 0x6985); /* PUK blocked, PIN not */
    TX(card, "00 FB 01 00", 0x6A86);
    block_pin(card);
    TX(card, "00 FB 00 01", 0x6A86);
    TX(card, RESET, 0x9000);
}

static void test_reset_restores_defaults(void **state)
{
    vpiv_card *card = *state;
    uint32_t serial = card->serial;
    vpiv_slot *slot;

    /* make the card anything but new */
    card->mgm_authenticated = true;
    TX(card, "00 DB 3F FF 0A 5C 03 5F C1 02 53 03 01 02 03", 0x9000);
    TX(card, VERIFY(PIN_DEF), 0x9000);
    TX(card, "00 FA 04 05", 0x9000);
    TX(card, CHANGE_PIN(PIN_DEF, PIN_NEW), 0x9000);
    TX(card, CHANGE_PUK(PUK_DEF, PUK_NEW), 0x9000);
    card->mgm_alg = ALG_AES128;
    card->mgm_default = false;
    slot = vpiv_slot_find(card, 0x9A);
    assert_non_null(slot);
    slot->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(slot->key);
    slot->alg = ALG_ECCP256;
    slot->pin_policy = PIN_POLICY_ONCE;
    slot->touch_policy = TOUCH_POLICY_NEVER;
    slot->origin = ORIGIN_GENERATED;

    for (int i = 4; i > 0; i--) /* 4 PIN tries, 5 PUK tries */
        TX(card, VERIFY(WRONG), 0x63C0u | (unsigned)(i - 1));
    for (int i = 5; i > 0; i--)
        TX(card, UNBLOCK(WRONG, PIN_NEW), 0x63C0u | (unsigned)(i - 1));
    card->mgm_authenticated = true;
    TX(card, RESET, 0x9000);

    /* still selected, session ended */
    assert_true(card->selected);
    assert_false(card->mgm_authenticated);
    assert_false(card->pin_verified);
    TX(card, "00 DB 3F FF 0A 5C 03 5F C1 02 53 03 01 02 03", 0x6982);
    /* PIN, PUK, counts, management key, keys, objects: factory */
    TX(card, VERIFY_EMPTY, 0x63C3);
    TX(card, VERIFY(PIN_DEF), 0x9000);
    TX(card, CHANGE_PUK(WRONG, PUK_DEF), 0x63C2);
    TX(card, CHANGE_PUK(PUK_DEF, PUK_DEF), 0x9000);
    assert_true(card->pin.is_default);
    assert_int_equal(card->pin.max_tries, 3);
    assert_int_equal(card->puk.max_tries, 3);
    assert_int_equal(card->mgm_alg, ALG_3DES);
    assert_true(card->mgm_default);
    assert_int_equal(card->mgm_key[0], 1);
    assert_int_equal(card->mgm_key[23], 8);
    assert_int_equal(card->n_objects, 0);
    slot = vpiv_slot_find(card, 0x9A);
    assert_non_null(slot);
    assert_null(slot->key);
    assert_int_equal(slot->alg, 0);
    TX(card, "00 CB 3F FF 05 5C 03 5F C1 02", 0x6A82);
    assert_int_equal(card->serial, serial);
    TXD(card, "00 F8 00 00", 0x9000, "00 98 96 81");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_before_select),
        cmocka_unit_test(test_select_truncated_aid),
        cmocka_unit_test_setup_teardown(test_power_reset_clears_verification, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_default_pin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_wrong_pins_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_right_pin_resets_counter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_pin_clears_verification, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_p1_ff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_references_and_p1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_malformed_pins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_via_chaining, setup, teardown),
        cmocka_unit_test_setup_teardown(test_change_pin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_change_pin_wrong_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_change_puk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_change_reference_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_puk_unblocks_pin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_puk_blocks_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_retry_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_pin_retries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_needs_both_blocked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_restores_defaults, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
