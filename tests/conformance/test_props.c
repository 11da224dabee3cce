/* Conformance: card and container properties (src/md/md_props.c, src/md/md_cprops.c) against
 * the in-process vpiv card.
 *
 * CardGetProperty / CardSetProperty (v6 and v7 contexts)
 * ------------------------------------------------------------------------------------------
 * property                     | v | value (size)                    | dwFlags  | set
 * -----------------------------+---+---------------------------------+----------+------------
 * CP_CARD_FREE_SPACE           | 6 | CARD_FREE_SPACE_INFO (16), card | 0        | UNSUPPORTED
 * CP_CARD_CAPABILITIES         | 6 | CARD_CAPABILITIES (12)          | 0        | UNSUPPORTED
 * CP_CARD_KEYSIZES             | 6 | CARD_KEY_SIZES (20)             | keyspec  | UNSUPPORTED
 * CP_CARD_READ_ONLY            | 6 | BOOL FALSE (4)                  | 0        | UNSUPPORTED
 * CP_CARD_CACHE_MODE           | 6 | DWORD GLOBAL_CACHE 1 (4)        | 0        | UNSUPPORTED
 * CP_SUPPORTS_WIN_X509_ENROLL. | 6 | BOOL TRUE (4)                   | 0        | UNSUPPORTED
 * CP_CARD_GUID                 | 6 | cardid (16), card               | 0        | UNSUPPORTED
 * CP_CARD_SERIAL_NO            | 6 | YubiKey serial BE (4), card;    | 0        | UNSUPPORTED
 *                              |   | no serial: cardid (16)          |          |
 * CP_CARD_PIN_INFO             | 6 | PIN_INFO (36)                   | PIN id   | UNSUPPORTED
 * CP_CARD_LIST_PINS            | 6 | PIN_SET 0x1E (user, admin,      | 0        | UNSUPPORTED
 *                              |   | sign 3, PUK 4) (4)              |          |
 * CP_CARD_AUTHENTICATED_STATE  | 6 | PIN_SET (4), card (empty VERIFY)| 0        | UNSUPPORTED
 * CP_CARD_PIN_STRENGTH_VERIFY  | 6 | DWORD PLAINTEXT 1 (4)           | PIN id   | UNSUPPORTED
 * CP_CARD_PIN_STRENGTH_CHANGE  | 6 | DWORD PLAINTEXT 1 (4)           | PIN id   | UNSUPPORTED
 * CP_CARD_PIN_STRENGTH_UNBLOCK | 6 | DWORD PLAINTEXT 1 (4)           | PIN id * | UNSUPPORTED
 * CP_PARENT_WINDOW             | 6 | write-only: get UNSUPPORTED     | 0        | HWND (ptr size), 0 ok
 * CP_PIN_CONTEXT_STRING        | 6 | write-only: get UNSUPPORTED     | 0        | UTF-16, NUL within
 *                              |   |                                 |          | cb (<= 1024 units);
 *                              |   |                                 |          | NULL,0 clears
 * CP_KEY_IMPORT_SUPPORT        | 7 | DWORD 0 (4)                     | 0        | UNSUPPORTED
 * CP_ENUM_ALGORITHMS           | 7 | get UNSUPPORTED (no SKI)        | -        | UNSUPPORTED
 * CP_PADDING_SCHEMES           | 7 | get UNSUPPORTED (no SKI)        | -        | UNSUPPORTED
 * CP_CHAINING_MODES            | 7 | get UNSUPPORTED (no SKI)        | -        | UNSUPPORTED
 * unknown (v7 names in v6 too) |   | get INVALID_PARAMETER           |          | UNSUPPORTED
 *  * UNBLOCK: only the PINs something unblocks (user 1, sign 3); admin 2 and PUK 4 INVALID.
 * Get order: NULL context/name INVALID; unknown INVALID; write-only/SKI UNSUPPORTED; keyspec
 * known-unsupported (P-521) UNSUPPORTED; NULL pbData/pdwDataLen INVALID; bad flags INVALID;
 * short buffer ERROR_INSUFFICIENT_BUFFER + size (fixed sizes: no APDU); caller's dwVersion
 * above ours ERROR_REVISION_MISMATCH (0 -> 1; PIN_INFO always answered as 6); then the card.
 * Set order: NULL context/name INVALID; unknown or read-only UNSUPPORTED; flags INVALID; value.
 *
 * CardGetContainerProperty / CardSetContainerProperty
 * ------------------------------------------------------------------------------------------
 * CCP_CONTAINER_INFO      | CONTAINER_INFO, blobs from the CSP allocator (as             | set UNSUPPORTED
 *                         | CardGetContainerInfo), cbData >= sizeof, dwVersion as given |
 * CCP_PIN_IDENTIFIER      | PIN_ID of the slot: 9C -> 3, 9E -> 0, else 1 (4)            | same value: ok,
 *                         |                                                             | other: UNSUPPORTED
 * CCP_ASSOCIATED_ECDH_KEY | get INVALID (unsupported), set UNSUPPORTED                  |
 * unknown                 | get INVALID, set UNSUPPORTED                                |
 * dwFlags != 0 INVALID; index >= 24 NO_KEY_CONTAINER without APDU; empty slot
 * NO_KEY_CONTAINER after the card was asked. Set: PIN_ID >= 8 or cb != 4 INVALID. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_card.h"
#include "md_auth.h"
#include "md_context.h"
#include "md_fs.h"
#include "md_props.h"
#include "vpiv_test_apdu.h"

#define FILL 0xA5

static DWORD gp(conf *c, LPCWSTR p, void *buf, DWORD cb, PDWORD len, DWORD flags)
{
    return c->cd->pfnCardGetProperty(c->cd, p, (PBYTE)buf, cb, len, flags);
}

static DWORD sp(conf *c, LPCWSTR p, const void *buf, DWORD cb, DWORD flags)
{
    return c->cd->pfnCardSetProperty(c->cd, p, (PBYTE)(uintptr_t)buf, cb, flags);
}

static DWORD gcp(conf *c, BYTE idx, LPCWSTR p, void *buf, DWORD cb, PDWORD len, DWORD flags)
{
    return c->cd->pfnCardGetContainerProperty(c->cd, idx, p, (PBYTE)buf, cb, len, flags);
}

static DWORD scp(conf *c, BYTE idx, LPCWSTR p, const void *buf, DWORD cb, DWORD flags)
{
    return c->cd->pfnCardSetContainerProperty(c->cd, idx, p, (PBYTE)(uintptr_t)buf, cb, flags);
}

static bool all(const uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return false;
    return true;
}

/* A fixed-size DWORD-like property: exact value, exact length, nothing past it written. */
static void expect_dword(conf *c, LPCWSTR p, DWORD flags, DWORD want)
{
    uint8_t buf[12];
    DWORD len = 0, v;
    memset(buf, FILL, sizeof buf);
    assert_int_equal(gp(c, p, buf, sizeof buf, &len, flags), SCARD_S_SUCCESS);
    assert_int_equal(len, 4);
    memcpy(&v, buf, 4);
    assert_int_equal(v, want);
    assert_true(all(buf + 4, sizeof buf - 4, FILL));
}

