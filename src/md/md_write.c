/* The write side of the virtual file system (docs/card-mapping.md "Writes"): CardWriteFile,
 * CardCreateFile, CardDeleteFile. cardcf and cmapfile go to the module's objects 5FFF0E and
 * 5FFF10; certificates to the slot's PIV certificate object, gzip-compressed when they do not
 * fit. Every write is one PUT DATA, checked completely before it is sent. */
#include <string.h>

#include "deflate.h"
#include "md_cache.h"
#include "md_entry.h"
#include "md_fs.h"
#include "md_names.h"
#include "utf16.h"

#define REC_LEN sizeof(CONTAINER_MAP_RECORD)

/* ---- cmapfile -> container map ---- */

static ch_piv_key_type type_of_bits(WORD bits)
{
    return bits == 256u ? CH_PIV_KEY_P256 : bits == 384u ? CH_PIV_KEY_P384 : CH_PIV_KEY_RSA;
}

/* The keyspec a record asks for: the one the container has if it is of the same kind
 * (signature or key exchange), else the kind's keyspec for the key's type. */
static DWORD record_spec(const ch_md_cmap_entry *old, bool sig, WORD bits)
{
    ch_piv_key_type t = old->valid && old->type != CH_PIV_KEY_NONE ? old->type
                                                                   : type_of_bits(bits);
    if (old->valid && ch_md_keyspec_is_signature(old->key_spec) == sig &&
        (old->type == CH_PIV_KEY_NONE || ch_md_keyspec_fits(old->key_spec, t)))
        return old->key_spec;
    return ch_md_keyspec_of(t, sig);
}

/* The CSP's cmapfile, checked without the card: whole 86-byte records, at most one default
 * and only on a valid record, names NUL-terminated within 40 units and not empty, a record
 * gives one key size, valid records only in the first 24. */
static DWORD check_cmapfile(const uint8_t *data, size_t len)
{
    unsigned defaults = 0;

    if (len % REC_LEN)
        return SCARD_E_INVALID_PARAMETER;
    if (len > 0xFFFFu * REC_LEN)
        return SCARD_E_WRITE_TOO_MANY;
    for (size_t r = 0; r < len / REC_LEN; r++) {
        const uint8_t *p = data + r * REC_LEN;
        uint8_t flags = p[80];
        bool terminated = false, sig = p[82] || p[83], kx = p[84] || p[85];

        if (flags & CONTAINER_MAP_DEFAULT_CONTAINER &&
            (!(flags & CONTAINER_MAP_VALID_CONTAINER) || ++defaults > 1))
            return SCARD_E_INVALID_PARAMETER;
        if (!(flags & CONTAINER_MAP_VALID_CONTAINER))
            continue;
        for (size_t k = 0; k < 40u && !terminated; k++)
            terminated = p[2 * k] == 0 && p[2 * k + 1] == 0;
        if (!terminated || (p[0] == 0 && p[1] == 0) || (sig && kx))
            return SCARD_E_INVALID_PARAMETER;
        if (r >= CH_MD_MAX_CONTAINERS)
            return SCARD_E_WRITE_TOO_MANY;
    }
    return SCARD_S_SUCCESS;
}

/* The map a checked cmapfile describes, keyspecs kept from the old map where they agree. */
static void apply_cmapfile(const uint8_t *data, size_t len, const ch_md_cmap *old,
                           ch_md_cmap *m)
{
    memset(m, 0, sizeof *m);
    for (BYTE i = 0; i < CH_MD_MAX_CONTAINERS; i++)
        m->e[i].slot = ch_md_container_slot(i);
    for (size_t r = 0; r < len / REC_LEN && r < CH_MD_MAX_CONTAINERS; r++) {
        const uint8_t *p = data + r * REC_LEN;
        WORD sig_bits = (WORD)(p[82] | p[83] << 8), kx_bits = (WORD)(p[84] | p[85] << 8);
        ch_md_cmap_entry *e = &m->e[r];
        bool terminated = false;

        if (!(p[80] & CONTAINER_MAP_VALID_CONTAINER))
            continue;
        for (size_t k = 0; k < 40u; k++) {
            WCHAR u = (WCHAR)(p[2 * k] | p[2 * k + 1] << 8);
            e->guid[k] = terminated ? 0 : u;
            terminated = terminated || u == 0;
        }
        e->valid = true;
        e->is_default = (p[80] & CONTAINER_MAP_DEFAULT_CONTAINER) != 0;
        e->bits = sig_bits ? sig_bits : kx_bits;
        e->key_spec = record_spec(&old->e[r], sig_bits != 0, e->bits);
        e->type = old->e[r].valid ? old->e[r].type : CH_PIV_KEY_NONE;
    }
}

