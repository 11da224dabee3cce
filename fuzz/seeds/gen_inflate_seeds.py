#!/usr/bin/env python3
"""Writes the seed corpus corpora/fuzz_inflate/ for fuzz/fuzz_inflate.c. Re-run after a layout
change:
    python3 fuzz/seeds/gen_inflate_seeds.py
Layout (see the top of fuzz_inflate.c): byte 0 selects the wrapper (% 3: raw, gzip, zlib),
bytes 1..2 are out_cap (little-endian), the rest is the compressed stream. The streams come
from Python's zlib module (the system zlib, fixed levels and strategies: deterministic) and,
for the corner cases zlib's encoder never emits, from a small bit writer below. gzip members
are put together by hand with MTIME 0, so the files do not change from run to run."""
import os
import struct
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "corpora",
                   "fuzz_inflate")
RAW, GZIP, ZLIB = 0, 1, 2

TEXT = b"".join(b"certificate %d for slot 9A, PIV card; " % i for i in range(40))


def seed(name, wrap, cap, stream):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([wrap]) + struct.pack("<H", cap) + stream)


def deflate(data, level=9, strategy=zlib.Z_DEFAULT_STRATEGY, wbits=-15, flush_every=0):
    c = zlib.compressobj(level, zlib.DEFLATED, wbits, 8, strategy)
    out = b""
    if flush_every:
        for i in range(0, len(data), flush_every):
            out += c.compress(data[i:i + flush_every]) + c.flush(zlib.Z_SYNC_FLUSH)
    else:
        out += c.compress(data)
    return out + c.flush(zlib.Z_FINISH)


def gzip_member(data, flags=0, level=9):
    """ID1 ID2 CM FLG MTIME(0) XFL OS(3), optional fields, raw DEFLATE, CRC-32, ISIZE."""
    hdr = bytes([0x1F, 0x8B, 8, flags]) + bytes(4) + bytes([2, 3])
    if flags & 0x04:
        extra = b"AP\x02\x00hi"
        hdr += struct.pack("<H", len(extra)) + extra
    if flags & 0x08:
        hdr += b"cert.der\x00"
    if flags & 0x10:
        hdr += b"slot 9A\x00"
    if flags & 0x02:
        hdr += struct.pack("<H", zlib.crc32(hdr) & 0xFFFF)
    return (hdr + deflate(data, level) +
            struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF))


class Bits:
    """LSB-first bit writer; Huffman codes are written most significant bit first."""

    def __init__(self):
        self.bits = []

    def put(self, value, n):
        self.bits += [(value >> i) & 1 for i in range(n)]

    def code(self, value, n):
        self.bits += [(value >> (n - 1 - i)) & 1 for i in range(n)]

    def bytes(self):
        b = self.bits + [0] * (-len(self.bits) % 8)
        return bytes(sum(b[i + j] << j for j in range(8)) for i in range(0, len(b), 8))


def fixed_lit(w, sym):
    if sym < 144:
        w.code(0x30 + sym, 8)
    elif sym < 256:
        w.code(0x190 + sym - 144, 9)
    elif sym < 280:
        w.code(sym - 256, 7)
    else:
        w.code(0xC0 + sym - 280, 8)


def main():
    # Each block type, raw.
    seed("raw-stored", RAW, 4096, deflate(b"a stored block", level=0))
    seed("raw-fixed", RAW, 4096, deflate(TEXT[:200], strategy=zlib.Z_FIXED))
    seed("raw-dynamic", RAW, 4096, deflate(TEXT))
    seed("raw-rle", RAW, 4096, deflate(b"\x00" * 300 + b"\xFF" * 300, strategy=zlib.Z_RLE))
    seed("raw-many-blocks", RAW, 4096, deflate(TEXT, level=6, flush_every=300))
    # Each wrapper.
    seed("gzip-plain", GZIP, 4096, gzip_member(TEXT))
    seed("gzip-all-fields", GZIP, 4096, gzip_member(TEXT[:500], flags=0x1F))
    seed("zlib-default", ZLIB, 4096, zlib.compress(TEXT, 6))
    seed("zlib-window-512", ZLIB, 4096, deflate(TEXT, wbits=9))
    # The output bound: exactly enough, one byte short, and a bomb (1 MiB of zeros, 16 KiB).
    seed("zlib-cap-exact", ZLIB, len(TEXT), zlib.compress(TEXT, 9))
    seed("zlib-cap-minus-one", ZLIB, len(TEXT) - 1, zlib.compress(TEXT, 9))
    seed("gzip-bomb", GZIP, 16384, gzip_member(bytes(1 << 20)))
    # Errors.
    bad = bytearray(gzip_member(TEXT[:100]))
    bad[-8] ^= 1
    seed("error-gzip-crc", GZIP, 4096, bytes(bad))
    w = Bits()
    w.put(1, 1), w.put(1, 2)                 # final, fixed
    fixed_lit(w, ord("a")), fixed_lit(w, 257)  # 'a', then length 3 ...
    w.code(1, 5)                             # ... at distance 2: before the start
    fixed_lit(w, 256)
    seed("error-distance-too-far", RAW, 64, w.bytes())
    # zlib's incomplete-code special case: one distance code of one bit.
    w = Bits()
    w.put(1, 1), w.put(2, 2)
    w.put(258 - 257, 5), w.put(1 - 1, 5), w.put(19 - 4, 4)
    order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    cl = [4] * 16 + [0] * 3                  # code lengths 0..15 as 4-bit codes k -> k
    for s in order:
        w.put(cl[s], 3)
    lens = [0] * 259
    lens[ord("a")], lens[256], lens[257], lens[258] = 1, 2, 2, 1
    for v in lens:
        w.code(v, 4)
    w.code(0, 1), w.code(3, 2), w.code(0, 1), w.code(2, 2)  # 'a', len 3 dist 1, end
    seed("raw-dynamic-one-distance-code", RAW, 64, w.bytes())


if __name__ == "__main__":
    main()
