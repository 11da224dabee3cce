/* The fuzz_piv finding: decoder and tables (finding_piv.h). */
#include "finding_piv.h"

#include <string.h>

#include "finding.h"

#define PICK(table, sel) ((table)[(sel) % (sizeof(table) / sizeof((table)[0]))])

/* ---- tables: append, never reorder ---- */

/* The four PIV slots, both ends of the retired range, then slots that hold no key pair the
 * card edge accepts (the PIN, the management key, one past the retired range, 00). */
static const uint8_t slots[] = {0x9A, 0x9C, 0x9D, 0x9E, 0x82, 0x95, 0x80, 0x9B, 0x96, 0x00};

/* Key algorithms, management-key algorithms, then ids that are neither (FF: PIN/PUK in
 * metadata, 00, 12: an unassigned id next to P-256). */
static const uint8_t algs[] = {0x11, 0x14, 0x07, 0x06, 0x05, 0x16, 0x03,
                               0x08, 0x0A, 0x0C, 0xFF, 0x00, 0x12};

/* PIN, PUK, management key, key slots, and references no PIV card has. */
static const uint8_t refs[] = {0x80, 0x81, 0x9B, 0x9A, 0x9C, 0x9D, 0x9E, 0x82, 0x00, 0x96};

/* CHUID, the four certificate objects, key history, Yubico's container map, cardcf, the first
 * and last retired certificates, CCC, discovery (1 byte), BIT group template (2 bytes), then
 * tags PUT DATA refuses (last byte with bit 7, outside 5FC0xx / 5FFFxx) and a 4-byte one. */
static const uint32_t tags[] = {0x5FC102, 0x5FC105, 0x5FC10A, 0x5FC10B, 0x5FC101, 0x5FC10C,
                                0x5FFF10, 0x5FFF0E, 0x5FC10D, 0x5FC120, 0x5FC107, 0x7E,
                                0x7F61,   0x5FC180, 0x5FFE01, 0x5FC0FF, 0x5FC001, 0x7F6101};

/* Capacities around the edges that matter: 0, a block, the 53 header, one object. */
static const size_t caps[] = {16388, 0,   1,   4,    7,    8,    15,   16,
                              32,    255, 256, 1024, 2048, 4096, 16384, 16387};

/* ---- decoder ---- */

void ch_finding_piv_decode(const uint8_t *data, size_t size, ch_finding_piv *f)
{
    ch_cur c;
    uint8_t pol;

    memset(f, 0, sizeof *f);
    ch_cur_init(&c, data, size);
    f->op_sel = ch_fd_u8(&c);
    f->op = (ch_fpv_op)(f->op_sel % CH_FPV_OPS);
    f->slot_sel = ch_fd_u8(&c);
    f->alg_sel = ch_fd_u8(&c);
    f->ref_sel = ch_fd_u8(&c);
    f->tag_sel = ch_fd_u8(&c);
    f->size_sel = ch_fd_u8(&c);
    pol = ch_fd_u8(&c);
    f->split = ch_fd_u8(&c);
    f->fail_at = ch_fd_u8(&c);
    f->fail_code = ch_fd_u8(&c);
    f->data_len = ch_fd_u16le(&c);
    f->data = ch_fd_bytes(&c, f->data_len, &f->data_got);
    if (!f->data_got)
        f->data = NULL;
    ch_cur_rest(&c, &f->script);

    f->slot = ch_fpv_slot(f->slot_sel);
    f->alg = ch_fpv_alg(f->alg_sel);
    f->ref = ch_fpv_ref(f->ref_sel);
    f->tag = ch_fpv_tag(f->tag_sel);
    f->cap = ch_fpv_cap(f->size_sel);
    f->field = ch_fpv_field(f->size_sel, f->alg);
    f->pin_policy = (uint8_t)(pol & 0x07u);
    f->touch_policy = (uint8_t)((pol >> 4) & 0x07u);
    f->null_tries = (pol & 0x80u) != 0;
}

uint8_t ch_fpv_slot(uint8_t sel) { return PICK(slots, sel); }
uint8_t ch_fpv_alg(uint8_t sel) { return PICK(algs, sel); }
uint8_t ch_fpv_ref(uint8_t sel) { return PICK(refs, sel); }
uint32_t ch_fpv_tag(uint8_t sel) { return PICK(tags, sel); }
size_t ch_fpv_cap(uint8_t sel) { return PICK(caps, sel); }

size_t ch_fpv_field(uint8_t sel, uint8_t alg)
{
    static const size_t fixed[] = {0, 32, 48, 0, 49, 31};
    size_t i = sel % (sizeof fixed / sizeof fixed[0]);
    if (i != 0)
        return fixed[i];
    return alg == 0x14 ? 48u : 32u; /* P-384, else P-256's (also for non-EC algorithms) */
}

const char *ch_fpv_op_name(ch_fpv_op op)
{
    static const char *const names[CH_FPV_OPS] = {
        "select",       "get_data",     "get_serial",     "get_metadata",
        "verify",       "pin_status",   "pin_reset_state", "change_reference",
        "reset_retry",  "mgm_alg",      "mgm_challenge",  "mgm_response",
        "put_data",     "generate",     "import_rsa",     "import_ec",
        "rsa_raw",      "ecdsa_sign",   "ecdh",           "parse_apt",
        "parse_metadata", "der_to_rs",  "ber_len",        "cert_object",
        "parse_generated", "chuid_uuid",
    };
    return (unsigned)op < CH_FPV_OPS ? names[op] : "unknown";
}