static DWORD write_cmapfile(PCARD_DATA cd, ch_md_ctx *ctx, const uint8_t *data, size_t len)
{
    ch_md_view v;
    ch_md_cmap old, m;
    DWORD rc = check_cmapfile(data, len);

    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_map_open(cd, ctx, &v, &old);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    apply_cmapfile(data, len, &old, &m);
    rc = ch_md_cmap_store(ctx, &m);
    return rc == SCARD_S_SUCCESS ? ch_md_bump(ctx, true, false) : rc;
}

/* ---- certificates ---- */

/* The object for der: plain when it fits, else gzip; SCARD_E_WRITE_TOO_MANY when neither.
 * The compressor's 100 KiB work area comes from the CSP's allocator, not the stack. */
static DWORD cert_object(PCARD_DATA cd, const uint8_t *der, size_t len, uint8_t *obj,
                         size_t *obj_len)
{
    uint8_t gz[CH_MD_OBJECT_LIMIT];
    size_t gz_len = 0;
    void *work;
    int zrc;
    DWORD rc = ch_piv_cert_object_build(der, len, false, obj, CH_MD_OBJECT_LIMIT, obj_len);

    if (rc != SCARD_E_INSUFFICIENT_BUFFER)
        return rc;
    if (!(work = ch_md_alloc(cd, ch_deflate_work_size())))
        return SCARD_E_NO_MEMORY;
    zrc = ch_gzip_work(work, der, len, gz, sizeof gz, &gz_len);
    ch_md_free(cd, work);
    if (zrc != CH_DEFLATE_OK)
        return SCARD_E_WRITE_TOO_MANY;
    rc = ch_piv_cert_object_build(gz, gz_len, true, obj, CH_MD_OBJECT_LIMIT, obj_len);
    return rc == SCARD_E_INSUFFICIENT_BUFFER ? SCARD_E_WRITE_TOO_MANY : rc;
}

static bool same_key(const ch_piv_pubkey *a, const ch_piv_pubkey *b)
{
    if (a->type != b->type)
        return false;
    if (a->type == CH_PIV_KEY_RSA)
        return a->e == b->e && a->n_len == b->n_len && memcmp(a->n, b->n, a->n_len) == 0;
    return a->point_len == b->point_len && memcmp(a->point, b->point, a->point_len) == 0;
}

/* The certificate's key must be one the container can hold under the file's name, and, when
 * the card can say which key the slot holds (GET METADATA), that very key: a certificate of
 * another key would make the container lie about its public key. */
static DWORD cert_fits(ch_md_ctx *ctx, const ch_md_cmap_entry *e, const ch_md_file_ref *r,
                       const ch_piv_pubkey *pk)
{
    ch_piv_key_type want = e->type != CH_PIV_KEY_NONE ? e->type : ch_md_keyspec_type(e->key_spec);
    ch_piv_metadata meta;
    DWORD spec, rc;

    if (e->valid && want != CH_PIV_KEY_NONE && want != pk->type)
        return SCARD_E_INVALID_PARAMETER;
    spec = e->valid && ch_md_keyspec_fits(e->key_spec, pk->type)
               ? e->key_spec
               : ch_md_slot_keyspec(e->slot, pk->type);
    if (ch_md_keyspec_is_signature(spec) != r->signature)
        return SCARD_E_FILE_NOT_FOUND; /* ksc for a key-exchange key, or kxc for a signing one */
    rc = ch_md_card_done(ctx, ch_piv_get_metadata(&ctx->apdu, e->slot, &meta));
    if (rc == SCARD_E_UNSUPPORTED_FEATURE || rc == SCARD_E_FILE_NOT_FOUND)
        return SCARD_S_SUCCESS; /* not a YubiKey 5.3+, or no key yet: nothing to compare */
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (meta.pub.type != CH_PIV_KEY_NONE && !same_key(&meta.pub, pk))
        return SCARD_E_INVALID_PARAMETER;
    return SCARD_S_SUCCESS;
}

