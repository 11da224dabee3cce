#include "finding.h"

#include <stdlib.h>
#include <string.h>

uint8_t ch_fd_u8(ch_cur *c)
{
    uint8_t v = 0;
    return ch_cur_u8(c, &v) ? v : 0;
}

uint16_t ch_fd_u16le(ch_cur *c)
{
    uint16_t v = 0;
    if (ch_cur_u16le(c, &v))
        return v;
    return ch_fd_u8(c); /* one byte left: its value, the rest reads as zero */
}

uint32_t ch_fd_u32le(ch_cur *c)
{
    uint32_t v = 0;
    if (ch_cur_u32le(c, &v))
        return v;
    for (unsigned shift = 0; shift < 32 && !ch_cur_empty(c); shift += 8)
        v |= (uint32_t)ch_fd_u8(c) << shift;
    return v;
}

uint64_t ch_fd_u64le(ch_cur *c)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 8)
        v |= (uint64_t)ch_fd_u8(c) << shift;
    return v;
}

const uint8_t *ch_fd_bytes(ch_cur *c, size_t n, size_t *got)
{
    const uint8_t *p = NULL;
    size_t take = n < ch_cur_left(c) ? n : ch_cur_left(c);
    (void)ch_cur_take(c, take, &p);
    *got = take;
    return p;
}

void ch_finding_acquire_decode(const uint8_t *data, size_t size, ch_finding_acquire *f)
{
    ch_cur c;
    const uint8_t *p;
    size_t got;

    memset(f, 0, sizeof *f);
    ch_cur_init(&c, data, size);
    f->version = ch_fd_u32le(&c);
    f->flags = ch_fd_u32le(&c);
    f->nulls = ch_fd_u8(&c);
    f->shape = ch_fd_u8(&c);
    f->alloc_fail_at = ch_fd_u8(&c);
    f->atr_len = ch_fd_u8(&c);
    p = ch_fd_bytes(&c, f->atr_len, &got);
    if (got)
        memcpy(f->atr, p, got);
    f->name_units = ch_fd_u8(&c);
    for (unsigned i = 0; i < f->name_units; i++)
        f->name[i] = ch_fd_u16le(&c);
    f->name[f->name_units] = 0;
    ch_cur_rest(&c, &f->script);
}

void ch_finding_exchange_decode(const uint8_t *data, size_t size, ch_finding_exchange *f)
{
    ch_cur c;

    memset(f, 0, sizeof *f);
    ch_cur_init(&c, data, size);
    f->cla = ch_fd_u8(&c);
    f->ins = ch_fd_u8(&c);
    f->p1 = ch_fd_u8(&c);
    f->p2 = ch_fd_u8(&c);
    f->le = ch_fd_u16le(&c);
    f->out_cap = ch_fd_u16le(&c);
    f->max_rounds = ch_fd_u8(&c);
    f->max_response = ch_fd_u16le(&c);
    f->fail_at = ch_fd_u8(&c);
    f->fail_code = ch_fd_u8(&c);
    f->data_len = ch_fd_u16le(&c);
    f->data = ch_fd_bytes(&c, f->data_len, &f->data_got);
    ch_cur_rest(&c, &f->script);
}

void ch_finding_vpiv_decode(const uint8_t *data, size_t size, ch_finding_vpiv *f)
{
    ch_cur c, rest;

    memset(f, 0, sizeof *f);
    ch_cur_init(&c, data, size);
    f->mode = ch_fd_u8(&c);
    f->seed = ch_fd_u64le(&c);
    if (f->mode & CH_FV_MODE_STATE) {
        ch_cur_rest(&c, &rest);
        f->image_len = ch_cur_left(&rest);
        f->image = f->image_len ? ch_cur_peek_ptr(&rest) : NULL;
        ch_cur_init(&f->entries, NULL, 0);
        return;
    }
    f->pre = ch_fd_u8(&c);
    ch_cur_rest(&c, &f->entries);
}

