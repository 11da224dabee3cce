/* Shared inside the PIV edge (src/piv), not part of its interface. */
#ifndef CH_PIV_INTERNAL_H
#define CH_PIV_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "piv.h"

/* The public key TLVs of a key of algorithm alg, all of v and nothing else: RSA 81 n 82 e (in
 * either order, each once; n exactly the algorithm's bits once leading zeros are dropped, top
 * bit set, odd; e 1..4 bytes, odd, >= 3) or EC 86 04||X||Y of the curve. pk written only when
 * true. */
bool ch_piv_pubkey_tlvs(ch_cur *v, uint8_t alg, ch_piv_pubkey *pk);

/* A BER definite length in its shortest form (short, 81, 82, 83): the byte count, 0 for 2^24
 * and above (every caller bounds its content far below). ch_piv_ber_len_size: the count
 * alone. */
#define CH_PIV_BER_LEN_MAX 4u
size_t ch_piv_ber_len(size_t len, uint8_t out[CH_PIV_BER_LEN_MAX]);
size_t ch_piv_ber_len_size(size_t len);

#endif
