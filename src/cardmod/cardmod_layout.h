/* cardmod_layout.h: expected byte offsets and sizes of the Cardmod ABI on 64-bit targets.
 *
 * Plain numbers, computed by hand from the member order in cardmod.h (8-byte pointers, 4-byte
 * DWORD/BOOL/enum, natural alignment). LP64 (Linux, macOS) and LLP64 (Windows x64) agree because
 * the ABI uses no `long`. Checked against our header by cardmod_layout_check.c and against
 * mingw-w64's independent header by tests/abi/mingw_layout_check.c. Include nothing here: the
 * mingw check includes this next to the SDK's own definitions.
 *
 * Next to its constants, each structure has one or more member lists CH_LAYOUT_<STRUCT>...(X)
 * that expand X(STRUCT, member) for each CH_OFF_<STRUCT>_<member>, in member order, so that both
 * checks assert from the same lists (with CH_OFF of cardmod_layout_assert.h as X). A structure's
 * list is split where mingw-w64's header stops short of ours: every member is in exactly one
 * list, and the check of our header expands them all.
 */
#ifndef CH_CARDMOD_LAYOUT_H
#define CH_CARDMOD_LAYOUT_H

/* ---- CARD_DATA (63 members) ---- */
/* 1-15, v4, CSP */
#define CH_OFF_CARD_DATA_dwVersion 0
#define CH_OFF_CARD_DATA_pbAtr 8
#define CH_OFF_CARD_DATA_cbAtr 16
#define CH_OFF_CARD_DATA_pwszCardName 24
#define CH_OFF_CARD_DATA_pfnCspAlloc 32
#define CH_OFF_CARD_DATA_pfnCspReAlloc 40
#define CH_OFF_CARD_DATA_pfnCspFree 48
#define CH_OFF_CARD_DATA_pfnCspCacheAddFile 56
#define CH_OFF_CARD_DATA_pfnCspCacheLookupFile 64
#define CH_OFF_CARD_DATA_pfnCspCacheDeleteFile 72
#define CH_OFF_CARD_DATA_pvCacheContext 80
#define CH_OFF_CARD_DATA_pfnCspPadData 88
#define CH_OFF_CARD_DATA_hSCardCtx 96
#define CH_OFF_CARD_DATA_hScard 104
#define CH_OFF_CARD_DATA_pvVendorSpecific 112
/* 16-28, v4, card module */
#define CH_OFF_CARD_DATA_pfnCardDeleteContext 120
#define CH_OFF_CARD_DATA_pfnCardQueryCapabilities 128
#define CH_OFF_CARD_DATA_pfnCardDeleteContainer 136
#define CH_OFF_CARD_DATA_pfnCardCreateContainer 144
#define CH_OFF_CARD_DATA_pfnCardGetContainerInfo 152
#define CH_OFF_CARD_DATA_pfnCardAuthenticatePin 160
#define CH_OFF_CARD_DATA_pfnCardGetChallenge 168
#define CH_OFF_CARD_DATA_pfnCardAuthenticateChallenge 176
#define CH_OFF_CARD_DATA_pfnCardUnblockPin 184
#define CH_OFF_CARD_DATA_pfnCardChangeAuthenticator 192
#define CH_OFF_CARD_DATA_pfnCardDeauthenticate 200
#define CH_OFF_CARD_DATA_pfnCardCreateDirectory 208
#define CH_OFF_CARD_DATA_pfnCardDeleteDirectory 216
/* 29-30, v4, reserved */
#define CH_OFF_CARD_DATA_pvUnused3 224
#define CH_OFF_CARD_DATA_pvUnused4 232
/* 31-41, v4, card module */
#define CH_OFF_CARD_DATA_pfnCardCreateFile 240
#define CH_OFF_CARD_DATA_pfnCardReadFile 248
#define CH_OFF_CARD_DATA_pfnCardWriteFile 256
#define CH_OFF_CARD_DATA_pfnCardDeleteFile 264
#define CH_OFF_CARD_DATA_pfnCardEnumFiles 272
#define CH_OFF_CARD_DATA_pfnCardGetFileInfo 280
#define CH_OFF_CARD_DATA_pfnCardQueryFreeSpace 288
#define CH_OFF_CARD_DATA_pfnCardQueryKeySizes 296
#define CH_OFF_CARD_DATA_pfnCardSignData 304
#define CH_OFF_CARD_DATA_pfnCardRSADecrypt 312
#define CH_OFF_CARD_DATA_pfnCardConstructDHAgreement 320
/* 42-43, v5, card module */
#define CH_OFF_CARD_DATA_pfnCardDeriveKey 328
#define CH_OFF_CARD_DATA_pfnCardDestroyDHAgreement 336
/* 44, v5, CSP */
#define CH_OFF_CARD_DATA_pfnCspGetDHAgreement 344
/* 45-52, v6, card module */
#define CH_OFF_CARD_DATA_pfnCardGetChallengeEx 352
#define CH_OFF_CARD_DATA_pfnCardAuthenticateEx 360
#define CH_OFF_CARD_DATA_pfnCardChangeAuthenticatorEx 368
#define CH_OFF_CARD_DATA_pfnCardDeauthenticateEx 376
#define CH_OFF_CARD_DATA_pfnCardGetContainerProperty 384
#define CH_OFF_CARD_DATA_pfnCardSetContainerProperty 392
#define CH_OFF_CARD_DATA_pfnCardGetProperty 400
#define CH_OFF_CARD_DATA_pfnCardSetProperty 408
/* 53, v7, CSP */
#define CH_OFF_CARD_DATA_pfnCspUnpadData 416
/* 54-63, v7, card module */
#define CH_OFF_CARD_DATA_pfnMDImportSessionKey 424
#define CH_OFF_CARD_DATA_pfnMDEncryptData 432
#define CH_OFF_CARD_DATA_pfnCardImportSessionKey 440
#define CH_OFF_CARD_DATA_pfnCardGetSharedKeyHandle 448
#define CH_OFF_CARD_DATA_pfnCardGetAlgorithmProperty 456
#define CH_OFF_CARD_DATA_pfnCardGetKeyProperty 464
#define CH_OFF_CARD_DATA_pfnCardSetKeyProperty 472
#define CH_OFF_CARD_DATA_pfnCardDestroyKey 480
#define CH_OFF_CARD_DATA_pfnCardProcessEncryptedData 488
#define CH_OFF_CARD_DATA_pfnCardCreateContainerEx 496
#define CH_SIZE_CARD_DATA 504
/* What a CSP of each version allocates: offset of the first member of the next version. */
#define CH_SIZE_CARD_DATA_V4 328 /* 41 members */
#define CH_SIZE_CARD_DATA_V5 352 /* 44 members */
#define CH_SIZE_CARD_DATA_V6 416 /* 52 members */
#define CH_SIZE_CARD_DATA_V7 504 /* 63 members */
/* Members 1-44 (v4 and v5) and 45-63 (v6 and v7). */
#define CH_LAYOUT_CARD_DATA_V5(X)              \
    X(CARD_DATA, dwVersion)                    \
    X(CARD_DATA, pbAtr)                        \
    X(CARD_DATA, cbAtr)                        \
    X(CARD_DATA, pwszCardName)                 \
    X(CARD_DATA, pfnCspAlloc)                  \
    X(CARD_DATA, pfnCspReAlloc)                \
    X(CARD_DATA, pfnCspFree)                   \
    X(CARD_DATA, pfnCspCacheAddFile)           \
    X(CARD_DATA, pfnCspCacheLookupFile)        \
    X(CARD_DATA, pfnCspCacheDeleteFile)        \
    X(CARD_DATA, pvCacheContext)               \
    X(CARD_DATA, pfnCspPadData)                \
    X(CARD_DATA, hSCardCtx)                    \
    X(CARD_DATA, hScard)                       \
    X(CARD_DATA, pvVendorSpecific)             \
    X(CARD_DATA, pfnCardDeleteContext)         \
    X(CARD_DATA, pfnCardQueryCapabilities)     \
    X(CARD_DATA, pfnCardDeleteContainer)       \
    X(CARD_DATA, pfnCardCreateContainer)       \
    X(CARD_DATA, pfnCardGetContainerInfo)      \
    X(CARD_DATA, pfnCardAuthenticatePin)       \
    X(CARD_DATA, pfnCardGetChallenge)          \
    X(CARD_DATA, pfnCardAuthenticateChallenge) \
    X(CARD_DATA, pfnCardUnblockPin)            \
    X(CARD_DATA, pfnCardChangeAuthenticator)   \
    X(CARD_DATA, pfnCardDeauthenticate)        \
    X(CARD_DATA, pfnCardCreateDirectory)       \
    X(CARD_DATA, pfnCardDeleteDirectory)       \
    X(CARD_DATA, pvUnused3)                    \
    X(CARD_DATA, pvUnused4)                    \
    X(CARD_DATA, pfnCardCreateFile)            \
    X(CARD_DATA, pfnCardReadFile)              \
    X(CARD_DATA, pfnCardWriteFile)             \
    X(CARD_DATA, pfnCardDeleteFile)            \
    X(CARD_DATA, pfnCardEnumFiles)             \
    X(CARD_DATA, pfnCardGetFileInfo)           \
    X(CARD_DATA, pfnCardQueryFreeSpace)        \
    X(CARD_DATA, pfnCardQueryKeySizes)         \
    X(CARD_DATA, pfnCardSignData)              \
    X(CARD_DATA, pfnCardRSADecrypt)            \
    X(CARD_DATA, pfnCardConstructDHAgreement)  \
    X(CARD_DATA, pfnCardDeriveKey)             \
    X(CARD_DATA, pfnCardDestroyDHAgreement)    \
    X(CARD_DATA, pfnCspGetDHAgreement)
