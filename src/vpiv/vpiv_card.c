#define _POSIX_C_SOURCE 200809L /* strdup */
/* vpiv dispatcher: APDU framing (short APDUs, command chaining in, 61xx chaining out),
 * SELECT, and the table of handlers. Handlers live in one file per command family. */
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "vpiv_internal.h"
#include "wipe.h"

static const uint8_t piv_aid[] = {0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00};
/* 61 { 4F PIX, 79 { 4F RID } }, as a YubiKey 5 answers SELECT. */
static const uint8_t apt[] = {0x61, 0x11, 0x4F, 0x06, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00,
                              0x79, 0x07, 0x4F, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08};
static const uint8_t atr[] = {0x3B, 0xFD, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x15, 0x80, 0x73, 0xC0,
                              0x21, 0xC0, 0x57, 0x59, 0x75, 0x62, 0x69, 0x4B, 0x65, 0x79, 0x40};

static const uint8_t slot_refs[VPIV_N_SLOTS] = {0x9A, 0x9C, 0x9D, 0x9E, 0x82, 0x83, 0x84,
                                               0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B,
                                               0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x91, 0x92,
                                               0x93, 0x94, 0x95, 0xF9};

const uint8_t *vpiv_atr(size_t *len)
{
    *len = sizeof atr;
    return atr;
}

vpiv_slot *vpiv_slot_find(vpiv_card *card, uint8_t ref)
{
    for (size_t i = 0; i < VPIV_N_SLOTS; i++)
        if (card->slots[i].ref == ref)
            return &card->slots[i];
    return NULL;
}

/* splitmix64: reproducible, not secret. Its arithmetic wraps modulo 2^64 by design, which
 * the build's unsigned-overflow sanitizer (there to catch length bugs) must not report. */
#if defined(__clang__)
__attribute__((no_sanitize("unsigned-integer-overflow")))
#endif
static uint8_t splitmix_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint8_t)(z ^ (z >> 31));
}

void vpiv_random(vpiv_card *card, uint8_t *out, size_t n)
{
    if (!card->deterministic) {
        if (n <= 0x7FFFFFFF && RAND_bytes(out, (int)n) == 1)
            return;
        abort(); /* a card without randomness must not pretend to have it */
    }
    for (size_t i = 0; i < n; i++)
        out[i] = splitmix_next(&card->rng_state);
}

void vpiv_set_deterministic(vpiv_card *card, uint64_t seed)
{
    card->deterministic = true;
    card->rng_state = seed;
}

void vpiv_volatile_reset(vpiv_card *card)
{
    card->selected = false;
    card->pin_verified = false;
    card->pin_always_ok = false;
    card->mgm_authenticated = false;
    card->mgm_pending = 0;
    ch_wipe(card->mgm_challenge, sizeof card->mgm_challenge);
    card->mgm_challenge_len = 0;
    ch_wipe(card->cmd_buf, card->cmd_len);
    card->cmd_len = 0;
    card->chaining = false;
    ch_wipe(card->resp_buf, card->resp_len);
    card->resp_len = card->resp_off = 0;
}

static void free_keys_and_objects(vpiv_card *card)
{
    for (size_t i = 0; i < VPIV_N_SLOTS; i++) {
        EVP_PKEY_free(card->slots[i].key);
        memset(&card->slots[i], 0, sizeof card->slots[i]);
        card->slots[i].ref = slot_refs[i];
    }
    for (size_t i = 0; i < card->n_objects; i++) {
        ch_wipe(card->objects[i].data, card->objects[i].len);
        free(card->objects[i].data);
    }
    memset(card->objects, 0, sizeof card->objects);
    card->n_objects = 0;
}

void vpiv_defaults(vpiv_card *card)
{
    static const uint8_t mgm[24] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4,
                                    5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8};
    free_keys_and_objects(card);
    memset(&card->pin, 0, sizeof card->pin);
    memcpy(card->pin.value, "123456\xFF\xFF", 8);
    card->pin.max_tries = card->pin.tries_left = 3;
    card->pin.is_default = true;
    memset(&card->puk, 0, sizeof card->puk);
    memcpy(card->puk.value, "12345678", 8);
    card->puk.max_tries = card->puk.tries_left = 3;
    card->puk.is_default = true;
    card->mgm_alg = ALG_3DES;
    memset(card->mgm_key, 0, sizeof card->mgm_key);
    memcpy(card->mgm_key, mgm, sizeof mgm);
    card->mgm_touch = TOUCH_POLICY_NEVER;
    card->mgm_default = true;
    vpiv_volatile_reset(card);
}

