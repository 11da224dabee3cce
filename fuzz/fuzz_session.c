/* fuzz_session: stateful CSP sessions through the function table against an in-process vpiv
 * card (the core with the vpiv transport, pivmd_vpiv): authenticate, create / import / delete
 * containers, write and read files, sign, decrypt, ECDH, deauthenticate, reset or remove the
 * card, re-acquire the context; an allocation failure and a transport failure planned by the
 * input. Input layout: fuzz/finding_session.h (decoder shared with mdreplay and the seed
 * generator); docs/fuzzing.md "fuzz_session layout".
 *
 * Invariants, checked after every step (CH_CHECK aborts):
 *  1. No leak: the CSP allocations live after a step (its outputs freed by the harness with
 *     pfnCspFree) are those live before it; none at CardDeleteContext; no foreign or double free.
 *  2. The container map object 5FFF10, read from the card itself, is what the module promises
 *     (docs/card-mapping.md "Containers", "Writes"): 81 82 LL LL and whole 107-byte records,
 *     each for a slot the module maps, one per slot, a terminated non-empty name, VALID set,
 *     a known keyspec, the container's PIN id, at most one DEFAULT. A record the module made
 *     (create; a cmapfile written from the module's own) names the key the slot holds, of the
 *     record's type and size, or, in a slot without a key, a certificate the slot holds (the
 *     module takes a certificate when the card cannot say which key it certifies); records of
 *     a cmapfile the CSP made up are checked for shape only.
 *     Every certificate object certifies the key its slot holds ("the certificate never
 *     outlives the key it certified"). A successful create leaves a new key, its record and no
 *     old certificate; a successful delete of a visible container a new P-256 key, no record,
 *     no certificate.
 *  3. An error never changes the card: every persistent byte (PIN, PUK, management key, slots,
 *     objects) is compared with the state before the step. Exceptions: a wrong PIN or PUK
 *     spends a try; and the documented window of docs/card-mapping.md ("Order, and what a
 *     failure leaves"): when the observer saw a state-changing command answered 9000 in this
 *     step before an injected failure, only the op's own targets may have changed (its slot
 *     and the map, cardcf and its certificate objects), and the container it keyed is tainted:
 *     its record and certificate are not compared with its key until a create or delete of it
 *     succeeds. Ops that write nothing change nothing even when they succeed (a right PIN
 *     restores the PIN's tries), and a successful op changes only its own targets.
 *  4. Authentication: a model of the card's PIN and management-key sessions, driven by the
 *     results (authenticate, deauthenticate, change PIN, reset, removal, re-acquire) as
 *     docs/entry-points.md says, equals vpiv's pin_verified / mgm_authenticated after every
 *     step without an injected failure; a failed step never gains a session. The module's own
 *     record (ctx->authenticated) never claims the PIN when the card has it not, and its admin
 *     bit equals the card's, once the module has been told of the last power event.
 *     CP_CARD_AUTHENTICATED_STATE reports the card's sessions.
 *  5. Results: each op's result is in its documented set; NO_MEMORY only in the step where the
 *     injected allocation failure happened (or the eight agreements are taken); a transport
 *     code only, and always, in a step where the link failed an exchange with it. Without an
 *     injected failure the predictable results are predicted (PINs, admin responses, key
 *     creation with and without the management key, parameter refusals) and a success is
 *     checked against the card's keys: signatures verify, decryptions give the plaintext, ECDH
 *     derives H(Z), CONTAINER_INFO and certificates read back carry the slot's public key.
 *
 * Fault injection: the k-th CSP allocation from the first step fails (ch_host_alloc_fail_at);
 * the k-th APDU exchange from the first step fails with the header's code, once or from then on
 * (ch_vpiv_link_plan). A POWER step resets (or powers off) the card at once and makes the next
 * exchange fail with SCARD_W_RESET_CARD (SCARD_W_REMOVED_CARD), as PC/SC reports it to the next
 * call; while that notice is pending it holds the link, and a header fault due then comes at the
 * first exchange after it.
 *
 * Speed: the card is personalised once (LLVMFuzzerInitialize) and restored only when an input
 * changed it; RSA keys are imported from fixed tables, never generated; prime tests are
 * remembered (__wrap_BN_check_prime, -Wl,--wrap=BN_check_prime, as fuzz_keyblob does), and so
 * is the module's d*G check of an EC blob (__wrap_ch_ec_public_matches).
 * Deterministic: vpiv's counter and OpenSSL's DRBGs (fuzz/counter_rand.h) restart at every
 * input. With CH_TRACE_FILE set (fuzz/trace.h, mdreplay show) each step's result, exchanges
 * and faults are written as JSON lines. */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cardmod.h"
#include "counter_rand.h"
#include "cursor.h"
#include "finding_session.h"
#include "fuzz_check.h"
#include "card_state.h"
#include "label_keys.h"
#include "mgm_answer.h"
#include "piv_map.h"
#include "host.h"
#include "trace.h"
#include "inflate.h"
#include "md_context.h"
#include "vpiv.h"
#include "vpiv_internal.h"
#include "vpiv_link.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

_Static_assert(CH_FS_OPS == 22, "a new op needs its executor below");

#define N_CONTAINERS 24u
#define OBJ_CARDCF 0x5FFF0Eu
#define OBJ_CMAP 0x5FFF10u
#define MSCMAP_REC 107u
#define CMAP_REC 86u
#define PIN_BITS (CREATE_PIN_SET(ROLE_USER) | CREATE_PIN_SET(3))
#define ADMIN_BIT CREATE_PIN_SET(ROLE_ADMIN)

/* ==== slots and containers, as docs/card-mapping.md has them ============================== */

/* The container of a slot, -1 for a slot the module does not map (F9). */
static int container_of(uint8_t slot)
{
    for (unsigned i = 0; i < N_CONTAINERS; i++)
        if (fz_slot_of(i) == slot)
            return (int)i;
    return -1;
}

typedef enum { KT_NONE = 0, KT_RSA, KT_P256, KT_P384 } ktype;

static ktype alg_type(uint8_t alg)
{
    switch (alg) {
    case ALG_RSA1024:
    case ALG_RSA2048:
    case ALG_RSA3072:
    case ALG_RSA4096: return KT_RSA;
    case ALG_ECCP256: return KT_P256;
    case ALG_ECCP384: return KT_P384;
    default: return KT_NONE;
    }
}

static unsigned alg_bits(uint8_t alg)
{
    switch (alg) {
    case ALG_RSA1024: return 1024;
    case ALG_RSA2048: return 2048;
    case ALG_RSA3072: return 3072;
    case ALG_RSA4096: return 4096;
    case ALG_ECCP256: return 256;
    case ALG_ECCP384: return 384;
    default: return 0;
    }
}

static ktype spec_type(DWORD spec)
{
    switch (spec) {
    case AT_KEYEXCHANGE:
    case AT_SIGNATURE: return KT_RSA;
    case AT_ECDSA_P256:
    case AT_ECDHE_P256: return KT_P256;
    case AT_ECDSA_P384:
    case AT_ECDHE_P384: return KT_P384;
    default: return KT_NONE;
    }
}

static bool spec_is_signature(DWORD spec)
{
    return spec == AT_SIGNATURE || spec == AT_ECDSA_P256 || spec == AT_ECDSA_P384;
}

static DWORD spec_of(ktype t, bool signature)
{
    switch (t) {
    case KT_RSA: return signature ? AT_SIGNATURE : AT_KEYEXCHANGE;
    case KT_P256: return signature ? AT_ECDSA_P256 : AT_ECDHE_P256;
    case KT_P384: return signature ? AT_ECDSA_P384 : AT_ECDHE_P384;
    default: return 0;
    }
}

/* The slot's default keyspec for a key type: RSA signs in 9C; EC is ECDH in 9D and the
 * retired slots, ECDSA elsewhere. */
static DWORD slot_spec(uint8_t slot, ktype t)
{
    bool keymgmt = slot == 0x9D || (slot >= 0x82 && slot <= 0x95);
    return spec_of(t, t == KT_RSA ? slot == 0x9C : !keymgmt);
}

/* ==== the cards ============================================================================ */

enum { CARD_PERSONALISED = 0, CARD_EMPTY = 1 };
static vpiv_card *cards[2];
static cstate refs[2];       /* each card as every input finds it */
static vpiv_card *card;      /* the card of this input */
static ch_vpiv_link card_link; /* what CARD_DATA.hScard designates */

static vpiv_slot *card_slot(uint8_t ref) { return cstate_card_slot(card, ref); }

static int slot_index(uint8_t ref)
{
    return (int)(card_slot(ref) - card->slots);
}

/* The container's slot key, NULL when the slot is empty (or idx past the last container). */
static const vpiv_slot *container_key(unsigned idx)
{
    const vpiv_slot *s;
    if (idx >= N_CONTAINERS)
        return NULL;
    s = card_slot(fz_slot_of(idx));
    return s->key ? s : NULL;
}

/* A secret as the CSP types it: the card's value without its FF padding. */
static size_t secret_text(const vpiv_secret *s, uint8_t out[8])
{
    size_t n = sizeof s->value;
    memcpy(out, s->value, n);
    while (n > 0 && out[n - 1] == 0xFF)
        n--;
    return n;
}

/* The container map object, read straight from the card (internals), with the module's
 * promises about its shape checked (invariant 2). rec[i] is the first record of container i's
 * slot. */
typedef struct mrec {
    bool present;
    uint8_t spec, flags, pin;
    uint16_t bits;
} mrec;

static void card_map(mrec rec[N_CONTAINERS])
{
    const vpiv_object *o = card_object_of(card, OBJ_CMAP);
    unsigned defaults = 0;
    uint8_t tag, form;
    uint16_t len;
    ch_cur c;

    memset(rec, 0, N_CONTAINERS * sizeof *rec);
    if (!o)
        return;
    ch_cur_init(&c, o->data, o->len);
    /* ch_md_cmap_store: always 81 82 LL LL, whole records, at least one. */
    CH_CHECK(ch_cur_u8(&c, &tag) && tag == 0x81 && ch_cur_u8(&c, &form) && form == 0x82 &&
                 ch_cur_u16be(&c, &len) && len == ch_cur_left(&c) && len > 0 &&
                 len % MSCMAP_REC == 0,
             "container map object of %zu bytes is not 81 82 LL LL and whole records", o->len);
    while (!ch_cur_empty(&c)) {
        const uint8_t *r;
        bool terminated = false;
        int idx;
        CH_CHECK(ch_cur_take(&c, MSCMAP_REC, &r), "container map record");
        for (size_t k = 0; k < 40u && !terminated; k++)
            terminated = r[2 * k] == 0 && r[2 * k + 1] == 0;
        idx = container_of(r[80]);
        CH_CHECK(idx >= 0, "container map record for slot %02X, which the module does not map",
                 r[80]);
        CH_CHECK(!rec[idx].present, "two container map records for slot %02X", r[80]);
        CH_CHECK(terminated && (r[0] | r[1]) != 0, "container map record %d: name", idx);
        CH_CHECK(r[84] & CONTAINER_MAP_VALID_CONTAINER, "container map record %d not valid",
                 idx);
        CH_CHECK(r[81] >= AT_KEYEXCHANGE && r[81] <= AT_ECDHE_P521,
                 "container map record %d: keyspec %u", idx, r[81]);
        CH_CHECK(r[85] == fz_container_pin((unsigned)idx) && r[86] == 0,
                 "container map record %d: PIN id %u, associated %u", idx, r[85], r[86]);
        for (size_t k = 87; k < MSCMAP_REC; k++)
            CH_CHECK(r[k] == 0, "container map record %d: fingerprint not zero", idx);
        defaults += (r[84] & CONTAINER_MAP_DEFAULT_CONTAINER) ? 1u : 0u;
        rec[idx].present = true;
        rec[idx].spec = r[81];
        rec[idx].bits = (uint16_t)(r[82] | r[83] << 8);
        rec[idx].flags = r[84];
        rec[idx].pin = r[85];
    }
    CH_CHECK(defaults <= 1, "container map: %u default records", defaults);
}

/* The DER certificate in a slot's object (70 cert 71 info [FE 00]; info 01 = gzip), or NULL
 * when the object is absent. What the module or the personalisation wrote is well formed. */
static const uint8_t *card_cert(uint8_t slot, size_t *len)
{
    static uint8_t der[16384];
    const vpiv_object *o = card_object_of(card, fz_cert_tag(slot));
    ch_cur c, v, info;
    uint32_t tag;
    uint8_t ci = 0;

    if (!o)
        return NULL;
    ch_cur_init(&c, o->data, o->len);
    CH_CHECK(ch_cur_tlv(&c, &tag, &v) && tag == 0x70 && ch_cur_find(&c, 0x71, &info) &&
                 ch_cur_u8(&info, &ci) && ci <= 1,
             "certificate object of slot %02X", slot);
    if (ci == 0) {
        *len = ch_cur_left(&v);
        return ch_cur_peek_ptr(&v);
    }
    CH_CHECK(ch_inflate_gzip(ch_cur_peek_ptr(&v), ch_cur_left(&v), der, sizeof der, len) ==
                 CH_INFLATE_OK,
             "gzip certificate of slot %02X", slot);
    return der;
}

/* The public key of a DER certificate (a reference the caller frees), NULL if unparseable. */
static EVP_PKEY *der_key(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    EVP_PKEY *k = x ? X509_get_pubkey(x) : NULL;
    X509_free(x);
    return k;
}

static ktype pkey_type(const EVP_PKEY *k)
{
    char group[32];
    size_t n = 0;
    if (!k)
        return KT_NONE;
    if (EVP_PKEY_is_a(k, "RSA"))
        return KT_RSA;
    if (!EVP_PKEY_is_a(k, "EC") ||
        EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &n) !=
            1)
        return KT_NONE;
    return strcmp(group, "prime256v1") == 0 ? KT_P256
           : strcmp(group, "secp384r1") == 0 ? KT_P384 : KT_NONE;
}

/* The key type the module sees in a container: the certificate's, else the slot's. */
static ktype container_type(unsigned idx)
{
    const vpiv_slot *s = container_key(idx);
    size_t len = 0;
    const uint8_t *der = idx < N_CONTAINERS ? card_cert(fz_slot_of(idx), &len) : NULL;
    ktype t = KT_NONE;

    if (der) {
        EVP_PKEY *k = der_key(der, len);
        t = pkey_type(k);
        EVP_PKEY_free(k);
    }
    return t != KT_NONE ? t : s ? alg_type(s->alg) : KT_NONE;
}

/* The keyspec the module gives a container of key type t: its record's when it fits, else the
 * slot's default (docs/card-mapping.md "Containers"). */
static DWORD container_spec(unsigned idx, ktype t)
{
    mrec rec[N_CONTAINERS];
    if (idx >= N_CONTAINERS)
        return spec_of(t, false);
    card_map(rec);
    if (rec[idx].present && spec_type(rec[idx].spec) == t && t != KT_NONE)
        return rec[idx].spec;
    return slot_spec(fz_slot_of(idx), t);
}

/* Whether the module shows the container (docs/card-mapping.md): a certificate in a standard
 * slot, or a valid record it can interpret; retired slots only through the map (this harness
 * never writes a key history object). */
static bool container_visible(unsigned idx)
{
    mrec rec[N_CONTAINERS];
    size_t len;
    if (idx >= N_CONTAINERS)
        return false;
    card_map(rec);
    if (idx < 4u && card_cert(fz_slot_of(idx), &len))
        return true;
    if (!rec[idx].present)
        return false;
    return card_cert(fz_slot_of(idx), &len) || spec_type(rec[idx].spec) != KT_NONE;
}

