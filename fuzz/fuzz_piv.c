/* fuzz_piv: one call of the PIV card edge (src/piv/piv.h) per input, the card's answers from
 * the script transport. Layout: fuzz/finding_piv.h, docs/fuzzing.md "fuzz_piv layout".
 *
 * Every ch_apdu_transmit the card edge makes is seen as called and as returned
 * (-Wl,--wrap=ch_apdu_transmit, fuzz/piv.cmake): the exchange itself is fuzz_apdu_exchange's
 * business; here it is the trusted layer, and the oracles are about the card edge on top:
 *  - parameter checks: the harness's own reading of piv.h predicts a refusal
 *    (SCARD_E_INVALID_PARAMETER, or INSUFFICIENT_BUFFER for a challenge buffer below one
 *    block); a refused call sends nothing, an accepted one sends its command;
 *  - the command: built independently here from piv.h (header, data with the caller's PIN
 *    padded, hash, point, key material, content, Le) and compared with what the card edge
 *    handed to the exchange; every C-APDU on the wire (ch_script_sent) is a well-formed short
 *    APDU, chained blocks reassemble to exactly that data, and what follows the command is a
 *    GET RESPONSE or the 6Cxx re-send;
 *  - the result: in the op's documented set (table `allowed`), and exactly what the exchange's
 *    outcome implies (rc, SW, answer bytes), the typed result equal to what the pure parser
 *    (parse_apt, parse_metadata, parse_generated, ecdsa_der_to_rs) makes of the answer;
 *  - outputs: nothing written past the caller's capacity (canary bytes after every output
 *    buffer), outputs untouched on error where piv.h (or the file's contract) says so, and on
 *    success lengths within the capacity and consistent with the answer;
 *  - ecdsa_der_to_rs differential against OpenSSL: d2i_ECDSA_SIG of the input, and i2d of r, s
 *    rebuilt with BN_bin2bn from our r || s, which must give back the input byte for byte
 *    (and an input that is canonical DER of positive r, s within the field must be accepted);
 *  - round trips: ch_piv_ber_len read back by the cursor, cert_object_build -> cert_object.
 * ASan/LSan see leaks and overruns: every buffer is on the heap at its exact size. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>

#include "apdu.h"
#include "cursor.h"
#include "finding_piv.h"
#include "fuzz_check.h"
#include "piv.h"
#include "piv_internal.h"
#include "scarderr.h"
#include "script.h"
#include "trace.h"

#define CANARY 16u
#define FILL 0xA5u
#define CANARY_BYTE 0xC3u

/* ---- the transmit wrapper ---- */

#define MAX_TX 4u

typedef struct tx {
    uint8_t cla, ins, p1, p2;
    uint16_t le;
    uint8_t *data; /* copy of the command data */
    size_t data_len;
    size_t out_cap;
    uint32_t rc;
    uint16_t sw;
    uint8_t *out; /* copy of the answer data as returned */
    size_t out_len;
    unsigned long first, count; /* its C-APDUs on the wire */
} tx;

static tx g_tx[MAX_TX];
static size_t g_ntx;

uint32_t __real_ch_apdu_transmit(ch_apdu_ctx *ctx, const ch_capdu *c, uint8_t *out,
                                 size_t out_cap, size_t *out_len, uint16_t *sw);
uint32_t __wrap_ch_apdu_transmit(ch_apdu_ctx *ctx, const ch_capdu *c, uint8_t *out,
                                 size_t out_cap, size_t *out_len, uint16_t *sw);

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    CH_CHECK(d != NULL, "out of memory");
    if (n)
        memcpy(d, p, n);
    return d;
}

uint32_t __wrap_ch_apdu_transmit(ch_apdu_ctx *ctx, const ch_capdu *c, uint8_t *out,
                                 size_t out_cap, size_t *out_len, uint16_t *sw)
{
    unsigned long before = ctx->sent;
    uint32_t rc = __real_ch_apdu_transmit(ctx, c, out, out_cap, out_len, sw);
    tx *t;

    CH_CHECK(g_ntx < MAX_TX, "more than %u commands in one card-edge call", MAX_TX);
    t = &g_tx[g_ntx++];
    t->cla = c->cla, t->ins = c->ins, t->p1 = c->p1, t->p2 = c->p2, t->le = c->le;
    t->data = dup_bytes(c->data, c->data_len);
    t->data_len = c->data_len;
    t->out_cap = out_cap;
    t->rc = rc;
    t->sw = *sw;
    CH_CHECK(*out_len <= out_cap, "exchange returned %zu bytes in %zu", *out_len, out_cap);
    t->out = dup_bytes(out, *out_len);
    t->out_len = *out_len;
    t->first = before;
    t->count = ctx->sent - before;
    return rc;
}

static void tx_free(void)
{
    for (size_t i = 0; i < g_ntx; i++) {
        free(g_tx[i].data);
        free(g_tx[i].out);
    }
    memset(g_tx, 0, sizeof g_tx);
    g_ntx = 0;
}

/* ---- independent readings of piv.h ---- */

/* Key algorithms: field bytes for EC, modulus bytes for RSA. */
static bool rsa_alg(uint8_t alg, size_t *k)
{
    switch (alg) {
    case 0x06: *k = 128; return true;
    case 0x07: *k = 256; return true;
    case 0x05: *k = 384; return true;
    case 0x16: *k = 512; return true;
    default: return false;
    }
}

static size_t ec_field_of(uint8_t alg) { return alg == 0x11 ? 32 : alg == 0x14 ? 48 : 0; }

static bool key_alg(uint8_t alg)
{
    size_t k;
    return rsa_alg(alg, &k) || ec_field_of(alg) != 0;
}

static bool key_slot(uint8_t slot)
{
    return slot == 0x9A || slot == 0x9C || slot == 0x9D || slot == 0x9E ||
           (slot >= 0x82 && slot <= 0x95);
}

static size_t mgm_block(uint8_t alg)
{
    return alg == 0x03 ? 8 : (alg == 0x08 || alg == 0x0A || alg == 0x0C) ? 16 : 0;
}

static bool pin_ok(const uint8_t *pin, size_t len)
{
    if (!pin || len < 6 || len > 8)
        return false;
    return memchr(pin, 0xFF, len) == NULL;
}

static bool policies_ok(const ch_finding_piv *f)
{
    return f->pin_policy <= 3 && f->touch_policy <= 3;
}

/* ---- the expected command ---- */

typedef struct cmd {
    uint8_t cla, ins, p1, p2;
    uint16_t le;
    uint8_t data[CH_PIV_OBJECT_MAX + 64];
    size_t len;
} cmd;

static cmd g_want;

static void want(uint8_t ins, uint8_t p1, uint8_t p2, uint16_t le)
{
    g_want.cla = 0x00, g_want.ins = ins, g_want.p1 = p1, g_want.p2 = p2, g_want.le = le;
    g_want.len = 0;
}

static void put(const void *p, size_t n)
{
    CH_CHECK(g_want.len + n <= sizeof g_want.data, "model command too long");
    if (n)
        memcpy(g_want.data + g_want.len, p, n);
    g_want.len += n;
}

static void put1(uint8_t b) { put(&b, 1); }

/* A BER definite length in its shortest form (X.690 8.1.3). */
static void put_len(size_t n)
{
    if (n < 0x80) {
        put1((uint8_t)n);
    } else if (n <= 0xFF) {
        put1(0x81), put1((uint8_t)n);
    } else {
        put1(0x82), put1((uint8_t)(n >> 8)), put1((uint8_t)(n & 0xFF));
    }
}

static void put_padded(const uint8_t *pin, size_t len)
{
    uint8_t b[8];
    memset(b, 0xFF, sizeof b);
    memcpy(b, pin, len);
    put(b, sizeof b);
}

static void put_policies(const ch_finding_piv *f)
{
    if (f->pin_policy)
        put1(0xAA), put1(0x01), put1(f->pin_policy);
    if (f->touch_policy)
        put1(0xAB), put1(0x01), put1(f->touch_policy);
}

