/* What the subcommands share: reading a finding, finding the build, replaying in a child. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "finding.h"
#include "mdreplay.h"

#define MDR_MAX_INPUT (1u << 20) /* the standalone runner's limit (fuzz/standalone_main.c) */

#ifndef CH_SOURCE_ROOT
#define CH_SOURCE_ROOT ""
#endif
#ifndef CH_BUILD_DIR
#define CH_BUILD_DIR ""
#endif

const char *mdr_source_root(void) { return CH_SOURCE_ROOT "/"; }

bool mdr_read_input(const char *path, mdr_input *in)
{
    struct stat st;
    FILE *f;

    memset(in, 0, sizeof *in);
    in->path = path;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "mdreplay: %s: %s\n", path, strerror(errno));
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        fprintf(stderr, "mdreplay: %s: not a regular file\n", path);
        return false;
    }
    if ((unsigned long long)st.st_size > MDR_MAX_INPUT) {
        fprintf(stderr, "mdreplay: %s: %lld bytes, more than a finding can hold (%u)\n", path,
                (long long)st.st_size, MDR_MAX_INPUT);
        return false;
    }
    f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "mdreplay: %s: %s\n", path, strerror(errno));
        return false;
    }
    in->data = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!in->data) {
        fclose(f);
        fprintf(stderr, "mdreplay: %s: out of memory\n", path);
        return false;
    }
    in->len = fread(in->data, 1, (size_t)st.st_size, f);
    if (ferror(f) || in->len != (size_t)st.st_size) {
        fprintf(stderr, "mdreplay: %s: read error\n", path);
        fclose(f);
        mdr_input_free(in);
        return false;
    }
    fclose(f);
    return true;
}

void mdr_input_free(mdr_input *in)
{
    free(in->data);
    in->data = NULL;
    in->len = 0;
}

/* CH_SANITIZERS from a build tree's CMakeCache.txt. */
static void read_sanitizers(mdr_build *b)
{
    char path[4200], line[512];
    FILE *f;

    b->sanitizers[0] = '\0';
    snprintf(path, sizeof path, "%s/CMakeCache.txt", b->dir);
    f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "CH_SANITIZERS:", 14) == 0) {
            char *eq = strchr(line, '=');
            if (eq) {
                eq[strcspn(eq, "\r\n")] = '\0';
                snprintf(b->sanitizers, sizeof b->sanitizers, "%s", eq + 1);
            }
            break;
        }
    }
    fclose(f);
}

bool mdr_build_locate(const char *opt_dir, mdr_build *b)
{
    const char *dir = opt_dir;
    char self[PATH_MAX];

    memset(b, 0, sizeof *b);
    if (!dir || !*dir)
        dir = getenv("MDREPLAY_BUILD");
    if (!dir || !*dir) {
        /* The tree mdreplay lives in: <tree>/replay/mdreplay. */
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n > 0) {
            self[n] = '\0';
            char *slash = strrchr(self, '/');
            if (slash) {
                *slash = '\0';
                slash = strrchr(self, '/');
                if (slash)
                    *slash = '\0';
            }
            dir = self;
        } else {
            dir = CH_BUILD_DIR;
        }
    }
    if (snprintf(b->dir, sizeof b->dir, "%s", dir) >= (int)sizeof b->dir) {
        fprintf(stderr, "mdreplay: build directory path too long\n");
        return false;
    }
    if (access(b->dir, R_OK | X_OK) != 0) {
        fprintf(stderr, "mdreplay: build directory %s: %s\n", b->dir, strerror(errno));
        return false;
    }
    read_sanitizers(b);
    return true;
}

bool mdr_target_binary(const mdr_build *b, const mdr_target *t, char *out, size_t cap)
{
    if (snprintf(out, cap, "%s/fuzz/%s", b->dir, t->name) >= (int)cap) {
        fprintf(stderr, "mdreplay: path too long\n");
        return false;
    }
    if (access(out, X_OK) != 0) {
        fprintf(stderr, "mdreplay: %s: not built in %s (cmake --build %s --target %s)\n",
                t->name, b->dir, b->dir, t->name);
        return false;
    }
    return true;
}

char *const *mdr_sanitizer_env(void)
{
    /* Reports as the campaign gets them: symbolized stacks, leaks checked, UB fatal. */
    static char asan[] = "ASAN_OPTIONS=detect_leaks=1:symbolize=1:abort_on_error=1:"
                         "handle_abort=1";
    static char ubsan[] = "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:symbolize=1";
    static char msan[] = "MSAN_OPTIONS=print_stats=0:symbolize=1";
    static char *const env[] = {asan, ubsan, msan, NULL};
    return env;
}