/* The file name of a container's certificate: ksc for a signature keyspec, else kxc. */
static void cert_name(unsigned idx, bool other, char out[8])
{
    bool sig = spec_is_signature(container_spec(idx, container_type(idx)));
    if (other)
        sig = !sig;
    snprintf(out, 8, "%s%02x", sig ? "ksc" : "kxc", idx & 0xFFu);
}

/* ==== prime tests, remembered ============================================================== */

/* vpiv tests the primes of an imported RSA key with BN_check_prime: tens of milliseconds for a
 * 1024-bit prime. The table keys' primes are pinned; other numbers (key blobs from the data)
 * take a small ring. */
#define PRIME_PINNED 8u
#define PRIME_RING 16u
typedef struct prime_memo {
    size_t len;
    uint8_t v[256];
    int answer;
} prime_memo;
static prime_memo primes_pinned[PRIME_PINNED], primes_ring[PRIME_RING];
static size_t n_pinned, ring_next;
static bool pinning;

int __real_BN_check_prime(const BIGNUM *p, BN_CTX *ctx, BN_GENCB *cb);
int __wrap_BN_check_prime(const BIGNUM *p, BN_CTX *ctx, BN_GENCB *cb);

static const prime_memo *prime_find(const prime_memo *m, size_t n, const uint8_t *v, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (m[i].len == len && memcmp(m[i].v, v, len) == 0)
            return &m[i];
    return NULL;
}

int __wrap_BN_check_prime(const BIGNUM *p, BN_CTX *ctx, BN_GENCB *cb)
{
    uint8_t v[256];
    int n = BN_num_bytes(p), answer;
    const prime_memo *m;
    prime_memo *slot;

    if (BN_is_negative(p) || n < 32 || (size_t)n > sizeof v || cb != NULL)
        return __real_BN_check_prime(p, ctx, cb);
    BN_bn2bin(p, v);
    if ((m = prime_find(primes_pinned, n_pinned, v, (size_t)n)) != NULL ||
        (m = prime_find(primes_ring, PRIME_RING, v, (size_t)n)) != NULL)
        return m->answer;
    answer = __real_BN_check_prime(p, ctx, cb);
    if (answer < 0)
        return answer;
    if (pinning && answer == 1 && n_pinned < PRIME_PINNED) {
        slot = &primes_pinned[n_pinned++];
    } else {
        slot = &primes_ring[ring_next];
        ring_next = (ring_next + 1u) % PRIME_RING;
    }
    slot->len = (size_t)n;
    memcpy(slot->v, v, (size_t)n);
    slot->answer = answer;
    return answer;
}

/* The module's own d*G check of an EC key blob (src/util/ecpoint.c) costs milliseconds under
 * coverage instrumentation and the sessions import the same few keys again and again: its
 * answers are remembered (__wrap_ch_ec_public_matches, -Wl,--wrap=ch_ec_public_matches). The
 * first (d, X, Y) runs the module's code; fuzz_keyblob and fuzz_keyblob_diff fuzz it in depth. */
#define EC_MEMO 16u
static struct {
    size_t field;
    uint8_t v[3 * 48];
    bool answer;
} ec_memo[EC_MEMO];
static size_t ec_memo_next;

bool __real_ch_ec_public_matches(size_t field, const uint8_t *d, const uint8_t *x,
                                 const uint8_t *y);
bool __wrap_ch_ec_public_matches(size_t field, const uint8_t *d, const uint8_t *x,
                                 const uint8_t *y);

bool __wrap_ch_ec_public_matches(size_t field, const uint8_t *d, const uint8_t *x,
                                 const uint8_t *y)
{
    uint8_t v[3 * 48];
    bool answer;

    if ((field != 32u && field != 48u) || !d || !x || !y)
        return __real_ch_ec_public_matches(field, d, x, y);
    memcpy(v, d, field);
    memcpy(v + field, x, field);
    memcpy(v + 2 * field, y, field);
    for (size_t i = 0; i < EC_MEMO; i++)
        if (ec_memo[i].field == field && memcmp(ec_memo[i].v, v, 3 * field) == 0)
            return ec_memo[i].answer;
    answer = __real_ch_ec_public_matches(field, d, x, y);
    ec_memo[ec_memo_next].field = field;
    memcpy(ec_memo[ec_memo_next].v, v, 3 * field);
    ec_memo[ec_memo_next].answer = answer;
    ec_memo_next = (ec_memo_next + 1u) % EC_MEMO;
    return answer;
}

/* ==== fixed keys (deterministic: from labels), certificates ================================ */

/* The table keys of IMPORT and WRITE_CERT (ch_fs_key 0..5). */
typedef struct tkey {
    ktype type;
    unsigned bits;
    EVP_PKEY *pub;
    uint8_t rsa_body[9u * 2048u / 16u]; /* n p q dp dq qinv d, little-endian */
    uint8_t x[48], y[48], d[48];        /* EC, big-endian */
} tkey;
static tkey tkeys[6];

static EVP_PKEY *pkey_from(const char *name, OSSL_PARAM_BLD *bld, int selection)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, name, NULL);
    EVP_PKEY *pk = NULL;
    CH_CHECK(params && pctx && EVP_PKEY_fromdata_init(pctx) == 1 &&
                 EVP_PKEY_fromdata(pctx, &pk, selection, params) == 1,
             "%s key from its numbers", name);
    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_BLD_free(bld);
    return pk;
}

static void rsa_table_key(tkey *k, const char *label, int bits)
{
    char lp[96], lq[96];
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *p, *q, *n = BN_new(), *e = BN_new(), *d = BN_new(), *dp = BN_new(), *dq = BN_new();
    BIGNUM *qinv = BN_new(), *p1 = BN_new(), *q1 = BN_new(), *phi = BN_new();
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    const BIGNUM *parts[7];
    size_t o = 0, half = (size_t)bits / 16u;

    snprintf(lp, sizeof lp, "cardhammer fuzz_session %s p", label);
    snprintf(lq, sizeof lq, "cardhammer fuzz_session %s q", label);
    CH_CHECK(ctx && n && e && d && dp && dq && qinv && p1 && q1 && phi && bld, "out of memory");
    p = fz_label_prime(lp, bits / 2, ctx);
    q = fz_label_prime(lq, bits / 2, ctx);
    if (BN_cmp(p, q) < 0) { /* p > q, as most writers order them */
        BIGNUM *t = p;
        p = q, q = t;
    }
    CH_CHECK(BN_set_word(e, 65537) && BN_mul(n, p, q, ctx) && BN_num_bits(n) == bits &&
                 BN_sub(p1, p, BN_value_one()) && BN_sub(q1, q, BN_value_one()) &&
                 BN_mul(phi, p1, q1, ctx) && BN_mod_inverse(d, e, phi, ctx) &&
                 BN_mod(dp, d, p1, ctx) && BN_mod(dq, d, q1, ctx) &&
                 BN_mod_inverse(qinv, q, p, ctx),
             "RSA-%d numbers", bits);
    parts[0] = n, parts[1] = p, parts[2] = q, parts[3] = dp, parts[4] = dq, parts[5] = qinv;
    parts[6] = d;
    for (int i = 0; i < 7; i++) {
        size_t w = (i == 0 || i == 6) ? 2u * half : half;
        CH_CHECK(BN_bn2lebinpad(parts[i], k->rsa_body + o, (int)w) == (int)w, "blob number");
        o += w;
    }
    CH_CHECK(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
                 OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e),
             "RSA params");
    k->pub = pkey_from("RSA", bld, EVP_PKEY_PUBLIC_KEY);
    k->type = KT_RSA;
    k->bits = (unsigned)bits;
    BN_free(p), BN_free(q), BN_free(n), BN_free(e), BN_clear_free(d), BN_clear_free(dp);
    BN_clear_free(dq), BN_clear_free(qinv), BN_free(p1), BN_free(q1), BN_free(phi);
    BN_CTX_free(ctx);
}

/* An EC key from a label (fz_label_ec). With `priv` the EVP_PKEY holds the private key too
 * (the ECDH peers). */
static EVP_PKEY *ec_label_key(const char *label, bool p384, uint8_t *x, uint8_t *y, uint8_t *dd,
                              bool priv)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *d = NULL;
    int f = p384 ? 48 : 32;
    uint8_t point[97];
    EVP_PKEY *pk;

    CH_CHECK(bld != NULL && (dd != NULL || !priv), "out of memory");
    fz_label_ec(p384 ? NID_secp384r1 : NID_X9_62_prime256v1, label, x, y, dd);
    point[0] = 0x04;
    memcpy(point + 1, x, (size_t)f);
    memcpy(point + 1 + f, y, (size_t)f);
    if (priv)
        CH_CHECK((d = BN_bin2bn(dd, f, NULL)) != NULL, "out of memory");
    CH_CHECK(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                             p384 ? "secp384r1" : "prime256v1", 0) &&
                 OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
                                                  (size_t)(1 + 2 * f)) &&
                 (!priv || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)),
             "EC params");
    pk = pkey_from("EC", bld, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY);
    BN_clear_free(d);
    return pk;
}

static void ec_table_key(tkey *k, const char *label, bool p384)
{
    k->pub = ec_label_key(label, p384, k->x, k->y, k->d, false);
    k->type = p384 ? KT_P384 : KT_P256;
    k->bits = p384 ? 384u : 256u;
}

static void put32le(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The PRIVATEKEYBLOB or BCRYPT_ECCKEY_BLOB of table key k for a signature or key-exchange
 * keyspec; returns its length. */
static size_t tkey_blob(const tkey *k, bool signature, uint8_t *out)
{
    if (k->type == KT_RSA) {
        size_t body = 9u * k->bits / 16u;
        out[0] = PRIVATEKEYBLOB, out[1] = 2, out[2] = 0, out[3] = 0;
        put32le(out + 4, signature ? CALG_RSA_SIGN : CALG_RSA_KEYX);
        put32le(out + 8, CH_RSA2_MAGIC);
        put32le(out + 12, k->bits);
        put32le(out + 16, 65537u);
        memcpy(out + 20, k->rsa_body, body);
        return 20u + body;
    } else {
        size_t f = k->bits / 8u;
        uint32_t magic = k->type == KT_P256
                             ? (signature ? BCRYPT_ECDSA_PRIVATE_P256_MAGIC
                                          : BCRYPT_ECDH_PRIVATE_P256_MAGIC)
                             : (signature ? BCRYPT_ECDSA_PRIVATE_P384_MAGIC
                                          : BCRYPT_ECDH_PRIVATE_P384_MAGIC);
        put32le(out, magic);
        put32le(out + 4, (uint32_t)f);
        memcpy(out + 8, k->x, f);
        memcpy(out + 8 + f, k->y, f);
        memcpy(out + 8 + 2 * f, k->d, f);
        return 8u + 3u * f;
    }
}

/* ECDH peers (private: the harness computes Z itself) and their BCRYPT public blobs. */
static EVP_PKEY *peers[2];
static uint8_t peer_blob[2][8 + 96];
static size_t peer_blob_len[2];
/* The hash every signature signs (its first bytes for the shorter hashes). */
static uint8_t hash_bytes[64];

static void make_peer(int i, bool p384)
{
    uint8_t x[48], y[48], d[48];
    size_t f = p384 ? 48u : 32u;
    peers[i] = ec_label_key(p384 ? "cardhammer fuzz_session peer P-384"
                                 : "cardhammer fuzz_session peer P-256",
                            p384, x, y, d, true);
    put32le(peer_blob[i], p384 ? BCRYPT_ECDH_PUBLIC_P384_MAGIC : BCRYPT_ECDH_PUBLIC_P256_MAGIC);
    put32le(peer_blob[i] + 4, (uint32_t)f);
    memcpy(peer_blob[i] + 8, x, f);
    memcpy(peer_blob[i] + 8 + f, y, f);
    peer_blob_len[i] = 8u + 2u * f;
}

/* A DER certificate of k issued by a fixed Ed25519 key (fixed names, serial, dates: the same
 * bytes every run); `large` adds a Netscape comment that makes it too big for a PIV object
 * unless gzipped. Remembered by public key: keys generated on the card come back often. */
#define CERT_MEMO 12u
static struct {
    uint8_t *pub;
    size_t pub_len;
    uint8_t *der[2];
    size_t len[2];
} cert_memo[CERT_MEMO];
static size_t cert_memo_next;
static EVP_PKEY *ca_key;

static void build_cert(EVP_PKEY *k, bool large, uint8_t **der, size_t *len)
{
    X509 *x = X509_new();
    X509_NAME *subj = X509_NAME_new(), *iss = X509_NAME_new();
    unsigned char *p = NULL;
    int n;

    CH_CHECK(x && subj && iss, "out of memory");
    CH_CHECK(X509_set_version(x, 2) == 1 &&
                 ASN1_INTEGER_set(X509_get_serialNumber(x), 0x5E55) == 1 &&
                 ASN1_TIME_set_string_X509(X509_getm_notBefore(x), "20250101000000Z") == 1 &&
                 ASN1_TIME_set_string_X509(X509_getm_notAfter(x), "20450101000000Z") == 1 &&
                 X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC,
                                            (const unsigned char *)"fuzz_session", -1, -1,
                                            0) == 1 &&
                 X509_NAME_add_entry_by_txt(iss, "CN", MBSTRING_ASC,
                                            (const unsigned char *)"fuzz_session CA", -1, -1,
                                            0) == 1 &&
                 X509_set_subject_name(x, subj) == 1 && X509_set_issuer_name(x, iss) == 1 &&
                 X509_set_pubkey(x, k) == 1,
             "building a certificate");
    if (large) {
        char text[3200];
        X509_EXTENSION *ext;
        for (size_t i = 0; i < sizeof text - 1; i++)
            text[i] = "fuzz_session large certificate, gzip in a PIV object. "[i % 55];
        text[sizeof text - 1] = 0;
        ext = X509V3_EXT_conf_nid(NULL, NULL, NID_netscape_comment, text);
        CH_CHECK(ext && X509_add_ext(x, ext, -1) == 1, "comment extension");
        X509_EXTENSION_free(ext);
    }
    CH_CHECK(X509_sign(x, ca_key, NULL) > 0, "signing a certificate");
    n = i2d_X509(x, &p);
    CH_CHECK(n > 0, "i2d_X509");
    *der = malloc((size_t)n);
    CH_CHECK(*der != NULL, "out of memory");
    memcpy(*der, p, (size_t)n);
    *len = (size_t)n;
    OPENSSL_free(p);
    X509_NAME_free(subj);
    X509_NAME_free(iss);
    X509_free(x);
}

static const uint8_t *cert_for(EVP_PKEY *k, bool large, size_t *len)
{
    unsigned char *pub = NULL;
    int n = i2d_PUBKEY(k, &pub);
    size_t i, w = large ? 1u : 0u;

    CH_CHECK(n > 0, "i2d_PUBKEY");
    for (i = 0; i < CERT_MEMO; i++)
        if (cert_memo[i].pub && cert_memo[i].pub_len == (size_t)n &&
            memcmp(cert_memo[i].pub, pub, (size_t)n) == 0)
            break;
    if (i == CERT_MEMO) {
        i = cert_memo_next;
        cert_memo_next = (cert_memo_next + 1u) % CERT_MEMO;
        free(cert_memo[i].pub);
        free(cert_memo[i].der[0]);
        free(cert_memo[i].der[1]);
        memset(&cert_memo[i], 0, sizeof cert_memo[i]);
        cert_memo[i].pub = malloc((size_t)n);
        CH_CHECK(cert_memo[i].pub != NULL, "out of memory");
        memcpy(cert_memo[i].pub, pub, (size_t)n);
        cert_memo[i].pub_len = (size_t)n;
    }
    OPENSSL_free(pub);
    if (!cert_memo[i].der[w])
        build_cert(k, large, &cert_memo[i].der[w], &cert_memo[i].len[w]);
    *len = cert_memo[i].len[w];
    return cert_memo[i].der[w];
}

