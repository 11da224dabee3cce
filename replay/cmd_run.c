/* mdreplay run: the finding re-run in a sanitizer build of the module with the script (or
 * in-process vpiv) transport, i.e. the fuzz target's own binary on the file, in a child
 * process; its report classified (report.h). */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "mdreplay.h"

static void print_json(const mdr_target *t, const mdr_input *in, const mdr_build *b,
                       const mdr_result *r)
{
    const ch_rp_report *rp = &r->rp;

    printf("{\"target\":");
    ch_json_str(stdout, t->name);
    printf(",\"finding\":");
    ch_json_str(stdout, in->path);
    printf(",\"size\":%zu,\"truncated\":%s,\"build\":", in->len,
           in->len < t->header ? "true" : "false");
    ch_json_str(stdout, b->dir);
    printf(",\"sanitizers\":");
    ch_json_str(stdout, b->sanitizers);
    printf(",\"kind\":");
    ch_json_str(stdout, ch_rp_kind_name(rp->kind));
    printf(",\"exit\":{\"signaled\":%s,\"code\":%d,\"timed_out\":%s}",
           r->ex.signaled ? "true" : "false", r->ex.code, r->ex.timed_out ? "true" : "false");
    printf(",\"hash\":");
    ch_json_str(stdout, rp->kind == CH_RP_CLEAN ? NULL : rp->hash);
    printf(",\"headline\":");
    ch_json_str(stdout, rp->headline);
    printf(",\"sanitizer\":");
    ch_json_str(stdout, rp->sanitizer);
    printf(",\"bug_type\":");
    ch_json_str(stdout, rp->bug_type);
    printf(",\"frames\":[");
    for (size_t i = 0; i < rp->n_frames; i++) {
        printf("%s{\"function\":", i ? "," : "");
        ch_json_str(stdout, rp->frames[i].function);
        printf(",\"file\":");
        ch_json_str(stdout, rp->frames[i].file);
        printf(",\"line\":%u}", rp->frames[i].line);
    }
    printf("],\"report\":");
    ch_json_str_n(stdout, r->output, r->output_len);
    printf("}\n");
}

int mdr_cmd_run(int argc, char **argv)
{
    mdr_opts o;
    mdr_input in;
    mdr_build b;
    mdr_result r;
    const mdr_target *t;
    int rc;

    if (!mdr_parse_opts(argc, argv, "tbTjq", &o))
        return MDR_EXIT_USAGE;
    if (!(t = mdr_resolve_target(o.target, o.pos)))
        return MDR_EXIT_USAGE;
    if (!mdr_read_input(o.pos, &in))
        return MDR_EXIT_INPUT;
    if (!mdr_build_locate(o.build, &b) || !mdr_replay(&b, t, &in, NULL, o.timeout, &r)) {
        mdr_input_free(&in);
        return MDR_EXIT_ENV;
    }
    if (in.len < t->header)
        fprintf(stderr, "mdreplay: note: %s: %zu bytes, shorter than the %zu-byte header of "
                        "%s: the missing bytes read as 0\n",
                in.path, in.len, t->header, t->name);
    if (!b.sanitizers[0])
        fprintf(stderr, "mdreplay: note: %s has no sanitizers: only invariant failures and "
                        "signals are seen (use a build of the asan preset)\n", b.dir);
    if (o.json) {
        print_json(t, &in, &b, &r);
    } else {
        if (!o.quiet && r.rp.kind != CH_RP_CLEAN && r.output_len)
            fwrite(r.output, 1, r.output_len, stdout);
        if (r.rp.kind == CH_RP_CLEAN)
            printf("%s %s: clean (ran to the end, nothing found)\n", t->name, in.path);
        else
            printf("%s %s: %s %s\n  %s\n", t->name, in.path, ch_rp_kind_name(r.rp.kind),
                   r.rp.hash, r.rp.headline);
    }
    rc = r.rp.kind == CH_RP_CLEAN ? MDR_EXIT_CLEAN : MDR_EXIT_FOUND + (int)r.rp.kind;
    mdr_result_free(&r);
    mdr_input_free(&in);
    return rc;
}
