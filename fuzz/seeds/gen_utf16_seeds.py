#!/usr/bin/env python3
"""Writes corpora/fuzz_utf16/ for fuzz/fuzz_utf16.c: [0] mode (0 UTF-8 -> UTF-16, 1 UTF-16 ->
UTF-8, 2 comparisons), [1..2] out_cap / max LE, then the string. One seed per edge of the Unicode
standard's Table 3-7 and of the surrogate rules, each at a capacity that fits and one short.
    python3 fuzz/seeds/gen_utf16_seeds.py"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "corpora",
                   "fuzz_utf16")


def seed(name, mode, cap, body):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([mode]) + struct.pack("<H", cap) + body)


def u16(*units):
    return b"".join(struct.pack("<H", u) for u in units)


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        os.remove(os.path.join(OUT, old))
    utf8 = {
        "ascii": b"Card PIN",
        "two-byte-c2-80": "\u0080\u07ff".encode(),
        "three-byte-e0-a0": "\u0800\uffff".encode(),
        "three-byte-ed-9f-last-before-surrogates": "\ud7ff".encode(),
        "four-byte-f0-90": "\U00010000".encode(),
        "four-byte-f4-8f-max": "\U0010ffff".encode(),
        "mixed": "PIN \u00e9\u4e2d\U0001f511".encode(),
        "bad-overlong-c0-af": b"\xc0\xaf",
        "bad-overlong-e0-80": b"\xe0\x80\xaf",
        "bad-surrogate-ed-a0": b"\xed\xa0\x80",
        "bad-above-max-f4-90": b"\xf4\x90\x80\x80",
        "bad-f5": b"\xf5\x80\x80\x80",
        "bad-truncated": b"\xe2\x82",
        "bad-stray-continuation": b"a\x80",
        "bad-nul": b"a\x00b",
    }
    for name, body in utf8.items():
        seed("to16-" + name, 0, 64, body)
    seed("to16-cap-exact", 0, 3, "\U0001f511".encode())
    seed("to16-cap-short", 0, 2, "\U0001f511".encode())
    utf16 = {
        "ascii": u16(*b"Card PIN"),
        "bmp": u16(0x00E9, 0x4E2D, 0xFFFF),
        "pair": u16(0xD83D, 0xDD11),
        "bad-lone-high-at-end": u16(0x41, 0xD800),
        "bad-high-then-ascii": u16(0xD800, 0x41),
        "bad-lone-low": u16(0xDC00),
        "bad-nul": u16(0x41, 0, 0x42),
    }
    for name, body in utf16.items():
        seed("to8-" + name, 1, 64, body)
    seed("to8-cap-exact", 1, 5, u16(0xD83D, 0xDD11))
    seed("to8-cap-short", 1, 4, u16(0xD83D, 0xDD11))
    seed("cmp-pin-equal", 2, 16, u16(*b"PIN", 0) * 2)
    seed("cmp-differ", 2, 16, u16(*b"PIN", 0, *b"PUK", 0))
    seed("cmp-unterminated", 2, 16, u16(*b"PINPIN"))
    seed("cmp-max-short", 2, 2, u16(*b"PIN", 0) * 2)
    seed("cmp-not-printable", 2, 16, u16(0x7F, 0) * 2)
    print(f"{len(os.listdir(OUT))} seeds in {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
