/* pcsc_guard: the PC/SC side of mdreplay-pcsc, kept apart from cardmod.h (pcsc-lite's DWORD
 * and LONG are not the ABI's). It connects to a reader, and it interposes SCardTransmit: the
 * production library (libpivmd.so, pcsc transport) calls SCardTransmit through the dynamic
 * linker, which finds this program's definition first (exported with
 * -Wl,--export-dynamic-symbol); every exchange is recorded, and unless told otherwise the guard
 * refuses to forward a command that would change the card or present a secret the user did not
 * give (docs/replay.md "card"). The shipped library is not changed in any way. */
#ifndef CH_REPLAY_PCSC_GUARD_H
#define CH_REPLAY_PCSC_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mgm_key.h"

typedef struct mdr_xchg {
    uint8_t *c, *r;      /* malloc'd */
    size_t c_len, r_len;
    uint32_t rc;         /* SCARD code of the exchange (0: the card answered) */
    bool blocked;        /* refused by the guard, never sent */
} mdr_xchg;

typedef struct mdr_pcsc {
    uintptr_t hctx, hcard;
    char reader[256];
    uint8_t atr[36];
    size_t atr_len;
    bool allow_writes;   /* forward commands that change the card */
    bool emulated;       /* the card is the finding's emulation: forward everything */
    uint8_t pin[8];      /* the user's PIN as VERIFY carries it (padded with FF) */
    bool have_pin;
    mdr_mgm mgm;         /* the user's management key (mgm.len 0: none given) */
    uint8_t challenge[16]; /* the card's last management-key challenge, while unanswered */
    size_t challenge_len;
    mdr_xchg *x;         /* every exchange, in order */
    size_t n, cap;
    unsigned blocked;
    bool card_gone;      /* the reader reported the card removed or reset */
    FILE *log;           /* live lines "> hex  description" / "< hex  description" (or NULL) */
    FILE *transcript;    /* transcript2seed format: "> HEX" / "< HEX" lines (or NULL) */
} mdr_pcsc;

/* Connects to reader (exact name) or, with wait_s > 0 and a name that is a substring, waits
 * up to wait_s seconds for a reader whose name contains it to show a card. Prints one line and
 * returns false when pcscd or the reader is not there (the caller exits 4). */
bool mdr_pcsc_open(mdr_pcsc *p, const char *reader, unsigned wait_s);
void mdr_pcsc_close(mdr_pcsc *p);
/* Sets the user's PIN (1..8 bytes, as the module pads it for VERIFY). */
bool mdr_pcsc_set_pin(mdr_pcsc *p, const uint8_t *pin, size_t len);
/* The connection the interposer serves (one at a time: this program runs one finding). */
void mdr_pcsc_activate(mdr_pcsc *p);

/* Whether the guard lets a C-APDU through, and why not (static text) when it does not. A
 * management-key response passes only when it is p->mgm's answer to p->challenge. */
bool mdr_guard_allows(const mdr_pcsc *p, const uint8_t *c, size_t len, const char **why);
/* After an exchange the card answered: keeps the challenge of a GENERAL AUTHENTICATE 9B
 * answer (7C { 81 challenge }, 9000) in p->challenge; any other 9B authentication step, and
 * any SELECT, ends the one kept (the card answers a challenge once, and SELECT resets it). */
void mdr_guard_saw(mdr_pcsc *p, const uint8_t *c, size_t cl, const uint8_t *r, size_t rl);

#endif
