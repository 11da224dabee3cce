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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cardmod.h"
#include "md_session.h"


#define CMAP_REC_LEN 86u
#define CMAP_FLAGS_OFF 80u

static const char *outdir;

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
        return MD_EXIT_MD;
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
        ret = MD_EXIT_MD;
    }
    if (ret == 0 && md_put_file(outdir, file, data, len) != 0)
        ret = MD_EXIT_USAGE;
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
        return MD_EXIT_MD;
    }
    text = malloc(len);
    if (!text) {
        cd->pfnCspFree(names);
        return MD_EXIT_USAGE;
    }
    for (const char *p = names; *p; p += strlen(p) + 1) {
        size_t n = strlen(p);
        memcpy(text + o, p, n);
        o += n;
        text[o++] = '\n';
    }
    if (md_put_file(outdir, list, text, o) != 0)
        ret = MD_EXIT_USAGE;
    free(text);
    if (ret == 0) {
        *names_out = names;
        *len_out = len;
    } else {
        cd->pfnCspFree(names);
    }
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
        ret = MD_EXIT_MD;
    }
    for (DWORD r = 0; ret == 0 && r < cmap_len / CMAP_REC_LEN; r++) {
        if (r > 0xFFu) {
            fprintf(stderr, "md-read: cmapfile has more than 256 records\n");
            ret = MD_EXIT_MD;
            break;
        }
        if (cmap[r * CMAP_REC_LEN + CMAP_FLAGS_OFF] & CONTAINER_MAP_VALID_CONTAINER)
            ret = md_save_container_keys(cd, (BYTE)r, outdir);
    }
    cd->pfnCspFree(cmap);
    cd->pfnCspFree(names);
    return ret;
}

static int read_card_fn(PCARD_DATA cd, void *arg)
{
    (void)arg;
    return read_card(cd);
}

int main(int argc, char **argv)
{
    md_prog = "md-read";
    if (argc != 3) {
        fprintf(stderr, "usage: md-read LIBPIVMD OUTDIR (reader: $CH_READER)\n");
        return MD_EXIT_USAGE;
    }
    outdir = argv[2];
    return md_session_run(argv[1], read_card_fn, NULL);
}