static void expect_command(const tx *t, size_t i)
{
    CH_CHECK(t->cla == g_want.cla && t->ins == g_want.ins && t->p1 == g_want.p1 &&
                 t->p2 == g_want.p2,
             "command %zu: header %02X %02X %02X %02X, expected %02X %02X %02X %02X", i, t->cla,
             t->ins, t->p1, t->p2, g_want.cla, g_want.ins, g_want.p1, g_want.p2);
    CH_CHECK(t->le == g_want.le, "command %zu: Le %u, expected %u", i, t->le, g_want.le);
    CH_CHECK(t->data_len == g_want.len && !memcmp(t->data, g_want.data, g_want.len),
             "command %zu: data of %zu bytes differs from the expected %zu", i, t->data_len,
             g_want.len);
}

/* ---- the wire: every C-APDU a well-formed short APDU carrying the command ---- */

typedef struct wire {
    uint8_t h[4];
    size_t lc;
    const uint8_t *data;
    bool has_le;
    uint8_t le;
} wire;

static void read_wire(const ch_script *s, unsigned long i, wire *w)
{
    ch_cur a;
    size_t n;

    memset(w, 0, sizeof *w);
    CH_CHECK(ch_script_sent(s, (unsigned)i, &a), "C-APDU %lu missing from the log", i);
    n = ch_cur_left(&a);
    CH_CHECK(n >= 4 && ch_cur_bytes(&a, w->h, 4), "C-APDU %lu of %zu bytes", i, n);
    if (n == 4)
        return;
    if (n == 5) {
        w->has_le = ch_cur_u8(&a, &w->le);
        return;
    }
    {
        uint8_t lc = 0;
        (void)ch_cur_u8(&a, &lc);
        CH_CHECK(lc != 0 && (n == 5u + lc || n == 6u + lc),
                 "C-APDU %lu: Lc %u in %zu bytes is not a short APDU", i, lc, n);
        w->lc = lc;
        (void)ch_cur_take(&a, lc, &w->data);
        if (n == 6u + lc)
            w->has_le = ch_cur_u8(&a, &w->le);
    }
}

static void check_wire(const ch_script *s, const tx *t)
{
    size_t off = 0;
    bool done = false;
    wire w, last;

    memset(&last, 0, sizeof last);
    for (unsigned long i = t->first; i < t->first + t->count; i++) {
        read_wire(s, i, &w);
        if (!done) {
            size_t rem = t->data_len - off, n = rem > 255 ? 255 : rem;
            bool chain = rem > 255;
            CH_CHECK(w.h[0] == (chain ? (t->cla | 0x10) : t->cla) && w.h[1] == t->ins &&
                         w.h[2] == t->p1 && w.h[3] == t->p2,
                     "C-APDU %lu: header %02X %02X %02X %02X", i, w.h[0], w.h[1], w.h[2],
                     w.h[3]);
            CH_CHECK(w.lc == n && (!n || !memcmp(w.data, t->data + off, n)),
                     "C-APDU %lu does not carry bytes %zu..%zu of the command", i, off, off + n);
            if (chain) {
                CH_CHECK(!w.has_le, "C-APDU %lu: Le on a chained block", i);
                off += 255;
                continue;
            }
            CH_CHECK(w.has_le == (t->le != 0) && (!w.has_le || w.le == (uint8_t)(t->le & 0xFF)),
                     "C-APDU %lu: Le field does not say %u", i, t->le);
            done = true;
            last = w;
            continue;
        }
        /* After the command: GET RESPONSE on the same channel, or the command again with the
         * Le the card asked for (6Cxx). */
        bool gr = w.h[0] == (t->cla & 3) && w.h[1] == 0xC0 && w.h[2] == 0 && w.h[3] == 0 &&
                  w.lc == 0 && w.has_le;
        bool again = !memcmp(w.h, last.h, 4) && w.lc == last.lc &&
                     (!w.lc || !memcmp(w.data, last.data, w.lc)) && w.has_le;
        CH_CHECK(gr || again, "C-APDU %lu after the command is neither GET RESPONSE nor 6Cxx", i);
    }
}

/* ---- result codes ---- */

static const uint32_t codes[] = {
    SCARD_S_SUCCESS,         SCARD_E_INVALID_PARAMETER,  SCARD_E_INSUFFICIENT_BUFFER,
    SCARD_E_UNKNOWN_CARD,    SCARD_E_UNEXPECTED,         SCARD_E_UNSUPPORTED_FEATURE,
    SCARD_E_FILE_NOT_FOUND,  SCARD_E_WRITE_TOO_MANY,     SCARD_E_COMM_DATA_LOST,
    SCARD_W_RESET_CARD,      SCARD_W_REMOVED_CARD,       SCARD_W_SECURITY_VIOLATION,
    SCARD_W_WRONG_CHV,       SCARD_W_CHV_BLOCKED,
};
#define B(i) (1u << (i))
#define OK B(0)
#define INVAL B(1)
#define INSUF B(2)
#define UNKCARD B(3)
#define UNEXP B(4)
#define UNSUP B(5)
#define NOTFOUND B(6)
#define TOOMANY B(7)
#define LOST B(8)
#define RESET B(9)
#define REMOVED B(10)
#define SECURITY B(11)
#define WRONGCHV B(12)
#define BLOCKED B(13)
/* What the one SW table (src/apdu/sw.c) maps to, and what the transport fails with. */
#define SWT (OK | INVAL | UNEXP | UNSUP | NOTFOUND | TOOMANY | LOST | SECURITY | WRONGCHV | BLOCKED)
#define TP (LOST | RESET | REMOVED)

/* The documented result set of each op (piv.h): card ops return the SW table's codes and
 * transport failures as they are, plus what their comment names. */
static const uint32_t allowed[CH_FPV_OPS] = {
    [CH_FPV_SELECT] = OK | UNKCARD | TP,
    [CH_FPV_GET_DATA] = SWT | TP | INSUF,
    [CH_FPV_GET_SERIAL] = SWT | TP,
    [CH_FPV_GET_METADATA] = SWT | TP,
    [CH_FPV_VERIFY] = SWT | TP,
    [CH_FPV_PIN_STATUS] = SWT | TP,
    [CH_FPV_PIN_RESET_STATE] = SWT | TP,
    [CH_FPV_CHANGE_REFERENCE] = SWT | TP,
    [CH_FPV_RESET_RETRY] = SWT | TP,
    [CH_FPV_MGM_ALG] = SWT | TP,
    [CH_FPV_MGM_CHALLENGE] = SWT | TP | INSUF,
    [CH_FPV_MGM_RESPONSE] = SWT | TP,
    [CH_FPV_PUT_DATA] = SWT | TP,
    [CH_FPV_GENERATE] = SWT | TP,
    [CH_FPV_IMPORT_RSA] = SWT | TP,
    [CH_FPV_IMPORT_EC] = SWT | TP,
    [CH_FPV_RSA_RAW] = SWT | TP,
    [CH_FPV_ECDSA_SIGN] = SWT | TP,
    [CH_FPV_ECDH] = SWT | TP,
    [CH_FPV_PARSE_APT] = OK | UNKCARD,
    [CH_FPV_PARSE_METADATA] = OK | UNEXP,
    [CH_FPV_DER_TO_RS] = OK | UNEXP | INVAL,
    [CH_FPV_BER_LEN] = OK,
    [CH_FPV_CERT_OBJECT] = OK | UNEXP,
    [CH_FPV_PARSE_GENERATED] = OK | UNEXP | INVAL,
    [CH_FPV_CHUID_UUID] = OK | UNEXP | NOTFOUND,
};

static bool in_set(uint32_t rc, uint32_t set)
{
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (codes[i] == rc)
            return (set & B(i)) != 0;
    return false;
}

#define EXPECT_RC(rc, want_rc)                                                               \
    CH_CHECK((rc) == (want_rc), "rc 0x%08X, expected 0x%08X", (unsigned)(rc),                \
             (unsigned)(want_rc))

