/* The fuzz_session finding (DESIGN.md "One finding format"): a CSP session of up to
 * CH_FS_MAX_STEPS steps against an in-process vpiv card, with an allocation failure and a
 * transport failure planned by the header. This decoder is pure (bytes in, a struct out, no
 * card, no heap) and shared by fuzz/fuzz_session.c, its seed generator and mdreplay, so a
 * finding means the same thing everywhere. Layout and meaning: docs/fuzzing.md
 * "fuzz_session layout".
 *
 *   u8    version selector   CARD_DATA version 7 - (v & 3): 0 -> 7, 1 -> 6, 2 -> 5, 3 -> 4
 *   u8    flags              CH_FS_F_*; other bits ignored
 *   u8    alloc_fail_at      the k-th CSP allocation from the first step fails (0: none)
 *   u16le fault_at           the k-th APDU exchange from the first step fails (0: none)
 *   u8    fault              bits 0..6 % 3: 0 SCARD_E_COMM_DATA_LOST, 1 SCARD_W_RESET_CARD,
 *                            2 SCARD_W_REMOVED_CARD; bit 7: every exchange after it fails too
 *   steps, until the input ends (at most CH_FS_MAX_STEPS):
 *         u8 op, u8 a, u8 b, u16le len, len bytes of data (as many as the input holds)
 *
 * Every header field is read through the bounded cursor; missing bytes read as 0, so every
 * prefix of a finding is a finding. An op is taken modulo CH_FS_OPS; its selectors a and b
 * index the small tables of finding_session.c (ch_fs_resolve). The tables are the meaning of a
 * finding: append to them, never reorder. Cardmod constants are spelled as numbers here (this
 * library does not depend on cardmod.h); fuzz_session.c checks them against cardmod.h. */
#ifndef CH_FINDING_SESSION_H
#define CH_FINDING_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CH_FS_HEADER 6u     /* bytes before the first step */
#define CH_FS_RECORD 5u     /* bytes of a step before its data */
#define CH_FS_MAX_STEPS 24u

enum {
    CH_FS_F_EMPTY_CARD = 1u << 0, /* start from a factory-fresh card, not the personalised one */
    CH_FS_F_NO_CACHE = 1u << 1,   /* the three cache callbacks and pvCacheContext NULL */
};

#define CH_FS_FAULT_REPEAT 0x80u

typedef enum ch_fs_op {
    CH_FS_NOTHING = 0,
    CH_FS_AUTH_PIN = 1,        /* CardAuthenticatePin / CardAuthenticateEx(ROLE_USER or 3) */
    CH_FS_ADMIN = 2,           /* CardGetChallenge(Ex) + CardAuthenticateChallenge / Ex(ADMIN) */
    CH_FS_DEAUTH = 3,          /* CardDeauthenticate / CardDeauthenticateEx */
    CH_FS_CHANGE_PIN = 4,      /* CardChangeAuthenticator(Ex), CardUnblockPin */
    CH_FS_KEYGEN = 5,          /* CardCreateContainer(Ex) KEY_GEN, EC only */
    CH_FS_IMPORT = 6,          /* CardCreateContainer(Ex) KEY_IMPORT */
    CH_FS_DELETE_CONTAINER = 7,
    CH_FS_WRITE_CERT = 8,      /* CardWriteFile(mscp, kxcNN / kscNN), then read back */
    CH_FS_WRITE_CMAP = 9,      /* CardWriteFile(mscp, cmapfile) */
    CH_FS_WRITE_CARDCF = 10,   /* CardWriteFile(cardcf) */
    CH_FS_DELETE_FILE = 11,
    CH_FS_CREATE_FILE = 12,
    CH_FS_READ_FILE = 13,
    CH_FS_ENUM_INFO = 14,      /* CardEnumFiles / CardGetFileInfo */
    CH_FS_CONTAINER_INFO = 15,
    CH_FS_SIGN = 16,
    CH_FS_DECRYPT = 17,
    CH_FS_ECDH = 18,           /* CardConstructDHAgreement, CardDeriveKey, CardDestroyDHAgreement */
    CH_FS_POWER = 19,          /* the card is reset, or removed and re-inserted */
    CH_FS_REACQUIRE = 20,      /* CardDeleteContext, CardAcquireContext on the same cache */
    CH_FS_AUTH_STATE = 21,     /* CardGetProperty(CP_CARD_AUTHENTICATED_STATE) */
    CH_FS_OPS = 22
} ch_fs_op;

