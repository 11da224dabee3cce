/* GET METADATA (YubiKey F7) 00 F7 00 P2:
 *   80 PIN / 81 PUK: 01 01 FF  05 01 <default>  06 02 <total> <remaining>
 *   9B management:   01 01 <alg>  02 02 00 <touch>  05 01 <default>
 *   key slot:        01 01 <alg>  02 02 <pin> <touch>  03 01 <origin>  04 len <public key>
 * An empty slot and an unknown P2 answer 6A88 (reference data not found). */
#include <string.h>

#include "vpiv_crypto.h"
#include "vpiv_internal.h"

static uint16_t secret_metadata(const vpiv_secret *s, uint8_t *out, size_t *out_len)
{
    const uint8_t alg = 0xFF, def = s->is_default ? 1 : 0;
    const uint8_t tries[2] = {s->max_tries, s->tries_left};
    size_t len = 0;

    if (!vpiv_put_tlv(out, VPIV_MAX_RESPONSE, &len, 0x01, &alg, 1) ||
        !vpiv_put_tlv(out, VPIV_MAX_RESPONSE, &len, 0x05, &def, 1) ||
        !vpiv_put_tlv(out, VPIV_MAX_RESPONSE, &len, 0x06, tries, 2))
        return SW_NO_DIAGNOSIS;
    *out_len = len;
    return SW_OK;
}

static uint16_t mgm_metadata(const vpiv_card *card, uint8_t *out, size_t *out_len)
{
    const uint8_t policy[2] = {0x00, card->mgm_touch}, def = card->mgm_default ? 1 : 0;
    size_t len = 0;

    if (!vpiv_put_tlv(out, VPIV_MAX_RESPONSE, &len, 0x01, &card->mgm_alg, 1) ||
        !vpiv_put_tlv(out, VPIV_MAX_RESPONSE, &len, 0x02, policy, 2) ||
        !vpiv_put_tlv(out, VPIV_MAX_RESPONSE, &len, 0x05, &def, 1))
        return SW_NO_DIAGNOSIS;
    *out_len = len;
    return SW_OK;
}

static uint16_t slot_metadata(const vpiv_slot *slot, uint8_t *out, size_t *out_len)
{
    const uint8_t policy[2] = {slot->pin_policy, slot->touch_policy};
    const size_t hdr = 8; /* the public key TLVs are built here, then wrapped in 04 */
    size_t len = 0, plen = 0;

    if (!slot->key || !slot->alg)
        return SW_REF_NOT_FOUND;
    if (!vpiv_put_tlv(out, VPIV_MAX_RESPONSE, &len, 0x01, &slot->alg, 1) ||
        !vpiv_put_tlv(out, VPIV_MAX_RESPONSE, &len, 0x02, policy, 2) ||
        !vpiv_put_tlv(out, VPIV_MAX_RESPONSE, &len, 0x03, &slot->origin, 1) ||
        !vpiv_pubkey_tlvs(slot->key, slot->alg, out + len + hdr,
                          VPIV_MAX_RESPONSE - len - hdr, &plen) ||
        !vpiv_put_tlv(out, VPIV_MAX_RESPONSE, &len, 0x04, out + len + hdr, plen))
        return SW_NO_DIAGNOSIS;
    *out_len = len;
    return SW_OK;
}

uint16_t vpiv_cmd_get_metadata(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out,
                               size_t *out_len)
{
    const vpiv_slot *slot;

    if (cmd->p1 != 0x00)
        return SW_INCORRECT_P1P2;
    switch (cmd->p2) {
    case 0x80:
        return secret_metadata(&card->pin, out, out_len);
    case 0x81:
        return secret_metadata(&card->puk, out, out_len);
    case 0x9B:
        return mgm_metadata(card, out, out_len);
    default:
        slot = vpiv_slot_find(card, cmd->p2);
        return slot ? slot_metadata(slot, out, out_len) : SW_REF_NOT_FOUND;
    }
}