/* ---- the properties themselves ---- */

/* Every card property: the size of its value (0: depends on the card, or none), the flags
 * that make a valid request, whether a get is unsupported outright, whether it can be set. */
static const struct cprop {
    LPCWSTR name;
    size_t size;
    DWORD flags;
    bool get_unsupported;
    bool settable;
} all_card_props[] = {
    {CP_CARD_FREE_SPACE, sizeof(CARD_FREE_SPACE_INFO), 0, false, false},
    {CP_CARD_CAPABILITIES, sizeof(CARD_CAPABILITIES), 0, false, false},
    {CP_CARD_KEYSIZES, sizeof(CARD_KEY_SIZES), AT_KEYEXCHANGE, false, false},
    {CP_CARD_READ_ONLY, 4, 0, false, false},
    {CP_CARD_CACHE_MODE, 4, 0, false, false},
    {CP_SUPPORTS_WIN_X509_ENROLLMENT, 4, 0, false, false},
    {CP_CARD_GUID, 16, 0, false, false},
    {CP_CARD_SERIAL_NO, 0, 0, false, false},
    {CP_CARD_PIN_INFO, sizeof(PIN_INFO), ROLE_USER, false, false},
    {CP_CARD_LIST_PINS, 4, 0, false, false},
    {CP_CARD_AUTHENTICATED_STATE, 4, 0, false, false},
    {CP_CARD_PIN_STRENGTH_VERIFY, 4, ROLE_USER, false, false},
    {CP_CARD_PIN_STRENGTH_CHANGE, 4, ROLE_USER, false, false},
    {CP_CARD_PIN_STRENGTH_UNBLOCK, 4, ROLE_USER, false, false},
    {CP_PARENT_WINDOW, 0, 0, true, true},
    {CP_PIN_CONTEXT_STRING, 0, 0, true, true},
    {CP_KEY_IMPORT_SUPPORT, 4, 0, false, false},
    {CP_ENUM_ALGORITHMS, 0, 0, true, false},
    {CP_PADDING_SCHEMES, 0, 0, true, false},
    {CP_CHAINING_MODES, 0, 0, true, false},
};
#define N_CARD_PROPS (sizeof all_card_props / sizeof all_card_props[0])

static void test_simple_values(void **state)
{
    conf c;
    (void)state;
    conf_open(&c, 7);
    unsigned long before = conf_apdus(&c);
    expect_dword(&c, CP_CARD_READ_ONLY, 0, 0);
    expect_dword(&c, CP_SUPPORTS_WIN_X509_ENROLLMENT, 0, 1);
    expect_dword(&c, CP_CARD_CACHE_MODE, 0, CP_CACHE_MODE_GLOBAL_CACHE);
    expect_dword(&c, CP_CARD_LIST_PINS, 0, 0x1E);
    expect_dword(&c, CP_CARD_LIST_PINS, 0, CH_MD_PINS_DEFINED);
    expect_dword(&c, CP_KEY_IMPORT_SUPPORT, 0, 0);
    for (PIN_ID id = 1; id <= 4; id++) {
        expect_dword(&c, CP_CARD_PIN_STRENGTH_VERIFY, id, CARD_PIN_STRENGTH_PLAINTEXT);
        expect_dword(&c, CP_CARD_PIN_STRENGTH_CHANGE, id, CARD_PIN_STRENGTH_PLAINTEXT);
    }
    expect_dword(&c, CP_CARD_PIN_STRENGTH_UNBLOCK, ROLE_USER, CARD_PIN_STRENGTH_PLAINTEXT);
    expect_dword(&c, CP_CARD_PIN_STRENGTH_UNBLOCK, CH_MD_PIN_SIGN, CARD_PIN_STRENGTH_PLAINTEXT);
    assert_int_equal(conf_apdus(&c), before); /* none of these needs the card */
    conf_close(&c);
}

static void test_pin_strength_ids(void **state)
{
    static const DWORD bad[] = {ROLE_EVERYONE, 5, 6, 7, 8, 32, 0xFFFFFFFFu};
    DWORD v = 0x5A5A5A5A, len = 77;
    conf c;
    (void)state;
    conf_open(&c, 6);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                     gp(&c, CP_CARD_PIN_STRENGTH_VERIFY, &v, 4, &len, bad[i]));
        CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                     gp(&c, CP_CARD_PIN_STRENGTH_CHANGE, &v, 4, &len, bad[i]));
        CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                     gp(&c, CP_CARD_PIN_STRENGTH_UNBLOCK, &v, 4, &len, bad[i]));
    }
    /* Nothing unblocks the management key or the PUK. */
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 gp(&c, CP_CARD_PIN_STRENGTH_UNBLOCK, &v, 4, &len, ROLE_ADMIN));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 gp(&c, CP_CARD_PIN_STRENGTH_UNBLOCK, &v, 4, &len, CH_MD_PIN_PUK));
    assert_int_equal(v, 0x5A5A5A5A);
    assert_int_equal(len, 77);
    conf_close(&c);
}

