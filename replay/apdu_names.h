/* apdu_names: ISO 7816-4 / PIV (SP 800-73-4) / YubiKey names for the bytes of a transcript, so
 * `mdreplay show` prints "GET DATA 5FC105 (X.509 Certificate for PIV Authentication)" and
 * "6983 (authentication method blocked)" instead of hex alone. Pure functions over const tables;
 * every describe function reads its input through the bounded cursor, never fails, never writes
 * past cap and always NUL-terminates (cap > 0). Unknown values get a neutral spelling
 * ("INS 0x12", "tag 5FC1FF", "SW 6F00") rather than a guess. */
#ifndef CH_REPLAY_APDU_NAMES_H
#define CH_REPLAY_APDU_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* The command's name from CLA/INS (CLA bit 0x10, chaining, is ignored here): "SELECT",
 * "GET DATA", "VERIFY", "CHANGE REFERENCE DATA", "RESET RETRY COUNTER", "GENERAL AUTHENTICATE",
 * "GENERATE ASYMMETRIC KEY PAIR", "PUT DATA", "GET RESPONSE", and the YubiKey ones ("GET
 * VERSION", "GET SERIAL", "GET METADATA", "SET MANAGEMENT KEY", "IMPORT ASYMMETRIC KEY",
 * "SET PIN RETRIES", "RESET", "ATTEST", ...). NULL when unknown. */
const char *ch_an_command(uint8_t cla, uint8_t ins);

/* A PIV data object or BER-TLV tag used by the card edge: "CHUID", "Card Capability
 * Container", "X.509 Certificate for PIV Authentication", "Key History Object", "Discovery
 * Object", the retired key certificates, "Yubico MSCMAP" (5FFF10), "cardhammer cardcf"
 * (5FFF0E), template tags of answers (53, 7C, 7F49, 70, 71, FE, 80, 81, 82, 85, 86, 99, AA, AB,
 * 01..07 of metadata in the context they are read). A tag that means different things in
 * different templates gets, here, the meaning of the first template of 7C (80 witness, 81
 * challenge, 82 response, 85 exponentiation), 7F49 (86 EC point), AC (AA, AB policies), 53
 * (70, 71, FE) that has it; ch_an_tag_in names it in its template. NULL when unknown. */
const char *ch_an_object(uint32_t tag);
/* A tag inside the template `parent` (7C, 7F49, AC, 53, 61, 79, 7E), or at the top level of
 * an answer or of a command's data field (parent 0: 53, 5C, 7C, 7F49, 61, AC, GET METADATA's
 * 01..08, secure messaging's 87/8E/97/99). No data objects here (ch_an_object). NULL when
 * unknown. */
const char *ch_an_tag_in(uint32_t parent, uint32_t tag);
/* A key reference (P2 of VERIFY / GENERAL AUTHENTICATE, ...): "PIV PIN" (80), "PUK" (81),
 * "global PIN" (00), "card management key" (9B), "PIV Authentication" (9A), "Digital Signature"
 * (9C), "Key Management" (9D), "Card Authentication" (9E), "retired 1".."retired 20" (82..95),
 * "attestation" (F9). NULL when unknown. */
const char *ch_an_key_ref(uint8_t ref);
/* An algorithm id (P1 of GENERAL AUTHENTICATE, tag 80 of GENERATE): "3DES" (03), "AES-128"
 * (08), "AES-192" (0A), "AES-256" (0C), "RSA-1024" (06), "RSA-2048" (07), "RSA-3072" (05),
 * "RSA-4096" (16), "ECC P-256" (11), "ECC P-384" (14), ... NULL when unknown. */
const char *ch_an_alg(uint8_t alg);

/* The meaning of a status word: "success", "more data: N bytes" (61xx), "wrong length, use Le
 * N" (6Cxx), "verification failed, N tries left" (63Cx), "security status not satisfied"
 * (6982), "authentication method blocked" (6983), "file or application not found" (6A82), ...
 * Writes into buf[0..cap) and returns buf. */
const char *ch_an_sw(uint16_t sw, char *buf, size_t cap);

/* One line about a C-APDU: name, the parameters that matter for that command (GET DATA's tag
 * from its 5C, VERIFY's key reference and data length (never the PIN itself: "8 bytes"),
 * GENERAL AUTHENTICATE's algorithm, key and the dynamic authentication template's parts,
 * GENERATE's key and algorithm, PUT DATA's tag, "chained" when CLA bit 0x10 is set, Lc / Le).
 * A malformed APDU is described as such ("short APDU: 3 bytes"). No byte of the data field is
 * printed but SELECT's AID and the 5C tag list: a transcript may be shared. Stateless: a block
 * of PUT DATA / GENERAL AUTHENTICATE that does not start with 5C / 7C is a "chained block".
 * Returns strlen(buf). */
size_t ch_an_describe_command(const uint8_t *capdu, size_t len, char *buf, size_t cap);

/* One line about an R-APDU: the status word and its meaning, and when there is data its
 * length and the top-level BER-TLV tags it starts with (names where known, "(not BER-TLV)"
 * when it does not parse), one level inside 53, 7C, 7F49, 61, AC, 7E; never a value byte.
 * Under 61xx the last TLV may run past the data ("N bytes, M here"). An answer shorter than 2
 * bytes is described as such. Returns strlen(buf). */
size_t ch_an_describe_answer(const uint8_t *rapdu, size_t len, char *buf, size_t cap);

#endif
