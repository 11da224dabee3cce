/* The card module's per-context state, allocated with the CSP's allocator and kept in
 * CARD_DATA.pvVendorSpecific. No global mutable state exists in the module. */
#ifndef CH_MD_CONTEXT_H
#define CH_MD_CONTEXT_H

#include "apdu.h"
#include "cardmod.h"
#include "piv.h"
#include "transport.h"

#define CH_MD_MAGIC 0x70697664u /* "pivd": a CARD_DATA we did not set up is refused */

/* PIN identifiers (docs/card-mapping.md). ROLE_USER and CH_MD_PIN_SIGN are both the PIV PIN
 * (80); CH_MD_PIN_SIGN is how slot 9C's PIN-always policy is shown to the CSP. */
#define CH_MD_PIN_SIGN 3u
#define CH_MD_PIN_PUK 4u
#define CH_MD_PINS_DEFINED (CREATE_PIN_SET(ROLE_USER) | CREATE_PIN_SET(ROLE_ADMIN) | \
                            CREATE_PIN_SET(CH_MD_PIN_SIGN) | CREATE_PIN_SET(CH_MD_PIN_PUK))

#define CH_MD_MAX_AGREEMENTS 8u

typedef struct ch_md_ctx {
    uint32_t magic;
    DWORD version;      /* negotiated CARD_DATA version, fixed for the context's life */
    ch_transport tp;
    ch_apdu_ctx apdu;   /* apdu.tp points at tp above: the context never moves */
    ch_piv_apt apt;
    bool need_select;   /* the card was reset: SELECT the application before the next command */

    /* What this context authenticated. The card is the authority for the PIN (an empty VERIFY
     * asks it); the management key has no such query, so this bit is its only record. Both
     * are cleared when the card reports a reset or removal. */
    PIN_SET authenticated;
    uint8_t mgm_alg;             /* management-key algorithm, 0 until read */
    uint8_t challenge[16];       /* the outstanding admin challenge; wiped once answered */
    size_t challenge_len;

    /* Read once per context: a context is bound to one card (a new card is a new context). */
    bool cardid_known;
    uint8_t cardid[16];

    /* ECDH shared secrets (CardConstructDHAgreement), by agreement index, until
     * CardDestroyDHAgreement or CardDeleteContext (which wipes the whole context). */
    struct {
        bool used;
        uint8_t z[48];
        size_t len;
    } agreements[CH_MD_MAX_AGREEMENTS];

    /* Write-only properties the CSP set (CardSetProperty). */
    uintptr_t parent_window;
    bool pin_context_set;
} ch_md_ctx;

/* The context of a CARD_DATA handed back to an entry point, or NULL if there is none. */
ch_md_ctx *ch_md_ctx_of(PCARD_DATA cd);

/* Fills exactly the function pointers of `version` (4..7), nothing else. */
void ch_md_fill_table(PCARD_DATA cd, DWORD version);

DWORD WINAPI CardDeleteContext(PCARD_DATA pCardData);

/* Before the first APDU of an entry point, after every parameter check has passed: SELECTs the
 * PIV application again when a reset deselected it. */
DWORD ch_md_card_io(ch_md_ctx *ctx);
/* After the card exchanges of an entry point: a reset or removal reported by the transport
 * clears the authentication state (and asks for a new SELECT). Returns rc unchanged. */
DWORD ch_md_card_done(ch_md_ctx *ctx, DWORD rc);

/* The CSP's allocator (ch_md_free: p may be NULL). A block that held a secret is wiped with
 * ch_wipe, for the length it was used, before ch_md_free (unit/secret_residue checks). */
void *ch_md_alloc(PCARD_DATA cd, size_t n);
void ch_md_free(PCARD_DATA cd, void *p);

#endif
