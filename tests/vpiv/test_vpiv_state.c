/* vpiv: the state file. Save/load round trip (PIN, PUK, counters, management key, serial,
 * keys, objects), atomic writes (a stray .tmp file from a killed write is ignored), corrupt
 * files (every prefix of a real file, every single-bit flip, hand-made bad records: all fail
 * cleanly), failed saves (6581 and nothing changes), and counters surviving vpiv_free/vpiv_new.
 * Commands go through vpiv_process; the internal header is used to put keys in slots (their
 * commands are tested elsewhere) and to compare two cards. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkdtemp, rmdir, getpid under -std=c11 */
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vpiv.h"
#include "vpiv_internal.h"
#include "vpiv_test_apdu.h"
#include "vpiv_test_files.h"

/* ---- files ---- */

typedef struct {
    char dir[256];
    char path[300];  /* dir/state */
    char other[300]; /* dir/other: for hand-made files */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "%s/vpiv_state_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/state", f->dir);
    snprintf(f->other, sizeof f->other, "%s/other", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    vt_remove_dir(f->dir);
    free(f);
    return 0;
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    uint8_t *buf = malloc(2u * 1024 * 1024);
    assert_non_null(fp);
    assert_non_null(buf);
    *n = fread(buf, 1, 2u * 1024 * 1024, fp);
    assert_true(feof(fp));
    fclose(fp);
    return buf;
}

