/*
 * hex: decode and print the hex text of the fixture programs (see hex.h).
 */
#include "hex.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int ch_hex_decode(const char *s, unsigned char *out, size_t cap, size_t *out_len, size_t *pos)
{
    size_t n = 0;
    size_t i;
    int hi = -1;
    int rc = CH_HEX_OK;
    for (i = 0; s[i] != '\0'; i++) {
        int v;
        if (s[i] == ' ' || s[i] == ':' || s[i] == '\t') {
            continue;
        }
        v = hexval(s[i]);
        if (v < 0) {
            rc = CH_HEX_EDIGIT;
            break;
        }
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n >= cap) {
            rc = CH_HEX_ETOOLONG;
            break;
        }
        if (out != NULL) {
            out[n] = (unsigned char)((hi << 4) | v);
        }
        n++;
        hi = -1;
    }
    if (rc == CH_HEX_OK && hi >= 0) {
        rc = CH_HEX_EODD;
    }
    *out_len = n;
    if (pos != NULL) {
        *pos = i;
    }
    return rc;
}

int ch_hex_fprint(FILE *f, const unsigned char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (fprintf(f, "%02X", (unsigned)p[i]) < 0) {
            return -1;
        }
    }
    return 0;
}
