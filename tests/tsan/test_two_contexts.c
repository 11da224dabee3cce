/* Two CSP sessions at once: two threads, each with its own in-process vpiv card and its own
 * card module context on it, run the same session many times (CardAcquireContext, file reads,
 * admin and PIN logon, key import or generation, container info, signing, CardDeleteContext).
 *
 * The Base CSP calls a card module from many threads, one context per card; the module must
 * keep no state outside CARD_DATA for that to be safe. Under the tsan preset ThreadSanitizer
 * reports any memory the two sessions share without synchronisation (TSAN_OPTIONS
 * halt_on_error=1 makes that a failure); under every preset each thread checks its own results
 * against its own card and keys, so crossed state shows up as a wrong answer too.
 *
 * Plain C with pthreads, not cmocka: cmocka's assertions longjmp through one global state.
 * Usage: tsan_two_contexts [iterations per thread] (default 40). */
#define _POSIX_C_SOURCE 200809L /* pthread_barrier_* under -std=c11 */

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "cardmod.h"
#include "host.h"
#include "vpiv.h"
#include "vpiv_internal.h" /* the card's serial */
#include "vpiv_link.h"

#define N_THREADS 2
#define PIN "123456"
#define FIELD 32u /* P-256 */

/* The card's default 3DES management key (vpiv.h). */
static const uint8_t default_mgm[24] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4,
                                        5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8};

typedef struct session {
    unsigned id;
    unsigned iterations;
    pthread_barrier_t *start;
    vpiv_card *card;
    EVP_PKEY *host_key[2];    /* imported alternately into container 0 */
    uint8_t cardid[16];       /* what the first iteration read: every later one must agree */
    bool have_cardid;
    unsigned imports, generations, signatures; /* what this thread did (checked at the end) */
    unsigned failures;
} session;

static void fail(session *s, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(session *s, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "thread %u, line %d: ", s->id, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    s->failures++;
}

/* Fails the iteration (returns false from the enclosing function) with the line. */
#define CHECK(s, cond)                                                                        \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fail((s), __LINE__, "%s", #cond);                                                 \
            return false;                                                                     \
        }                                                                                     \
    } while (0)
#define CHECK_RC(s, call)                                                                     \
    do {                                                                                      \
        DWORD rc_ = (call);                                                                   \
        if (rc_ != SCARD_S_SUCCESS) {                                                         \
            fail((s), __LINE__, "%s = 0x%08x", #call, (unsigned)rc_);                         \
            return false;                                                                     \
        }                                                                                     \
    } while (0)

static void put32le(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* BCRYPT_ECCKEY_BLOB of a P-256 key: magic, cbKey, X, Y and, for a private magic, d. */
static size_t ecc_blob(const EVP_PKEY *k, bool private, uint8_t out[8 + 3 * FIELD])
{
    uint8_t pt[1 + 2 * FIELD];
    size_t n = 0;

    if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &n) != 1 ||
        n != sizeof pt || pt[0] != 0x04)
        return 0;
    put32le(out, private ? BCRYPT_ECDSA_PRIVATE_P256_MAGIC : BCRYPT_ECDSA_PUBLIC_P256_MAGIC);
    put32le(out + 4, FIELD);
    memcpy(out + 8, pt + 1, 2 * FIELD);
    if (!private)
        return 8 + 2 * FIELD;
    BIGNUM *d = NULL;
    if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1)
        return 0;
    int ok = BN_bn2binpad(d, out + 8 + 2 * FIELD, (int)FIELD) == (int)FIELD;
    BN_clear_free(d);
    return ok ? 8 + 3 * FIELD : 0;
}

