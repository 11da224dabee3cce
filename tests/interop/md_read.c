/* md-read: what a CSP reads of a card through the card module, through a real PC/SC reader.
 *
 *   md-read LIBPIVMD OUTDIR
 *
 * dlopens LIBPIVMD (any preset's libpivmd.so), connects to the reader named in $CH_READER
 * (tests/fixtures/with-pcscd.sh exports it), CardAcquireContext with dwVersion 7, then writes
 * into OUTDIR (which must exist):
 *   cardid, cardcf, cardapps     the root files (CardReadFile)
 *   root.lst, mscp.lst           the directory listings (CardEnumFiles), one name a line
 *   cmapfile, kscNN, kxcNN       mscp/cmapfile and every certificate file mscp.lst names
 *   pubNN.sig, pubNN.kx          for every valid cmapfile record NN (two lower-case hex
 *                                digits), CONTAINER_INFO's public key blobs, raw
 * Every file read is also asked for with CardGetFileInfo, whose size must equal the bytes
 * read. Everything the module hands over is freed with the CSP's free callback, the context
 * with CardDeleteContext, and the counting allocator must then hold nothing.
 *
 * Exit status: 0 ok; 1 a minidriver call failed (the call and its hex error are printed) or a
 * check failed; 2 usage or OUTDIR not writable; 77 no reader ($CH_READER unset, or no card). */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cardmod.h"
#include "csp_pcsc.h"
#include "host.h"

#define EXIT_MD 1
#define EXIT_USAGE 2
#define EXIT_NO_READER 77

#define CMAP_REC_LEN 86u
#define CMAP_FLAGS_OFF 80u

typedef DWORD(WINAPI *acquire_fn)(PCARD_DATA, DWORD);

static const char *outdir;

/* Writes len bytes to OUTDIR/name. 0 on success. */
static int put_file(const char *name, const void *data, size_t len)
{
    char path[4096];
    FILE *f;
    bool bad;
    int n = snprintf(path, sizeof path, "%s/%s", outdir, name);

    if (n < 0 || (size_t)n >= sizeof path) {
        fprintf(stderr, "md-read: output path too long for %s\n", name);
        return -1;
    }
    f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "md-read: %s: %s\n", path, strerror(errno));
        return -1;
    }
    bad = len && fwrite(data, 1, len, f) != len;
    if (fclose(f) != 0)
        bad = true;
    if (bad) {
        fprintf(stderr, "md-read: writing %s failed\n", path);
        return -1;
    }
    return 0;
}

static int md_failed(const char *call, const char *what, DWORD rc)
{
    fprintf(stderr, "md-read: %s(%s) failed: 0x%08X\n", call, what, rc);
    return EXIT_MD;
}

/* CardReadFile dir/file, checked against CardGetFileInfo, saved as OUTDIR/file. The bytes
 * are handed back when data_out is not NULL (the caller frees them with pfnCspFree). */
static int read_one(PCARD_DATA cd, const char *dir, const char *file, PBYTE *data_out,
                    DWORD *len_out)
{
    char d[16], f[16], what[40];
    PBYTE data = NULL;
    DWORD len = 0, rc;
    CARD_FILE_INFO fi;
    int ret = 0;

    snprintf(d, sizeof d, "%s", dir ? dir : "");
    snprintf(f, sizeof f, "%s", file);
    snprintf(what, sizeof what, "%s%s%s", dir ? dir : "", dir ? "/" : "", file);
    rc = cd->pfnCardReadFile(cd, dir ? d : NULL, f, 0, &data, &len);
    if (rc != SCARD_S_SUCCESS)
        return md_failed("CardReadFile", what, rc);
    if (!data && len) {
        fprintf(stderr, "md-read: CardReadFile(%s): NULL data of %u bytes\n", what, len);
        return EXIT_MD;
    }
    printf("%-14s %5u bytes\n", what, len);
    memset(&fi, 0, sizeof fi);
    fi.dwVersion = CARD_FILE_INFO_CURRENT_VERSION;
    rc = cd->pfnCardGetFileInfo(cd, dir ? d : NULL, f, &fi);
    if (rc != SCARD_S_SUCCESS)
        ret = md_failed("CardGetFileInfo", what, rc);
    else if (fi.cbFileSize != len) {
        fprintf(stderr, "md-read: CardGetFileInfo(%s): cbFileSize %u, CardReadFile gave %u\n",
                what, fi.cbFileSize, len);
        ret = EXIT_MD;
    }
    if (ret == 0 && put_file(file, data, len) != 0)
        ret = EXIT_USAGE;
    if (ret == 0 && data_out) {
        *data_out = data;
        *len_out = len;
    } else {
        cd->pfnCspFree(data);
    }
    return ret;
}

