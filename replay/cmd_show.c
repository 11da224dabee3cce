/* mdreplay show: a finding made readable. Two parts:
 *  - decoded: the header and the CSP calls (or steps) the target's decoder reads, and the card
 *    answers of the script, each named (apdu_names.h); a pure decode of the bytes;
 *  - transcript (targets that trace, fuzz/trace.h): the finding run once in the build, each
 *    call with the C-APDUs the module sent and the answers it got, and how the run ended.
 * Text by default, one JSON object with --json. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apdu_names.h"
#include "cursor.h"
#include "finding.h"
#include "finding_piv.h"
#include "finding_session.h"
#include "hex.h"
#include "json.h"
#include "mdreplay.h"
#include "scard_names.h"

typedef struct out {
    bool json;
    bool first; /* no element written yet in the current JSON array */
} out;

static void rc_text(uint32_t rc, char *buf, size_t cap)
{
    const char *n = ch_scard_name(rc);
    if (n)
        snprintf(buf, cap, "%s", n);
    else
        snprintf(buf, cap, "0x%08X", rc);
}

static void sep(out *o)
{
    if (!o->first)
        putchar(',');
    o->first = false;
}

/* ---- the decoded finding ---- */

static void show_call(out *o, unsigned i, const char *name, const char *args, size_t len,
                      size_t got)
{
    if (o->json) {
        sep(o);
        printf("{\"index\":%u,\"name\":", i);
        ch_json_str(stdout, name);
        printf(",\"args\":");
        ch_json_str(stdout, args);
        printf(",\"data_len\":%zu,\"data_present\":%zu}", len, got);
    } else {
        printf("  %2u. %-28s %s, data %zu bytes%s\n", i, name, args, got,
               got < len ? " (input ends: declared more)" : "");
    }
}

/* The script's answers (src/transport/script.h); returns whether it ran short. */
static bool show_script(out *o, ch_cur script)
{
    unsigned i = 0;
    bool short_entry = false;
    uint16_t len;

    while (ch_cur_u16be(&script, &len)) {
        char d[512];
        const uint8_t *p = NULL;
        size_t n;
        i++;
        if (len >= 0xFF00u) {
            static const char *const ev[] = {"communication lost", "card reset", "card removed"};
            unsigned code = len & 0xFFu;
            snprintf(d, sizeof d, "transport event %u (%s)", code, ev[code % 3]);
            n = 0;
        } else {
            n = len;
            if (n > ch_cur_left(&script)) {
                n = ch_cur_left(&script);
                short_entry = true;
            }
            (void)ch_cur_take(&script, n, &p);
            ch_an_describe_answer(p, n, d, sizeof d);
        }
        if (o->json) {
            sep(o);
            printf("{\"index\":%u,\"r\":", i);
            if (p)
                ch_json_hex(stdout, p, n);
            else
                printf("null");
            printf(",\"describe\":");
            ch_json_str(stdout, d);
            printf("}");
        } else {
            printf("  %2u. ", i);
            if (p && n <= 24)
                ch_hex_fprint(stdout, p, n);
            else if (p)
                printf("(%zu bytes)", n);
            printf("%s%s\n", p ? "  " : "", d);
        }
    }
    if (!o->json)
        printf("  %u answers%s%s\n", i, short_entry ? "; the last runs past the input's end" : "",
               ch_cur_left(&script) ? "; a stray last byte" : "");
    return short_entry;
}

static void section(out *o, const char *json_key, const char *title)
{
    if (o->json) {
        printf(",\"%s\":[", json_key);
        o->first = true;
    } else {
        printf("%s\n", title);
    }
}

static void end_section(out *o)
{
    if (o->json)
        putchar(']');
}

static void decode_apdu(out *o, const mdr_input *in)
{
    ch_finding_apdu f;
    char args[160];

    ch_finding_apdu_decode(in->data, in->len, &f);
    if (o->json)
        printf(",\"header\":{\"version\":%u,\"alloc_fail_at\":%u,\"flags\":%u}", f.version,
               f.alloc_fail_at, f.flags);
    else
        printf("header: CARD_DATA version %u, allocation %u fails (0: none), flags 0x%02X%s%s\n",
               f.version, f.alloc_fail_at, f.flags,
               (f.flags & CH_FAP_NULL_CACHE) ? " (no cache callbacks)" : "",
               (f.flags & CH_FAP_SECOND_CONTEXT) ? " (calls run again in a second context)" : "");
    section(o, "calls", "calls (decoded):");
    for (unsigned i = 0; i < f.n_calls; i++) {
        const ch_fap_record *r = &f.calls[i];
        ch_fap_call call;
        ch_fap_resolve(r, &call);
        snprintf(args, sizeof args, "a=%02X b=%02X c=%02X d=%02X", r->a, r->b, r->c, r->d);
        show_call(o, i + 1, ch_fap_op_name(call.op), args, r->len, r->data_got);
    }
    end_section(o);
    section(o, "answers", "card answers (the script):");
    show_script(o, f.script);
    end_section(o);
}

