/* Unit tests for the SARIF writer (replay/sarif.c).
 *
 * Two results classified from real fixtures (a heap WRITE found 3 times, a leak found once) are
 * written and the log is checked with jq: version and $schema, the driver and its nine rules
 * (ids, levels, descriptions), originalUriBaseIds, each result's ruleId/ruleIndex/level,
 * message, location (SRCROOT-relative uri, startLine), partialFingerprints and properties.
 * No SARIF 2.1.0 JSON schema is installed on the build machines, so the properties the schema
 * requires (sarifLog: version, runs; run: tool; tool: driver; toolComponent: name;
 * reportingDescriptor: id; result: message with text; region.startLine >= 1) and the allowed
 * property names of every object written are checked by hand, with jq, instead. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, popen */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "sarif.h"

#define ROOT "/src/cardhammer/"

static void classify_fixture(const char *name, const char *root, ch_rp_report *rp)
{
    char path[1024], *text;
    FILE *f;
    long size;
    ch_rp_exit ex = {false, false, 1};

    snprintf(path, sizeof path, "%s/%s.txt", CH_RP_DATA_DIR, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size > 0);
    rewind(f);
    text = malloc((size_t)size);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    ch_rp_classify(text, (size_t)size, &ex, root, (const uint8_t *)"in", 2, rp);
    free(text);
}

/* Writes the log of results[0..n) to a new temporary file; its path in path. */
static void write_log(char *path, const ch_sarif_result *results, size_t n)
{
    int fd = mkstemp(path);
    FILE *f;
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    assert_int_equal(ch_sarif_write(f, "0.1.0-test", results, n), 0);
    assert_int_equal(fclose(f), 0);
}

#ifdef CH_JQ
/* jq -e EXPR FILE: true when EXPR's last output is neither false nor null. */
static bool jq_true(const char *path, const char *expr)
{
    char cmd[4096];
    FILE *p;
    snprintf(cmd, sizeof cmd, "%s -e '%s' '%s' >/dev/null 2>&1", CH_JQ, expr, path);
    p = popen(cmd, "r");
    assert_non_null(p);
    return pclose(p) == 0;
}

#define JQ(path, expr)                                                                       \
    do {                                                                                     \
        if (!jq_true(path, expr)) {                                                          \
            fail_msg("jq check failed: %s", expr);                                          \
        }                                                                                    \
    } while (0)
#endif

static void test_two_results(void **state)
{
#ifdef CH_JQ
    static ch_rp_report write_rp, leak_rp;
    char path[] = "/tmp/ch-sarif-XXXXXX";
    ch_sarif_result results[2];
    (void)state;

    classify_fixture("heap-write", ROOT, &write_rp);
    classify_fixture("leak", ROOT, &leak_rp);
    results[0] = (ch_sarif_result){"fuzz_piv", "findings/unique/b4054e654c0a", 3, &write_rp};
    results[1] = (ch_sarif_result){"fuzz_md", "findings/unique/cb11767a58ce", 1, &leak_rp};
    write_log(path, results, 2);

    /* the checker can fail */
    assert_false(jq_true(path, ".version == \"2.0.0\""));
    assert_false(jq_true(path, ".no_such_key"));

    JQ(path, ".version == \"2.1.0\"");
    JQ(path, ".\"$schema\" == \"https://json.schemastore.org/sarif-2.1.0.json\"");
    JQ(path, ".runs | length == 1");
    JQ(path, ".runs[0].tool.driver.name == \"mdreplay\"");
    JQ(path, ".runs[0].tool.driver.version == \"0.1.0-test\"");
    JQ(path, ".runs[0].tool.driver | has(\"informationUri\") | not");
    JQ(path, "[.runs[0].tool.driver.rules[].id] == "
             "[\"write\",\"crash\",\"read\",\"invariant\",\"leak\",\"ub\",\"timeout\",\"oom\","
             "\"clean\"]");
    JQ(path, "[.runs[0].tool.driver.rules[].defaultConfiguration.level] == "
             "[\"error\",\"error\",\"error\",\"error\",\"warning\",\"warning\",\"warning\","
             "\"warning\",\"note\"]");
    JQ(path, "all(.runs[0].tool.driver.rules[]; .shortDescription.text | type == \"string\" "
             "and length > 0)");
    JQ(path, ".runs[0].originalUriBaseIds == {\"SRCROOT\": {\"description\": {\"text\": "
             "\"the cardhammer source tree\"}}}");

    JQ(path, ".runs[0].results | length == 2");
    JQ(path, ".runs[0] as $r | all($r.results[]; $r.tool.driver.rules[.ruleIndex].id == "
             ".ruleId)");
    JQ(path, ".runs[0].results[0] | .ruleId == \"write\" and .ruleIndex == 0 and "
             ".level == \"error\"");
    JQ(path, ".runs[0].results[1] | .ruleId == \"leak\" and .ruleIndex == 4 and "
             ".level == \"warning\"");
    JQ(path, ".runs[0].results[0].message.text == \"ERROR: AddressSanitizer: "
             "heap-buffer-overflow on address 0x602000000020 (3 findings with this stack "
             "hash)\"");
    JQ(path, ".runs[0].results[1].message.text == \"ERROR: LeakSanitizer: detected memory "
             "leaks (1 finding with this stack hash)\"");
    JQ(path, ".runs[0].results[0].partialFingerprints == {\"stackHash/v1\": \"b4054e654c0a\"}");
    JQ(path, ".runs[0].results[1].partialFingerprints == {\"stackHash/v1\": \"cb11767a58ce\"}");
    JQ(path, ".runs[0].results[0].locations == [{\"physicalLocation\": {\"artifactLocation\": "
             "{\"uri\": \"src/piv/tlv_copy.c\", \"uriBaseId\": \"SRCROOT\"}, \"region\": "
             "{\"startLine\": 8}}}]");
    JQ(path, ".runs[0].results[1].locations[0].physicalLocation | .artifactLocation.uri == "
             "\"src/piv/tlv_copy.c\" and .region.startLine == 58");
    JQ(path, ".runs[0].results[0].properties == {\"target\": \"fuzz_piv\", \"finding\": "
             "\"findings/unique/b4054e654c0a\", \"duplicates\": 3, \"sanitizer\": "
             "\"AddressSanitizer\", \"bugType\": \"heap-buffer-overflow\"}");
    JQ(path, ".runs[0].results[1].properties | .target == \"fuzz_md\" and .duplicates == 1 "
             "and .bugType == \"detected memory leaks\"");

    /* what the SARIF 2.1.0 schema requires, and only property names it defines */
    JQ(path, "has(\"version\") and has(\"runs\") and (keys - [\"$schema\",\"version\","
             "\"runs\"] == [])");
    JQ(path, "all(.runs[]; has(\"tool\") and (keys - [\"tool\",\"originalUriBaseIds\","
             "\"results\"] == []))");
    JQ(path, ".runs[0].tool | keys == [\"driver\"]");
    JQ(path, ".runs[0].tool.driver | has(\"name\") and (keys - [\"name\",\"version\","
             "\"rules\"] == [])");
    JQ(path, "all(.runs[0].tool.driver.rules[]; (.id | type == \"string\") and (keys - "
             "[\"id\",\"shortDescription\",\"defaultConfiguration\"] == []) and "
             "(.defaultConfiguration.level | IN(\"none\",\"note\",\"warning\",\"error\")))");
    JQ(path, "all(.runs[0].results[]; (.message.text | type == \"string\") and (keys - "
             "[\"ruleId\",\"ruleIndex\",\"level\",\"message\",\"locations\","
             "\"partialFingerprints\",\"properties\"] == []))");
    JQ(path, "all(.runs[0].results[].locations[].physicalLocation; (keys - "
             "[\"artifactLocation\",\"region\"] == []) and .region.startLine >= 1 and "
             "(.artifactLocation | keys - [\"uri\",\"uriBaseId\"] == []))");
    unlink(path);
#else
    (void)state;
    skip();
#endif
}

