/* rp_hash REPORT INPUT ROOT: prints "<hash>\t<headline>" of a saved sanitizer report (the
 * child's output) and the finding's input, as ch_rp_classify computes them, for
 * hash-agrees.sh to compare with scripts/campaign.sh's finding_hash. */
#include <stdio.h>
#include <stdlib.h>

#include "report.h"

/* The whole file into a malloc'd buffer (*len bytes, not NUL-terminated); NULL on error. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    if (f == NULL) {
        return NULL;
    }
    for (;;) {
        size_t got;
        if (n == cap) {
            unsigned char *bigger = realloc(buf, cap + 65536);
            if (bigger == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = bigger;
            cap += 65536;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            break;
        }
    }
    if (ferror(f)) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    unsigned char *text, *input;
    size_t text_len = 0, input_len = 0;
    ch_rp_exit ex = {false, false, 1};
    static ch_rp_report rp;

    if (argc != 4) {
        fprintf(stderr, "usage: rp_hash REPORT INPUT ROOT/\n");
        return 2;
    }
    text = slurp(argv[1], &text_len);
    input = slurp(argv[2], &input_len);
    if (text == NULL || input == NULL) {
        fprintf(stderr, "rp_hash: cannot read %s or %s\n", argv[1], argv[2]);
        free(text);
        free(input);
        return 2;
    }
    ch_rp_classify((const char *)text, text_len, &ex, argv[3], input, input_len, &rp);
    printf("%s\t%s\n", rp.hash, rp.headline);
    free(text);
    free(input);
    return 0;
}