static void decode_acquire(out *o, const mdr_input *in)
{
    ch_finding_acquire f;

    ch_finding_acquire_decode(in->data, in->len, &f);
    if (o->json)
        printf(",\"header\":{\"version\":%u,\"flags\":%u,\"nulls\":%u,\"shape\":%u,"
               "\"alloc_fail_at\":%u,\"atr_len\":%u,\"name_units\":%u}",
               f.version, f.flags, f.nulls, f.shape, f.alloc_fail_at, f.atr_len, f.name_units);
    else
        printf("header: dwVersion %u, dwFlags 0x%X, NULL mask 0x%02X, shape 0x%02X, allocation "
               "%u fails, ATR %u bytes, card name %u units\n",
               f.version, f.flags, f.nulls, f.shape, f.alloc_fail_at, f.atr_len, f.name_units);
    section(o, "answers", "card answers (the script):");
    show_script(o, f.script);
    end_section(o);
}

static void decode_exchange(out *o, const mdr_input *in)
{
    ch_finding_exchange f;
    uint8_t cmd[5] = {0};
    char d[256];

    ch_finding_exchange_decode(in->data, in->len, &f);
    cmd[0] = f.cla, cmd[1] = f.ins, cmd[2] = f.p1, cmd[3] = f.p2;
    ch_an_describe_command(cmd, 4, d, sizeof d);
    if (o->json) {
        printf(",\"header\":{\"command\":");
        ch_json_str(stdout, d);
        printf(",\"lc\":%u,\"data_present\":%zu,\"le\":%u,\"out_cap\":%u,\"max_rounds\":%u,"
               "\"max_response\":%u,\"fail_at\":%u,\"fail_code\":%u}",
               f.data_len, f.data_got, f.le, f.out_cap, f.max_rounds, f.max_response, f.fail_at,
               f.fail_code);
    } else {
        printf("header: %02X %02X %02X %02X (%s), Lc %u (%zu present), Le %u, out_cap %u, "
               "max_rounds %u, max_response %u, exchange %u fails (code %u)\n",
               f.cla, f.ins, f.p1, f.p2, d, f.data_len, f.data_got, f.le, f.out_cap,
               f.max_rounds, f.max_response, f.fail_at, f.fail_code);
    }
    section(o, "answers", "card answers (the script):");
    show_script(o, f.script);
    end_section(o);
}

static void decode_piv(out *o, const mdr_input *in)
{
    ch_finding_piv f;

    ch_finding_piv_decode(in->data, in->len, &f);
    if (o->json) {
        printf(",\"header\":{\"op\":");
        ch_json_str(stdout, ch_fpv_op_name(f.op));
        printf(",\"slot\":%u,\"alg\":%u,\"ref\":%u,\"tag\":%u,\"cap\":%zu,\"field\":%zu,"
               "\"data_len\":%u,\"data_present\":%zu,\"fail_at\":%u,\"fail_code\":%u}",
               f.slot, f.alg, f.ref, f.tag, f.cap, f.field, f.data_len, f.data_got, f.fail_at,
               f.fail_code);
    } else {
        printf("header: %s, slot %02X, alg %02X, ref %02X, tag %06X, capacity %zu, field %zu, "
               "data %zu of %u bytes, exchange %u fails (code %u)\n",
               ch_fpv_op_name(f.op), f.slot, f.alg, f.ref, f.tag, f.cap, f.field, f.data_got,
               f.data_len, f.fail_at, f.fail_code);
    }
    section(o, "answers", "card answers (the script):");
    show_script(o, f.script);
    end_section(o);
}

