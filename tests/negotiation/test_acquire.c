/* CardAcquireContext against the script transport: version negotiation at every boundary,
 * every documented refusal (with zero APDUs and zero allocations left), and cards that do not
 * answer SELECT properly. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cardmod.h"
#include "host.h"
#include "md_entry.h"
#include "script.h"

/* 61 11 4F 06 00 00 10 00 01 00 79 07 4F 05 A0 00 00 03 08 + 90 00, as a YubiKey answers. */
static const uint8_t yubikey_select[] = {
    0x00, 0x15, 0x61, 0x11, 0x4F, 0x06, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00, 0x79,
    0x07, 0x4F, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x90, 0x00};

typedef struct {
    ch_host_csp csp;
    ch_script script;
} fixture;

static void setup_with(fixture *fx, DWORD struct_version, DWORD version, const uint8_t *answers,
                       size_t len)
{
    ch_host_alloc_reset();
    ch_script_init(&fx->script, answers, len);
    assert_true(ch_host_csp_init(&fx->csp, struct_version, version, ch_host_default_atr,
                                 ch_host_default_atr_len, 1, (uintptr_t)&fx->script));
}

static void teardown(fixture *fx)
{
    assert_int_equal(ch_host_alloc_errors(), 0);
    ch_host_csp_free(&fx->csp);
    ch_script_free(&fx->script);
    ch_host_alloc_reset();
}

/* A refusal: the code, no APDU, no allocation, CARD_DATA exactly as before. */
static void expect_refusal(fixture *fx, DWORD flags, DWORD want)
{
    uint8_t *before = malloc(fx->csp.cd_size);
    assert_non_null(before);
    memcpy(before, fx->csp.cd, fx->csp.cd_size);
    assert_int_equal(CardAcquireContext(fx->csp.cd, flags), want);
    assert_int_equal(fx->script.exchanges, 0);
    assert_int_equal(ch_host_alloc_count(), 0);
    assert_memory_equal(before, fx->csp.cd, fx->csp.cd_size);
    free(before);
}

static void check_table(const CARD_DATA *cd, DWORD v)
{
    assert_non_null(cd->pfnCardDeleteContext);
    assert_non_null(cd->pfnCardQueryCapabilities);
    assert_non_null(cd->pfnCardDeauthenticate);
    assert_non_null(cd->pfnCardConstructDHAgreement);
    assert_null(cd->pvUnused3);
    assert_null(cd->pvUnused4);
    if (v >= 5) {
        assert_non_null(cd->pfnCardDeriveKey);
        assert_non_null(cd->pfnCardDestroyDHAgreement);
        assert_null(cd->pfnCspGetDHAgreement); /* the CSP's, not ours */
    }
    if (v >= 6) {
        assert_non_null(cd->pfnCardGetChallengeEx);
        assert_non_null(cd->pfnCardSetProperty);
    }
    if (v >= 7) {
        assert_null(cd->pfnCspUnpadData);
        assert_non_null(cd->pfnMDImportSessionKey);
        assert_non_null(cd->pfnCardCreateContainerEx);
    }
}

static void test_every_version_boundary(void **state)
{
    static const DWORD versions[] = {0,  1,  2,          3,          4,          5,
                                     6,  7,  8,          9,          0x7FFFFFFF, 0x80000000,
                                     0xFFFFFFFE, 0xFFFFFFFF};
    (void)state;
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        DWORD v = versions[i];
        fixture fx;
        /* The structure is exactly as large as a CSP of that version allocates it. */
        setup_with(&fx, v, v, yubikey_select, sizeof yubikey_select);
        if (v < 4) {
            expect_refusal(&fx, 0, ERROR_REVISION_MISMATCH);
            assert_int_equal(fx.csp.cd->dwVersion, v);
        } else {
            DWORD want = v > 7 ? 7 : v;
            assert_int_equal(CardAcquireContext(fx.csp.cd, 0), SCARD_S_SUCCESS);
            assert_int_equal(fx.csp.cd->dwVersion, want);
            assert_non_null(fx.csp.cd->pvVendorSpecific);
            assert_int_equal(fx.script.exchanges, 1);
            check_table(fx.csp.cd, want);
            /* The table reaches the module: a NULL structure is refused without an APDU, and
             * an entry point not implemented yet says so. */
            assert_int_equal(fx.csp.cd->pfnCardQueryCapabilities(fx.csp.cd, NULL),
                             SCARD_E_INVALID_PARAMETER);
            assert_int_equal(fx.csp.cd->pfnCardCreateDirectory(fx.csp.cd, NULL,
                                                                UserCreateDeleteDirAc),
                             SCARD_E_UNSUPPORTED_FEATURE);
            assert_int_equal(fx.script.exchanges, 1);
            assert_int_equal(fx.csp.cd->pfnCardDeleteContext(fx.csp.cd), SCARD_S_SUCCESS);
            assert_null(fx.csp.cd->pvVendorSpecific);
            assert_int_equal(ch_host_alloc_live(), 0);
        }
        teardown(&fx);
    }
}