static void test_capabilities(void **state)
{
    CARD_CAPABILITIES want, got;
    DWORD len = 0;
    conf c;
    (void)state;
    conf_open(&c, 7);
    memset(&want, 0, sizeof want);
    assert_int_equal(c.cd->pfnCardQueryCapabilities(c.cd, &want), SCARD_S_SUCCESS);
    memset(&got, 0, sizeof got); /* dwVersion 0 means 1 */
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, gp(&c, CP_CARD_CAPABILITIES, &got, sizeof got, &len, 0));
    assert_int_equal(len, sizeof got);
    assert_memory_equal(&got, &want, sizeof got);
    assert_int_equal(got.dwVersion, 1);
    /* A structure newer than ours: ERROR_REVISION_MISMATCH, untouched. */
    memset(&got, FILL, sizeof got);
    got.dwVersion = 2;
    len = 77;
    CONF_NO_APDU(&c, ERROR_REVISION_MISMATCH,
                 gp(&c, CP_CARD_CAPABILITIES, &got, sizeof got, &len, 0));
    assert_int_equal(len, 77);
    assert_true(all((uint8_t *)&got + 4, sizeof got - 4, FILL));
    conf_close(&c);
}

static void test_keysizes(void **state)
{
    static const DWORD specs[] = {AT_KEYEXCHANGE, AT_SIGNATURE, AT_ECDSA_P256, AT_ECDSA_P384,
                                  AT_ECDHE_P256, AT_ECDHE_P384};
    CARD_KEY_SIZES want, got;
    DWORD len;
    conf c;
    (void)state;
    conf_open(&c, 6);
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        memset(&want, 0, sizeof want);
        want.dwVersion = 1;
        assert_int_equal(c.cd->pfnCardQueryKeySizes(c.cd, specs[i], 0, &want), SCARD_S_SUCCESS);
        memset(&got, 0, sizeof got);
        len = 0;
        CONF_NO_APDU(&c, SCARD_S_SUCCESS,
                     gp(&c, CP_CARD_KEYSIZES, &got, sizeof got, &len, specs[i]));
        assert_int_equal(len, sizeof got);
        assert_memory_equal(&got, &want, sizeof got);
    }
    memset(&got, FILL, sizeof got);
    got.dwVersion = 1;
    len = 77;
    /* P-521: a known keyspec PIV cannot hold, UNSUPPORTED_FEATURE before anything else. */
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 gp(&c, CP_CARD_KEYSIZES, &got, sizeof got, &len, AT_ECDSA_P521));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 gp(&c, CP_CARD_KEYSIZES, &got, sizeof got, &len, AT_ECDHE_P521));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 gp(&c, CP_CARD_KEYSIZES, NULL, sizeof got, NULL, AT_ECDSA_P521));
    /* Not a keyspec. */
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 gp(&c, CP_CARD_KEYSIZES, &got, sizeof got, &len, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 gp(&c, CP_CARD_KEYSIZES, &got, sizeof got, &len, 9));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 gp(&c, CP_CARD_KEYSIZES, &got, sizeof got, &len, 0xFFFFFFFFu));
    got.dwVersion = 2;
    CONF_NO_APDU(&c, ERROR_REVISION_MISMATCH,
                 gp(&c, CP_CARD_KEYSIZES, &got, sizeof got, &len, AT_SIGNATURE));
    assert_int_equal(len, 77);
    assert_true(all((uint8_t *)&got + 4, sizeof got - 4, FILL));
    conf_close(&c);
}

static void test_pin_info(void **state)
{
    static const PIN_ID ids[] = {ROLE_USER, ROLE_ADMIN, CH_MD_PIN_SIGN, CH_MD_PIN_PUK};
    static const DWORD bad[] = {ROLE_EVERYONE, 5, 6, 7, 8, 0xFFFFFFFFu};
    PIN_INFO want, got;
    DWORD len;
    conf c;
    (void)state;
    conf_open(&c, 7);
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        assert_int_equal(ch_md_pin_info(ids[i], &want), SCARD_S_SUCCESS);
        for (DWORD ver = 0; ver <= PIN_INFO_CURRENT_VERSION; ver += 6) {
            memset(&got, FILL, sizeof got);
            got.dwVersion = ver;
            len = 0;
            CONF_NO_APDU(&c, SCARD_S_SUCCESS,
                         gp(&c, CP_CARD_PIN_INFO, &got, sizeof got, &len, ids[i]));
            assert_int_equal(len, sizeof got);
            assert_memory_equal(&got, &want, sizeof got);
            assert_int_equal(got.dwVersion, PIN_INFO_CURRENT_VERSION);
        }
    }
    /* What the PIN list says matches what PIN_INFO answers. */
    for (PIN_ID id = 0; id < MAX_PINS; id++) {
        DWORD want_rc = (CH_MD_PINS_DEFINED & CREATE_PIN_SET(id)) ? SCARD_S_SUCCESS
                                                                   : SCARD_E_INVALID_PARAMETER;
        got.dwVersion = PIN_INFO_CURRENT_VERSION;
        CONF_NO_APDU(&c, want_rc, gp(&c, CP_CARD_PIN_INFO, &got, sizeof got, &len, id));
    }
    memset(&got, FILL, sizeof got);
    got.dwVersion = PIN_INFO_CURRENT_VERSION;
    len = 77;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                     gp(&c, CP_CARD_PIN_INFO, &got, sizeof got, &len, bad[i]));
    got.dwVersion = PIN_INFO_CURRENT_VERSION + 1;
    CONF_NO_APDU(&c, ERROR_REVISION_MISMATCH,
                 gp(&c, CP_CARD_PIN_INFO, &got, sizeof got, &len, ROLE_USER));
    assert_int_equal(len, 77);
    assert_true(all((uint8_t *)&got + 4, sizeof got - 4, FILL));
    conf_close(&c);
}

