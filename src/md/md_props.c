/* Card properties: CardGetProperty and CardSetProperty (v6; four names v7). The container
 * properties are in md_cprops.c; the table of every property, its type, flags, value and
 * errors is at the top of tests/conformance/test_props.c.
 *
 * Smart Card Minidriver Specification v7.07, CardGetProperty (learn.microsoft.com
 * previous-versions dn468729) and CardSetProperty (dn468740):
 *  - dwFlags must be 0 unless the property defines it, else SCARD_E_INVALID_PARAMETER;
 *  - an unsupported property: get SCARD_E_INVALID_PARAMETER or SCARD_E_UNSUPPORTED_FEATURE,
 *    set SCARD_E_UNSUPPORTED_FEATURE;
 *  - cbData shorter than the value: ERROR_INSUFFICIENT_BUFFER;
 *  - read-only properties (and, on a read-only card, every other one but the two write-only
 *    ones): SCARD_E_UNSUPPORTED_FEATURE or SCARD_W_SECURITY_VIOLATION.
 * House rules (DESIGN.md): checks needing no card first (UNSUPPORTED_FEATURE, then
 * INVALID_PARAMETER), no APDU before they pass; outputs untouched on error except the size on
 * a short buffer; pbData may be unaligned, so every value goes through memcpy. */
#include <stdint.h>
#include <string.h>

#include "md_auth.h"
#include "md_entry.h"
#include "md_fs.h"
#include "md_props.h"
#include "utf16.h"

/* ---- The module's write state, in one place. The module writes (certificates, cmapfile,
 * cardcf, key generation and import), so the card is not read-only and Windows enrolment
 * can use it; every write still needs the management key on the card. ---- */
#define CH_MD_READ_ONLY_CARD 0
/* CP_KEY_IMPORT_SUPPORT: the secure-key-injection import methods (CARD_KEY_IMPORT_*:
 * plain, RSA or ECC key establishment, shared symmetric key). PIV has no secure key
 * injection, so 0; CardCreateContainer(KEY_IMPORT) is not described by this property
 * (Secure Key Injection, windows-driver-docs smartcard/secure-key-injection.md, step 3). */
#define CH_MD_KEY_IMPORT_SUPPORT 0u

/* Longest PIN context string read, terminator included (WCHARs). */
#define CH_MD_PIN_CONTEXT_MAX 1024u

bool ch_md_prop_is(LPCWSTR name, LPCWSTR want)
{
    return ch_u16_eq(name, want, CH_MD_PROP_NAME_MAX);
}

DWORD ch_md_prop_put(PBYTE pbData, DWORD cbData, PDWORD pdwDataLen, const void *v, size_t n)
{
    if (n > 0xFFFFFFFFu)
        return SCARD_E_UNEXPECTED;
    if (cbData < n) {
        *pdwDataLen = (DWORD)n;
        return ERROR_INSUFFICIENT_BUFFER;
    }
    memcpy(pbData, v, n);
    *pdwDataLen = (DWORD)n;
    return SCARD_S_SUCCESS;
}

DWORD ch_md_prop_version(const BYTE *pbData, DWORD current, DWORD *version)
{
    DWORD v;
    memcpy(&v, pbData, sizeof v); /* dwVersion is every versioned structure's first member */
    if (v > current)
        return ERROR_REVISION_MISMATCH;
    *version = v ? v : 1u;
    return SCARD_S_SUCCESS;
}

enum prop {
    P_NONE, P_FREE_SPACE, P_CAPABILITIES, P_KEYSIZES, P_READ_ONLY, P_CACHE_MODE, P_X509,
    P_GUID, P_SERIAL, P_PIN_INFO, P_LIST_PINS, P_AUTH_STATE, P_STRENGTH_VERIFY,
    P_STRENGTH_CHANGE, P_STRENGTH_UNBLOCK, P_PARENT_WINDOW, P_PIN_CONTEXT, P_KEY_IMPORT,
    P_ENUM_ALGS, P_PADDING, P_CHAINING
};

