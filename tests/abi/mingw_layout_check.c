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
#include "../../src/cardmod/cardmod_layout_assert.h"

#ifndef _INC_CARDMOD
#error "expected mingw-w64's <cardmod.h>"
#endif
#ifdef CH_CARDMOD_H
#error "our cardmod.h was picked up instead of mingw-w64's: fix the include path"
#endif

#if UINTPTR_MAX == UINT64_MAX

/* CARD_DATA: the 44 members mingw-w64 declares (v4 + v5). */
CH_LAYOUT_CARD_DATA_V5(CH_OFF)
/* mingw-w64's CARD_DATA is exactly what a v5 CSP allocates. */
CH_CHECK(sizeof(CARD_DATA) == CH_SIZE_CARD_DATA_V5);
CH_CHECK(offsetof(CARD_DATA, pfnCardDeriveKey) == CH_SIZE_CARD_DATA_V4);

CH_STRUCT(CONTAINER_INFO)
CH_STRUCT(CARD_CAPABILITIES)

/* CARD_KEY_SIZES: only the members before mingw-w64's missing dwDefaultBitlen. */
CH_LAYOUT_CARD_KEY_SIZES_HEAD(CH_OFF)

/* CARD_SIGNING_INFO (v2) */
CH_STRUCT(CARD_SIGNING_INFO)
CH_STRUCT(CARD_FILE_INFO)
CH_STRUCT(CARD_FREE_SPACE_INFO)

/* CARD_RSA_DECRYPT_INFO: mingw-w64 declares version 1 only. */
CH_LAYOUT_CARD_RSA_DECRYPT_INFO_V1(CH_OFF)
CH_CHECK(sizeof(CARD_RSA_DECRYPT_INFO) == CH_SIZE_CARD_RSA_DECRYPT_INFO_V1);

CH_STRUCT(CARD_DH_AGREEMENT_INFO)

/* CARD_DERIVE_KEY: mingw-w64 declares version 1 only. */
CH_LAYOUT_CARD_DERIVE_KEY_V1(CH_OFF)
CH_CHECK(sizeof(CARD_DERIVE_KEY) == CH_SIZE_CARD_DERIVE_KEY_V1);

/* Key blob headers and padding infos from the SDK's wincrypt.h / bcrypt.h. */
CH_LAYOUT_CRYPT_STRUCTS(CH_STRUCT)

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