/* ---- output buffers with canaries ---- */

static uint8_t *out_new(size_t n)
{
    uint8_t *p = malloc(n + CANARY);
    CH_CHECK(p != NULL, "out of memory");
    memset(p, FILL, n);
    memset(p + n, CANARY_BYTE, CANARY);
    return p;
}

static void out_canary(const uint8_t *p, size_t n, const char *what)
{
    for (size_t i = 0; i < CANARY; i++)
        CH_CHECK(p[n + i] == CANARY_BYTE, "%s: written %zu bytes past its %zu", what, i + 1, n);
}

static bool untouched(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != FILL)
            return false;
    return true;
}

/* rc as predicted; on error the typed result (n bytes, FILL on entry, padding included) is
 * untouched. True on success, where the caller checks the value. */
static bool expect_typed(uint32_t rc, uint32_t want_rc, const void *res, size_t n,
                         const char *what)
{
    EXPECT_RC(rc, want_rc);
    if (rc != SCARD_S_SUCCESS)
        CH_CHECK(untouched(res, n), "%s written on error", what);
    return rc == SCARD_S_SUCCESS;
}

/* ---- helpers on answers ---- */

/* The answer is exactly one TLV with tag `want`: *v its value. */
static bool one_tlv(const uint8_t *p, size_t n, uint32_t want_tag, ch_cur *v)
{
    ch_cur c;
    uint32_t tag;
    ch_cur_init(&c, p, n);
    return ch_cur_tlv(&c, &tag, v) && tag == want_tag && ch_cur_empty(&c);
}

/* GENERAL AUTHENTICATE answer: 7C { 82 v }, exactly. */
static bool ga_value(const tx *t, ch_cur *v)
{
    ch_cur tmpl;
    uint32_t tag;
    if (!one_tlv(t->out, t->out_len, 0x7C, &tmpl))
        return false;
    return ch_cur_tlv(&tmpl, &tag, v) && tag == 0x82 && ch_cur_empty(&tmpl);
}

static bool same_pubkey(const ch_piv_pubkey *a, const ch_piv_pubkey *b)
{
    return a->type == b->type && a->bits == b->bits && a->n_len == b->n_len &&
           !memcmp(a->n, b->n, a->n_len) && a->e == b->e && a->point_len == b->point_len &&
           !memcmp(a->point, b->point, a->point_len);
}

/* A public key the card edge returned is one piv.h allows for alg. */
static void check_pubkey(const ch_piv_pubkey *pk, uint8_t alg)
{
    size_t k;
    CH_CHECK(ch_piv_key_alg(pk->type, pk->bits) == alg, "key_alg(%d, %zu) is not %02X",
             (int)pk->type, pk->bits, alg);
    if (rsa_alg(alg, &k)) {
        CH_CHECK(pk->type == CH_PIV_KEY_RSA && pk->bits == 8 * k && pk->n_len == k &&
                     (pk->n[0] & 0x80) && (pk->n[k - 1] & 1) && pk->e >= 3 && (pk->e & 1),
                 "RSA key of alg %02X not as piv.h states it", alg);
        return;
    }
    k = ec_field_of(alg);
    CH_CHECK(k && pk->type == (k == 32 ? CH_PIV_KEY_P256 : CH_PIV_KEY_P384) &&
                 pk->bits == 8 * k && pk->point_len == 1 + 2 * k && pk->point[0] == 0x04,
             "EC key of alg %02X not as piv.h states it", alg);
}

static bool same_metadata(const ch_piv_metadata *a, const ch_piv_metadata *b)
{
    return a->has_alg == b->has_alg && a->has_policy == b->has_policy &&
           a->has_origin == b->has_origin && a->has_default == b->has_default &&
           a->has_retries == b->has_retries && a->alg == b->alg &&
           a->pin_policy == b->pin_policy && a->touch_policy == b->touch_policy &&
           a->origin == b->origin && a->is_default == b->is_default &&
           a->retries_total == b->retries_total && a->retries_left == b->retries_left &&
           same_pubkey(&a->pub, &b->pub);
}

static void check_metadata(const ch_piv_metadata *m)
{
    CH_CHECK(m->has_alg, "metadata without an algorithm accepted");
    if (m->pub.type != CH_PIV_KEY_NONE)
        check_pubkey(&m->pub, m->alg);
}

static bool same_apt(const ch_piv_apt *a, const ch_piv_apt *b)
{
    return a->present == b->present && a->aid_len == b->aid_len &&
           !memcmp(a->aid, b->aid, a->aid_len) && a->authority_aid_len == b->authority_aid_len &&
           !memcmp(a->authority_aid, b->authority_aid, a->authority_aid_len) &&
           a->label_len == b->label_len && !memcmp(a->label, b->label, a->label_len) &&
           a->n_algs == b->n_algs && !memcmp(a->algs, b->algs, a->n_algs);
}

/* An accepted APT names the PIV application: a prefix of the AID (9..11 bytes) or of its PIX
 * (4..6 bytes, SP 800-73-4 Part 1 2.2). */
static void check_apt(const ch_piv_apt *apt, size_t len)
{
    static const uint8_t aid[11] = {0xA0, 0x00, 0x00, 0x03, 0x08, 0x00,
                                    0x00, 0x10, 0x00, 0x01, 0x00};
    CH_CHECK(apt->present == (len != 0), "APT present %d for %zu bytes", apt->present, len);
    CH_CHECK(apt->aid_len <= sizeof apt->aid && apt->authority_aid_len <= 16 &&
                 apt->label_len <= CH_PIV_APT_MAX_LABEL && apt->n_algs <= CH_PIV_APT_MAX_ALGS,
             "APT lengths out of bounds");
    if (!apt->present)
        return;
    CH_CHECK((apt->aid_len >= 9 && apt->aid_len <= 11 && !memcmp(apt->aid, aid, apt->aid_len)) ||
                 (apt->aid_len >= 4 && apt->aid_len <= 6 &&
                  !memcmp(apt->aid, aid + 5, apt->aid_len)),
             "APT accepted with an AID of %zu bytes that is not PIV's", apt->aid_len);
}

/* ---- the ecdsa_der_to_rs differential ---- */

static void der_diff(const uint8_t *der, size_t len, size_t field, uint32_t rc,
                     const uint8_t *rs)
{
    const unsigned char *p = der;
    ECDSA_SIG *sig = NULL;
    bool canon = false;

    if (field == 0 || field > 48) {
        EXPECT_RC(rc, SCARD_E_INVALID_PARAMETER);
        return;
    }
    if (len && len <= LONG_MAX)
        sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
    if (sig) {
        const BIGNUM *r, *s;
        unsigned char *re = NULL;
        int n = i2d_ECDSA_SIG(sig, &re);
        ECDSA_SIG_get0(sig, &r, &s);
        canon = p == der + len && n > 0 && (size_t)n == len && !memcmp(re, der, len) &&
                !BN_is_negative(r) && !BN_is_zero(r) && !BN_is_negative(s) && !BN_is_zero(s) &&
                (size_t)BN_num_bytes(r) <= field && (size_t)BN_num_bytes(s) <= field;
        OPENSSL_free(re);
        if (rc == SCARD_S_SUCCESS && canon) {
            uint8_t b[96];
            CH_CHECK(BN_bn2binpad(r, b, (int)field) == (int)field &&
                         BN_bn2binpad(s, b + field, (int)field) == (int)field &&
                         !memcmp(b, rs, 2 * field),
                     "r || s differs from OpenSSL's reading of the signature");
        }
    }
    if (rc == SCARD_S_SUCCESS) {
        ECDSA_SIG *back = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(rs, (int)field, NULL), *s = BN_bin2bn(rs + field, (int)field, NULL);
        unsigned char *re = NULL;
        int n;
        CH_CHECK(back && r && s && ECDSA_SIG_set0(back, r, s) == 1, "OpenSSL ECDSA_SIG");
        n = i2d_ECDSA_SIG(back, &re);
        CH_CHECK(canon, "accepted a signature OpenSSL does not read as canonical DER");
        CH_CHECK(n > 0 && (size_t)n == len && !memcmp(re, der, len),
                 "r || s re-encoded by OpenSSL is not the input");
        OPENSSL_free(re);
        ECDSA_SIG_free(back);
    } else {
        EXPECT_RC(rc, SCARD_E_UNEXPECTED);
        CH_CHECK(!canon, "refused canonical DER of r, s within %zu bytes", field);
    }
    ECDSA_SIG_free(sig);
}

