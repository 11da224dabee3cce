/* The fuzz_session finding: decoder, resolver and encoder (finding_session.h). */
#include "finding_session.h"

#include <stdlib.h>
#include <string.h>

#include "finding.h"

/* SCARD codes of the fault selector (scarderr.h: fuzz_session.c asserts they agree). */
#define FS_COMM_DATA_LOST 0x8010002Fu
#define FS_RESET_CARD 0x80100068u
#define FS_REMOVED_CARD 0x80100069u

void ch_finding_session_decode(const uint8_t *data, size_t size, ch_finding_session *f)
{
    static const uint32_t codes[3] = {FS_COMM_DATA_LOST, FS_RESET_CARD, FS_REMOVED_CARD};
    ch_cur c;

    memset(f, 0, sizeof *f);
    ch_cur_init(&c, data, size);
    f->version_sel = ch_fd_u8(&c);
    f->version = 7u - (f->version_sel & 3u);
    f->flags = ch_fd_u8(&c);
    f->alloc_fail_at = ch_fd_u8(&c);
    f->fault_at = ch_fd_u16le(&c);
    f->fault_sel = ch_fd_u8(&c);
    f->fault_code = codes[(f->fault_sel & 0x7Fu) % 3u];
    f->fault_repeat = (f->fault_sel & CH_FS_FAULT_REPEAT) != 0;
    for (uint8_t i = 0; i < CH_FS_MAX_STEPS && !ch_cur_empty(&c); i++) {
        ch_fs_record *r = &f->steps[i];
        r->op = ch_fd_u8(&c);
        r->a = ch_fd_u8(&c);
        r->b = ch_fd_u8(&c);
        r->len = ch_fd_u16le(&c);
        r->data = ch_fd_bytes(&c, r->len, &r->data_got);
        if (!r->data_got)
            r->data = NULL;
        f->n_steps = (uint8_t)(i + 1u);
    }
}

/* ---- tables: append, never reorder ---- */

#define LIT(s) {CH_FS_SRC_LITERAL, (const uint8_t *)(s), (uint8_t)(sizeof(s) - 1)}
#define CUR {CH_FS_SRC_CURRENT, NULL, 0}
#define DAT {CH_FS_SRC_DATA, NULL, 0}
#define NUL {CH_FS_SRC_NULL, NULL, 6}

/* AUTH_PIN (b % 10): the card's PIN, a wrong one, the factory default, the new PIN of the
 * change table, shapes the card could never accept (5 and 9 digits, an FF inside: WRONG_CHV
 * with no APDU), empty and NULL (INVALID_PARAMETER), the data. */
static const ch_fs_secret auth_pins[] = {
    CUR, LIT("999999"), LIT("123456"), LIT("654321"), LIT("12345"),
    LIT("123456789"), LIT(""), NUL, LIT("12\xFF" "456"), DAT,
};
/* CHANGE_PIN current secret (b & 3): the card's PIN or PUK, a wrong one, a bad shape, data. */
static const ch_fs_secret change_cur[] = {CUR, LIT("999999"), LIT("123"), DAT};
/* CHANGE_PIN new secret ((b >> 2) % 6): PINs and PUKs the card holds, a bad shape, data. */
static const ch_fs_secret change_new[] = {
    LIT("654321"), LIT("123456"), LIT("87654321"), LIT("12345"), LIT("12345678"), DAT,
};
/* DEAUTH (variant 2) PIN_SET (b % 9): user, admin, both, PIN_SET_ALL_ROLES, PIN 3, the PUK,
 * ROLE_EVERYONE (ignored), an undefined id (INVALID_PARAMETER), none. */
static const uint32_t pin_sets[] = {0x02, 0x04, 0x06, 0xFF, 0x08, 0x10, 0x01, 0x20, 0x00};
/* KEYGEN keyspec (b & 3): AT_ECDSA_P256, AT_ECDHE_P256, AT_ECDSA_P384, AT_ECDHE_P384. RSA
 * generation is left out: seconds per key. */
static const uint32_t gen_specs[] = {3, 6, 4, 7};
/* IMPORT of the data ((b >> 6) & 3): AT_KEYEXCHANGE, AT_SIGNATURE, AT_ECDSA_P256,
 * AT_ECDHE_P384. */
static const uint32_t data_specs[] = {1, 2, 3, 7};
/* DELETE_FILE (b & 3). */
static const ch_fs_file delete_files[] = {CH_FS_FILE_CERT, CH_FS_FILE_CERT_OTHER,
                                          CH_FS_FILE_CARDCF, CH_FS_FILE_CMAPFILE};

#undef LIT
#undef CUR
#undef DAT
#undef NUL

#define PICK(table, sel) ((table)[(sel) % (sizeof(table) / sizeof((table)[0]))])

