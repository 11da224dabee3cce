/* vpiv: a virtual PIV card (NIST SP 800-73-4 plus the YubiKey extensions), as a library:
 * bytes in, bytes out, all state in one struct. Used in-process (the vpiv transport) and
 * behind a real pcscd (vpiv-vpcd). Crypto through OpenSSL libcrypto.
 *
 * Not part of the shipped minidriver: it is the card the workbench tests against. */
#ifndef CH_VPIV_H
#define CH_VPIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct vpiv_card vpiv_card;

/* Longest answer vpiv_process writes: 256 data bytes + SW (short APDUs only). */
#define VPIV_MAX_RAPDU 258u

/* A fresh card (default PIN 123456, PUK 12345678, 3DES management key 0102..08 x3, no keys,
 * no objects) or, when state_path names an existing file, the card saved there. Every change
 * is then saved to state_path atomically (write, fsync, rename). NULL: in memory only.
 * Returns NULL on error (unreadable or corrupt state file, out of memory) with a one-line
 * reason in *why when why is not NULL. */
vpiv_card *vpiv_new(const char *state_path, const char **why);
void vpiv_free(vpiv_card *card);

/* Power events as a reader sends them: they clear the volatile state (PIN verified,
 * management key authenticated, application selected, chaining in progress). */
enum { VPIV_POWER_OFF = 0, VPIV_POWER_ON = 1, VPIV_RESET = 2 };
void vpiv_power(vpiv_card *card, int event);

/* The ATR this card answers with (a YubiKey 5's). */
const uint8_t *vpiv_atr(size_t *len);

/* One command APDU in, one response APDU out (rapdu must hold VPIV_MAX_RAPDU bytes).
 * Returns the response length (always >= 2: a status word). Never fails: malformed
 * commands get the status word a real card gives (6700, 6A80, 6D00, 6E00, ...). */
size_t vpiv_process(vpiv_card *card, const uint8_t *capdu, size_t capdu_len, uint8_t *rapdu);

/* Deterministic randomness for tests and fuzzing: every random byte comes from a counter
 * seeded here instead of RAND_bytes (key generation included). */
void vpiv_set_deterministic(vpiv_card *card, uint64_t seed);

#endif
