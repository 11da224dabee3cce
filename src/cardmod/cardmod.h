/* cardmod.h: the Cardmod ("card module" / smart card minidriver) ABI up to CARD_DATA v7.
 *
 * Written from the facts digest of the Smart Card Minidriver Specification v7, not copied
 * from any SDK header. Portable: the same structures are built on Linux/macOS (fuzzing, tests,
 * host harness) and on Windows (the shipped DLL). The wire types are fixed width (DWORD = uint32_t,
 * WCHAR = uint16_t), so a CARD_DATA laid out here matches the one a Windows CSP allocates.
 * cardmod_layout.h + cardmod_layout_check.c pin every offset on 64-bit targets.
 *
 * Never include this next to pcsc-lite's headers: pcsc-lite's DWORD is unsigned long (8 bytes
 * on LP64). The pcsc transport converts at its own boundary.
 */
#ifndef CH_CARDMOD_H
#define CH_CARDMOD_H

#ifdef _INC_CARDMOD
#error "mingw-w64's <cardmod.h> is included: it is incomplete and partly wrong; use ours only"
#endif
#ifdef __wintypes_h__
#error "pcsc-lite's wintypes.h is included: its DWORD is unsigned long; keep it out of Cardmod code"
#endif

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define CH_CARDMOD_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define CH_CARDMOD_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* ---------------------------------------------------------------------------------------------
 * Base types
 * ------------------------------------------------------------------------------------------- */
#ifdef _WIN32
/* Use the SDK's own types so the DLL's exports match what the CSP declares. */
#include <windows.h>
#include <wincrypt.h>
#include <winscard.h>
#include <bcrypt.h>
/* winerror.h spells the SCARD_* and ERROR_* codes as HRESULT/long casts; scarderr.h spells the
 * same values as unsigned constants. Drop the SDK spellings so every platform compares DWORDs
 * with unsigned constants (no -Wsign-compare noise, no macro redefinition warnings). */
#undef SCARD_S_SUCCESS
#undef SCARD_F_INTERNAL_ERROR
#undef SCARD_E_CANCELLED
#undef SCARD_E_INVALID_HANDLE
#undef SCARD_E_INVALID_PARAMETER
#undef SCARD_E_NO_MEMORY
#undef SCARD_E_INSUFFICIENT_BUFFER
#undef SCARD_E_UNKNOWN_READER
#undef SCARD_E_TIMEOUT
#undef SCARD_E_SHARING_VIOLATION
#undef SCARD_E_NO_SMARTCARD
#undef SCARD_E_UNKNOWN_CARD
#undef SCARD_E_PROTO_MISMATCH
#undef SCARD_E_NOT_READY
#undef SCARD_E_INVALID_VALUE
#undef SCARD_F_COMM_ERROR
#undef SCARD_E_NOT_TRANSACTED
#undef SCARD_E_READER_UNAVAILABLE
#undef SCARD_E_UNEXPECTED
#undef SCARD_E_UNSUPPORTED_FEATURE
#undef SCARD_E_DIR_NOT_FOUND
#undef SCARD_E_FILE_NOT_FOUND
#undef SCARD_E_NO_DIR
#undef SCARD_E_NO_FILE
#undef SCARD_E_NO_ACCESS
#undef SCARD_E_WRITE_TOO_MANY
#undef SCARD_E_BAD_SEEK
#undef SCARD_E_INVALID_CHV
#undef SCARD_E_UNKNOWN_RES_MNG
#undef SCARD_E_NO_SUCH_CERTIFICATE
#undef SCARD_E_CERTIFICATE_UNAVAILABLE
#undef SCARD_E_NO_READERS_AVAILABLE
#undef SCARD_E_COMM_DATA_LOST
#undef SCARD_E_NO_KEY_CONTAINER
#undef SCARD_E_SERVER_TOO_BUSY
#undef SCARD_E_PIN_CACHE_EXPIRED
#undef SCARD_E_NO_PIN_CACHE
#undef SCARD_E_READ_ONLY_CARD
#undef SCARD_W_UNSUPPORTED_CARD
#undef SCARD_W_UNRESPONSIVE_CARD
#undef SCARD_W_UNPOWERED_CARD
#undef SCARD_W_RESET_CARD
#undef SCARD_W_REMOVED_CARD
#undef SCARD_W_SECURITY_VIOLATION
#undef SCARD_W_WRONG_CHV
#undef SCARD_W_CHV_BLOCKED
#undef SCARD_W_EOF
#undef SCARD_W_CANCELLED_BY_USER
#undef SCARD_W_CARD_NOT_AUTHENTICATED
#undef ERROR_SUCCESS
#undef ERROR_FILE_EXISTS
#undef ERROR_INSUFFICIENT_BUFFER
#undef ERROR_DIR_NOT_EMPTY
#undef ERROR_REVISION_MISMATCH
#else /* !_WIN32 */
typedef uint32_t DWORD, *PDWORD, *LPDWORD;
typedef uint16_t WORD, *PWORD;
typedef uint8_t BYTE, *PBYTE, *LPBYTE;
typedef int32_t BOOL;
typedef uint32_t ULONG;
typedef uint8_t UCHAR, *PUCHAR;
typedef uint32_t ALG_ID;
typedef uint16_t WCHAR; /* UTF-16LE code unit; never wchar_t (4 bytes on Linux) */
typedef WCHAR *LPWSTR, *PWSTR;
typedef const WCHAR *LPCWSTR, *PCWSTR;
typedef char *LPSTR;
typedef const char *LPCSTR;
typedef void *PVOID, *LPVOID;
typedef size_t SIZE_T;
typedef uintptr_t ULONG_PTR;
typedef ULONG_PTR SCARDCONTEXT; /* opaque here: the CSP's PC/SC handles */
typedef ULONG_PTR SCARDHANDLE;
#endif /* _WIN32 */

/* WINAPI is __stdcall only on 32-bit Windows; x64 and ELF have one calling convention. */
#if defined(_WIN32) && !defined(_WIN64)
#ifndef WINAPI
#define WINAPI __stdcall
#endif
#else
#ifndef WINAPI
#define WINAPI
#endif
#endif

/* CardAcquireContext is the only symbol the CSP looks up (GetProcAddress / dlsym). */
#if defined(_WIN32)
#if defined(CH_BUILDING_PIVMD)
#define CH_EXPORT __declspec(dllexport)
#else
#define CH_EXPORT
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define CH_EXPORT __attribute__((visibility("default")))
#else
#define CH_EXPORT
#endif

#include "scarderr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every layout below depends on these; a Windows SDK or an odd ABI that breaks them fails here. */
CH_CARDMOD_ASSERT(sizeof(DWORD) == 4, "DWORD must be 4 bytes");
CH_CARDMOD_ASSERT(sizeof(WORD) == 2, "WORD must be 2 bytes");
CH_CARDMOD_ASSERT(sizeof(BYTE) == 1, "BYTE must be 1 byte");
CH_CARDMOD_ASSERT(sizeof(BOOL) == 4, "BOOL must be 4 bytes");
CH_CARDMOD_ASSERT(sizeof(ULONG) == 4, "ULONG must be 4 bytes");
CH_CARDMOD_ASSERT(sizeof(ALG_ID) == 4, "ALG_ID must be 4 bytes");
CH_CARDMOD_ASSERT(sizeof(WCHAR) == 2, "WCHAR must be a 2-byte UTF-16 unit");
CH_CARDMOD_ASSERT(sizeof(SIZE_T) == sizeof(void *), "SIZE_T must be pointer sized");
CH_CARDMOD_ASSERT(sizeof(ULONG_PTR) == sizeof(void *), "ULONG_PTR must be pointer sized");
CH_CARDMOD_ASSERT(sizeof(SCARDCONTEXT) == sizeof(void *), "SCARDCONTEXT must be pointer sized");
CH_CARDMOD_ASSERT(sizeof(SCARDHANDLE) == sizeof(void *), "SCARDHANDLE must be pointer sized");
/* Property names are u"" literals cast to LPCWSTR (L"" is 4 bytes per unit on Linux):
 * char16_t must be the 2-byte unit. */