static const struct {
    LPCWSTR name;
    enum prop id;
    DWORD since; /* the CARD_DATA version that defines it */
    size_t size; /* the value's size; 0 when it depends on the card */
} props[] = {
    {CP_CARD_FREE_SPACE, P_FREE_SPACE, 6, sizeof(CARD_FREE_SPACE_INFO)},
    {CP_CARD_CAPABILITIES, P_CAPABILITIES, 6, sizeof(CARD_CAPABILITIES)},
    {CP_CARD_KEYSIZES, P_KEYSIZES, 6, sizeof(CARD_KEY_SIZES)},
    {CP_CARD_READ_ONLY, P_READ_ONLY, 6, sizeof(BOOL)},
    {CP_CARD_CACHE_MODE, P_CACHE_MODE, 6, sizeof(DWORD)},
    {CP_SUPPORTS_WIN_X509_ENROLLMENT, P_X509, 6, sizeof(BOOL)},
    {CP_CARD_GUID, P_GUID, 6, 16},
    {CP_CARD_SERIAL_NO, P_SERIAL, 6, 0},
    {CP_CARD_PIN_INFO, P_PIN_INFO, 6, sizeof(PIN_INFO)},
    {CP_CARD_LIST_PINS, P_LIST_PINS, 6, sizeof(PIN_SET)},
    {CP_CARD_AUTHENTICATED_STATE, P_AUTH_STATE, 6, sizeof(PIN_SET)},
    {CP_CARD_PIN_STRENGTH_VERIFY, P_STRENGTH_VERIFY, 6, sizeof(DWORD)},
    {CP_CARD_PIN_STRENGTH_CHANGE, P_STRENGTH_CHANGE, 6, sizeof(DWORD)},
    {CP_CARD_PIN_STRENGTH_UNBLOCK, P_STRENGTH_UNBLOCK, 6, sizeof(DWORD)},
    {CP_PARENT_WINDOW, P_PARENT_WINDOW, 6, 0},
    {CP_PIN_CONTEXT_STRING, P_PIN_CONTEXT, 6, 0},
    {CP_KEY_IMPORT_SUPPORT, P_KEY_IMPORT, 7, sizeof(DWORD)},
    {CP_ENUM_ALGORITHMS, P_ENUM_ALGS, 7, 0},
    {CP_PADDING_SCHEMES, P_PADDING, 7, 0},
    {CP_CHAINING_MODES, P_CHAINING, 7, 0},
};

/* The property named, as this context's version knows it: a v7 name in a v6 context is
 * unknown there (a v6 CSP was promised the v6 interface: the negotiated version is fixed). */
static size_t lookup(const ch_md_ctx *ctx, LPCWSTR name)
{
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
        if (ch_md_prop_is(name, props[i].name))
            return ctx->version >= props[i].since ? i : SIZE_MAX;
    return SIZE_MAX;
}

/* dwFlags of the properties that define it (a PIN id or a keyspec), else 0. Pure: the
 * value of CP_CARD_KEYSIZES and CP_CARD_PIN_INFO is computed here. */
static DWORD check_flags(enum prop p, DWORD flags, CARD_KEY_SIZES *ks, PIN_INFO *pi)
{
    DWORD rc;
    switch (p) {
    case P_KEYSIZES:
        memset(ks, 0, sizeof *ks);
        ks->dwVersion = CARD_KEY_SIZES_CURRENT_VERSION;
        return ch_md_key_sizes(flags, ks); /* INVALID_PARAMETER or UNSUPPORTED_FEATURE */
    case P_PIN_INFO:
    case P_STRENGTH_VERIFY:
    case P_STRENGTH_CHANGE:
        return ch_md_pin_info(flags, pi); /* a PIN this card defines */
    case P_STRENGTH_UNBLOCK:
        rc = ch_md_pin_info(flags, pi);
        if (rc == SCARD_S_SUCCESS && pi->dwUnblockPermission == PIN_SET_NONE)
            return SCARD_E_INVALID_PARAMETER; /* a PIN nothing unblocks */
        return rc;
    default:
        return flags ? SCARD_E_INVALID_PARAMETER : SCARD_S_SUCCESS;
    }
}

/* CP_CARD_SERIAL_NO: the YubiKey serial number (GET SERIAL, 4 bytes big-endian); a card
 * without one (6D00) shows its 16-byte card identifier instead, which is just as unique. */
