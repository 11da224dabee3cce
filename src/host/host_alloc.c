#include <stdlib.h>
#include <string.h>

#include "host.h"

/* Live allocations in a small open list: tests and fuzz iterations hold few at a time. */
typedef struct {
    void **ptrs;
    size_t n, cap;
    unsigned long count, errors, fail_at;
} alloc_state;

static _Thread_local alloc_state st;

void ch_host_alloc_reset(void)
{
    free(st.ptrs);
    memset(&st, 0, sizeof st);
}

size_t ch_host_alloc_live(void) { return st.n; }
unsigned long ch_host_alloc_count(void) { return st.count; }
unsigned long ch_host_alloc_errors(void) { return st.errors; }
void ch_host_alloc_fail_at(unsigned long k) { st.fail_at = k ? st.count + k : 0; }

static bool track(void *p)
{
    if (st.n == st.cap) {
        size_t cap = st.cap ? st.cap * 2 : 16;
        void **np = realloc(st.ptrs, cap * sizeof *np);
        if (!np)
            return false;
        st.ptrs = np;
        st.cap = cap;
    }
    st.ptrs[st.n++] = p;
    return true;
}

static bool untrack(void *p)
{
    for (size_t i = 0; i < st.n; i++) {
        if (st.ptrs[i] == p) {
            st.ptrs[i] = st.ptrs[--st.n];
            return true;
        }
    }
    return false;
}

static bool should_fail(void)
{
    st.count++;
    return st.fail_at && st.count == st.fail_at;
}

LPVOID WINAPI ch_host_alloc(SIZE_T size)
{
    void *p;
    if (should_fail())
        return NULL;
    p = malloc(size ? size : 1);
    if (p && !track(p)) {
        free(p);
        return NULL;
    }
    return p;
}

LPVOID WINAPI ch_host_realloc(LPVOID p, SIZE_T size)
{
    void *np;
    if (!p)
        return ch_host_alloc(size);
    if (!untrack(p)) {
        st.errors++; /* not ours, or already freed: refuse instead of corrupting the heap */
        return NULL;
    }
    if (should_fail()) {
        (void)track(p); /* p stays valid, as with realloc */
        return NULL;
    }
    np = realloc(p, size ? size : 1);
    if (!np) {
        (void)track(p);
        return NULL;
    }
    (void)track(np); /* cannot fail: a slot was just released */
    return np;
}

void WINAPI ch_host_free(LPVOID p)
{
    if (!p)
        return;
    if (!untrack(p)) {
        st.errors++; /* double free or foreign pointer: counted, never passed to free() */
        return;
    }
    free(p);
}

void ch_host_alloc_release_all(void)
{
    for (size_t i = 0; i < st.n; i++)
        free(st.ptrs[i]);
    st.n = 0;
}
