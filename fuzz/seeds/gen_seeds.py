#!/usr/bin/env python3
"""Writes the hand-made seed corpora of corpora/<target>/ in the finding format of
fuzz/finding.h (layouts in docs/fuzzing.md). Re-run after a layout change:
    python3 fuzz/seeds/gen_seeds.py
Each seed names what it exercises; the fuzzer mutates from there.
Files it does not write are left alone: corpora/fuzz_vpiv/state-file-real(-sealed) hold a
real vpiv state file (made once by running vpiv with a state path: two generated keys, two
objects, a changed PIN, a wrong PUK try) and are committed as they are."""
import hashlib
import os
import struct
import sys

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


# ---- fuzz_vpiv: C-APDUs for the virtual card (docs/fuzzing.md "fuzz_vpiv layout") ----

PRE_MGM, PRE_PIN, PRE_SELECT = 1, 2, 4
PIV_AID = bytes.fromhex("A000000308000010000100")
P384_G = bytes.fromhex(  # the P-384 base point, uncompressed: a valid ECDH peer
    "04AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E38"
    "72760AB73617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A"
    "431D7C90EA0E5F")


def capdu(ins, p1=0, p2=0, data=b"", le=None, cla=0):
    """A short C-APDU (case 1..4)."""
    b = bytes([cla, ins, p1, p2])
    if data:
        b += bytes([len(data)]) + data
    if le is not None:
        b += bytes([le & 0xFF])
    return b


def chain(ins, p1, p2, data, le=None):
    """The blocks of a chained command: CLA 10 for all but the last, 255 bytes each."""
    blocks = []
    while len(data) > 255:
        blocks.append(capdu(ins, p1, p2, data[:255], cla=0x10))
        data = data[255:]
    blocks.append(capdu(ins, p1, p2, data, le))
    return blocks


def cmd(c: bytes) -> bytes:
    """One session step: u16 big-endian length, then the C-APDU."""
    return struct.pack(">H", len(c)) + c


def power(e: int) -> bytes:
    """A power event instead of a command: 0 off, 1 on, 2 reset."""
    return struct.pack(">H", 0xFF00 | e)


def session(*steps, pre=0, seed=0):
    """Mode 0: u8 mode, u64 LE seed, u8 pre-authentication flags, steps. A step is a C-APDU
    (bytes), a list of C-APDUs, or an already framed power event (power())."""
    out = bytes([0]) + struct.pack("<Q", seed) + bytes([pre])
    for st in steps:
        if isinstance(st, list):
            out += b"".join(cmd(c) for c in st)
        elif isinstance(st, tuple):  # ("power", e)
            out += power(st[1])
        else:
            out += cmd(st)
    return out


def state_file(image, seal=False, seed=0):
    """Mode 1 (seal skipped / re-made) or 3 (the seal as written): u8 mode, u64 LE seed, image."""
    return bytes([1 | (2 if seal else 0)]) + struct.pack("<Q", seed) + image


def pin(s: bytes) -> bytes:
    return s + b"\xFF" * (8 - len(s))


SELECT = capdu(0xA4, 0x04, 0x00, PIV_AID[:9], 0)
GET_RESPONSE = capdu(0xC0, 0, 0, le=0)


def verify(p=b"123456"):
    return capdu(0x20, 0x00, 0x80, pin(p))


def get_data(tag: bytes):
    return capdu(0xCB, 0x3F, 0xFF, b"\x5C" + bytes([len(tag)]) + tag, 0)


def generate(slot, alg, policies=b""):
    tmpl = b"\x80\x01" + bytes([alg]) + policies
    return capdu(0x47, 0x00, slot, b"\xAC" + bytes([len(tmpl)]) + tmpl, 0)


def tlv(tag: int, v: bytes) -> bytes:
    n = len(v)
    if n < 0x80:
        ln = bytes([n])
    elif n <= 0xFF:
        ln = bytes([0x81, n])
    else:
        ln = bytes([0x82, n >> 8, n & 0xFF])
    t = bytes([tag]) if tag <= 0xFF else tag.to_bytes(2 if tag <= 0xFFFF else 3, "big")
    return t + ln + v


def sign(alg, slot, challenge):
    """GENERAL AUTHENTICATE 7C { 82 00, 81 challenge } (chained if long)."""
    return chain(0x87, alg, slot, tlv(0x7C, b"\x82\x00" + tlv(0x81, challenge)), 0)


def state_image(records):
    """A vpiv state file (src/vpiv/vpiv_state.c) sealed with its SHA-256 end record."""
    body = b"VPIV\x00\x01" + b"".join(bytes([t]) + struct.pack(">I", len(v)) + v
                                      for t, v in records)
    return body + b"\xFF" + struct.pack(">I", 32) + hashlib.sha256(body).digest()


