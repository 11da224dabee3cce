/* Unit tests for the finding classifier (replay/report.c).
 *
 * Fixtures: tests/replay/data/<name>.txt are real ASan/LSan/UBSan/libFuzzer reports, produced
 * by small C programs built with clang -fsanitize=address,undefined (and fuzzer) and run with
 * campaign.sh's ASAN_OPTIONS/UBSAN_OPTIONS, their /tmp paths rewritten to the fake source root
 * /src/cardhammer/; <name>.in is the finding's input. The expected hashes are the ones
 * scripts/campaign.sh's finding_hash computes (tests/replay/hash-agrees.sh checks that for every
 * fixture). Inline texts cover the ranking, the exit status, the headline and the bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "sha.h"

#define ROOT "/src/cardhammer/"

static char *slurp(const char *name, const char *ext, size_t *len)
{
    char path[1024];
    FILE *f;
    char *buf;
    long size;

    snprintf(path, sizeof path, "%s/%s%s", CH_RP_DATA_DIR, name, ext);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return buf;
}

typedef struct expect_frame {
    const char *function, *file;
    unsigned line;
} expect_frame;

typedef struct fixture {
    const char *name;
    int exit_code;
    ch_rp_kind kind;
    const char *sanitizer, *bug_type, *hash, *headline;
    size_t n_frames;
    expect_frame frames[CH_RP_MAX_FRAMES];
} fixture;

#define TLV "src/piv/tlv_copy.c"
static const fixture FIXTURES[] = {
    {"heap-write", 1, CH_RP_WRITE, "AddressSanitizer", "heap-buffer-overflow", "b4054e654c0a",
     "ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000020", 3,
     {{"store", TLV, 8}, {"copy_value", TLV, 24}, {"parse_answer", TLV, 34}}},
    {"heap-read", 1, CH_RP_READ, "AddressSanitizer", "heap-buffer-overflow", "147464df09a3",
     "ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000020", 3,
     {{"load", TLV, 13}, {"copy_value", TLV, 26}, {"parse_answer", TLV, 34}}},
    {"double-free", 1, CH_RP_WRITE, "AddressSanitizer", "double-free", "d55c4325d66f",
     "ERROR: AddressSanitizer: attempting double-free on 0x602000000010 in thread T0:", 2,
     {{"release", TLV, 39}, {"drop_object", TLV, 47}}},
    {"bad-free", 1, CH_RP_WRITE, "AddressSanitizer", "bad-free", "62b4ac13358c",
     "ERROR: AddressSanitizer: attempting free on address which was not malloc()-ed: "
     "0x7fffc0b145c2 in thread T0",
     2, {{"release", TLV, 39}, {"free_local", TLV, 53}}},
    {"leak", 1, CH_RP_LEAK, "LeakSanitizer", "detected memory leaks", "cb11767a58ce",
     "ERROR: LeakSanitizer: detected memory leaks", 2,
     {{"keep_object", TLV, 58}, {"forget_object", TLV, 65}}},
    {"null-write", 1, CH_RP_WRITE, "AddressSanitizer", "SEGV", "ccf1d1c7c515",
     "ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000", 1, {{"poke", TLV, 72}}},
    {"null-read", 1, CH_RP_READ, "AddressSanitizer", "SEGV", "db1ef176dfe8",
     "ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000", 1, {{"poke", TLV, 75}}},
    {"signed-overflow", 1, CH_RP_UB, "UndefinedBehaviorSanitizer", "signed-integer-overflow",
     "2d7160dbce66",
     TLV ":80:14: runtime error: signed integer overflow: 2147483632 + 32 cannot be "
         "represented in type 'int'",
     1, {{"add_length", TLV, 80}}},
    /* print_stacktrace=0: no stack, so the hash is the input's */
    {"ub-nostack", 1, CH_RP_UB, "UndefinedBehaviorSanitizer", "signed-integer-overflow",
     "d6c0cccd4371",
     TLV ":80:14: runtime error: signed integer overflow: 2147483632 + 32 cannot be "
         "represented in type 'int'",
     0, {{NULL, NULL, 0}}},
    /* CH_CHECK's abort under handle_abort=1: ASan's ABRT report is its consequence */
    {"invariant", 1, CH_RP_INVARIANT, "invariant", "invariant failed", "cd2293b5c063",
     "invariant failed at fuzz/fuzz_apdu.c:123: rc == 0: rc 7 after a failed GET DATA", 1,
     {{"", "fuzz/fuzz_apdu.c", 123}}},
    {"timeout", 70, CH_RP_TIMEOUT, "libFuzzer", "timeout", "536a50a5a440",
     "ALARM: working on the last Unit for 1 seconds", 2,
     {{"spin", "fuzz/fuzz_slow.c", 10}, {"LLVMFuzzerTestOneInput", "fuzz/fuzz_slow.c", 24}}},
    {"oom", 71, CH_RP_OOM, "libFuzzer", "out-of-memory", "317f7b99889d",
     "ERROR: libFuzzer: out-of-memory (malloc(2147483648))", 2,
     {{"grab", "fuzz/fuzz_slow.c", 15}, {"LLVMFuzzerTestOneInput", "fuzz/fuzz_slow.c", 26}}},
    {"clean", 0, CH_RP_CLEAN, "", "", "6416cc7f017f", "(no sanitizer report: did not reproduce)",
     0, {{NULL, NULL, 0}}},
    /* hand-written corners of the awk rules (BuildId, no location, spaces, second stack) */
    {"synthetic-edges", 1, CH_RP_INVARIANT, "invariant", "invariant failed", "0616975e1dae",
     "WARNING: something about MemorySanitizer src/a.c src/b.c", 3,
     {{"ch_tlv_walk", "src/piv/tlv.c", 77},
      {"helper_without_location", "", 0},
      {"strange", "src/md/odd.c", 5}}},
    {"synthetic-invariant", 1, CH_RP_INVARIANT, "invariant", "invariant failed", "2de0249839a2",
     "note: invariant failed at nowhere", 1, {{"", "fuzz/fuzz_md.c", 4567}}},
};