bool ch_finding_vpiv_next(ch_cur *entries, ch_finding_vpiv_step *step)
{
    uint16_t len;
    size_t got;

    memset(step, 0, sizeof *step);
    if (!ch_cur_u16be(entries, &len))
        return false;
    if (len >= 0xFF00u) { /* as the card script's events (src/transport/script.h) */
        step->power = true;
        step->event = (len & 0xFFu) % 3;
        return true;
    }
    step->capdu = ch_fd_bytes(entries, len, &got);
    step->capdu_len = got;
    if (!got)
        step->capdu = NULL;
    return true;
}

/* ---- fuzz_apdu ---- */

void ch_finding_apdu_decode(const uint8_t *data, size_t size, ch_finding_apdu *f)
{
    ch_cur c;
    uint8_t n;

    memset(f, 0, sizeof *f);
    ch_cur_init(&c, data, size);
    f->version_sel = ch_fd_u8(&c);
    f->version = 7u - (f->version_sel & 3u);
    f->alloc_fail_at = ch_fd_u8(&c);
    f->flags = ch_fd_u8(&c);
    n = ch_fd_u8(&c);
    if (n > CH_FAP_MAX_CALLS)
        n = CH_FAP_MAX_CALLS;
    for (uint8_t i = 0; i < n; i++) {
        ch_fap_record *r = &f->calls[i];
        if (ch_cur_empty(&c))
            break; /* a short input holds fewer records: the rest do not exist */
        r->op = ch_fd_u8(&c);
        r->a = ch_fd_u8(&c);
        r->b = ch_fd_u8(&c);
        r->c = ch_fd_u8(&c);
        r->d = ch_fd_u8(&c);
        r->len = ch_fd_u16le(&c);
        r->data = ch_fd_bytes(&c, r->len, &r->data_got);
        if (!r->data_got)
            r->data = NULL;
        f->n_calls = (uint8_t)(i + 1u);
    }
    ch_cur_rest(&c, &f->script);
}

/* The tables below are the meaning of a finding: append to them, never reorder. The Cardmod
 * constants are spelled as numbers (this library does not depend on cardmod.h); the names are
 * in the comments, and fuzz_apdu.c checks the numbers against cardmod.h (_Static_assert). */

/* UTF-16 strings: the u"" literals are char16_t, the same representation as uint16_t. */
#define W(s) ((const uint16_t *)(const void *)u##s)

static const uint16_t long_name[] = {
#define L10 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'
#define L100 L10, L10, L10, L10, L10, L10, L10, L10, L10, L10
    L100, L100, L100, 0 /* 300 units: longer than any name a table compares with */
#undef L100
#undef L10
};

static const char *const dirs[] = {
    NULL, "mscp", "", "MSCP", "mscerts", "nodir", "mscpmscp9", "mscp/",
};

/* Root files, mscp files of containers 0..4 (both prefixes), the last container (0x17), the
 * first past it (0x18), hex past it (0x23), then names no file has. */
static const char *const files[] = {
    "cardid", "cardcf", "cardapps", "cmapfile", "kxc00", "ksc00", "kxc01", "ksc01",
    "kxc02", "ksc02", "kxc03", "ksc03", "kxc04", "ksc04", "kxc17", "kxc18",
    "kxc23", "kscff", "kxcFF", "kxc1", "kxc0g", "msroots", NULL, "",
    "cardidxyz", "mscp", "kxc001", "Cardid",
};

static const uint16_t *users(uint8_t sel)
{
    switch (sel % 8u) {
    case 0: return W("user");
    case 1: return W("admin");
    case 2: return W("anonymous");
    case 3: return NULL;
    case 4: return W("");
    case 5: return W("User");
    case 6: return W("useruser");
    default: return long_name;
    }
}

/* Card properties first (CardGetProperty / CardSetProperty index from 0), the three container
 * properties at CH_FAP_CONTAINER_PROPS (CardGet/SetContainerProperty index from there), then
 * names no property has. */