static void test_free_space(void **state)
{
    CARD_FREE_SPACE_INFO want, got;
    DWORD len = 0;
    conf c;
    uint8_t *der;
    size_t der_len;
    vpiv_card *card = conf_card_new(11);
    (void)state;
    EVP_PKEY_free(conf_card_key_and_cert(card, 0x9A, "p256", false, &der, &der_len));
    free(der);
    conf_open_on(&c, card, 6);
    memset(&want, 0, sizeof want);
    assert_int_equal(c.cd->pfnCardQueryFreeSpace(c.cd, 0, &want), SCARD_S_SUCCESS);
    memset(&got, 0, sizeof got);
    assert_int_equal(gp(&c, CP_CARD_FREE_SPACE, &got, sizeof got, &len, 0), SCARD_S_SUCCESS);
    assert_int_equal(len, sizeof got);
    assert_memory_equal(&got, &want, sizeof got);
    assert_int_equal(got.dwVersion, 1);
    assert_int_equal(got.dwMaxKeyContainers, CH_MD_MAX_CONTAINERS);
    assert_int_equal(got.dwKeyContainersAvailable, CH_MD_MAX_CONTAINERS - 1);
    got.dwVersion = 2;
    len = 77;
    CONF_NO_APDU(&c, ERROR_REVISION_MISMATCH,
                 gp(&c, CP_CARD_FREE_SPACE, &got, sizeof got, &len, 0));
    assert_int_equal(len, 77);
    conf_close(&c);
    vpiv_free(card);
}

static void test_guid_and_serial(void **state)
{
    /* vpiv: serial 10000001 = 0x00989681, no CHUID: the cardid comes from the serial. */
    static const uint8_t from_serial[16] = {'c', 'h', 'P', 'I', 'V', '-', 'Y', 'K',
                                            0, 0, 0, 0, 0x00, 0x98, 0x96, 0x81};
    static const uint8_t serial[4] = {0x00, 0x98, 0x96, 0x81};
    uint8_t buf[24];
    DWORD len = 0;
    conf c;
    (void)state;
    conf_open(&c, 6);
    memset(buf, FILL, sizeof buf);
    assert_int_equal(gp(&c, CP_CARD_GUID, buf, sizeof buf, &len, 0), SCARD_S_SUCCESS);
    assert_int_equal(len, 16);
    assert_memory_equal(buf, from_serial, 16);
    assert_true(all(buf + 16, sizeof buf - 16, FILL));
    /* Read once per context: the second time costs no APDU. */
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, gp(&c, CP_CARD_GUID, buf, 16, &len, 0));
    assert_memory_equal(buf, from_serial, 16);

    memset(buf, FILL, sizeof buf);
    len = 0;
    assert_int_equal(gp(&c, CP_CARD_SERIAL_NO, buf, sizeof buf, &len, 0), SCARD_S_SUCCESS);
    assert_int_equal(len, 4);
    assert_memory_equal(buf, serial, 4);
    assert_true(all(buf + 4, sizeof buf - 4, FILL));
    /* Variable size: the card is asked, then the size reported, the buffer untouched. */
    memset(buf, FILL, sizeof buf);
    assert_int_equal(gp(&c, CP_CARD_SERIAL_NO, buf, 3, &len, 0), ERROR_INSUFFICIENT_BUFFER);
    assert_int_equal(len, 4);
    assert_true(all(buf, sizeof buf, FILL));
    conf_close(&c);
}

static void test_guid_from_chuid(void **state)
{
    static const uint8_t guid[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                     0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xF0, 0x01};
    uint8_t chuid[80], buf[16];
    size_t o = 0;
    DWORD len = 0;
    conf c;
    vpiv_card *card = conf_card_new(12);
    (void)state;
    chuid[o++] = 0x30;
    chuid[o++] = 25;
    memset(chuid + o, 0xD4, 25);
    o += 25;
    chuid[o++] = 0x34;
    chuid[o++] = 16;
    memcpy(chuid + o, guid, 16);
    o += 16;
    chuid[o++] = 0x35;
    chuid[o++] = 8;
    memcpy(chuid + o, "20301231", 8);
    o += 8;
    chuid[o++] = 0x3E;
    chuid[o++] = 0;
    chuid[o++] = 0xFE;
    chuid[o++] = 0;
    conf_card_put(card, 0x5FC102, chuid, o);
    conf_open_on(&c, card, 7);
    assert_int_equal(gp(&c, CP_CARD_GUID, buf, sizeof buf, &len, 0), SCARD_S_SUCCESS);
    assert_int_equal(len, 16);
    assert_memory_equal(buf, guid, 16);
    conf_close(&c);
    vpiv_free(card);
}

static void test_authenticated_state(void **state)
{
    DWORD v = 0xFFFFFFFFu, len = 0;
    conf c;
    (void)state;
    conf_open(&c, 6);
    assert_int_equal(gp(&c, CP_CARD_AUTHENTICATED_STATE, &v, 4, &len, 0), SCARD_S_SUCCESS);
    assert_int_equal(len, 4);
    assert_int_equal(v, PIN_SET_NONE);
    /* Another application on the same card verifies the PIN: the card is the authority. */
    TX(c.card, VERIFY(PIN_DEF), 0x9000);
    assert_int_equal(gp(&c, CP_CARD_AUTHENTICATED_STATE, &v, 4, &len, 0), SCARD_S_SUCCESS);
    assert_int_equal(v, CREATE_PIN_SET(ROLE_USER) | CREATE_PIN_SET(CH_MD_PIN_SIGN));
    /* ... and logs it out again (VERIFY P1 FF). */
    TX(c.card, "00 20 FF 80", 0x9000);
    assert_int_equal(gp(&c, CP_CARD_AUTHENTICATED_STATE, &v, 4, &len, 0), SCARD_S_SUCCESS);
    assert_int_equal(v, PIN_SET_NONE);
    conf_close(&c);
}

/* ---- the parameter checks, every property ---- */

