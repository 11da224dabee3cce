/* vpiv transport: the card is vpiv (src/vpiv), in the same process.
 *
 * Link-time choice like script.c (DESIGN.md): the conformance tests link pivmd_vpiv and put a
 * vpiv_card * in CARD_DATA.hScard; ch_transport_open takes it back from there. The card
 * answers every command synchronously through vpiv_process, so there are no transport errors
 * besides a missing card and a receive buffer that is too short (as SCardTransmit reports it).
 */
#include <string.h>

#include "scarderr.h"
#include "transport.h"
#include "vpiv.h"
#include "wipe.h"

_Static_assert(VPIV_MAX_RAPDU <= CH_TRANSPORT_MAX_RAPDU,
               "a vpiv answer must fit the transport's longest answer");

uint32_t ch_transport_open(ch_transport *tp, uintptr_t hctx, uintptr_t hcard)
{
    memset(tp, 0, sizeof *tp);
    if (!hcard)
        return SCARD_E_INVALID_HANDLE;
    tp->hctx = hctx;
    tp->hcard = hcard;
    tp->impl = (void *)hcard;
    return SCARD_S_SUCCESS;
}

uint32_t ch_transport_transmit(ch_transport *tp, const uint8_t *capdu, size_t capdu_len,
                               uint8_t *rapdu, size_t cap, size_t *rapdu_len)
{
    uint8_t answer[VPIV_MAX_RAPDU];
    size_t n;

    *rapdu_len = 0;
    if (!tp || !tp->impl)
        return SCARD_E_INVALID_HANDLE;
    if (!capdu && capdu_len)
        return SCARD_E_INVALID_PARAMETER;
    n = vpiv_process((vpiv_card *)tp->impl, capdu, capdu_len, answer);
    if (n > sizeof answer) /* vpiv's contract says never; do not trust it with our stack */
        return SCARD_F_INTERNAL_ERROR;
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
