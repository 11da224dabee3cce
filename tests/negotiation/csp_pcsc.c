#include "csp_pcsc.h"

#include <PCSC/winscard.h>
#include <stdio.h>
#include <string.h>

int csp_pcsc_connect(const char *reader, uintptr_t *hctx, uintptr_t *hcard, uint8_t *atr,
                     size_t atr_cap, size_t *atr_len)
{
    SCARDCONTEXT ctx = 0;
    SCARDHANDLE card = 0;
    DWORD proto = 0, state = 0, rlen = 0, alen = MAX_ATR_SIZE;
    BYTE buf[MAX_ATR_SIZE];
    LONG rv;

    rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
    if (rv == SCARD_S_SUCCESS)
        rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                          &card, &proto);
    if (rv == SCARD_S_SUCCESS)
        rv = SCardStatus(card, NULL, &rlen, &state, &proto, buf, &alen);
    if (rv != SCARD_S_SUCCESS || alen > atr_cap) {
        fprintf(stderr, "csp: PC/SC on '%s': %s\n", reader, pcsc_stringify_error(rv));
        if (card)
            SCardDisconnect(card, SCARD_LEAVE_CARD);
        if (ctx)
            SCardReleaseContext(ctx);
        return -1;
    }
    memcpy(atr, buf, alen);
    *atr_len = alen;
    *hctx = (uintptr_t)ctx;
    *hcard = (uintptr_t)card;
    return 0;
}

void csp_pcsc_disconnect(uintptr_t hctx, uintptr_t hcard)
{
    SCardDisconnect((SCARDHANDLE)hcard, SCARD_LEAVE_CARD);
    SCardReleaseContext((SCARDCONTEXT)hctx);
}
