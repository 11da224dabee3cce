/* The public key of a DER X.509 certificate (RFC 5280 4.1, RFC 3279 2.3.1, RFC 5480 2).
 *
 * Only the path to subjectPublicKeyInfo is walked; names, validity, extensions and the
 * signature are framed (each must be one well-formed TLV) but not interpreted, and the
 * signature is not verified: the certificate only tells which public key a slot holds.
 * The EC point is checked for form and length, not for being on the curve (no bignum code in
 * src/): a wrong point can at worst make the CSP's own operations with that key fail. */
#include <string.h>

#include "cursor.h"
#include "piv.h"
#include "scarderr.h"

#define TAG_INTEGER 0x02u
#define TAG_BIT_STRING 0x03u
#define TAG_NULL 0x05u
#define TAG_OID 0x06u
#define TAG_SEQUENCE 0x30u
#define TAG_VERSION 0xA0u /* [0] EXPLICIT Version */

static const uint8_t oid_rsa[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01};
static const uint8_t oid_ec[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01};
static const uint8_t oid_p256[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
static const uint8_t oid_p384[] = {0x2B, 0x81, 0x04, 0x00, 0x22};

#define RSA_MIN_BITS 1024u
#define RSA_MAX_BITS 4096u

/* One TLV with the expected tag. */
static bool expect(ch_cur *c, uint32_t want, ch_cur *value)
{
    uint32_t tag;
    return ch_cur_tlv(c, &tag, value) && tag == want;
}

static bool oid_is(const ch_cur *oid, const uint8_t *want, size_t len)
{
    return ch_cur_left(oid) == len && memcmp(ch_cur_peek_ptr(oid), want, len) == 0;
}

/* The last byte of what remains in c, without consuming anything. */
static bool last_byte(const ch_cur *c, uint8_t *b)
{
    ch_cur t = *c;
    return !ch_cur_empty(&t) && ch_cur_skip(&t, ch_cur_left(&t) - 1) && ch_cur_u8(&t, b);
}

/* An OBJECT IDENTIFIER's value: not empty, and its last sub-identifier complete. */
static bool oid_ok(const ch_cur *oid)
{
    uint8_t last;
    return last_byte(oid, &last) && (last & 0x80u) == 0;
}

/* A positive DER INTEGER in minimal form; *mag is its magnitude without the sign byte. */
static bool der_positive(const ch_cur *v, ch_cur *mag)
{
    uint8_t b0, b1;
    ch_cur t = *v;

    if (!ch_cur_peek_u8(&t, &b0) || (b0 & 0x80u))
        return false; /* empty, or negative */
    if (b0 == 0x00) {
        /* A leading zero is only there to keep the next byte's top bit from reading as a
         * sign; anything else is not minimal (and 02 01 00, zero, is not positive). */
        (void)ch_cur_skip(&t, 1);
        if (!ch_cur_peek_u8(&t, &b1) || !(b1 & 0x80u))
            return false;
    }
    ch_cur_rest(&t, mag);
    return true;
}

/* Exact bit length of a magnitude whose first byte is not zero. */
static size_t bit_length(const ch_cur *mag)
{
    uint8_t top;
    size_t bits = 8 * ch_cur_left(mag);
    (void)ch_cur_peek_u8(mag, &top);
    for (uint8_t m = 0x80u; m != 0 && !(top & m); m = (uint8_t)(m >> 1))
        bits--;
    return bits;
}

/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } */
static uint32_t rsa_key(ch_cur *bits, ch_piv_pubkey *pk)
{
    ch_cur seq, n, e, nmag, emag;
    uint8_t last, b;
    size_t nbits, elen;
    uint32_t ev = 0;

    if (!expect(bits, TAG_SEQUENCE, &seq) || !ch_cur_empty(bits) ||
        !expect(&seq, TAG_INTEGER, &n) || !expect(&seq, TAG_INTEGER, &e) ||
        !ch_cur_empty(&seq) || !der_positive(&n, &nmag) || !der_positive(&e, &emag))
        return SCARD_E_UNEXPECTED;
    elen = ch_cur_left(&emag);
    /* An even modulus is no RSA key at all, whatever its size. */
    if (!last_byte(&nmag, &last) || !(last & 1u))
        return SCARD_E_UNEXPECTED;
    nbits = bit_length(&nmag);
    /* CAPI's RSAPUBKEY carries the exponent in a DWORD; CSPs expect an odd e >= 3. */
    if (nbits < RSA_MIN_BITS || nbits > RSA_MAX_BITS || elen > 4)
        return SCARD_E_UNSUPPORTED_FEATURE;
    for (; elen > 0; elen--) {
        (void)ch_cur_u8(&emag, &b); /* cannot fail: elen bytes remain */
        ev = ev << 8 | b;
    }
    if (ev < 3 || !(ev & 1u))
        return SCARD_E_UNSUPPORTED_FEATURE;
    pk->type = CH_PIV_KEY_RSA;
    pk->bits = nbits;
    pk->n_len = ch_cur_left(&nmag);
    (void)ch_cur_bytes(&nmag, pk->n, pk->n_len); /* <= 512 bytes: nbits <= 4096 */
    pk->e = ev;
    return SCARD_S_SUCCESS;
}

/* ECPoint: 04 || X || Y for the curve's field size f. */
static uint32_t ec_point(ch_cur *bits, ch_piv_key_type type, size_t f, ch_piv_pubkey *pk)
{
    uint8_t form;
    size_t n = ch_cur_left(bits);

    if (!ch_cur_peek_u8(bits, &form))
        return SCARD_E_UNEXPECTED;
    if ((form == 0x02 || form == 0x03) && n == 1 + f)
        return SCARD_E_UNSUPPORTED_FEATURE; /* compressed: well-formed, but not decompressed */
    if (form != 0x04 || n != 1 + 2 * f)
        return SCARD_E_UNEXPECTED;
    pk->type = type;
    pk->bits = 8 * f;
    pk->point_len = n;
    (void)ch_cur_bytes(bits, pk->point, n); /* n <= 97 */
    return SCARD_S_SUCCESS;
}

/* SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, subjectPublicKey BIT STRING } */
static uint32_t spki(ch_cur *c, ch_piv_pubkey *pk)
{
    ch_cur alg, oid, params, bits;
    uint32_t tag;
    uint8_t unused;

    if (!expect(c, TAG_SEQUENCE, &alg) || !expect(c, TAG_BIT_STRING, &bits) ||
        !ch_cur_empty(c) || !expect(&alg, TAG_OID, &oid) || !oid_ok(&oid))
        return SCARD_E_UNEXPECTED;
    /* DER BIT STRING: 0..7 unused bits, and none at all when there is no content. */
    if (!ch_cur_u8(&bits, &unused) || unused > 7 || (unused != 0 && ch_cur_empty(&bits)))
        return SCARD_E_UNEXPECTED;
    /* Our keys are whole bytes: a BIT STRING with unused bits holds none of them. */
    if (unused != 0 && (oid_is(&oid, oid_rsa, sizeof oid_rsa) ||
                        oid_is(&oid, oid_ec, sizeof oid_ec)))
        return SCARD_E_UNEXPECTED;

    if (oid_is(&oid, oid_rsa, sizeof oid_rsa)) {
        /* parameters NULL (RFC 3279); some encoders leave them out altogether */
        if (!ch_cur_empty(&alg) &&
            (!expect(&alg, TAG_NULL, &params) || !ch_cur_empty(&params) ||
             !ch_cur_empty(&alg)))
            return SCARD_E_UNEXPECTED;
        return rsa_key(&bits, pk);
    }
    if (!oid_is(&oid, oid_ec, sizeof oid_ec)) {
        /* another algorithm; its parameters must still be one TLV at most */
        if (!ch_cur_empty(&alg) && (!ch_cur_tlv(&alg, &tag, &params) || !ch_cur_empty(&alg)))
            return SCARD_E_UNEXPECTED;
        return SCARD_E_UNSUPPORTED_FEATURE;
    }
    /* ECParameters: namedCurve OID, or implicitCurve NULL / specifiedCurve SEQUENCE (both
     * well-formed, neither supported). RFC 5480 makes the parameters mandatory. */
    if (!ch_cur_tlv(&alg, &tag, &params) || !ch_cur_empty(&alg))
        return SCARD_E_UNEXPECTED;
    if (tag == TAG_NULL || tag == TAG_SEQUENCE)
        return SCARD_E_UNSUPPORTED_FEATURE;
    if (tag != TAG_OID || !oid_ok(&params))
        return SCARD_E_UNEXPECTED;
    if (oid_is(&params, oid_p256, sizeof oid_p256))
        return ec_point(&bits, CH_PIV_KEY_P256, 32, pk);
    if (oid_is(&params, oid_p384, sizeof oid_p384))
        return ec_point(&bits, CH_PIV_KEY_P384, 48, pk);
    return SCARD_E_UNSUPPORTED_FEATURE;
}

/* TBSCertificate up to subjectPublicKeyInfo; what follows (unique IDs, extensions) must be
 * well-formed TLVs and is skipped. */
static uint32_t tbs_certificate(ch_cur *tbs, ch_piv_pubkey *pk)
{
    ch_cur v, ver, key;
    uint32_t tag;
    uint8_t first;

    if (ch_cur_peek_u8(tbs, &first) && first == TAG_VERSION) {
        if (!expect(tbs, TAG_VERSION, &v) || !expect(&v, TAG_INTEGER, &ver) ||
            ch_cur_empty(&ver) || !ch_cur_empty(&v))
            return SCARD_E_UNEXPECTED;
    }
    if (!expect(tbs, TAG_INTEGER, &v) || ch_cur_empty(&v) || /* serialNumber */
        !expect(tbs, TAG_SEQUENCE, &v) ||                    /* signature */
        !expect(tbs, TAG_SEQUENCE, &v) ||                    /* issuer */
        !expect(tbs, TAG_SEQUENCE, &v) ||                    /* validity */
        !expect(tbs, TAG_SEQUENCE, &v) ||                    /* subject */
        !expect(tbs, TAG_SEQUENCE, &key))                    /* subjectPublicKeyInfo */
        return SCARD_E_UNEXPECTED;
    while (!ch_cur_empty(tbs))
        if (!ch_cur_tlv(tbs, &tag, &v))
            return SCARD_E_UNEXPECTED;
    return spki(&key, pk);
}

uint32_t ch_piv_x509_pubkey(const uint8_t *der, size_t len, ch_piv_pubkey *pk)
{
    ch_cur c, cert, tbs, v;
    ch_piv_pubkey key;
    uint32_t rc;

    ch_cur_init(&c, der, len);
    /* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue },
     * covering the whole input. The outer framing is checked before the key is looked at, so
     * a truncated certificate is malformed whatever its key. */
    if (!expect(&c, TAG_SEQUENCE, &cert) || !ch_cur_empty(&c) ||
        !expect(&cert, TAG_SEQUENCE, &tbs) || !expect(&cert, TAG_SEQUENCE, &v) ||
        !expect(&cert, TAG_BIT_STRING, &v) || !ch_cur_empty(&cert))
        return SCARD_E_UNEXPECTED;
    memset(&key, 0, sizeof key);
    rc = tbs_certificate(&tbs, &key);
    if (rc == SCARD_S_SUCCESS)
        *pk = key;
    return rc;
}
