/* fuzz_x509: the certificate public-key parser ch_piv_x509_pubkey (src/piv/piv_x509.c) against
 * OpenSSL: d2i_X509 / X509_get0_pubkey / EVP_PKEY params for the key, and OpenSSL's own TLV
 * reader ASN1_get_object for the framing our parser reads.
 *
 * Input: the DER certificate, no framing. It is handed over in a heap buffer of exactly its
 * size (ASan sees any read past it), with *pk filled with a pattern first.
 *
 * The walk. The harness walks, with ASN1_get_object, the headers piv_x509.c reads, in its
 * order: Certificate SEQUENCE covering the whole input { tbs SEQUENCE, signatureAlgorithm
 * SEQUENCE, signature BIT STRING }; tbs { [0] { INTEGER (non-empty) } if the first element is
 * [0], serial INTEGER (non-empty), five SEQUENCEs (the fifth is subjectPublicKeyInfo), then any
 * TLVs }; SPKI { SEQUENCE { OID (non-empty, last sub-identifier complete), parameters },
 * BIT STRING }; the BIT STRING's unused-bits byte (at most 7; 0 for RSA and EC keys, and for
 * an empty key); rsaEncryption: parameters absent or NULL, the BIT STRING holds exactly
 * SEQUENCE { INTEGER n, INTEGER e }, n and e positive and minimal; id-ecPublicKey: exactly one
 * parameters TLV, NULL, SEQUENCE or a well-formed OID; another algorithm: at most one TLV.
 * Our parser reads tags of up to 4 bytes and definite lengths of up to 4 length octets, and
 * compares each expected tag with the one byte DER gives it. The walk stops at the first
 * deviation and records why (enum reason): a header malformed for OpenSSL too, BER our parser
 * refuses (indefinite length, more than 4 length octets or tag bytes, an expected tag in the
 * high-tag form or with the other constructed bit), or any other departure from that shape.
 *
 * Agreement rule.
 *   1. The walk stopped (any reason) => ours is SCARD_E_UNEXPECTED. (Every stop is on a header
 *      or field our parser reads before it can decide UNSUPPORTED.)
 *   2. The walk completed ("framed") => put the SPKI's bytes into a fixed template certificate
 *      and d2i_X509 that (OT: OpenSSL's reading of the SPKI alone; K its key or none). One
 *      OpenSSL 3.0 quirk is set aside: ASN1_get_object cannot read a header with a long-form
 *      length and an empty value at the end of its parent (05 81 00 closing an
 *      AlgorithmIdentifier: "header too long"); the walk reads it (get_object), and an
 *      rsaEncryption SPKI whose NULL is written so (null_long) is read as OT with 05 00.
 *      - OT refused => OpenSSL refuses an algorithm identifier our parser does not interpret
 *        (e.g. an OID sub-identifier padded with 0x80, a malformed parameter): ours is
 *        UNSUPPORTED and the key is neither rsaEncryption nor id-ecPublicKey on P-256/P-384.
 *      - rsaEncryption: K is RSA; n even => UNEXPECTED (no RSA key at all); else bits outside
 *        1024..4096, e above 32 bits, e < 3 or e even => UNSUPPORTED; else OK with the same n
 *        (bytes, bit length) and e (EVP_PKEY_get_bn_param).
 *      - id-ecPublicKey with NULL or SEQUENCE parameters (implicit / explicit curve), or a
 *        curve OID other than prime256v1 / secp384r1 => UNSUPPORTED. Our curves, K present:
 *        point 04.. => OK with the same curve (EVP_PKEY_get_group_name) and point
 *        (EVP_PKEY_get_octet_string_param PUB_KEY); 02/03 (compressed) => UNSUPPORTED; 06/07
 *        (hybrid) => UNEXPECTED. Our curves, K absent (OpenSSL refused the point): OK only
 *        for 04 || X || Y of the curve's length, and then EC_POINT_oct2point must refuse that
 *        point too (off the curve: our parser checks form and length only, by contract);
 *        UNSUPPORTED only for 02/03 of length 1 + field; else UNEXPECTED.
 *      - any other algorithm => UNSUPPORTED.
 *   3. d2i_X509 parses the original: it must use every byte, unless the walk stopped with
 *      R_TRAILING or a BER outer header (our contract: the certificate covers the whole
 *      input). Having used every byte: framed => its key equals K (EVP_PKEY_eq, or both
 *      absent); stopped => only for what OpenSSL tolerates and our parser refuses
 *      (tolerated()): BER headers (R_INDEF, R_LONGLEN, R_LONGTAG, R_HIGHTAG); R_CST_FORM, a
 *      constructed BIT STRING (BER) or an issuer/subject Name with the primitive tag 10
 *      (OpenSSL 3.0's X509_NAME decoder does not check the form); unused bits in an RSA/EC
 *      key BIT STRING (OpenSSL masks them off) or in an empty one (R_UNUSED_BITS);
 *      rsaEncryption parameters neither absent nor NULL (OpenSSL ignores them, R_RSA_PARAMS);
 *      anything inside the RSA key BIT STRING (R_RSA_KEY: the certificate decoder does not
 *      look there, and d2i_RSAPublicKey takes padded, negative and zero INTEGERs and trailing
 *      bytes); id-ecPublicKey parameters in a BER header (R_EC_PARAMS_BER), or missing or not
 *      NULL / OID / SEQUENCE (R_EC_PARAMS) only if OpenSSL then has no key.
 *   4. Ours OK and d2i_X509 refuses the original => the refusal is outside the key, in the
 *      parts our parser frames but does not interpret (names, validity, serial value,
 *      extensions, signature): the original with its SPKI replaced by a fixed valid P-256
 *      SPKI must still be refused (and rule 2 has shown that OpenSSL takes the SPKI), unless
 *      the SPKI's NULL is null_long (the quirk above).
 * Contract (piv.h, DESIGN.md): a refusal leaves *pk byte for byte as it was; OK writes a
 * whole key: RSA with n_len = (bits + 7) / 8 and the rest of n, point and point_len zero; EC
 * with the type and bits of its curve, point_len 1 + 2 * field, the rest of point, n, n_len
 * and e zero.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>

#include "fuzz_check.h"
#include "piv.h"
#include "scarderr.h"

#define PATTERN 0xA5u

enum reason {
    R_NONE = 0,
    R_HDR,            /* malformed for ASN1_get_object too: truncated, longer than its parent */
    R_INDEF,          /* indefinite length */
    R_LONGLEN,        /* more than 4 length octets */
    R_LONGTAG,        /* more than 4 tag bytes */
    R_HIGHTAG,        /* the expected tag, in the high-tag-number form */
    R_CST_FORM,       /* the expected tag with the other constructed bit, where OpenSSL does
                         not check it: a BIT STRING (BER's constructed form), a Name */
    R_TAG,            /* another tag where one is expected */
    R_MISSING,        /* an element missing */
    R_EXTRA,          /* an element too many */
    R_TRAILING,       /* bytes after the Certificate */
    R_EMPTY_INT,      /* serial or version INTEGER without content */
    R_BAD_OID,        /* empty OID, or its last sub-identifier incomplete */
    R_BITS_EMPTY,     /* key BIT STRING without even the unused-bits byte */
    R_UNUSED_RANGE,   /* unused bits above 7 */
    R_UNUSED_BITS,    /* unused bits with an RSA/EC key, or with no content */
    R_RSA_PARAMS,     /* rsaEncryption parameters neither absent nor NULL */
    R_RSA_KEY,        /* RSAPublicKey malformed, trailing, or n / e not positive and minimal */
    R_EC_PARAMS_BER,  /* id-ecPublicKey parameters in a BER-only header */
    R_EC_PARAMS,      /* id-ecPublicKey parameters missing, or not NULL / OID / SEQUENCE */
};

