/* fuzz_vpiv: the virtual PIV card (src/vpiv) driven with raw C-APDUs and power events, or
 * fed a state file image. The card lives in memory (vpiv_new(NULL, ...)) and is
 * deterministic (vpiv_set_deterministic with the input's seed; OpenSSL's own RAND, used for
 * ECDSA nonces, RSA blinding and prime tests, is a counter too: see fuzz_rand below), so an
 * input always replays the same way and no file is touched.
 *
 * Beyond crashes and leaks it checks, after every command:
 *  - the answer is 2..VPIV_MAX_RAPDU bytes, SW1 is 61..6F or 90..9F, an answer with data ends
 *    9000 or 61xx, 61xx announces exactly what GET RESPONSE will find;
 *  - chaining and GET RESPONSE state stays within its buffers; a power event or a SELECT ends
 *    the security session;
 *  - PIN / PUK counters stay in 0..max_tries <= 15, drop by one only with a 63Cx of the right
 *    command, rise only with a 9000 of a command that may reset them; a blocked PIN never
 *    verifies; the PIN becomes verified only through VERIFY / CHANGE REFERENCE 80 answering
 *    9000, the management key only through GENERAL AUTHENTICATE 9B;
 *  - the persistent state stays well formed (objects, key slots, management key).
 * A state file image must load into a card that passes the same checks (and answers GET
 * METADATA / GET DATA for what it loaded), or be refused with a reason, the card untouched.
 * Input layout: fuzz/finding.h, docs/fuzzing.md ("fuzz_vpiv layout"). */
#include <limits.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "counter_rand.h"
#include "finding.h"
#include "fuzz_check.h"
#include "vpiv.h"
#include "vpiv_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* ---- OpenSSL's DRBGs replaced by a counter (fuzz/counter_rand.h): vpiv draws its own random
 * bytes from vpiv_set_deterministic's counter, but libcrypto still asks its DRBG for ECDSA
 * nonces, RSA blinding and Miller-Rabin witnesses. The counter restarts from the input's seed
 * at every input. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (!ch_counter_rand_install()) {
        fprintf(stderr, "fuzz_vpiv: cannot install the deterministic OpenSSL RAND\n");
        abort();
    }
    return 0;
}

/* ---- invariants ---- */

static const uint8_t select_piv[] = {0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00, 0x03,
                                     0x08, 0x00, 0x00, 0x10, 0x00, 0x00};
static const uint8_t apt_ok[] = {0x61, 0x11, 0x4F, 0x06, 0x00, 0x00, 0x10, 0x00, 0x01,
                                 0x00, 0x79, 0x07, 0x4F, 0x05, 0xA0, 0x00, 0x00, 0x03,
                                 0x08, 0x90, 0x00};
static const uint8_t slot_refs[VPIV_N_SLOTS] = {0x9A, 0x9C, 0x9D, 0x9E, 0x82, 0x83, 0x84,
                                               0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B,
                                               0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x91, 0x92,
                                               0x93, 0x94, 0x95, 0xF9};

static void check_secret(const vpiv_secret *s, const char *what)
{
    size_t n = 0;
    CH_CHECK(s->max_tries >= 1 && s->max_tries <= 15, "%s max_tries %u", what, s->max_tries);
    CH_CHECK(s->tries_left <= s->max_tries, "%s tries_left %u > max_tries %u", what,
             s->tries_left, s->max_tries);
    /* 6..8 printable bytes, then FF padding: what VERIFY / CHANGE REFERENCE accept */
    while (n < 8 && s->value[n] != 0xFF) {
        CH_CHECK(s->value[n] >= 0x20 && s->value[n] <= 0x7E, "%s byte %zu not printable", what,
                 n);
        n++;
    }
    CH_CHECK(n >= 6, "%s of %zu bytes", what, n);
    for (; n < 8; n++)
        CH_CHECK(s->value[n] == 0xFF, "%s padding byte %zu", what, n);
}