/* CardEnumFiles dir, saved as OUTDIR/list one name a line; the multi-string is returned
 * (caller frees with pfnCspFree). */
static int enum_dir(PCARD_DATA cd, const char *dir, const char *list, char **names_out,
                    DWORD *len_out)
{
    char d[16], *names = NULL, *text;
    DWORD len = 0, rc;
    size_t o = 0;
    int ret = 0;

    snprintf(d, sizeof d, "%s", dir ? dir : "");
    rc = cd->pfnCardEnumFiles(cd, dir ? d : NULL, &names, &len, 0);
    if (rc != SCARD_S_SUCCESS)
        return md_failed("CardEnumFiles", dir ? dir : "root", rc);
    /* A multi-string: at least the final NUL, and it ends in two NULs (or is just one). */
    if (!names || len == 0 || names[len - 1] != 0 || (len >= 2 && names[len - 2] != 0)) {
        fprintf(stderr, "md-read: CardEnumFiles(%s): not a multi-string (%u bytes)\n",
                dir ? dir : "root", len);
        cd->pfnCspFree(names);
        return EXIT_MD;
    }
    text = malloc(len);
    if (!text) {
        cd->pfnCspFree(names);
        return EXIT_USAGE;
    }
    for (const char *p = names; *p; p += strlen(p) + 1) {
        size_t n = strlen(p);
        memcpy(text + o, p, n);
        o += n;
        text[o++] = '\n';
    }
    if (put_file(list, text, o) != 0)
        ret = EXIT_USAGE;
    free(text);
    if (ret == 0) {
        *names_out = names;
        *len_out = len;
    } else {
        cd->pfnCspFree(names);
    }
    return ret;
}

static int container_keys(PCARD_DATA cd, BYTE idx)
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
        fprintf(stderr, "md-read: CardGetContainerInfo(%u): a size without a buffer\n", idx);
        ret = EXIT_MD;
    }
    if (ret == 0 && ci.cbSigPublicKey) {
        snprintf(name, sizeof name, "pub%02x.sig", (unsigned)idx);
        if (put_file(name, ci.pbSigPublicKey, ci.cbSigPublicKey) != 0)
            ret = EXIT_USAGE;
    }
    if (ret == 0 && ci.cbKeyExPublicKey) {
        snprintf(name, sizeof name, "pub%02x.kx", (unsigned)idx);
        if (put_file(name, ci.pbKeyExPublicKey, ci.cbKeyExPublicKey) != 0)
            ret = EXIT_USAGE;
    }
    cd->pfnCspFree(ci.pbSigPublicKey);
    cd->pfnCspFree(ci.pbKeyExPublicKey);
    return ret;
}