/* ==== the session ========================================================================== */

typedef enum { PLAN_NONE = 0, PLAN_FAULT, PLAN_NOTICE } plan_kind;

/* What the observer saw of one step's exchanges that reached the card. */
typedef struct step_log {
    unsigned reached;
    bool changed;        /* a state-changing command answered 9000 (or 61xx) */
    uint32_t keyed;      /* containers whose slot got a key (GENERATE, IMPORT) */
} step_log;

static struct session {
    const ch_finding_session *f;
    ch_host_csp host;
    PCARD_DATA cd;
    bool live;                  /* a context is acquired */
    /* faults */
    unsigned long exchanges;    /* APDU exchanges since the first step */
    bool fault_fired, fault_stuck; /* the header's fault happened; it repeats */
    unsigned long alloc_fail_index; /* ch_host_alloc_count() value that fails, 0 none */
    bool notice;                /* a power event waits to be reported at the next exchange */
    uint32_t notice_code;
    bool unreported;            /* the module has not been told of the last power event */
    plan_kind plan;
    /* the model */
    bool pin, admin;            /* the model of the card's PIN and management-key sessions */
    uint8_t challenge[16];      /* the last challenge the CSP got */
    size_t challenge_len;
    unsigned agreements;        /* ECDH agreements in use in this context */
    uint32_t taint;             /* containers whose record / certificate may be stale */
    bool cache_stale;           /* a failure changed the card and cardcf did not follow */
    uint32_t rec_csp;           /* containers whose record came from a CSP-made cmapfile */
    cstate before;
    step_log log;
} S;

static bool version_at_least(DWORD v)
{
    return S.cd && S.cd->dwVersion >= v;
}

static bool changes_state(uint8_t ins)
{
    switch (ins) {
    case 0xDB: /* PUT DATA */
    case 0x47: /* GENERATE ASYMMETRIC KEY PAIR */
    case 0xFE: /* YubiKey IMPORT ASYMMETRIC KEY */
    case 0x24: /* CHANGE REFERENCE DATA */
    case 0x2C: /* RESET RETRY COUNTER */
    case 0xFF: /* SET MANAGEMENT KEY */
    case 0xFA: /* SET PIN RETRIES */
    case 0xFB: /* RESET */
        return true;
    default:
        return false;
    }
}

static void observe(void *arg, const uint8_t *capdu, size_t capdu_len, const uint8_t *rapdu,
                    size_t rapdu_len)
{
    uint16_t sw;
    (void)arg;
    ch_trace_exchange(capdu, capdu_len, rapdu, rapdu_len, 0);
    S.log.reached++;
    CH_CHECK(rapdu_len >= 2, "vpiv answered %zu bytes", rapdu_len);
    sw = (uint16_t)(rapdu[rapdu_len - 2] << 8 | rapdu[rapdu_len - 1]);
    if (capdu_len < 4 || (capdu[0] & 0x10u) || !changes_state(capdu[1]) ||
        (sw != 0x9000 && (sw >> 8) != 0x61))
        return;
    S.log.changed = true;
    if (capdu[1] == 0x47 || capdu[1] == 0xFE) {
        int idx = container_of(capdu[3]);
        if (idx >= 0)
            S.log.keyed |= 1u << idx;
    }
}

/* The link's plan for the next step: a pending power notice first, then the header's fault
 * (at the k-th exchange from the first step, or at once if that exchange went by under a
 * notice). A fault that repeats keeps the link from then on. */
static void plan_step(void)
{
    const ch_finding_session *f = S.f;

    if (S.fault_stuck) {
        ch_vpiv_link_plan(&card_link, 1, f->fault_code, true);
        S.plan = PLAN_FAULT;
    } else if (S.notice) {
        ch_vpiv_link_plan(&card_link, 1, S.notice_code, false);
        S.plan = PLAN_NOTICE;
    } else if (f->fault_at && !S.fault_fired) {
        unsigned at = f->fault_at > S.exchanges ? (unsigned)(f->fault_at - S.exchanges) : 1u;
        ch_vpiv_link_plan(&card_link, at, f->fault_code, f->fault_repeat);
        S.plan = PLAN_FAULT;
    } else {
        ch_vpiv_link_plan(&card_link, 0, 0, false);
        S.plan = PLAN_NONE;
    }
}

/* After the step: what the link did. Returns the code of the failure it injected, 0 none. */
static uint32_t plan_done(void)
{
    uint32_t code = card_link.failures ? card_link.fail_code : 0;

    S.exchanges += card_link.exchanges;
    if (!card_link.failures)
        return 0;
    if (S.plan == PLAN_NOTICE) {
        S.notice = false;
    } else {
        S.fault_fired = true;
        S.fault_stuck = S.f->fault_repeat;
    }
    if (code == SCARD_W_RESET_CARD || code == SCARD_W_REMOVED_CARD)
        S.unreported = false; /* the module was told of a power event, this one or earlier */
    return code;
}

/* ---- the CSP side ---- */

static DWORD acquire(void)
{
    DWORD rc;
    S.cd->dwVersion = S.f->version;
    rc = CardAcquireContext(S.cd, 0);
    S.live = rc == SCARD_S_SUCCESS;
    if (S.live) {
        CH_CHECK(S.cd->dwVersion == S.f->version, "CardAcquireContext negotiated v%u, asked v%u",
                 S.cd->dwVersion, S.f->version);
        S.agreements = 0;
    }
    return rc;
}

static void csp_open(void)
{
    size_t atr_len;
    const uint8_t *atr = vpiv_atr(&atr_len);
    DWORD rc;

    ch_host_alloc_reset();
    CH_CHECK(ch_host_csp_init(&S.host, S.f->version, S.f->version, atr, atr_len, 1,
                              (uintptr_t)&card_link),
             "ch_host_csp_init");
    S.cd = S.host.cd;
    if (S.f->flags & CH_FS_F_NO_CACHE) {
        S.cd->pfnCspCacheAddFile = NULL;
        S.cd->pfnCspCacheLookupFile = NULL;
        S.cd->pfnCspCacheDeleteFile = NULL;
        S.cd->pvCacheContext = NULL;
    }
    rc = acquire();
    CH_CHECK(rc == SCARD_S_SUCCESS, "CardAcquireContext v%u: %08X", S.f->version, rc);
}

/* CardDeleteContext: nothing the module allocated is left, nothing was freed twice. */
static void csp_delete(void)
{
    DWORD rc = S.cd->pfnCardDeleteContext(S.cd);
    CH_CHECK(rc == SCARD_S_SUCCESS, "CardDeleteContext: %08X", rc);
    S.live = false;
    CH_CHECK(ch_host_alloc_live() == 0, "%zu CSP allocations leaked at CardDeleteContext",
             ch_host_alloc_live());
    CH_CHECK(ch_host_alloc_errors() == 0, "%lu foreign or double frees",
             ch_host_alloc_errors());
}

static ch_md_ctx *module_ctx(void)
{
    ch_md_ctx *ctx = S.live ? ch_md_ctx_of(S.cd) : NULL;
    CH_CHECK(!S.live || ctx != NULL, "no module context in a live CARD_DATA");
    return ctx;
}

static void csp_free(void *p)
{
    if (p)
        S.cd->pfnCspFree(p);
}

/* Exact-size heap copies of what the CSP hands over: ASan sees any read past them. */
static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
    uint8_t *q = malloc(n ? n : 1);
    CH_CHECK(q != NULL, "out of memory");
    if (n)
        memcpy(q, p, n);
    return q;
}

/* One ECB block under the card's management key: the CSP's answer to a challenge. */
static void mgm_encrypt(const uint8_t *in, size_t block, uint8_t *out)
{
    size_t key_len;

    switch (card->mgm_alg) {
    case ALG_3DES: key_len = 24; break;
    case ALG_AES128: key_len = 16; break;
    case ALG_AES192: key_len = 24; break;
    default: key_len = 32; break;
    }
    CH_CHECK(ch_mgm_answer(card->mgm_key, key_len, in, block, out), "management key cipher");
}

static size_t mgm_block(void)
{
    return card->mgm_alg == ALG_3DES ? 8u : 16u;
}

/* ==== one step ============================================================================= */

/* What an executor tells the checks. */
typedef struct outcome {
    DWORD rc;
    bool called;        /* an entry point ran (else rc is SCARD_S_SUCCESS) */
    bool predicted;     /* expect holds the result, when no failure is injected */
    DWORD expect;
    const char *why;
    bool writes;        /* the op may change the card (may: what); else nothing but `may` */
    allow may;
    bool agreements_full;
    /* the model's transitions on the card's sessions: -1 unchanged, 0 ended, 1 begun */
    int pin, admin;
} outcome;

static bool can_predict; /* the module owes no SELECT and no power notice is due */

static void predict(outcome *o, DWORD rc, const char *why)
{
    if (!can_predict)
        return;
    o->predicted = true;
    o->expect = rc;
    o->why = why;
}

static void may_keys(outcome *o, unsigned idx)
{
    o->writes = true;
    if (idx >= N_CONTAINERS)
        return;
    o->may.slot = slot_index(fz_slot_of(idx));
    o->may.tags[0] = OBJ_CARDCF;
    o->may.tags[1] = OBJ_CMAP;
    o->may.tags[2] = fz_cert_tag(fz_slot_of(idx));
}

static bool shape_ok(const uint8_t *p, size_t n)
{
    if (!p || n < 6 || n > 8)
        return false;
    for (size_t i = 0; i < n; i++)
        if (p[i] == 0xFF)
            return false;
    return true;
}

/* The bytes of a secret in an exact heap copy (NULL for CH_FS_SRC_NULL; the caller frees). */
static uint8_t *secret_of(const ch_fs_secret *s, const ch_fs_step *st, const vpiv_secret *cur,
                          DWORD *len)
{
    uint8_t text[8];
    size_t n;
    switch (s->src) {
    case CH_FS_SRC_CURRENT:
        n = secret_text(cur, text);
        *len = (DWORD)n;
        return dup_exact(text, n);
    case CH_FS_SRC_DATA:
        *len = (DWORD)st->data_len;
        return dup_exact(st->data, st->data_len);
    case CH_FS_SRC_NULL:
        *len = s->len;
        return NULL;
    default:
        *len = s->len;
        return dup_exact(s->bytes, s->len);
    }
}

/* What the card says of a secret the CSP offers, when its shape is one the card takes. */
static DWORD verdict(const vpiv_secret *s, const uint8_t *p, size_t n)
{
    uint8_t text[8];
    size_t m = secret_text(s, text);
    if (s->tries_left == 0)
        return SCARD_W_CHV_BLOCKED;
    if (m == n && memcmp(text, p, n) == 0)
        return SCARD_S_SUCCESS;
    return s->tries_left == 1 ? SCARD_W_CHV_BLOCKED : SCARD_W_WRONG_CHV;
}

static bool printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7E)
            return false;
    return true;
}

/* *pcAttemptsRemaining: written only with WRONG_CHV (the tries the card reported) and
 * CHV_BLOCKED (0), docs/entry-points.md. */
static void check_attempts(DWORD rc, DWORD attempts, const vpiv_secret *s, bool reached)
{
    if (rc == SCARD_W_CHV_BLOCKED && reached)
        CH_CHECK(attempts == 0, "CHV_BLOCKED with %u attempts left", attempts);
    else if (rc == SCARD_W_WRONG_CHV && reached)
        CH_CHECK(attempts == s->tries_left, "WRONG_CHV with %u attempts, the card has %u",
                 attempts, s->tries_left);
    else /* other results, and a shape refused before the card: untouched */
        CH_CHECK(attempts == 0xA5A5A5A5u, "attempts written (%08X) with result %08X", attempts,
                 rc);
}

static void op_auth_pin(const ch_fs_step *st, outcome *o)
{
    static const PIN_ID ids[4] = {ROLE_USER, ROLE_USER, 3, ROLE_USER};
    DWORD len = 0, attempts = 0xA5A5A5A5u;
    uint8_t *pin = secret_of(&st->secret, st, &card->pin, &len);
    bool ex = st->variant != 0 && version_at_least(CARD_DATA_VERSION_SIX);

    if (!pin || len == 0)
        predict(o, SCARD_E_INVALID_PARAMETER, "NULL or empty PIN");
    else if (!shape_ok(pin, len))
        predict(o, SCARD_W_WRONG_CHV, "a PIN the card could never accept");
    else if (printable(pin, len))
        predict(o, verdict(&card->pin, pin, len), "the card's PIN and tries");
    o->called = true;
    if (ex)
        o->rc = S.cd->pfnCardAuthenticateEx(S.cd, ids[st->variant], st->variant == 3
                                                                        ? CARD_PIN_SILENT_CONTEXT
                                                                        : 0,
                                            pin, len, NULL, NULL, &attempts);
    else
        o->rc = S.cd->pfnCardAuthenticatePin(S.cd, wszCARD_USER_USER, pin, len, &attempts);
    check_attempts(o->rc, attempts, &card->pin, S.log.reached > 0);
    o->may.tries = true; /* a wrong PIN spends a try, a right one restores them */
    if (o->rc == SCARD_S_SUCCESS)
        o->pin = 1;
    else if ((o->rc == SCARD_W_WRONG_CHV || o->rc == SCARD_W_CHV_BLOCKED) && S.log.reached)
        o->pin = 0;
    free(pin);
}

static void op_admin(const ch_fs_step *st, outcome *o)
{
    ch_md_ctx *ctx = module_ctx();
    size_t block = mgm_block();
    bool had = ctx->challenge_len > 0;
    uint8_t resp[16] = {0}, *buf;
    DWORD len = (DWORD)block, attempts = 0xA5A5A5A5u;

    if (had)
        CH_CHECK(ctx->challenge_len == S.challenge_len &&
                     memcmp(ctx->challenge, S.challenge, S.challenge_len) == 0,
                 "the module's outstanding challenge is not the last one it handed out");
    o->called = true;
    if (st->resp != CH_FS_RESP_STALE) {
        PBYTE ch = NULL;
        DWORD n = 0;
        predict(o, SCARD_S_SUCCESS, "a challenge");
        if ((st->variant & 1u) && version_at_least(CARD_DATA_VERSION_SIX))
            o->rc = S.cd->pfnCardGetChallengeEx(S.cd, ROLE_ADMIN, &ch, &n, 0);
        else
            o->rc = S.cd->pfnCardGetChallenge(S.cd, &ch, &n);
        if (o->rc != SCARD_S_SUCCESS) {
            CH_CHECK(ch == NULL && n == 0, "a failed CardGetChallenge wrote its outputs");
            S.challenge_len = 0;
            return;
        }
        CH_CHECK(ch != NULL && n == block, "challenge of %u bytes, the key's block is %zu", n,
                 block);
        memcpy(S.challenge, ch, n);
        S.challenge_len = n;
        csp_free(ch);
        if (st->resp == CH_FS_RESP_NONE)
            return;
        had = true;
        o->predicted = false;
    }
    if (S.challenge_len == block)
        mgm_encrypt(S.challenge, block, resp);
    switch (st->resp) {
    case CH_FS_RESP_WRONG:
        resp[0] ^= 0x01;
        predict(o, SCARD_W_WRONG_CHV, "a wrong response");
        break;
    case CH_FS_RESP_SHORT:
        len = (DWORD)(block - 1u);
        predict(o, SCARD_E_INVALID_PARAMETER, "a response shorter than the block");
        break;
    case CH_FS_RESP_DATA:
        if (st->data_len != block || !had)
            predict(o, SCARD_E_INVALID_PARAMETER, "a response of the wrong length");
        break;
    default: /* RIGHT, STALE */
        predict(o, had ? SCARD_S_SUCCESS : SCARD_E_INVALID_PARAMETER,
                had ? "the right response" : "no outstanding challenge");
        break;
    }
    buf = st->resp == CH_FS_RESP_DATA ? dup_exact(st->data, st->data_len) : dup_exact(resp, len);
    if (st->resp == CH_FS_RESP_DATA)
        len = (DWORD)st->data_len;
    if ((st->variant & 2u) && version_at_least(CARD_DATA_VERSION_SIX))
        o->rc = S.cd->pfnCardAuthenticateEx(S.cd, ROLE_ADMIN, 0, buf, len, NULL, NULL,
                                            &attempts);
    else
        o->rc = S.cd->pfnCardAuthenticateChallenge(S.cd, buf, len, &attempts);
    CH_CHECK(o->rc == SCARD_W_WRONG_CHV ? attempts == CARD_DATA_VALUE_UNKNOWN
                                        : attempts == 0xA5A5A5A5u,
             "admin response %08X wrote attempts %08X", o->rc, attempts);
    CH_CHECK(module_ctx()->challenge_len == 0, "a response left the challenge outstanding");
    S.challenge_len = 0; /* consumed whatever the outcome */
    if (o->rc == SCARD_S_SUCCESS)
        o->admin = 1;
    else if (o->rc == SCARD_W_WRONG_CHV)
        o->admin = 0;
    free(buf);
}

