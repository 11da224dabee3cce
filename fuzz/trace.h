/* trace: a fuzz target's account of one input, for `mdreplay show` (docs/replay.md).
 *
 * When the environment variable CH_TRACE_FILE names a file at the first event of a process,
 * every event is appended to it as one JSON object per line; otherwise nothing is done and
 * the cost is one test of a static. Harness code only: the shipped library has no run-time
 * switch (DESIGN.md), the fuzz targets and their test doubles are not shipped.
 *
 * Events, in the order they happen:
 *   {"ev":"apdu","c":"<C-APDU hex>","r":"<R-APDU hex>","rc":<SCARD code>}   an exchange
 *       (rc != 0: the transport failed it and r is empty)
 *   {"ev":"call","name":"<entry point or step>","detail":"<arguments>","rc":<code>}
 *       a CSP call returned; the "apdu" events since the previous "call" were its exchanges
 *   {"ev":"note","text":"<what the harness did>"}   e.g. a planned fault, a second context
 * Strings are JSON-escaped; hex is upper case. */
#ifndef CH_FUZZ_TRACE_H
#define CH_FUZZ_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CH_TRACE_ENV "CH_TRACE_FILE"

/* Whether events are being written (opens the file on the first use). */
bool ch_trace_on(void);
void ch_trace_exchange(const uint8_t *capdu, size_t capdu_len, const uint8_t *rapdu,
                       size_t rapdu_len, uint32_t rc);
void ch_trace_call(const char *name, const char *detail, uint32_t rc);
void ch_trace_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same as ch_trace_exchange, shaped as the script transport's observer
 * (src/transport/script.h); arg is unused. */
void ch_trace_observe(void *arg, const uint8_t *capdu, size_t capdu_len, const uint8_t *rapdu,
                      size_t rapdu_len, uint32_t rc);

#endif
