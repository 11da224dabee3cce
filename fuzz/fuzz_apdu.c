/* fuzz_apdu: a sequence of CSP calls through the function table of an acquired context, with
 * the card's answers scripted, so scripted answers reach every card exchange of the file
 * system, PIN, property and container entry points, and of the key, write and private-key
 * entry points (ops 22..31: their own section below, with independent models of their
 * card-free checks in apdu_model.c). Input layout: fuzz/finding.h,
 * docs/fuzzing.md "fuzz_apdu layout". Checks invariants, not only crashes (any failure aborts):
 *  - the return value is in the documented set of its entry point: the codes of every call
 *    (success, INVALID_PARAMETER, UNSUPPORTED_FEATURE, NO_MEMORY only after an injected
 *    allocation failure), the card's (the status word table, the transport's, UNKNOWN_CARD
 *    from a new SELECT) only when the call exchanged APDUs, and the entry point's own;
 *  - a call whose parameters are invalid on their face (NULL pointers, unknown names, bad
 *    flags, ids out of range) is refused with INVALID_PARAMETER / UNSUPPORTED_FEATURE (or the
 *    entry point's own refusal) having sent no APDU and allocated nothing;
 *  - on success outputs are well formed: returned buffers have the returned length, are
 *    live CSP allocations (freed here with pfnCspFree), files and structures have their
 *    documented shape, property lengths fit the buffer;
 *  - on failure caller-owned outputs are untouched (pre-filled with a pattern);
 *  - input buffers (PINs, property values) are never written, CARD_DATA never changes after
 *    CardAcquireContext;
 *  - after CardDeleteContext nothing allocated with the CSP allocator is live and no foreign
 *    or double free happened. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cardmod.h"
#include "apdu_model.h"
#include "finding.h"
#include "fuzz_check.h"
#include "host.h"
#include "script.h"
#include "trace.h"

#define PAT 0xA5u
#define PAT32 0xA5A5A5A5u

/* The tables of finding.c spell Cardmod constants as numbers: prove they are the same. */
_Static_assert(ROLE_USER == 1 && ROLE_ADMIN == 2 && MAX_PINS == 8, "PIN ids");
_Static_assert(CARD_AUTHENTICATE_GENERATE_SESSION_PIN == 0x10000000u &&
                   CARD_AUTHENTICATE_SESSION_PIN == 0x20000000u &&
                   CARD_PIN_SILENT_CONTEXT == 0x40u && CARD_AUTHENTICATE_PIN_PIN == 2u &&
                   CARD_AUTHENTICATE_PIN_CHALLENGE_RESPONSE == 1u,
               "authentication flags");
_Static_assert(PIN_CHANGE_FLAG_UNBLOCK == 1u && PIN_CHANGE_FLAG_CHANGEPIN == 2u, "change");
_Static_assert(AT_KEYEXCHANGE == 1u && AT_SIGNATURE == 2u && AT_ECDHE_P521 == 8u, "key specs");

/* Where and how a decoded finding runs (ch_fap_execute): the card behind hcard (a ch_script *
 * here, a vpiv link in the seed recorder, a PC/SC handle in mdreplay-pcsc), counted by
 * exchanges independently of the module. result (may be NULL) sees each call's return value;
 * filter (may be NULL) sees each call before it is made and may change its inputs or, by
 * returning false, skip it (mdreplay card: no write without --allow-writes, no PIN the user
 * did not give). */
typedef struct ch_fap_env {
    uintptr_t hctx, hcard;
    unsigned (*exchanges)(void *ex_ctx);
    void *ex_ctx;
    void (*result)(void *res_ctx, const ch_fap_call *call, DWORD rc);
    void *res_ctx;
    bool (*filter)(void *filter_ctx, ch_fap_call *call);
    void *filter_ctx;
    /* A real reader stack (pcsc-lite) fails exchanges with more codes than the script's three
     * (e.g. SCARD_E_NOT_TRANSACTED when a card goes): true for a code a transmit of this run
     * returned, which the module may pass on. NULL: the script's codes only. */
    bool (*transport_code)(void *ex_ctx, DWORD rc);
} ch_fap_env;

typedef struct run {
    ch_host_csp h;
    unsigned (*exchanges)(void *ex_ctx); /* card exchanges so far, counted outside the module */
    void *ex_ctx;
    void (*result)(void *res_ctx, const ch_fap_call *call, DWORD rc);
    void *res_ctx;
    const ch_fap_env *env;
    PCARD_DATA cd;
    uint8_t *snap;          /* CARD_DATA as CardAcquireContext left it */
    DWORD version;
    bool alive;             /* a context is acquired */
    bool cardid_known;      /* the context has shown a card identifier: it never changes */
    uint8_t cardid[16];
    unsigned long fail_abs; /* absolute allocation number that fails, 0 = none */
    uint8_t agreed;         /* agreement indexes in use (bit i: CardConstructDHAgreement gave
                               index i, no CardDestroyDHAgreement since) */
} run;

/* ---------------------------------------------------------------------------------------
 * Result codes
 * ------------------------------------------------------------------------------------- */
/* Errors only the card, the reader or the exchange can cause: never without an APDU. */
static bool card_code(const run *r, DWORD rc)
{
    if (r->env->transport_code && r->env->transport_code(r->ex_ctx, rc))
        return true;
    switch (rc) {
    case SCARD_E_COMM_DATA_LOST: /* malformed answer, bounds, transport event 0 */
    case SCARD_W_RESET_CARD:
    case SCARD_W_REMOVED_CARD:
    case SCARD_E_INSUFFICIENT_BUFFER: /* transport: answer longer than 258 bytes */
    case SCARD_E_UNKNOWN_CARD:        /* the new SELECT after a reset was refused */
    case SCARD_E_UNEXPECTED:          /* the status word table's default, malformed objects */
    case SCARD_E_FILE_NOT_FOUND:      /* 6A82, 6A88 */
    case SCARD_W_SECURITY_VIOLATION:  /* 6982, 6985 */
    case SCARD_W_WRONG_CHV:           /* 63xx */
    case SCARD_W_CHV_BLOCKED:         /* 63C0, 6983, 6984 */
    case SCARD_E_WRITE_TOO_MANY:      /* 6581, 6A84 */
        return true;
    default:
        return false;
    }
}

/* Codes an entry point gives of its own, with or without the card. */
static bool own_code(ch_fap_op op, DWORD rc)
{
    switch (op) {
    case CH_FAP_QUERY_CAPABILITIES:
    case CH_FAP_QUERY_FREE_SPACE:
    case CH_FAP_QUERY_KEY_SIZES:
        return rc == ERROR_REVISION_MISMATCH;
    case CH_FAP_GET_CONTAINER_INFO:
        return rc == SCARD_E_NO_KEY_CONTAINER || rc == ERROR_REVISION_MISMATCH;
    case CH_FAP_READ_FILE:
    case CH_FAP_ENUM_FILES:
        return rc == SCARD_E_FILE_NOT_FOUND || rc == SCARD_E_DIR_NOT_FOUND;
    case CH_FAP_GET_FILE_INFO:
        return rc == SCARD_E_FILE_NOT_FOUND || rc == SCARD_E_DIR_NOT_FOUND ||
               rc == ERROR_REVISION_MISMATCH;
    case CH_FAP_GET_PROPERTY: /* REVISION_MISMATCH: a structure's dwVersion in pbData */
        return rc == ERROR_INSUFFICIENT_BUFFER || rc == ERROR_REVISION_MISMATCH;
    case CH_FAP_GET_CONTAINER_PROPERTY:
        return rc == ERROR_INSUFFICIENT_BUFFER || rc == ERROR_REVISION_MISMATCH ||
               rc == SCARD_E_NO_KEY_CONTAINER;
    case CH_FAP_SET_PROPERTY:
        return rc == SCARD_W_SECURITY_VIOLATION; /* a read-only property */
    case CH_FAP_SET_CONTAINER_PROPERTY:
        return rc == SCARD_W_SECURITY_VIOLATION || rc == SCARD_E_NO_KEY_CONTAINER;
    case CH_FAP_AUTHENTICATE_PIN:
    case CH_FAP_AUTHENTICATE_EX:
        /* a PIN the card could never accept: WRONG_CHV without spending a try (md_auth.c) */
        return rc == SCARD_W_WRONG_CHV;
    case CH_FAP_CREATE_CONTAINER: /* SECURITY_VIOLATION: PinId ROLE_ADMIN */
        return rc == SCARD_E_NO_KEY_CONTAINER || rc == SCARD_W_SECURITY_VIOLATION;
    case CH_FAP_WRITE_FILE: /* cardid/cardapps are read-only; a file that does not fit */
        return rc == SCARD_E_FILE_NOT_FOUND || rc == SCARD_E_DIR_NOT_FOUND ||
               rc == SCARD_W_SECURITY_VIOLATION || rc == SCARD_E_WRITE_TOO_MANY;
    case CH_FAP_CREATE_FILE:
        return rc == SCARD_E_DIR_NOT_FOUND || rc == ERROR_FILE_EXISTS ||
               rc == SCARD_E_WRITE_TOO_MANY;
    case CH_FAP_DELETE_FILE:
        return rc == SCARD_E_FILE_NOT_FOUND || rc == SCARD_E_DIR_NOT_FOUND ||
               rc == SCARD_W_SECURITY_VIOLATION;
    case CH_FAP_SIGN_DATA:
        return rc == ERROR_REVISION_MISMATCH || rc == SCARD_E_NO_KEY_CONTAINER;
    case CH_FAP_RSA_DECRYPT: /* INSUFFICIENT_BUFFER: cbData below the modulus length;
                                INVALID_VALUE: a bad padding block */
        return rc == ERROR_REVISION_MISMATCH || rc == SCARD_E_NO_KEY_CONTAINER ||
               rc == SCARD_E_INSUFFICIENT_BUFFER || rc == SCARD_E_INVALID_VALUE;
    case CH_FAP_CONSTRUCT_DH: /* NO_MEMORY of its own: checked against the agreements */
        return rc == ERROR_REVISION_MISMATCH || rc == SCARD_E_NO_KEY_CONTAINER;
    case CH_FAP_DERIVE_KEY:
        return rc == ERROR_REVISION_MISMATCH;
    case CH_FAP_UNBLOCK_PIN:
    case CH_FAP_CHANGE_AUTHENTICATOR:
    case CH_FAP_CHANGE_AUTHENTICATOR_EX:
        /* the same for the current PIN / PUK; INVALID_CHV: a new PIN breaking the rules */
        return rc == SCARD_W_WRONG_CHV || rc == SCARD_E_INVALID_CHV;
    default:
        return false;
    }
}

/* Codes of a refusal before any card I/O, beyond INVALID_PARAMETER / UNSUPPORTED_FEATURE. */
static bool own_refusal(ch_fap_op op, DWORD rc)
{
    switch (op) {
    case CH_FAP_GET_CONTAINER_INFO:
    case CH_FAP_GET_CONTAINER_PROPERTY:
    case CH_FAP_SET_CONTAINER_PROPERTY:
        return rc == SCARD_E_NO_KEY_CONTAINER || rc == SCARD_W_SECURITY_VIOLATION;
    case CH_FAP_READ_FILE:
    case CH_FAP_ENUM_FILES:
    case CH_FAP_GET_FILE_INFO:
        return rc == SCARD_E_FILE_NOT_FOUND || rc == SCARD_E_DIR_NOT_FOUND;
    case CH_FAP_SET_PROPERTY:
        return rc == SCARD_W_SECURITY_VIOLATION;
    default:
        return false;
    }
}

