/* The card module's per-context state, allocated with the CSP's allocator and kept in
 * CARD_DATA.pvVendorSpecific. No global mutable state exists in the module. */
#ifndef CH_MD_CONTEXT_H
#define CH_MD_CONTEXT_H

#include "apdu.h"
#include "cardmod.h"
#include "piv.h"
#include "transport.h"

#define CH_MD_MAGIC 0x70697664u /* "pivd": a CARD_DATA we did not set up is refused */

typedef struct ch_md_ctx {
    uint32_t magic;
    DWORD version;      /* negotiated CARD_DATA version, fixed for the context's life */
    ch_transport tp;
    ch_apdu_ctx apdu;   /* apdu.tp points at tp above: the context never moves */
    ch_piv_apt apt;
} ch_md_ctx;

/* The context of a CARD_DATA handed back to an entry point, or NULL if there is none. */
ch_md_ctx *ch_md_ctx_of(PCARD_DATA cd);

/* Fills exactly the function pointers of `version` (4..7), nothing else. */
void ch_md_fill_table(PCARD_DATA cd, DWORD version);

DWORD WINAPI CardDeleteContext(PCARD_DATA pCardData);

#endif