#define CH_LAYOUT_CARD_DATA_V6_V7(X)           \
    X(CARD_DATA, pfnCardGetChallengeEx)        \
    X(CARD_DATA, pfnCardAuthenticateEx)        \
    X(CARD_DATA, pfnCardChangeAuthenticatorEx) \
    X(CARD_DATA, pfnCardDeauthenticateEx)      \
    X(CARD_DATA, pfnCardGetContainerProperty)  \
    X(CARD_DATA, pfnCardSetContainerProperty)  \
    X(CARD_DATA, pfnCardGetProperty)           \
    X(CARD_DATA, pfnCardSetProperty)           \
    X(CARD_DATA, pfnCspUnpadData)              \
    X(CARD_DATA, pfnMDImportSessionKey)        \
    X(CARD_DATA, pfnMDEncryptData)             \
    X(CARD_DATA, pfnCardImportSessionKey)      \
    X(CARD_DATA, pfnCardGetSharedKeyHandle)    \
    X(CARD_DATA, pfnCardGetAlgorithmProperty)  \
    X(CARD_DATA, pfnCardGetKeyProperty)        \
    X(CARD_DATA, pfnCardSetKeyProperty)        \
    X(CARD_DATA, pfnCardDestroyKey)            \
    X(CARD_DATA, pfnCardProcessEncryptedData)  \
    X(CARD_DATA, pfnCardCreateContainerEx)

