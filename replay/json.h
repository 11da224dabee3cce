/* json: the few JSON output primitives mdreplay needs (RFC 8259), on a FILE *.
 * Strings are written as UTF-8 with every control character, '"' and '\\' escaped; a byte
 * sequence that is not valid UTF-8 is written with each bad byte as U+FFFD, so the output is
 * always valid JSON whatever the finding or the sanitizer printed. No allocation, no state. */
#ifndef CH_REPLAY_JSON_H
#define CH_REPLAY_JSON_H

#include <stddef.h>
#include <stdio.h>

/* A JSON string literal of s[0..n) (quotes included). */
void ch_json_str_n(FILE *f, const char *s, size_t n);
/* The same for a NUL-terminated s; NULL writes null. */
void ch_json_str(FILE *f, const char *s);
/* A string of upper-case hex digits of p[0..n). */
void ch_json_hex(FILE *f, const unsigned char *p, size_t n);

#endif