enum alg { ALG_OTHER, ALG_RSA, ALG_EC };

typedef struct span {
    const uint8_t *p;
    size_t n;
} span;

/* One header as ASN1_get_object reads it. */
typedef struct tlv {
    const uint8_t *start; /* first tag byte */
    span val;             /* the value (definite lengths only) */
    int tag, cls, cst;
    size_t tag_bytes;
} tlv;

typedef struct walk {
    enum reason reason;
    span pre, spki, post, tail; /* tbs content before / the SPKI TLV / after; sigalg + sig */
    enum alg alg;
    uint8_t ec_params; /* id-ecPublicKey parameters tag: 0x05, 0x06 or 0x30 */
    span ec_oid;       /* the curve OID's value */
    span key;          /* the key BIT STRING's content after the unused-bits byte */
    bool null_long;    /* rsaEncryption's NULL has a long-form length (05 81 00) */
} walk;

static const uint8_t oid_rsa[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01};
static const uint8_t oid_ec[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01};
static const uint8_t oid_p256[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
static const uint8_t oid_p384[] = {0x2B, 0x81, 0x04, 0x00, 0x22};

static bool span_is(span s, const uint8_t *want, size_t n)
{
    return s.n == n && memcmp(s.p, want, n) == 0;
}

/* ---- the walk ------------------------------------------------------------------------ */

#define HDR_COPY 64u

/* ASN1_get_object over s. OpenSSL 3.0's asn1_get_length wants one byte more than a long-form
 * length holds ("header too long" for 05 81 00 that ends its window, an empty value): such a
 * header, found to fill s exactly, is read again from a copy with one more byte. */
static int get_object(span s, const unsigned char **q, long *len, int *tag, int *cls)
{
    uint8_t hb[HDR_COPY + 1];
    const unsigned char *h = hb;
    int ret;

    *q = s.p;
    ret = ASN1_get_object(q, len, tag, cls, (long)s.n);
    if (ret != 0x80 || *q != s.p || s.n > HDR_COPY) /* read, or "too long" after reading */
        return ret;
    memcpy(hb, s.p, s.n);
    hb[s.n] = 0;
    ret = ASN1_get_object(&h, len, tag, cls, (long)s.n + 1);
    if ((ret & 0x80) || (size_t)(h - hb) != s.n || *len != 0)
        return 0x80;
    *q = s.p + s.n;
    return ret;
}

/* The next header of s, read by ASN1_get_object. t's tag fields are set whenever the header
 * itself could be read, even when the reason is a BER form. */
static enum reason next_tlv(span *s, tlv *t)
{
    const unsigned char *q;
    long len = 0;
    int tag = 0, cls = 0, ret;
    size_t hdr, len_octets;

    if (s->n == 0)
        return R_MISSING;
    ret = get_object(*s, &q, &len, &tag, &cls);
    if (ret & 0x80)
        return R_HDR;
    t->start = s->p;
    t->tag = tag;
    t->cls = cls;
    t->cst = ret & V_ASN1_CONSTRUCTED;
    t->tag_bytes = 1;
    if ((s->p[0] & 0x1Fu) == 0x1Fu) {
        while (s->p[t->tag_bytes] & 0x80u) /* in the header ASN1_get_object read */
            t->tag_bytes++;
        t->tag_bytes++;
    }
    hdr = (size_t)(q - s->p);
    len_octets = hdr - t->tag_bytes - 1;
    if (ret & 1)
        return R_INDEF;
    if (t->tag_bytes > 4)
        return R_LONGTAG;
    if (len_octets > 4)
        return R_LONGLEN;
    t->val.p = q;
    t->val.n = (size_t)len;
    s->p = q + len;
    s->n -= hdr + (size_t)len;
    return R_NONE;
}

/* The next header, with the one-byte DER tag `want`. any_cst: OpenSSL takes this element in
 * either form, primitive or constructed (a BIT STRING, a Name). */
static enum reason expect_form(span *s, uint8_t want, bool any_cst, tlv *t)
{
    enum reason r = next_tlv(s, t);
    bool same;

    if (r != R_NONE && r != R_LONGTAG)
        return r;
    /* The same class and number as `want`, and the same form or any_cst: OpenSSL reads it as
     * what we expect. */
    same = t->cls == (want & 0xC0) && t->tag == (want & 0x1F) &&
           (t->cst == (want & 0x20) || any_cst);
    if (r == R_LONGTAG)
        return same ? R_LONGTAG : R_TAG;
    if (t->tag_bytes == 1 && t->start[0] == want)
        return R_NONE;
    if (!same)
        return R_TAG;
    return t->tag_bytes > 1 ? R_HIGHTAG : R_CST_FORM;
}

static enum reason expect(span *s, uint8_t want, tlv *t)
{
    return expect_form(s, want, want == V_ASN1_BIT_STRING, t);
}

/* A positive INTEGER in minimal form. */
static bool positive_minimal(span v)
{
    if (v.n == 0 || (v.p[0] & 0x80u))
        return false;
    return v.p[0] != 0 || (v.n > 1 && (v.p[1] & 0x80u));
}

static enum reason walk_rsa(span params, span key, walk *w)
{
    tlv t, n, e;
    span seq;

    if (params.n) {
        if (expect(&params, V_ASN1_NULL, &t) != R_NONE || t.val.n != 0 || params.n != 0)
            return R_RSA_PARAMS;
        w->null_long = t.val.p - t.start > 2;
    }
    if (expect(&key, 0x30, &t) != R_NONE || key.n != 0)
        return R_RSA_KEY;
    seq = t.val;
    if (expect(&seq, V_ASN1_INTEGER, &n) != R_NONE || expect(&seq, V_ASN1_INTEGER, &e) != R_NONE ||
        seq.n != 0 || !positive_minimal(n.val) || !positive_minimal(e.val))
        return R_RSA_KEY;
    return R_NONE;
}

static enum reason walk_ec(span params, walk *w)
{
    tlv t;
    enum reason r = next_tlv(&params, &t);

    if (r == R_MISSING || r == R_HDR)
        return R_EC_PARAMS;
    if (r != R_NONE)
        return R_EC_PARAMS_BER;
    if (params.n != 0)
        return R_EXTRA;
    if (t.tag_bytes > 1)
        return t.cls == 0 && (t.tag == V_ASN1_NULL || t.tag == V_ASN1_OBJECT ||
                              t.tag == V_ASN1_SEQUENCE)
                   ? R_EC_PARAMS_BER
                   : R_EC_PARAMS;
    w->ec_params = t.start[0];
    if (w->ec_params == 0x05 || w->ec_params == 0x30)
        return R_NONE;
    if (w->ec_params != 0x06)
        return R_EC_PARAMS;
    if (t.val.n == 0 || (t.val.p[t.val.n - 1] & 0x80u))
        return R_BAD_OID;
    w->ec_oid = t.val;
    return R_NONE;
}

static enum reason walk_spki(span spki, walk *w)
{
    tlv a, b, o, t;
    span alg, bits;
    enum reason r;
    uint8_t unused;

    if ((r = expect(&spki, 0x30, &a)) != R_NONE || (r = expect(&spki, 0x03, &b)) != R_NONE)
        return r;
    if (spki.n != 0)
        return R_EXTRA;
    alg = a.val;
    bits = b.val;
    if ((r = expect(&alg, V_ASN1_OBJECT, &o)) != R_NONE)
        return r;
    if (o.val.n == 0 || (o.val.p[o.val.n - 1] & 0x80u))
        return R_BAD_OID;
    if (bits.n == 0)
        return R_BITS_EMPTY;
    unused = bits.p[0];
    w->key.p = bits.p + 1;
    w->key.n = bits.n - 1;
    w->alg = span_is(o.val, oid_rsa, sizeof oid_rsa)  ? ALG_RSA
             : span_is(o.val, oid_ec, sizeof oid_ec) ? ALG_EC
                                                      : ALG_OTHER;
    if (unused > 7)
        return R_UNUSED_RANGE;
    if (unused != 0 && (w->key.n == 0 || w->alg != ALG_OTHER))
        return R_UNUSED_BITS;
    if (w->alg == ALG_RSA)
        return walk_rsa(alg, w->key, w);
    if (w->alg == ALG_EC)
        return walk_ec(alg, w);
    /* Another algorithm: its parameters, if any, are one TLV of any tag. */
    if (alg.n != 0) {
        r = next_tlv(&alg, &t);
        if (r != R_NONE)
            return r;
        if (alg.n != 0)
            return R_EXTRA;
    }
    return R_NONE;
}

static enum reason walk_tbs(span tbs, walk *w)
{
    tlv t, v;
    span peek = tbs, inner;
    enum reason r;
    int i;

    /* [0] EXPLICIT Version when the first element is [0] (in OpenSSL's reading) */
    r = next_tlv(&peek, &t);
    if (r != R_MISSING && r != R_HDR && t.cls == V_ASN1_CONTEXT_SPECIFIC && t.tag == 0) {
        if ((r = expect(&tbs, 0xA0, &t)) != R_NONE)
            return r;
        inner = t.val;
        if ((r = expect(&inner, V_ASN1_INTEGER, &v)) != R_NONE)
            return r;
        if (v.val.n == 0)
            return R_EMPTY_INT;
        if (inner.n != 0)
            return R_EXTRA;
    }
    if ((r = expect(&tbs, V_ASN1_INTEGER, &t)) != R_NONE)
        return r;
    if (t.val.n == 0)
        return R_EMPTY_INT;
    /* signature, issuer, validity, subject, subjectPublicKeyInfo. OpenSSL's X509_NAME decoder
     * takes a Name in the primitive form 10 as well (seen with OpenSSL 3.0). */
    for (i = 0; i < 5; i++)
        if ((r = expect_form(&tbs, 0x30, i == 1 || i == 3, &t)) != R_NONE)
            return r;
    w->spki.p = t.start;
    w->spki.n = (size_t)(t.val.p + t.val.n - t.start);
    w->post = tbs;
    while (tbs.n != 0) /* issuerUniqueID, subjectUniqueID, extensions: any TLVs */
        if ((r = next_tlv(&tbs, &v)) != R_NONE)
            return r;
    return walk_spki(t.val, w);
}

static void walk_cert(const uint8_t *d, size_t n, walk *w)
{
    span all = {d, n}, cert;
    tlv c, tbs, t;
    enum reason r;

    memset(w, 0, sizeof *w);
    if ((r = expect(&all, 0x30, &c)) != R_NONE) {
        w->reason = r;
        return;
    }
    if (all.n != 0) { /* checked first, as piv_x509.c does */
        w->reason = R_TRAILING;
        return;
    }
    cert = c.val;
    if ((r = expect(&cert, 0x30, &tbs)) != R_NONE || (r = expect(&cert, 0x30, &t)) != R_NONE ||
        (r = expect(&cert, 0x03, &t)) != R_NONE) {
        w->reason = r;
        return;
    }
    if (cert.n != 0) {
        w->reason = R_EXTRA;
        return;
    }
    w->pre.p = tbs.val.p;
    w->tail.p = tbs.val.p + tbs.val.n;
    w->tail.n = (size_t)(c.val.p + c.val.n - w->tail.p);
    w->reason = walk_tbs(tbs.val, w);
    if (w->spki.p != NULL)
        w->pre.n = (size_t)(w->spki.p - w->pre.p);
}

static bool ber_header(enum reason r)
{
    return r == R_INDEF || r == R_LONGLEN || r == R_LONGTAG || r == R_HIGHTAG ||
           r == R_CST_FORM;
}

/* Rule 3: why the walk may stop on a certificate OpenSSL parses whole. */
static bool tolerated(enum reason r, bool openssl_has_key)
{
    switch (r) {
    case R_UNUSED_BITS:
    case R_RSA_PARAMS:
    case R_RSA_KEY:
    case R_EC_PARAMS_BER:
        return true;
    case R_EC_PARAMS:
        return !openssl_has_key;
    default:
        return ber_header(r);
    }
}

/* ---- certificates put together from parts --------------------------------------------- */

/* A fixed certificate around any SPKI: v3, serial 1, ecdsa-with-SHA256, empty names,
 * 2025..2035, no extensions, an empty signature (d2i_X509 does not verify it). */
static const uint8_t tmpl_pre[] = {
    0xA0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01, 0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86,
    0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02, 0x30, 0x00, 0x30, 0x1E, 0x17, 0x0D, '2',  '5',
    '0',  '1',  '0',  '1',  '0',  '0',  '0',  '0',  '0',  '0',  'Z',  0x17, 0x0D, '3',
    '5',  '0',  '1',  '0',  '1',  '0',  '0',  '0',  '0',  '0',  '0',  'Z',  0x30, 0x00,
};
static const uint8_t tmpl_tail[] = {
    0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02, 0x03, 0x01, 0x00,
};
/* A valid P-256 SPKI: the generator G (FIPS 186-4 D.1.2.3). */
static const uint8_t tmpl_spki[] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08,
    0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0x6B, 0x17, 0xD1,
    0xF2, 0xE1, 0x2C, 0x42, 0x47, 0xF8, 0xBC, 0xE6, 0xE5, 0x63, 0xA4, 0x40, 0xF2, 0x77, 0x03,
    0x7D, 0x81, 0x2D, 0xEB, 0x33, 0xA0, 0xF4, 0xA1, 0x39, 0x45, 0xD8, 0x98, 0xC2, 0x96, 0x4F,
    0xE3, 0x42, 0xE2, 0xFE, 0x1A, 0x7F, 0x9B, 0x8E, 0xE7, 0xEB, 0x4A, 0x7C, 0x0F, 0x9E, 0x16,
    0x2B, 0xCE, 0x33, 0x57, 0x6B, 0x31, 0x5E, 0xCE, 0xCB, 0xB6, 0x40, 0x68, 0x37, 0xBF, 0x51,
    0xF5,
};

