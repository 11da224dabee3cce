/* The bounded cursor: the only code that reads bytes which come from outside the module
 * (card answers, key blobs, cmapfile written by the CSP, fuzz input).
 *
 * Every read checks the remaining length before touching memory and is all-or-nothing:
 * a failed read returns false and leaves the cursor exactly where it was, so callers can
 * try alternatives and error paths never see a half-advanced position.
 */
#ifndef CH_CURSOR_H
#define CH_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ch_cur {
    const uint8_t *p; /* first byte of the window (NULL only when len == 0) */
    size_t len;       /* window size */
    size_t pos;       /* bytes consumed, always <= len */
} ch_cur;

/* BER-TLV limits: tags of up to 4 bytes (e.g. 5F C1 05, 7F 49); lengths in the short form or
 * 81/82/83/84 long forms. Indefinite length (80) and longer forms are rejected. */
#define CH_BER_TAG_MAX_BYTES 4u

void ch_cur_init(ch_cur *c, const void *p, size_t len);
size_t ch_cur_left(const ch_cur *c);
bool ch_cur_empty(const ch_cur *c);
/* Borrow a view of what remains, without consuming it. */
const uint8_t *ch_cur_peek_ptr(const ch_cur *c);

bool ch_cur_u8(ch_cur *c, uint8_t *out);
bool ch_cur_peek_u8(const ch_cur *c, uint8_t *out);
bool ch_cur_u16be(ch_cur *c, uint16_t *out);
bool ch_cur_u16le(ch_cur *c, uint16_t *out);
bool ch_cur_u32be(ch_cur *c, uint32_t *out);
bool ch_cur_u32le(ch_cur *c, uint32_t *out);
/* Copies n bytes to dst (dst may be NULL only when n == 0). */
bool ch_cur_bytes(ch_cur *c, void *dst, size_t n);
/* Consumes n bytes and hands back a pointer to them (valid as long as the source buffer). */
bool ch_cur_take(ch_cur *c, size_t n, const uint8_t **out);
bool ch_cur_skip(ch_cur *c, size_t n);
/* Consumes n bytes and makes *sub a cursor over exactly those bytes. */
bool ch_cur_sub(ch_cur *c, size_t n, ch_cur *sub);
/* Makes *sub a cursor over everything that remains and consumes it. */
void ch_cur_rest(ch_cur *c, ch_cur *sub);

/* BER-TLV. Tag bytes are packed big-endian into *tag (0x5FC105, 0x7F49, 0x53...). */
bool ch_cur_ber_tag(ch_cur *c, uint32_t *tag);
/* Reads a BER length; does NOT compare it with what remains (ch_cur_tlv does). */
bool ch_cur_ber_len(ch_cur *c, size_t *len);
/* Tag, length, and a sub-cursor over the value; fails if the value runs past the window. */
bool ch_cur_tlv(ch_cur *c, uint32_t *tag, ch_cur *value);
/* Scans the TLVs that remain at this level (without consuming) for the first with `tag`.
 * Returns false if it is absent or if the level is malformed before it is found. */
bool ch_cur_find(const ch_cur *c, uint32_t tag, ch_cur *value);

#endif
