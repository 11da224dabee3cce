/* NOT YET IMPLEMENTED: being written (issue 4); returns SCARD_E_UNSUPPORTED_FEATURE meanwhile. */
#include "md_entry.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

DWORD WINAPI CardReadFile(PCARD_DATA pCardData, LPSTR pszDirectoryName, LPSTR pszFileName, DWORD dwFlags, PBYTE *ppbData, PDWORD pcbData)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardEnumFiles(PCARD_DATA pCardData, LPSTR pszDirectoryName, LPSTR *pmszFileNames, LPDWORD pdwcbFileName, DWORD dwFlags)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardGetFileInfo(PCARD_DATA pCardData, LPSTR pszDirectoryName, LPSTR pszFileName, PCARD_FILE_INFO pCardFileInfo)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}
