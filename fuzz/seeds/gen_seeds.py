#!/usr/bin/env python3
"""Writes the hand-made seed corpora of corpora/<target>/ in the finding format of
fuzz/finding.h (layouts in docs/fuzzing.md). Re-run after a layout change:
    python3 fuzz/seeds/gen_seeds.py
Each seed names what it exercises; the fuzzer mutates from there."""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "corpora")

YUBIKEY_ATR = bytes.fromhex("3BFD1300008131FE158073C021C057597562694B657940")
APT_YUBIKEY = bytes.fromhex("61114F0600001000010079074F05A000000308")
APT_FULL = bytes.fromhex("61174F0BA000000308000010000100500350495" "6AC03800111")


def ans(rapdu: bytes) -> bytes:
    """One script entry: u16 big-endian length, then the R-APDU."""
    return struct.pack(">H", len(rapdu)) + rapdu


def event(code: int) -> bytes:
    """A transport failure instead of an answer: 0 comm lost, 1 reset, 2 removed."""
    return struct.pack(">H", 0xFF00 | code)


def acquire(version=7, flags=0, nulls=0, shape=0, fail_at=0, atr=YUBIKEY_ATR, atr_len=None,
            name="cardhammer PIV", script=b""):
    atr_len = len(atr) if atr_len is None else atr_len
    units = name.encode("utf-16-le")
    return (struct.pack("<IIBBBB", version, flags, nulls, shape, fail_at, atr_len) + atr +
            bytes([len(units) // 2]) + units + script)


def exchange(cla=0, ins=0xCB, p1=0x3F, p2=0xFF, le=256, out_cap=4096, max_rounds=0,
             max_response=0, fail_at=0, fail_code=0, data=b"", script=b""):
    return (bytes([cla, ins, p1, p2]) + struct.pack("<HHBHBBH", le, out_cap, max_rounds,
                                                    max_response, fail_at, fail_code, len(data))
            + data + script)


def write(target, name, blob):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)


def acquire_seeds():
    ok = ans(APT_YUBIKEY + b"\x90\x00")
    for v in (0, 3, 4, 5, 6, 7, 8, 0x7FFFFFFF, 0xFFFFFFFF):
        write("fuzz_acquire", f"version-{v:08x}", acquire(version=v, script=ok))
    write("fuzz_acquire", "full-struct-v4", acquire(version=4, shape=4, script=ok))
    write("fuzz_acquire", "delete-twice", acquire(shape=8, script=ok))
    write("fuzz_acquire", "flags-no-card-mode", acquire(flags=1, script=ok))
    write("fuzz_acquire", "flags-unknown", acquire(flags=0x80000000, script=ok))
    write("fuzz_acquire", "flags-no-card-and-unknown", acquire(flags=3, script=ok))
    for bit, what in enumerate(("card-data", "atr", "name", "alloc", "realloc", "free", "cache",
                                "pad")):
        write("fuzz_acquire", f"null-{what}", acquire(nulls=1 << bit, script=ok))
    write("fuzz_acquire", "zero-hctx", acquire(shape=1, script=ok))
    write("fuzz_acquire", "zero-hcard", acquire(shape=2, script=ok))
    write("fuzz_acquire", "atr-short", acquire(atr=b"\x3B", script=ok))
    write("fuzz_acquire", "atr-34", acquire(atr=bytes([0x3B]) + bytes(33), script=ok))
    write("fuzz_acquire", "atr-ff", acquire(atr=b"\xFF" + YUBIKEY_ATR[1:], script=ok))
    write("fuzz_acquire", "alloc-fails", acquire(fail_at=1, script=ok))
    write("fuzz_acquire", "select-full-aid", acquire(script=ans(APT_FULL + b"\x90\x00")))
    write("fuzz_acquire", "select-bare-9000", acquire(script=ans(b"\x90\x00")))
    write("fuzz_acquire", "select-6a82", acquire(script=ans(b"\x6A\x82")))
    write("fuzz_acquire", "select-get-response",
          acquire(script=ans(b"\x61\x13") + ans(APT_YUBIKEY + b"\x90\x00")))
    write("fuzz_acquire", "select-6c", acquire(script=ans(b"\x6C\x13") + ok))
    write("fuzz_acquire", "select-split-apt",
          acquire(script=ans(APT_YUBIKEY[:7] + b"\x61\x0C") + ans(APT_YUBIKEY[7:] + b"\x90\x00")))
    write("fuzz_acquire", "select-tlv-overlong", acquire(script=ans(b"\x61\x82\xFF\xFF\x4F\x00\x90\x00")))
    for code, what in enumerate(("comm-lost", "reset", "removed")):
        write("fuzz_acquire", f"select-{what}", acquire(script=event(code)))


def exchange_seeds():
    write("fuzz_apdu_exchange", "case1", exchange(ins=0x20, p1=0, p2=0x80, le=0, script=ans(b"\x90\x00")))
    write("fuzz_apdu_exchange", "case2", exchange(ins=0xFD, p1=0, p2=0, script=ans(b"\x05\x04\x03\x90\x00")))
    write("fuzz_apdu_exchange", "case3-verify", exchange(ins=0x20, p1=0, p2=0x80, le=0,
                                                        data=b"123456\xFF\xFF", script=ans(b"\x63\xC2")))
    write("fuzz_apdu_exchange", "case4-get-data",
          exchange(data=bytes.fromhex("5C035FC105"), script=ans(b"\x53\x02\x70\x00\x90\x00")))
    write("fuzz_apdu_exchange", "chained-600",
          exchange(ins=0xDB, le=0, data=bytes(range(256)) * 2 + bytes(88),
                   script=ans(b"\x90\x00") * 3))
    write("fuzz_apdu_exchange", "chain-refused", exchange(ins=0xDB, le=0, data=bytes(300),
                                                         script=ans(b"\x6A\x84")))
    write("fuzz_apdu_exchange", "get-response-chain",
          exchange(data=b"\x5C\x01\x7E", script=ans(b"\x01\x02\x61\x03") + ans(b"\x03\x04\x05\x61\x00")
                   + ans(b"\x06\x90\x00")))
    write("fuzz_apdu_exchange", "get-response-full",
          exchange(script=ans(bytes(255) + b"\x61\x00") + ans(bytes(256) + b"\x90\x00")))
    write("fuzz_apdu_exchange", "wrong-le", exchange(le=0, script=ans(b"\x6C\x02") + ans(b"\xAA\xBB\x90\x00")))
    write("fuzz_apdu_exchange", "61-forever",
          exchange(max_rounds=8, script=ans(b"\xEE\x61\x01") * 12))
    write("fuzz_apdu_exchange", "bound-total",
          exchange(max_response=300, script=ans(bytes(200) + b"\x61\xC8") + ans(bytes(200) + b"\x90\x00")))
    write("fuzz_apdu_exchange", "short-out", exchange(out_cap=2, script=ans(b"\x01\x02\x03\x90\x00")))
    write("fuzz_apdu_exchange", "status-0000", exchange(script=ans(b"\x00\x00")))
    write("fuzz_apdu_exchange", "one-byte", exchange(script=ans(b"\x90")))
    write("fuzz_apdu_exchange", "transport-fails-2nd",
          exchange(fail_at=2, fail_code=1, script=ans(b"\x61\x10") + ans(b"\x90\x00")))
    write("fuzz_apdu_exchange", "bad-le", exchange(le=300, script=ans(b"\x90\x00")))
    write("fuzz_apdu_exchange", "bad-cla", exchange(cla=0x10, script=ans(b"\x90\x00")))


if __name__ == "__main__":
    acquire_seeds()
    exchange_seeds()
