/* test_layout_runtime.c: CARD_DATA_SIZE_V4..V7 agree with the member lists of each version.
 *
 * Portable (32- and 64-bit): counts are in pointer-sized slots, which holds because every
 * CARD_DATA member from pfnCspAlloc on is pointer sized and the first four (DWORD, PBYTE,
 * DWORD, LPWSTR) fill exactly four slots. Silent on success; one line per failure on stderr.
 */
#include <stddef.h>
#include <stdio.h>

#include "cardmod.h"

static int failures;

static void check_version(unsigned version, size_t size, size_t last_member_offset,
                          size_t expected_members, size_t expected_module_members)
{
    const size_t slot = sizeof(void *);
    const size_t module_start = offsetof(CARD_DATA, pfnCardDeleteContext);

    if (size != last_member_offset + slot) {
        fprintf(stderr, "CARD_DATA_SIZE_V%u = %zu, expected last member offset %zu + %zu\n",
                version, size, last_member_offset, slot);
        failures++;
    }
    if (size % slot != 0 || size / slot != expected_members) {
        fprintf(stderr, "CARD_DATA_SIZE_V%u = %zu: %zu slots of %zu, expected %zu members\n",
                version, size, size / slot, slot, expected_members);
        failures++;
    }
    if ((size - module_start) / slot != expected_module_members) {
        fprintf(stderr, "CARD_DATA v%u: %zu members from pfnCardDeleteContext, expected %zu\n",
                version, (size - module_start) / slot, expected_module_members);
        failures++;
    }
}

int main(void)
{
    /* Members 1-15 are the CSP's: the card module's part starts at slot 15. */
    if (offsetof(CARD_DATA, pfnCardDeleteContext) != 15 * sizeof(void *)) {
        fprintf(stderr, "pfnCardDeleteContext at %zu, expected slot 15\n",
                offsetof(CARD_DATA, pfnCardDeleteContext));
        failures++;
    }

    /* v4 ends with member 41, v5 with 44, v6 with 52, v7 with 63. */
    check_version(4, CARD_DATA_SIZE_V4, offsetof(CARD_DATA, pfnCardConstructDHAgreement), 41,
                  26);
    check_version(5, CARD_DATA_SIZE_V5, offsetof(CARD_DATA, pfnCspGetDHAgreement), 44, 29);
    check_version(6, CARD_DATA_SIZE_V6, offsetof(CARD_DATA, pfnCardSetProperty), 52, 37);
    check_version(7, CARD_DATA_SIZE_V7, offsetof(CARD_DATA, pfnCardCreateContainerEx), 63, 48);

    if (!(CARD_DATA_SIZE_V4 < CARD_DATA_SIZE_V5 && CARD_DATA_SIZE_V5 < CARD_DATA_SIZE_V6 &&
          CARD_DATA_SIZE_V6 < CARD_DATA_SIZE_V7)) {
        fprintf(stderr, "CARD_DATA_SIZE_Vn must grow with n\n");
        failures++;
    }

    return failures == 0 ? 0 : 1;
}
