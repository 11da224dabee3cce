/* mdreplay triage: every finding of a directory run (cmd_run's replay), grouped by stack hash,
 * ranked by kind (report.h: write, crash, read, invariant, leak, ub, timeout, oom) then by
 * how many findings share the hash; written as Markdown (triage.md) and SARIF 2.1.0
 * (triage.sarif) into --out (default DIR/triage). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mdreplay.h"
#include "sarif.h"

typedef struct item {
    const mdr_target *t;
    char *path;
    ch_rp_report rp;
    bool ran;
} item;

typedef struct group {
    size_t first;   /* index of the kept finding (the first in path order) */
    size_t count;
} group;

typedef struct list {
    item *v;
    size_t n, cap;
} list;

static bool push(list *l, const mdr_target *t, const char *dir, const char *name)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        item *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    memset(&l->v[l->n], 0, sizeof l->v[l->n]);
    l->v[l->n].t = t;
    if (asprintf(&l->v[l->n].path, "%s/%s", dir, name) < 0)
        return false;
    l->n++;
    return true;
}

/* Files of a findings directory: what an engine writes, not our own reports. */
static bool is_finding(const char *dir, const char *name)
{
    static const char *const skip[] = {".txt", ".md", ".sarif", ".tsv", ".json", ".log"};
    size_t n = strlen(name);
    struct stat st;
    char *p;
    bool reg;

    if (name[0] == '.' || !strcmp(name, "README"))
        return false;
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++) {
        size_t k = strlen(skip[i]);
        if (n > k && !strcmp(name + n - k, skip[i]))
            return false;
    }
    if (asprintf(&p, "%s/%s", dir, name) < 0)
        return false;
    reg = stat(p, &st) == 0 && S_ISREG(st.st_mode);
    free(p);
    return reg;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Adds the findings of one directory; returns false on an unreadable directory. */
static bool collect_dir(list *l, const mdr_target *t, const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name);

    if (n < 0)
        return false;
    for (int i = 0; i < n; i++) {
        if (is_finding(dir, names[i]->d_name))
            (void)push(l, t, dir, names[i]->d_name);
        free(names[i]);
    }
    free(names);
    return true;
}

/* A campaign directory (<dir>/<target>/findings/) or a findings directory of one target. */
static int collect(list *l, const mdr_opts *o)
{
    size_t nt;
    const mdr_target *all = mdr_targets(&nt);
    bool campaign = false;
    char *sub, *withslash;

    for (size_t i = 0; i < nt && !o->target; i++) {
        struct stat st;
        if (asprintf(&sub, "%s/%s/findings", o->pos, all[i].name) < 0)
            return MDR_EXIT_ENV;
        if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
            campaign = true;
            if (!collect_dir(l, &all[i], sub))
                fprintf(stderr, "mdreplay: %s: %s\n", sub, strerror(errno));
        }
        free(sub);
    }
    if (campaign)
        return 0;
    if (asprintf(&withslash, "%s/", o->pos) < 0)
        return MDR_EXIT_ENV;
    const mdr_target *t = mdr_resolve_target(o->target, withslash);
    free(withslash);
    if (!t)
        return MDR_EXIT_USAGE;
    if (!collect_dir(l, t, o->pos)) {
        fprintf(stderr, "mdreplay: %s: %s\n", o->pos, strerror(errno));
        return MDR_EXIT_INPUT;
    }
    return 0;
}

static const list *sort_list;
static int by_rank(const void *pa, const void *pb)
{
    const group *a = pa, *b = pb;
    const item *x = &sort_list->v[a->first], *y = &sort_list->v[b->first];
    if (x->rp.kind != y->rp.kind)
        return x->rp.kind < y->rp.kind ? -1 : 1;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(x->rp.hash, y->rp.hash);
}

static void md_cell(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else if (*s == '\n' || *s == '\r')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
}

static void write_md(FILE *f, const char *dir, const mdr_build *b, const list *l,
                     const group *g, size_t ng, size_t clean)
{
    fprintf(f, "# mdreplay triage of `%s`\n\n", dir);
    fprintf(f, "%zu findings, %zu unique stack hashes, %zu did not reproduce. Build `%s` "
               "(sanitizers: %s).\n\n",
            l->n, ng, clean, b->dir, b->sanitizers[0] ? b->sanitizers : "none");
    if (ng) {
        fprintf(f, "| rank | kind | stack hash | findings | target | first line | kept |\n");
        fprintf(f, "|---|---|---|---|---|---|---|\n");
    }
    for (size_t i = 0; i < ng; i++) {
        const item *it = &l->v[g[i].first];
        fprintf(f, "| %zu | %s | `%s` | %zu | %s | ", i + 1, ch_rp_kind_name(it->rp.kind),
                it->rp.hash, g[i].count, it->t->name);
        md_cell(f, it->rp.headline);
        fprintf(f, " | `%s` |\n", it->path);
    }
    for (size_t i = 0; i < ng; i++) {
        const item *it = &l->v[g[i].first];
        fprintf(f, "\n## %zu. %s `%s` (%zu finding%s)\n\n", i + 1, ch_rp_kind_name(it->rp.kind),
                it->rp.hash, g[i].count, g[i].count == 1 ? "" : "s");
        fprintf(f, "%s\n\n", it->rp.headline);
        for (size_t k = 0; k < it->rp.n_frames; k++)
            fprintf(f, "- `%s` %s:%u\n", it->rp.frames[k].function, it->rp.frames[k].file,
                    it->rp.frames[k].line);
        fprintf(f, "\nReproduce: `mdreplay run %s --target %s`; read it: `mdreplay show %s "
                   "--target %s`.\n",
                it->path, it->t->name, it->path, it->t->name);
        fprintf(f, "\nFindings with this hash:\n\n");
        for (size_t k = 0; k < l->n; k++)
            if (l->v[k].ran && l->v[k].rp.kind != CH_RP_CLEAN &&
                !strcmp(l->v[k].rp.hash, it->rp.hash))
                fprintf(f, "- `%s`\n", l->v[k].path);
    }
    if (clean) {
        fprintf(f, "\n## Did not reproduce\n\n");
        for (size_t k = 0; k < l->n; k++)
            if (l->v[k].ran && l->v[k].rp.kind == CH_RP_CLEAN)
                fprintf(f, "- `%s` (%s)\n", l->v[k].path, l->v[k].t->name);
    }
}

