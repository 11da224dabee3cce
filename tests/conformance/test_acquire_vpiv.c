/* Conformance: the card module against the in-process virtual PIV card (pivmd_vpiv), the
 * same code paths as the shipped library with vpiv in place of SCardTransmit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cardmod.h"
#include "host.h"
#include "vpiv.h"
#include "vpiv_link.h"

static void acquire_and_delete(vpiv_card *card, DWORD version, DWORD want)
{
    ch_host_csp csp;
    ch_vpiv_link link;
    size_t atr_len;
    const uint8_t *atr = vpiv_atr(&atr_len);

    ch_vpiv_link_init(&link, card);
    ch_host_alloc_reset();
    assert_true(ch_host_csp_init(&csp, version, version, atr, atr_len, 1, (uintptr_t)&link));
    assert_int_equal(CardAcquireContext(csp.cd, 0), SCARD_S_SUCCESS);
    assert_int_equal(csp.cd->dwVersion, want);
    assert_non_null(csp.cd->pfnCardDeleteContext);
    assert_int_equal(csp.cd->pfnCardDeleteContext(csp.cd), SCARD_S_SUCCESS);
    assert_int_equal(ch_host_alloc_live(), 0);
    assert_int_equal(ch_host_alloc_errors(), 0);
    ch_host_csp_free(&csp);
}

static void test_negotiation_against_vpiv(void **state)
{
    vpiv_card *card = vpiv_new(NULL, NULL);
    (void)state;
    assert_non_null(card);
    vpiv_power(card, VPIV_POWER_ON);
    acquire_and_delete(card, 4, 4);
    acquire_and_delete(card, 5, 5);
    acquire_and_delete(card, 6, 6);
    acquire_and_delete(card, 7, 7);
    acquire_and_delete(card, 0xFFFFFFFF, 7);
    /* After a reset the application is no longer selected: a new context selects it. */
    vpiv_power(card, VPIV_RESET);
    acquire_and_delete(card, 7, 7);
    vpiv_free(card);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negotiation_against_vpiv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
