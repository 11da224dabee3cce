#include "apdu.h"

#include <string.h>

#include "scarderr.h"
#include "wipe.h"

#define CMD_MAX (4u + 1u + CH_APDU_CHAIN_BLOCK + 1u)

void ch_apdu_ctx_init(ch_apdu_ctx *ctx, ch_transport *tp)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->tp = tp;
    ctx->max_response = CH_APDU_DEFAULT_MAX_RESPONSE;
    ctx->max_rounds = CH_APDU_DEFAULT_MAX_ROUNDS;
}

/* One short command: header, optional Lc + data (n <= 255), optional Le (1..256). */
static size_t encode(uint8_t cmd[CMD_MAX], const uint8_t hdr[4], const uint8_t *data, size_t n,
                     uint16_t le)
{
    size_t len = 4;
    memcpy(cmd, hdr, 4);
    if (n) {
        cmd[len++] = (uint8_t)n;
        memcpy(cmd + len, data, n);
        len += n;
    }
    if (le)
        cmd[len++] = (uint8_t)(le & 0xFFu); /* 256 is encoded as 00 */
    return len;
}

/* ISO 7816-3: SW1 is 6X (but not 60, a procedure byte) or 9X. Anything else is not a status
 * word, so *sw == 0 can never be mistaken for a card's answer. */
int ch_apdu_sw1_valid(uint8_t sw1)
{
    return (sw1 >= 0x61 && sw1 <= 0x6F) || (sw1 >= 0x90 && sw1 <= 0x9F);
}

/* One transport round trip; the answer must at least hold a valid status word. */
static uint32_t exchange(ch_apdu_ctx *ctx, const uint8_t *cmd, size_t n,
                         uint8_t r[CH_TRANSPORT_MAX_RAPDU], size_t *rlen)
{
    uint32_t rc;
    ctx->sent++;
    rc = ch_transport_transmit(ctx->tp, cmd, n, r, CH_TRANSPORT_MAX_RAPDU, rlen);
    if (ctx->hook)
        ctx->hook(ctx->hook_ctx, cmd, n, rc ? NULL : r, rc ? 0 : *rlen, rc);
    if (rc != SCARD_S_SUCCESS)
        return rc;
    if (*rlen < 2 || *rlen > CH_TRANSPORT_MAX_RAPDU || !ch_apdu_sw1_valid(r[*rlen - 2]))
        return SCARD_E_COMM_DATA_LOST;
    return SCARD_S_SUCCESS;
}

uint32_t ch_apdu_transmit(ch_apdu_ctx *ctx, const ch_capdu *c, uint8_t *out, size_t out_cap,
                          size_t *out_len, uint16_t *sw)
{
    uint8_t cmd[CMD_MAX], r[CH_TRANSPORT_MAX_RAPDU], hdr[4];
    size_t cmdlen, rlen = 0, total = 0, off = 0, dlen;
    unsigned rounds = 0;
    int retried = 0, has_le;
    uint8_t sw1, sw2;
    uint32_t rc;

    *out_len = 0;
    *sw = 0;
    if (!c || (c->data_len && !c->data) || c->data_len > CH_APDU_MAX_DATA || c->le > 256 ||
        (out_cap && !out) || (c->cla & 0x10u))
        return SCARD_E_INVALID_PARAMETER;

    hdr[0] = (uint8_t)(c->cla | 0x10u);
    hdr[1] = c->ins;
    hdr[2] = c->p1;
    hdr[3] = c->p2;
    /* Command chaining: every full block but the last, each must be accepted with 9000. */
    while (c->data_len - off > CH_APDU_CHAIN_BLOCK) {
        cmdlen = encode(cmd, hdr, c->data + off, CH_APDU_CHAIN_BLOCK, 0);
        rc = exchange(ctx, cmd, cmdlen, r, &rlen);
        if (rc != SCARD_S_SUCCESS)
            goto fail;
        sw1 = r[rlen - 2];
        sw2 = r[rlen - 1];
        if (sw1 != 0x90 || sw2 != 0x00) {
            /* The card refused a block: report its status word, there is no data. */
            *sw = (uint16_t)(sw1 << 8 | sw2);
            rc = ch_sw_to_scard(*sw);
            goto done;
        }
        if (rlen != 2) { /* data in the answer to an intermediate block: not ISO 7816-4 */
            rc = SCARD_E_COMM_DATA_LOST;
            goto fail;
        }
        off += CH_APDU_CHAIN_BLOCK;
    }

    hdr[0] = c->cla;
    cmdlen = encode(cmd, hdr, c->data_len ? c->data + off : NULL, c->data_len - off, c->le);
    has_le = c->le != 0;
    for (;;) {
        rc = exchange(ctx, cmd, cmdlen, r, &rlen);
        if (rc != SCARD_S_SUCCESS)
            goto fail;
        dlen = rlen - 2;
        sw1 = r[dlen];
        sw2 = r[dlen + 1];

        if (sw1 == 0x6C) { /* wrong Le: the same command once more with Le = SW2 */
            if (retried || rounds >= ctx->max_rounds) {
                rc = SCARD_E_COMM_DATA_LOST;
                goto fail;
            }
            retried = 1;
            rounds++;
            if (has_le)
                cmd[cmdlen - 1] = sw2;
            else
                cmd[cmdlen++] = sw2; /* cmdlen < CMD_MAX: there was no Le byte before */
            has_le = 1;
            continue;
        }

        /* Bound the accumulation before copying: the card's length is never trusted. */
        if (dlen > ctx->max_response - total) {
            rc = SCARD_E_COMM_DATA_LOST;
            goto fail;
        }
#ifdef CH_PLANTED_GETRESP
        /* PLANTED BUG (cmake/planted.cmake, never in a normal build): each answer is bounded
         * by out_cap alone, forgetting what earlier rounds accumulated. */
        if (dlen > out_cap) {
#else
        if (dlen > out_cap - total) {
#endif
            rc = SCARD_E_INSUFFICIENT_BUFFER;
            goto fail;
        }
        if (dlen)
            memcpy(out + total, r, dlen);
        total += dlen;

        if (sw1 == 0x61) { /* more data waiting: GET RESPONSE with Le = SW2 (00 = 256) */
            static const uint8_t get_response[4] = {0x00, 0xC0, 0x00, 0x00};
            uint8_t gr[4];
            if (rounds >= ctx->max_rounds) {
                rc = SCARD_E_COMM_DATA_LOST;
                goto fail;
            }
            rounds++;
            memcpy(gr, get_response, 4);
            gr[0] = (uint8_t)(c->cla & 0x03u); /* same logical channel */
            cmdlen = encode(cmd, gr, NULL, 0, sw2 ? sw2 : 256);
            has_le = 1;
            retried = 0;
            continue;
        }

        *sw = (uint16_t)(sw1 << 8 | sw2);
        *out_len = total;
        rc = ch_sw_to_scard(*sw);
        goto done;
    }

fail:
    /* Only a short caller buffer leaves the exchange in step with the card. */
    if (rc != SCARD_E_INSUFFICIENT_BUFFER)
        ctx->desync = true;
    ch_wipe(out, total);
    *out_len = 0;
    *sw = 0;
done:
    /* The command may carry a PIN and the answer a decrypted secret. */
    ch_wipe(cmd, sizeof cmd);
    ch_wipe(r, sizeof r);
    return rc;
}
