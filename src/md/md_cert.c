/* Certificates of the containers: read from the PIV certificate object of the slot, unwrapped
 * (70/71/FE, gzip), the CSP's own compressed format undone, and kept in the CSP cache. */
#include <string.h>

#include "cursor.h"
#include "inflate.h"
#include "md_cache.h"
#include "md_fs.h"
#include "wipe.h"

/* The CSP's compressed certificate (cardmod.md): 01 00, uncompressed length (LE), zlib. A
 * minidriver that reports fCertificateCompression FALSE stores these as they come; we read
 * them back as DER. Anything else is DER as it is. */
DWORD ch_md_cert_undo_csp(PCARD_DATA cd, uint8_t **der, size_t *len)
{
    ch_cur c;
    uint8_t b0, b1;
    uint16_t want;
    uint8_t *out;
    size_t got = 0;

    ch_cur_init(&c, *der, *len);
    if (!ch_cur_u8(&c, &b0) || !ch_cur_u8(&c, &b1) || b0 != 0x01 || b1 != 0x00)
        return SCARD_S_SUCCESS; /* a DER certificate starts with 30 */
    if (!ch_cur_u16le(&c, &want) || want == 0)
        return SCARD_E_UNEXPECTED;
    out = ch_md_alloc(cd, want);
    if (!out)
        return SCARD_E_NO_MEMORY;
    if (ch_inflate_zlib(ch_cur_peek_ptr(&c), ch_cur_left(&c), out, want, &got) !=
            CH_INFLATE_OK ||
        got != want) {
        ch_md_free(cd, out);
        return SCARD_E_UNEXPECTED;
    }
    ch_md_free(cd, *der);
    *der = out;
    *len = got;
    return SCARD_S_SUCCESS;
}

static DWORD read_cert(PCARD_DATA cd, ch_md_ctx *ctx, uint8_t slot, uint8_t **der, size_t *len)
{
    const size_t obj_cap = CH_PIV_OBJECT_MAX + 4u;
    uint8_t *obj = ch_md_alloc(cd, obj_cap), *out = ch_md_alloc(cd, CH_PIV_CERT_MAX);
    size_t n = 0, m = 0;
    DWORD rc = SCARD_E_NO_MEMORY;

    if (obj && out) {
        rc = ch_md_read_object(ctx, ch_piv_cert_tag(slot), obj, obj_cap, &n);
        if (rc == SCARD_S_SUCCESS)
            rc = ch_piv_cert_object(obj, n, out, CH_PIV_CERT_MAX, &m);
    }
    ch_md_free(cd, obj);
    if (rc != SCARD_S_SUCCESS) {
        ch_md_free(cd, out);
        return rc;
    }
    *der = out;
    *len = m;
    rc = ch_md_cert_undo_csp(cd, der, len);
    if (rc != SCARD_S_SUCCESS) {
        ch_md_free(cd, *der);
        *der = NULL;
        *len = 0;
    }
    return rc;
}

/* A certificate file holds a certificate: DER X.509 that parses (an algorithm the module cannot
 * use is still a certificate). What does not parse never reaches the CSP or its cache. */
static bool is_certificate(const uint8_t *der, size_t len)
{
    ch_piv_pubkey pk;
    return ch_piv_x509_pubkey(der, len, &pk) != SCARD_E_UNEXPECTED;
}

DWORD ch_md_cert_load(PCARD_DATA cd, ch_md_ctx *ctx, const ch_md_view *v, BYTE idx,
                      uint8_t **der, size_t *len)
{
    char name[8] = {'c', 'e', 'r', 't', 0, 0, 0, 0};
    static const char hex[] = "0123456789abcdef";
    uint8_t slot = ch_md_container_slot(idx);
    DWORD rc;

    *der = NULL;
    *len = 0;
    if (!slot)
        return SCARD_E_NO_KEY_CONTAINER;
    name[4] = hex[idx >> 4];
    name[5] = hex[idx & 15u];
    rc = ch_md_cache_get(cd, v, name, der, len);
    if (rc == SCARD_S_SUCCESS && is_certificate(*der, *len))
        return SCARD_S_SUCCESS;
    if (rc == SCARD_S_SUCCESS) { /* a cache value that is not a certificate: read the card */
        ch_md_free(cd, *der);
        *der = NULL;
        *len = 0;
    } else if (rc != SCARD_E_FILE_NOT_FOUND) {
        return rc;
    }
    rc = read_cert(cd, ctx, slot, der, len);
    if (rc == SCARD_S_SUCCESS && !is_certificate(*der, *len)) {
        ch_md_free(cd, *der);
        *der = NULL;
        *len = 0;
        rc = SCARD_E_UNEXPECTED;
    }
    if (rc == SCARD_S_SUCCESS)
        ch_md_cache_put(cd, v, name, *der, *len);
    return rc;
}
