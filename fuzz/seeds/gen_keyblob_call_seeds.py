#!/usr/bin/env python3
"""Writes the seed corpus corpora/fuzz_keyblob/ for fuzz/fuzz_keyblob.c (CardCreateContainerEx
with a key blob; fuzz/seeds/gen_keyblob_seeds.py is the one of fuzz_keyblob_diff). Re-run after
a layout change (the keys are new every run; the committed seeds are one such run):
    python3 fuzz/seeds/gen_keyblob_call_seeds.py
Layout (the top of fuzz_keyblob.c): 7 header bytes (container index, then indexes into the
harness's tables of dwFlags, dwKeySpec, dwKeySize, PinId and CARD_DATA version, then a bit
byte: 1 = admin not authenticated, 2 = NULL pbKeyData, bits 2..7 an injected fault), then the
key blob (after one byte for the transport's failure when the fault is a transport one).
RSA blobs are what `openssl rsa -outform MSBLOB` writes for keys from `openssl genpkey` (an
independent writer of PRIVATEKEYBLOB); ECC blobs (BCRYPT_ECCKEY_BLOB: magic, cbKey, X, Y, d)
are put together here from the numbers `openssl ec -text` prints. One seed per outcome: each
valid kind of key with matching parameters, each error class of md_keyblob.h, each parameter
check of CardCreateContainerEx, and the card's refusals."""
import math
import os
import random
import re
import struct
import subprocess

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "corpora",
                   "fuzz_keyblob")

# Indexes into the harness's tables (fuzz_keyblob.c).
F_IMPORT, F_GEN, F_ZERO, F_THREE = 0, 11, 12, 13
S_KX, S_SIG, S_ECDSA256, S_ECDSA384, S_ECDSA521, S_ECDH256, S_ECDH384 = 0, 1, 2, 3, 4, 5, 6
S_ZERO, S_NINE = 12, 13
Z_0, Z_1024, Z_2048, Z_3072, Z_4096, Z_256, Z_384, Z_521, Z_512 = 0, 1, 2, 3, 4, 5, 6, 7, 9
P_USER, P_EVERYONE, P_ADMIN, P_THREE, P_EIGHT = 0, 1, 2, 3, 6
V7, V6, V5, V4 = 0, 4, 5, 6
NO_ADMIN, NULL_BLOB = 1, 2

CALG_RSA_SIGN = 0x2400
MAGIC = {"ECS1": 0x31534345, "ECS2": 0x32534345, "ECS4": 0x34534345, "ECS6": 0x36534345,
         "ECK2": 0x324B4345, "ECK4": 0x344B4345}
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def openssl(*args, inp=None):
    return subprocess.run(["openssl", *args], input=inp, capture_output=True,
                          check=True).stdout


def rsa_blob(bits, pubexp=65537):
    """A PRIVATEKEYBLOB of a fresh key, written by OpenSSL."""
    pem = openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}",
                  "-pkeyopt", f"rsa_keygen_pubexp:{pubexp}")
    return openssl("rsa", "-outform", "MSBLOB", inp=pem)


def ec_numbers(curve):
    """(field, d, X, Y) of a fresh key, as big-endian bytes."""
    field = 32 if curve == "P-256" else 48
    pem = openssl("genpkey", "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{curve}")
    text = openssl("ec", "-text", "-noout", "-conv_form", "uncompressed", inp=pem).decode()
    m = re.search(r"priv:\s*([0-9a-f:\s]+?)\s*pub:\s*([0-9a-f:\s]+?)\s*ASN1", text)
    d = bytes.fromhex(re.sub(r"[:\s]", "", m.group(1)))
    pub = bytes.fromhex(re.sub(r"[:\s]", "", m.group(2)))
    d = d.lstrip(b"\x00").rjust(field, b"\x00")
    assert pub[0] == 4 and len(pub) == 1 + 2 * field
    return field, d, pub[1:1 + field], pub[1 + field:]


def ecc_blob(magic, field, d, x, y, cb=None):
    return struct.pack("<II", MAGIC[magic], field if cb is None else cb) + x + y + d


def with_alg(blob, alg):
    return blob[:4] + struct.pack("<I", alg) + blob[8:]


def with_u32(blob, off, v):
    return blob[:off] + struct.pack("<I", v) + blob[off + 4:]


def flip(blob, off):
    return blob[:off] + bytes([blob[off] ^ 0x01]) + blob[off + 1:]