static void write_all(const char *path, const uint8_t *p, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    if (n)
        assert_int_equal(fwrite(p, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Recomputes the END record (the last 37 bytes) of a hand-edited file. */
static void reseal(uint8_t *buf, size_t n)
{
    unsigned int hl = 0;
    assert_true(n >= 6 + 37);
    assert_int_equal(buf[n - 37], 0xFF);
    assert_int_equal(EVP_Digest(buf, n - 37, buf + n - 32, &hl, EVP_sha256(), NULL), 1);
    assert_int_equal(hl, 32);
}

/* Offset of the first record of the given type (the file must be well formed). */
static size_t find_record(const uint8_t *buf, size_t n, uint8_t type)
{
    size_t off = 6;
    while (off + 5 <= n) {
        size_t len = (size_t)buf[off + 1] << 24 | (size_t)buf[off + 2] << 16 |
                     (size_t)buf[off + 3] << 8 | buf[off + 4];
        if (buf[off] == type)
            return off;
        off += 5 + len;
    }
    fail_msg("record %02X not found", type);
    return 0;
}

static size_t record_len(const uint8_t *buf, size_t off)
{
    return 5 + ((size_t)buf[off + 1] << 24 | (size_t)buf[off + 2] << 16 |
                (size_t)buf[off + 3] << 8 | buf[off + 4]);
}

/* Loading path must fail with a reason that contains `want`. */
static void expect_corrupt_at(const char *path, const char *want, const char *file, int line)
{
    const char *why = NULL;
    vpiv_card *card = vpiv_new(path, &why);
    if (card) {
        vpiv_free(card);
        print_error("%s loaded, expected a corrupt file (%s)\n", path, want);
        _fail(file, line);
    }
    if (!why || strncmp(why, "state file corrupt: ", 20) != 0 || !strstr(why, want)) {
        print_error("reason \"%s\", expected \"state file corrupt: ...%s...\"\n",
                    why ? why : "(null)", want);
        _fail(file, line);
    }
}
#define EXPECT_CORRUPT(path, want) expect_corrupt_at(path, want, __FILE__, __LINE__)

/* ---- cards ---- */

static vpiv_card *open_card(const char *path)
{
    const char *why = NULL;
    vpiv_card *card = vpiv_new(path, &why);
    if (!card)
        fail_msg("vpiv_new(%s): %s", path, why ? why : "?");
    TX(card, SELECT, 0x9000);
    return card;
}

static void set_key(vpiv_card *card, uint8_t ref, uint8_t alg, EVP_PKEY *key, uint8_t pin_policy,
                    uint8_t touch_policy, uint8_t origin)
{
    vpiv_slot *s = vpiv_slot_find(card, ref);
    assert_non_null(s);
    assert_non_null(key);
    EVP_PKEY_free(s->key);
    s->key = key;
    s->alg = alg;
    s->pin_policy = pin_policy;
    s->touch_policy = touch_policy;
    s->origin = origin;
}

static void put(vpiv_card *card, uint32_t tag, size_t len, uint8_t seed)
{
    static uint8_t buf[VPIV_MAX_COMMAND];
    uint8_t apdu[261], r[VPIV_MAX_RAPDU];
    size_t n = 0, off = 0, rn;
    buf[n++] = 0x5C;
    buf[n++] = 0x03;
    buf[n++] = (uint8_t)(tag >> 16);
    buf[n++] = (uint8_t)(tag >> 8);
    buf[n++] = (uint8_t)tag;
    buf[n++] = 0x53;
    buf[n++] = 0x82;
    buf[n++] = (uint8_t)(len >> 8);
    buf[n++] = (uint8_t)len;
    for (size_t i = 0; i < len; i++)
        buf[n++] = (uint8_t)(seed + i);
    while (off < n) {
        size_t blk = n - off > 255 ? 255 : n - off;
        apdu[0] = off + blk < n ? 0x10 : 0x00;
        apdu[1] = 0xDB, apdu[2] = 0x3F, apdu[3] = 0xFF, apdu[4] = (uint8_t)blk;
        memcpy(apdu + 5, buf + off, blk);
        rn = vpiv_process(card, apdu, 5 + blk, r);
        assert_int_equal(rn, 2);
        assert_int_equal(r[0] << 8 | r[1], 0x9000);
        off += blk;
    }
}

/* A card with a bit of everything, saved in path. */
static vpiv_card *rich_card(const char *path, bool rsa)
{
    vpiv_card *card = open_card(path);
    static const uint8_t aes192[24] = {0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8,
                                       0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8,
                                       0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8};

    card->mgm_authenticated = true;
    TX(card, VERIFY(PIN_DEF), 0x9000);
    TX(card, "00 FA 05 07", 0x9000);
    TX(card, "00 24 00 80 10 " PIN_DEF " " PIN_NEW, 0x9000);
    TX(card, "00 24 00 81 10 " PUK_DEF " " PUK_NEW, 0x9000);
    TX(card, VERIFY(WRONG), 0x63C4);
    TX(card, VERIFY(WRONG), 0x63C3);
    TX(card, UNBLOCK(WRONG, PIN_DEF), 0x63C6);
    put(card, 0x5FC102, 100, 1);
    put(card, 0x5FC105, 3000, 2);
    put(card, 0x5FFF00, 10, 3);
    TX(card, "00 DB 3F FF 08 5C 02 7F 61 53 02 AA BB", 0x9000);
    if (rsa)
        set_key(card, 0x9A, ALG_RSA1024, EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024),
                PIN_POLICY_ONCE, TOUCH_POLICY_NEVER, ORIGIN_GENERATED);
    set_key(card, 0x9C, ALG_ECCP256, EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"),
            PIN_POLICY_ALWAYS, 2, ORIGIN_IMPORTED);
    set_key(card, 0x9E, ALG_ECCP384, EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"),
            PIN_POLICY_NEVER, TOUCH_POLICY_NEVER, ORIGIN_GENERATED);
    set_key(card, 0x95, 0xE0, EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), PIN_POLICY_ONCE, 3,
            ORIGIN_GENERATED);
    card->mgm_alg = ALG_AES192;
    memset(card->mgm_key, 0, sizeof card->mgm_key);
    memcpy(card->mgm_key, aes192, sizeof aes192);
    card->mgm_touch = 2;
    card->mgm_default = false;
    card->serial = 0x01020304;
    assert_true(vpiv_save(card));
    return card;
}

static size_t mgm_len(uint8_t alg)
{
    return alg == ALG_AES128 ? 16 : alg == ALG_AES256 ? 32 : 24;
}

static void assert_same_state(const vpiv_card *a, const vpiv_card *b)
{
    assert_memory_equal(a->pin.value, b->pin.value, 8);
    assert_int_equal(a->pin.max_tries, b->pin.max_tries);
    assert_int_equal(a->pin.tries_left, b->pin.tries_left);
    assert_int_equal(a->pin.is_default, b->pin.is_default);
    assert_memory_equal(a->puk.value, b->puk.value, 8);
    assert_int_equal(a->puk.max_tries, b->puk.max_tries);
    assert_int_equal(a->puk.tries_left, b->puk.tries_left);
    assert_int_equal(a->puk.is_default, b->puk.is_default);
    assert_int_equal(a->mgm_alg, b->mgm_alg);
    assert_memory_equal(a->mgm_key, b->mgm_key, mgm_len(a->mgm_alg));
    assert_int_equal(a->mgm_touch, b->mgm_touch);
    assert_int_equal(a->mgm_default, b->mgm_default);
    assert_int_equal(a->serial, b->serial);
    for (size_t i = 0; i < VPIV_N_SLOTS; i++) {
        const vpiv_slot *x = &a->slots[i], *y = &b->slots[i];
        assert_int_equal(x->ref, y->ref);
        assert_int_equal(x->alg, y->alg);
        if (!x->alg)
            continue;
        assert_int_equal(x->pin_policy, y->pin_policy);
        assert_int_equal(x->touch_policy, y->touch_policy);
        assert_int_equal(x->origin, y->origin);
        assert_non_null(y->key);
        assert_int_equal(EVP_PKEY_eq(x->key, y->key), 1);
    }
    assert_int_equal(a->n_objects, b->n_objects);
    for (size_t i = 0; i < a->n_objects; i++) {
        assert_int_equal(a->objects[i].tag, b->objects[i].tag);
        assert_int_equal(a->objects[i].len, b->objects[i].len);
        assert_memory_equal(a->objects[i].data, b->objects[i].data, a->objects[i].len);
    }
}

/* ---- tests ---- */

static void test_missing_file_is_created(void **state)
{
    fixture *f = *state;
    struct stat sb;
    size_t n;
    uint8_t *buf;
    vpiv_card *card, *fresh = vpiv_new(NULL, NULL);

    assert_false(exists(f->path));
    card = open_card(f->path);
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    buf = read_all(f->path, &n);
    assert_true(n > 6);
    assert_memory_equal(buf, "VPIV\x00\x01", 6);
    free(buf);
    assert_same_state(card, fresh);
    vpiv_free(card);
    card = open_card(f->path); /* and it loads */
    assert_same_state(card, fresh);
    TX(card, VERIFY(PIN_DEF), 0x9000);
    vpiv_free(card);
    vpiv_free(fresh);
    /* a directory that does not exist: a clear error, no card */
    {
        char bad[400];
        const char *why = NULL;
        snprintf(bad, sizeof bad, "%s/no/such/dir/state", f->dir);
        assert_null(vpiv_new(bad, &why));
        assert_non_null(why);
        assert_non_null(strstr(why, "state file"));
        assert_null(vpiv_new(bad, NULL));
    }
}

static void test_round_trip(void **state)
{
    fixture *f = *state;
    vpiv_card *a = rich_card(f->path, true), *b;
    uint8_t *x, *y;
    size_t xn, yn;

    b = open_card(f->path);
    assert_same_state(a, b);
    assert_int_equal(b->n_objects, 4);
    assert_non_null(vpiv_slot_find(b, 0x9A)->key);
    /* the loaded card saves the same bytes */
    x = read_all(f->path, &xn);
    assert_true(vpiv_save(b));
    y = read_all(f->path, &yn);
    assert_int_equal(xn, yn);
    assert_memory_equal(x, y, xn);
    free(x);
    free(y);
    /* and behaves the same through APDUs */
    TX(b, VERIFY_EMPTY, 0x63C3);
    TX(b, VERIFY(PIN_NEW), 0x9000);
    TX(b, UNBLOCK(WRONG, PIN_NEW), 0x63C5);
    TX(b, "00 CB 3F FF 04 5C 02 7F 61", 0x9000);
    TX(b, "00 F8 00 00", 0x9000);
    vpiv_free(b);
    vpiv_free(a);

    /* after a RESET the file holds a factory card with the same serial */
    b = open_card(f->path);
    for (int i = 0; i < 5; i++) /* 5 PIN tries, 5 PUK tries left */
        TX(b, VERIFY(WRONG), 0x63C4u - (unsigned)i);
    for (int i = 0; i < 5; i++)
        TX(b, UNBLOCK(WRONG, PIN_NEW), 0x63C4u - (unsigned)i);
    TX(b, "00 FB 00 00", 0x9000);
    vpiv_free(b);
    a = vpiv_new(NULL, NULL);
    a->serial = 0x01020304;
    b = open_card(f->path);
    assert_same_state(a, b);
    vpiv_free(a);
    vpiv_free(b);
}

static void test_counters_persist(void **state)
{
    fixture *f = *state;
    vpiv_card *card = open_card(f->path);
    TX(card, VERIFY(WRONG), 0x63C2);
    TX(card, VERIFY(WRONG), 0x63C1);
    vpiv_free(card);
    card = open_card(f->path);
    TX(card, VERIFY_EMPTY, 0x63C1);
    TX(card, VERIFY(WRONG), 0x63C0);
    vpiv_free(card);
    card = open_card(f->path);
    TX(card, VERIFY(PIN_DEF), 0x6983);
    TX(card, UNBLOCK(WRONG, PIN_NEW), 0x63C2);
    vpiv_free(card);
    card = open_card(f->path);
    TX(card, UNBLOCK(WRONG, PIN_NEW), 0x63C1);
    TX(card, UNBLOCK(PUK_DEF, PIN_NEW), 0x9000);
    vpiv_free(card);
    card = open_card(f->path);
    TX(card, VERIFY_EMPTY, 0x63C3);
    TX(card, UNBLOCK(WRONG, PIN_NEW), 0x63C2); /* PUK counter was reset too */
    TX(card, VERIFY(PIN_NEW), 0x9000);
    assert_false(card->pin.is_default);
    vpiv_free(card);
    /* verification is not persistent */
    card = open_card(f->path);
    TX(card, VERIFY_EMPTY, 0x63C3);
    vpiv_free(card);
}

static void test_stray_tmp_file_is_ignored(void **state)
{
    fixture *f = *state;
    vpiv_card *card = rich_card(f->path, false), *again;
    char mine[400], other[400];
    uint8_t *buf;
    size_t n;

    buf = read_all(f->path, &n);
    /* a write killed half-way by another process, and one of ours */
    snprintf(other, sizeof other, "%s.tmp.%d", f->path, 99999999);
    snprintf(mine, sizeof mine, "%s.tmp.%ld", f->path, (long)getpid());
    write_all(other, buf, n / 2);
    write_all(mine, (const uint8_t *)"garbage", 7);
    again = open_card(f->path);
    assert_same_state(card, again);
    vpiv_free(again);
    /* the next save replaces our own stray file and leaves the other alone */
    TX(card, VERIFY(WRONG), 0x63C2);
    assert_false(exists(mine));
    assert_true(exists(other));
    again = open_card(f->path);
    assert_same_state(card, again);
    vpiv_free(again);
    vpiv_free(card);
    free(buf);
}

static void test_every_prefix_fails_cleanly(void **state)
{
    fixture *f = *state;
    vpiv_card *card = rich_card(f->path, true);
    size_t n;
    uint8_t *buf = read_all(f->path, &n);

    vpiv_free(card);
    for (size_t k = 0; k < n; k++) {
        write_all(f->other, buf, k);
        EXPECT_CORRUPT(f->other, "");
    }
    write_all(f->other, buf, n);
    card = open_card(f->other);
    vpiv_free(card);
    free(buf);
}

static void test_every_bit_flip_fails_cleanly(void **state)
{
    fixture *f = *state;
    vpiv_card *card = rich_card(f->path, true);
    size_t n;
    uint8_t *buf = read_all(f->path, &n);

    vpiv_free(card);
    for (size_t i = 0; i < n; i++) {
        uint8_t bit = (uint8_t)(1u << (i % 8));
        buf[i] ^= bit;
        write_all(f->other, buf, n);
        EXPECT_CORRUPT(f->other, "");
        buf[i] ^= bit;
    }
    free(buf);
}

/* Every truncation of the records, resealed with a right checksum, goes through the record
 * parser: it loads (when it ends on a record boundary after the records that must be there,
 * dropping trailing objects or keys) or fails cleanly. */
static void test_every_resealed_truncation(void **state)
{
    fixture *f = *state;
    vpiv_card *card = rich_card(f->path, true);
    size_t n, loads = 0, boundaries = 0, off;
    uint8_t *buf = read_all(f->path, &n), *ed = malloc(n);

    assert_non_null(ed);
    vpiv_free(card);
    /* records that may be dropped from the end: everything after SERIAL */
    off = find_record(buf, n, 0x04);
    off += record_len(buf, off);
    while (off < n - 37) {
        boundaries++;
        off += record_len(buf, off);
    }
    assert_int_equal(boundaries, 8); /* 4 objects, 4 keys */
    for (size_t k = 6; k < n - 37; k++) {
        const char *why = NULL;
        memcpy(ed, buf, k);
        memcpy(ed + k, buf + n - 37, 37);
        reseal(ed, k + 37);
        write_all(f->other, ed, k + 37);
        card = vpiv_new(f->other, &why);
        if (card) {
            loads++;
            assert_int_equal(card->serial, 0x01020304);
            vpiv_free(card);
        } else {
            assert_non_null(why);
            assert_int_equal(strncmp(why, "state file corrupt: ", 20), 0);
        }
    }
    assert_int_equal(loads, boundaries);
    free(ed);
    free(buf);
}

static void test_bad_headers(void **state)
{
    fixture *f = *state;
    vpiv_card *card = open_card(f->path);
    size_t n;
    uint8_t *buf = read_all(f->path, &n), *big;

    vpiv_free(card);
    write_all(f->other, buf, 0);
    EXPECT_CORRUPT(f->other, "magic");
    buf[3] = 'X';
    write_all(f->other, buf, n);
    EXPECT_CORRUPT(f->other, "magic");
    buf[3] = 'V';
    buf[5] = 2;
    write_all(f->other, buf, n);
    EXPECT_CORRUPT(f->other, "version");
    buf[4] = 1;
    buf[5] = 1;
    write_all(f->other, buf, n);
    EXPECT_CORRUPT(f->other, "version");
    buf[4] = 0;
    write_all(f->other, (const uint8_t *)"VPIV\x00\x01", 6);
    EXPECT_CORRUPT(f->other, "truncated");
    /* too large */
    big = calloc(1, 1024 * 1024 + 1);
    assert_non_null(big);
    memcpy(big, buf, n);
    write_all(f->other, big, 1024 * 1024 + 1);
    EXPECT_CORRUPT(f->other, "too large");
    free(big);
    /* the untouched file still loads */
    write_all(f->other, buf, n);
    card = open_card(f->other);
    vpiv_free(card);
    free(buf);
}

/* Hand-edited files, resealed so that only the edit is wrong. */
static void test_bad_records(void **state)
{
    fixture *f = *state;
    vpiv_card *card = rich_card(f->path, false);
    size_t n, off, len, m;
    uint8_t *buf = read_all(f->path, &n), *ed = malloc(2 * n);

    vpiv_free(card);
    assert_non_null(ed);

#define EDIT_BEGIN() (memcpy(ed, buf, n), m = n)
    /* the checksum itself */
    EDIT_BEGIN();
    ed[find_record(ed, m, 0x04) + 5] ^= 1;
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "checksum");
    /* unknown record type */
    EDIT_BEGIN();
    ed[find_record(ed, m, 0x04)] = 0x05;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "unknown record");
    /* a record stored twice: the serial again, before END */
    EDIT_BEGIN();
    off = find_record(ed, m, 0x04);
    len = record_len(ed, off);
    memmove(ed + m - 37 + len, ed + m - 37, 37);
    memcpy(ed + m - 37, buf + off, len);
    m += len;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "twice");
    /* an object stored twice */
    EDIT_BEGIN();
    off = find_record(ed, m, 0x20);
    len = record_len(ed, off);
    memmove(ed + m - 37 + len, ed + m - 37, 37);
    memcpy(ed + m - 37, buf + off, len);
    m += len;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "twice");
    /* a missing record: the serial removed */
    EDIT_BEGIN();
    off = find_record(ed, m, 0x04);
    len = record_len(ed, off);
    memmove(ed + off, ed + off + len, m - off - len);
    m -= len;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "missing");
    /* data after END */
    EDIT_BEGIN();
    ed[m++] = 0;
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "end record");
    /* an END record before the end */
    EDIT_BEGIN();
    off = find_record(ed, m, 0x04);
    ed[off] = 0xFF;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "end record before the end");
    /* a record length running past the end record, or past the end of the file */
    EDIT_BEGIN();
    off = find_record(ed, m, 0x04);
    ed[off + 2] = 0xFF;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "runs past");
    ed[off + 1] = 0xFF;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "runs past");
    /* tries left above the maximum */
    EDIT_BEGIN();
    off = find_record(ed, m, 0x01);
    ed[off + 5 + 9] = 6;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "PIN/PUK");
    /* a PIN of a shape VERIFY would never accept */
    EDIT_BEGIN();
    off = find_record(ed, m, 0x02);
    ed[off + 5 + 3] = 0xFF;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "PIN/PUK");
    /* management key: unknown algorithm, and a key length that does not match */
    EDIT_BEGIN();
    off = find_record(ed, m, 0x03);
    ed[off + 5] = 0x09;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "management key");
    EDIT_BEGIN();
    off = find_record(ed, m, 0x03);
    ed[off + 5] = ALG_AES256;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "management key");
    /* an object with a tag PUT DATA cannot write */
    EDIT_BEGIN();
    off = find_record(ed, m, 0x20);
    ed[off + 5] = 0, ed[off + 6] = 0, ed[off + 7] = 0, ed[off + 8] = 0x7E;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "object");
    /* a key slot that does not exist, and a bad origin */
    EDIT_BEGIN();
    off = find_record(ed, m, 0x10);
    ed[off + 5] = 0x9B;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "slot");
    EDIT_BEGIN();
    off = find_record(ed, m, 0x10);
    ed[off + 5 + 4] = 0;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "slot");
    /* key DER that is not DER, and DER with a byte too many */
    EDIT_BEGIN();
    off = find_record(ed, m, 0x10);
    ed[off + 5 + 5] = 0x04;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "private key");
    EDIT_BEGIN();
    off = find_record(ed, m, 0x10);
    len = record_len(ed, off);
    memmove(ed + off + len + 1, ed + off + len, m - off - len);
    ed[off + len] = 0x00;
    ed[off + 4]++; /* lengths here are < 256 */
    m += 1;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "private key");
    /* the declared algorithm of a P-256 key changed to P-384 */
    EDIT_BEGIN();
    off = find_record(ed, m, 0x10);
    assert_int_equal(ed[off + 5], 0x9C);
    assert_int_equal(ed[off + 6], ALG_ECCP256);
    ed[off + 6] = ALG_ECCP384;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "does not match its algorithm");
    ed[off + 6] = ALG_RSA2048;
    reseal(ed, m);
    write_all(f->other, ed, m);
    EXPECT_CORRUPT(f->other, "does not match its algorithm");
    /* the untouched file loads */
    write_all(f->other, buf, n);
    card = open_card(f->other);
    vpiv_free(card);
    free(ed);
    free(buf);
