/* Shared by the private-key entry points (md_sign.c, md_decrypt.c, md_dh.c). */
#ifndef CH_MD_CRYPTO_H
#define CH_MD_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "md_fs.h"

/* CAPI's byte order is little-endian: out[i] = in[n-1-i]. in and out may be the same. */
void ch_md_reverse(uint8_t *out, const uint8_t *in, size_t n);

/* The container's key for a private-key operation: ch_md_container_key, and the PIV
 * algorithm id of that key in *alg. */
DWORD ch_md_private_key(PCARD_DATA cd, ch_md_ctx *ctx, BYTE idx, ch_md_cmap_entry *e,
                        ch_piv_pubkey *pub, uint8_t *alg);

/* Field size in bytes of an EC key type (32, 48), 0 for anything else. */
size_t ch_md_ec_field(ch_piv_key_type type);

#endif
