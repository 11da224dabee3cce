/* BER definite lengths as PIV commands write them (piv_internal.h). */
#include "piv_internal.h"

size_t ch_piv_ber_len(size_t len, uint8_t out[CH_PIV_BER_LEN_MAX])
{
    if (len < 0x80u) {
        out[0] = (uint8_t)len;
        return 1;
    }
    if (len <= 0xFFu) {
        out[0] = 0x81, out[1] = (uint8_t)len;
        return 2;
    }
    if (len <= 0xFFFFu) {
        out[0] = 0x82, out[1] = (uint8_t)(len >> 8), out[2] = (uint8_t)(len & 0xFFu);
        return 3;
    }
    if (len <= 0xFFFFFFu) {
        out[0] = 0x83, out[1] = (uint8_t)(len >> 16), out[2] = (uint8_t)((len >> 8) & 0xFFu);
        out[3] = (uint8_t)(len & 0xFFu);
        return 4;
    }
    return 0;
}

size_t ch_piv_ber_len_size(size_t len)
{
    return len < 0x80u ? 1u : len <= 0xFFu ? 2u : len <= 0xFFFFu ? 3u : 4u;
}
