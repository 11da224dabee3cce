/* vpiv: PIN and PUK commands with the status words of a YubiKey 5 (firmware 5.4):
 * VERIFY (20), CHANGE REFERENCE DATA (24), RESET RETRY COUNTER (2C), and the YubiKey
 * extensions SET PIN RETRIES (FA) and RESET (FB).
 *
 * Shapes: a PIN or PUK travels as 8 bytes, 6..8 printable ASCII bytes (20..7E) then FF padding.
 * Any other shape is 6A80 and touches no counter.
 *
 * Choices where a YubiKey cannot be imitated exactly or the standard leaves room:
 * - VERIFY / CHANGE REFERENCE / RESET RETRY COUNTER with an unsupported key reference (P2),
 *   e.g. the global PIN 00: 6A88 (reference data not found).
 * - VERIFY P1 FF with data: 6A80 (that form takes no data).
 * - A wrong PIN (VERIFY or CHANGE REFERENCE 80) also clears the verified state, as ISO 7816-4
 *   asks of an unsuccessful comparison.
 * - SET PIN RETRIES takes 1..15 tries (what 63Cx can report) and keeps the verified state.
 *
 * Persistence: every change to the persistent state is saved (vpiv_save) before the answer;
 * if the save fails the command answers 6581 and the card is left exactly as it was before
 * the command (persistent and security state). */
#include <stdlib.h>
#include <string.h>

#include "vpiv_internal.h"
#include "wipe.h"

#define REF_PIN 0x80u
#define REF_PUK 0x81u
#define SECRET_LEN 8u
#define MAX_TRIES 15u

static const uint8_t default_pin[SECRET_LEN] = {'1', '2', '3', '4', '5', '6', 0xFF, 0xFF};
static const uint8_t default_puk[SECRET_LEN] = {'1', '2', '3', '4', '5', '6', '7', '8'};

/* 6..8 printable ASCII bytes, then FF up to 8 (VERIFY's rule; the state loader uses it too).
 * Branch-free over all 8 bytes: the time does not depend on the secret's length or content
 * (the stored PIN and PUK go through here when a state file is loaded). Every operand below is
 * at most 0x1FF, so nothing wraps. */
bool vpiv_secret_shape_ok(const uint8_t v[SECRET_LEN])
{
    unsigned in_pad = 0, bad = 0, n = 0;

    for (size_t i = 0; i < SECRET_LEN; i++) {
        unsigned b = v[i];
        unsigned is_ff = (((b ^ 0xFFu) + 0xFFu) >> 8) ^ 1u;           /* b == FF */
        unsigned printable = ((b + 0xE0u) >> 8) & ((0x17Eu - b) >> 8); /* 20 <= b <= 7E */
        in_pad |= is_ff;
        /* before the padding only printable bytes; from the first FF on only FF */
        bad |= (in_pad & (is_ff ^ 1u)) | ((in_pad ^ 1u) & (printable ^ 1u));
        n += in_pad ^ 1u;
    }
    /* n < 6: (n + 0xFA) >> 8 is 1 exactly when n >= 6 (n is 0..8) */
    return ((bad ^ 1u) & ((n + 0xFAu) >> 8)) == 1u;
}

/* The command data is exactly `count` well-shaped 8-byte secrets (count 1 or 2). */
static bool read_secrets(const vpiv_cmd *cmd, uint8_t a[SECRET_LEN], uint8_t b[SECRET_LEN],
                         unsigned count)
{
    ch_cur c;
    ch_cur_init(&c, cmd->data, cmd->len);
    if (!ch_cur_bytes(&c, a, SECRET_LEN) || !vpiv_secret_shape_ok(a))
        return false;
    if (count == 2 && (!ch_cur_bytes(&c, b, SECRET_LEN) || !vpiv_secret_shape_ok(b)))
        return false;
    return ch_cur_empty(&c);
}

/* What a command may change, to put back when the save fails. */
typedef struct {
    vpiv_secret pin, puk;
    bool pin_verified, pin_always_ok;
} pin_snapshot;

static void snapshot_take(const vpiv_card *card, pin_snapshot *s)
{
    s->pin = card->pin;
    s->puk = card->puk;
    s->pin_verified = card->pin_verified;
    s->pin_always_ok = card->pin_always_ok;
}

/* Saves the new state; on failure restores the snapshot and answers 6581. */
static uint16_t commit(vpiv_card *card, pin_snapshot *old, uint16_t sw)
{
    if (!vpiv_save(card)) {
        card->pin = old->pin;
        card->puk = old->puk;
        card->pin_verified = old->pin_verified;
        card->pin_always_ok = old->pin_always_ok;
        sw = SW_MEMORY_FAILURE;
    }
    ch_wipe(old, sizeof *old);
    return sw;
}

