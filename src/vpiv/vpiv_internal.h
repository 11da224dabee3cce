/* vpiv's state and the contract between the dispatcher (vpiv_card.c) and the command
 * handlers (one file per family). Handlers see a complete command (chaining already
 * reassembled), write at most VPIV_MAX_RESPONSE bytes of answer data and return the status
 * word; the dispatcher splits long answers into 61xx / GET RESPONSE chunks. */
#ifndef CH_VPIV_INTERNAL_H
#define CH_VPIV_INTERNAL_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "vpiv.h"

#define VPIV_MAX_COMMAND 8192u   /* chained command data we accept */
#define VPIV_MAX_RESPONSE 8192u  /* answer data a handler may produce */
#define VPIV_MAX_OBJECT 3052u    /* YubiKey 5 limit on a data object's content */
#define VPIV_MAX_OBJECTS 40u
#define VPIV_N_SLOTS 25u         /* 9A 9C 9D 9E, 82..95 (retired), F9 (attestation) */

/* Status words (ISO 7816-4 as PIV cards use them). */
#define SW_OK 0x9000u
#define SW_MEMORY_FAILURE 0x6581u       /* the new state could not be persisted */
#define SW_WRONG_LENGTH 0x6700u
#define SW_SECURITY_STATUS 0x6982u      /* PIN / management key not verified */
#define SW_AUTH_BLOCKED 0x6983u
#define SW_CONDITIONS 0x6985u
#define SW_INCORRECT_DATA 0x6A80u
#define SW_FUNC_NOT_SUPPORTED 0x6A81u
#define SW_NOT_FOUND 0x6A82u
#define SW_NO_SPACE 0x6A84u
#define SW_INCORRECT_P1P2 0x6A86u
#define SW_REF_NOT_FOUND 0x6A88u
#define SW_INS_NOT_SUPPORTED 0x6D00u
#define SW_CLA_NOT_SUPPORTED 0x6E00u
#define SW_NO_DIAGNOSIS 0x6F00u
#define SW_RETRIES(n) (0x63C0u | ((n) & 0x0Fu))

/* PIV algorithm identifiers. */
#define ALG_3DES 0x03
#define ALG_AES128 0x08
#define ALG_AES192 0x0A
#define ALG_AES256 0x0C
#define ALG_RSA1024 0x06
#define ALG_RSA2048 0x07
#define ALG_RSA3072 0x05
#define ALG_RSA4096 0x16
#define ALG_ECCP256 0x11
#define ALG_ECCP384 0x14

/* YubiKey PIN / touch policies and key origins (GET METADATA). */
enum { PIN_POLICY_DEFAULT = 0, PIN_POLICY_NEVER = 1, PIN_POLICY_ONCE = 2,
       PIN_POLICY_ALWAYS = 3 };
enum { TOUCH_POLICY_DEFAULT = 0, TOUCH_POLICY_NEVER = 1 };
enum { ORIGIN_GENERATED = 1, ORIGIN_IMPORTED = 2 };

typedef struct vpiv_slot {
    uint8_t ref;        /* key reference: 9A, 9C, ... */
    uint8_t alg;        /* 0: empty */
    uint8_t pin_policy; /* never PIN_POLICY_DEFAULT once a key is there */
    uint8_t touch_policy;
    uint8_t origin;
    EVP_PKEY *key;      /* the private key, NULL when empty */
} vpiv_slot;

typedef struct vpiv_object {
    uint32_t tag;       /* 0x5FC105, 0x7E, ... */
    size_t len;
    uint8_t *data;      /* the content of tag 53, as PUT DATA sent it */
} vpiv_object;

/* A secret with its retry counter (PIN, PUK). */
typedef struct vpiv_secret {
    uint8_t value[8];   /* FF-padded as sent on the wire */
    uint8_t max_tries;
    uint8_t tries_left;
    bool is_default;
} vpiv_secret;

struct vpiv_card {
    /* persistent */
    vpiv_secret pin, puk;
    uint8_t mgm_alg;            /* ALG_3DES / ALG_AES* */
    uint8_t mgm_key[32];
    uint8_t mgm_touch;
    bool mgm_default;
    uint32_t serial;
    vpiv_slot slots[VPIV_N_SLOTS];
    vpiv_object objects[VPIV_MAX_OBJECTS];
    size_t n_objects;
    char *state_path;           /* NULL: in memory only */