bool mdr_replay(const mdr_build *b, const mdr_target *t, const mdr_input *in,
                const char *trace_path, unsigned timeout_s, mdr_result *res)
{
    char exe[4200], trace_env[4200];
    char *const *san = mdr_sanitizer_env();
    char *env[5] = {san[0], san[1], san[2], NULL, NULL};
    char *argv[3];

    memset(res, 0, sizeof *res);
    if (!mdr_target_binary(b, t, exe, sizeof exe))
        return false;
    if (trace_path) {
        snprintf(trace_env, sizeof trace_env, "CH_TRACE_FILE=%s", trace_path);
        env[3] = trace_env;
    }
    argv[0] = exe;
    argv[1] = (char *)in->path;
    argv[2] = NULL;
    return mdr_run_child(argv, env, in, timeout_s, res);
}

bool mdr_run_child(char *const argv[], char *const env[], const mdr_input *in,
                   unsigned timeout_s, mdr_result *res)
{
    ch_child_out out;

    memset(res, 0, sizeof *res);
    if (ch_child_run(argv, env, timeout_s, &out) != 0) {
        fprintf(stderr, "mdreplay: cannot run %s: %s\n", argv[0], strerror(errno));
        return false;
    }
    res->output = out.text;
    res->output_len = out.len;
    res->ex = out.ex;
    ch_rp_classify(out.text, out.len, &out.ex, mdr_source_root(), in->data, in->len, &res->rp);
    return true;
}

void mdr_result_free(mdr_result *res)
{
    free(res->output);
    memset(res, 0, sizeof *res);
}

/* An option's value 1..max. */
static bool number(const char *cmd, const char *opt, const char *s, unsigned long max,
                   unsigned *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);

    if (*s == '\0' || *s == '-' || *end || v == 0 || v > max) {
        fprintf(stderr, "mdreplay %s: %s wants a number from 1 to %lu\n", cmd, opt, max);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

bool mdr_parse_opts(int argc, char **argv, const char *allowed, mdr_opts *o)
{
    static const struct {
        const char *name;
        char letter;
        bool value;
    } known[] = {{"--target", 't', true},       {"--build", 'b', true},
                 {"--out", 'o', true},          {"--timeout", 'T', true},
                 {"--json", 'j', false},        {"--quiet", 'q', false},
                 {"--reader", 'r', true},       {"--pin-file", 'f', true},
                 {"--pin", 'p', true},          {"--transcript", 'x', true},
                 {"--port", 'P', true},         {"--allow-writes", 'w', false},
                 {"--mgm-key", 'k', true},      {"--mgm-key-file", 'K', true}};

    memset(o, 0, sizeof *o);
    o->timeout = MDR_DEFAULT_TIMEOUT;
    o->port = 35963; /* vsmartcard's default vpcd port (CH_VPCD_DEFAULT_PORT) */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        size_t k;

        if (a[0] != '-' || a[1] == '\0') {
            if (o->pos) {
                fprintf(stderr, "mdreplay %s: one %s only (got '%s' and '%s')\n", argv[0],
                        strcmp(argv[0], "triage") ? "finding" : "directory", o->pos, a);
                return false;
            }
            o->pos = a;
            continue;
        }
        for (k = 0; k < sizeof known / sizeof known[0]; k++)
            if (!strcmp(a, known[k].name) && strchr(allowed, known[k].letter))
                break;
        if (k == sizeof known / sizeof known[0]) {
            fprintf(stderr, "mdreplay %s: unknown option '%s' (mdreplay --help)\n", argv[0], a);
            return false;
        }
        if (known[k].value && i + 1 >= argc) {
            fprintf(stderr, "mdreplay %s: %s needs a value\n", argv[0], a);
            return false;
        }
        switch (known[k].letter) {
        case 't': o->target = argv[++i]; break;
        case 'b': o->build = argv[++i]; break;
        case 'o': o->out = argv[++i]; break;
        case 'T':
            if (!number(argv[0], a, argv[++i], 86400, &o->timeout))
                return false;
            break;
        case 'P':
            if (!number(argv[0], a, argv[++i], 65535, &o->port))
                return false;
            break;
        case 'r': o->reader = argv[++i]; break;
        case 'f': o->pin_file = argv[++i]; break;
        case 'p': o->pin = argv[++i]; break;
        case 'k': o->mgm_key = argv[++i]; break;
        case 'K': o->mgm_key_file = argv[++i]; break;
        case 'x': o->transcript = argv[++i]; break;
        case 'w': o->allow_writes = true; break;
        case 'j': o->json = true; break;
        default: o->quiet = true; break;
        }
    }
    if (!o->pos) {
        fprintf(stderr, "mdreplay %s: no %s given (mdreplay --help)\n", argv[0],
                strcmp(argv[0], "triage") ? "finding" : "directory");
        return false;
    }
    return true;
}

