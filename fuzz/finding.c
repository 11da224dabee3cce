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

/* ---- tables of ops 22..31 (appended: the ones above keep their meaning) ---- */

/* CardCreateContainerEx dwFlags: CARD_CREATE_CONTAINER_KEY_GEN (1), _KEY_IMPORT (2), junk. */
static const uint32_t create_flags[] = {1, 2, 0, 3, 4, 0x80000000u, 0xFFFFFFFFu};
/* dwKeySize: the default (0), every RSA size PIV holds, the curves' sizes, then none. */
static const uint32_t key_sizes[] = {0,   2048, 1024, 3072,        4096, 256,  384,  521,
                                     512, 8192, 1,    0xFFFFFFFFu, 2047, 4097, 1536, 16};
/* CardCreateFile AccessCondition: EveryoneReadUserWriteAc (1), EveryoneReadAdminWriteAc (3),
 * UserReadWriteAc (5), AdminReadWriteAc (6), UserWriteExecuteAc (2), UnknownAc (4), then the
 * invalid InvalidAc (0), 7 and all bits. */
static const uint32_t access_conds[] = {1, 3, 5, 6, 2, 4, 0, 7, 0xFFFFFFFFu};
/* cbInitialCreationSize: none, small, one object (3052), the largest certificate
 * (CH_PIV_CERT_MAX 16384), one past it, all bits. */
static const uint32_t initial_sizes[] = {0, 1, 1024, 3052, 16384, 16385, 0xFFFFFFFFu};
/* dwVersion of CARD_SIGNING_INFO, CARD_RSA_DECRYPT_INFO (2, 1, 0 = 1, 3 too new) and of
 * CARD_DERIVE_KEY (1, 2, 0 = 1, 3): d bits 3..4. */
static const uint32_t padded_versions[] = {2, 1, 0, 3};
static const uint32_t derive_versions[] = {1, 2, 0, 3};
/* CARD_DH_AGREEMENT_INFO dwVersion: 2 (the only one), 1 (obsolete), 0, 3, all bits. */
static const uint32_t dh_versions[] = {2, 1, 0, 3, 0xFFFFFFFFu};
/* dwSigningFlags: 0, CARD_BUFFER_SIZE_ONLY, CARD_PADDING_INFO_PRESENT, both,
 * CRYPT_NOHASHOID alone and with each, then bits no one defined. */
static const uint32_t sign_flags[] = {0,           0x20000000u, 0x40000000u, 0x60000000u,
                                      1,           0x40000001u, 0x20000001u, 2,
                                      0x80000000u, 0x10000000u, 0xFFFFFFFFu};
/* aiHashAlg: CALG_SHA_256, none (0), CALG_SHA1, CALG_SSL3_SHAMD5, CALG_MD5, CALG_SHA_384,
 * CALG_SHA_512, CALG_MD2 (0x8001, no DigestInfo here), CALG_HMAC (0x8009), CALG_RSA_SIGN
 * (not a hash), all bits. */
static const uint32_t hash_calgs[] = {0x800Cu, 0,       0x8004u, 0x8008u, 0x8003u, 0x800Du,
                                      0x800Eu, 0x8001u, 0x8009u, 0x2400u, 0xFFFFFFFFu};

/* BCrypt hash names (pszAlgId of the padding infos): the known ones, NULL, then names no hash
 * has (case, suffix, prefix, empty, 300 units). */
static const uint16_t *hash_names(unsigned sel)
{
    switch (sel % 11u) {
    case 0: return W("SHA256");
    case 1: return W("SHA1");
    case 2: return W("SHA384");
    case 3: return W("SHA512");
    case 4: return W("MD5");
    case 5: return NULL;
    case 6: return W("sha256");
    case 7: return W("SHA256X");
    case 8: return W("SHA2");
    case 9: return W("");
    default: return long_name;
    }
}
enum { HN_SHA256 = 0, HN_SHA1, HN_SHA384, HN_SHA512, HN_MD5, HN_NULL, HN_LOWER, HN_SUFFIX,
       HN_PREFIX, HN_EMPTY, HN_LONG };

/* dwPaddingType with the padding info's hash name: CARD_PADDING_NONE 1, _PKCS1 2, _PSS 4,
 * _OAEP 8. CardSignData (c bits 4..7): */
typedef struct padding { uint32_t type; uint8_t name; } padding;
static const padding sign_pads[] = {
    {2, HN_SHA256}, {2, HN_NULL},   {2, HN_SHA1},  {2, HN_SHA384},   {2, HN_SHA512},
    {2, HN_MD5},    {4, HN_SHA256}, {4, HN_NULL},  {1, HN_NULL},     {8, HN_SHA256},
    {0, HN_NULL},   {2, HN_LOWER},  {2, HN_SUFFIX}, {2, HN_LONG},    {3, HN_SHA256},
    {0xFFFFFFFFu, HN_SHA256},
};
/* CardRSADecrypt (b bits 4..7): none (0: the whole block), PKCS1, OAEP with every hash, then
 * what the module must refuse. */
