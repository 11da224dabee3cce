/* record_apdu_seeds OUTDIR: writes the seeds of corpora/fuzz_apdu/ (docs/fuzzing.md
 * "fuzz_apdu layout"), recorded from vpiv sessions.
 *
 * Each scenario is a list of call records (the records a fuzz_apdu input holds). For each, a
 * fresh deterministic vpiv card is personalised through raw APDUs (management-key
 * authentication with the default 3DES key, keys generated in 9A 9C 9D 9E and retired slot 82,
 * certificates signed by a fixed Ed25519 key (9C gzip with fixed Huffman codes, 9E gzip with a
 * dynamic header, 82 in the CSP's own 01 00 + zlib format), a key without certificate in 83
 * that only the container map names, CHUID, key history, Yubico container map, cardcf
 * object); then the very executor and oracle of fuzz_apdu (this
 * file includes fuzz_apdu.c, whose fuzzing entry is compiled out) runs the calls against the
 * card through the vpiv transport, and every R-APDU the module receives is recorded, in order,
 * by wrapping vpiv_process at link time (-Wl,--wrap=vpiv_process). The seed is the header, the
 * records and that recording: replayed through the script transport, the module sees the same
 * answers and makes the same calls.
 *
 * Answers to the admin challenge depend on the challenge: a scenario is run until the
 * responses it computes (3DES or AES of each challenge with the card's management key) are the
 * ones it ran with; the card is deterministic, so the second run is the last.
 *
 * Deterministic: vpiv's randomness is a seeded counter, certificates are signed with Ed25519
 * (deterministic signatures), validity dates are fixed, compressed certificates are written
 * by hand (gzip and zlib of one literal-only deflate block; no time stamp), libcrypto's DRBG
 * (ECDSA nonces, the padding of the ciphertexts made here) is a counter restarted at every
 * pass, and the keys the key scenarios import are made from fixed labels (make_inputs). The ctest
 * fuzz-seeds-fresh/fuzz_apdu re-records the seeds and compares them byte for byte with the
 * committed ones. */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/provider.h>
#include <openssl/core_dispatch.h>
#include <limits.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <errno.h>
#include <stdio.h>

#define CH_FAP_NO_FUZZ_ENTRY
#include "fuzz_apdu.c" /* the executor and its oracle, exactly as the fuzz target runs them */
#include "counter_rand.h"
#include "label_keys.h"
#include "mgm_answer.h"
#include "vpiv.h"
#include "vpiv_link.h"

/* ---------------------------------------------------------------------------------------
 * Recording: every R-APDU vpiv hands the module, framed as the card script
 * ------------------------------------------------------------------------------------- */
size_t __real_vpiv_process(vpiv_card *card, const uint8_t *capdu, size_t capdu_len,
                           uint8_t *rapdu);
size_t __wrap_vpiv_process(vpiv_card *card, const uint8_t *capdu, size_t capdu_len,
                           uint8_t *rapdu);

typedef struct tape {
    uint8_t *p;
    size_t len, cap;
    unsigned exchanges;
} tape;

static tape rec;

static void tape_put(tape *t, const uint8_t *b, size_t n)
{
    if (n > t->cap - t->len) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap - t->len < n)
            cap *= 2;
        t->p = realloc(t->p, cap);
        CH_CHECK(t->p != NULL, "out of memory");
        t->cap = cap;
    }
    memcpy(t->p + t->len, b, n);
    t->len += n;
}


/* FNV-1a of a command: where libcrypto's counter starts for it. */
#if defined(__clang__)
__attribute__((no_sanitize("unsigned-integer-overflow")))
#endif
static uint64_t command_seed(const uint8_t *p, size_t n)
{
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001B3ull;
    return h;
}

size_t __wrap_vpiv_process(vpiv_card *card, const uint8_t *capdu, size_t capdu_len,
                           uint8_t *rapdu)
{
    size_t n;

    /* An ECDSA nonce depends on the command alone, not on how much randomness the commands
     * before it drew (RSA blinding): a module change elsewhere in a session leaves this
     * answer as it was. */
    ch_counter_rand_seed(command_seed(capdu, capdu_len));
    n = __real_vpiv_process(card, capdu, capdu_len, rapdu);
    uint8_t len[2] = {(uint8_t)(n >> 8), (uint8_t)n};

    CH_CHECK(n >= 2 && n <= VPIV_MAX_RAPDU, "vpiv answered %zu bytes", n);
    tape_put(&rec, len, 2);
    tape_put(&rec, rapdu, n);
    rec.exchanges++;
    return n;
}

static unsigned tape_exchanges(void *t) { return ((const tape *)t)->exchanges; }

/* ---------------------------------------------------------------------------------------
 * Personalisation through raw APDUs (not recorded: __real_vpiv_process)
 * ------------------------------------------------------------------------------------- */
#define BIG 4096u

/* One command, chained when its data is longer than 255 bytes, answers collected through
 * GET RESPONSE. Returns the final status word. */
static uint16_t card_cmd(vpiv_card *card, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *data,
                         size_t len, uint8_t *out, size_t *out_len)
{
    uint8_t c[5 + 255 + 1], r[VPIV_MAX_RAPDU];
    size_t off = 0, n = 0, got = 0;
    uint16_t sw;

    do {
        size_t blk = len - off > 255 ? 255 : len - off;
        bool last = off + blk == len;
        size_t cl = 0;
        c[cl++] = last ? 0x00 : 0x10;
        c[cl++] = ins;
        c[cl++] = p1;
        c[cl++] = p2;
        if (blk) {
            c[cl++] = (uint8_t)blk;
            memcpy(c + cl, data + off, blk);
            cl += blk;
        }
        if (last)
            c[cl++] = 0x00; /* Le */
        n = __real_vpiv_process(card, c, cl, r);
        off += blk;
        sw = (uint16_t)(r[n - 2] << 8 | r[n - 1]);
        CH_CHECK(last || sw == 0x9000, "chained block refused: %04X", sw);
    } while (off < len);
    for (;;) {
        if (out) {
            CH_CHECK(got + n - 2 <= BIG, "answer too long");
            memcpy(out + got, r, n - 2);
        }
        got += n - 2;
        if ((sw >> 8) != 0x61)
            break;
        {
            const uint8_t gr[5] = {0x00, 0xC0, 0x00, 0x00, (uint8_t)sw};
            n = __real_vpiv_process(card, gr, sizeof gr, r);
            sw = (uint16_t)(r[n - 2] << 8 | r[n - 1]);
        }
    }
    if (out_len)
        *out_len = got;
    return sw;
}

static void must(uint16_t sw, const char *what)
{
    CH_CHECK(sw == 0x9000, "personalisation: %s answered %04X", what, sw);
}

/* BER-TLV with a one-byte tag or the 3-byte tags of objects; lengths up to 65535. */
static size_t put_tlv(uint8_t *out, uint32_t tag, const uint8_t *v, size_t len)
{
    size_t o = 0;
    if (tag > 0xFFFF)
        out[o++] = (uint8_t)(tag >> 16);
    if (tag > 0xFF)
        out[o++] = (uint8_t)(tag >> 8);
    out[o++] = (uint8_t)tag;
    if (len < 0x80) {
        out[o++] = (uint8_t)len;
    } else if (len < 0x100) {
        out[o++] = 0x81;
        out[o++] = (uint8_t)len;
    } else {
        out[o++] = 0x82;
        out[o++] = (uint8_t)(len >> 8);
        out[o++] = (uint8_t)len;
    }
    if (len)
        memmove(out + o, v, len);
    return o + len;
}

static const uint8_t mgm_key[24] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4,
                                    5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8};

/* The AES-128 management key of the "aes-mgm" scenario's card. */
static const uint8_t aes_key[16] = "cardhammer-aes16";

/* One ECB block (8 bytes: 3DES with the default key; 16: AES-128 with aes_key): what the CSP
 * answers a management-key challenge with. */
static void mgm_encrypt(const uint8_t *in, size_t block, uint8_t *out)
{
    CH_CHECK(block == 8 ? ch_mgm_answer(mgm_key, sizeof mgm_key, in, 8, out)
                        : ch_mgm_answer(aes_key, sizeof aes_key, in, 16, out),
             "management key cipher");
}

static void admin_login(vpiv_card *card)
{
    uint8_t ans[BIG], data[16] = {0x7C, 0x0A, 0x82, 0x08};
    size_t n;

    must(card_cmd(card, 0x87, 0x03, 0x9B, (const uint8_t *)"\x7C\x02\x81\x00", 4, ans, &n),
         "GENERAL AUTHENTICATE 81");
    CH_CHECK(n == 12 && ans[0] == 0x7C && ans[2] == 0x81 && ans[3] == 8, "challenge shape");
    mgm_encrypt(ans + 4, 8, data + 4);
    must(card_cmd(card, 0x87, 0x03, 0x9B, data, 12, NULL, NULL), "GENERAL AUTHENTICATE 82");
}

/* GENERATE in `slot`; the public key as an EVP_PKEY. */
static EVP_PKEY *generate(vpiv_card *card, uint8_t slot, uint8_t alg)
{
    const uint8_t tmpl[5] = {0xAC, 0x03, 0x80, 0x01, alg};
    uint8_t ans[BIG];
    size_t n;
    ch_cur c, pub, v;
    uint32_t tag;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params;
    EVP_PKEY_CTX *pctx;
    EVP_PKEY *pk = NULL;
    BIGNUM *bn_n = NULL, *bn_e = NULL;
    bool rsa = alg == 0x06 || alg == 0x07;

    must(card_cmd(card, 0x47, 0x00, slot, tmpl, sizeof tmpl, ans, &n), "GENERATE");
    ch_cur_init(&c, ans, n);
    CH_CHECK(bld && ch_cur_tlv(&c, &tag, &pub) && tag == 0x7F49, "GENERATE answer");
    if (rsa) {
        CH_CHECK(ch_cur_find(&pub, 0x81, &v), "no modulus");
        bn_n = BN_bin2bn(ch_cur_peek_ptr(&v), (int)ch_cur_left(&v), NULL);
        CH_CHECK(ch_cur_find(&pub, 0x82, &v), "no exponent");
        bn_e = BN_bin2bn(ch_cur_peek_ptr(&v), (int)ch_cur_left(&v), NULL);
        CH_CHECK(bn_n && bn_e && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
                     OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e),
                 "RSA params");
    } else {
        CH_CHECK(ch_cur_find(&pub, 0x86, &v), "no point");
        CH_CHECK(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                                 alg == 0x11 ? "prime256v1" : "secp384r1", 0) &&
                     OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                                      ch_cur_peek_ptr(&v), ch_cur_left(&v)),
                 "EC params");
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    pctx = EVP_PKEY_CTX_new_from_name(NULL, rsa ? "RSA" : "EC", NULL);
    CH_CHECK(params && pctx && EVP_PKEY_fromdata_init(pctx) == 1 &&
                 EVP_PKEY_fromdata(pctx, &pk, EVP_PKEY_PUBLIC_KEY, params) == 1,
             "public key of slot %02X", slot);
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    return pk;
}

