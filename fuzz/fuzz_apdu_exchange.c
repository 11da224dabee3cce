/* fuzz_apdu_exchange: the single transmit function (chaining, 61xx/GET RESPONSE, 6Cxx,
 * bounds) against scripted card answers. Beyond crashes it checks, exchange by exchange,
 * against a small independent model of ISO 7816-4 short-APDU rules:
 *  - every command block sent is well formed and carries exactly the caller's data;
 *  - GET RESPONSE / 6Cxx re-sends ask for what the card announced, within the round bound;
 *  - the result code, SW and the collected data are what the card's answers imply;
 *  - nothing is written past out_cap and a failure hands back no data.
 * Input layout: fuzz/finding.h, docs/fuzzing.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apdu.h"
#include "finding.h"
#include "fuzz_check.h"
#include "scarderr.h"
#include "script.h"
#include "trace.h"

typedef struct {
    uint8_t cmd[CH_APDU_CHAIN_BLOCK + 6];
    size_t cmd_len;
    uint8_t ans[CH_TRANSPORT_MAX_RAPDU];
    size_t ans_len;
    uint32_t rc;
} xchg;

typedef struct {
    xchg *x;
    size_t n, cap;
} transcript;

static void hook(void *ctx, const uint8_t *capdu, size_t capdu_len, const uint8_t *rapdu,
                 size_t rapdu_len, uint32_t rc)
{
    transcript *t = ctx;
    xchg *e;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->x = realloc(t->x, t->cap * sizeof *t->x);
        CH_CHECK(t->x != NULL, "out of memory");
    }
    e = &t->x[t->n++];
    CH_CHECK(capdu_len <= sizeof e->cmd, "C-APDU of %zu bytes is not a short APDU", capdu_len);
    CH_CHECK(rapdu_len <= sizeof e->ans, "R-APDU of %zu bytes", rapdu_len);
    memcpy(e->cmd, capdu, capdu_len);
    e->cmd_len = capdu_len;
    if (rapdu_len)
        memcpy(e->ans, rapdu, rapdu_len);
    e->ans_len = rapdu_len;
    e->rc = rc;
}

static size_t build(uint8_t *cmd, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                    const uint8_t *data, size_t n, unsigned le)
{
    size_t len = 4;
    cmd[0] = cla, cmd[1] = ins, cmd[2] = p1, cmd[3] = p2;
    if (n) {
        cmd[len++] = (uint8_t)n;
        memcpy(cmd + len, data, n);
        len += n;
    }
    if (le)
        cmd[len++] = (uint8_t)(le & 0xFF);
    return len;
}

/* The model's verdict after walking the transcript. */
typedef struct {
    uint32_t rc;
    uint16_t sw;
    uint8_t *acc;
    size_t acc_len;
    size_t used; /* exchanges the model consumed: must be all of them */
} verdict;

static void expect_cmd(const xchg *e, const uint8_t *cmd, size_t len, size_t i)
{
    CH_CHECK(e->cmd_len == len && memcmp(e->cmd, cmd, len) == 0,
             "exchange %zu: sent a different command than the model", i);
}

