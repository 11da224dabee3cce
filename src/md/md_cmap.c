/* The container map (docs/card-mapping.md "Containers"). A container exists for a slot that
 * holds a certificate, or that the container-map object (5FFF10, Yubico's format, shared with
 * their minidriver) lists as valid. GUIDs come from that object, else they are derived from
 * the cardid and the slot, so they are stable without any write to the card. */
#include <string.h>

#include "cursor.h"
#include "md_cache.h"
#include "md_fs.h"
#include "wipe.h"

#define MSCMAP_TAG CH_MD_MSCMAP_TAG
#define MSCMAP_NAME_UNITS CH_MD_MSCMAP_NAME_UNITS
#define MSCMAP_REC_LEN CH_MD_MSCMAP_REC_LEN
#define MSCMAP_TAIL_LEN 22u /* pin_id, associated container, fingerprint[20] */
#define CMAP_CACHE_VERSION 1u
#define CMAP_CACHE_REC_LEN (6u + 2u * 40u)
#define CMAP_CACHE_NAME "cmap"
#define KEY_HISTORY_ON_CARD 0xC1u

static int slot_index(uint8_t slot)
{
    for (BYTE i = 0; i < CH_MD_MAX_CONTAINERS; i++)
        if (ch_md_container_slot(i) == slot)
            return i;
    return -1;
}

/* {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX} from cardid with the slot folded into the last byte
 * and the RFC 9562 version 8 / variant bits set: unique per card and slot, stable forever. */
void ch_md_derive_guid(const uint8_t cardid[16], uint8_t slot, WCHAR out[40])
{
    static const char hex[] = "0123456789ABCDEF";
    uint8_t b[16];
    size_t n = 0;

    memcpy(b, cardid, sizeof b);
    b[15] ^= slot;
    b[6] = (uint8_t)((b[6] & 0x0Fu) | 0x80u);
    b[8] = (uint8_t)((b[8] & 0x3Fu) | 0x80u);
    out[n++] = '{';
    for (size_t i = 0; i < 16u; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[n++] = '-';
        out[n++] = (WCHAR)hex[b[i] >> 4];
        out[n++] = (WCHAR)hex[b[i] & 15u];
    }
    out[n++] = '}';
    while (n < 40u)
        out[n++] = 0;
}

/* Yubico's records: WCHAR name[40], slot, key_spec, key_size_bits (LE), flags, pin_id,
 * associated ECDH container, SHA-1 fingerprint[20]. A record for a slot we do not map, or with
 * an empty or unterminated name, is ignored: it came from other software and names nothing we
 * can show. Only the first record of a slot counts. */
static DWORD parse_mscmap(const uint8_t *obj, size_t n, ch_md_cmap *m, bool seen[])
{
    ch_cur c, v;
    WCHAR name[MSCMAP_NAME_UNITS];
    uint8_t slot, spec, flags;
    uint16_t bits;

    ch_cur_init(&c, obj, n);
    if (!ch_cur_find(&c, MSCMAP_TAG, &v) || ch_cur_left(&v) % MSCMAP_REC_LEN != 0)
        return SCARD_E_UNEXPECTED;
    while (!ch_cur_empty(&v)) {
        bool terminated = false;
        int idx;
        for (size_t i = 0; i < MSCMAP_NAME_UNITS; i++) {
            uint16_t u;
            if (!ch_cur_u16le(&v, &u))
                return SCARD_E_UNEXPECTED;
            name[i] = terminated ? 0 : u;
            terminated = terminated || u == 0;
        }
        if (!ch_cur_u8(&v, &slot) || !ch_cur_u8(&v, &spec) || !ch_cur_u16le(&v, &bits) ||
            !ch_cur_u8(&v, &flags) || !ch_cur_skip(&v, MSCMAP_TAIL_LEN))
            return SCARD_E_UNEXPECTED;
        idx = slot_index(slot);
#ifdef CH_PLANTED_CMAP
        /* PLANTED BUG (cmake/planted.cmake, never in a normal build): no idx < 0 check, so a
         * record for a slot we do not map indexes seen[] and m->e[] at -1. */
        if (!terminated || name[0] == 0 || seen[idx])
#else
        if (idx < 0 || !terminated || name[0] == 0 || seen[idx])
#endif
            continue;
        seen[idx] = true;
        memcpy(m->e[idx].guid, name, sizeof name);
        m->e[idx].valid = (flags & CONTAINER_MAP_VALID_CONTAINER) != 0;
        m->e[idx].is_default = m->e[idx].valid && (flags & CONTAINER_MAP_DEFAULT_CONTAINER);
        m->e[idx].key_spec = spec;
        m->e[idx].bits = bits;
    }
    return SCARD_S_SUCCESS;
}

/* SP 800-73-4 key history: C1 = how many retired slots hold a key with an on-card certificate;
 * they are used from 82 upwards. An absent object means none. */
