#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

/* Live allocations in a small open list: tests and fuzz iterations hold few at a time. Each
 * block's size and allocation number are kept so that a freed block can be scanned for the
 * secrets a test registered (ch_host_secret_watch) before it goes back to libc. */
typedef struct {
    void *p;
    size_t size;
    unsigned long no; /* 1-based allocation number since the last reset */
    bool exempt;      /* an output the CSP owns (ch_host_secret_exempt): not scanned */
} block;

typedef struct {
    block *b;
    size_t n, cap;
    unsigned long count, errors, fail_at;
} alloc_state;

static _Thread_local alloc_state st;

/* Registered secrets, kept apart from the allocator's state: ch_host_alloc_reset (which every
 * conformance context does on open) must not forget them. */
typedef struct {
    uint8_t *bytes; /* private copy, wiped on clear */
    size_t len;
    const char *name;
} secret;

/* One window of a secret, the unit of matching: w bytes (see host.h) packed little-endian. */
typedef struct {
    uint64_t key;
    uint16_t secret;
    uint16_t off;
    uint8_t w;
} window;

typedef struct {
    secret s[CH_HOST_SECRET_MAX];
    size_t n;
    window *win;
    size_t n_win;
    bool index_ok;
    ch_host_secret_hit hits[CH_HOST_SECRET_HITS_MAX];
    size_t n_hits, lost_hits;
    unsigned long scanned, exempted;
} secret_state;

static _Thread_local secret_state sec;

void ch_host_alloc_reset(void)
{
    free(st.b);
    memset(&st, 0, sizeof st);
}

size_t ch_host_alloc_live(void) { return st.n; }
unsigned long ch_host_alloc_count(void) { return st.count; }
unsigned long ch_host_alloc_errors(void) { return st.errors; }
void ch_host_alloc_fail_at(unsigned long k) { st.fail_at = k ? st.count + k : 0; }

static bool track(void *p, size_t size, unsigned long no)
{
    if (st.n == st.cap) {
        size_t cap = st.cap ? st.cap * 2 : 16;
        block *nb = realloc(st.b, cap * sizeof *nb);
        if (!nb)
            return false;
        st.b = nb;
        st.cap = cap;
    }
    st.b[st.n].p = p;
    st.b[st.n].size = size;
    st.b[st.n].no = no;
    st.b[st.n].exempt = false;
    st.n++;
    return true;
}

static block *find(const void *p)
{
    for (size_t i = 0; i < st.n; i++)
        if (st.b[i].p == p)
            return &st.b[i];
    return NULL;
}

static void untrack(block *b)
{
    *b = st.b[--st.n];
}

static bool should_fail(void)
{
    st.count++;
    return st.fail_at && st.count == st.fail_at;
}

/* ---- secret matching ---- */

static size_t window_len(size_t len)
{
    return len < CH_HOST_SECRET_WINDOW ? len : CH_HOST_SECRET_WINDOW;
}

static uint64_t pack(const uint8_t *p, size_t w)
{
    uint64_t v = 0;
    for (size_t i = 0; i < w; i++)
        v |= (uint64_t)p[i] << (8u * i);
    return v;
}

/* A run of one byte value says nothing: zeroed or FF-filled memory would match it. */
static bool uniform(const uint8_t *p, size_t w)
{
    for (size_t i = 1; i < w; i++)
        if (p[i] != p[0])
            return false;
    return true;
}

static int cmp_window(const void *a, const void *b)
{
    const window *x = a, *y = b;
    if (x->w != y->w)
        return x->w < y->w ? -1 : 1;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return 0;
}

