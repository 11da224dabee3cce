/* Entry points not implemented yet. Each returns SCARD_E_UNSUPPORTED_FEATURE without
 * touching its arguments, as the specification asks of a partial card module that still fills
 * every pointer of its version. docs/entry-points.md lists them; each moves to its own file
 * when implemented. */
#include "md_entry.h"

/* The parameters are part of the ABI but unused until the entry point is implemented. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

DWORD WINAPI CardCreateDirectory(PCARD_DATA pCardData, LPSTR pszDirectoryName, CARD_DIRECTORY_ACCESS_CONDITION AccessCondition)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardDeleteDirectory(PCARD_DATA pCardData, LPSTR pszDirectoryName)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI MDImportSessionKey(PCARD_DATA pCardData, LPCWSTR pwszBlobType, LPCWSTR pwszAlgId, PCARD_KEY_HANDLE phKey, PBYTE pbInput, DWORD cbInput)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI MDEncryptData(PCARD_DATA pCardData, CARD_KEY_HANDLE hKey, LPCWSTR pwszSecureFunction, PBYTE pbInput, DWORD cbInput, DWORD dwFlags, PCARD_ENCRYPTED_DATA *ppEncryptedData, PDWORD pcEncryptedData)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardImportSessionKey(PCARD_DATA pCardData, BYTE bContainerIndex, LPVOID pPaddingInfo, LPCWSTR pwszBlobType, LPCWSTR pwszAlgId, PCARD_KEY_HANDLE phKey, PBYTE pbInput, DWORD cbInput, DWORD dwFlags)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardGetSharedKeyHandle(PCARD_DATA pCardData, PBYTE pbInput, DWORD cbInput, PBYTE *ppbOutput, PDWORD pcbOutput, PCARD_KEY_HANDLE phKey)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardGetAlgorithmProperty(PCARD_DATA pCardData, LPCWSTR pwszAlgId, LPCWSTR pwszProperty, PBYTE pbData, DWORD cbData, PDWORD pdwDataLen, DWORD dwFlags)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardGetKeyProperty(PCARD_DATA pCardData, CARD_KEY_HANDLE hKey, LPCWSTR pwszProperty, PBYTE pbData, DWORD cbData, PDWORD pdwDataLen, DWORD dwFlags)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardSetKeyProperty(PCARD_DATA pCardData, CARD_KEY_HANDLE hKey, LPCWSTR pwszProperty, PBYTE pbInput, DWORD cbInput, DWORD dwFlags)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardDestroyKey(PCARD_DATA pCardData, CARD_KEY_HANDLE hKey)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}

DWORD WINAPI CardProcessEncryptedData(PCARD_DATA pCardData, CARD_KEY_HANDLE hKey, LPCWSTR pwszSecureFunction, PCARD_ENCRYPTED_DATA pEncryptedData, DWORD cEncryptedData, PBYTE pbOutput, DWORD cbOutput, PDWORD pdwOutputLen, DWORD dwFlags)
{
    return SCARD_E_UNSUPPORTED_FEATURE;
}