CH_CARDMOD_ASSERT(sizeof(u'a') == 2, "char16_t must be 2 bytes");

typedef ULONG_PTR CARD_KEY_HANDLE, *PCARD_KEY_HANDLE; /* v7 session key handle */
typedef DWORD PIN_ID, *PPIN_ID;                        /* v6 */
typedef DWORD PIN_SET, *PPIN_SET;                      /* v6: bitmask of PIN_IDs */

/* ---------------------------------------------------------------------------------------------
 * CARD_DATA versions and general flags
 * ------------------------------------------------------------------------------------------- */
#define CARD_DATA_VERSION_FOUR 4u  /* minimum we accept: RSA + files */
#define CARD_DATA_VERSION_FIVE 5u  /* + ECDH agreement, key derivation */
#define CARD_DATA_VERSION_SIX 6u   /* + PIN ids, properties */
#define CARD_DATA_VERSION_SEVEN 7u /* + secure key injection, CardCreateContainerEx */
#define CARD_DATA_CURRENT_VERSION CARD_DATA_VERSION_SEVEN

#define CARD_SECURE_KEY_INJECTION_NO_CARD_MODE 0x1u /* CardAcquireContext dwFlags (v7) */
#define CARD_DATA_VALUE_UNKNOWN 0xFFFFFFFFu         /* "cannot tell", e.g. free bytes */
#define CARD_BUFFER_SIZE_ONLY 0x20000000u           /* sign / derive: return the size only */
#define CARD_PADDING_INFO_PRESENT 0x40000000u       /* dwSigningFlags: pPaddingInfo is valid */
#define CARD_RETURN_KEY_HANDLE 0x1000000u           /* CARD_DERIVE_KEY.dwFlags (v7): fill hKey */

/* dwPaddingType (CARD_SIGNING_INFO v2, CARD_RSA_DECRYPT_INFO v2). */
#define CARD_PADDING_NONE 0x1u
#define CARD_PADDING_PKCS1 0x2u
#define CARD_PADDING_PSS 0x4u
#define CARD_PADDING_OAEP 0x8u

/* CardCreateContainer(Ex) dwFlags. */
#define CARD_CREATE_CONTAINER_KEY_GEN 1u
#define CARD_CREATE_CONTAINER_KEY_IMPORT 2u

/* Key specs. AT_KEYEXCHANGE / AT_SIGNATURE also live in wincrypt.h. */
#ifndef AT_KEYEXCHANGE
#define AT_KEYEXCHANGE 1u
#endif
#ifndef AT_SIGNATURE
#define AT_SIGNATURE 2u
#endif
#define AT_ECDSA_P256 3u
#define AT_ECDSA_P384 4u
#define AT_ECDSA_P521 5u
#define AT_ECDHE_P256 6u
#define AT_ECDHE_P384 7u
#define AT_ECDHE_P521 8u

/* CAPI algorithm ids (wincrypt.h on Windows). */
#ifndef CALG_RSA_KEYX
#define CALG_RSA_KEYX 0xA400u
#endif
#ifndef CALG_RSA_SIGN
#define CALG_RSA_SIGN 0x2400u
#endif
#ifndef CALG_MD5
#define CALG_MD5 0x8003u
#endif
#ifndef CALG_SHA1
#define CALG_SHA1 0x8004u
#endif
#ifndef CALG_SSL3_SHAMD5
#define CALG_SSL3_SHAMD5 0x8008u
#endif
#ifndef CALG_SHA_256
#define CALG_SHA_256 0x800Cu
#endif
#ifndef CALG_SHA_384
#define CALG_SHA_384 0x800Du
#endif
#ifndef CALG_SHA_512
#define CALG_SHA_512 0x800Eu
#endif

/* ---------------------------------------------------------------------------------------------
 * PINs and roles (v6)
 * ------------------------------------------------------------------------------------------- */
#define MAX_PINS 8u
#define ROLE_EVERYONE 0u
#define ROLE_USER 1u
#define ROLE_ADMIN 2u
/* 3..7: optional PINs that protect individual containers. */
#define PIN_SET_NONE 0x00u
#define PIN_SET_ALL_ROLES 0xFFu
#define CREATE_PIN_SET(PinId) ((PIN_SET)1u << (PinId))

#define PIN_CHANGE_FLAG_UNBLOCK 0x01u
#define PIN_CHANGE_FLAG_CHANGEPIN 0x02u
/* dwFlags of CardUnblockPin / CardChangeAuthenticator: what the authentication data is. */
#define CARD_AUTHENTICATE_PIN_CHALLENGE_RESPONSE 0x00000001u
#define CARD_AUTHENTICATE_PIN_PIN 0x00000002u

#define CARD_AUTHENTICATE_GENERATE_SESSION_PIN 0x10000000u
#define CARD_AUTHENTICATE_SESSION_PIN 0x20000000u

#define CARD_PIN_STRENGTH_PLAINTEXT 0x1u
#define CARD_PIN_STRENGTH_SESSION_PIN 0x2u

#define CARD_PIN_SILENT_CONTEXT 0x00000040u

/* CP_CARD_CACHE_MODE values. */
#define CP_CACHE_MODE_GLOBAL_CACHE 1u
#define CP_CACHE_MODE_SESSION_ONLY 2u
#define CP_CACHE_MODE_NO_CACHE 3u

/* Logical user names of the v4 PIN calls. LPWSTR (not LPCWSTR) because CardAuthenticatePin,
 * CardUnblockPin, CardChangeAuthenticator and CardDeauthenticate take LPWSTR; never written. */
#define wszCARD_USER_EVERYONE ((LPWSTR)u"anonymous")
#define wszCARD_USER_USER ((LPWSTR)u"user")
#define wszCARD_USER_ADMIN ((LPWSTR)u"admin")

/* ---------------------------------------------------------------------------------------------
 * Properties (v6; the last four v7): names for CardGet/SetProperty and Card*ContainerProperty
 * ------------------------------------------------------------------------------------------- */
