/* Does the RSA unpadding leak timing? A dudect-style measurement (Reparaz, Balasch,
 * Verbauwhede, "dude, is my code constant time?", DATE 2017) of the decryption padding decoders
 * of src/md/md_pad.c, with two controls. docs/constant-time.md explains the method and keeps the
 * figures; scripts/bench-ct.sh builds (dev preset, -O2) and runs it.
 *
 * Each test has two input classes of the same length: class 0 = a valid block (random message
 * of random length), class 1 = a block made bad in one way. A pool of inputs of each class is
 * made first and checked (the decoder must accept every class-0 block and refuse every class-1
 * block, or the program stops: a test of nothing would read as "no leak"). Then, per
 * measurement, a class and a pool entry are drawn at random (interleaved random order), the
 * input is copied to one fixed buffer (same addresses and cache state for both classes) and the
 * call is timed with a serialising timestamp: lfence; rdtscp ... rdtscp; lfence on x86, else
 * clock_gettime(CLOCK_MONOTONIC_RAW) in ns. Welch's t statistic compares the two classes on all
 * measurements, on 100 cropped sets (only measurements below the p-th percentile of a first,
 * discarded batch, p = 1 - 0.5^(10(i+1)/100), as dudect does: cropping strips the long tail
 * that interrupts and the other tenants of the machine add), and on the centred squares (a
 * second-order test). max |t| over the tests with at least 10000 measurements is reported:
 * below 4.5 reads as "no leak detected", which is evidence, not proof.
 *
 * Positive controls: memcmp differing at byte 0 vs at the last byte, and a textbook PKCS#1
 * decoder with early exits (valid vs bad first byte), must show a large |t|, or the harness is
 * not sensitive enough to believe its "no leak" answers. ch_ct_memeq (equal vs
 * differing at byte 0) is the baseline of a comparison written to be constant-time.
 *
 * Usage: dudect-unpad [-n MEASUREMENTS] [-s SEED] [--clock] [FILTER]
 *   -n: measurements per test (default 1000000, after a discarded first batch)
 *   --clock: use clock_gettime even where rdtscp exists; FILTER: run tests whose name has it.
 * Exit status 0 whatever the figures (it is a measurement, not a pass/fail test); 1 when an
 * input pool is wrong; 2 for a usage error. */
#define _GNU_SOURCE 1 /* CLOCK_MONOTONIC_RAW */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_RDTSCP 1
#endif

#include "md_pad.h"
#include "sha.h"
#include "wipe.h"

#define K 256u            /* RSA-2048 block */
#define CMP_LEN 256u      /* bytes compared by the memcmp / ch_ct_memeq tests */
#define POOL 256u         /* inputs per class */
#define BATCH 10000u      /* measurements per batch; the first batch sets the percentiles */
#define N_PCT 100u        /* cropped tests */
#define N_T (N_PCT + 2u)  /* [0] all, [1..N_PCT] cropped, [N_PCT + 1] second order */
#define ENOUGH 10000.0    /* a test with fewer measurements is not reported */
#define T_THRESHOLD 4.5
#define OAEP_HASH CH_HASH_SHA256
#define OAEP_HLEN 32u
#define OAEP_TLEN (K - 2u * OAEP_HLEN - 2u)
#define PKCS1_TLEN (K - 11u)

static const uint8_t LABEL[8] = {'c', 'a', 'r', 'd', 'h', 'a', 'm', 'r'};

/* ---- randomness (xorshift32: input generation and class draws, not cryptography) -------- */

static uint32_t rng = 0x9E3779B9u;

static uint32_t rnd32(void)
{
    uint32_t x = rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng = x;
    return x;
}

static size_t rnd_below(size_t n) { return (size_t)(rnd32() % (uint32_t)n); }
static uint8_t rnd_byte(void) { return (uint8_t)(rnd32() >> 24); }
static uint8_t rnd_nonzero(void) { return (uint8_t)(1u + rnd_below(255)); }

static void rnd_fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = rnd_byte();
}

