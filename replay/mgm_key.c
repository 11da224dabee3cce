/* The user's management key, read from a file (its answer to a challenge: ch_mgm_answer). */
#include "mgm_key.h"

#include <stdio.h>

#include "hex.h"
#include "wipe.h"

void mdr_mgm_wipe(mdr_mgm *k)
{
    ch_wipe(k, sizeof *k);
}

bool mdr_mgm_read(const char *path, mdr_mgm *k)
{
    /* 32 bytes as hex with a separator between every two digits fit with room to spare; a
     * longer file is no key of ours, whatever it holds. */
    char text[200];
    size_t n, len = 0, pos = 0;
    FILE *f = fopen(path, "rb");
    int hr;

    mdr_mgm_wipe(k);
    if (!f) {
        fprintf(stderr, "mdreplay: %s: cannot read the management key file\n", path);
        return false;
    }
    n = fread(text, 1, sizeof text, f);
    fclose(f);
    if (n == sizeof text) {
        ch_wipe(text, sizeof text);
        fprintf(stderr, "mdreplay: %s: not a management key (more than %zu bytes of text)\n",
                path, sizeof text - 1);
        return false;
    }
    text[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (text[i] == '\n' || text[i] == '\r')
            text[i] = ' ';
    hr = ch_hex_decode(text, k->key, sizeof k->key, &len, &pos);
    ch_wipe(text, sizeof text);
    if (hr != CH_HEX_OK || (len != 16 && len != 24 && len != 32)) {
        mdr_mgm_wipe(k);
        if (hr == CH_HEX_EDIGIT)
            fprintf(stderr, "mdreplay: %s: not hex at offset %zu\n", path, pos);
        else
            fprintf(stderr, "mdreplay: %s: a management key is 16, 24 or 32 bytes in hex\n",
                    path);
        return false;
    }
    k->len = len;
    return true;
}