#undef EDIT_BEGIN
}

/* A slot whose key is not of its declared algorithm saves, and never loads. */
static void test_key_alg_mismatch(void **state)
{
    fixture *f = *state;
    vpiv_card *card = open_card(f->path);
    set_key(card, 0x9A, ALG_RSA2048, EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"),
            PIN_POLICY_ONCE, TOUCH_POLICY_NEVER, ORIGIN_GENERATED);
    assert_true(vpiv_save(card));
    vpiv_free(card);
    EXPECT_CORRUPT(f->path, "key does not match its algorithm");
    card = open_card(f->other); /* fresh */
    set_key(card, 0x9D, ALG_ECCP384, EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"),
            PIN_POLICY_ONCE, TOUCH_POLICY_NEVER, ORIGIN_IMPORTED);
    assert_true(vpiv_save(card));
    vpiv_free(card);
    EXPECT_CORRUPT(f->other, "key does not match its algorithm");
}

/* vpiv_load into a live card: a bad file leaves it untouched, a good one replaces its state. */
static void test_load_leaves_card_untouched_on_error(void **state)
{
    fixture *f = *state;
    vpiv_card *card = rich_card(f->path, false), *copy = open_card(f->path);
    const char *why = NULL;
    uint8_t *buf;
    size_t n;

    buf = read_all(f->path, &n);
    write_all(f->other, buf, n - 1);
    assert_false(vpiv_load(card, f->other, &why));
    assert_non_null(strstr(why, "state file corrupt"));
    assert_false(vpiv_load(card, f->other, NULL));
    assert_same_state(card, copy);
    /* a good file: card takes its state (and is the same as before here) */
    write_all(f->other, buf, n);
    assert_true(vpiv_load(card, f->other, &why));
    assert_same_state(card, copy);
    free(buf);
    vpiv_free(copy);
    vpiv_free(card);
}

