/* apdu_names: names for the bytes of a transcript (apdu_names.h). Sources: SP 800-73-4 part 1
 * Table 3 (data objects) and part 2 (commands, key references), SP 800-78-4 (algorithm ids),
 * ISO/IEC 7816-4 (status words, secure messaging tags), Yubico's PIV extensions, and this
 * project's own object (docs/card-mapping.md). Wording of the status words follows
 * src/apdu/sw.c.
 *
 * A transcript may be shared, so no describe function prints a byte of a command's data field
 * or of an answer's data (PINs, PUKs, keys, challenges, plaintexts): only tags, lengths and
 * the header bytes (CLA INS P1 P2). The exceptions are public identifiers: the AID of SELECT
 * and the tag list (5C) of GET DATA / PUT DATA. */
#include "apdu_names.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"

/* ======================================================================================
 * Bounded text output
 * ==================================================================================== */
typedef struct {
    char *buf;
    size_t cap, len; /* len < cap whenever cap > 0; buf[len] is always '\0' */
} out_t;

static void out_init(out_t *o, char *buf, size_t cap)
{
    o->buf = buf;
    o->cap = buf ? cap : 0;
    o->len = 0;
    if (o->cap)
        buf[0] = '\0';
}

__attribute__((format(printf, 2, 3))) static void outf(out_t *o, const char *fmt, ...)
{
    va_list ap;
    int n;
    size_t room;

    if (o->len + 1 >= o->cap) /* full (or cap 0): keep what is there */
        return;
    room = o->cap - o->len;
    va_start(ap, fmt);
    n = vsnprintf(o->buf + o->len, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        o->buf[o->len] = '\0';
        return;
    }
    o->len += (size_t)n < room - 1 ? (size_t)n : room - 1;
}

static void put_name(out_t *o, const char *name)
{
    if (name)
        outf(o, " (%s)", name);
}

static void put_len(out_t *o, size_t n) { outf(o, "%zu byte%s", n, n == 1 ? "" : "s"); }

/* A packed BER tag in as many hex byte pairs as it has bytes. */
static void put_tag(out_t *o, uint32_t tag)
{
    if (tag > 0xFFFFFFu)
        outf(o, "%08X", (unsigned)tag);
    else if (tag > 0xFFFFu)
        outf(o, "%06X", (unsigned)tag);
    else if (tag > 0xFFu)
        outf(o, "%04X", (unsigned)tag);
    else
        outf(o, "%02X", (unsigned)tag);
}

static void put_key(out_t *o, const char *what, uint8_t ref)
{
    outf(o, " %s %02X", what, ref);
    put_name(o, ch_an_key_ref(ref));
}

static void put_alg(out_t *o, uint8_t alg)
{
    outf(o, "alg %02X", alg);
    put_name(o, ch_an_alg(alg));
}

/* ======================================================================================
 * Tables
 * ==================================================================================== */
const char *ch_an_command(uint8_t cla, uint8_t ins)
{
    /* Only the interindustry classes (first nibble 0 or 1: logical channel, secure messaging
     * and chaining bits): under a proprietary CLA the same INS means something else. */
    if ((cla & 0xE0u) != 0)
        return NULL;
    switch (ins) {
    case 0xA4: return "SELECT";
    case 0xCB: return "GET DATA";
    case 0xDB: return "PUT DATA";
    case 0x20: return "VERIFY";
    case 0x24: return "CHANGE REFERENCE DATA";
    case 0x2C: return "RESET RETRY COUNTER";
    case 0x87: return "GENERAL AUTHENTICATE";
    case 0x47: return "GENERATE ASYMMETRIC KEY PAIR";
    case 0xC0: return "GET RESPONSE";
    /* Yubico's extensions (INS F6..FF). */
    case 0xFD: return "GET VERSION";
    case 0xF8: return "GET SERIAL";
    case 0xF7: return "GET METADATA";
    case 0xFF: return "SET MANAGEMENT KEY";
    case 0xFE: return "IMPORT ASYMMETRIC KEY";
    case 0xFA: return "SET PIN RETRIES";
    case 0xFB: return "RESET";
    case 0xF9: return "ATTEST";
    case 0xF6: return "MOVE KEY"; /* P1 FF: delete */
    default: return NULL;
    }
}