#define CP_CARD_FREE_SPACE ((LPCWSTR)u"Free Space")       /* read only */
#define CP_CARD_CAPABILITIES ((LPCWSTR)u"Capabilities")   /* read only */
#define CP_CARD_KEYSIZES ((LPCWSTR)u"Key Sizes")          /* read only */
#define CP_CARD_READ_ONLY ((LPCWSTR)u"Read Only Mode")
#define CP_CARD_CACHE_MODE ((LPCWSTR)u"Cache Mode")
#define CP_SUPPORTS_WIN_X509_ENROLLMENT ((LPCWSTR)u"Supports Windows x.509 Enrollment")
#define CP_CARD_GUID ((LPCWSTR)u"Card Identifier")
#define CP_CARD_SERIAL_NO ((LPCWSTR)u"Card Serial Number")
#define CP_CARD_PIN_INFO ((LPCWSTR)u"PIN Information")
#define CP_CARD_LIST_PINS ((LPCWSTR)u"PIN List")                       /* read only */
#define CP_CARD_AUTHENTICATED_STATE ((LPCWSTR)u"Authenticated State")  /* read only */
#define CP_CARD_PIN_STRENGTH_VERIFY ((LPCWSTR)u"PIN Strength Verify")  /* read only */
#define CP_CARD_PIN_STRENGTH_CHANGE ((LPCWSTR)u"PIN Strength Change")  /* read only */
#define CP_CARD_PIN_STRENGTH_UNBLOCK ((LPCWSTR)u"PIN Strength Unblock") /* read only */
#define CP_PARENT_WINDOW ((LPCWSTR)u"Parent Window")                   /* write only */
#define CP_PIN_CONTEXT_STRING ((LPCWSTR)u"PIN Context String")         /* write only */
#define CP_KEY_IMPORT_SUPPORT ((LPCWSTR)u"Key Import Support")         /* v7 */
#define CP_ENUM_ALGORITHMS ((LPCWSTR)u"Algorithms")                    /* v7 */
#define CP_PADDING_SCHEMES ((LPCWSTR)u"Padding Schemes")               /* v7 */
#define CP_CHAINING_MODES ((LPCWSTR)u"Chaining Modes")                 /* v7 */

#define CCP_CONTAINER_INFO ((LPCWSTR)u"Container Info") /* read only */
#define CCP_PIN_IDENTIFIER ((LPCWSTR)u"PIN Identifier")
#define CCP_ASSOCIATED_ECDH_KEY ((LPCWSTR)u"Associated ECDH Key")

/* ---------------------------------------------------------------------------------------------
 * Card file system the Base CSP expects (names <= 8 ANSI chars, two levels)
 * ------------------------------------------------------------------------------------------- */
#define szBASE_CSP_DIR "mscp"
#define szINTERMEDIATE_CERTS_DIR "mscerts" /* Microsoft SDK value; Base CSP intermediate certs */
#define szCACHE_FILE "cardcf"
#define szCARD_IDENTIFIER_FILE "cardid"
#define szCARD_APPS "cardapps"
#define szCONTAINER_MAP_FILE "cmapfile" /* in mscp */
#define szROOT_STORE_FILE "msroots"     /* in mscp */
#define szUSER_SIGNATURE_CERT_PREFIX "ksc"   /* + container index, two hex digits */
#define szUSER_KEYEXCHANGE_CERT_PREFIX "kxc" /* + container index, two hex digits */

/* The struct and enum tags below are Microsoft's (_CARD_DATA, _PIN_INFO, ...): reserved names in
 * C, kept so that code written against the Windows SDK's Cardmod.h compiles against this one. */
/* NOLINTBEGIN(bugprone-reserved-identifier) */
/* Enum-typed members are part of the ABI: they must be 4 bytes (not with -fshort-enums). */
typedef enum _CARD_DIRECTORY_ACCESS_CONDITION {
    InvalidDirAc = 0,
    UserCreateDeleteDirAc = 1,
    AdminCreateDeleteDirAc = 2
} CARD_DIRECTORY_ACCESS_CONDITION;

typedef enum _CARD_FILE_ACCESS_CONDITION {
    InvalidAc = 0, /* zeroed memory reads as invalid */
    EveryoneReadUserWriteAc = 1,
    UserWriteExecuteAc = 2,
    EveryoneReadAdminWriteAc = 3,
    UnknownAc = 4,
    UserReadWriteAc = 5,
    AdminReadWriteAc = 6
} CARD_FILE_ACCESS_CONDITION;

CH_CARDMOD_ASSERT(sizeof(CARD_DIRECTORY_ACCESS_CONDITION) == 4, "enums must be int sized");
CH_CARDMOD_ASSERT(sizeof(CARD_FILE_ACCESS_CONDITION) == 4, "enums must be int sized");

/* ---------------------------------------------------------------------------------------------
 * On-card file formats (written by the CSP, parsed with the bounded cursor, never cast)
 * ------------------------------------------------------------------------------------------- */
/* cardcf: freshness counters the CSP bumps to invalidate its cache. */
typedef struct _CARD_CACHE_FILE_FORMAT {
    BYTE bVersion;
    BYTE bPinsFreshness;
    WORD wContainersFreshness;
    WORD wFilesFreshness;
} CARD_CACHE_FILE_FORMAT, *PCARD_CACHE_FILE_FORMAT;

/* mscp/cmapfile: array of records; record position = container index. */
#define MAX_CONTAINER_NAME_LEN 39u
#define CONTAINER_MAP_VALID_CONTAINER 1u
#define CONTAINER_MAP_DEFAULT_CONTAINER 2u /* at most one, and only on a valid record */

typedef struct _CONTAINER_MAP_RECORD {
    WCHAR wszGuid[MAX_CONTAINER_NAME_LEN + 1];
    BYTE bFlags;
    BYTE bReserved;
    WORD wSigKeySizeBits;
    WORD wKeyExchangeKeySizeBits;
} CONTAINER_MAP_RECORD, *PCONTAINER_MAP_RECORD;

/* Natural alignment gives 86 with no tail padding; no pragma pack needed, but prove it. */
CH_CARDMOD_ASSERT(sizeof(CARD_CACHE_FILE_FORMAT) == 6, "cardcf header is 6 bytes");
CH_CARDMOD_ASSERT(sizeof(CONTAINER_MAP_RECORD) == 86, "cmapfile records are 86 bytes");

/* ---------------------------------------------------------------------------------------------
 * Key blobs (pbKeyData of KEY_IMPORT, public keys of CONTAINER_INFO)
 * ------------------------------------------------------------------------------------------- */
#ifndef PUBLICKEYBLOB
#define PUBLICKEYBLOB 0x06u
#endif
#ifndef PRIVATEKEYBLOB
#define PRIVATEKEYBLOB 0x07u
#endif
#ifndef CUR_BLOB_VERSION
#define CUR_BLOB_VERSION 2u
#endif
/* RSAPUBKEY.magic; no SDK name exists for the CAPI spelling. */
#define CH_RSA1_MAGIC 0x31415352u /* "RSA1": public */
#define CH_RSA2_MAGIC 0x32415352u /* "RSA2": private */