static FILE *open_out(const char *dir, const char *name, char **path)
{
    FILE *f;
    if (asprintf(path, "%s/%s", dir, name) < 0)
        return NULL;
    f = fopen(*path, "w");
    if (!f)
        fprintf(stderr, "mdreplay: %s: %s\n", *path, strerror(errno));
    return f;
}

int mdr_cmd_triage(int argc, char **argv)
{
    mdr_opts o;
    mdr_build b;
    list l = {0};
    group *g = NULL;
    size_t ng = 0, clean = 0;
    int rc, worst = CH_RP_KINDS;
    char *outdir = NULL, *mdp = NULL, *sarifp = NULL;
    FILE *md = NULL, *sf = NULL;
    ch_sarif_result *sr = NULL;

    if (!mdr_parse_opts(argc, argv, "tboT", &o))
        return MDR_EXIT_USAGE;
    if ((rc = collect(&l, &o)) != 0)
        goto done;
    if (l.n == 0) {
        fprintf(stderr, "mdreplay: %s: no finding in it\n", o.pos);
        rc = MDR_EXIT_INPUT;
        goto done;
    }
    if (!mdr_build_locate(o.build, &b)) {
        rc = MDR_EXIT_ENV;
        goto done;
    }
    g = calloc(l.n, sizeof *g);
    if (!g) {
        rc = MDR_EXIT_ENV;
        goto done;
    }
    for (size_t i = 0; i < l.n; i++) {
        mdr_input in;
        mdr_result r;
        item *it = &l.v[i];
        size_t k;

        if (!mdr_read_input(it->path, &in))
            continue;
        if (!mdr_replay(&b, it->t, &in, NULL, o.timeout, &r)) {
            mdr_input_free(&in);
            rc = MDR_EXIT_ENV;
            goto done;
        }
        it->rp = r.rp;
        it->ran = true;
        mdr_result_free(&r);
        mdr_input_free(&in);
        fprintf(stderr, "[%zu/%zu] %s: %s %s\n", i + 1, l.n, it->path,
                ch_rp_kind_name(it->rp.kind), it->rp.kind == CH_RP_CLEAN ? "" : it->rp.hash);
        if (it->rp.kind == CH_RP_CLEAN) {
            clean++;
            continue;
        }
        if ((int)it->rp.kind < worst)
            worst = (int)it->rp.kind;
        for (k = 0; k < ng; k++)
            if (!strcmp(l.v[g[k].first].rp.hash, it->rp.hash))
                break;
        if (k == ng)
            g[ng++].first = i;
        g[k].count++;
    }
    sort_list = &l;
    qsort(g, ng, sizeof *g, by_rank);

    if (o.out)
        outdir = strdup(o.out);
    else if (asprintf(&outdir, "%s/triage", o.pos) < 0)
        outdir = NULL;
    if (!outdir || (mkdir(outdir, 0777) != 0 && errno != EEXIST)) {
        fprintf(stderr, "mdreplay: cannot create %s\n", outdir ? outdir : "the output directory");
        rc = MDR_EXIT_ENV;
        goto done;
    }
    md = open_out(outdir, "triage.md", &mdp);
    sf = open_out(outdir, "triage.sarif", &sarifp);
    sr = calloc(ng ? ng : 1, sizeof *sr);
    if (!md || !sf || !sr) {
        rc = MDR_EXIT_ENV;
        goto done;
    }
    write_md(md, o.pos, &b, &l, g, ng, clean);
    write_md(stdout, o.pos, &b, &l, g, ng, clean);
    for (size_t i = 0; i < ng; i++) {
        const item *it = &l.v[g[i].first];
        sr[i] = (ch_sarif_result){it->t->name, it->path, g[i].count, &it->rp};
    }
    if (ch_sarif_write(sf, "0.1.0", sr, ng) != 0) {
        fprintf(stderr, "mdreplay: %s: write failed\n", sarifp);
        rc = MDR_EXIT_ENV;
        goto done;
    }
    printf("\nwrote %s and %s\n", mdp, sarifp);
    rc = worst == CH_RP_KINDS ? MDR_EXIT_CLEAN : MDR_EXIT_FOUND + worst;
done:
    if (md && fclose(md) != 0)
        rc = MDR_EXIT_ENV;
    if (sf && fclose(sf) != 0)
        rc = MDR_EXIT_ENV;
    for (size_t i = 0; i < l.n; i++)
        free(l.v[i].path);
    free(l.v);
    free(g);
    free(sr);
    free(outdir);
    free(mdp);
    free(sarifp);
    return rc;
}
