/* cardmod_layout.h: expected byte offsets and sizes of the Cardmod ABI on 64-bit targets.
 *
 * Plain numbers, computed by hand from the member order in cardmod.h (8-byte pointers, 4-byte
 * DWORD/BOOL/enum, natural alignment). LP64 (Linux, macOS) and LLP64 (Windows x64) agree because
 * the ABI uses no `long`. Checked against our header by cardmod_layout_check.c and against
 * mingw-w64's independent header by tests/abi/mingw_layout_check.c. Include nothing here: the
 * mingw check includes this next to the SDK's own definitions.
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

/* ---- CONTAINER_INFO ---- */
#define CH_OFF_CONTAINER_INFO_dwVersion 0
#define CH_OFF_CONTAINER_INFO_dwReserved 4
#define CH_OFF_CONTAINER_INFO_cbSigPublicKey 8
#define CH_OFF_CONTAINER_INFO_pbSigPublicKey 16
#define CH_OFF_CONTAINER_INFO_cbKeyExPublicKey 24
#define CH_OFF_CONTAINER_INFO_pbKeyExPublicKey 32
#define CH_SIZE_CONTAINER_INFO 40

/* ---- CONTAINER_MAP_RECORD (on-card, same on every target) ---- */
#define CH_OFF_CONTAINER_MAP_RECORD_wszGuid 0
#define CH_OFF_CONTAINER_MAP_RECORD_bFlags 80
#define CH_OFF_CONTAINER_MAP_RECORD_bReserved 81
#define CH_OFF_CONTAINER_MAP_RECORD_wSigKeySizeBits 82
#define CH_OFF_CONTAINER_MAP_RECORD_wKeyExchangeKeySizeBits 84
#define CH_SIZE_CONTAINER_MAP_RECORD 86

/* ---- CARD_CAPABILITIES ---- */
#define CH_OFF_CARD_CAPABILITIES_dwVersion 0
#define CH_OFF_CARD_CAPABILITIES_fCertificateCompression 4
#define CH_OFF_CARD_CAPABILITIES_fKeyGen 8
#define CH_SIZE_CARD_CAPABILITIES 12

/* ---- CARD_KEY_SIZES ---- */
#define CH_OFF_CARD_KEY_SIZES_dwVersion 0
#define CH_OFF_CARD_KEY_SIZES_dwMinimumBitlen 4
#define CH_OFF_CARD_KEY_SIZES_dwDefaultBitlen 8
#define CH_OFF_CARD_KEY_SIZES_dwMaximumBitlen 12
#define CH_OFF_CARD_KEY_SIZES_dwIncrementalBitlen 16
#define CH_SIZE_CARD_KEY_SIZES 20

/* ---- CARD_FILE_INFO ---- */
#define CH_OFF_CARD_FILE_INFO_dwVersion 0
#define CH_OFF_CARD_FILE_INFO_cbFileSize 4
#define CH_OFF_CARD_FILE_INFO_AccessCondition 8
#define CH_SIZE_CARD_FILE_INFO 12

/* ---- CARD_FREE_SPACE_INFO ---- */
#define CH_OFF_CARD_FREE_SPACE_INFO_dwVersion 0
#define CH_OFF_CARD_FREE_SPACE_INFO_dwBytesAvailable 4
#define CH_OFF_CARD_FREE_SPACE_INFO_dwKeyContainersAvailable 8
#define CH_OFF_CARD_FREE_SPACE_INFO_dwMaxKeyContainers 12
#define CH_SIZE_CARD_FREE_SPACE_INFO 16

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

/* ---- PIN_CACHE_POLICY ---- */
#define CH_OFF_PIN_CACHE_POLICY_dwVersion 0
#define CH_OFF_PIN_CACHE_POLICY_PinCachePolicyType 4
#define CH_OFF_PIN_CACHE_POLICY_dwPinCachePolicyInfo 8
#define CH_SIZE_PIN_CACHE_POLICY 12

/* ---- PIN_INFO ---- */
#define CH_OFF_PIN_INFO_dwVersion 0
#define CH_OFF_PIN_INFO_PinType 4
#define CH_OFF_PIN_INFO_PinPurpose 8
#define CH_OFF_PIN_INFO_dwChangePermission 12
#define CH_OFF_PIN_INFO_dwUnblockPermission 16
#define CH_OFF_PIN_INFO_PinCachePolicy 20
#define CH_OFF_PIN_INFO_dwFlags 32
#define CH_SIZE_PIN_INFO 36

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

/* ---- CARD_ENCRYPTED_DATA ---- */
#define CH_OFF_CARD_ENCRYPTED_DATA_pbEncryptedData 0
#define CH_OFF_CARD_ENCRYPTED_DATA_cbEncryptedData 8
#define CH_SIZE_CARD_ENCRYPTED_DATA 16

/* ---- CARD_CACHE_FILE_FORMAT (on-card, same on every target) ---- */
#define CH_OFF_CARD_CACHE_FILE_FORMAT_bVersion 0
#define CH_OFF_CARD_CACHE_FILE_FORMAT_bPinsFreshness 1
#define CH_OFF_CARD_CACHE_FILE_FORMAT_wContainersFreshness 2
#define CH_OFF_CARD_CACHE_FILE_FORMAT_wFilesFreshness 4
#define CH_SIZE_CARD_CACHE_FILE_FORMAT 6

/* ---- BLOBHEADER / PUBLICKEYSTRUC (key blobs, same on every target) ---- */
#define CH_OFF_BLOBHEADER_bType 0
#define CH_OFF_BLOBHEADER_bVersion 1
#define CH_OFF_BLOBHEADER_reserved 2
#define CH_OFF_BLOBHEADER_aiKeyAlg 4
#define CH_SIZE_BLOBHEADER 8

/* ---- RSAPUBKEY ---- */
#define CH_OFF_RSAPUBKEY_magic 0
#define CH_OFF_RSAPUBKEY_bitlen 4
#define CH_OFF_RSAPUBKEY_pubexp 8
#define CH_SIZE_RSAPUBKEY 12

/* ---- BCRYPT_ECCKEY_BLOB ---- */
#define CH_OFF_BCRYPT_ECCKEY_BLOB_dwMagic 0
#define CH_OFF_BCRYPT_ECCKEY_BLOB_cbKey 4
#define CH_SIZE_BCRYPT_ECCKEY_BLOB 8

/* ---- BCRYPT_*_PADDING_INFO ---- */
#define CH_OFF_BCRYPT_PKCS1_PADDING_INFO_pszAlgId 0
#define CH_SIZE_BCRYPT_PKCS1_PADDING_INFO 8
#define CH_OFF_BCRYPT_PSS_PADDING_INFO_pszAlgId 0
#define CH_OFF_BCRYPT_PSS_PADDING_INFO_cbSalt 8
#define CH_SIZE_BCRYPT_PSS_PADDING_INFO 16
#define CH_OFF_BCRYPT_OAEP_PADDING_INFO_pszAlgId 0
#define CH_OFF_BCRYPT_OAEP_PADDING_INFO_pbLabel 8
#define CH_OFF_BCRYPT_OAEP_PADDING_INFO_cbLabel 16
#define CH_SIZE_BCRYPT_OAEP_PADDING_INFO 24

#endif /* CH_CARDMOD_LAYOUT_H */
