/* PIN, PUK and management-key commands of the PIV edge over the script transport: the exact
 * bytes sent, FF padding, the 63Cx / 63C0 / 6983 mapping, malformed answers, and that nothing
 * is sent for a PIN the card could never accept. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "piv.h"
#include "scarderr.h"
#include "script.h"

typedef struct {
    ch_script s;
    ch_transport tp;
    ch_apdu_ctx ctx;
    uint8_t script[512];
} rig;

typedef struct {
    const char *bytes;
    size_t len;
} answer;

/* An R-APDU written as a string literal (embedded NULs allowed). */
#define A(lit) {(lit), sizeof(lit) - 1}
#define EVENT_RESET {NULL, CH_SCRIPT_EVENT_BASE | 1u}

/* The card answers with `n` R-APDUs, in order. */
static void rig_init(rig *r, const answer *answers, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(len + 2 + (answers[i].bytes ? answers[i].len : 0) <= sizeof r->script);
        r->script[len++] = (uint8_t)(answers[i].len >> 8);
        r->script[len++] = (uint8_t)answers[i].len;
        if (answers[i].bytes) {
            memcpy(r->script + len, answers[i].bytes, answers[i].len);
            len += answers[i].len;
        }
    }
    ch_script_init(&r->s, r->script, len);
    assert_int_equal(ch_transport_open(&r->tp, 1, (uintptr_t)&r->s), SCARD_S_SUCCESS);
    ch_apdu_ctx_init(&r->ctx, &r->tp);
}

#define RIG(r, ...)                                                                          \
    do {                                                                                     \
        static const answer answers_[] = {__VA_ARGS__};                                      \
        rig_init((r), answers_, sizeof answers_ / sizeof answers_[0]);                       \
    } while (0)

static void rig_free(rig *r) { ch_script_free(&r->s); }

static void assert_sent(const rig *r, unsigned i, const char *want, size_t len)
{
    ch_cur c;
    assert_true(ch_script_sent(&r->s, i, &c));
    assert_int_equal(ch_cur_left(&c), len);
    assert_memory_equal(ch_cur_peek_ptr(&c), want, len);
}
#define SENT(r, i, lit) assert_sent((r), (i), (lit), sizeof(lit) - 1)

#define PIN6 ((const uint8_t *)"123456")
#define PIN8 ((const uint8_t *)"12345678")

static void test_shape(void **state)
{
    (void)state;
    assert_true(ch_piv_pin_shape_ok(PIN6, 6));
    assert_true(ch_piv_pin_shape_ok((const uint8_t *)"1234567", 7));
    assert_true(ch_piv_pin_shape_ok(PIN8, 8));
    assert_true(ch_piv_pin_shape_ok((const uint8_t *)"\x00\x01\x02\x03\x04\xFE", 6));
    assert_false(ch_piv_pin_shape_ok(PIN6, 5));
    assert_false(ch_piv_pin_shape_ok((const uint8_t *)"123456789", 9));
    assert_false(ch_piv_pin_shape_ok((const uint8_t *)"12345\xFF", 6));
    assert_false(ch_piv_pin_shape_ok((const uint8_t *)"\xFF" "234567", 7));
    assert_false(ch_piv_pin_shape_ok(NULL, 6));
    assert_false(ch_piv_pin_shape_ok(PIN6, 0));
}

static void test_verify_pads_with_ff(void **state)
{
    rig r;
    int tries = 99;
    (void)state;
    RIG(&r, A("\x90\x00"), A("\x90\x00"));
    assert_int_equal(ch_piv_verify(&r.ctx, 0x80, PIN6, 6, &tries), SCARD_S_SUCCESS);
    assert_int_equal(tries, CH_PIV_TRIES_UNKNOWN);
    SENT(&r, 0, "\x00\x20\x00\x80\x08" "123456\xFF\xFF");
    assert_int_equal(ch_piv_verify(&r.ctx, 0x80, PIN8, 8, NULL), SCARD_S_SUCCESS);
    SENT(&r, 1, "\x00\x20\x00\x80\x08" "12345678");
    rig_free(&r);
}