static const char *const retired_certs[20] = {
    "Retired X.509 Certificate for Key Management 1",
    "Retired X.509 Certificate for Key Management 2",
    "Retired X.509 Certificate for Key Management 3",
    "Retired X.509 Certificate for Key Management 4",
    "Retired X.509 Certificate for Key Management 5",
    "Retired X.509 Certificate for Key Management 6",
    "Retired X.509 Certificate for Key Management 7",
    "Retired X.509 Certificate for Key Management 8",
    "Retired X.509 Certificate for Key Management 9",
    "Retired X.509 Certificate for Key Management 10",
    "Retired X.509 Certificate for Key Management 11",
    "Retired X.509 Certificate for Key Management 12",
    "Retired X.509 Certificate for Key Management 13",
    "Retired X.509 Certificate for Key Management 14",
    "Retired X.509 Certificate for Key Management 15",
    "Retired X.509 Certificate for Key Management 16",
    "Retired X.509 Certificate for Key Management 17",
    "Retired X.509 Certificate for Key Management 18",
    "Retired X.509 Certificate for Key Management 19",
    "Retired X.509 Certificate for Key Management 20",
};

static const char *const retired_keys[20] = {
    "retired 1",  "retired 2",  "retired 3",  "retired 4",  "retired 5",
    "retired 6",  "retired 7",  "retired 8",  "retired 9",  "retired 10",
    "retired 11", "retired 12", "retired 13", "retired 14", "retired 15",
    "retired 16", "retired 17", "retired 18", "retired 19", "retired 20",
};

/* The data objects a GET DATA / PUT DATA names (the value of its 5C). */
static const char *data_object(uint32_t tag)
{
    if (tag >= 0x5FC10Du && tag <= 0x5FC120u)
        return retired_certs[tag - 0x5FC10Du];
    switch (tag) {
    /* SP 800-73-4 part 1, Table 3. */
    case 0x5FC107: return "Card Capability Container";
    case 0x5FC102: return "CHUID";
    case 0x5FC105: return "X.509 Certificate for PIV Authentication";
    case 0x5FC103: return "Cardholder Fingerprints";
    case 0x5FC106: return "Security Object";
    case 0x5FC108: return "Cardholder Facial Image";
    case 0x5FC101: return "X.509 Certificate for Card Authentication";
    case 0x5FC10A: return "X.509 Certificate for Digital Signature";
    case 0x5FC10B: return "X.509 Certificate for Key Management";
    case 0x5FC109: return "Printed Information";
    case 0x7E: return "Discovery Object";
    case 0x5FC10C: return "Key History Object";
    case 0x5FC121: return "Cardholder Iris Images";
    case 0x7F61: return "Biometric Information Templates Group Template";
    case 0x5FC122: return "Secure Messaging Certificate Signer";
    case 0x5FC123: return "Pairing Code Reference Data Container";
    /* Yubico (ykpiv's YKPIV_OBJ_*). */
    case 0x5FFF00: return "Yubico admin data";
    case 0x5FFF01: return "Yubico attestation certificate";
    case 0x5FFF10: return "Yubico MSCMAP";
    case 0x5FFF11: return "Yubico MSROOTS 1";
    case 0x5FFF12: return "Yubico MSROOTS 2";
    case 0x5FFF13: return "Yubico MSROOTS 3";
    case 0x5FFF14: return "Yubico MSROOTS 4";
    case 0x5FFF15: return "Yubico MSROOTS 5";
    /* This project's (docs/card-mapping.md). */
    case 0x5FFF0E: return "cardhammer cardcf";
    default: return NULL;
    }
}

/* Tags inside a template (parent), or at the top level of an answer or command data field
 * (parent 0). The same tag means different things in different templates (81: challenge,
 * modulus, ...), hence the parent. */
typedef struct {
    uint32_t parent, tag;
    const char *name;
} tag_name;