#ifndef BCRYPT_ECDSA_PUBLIC_P256_MAGIC
#define BCRYPT_ECDSA_PUBLIC_P256_MAGIC 0x31534345u
#endif
#ifndef BCRYPT_ECDSA_PRIVATE_P256_MAGIC
#define BCRYPT_ECDSA_PRIVATE_P256_MAGIC 0x32534345u
#endif
#ifndef BCRYPT_ECDSA_PUBLIC_P384_MAGIC
#define BCRYPT_ECDSA_PUBLIC_P384_MAGIC 0x33534345u
#endif
#ifndef BCRYPT_ECDSA_PRIVATE_P384_MAGIC
#define BCRYPT_ECDSA_PRIVATE_P384_MAGIC 0x34534345u
#endif
#ifndef BCRYPT_ECDSA_PUBLIC_P521_MAGIC
#define BCRYPT_ECDSA_PUBLIC_P521_MAGIC 0x35534345u
#endif
#ifndef BCRYPT_ECDSA_PRIVATE_P521_MAGIC
#define BCRYPT_ECDSA_PRIVATE_P521_MAGIC 0x36534345u
#endif
#ifndef BCRYPT_ECDH_PUBLIC_P256_MAGIC
#define BCRYPT_ECDH_PUBLIC_P256_MAGIC 0x314B4345u
#endif
#ifndef BCRYPT_ECDH_PRIVATE_P256_MAGIC
#define BCRYPT_ECDH_PRIVATE_P256_MAGIC 0x324B4345u
#endif
#ifndef BCRYPT_ECDH_PUBLIC_P384_MAGIC
#define BCRYPT_ECDH_PUBLIC_P384_MAGIC 0x334B4345u
#endif
#ifndef BCRYPT_ECDH_PRIVATE_P384_MAGIC
#define BCRYPT_ECDH_PRIVATE_P384_MAGIC 0x344B4345u
#endif
#ifndef BCRYPT_ECDH_PUBLIC_P521_MAGIC
#define BCRYPT_ECDH_PUBLIC_P521_MAGIC 0x354B4345u
#endif
#ifndef BCRYPT_ECDH_PRIVATE_P521_MAGIC
#define BCRYPT_ECDH_PRIVATE_P521_MAGIC 0x364B4345u
#endif

#ifndef _WIN32 /* wincrypt.h / bcrypt.h provide these on Windows */
typedef struct _PUBLICKEYSTRUC {
    BYTE bType;    /* PUBLICKEYBLOB or PRIVATEKEYBLOB */
    BYTE bVersion; /* CUR_BLOB_VERSION */
    WORD reserved;
    ALG_ID aiKeyAlg; /* CALG_RSA_KEYX (AT_KEYEXCHANGE) or CALG_RSA_SIGN (AT_SIGNATURE) */
} BLOBHEADER, PUBLICKEYSTRUC;

typedef struct _RSAPUBKEY {
    DWORD magic; /* CH_RSA1_MAGIC / CH_RSA2_MAGIC */
    DWORD bitlen;
    DWORD pubexp;
} RSAPUBKEY;

typedef struct _BCRYPT_ECCKEY_BLOB {
    ULONG dwMagic;
    ULONG cbKey; /* 32, 48 or 66; X, Y (and d) follow, big-endian */
} BCRYPT_ECCKEY_BLOB, *PBCRYPT_ECCKEY_BLOB;

/* pPaddingInfo of CARD_SIGNING_INFO / CARD_RSA_DECRYPT_INFO v2, selected by dwPaddingType. */
typedef struct _BCRYPT_PKCS1_PADDING_INFO {
    LPCWSTR pszAlgId; /* hash name; NULL = raw */
} BCRYPT_PKCS1_PADDING_INFO;

typedef struct _BCRYPT_PSS_PADDING_INFO {
    LPCWSTR pszAlgId;
    ULONG cbSalt;
} BCRYPT_PSS_PADDING_INFO;

typedef struct _BCRYPT_OAEP_PADDING_INFO {
    LPCWSTR pszAlgId;
    PUCHAR pbLabel;
    ULONG cbLabel;
} BCRYPT_OAEP_PADDING_INFO;

/* CARD_DERIVE_KEY.pParameterList (v5): a BCryptBufferDesc of KDF_* buffers. */
typedef struct _BCryptBuffer {
    ULONG cbBuffer;
    ULONG BufferType; /* KDF_* */
    PVOID pvBuffer;
} BCryptBuffer, *PBCryptBuffer;

typedef struct _BCryptBufferDesc {
    ULONG ulVersion; /* BCRYPTBUFFER_VERSION */
    ULONG cBuffers;
    PBCryptBuffer pBuffers;
} BCryptBufferDesc, *PBCryptBufferDesc;

#define BCRYPTBUFFER_VERSION 0u
#define KDF_HASH_ALGORITHM 0x0u
#define KDF_SECRET_PREPEND 0x1u
#define KDF_SECRET_APPEND 0x2u
#define KDF_HMAC_KEY 0x3u
#define KDF_USE_SECRET_AS_HMAC_KEY_FLAG 0x1u

/* CARD_SIGNING_INFO.dwSigningFlags (wincrypt.h's CryptSignHash flag): no DigestInfo. */
#define CRYPT_NOHASHOID 0x1u
#endif /* !_WIN32 */

/* KDF names (bcrypt.h's BCRYPT_KDF_*, as UTF-16 on every platform). */
#define CH_KDF_HASH ((LPCWSTR)u"HASH")
#define CH_KDF_HMAC ((LPCWSTR)u"HMAC")
#define CH_KDF_TLS_PRF ((LPCWSTR)u"TLS_PRF")
#define CH_KDF_SP80056A_CONCAT ((LPCWSTR)u"SP800_56A_CONCAT")
#define CH_KDF_RAW_SECRET ((LPCWSTR)u"TRUNCATE")

/* ---------------------------------------------------------------------------------------------
 * Structures passed to the entry points (the caller sets dwVersion; 0 means 1)
 * ------------------------------------------------------------------------------------------- */
typedef struct _CARD_DATA CARD_DATA, *PCARD_DATA;

/* CardQueryCapabilities (v4). */
#define CARD_CAPABILITIES_CURRENT_VERSION 1u
typedef struct _CARD_CAPABILITIES {
    DWORD dwVersion;
    BOOL fCertificateCompression;
    BOOL fKeyGen;
} CARD_CAPABILITIES, *PCARD_CAPABILITIES;

/* CardGetContainerInfo (v4). Buffers allocated with pfnCspAlloc, freed by the CSP. */
#define CONTAINER_INFO_CURRENT_VERSION 1u
typedef struct _CONTAINER_INFO {
    DWORD dwVersion;
    DWORD dwReserved;
    DWORD cbSigPublicKey;
    PBYTE pbSigPublicKey; /* RSA PUBLICKEYBLOB, or ECDSA BCRYPT_ECCKEY_BLOB */
    DWORD cbKeyExPublicKey;
    PBYTE pbKeyExPublicKey; /* RSA PUBLICKEYBLOB, or ECDH BCRYPT_ECCKEY_BLOB */
} CONTAINER_INFO, *PCONTAINER_INFO;

/* CardGetFileInfo (v4). */
#define CARD_FILE_INFO_CURRENT_VERSION 1u
typedef struct _CARD_FILE_INFO {
    DWORD dwVersion;
    DWORD cbFileSize;
    CARD_FILE_ACCESS_CONDITION AccessCondition;
} CARD_FILE_INFO, *PCARD_FILE_INFO;

/* CardQueryFreeSpace (v4). */
#define CARD_FREE_SPACE_INFO_CURRENT_VERSION 1u
typedef struct _CARD_FREE_SPACE_INFO {
    DWORD dwVersion;
    DWORD dwBytesAvailable;
    DWORD dwKeyContainersAvailable;
    DWORD dwMaxKeyContainers;
} CARD_FREE_SPACE_INFO, *PCARD_FREE_SPACE_INFO;

/* CardQueryKeySizes (v4). */
#define CARD_KEY_SIZES_CURRENT_VERSION 1u
typedef struct _CARD_KEY_SIZES {
    DWORD dwVersion;
    DWORD dwMinimumBitlen;
    DWORD dwDefaultBitlen;
    DWORD dwMaximumBitlen;
    DWORD dwIncrementalBitlen;
} CARD_KEY_SIZES, *PCARD_KEY_SIZES;

