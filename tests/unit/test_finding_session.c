/* The fuzz_session finding (fuzz/finding_session.h): header, records, every prefix a finding,
 * ops modulo CH_FS_OPS, the tables' meaning, and the encoder as the decoder's inverse. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "finding_session.h"

/* Header: v6, empty card + no cache, 5th allocation, 0x0102nd exchange, REMOVED repeating;
 * then three records: AUTH_PIN (user, wrong PIN), IMPORT with 3 data bytes, SIGN. */
static const uint8_t sample[] = {
    0x01, 0x03, 0x05, 0x02, 0x01, 0x82,
    0x01, 0x00, 0x01, 0x00, 0x00,
    0x06, 0x07, 0x1E, 0x03, 0x00, 0xAA, 0xBB, 0xCC,
    0x10, 0x1B, 0x2B, 0x00, 0x00,
};

static void test_header_and_records(void **state)
{
    ch_finding_session f;
    (void)state;
    ch_finding_session_decode(sample, sizeof sample, &f);
    assert_int_equal(f.version, 6);
    assert_int_equal(f.flags, CH_FS_F_EMPTY_CARD | CH_FS_F_NO_CACHE);
    assert_int_equal(f.alloc_fail_at, 5);
    assert_int_equal(f.fault_at, 0x0102);
    assert_int_equal(f.fault_code, 0x80100069u); /* SCARD_W_REMOVED_CARD */
    assert_true(f.fault_repeat);
    assert_int_equal(f.n_steps, 3);
    assert_int_equal(f.steps[1].op, 6);
    assert_int_equal(f.steps[1].len, 3);
    assert_int_equal(f.steps[1].data_got, 3);
    assert_memory_equal(f.steps[1].data, sample + 16, 3);
    assert_null(f.steps[0].data);
    assert_int_equal(f.steps[2].a, 0x1B);
}

static void test_versions_and_fault_codes(void **state)
{
    static const uint32_t codes[3] = {0x8010002Fu, 0x80100068u, 0x80100069u};
    uint8_t in[CH_FS_HEADER] = {0};
    ch_finding_session f;
    (void)state;
    for (unsigned v = 0; v < 256; v++) {
        in[0] = (uint8_t)v;
        in[5] = (uint8_t)v;
        ch_finding_session_decode(in, sizeof in, &f);
        assert_int_equal(f.version, 7u - (v & 3u));
        assert_int_equal(f.fault_code, codes[(v & 0x7Fu) % 3u]);
        assert_int_equal(f.fault_repeat, (v & 0x80u) != 0);
        assert_int_equal(f.n_steps, 0);
    }
}

/* Every prefix decodes; a record that has begun is there, with what the input still holds
 * and zeros after; records complete in the prefix equal the full decode's. */
static void test_every_prefix(void **state)
{
    ch_finding_session full, f;
    (void)state;
    ch_finding_session_decode(sample, sizeof sample, &full);
    for (size_t n = 0; n <= sizeof sample; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact: a read past the prefix is seen by ASan */
        size_t at = CH_FS_HEADER;
        assert_non_null(copy);
        memcpy(copy, sample, n);
        ch_finding_session_decode(copy, n, &f);
        assert_int_equal(f.version_sel, n > 0 ? sample[0] : 0);
        assert_int_equal(f.fault_sel, n > 5 ? sample[5] : 0);
        assert_int_equal(f.fault_at, n >= 5 ? 0x0102 : n == 4 ? 0x02 : 0);
        for (uint8_t i = 0; i < full.n_steps; i++) {
            size_t rec_end = at + CH_FS_RECORD + full.steps[i].data_got;
            if (n <= at) {
                assert_true(f.n_steps <= i);
            } else {
                assert_true(f.n_steps > i);
                assert_int_equal(f.steps[i].op, full.steps[i].op);
                assert_int_equal(f.steps[i].a, n > at + 1 ? full.steps[i].a : 0);
                assert_int_equal(f.steps[i].data_got,
                                 n >= rec_end ? full.steps[i].data_got
                                 : n > at + CH_FS_RECORD ? n - at - CH_FS_RECORD : 0);
                if (n >= rec_end) {
                    assert_int_equal(f.steps[i].len, full.steps[i].len);
                    assert_int_equal(f.steps[i].b, full.steps[i].b);
                }
            }
            at = rec_end;
        }
        free(copy);
    }
}