static DWORD serial_no(ch_md_ctx *ctx, uint8_t out[16], size_t *n)
{
    uint32_t serial;
    DWORD rc = ch_md_card_done(ctx, ch_piv_get_serial(&ctx->apdu, &serial));
    if (rc == SCARD_E_UNSUPPORTED_FEATURE) {
        *n = 16;
        return ch_md_cardid(ctx, out);
    }
    if (rc != SCARD_S_SUCCESS)
        return rc;
    out[0] = (uint8_t)(serial >> 24);
    out[1] = (uint8_t)(serial >> 16);
    out[2] = (uint8_t)(serial >> 8);
    out[3] = (uint8_t)serial;
    *n = 4;
    return SCARD_S_SUCCESS;
}

DWORD WINAPI CardGetProperty(PCARD_DATA pCardData, LPCWSTR wszProperty, PBYTE pbData,
                             DWORD cbData, PDWORD pdwDataLen, DWORD dwFlags)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    CARD_KEY_SIZES ks;
    PIN_INFO pi;
    union {
        CARD_FREE_SPACE_INFO fs;
        CARD_CAPABILITIES caps;
        BOOL b;
        DWORD dw;
        uint8_t id[16];
    } v;
    const void *val = &v;
    size_t i, n;
    DWORD rc, ver = 1;
    enum prop p;

    if (!ctx || !wszProperty)
        return SCARD_E_INVALID_PARAMETER;
    i = lookup(ctx, wszProperty);
    if (i == SIZE_MAX)
        return SCARD_E_INVALID_PARAMETER; /* not a property of this version */
    p = props[i].id;
    n = props[i].size;
    switch (p) {
    case P_PARENT_WINDOW:
    case P_PIN_CONTEXT:
        /* Write-only: the CSP tells, never asks (the mirror of a read-only set). */
    case P_ENUM_ALGS:
    case P_PADDING:
    case P_CHAINING:
        /* The symmetric algorithms, padding schemes and chaining modes of secure key
         * injection (secure-key-injection.md steps 13-14, CKP_CHAINING_MODE): with none
         * (CP_KEY_IMPORT_SUPPORT 0, every SKI entry point unsupported) there is nothing to
         * enumerate, whatever dwFlags (CARD_CIPHER_OPERATION / CARD_ASYMMETRIC_OPERATION). */
        return SCARD_E_UNSUPPORTED_FEATURE;
    default:
        break;
    }
    rc = check_flags(p, dwFlags, &ks, &pi);
    if (rc == SCARD_E_UNSUPPORTED_FEATURE)
        return rc;
    if (!pbData || !pdwDataLen)
        return SCARD_E_INVALID_PARAMETER;
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (n && cbData < n) { /* the size is known without the card: no APDU for it */
        *pdwDataLen = (DWORD)n;
        return ERROR_INSUFFICIENT_BUFFER;
    }
    if (p == P_FREE_SPACE || p == P_CAPABILITIES || p == P_KEYSIZES || p == P_PIN_INFO) {
        rc = ch_md_prop_version(pbData, p == P_PIN_INFO ? PIN_INFO_CURRENT_VERSION : 1u, &ver);
        if (rc != SCARD_S_SUCCESS)
            return rc;
    }
    memset(&v, 0, sizeof v);
    switch (p) {
    case P_FREE_SPACE:
    case P_GUID:
    case P_SERIAL:
    case P_AUTH_STATE:
        rc = ch_md_card_io(ctx);
        if (rc != SCARD_S_SUCCESS)
            return rc;
        if (p == P_FREE_SPACE) {
            v.fs.dwVersion = CARD_FREE_SPACE_INFO_CURRENT_VERSION;
            rc = ch_md_free_space(pCardData, ctx, &v.fs);
            v.fs.dwVersion = ver;
        } else if (p == P_GUID) {
            rc = ch_md_cardid(ctx, v.id);
        } else if (p == P_SERIAL) {
            rc = serial_no(ctx, v.id, &n);
        } else {
            rc = ch_md_auth_state(ctx, &v.dw);
        }
        if (rc != SCARD_S_SUCCESS)
            return rc;
        break;
    case P_CAPABILITIES:
        v.caps.dwVersion = CARD_CAPABILITIES_CURRENT_VERSION;
        ch_md_capabilities(&v.caps);
        v.caps.dwVersion = ver;
        break;
    case P_KEYSIZES:
        ks.dwVersion = ver;
        val = &ks;
        break;
    case P_PIN_INFO:
        pi.dwVersion = PIN_INFO_CURRENT_VERSION; /* the only layout there is */
        val = &pi;
        break;
    case P_READ_ONLY: v.b = CH_MD_READ_ONLY_CARD ? 1 : 0; break;
    case P_X509: v.b = CH_MD_READ_ONLY_CARD ? 0 : 1; break;
    case P_CACHE_MODE: v.dw = CP_CACHE_MODE_GLOBAL_CACHE; break;
    case P_LIST_PINS: v.dw = CH_MD_PINS_DEFINED; break;
    case P_STRENGTH_VERIFY:
    case P_STRENGTH_CHANGE:
    case P_STRENGTH_UNBLOCK: v.dw = CARD_PIN_STRENGTH_PLAINTEXT; break; /* no session PINs */
    case P_KEY_IMPORT: v.dw = CH_MD_KEY_IMPORT_SUPPORT; break;
    default: return SCARD_E_UNEXPECTED;
    }
    return ch_md_prop_put(pbData, cbData, pdwDataLen, val, n);
}