static void op_deauth(const ch_fs_step *st, outcome *o)
{
    PIN_SET set = 0;
    o->called = true;
    switch (st->variant) {
    case 0:
        set = PIN_BITS;
        o->rc = S.cd->pfnCardDeauthenticate(S.cd, wszCARD_USER_USER, 0);
        break;
    case 1:
        set = ADMIN_BIT;
        o->rc = S.cd->pfnCardDeauthenticate(S.cd, wszCARD_USER_ADMIN, 0);
        break;
    case 2:
        if (version_at_least(CARD_DATA_VERSION_SIX)) {
            set = st->pin_set == PIN_SET_ALL_ROLES ? PIN_BITS | ADMIN_BIT : st->pin_set;
            if (st->pin_set != PIN_SET_ALL_ROLES && (st->pin_set & ~0x1Fu))
                predict(o, SCARD_E_INVALID_PARAMETER, "a PIN id the card does not define");
            o->rc = S.cd->pfnCardDeauthenticateEx(S.cd, st->pin_set, 0);
        } else {
            set = PIN_BITS;
            o->rc = S.cd->pfnCardDeauthenticate(S.cd, wszCARD_USER_USER, 0);
        }
        break;
    default:
        predict(o, SCARD_E_INVALID_PARAMETER, "an unknown user");
        o->rc = S.cd->pfnCardDeauthenticate(S.cd, (LPWSTR)u"nobody", 0);
        break;
    }
    if (!o->predicted)
        predict(o, SCARD_S_SUCCESS, "deauthenticate");
    if (o->rc != SCARD_S_SUCCESS)
        return;
    if (set & ADMIN_BIT) /* a new SELECT: every session ends */
        o->pin = o->admin = 0;
    else if (set & PIN_BITS)
        o->pin = 0;
}

static void op_change_pin(const ch_fs_step *st, outcome *o)
{
    ch_fs_change kind = (ch_fs_change)st->variant;
    bool v6 = version_at_least(CARD_DATA_VERSION_SIX), puk;
    const vpiv_secret *s;
    uint8_t *cur, *next;
    DWORD cur_len = 0, next_len = 0, attempts = 0xA5A5A5A5u;

    if (!v6 && kind == CH_FS_CHG_PIN_EX)
        kind = CH_FS_CHG_PIN;
    if (!v6 && kind == CH_FS_CHG_UNBLOCK_EX)
        kind = CH_FS_CHG_UNBLOCK;
    if (!v6 && kind == CH_FS_CHG_PUK_EX)
        return; /* no v4 call changes the PUK */
    puk = kind == CH_FS_CHG_PUK_EX || kind == CH_FS_CHG_UNBLOCK || kind == CH_FS_CHG_UNBLOCK_EX;
    s = puk ? &card->puk : &card->pin;
    cur = secret_of(&st->secret, st, s, &cur_len);
    next = secret_of(&st->next, st, s, &next_len);
    if (!cur || !cur_len || !next || !next_len)
        predict(o, SCARD_E_INVALID_PARAMETER, "NULL or empty secret");
    else if (!shape_ok(next, next_len))
        predict(o, SCARD_E_INVALID_PARAMETER, "a new secret the card cannot hold");
    else if (!shape_ok(cur, cur_len))
        predict(o, SCARD_W_WRONG_CHV, "a current secret the card could never accept");
    else if (printable(cur, cur_len) && printable(next, next_len))
        predict(o, verdict(s, cur, cur_len), "the card's secret and tries");
    o->called = true;
    switch (kind) {
    case CH_FS_CHG_PIN:
        o->rc = S.cd->pfnCardChangeAuthenticator(S.cd, wszCARD_USER_USER, cur, cur_len, next,
                                                 next_len, 0, CARD_AUTHENTICATE_PIN_PIN,
                                                 &attempts);
        break;
    case CH_FS_CHG_PIN_EX:
    case CH_FS_CHG_PUK_EX: {
        PIN_ID id = kind == CH_FS_CHG_PUK_EX ? 4u : ROLE_USER;
        o->rc = S.cd->pfnCardChangeAuthenticatorEx(S.cd, PIN_CHANGE_FLAG_CHANGEPIN, id, cur,
                                                   cur_len, id, next, next_len, 0, &attempts);
        break;
    }
    case CH_FS_CHG_UNBLOCK:
        o->rc = S.cd->pfnCardUnblockPin(S.cd, wszCARD_USER_USER, cur, cur_len, next, next_len,
                                        0, CARD_AUTHENTICATE_PIN_PIN);
        break;
    default:
        o->rc = S.cd->pfnCardChangeAuthenticatorEx(S.cd, PIN_CHANGE_FLAG_UNBLOCK, 4u, cur,
                                                   cur_len, ROLE_USER, next, next_len, 0,
                                                   &attempts);
        break;
    }
    if (kind != CH_FS_CHG_UNBLOCK)
        check_attempts(o->rc, attempts, s, S.log.reached > 0);
    o->writes = true;
    o->may.secrets = true;
    if (!puk && o->rc == SCARD_S_SUCCESS)
        o->pin = 1; /* a YubiKey (and vpiv) counts the old PIN as verified */
    else if (!puk && (o->rc == SCARD_W_WRONG_CHV || o->rc == SCARD_W_CHV_BLOCKED) &&
             S.log.reached)
        o->pin = 0;
    free(cur);
    free(next);
}

/* ---- keys ---- */

/* Whether what the module says of a container may differ from the card for a reason the
 * documented failure window explains: the container is tainted, or a failure left a change on
 * the card that cardcf does not announce, so the caches still serve what was there before. */
static bool unsure(unsigned idx)
{
    return S.cache_stale || (idx < N_CONTAINERS && (S.taint & (1u << idx)));
}

static bool cardcf_changed(void)
{
    const vpiv_object *o = card_object_of(card, OBJ_CARDCF);
    const snap_obj *b = state_object(&S.before, OBJ_CARDCF);
    return o && (!b || b->len != o->len || memcmp(b->data, o->data, o->len) != 0);
}

/* After a successful create (docs/entry-points.md "Keys"): a new key of the kind asked for in
 * the slot (want: exactly that key), its record with the keyspec and size asked for, no old
 * certificate, cardcf changed. */
static void check_keyed(unsigned idx, DWORD spec, ktype t, unsigned bits, EVP_PKEY *want,
                        uint8_t origin)
{
    uint8_t slot = fz_slot_of(idx);
    int si = slot_index(slot);
    const vpiv_slot *s = &card->slots[si];
    mrec rec[N_CONTAINERS];

    CH_CHECK(s->key != NULL && s->key != S.before.slots[si].key && alg_type(s->alg) == t &&
                 alg_bits(s->alg) == bits && s->origin == origin,
             "container %u: slot %02X holds alg %02X origin %u, not a new %u-bit key", idx, slot,
             s->alg, s->origin, bits);
    CH_CHECK(!want || EVP_PKEY_eq(s->key, want) == 1,
             "container %u: slot %02X does not hold the imported key", idx, slot);
    card_map(rec);
    CH_CHECK(rec[idx].present && rec[idx].spec == spec && rec[idx].bits == bits,
             "container %u: record %s, keyspec %u bits %u, asked %u / %u", idx,
             rec[idx].present ? "present" : "absent", rec[idx].spec, rec[idx].bits, spec, bits);
    CH_CHECK(card_object_of(card, fz_cert_tag(slot)) == NULL,
             "container %u: the old certificate outlived its key", idx);
    CH_CHECK(cardcf_changed(), "container %u: cardcf did not change", idx);
}

static void create_done(unsigned idx)
{
    S.taint &= ~(1u << idx);
    S.rec_csp &= ~(1u << idx);
}

static DWORD create_call(unsigned idx, DWORD flags, DWORD spec, DWORD size, PBYTE blob,
                         bool own_pin)
{
    if (version_at_least(CARD_DATA_VERSION_SEVEN))
        return S.cd->pfnCardCreateContainerEx(S.cd, (BYTE)idx, flags, spec, size, blob,
                                              own_pin ? fz_container_pin(idx) : ROLE_USER);
    return S.cd->pfnCardCreateContainer(S.cd, (BYTE)idx, flags, spec, size, blob);
}

static void predict_create(outcome *o, unsigned idx)
{
    if (idx >= N_CONTAINERS)
        predict(o, SCARD_E_NO_KEY_CONTAINER, "index past the last container");
    else if (card->mgm_authenticated)
        predict(o, SCARD_S_SUCCESS, "the management key is authenticated");
    else
        predict(o, SCARD_W_SECURITY_VIOLATION, "6982 without the management key");
}

static void op_keygen(const ch_fs_step *st, outcome *o)
{
    ktype t = spec_type(st->key_spec);
    unsigned bits = t == KT_P256 ? 256u : 384u;

    predict_create(o, st->container);
    may_keys(o, st->container);
    o->called = true;
    o->rc = create_call(st->container, CARD_CREATE_CONTAINER_KEY_GEN, st->key_spec,
                        st->explicit_size ? bits : 0u, NULL, st->own_pin);
    if (o->rc == SCARD_S_SUCCESS) {
        check_keyed(st->container, st->key_spec, t, bits, NULL, ORIGIN_GENERATED);
        create_done(st->container);
    }
}

/* A blob from the data: a heap block of exactly the length its header announces (as the
 * module will read it: fuzz_keyblob's rule), zero-padded. */
static size_t announced_len(const uint8_t *in, size_t in_len)
{
    uint8_t hdr[20] = {0};
    uint32_t w, bitlen;
    if (in_len)
        memcpy(hdr, in, in_len < sizeof hdr ? in_len : sizeof hdr);
    w = (uint32_t)hdr[4] | (uint32_t)hdr[5] << 8 | (uint32_t)hdr[6] << 16 | (uint32_t)hdr[7] << 24;
    bitlen = (uint32_t)hdr[12] | (uint32_t)hdr[13] << 8 | (uint32_t)hdr[14] << 16 |
             (uint32_t)hdr[15] << 24;
    if (hdr[0] == PRIVATEKEYBLOB && bitlen % 16u == 0 && bitlen <= 4096u)
        return 20u + 9u * (size_t)(bitlen / 16u);
    if (hdr[0] == 'E' && hdr[1] == 'C' && w <= 66u)
        return 8u + 3u * (size_t)w;
    return in_len > 20u ? in_len : 20u;
}

static void op_import(const ch_fs_step *st, outcome *o)
{
    uint8_t *blob;
    size_t blob_len;
    const tkey *k = NULL;
    DWORD spec, size = 0;

    if (st->key == CH_FS_KEY_DATA) {
        blob_len = announced_len(st->data, st->data_len);
        blob = calloc(1, blob_len);
        CH_CHECK(blob != NULL, "out of memory");
        if (st->data_len)
            memcpy(blob, st->data, st->data_len < blob_len ? st->data_len : blob_len);
        spec = st->key_spec;
    } else {
        uint8_t tmp[20 + 9 * 2048 / 16];
        k = &tkeys[st->key == CH_FS_KEY_RSA2048_AS_1024 ? CH_FS_KEY_RSA2048 : st->key];
        blob_len = tkey_blob(k, st->signature, tmp);
        blob = dup_exact(tmp, blob_len);
        spec = spec_of(k->type, st->signature);
        size = st->explicit_size ? k->bits : 0u;
        if (st->key == CH_FS_KEY_RSA2048_AS_1024) {
            size = 1024;
            if (st->container < N_CONTAINERS)
                predict(o, SCARD_E_INVALID_PARAMETER, "a dwKeySize that is not the blob's");
            else
                predict(o, SCARD_E_NO_KEY_CONTAINER, "index past the last container");
        } else {
            predict_create(o, st->container);
        }
    }
    may_keys(o, st->container);
    o->called = true;
    o->rc = create_call(st->container, CARD_CREATE_CONTAINER_KEY_IMPORT, spec, size, blob,
                        st->own_pin);
    if (o->rc == SCARD_S_SUCCESS) {
        ktype t = k ? k->type : spec_type(spec);
        const vpiv_slot *s = card_slot(fz_slot_of(st->container));
        check_keyed(st->container, spec, t, k ? k->bits : alg_bits(s->alg), k ? k->pub : NULL,
                    ORIGIN_IMPORTED);
        create_done(st->container);
    }
    free(blob);
}

static void op_delete_container(const ch_fs_step *st, outcome *o)
{
    unsigned idx = st->container;
    bool visible = container_visible(idx);

    if (idx >= N_CONTAINERS || !visible)
        predict(o, SCARD_S_SUCCESS, "no container: nothing to delete");
    else if (!(S.taint & (1u << idx)))
        predict(o, card->mgm_authenticated ? SCARD_S_SUCCESS : SCARD_W_SECURITY_VIOLATION,
                "the management key decides");
    /* With stale caches the module may see a container the card's map no longer has. */
    if (visible || S.cache_stale)
        may_keys(o, idx);
    o->called = true;
    o->rc = S.cd->pfnCardDeleteContainer(S.cd, (BYTE)idx, 0);
    if (o->rc == SCARD_S_SUCCESS && idx < N_CONTAINERS) {
        uint8_t slot = fz_slot_of(idx);
        int si = slot_index(slot);
        const vpiv_slot *s = &card->slots[si];
        bool rekeyed = s->key != S.before.slots[si].key;
        mrec rec[N_CONTAINERS];
        if (!rekeyed && !(visible && !unsure(idx)))
            return; /* nothing the module could see, or not sure it saw it */
        card_map(rec);
        CH_CHECK(s->key && rekeyed && s->alg == ALG_ECCP256 && s->origin == ORIGIN_GENERATED,
                 "deleted container %u: slot %02X was not overwritten with a new P-256 key", idx,
                 slot);
        CH_CHECK(!rec[idx].present, "deleted container %u still has a record", idx);
        CH_CHECK(!card_object_of(card, fz_cert_tag(slot)), "deleted container %u kept its "
                                                        "certificate", idx);
        CH_CHECK(cardcf_changed(), "deleted container %u: cardcf did not change", idx);
        create_done(idx);
    }
}

/* ---- files ---- */

static DWORD read_file(const char *dir, const char *name, PBYTE *out, DWORD *len)
{
    *out = NULL;
    *len = 0;
    return S.cd->pfnCardReadFile(S.cd, (LPSTR)dir, (LPSTR)name, 0, out, len);
}

