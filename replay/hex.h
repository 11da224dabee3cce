/*
 * hex: the hex text of the fixture programs (vpcd-card's rules and ATR, pcsc-transmit's APDU):
 * digits in either case, with optional spaces, tabs and colons anywhere between them. Prints
 * upper case without separators. No global state, no allocation; callers word their own errors.
 */
#ifndef CH_REPLAY_HEX_H
#define CH_REPLAY_HEX_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Results of ch_hex_decode. */
enum {
    CH_HEX_OK = 0,
    CH_HEX_EDIGIT = -1,   /* s[*pos] is neither a hex digit nor a separator */
    CH_HEX_ETOOLONG = -2, /* more than cap bytes; s[*pos] is the digit that completes byte cap+1 */
    CH_HEX_EODD = -3      /* s ends after an odd number of digits (2 * *out_len + 1) */
};

/* Decodes s into out[0..cap). Reads s once, left to right, and stops at the first problem, so a
 * bad digit after byte cap is reported as CH_HEX_ETOOLONG and one before it as CH_HEX_EDIGIT.
 * out may be NULL to only count (and check) the bytes; nothing is written then. Whatever the
 * result, *out_len is the number of whole bytes read (and, with out, stored) before stopping and,
 * if pos is not NULL, *pos the offset in s where reading stopped (the terminating NUL on success
 * and on CH_HEX_EODD). Returns CH_HEX_OK or one of the errors above. */
int ch_hex_decode(const char *s, unsigned char *out, size_t cap, size_t *out_len, size_t *pos);

/* Writes p[0..n) to f as upper-case hex digits ("%02X" per byte), nothing else. Stops at the
 * first failed write: returns 0, or -1 if a write failed. */
int ch_hex_fprint(FILE *f, const unsigned char *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* CH_REPLAY_HEX_H */