/* ---- ops ---- */

typedef struct run {
    const ch_finding_piv *f;
    ch_apdu_ctx *ctx;
    const uint8_t *d; /* the data, on the heap at its exact size */
    size_t n;
    bool card;        /* the op talks to the card */
    bool refused;     /* the model predicts a parameter refusal ... */
    uint32_t refuse_rc; /* ... with this code */
} run;

/* The one command of an op whose parameters passed. */
static const tx *one(void)
{
    CH_CHECK(g_ntx == 1, "%zu commands, expected 1", g_ntx);
    expect_command(&g_tx[0], 0);
    return &g_tx[0];
}

/* A refused call (nothing sent: the target checks that): `out`, n bytes, as it was given. */
static uint32_t refused_out(run *r, uint32_t rc, uint8_t *out, size_t n, const char *what)
{
    r->refused = true;
    CH_CHECK(untouched(out, n), "%s written on a refused call", what);
    free(out);
    return rc;
}

/* The exchange's own failure, an answer longer than the buffer being the card's fault:
 * SCARD_S_SUCCESS when there is an answer for the op to read. */
static uint32_t tx_rc(const tx *t)
{
    return t->rc == SCARD_E_INSUFFICIENT_BUFFER ? SCARD_E_UNEXPECTED : t->rc;
}

/* Answers that must carry nothing but a status word (PUT DATA, IMPORT, mgm response). */
static uint32_t no_data_rc(const tx *t)
{
    if (t->rc == SCARD_E_INSUFFICIENT_BUFFER || (t->rc == SCARD_S_SUCCESS && t->out_len))
        return SCARD_E_UNEXPECTED;
    return t->rc;
}

/* The PIN commands' rule (piv_pin.c): any data in the answer is malformed. */
static uint32_t pin_rc(const tx *t, int *tries)
{
    *tries = CH_PIV_TRIES_UNKNOWN;
    if (t->rc == SCARD_E_INSUFFICIENT_BUFFER || t->out_len)
        return SCARD_E_UNEXPECTED;
    if ((t->sw & 0xFFF0u) == 0x63C0u)
        *tries = t->sw & 0x0F;
    else if (t->sw == 0x6983u)
        *tries = 0;
    return t->rc;
}

static void check_chuid(const uint8_t *chuid, size_t len)
{
    uint8_t uuid[16 + CANARY], want_uuid[16] = {0}, any = 0;
    uint32_t rc, want_rc = SCARD_E_FILE_NOT_FOUND, tag;
    ch_cur c, v;
    bool found = false;

    memset(uuid, FILL, 16);
    memset(uuid + 16, CANARY_BYTE, CANARY);
    rc = ch_piv_chuid_uuid(chuid, len, uuid);
    ch_cur_init(&c, chuid, len);
    while (!ch_cur_empty(&c)) {
        if (!ch_cur_tlv(&c, &tag, &v)) {
            want_rc = SCARD_E_UNEXPECTED;
            break;
        }
        if (tag != 0x34)
            continue;
        if (found || ch_cur_left(&v) != 16) {
            want_rc = SCARD_E_UNEXPECTED;
            break;
        }
        (void)ch_cur_bytes(&v, want_uuid, 16);
        found = true;
    }
    if (want_rc != SCARD_E_UNEXPECTED && found) {
        for (size_t i = 0; i < 16; i++)
            any |= want_uuid[i];
        want_rc = any ? SCARD_S_SUCCESS : SCARD_E_FILE_NOT_FOUND;
    }
    EXPECT_RC(rc, want_rc);
    CH_CHECK(in_set(rc, allowed[CH_FPV_CHUID_UUID]), "chuid_uuid rc 0x%08X", (unsigned)rc);
    out_canary(uuid, 16, "uuid");
    if (rc == SCARD_S_SUCCESS)
        CH_CHECK(!memcmp(uuid, want_uuid, 16), "uuid is not the 34 value");
    else
        CH_CHECK(untouched(uuid, 16), "uuid written on error");
}

/* cert_object on obj with capacity cap; a plain certificate is rebuilt and read again. */
static void check_cert(const uint8_t *obj, size_t len, size_t cap)
{
    uint8_t *out = out_new(cap);
    size_t n = 0xDEAD, bound = cap < CH_PIV_CERT_MAX ? cap : CH_PIV_CERT_MAX;
    uint32_t rc = ch_piv_cert_object(obj, len, out, cap, &n);
    ch_cur c, cert, info;
    uint32_t tag;
    uint8_t ci = 0xFF;
    bool framed;

    CH_CHECK(in_set(rc, allowed[CH_FPV_CERT_OBJECT]), "cert_object rc 0x%08X", (unsigned)rc);
    out_canary(out, cap, "certificate");
    ch_cur_init(&c, obj, len);
    framed = ch_cur_tlv(&c, &tag, &cert) && tag == 0x70 && ch_cur_tlv(&c, &tag, &info) &&
             tag == 0x71 && ch_cur_left(&info) == 1 && ch_cur_u8(&info, &ci);
    if (rc != SCARD_S_SUCCESS) {
        /* untouched, unless a gzip stream had started: then wiped */
        for (size_t i = 0; i < cap; i++)
            CH_CHECK(out[i] == FILL || (framed && ci == 1 && out[i] == 0),
                     "certificate buffer written on error at byte %zu", i);
        free(out);
        return;
    }
    CH_CHECK(framed && ci <= 1, "accepted an object that is not 70 .. 71 01 {00|01} ..");
    CH_CHECK(n >= 1 && n <= bound, "certificate of %zu bytes in %zu", n, bound);
    if (ci == 0) {
        uint8_t *obj2 = out_new(n + 16), *out2 = out_new(n);
        size_t n2 = 0, n3 = 0;
        CH_CHECK(n == ch_cur_left(&cert) && !memcmp(out, ch_cur_peek_ptr(&cert), n),
                 "plain certificate is not the 70 value");
        /* 70 <len> der 71 01 00 FE 00: at most 4 + n + 5 bytes */
        rc = ch_piv_cert_object_build(out, n, false, obj2, n + 16, &n2);
        EXPECT_RC(rc, SCARD_S_SUCCESS);
        out_canary(obj2, n + 16, "built object");
        CH_CHECK(n2 == 1 + ch_piv_ber_len_size(n) + n + 5, "built object of %zu bytes", n2);
        rc = ch_piv_cert_object(obj2, n2, out2, n, &n3);
        EXPECT_RC(rc, SCARD_S_SUCCESS);
        CH_CHECK(n3 == n && !memcmp(out2, out, n), "build -> cert_object changed the cert");
        out_canary(out2, n, "certificate read back");
        /* one byte short, the gzip flag, and the parameter checks */
        EXPECT_RC(ch_piv_cert_object_build(out, n, true, obj2, n2 - 1, &n3),
                  SCARD_E_INSUFFICIENT_BUFFER);
        EXPECT_RC(ch_piv_cert_object_build(out, n, true, obj2, n2, &n3), SCARD_S_SUCCESS);
        CH_CHECK(n3 == n2 && !memcmp(obj2 + n2 - 5, "\x71\x01\x01\xFE\x00", 5),
                 "gzip object does not end 71 01 01 FE 00");
        out_canary(obj2, n + 16, "built object");
        EXPECT_RC(ch_piv_cert_object_build(NULL, n, false, obj2, n2, &n3),
                  SCARD_E_INVALID_PARAMETER);
        EXPECT_RC(ch_piv_cert_object_build(out, 0, false, obj2, n2, &n3),
                  SCARD_E_INVALID_PARAMETER);
        /* 16 MiB: refused on its length alone (the bytes are never read) */
        EXPECT_RC(ch_piv_cert_object_build(out, 0x1000000u, false, obj2, n2, &n3),
                  SCARD_E_INSUFFICIENT_BUFFER);
        free(obj2);
        free(out2);
    }
    free(out);
}

