/* The virtual file system (docs/card-mapping.md "Files"): CardReadFile, CardEnumFiles,
 * CardGetFileInfo. Every file is synthesised from PIV objects; nothing is a real file. */
#include <string.h>

#include "md_cache.h"
#include "md_entry.h"
#include "md_fs.h"
#include "md_names.h"

static const uint8_t cardapps[8] = {'m', 's', 'c', 'p', 0, 0, 0, 0};

/* n bytes of src in a new buffer from the CSP allocator. */
static DWORD copy_out(PCARD_DATA cd, const void *src, size_t n, uint8_t **out, size_t *len)
{
    if (!(*out = ch_md_alloc(cd, n)))
        return SCARD_E_NO_MEMORY;
    memcpy(*out, src, n);
    *len = n;
    return SCARD_S_SUCCESS;
}

/* The contents of a resolved file, in a buffer from the CSP allocator. */
static DWORD read_file(PCARD_DATA cd, ch_md_ctx *ctx, const ch_md_file_ref *r, uint8_t **out,
                       size_t *len)
{
    ch_md_view v;
    ch_md_cmap m;
    uint8_t cf[CH_MD_CARDCF_MAX];
    size_t cf_len = 0;
    DWORD rc;

    *out = NULL;
    *len = 0;
    switch (r->kind) {
    case CH_F_CARDAPPS:
        return copy_out(cd, cardapps, sizeof cardapps, out, len);
    case CH_F_CARDID:
        rc = ch_md_cardid(ctx, v.cardid);
        return rc == SCARD_S_SUCCESS ? copy_out(cd, v.cardid, sizeof v.cardid, out, len) : rc;
    case CH_F_CARDCF:
        rc = ch_md_cardcf_file(ctx, cf, sizeof cf, &cf_len);
        return rc == SCARD_S_SUCCESS ? copy_out(cd, cf, cf_len, out, len) : rc;
    case CH_F_CMAPFILE:
    case CH_F_CERT:
        break;
    case CH_F_NONE:
        return SCARD_E_FILE_NOT_FOUND;
    }
    rc = ch_md_view_open(ctx, &v);
    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_cmap_load(cd, ctx, &v, &m);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (r->kind == CH_F_CMAPFILE) {
        uint8_t file[CH_MD_MAX_CONTAINERS * sizeof(CONTAINER_MAP_RECORD)];
        ch_md_cmapfile(&m, file);
        return copy_out(cd, file, ch_md_cmapfile_len(&m), out, len);
    }
    /* A certificate file exists for a valid container under the name of its keyspec. */
    if (!m.e[r->idx].valid || ch_md_keyspec_is_signature(m.e[r->idx].key_spec) != r->signature)
        return SCARD_E_FILE_NOT_FOUND;
    return ch_md_cert_load(cd, ctx, &v, r->idx, out, len);
}

DWORD WINAPI CardReadFile(PCARD_DATA pCardData, LPSTR pszDirectoryName, LPSTR pszFileName,
                          DWORD dwFlags, PBYTE *ppbData, PDWORD pcbData)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    ch_md_file_ref r;
    uint8_t *data;
    size_t len;
    DWORD rc;

    if (!ctx || !ppbData || !pcbData || dwFlags)
        return SCARD_E_INVALID_PARAMETER;
    rc = ch_md_resolve(pszDirectoryName, pszFileName, &r);
    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_card_io(ctx);
    if (rc == SCARD_S_SUCCESS)
        rc = read_file(pCardData, ctx, &r, &data, &len);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (len > 0xFFFFFFFFu) { /* cannot happen: every file is bounded far below */
        ch_md_free(pCardData, data);
        return SCARD_F_INTERNAL_ERROR;
    }
    *ppbData = data;
    *pcbData = (DWORD)len;
    return SCARD_S_SUCCESS;
}

