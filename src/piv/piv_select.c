#include <string.h>

#include "cursor.h"
#include "piv.h"
#include "scarderr.h"

const uint8_t ch_piv_aid[CH_PIV_AID_LEN] = {0xA0, 0x00, 0x00, 0x03, 0x08, 0x00,
                                            0x00, 0x10, 0x00, 0x01, 0x00};

/* SP 800-73-4 puts the PIX (00 00 10 00 01 00) in the APT's 4F; deployed cards also send the
 * full AID, sometimes without the version bytes. Accept a long enough prefix of either. */
static bool aid_is_piv(const uint8_t *aid, size_t len)
{
    static const size_t rid_len = 5;
    if (len >= CH_PIV_SELECT_AID_LEN && len <= CH_PIV_AID_LEN)
        return memcmp(aid, ch_piv_aid, len) == 0;
    if (len >= 4 && len <= CH_PIV_AID_LEN - rid_len)
        return memcmp(aid, ch_piv_aid + rid_len, len) == 0;
    return false;
}

static bool copy_value(ch_cur *v, uint8_t *dst, size_t cap, size_t *len)
{
    size_t n = ch_cur_left(v);
    if (n > cap || !ch_cur_bytes(v, dst, n))
        return false;
    *len = n;
    return true;
}

static bool parse_algs(ch_cur *ac, ch_piv_apt *apt)
{
    uint32_t tag;
    ch_cur v;
    uint8_t alg;

    while (!ch_cur_empty(ac)) {
        if (!ch_cur_tlv(ac, &tag, &v))
            return false;
        if (tag != 0x80)
            continue; /* 06: algorithm OID, informative only */
        if (ch_cur_left(&v) != 1 || apt->n_algs == CH_PIV_APT_MAX_ALGS || !ch_cur_u8(&v, &alg))
            return false;
        apt->algs[apt->n_algs++] = alg;
    }
    return true;
}

uint32_t ch_piv_parse_apt(const uint8_t *data, size_t len, ch_piv_apt *out)
{
    ch_piv_apt apt;
    ch_cur c, t, v, a;
    uint32_t tag;
    bool have_aid = false;

    memset(&apt, 0, sizeof apt);
    if (len == 0) { /* some older cards answer a bare 9000 */
        *out = apt;
        return SCARD_S_SUCCESS;
    }
    ch_cur_init(&c, data, len);
    /* Exactly one template, covering the whole answer. */
    if (!ch_cur_tlv(&c, &tag, &t) || tag != 0x61 || !ch_cur_empty(&c))
        return SCARD_E_UNKNOWN_CARD;
    apt.present = true;
    while (!ch_cur_empty(&t)) {
        if (!ch_cur_tlv(&t, &tag, &v))
            return SCARD_E_UNKNOWN_CARD;
        switch (tag) {
        case 0x4F:
            if (have_aid || !copy_value(&v, apt.aid, sizeof apt.aid, &apt.aid_len) ||
                !aid_is_piv(apt.aid, apt.aid_len))
                return SCARD_E_UNKNOWN_CARD;
            have_aid = true;
            break;
        case 0x79:
            if (!ch_cur_find(&v, 0x4F, &a) ||
                !copy_value(&a, apt.authority_aid, sizeof apt.authority_aid,
                            &apt.authority_aid_len))
                return SCARD_E_UNKNOWN_CARD;
            break;
        case 0x50:
            if (!copy_value(&v, apt.label, sizeof apt.label, &apt.label_len))
                return SCARD_E_UNKNOWN_CARD;
            break;
        case 0xAC:
            if (!parse_algs(&v, &apt))
                return SCARD_E_UNKNOWN_CARD;
            break;
        default: /* 5F50 URL and future tags: skipped, their framing was checked */
            break;
        }
    }
    if (!have_aid)
        return SCARD_E_UNKNOWN_CARD;
    *out = apt;
    return SCARD_S_SUCCESS;
}

uint32_t ch_piv_select(ch_apdu_ctx *ctx, ch_piv_apt *apt)
{
    uint8_t resp[512];
    size_t n = 0;
    uint16_t sw = 0;
    ch_capdu c = {0x00, 0xA4, 0x04, 0x00, ch_piv_aid, CH_PIV_SELECT_AID_LEN, 256};
    uint32_t rc = ch_apdu_transmit(ctx, &c, resp, sizeof resp, &n, &sw);

    if (sw == 0x6883) /* "last command of the chain expected": a card left inside a chain
                         (an exchange that broke off, ours or another application's) drops
                         the chain with this refusal and hears the SELECT sent again */
        rc = ch_apdu_transmit(ctx, &c, resp, sizeof resp, &n, &sw);
    if (rc == SCARD_E_INSUFFICIENT_BUFFER) /* an APT this long is not a PIV card's */
        return SCARD_E_UNKNOWN_CARD;
    if (sw != 0 && sw != 0x9000) /* completed (sw is never 0 then) and the card said no */
        return SCARD_E_UNKNOWN_CARD;
    if (rc != SCARD_S_SUCCESS)
        return rc;
    return ch_piv_parse_apt(resp, n, apt);
}
