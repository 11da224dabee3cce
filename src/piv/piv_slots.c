/* Key slots and their certificate objects (SP 800-73-4 table 3 and the retired slots). */
#include "piv.h"

uint32_t ch_piv_cert_tag(uint8_t slot)
{
    switch (slot) {
    case CH_PIV_SLOT_AUTH: return 0x5FC105u;
    case CH_PIV_SLOT_SIGN: return 0x5FC10Au;
    case CH_PIV_SLOT_KEYMGMT: return 0x5FC10Bu;
    case CH_PIV_SLOT_CARDAUTH: return 0x5FC101u;
    default: break;
    }
    /* Retired key management 1..20 (82..95) hold their certificates in 5FC10D..5FC120. */
    if (slot >= CH_PIV_SLOT_RETIRED_FIRST && slot <= CH_PIV_SLOT_RETIRED_LAST)
        return 0x5FC10Du + (uint32_t)(slot - CH_PIV_SLOT_RETIRED_FIRST);
    return 0;
}
