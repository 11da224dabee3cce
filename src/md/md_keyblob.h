/* Key blobs the CSP hands to CardCreateContainer(Ex) with CARD_CREATE_CONTAINER_KEY_IMPORT
 * (cardmod.md "Key blobs"): a CAPI PRIVATEKEYBLOB (RSA) or a BCRYPT_ECCKEY_BLOB private key
 * (ECDSA/ECDH P-256, P-384). Pure: bytes in, typed key out; no I/O, no card, no heap.
 *
 * The API passes no blob length, so the entry point first asks ch_keyblob_size what the header
 * says the blob's length is (reading the 8-byte header, and for RSA the 12 bytes of RSAPUBKEY
 * that the BLOBHEADER announced), refuses anything longer than CH_KEYBLOB_MAX before reading
 * further, and then parses exactly that many bytes. The parser itself is length-checked: it
 * never reads outside blob[0..len).
 *
 * Checks, in this order (the first failure is returned; fuzz_keyblob_diff relies on it):
 *   RSA: header (bType PRIVATEKEYBLOB, bVersion 2) -> BAD_TYPE; aiKeyAlg CALG_RSA_KEYX or
 *        CALG_RSA_SIGN -> BAD_ALG; magic RSA2 -> BAD_MAGIC; bitlen 0, not a multiple of 16 or
 *        above 16384 -> BAD_SIZE; length -> SHORT / TRAILING; bitlen not 1024/2048/3072/4096
 *        -> UNSUPPORTED; pubexp even or below 3 -> INCONSISTENT, not 65537 (the only exponent
 *        PIV import takes) -> UNSUPPORTED; then INCONSISTENT unless: n has exactly bitlen bits,
 *        p and q are odd, above 1, p*q == n, d < n, dp == d mod (p-1), dq == d mod (q-1),
 *        e*dp == 1 mod (p-1), e*dq == 1 mod (q-1), qinv < p and q*qinv == 1 mod p.
 *   ECC: magic -> BAD_MAGIC (public or unknown magic); P-521 magic -> UNSUPPORTED;
 *        cbKey != field size of the magic's curve -> BAD_SIZE; length -> SHORT / TRAILING;
 *        X, Y not on the curve -> OFF_CURVE; d outside [1, n-1] -> BAD_SCALAR;
 *        (X, Y) != d*G -> INCONSISTENT (the card derives the public key from d alone: a blob
 *        whose point is another key's would make the CSP believe in a key the card does not
 *        hold). This last check is a scalar multiplication (ch_ec_public_matches): about
 *        0.6 ms for P-256, 1.6 ms for P-384 (ecpoint.h).
 * Which format: a blob whose first two bytes are 'E' 'C' is a BCRYPT_ECCKEY_BLOB (so an
 * unknown "EC.." magic is BAD_MAGIC); anything else, including an unknown magic that does not
 * start with "EC", is read as a CAPI BLOBHEADER and is BAD_TYPE unless it starts 07 02.
 * Reserved fields (BLOBHEADER.reserved) are ignored, as CAPI and OpenSSL do. */
#ifndef CH_MD_KEYBLOB_H
#define CH_MD_KEYBLOB_H

#include <stddef.h>
#include <stdint.h>

#include "cardmod.h"
#include "piv.h"

typedef enum ch_kb_err {
    CH_KB_OK = 0,
    CH_KB_SHORT,        /* fewer bytes than the header announces */
    CH_KB_TRAILING,     /* more bytes than the header announces */
    CH_KB_BAD_TYPE,     /* not bType 07 / bVersion 02 */
    CH_KB_BAD_ALG,      /* aiKeyAlg neither CALG_RSA_KEYX nor CALG_RSA_SIGN */
    CH_KB_BAD_MAGIC,    /* not RSA2 / not a private ECDSA or ECDH magic */
    CH_KB_BAD_SIZE,     /* bitlen 0, odd multiple, huge; cbKey not the curve's */
    CH_KB_UNSUPPORTED,  /* well formed, but PIV cannot hold it (size, exponent, P-521) */
    CH_KB_INCONSISTENT, /* numbers that are not one key: RSA equations; EC (X, Y) != d*G */
    CH_KB_OFF_CURVE,    /* EC public point not on the curve */
    CH_KB_BAD_SCALAR,   /* EC private scalar 0 or >= n */
    CH_KB_SPEC_MISMATCH /* ch_keyblob_match: keyspec or key size disagree with the blob */
} ch_kb_err;