/* ---- CONTAINER_INFO ---- */
#define CH_OFF_CONTAINER_INFO_dwVersion 0
#define CH_OFF_CONTAINER_INFO_dwReserved 4
#define CH_OFF_CONTAINER_INFO_cbSigPublicKey 8
#define CH_OFF_CONTAINER_INFO_pbSigPublicKey 16
#define CH_OFF_CONTAINER_INFO_cbKeyExPublicKey 24
#define CH_OFF_CONTAINER_INFO_pbKeyExPublicKey 32
#define CH_SIZE_CONTAINER_INFO 40
#define CH_LAYOUT_CONTAINER_INFO(X)     \
    X(CONTAINER_INFO, dwVersion)        \
    X(CONTAINER_INFO, dwReserved)       \
    X(CONTAINER_INFO, cbSigPublicKey)   \
    X(CONTAINER_INFO, pbSigPublicKey)   \
    X(CONTAINER_INFO, cbKeyExPublicKey) \
    X(CONTAINER_INFO, pbKeyExPublicKey)

/* ---- CONTAINER_MAP_RECORD (on-card, same on every target) ---- */
#define CH_OFF_CONTAINER_MAP_RECORD_wszGuid 0
#define CH_OFF_CONTAINER_MAP_RECORD_bFlags 80
#define CH_OFF_CONTAINER_MAP_RECORD_bReserved 81
#define CH_OFF_CONTAINER_MAP_RECORD_wSigKeySizeBits 82
#define CH_OFF_CONTAINER_MAP_RECORD_wKeyExchangeKeySizeBits 84
#define CH_SIZE_CONTAINER_MAP_RECORD 86
#define CH_LAYOUT_CONTAINER_MAP_RECORD(X)            \
    X(CONTAINER_MAP_RECORD, wszGuid)                 \
    X(CONTAINER_MAP_RECORD, bFlags)                  \
    X(CONTAINER_MAP_RECORD, bReserved)               \
    X(CONTAINER_MAP_RECORD, wSigKeySizeBits)         \
    X(CONTAINER_MAP_RECORD, wKeyExchangeKeySizeBits)

