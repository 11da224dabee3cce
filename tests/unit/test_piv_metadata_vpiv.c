/* GET METADATA against the card under test: vpiv generates keys, and ch_piv_get_metadata
 * (through the in-process vpiv transport) must report the same public key as GENERATE's
 * 7F 49 answer, and the PIN, PUK and management-key entries as vpiv documents them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "cursor.h"
#include "piv.h"
#include "scarderr.h"
#include "vpiv_link.h"
#include "vpiv_test_apdu.h"

typedef struct {
    vpiv_card *card;
    ch_vpiv_link link;
    ch_transport tp;
    ch_apdu_ctx ctx;
} rig;

static void rig_init(rig *r)
{
    r->card = vt_new_card(42, true, NULL);
    ch_vpiv_link_init(&r->link, r->card);
    assert_int_equal(ch_transport_open(&r->tp, 1, (uintptr_t)&r->link), SCARD_S_SUCCESS);
    ch_apdu_ctx_init(&r->ctx, &r->tp);
}

/* GENERATE in slot; the inner TLVs of the 7F 49 answer into *pub. */
static void generate(rig *r, uint8_t slot, uint8_t alg, vt_rsp *rsp, ch_cur *pub)
{
    const uint8_t data[5] = {0xAC, 0x03, 0x80, 0x01, alg};
    ch_cur c;
    uint32_t tag;
    assert_int_equal(vt_xfer(r->card, 0x47, 0x00, slot, data, sizeof data, rsp), 0x9000);
    ch_cur_init(&c, rsp->data, rsp->len);
    assert_true(ch_cur_tlv(&c, &tag, pub));
    assert_int_equal(tag, 0x7F49);
}

static void check_slot(rig *r, uint8_t slot, uint8_t alg)
{
    static vt_rsp rsp;
    ch_piv_metadata m;
    ch_cur pub, v;

    generate(r, slot, alg, &rsp, &pub);
    memset(&m, 0, sizeof m);
    assert_int_equal(ch_piv_get_metadata(&r->ctx, slot, &m), SCARD_S_SUCCESS);
    assert_true(m.has_alg && m.has_policy && m.has_origin);
    assert_int_equal(m.alg, alg);
    assert_int_equal(m.origin, 1); /* generated */
    if (alg == CH_PIV_ALG_ECCP256 || alg == CH_PIV_ALG_ECCP384) {
        assert_true(ch_cur_find(&pub, 0x86, &v));
        assert_int_equal(m.pub.type,
                         alg == CH_PIV_ALG_ECCP256 ? CH_PIV_KEY_P256 : CH_PIV_KEY_P384);
        assert_int_equal(m.pub.point_len, ch_cur_left(&v));
        assert_memory_equal(m.pub.point, ch_cur_peek_ptr(&v), m.pub.point_len);
    } else {
        assert_true(ch_cur_find(&pub, 0x81, &v));
        assert_int_equal(m.pub.type, CH_PIV_KEY_RSA);
        assert_int_equal(m.pub.bits, 8 * ch_cur_left(&v));
        assert_int_equal(m.pub.n_len, ch_cur_left(&v));
        assert_memory_equal(m.pub.n, ch_cur_peek_ptr(&v), m.pub.n_len);
        assert_int_equal(m.pub.e, 65537);
    }
}

static void test_generated_keys(void **state)
{
    rig r;
    (void)state;
    rig_init(&r);
    vt_admin(r.card);
    check_slot(&r, CH_PIV_SLOT_AUTH, CH_PIV_ALG_ECCP256);
    check_slot(&r, CH_PIV_SLOT_SIGN, CH_PIV_ALG_ECCP384);
    check_slot(&r, CH_PIV_SLOT_KEYMGMT, CH_PIV_ALG_RSA2048);
    check_slot(&r, CH_PIV_SLOT_CARDAUTH, CH_PIV_ALG_RSA1024);
    vpiv_free(r.card);
}

static void test_secrets_and_empty_slot(void **state)
{
    rig r;
    ch_piv_metadata m;
    (void)state;
    rig_init(&r);
    assert_int_equal(ch_piv_get_metadata(&r.ctx, CH_PIV_REF_PIN, &m), SCARD_S_SUCCESS);
    assert_int_equal(m.alg, 0xFF);
    assert_true(m.has_default && m.is_default);
    assert_true(m.has_retries);
    assert_int_equal(m.retries_total, 3);
    assert_int_equal(m.retries_left, 3);
    assert_int_equal(m.pub.type, CH_PIV_KEY_NONE);
    assert_int_equal(ch_piv_get_metadata(&r.ctx, CH_PIV_REF_PUK, &m), SCARD_S_SUCCESS);
    assert_true(m.is_default);
    assert_int_equal(ch_piv_get_metadata(&r.ctx, CH_PIV_REF_MGM, &m), SCARD_S_SUCCESS);
    assert_int_equal(m.alg, CH_PIV_ALG_3DES);
    assert_true(m.has_policy && m.is_default);
    assert_int_equal(ch_piv_get_metadata(&r.ctx, CH_PIV_SLOT_AUTH, &m), SCARD_E_FILE_NOT_FOUND);
    assert_int_equal(ch_piv_get_metadata(&r.ctx, 0x42, &m), SCARD_E_FILE_NOT_FOUND);
    vpiv_free(r.card);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_keys),
        cmocka_unit_test(test_secrets_and_empty_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
