/* mingw_layout_check.c: cross-check of cardmod_layout.h against an independent header.
 *
 * Compiled only by the mingw-w64 cross compiler. It includes mingw-w64's own <windows.h> and
 * <cardmod.h> (public domain, written independently of ours) and proves that every member that
 * header declares sits at the offset our layout says. Our cardmod.h is deliberately NOT
 * included: do not put src/cardmod on this TU's include path, or <cardmod.h> would resolve to
 * ours and the check would compare our header with itself.
 *
 * Known mistakes in mingw-w64's cardmod.h (checked against the Smart Card Minidriver
 * Specification v7 digest, shared/reference/cardmod.md); the affected members are not asserted:
 *
 *  - CARD_KEY_SIZES lacks dwDefaultBitlen (between dwMinimumBitlen and dwMaximumBitlen). Ours
 *    is 20 bytes with dwMaximumBitlen at 12 and dwIncrementalBitlen at 16; mingw's is 16 bytes
 *    with them at 8 and 12. A minidriver built on mingw's layout would report its default as
 *    the maximum and its maximum as the increment.
 *  - CARD_PADDING_NONE 0 / CARD_PADDING_PKCS1 1: the specification's values are 1 and 2 (flag
 *    bits, like PSS 4 and OAEP 8); CARD_PADDING_OAEP is missing.
 *  - CARD_RSA_DECRYPT_INFO stops at cbData (structure version 1): pPaddingInfo and
 *    dwPaddingType of version 2 are missing. Its size equals our v1 prefix (asserted below).
 *  - CARD_DERIVE_KEY stops at cbDerivedKey (version 1): pwszAlgId, dwKeyLen and hKey of version
 *    2 are missing; pwszKDF is LPCWSTR where the specification has LPWSTR (same layout).
 *  - CARD_FILE_ACCESS_CONDITION lacks UserReadWriteAc 5 and AdminReadWriteAc 6, and InvalidAc
 *    is a macro instead of an enumerator; CARD_DIRECTORY_ACCESS_CONDITION lacks InvalidDirAc 0.
 *  - CARD_DATA stops after pfnCspGetDHAgreement (version 5, 44 members): the v6 and v7 members,
 *    PIN_INFO, properties, CONTAINER_MAP_RECORD, CARD_CACHE_FILE_FORMAT and the
 *    CARD_DATA_VERSION_* constants are absent. Below _WIN32_WINNT 0x0600 the v5 function
 *    pointers are declared as LPVOID (same size, same offsets).
 */
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0600 /* mingw-w64 declares the v5 CARD_DATA members from Vista on */
#endif
#if _WIN32_WINNT < 0x0600
#error "_WIN32_WINNT must be at least 0x0600 for mingw-w64 to declare the v5 members"
#endif

#include <stddef.h>
#include <stdint.h>

#include <windows.h>
#include <bcrypt.h>
#include <wincrypt.h>
#include <cardmod.h>

#include "../../src/cardmod/cardmod_layout.h"

#ifndef _INC_CARDMOD
#error "expected mingw-w64's <cardmod.h>"
#endif
#ifdef CH_CARDMOD_H
#error "our cardmod.h was picked up instead of mingw-w64's: fix the include path"
#endif

#define CH_CHECK(cond) _Static_assert(cond, #cond)
/* Token pasting ties each member to its CH_OFF_<STRUCT>_<member> constant by name. */
#define CH_OFF(S, m) _Static_assert(offsetof(S, m) == CH_OFF_##S##_##m, "offset of " #S "." #m)
#define CH_SIZE(S) _Static_assert(sizeof(S) == CH_SIZE_##S, "size of " #S)

#if UINTPTR_MAX == UINT64_MAX