static size_t mgm_block(uint8_t alg)
{
    switch (alg) {
    case ALG_3DES:
        return 8;
    case ALG_AES128:
    case ALG_AES192:
    case ALG_AES256:
        return 16;
    default:
        return 0;
    }
}

static bool object_tag_ok(uint32_t tag)
{
    return tag == 0x7F61u || (tag >= 0x5FC101u && tag <= 0x5FC123u) ||
           (tag >= 0x5FFF00u && tag <= 0x5FFF15u);
}

/* The card's state, whatever happened before. */
static void check_card(const vpiv_card *card)
{
    check_secret(&card->pin, "PIN");
    check_secret(&card->puk, "PUK");
    CH_CHECK(card->pin.tries_left || (!card->pin_verified && !card->pin_always_ok),
             "blocked PIN counts as verified");
    CH_CHECK(!card->pin_always_ok || card->pin_verified, "PIN-always credit without a PIN");
    CH_CHECK(mgm_block(card->mgm_alg) != 0, "management key algorithm %02X", card->mgm_alg);
    CH_CHECK(card->mgm_touch <= 3, "management key touch policy %u", card->mgm_touch);
    CH_CHECK(card->mgm_pending == 0 || card->mgm_pending == 0x80 || card->mgm_pending == 0x81,
             "mgm_pending %02X", card->mgm_pending);
    CH_CHECK(card->mgm_challenge_len <= sizeof card->mgm_challenge, "mgm_challenge_len %u",
             card->mgm_challenge_len);
    CH_CHECK(!card->mgm_pending || card->mgm_challenge_len == mgm_block(card->mgm_alg),
             "pending 9B exchange with a %u-byte challenge", card->mgm_challenge_len);

    CH_CHECK(card->cmd_len <= VPIV_MAX_COMMAND, "cmd_len %zu", card->cmd_len);
    CH_CHECK(card->chaining || card->cmd_len == 0, "%zu command bytes kept without a chain",
             card->cmd_len);
    CH_CHECK(card->resp_off <= card->resp_len && card->resp_len <= VPIV_MAX_RESPONSE,
             "resp_off %zu resp_len %zu", card->resp_off, card->resp_len);
    CH_CHECK(card->resp_len == 0 || card->resp_off < card->resp_len,
             "an answer fully sent is still pending");

    CH_CHECK(card->n_objects <= VPIV_MAX_OBJECTS, "%zu objects", card->n_objects);
    for (size_t i = 0; i < card->n_objects; i++) {
        const vpiv_object *o = &card->objects[i];
        CH_CHECK(object_tag_ok(o->tag), "object %zu tag %06X", i, (unsigned)o->tag);
        CH_CHECK(o->len >= 1 && o->len <= VPIV_MAX_OBJECT && o->data, "object %06X of %zu bytes",
                 (unsigned)o->tag, o->len);
        for (size_t j = 0; j < i; j++)
            CH_CHECK(card->objects[j].tag != o->tag, "object %06X stored twice",
                     (unsigned)o->tag);
    }
    for (size_t i = card->n_objects; i < VPIV_MAX_OBJECTS; i++)
        CH_CHECK(card->objects[i].data == NULL, "object table entry %zu beyond the count", i);

    for (size_t i = 0; i < VPIV_N_SLOTS; i++) {
        const vpiv_slot *s = &card->slots[i];
        CH_CHECK(s->ref == slot_refs[i], "slot %zu has reference %02X", i, s->ref);
        CH_CHECK((s->alg == 0) == (s->key == NULL), "slot %02X: alg %02X, key %p", s->ref,
                 s->alg, (void *)s->key);
        if (s->key)
            CH_CHECK(s->pin_policy >= 1 && s->pin_policy <= 3 && s->touch_policy >= 1 &&
                         s->touch_policy <= 3 &&
                         (s->origin == ORIGIN_GENERATED || s->origin == ORIGIN_IMPORTED),
                     "slot %02X: policies %u/%u origin %u", s->ref, s->pin_policy,
                     s->touch_policy, s->origin);
    }
}

