/* YubiKey GET METADATA (INS F7, firmware 5.3+): what a slot, PIN, PUK or management key is.
 *
 * The answer is a flat list of TLVs (01 algorithm, 02 policies, 03 origin, 04 public key,
 * 05 is-default, 06 retries). The public key in 04 is the card's own statement of the key a
 * slot holds; it must agree with 01, since the minidriver sizes the key by it. */
#include <string.h>

#include "cursor.h"
#include "piv.h"
#include "piv_internal.h"
#include "scarderr.h"

/* An RSA-4096 slot: 01, 02, 03 (11 bytes), 04 82 02 0D { 81 82 02 00 <512>, 82 len <e> }.
 * Twice that leaves room for tags a newer firmware adds. */
#define METADATA_MAX 1200u

/* The value of a TLV that must be exactly n bytes long. */
static bool fixed(ch_cur *v, uint8_t *dst, size_t n)
{
    return ch_cur_left(v) == n && ch_cur_bytes(v, dst, n);
}

uint32_t ch_piv_parse_metadata(const uint8_t *data, size_t len, ch_piv_metadata *out)
{
    ch_piv_metadata m;
    ch_cur c, v, pub = {NULL, 0, 0};
    uint32_t tag;
    uint8_t b[2];
    bool has_pub = false;

    memset(&m, 0, sizeof m);
    ch_cur_init(&c, data, len);
    while (!ch_cur_empty(&c)) {
        if (!ch_cur_tlv(&c, &tag, &v))
            return SCARD_E_UNEXPECTED;
        switch (tag) {
        case 0x01:
            if (m.has_alg || !fixed(&v, &m.alg, 1))
                return SCARD_E_UNEXPECTED;
            m.has_alg = true;
            break;
        case 0x02:
            if (m.has_policy || !fixed(&v, b, 2))
                return SCARD_E_UNEXPECTED;
            m.pin_policy = b[0], m.touch_policy = b[1];
            m.has_policy = true;
            break;
        case 0x03:
            if (m.has_origin || !fixed(&v, &m.origin, 1))
                return SCARD_E_UNEXPECTED;
            m.has_origin = true;
            break;
        case 0x04: /* read once 01 is known, wherever 04 stands */
            if (has_pub)
                return SCARD_E_UNEXPECTED;
            pub = v, has_pub = true;
            break;
        case 0x05:
            if (m.has_default || !fixed(&v, b, 1) || b[0] > 1)
                return SCARD_E_UNEXPECTED;
            m.is_default = b[0] == 1;
            m.has_default = true;
            break;
        case 0x06:
            if (m.has_retries || !fixed(&v, b, 2))
                return SCARD_E_UNEXPECTED;
            m.retries_total = b[0], m.retries_left = b[1];
            m.has_retries = true;
            break;
        default: /* tags of newer firmware: framing checked, value skipped */
            break;
        }
    }
    /* Every object the card describes has an algorithm (FF for PIN and PUK): an answer
     * without one, an empty 9000 included, describes nothing. */
    if (!m.has_alg || (has_pub && !ch_piv_pubkey_tlvs(&pub, m.alg, &m.pub)))
        return SCARD_E_UNEXPECTED;
    *out = m;
    return SCARD_S_SUCCESS;
}

uint32_t ch_piv_get_metadata(ch_apdu_ctx *ctx, uint8_t ref, ch_piv_metadata *m)
{
    uint8_t resp[METADATA_MAX];
    size_t n = 0;
    uint16_t sw = 0;
    ch_capdu c = {0x00, 0xF7, 0x00, ref, NULL, 0, 256};
    uint32_t rc = ch_apdu_transmit(ctx, &c, resp, sizeof resp, &n, &sw);

    if (rc == SCARD_E_INSUFFICIENT_BUFFER) /* no metadata is this long */
        return SCARD_E_UNEXPECTED;
    if (rc != SCARD_S_SUCCESS) /* 6D00, 6A88/6A82 and the rest: the one SW table */
        return rc;
    return ch_piv_parse_metadata(resp, n, m);
}