/* ---- CARD_CAPABILITIES ---- */
#define CH_OFF_CARD_CAPABILITIES_dwVersion 0
#define CH_OFF_CARD_CAPABILITIES_fCertificateCompression 4
#define CH_OFF_CARD_CAPABILITIES_fKeyGen 8
#define CH_SIZE_CARD_CAPABILITIES 12
#define CH_LAYOUT_CARD_CAPABILITIES(X)            \
    X(CARD_CAPABILITIES, dwVersion)               \
    X(CARD_CAPABILITIES, fCertificateCompression) \
    X(CARD_CAPABILITIES, fKeyGen)

/* ---- CARD_KEY_SIZES ---- */
#define CH_OFF_CARD_KEY_SIZES_dwVersion 0
#define CH_OFF_CARD_KEY_SIZES_dwMinimumBitlen 4
#define CH_OFF_CARD_KEY_SIZES_dwDefaultBitlen 8
#define CH_OFF_CARD_KEY_SIZES_dwMaximumBitlen 12
#define CH_OFF_CARD_KEY_SIZES_dwIncrementalBitlen 16
#define CH_SIZE_CARD_KEY_SIZES 20
/* HEAD: the members before dwDefaultBitlen (all that mingw-w64 declares at our offsets). */
#define CH_LAYOUT_CARD_KEY_SIZES_HEAD(X) \
    X(CARD_KEY_SIZES, dwVersion)         \
    X(CARD_KEY_SIZES, dwMinimumBitlen)
#define CH_LAYOUT_CARD_KEY_SIZES_TAIL(X)   \
    X(CARD_KEY_SIZES, dwDefaultBitlen)     \
    X(CARD_KEY_SIZES, dwMaximumBitlen)     \
    X(CARD_KEY_SIZES, dwIncrementalBitlen)

/* ---- CARD_FILE_INFO ---- */
#define CH_OFF_CARD_FILE_INFO_dwVersion 0
#define CH_OFF_CARD_FILE_INFO_cbFileSize 4
#define CH_OFF_CARD_FILE_INFO_AccessCondition 8
#define CH_SIZE_CARD_FILE_INFO 12
#define CH_LAYOUT_CARD_FILE_INFO(X)    \
    X(CARD_FILE_INFO, dwVersion)       \
    X(CARD_FILE_INFO, cbFileSize)      \
    X(CARD_FILE_INFO, AccessCondition)