static void test_fixtures(void **state)
{
    size_t i, k;
    (void)state;
    for (i = 0; i < sizeof FIXTURES / sizeof FIXTURES[0]; i++) {
        const fixture *fx = &FIXTURES[i];
        size_t text_len, input_len;
        char *text = slurp(fx->name, ".txt", &text_len);
        char *input = slurp(fx->name, ".in", &input_len);
        ch_rp_exit ex = {false, false, fx->exit_code};
        ch_rp_report rp;

        print_message("fixture %s\n", fx->name);
        ch_rp_classify(text, text_len, &ex, ROOT, (const uint8_t *)input, input_len, &rp);
        assert_string_equal(ch_rp_kind_name(rp.kind), ch_rp_kind_name(fx->kind));
        assert_string_equal(rp.sanitizer, fx->sanitizer);
        assert_string_equal(rp.bug_type, fx->bug_type);
        assert_string_equal(rp.hash, fx->hash);
        assert_string_equal(rp.headline, fx->headline);
        assert_int_equal(rp.n_frames, fx->n_frames);
        for (k = 0; k < fx->n_frames; k++) {
            assert_string_equal(rp.frames[k].function, fx->frames[k].function);
            assert_string_equal(rp.frames[k].file, fx->frames[k].file);
            assert_int_equal(rp.frames[k].line, fx->frames[k].line);
        }
        free(text);
        free(input);
    }
}

/* The key of a fixture is exactly campaign.sh's (frames joined by "\n", column dropped). */
static void test_fixture_keys(void **state)
{
    size_t len;
    char *text;
    ch_rp_exit ex = {false, false, 1};
    ch_rp_report rp;
    (void)state;

    text = slurp("heap-write", ".txt", &len);
    ch_rp_classify(text, len, &ex, ROOT, NULL, 0, &rp);
    assert_string_equal(rp.key, "store " TLV ":8\ncopy_value " TLV ":24\nparse_answer " TLV ":34");
    free(text);
    text = slurp("invariant", ".txt", &len);
    ch_rp_classify(text, len, &ex, ROOT, NULL, 0, &rp);
    assert_string_equal(rp.key, "invariant fuzz/fuzz_apdu.c:123");
    free(text);
    /* without the root, paths stay absolute (and so does the hash change) */
    text = slurp("heap-write", ".txt", &len);
    ch_rp_classify(text, len, &ex, NULL, NULL, 0, &rp);
    assert_string_equal(rp.frames[0].file, "/src/cardhammer/" TLV);
    assert_string_not_equal(rp.hash, "b4054e654c0a");
    free(text);
    text = slurp("ub-nostack", ".txt", &len);
    ch_rp_classify(text, len, &ex, ROOT, NULL, 0, &rp);
    assert_string_equal(rp.key, "");
    free(text);
}