/* A P-256 public key from a BCRYPT_ECDSA_PUBLIC_P256 blob (for a generated key). */
static EVP_PKEY *pkey_from_blob(const uint8_t *blob, size_t len)
{
    uint8_t pt[1 + 2 * FIELD];
    OSSL_PARAM params[3];
    EVP_PKEY_CTX *x;
    EVP_PKEY *k = NULL;

    if (len != 8 + 2 * FIELD)
        return NULL;
    pt[0] = 0x04;
    memcpy(pt + 1, blob + 8, 2 * FIELD);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"P-256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt);
    params[2] = OSSL_PARAM_construct_end();
    x = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (x && EVP_PKEY_fromdata_init(x) == 1)
        (void)EVP_PKEY_fromdata(x, &k, EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(x);
    return k;
}

/* ECDSA verification of r || s (big-endian, FIELD bytes each) over a SHA-256 hash. */
static bool ecdsa_ok(EVP_PKEY *pub, const uint8_t hash[32], const uint8_t *rs, size_t rs_len)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(rs, (int)FIELD, NULL), *sv = BN_bin2bn(rs + FIELD, (int)FIELD, NULL);
    unsigned char *der = NULL;
    EVP_PKEY_CTX *x = EVP_PKEY_CTX_new(pub, NULL);
    bool ok = false;

    if (rs_len == 2 * FIELD && sig && r && sv && ECDSA_SIG_set0(sig, r, sv) == 1) {
        r = sv = NULL; /* owned by sig now */
        int der_len = i2d_ECDSA_SIG(sig, &der);
        ok = der_len > 0 && x && EVP_PKEY_verify_init(x) == 1 &&
             EVP_PKEY_verify(x, der, (size_t)der_len, hash, 32) == 1;
    }
    OPENSSL_free(der);
    EVP_PKEY_CTX_free(x);
    BN_free(r);
    BN_free(sv);
    ECDSA_SIG_free(sig);
    return ok;
}

/* ROLE_ADMIN: the card's challenge encrypted with the default 3DES management key. */
static bool admin(session *s, PCARD_DATA cd)
{
    PBYTE challenge = NULL;
    DWORD n = 0;
    uint8_t resp[16];
    int len = 0, fin = 0;
    EVP_CIPHER_CTX *x;
    bool ok;

    CHECK_RC(s, cd->pfnCardGetChallenge(cd, &challenge, &n));
    if (n != 8) {
        cd->pfnCspFree(challenge);
        CHECK(s, n == 8);
    }
    x = EVP_CIPHER_CTX_new();
    ok = x && EVP_EncryptInit_ex(x, EVP_des_ede3_ecb(), NULL, default_mgm, NULL) == 1 &&
         EVP_CIPHER_CTX_set_padding(x, 0) == 1 &&
         EVP_EncryptUpdate(x, resp, &len, challenge, 8) == 1 &&
         EVP_EncryptFinal_ex(x, resp + len, &fin) == 1 && len + fin == 8;
    EVP_CIPHER_CTX_free(x);
    cd->pfnCspFree(challenge);
    CHECK(s, ok);
    CHECK_RC(s, cd->pfnCardAuthenticateChallenge(cd, resp, 8, NULL));
    return true;
}

/* CardReadFile of dir/file; returns the data (freed with pfnCspFree) or NULL. */
static PBYTE read_file(session *s, PCARD_DATA cd, const char *dir, const char *file, DWORD *len)
{
    PBYTE data = NULL;
    DWORD rc = cd->pfnCardReadFile(cd, (LPSTR)dir, (LPSTR)file, 0, &data, len);
    if (rc != SCARD_S_SUCCESS || !data) {
        fail(s, __LINE__, "CardReadFile(%s/%s) = 0x%08x", dir ? dir : "", file, (unsigned)rc);
        return NULL;
    }
    return data;
}

static bool check_files(session *s, PCARD_DATA cd)
{
    DWORD len = 0;
    PBYTE id = read_file(s, cd, NULL, "cardid", &len);
    bool same;

    CHECK(s, id != NULL);
    if (len != sizeof s->cardid) {
        cd->pfnCspFree(id);
        CHECK(s, len == sizeof s->cardid);
    }
    if (!s->have_cardid) {
        memcpy(s->cardid, id, sizeof s->cardid);
        s->have_cardid = true;
    }
    same = memcmp(s->cardid, id, sizeof s->cardid) == 0;
    cd->pfnCspFree(id);
    CHECK(s, same); /* this card's identity, never the other thread's */

    PBYTE cf = read_file(s, cd, NULL, "cardcf", &len);
    CHECK(s, cf != NULL);
    cd->pfnCspFree(cf);
    CHECK(s, len >= 6);
    PBYTE cmap = read_file(s, cd, "mscp", "cmapfile", &len);
    CHECK(s, cmap != NULL);
    cd->pfnCspFree(cmap);
    return true;
}

/* Container idx must hold a P-256 signature key; *out gets it (the caller frees it) and, when
 * want is given, it must be exactly want's public key. */