static void decode_session(out *o, const mdr_input *in)
{
    static ch_finding_session f; /* large: kept off the stack */
    char args[160];

    ch_finding_session_decode(in->data, in->len, &f);
    if (o->json)
        printf(",\"header\":{\"version\":%u,\"flags\":%u,\"alloc_fail_at\":%u,\"fault_at\":%u,"
               "\"fault_code\":%u,\"fault_repeat\":%s}",
               f.version, f.flags, f.alloc_fail_at, f.fault_at, f.fault_code,
               f.fault_repeat ? "true" : "false");
    else
        printf("header: CARD_DATA version %u, %s card%s, allocation %u fails, exchange %u fails "
               "with 0x%08X%s (0: none)\n",
               f.version, (f.flags & CH_FS_F_EMPTY_CARD) ? "empty" : "personalised",
               (f.flags & CH_FS_F_NO_CACHE) ? ", no cache callbacks" : "", f.alloc_fail_at,
               f.fault_at, f.fault_code, f.fault_repeat ? " and every one after it" : "");
    section(o, "calls", "steps (decoded; the card is vpiv, in-process: no scripted answers):");
    for (unsigned i = 0; i < f.n_steps; i++) {
        const ch_fs_record *r = &f.steps[i];
        ch_fs_step st;
        ch_fs_resolve(r, &st);
        snprintf(args, sizeof args, "a=%02X b=%02X", r->a, r->b);
        show_call(o, i + 1, ch_fs_op_name(st.op), args, r->len, r->data_got);
    }
    end_section(o);
}

/* ---- the transcript: fuzz/trace.h JSON lines ---- */

/* The value of "key" in a line the trace wrote: a string (unescaped into buf) or a number. */
static bool field(const char *line, const char *key, char *buf, size_t cap)
{
    char pat[32];
    const char *p;
    size_t k = 0;

    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(line, pat);
    if (!p || cap == 0)
        return false;
    p += strlen(pat);
    if (*p != '"') {
        while (*p && *p != ',' && *p != '}' && k + 1 < cap)
            buf[k++] = *p++;
        buf[k] = '\0';
        return true;
    }
    for (p++; *p && *p != '"'; p++) {
        char ch = *p;
        if (ch == '\\' && p[1]) {
            p++;
            if (*p == 'u' && strlen(p) >= 5) {
                ch = (char)strtol((char[]){p[3], p[4], 0}, NULL, 16);
                p += 4;
            } else {
                ch = *p;
            }
        }
        if (k + 1 < cap)
            buf[k++] = ch;
    }
    buf[k] = '\0';
    return true;
}

typedef struct pending {
    char **lines;
    size_t n, cap;
} pending;

static void print_apdu(out *o, const char *line)
{
    static char c[2 * 70000], r[2 * 70000];
    uint8_t cb[70000], rb[70000];
    char rcs[24], cd[512], rd[512], rcn[48];
    size_t cl = 0, rl = 0;
    unsigned long rc;

    field(line, "c", c, sizeof c);
    field(line, "r", r, sizeof r);
    field(line, "rc", rcs, sizeof rcs);
    rc = strtoul(rcs, NULL, 10);
    (void)ch_hex_decode(c, cb, sizeof cb, &cl, NULL);
    (void)ch_hex_decode(r, rb, sizeof rb, &rl, NULL);
    ch_an_describe_command(cb, cl, cd, sizeof cd);
    if (rc)
        rc_text((uint32_t)rc, rcn, sizeof rcn), snprintf(rd, sizeof rd, "transport: %s", rcn);
    else
        ch_an_describe_answer(rb, rl, rd, sizeof rd);
    if (o->json) {
        sep(o);
        printf("{\"c\":");
        ch_json_str(stdout, c);
        printf(",\"command\":");
        ch_json_str(stdout, cd);
        printf(",\"r\":");
        ch_json_str(stdout, r);
        printf(",\"answer\":");
        ch_json_str(stdout, rd);
        printf(",\"rc\":%lu}", rc);
        return;
    }
    printf("      > %-40.40s%s %s\n", c, strlen(c) > 40 ? ".." : "  ", cd);
    printf("      < %-40.40s%s %s\n", r, strlen(r) > 40 ? ".." : "  ", rd);
}

static void flush_call(out *o, pending *pd, const char *call_line)
{
    char name[128] = "", detail[512] = "", rcs[24] = "", rcn[48];
    unsigned long rc;

    if (call_line) {
        field(call_line, "name", name, sizeof name);
        field(call_line, "detail", detail, sizeof detail);
        field(call_line, "rc", rcs, sizeof rcs);
    }
    rc = strtoul(rcs, NULL, 10);
    rc_text((uint32_t)rc, rcn, sizeof rcn);
    if (o->json) {
        sep(o);
        printf("{\"call\":");
        ch_json_str(stdout, call_line ? name : NULL);
        printf(",\"detail\":");
        ch_json_str(stdout, detail);
        if (call_line) {
            printf(",\"rc\":%lu,\"rc_name\":", rc);
            ch_json_str(stdout, rcn);
        }
        printf(",\"apdus\":[");
        o->first = true;
    } else if (call_line) {
        printf("  %s -> %s%s%s\n", name, rcn, detail[0] ? "   " : "", detail);
    } else {
        printf("  (the run ended inside a call: these were its last exchanges)\n");
    }
    for (size_t i = 0; i < pd->n; i++) {
        print_apdu(o, pd->lines[i]);
        free(pd->lines[i]);
    }
    pd->n = 0;
    if (o->json) {
        printf("]}");
        o->first = false;
    }
}

