/* card_state: a vpiv card's persistent state as a value (card_state.h). */
#include "card_state.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

void cstate_take(cstate *s, const vpiv_card *c)
{
    s->pin = c->pin;
    s->puk = c->puk;
    s->mgm_alg = c->mgm_alg;
    memcpy(s->mgm_key, c->mgm_key, sizeof s->mgm_key);
    s->mgm_touch = c->mgm_touch;
    s->mgm_default = c->mgm_default;
    s->serial = c->serial;
    for (size_t i = 0; i < VPIV_N_SLOTS; i++) {
        s->slots[i] = c->slots[i];
        if (s->slots[i].key)
            CH_CHECK(EVP_PKEY_up_ref(s->slots[i].key) == 1, "EVP_PKEY_up_ref");
    }
    s->n_objects = c->n_objects;
    for (size_t i = 0; i < c->n_objects; i++) {
        s->objects[i].tag = c->objects[i].tag;
        s->objects[i].len = c->objects[i].len;
        s->objects[i].data = malloc(c->objects[i].len ? c->objects[i].len : 1);
        CH_CHECK(s->objects[i].data != NULL, "out of memory");
        memcpy(s->objects[i].data, c->objects[i].data, c->objects[i].len);
    }
}

void cstate_free(cstate *s)
{
    for (size_t i = 0; i < VPIV_N_SLOTS; i++)
        EVP_PKEY_free(s->slots[i].key);
    for (size_t i = 0; i < s->n_objects; i++)
        free(s->objects[i].data);
    memset(s, 0, sizeof *s);
}

bool secret_eq(const vpiv_secret *a, const vpiv_secret *b, bool tries)
{
    return memcmp(a->value, b->value, sizeof a->value) == 0 && a->max_tries == b->max_tries &&
           (tries || a->tries_left == b->tries_left) && a->is_default == b->is_default;
}

bool slot_eq(const vpiv_slot *a, const vpiv_slot *b)
{
    return a->ref == b->ref && a->alg == b->alg && a->pin_policy == b->pin_policy &&
           a->touch_policy == b->touch_policy && a->origin == b->origin && a->key == b->key;
}

const snap_obj *state_object(const cstate *s, uint32_t tag)
{
    for (size_t i = 0; i < s->n_objects; i++)
        if (s->objects[i].tag == tag)
            return &s->objects[i];
    return NULL;
}

const vpiv_object *card_object_of(const vpiv_card *c, uint32_t tag)
{
    for (size_t i = 0; i < c->n_objects; i++)
        if (c->objects[i].tag == tag)
            return &c->objects[i];
    return NULL;
}

static bool allowed_tag(const allow *a, uint32_t tag)
{
    return a && tag && (tag == a->tags[0] || tag == a->tags[1] || tag == a->tags[2]);
}

/* NULL when the card is s except for what `a` allows (NULL: nothing), else what differs. */
const char *cstate_diff(const cstate *s, const vpiv_card *c, const allow *a)
{
    static char why[96];
    bool secrets = a && a->secrets, tries = a && (a->tries || a->secrets);

    if (!secrets && (!secret_eq(&c->pin, &s->pin, tries) || !secret_eq(&c->puk, &s->puk, tries)))
        return "PIN or PUK";
    if (c->mgm_alg != s->mgm_alg || memcmp(c->mgm_key, s->mgm_key, sizeof s->mgm_key) != 0 ||
        c->mgm_touch != s->mgm_touch || c->mgm_default != s->mgm_default ||
        c->serial != s->serial)
        return "management key or serial";
    for (size_t i = 0; i < VPIV_N_SLOTS; i++) {
        if (slot_eq(&c->slots[i], &s->slots[i]) || (a && a->slot == (int)i))
            continue;
        snprintf(why, sizeof why, "slot %02X", c->slots[i].ref);
        return why;
    }
    for (size_t i = 0; i < s->n_objects; i++) {
        const vpiv_object *o = card_object_of(c, s->objects[i].tag);
        if (allowed_tag(a, s->objects[i].tag))
            continue;
        if (!o || o->len != s->objects[i].len ||
            memcmp(o->data, s->objects[i].data, o->len) != 0) {
            snprintf(why, sizeof why, "object %06X", (unsigned)s->objects[i].tag);
            return why;
        }
    }
    for (size_t i = 0; i < c->n_objects; i++) {
        if (allowed_tag(a, c->objects[i].tag) || state_object(s, c->objects[i].tag))
            continue;
        snprintf(why, sizeof why, "new object %06X", (unsigned)c->objects[i].tag);
        return why;
    }
    return NULL;
}

/* The card back to s (vpiv keeps object data in malloc'd buffers it frees itself). */
void cstate_restore(const cstate *s, vpiv_card *c)
{
    c->pin = s->pin;
    c->puk = s->puk;
    c->mgm_alg = s->mgm_alg;
    memcpy(c->mgm_key, s->mgm_key, sizeof s->mgm_key);
    c->mgm_touch = s->mgm_touch;
    c->mgm_default = s->mgm_default;
    c->serial = s->serial;
    for (size_t i = 0; i < VPIV_N_SLOTS; i++) {
        vpiv_slot *sl = &c->slots[i];
        if (slot_eq(sl, &s->slots[i]))
            continue;
        EVP_PKEY_free(sl->key);
        *sl = s->slots[i];
        if (sl->key)
            CH_CHECK(EVP_PKEY_up_ref(sl->key) == 1, "EVP_PKEY_up_ref");
    }
    for (size_t i = 0; i < c->n_objects; i++) {
        free(c->objects[i].data);
        memset(&c->objects[i], 0, sizeof c->objects[i]);
    }
    for (size_t i = 0; i < s->n_objects; i++) {
        vpiv_object *o = &c->objects[i];
        o->tag = s->objects[i].tag;
        o->len = s->objects[i].len;
        o->data = malloc(o->len ? o->len : 1);
        CH_CHECK(o->data != NULL, "out of memory");
        memcpy(o->data, s->objects[i].data, o->len);
    }
    c->n_objects = s->n_objects;
    CH_CHECK(cstate_diff(s, c, NULL) == NULL, "restoring the card");
}

vpiv_slot *cstate_card_slot(vpiv_card *c, uint8_t ref)
{
    for (size_t i = 0; i < VPIV_N_SLOTS; i++)
        if (c->slots[i].ref == ref)
            return &c->slots[i];
    CH_CHECK(false, "vpiv has no slot %02X", ref);
    return NULL;
}