static const tag_name tag_names[] = {
    /* Top level: the templates PIV answers and commands start with. */
    {0, 0x53, "data object"},
    {0, 0x5C, "tag list"},
    {0, 0x7C, "dynamic authentication template"},
    {0, 0x7F49, "public key"},
    {0, 0x61, "application property template"},
    {0, 0xAC, "cryptographic mechanism template"},
    /* Top level of a GET METADATA answer (Yubico). */
    {0, 0x01, "algorithm"},
    {0, 0x02, "PIN and touch policy"},
    {0, 0x03, "origin"},
    {0, 0x04, "public key"},
    {0, 0x05, "default value"},
    {0, 0x06, "retries"},
    {0, 0x07, "biometrics configured"},
    {0, 0x08, "temporary PIN"},
    /* Secure messaging data objects (ISO 7816-4, SP 800-73-4 part 2, 4.1). */
    {0, 0x87, "SM encrypted data"},
    {0, 0x8E, "SM cryptographic checksum"},
    {0, 0x97, "SM expected length"},
    {0, 0x99, "SM processing status"},
    /* Dynamic authentication template (GENERAL AUTHENTICATE). */
    {0x7C, 0x80, "witness"},
    {0x7C, 0x81, "challenge"},
    {0x7C, 0x82, "response"},
    {0x7C, 0x85, "exponentiation"},
    /* Public key template (GENERATE, GET METADATA 04). */
    {0x7F49, 0x81, "modulus"},
    {0x7F49, 0x82, "public exponent"},
    {0x7F49, 0x86, "EC point"},
    /* GENERATE's control template, and the algorithm list of the APT. */
    {0xAC, 0x80, "algorithm"},
    {0xAC, 0x06, "object identifier"},
    {0xAC, 0xAA, "PIN policy"},
    {0xAC, 0xAB, "touch policy"},
    /* Inside 53: the contents of the objects the module reads and writes. */
    {0x53, 0x70, "certificate"},
    {0x53, 0x71, "CertInfo"},
    {0x53, 0xFE, "error detection code"},
    {0x53, 0x30, "FASC-N"},
    {0x53, 0x32, "organizational identifier"},
    {0x53, 0x33, "DUNS"},
    {0x53, 0x34, "card UUID"},
    {0x53, 0x35, "expiration date"},
    {0x53, 0x36, "cardholder UUID"},
    {0x53, 0x3E, "issuer asymmetric signature"},
    {0x53, 0xC0, "cardcf"},
    {0x53, 0xC1, "keys with on-card certificates"},
    {0x53, 0xC2, "keys with off-card certificates"},
    {0x53, 0xF3, "off-card certificate URL"},
    {0x53, 0x80, "Yubico admin data"},
    {0x53, 0x88, "Yubico protected data"},
    /* Application property template (SELECT's answer). */
    {0x61, 0x4F, "AID"},
    {0x61, 0x79, "coexistent tag allocation authority"},
    {0x61, 0x50, "application label"},
    {0x61, 0x5F50, "application URL"},
    {0x61, 0xAC, "cryptographic algorithms"},
    {0x79, 0x4F, "AID"},
    /* Discovery object. */
    {0x7E, 0x4F, "AID"},
    {0x7E, 0x5F2F, "PIN usage policy"},
};

const char *ch_an_tag_in(uint32_t parent, uint32_t tag)
{
    for (size_t i = 0; i < sizeof tag_names / sizeof tag_names[0]; i++)
        if (tag_names[i].parent == parent && tag_names[i].tag == tag)
            return tag_names[i].name;
    return NULL;
}

const char *ch_an_object(uint32_t tag)
{
    /* Without a context, a tag used in several templates gets the meaning of the first of
     * these that has it: GENERAL AUTHENTICATE's before the key's and the objects' contents. */
    static const uint32_t order[] = {0, 0x7C, 0x7F49, 0xAC, 0x53, 0x61, 0x7E};
    const char *name = data_object(tag);

    for (size_t i = 0; !name && i < sizeof order / sizeof order[0]; i++)
        name = ch_an_tag_in(order[i], tag);
    return name;
}

const char *ch_an_key_ref(uint8_t ref)
{
    if (ref >= 0x82u && ref <= 0x95u)
        return retired_keys[ref - 0x82u];
    switch (ref) {
    case 0x00: return "global PIN";
    case 0x80: return "PIV PIN";
    case 0x81: return "PUK";
    case 0x9B: return "card management key";
    case 0x9A: return "PIV Authentication";
    case 0x9C: return "Digital Signature";
    case 0x9D: return "Key Management";
    case 0x9E: return "Card Authentication";
    /* SP 800-73-4 part 1, Table 4b. */
    case 0x04: return "secure messaging key";
    case 0x96: return "primary finger OCC";
    case 0x97: return "secondary finger OCC";
    case 0x98: return "pairing code";
    case 0xF9: return "attestation"; /* Yubico */
    default: return NULL;
    }
}