/* When the state cannot be written, commands that change it answer 6581 and change nothing. */
static void test_failed_save_changes_nothing(void **state)
{
    fixture *f = *state;
    vpiv_card *card = rich_card(f->path, false), *before;

    TX(card, VERIFY(PIN_NEW), 0x9000); /* counters back to max */
    TX(card, UNBLOCK(PUK_NEW, PIN_NEW), 0x9000);
    TX(card, VERIFY(WRONG), 0x63C4);   /* one that needs a save to reset */
    card->mgm_authenticated = true;
    before = open_card(f->path);

    /* the directory disappears: every save fails from now on */
    assert_int_equal(unlink(f->path), 0);
    assert_int_equal(rmdir(f->dir), 0);

    TX(card, VERIFY(WRONG), 0x6581);
    TX(card, VERIFY_EMPTY, 0x63C4);
    TX(card, VERIFY(PIN_NEW), 0x6581); /* right, but the counter reset cannot be kept */
    TX(card, VERIFY_EMPTY, 0x63C4);
    assert_false(card->pin_verified);
    TX(card, "00 24 00 80 10 " PIN_NEW " " PIN_DEF, 0x6581);
    TX(card, "00 24 00 81 10 " WRONG " " PUK_DEF, 0x6581);
    TX(card, UNBLOCK(PUK_NEW, PIN_DEF), 0x6581);
    TX(card, UNBLOCK(WRONG, PIN_DEF), 0x6581);
    TX(card, "00 DB 3F FF 0A 5C 03 5F C1 01 53 03 01 02 03", 0x6581); /* new */
    TX(card, "00 DB 3F FF 0A 5C 03 5F C1 02 53 03 01 02 03", 0x6581); /* replace */
    TX(card, "00 DB 3F FF 07 5C 03 5F FF 00 53 00", 0x6581);          /* delete */
    TX(card, "00 DB 3F FF 07 5C 03 5F FF 01 53 00", 0x9000);          /* absent: no change */
    assert_same_state(card, before);
    assert_false(card->pin_verified);
    TX(card, "00 CB 3F FF 05 5C 03 5F C1 01", 0x6A82);
    TX(card, "00 CB 3F FF 05 5C 03 5F FF 00", 0x9000);
    assert_true(card->mgm_authenticated);

    /* SET PIN RETRIES and RESET need states that take saves to reach: fake them */
    card->pin_verified = true;
    TX(card, "00 FA 08 08", 0x6581);
    assert_true(card->pin_verified);
    card->pin_verified = false;
    card->pin.tries_left = 0;
    card->puk.tries_left = 0;
    before->pin.tries_left = 0;
    before->puk.tries_left = 0;
    TX(card, "00 FB 00 00", 0x6581);
    assert_same_state(card, before);
    assert_true(card->selected);
    assert_true(card->mgm_authenticated);
    TX(card, VERIFY(PIN_NEW), 0x6983);

    /* the directory is back: saving works again */
    assert_int_equal(mkdir(f->dir, 0700), 0);
    TX(card, "00 FB 00 00", 0x9000);
    assert_true(exists(f->path));
    TX(card, VERIFY(PIN_DEF), 0x9000);
    vpiv_free(before);
    before = open_card(f->path);
    assert_same_state(card, before);
    assert_int_equal(card->n_objects, 0);
    vpiv_free(before);
    vpiv_free(card);
}

static void test_in_memory_card(void **state)
{
    vpiv_card *card = vpiv_new(NULL, NULL);
    (void)state;
    assert_non_null(card);
    assert_true(vpiv_save(card));
    TX(card, SELECT, 0x9000);
    TX(card, VERIFY(WRONG), 0x63C2);
    vpiv_free(card);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_missing_file_is_created, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counters_persist, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stray_tmp_file_is_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_prefix_fails_cleanly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_bit_flip_fails_cleanly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_resealed_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_alg_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_leaves_card_untouched_on_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_failed_save_changes_nothing, setup, teardown),
        cmocka_unit_test(test_in_memory_card),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