static uint32_t op_select(run *r)
{
    ch_piv_apt apt, ref;
    uint32_t rc, want_rc;
    const tx *t;

    memset(&apt, FILL, sizeof apt); /* bytes, padding included */
    want(0xA4, 0x04, 0x00, 256);
    put(ch_piv_aid, 9);
    rc = ch_piv_select(r->ctx, &apt);
    CH_CHECK(g_ntx >= 1, "SELECT not sent");
    expect_command(&g_tx[0], 0);
    if (g_tx[0].sw == 0x6883) {
        CH_CHECK(g_ntx == 2, "6883 answered, SELECT not sent again");
        expect_command(&g_tx[1], 1);
    } else {
        CH_CHECK(g_ntx == 1, "SELECT sent %zu times", g_ntx);
    }
    t = &g_tx[g_ntx - 1];
    if (t->rc == SCARD_E_INSUFFICIENT_BUFFER || (t->sw && t->sw != 0x9000))
        want_rc = SCARD_E_UNKNOWN_CARD;
    else if (t->rc)
        want_rc = t->rc;
    else
        want_rc = ch_piv_parse_apt(t->out, t->out_len, &ref);
    if (expect_typed(rc, want_rc, &apt, sizeof apt, "APT")) {
        CH_CHECK(same_apt(&apt, &ref), "APT differs from parse_apt of the answer");
        check_apt(&apt, t->out_len);
    }
    return rc;
}

static uint32_t op_get_data(run *r)
{
    const ch_finding_piv *f = r->f;
    uint8_t *out = out_new(f->cap);
    size_t len = 0xDEAD, tn = f->tag > 0xFFFF ? 3 : f->tag > 0xFF ? 2 : 1;
    uint32_t rc, want_rc;
    const tx *t;
    ch_cur v;

    want(0xCB, 0x3F, 0xFF, 256);
    put1(0x5C), put1((uint8_t)tn);
    for (size_t i = 0; i < tn; i++)
        put1((uint8_t)(f->tag >> (8 * (tn - 1 - i))));
    rc = ch_piv_get_data(r->ctx, f->tag, out, f->cap, &len);
    t = one();
    CH_CHECK(t->out_cap == f->cap, "GET DATA answer bounded by %zu, not the caller's %zu",
             t->out_cap, f->cap);
    out_canary(out, f->cap, "GET DATA buffer");
    if (t->rc)
        want_rc = t->rc;
    else
        want_rc = one_tlv(t->out, t->out_len, 0x53, &v) ? SCARD_S_SUCCESS : SCARD_E_UNEXPECTED;
    EXPECT_RC(rc, want_rc);
    if (rc != SCARD_S_SUCCESS) {
        CH_CHECK(len == 0, "*len %zu on error", len);
        for (size_t i = 0; i < f->cap; i++)
            CH_CHECK(out[i] == 0 || (out[i] == FILL && i >= t->out_len),
                     "GET DATA buffer not wiped at byte %zu", i);
        free(out);
        return rc;
    }
    CH_CHECK(len == ch_cur_left(&v) && len <= f->cap && (!len || !memcmp(out, ch_cur_peek_ptr(&v),
                                                                          len)),
             "content of %zu bytes is not the 53 value", len);
    for (size_t i = len; i < t->out_len; i++)
        CH_CHECK(out[i] == 0, "stale answer byte %zu behind the content", i);
    CH_CHECK(untouched(out + t->out_len, f->cap - t->out_len), "written past the answer");
    if (f->tag == CH_PIV_OBJ_CHUID)
        check_chuid(out, len);
    if ((f->tag & 0xFFFF00u) == 0x5FC100u && f->tag != CH_PIV_OBJ_CHUID &&
        f->tag != CH_PIV_OBJ_KEY_HISTORY && f->tag != 0x5FC107u)
        check_cert(out, len, CH_PIV_CERT_MAX);
    free(out);
    return rc;
}

static uint32_t op_get_serial(run *r)
{
    uint32_t serial = 0xA5A5A5A5u, rc, want_rc;
    const tx *t;

    want(0xF8, 0x00, 0x00, 256);
    rc = ch_piv_get_serial(r->ctx, &serial);
    t = one();
    want_rc = tx_rc(t);
    if (want_rc == SCARD_S_SUCCESS && t->out_len != 4)
        want_rc = SCARD_E_UNEXPECTED;
    EXPECT_RC(rc, want_rc);
    if (rc == SCARD_S_SUCCESS)
        CH_CHECK(serial == ((uint32_t)t->out[0] << 24 | (uint32_t)t->out[1] << 16 |
                            (uint32_t)t->out[2] << 8 | t->out[3]),
                 "serial %08X is not the answer", serial);
    else
        CH_CHECK(serial == 0xA5A5A5A5u, "serial written on error");
    return rc;
}

static uint32_t op_get_metadata(run *r)
{
    ch_piv_metadata m, ref;
    uint32_t rc, want_rc;
    const tx *t;

    want(0xF7, 0x00, r->f->ref, 256);
    rc = ch_piv_get_metadata(r->ctx, r->f->ref, &m);
    t = one();
    want_rc = tx_rc(t);
    if (want_rc == SCARD_S_SUCCESS)
        want_rc = ch_piv_parse_metadata(t->out, t->out_len, &ref);
    EXPECT_RC(rc, want_rc);
    if (rc == SCARD_S_SUCCESS) {
        CH_CHECK(same_metadata(&m, &ref), "metadata differs from parse_metadata of the answer");
        check_metadata(&m);
    }
    return rc;
}

static void check_tries(uint32_t rc, int tries, int want_tries)
{
    CH_CHECK(tries == want_tries, "tries_left %d, expected %d", tries, want_tries);
    CH_CHECK(tries >= CH_PIV_TRIES_UNKNOWN && tries <= 15, "tries_left %d", tries);
    if (rc == SCARD_W_CHV_BLOCKED)
        CH_CHECK(tries == 0 || tries == CH_PIV_TRIES_UNKNOWN, "blocked with %d tries", tries);
}

static uint32_t op_verify(run *r)
{
    int tries = 77, want_tries;
    uint32_t rc;

    rc = ch_piv_verify(r->ctx, r->f->ref, r->n ? r->d : NULL, r->n,
                       r->f->null_tries ? NULL : &tries);
    if (r->f->null_tries)
        tries = CH_PIV_TRIES_UNKNOWN; /* nothing to check: only that NULL is taken */
    if (!pin_ok(r->d, r->n)) {
        r->refused = true;
        CH_CHECK(tries == CH_PIV_TRIES_UNKNOWN, "tries_left %d on a refused PIN", tries);
        return rc;
    }
    want(0x20, 0x00, r->f->ref, 0);
    put_padded(r->d, r->n);
    EXPECT_RC(rc, pin_rc(one(), &want_tries));
    if (r->f->null_tries)
        want_tries = CH_PIV_TRIES_UNKNOWN;
    check_tries(rc, tries, want_tries);
    return rc;
}