const char *ch_an_alg(uint8_t alg)
{
    switch (alg) {
    case 0x03: return "3DES";
    case 0x08: return "AES-128";
    case 0x0A: return "AES-192";
    case 0x0C: return "AES-256";
    case 0x06: return "RSA-1024";
    case 0x07: return "RSA-2048";
    case 0x05: return "RSA-3072"; /* Yubico 5.7 */
    case 0x16: return "RSA-4096"; /* Yubico 5.7 */
    case 0x11: return "ECC P-256";
    case 0x14: return "ECC P-384";
    case 0x27: return "cipher suite 2 (SM, P-256)";
    case 0x2E: return "cipher suite 7 (SM, P-384)";
    case 0xE0: return "Ed25519"; /* Yubico 5.7 */
    case 0xE1: return "X25519";  /* Yubico 5.7 */
    default: return NULL;
    }
}

/* Status words: exact values first, then the ISO 7816-4 groups. */
typedef struct {
    uint16_t sw, mask;
    const char *text;
} sw_text;

static const sw_text sw_texts[] = {
    {0x9000, 0xFFFF, "success"},
    {0x6200, 0xFFFF, "warning: no information given, memory unchanged"},
    {0x6281, 0xFFFF, "warning: part of the returned data may be corrupted"},
    {0x6282, 0xFFFF, "warning: end of data reached before Le bytes"},
    {0x6283, 0xFFFF, "warning: selected file deactivated"},
    {0x6300, 0xFFFF, "verification failed"},
    {0x6581, 0xFFFF, "memory failure"},
    {0x6700, 0xFFFF, "wrong length"},
    {0x6881, 0xFFFF, "logical channel not supported"},
    {0x6882, 0xFFFF, "secure messaging not supported"},
    {0x6883, 0xFFFF, "last command of the chain expected"},
    {0x6884, 0xFFFF, "command chaining not supported"},
    {0x6981, 0xFFFF, "command incompatible with file structure"},
    {0x6982, 0xFFFF, "security status not satisfied"},
    {0x6983, 0xFFFF, "authentication method blocked"},
    {0x6984, 0xFFFF, "reference data not usable"},
    {0x6985, 0xFFFF, "conditions of use not satisfied"},
    {0x6986, 0xFFFF, "command not allowed (no current EF)"},
    {0x6987, 0xFFFF, "expected secure messaging data objects missing"},
    {0x6988, 0xFFFF, "incorrect secure messaging data objects"},
    {0x6A80, 0xFFFF, "incorrect parameters in the data field"},
    {0x6A81, 0xFFFF, "function not supported"},
    {0x6A82, 0xFFFF, "file or application not found"},
    {0x6A83, 0xFFFF, "record not found"},
    {0x6A84, 0xFFFF, "not enough memory space in the file"},
    {0x6A86, 0xFFFF, "incorrect parameters P1-P2"},
    {0x6A88, 0xFFFF, "referenced data not found"},
    {0x6B00, 0xFFFF, "wrong parameters P1-P2"},
    {0x6D00, 0xFFFF, "instruction not supported"},
    {0x6E00, 0xFFFF, "class not supported"},
    {0x6F00, 0xFFFF, "no precise diagnosis"},
    {0x6200, 0xFF00, "warning, memory unchanged"},
    {0x6300, 0xFF00, "warning, memory changed"},
    {0x6400, 0xFF00, "execution error, memory unchanged"},
    {0x6500, 0xFF00, "execution error, memory changed"},
    {0x6600, 0xFF00, "security-related issue"},
    {0x6800, 0xFF00, "functions in CLA not supported"},
    {0x6900, 0xFF00, "command not allowed"},
    {0x6A00, 0xFF00, "wrong parameters P1-P2"},
};

/* Appends the meaning of sw; false (nothing appended) when it has none here. */
static bool sw_meaning(out_t *o, uint16_t sw)
{
    unsigned lo = sw & 0xFFu;

    switch (sw & 0xFF00u) {
    case 0x6100:
        outf(o, "more data: %u bytes", lo ? lo : 256u);
        return true;
    case 0x6C00:
        outf(o, "wrong length, use Le %u", lo ? lo : 256u);
        return true;
    default:
        break;
    }
    if ((sw & 0xFFF0u) == 0x63C0u) {
        lo &= 0x0Fu;
        outf(o, "verification failed, %u tr%s left", lo, lo == 1 ? "y" : "ies");
        return true;
    }
    for (size_t i = 0; i < sizeof sw_texts / sizeof sw_texts[0]; i++) {
        if ((sw & sw_texts[i].mask) == sw_texts[i].sw) {
            outf(o, "%s", sw_texts[i].text);
            return true;
        }
    }
    return false;
}