/* A frame outside the root becomes a percent-encoded file:// URI; no frame, no location; a
 * clean run gets the "clean" rule. (The location is the last word of a frame line, as in
 * campaign.sh, so it never holds a space.) */
static void test_locations_and_clean(void **state)
{
#ifdef CH_JQ
    static ch_rp_report abs_rp, none_rp, clean_rp;
    char path[] = "/tmp/ch-sarif-XXXXXX";
    ch_sarif_result results[3];
    ch_rp_exit ok = {false, false, 0};
    (void)state;

    static const char text[] = "    #0 0x1 in ch_f /opt/my%src/a#b.c:7:1\n"
                               "ERROR: AddressSanitizer: stack-overflow on address 0x1\n";
    ch_rp_classify(text, sizeof text - 1, NULL, ROOT, NULL, 0, &abs_rp);
    assert_int_equal(abs_rp.kind, CH_RP_CRASH);
    classify_fixture("ub-nostack", ROOT, &none_rp);
    ch_rp_classify("", 0, &ok, ROOT, NULL, 0, &clean_rp);
    results[0] = (ch_sarif_result){"t", "f1", 1, &abs_rp};
    results[1] = (ch_sarif_result){"t", "f2", 2, &none_rp};
    results[2] = (ch_sarif_result){"t", NULL, 1, &clean_rp};
    write_log(path, results, 3);
    JQ(path, ".runs[0].results[0].locations[0].physicalLocation.artifactLocation == "
             "{\"uri\": \"file:///opt/my%25src/a%23b.c\"}");
    JQ(path, ".runs[0].results[0].locations[0].physicalLocation.region.startLine == 7");
    JQ(path, ".runs[0].results[1] | has(\"locations\") | not");
    JQ(path, ".runs[0].results[1] | .ruleId == \"ub\" and .level == \"warning\"");
    JQ(path, ".runs[0].results[2] | .ruleId == \"clean\" and .ruleIndex == 8 and "
             ".level == \"note\" and .properties.finding == null");
    unlink(path);

    /* no results: an empty array */
    strcpy(path, "/tmp/ch-sarif-XXXXXX");
    write_log(path, NULL, 0);
    JQ(path, ".runs[0].results == []");
    unlink(path);
#else
    (void)state;
    skip();
#endif
}

/* A failed write is reported. */
static void test_write_error(void **state)
{
    char path[] = "/tmp/ch-sarif-XXXXXX";
    int fd = mkstemp(path);
    FILE *ro;
    (void)state;

    assert_true(fd >= 0);
    close(fd);
    ro = fopen(path, "r");
    assert_non_null(ro);
    assert_int_equal(ch_sarif_write(ro, "v", NULL, 0), -1);
    fclose(ro);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_results),
        cmocka_unit_test(test_locations_and_clean),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
