/* script transport: the card's answers come from a byte script; what was sent is recorded.
 *
 * Used by unit tests, fuzz targets and replay: a fuzz input's card answers are a script.
 * Format (big-endian, so a finding means the same on every machine):
 *   entry := u16 len, then len bytes: one R-APDU, handed back verbatim
 *          | u16 len >= 0xFF00: no bytes follow; this exchange fails in the transport with
 *            ch_script_event_error(len & 0xFF) (communication lost, card reset, card removed)
 * An entry whose length runs past the end of the script answers with the bytes that remain.
 * Once the script is exhausted every exchange fails with SCARD_W_REMOVED_CARD.
 *
 * The test or fuzz harness owns a ch_script and puts its address in CARD_DATA.hScard; the
 * script transport's ch_transport_open takes it back from there (link-time choice: the
 * shipped library never contains this file).
 */
#ifndef CH_SCRIPT_H
#define CH_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

#define CH_SCRIPT_EVENT_BASE 0xFF00u
#define CH_SCRIPT_MAX_LOG (1u << 20) /* bytes of recorded C-APDUs kept; the count goes on */

/* Sees every exchange with the answer handed back (rc != 0: failed, no answer). */
typedef void (*ch_script_observer)(void *arg, const uint8_t *capdu, size_t capdu_len,
                                   const uint8_t *rapdu, size_t rapdu_len, uint32_t rc);

typedef struct ch_script {
    ch_cur answers;      /* what remains to be answered */
    unsigned exchanges;  /* transmit calls so far */
    unsigned fail_at;    /* 1-based exchange that fails with fail_code; 0 = none */
    uint32_t fail_code;
    uint8_t *log;        /* sent C-APDUs, framed like the script: u16 len + bytes */
    size_t log_len, log_cap;
    bool log_truncated;
    ch_script_observer observe; /* NULL after ch_script_init; set by tracing harnesses */
    void *observe_arg;
} ch_script;

void ch_script_init(ch_script *s, const uint8_t *script, size_t len);
void ch_script_free(ch_script *s);
/* The SCARD error an event entry (0xFF00 | code) stands for. */
uint32_t ch_script_event_error(uint8_t code);
/* Walks the recorded C-APDUs: i-th one (0-based) into *out; false when there is none. */
bool ch_script_sent(const ch_script *s, unsigned i, ch_cur *out);

#endif