vpiv_card *vpiv_new(const char *state_path, const char **why)
{
    vpiv_card *card = calloc(1, sizeof *card);
    if (!card) {
        if (why)
            *why = "out of memory";
        return NULL;
    }
    vpiv_defaults(card);
    card->serial = 10000001u;
    if (state_path) {
        card->state_path = strdup(state_path);
        if (!card->state_path || !vpiv_load(card, state_path, why)) {
            if (why && !card->state_path)
                *why = "out of memory";
            vpiv_free(card);
            return NULL;
        }
    }
    return card;
}

void vpiv_free(vpiv_card *card)
{
    if (!card)
        return;
    free_keys_and_objects(card);
    free(card->state_path);
    ch_wipe(card, sizeof *card);
    free(card);
}

void vpiv_power(vpiv_card *card, int event)
{
    (void)event; /* off, on and reset all end the session */
    vpiv_volatile_reset(card);
}

bool vpiv_put_tlv(uint8_t *out, size_t cap, size_t *len, uint32_t tag, const uint8_t *v,
                  size_t vlen)
{
    uint8_t hdr[8];
    size_t h = 0;
    if (tag > 0xFFFF)
        hdr[h++] = (uint8_t)(tag >> 16);
    if (tag > 0xFF)
        hdr[h++] = (uint8_t)(tag >> 8);
    hdr[h++] = (uint8_t)tag;
    if (vlen < 0x80) {
        hdr[h++] = (uint8_t)vlen;
    } else if (vlen <= 0xFF) {
        hdr[h++] = 0x81;
        hdr[h++] = (uint8_t)vlen;
    } else if (vlen <= 0xFFFF) {
        hdr[h++] = 0x82;
        hdr[h++] = (uint8_t)(vlen >> 8);
        hdr[h++] = (uint8_t)vlen;
    } else {
        return false;
    }
    if (*len > cap || h + vlen > cap - *len)
        return false;
    memcpy(out + *len, hdr, h);
    if (vlen)
        memmove(out + *len + h, v, vlen); /* v may already sit in out (wrapping in place) */
    *len += h + vlen;
    return true;
}

static uint16_t cmd_select(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out, size_t *out_len)
{
    /* SELECT by AID; a right-truncated AID (at least the RID) selects PIV. */
    if (cmd->p1 != 0x04)
        return SW_INCORRECT_P1P2;
    if (cmd->len < 5 || cmd->len > sizeof piv_aid || memcmp(cmd->data, piv_aid, cmd->len) != 0) {
        card->selected = false;
        return SW_NOT_FOUND;
    }
    /* Like a YubiKey, every SELECT starts a new session: PIN verification and management key
     * authentication are gone (libykpiv >= 2.3 re-selects on purpose to unverify the PIN). */
    vpiv_volatile_reset(card);
    card->selected = true;
    memcpy(out, apt, sizeof apt);
    *out_len = sizeof apt;
    return SW_OK;
}

typedef struct {
    uint8_t ins;
    vpiv_handler fn;
} route;

static const route routes[] = {
    {0x20, vpiv_cmd_verify},        {0x24, vpiv_cmd_change_reference},
    {0x2C, vpiv_cmd_reset_retry},   {0x47, vpiv_cmd_generate},
    {0x87, vpiv_cmd_general_authenticate}, {0xCB, vpiv_cmd_get_data},
    {0xDB, vpiv_cmd_put_data},      {0xF7, vpiv_cmd_get_metadata},
    {0xF8, vpiv_cmd_get_serial},    {0xF9, vpiv_cmd_attest},
    {0xFA, vpiv_cmd_set_pin_retries}, {0xFB, vpiv_cmd_reset},
    {0xFD, vpiv_cmd_get_version},   {0xFE, vpiv_cmd_import_key},
    {0xFF, vpiv_cmd_set_mgm_key},
};

/* Hands out the next chunk of a pending answer: up to le bytes, then 61xx if more remain. */
static size_t send_chunk(vpiv_card *card, size_t le, uint8_t *rapdu)
{
    size_t left = card->resp_len - card->resp_off, n = left < le ? left : le;
    memcpy(rapdu, card->resp_buf + card->resp_off, n);
    card->resp_off += n;
    left -= n;
    if (left) {
        rapdu[n] = 0x61;
        rapdu[n + 1] = (uint8_t)(left > 0xFF ? 0x00 : left);
    } else {
        rapdu[n] = 0x90;
        rapdu[n + 1] = 0x00;
        ch_wipe(card->resp_buf, card->resp_len);
        card->resp_len = card->resp_off = 0;
    }
    return n + 2;
}