static void model(const ch_finding_exchange *f, const ch_apdu_ctx *ctx, const transcript *t,
                  size_t out_cap, verdict *v)
{
    uint8_t cmd[CH_APDU_CHAIN_BLOCK + 6];
    size_t cmd_len, off = 0, i = 0;
    unsigned rounds = 0;
    int retried = 0, has_le = f->le != 0;

    memset(v, 0, sizeof *v);
    v->acc = malloc(ctx->max_response + 1);
    CH_CHECK(v->acc != NULL, "out of memory");
#define NEXT(e)                                                                              \
    do {                                                                                     \
        CH_CHECK(i < t->n, "transmit stopped early at exchange %zu", i);                     \
        (e) = &t->x[i++];                                                                    \
        if ((e)->rc) {                                                                       \
            v->rc = (e)->rc;                                                                 \
            goto end;                                                                        \
        }                                                                                    \
        if ((e)->ans_len < 2 || !ch_apdu_sw1_valid((e)->ans[(e)->ans_len - 2])) {            \
            v->rc = SCARD_E_COMM_DATA_LOST;                                                  \
            goto end;                                                                        \
        }                                                                                    \
    } while (0)
    const xchg *e;
    while (f->data_got - off > CH_APDU_CHAIN_BLOCK) {
        cmd_len = build(cmd, (uint8_t)(f->cla | 0x10), f->ins, f->p1, f->p2, f->data + off,
                        CH_APDU_CHAIN_BLOCK, 0);
        NEXT(e);
        expect_cmd(e, cmd, cmd_len, i - 1);
        uint16_t sw = (uint16_t)(e->ans[e->ans_len - 2] << 8 | e->ans[e->ans_len - 1]);
        if (sw != 0x9000) {
            v->sw = sw;
            v->rc = ch_sw_to_scard(sw);
            goto end;
        }
        if (e->ans_len != 2) {
            v->rc = SCARD_E_COMM_DATA_LOST;
            goto end;
        }
        off += CH_APDU_CHAIN_BLOCK;
    }
    cmd_len = build(cmd, f->cla, f->ins, f->p1, f->p2, f->data_got ? f->data + off : NULL,
                    f->data_got - off, f->le);
    for (;;) {
        NEXT(e);
        expect_cmd(e, cmd, cmd_len, i - 1);
        size_t dlen = e->ans_len - 2;
        uint8_t sw1 = e->ans[dlen], sw2 = e->ans[dlen + 1];
        if (sw1 == 0x6C) {
            if (retried || rounds >= ctx->max_rounds) {
                v->rc = SCARD_E_COMM_DATA_LOST;
                goto end;
            }
            retried = 1, rounds++;
            if (has_le)
                cmd[cmd_len - 1] = sw2;
            else
                cmd[cmd_len++] = sw2;
            has_le = 1;
            continue;
        }
        if (v->acc_len + dlen > ctx->max_response) {
            v->rc = SCARD_E_COMM_DATA_LOST;
            goto end;
        }
        if (v->acc_len + dlen > out_cap) {
            v->rc = SCARD_E_INSUFFICIENT_BUFFER;
            goto end;
        }
        memcpy(v->acc + v->acc_len, e->ans, dlen);
        v->acc_len += dlen;
        if (sw1 == 0x61) {
            if (rounds >= ctx->max_rounds) {
                v->rc = SCARD_E_COMM_DATA_LOST;
                goto end;
            }
            rounds++, retried = 0, has_le = 1;
            cmd_len = build(cmd, (uint8_t)(f->cla & 3), 0xC0, 0, 0, NULL, 0, sw2 ? sw2 : 256);
            continue;
        }
        v->sw = (uint16_t)(sw1 << 8 | sw2);
        v->rc = ch_sw_to_scard(v->sw);
        goto end;
    }
end:
    v->used = i;
#undef NEXT
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    ch_finding_exchange f;
    ch_script script;
    ch_transport tp;
    ch_apdu_ctx ctx;
    transcript t = {0};
    verdict v;
    uint8_t *out;
    size_t out_len = 0xDEAD;
    uint16_t sw = 0xDEAD;
    uint32_t rc;
    ch_capdu c;

    ch_finding_exchange_decode(data, size, &f);
    ch_script_init(&script, ch_cur_peek_ptr(&f.script), ch_cur_left(&f.script));
    script.fail_at = f.fail_at;
    script.fail_code = ch_script_event_error(f.fail_code);
    script.observe = ch_trace_on() ? ch_trace_observe : NULL;
    CH_CHECK(ch_transport_open(&tp, 1, (uintptr_t)&script) == SCARD_S_SUCCESS, "open");
    ch_apdu_ctx_init(&ctx, &tp);
    if (f.max_rounds)
        ctx.max_rounds = f.max_rounds;
    if (f.max_response)
        ctx.max_response = f.max_response;
    ctx.hook = hook;
    ctx.hook_ctx = &t;

    out = malloc(f.out_cap ? f.out_cap : 1); /* exactly out_cap: ASan sees any overflow */
    CH_CHECK(out != NULL, "out of memory");
    c = (ch_capdu){f.cla, f.ins, f.p1, f.p2, f.data, f.data_got, f.le};
    rc = ch_apdu_transmit(&ctx, &c, f.out_cap ? out : NULL, f.out_cap, &out_len, &sw);
    if (ch_trace_on()) {
        char d[160];
        snprintf(d, sizeof d, "%02X %02X %02X %02X Lc=%u (%zu in the input) Le=%u out_cap=%u "
                 "-> %zu bytes, SW %04X", f.cla, f.ins, f.p1, f.p2, f.data_len, f.data_got,
                 f.le, f.out_cap, out_len, sw);
        ch_trace_call("ch_apdu_transmit", d, rc);
    }

    CH_CHECK(ctx.sent == t.n && script.exchanges == t.n, "exchange count mismatch");
    if ((f.cla & 0x10) || f.le > 256) {
        CH_CHECK(rc == SCARD_E_INVALID_PARAMETER && t.n == 0, "bad command not refused");
    } else {
        model(&f, &ctx, &t, f.out_cap, &v);
        CH_CHECK(v.used == t.n, "%zu exchanges after the model's last one", t.n - v.used);
        CH_CHECK(rc == v.rc, "rc 0x%08X, model 0x%08X", rc, v.rc);
        CH_CHECK(sw == v.sw, "sw %04X, model %04X", sw, v.sw);
        if (v.sw) { /* the exchange completed: the data is the card's */
            CH_CHECK(out_len == v.acc_len && (!out_len || !memcmp(out, v.acc, out_len)),
                     "collected %zu bytes, model %zu", out_len, v.acc_len);
        } else {
            CH_CHECK(out_len == 0, "failure returned %zu bytes", out_len);
            for (size_t j = 0; j < v.acc_len && j < f.out_cap; j++)
                CH_CHECK(out[j] == 0, "partial answer not wiped at byte %zu", j);
        }
        free(v.acc);
    }

    free(out);
    free(t.x);
    ch_script_free(&script);
    return 0;
}
