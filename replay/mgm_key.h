/* mgm_key: the PIV management key the user hands `mdreplay card` (--mgm-key-file, --mgm-key),
 * and the one thing done with it: the response to the card's challenge, as a CSP computes it
 * for CardAuthenticateChallenge (src/md/md_challenge.c: the challenge encrypted with the key,
 * ECB, one block). The key is only ever read from where the user put it; mdreplay-pcsc uses it
 * twice: its call filter answers the module's challenge with it, and its command guard lets a
 * management-key response reach the card only when it is this key's answer to the challenge
 * the card gave last (docs/replay.md "card"). */
#ifndef CH_REPLAY_MGM_KEY_H
#define CH_REPLAY_MGM_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mdr_mgm {
    uint8_t key[32];
    size_t len; /* 16, 24 or 32; 0: no key given */
} mdr_mgm;

/* Reads a key file: hex digits (either case; spaces, tabs, colons and line ends between them
 * ignored) of 16, 24 or 32 bytes. On failure prints one line naming the file and the problem
 * to stderr, wipes what it read and returns false. */
bool mdr_mgm_read(const char *path, mdr_mgm *k);

/* The response to challenge c (n bytes): 8 bytes, 3DES-EDE (a 24-byte key); 16 bytes, AES
 * with the key's length (128, 192 or 256 bits). out receives n bytes. False, out untouched,
 * when the key cannot answer such a challenge (no key, 3DES with a 16- or 32-byte key, another
 * length) or the cipher failed. */
bool mdr_mgm_response(const mdr_mgm *k, const uint8_t *c, size_t n, uint8_t *out);

/* Wipes the key (explicit_bzero: the compiler cannot drop it). */
void mdr_mgm_wipe(mdr_mgm *k);

#endif