/* A DER certificate for pk, subject CN = cn, issued and signed by a fixed Ed25519 key; with
 * comment_len > 0 it carries a Netscape comment of that many bytes (text that compresses well:
 * a certificate too large for a PIV object unless gzipped). */
static size_t make_cert_ext(EVP_PKEY *pk, const char *cn, long serial, size_t comment_len,
                            uint8_t *out, size_t cap)
{
    static const uint8_t ca_seed[32] = "cardhammer seed CA, Ed25519 key";
    EVP_PKEY *ca = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, ca_seed, 32);
    X509 *x = X509_new();
    X509_NAME *subj = X509_NAME_new(), *iss = X509_NAME_new();
    ASN1_TIME *from = ASN1_TIME_new(), *to = ASN1_TIME_new();
    unsigned char *der = NULL;
    int n;

    CH_CHECK(ca && x && subj && iss && from && to, "out of memory");
    CH_CHECK(X509_set_version(x, 2) == 1 &&
                 ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1 &&
                 X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC, (const unsigned char *)cn,
                                            -1, -1, 0) == 1 &&
                 X509_NAME_add_entry_by_txt(iss, "CN", MBSTRING_ASC,
                                            (const unsigned char *)"cardhammer seed CA", -1, -1,
                                            0) == 1 &&
                 X509_set_subject_name(x, subj) == 1 && X509_set_issuer_name(x, iss) == 1 &&
                 ASN1_TIME_set_string_X509(from, "20250101000000Z") == 1 &&
                 ASN1_TIME_set_string_X509(to, "20450101000000Z") == 1 &&
                 X509_set1_notBefore(x, from) == 1 && X509_set1_notAfter(x, to) == 1 &&
                 X509_set_pubkey(x, pk) == 1,
             "certificate %s", cn);
    if (comment_len) {
        char *text = malloc(comment_len + 1);
        X509_EXTENSION *ext;
        CH_CHECK(text != NULL, "out of memory");
        for (size_t i = 0; i < comment_len; i++)
            text[i] = "cardhammer large certificate, gzip in a PIV object. "[i % 52];
        text[comment_len] = 0;
        ext = X509V3_EXT_conf_nid(NULL, NULL, NID_netscape_comment, text);
        CH_CHECK(ext && X509_add_ext(x, ext, -1) == 1, "comment extension");
        X509_EXTENSION_free(ext);
        free(text);
    }
    CH_CHECK(X509_sign(x, ca, NULL) > 0, "signing certificate %s", cn);
    n = i2d_X509(x, &der);
    CH_CHECK(n > 0 && (size_t)n <= cap, "certificate of %d bytes", n);
    memcpy(out, der, (size_t)n);
    OPENSSL_free(der);
    ASN1_TIME_free(from);
    ASN1_TIME_free(to);
    X509_NAME_free(subj);
    X509_NAME_free(iss);
    X509_free(x);
    EVP_PKEY_free(ca);
    return (size_t)n;
}

static size_t make_cert(EVP_PKEY *pk, const char *cn, long serial, uint8_t *out)
{
    return make_cert_ext(pk, cn, serial, 0, out, 2048);
}

/* Compressed certificates, written by hand so that the bytes never depend on a zlib version:
 * one final deflate block (RFC 1951) of literals only, either with the fixed Huffman codes or
 * with a dynamic header that spells the same code lengths (so the inflater's dynamic-header
 * path runs too), wrapped as gzip (RFC 1952, no time stamp) or zlib (RFC 1950). */
typedef struct bits {
    uint8_t *out;
    size_t n;
    unsigned acc, nacc;
} bits;

static void put_bits(bits *b, unsigned v, unsigned count) /* LSB first */
{
    for (unsigned i = 0; i < count; i++) {
        b->acc |= ((v >> i) & 1u) << b->nacc;
        if (++b->nacc == 8) {
            b->out[b->n++] = (uint8_t)b->acc;
            b->acc = b->nacc = 0;
        }
    }
}

static void put_code(bits *b, unsigned code, unsigned len) /* Huffman codes: MSB first */
{
    for (unsigned i = len; i > 0; i--)
        put_bits(b, (code >> (i - 1)) & 1u, 1);
}

/* Canonical Huffman codes of the code lengths len[0..n) (RFC 1951 3.2.2). */
static void canonical(const uint8_t *len, unsigned n, uint16_t *code)
{
    unsigned count[16] = {0}, next[16] = {0}, c = 0;
    for (unsigned i = 0; i < n; i++)
        count[len[i]]++;
    count[0] = 0;
    for (unsigned bits_ = 1; bits_ < 16; bits_++) {
        c = (c + count[bits_ - 1]) << 1;
        next[bits_] = c;
    }
    for (unsigned i = 0; i < n; i++)
        code[i] = len[i] ? (uint16_t)next[len[i]]++ : 0;
}

#define LITLEN_CODES 286u /* the most a dynamic header may declare */
#define DIST_CODES 30u

static void deflate_block(bits *b, const uint8_t *in, size_t n, bool dynamic)
{
    uint8_t len[288 + DIST_CODES], dist[DIST_CODES];
    uint16_t code[288];
    unsigned i;

    /* The fixed codes (RFC 1951 3.2.6): 288 symbols. A dynamic header declares at most 286,
     * so there 284 and 285 take 7 bits to keep the tree complete. Distances (never used): 28
     * codes of 5 bits and 2 of 4, complete too. */
    for (i = 0; i < 288; i++)
        len[i] = (uint8_t)(i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8);
    for (i = 0; i < DIST_CODES; i++)
        dist[i] = (uint8_t)(i < 28 ? 5 : 4);
    if (dynamic) {
        len[284] = len[285] = 7;
        memcpy(len + LITLEN_CODES, dist, sizeof dist); /* sent right after the 286 */
    }
    canonical(len, dynamic ? LITLEN_CODES : 288u, code);

    put_bits(b, 1, 1);               /* BFINAL */
    put_bits(b, dynamic ? 2 : 1, 2); /* BTYPE 10 dynamic, 01 fixed */
    if (dynamic) {
        /* Code length codes for the lengths used (4 5 7 8 9): 7, 8, 9 of 2 bits, 4 and 5 of 3
         * (complete), sent in the order of RFC 1951 up to symbol 4. */
        static const uint8_t order[12] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4};
        uint8_t cl_len[19] = {0};
        uint16_t cl_code[19];
        cl_len[7] = cl_len[8] = cl_len[9] = 2;
        cl_len[4] = cl_len[5] = 3;
        canonical(cl_len, 19, cl_code);
        put_bits(b, LITLEN_CODES - 257, 5);
        put_bits(b, DIST_CODES - 1, 5);
        put_bits(b, sizeof order - 4, 4);
        for (i = 0; i < sizeof order; i++)
            put_bits(b, cl_len[order[i]], 3);
        for (i = 0; i < LITLEN_CODES + DIST_CODES; i++)
            put_code(b, cl_code[len[i]], cl_len[len[i]]);
    }
    for (size_t k = 0; k < n; k++)
        put_code(b, code[in[k]], len[in[k]]);
    put_code(b, code[256], len[256]); /* end of block */
    if (b->nacc)
        put_bits(b, 0, 8 - b->nacc);
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}

static size_t gzip(const uint8_t *in, size_t n, uint8_t *out, bool dynamic)
{
    static const uint8_t hdr[10] = {0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0x00, 0x03};
    bits b = {out, 0, 0, 0};
    uint32_t crc = crc32_of(in, n);

    memcpy(out, hdr, sizeof hdr);
    b.n = sizeof hdr;
    deflate_block(&b, in, n, dynamic);
    for (int i = 0; i < 4; i++)
        out[b.n++] = (uint8_t)(crc >> (8 * i));
    for (int i = 0; i < 4; i++)
        out[b.n++] = (uint8_t)(n >> (8 * i));
    return b.n;
}

/* The CSP's compressed certificate (cardmod.md): 01 00, length LE, zlib (dynamic block). */
static size_t csp_compress(const uint8_t *in, size_t n, uint8_t *out)
{
    bits b = {out, 0, 0, 0};
    uint32_t s1 = 1, s2 = 0;

    out[b.n++] = 0x01;
    out[b.n++] = 0x00;
    out[b.n++] = (uint8_t)n;
    out[b.n++] = (uint8_t)(n >> 8);
    out[b.n++] = 0x78; /* CM 8, 32 KiB window; FLG 01: no dictionary, check bits */
    out[b.n++] = 0x01;
    deflate_block(&b, in, n, true);
    for (size_t i = 0; i < n; i++) {
        s1 = (s1 + in[i]) % 65521u;
        s2 = (s2 + s1) % 65521u;
    }
    out[b.n++] = (uint8_t)(s2 >> 8);
    out[b.n++] = (uint8_t)s2;
    out[b.n++] = (uint8_t)(s1 >> 8);
    out[b.n++] = (uint8_t)s1;
    return b.n;
}

static void put_object(vpiv_card *card, uint32_t tag, const uint8_t *content, size_t len)
{
    uint8_t data[BIG];
    size_t o = 0;
    data[o++] = 0x5C;
    data[o++] = 0x03;
    data[o++] = (uint8_t)(tag >> 16);
    data[o++] = (uint8_t)(tag >> 8);
    data[o++] = (uint8_t)tag;
    o += put_tlv(data + o, 0x53, content, len);
    must(card_cmd(card, 0xDB, 0x3F, 0xFF, data, o, NULL, NULL), "PUT DATA");
}

