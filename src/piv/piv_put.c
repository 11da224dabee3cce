/* Writing data objects: PUT DATA (SP 800-73-4 Part 2, 3.3.2) and the content of a certificate
 * object (Part 1, Table 10 ff.), the inverse of ch_piv_cert_object.
 *
 *   00 DB 3F FF  5C 03 <tag>  53 <len> <content>      (53 00: delete the object)
 *
 * The command is assembled in one buffer and handed to the exchange, which chains it. Object
 * contents are not keys, but some (printed information) are personal: the buffer is wiped. */
#include <string.h>

#include "piv.h"
#include "piv_internal.h"
#include "scarderr.h"
#include "wipe.h"

#define INS_PUT_DATA 0xDBu
#define TAG_LIST_LEN 5u /* 5C 03 t1 t2 t3 */
#define CERTINFO_GZIP 0x01u

/* A PIV object tag PUT DATA may name: three BER tag bytes 5F Cx yy (the SP 800-73 objects)
 * or 5F FF yy (vendor objects), the last byte without the "more bytes follow" bit. The
 * discovery object (7E) and BIT group template (7F61) are not written by this module. */
static bool writable_tag(uint32_t tag)
{
    bool piv = (tag & 0xFFFFF000u) == 0x5FC000u, vendor = (tag & 0xFFFFFF00u) == 0x5FFF00u;
    return (piv || vendor) && (tag & 0x80u) == 0;
}

uint32_t ch_piv_put_data(ch_apdu_ctx *ctx, uint32_t tag, const uint8_t *content, size_t len)
{
    uint8_t cmd[TAG_LIST_LEN + 1 + CH_PIV_BER_LEN_MAX + CH_PIV_OBJECT_MAX];
    uint8_t resp[16]; /* room to see data in the answer as malformed, not as a short buffer */
    ch_capdu c = {0x00, INS_PUT_DATA, 0x3F, 0xFF, cmd, 0, 0};
    size_t n = 0, rn = 0;
    uint16_t sw = 0;
    uint32_t rc;

    if (!writable_tag(tag) || len > CH_PIV_OBJECT_MAX || (len && !content))
        return SCARD_E_INVALID_PARAMETER;
    cmd[n++] = 0x5C;
    cmd[n++] = 0x03;
    cmd[n++] = (uint8_t)(tag >> 16);
    cmd[n++] = (uint8_t)((tag >> 8) & 0xFFu);
    cmd[n++] = (uint8_t)(tag & 0xFFu);
    cmd[n++] = 0x53;
    n += ch_piv_ber_len(len, cmd + n); /* len <= CH_PIV_OBJECT_MAX: never 0 */
    if (len)
        memcpy(cmd + n, content, len);
    c.data_len = n + len;
    rc = ch_apdu_transmit(ctx, &c, resp, sizeof resp, &rn, &sw);
    ch_wipe(cmd, c.data_len);
    ch_wipe(resp, sizeof resp);
    /* PUT DATA answers nothing but a status word. */
    if (rc == SCARD_E_INSUFFICIENT_BUFFER || (rc == SCARD_S_SUCCESS && rn != 0))
        return SCARD_E_UNEXPECTED;
    return rc;
}

/* 70 <der> 71 01 <info> FE 00. der == NULL or len == 0 is SCARD_E_INVALID_PARAMETER: an
 * object without a certificate is one ch_piv_cert_object refuses. out may be der (the
 * certificate is moved before the header is written). */
uint32_t ch_piv_cert_object_build(const uint8_t *der, size_t len, bool gzip, uint8_t *out,
                                  size_t cap, size_t *out_len)
{
    uint8_t hdr[1 + CH_PIV_BER_LEN_MAX];
    const uint8_t tail[5] = {0x71, 0x01, gzip ? CERTINFO_GZIP : 0x00u, 0xFE, 0x00};
    size_t hn, total;

    if (!der || len == 0 || !out_len || (cap && !out))
        return SCARD_E_INVALID_PARAMETER;
    hdr[0] = 0x70;
    hn = ch_piv_ber_len(len, hdr + 1);
    if (hn == 0)
        return SCARD_E_INSUFFICIENT_BUFFER; /* 16 MiB and more: no card holds it */
    hn += 1;
    /* Checked in steps so that no sum can wrap. */
    if (cap < hn + sizeof tail || len > cap - hn - sizeof tail)
        return SCARD_E_INSUFFICIENT_BUFFER;
    total = hn + len + sizeof tail;
    memmove(out + hn, der, len);
    memcpy(out, hdr, hn);
    memcpy(out + hn + len, tail, sizeof tail);
    *out_len = total;
    return SCARD_S_SUCCESS;
}
