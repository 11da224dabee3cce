/* mgm_key: the PIV management key the user hands `mdreplay card` (--mgm-key-file, --mgm-key),
 * read from where the user put it and nowhere else. Its one use is the answer to the card's
 * challenge, as a CSP computes it (fuzz/mgm_answer.h: ch_mgm_answer). mdreplay-pcsc uses it
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

/* Wipes the key (explicit_bzero: the compiler cannot drop it). */
void mdr_mgm_wipe(mdr_mgm *k);

#endif
