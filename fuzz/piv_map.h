/* The card module's container <-> PIV slot <-> object mapping (docs/card-mapping.md), written
 * out once for the harnesses that check the card behind the module (fuzz_keyblob,
 * fuzz_session). Spelled here, not taken from src/, so that the oracles do not trust the code
 * they test. */
#ifndef CH_FUZZ_PIV_MAP_H
#define CH_FUZZ_PIV_MAP_H

#include <stdint.h>

#include "cardmod.h"

/* Containers 0..3: 9A 9C 9D 9E; 4..23: the retired slots 82..95. */
static inline uint8_t fz_slot_of(unsigned idx)
{
    static const uint8_t primary[4] = {0x9A, 0x9C, 0x9D, 0x9E};
    return idx < 4u ? primary[idx] : (uint8_t)(0x82u + (idx - 4u));
}

/* The certificate object of a slot. */
static inline uint32_t fz_cert_tag(uint8_t slot)
{
    switch (slot) {
    case 0x9A: return 0x5FC105u;
    case 0x9C: return 0x5FC10Au;
    case 0x9D: return 0x5FC10Bu;
    case 0x9E: return 0x5FC101u;
    default: return 0x5FC10Du + (uint32_t)(slot - 0x82u);
    }
}

/* The PIN the container's key is bound to: 9C PIN-always (PIN id 3), 9E none, the others the
 * PIV PIN. */
static inline PIN_ID fz_container_pin(unsigned idx)
{
    return idx == 1u ? 3u : idx == 3u ? ROLE_EVERYONE : ROLE_USER;
}

#endif
