#include "script.h"

#include <stdlib.h>
#include <string.h>

#include "scarderr.h"
#include "transport.h"

void ch_script_init(ch_script *s, const uint8_t *script, size_t len)
{
    memset(s, 0, sizeof *s);
    ch_cur_init(&s->answers, script, len);
}

void ch_script_free(ch_script *s)
{
    free(s->log);
    memset(s, 0, sizeof *s);
}

uint32_t ch_script_event_error(uint8_t code)
{
    static const uint32_t events[] = {SCARD_E_COMM_DATA_LOST, SCARD_W_RESET_CARD,
                                      SCARD_W_REMOVED_CARD};
    return events[code % (sizeof events / sizeof events[0])];
}

static void record(ch_script *s, const uint8_t *capdu, size_t n)
{
    size_t need = 2 + n;
    if (n > 0xFFFFu || s->log_truncated || need > CH_SCRIPT_MAX_LOG - s->log_len) {
        s->log_truncated = true;
        return;
    }
    if (need > s->log_cap - s->log_len) {
        size_t cap = s->log_cap ? s->log_cap : 1024;
        uint8_t *p;
        while (cap - s->log_len < need)
            cap *= 2;
        p = realloc(s->log, cap);
        if (!p) {
            s->log_truncated = true;
            return;
        }
        s->log = p;
        s->log_cap = cap;
    }
    s->log[s->log_len] = (uint8_t)(n >> 8);
    s->log[s->log_len + 1] = (uint8_t)n;
    memcpy(s->log + s->log_len + 2, capdu, n);
    s->log_len += need;
}

bool ch_script_sent(const ch_script *s, unsigned i, ch_cur *out)
{
    ch_cur c;
    uint16_t n;
    ch_cur_init(&c, s->log, s->log_len);
    for (;;) {
        if (!ch_cur_u16be(&c, &n) || !ch_cur_sub(&c, n, out))
            return false;
        if (i == 0)
            return true;
        i--;
    }
}

uint32_t ch_transport_open(ch_transport *tp, uintptr_t hctx, uintptr_t hcard)
{
    memset(tp, 0, sizeof *tp);
    if (!hcard)
        return SCARD_E_INVALID_HANDLE;
    tp->hctx = hctx;
    tp->hcard = hcard;
    /* The ABI's SCARDHANDLE is an integer; this double's caller put its script there.
     * NOLINTNEXTLINE(performance-no-int-to-ptr) */
    tp->impl = (void *)hcard;
    return SCARD_S_SUCCESS;
}

static uint32_t answer(ch_script *s, uint8_t *rapdu, size_t cap, size_t *rapdu_len)
{
    uint16_t len;
    const uint8_t *ans;

    if (s->fail_at && s->exchanges == s->fail_at)
        return s->fail_code;
    if (!ch_cur_u16be(&s->answers, &len))
        return SCARD_W_REMOVED_CARD;
    if (len >= CH_SCRIPT_EVENT_BASE)
        return ch_script_event_error((uint8_t)(len & 0xFFu));
    if (len > ch_cur_left(&s->answers))
        len = (uint16_t)ch_cur_left(&s->answers);
    (void)ch_cur_take(&s->answers, len, &ans); /* cannot fail: len <= left */
    if (len > cap) /* what SCardTransmit does with a short receive buffer */
        return SCARD_E_INSUFFICIENT_BUFFER;
    if (len)
        memcpy(rapdu, ans, len);
    *rapdu_len = len;
    return SCARD_S_SUCCESS;
}

uint32_t ch_transport_transmit(ch_transport *tp, const uint8_t *capdu, size_t capdu_len,
                               uint8_t *rapdu, size_t cap, size_t *rapdu_len)
{
    ch_script *s = tp->impl;
    uint32_t rc;

    *rapdu_len = 0;
    s->exchanges++;
    record(s, capdu, capdu_len);
    rc = answer(s, rapdu, cap, rapdu_len);
    if (s->observe)
        s->observe(s->observe_arg, capdu, capdu_len, rapdu, *rapdu_len, rc);
    return rc;
}

void ch_transport_close(ch_transport *tp) { memset(tp, 0, sizeof *tp); }