static size_t der_len_size(size_t n)
{
    size_t k = 1;
    if (n > 0x7F)
        for (; n > 0; n >>= 8)
            k++;
    return k;
}

static uint8_t *put_hdr(uint8_t *o, uint8_t tag, size_t n)
{
    size_t k = der_len_size(n) - 1, i;

    *o++ = tag;
    if (k == 0) {
        *o++ = (uint8_t)n;
        return o;
    }
    *o++ = (uint8_t)(0x80u | k);
    for (i = k; i > 0; i--)
        *o++ = (uint8_t)(n >> (8 * (i - 1)) & 0xFFu);
    return o;
}

static uint8_t *put(uint8_t *o, span s)
{
    if (s.n)
        memcpy(o, s.p, s.n);
    return o + s.n;
}

/* SEQUENCE { SEQUENCE { pre spki post } tail }, DER lengths. */
static X509 *d2i_spliced(span pre, span spki, span post, span tail)
{
    size_t tbs = pre.n + spki.n + post.n;
    size_t body = 1 + der_len_size(tbs) + tbs + tail.n;
    size_t total = 1 + der_len_size(body) + body;
    uint8_t *buf = malloc(total), *o = buf;
    const unsigned char *q = buf;
    X509 *x;

    CH_CHECK(buf != NULL, "malloc");
    o = put_hdr(o, 0x30, body);
    o = put_hdr(o, 0x30, tbs);
    o = put(put(put(put(o, pre), spki), post), tail);
    CH_CHECK((size_t)(o - buf) == total, "splice length");
    x = d2i_X509(NULL, &q, (long)total);
    CH_CHECK(x == NULL || q == buf + total, "d2i_X509 left bytes of a DER certificate");
    free(buf);
    return x;
}