static uint32_t op_pin_status(run *r)
{
    bool verified = (r->f->split & 1) != 0, v0 = verified;
    int tries = 77, want_tries;
    uint32_t rc, want_rc;
    const tx *t;
    uint16_t sw;

    /* the flag is written only on success: it starts from a bit of the input */
    rc = ch_piv_pin_status(r->ctx, r->f->ref, &verified, r->f->null_tries ? NULL : &tries);
    want(0x20, 0x00, r->f->ref, 0);
    t = one();
    want_rc = pin_rc(t, &want_tries);
    sw = (t->rc == SCARD_E_INSUFFICIENT_BUFFER || t->out_len) ? 0 : t->sw;
    if (sw == 0x9000u) {
        v0 = true, want_rc = SCARD_S_SUCCESS, want_tries = CH_PIV_TRIES_UNKNOWN;
    } else if (sw == 0x6983u || (sw & 0xFF00u) == 0x6300u) {
        v0 = false, want_rc = SCARD_S_SUCCESS;
    } else {
        want_tries = CH_PIV_TRIES_UNKNOWN;
        if (want_rc == SCARD_S_SUCCESS)
            want_rc = SCARD_E_UNEXPECTED;
    }
    EXPECT_RC(rc, want_rc);
    CH_CHECK(verified == v0, "verified %d", verified);
    if (r->f->null_tries)
        tries = want_tries = CH_PIV_TRIES_UNKNOWN;
    check_tries(rc, tries, want_tries);
    return rc;
}

static uint32_t op_pin_reset_state(run *r)
{
    int unused;
    uint32_t rc = ch_piv_pin_reset_state(r->ctx, r->f->ref);
    want(0x20, 0xFF, r->f->ref, 0);
    EXPECT_RC(rc, pin_rc(one(), &unused));
    return rc;
}

/* CHANGE REFERENCE DATA / RESET RETRY COUNTER: the data split at `split`. */
static uint32_t op_pair(run *r, bool change)
{
    size_t k = r->f->split < r->n ? r->f->split : r->n;
    const uint8_t *a = k ? r->d : NULL, *b = r->n - k ? r->d + k : NULL;
    uint8_t ref = change ? r->f->ref : 0x80;
    int tries = 77, want_tries;
    uint32_t rc;

    int *tp = r->f->null_tries ? NULL : &tries;

    rc = change ? ch_piv_change_reference(r->ctx, ref, a, k, b, r->n - k, tp)
                : ch_piv_reset_retry(r->ctx, a, k, b, r->n - k, tp);
    if (!tp)
        tries = CH_PIV_TRIES_UNKNOWN;
    if ((change && ref != 0x80 && ref != 0x81) || !pin_ok(a, k) || !pin_ok(b, r->n - k)) {
        r->refused = true;
        CH_CHECK(tries == CH_PIV_TRIES_UNKNOWN, "tries_left %d on a refused call", tries);
        return rc;
    }
    want(change ? 0x24 : 0x2C, 0x00, ref, 0);
    put_padded(a, k);
    put_padded(b, r->n - k);
    EXPECT_RC(rc, pin_rc(one(), &want_tries));
    if (!tp)
        want_tries = CH_PIV_TRIES_UNKNOWN;
    check_tries(rc, tries, want_tries);
    return rc;
}

static uint32_t op_mgm_alg(run *r)
{
    uint8_t alg = 0xEE;
    uint32_t rc, want_rc, mrc;
    ch_piv_metadata m;
    const tx *t;

    want(0xF7, 0x00, 0x9B, 256);
    rc = ch_piv_mgm_alg(r->ctx, &alg);
    t = one();
    memset(&m, 0, sizeof m);
    mrc = tx_rc(t);
    if (mrc == SCARD_S_SUCCESS)
        mrc = ch_piv_parse_metadata(t->out, t->out_len, &m);
    /* piv.h: a card without GET METADATA (or without metadata for 9B) has 3DES */
    if (mrc == SCARD_E_UNSUPPORTED_FEATURE || mrc == SCARD_E_FILE_NOT_FOUND ||
        mrc == SCARD_E_INVALID_PARAMETER) {
        m.alg = 0x03, want_rc = SCARD_S_SUCCESS;
    } else if (mrc) {
        want_rc = mrc;
    } else {
        want_rc = mgm_block(m.alg) ? SCARD_S_SUCCESS : SCARD_E_UNSUPPORTED_FEATURE;
    }
    EXPECT_RC(rc, want_rc);
    if (rc == SCARD_S_SUCCESS)
        CH_CHECK(alg == m.alg && mgm_block(alg), "management key algorithm %02X", alg);
    else
        CH_CHECK(alg == 0xEE, "algorithm written on error");
    return rc;
}

static uint32_t op_mgm_challenge(run *r)
{
    size_t block = mgm_block(r->f->alg), cap = r->f->cap, len = 0xDEAD;
    uint8_t *ch = out_new(cap);
    uint32_t rc, want_rc;
    const tx *t;
    ch_cur v, tmpl;
    uint32_t tag;
    static const uint8_t ask[] = {0x7C, 0x02, 0x81, 0x00};

    rc = ch_piv_mgm_challenge(r->ctx, r->f->alg, ch, cap, &len);
    out_canary(ch, cap, "challenge");
    if (block == 0 || cap < block) {
        if (block)
            r->refuse_rc = SCARD_E_INSUFFICIENT_BUFFER;
        return refused_out(r, rc, ch, cap, "challenge");
    }
    want(0x87, r->f->alg, 0x9B, 256);
    put(ask, sizeof ask);
    t = one();
    want_rc = tx_rc(t);
    if (want_rc == SCARD_S_SUCCESS &&
        !(one_tlv(t->out, t->out_len, 0x7C, &tmpl) && ch_cur_tlv(&tmpl, &tag, &v) &&
          tag == 0x81 && ch_cur_empty(&tmpl) && ch_cur_left(&v) == block))
        want_rc = SCARD_E_UNEXPECTED;
    EXPECT_RC(rc, want_rc);
    if (rc == SCARD_S_SUCCESS) {
        CH_CHECK(len == block && !memcmp(ch, ch_cur_peek_ptr(&v), block),
                 "challenge is not the card's 81 value");
        CH_CHECK(untouched(ch + block, cap - block), "challenge buffer written past the block");
    } else {
        CH_CHECK(untouched(ch, cap), "challenge written on error");
        CH_CHECK(len == 0xDEAD, "challenge length written on error");
    }
    free(ch);
    return rc;
}

static uint32_t op_mgm_response(run *r)
{
    size_t block = mgm_block(r->f->alg);
    uint32_t rc = ch_piv_mgm_response(r->ctx, r->f->alg, r->n ? r->d : NULL, r->n);
    const tx *t;

    if (block == 0 || r->n != block) {
        r->refused = true;
        return rc;
    }
    want(0x87, r->f->alg, 0x9B, 0);
    put1(0x7C), put1((uint8_t)(2 + block)), put1(0x82), put1((uint8_t)block);
    put(r->d, block);
    t = one();
    EXPECT_RC(rc, t->sw == 0x6982 ? SCARD_W_WRONG_CHV : no_data_rc(t));
    return rc;
}

static uint32_t op_put_data(run *r)
{
    uint32_t tag = r->f->tag, rc;
    bool writable = ((tag >> 12) == 0x5FCu || (tag >> 8) == 0x5FFFu) && !(tag & 0x80u);

    rc = ch_piv_put_data(r->ctx, tag, r->n ? r->d : NULL, r->n);
    if (!writable || r->n > CH_PIV_OBJECT_MAX) {
        r->refused = true;
        return rc;
    }
    want(0xDB, 0x3F, 0xFF, 0);
    put1(0x5C), put1(0x03), put1((uint8_t)(tag >> 16)), put1((uint8_t)(tag >> 8));
    put1((uint8_t)tag), put1(0x53);
    put_len(r->n);
    put(r->d, r->n);
    EXPECT_RC(rc, no_data_rc(one()));
    return rc;
}