/* How a certificate object holds its certificate. */
typedef enum { PLAIN, GZIP_FIXED, GZIP_DYNAMIC, CSP_ZLIB } packing;

static void put_cert(vpiv_card *card, uint32_t tag, const uint8_t *der, size_t len, packing how)
{
    uint8_t obj[BIG], z[BIG];
    const uint8_t *content = der;
    size_t o;

    if (how == GZIP_FIXED || how == GZIP_DYNAMIC)
        len = gzip(der, len, z, how == GZIP_DYNAMIC);
    else if (how == CSP_ZLIB)
        len = csp_compress(der, len, z);
    if (how != PLAIN)
        content = z;
    o = put_tlv(obj, 0x70, content, len);
    obj[o++] = 0x71;
    obj[o++] = 0x01;
    obj[o++] = (how == GZIP_FIXED || how == GZIP_DYNAMIC) ? 0x01 : 0x00;
    obj[o++] = 0xFE;
    obj[o++] = 0x00;
    put_object(card, tag, obj, o);
}

static void key_and_cert(vpiv_card *card, uint8_t slot, uint8_t alg, uint32_t obj,
                         const char *cn, packing how)
{
    uint8_t der[2048];
    EVP_PKEY *pk = generate(card, slot, alg);
    size_t n = make_cert(pk, cn, slot, der);
    put_cert(card, obj, der, n, how);
    EVP_PKEY_free(pk);
}

/* Yubico's container map record (docs/card-mapping.md): name[40] UTF-16LE, slot, key spec,
 * key size LE, flags, PIN id, associated ECDH container, SHA-1 fingerprint[20]. */
static size_t mscmap_record(uint8_t *out, const char *name, uint8_t slot, uint8_t spec,
                            uint16_t bits_, uint8_t flags)
{
    memset(out, 0, 107);
    for (size_t i = 0; name[i] && i < 39; i++)
        out[2 * i] = (uint8_t)name[i];
    out[80] = slot;
    out[81] = spec;
    out[82] = (uint8_t)bits_;
    out[83] = (uint8_t)(bits_ >> 8);
    out[84] = flags;
    out[85] = 1; /* PIN id: ROLE_USER */
    return 107;
}

/* The personalised card every scenario but "empty-card" starts from; with aes_mgm the
 * management key is then changed to AES-128 (SET MANAGEMENT KEY). */
static void personalise(vpiv_card *card, bool aes_mgm)
{
    static const uint8_t chuid[] = {
        0x30, 0x19, 0xD4, 0xE7, 0x39, 0xDA, 0x73, 0x9C, 0xED, 0x39, 0xCE, 0x73, 0x9D, 0x83,
        0x68, 0x58, 0x21, 0x08, 0x42, 0x10, 0x84, 0x21, 0xC8, 0x42, 0x10, 0xC3, 0xEB,
        0x34, 0x10, 'c', 'a', 'r', 'd', 'h', 'a', 'm', 'm', 'e', 'r', ' ', 's', 'e', 'e', 'd', '!',
        0x35, 0x08, '2', '0', '4', '5', '0', '1', '0', '1', 0x3E, 0x00, 0xFE, 0x00};
    static const uint8_t key_history[] = {0xC1, 0x01, 0x01, 0xC2, 0x01, 0x00, 0xFE, 0x00};
    static const uint8_t cardcf[] = {0xC0, 0x06, 0x00, 0x01, 0x02, 0x00, 0x03, 0x00};
    uint8_t recs[3 * 107], map[3 * 107 + 4];
    size_t n = 0;

    must(card_cmd(card, 0xA4, 0x04, 0x00, (const uint8_t *)"\xA0\x00\x00\x03\x08\x00\x00\x10\x00",
                  9, NULL, NULL),
         "SELECT");
    admin_login(card);
    key_and_cert(card, 0x9A, 0x07, 0x5FC105, "seed 9A RSA-2048", PLAIN);
    key_and_cert(card, 0x9C, 0x11, 0x5FC10A, "seed 9C P-256 (gzip)", GZIP_FIXED);
    key_and_cert(card, 0x9D, 0x14, 0x5FC10B, "seed 9D P-384", PLAIN);
    key_and_cert(card, 0x9E, 0x11, 0x5FC101, "seed 9E P-256 (gzip, dynamic)", GZIP_DYNAMIC);
    key_and_cert(card, 0x82, 0x11, 0x5FC10D, "seed 82 P-256 (CSP zlib)", CSP_ZLIB);
    EVP_PKEY_free(generate(card, 0x83, 0x11)); /* no certificate: only the map names it */
    put_object(card, 0x5FC102, chuid, sizeof chuid);
    put_object(card, 0x5FC10C, key_history, sizeof key_history);
    n += mscmap_record(recs + n, "cardhammer-seed-9a", 0x9A, AT_KEYEXCHANGE, 2048,
                       CONTAINER_MAP_VALID_CONTAINER | CONTAINER_MAP_DEFAULT_CONTAINER);
    n += mscmap_record(recs + n, "cardhammer-seed-9d", 0x9D, AT_ECDHE_P384, 384,
                       CONTAINER_MAP_VALID_CONTAINER);
    n += mscmap_record(recs + n, "cardhammer-seed-83-no-cert", 0x83, AT_ECDHE_P256, 256,
                       CONTAINER_MAP_VALID_CONTAINER);
    put_object(card, 0x5FFF10, map, put_tlv(map, 0x81, recs, n));
    put_object(card, 0x5FFF0E, cardcf, sizeof cardcf);
    if (aes_mgm) {
        uint8_t set[3 + sizeof aes_key] = {0x08, 0x9B, sizeof aes_key};
        memcpy(set + 3, aes_key, sizeof aes_key);
        must(card_cmd(card, 0xFF, 0xFF, 0xFF, set, sizeof set, NULL, NULL),
             "SET MANAGEMENT KEY");
    }
}

/* ---------------------------------------------------------------------------------------
 * OpenSSL's randomness as a counter (fuzz/counter_rand.h): vpiv draws its own bytes from
 * vpiv_set_deterministic's counter, but libcrypto asks its DRBG for ECDSA nonces, so an ECDSA
 * signature (and with it the recorded answer) would differ at every run. Every DRBG is this
 * counter, restarted at every scenario pass, before every generated input and before every
 * recorded command (from the command's bytes).
 * ------------------------------------------------------------------------------------- */

/* ---------------------------------------------------------------------------------------
 * Inputs of the key scenarios, made deterministically at start-up:
 *   - the imported RSA-1024 key: primes searched upwards (BN_check_prime) from starting
 *     points that are SHA-256 counter blocks of fixed labels, top two bits and the low bit
 *     set, p mod e != 1; d = e^-1 mod (p-1)(q-1);
 *   - the imported P-384 key and the ECDH peers: scalars SHA-384 / SHA-256 of fixed labels
 *     (reduced mod n - 1, plus 1), points computed by OpenSSL;
 *   - ciphertexts for the RSA-1024 key (PKCS#1 v1.5 and OAEP through OpenSSL, the padding's
 *     random bytes from the counter RAND restarted for each);
 *   - certificates as personalise makes them, a cmapfile written by hand;
 *   - malformed blobs: the good ones with one field broken per error class of md_keyblob.h.
 * ------------------------------------------------------------------------------------- */
enum {
    G_NONE = 0,
    G_RSA1024, G_P384,                                   /* good blobs */
    G_BAD_VERSION, G_BAD_ALG, G_BAD_MAGIC, G_BAD_BITLEN,  /* malformed RSA headers */
    G_RSA512, G_EXP3, G_P521,                             /* well formed, PIV cannot hold */
    G_INCONSISTENT, G_ECC_PUBLIC, G_ECC_CBKEY, G_OFF_CURVE, G_BAD_SCALAR,
    G_CT_RAW, G_CT_PKCS1, G_CT_OAEP256_LABEL, G_CT_OAEP1, G_CT_BAD, G_CT_SHORT,
    G_PEER_P256, G_PEER_P384, G_PEER_OFF_CURVE,
    G_CERT_SMALL, G_CERT_LARGE, G_CMAPFILE,
    G_COUNT
};

static struct {
    uint8_t *p;
    size_t len;
} gen[G_COUNT];

static void gen_set(unsigned k, const uint8_t *p, size_t len)
{
    gen[k].p = malloc(len ? len : 1);
    CH_CHECK(gen[k].p != NULL, "out of memory");
    memcpy(gen[k].p, p, len);
    gen[k].len = len;
}

typedef struct rsa_key {
    BIGNUM *n, *e, *d, *p, *q, *dp, *dq, *qinv;
} rsa_key;

static void rsa_fixed(rsa_key *k)
{
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *p1 = BN_new(), *q1 = BN_new(), *phi = BN_new();
    CH_CHECK(ctx && p1 && q1 && phi, "out of memory");
    k->p = fz_label_prime("cardhammer seed RSA-1024 p", 512, ctx);
    k->q = fz_label_prime("cardhammer seed RSA-1024 q", 512, ctx);
    k->n = BN_new(), k->e = BN_new(), k->d = BN_new(), k->dp = BN_new(), k->dq = BN_new();
    k->qinv = BN_new();
    CH_CHECK(k->n && k->e && k->d && k->dp && k->dq && k->qinv && BN_set_word(k->e, 65537) &&
                 BN_mul(k->n, k->p, k->q, ctx) && BN_num_bits(k->n) == 1024 &&
                 BN_sub(p1, k->p, BN_value_one()) && BN_sub(q1, k->q, BN_value_one()) &&
                 BN_mul(phi, p1, q1, ctx) && BN_mod_inverse(k->d, k->e, phi, ctx) &&
                 BN_mod(k->dp, k->d, p1, ctx) && BN_mod(k->dq, k->d, q1, ctx) &&
                 BN_mod_inverse(k->qinv, k->q, k->p, ctx),
             "RSA-1024 numbers");
    BN_free(p1), BN_free(q1), BN_free(phi);
    BN_CTX_free(ctx);
}