const mdr_target *mdr_resolve_target(const char *opt, const char *path)
{
    const mdr_target *t;

    if (opt) {
        t = mdr_target_find(opt);
        if (!t)
            fprintf(stderr, "mdreplay: unknown target '%s' (mdreplay --help lists them)\n", opt);
        return t;
    }
    t = mdr_target_from_path(path);
    if (!t)
        fprintf(stderr, "mdreplay: %s: no target in its path: give --target\n", path);
    return t;
}

bool mdr_sibling(const char *name, char *out, size_t cap)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    char *slash;

    if (n <= 0) {
        fprintf(stderr, "mdreplay: cannot find where mdreplay is\n");
        return false;
    }
    self[n] = '\0';
    slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    if (snprintf(out, cap, "%s/%s", self, name) >= (int)cap || access(out, X_OK) != 0) {
        fprintf(stderr, "mdreplay: %s is not built next to mdreplay (%s)\n", name, self);
        return false;
    }
    return true;
}

int mdr_exit_for(const mdr_result *r)
{
    if (!r->ex.signaled && !r->ex.timed_out &&
        (r->ex.code == MDR_EXIT_INPUT || r->ex.code == MDR_EXIT_ENV ||
         r->ex.code == MDR_EXIT_CARD) &&
        (r->rp.kind == CH_RP_CRASH || r->rp.kind == CH_RP_CLEAN))
        return r->ex.code;
    return r->rp.kind == CH_RP_CLEAN ? MDR_EXIT_CLEAN : MDR_EXIT_FOUND + (int)r->rp.kind;
}

/* A fuzz_apdu finding that ends before its header or inside a call's data (mdreplay.h). */
static bool apdu_whole(const char *cmd, const mdr_input *in)
{
    static ch_finding_apdu f; /* large: kept off the stack */

    if (in->len < CH_FAP_HEADER) {
        fprintf(stderr, "mdreplay %s: %s: truncated: %zu bytes, the header is %u\n", cmd,
                in->path, in->len, CH_FAP_HEADER);
        return false;
    }
    ch_finding_apdu_decode(in->data, in->len, &f);
    for (unsigned i = 0; i < f.n_calls; i++) {
        if (f.calls[i].data_got < f.calls[i].len) {
            fprintf(stderr, "mdreplay %s: %s: truncated: call %u declares %u data bytes, %zu are "
                            "there\n", cmd, in->path, i + 1, f.calls[i].len, f.calls[i].data_got);
            return false;
        }
    }
    return true;
}

int mdr_pcsc_prepare(const char *cmd, const mdr_opts *o, mdr_input *in, char *exe, size_t cap)
{
    const mdr_target *t = o->target ? mdr_resolve_target(o->target, o->pos)
                                    : mdr_target_from_path(o->pos);

    if (!t && !o->target)
        t = mdr_target_find("fuzz_apdu");
    if (!t)
        return MDR_EXIT_USAGE;
    if (strcmp(t->name, "fuzz_apdu") != 0) {
        fprintf(stderr, "mdreplay %s: %s findings make no CSP calls through PC/SC (fuzz_apdu "
                        "only)\n", cmd, t->name);
        return MDR_EXIT_USAGE;
    }
    if (!mdr_read_input(o->pos, in))
        return MDR_EXIT_INPUT;
    if (!apdu_whole(cmd, in)) {
        mdr_input_free(in);
        return MDR_EXIT_INPUT;
    }
    if (!mdr_sibling("mdreplay-pcsc", exe, cap)) {
        mdr_input_free(in);
        return MDR_EXIT_ENV;
    }
    return 0;
}

int mdr_pcsc_report(const mdr_input *in, const char *where, mdr_result *r)
{
    int rc = mdr_exit_for(r);

    fwrite(r->output, 1, r->output_len, stdout);
    if (rc >= MDR_EXIT_FOUND)
        printf("fuzz_apdu %s %s: %s %s\n  %s\n", in->path, where, ch_rp_kind_name(r->rp.kind),
               r->rp.hash, r->rp.headline);
    else if (rc == MDR_EXIT_CLEAN)
        printf("fuzz_apdu %s %s: clean\n", in->path, where);
    mdr_result_free(r);
    return rc;
}