/* Where a secret (PIN, PUK, new PIN, admin response) comes from. */
typedef enum ch_fs_src {
    CH_FS_SRC_LITERAL = 0, /* bytes/len below */
    CH_FS_SRC_CURRENT,     /* the card's current PIN (or PUK) */
    CH_FS_SRC_DATA,        /* the step's data */
    CH_FS_SRC_NULL,        /* a NULL pointer (length 6) */
} ch_fs_src;

typedef struct ch_fs_secret {
    ch_fs_src src;
    const uint8_t *bytes; /* CH_FS_SRC_LITERAL */
    uint8_t len;
} ch_fs_secret;

/* ADMIN: the response handed back. */
typedef enum ch_fs_resp {
    CH_FS_RESP_RIGHT = 0,  /* the challenge encrypted under the card's management key */
    CH_FS_RESP_WRONG,      /* the right response with one bit flipped */
    CH_FS_RESP_SHORT,      /* one byte less than the block */
    CH_FS_RESP_NONE,       /* challenge only */
    CH_FS_RESP_STALE,      /* no new challenge: the right response to the last one seen */
    CH_FS_RESP_DATA,       /* the step's data */
} ch_fs_resp;

/* CHANGE_PIN: which call and which secrets. */
typedef enum ch_fs_change {
    CH_FS_CHG_PIN = 0,     /* CardChangeAuthenticator(L"user", PIN) */
    CH_FS_CHG_PIN_EX,      /* CardChangeAuthenticatorEx(CHANGEPIN, ROLE_USER, ROLE_USER) */
    CH_FS_CHG_PUK_EX,      /* CardChangeAuthenticatorEx(CHANGEPIN, 4, 4) */
    CH_FS_CHG_UNBLOCK,     /* CardUnblockPin(L"user", PUK, new PIN) */
    CH_FS_CHG_UNBLOCK_EX,  /* CardChangeAuthenticatorEx(UNBLOCK, 4, ROLE_USER) */
} ch_fs_change;

/* IMPORT: the key blob. The keys themselves are made by the target (fixed, from labels). */
typedef enum ch_fs_key {
    CH_FS_KEY_RSA1024 = 0,
    CH_FS_KEY_RSA2048,
    CH_FS_KEY_P256,
    CH_FS_KEY_P384,
    CH_FS_KEY_RSA1024_B,
    CH_FS_KEY_P256_B,
    CH_FS_KEY_DATA,        /* the step's data, at the length its header announces */
    CH_FS_KEY_RSA2048_AS_1024, /* the RSA-2048 blob with dwKeySize 1024: refused */
    CH_FS_KEYS
} ch_fs_key;

/* WRITE_CERT: which certificate. */
typedef enum ch_fs_cert {
    CH_FS_CERT_SLOT = 0,   /* of the key the slot holds now (built by the target) */
    CH_FS_CERT_TABLE,      /* of table key `key` (may be another key: refused) */
    CH_FS_CERT_DATA,       /* the step's data */
    CH_FS_CERT_SLOT_LARGE, /* of the slot's key, over 3052 bytes: stored gzip-compressed */
} ch_fs_cert;

/* WRITE_CMAP: what cmapfile is written. */
typedef enum ch_fs_cmap {
    CH_FS_CMAP_DATA = 0,   /* the step's data */
    CH_FS_CMAP_REWRITE,    /* read, written back unchanged */
    CH_FS_CMAP_DEFAULT,    /* read, container `container` made the default */
    CH_FS_CMAP_DROP,       /* read, container `container`'s record made not valid */
    CH_FS_CMAP_EMPTY,      /* no bytes */
} ch_fs_cmap;