/* The part of the state a single command may change, taken before it. */
typedef struct {
    bool selected, pin_verified, pin_always_ok, mgm_authenticated;
    uint8_t pin_tries, pin_max, puk_tries, puk_max;
} before_t;

static void take_before(const vpiv_card *card, before_t *b)
{
    b->selected = card->selected;
    b->pin_verified = card->pin_verified;
    b->pin_always_ok = card->pin_always_ok;
    b->mgm_authenticated = card->mgm_authenticated;
    b->pin_tries = card->pin.tries_left;
    b->pin_max = card->pin.max_tries;
    b->puk_tries = card->puk.tries_left;
    b->puk_max = card->puk.max_tries;
}

/* One answer, against the command that caused it and the state before it. */
static void check_answer(const vpiv_card *card, const before_t *b, const uint8_t *capdu,
                         size_t n, const uint8_t *ans, size_t len)
{
    uint8_t cla, ins, p1, p2, sw1, sw2;
    uint16_t sw;
    bool final, ok;

    CH_CHECK(len >= 2 && len <= VPIV_MAX_RAPDU, "answer of %zu bytes", len);
    sw1 = ans[len - 2], sw2 = ans[len - 1];
    sw = (uint16_t)(sw1 << 8 | sw2);
    CH_CHECK((sw1 >= 0x61 && sw1 <= 0x6F) || (sw1 >= 0x90 && sw1 <= 0x9F), "SW %04X", sw);
    CH_CHECK(len == 2 || sw == 0x9000 || sw1 == 0x61, "%zu data bytes with SW %04X", len - 2,
             sw);
    if (sw1 == 0x61) {
        size_t left = card->resp_len - card->resp_off;
        CH_CHECK(left > 0, "61%02X with nothing pending", sw2);
        CH_CHECK(sw2 == (left > 0xFF ? 0 : left), "61%02X but %zu bytes pending", sw2, left);
    } else if (len > 2) {
        CH_CHECK(card->resp_len == 0, "9000 with %zu bytes still pending", card->resp_len);
    }
    if (n < 4) {
        CH_CHECK(sw == 0x6700, "a %zu-byte command answered %04X", n, sw);
        CH_CHECK(card->selected == b->selected && card->pin_verified == b->pin_verified &&
                     card->mgm_authenticated == b->mgm_authenticated,
                 "a %zu-byte command changed the session", n);
        return;
    }
    cla = capdu[0], ins = capdu[1], p1 = capdu[2], p2 = capdu[3];
    final = (cla & 0x10) == 0; /* only the last block of a chain runs the command */
    ok = sw == 0x9000 || sw1 == 0x61;

    /* Who may open a session. */
    if (card->pin_verified && !b->pin_verified)
        CH_CHECK(final && (ins == 0x20 || ins == 0x24) && p2 == 0x80 && sw == 0x9000,
                 "%02X %02X %02X answering %04X verified the PIN", ins, p1, p2, sw);
    if (card->pin_always_ok && !b->pin_always_ok)
        CH_CHECK(final && ins == 0x20 && p1 == 0x00 && sw == 0x9000,
                 "%02X %02X %02X answering %04X gave a PIN-always credit", ins, p1, p2, sw);
    if (card->mgm_authenticated && !b->mgm_authenticated)
        CH_CHECK(final && ins == 0x87 && p2 == 0x9B && ok,
                 "%02X %02X %02X answering %04X authenticated the management key", ins, p1, p2,
                 sw);
    if (card->selected && !b->selected)
        CH_CHECK(final && ins == 0xA4 && ok, "%02X answering %04X selected PIV", ins, sw);
    if (final && ins == 0xA4 && ok)
        CH_CHECK(card->selected && !card->pin_verified && !card->mgm_authenticated &&
                     !card->mgm_pending,
                 "SELECT kept the security session");
    if (!b->selected && !(final && ins == 0xA4))
        CH_CHECK(card->pin.tries_left == b->pin_tries && card->puk.tries_left == b->puk_tries &&
                     !(card->pin_verified && !b->pin_verified) &&
                     !(card->mgm_authenticated && !b->mgm_authenticated),
                 "%02X answering %04X before SELECT changed the card", ins, sw);

    /* A blocked PIN never verifies. */
    if (b->pin_tries == 0 && final && ins == 0x20 && p1 != 0xFF)
        CH_CHECK(sw != 0x9000 && !card->pin_verified, "blocked PIN: VERIFY answered %04X", sw);

    /* Counters: one try less only with the 63Cx of that secret's command; more tries only
     * with a 9000 of a command that resets them (SET PIN RETRIES may also set fewer). */
    bool set_retries = final && ins == 0xFA && sw == 0x9000;
    bool reset = final && ins == 0xFB && sw == 0x9000;
    if (card->pin.max_tries != b->pin_max || card->puk.max_tries != b->puk_max)
        CH_CHECK(set_retries || reset, "%02X answering %04X changed max_tries", ins, sw);
    if (card->pin.tries_left < b->pin_tries && !set_retries)
        CH_CHECK(card->pin.tries_left == b->pin_tries - 1 &&
                     sw == (0x63C0 | card->pin.tries_left) && final && p2 == 0x80 &&
                     (ins == 0x20 || ins == 0x24) && !card->pin_verified,
                 "PIN tries %u -> %u by %02X %02X %02X answering %04X", b->pin_tries,
                 card->pin.tries_left, ins, p1, p2, sw);
    if (card->pin.tries_left > b->pin_tries)
        CH_CHECK(sw == 0x9000 && final &&
                     (ins == 0x20 || ins == 0x24 || ins == 0x2C || ins == 0xFA || ins == 0xFB),
                 "PIN tries %u -> %u by %02X answering %04X", b->pin_tries,
                 card->pin.tries_left, ins, sw);
    if (card->puk.tries_left < b->puk_tries && !set_retries)
        CH_CHECK(card->puk.tries_left == b->puk_tries - 1 &&
                     sw == (0x63C0 | card->puk.tries_left) && final &&
                     ((ins == 0x24 && p2 == 0x81) || ins == 0x2C),
                 "PUK tries %u -> %u by %02X %02X %02X answering %04X", b->puk_tries,
                 card->puk.tries_left, ins, p1, p2, sw);
    if (card->puk.tries_left > b->puk_tries)
        CH_CHECK(sw == 0x9000 && final &&
                     ((ins == 0x24 && p2 == 0x81) || ins == 0x2C || ins == 0xFA || ins == 0xFB),
                 "PUK tries %u -> %u by %02X answering %04X", b->puk_tries,
                 card->puk.tries_left, ins, sw);
    /* 63Cx comes from the PIN commands only and reports the counter it is about. */
    if (sw1 == 0x63) {
        CH_CHECK((sw2 & 0xF0) == 0xC0 && final && (ins == 0x20 || ins == 0x24 || ins == 0x2C),
                 "%02X answered %04X", ins, sw);
        uint8_t tries = (ins == 0x20 || (ins == 0x24 && p2 == 0x80)) ? card->pin.tries_left
                                                                     : card->puk.tries_left;
        CH_CHECK((sw2 & 0x0F) == tries, "%02X answered %04X with %u tries left", ins, sw, tries);
    }
}