static EVP_PKEY *rsa_pkey(const rsa_key *k)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *pk = NULL;
    CH_CHECK(bld && pctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, k->n) &&
                 OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, k->e),
             "RSA params");
    params = OSSL_PARAM_BLD_to_param(bld);
    CH_CHECK(params && EVP_PKEY_fromdata_init(pctx) == 1 &&
                 EVP_PKEY_fromdata(pctx, &pk, EVP_PKEY_PUBLIC_KEY, params) == 1,
             "RSA key");
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(pctx);
    return pk;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* PRIVATEKEYBLOB (cardmod.md "Key blobs"): BLOBHEADER, RSAPUBKEY, n p q dp dq qinv d LE. */
static size_t rsa_blob(const rsa_key *k, uint8_t *out)
{
    const BIGNUM *parts[7] = {k->n, k->p, k->q, k->dp, k->dq, k->qinv, k->d};
    static const int sizes[7] = {128, 64, 64, 64, 64, 64, 128};
    size_t o = 20;
    out[0] = 0x07, out[1] = 0x02, out[2] = 0, out[3] = 0;
    put32(out + 4, CALG_RSA_KEYX);
    put32(out + 8, 0x32415352u); /* RSA2 */
    put32(out + 12, 1024);
    put32(out + 16, 65537);
    for (int i = 0; i < 7; i++) {
        CH_CHECK(BN_bn2lebinpad(parts[i], out + o, sizes[i]) == sizes[i], "blob number");
        o += (size_t)sizes[i];
    }
    return o; /* 20 + 9 * 1024 / 16 */
}

static EVP_PKEY *ec_pkey(const char *group, const uint8_t *x, const uint8_t *y, size_t f)
{
    uint8_t pt[97];
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *pk = NULL;
    pt[0] = 0x04;
    memcpy(pt + 1, x, f);
    memcpy(pt + 1 + f, y, f);
    CH_CHECK(bld && pctx &&
                 OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
                 OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * f),
             "EC params");
    params = OSSL_PARAM_BLD_to_param(bld);
    CH_CHECK(params && EVP_PKEY_fromdata_init(pctx) == 1 &&
                 EVP_PKEY_fromdata(pctx, &pk, EVP_PKEY_PUBLIC_KEY, params) == 1,
             "EC key");
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(pctx);
    return pk;
}

/* A BCRYPT_ECCKEY_BLOB: magic, cbKey, X, Y (and d). */
static size_t ecc_blob(uint32_t magic, size_t f, const uint8_t *x, const uint8_t *y,
                       const uint8_t *k, uint8_t *out)
{
    put32(out, magic);
    put32(out + 4, (uint32_t)f);
    memcpy(out + 8, x, f);
    memcpy(out + 8 + f, y, f);
    if (k)
        memcpy(out + 8 + 2 * f, k, f);
    return 8 + (k ? 3 : 2) * f;
}

/* Ciphertext of msg for the key, in CAPI's byte order (little-endian), as CardRSADecrypt
 * takes it. pad: RSA_PKCS1_PADDING, RSA_PKCS1_OAEP_PADDING (with md and label) or
 * RSA_NO_PADDING (msg is the whole block). */
static void encrypt_le(EVP_PKEY *pk, int padding, const EVP_MD *md, const char *label,
                       const uint8_t *msg, size_t len, unsigned k)
{
    EVP_PKEY_CTX *x = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    uint8_t ct[512], le[512];
    size_t n = sizeof ct;
    ch_counter_rand_seed(0x5EED0000u + k); /* the padding's random bytes: the same at every run */
    CH_CHECK(x && EVP_PKEY_encrypt_init(x) == 1 && EVP_PKEY_CTX_set_rsa_padding(x, padding) == 1,
             "encrypt init");
    if (padding == RSA_PKCS1_OAEP_PADDING) {
        CH_CHECK(EVP_PKEY_CTX_set_rsa_oaep_md(x, md) == 1 &&
                     EVP_PKEY_CTX_set_rsa_mgf1_md(x, md) == 1,
                 "OAEP md");
        if (label) {
            void *l = OPENSSL_memdup(label, strlen(label));
            CH_CHECK(l && EVP_PKEY_CTX_set0_rsa_oaep_label(x, l, (int)strlen(label)) == 1,
                     "OAEP label");
        }
    }
    CH_CHECK(EVP_PKEY_encrypt(x, ct, &n, msg, len) == 1 && n == 128, "encrypt");
    for (size_t i = 0; i < n; i++)
        le[i] = ct[n - 1 - i];
    if (label) { /* the record's data: the label, then the ciphertext (c = label length) */
        uint8_t both[600];
        memcpy(both, label, strlen(label));
        memcpy(both + strlen(label), le, n);
        gen_set(k, both, strlen(label) + n);
    } else {
        gen_set(k, le, n);
    }
    EVP_PKEY_CTX_free(x);
}

/* The CSP's cmapfile: 86-byte CONTAINER_MAP_RECORDs (name, flags, reserved, sig bits, kx bits). */
static size_t cmap_record(uint8_t *out, const char *name, uint8_t flags, uint16_t sig,
                          uint16_t kx)
{
    memset(out, 0, 86);
    for (size_t i = 0; name[i] && i < 39; i++)
        out[2 * i] = (uint8_t)name[i];
    out[80] = flags;
    out[82] = (uint8_t)sig, out[83] = (uint8_t)(sig >> 8);
    out[84] = (uint8_t)kx, out[85] = (uint8_t)(kx >> 8);
    return 86;
}

static void make_inputs(void)
{
    rsa_key k;
    uint8_t b[4096], x[48], y[48], d[48], px[48], py[48];
    size_t n;
    EVP_PKEY *pub;

    ch_counter_rand_seed(0x5EED);
    rsa_fixed(&k);
    n = rsa_blob(&k, b);
    gen_set(G_RSA1024, b, n);
    b[1] = 0x03; /* bVersion */
    gen_set(G_BAD_VERSION, b, n);
    b[1] = 0x02;
    put32(b + 4, 0x6610u); /* CALG_AES_256: not an RSA key */
    gen_set(G_BAD_ALG, b, n);
    put32(b + 4, CALG_RSA_KEYX);
    put32(b + 8, 0x31415352u); /* RSA1: a public key's magic */
    gen_set(G_BAD_MAGIC, b, n);
    put32(b + 8, 0x32415352u);
    put32(b + 12, 1000); /* not a multiple of 16 */
    gen_set(G_BAD_BITLEN, b, 20);
    put32(b + 12, 512); /* well formed, but no PIV RSA size: the header decides */
    gen_set(G_RSA512, b, 20);
    put32(b + 12, 1024);
    put32(b + 16, 3); /* an exponent PIV import does not take */
    gen_set(G_EXP3, b, n);
    put32(b + 16, 65537);
    b[20 + 128] ^= 0x02; /* p's low byte: still odd, no longer a factor of n */
    gen_set(G_INCONSISTENT, b, n);
    b[20 + 128] ^= 0x02;

    fz_label_ec(NID_secp384r1, "cardhammer seed P-384 import", x, y, d);
    gen_set(G_P384, b, ecc_blob(BCRYPT_ECDSA_PRIVATE_P384_MAGIC, 48, x, y, d, b));
    gen_set(G_ECC_PUBLIC, b, ecc_blob(BCRYPT_ECDSA_PUBLIC_P384_MAGIC, 48, x, y, d, b));
    gen_set(G_ECC_CBKEY, b, ecc_blob(BCRYPT_ECDSA_PRIVATE_P384_MAGIC, 32, x, y, d, b));
    n = ecc_blob(BCRYPT_ECDSA_PRIVATE_P384_MAGIC, 48, x, y, d, b);
    b[8 + 48 + 47] ^= 1; /* Y */
    gen_set(G_OFF_CURVE, b, n);
    b[8 + 48 + 47] ^= 1;
    memset(b + 8 + 96, 0, 48); /* d = 0 */
    gen_set(G_BAD_SCALAR, b, n);
    memset(b, 0, 20);
    put32(b, BCRYPT_ECDSA_PRIVATE_P521_MAGIC);
    put32(b + 4, 66);
    gen_set(G_P521, b, 8);

    /* ciphertexts for the RSA-1024 key */
    pub = rsa_pkey(&k);
    {
        static const uint8_t msg[] = "cardhammer seed session key 0123"; /* 32 bytes */
        uint8_t block[128];
        memset(block, 0xA5, sizeof block);
        block[0] = 0x00, block[1] = 0x02, block[128 - 33] = 0x00; /* a PKCS#1 type 2 block */
        memcpy(block + 128 - 32, msg, 32);
        encrypt_le(pub, RSA_NO_PADDING, NULL, NULL, block, 128, G_CT_RAW);
        block[1] = 0x01; /* type 1: what a decryption must call bad */
        encrypt_le(pub, RSA_NO_PADDING, NULL, NULL, block, 128, G_CT_BAD);
        encrypt_le(pub, RSA_PKCS1_PADDING, NULL, NULL, msg, 32, G_CT_PKCS1);
        encrypt_le(pub, RSA_PKCS1_OAEP_PADDING, EVP_sha256(), "cardhammer", msg, 32,
                   G_CT_OAEP256_LABEL);
        encrypt_le(pub, RSA_PKCS1_OAEP_PADDING, EVP_sha1(), NULL, msg, 32, G_CT_OAEP1);
        gen_set(G_CT_SHORT, gen[G_CT_RAW].p, 127); /* one byte short of the modulus */
    }

    /* ECDH peers */
    fz_label_ec(NID_X9_62_prime256v1, "cardhammer seed ECDH peer P-256", px, py, NULL);
    gen_set(G_PEER_P256, b, ecc_blob(BCRYPT_ECDH_PUBLIC_P256_MAGIC, 32, px, py, NULL, b));
    b[8 + 63] ^= 1;
    gen_set(G_PEER_OFF_CURVE, b, 72);
    fz_label_ec(NID_secp384r1, "cardhammer seed ECDH peer P-384", px, py, NULL);
    gen_set(G_PEER_P384, b, ecc_blob(BCRYPT_ECDH_PUBLIC_P384_MAGIC, 48, px, py, NULL, b));

    /* certificates of the two imported keys: RSA-1024 small, P-384 large (gzip on the card) */
    gen_set(G_CERT_SMALL, b, make_cert(pub, "seed write kxc00 RSA-1024", 1000, b));
    {
        EVP_PKEY *ec = ec_pkey("secp384r1", x, y, 48);
        gen_set(G_CERT_LARGE, b, make_cert_ext(ec, "seed write ksc02 P-384 (large)", 1002,
                                               3200, b, sizeof b));
        CH_CHECK(gen[G_CERT_LARGE].len > 3052, "the large certificate fits a PIV object");
        EVP_PKEY_free(ec);
    }
    EVP_PKEY_free(pub);

    /* cmapfile after write-files' imports: container 0 the default (key exchange, 1024), 1
     * empty, 2 (signature, 384) */
    n = cmap_record(b, "cardhammer-written-9a", 3, 0, 1024);
    n += cmap_record(b + n, "", 0, 0, 0);
    n += cmap_record(b + n, "cardhammer-written-9d", 1, 384, 0);
    gen_set(G_CMAPFILE, b, n);

    BN_free(k.n), BN_free(k.e), BN_free(k.d), BN_free(k.p), BN_free(k.q);
    BN_free(k.dp), BN_free(k.dq), BN_free(k.qinv);
}

