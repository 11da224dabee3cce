#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "conf.h"
#include "md_context.h"

void conf_open_on(conf *c, vpiv_card *card, DWORD version)
{
    size_t atr_len;
    const uint8_t *atr = vpiv_atr(&atr_len);

    memset(c, 0, sizeof *c);
    c->card = card;
    ch_vpiv_link_init(&c->link, card);
    ch_host_alloc_reset();
    assert_true(ch_host_csp_init(&c->csp, version, version, atr, atr_len, 1,
                                 (uintptr_t)&c->link));
    c->cd = c->csp.cd;
    assert_int_equal(CardAcquireContext(c->cd, 0), SCARD_S_SUCCESS);
}

void conf_open(conf *c, DWORD version)
{
    vpiv_card *card = vpiv_new(NULL, NULL);
    assert_non_null(card);
    vpiv_set_deterministic(card, 1);
    vpiv_power(card, VPIV_POWER_ON);
    conf_open_on(c, card, version);
    c->own_card = true;
}

void conf_close(conf *c)
{
    assert_int_equal(c->cd->pfnCardDeleteContext(c->cd), SCARD_S_SUCCESS);
    assert_int_equal(ch_host_alloc_live(), 0);
    assert_int_equal(ch_host_alloc_errors(), 0);
    ch_host_csp_free(&c->csp);
    if (c->own_card)
        vpiv_free(c->card);
    memset(c, 0, sizeof *c);
}

unsigned long conf_apdus(const conf *c)
{
    ch_md_ctx *ctx = ch_md_ctx_of(c->cd);
    assert_non_null(ctx);
    return ctx->apdu.sent;
}

ch_host_cache *conf_take_cache(conf *c)
{
    ch_host_cache *cache = c->csp.cache;
    c->csp.cache = NULL;
    c->cd->pvCacheContext = NULL;
    return cache;
}

void conf_give_cache(conf *c, ch_host_cache *cache)
{
    ch_host_cache_free(c->csp.cache);
    c->csp.cache = cache;
    c->cd->pvCacheContext = cache;
}
