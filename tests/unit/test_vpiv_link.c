/* The vpiv transport's fault plan (src/transport/vpiv_link.h): which exchange fails, with
 * what, what each failure does to the card, and that a failed command never reaches it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "scarderr.h"
#include "transport.h"
#include "vpiv.h"
#include "vpiv_link.h"

static const uint8_t SELECT_PIV[] = {0x00, 0xA4, 0x04, 0x00, 0x05,
                                     0xA0, 0x00, 0x00, 0x03, 0x08};
/* VERIFY PIN 123456 (vpiv's default), padded with FF. */
static const uint8_t VERIFY_PIN[] = {0x00, 0x20, 0x00, 0x80, 0x08, '1', '2', '3',
                                     '4',  '5',  '6',  0xFF, 0xFF};
static const uint8_t WRONG_PIN[] = {0x00, 0x20, 0x00, 0x80, 0x08, '9', '9', '9',
                                    '9',  '9',  '9',  0xFF, 0xFF};
/* VERIFY with no data: 9000 when the PIN is verified, 63Cx when not. */
static const uint8_t PIN_STATUS[] = {0x00, 0x20, 0x00, 0x80};

typedef struct {
    vpiv_card *card;
    ch_vpiv_link link;
    ch_transport tp;
    unsigned seen;
} rig;

static void observe(void *arg, const uint8_t *capdu, size_t capdu_len, const uint8_t *rapdu,
                    size_t rapdu_len)
{
    (void)capdu;
    (void)capdu_len;
    (void)rapdu;
    assert_true(rapdu_len >= 2);
    ((rig *)arg)->seen++;
}

static int rig_setup(void **state)
{
    static rig r;
    memset(&r, 0, sizeof r);
    r.card = vpiv_new(NULL, NULL);
    assert_non_null(r.card);
    vpiv_set_deterministic(r.card, 3);
    vpiv_power(r.card, VPIV_POWER_ON);
    ch_vpiv_link_init(&r.link, r.card);
    r.link.observe = observe;
    r.link.observe_arg = &r;
    assert_int_equal(ch_transport_open(&r.tp, 1, (uintptr_t)&r.link), SCARD_S_SUCCESS);
    *state = &r;
    return 0;
}

static int rig_teardown(void **state)
{
    rig *r = *state;
    vpiv_free(r->card);
    return 0;
}

/* The status word of one exchange; the transport's code when it fails (sw then 0). */
static uint32_t send(rig *r, const uint8_t *c, size_t n, uint16_t *sw)
{
    uint8_t out[CH_TRANSPORT_MAX_RAPDU];
    size_t len = 99;
    uint32_t rc = ch_transport_transmit(&r->tp, c, n, out, sizeof out, &len);
    *sw = 0;
    if (rc == SCARD_S_SUCCESS) {
        assert_true(len >= 2);
        *sw = (uint16_t)(out[len - 2] << 8 | out[len - 1]);
    } else {
        assert_int_equal(len, 0);
    }
    return rc;
}

static void login(rig *r)
{
    uint16_t sw;
    assert_int_equal(send(r, SELECT_PIV, sizeof SELECT_PIV, &sw), SCARD_S_SUCCESS);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(send(r, VERIFY_PIN, sizeof VERIFY_PIN, &sw), SCARD_S_SUCCESS);
    assert_int_equal(sw, 0x9000);
}

static void test_no_plan_never_fails(void **state)
{
    rig *r = *state;
    uint16_t sw;
    login(r);
    for (int i = 0; i < 50; i++)
        assert_int_equal(send(r, PIN_STATUS, sizeof PIN_STATUS, &sw), SCARD_S_SUCCESS);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(r->link.failures, 0);
    assert_int_equal(r->seen, 52);
}

static void test_comm_lost_drops_the_command_only(void **state)
{
    rig *r = *state;
    uint16_t sw;
    login(r);
    ch_vpiv_link_plan(&r->link, 2, SCARD_E_COMM_DATA_LOST, false);
    assert_int_equal(send(r, PIN_STATUS, sizeof PIN_STATUS, &sw), SCARD_S_SUCCESS);
    r->seen = 0;
    /* A wrong PIN lost in the transport never reaches the card: had it, the card would have
     * counted it and dropped the verified state. */
    assert_int_equal(send(r, WRONG_PIN, sizeof WRONG_PIN, &sw), SCARD_E_COMM_DATA_LOST);
    assert_int_equal(r->seen, 0);
    assert_int_equal(send(r, PIN_STATUS, sizeof PIN_STATUS, &sw), SCARD_S_SUCCESS);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(r->link.failures, 1);
    assert_int_equal(r->link.exchanges, 3);
}