/* CARD_DATA: the 44 members mingw-w64 declares (v4 + v5). */
CH_OFF(CARD_DATA, dwVersion);
CH_OFF(CARD_DATA, pbAtr);
CH_OFF(CARD_DATA, cbAtr);
CH_OFF(CARD_DATA, pwszCardName);
CH_OFF(CARD_DATA, pfnCspAlloc);
CH_OFF(CARD_DATA, pfnCspReAlloc);
CH_OFF(CARD_DATA, pfnCspFree);
CH_OFF(CARD_DATA, pfnCspCacheAddFile);
CH_OFF(CARD_DATA, pfnCspCacheLookupFile);
CH_OFF(CARD_DATA, pfnCspCacheDeleteFile);
CH_OFF(CARD_DATA, pvCacheContext);
CH_OFF(CARD_DATA, pfnCspPadData);
CH_OFF(CARD_DATA, hSCardCtx);
CH_OFF(CARD_DATA, hScard);
CH_OFF(CARD_DATA, pvVendorSpecific);
CH_OFF(CARD_DATA, pfnCardDeleteContext);
CH_OFF(CARD_DATA, pfnCardQueryCapabilities);
CH_OFF(CARD_DATA, pfnCardDeleteContainer);
CH_OFF(CARD_DATA, pfnCardCreateContainer);
CH_OFF(CARD_DATA, pfnCardGetContainerInfo);
CH_OFF(CARD_DATA, pfnCardAuthenticatePin);
CH_OFF(CARD_DATA, pfnCardGetChallenge);
CH_OFF(CARD_DATA, pfnCardAuthenticateChallenge);
CH_OFF(CARD_DATA, pfnCardUnblockPin);
CH_OFF(CARD_DATA, pfnCardChangeAuthenticator);
CH_OFF(CARD_DATA, pfnCardDeauthenticate);
CH_OFF(CARD_DATA, pfnCardCreateDirectory);
CH_OFF(CARD_DATA, pfnCardDeleteDirectory);
CH_OFF(CARD_DATA, pvUnused3);
CH_OFF(CARD_DATA, pvUnused4);
CH_OFF(CARD_DATA, pfnCardCreateFile);
CH_OFF(CARD_DATA, pfnCardReadFile);
CH_OFF(CARD_DATA, pfnCardWriteFile);
CH_OFF(CARD_DATA, pfnCardDeleteFile);
CH_OFF(CARD_DATA, pfnCardEnumFiles);
CH_OFF(CARD_DATA, pfnCardGetFileInfo);
CH_OFF(CARD_DATA, pfnCardQueryFreeSpace);
CH_OFF(CARD_DATA, pfnCardQueryKeySizes);
CH_OFF(CARD_DATA, pfnCardSignData);
CH_OFF(CARD_DATA, pfnCardRSADecrypt);
CH_OFF(CARD_DATA, pfnCardConstructDHAgreement);
CH_OFF(CARD_DATA, pfnCardDeriveKey);
CH_OFF(CARD_DATA, pfnCardDestroyDHAgreement);
CH_OFF(CARD_DATA, pfnCspGetDHAgreement);
/* mingw-w64's CARD_DATA is exactly what a v5 CSP allocates. */
CH_CHECK(sizeof(CARD_DATA) == CH_SIZE_CARD_DATA_V5);
CH_CHECK(offsetof(CARD_DATA, pfnCardDeriveKey) == CH_SIZE_CARD_DATA_V4);

/* CONTAINER_INFO */
CH_OFF(CONTAINER_INFO, dwVersion);
CH_OFF(CONTAINER_INFO, dwReserved);
CH_OFF(CONTAINER_INFO, cbSigPublicKey);
CH_OFF(CONTAINER_INFO, pbSigPublicKey);
CH_OFF(CONTAINER_INFO, cbKeyExPublicKey);
CH_OFF(CONTAINER_INFO, pbKeyExPublicKey);
CH_SIZE(CONTAINER_INFO);

/* CARD_CAPABILITIES */
CH_OFF(CARD_CAPABILITIES, dwVersion);
CH_OFF(CARD_CAPABILITIES, fCertificateCompression);
CH_OFF(CARD_CAPABILITIES, fKeyGen);
CH_SIZE(CARD_CAPABILITIES);

/* CARD_KEY_SIZES: only the members before mingw-w64's missing dwDefaultBitlen. */
CH_OFF(CARD_KEY_SIZES, dwVersion);
CH_OFF(CARD_KEY_SIZES, dwMinimumBitlen);

/* CARD_SIGNING_INFO (v2) */
CH_OFF(CARD_SIGNING_INFO, dwVersion);
CH_OFF(CARD_SIGNING_INFO, bContainerIndex);
CH_OFF(CARD_SIGNING_INFO, dwKeySpec);
CH_OFF(CARD_SIGNING_INFO, dwSigningFlags);
CH_OFF(CARD_SIGNING_INFO, aiHashAlg);
CH_OFF(CARD_SIGNING_INFO, pbData);
CH_OFF(CARD_SIGNING_INFO, cbData);
CH_OFF(CARD_SIGNING_INFO, pbSignedData);
CH_OFF(CARD_SIGNING_INFO, cbSignedData);
CH_OFF(CARD_SIGNING_INFO, pPaddingInfo);
CH_OFF(CARD_SIGNING_INFO, dwPaddingType);
CH_SIZE(CARD_SIGNING_INFO);

/* CARD_FILE_INFO */
CH_OFF(CARD_FILE_INFO, dwVersion);
CH_OFF(CARD_FILE_INFO, cbFileSize);
CH_OFF(CARD_FILE_INFO, AccessCondition);
CH_SIZE(CARD_FILE_INFO);

/* CARD_FREE_SPACE_INFO */
CH_OFF(CARD_FREE_SPACE_INFO, dwVersion);
CH_OFF(CARD_FREE_SPACE_INFO, dwBytesAvailable);
CH_OFF(CARD_FREE_SPACE_INFO, dwKeyContainersAvailable);
CH_OFF(CARD_FREE_SPACE_INFO, dwMaxKeyContainers);
CH_SIZE(CARD_FREE_SPACE_INFO);