/* The rsaEncryption SPKI with the same key BIT STRING and NULL parameters as 05 00, in the
 * template certificate. */
static X509 *d2i_rsa_short_null(span pre, span key, span tail)
{
    static const uint8_t alg[] = {0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                  0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00};
    static const uint8_t unused = 0;
    const span none = {NULL, 0}, a = {alg, sizeof alg}, u = {&unused, 1};
    size_t bits = 1 + key.n, body = sizeof alg + 1 + der_len_size(bits) + bits;
    size_t total = 1 + der_len_size(body) + body;
    uint8_t *buf = malloc(total), *o = buf;
    span spki = {buf, total};
    X509 *x;

    CH_CHECK(buf != NULL, "malloc");
    o = put_hdr(o, 0x30, body);
    o = put(o, a);
    o = put_hdr(o, 0x03, bits);
    o = put(put(o, u), key);
    CH_CHECK((size_t)(o - buf) == total, "SPKI length");
    x = d2i_spliced(pre, spki, none, tail);
    free(buf);
    return x;
}

/* ---- comparing keys -------------------------------------------------------------------- */

static bool all_zero(const uint8_t *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static BIGNUM *bn_param(const EVP_PKEY *k, const char *name)
{
    BIGNUM *b = NULL;
    CH_CHECK(EVP_PKEY_get_bn_param(k, name, &b) == 1 && b != NULL, "EVP_PKEY_get_bn_param %s",
             name);
    return b;
}

static void rsa_rule(const EVP_PKEY *k, uint32_t rc, const ch_piv_pubkey *pk)
{
    BIGNUM *n, *e;
    uint8_t nb[CH_PIV_RSA_MAX_BYTES];
    size_t bits, nlen;
    uint32_t want;

    CH_CHECK(k != NULL && EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA,
             "OpenSSL has no RSA key from a well-formed rsaEncryption SPKI");
    n = bn_param(k, OSSL_PKEY_PARAM_RSA_N);
    e = bn_param(k, OSSL_PKEY_PARAM_RSA_E);
    bits = (size_t)BN_num_bits(n);
    if (!BN_is_odd(n))
        want = SCARD_E_UNEXPECTED;
    else if (bits < 1024 || bits > 4096 || BN_num_bits(e) > 32 || !BN_is_odd(e) ||
             BN_get_word(e) < 3)
        want = SCARD_E_UNSUPPORTED_FEATURE;
    else
        want = SCARD_S_SUCCESS;
    CH_CHECK(rc == want, "RSA %zu bits, e %d bits (odd %d): ours %08x, expected %08x", bits,
             BN_num_bits(e), BN_is_odd(e), rc, want);
    if (rc == SCARD_S_SUCCESS) {
        nlen = (size_t)BN_num_bytes(n);
        CH_CHECK(BN_bn2bin(n, nb) == (int)nlen, "BN_bn2bin");
        CH_CHECK(pk->type == CH_PIV_KEY_RSA && pk->bits == bits && pk->n_len == nlen &&
                     memcmp(pk->n, nb, nlen) == 0 && pk->e == (uint32_t)BN_get_word(e),
                 "RSA key differs from OpenSSL's (bits %zu/%zu, n_len %zu/%zu, e %u)", pk->bits,
                 bits, pk->n_len, nlen, pk->e);
        CH_CHECK(all_zero(pk->n + nlen, sizeof pk->n - nlen) && pk->point_len == 0 &&
                     all_zero(pk->point, sizeof pk->point),
                 "RSA key: the rest of the structure not zero");
    }
    BN_free(n);
    BN_free(e);
}

static const EC_GROUP *group_of(size_t field)
{
    static EC_GROUP *g[2];
    EC_GROUP **e = &g[field == 48];
    if (*e == NULL) {
        *e = EC_GROUP_new_by_curve_name(field == 48 ? NID_secp384r1 : NID_X9_62_prime256v1);
        CH_CHECK(*e != NULL, "EC_GROUP_new_by_curve_name");
    }
    return *e;
}

static bool on_curve(size_t field, span pt)
{
    const EC_GROUP *g = group_of(field);
    EC_POINT *p = EC_POINT_new(g);
    bool ok;

    CH_CHECK(p != NULL, "EC_POINT_new");
    ok = EC_POINT_oct2point(g, p, pt.p, pt.n, NULL) == 1;
    EC_POINT_free(p);
    return ok;
}

static void ec_ok_shape(const ch_piv_pubkey *pk, size_t field)
{
    CH_CHECK(pk->type == (field == 32 ? CH_PIV_KEY_P256 : CH_PIV_KEY_P384) &&
                 pk->bits == 8 * field && pk->point_len == 1 + 2 * field,
             "EC key: type %d bits %zu point_len %zu", (int)pk->type, pk->bits, pk->point_len);
    CH_CHECK(all_zero(pk->point + pk->point_len, sizeof pk->point - pk->point_len) &&
                 pk->n_len == 0 && all_zero(pk->n, sizeof pk->n) && pk->e == 0,
             "EC key: the rest of the structure not zero");
}

static void ec_rule(const walk *w, const EVP_PKEY *k, uint32_t rc, const ch_piv_pubkey *pk)
{
    size_t field = span_is(w->ec_oid, oid_p256, sizeof oid_p256)   ? 32
                   : span_is(w->ec_oid, oid_p384, sizeof oid_p384) ? 48
                                                                   : 0;
    uint8_t form = w->key.n ? w->key.p[0] : 0, pt[133];
    char name[64];
    size_t len = 0;
    uint32_t want;

    if (w->ec_params != 0x06 || field == 0) {
        CH_CHECK(rc == SCARD_E_UNSUPPORTED_FEATURE, "EC parameters %02x, curve not ours: %08x",
                 w->ec_params, rc);
        return;
    }
    if (k != NULL) {
        CH_CHECK(EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
                     EVP_PKEY_get_group_name(k, name, sizeof name, &len) == 1 &&
                     strcmp(name, field == 32 ? "prime256v1" : "secp384r1") == 0,
                 "OpenSSL's key is not on the curve the OID names");
        want = form == 0x04                   ? SCARD_S_SUCCESS
               : (form == 0x02 || form == 0x03) ? SCARD_E_UNSUPPORTED_FEATURE
                                              : SCARD_E_UNEXPECTED;
        CH_CHECK(rc == want, "EC point form %02x: ours %08x, expected %08x", form, rc, want);
        if (rc == SCARD_S_SUCCESS) {
            CH_CHECK(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt,
                                                     &len) == 1,
                     "EVP_PKEY_get_octet_string_param");
            ec_ok_shape(pk, field);
            CH_CHECK(len == pk->point_len && memcmp(pt, pk->point, len) == 0,
                     "EC point differs from OpenSSL's");
        }
        return;
    }
    /* OpenSSL refused the point. */
    if (form == 0x04 && w->key.n == 1 + 2 * field)
        want = SCARD_S_SUCCESS;
    else if ((form == 0x02 || form == 0x03) && w->key.n == 1 + field)
        want = SCARD_E_UNSUPPORTED_FEATURE;
    else
        want = SCARD_E_UNEXPECTED;
    CH_CHECK(rc == want, "EC point OpenSSL refuses, form %02x length %zu: ours %08x, expected %08x",
             form, w->key.n, rc, want);
    if (rc == SCARD_S_SUCCESS) {
        ec_ok_shape(pk, field);
        CH_CHECK(memcmp(pk->point, w->key.p, w->key.n) == 0, "EC point not the certificate's");
        CH_CHECK(!on_curve(field, w->key), "OpenSSL refused a point that is on the curve");
    }
}

