#!/usr/bin/env python3
"""check_reg.py REG HOST_CARDDATA_C: docs/windows/pivmd.reg registers pivmd.dll correctly.

For every key under ...\\Calais\\SmartCards\\: the five values Windows reads (Microsoft's
"Minidriver Registration": "80000001", ATR, ATRMask, Crypto Provider, Smart Card Key Storage
Provider), "80000001" names pivmd.dll (the mingw preset's output), ATR and ATRMask of the same
length (2..33 bytes), ATR & ATRMask == ATR (else no card ever matches), a valid TCK when the ATR
announces T=1; no ATR twice; the YubiKey 5 ATR the tests use (src/host/host_carddata.c) is there.
Exit 0, or 1 with one line per problem."""
import re
import sys

PREFIX = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography\\Calais\\SmartCards\\"
WANT = {
    '"80000001"': '"pivmd.dll"',
    '"Crypto Provider"': '"Microsoft Base Smart Card Crypto Provider"',
    '"Smart Card Key Storage Provider"': '"Microsoft Smart Card Key Storage Provider"',
}


def hexvalue(v):
    if not v.startswith("hex:"):
        return None
    return bytes(int(x, 16) for x in v[4:].split(","))


def t1_announced(atr):
    """Whether any TDi of the ATR names protocol 1 (ISO 7816-3 8.2)."""
    i, y = 1, atr[1] >> 4 if len(atr) > 1 else 0
    while y:
        for bit in (1, 2, 4):  # TAi, TBi, TCi
            if y & bit:
                i += 1
        if not y & 8:
            return False
        i += 1
        if i >= len(atr):
            return False
        if atr[i] & 0x0F == 1:
            return True
        y = atr[i] >> 4
    return False


def main():
    reg = open(sys.argv[1], encoding="utf-8").read().replace("\r\n", "\n")
    src = open(sys.argv[2], encoding="utf-8").read()
    problems, atrs = [], set()
    if not reg.startswith("Windows Registry Editor Version 5.00\n"):
        problems.append("no 'Windows Registry Editor Version 5.00' header")
    keys = re.split(r"^\[(.*)\]\n", reg, flags=re.M)[1:]
    if not keys:
        problems.append("no key")
    for name, body in zip(keys[0::2], keys[1::2]):
        if not name.startswith(PREFIX):
            problems.append(f"[{name}] is not under {PREFIX}")
            continue
        card = name[len(PREFIX):]
        values = dict(l.split("=", 1) for l in body.splitlines() if l and not l.startswith(";"))
        for k, v in WANT.items():
            if values.get(k) != v:
                problems.append(f"{card}: {k} is {values.get(k)}, want {v}")
        atr, mask = hexvalue(values.get('"ATR"', "")), hexvalue(values.get('"ATRMask"', ""))
        if atr is None or mask is None:
            problems.append(f"{card}: ATR or ATRMask missing or not hex:")
            continue
        if len(atr) != len(mask) or not 2 <= len(atr) <= 33:
            problems.append(f"{card}: ATR {len(atr)} bytes, mask {len(mask)}")
        if bytes(a & m for a, m in zip(atr, mask)) != atr:
            problems.append(f"{card}: ATR & ATRMask != ATR: no card can match")
        if t1_announced(atr):
            tck = 0
            for b in atr[1:]:
                tck ^= b
            if tck:
                problems.append(f"{card}: TCK does not check (XOR T0..TCK = {tck:02X})")
        if atr in atrs:
            problems.append(f"{card}: ATR registered twice")
        atrs.add(atr)
    m = re.search(r"ch_host_default_atr\[\]\s*=\s*\{([^}]*)\}", src)
    host = bytes(int(x, 16) for x in re.findall(r"0x([0-9A-Fa-f]{2})", m.group(1))) if m else b""
    if not host or host not in atrs:
        problems.append("the tests' YubiKey 5 ATR (ch_host_default_atr) is not registered")
    for p in problems:
        print("pivmd.reg: " + p)
    print(f"pivmd.reg: {len(atrs)} ATRs checked" if not problems else "")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