def transcript_seed(path):
    """replay/transcript2seed.py --target fuzz_vpiv, as a function."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                    "replay"))
    sys.dont_write_bytecode = True  # no __pycache__ left in replay/
    import transcript2seed  # pylint: disable=import-outside-toplevel
    with open(path, encoding="ascii") as f:
        ex = transcript2seed.read_exchanges(f.read().splitlines(), path)
    return transcript2seed.fuzz_vpiv_seed(ex)


def vpiv_seeds():
    t = "fuzz_vpiv"
    write(t, "select", session(SELECT))
    write(t, "verify-pin-right", session(SELECT, verify(), capdu(0x20, 0x00, 0x80)))
    write(t, "verify-pin-wrong", session(SELECT, verify(b"000000"), capdu(0x20, 0x00, 0x80),
                                         capdu(0x20, 0xFF, 0x80)))
    write(t, "change-pin", session(SELECT, capdu(0x24, 0x00, 0x80, pin(b"123456") + pin(b"654321")),
                                   verify(b"654321"), verify(b"123456")))
    write(t, "change-puk", session(SELECT, capdu(0x24, 0x00, 0x81, b"12345678" + pin(b"87654321"))))
    write(t, "unblock-pin", session(SELECT, verify(b"000000"), verify(b"000000"), verify(b"000000"),
                                    verify(), capdu(0x2C, 0x00, 0x80, b"12345678" + pin(b"111111")),
                                    verify(b"111111")))
    write(t, "get-data-discovery", session(SELECT, get_data(b"\x7E")))
    write(t, "get-data-chuid-missing", session(SELECT, get_data(b"\x5F\xC1\x02")))
    obj = bytes((i * 7) & 0xFF for i in range(600))
    put = b"\x5C\x03\x5F\xC1\x05" + tlv(0x53, obj)
    write(t, "put-data-chained-600", session(chain(0xDB, 0x3F, 0xFF, put), get_data(b"\x5F\xC1\x05"),
                                             GET_RESPONSE, GET_RESPONSE, pre=PRE_MGM | PRE_SELECT))
    write(t, "put-data-delete", session(capdu(0xDB, 0x3F, 0xFF, b"\x5C\x03\x5F\xFF\x00\x53\x01\x41"),
                                        capdu(0xDB, 0x3F, 0xFF, b"\x5C\x03\x5F\xFF\x00\x53\x00"),
                                        get_data(b"\x5F\xFF\x00"), pre=PRE_MGM | PRE_SELECT))
    write(t, "generate-p256-sign", session(generate(0x9A, 0x11), sign(0x11, 0x9A, bytes(range(32))),
                                           pre=PRE_MGM | PRE_PIN | PRE_SELECT, seed=1))
    write(t, "generate-rsa1024-sign", session(generate(0x9A, 0x06),
                                              sign(0x06, 0x9A, b"\x00\x01" + b"\xFF" * 93 + b"\x00" +
                                                   bytes(range(32))),
                                              pre=PRE_MGM | PRE_PIN | PRE_SELECT, seed=2))
    write(t, "generate-p384-ecdh", session(generate(0x9D, 0x14),
                                           capdu(0x87, 0x14, 0x9D, tlv(0x7C, b"\x82\x00" +
                                                 tlv(0x85, P384_G)), 0),
                                           pre=PRE_MGM | PRE_PIN | PRE_SELECT, seed=3))
    write(t, "generate-9c-pin-always", session(generate(0x9C, 0x11), sign(0x11, 0x9C, bytes(32)),
                                               sign(0x11, 0x9C, bytes(32)), verify(),
                                               sign(0x11, 0x9C, bytes(32)),
                                               pre=PRE_MGM | PRE_PIN | PRE_SELECT, seed=4))
    write(t, "get-metadata-80-81-9b-9a", session(generate(0x9A, 0x11), capdu(0xF7, 0, 0x80, le=0),
                                                 capdu(0xF7, 0, 0x81, le=0), capdu(0xF7, 0, 0x9B, le=0),
                                                 capdu(0xF7, 0, 0x9A, le=0),
                                                 pre=PRE_MGM | PRE_SELECT, seed=5))
    write(t, "attest-9a", session(generate(0x9A, 0x11), capdu(0xF9, 0x9A, 0x00, le=0),
                                  GET_RESPONSE, GET_RESPONSE, capdu(0xF7, 0, 0xF9, le=0),
                                  pre=PRE_MGM | PRE_SELECT, seed=6))
    write(t, "import-p256", session(capdu(0xFE, 0x11, 0x9E, b"\x06\x20" + bytes(31) + b"\x01"),
                                    capdu(0xF7, 0, 0x9E, le=0), pre=PRE_MGM | PRE_SELECT))
    write(t, "mgm-mutual-auth-step1", session(SELECT, capdu(0x87, 0x03, 0x9B, b"\x7C\x02\x80\x00", 0),
                                              capdu(0x87, 0x03, 0x9B, b"\x7C\x14\x80\x08" + bytes(8) +
                                                    b"\x81\x08" + bytes(8), 0)))
    write(t, "mgm-single-auth-step1", session(SELECT, capdu(0x87, 0x03, 0x9B, b"\x7C\x02\x81\x00", 0),
                                              capdu(0x87, 0x03, 0x9B, b"\x7C\x0A\x82\x08" + bytes(8), 0)))
    write(t, "set-mgm-key-aes128", session(capdu(0xFF, 0xFF, 0xFF, b"\x08\x9B\x10" + bytes(range(16))),
                                           capdu(0xF7, 0, 0x9B, le=0), SELECT,
                                           capdu(0x87, 0x08, 0x9B, b"\x7C\x02\x80\x00", 0),
                                           pre=PRE_MGM | PRE_SELECT))
    write(t, "set-pin-retries", session(capdu(0xFA, 0x05, 0x04), capdu(0xF7, 0, 0x80, le=0),
                                        capdu(0xF7, 0, 0x81, le=0),
                                        pre=PRE_MGM | PRE_PIN | PRE_SELECT))
    wrong_puk = capdu(0x2C, 0x00, 0x80, b"00000000" + pin(b"111111"))
    write(t, "reset-after-blocking-both", session(SELECT, *[verify(b"000000")] * 3, *[wrong_puk] * 3,
                                                  capdu(0xFB, 0, 0), verify(),
                                                  capdu(0xF7, 0, 0x80, le=0)))
    write(t, "reset-refused", session(SELECT, capdu(0xFB, 0, 0)))
    write(t, "get-version-serial", session(SELECT, capdu(0xFD, 0, 0, le=0), capdu(0xF8, 0, 0, le=0)))
    write(t, "extended-length-apdu", session(SELECT, bytes.fromhex("00CB3FFF0000055C035FC1050000")))
    write(t, "truncated-apdu", session(SELECT, bytes.fromhex("00CB3F"), b"", b"\x00"))
    write(t, "lc-mismatch", session(SELECT, bytes.fromhex("0020008008313233"),
                                    bytes.fromhex("00200080033132333435")))
    write(t, "bad-cla", session(SELECT, capdu(0xCB, 0x3F, 0xFF, b"\x5C\x01\x7E", 0, cla=0x80)))
    write(t, "before-select", session(verify(), get_data(b"\x7E")))
    write(t, "power-reset-mid-chain",
          session(chain(0xDB, 0x3F, 0xFF, put)[0], ("power", 2), chain(0xDB, 0x3F, 0xFF, put)[1], SELECT,
                  chain(0xDB, 0x3F, 0xFF, put)[2], pre=PRE_MGM | PRE_SELECT))
    write(t, "chain-interrupted", session(chain(0xDB, 0x3F, 0xFF, put)[0], get_data(b"\x7E"),
                                          pre=PRE_MGM | PRE_SELECT))
    write(t, "get-response-without-pending", session(SELECT, GET_RESPONSE))
    write(t, "get-response-small-le", session(SELECT, capdu(0xCB, 0x3F, 0xFF, b"\x5C\x01\x7E", 5),
                                              capdu(0xC0, 0, 0, le=5), capdu(0xC0, 0, 0, le=0)))
    write(t, "power-events", session(SELECT, verify(), ("power", 0), ("power", 1), verify()))

    records = [(0x01, pin(b"123456") + bytes([3, 3, 1])), (0x02, b"12345678" + bytes([3, 3, 1])),
               (0x03, bytes([0x03, 0x01, 0x01]) + bytes(range(1, 9)) * 3),
               (0x04, struct.pack(">I", 10000001)),
               (0x20, struct.pack(">I", 0x5FC102) + b"\x30\x03\x01\x02\x03")]
    write(t, "state-file-no-keys", state_file(state_image(records)))
    write(t, "state-file-no-keys-sealed", state_file(state_image(records), seal=True))
    write(t, "state-file-bad-seal", state_file(state_image(records)[:-1] + b"\x00", seal=True))
    write(t, "transcript-select",
          transcript_seed(os.path.join(ROOT, "..", "tests", "interop", "data", "select.transcript")))


if __name__ == "__main__":
    acquire_seeds()
    exchange_seeds()
    vpiv_seeds()
