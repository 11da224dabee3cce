/* vpiv: the YubiKey GET VERSION (FD) and GET SERIAL (F8) commands. Like a YubiKey, both
 * ignore P1, P2 and any data. */
#include "vpiv_internal.h"

/* The firmware this card imitates: YubiKey 5, 5.4.3. */
static const uint8_t version[3] = {5, 4, 3};

uint16_t vpiv_cmd_get_version(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out,
                              size_t *out_len)
{
    (void)card;
    (void)cmd;
    out[0] = version[0];
    out[1] = version[1];
    out[2] = version[2];
    *out_len = sizeof version;
    return SW_OK;
}

uint16_t vpiv_cmd_get_serial(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out,
                             size_t *out_len)
{
    (void)cmd;
    out[0] = (uint8_t)(card->serial >> 24);
    out[1] = (uint8_t)(card->serial >> 16);
    out[2] = (uint8_t)(card->serial >> 8);
    out[3] = (uint8_t)card->serial;
    *out_len = 4;
    return SW_OK;
}
