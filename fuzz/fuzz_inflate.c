/* fuzz_inflate: the bounded DEFLATE decoder (src/util/inflate.c) against zlib, which decodes
 * the same bytes with the same output bound. Beyond crashes it checks that the two agree.
 *
 * Input layout (little-endian, no other framing):
 *   byte 0       wrapper = byte % 3: 0 raw DEFLATE, 1 gzip, 2 zlib
 *   bytes 1..2   out_cap, 0..65535 (0: out is NULL)
 *   bytes 3..    the compressed stream
 * Shorter inputs are ignored.
 *
 * zlib runs inflateInit2 with windowBits -15 (raw), 31 (gzip only) or 15 (zlib only) and one
 * inflate(Z_FINISH) call over the whole input, with out_cap + 1 bytes of room, so that
 * "zlib wrote more than out_cap bytes" is visible. Call zlib "complete" when it returns
 * Z_STREAM_END having written at most out_cap bytes and, for gzip and zlib, consumed every
 * input byte: zlib stops after one member/stream and leaves the rest (trailing garbage or a
 * second gzip member) unread, where our contract is one member and nothing after it; for raw
 * DEFLATE both allow trailing input. The agreement rule:
 *   - OK        <=> zlib complete; same output bytes; raw: in_used == zlib's total_in;
 *   - TOO_BIG   =>  zlib wrote more than out_cap bytes before it stopped (at the end, at an
 *                   error, or because its out_cap + 1 bytes of room were full);
 *   - MALFORMED =>  zlib not complete and it wrote at most out_cap bytes.
 * TOO_BIG/MALFORMED are thus told apart by how far the data really decodes: a stream that
 * holds more than out_cap bytes before its first error is TOO_BIG in both.
 * And the contract: out_len <= out_cap on success; on failure out_len = in_used = 0 and all of
 * out is zero. out is exactly out_cap bytes on the heap, so ASan sees any write past it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz_check.h"
#include "inflate.h"

enum { WRAP_RAW, WRAP_GZIP, WRAP_ZLIB };

typedef struct {
    int complete;
    size_t total_out, total_in;
} zverdict;

static void zlib_decode(int wrap, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                        zverdict *v)
{
    static const int wbits[] = {-15, 31, 15};
    z_stream s;
    int ret;

    memset(&s, 0, sizeof s);
    CH_CHECK(inflateInit2(&s, wbits[wrap]) == Z_OK, "inflateInit2");
    s.next_in = (Bytef *)(uintptr_t)in;
    s.avail_in = (uInt)n;
    s.next_out = out;
    s.avail_out = (uInt)(cap + 1);
    ret = inflate(&s, Z_FINISH);
    CH_CHECK(ret != Z_STREAM_ERROR && ret != Z_MEM_ERROR, "zlib inflate: %d", ret);
    v->total_out = s.total_out;
    v->total_in = s.total_in;
    v->complete = ret == Z_STREAM_END && v->total_out <= cap &&
                  (wrap == WRAP_RAW || s.avail_in == 0);
    inflateEnd(&s);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const uint8_t *in;
    uint8_t *out, *ref;
    size_t cap, n, out_len = 0xDEAD, in_used = 0xDEAD, i;
    ch_inflate_rc rc;
    zverdict z;
    int wrap;
    uint8_t any = 0;

    if (size < 3)
        return 0;
    wrap = data[0] % 3;
    cap = (size_t)data[1] | (size_t)data[2] << 8;
    in = data + 3;
    n = size - 3;

    out = cap ? malloc(cap) : NULL;
    ref = malloc(cap + 1);
    CH_CHECK(ref != NULL && (cap == 0 || out != NULL), "out of memory");
    if (cap)
        memset(out, 0xA5, cap);

    if (wrap == WRAP_RAW)
        rc = ch_inflate_raw(in, n, out, cap, &out_len, &in_used);
    else if (wrap == WRAP_GZIP)
        rc = ch_inflate_gzip(in, n, out, cap, &out_len);
    else
        rc = ch_inflate_zlib(in, n, out, cap, &out_len);
    zlib_decode(wrap, in, n, ref, cap, &z);

    switch (rc) {
    case CH_INFLATE_OK:
        CH_CHECK(z.complete, "we accept, zlib does not (zlib wrote %zu, cap %zu)", z.total_out,
                 cap);
        CH_CHECK(out_len == z.total_out, "we wrote %zu bytes, zlib %zu", out_len, z.total_out);
        CH_CHECK(out_len == 0 || memcmp(out, ref, out_len) == 0, "output differs from zlib");
        if (wrap == WRAP_RAW)
            CH_CHECK(in_used == z.total_in, "in_used %zu, zlib consumed %zu", in_used,
                     z.total_in);
        break;
    case CH_INFLATE_TOO_BIG:
        CH_CHECK(z.total_out > cap, "TOO_BIG but zlib stopped at %zu <= cap %zu", z.total_out,
                 cap);
        break;
    case CH_INFLATE_MALFORMED:
        CH_CHECK(!z.complete, "we refuse, zlib accepts (%zu bytes)", z.total_out);
        CH_CHECK(z.total_out <= cap, "MALFORMED but zlib decoded %zu > cap %zu bytes",
                 z.total_out, cap);
        break;
    default:
        CH_CHECK(0, "unknown result %d", (int)rc);
    }

    if (rc != CH_INFLATE_OK) {
        CH_CHECK(out_len == 0, "failure with out_len %zu", out_len);
        if (wrap == WRAP_RAW)
            CH_CHECK(in_used == 0, "failure with in_used %zu", in_used);
        for (i = 0; i < cap; i++)
            any |= out[i];
        CH_CHECK(any == 0, "out not wiped on failure");
    }

    free(out);
    free(ref);
    return 0;
}