const char *ch_an_sw(uint16_t sw, char *buf, size_t cap)
{
    out_t o;

    out_init(&o, buf, cap);
    if (!sw_meaning(&o, sw))
        outf(&o, "SW %04X", (unsigned)sw);
    return buf;
}

/* ======================================================================================
 * BER-TLV summaries (tags and lengths, never values)
 * ==================================================================================== */
#define LIST_MAX 8u /* TLVs shown per level; the rest is "..." */

static bool is_template(uint32_t tag)
{
    return tag == 0x53 || tag == 0x7C || tag == 0x7F49 || tag == 0x61 || tag == 0xAC ||
           tag == 0x7E || tag == 0x79;
}

/* Lists the TLVs of c: "TAG (name) N bytes, ...", one level of templates in braces when
 * nested. complete: the data is whole, so a value running past its end is malformed; when
 * false (a 61xx answer, a chained block) the last TLV may go on elsewhere. */
static void list_tlvs(out_t *o, ch_cur *c, uint32_t parent, bool complete, bool nest)
{
    size_t shown = 0;

    while (!ch_cur_empty(c)) {
        ch_cur t = *c, value;
        uint32_t tag;
        size_t len;
        const char *sep = shown ? ", " : "";

        if (shown == LIST_MAX) {
            outf(o, ", ...");
            return;
        }
        if (!ch_cur_ber_tag(&t, &tag) || !ch_cur_ber_len(&t, &len) ||
            (len > ch_cur_left(&t) && complete)) {
            if (shown) {
                outf(o, ", then ");
                put_len(o, ch_cur_left(c));
                outf(o, " not BER-TLV");
            } else
                outf(o, "(not BER-TLV)");
            return;
        }
        outf(o, "%s", sep);
        put_tag(o, tag);
        put_name(o, ch_an_tag_in(parent, tag));
        outf(o, " ");
        put_len(o, len);
        if (len > ch_cur_left(&t)) {
            outf(o, ", %zu here", ch_cur_left(&t));
            return;
        }
        (void)ch_cur_sub(&t, len, &value);
        if (nest && is_template(tag) && len) {
            outf(o, " { ");
            list_tlvs(o, &value, tag, true, false);
            outf(o, " }");
        }
        *c = t;
        shown++;
    }
}

/* ======================================================================================
 * C-APDUs
 * ==================================================================================== */
typedef struct {
    uint8_t cla, ins, p1, p2;
    ch_cur data;
    bool has_le, extended, malformed;
    uint32_t le;
    size_t body; /* bytes after the header */
} capdu;

/* Splits the body into Lc / data / Le (ISO 7816-3 cases 1..4, short and extended). */
static void parse_body(ch_cur *c, capdu *a)
{
    uint8_t b0;
    uint16_t w;
    size_t lc;

    a->body = ch_cur_left(c);
    ch_cur_init(&a->data, NULL, 0);
    if (a->body == 0)
        return;
    (void)ch_cur_u8(c, &b0);
    if (a->body == 1) { /* case 2 short */
        a->has_le = true, a->le = b0 ? b0 : 256u;
        return;
    }
    if (b0 != 0) { /* short Lc */
        lc = b0;
        if (ch_cur_left(c) == lc || ch_cur_left(c) == lc + 1) {
            (void)ch_cur_sub(c, lc, &a->data);
            if (ch_cur_u8(c, &b0))
                a->has_le = true, a->le = b0 ? b0 : 256u;
            return;
        }
        a->malformed = true;
        return;
    }
    a->extended = true;
    if (a->body == 3 && ch_cur_u16be(c, &w)) { /* case 2 extended */
        a->has_le = true, a->le = w ? w : 65536u;
        return;
    }
    if (ch_cur_u16be(c, &w) && w != 0 &&
        (ch_cur_left(c) == w || ch_cur_left(c) == (size_t)w + 2)) {
        (void)ch_cur_sub(c, w, &a->data);
        if (ch_cur_u16be(c, &w))
            a->has_le = true, a->le = w ? w : 65536u;
        return;
    }
    a->malformed = true;
}

static const uint8_t piv_aid[] = {0xA0, 0x00, 0x00, 0x03, 0x08, 0x00,
                                  0x00, 0x10, 0x00, 0x01, 0x00};

#define AID_SHOWN 16u