static void classify(const char *text, const ch_rp_exit *ex, ch_rp_report *rp)
{
    ch_rp_classify(text, strlen(text), ex, ROOT, NULL, 0, rp);
}

static const ch_rp_exit EXIT1 = {false, false, 1};

#define ASAN_HBO "==1==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x6020 at pc " \
                 "0x1 bp 0x2 sp 0x3\n"
#define UB_LINE "/src/cardhammer/src/a.c:1:2: runtime error: shift exponent 40 is too large " \
                "for 32-bit type 'int'\n"

/* One classify() call and what it must give: NULL (ANY_KIND) leaves a field unchecked. */
typedef struct text_case {
    const char *text;
    const ch_rp_exit *ex;
    ch_rp_kind kind;
    const char *sanitizer, *bug_type, *headline, *key;
} text_case;

#define ANY_KIND CH_RP_KINDS
#define N_CASES(a) (sizeof(a) / sizeof(a)[0])

static void expect_field(const char *group, size_t i, const char *field, const char *got,
                         const char *want)
{
    if (want && strcmp(got, want) != 0)
        fail_msg("%s case %zu: %s \"%s\", expected \"%s\"", group, i, field, got, want);
}

static void expect_cases(const char *group, const text_case *c, size_t n)
{
    ch_rp_report rp;

    for (size_t i = 0; i < n; i++) {
        classify(c[i].text, c[i].ex, &rp);
        if (c[i].kind != ANY_KIND && rp.kind != c[i].kind)
            fail_msg("%s case %zu: kind %s, expected %s", group, i, ch_rp_kind_name(rp.kind),
                     ch_rp_kind_name(c[i].kind));
        expect_field(group, i, "sanitizer", rp.sanitizer, c[i].sanitizer);
        expect_field(group, i, "bug_type", rp.bug_type, c[i].bug_type);
        expect_field(group, i, "headline", rp.headline, c[i].headline);
        expect_field(group, i, "key", rp.key, c[i].key);
    }
}

static void test_most_severe_wins(void **state)
{
    static const text_case cases[] = {
        /* the headline stays the first matching line */
        {UB_LINE ASAN_HBO "WRITE of size 4 at 0x6020 thread T0\n", &EXIT1, CH_RP_WRITE, NULL,
         "heap-buffer-overflow",
         "src/a.c:1:2: runtime error: shift exponent 40 is too large for 32-bit type 'int'",
         NULL},
        {UB_LINE, &EXIT1, CH_RP_UB, NULL, "shift", NULL, NULL},
        {"==1==ERROR: LeakSanitizer: detected memory leaks\n" ASAN_HBO
         "READ of size 1 at 0x6020 thread T0\n",
         &EXIT1, CH_RP_READ, NULL, NULL, NULL, NULL},
        /* an ASan error with no access line is a crash; a later WRITE report still wins */
        {"==1==ERROR: AddressSanitizer: stack-overflow on address 0x7ff\n", &EXIT1, CH_RP_CRASH,
         NULL, "stack-overflow", NULL, NULL},
        {"==1==ERROR: AddressSanitizer: SEGV on unknown address 0x10 (pc 0x1 bp 0x2 sp 0x3 "
         "T0)\n==1==The signal is caused by a UNKNOWN memory access.\n",
         &EXIT1, CH_RP_CRASH, NULL, "SEGV", "ERROR: AddressSanitizer: SEGV on unknown address 0x10",
         NULL},
        {"invariant failed at /src/cardhammer/fuzz/f.c:9: x: y\n"
         "==1==ERROR: AddressSanitizer: stack-overflow on address 0x7ff\n",
         &EXIT1, CH_RP_CRASH, NULL, NULL, NULL, NULL},
        {"invariant failed at /src/cardhammer/fuzz/f.c:9: x: y\n" UB_LINE, &EXIT1,
         CH_RP_INVARIANT, NULL, NULL, NULL, NULL},
        {"==9== ERROR: libFuzzer: timeout after 25 seconds\n"
         "==9== ERROR: libFuzzer: out-of-memory (used: 2100Mb; exceeds: 2048Mb)\n",
         &EXIT1, CH_RP_TIMEOUT, NULL, NULL, "ERROR: libFuzzer: timeout after 25 seconds", NULL},
    };
    (void)state;
    expect_cases("most_severe_wins", cases, N_CASES(cases));
}