/* ---- the timestamp ---------------------------------------------------------------------- */

static int use_clock;

static uint64_t now(void)
{
#ifdef HAVE_RDTSCP
    if (!use_clock) {
        unsigned aux;
        uint64_t t;
        _mm_lfence(); /* earlier instructions are done before the counter is read */
        t = __rdtscp(&aux);
        _mm_lfence(); /* and later ones do not start before */
        return t;
    }
#endif
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- inputs ----------------------------------------------------------------------------- */

/* Valid RSAES-PKCS1-v1_5 block: 00 02 PS (>= 8 non-zero) 00 M, M of random length. */
static void pkcs1_valid(uint8_t *em)
{
    size_t mlen = rnd_below(PKCS1_TLEN + 1u), sep = K - 1u - mlen;

    em[0] = 0x00;
    em[1] = 0x02;
    for (size_t i = 2; i < sep; i++)
        em[i] = rnd_nonzero();
    em[sep] = 0x00;
    rnd_fill(em + sep + 1u, mlen);
}

/* Valid RSAES-OAEP block (SHA-256, LABEL): 00 || maskedSeed || maskedDB. kind != 0 spoils DB
 * before masking: 1 a wrong lHash byte, 2 no 01 separator (PS runs to the end). */
static void oaep_block(uint8_t *em, int kind)
{
    const size_t dblen = K - OAEP_HLEN - 1u;
    uint8_t *seed = em + 1, *db = em + 1 + OAEP_HLEN;
    size_t mlen = rnd_below(OAEP_TLEN + 1u), one = dblen - 1u - mlen;

    em[0] = 0x00;
    (void)ch_hash(OAEP_HASH, LABEL, sizeof LABEL, db);
    memset(db + OAEP_HLEN, 0, one - OAEP_HLEN);
    db[one] = 0x01;
    rnd_fill(db + one + 1u, mlen);
    if (kind == 1)
        db[rnd_below(OAEP_HLEN)] ^= rnd_nonzero();
    else if (kind == 2)
        memset(db + OAEP_HLEN, 0, dblen - OAEP_HLEN);
    rnd_fill(seed, OAEP_HLEN);
    ch_pad_mgf1_xor(OAEP_HASH, seed, OAEP_HLEN, db, dblen);  /* maskedDB */
    ch_pad_mgf1_xor(OAEP_HASH, db, dblen, seed, OAEP_HLEN);  /* maskedSeed */
}

static void mk_pkcs1_first(int cls, uint8_t *in)
{
    pkcs1_valid(in);
    if (cls)
        in[0] = rnd_nonzero();
}

static void mk_pkcs1_type(int cls, uint8_t *in)
{
    pkcs1_valid(in);
    if (cls)
        in[1] = (uint8_t)(2u + rnd_nonzero()); /* never 02: 2 + 1..255 wraps past 255 to 0..1 */
}

static void mk_pkcs1_nozero(int cls, uint8_t *in)
{
    pkcs1_valid(in);
    if (cls)
        for (size_t i = 2; i < K; i++)
            in[i] = rnd_nonzero();
}

static void mk_pkcs1_shortps(int cls, uint8_t *in)
{
    pkcs1_valid(in);
    if (cls)
        in[2u + rnd_below(8)] = 0x00; /* separator at 2..9: PS of 0..7 bytes */
}

static void mk_oaep_lhash(int cls, uint8_t *in) { oaep_block(in, cls ? 1 : 0); }
static void mk_oaep_nosep(int cls, uint8_t *in) { oaep_block(in, cls ? 2 : 0); }

static void mk_oaep_y(int cls, uint8_t *in)
{
    oaep_block(in, 0);
    if (cls)
        in[0] = rnd_nonzero();
}

/* in = a || b (CMP_LEN each). ct_memeq: class 0 equal, class 1 differs at byte 0. */
static void mk_cteq(int cls, uint8_t *in)
{
    rnd_fill(in, CMP_LEN);
    memcpy(in + CMP_LEN, in, CMP_LEN);
    if (cls)
        in[CMP_LEN] ^= rnd_nonzero();
}

/* memcmp control: class 0 differs at byte 0, class 1 at the last byte. */
static void mk_memcmp(int cls, uint8_t *in)
{
    rnd_fill(in, CMP_LEN);
    memcpy(in + CMP_LEN, in, CMP_LEN);
    in[CMP_LEN + (cls ? CMP_LEN - 1u : 0u)] ^= rnd_nonzero();
}

/* ---- the measured calls (results go to a volatile sink so that no call is dropped) ------ */

static volatile size_t sink;
static uint8_t out[K];
/* through a volatile pointer: the compiler may not inline or specialise memcmp */
static int (*volatile memcmp_fn)(const void *, const void *, size_t) = memcmp;

static int run_pkcs1(const uint8_t *in)
{
    size_t m = 0;
    int rc = ch_pad_pkcs1_decrypt(in, K, out, PKCS1_TLEN, &m);
    sink = m;
    return rc;
}

static int run_oaep(const uint8_t *in)
{
    size_t m = 0;
    int rc = ch_pad_oaep_decrypt(OAEP_HASH, LABEL, sizeof LABEL, in, K, out, OAEP_TLEN, &m);
    sink = m;
    return rc;
}

/* 0 when equal, -1 otherwise, like the decoders: class 0 must give 0 for ct_memeq */
static int run_cteq(const uint8_t *in)
{
    int eq = ch_ct_memeq(in, in + CMP_LEN, CMP_LEN);
    sink = (size_t)eq;
    return eq - 1;
}

static int run_memcmp(const uint8_t *in)
{
    int d = memcmp_fn(in, in + CMP_LEN, CMP_LEN);
    sink = (size_t)(d != 0);
    return -1; /* both classes differ */
}

/* A textbook PKCS#1 v1.5 decoder with early exits (the shape Bleichenbacher's oracle feeds
 * on): the second control, to show that a padding-check-sized leak is within reach of this
 * harness, not only memcmp's. Never used outside this file. */
static int naive_pkcs1(const uint8_t *em, size_t k, uint8_t *m, size_t *m_len)
{
    size_t i;
    if (em[0] != 0x00 || em[1] != 0x02)
        return -1;
    for (i = 2; i < k && em[i] != 0x00; i++)
        ;
    if (i == k || i < 10)
        return -1;
    *m_len = k - i - 1u;
    memcpy(m, em + i + 1u, *m_len);
    return 0;
}

static int run_naive(const uint8_t *in)
{
    size_t m = 0;
    int rc = naive_pkcs1(in, K, out, &m);
    sink = m;
    return rc;
}

typedef struct ct_test {
    const char *name;
    size_t in_len;
    void (*make)(int cls, uint8_t *in);
    int (*run)(const uint8_t *in);
    int want0, want1; /* run()'s result for class 0 / class 1 inputs */
} ct_test;

static const ct_test TESTS[] = {
    {"pkcs1 valid vs bad first byte", K, mk_pkcs1_first, run_pkcs1, 0, -1},
    {"pkcs1 valid vs bad block type", K, mk_pkcs1_type, run_pkcs1, 0, -1},
    {"pkcs1 valid vs no zero separator", K, mk_pkcs1_nozero, run_pkcs1, 0, -1},
    {"pkcs1 valid vs short PS", K, mk_pkcs1_shortps, run_pkcs1, 0, -1},
    {"oaep-sha256 valid vs bad lHash", K, mk_oaep_lhash, run_oaep, 0, -1},
    {"oaep-sha256 valid vs bad Y", K, mk_oaep_y, run_oaep, 0, -1},
    {"oaep-sha256 valid vs no 01 separator", K, mk_oaep_nosep, run_oaep, 0, -1},
    {"ch_ct_memeq equal vs differ@0 (baseline)", 2u * CMP_LEN, mk_cteq, run_cteq, 0, -1},
    {"early-exit pkcs1 valid vs bad first byte (control)", K, mk_pkcs1_first, run_naive, 0,
     -1},
    {"memcmp differ@0 vs differ@last (control)", 2u * CMP_LEN, mk_memcmp, run_memcmp, -1, -1},
};

#define N_TESTS (sizeof TESTS / sizeof TESTS[0])

/* ---- Welch's t-test, online (Welford) --------------------------------------------------- */

typedef struct welch {
    double n[2], mean[2], m2[2];
} welch;

static void welch_push(welch *w, double x, unsigned c)
{
    double d;
    w->n[c] += 1.0;
    d = x - w->mean[c];
    w->mean[c] += d / w->n[c];
    w->m2[c] += d * (x - w->mean[c]);
}

static double welch_t(const welch *w)
{
    double v0, v1, den;
    if (w->n[0] < 2.0 || w->n[1] < 2.0)
        return 0.0;
    v0 = w->m2[0] / (w->n[0] - 1.0);
    v1 = w->m2[1] / (w->n[1] - 1.0);
    den = sqrt(v0 / w->n[0] + v1 / w->n[1]);
    if (den == 0.0) /* a coarse clock: every time equal in each class */
        return w->mean[0] == w->mean[1] ? 0.0 : 1e9;
    return (w->mean[0] - w->mean[1]) / den;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* ---- one test --------------------------------------------------------------------------- */

typedef struct result {
    size_t measured;
    double max_t, mean[2];
    unsigned where; /* index of the test that gave max_t */
} result;

typedef struct bench {
    uint8_t *pool[2], *in;
    uint64_t times[BATCH];
    uint8_t cls[BATCH];
    uint16_t idx[BATCH];
    double pct[N_PCT];
    welch w[N_T];
} bench;

/* Makes and checks the pools: 0, or -1 when a generator does not make its class. */
static int make_pools(const ct_test *t, bench *b)
{
    for (unsigned c = 0; c < 2; c++) {
        for (size_t i = 0; i < POOL; i++) {
            uint8_t *in = b->pool[c] + i * t->in_len;
            t->make((int)c, in);
            if (t->run(in) != (c ? t->want1 : t->want0)) {
                fprintf(stderr, "dudect-unpad: %s: class %u input %zu has the wrong verdict\n",
                        t->name, c, i);
                return -1;
            }
        }
    }
    return 0;
}

/* One batch of n measurements into b->times, the classes in b->cls. */
static void measure_batch(const ct_test *t, bench *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        b->cls[i] = (uint8_t)(rnd32() >> 31);
        b->idx[i] = (uint16_t)rnd_below(POOL);
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t t0, t1;
        memcpy(b->in, b->pool[b->cls[i]] + (size_t)b->idx[i] * t->in_len, t->in_len);
        t0 = now();
        (void)t->run(b->in);
        t1 = now();
        b->times[i] = t1 >= t0 ? t1 - t0 : UINT64_MAX; /* a backwards step: dropped below */
    }
}

static void set_percentiles(bench *b, size_t n)
{
    uint64_t *s = malloc(n * sizeof *s);
    if (!s)
        exit(1);
    memcpy(s, b->times, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_u64);
    for (unsigned i = 0; i < N_PCT; i++) {
        double p = 1.0 - pow(0.5, 10.0 * (double)(i + 1u) / (double)N_PCT);
        b->pct[i] = (double)s[(size_t)(p * (double)(n - 1u))];
    }
    free(s);
}

static size_t update(bench *b, size_t n)
{
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = b->cls[i];
        double x;
        if (b->times[i] == UINT64_MAX)
            continue;
        x = (double)b->times[i];
        used++;
        welch_push(&b->w[0], x, c);
        for (unsigned p = 0; p < N_PCT; p++)
            if (x < b->pct[p])
                welch_push(&b->w[1u + p], x, c);
        if (b->w[0].n[0] + b->w[0].n[1] > ENOUGH) {
            double d = x - b->w[0].mean[c];
            welch_push(&b->w[N_T - 1u], d * d, c);
        }
    }
    return used;
}