static void test_get_checks_every_property(void **state)
{
    uint8_t buf[64];
    DWORD len;
    conf c;
    (void)state;
    conf_open(&c, 7);
    for (size_t i = 0; i < N_CARD_PROPS; i++) {
        LPCWSTR p = all_card_props[i].name;
        DWORD f = all_card_props[i].flags;
        size_t n = all_card_props[i].size;
        memset(buf, FILL, sizeof buf);
        len = 77;
        if (all_card_props[i].get_unsupported) {
            /* Write-only, or secure key injection: UNSUPPORTED whatever else is wrong. */
            CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, gp(&c, p, buf, sizeof buf, &len, 0));
            CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, gp(&c, p, buf, sizeof buf, &len, 1));
            CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, gp(&c, p, buf, sizeof buf, &len, 2));
            CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, gp(&c, p, NULL, 0, NULL, 0));
            assert_int_equal(len, 77);
            assert_true(all(buf, sizeof buf, FILL));
            continue;
        }
        CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, gp(&c, p, NULL, sizeof buf, &len, f));
        CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, gp(&c, p, NULL, 0, &len, f));
        CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, gp(&c, p, buf, sizeof buf, NULL, f));
        CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                     c.cd->pfnCardGetProperty(NULL, p, buf, sizeof buf, &len, f));
        /* Flags the property does not define. */
        if (f == 0) {
            CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, gp(&c, p, buf, sizeof buf, &len, 1));
            CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                         gp(&c, p, buf, sizeof buf, &len, 0x80000000u));
        }
        assert_int_equal(len, 77);
        assert_true(all(buf, sizeof buf, FILL));
        if (n) {
            /* Short buffers: the size, no APDU (even for values the card gives), untouched. */
            CONF_NO_APDU(&c, ERROR_INSUFFICIENT_BUFFER, gp(&c, p, buf, 0, &len, f));
            assert_int_equal(len, n);
            len = 77;
            CONF_NO_APDU(&c, ERROR_INSUFFICIENT_BUFFER, gp(&c, p, buf, (DWORD)n - 1, &len, f));
            assert_int_equal(len, n);
            assert_true(all(buf, sizeof buf, FILL));
            /* A larger buffer: exactly n bytes written, pbData unaligned on purpose. */
            memset(buf + 1, 0, 4); /* dwVersion 0 (means 1) for the versioned ones */
            len = 0;
            assert_int_equal(gp(&c, p, buf + 1, sizeof buf - 1, &len, f), SCARD_S_SUCCESS);
            assert_int_equal(len, n);
            assert_int_equal(buf[0], FILL);
            assert_true(all(buf + 1 + n, sizeof buf - 1 - n, FILL));
        }
    }
    conf_close(&c);
}

static void test_unknown_names(void **state)
{
    static const WCHAR *const names[] = {
        (const WCHAR *)u"", (const WCHAR *)u"Free Spac", (const WCHAR *)u"Free Space ",
        (const WCHAR *)u"free space", (const WCHAR *)u"PIN Identifier",
        (const WCHAR *)u"Container Info", (const WCHAR *)u"Parent Window\x0001"};
    WCHAR unterminated[CH_MD_PROP_NAME_MAX];
    uint8_t buf[64];
    DWORD len = 77;
    conf c;
    (void)state;
    for (size_t i = 0; i < sizeof unterminated / sizeof unterminated[0]; i++)
        unterminated[i] = u'A';
    conf_open(&c, 7);
    memset(buf, FILL, sizeof buf);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, gp(&c, names[i], buf, sizeof buf, &len, 0));
        CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, sp(&c, names[i], buf, 4, 0));
    }
    /* Not terminated within the bound the module reads (ASan: no read past the array). */
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, gp(&c, unterminated, buf, sizeof buf, &len, 0));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, sp(&c, unterminated, buf, 4, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, gp(&c, NULL, buf, sizeof buf, &len, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, sp(&c, NULL, buf, 4, 0));
    assert_int_equal(len, 77);
    assert_true(all(buf, sizeof buf, FILL));
    conf_close(&c);
}

static void test_versions(void **state)
{
    static const LPCWSTR v7[] = {CP_KEY_IMPORT_SUPPORT, CP_ENUM_ALGORITHMS,
                                 CP_PADDING_SCHEMES, CP_CHAINING_MODES};
    uint8_t buf[64];
    DWORD len = 77;
    conf c;
    (void)state;
    conf_open(&c, 6);
    assert_non_null(c.cd->pfnCardGetProperty);
    assert_non_null(c.cd->pfnCardSetProperty);
    assert_non_null(c.cd->pfnCardGetContainerProperty);
    assert_non_null(c.cd->pfnCardSetContainerProperty);
    memset(buf, FILL, sizeof buf);
    /* A v6 context was promised the v6 interface: the v7 names are unknown there. */
    for (size_t i = 0; i < sizeof v7 / sizeof v7[0]; i++) {
        CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, gp(&c, v7[i], buf, sizeof buf, &len, 0));
        CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, sp(&c, v7[i], buf, 4, 0));
    }
    assert_int_equal(len, 77);
    assert_true(all(buf, sizeof buf, FILL));
    expect_dword(&c, CP_CARD_READ_ONLY, 0, 0);
    conf_close(&c);

    conf_open(&c, 7);
    expect_dword(&c, CP_KEY_IMPORT_SUPPORT, 0, 0);
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 gp(&c, CP_KEY_IMPORT_SUPPORT, buf, sizeof buf, &len, 1));
    conf_close(&c);
}

/* ---- CardSetProperty ---- */

static void test_set_read_only(void **state)
{
    uint8_t buf[64];
    conf c;
    (void)state;
    conf_open(&c, 7);
    memset(buf, 0, sizeof buf);
    for (size_t i = 0; i < N_CARD_PROPS; i++) {
        LPCWSTR p = all_card_props[i].name;
        if (all_card_props[i].settable)
            continue;
        /* UNSUPPORTED_FEATURE, before flags or data are looked at. */
        CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, sp(&c, p, buf, sizeof buf, 0));
        CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, sp(&c, p, buf, 4, 1));
        CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, sp(&c, p, NULL, 0, 0));
    }
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardSetProperty(NULL, CP_CARD_READ_ONLY, buf, 4, 0));
    expect_dword(&c, CP_CARD_READ_ONLY, 0, 0);
    conf_close(&c);
}