static void test_aborts_and_signals(void **state)
{
    const ch_rp_exit abrt = {false, true, SIGABRT}, odd = {false, true, 77};
    const text_case cases[] = {
        /* the abort that follows a report is not a second finding */
        {"invariant failed at /src/cardhammer/fuzz/f.c:9: x: y\n"
         "==5== ERROR: libFuzzer: deadly signal\n",
         &abrt, CH_RP_INVARIANT, NULL, NULL, NULL, "invariant fuzz/f.c:9"},
        {ASAN_HBO "READ of size 4 at 0x6020 thread T0\n", &abrt, CH_RP_READ, NULL, NULL, NULL,
         NULL},
        /* alone, they are crashes */
        {"==5== ERROR: libFuzzer: deadly signal\n", &abrt, CH_RP_CRASH, "libFuzzer",
         "deadly signal", NULL, NULL},
        {"==5==ERROR: AddressSanitizer: ABRT on unknown address 0x1 (pc 0x1 bp 0x2 sp 0x3 "
         "T0)\n",
         &EXIT1, CH_RP_CRASH, NULL, "ABRT", NULL, NULL},
        {"", &abrt, CH_RP_CRASH, "signal", "SIGABRT", "(no sanitizer report: did not reproduce)",
         NULL},
        {"some output\n", &odd, CH_RP_CRASH, NULL, "signal 77", NULL, NULL},
    };
    (void)state;
    expect_cases("aborts_and_signals", cases, N_CASES(cases));
}

static void test_exit_status(void **state)
{
    const ch_rp_exit ok = {false, false, 0};
    const ch_rp_exit killed = {true, true, SIGKILL};
    const text_case cases[] = {
        {"INFO: all fine\n", &ok, CH_RP_CLEAN, NULL, NULL, NULL, NULL},
        {"INFO: all fine\n", NULL, CH_RP_CLEAN, NULL, NULL, NULL, NULL},
        {"INFO: all fine\n", &EXIT1, CH_RP_CRASH, "", NULL, NULL, NULL},
        /* the supervisor's kill is the timeout, not a crash */
        {"", &killed, CH_RP_TIMEOUT, NULL, "timeout", NULL, NULL},
        /* a report in the text of a clean exit still counts (UBSan may recover) */
        {UB_LINE, &ok, CH_RP_UB, NULL, NULL, NULL, NULL},
    };
    (void)state;
    expect_cases("exit_status", cases, N_CASES(cases));
}

static void test_sanitizer_variants(void **state)
{
    static const text_case cases[] = {
        {"==3==WARNING: MemorySanitizer: use-of-uninitialized-value\n"
         "    #0 0x1 in ch_use /src/cardhammer/src/u.c:4:9\n",
         &EXIT1, CH_RP_READ, "MemorySanitizer", "use-of-uninitialized-value",
         "WARNING: MemorySanitizer: use-of-uninitialized-value", "ch_use src/u.c:4"},
        {"==3==ERROR: AddressSanitizer: out of memory: allocator is trying to allocate "
         "0x100000000 bytes\n",
         &EXIT1, CH_RP_OOM, NULL, NULL, NULL, NULL},
        {"==3==ERROR: AddressSanitizer: requested allocation size 0xffffffffffffffff "
         "exceeds maximum supported size of 0x10000000000\n",
         &EXIT1, CH_RP_CRASH, NULL, "allocation-size-too-big", NULL, NULL},
        {"x.c:1:1: runtime error: division by zero\n", &EXIT1, ANY_KIND, NULL,
         "integer-divide-by-zero", NULL, NULL},
        {"x.c:1:1: runtime error: implicit conversion from type 'int' of value -1 (32-bit, "
         "signed) to type 'unsigned int' changed the value to 4294967295 (32-bit, "
         "unsigned)\n",
         &EXIT1, ANY_KIND, NULL, "implicit-conversion", NULL, NULL},
        {"x.c:1:1: runtime error: unsigned integer overflow: 0 - 1 cannot be represented in "
         "type 'size_t'\n",
         &EXIT1, ANY_KIND, NULL, "unsigned-integer-overflow", NULL, NULL},
        {"x.c:1:1: runtime error: index 9 out of bounds for type 'int[4]'\n", &EXIT1, ANY_KIND,
         NULL, "bounds", NULL, NULL},
        {"x.c:1:1: runtime error: something new\n", &EXIT1, ANY_KIND, NULL,
         "undefined-behavior", NULL, NULL},
    };
    (void)state;
    expect_cases("sanitizer_variants", cases, N_CASES(cases));
}