/* SCARD_S_SUCCESS when the slot holds a key or the card cannot say (no GET METADATA),
 * SCARD_E_FILE_NOT_FOUND when it holds none, or the card's error. */
static DWORD slot_has_key(ch_md_ctx *ctx, uint8_t slot)
{
    ch_piv_metadata meta;
    DWORD rc = ch_md_card_done(ctx, ch_piv_get_metadata(&ctx->apdu, slot, &meta));
    return rc == SCARD_E_UNSUPPORTED_FEATURE ? SCARD_S_SUCCESS : rc;
}

/* Everything about the certificate that needs no card: the CSP's compressed format undone,
 * X.509 that parses with a key PIV can hold, and an object that fits. */
static DWORD prepare_cert(PCARD_DATA cd, const uint8_t *data, size_t len, uint8_t *obj,
                          size_t *obj_len, ch_piv_pubkey *pk)
{
    uint8_t *der;
    DWORD rc;

    if (!(der = ch_md_alloc(cd, len)))
        return SCARD_E_NO_MEMORY;
    memcpy(der, data, len);
    rc = ch_md_cert_undo_csp(cd, &der, &len);
    if (rc == SCARD_E_UNEXPECTED) /* the CSP's format, but it does not inflate */
        rc = SCARD_E_INVALID_PARAMETER;
    if (rc == SCARD_S_SUCCESS && ch_piv_x509_pubkey(der, len, pk) != SCARD_S_SUCCESS)
        rc = SCARD_E_INVALID_PARAMETER;
    if (rc == SCARD_S_SUCCESS)
        rc = cert_object(cd, der, len, obj, obj_len);
    ch_md_free(cd, der);
    return rc;
}

static DWORD write_cert(PCARD_DATA cd, ch_md_ctx *ctx, const ch_md_file_ref *r,
                        const uint8_t *data, size_t len)
{
    uint8_t *obj;
    size_t obj_len = 0;
    ch_piv_pubkey pk;
    ch_md_view v;
    ch_md_cmap m;
    DWORD rc;

    /* Sizes first: a refusal the parameters alone decide allocates nothing. */
    if (len == 0)
        return SCARD_E_INVALID_PARAMETER;
    if (len > CH_PIV_CERT_MAX)
        return SCARD_E_WRITE_TOO_MANY;
    obj = ch_md_alloc(cd, CH_MD_OBJECT_LIMIT);
    rc = obj ? prepare_cert(cd, data, len, obj, &obj_len, &pk) : SCARD_E_NO_MEMORY;

    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_map_open(cd, ctx, &v, &m);
    if (rc == SCARD_S_SUCCESS)
        rc = cert_fits(ctx, &m.e[r->idx], r, &pk);
    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_card_done(ctx, ch_piv_put_data(&ctx->apdu,
                                                  ch_piv_cert_tag(m.e[r->idx].slot), obj,
                                                  obj_len));
    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_bump(ctx, true, true); /* the map depends on the certificates too */
    ch_md_free(cd, obj);
    return rc;
}

