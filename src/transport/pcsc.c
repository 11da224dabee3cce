/* pcsc transport: SCardTransmit on the handle the CSP gave in CARD_DATA.hScard.
 *
 * The only transport linked into the shipped library. This is the one file where pcsc-lite's
 * types (DWORD = unsigned long, LONG = long on LP64) meet ours: everything crossing
 * transport.h is size_t / uint32_t, converted here with range checks.
 */
#include "transport.h"

#ifdef _WIN32
#include <windows.h>
#include <winscard.h>
#else
#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#endif

#include <stdint.h>
#include <string.h>

/* Values shared by Windows and pcsc-lite; named here to keep pcsc-lite's macros out of
 * transport.h (they are LONG-typed there). */
#define CH_OK 0u
#define CH_E_INVALID_PARAMETER 0x80100004u
#define CH_E_INSUFFICIENT_BUFFER 0x80100008u
#define CH_ATR_BUF 36u /* ISO 7816-3 allows 33; pcsc-lite's MAX_ATR_SIZE is 33, Windows' 36 */

static uint32_t to_u32(LONG rv) { return (uint32_t)(rv & 0xFFFFFFFF); }

uint32_t ch_transport_open(ch_transport *tp, uintptr_t hctx, uintptr_t hcard)
{
    DWORD state = 0, proto = 0, reader_len = 0, atr_len = CH_ATR_BUF;
    BYTE atr[CH_ATR_BUF];
    LONG rv;

    memset(tp, 0, sizeof *tp);
    tp->hctx = hctx;
    tp->hcard = hcard;
    /* The CSP connected; ask which protocol it negotiated so we pick the matching PCI. */
    rv = SCardStatus((SCARDHANDLE)hcard, NULL, &reader_len, &state, &proto, atr, &atr_len);
    if (rv != SCARD_S_SUCCESS)
        return to_u32(rv);
    tp->proto = (uint32_t)proto;
    return CH_OK;
}

uint32_t ch_transport_transmit(ch_transport *tp, const uint8_t *capdu, size_t capdu_len,
                               uint8_t *rapdu, size_t cap, size_t *rapdu_len)
{
    const SCARD_IO_REQUEST *pci = tp->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    DWORD rlen;
    LONG rv;

    *rapdu_len = 0;
    if (capdu_len > 0xFFFFu + 7u || cap > 0xFFFFu + 2u)
        return CH_E_INVALID_PARAMETER;
    rlen = (DWORD)cap;
    rv = SCardTransmit((SCARDHANDLE)tp->hcard, pci, capdu, (DWORD)capdu_len, NULL, rapdu, &rlen);
    if (rv != SCARD_S_SUCCESS)
        return to_u32(rv);
    if (rlen > cap) /* a broken resource manager must not make us read past our buffer */
        return CH_E_INSUFFICIENT_BUFFER;
    *rapdu_len = (size_t)rlen;
    return CH_OK;
}

void ch_transport_close(ch_transport *tp) { memset(tp, 0, sizeof *tp); }