static void test_set_parent_window(void **state)
{
    uint8_t buf[sizeof(void *) + 1];
    uintptr_t h = (uintptr_t)0x12345678u, zero = 0;
    ch_md_ctx *ctx;
    conf c;
    (void)state;
    conf_open(&c, 6);
    ctx = ch_md_ctx_of(c.cd);
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, sp(&c, CP_PARENT_WINDOW, &h, sizeof h, 0));
    assert_true(ctx->parent_window == h);
    /* Unaligned, as a byte buffer may be. */
    memcpy(buf + 1, &zero, sizeof zero);
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, sp(&c, CP_PARENT_WINDOW, buf + 1, sizeof zero, 0));
    assert_true(ctx->parent_window == 0);
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, sp(&c, CP_PARENT_WINDOW, &h, sizeof h, 1));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, sp(&c, CP_PARENT_WINDOW, &h, 4, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, sp(&c, CP_PARENT_WINDOW, buf, sizeof buf, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, sp(&c, CP_PARENT_WINDOW, NULL, sizeof h, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, sp(&c, CP_PARENT_WINDOW, NULL, 0, 0));
    assert_true(ctx->parent_window == 0);
    conf_close(&c);
}

static void test_set_pin_context(void **state)
{
    static const WCHAR msg[] = u"Sign the contract";
    uint8_t odd[sizeof msg + 2];
    WCHAR *big = malloc(4096 * sizeof(WCHAR));
    ch_md_ctx *ctx;
    conf c;
    (void)state;
    assert_non_null(big);
    conf_open(&c, 7);
    ctx = ch_md_ctx_of(c.cd);
    assert_false(ctx->pin_context_set);
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, sp(&c, CP_PIN_CONTEXT_STRING, msg, sizeof msg, 0));
    assert_true(ctx->pin_context_set);
    /* NULL, 0: cleared. */
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, sp(&c, CP_PIN_CONTEXT_STRING, NULL, 0, 0));
    assert_false(ctx->pin_context_set);
    /* Unaligned, and an odd byte count after a terminated string. */
    memcpy(odd + 1, msg, sizeof msg);
    odd[sizeof msg + 1] = 'z';
    CONF_NO_APDU(&c, SCARD_S_SUCCESS,
                 sp(&c, CP_PIN_CONTEXT_STRING, odd + 1, sizeof msg + 1, 0));
    assert_true(ctx->pin_context_set);
    ctx->pin_context_set = false;
    /* No NUL within cbData: refused, state unchanged. */
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 sp(&c, CP_PIN_CONTEXT_STRING, msg, sizeof msg - 2, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, sp(&c, CP_PIN_CONTEXT_STRING, msg, 1, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, sp(&c, CP_PIN_CONTEXT_STRING, NULL, 2, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, sp(&c, CP_PIN_CONTEXT_STRING, msg, sizeof msg, 1));
    assert_false(ctx->pin_context_set);
    /* Long strings: the NUL must come within 1024 units, wherever cbData ends. */
    for (size_t i = 0; i < 4096; i++)
        big[i] = u'x';
    big[1023] = 0;
    CONF_NO_APDU(&c, SCARD_S_SUCCESS, sp(&c, CP_PIN_CONTEXT_STRING, big, 4096 * 2, 0));
    assert_true(ctx->pin_context_set);
    ctx->pin_context_set = false;
    big[1023] = u'x';
    big[1024] = 0;
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, sp(&c, CP_PIN_CONTEXT_STRING, big, 4096 * 2, 0));
    assert_false(ctx->pin_context_set);
    free(big);
    conf_close(&c);
}

/* ---- container properties ---- */

/* A card with keys and certificates in 9A (P-256), 9C (P-384) and 9E (P-256); 9D empty. */
static vpiv_card *container_card(void)
{
    static const struct {
        uint8_t slot;
        const char *kind;
    } k[] = {{0x9A, "p256"}, {0x9C, "p384"}, {0x9E, "p256"}};
    vpiv_card *card = conf_card_new(21);
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        uint8_t *der;
        size_t len;
        EVP_PKEY_free(conf_card_key_and_cert(card, k[i].slot, k[i].kind, i == 1, &der, &len));
        free(der);
    }
    return card;
}

static void free_ci(conf *c, CONTAINER_INFO *ci)
{
    if (ci->pbSigPublicKey)
        c->cd->pfnCspFree(ci->pbSigPublicKey);
    if (ci->pbKeyExPublicKey)
        c->cd->pfnCspFree(ci->pbKeyExPublicKey);
}