/* A structure whose dwVersion is above the current one is refused (docs/entry-points.md). */
static bool struct_refusal(ch_fap_op op, DWORD rc)
{
    return rc == ERROR_REVISION_MISMATCH &&
           (op == CH_FAP_QUERY_CAPABILITIES || op == CH_FAP_QUERY_FREE_SPACE ||
            op == CH_FAP_QUERY_KEY_SIZES || op == CH_FAP_GET_CONTAINER_INFO ||
            op == CH_FAP_GET_FILE_INFO || op == CH_FAP_GET_PROPERTY ||
            op == CH_FAP_GET_CONTAINER_PROPERTY);
}

/* ---------------------------------------------------------------------------------------
 * Argument helpers: every buffer is a heap block of exactly its size (ASan sees over-reads)
 * ------------------------------------------------------------------------------------- */
static void *exact(const void *src, size_t n)
{
    void *p = malloc(n ? n : 1);
    CH_CHECK(p != NULL, "out of memory");
    if (n)
        memcpy(p, src, n);
    return p;
}

static size_t wlen(const uint16_t *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static WCHAR *wdup(const uint16_t *s) { return s ? exact(s, (wlen(s) + 1) * sizeof(WCHAR)) : NULL; }
static char *sdup(const char *s) { return s ? exact(s, strlen(s) + 1) : NULL; }

static bool weq(const WCHAR *a, const char *b)
{
    size_t i = 0;
    if (!a)
        return false;
    for (; b[i]; i++)
        if (a[i] != (WCHAR)(unsigned char)b[i])
            return false;
    return a[i] == 0;
}

/* A caller's input buffer: a copy to compare with after the call. */
typedef struct inbuf {
    uint8_t *p;     /* passed (NULL when the finding passes NULL) */
    uint8_t *copy;
    size_t n;
} inbuf;

static void in_make(inbuf *b, const uint8_t *data, size_t n, bool null)
{
    b->n = n;
    b->p = null ? NULL : exact(data, n);
    b->copy = exact(data, n);
}

static void in_done(inbuf *b, const char *what)
{
    if (b->p)
        CH_CHECK(memcmp(b->p, b->copy, b->n) == 0, "%s written by the module", what);
    free(b->p);
    free(b->copy);
}

/* A buffer the module returned (pfnCspAlloc'd): check it is ours and free it. */
static void free_returned(const run *r, void *p)
{
    unsigned long errors = ch_host_alloc_errors();
    r->cd->pfnCspFree(p);
    CH_CHECK(ch_host_alloc_errors() == errors, "returned buffer %p is not a live CSP allocation",
             p);
}

/* cardid and CP_CARD_GUID: read once per context (docs/card-mapping.md), so every answer of
 * a context is the first one, until the card is reported removed. */
static void check_cardid(run *r, const uint8_t id[16])
{
    if (!r->cardid_known) {
        memcpy(r->cardid, id, 16);
        r->cardid_known = true;
        return;
    }
    CH_CHECK(memcmp(r->cardid, id, 16) == 0, "the card identifier changed within a context");
}

/* ---------------------------------------------------------------------------------------
 * Shapes of outputs
 * ------------------------------------------------------------------------------------- */
static DWORD rd32(const uint8_t *p)
{
    return (DWORD)p[0] | (DWORD)p[1] << 8 | (DWORD)p[2] << 16 | (DWORD)p[3] << 24;
}

/* A public key of CONTAINER_INFO: RSA PUBLICKEYBLOB or BCRYPT_ECCKEY_BLOB (public). */
static void check_key_blob(const uint8_t *p, DWORD n, bool keyex)
{
    CH_CHECK(n >= 8, "key blob of %u bytes", n);
    if (p[0] == PUBLICKEYBLOB) {
        DWORD bits;
        CH_CHECK(n >= 20 && p[1] == CUR_BLOB_VERSION, "RSA blob header");
        CH_CHECK(rd32(p + 4) == (keyex ? CALG_RSA_KEYX : CALG_RSA_SIGN) ||
                     rd32(p + 4) == CALG_RSA_KEYX || rd32(p + 4) == CALG_RSA_SIGN,
                 "RSA blob algorithm 0x%X", rd32(p + 4));
        CH_CHECK(rd32(p + 8) == CH_RSA1_MAGIC, "RSA blob magic 0x%08X", rd32(p + 8));
        bits = rd32(p + 12);
        CH_CHECK(bits >= 512 && bits <= 4096 && n == 20 + (bits + 7) / 8,
                 "RSA blob of %u bits in %u bytes", bits, n);
        CH_CHECK(rd32(p + 16) != 0, "RSA exponent 0");
        return;
    }
    DWORD magic = rd32(p), cb = rd32(p + 4);
    bool ok = (magic == BCRYPT_ECDSA_PUBLIC_P256_MAGIC || magic == BCRYPT_ECDH_PUBLIC_P256_MAGIC)
                  ? cb == 32
              : (magic == BCRYPT_ECDSA_PUBLIC_P384_MAGIC || magic == BCRYPT_ECDH_PUBLIC_P384_MAGIC)
                  ? cb == 48
                  : false;
    CH_CHECK(ok, "EC blob magic 0x%08X cbKey %u", magic, cb);
    CH_CHECK(n == 8 + 2 * cb, "EC blob of %u bytes for cbKey %u", n, cb);
}

/* CONTAINER_INFO of a successful call: at least one key, each blob well formed and a live
 * CSP allocation of its stated length; frees them. */
static void check_container_info(const run *r, CONTAINER_INFO *ci)
{
    CH_CHECK((ci->cbSigPublicKey == 0) == (ci->pbSigPublicKey == NULL), "signature key %u/%p",
             ci->cbSigPublicKey, (void *)ci->pbSigPublicKey);
    CH_CHECK((ci->cbKeyExPublicKey == 0) == (ci->pbKeyExPublicKey == NULL),
             "key exchange key %u/%p", ci->cbKeyExPublicKey, (void *)ci->pbKeyExPublicKey);
    CH_CHECK(ci->pbSigPublicKey || ci->pbKeyExPublicKey, "container without a key");
    if (ci->pbSigPublicKey) {
        check_key_blob(ci->pbSigPublicKey, ci->cbSigPublicKey, false);
        free_returned(r, ci->pbSigPublicKey);
    }
    if (ci->pbKeyExPublicKey) {
        check_key_blob(ci->pbKeyExPublicKey, ci->cbKeyExPublicKey, true);
        free_returned(r, ci->pbKeyExPublicKey);
    }
}

static bool name_is(const char *s, const char *want) { return s && strcmp(s, want) == 0; }

/* Whether dir/file is a file the CSP reads by that exact name. */
static bool root_file(const char *dir, const char *file, const char *want)
{
    return dir == NULL && name_is(file, want);
}

/* The content of a file the module returned. */
static void check_file(const char *dir, const char *file, const uint8_t *p, DWORD n)
{
    if (root_file(dir, file, "cardid")) {
        CH_CHECK(n == 16, "cardid of %u bytes", n);
    } else if (root_file(dir, file, "cardcf")) {
        CH_CHECK(n >= 6 && n <= 64, "cardcf of %u bytes", n); /* card-mapping.md */
    } else if (root_file(dir, file, "cardapps")) {
        CH_CHECK(n >= 8 && n % 8 == 0, "cardapps of %u bytes", n);
        CH_CHECK(memcmp(p, "mscp\0\0\0\0", 8) == 0, "cardapps does not list mscp");
    } else if (name_is(dir, "mscp") && name_is(file, "cmapfile")) {
        unsigned defaults = 0, valid = 0;
        CH_CHECK(n % sizeof(CONTAINER_MAP_RECORD) == 0, "cmapfile of %u bytes", n);
        CH_CHECK(n / sizeof(CONTAINER_MAP_RECORD) <= 24, "cmapfile of %u records",
                 (unsigned)(n / sizeof(CONTAINER_MAP_RECORD)));
        for (DWORD off = 0; off < n; off += (DWORD)sizeof(CONTAINER_MAP_RECORD)) {
            const uint8_t *rec = p + off;
            BYTE flags = rec[80];
            bool terminated = false;
            if (flags & CONTAINER_MAP_DEFAULT_CONTAINER) {
                defaults++;
                CH_CHECK(flags & CONTAINER_MAP_VALID_CONTAINER, "default record not valid");
            }
            if (!(flags & CONTAINER_MAP_VALID_CONTAINER))
                continue;
            valid++;
            for (size_t i = 0; i < 80; i += 2)
                if (rec[i] == 0 && rec[i + 1] == 0)
                    terminated = true;
            CH_CHECK(terminated, "container name without NUL in record %u",
                     (unsigned)(off / sizeof(CONTAINER_MAP_RECORD)));
        }
        /* card-mapping.md: exactly one valid record is the default when any is valid */
        CH_CHECK(valid ? defaults == 1 : defaults == 0, "%u default containers of %u valid",
                 defaults, valid);
    } else if (name_is(dir, "mscp") && file && strlen(file) == 5 &&
               (strncmp(file, "ksc", 3) == 0 || strncmp(file, "kxc", 3) == 0)) {
        CH_CHECK(n > 0 && p[0] == 0x30, "certificate file is not DER (%u bytes)", n);
    }
}

/* CardEnumFiles' multi-string: names of 1..8 printable characters, double-NUL terminated
 * exactly at its length (an empty list is one NUL, or two). */
static void check_multi_sz(const char *m, DWORD n)
{
    DWORD i = 0;
    CH_CHECK(n >= 1 && m[n - 1] == 0, "file list of %u bytes not NUL-terminated", n);
    if (n == 1 || (n == 2 && m[0] == 0))
        return;
    CH_CHECK(n >= 3 && m[n - 2] == 0, "file list not double-NUL terminated");
    while (i < n - 1) {
        DWORD start = i;
        while (m[i]) {
            CH_CHECK(m[i] > 0x20 && m[i] < 0x7F, "file list byte 0x%02X", (unsigned char)m[i]);
            i++;
        }
        CH_CHECK(i - start >= 1 && i - start <= 8, "file name of %u characters", i - start);
        i++;
    }
}

/* The value of a property of fixed shape. */
static void check_property(const run *r, const WCHAR *prop, const uint8_t *p, DWORD n,
                           DWORD flags)
{
    if (weq(prop, "PIN Information")) {
        PIN_INFO pi;
        CH_CHECK(n == sizeof pi, "PIN_INFO of %u bytes", n);
        memcpy(&pi, p, sizeof pi);
        CH_CHECK(pi.dwVersion == PIN_INFO_CURRENT_VERSION, "PIN_INFO version %u", pi.dwVersion);
        CH_CHECK((DWORD)pi.PinType <= EmptyPinType, "PinType %u", (DWORD)pi.PinType);
        CH_CHECK((DWORD)pi.PinPurpose <= UnblockOnlyPin, "PinPurpose %u", (DWORD)pi.PinPurpose);
        CH_CHECK(pi.PinCachePolicy.dwVersion == PIN_CACHE_POLICY_CURRENT_VERSION &&
                     (DWORD)pi.PinCachePolicy.PinCachePolicyType <= PinCacheAlwaysPrompt,
                 "PIN cache policy");
        CH_CHECK(pi.dwChangePermission <= 0xFF && pi.dwUnblockPermission <= 0xFF,
                 "permissions beyond MAX_PINS");
    } else if (weq(prop, "Card Identifier")) {
        CH_CHECK(n == 16, "card GUID of %u bytes", n);
    } else if (weq(prop, "Cache Mode")) {
        CH_CHECK(n == 4 && rd32(p) >= 1 && rd32(p) <= 3, "cache mode");
    } else if (weq(prop, "Read Only Mode") || weq(prop, "Supports Windows x.509 Enrollment")) {
        CH_CHECK(n == 4 && rd32(p) <= 1, "BOOL property of %u bytes", n);
    } else if (weq(prop, "PIN List") || weq(prop, "Authenticated State")) {
        CH_CHECK(n == 4 && rd32(p) <= 0xFF, "PIN_SET property");
    } else if (weq(prop, "PIN Strength Verify") || weq(prop, "PIN Strength Change") ||
               weq(prop, "PIN Strength Unblock")) {
        CH_CHECK(n == 4 && rd32(p) != 0 && rd32(p) <= 3, "PIN strength");
    } else if (weq(prop, "Free Space")) {
        CH_CHECK(n == sizeof(CARD_FREE_SPACE_INFO), "free space of %u bytes", n);
    } else if (weq(prop, "Capabilities")) {
        CH_CHECK(n == sizeof(CARD_CAPABILITIES), "capabilities of %u bytes", n);
    } else if (weq(prop, "Key Sizes")) {
        CARD_KEY_SIZES ks;
        CH_CHECK(n == sizeof ks, "key sizes of %u bytes", n);
        memcpy(&ks, p, sizeof ks);
        CH_CHECK(ks.dwMinimumBitlen <= ks.dwDefaultBitlen &&
                     ks.dwDefaultBitlen <= ks.dwMaximumBitlen,
                 "key sizes %u/%u/%u", ks.dwMinimumBitlen, ks.dwDefaultBitlen,
                 ks.dwMaximumBitlen);
    } else if (weq(prop, "Container Info")) {
        CONTAINER_INFO ci;
        CH_CHECK(n == sizeof ci, "container info of %u bytes", n);
        memcpy(&ci, p, sizeof ci);
        check_container_info(r, &ci);
    } else if (weq(prop, "PIN Identifier")) {
        CH_CHECK(n == 4 && rd32(p) < MAX_PINS, "container PIN id");
    }
    (void)flags;
}

/* Names the module must refuse before any card I/O. */
static bool bad_name(const char *s) { return s && strlen(s) > 8; }

static bool bad_user(const WCHAR *u)
{
    return !u || u[0] == 0 || weq(u, "useruser") || wlen(u) > 100;
}

static bool known_card_prop(const WCHAR *p)
{
    static const char *const names[] = {
        "PIN Information", "Card Identifier", "Card Serial Number", "Cache Mode",
        "Read Only Mode", "Supports Windows x.509 Enrollment", "PIN List",
        "Authenticated State", "PIN Strength Verify", "PIN Strength Change",
        "PIN Strength Unblock", "Free Space", "Capabilities", "Key Sizes", "Parent Window",
        "PIN Context String", "Key Import Support", "Algorithms", "Padding Schemes",
        "Chaining Modes"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (weq(p, names[i]))
            return true;
    return false;
}

static bool readonly_card_prop(const WCHAR *p)
{
    return weq(p, "Free Space") || weq(p, "Capabilities") || weq(p, "Key Sizes") ||
           weq(p, "PIN List") || weq(p, "Authenticated State") ||
           weq(p, "PIN Strength Verify") || weq(p, "PIN Strength Change") ||
           weq(p, "PIN Strength Unblock");
}

static bool known_container_prop(const WCHAR *p)
{
    return weq(p, "Container Info") || weq(p, "PIN Identifier") ||
           weq(p, "Associated ECDH Key");
}

/* ---------------------------------------------------------------------------------------
 * Context life
 * ------------------------------------------------------------------------------------- */
static void snapshot(run *r) { memcpy(r->snap, r->cd, r->h.cd_size); }

static bool acquire(run *r)
{
    unsigned long live = ch_host_alloc_live();
    unsigned before = r->exchanges(r->ex_ctx);
    DWORD rc;

    snapshot(r);
    rc = CardAcquireContext(r->cd, 0);
    ch_trace_call("CardAcquireContext", "", rc);
    if (rc != SCARD_S_SUCCESS) {
        CH_CHECK(rc == SCARD_E_UNKNOWN_CARD || rc == SCARD_E_COMM_DATA_LOST ||
                     rc == SCARD_W_RESET_CARD || rc == SCARD_W_REMOVED_CARD ||
                     rc == SCARD_E_INSUFFICIENT_BUFFER ||
                     (r->env->transport_code && r->env->transport_code(r->ex_ctx, rc)) ||
                     (rc == SCARD_E_NO_MEMORY && r->fail_abs &&
                      ch_host_alloc_count() >= r->fail_abs),
                 "CardAcquireContext: 0x%08X", rc);
        CH_CHECK(rc == SCARD_E_NO_MEMORY || r->exchanges(r->ex_ctx) > before,
                 "card error 0x%08X without an APDU", rc);
        CH_CHECK(memcmp(r->snap, r->cd, r->h.cd_size) == 0, "failed acquire changed CARD_DATA");
        CH_CHECK(ch_host_alloc_live() == live, "failed acquire left allocations");
        return false;
    }
    CH_CHECK(r->cd->dwVersion == r->version, "negotiated %u, asked %u", r->cd->dwVersion,
             r->version);
    CH_CHECK(r->cd->pvVendorSpecific != NULL, "no context");
    r->alive = true;
    r->agreed = 0; /* a new context holds no agreement */
    snapshot(r);
    return true;
}

static void delete_context(run *r)
{
    DWORD rc = r->cd->pfnCardDeleteContext(r->cd);
    ch_trace_call("CardDeleteContext", "", rc);
    CH_CHECK(rc == SCARD_S_SUCCESS, "CardDeleteContext: 0x%08X", rc);
    CH_CHECK(r->cd->pvVendorSpecific == NULL, "context pointer left behind");
    CH_CHECK(ch_host_alloc_live() == 0, "%zu CSP allocations live after CardDeleteContext",
             ch_host_alloc_live());
    CH_CHECK(ch_host_alloc_errors() == 0, "double or foreign free");
    r->alive = false;
    r->cardid_known = false;
}

/* ---------------------------------------------------------------------------------------
 * One call
 * ------------------------------------------------------------------------------------- */
/* Outputs the caller owns, pre-filled with PAT; compared after a failure. */
typedef struct outs {
    PBYTE pb;
    DWORD cb;
    LPSTR msz;
    DWORD attempts;
    PBYTE session;
    DWORD cb_session;
    DWORD data_len;
    CARD_CAPABILITIES caps;
    CARD_FREE_SPACE_INFO fs;
    CARD_KEY_SIZES ks;
    CONTAINER_INFO ci;
    CARD_FILE_INFO fi;
} outs;

/* The arguments of a call that a reader of a finding needs, for mdreplay show (trace.h). */
static void trace_call(const ch_fap_call *c, DWORD rc, unsigned apdus)
{
    char d[400];
    int n = snprintf(d, sizeof d, "%sflags=0x%X", c->null_card_data ? "pCardData=NULL " : "",
                     c->flags);
    size_t k = n > 0 ? (size_t)n : 0;

#define ADD(...)                                                                             \
    do {                                                                                     \
        if (k < sizeof d) {                                                                  \
            n = snprintf(d + k, sizeof d - k, __VA_ARGS__);                                  \
            k += n > 0 ? (size_t)n : 0;                                                      \
        }                                                                                    \
    } while (0)
    if (c->file)
        ADD(" file=%s%s%s", c->dir ? c->dir : "", c->dir ? "/" : "", c->file);
    if (c->op == CH_FAP_GET_CONTAINER_INFO || (c->op >= CH_FAP_CREATE_CONTAINER &&
                                               c->op <= CH_FAP_DELETE_CONTAINER) ||
        c->op == CH_FAP_GET_CONTAINER_PROPERTY || c->op == CH_FAP_SET_CONTAINER_PROPERTY ||
        c->op == CH_FAP_SIGN_DATA || c->op == CH_FAP_RSA_DECRYPT ||
        c->op == CH_FAP_CONSTRUCT_DH)
        ADD(" container=%u", c->container);
    if (c->op >= CH_FAP_GET_CHALLENGE_EX && c->op <= CH_FAP_DEAUTHENTICATE_EX)
        ADD(" pin_id=%u", c->pin_id);
    if (c->nulls)
        ADD(" null_mask=0x%02X", c->nulls);
    if (c->data1)
        ADD(" data1=%zu bytes", c->data1_len);
    if (c->data2)
        ADD(" data2=%zu bytes", c->data2_len);
    ADD(" (%u APDUs)", apdus);
#undef ADD
    ch_trace_call(ch_fap_op_name(c->op), d, rc);
}

/* What every call ends with: the card identifier forgotten after a removal, CARD_DATA
 * unchanged, the result reported. */
static void finish_call(run *r, const ch_fap_call *call, DWORD rc, unsigned ex_before)
{
    if (rc == SCARD_W_REMOVED_CARD)
        r->cardid_known = false; /* whatever answers next is not known to be this card */
    CH_CHECK(memcmp(r->snap, r->cd, r->h.cd_size) == 0, "%s changed CARD_DATA",
             ch_fap_op_name(call->op));
    if (r->result)
        r->result(r->res_ctx, call, rc);
    if (ch_trace_on())
        trace_call(call, rc, r->exchanges(r->ex_ctx) - ex_before);
}

static void key_call(run *r, const ch_fap_call *call);

static void call_once(run *r, const ch_fap_call *call)
{
    PCARD_DATA cd = call->null_card_data ? NULL : r->cd;
    uint8_t n = call->nulls;
    outs o, o0;
    inbuf in1 = {0}, in2 = {0};
    uint8_t *prop_buf = NULL, *prop_copy = NULL;
    char *dir = sdup(call->dir), *file = sdup(call->file);
    WCHAR *user = wdup(call->user), *prop = wdup(call->prop);
    unsigned ex_before = r->exchanges(r->ex_ctx);
    unsigned long allocs_before = ch_host_alloc_count();
    bool refuse = call->null_card_data;
    bool attempts_may_change = false, len_may_change = false;
    DWORD rc = SCARD_S_SUCCESS;

    if (call->op >= CH_FAP_CREATE_CONTAINER) { /* ops 22..31: their own section below */
        free(dir);
        free(file);
        free(user);
        free(prop);
        key_call(r, call);
        return;
    }
    memset(&o, PAT, sizeof o);
    o.caps.dwVersion = o.fs.dwVersion = o.ks.dwVersion = o.ci.dwVersion = o.fi.dwVersion =
        call->struct_version;
    memcpy(&o0, &o, sizeof o);
    in_make(&in1, call->data1, call->data1_len, (n & 1u) != 0);
    in_make(&in2, call->data2, call->data2_len, (n & 2u) != 0);

    switch (call->op) {
    case CH_FAP_QUERY_CAPABILITIES:
        refuse |= (n & 4u) != 0;
        rc = r->cd->pfnCardQueryCapabilities(cd, (n & 4u) ? NULL : &o.caps);
        if (rc == SCARD_S_SUCCESS)
            CH_CHECK((DWORD)o.caps.fCertificateCompression <= 1 && (DWORD)o.caps.fKeyGen <= 1,
                     "capabilities BOOLs %d %d", o.caps.fCertificateCompression, o.caps.fKeyGen);
        break;
    case CH_FAP_QUERY_FREE_SPACE:
        refuse |= (n & 4u) != 0 || call->flags != 0;
        rc = r->cd->pfnCardQueryFreeSpace(cd, call->flags, (n & 4u) ? NULL : &o.fs);
        if (rc == SCARD_S_SUCCESS)
            CH_CHECK(o.fs.dwKeyContainersAvailable == CARD_DATA_VALUE_UNKNOWN ||
                         o.fs.dwMaxKeyContainers == CARD_DATA_VALUE_UNKNOWN ||
                         o.fs.dwKeyContainersAvailable <= o.fs.dwMaxKeyContainers,
                     "%u containers available of %u", o.fs.dwKeyContainersAvailable,
                     o.fs.dwMaxKeyContainers);
        break;
    case CH_FAP_QUERY_KEY_SIZES:
        refuse |= (n & 4u) != 0 || call->flags != 0 || call->key_spec == 0 ||
                  call->key_spec > AT_ECDHE_P521;
        rc = r->cd->pfnCardQueryKeySizes(cd, call->key_spec, call->flags,
                                         (n & 4u) ? NULL : &o.ks);
        if (rc == SCARD_S_SUCCESS)
            CH_CHECK(o.ks.dwMinimumBitlen <= o.ks.dwDefaultBitlen &&
                         o.ks.dwDefaultBitlen <= o.ks.dwMaximumBitlen &&
                         o.ks.dwMinimumBitlen > 0,
                     "key sizes %u/%u/%u", o.ks.dwMinimumBitlen, o.ks.dwDefaultBitlen,
                     o.ks.dwMaximumBitlen);
        break;
    case CH_FAP_GET_CONTAINER_INFO:
        refuse |= (n & 4u) != 0 || call->flags != 0 || call->container >= 24;
        rc = r->cd->pfnCardGetContainerInfo(cd, call->container, call->flags,
                                            (n & 4u) ? NULL : &o.ci);
        if (rc == SCARD_S_SUCCESS)
            check_container_info(r, &o.ci);
        break;
    case CH_FAP_AUTHENTICATE_PIN:
        refuse |= bad_user(user) || (!in1.p && in1.n);
        attempts_may_change = true;
        rc = r->cd->pfnCardAuthenticatePin(cd, user, in1.p, (DWORD)in1.n,
                                           (n & 4u) ? NULL : &o.attempts);
        break;
    case CH_FAP_GET_CHALLENGE:
    case CH_FAP_GET_CHALLENGE_EX:
        refuse |= (n & 4u) != 0 || (n & 8u) != 0;
        if (call->op == CH_FAP_GET_CHALLENGE) {
            rc = r->cd->pfnCardGetChallenge(cd, (n & 4u) ? NULL : &o.pb,
                                            (n & 8u) ? NULL : &o.cb);
        } else {
            refuse |= call->flags != 0 || call->pin_id >= MAX_PINS;
            rc = r->cd->pfnCardGetChallengeEx(cd, call->pin_id, (n & 4u) ? NULL : &o.pb,
                                              (n & 8u) ? NULL : &o.cb, call->flags);
        }
        if (rc == SCARD_S_SUCCESS) {
            CH_CHECK(o.pb != NULL && (o.cb == 8 || o.cb == 16), "challenge %p of %u bytes",
                     (void *)o.pb, o.cb);
            free_returned(r, o.pb);
        }
        break;
    case CH_FAP_AUTHENTICATE_CHALLENGE:
        refuse |= !in1.p;
        attempts_may_change = true;
        rc = r->cd->pfnCardAuthenticateChallenge(cd, in1.p, (DWORD)in1.n,
                                                 (n & 4u) ? NULL : &o.attempts);
        break;
    case CH_FAP_UNBLOCK_PIN:
        refuse |= bad_user(user) || (!in1.p && in1.n) || (!in2.p && in2.n);
        rc = r->cd->pfnCardUnblockPin(cd, user, in1.p, (DWORD)in1.n, in2.p, (DWORD)in2.n,
                                      call->retry, call->flags);
        break;
    case CH_FAP_CHANGE_AUTHENTICATOR:
        refuse |= bad_user(user) || (!in1.p && in1.n) || (!in2.p && in2.n);
        attempts_may_change = true;
        rc = r->cd->pfnCardChangeAuthenticator(cd, user, in1.p, (DWORD)in1.n, in2.p,
                                               (DWORD)in2.n, call->retry, call->flags,
                                               (n & 4u) ? NULL : &o.attempts);
        break;
    case CH_FAP_DEAUTHENTICATE:
        refuse |= bad_user(user);
        rc = r->cd->pfnCardDeauthenticate(cd, user, call->flags);
        break;
    case CH_FAP_READ_FILE:
        refuse |= !file || bad_name(dir) || bad_name(file) || (n & 4u) || (n & 8u) ||
                  call->flags != 0;
        rc = r->cd->pfnCardReadFile(cd, dir, file, call->flags, (n & 4u) ? NULL : &o.pb,
                                    (n & 8u) ? NULL : &o.cb);
        if (rc == SCARD_S_SUCCESS) {
            CH_CHECK(o.cb == 0 || o.pb != NULL, "file of %u bytes at NULL", o.cb);
            check_file(call->dir, call->file, o.pb, o.cb);
            if (root_file(call->dir, call->file, "cardid"))
                check_cardid(r, o.pb);
            if (o.pb)
                free_returned(r, o.pb);
        }
        break;
    case CH_FAP_ENUM_FILES:
        refuse |= bad_name(dir) || (n & 4u) || (n & 8u) || call->flags != 0;
        rc = r->cd->pfnCardEnumFiles(cd, dir, (n & 4u) ? NULL : &o.msz,
                                     (n & 8u) ? NULL : &o.cb, call->flags);
        if (rc == SCARD_S_SUCCESS) {
            CH_CHECK(o.msz != NULL, "no file list");
            check_multi_sz(o.msz, o.cb);
            free_returned(r, o.msz);
        }
        break;
    case CH_FAP_GET_FILE_INFO:
        refuse |= !file || bad_name(dir) || bad_name(file) || (n & 4u);
        rc = r->cd->pfnCardGetFileInfo(cd, dir, file, (n & 4u) ? NULL : &o.fi);
        if (rc == SCARD_S_SUCCESS) {
            CH_CHECK((DWORD)o.fi.AccessCondition >= 1 && (DWORD)o.fi.AccessCondition <= 6,
                     "access condition %u", (DWORD)o.fi.AccessCondition);
            if (root_file(call->dir, call->file, "cardid"))
                CH_CHECK(o.fi.cbFileSize == 16, "cardid of %u bytes", o.fi.cbFileSize);
            if (root_file(call->dir, call->file, "cardcf"))
                CH_CHECK(o.fi.cbFileSize >= 6 && o.fi.cbFileSize <= 64, "cardcf of %u bytes",
                         o.fi.cbFileSize);
        }
        break;
    case CH_FAP_AUTHENTICATE_EX: {
        bool gen = (call->flags & CARD_AUTHENTICATE_GENERATE_SESSION_PIN) != 0;
        refuse |= call->pin_id == ROLE_EVERYONE || call->pin_id >= MAX_PINS ||
                  (!in1.p && in1.n) || call->flags == 0xFFFFFFFFu ||
                  (gen && ((n & 4u) || (n & 8u)));
        attempts_may_change = true;
        rc = r->cd->pfnCardAuthenticateEx(cd, call->pin_id, call->flags, in1.p, (DWORD)in1.n,
                                          (n & 4u) ? NULL : &o.session,
                                          (n & 8u) ? NULL : &o.cb_session,
                                          (n & 16u) ? NULL : &o.attempts);
        if (rc == SCARD_S_SUCCESS && gen) {
            CH_CHECK(o.session != NULL && o.cb_session > 0, "no session PIN");
            free_returned(r, o.session);
            o.session = o0.session;
            o.cb_session = o0.cb_session;
        }
        if (rc == SCARD_S_SUCCESS)
            CH_CHECK(memcmp(&o.session, &o0.session, sizeof o.session) == 0 &&
                         o.cb_session == o0.cb_session,
                     "session PIN written without GENERATE_SESSION_PIN");
        break;
    }
    case CH_FAP_CHANGE_AUTHENTICATOR_EX:
        refuse |= call->pin_id >= MAX_PINS || call->target_pin_id >= MAX_PINS ||
                  (call->flags != PIN_CHANGE_FLAG_UNBLOCK &&
                   call->flags != PIN_CHANGE_FLAG_CHANGEPIN) ||
                  (!in1.p && in1.n) || (!in2.p && in2.n);
        attempts_may_change = true;
        rc = r->cd->pfnCardChangeAuthenticatorEx(cd, call->flags, call->pin_id, in1.p,
                                                 (DWORD)in1.n, call->target_pin_id, in2.p,
                                                 (DWORD)in2.n, call->retry,
                                                 (n & 4u) ? NULL : &o.attempts);
        break;
    case CH_FAP_DEAUTHENTICATE_EX:
        rc = r->cd->pfnCardDeauthenticateEx(cd, call->pin_set, call->flags);
        break;
    case CH_FAP_GET_PROPERTY:
    case CH_FAP_GET_CONTAINER_PROPERTY: {
        bool container = call->op == CH_FAP_GET_CONTAINER_PROPERTY;
        prop_buf = (n & 4u) ? NULL : malloc(call->buf_size ? call->buf_size : 1);
        prop_copy = malloc(call->buf_size ? call->buf_size : 1);
        CH_CHECK(prop_copy && ((n & 4u) || prop_buf), "out of memory");
        /* The caller's buffer: the record's data first (a structure property's dwVersion is
         * read from it), the pattern after. */
        memset(prop_copy, PAT, call->buf_size);
        if (call->data1)
            memcpy(prop_copy, call->data1,
                   call->data1_len < call->buf_size ? call->data1_len : call->buf_size);
        if (prop_buf)
            memcpy(prop_buf, prop_copy, call->buf_size);
        refuse |= !prop || (n & 8u) || (!prop_buf && call->buf_size) ||
                  (container ? !known_container_prop(prop)
                             : (!known_card_prop(prop) || weq(prop, "Parent Window") ||
                                weq(prop, "PIN Context String")));
        if (container)
            refuse |= call->container >= 24;
        len_may_change = true;
        rc = container ? r->cd->pfnCardGetContainerProperty(cd, call->container, prop, prop_buf,
                                                             call->buf_size,
                                                             (n & 8u) ? NULL : &o.data_len,
                                                             call->flags)
                       : r->cd->pfnCardGetProperty(cd, prop, prop_buf, call->buf_size,
                                                   (n & 8u) ? NULL : &o.data_len, call->flags);
        if (rc == SCARD_S_SUCCESS) {
            CH_CHECK(o.data_len <= call->buf_size, "property of %u bytes in a buffer of %u",
                     o.data_len, call->buf_size);
            CH_CHECK(prop_buf || o.data_len == 0, "property written to NULL");
            check_property(r, prop, prop_buf, o.data_len, call->flags);
            if (!container && weq(prop, "Card Identifier"))
                check_cardid(r, prop_buf);
        } else {
            if (prop_buf)
                CH_CHECK(memcmp(prop_buf, prop_copy, call->buf_size) == 0,
                         "failed property getter (0x%08X) wrote its buffer", rc);
            if (rc == ERROR_INSUFFICIENT_BUFFER && o.data_len != o0.data_len)
                CH_CHECK(o.data_len > call->buf_size, "short buffer %u but needs %u",
                         call->buf_size, o.data_len);
        }
        break;
    }
    case CH_FAP_SET_PROPERTY:
        refuse |= !prop || (!in1.p && in1.n) || !known_card_prop(prop) ||
                  readonly_card_prop(prop);
        rc = r->cd->pfnCardSetProperty(cd, prop, in1.p, (DWORD)in1.n, call->flags);
        break;
    case CH_FAP_SET_CONTAINER_PROPERTY:
        refuse |= !prop || (!in1.p && in1.n) || !known_container_prop(prop) ||
                  weq(prop, "Container Info") || call->container >= 24;
        rc = r->cd->pfnCardSetContainerProperty(cd, call->container, prop, in1.p,
                                                (DWORD)in1.n, call->flags);
        break;
    default: /* REACQUIRE: run_calls; ops 22..31: key_call */
        break;
    }

    /* The return value. */
    {
        unsigned exchanged = r->exchanges(r->ex_ctx) - ex_before;
        bool ok = rc == SCARD_S_SUCCESS || rc == SCARD_E_INVALID_PARAMETER ||
                  rc == SCARD_E_UNSUPPORTED_FEATURE || own_code(call->op, rc) ||
                  (rc == SCARD_E_NO_MEMORY && r->fail_abs &&
                   ch_host_alloc_count() >= r->fail_abs) ||
                  (exchanged > 0 && card_code(r, rc));
        CH_CHECK(ok, "%s returned 0x%08X (%u APDUs)", ch_fap_op_name(call->op), rc, exchanged);
        if (refuse) {
            CH_CHECK(rc == SCARD_E_INVALID_PARAMETER || rc == SCARD_E_UNSUPPORTED_FEATURE ||
                         own_refusal(call->op, rc) || struct_refusal(call->op, rc),
                     "%s: invalid parameters got 0x%08X", ch_fap_op_name(call->op), rc);
            CH_CHECK(exchanged == 0, "%s: %u APDUs before the parameters passed",
                     ch_fap_op_name(call->op), exchanged);
            CH_CHECK(ch_host_alloc_count() == allocs_before, "%s: allocated before the "
                     "parameters passed", ch_fap_op_name(call->op));
        }
    }

    /* Caller-owned outputs untouched by a failure. */
    if (rc != SCARD_S_SUCCESS) {
        if (attempts_may_change && (rc == SCARD_W_WRONG_CHV || rc == SCARD_W_CHV_BLOCKED)) {
            CH_CHECK(o.attempts == o0.attempts || o.attempts <= 15 ||
                         o.attempts == CARD_DATA_VALUE_UNKNOWN,
                     "attempts remaining %u", o.attempts);
            CH_CHECK(rc != SCARD_W_CHV_BLOCKED || o.attempts == o0.attempts || o.attempts == 0,
                     "blocked with %u attempts remaining", o.attempts);
            o.attempts = o0.attempts;
        }
        if (len_may_change && rc == ERROR_INSUFFICIENT_BUFFER)
            o.data_len = o0.data_len;
        CH_CHECK(memcmp(&o, &o0, sizeof o) == 0, "%s failed (0x%08X) but wrote an output",
                 ch_fap_op_name(call->op), rc);
    }

    finish_call(r, call, rc, ex_before);
    in_done(&in1, "input buffer");
    in_done(&in2, "second input buffer");
    free(prop_buf);
    free(prop_copy);
    free(dir);
    free(file);
    free(user);
    free(prop);
}

/* ---------------------------------------------------------------------------------------
 * Ops 22..31: containers, writes, signing, decryption, ECDH (docs/entry-points.md "Keys",
 * "Writes", "Signing, decryption, ECDH"). Each call's card-free refusals are predicted here
 * (apdu_model.c for the key blob, the peer key and the KDF parameters) and must come with no
 * APDU and no allocation; where the contract gives no order between two failed checks, either
 * result is right.
 * ------------------------------------------------------------------------------------- */
typedef struct expect {
    DWORD code[8];
    unsigned n;
} expect;

static void expect_if(expect *e, bool cond, DWORD code)
{
    if (cond && e->n < sizeof e->code / sizeof e->code[0])
        e->code[e->n++] = code;
}

static bool expected(const expect *e, DWORD rc)
{
    for (unsigned i = 0; i < e->n; i++)
        if (e->code[i] == rc)
            return true;
    return false;
}

/* The file system's names, as docs/card-mapping.md "Files" spells them. */
typedef enum { FK_ERROR, FK_CARDID, FK_CARDCF, FK_CARDAPPS, FK_CMAPFILE, FK_CERT } file_kind;

static int lower_hex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static file_kind resolve_name(const char *dir, const char *file, DWORD *err)
{
    if (dir && !dir[0])
        dir = NULL; /* "" is the root */
    *err = SCARD_E_INVALID_PARAMETER;
    if (!file || !file[0] || strlen(file) > 8 || (dir && strlen(dir) > 8))
        return FK_ERROR;
    *err = SCARD_E_FILE_NOT_FOUND;
    if (!dir)
        return name_is(file, "cardid")   ? FK_CARDID
               : name_is(file, "cardcf") ? FK_CARDCF
               : name_is(file, "cardapps") ? FK_CARDAPPS
                                           : FK_ERROR;
    if (strcmp(dir, "mscp") != 0) {
        *err = SCARD_E_DIR_NOT_FOUND;
        return FK_ERROR;
    }
    if (name_is(file, "cmapfile"))
        return FK_CMAPFILE;
    if (strlen(file) == 5 && file[0] == 'k' && (file[1] == 's' || file[1] == 'x') &&
        file[2] == 'c' && lower_hex(file[3]) >= 0 && lower_hex(file[4]) >= 0 &&
        lower_hex(file[3]) * 16 + lower_hex(file[4]) < 24)
        return FK_CERT;
    return FK_ERROR;
}

static bool keyspec_known(DWORD spec)
{
    return spec == AT_KEYEXCHANGE || spec == AT_SIGNATURE ||
           (spec >= AT_ECDSA_P256 && spec <= AT_ECDHE_P521);
}

/* The shape of a cmapfile the CSP writes, checked before any APDU (entry-points.md "Writes"):
 * whole 86-byte records, at most one default and only on a valid record, a valid record's
 * name terminated within its 40 units and not empty, one key size per record (sig or kx),
 * valid records only in the first 24 (else WRITE_TOO_MANY). The module stops at the first
 * bad record; every record's refusal is a right answer here. */
static void cmapfile_refusals(const uint8_t *p, size_t len, expect *e)
{
    unsigned defaults = 0;

    if (len % sizeof(CONTAINER_MAP_RECORD)) {
        expect_if(e, true, SCARD_E_INVALID_PARAMETER);
        return;
    }
    for (size_t off = 0; off < len; off += sizeof(CONTAINER_MAP_RECORD)) {
        const uint8_t *rec = p + off;
        bool valid = (rec[80] & CONTAINER_MAP_VALID_CONTAINER) != 0, terminated = false;
        if (rec[80] & CONTAINER_MAP_DEFAULT_CONTAINER)
            expect_if(e, !valid || ++defaults > 1, SCARD_E_INVALID_PARAMETER);
        if (!valid)
            continue;
        for (size_t i = 0; i < 80; i += 2)
            terminated = terminated || (rec[i] == 0 && rec[i + 1] == 0);
        expect_if(e, !terminated || (rec[0] == 0 && rec[1] == 0) ||
                         ((rec[82] || rec[83]) && (rec[84] || rec[85])),
                  SCARD_E_INVALID_PARAMETER);
        expect_if(e, off / sizeof(CONTAINER_MAP_RECORD) >= 24, SCARD_E_WRITE_TOO_MANY);
    }
}

/* The PIN of a container's key (docs/card-mapping.md): 9C (index 1) its own sign PIN, 9E
 * (index 3) none, the others the PIV PIN. */
static DWORD container_pin(BYTE idx)
{
    return idx == 1 ? 3u : idx == 3 ? ROLE_EVERYONE : ROLE_USER;
}

/* CardCreateContainerEx's checks before the card, in the documented order (entry-points.md
 * "Keys", 1..8): the one result they give, SCARD_S_SUCCESS when they pass. */
static DWORD create_verdict(const ch_fap_call *call, DWORD pin, const uint8_t *blob,
                            size_t blob_len, const char **why)
{
    DWORD spec = call->key_spec, size = call->key_size;
    bool rsa = spec == AT_KEYEXCHANGE || spec == AT_SIGNATURE;
    bool p256 = spec == AT_ECDSA_P256 || spec == AT_ECDHE_P256;
    bool p384 = spec == AT_ECDSA_P384 || spec == AT_ECDHE_P384;

    *why = "argument";
    if (call->flags != CARD_CREATE_CONTAINER_KEY_GEN &&
        call->flags != CARD_CREATE_CONTAINER_KEY_IMPORT)
        return SCARD_E_INVALID_PARAMETER;
    if (!keyspec_known(spec))
        return SCARD_E_INVALID_PARAMETER;
    if (!(rsa ? (size == 0 || size == 1024 || size == 2048 || size == 3072 || size == 4096)
              : p256 ? (size == 0 || size == 256)
              : p384 ? (size == 0 || size == 384)
                     : false))
        return SCARD_E_UNSUPPORTED_FEATURE; /* P-521 or a size PIV does not hold */
    if (pin == ROLE_ADMIN)
        return SCARD_W_SECURITY_VIOLATION;
    if (call->container >= 24)
        return SCARD_E_NO_KEY_CONTAINER;
    if (pin >= MAX_PINS || (pin != ROLE_USER && pin != container_pin(call->container)))
        return SCARD_E_INVALID_PARAMETER;
    if (call->flags == CARD_CREATE_CONTAINER_KEY_GEN)
        return SCARD_S_SUCCESS;
    if (!blob)
        return SCARD_E_INVALID_PARAMETER;
    return ch_fapm_blob_verdict(blob, blob_len, spec, size, why);
}

/* ---- the CSP's padding callback (CardSignData with CARD_PADDING_PSS) ---- */
static struct {
    uint8_t mode;                   /* CH_FAP_PAD_* */
    const CARD_SIGNING_INFO *info;  /* the structure of the call in progress */
    unsigned calls;
    DWORD width, returned;          /* cbMaxWidth of the last call, what it returned */
} padcb;

static DWORD WINAPI csp_pad(PCARD_SIGNING_INFO si, DWORD width, DWORD *pcb, PBYTE *ppb)
{
    DWORD n = width + (padcb.mode == CH_FAP_PAD_LONG ? 1u : 0u);
    PBYTE b;

    padcb.calls++;
    padcb.width = width;
    CH_CHECK(si == padcb.info, "pfnCspPadData got another structure");
    CH_CHECK(width == 128 || width == 256 || width == 384 || width == 512,
             "pfnCspPadData asked for %u bytes", width);
    CH_CHECK(pcb && ppb, "pfnCspPadData without outputs");
    if (padcb.mode == CH_FAP_PAD_FAIL)
        return padcb.returned = SCARD_F_INTERNAL_ERROR;
    b = ch_host_alloc(n);
    if (!b)
        return padcb.returned = SCARD_E_NO_MEMORY; /* the injected failure */
    /* A PSS-shaped block below any modulus: 00, bytes of the hash, BC. */
    for (DWORD i = 0; i < n; i++)
        b[i] = (uint8_t)((si->cbData ? si->pbData[i % si->cbData] : 0u) ^ (i & 0xFFu));
    b[0] = 0x00;
    b[n - 1] = 0xBC;
    *pcb = n;
    *ppb = b;
    return padcb.returned = SCARD_S_SUCCESS;
}

/* The callback is a CARD_DATA member the CSP sets: set in the structure and its snapshot. */
static void set_pad(run *r, PFN_CSP_PAD_DATA fn)
{
    r->cd->pfnCspPadData = fn;
    memcpy(r->snap + offsetof(CARD_DATA, pfnCspPadData), &r->cd->pfnCspPadData,
           sizeof r->cd->pfnCspPadData);
}

/* The length of the signature of a key named by keyspec: 64 / 96 for ECDSA; the RSA modulus
 * length is one of PIV's four. */
static void check_signature_len(DWORD spec, DWORD n)
{
    if (spec == AT_ECDSA_P256 || spec == AT_ECDHE_P256)
        CH_CHECK(n == 64, "P-256 signature of %u bytes", n);
    else if (spec == AT_ECDSA_P384 || spec == AT_ECDHE_P384)
        CH_CHECK(n == 96, "P-384 signature of %u bytes", n);
    else
        CH_CHECK((spec == AT_KEYEXCHANGE || spec == AT_SIGNATURE) &&
                     (n == 128 || n == 256 || n == 384 || n == 512),
                 "keyspec %u signature of %u bytes", spec, n);
}

/* The hash length CardSignData's PKCS#1 block is made for (the data must have it), 0 when
 * it takes no DigestInfo (raw, PSS) or the hash is not one it knows (INVALID_PARAMETER). */
static size_t sign_hash_len(const ch_fap_call *call, const WCHAR *name)
{
    if (call->flags & CARD_PADDING_INFO_PRESENT) {
        if (call->pad_type != CARD_PADDING_PKCS1 || !name || (call->flags & CRYPT_NOHASHOID))
            return 0;
        return ch_fapm_hash_name_len(name);
    }
    if (call->hash_alg == 0 || (call->flags & CRYPT_NOHASHOID))
        return 0;
    return ch_fapm_calg_len(call->hash_alg);
}

/* Every padding info structure the CSP may pass, as one heap block per kind. */
typedef union pad_info {
    BCRYPT_PKCS1_PADDING_INFO pkcs1;
    BCRYPT_PSS_PADDING_INFO pss;
    BCRYPT_OAEP_PADDING_INFO oaep;
} pad_info;

static size_t pad_info_size(DWORD type)
{
    return type == CARD_PADDING_PSS    ? sizeof(BCRYPT_PSS_PADDING_INFO)
           : type == CARD_PADDING_OAEP ? sizeof(BCRYPT_OAEP_PADDING_INFO)
                                       : sizeof(BCRYPT_PKCS1_PADDING_INFO);
}

/* The padding info of a call: the hash name (a heap copy) and, for OAEP, the label; the
 * pointer is NULL when the finding says so. `copy` keeps what was passed. */
static void *make_pad_info(const ch_fap_call *call, WCHAR *name, uint8_t *label,
                           size_t label_len, pad_info *copy)
{
    size_t n = pad_info_size(call->pad_type);
    void *p;

    memset(copy, 0, sizeof *copy);
    if (call->pad_type == CARD_PADDING_OAEP) {
        copy->oaep.pszAlgId = name;
        copy->oaep.pbLabel = label;
        copy->oaep.cbLabel = (ULONG)label_len;
    } else if (call->pad_type == CARD_PADDING_PSS) {
        copy->pss.pszAlgId = name;
        copy->pss.cbSalt = 32;
    } else {
        copy->pkcs1.pszAlgId = name;
    }
    if (call->null_pad_info)
        return NULL;
    p = exact(copy, n);
    return p;
}

/* The structure of the four private-key calls, allocated at exactly the size of its version
 * (v1 of CARD_SIGNING_INFO, CARD_RSA_DECRYPT_INFO, CARD_DERIVE_KEY ends before the v2
 * members), so ASan sees the module reading a member the CSP's version does not have. */
static void *make_struct(const void *full, size_t full_size, size_t v1_size, DWORD version,
                         size_t *size)
{
    *size = version <= 1 ? v1_size : full_size;
    return exact(full, *size);
}

typedef struct kdf_args {
    BCryptBuffer bufs[6];
    BCryptBufferDesc desc;
    uint8_t *mem[6];   /* each buffer's bytes (exact heap copies) */
    BCryptBuffer *arr; /* the array passed (heap, exact) */
    BCryptBufferDesc *list;
} kdf_args;

/* The parameter list of CardDeriveKey from the finding (finding.h "kdf_*"). */
static void kdf_make(const ch_fap_call *call, kdf_args *k)
{
    unsigned n = 0;

    memset(k, 0, sizeof *k);
    for (ULONG t = 0; t < 4; t++) {
        const uint8_t *src = NULL;
        size_t len = 0;
        if (!(call->kdf_buffers & (1u << t)))
            continue;
        switch (t) {
        case KDF_HASH_ALGORITHM: src = call->kdf_hash, len = call->kdf_hash_len; break;
        case KDF_SECRET_PREPEND: src = call->kdf_prepend, len = call->kdf_prepend_len; break;
        case KDF_SECRET_APPEND: src = call->kdf_append, len = call->kdf_append_len; break;
        default: src = call->kdf_key, len = call->kdf_key_len; break;
        }
        k->bufs[n].BufferType = t;
        k->bufs[n].cbBuffer = (ULONG)len;
        k->mem[n] = (t == KDF_HASH_ALGORITHM && call->kdf_hash_null) ? NULL : exact(src, len);
        k->bufs[n].pvBuffer = k->mem[n];
        n++;
    }
    if (call->kdf_shape == CH_FAP_KDF_LIST_TWICE && n > 0) {
        k->bufs[n] = k->bufs[0]; /* the same bytes, a second time */
        n++;
    } else if (call->kdf_shape == CH_FAP_KDF_LIST_UNKNOWN) {
        k->mem[n] = exact("\1\2\3\4", 4);
        k->bufs[n].BufferType = 4; /* no KDF_* has it */
        k->bufs[n].cbBuffer = 4;
        k->bufs[n].pvBuffer = k->mem[n];
        n++;
    }
    k->desc.ulVersion = call->kdf_shape == CH_FAP_KDF_LIST_VERSION ? 1u : BCRYPTBUFFER_VERSION;
    k->desc.cBuffers = n;
    k->arr = exact(k->bufs, n * sizeof(BCryptBuffer));
    k->desc.pBuffers = call->kdf_null_buffers ? NULL : k->arr;
    k->list = call->kdf_null_list ? NULL : exact(&k->desc, sizeof k->desc);
}

/* The parameters are the CSP's: never written. */
static void kdf_done(kdf_args *k, const ch_fap_call *call)
{
    unsigned n = k->desc.cBuffers;
    if (k->list)
        CH_CHECK(memcmp(k->list, &k->desc, sizeof k->desc) == 0, "parameter list written");
    CH_CHECK(n == 0 || memcmp(k->arr, k->bufs, n * sizeof(BCryptBuffer)) == 0,
             "BCryptBuffer array written");
    for (unsigned i = 0; i < 6; i++) {
        const uint8_t *src;
        if (!k->mem[i] || i >= n)
            continue;
        switch (k->bufs[i].BufferType) {
        case KDF_HASH_ALGORITHM: src = call->kdf_hash; break;
        case KDF_SECRET_PREPEND: src = call->kdf_prepend; break;
        case KDF_SECRET_APPEND: src = call->kdf_append; break;
        case KDF_HMAC_KEY: src = call->kdf_key; break;
        default: src = (const uint8_t *)"\1\2\3\4"; break;
        }
        CH_CHECK(k->bufs[i].cbBuffer == 0 || memcmp(k->mem[i], src, k->bufs[i].cbBuffer) == 0,
                 "KDF parameter buffer %u written", i);
    }
    for (unsigned i = 0; i < 6; i++)
        free(k->mem[i]); /* a repeated buffer has no bytes of its own (mem NULL) */
    free(k->arr);
    free(k->list);
}

static void key_call(run *r, const ch_fap_call *call)
{
    PCARD_DATA cd = call->null_card_data ? NULL : r->cd;
    uint8_t n = call->nulls;
    bool no_struct = (n & CH_FAP_D_NULL_STRUCT) != 0;
    unsigned ex_before = r->exchanges(r->ex_ctx);
    unsigned long allocs_before = ch_host_alloc_count();
    char *dir = sdup(call->dir), *file = sdup(call->file);
    WCHAR *name = wdup(call->pad_hash), *kdf = wdup(call->kdf);
    inbuf in1 = {0}, in2 = {0};
    expect pre = {{0}, 0};
    bool passes_to_card = true; /* the arguments pass every card-free check (below) */
    bool card_free = false;     /* the call never needs the card */
    bool invalid_before_card = false; /* INVALID_PARAMETER may come before the card */
    const char *why = "argument";
    DWORD rc = SCARD_S_SUCCESS;

    expect_if(&pre, call->null_card_data, SCARD_E_INVALID_PARAMETER);
    switch (call->op) {
    case CH_FAP_CREATE_CONTAINER: {
        bool ex = r->version >= CARD_DATA_VERSION_SEVEN;
        DWORD pin = ex ? call->pin_id : ROLE_USER, verdict;
        size_t blen = ch_fapm_blob_len(call->data1, call->data1_len);
        uint8_t *blob = calloc(1, blen);
        CH_CHECK(blob != NULL, "out of memory");
        if (call->data1_len)
            memcpy(blob, call->data1, call->data1_len < blen ? call->data1_len : blen);
        in_make(&in1, blob, blen, (n & 1u) != 0); /* exactly the header's length */
        free(blob);
        verdict = create_verdict(call, pin, in1.p, in1.n, &why);
        expect_if(&pre, verdict != SCARD_S_SUCCESS, verdict);
        rc = ex ? r->cd->pfnCardCreateContainerEx(cd, call->container, call->flags,
                                                  call->key_spec, call->key_size, in1.p, pin)
                : r->cd->pfnCardCreateContainer(cd, call->container, call->flags,
                                                call->key_spec, call->key_size, in1.p);
        break;
    }
    case CH_FAP_DELETE_CONTAINER:
        expect_if(&pre, call->flags != 0, SCARD_E_INVALID_PARAMETER);
        card_free = call->container >= 24; /* nothing to delete: success, nothing sent */
        rc = r->cd->pfnCardDeleteContainer(cd, call->container, call->flags);
        if (card_free && !pre.n)
            CH_CHECK(rc == SCARD_S_SUCCESS, "deleting container %u: 0x%08X", call->container,
                     rc);
        break;
    case CH_FAP_WRITE_FILE: {
        DWORD err;
        file_kind k = resolve_name(call->dir, call->file, &err);
        size_t len = call->data1_len;
        in_make(&in1, call->data1, len, (n & 1u) != 0);
        expect_if(&pre, call->flags != 0 || (!in1.p && len), SCARD_E_INVALID_PARAMETER);
        expect_if(&pre, k == FK_ERROR, err);
        expect_if(&pre, k == FK_CARDID || k == FK_CARDAPPS, SCARD_W_SECURITY_VIOLATION);
        expect_if(&pre, k == FK_CARDCF && len < 6, SCARD_E_INVALID_PARAMETER);
        expect_if(&pre, k == FK_CARDCF && len > 64, SCARD_E_WRITE_TOO_MANY);
        expect_if(&pre, k == FK_CERT && len == 0, SCARD_E_INVALID_PARAMETER);
        expect_if(&pre, k == FK_CERT && len > 16384, SCARD_E_WRITE_TOO_MANY);
        if (k == FK_CMAPFILE && in1.p)
            cmapfile_refusals(in1.p, len, &pre);
        /* a certificate is parsed (the CSP's compressed format undone) before the card is
         * asked: INVALID_PARAMETER for one that does not parse, with no APDU */
        invalid_before_card = k == FK_CERT;
        rc = r->cd->pfnCardWriteFile(cd, dir, file, call->flags, in1.p, (DWORD)len);
        break;
    }
    case CH_FAP_CREATE_FILE: {
        DWORD err;
        file_kind k = resolve_name(call->dir, call->file, &err);
        expect_if(&pre, call->access < 1 || call->access > 6, SCARD_E_INVALID_PARAMETER);
        /* a name PIV has no place for cannot be created */
        expect_if(&pre, k == FK_ERROR,
                  err == SCARD_E_FILE_NOT_FOUND ? SCARD_E_UNSUPPORTED_FEATURE : err);
        expect_if(&pre, k != FK_ERROR && k != FK_CERT, ERROR_FILE_EXISTS);
        expect_if(&pre, k == FK_CERT && call->initial_size > 16384, SCARD_E_WRITE_TOO_MANY);
        rc = r->cd->pfnCardCreateFile(cd, dir, file, call->initial_size,
                                      (CARD_FILE_ACCESS_CONDITION)call->access);
        break;
    }
    case CH_FAP_DELETE_FILE: {
        DWORD err;
        file_kind k = resolve_name(call->dir, call->file, &err);
        expect_if(&pre, call->flags != 0, SCARD_E_INVALID_PARAMETER);
        expect_if(&pre, k == FK_ERROR, err);
        expect_if(&pre, k != FK_ERROR && k != FK_CERT, SCARD_W_SECURITY_VIOLATION);
        rc = r->cd->pfnCardDeleteFile(cd, dir, file, call->flags);
        break;
    }
    case CH_FAP_SIGN_DATA: {
        CARD_SIGNING_INFO si, *p;
        pad_info pi_copy;
        void *pi;
        size_t size = 0;
        DWORD version = call->struct_version ? call->struct_version : 1u;
        in_make(&in1, call->data1, call->data1_len, (n & 1u) != 0);
        pi = make_pad_info(call, name, NULL, 0, &pi_copy);
        memset(&si, PAT, sizeof si);
        si.dwVersion = call->struct_version;
        si.bContainerIndex = call->container;
        si.dwKeySpec = call->key_spec;
        si.dwSigningFlags = call->flags;
        si.aiHashAlg = call->hash_alg;
        si.pbData = in1.p;
        si.cbData = (DWORD)in1.n;
        si.pPaddingInfo = pi;
        si.dwPaddingType = call->pad_type;
        p = no_struct ? NULL : make_struct(&si, sizeof si, offsetof(CARD_SIGNING_INFO,
                                                                    pPaddingInfo),
                                           call->struct_version, &size);
        if (!p) {
            expect_if(&pre, true, SCARD_E_INVALID_PARAMETER);
        } else if (version > CARD_SIGNING_INFO_CURRENT_VERSION) {
            expect_if(&pre, true, ERROR_REVISION_MISMATCH);
        } else {
            expect_if(&pre, !in1.p || !in1.n ||
                                (call->flags & ~(DWORD)(CARD_BUFFER_SIZE_ONLY |
                                                        CARD_PADDING_INFO_PRESENT |
                                                        CRYPT_NOHASHOID)),
                      SCARD_E_INVALID_PARAMETER);
            expect_if(&pre, !keyspec_known(call->key_spec), SCARD_E_INVALID_PARAMETER);
            expect_if(&pre, (call->flags & CARD_PADDING_INFO_PRESENT) && (version < 2 || !pi),
                      SCARD_E_INVALID_PARAMETER);
            expect_if(&pre, call->container >= 24, SCARD_E_NO_KEY_CONTAINER);
        }
        padcb.mode = call->pad_mode;
        padcb.info = p;
        padcb.calls = 0;
        set_pad(r, call->pad_mode == CH_FAP_PAD_NONE ? NULL : csp_pad);
        rc = r->cd->pfnCardSignData(cd, p);
        set_pad(r, NULL);
        if (padcb.calls) {
            CH_CHECK(padcb.calls == 1 && p && version == 2 &&
                         (call->flags & CARD_PADDING_INFO_PRESENT) &&
                         call->pad_type == CARD_PADDING_PSS &&
                         !(call->flags & CARD_BUFFER_SIZE_ONLY),
                     "pfnCspPadData called %u times, not for PSS", padcb.calls);
            if (padcb.returned != SCARD_S_SUCCESS)
                CH_CHECK(rc == padcb.returned, "pfnCspPadData failed 0x%08X, the call 0x%08X",
                         padcb.returned, rc);
            else if (padcb.mode == CH_FAP_PAD_LONG)
                CH_CHECK(rc == SCARD_E_UNEXPECTED, "a padded block longer than the modulus "
                         "was taken: 0x%08X", rc);
        }
        if (p && rc == SCARD_S_SUCCESS) {
            CARD_SIGNING_INFO got;
            size_t want_hash = sign_hash_len(call, name);
            memcpy(&got, p, size);
            check_signature_len(call->key_spec, got.cbSignedData);
            if (padcb.calls)
                CH_CHECK(got.cbSignedData == padcb.width, "PSS signature of %u bytes for a "
                         "block of %u", got.cbSignedData, padcb.width);
            if (want_hash && (call->key_spec == AT_KEYEXCHANGE ||
                              call->key_spec == AT_SIGNATURE))
                CH_CHECK(in1.n == want_hash, "PKCS#1 signature of a %zu-byte hash for a "
                         "%zu-byte algorithm", in1.n, want_hash);
            if (call->flags & CARD_BUFFER_SIZE_ONLY) {
                CH_CHECK(got.pbSignedData == si.pbSignedData,
                         "CARD_BUFFER_SIZE_ONLY wrote pbSignedData");
            } else {
                CH_CHECK(got.pbSignedData != NULL, "no signature");
                free_returned(r, got.pbSignedData);
            }
            got.pbSignedData = si.pbSignedData;
            got.cbSignedData = si.cbSignedData;
            CH_CHECK(memcmp(&got, &si, size) == 0, "CardSignData wrote another member");
        } else if (p) {
            CH_CHECK(memcmp(p, &si, size) == 0, "failed CardSignData (0x%08X) wrote its "
                     "structure", rc);
        }
        if (pi) {
            CH_CHECK(memcmp(pi, &pi_copy, pad_info_size(call->pad_type)) == 0,
                     "padding info written");
            free(pi);
        }
        free(p);
        break;
    }
    case CH_FAP_RSA_DECRYPT: {
        CARD_RSA_DECRYPT_INFO di, *p;
        pad_info pi_copy;
        void *pi;
        size_t size = 0, hlen = ch_fapm_hash_name_len(name);
        DWORD version = call->struct_version ? call->struct_version : 1u;
        in_make(&in1, call->data1, call->data1_len, (n & 2u) != 0);  /* the label */
        in_make(&in2, call->data2, call->data2_len, (n & 1u) != 0);  /* the ciphertext */
        pi = make_pad_info(call, name, in1.p, in1.n, &pi_copy);
        memset(&di, PAT, sizeof di);
        di.dwVersion = call->struct_version;
        di.bContainerIndex = call->container;
        di.dwKeySpec = call->key_spec;
        di.pbData = in2.p;
        di.cbData = (DWORD)in2.n;
        di.pPaddingInfo = pi;
        di.dwPaddingType = call->pad_type;
        p = no_struct ? NULL : make_struct(&di, sizeof di, offsetof(CARD_RSA_DECRYPT_INFO,
                                                                    pPaddingInfo),
                                           call->struct_version, &size);
        if (!p) {
            expect_if(&pre, true, SCARD_E_INVALID_PARAMETER);
        } else if (version > CARD_RSA_KEY_DECRYPT_INFO_CURRENT_VERSION) {
            expect_if(&pre, true, ERROR_REVISION_MISMATCH);
        } else {
            DWORD t = call->pad_type;
            expect_if(&pre, !in2.p || !in2.n, SCARD_E_INVALID_PARAMETER);
            expect_if(&pre, call->key_spec != AT_KEYEXCHANGE && call->key_spec != AT_SIGNATURE,
                      SCARD_E_INVALID_PARAMETER);
            if (version >= 2) {
                expect_if(&pre, t != 0 && t != CARD_PADDING_NONE && t != CARD_PADDING_PKCS1 &&
                                    t != CARD_PADDING_OAEP,
                          SCARD_E_INVALID_PARAMETER);
                /* OAEP needs its info, a hash that has an MGF1 (not MD5), a label or none */
                expect_if(&pre, t == CARD_PADDING_OAEP &&
                                    (!pi || !name || (!in1.p && in1.n) || hlen == 0 ||
                                     hlen == 16),
                          SCARD_E_INVALID_PARAMETER);
            }
            expect_if(&pre, call->container >= 24, SCARD_E_NO_KEY_CONTAINER);
        }
        rc = r->cd->pfnCardRSADecrypt(cd, p);
        if (p && rc == SCARD_S_SUCCESS) {
            CARD_RSA_DECRYPT_INFO got;
            bool unpads = version >= 2 && (call->pad_type == CARD_PADDING_PKCS1 ||
                                           call->pad_type == CARD_PADDING_OAEP);
            memcpy(&got, p, size);
            if (!unpads)
                CH_CHECK(got.cbData == in2.n, "the whole block is %u bytes of %zu",
                         got.cbData, in2.n);
            else if (call->pad_type == CARD_PADDING_PKCS1)
                CH_CHECK(in2.n >= 11 && got.cbData <= in2.n - 11,
                         "PKCS#1 message of %u bytes from a %zu-byte block", got.cbData, in2.n);
            else
                CH_CHECK(in2.n >= 2 * hlen + 2 && got.cbData <= in2.n - 2 * hlen - 2,
                         "OAEP message of %u bytes from a %zu-byte block", got.cbData, in2.n);
            CH_CHECK(in2.n == 128 || in2.n == 256 || in2.n == 384 || in2.n == 512,
                     "decrypted a block of %zu bytes: no modulus PIV holds", in2.n);
            got.cbData = di.cbData;
            CH_CHECK(memcmp(&got, &di, size) == 0, "CardRSADecrypt wrote another member");
            /* pbData was decrypted in place: the input check below does not apply */
            memcpy(in2.copy, in2.p, in2.n);
        } else if (p) {
            CH_CHECK(memcmp(p, &di, size) == 0, "failed CardRSADecrypt (0x%08X) wrote its "
                     "structure", rc);
        }
        if (pi) {
            CH_CHECK(memcmp(pi, &pi_copy, pad_info_size(call->pad_type)) == 0,
                     "padding info written");
            free(pi);
        }
        free(p);
        break;
    }
    case CH_FAP_CONSTRUCT_DH: {
        CARD_DH_AGREEMENT_INFO ai, *p;
        size_t field = 0;
        in_make(&in1, call->data1, call->data1_len, (n & 1u) != 0);
        memset(&ai, PAT, sizeof ai);
        ai.dwVersion = call->struct_version;
        ai.bContainerIndex = call->container;
        ai.dwFlags = call->flags;
        ai.dwPublicKey = (DWORD)in1.n;
        ai.pbPublicKey = in1.p;
        p = no_struct ? NULL : exact(&ai, sizeof ai);
        if (!p) {
            expect_if(&pre, true, SCARD_E_INVALID_PARAMETER);
        } else if (call->struct_version != CARD_DH_AGREEMENT_INFO_VERSION) {
            expect_if(&pre, true, ERROR_REVISION_MISMATCH);
        } else {
            expect_if(&pre, call->flags != 0 || !in1.p, SCARD_E_INVALID_PARAMETER);
            expect_if(&pre, !ch_fapm_ecdh_peer_ok(in1.p, in1.n, &field),
                      SCARD_E_INVALID_PARAMETER);
            expect_if(&pre, call->container >= 24, SCARD_E_NO_KEY_CONTAINER);
            expect_if(&pre, r->agreed == 0xFF, SCARD_E_NO_MEMORY); /* every index taken */
        }
        rc = r->cd->pfnCardConstructDHAgreement(cd, p);
        if (p && rc == SCARD_S_SUCCESS) {
            CARD_DH_AGREEMENT_INFO got;
            memcpy(&got, p, sizeof got);
            CH_CHECK(got.bSecretAgreementIndex < 8 &&
                         !(r->agreed & (1u << got.bSecretAgreementIndex)),
                     "agreement index %u (in use: 0x%02X)", got.bSecretAgreementIndex,
                     r->agreed);
            r->agreed = (uint8_t)(r->agreed | 1u << got.bSecretAgreementIndex);
            got.bSecretAgreementIndex = ai.bSecretAgreementIndex;
            CH_CHECK(memcmp(&got, &ai, sizeof ai) == 0, "CardConstructDHAgreement wrote "
                     "another member");
        } else if (p) {
            CH_CHECK(memcmp(p, &ai, sizeof ai) == 0, "failed CardConstructDHAgreement "
                     "(0x%08X) wrote its structure", rc);
        }
        free(p);
        break;
    }
    case CH_FAP_DERIVE_KEY: {
        CARD_DERIVE_KEY dk, *p;
        kdf_args ka;
        ch_fapm_kdf model;
        size_t size = 0;
        DWORD version = call->struct_version ? call->struct_version : 1u;
        DWORD other = call->flags & ~(DWORD)(CARD_BUFFER_SIZE_ONLY | CARD_RETURN_KEY_HANDLE);
        card_free = true;
        kdf_make(call, &ka);
        memset(&dk, PAT, sizeof dk);
        dk.dwVersion = call->struct_version;
        dk.dwFlags = call->flags;
        dk.pwszKDF = kdf;
        dk.bSecretAgreementIndex = call->agreement;
        dk.pParameterList = ka.list;
        p = no_struct ? NULL : make_struct(&dk, sizeof dk, offsetof(CARD_DERIVE_KEY, pwszAlgId),
                                           call->struct_version, &size);
        ch_fapm_kdf_check(kdf, other, ka.list, &model);
        if (!p) {
            expect_if(&pre, true, SCARD_E_INVALID_PARAMETER);
        } else if (version > CARD_DERIVE_KEY_CURRENT_VERSION) {
            expect_if(&pre, true, ERROR_REVISION_MISMATCH);
        } else {
            expect_if(&pre, (call->flags & CARD_RETURN_KEY_HANDLE) != 0,
                      SCARD_E_UNSUPPORTED_FEATURE);
            expect_if(&pre, model.invalid, SCARD_E_INVALID_PARAMETER);
            expect_if(&pre, model.unsupported, SCARD_E_UNSUPPORTED_FEATURE);
            expect_if(&pre, call->agreement >= 8 || !(r->agreed & (1u << call->agreement)),
                      SCARD_E_INVALID_PARAMETER);
        }
        rc = r->cd->pfnCardDeriveKey(cd, p);
        if (!pre.n)
            CH_CHECK(rc == SCARD_S_SUCCESS ||
                         (rc == SCARD_E_NO_MEMORY && r->fail_abs &&
                          ch_host_alloc_count() >= r->fail_abs),
                     "CardDeriveKey refused valid parameters: 0x%08X", rc);
        if (p && rc == SCARD_S_SUCCESS) {
            CARD_DERIVE_KEY got;
            memcpy(&got, p, size);
            CH_CHECK(got.cbDerivedKey == model.out_len, "derived %u bytes, the hash has %zu",
                     got.cbDerivedKey, model.out_len);
            if (call->flags & CARD_BUFFER_SIZE_ONLY) {
                CH_CHECK(got.pbDerivedKey == dk.pbDerivedKey,
                         "CARD_BUFFER_SIZE_ONLY wrote pbDerivedKey");
            } else {
                CH_CHECK(got.pbDerivedKey != NULL, "no derived key");
                free_returned(r, got.pbDerivedKey);
            }
            got.pbDerivedKey = dk.pbDerivedKey;
            got.cbDerivedKey = dk.cbDerivedKey;
            CH_CHECK(memcmp(&got, &dk, size) == 0, "CardDeriveKey wrote another member");
        } else if (p) {
            CH_CHECK(memcmp(p, &dk, size) == 0, "failed CardDeriveKey (0x%08X) wrote its "
                     "structure", rc);
        }
        kdf_done(&ka, call);
        free(p);
        break;
    }
    case CH_FAP_DESTROY_DH:
        card_free = true;
        expect_if(&pre, call->flags != 0 || call->agreement >= 8 ||
                            !(r->agreed & (1u << call->agreement)),
                  SCARD_E_INVALID_PARAMETER);
        rc = r->cd->pfnCardDestroyDHAgreement(cd, call->agreement, call->flags);
        if (!pre.n) {
            CH_CHECK(rc == SCARD_S_SUCCESS, "CardDestroyDHAgreement of index %u in use: "
                     "0x%08X", call->agreement, rc);
            r->agreed = (uint8_t)(r->agreed & ~(1u << call->agreement));
        }
        break;
    default:
        CH_CHECK(false, "op %d in key_call", (int)call->op);
    }
    if (call->null_card_data) { /* no context: that refusal before any other */
        pre.n = 0;
        expect_if(&pre, true, SCARD_E_INVALID_PARAMETER);
    }
    passes_to_card = pre.n == 0 && !card_free;
    if (ch_trace_on())
        ch_trace_note("%s: model %s, %u refusal(s) predicted%s", ch_fap_op_name(call->op), why,
                      pre.n, card_free ? ", no card" : "");

    /* The return value. */
    {
        unsigned exchanged = r->exchanges(r->ex_ctx) - ex_before;
        bool injected = r->fail_abs && ch_host_alloc_count() >= r->fail_abs;
        bool ok = rc == SCARD_S_SUCCESS || rc == SCARD_E_INVALID_PARAMETER ||
                  rc == SCARD_E_UNSUPPORTED_FEATURE || own_code(call->op, rc) ||
                  (rc == SCARD_E_NO_MEMORY && injected) || (exchanged > 0 && card_code(r, rc)) ||
                  (call->op == CH_FAP_SIGN_DATA && padcb.calls && rc == padcb.returned) ||
                  expected(&pre, rc); /* e.g. NO_MEMORY with every agreement index taken */
        CH_CHECK(ok, "%s returned 0x%08X (%u APDUs)", ch_fap_op_name(call->op), rc, exchanged);
        if (pre.n) {
            CH_CHECK(expected(&pre, rc), "%s: arguments it must refuse (%s; first refusal "
                     "0x%08X) got 0x%08X", ch_fap_op_name(call->op), why, pre.code[0], rc);
            CH_CHECK(exchanged == 0, "%s: %u APDUs before the parameters passed",
                     ch_fap_op_name(call->op), exchanged);
            CH_CHECK(ch_host_alloc_count() == allocs_before, "%s: allocated before the "
                     "parameters passed", ch_fap_op_name(call->op));
        }
        if (card_free)
            CH_CHECK(exchanged == 0, "%s: %u APDUs for a call that needs no card",
                     ch_fap_op_name(call->op), exchanged);
        /* Every check that needs no card comes first (DESIGN.md): once they passed, the
         * module's own parameter refusals need the card's answer. */
        if (passes_to_card && !invalid_before_card && exchanged == 0)
            CH_CHECK(rc != SCARD_E_INVALID_PARAMETER && rc != SCARD_E_UNSUPPORTED_FEATURE,
                     "%s: valid arguments refused (0x%08X) without asking the card",
                     ch_fap_op_name(call->op), rc);
    }

    finish_call(r, call, rc, ex_before);
    in_done(&in1, call->op == CH_FAP_CREATE_CONTAINER ? "key blob"
                  : call->op == CH_FAP_RSA_DECRYPT    ? "OAEP label"
                  : call->op == CH_FAP_SIGN_DATA      ? "hash"
                  : call->op == CH_FAP_CONSTRUCT_DH   ? "peer public key"
                                                      : "file data");
    if (call->op == CH_FAP_RSA_DECRYPT && in2.p) {
        /* a failed CardRSADecrypt leaves the ciphertext where it was */
        CH_CHECK(memcmp(in2.p, in2.copy, in2.n) == 0, "failed CardRSADecrypt wrote pbData");
    }
    in_done(&in2, "ciphertext");
    free(dir);
    free(file);
    free(name);
    free(kdf);
}

/* Whether the negotiated table holds the op's entry point. */
static bool in_table(const run *r, ch_fap_op op)
{
    if (op >= CH_FAP_GET_CHALLENGE_EX && op <= CH_FAP_SET_CONTAINER_PROPERTY)
        return r->version >= CARD_DATA_VERSION_SIX;
    if (op == CH_FAP_DERIVE_KEY || op == CH_FAP_DESTROY_DH)
        return r->version >= CARD_DATA_VERSION_FIVE;
    return true; /* CREATE_CONTAINER: CardCreateContainer below version 7 */
}

static void run_calls(run *r, const ch_finding_apdu *f)
{
    for (unsigned i = 0; i < f->n_calls && r->alive; i++) {
        ch_fap_call call;
        ch_fap_resolve(&f->calls[i], &call);
        if (call.op == CH_FAP_OP_RESERVED || !in_table(r, call.op))
            continue;
        if (r->env->filter && !r->env->filter(r->env->filter_ctx, &call))
            continue;
        if (call.op == CH_FAP_REACQUIRE) {
            delete_context(r);
            (void)acquire(r);
            continue;
        }
        call_once(r, &call);
    }
}

/* Runs a decoded finding in env (ch_fap_env above). Compiled without its fuzzing entry
 * (CH_FAP_NO_FUZZ_ENTRY) by the seed recorder and mdreplay-pcsc, so that the calls, their
 * arguments and the oracle are the fuzz target's own. */
static void ch_fap_execute(const ch_finding_apdu *f, const ch_fap_env *env)
{
    run r;

    memset(&r, 0, sizeof r);
    r.env = env;
    r.exchanges = env->exchanges;
    r.ex_ctx = env->ex_ctx;
    r.result = env->result;
    r.res_ctx = env->res_ctx;
    ch_host_alloc_reset();
    r.version = f->version;
    CH_CHECK(ch_host_csp_init(&r.h, f->version, f->version, ch_host_default_atr,
                              ch_host_default_atr_len, env->hctx, env->hcard),
             "out of memory");
    r.cd = r.h.cd;
    if (f->flags & CH_FAP_NULL_CACHE) {
        r.cd->pfnCspCacheAddFile = NULL;
        r.cd->pfnCspCacheLookupFile = NULL;
        r.cd->pfnCspCacheDeleteFile = NULL;
        r.cd->pvCacheContext = NULL;
    }
    r.snap = malloc(r.h.cd_size);
    CH_CHECK(r.snap != NULL, "out of memory");

    if (acquire(&r)) {
        if (f->alloc_fail_at) {
            ch_host_alloc_fail_at(f->alloc_fail_at);
            r.fail_abs = ch_host_alloc_count() + f->alloc_fail_at;
        }
        run_calls(&r, f);
        if (r.alive && (f->flags & CH_FAP_SECOND_CONTEXT)) {
            delete_context(&r); /* the CSP keeps its cache: the second context starts warm */
            if (acquire(&r))
                run_calls(&r, f);
        }
        if (r.alive)
            delete_context(&r);
    }
    CH_CHECK(ch_host_alloc_live() == 0, "%zu CSP allocations live at the end",
             ch_host_alloc_live());
    CH_CHECK(ch_host_alloc_errors() == 0, "double or foreign free");

    free(r.snap);
    ch_host_csp_free(&r.h);
    ch_host_alloc_reset();
}

#ifndef CH_FAP_NO_FUZZ_ENTRY
static unsigned script_exchanges(void *s) { return ((const ch_script *)s)->exchanges; }

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    ch_finding_apdu f;
    ch_script script;

    ch_finding_apdu_decode(data, size, &f);
    ch_script_init(&script, ch_cur_peek_ptr(&f.script), ch_cur_left(&f.script));
    if (ch_trace_on()) {
        script.observe = ch_trace_observe;
        ch_trace_note("CARD_DATA version %u, allocation %u fails, flags 0x%02X, %u calls",
                      f.version, f.alloc_fail_at, f.flags, f.n_calls);
    }
    ch_fap_execute(&f, &(ch_fap_env){.hctx = 1,
                                     .hcard = (uintptr_t)&script,
                                     .exchanges = script_exchanges,
                                     .ex_ctx = &script});
    if (ch_trace_on())
        ch_trace_note("%u exchanges, %zu script bytes left", script.exchanges,
                      ch_cur_left(&script.answers));
    ch_script_free(&script);
    return 0;
}
#endif