static DWORD write_file(const char *dir, const char *name, const uint8_t *data, size_t len)
{
    uint8_t *copy = data ? dup_exact(data, len) : NULL;
    DWORD rc = S.cd->pfnCardWriteFile(S.cd, (LPSTR)dir, (LPSTR)name, 0, copy, (DWORD)len);
    free(copy);
    return rc;
}

static void op_write_cert(const ch_fs_step *st, outcome *o)
{
    unsigned idx = st->container;
    const vpiv_slot *s = container_key(idx);
    const uint8_t *der;
    size_t len = 0;
    ktype t;
    char name[8];
    bool visible = container_visible(idx), own = false;

    if (st->cert == CH_FS_CERT_DATA) {
        EVP_PKEY *k = der_key(st->data, st->data_len);
        der = st->data;
        len = st->data_len;
        t = pkey_type(k);
        EVP_PKEY_free(k);
    } else {
        own = s && st->cert != CH_FS_CERT_TABLE;
        der = cert_for(own ? s->key : tkeys[st->key].pub,
                       st->cert == CH_FS_CERT_SLOT_LARGE, &len);
        t = own ? alg_type(s->alg) : tkeys[st->key].type;
    }
    if (t == KT_NONE)
        t = container_type(idx);
    snprintf(name, sizeof name, "%s%02x",
             spec_is_signature(container_spec(idx, t)) != st->other_name ? "ksc" : "kxc",
             idx & 0xFFu);
    if (idx >= N_CONTAINERS)
        predict(o, SCARD_E_FILE_NOT_FOUND, "no such file");
    else if (own && !unsure(idx) && !(S.rec_csp & (1u << idx)))
        predict(o, st->other_name ? SCARD_E_FILE_NOT_FOUND
                   : card->mgm_authenticated ? SCARD_S_SUCCESS : SCARD_W_SECURITY_VIOLATION,
                st->other_name ? "the other keyspec's name" : "a certificate of the slot's key");
    o->writes = true;
    if (idx < N_CONTAINERS) {
        o->may.tags[0] = OBJ_CARDCF;
        o->may.tags[1] = fz_cert_tag(fz_slot_of(idx));
    }
    o->called = true;
    o->rc = write_file("mscp", name, der, len);
    /* Read back: a file written is the file read (the container shows through its map
     * record or, in a standard slot, through the certificate itself). */
    if (o->rc == SCARD_S_SUCCESS && st->cert != CH_FS_CERT_DATA &&
        (visible || idx < 4u) && !unsure(idx)) {
        PBYTE back = NULL;
        DWORD back_len = 0;
        o->predicted = true; /* checked when nothing was injected */
        o->expect = SCARD_S_SUCCESS;
        o->why = "a certificate written reads back";
        o->rc = read_file("mscp", name, &back, &back_len);
        CH_CHECK(o->rc != SCARD_S_SUCCESS || (back_len == len && memcmp(back, der, len) == 0),
                 "%s read back as %u bytes, written %zu", name, back_len, len);
        csp_free(back);
    }
}

static size_t cardcf_of_card(uint8_t out[64])
{
    const vpiv_object *o = card_object_of(card, OBJ_CARDCF);
    ch_cur c, v;
    size_t n;
    if (!o) {
        memset(out, 0, 6);
        return 6;
    }
    ch_cur_init(&c, o->data, o->len);
    CH_CHECK(ch_cur_find(&c, 0xC0, &v) && ch_cur_left(&v) >= 6 && ch_cur_left(&v) <= 64,
             "cardcf object");
    n = ch_cur_left(&v);
    CH_CHECK(ch_cur_bytes(&v, out, n), "cardcf object");
    return n;
}

static void bump16(uint8_t *p)
{
    unsigned v = ((unsigned)p[0] | (unsigned)p[1] << 8) + 1u;
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)((v >> 8) & 0xFFu);
}

static void op_write_cmap(const ch_fs_step *st, outcome *o)
{
    PBYTE cur = NULL;
    DWORD cur_len = 0;
    uint8_t *buf = NULL;
    size_t len = 0;

    o->writes = true;
    o->may.tags[0] = OBJ_CARDCF;
    o->may.tags[1] = OBJ_CMAP;
    o->called = true;
    if (st->cmap == CH_FS_CMAP_DATA) {
        buf = dup_exact(st->data, st->data_len);
        len = st->data_len;
    } else if (st->cmap != CH_FS_CMAP_EMPTY) {
        predict(o, SCARD_S_SUCCESS, "cmapfile");
        o->rc = read_file("mscp", "cmapfile", &cur, &cur_len);
        if (o->rc != SCARD_S_SUCCESS)
            return;
        buf = dup_exact(cur, cur_len);
        len = cur_len;
        csp_free(cur);
        for (size_t r = 0; r < len / CMAP_REC; r++) {
            uint8_t *fl = &buf[r * CMAP_REC + 80];
            if (st->cmap == CH_FS_CMAP_DEFAULT)
                *fl = (uint8_t)((*fl & ~CONTAINER_MAP_DEFAULT_CONTAINER) |
                                (r == st->container && (*fl & CONTAINER_MAP_VALID_CONTAINER)
                                     ? CONTAINER_MAP_DEFAULT_CONTAINER
                                     : 0u));
            else if (st->cmap == CH_FS_CMAP_DROP && r == st->container)
                *fl = 0;
        }
    }
    if (st->cmap != CH_FS_CMAP_DATA)
        predict(o, card->mgm_authenticated ? SCARD_S_SUCCESS : SCARD_W_SECURITY_VIOLATION,
                "a cmapfile of the module's own, the management key decides");
    o->rc = write_file("mscp", "cmapfile", buf ? buf : (const uint8_t *)"", len);
    if (o->rc == SCARD_S_SUCCESS && st->cmap == CH_FS_CMAP_DATA)
        S.rec_csp = (1u << N_CONTAINERS) - 1u; /* the CSP's records: checked for shape only */
    free(buf);
}

static void op_write_cardcf(const ch_fs_step *st, outcome *o)
{
    uint8_t file[65] = {0};
    size_t len;
    const vpiv_object *now;

    o->writes = true;
    o->may.tags[0] = OBJ_CARDCF;
    o->called = true;
    switch (st->cardcf) {
    case CH_FS_CF_BUMP: {
        PBYTE cur = NULL;
        DWORD cur_len = 0;
        predict(o, SCARD_S_SUCCESS, "cardcf");
        o->rc = read_file(NULL, "cardcf", &cur, &cur_len);
        if (o->rc != SCARD_S_SUCCESS)
            return;
        CH_CHECK(cur_len >= 6 && cur_len <= 64, "cardcf of %u bytes", cur_len);
        memcpy(file, cur, cur_len);
        len = cur_len;
        csp_free(cur);
        bump16(file + 2);
        bump16(file + 4);
        break;
    }
    case CH_FS_CF_DATA:
        len = st->data_len;
        if (len >= 6 && len <= 64) {
            uint8_t cf[64];
            memcpy(file, st->data, len);
            (void)cardcf_of_card(cf);
            memcpy(file + 2, cf + 2, 4); /* a CSP never moves the counters back */
            bump16(file + 2);
            bump16(file + 4);
        }
        break;
    case CH_FS_CF_SHORT:
        len = 5;
        break;
    default:
        len = 65;
        break;
    }
    if (len < 6)
        predict(o, SCARD_E_INVALID_PARAMETER, "cardcf shorter than 6 bytes");
    else if (len > 64)
        predict(o, SCARD_E_WRITE_TOO_MANY, "cardcf longer than 64 bytes");
    else
        predict(o, card->mgm_authenticated ? SCARD_S_SUCCESS : SCARD_W_SECURITY_VIOLATION,
                "the management key decides");
    if (st->cardcf == CH_FS_CF_DATA && (len < 6 || len > 64))
        o->rc = write_file(NULL, "cardcf", st->data ? st->data : (const uint8_t *)"", len);
    else
        o->rc = write_file(NULL, "cardcf", file, len);
    now = card_object_of(card, OBJ_CARDCF);
    if (o->rc == SCARD_S_SUCCESS)
        CH_CHECK(now && now->len == len + 2 && now->data[0] == 0xC0 && now->data[1] == len &&
                     memcmp(now->data + 2, file, len) == 0,
                 "cardcf written is not what the CSP wrote");
}

static void op_delete_file(const ch_fs_step *st, outcome *o)
{
    unsigned idx = st->container;
    char name[8];
    size_t len;
    bool cert = idx < N_CONTAINERS && card_cert(fz_slot_of(idx), &len) != NULL;

    o->called = true;
    if (st->file == CH_FS_FILE_CARDCF || st->file == CH_FS_FILE_CMAPFILE) {
        predict(o, SCARD_W_SECURITY_VIOLATION, "the card's structure files stay");
        o->rc = st->file == CH_FS_FILE_CARDCF
                    ? S.cd->pfnCardDeleteFile(S.cd, NULL, (LPSTR) "cardcf", 0)
                    : S.cd->pfnCardDeleteFile(S.cd, (LPSTR) "mscp", (LPSTR) "cmapfile", 0);
        return;
    }
    cert_name(idx, st->file == CH_FS_FILE_CERT_OTHER, name);
    if (idx >= N_CONTAINERS || !cert || !container_visible(idx))
        predict(o, SCARD_E_FILE_NOT_FOUND, "no certificate the module shows");
    else if (st->file == CH_FS_FILE_CERT_OTHER && !unsure(idx))
        predict(o, SCARD_E_FILE_NOT_FOUND, "the other keyspec's name");
    else if (!unsure(idx))
        predict(o, card->mgm_authenticated ? SCARD_S_SUCCESS : SCARD_W_SECURITY_VIOLATION,
                "the management key decides");
    o->writes = true;
    if (idx < N_CONTAINERS) {
        o->may.tags[0] = OBJ_CARDCF;
        o->may.tags[1] = OBJ_CMAP;
        o->may.tags[2] = fz_cert_tag(fz_slot_of(idx));
    }
    o->rc = S.cd->pfnCardDeleteFile(S.cd, (LPSTR) "mscp", name, 0);
    if (o->rc == SCARD_S_SUCCESS) {
        mrec rec[N_CONTAINERS];
        card_map(rec);
        CH_CHECK(!card_object_of(card, fz_cert_tag(fz_slot_of(idx))), "%s deleted, still there",
                 name);
        /* The container outlives its certificate when the slot holds a key; with no key
         * (corpora/regressions/fuzz_session/delete-cert-of-keyless-slot-leaves-record, fixed)
         * nothing is left and the record goes with the certificate. */
        if (container_key(idx))
            CH_CHECK(rec[idx].present, "%s deleted: the container lost its record with it",
                     name);
        else
            CH_CHECK(!rec[idx].present, "%s deleted: a record is left for a slot with no key",
                     name);
    }
}

static void op_create_file(const ch_fs_step *st, outcome *o)
{
    unsigned idx = st->container;
    char name[8];
    size_t len;

    cert_name(idx, st->other_name, name);
    if (idx >= N_CONTAINERS)
        predict(o, SCARD_E_UNSUPPORTED_FEATURE, "no such file, and no room for others");
    else if (!unsure(idx))
        predict(o, container_visible(idx) && card_cert(fz_slot_of(idx), &len) ? ERROR_FILE_EXISTS
                                                                           : SCARD_S_SUCCESS,
                "a certificate is there or not");
    o->called = true;
    o->rc = S.cd->pfnCardCreateFile(S.cd, (LPSTR) "mscp", name, 0, EveryoneReadUserWriteAc);
}

/* cmapfile as the CSP reads it (docs/card-mapping.md): whole records, at most 24, valid ones
 * named, one key size each, exactly one default when any is valid, defaults only valid. */
static void check_cmapfile(const uint8_t *p, size_t len)
{
    unsigned defaults = 0, valid = 0;
    CH_CHECK(len % CMAP_REC == 0 && len <= N_CONTAINERS * CMAP_REC, "cmapfile of %zu bytes",
             len);
    for (size_t r = 0; r < len / CMAP_REC; r++) {
        const uint8_t *rec = p + r * CMAP_REC;
        bool terminated = false;
        if (rec[80] & CONTAINER_MAP_DEFAULT_CONTAINER) {
            CH_CHECK(rec[80] & CONTAINER_MAP_VALID_CONTAINER, "cmapfile %zu: default, not "
                                                              "valid", r);
            defaults++;
        }
        if (!(rec[80] & CONTAINER_MAP_VALID_CONTAINER))
            continue;
        valid++;
        for (size_t k = 0; k < 40u && !terminated; k++)
            terminated = rec[2 * k] == 0 && rec[2 * k + 1] == 0;
        CH_CHECK(terminated && (rec[0] | rec[1]) != 0, "cmapfile %zu: name", r);
        CH_CHECK(!((rec[82] | rec[83]) && (rec[84] | rec[85])), "cmapfile %zu: two sizes", r);
    }
    CH_CHECK(defaults == (valid ? 1u : 0u), "cmapfile: %u defaults, %u valid", defaults, valid);
    CH_CHECK(len == 0 || (p[len - CMAP_REC + 80] & CONTAINER_MAP_VALID_CONTAINER),
             "cmapfile goes past its last valid record");
}

static void op_read_file(const ch_fs_step *st, outcome *o)
{
    unsigned idx = st->container;
    const char *dir = NULL, *file;
    char name[8];
    PBYTE p = NULL;
    DWORD len = 0;
    size_t clen;
    const uint8_t *der = NULL;

    switch (st->file) {
    case CH_FS_FILE_CARDID: file = "cardid"; break;
    case CH_FS_FILE_CARDCF: file = "cardcf"; break;
    case CH_FS_FILE_CARDAPPS: file = "cardapps"; break;
    case CH_FS_FILE_CMAPFILE: dir = "mscp", file = "cmapfile"; break;
    default:
        cert_name(idx, st->file == CH_FS_FILE_CERT_OTHER, name);
        dir = "mscp", file = name;
        der = idx < N_CONTAINERS ? card_cert(fz_slot_of(idx), &clen) : NULL;
        break;
    }
    if (!dir || st->file == CH_FS_FILE_CMAPFILE)
        predict(o, SCARD_S_SUCCESS, "a file every card has");
    else if (!der || !container_visible(idx))
        predict(o, SCARD_E_FILE_NOT_FOUND, "no certificate the module shows");
    else if (!unsure(idx))
        predict(o, st->file == CH_FS_FILE_CERT ? SCARD_S_SUCCESS : SCARD_E_FILE_NOT_FOUND,
                "the certificate, under the name of the container's keyspec");
    o->called = true;
    o->rc = read_file(dir, file, &p, &len);
    if (o->rc != SCARD_S_SUCCESS) {
        CH_CHECK(p == NULL && len == 0, "a failed CardReadFile wrote its outputs");
        return;
    }
    CH_CHECK(p != NULL, "CardReadFile(%s) gave no buffer", file);
    switch (st->file) {
    case CH_FS_FILE_CARDID:
        CH_CHECK(len == 16, "cardid of %u bytes", len);
        break;
    case CH_FS_FILE_CARDCF: {
        uint8_t cf[64];
        size_t n = cardcf_of_card(cf);
        CH_CHECK(len == n && memcmp(p, cf, n) == 0, "cardcf read is not the card's");
        break;
    }
    case CH_FS_FILE_CARDAPPS:
        CH_CHECK(len == 8 && memcmp(p, "mscp\0\0\0\0", 8) == 0, "cardapps");
        break;
    case CH_FS_FILE_CMAPFILE:
        check_cmapfile(p, len);
        break;
    default:
        CH_CHECK(!der || unsure(idx) || (len == clen && memcmp(p, der, clen) == 0),
                 "%s read is not the card's certificate", name);
        break;
    }
    csp_free(p);
}