/* A wrong PIN or PUK (tries_left > 0): one try less, saved, 63Cx. */
static uint16_t wrong_try(vpiv_card *card, vpiv_secret *s, pin_snapshot *old)
{
    s->tries_left = (uint8_t)(s->tries_left - 1u);
    if (s == &card->pin) {
        card->pin_verified = false;
        card->pin_always_ok = false;
    }
    return commit(card, old, (uint16_t)SW_RETRIES(s->tries_left));
}

uint16_t vpiv_cmd_verify(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out, size_t *out_len)
{
    uint8_t pin[SECRET_LEN];
    pin_snapshot old;
    uint16_t sw;

    (void)out;
    (void)out_len;
    if (cmd->p2 != REF_PIN)
        return SW_REF_NOT_FOUND;
    if (cmd->p1 == 0xFF) { /* reset the security status of the PIN */
        if (cmd->has_data)
            return SW_INCORRECT_DATA;
        card->pin_verified = false;
        card->pin_always_ok = false;
        return SW_OK;
    }
    if (cmd->p1 != 0x00)
        return SW_INCORRECT_P1P2;
    if (!cmd->has_data) { /* the state, without a try */
        if (card->pin.tries_left == 0)
            return SW_AUTH_BLOCKED;
        if (card->pin_verified)
            return SW_OK;
        return (uint16_t)SW_RETRIES(card->pin.tries_left);
    }
    if (!read_secrets(cmd, pin, NULL, 1)) {
        ch_wipe(pin, sizeof pin);
        return SW_INCORRECT_DATA;
    }
    if (card->pin.tries_left == 0) {
        ch_wipe(pin, sizeof pin);
        return SW_AUTH_BLOCKED;
    }
    snapshot_take(card, &old);
    if (ch_ct_memeq(pin, card->pin.value, SECRET_LEN)) {
        bool counter_changed = card->pin.tries_left != card->pin.max_tries;
        card->pin.tries_left = card->pin.max_tries;
        card->pin_verified = true;
        card->pin_always_ok = true;
        if (counter_changed) {
            sw = commit(card, &old, SW_OK);
        } else {
            ch_wipe(&old, sizeof old);
            sw = SW_OK;
        }
    } else {
        sw = wrong_try(card, &card->pin, &old);
    }
    ch_wipe(pin, sizeof pin);
    return sw;
}

uint16_t vpiv_cmd_change_reference(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out,
                                   size_t *out_len)
{
    uint8_t cur[SECRET_LEN], next[SECRET_LEN];
    vpiv_secret *s;
    pin_snapshot old;
    uint16_t sw;

    (void)out;
    (void)out_len;
    if (cmd->p2 == REF_PIN)
        s = &card->pin;
    else if (cmd->p2 == REF_PUK)
        s = &card->puk;
    else
        return SW_REF_NOT_FOUND;
    if (cmd->p1 != 0x00)
        return SW_INCORRECT_P1P2;
    if (!read_secrets(cmd, cur, next, 2)) {
        sw = SW_INCORRECT_DATA;
    } else if (s->tries_left == 0) {
        sw = SW_AUTH_BLOCKED;
    } else {
        snapshot_take(card, &old);
        if (!ch_ct_memeq(cur, s->value, SECRET_LEN)) {
            sw = wrong_try(card, s, &old);
        } else {
            memcpy(s->value, next, SECRET_LEN);
            s->tries_left = s->max_tries;
            s->is_default = false;
            if (s == &card->pin) /* a YubiKey counts the old PIN as verified */
                card->pin_verified = true;
            sw = commit(card, &old, SW_OK);
        }
    }
    ch_wipe(cur, sizeof cur);
    ch_wipe(next, sizeof next);
    return sw;
}

uint16_t vpiv_cmd_reset_retry(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out,
                              size_t *out_len)
{
    uint8_t puk[SECRET_LEN], pin[SECRET_LEN];
    pin_snapshot old;
    uint16_t sw;

    (void)out;
    (void)out_len;
    if (cmd->p2 != REF_PIN)
        return SW_REF_NOT_FOUND;
    if (cmd->p1 != 0x00)
        return SW_INCORRECT_P1P2;
    if (!read_secrets(cmd, puk, pin, 2)) {
        sw = SW_INCORRECT_DATA;
    } else if (card->puk.tries_left == 0) {
        sw = SW_AUTH_BLOCKED;
    } else {
        snapshot_take(card, &old);
        if (!ch_ct_memeq(puk, card->puk.value, SECRET_LEN)) {
            sw = wrong_try(card, &card->puk, &old);
        } else {
            memcpy(card->pin.value, pin, SECRET_LEN);
            card->pin.tries_left = card->pin.max_tries;
            card->pin.is_default = false;
            card->puk.tries_left = card->puk.max_tries;
            sw = commit(card, &old, SW_OK);
        }
    }
    ch_wipe(puk, sizeof puk);
    ch_wipe(pin, sizeof pin);
    return sw;
}