static void test_container_info(void **state)
{
    CONTAINER_INFO want, got;
    uint8_t buf[sizeof(CONTAINER_INFO) + 8];
    DWORD len = 0, magic;
    vpiv_card *card = container_card();
    conf c;
    (void)state;
    conf_open_on(&c, card, 7);
    memset(&want, 0, sizeof want);
    assert_int_equal(c.cd->pfnCardGetContainerInfo(c.cd, 0, 0, &want), SCARD_S_SUCCESS);
    memset(&got, 0, sizeof got);
    assert_int_equal(gcp(&c, 0, CCP_CONTAINER_INFO, &got, sizeof got, &len, 0), SCARD_S_SUCCESS);
    assert_int_equal(len, sizeof got);
    assert_int_equal(got.dwVersion, 1);
    assert_int_equal(got.cbSigPublicKey, want.cbSigPublicKey);
    assert_int_equal(got.cbSigPublicKey, 8 + 64);
    assert_memory_equal(got.pbSigPublicKey, want.pbSigPublicKey, got.cbSigPublicKey);
    memcpy(&magic, got.pbSigPublicKey, 4);
    assert_int_equal(magic, 0x31534345u); /* ECDSA P-256 public */
    assert_int_equal(got.cbKeyExPublicKey, 0);
    assert_null(got.pbKeyExPublicKey);
    assert_true(got.pbSigPublicKey != want.pbSigPublicKey); /* the caller's own copy */
    free_ci(&c, &got);
    free_ci(&c, &want);

    /* Unaligned pbData, larger than needed: exactly one CONTAINER_INFO written. */
    memset(buf, FILL, sizeof buf);
    memset(buf + 1, 0, 4);
    assert_int_equal(gcp(&c, 1, CCP_CONTAINER_INFO, buf + 1, sizeof buf - 1, &len, 0),
                     SCARD_S_SUCCESS);
    assert_int_equal(len, sizeof got);
    assert_int_equal(buf[0], FILL);
    assert_true(all(buf + 1 + sizeof got, sizeof buf - 1 - sizeof got, FILL));
    memcpy(&got, buf + 1, sizeof got);
    assert_int_equal(got.cbSigPublicKey, 8 + 96); /* 9C P-384 */
    free_ci(&c, &got);

    /* Short buffer, newer structure, bad index: no APDU, nothing allocated or written. */
    memset(buf, FILL, sizeof buf);
    len = 77;
    CONF_NO_APDU(&c, ERROR_INSUFFICIENT_BUFFER,
                 gcp(&c, 0, CCP_CONTAINER_INFO, buf, sizeof got - 1, &len, 0));
    assert_int_equal(len, sizeof got);
    assert_true(all(buf, sizeof buf, FILL));
    len = 77;
    memset(buf, 0, 4);
    buf[0] = 2;
    CONF_NO_APDU(&c, ERROR_REVISION_MISMATCH,
                 gcp(&c, 0, CCP_CONTAINER_INFO, buf, sizeof got, &len, 0));
    CONF_NO_APDU(&c, SCARD_E_NO_KEY_CONTAINER,
                 gcp(&c, CH_MD_MAX_CONTAINERS, CCP_CONTAINER_INFO, buf, sizeof buf, &len, 0));
    CONF_NO_APDU(&c, SCARD_E_NO_KEY_CONTAINER,
                 gcp(&c, 255, CCP_CONTAINER_INFO, buf, sizeof buf, &len, 0));
    assert_int_equal(len, 77);
    assert_int_equal(buf[0], 2);
    assert_true(all(buf + 4, sizeof buf - 4, FILL));
    /* The empty slot 9D: the card is asked, the answer is no container. */
    memset(buf, 0, 4);
    assert_int_equal(gcp(&c, 2, CCP_CONTAINER_INFO, buf, sizeof buf, &len, 0),
                     SCARD_E_NO_KEY_CONTAINER);
    assert_int_equal(len, 77);
    assert_true(all(buf + 4, sizeof buf - 4, FILL));
    conf_close(&c);
    vpiv_free(card);
}

/* Every allocation in turn fails: each failure leaves pbData untouched and nothing live. */
static void test_container_info_alloc_failures(void **state)
{
    uint8_t buf[sizeof(CONTAINER_INFO)];
    CONTAINER_INFO ci;
    DWORD len, rc = SCARD_E_UNEXPECTED;
    vpiv_card *card = container_card();
    unsigned long k;
    conf c;
    (void)state;
    conf_open_on(&c, card, 7);
    for (k = 1; k < 64 && rc != SCARD_S_SUCCESS; k++) {
        size_t live = ch_host_alloc_live();
        memset(buf, FILL, sizeof buf);
        memset(buf, 0, 4);
        len = 77;
        ch_host_alloc_fail_at(k);
        rc = gcp(&c, 3, CCP_CONTAINER_INFO, buf, sizeof buf, &len, 0);
        ch_host_alloc_fail_at(0);
        if (rc == SCARD_S_SUCCESS) {
            memcpy(&ci, buf, sizeof ci);
            assert_int_equal(len, sizeof ci);
            assert_int_equal(ci.cbSigPublicKey, 8 + 64); /* 9E P-256 */
            free_ci(&c, &ci);
        } else {
            assert_int_equal(len, 77);
            assert_true(all(buf + 4, sizeof buf - 4, FILL));
        }
        assert_int_equal(ch_host_alloc_live(), live);
    }
    assert_int_equal(rc, SCARD_S_SUCCESS);
    assert_true(k > 2); /* at least one allocation failed on the way */
    conf_close(&c);
    vpiv_free(card);
}