/* CardSignData (v4; structure v2 adds the padding members). */
#define CARD_SIGNING_INFO_BASIC_VERSION 1u
#define CARD_SIGNING_INFO_CURRENT_VERSION 2u
typedef struct _CARD_SIGNING_INFO {
    DWORD dwVersion;
    BYTE bContainerIndex;
    DWORD dwKeySpec;
    DWORD dwSigningFlags; /* CARD_BUFFER_SIZE_ONLY, CARD_PADDING_INFO_PRESENT */
    ALG_ID aiHashAlg;     /* PKCS#1 hash when no padding info is present */
    PBYTE pbData;         /* the hash: the CSP has hashed already */
    DWORD cbData;
    PBYTE pbSignedData; /* out: pfnCspAlloc'd, freed by the CSP */
    DWORD cbSignedData;
    /* structure v2 */
    LPVOID pPaddingInfo; /* BCRYPT_*_PADDING_INFO chosen by dwPaddingType */
    DWORD dwPaddingType;
} CARD_SIGNING_INFO, *PCARD_SIGNING_INFO;

/* CardRSADecrypt (v4; structure v2 adds the padding members). Members that later SDKs
 * append after dwPaddingType are not in our specification and are never read. */
#define CARD_RSA_KEY_DECRYPT_INFO_VERSION_ONE 1u
#define CARD_RSA_KEY_DECRYPT_INFO_VERSION_TWO 2u
#define CARD_RSA_KEY_DECRYPT_INFO_CURRENT_VERSION CARD_RSA_KEY_DECRYPT_INFO_VERSION_TWO
typedef struct _CARD_RSA_DECRYPT_INFO {
    DWORD dwVersion;
    BYTE bContainerIndex;
    DWORD dwKeySpec;
    PBYTE pbData; /* in place, little-endian, modulus length */
    DWORD cbData;
    /* structure v2 */
    LPVOID pPaddingInfo;
    DWORD dwPaddingType;
} CARD_RSA_DECRYPT_INFO, *PCARD_RSA_DECRYPT_INFO;

/* CardConstructDHAgreement (v4 slot, used from v5). Version 1 is obsolete. */
#define CARD_DH_AGREEMENT_INFO_VERSION 2u
typedef struct _CARD_DH_AGREEMENT_INFO {
    DWORD dwVersion;
    BYTE bContainerIndex;
    DWORD dwFlags;
    DWORD dwPublicKey; /* byte length of pbPublicKey */
    PBYTE pbPublicKey;
    PBYTE pbReserved;
    DWORD cbReserved;
    BYTE bSecretAgreementIndex; /* out */
} CARD_DH_AGREEMENT_INFO, *PCARD_DH_AGREEMENT_INFO;

/* CardDeriveKey (v5; structure v2 adds the key-handle members for v7). */
#define CARD_DERIVE_KEY_VERSION 1u
#define CARD_DERIVE_KEY_VERSION_TWO 2u
#define CARD_DERIVE_KEY_CURRENT_VERSION CARD_DERIVE_KEY_VERSION_TWO
typedef struct _CARD_DERIVE_KEY {
    DWORD dwVersion;
    DWORD dwFlags; /* CARD_BUFFER_SIZE_ONLY, CARD_RETURN_KEY_HANDLE */
    LPWSTR pwszKDF;
    BYTE bSecretAgreementIndex;
    PVOID pParameterList;
    PBYTE pbDerivedKey;
    DWORD cbDerivedKey;
    /* structure v2 */
    LPWSTR pwszAlgId;
    DWORD dwKeyLen;
    CARD_KEY_HANDLE hKey;
} CARD_DERIVE_KEY, *PCARD_DERIVE_KEY;

/* CP_CARD_PIN_INFO (v6). */
typedef enum _SECRET_TYPE {
    AlphaNumericPinType = 0,
    ExternalPinType = 1,
    ChallengeResponsePinType = 2,
    EmptyPinType = 3
} SECRET_TYPE;

typedef enum _SECRET_PURPOSE {
    AuthenticationPin = 0,
    DigitalSignaturePin = 1,
    EncryptionPin = 2,
    NonRepudiationPin = 3,
    AdministratorPin = 4,
    PrimaryCardPin = 5,
    UnblockOnlyPin = 6
} SECRET_PURPOSE;

typedef enum _PIN_CACHE_POLICY_TYPE {
    PinCacheNormal = 0,
    PinCacheTimed = 1,
    PinCacheNone = 2,
    PinCacheAlwaysPrompt = 3
} PIN_CACHE_POLICY_TYPE;

CH_CARDMOD_ASSERT(sizeof(SECRET_TYPE) == 4, "enums must be int sized");
CH_CARDMOD_ASSERT(sizeof(SECRET_PURPOSE) == 4, "enums must be int sized");
CH_CARDMOD_ASSERT(sizeof(PIN_CACHE_POLICY_TYPE) == 4, "enums must be int sized");

#define PIN_CACHE_POLICY_CURRENT_VERSION 6u
typedef struct _PIN_CACHE_POLICY {
    DWORD dwVersion;
    PIN_CACHE_POLICY_TYPE PinCachePolicyType;
    DWORD dwPinCachePolicyInfo;
} PIN_CACHE_POLICY, *PPIN_CACHE_POLICY;

#define PIN_INFO_CURRENT_VERSION 6u
#define PIN_INFO_REQUIRE_SECURE_ENTRY 1u
typedef struct _PIN_INFO {
    DWORD dwVersion;
    SECRET_TYPE PinType;
    SECRET_PURPOSE PinPurpose;
    PIN_SET dwChangePermission;
    PIN_SET dwUnblockPermission;
    PIN_CACHE_POLICY PinCachePolicy;
    DWORD dwFlags;
} PIN_INFO, *PPIN_INFO;

/* MDEncryptData output / CardProcessEncryptedData input (v7). */
typedef struct _CARD_ENCRYPTED_DATA {
    PBYTE pbEncryptedData;
    DWORD cbEncryptedData;
} CARD_ENCRYPTED_DATA, *PCARD_ENCRYPTED_DATA;
/* NOLINTEND(bugprone-reserved-identifier) */

/* ---------------------------------------------------------------------------------------------
 * CSP callbacks (filled by the CSP before CardAcquireContext)
 * ------------------------------------------------------------------------------------------- */
/* v4. Memory crossing the API is allocated by its producer with these and freed by its consumer. */
typedef LPVOID(WINAPI *PFN_CSP_ALLOC)(SIZE_T Size);
typedef LPVOID(WINAPI *PFN_CSP_REALLOC)(LPVOID Address, SIZE_T Size);
typedef void(WINAPI *PFN_CSP_FREE)(LPVOID Address);
/* v4, may be NULL. AddFile keeps a copy; LookupFile's *ppbData is freed with pfnCspFree. */
typedef DWORD(WINAPI *PFN_CSP_CACHE_ADD_FILE)(PVOID pvCacheContext, LPWSTR wszTag,
                                              DWORD dwFlags, PBYTE pbData, DWORD cbData);
typedef DWORD(WINAPI *PFN_CSP_CACHE_LOOKUP_FILE)(PVOID pvCacheContext, LPWSTR wszTag,
                                                 DWORD dwFlags, PBYTE *ppbData, PDWORD pcbData);