/* Rule 2 (and rule 3's key comparison when orig, the whole certificate, parsed). */
static void framed_rule(const walk *w, uint32_t rc, const ch_piv_pubkey *pk, X509 *orig)
{
    static const span none = {NULL, 0};
    const span pre = {tmpl_pre, sizeof tmpl_pre}, tail = {tmpl_tail, sizeof tmpl_tail};
    X509 *ot = d2i_spliced(pre, w->spki, none, tail);
    EVP_PKEY *k, *ok;

    if (ot == NULL && w->alg == ALG_RSA && w->null_long)
        ot = d2i_rsa_short_null(pre, w->key, tail);
    if (ot == NULL) {
        CH_CHECK(orig == NULL, "OpenSSL takes the certificate but not its SPKI alone");
        CH_CHECK(rc == SCARD_E_UNSUPPORTED_FEATURE && w->alg != ALG_RSA &&
                     !(w->alg == ALG_EC && w->ec_params == 0x06 &&
                       (span_is(w->ec_oid, oid_p256, sizeof oid_p256) ||
                        span_is(w->ec_oid, oid_p384, sizeof oid_p384))),
                 "OpenSSL refuses the SPKI: ours %08x (alg %d)", rc, (int)w->alg);
        return;
    }
    k = X509_get0_pubkey(ot);
    if (orig != NULL) {
        ok = X509_get0_pubkey(orig);
        CH_CHECK((k == NULL) == (ok == NULL) && (k == NULL || EVP_PKEY_eq(k, ok) == 1),
                 "the key of the certificate is not the key of its SPKI");
    }
    if (w->alg == ALG_RSA)
        rsa_rule(k, rc, pk);
    else if (w->alg == ALG_EC)
        ec_rule(w, k, rc, pk);
    else
        CH_CHECK(rc == SCARD_E_UNSUPPORTED_FEATURE, "another algorithm: ours %08x", rc);
    X509_free(ot);
}