/* One C-APDU through vpiv_process, checked. rapdu holds exactly VPIV_MAX_RAPDU bytes. */
static size_t transmit(vpiv_card *card, const uint8_t *capdu, size_t n, uint8_t *rapdu)
{
    before_t b;
    size_t len;

    take_before(card, &b);
    len = vpiv_process(card, capdu, n, rapdu);
    check_answer(card, &b, capdu, n, rapdu, len);
    check_card(card);
    return len;
}

static void power(vpiv_card *card, int event)
{
    before_t b;

    take_before(card, &b);
    vpiv_power(card, event);
    CH_CHECK(!card->selected && !card->pin_verified && !card->pin_always_ok &&
                 !card->mgm_authenticated && !card->mgm_pending && !card->chaining &&
                 card->cmd_len == 0 && card->resp_len == 0,
             "power event %d left volatile state", event);
    CH_CHECK(card->pin.tries_left == b.pin_tries && card->puk.tries_left == b.puk_tries,
             "power event %d changed a counter", event);
    check_card(card);
}

/* A whole command as a client sends it: chained in blocks of 255, the answer collected with
 * GET RESPONSE. Returns the final SW; *out_len data bytes in out (at most cap kept). */
static uint16_t command(vpiv_card *card, uint8_t ins, uint8_t p1, uint8_t p2,
                        const uint8_t *data, size_t n, uint8_t *out, size_t cap,
                        size_t *out_len, uint8_t *rapdu)
{
    uint8_t apdu[5 + 255 + 1];
    size_t off = 0, len, alen;
    uint16_t sw;

    *out_len = 0;
    do {
        size_t chunk = n - off > 255 ? 255 : n - off;
        len = 0;
        apdu[len++] = (uint8_t)(n - off > 255 ? 0x10 : 0x00);
        apdu[len++] = ins, apdu[len++] = p1, apdu[len++] = p2;
        if (chunk) {
            apdu[len++] = (uint8_t)chunk;
            memcpy(apdu + len, data + off, chunk);
            len += chunk;
        }
        off += chunk;
        if (off == n)
            apdu[len++] = 0x00;
        alen = transmit(card, apdu, len, rapdu);
        sw = (uint16_t)(rapdu[alen - 2] << 8 | rapdu[alen - 1]);
        if (off < n && sw != 0x9000)
            return sw;
    } while (off < n);
    for (unsigned rounds = 0;; rounds++) {
        size_t d = alen - 2;
        if (d && *out_len < cap) {
            size_t keep = d < cap - *out_len ? d : cap - *out_len;
            memcpy(out + *out_len, rapdu, keep);
            *out_len += keep;
        }
        if ((sw >> 8) != 0x61)
            return sw;
        CH_CHECK(rounds < VPIV_MAX_RESPONSE / 256 + 1, "61xx does not end");
        static const uint8_t get_response[] = {0x00, 0xC0, 0x00, 0x00, 0x00};
        alen = transmit(card, get_response, sizeof get_response, rapdu);
        sw = (uint16_t)(rapdu[alen - 2] << 8 | rapdu[alen - 1]);
    }
}