/* ---------------------------------------------------------------------------------------
 * Scenarios: the records of fuzz_apdu inputs (selectors index the tables of finding.c)
 * ------------------------------------------------------------------------------------- */
enum { D_ROOT = 0, D_MSCP = 1, D_NODIR = 5 };
enum {
    F_CARDID = 0, F_CARDCF, F_CARDAPPS, F_CMAPFILE, F_KXC00, F_KSC00, F_KXC01, F_KSC01,
    F_KXC02, F_KSC02, F_KXC03, F_KSC03, F_KXC04, F_KSC04, F_KXC17, F_KXC18, F_KXC23
};
enum { U_USER = 0, U_ADMIN = 1 };
enum { P_USER = 0, P_ADMIN = 1, P_EVERYONE = 2, P_SIGN = 3, P_PUK = 4 }; /* pin_ids[] */
enum {
    PR_PIN_INFO = 0, PR_GUID, PR_SERIAL, PR_CACHE_MODE, PR_READ_ONLY, PR_X509, PR_PIN_LIST,
    PR_AUTH_STATE, PR_STRENGTH_VERIFY, PR_STRENGTH_CHANGE, PR_STRENGTH_UNBLOCK, PR_FREE_SPACE,
    PR_CAPABILITIES, PR_KEY_SIZES, PR_PARENT_WINDOW, PR_PIN_CONTEXT, PR_KEY_IMPORT,
    PR_ALGORITHMS, PR_PADDING, PR_CHAINING, PR_UNKNOWN = 26
};
enum { CP_INFO = 0, CP_PIN_ID = 1, CP_ECDH = 2 }; /* container properties: props[20 + b] */
/* Ops 22..31 (finding.c's tables): key_specs[], create_flags[], key_sizes[], sign_flags[],
 * hash_calgs[], sign_pads[], decrypt_pads[], kdf_names(), derive_flags[], kdf_hashes[],
 * dh_versions[]; d bits 3..4 the structure version (2, 1, 0, 3), 5..6 the padding callback. */
enum { KS_KEYX = 0, KS_SIG, KS_ECDSA256, KS_ECDSA384, KS_ECDSA521, KS_ECDH256, KS_ECDH384 };
enum { CF_GEN = 0, CF_IMPORT = 1 };
enum { KZ_DEFAULT = 0, KZ_2048 = 1, KZ_1024 = 2, KZ_384 = 6 };
enum { SF_NONE = 0, SF_SIZE_ONLY = 1, SF_PADDING_INFO = 2 };
enum { HC_SHA256 = 0, HC_NONE, HC_SHA1, HC_SHAMD5 };
enum { SP_PKCS1_SHA256 = 0, SP_PSS_SHA256 = 6 };
enum { DP_NONE = 0, DP_PKCS1, DP_OAEP_SHA1, DP_OAEP_SHA256, DP_OAEP_MD5 = 7 };
enum { V2 = 0, V1 = 1 << 3, V3 = 3 << 3 };
enum { PM_BLOCK = 0, PM_FAIL = 1 << 5, PM_NONE = 2 << 5, PM_LONG = 3 << 5 };
enum { K_HASH = 0, K_HMAC, K_TLS_PRF };
enum { DF_NONE = 0, DF_SIZE_ONLY, DF_SECRET_KEY };
enum { KB_HASH = 1, KB_PREPEND = 2, KB_APPEND = 4, KB_KEY = 8 };  /* which BCryptBuffers */
enum { KH_SHA256 = 0, KH_SHA1, KH_SHA384, KH_SHA512, KH_MD5 };   /* kdf_hashes[], c >> 4 */
enum { F_MSROOTS = 21 };
enum { D_NULL_LIST = 0x02 };

#define ADMIN S(GET_CHALLENGE, 0, 0, 0, 0), RESPONSE(AUTHENTICATE_CHALLENGE, 0, 1)
/* CardCreateContainerEx(idx, flags, keyspec, size, blob), PinId ROLE_USER */
#define CREATE(idx, flags, spec, size, g) \
    SG(CREATE_CONTAINER, idx, (flags) | (spec) << 4, size, 0, g)
/* CardSignData(idx, keyspec, signing flags, aiHashAlg, padding, d, hash) */
#define SIGN(idx, spec, fl, calg, pad, d, hash) \
    SD(SIGN_DATA, idx, (spec) | (fl) << 4, (calg) | (pad) << 4, d, hash)
/* CardRSADecrypt(idx, keyspec, padding, label length, d, label || ciphertext) */
#define DECRYPT(idx, spec, pad, label_len, d, g) \
    SG(RSA_DECRYPT, idx, (spec) | (pad) << 4, label_len, d, g)
/* CardDeriveKey(agreement, KDF, flags, buffers, hash, d, u8 prepend len, u8 append len, ...) */
#define DERIVE(i, kdf, fl, bufs, hash, d, data) \
    SD(DERIVE_KEY, i, (kdf) | (fl) << 4, (bufs) | (hash) << 4, d, data)
#define HASH32 "cardhammer seed hash, 32 bytes!!"
#define HASH20 "cardhammer hash 20 b"
#define HASH36 "cardhammer MD5 || SHA-1, 36 bytes :)"
#define HASH48 "cardhammer seed hash for P-384 ECDSA, 48 bytes!"


/* A record; `fix` k > 0: the data is replaced by the response to the k-th admin challenge;
 * `gen` > 0: the data is that input of make_inputs (G_*). */
typedef struct step {
    bool used; /* false: past the scenario's last call */
    uint8_t op, a, b, c, d;
    const char *data;
    size_t len;
    unsigned fix;
    unsigned gen;
} step;

#define S(op, a, b, c, d) {true, CH_FAP_##op, a, b, c, d, NULL, 0, 0, 0}
#define SD(op, a, b, c, d, str) {true, CH_FAP_##op, a, b, c, d, str, sizeof(str) - 1, 0, 0}
#define RESPONSE(op, a, k) {true, CH_FAP_##op, a, 0, 0, 0, "\0\0\0\0\0\0\0\0", 8, k, 0}

#define SG(op, a, b, c, d, g) {true, CH_FAP_##op, a, b, c, d, NULL, 0, 0, g}

#define READ(dir, file) S(READ_FILE, dir, file, 0, 0)
#define INFO(idx) S(GET_CONTAINER_INFO, idx, 0, 0, 0)
#define GETPROP(p, flags) S(GET_PROPERTY, p, 0, flags, 0)
/* Structure properties: the caller's buffer starts with the structure's dwVersion. */
#define GETSTRUCT(p, flags, v) SD(GET_PROPERTY, p, 0, flags, 0, v "\0\0\0")
#define PIN(user, pin) SD(AUTHENTICATE_PIN, user, 0, 0, 0, pin)

typedef struct scenario {
    const char *name;
    uint8_t version_sel, alloc_fail_at, flags;
    bool empty_card;
    bool aes_mgm;
    step steps[CH_FAP_MAX_CALLS];
} scenario;

