/* One card module session through a real PC/SC reader (md_session.h). */
#include "md_session.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csp_pcsc.h"
#include "host.h"

typedef DWORD(WINAPI *acquire_fn)(PCARD_DATA, DWORD);

const char *md_prog = "md";

int md_failed(const char *call, const char *what, DWORD rc)
{
    fprintf(stderr, "%s: %s(%s) failed: 0x%08X\n", md_prog, call, what, rc);
    return MD_EXIT_MD;
}

int md_put_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    FILE *f;
    bool bad;
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);

    if (n < 0 || (size_t)n >= sizeof path) {
        fprintf(stderr, "%s: output path too long for %s\n", md_prog, name);
        return MD_EXIT_USAGE;
    }
    f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "%s: %s: %s\n", md_prog, path, strerror(errno));
        return MD_EXIT_USAGE;
    }
    bad = len && fwrite(data, 1, len, f) != len;
    if (fclose(f) != 0)
        bad = true;
    if (bad) {
        fprintf(stderr, "%s: writing %s failed\n", md_prog, path);
        return MD_EXIT_USAGE;
    }
    return 0;
}

int md_save_container_keys(PCARD_DATA cd, BYTE idx, const char *dir)
{
    CONTAINER_INFO ci;
    char name[16], what[8];
    DWORD rc;
    int ret = 0;

    memset(&ci, 0, sizeof ci);
    ci.dwVersion = CONTAINER_INFO_CURRENT_VERSION;
    snprintf(what, sizeof what, "%u", (unsigned)idx);
    rc = cd->pfnCardGetContainerInfo(cd, idx, 0, &ci);
    if (rc != SCARD_S_SUCCESS)
        return md_failed("CardGetContainerInfo", what, rc);
    printf("container %-4u sig %3u bytes, kx %3u bytes\n", (unsigned)idx, ci.cbSigPublicKey,
           ci.cbKeyExPublicKey);
    if ((ci.cbSigPublicKey && !ci.pbSigPublicKey) ||
        (ci.cbKeyExPublicKey && !ci.pbKeyExPublicKey)) {
        fprintf(stderr, "%s: CardGetContainerInfo(%u): a size without a buffer\n", md_prog,
                idx);
        ret = MD_EXIT_MD;
    }
    if (ret == 0 && ci.cbSigPublicKey) {
        snprintf(name, sizeof name, "pub%02x.sig", (unsigned)idx);
        ret = md_put_file(dir, name, ci.pbSigPublicKey, ci.cbSigPublicKey);
    }
    if (ret == 0 && ci.cbKeyExPublicKey) {
        snprintf(name, sizeof name, "pub%02x.kx", (unsigned)idx);
        ret = md_put_file(dir, name, ci.pbKeyExPublicKey, ci.cbKeyExPublicKey);
    }
    cd->pfnCspFree(ci.pbSigPublicKey);
    cd->pfnCspFree(ci.pbKeyExPublicKey);
    return ret;
}

/* CardAcquireContext v7, fn, CardDeleteContext: the part between connect and disconnect. */
static int with_context(ch_host_csp *csp, acquire_fn acquire,
                        int (*fn)(PCARD_DATA cd, void *arg), void *arg)
{
    DWORD rc = acquire(csp->cd, 0);
    int ret;

    if (rc != SCARD_S_SUCCESS)
        return md_failed("CardAcquireContext", "dwVersion 7", rc);
    if (csp->cd->dwVersion != CARD_DATA_CURRENT_VERSION) {
        fprintf(stderr, "%s: CardAcquireContext negotiated version %u, want 7\n", md_prog,
                csp->cd->dwVersion);
        (void)csp->cd->pfnCardDeleteContext(csp->cd);
        return MD_EXIT_MD;
    }
    ret = fn(csp->cd, arg);
    rc = csp->cd->pfnCardDeleteContext(csp->cd);
    if (rc != SCARD_S_SUCCESS && ret == 0)
        ret = md_failed("CardDeleteContext", "", rc);
    return ret;
}

int md_session_run(const char *lib, int (*fn)(PCARD_DATA cd, void *arg), void *arg)
{
    const char *reader = getenv("CH_READER");
    uintptr_t hctx, hcard;
    uint8_t atr[36];
    size_t atr_len;
    ch_host_csp csp;
    acquire_fn acquire;
    void *h;
    int ret;

    if (!reader || !*reader) {
        fprintf(stderr, "%s: no reader: $CH_READER is not set\n", md_prog);
        return MD_EXIT_NO_READER;
    }
    h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "%s: %s\n", md_prog, dlerror());
        return MD_EXIT_MD;
    }
    acquire = (acquire_fn)(uintptr_t)dlsym(h, "CardAcquireContext");
    if (!acquire) {
        fprintf(stderr, "%s: %s exports no CardAcquireContext\n", md_prog, lib);
        dlclose(h);
        return MD_EXIT_MD;
    }
    if (csp_pcsc_connect(reader, &hctx, &hcard, atr, sizeof atr, &atr_len) != 0) {
        fprintf(stderr, "%s: no card in reader '%s'\n", md_prog, reader);
        dlclose(h);
        return MD_EXIT_NO_READER;
    }
    ch_host_alloc_reset();
    if (!ch_host_csp_init(&csp, CARD_DATA_CURRENT_VERSION, CARD_DATA_CURRENT_VERSION, atr,
                          atr_len, hctx, hcard)) {
        fprintf(stderr, "%s: out of memory\n", md_prog);
        csp_pcsc_disconnect(hctx, hcard);
        dlclose(h);
        return MD_EXIT_MD;
    }
    ret = with_context(&csp, acquire, fn, arg);
    if (ch_host_alloc_live() != 0 || ch_host_alloc_errors() != 0) {
        fprintf(stderr, "%s: %zu allocations left, %lu foreign or double frees\n", md_prog,
                ch_host_alloc_live(), ch_host_alloc_errors());
        ch_host_alloc_release_all();
        if (ret == 0)
            ret = MD_EXIT_MD;
    }
    ch_host_csp_free(&csp);
    csp_pcsc_disconnect(hctx, hcard);
    dlclose(h);
    if (ret == 0)
        printf("%s: ok\n", md_prog);
    return ret;
}