static void show_trace(out *o, const char *path)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    pending pd = {0};
    char ev[16], text[600];

    section(o, "transcript", "transcript (the finding run once):");
    while (f && getline(&line, &cap, f) > 0) {
        if (!field(line, "ev", ev, sizeof ev))
            continue;
        if (!strcmp(ev, "apdu")) {
            if (pd.n == pd.cap) {
                pd.cap = pd.cap ? pd.cap * 2 : 16;
                char **t = realloc(pd.lines, pd.cap * sizeof *t);
                if (!t)
                    break;
                pd.lines = t;
            }
            pd.lines[pd.n] = strdup(line);
            if (pd.lines[pd.n])
                pd.n++;
        } else if (!strcmp(ev, "call")) {
            flush_call(o, &pd, line);
        } else if (!strcmp(ev, "note")) {
            field(line, "text", text, sizeof text);
            if (o->json) {
                sep(o);
                printf("{\"note\":");
                ch_json_str(stdout, text);
                printf("}");
            } else {
                printf("  # %s\n", text);
            }
        }
    }
    if (pd.n)
        flush_call(o, &pd, NULL);
    end_section(o);
    free(pd.lines);
    free(line);
    if (f)
        fclose(f);
}

int mdr_cmd_show(int argc, char **argv)
{
    mdr_opts opt;
    mdr_input in;
    mdr_build b;
    mdr_result r;
    const mdr_target *t;
    out o = {0};
    char trace[] = "/tmp/mdreplay-trace-XXXXXX";
    int fd, rc = MDR_EXIT_CLEAN;
    bool ran = false;

    if (!mdr_parse_opts(argc, argv, "tbTj", &opt))
        return MDR_EXIT_USAGE;
    if (!(t = mdr_resolve_target(opt.target, opt.pos)))
        return MDR_EXIT_USAGE;
    if (!mdr_read_input(opt.pos, &in))
        return MDR_EXIT_INPUT;
    o.json = opt.json;
    if (o.json) {
        printf("{\"target\":");
        ch_json_str(stdout, t->name);
        printf(",\"finding\":");
        ch_json_str(stdout, in.path);
        printf(",\"size\":%zu,\"truncated\":%s", in.len, in.len < t->header ? "true" : "false");
    } else {
        printf("%s finding %s (%zu bytes)%s\n", t->name, in.path, in.len,
               in.len < t->header ? ": truncated: shorter than the header, the rest reads as 0"
                                  : "");
    }
    if (!strcmp(t->name, "fuzz_apdu"))
        decode_apdu(&o, &in);
    else if (!strcmp(t->name, "fuzz_acquire"))
        decode_acquire(&o, &in);
    else if (!strcmp(t->name, "fuzz_apdu_exchange"))
        decode_exchange(&o, &in);
    else if (!strcmp(t->name, "fuzz_session"))
        decode_session(&o, &in);
    else if (!strcmp(t->name, "fuzz_piv"))
        decode_piv(&o, &in);
    else if (!o.json)
        printf("(no call decoder for %s: docs/fuzzing.md has its layout)\n", t->name);

    if (t->trace && mdr_build_locate(opt.build, &b) && (fd = mkstemp(trace)) >= 0) {
        close(fd);
        if (mdr_replay(&b, t, &in, trace, opt.timeout, &r)) {
            ran = true;
            show_trace(&o, trace);
            rc = r.rp.kind == CH_RP_CLEAN ? MDR_EXIT_CLEAN : MDR_EXIT_FOUND + (int)r.rp.kind;
            if (o.json) {
                printf(",\"result\":{\"kind\":");
                ch_json_str(stdout, ch_rp_kind_name(r.rp.kind));
                printf(",\"hash\":");
                ch_json_str(stdout, r.rp.kind == CH_RP_CLEAN ? NULL : r.rp.hash);
                printf(",\"headline\":");
                ch_json_str(stdout, r.rp.headline);
                printf("}");
            } else if (r.rp.kind == CH_RP_CLEAN) {
                printf("result: clean (build %s)\n", b.dir);
            } else {
                printf("result: %s %s: %s (mdreplay run for the report)\n",
                       ch_rp_kind_name(r.rp.kind), r.rp.hash, r.rp.headline);
            }
            mdr_result_free(&r);
        }
        unlink(trace);
    }
    if (!ran && t->trace && !o.json)
        printf("(no transcript: the target could not be run)\n");
    if (o.json)
        printf("}\n");
    mdr_input_free(&in);
    return rc;
}