typedef DWORD(WINAPI *PFN_CSP_CACHE_DELETE_FILE)(PVOID pvCacheContext, LPWSTR wszTag,
                                                 DWORD dwFlags);
/* v4: pads for cards that cannot. */
typedef DWORD(WINAPI *PFN_CSP_PAD_DATA)(PCARD_SIGNING_INFO pSigningInfo, DWORD cbMaxWidth,
                                        DWORD *pcbPaddedBuffer, PBYTE *ppbPaddedBuffer);
/* v5: maps a KDF_NCRYPT_SECRET_HANDLE parameter to the on-card agreement index. */
typedef DWORD(WINAPI *PFN_CSP_GET_DH_AGREEMENT)(PCARD_DATA pCardData, PVOID hSecretAgreement,
                                                BYTE *pbSecretAgreementIndex, DWORD dwFlags);
/* v7: removes the padding of a CardRSADecrypt v1 result. */
typedef DWORD(WINAPI *PFN_CSP_UNPAD_DATA)(PCARD_RSA_DECRYPT_INFO pRSADecryptInfo,
                                          DWORD *pcbUnpaddedData, PBYTE *ppbUnpaddedData);

/* ---------------------------------------------------------------------------------------------
 * Card module entry points (filled by the card module in CardAcquireContext)
 * ------------------------------------------------------------------------------------------- */
typedef DWORD(WINAPI *PFN_CARD_ACQUIRE_CONTEXT)(PCARD_DATA pCardData, DWORD dwFlags);

/* v4 */
typedef DWORD(WINAPI *PFN_CARD_DELETE_CONTEXT)(PCARD_DATA pCardData);
typedef DWORD(WINAPI *PFN_CARD_QUERY_CAPABILITIES)(PCARD_DATA pCardData,
                                                   PCARD_CAPABILITIES pCardCapabilities);
typedef DWORD(WINAPI *PFN_CARD_DELETE_CONTAINER)(PCARD_DATA pCardData, BYTE bContainerIndex,
                                                 DWORD dwReserved);
typedef DWORD(WINAPI *PFN_CARD_CREATE_CONTAINER)(PCARD_DATA pCardData, BYTE bContainerIndex,
                                                 DWORD dwFlags, DWORD dwKeySpec, DWORD dwKeySize,
                                                 PBYTE pbKeyData);
typedef DWORD(WINAPI *PFN_CARD_GET_CONTAINER_INFO)(PCARD_DATA pCardData, BYTE bContainerIndex,
                                                   DWORD dwFlags, PCONTAINER_INFO pContainerInfo);
typedef DWORD(WINAPI *PFN_CARD_AUTHENTICATE_PIN)(PCARD_DATA pCardData, LPWSTR pwszUserId,
                                                 PBYTE pbPin, DWORD cbPin,
                                                 PDWORD pcAttemptsRemaining);
typedef DWORD(WINAPI *PFN_CARD_GET_CHALLENGE)(PCARD_DATA pCardData, PBYTE *ppbChallengeData,
                                              PDWORD pcbChallengeData);
typedef DWORD(WINAPI *PFN_CARD_AUTHENTICATE_CHALLENGE)(PCARD_DATA pCardData, PBYTE pbResponseData,
                                                       DWORD cbResponseData,
                                                       PDWORD pcAttemptsRemaining);
typedef DWORD(WINAPI *PFN_CARD_UNBLOCK_PIN)(PCARD_DATA pCardData, LPWSTR pwszUserId,
                                            PBYTE pbAuthenticationData, DWORD cbAuthenticationData,
                                            PBYTE pbNewPinData, DWORD cbNewPinData,
                                            DWORD cRetryCount, DWORD dwFlags);
typedef DWORD(WINAPI *PFN_CARD_CHANGE_AUTHENTICATOR)(
    PCARD_DATA pCardData, LPWSTR pwszUserId, PBYTE pbCurrentAuthenticator,
    DWORD cbCurrentAuthenticator, PBYTE pbNewAuthenticator, DWORD cbNewAuthenticator,
    DWORD cRetryCount, DWORD dwFlags, PDWORD pcAttemptsRemaining);
typedef DWORD(WINAPI *PFN_CARD_DEAUTHENTICATE)(PCARD_DATA pCardData, LPWSTR pwszUserId,
                                               DWORD dwFlags);
typedef DWORD(WINAPI *PFN_CARD_CREATE_DIRECTORY)(PCARD_DATA pCardData, LPSTR pszDirectoryName,
                                                 CARD_DIRECTORY_ACCESS_CONDITION AccessCondition);
typedef DWORD(WINAPI *PFN_CARD_DELETE_DIRECTORY)(PCARD_DATA pCardData, LPSTR pszDirectoryName);
typedef DWORD(WINAPI *PFN_CARD_CREATE_FILE)(PCARD_DATA pCardData, LPSTR pszDirectoryName,
                                            LPSTR pszFileName, DWORD cbInitialCreationSize,
                                            CARD_FILE_ACCESS_CONDITION AccessCondition);
typedef DWORD(WINAPI *PFN_CARD_READ_FILE)(PCARD_DATA pCardData, LPSTR pszDirectoryName,
                                          LPSTR pszFileName, DWORD dwFlags, PBYTE *ppbData,
                                          PDWORD pcbData);
typedef DWORD(WINAPI *PFN_CARD_WRITE_FILE)(PCARD_DATA pCardData, LPSTR pszDirectoryName,
                                           LPSTR pszFileName, DWORD dwFlags, PBYTE pbData,
                                           DWORD cbData);
typedef DWORD(WINAPI *PFN_CARD_DELETE_FILE)(PCARD_DATA pCardData, LPSTR pszDirectoryName,
                                            LPSTR pszFileName, DWORD dwFlags);
typedef DWORD(WINAPI *PFN_CARD_ENUM_FILES)(PCARD_DATA pCardData, LPSTR pszDirectoryName,
                                           LPSTR *pmszFileNames, LPDWORD pdwcbFileName,
                                           DWORD dwFlags);
typedef DWORD(WINAPI *PFN_CARD_GET_FILE_INFO)(PCARD_DATA pCardData, LPSTR pszDirectoryName,
                                              LPSTR pszFileName, PCARD_FILE_INFO pCardFileInfo);
typedef DWORD(WINAPI *PFN_CARD_QUERY_FREE_SPACE)(PCARD_DATA pCardData, DWORD dwFlags,
                                                 PCARD_FREE_SPACE_INFO pCardFreeSpaceInfo);
typedef DWORD(WINAPI *PFN_CARD_QUERY_KEY_SIZES)(PCARD_DATA pCardData, DWORD dwKeySpec,
                                                DWORD dwFlags, PCARD_KEY_SIZES pKeySizes);
typedef DWORD(WINAPI *PFN_CARD_SIGN_DATA)(PCARD_DATA pCardData, PCARD_SIGNING_INFO pInfo);
typedef DWORD(WINAPI *PFN_CARD_RSA_DECRYPT)(PCARD_DATA pCardData, PCARD_RSA_DECRYPT_INFO pInfo);
typedef DWORD(WINAPI *PFN_CARD_CONSTRUCT_DH_AGREEMENT)(PCARD_DATA pCardData,
                                                       PCARD_DH_AGREEMENT_INFO pAgreementInfo);

