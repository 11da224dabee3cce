/* NOT YET IMPLEMENTED: being written (issue 4); returns SCARD_E_UNSUPPORTED_FEATURE meanwhile. */
#include "md_entry.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

DWORD WINAPI CardQueryCapabilities(PCARD_DATA pCardData, PCARD_CAPABILITIES pCardCapabilities)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardQueryFreeSpace(PCARD_DATA pCardData, DWORD dwFlags, PCARD_FREE_SPACE_INFO pCardFreeSpaceInfo)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardQueryKeySizes(PCARD_DATA pCardData, DWORD dwKeySpec, DWORD dwFlags, PCARD_KEY_SIZES pKeySizes)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}
