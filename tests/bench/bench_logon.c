/* APDUs and bytes of a logon, cold and on a warm CSP cache, beside the minimum the PIV card
 * edge allows. The card is the in-process vpiv with an RSA-2048 key and certificate in 9A (the
 * default container), as yubico-piv-tool would leave it; every exchange is counted by wrapping
 * vpiv_process at link time (-Wl,--wrap=vpiv_process).
 *
 * Run: scripts/bench-logon.sh (docs/card-mapping.md "Caching"). Prints a Markdown table. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_card.h"

typedef struct counts {
    unsigned long apdus, sent, received;
} counts;

static counts total;

size_t __real_vpiv_process(vpiv_card *card, const uint8_t *capdu, size_t capdu_len,
                           uint8_t *rapdu);
size_t __wrap_vpiv_process(vpiv_card *card, const uint8_t *capdu, size_t capdu_len,
                           uint8_t *rapdu);

size_t __wrap_vpiv_process(vpiv_card *card, const uint8_t *capdu, size_t capdu_len,
                           uint8_t *rapdu)
{
    size_t n = __real_vpiv_process(card, capdu, capdu_len, rapdu);
    total.apdus++;
    total.sent += capdu_len;
    total.received += n;
    return n;
}

static counts since(counts before)
{
    counts d = {total.apdus - before.apdus, total.sent - before.sent,
                total.received - before.received};
    return d;
}

typedef struct step {
    const char *what;
    counts cold, warm;
    unsigned long min_cold, min_warm;
} step;

static void must(DWORD rc, const char *what)
{
    if (rc != SCARD_S_SUCCESS) {
        fprintf(stderr, "bench-logon: %s failed: 0x%08lX\n", what, (unsigned long)rc);
        exit(1);
    }
}

static void read_file(conf *c, const char *dir, const char *file)
{
    PBYTE data = NULL;
    DWORD len = 0;
    must(c->cd->pfnCardReadFile(c->cd, (LPSTR)dir, (LPSTR)file, 0, &data, &len), file);
    c->cd->pfnCspFree(data);
}

/* One logon; fills the cold or warm column of steps. The CSP's cache survives in *cache. */
static void logon(vpiv_card *card, ch_host_cache **cache, step *steps, bool warm)
{
    conf c;
    CONTAINER_INFO ci;
    DWORD tries = 0;
    counts b = total;
    int i = 0;
#define DONE(s) (void)(s), (warm ? (steps[i++].warm = since(b)) : (steps[i++].cold = since(b))), b = total

    conf_open_on(&c, card, 7);
    DONE("acquire");
    if (*cache)
        conf_give_cache(&c, *cache);
    read_file(&c, NULL, "cardid");
    DONE("cardid");
    read_file(&c, NULL, "cardcf");
    DONE("cardcf");
    read_file(&c, "mscp", "cmapfile");
    DONE("cmapfile");
    read_file(&c, "mscp", "kxc00");
    DONE("kxc00");
    memset(&ci, 0, sizeof ci);
    must(c.cd->pfnCardGetContainerInfo(c.cd, 0, 0, &ci), "CardGetContainerInfo");
    c.cd->pfnCspFree(ci.pbKeyExPublicKey);
    c.cd->pfnCspFree(ci.pbSigPublicKey);
    DONE("container info");
    must(c.cd->pfnCardAuthenticateEx(c.cd, ROLE_USER, 0, (PBYTE) "123456", 6, NULL, NULL,
                                     &tries),
         "CardAuthenticateEx");
    DONE("authenticate PIN");
    *cache = conf_take_cache(&c);
    conf_close(&c);
#undef DONE
}

static unsigned long chunks(size_t answer_len)
{
    return (unsigned long)((answer_len + 255u) / 256u); /* 256 data bytes per R-APDU */
}

int main(void)
{
    vpiv_card *card = conf_card_new(3);
    EVP_PKEY *k;
    uint8_t *der;
    size_t der_len, obj_len;
    ch_host_cache *cache = NULL;
    static const char *const names[7] = {
        "CardAcquireContext (SELECT)", "read cardid", "read cardcf", "read mscp/cmapfile",
        "read mscp/kxc00 (certificate)", "CardGetContainerInfo(0)",
        "CardAuthenticateEx(ROLE_USER)"};
    step steps[7];
    counts sum_cold = {0}, sum_warm = {0};
    unsigned long min_cold = 0, min_warm = 0;

    k = conf_card_key_and_cert(card, 0x9A, "rsa2048", false, &der, &der_len);
    /* 53 82 LL LL 70 82 LL LL <der> 71 01 00 FE 00 */
    obj_len = 4 + 4 + der_len + 3 + 2;
    /* The least the PIV edge allows: SELECT; one object for the card's identity; cardcf,
     * because freshness must be checked on every use; to build cmapfile cold, the four
     * standard certificate objects (9A in 256-byte chunks, the three empty ones one APDU
     * each); nothing more for the certificate and the public key (already read); one VERIFY.
     * Warm: the map and certificate come from the cache once cardcf says they are fresh. */
    unsigned long mc[7] = {1, 1, 1, 1 + chunks(obj_len) + 3, 0, 0, 1};
    unsigned long mw[7] = {1, 1, 1, 0, 0, 0, 1};
    memset(steps, 0, sizeof steps);
    for (int i = 0; i < 7; i++) {
        steps[i].what = names[i];
        steps[i].min_cold = mc[i];
        steps[i].min_warm = mw[i];
    }
    logon(card, &cache, steps, false);
    logon(card, &cache, steps, true);
    ch_host_cache_free(cache);

    printf("| step | cold APDUs | cold bytes out/in | warm APDUs | warm bytes out/in | "
           "minimum cold | minimum warm |\n|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < 7; i++) {
        printf("| %s | %lu | %lu/%lu | %lu | %lu/%lu | %lu | %lu |\n", steps[i].what,
               steps[i].cold.apdus, steps[i].cold.sent, steps[i].cold.received,
               steps[i].warm.apdus, steps[i].warm.sent, steps[i].warm.received,
               steps[i].min_cold, steps[i].min_warm);
        sum_cold.apdus += steps[i].cold.apdus;
        sum_cold.sent += steps[i].cold.sent;
        sum_cold.received += steps[i].cold.received;
        sum_warm.apdus += steps[i].warm.apdus;
        sum_warm.sent += steps[i].warm.sent;
        sum_warm.received += steps[i].warm.received;
        min_cold += steps[i].min_cold;
        min_warm += steps[i].min_warm;
    }
    printf("| **logon** | **%lu** | %lu/%lu | **%lu** | %lu/%lu | %lu | %lu |\n", sum_cold.apdus,
           sum_cold.sent, sum_cold.received, sum_warm.apdus, sum_warm.sent, sum_warm.received,
           min_cold, min_warm);
    printf("\ncertificate: %zu bytes DER (RSA-2048, slot 9A); warm/cold APDUs = %.2f\n", der_len,
           (double)sum_warm.apdus / (double)sum_cold.apdus);
    EVP_PKEY_free(k);
    free(der);
    vpiv_free(card);
    return 0;
}