static void test_verify_status_words(void **state)
{
    static const struct {
        const char *sw;
        uint32_t want;
        int tries;
    } cases[] = {
        {"\x63\xC2", SCARD_W_WRONG_CHV, 2},
        {"\x63\xC1", SCARD_W_WRONG_CHV, 1},
        {"\x63\xCF", SCARD_W_WRONG_CHV, 15},
        {"\x63\xC0", SCARD_W_CHV_BLOCKED, 0},
        {"\x69\x83", SCARD_W_CHV_BLOCKED, 0},
        {"\x63\x00", SCARD_W_WRONG_CHV, CH_PIV_TRIES_UNKNOWN},
        {"\x69\x82", SCARD_W_SECURITY_VIOLATION, CH_PIV_TRIES_UNKNOWN},
        {"\x6A\x88", SCARD_E_FILE_NOT_FOUND, CH_PIV_TRIES_UNKNOWN},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rig r;
        int tries = 99;
        answer a = {cases[i].sw, 2};
        print_message("case %zu\n", i);
        rig_init(&r, &a, 1);
        assert_int_equal(ch_piv_verify(&r.ctx, 0x80, PIN6, 6, &tries), cases[i].want);
        assert_int_equal(tries, cases[i].tries);
        rig_free(&r);
    }
}