static int run_test(const ct_test *t, size_t n, result *r)
{
    bench *b = calloc(1, sizeof *b);
    size_t done = 0, warm = n < BATCH ? n : BATCH;
    int rc = -1;

    memset(r, 0, sizeof *r);
    if (!b)
        return -1;
    b->pool[0] = malloc(POOL * t->in_len);
    b->pool[1] = malloc(POOL * t->in_len);
    b->in = malloc(t->in_len);
    if (!b->pool[0] || !b->pool[1] || !b->in || make_pools(t, b) != 0)
        goto out;
    measure_batch(t, b, warm); /* warms caches and branch predictors; sets the crop points */
    set_percentiles(b, warm);
    while (done < n) {
        size_t k = n - done < BATCH ? n - done : BATCH;
        measure_batch(t, b, k);
        r->measured += update(b, k);
        done += k;
    }
    for (unsigned i = 0; i < N_T; i++) {
        double v = fabs(welch_t(&b->w[i]));
        if ((i == 0 || b->w[i].n[0] + b->w[i].n[1] >= ENOUGH) && v >= r->max_t) {
            r->max_t = v;
            r->where = i;
        }
    }
    r->mean[0] = b->w[0].mean[0];
    r->mean[1] = b->w[0].mean[1];
    rc = 0;
out:
    free(b->pool[0]);
    free(b->pool[1]);
    free(b->in);
    free(b);
    return rc;
}