static void test_select_apdu_bytes(void **state)
{
    static const uint8_t want[] = {0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00,
                                   0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x00};
    fixture fx;
    ch_cur sent;
    (void)state;
    setup_with(&fx, 7, 7, yubikey_select, sizeof yubikey_select);
    assert_int_equal(CardAcquireContext(fx.csp.cd, 0), SCARD_S_SUCCESS);
    assert_true(ch_script_sent(&fx.script, 0, &sent));
    assert_int_equal(ch_cur_left(&sent), sizeof want);
    assert_memory_equal(ch_cur_peek_ptr(&sent), want, sizeof want);
    assert_int_equal(fx.csp.cd->pfnCardDeleteContext(fx.csp.cd), SCARD_S_SUCCESS);
    teardown(&fx);
}

static void test_parameter_refusals(void **state)
{
    fixture fx;
    (void)state;

#define REFUSAL(mutate, flags, want)                                                         \
    do {                                                                                     \
        setup_with(&fx, 7, 7, yubikey_select, sizeof yubikey_select);                        \
        mutate;                                                                              \
        expect_refusal(&fx, flags, want);                                                    \
        teardown(&fx);                                                                       \
    } while (0)

    REFUSAL((void)0, 2, SCARD_E_INVALID_PARAMETER);
    REFUSAL((void)0, 0x80000000u, SCARD_E_INVALID_PARAMETER);
    REFUSAL((void)0, 3, SCARD_E_UNSUPPORTED_FEATURE); /* unsupported before invalid */
    REFUSAL((void)0, 0xFFFFFFFFu, SCARD_E_UNSUPPORTED_FEATURE);
    REFUSAL((void)0, CARD_SECURE_KEY_INJECTION_NO_CARD_MODE, SCARD_E_UNSUPPORTED_FEATURE);
    REFUSAL(fx.csp.cd->pbAtr = NULL, 0, SCARD_E_INVALID_PARAMETER);
    REFUSAL(fx.csp.cd->pwszCardName = NULL, 0, SCARD_E_INVALID_PARAMETER);
    REFUSAL(fx.csp.cd->cbAtr = 0, 0, SCARD_E_INVALID_PARAMETER);
    REFUSAL(fx.csp.cd->cbAtr = 1, 0, SCARD_E_INVALID_PARAMETER);
    REFUSAL(fx.csp.cd->cbAtr = 34, 0, SCARD_E_INVALID_PARAMETER);
    REFUSAL(fx.csp.atr[0] = 0x00, 0, SCARD_E_UNKNOWN_CARD);
    REFUSAL(fx.csp.atr[0] = 0xFF, 0, SCARD_E_UNKNOWN_CARD);
    REFUSAL(fx.csp.cd->pfnCspAlloc = NULL, 0, SCARD_E_INVALID_PARAMETER);
    REFUSAL(fx.csp.cd->pfnCspReAlloc = NULL, 0, SCARD_E_INVALID_PARAMETER);
    REFUSAL(fx.csp.cd->pfnCspFree = NULL, 0, SCARD_E_INVALID_PARAMETER);
    REFUSAL(fx.csp.cd->hSCardCtx = 0, 0, SCARD_E_INVALID_PARAMETER);
    REFUSAL(fx.csp.cd->hScard = 0, 0, SCARD_E_INVALID_PARAMETER);
    /* Order: a bad flag is reported before a NULL ATR, a bad ATR before a bad version. */
    REFUSAL(fx.csp.cd->pbAtr = NULL, 4, SCARD_E_INVALID_PARAMETER);
    REFUSAL((fx.csp.cd->cbAtr = 1, fx.csp.cd->dwVersion = 2), 0, SCARD_E_INVALID_PARAMETER);
    REFUSAL((fx.csp.cd->hScard = 0, fx.csp.cd->dwVersion = 2), 0, SCARD_E_INVALID_PARAMETER);
#undef REFUSAL
    /* Optional callbacks may be absent. */
    setup_with(&fx, 7, 7, yubikey_select, sizeof yubikey_select);
    fx.csp.cd->pfnCspCacheAddFile = NULL;
    fx.csp.cd->pfnCspCacheLookupFile = NULL;
    fx.csp.cd->pfnCspCacheDeleteFile = NULL;
    assert_int_equal(CardAcquireContext(fx.csp.cd, 0), SCARD_S_SUCCESS);
    assert_int_equal(fx.csp.cd->pfnCardDeleteContext(fx.csp.cd), SCARD_S_SUCCESS);
    teardown(&fx);
}