static bool container_key(session *s, PCARD_DATA cd, BYTE idx, EVP_PKEY *want, EVP_PKEY **out)
{
    CONTAINER_INFO ci;
    uint8_t blob[8 + 3 * FIELD];
    bool ok;

    memset(&ci, 0, sizeof ci);
    ci.dwVersion = CONTAINER_INFO_CURRENT_VERSION;
    CHECK_RC(s, cd->pfnCardGetContainerInfo(cd, idx, 0, &ci));
    ok = ci.pbKeyExPublicKey == NULL && ci.pbSigPublicKey != NULL;
    if (ok && want)
        ok = ci.cbSigPublicKey == ecc_blob(want, false, blob) &&
             memcmp(ci.pbSigPublicKey, blob, ci.cbSigPublicKey) == 0;
    if (ok && out)
        ok = (*out = pkey_from_blob(ci.pbSigPublicKey, ci.cbSigPublicKey)) != NULL;
    cd->pfnCspFree(ci.pbSigPublicKey);
    cd->pfnCspFree(ci.pbKeyExPublicKey);
    CHECK(s, ok);
    return true;
}

static bool import_key(session *s, PCARD_DATA cd, BYTE idx, EVP_PKEY *k)
{
    uint8_t blob[8 + 3 * FIELD];
    size_t n = ecc_blob(k, true, blob);
    DWORD rc;

    CHECK(s, n == sizeof blob);
    rc = cd->pfnCardCreateContainerEx(cd, idx, CARD_CREATE_CONTAINER_KEY_IMPORT, AT_ECDSA_P256,
                                      0, blob, ROLE_USER);
    OPENSSL_cleanse(blob, sizeof blob);
    CHECK_RC(s, rc);
    s->imports++;
    return true;
}

/* CardSignData with container idx over SHA-256 of a message naming the thread and the
 * iteration; the signature must verify with pub. */
static bool sign_verify(session *s, PCARD_DATA cd, BYTE idx, EVP_PKEY *pub, unsigned it)
{
    char msg[64];
    uint8_t hash[32];
    unsigned hash_len = 0;
    CARD_SIGNING_INFO si;
    bool ok;

    snprintf(msg, sizeof msg, "thread %u iteration %u container %u", s->id, it, idx);
    CHECK(s, EVP_Digest(msg, strlen(msg), hash, &hash_len, EVP_sha256(), NULL) == 1);
    memset(&si, 0, sizeof si);
    si.dwVersion = CARD_SIGNING_INFO_CURRENT_VERSION;
    si.bContainerIndex = idx;
    si.dwKeySpec = AT_ECDSA_P256;
    si.aiHashAlg = CALG_SHA_256;
    si.pbData = hash;
    si.cbData = sizeof hash;
    CHECK_RC(s, cd->pfnCardSignData(cd, &si));
    ok = si.pbSignedData && ecdsa_ok(pub, hash, si.pbSignedData, si.cbSignedData);
    cd->pfnCspFree(si.pbSignedData);
    CHECK(s, ok);
    s->signatures++;
    return true;
}

/* The session proper, on an acquired context. */
static bool session_body(session *s, PCARD_DATA cd, unsigned it)
{
    EVP_PKEY *k = s->host_key[it % 2], *gen = NULL;
    bool ok;

    if (!check_files(s, cd) || !admin(s, cd))
        return false;
    /* Container 0: the host keys in turn, so a stale or crossed answer shows. */
    if (!import_key(s, cd, 0, k) || !container_key(s, cd, 0, k, NULL))
        return false;
    if (it % 4 == 1) {
        /* Container 1: a key the card generates (deterministic per card, not per thread). */
        CHECK_RC(s, cd->pfnCardCreateContainerEx(cd, 1, CARD_CREATE_CONTAINER_KEY_GEN,
                                                 AT_ECDSA_P256, 0, NULL, ROLE_USER));
        s->generations++;
    }
    CHECK_RC(s, cd->pfnCardAuthenticateEx(cd, ROLE_USER, 0, (PBYTE)PIN, (DWORD)strlen(PIN),
                                          NULL, NULL, NULL));
    if (!sign_verify(s, cd, 0, k, it))
        return false;
    if (it >= 1) { /* container 1 exists from iteration 1 on */
        if (!container_key(s, cd, 1, NULL, &gen))
            return false;
        ok = sign_verify(s, cd, 1, gen, it);
        EVP_PKEY_free(gen);
        if (!ok)
            return false;
    }
    return check_files(s, cd);
}

