/* UTF-16 helpers for the Cardmod ABI's strings (WCHAR is uint16_t there, never wchar_t).
 *
 * Every function is bounded by explicit sizes, allocates nothing, and fails closed: a string that
 * is not NUL-terminated within its bound, or is not well-formed, is an error, never truncated.
 * Output buffers are always NUL-terminated when out_cap > 0, also on failure (out[0] = 0 then).
 * Length outputs (len, out_len) may be NULL and are only written on success.
 */
#ifndef CH_UTF16_H
#define CH_UTF16_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounded strlen: false if s is NULL or no NUL occurs within the first max units. */
bool ch_u16_len(const uint16_t *s, size_t max, size_t *len);

/* True iff s is NUL-terminated within max units and equals the ASCII string exactly
 * (case-sensitive). A byte >= 0x80 in `ascii` never matches. */
bool ch_u16_eq_ascii(const uint16_t *s, size_t max, const char *ascii);

/* True iff a and b are both NUL-terminated within max units and equal. */
bool ch_u16_eq(const uint16_t *a, const uint16_t *b, size_t max);

/* Strict UTF-8 (in_len bytes, no terminator needed; `in` may be NULL only if in_len == 0) to
 * UTF-16 with surrogate pairs. Rejects overlong forms, UTF-8-encoded surrogates, code points above
 * U+10FFFF, truncated sequences, stray continuation bytes and U+0000. The output, NUL included,
 * must fit in out_cap units; *out_len excludes the NUL. */
bool ch_u16_from_utf8(const char *in, size_t in_len, uint16_t *out, size_t out_cap,
                      size_t *out_len);

/* Strict UTF-16 (in_units units, excluding any terminator; `in` may be NULL only if
 * in_units == 0) to UTF-8. Rejects unpaired surrogates and U+0000. The output, NUL included, must
 * fit in out_cap bytes; *out_len excludes the NUL. */
bool ch_u16_to_utf8(const uint16_t *in, size_t in_units, char *out, size_t out_cap,
                    size_t *out_len);

/* s (NUL-terminated within max units) to printable ASCII: only 0x20..0x7E are accepted.
 * The output, NUL included, must fit in out_cap bytes. */
bool ch_u16_to_ascii(const uint16_t *s, size_t max, char *out, size_t out_cap);

#endif