static size_t sw_only(uint8_t *rapdu, uint16_t sw)
{
    rapdu[0] = (uint8_t)(sw >> 8);
    rapdu[1] = (uint8_t)sw;
    return 2;
}

size_t vpiv_process(vpiv_card *card, const uint8_t *capdu, size_t capdu_len, uint8_t *rapdu)
{
    ch_cur c;
    uint8_t cla, ins, p1, p2, lc = 0, le_byte = 0;
    const uint8_t *data = NULL;
    bool has_lc = false, has_le = false;
    size_t le, out_len = 0;
    vpiv_cmd cmd;
    uint16_t sw = SW_INS_NOT_SUPPORTED;

    ch_cur_init(&c, capdu, capdu_len);
    if (!ch_cur_u8(&c, &cla) || !ch_cur_u8(&c, &ins) || !ch_cur_u8(&c, &p1) ||
        !ch_cur_u8(&c, &p2))
        return sw_only(rapdu, SW_WRONG_LENGTH);
    /* Short APDUs only: case 1, 2 (Le), 3 (Lc data), 4 (Lc data Le). */
    if (ch_cur_left(&c) == 1) {
        (void)ch_cur_u8(&c, &le_byte);
        has_le = true;
    } else if (!ch_cur_empty(&c)) {
        (void)ch_cur_u8(&c, &lc);
        if (lc == 0 || !ch_cur_take(&c, lc, &data)) /* 00 here would be extended length */
            return sw_only(rapdu, SW_WRONG_LENGTH);
        has_lc = true;
        if (ch_cur_left(&c) == 1) {
            (void)ch_cur_u8(&c, &le_byte);
            has_le = true;
        } else if (!ch_cur_empty(&c)) {
            return sw_only(rapdu, SW_WRONG_LENGTH);
        }
    }
    le = has_le && le_byte ? le_byte : 256;
    if ((cla & ~0x10u) != 0x00) {
        return sw_only(rapdu, SW_CLA_NOT_SUPPORTED);
    }

    /* GET RESPONSE continues a pending answer; anything else drops it. */
    if (ins == 0xC0) {
        if (!card->resp_len || card->chaining)
            return sw_only(rapdu, SW_CONDITIONS);
        return send_chunk(card, le, rapdu);
    }
    ch_wipe(card->resp_buf, card->resp_len);
    card->resp_len = card->resp_off = 0;

    /* Command chaining: collect blocks of the same INS P1 P2 until the last one. */
    if (card->chaining && (ins != card->cmd_hdr[0] || p1 != card->cmd_hdr[1] ||
                           p2 != card->cmd_hdr[2])) {
        ch_wipe(card->cmd_buf, card->cmd_len);
        card->cmd_len = 0;
        card->chaining = false;
        return sw_only(rapdu, 0x6883); /* last command of the chain expected */
    }
    if (lc > VPIV_MAX_COMMAND - card->cmd_len) {
        ch_wipe(card->cmd_buf, card->cmd_len);
        card->cmd_len = 0;
        card->chaining = false;
        return sw_only(rapdu, SW_WRONG_LENGTH);
    }
    if (lc)
        memcpy(card->cmd_buf + card->cmd_len, data, lc);
    card->cmd_len += lc;
    if (cla & 0x10) {
        card->chaining = true;
        card->cmd_hdr[0] = ins, card->cmd_hdr[1] = p1, card->cmd_hdr[2] = p2;
        return sw_only(rapdu, SW_OK);
    }
    cmd.ins = ins, cmd.p1 = p1, cmd.p2 = p2;
    cmd.data = card->cmd_buf;
    cmd.len = card->cmd_len;
    cmd.has_data = has_lc || card->chaining;
    card->chaining = false;

    if (ins == 0xA4) {
        sw = cmd_select(card, &cmd, card->resp_buf, &out_len);
    } else if (!card->selected) {
        sw = SW_INS_NOT_SUPPORTED; /* another application, or none, is selected */
    } else {
        for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
            if (routes[i].ins == ins) {
                sw = routes[i].fn(card, &cmd, card->resp_buf, &out_len);
                break;
            }
        }
    }
    ch_wipe(card->cmd_buf, card->cmd_len);
    card->cmd_len = 0;
    if (out_len > VPIV_MAX_RESPONSE) /* a handler bug must not become an over-read */
        abort();
    if (out_len == 0 || sw != SW_OK) /* refusals carry no data */
        return sw_only(rapdu, sw);
    card->resp_len = out_len;
    card->resp_off = 0;
    return send_chunk(card, le, rapdu);
}
