/* card_state: a vpiv card's persistent state as a value, for the harnesses that check what a
 * CSP call did to the card (fuzz_session, fuzz_keyblob): take it, compare the card with it
 * (allowing named changes), put it back. Test code only (vpiv is the card). */
#ifndef CH_FUZZ_CARD_STATE_H
#define CH_FUZZ_CARD_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpiv.h"
#include "vpiv_internal.h"

typedef struct snap_obj {
    uint32_t tag;
    size_t len;
    uint8_t *data;
} snap_obj;

/* Slot keys hold a reference of their own, so no new key is ever allocated at the address of
 * one of them and a key compares by address. */
typedef struct cstate {
    vpiv_secret pin, puk;
    uint8_t mgm_alg, mgm_key[32], mgm_touch;
    bool mgm_default;
    uint32_t serial;
    vpiv_slot slots[VPIV_N_SLOTS];
    snap_obj objects[VPIV_MAX_OBJECTS];
    size_t n_objects;
} cstate;

/* What a step may change (the rest must stay byte for byte). */
typedef struct allow {
    bool tries;          /* PIN and PUK tries_left */
    bool secrets;        /* PIN and PUK entirely */
    int slot;            /* a slot index of card->slots, -1 none */
    uint32_t tags[3];    /* objects that may change, appear or go (0: none) */
} allow;

/* The card's state into s: slot keys get a reference of their own (cstate_free drops it). */
void cstate_take(cstate *s, const vpiv_card *c);
void cstate_free(cstate *s);
/* NULL when the card is s except for what `a` allows (NULL: nothing), else what differs. */
const char *cstate_diff(const cstate *s, const vpiv_card *c, const allow *a);
/* The card back to s (vpiv keeps object data in malloc'd buffers it frees itself). */
void cstate_restore(const cstate *s, vpiv_card *c);

/* PIN / PUK equal (tries_left ignored when tries); slots equal, keys by address. */
bool secret_eq(const vpiv_secret *a, const vpiv_secret *b, bool tries);
bool slot_eq(const vpiv_slot *a, const vpiv_slot *b);
/* The object of a tag in a state / on a card, NULL when there is none. */
const snap_obj *state_object(const cstate *s, uint32_t tag);
const vpiv_object *card_object_of(const vpiv_card *c, uint32_t tag);
/* The slot of a key reference; aborts (CH_CHECK) when vpiv has none. */
vpiv_slot *cstate_card_slot(vpiv_card *c, uint8_t ref);

#endif