static uint32_t op_generate(run *r)
{
    const ch_finding_piv *f = r->f;
    ch_piv_pubkey pub, ref;
    uint32_t rc, want_rc;
    const tx *t;

    memset(&pub, FILL, sizeof pub);
    rc = ch_piv_generate(r->ctx, f->slot, f->alg, f->pin_policy, f->touch_policy, &pub);
    if (!key_alg(f->alg) || !key_slot(f->slot) || !policies_ok(f)) {
        r->refused = true;
        CH_CHECK(untouched(&pub, sizeof pub), "public key written on a refused call");
        return rc;
    }
    want(0x47, 0x00, f->slot, 256);
    put1(0xAC), put1((uint8_t)(3 + (f->pin_policy ? 3 : 0) + (f->touch_policy ? 3 : 0)));
    put1(0x80), put1(0x01), put1(f->alg);
    put_policies(f);
    t = one();
    memset(&ref, 0, sizeof ref);
    want_rc = tx_rc(t);
    if (want_rc == SCARD_S_SUCCESS)
        want_rc = ch_piv_parse_generated(t->out, t->out_len, f->alg, &ref);
    if (expect_typed(rc, want_rc, &pub, sizeof pub, "public key")) {
        CH_CHECK(same_pubkey(&pub, &ref), "public key differs from parse_generated's");
        check_pubkey(&pub, f->alg);
    }
    return rc;
}

static uint32_t op_import_rsa(run *r)
{
    const ch_finding_piv *f = r->f;
    size_t half = r->n / 5, k = 0;
    const uint8_t *c[5];
    uint32_t rc;

    for (size_t i = 0; i < 5; i++)
        c[i] = r->d + i * half; /* never NULL: the data is on the heap even when empty */
    rc = ch_piv_import_rsa(r->ctx, f->slot, f->alg, c[0], c[1], c[2], c[3], c[4], half,
                           f->pin_policy, f->touch_policy);
    if (!rsa_alg(f->alg, &k) || half != k / 2 || !key_slot(f->slot) || !policies_ok(f)) {
        r->refused = true;
        return rc;
    }
    want(0xFE, f->alg, f->slot, 0);
    for (size_t i = 0; i < 5; i++) {
        put1((uint8_t)(i + 1));
        put_len(half);
        put(c[i], half);
    }
    put_policies(f);
    EXPECT_RC(rc, no_data_rc(one()));
    return rc;
}

static uint32_t op_import_ec(run *r)
{
    const ch_finding_piv *f = r->f;
    uint32_t rc = ch_piv_import_ec(r->ctx, f->slot, f->alg, r->d, r->n, f->pin_policy,
                                   f->touch_policy);

    if (!ec_field_of(f->alg) || r->n != ec_field_of(f->alg) || !key_slot(f->slot) ||
        !policies_ok(f)) {
        r->refused = true;
        return rc;
    }
    want(0xFE, f->alg, f->slot, 0);
    put1(0x06), put_len(r->n), put(r->d, r->n);
    put_policies(f);
    EXPECT_RC(rc, no_data_rc(one()));
    return rc;
}

/* GENERAL AUTHENTICATE of the data as <in_tag>: the command must be
 * 00 87 alg slot 7C { 82 00, <in_tag> <data> }. Returns its rc before the op looks at the
 * 82 value's length, *v that value. */
static uint32_t ga_sent(const run *r, uint8_t in_tag, ch_cur *v)
{
    size_t n = r->n, lsz = n < 0x80 ? 1 : n <= 0xFF ? 2 : 3;
    const tx *t;
    uint32_t rc;

    want(0x87, r->f->alg, r->f->slot, 256);
    put1(0x7C), put_len(2 + 1 + lsz + n);
    put1(0x82), put1(0x00), put1(in_tag), put_len(n), put(r->d, n);
    t = one();
    rc = tx_rc(t);
    if (rc == SCARD_S_SUCCESS && !ga_value(t, v))
        rc = SCARD_E_UNEXPECTED;
    return rc;
}

/* An accepted GENERAL AUTHENTICATE whose 82 value, `len` bytes exactly, is the output: `out`
 * holds it on success and is untouched on error; freed here. */
static uint32_t ga_out(run *r, uint8_t in_tag, uint32_t rc, uint8_t *out, size_t len,
                       const char *what)
{
    ch_cur v;
    uint32_t want_rc = ga_sent(r, in_tag, &v);

    if (want_rc == SCARD_S_SUCCESS && ch_cur_left(&v) != len)
        want_rc = SCARD_E_UNEXPECTED;
    EXPECT_RC(rc, want_rc);
    if (rc == SCARD_S_SUCCESS)
        CH_CHECK(!memcmp(out, ch_cur_peek_ptr(&v), len), "%s is not the 82 value", what);
    else
        CH_CHECK(untouched(out, len), "%s written on error", what);
    free(out);
    return rc;
}

static uint32_t op_rsa_raw(run *r)
{
    const ch_finding_piv *f = r->f;
    size_t k = 0;
    uint8_t *out = out_new(r->n);
    uint32_t rc = ch_piv_rsa_raw(r->ctx, f->alg, f->slot, r->d, r->n, out);

    out_canary(out, r->n, "RSA output");
    if (!rsa_alg(f->alg, &k) || r->n != k || !key_slot(f->slot))
        return refused_out(r, rc, out, r->n, "RSA output");
    return ga_out(r, 0x81, rc, out, k, "RSA output");
}

static uint32_t op_ecdsa_sign(run *r)
{
    const ch_finding_piv *f = r->f;
    size_t field = f->field, ef = ec_field_of(f->alg);
    uint8_t *rs = out_new(2 * field);
    uint32_t rc = ch_piv_ecdsa_sign(r->ctx, f->alg, f->slot, r->d, r->n, rs, field), want_rc;
    ch_cur v;

    out_canary(rs, 2 * field, "r || s");
    if (!ef || field != ef || r->n == 0 || r->n > field || !key_slot(f->slot))
        return refused_out(r, rc, rs, 2 * field, "r || s");
    want_rc = ga_sent(r, 0x81, &v);
    if (want_rc != SCARD_S_SUCCESS)
        EXPECT_RC(rc, want_rc);
    else /* the 82 value is the DER signature: the differential decides */
        der_diff(ch_cur_peek_ptr(&v), ch_cur_left(&v), field, rc, rs);
    if (rc != SCARD_S_SUCCESS)
        CH_CHECK(untouched(rs, 2 * field), "r || s written on error");
    free(rs);
    return rc;
}

static uint32_t op_ecdh(run *r)
{
    const ch_finding_piv *f = r->f;
    size_t field = f->field, ef = ec_field_of(f->alg);
    uint8_t *secret = out_new(field);
    uint32_t rc = ch_piv_ecdh(r->ctx, f->alg, f->slot, r->n ? r->d : NULL, r->n, secret, field);

    out_canary(secret, field, "shared secret");
    if (!ef || field != ef || r->n != 1 + 2 * field || r->d[0] != 0x04 || !key_slot(f->slot))
        return refused_out(r, rc, secret, field, "secret");
    return ga_out(r, 0x85, rc, secret, field, "secret");
}

/* ---- pure ops ---- */

static uint32_t op_parse_apt(run *r)
{
    ch_piv_apt apt;
    uint32_t rc;

    memset(&apt, FILL, sizeof apt); /* bytes, padding included */
    rc = ch_piv_parse_apt(r->d, r->n, &apt);
    if (rc == SCARD_S_SUCCESS)
        check_apt(&apt, r->n);
    else
        CH_CHECK(untouched(&apt, sizeof apt), "APT written on error");
    return rc;
}

static uint32_t op_parse_metadata(run *r)
{
    ch_piv_metadata m;
    uint32_t rc = ch_piv_parse_metadata(r->d, r->n, &m);
    if (rc == SCARD_S_SUCCESS)
        check_metadata(&m);
    return rc;
}

static uint32_t op_der_to_rs(run *r)
{
    size_t field = r->f->field;
    uint8_t *rs = out_new(2 * field);
    uint32_t rc = ch_piv_ecdsa_der_to_rs(r->d, r->n, field, rs);

    out_canary(rs, 2 * field, "r || s");
    der_diff(r->d, r->n, field, rc, rs);
    if (rc != SCARD_S_SUCCESS)
        CH_CHECK(untouched(rs, 2 * field), "r || s written on error");
    free(rs);
    return rc;
}