/* ---- mode 0: an APDU session ---- */

static void session(const ch_finding_vpiv *f, uint8_t *rapdu)
{
    const char *why = NULL;
    vpiv_card *card = vpiv_new(NULL, &why);
    ch_finding_vpiv_step step;
    ch_cur entries = f->entries;
    unsigned generates = 0;

    CH_CHECK(card != NULL, "vpiv_new: %s", why ? why : "?");
    vpiv_set_deterministic(card, f->seed);
    check_card(card);
    if (f->pre & CH_FV_PRE_SELECT) {
        size_t len = transmit(card, select_piv, sizeof select_piv, rapdu);
        CH_CHECK(len == sizeof apt_ok && memcmp(rapdu, apt_ok, len) == 0, "SELECT PIV refused");
    }
    /* Past the authentications a fuzzer cannot solve (3DES, the PIN is guessable though). */
    if (f->pre & CH_FV_PRE_MGM)
        card->mgm_authenticated = true;
    if (f->pre & CH_FV_PRE_PIN)
        card->pin_verified = card->pin_always_ok = true;
    check_card(card);

    while (ch_finding_vpiv_next(&entries, &step)) {
        if (step.power) {
            power(card, step.event);
            continue;
        }
        /* An RSA-4096 key pair costs about half a second: the session ends at the
         * (CH_FV_MAX_GENERATE + 1)-th GENERATE, so an input stays a fraction of a second. */
        if (step.capdu_len >= 4 && !(step.capdu[0] & 0x10) && step.capdu[1] == 0x47 &&
            ++generates > CH_FV_MAX_GENERATE)
            break;
        (void)transmit(card, step.capdu, step.capdu_len, rapdu);
    }
    vpiv_free(card); /* LeakSanitizer: keys and objects are all freed */
}

