#!/usr/bin/env python3
"""Writes the seed corpus corpora/fuzz_x509/ for fuzz/fuzz_x509.c:
    python3 fuzz/seeds/gen_x509_seeds.py
The input is one DER certificate (no framing). Keys and certificates are fresh on every run (the
committed seeds are one such run), made with the openssl command line:
  - self-signed `openssl req -x509` certificates (v3, with extensions): RSA 1024/2048/3072/4096
    (e = 65537), RSA 1024 with e = 3 and with a 64-bit e, RSA-PSS, P-256, P-384, P-521,
    secp256k1, Ed25519, a P-256 key written with a compressed point and one with explicit curve
    parameters; a v1 certificate (`openssl x509 -req`, no [0] version); one with more
    extensions; one with a long issuer (lengths in the 82 form);
  - variants made here by re-assembling those certificates' DER, one feature each: malformed
    framing (truncated, trailing byte, length overlong, indefinite length, wrong outer tag,
    empty serial), BER that OpenSSL takes and our parser refuses (5 length octets, high-tag
    form, constructed BIT STRING, padded or negative INTEGERs, unused bits, parameters), keys
    at and past our limits (modulus bits, exponent size and parity), EC points (off the curve,
    hybrid, wrong length), and certificates OpenSSL refuses outside the key (serial padding,
    bad validity) that our parser must still read.
Each seed's name ends with the verdict ch_piv_x509_pubkey should give: -ok, -unexpected,
-unsupported."""
import os
import subprocess
import tempfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "corpora",
                   "fuzz_x509")

OID_RSA = bytes.fromhex("2a864886f70d010101")
OID_EC = bytes.fromhex("2a8648ce3d0201")
OID_P256 = bytes.fromhex("2a8648ce3d030107")
OID_P384 = bytes.fromhex("2b81040022")
OID_P521 = bytes.fromhex("2b81040023")


def seed(name, data):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def openssl(*args):
    return subprocess.run(["openssl", *args], check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL).stdout


# ---- DER ------------------------------------------------------------------------------------

def enc_len(n, octets=None):
    """Minimal DER length, or the long form with exactly `octets` length octets."""
    if octets is None:
        if n < 0x80:
            return bytes([n])
        octets = (n.bit_length() + 7) // 8
    return bytes([0x80 | octets]) + n.to_bytes(octets, "big")


def tlv(tag, value, octets=None, indefinite=False):
    tag = tag if isinstance(tag, bytes) else bytes([tag])
    if indefinite:
        return tag + b"\x80" + value + b"\x00\x00"
    return tag + enc_len(len(value), octets) + value


def parse(b):
    """The TLVs of one level (definite lengths) as [tag bytes, value] pairs."""
    out, i = [], 0
    while i < len(b):
        t0 = i
        i += 1
        if b[t0] & 0x1F == 0x1F:
            while b[i] & 0x80:
                i += 1
            i += 1
        tag, n = b[t0:i], b[i]
        i += 1
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(b[i:i + k], "big")
            i += k
        out.append([tag, b[i:i + n]])
        i += n
    return out