static void op_enum_info(const ch_fs_step *st, outcome *o)
{
    unsigned idx = st->container;
    o->called = true;
    if (st->enum_kind == CH_FS_ENUM_ROOT || st->enum_kind == CH_FS_ENUM_MSCP) {
        bool root = st->enum_kind == CH_FS_ENUM_ROOT;
        LPSTR list = NULL;
        DWORD len = 0;
        predict(o, SCARD_S_SUCCESS, "a directory");
        o->rc = S.cd->pfnCardEnumFiles(S.cd, root ? NULL : (LPSTR) "mscp", &list, &len, 0);
        if (o->rc != SCARD_S_SUCCESS)
            return;
        CH_CHECK(list && len >= 2 && list[len - 1] == 0 && list[len - 2] == 0,
                 "CardEnumFiles list not double-NUL terminated");
        for (size_t at = 0; at + 1 < len;) {
            const char *end = memchr(list + at, 0, len - at);
            size_t n = end ? (size_t)(end - (list + at)) : len - at;
            const char *f = list + at;
            CH_CHECK(n >= 1 && n <= 8, "CardEnumFiles name of %zu characters", n);
            if (root)
                CH_CHECK(!strcmp(f, "cardid") || !strcmp(f, "cardcf") || !strcmp(f, "cardapps"),
                         "root lists %s", f);
            else if (strcmp(f, "cmapfile") != 0) {
                unsigned i = 0;
                size_t clen;
                CH_CHECK(n == 5 && (!strncmp(f, "ksc", 3) || !strncmp(f, "kxc", 3)) &&
                             sscanf(f + 3, "%2x", &i) == 1 && i < N_CONTAINERS,
                         "mscp lists %s", f);
                CH_CHECK(unsure(i) || card_cert(fz_slot_of(i), &clen), "mscp lists %s, no "
                                                                    "certificate", f);
            }
            at += n + 1;
        }
        csp_free(list);
    } else {
        CARD_FILE_INFO fi;
        char name[8];
        const char *file = "cmapfile";
        if (st->enum_kind == CH_FS_INFO_CERT) {
            cert_name(idx, false, name);
            file = name;
        } else {
            predict(o, SCARD_S_SUCCESS, "cmapfile");
        }
        memset(&fi, 0, sizeof fi);
        fi.dwVersion = CARD_FILE_INFO_CURRENT_VERSION;
        o->rc = S.cd->pfnCardGetFileInfo(S.cd, (LPSTR) "mscp", (LPSTR)file, &fi);
        if (o->rc == SCARD_S_SUCCESS)
            CH_CHECK(fi.AccessCondition == EveryoneReadUserWriteAc, "%s: access condition %d",
                     file, (int)fi.AccessCondition);
    }
}

/* ---- private-key operations ---- */

static bool bn_param(const EVP_PKEY *k, const char *name, uint8_t *out, size_t width)
{
    BIGNUM *v = NULL;
    bool ok = EVP_PKEY_get_bn_param(k, name, &v) == 1 &&
              BN_bn2binpad(v, out, (int)width) == (int)width;
    BN_free(v);
    return ok;
}

/* Whether a CONTAINER_INFO blob is the public key k (docs/card-mapping.md "Public keys"). */
static bool blob_is_key(const uint8_t *b, size_t len, const EVP_PKEY *k, ktype t)
{
    if (t == KT_RSA) {
        uint8_t n[512];
        size_t nb = (size_t)EVP_PKEY_get_bits(k) / 8u;
        if (len != 20u + nb || nb > sizeof n || b[0] != PUBLICKEYBLOB || b[1] != 2 ||
            !bn_param(k, OSSL_PKEY_PARAM_RSA_N, n, nb))
            return false;
        for (size_t i = 0; i < nb; i++)
            if (b[20 + i] != n[nb - 1 - i])
                return false;
        return true;
    } else {
        uint8_t pt[1 + 2 * 48];
        size_t f = t == KT_P256 ? 32u : 48u, plen = 0;
        return EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt,
                                               &plen) == 1 &&
               plen == 1u + 2u * f && len == 8u + 2u * f && memcmp(b + 8, pt + 1, 2 * f) == 0;
    }
}

static void op_container_info(const ch_fs_step *st, outcome *o)
{
    unsigned idx = st->container;
    const vpiv_slot *s = container_key(idx);
    size_t clen;
    bool cert = idx < N_CONTAINERS && card_cert(fz_slot_of(idx), &clen);
    CONTAINER_INFO ci;

    if (idx >= N_CONTAINERS || !container_visible(idx))
        predict(o, SCARD_E_NO_KEY_CONTAINER, "no container");
    else if (!unsure(idx))
        predict(o, cert || s ? SCARD_S_SUCCESS : SCARD_E_NO_KEY_CONTAINER,
                "a certificate or a key tells the public key");
    memset(&ci, 0, sizeof ci);
    ci.dwVersion = CONTAINER_INFO_CURRENT_VERSION;
    o->called = true;
    o->rc = S.cd->pfnCardGetContainerInfo(S.cd, (BYTE)idx, 0, &ci);
    if (o->rc != SCARD_S_SUCCESS)
        return;
    CH_CHECK((ci.pbSigPublicKey == NULL) != (ci.pbKeyExPublicKey == NULL),
             "container %u: CONTAINER_INFO must hold exactly one public key", idx);
    if (s && !unsure(idx)) {
        ktype t = alg_type(s->alg);
        bool sig = spec_is_signature(container_spec(idx, t));
        CH_CHECK(sig ? ci.pbSigPublicKey != NULL : ci.pbKeyExPublicKey != NULL,
                 "container %u: the public key in the field of the other keyspec", idx);
        CH_CHECK(blob_is_key(sig ? ci.pbSigPublicKey : ci.pbKeyExPublicKey,
                             sig ? ci.cbSigPublicKey : ci.cbKeyExPublicKey, s->key, t),
                 "container %u: CONTAINER_INFO is not the key of slot %02X", idx, s->ref);
    }
    csp_free(ci.pbSigPublicKey);
    csp_free(ci.pbKeyExPublicKey);
}

static bool verify_sig(EVP_PKEY *k, ktype t, const char *md, const uint8_t *hash, size_t hlen,
                       const uint8_t *sig, size_t slen)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    uint8_t buf[512];
    unsigned char *der = NULL;
    int dlen = 0, ok;

    CH_CHECK(c && EVP_PKEY_verify_init(c) == 1 && slen <= sizeof buf, "verify init");
    if (t == KT_RSA) {
        for (size_t i = 0; i < slen; i++) /* CAPI's little-endian signature */
            buf[i] = sig[slen - 1 - i];
        CH_CHECK(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1 &&
                     (!md || EVP_PKEY_CTX_set_signature_md(c, EVP_get_digestbyname(md)) == 1),
                 "RSA verify parameters");
        ok = EVP_PKEY_verify(c, buf, slen, hash, hlen);
    } else {
        size_t f = slen / 2u;
        ECDSA_SIG *es = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(sig, (int)f, NULL), *s = BN_bin2bn(sig + f, (int)f, NULL);
        CH_CHECK(es && r && s && ECDSA_SIG_set0(es, r, s) == 1, "ECDSA_SIG");
        dlen = i2d_ECDSA_SIG(es, &der);
        CH_CHECK(dlen > 0, "i2d_ECDSA_SIG");
        ok = EVP_PKEY_verify(c, der, (size_t)dlen, hash, hlen);
        OPENSSL_free(der);
        ECDSA_SIG_free(es);
    }
    EVP_PKEY_CTX_free(c);
    return ok == 1;
}

static void predict_private(outcome *o, unsigned idx)
{
    if (idx >= N_CONTAINERS)
        predict(o, SCARD_E_NO_KEY_CONTAINER, "index past the last container");
    else if (!container_visible(idx) && !unsure(idx))
        predict(o, SCARD_E_NO_KEY_CONTAINER, "no container");
}

static void op_sign(const ch_fs_step *st, outcome *o)
{
    static const struct {
        ALG_ID alg;
        size_t len;
        const char *md;
    } hs[8] = {
        {CALG_SHA_256, 32, "SHA256"}, {CALG_SHA1, 20, "SHA1"},   {CALG_SHA_384, 48, "SHA384"},
        {0, 32, NULL},                {CALG_SHA_512, 64, "SHA512"}, {CALG_SHA_256, 32, "SHA256"},
        {0, 32, "SHA256"},            {CALG_SHA_256, 0, "SHA256"},
    };
    static BCRYPT_PKCS1_PADDING_INFO pkcs1 = {(LPCWSTR)u"SHA256"};
    unsigned idx = st->container;
    const vpiv_slot *s = container_key(idx);
    ktype t = s ? alg_type(s->alg) : container_type(idx);
    size_t sz = st->struct_v1 ? offsetof(CARD_SIGNING_INFO, pPaddingInfo)
                              : sizeof(CARD_SIGNING_INFO);
    CARD_SIGNING_INFO full, *si = &full;
    void *p;
    const uint8_t *h = st->hash == CH_FS_HASH_DATA ? st->data : hash_bytes;
    size_t hlen = st->hash == CH_FS_HASH_DATA ? st->data_len : hs[st->hash].len;

    memset(si, 0, sizeof full);
    if (t == KT_NONE)
        t = KT_RSA;
    si->dwVersion = st->struct_v1 ? CARD_SIGNING_INFO_BASIC_VERSION
                                  : CARD_SIGNING_INFO_CURRENT_VERSION;
    si->bContainerIndex = (BYTE)idx;
    si->dwKeySpec = spec_of(st->wrong_spec ? (t == KT_RSA ? KT_P256 : KT_RSA) : t, st->signature);
    si->aiHashAlg = hs[st->hash].alg;
    si->pbData = hlen ? dup_exact(h, hlen) : NULL;
    si->cbData = (DWORD)hlen;
    if (st->hash == CH_FS_HASH_SIZE_ONLY)
        si->dwSigningFlags = CARD_BUFFER_SIZE_ONLY;
    if (st->hash == CH_FS_HASH_PADINFO) {
        si->dwSigningFlags = CARD_PADDING_INFO_PRESENT;
        if (!st->struct_v1) {
            si->pPaddingInfo = &pkcs1;
            si->dwPaddingType = CARD_PADDING_PKCS1;
        }
    }
    if (!hlen)
        predict(o, SCARD_E_INVALID_PARAMETER, "no data");
    else if (st->hash == CH_FS_HASH_PADINFO && st->struct_v1)
        predict(o, SCARD_E_INVALID_PARAMETER, "padding info in a version 1 structure");
    else
        predict_private(o, idx);
    o->called = true;
    /* The structure in a heap block of exactly its version's size; read back by copy. */
    p = dup_exact((const uint8_t *)si, sz);
    o->rc = S.cd->pfnCardSignData(S.cd, (PCARD_SIGNING_INFO)p);
    memcpy(si, p, sz);
    free(p);
    if (o->rc == SCARD_S_SUCCESS && st->hash == CH_FS_HASH_SIZE_ONLY) {
        CH_CHECK(si->pbSignedData == NULL, "BUFFER_SIZE_ONLY returned a signature");
        CH_CHECK(!s || unsure(idx) ||
                     si->cbSignedData == (t == KT_RSA ? alg_bits(s->alg) / 8u
                                                      : 2u * alg_bits(s->alg) / 8u),
                 "BUFFER_SIZE_ONLY: %u bytes", si->cbSignedData);
    } else if (o->rc == SCARD_S_SUCCESS) {
        CH_CHECK(s && si->pbSignedData, "a signature from container %u without a key", idx);
        CH_CHECK(verify_sig(s->key, alg_type(s->alg),
                            alg_type(s->alg) == KT_RSA ? hs[st->hash].md : NULL, h, hlen,
                            si->pbSignedData, si->cbSignedData),
                 "container %u: the signature does not verify under slot %02X's key", idx,
                 s->ref);
        csp_free(si->pbSignedData);
    } else {
        CH_CHECK(si->pbSignedData == NULL && si->cbSignedData == 0,
                 "a failed CardSignData wrote its outputs");
    }
    free(si->pbData);
}

/* One RSA block, raw (the card's private operation undoes it), as CAPI's little-endian
 * ciphertext of k bytes. */
static void rsa_raw_encrypt(EVP_PKEY *k, const uint8_t *em, size_t len, uint8_t *le)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    uint8_t ct[512];
    size_t n = sizeof ct;
    CH_CHECK(c && EVP_PKEY_encrypt_init(c) == 1 &&
                 EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) == 1 &&
                 EVP_PKEY_encrypt(c, ct, &n, em, len) == 1 && n == len,
             "raw RSA");
    for (size_t i = 0; i < n; i++)
        le[i] = ct[n - 1 - i];
    EVP_PKEY_CTX_free(c);
}

static void op_decrypt(const ch_fs_step *st, outcome *o)
{
    static const uint8_t msg[16] = "fuzz_session msg";
    static const uint8_t label[] = "fuzz_session label";
    unsigned idx = st->container;
    const vpiv_slot *s = container_key(idx);
    bool rsa = s && alg_type(s->alg) == KT_RSA;
    size_t k = rsa ? alg_bits(s->alg) / 8u : 128u, sz;
    uint8_t em[512] = {0}, ct[512] = {0};
    CARD_RSA_DECRYPT_INFO full, *di = &full;
    void *p;
    BCRYPT_OAEP_PADDING_INFO oaep;
    ktype t = idx < N_CONTAINERS ? container_type(idx) : KT_NONE;

    /* EM = 00 02 PS 00 msg (PS nonzero, fixed), or a type 1 block for the bad one. */
    em[1] = st->ct == CH_FS_CT_BAD ? 1 : 2;
    for (size_t i = 2; i < k - sizeof msg - 1; i++)
        em[i] = st->ct == CH_FS_CT_BAD ? 0xFF : (uint8_t)(1u + (i * 37u + 11u) % 255u);
    memcpy(em + k - sizeof msg, msg, sizeof msg);
    if (st->ct == CH_FS_CT_DATA) {
        if (st->data_len)
            memcpy(ct, st->data, st->data_len < k ? st->data_len : k);
    } else if (rsa && (st->ct == CH_FS_CT_OAEP256 || st->ct == CH_FS_CT_OAEP1)) {
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, s->key, NULL);
        const EVP_MD *md = st->ct == CH_FS_CT_OAEP1 ? EVP_sha1() : EVP_sha256();
        uint8_t be[512];
        size_t n = sizeof be;
        CH_CHECK(c && EVP_PKEY_encrypt_init(c) == 1 &&
                     EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) == 1 &&
                     EVP_PKEY_CTX_set_rsa_oaep_md(c, md) == 1 &&
                     EVP_PKEY_CTX_set_rsa_mgf1_md(c, md) == 1,
                 "OAEP");
        if (st->ct == CH_FS_CT_OAEP1) {
            void *l = OPENSSL_memdup(label, sizeof label - 1);
            CH_CHECK(l && EVP_PKEY_CTX_set0_rsa_oaep_label(c, l, (int)(sizeof label - 1)) == 1,
                     "OAEP label");
        }
        CH_CHECK(EVP_PKEY_encrypt(c, be, &n, msg, sizeof msg) == 1 && n == k, "OAEP encrypt");
        for (size_t i = 0; i < n; i++)
            ct[i] = be[n - 1 - i];
        EVP_PKEY_CTX_free(c);
    } else if (rsa) {
        rsa_raw_encrypt(s->key, em, k, ct);
    }
    sz = st->ct == CH_FS_CT_RAW ? offsetof(CARD_RSA_DECRYPT_INFO, pPaddingInfo)
                                : sizeof(CARD_RSA_DECRYPT_INFO);
    memset(di, 0, sizeof full);
    di->dwVersion = st->ct == CH_FS_CT_RAW ? CARD_RSA_KEY_DECRYPT_INFO_VERSION_ONE
                                           : CARD_RSA_KEY_DECRYPT_INFO_VERSION_TWO;
    di->bContainerIndex = (BYTE)idx;
    di->dwKeySpec = st->wrong_spec ? AT_ECDHE_P256 : AT_KEYEXCHANGE;
    di->pbData = dup_exact(ct, k);
    di->cbData = (DWORD)k;
    if (st->ct == CH_FS_CT_OAEP256 || st->ct == CH_FS_CT_OAEP1) {
        oaep.pszAlgId = st->ct == CH_FS_CT_OAEP1 ? (LPCWSTR)u"SHA1" : (LPCWSTR)u"SHA256";
        oaep.pbLabel = st->ct == CH_FS_CT_OAEP1 ? (PUCHAR)label : NULL;
        oaep.cbLabel = st->ct == CH_FS_CT_OAEP1 ? (ULONG)(sizeof label - 1) : 0u;
        di->pPaddingInfo = &oaep;
        di->dwPaddingType = CARD_PADDING_OAEP;
    } else if (st->ct != CH_FS_CT_RAW) {
        di->dwPaddingType = CARD_PADDING_PKCS1;
    }
    if (st->wrong_spec)
        predict(o, SCARD_E_INVALID_PARAMETER, "a keyspec that is not RSA");
    else
        predict_private(o, idx);
    if (!o->predicted && idx < N_CONTAINERS && !unsure(idx) && (t == KT_P256 || t == KT_P384))
        predict(o, SCARD_E_INVALID_PARAMETER, "an EC container");
    o->called = true;
    p = dup_exact((const uint8_t *)di, sz);
    o->rc = S.cd->pfnCardRSADecrypt(S.cd, (PCARD_RSA_DECRYPT_INFO)p);
    memcpy(di, p, sz);
    free(p);
    if (o->rc == SCARD_S_SUCCESS) {
        uint8_t want[512];
        CH_CHECK(rsa, "container %u decrypted without an RSA key", idx);
        CH_CHECK(st->ct != CH_FS_CT_BAD, "a block that is not PKCS#1 type 2 was accepted");
        if (st->ct == CH_FS_CT_RAW) {
            for (size_t i = 0; i < k; i++)
                want[i] = em[k - 1 - i];
            CH_CHECK(di->cbData == k && memcmp(di->pbData, want, k) == 0,
                     "container %u: the raw block decrypted wrong", idx);
        } else if (st->ct != CH_FS_CT_DATA) {
            for (size_t i = 0; i < sizeof msg; i++)
                want[i] = msg[sizeof msg - 1 - i];
            CH_CHECK(di->cbData == sizeof msg && memcmp(di->pbData, want, sizeof msg) == 0,
                     "container %u: decrypted %u bytes, not the message", idx, di->cbData);
        }
    } else if (o->rc == SCARD_E_INVALID_VALUE) {
        CH_CHECK(di->cbData == k && memcmp(di->pbData, ct, k) == 0,
                 "a bad block did not leave the ciphertext in pbData");
    }
    free(di->pbData);
}

