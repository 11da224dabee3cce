/* Data objects: GET DATA, and the two small objects the card module reads for its identity
 * (CHUID card UUID, YubiKey serial). */
#include <string.h>

#include "cursor.h"
#include "piv.h"
#include "scarderr.h"
#include "wipe.h"

#define CH_PIV_UUID_LEN 16u

/* 5C <n> <tag bytes>: the tag in as many bytes as it has (7E, 7F61, 5FC105). */
static size_t tag_list(uint32_t tag, uint8_t out[5])
{
    size_t n = tag > 0xFFFFu ? 3u : tag > 0xFFu ? 2u : 1u;
    out[0] = 0x5C;
    out[1] = (uint8_t)n;
    for (size_t i = 0; i < n; i++)
        out[2 + i] = (uint8_t)(tag >> (8u * (n - 1u - i)));
    return 2u + n;
}

#ifdef CH_PLANTED_TLV
/* PLANTED BUG (cmake/planted.cmake, never in a normal build): ch_cur_tlv without its bound,
 * the value's length against what remains: a longer value gets a cursor over whatever follows
 * the window in memory, and the window counts as consumed. */
static bool planted_tlv(ch_cur *c, uint32_t *tag, ch_cur *value)
{
    size_t len;

    if (!ch_cur_ber_tag(c, tag) || !ch_cur_ber_len(c, &len))
        return false;
    ch_cur_init(value, ch_cur_peek_ptr(c), len);
    if (!ch_cur_skip(c, len))
        (void)ch_cur_skip(c, ch_cur_left(c));
    return true;
}
#endif

uint32_t ch_piv_get_data(ch_apdu_ctx *ctx, uint32_t tag, uint8_t *out, size_t cap, size_t *len)
{
    uint8_t list[5];
    ch_capdu c = {0x00, 0xCB, 0x3F, 0xFF, list, 0, 256};
    size_t n = 0;
    uint16_t sw = 0;
    uint32_t rc, t;
    ch_cur cur, v;

    *len = 0;
    c.data_len = tag_list(tag, list);
    rc = ch_apdu_transmit(ctx, &c, out, cap, &n, &sw);
    if (rc != SCARD_S_SUCCESS) {
        ch_wipe(out, n); /* a refusal may still carry data (kept by the exchange) */
        return rc;
    }
    /* Exactly one 53 TLV covering the answer: 9000 with no data is not an object. */
    ch_cur_init(&cur, out, n);
#ifdef CH_PLANTED_TLV
    if (!planted_tlv(&cur, &t, &v) || t != 0x53u || !ch_cur_empty(&cur)) {
#else
    if (!ch_cur_tlv(&cur, &t, &v) || t != 0x53u || !ch_cur_empty(&cur)) {
#endif
        ch_wipe(out, n);
        return SCARD_E_UNEXPECTED;
    }
    *len = ch_cur_left(&v);
    if (*len) /* an empty value's cursor has no pointer: memmove(out, NULL, 0) is undefined */
        memmove(out, ch_cur_peek_ptr(&v), *len);
    ch_wipe(out + *len, n - *len); /* no stale header or copy behind the content */
    return SCARD_S_SUCCESS;
}

uint32_t ch_piv_get_serial(ch_apdu_ctx *ctx, uint32_t *serial)
{
    uint8_t resp[8];
    ch_capdu c = {0x00, 0xF8, 0x00, 0x00, NULL, 0, 256};
    size_t n = 0;
    uint16_t sw = 0;
    uint32_t rc = ch_apdu_transmit(ctx, &c, resp, sizeof resp, &n, &sw);
    ch_cur cur;
    uint32_t v;

    if (rc == SCARD_E_INSUFFICIENT_BUFFER)
        return SCARD_E_UNEXPECTED; /* longer than any serial number */
    if (rc != SCARD_S_SUCCESS)
        return rc;
    ch_cur_init(&cur, resp, n);
    if (!ch_cur_u32be(&cur, &v) || !ch_cur_empty(&cur))
        return SCARD_E_UNEXPECTED;
    *serial = v;
    return SCARD_S_SUCCESS;
}

uint32_t ch_piv_chuid_uuid(const uint8_t *chuid, size_t len, uint8_t uuid[16])
{
    ch_cur c, v;
    uint32_t tag;
    uint8_t u[CH_PIV_UUID_LEN], any = 0;
    bool found = false;

    /* The CHUID is a flat list of TLVs (30 FASC-N, 34 GUID, 35 expiry, 3E signature, FE). */
    ch_cur_init(&c, chuid, len);
    while (!ch_cur_empty(&c)) {
        if (!ch_cur_tlv(&c, &tag, &v))
            return SCARD_E_UNEXPECTED;
        if (tag != 0x34u)
            continue;
        if (found || ch_cur_left(&v) != CH_PIV_UUID_LEN || !ch_cur_bytes(&v, u, sizeof u))
            return SCARD_E_UNEXPECTED;
        found = true;
    }
    if (!found)
        return SCARD_E_FILE_NOT_FOUND;
    for (size_t i = 0; i < sizeof u; i++)
        any |= u[i];
    if (!any) /* SP 800-73-4: an all-zero GUID means "no GUID assigned" */
        return SCARD_E_FILE_NOT_FOUND;
    memcpy(uuid, u, sizeof u);
    return SCARD_S_SUCCESS;
}