/* ---- CARD_FREE_SPACE_INFO ---- */
#define CH_OFF_CARD_FREE_SPACE_INFO_dwVersion 0
#define CH_OFF_CARD_FREE_SPACE_INFO_dwBytesAvailable 4
#define CH_OFF_CARD_FREE_SPACE_INFO_dwKeyContainersAvailable 8
#define CH_OFF_CARD_FREE_SPACE_INFO_dwMaxKeyContainers 12
#define CH_SIZE_CARD_FREE_SPACE_INFO 16
#define CH_LAYOUT_CARD_FREE_SPACE_INFO(X)             \
    X(CARD_FREE_SPACE_INFO, dwVersion)                \
    X(CARD_FREE_SPACE_INFO, dwBytesAvailable)         \
    X(CARD_FREE_SPACE_INFO, dwKeyContainersAvailable) \
    X(CARD_FREE_SPACE_INFO, dwMaxKeyContainers)

/* ---- CARD_SIGNING_INFO (v2) ---- */
#define CH_OFF_CARD_SIGNING_INFO_dwVersion 0
#define CH_OFF_CARD_SIGNING_INFO_bContainerIndex 4
#define CH_OFF_CARD_SIGNING_INFO_dwKeySpec 8
#define CH_OFF_CARD_SIGNING_INFO_dwSigningFlags 12
#define CH_OFF_CARD_SIGNING_INFO_aiHashAlg 16
#define CH_OFF_CARD_SIGNING_INFO_pbData 24
#define CH_OFF_CARD_SIGNING_INFO_cbData 32
#define CH_OFF_CARD_SIGNING_INFO_pbSignedData 40
#define CH_OFF_CARD_SIGNING_INFO_cbSignedData 48
#define CH_OFF_CARD_SIGNING_INFO_pPaddingInfo 56
#define CH_OFF_CARD_SIGNING_INFO_dwPaddingType 64
#define CH_SIZE_CARD_SIGNING_INFO 72
#define CH_LAYOUT_CARD_SIGNING_INFO(X)    \
    X(CARD_SIGNING_INFO, dwVersion)       \
    X(CARD_SIGNING_INFO, bContainerIndex) \
    X(CARD_SIGNING_INFO, dwKeySpec)       \
    X(CARD_SIGNING_INFO, dwSigningFlags)  \
    X(CARD_SIGNING_INFO, aiHashAlg)       \
    X(CARD_SIGNING_INFO, pbData)          \
    X(CARD_SIGNING_INFO, cbData)          \
    X(CARD_SIGNING_INFO, pbSignedData)    \
    X(CARD_SIGNING_INFO, cbSignedData)    \
    X(CARD_SIGNING_INFO, pPaddingInfo)    \
    X(CARD_SIGNING_INFO, dwPaddingType)

/* ---- CARD_RSA_DECRYPT_INFO (v2) ---- */
#define CH_OFF_CARD_RSA_DECRYPT_INFO_dwVersion 0
#define CH_OFF_CARD_RSA_DECRYPT_INFO_bContainerIndex 4
#define CH_OFF_CARD_RSA_DECRYPT_INFO_dwKeySpec 8
#define CH_OFF_CARD_RSA_DECRYPT_INFO_pbData 16
#define CH_OFF_CARD_RSA_DECRYPT_INFO_cbData 24
#define CH_OFF_CARD_RSA_DECRYPT_INFO_pPaddingInfo 32
#define CH_OFF_CARD_RSA_DECRYPT_INFO_dwPaddingType 40
#define CH_SIZE_CARD_RSA_DECRYPT_INFO 48
#define CH_SIZE_CARD_RSA_DECRYPT_INFO_V1 32 /* sizeof the v1 structure (= offset of pPaddingInfo) */
/* V1: the version 1 members; V2: the members version 2 adds. */
#define CH_LAYOUT_CARD_RSA_DECRYPT_INFO_V1(X) \
    X(CARD_RSA_DECRYPT_INFO, dwVersion)       \
    X(CARD_RSA_DECRYPT_INFO, bContainerIndex) \
    X(CARD_RSA_DECRYPT_INFO, dwKeySpec)       \
    X(CARD_RSA_DECRYPT_INFO, pbData)          \
    X(CARD_RSA_DECRYPT_INFO, cbData)
