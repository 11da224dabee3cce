#!/usr/bin/env python3
"""Writes the seed corpus corpora/fuzz_keyblob_diff/ for fuzz/fuzz_keyblob_diff.c:
    python3 fuzz/seeds/gen_keyblob_seeds.py
The input is one key blob (no framing). The keys are fresh random test keys on every run (the
committed seeds are one such run), made with the openssl command line:
  - RSA 1024/2048/3072/4096, e = 65537: `openssl genrsa` + `openssl rsa -outform MSBLOB`
    (OpenSSL's MSBLOB writer: aiKeyAlg CALG_RSA_KEYX); one with CALG_RSA_SIGN patched in;
  - RSA 1024 with e = 3 (`openssl genrsa -3`) and the PUBLICKEYBLOB of a key;
  - P-256 / P-384 BCRYPT_ECCKEY_BLOBs (ECDSA and ECDH private magics, ECDH public) put
    together here from `openssl ec -text`;
  - malformed variants, one error class each, named after the verdict they should get."""
import os
import re
import struct
import subprocess
import tempfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "corpora",
                   "fuzz_keyblob_diff")

ECDSA_PRIV = {32: 0x32534345, 48: 0x34534345}
ECDH_PRIV = {32: 0x324B4345, 48: 0x344B4345}
ECDH_PUB = {32: 0x314B4345, 48: 0x334B4345}
P521_PRIV = 0x36534345
CURVE = {32: "prime256v1", 48: "secp384r1"}
# Field primes and group orders (FIPS 186-4 D.1.2.3 / D.1.2.4).
P = {32: 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF,
     48: int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFE"
             "FFFFFFFF0000000000000000FFFFFFFF", 16)}
N = {32: 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
     48: int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
             "581A0DB248B0A77AECEC196ACCC52973", 16)}


def seed(name, data):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, check=True,
                          stdout=subprocess.PIPE).stdout


def rsa_blob(tmp, bits, exp3=False, public=False):
    pem = os.path.join(tmp, "rsa%d.pem" % bits)
    openssl("genrsa", *(["-3"] if exp3 else []), "-out", pem, str(bits))
    return openssl("rsa", "-in", pem, *(["-pubout"] if public else []), "-outform", "MSBLOB")


def ec_numbers(tmp, field):
    """(x, y, d) of a fresh key, as integers, from `openssl ec -text`."""
    pem = os.path.join(tmp, "ec%d.pem" % field)
    openssl("ecparam", "-name", CURVE[field], "-genkey", "-noout", "-out", pem)
    text = openssl("ec", "-in", pem, "-text", "-noout").decode()
    def block(label):
        m = re.search(label + r":\s*\n((?:\s+[0-9a-f:]+\n)+)", text)
        return bytes.fromhex(re.sub(r"[\s:]", "", m.group(1)))
    d = int.from_bytes(block("priv"), "big")
    pub = block("pub")
    assert pub[0] == 4 and len(pub) == 1 + 2 * field
    return (int.from_bytes(pub[1:1 + field], "big"), int.from_bytes(pub[1 + field:], "big"), d)


def ec_blob(magic, cb, field, x, y, d=None):
    out = struct.pack("<II", magic, cb) + x.to_bytes(field, "big") + y.to_bytes(field, "big")
    return out + (d.to_bytes(field, "big") if d is not None else b"")


def patch(blob, off, new):
    return blob[:off] + new + blob[off + len(new):]