static bool build_index(void)
{
    size_t total = 0, k = 0;

    if (sec.index_ok)
        return true;
    for (size_t i = 0; i < sec.n; i++)
        total += sec.s[i].len - window_len(sec.s[i].len) + 1;
    free(sec.win);
    sec.win = NULL;
    sec.n_win = 0;
    if (total == 0) {
        /* No secret: an empty index, and no qsort(NULL, 0, ...) (glibc declares it nonnull). */
        sec.index_ok = true;
        return true;
    }
    sec.win = malloc(total * sizeof *sec.win);
    if (!sec.win)
        return false;
    for (size_t i = 0; i < sec.n; i++) {
        size_t w = window_len(sec.s[i].len);
        for (size_t o = 0; o + w <= sec.s[i].len; o++) {
            if (uniform(sec.s[i].bytes + o, w))
                continue;
            sec.win[k].key = pack(sec.s[i].bytes + o, w);
            sec.win[k].secret = (uint16_t)i;
            sec.win[k].off = (uint16_t)o;
            sec.win[k].w = (uint8_t)w;
            k++;
        }
    }
    sec.n_win = k;
    qsort(sec.win, k, sizeof *sec.win, cmp_window);
    sec.index_ok = true;
    return true;
}

static void record(const block *b, const window *wn, size_t at, bool live)
{
    const secret *s = &sec.s[wn->secret];
    const uint8_t *p = b->p;
    size_t len = wn->w;
    ch_host_secret_hit *h;

    /* One hit per block and secret: the first place found, grown to the longest match. */
    for (size_t i = 0; i < sec.n_hits; i++)
        if (sec.hits[i].alloc_no == b->no && sec.hits[i].name == s->name &&
            sec.hits[i].live == live)
            return;
    if (sec.n_hits == CH_HOST_SECRET_HITS_MAX) {
        sec.lost_hits++;
        return;
    }
    while (at + len < b->size && wn->off + len < s->len && p[at + len] == s->bytes[wn->off + len])
        len++;
    h = &sec.hits[sec.n_hits++];
    h->name = s->name;
    h->secret_len = s->len;
    h->secret_offset = wn->off;
    h->match_len = len;
    h->block_size = b->size;
    h->offset = at;
    h->alloc_no = b->no;
    h->live = live;
}

/* Every window of every secret looked for at every offset of the block. */
static size_t scan(const block *b, bool live)
{
    const uint8_t *p = b->p;
    size_t before = sec.n_hits + sec.lost_hits, lo = 0;

    if (sec.n == 0 || b->exempt)
        return 0;
    if (!build_index()) {
        /* Cannot look: stop rather than pass silently. */
        (void)fputs("ch_host: out of memory indexing the watched secrets\n", stderr);
        abort();
    }
    sec.scanned++;
    while (lo < sec.n_win) {
        size_t w = sec.win[lo].w, hi = lo;
        while (hi < sec.n_win && sec.win[hi].w == w)
            hi++;
        for (size_t at = 0; at + w <= b->size; at++) {
            window key = {pack(p + at, w), 0, 0, (uint8_t)w};
            const window *f = bsearch(&key, sec.win + lo, hi - lo, sizeof key, cmp_window);
            if (f)
                record(b, f, at, live);
        }
        lo = hi;
    }
    return sec.n_hits + sec.lost_hits - before;
}

bool ch_host_secret_watch(const void *p, size_t n, const char *name)
{
    secret *s;

    if (!p || n < CH_HOST_SECRET_MIN || n > 0xFFFFu || !name || sec.n == CH_HOST_SECRET_MAX)
        return false;
    s = &sec.s[sec.n];
    s->bytes = malloc(n);
    if (!s->bytes)
        return false;
    memcpy(s->bytes, p, n);
    s->len = n;
    s->name = name;
    sec.n++;
    sec.index_ok = false;
    return true;
}

static void forget(secret *s)
{
    volatile uint8_t *v = s->bytes;
    for (size_t j = 0; j < s->len; j++)
        v[j] = 0;
    free(s->bytes);
    memset(s, 0, sizeof *s);
}

size_t ch_host_secret_count(void) { return sec.n; }

void ch_host_secret_truncate(size_t n)
{
    while (sec.n > n)
        forget(&sec.s[--sec.n]);
    sec.index_ok = false;
}

void ch_host_secret_clear(void)
{
    for (size_t i = 0; i < sec.n; i++)
        forget(&sec.s[i]);
    if (sec.win) {
        volatile uint8_t *v = (volatile uint8_t *)sec.win;
        for (size_t j = 0; j < sec.n_win * sizeof *sec.win; j++)
            v[j] = 0;
    }
    free(sec.win);
    memset(&sec, 0, sizeof sec);
}

