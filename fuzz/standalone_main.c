/* Standalone driver: feeds files (or every file of directories) to LLVMFuzzerTestOneInput, so
 * each corpus file is a regression test under any compiler, with no fuzzing engine (the
 * pattern of OpenSSL's fuzz/test-corpus.c and systemd's fuzz-main.c). Exit 0 when every
 * input ran; an invariant failure or sanitizer report aborts the process as in fuzzing. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_check.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#define CH_MAX_INPUT_BYTES (1u << 20)

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    size_t n;

    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    buf = malloc(CH_MAX_INPUT_BYTES);
    if (!buf) {
        fclose(f);
        return 1;
    }
    n = fread(buf, 1, CH_MAX_INPUT_BYTES, f);
    fclose(f);
    /* Exactly n bytes on the heap so that an over-read of the input is caught. */
    unsigned char *exact = malloc(n ? n : 1);
    if (!exact) {
        free(buf);
        return 1;
    }
    memcpy(exact, buf, n);
    free(buf);
    fprintf(stderr, "running %s (%zu bytes)\n", path, n);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

static int run_path(const char *path)
{
    struct stat st;
    struct dirent **list;
    int n, rc = 0;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "cannot stat %s\n", path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path);
    n = scandir(path, &list, NULL, alphasort); /* sorted: runs are reproducible */
    if (n < 0) {
        fprintf(stderr, "cannot read directory %s\n", path);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        if (list[i]->d_name[0] != '.') {
            size_t len = strlen(path) + strlen(list[i]->d_name) + 2;
            char *child = malloc(len);
            if (!child) {
                rc = 1;
            } else {
                snprintf(child, len, "%s/%s", path, list[i]->d_name);
                rc |= run_path(child);
                free(child);
            }
        }
        free(list[i]);
    }
    free(list);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 0, count = 0;

    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') /* libFuzzer-style options are accepted and ignored */
            continue;
        rc |= run_path(argv[i]);
        count++;
    }
    if (count == 0) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    return rc;
}
