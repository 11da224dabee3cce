/* One finding format (DESIGN.md): a fuzz input IS the finding. This decoder turns an input
 * into "CSP calls + card answers"; the fuzz targets, the standalone runner and mdreplay all
 * use it, so a finding means the same thing everywhere. Layouts: docs/fuzzing.md.
 *
 * Every header field is read through the bounded cursor in a fixed byte order (little-endian
 * for CSP-side values, as the CSP's structures are; the card script is big-endian like
 * APDUs). A short input reads as zeros: every prefix of a finding is itself a valid finding. */
#ifndef CH_FINDING_H
#define CH_FINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

/* Readers that never fail: missing bytes read as 0. */
uint8_t ch_fd_u8(ch_cur *c);
uint16_t ch_fd_u16le(ch_cur *c);
uint32_t ch_fd_u32le(ch_cur *c);
uint64_t ch_fd_u64le(ch_cur *c);
/* Up to n bytes; *got says how many were there. */
const uint8_t *ch_fd_bytes(ch_cur *c, size_t n, size_t *got);

/* ---- fuzz_acquire: CardAcquireContext negotiation ---- */
enum {
    CH_FA_NULL_CARD_DATA = 1u << 0,
    CH_FA_NULL_ATR = 1u << 1,
    CH_FA_NULL_NAME = 1u << 2,
    CH_FA_NULL_ALLOC = 1u << 3,
    CH_FA_NULL_REALLOC = 1u << 4,
    CH_FA_NULL_FREE = 1u << 5,
    CH_FA_NULL_CACHE = 1u << 6,   /* the three cache callbacks */
    CH_FA_NULL_PAD = 1u << 7,
};
enum {
    CH_FA_ZERO_HCTX = 1u << 0,
    CH_FA_ZERO_HCARD = 1u << 1,
    CH_FA_FULL_STRUCT = 1u << 2,  /* CARD_DATA sized for v7, not for the requested version */
    CH_FA_DELETE_TWICE = 1u << 3, /* the second CardDeleteContext must be refused cleanly */
};

typedef struct ch_finding_acquire {
    uint32_t version;     /* CARD_DATA.dwVersion the CSP asks for */
    uint32_t flags;       /* dwFlags of CardAcquireContext */
    uint8_t nulls;        /* CH_FA_NULL_* */
    uint8_t shape;        /* CH_FA_* */
    uint8_t alloc_fail_at;/* k-th CSP allocation fails (0 = none) */
    uint8_t atr_len;      /* cbAtr as passed */
    uint8_t atr[255];     /* pbAtr, zero-padded to atr_len when the input runs short */
    uint8_t name_units;   /* card name length in UTF-16 units (NUL appended) */
    uint16_t name[256];
    ch_cur script;        /* the card's answers (src/transport/script.h format) */
} ch_finding_acquire;

void ch_finding_acquire_decode(const uint8_t *data, size_t size, ch_finding_acquire *f);

/* ---- fuzz_apdu_exchange: the transmit function against scripted answers ---- */
typedef struct ch_finding_exchange {
    uint8_t cla, ins, p1, p2;
    uint16_t data_len;    /* Lc of the whole command (chained above 255) */
    const uint8_t *data;  /* data_len bytes (the input may hold fewer: *data_got) */
    size_t data_got;
    uint16_t le;          /* 0..256 valid; larger values test the parameter check */
    uint16_t out_cap;     /* caller's buffer size */
    uint8_t max_rounds;   /* 0: default */
    uint16_t max_response;/* 0: default */
    uint8_t fail_at;      /* transport fails at this exchange (1-based), 0 = never */
    uint8_t fail_code;    /* which failure (script event code) */
    ch_cur script;
} ch_finding_exchange;

void ch_finding_exchange_decode(const uint8_t *data, size_t size, ch_finding_exchange *f);

/* ---- fuzz_vpiv: the virtual PIV card (src/vpiv), an APDU session or a state file ---- */
enum {
    CH_FV_MODE_STATE = 1u << 0, /* 0: APDU session; 1: state file image */
    CH_FV_MODE_SEAL = 1u << 1,  /* state file: compare the SHA-256 seal as written */
};
enum {
    CH_FV_PRE_MGM = 1u << 0,    /* card->mgm_authenticated = true */
    CH_FV_PRE_PIN = 1u << 1,    /* card->pin_verified = pin_always_ok = true */
    CH_FV_PRE_SELECT = 1u << 2, /* send SELECT PIV first (before the two above: it clears them) */
};