static const scenario scenarios[] = {
    {"logon", 0, 0, 0, false, false,
     {READ(D_ROOT, F_CARDID), READ(D_ROOT, F_CARDCF), READ(D_MSCP, F_CMAPFILE), INFO(0),
      READ(D_MSCP, F_KXC00), INFO(1), READ(D_MSCP, F_KSC01), INFO(2), READ(D_MSCP, F_KXC02),
      INFO(3), READ(D_MSCP, F_KSC03), INFO(4), READ(D_MSCP, F_KXC04), PIN(U_USER, "123456"),
      GETPROP(PR_AUTH_STATE, 0), S(DEAUTHENTICATE, U_USER, 0, 0, 0)}},
    {"logon-v4", 3, 0, 0, false, false,
     {READ(D_ROOT, F_CARDID), READ(D_ROOT, F_CARDCF), READ(D_ROOT, F_CARDAPPS),
      READ(D_MSCP, F_CMAPFILE), READ(D_MSCP, F_KXC00), READ(D_MSCP, F_KSC01), INFO(0), INFO(1),
      INFO(2), PIN(U_USER, "123456"), S(DEAUTHENTICATE, U_USER, 0, 0, 0),
      S(QUERY_CAPABILITIES, 0, 0, 0, 0), S(QUERY_FREE_SPACE, 0, 0, 0, 0),
      S(QUERY_KEY_SIZES, 0, 0, 0, 0), S(ENUM_FILES, D_MSCP, 0, 0, 0),
      S(GET_FILE_INFO, D_MSCP, F_KXC02, 0, 0)}},
    {"logon-v5", 2, 0, 0, false, false,
     {READ(D_ROOT, F_CARDCF), READ(D_MSCP, F_CMAPFILE), READ(D_MSCP, F_KXC02), INFO(2),
      READ(D_MSCP, F_KXC04), INFO(4), PIN(U_USER, "123456")}},
    {"logon-v6", 1, 0, 0, false, false,
     {READ(D_ROOT, F_CARDCF), READ(D_MSCP, F_CMAPFILE), READ(D_MSCP, F_KXC00), INFO(0),
      S(GET_CONTAINER_PROPERTY, 0, CP_PIN_ID, 0, 0), SD(AUTHENTICATE_EX, P_USER, 0, 0, 0, "123456"),
      GETPROP(PR_AUTH_STATE, 0), S(DEAUTHENTICATE_EX, 0x02, 0, 0, 0)}},
    {"logon-no-cache", 0, 0, CH_FAP_NULL_CACHE | CH_FAP_SECOND_CONTEXT, false, false,
     {READ(D_MSCP, F_CMAPFILE), READ(D_MSCP, F_KSC01)}},
    {"logon-alloc-fail-3", 0, 3, 0, false, false,
     {READ(D_ROOT, F_CARDID), READ(D_ROOT, F_CARDCF), READ(D_MSCP, F_CMAPFILE),
      READ(D_MSCP, F_KXC00), INFO(0), READ(D_MSCP, F_KSC01), INFO(1)}},
    {"logon-alloc-fail-9", 0, 9, 0, false, false,
     {READ(D_ROOT, F_CARDID), READ(D_ROOT, F_CARDCF), READ(D_MSCP, F_CMAPFILE),
      READ(D_MSCP, F_KXC00), INFO(0), READ(D_MSCP, F_KSC01), INFO(1)}},
    {"warm-cache", 0, 0, CH_FAP_SECOND_CONTEXT, false, false,
     {READ(D_ROOT, F_CARDCF), READ(D_MSCP, F_CMAPFILE), READ(D_MSCP, F_KXC00),
      READ(D_MSCP, F_KSC01), READ(D_MSCP, F_KXC02), READ(D_MSCP, F_KSC03),
      READ(D_MSCP, F_KXC04), INFO(0), INFO(1), INFO(2), INFO(3), INFO(4),
      S(ENUM_FILES, D_MSCP, 0, 0, 0), S(GET_FILE_INFO, D_MSCP, F_KSC01, 0, 0)}},
    {"reacquire", 0, 0, 0, false, false,
     {READ(D_MSCP, F_CMAPFILE), READ(D_MSCP, F_KXC00), PIN(U_USER, "123456"),
      S(REACQUIRE, 0, 0, 0, 0), READ(D_MSCP, F_CMAPFILE), READ(D_MSCP, F_KXC00),
      GETPROP(PR_AUTH_STATE, 0), S(REACQUIRE, 0, 0, 0, 0), INFO(0)}},
    {"admin-challenge", 0, 0, 0, false, false,
     {S(GET_CHALLENGE, 0, 0, 0, 0), RESPONSE(AUTHENTICATE_CHALLENGE, 0, 1),
      GETPROP(PR_AUTH_STATE, 0), S(DEAUTHENTICATE, U_ADMIN, 0, 0, 0),
      S(GET_CHALLENGE_EX, P_ADMIN, 0, 0, 0), RESPONSE(AUTHENTICATE_EX, P_ADMIN, 2),
      S(DEAUTHENTICATE_EX, 0x04, 0, 0, 0),
      SD(AUTHENTICATE_CHALLENGE, 0, 0, 0, 0, "\1\2\3\4\5\6\7\x8"),
      S(GET_CHALLENGE, 0, 0, 0, 0), SD(AUTHENTICATE_CHALLENGE, 0, 0, 0, 0, "\1\2\3\4\5\6\7\x8"),
      S(GET_CHALLENGE_EX, P_USER, 0, 0, 0)}},
    {"pin-block-unblock", 0, 0, 0, false, false,
     {PIN(U_USER, "111111"), PIN(U_USER, "222222"), PIN(U_USER, "333333"),
      PIN(U_USER, "123456"), GETSTRUCT(PR_PIN_INFO, 1, "\6"),
      SD(UNBLOCK_PIN, U_USER, 0, 8, 0, "87654321123456"),
      SD(UNBLOCK_PIN, U_USER, 0, 8, 0, "12345678123456"), PIN(U_USER, "123456"),
      GETPROP(PR_AUTH_STATE, 0), SD(UNBLOCK_PIN, U_ADMIN, 0, 8, 0, "12345678123456"),
      SD(UNBLOCK_PIN, U_USER, 0x10, 8, 0, "12345678123456")}},
    {"pin-change", 0, 0, 0, false, false,
     {SD(CHANGE_AUTHENTICATOR, U_USER, 0, 6, 0, "123456654321"), PIN(U_USER, "654321"),
      SD(CHANGE_AUTHENTICATOR_EX, 0, 0x00, 6, 0, "654321123456"),
      SD(AUTHENTICATE_EX, P_USER, 0, 0, 0, "123456"),
      SD(AUTHENTICATE_EX, P_SIGN, 0, 0, 0, "123456"),
      SD(CHANGE_AUTHENTICATOR_EX, 0, 0x44, 8, 0, "1234567887654321"),
      SD(CHANGE_AUTHENTICATOR_EX, 1, 0x04, 8, 0, "87654321123456"),
      S(DEAUTHENTICATE_EX, 0xFF, 0, 0, 0), SD(AUTHENTICATE_EX, P_USER, 0, 0, 0, "000000"),
      SD(CHANGE_AUTHENTICATOR, U_USER, 0, 6, 0, "12345612"),
      SD(AUTHENTICATE_EX, P_USER, 0, 0, 0x10, "123456"),
      SD(AUTHENTICATE_PIN, U_USER, 0, 0, 0, "12345")}},
    {"files", 0, 0, 0, false, false,
     {S(ENUM_FILES, D_ROOT, 0, 0, 0), S(ENUM_FILES, D_MSCP, 0, 0, 0),
      S(ENUM_FILES, D_NODIR, 0, 0, 0), S(GET_FILE_INFO, D_ROOT, F_CARDID, 0, 0),
      S(GET_FILE_INFO, D_ROOT, F_CARDCF, 0, 0), S(GET_FILE_INFO, D_ROOT, F_CARDAPPS, 0, 0),
      S(GET_FILE_INFO, D_MSCP, F_CMAPFILE, 0, 0), S(GET_FILE_INFO, D_MSCP, F_KXC00, 0, 0),
      S(GET_FILE_INFO, D_MSCP, F_KSC01, 0, 0), S(GET_FILE_INFO, D_MSCP, F_KXC02, 0, 0),
      S(GET_FILE_INFO, D_MSCP, F_KXC04, 0, 0), READ(D_MSCP, F_KXC01), READ(D_MSCP, F_KXC17),
      READ(D_MSCP, F_KXC18), READ(D_NODIR, F_CARDID), READ(D_ROOT, F_CARDAPPS)}},
    {"properties", 0, 0, 0, false, false,
     {GETSTRUCT(PR_PIN_INFO, 1, "\6"), GETSTRUCT(PR_PIN_INFO, 2, "\6"),
      GETSTRUCT(PR_PIN_INFO, 3, "\6"),
      GETSTRUCT(PR_PIN_INFO, 4, "\6"), GETPROP(PR_GUID, 0), GETPROP(PR_SERIAL, 0),
      GETPROP(PR_CACHE_MODE, 0), GETPROP(PR_READ_ONLY, 0), GETPROP(PR_X509, 0),
      GETPROP(PR_PIN_LIST, 0), GETPROP(PR_AUTH_STATE, 0), GETPROP(PR_STRENGTH_VERIFY, 1),
      GETPROP(PR_STRENGTH_CHANGE, 1), GETPROP(PR_STRENGTH_UNBLOCK, 1),
      GETSTRUCT(PR_FREE_SPACE, 0, "\1"), GETSTRUCT(PR_CAPABILITIES, 0, "\1")}},
    {"properties-2", 0, 0, 0, false, false,
     {GETSTRUCT(PR_KEY_SIZES, 1, "\1"), GETSTRUCT(PR_KEY_SIZES, 3, "\1"), GETPROP(PR_KEY_IMPORT, 0),
      GETPROP(PR_ALGORITHMS, 0), GETPROP(PR_PADDING, 0), GETPROP(PR_CHAINING, 0),
      SD(SET_PROPERTY, PR_PARENT_WINDOW, 0, 0, 0, "\x01\x02\x03\x04\x05\x06\x07\x08"),
      SD(SET_PROPERTY, PR_PIN_CONTEXT, 0, 0, 0, "l\0o\0g\0o\0n\0\0\0"),
      SD(SET_PROPERTY, PR_FREE_SPACE, 0, 0, 0, "\0\0\0\0"), S(GET_PROPERTY, PR_GUID, 2, 0, 0),
      SD(GET_PROPERTY, PR_PIN_INFO, 7, 1, 0, "\6\0\0\0"), S(GET_PROPERTY, PR_SERIAL, 1, 0, 0),
      GETPROP(PR_UNKNOWN, 0), GETPROP(PR_PARENT_WINDOW, 0), GETSTRUCT(PR_PIN_INFO, 7, "\6")}},
    {"container-properties", 0, 0, 0, false, false,
     {SD(GET_CONTAINER_PROPERTY, 0, CP_INFO, 0, 0, "\1\0\0\0"),
      S(GET_CONTAINER_PROPERTY, 0, CP_PIN_ID, 0, 0),
      SD(GET_CONTAINER_PROPERTY, 1, CP_INFO, 0, 0, "\1\0\0\0"),
      S(GET_CONTAINER_PROPERTY, 1, CP_PIN_ID, 0, 0),
      SD(GET_CONTAINER_PROPERTY, 2, CP_INFO, 0, 0, "\1\0\0\0"),
      S(GET_CONTAINER_PROPERTY, 2, CP_ECDH, 0, 0),
      S(GET_CONTAINER_PROPERTY, 3, CP_PIN_ID, 0, 0),
      SD(GET_CONTAINER_PROPERTY, 4, CP_INFO, 0, 0, "\1\0\0\0"),
      SD(GET_CONTAINER_PROPERTY, 5, CP_INFO, 0, 0, "\1\0\0\0"),
      S(GET_CONTAINER_PROPERTY, 0, CP_INFO, 4, 0),
      SD(SET_CONTAINER_PROPERTY, 0, CP_PIN_ID, 0, 0, "\x01\0\0\0"),
      SD(SET_CONTAINER_PROPERTY, 0, CP_INFO, 0, 0, "\0\0\0\0"), INFO(5), INFO(24)}},
    {"query", 0, 0, 0, false, false,
     {S(QUERY_CAPABILITIES, 0, 0, 0, 0), S(QUERY_CAPABILITIES, 2, 0, 0, 0),
      S(QUERY_FREE_SPACE, 0, 0, 0, 0), S(QUERY_FREE_SPACE, 1, 0, 0, 0),
      S(QUERY_KEY_SIZES, 0, 0, 0, 0), S(QUERY_KEY_SIZES, 1, 0, 0, 0),
      S(QUERY_KEY_SIZES, 2, 0, 0, 0), S(QUERY_KEY_SIZES, 3, 0, 0, 0),
      S(QUERY_KEY_SIZES, 4, 0, 0, 0), S(QUERY_KEY_SIZES, 5, 0, 0, 0),
      S(QUERY_KEY_SIZES, 6, 0, 0, 0), S(QUERY_KEY_SIZES, 7, 0, 0, 0),
      S(QUERY_KEY_SIZES, 8, 0, 0, 0), S(QUERY_KEY_SIZES, 0, 1, 0, 0)}},
    {"admin-aes", 0, 0, 0, false, true,
     {S(GET_CHALLENGE, 0, 0, 0, 0), RESPONSE(AUTHENTICATE_CHALLENGE, 0, 1),
      GETPROP(PR_AUTH_STATE, 0), S(GET_CHALLENGE_EX, P_ADMIN, 0, 0, 0),
      SD(AUTHENTICATE_EX, P_ADMIN, 0, 0, 0, "\1\2\3\4\5\6\7\x8"), S(GET_CHALLENGE, 0, 0, 0, 0),
      RESPONSE(AUTHENTICATE_EX, P_ADMIN, 3), S(DEAUTHENTICATE, U_ADMIN, 0, 0, 0)}},
    /* Ops 22..31. The management key through the table (3DES challenge), the PIN through
     * CardAuthenticatePin where the key needs it. */
    {"keygen-sign", 0, 0, 0, false, false,
     {ADMIN, CREATE(6, CF_GEN, KS_KEYX, KZ_2048, 0), CREATE(7, CF_GEN, KS_ECDSA256, KZ_DEFAULT, 0),
      INFO(6), INFO(7), PIN(U_USER, "123456"),
      SIGN(6, KS_KEYX, SF_NONE, HC_SHA256, 0, V2, HASH32),
      SIGN(6, KS_KEYX, SF_NONE, HC_SHAMD5, 0, V2, HASH36),
      SIGN(6, KS_KEYX, SF_SIZE_ONLY, HC_SHA256, 0, V2, HASH32),
      SIGN(7, KS_ECDSA256, SF_NONE, HC_SHA256, 0, V2, HASH32),
      SIGN(6, KS_KEYX, SF_PADDING_INFO, 0, SP_PKCS1_SHA256, V2, HASH32),
      SIGN(6, KS_KEYX, SF_PADDING_INFO, 0, SP_PSS_SHA256, V2 | PM_BLOCK, HASH32),
      SIGN(6, KS_KEYX, SF_NONE, HC_SHA1, 0, V1, HASH20), S(DELETE_CONTAINER, 7, 0, 0, 0),
      INFO(7)}},
    {"import-sign-decrypt", 0, 0, 0, false, false,
     {ADMIN, CREATE(8, CF_IMPORT, KS_KEYX, KZ_1024, G_RSA1024),
      CREATE(9, CF_IMPORT, KS_ECDSA384, KZ_384, G_P384), INFO(8), INFO(9), PIN(U_USER, "123456"),
      SIGN(8, KS_KEYX, SF_NONE, HC_SHA256, 0, V2, HASH32),
      SIGN(9, KS_ECDSA384, SF_NONE, HC_SHA256, 0, V2, HASH48),
      DECRYPT(8, KS_KEYX, DP_NONE, 0, V1, G_CT_RAW), DECRYPT(8, KS_KEYX, DP_PKCS1, 0, V2, G_CT_PKCS1),
      DECRYPT(8, KS_KEYX, DP_OAEP_SHA256, 10, V2, G_CT_OAEP256_LABEL),
      DECRYPT(8, KS_KEYX, DP_OAEP_SHA1, 0, V2, G_CT_OAEP1),
      DECRYPT(8, KS_KEYX, DP_PKCS1, 0, V2, G_CT_BAD), DECRYPT(9, KS_KEYX, DP_NONE, 0, V2, G_CT_RAW),
      DECRYPT(8, KS_KEYX, DP_NONE, 0, V2, G_CT_SHORT)}},
    /* One key blob per error class of md_keyblob.h: each refused before the card. */
    {"import-malformed", 0, 0, 0, false, false,
     {CREATE(10, CF_IMPORT, KS_KEYX, KZ_DEFAULT, G_BAD_VERSION),
      CREATE(10, CF_IMPORT, KS_KEYX, KZ_DEFAULT, G_BAD_ALG),
      CREATE(10, CF_IMPORT, KS_KEYX, KZ_DEFAULT, G_BAD_MAGIC),
      CREATE(10, CF_IMPORT, KS_KEYX, KZ_DEFAULT, G_BAD_BITLEN),
      CREATE(10, CF_IMPORT, KS_KEYX, KZ_DEFAULT, G_RSA512),
      CREATE(10, CF_IMPORT, KS_KEYX, KZ_DEFAULT, G_EXP3),
      CREATE(10, CF_IMPORT, KS_KEYX, KZ_DEFAULT, G_INCONSISTENT),
      CREATE(10, CF_IMPORT, KS_SIG, KZ_DEFAULT, G_RSA1024),
      CREATE(10, CF_IMPORT, KS_KEYX, KZ_2048, G_RSA1024),
      CREATE(10, CF_IMPORT, KS_ECDSA384, KZ_DEFAULT, G_P521),
      CREATE(10, CF_IMPORT, KS_ECDSA384, KZ_DEFAULT, G_ECC_PUBLIC),
      CREATE(10, CF_IMPORT, KS_ECDSA384, KZ_DEFAULT, G_ECC_CBKEY),
      CREATE(10, CF_IMPORT, KS_ECDSA384, KZ_DEFAULT, G_OFF_CURVE),
      CREATE(10, CF_IMPORT, KS_ECDSA384, KZ_DEFAULT, G_BAD_SCALAR),
      CREATE(10, CF_IMPORT, KS_ECDH384, KZ_DEFAULT, G_P384),
      SD(CREATE_CONTAINER, 10, CF_IMPORT, KZ_DEFAULT, 0, "\x06\x02\0\0\0\xA4\0\0RSA2")}},
    {"ecdh-derive", 0, 0, 0, false, false,
     {PIN(U_USER, "123456"), SG(CONSTRUCT_DH, 2, 0, 0, 0, G_PEER_P384),
      SG(CONSTRUCT_DH, 4, 0, 0, 0, G_PEER_P256),
      DERIVE(0, K_HASH, DF_NONE, KB_HASH | KB_PREPEND | KB_APPEND, KH_SHA256, 0, "\3\4preappd"),
      DERIVE(0, K_HASH, DF_NONE, 0, 0, D_NULL_LIST, ""),
      DERIVE(1, K_HMAC, DF_NONE, KB_HASH | KB_KEY, KH_SHA384, 0, "\0\0cardhammer hmac key"),
      DERIVE(1, K_HMAC, DF_SECRET_KEY, KB_HASH, KH_SHA512, 0, ""),
      DERIVE(0, K_HASH, DF_SIZE_ONLY, KB_HASH, KH_SHA256, 0, ""),
      DERIVE(0, K_TLS_PRF, DF_NONE, 0, 0, 0, ""), DERIVE(0, K_HASH, DF_NONE, KB_HASH, KH_MD5, 0, ""),
      DERIVE(0, K_HMAC, DF_NONE, 0, 0, 0, ""), S(DESTROY_DH, 0, 0, 0, 0), S(DESTROY_DH, 0, 0, 0, 0),
      DERIVE(0, K_HASH, DF_NONE, 0, 0, 0, ""), SG(CONSTRUCT_DH, 2, 0, 1, 0, G_PEER_P384),
      SG(CONSTRUCT_DH, 2, 0, 0, 0, G_PEER_P256)}},
    /* A certificate must certify the slot's key (GET METADATA): the fixed keys are imported
     * into 9A and 9D first, then certified (kxc00 small, ksc02 large: gzip). */
    /* Every agreement index taken: the ninth is NO_MEMORY until one is destroyed. */
    {"ecdh-all-agreements", 0, 0, 0, false, false,
     {PIN(U_USER, "123456"), SG(CONSTRUCT_DH, 2, 0, 0, 0, G_PEER_P384),
      SG(CONSTRUCT_DH, 2, 0, 0, 0, G_PEER_P384), SG(CONSTRUCT_DH, 2, 0, 0, 0, G_PEER_P384),
      SG(CONSTRUCT_DH, 2, 0, 0, 0, G_PEER_P384), SG(CONSTRUCT_DH, 2, 0, 0, 0, G_PEER_P384),
      SG(CONSTRUCT_DH, 2, 0, 0, 0, G_PEER_P384), SG(CONSTRUCT_DH, 2, 0, 0, 0, G_PEER_P384),
      SG(CONSTRUCT_DH, 2, 0, 0, 0, G_PEER_P384), SG(CONSTRUCT_DH, 2, 0, 0, 0, G_PEER_P384),
      S(DESTROY_DH, 5, 0, 0, 0), SG(CONSTRUCT_DH, 4, 0, 0, 0, G_PEER_P256),
      DERIVE(5, K_HMAC, DF_SECRET_KEY, 0, 0, 0, ""), S(REACQUIRE, 0, 0, 0, 0),
      DERIVE(5, K_HASH, DF_NONE, 0, 0, 0, "")}},
    /* A version-5 CSP (CardDeriveKey is v5) and a version-4 one (CardCreateContainer). */
    {"ecdh-v5", 2, 0, 0, false, false,
     {PIN(U_USER, "123456"), SG(CONSTRUCT_DH, 4, 0, 0, 0, G_PEER_P256),
      DERIVE(0, K_HASH, DF_NONE, KB_PREPEND, 0, 0, "\5\0hello"), S(DESTROY_DH, 0, 0, 0, 0),
      SG(CONSTRUCT_DH, 4, 0, 0, 0, G_PEER_OFF_CURVE)}},
    {"create-v4", 3, 0, 0, false, false,
     {ADMIN, CREATE(6, CF_GEN, KS_ECDSA256, KZ_DEFAULT, 0), INFO(6), PIN(U_USER, "123456"),
      SIGN(6, KS_ECDSA256, SF_NONE, HC_SHA256, 0, V2, HASH32),
      SG(CONSTRUCT_DH, 4, 0, 0, 0, G_PEER_P256), S(DERIVE_KEY, 0, 0, 0, 0),
      S(DELETE_CONTAINER, 6, 0, 0, 0)}},
    {"write-files", 0, 0, 0, false, false,
     {ADMIN, CREATE(0, CF_IMPORT, KS_KEYX, KZ_1024, G_RSA1024),
      CREATE(2, CF_IMPORT, KS_ECDSA384, KZ_384, G_P384),
      SG(WRITE_FILE, D_MSCP, F_KXC00, 0, 0, G_CERT_SMALL), READ(D_MSCP, F_KXC00),
      SG(WRITE_FILE, D_MSCP, F_KSC02, 0, 0, G_CERT_LARGE), READ(D_MSCP, F_KSC02),
      SG(WRITE_FILE, D_MSCP, F_CMAPFILE, 0, 0, G_CMAPFILE),
      SD(WRITE_FILE, D_ROOT, F_CARDCF, 0, 0, "\0\0\x10\0\x20\0"),
      S(CREATE_FILE, D_MSCP, F_KXC17, 0, 0), S(CREATE_FILE, D_MSCP, F_KXC00, 0, 0),
      S(CREATE_FILE, D_MSCP, F_MSROOTS, 0, 0), S(DELETE_FILE, D_MSCP, F_KSC01, 0, 0),
      S(DELETE_FILE, D_ROOT, F_CARDID, 0, 0), S(DELETE_CONTAINER, 5, 0, 0, 0)}},
    /* Refusals that need the card's answer, and the CSP's padding callback failing. */
    {"crypto-errors", 0, 0, 0, false, false,
     {SIGN(0, KS_KEYX, SF_NONE, HC_SHA256, 0, V2, HASH32), PIN(U_USER, "123456"),
      SIGN(0, KS_ECDSA256, SF_NONE, HC_SHA256, 0, V2, HASH32),
      SIGN(0, KS_KEYX, SF_PADDING_INFO, 0, SP_PSS_SHA256, V2 | PM_NONE, HASH32),
      SIGN(0, KS_KEYX, SF_PADDING_INFO, 0, SP_PSS_SHA256, V2 | PM_FAIL, HASH32),
      SIGN(0, KS_KEYX, SF_PADDING_INFO, 0, SP_PSS_SHA256, V2 | PM_LONG, HASH32),
      SIGN(0, KS_KEYX, SF_NONE, HC_SHA256, 0, V2, HASH20),
      SIGN(0, KS_KEYX, SF_NONE, HC_SHA256, 0, V3, HASH32),
      SIGN(6, KS_KEYX, SF_NONE, HC_SHA256, 0, V2, HASH32),
      SIGN(24, KS_KEYX, SF_NONE, HC_SHA256, 0, V2, HASH32),
      SIGN(0, KS_KEYX, SF_PADDING_INFO, 0, SP_PKCS1_SHA256, V1, HASH32),
      SIGN(3, KS_ECDSA256, SF_NONE, HC_SHA256, 0, V2, HASH32),
      SD(RSA_DECRYPT, 0, KS_KEYX, 0, V3, HASH32),
      SD(RSA_DECRYPT, 0, KS_KEYX | DP_OAEP_MD5 << 4, 0, V2, HASH32),
      SIGN(1, KS_ECDSA256, SF_NONE, HC_SHA256, 0, V2, HASH32),
      SG(CONSTRUCT_DH, 0, 0, 0, 0, G_PEER_P256)}},
    {"empty-card", 0, 0, 0, true, false,
     {READ(D_ROOT, F_CARDID), READ(D_ROOT, F_CARDCF), READ(D_MSCP, F_CMAPFILE),
      S(ENUM_FILES, D_MSCP, 0, 0, 0), INFO(0), S(QUERY_FREE_SPACE, 0, 0, 0, 0),
      GETPROP(PR_GUID, 0), GETPROP(PR_SERIAL, 0), PIN(U_USER, "123456"),
      S(GET_CHALLENGE, 0, 0, 0, 0), RESPONSE(AUTHENTICATE_CHALLENGE, 0, 1),
      READ(D_MSCP, F_KXC00)}},
};

