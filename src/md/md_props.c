/* NOT YET IMPLEMENTED: being written (issue 4); returns SCARD_E_UNSUPPORTED_FEATURE meanwhile. */
#include "md_entry.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

DWORD WINAPI CardGetProperty(PCARD_DATA pCardData, LPCWSTR wszProperty, PBYTE pbData, DWORD cbData, PDWORD pdwDataLen, DWORD dwFlags)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardSetProperty(PCARD_DATA pCardData, LPCWSTR wszProperty, PBYTE pbData, DWORD cbDataLen, DWORD dwFlags)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardGetContainerProperty(PCARD_DATA pCardData, BYTE bContainerIndex, LPCWSTR wszProperty, PBYTE pbData, DWORD cbData, PDWORD pdwDataLen, DWORD dwFlags)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardSetContainerProperty(PCARD_DATA pCardData, BYTE bContainerIndex, LPCWSTR wszProperty, PBYTE pbData, DWORD cbDataLen, DWORD dwFlags)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}