static DWORD retired_with_certs(ch_md_ctx *ctx, unsigned *count)
{
    uint8_t obj[256];
    size_t n = 0;
    ch_cur c, v;
    uint8_t k;
    DWORD rc = ch_md_read_object(ctx, CH_PIV_OBJ_KEY_HISTORY, obj, sizeof obj, &n);
    *count = 0;
    if (rc == SCARD_E_FILE_NOT_FOUND)
        return SCARD_S_SUCCESS;
    if (rc != SCARD_S_SUCCESS)
        return rc;
    ch_cur_init(&c, obj, n);
    if (!ch_cur_find(&c, KEY_HISTORY_ON_CARD, &v))
        return SCARD_S_SUCCESS;
    if (ch_cur_left(&v) != 1 || !ch_cur_u8(&v, &k) ||
        k > CH_PIV_SLOT_RETIRED_LAST - CH_PIV_SLOT_RETIRED_FIRST + 1)
        return SCARD_E_UNEXPECTED;
    *count = k;
    return SCARD_S_SUCCESS;
}

/* What the certificate says of the key; a certificate of an algorithm the module cannot use
 * (e.g. Ed25519) hides the container. */
static DWORD probe_cert(PCARD_DATA cd, ch_md_ctx *ctx, const ch_md_view *v, BYTE idx,
                        bool has_record, ch_md_cmap_entry *e)
{
    uint8_t *der = NULL;
    size_t len = 0;
    ch_piv_pubkey pk;
    DWORD rc = ch_md_cert_load(cd, ctx, v, idx, &der, &len);

    if (rc == SCARD_E_FILE_NOT_FOUND)
        return SCARD_S_SUCCESS; /* no certificate: the map record alone decides */
    if (rc != SCARD_S_SUCCESS)
        return rc;
    rc = ch_piv_x509_pubkey(der, len, &pk);
    ch_md_free(cd, der);
    if (rc == SCARD_E_UNSUPPORTED_FEATURE) {
        e->valid = false;
        e->is_default = false;
        return SCARD_S_SUCCESS;
    }
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (pk.bits > 0xFFFFu)
        return SCARD_E_UNEXPECTED;
    e->valid = true;
    e->type = pk.type;
    e->bits = (WORD)pk.bits;
    /* The keyspec the CSP gave the container, when its record has one that fits the key. */
    if (!has_record || !ch_md_keyspec_fits(e->key_spec, pk.type))
        e->key_spec = ch_md_slot_keyspec(e->slot, pk.type);
    return SCARD_S_SUCCESS;
}

static DWORD build(PCARD_DATA cd, ch_md_ctx *ctx, const ch_md_view *v, ch_md_cmap *m)
{
    uint8_t *obj;
    const size_t obj_cap = CH_PIV_OBJECT_MAX + 4u;
    size_t n = 0;
    bool seen[CH_MD_MAX_CONTAINERS] = {false};
    unsigned retired = 0;
    int def = -1;
    DWORD rc;

    memset(m, 0, sizeof *m);
    for (BYTE i = 0; i < CH_MD_MAX_CONTAINERS; i++)
        m->e[i].slot = ch_md_container_slot(i);

    obj = ch_md_alloc(cd, obj_cap);
    if (!obj)
        return SCARD_E_NO_MEMORY;
    rc = ch_md_read_object(ctx, CH_PIV_OBJ_MSCMAP, obj, obj_cap, &n);
    if (rc == SCARD_S_SUCCESS)
        rc = parse_mscmap(obj, n, m, seen);
    else if (rc == SCARD_E_FILE_NOT_FOUND)
        rc = SCARD_S_SUCCESS;
    ch_md_free(cd, obj);
    if (rc == SCARD_S_SUCCESS)
        rc = retired_with_certs(ctx, &retired);

    for (BYTE i = 0; rc == SCARD_S_SUCCESS && i < CH_MD_MAX_CONTAINERS; i++) {
        ch_md_cmap_entry *e = &m->e[i];
        /* Standard slots are always looked at; retired ones when the key history or the map
         * names them (a card cannot be asked which objects exist without reading them). */
        if (i >= 4u && i - 4u >= retired && !seen[i])
            continue;
        rc = probe_cert(cd, ctx, v, i, seen[i], e);
        if (rc != SCARD_S_SUCCESS)
            break;
        if (e->valid && e->type == CH_PIV_KEY_NONE && ch_md_keyspec_type(e->key_spec) == CH_PIV_KEY_NONE)
            e->valid = false; /* a map record we cannot interpret and no certificate */
        if (!e->valid)
            e->is_default = false;
        if (e->valid && !seen[i])
            ch_md_derive_guid(v->cardid, e->slot, e->guid);
        if (e->is_default && def < 0)
            def = i;
        else
            e->is_default = false;
    }
    if (rc != SCARD_S_SUCCESS)
        return rc;
    for (BYTE i = 0; def < 0 && i < CH_MD_MAX_CONTAINERS; i++)
        if (m->e[i].valid)
            def = i;
    if (def >= 0)
        m->e[def].is_default = true;
    return SCARD_S_SUCCESS;
}

/* The cached form: a version byte, then per index flags, slot, keyspec, type, bits (LE) and
 * the GUID (40 units LE). Read back through the cursor and checked like card data. */