typedef struct ch_finding_vpiv {
    uint8_t mode;         /* CH_FV_MODE_*; the other bits are ignored */
    uint64_t seed;        /* vpiv_set_deterministic */
    uint8_t pre;          /* session: CH_FV_PRE_* */
    ch_cur entries;       /* session: the C-APDUs and power events (ch_finding_vpiv_next) */
    const uint8_t *image; /* state file: the file image (NULL when empty) */
    size_t image_len;
} ch_finding_vpiv;

/* One step of a session: a C-APDU, or a power event (vpiv_power) instead. */
typedef struct ch_finding_vpiv_step {
    bool power;
    int event;            /* VPIV_POWER_OFF / ON / RESET (0, 1, 2) when power */
    const uint8_t *capdu; /* NULL when capdu_len is 0 */
    size_t capdu_len;
} ch_finding_vpiv_step;

/* A session ends before its (CH_FV_MAX_GENERATE + 1)-th GENERATE ASYMMETRIC KEY PAIR (a C-APDU
 * of 4 bytes or more with INS 47 and CLA bit 10 clear): RSA key generation is slow. */
#define CH_FV_MAX_GENERATE 4u

void ch_finding_vpiv_decode(const uint8_t *data, size_t size, ch_finding_vpiv *f);
/* Next step of f->entries: u16 BE length + C-APDU, or 0xFF00 | e for power event e % 3; a
 * length past the end takes the bytes that remain. false when fewer than 2 bytes remain. */
bool ch_finding_vpiv_next(ch_cur *entries, ch_finding_vpiv_step *step);

/* ---- fuzz_apdu: a sequence of CSP calls through the function table, the card scripted ----
 * Layout (docs/fuzzing.md "fuzz_apdu layout"):
 *   u8 version selector  (CARD_DATA version 7 - (v & 3): 0 -> 7, 1 -> 6, 2 -> 5, 3 -> 4)
 *   u8 alloc_fail_at     (the k-th CSP allocation after the first CardAcquireContext fails)
 *   u8 flags             (CH_FAP_*)
 *   u8 n                 (number of call records, at most CH_FAP_MAX_CALLS are read)
 *   n x { u8 op, u8 a, u8 b, u8 c, u8 d, u16le len, len bytes }
 *   rest: the card script (src/transport/script.h), starting with CardAcquireContext's SELECT.
 * The selectors a..d index the tables of finding.c (ch_fap_resolve); a record's op is taken
 * modulo CH_FAP_OPS. Ids 22..31 were kept free (doing nothing) until the key, write and
 * private-key entry points took them, so findings made before mean what they meant. */
#define CH_FAP_MAX_CALLS 16u
#define CH_FAP_OPS 32u
#define CH_FAP_HEADER 4u     /* bytes before the first call record */
#define CH_FAP_RECORD 7u     /* bytes of a call record before its data */

enum {
    CH_FAP_NULL_CACHE = 1u << 0,     /* the three cache callbacks and pvCacheContext NULL */
    CH_FAP_SECOND_CONTEXT = 1u << 1, /* after the calls: delete, acquire a new context on the
                                        same CARD_DATA and cache, and run the calls again */
};

