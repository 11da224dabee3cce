/* The APT parser (answer to SELECT) on its own: every accepted shape and every refusal. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "piv.h"
#include "scarderr.h"

#define PARSE(bytes, apt) ch_piv_parse_apt((const uint8_t *)(bytes), sizeof(bytes) - 1, (apt))

static void test_yubikey_apt(void **state)
{
    ch_piv_apt apt;
    (void)state;
    assert_int_equal(PARSE("\x61\x11\x4F\x06\x00\x00\x10\x00\x01\x00\x79\x07\x4F\x05\xA0\x00\x00"
                           "\x03\x08",
                           &apt),
                     SCARD_S_SUCCESS);
    assert_true(apt.present);
    assert_int_equal(apt.aid_len, 6);
    assert_memory_equal(apt.aid, "\x00\x00\x10\x00\x01\x00", 6);
    assert_int_equal(apt.authority_aid_len, 5);
    assert_memory_equal(apt.authority_aid, "\xA0\x00\x00\x03\x08", 5);
    assert_int_equal(apt.n_algs, 0);
}

static void test_full_apt(void **state)
{
    ch_piv_apt apt;
    (void)state;
    assert_int_equal(PARSE("\x61\x1F\x4F\x0B\xA0\x00\x00\x03\x08\x00\x00\x10\x00\x01\x00"
                           "\x50\x03PIV\xAC\x08\x80\x01\x07\x80\x01\x11\x06\x00\x5F\x50\x00",
                           &apt),
                     SCARD_S_SUCCESS);
    assert_int_equal(apt.aid_len, 11);
    assert_int_equal(apt.label_len, 3);
    assert_memory_equal(apt.label, "PIV", 3);
    assert_int_equal(apt.n_algs, 2);
    assert_int_equal(apt.algs[0], 0x07);
    assert_int_equal(apt.algs[1], 0x11);
}

static void test_empty_answer_is_no_apt(void **state)
{
    ch_piv_apt apt;
    (void)state;
    memset(&apt, 0xEE, sizeof apt);
    assert_int_equal(ch_piv_parse_apt(NULL, 0, &apt), SCARD_S_SUCCESS);
    assert_false(apt.present);
    assert_int_equal(apt.aid_len, 0);
}

static void test_refusals_leave_output_untouched(void **state)
{
    static const struct {
        const char *what, *bytes;
        size_t len;
    } bad[] = {
        {"wrong outer tag", "\x62\x06\x4F\x04\x00\x00\x10\x00", 8},
        {"trailing byte", "\x61\x06\x4F\x04\x00\x00\x10\x00\x00", 9},
        {"outer length past end", "\x61\x82\xFF\xFF\x4F\x00", 6},
        {"inner length past template", "\x61\x04\x4F\x05\x00\x00\x10\x00", 8},
        {"no AID", "\x61\x02\x50\x00", 4},
        {"two AIDs", "\x61\x0C\x4F\x04\x00\x00\x10\x00\x4F\x04\x00\x00\x10\x00", 14},
        {"foreign AID", "\x61\x06\x4F\x04\xD2\x76\x00\x01", 8},
        {"AID too short", "\x61\x05\x4F\x03\x00\x00\x10", 7},
        {"AID longer than 16", "\x61\x13\x4F\x11" "AAAAAAAAAAAAAAAAA", 21},
        {"RID only (5 bytes)", "\x61\x07\x4F\x05\xA0\x00\x00\x03\x08", 9},
        {"authority without 4F", "\x61\x0A\x4F\x04\x00\x00\x10\x00\x79\x02\x50\x00", 12},
        {"algorithm entry of 2 bytes", "\x61\x0C\x4F\x04\x00\x00\x10\x00\xAC\x04\x80\x02\x07\x11", 14},
        {"indefinite length", "\x61\x80\x4F\x04\x00\x00\x10\x00\x00\x00", 10},
        {"truncated tag", "\x61\x07\x4F\x04\x00\x00\x10\x00\x5F", 9},
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ch_piv_apt apt;
        print_message("case: %s\n", bad[i].what);
        memset(&apt, 0xEE, sizeof apt);
        assert_int_equal(ch_piv_parse_apt((const uint8_t *)bad[i].bytes, bad[i].len, &apt),
                         SCARD_E_UNKNOWN_CARD);
        assert_int_equal(apt.aid_len, (size_t)0xEEEEEEEEEEEEEEEEull);
    }
}

static void test_too_many_algorithms(void **state)
{
    uint8_t buf[8 + 2 + 3 * (CH_PIV_APT_MAX_ALGS + 1)];
    ch_piv_apt apt;
    size_t n = 0, ac_len = 3 * (CH_PIV_APT_MAX_ALGS + 1);
    (void)state;
    buf[n++] = 0x61, buf[n++] = (uint8_t)(6 + 2 + ac_len);
    memcpy(buf + n, "\x4F\x04\x00\x00\x10\x00", 6), n += 6;
    buf[n++] = 0xAC, buf[n++] = (uint8_t)ac_len;
    for (size_t i = 0; i <= CH_PIV_APT_MAX_ALGS; i++)
        buf[n++] = 0x80, buf[n++] = 0x01, buf[n++] = 0x07;
    assert_int_equal(ch_piv_parse_apt(buf, n, &apt), SCARD_E_UNKNOWN_CARD);
    buf[1] = (uint8_t)(buf[1] - 3), buf[9] = (uint8_t)(buf[9] - 3); /* exactly the maximum */
    assert_int_equal(ch_piv_parse_apt(buf, n - 3, &apt), SCARD_S_SUCCESS);
    assert_int_equal(apt.n_algs, CH_PIV_APT_MAX_ALGS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yubikey_apt),
        cmocka_unit_test(test_full_apt),
        cmocka_unit_test(test_empty_answer_is_no_apt),
        cmocka_unit_test(test_refusals_leave_output_untouched),
        cmocka_unit_test(test_too_many_algorithms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