def flip(blob, off, mask):
    return patch(blob, off, bytes([blob[off] ^ mask]))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        rsa = {bits: rsa_blob(tmp, bits) for bits in (1024, 2048, 3072, 4096)}
        for bits, b in rsa.items():
            assert len(b) == 20 + 9 * bits // 16 and b[:2] == b"\x07\x02"
            seed("rsa-%d-keyx" % bits, b)
        k = rsa[1024]
        nb, hb = 128, 64
        seed("rsa-2048-sign", patch(rsa[2048], 4, struct.pack("<I", 0x2400)))
        seed("rsa-1024-e3-unsupported", rsa_blob(tmp, 1024, exp3=True))
        seed("rsa-1024-publickeyblob-bad-type", rsa_blob(tmp, 1024, public=True))
        # Malformed RSA, one error class each.
        seed("rsa-1024-truncated-short", k[:-1])
        seed("rsa-1024-header-only-short", k[:20])
        seed("rsa-1024-trailing", k + b"\x00")
        seed("rsa-1024-version1-bad-type", patch(k, 1, b"\x01"))
        seed("rsa-1024-calg-sha1-bad-alg", patch(k, 4, struct.pack("<I", 0x8004)))
        seed("rsa-1024-magic-rsa1-bad-magic", patch(k, 8, b"RSA1"))
        seed("rsa-1024-magic-dss2-bad-magic", patch(k, 8, b"DSS2"))
        seed("rsa-bitlen-1023-bad-size", patch(k, 12, struct.pack("<I", 1023)))
        seed("rsa-bitlen-0-bad-size", patch(k[:20], 12, struct.pack("<I", 0)))
        hdr1536 = patch(k[:20], 12, struct.pack("<I", 1536))
        seed("rsa-bitlen-1536-unsupported", hdr1536 + bytes(9 * 1536 // 16))
        seed("rsa-bitlen-8192-short", patch(k, 12, struct.pack("<I", 8192)))
        seed("rsa-1024-e-even-inconsistent", patch(k, 16, struct.pack("<I", 65536)))
        seed("rsa-1024-p-flipped-inconsistent", flip(k, 20 + nb, 0x02))
        seed("rsa-1024-dp-flipped-inconsistent", flip(k, 20 + nb + 2 * hb, 0x02))
        seed("rsa-1024-qinv-flipped-inconsistent", flip(k, 20 + nb + 4 * hb, 0x02))
        seed("rsa-1024-d-flipped-inconsistent", flip(k, 20 + nb + 5 * hb, 0x02))

        for field in (32, 48):
            x, y, d = ec_numbers(tmp, field)
            bits = 8 * field
            seed("ecdsa-p%d" % bits, ec_blob(ECDSA_PRIV[field], field, field, x, y, d))
            seed("ecdh-p%d" % bits, ec_blob(ECDH_PRIV[field], field, field, x, y, d))
            seed("ecdh-public-p%d" % bits, ec_blob(ECDH_PUB[field], field, field, x, y))
            good = ec_blob(ECDSA_PRIV[field], field, field, x, y, d)
            seed("ecdsa-p%d-trailing" % bits, good + b"\x00")
            seed("ecdsa-p%d-short" % bits, good[:-1])
            seed("ecdsa-p%d-cbkey-bad-size" % bits,
                 ec_blob(ECDSA_PRIV[field], 80 - field, field, x, y, d))
            seed("ecdsa-p%d-y-plus-1-off-curve" % bits,
                 ec_blob(ECDSA_PRIV[field], field, field, x, (y + 1) % P[field], d))
            seed("ecdsa-p%d-scalar-0-bad-scalar" % bits,
                 ec_blob(ECDSA_PRIV[field], field, field, x, y, 0))
            seed("ecdsa-p%d-scalar-n-bad-scalar" % bits,
                 ec_blob(ECDSA_PRIV[field], field, field, x, y, N[field]))
        x, y, d = ec_numbers(tmp, 32)
        seed("ecdsa-p256-x-is-p-off-curve", ec_blob(ECDSA_PRIV[32], 32, 32, P[32], y, d))
        seed("ecdsa-p521-unsupported", struct.pack("<II", P521_PRIV, 66) + bytes(3 * 66))
        seed("ecdsa-public-magic-bad-magic", ec_blob(0x31534345, 32, 32, x, y, d))


if __name__ == "__main__":
    main()
