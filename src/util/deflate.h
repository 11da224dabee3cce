/* A DEFLATE (RFC 1951) compressor writing a gzip member (RFC 1952): how the module stores a
 * certificate that does not fit a PIV object uncompressed (CertInfo 01, as ykpiv and the
 * YubiKey minidriver do). LZ77 with zlib's level-6 lazy matching over a 32 KiB window with
 * hash chains; each block is written with whichever of stored, fixed-Huffman or dynamic-Huffman
 * coding is shortest. No heap: the 100 KiB work area comes from the caller (ch_gzip_work) or
 * the stack (ch_gzip, about 110 KiB deep in all); output is bounded by cap; the input is only read. src/util/inflate.c and zlib
 * both read its output back (tests/unit/test_deflate.c, fuzz/fuzz_deflate.c). */
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

/* The same with the work area from the caller: ch_deflate_work_size() bytes, aligned as
 * malloc aligns (the card module takes it from the CSP's allocator rather than put 100 KiB on
 * a thread's stack). NULL work is CH_DEFLATE_INVALID. */
size_t ch_deflate_work_size(void);
int ch_gzip_work(void *work, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                 size_t *out_len);

/* CRC-32 (the gzip/zlib polynomial, reflected, 0xEDB88320) of p[0..n), continuing from crc
 * (start with 0). */
uint32_t ch_crc32(uint32_t crc, const uint8_t *p, size_t n);

#endif