/* v5 */
typedef DWORD(WINAPI *PFN_CARD_DERIVE_KEY)(PCARD_DATA pCardData, PCARD_DERIVE_KEY pAgreementInfo);
typedef DWORD(WINAPI *PFN_CARD_DESTROY_DH_AGREEMENT)(PCARD_DATA pCardData,
                                                     BYTE bSecretAgreementIndex, DWORD dwFlags);

/* v6 */
typedef DWORD(WINAPI *PFN_CARD_GET_CHALLENGE_EX)(PCARD_DATA pCardData, PIN_ID PinId,
                                                 PBYTE *ppbChallengeData, PDWORD pcbChallengeData,
                                                 DWORD dwFlags);
typedef DWORD(WINAPI *PFN_CARD_AUTHENTICATE_EX)(PCARD_DATA pCardData, PIN_ID PinId, DWORD dwFlags,
                                                PBYTE pbPinData, DWORD cbPinData,
                                                PBYTE *ppbSessionPin, PDWORD pcbSessionPin,
                                                PDWORD pcAttemptsRemaining);
typedef DWORD(WINAPI *PFN_CARD_CHANGE_AUTHENTICATOR_EX)(
    PCARD_DATA pCardData, DWORD dwFlags, PIN_ID dwAuthenticatingPinId,
    PBYTE pbAuthenticatingPinData, DWORD cbAuthenticatingPinData, PIN_ID dwTargetPinId,
    PBYTE pbTargetData, DWORD cbTargetData, DWORD cRetryCount, PDWORD pcAttemptsRemaining);
typedef DWORD(WINAPI *PFN_CARD_DEAUTHENTICATE_EX)(PCARD_DATA pCardData, PIN_SET PinId,
                                                  DWORD dwFlags);
typedef DWORD(WINAPI *PFN_CARD_GET_CONTAINER_PROPERTY)(PCARD_DATA pCardData, BYTE bContainerIndex,
                                                       LPCWSTR wszProperty, PBYTE pbData,
                                                       DWORD cbData, PDWORD pdwDataLen,
                                                       DWORD dwFlags);
typedef DWORD(WINAPI *PFN_CARD_SET_CONTAINER_PROPERTY)(PCARD_DATA pCardData, BYTE bContainerIndex,
                                                       LPCWSTR wszProperty, PBYTE pbData,
                                                       DWORD cbDataLen, DWORD dwFlags);
typedef DWORD(WINAPI *PFN_CARD_GET_PROPERTY)(PCARD_DATA pCardData, LPCWSTR wszProperty,
                                             PBYTE pbData, DWORD cbData, PDWORD pdwDataLen,
                                             DWORD dwFlags);
typedef DWORD(WINAPI *PFN_CARD_SET_PROPERTY)(PCARD_DATA pCardData, LPCWSTR wszProperty,
                                             PBYTE pbData, DWORD cbDataLen, DWORD dwFlags);

/* v7: secure key injection (the only calls allowed in no-card mode) and CreateContainerEx. */
typedef DWORD(WINAPI *PFN_MD_IMPORT_SESSION_KEY)(PCARD_DATA pCardData, LPCWSTR pwszBlobType,
                                                 LPCWSTR pwszAlgId, PCARD_KEY_HANDLE phKey,
                                                 PBYTE pbInput, DWORD cbInput);
typedef DWORD(WINAPI *PFN_MD_ENCRYPT_DATA)(PCARD_DATA pCardData, CARD_KEY_HANDLE hKey,
                                           LPCWSTR pwszSecureFunction, PBYTE pbInput,
                                           DWORD cbInput, DWORD dwFlags,
                                           PCARD_ENCRYPTED_DATA *ppEncryptedData,
                                           PDWORD pcEncryptedData);
typedef DWORD(WINAPI *PFN_CARD_IMPORT_SESSION_KEY)(PCARD_DATA pCardData, BYTE bContainerIndex,
                                                   LPVOID pPaddingInfo, LPCWSTR pwszBlobType,
                                                   LPCWSTR pwszAlgId, PCARD_KEY_HANDLE phKey,
                                                   PBYTE pbInput, DWORD cbInput, DWORD dwFlags);
typedef DWORD(WINAPI *PFN_CARD_GET_SHARED_KEY_HANDLE)(PCARD_DATA pCardData, PBYTE pbInput,
                                                      DWORD cbInput, PBYTE *ppbOutput,
                                                      PDWORD pcbOutput, PCARD_KEY_HANDLE phKey);
typedef DWORD(WINAPI *PFN_CARD_GET_ALGORITHM_PROPERTY)(PCARD_DATA pCardData, LPCWSTR pwszAlgId,
                                                       LPCWSTR pwszProperty, PBYTE pbData,
                                                       DWORD cbData, PDWORD pdwDataLen,
                                                       DWORD dwFlags);
typedef DWORD(WINAPI *PFN_CARD_GET_KEY_PROPERTY)(PCARD_DATA pCardData, CARD_KEY_HANDLE hKey,
                                                 LPCWSTR pwszProperty, PBYTE pbData,
                                                 DWORD cbData, PDWORD pdwDataLen, DWORD dwFlags);
typedef DWORD(WINAPI *PFN_CARD_SET_KEY_PROPERTY)(PCARD_DATA pCardData, CARD_KEY_HANDLE hKey,
                                                 LPCWSTR pwszProperty, PBYTE pbInput,
                                                 DWORD cbInput, DWORD dwFlags);
typedef DWORD(WINAPI *PFN_CARD_DESTROY_KEY)(PCARD_DATA pCardData, CARD_KEY_HANDLE hKey);
typedef DWORD(WINAPI *PFN_CARD_PROCESS_ENCRYPTED_DATA)(
    PCARD_DATA pCardData, CARD_KEY_HANDLE hKey, LPCWSTR pwszSecureFunction,
    PCARD_ENCRYPTED_DATA pEncryptedData, DWORD cEncryptedData, PBYTE pbOutput, DWORD cbOutput,
    PDWORD pdwOutputLen, DWORD dwFlags);
typedef DWORD(WINAPI *PFN_CARD_CREATE_CONTAINER_EX)(PCARD_DATA pCardData, BYTE bContainerIndex,
                                                    DWORD dwFlags, DWORD dwKeySpec,
                                                    DWORD dwKeySize, PBYTE pbKeyData,
                                                    PIN_ID PinId);

/* ---------------------------------------------------------------------------------------------
 * CARD_DATA: allocated by the CSP at the size of the version it asks for (CARD_DATA_SIZE_Vn),
 * so the card module must never touch a member beyond the negotiated version.
 * ------------------------------------------------------------------------------------------- */
struct _CARD_DATA {
    /* 1-15, v4, filled by the CSP before CardAcquireContext. */
    DWORD dwVersion; /* in: requested; out: negotiated */
    PBYTE pbAtr;
    DWORD cbAtr;
    LPWSTR pwszCardName;
    PFN_CSP_ALLOC pfnCspAlloc;
    PFN_CSP_REALLOC pfnCspReAlloc;
    PFN_CSP_FREE pfnCspFree;
    PFN_CSP_CACHE_ADD_FILE pfnCspCacheAddFile;       /* may be NULL */
    PFN_CSP_CACHE_LOOKUP_FILE pfnCspCacheLookupFile; /* may be NULL */
    PFN_CSP_CACHE_DELETE_FILE pfnCspCacheDeleteFile; /* may be NULL */
    PVOID pvCacheContext;
    PFN_CSP_PAD_DATA pfnCspPadData;
    SCARDCONTEXT hSCardCtx;
    SCARDHANDLE hScard;
    PVOID pvVendorSpecific; /* owned by the card module (our context) */