/* ---------------------------------------------------------------------------------------
 * Running a scenario
 * ------------------------------------------------------------------------------------- */
typedef struct results {
    char line[4096];
    size_t n;
} results;

static void note_result(void *ctx, const ch_fap_call *call, DWORD rc)
{
    results *r = ctx;
    int k = snprintf(r->line + r->n, sizeof r->line - r->n, " %s=%X", ch_fap_op_name(call->op),
                     rc);
    if (k > 0 && (size_t)k < sizeof r->line - r->n)
        r->n += (size_t)k;
}

/* The k-th (1-based) challenge the card sent: an answer 7C 0A 81 08 <8 bytes> 90 00 (3DES)
 * or 7C 12 81 10 <16 bytes> 90 00 (AES). Its length in *block. */
static bool find_challenge(const tape *t, unsigned k, uint8_t out[16], size_t *block)
{
    ch_cur c;
    uint16_t len;
    const uint8_t *a;

    ch_cur_init(&c, t->p, t->len);
    while (ch_cur_u16be(&c, &len) && ch_cur_take(&c, len, &a)) {
        size_t b = len == 14 ? 8 : len == 22 ? 16 : 0;
        if (b && a[0] == 0x7C && a[1] == b + 2 && a[2] == 0x81 && a[3] == b &&
            a[len - 2] == 0x90 && a[len - 1] == 0 && --k == 0) {
            memcpy(out, a + 4, b);
            *block = b;
            return true;
        }
    }
    return false;
}