static void test_reset_clears_the_session(void **state)
{
    rig *r = *state;
    uint16_t sw;
    login(r);
    ch_vpiv_link_plan(&r->link, 1, SCARD_W_RESET_CARD, false);
    assert_int_equal(send(r, PIN_STATUS, sizeof PIN_STATUS, &sw), SCARD_W_RESET_CARD);
    /* Reset: the application is no longer selected, the PIN no longer verified. */
    assert_int_equal(send(r, SELECT_PIV, sizeof SELECT_PIV, &sw), SCARD_S_SUCCESS);
    assert_int_equal(send(r, PIN_STATUS, sizeof PIN_STATUS, &sw), SCARD_S_SUCCESS);
    assert_int_equal(sw & 0xFFF0, 0x63C0);
}

static void test_removed_repeat_until_replanned(void **state)
{
    rig *r = *state;
    uint16_t sw;
    login(r);
    ch_vpiv_link_plan(&r->link, 2, SCARD_W_REMOVED_CARD, true);
    assert_int_equal(send(r, PIN_STATUS, sizeof PIN_STATUS, &sw), SCARD_S_SUCCESS);
    r->seen = 0;
    for (int i = 0; i < 5; i++)
        assert_int_equal(send(r, PIN_STATUS, sizeof PIN_STATUS, &sw), SCARD_W_REMOVED_CARD);
    assert_int_equal(r->seen, 0);
    assert_int_equal(r->link.failures, 5);
    assert_true(r->link.powered_off);
    /* Re-inserted: powered up afresh, so nothing is selected or verified. */
    ch_vpiv_link_plan(&r->link, 0, 0, false);
    assert_int_equal(send(r, SELECT_PIV, sizeof SELECT_PIV, &sw), SCARD_S_SUCCESS);
    assert_false(r->link.powered_off);
    assert_int_equal(send(r, PIN_STATUS, sizeof PIN_STATUS, &sw), SCARD_S_SUCCESS);
    assert_int_equal(sw & 0xFFF0, 0x63C0);
}

static void test_codes_and_unknown_code(void **state)
{
    rig *r = *state;
    uint16_t sw;
    assert_int_equal(ch_vpiv_link_code(0), SCARD_E_COMM_DATA_LOST);
    assert_int_equal(ch_vpiv_link_code(1), SCARD_W_RESET_CARD);
    assert_int_equal(ch_vpiv_link_code(2), SCARD_W_REMOVED_CARD);
    assert_int_equal(ch_vpiv_link_code(5), SCARD_W_REMOVED_CARD);
    ch_vpiv_link_plan(&r->link, 1, SCARD_E_INVALID_HANDLE, false);
    assert_int_equal(r->link.fail_code, SCARD_E_COMM_DATA_LOST);
    assert_int_equal(send(r, SELECT_PIV, sizeof SELECT_PIV, &sw), SCARD_E_COMM_DATA_LOST);
}

static void test_open_refuses_a_link_without_card(void **state)
{
    ch_vpiv_link empty;
    ch_transport tp;
    (void)state;
    ch_vpiv_link_init(&empty, NULL);
    assert_int_equal(ch_transport_open(&tp, 1, (uintptr_t)&empty), SCARD_E_INVALID_HANDLE);
    assert_int_equal(ch_transport_open(&tp, 1, 0), SCARD_E_INVALID_HANDLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_plan_never_fails, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(test_comm_lost_drops_the_command_only, rig_setup,
                                        rig_teardown),
        cmocka_unit_test_setup_teardown(test_reset_clears_the_session, rig_setup,
                                        rig_teardown),
        cmocka_unit_test_setup_teardown(test_removed_repeat_until_replanned, rig_setup,
                                        rig_teardown),
        cmocka_unit_test_setup_teardown(test_codes_and_unknown_code, rig_setup, rig_teardown),
        cmocka_unit_test(test_open_refuses_a_link_without_card),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