/* WRITE_CARDCF. */
typedef enum ch_fs_cardcf {
    CH_FS_CF_BUMP = 0,     /* read, both freshness counters + 1, written */
    CH_FS_CF_DATA,         /* the data (6..64 bytes), with the card's counters + 1 */
    CH_FS_CF_SHORT,        /* 5 bytes: refused */
    CH_FS_CF_LONG,         /* 65 bytes: refused */
} ch_fs_cardcf;

/* READ_FILE and the name of the file ops. */
typedef enum ch_fs_file {
    CH_FS_FILE_CARDID = 0,
    CH_FS_FILE_CARDCF,
    CH_FS_FILE_CARDAPPS,
    CH_FS_FILE_CMAPFILE,
    CH_FS_FILE_CERT,       /* the container's certificate under the name the module gives it */
    CH_FS_FILE_CERT_OTHER, /* ... under the other prefix (ksc <-> kxc) */
} ch_fs_file;

/* ENUM_INFO. */
typedef enum ch_fs_enum {
    CH_FS_ENUM_ROOT = 0,   /* CardEnumFiles(NULL) */
    CH_FS_ENUM_MSCP,       /* CardEnumFiles("mscp") */
    CH_FS_INFO_CMAPFILE,   /* CardGetFileInfo("mscp", "cmapfile") */
    CH_FS_INFO_CERT,       /* CardGetFileInfo of the container's certificate */
} ch_fs_enum;

/* SIGN: the hash and how it is described. */
typedef enum ch_fs_hash {
    CH_FS_HASH_SHA256 = 0, /* aiHashAlg CALG_SHA_256 */
    CH_FS_HASH_SHA1,
    CH_FS_HASH_SHA384,
    CH_FS_HASH_RAW,        /* aiHashAlg 0: no DigestInfo (32 bytes) */
    CH_FS_HASH_SHA512,
    CH_FS_HASH_SIZE_ONLY,  /* SHA-256 with CARD_BUFFER_SIZE_ONLY */
    CH_FS_HASH_PADINFO,    /* v2 padding info PKCS1 L"SHA256" */
    CH_FS_HASH_DATA,       /* the data as the hash, aiHashAlg CALG_SHA_256 */
} ch_fs_hash;

/* DECRYPT: the ciphertext. */
typedef enum ch_fs_ct {
    CH_FS_CT_PKCS1 = 0,    /* v2 CARD_PADDING_PKCS1 */
    CH_FS_CT_RAW,          /* v1: the whole block comes back */
    CH_FS_CT_OAEP256,      /* v2 OAEP SHA-256 */
    CH_FS_CT_OAEP1,        /* v2 OAEP SHA-1 with a label */
    CH_FS_CT_BAD,          /* v2 PKCS1 of a block that is not PKCS1 */
    CH_FS_CT_DATA,         /* v2 PKCS1 of the data (modulus length, zero-padded) */
} ch_fs_ct;

/* One record as read. */
typedef struct ch_fs_record {
    uint8_t op, a, b;       /* op as read (ch_fs_resolve takes it modulo CH_FS_OPS) */
    uint16_t len;           /* data length as declared */
    const uint8_t *data;    /* data_got bytes (fewer than len when the input runs short) */
    size_t data_got;
} ch_fs_record;

typedef struct ch_finding_session {
    uint8_t version_sel;
    uint32_t version;       /* 4..7 */
    uint8_t flags;          /* CH_FS_F_* */
    uint8_t alloc_fail_at;
    uint16_t fault_at;
    uint8_t fault_sel;
    uint32_t fault_code;    /* SCARD_E_COMM_DATA_LOST, SCARD_W_RESET_CARD, SCARD_W_REMOVED_CARD */
    bool fault_repeat;
    uint8_t n_steps;        /* records present, <= CH_FS_MAX_STEPS */
    ch_fs_record steps[CH_FS_MAX_STEPS];
} ch_finding_session;