#define CH_FAP_CONTAINER_PROPS 20u
static const uint16_t *props(unsigned sel)
{
    switch (sel % 28u) {
    case 0: return W("PIN Information");          /* CP_CARD_PIN_INFO */
    case 1: return W("Card Identifier");          /* CP_CARD_GUID */
    case 2: return W("Card Serial Number");       /* CP_CARD_SERIAL_NO */
    case 3: return W("Cache Mode");               /* CP_CARD_CACHE_MODE */
    case 4: return W("Read Only Mode");           /* CP_CARD_READ_ONLY */
    case 5: return W("Supports Windows x.509 Enrollment");
    case 6: return W("PIN List");                 /* CP_CARD_LIST_PINS */
    case 7: return W("Authenticated State");      /* CP_CARD_AUTHENTICATED_STATE */
    case 8: return W("PIN Strength Verify");
    case 9: return W("PIN Strength Change");
    case 10: return W("PIN Strength Unblock");
    case 11: return W("Free Space");              /* CP_CARD_FREE_SPACE */
    case 12: return W("Capabilities");            /* CP_CARD_CAPABILITIES */
    case 13: return W("Key Sizes");               /* CP_CARD_KEYSIZES */
    case 14: return W("Parent Window");           /* CP_PARENT_WINDOW (write only) */
    case 15: return W("PIN Context String");      /* CP_PIN_CONTEXT_STRING (write only) */
    case 16: return W("Key Import Support");      /* CP_KEY_IMPORT_SUPPORT */
    case 17: return W("Algorithms");              /* CP_ENUM_ALGORITHMS */
    case 18: return W("Padding Schemes");         /* CP_PADDING_SCHEMES */
    case 19: return W("Chaining Modes");          /* CP_CHAINING_MODES */
    case 20: return W("Container Info");          /* CCP_CONTAINER_INFO */
    case 21: return W("PIN Identifier");          /* CCP_PIN_IDENTIFIER */
    case 22: return W("Associated ECDH Key");     /* CCP_ASSOCIATED_ECDH_KEY */
    case 23: return NULL;
    case 24: return W("");
    case 25: return W("PIN information");         /* case differs */
    case 26: return W("Unknown Property");
    default: return long_name;
    }
}

/* dwFlags of calls whose only valid value is 0 (or a small enum). */
static const uint32_t gen_flags[] = {0, 1, 2, 0x80000000u, 0xFFFFFFFFu, 0x40 /* SILENT */};
/* dwFlags of CardAuthenticateEx: 0, GENERATE_SESSION_PIN, SESSION_PIN, CARD_PIN_SILENT_CONTEXT,
 * CARD_AUTHENTICATE_PIN_PIN, ..._CHALLENGE_RESPONSE, both session bits, all bits. */
static const uint32_t auth_ex_flags[] = {0,          0x10000000u, 0x20000000u, 0x40,
                                         2,          1,           0x30000000u, 0xFFFFFFFFu};
/* dwFlags of CardUnblockPin / CardChangeAuthenticator: how the authenticator is given,
 * CARD_AUTHENTICATE_PIN_PIN (2) or CARD_AUTHENTICATE_PIN_CHALLENGE_RESPONSE (1). */
static const uint32_t auth_kind_flags[] = {2, 1, 0, 3, 0x80000000u, 0xFFFFFFFFu};
/* dwFlags of CardChangeAuthenticatorEx: PIN_CHANGE_FLAG_CHANGEPIN (2), _UNBLOCK (1). */
static const uint32_t change_ex_flags[] = {2, 1, 0, 3, 0x80000000u, 0xFFFFFFFFu};
/* Property dwFlags: 0, then PIN ids (CP_CARD_PIN_INFO, PIN strength take one), then junk. */
static const uint32_t prop_flags[] = {0, 1, 2, 3, 4, 5, 7, 8, 0xFFFFFFFFu, 0x40};
static const uint32_t retries[] = {0, 3, 1, 15, 0xFFFFFFFFu};
/* dwVersion of CARD_CAPABILITIES, CARD_FREE_SPACE_INFO, CARD_KEY_SIZES, CONTAINER_INFO,
 * CARD_FILE_INFO (current version 1 of all of them; 0 means 1). */
static const uint32_t struct_versions[] = {1, 0, 2, 6, 0xFFFFFFFFu};
/* AT_KEYEXCHANGE, AT_SIGNATURE, AT_ECDSA_P256/384/521, AT_ECDHE_P256/384/521, junk. */
static const uint32_t key_specs[] = {1, 2, 3, 4, 5, 6, 7, 8, 0, 9, 0xFFFFFFFFu};
/* PIN_ID: ROLE_USER, ROLE_ADMIN, ROLE_EVERYONE, 3, 4 (our sign PIN and PUK), 5, 7 (MAX_PINS
 * - 1), 8 (MAX_PINS), all bits. */