static void test_headline(void **state)
{
    char text[600];
    ch_rp_report rp;
    size_t i;
    (void)state;

    classify("noise\n==123==   ERROR: AddressSanitizer: x in /src/cardhammer/a.c and "
             "/src/cardhammer/b.c at pc 0xab bp 0xcd sp 0xef tail (pc 0x1 bp 0x2 sp 0x3 T7) end\n"
             "==1==ERROR: not this one\n",
             &EXIT1, &rp);
    assert_string_equal(rp.headline, "ERROR: AddressSanitizer: x in a.c and b.c tail end");
    /* upper-case hex is not a pc: left as campaign.sh leaves it */
    classify("ERROR: x at pc 0xAB bp 0x1 sp 0x2\n", &EXIT1, &rp);
    assert_string_equal(rp.headline, "ERROR: x at pc 0xAB bp 0x1 sp 0x2");
    /* cut to 160 bytes */
    memcpy(text, "ERROR: ", 7);
    for (i = 7; i < 400; i++) {
        text[i] = (char)('a' + i % 26);
    }
    text[400] = '\0';
    classify(text, &EXIT1, &rp);
    assert_int_equal(strlen(rp.headline), CH_RP_HEADLINE_MAX);
    assert_memory_equal(rp.headline, text, CH_RP_HEADLINE_MAX);
}

/* text[0..len) only: nothing past len is read (ASan checks the exact-size heap copy), a
 * report cut by len loses what follows, NUL bytes are dropped like bash drops them. */
static void test_bounded(void **state)
{
    static const char full[] = ASAN_HBO "WRITE of size 4 at 0x6020 thread T0\n";
    const size_t cut = sizeof ASAN_HBO - 1 + 5; /* the report, then "WRITE" */
    char *copy = malloc(cut);
    static const char with_nul[] = "==1==ERR\0OR: LeakSanitizer: detected memory leaks";
    ch_rp_report rp;
    (void)state;

    assert_non_null(copy);
    memcpy(copy, full, cut); /* ends in "WRITE", no NUL */
    ch_rp_classify(copy, cut - 1, &EXIT1, ROOT, NULL, 0, &rp);
    assert_int_equal(rp.kind, CH_RP_CRASH); /* "WRIT" is no access line */
    ch_rp_classify(copy, cut, &EXIT1, ROOT, NULL, 0, &rp);
    assert_int_equal(rp.kind, CH_RP_CRASH); /* "WRITE" without " of size " neither */
    free(copy);
    ch_rp_classify(full, sizeof full - 1, &EXIT1, ROOT, NULL, 0, &rp);
    assert_int_equal(rp.kind, CH_RP_WRITE);

    ch_rp_classify(with_nul, sizeof with_nul - 1, &EXIT1, ROOT, NULL, 0, &rp);
    assert_int_equal(rp.kind, CH_RP_LEAK);
    assert_string_equal(rp.headline, "ERROR: LeakSanitizer: detected memory leaks");
    /* NULL text */
    ch_rp_classify(NULL, 100, &EXIT1, ROOT, NULL, 0, &rp);
    assert_int_equal(rp.kind, CH_RP_CRASH);
}

