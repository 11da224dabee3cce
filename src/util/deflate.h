/* A DEFLATE (RFC 1951) compressor writing a gzip member (RFC 1952): how the module stores a
 * certificate that does not fit a PIV object uncompressed (CertInfo 01, as ykpiv and the
 * YubiKey minidriver do). Greedy LZ77 over a 32 KiB window with hash chains; each block is
 * written with whichever of stored, fixed-Huffman or dynamic-Huffman coding is shortest.
 * No heap; the work area is on the stack (documented in deflate.c); output is bounded by cap
 * and every byte of the input is read once. src/util/inflate.c and zlib both read its output
 * back (tests/unit/test_deflate.c, fuzz_inflate's round-trip mode). */
#ifndef CH_DEFLATE_H
#define CH_DEFLATE_H

#include <stddef.h>
#include <stdint.h>

#define CH_DEFLATE_OK 0
#define CH_DEFLATE_TOO_BIG 1 /* the gzip member does not fit in cap; out is wiped */
#define CH_DEFLATE_INVALID 2 /* NULL pointer with a non-zero length */

/* The input length accepted: what a PIV certificate can be (CH_PIV_CERT_MAX) and more. */
#define CH_DEFLATE_MAX_IN (1u << 20)

/* gzip member of in[0..len) (header 1F 8B 08 00 00000000 00 FF, CRC-32, ISIZE) into
 * out[0..cap); *out_len its length. in may be NULL when len == 0. */
int ch_gzip(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* CRC-32 (the gzip/zlib polynomial, reflected, 0xEDB88320) of p[0..n), continuing from crc
 * (start with 0). */
uint32_t ch_crc32(uint32_t crc, const uint8_t *p, size_t n);

#endif
