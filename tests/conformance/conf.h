/* Conformance tests: a CSP (ch_host) holding a context of the card module on an in-process
 * vpiv card, and the checks every conformance test needs. Include <cmocka.h> (after stdarg,
 * stddef, stdint, setjmp) before this header.
 *
 * The rule "no APDU before the parameters pass" (DESIGN.md) is checked by counting the APDUs
 * the module handed to its transport (conf_apdus), and the rule "every error path frees what it
 * allocated" by the host's counting allocator (conf_close fails on any leak). */
#ifndef CH_CONF_H
#define CH_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cardmod.h"
#include "host.h"
#include "vpiv.h"
#include "vpiv_link.h"

typedef struct conf {
    vpiv_card *card;
    ch_vpiv_link link; /* what CARD_DATA.hScard designates: the card, no fault planned */
    ch_host_csp csp;
    PCARD_DATA cd;
    bool own_card;
} conf;

/* A fresh deterministic vpiv card (seed 1), powered, and an acquired context of `version`.
 * The host allocator is reset first. */
void conf_open(conf *c, DWORD version);
/* The same on an existing card (not freed by conf_close). */
void conf_open_on(conf *c, vpiv_card *card, DWORD version);
/* Deletes the context, fails the test if anything the module allocated is still live, frees
 * the card if conf_open made it. */
void conf_close(conf *c);

/* Moves the CSP's file cache out of c (which then has none) / into c (replacing its own):
 * how a test makes a second context find what the first one cached, as the Base CSP's
 * process-wide cache does. */
ch_host_cache *conf_take_cache(conf *c);
void conf_give_cache(conf *c, ch_host_cache *cache);

/* APDUs the context has sent so far. */
unsigned long conf_apdus(const conf *c);

/* Runs `call` (an expression giving a DWORD) and checks that it returned `want` and sent no
 * APDU: the way every parameter-check test is written. */
#define CONF_NO_APDU(c, want, call)                                                          \
    do {                                                                                     \
        unsigned long conf_before_ = conf_apdus(c);                                          \
        assert_int_equal((call), (want));                                                    \
        assert_int_equal(conf_apdus(c), conf_before_);                                       \
    } while (0)

/* The CSP side's view of a UTF-16 literal (the ABI's LPWSTR is not const). */
#define CONF_W(s) ((LPWSTR)(u##s))

#endif