/* A short fixed name of an error ("short", "bad-magic", ...) for logs and the fuzz harness. */
const char *ch_kb_err_name(ch_kb_err e);

/* 20 + 9 * 4096 / 16: an RSA-4096 PRIVATEKEYBLOB, the longest blob accepted. */
#define CH_KEYBLOB_MAX 2324u
#define CH_KEYBLOB_HDR 8u      /* bytes ch_keyblob_size reads first */
#define CH_KEYBLOB_RSA_HDR 20u /* BLOBHEADER + RSAPUBKEY */

/* The blob's total length as its header states it. Reads blob[0..8) and, only when those
 * bytes are a PRIVATEKEYBLOB header, blob[8..20). OK with *len <= CH_KEYBLOB_MAX, or the
 * header errors: BAD_TYPE, BAD_ALG, BAD_MAGIC, BAD_SIZE, UNSUPPORTED (P-521, or an RSA bitlen
 * that is well formed but not one PIV holds, e.g. 8192: nothing past the header is read). */
ch_kb_err ch_keyblob_size(const uint8_t *blob, size_t *len);

typedef struct ch_keyblob {
    ch_piv_key_type type; /* RSA, P256 or P384 */
    size_t bits;          /* RSA modulus bits; 256 / 384 */
    ALG_ID alg;           /* RSA: aiKeyAlg */
    uint32_t magic;       /* ECC: dwMagic */
    uint32_t e;           /* RSA public exponent */
    /* RSA, big-endian, fixed width: n and d bits/8 bytes, the others bits/16 bytes. */
    uint8_t n[512], d[512];
    uint8_t p[256], q[256], dp[256], dq[256], qinv[256];
    /* ECC, big-endian, field bytes each. */
    size_t field;
    uint8_t x[48], y[48], k[48];
} ch_keyblob;

/* Parses and checks blob[0..len). *kb is written only on success; kb may be NULL: check
 * only. Every stack copy of key material is wiped on every path. */
ch_kb_err ch_keyblob_parse(const uint8_t *blob, size_t len, ch_keyblob *kb);

/* Whether a parsed key is what CardCreateContainer was asked for: RSA needs AT_KEYEXCHANGE
 * with CALG_RSA_KEYX or AT_SIGNATURE with CALG_RSA_SIGN, and key_size 0 or the bit length;
 * ECC needs the AT_ECDSA_* / AT_ECDHE_* spec of the magic's kind and curve and key_size 0 or
 * the curve's bits. SPEC_MISMATCH otherwise. */
ch_kb_err ch_keyblob_match(const ch_keyblob *kb, DWORD key_spec, DWORD key_size);

/* The SCARD error of a parse/match failure: UNSUPPORTED -> SCARD_E_UNSUPPORTED_FEATURE,
 * everything else -> SCARD_E_INVALID_PARAMETER. */
DWORD ch_kb_scard(ch_kb_err e);

void ch_keyblob_wipe(ch_keyblob *kb);

/* A peer's public key for ECDH (CardConstructDHAgreement): a BCRYPT_ECCKEY_BLOB with the
 * public ECDH magic of `type`'s curve, cbKey the field size, exactly 8 + 2 * field bytes, the
 * point on the curve. Writes 04 || X || Y to point (1 + 2 * field bytes). */
ch_kb_err ch_keyblob_ecdh_public(const uint8_t *blob, size_t len, ch_piv_key_type type,
                                 uint8_t *point, size_t *point_len);

#endif