DWORD WINAPI CardWriteFile(PCARD_DATA pCardData, LPSTR pszDirectoryName, LPSTR pszFileName,
                           DWORD dwFlags, PBYTE pbData, DWORD cbData)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    ch_md_file_ref r;
    DWORD rc;

    if (!ctx || dwFlags || (!pbData && cbData))
        return SCARD_E_INVALID_PARAMETER;
    rc = ch_md_resolve(pszDirectoryName, pszFileName, &r);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    switch (r.kind) {
    case CH_F_CARDCF:
        if (cbData < CH_MD_CARDCF_LEN || cbData > CH_MD_CARDCF_MAX)
            return cbData < CH_MD_CARDCF_LEN ? SCARD_E_INVALID_PARAMETER
                                             : SCARD_E_WRITE_TOO_MANY;
        rc = ch_md_card_io(ctx);
        return rc == SCARD_S_SUCCESS ? ch_md_cardcf_store(ctx, pbData, cbData) : rc;
    case CH_F_CMAPFILE:
        return write_cmapfile(pCardData, ctx, pbData, cbData);
    case CH_F_CERT:
        return write_cert(pCardData, ctx, &r, pbData, cbData);
    default: /* cardid and cardapps are what the card is: derived, never stored */
        return SCARD_W_SECURITY_VIOLATION;
    }
}

static bool access_ok(CARD_FILE_ACCESS_CONDITION ac)
{
    return ac >= EveryoneReadUserWriteAc && ac <= AdminReadWriteAc;
}

/* A PIV object cannot exist empty: a certificate file comes into being with its first
 * CardWriteFile, so creating one that does not exist yet succeeds with nothing sent. */
DWORD WINAPI CardCreateFile(PCARD_DATA pCardData, LPSTR pszDirectoryName, LPSTR pszFileName,
                            DWORD cbInitialCreationSize,
                            CARD_FILE_ACCESS_CONDITION AccessCondition)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    ch_md_file_ref r;
    ch_md_view v;
    ch_md_cmap m;
    DWORD rc;

    if (!ctx || !access_ok(AccessCondition))
        return SCARD_E_INVALID_PARAMETER;
    rc = ch_md_resolve(pszDirectoryName, pszFileName, &r);
    if (rc == SCARD_E_FILE_NOT_FOUND)
        return SCARD_E_UNSUPPORTED_FEATURE; /* no place on a PIV card for other files */
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (r.kind != CH_F_CERT)
        return ERROR_FILE_EXISTS;
    if (cbInitialCreationSize > CH_PIV_CERT_MAX)
        return SCARD_E_WRITE_TOO_MANY;
    rc = ch_md_map_open(pCardData, ctx, &v, &m);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    return m.e[r.idx].type != CH_PIV_KEY_NONE ? ERROR_FILE_EXISTS : SCARD_S_SUCCESS;
}

DWORD WINAPI CardDeleteFile(PCARD_DATA pCardData, LPSTR pszDirectoryName, LPSTR pszFileName,
                            DWORD dwFlags)
{
    ch_md_ctx *ctx = ch_md_ctx_of(pCardData);
    ch_md_file_ref r;
    ch_md_view v;
    ch_md_cmap m;
    DWORD rc;

    if (!ctx || dwFlags)
        return SCARD_E_INVALID_PARAMETER;
    rc = ch_md_resolve(pszDirectoryName, pszFileName, &r);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (r.kind != CH_F_CERT)
        return SCARD_W_SECURITY_VIOLATION; /* the card's structure files stay */
    rc = ch_md_map_open(pCardData, ctx, &v, &m);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (!m.e[r.idx].valid || m.e[r.idx].type == CH_PIV_KEY_NONE ||
        ch_md_keyspec_is_signature(m.e[r.idx].key_spec) != r.signature)
        return SCARD_E_FILE_NOT_FOUND;
    /* The container outlives its certificate: the map records it first (a container that
     * only its certificate made visible would vanish with it, its key left on the card). When
     * the card says the slot holds no key (GET METADATA), nothing outlives the certificate
     * and the record goes instead. */
    rc = slot_has_key(ctx, m.e[r.idx].slot);
    if (rc == SCARD_E_FILE_NOT_FOUND)
        m.e[r.idx].valid = m.e[r.idx].is_default = false;
    else if (rc != SCARD_S_SUCCESS)
        return rc;
    rc = ch_md_cmap_store(ctx, &m);
    if (rc == SCARD_S_SUCCESS)
        rc = ch_md_card_done(ctx, ch_piv_put_data(&ctx->apdu,
                                                  ch_piv_cert_tag(m.e[r.idx].slot), NULL, 0));
    return rc == SCARD_S_SUCCESS ? ch_md_bump(ctx, true, true) : rc;
}
