/* Unit tests: building BER-TLV / DER answers by hand (one-byte tags, definite lengths up to
 * 65535). Include <cmocka.h> first: an overflow of the buffer fails the test. */
#ifndef CH_TLV_BUF_H
#define CH_TLV_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t b[4096];
    size_t n;
} buf;

/* Appends len bytes of p. */
void put(buf *o, const void *p, size_t len);
/* Appends tag (<= 0xFF), its BER length (short, 81 or 82 form) and the value. */
void tlv(buf *o, uint32_t tag, const void *v, size_t len);

#endif