/* ---- mode 1: a state file image ---- */

/* The persistent state of a fresh card, which a refused image must leave as it was. */
static void check_untouched(const vpiv_card *card, const vpiv_card *fresh)
{
    CH_CHECK(memcmp(&card->pin, &fresh->pin, sizeof card->pin) == 0 &&
                 memcmp(&card->puk, &fresh->puk, sizeof card->puk) == 0 &&
                 card->mgm_alg == fresh->mgm_alg &&
                 memcmp(card->mgm_key, fresh->mgm_key, sizeof card->mgm_key) == 0 &&
                 card->mgm_default == fresh->mgm_default && card->serial == fresh->serial &&
                 card->n_objects == 0,
             "a refused state file changed the card");
    for (size_t i = 0; i < VPIV_N_SLOTS; i++)
        CH_CHECK(card->slots[i].alg == 0 && card->slots[i].key == NULL,
                 "a refused state file left a key in slot %02X", card->slots[i].ref);
}

/* What was loaded answers as loaded: counters, objects; every key can be described and
 * used once. */
static void probe(vpiv_card *card, uint8_t *rapdu)
{
    static uint8_t out[VPIV_MAX_RESPONSE];
    uint8_t data[16 + 512];
    size_t len, k;
    uint16_t sw;

    len = transmit(card, select_piv, sizeof select_piv, rapdu);
    CH_CHECK(len == sizeof apt_ok && memcmp(rapdu, apt_ok, len) == 0, "SELECT PIV refused");
    for (int which = 0; which < 2; which++) {
        const vpiv_secret *s = which ? &card->puk : &card->pin;
        sw = command(card, 0xF7, 0x00, (uint8_t)(0x80 + which), NULL, 0, out, sizeof out, &len,
                     rapdu);
        CH_CHECK(sw == 0x9000 && len >= 4 && out[len - 4] == 0x06 && out[len - 3] == 0x02 &&
                     out[len - 2] == s->max_tries && out[len - 1] == s->tries_left,
                 "GET METADATA %02X does not report the loaded counters", 0x80 + which);
    }
    sw = command(card, 0xF7, 0x00, 0x9B, NULL, 0, out, sizeof out, &len, rapdu);
    CH_CHECK(sw == 0x9000 && len >= 3 && out[2] == card->mgm_alg,
             "GET METADATA 9B does not report the loaded algorithm");
    for (size_t i = 0; i < card->n_objects; i++) {
        uint32_t tag = card->objects[i].tag;
        size_t tl = tag > 0xFFFF ? 3 : 2, dl = 0;
        data[dl++] = 0x5C, data[dl++] = (uint8_t)tl;
        if (tl == 3)
            data[dl++] = (uint8_t)(tag >> 16);
        data[dl++] = (uint8_t)(tag >> 8), data[dl++] = (uint8_t)tag;
        card->pin_verified = true; /* PIN-protected objects too */
        sw = command(card, 0xCB, 0x3F, 0xFF, data, dl, out, sizeof out, &len, rapdu);
        CH_CHECK(sw == 0x9000 && len > card->objects[i].len &&
                     memcmp(out + len - card->objects[i].len, card->objects[i].data,
                            card->objects[i].len) == 0,
                 "GET DATA %06X does not answer the loaded object", (unsigned)tag);
    }
    for (size_t i = 0; i < VPIV_N_SLOTS; i++) {
        const vpiv_slot *s = &card->slots[i];
        if (!s->key)
            continue;
        sw = command(card, 0xF7, 0x00, s->ref, NULL, 0, out, sizeof out, &len, rapdu);
        CH_CHECK(sw == 0x9000 || sw == 0x6F00, "GET METADATA %02X answered %04X", s->ref, sw);
        if (s->ref == 0xF9)
            continue; /* signs attestations only */
        /* 7C { 82 00, 81 challenge }: an RSA block of the modulus size below n, or a hash */
        k = s->alg == ALG_ECCP256 ? 32 : s->alg == ALG_ECCP384 ? 48 : 0;
        if (!k) {
            k = s->alg == ALG_RSA1024 ? 128 : s->alg == ALG_RSA2048 ? 256 :
                s->alg == ALG_RSA3072 ? 384 : 512;
        }
        size_t dl = 0, inner = 2 + (k < 0x80 ? 2 : k <= 0xFF ? 3 : 4) + k;
        data[dl++] = 0x7C;
        if (inner > 0xFF)
            data[dl++] = 0x82, data[dl++] = (uint8_t)(inner >> 8);
        else if (inner >= 0x80)
            data[dl++] = 0x81;
        data[dl++] = (uint8_t)inner;
        data[dl++] = 0x82, data[dl++] = 0x00, data[dl++] = 0x81;
        if (k > 0xFF)
            data[dl++] = 0x82, data[dl++] = (uint8_t)(k >> 8);
        else if (k >= 0x80)
            data[dl++] = 0x81;
        data[dl++] = (uint8_t)k;
        for (size_t j = 0; j < k; j++)
            data[dl++] = (uint8_t)(j == 0 ? 0x00 : j);
        card->pin_verified = card->pin_always_ok = true;
        sw = command(card, 0x87, s->alg, s->ref, data, dl, out, sizeof out, &len, rapdu);
        CH_CHECK(sw == 0x9000 || sw == 0x6A80, "signing with loaded slot %02X answered %04X",
                 s->ref, sw);
    }
}