static const padding decrypt_pads[] = {
    {0, HN_NULL},   {2, HN_NULL},    {8, HN_SHA1},   {8, HN_SHA256}, {8, HN_SHA384},
    {8, HN_SHA512}, {8, HN_NULL},    {8, HN_MD5},    {8, HN_LOWER},  {1, HN_NULL},
    {4, HN_SHA256}, {3, HN_NULL},    {0xFFFFFFFFu, HN_NULL},          {8, HN_LONG},
    {2, HN_SHA256}, {8, HN_SUFFIX},
};

/* pwszKDF: BCRYPT_KDF_HASH, _HMAC, the three the module does not implement, then names no KDF
 * has. */
static const uint16_t *kdf_names(unsigned sel)
{
    switch (sel % 11u) {
    case 0: return W("HASH");
    case 1: return W("HMAC");
    case 2: return W("TLS_PRF");
    case 3: return W("SP800_56A_CONCAT");
    case 4: return W("TRUNCATE");
    case 5: return NULL;
    case 6: return W("");
    case 7: return W("hash");
    case 8: return W("HASHX");
    case 9: return W("HMA");
    default: return long_name;
    }
}
/* CARD_DERIVE_KEY dwFlags: 0, CARD_BUFFER_SIZE_ONLY, KDF_USE_SECRET_AS_HMAC_KEY_FLAG, both,
 * CARD_RETURN_KEY_HANDLE, then junk. */
static const uint32_t derive_flags[] = {0, 0x20000000u, 1, 0x20000001u,
                                        0x1000000u, 2, 0x80000000u, 0xFFFFFFFFu};

/* The KDF_HASH_ALGORITHM buffer: UTF-16LE bytes with an explicit length, so it may lack its
 * terminator (the module must not read past cbBuffer). */
typedef struct kdf_hash_buf { const char *bytes; uint8_t len; bool null; } kdf_hash_buf;
#define KH(s) {s, (uint8_t)(sizeof(s) - 1), false}
static const kdf_hash_buf kdf_hashes[] = {
    KH("S\0H\0A\0" "2\0" "5\0" "6\0\0\0"),     /* SHA256 */
    KH("S\0H\0A\0" "1\0\0\0"),                    /* SHA1 */
    KH("S\0H\0A\0" "3\0" "8\0" "4\0\0\0"),     /* SHA384 */
    KH("S\0H\0A\0" "5\0" "1\0" "2\0\0\0"),     /* SHA512 */
    KH("M\0" "D\0" "5\0\0\0"),                     /* MD5: known, not implemented */
    KH("S\0H\0A\0" "2\0" "5\0" "6\0"),            /* not terminated */
    KH(""),                                            /* empty buffer */
    {NULL, 14, true},                                  /* NULL pointer, 14 bytes */
    KH("s\0h\0a\0" "2\0" "5\0" "6\0\0\0"),     /* case */
    KH("S\0H\0A\0" "1\0\0\0" "x"),                /* terminated, odd length */
    KH("S\0H\0A\0" "1\0\0\0" "S\0H\0A\0"),     /* terminated, more after */
    KH("\0\0"),                                      /* empty name */
    KH("S\0H\0A\0" "2\0" "5\0" "6\0\0"),         /* terminator cut in half */
    KH("A\0A\0A\0A\0A\0A\0A\0A\0A\0A\0A\0A\0A\0A\0A\0A\0A\0\0\0"), /* 17 units */
    KH("S\0H\0A\0" "2\0" "5\0" "6\0X\0\0\0"), /* suffix */
    KH("S"),                                          /* one byte */
};
#undef KH

#define PICK(table, sel) ((table)[(sel) % (sizeof(table) / sizeof((table)[0]))])