static void test_container_pin(void **state)
{
    PIN_ID v;
    DWORD len = 0;
    uint8_t buf[8];
    vpiv_card *card = container_card();
    conf c;
    (void)state;
    conf_open_on(&c, card, 6);
    assert_int_equal(gcp(&c, 0, CCP_PIN_IDENTIFIER, &v, sizeof v, &len, 0), SCARD_S_SUCCESS);
    assert_int_equal(len, 4);
    assert_int_equal(v, ROLE_USER);
    assert_int_equal(gcp(&c, 1, CCP_PIN_IDENTIFIER, &v, sizeof v, &len, 0), SCARD_S_SUCCESS);
    assert_int_equal(v, CH_MD_PIN_SIGN);
    assert_int_equal(gcp(&c, 3, CCP_PIN_IDENTIFIER, &v, sizeof v, &len, 0), SCARD_S_SUCCESS);
    assert_int_equal(v, ROLE_EVERYONE);
    for (BYTE i = 0; i < 4; i++)
        if (i != 2) {
            assert_int_equal(gcp(&c, i, CCP_PIN_IDENTIFIER, &v, sizeof v, &len, 0),
                             SCARD_S_SUCCESS);
            assert_int_equal(v, ch_md_container_pin(i));
        }
    memset(buf, FILL, sizeof buf);
    len = 77;
    assert_int_equal(gcp(&c, 2, CCP_PIN_IDENTIFIER, buf, sizeof buf, &len, 0),
                     SCARD_E_NO_KEY_CONTAINER);
    CONF_NO_APDU(&c, SCARD_E_NO_KEY_CONTAINER,
                 gcp(&c, 24, CCP_PIN_IDENTIFIER, buf, sizeof buf, &len, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 gcp(&c, 0, CCP_PIN_IDENTIFIER, buf, sizeof buf, &len, 1));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 gcp(&c, 0, CCP_PIN_IDENTIFIER, NULL, sizeof buf, &len, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 gcp(&c, 0, CCP_PIN_IDENTIFIER, buf, sizeof buf, NULL, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardGetContainerProperty(NULL, 0, CCP_PIN_IDENTIFIER, buf, 8, &len, 0));
    assert_int_equal(len, 77);
    CONF_NO_APDU(&c, ERROR_INSUFFICIENT_BUFFER, gcp(&c, 0, CCP_PIN_IDENTIFIER, buf, 3, &len, 0));
    assert_int_equal(len, 4);
    assert_true(all(buf, sizeof buf, FILL));
    conf_close(&c);
    vpiv_free(card);
}

static void test_container_unknown_and_ecdh(void **state)
{
    uint8_t buf[sizeof(CONTAINER_INFO)];
    DWORD len = 77;
    PIN_ID pin = ROLE_USER;
    conf c;
    (void)state;
    conf_open(&c, 7);
    memset(buf, FILL, sizeof buf);
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 gcp(&c, 0, CCP_ASSOCIATED_ECDH_KEY, buf, sizeof buf, &len, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 gcp(&c, 0, CP_CARD_GUID, buf, sizeof buf, &len, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 gcp(&c, 0, CONF_W("PIN Identifier "), buf, sizeof buf, &len, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, gcp(&c, 0, NULL, buf, sizeof buf, &len, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 gcp(&c, 0, CCP_CONTAINER_INFO, buf, sizeof buf, &len, 1));
    assert_int_equal(len, 77);
    assert_true(all(buf, sizeof buf, FILL));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE,
                 scp(&c, 0, CCP_ASSOCIATED_ECDH_KEY, buf, 1, 0));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, scp(&c, 0, CCP_CONTAINER_INFO, buf, 4, 0));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, scp(&c, 0, CCP_CONTAINER_INFO, NULL, 0, 1));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, scp(&c, 0, CP_CARD_GUID, &pin, 4, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, scp(&c, 0, NULL, &pin, 4, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER,
                 c.cd->pfnCardSetContainerProperty(NULL, 0, CCP_PIN_IDENTIFIER, (PBYTE)&pin, 4, 0));
    conf_close(&c);
}

static void test_set_container_pin(void **state)
{
    uint8_t odd[5];
    PIN_ID pin;
    vpiv_card *card = container_card();
    conf c;
    (void)state;
    conf_open_on(&c, card, 7);
    /* The PIN the slot already has: accepted (the card is asked whether the container is). */
    pin = ROLE_USER;
    assert_int_equal(scp(&c, 0, CCP_PIN_IDENTIFIER, &pin, 4, 0), SCARD_S_SUCCESS);
    pin = CH_MD_PIN_SIGN;
    memcpy(odd + 1, &pin, 4);
    assert_int_equal(scp(&c, 1, CCP_PIN_IDENTIFIER, odd + 1, 4, 0), SCARD_S_SUCCESS);
    pin = ROLE_EVERYONE;
    assert_int_equal(scp(&c, 3, CCP_PIN_IDENTIFIER, &pin, 4, 0), SCARD_S_SUCCESS);
    /* Another PIN cannot be bound to a PIV slot: refused before any APDU. */
    pin = ROLE_ADMIN;
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, scp(&c, 0, CCP_PIN_IDENTIFIER, &pin, 4, 0));
    pin = 5;
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, scp(&c, 1, CCP_PIN_IDENTIFIER, &pin, 4, 0));
    pin = ROLE_USER;
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, scp(&c, 3, CCP_PIN_IDENTIFIER, &pin, 4, 0));
    /* Not a PIN_ID, wrong sizes, flags, NULL. */
    pin = MAX_PINS;
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, scp(&c, 0, CCP_PIN_IDENTIFIER, &pin, 4, 0));
    pin = ROLE_USER;
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, scp(&c, 0, CCP_PIN_IDENTIFIER, &pin, 3, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, scp(&c, 0, CCP_PIN_IDENTIFIER, &pin, 8, 0));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, scp(&c, 0, CCP_PIN_IDENTIFIER, &pin, 4, 1));
    CONF_NO_APDU(&c, SCARD_E_INVALID_PARAMETER, scp(&c, 0, CCP_PIN_IDENTIFIER, NULL, 4, 0));
    /* Containers that do not exist. */
    CONF_NO_APDU(&c, SCARD_E_NO_KEY_CONTAINER, scp(&c, 24, CCP_PIN_IDENTIFIER, &pin, 4, 0));
    CONF_NO_APDU(&c, SCARD_E_NO_KEY_CONTAINER, scp(&c, 200, CCP_PIN_IDENTIFIER, &pin, 4, 0));
    assert_int_equal(scp(&c, 2, CCP_PIN_IDENTIFIER, &pin, 4, 0), SCARD_E_NO_KEY_CONTAINER);
    conf_close(&c);
    vpiv_free(card);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_values),
        cmocka_unit_test(test_pin_strength_ids),
        cmocka_unit_test(test_capabilities),
        cmocka_unit_test(test_keysizes),
        cmocka_unit_test(test_pin_info),
        cmocka_unit_test(test_free_space),
        cmocka_unit_test(test_guid_and_serial),
        cmocka_unit_test(test_guid_from_chuid),
        cmocka_unit_test(test_authenticated_state),
        cmocka_unit_test(test_get_checks_every_property),
        cmocka_unit_test(test_unknown_names),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_set_read_only),
        cmocka_unit_test(test_set_parent_window),
        cmocka_unit_test(test_set_pin_context),
        cmocka_unit_test(test_container_info),
        cmocka_unit_test(test_container_info_alloc_failures),
        cmocka_unit_test(test_container_pin),
        cmocka_unit_test(test_container_unknown_and_ecdh),
        cmocka_unit_test(test_set_container_pin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