typedef enum ch_fap_op {
    CH_FAP_QUERY_CAPABILITIES = 0,
    CH_FAP_QUERY_FREE_SPACE = 1,
    CH_FAP_QUERY_KEY_SIZES = 2,
    CH_FAP_GET_CONTAINER_INFO = 3,
    CH_FAP_AUTHENTICATE_PIN = 4,
    CH_FAP_GET_CHALLENGE = 5,
    CH_FAP_AUTHENTICATE_CHALLENGE = 6,
    CH_FAP_UNBLOCK_PIN = 7,
    CH_FAP_CHANGE_AUTHENTICATOR = 8,
    CH_FAP_DEAUTHENTICATE = 9,
    CH_FAP_READ_FILE = 10,
    CH_FAP_ENUM_FILES = 11,
    CH_FAP_GET_FILE_INFO = 12,
    CH_FAP_GET_CHALLENGE_EX = 13,        /* v6 and above, as every op below but REACQUIRE */
    CH_FAP_AUTHENTICATE_EX = 14,
    CH_FAP_CHANGE_AUTHENTICATOR_EX = 15,
    CH_FAP_DEAUTHENTICATE_EX = 16,
    CH_FAP_GET_PROPERTY = 17,
    CH_FAP_SET_PROPERTY = 18,
    CH_FAP_GET_CONTAINER_PROPERTY = 19,
    CH_FAP_SET_CONTAINER_PROPERTY = 20,
    CH_FAP_REACQUIRE = 21,               /* CardDeleteContext, then CardAcquireContext again */
    CH_FAP_CREATE_CONTAINER = 22,        /* CardCreateContainerEx (v7), CardCreateContainer */
    CH_FAP_DELETE_CONTAINER = 23,
    CH_FAP_WRITE_FILE = 24,
    CH_FAP_CREATE_FILE = 25,
    CH_FAP_DELETE_FILE = 26,
    CH_FAP_SIGN_DATA = 27,
    CH_FAP_RSA_DECRYPT = 28,
    CH_FAP_CONSTRUCT_DH = 29,
    CH_FAP_DERIVE_KEY = 30,              /* v5 and above, as DESTROY_DH */
    CH_FAP_DESTROY_DH = 31,
    CH_FAP_OP_RESERVED = 32,             /* no id is free any more; kept for tools */
} ch_fap_op;

/* d, the NULL mask of a record: bit 7 passes pCardData = NULL; bit 0 / bit 1 the first /
 * second input buffer, bits 2, 3, 4 the first, second, third output pointer of the op (in the
 * order of docs/fuzzing.md). CardDeauthenticateEx reads bit 4 as "PIN_SET | 0xFFFFFF00",
 * CardChangeAuthenticatorEx bits 4..6 as its retry count selector. */
#define CH_FAP_D_NULL_CARD_DATA 0x80u
#define CH_FAP_D_PIN_SET_HIGH 0x10u
/* The ops on a structure (CardSignData, CardRSADecrypt, CardConstructDHAgreement,
 * CardDeriveKey) read d bit 2 as "the structure pointer is NULL", and CardSignData,
 * CardRSADecrypt and CardDeriveKey bits 3..4 as the structure's dwVersion selector; bits 5..6
 * are the CSP padding callback (CardSignData, CH_FAP_PAD_*), pPaddingInfo NULL (bit 5,
 * CardRSADecrypt) or the parameter list's shape (CardDeriveKey, CH_FAP_KDF_LIST_*). */
#define CH_FAP_D_NULL_STRUCT 0x04u

/* pfnCspPadData during CardSignData (the module calls it for PSS only). */
enum {
    CH_FAP_PAD_BLOCK = 0,    /* returns a block of exactly cbMaxWidth bytes */
    CH_FAP_PAD_FAIL = 1,     /* fails with SCARD_F_INTERNAL_ERROR */
    CH_FAP_PAD_NONE = 2,     /* pfnCspPadData is NULL */
    CH_FAP_PAD_LONG = 3,     /* returns a block one byte longer than cbMaxWidth */
};

/* CardDeriveKey's BCryptBufferDesc beyond the buffers the record chose. */
enum {
    CH_FAP_KDF_LIST_PLAIN = 0,
    CH_FAP_KDF_LIST_VERSION = 1, /* ulVersion 1 */
    CH_FAP_KDF_LIST_TWICE = 2,   /* the first buffer once more at the end */
    CH_FAP_KDF_LIST_UNKNOWN = 3, /* one more buffer of BufferType 4 */
};

typedef struct ch_fap_record {
    uint8_t op, a, b, c, d;   /* op as read (ch_fap_resolve reduces it modulo CH_FAP_OPS) */
    uint16_t len;             /* data length as declared */
    const uint8_t *data;      /* data_got bytes (fewer than len when the input runs short) */
    size_t data_got;
} ch_fap_record;

typedef struct ch_finding_apdu {
    uint8_t version_sel;
    uint32_t version;         /* 4..7, from version_sel */
    uint8_t alloc_fail_at;
    uint8_t flags;            /* CH_FAP_* */
    uint8_t n_calls;          /* records present, <= CH_FAP_MAX_CALLS */
    ch_fap_record calls[CH_FAP_MAX_CALLS];
    ch_cur script;
} ch_finding_apdu;

void ch_finding_apdu_decode(const uint8_t *data, size_t size, ch_finding_apdu *f);

