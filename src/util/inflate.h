/* Bounded DEFLATE decoder (RFC 1951) with the gzip (RFC 1952) and zlib (RFC 1950) wrappers.
 *
 * Certificates on PIV cards may be gzip-compressed (CertInfo 01) and the CSP's own compressed
 * certificate format is zlib data: both come from outside the module, so the decoder reads its
 * input through the bounded cursor and writes only inside out[0..out_cap). It allocates nothing
 * (tables live on the stack) and its running time is linear in in_len + out_cap: a
 * decompression bomb ends with CH_INFLATE_TOO_BIG as soon as the output bound is reached.
 */
#ifndef CH_INFLATE_H
#define CH_INFLATE_H

#include <stddef.h>
#include <stdint.h>

typedef enum ch_inflate_rc {
    CH_INFLATE_OK = 0,
    CH_INFLATE_TOO_BIG = 1,   /* the output would exceed out_cap */
    CH_INFLATE_MALFORMED = 2, /* bad header, bad block, bad code, distance too far back,
                                 truncated input, check value mismatch, trailing bytes */
} ch_inflate_rc;

/* Raw DEFLATE. *in_used = bytes of `in` consumed up to the end of the final block (the
 * partial last byte counted). Trailing input after the final block is allowed here (the
 * wrappers check it). On any error *out_len = 0, *in_used = 0 and out is wiped. */
ch_inflate_rc ch_inflate_raw(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                             size_t *out_len, size_t *in_used);

/* One gzip member, nothing after it: header (FTEXT/FHCRC/FEXTRA/FNAME/FCOMMENT handled,
 * reserved flag bits refused, CM must be 8), DEFLATE data, CRC-32 and ISIZE checked. */
ch_inflate_rc ch_inflate_gzip(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                              size_t *out_len);

/* One zlib stream, nothing after it: CMF/FLG checked (CM 8, CINFO <= 7, FCHECK, no FDICT),
 * DEFLATE data, Adler-32 checked. */
ch_inflate_rc ch_inflate_zlib(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                              size_t *out_len);

#endif