static void describe_select(out_t *o, const capdu *a)
{
    ch_cur d = a->data;
    size_t n = ch_cur_left(&d);
    const uint8_t *p;

    if (a->p1 != 0x04 || a->p2 != 0x00)
        outf(o, " P1 %02X P2 %02X", a->p1, a->p2);
    if (n == 0) {
        outf(o, " (no data)");
        return;
    }
    outf(o, " ");
    if (!ch_cur_take(&d, n < AID_SHOWN ? n : AID_SHOWN, &p))
        return;
    for (size_t i = 0; i < n && i < AID_SHOWN; i++)
        outf(o, "%02X", p[i]);
    if (n > AID_SHOWN)
        outf(o, "... (%zu bytes)", n);
    /* A right-truncated AID selects the PIV application too (at least the RID). */
    if (a->p1 == 0x04 && n >= 5 && n <= sizeof piv_aid && memcmp(p, piv_aid, n) == 0)
        outf(o, " (PIV application)");
}

/* The tag list 5C of GET DATA / PUT DATA: " 5FC105 (name)". False when d does not start with
 * a 5C of 1..4 bytes (d is then unmoved). */
static bool put_tag_list(out_t *o, ch_cur *d)
{
    ch_cur t = *d, v;
    uint32_t tag, packed = 0;
    uint8_t b;
    size_t n;

    if (!ch_cur_tlv(&t, &tag, &v) || tag != 0x5C)
        return false;
    n = ch_cur_left(&v);
    if (n < 1 || n > 4)
        return false;
    outf(o, " ");
    while (ch_cur_u8(&v, &b)) {
        outf(o, "%02X", b);
        packed = packed << 8 | b;
    }
    put_name(o, ch_an_object(packed));
    *d = t;
    return true;
}

static void describe_get_data(out_t *o, const capdu *a)
{
    ch_cur d = a->data;

    if (a->p1 != 0x3F || a->p2 != 0xFF)
        outf(o, " P1 %02X P2 %02X", a->p1, a->p2);
    if (ch_cur_empty(&d)) {
        outf(o, " (no data)");
        return;
    }
    if (!put_tag_list(o, &d)) {
        outf(o, ": ");
        put_len(o, ch_cur_left(&d));
        outf(o, ", no 5C tag list");
    } else if (!ch_cur_empty(&d)) {
        outf(o, ", then ");
        put_len(o, ch_cur_left(&d));
    }
}

/* "content N bytes[, M in this block]" for the object that starts at d (53, 7E or 7F61). */
static void put_object_len(out_t *o, ch_cur *d)
{
    size_t len;

    if (!ch_cur_ber_len(d, &len)) {
        outf(o, ": malformed length");
        return;
    }
    outf(o, ": ");
    put_len(o, len);
    if (len != ch_cur_left(d))
        outf(o, ", %zu in this block", ch_cur_left(d));
}

static void describe_put_data(out_t *o, const capdu *a)
{
    ch_cur d = a->data, t;
    uint32_t tag;

    if (a->p1 != 0x3F || a->p2 != 0xFF)
        outf(o, " P1 %02X P2 %02X", a->p1, a->p2);
    if (ch_cur_empty(&d)) {
        outf(o, " (no data)");
        return;
    }
    /* Stateless: the first block of an object starts with its tag list (or, for the
     * Discovery Object and the BIT group template, with the object's own tag); any other
     * block is the continuation of a chain. */
    if (put_tag_list(o, &d)) {
        t = d;
        if (ch_cur_ber_tag(&t, &tag) && tag == 0x53)
            put_object_len(o, &t);
        else {
            outf(o, ": ");
            put_len(o, ch_cur_left(&d));
            outf(o, " after the tag list, no 53");
        }
        return;
    }
    t = d;
    if (ch_cur_ber_tag(&t, &tag) && (tag == 0x7E || tag == 0x7F61)) {
        outf(o, " ");
        put_tag(o, tag);
        put_name(o, ch_an_object(tag));
        put_object_len(o, &t);
        return;
    }
    outf(o, ": chained block, ");
    put_len(o, ch_cur_left(&d));
}

