/* The fuzz_piv finding (fuzz/finding_piv.h): header fields, data, script, every prefix a
 * finding, the op modulo CH_FPV_OPS, the tables' meaning (append only) and the op names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "finding_piv.h"

/* ecdsa_sign on 9C with P-384 (alg selector 1), field selector 2 (48), PIN policy 3 and touch 2,
 * split 6, the 2nd exchange fails with event 1; 3 bytes of data, then a script of 4 bytes. */
static const uint8_t sample[] = {
    CH_FPV_ECDSA_SIGN + CH_FPV_OPS, 0x01, 0x01, 0x02, 0x00, 0x02, 0x23, 0x06, 0x02, 0x01,
    0x03, 0x00, 0xAA, 0xBB, 0xCC, 0x00, 0x02, 0x90, 0x00,
};

static void test_fields(void **state)
{
    ch_finding_piv f;
    (void)state;
    ch_finding_piv_decode(sample, sizeof sample, &f);
    assert_int_equal(f.op, CH_FPV_ECDSA_SIGN);
    assert_int_equal(f.op_sel, CH_FPV_ECDSA_SIGN + CH_FPV_OPS);
    assert_int_equal(f.slot, 0x9C);
    assert_int_equal(f.alg, 0x14);
    assert_int_equal(f.ref, 0x9B);
    assert_int_equal(f.tag, 0x5FC102);
    assert_int_equal(f.field, 48);
    assert_int_equal(f.pin_policy, 3);
    assert_int_equal(f.touch_policy, 2);
    assert_int_equal(f.split, 6);
    assert_int_equal(f.fail_at, 2);
    assert_int_equal(f.fail_code, 1);
    assert_int_equal(f.data_len, 3);
    assert_int_equal(f.data_got, 3);
    assert_memory_equal(f.data, sample + CH_FPV_HEADER, 3);
    assert_int_equal(ch_cur_left(&f.script), 4);
    assert_memory_equal(ch_cur_peek_ptr(&f.script), sample + CH_FPV_HEADER + 3, 4);
}

/* Every prefix decodes; missing bytes read as 0; a short data field takes what is there. */
static void test_prefixes(void **state)
{
    ch_finding_piv f;
    (void)state;
    for (size_t n = 0; n <= sizeof sample; n++) {
        ch_finding_piv_decode(sample, n, &f);
        assert_true(f.op < CH_FPV_OPS);
        assert_int_equal(f.fail_at, n > 8 ? 2 : 0);
        if (n <= CH_FPV_HEADER) {
            assert_int_equal(f.data_got, 0);
            assert_null(f.data);
        } else {
            assert_int_equal(f.data_got, n - CH_FPV_HEADER < 3 ? n - CH_FPV_HEADER : 3);
        }
        assert_int_equal(ch_cur_left(&f.script), n > CH_FPV_HEADER + 3 ? n - 15 : 0);
    }
    ch_finding_piv_decode(NULL, 0, &f);
    assert_int_equal(f.op, CH_FPV_SELECT);
    assert_int_equal(f.slot, 0x9A);
    assert_int_equal(f.alg, 0x11);
    assert_int_equal(f.cap, 16388);
    assert_int_equal(f.field, 32);
}

/* The tables' first entries and their wrap-around: the meaning of committed findings. */
static void test_tables(void **state)
{
    (void)state;
    assert_int_equal(ch_fpv_slot(0), 0x9A);
    assert_int_equal(ch_fpv_slot(10), 0x9A);
    assert_int_equal(ch_fpv_alg(2), 0x07);
    assert_int_equal(ch_fpv_alg(13), 0x11);
    assert_int_equal(ch_fpv_ref(0), 0x80);
    assert_int_equal(ch_fpv_tag(1), 0x5FC105);
    assert_int_equal(ch_fpv_cap(1), 0);
    assert_int_equal(ch_fpv_field(0, 0x14), 48);
    assert_int_equal(ch_fpv_field(0, 0x07), 32);
    assert_int_equal(ch_fpv_field(3, 0x11), 0);
    assert_int_equal(ch_fpv_field(4, 0x11), 49);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(ch_fpv_op_name(CH_FPV_SELECT), "select");
    assert_string_equal(ch_fpv_op_name(CH_FPV_CHUID_UUID), "chuid_uuid");
    assert_string_equal(ch_fpv_op_name(CH_FPV_OPS), "unknown");
    for (unsigned op = 0; op < CH_FPV_OPS; op++)
        assert_string_not_equal(ch_fpv_op_name((ch_fpv_op)op), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
