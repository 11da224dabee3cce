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

#endif