static const char *where_name(unsigned i, char *buf, size_t cap)
{
    if (i == 0)
        return "all";
    if (i == N_T - 1u)
        return "2nd order";
    snprintf(buf, cap, "crop %u", i);
    return buf;
}

int main(int argc, char **argv)
{
    size_t n = 1000000;
    const char *filter = NULL;
    int control_failed = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            n = (size_t)strtoull(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
            rng = (uint32_t)strtoul(argv[++i], NULL, 0);
            if (rng == 0)
                rng = 1; /* xorshift's one fixed point */
        } else if (strcmp(argv[i], "--clock") == 0) {
            use_clock = 1;
        } else if (argv[i][0] != '-' && !filter) {
            filter = argv[i];
        } else {
            fprintf(stderr, "usage: dudect-unpad [-n MEASUREMENTS] [-s SEED] [--clock] "
                            "[FILTER]\n");
            return 2;
        }
    }
    if (n < 4)
        n = 4;
#ifdef HAVE_RDTSCP
    printf("timer: %s\n", use_clock ? "clock_gettime(CLOCK_MONOTONIC_RAW), ns"
                                    : "lfence; rdtscp, TSC cycles");
#else
    use_clock = 1;
    printf("timer: clock_gettime(CLOCK_MONOTONIC_RAW), ns\n");
