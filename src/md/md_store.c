/* What the module writes to the card of its own: the container-map object and cardcf
 * (docs/card-mapping.md "Writes"). Each is one PUT DATA of a whole object, so a failure leaves
 * the previous object as it was. */
#include <string.h>

#include "md_fs.h"
#include "wipe.h"

#define CARDCF_CONTAINERS 2u /* offset of wContainersFreshness (LE) */
#define CARDCF_FILES 4u      /* offset of wFilesFreshness (LE) */

static DWORD put(ch_md_ctx *ctx, uint32_t tag, const uint8_t *content, size_t len)
{
    return ch_md_card_done(ctx, ch_piv_put_data(&ctx->apdu, tag, content, len));
}

/* 81 82 LL LL: the record area is at most 24 * 107 = 2568 bytes, always the long form. */
DWORD ch_md_cmap_store(ch_md_ctx *ctx, const ch_md_cmap *m)
{
    uint8_t obj[4u + CH_MD_MAX_CONTAINERS * CH_MD_MSCMAP_REC_LEN];
    size_t o = 4, n = 0;

    for (BYTE i = 0; i < CH_MD_MAX_CONTAINERS; i++) {
        const ch_md_cmap_entry *e = &m->e[i];
        if (!e->valid)
            continue;
        for (size_t k = 0; k < CH_MD_MSCMAP_NAME_UNITS; k++) {
            obj[o++] = (uint8_t)(e->guid[k] & 0xFFu);
            obj[o++] = (uint8_t)(e->guid[k] >> 8);
        }
        obj[o++] = e->slot;
        obj[o++] = (uint8_t)e->key_spec; /* AT_* values are all below 256 */
        obj[o++] = (uint8_t)(e->bits & 0xFFu);
        obj[o++] = (uint8_t)(e->bits >> 8);
        obj[o++] = (uint8_t)(CONTAINER_MAP_VALID_CONTAINER |
                             (e->is_default ? CONTAINER_MAP_DEFAULT_CONTAINER : 0u));
        obj[o++] = (uint8_t)ch_md_container_pin(i);
        obj[o++] = 0;          /* no associated ECDH container */
        memset(obj + o, 0, 20); /* certificate fingerprint: not used by this module */
        o += 20;
        n++;
    }
    if (n == 0)
        return put(ctx, CH_PIV_OBJ_MSCMAP, NULL, 0);
    obj[0] = CH_MD_MSCMAP_TAG;
    obj[1] = 0x82;
    obj[2] = (uint8_t)((o - 4u) >> 8);
    obj[3] = (uint8_t)((o - 4u) & 0xFFu);
    return put(ctx, CH_PIV_OBJ_MSCMAP, obj, o);
}

DWORD ch_md_cardcf_store(ch_md_ctx *ctx, const uint8_t *file, size_t len)
{
    uint8_t obj[2u + CH_MD_CARDCF_MAX];

    if (len < CH_MD_CARDCF_LEN || len > CH_MD_CARDCF_MAX)
        return SCARD_E_INVALID_PARAMETER;
    obj[0] = CH_MD_CARDCF_TAG;
    obj[1] = (uint8_t)len; /* <= 64: the short form */
    memcpy(obj + 2, file, len);
    return put(ctx, CH_PIV_OBJ_CARDCF, obj, len + 2u);
}

static void inc16le(uint8_t *p)
{
    unsigned v = ((unsigned)p[0] | (unsigned)p[1] << 8) + 1u;
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)((v >> 8) & 0xFFu);
}

DWORD ch_md_bump(ch_md_ctx *ctx, bool containers, bool files)
{
    uint8_t file[CH_MD_CARDCF_MAX];
    size_t len = 0;
    DWORD rc = ch_md_cardcf_file(ctx, file, sizeof file, &len);

    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (containers)
        inc16le(file + CARDCF_CONTAINERS);
    if (files)
        inc16le(file + CARDCF_FILES);
    return ch_md_cardcf_store(ctx, file, len);
}
