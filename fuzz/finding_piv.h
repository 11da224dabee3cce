/* The fuzz_piv finding (DESIGN.md "One finding format"): one call of the PIV card edge
 * (src/piv/piv.h) with the card's answers scripted. This decoder is pure (bytes in, a struct
 * out, no heap, every byte through the bounded cursor) and shared by fuzz/fuzz_piv.c, its seed
 * generator and mdreplay, so a finding means the same thing everywhere. Layout and meaning:
 * docs/fuzzing.md "fuzz_piv layout".
 *
 *   offset size   field
 *   0      u8     op selector        taken modulo CH_FPV_OPS (ch_fpv_op)
 *   1      u8     slot selector      key slot (ch_fpv_slot)
 *   2      u8     alg selector       algorithm id (ch_fpv_alg)
 *   3      u8     ref selector       PIN / PUK / key reference (ch_fpv_ref)
 *   4      u8     tag selector       data object tag of GET DATA / PUT DATA (ch_fpv_tag)
 *   5      u8     size selector      caller's capacity (get_data, mgm_challenge, cert_object:
 *                                    ch_fpv_cap) or EC field size (ecdsa_sign, ecdh,
 *                                    der_to_rs: ch_fpv_field)
 *   6      u8     policies           bits 0..2 PIN policy, bits 4..6 touch policy (raw values:
 *                                    4..7 test the parameter check); bit 7: the PIN ops get
 *                                    tries_left = NULL (piv.h: it may be NULL); bit 3 unused
 *   7      u8     split              change_reference / reset_retry: the data's first `split`
 *                                    bytes are the old PIN (PUK), the rest the new PIN
 *   8      u8     fail_at            the k-th exchange fails in the transport (1-based, 0 never)
 *   9      u8     fail_code          ... with this script event code (script.h)
 *   10     u16le  data length        then that many bytes of CSP-side data (as many as the
 *                                    input holds): PIN bytes, hash, point, key material,
 *                                    content to PUT, or the bytes a pure parser reads
 *   ..     rest   the card script    src/transport/script.h: u16 BE length + R-APDU, or
 *                                    0xFF00 | code for a transport event
 *
 * Missing bytes read as 0: every prefix of a finding is a finding. The tables are the meaning
 * of a finding: append to them, never reorder. */
#ifndef CH_FINDING_PIV_H
#define CH_FINDING_PIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

#define CH_FPV_HEADER 12u /* bytes before the data */

typedef enum ch_fpv_op {
    CH_FPV_SELECT = 0,          /* ch_piv_select (+ ch_piv_parse_apt of the answer) */
    CH_FPV_GET_DATA = 1,        /* ch_piv_get_data, then chuid_uuid / cert_object of it */
    CH_FPV_GET_SERIAL = 2,
    CH_FPV_GET_METADATA = 3,    /* ref selector */
    CH_FPV_VERIFY = 4,          /* ref selector, the data is the PIN */
    CH_FPV_PIN_STATUS = 5,
    CH_FPV_PIN_RESET_STATE = 6,
    CH_FPV_CHANGE_REFERENCE = 7, /* ref selector, data split at `split` */
    CH_FPV_RESET_RETRY = 8,     /* data split at `split`: PUK, new PIN */
    CH_FPV_MGM_ALG = 9,
    CH_FPV_MGM_CHALLENGE = 10,  /* alg selector, capacity selector */
    CH_FPV_MGM_RESPONSE = 11,   /* alg selector, the data is the response */
    CH_FPV_PUT_DATA = 12,       /* tag selector, the data is the content */
    CH_FPV_GENERATE = 13,       /* slot, alg, policies */
    CH_FPV_IMPORT_RSA = 14,     /* the data is p q dp dq qinv, each data_len / 5 bytes */
    CH_FPV_IMPORT_EC = 15,      /* the data is the scalar */
    CH_FPV_RSA_RAW = 16,        /* the data is the input block */
    CH_FPV_ECDSA_SIGN = 17,     /* the data is the hash; field selector */
    CH_FPV_ECDH = 18,           /* the data is the peer's point; field selector */
    CH_FPV_PARSE_APT = 19,      /* pure: the data */
    CH_FPV_PARSE_METADATA = 20, /* pure: the data */
    CH_FPV_DER_TO_RS = 21,      /* pure: the data, field selector */
    CH_FPV_BER_LEN = 22,        /* pure: the data as u32le lengths, each encoded and read back */
    CH_FPV_CERT_OBJECT = 23,    /* pure: the data, capacity selector; build round trip */
    CH_FPV_PARSE_GENERATED = 24, /* pure: the data, alg selector */
    CH_FPV_CHUID_UUID = 25,     /* pure: the data */
    CH_FPV_OPS = 26
} ch_fpv_op;

typedef struct ch_finding_piv {
    uint8_t op_sel;          /* as read */
    ch_fpv_op op;            /* op_sel % CH_FPV_OPS */
    uint8_t slot_sel, alg_sel, ref_sel, tag_sel, size_sel;
    uint8_t slot;            /* resolved through the tables below */
    uint8_t alg;
    uint8_t ref;
    uint32_t tag;
    size_t cap;              /* ch_fpv_cap(size_sel) */
    size_t field;            /* ch_fpv_field(size_sel, alg) */
    uint8_t pin_policy, touch_policy; /* raw 0..7 */
    bool null_tries;         /* policies bit 7 */
    uint8_t split;
    uint8_t fail_at, fail_code;
    uint16_t data_len;       /* as declared */
    const uint8_t *data;     /* data_got bytes (NULL when 0) */
    size_t data_got;
    ch_cur script;
} ch_finding_piv;

void ch_finding_piv_decode(const uint8_t *data, size_t size, ch_finding_piv *f);

/* The tables (selector taken modulo the table's size). */
uint8_t ch_fpv_slot(uint8_t sel);
uint8_t ch_fpv_alg(uint8_t sel);
uint8_t ch_fpv_ref(uint8_t sel);
uint32_t ch_fpv_tag(uint8_t sel);
size_t ch_fpv_cap(uint8_t sel);
/* sel % 6: the algorithm's own field size (32 for an algorithm without one), 32, 48, 0, 49,
 * 31: the last three test the parameter checks. */
size_t ch_fpv_field(uint8_t sel, uint8_t alg);

/* The name of an op, for messages and tools ("select", "get_data", ...). */
const char *ch_fpv_op_name(ch_fpv_op op);

#endif