size_t ch_host_secret_hits(void) { return sec.n_hits + sec.lost_hits; }
unsigned long ch_host_secret_scanned(void) { return sec.scanned; }
unsigned long ch_host_secret_exempted(void) { return sec.exempted; }

const ch_host_secret_hit *ch_host_secret_hit_at(size_t i)
{
    return i < sec.n_hits ? &sec.hits[i] : NULL;
}

bool ch_host_secret_exempt(const void *p)
{
    block *b = p ? find(p) : NULL;
    if (!b)
        return false;
    b->exempt = true;
    return true;
}

size_t ch_host_secret_scan_live(void)
{
    size_t found = 0;
    for (size_t i = 0; i < st.n; i++)
        found += scan(&st.b[i], true);
    return found;
}

size_t ch_host_secret_report(char *buf, size_t cap)
{
    size_t o = 0;

    if (!buf || cap == 0)
        return 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sec.n_hits && o + 1 < cap; i++) {
        const ch_host_secret_hit *h = &sec.hits[i];
        int r = snprintf(buf + o, cap - o,
                         "secret \"%s\" (%zu bytes): %zu bytes from its offset %zu in %s block "
                         "#%lu (%zu bytes) at offset %zu\n",
                         h->name, h->secret_len, h->match_len, h->secret_offset,
                         h->live ? "live" : "freed", h->alloc_no, h->block_size, h->offset);
        if (r < 0)
            break;
        o += (size_t)r < cap - o ? (size_t)r : cap - o - 1;
    }
    if (sec.lost_hits && o + 1 < cap) {
        int r = snprintf(buf + o, cap - o, "(%zu more hits not kept)\n", sec.lost_hits);
        if (r > 0)
            o += (size_t)r < cap - o ? (size_t)r : cap - o - 1;
    }
    return o;
}

/* ---- the allocator callbacks ---- */

LPVOID WINAPI ch_host_alloc(SIZE_T size)
{
    void *p;
    if (should_fail())
        return NULL;
    p = malloc(size ? size : 1);
    if (!p)
        return NULL;
    if (!track(p, size, st.count)) {
        free(p);
        return NULL;
    }
    /* libc hands back memory that others (the vpiv card, OpenSSL, the test) freed with their
     * secrets in it: a scan must only see what the module wrote. The fill is one repeated
     * byte, which the scan never matches (host.h), and not zero, so that reading a byte never
     * written shows. */
    memset(p, CH_HOST_ALLOC_FILL, size);
    return p;
}

/* The old block is scanned and released like a free: realloc here always moves, so no byte
 * of the old block is reused unseen. */
LPVOID WINAPI ch_host_realloc(LPVOID p, SIZE_T size)
{
    block *b;
    block old;
    void *np;

    if (!p)
        return ch_host_alloc(size);
    b = find(p);
    if (!b) {
        st.errors++; /* not ours, or already freed: refuse instead of corrupting the heap */
        return NULL;
    }
    if (should_fail())
        return NULL; /* p stays valid, as with realloc */
    np = malloc(size ? size : 1);
    if (!np)
        return NULL;
    memset(np, CH_HOST_ALLOC_FILL, size);
    memcpy(np, p, b->size < size ? b->size : size);
    old = *b;
    untrack(b);
    if (!track(np, size, st.count)) { /* cannot fail: a slot was just released */
        free(np);
        (void)track(old.p, old.size, old.no);
        return NULL;
    }
    st.b[st.n - 1].exempt = old.exempt;
    (void)scan(&old, false);
    free(p);
    return np;
}

void WINAPI ch_host_free(LPVOID p)
{
    block *b;
    block old;

    if (!p)
        return;
    b = find(p);
    if (!b) {
        st.errors++; /* double free or foreign pointer: counted, never passed to free() */
        return;
    }
    old = *b;
    untrack(b);
    if (old.exempt)
        sec.exempted++;
    (void)scan(&old, false);
    free(p);
}

void ch_host_alloc_release_all(void)
{
    for (size_t i = 0; i < st.n; i++)
        free(st.b[i].p);
    st.n = 0;
}