#define CH_LAYOUT_CARD_RSA_DECRYPT_INFO_V2(X) \
    X(CARD_RSA_DECRYPT_INFO, pPaddingInfo)    \
    X(CARD_RSA_DECRYPT_INFO, dwPaddingType)

/* ---- PIN_CACHE_POLICY ---- */
#define CH_OFF_PIN_CACHE_POLICY_dwVersion 0
#define CH_OFF_PIN_CACHE_POLICY_PinCachePolicyType 4
#define CH_OFF_PIN_CACHE_POLICY_dwPinCachePolicyInfo 8
#define CH_SIZE_PIN_CACHE_POLICY 12
#define CH_LAYOUT_PIN_CACHE_POLICY(X)         \
    X(PIN_CACHE_POLICY, dwVersion)            \
    X(PIN_CACHE_POLICY, PinCachePolicyType)   \
    X(PIN_CACHE_POLICY, dwPinCachePolicyInfo)

/* ---- PIN_INFO ---- */
#define CH_OFF_PIN_INFO_dwVersion 0
#define CH_OFF_PIN_INFO_PinType 4
#define CH_OFF_PIN_INFO_PinPurpose 8
#define CH_OFF_PIN_INFO_dwChangePermission 12
#define CH_OFF_PIN_INFO_dwUnblockPermission 16
#define CH_OFF_PIN_INFO_PinCachePolicy 20
#define CH_OFF_PIN_INFO_dwFlags 32
#define CH_SIZE_PIN_INFO 36
#define CH_LAYOUT_PIN_INFO(X)        \
    X(PIN_INFO, dwVersion)           \
    X(PIN_INFO, PinType)             \
    X(PIN_INFO, PinPurpose)          \
    X(PIN_INFO, dwChangePermission)  \
    X(PIN_INFO, dwUnblockPermission) \
    X(PIN_INFO, PinCachePolicy)      \
    X(PIN_INFO, dwFlags)

/* ---- CARD_DH_AGREEMENT_INFO ---- */
#define CH_OFF_CARD_DH_AGREEMENT_INFO_dwVersion 0
#define CH_OFF_CARD_DH_AGREEMENT_INFO_bContainerIndex 4
#define CH_OFF_CARD_DH_AGREEMENT_INFO_dwFlags 8
#define CH_OFF_CARD_DH_AGREEMENT_INFO_dwPublicKey 12
#define CH_OFF_CARD_DH_AGREEMENT_INFO_pbPublicKey 16
#define CH_OFF_CARD_DH_AGREEMENT_INFO_pbReserved 24
#define CH_OFF_CARD_DH_AGREEMENT_INFO_cbReserved 32
#define CH_OFF_CARD_DH_AGREEMENT_INFO_bSecretAgreementIndex 36
#define CH_SIZE_CARD_DH_AGREEMENT_INFO 40
#define CH_LAYOUT_CARD_DH_AGREEMENT_INFO(X)          \
    X(CARD_DH_AGREEMENT_INFO, dwVersion)             \
    X(CARD_DH_AGREEMENT_INFO, bContainerIndex)       \
    X(CARD_DH_AGREEMENT_INFO, dwFlags)               \
    X(CARD_DH_AGREEMENT_INFO, dwPublicKey)           \
    X(CARD_DH_AGREEMENT_INFO, pbPublicKey)           \
    X(CARD_DH_AGREEMENT_INFO, pbReserved)            \
    X(CARD_DH_AGREEMENT_INFO, cbReserved)            \
    X(CARD_DH_AGREEMENT_INFO, bSecretAgreementIndex)

