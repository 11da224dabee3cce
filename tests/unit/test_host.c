/* The CSP-side harness: the counting allocator must see leaks, double and foreign frees and
 * inject failures exactly where asked; the cache must behave like the Base CSP's. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "host.h"

static void test_alloc_counts_and_leaks(void **state)
{
    void *a, *b;
    (void)state;
    ch_host_alloc_reset();
    a = ch_host_alloc(10);
    b = ch_host_alloc(0); /* a valid, freeable pointer, as HeapAlloc gives */
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(ch_host_alloc_live(), 2);
    assert_int_equal(ch_host_alloc_count(), 2);
    ch_host_free(a);
    assert_int_equal(ch_host_alloc_live(), 1); /* b leaks: visible */
    ch_host_alloc_release_all();
    assert_int_equal(ch_host_alloc_live(), 0);
    assert_int_equal(ch_host_alloc_errors(), 0);
    ch_host_alloc_reset();
}

static void test_double_and_foreign_free_counted_not_executed(void **state)
{
    int on_stack;
    void *a;
    (void)state;
    ch_host_alloc_reset();
    a = ch_host_alloc(8);
    ch_host_free(a);
    ch_host_free(a);         /* double free: counted, never reaches free() */
    ch_host_free(&on_stack); /* foreign pointer */
    ch_host_free(NULL);      /* allowed */
    assert_int_equal(ch_host_alloc_errors(), 2);
    assert_null(ch_host_realloc(&on_stack, 4));
    assert_int_equal(ch_host_alloc_errors(), 3);
    ch_host_alloc_reset();
}

static void test_failure_injection(void **state)
{
    void *a, *b, *c;
    (void)state;
    ch_host_alloc_reset();
    ch_host_alloc_fail_at(2);
    a = ch_host_alloc(4);
    b = ch_host_alloc(4);
    c = ch_host_alloc(4);
    assert_non_null(a);
    assert_null(b);
    assert_non_null(c);
    /* A failing realloc keeps the old block, tracked. */
    ch_host_alloc_fail_at(1);
    assert_null(ch_host_realloc(a, 100));
    assert_int_equal(ch_host_alloc_live(), 2);
    a = ch_host_realloc(a, 100);
    assert_non_null(a);
    memset(a, 1, 100);
    ch_host_free(a);
    ch_host_free(c);
    assert_int_equal(ch_host_alloc_live(), 0);
    assert_int_equal(ch_host_alloc_errors(), 0);
    ch_host_alloc_reset();
}

static void test_cache(void **state)
{
    WCHAR tag[] = {'c', 'a', 'r', 'd', 'c', 'f', 0};
    WCHAR other[] = {'x', 0};
    BYTE v1[] = {1, 2, 3}, v2[] = {9};
    PBYTE out = NULL;
    DWORD len = 0;
    ch_host_cache *c = ch_host_cache_new();
    (void)state;
    ch_host_alloc_reset();
    assert_non_null(c);
    assert_int_equal(ch_host_cache_lookup(c, tag, 0, &out, &len), SCARD_E_FILE_NOT_FOUND);
    assert_int_equal(ch_host_cache_add(c, tag, 0, v1, sizeof v1), SCARD_S_SUCCESS);
    assert_int_equal(ch_host_cache_add(c, tag, 0, v2, sizeof v2), SCARD_S_SUCCESS); /* replace */
    assert_int_equal(ch_host_cache_entries(c), 1);
    assert_int_equal(ch_host_cache_lookup(c, tag, 0, &out, &len), SCARD_S_SUCCESS);
    assert_int_equal(len, 1);
    assert_int_equal(out[0], 9);
    ch_host_free(out); /* the caller's copy, from the CSP allocator */
    assert_int_equal(ch_host_alloc_live(), 0);
    assert_int_equal(ch_host_cache_add(c, tag, 1, v1, 1), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_host_cache_add(c, NULL, 0, v1, 1), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_host_cache_add(c, other, 0, NULL, 1), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_host_cache_add(c, other, 0, NULL, 0), SCARD_S_SUCCESS); /* empty file */
    assert_int_equal(ch_host_cache_delete(c, tag, 0), SCARD_S_SUCCESS);
    assert_int_equal(ch_host_cache_delete(c, tag, 0), SCARD_E_FILE_NOT_FOUND);
    assert_int_equal(ch_host_cache_entries(c), 1);
    ch_host_alloc_fail_at(1);
    assert_int_equal(ch_host_cache_lookup(c, other, 0, &out, &len), SCARD_E_NO_MEMORY);
    ch_host_cache_free(c);
    ch_host_alloc_reset();
}

static void test_card_data_sizes(void **state)
{
    ch_host_csp h;
    (void)state;
    assert_int_equal(ch_host_card_data_size(0), CARD_DATA_SIZE_V4);
    assert_int_equal(ch_host_card_data_size(4), CARD_DATA_SIZE_V4);
    assert_int_equal(ch_host_card_data_size(5), CARD_DATA_SIZE_V5);
    assert_int_equal(ch_host_card_data_size(6), CARD_DATA_SIZE_V6);
    assert_int_equal(ch_host_card_data_size(7), CARD_DATA_SIZE_V7);
    assert_int_equal(ch_host_card_data_size(0xFFFFFFFF), CARD_DATA_SIZE_V7);
    assert_true(CARD_DATA_SIZE_V4 < CARD_DATA_SIZE_V5 && CARD_DATA_SIZE_V5 < CARD_DATA_SIZE_V6 &&
                CARD_DATA_SIZE_V6 < CARD_DATA_SIZE_V7);
    assert_true(ch_host_csp_init(&h, 5, 9, ch_host_default_atr, ch_host_default_atr_len, 1, 2));
    assert_int_equal(h.cd_size, CARD_DATA_SIZE_V5);
    assert_int_equal(h.cd->dwVersion, 9);
    assert_int_equal(h.cd->cbAtr, ch_host_default_atr_len);
    assert_int_equal(h.cd->hScard, 2);
    assert_ptr_equal(h.cd->pvCacheContext, h.cache);
    ch_host_csp_free(&h);
    assert_false(ch_host_csp_init(&h, 7, 7, ch_host_default_atr, 34, 1, 2)); /* ATR > 33 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_counts_and_leaks),
        cmocka_unit_test(test_double_and_foreign_free_counted_not_executed),
        cmocka_unit_test(test_failure_injection),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_card_data_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