static void op_ecdh(const ch_fs_step *st, outcome *o)
{
    static const uint8_t sha384_name[] = {'S', 0, 'H', 0, 'A', 0, '3', 0, '8', 0, '4', 0, 0, 0};
    unsigned idx = st->container;
    int pi = st->peer_p384 ? 1 : 0;
    const vpiv_slot *s = container_key(idx);
    CARD_DH_AGREEMENT_INFO ai;
    uint8_t *pub = dup_exact(peer_blob[pi], peer_blob_len[pi]);
    BYTE index;

    memset(&ai, 0, sizeof ai);
    ai.dwVersion = CARD_DH_AGREEMENT_INFO_VERSION;
    ai.bContainerIndex = (BYTE)idx;
    ai.dwPublicKey = (DWORD)peer_blob_len[pi];
    ai.pbPublicKey = pub;
    ai.bSecretAgreementIndex = 0xEE;
    o->agreements_full = S.agreements >= 8u;
    if (idx >= N_CONTAINERS)
        predict(o, SCARD_E_NO_KEY_CONTAINER, "index past the last container");
    else if (o->agreements_full)
        predict(o, SCARD_E_NO_MEMORY, "all eight agreements in use");
    else
        predict_private(o, idx);
    o->called = true;
    o->rc = S.cd->pfnCardConstructDHAgreement(S.cd, &ai);
    free(pub);
    if (o->rc != SCARD_S_SUCCESS) {
        CH_CHECK(ai.bSecretAgreementIndex == 0xEE, "a failed agreement wrote its index");
        return;
    }
    index = ai.bSecretAgreementIndex;
    CH_CHECK(index < 8u && s, "agreement index %u (container %u)", index, idx);
    S.agreements++;
    if (!version_at_least(CARD_DATA_VERSION_FIVE))
        return; /* v4: no CardDeriveKey, no CardDestroyDHAgreement */
    {
        BCryptBuffer buf = {sizeof sha384_name, KDF_HASH_ALGORITHM, (PVOID)sha384_name};
        BCryptBufferDesc desc = {BCRYPTBUFFER_VERSION, 1, &buf};
        size_t sz = offsetof(CARD_DERIVE_KEY, pwszAlgId);
        CARD_DERIVE_KEY full, *dk = &full;
        void *p;
        uint8_t z[48], h[48];
        size_t zlen = sizeof z;
        unsigned hlen = 0;
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, peers[pi], NULL);
        DWORD rc;

        memset(dk, 0, sizeof full);
        CH_CHECK(c && EVP_PKEY_derive_init(c) == 1 &&
                     EVP_PKEY_derive_set_peer(c, s->key) == 1 &&
                     EVP_PKEY_derive(c, z, &zlen) == 1 &&
                     EVP_Digest(z, zlen, h, &hlen, st->kdf_sha384 ? EVP_sha384() : EVP_sha1(),
                                NULL) == 1,
                 "the harness's own ECDH");
        EVP_PKEY_CTX_free(c);
        dk->dwVersion = CARD_DERIVE_KEY_VERSION;
        dk->pwszKDF = (LPWSTR)u"HASH";
        dk->bSecretAgreementIndex = index;
        dk->pParameterList = st->kdf_sha384 ? &desc : NULL;
        p = dup_exact((const uint8_t *)dk, sz);
        rc = S.cd->pfnCardDeriveKey(S.cd, (PCARD_DERIVE_KEY)p);
        memcpy(dk, p, sz);
        free(p);
        if (rc == SCARD_S_SUCCESS) {
            CH_CHECK(dk->pbDerivedKey && dk->cbDerivedKey == hlen &&
                         memcmp(dk->pbDerivedKey, h, hlen) == 0,
                     "container %u: CardDeriveKey is not H(Z) of the slot's key", idx);
            csp_free(dk->pbDerivedKey);
        }
        o->rc = rc;
    }
    if (!st->keep_agreement) {
        DWORD rc = S.cd->pfnCardDestroyDHAgreement(S.cd, index, 0);
        CH_CHECK(rc == SCARD_S_SUCCESS, "destroying agreement %u: %08X", index, rc);
        S.agreements--;
    }
}

/* ---- the card and the context ---- */

static void op_power(const ch_fs_step *st, outcome *o)
{
    bool removed = st->remove || (S.notice && S.notice_code == SCARD_W_REMOVED_CARD);
    vpiv_power(card, st->remove ? VPIV_POWER_OFF : VPIV_RESET);
    if (st->remove)
        card_link.powered_off = true; /* powered on again at the next exchange */
    S.notice = true;
    S.notice_code = removed ? SCARD_W_REMOVED_CARD : SCARD_W_RESET_CARD;
    S.unreported = true;
    o->pin = o->admin = 0;
}

/* CardDeleteContext, then CardAcquireContext on the same CARD_DATA and cache, retried (as a
 * CSP reconnects) while an injected failure refuses it. */
static void op_reacquire(const ch_fs_step *st, outcome *o)
{
    (void)st;
    o->called = true;
    csp_delete();
    for (int attempt = 0; attempt < 3; attempt++) {
        unsigned long count = ch_host_alloc_count();
        o->rc = acquire();
        if (o->rc == SCARD_S_SUCCESS)
            break;
        CH_CHECK((o->rc == SCARD_E_NO_MEMORY && S.alloc_fail_index > count &&
                  S.alloc_fail_index <= ch_host_alloc_count()) ||
                     (card_link.failures && o->rc == card_link.fail_code),
                 "CardAcquireContext: %08X without an injected failure", o->rc);
        CH_CHECK(ch_host_alloc_live() == 0, "a failed CardAcquireContext left %zu allocations",
                 ch_host_alloc_live());
    }
    if (o->rc == SCARD_S_SUCCESS) {
        o->pin = o->admin = 0; /* its SELECT ends every session */
        S.unreported = false;
        S.challenge_len = 0;
    }
    o->rc = SCARD_S_SUCCESS; /* the step's result: checked above, attempt by attempt */
}

static void op_auth_state(const ch_fs_step *st, outcome *o)
{
    PIN_SET set = 0xA5A5A5A5u;
    DWORD len = 0;
    (void)st;
    if (!version_at_least(CARD_DATA_VERSION_SIX))
        return;
    predict(o, SCARD_S_SUCCESS, "a property every card has");
    o->called = true;
    o->rc = S.cd->pfnCardGetProperty(S.cd, CP_CARD_AUTHENTICATED_STATE, (PBYTE)&set,
                                     sizeof set, &len, 0);
    if (o->rc != SCARD_S_SUCCESS)
        return;
    CH_CHECK(len == sizeof set && (set & ~(PIN_BITS | ADMIN_BIT)) == 0,
             "CP_CARD_AUTHENTICATED_STATE %08X of %u bytes", set, len);
    CH_CHECK((set & PIN_BITS) == (card->pin_verified ? PIN_BITS : 0u),
             "CP_CARD_AUTHENTICATED_STATE %08X, the card's PIN is %sverified", set,
             card->pin_verified ? "" : "not ");
    CH_CHECK(((set & ADMIN_BIT) != 0) == card->mgm_authenticated,
             "CP_CARD_AUTHENTICATED_STATE %08X, the card's management key is %sauthenticated",
             set, card->mgm_authenticated ? "" : "not ");
}

static void dispatch(const ch_fs_step *st, outcome *o)
{
    switch (st->op) {
    case CH_FS_AUTH_PIN: op_auth_pin(st, o); break;
    case CH_FS_ADMIN: op_admin(st, o); break;
    case CH_FS_DEAUTH: op_deauth(st, o); break;
    case CH_FS_CHANGE_PIN: op_change_pin(st, o); break;
    case CH_FS_KEYGEN: op_keygen(st, o); break;
    case CH_FS_IMPORT: op_import(st, o); break;
    case CH_FS_DELETE_CONTAINER: op_delete_container(st, o); break;
    case CH_FS_WRITE_CERT: op_write_cert(st, o); break;
    case CH_FS_WRITE_CMAP: op_write_cmap(st, o); break;
    case CH_FS_WRITE_CARDCF: op_write_cardcf(st, o); break;
    case CH_FS_DELETE_FILE: op_delete_file(st, o); break;
    case CH_FS_CREATE_FILE: op_create_file(st, o); break;
    case CH_FS_READ_FILE: op_read_file(st, o); break;
    case CH_FS_ENUM_INFO: op_enum_info(st, o); break;
    case CH_FS_CONTAINER_INFO: op_container_info(st, o); break;
    case CH_FS_SIGN: op_sign(st, o); break;
    case CH_FS_DECRYPT: op_decrypt(st, o); break;
    case CH_FS_ECDH: op_ecdh(st, o); break;
    case CH_FS_POWER: op_power(st, o); break;
    case CH_FS_REACQUIRE: op_reacquire(st, o); break;
    case CH_FS_AUTH_STATE: op_auth_state(st, o); break;
    case CH_FS_NOTHING:
    case CH_FS_OPS: break;
    }
}

/* ==== the invariants after a step ========================================================== */

static bool in_set(DWORD rc, const DWORD *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rc == set[i])
            return true;
    return false;
}

#define IN(rc, ...) in_set((rc), (const DWORD[]){__VA_ARGS__}, \
                           sizeof((const DWORD[]){__VA_ARGS__}) / sizeof(DWORD))

/* Invariant 5: the documented results of each op (docs/entry-points.md), on top of success. */
static bool documented(ch_fs_op op, DWORD rc)
{
    const DWORD S_ = SCARD_S_SUCCESS, INV = SCARD_E_INVALID_PARAMETER;
    switch (op) {
    case CH_FS_AUTH_PIN: return IN(rc, S_, INV, SCARD_W_WRONG_CHV, SCARD_W_CHV_BLOCKED);
    case CH_FS_ADMIN: return IN(rc, S_, INV, SCARD_W_WRONG_CHV);
    case CH_FS_DEAUTH: return IN(rc, S_, INV);
    case CH_FS_CHANGE_PIN:
        return IN(rc, S_, INV, SCARD_W_WRONG_CHV, SCARD_W_CHV_BLOCKED);
    case CH_FS_KEYGEN:
    case CH_FS_IMPORT:
        return IN(rc, S_, INV, SCARD_E_UNSUPPORTED_FEATURE, SCARD_E_NO_KEY_CONTAINER,
                  SCARD_W_SECURITY_VIOLATION);
    case CH_FS_DELETE_CONTAINER: return IN(rc, S_, SCARD_W_SECURITY_VIOLATION);
    case CH_FS_WRITE_CERT:
        return IN(rc, S_, INV, SCARD_W_SECURITY_VIOLATION, SCARD_E_WRITE_TOO_MANY,
                  SCARD_E_FILE_NOT_FOUND);
    case CH_FS_WRITE_CMAP:
    case CH_FS_WRITE_CARDCF:
        return IN(rc, S_, INV, SCARD_W_SECURITY_VIOLATION, SCARD_E_WRITE_TOO_MANY);
    case CH_FS_DELETE_FILE:
        return IN(rc, S_, SCARD_E_FILE_NOT_FOUND, SCARD_W_SECURITY_VIOLATION);
    case CH_FS_CREATE_FILE:
        return IN(rc, S_, ERROR_FILE_EXISTS, SCARD_E_UNSUPPORTED_FEATURE);
    case CH_FS_READ_FILE:
    case CH_FS_ENUM_INFO: return IN(rc, S_, SCARD_E_FILE_NOT_FOUND);
    case CH_FS_CONTAINER_INFO: return IN(rc, S_, SCARD_E_NO_KEY_CONTAINER);
    case CH_FS_SIGN:
        return IN(rc, S_, INV, SCARD_E_NO_KEY_CONTAINER, SCARD_W_SECURITY_VIOLATION);
    case CH_FS_DECRYPT:
        return IN(rc, S_, INV, SCARD_E_NO_KEY_CONTAINER, SCARD_W_SECURITY_VIOLATION,
                  SCARD_E_INVALID_VALUE, SCARD_E_INSUFFICIENT_BUFFER);
    case CH_FS_ECDH:
        return IN(rc, S_, INV, SCARD_E_NO_KEY_CONTAINER, SCARD_W_SECURITY_VIOLATION);
    default: return rc == S_;
    }
}

static bool transport_code(DWORD rc)
{
    return rc == SCARD_E_COMM_DATA_LOST || rc == SCARD_W_RESET_CARD ||
           rc == SCARD_W_REMOVED_CARD;
}