/* Agreement index: 0..9 (8 and 9 past CH_MD_MAX_AGREEMENTS) for sel < 128, the byte above. */
static uint8_t agreement_index(uint8_t sel)
{
    return (sel & 0x80u) ? sel : (uint8_t)(sel % 10u);
}

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
    call->op = (ch_fap_op)op; /* every id of 0..CH_FAP_OPS-1 is an op now */
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
    case CH_FAP_CREATE_CONTAINER:
        call->container = container_index(r->a);
        call->flags = PICK(create_flags, r->b & 0x0Fu);
        call->key_spec = PICK(key_specs, r->b >> 4);
        call->key_size = PICK(key_sizes, r->c & 0x0Fu);
        call->pin_id = PICK(pin_ids, r->c >> 4);
        break;
    case CH_FAP_DELETE_CONTAINER:
        call->container = container_index(r->a);
        call->flags = PICK(gen_flags, r->b);
        break;
    case CH_FAP_WRITE_FILE:
    case CH_FAP_DELETE_FILE:
        call->dir = PICK(dirs, r->a);
        call->file = PICK(files, r->b);
        call->flags = PICK(gen_flags, r->c);
        break;
    case CH_FAP_CREATE_FILE:
        call->dir = PICK(dirs, r->a);
        call->file = PICK(files, r->b);
        call->access = PICK(access_conds, r->c & 0x0Fu);
        call->initial_size = PICK(initial_sizes, r->c >> 4);
        break;
    case CH_FAP_SIGN_DATA: {
        const padding *pad = &PICK(sign_pads, r->c >> 4);
        call->container = container_index(r->a);
        call->key_spec = PICK(key_specs, r->b & 0x0Fu);
        call->flags = PICK(sign_flags, r->b >> 4);
        call->hash_alg = PICK(hash_calgs, r->c & 0x0Fu);
        call->pad_type = pad->type;
        call->pad_hash = hash_names(pad->name);
        call->null_pad_info = (r->d & 0x02u) != 0;
        call->struct_version = PICK(padded_versions, (r->d >> 3) & 3u);
        call->pad_mode = (uint8_t)((r->d >> 5) & 3u);
        break;
    }
    case CH_FAP_RSA_DECRYPT: {
        const padding *pad = &PICK(decrypt_pads, r->b >> 4);
        call->container = container_index(r->a);
        call->key_spec = PICK(key_specs, r->b & 0x0Fu);
        call->pad_type = pad->type;
        call->pad_hash = hash_names(pad->name);
        call->null_pad_info = (r->d & 0x20u) != 0;
        call->struct_version = PICK(padded_versions, (r->d >> 3) & 3u);
        /* label = data[0..c), ciphertext = the rest */
        call->data1_len = split;
        call->data2 = r->data_got > split ? r->data + split : NULL;
        call->data2_len = r->data_got - split;
        break;
    }
    case CH_FAP_CONSTRUCT_DH:
        call->container = container_index(r->a);
        call->flags = PICK(gen_flags, r->b);
        call->struct_version = PICK(dh_versions, r->c);
        break;
    case CH_FAP_DERIVE_KEY: {
        const kdf_hash_buf *kh = &PICK(kdf_hashes, r->c >> 4);
        size_t at = 0, take;
        call->agreement = agreement_index(r->a);
        call->kdf = kdf_names(r->b & 0x0Fu);
        call->flags = PICK(derive_flags, r->b >> 4);
        call->kdf_buffers = r->c & 0x0Fu;
        call->kdf_hash = kh->null ? NULL : (const uint8_t *)kh->bytes;
        call->kdf_hash_len = kh->len;
        call->kdf_hash_null = kh->null;
        call->kdf_null_buffers = (r->d & 0x01u) != 0;
        call->kdf_null_list = (r->d & 0x02u) != 0;
        call->struct_version = PICK(derive_versions, (r->d >> 3) & 3u);
        call->kdf_shape = (uint8_t)((r->d >> 5) & 3u);
        /* data: u8 prepend length, u8 append length, prepend, append, HMAC key (the rest),
         * each as much as the data holds */
        {
            size_t want_pre = r->data_got > 0 ? r->data[0] : 0;
            size_t want_app = r->data_got > 1 ? r->data[1] : 0;
            at = r->data_got < 2 ? r->data_got : 2;
            take = want_pre < r->data_got - at ? want_pre : r->data_got - at;
            call->kdf_prepend = take ? r->data + at : NULL;
            call->kdf_prepend_len = take;
            at += take;
            take = want_app < r->data_got - at ? want_app : r->data_got - at;
            call->kdf_append = take ? r->data + at : NULL;
            call->kdf_append_len = take;
            at += take;
            call->kdf_key = r->data_got > at ? r->data + at : NULL;
            call->kdf_key_len = r->data_got - at;
        }
        break;
    }
    case CH_FAP_DESTROY_DH:
        call->agreement = agreement_index(r->a);
        call->flags = PICK(gen_flags, r->b);
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
        "CardCreateContainerEx", "CardDeleteContainer", "CardWriteFile", "CardCreateFile",
        "CardDeleteFile", "CardSignData", "CardRSADecrypt", "CardConstructDHAgreement",
        "CardDeriveKey", "CardDestroyDHAgreement",
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
