/* What CARD_DATA.hScard designates for the vpiv transport (vpiv_tp.c): an in-process vpiv
 * card, and a fault plan that makes the transport fail the way PC/SC does.
 *
 * Fault injection (fuzz_session, fuzz_keyblob, tests): the fail_at-th exchange (1-based,
 * counted from ch_vpiv_link_init or the last ch_vpiv_link_plan) fails with fail_code, and
 * with `repeat` every exchange after it too. A failed exchange never reaches the card: the
 * command is not processed. What each code does to the card, as a reader would:
 *   SCARD_E_COMM_DATA_LOST  nothing (the command was lost on the way)
 *   SCARD_W_RESET_CARD      the card is reset (vpiv_power RESET: volatile state is gone)
 *   SCARD_W_REMOVED_CARD    the card loses power (vpiv_power OFF), and is powered on again at
 *                           the next exchange that goes through (re-insertion)
 * The observer, when set, sees every exchange that reached the card with its answer, so a
 * harness can tell which commands changed the card's persistent state.
 *
 * Test code only: the shipped library links pcsc.c. */
#ifndef CH_VPIV_LINK_H
#define CH_VPIV_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpiv.h"

typedef void (*ch_vpiv_observer)(void *arg, const uint8_t *capdu, size_t capdu_len,
                                 const uint8_t *rapdu, size_t rapdu_len);

typedef struct ch_vpiv_link {
    vpiv_card *card;
    unsigned exchanges;         /* transmit calls since init / the last plan */
    unsigned failures;          /* exchanges failed by the plan */
    unsigned fail_at;           /* 0: never */
    uint32_t fail_code;
    bool repeat;
    bool powered_off;           /* a REMOVED failure switched the card off */
    ch_vpiv_observer observe;
    void *observe_arg;
} ch_vpiv_link;

/* A link with no fault planned and no observer. */
void ch_vpiv_link_init(ch_vpiv_link *l, vpiv_card *card);
/* Plans a fault from now on (fail_at 0 cancels); resets the counters. Codes other than the
 * three above are taken as SCARD_E_COMM_DATA_LOST. */
void ch_vpiv_link_plan(ch_vpiv_link *l, unsigned fail_at, uint32_t fail_code, bool repeat);
/* The SCARD code a fault selector stands for (0 COMM_DATA_LOST, 1 RESET_CARD, 2 REMOVED_CARD,
 * taken modulo 3), the same mapping as the script transport's event entries. */
uint32_t ch_vpiv_link_code(uint8_t sel);

#endif