uint16_t vpiv_cmd_set_pin_retries(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out,
                                  size_t *out_len)
{
    pin_snapshot old;

    (void)out;
    (void)out_len;
    if (!card->mgm_authenticated || !card->pin_verified)
        return SW_SECURITY_STATUS;
    if (cmd->p1 < 1 || cmd->p1 > MAX_TRIES || cmd->p2 < 1 || cmd->p2 > MAX_TRIES)
        return SW_INCORRECT_P1P2;
    snapshot_take(card, &old);
    memcpy(card->pin.value, default_pin, SECRET_LEN);
    card->pin.max_tries = card->pin.tries_left = cmd->p1;
    card->pin.is_default = true;
    memcpy(card->puk.value, default_puk, SECRET_LEN);
    card->puk.max_tries = card->puk.tries_left = cmd->p2;
    card->puk.is_default = true;
    return commit(card, &old, SW_OK);
}

/* Everything RESET replaces, to put back when the save fails. */
typedef struct {
    vpiv_secret pin, puk;
    uint8_t mgm_alg, mgm_key[32], mgm_touch;
    bool mgm_default;
    vpiv_slot slots[VPIV_N_SLOTS];
    vpiv_object objects[VPIV_MAX_OBJECTS];
    size_t n_objects;
    bool pin_verified, pin_always_ok, mgm_authenticated;
    uint8_t mgm_pending, mgm_challenge[16], mgm_challenge_len;
} reset_snapshot;

uint16_t vpiv_cmd_reset(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out, size_t *out_len)
{
    reset_snapshot old;
    size_t i;

    (void)out;
    (void)out_len;
    if (cmd->p1 != 0x00 || cmd->p2 != 0x00)
        return SW_INCORRECT_P1P2;
    if (card->pin.tries_left != 0 || card->puk.tries_left != 0)
        return SW_CONDITIONS;

    /* Move the keys and objects into the snapshot, so vpiv_defaults frees nothing yet. */
    old.pin = card->pin;
    old.puk = card->puk;
    old.mgm_alg = card->mgm_alg;
    memcpy(old.mgm_key, card->mgm_key, sizeof old.mgm_key);
    old.mgm_touch = card->mgm_touch;
    old.mgm_default = card->mgm_default;
    memcpy(old.slots, card->slots, sizeof old.slots);
    memcpy(old.objects, card->objects, sizeof old.objects);
    old.n_objects = card->n_objects;
    old.pin_verified = card->pin_verified;
    old.pin_always_ok = card->pin_always_ok;
    old.mgm_authenticated = card->mgm_authenticated;
    old.mgm_pending = card->mgm_pending;
    memcpy(old.mgm_challenge, card->mgm_challenge, sizeof old.mgm_challenge);
    old.mgm_challenge_len = card->mgm_challenge_len;
    for (i = 0; i < VPIV_N_SLOTS; i++)
        card->slots[i].key = NULL;
    memset(card->objects, 0, sizeof card->objects);
    card->n_objects = 0;

    vpiv_defaults(card); /* also ends the session: the card stays selected, though */
    card->selected = true;

    if (!vpiv_save(card)) {
        card->pin = old.pin;
        card->puk = old.puk;
        card->mgm_alg = old.mgm_alg;
        memcpy(card->mgm_key, old.mgm_key, sizeof old.mgm_key);
        card->mgm_touch = old.mgm_touch;
        card->mgm_default = old.mgm_default;
        memcpy(card->slots, old.slots, sizeof old.slots);
        memcpy(card->objects, old.objects, sizeof old.objects);
        card->n_objects = old.n_objects;
        card->pin_verified = old.pin_verified;
        card->pin_always_ok = old.pin_always_ok;
        card->mgm_authenticated = old.mgm_authenticated;
        card->mgm_pending = old.mgm_pending;
        memcpy(card->mgm_challenge, old.mgm_challenge, sizeof old.mgm_challenge);
        card->mgm_challenge_len = old.mgm_challenge_len;
        ch_wipe(&old, sizeof old);
        return SW_MEMORY_FAILURE;
    }
    for (i = 0; i < VPIV_N_SLOTS; i++)
        EVP_PKEY_free(old.slots[i].key);
    for (i = 0; i < old.n_objects; i++) {
        ch_wipe(old.objects[i].data, old.objects[i].len);
        free(old.objects[i].data);
    }
    ch_wipe(&old, sizeof old);
    return SW_OK;
}