static const uint32_t pin_ids[] = {1, 2, 0, 3, 4, 5, 7, 8, 0xFFFFFFFFu};
/* cbData of the property getters: large, none, short of every fixed size, exact sizes of
 * DWORD, PIN_INFO (32) and CONTAINER_INFO (40 on LP64), larger. */
static const uint32_t buf_sizes[] = {256, 0, 1, 3, 4, 8, 16, 31, 32, 40, 64, 4096};

#define PICK(table, sel) ((table)[(sel) % (sizeof(table) / sizeof((table)[0]))])

static uint8_t container_index(uint8_t sel)
{
    /* 0..25 (24 containers and two past the end) for sel < 128, any byte above */
    return (sel & 0x80u) ? sel : (uint8_t)(sel % 26u);
}

void ch_fap_resolve(const ch_fap_record *r, ch_fap_call *call)
{
    unsigned op = r->op % CH_FAP_OPS;
    size_t split = r->c < r->data_got ? r->c : r->data_got;

    memset(call, 0, sizeof *call);
    call->op = op < CH_FAP_OP_RESERVED ? (ch_fap_op)op : CH_FAP_OP_RESERVED;
    call->null_card_data = (r->d & CH_FAP_D_NULL_CARD_DATA) != 0;
    call->nulls = r->d & 0x1Fu;
    call->data1 = r->data;
    call->data1_len = r->data_got;

    switch (call->op) {
    case CH_FAP_QUERY_CAPABILITIES:
        call->struct_version = PICK(struct_versions, r->a);
        break;
    case CH_FAP_QUERY_FREE_SPACE:
        call->flags = PICK(gen_flags, r->a);
        call->struct_version = PICK(struct_versions, r->b);
        break;
    case CH_FAP_QUERY_KEY_SIZES:
        call->key_spec = PICK(key_specs, r->a);
        call->flags = PICK(gen_flags, r->b);
        call->struct_version = PICK(struct_versions, r->c);
        break;
    case CH_FAP_GET_CONTAINER_INFO:
        call->container = container_index(r->a);
        call->flags = PICK(gen_flags, r->b);
        call->struct_version = PICK(struct_versions, r->c);
        break;
    case CH_FAP_AUTHENTICATE_PIN:
        call->user = users(r->a);
        break;
    case CH_FAP_GET_CHALLENGE:
    case CH_FAP_AUTHENTICATE_CHALLENGE:
        break;
    case CH_FAP_UNBLOCK_PIN:
    case CH_FAP_CHANGE_AUTHENTICATOR:
        call->user = users(r->a);
        call->flags = PICK(auth_kind_flags, r->b & 0x0Fu);
        call->retry = PICK(retries, r->b >> 4);
        call->data1_len = split;
        call->data2 = r->data_got > split ? r->data + split : NULL;
        call->data2_len = r->data_got - split;
        break;
    case CH_FAP_DEAUTHENTICATE:
        call->user = users(r->a);
        call->flags = PICK(gen_flags, r->b);
        break;
    case CH_FAP_READ_FILE:
    case CH_FAP_GET_FILE_INFO:
        call->dir = PICK(dirs, r->a);
        call->file = PICK(files, r->b);
        if (call->op == CH_FAP_READ_FILE)
            call->flags = PICK(gen_flags, r->c);
        else
            call->struct_version = PICK(struct_versions, r->c);
        break;
    case CH_FAP_ENUM_FILES:
        call->dir = PICK(dirs, r->a);
        call->flags = PICK(gen_flags, r->c);
        break;
    case CH_FAP_GET_CHALLENGE_EX:
        call->pin_id = PICK(pin_ids, r->a);
        call->flags = PICK(gen_flags, r->b);
        break;
    case CH_FAP_AUTHENTICATE_EX:
        call->pin_id = PICK(pin_ids, r->a);
        call->flags = PICK(auth_ex_flags, r->b);
        break;
    case CH_FAP_CHANGE_AUTHENTICATOR_EX:
        call->flags = PICK(change_ex_flags, r->a);
        call->pin_id = PICK(pin_ids, r->b & 0x0Fu);
        call->target_pin_id = PICK(pin_ids, r->b >> 4);
        call->retry = PICK(retries, (r->d >> 4) & 7u);
        call->data1_len = split;
        call->data2 = r->data_got > split ? r->data + split : NULL;
        call->data2_len = r->data_got - split;
        break;
    case CH_FAP_DEAUTHENTICATE_EX:
        call->pin_set = r->a | ((r->d & CH_FAP_D_PIN_SET_HIGH) ? 0xFFFFFF00u : 0u);
        call->flags = PICK(gen_flags, r->b);
        break;
    case CH_FAP_GET_PROPERTY:
        call->prop = props(r->a);
        call->buf_size = PICK(buf_sizes, r->b);
        call->flags = PICK(prop_flags, r->c);
        break;
    case CH_FAP_SET_PROPERTY:
        call->prop = props(r->a);
        call->flags = PICK(prop_flags, r->c);
        break;
    case CH_FAP_GET_CONTAINER_PROPERTY:
        call->container = container_index(r->a);
        call->prop = props(CH_FAP_CONTAINER_PROPS + r->b);
        call->buf_size = PICK(buf_sizes, r->c & 0x0Fu);
        call->flags = PICK(prop_flags, r->c >> 4);
        break;
    case CH_FAP_SET_CONTAINER_PROPERTY:
        call->container = container_index(r->a);
        call->prop = props(CH_FAP_CONTAINER_PROPS + r->b);
        call->flags = PICK(prop_flags, r->c);
        break;
    case CH_FAP_REACQUIRE:
    case CH_FAP_OP_RESERVED:
        break;
    }
    if (!call->data1_len)
        call->data1 = NULL;
}