static void describe_general_authenticate(out_t *o, const capdu *a)
{
    ch_cur d = a->data, t;
    uint32_t tag;
    size_t len;

    outf(o, " ");
    put_alg(o, a->p1);
    put_key(o, "key", a->p2);
    if (ch_cur_empty(&d)) {
        outf(o, " (no data)");
        return;
    }
    t = d;
    if (!ch_cur_ber_tag(&t, &tag) || tag != 0x7C || !ch_cur_ber_len(&t, &len)) {
        outf(o, ": chained block, ");
        put_len(o, ch_cur_left(&d));
        return;
    }
    /* The first block of a chained command holds the start of the template only. */
    outf(o, ": 7C { ");
    if (len <= ch_cur_left(&t)) {
        ch_cur v;
        (void)ch_cur_sub(&t, len, &v);
        if (ch_cur_empty(&v))
            outf(o, "empty");
        list_tlvs(o, &v, 0x7C, true, false);
        outf(o, " }");
        if (!ch_cur_empty(&t)) {
            outf(o, ", then ");
            put_len(o, ch_cur_left(&t));
        }
    } else {
        list_tlvs(o, &t, 0x7C, false, false);
        outf(o, " ... }, 7C of ");
        put_len(o, len);
    }
}

/* PIN and touch policy values of Yubico's AA / AB. */
static const char *policy_name(bool touch, uint8_t v)
{
    switch (v) {
    case 0x00: return "default";
    case 0x01: return "never";
    case 0x02: return touch ? "always" : "once";
    case 0x03: return touch ? "cached" : "always";
    default: return NULL;
    }
}

static void describe_generate(out_t *o, const capdu *a)
{
    ch_cur d = a->data, ac, v;
    uint32_t tag;
    uint8_t b;
    bool first = true;

    if (a->p1 != 0x00)
        outf(o, " P1 %02X", a->p1);
    put_key(o, "key", a->p2);
    if (ch_cur_empty(&d)) {
        outf(o, " (no data)");
        return;
    }
    if (!ch_cur_tlv(&d, &tag, &ac) || tag != 0xAC) {
        outf(o, ": ");
        put_len(o, ch_cur_left(&a->data));
        outf(o, ", no AC template");
        return;
    }
    while (ch_cur_tlv(&ac, &tag, &v)) {
        outf(o, "%s", first ? ": " : ", ");
        first = false;
        if (ch_cur_left(&v) != 1 || !ch_cur_u8(&v, &b)) {
            put_tag(o, tag);
            outf(o, " ");
            put_len(o, ch_cur_left(&v));
        } else if (tag == 0x80) {
            put_alg(o, b);
        } else if (tag == 0xAA || tag == 0xAB) {
            outf(o, "%s policy %02X", tag == 0xAA ? "PIN" : "touch", b);
            put_name(o, policy_name(tag == 0xAB, b));
        } else {
            put_tag(o, tag);
            outf(o, " 1 byte");
        }
    }
    if (!ch_cur_empty(&ac)) {
        outf(o, "%s", first ? ": " : ", ");
        put_len(o, ch_cur_left(&ac));
        outf(o, " not BER-TLV");
    }
}

/* Yubico SET MANAGEMENT KEY: data alg || 9B || len || key (never shown). */
static void describe_set_mgm(out_t *o, const capdu *a)
{
    ch_cur d = a->data;
    uint8_t alg, ref, len;

    if (a->p1 != 0xFF)
        outf(o, " P1 %02X", a->p1);
    if (ch_cur_u8(&d, &alg) && ch_cur_u8(&d, &ref) && ch_cur_u8(&d, &len) &&
        ch_cur_left(&d) == len) {
        outf(o, ": ");
        put_alg(o, alg);
        put_key(o, "key", ref);
        outf(o, ", ");
        put_len(o, len);
    } else {
        outf(o, ": ");
        put_len(o, ch_cur_left(&a->data));
        outf(o, ", malformed");
    }
    if (a->p2 == 0xFE)
        outf(o, ", touch required");
    else if (a->p2 != 0xFF)
        outf(o, ", P2 %02X", a->p2);
}

/* Data whose bytes are secret or of no interest: only their number. */
static void put_data_len(out_t *o, const capdu *a)
{
    outf(o, ": ");
    put_len(o, ch_cur_left(&a->data));
}