/* ---- CARD_DERIVE_KEY (v2) ---- */
#define CH_OFF_CARD_DERIVE_KEY_dwVersion 0
#define CH_OFF_CARD_DERIVE_KEY_dwFlags 4
#define CH_OFF_CARD_DERIVE_KEY_pwszKDF 8
#define CH_OFF_CARD_DERIVE_KEY_bSecretAgreementIndex 16
#define CH_OFF_CARD_DERIVE_KEY_pParameterList 24
#define CH_OFF_CARD_DERIVE_KEY_pbDerivedKey 32
#define CH_OFF_CARD_DERIVE_KEY_cbDerivedKey 40
#define CH_OFF_CARD_DERIVE_KEY_pwszAlgId 48
#define CH_OFF_CARD_DERIVE_KEY_dwKeyLen 56
#define CH_OFF_CARD_DERIVE_KEY_hKey 64
#define CH_SIZE_CARD_DERIVE_KEY 72
#define CH_SIZE_CARD_DERIVE_KEY_V1 48 /* sizeof the v1 structure (= offset of pwszAlgId) */
/* V1: the version 1 members; V2: the members version 2 adds. */
#define CH_LAYOUT_CARD_DERIVE_KEY_V1(X)       \
    X(CARD_DERIVE_KEY, dwVersion)             \
    X(CARD_DERIVE_KEY, dwFlags)               \
    X(CARD_DERIVE_KEY, pwszKDF)               \
    X(CARD_DERIVE_KEY, bSecretAgreementIndex) \
    X(CARD_DERIVE_KEY, pParameterList)        \
    X(CARD_DERIVE_KEY, pbDerivedKey)          \
    X(CARD_DERIVE_KEY, cbDerivedKey)
#define CH_LAYOUT_CARD_DERIVE_KEY_V2(X) \
    X(CARD_DERIVE_KEY, pwszAlgId)       \
    X(CARD_DERIVE_KEY, dwKeyLen)        \
    X(CARD_DERIVE_KEY, hKey)

/* ---- CARD_ENCRYPTED_DATA ---- */
#define CH_OFF_CARD_ENCRYPTED_DATA_pbEncryptedData 0
#define CH_OFF_CARD_ENCRYPTED_DATA_cbEncryptedData 8
#define CH_SIZE_CARD_ENCRYPTED_DATA 16
#define CH_LAYOUT_CARD_ENCRYPTED_DATA(X)    \
    X(CARD_ENCRYPTED_DATA, pbEncryptedData) \
    X(CARD_ENCRYPTED_DATA, cbEncryptedData)

/* ---- CARD_CACHE_FILE_FORMAT (on-card, same on every target) ---- */
#define CH_OFF_CARD_CACHE_FILE_FORMAT_bVersion 0
#define CH_OFF_CARD_CACHE_FILE_FORMAT_bPinsFreshness 1
#define CH_OFF_CARD_CACHE_FILE_FORMAT_wContainersFreshness 2
#define CH_OFF_CARD_CACHE_FILE_FORMAT_wFilesFreshness 4
#define CH_SIZE_CARD_CACHE_FILE_FORMAT 6
#define CH_LAYOUT_CARD_CACHE_FILE_FORMAT(X)         \
    X(CARD_CACHE_FILE_FORMAT, bVersion)             \
    X(CARD_CACHE_FILE_FORMAT, bPinsFreshness)       \
    X(CARD_CACHE_FILE_FORMAT, wContainersFreshness) \
    X(CARD_CACHE_FILE_FORMAT, wFilesFreshness)