const char *ch_fap_op_name(ch_fap_op op)
{
    static const char *const names[] = {
        "CardQueryCapabilities", "CardQueryFreeSpace", "CardQueryKeySizes",
        "CardGetContainerInfo", "CardAuthenticatePin", "CardGetChallenge",
        "CardAuthenticateChallenge", "CardUnblockPin", "CardChangeAuthenticator",
        "CardDeauthenticate", "CardReadFile", "CardEnumFiles", "CardGetFileInfo",
        "CardGetChallengeEx", "CardAuthenticateEx", "CardChangeAuthenticatorEx",
        "CardDeauthenticateEx", "CardGetProperty", "CardSetProperty",
        "CardGetContainerProperty", "CardSetContainerProperty", "reacquire",
    };
    return (unsigned)op < sizeof names / sizeof names[0] ? names[op] : "reserved";
}

uint8_t *ch_finding_apdu_encode(const ch_finding_apdu *f, const uint8_t *script,
                                size_t script_len, size_t *len)
{
    size_t n = f->n_calls < CH_FAP_MAX_CALLS ? f->n_calls : CH_FAP_MAX_CALLS;
    size_t total = CH_FAP_HEADER + script_len, at = 0;
    uint8_t *out;

    for (size_t i = 0; i < n; i++) {
        if (f->calls[i].data_got > 0xFFFFu)
            return NULL;
        total += CH_FAP_RECORD + f->calls[i].data_got;
    }
    out = malloc(total ? total : 1);
    if (!out)
        return NULL;
    out[at++] = f->version_sel;
    out[at++] = f->alloc_fail_at;
    out[at++] = f->flags;
    out[at++] = (uint8_t)n;
    for (size_t i = 0; i < n; i++) {
        const ch_fap_record *r = &f->calls[i];
        out[at++] = r->op;
        out[at++] = r->a;
        out[at++] = r->b;
        out[at++] = r->c;
        out[at++] = r->d;
        out[at++] = (uint8_t)(r->data_got & 0xFFu);
        out[at++] = (uint8_t)(r->data_got >> 8);
        if (r->data_got)
            memcpy(out + at, r->data, r->data_got);
        at += r->data_got;
    }
    if (script_len)
        memcpy(out + at, script, script_len);
    *len = total;
    return out;
}
