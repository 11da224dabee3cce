/* OpenSSL's randomness as a counter, for the fuzz targets and tools that drive a vpiv card
 * through libcrypto (counter_rand.h). A provider with one RAND, "counter", a SplitMix64
 * stream; every DRBG (primary, public, private) becomes one once installed. */
#include <limits.h>
#include <stdlib.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "counter_rand.h"

static uint64_t counter_state;

#if defined(__clang__)
__attribute__((no_sanitize("unsigned-integer-overflow")))
#endif
static uint8_t counter_byte(void)
{
    uint64_t z = (counter_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint8_t)(z ^ (z >> 31));
}

static void *fr_newctx(void *provctx, void *parent, const OSSL_DISPATCH *parent_dispatch)
{
    int *st = malloc(sizeof *st);
    (void)provctx, (void)parent, (void)parent_dispatch;
    if (st)
        *st = EVP_RAND_STATE_UNINITIALISED;
    return st;
}

static void fr_freectx(void *vrng) { free(vrng); }

static int fr_instantiate(void *vrng, unsigned int strength, int prediction_resistance,
                          const unsigned char *pstr, size_t pstr_len, const OSSL_PARAM params[])
{
    (void)strength, (void)prediction_resistance, (void)pstr, (void)pstr_len, (void)params;
    *(int *)vrng = EVP_RAND_STATE_READY;
    return 1;
}

static int fr_uninstantiate(void *vrng)
{
    *(int *)vrng = EVP_RAND_STATE_UNINITIALISED;
    return 1;
}

static int fr_generate(void *vrng, unsigned char *out, size_t outlen, unsigned int strength,
                       int prediction_resistance, const unsigned char *adin, size_t adinlen)
{
    (void)vrng, (void)strength, (void)prediction_resistance, (void)adin, (void)adinlen;
    for (size_t i = 0; i < outlen; i++)
        out[i] = counter_byte();
    return 1;
}

static int fr_reseed(void *vrng, int prediction_resistance, const unsigned char *ent,
                     size_t ent_len, const unsigned char *adin, size_t adin_len)
{
    (void)vrng, (void)prediction_resistance, (void)ent, (void)ent_len, (void)adin;
    (void)adin_len;
    return 1;
}

static int fr_enable_locking(void *vrng)
{
    (void)vrng;
    return 1;
}

static int fr_get_ctx_params(void *vrng, OSSL_PARAM params[])
{
    OSSL_PARAM *p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STATE);
    if (p && !OSSL_PARAM_set_int(p, *(int *)vrng))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STRENGTH);
    if (p && !OSSL_PARAM_set_int(p, 500))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_MAX_REQUEST);
    if (p && !OSSL_PARAM_set_size_t(p, INT_MAX))
        return 0;
    return 1;
}

static const OSSL_PARAM *fr_gettable_ctx_params(void *vrng, void *provctx)
{
    static const OSSL_PARAM known[] = {
        OSSL_PARAM_int(OSSL_RAND_PARAM_STATE, NULL),
        OSSL_PARAM_uint(OSSL_RAND_PARAM_STRENGTH, NULL),
        OSSL_PARAM_size_t(OSSL_RAND_PARAM_MAX_REQUEST, NULL),
        OSSL_PARAM_END,
    };
    (void)vrng, (void)provctx;
    return known;
}

typedef void (*fr_fn)(void);
static const OSSL_DISPATCH fr_functions[] = {
    {OSSL_FUNC_RAND_NEWCTX, (fr_fn)fr_newctx},
    {OSSL_FUNC_RAND_FREECTX, (fr_fn)fr_freectx},
    {OSSL_FUNC_RAND_INSTANTIATE, (fr_fn)fr_instantiate},
    {OSSL_FUNC_RAND_UNINSTANTIATE, (fr_fn)fr_uninstantiate},
    {OSSL_FUNC_RAND_GENERATE, (fr_fn)fr_generate},
    {OSSL_FUNC_RAND_RESEED, (fr_fn)fr_reseed},
    {OSSL_FUNC_RAND_ENABLE_LOCKING, (fr_fn)fr_enable_locking},
    {OSSL_FUNC_RAND_GETTABLE_CTX_PARAMS, (fr_fn)fr_gettable_ctx_params},
    {OSSL_FUNC_RAND_GET_CTX_PARAMS, (fr_fn)fr_get_ctx_params},
    {0, NULL},
};

static const OSSL_ALGORITHM fr_algorithms[] = {
    {"counter", "provider=ch-counter-rand", fr_functions, NULL},
    {NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM *fr_query(void *provctx, int operation_id, int *no_cache)
{
    (void)provctx;
    *no_cache = 0;
    return operation_id == OSSL_OP_RAND ? fr_algorithms : NULL;
}

static void fr_teardown(void *provctx) { (void)provctx; }

static const OSSL_DISPATCH fr_provider[] = {
    {OSSL_FUNC_PROVIDER_TEARDOWN, (fr_fn)fr_teardown},
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, (fr_fn)fr_query},
    {0, NULL},
};

static int fr_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                   const OSSL_DISPATCH **out, void **provctx)
{
    (void)handle, (void)in;
    *out = fr_provider;
    *provctx = (void *)fr_provider; /* no state of its own */
    return 1;
}

int ch_counter_rand_install(void)
{
    static OSSL_PROVIDER *prov;
    /* Before anything instantiates a DRBG. */
    if (prov)
        return 1;
    if (!OSSL_PROVIDER_add_builtin(NULL, "ch-counter-rand", fr_init) ||
        !RAND_set_DRBG_type(NULL, "counter", NULL, NULL, NULL) ||
        (prov = OSSL_PROVIDER_try_load(NULL, "ch-counter-rand", 1)) == NULL)
        return 0;
    return 1;
}

void ch_counter_rand_seed(uint64_t seed)
{
    counter_state = seed;
}