static void check_result(const ch_fs_step *st, const outcome *o, uint32_t tcode, bool afired,
                         unsigned n)
{
    const char *name = ch_fs_op_name(st->op);
    DWORD rc = o->rc;

    if (!o->called) {
        CH_CHECK(rc == SCARD_S_SUCCESS, "step %u %s: no call, result %08X", n, name, rc);
        return;
    }
    if (st->op == CH_FS_REACQUIRE)
        return; /* checked attempt by attempt */
    CH_CHECK(!transport_code(rc) || rc == tcode,
             "step %u %s: %08X, the link injected %08X", n, name, rc, tcode);
    CH_CHECK(!tcode || afired || rc == tcode,
             "step %u %s: the link failed an exchange with %08X, the call returned %08X", n,
             name, tcode, rc);
    CH_CHECK(rc != SCARD_E_NO_MEMORY || afired || (st->op == CH_FS_ECDH && o->agreements_full),
             "step %u %s: NO_MEMORY without the injected allocation failure", n, name);
    CH_CHECK(transport_code(rc) || rc == SCARD_E_NO_MEMORY || documented(st->op, rc),
             "step %u %s: %08X is not a documented result", n, name, rc);
    if (o->predicted && !tcode && !afired)
        CH_CHECK(rc == o->expect, "step %u %s: %08X, expected %08X (%s)", n, name, rc,
                 o->expect, o->why);
}

/* Invariant 2: the map and the certificates, read from the card. */
static void check_card_well_formed(void)
{
    mrec rec[N_CONTAINERS];
    card_map(rec);
    for (unsigned i = 0; i < N_CONTAINERS; i++) {
        uint8_t slot = fz_slot_of(i);
        const vpiv_slot *s = card_slot(slot);
        const uint8_t *der;
        size_t len = 0;
        if (S.taint & (1u << i))
            continue;
        der = card_cert(slot, &len);
        /* A record the module made names the key the slot holds. A slot without a key may
         * hold a certificate (the module takes one when the card cannot say which key it
         * certifies: docs/entry-points.md "Writes"), and the record then stands for it; a
         * record for a slot with neither is a container that does not exist. */
        if (rec[i].present && !(S.rec_csp & (1u << i))) {
            CH_CHECK(s->key || der, "container %u: a record the module made for slot %02X, "
                                    "which holds neither a key nor a certificate", i, slot);
            CH_CHECK(!s->key || (spec_type(rec[i].spec) == alg_type(s->alg) &&
                                 rec[i].bits == alg_bits(s->alg)),
                     "container %u: the record says keyspec %u, %u bits; slot %02X holds alg "
                     "%02X", i, rec[i].spec, rec[i].bits, slot, s->alg);
        }
        if (der && s->key) {
            EVP_PKEY *k = der_key(der, len);
            CH_CHECK(k && EVP_PKEY_eq(k, s->key) == 1,
                     "container %u: the certificate of slot %02X is not its key's", i, slot);
            EVP_PKEY_free(k);
        }
    }
}

static const char *step_name(const ch_fs_step *st)
{
    return ch_fs_op_name(st->op);
}

/* Invariant 3, then 2 when the card changed. */
static void check_card(const ch_fs_step *st, const outcome *o, bool faulted, unsigned n)
{
    const char *d = cstate_diff(&S.before, card, NULL), *d2;
    bool failed = o->rc != SCARD_S_SUCCESS;

    if (!d)
        return;
    if (!o->writes) {
        d2 = cstate_diff(&S.before, card, &o->may);
        CH_CHECK(d2 == NULL, "step %u %s (%08X), which writes nothing, changed %s", n,
                 step_name(st), o->rc, d2);
    } else if (failed && !(faulted && S.log.changed)) {
        allow tries = {.tries = true, .slot = -1, .tags = {0, 0, 0}};
        bool pin_error = (st->op == CH_FS_CHANGE_PIN || st->op == CH_FS_AUTH_PIN) &&
                         (o->rc == SCARD_W_WRONG_CHV || o->rc == SCARD_W_CHV_BLOCKED);
        d2 = cstate_diff(&S.before, card, pin_error ? &tries : NULL);
        CH_CHECK(d2 == NULL, "step %u %s failed with %08X and changed %s", n, step_name(st),
                 o->rc, d2);
    } else {
        d2 = cstate_diff(&S.before, card, &o->may);
        CH_CHECK(d2 == NULL, "step %u %s (%08X) changed %s, beyond what it writes", n,
                 step_name(st), o->rc, d2);
        if (failed) { /* the documented window: weaker invariants from here on */
            S.taint |= S.log.keyed;
            if (st->op == CH_FS_WRITE_CMAP && st->cmap == CH_FS_CMAP_DATA)
                S.rec_csp = (1u << N_CONTAINERS) - 1u;
        }
    }
    /* The caches follow cardcf: a change it did not announce leaves them serving the old
     * files until the next bump (with the CSP's cache callbacks; without, nothing is kept). */
    if (cardcf_changed()) {
        S.cache_stale = false;
    } else if (!(S.f->flags & CH_FS_F_NO_CACHE)) {
        allow secrets = {.secrets = true, .slot = -1, .tags = {0, 0, 0}};
        if (cstate_diff(&S.before, card, &secrets)) /* a file or key, not a PIN */
            S.cache_stale = true;
    }
    check_card_well_formed();
    cstate_free(&S.before);
    cstate_take(&S.before, card);
}

/* Invariant 4. pin0 / admin0: the card's sessions before the step; owed_select: the module
 * owed the card a SELECT when the step began (after a reset, or a deauthenticate whose SELECT
 * failed), which its first exchange sends and which ends every session. */
static void check_auth(const ch_fs_step *st, const outcome *o, bool faulted, bool pin0,
                       bool admin0, bool owed_select, unsigned n)
{
    ch_md_ctx *ctx = module_ctx();
    const char *name = step_name(st);

    if (ctx && !S.unreported && !S.notice) {
        CH_CHECK(((ctx->authenticated & ADMIN_BIT) != 0) == card->mgm_authenticated,
                 "step %u %s: the module's record says the management key is %s, the card's "
                 "is %s", n, name, (ctx->authenticated & ADMIN_BIT) ? "authenticated" : "not",
                 card->mgm_authenticated ? "authenticated" : "not");
        CH_CHECK(!(ctx->authenticated & PIN_BITS) || card->pin_verified,
                 "step %u %s: the module's record claims the PIN, the card has it not", n,
                 name);
    }
    if (faulted) {
        if (o->rc != SCARD_S_SUCCESS)
            CH_CHECK((!card->pin_verified || pin0) && (!card->mgm_authenticated || admin0),
                     "step %u %s failed (%08X) and a session began on the card", n, name,
                     o->rc);
        S.pin = card->pin_verified;
        S.admin = card->mgm_authenticated;
        return;
    }
    if (owed_select && S.log.reached)
        S.pin = S.admin = false;
    if (o->pin >= 0)
        S.pin = o->pin != 0;
    if (o->admin >= 0)
        S.admin = o->admin != 0;
    CH_CHECK(S.pin == card->pin_verified,
             "step %u %s (%08X): the PIN should %sbe verified", n, name, o->rc,
             S.pin ? "" : "not ");
    CH_CHECK(S.admin == card->mgm_authenticated,
             "step %u %s (%08X): the management key should %sbe authenticated", n, name, o->rc,
             S.admin ? "" : "not ");
}

static void run_step(const ch_fs_step *st, unsigned n)
{
    outcome o;
    size_t live = ch_host_alloc_live();
    unsigned long count = ch_host_alloc_count();
    bool pin0 = card->pin_verified, admin0 = card->mgm_authenticated, afired;
    bool owed_select;
    ch_md_ctx *ctx = module_ctx();
    uint32_t tcode;

    /* need_select, or desync: the module SELECTs first after an exchange broke off. */
    owed_select = ctx && (ctx->need_select || ctx->apdu.desync);
    memset(&o, 0, sizeof o);
    o.rc = SCARD_S_SUCCESS;
    o.may.slot = -1;
    o.pin = o.admin = -1;
    memset(&S.log, 0, sizeof S.log);
    can_predict = ctx && !owed_select && !S.notice && !S.fault_stuck && !S.cache_stale;
    plan_step();
    dispatch(st, &o);
    tcode = plan_done();
    afired = S.alloc_fail_index && count < S.alloc_fail_index &&
             S.alloc_fail_index <= ch_host_alloc_count();

    if (ch_trace_on()) { /* mdreplay show: the step, its result, its faults */
        char d[200];
        snprintf(d, sizeof d, "step %u a=%02X b=%02X%s apdus=%u reached the card=%u%s%s%s",
                 n + 1, st->container, st->variant, o.called ? "" : " (no call)",
                 card_link.exchanges,
                 S.log.reached, tcode ? " [transport fault]" : "",
                 afired ? " [allocation fault]" : "", S.log.changed ? " [card written]" : "");
        ch_trace_call(step_name(st), d, o.rc);
    }
    /* 1: nothing the step allocated is left (a new context is the one allocation expected) */
    if (st->op == CH_FS_REACQUIRE)
        live = S.live ? 1u : 0u;
    CH_CHECK(ch_host_alloc_live() == live, "step %u %s (%08X): %zu CSP allocations live, %zu "
                                           "before", n, step_name(st), o.rc,
             ch_host_alloc_live(), live);
    CH_CHECK(ch_host_alloc_errors() == 0, "step %u %s: %lu foreign or double frees", n,
             step_name(st), ch_host_alloc_errors());
    check_result(st, &o, tcode, afired, n);
    check_card(st, &o, tcode || afired, n);
    check_auth(st, &o, tcode || afired, pin0, admin0, owed_select, n);
}

/* ==== personalisation ====================================================================== */

static void init_call(DWORD rc, const char *what)
{
    CH_CHECK(rc == SCARD_S_SUCCESS, "personalisation: %s: %08X", what, rc);
}

static void personalise(void)
{
    static const uint8_t gen_9e[] = {0x00, 0x47, 0x00, 0x9E, 0x05, 0xAC,
                                     0x03, 0x80, 0x01, ALG_ECCP256};
    static ch_finding_session init;
    uint8_t blob[20 + 9 * 2048 / 16], ans[VPIV_MAX_RAPDU];
    PBYTE ch = NULL;
    DWORD n = 0;
    size_t len;
    const uint8_t *der;

    init.version = CARD_DATA_VERSION_SEVEN;
    S.f = &init;
    csp_open();
    /* The management key through the table: challenge, 3DES response. */
    init_call(S.cd->pfnCardGetChallenge(S.cd, &ch, &n), "CardGetChallenge");
    CH_CHECK(n == 8, "challenge of %u bytes", n);
    memcpy(S.challenge, ch, n);
    csp_free(ch);
    mgm_encrypt(S.challenge, 8, blob);
    init_call(S.cd->pfnCardAuthenticateChallenge(S.cd, blob, 8, NULL),
              "CardAuthenticateChallenge");
    /* 9A RSA-2048 imported, 9C P-256 generated, 9D RSA-1024 imported, 83 P-384 imported. */
    len = tkey_blob(&tkeys[CH_FS_KEY_RSA2048], false, blob);
    init_call(create_call(0, CARD_CREATE_CONTAINER_KEY_IMPORT, AT_KEYEXCHANGE, 0, blob, false),
              "import 9A");
    init_call(create_call(1, CARD_CREATE_CONTAINER_KEY_GEN, AT_ECDSA_P256, 0, NULL, false),
              "generate 9C");
    len = tkey_blob(&tkeys[CH_FS_KEY_RSA1024], false, blob);
    init_call(create_call(2, CARD_CREATE_CONTAINER_KEY_IMPORT, AT_KEYEXCHANGE, 0, blob, false),
              "import 9D");
    len = tkey_blob(&tkeys[CH_FS_KEY_P384], false, blob);
    init_call(create_call(5, CARD_CREATE_CONTAINER_KEY_IMPORT, AT_ECDHE_P384, 0, blob, false),
              "import 83");
    (void)len;
    /* Certificates: 9A plain, 9C large enough to be stored gzip-compressed. */
    der = cert_for(card_slot(0x9A)->key, false, &len);
    init_call(write_file("mscp", "kxc00", der, len), "kxc00");
    der = cert_for(card_slot(0x9C)->key, true, &len);
    init_call(write_file("mscp", "ksc01", der, len), "ksc01");
    csp_delete();
    ch_host_csp_free(&S.host);
    /* 9E: a key a personalisation tool put there (no record, no certificate: not shown). */
    CH_CHECK(card->mgm_authenticated, "the management key session ended");
    len = vpiv_process(card, gen_9e, sizeof gen_9e, ans);
    CH_CHECK(len >= 2 && ans[len - 2] == 0x90, "GENERATE 9E");
    vpiv_power(card, VPIV_RESET);
    memset(&S, 0, sizeof S);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const uint8_t ca_seed[32] = "fuzz_session CA Ed25519 seed...";
    const char *why = NULL;

    (void)argc, (void)argv;
    CH_CHECK(ch_counter_rand_install() == 1, "counter RAND");
    ch_counter_rand_seed(1);
    pinning = true;
    rsa_table_key(&tkeys[CH_FS_KEY_RSA1024], "RSA-1024 A", 1024);
    rsa_table_key(&tkeys[CH_FS_KEY_RSA2048], "RSA-2048", 2048);
    rsa_table_key(&tkeys[CH_FS_KEY_RSA1024_B], "RSA-1024 B", 1024);
    pinning = false;
    ec_table_key(&tkeys[CH_FS_KEY_P256], "cardhammer fuzz_session P-256 A", false);
    ec_table_key(&tkeys[CH_FS_KEY_P384], "cardhammer fuzz_session P-384", true);
    ec_table_key(&tkeys[CH_FS_KEY_P256_B], "cardhammer fuzz_session P-256 B", false);
    make_peer(0, false);
    make_peer(1, true);
    fz_label_digest(EVP_sha512(), "cardhammer fuzz_session hash", 0, hash_bytes);
    ca_key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, ca_seed, 32);
    CH_CHECK(ca_key != NULL, "CA key");

    for (int i = 0; i < 2; i++) {
        cards[i] = vpiv_new(NULL, &why);
        CH_CHECK(cards[i] != NULL, "vpiv_new: %s", why ? why : "?");
        vpiv_set_deterministic(cards[i], 1);
        vpiv_power(cards[i], VPIV_POWER_ON);
    }
    card = cards[CARD_PERSONALISED];
    ch_vpiv_link_init(&card_link, card);
    personalise();
    for (int i = 0; i < 2; i++) {
        card = cards[i];
        cstate_take(&refs[i], card);
        check_card_well_formed();
    }
    return 0;
}

/* ==== one input ============================================================================ */

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    ch_finding_session f;
    int which;

    ch_finding_session_decode(data, size, &f);
    memset(&S, 0, sizeof S);
    S.f = &f;
    which = (f.flags & CH_FS_F_EMPTY_CARD) ? CARD_EMPTY : CARD_PERSONALISED;
    card = cards[which];
    vpiv_power(card, VPIV_RESET);
    vpiv_set_deterministic(card, 1); /* the same challenges and keys for every input */
    ch_counter_rand_seed(1);
    ch_vpiv_link_init(&card_link, card);
    card_link.observe = observe;
    cstate_take(&S.before, card);
    csp_open();
    S.pin = S.admin = false;
    if (f.alloc_fail_at) {
        ch_host_alloc_fail_at(f.alloc_fail_at);
        S.alloc_fail_index = ch_host_alloc_count() + f.alloc_fail_at;
    }
    for (unsigned i = 0; i < f.n_steps && S.live; i++) {
        ch_fs_step st;
        ch_fs_resolve(&f.steps[i], &st);
        run_step(&st, i);
    }
    if (S.live)
        csp_delete();
    ch_host_csp_free(&S.host);
    cstate_free(&S.before);
    if (cstate_diff(&refs[which], card, NULL))
        cstate_restore(&refs[which], card);
    /* OpenSSL's error queue keeps what a refused key or certificate pushed: emptied here, so
     * that an input frees what it allocated (libFuzzer runs LeakSanitizer on an input that
     * did not, which costs more than the input). */
    ERR_clear_error();
    return 0;
}