static void record(const scenario *s, const char *outdir)
{
    uint8_t responses[CH_FAP_MAX_CALLS][16];
    size_t response_len[CH_FAP_MAX_CALLS];
    ch_finding_apdu f;
    results res;
    char path[4096];
    uint8_t *blob;
    size_t blob_len;
    FILE *fp;
    bool stable = false;

    memset(responses, 0, sizeof responses);
    for (size_t i = 0; i < CH_FAP_MAX_CALLS; i++)
        response_len[i] = 8;
    for (int pass = 0; pass < 4 && !stable; pass++) {
        vpiv_card *card;
        ch_vpiv_link card_link;
        ch_counter_rand_seed(0); /* libcrypto's randomness the same at every pass */
        card = vpiv_new(NULL, NULL);
        CH_CHECK(card != NULL, "vpiv_new");
        vpiv_set_deterministic(card, 1);
        vpiv_power(card, VPIV_POWER_ON);
        if (!s->empty_card)
            personalise(card, s->aes_mgm);
        vpiv_power(card, VPIV_RESET); /* the module finds the card as a reader hands it over */

        memset(&f, 0, sizeof f);
        f.version_sel = s->version_sel;
        f.version = 7u - (s->version_sel & 3u);
        f.alloc_fail_at = s->alloc_fail_at;
        f.flags = s->flags;
        for (size_t i = 0; i < CH_FAP_MAX_CALLS && s->steps[i].used; i++) {
            const step *st = &s->steps[i];
            ch_fap_record *r = &f.calls[i];
            r->op = st->op;
            r->a = st->a;
            r->b = st->b;
            r->c = st->c;
            r->d = st->d;
            r->len = (uint16_t)(st->fix ? response_len[st->fix - 1] : st->len);
            r->data_got = r->len;
            r->data = st->fix ? responses[st->fix - 1] : (const uint8_t *)st->data;
            if (st->gen) {
                r->data = gen[st->gen].p;
                r->len = (uint16_t)gen[st->gen].len;
                r->data_got = r->len;
            }
            f.n_calls = (uint8_t)(i + 1);
        }
        free(rec.p);
        memset(&rec, 0, sizeof rec);
        memset(&res, 0, sizeof res);
        ch_vpiv_link_init(&card_link, card);
        ch_fap_execute(&f, &(ch_fap_env){.hctx = 1,
                                         .hcard = (uintptr_t)&card_link,
                                         .exchanges = tape_exchanges,
                                         .ex_ctx = &rec,
                                         .result = note_result,
                                         .res_ctx = &res});
        vpiv_free(card);

        stable = true;
        for (unsigned k = 1; k <= CH_FAP_MAX_CALLS; k++) {
            uint8_t ch[16], want[16];
            size_t block = 0;
            bool used = false;
            for (size_t i = 0; i < f.n_calls; i++)
                used |= s->steps[i].fix == k;
            if (!used)
                continue;
            if (!find_challenge(&rec, k, ch, &block))
                continue; /* the card never sent it: the placeholder stays */
            mgm_encrypt(ch, block, want);
            if (block != response_len[k - 1] || memcmp(want, responses[k - 1], block) != 0) {
                memcpy(responses[k - 1], want, block);
                response_len[k - 1] = block;
                stable = false;
            }
        }
    }
    CH_CHECK(stable, "%s: the admin challenges never settled", s->name);

    blob = ch_finding_apdu_encode(&f, rec.p, rec.len, &blob_len);
    CH_CHECK(blob != NULL, "encode");
    snprintf(path, sizeof path, "%s/%s", outdir, s->name);
    fp = fopen(path, "wb");
    CH_CHECK(fp != NULL, "cannot write %s: %s", path, strerror(errno));
    CH_CHECK(fwrite(blob, 1, blob_len, fp) == blob_len && fclose(fp) == 0, "write %s", path);
    printf("%-22s %5zu bytes, %3u exchanges:%s\n", s->name, blob_len, rec.exchanges, res.line);
    free(blob);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR   (writes one seed per scenario)\n", argv[0]);
        return 2;
    }
    CH_CHECK(ch_counter_rand_install(), "cannot install the counter RAND");
    make_inputs();
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        record(&scenarios[i], argv[1]);
    free(rec.p);
    for (size_t i = 0; i < G_COUNT; i++)
        free(gen[i].p);
    return 0;
}
