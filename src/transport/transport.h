/* The one interface between the APDU exchange and whatever carries bytes to a card.
 *
 * Implementations are chosen at link time (DESIGN.md): the shipped library links pcsc.c,
 * test and fuzz builds link script.c (or, later, vpiv). There is no run-time switch.
 *
 * This header deliberately includes neither cardmod.h nor pcsc-lite: the codes returned are
 * plain uint32_t with the SCARD_* values (identical on Windows and pcsc-lite), so the pcsc
 * implementation can convert pcsc-lite's LONG/DWORD here and nowhere else.
 */
#ifndef CH_TRANSPORT_H
#define CH_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

/* Longest short-APDU answer: 256 data bytes + SW1 SW2. */
#define CH_TRANSPORT_MAX_RAPDU 258u

typedef struct ch_transport {
    uintptr_t hctx;   /* CARD_DATA.hSCardCtx as the CSP gave it */
    uintptr_t hcard;  /* CARD_DATA.hScard as the CSP gave it */
    uint32_t proto;   /* pcsc: active protocol (T=0/T=1); others: 0 */
    void *impl;       /* script/vpiv: the object hcard designates; pcsc: NULL */
} ch_transport;

/* Binds the transport to the CSP's handles. Sends nothing, allocates nothing.
 * Returns SCARD_S_SUCCESS or an SCARD error (e.g. the card is gone). */
uint32_t ch_transport_open(ch_transport *tp, uintptr_t hctx, uintptr_t hcard);

/* Sends one raw C-APDU and receives one raw R-APDU into rapdu[0..cap).
 * On success *rapdu_len holds the answer length (which may be anything, 0 included:
 * the caller validates). On failure *rapdu_len is 0 and the SCARD error is returned. */
uint32_t ch_transport_transmit(ch_transport *tp, const uint8_t *capdu, size_t capdu_len,
                               uint8_t *rapdu, size_t cap, size_t *rapdu_len);

/* Releases what open acquired (nothing today; the CSP owns the handles). */
void ch_transport_close(ch_transport *tp);

#endif