/* CP_PIN_CONTEXT_STRING: a UTF-16 string NUL-terminated within cbDataLen bytes (at most
 * CH_MD_PIN_CONTEXT_MAX units read); NULL with 0 bytes clears it. The module shows no PIN
 * dialog of its own, so only the fact that one was set is kept. */
static DWORD set_pin_context(ch_md_ctx *ctx, const BYTE *pbData, DWORD cbDataLen)
{
    WCHAR s[CH_MD_PIN_CONTEXT_MAX];
    size_t units = cbDataLen / sizeof(WCHAR), len;

    if (!pbData) {
        if (cbDataLen)
            return SCARD_E_INVALID_PARAMETER;
        ctx->pin_context_set = false;
        return SCARD_S_SUCCESS;
    }
    if (units > CH_MD_PIN_CONTEXT_MAX)
        units = CH_MD_PIN_CONTEXT_MAX;
    memcpy(s, pbData, units * sizeof(WCHAR)); /* aligned copy: pbData is a byte pointer */
    if (!ch_u16_len(s, units, &len))
        return SCARD_E_INVALID_PARAMETER;
    ctx->pin_context_set = true;
    return SCARD_S_SUCCESS;
}

DWORD WINAPI CardSetProperty(PCARD_DATA pCardData, LPCWSTR wszProperty, PBYTE pbData,
                             DWORD cbDataLen, DWORD dwFlags)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    uintptr_t hwnd;
    size_t i;

    if (!ctx || !wszProperty)
        return SCARD_E_INVALID_PARAMETER;
    i = lookup(ctx, wszProperty);
    /* Unknown, and every property but the two write-only ones: this card's properties are
     * all fixed by the card and the module (CP_CARD_READ_ONLY is TRUE), so one answer,
     * UNSUPPORTED_FEATURE, which the specification allows for all of them; it comes before
     * any other check (DESIGN.md). */
    if (i == SIZE_MAX || (props[i].id != P_PARENT_WINDOW && props[i].id != P_PIN_CONTEXT))
        return SCARD_E_UNSUPPORTED_FEATURE;
    if (dwFlags)
        return SCARD_E_INVALID_PARAMETER;
    if (props[i].id == P_PIN_CONTEXT)
        return set_pin_context(ctx, pbData, cbDataLen);
    /* CP_PARENT_WINDOW: an HWND, pointer-sized on the platform. 0 is allowed (no parent:
     * the desktop); whether another value is a live window is Windows' to tell (IsWindow),
     * which a portable module cannot ask, so it is stored as given. */
    if (!pbData || cbDataLen != sizeof(void *))
        return SCARD_E_INVALID_PARAMETER;
    memcpy(&hwnd, pbData, sizeof hwnd);
    ctx->parent_window = hwnd;
    return SCARD_S_SUCCESS;
}
