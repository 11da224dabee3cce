/* The PC/SC half of the CSP-side test program. Kept apart from the Cardmod half because
 * pcsc-lite's DWORD (unsigned long) must never meet cardmod.h's (uint32_t) in one file. */
#ifndef CH_CSP_PCSC_H
#define CH_CSP_PCSC_H

#include <stddef.h>
#include <stdint.h>

/* Connects to `reader` (shared, T=0 or T=1) and returns the handles and the card's ATR.
 * 0 on success; otherwise prints the PC/SC error and returns -1. */
int csp_pcsc_connect(const char *reader, uintptr_t *hctx, uintptr_t *hcard, uint8_t *atr,
                     size_t atr_cap, size_t *atr_len);
void csp_pcsc_disconnect(uintptr_t hctx, uintptr_t hcard);

#endif