/* Fields are cut, the hash is still that of the whole key. */
static void test_long_fields(void **state)
{
    char name[301], path[401], line[900], key[800], hex[13];
    uint8_t digest[CH_HASH_MAX_LEN];
    ch_rp_report rp;
    size_t i;
    (void)state;

    memset(name, 'f', 300);
    name[300] = '\0';
    memcpy(path, ROOT, strlen(ROOT));
    memset(path + strlen(ROOT), 'd', 400 - strlen(ROOT));
    path[400] = '\0';
    snprintf(line, sizeof line, "    #0 0x1 in %s %s:12:3\n", name, path);
    classify(line, &EXIT1, &rp);
    assert_int_equal(rp.n_frames, 1);
    assert_int_equal(strlen(rp.frames[0].function), sizeof rp.frames[0].function - 1);
    assert_int_equal(strlen(rp.frames[0].file), sizeof rp.frames[0].file - 1);
    assert_int_equal(rp.frames[0].line, 12);
    snprintf(key, sizeof key, "%s %s:12", name, path + strlen(ROOT));
    assert_string_equal(rp.key, key); /* 300 + 1 + 384 + 3 bytes fit in key[] */
    assert_int_equal(ch_hash(CH_HASH_SHA1, key, strlen(key), digest), 0);
    for (i = 0; i < 6; i++) {
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    }
    assert_string_equal(rp.hash, hex);

    /* three such frames overflow key[]: cut and terminated, hash still the full key's */
    {
        char text[3000], full[2600];
        snprintf(text, sizeof text, "#0 0x1 in %s %s:12:3\n#1 0x1 in %s %s:12:3\n"
                 "#2 0x1 in %s %s:12:3\n", name, path, name, path, name, path);
        classify(text, &EXIT1, &rp);
        assert_int_equal(rp.n_frames, 3);
        assert_int_equal(strlen(rp.key), sizeof rp.key - 1);
        snprintf(full, sizeof full, "%s\n%s\n%s", key, key, key);
        assert_memory_equal(rp.key, full, sizeof rp.key - 1);
        assert_int_equal(ch_hash(CH_HASH_SHA1, full, strlen(full), digest), 0);
        for (i = 0; i < 6; i++) {
            snprintf(hex + 2 * i, 3, "%02x", digest[i]);
        }
        assert_string_equal(rp.hash, hex);
    }
    /* a 20000-byte line does not hide the next one */
    {
        size_t n = 20000 + sizeof "ERROR: LeakSanitizer: detected memory leaks\n";
        char *big = malloc(n);
        assert_non_null(big);
        memset(big, 'A', 20000);
        big[19999] = '\n';
        memcpy(big + 20000, "ERROR: LeakSanitizer: detected memory leaks\n", n - 20000);
        ch_rp_classify(big, n - 1, &EXIT1, ROOT, NULL, 0, &rp);
        assert_int_equal(rp.kind, CH_RP_LEAK);
        free(big);
    }
}

/* No stack: the hash is SHA-1("nostack " + 12 hex digits of SHA-1(input)). */
static void test_nostack_hash(void **state)
{
    static const uint8_t input[] = {'a', 'b', 'c'};
    uint8_t digest[CH_HASH_MAX_LEN];
    char hex[13];
    ch_rp_report rp;
    size_t i;
    (void)state;

    ch_rp_classify("", 0, &EXIT1, ROOT, input, sizeof input, &rp);
    /* SHA-1("abc") = a9993e364706816aba3e25717850c26c9cd0d89d (FIPS 180-2) */
    assert_int_equal(ch_hash(CH_HASH_SHA1, "nostack a9993e364706", 20, digest), 0);
    for (i = 0; i < 6; i++) {
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    }
    assert_string_equal(rp.hash, hex);
    assert_string_equal(rp.key, "");
    assert_int_equal(rp.n_frames, 0);
    /* runtime frames only (main, libc, libFuzzer) make no key either */
    classify("    #0 0x1 in main /src/cardhammer/x.c:1:1\n"
             "    #1 0x2 in __libc_start_main csu/../csu/libc-start.c:360:3\n"
             "    #2 0x3 in fuzzer::RunOneTest(fuzzer::Fuzzer*) /src/llvm/FuzzerDriver.cpp:1\n",
             &EXIT1, &rp);
    assert_string_equal(rp.key, "");
}

static void test_kind_names(void **state)
{
    unsigned k;
    ch_rp_kind kind;
    (void)state;

    for (k = 0; k < (unsigned)CH_RP_KINDS; k++) {
        assert_true(ch_rp_kind_parse(ch_rp_kind_name((ch_rp_kind)k), &kind));
        assert_int_equal(kind, k);
    }
    assert_string_equal(ch_rp_kind_name(CH_RP_WRITE), "write");
    assert_string_equal(ch_rp_kind_name(CH_RP_UB), "ub");
    assert_string_equal(ch_rp_kind_name(CH_RP_CLEAN), "clean");
    assert_string_equal(ch_rp_kind_name(CH_RP_KINDS), "unknown");
    assert_false(ch_rp_kind_parse("WRITE", &kind));
    assert_false(ch_rp_kind_parse("unknown", &kind));
    assert_false(ch_rp_kind_parse("", &kind));
    assert_false(ch_rp_kind_parse(NULL, &kind));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),       cmocka_unit_test(test_fixture_keys),
        cmocka_unit_test(test_most_severe_wins), cmocka_unit_test(test_aborts_and_signals),
        cmocka_unit_test(test_exit_status),    cmocka_unit_test(test_sanitizer_variants),
        cmocka_unit_test(test_headline),       cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_long_fields),    cmocka_unit_test(test_nostack_hash),
        cmocka_unit_test(test_kind_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