/* ---- BLOBHEADER / PUBLICKEYSTRUC (key blobs, same on every target) ---- */
#define CH_OFF_BLOBHEADER_bType 0
#define CH_OFF_BLOBHEADER_bVersion 1
#define CH_OFF_BLOBHEADER_reserved 2
#define CH_OFF_BLOBHEADER_aiKeyAlg 4
#define CH_SIZE_BLOBHEADER 8
#define CH_LAYOUT_BLOBHEADER(X) \
    X(BLOBHEADER, bType)        \
    X(BLOBHEADER, bVersion)     \
    X(BLOBHEADER, reserved)     \
    X(BLOBHEADER, aiKeyAlg)

/* ---- RSAPUBKEY ---- */
#define CH_OFF_RSAPUBKEY_magic 0
#define CH_OFF_RSAPUBKEY_bitlen 4
#define CH_OFF_RSAPUBKEY_pubexp 8
#define CH_SIZE_RSAPUBKEY 12
#define CH_LAYOUT_RSAPUBKEY(X) \
    X(RSAPUBKEY, magic)        \
    X(RSAPUBKEY, bitlen)       \
    X(RSAPUBKEY, pubexp)

/* ---- BCRYPT_ECCKEY_BLOB ---- */
#define CH_OFF_BCRYPT_ECCKEY_BLOB_dwMagic 0
#define CH_OFF_BCRYPT_ECCKEY_BLOB_cbKey 4
#define CH_SIZE_BCRYPT_ECCKEY_BLOB 8
#define CH_LAYOUT_BCRYPT_ECCKEY_BLOB(X) \
    X(BCRYPT_ECCKEY_BLOB, dwMagic)      \
    X(BCRYPT_ECCKEY_BLOB, cbKey)

/* ---- BCRYPT_*_PADDING_INFO ---- */
#define CH_OFF_BCRYPT_PKCS1_PADDING_INFO_pszAlgId 0
#define CH_SIZE_BCRYPT_PKCS1_PADDING_INFO 8
#define CH_LAYOUT_BCRYPT_PKCS1_PADDING_INFO(X) \
    X(BCRYPT_PKCS1_PADDING_INFO, pszAlgId)
#define CH_OFF_BCRYPT_PSS_PADDING_INFO_pszAlgId 0
#define CH_OFF_BCRYPT_PSS_PADDING_INFO_cbSalt 8
#define CH_SIZE_BCRYPT_PSS_PADDING_INFO 16
#define CH_LAYOUT_BCRYPT_PSS_PADDING_INFO(X) \
    X(BCRYPT_PSS_PADDING_INFO, pszAlgId)     \
    X(BCRYPT_PSS_PADDING_INFO, cbSalt)
#define CH_OFF_BCRYPT_OAEP_PADDING_INFO_pszAlgId 0
#define CH_OFF_BCRYPT_OAEP_PADDING_INFO_pbLabel 8
#define CH_OFF_BCRYPT_OAEP_PADDING_INFO_cbLabel 16
#define CH_SIZE_BCRYPT_OAEP_PADDING_INFO 24
#define CH_LAYOUT_BCRYPT_OAEP_PADDING_INFO(X) \
    X(BCRYPT_OAEP_PADDING_INFO, pszAlgId)     \
    X(BCRYPT_OAEP_PADDING_INFO, pbLabel)      \
    X(BCRYPT_OAEP_PADDING_INFO, cbLabel)

/* The structures of wincrypt.h and bcrypt.h above (key blobs, padding infos): X(STRUCT) for each;
 * every one has a single member list CH_LAYOUT_<STRUCT>. */
#define CH_LAYOUT_CRYPT_STRUCTS(X) \
    X(BLOBHEADER)                  \
    X(RSAPUBKEY)                   \
    X(BCRYPT_ECCKEY_BLOB)          \
    X(BCRYPT_PKCS1_PADDING_INFO)   \
    X(BCRYPT_PSS_PADDING_INFO)     \
    X(BCRYPT_OAEP_PADDING_INFO)

#endif /* CH_CARDMOD_LAYOUT_H */
