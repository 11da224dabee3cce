/* Cache entries: tag L"cardhammer/<cardid hex>/<name>", value = the 6-byte cardcf header at the
 * time of caching, then the file. An entry is fresh when its container and file counters equal
 * the card's now; the PIN counter is ignored (a PIN change alters no file). The value comes
 * back from the CSP, so it is read through the cursor like anything from outside. */
#include <string.h>

#include "cursor.h"
#include "md_cache.h"
#include "md_fs.h"

#define TAG_MAX 80u
#define CF_FRESH_OFF 2u /* wContainersFreshness, wFilesFreshness */

DWORD ch_md_view_open(ch_md_ctx *ctx, ch_md_view *v)
{
    DWORD rc = ch_md_cardid(ctx, v->cardid);
    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_cardcf(ctx, v->cf);
    return rc;
}

static bool make_tag(const ch_md_view *v, const char *name, WCHAR tag[TAG_MAX])
{
    static const char prefix[] = "cardhammer/";
    static const char hex[] = "0123456789abcdef";
    size_t n = 0, name_len = strlen(name);

    if (sizeof prefix - 1u + 32u + 1u + name_len + 1u > TAG_MAX)
        return false;
    for (size_t i = 0; prefix[i]; i++)
        tag[n++] = (WCHAR)prefix[i];
    for (size_t i = 0; i < 16u; i++) {
        tag[n++] = (WCHAR)hex[v->cardid[i] >> 4];
        tag[n++] = (WCHAR)hex[v->cardid[i] & 15u];
    }
    tag[n++] = '/';
    for (size_t i = 0; i < name_len; i++)
        tag[n++] = (WCHAR)(uint8_t)name[i];
    tag[n] = 0;
    return true;
}

DWORD ch_md_cache_get(PCARD_DATA cd, const ch_md_view *v, const char *name, uint8_t **out,
                      size_t *len)
{
    WCHAR tag[TAG_MAX];
    PBYTE data = NULL;
    DWORD n = 0;
    ch_cur c;
    const uint8_t *cf;
    size_t payload;

    *out = NULL;
    *len = 0;
    if (!cd->pfnCspCacheLookupFile || !make_tag(v, name, tag))
        return SCARD_E_FILE_NOT_FOUND;
    if (cd->pfnCspCacheLookupFile(cd->pvCacheContext, tag, 0, &data, &n) != SCARD_S_SUCCESS) {
        /* A failed lookup hands nothing back; a CSP that still did is not ours to free. */
        return SCARD_E_FILE_NOT_FOUND;
    }
    if (!data)
        return SCARD_E_FILE_NOT_FOUND;
    ch_cur_init(&c, data, n);
    if (!ch_cur_take(&c, CH_MD_CARDCF_LEN, &cf) ||
        memcmp(cf + CF_FRESH_OFF, v->cf + CF_FRESH_OFF, CH_MD_CARDCF_LEN - CF_FRESH_OFF) != 0) {
        ch_md_free(cd, data);
        return SCARD_E_FILE_NOT_FOUND; /* stale or not ours */
    }
    payload = ch_cur_left(&c);
    if (payload) /* an empty remainder has no pointer */
        memmove(data, ch_cur_peek_ptr(&c), payload);
    *out = data;
    *len = payload;
    return SCARD_S_SUCCESS;
}

void ch_md_cache_put(PCARD_DATA cd, const ch_md_view *v, const char *name, const uint8_t *data,
                     size_t len)
{
    WCHAR tag[TAG_MAX];
    uint8_t *buf;

    if (!cd->pfnCspCacheAddFile || len > 0xFFFFFFFFu - CH_MD_CARDCF_LEN || !make_tag(v, name, tag))
        return;
    buf = ch_md_alloc(cd, CH_MD_CARDCF_LEN + len);
    if (!buf)
        return;
    memcpy(buf, v->cf, CH_MD_CARDCF_LEN);
    if (len)
        memcpy(buf + CH_MD_CARDCF_LEN, data, len);
    (void)cd->pfnCspCacheAddFile(cd->pvCacheContext, tag, 0, buf,
                                 (DWORD)(CH_MD_CARDCF_LEN + len)); /* the CSP keeps a copy */
    ch_md_free(cd, buf);
}