static void describe_known(out_t *o, const capdu *a)
{
    bool has_data = !ch_cur_empty(&a->data);

    switch (a->ins) {
    case 0xA4: describe_select(o, a); return;
    case 0xCB: describe_get_data(o, a); return;
    case 0xDB: describe_put_data(o, a); return;
    case 0x87: describe_general_authenticate(o, a); return;
    case 0x47: describe_generate(o, a); return;
    case 0xFF: describe_set_mgm(o, a); return;
    case 0x20:
        put_key(o, "key", a->p2);
        if (a->p1 == 0xFF && !has_data)
            outf(o, ": reset verified state");
        else if (!has_data)
            outf(o, ": status query");
        else
            put_data_len(o, a);
        if (a->p1 != 0x00 && a->p1 != 0xFF)
            outf(o, ", P1 %02X", a->p1);
        return;
    case 0x24:
    case 0x2C:
        put_key(o, "key", a->p2);
        put_data_len(o, a);
        return;
    case 0xFE:
        outf(o, " ");
        put_alg(o, a->p1);
        put_key(o, "key", a->p2);
        put_data_len(o, a);
        return;
    case 0xF7: put_key(o, "key", a->p2); break;
    case 0xF9: put_key(o, "key", a->p1); break;
    case 0xFA: outf(o, ": PIN %u tries, PUK %u tries", a->p1, a->p2); break;
    case 0xF6:
        if (a->p1 == 0xFF)
            put_key(o, "delete key", a->p2);
        else {
            put_key(o, "key", a->p2);
            put_key(o, "to", a->p1);
        }
        break;
    default: /* GET RESPONSE, GET VERSION, GET SERIAL, RESET: no parameters */
        if (a->p1 || a->p2)
            outf(o, " P1 %02X P2 %02X", a->p1, a->p2);
        break;
    }
    if (has_data)
        put_data_len(o, a);
}

size_t ch_an_describe_command(const uint8_t *capdu_bytes, size_t len, char *buf, size_t cap)
{
    out_t o;
    ch_cur c;
    capdu a;
    const char *name;

    out_init(&o, buf, cap);
    memset(&a, 0, sizeof a);
    ch_cur_init(&c, capdu_bytes, len);
    if (!ch_cur_u8(&c, &a.cla) || !ch_cur_u8(&c, &a.ins) || !ch_cur_u8(&c, &a.p1) ||
        !ch_cur_u8(&c, &a.p2)) {
        outf(&o, "short APDU: ");
        put_len(&o, c.len);
        return o.len;
    }
    parse_body(&c, &a);
    name = ch_an_command(a.cla, a.ins);
    if (name)
        outf(&o, "%s", name);
    else
        outf(&o, "INS 0x%02X", a.ins);
    /* Bit 0x10 means chaining only in the interindustry classes. */
    if ((a.cla & 0xE0u) == 0 && (a.cla & 0x10u))
        outf(&o, " (chained)");
    if ((a.cla & 0xE0u) != 0 || (a.cla & 0x0Fu) != 0)
        outf(&o, " (CLA %02X)", a.cla);
    if (a.extended && !a.malformed)
        outf(&o, " (extended)");
    if (a.malformed) {
        outf(&o, " P1 %02X P2 %02X: malformed length fields, ", a.p1, a.p2);
        put_len(&o, a.body);
        outf(&o, " after the header");
        return o.len;
    }
    if (name)
        describe_known(&o, &a);
    else {
        outf(&o, " P1 %02X P2 %02X", a.p1, a.p2);
        if (!ch_cur_empty(&a.data))
            put_data_len(&o, &a);
    }
    if (a.has_le)
        outf(&o, ", Le %u", (unsigned)a.le);
    return o.len;
}

/* ======================================================================================
 * R-APDUs
 * ==================================================================================== */
size_t ch_an_describe_answer(const uint8_t *rapdu, size_t len, char *buf, size_t cap)
{
    out_t o, m;
    ch_cur c, data;
    uint16_t sw = 0;
    char meaning[64];

    out_init(&o, buf, cap);
    ch_cur_init(&c, rapdu, len);
    if (ch_cur_left(&c) < 2) {
        outf(&o, "short answer: ");
        put_len(&o, ch_cur_left(&c));
        return o.len;
    }
    if (!ch_cur_sub(&c, ch_cur_left(&c) - 2, &data) || !ch_cur_u16be(&c, &sw))
        return o.len; /* cannot happen: at least 2 bytes are left */
    outf(&o, "%04X", (unsigned)sw);
    out_init(&m, meaning, sizeof meaning);
    if (sw_meaning(&m, sw))
        outf(&o, " (%s)", meaning);
    if (ch_cur_empty(&data))
        return o.len;
    outf(&o, ", ");
    put_len(&o, ch_cur_left(&data));
    outf(&o, ": ");
    /* Part of an answer (61xx: GET RESPONSE fetches the rest) may end inside a TLV. */
    list_tlvs(&o, &data, 0, (sw & 0xFF00u) != 0x6100u, true);
    return o.len;
}