# --- an RSA "key" whose numbers pass every check of md_keyblob.h but whose p is composite ----
RNG = random.Random(0x6B62)  # fixed: this one key is the same every run


def is_probable_prime(n):
    for sp in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % sp == 0:
            return n == sp
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(40):
        x = pow(RNG.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def prime(bits, e=65537):
    while True:
        p = RNG.getrandbits(bits) | (3 << (bits - 2)) | 1
        if is_probable_prime(p) and (p - 1) % e != 0:
            return p


def le(v, n):
    return v.to_bytes(n, "little")


def composite_p_blob(bits=1024, e=65537):
    """p is the product of two primes: n = p * q, d, dp, dq, qinv all as the equations of
    md_keyblob.h want them, so only a primality test (the card's) can tell."""
    half, hb, nb = bits // 2, bits // 16, bits // 8
    while True:
        p = prime(half // 2) * prime(half // 2)
        q = prime(half)
        n = p * q
        if p.bit_length() == half and n.bit_length() == bits and math.gcd(e, p - 1) == 1:
            break
    d = pow(e, -1, (p - 1) * (q - 1) // math.gcd(p - 1, q - 1))
    return (bytes([7, 2, 0, 0]) + struct.pack("<I", 0xA400) + b"RSA2" +
            struct.pack("<II", bits, e) + le(n, nb) + le(p, hb) + le(q, hb) +
            le(d % (p - 1), hb) + le(d % (q - 1), hb) + le(pow(q, -1, p), hb) + le(d, nb))


def seed(name, idx, flags, spec, size, pin, ver, bits, blob):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([idx, flags, spec, size, pin, ver, bits]) + blob)


def fault_bytes(kind, k, code=None, bits=0):
    """Byte 6 (bits 0..1 as before, the fault kind in bits 2..3: 1 alloc, 2 APDU, 3 APDU and
    every one after; (k - 1) % 16 in bits 4..7) and, for a transport fault, byte 7 (the failure
    code % 3, and (k - 1) // 16 as b // 3)."""
    b6 = bytes([bits | kind << 2 | ((k - 1) % 16) << 4])
    return b6 if code is None else b6 + bytes([3 * ((k - 1) // 16) + code])


def faults(rsa2048, p256, p384):
    """Accepted imports with a fault injected at the k-th allocation / APDU of the call: before
    the key reaches the card (nothing may change), and after it (the partial-failure window: a
    P-256 import reaches the card at its 15th APDU, an RSA-2048 one at its 17th)."""
    lost, reset, removed = 0, 1, 2
    cases = [
        ("fault-alloc-1-rsa2048", 2, S_KX, Z_0, fault_bytes(1, 1), rsa2048),
        ("fault-alloc-4-p256-cache-put-ignored", 3, S_ECDSA256, Z_256, fault_bytes(1, 4),
         ecc_blob("ECS2", *p256)),
        ("fault-apdu-1-lost-rsa2048", 2, S_KX, Z_0, fault_bytes(2, 1, lost), rsa2048),
        ("fault-apdu-16-reset-rsa2048-mid-chain", 2, S_KX, Z_0, fault_bytes(2, 16, reset),
         rsa2048),
        ("fault-apdu-3-removed-forever-p384", 5, S_ECDH384, Z_0, fault_bytes(3, 3, removed),
         ecc_blob("ECK4", *p384)),
        ("fault-apdu-16-lost-after-import-p256", 3, S_ECDSA256, Z_256,
         fault_bytes(2, 16, lost), ecc_blob("ECS2", *p256)),
        ("fault-apdu-19-reset-at-map-write-p256", 3, S_ECDSA256, Z_256,
         fault_bytes(2, 19, reset), ecc_blob("ECS2", *p256)),
        ("fault-apdu-18-removed-after-import-rsa2048", 2, S_KX, Z_0,
         fault_bytes(3, 18, removed), rsa2048),
    ]
    for name, idx, spec, size, fault, blob in cases:
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(bytes([idx, F_IMPORT, spec, size, P_USER, V7]) + fault + blob)


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        os.remove(os.path.join(OUT, old))
    rsa1024, rsa2048, rsa3072 = rsa_blob(1024), rsa_blob(2048), rsa_blob(3072)
    rsa4096 = rsa_blob(4096)
    rsa1024_e3 = rsa_blob(1024, 3)
    p256, p256b, p384 = ec_numbers("P-256"), ec_numbers("P-256"), ec_numbers("P-384")
    f, _, x, y = p256

    # Valid keys, matching parameters: accepted (the card then holds the blob's key).
    seed("rsa1024-keyx-9a", 0, F_IMPORT, S_KX, Z_1024, P_USER, V7, 0, rsa1024)
    seed("rsa2048-keyx-9d-size0", 2, F_IMPORT, S_KX, Z_0, P_USER, V7, 0, rsa2048)
    seed("rsa2048-sign-9c-pin3", 1, F_IMPORT, S_SIG, Z_2048, P_THREE, V7, 0,
         with_alg(rsa2048, CALG_RSA_SIGN))
    seed("rsa2048-keyx-v4-create", 4, F_IMPORT, S_KX, Z_2048, P_USER, V4, 0, rsa2048)
    seed("rsa3072-keyx-retired-v6", 7, F_IMPORT, S_KX, Z_3072, P_USER, V6, 0, rsa3072)
    seed("rsa4096-keyx-no-admin", 0, F_IMPORT, S_KX, Z_4096, P_USER, V7, NO_ADMIN, rsa4096)
    seed("p256-ecdsa-9e-everyone", 3, F_IMPORT, S_ECDSA256, Z_256, P_EVERYONE, V7, 0,
         ecc_blob("ECS2", *p256))
    seed("p256-ecdh-retired-v5", 10, F_IMPORT, S_ECDH256, Z_0, P_USER, V5, 0,
         ecc_blob("ECK2", *p256))
    seed("p384-ecdsa-9a", 0, F_IMPORT, S_ECDSA384, Z_384, P_USER, V7, 0, ecc_blob("ECS4", *p384))
    seed("p384-ecdh-83-existing", 5, F_IMPORT, S_ECDH384, Z_0, P_USER, V7, 0,
         ecc_blob("ECK4", *p384))
    seed("keygen-p256-ecdh-9d", 2, F_GEN, S_ECDH256, Z_0, P_USER, V7, NULL_BLOB, b"")
    seed("keygen-rsa2048-no-admin", 0, F_GEN, S_KX, Z_2048, P_USER, V7, NO_ADMIN, b"")
    # X, Y of one key with d of another: on the curve, d in range, refused since md_keyblob.c
    # checks d*G = (X, Y).
    seed("p256-point-not-dG", 2, F_IMPORT, S_ECDSA256, Z_256, P_USER, V7, 0,
         ecc_blob("ECS2", f, p256b[1], x, y))

    # The card refuses.
    seed("card-no-admin-6982", 0, F_IMPORT, S_KX, Z_1024, P_USER, V7, NO_ADMIN, rsa1024)
    seed("card-composite-p-6a80", 0, F_IMPORT, S_KX, Z_1024, P_USER, V7, 0, composite_p_blob())

    # Error classes of md_keyblob.h (through the API SHORT / TRAILING cannot happen: the module
    # reads exactly the announced length).
    seed("blob-bad-type-public", 0, F_IMPORT, S_KX, Z_0, P_USER, V7, 0,
         bytes([6]) + rsa1024[1:])
    seed("blob-bad-type-version3", 0, F_IMPORT, S_KX, Z_0, P_USER, V7, 0,
         bytes([7, 3]) + rsa1024[2:])
    seed("blob-bad-alg", 0, F_IMPORT, S_KX, Z_0, P_USER, V7, 0, with_alg(rsa1024, 0x6610))
    seed("blob-bad-magic-rsa1", 0, F_IMPORT, S_KX, Z_0, P_USER, V7, 0,
         rsa1024[:8] + b"RSA1" + rsa1024[12:])
    seed("blob-bad-size-bitlen-1000", 0, F_IMPORT, S_KX, Z_0, P_USER, V7, 0,
         with_u32(rsa1024, 12, 1000))
    seed("blob-bad-size-bitlen-0", 0, F_IMPORT, S_KX, Z_0, P_USER, V7, 0,
         with_u32(rsa1024, 12, 0))
    seed("blob-bad-size-bitlen-20000", 0, F_IMPORT, S_KX, Z_0, P_USER, V7, 0,
         with_u32(rsa1024, 12, 20000))
    seed("blob-unsupported-bitlen-1536", 0, F_IMPORT, S_KX, Z_0, P_USER, V7, 0,
         with_u32(rsa2048, 12, 1536))
    seed("blob-unsupported-bitlen-8192", 0, F_IMPORT, S_KX, Z_0, P_USER, V7, 0,
         with_u32(rsa1024, 12, 8192))
    seed("blob-unsupported-exponent-3", 0, F_IMPORT, S_KX, Z_1024, P_USER, V7, 0, rsa1024_e3)
    seed("blob-inconsistent-exponent-even", 0, F_IMPORT, S_KX, Z_0, P_USER, V7, 0,
         with_u32(rsa1024, 16, 65536))
    seed("blob-inconsistent-p-flipped", 0, F_IMPORT, S_KX, Z_0, P_USER, V7, 0,
         flip(rsa1024, 20 + 128 + 5))
    seed("blob-inconsistent-d-flipped", 0, F_IMPORT, S_KX, Z_0, P_USER, V7, 0,
         flip(rsa1024, len(rsa1024) - 128 + 7))
    seed("blob-bad-magic-ecc-public", 3, F_IMPORT, S_ECDSA256, Z_0, P_USER, V7, 0,
         ecc_blob("ECS1", *p256))
    seed("blob-unsupported-p521-magic", 3, F_IMPORT, S_ECDSA256, Z_0, P_USER, V7, 0,
         ecc_blob("ECS6", *p256, cb=66) + bytes(3 * 66 - 3 * 32))
    seed("blob-bad-size-cbkey-33", 3, F_IMPORT, S_ECDSA256, Z_0, P_USER, V7, 0,
         ecc_blob("ECS2", *p256, cb=33))
    seed("blob-off-curve", 3, F_IMPORT, S_ECDSA256, Z_0, P_USER, V7, 0,
         flip(ecc_blob("ECS2", *p256), 8 + 2 * 32 - 1))
    seed("blob-bad-scalar-zero", 3, F_IMPORT, S_ECDSA256, Z_0, P_USER, V7, 0,
         ecc_blob("ECS2", f, bytes(32), x, y))
    seed("blob-bad-scalar-order", 3, F_IMPORT, S_ECDSA256, Z_0, P_USER, V7, 0,
         ecc_blob("ECS2", f, P256_ORDER.to_bytes(32, "big"), x, y))
    seed("blob-spec-mismatch-ecdsa-as-ecdh", 3, F_IMPORT, S_ECDH256, Z_0, P_USER, V7, 0,
         ecc_blob("ECS2", *p256))
    seed("blob-spec-mismatch-keyx-as-sign", 0, F_IMPORT, S_SIG, Z_0, P_USER, V7, 0, rsa1024)
    seed("blob-spec-mismatch-size", 0, F_IMPORT, S_KX, Z_2048, P_USER, V7, 0, rsa1024)
    seed("blob-spec-mismatch-p384-as-p256", 0, F_IMPORT, S_ECDSA256, Z_0, P_USER, V7, 0,
         ecc_blob("ECS4", *p384))

    # The parameter checks, in their order (no APDU).
    seed("param-1-flags-zero", 0, F_ZERO, S_KX, Z_0, P_USER, V7, 0, rsa1024)
    seed("param-1-flags-three", 0, F_THREE, S_KX, Z_0, P_USER, V7, 0, rsa1024)
    seed("param-2-keyspec-zero", 0, F_IMPORT, S_ZERO, Z_0, P_USER, V7, 0, rsa1024)
    seed("param-2-keyspec-nine", 0, F_IMPORT, S_NINE, Z_0, P_USER, V7, 0, rsa1024)
    seed("param-3-p521", 0, F_IMPORT, S_ECDSA521, Z_521, P_USER, V7, 0, ecc_blob("ECS2", *p256))
    seed("param-3-rsa-size-512", 0, F_IMPORT, S_KX, Z_512, P_USER, V7, 0, rsa1024)
    seed("param-3-ecc-size-384-for-p256", 0, F_IMPORT, S_ECDSA256, Z_384, P_USER, V7, 0,
         ecc_blob("ECS2", *p256))
    seed("param-4-pin-admin", 0, F_IMPORT, S_KX, Z_0, P_ADMIN, V7, 0, rsa1024)
    seed("param-5-index-24", 24, F_IMPORT, S_KX, Z_0, P_USER, V7, 0, rsa1024)
    seed("param-6-pin-8", 0, F_IMPORT, S_KX, Z_0, P_EIGHT, V7, 0, rsa1024)
    seed("param-6-pin3-on-9a", 0, F_IMPORT, S_KX, Z_0, P_THREE, V7, 0, rsa1024)
    seed("param-7-null-blob", 0, F_IMPORT, S_KX, Z_0, P_USER, V7, NULL_BLOB, b"")
    faults(rsa2048, p256, p384)
    print(f"{len(os.listdir(OUT))} seeds in {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