/* CARD_RSA_DECRYPT_INFO: mingw-w64 declares version 1 only. */
CH_OFF(CARD_RSA_DECRYPT_INFO, dwVersion);
CH_OFF(CARD_RSA_DECRYPT_INFO, bContainerIndex);
CH_OFF(CARD_RSA_DECRYPT_INFO, dwKeySpec);
CH_OFF(CARD_RSA_DECRYPT_INFO, pbData);
CH_OFF(CARD_RSA_DECRYPT_INFO, cbData);
CH_CHECK(sizeof(CARD_RSA_DECRYPT_INFO) == CH_SIZE_CARD_RSA_DECRYPT_INFO_V1);

/* CARD_DH_AGREEMENT_INFO */
CH_OFF(CARD_DH_AGREEMENT_INFO, dwVersion);
CH_OFF(CARD_DH_AGREEMENT_INFO, bContainerIndex);
CH_OFF(CARD_DH_AGREEMENT_INFO, dwFlags);
CH_OFF(CARD_DH_AGREEMENT_INFO, dwPublicKey);
CH_OFF(CARD_DH_AGREEMENT_INFO, pbPublicKey);
CH_OFF(CARD_DH_AGREEMENT_INFO, pbReserved);
CH_OFF(CARD_DH_AGREEMENT_INFO, cbReserved);
CH_OFF(CARD_DH_AGREEMENT_INFO, bSecretAgreementIndex);
CH_SIZE(CARD_DH_AGREEMENT_INFO);

/* CARD_DERIVE_KEY: mingw-w64 declares version 1 only. */
CH_OFF(CARD_DERIVE_KEY, dwVersion);
CH_OFF(CARD_DERIVE_KEY, dwFlags);
CH_OFF(CARD_DERIVE_KEY, pwszKDF);
CH_OFF(CARD_DERIVE_KEY, bSecretAgreementIndex);
CH_OFF(CARD_DERIVE_KEY, pParameterList);
CH_OFF(CARD_DERIVE_KEY, pbDerivedKey);
CH_OFF(CARD_DERIVE_KEY, cbDerivedKey);
CH_CHECK(sizeof(CARD_DERIVE_KEY) == CH_SIZE_CARD_DERIVE_KEY_V1);

/* Key blob headers and padding infos from the SDK's wincrypt.h / bcrypt.h. */
CH_OFF(BLOBHEADER, bType);
CH_OFF(BLOBHEADER, bVersion);
CH_OFF(BLOBHEADER, reserved);
CH_OFF(BLOBHEADER, aiKeyAlg);
CH_SIZE(BLOBHEADER);
CH_OFF(RSAPUBKEY, magic);
CH_OFF(RSAPUBKEY, bitlen);
CH_OFF(RSAPUBKEY, pubexp);
CH_SIZE(RSAPUBKEY);
CH_OFF(BCRYPT_ECCKEY_BLOB, dwMagic);
CH_OFF(BCRYPT_ECCKEY_BLOB, cbKey);
CH_SIZE(BCRYPT_ECCKEY_BLOB);
CH_OFF(BCRYPT_PKCS1_PADDING_INFO, pszAlgId);
CH_SIZE(BCRYPT_PKCS1_PADDING_INFO);
CH_OFF(BCRYPT_PSS_PADDING_INFO, pszAlgId);
CH_OFF(BCRYPT_PSS_PADDING_INFO, cbSalt);
CH_SIZE(BCRYPT_PSS_PADDING_INFO);
CH_OFF(BCRYPT_OAEP_PADDING_INFO, pszAlgId);
CH_OFF(BCRYPT_OAEP_PADDING_INFO, pbLabel);
CH_OFF(BCRYPT_OAEP_PADDING_INFO, cbLabel);
CH_SIZE(BCRYPT_OAEP_PADDING_INFO);

#endif /* 64-bit */

/* Values where mingw-w64 agrees with the specification (CARD_PADDING_NONE/PKCS1 do not). */
CH_CHECK(AT_KEYEXCHANGE == 1 && AT_SIGNATURE == 2 && AT_ECDSA_P256 == 3 && AT_ECDHE_P521 == 8);
CH_CHECK(CARD_CREATE_CONTAINER_KEY_GEN == 1 && CARD_CREATE_CONTAINER_KEY_IMPORT == 2);
CH_CHECK(CARD_BUFFER_SIZE_ONLY == 0x20000000 && CARD_PADDING_INFO_PRESENT == 0x40000000);
CH_CHECK(CARD_PADDING_PSS == 4);
CH_CHECK(EveryoneReadUserWriteAc == 1 && UserWriteExecuteAc == 2 &&
         EveryoneReadAdminWriteAc == 3 && UnknownAc == 4 && InvalidAc == 0);
CH_CHECK(UserCreateDeleteDirAc == 1 && AdminCreateDeleteDirAc == 2);
CH_CHECK(sizeof(CARD_FILE_ACCESS_CONDITION) == 4);

/* Keeps the translation unit non-empty whatever the target (ISO C forbids an empty one). */
extern int ch_mingw_layout_check_unused;
