/* fuzz_deflate: the gzip writer (src/util/deflate.c), read back by zlib and by our own
 * decoder (src/util/inflate.c).
 *
 * Input layout (little-endian, no other framing):
 *   bytes 0..1   cap, 0..65534; 65535 means "large enough" (the bound below)
 *   bytes 2..    the data to compress (any length, 0 included)
 * Shorter inputs are ignored.
 *
 * ch_gzip writes into an exact-cap heap buffer (ASan sees any write past it). The same data
 * is also compressed with cap = bound(n) = n + 6 * (n / 12288 + 1) + 32: every block costs at
 * most a stored block (5.25 bytes + its span) and a block is cut early only after 4096 matches
 * (>= 12288 bytes), so that call must succeed. Its output (the reference) must be a gzip
 * member that zlib (inflateInit2 31: Z_STREAM_END, all input consumed) and ch_inflate_gzip
 * (OK, with out_cap exactly n) both decode to exactly the data. Then for the chosen cap:
 *   - OK      => the output is the reference, byte for byte (it depends on the data alone),
 *                so its length is <= cap;
 *   - TOO_BIG => *out_len = 0, out is all zero, and the reference is longer than cap;
 *   - anything else is a failure.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "deflate.h"
#include "fuzz_check.h"
#include "inflate.h"

#define CAP_LARGE 0xFFFFu

static size_t bound(size_t n) { return n + 6u * (n / 12288u + 1u) + 32u; }

/* zlib reads gz[0..len) as one gzip member holding exactly in[0..n). */
static void zlib_reads_back(const uint8_t *gz, size_t len, const uint8_t *in, size_t n)
{
    uint8_t *back = malloc(n + 1);
    z_stream s;
    int ret;

    CH_CHECK(back != NULL, "out of memory");
    memset(&s, 0, sizeof s);
    CH_CHECK(inflateInit2(&s, 31) == Z_OK, "inflateInit2");
    s.next_in = (Bytef *)(uintptr_t)gz;
    s.avail_in = (uInt)len;
    s.next_out = back;
    s.avail_out = (uInt)(n + 1);
    ret = inflate(&s, Z_FINISH);
    CH_CHECK(ret == Z_STREAM_END, "zlib: %d (%s) after %lu bytes", ret, s.msg ? s.msg : "",
             s.total_out);
    CH_CHECK(s.avail_in == 0, "zlib left %u bytes unread", s.avail_in);
    CH_CHECK(s.total_out == n, "zlib decoded %lu bytes, not %zu", s.total_out, n);
    CH_CHECK(n == 0 || memcmp(back, in, n) == 0, "zlib decodes other bytes");
    inflateEnd(&s);
    free(back);
}

/* ch_inflate_gzip reads it back into exactly n bytes of room. */
static void ours_reads_back(const uint8_t *gz, size_t len, const uint8_t *in, size_t n)
{
    uint8_t *back = n ? malloc(n) : NULL;
    size_t back_len = 0xDEAD;
    ch_inflate_rc rc;

    CH_CHECK(n == 0 || back != NULL, "out of memory");
    rc = ch_inflate_gzip(gz, len, back, n, &back_len);
    CH_CHECK(rc == CH_INFLATE_OK, "ch_inflate_gzip: %d", (int)rc);
    CH_CHECK(back_len == n, "ch_inflate_gzip decoded %zu bytes, not %zu", back_len, n);
    CH_CHECK(n == 0 || memcmp(back, in, n) == 0, "ch_inflate_gzip decodes other bytes");
    free(back);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const uint8_t *in;
    uint8_t *out, *ref, any = 0;
    size_t cap, n, len = 0xDEAD, ref_len = 0xDEAD, ref_cap, i;
    int rc;

    if (size < 2)
        return 0;
    n = size - 2;
    if (n > CH_DEFLATE_MAX_IN)
        return 0;
    in = data + 2;
    ref_cap = bound(n);
    cap = (size_t)data[0] | (size_t)data[1] << 8;
    if (cap == CAP_LARGE)
        cap = ref_cap;

    /* The reference: with room to spare, it must fit and read back as the data. */
    ref = malloc(ref_cap);
    CH_CHECK(ref != NULL, "out of memory");
    rc = ch_gzip(in, n, ref, ref_cap, &ref_len);
    CH_CHECK(rc == CH_DEFLATE_OK, "ch_gzip with the bound %zu for %zu bytes: %d", ref_cap, n,
             rc);
    CH_CHECK(ref_len >= 20 && ref_len <= ref_cap, "reference length %zu", ref_len);
    zlib_reads_back(ref, ref_len, in, n);
    ours_reads_back(ref, ref_len, in, n);

    /* The chosen cap. */
    out = cap ? malloc(cap) : NULL;
    CH_CHECK(cap == 0 || out != NULL, "out of memory");
    if (cap)
        memset(out, 0xA5, cap);
    rc = ch_gzip(in, n, out, cap, &len);
    switch (rc) {
    case CH_DEFLATE_OK:
        CH_CHECK(len == ref_len, "cap %zu: %zu bytes, reference %zu", cap, len, ref_len);
        CH_CHECK(memcmp(out, ref, len) == 0, "cap %zu: output differs from the reference", cap);
        break;
    case CH_DEFLATE_TOO_BIG:
        CH_CHECK(len == 0, "TOO_BIG with out_len %zu", len);
        for (i = 0; i < cap; i++)
            any |= out[i];
        CH_CHECK(any == 0, "out not wiped on TOO_BIG");
        CH_CHECK(ref_len > cap, "TOO_BIG at cap %zu, but the member is %zu bytes", cap,
                 ref_len);
        break;
    default:
        CH_CHECK(0, "unexpected result %d", rc);
    }

    free(out);
    free(ref);
    return 0;
}