void ch_fs_resolve(const ch_fs_record *r, ch_fs_step *s)
{
    memset(s, 0, sizeof *s);
    s->op = (ch_fs_op)(r->op % CH_FS_OPS);
    s->container = (uint8_t)(r->a % 26u);
    s->data = r->data_got ? r->data : NULL;
    s->data_len = r->data_got;

    switch (s->op) {
    case CH_FS_AUTH_PIN:
        s->variant = (uint8_t)(r->a % 4u);
        s->secret = PICK(auth_pins, r->b);
        break;
    case CH_FS_ADMIN:
        s->variant = (uint8_t)(r->a % 4u);
        s->resp = (ch_fs_resp)(r->b % 6u);
        break;
    case CH_FS_DEAUTH:
        s->variant = (uint8_t)(r->a % 4u);
        s->pin_set = PICK(pin_sets, r->b);
        break;
    case CH_FS_CHANGE_PIN:
        s->variant = (uint8_t)(r->a % 5u);
        s->secret = PICK(change_cur, r->b & 3u);
        s->next = PICK(change_new, r->b >> 2);
        break;
    case CH_FS_KEYGEN:
        s->key_spec = PICK(gen_specs, r->b & 3u);
        s->explicit_size = (r->b & 4u) != 0;
        s->own_pin = (r->b & 8u) != 0;
        break;
    case CH_FS_IMPORT:
        s->key = (ch_fs_key)(r->b & 7u);
        s->signature = (r->b & 8u) != 0;
        s->explicit_size = (r->b & 16u) != 0;
        s->own_pin = (r->b & 32u) != 0;
        s->key_spec = PICK(data_specs, r->b >> 6);
        break;
    case CH_FS_WRITE_CERT:
        s->cert = (ch_fs_cert)(r->b & 3u);
        s->key = (ch_fs_key)((r->b >> 2) & 3u); /* the four table keys */
        s->other_name = (r->b & 0x10u) != 0;
        break;
    case CH_FS_WRITE_CMAP:
        s->cmap = (ch_fs_cmap)(r->b % 5u);
        break;
    case CH_FS_WRITE_CARDCF:
        s->cardcf = (ch_fs_cardcf)(r->b & 3u);
        break;
    case CH_FS_DELETE_FILE:
        s->file = PICK(delete_files, r->b & 3u);
        break;
    case CH_FS_CREATE_FILE:
        s->other_name = (r->b & 1u) != 0;
        break;
    case CH_FS_READ_FILE:
        s->file = (ch_fs_file)(r->b % 6u);
        break;
    case CH_FS_ENUM_INFO:
        s->enum_kind = (ch_fs_enum)(r->b & 3u);
        break;
    case CH_FS_SIGN:
        s->hash = (ch_fs_hash)(r->b & 7u);
        s->signature = (r->b & 8u) != 0;
        s->wrong_spec = (r->b & 0x10u) != 0;
        s->struct_v1 = (r->b & 0x20u) != 0;
        break;
    case CH_FS_DECRYPT:
        s->ct = (ch_fs_ct)((r->b & 7u) % 6u);
        s->wrong_spec = (r->b & 8u) != 0;
        break;
    case CH_FS_ECDH:
        s->peer_p384 = (r->b & 1u) != 0;
        s->kdf_sha384 = (r->b & 2u) != 0;
        s->keep_agreement = (r->b & 4u) != 0;
        break;
    case CH_FS_POWER:
        s->remove = (r->a & 1u) != 0;
        break;
    case CH_FS_NOTHING:
    case CH_FS_DELETE_CONTAINER:
    case CH_FS_CONTAINER_INFO:
    case CH_FS_REACQUIRE:
    case CH_FS_AUTH_STATE:
    case CH_FS_OPS:
        break;
    }
}

const char *ch_fs_op_name(ch_fs_op op)
{
    static const char *const names[CH_FS_OPS] = {
        "NOTHING",     "AUTH_PIN",    "ADMIN",          "DEAUTH",       "CHANGE_PIN",
        "KEYGEN",      "IMPORT",      "DELETE_CONTAINER", "WRITE_CERT", "WRITE_CMAP",
        "WRITE_CARDCF", "DELETE_FILE", "CREATE_FILE",   "READ_FILE",    "ENUM_INFO",
        "CONTAINER_INFO", "SIGN",     "DECRYPT",        "ECDH",         "POWER",
        "REACQUIRE",   "AUTH_STATE",
    };
    return (unsigned)op < CH_FS_OPS ? names[op] : "?";
}

uint8_t *ch_finding_session_encode(const ch_finding_session *f, size_t *len)
{
    size_t n = f->n_steps < CH_FS_MAX_STEPS ? f->n_steps : CH_FS_MAX_STEPS;
    size_t total = CH_FS_HEADER, at = 0;
    uint8_t *out;

    for (size_t i = 0; i < n; i++) {
        if (f->steps[i].data_got > 0xFFFFu)
            return NULL;
        total += CH_FS_RECORD + f->steps[i].data_got;
    }
    out = malloc(total);
    if (!out)
        return NULL;
    out[at++] = f->version_sel;
    out[at++] = f->flags;
    out[at++] = f->alloc_fail_at;
    out[at++] = (uint8_t)(f->fault_at & 0xFFu);
    out[at++] = (uint8_t)(f->fault_at >> 8);
    out[at++] = f->fault_sel;
    for (size_t i = 0; i < n; i++) {
        const ch_fs_record *r = &f->steps[i];
        out[at++] = r->op;
        out[at++] = r->a;
        out[at++] = r->b;
        out[at++] = (uint8_t)(r->data_got & 0xFFu);
        out[at++] = (uint8_t)(r->data_got >> 8);
        if (r->data_got)
            memcpy(out + at, r->data, r->data_got);
        at += r->data_got;
    }
    *len = total;
    return out;
}