    /* 16-28, v4, filled by the card module. */
    PFN_CARD_DELETE_CONTEXT pfnCardDeleteContext;
    PFN_CARD_QUERY_CAPABILITIES pfnCardQueryCapabilities;
    PFN_CARD_DELETE_CONTAINER pfnCardDeleteContainer;
    PFN_CARD_CREATE_CONTAINER pfnCardCreateContainer;
    PFN_CARD_GET_CONTAINER_INFO pfnCardGetContainerInfo;
    PFN_CARD_AUTHENTICATE_PIN pfnCardAuthenticatePin;
    PFN_CARD_GET_CHALLENGE pfnCardGetChallenge;
    PFN_CARD_AUTHENTICATE_CHALLENGE pfnCardAuthenticateChallenge;
    PFN_CARD_UNBLOCK_PIN pfnCardUnblockPin;
    PFN_CARD_CHANGE_AUTHENTICATOR pfnCardChangeAuthenticator;
    PFN_CARD_DEAUTHENTICATE pfnCardDeauthenticate; /* may be NULL */
    PFN_CARD_CREATE_DIRECTORY pfnCardCreateDirectory;
    PFN_CARD_DELETE_DIRECTORY pfnCardDeleteDirectory;
    /* 29-30, v4, reserved. */
    LPVOID pvUnused3;
    LPVOID pvUnused4;
    /* 31-41, v4, filled by the card module. */
    PFN_CARD_CREATE_FILE pfnCardCreateFile;
    PFN_CARD_READ_FILE pfnCardReadFile;
    PFN_CARD_WRITE_FILE pfnCardWriteFile;
    PFN_CARD_DELETE_FILE pfnCardDeleteFile;
    PFN_CARD_ENUM_FILES pfnCardEnumFiles;
    PFN_CARD_GET_FILE_INFO pfnCardGetFileInfo;
    PFN_CARD_QUERY_FREE_SPACE pfnCardQueryFreeSpace;
    PFN_CARD_QUERY_KEY_SIZES pfnCardQueryKeySizes;
    PFN_CARD_SIGN_DATA pfnCardSignData;
    PFN_CARD_RSA_DECRYPT pfnCardRSADecrypt;
    PFN_CARD_CONSTRUCT_DH_AGREEMENT pfnCardConstructDHAgreement;

    /* 42-43, v5, filled by the card module. */
    PFN_CARD_DERIVE_KEY pfnCardDeriveKey;
    PFN_CARD_DESTROY_DH_AGREEMENT pfnCardDestroyDHAgreement;
    /* 44, v5, filled by the CSP. */
    PFN_CSP_GET_DH_AGREEMENT pfnCspGetDHAgreement;

    /* 45-52, v6, filled by the card module. */
    PFN_CARD_GET_CHALLENGE_EX pfnCardGetChallengeEx;
    PFN_CARD_AUTHENTICATE_EX pfnCardAuthenticateEx;
    PFN_CARD_CHANGE_AUTHENTICATOR_EX pfnCardChangeAuthenticatorEx;
    PFN_CARD_DEAUTHENTICATE_EX pfnCardDeauthenticateEx;
    PFN_CARD_GET_CONTAINER_PROPERTY pfnCardGetContainerProperty;
    PFN_CARD_SET_CONTAINER_PROPERTY pfnCardSetContainerProperty;
    PFN_CARD_GET_PROPERTY pfnCardGetProperty;
    PFN_CARD_SET_PROPERTY pfnCardSetProperty;

    /* 53, v7, filled by the CSP. */
    PFN_CSP_UNPAD_DATA pfnCspUnpadData;
    /* 54-63, v7, filled by the card module. */
    PFN_MD_IMPORT_SESSION_KEY pfnMDImportSessionKey;
    PFN_MD_ENCRYPT_DATA pfnMDEncryptData;
    PFN_CARD_IMPORT_SESSION_KEY pfnCardImportSessionKey;
    PFN_CARD_GET_SHARED_KEY_HANDLE pfnCardGetSharedKeyHandle;
    PFN_CARD_GET_ALGORITHM_PROPERTY pfnCardGetAlgorithmProperty;
    PFN_CARD_GET_KEY_PROPERTY pfnCardGetKeyProperty;
    PFN_CARD_SET_KEY_PROPERTY pfnCardSetKeyProperty;
    PFN_CARD_DESTROY_KEY pfnCardDestroyKey;
    PFN_CARD_PROCESS_ENCRYPTED_DATA pfnCardProcessEncryptedData;
    PFN_CARD_CREATE_CONTAINER_EX pfnCardCreateContainerEx;
};

/* Bytes a CSP of version n allocates: up to the first member version n+1 added. */
#define CARD_DATA_SIZE_V4 offsetof(CARD_DATA, pfnCardDeriveKey)
#define CARD_DATA_SIZE_V5 offsetof(CARD_DATA, pfnCardGetChallengeEx)
#define CARD_DATA_SIZE_V6 offsetof(CARD_DATA, pfnCspUnpadData)
#define CARD_DATA_SIZE_V7 sizeof(CARD_DATA)

/* ---------------------------------------------------------------------------------------------
 * The one exported symbol
 * ------------------------------------------------------------------------------------------- */
CH_EXPORT DWORD WINAPI CardAcquireContext(PCARD_DATA pCardData, DWORD dwFlags);

/* The SDK headers spell these differently on Windows; the values must still agree. */
CH_CARDMOD_ASSERT(AT_KEYEXCHANGE == 1 && AT_SIGNATURE == 2, "AT_* values");
CH_CARDMOD_ASSERT(CALG_RSA_KEYX == 0xA400 && CALG_RSA_SIGN == 0x2400, "CALG_RSA_* values");
CH_CARDMOD_ASSERT(CALG_MD5 == 0x8003 && CALG_SHA1 == 0x8004 && CALG_SSL3_SHAMD5 == 0x8008,
                  "CALG hash values");
CH_CARDMOD_ASSERT(CALG_SHA_256 == 0x800C && CALG_SHA_384 == 0x800D && CALG_SHA_512 == 0x800E,
                  "CALG SHA-2 values");
CH_CARDMOD_ASSERT(PUBLICKEYBLOB == 6 && PRIVATEKEYBLOB == 7 && CUR_BLOB_VERSION == 2,
                  "CAPI blob values");
CH_CARDMOD_ASSERT(BCRYPT_ECDSA_PUBLIC_P256_MAGIC == 0x31534345 &&
                      BCRYPT_ECDSA_PRIVATE_P521_MAGIC == 0x36534345 &&
                      BCRYPT_ECDH_PUBLIC_P256_MAGIC == 0x314B4345 &&
                      BCRYPT_ECDH_PRIVATE_P521_MAGIC == 0x364B4345,
                  "BCRYPT ECC magic values");
CH_CARDMOD_ASSERT(sizeof(BLOBHEADER) == 8 && sizeof(RSAPUBKEY) == 12 &&
                      sizeof(BCRYPT_ECCKEY_BLOB) == 8,
                  "key blob headers have fixed sizes");

#ifdef __cplusplus
}
#endif

#endif /* CH_CARDMOD_H */