static void state_file(const ch_finding_vpiv *f, uint8_t *rapdu)
{
    const char *why = NULL;
    vpiv_card *card = vpiv_new(NULL, &why), *fresh = vpiv_new(NULL, &why);
    bool ok;

    CH_CHECK(card != NULL && fresh != NULL, "vpiv_new: %s", why ? why : "?");
    vpiv_set_deterministic(card, f->seed);
    why = NULL;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    if (f->mode & CH_FV_MODE_SEAL)
        ok = vpiv_state_parse(card, f->image, f->image_len, &why);
    else
        ok = vpiv_state_parse_unsealed(card, f->image, f->image_len, &why);
#else
    /* Builds without the fuzz-only entry point (standalone corpus runner): an unsealed image
     * is sealed here instead, so a finding takes the same path through the records. */
    if (f->mode & CH_FV_MODE_SEAL) {
        ok = vpiv_state_parse(card, f->image, f->image_len, &why);
    } else {
        uint8_t *img = malloc(f->image_len ? f->image_len : 1);
        size_t n = f->image_len;
        unsigned hlen = 0;
        CH_CHECK(img != NULL, "out of memory");
        if (n)
            memcpy(img, f->image, n);
        /* "VPIV" u16 ... FF 00000020 <32 bytes>: re-compute the seal over what precedes it */
        if (n >= 6 + 37 && img[n - 37] == 0xFF && img[n - 36] == 0 && img[n - 35] == 0 &&
            img[n - 34] == 0 && img[n - 33] == 32)
            CH_CHECK(EVP_Digest(img, n - 37, img + n - 32, &hlen, EVP_sha256(), NULL) == 1 &&
                         hlen == 32,
                     "SHA-256");
        ok = vpiv_state_parse(card, img, n, &why);
        free(img);
    }
#endif
    if (!ok) {
        CH_CHECK(why != NULL && why[0] != '\0', "a refused state file without a reason");
        check_untouched(card, fresh);
        check_card(card);
    } else {
        check_card(card);
        probe(card, rapdu);
    }
    vpiv_free(fresh);
    vpiv_free(card);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    ch_finding_vpiv f;
    uint8_t *rapdu = malloc(VPIV_MAX_RAPDU); /* exactly: ASan sees any write past it */

    CH_CHECK(rapdu != NULL, "out of memory");
    ch_finding_vpiv_decode(data, size, &f);
    ch_counter_rand_seed(f.seed ^ 0x5DEECE66Dull);
    if (f.mode & CH_FV_MODE_STATE)
        state_file(&f, rapdu);
    else
        session(&f, rapdu);
    free(rapdu);
    return 0;
}