static void test_null_card_data(void **state)
{
    (void)state;
    assert_int_equal(CardAcquireContext(NULL, 0), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(CardDeleteContext(NULL), SCARD_E_INVALID_PARAMETER);
}

/* Card answers to SELECT that must fail cleanly, with the code each one gives. */
static void test_bad_select_answers(void **state)
{
    static const struct {
        const char *what;
        uint8_t script[40];
        size_t len;
        DWORD want;
    } cases[] = {
        {"application not found", {0x00, 0x02, 0x6A, 0x82}, 4, SCARD_E_UNKNOWN_CARD},
        {"INS not supported", {0x00, 0x02, 0x6D, 0x00}, 4, SCARD_E_UNKNOWN_CARD},
        {"one byte", {0x00, 0x01, 0x90}, 3, SCARD_E_COMM_DATA_LOST},
        {"empty answer", {0x00, 0x00}, 2, SCARD_E_COMM_DATA_LOST},
        {"no answer at all", {0}, 0, SCARD_W_REMOVED_CARD},
        {"card reset", {0xFF, 0x01}, 2, SCARD_W_RESET_CARD},
        {"communication lost", {0xFF, 0x00}, 2, SCARD_E_COMM_DATA_LOST},
        {"wrong template tag", {0x00, 0x0A, 0x62, 0x06, 0x4F, 0x04, 0x00, 0x00, 0x10, 0x00, 0x90, 0x00},
         12, SCARD_E_UNKNOWN_CARD},
        {"TLV length past the answer",
         {0x00, 0x08, 0x61, 0x82, 0xFF, 0xFF, 0x4F, 0x00, 0x90, 0x00}, 10, SCARD_E_UNKNOWN_CARD},
        {"not a PIV AID", {0x00, 0x0A, 0x61, 0x06, 0x4F, 0x04, 0xD2, 0x76, 0x00, 0x01, 0x90, 0x00},
         12, SCARD_E_UNKNOWN_CARD},
        {"APT without AID", {0x00, 0x06, 0x61, 0x02, 0x50, 0x00, 0x90, 0x00}, 8,
         SCARD_E_UNKNOWN_CARD},
        {"trailing byte after APT",
         {0x00, 0x0B, 0x61, 0x06, 0x4F, 0x04, 0x00, 0x00, 0x10, 0x00, 0x00, 0x90, 0x00}, 13,
         SCARD_E_UNKNOWN_CARD},
        {"61 01 forever", {0x00, 0x02, 0x61, 0x01, 0x00, 0x02, 0x61, 0x01, 0x00, 0x02, 0x61, 0x01},
         12, SCARD_W_REMOVED_CARD},
        {"6C twice", {0x00, 0x02, 0x6C, 0x10, 0x00, 0x02, 0x6C, 0x10}, 8, SCARD_E_COMM_DATA_LOST},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture fx;
        uint8_t *before;
        print_message("case: %s\n", cases[i].what);
        setup_with(&fx, 7, 7, cases[i].script, cases[i].len);
        before = malloc(fx.csp.cd_size);
        assert_non_null(before);
        memcpy(before, fx.csp.cd, fx.csp.cd_size);
        assert_int_equal(CardAcquireContext(fx.csp.cd, 0), cases[i].want);
        assert_memory_equal(before, fx.csp.cd, fx.csp.cd_size);
        assert_int_equal(ch_host_alloc_live(), 0);
        assert_int_equal(ch_host_alloc_count(), 1); /* the context, freed again */
        free(before);
        teardown(&fx);
    }
}

/* Good answers in other shapes: bare 9000, APT split over 61xx, a 6Cxx re-send. */
static void test_good_select_answers(void **state)
{
    static const struct {
        const char *what;
        uint8_t script[48];
        size_t len;
        unsigned exchanges;
    } cases[] = {
        {"bare 9000", {0x00, 0x02, 0x90, 0x00}, 4, 1},
        {"APT through GET RESPONSE",
         {0x00, 0x02, 0x61, 0x0A, 0x00, 0x0C, 0x61, 0x08, 0x4F, 0x06, 0x00, 0x00, 0x10, 0x00,
          0x01, 0x00, 0x90, 0x00},
         18, 2},
        {"6C then the APT",
         {0x00, 0x02, 0x6C, 0x0A, 0x00, 0x0C, 0x61, 0x08, 0x4F, 0x06, 0x00, 0x00, 0x10, 0x00,
          0x01, 0x00, 0x90, 0x00},
         18, 2},
        {"full AID with label and algorithms",
         {0x00, 0x1B, 0x61, 0x17, 0x4F, 0x0B, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10,
          0x00, 0x01, 0x00, 0x50, 0x03, 'P',  'I',  'V',  0xAC, 0x03, 0x80, 0x01, 0x11,
          0x90, 0x00},
         29, 1},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture fx;
        print_message("case: %s\n", cases[i].what);
        setup_with(&fx, 6, 6, cases[i].script, cases[i].len);
        assert_int_equal(CardAcquireContext(fx.csp.cd, 0), SCARD_S_SUCCESS);
        assert_int_equal(fx.script.exchanges, cases[i].exchanges);
        assert_int_equal(fx.csp.cd->dwVersion, 6);
        assert_int_equal(fx.csp.cd->pfnCardDeleteContext(fx.csp.cd), SCARD_S_SUCCESS);
        assert_int_equal(ch_host_alloc_live(), 0);
        teardown(&fx);
    }
}

static void test_out_of_memory(void **state)
{
    fixture fx;
    (void)state;
    setup_with(&fx, 7, 7, yubikey_select, sizeof yubikey_select);
    ch_host_alloc_fail_at(1);
    assert_int_equal(CardAcquireContext(fx.csp.cd, 0), SCARD_E_NO_MEMORY);
    assert_int_equal(fx.script.exchanges, 0);
    assert_null(fx.csp.cd->pvVendorSpecific);
    assert_null(fx.csp.cd->pfnCardDeleteContext);
    teardown(&fx);
}

static void test_delete_refuses_foreign_context(void **state)
{
    fixture fx;
    uint32_t not_ours[16] = {0};
    (void)state;
    setup_with(&fx, 7, 7, yubikey_select, sizeof yubikey_select);
    fx.csp.cd->pvVendorSpecific = not_ours;
    assert_int_equal(CardDeleteContext(fx.csp.cd), SCARD_E_INVALID_PARAMETER);
    fx.csp.cd->pvVendorSpecific = NULL;
    assert_int_equal(CardDeleteContext(fx.csp.cd), SCARD_E_INVALID_PARAMETER);
    teardown(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_version_boundary),
        cmocka_unit_test(test_select_apdu_bytes),
        cmocka_unit_test(test_parameter_refusals),
        cmocka_unit_test(test_null_card_data),
        cmocka_unit_test(test_bad_select_answers),
        cmocka_unit_test(test_good_select_answers),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_delete_refuses_foreign_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