/* A multi-string: names separated by NULs, one more NUL at the end. */
static void append(char *out, size_t *o, const char *s)
{
    size_t n = strlen(s) + 1u;
    if (out)
        memcpy(out + *o, s, n);
    *o += n;
}

static size_t list_mscp(const ch_md_cmap *m, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    append(out, &o, "cmapfile");
    for (BYTE i = 0; i < CH_MD_MAX_CONTAINERS; i++) {
        char name[6] = {'k', 'x', 'c', hex[i >> 4], hex[i & 15u], 0};
        if (!m->e[i].valid || m->e[i].type == CH_PIV_KEY_NONE)
            continue; /* a key without a certificate has no certificate file */
        if (ch_md_keyspec_is_signature(m->e[i].key_spec))
            name[1] = 's';
        append(out, &o, name);
    }
    if (out)
        out[o] = 0;
    return o + 1u;
}

DWORD WINAPI CardEnumFiles(PCARD_DATA pCardData, LPSTR pszDirectoryName, LPSTR *pmszFileNames,
                           LPDWORD pdwcbFileName, DWORD dwFlags)
{
    static const char root[] = "cardid\0cardcf\0cardapps\0";
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    ch_md_view v;
    ch_md_cmap m;
    char *out;
    size_t len;
    DWORD rc;

    if (!ctx || !pmszFileNames || !pdwcbFileName || dwFlags)
        return SCARD_E_INVALID_PARAMETER;
    rc = ch_md_resolve_dir(pszDirectoryName);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (!pszDirectoryName || !pszDirectoryName[0]) {
        if (!(out = ch_md_alloc(pCardData, sizeof root)))
            return SCARD_E_NO_MEMORY;
        memcpy(out, root, sizeof root);
        *pmszFileNames = out;
        *pdwcbFileName = (DWORD)sizeof root;
        return SCARD_S_SUCCESS;
    }
    rc = ch_md_map_open(pCardData, ctx, &v, &m);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    len = list_mscp(&m, NULL);
    if (!(out = ch_md_alloc(pCardData, len)))
        return SCARD_E_NO_MEMORY;
    list_mscp(&m, out);
    *pmszFileNames = out;
    *pdwcbFileName = (DWORD)len;
    return SCARD_S_SUCCESS;
}

static CARD_FILE_ACCESS_CONDITION access_of(ch_md_file_kind k)
{
    /* cardmod.md: cardid and cardapps are admin-written; cardcf, cmapfile and certificates
     * user-written. On PIV every write needs the management key, which this reports as
     * the files' nominal conditions, as the CSP expects them. */
    return k == CH_F_CARDID || k == CH_F_CARDAPPS ? EveryoneReadAdminWriteAc : EveryoneReadUserWriteAc;
}

DWORD WINAPI CardGetFileInfo(PCARD_DATA pCardData, LPSTR pszDirectoryName, LPSTR pszFileName,
                             PCARD_FILE_INFO pCardFileInfo)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    ch_md_file_ref r;
    uint8_t *data = NULL;
    size_t len = 0;
    DWORD rc;

    if (!ctx || !pCardFileInfo)
        return SCARD_E_INVALID_PARAMETER;
    if (pCardFileInfo->dwVersion > CARD_FILE_INFO_CURRENT_VERSION)
        return ERROR_REVISION_MISMATCH;
    rc = ch_md_resolve(pszDirectoryName, pszFileName, &r);
    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_card_io(ctx);
    /* The size of a synthesised file is known only by making it (certificates are cached). */
    if (rc == SCARD_S_SUCCESS)
        rc = read_file(pCardData, ctx, &r, &data, &len);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    ch_md_free(pCardData, data);
    pCardFileInfo->dwVersion = CARD_FILE_INFO_CURRENT_VERSION;
    pCardFileInfo->cbFileSize = (DWORD)len;
    pCardFileInfo->AccessCondition = access_of(r.kind);
    return SCARD_S_SUCCESS;
}
