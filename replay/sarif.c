/* sarif: the SARIF 2.1.0 log of triaged findings (see sarif.h), written with json.c. */
#include "sarif.h"

#include <stdbool.h>

#include "json.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

typedef struct rule {
    const char *text;  /* shortDescription.text */
    const char *level; /* defaultConfiguration.level */
} rule;

/* Indexed by ch_rp_kind; the rule's id is ch_rp_kind_name(kind). */
static const rule RULES[CH_RP_KINDS] = {
    {"Out-of-bounds or use-after-free write, double or invalid free", "error"},
    {"Fatal signal with no access type (SEGV, stack overflow, abort, ...)", "error"},
    {"Out-of-bounds or use-after-free read, use of an uninitialised value", "error"},
    {"Harness invariant broken (wrong result code, state changed on error, ...)", "error"},
    {"Memory leak", "warning"},
    {"Undefined behaviour", "warning"},
    {"Timeout", "warning"},
    {"Out of memory", "warning"},
    {"Did not reproduce: the finding ran cleanly", "note"},
};

static unsigned kind_index(ch_rp_kind kind)
{
    unsigned k = (unsigned)kind;
    return k < (unsigned)CH_RP_KINDS ? k : (unsigned)CH_RP_CRASH;
}

/* A URI reference for a file path: unreserved characters and '/' as they are, every other byte
 * percent-encoded (RFC 3986), so spaces, '%', '#', '?' or ':' in a path stay inside it. */
static void put_uri_path(FILE *f, const char *prefix, const char *path)
{
    static const char HEX[] = "0123456789ABCDEF";
    const unsigned char *p;
    fputc('"', f);
    fputs(prefix, f);
    for (p = (const unsigned char *)path; *p != '\0'; p++) {
        unsigned char b = *p;
        if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') ||
            b == '-' || b == '.' || b == '_' || b == '~' || b == '/') {
            fputc(b, f);
        } else {
            fputc('%', f);
            fputc(HEX[b >> 4], f);
            fputc(HEX[b & 0x0F], f);
        }
    }
    fputc('"', f);
}

static void write_rules(FILE *f)
{
    unsigned k;
    fputs("          \"rules\": [", f);
    for (k = 0; k < (unsigned)CH_RP_KINDS; k++) {
        fputs(k == 0 ? "\n" : ",\n", f);
        fputs("            {\"id\": ", f);
        ch_json_str(f, ch_rp_kind_name((ch_rp_kind)k));
        fputs(", \"shortDescription\": {\"text\": ", f);
        ch_json_str(f, RULES[k].text);
        fputs("}, \"defaultConfiguration\": {\"level\": ", f);
        ch_json_str(f, RULES[k].level);
        fputs("}}", f);
    }
    fputs("\n          ]\n", f);
}

static void write_location(FILE *f, const ch_rp_report *rp)
{
    const ch_rp_frame *fr = NULL;
    size_t i;
    for (i = 0; i < rp->n_frames && i < CH_RP_MAX_FRAMES; i++) {
        if (rp->frames[i].file[0] != '\0') {
            fr = &rp->frames[i];
            break;
        }
    }
    if (fr == NULL) {
        return;
    }
    fputs(",\n          \"locations\": [{\"physicalLocation\": "
          "{\"artifactLocation\": {\"uri\": ",
          f);
    if (fr->file[0] == '/') {
        /* outside the source root: an absolute file URI */
        put_uri_path(f, "file://", fr->file);
    } else {
        put_uri_path(f, "", fr->file);
        fputs(", \"uriBaseId\": \"SRCROOT\"", f);
    }
    fputs("}", f);
    if (fr->line > 0) {
        fprintf(f, ", \"region\": {\"startLine\": %u}", fr->line);
    }
    fputs("}}]", f);
}

static void write_result(FILE *f, const ch_sarif_result *r)
{
    const ch_rp_report *rp = r->rp;
    unsigned k = kind_index(rp->kind);
    char count[64];

    fprintf(f, "        {\n          \"ruleId\": ");
    ch_json_str(f, ch_rp_kind_name((ch_rp_kind)k));
    fprintf(f, ",\n          \"ruleIndex\": %u,\n          \"level\": ", k);
    ch_json_str(f, RULES[k].level);
    fputs(",\n          \"message\": {\"text\": ", f);
    snprintf(count, sizeof count, " (%zu finding%s with this stack hash)", r->duplicates,
             r->duplicates == 1 ? "" : "s");
    {
        /* one string: the headline then the count */
        char text[CH_RP_HEADLINE_MAX + 1 + sizeof count];
        size_t h = 0, c = 0;
        while (rp->headline[h] != '\0' && h < CH_RP_HEADLINE_MAX) {
            text[h] = rp->headline[h];
            h++;
        }
        while (count[c] != '\0') {
            text[h + c] = count[c];
            c++;
        }
        ch_json_str_n(f, text, h + c);
    }
    fputs("}", f);
    write_location(f, rp);
    fputs(",\n          \"partialFingerprints\": {\"stackHash/v1\": ", f);
    ch_json_str(f, rp->hash);
    fputs("},\n          \"properties\": {\"target\": ", f);
    ch_json_str(f, r->target);
    fputs(", \"finding\": ", f);
    ch_json_str(f, r->finding);
    fprintf(f, ", \"duplicates\": %zu, \"sanitizer\": ", r->duplicates);
    ch_json_str(f, rp->sanitizer);
    fputs(", \"bugType\": ", f);
    ch_json_str(f, rp->bug_type);
    fputs("}\n        }", f);
}

int ch_sarif_write(FILE *f, const char *tool_version, const ch_sarif_result *results, size_t n)
{
    size_t i;
    bool first = true;
    fputs("{\n  \"$schema\": \"" SARIF_SCHEMA "\",\n  \"version\": \"2.1.0\",\n", f);
    fputs("  \"runs\": [\n    {\n      \"tool\": {\n        \"driver\": {\n", f);
    fputs("          \"name\": \"mdreplay\",\n", f);
    if (tool_version != NULL) {
        fputs("          \"version\": ", f);
        ch_json_str(f, tool_version);
        fputs(",\n", f);
    }
    write_rules(f);
    fputs("        }\n      },\n", f);
    fputs("      \"originalUriBaseIds\": {\"SRCROOT\": {\"description\": "
          "{\"text\": \"the cardhammer source tree\"}}},\n",
          f);
    fputs("      \"results\": [", f);
    for (i = 0; i < n; i++) {
        if (results[i].rp == NULL) {
            continue;
        }
        fputs(first ? "\n" : ",\n", f);
        write_result(f, &results[i]);
        first = false;
    }
    fputs(!first ? "\n      ]\n    }\n  ]\n}\n" : "]\n    }\n  ]\n}\n", f);
    if (fflush(f) != 0 || ferror(f)) {
        return -1;
    }
    return 0;
}
