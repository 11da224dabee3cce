/* Certificate objects (SP 800-73-4 Part 1, Table 10 ff.): 70 <cert> 71 <CertInfo> [FE <LRC>].
 *
 * The whole object is checked before anything is written to out, so a malformed object leaves
 * out untouched; only a gzip stream that fails part-way has written (and then wiped) out. */
#include <string.h>

#include "cursor.h"
#include "inflate.h"
#include "piv.h"
#include "scarderr.h"

#define CERTINFO_GZIP 0x01u /* CompressionType; the other bits (IsX509 etc.) must be 0 */

uint32_t ch_piv_cert_object(const uint8_t *obj, size_t len, uint8_t *out, size_t cap,
                            size_t *out_len)
{
    ch_cur c, cert, info, lrc;
    uint32_t tag;
    uint8_t certinfo;
    size_t bound = cap < CH_PIV_CERT_MAX ? cap : CH_PIV_CERT_MAX;
    size_t n;

    ch_cur_init(&c, obj, len);
    if (!ch_cur_tlv(&c, &tag, &cert) || tag != 0x70 || ch_cur_empty(&cert))
        return SCARD_E_UNEXPECTED;
    if (!ch_cur_tlv(&c, &tag, &info) || tag != 0x71 || !ch_cur_u8(&info, &certinfo) ||
        !ch_cur_empty(&info) || (certinfo & ~CERTINFO_GZIP) != 0)
        return SCARD_E_UNEXPECTED;
    /* FE, the error detection code, is optional and unused (length 0 in practice): its value
     * is not interpreted. Nothing may follow it. */
    if (!ch_cur_empty(&c) && (!ch_cur_tlv(&c, &tag, &lrc) || tag != 0xFE))
        return SCARD_E_UNEXPECTED;
    if (!ch_cur_empty(&c))
        return SCARD_E_UNEXPECTED;

    if (certinfo & CERTINFO_GZIP) {
        /* A bomb stops at the bound: the decoder's work is linear in input + bound. */
        if (ch_inflate_gzip(ch_cur_peek_ptr(&cert), ch_cur_left(&cert), out, bound, &n) !=
                CH_INFLATE_OK ||
            n == 0)
            return SCARD_E_UNEXPECTED;
    } else {
        n = ch_cur_left(&cert);
        if (n > bound || !ch_cur_bytes(&cert, out, n))
            return SCARD_E_UNEXPECTED;
    }
    *out_len = n;
    return SCARD_S_SUCCESS;
}