#endif
    printf("k = %u bytes (RSA-2048), %u-byte compares, threshold |t| = %.1f\n\n", K, CMP_LEN,
           T_THRESHOLD);
    printf("| test | measurements | max \\|t\\| | at | mean class 0 / 1 | verdict |\n");
    printf("|---|---:|---:|---|---:|---|\n");
    fflush(stdout);
    for (size_t i = 0; i < N_TESTS; i++) {
        const ct_test *t = &TESTS[i];
        int control = strstr(t->name, "(control)") != NULL;
        const char *verdict;
        char buf[32];
        result r;

        if (filter && !strstr(t->name, filter))
            continue;
        if (run_test(t, n, &r) != 0)
            return 1;
        if (r.max_t < T_THRESHOLD) {
            verdict = control ? "no leak seen: CONTROL FAILED" : "no leak detected";
            control_failed |= control;
        } else {
            verdict = control ? "leak detected (expected)" : "LEAK";
        }
        printf("| %s | %zu | %.2f | %s | %.0f / %.0f | %s |\n", t->name, r.measured, r.max_t,
               where_name(r.where, buf, sizeof buf), r.mean[0], r.mean[1], verdict);
        fflush(stdout);
    }
    if (control_failed)
        printf("\nA control showed no leak: too few measurements or too much noise; "
               "the \"no leak detected\" rows mean nothing in this run.\n");
    return 0;
}