/* One iteration: a fresh CSP structure and context on this thread's card. */
static bool iteration(session *s, unsigned it)
{
    ch_vpiv_link link;
    ch_host_csp csp;
    size_t atr_len;
    const uint8_t *atr = vpiv_atr(&atr_len);
    bool ok;

    ch_vpiv_link_init(&link, s->card);
    ch_host_alloc_reset(); /* this thread's counters only (_Thread_local) */
    CHECK(s, ch_host_csp_init(&csp, 7, 7, atr, atr_len, 1, (uintptr_t)&link));
    DWORD rc = CardAcquireContext(csp.cd, 0);
    if (rc != SCARD_S_SUCCESS) {
        ch_host_csp_free(&csp);
        fail(s, __LINE__, "CardAcquireContext = 0x%08x", (unsigned)rc);
        return false;
    }
    ok = session_body(s, csp.cd, it);
    rc = csp.cd->pfnCardDeleteContext(csp.cd);
    if (rc != SCARD_S_SUCCESS) {
        fail(s, __LINE__, "CardDeleteContext = 0x%08x", (unsigned)rc);
        ok = false;
    }
    if (ch_host_alloc_live() != 0 || ch_host_alloc_errors() != 0) {
        fail(s, __LINE__, "%zu allocations live, %lu bad frees after CardDeleteContext",
             ch_host_alloc_live(), ch_host_alloc_errors());
        ok = false;
    }
    ch_host_csp_free(&csp);
    ch_host_alloc_reset();
    return ok;
}

static void *run(void *arg)
{
    session *s = arg;

    /* Both threads start their sessions together, so the two run truly side by side. */
    int b = pthread_barrier_wait(s->start);
    if (b != 0 && b != PTHREAD_BARRIER_SERIAL_THREAD) {
        fail(s, __LINE__, "pthread_barrier_wait = %d", b);
        return NULL;
    }
    for (unsigned it = 0; it < s->iterations; it++)
        if (!iteration(s, it))
            break; /* the failure is recorded; later iterations would only repeat it */
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned iterations = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 40;
    pthread_barrier_t start;
    pthread_t tid[N_THREADS];
    session ss[N_THREADS];
    int status = 0;

    if (iterations < 2) {
        fprintf(stderr, "usage: %s [iterations >= 2]\n", argv[0]);
        return 2;
    }
    if (pthread_barrier_init(&start, NULL, N_THREADS) != 0)
        return 1;
    memset(ss, 0, sizeof ss);
    for (unsigned i = 0; i < N_THREADS; i++) {
        session *s = &ss[i];
        s->id = i;
        s->iterations = iterations;
        s->start = &start;
        s->card = vpiv_new(NULL, NULL);
        s->host_key[0] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        s->host_key[1] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        if (!s->card || !s->host_key[0] || !s->host_key[1]) {
            fprintf(stderr, "setup of thread %u failed\n", i);
            return 1;
        }
        /* Two different cards: other keys (seed) and another identity (the serial, from
         * which the module derives the cardid of a card without CHUID). */
        vpiv_set_deterministic(s->card, 1 + i);
        s->card->serial = 10000000u + i;
        vpiv_power(s->card, VPIV_POWER_ON);
    }
    for (unsigned i = 0; i < N_THREADS; i++)
        if (pthread_create(&tid[i], NULL, run, &ss[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 1;
        }
    for (unsigned i = 0; i < N_THREADS; i++)
        pthread_join(tid[i], NULL);
    pthread_barrier_destroy(&start);

    for (unsigned i = 0; i < N_THREADS; i++) {
        session *s = &ss[i];
        /* Every iteration imported once and signed once or twice; one in four generated. */
        unsigned want_sig = 2 * iterations - 1, want_gen = (iterations + 2) / 4;
        printf("thread %u: %u imports, %u generations, %u signatures verified, %u failures\n",
               i, s->imports, s->generations, s->signatures, s->failures);
        if (s->failures || s->imports != iterations || s->generations != want_gen ||
            s->signatures != want_sig)
            status = 1;
        EVP_PKEY_free(s->host_key[0]);
        EVP_PKEY_free(s->host_key[1]);
        vpiv_free(s->card);
    }
    /* The two cards had different seeds: the same cardid would mean one answered for both. */
    if (ss[0].have_cardid && ss[1].have_cardid &&
        memcmp(ss[0].cardid, ss[1].cardid, sizeof ss[0].cardid) == 0) {
        fprintf(stderr, "both threads read the same cardid\n");
        status = 1;
    }
    printf("%s\n", status ? "FAILED" : "ok");
    return status;
}