static int read_card(PCARD_DATA cd)
{
    static const char *const root_files[] = {"cardid", "cardcf", "cardapps"};
    char *names = NULL;
    DWORD names_len = 0, cmap_len = 0;
    PBYTE cmap = NULL;
    int ret;

    for (size_t i = 0; i < sizeof root_files / sizeof root_files[0]; i++)
        if ((ret = read_one(cd, NULL, root_files[i], NULL, NULL)) != 0)
            return ret;
    if ((ret = enum_dir(cd, NULL, "root.lst", &names, &names_len)) != 0)
        return ret;
    cd->pfnCspFree(names);
    names = NULL;
    if ((ret = enum_dir(cd, "mscp", "mscp.lst", &names, &names_len)) != 0)
        return ret;
    ret = read_one(cd, "mscp", "cmapfile", &cmap, &cmap_len);
    for (const char *p = names; ret == 0 && *p; p += strlen(p) + 1) {
        if (!strcmp(p, "cmapfile"))
            continue;
        if (strncmp(p, "ksc", 3) != 0 && strncmp(p, "kxc", 3) != 0) {
            printf("mscp/%s: not a certificate file, not read\n", p);
            continue;
        }
        ret = read_one(cd, "mscp", p, NULL, NULL);
    }
    if (ret == 0 && cmap_len % CMAP_REC_LEN != 0) {
        fprintf(stderr, "md-read: cmapfile is %u bytes, not a multiple of %u\n", cmap_len,
                CMAP_REC_LEN);
        ret = EXIT_MD;
    }
    for (DWORD r = 0; ret == 0 && r < cmap_len / CMAP_REC_LEN; r++) {
        if (r > 0xFFu) {
            fprintf(stderr, "md-read: cmapfile has more than 256 records\n");
            ret = EXIT_MD;
            break;
        }
        if (cmap[r * CMAP_REC_LEN + CMAP_FLAGS_OFF] & CONTAINER_MAP_VALID_CONTAINER)
            ret = container_keys(cd, (BYTE)r);
    }
    cd->pfnCspFree(cmap);
    cd->pfnCspFree(names);
    return ret;
}

int main(int argc, char **argv)
{
    const char *lib, *reader = getenv("CH_READER");
    uintptr_t hctx, hcard;
    uint8_t atr[36];
    size_t atr_len;
    ch_host_csp csp;
    acquire_fn acquire;
    void *h;
    DWORD rc;
    int ret;

    if (argc != 3) {
        fprintf(stderr, "usage: md-read LIBPIVMD OUTDIR (reader: $CH_READER)\n");
        return EXIT_USAGE;
    }
    lib = argv[1];
    outdir = argv[2];
    if (!reader || !*reader) {
        fprintf(stderr, "md-read: no reader: $CH_READER is not set\n");
        return EXIT_NO_READER;
    }
    h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "md-read: %s\n", dlerror());
        return EXIT_MD;
    }
    acquire = (acquire_fn)(uintptr_t)dlsym(h, "CardAcquireContext");
    if (!acquire) {
        fprintf(stderr, "md-read: %s exports no CardAcquireContext\n", lib);
        dlclose(h);
        return EXIT_MD;
    }
    if (csp_pcsc_connect(reader, &hctx, &hcard, atr, sizeof atr, &atr_len) != 0) {
        fprintf(stderr, "md-read: no card in reader '%s'\n", reader);
        dlclose(h);
        return EXIT_NO_READER;
    }

    ch_host_alloc_reset();
    if (!ch_host_csp_init(&csp, CARD_DATA_CURRENT_VERSION, CARD_DATA_CURRENT_VERSION, atr,
                          atr_len, hctx, hcard)) {
        fprintf(stderr, "md-read: out of memory\n");
        csp_pcsc_disconnect(hctx, hcard);
        dlclose(h);
        return EXIT_MD;
    }
    rc = acquire(csp.cd, 0);
    if (rc != SCARD_S_SUCCESS) {
        ret = md_failed("CardAcquireContext", "dwVersion 7", rc);
    } else if (csp.cd->dwVersion != CARD_DATA_CURRENT_VERSION) {
        fprintf(stderr, "md-read: CardAcquireContext negotiated version %u, want 7\n",
                csp.cd->dwVersion);
        ret = EXIT_MD;
        (void)csp.cd->pfnCardDeleteContext(csp.cd);
    } else {
        ret = read_card(csp.cd);
        rc = csp.cd->pfnCardDeleteContext(csp.cd);
        if (rc != SCARD_S_SUCCESS && ret == 0)
            ret = md_failed("CardDeleteContext", "", rc);
    }
    if (ch_host_alloc_live() != 0 || ch_host_alloc_errors() != 0) {
        fprintf(stderr, "md-read: %zu allocations left, %lu foreign or double frees\n",
                ch_host_alloc_live(), ch_host_alloc_errors());
        ch_host_alloc_release_all();
        if (ret == 0)
            ret = EXIT_MD;
    }
    ch_host_csp_free(&csp);
    csp_pcsc_disconnect(hctx, hcard);
    dlclose(h);
    if (ret == 0)
        printf("md-read: ok\n");
    return ret;
}
