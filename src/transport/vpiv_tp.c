/* vpiv transport: the card is vpiv (src/vpiv), in the same process.
 *
 * Link-time choice like script.c (DESIGN.md): the conformance tests and vpiv fuzz targets link
 * pivmd_vpiv and put a ch_vpiv_link * (vpiv_link.h) in CARD_DATA.hScard; ch_transport_open
 * takes it back from there. The card answers every command synchronously through
 * vpiv_process; transport errors are a missing card, a receive buffer that is too short (as
 * SCardTransmit reports it) and the faults the link's plan injects.
 */
#include <string.h>

#include "scarderr.h"
#include "transport.h"
#include "vpiv.h"
#include "vpiv_link.h"
#include "wipe.h"

_Static_assert(VPIV_MAX_RAPDU <= CH_TRANSPORT_MAX_RAPDU,
               "a vpiv answer must fit the transport's longest answer");

void ch_vpiv_link_init(ch_vpiv_link *l, vpiv_card *card)
{
    memset(l, 0, sizeof *l);
    l->card = card;
}

uint32_t ch_vpiv_link_code(uint8_t sel)
{
    static const uint32_t codes[3] = {SCARD_E_COMM_DATA_LOST, SCARD_W_RESET_CARD,
                                      SCARD_W_REMOVED_CARD};
    return codes[sel % 3u];
}

void ch_vpiv_link_plan(ch_vpiv_link *l, unsigned fail_at, uint32_t fail_code, bool repeat)
{
    if (fail_code != SCARD_W_RESET_CARD && fail_code != SCARD_W_REMOVED_CARD)
        fail_code = SCARD_E_COMM_DATA_LOST;
    l->exchanges = 0;
    l->failures = 0;
    l->fail_at = fail_at;
    l->fail_code = fail_code;
    l->repeat = repeat;
}

/* The planned fault for this exchange, applied to the card; SCARD_S_SUCCESS when none. */
static uint32_t planned_fault(ch_vpiv_link *l)
{
    if (!l->fail_at || l->exchanges < l->fail_at || (l->exchanges > l->fail_at && !l->repeat))
        return SCARD_S_SUCCESS;
    l->failures++;
    if (l->fail_code == SCARD_W_RESET_CARD) {
        vpiv_power(l->card, VPIV_RESET);
    } else if (l->fail_code == SCARD_W_REMOVED_CARD && !l->powered_off) {
        vpiv_power(l->card, VPIV_POWER_OFF);
        l->powered_off = true;
    }
    return l->fail_code;
}

uint32_t ch_transport_open(ch_transport *tp, uintptr_t hctx, uintptr_t hcard)
{
    memset(tp, 0, sizeof *tp);
    /* The ABI's SCARDHANDLE is an integer; conformance tests put a ch_vpiv_link * there
     * (CARD_DATA.hScard). NOLINTBEGIN(performance-no-int-to-ptr) */
    if (!hcard || !((ch_vpiv_link *)hcard)->card)
        return SCARD_E_INVALID_HANDLE;
    tp->hctx = hctx;
    tp->hcard = hcard;
    tp->impl = (void *)hcard;
    /* NOLINTEND(performance-no-int-to-ptr) */
    return SCARD_S_SUCCESS;
}

uint32_t ch_transport_transmit(ch_transport *tp, const uint8_t *capdu, size_t capdu_len,
                               uint8_t *rapdu, size_t cap, size_t *rapdu_len)
{
    uint8_t answer[VPIV_MAX_RAPDU];
    ch_vpiv_link *l;
    uint32_t rc;
    size_t n;

    *rapdu_len = 0;
    if (!tp || !tp->impl)
        return SCARD_E_INVALID_HANDLE;
    if (!capdu && capdu_len)
        return SCARD_E_INVALID_PARAMETER;
    l = tp->impl;
    l->exchanges++;
    rc = planned_fault(l);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (l->powered_off) { /* re-inserted: a fresh power-up */
        vpiv_power(l->card, VPIV_POWER_ON);
        l->powered_off = false;
    }
    n = vpiv_process(l->card, capdu, capdu_len, answer);
    if (n > sizeof answer) /* vpiv's contract says never; do not trust it with our stack */
        return SCARD_F_INTERNAL_ERROR;
    if (l->observe)
        l->observe(l->observe_arg, capdu, capdu_len, answer, n);
    if (n > cap) { /* what SCardTransmit does with a short receive buffer */
        ch_wipe(answer, n);
        return SCARD_E_INSUFFICIENT_BUFFER;
    }
    memcpy(rapdu, answer, n);
    *rapdu_len = n;
    ch_wipe(answer, n); /* answers may carry secrets (decrypted data) */
    return SCARD_S_SUCCESS;
}

void ch_transport_close(ch_transport *tp) { memset(tp, 0, sizeof *tp); }