/* A record turned into the arguments of its entry point (every table lives in finding.c).
 * Strings are NUL-terminated; NULL where the finding passes NULL. */
typedef struct ch_fap_call {
    ch_fap_op op;             /* the record's op modulo CH_FAP_OPS: every id has an entry point */
    bool null_card_data;      /* d bit 7 */
    uint8_t nulls;            /* d bits 0..4: NULL inputs (0, 1) and outputs (2, 3, 4) */
    const char *dir;          /* file ops: directory (NULL = root) */
    const char *file;         /* file ops: file name */
    const uint16_t *user;     /* v4 PIN ops: user id (UTF-16, NUL-terminated) */
    const uint16_t *prop;     /* property ops: property name (UTF-16, NUL-terminated) */
    uint32_t flags;           /* dwFlags of the call */
    uint32_t struct_version;  /* dwVersion of the structure the call fills */
    uint32_t key_spec;        /* CardQueryKeySizes */
    uint8_t container;        /* container ops: bContainerIndex */
    uint32_t pin_id;          /* Ex ops: PinId / dwAuthenticatingPinId */
    uint32_t target_pin_id;   /* CardChangeAuthenticatorEx: dwTargetPinId */
    uint32_t pin_set;         /* CardDeauthenticateEx */
    uint32_t retry;           /* cRetryCount */
    uint32_t buf_size;        /* property getters: cbData */
    const uint8_t *data1;     /* first data buffer (PIN, response, property value, ...) */
    size_t data1_len;
    const uint8_t *data2;     /* second (new PIN / target data): data after split point c */
    size_t data2_len;
    /* ---- ops 22..31 ---- */
    uint32_t key_size;        /* CardCreateContainerEx: dwKeySize */
    uint32_t access;          /* CardCreateFile: AccessCondition */
    uint32_t initial_size;    /* CardCreateFile: cbInitialCreationSize */
    uint32_t hash_alg;        /* CardSignData: aiHashAlg */
    uint32_t pad_type;        /* CardSignData / CardRSADecrypt v2: dwPaddingType */
    const uint16_t *pad_hash; /* ... and the padding info's pszAlgId (NULL passes NULL) */
    bool null_pad_info;       /* pPaddingInfo NULL (CardSignData d bit 1, CardRSADecrypt d
                                 bit 5) */
    uint8_t pad_mode;         /* CardSignData: CH_FAP_PAD_* */
    uint8_t agreement;        /* CardDeriveKey / CardDestroyDHAgreement: agreement index */
    const uint16_t *kdf;      /* CardDeriveKey: pwszKDF */
    uint8_t kdf_buffers;      /* bit t: a BCryptBuffer of BufferType t (KDF_HASH_ALGORITHM 0,
                                 KDF_SECRET_PREPEND 1, KDF_SECRET_APPEND 2, KDF_HMAC_KEY 3) */
    uint8_t kdf_shape;        /* CH_FAP_KDF_LIST_* */
    bool kdf_null_list;       /* pParameterList NULL (d bit 1) */
    bool kdf_null_buffers;    /* pBuffers NULL with cBuffers as chosen (d bit 0) */
    const uint8_t *kdf_hash;  /* the KDF_HASH_ALGORITHM buffer (UTF-16LE bytes, exactly */
    size_t kdf_hash_len;      /* kdf_hash_len of them; NULL pointer: kdf_hash_null) */
    bool kdf_hash_null;
    const uint8_t *kdf_prepend, *kdf_append, *kdf_key; /* from the data: u8 prepend length, */
    size_t kdf_prepend_len, kdf_append_len, kdf_key_len; /* u8 append length, then the two,
                                                            then the HMAC key (the rest) */
} ch_fap_call;

void ch_fap_resolve(const ch_fap_record *r, ch_fap_call *call);
/* The name of an op, for messages and tools ("CardReadFile", ...). */
const char *ch_fap_op_name(ch_fap_op op);

/* Writes a finding: header, records, then the script (for the seed recorder and tools).
 * Returns a malloc'd buffer (NULL on OOM) of *len bytes. Records beyond CH_FAP_MAX_CALLS
 * are not written; each record's data is written as data_got bytes with len = data_got. */
uint8_t *ch_finding_apdu_encode(const ch_finding_apdu *f, const uint8_t *script,
                                size_t script_len, size_t *len);

#endif
