/* fuzz_acquire: CARD_DATA version negotiation and CardAcquireContext's parameter checks,
 * then the SELECT answer from scripted card bytes. Checks invariants, not only crashes:
 *  - the result is what the documented check order says (an independent oracle below);
 *  - a refused call sent no APDU, allocated nothing and left CARD_DATA byte-for-byte as is;
 *  - on success the version is min(requested, 7), exactly that version's pointers are set
 *    and not one byte outside them (and pvVendorSpecific, dwVersion) changed;
 *  - CardDeleteContext frees everything; a second one is refused.
 * Input layout: fuzz/finding.h, docs/fuzzing.md. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cardmod.h"
#include "finding.h"
#include "fuzz_check.h"
#include "host.h"
#include "script.h"
#include "trace.h"

#define SENTINEL 0xA5

static DWORD oracle(const ch_finding_acquire *f)
{
    if (f->flags & CARD_SECURE_KEY_INJECTION_NO_CARD_MODE)
        return SCARD_E_UNSUPPORTED_FEATURE;
    if (f->flags)
        return SCARD_E_INVALID_PARAMETER;
    if (f->nulls & (CH_FA_NULL_CARD_DATA | CH_FA_NULL_ATR | CH_FA_NULL_NAME))
        return SCARD_E_INVALID_PARAMETER;
    if (f->atr_len < 2 || f->atr_len > 33)
        return SCARD_E_INVALID_PARAMETER;
    if (f->atr[0] == 0x00 || f->atr[0] == 0xFF)
        return SCARD_E_UNKNOWN_CARD;
    if (f->nulls & (CH_FA_NULL_ALLOC | CH_FA_NULL_REALLOC | CH_FA_NULL_FREE))
        return SCARD_E_INVALID_PARAMETER;
    if (f->shape & (CH_FA_ZERO_HCTX | CH_FA_ZERO_HCARD))
        return SCARD_E_INVALID_PARAMETER;
    if (f->version < CARD_DATA_VERSION_FOUR)
        return ERROR_REVISION_MISMATCH;
    return SCARD_S_SUCCESS; /* the card decides from here */
}

/* Byte ranges of CARD_DATA the module fills for a negotiated version. */
typedef struct {
    size_t from, to;
    DWORD version;
} range;

static const range table_ranges[] = {
    {offsetof(CARD_DATA, pfnCardDeleteContext), offsetof(CARD_DATA, pvUnused3), 4},
    {offsetof(CARD_DATA, pfnCardCreateFile), offsetof(CARD_DATA, pfnCardDeriveKey), 4},
    {offsetof(CARD_DATA, pfnCardDeriveKey), offsetof(CARD_DATA, pfnCspGetDHAgreement), 5},
    {offsetof(CARD_DATA, pfnCardGetChallengeEx), offsetof(CARD_DATA, pfnCspUnpadData), 6},
    {offsetof(CARD_DATA, pfnMDImportSessionKey), sizeof(CARD_DATA), 7},
};

static int written_by_module(size_t off, DWORD version)
{
    if (off < sizeof(DWORD)) /* dwVersion */
        return 1;
    if (off >= offsetof(CARD_DATA, pvVendorSpecific) &&
        off < offsetof(CARD_DATA, pvVendorSpecific) + sizeof(PVOID))
        return 1;
    for (size_t i = 0; i < sizeof table_ranges / sizeof table_ranges[0]; i++)
        if (version >= table_ranges[i].version && off >= table_ranges[i].from &&
            off < table_ranges[i].to)
            return 1;
    return 0;
}