static uint8_t *dup_exact(const uint8_t *b, size_t n)
{
    uint8_t *c = calloc(1, n);
    CH_CHECK(c != NULL || n == 0, "calloc");
    if (n)
        memcpy(c, b, n);
    return c;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    uint8_t *der = dup_exact(data, size);
    const unsigned char *q = der;
    ch_piv_pubkey pk, before;
    X509 *x;
    bool whole;
    uint32_t rc;
    walk w;

    memset(&pk, PATTERN, sizeof pk);
    memcpy(&before, &pk, sizeof pk);
    rc = ch_piv_x509_pubkey(der, size, &pk);
    CH_CHECK(rc == SCARD_S_SUCCESS || rc == SCARD_E_UNEXPECTED ||
                 rc == SCARD_E_UNSUPPORTED_FEATURE,
             "result %08x", rc);
    if (rc != SCARD_S_SUCCESS)
        CH_CHECK(memcmp(&pk, &before, sizeof pk) == 0, "a refusal (%08x) wrote *pk", rc);

    x = size <= 0x7FFFFFFF ? d2i_X509(NULL, &q, (long)size) : NULL;
    whole = x != NULL && q == der + size;
    walk_cert(der, size, &w);

    /* Rule 1. */
    if (w.reason != R_NONE)
        CH_CHECK(rc == SCARD_E_UNEXPECTED, "the walk stopped (reason %d): ours %08x",
                 (int)w.reason, rc);
    /* Rule 3. */
    if (x != NULL && !whole)
        CH_CHECK(w.reason == R_TRAILING || ber_header(w.reason),
                 "d2i_X509 left bytes; walk reason %d", (int)w.reason);
    if (whole && w.reason != R_NONE)
        CH_CHECK(tolerated(w.reason, X509_get0_pubkey(x) != NULL),
                 "OpenSSL parses the certificate; the walk stopped (reason %d)",
                 (int)w.reason);
    /* Rule 2. */
    if (w.reason == R_NONE)
        framed_rule(&w, rc, &pk, whole ? x : NULL);
    /* Rule 4. */
    if (rc == SCARD_S_SUCCESS && x == NULL) {
        const span spki = {tmpl_spki, sizeof tmpl_spki};
        X509 *y = d2i_spliced(w.pre, spki, w.post, w.tail);
        CH_CHECK(y == NULL || w.null_long,
                 "OpenSSL refuses the certificate for its key only, ours took it");
        X509_free(y);
    }
    X509_free(x);
    free(der);
    ERR_clear_error();
    return 0;
}