static void test_verify_refuses_bad_shapes_without_sending(void **state)
{
    rig r;
    int tries = 99;
    (void)state;
    RIG(&r, A("\x90\x00"));
    assert_int_equal(ch_piv_verify(&r.ctx, 0x80, PIN6, 5, &tries), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(tries, CH_PIV_TRIES_UNKNOWN);
    assert_int_equal(ch_piv_verify(&r.ctx, 0x80, (const uint8_t *)"123456789", 9, NULL),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_verify(&r.ctx, 0x80, (const uint8_t *)"1234\xFF\x35", 6, NULL),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_verify(&r.ctx, 0x80, NULL, 6, NULL), SCARD_E_INVALID_PARAMETER);
    assert_int_equal(r.s.exchanges, 0);
    rig_free(&r);
}

static void test_malformed_and_failed_answers(void **state)
{
    rig r;
    int tries = 99;
    bool verified = false;
    (void)state;
    /* Data where none is expected, even with a plausible SW; a lone byte; a reset. */
    RIG(&r, A("\x01\x90\x00"), A("\x00\x63\xC2"), A("\x90"), EVENT_RESET,
        A("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F\x10\x11\x90\x00"));
    assert_int_equal(ch_piv_verify(&r.ctx, 0x80, PIN6, 6, &tries), SCARD_E_UNEXPECTED);
    assert_int_equal(tries, CH_PIV_TRIES_UNKNOWN);
    assert_int_equal(ch_piv_verify(&r.ctx, 0x80, PIN6, 6, &tries), SCARD_E_UNEXPECTED);
    assert_int_equal(tries, CH_PIV_TRIES_UNKNOWN);
    assert_int_equal(ch_piv_verify(&r.ctx, 0x80, PIN6, 6, &tries), SCARD_E_COMM_DATA_LOST);
    assert_int_equal(ch_piv_verify(&r.ctx, 0x80, PIN6, 6, &tries), SCARD_W_RESET_CARD);
    assert_int_equal(tries, CH_PIV_TRIES_UNKNOWN);
    assert_int_equal(ch_piv_pin_status(&r.ctx, 0x80, &verified, &tries), SCARD_E_UNEXPECTED);
    assert_false(verified);
    /* The script is exhausted: the card is gone. */
    assert_int_equal(ch_piv_pin_reset_state(&r.ctx, 0x80), SCARD_W_REMOVED_CARD);
    rig_free(&r);
}

static void test_pin_status(void **state)
{
    rig r;
    int tries = 99;
    bool verified = false;
    (void)state;
    RIG(&r, A("\x90\x00"), A("\x63\xC3"), A("\x69\x83"), A("\x63\xC0"), A("\x6A\x88"));
    assert_int_equal(ch_piv_pin_status(&r.ctx, 0x80, &verified, &tries), SCARD_S_SUCCESS);
    assert_true(verified);
    assert_int_equal(tries, CH_PIV_TRIES_UNKNOWN);
    SENT(&r, 0, "\x00\x20\x00\x80"); /* empty VERIFY: no Lc, no data */
    assert_int_equal(ch_piv_pin_status(&r.ctx, 0x80, &verified, &tries), SCARD_S_SUCCESS);
    assert_false(verified);
    assert_int_equal(tries, 3);
    verified = true;
    assert_int_equal(ch_piv_pin_status(&r.ctx, 0x80, &verified, &tries), SCARD_S_SUCCESS);
    assert_false(verified);
    assert_int_equal(tries, 0);
    verified = true;
    assert_int_equal(ch_piv_pin_status(&r.ctx, 0x80, &verified, &tries), SCARD_S_SUCCESS);
    assert_false(verified);
    assert_int_equal(tries, 0);
    /* A refusal is an error, and *verified is left as it was. */
    verified = true;
    assert_int_equal(ch_piv_pin_status(&r.ctx, 0x80, &verified, &tries),
                     SCARD_E_FILE_NOT_FOUND);
    assert_true(verified);
    rig_free(&r);
}

static void test_reset_state(void **state)
{
    rig r;
    (void)state;
    RIG(&r, A("\x90\x00"), A("\x6A\x86"));
    assert_int_equal(ch_piv_pin_reset_state(&r.ctx, 0x80), SCARD_S_SUCCESS);
    SENT(&r, 0, "\x00\x20\xFF\x80");
    assert_int_equal(ch_piv_pin_reset_state(&r.ctx, 0x80), SCARD_E_INVALID_PARAMETER);
    rig_free(&r);
}

static void test_change_reference(void **state)
{
    rig r;
    int tries = 99;
    (void)state;
    RIG(&r, A("\x90\x00"), A("\x90\x00"), A("\x63\xC1"), A("\x69\x83"));
    assert_int_equal(ch_piv_change_reference(&r.ctx, 0x80, PIN6, 6,
                                             (const uint8_t *)"9876543", 7, &tries),
                     SCARD_S_SUCCESS);
    SENT(&r, 0, "\x00\x24\x00\x80\x10" "123456\xFF\xFF" "9876543\xFF");
    assert_int_equal(ch_piv_change_reference(&r.ctx, 0x81, PIN8, 8,
                                             (const uint8_t *)"87654321", 8, NULL),
                     SCARD_S_SUCCESS);
    SENT(&r, 1, "\x00\x24\x00\x81\x10" "12345678" "87654321");
    assert_int_equal(ch_piv_change_reference(&r.ctx, 0x80, PIN6, 6, PIN6, 6, &tries),
                     SCARD_W_WRONG_CHV);
    assert_int_equal(tries, 1);
    assert_int_equal(ch_piv_change_reference(&r.ctx, 0x81, PIN8, 8, PIN8, 8, &tries),
                     SCARD_W_CHV_BLOCKED);
    assert_int_equal(tries, 0);
    /* Nothing sent for another reference or a secret of the wrong shape (either one). */
    assert_int_equal(ch_piv_change_reference(&r.ctx, 0x00, PIN6, 6, PIN6, 6, &tries),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(tries, CH_PIV_TRIES_UNKNOWN);
    assert_int_equal(ch_piv_change_reference(&r.ctx, 0x80, PIN6, 6, PIN6, 4, NULL),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_change_reference(&r.ctx, 0x80, NULL, 6, PIN6, 6, NULL),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(r.s.exchanges, 4);
    rig_free(&r);
}

static void test_reset_retry(void **state)
{
    rig r;
    int tries = 99;
    (void)state;
    RIG(&r, A("\x90\x00"), A("\x63\xC2"), A("\x63\xC0"));
    assert_int_equal(ch_piv_reset_retry(&r.ctx, PIN8, 8, (const uint8_t *)"654321", 6, &tries),
                     SCARD_S_SUCCESS);
    SENT(&r, 0, "\x00\x2C\x00\x80\x10" "12345678" "654321\xFF\xFF");
    assert_int_equal(ch_piv_reset_retry(&r.ctx, PIN8, 8, PIN6, 6, &tries), SCARD_W_WRONG_CHV);
    assert_int_equal(tries, 2);
    assert_int_equal(ch_piv_reset_retry(&r.ctx, PIN8, 8, PIN6, 6, &tries),
                     SCARD_W_CHV_BLOCKED);
    assert_int_equal(tries, 0);
    assert_int_equal(ch_piv_reset_retry(&r.ctx, PIN8, 8, (const uint8_t *)"12\xFF" "456", 6,
                                        &tries),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(r.s.exchanges, 3);
    rig_free(&r);
}

static void test_mgm_block(void **state)
{
    (void)state;
    assert_int_equal(ch_piv_mgm_block(CH_PIV_ALG_3DES), 8);
    assert_int_equal(ch_piv_mgm_block(CH_PIV_ALG_AES128), 16);
    assert_int_equal(ch_piv_mgm_block(CH_PIV_ALG_AES192), 16);
    assert_int_equal(ch_piv_mgm_block(CH_PIV_ALG_AES256), 16);
    assert_int_equal(ch_piv_mgm_block(CH_PIV_ALG_RSA2048), 0);
    assert_int_equal(ch_piv_mgm_block(0x00), 0);
}

static void test_mgm_alg(void **state)
{
    rig r;
    ch_cur sent;
    uint8_t alg = 0;
    (void)state;
    /* AES-256 stated; no GET METADATA (6D00); no 9B metadata (6A88); P1-P2 checked before
     * INS (6A86); a refusal. */
    RIG(&r, A("\x01\x01\x0C\x02\x02\x00\x01\x05\x01\x00\x90\x00"), A("\x6D\x00"),
        A("\x6A\x88"), A("\x6A\x86"), A("\x69\x82"));
    assert_int_equal(ch_piv_mgm_alg(&r.ctx, &alg), SCARD_S_SUCCESS);
    assert_int_equal(alg, CH_PIV_ALG_AES256);
    assert_int_equal(r.s.exchanges, 1);
    assert_true(ch_script_sent(&r.s, 0, &sent));
    assert_true(ch_cur_left(&sent) >= 4);
    assert_memory_equal(ch_cur_peek_ptr(&sent), "\x00\xF7\x00\x9B", 4); /* GET METADATA 9B */
    alg = 0;
    assert_int_equal(ch_piv_mgm_alg(&r.ctx, &alg), SCARD_S_SUCCESS);
    assert_int_equal(alg, CH_PIV_ALG_3DES);
    alg = 0;
    assert_int_equal(ch_piv_mgm_alg(&r.ctx, &alg), SCARD_S_SUCCESS);
    assert_int_equal(alg, CH_PIV_ALG_3DES);
    alg = 0;
    assert_int_equal(ch_piv_mgm_alg(&r.ctx, &alg), SCARD_S_SUCCESS);
    assert_int_equal(alg, CH_PIV_ALG_3DES);
    alg = 0;
    assert_int_equal(ch_piv_mgm_alg(&r.ctx, &alg), SCARD_W_SECURITY_VIOLATION);
    assert_int_equal(alg, 0);
    rig_free(&r);
}

static void test_mgm_alg_not_a_management_key(void **state)
{
    rig r;
    uint8_t alg = 0x55;
    (void)state;
    /* A 9B stated as P-256 (no public key given), and 9B metadata without an algorithm. */
    RIG(&r, A("\x01\x01\x11\x90\x00"), A("\x05\x01\x01\x90\x00"));
    assert_int_equal(ch_piv_mgm_alg(&r.ctx, &alg), SCARD_E_UNSUPPORTED_FEATURE);
    assert_int_equal(ch_piv_mgm_alg(&r.ctx, &alg), SCARD_E_UNEXPECTED);
    assert_int_equal(alg, 0x55);
    rig_free(&r);
}

static void test_mgm_challenge(void **state)
{
    rig r;
    uint8_t ch[16];
    size_t n = 0;
    (void)state;
    RIG(&r, A("\x7C\x0A\x81\x08" "ABCDEFGH" "\x90\x00"),
        A("\x7C\x12\x81\x10" "0123456789abcdef" "\x90\x00"));
    assert_int_equal(ch_piv_mgm_challenge(&r.ctx, CH_PIV_ALG_3DES, ch, sizeof ch, &n),
                     SCARD_S_SUCCESS);
    assert_int_equal(n, 8);
    assert_memory_equal(ch, "ABCDEFGH", 8);
    SENT(&r, 0, "\x00\x87\x03\x9B\x04\x7C\x02\x81\x00\x00");
    assert_int_equal(ch_piv_mgm_challenge(&r.ctx, CH_PIV_ALG_AES192, ch, sizeof ch, &n),
                     SCARD_S_SUCCESS);
    assert_int_equal(n, 16);
    assert_memory_equal(ch, "0123456789abcdef", 16);
    SENT(&r, 1, "\x00\x87\x0A\x9B\x04\x7C\x02\x81\x00\x00");
    /* Nothing sent: not a management-key algorithm, no room for a block. */
    assert_int_equal(ch_piv_mgm_challenge(&r.ctx, CH_PIV_ALG_RSA2048, ch, sizeof ch, &n),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_mgm_challenge(&r.ctx, CH_PIV_ALG_AES128, ch, 8, &n),
                     SCARD_E_INSUFFICIENT_BUFFER);
    assert_int_equal(r.s.exchanges, 2);
    rig_free(&r);
}

static void test_mgm_challenge_malformed(void **state)
{
    static const answer bad[] = {
        A("\x90\x00"),                                           /* no data */
        A("\x7C\x09\x81\x07" "ABCDEFG" "\x90\x00"),              /* short block */
        A("\x7C\x0B\x81\x09" "ABCDEFGHI" "\x90\x00"),            /* long block */
        A("\x7C\x0A\x80\x08" "ABCDEFGH" "\x90\x00"),             /* witness, not challenge */
        A("\x7D\x0A\x81\x08" "ABCDEFGH" "\x90\x00"),             /* not a 7C template */
        A("\x7C\x0B\x81\x08" "ABCDEFGH" "\x90\x00"),             /* template past the end */
        A("\x7C\x0A\x81\x08" "ABCDEFGH" "\x00\x90\x00"),         /* trailing byte */
        A("\x7C\x0C\x81\x08" "ABCDEFGH\x82\x00" "\x90\x00"),     /* more inside */
        A("\x7C\x0A\x81\x88" "ABCDEFGH" "\x90\x00"),             /* bad length form */
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rig r;
        uint8_t ch[16];
        size_t n = 77;
        print_message("case %zu\n", i);
        memset(ch, 0xEE, sizeof ch);
        rig_init(&r, &bad[i], 1);
        assert_int_equal(ch_piv_mgm_challenge(&r.ctx, CH_PIV_ALG_3DES, ch, sizeof ch, &n),
                         SCARD_E_UNEXPECTED);
        assert_int_equal(n, 77);
        for (size_t j = 0; j < sizeof ch; j++)
            assert_int_equal(ch[j], 0xEE);
        rig_free(&r);
    }
}

static void test_mgm_response(void **state)
{
    rig r;
    (void)state;
    RIG(&r, A("\x90\x00"), A("\x69\x82"), A("\x6A\x80"), A("\x7C\x00\x90\x00"));
    assert_int_equal(ch_piv_mgm_response(&r.ctx, CH_PIV_ALG_3DES, (const uint8_t *)"abcdefgh", 8),
                     SCARD_S_SUCCESS);
    SENT(&r, 0, "\x00\x87\x03\x9B\x0C\x7C\x0A\x82\x08" "abcdefgh");
    assert_int_equal(ch_piv_mgm_response(&r.ctx, CH_PIV_ALG_AES128,
                                         (const uint8_t *)"0123456789abcdef", 16),
                     SCARD_W_WRONG_CHV);
    SENT(&r, 1, "\x00\x87\x08\x9B\x14\x7C\x12\x82\x10" "0123456789abcdef");
    /* No challenge outstanding on the card. */
    assert_int_equal(ch_piv_mgm_response(&r.ctx, CH_PIV_ALG_3DES, (const uint8_t *)"abcdefgh", 8),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_mgm_response(&r.ctx, CH_PIV_ALG_3DES, (const uint8_t *)"abcdefgh", 8),
                     SCARD_E_UNEXPECTED);
    /* Nothing sent: a response that is not one block, an unknown algorithm. */
    assert_int_equal(ch_piv_mgm_response(&r.ctx, CH_PIV_ALG_3DES, (const uint8_t *)"abcdefg", 7),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_mgm_response(&r.ctx, CH_PIV_ALG_AES256,
                                         (const uint8_t *)"abcdefgh", 8),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_mgm_response(&r.ctx, 0x07, (const uint8_t *)"abcdefgh", 8),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(ch_piv_mgm_response(&r.ctx, CH_PIV_ALG_3DES, NULL, 8),
                     SCARD_E_INVALID_PARAMETER);
    assert_int_equal(r.s.exchanges, 4);
    rig_free(&r);
}

/* A card left inside a command chain refuses the next command with 6883 and drops the chain:
 * SELECT is sent once more then (found by fuzz_session), and only then. */
static void test_select_again_after_6883(void **state)
{
    rig r;
    ch_piv_apt apt;
    static const char select_piv[] = "\x00\xA4\x04\x00\x09\xA0\x00\x00\x03\x08\x00\x00\x10\x00\x00";
    (void)state;
    RIG(&r, A("\x68\x83"), A("\x6A\x82"));
    assert_int_equal(ch_piv_select(&r.ctx, &apt), SCARD_E_UNKNOWN_CARD);
    assert_int_equal(r.s.exchanges, 2);
    SENT(&r, 0, select_piv);
    SENT(&r, 1, select_piv);
    rig_free(&r);

    RIG(&r, A("\x6A\x82"), A("\x6A\x82"));
    assert_int_equal(ch_piv_select(&r.ctx, &apt), SCARD_E_UNKNOWN_CARD);
    assert_int_equal(r.s.exchanges, 1);
    rig_free(&r);

    RIG(&r, A("\x68\x83"), A("\x68\x83"), A("\x68\x83"));
    assert_int_equal(ch_piv_select(&r.ctx, &apt), SCARD_E_UNKNOWN_CARD);
    assert_int_equal(r.s.exchanges, 2); /* once more, not forever */
    rig_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_select_again_after_6883),
        cmocka_unit_test(test_verify_pads_with_ff),
        cmocka_unit_test(test_verify_status_words),
        cmocka_unit_test(test_verify_refuses_bad_shapes_without_sending),
        cmocka_unit_test(test_malformed_and_failed_answers),
        cmocka_unit_test(test_pin_status),
        cmocka_unit_test(test_reset_state),
        cmocka_unit_test(test_change_reference),
        cmocka_unit_test(test_reset_retry),
        cmocka_unit_test(test_mgm_block),
        cmocka_unit_test(test_mgm_alg),
        cmocka_unit_test(test_mgm_alg_not_a_management_key),
        cmocka_unit_test(test_mgm_challenge),
        cmocka_unit_test(test_mgm_challenge_malformed),
        cmocka_unit_test(test_mgm_response),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
