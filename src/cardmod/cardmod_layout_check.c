/* cardmod_layout_check.c: compile-time proof that cardmod.h lays CARD_DATA and every ABI
 * structure out at the offsets of cardmod_layout.h on 64-bit targets. Defines no symbol: a
 * wrong offset fails the build, there is nothing to run.
 */
#include <stddef.h>
#include <stdint.h>

#include "cardmod.h"
#include "cardmod_layout.h"

#define CH_CHECK(cond) _Static_assert(cond, #cond)
/* Token pasting ties each member to its CH_OFF_<STRUCT>_<member> constant by name. */
#define CH_OFF(S, m) _Static_assert(offsetof(S, m) == CH_OFF_##S##_##m, "offset of " #S "." #m)
#define CH_SIZE(S) _Static_assert(sizeof(S) == CH_SIZE_##S, "size of " #S)

#if UINTPTR_MAX == UINT64_MAX

/* CARD_DATA */
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
CH_OFF(CARD_DATA, pfnCardGetChallengeEx);
CH_OFF(CARD_DATA, pfnCardAuthenticateEx);
CH_OFF(CARD_DATA, pfnCardChangeAuthenticatorEx);
CH_OFF(CARD_DATA, pfnCardDeauthenticateEx);
CH_OFF(CARD_DATA, pfnCardGetContainerProperty);
CH_OFF(CARD_DATA, pfnCardSetContainerProperty);
CH_OFF(CARD_DATA, pfnCardGetProperty);
CH_OFF(CARD_DATA, pfnCardSetProperty);
CH_OFF(CARD_DATA, pfnCspUnpadData);
CH_OFF(CARD_DATA, pfnMDImportSessionKey);
CH_OFF(CARD_DATA, pfnMDEncryptData);
CH_OFF(CARD_DATA, pfnCardImportSessionKey);
CH_OFF(CARD_DATA, pfnCardGetSharedKeyHandle);
CH_OFF(CARD_DATA, pfnCardGetAlgorithmProperty);
CH_OFF(CARD_DATA, pfnCardGetKeyProperty);
CH_OFF(CARD_DATA, pfnCardSetKeyProperty);
CH_OFF(CARD_DATA, pfnCardDestroyKey);
CH_OFF(CARD_DATA, pfnCardProcessEncryptedData);
CH_OFF(CARD_DATA, pfnCardCreateContainerEx);
CH_SIZE(CARD_DATA);
CH_CHECK(CARD_DATA_SIZE_V4 == CH_SIZE_CARD_DATA_V4);
CH_CHECK(CARD_DATA_SIZE_V5 == CH_SIZE_CARD_DATA_V5);
CH_CHECK(CARD_DATA_SIZE_V6 == CH_SIZE_CARD_DATA_V6);
CH_CHECK(CARD_DATA_SIZE_V7 == CH_SIZE_CARD_DATA_V7);

/* CONTAINER_INFO */
CH_OFF(CONTAINER_INFO, dwVersion);
CH_OFF(CONTAINER_INFO, dwReserved);
CH_OFF(CONTAINER_INFO, cbSigPublicKey);
CH_OFF(CONTAINER_INFO, pbSigPublicKey);
CH_OFF(CONTAINER_INFO, cbKeyExPublicKey);
CH_OFF(CONTAINER_INFO, pbKeyExPublicKey);
CH_SIZE(CONTAINER_INFO);

/* CONTAINER_MAP_RECORD */
CH_OFF(CONTAINER_MAP_RECORD, wszGuid);
CH_OFF(CONTAINER_MAP_RECORD, bFlags);
CH_OFF(CONTAINER_MAP_RECORD, bReserved);
CH_OFF(CONTAINER_MAP_RECORD, wSigKeySizeBits);
CH_OFF(CONTAINER_MAP_RECORD, wKeyExchangeKeySizeBits);
CH_SIZE(CONTAINER_MAP_RECORD);

/* CARD_CAPABILITIES */
CH_OFF(CARD_CAPABILITIES, dwVersion);
CH_OFF(CARD_CAPABILITIES, fCertificateCompression);
CH_OFF(CARD_CAPABILITIES, fKeyGen);
CH_SIZE(CARD_CAPABILITIES);

/* CARD_KEY_SIZES */
CH_OFF(CARD_KEY_SIZES, dwVersion);
CH_OFF(CARD_KEY_SIZES, dwMinimumBitlen);
CH_OFF(CARD_KEY_SIZES, dwDefaultBitlen);
CH_OFF(CARD_KEY_SIZES, dwMaximumBitlen);
CH_OFF(CARD_KEY_SIZES, dwIncrementalBitlen);
CH_SIZE(CARD_KEY_SIZES);

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

/* CARD_SIGNING_INFO */
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

