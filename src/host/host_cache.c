#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "utf16.h"

#define TAG_MAX 256u /* units, NUL included */

typedef struct entry {
    struct entry *next;
    WCHAR tag[TAG_MAX];
    BYTE *data;
    DWORD len;
} entry;

struct ch_host_cache {
    entry *head;
    size_t n;
};

ch_host_cache *ch_host_cache_new(void) { return calloc(1, sizeof(ch_host_cache)); }

static void drop(entry *e)
{
    free(e->data);
    free(e);
}

void ch_host_cache_free(ch_host_cache *c)
{
    entry *e, *next;
    if (!c)
        return;
    for (e = c->head; e; e = next) {
        next = e->next;
        drop(e);
    }
    free(c);
}

size_t ch_host_cache_entries(const ch_host_cache *c) { return c ? c->n : 0; }

static entry **find(ch_host_cache *c, const WCHAR *tag)
{
    entry **pe;
    for (pe = &c->head; *pe; pe = &(*pe)->next)
        if (ch_u16_eq((*pe)->tag, tag, TAG_MAX))
            return pe;
    return NULL;
}

DWORD WINAPI ch_host_cache_add(PVOID ctx, LPWSTR tag, DWORD flags, PBYTE data, DWORD len)
{
    ch_host_cache *c = ctx;
    entry *e, **old;
    size_t tlen;

    if (!c || flags || !ch_u16_len(tag, TAG_MAX, &tlen) || (len && !data))
        return SCARD_E_INVALID_PARAMETER;
    e = calloc(1, sizeof *e);
    if (!e || !(e->data = malloc(len ? len : 1))) {
        free(e);
        return SCARD_E_NO_MEMORY;
    }
    memcpy(e->tag, tag, (tlen + 1) * sizeof(WCHAR));
    if (len)
        memcpy(e->data, data, len);
    e->len = len;
    if ((old = find(c, tag)) != NULL) { /* replace: the cache keeps one copy per tag */
        entry *o = *old;
        *old = o->next;
        drop(o);
        c->n--;
    }
    e->next = c->head;
    c->head = e;
    c->n++;
    return SCARD_S_SUCCESS;
}

DWORD WINAPI ch_host_cache_lookup(PVOID ctx, LPWSTR tag, DWORD flags, PBYTE *data, PDWORD len)
{
    ch_host_cache *c = ctx;
    entry **pe;
    BYTE *copy;

    if (!c || flags || !data || !len || !ch_u16_len(tag, TAG_MAX, &(size_t){0}))
        return SCARD_E_INVALID_PARAMETER;
    if (!(pe = find(c, tag)))
        return SCARD_E_FILE_NOT_FOUND;
    /* Like the Base CSP: the caller gets its own copy and frees it with pfnCspFree. */
    copy = ch_host_alloc((*pe)->len);
    if (!copy)
        return SCARD_E_NO_MEMORY;
    if ((*pe)->len)
        memcpy(copy, (*pe)->data, (*pe)->len);
    *data = copy;
    *len = (*pe)->len;
    return SCARD_S_SUCCESS;
}

DWORD WINAPI ch_host_cache_delete(PVOID ctx, LPWSTR tag, DWORD flags)
{
    ch_host_cache *c = ctx;
    entry **pe, *e;

    if (!c || flags || !ch_u16_len(tag, TAG_MAX, &(size_t){0}))
        return SCARD_E_INVALID_PARAMETER;
    if (!(pe = find(c, tag)))
        return SCARD_E_FILE_NOT_FOUND;
    e = *pe;
    *pe = e->next;
    drop(e);
    c->n--;
    return SCARD_S_SUCCESS;
}