static uint32_t op_ber_len(run *r)
{
    ch_cur in;
    uint32_t v;

    ch_cur_init(&in, r->d, r->n);
    while (ch_cur_u32le(&in, &v)) {
        size_t len = v & 0x01FFFFFFu, n, got = 0xDEAD;
        uint8_t b[CH_PIV_BER_LEN_MAX + CANARY];
        ch_cur c;

        memset(b, CANARY_BYTE, sizeof b);
        n = ch_piv_ber_len(len, b);
        for (size_t i = n; i < sizeof b; i++)
            CH_CHECK(b[i] == CANARY_BYTE, "ber_len(%zu) wrote byte %zu", len, i);
        if (len > 0xFFFFFFu) {
            CH_CHECK(n == 0, "ber_len(%zu) = %zu, expected 0", len, n);
            continue;
        }
        CH_CHECK(n == (len < 0x80 ? 1u : len <= 0xFF ? 2u : len <= 0xFFFF ? 3u : 4u) &&
                     n == ch_piv_ber_len_size(len),
                 "ber_len(%zu) = %zu bytes, size says %zu", len, n, ch_piv_ber_len_size(len));
        ch_cur_init(&c, b, n);
        CH_CHECK(ch_cur_ber_len(&c, &got) && got == len && ch_cur_empty(&c),
                 "ber_len(%zu) reads back as %zu", len, got);
    }
    return SCARD_S_SUCCESS;
}

static uint32_t op_cert_object(run *r)
{
    check_cert(r->d, r->n, r->f->cap);
    return SCARD_S_SUCCESS;
}

static uint32_t op_parse_generated(run *r)
{
    ch_piv_pubkey pub;
    uint32_t rc;

    memset(&pub, FILL, sizeof pub);
    rc = ch_piv_parse_generated(r->d, r->n, r->f->alg, &pub);
    if (!key_alg(r->f->alg))
        EXPECT_RC(rc, SCARD_E_INVALID_PARAMETER);
    if (rc == SCARD_S_SUCCESS) {
        ch_cur v, t;
        uint32_t tag;
        check_pubkey(&pub, r->f->alg);
        /* the key is the one the answer states: 86 is the point, 81 the modulus */
        CH_CHECK(one_tlv(r->d, r->n, 0x7F49, &v), "accepted an answer that is not one 7F49");
        while (ch_cur_tlv(&v, &tag, &t)) {
            if (tag == 0x86)
                CH_CHECK(ch_cur_left(&t) == pub.point_len &&
                             !memcmp(ch_cur_peek_ptr(&t), pub.point, pub.point_len),
                         "point is not the 86 value");
            if (tag == 0x81) {
                CH_CHECK(ch_cur_left(&t) >= pub.n_len &&
                             !memcmp(ch_cur_peek_ptr(&t) + (ch_cur_left(&t) - pub.n_len), pub.n,
                                     pub.n_len),
                         "modulus is not the 81 value");
            }
        }
    } else {
        CH_CHECK(untouched(&pub, sizeof pub), "public key written on error");
    }
    return rc;
}

static uint32_t op_chuid_uuid(run *r)
{
    check_chuid(r->d, r->n);
    return SCARD_S_SUCCESS;
}

/* ---- the target ---- */

static uint32_t dispatch(run *r)
{
    r->card = r->f->op < CH_FPV_PARSE_APT;
    switch (r->f->op) {
    case CH_FPV_SELECT: return op_select(r);
    case CH_FPV_GET_DATA: return op_get_data(r);
    case CH_FPV_GET_SERIAL: return op_get_serial(r);
    case CH_FPV_GET_METADATA: return op_get_metadata(r);
    case CH_FPV_VERIFY: return op_verify(r);
    case CH_FPV_PIN_STATUS: return op_pin_status(r);
    case CH_FPV_PIN_RESET_STATE: return op_pin_reset_state(r);
    case CH_FPV_CHANGE_REFERENCE: return op_pair(r, true);
    case CH_FPV_RESET_RETRY: return op_pair(r, false);
    case CH_FPV_MGM_ALG: return op_mgm_alg(r);
    case CH_FPV_MGM_CHALLENGE: return op_mgm_challenge(r);
    case CH_FPV_MGM_RESPONSE: return op_mgm_response(r);
    case CH_FPV_PUT_DATA: return op_put_data(r);
    case CH_FPV_GENERATE: return op_generate(r);
    case CH_FPV_IMPORT_RSA: return op_import_rsa(r);
    case CH_FPV_IMPORT_EC: return op_import_ec(r);
    case CH_FPV_RSA_RAW: return op_rsa_raw(r);
    case CH_FPV_ECDSA_SIGN: return op_ecdsa_sign(r);
    case CH_FPV_ECDH: return op_ecdh(r);
    case CH_FPV_PARSE_APT: return op_parse_apt(r);
    case CH_FPV_PARSE_METADATA: return op_parse_metadata(r);
    case CH_FPV_DER_TO_RS: return op_der_to_rs(r);
    case CH_FPV_BER_LEN: return op_ber_len(r);
    case CH_FPV_CERT_OBJECT: return op_cert_object(r);
    case CH_FPV_PARSE_GENERATED: return op_parse_generated(r);
    case CH_FPV_CHUID_UUID: return op_chuid_uuid(r);
    case CH_FPV_OPS: break;
    }
    CH_CHECK(0, "op %u", (unsigned)r->f->op);
    return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    ch_finding_piv f;
    ch_script script;
    ch_transport tp;
    ch_apdu_ctx ctx;
    run r;
    uint32_t rc;
    unsigned long on_wire = 0;

    ch_finding_piv_decode(data, size, &f);
    ch_script_init(&script, ch_cur_peek_ptr(&f.script), ch_cur_left(&f.script));
    script.fail_at = f.fail_at;
    script.fail_code = ch_script_event_error(f.fail_code);
    CH_CHECK(ch_transport_open(&tp, 1, (uintptr_t)&script) == SCARD_S_SUCCESS, "open");
    ch_apdu_ctx_init(&ctx, &tp);
    tx_free();
    if (ch_trace_on()) { /* mdreplay show: the exchanges, then the call (fuzz/trace.h) */
        script.observe = ch_trace_observe;
        if (f.fail_at)
            ch_trace_note("exchange %u fails in the transport (script event %u)",
                          (unsigned)f.fail_at, (unsigned)f.fail_code);
    }

    memset(&r, 0, sizeof r);
    r.f = &f;
    r.ctx = &ctx;
    r.refuse_rc = SCARD_E_INVALID_PARAMETER;
    r.n = f.data_got;
    r.d = dup_bytes(f.data, f.data_got); /* exactly its size: ASan sees an over-read */

    rc = dispatch(&r);
    if (ch_trace_on())
        ch_trace_call(ch_fpv_op_name(f.op),
                      r.refused ? "refused by the parameter model" : r.card ? "" : "no card use",
                      rc);

    CH_CHECK(in_set(rc, allowed[f.op]), "%s: rc 0x%08X outside its documented set",
             ch_fpv_op_name(f.op), (unsigned)rc);
    CH_CHECK(ctx.sent == script.exchanges, "exchange count mismatch");
    if (!r.card || r.refused) {
        CH_CHECK(g_ntx == 0 && ctx.sent == 0, "%s sent %lu APDUs with no card use",
                 ch_fpv_op_name(f.op), ctx.sent);
        if (r.refused)
            CH_CHECK(rc == r.refuse_rc, "refused with 0x%08X, expected 0x%08X", (unsigned)rc,
                     (unsigned)r.refuse_rc);
    } else {
        CH_CHECK(rc != SCARD_E_INVALID_PARAMETER || g_ntx > 0,
                 "parameters the model accepts were refused");
    }
    for (size_t i = 0; i < g_ntx; i++) {
        CH_CHECK(g_tx[i].first == on_wire, "command %zu does not start where the last ended", i);
        check_wire(&script, &g_tx[i]);
        on_wire += g_tx[i].count;
    }
    CH_CHECK(on_wire == ctx.sent, "APDUs outside the card edge's commands");

    tx_free();
    free((void *)r.d);
    ch_script_free(&script);
    return 0;
}