/* CARD_RSA_DECRYPT_INFO */
CH_OFF(CARD_RSA_DECRYPT_INFO, dwVersion);
CH_OFF(CARD_RSA_DECRYPT_INFO, bContainerIndex);
CH_OFF(CARD_RSA_DECRYPT_INFO, dwKeySpec);
CH_OFF(CARD_RSA_DECRYPT_INFO, pbData);
CH_OFF(CARD_RSA_DECRYPT_INFO, cbData);
CH_OFF(CARD_RSA_DECRYPT_INFO, pPaddingInfo);
CH_OFF(CARD_RSA_DECRYPT_INFO, dwPaddingType);
CH_SIZE(CARD_RSA_DECRYPT_INFO);
CH_CHECK(offsetof(CARD_RSA_DECRYPT_INFO, pPaddingInfo) == CH_SIZE_CARD_RSA_DECRYPT_INFO_V1);

/* PIN_CACHE_POLICY */
CH_OFF(PIN_CACHE_POLICY, dwVersion);
CH_OFF(PIN_CACHE_POLICY, PinCachePolicyType);
CH_OFF(PIN_CACHE_POLICY, dwPinCachePolicyInfo);
CH_SIZE(PIN_CACHE_POLICY);

/* PIN_INFO */
CH_OFF(PIN_INFO, dwVersion);
CH_OFF(PIN_INFO, PinType);
CH_OFF(PIN_INFO, PinPurpose);
CH_OFF(PIN_INFO, dwChangePermission);
CH_OFF(PIN_INFO, dwUnblockPermission);
CH_OFF(PIN_INFO, PinCachePolicy);
CH_OFF(PIN_INFO, dwFlags);
CH_SIZE(PIN_INFO);

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

/* CARD_DERIVE_KEY */
CH_OFF(CARD_DERIVE_KEY, dwVersion);
CH_OFF(CARD_DERIVE_KEY, dwFlags);
CH_OFF(CARD_DERIVE_KEY, pwszKDF);
CH_OFF(CARD_DERIVE_KEY, bSecretAgreementIndex);
CH_OFF(CARD_DERIVE_KEY, pParameterList);
CH_OFF(CARD_DERIVE_KEY, pbDerivedKey);
CH_OFF(CARD_DERIVE_KEY, cbDerivedKey);
CH_OFF(CARD_DERIVE_KEY, pwszAlgId);
CH_OFF(CARD_DERIVE_KEY, dwKeyLen);
CH_OFF(CARD_DERIVE_KEY, hKey);
CH_SIZE(CARD_DERIVE_KEY);
CH_CHECK(offsetof(CARD_DERIVE_KEY, pwszAlgId) == CH_SIZE_CARD_DERIVE_KEY_V1);

/* CARD_ENCRYPTED_DATA */
CH_OFF(CARD_ENCRYPTED_DATA, pbEncryptedData);
CH_OFF(CARD_ENCRYPTED_DATA, cbEncryptedData);
CH_SIZE(CARD_ENCRYPTED_DATA);

/* CARD_CACHE_FILE_FORMAT */
CH_OFF(CARD_CACHE_FILE_FORMAT, bVersion);
CH_OFF(CARD_CACHE_FILE_FORMAT, bPinsFreshness);
CH_OFF(CARD_CACHE_FILE_FORMAT, wContainersFreshness);
CH_OFF(CARD_CACHE_FILE_FORMAT, wFilesFreshness);
CH_SIZE(CARD_CACHE_FILE_FORMAT);

/* BLOBHEADER */
CH_OFF(BLOBHEADER, bType);
CH_OFF(BLOBHEADER, bVersion);
CH_OFF(BLOBHEADER, reserved);
CH_OFF(BLOBHEADER, aiKeyAlg);
CH_SIZE(BLOBHEADER);

/* RSAPUBKEY */
CH_OFF(RSAPUBKEY, magic);
CH_OFF(RSAPUBKEY, bitlen);
CH_OFF(RSAPUBKEY, pubexp);
CH_SIZE(RSAPUBKEY);

/* BCRYPT_ECCKEY_BLOB */
CH_OFF(BCRYPT_ECCKEY_BLOB, dwMagic);
CH_OFF(BCRYPT_ECCKEY_BLOB, cbKey);
CH_SIZE(BCRYPT_ECCKEY_BLOB);

/* BCRYPT_PKCS1_PADDING_INFO */
CH_OFF(BCRYPT_PKCS1_PADDING_INFO, pszAlgId);
CH_SIZE(BCRYPT_PKCS1_PADDING_INFO);

/* BCRYPT_PSS_PADDING_INFO */
CH_OFF(BCRYPT_PSS_PADDING_INFO, pszAlgId);
CH_OFF(BCRYPT_PSS_PADDING_INFO, cbSalt);
CH_SIZE(BCRYPT_PSS_PADDING_INFO);

/* BCRYPT_OAEP_PADDING_INFO */
CH_OFF(BCRYPT_OAEP_PADDING_INFO, pszAlgId);
CH_OFF(BCRYPT_OAEP_PADDING_INFO, pbLabel);
CH_OFF(BCRYPT_OAEP_PADDING_INFO, cbLabel);
CH_SIZE(BCRYPT_OAEP_PADDING_INFO);

#endif /* 64-bit */

/* Keeps the translation unit non-empty on 32-bit targets (ISO C forbids an empty one). */
extern int ch_cardmod_layout_check_unused;
