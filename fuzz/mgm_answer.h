/* mgm_answer: the CSP's side of PIV management-key authentication, as the module expects it
 * from a CSP (src/md/md_challenge.c): the card's challenge encrypted with the key, ECB, one
 * block. The harnesses that log in as admin (fuzz_session, fuzz_keyblob, record_apdu_seeds)
 * and mdreplay card (the user's key) all answer with it; vpiv, the card, keeps its own
 * cipher code (src/vpiv/vpiv_mgm.c), so that the card is not checked against itself. */
#ifndef CH_FUZZ_MGM_ANSWER_H
#define CH_FUZZ_MGM_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* out = the answer to challenge c of block bytes under key (key_len bytes): an 8-byte
 * challenge with 3DES-EDE (a 24-byte key), a 16-byte one with AES of the key's length (16, 24
 * or 32 bytes). False, out untouched, when the key cannot answer such a challenge (3DES with
 * a 16- or 32-byte key, no key, another block size) or the cipher failed. */
bool ch_mgm_answer(const uint8_t *key, size_t key_len, const uint8_t *c, size_t block,
                   uint8_t *out);

#endif
