/* vpiv: data objects, GET DATA (CB) and PUT DATA (DB).
 *
 * GET DATA 00 CB 3F FF, data 5C len tag: answers 53 len content. PUT DATA 00 DB 3F FF, data
 * 5C len tag 53 len content (the dispatcher has reassembled a chain): needs the management key;
 * 53 00 deletes. Valid tags: 5FC101..5FC123, 7F61 (BIT group template), the YubiKey vendor
 * tags 5FFF00..5FFF15, and 7E (discovery), each in its own length (5C 03 00 00 7E is not 7E).
 *
 * Choices:
 * - The discovery object is built in and read-only: GET answers it as is (7E 12 ..., not
 *   wrapped in 53); PUT DATA of 7E is 6A80.
 * - Security before syntax: PUT without the management key is 6982 whatever the data;
 *   GET of a PIN-protected tag without the PIN is 6982 whether or not the object exists.
 * - A declared content length above VPIV_MAX_OBJECT is 6A84 even if the data is also short.
 *
 * Persistence: like every handler, a change is saved before the answer; a failed save
 * answers 6581 and leaves the object table as it was. */
#include <stdlib.h>
#include <string.h>

#include "vpiv_internal.h"
#include "wipe.h"

#define TAG_DISCOVERY 0x7Eu
#define TAG_BIT_GROUP 0x7F61u

static const uint8_t discovery[] = {0x7E, 0x12, 0x4F, 0x0B, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00,
                                    0x00, 0x10, 0x00, 0x01, 0x00, 0x5F, 0x2F, 0x02, 0x40, 0x00};

/* The tag as sent (n bytes) is one this card knows. */
static bool tag_valid(uint32_t tag, size_t n)
{
    if (n == 1)
        return tag == TAG_DISCOVERY;
    if (n == 2)
        return tag == TAG_BIT_GROUP;
    return (tag >= 0x5FC101u && tag <= 0x5FC123u) || (tag >= 0x5FFF00u && tag <= 0x5FFF15u);
}

static bool tag_needs_pin(uint32_t tag)
{
    return tag == 0x5FC103u || tag == 0x5FC108u || tag == 0x5FC109u || tag == 0x5FC121u;
}

/* 5C len tag (1..3 bytes): the tag packed big-endian and its length as sent. */
static bool read_tag_list(ch_cur *c, uint32_t *tag, size_t *n)
{
    ch_cur v;
    uint32_t t;
    uint8_t b;

    if (!ch_cur_tlv(c, &t, &v) || t != 0x5Cu)
        return false;
    *n = ch_cur_left(&v);
    if (*n < 1 || *n > 3)
        return false;
    *tag = 0;
    while (ch_cur_u8(&v, &b))
        *tag = *tag << 8 | b;
    return true;
}

static vpiv_object *object_find(vpiv_card *card, uint32_t tag)
{
    for (size_t i = 0; i < card->n_objects; i++)
        if (card->objects[i].tag == tag)
            return &card->objects[i];
    return NULL;
}

uint16_t vpiv_cmd_get_data(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out, size_t *out_len)
{
    ch_cur c;
    uint32_t tag;
    size_t n, len = 0;
    const vpiv_object *o;

    if (cmd->p1 != 0x3F || cmd->p2 != 0xFF)
        return SW_INCORRECT_P1P2;
    ch_cur_init(&c, cmd->data, cmd->len);
    if (!read_tag_list(&c, &tag, &n) || !ch_cur_empty(&c))
        return SW_INCORRECT_DATA;
    if (!tag_valid(tag, n))
        return SW_NOT_FOUND;
    if (tag == TAG_DISCOVERY) {
        memcpy(out, discovery, sizeof discovery);
        *out_len = sizeof discovery;
        return SW_OK;
    }
    if (tag_needs_pin(tag) && !card->pin_verified)
        return SW_SECURITY_STATUS;
    o = object_find(card, tag);
    if (!o)
        return SW_NOT_FOUND;
    if (!vpiv_put_tlv(out, VPIV_MAX_RESPONSE, &len, 0x53, o->data, o->len))
        return SW_NO_DIAGNOSIS; /* cannot happen: objects are at most VPIV_MAX_OBJECT */
    *out_len = len;
    return SW_OK;
}

/* Removes objects[i] keeping the order of the others. */
static void object_remove_at(vpiv_card *card, size_t i)
{
    memmove(&card->objects[i], &card->objects[i + 1],
            (card->n_objects - i - 1) * sizeof card->objects[0]);
    card->n_objects--;
    memset(&card->objects[card->n_objects], 0, sizeof card->objects[0]);
}

static void object_insert_at(vpiv_card *card, size_t i, const vpiv_object *o)
{
    memmove(&card->objects[i + 1], &card->objects[i],
            (card->n_objects - i) * sizeof card->objects[0]);
    card->objects[i] = *o;
    card->n_objects++;
}

uint16_t vpiv_cmd_put_data(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out, size_t *out_len)
{
    ch_cur c;
    uint32_t tag, t53;
    size_t n, len;
    const uint8_t *content;
    vpiv_object *o, old;
    uint8_t *copy;

    (void)out;
    (void)out_len;
    if (cmd->p1 != 0x3F || cmd->p2 != 0xFF)
        return SW_INCORRECT_P1P2;
    if (!card->mgm_authenticated)
        return SW_SECURITY_STATUS;
    ch_cur_init(&c, cmd->data, cmd->len);
    if (!read_tag_list(&c, &tag, &n) || !tag_valid(tag, n) || tag == TAG_DISCOVERY)
        return SW_INCORRECT_DATA;
    if (!ch_cur_ber_tag(&c, &t53) || t53 != 0x53u || !ch_cur_ber_len(&c, &len))
        return SW_INCORRECT_DATA;
    if (len > VPIV_MAX_OBJECT)
        return SW_NO_SPACE;
    if (!ch_cur_take(&c, len, &content) || !ch_cur_empty(&c))
        return SW_INCORRECT_DATA;

    o = object_find(card, tag);
    if (len == 0) { /* 53 00: delete */
        size_t i;
        if (!o)
            return SW_OK;
        i = (size_t)(o - card->objects);
        old = *o;
        object_remove_at(card, i);
        if (!vpiv_save(card)) {
            object_insert_at(card, i, &old);
            return SW_MEMORY_FAILURE;
        }
        ch_wipe(old.data, old.len);
        free(old.data);
        return SW_OK;
    }
    if (!o && card->n_objects >= VPIV_MAX_OBJECTS)
        return SW_NO_SPACE;
    copy = malloc(len);
    if (!copy)
        return SW_MEMORY_FAILURE;
    memcpy(copy, content, len);
    if (o) { /* replace */
        old = *o;
        o->data = copy;
        o->len = len;
        if (!vpiv_save(card)) {
            *o = old;
            ch_wipe(copy, len);
            free(copy);
            return SW_MEMORY_FAILURE;
        }
        ch_wipe(old.data, old.len);
        free(old.data);
        return SW_OK;
    }
    o = &card->objects[card->n_objects++];
    o->tag = tag;
    o->len = len;
    o->data = copy;
    if (!vpiv_save(card)) {
        card->n_objects--;
        memset(o, 0, sizeof *o);
        ch_wipe(copy, len);
        free(copy);
        return SW_MEMORY_FAILURE;
    }
    return SW_OK;
}