def integer(v):
    return tlv(0x02, v.to_bytes(v.bit_length() // 8 + 1, "big"))


class Cert:
    """A certificate split into its parts, to put together again with changes."""

    def __init__(self, der):
        (_, body), = parse(der)
        (_, tbs), self.sigalg, self.sig = parse(body)
        self.elems = [tlv(t, v) for t, v in parse(tbs)]
        self.spki_at = 6 if self.elems[0][0] == 0xA0 else 5

    def spki(self):
        return self.elems[self.spki_at]

    def build(self, elems=None, spki=None, sigalg=None, sig=None, outer=None, tbs=None):
        elems = list(self.elems if elems is None else elems)
        if spki is not None:
            elems[self.spki_at] = spki
        tbs = tbs or (lambda v: tlv(0x30, v))
        body = tbs(b"".join(elems)) + tlv(*(sigalg or self.sigalg)) + tlv(*(sig or self.sig))
        return (outer or (lambda v: tlv(0x30, v)))(body)


def rsa_spki(n, e, params=b"\x05\x00", unused=0, after=b"", n_der=None, e_der=None):
    key = tlv(0x30, (n_der or integer(n)) + (e_der or integer(e))) + after
    return tlv(0x30, tlv(0x30, tlv(0x06, OID_RSA) + params) + tlv(0x03, bytes([unused]) + key))


def rsa_spki_raw(seq_value):
    key = tlv(0x30, seq_value)
    return tlv(0x30, tlv(0x30, tlv(0x06, OID_RSA) + b"\x05\x00") + tlv(0x03, b"\x00" + key))


def ec_spki(params, point, unused=0):
    return tlv(0x30, tlv(0x30, tlv(0x06, OID_EC) + params) + tlv(0x03, bytes([unused]) + point))


def rsa_numbers(c):
    (_, key), = parse(parse(parse(c.spki())[0][1])[1][1][1:])
    n, e = parse(key)
    return int.from_bytes(n[1], "big"), int.from_bytes(e[1], "big")


def ec_point(c):
    return parse(parse(c.spki())[0][1])[1][1][1:]


# ---- certificates from openssl ---------------------------------------------------------------

def self_signed(tmp, name, genpkey_args, *req_args):
    key = os.path.join(tmp, name + ".pem")
    openssl("genpkey", *genpkey_args, "-out", key)
    return openssl("req", "-x509", "-key", key, "-subj", "/CN=" + name, "-days", "30",
                   "-outform", "DER", *req_args), key


def ec_key_cert(tmp, name, curve, *ec_args):
    key = os.path.join(tmp, name + ".pem")
    openssl("ecparam", "-name", curve, "-genkey", "-noout", "-out", key)
    if ec_args:
        out = os.path.join(tmp, name + "-2.pem")
        openssl("ec", "-in", key, *ec_args, "-out", out)
        key = out
    return openssl("req", "-x509", "-key", key, "-subj", "/CN=" + name, "-days", "30",
                   "-outform", "DER")


def rsa_args(bits, e=None):
    args = ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:%d" % bits]
    return args + (["-pkeyopt", "rsa_keygen_pubexp:%d" % e] if e else [])


def main():
    with tempfile.TemporaryDirectory() as tmp:
        rsa = {}
        for bits in (1024, 2048, 3072, 4096):
            rsa[bits], _ = self_signed(tmp, "rsa%d" % bits, rsa_args(bits))
            seed("rsa-%d-ok" % bits, rsa[bits])
        seed("rsa-1024-e3-ok", self_signed(tmp, "rsae3", rsa_args(1024, 3))[0])
        seed("rsa-1024-e64bit-unsupported",
             self_signed(tmp, "rsae64", rsa_args(1024, (1 << 64) - 59))[0])
        seed("rsa-pss-2048-unsupported",
             self_signed(tmp, "pss", ["-algorithm", "RSA-PSS", "-pkeyopt",
                                      "rsa_keygen_bits:2048"])[0])
        seed("ed25519-unsupported", self_signed(tmp, "ed", ["-algorithm", "ED25519"])[0])
        der, key = self_signed(tmp, "rsaext", rsa_args(2048), "-addext",
                               "subjectAltName=DNS:card.example,email:a@example.org",
                               "-addext", "keyUsage=critical,digitalSignature,keyEncipherment",
                               "-addext", "extendedKeyUsage=clientAuth,1.3.6.1.4.1.311.20.2.2")
        seed("rsa-2048-extensions-ok", der)
        csr = os.path.join(tmp, "v1.csr")
        openssl("req", "-new", "-key", key, "-subj", "/CN=v1", "-out", csr)
        v1 = openssl("x509", "-req", "-in", csr, "-signkey", key, "-days", "30",
                     "-outform", "DER")
        assert Cert(v1).elems[0][0] == 0x02
        seed("rsa-2048-v1-ok", v1)
        longname = "/CN=long/O=" + "o" * 60 + "".join("/OU=unit%02d%s" % (i, "u" * 40)
                                                      for i in range(8))
        seed("rsa-2048-long-issuer-ok",
             openssl("req", "-x509", "-key", key, "-subj", longname, "-days", "30",
                     "-outform", "DER"))

        ec = {f: ec_key_cert(tmp, "p%d" % (8 * f), c)
              for f, c in ((32, "prime256v1"), (48, "secp384r1"))}
        seed("ec-p256-ok", ec[32])
        seed("ec-p384-ok", ec[48])
        seed("ec-p521-unsupported", ec_key_cert(tmp, "p521", "secp521r1"))
        seed("ec-secp256k1-unsupported", ec_key_cert(tmp, "k256", "secp256k1"))
        seed("ec-p256-compressed-unsupported",
             ec_key_cert(tmp, "p256c", "prime256v1", "-conv_form", "compressed"))
        seed("ec-p256-explicit-params-unsupported",
             ec_key_cert(tmp, "p256x", "prime256v1", "-param_enc", "explicit"))

    c, c1 = Cert(rsa[2048]), Cert(rsa[1024])
    e_c = Cert(ec[32])
    n, e = rsa_numbers(c)
    good = c.build()
    assert good == rsa[2048]

    # Framing, whole certificate.
    seed("frame-truncated-unexpected", good[:-1])
    seed("frame-truncated-half-unexpected", good[:len(good) // 2])
    seed("frame-trailing-byte-unexpected", good + b"\x00")
    body = parse(good)[0][1]
    seed("frame-length-overlong-unexpected", b"\x30" + enc_len(len(body) + 1) + body)
    seed("frame-outer-indefinite-unexpected", c.build(outer=lambda v: tlv(0x30, v,
                                                                          indefinite=True)))
    seed("frame-tbs-indefinite-unexpected", c.build(tbs=lambda v: tlv(0x30, v,
                                                                      indefinite=True)))
    seed("frame-outer-tag-31-unexpected", b"\x31" + good[1:])
    seed("frame-outer-5-length-octets-unexpected", c.build(outer=lambda v: tlv(0x30, v, 5)))
    seed("frame-outer-4-length-octets-ok", c.build(outer=lambda v: tlv(0x30, v, 4)))
    seed("frame-extra-element-unexpected",
         tlv(0x30, parse(good)[0][1] + b"\x05\x00"))
    seed("frame-sig-constructed-unexpected",
         c.build(sig=(b"\x23", tlv(0x03, c.sig[1]))))
    el = list(c.elems)
    el[1] = tlv(0x02, b"")
    seed("frame-serial-empty-unexpected", c.build(el))
    el[1] = tlv(b"\x1f\x02", b"\x01")
    seed("frame-serial-high-tag-unexpected", c.build(el))
    el = list(c.elems)
    el[0] = tlv(0xA0, tlv(0x02, b""))
    seed("frame-version-empty-unexpected", c.build(el))
    el[0] = tlv(0xA0, tlv(0x02, b"\x02") + b"\x05\x00")
    seed("frame-version-extra-unexpected", c.build(el))
    el[0] = tlv(0xA0, tlv(0x02, b"\x07"))
    seed("frame-version-7-ok", c.build(el))
    el[0] = tlv(0xA0, tlv(0x04, b"\x02"))
    seed("frame-version-not-integer-unexpected", c.build(el))
    for i, what in ((c.spki_at - 4, "sigalg"), (c.spki_at - 2, "validity"),
                    (c.spki_at - 1, "subject")):
        el = list(c.elems)
        el[i] = b"\x31" + el[i][1:]
        seed("frame-%s-not-sequence-unexpected" % what, c.build(el))
    seed("frame-tbs-empty-unexpected", tlv(0x30, tlv(0x30, b"") + tlv(*c.sigalg) + tlv(*c.sig)))
    seed("frame-cert-sigalg-missing-unexpected",
         tlv(0x30, tlv(0x30, b"".join(c.elems)) + tlv(*c.sig)))
    el = list(c.elems)
    el.append(tlv(b"\x9f\x81\x80\x80\x01", b""))
    seed("frame-tbs-tag-5-bytes-unexpected", c.build(el))
    el = list(c.elems)
    el.insert(c.spki_at + 1, tlv(0x81, b"\x00"))
    seed("frame-issuer-unique-id-ok", c.build(el))
    el = list(c.elems)
    el[c.spki_at - 3] = b"\x10" + el[c.spki_at - 3][1:]  # OpenSSL 3.0 takes this Name
    seed("frame-issuer-primitive-tag-unexpected", c.build(el))
    # OpenSSL refuses these outside the key; we frame those parts only.
    el = list(c.elems)
    el[1] = tlv(0x02, b"\x00\x01")
    seed("openssl-refuses-serial-padding-ok", c.build(el))
    el = list(c.elems)
    el[c.spki_at - 2] = tlv(0x30, tlv(0x17, b"not a time"))
    seed("openssl-refuses-validity-ok", c.build(el))
    seed("openssl-refuses-sig-unused-9-ok", c.build(sig=(b"\x03", b"\x09" + c.sig[1][1:])))

    # RSA keys.
    seed("rsa-params-absent-ok", c.build(spki=rsa_spki(n, e, params=b"")))
    seed("rsa-params-integer-unexpected", c.build(spki=rsa_spki(n, e, params=b"\x02\x01\x00")))
    seed("rsa-n-padded-unexpected",
         c.build(spki=rsa_spki(n, e, n_der=tlv(2, b"\x00" + parse(integer(n))[0][1]))))
    seed("rsa-n-negative-unexpected",
         c.build(spki=rsa_spki(n, e, n_der=tlv(2, n.to_bytes(256, "big")))))
    seed("rsa-e-padded-unexpected",
         c.build(spki=rsa_spki(n, e, e_der=tlv(2, b"\x00\x01\x00\x01"))))
    seed("rsa-e-zero-unexpected", c.build(spki=rsa_spki(n, 0)))
    seed("rsa-e-1-unsupported", c.build(spki=rsa_spki(n, 1)))
    seed("rsa-e-65536-unsupported", c.build(spki=rsa_spki(n, 65536)))
    seed("rsa-e-ffffffff-ok", c.build(spki=rsa_spki(n, 0xFFFFFFFF)))
    seed("rsa-e-2pow32-plus-1-unsupported", c.build(spki=rsa_spki(n, (1 << 32) + 1)))
    seed("rsa-n-empty-unexpected", c.build(spki=rsa_spki(n, e, n_der=b"\x02\x00")))
    seed("rsa-n-octet-string-unexpected",
         c.build(spki=rsa_spki(n, e, n_der=tlv(4, parse(integer(n))[0][1]))))
    seed("rsa-key-e-missing-unexpected", c.build(spki=rsa_spki_raw(integer(n))))
    seed("rsa-key-extra-element-unexpected",
         c.build(spki=rsa_spki_raw(integer(n) + integer(e) + integer(1))))
    seed("rsa-params-null-content-unexpected",
         c.build(spki=rsa_spki(n, e, params=b"\x05\x01\x00")))
    # OpenSSL 3.0 cannot read 05 81 00 at the end of the AlgorithmIdentifier; we can.
    seed("rsa-params-null-long-form-ok", c.build(spki=rsa_spki(n, e, params=b"\x05\x81\x00")))
    seed("rsa-params-two-unexpected", c.build(spki=rsa_spki(n, e, params=b"\x05\x00\x05\x00")))
    seed("rsa-n-even-unexpected", c.build(spki=rsa_spki(n ^ 1, e)))
    seed("rsa-n-1023-bits-unsupported", c.build(spki=rsa_spki((1 << 1022) | 1, e)))
    seed("rsa-n-1024-bits-ok", c.build(spki=rsa_spki((1 << 1023) | 1, e)))
    seed("rsa-n-4096-bits-ok", c.build(spki=rsa_spki((1 << 4095) | 1, e)))
    seed("rsa-n-4097-bits-unsupported", c.build(spki=rsa_spki((1 << 4096) | 1, e)))
    seed("rsa-key-trailing-byte-unexpected", c.build(spki=rsa_spki(n, e, after=b"\x00")))
    seed("rsa-key-unused-bits-unexpected", c.build(spki=rsa_spki(n, e, unused=1)))
    seed("rsa-key-seq-indefinite-unexpected",
         c.build(spki=tlv(0x30, tlv(0x30, tlv(6, OID_RSA) + b"\x05\x00") +
                          tlv(3, b"\x00" + tlv(0x30, integer(n) + integer(e), indefinite=True)))))
    seed("rsa-bitstring-constructed-unexpected",
         c.build(spki=tlv(0x30, tlv(0x30, tlv(6, OID_RSA) + b"\x05\x00") +
                          tlv(0x23, tlv(3, b"\x00" + tlv(0x30, integer(n) + integer(e)))))))
    seed("rsa-1024-into-2048-cert-ok", c.build(spki=c1.spki()))

    # EC keys.
    pt = ec_point(e_c)
    named = tlv(6, OID_P256)
    seed("ec-p256-params-absent-unexpected", e_c.build(spki=ec_spki(b"", pt)))
    seed("ec-p256-params-null-unsupported", e_c.build(spki=ec_spki(b"\x05\x00", pt)))
    seed("ec-p256-params-integer-unexpected", e_c.build(spki=ec_spki(b"\x02\x01\x01", pt)))
    seed("ec-p521-oid-p256-point-unsupported", e_c.build(spki=ec_spki(tlv(6, OID_P521), pt)))
    seed("ec-p384-oid-p256-point-unexpected", e_c.build(spki=ec_spki(tlv(6, OID_P384), pt)))
    off = pt[:-1] + bytes([pt[-1] ^ 1])
    seed("ec-p256-off-curve-ok", e_c.build(spki=ec_spki(named, off)))
    seed("ec-p256-hybrid-unexpected",
         e_c.build(spki=ec_spki(named, bytes([6 | (pt[-1] & 1)]) + pt[1:])))
    seed("ec-p256-point-short-unexpected", e_c.build(spki=ec_spki(named, pt[:-1])))
    seed("ec-p256-point-infinity-unexpected", e_c.build(spki=ec_spki(named, b"\x00")))
    seed("ec-p256-unused-bits-unexpected", e_c.build(spki=ec_spki(named, pt, unused=3)))
    seed("ec-p256-oid-high-tag-unexpected",
         e_c.build(spki=ec_spki(tlv(b"\x1f\x06", OID_P256), pt)))
    seed("ec-p256-point-empty-unexpected", e_c.build(spki=ec_spki(named, b"")))
    seed("ec-p256-compressed-too-long-unexpected",
         e_c.build(spki=ec_spki(named, b"\x02" + pt[1:])))
    seed("ec-p256-params-two-unexpected", e_c.build(spki=ec_spki(named + b"\x05\x00", pt)))
    seed("ec-params-oid-incomplete-unexpected",
         e_c.build(spki=ec_spki(tlv(6, OID_P256[:-1] + b"\x87"), pt)))
    seed("spki-alg-not-sequence-unexpected",
         e_c.build(spki=tlv(0x30, tlv(0x31, tlv(6, OID_EC) + named) + tlv(3, b"\x00" + pt))))
    seed("spki-extra-element-unexpected",
         e_c.build(spki=tlv(0x30, tlv(0x30, tlv(6, OID_EC) + named) + tlv(3, b"\x00" + pt) +
                            b"\x05\x00")))
    seed("other-alg-one-param-unsupported",
         e_c.build(spki=tlv(0x30, tlv(0x30, tlv(6, b"\x2b\x65\x70") + b"\x05\x00") +
                            tlv(3, bytes(33)))))
    seed("other-alg-unused-bits-unsupported",
         e_c.build(spki=tlv(0x30, tlv(0x30, tlv(6, b"\x2b\x65\x70")) +
                            tlv(3, b"\x01" + bytes(32)))))
    seed("other-alg-null-long-form-unsupported",
         e_c.build(spki=tlv(0x30, tlv(0x30, tlv(6, b"\x2b\x65\x70") + b"\x05\x81\x00") +
                            tlv(3, bytes(33)))))
    seed("other-alg-two-params-unexpected",
         e_c.build(spki=tlv(0x30, tlv(0x30, tlv(6, b"\x2b\x65\x70") + b"\x05\x00\x05\x00") +
                            tlv(3, bytes(33)))))
    seed("frame-tbs-without-spki-unexpected", e_c.build(e_c.elems[:e_c.spki_at]))
    bad_oid = tlv(0x30, tlv(6, OID_EC + b"\x86") + named)
    seed("spki-oid-incomplete-unexpected",
         e_c.build(spki=tlv(0x30, bad_oid + tlv(3, b"\x00" + pt))))
    seed("spki-oid-empty-unexpected",
         e_c.build(spki=tlv(0x30, tlv(0x30, b"\x06\x00" + named) + tlv(3, b"\x00" + pt))))
    seed("spki-bitstring-empty-unexpected",
         e_c.build(spki=tlv(0x30, tlv(0x30, tlv(6, OID_EC) + named) + b"\x03\x00")))
    seed("spki-unused-8-unexpected", e_c.build(spki=ec_spki(named, pt, unused=8)))
    seed("other-alg-empty-bits-unused-unexpected",
         e_c.build(spki=tlv(0x30, tlv(0x30, tlv(6, b"\x2b\x65\x70")) + b"\x03\x01\x05")))


if __name__ == "__main__":
    main()