    /* volatile: cleared by power events */
    bool selected;
    bool pin_verified;
    bool pin_always_ok;         /* one use for a PIN_POLICY_ALWAYS slot after VERIFY */
    bool mgm_authenticated;
    uint8_t mgm_challenge[16];  /* pending witness / challenge of a 9B exchange */
    uint8_t mgm_challenge_len;
    uint8_t mgm_pending;        /* 0 none, 0x80 witness sent, 0x81 challenge sent */
    uint8_t cmd_buf[VPIV_MAX_COMMAND]; /* command chaining in progress */
    size_t cmd_len;
    uint8_t cmd_hdr[4];         /* INS P1 P2 of the chain, CLA stripped of 0x10 */
    bool chaining;
    uint8_t resp_buf[VPIV_MAX_RESPONSE]; /* answer waiting for GET RESPONSE */
    size_t resp_len, resp_off;

    /* deterministic randomness (tests, fuzzing) */
    bool deterministic;
    uint64_t rng_state;
};

/* A complete command, as handlers see it. */
typedef struct vpiv_cmd {
    uint8_t ins, p1, p2;
    const uint8_t *data;        /* reassembled command data */
    size_t len;
    bool has_data;              /* Lc was present (an empty VERIFY differs from none) */
} vpiv_cmd;

/* What a handler answers: data into out[0..VPIV_MAX_RESPONSE), *out_len, the SW returned. */
typedef uint16_t (*vpiv_handler)(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out,
                                 size_t *out_len);

/* Handlers, by family. */
uint16_t vpiv_cmd_verify(vpiv_card *, const vpiv_cmd *, uint8_t *, size_t *);
uint16_t vpiv_cmd_change_reference(vpiv_card *, const vpiv_cmd *, uint8_t *, size_t *);
uint16_t vpiv_cmd_reset_retry(vpiv_card *, const vpiv_cmd *, uint8_t *, size_t *);
uint16_t vpiv_cmd_get_data(vpiv_card *, const vpiv_cmd *, uint8_t *, size_t *);
uint16_t vpiv_cmd_put_data(vpiv_card *, const vpiv_cmd *, uint8_t *, size_t *);
uint16_t vpiv_cmd_get_version(vpiv_card *, const vpiv_cmd *, uint8_t *, size_t *);
uint16_t vpiv_cmd_get_serial(vpiv_card *, const vpiv_cmd *, uint8_t *, size_t *);
uint16_t vpiv_cmd_set_pin_retries(vpiv_card *, const vpiv_cmd *, uint8_t *, size_t *);
uint16_t vpiv_cmd_reset(vpiv_card *, const vpiv_cmd *, uint8_t *, size_t *);
uint16_t vpiv_cmd_general_authenticate(vpiv_card *, const vpiv_cmd *, uint8_t *, size_t *);
uint16_t vpiv_cmd_generate(vpiv_card *, const vpiv_cmd *, uint8_t *, size_t *);
uint16_t vpiv_cmd_import_key(vpiv_card *, const vpiv_cmd *, uint8_t *, size_t *);
uint16_t vpiv_cmd_set_mgm_key(vpiv_card *, const vpiv_cmd *, uint8_t *, size_t *);
uint16_t vpiv_cmd_get_metadata(vpiv_card *, const vpiv_cmd *, uint8_t *, size_t *);
uint16_t vpiv_cmd_attest(vpiv_card *, const vpiv_cmd *, uint8_t *, size_t *);

/* Shared helpers. */
/* A PIN or PUK as sent on the wire: 6..8 printable bytes, then FF padding to 8. */
bool vpiv_secret_shape_ok(const uint8_t v[8]);
vpiv_slot *vpiv_slot_find(vpiv_card *card, uint8_t ref);       /* NULL: not a key slot */
void vpiv_random(vpiv_card *card, uint8_t *out, size_t n);     /* RAND_bytes or the counter */
void vpiv_defaults(vpiv_card *card);                           /* factory state (keeps serial) */
void vpiv_volatile_reset(vpiv_card *card);
/* Saves the persistent state if the card has a state file; false on I/O error. */
bool vpiv_save(vpiv_card *card);
bool vpiv_load(vpiv_card *card, const char *path, const char **why);
/* The parser behind vpiv_load, on a file image in memory (format: vpiv_state.c). On success
 * the image's state replaces card's persistent state; on failure card is untouched and *why
 * (when not NULL) says why. The SHA-256 seal is checked first, as vpiv_load does. */
bool vpiv_state_parse(vpiv_card *card, const uint8_t *p, size_t n, const char **why);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
/* Fuzzing only: the same parse without comparing the seal (the end record must still be
 * there). A fuzzer cannot forge SHA-256, so with the check every mutated image would stop at
 * "checksum mismatch" and the record parsers would never run. */
bool vpiv_state_parse_unsealed(vpiv_card *card, const uint8_t *p, size_t n, const char **why);
#endif
/* Appends a BER-TLV (tag of 1..3 bytes, definite length) to out; false if it does not fit. */
bool vpiv_put_tlv(uint8_t *out, size_t cap, size_t *len, uint32_t tag, const uint8_t *v,
                  size_t vlen);

#endif
