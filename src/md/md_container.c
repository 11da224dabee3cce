/* NOT YET IMPLEMENTED: being written (issue 4); returns SCARD_E_UNSUPPORTED_FEATURE meanwhile. */
#include "md_entry.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

DWORD WINAPI CardGetContainerInfo(PCARD_DATA pCardData, BYTE bContainerIndex, DWORD dwFlags, PCONTAINER_INFO pContainerInfo)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}