static void test_at_most_24_steps(void **state)
{
    uint8_t in[CH_FS_HEADER + 30 * CH_FS_RECORD];
    ch_finding_session f;
    (void)state;
    memset(in, 0, sizeof in);
    for (size_t i = 0; i < 30; i++)
        in[CH_FS_HEADER + i * CH_FS_RECORD] = (uint8_t)i;
    ch_finding_session_decode(in, sizeof in, &f);
    assert_int_equal(f.n_steps, CH_FS_MAX_STEPS);
    assert_int_equal(f.steps[23].op, 23);
}

/* A record's length past the end takes what remains. */
static void test_long_length(void **state)
{
    static const uint8_t in[] = {0, 0, 0, 0, 0, 0, 0x08, 0x01, 0x02, 0xFF, 0xFF, 'a', 'b'};
    ch_finding_session f;
    (void)state;
    ch_finding_session_decode(in, sizeof in, &f);
    assert_int_equal(f.n_steps, 1);
    assert_int_equal(f.steps[0].len, 0xFFFF);
    assert_int_equal(f.steps[0].data_got, 2);
    assert_memory_equal(f.steps[0].data, "ab", 2);
}

static void test_op_modulo_and_names(void **state)
{
    ch_fs_record r;
    ch_fs_step s;
    (void)state;
    memset(&r, 0, sizeof r);
    for (unsigned op = 0; op < 256; op++) {
        r.op = (uint8_t)op;
        ch_fs_resolve(&r, &s);
        assert_int_equal(s.op, op % CH_FS_OPS);
        assert_string_not_equal(ch_fs_op_name(s.op), "?");
    }
    assert_string_equal(ch_fs_op_name(CH_FS_AUTH_PIN), "AUTH_PIN");
    assert_string_equal(ch_fs_op_name(CH_FS_AUTH_STATE), "AUTH_STATE");
    assert_string_equal(ch_fs_op_name(CH_FS_OPS), "?");
}

static ch_fs_step resolve(uint8_t op, uint8_t a, uint8_t b, const uint8_t *data, size_t len)
{
    ch_fs_record r = {op, a, b, (uint16_t)len, data, len};
    ch_fs_step s;
    ch_fs_resolve(&r, &s);
    return s;
}

static void test_tables(void **state)
{
    static const uint8_t d[2] = {1, 2};
    ch_fs_step s;
    (void)state;

    s = resolve(CH_FS_AUTH_PIN, 6, 0, NULL, 0);
    assert_int_equal(s.variant, 2);
    assert_int_equal(s.container, 6);
    assert_int_equal(s.secret.src, CH_FS_SRC_CURRENT);
    s = resolve(CH_FS_AUTH_PIN, 0, 1, NULL, 0);
    assert_int_equal(s.secret.src, CH_FS_SRC_LITERAL);
    assert_int_equal(s.secret.len, 6);
    assert_memory_equal(s.secret.bytes, "999999", 6);
    assert_int_equal(resolve(CH_FS_AUTH_PIN, 0, 6, NULL, 0).secret.len, 0);
    assert_int_equal(resolve(CH_FS_AUTH_PIN, 0, 7, NULL, 0).secret.src, CH_FS_SRC_NULL);
    assert_int_equal(resolve(CH_FS_AUTH_PIN, 0, 9, NULL, 0).secret.src, CH_FS_SRC_DATA);
    assert_int_equal(resolve(CH_FS_AUTH_PIN, 0, 10, NULL, 0).secret.src, CH_FS_SRC_CURRENT);

    assert_int_equal(resolve(CH_FS_ADMIN, 0, 4, NULL, 0).resp, CH_FS_RESP_STALE);
    assert_int_equal(resolve(CH_FS_ADMIN, 0, 6, NULL, 0).resp, CH_FS_RESP_RIGHT);
    assert_int_equal(resolve(CH_FS_DEAUTH, 2, 3, NULL, 0).pin_set, 0xFF);
    assert_int_equal(resolve(CH_FS_DEAUTH, 2, 7, NULL, 0).pin_set, 0x20);

    s = resolve(CH_FS_CHANGE_PIN, 8, 0x0E, NULL, 0); /* variant 8 % 5, cur 2, new 3 */
    assert_int_equal(s.variant, CH_FS_CHG_UNBLOCK);
    assert_memory_equal(s.secret.bytes, "123", 3);
    assert_memory_equal(s.next.bytes, "12345", 5);
    assert_int_equal(resolve(CH_FS_CHANGE_PIN, 0, 0x14, NULL, 0).next.src, CH_FS_SRC_DATA);

    s = resolve(CH_FS_KEYGEN, 30, 0x0F, NULL, 0);
    assert_int_equal(s.container, 4);
    assert_int_equal(s.key_spec, 7); /* AT_ECDHE_P384 */
    assert_true(s.explicit_size && s.own_pin);

    s = resolve(CH_FS_IMPORT, 25, 0xFF, d, sizeof d);
    assert_int_equal(s.container, 25);
    assert_int_equal(s.key, CH_FS_KEY_RSA2048_AS_1024);
    assert_true(s.signature && s.explicit_size && s.own_pin);
    assert_int_equal(s.key_spec, 7);
    assert_ptr_equal(s.data, d);
    assert_int_equal(s.data_len, 2);

    s = resolve(CH_FS_WRITE_CERT, 1, 0x1D, NULL, 0);
    assert_int_equal(s.cert, CH_FS_CERT_TABLE);
    assert_int_equal(s.key, CH_FS_KEY_P384);
    assert_true(s.other_name);
    assert_int_equal(resolve(CH_FS_WRITE_CMAP, 0, 9, NULL, 0).cmap, CH_FS_CMAP_EMPTY);
    assert_int_equal(resolve(CH_FS_WRITE_CARDCF, 0, 7, NULL, 0).cardcf, CH_FS_CF_LONG);
    assert_int_equal(resolve(CH_FS_DELETE_FILE, 0, 2, NULL, 0).file, CH_FS_FILE_CARDCF);
    assert_int_equal(resolve(CH_FS_READ_FILE, 0, 11, NULL, 0).file, CH_FS_FILE_CERT_OTHER);
    assert_int_equal(resolve(CH_FS_ENUM_INFO, 0, 7, NULL, 0).enum_kind, CH_FS_INFO_CERT);

    s = resolve(CH_FS_SIGN, 3, 0x3F, NULL, 0);
    assert_int_equal(s.hash, CH_FS_HASH_DATA);
    assert_true(s.signature && s.wrong_spec && s.struct_v1);
    assert_int_equal(resolve(CH_FS_DECRYPT, 0, 6, NULL, 0).ct, CH_FS_CT_PKCS1);
    assert_int_equal(resolve(CH_FS_DECRYPT, 0, 7, NULL, 0).ct, CH_FS_CT_RAW);
    assert_int_equal(resolve(CH_FS_DECRYPT, 0, 0x0D, NULL, 0).ct, CH_FS_CT_DATA);
    s = resolve(CH_FS_ECDH, 0, 7, NULL, 0);
    assert_true(s.peer_p384 && s.kdf_sha384 && s.keep_agreement);
    assert_true(resolve(CH_FS_POWER, 1, 0, NULL, 0).remove);
    assert_false(resolve(CH_FS_POWER, 2, 0, NULL, 0).remove);
    assert_null(resolve(CH_FS_NOTHING, 0, 0, NULL, 0).data);
}

