/* The fuzz targets mdreplay knows: their header sizes (docs/fuzzing.md layouts) and whether
 * they write fuzz/trace.h events. A target added to fuzz/ is added here too;
 * tests/replay checks the two lists are the same. */
#include <string.h>

#include "mdreplay.h"

static const mdr_target targets[] = {
    {"fuzz_acquire", 12, true, "CardAcquireContext negotiation, then a scripted SELECT answer"},
    {"fuzz_apdu_exchange", 15, true, "the transmit function against scripted answers"},
    {"fuzz_vpiv", 10, false, "the virtual card: C-APDUs and power events, or a state file"},
    {"fuzz_apdu", 4, true, "a CSP session of up to 16 calls, every answer scripted"},
    {"fuzz_deflate", 2, false, "the gzip writer against zlib"},
    {"fuzz_inflate", 3, false, "the bounded inflate against zlib"},
    {"fuzz_keyblob_diff", 0, false, "the key-blob parser against OpenSSL"},
    {"fuzz_keyblob", 7, false, "a key import through the function table into vpiv"},
    {"fuzz_session", 6, true, "a stateful CSP session of up to 24 steps against vpiv"},
    {"fuzz_unpad", 1, false, "the RSA decryption unpadding against OpenSSL"},
    {"fuzz_utf16", 3, false, "the UTF-8/UTF-16 helpers against a reference"},
    {"fuzz_x509", 0, false, "the certificate public-key parser against OpenSSL"},
    {"fuzz_piv", 1, true, "the PIV card edge against scripted answers"},
};

const mdr_target *mdr_targets(size_t *n)
{
    *n = sizeof targets / sizeof targets[0];
    return targets;
}

const mdr_target *mdr_target_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof targets / sizeof targets[0]; i++)
        if (strcmp(targets[i].name, name) == 0)
            return &targets[i];
    return NULL;
}

const mdr_target *mdr_target_from_path(const char *path)
{
    const mdr_target *found = NULL;
    const char *p = path;

    /* The last directory component that names a target wins (…/fuzz_apdu/findings/x). */
    while (p && *p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : 0;
        if (!slash)
            break; /* the file name itself is not a directory */
        for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
            if (strlen(targets[i].name) == n && strncmp(targets[i].name, p, n) == 0)
                found = &targets[i];
        p = slash + 1;
    }
    return found;
}