void ch_finding_session_decode(const uint8_t *data, size_t size, ch_finding_session *f);

/* A record turned into its arguments. Fields an op does not use are zero. */
typedef struct ch_fs_step {
    ch_fs_op op;
    uint8_t variant;        /* per op: which entry point or form (below) */
    uint8_t container;      /* 0..25 (24 and 25 are past the last container) */
    ch_fs_secret secret;    /* AUTH_PIN: the PIN; CHANGE_PIN: the current PIN or PUK */
    ch_fs_secret next;      /* CHANGE_PIN: the new PIN or PUK */
    ch_fs_resp resp;        /* ADMIN */
    uint32_t pin_set;       /* DEAUTH (variant 2) */
    uint32_t key_spec;      /* KEYGEN; IMPORT of CH_FS_KEY_DATA */
    bool explicit_size;     /* KEYGEN, IMPORT: dwKeySize the key's bits, not 0 */
    bool own_pin;           /* KEYGEN, IMPORT (v7): PinId the container's PIN, not ROLE_USER */
    bool signature;         /* IMPORT, SIGN: the signature keyspec of the key's type */
    ch_fs_key key;          /* IMPORT; WRITE_CERT of CH_FS_CERT_TABLE */
    ch_fs_cert cert;        /* WRITE_CERT */
    bool other_name;        /* WRITE_CERT, DELETE_FILE: ksc <-> kxc */
    ch_fs_cmap cmap;        /* WRITE_CMAP */
    ch_fs_cardcf cardcf;    /* WRITE_CARDCF */
    ch_fs_file file;        /* READ_FILE; DELETE_FILE uses CERT, CERT_OTHER, CARDCF, CMAPFILE */
    ch_fs_enum enum_kind;   /* ENUM_INFO */
    ch_fs_hash hash;        /* SIGN */
    bool wrong_spec;        /* SIGN, DECRYPT: a keyspec of another key type */
    bool struct_v1;         /* SIGN: CARD_SIGNING_INFO version 1 */
    ch_fs_ct ct;            /* DECRYPT */
    bool peer_p384;         /* ECDH: the peer key's curve */
    bool kdf_sha384;        /* ECDH: KDF_HASH_ALGORITHM L"SHA384" (else no parameters: SHA-1) */
    bool keep_agreement;    /* ECDH: no CardDestroyDHAgreement */
    bool remove;            /* POWER: removed and re-inserted (else reset) */
    const uint8_t *data;    /* the step's data (NULL when none) */
    size_t data_len;
} ch_fs_step;

/* Variants:
 *   AUTH_PIN   0 CardAuthenticatePin(L"user"), 1 CardAuthenticateEx(ROLE_USER), 2 ... (3),
 *              3 CardAuthenticateEx(ROLE_USER, CARD_PIN_SILENT_CONTEXT)
 *   ADMIN      bit 0: CardGetChallengeEx(ROLE_ADMIN); bit 1: CardAuthenticateEx(ROLE_ADMIN)
 *   DEAUTH     0 CardDeauthenticate(L"user"), 1 (L"admin"), 2 CardDeauthenticateEx(pin_set),
 *              3 CardDeauthenticate(L"nobody")
 *   CHANGE_PIN a ch_fs_change
 * The target calls the v4 entry point where the context's version has no Ex one. */
void ch_fs_resolve(const ch_fs_record *r, ch_fs_step *step);

/* The name of an op ("AUTH_PIN", ...), for messages and tools. */
const char *ch_fs_op_name(ch_fs_op op);

/* Writes a finding: header and records (each record's data as data_got bytes with
 * len = data_got; records beyond CH_FS_MAX_STEPS are not written). Returns a malloc'd buffer
 * of *len bytes, NULL on OOM or a record of more than 65535 bytes. */
uint8_t *ch_finding_session_encode(const ch_finding_session *f, size_t *len);

#endif