static void test_encode_round_trip(void **state)
{
    ch_finding_session f, g;
    uint8_t *out;
    size_t len = 0;
    (void)state;
    ch_finding_session_decode(sample, sizeof sample, &f);
    out = ch_finding_session_encode(&f, &len);
    assert_non_null(out);
    assert_int_equal(len, sizeof sample);
    assert_memory_equal(out, sample, sizeof sample);
    ch_finding_session_decode(out, len, &g);
    assert_int_equal(g.n_steps, f.n_steps);
    for (uint8_t i = 0; i < f.n_steps; i++) {
        assert_int_equal(g.steps[i].op, f.steps[i].op);
        assert_int_equal(g.steps[i].b, f.steps[i].b);
        assert_int_equal(g.steps[i].data_got, f.steps[i].data_got);
    }
    free(out);
}

/* A record cut short is written with the bytes it has (len = data_got): the encoding of a
 * truncated input is a well-formed finding that means the same. */
static void test_encode_truncated(void **state)
{
    ch_finding_session f, g;
    uint8_t *out;
    size_t len = 0;
    (void)state;
    ch_finding_session_decode(sample, 17, &f); /* in the middle of the IMPORT's data */
    assert_int_equal(f.steps[1].data_got, 1);
    out = ch_finding_session_encode(&f, &len);
    assert_non_null(out);
    assert_int_equal(len, 17);
    assert_int_equal(out[14], 1); /* the length now says 1 */
    ch_finding_session_decode(out, len, &g);
    assert_int_equal(g.steps[1].len, 1);
    assert_int_equal(g.steps[1].data[0], 0xAA);
    free(out);

    memset(&f, 0, sizeof f);
    f.n_steps = 1;
    f.steps[0].data_got = 0x10000;
    assert_null(ch_finding_session_encode(&f, &len));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_and_records),
        cmocka_unit_test(test_versions_and_fault_codes),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_at_most_24_steps),
        cmocka_unit_test(test_long_length),
        cmocka_unit_test(test_op_modulo_and_names),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_encode_round_trip),
        cmocka_unit_test(test_encode_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