static void serialise(const ch_md_cmap *m, uint8_t *out)
{
    size_t o = 0;
    out[o++] = CMAP_CACHE_VERSION;
    for (size_t i = 0; i < CH_MD_MAX_CONTAINERS; i++) {
        const ch_md_cmap_entry *e = &m->e[i];
        out[o++] = (uint8_t)((e->valid ? 1u : 0u) | (e->is_default ? 2u : 0u));
        out[o++] = e->slot;
        out[o++] = (uint8_t)e->key_spec;
        out[o++] = (uint8_t)e->type;
        out[o++] = (uint8_t)(e->bits & 0xFFu);
        out[o++] = (uint8_t)(e->bits >> 8);
        for (size_t k = 0; k < 40u; k++) {
            out[o++] = (uint8_t)(e->guid[k] & 0xFFu);
            out[o++] = (uint8_t)(e->guid[k] >> 8);
        }
    }
}

static bool deserialise(const uint8_t *in, size_t len, ch_md_cmap *m)
{
    ch_cur c;
    uint8_t ver, flags, slot, spec, type;
    uint16_t bits;

    ch_cur_init(&c, in, len);
    if (!ch_cur_u8(&c, &ver) || ver != CMAP_CACHE_VERSION)
        return false;
    for (BYTE i = 0; i < CH_MD_MAX_CONTAINERS; i++) {
        ch_md_cmap_entry *e = &m->e[i];
        if (!ch_cur_u8(&c, &flags) || !ch_cur_u8(&c, &slot) || !ch_cur_u8(&c, &spec) ||
            !ch_cur_u8(&c, &type) || !ch_cur_u16le(&c, &bits) || flags > 3u ||
            slot != ch_md_container_slot(i) || type > CH_PIV_KEY_P384)
            return false;
        e->valid = flags & 1u;
        e->is_default = (flags & 2u) != 0;
        e->slot = slot;
        e->key_spec = spec;
        e->type = (ch_piv_key_type)type;
        e->bits = bits;
        for (size_t k = 0; k < 40u; k++)
            if (!ch_cur_u16le(&c, &e->guid[k]))
                return false;
        e->guid[39] = 0;
    }
    return ch_cur_empty(&c);
}

DWORD ch_md_cmap_load(PCARD_DATA cd, ch_md_ctx *ctx, const ch_md_view *v, ch_md_cmap *m)
{
    uint8_t buf[1u + CH_MD_MAX_CONTAINERS * CMAP_CACHE_REC_LEN];
    uint8_t *cached = NULL;
    size_t len = 0;
    DWORD rc = ch_md_cache_get(cd, v, CMAP_CACHE_NAME, &cached, &len);

    if (rc == SCARD_S_SUCCESS) {
        bool ok = deserialise(cached, len, m);
        ch_md_free(cd, cached);
        if (ok)
            return SCARD_S_SUCCESS;
    } else if (rc != SCARD_E_FILE_NOT_FOUND) {
        return rc;
    }
    rc = build(cd, ctx, v, m);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    serialise(m, buf);
    ch_md_cache_put(cd, v, CMAP_CACHE_NAME, buf, sizeof buf);
    return SCARD_S_SUCCESS;
}

DWORD ch_md_map_open(PCARD_DATA cd, ch_md_ctx *ctx, ch_md_view *v, ch_md_cmap *m)
{
    DWORD rc = ch_md_card_io(ctx);

    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_view_open(ctx, v);
    return rc == SCARD_S_SUCCESS ? ch_md_cmap_load(cd, ctx, v, m) : rc;
}

size_t ch_md_cmapfile_len(const ch_md_cmap *m)
{
    size_t last = 0;
    for (size_t i = 0; i < CH_MD_MAX_CONTAINERS; i++)
        if (m->e[i].valid)
            last = i + 1u;
    return last * sizeof(CONTAINER_MAP_RECORD);
}

void ch_md_cmapfile(const ch_md_cmap *m, uint8_t *out)
{
    size_t n = ch_md_cmapfile_len(m) / sizeof(CONTAINER_MAP_RECORD), o = 0;
    for (size_t i = 0; i < n; i++) {
        const ch_md_cmap_entry *e = &m->e[i];
        bool sig = ch_md_keyspec_is_signature(e->key_spec);
        WORD sig_bits = e->valid && sig ? e->bits : 0, kx_bits = e->valid && !sig ? e->bits : 0;
        for (size_t k = 0; k < 40u; k++) {
            WCHAR u = e->valid ? e->guid[k] : 0;
            out[o++] = (uint8_t)(u & 0xFFu);
            out[o++] = (uint8_t)(u >> 8);
        }
        out[o++] = (uint8_t)((e->valid ? CONTAINER_MAP_VALID_CONTAINER : 0u) |
                             (e->valid && e->is_default ? CONTAINER_MAP_DEFAULT_CONTAINER : 0u));
        out[o++] = 0;
        out[o++] = (uint8_t)(sig_bits & 0xFFu);
        out[o++] = (uint8_t)(sig_bits >> 8);
        out[o++] = (uint8_t)(kx_bits & 0xFFu);
        out[o++] = (uint8_t)(kx_bits >> 8);
    }
}