static void check_success(const CARD_DATA *cd, const uint8_t *before, size_t size,
                          const ch_finding_acquire *f)
{
    DWORD want = f->version > 7 ? 7 : f->version;
    const uint8_t *now = (const uint8_t *)cd;

    CH_CHECK(cd->dwVersion == want, "negotiated %u for requested %u", cd->dwVersion, f->version);
    CH_CHECK(cd->pvVendorSpecific != NULL, "no context");
    for (size_t off = 0; off < size; off++)
        CH_CHECK(written_by_module(off, want) || now[off] == before[off],
                 "byte %zu of CARD_DATA changed (version %u)", off, want);
    for (size_t i = 0; i < sizeof table_ranges / sizeof table_ranges[0]; i++) {
        if (want < table_ranges[i].version)
            continue;
        for (size_t off = table_ranges[i].from; off < table_ranges[i].to; off += sizeof(void *)) {
            void *fn;
            memcpy(&fn, now + off, sizeof fn);
            CH_CHECK(fn != NULL && memcmp(now + off, before + off, sizeof fn) != 0,
                     "table member at offset %zu not set for version %u", off, want);
        }
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    ch_finding_acquire f;
    ch_script script;
    DWORD struct_version, expect, rc;
    size_t cd_size;
    CARD_DATA *cd;
    uint8_t *before, *atr;
    WCHAR *name;
    ch_cur first;

    ch_finding_acquire_decode(data, size, &f);
    ch_script_init(&script, ch_cur_peek_ptr(&f.script), ch_cur_left(&f.script));
    script.observe = ch_trace_on() ? ch_trace_observe : NULL;
    ch_host_alloc_reset();

    struct_version = (f.shape & CH_FA_FULL_STRUCT) ? CARD_DATA_CURRENT_VERSION : f.version;
    cd_size = ch_host_card_data_size(struct_version);
    cd = malloc(cd_size);
    before = malloc(cd_size);
    atr = malloc(f.atr_len ? f.atr_len : 1); /* exactly cbAtr bytes: ASan sees any over-read */
    name = malloc(((size_t)f.name_units + 1) * sizeof(WCHAR));
    CH_CHECK(cd && before && atr && name, "out of memory");
    memset(cd, SENTINEL, cd_size); /* members the CSP does not set must stay as they are */
    memcpy(atr, f.atr, f.atr_len);
    memcpy(name, f.name, ((size_t)f.name_units + 1) * sizeof(WCHAR));

    cd->dwVersion = f.version;
    cd->pbAtr = (f.nulls & CH_FA_NULL_ATR) ? NULL : atr;
    cd->cbAtr = f.atr_len;
    cd->pwszCardName = (f.nulls & CH_FA_NULL_NAME) ? NULL : name;
    cd->pfnCspAlloc = (f.nulls & CH_FA_NULL_ALLOC) ? NULL : ch_host_alloc;
    cd->pfnCspReAlloc = (f.nulls & CH_FA_NULL_REALLOC) ? NULL : ch_host_realloc;
    cd->pfnCspFree = (f.nulls & CH_FA_NULL_FREE) ? NULL : ch_host_free;
    cd->pfnCspCacheAddFile = (f.nulls & CH_FA_NULL_CACHE) ? NULL : ch_host_cache_add;
    cd->pfnCspCacheLookupFile = (f.nulls & CH_FA_NULL_CACHE) ? NULL : ch_host_cache_lookup;
    cd->pfnCspCacheDeleteFile = (f.nulls & CH_FA_NULL_CACHE) ? NULL : ch_host_cache_delete;
    cd->pvCacheContext = NULL;
    cd->pfnCspPadData = NULL;
    cd->hSCardCtx = (f.shape & CH_FA_ZERO_HCTX) ? 0 : 1;
    cd->hScard = (f.shape & CH_FA_ZERO_HCARD) ? 0 : (SCARDHANDLE)(uintptr_t)&script;
    cd->pvVendorSpecific = NULL;
    memcpy(before, cd, cd_size);

    ch_host_alloc_fail_at(f.alloc_fail_at);
    expect = oracle(&f);
    rc = CardAcquireContext((f.nulls & CH_FA_NULL_CARD_DATA) ? NULL : cd, f.flags);
    if (ch_trace_on()) {
        char d[160];
        snprintf(d, sizeof d, "dwVersion=%u dwFlags=0x%X cbAtr=%u nulls=0x%02X shape=0x%02X "
                 "alloc_fail_at=%u (documented order expects 0x%08X)", f.version, f.flags,
                 f.atr_len, f.nulls, f.shape, f.alloc_fail_at, expect);
        ch_trace_call("CardAcquireContext", d, rc);
    }

    if (expect != SCARD_S_SUCCESS) {
        CH_CHECK(rc == expect, "got 0x%08X, documented order gives 0x%08X", rc, expect);
        CH_CHECK(script.exchanges == 0, "%u APDUs sent before parameters passed",
                 script.exchanges);
        CH_CHECK(ch_host_alloc_count() == 0, "allocated before parameters passed");
    } else if (rc != SCARD_S_SUCCESS) {
        CH_CHECK(rc == SCARD_E_UNKNOWN_CARD || rc == SCARD_E_COMM_DATA_LOST ||
                     rc == SCARD_W_RESET_CARD || rc == SCARD_W_REMOVED_CARD ||
                     (rc == SCARD_E_NO_MEMORY && f.alloc_fail_at == 1),
                 "unexpected card-stage error 0x%08X", rc);
    }
    if (rc != SCARD_S_SUCCESS) {
        CH_CHECK(memcmp(cd, before, cd_size) == 0, "CARD_DATA changed by a failed call");
        CH_CHECK(ch_host_alloc_live() == 0, "%zu allocations left behind",
                 ch_host_alloc_live());
    } else {
        check_success(cd, before, cd_size, &f);
        CH_CHECK(ch_script_sent(&script, 0, &first) && ch_cur_left(&first) >= 5 &&
                     memcmp(ch_cur_peek_ptr(&first), "\x00\xA4\x04\x00", 4) == 0,
                 "first APDU is not SELECT");
        rc = cd->pfnCardDeleteContext(cd);
        ch_trace_call("CardDeleteContext", "", rc);
        CH_CHECK(rc == SCARD_S_SUCCESS, "CardDeleteContext: 0x%08X", rc);
        CH_CHECK(ch_host_alloc_live() == 0, "CardDeleteContext left %zu allocations",
                 ch_host_alloc_live());
        CH_CHECK(cd->pvVendorSpecific == NULL, "context pointer left behind");
        if (f.shape & CH_FA_DELETE_TWICE) {
            rc = cd->pfnCardDeleteContext(cd);
            CH_CHECK(rc == SCARD_E_INVALID_PARAMETER, "second delete: 0x%08X", rc);
        }
    }
    CH_CHECK(ch_host_alloc_errors() == 0, "double or foreign free");

    ch_host_alloc_reset();
    ch_script_free(&script);
    free(name);
    free(atr);
    free(before);
    free(cd);
    return 0;
}
