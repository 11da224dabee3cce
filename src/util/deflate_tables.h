/* The fixed tables of DEFLATE (RFC 1951 section 3.2.5 and 3.2.7), shared by the decoder
 * (inflate.c) and the encoder (deflate.c), and the CRC-32 of gzip (RFC 1952). */
#ifndef CH_DEFLATE_TABLES_H
#define CH_DEFLATE_TABLES_H

#include <stdint.h>

/* Length codes 257..285: base length and extra bits, indexed by code - 257. */
extern const uint16_t ch_deflate_len_base[29];
extern const uint8_t ch_deflate_len_extra[29];
/* Distance codes 0..29: base distance and extra bits. */
extern const uint16_t ch_deflate_dist_base[30];
extern const uint8_t ch_deflate_dist_extra[30];
/* The order in which code length code lengths are sent. */
extern const uint8_t ch_deflate_cl_order[19];

#endif
