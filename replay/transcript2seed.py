#!/usr/bin/env python3
"""transcript2seed: turn a card transcript into a fuzz seed.

A transcript is what vpiv-vpcd --transcript and vpcd-card --transcript append: one line per
half exchange,

    > 00A4040009A0000003080000100000      (the command the host sent)
    < 61114F0600001000010079074F05A0000003089000   (the card's answer)

Hex digits may be separated by spaces or colons; blank lines and lines starting with '#' are
ignored. Every '>' line must be followed by exactly one '<' line.

The seed is the card's side only, in the script format of src/transport/script.h: each
R-APDU as a big-endian u16 length followed by its bytes, in order. The C-APDUs are not part of
a seed (the module under test sends them again), but they are checked for pairing.
For --target fuzz_vpiv it is the other way round: the card (vpiv) is under test, so the seed
is the host's side, the C-APDUs, and the answers are dropped.

Usage:
    transcript2seed.py [--target fuzz_acquire|fuzz_vpiv | --raw] [--atr HEX] [--version N]
                       [--card-name NAME] [--skip N] [--limit N] [-o SEED] TRANSCRIPT

    --target fuzz_acquire  prepend the fuzz_acquire header (docs/fuzzing.md "fuzz_acquire
                           layout"): dwVersion 7, dwFlags 0, NULL mask 0, shape 0, no
                           allocation failure, the ATR (--atr, default: vpiv's), the card
                           name (--card-name, default "vpiv") as UTF-16LE. This is the default.
    --target fuzz_vpiv     a mode-0 (APDU session) seed of fuzz_vpiv (docs/fuzzing.md
                           "fuzz_vpiv layout"): mode 0, seed 0, no pre-authentication, then
                           every C-APDU ('>' lines) as a big-endian u16 length followed by
                           its bytes. --atr, --version and --card-name do not apply.
    --raw                  write the script alone (for harnesses that take a bare script).
    --skip N / --limit N   drop the first N exchanges / keep at most N (after --skip).
    -o SEED                output file (default: standard output, which must not be a tty).

Example: record yubico-piv-tool talking to vpiv, then make a fuzz_acquire seed from it:

    vpiv-vpcd --port 35963 --transcript /tmp/t.txt &   # with pcscd + vpcd running
    yubico-piv-tool -r 'Virtual PCD' -a status
    replay/transcript2seed.py --target fuzz_acquire -o corpora/fuzz_acquire/vpiv-status /tmp/t.txt

Exit status: 0 on success, 1 on a malformed transcript (with file:line and the reason), 2 on
bad usage. Python 3 standard library only.
"""

import argparse
import struct
import sys

# vpiv_atr() (src/vpiv/vpiv_card.c): a YubiKey 5's ATR.
VPIV_ATR = "3BFD1300008131FE158073C021C057597562694B657940"
ATR_MIN, ATR_MAX = 2, 33          # what fuzz_acquire's header can say (cbAtr is a u8)
MAX_ENTRY = 0xFEFF                # lengths from 0xFF00 up are script events, not answers
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2


class TranscriptError(Exception):
    """A malformed transcript; the message names file and line."""


def parse_hex(text, where):
    digits = "".join(ch for ch in text if ch not in " \t:")
    if len(digits) % 2:
        raise TranscriptError(f"{where}: odd number of hex digits ({len(digits)})")
    try:
        return bytes.fromhex(digits)
    except ValueError as exc:
        raise TranscriptError(f"{where}: not hex: {exc}") from None


def read_exchanges(lines, name):
    """[(capdu, rapdu), ...] from transcript lines; raises TranscriptError."""
    exchanges = []
    pending = None  # (capdu, lineno) waiting for its answer
    for lineno, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{name}:{lineno}"
        direction, body = line[0], line[1:]
        if direction == ">":
            if pending is not None:
                raise TranscriptError(f"{where}: command without an answer "
                                      f"(the one on line {pending[1]})")
            capdu = parse_hex(body, where)
            if not capdu:
                raise TranscriptError(f"{where}: empty command")
            pending = (capdu, lineno)
        elif direction == "<":
            if pending is None:
                raise TranscriptError(f"{where}: answer without a command")
            rapdu = parse_hex(body, where)
            if len(rapdu) > MAX_ENTRY:
                raise TranscriptError(f"{where}: answer of {len(rapdu)} bytes is longer than "
                                      f"a script entry ({MAX_ENTRY})")
            exchanges.append((pending[0], rapdu))
            pending = None
        else:
            raise TranscriptError(f"{where}: expected '> HEX' or '< HEX', got {line[:20]!r}")
    if pending is not None:
        raise TranscriptError(f"{name}:{pending[1]}: the transcript ends before this "
                              f"command's answer")
    return exchanges


def script_bytes(exchanges):
    out = bytearray()
    for _, rapdu in exchanges:
        out += struct.pack(">H", len(rapdu)) + rapdu
    return bytes(out)


def fuzz_acquire_header(atr, card_name, version=7):
    name = card_name.encode("utf-16-le")
    units = len(name) // 2
    if units > 255:
        raise ValueError(f"card name of {units} UTF-16 units does not fit the header (255)")
    return (struct.pack("<II", version, 0)        # dwVersion, dwFlags
            + bytes([0, 0, 0, len(atr)])          # NULL mask, shape, k (no failure), cbAtr
            + atr
            + bytes([units]) + name)


def fuzz_vpiv_seed(exchanges):
    """fuzz_vpiv mode 0: u8 mode 0, u64 LE seed 0, u8 pre-authentication flags 0, then each
    C-APDU as u16 BE length + bytes (lengths from 0xFF00 up would be power events)."""
    out = bytearray(bytes([0]) + struct.pack("<Q", 0) + bytes([0]))
    for capdu, _ in exchanges:
        if len(capdu) > MAX_ENTRY:
            raise ValueError(f"command of {len(capdu)} bytes is longer than a fuzz_vpiv "
                             f"entry ({MAX_ENTRY})")
        out += struct.pack(">H", len(capdu)) + capdu
    return bytes(out)


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="transcript2seed.py",
        description="Convert a '> CAPDU' / '< RAPDU' transcript into a fuzz seed "
                    "(script format of src/transport/script.h).")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--target", choices=["fuzz_acquire", "fuzz_vpiv"], default="fuzz_acquire",
                      help="prepend this target's header (default: fuzz_acquire)")
    mode.add_argument("--raw", action="store_true", help="write the card script alone")
    ap.add_argument("--atr", default=VPIV_ATR, help="ATR in hex (default: vpiv's)")
    ap.add_argument("--version", type=int, default=7,
                    help="dwVersion for fuzz_acquire (default 7)")
    ap.add_argument("--card-name", default="vpiv", help="card name (default vpiv)")
    ap.add_argument("--skip", type=int, default=0, metavar="N",
                    help="drop the first N exchanges")
    ap.add_argument("--limit", type=int, default=None, metavar="N",
                    help="keep at most N exchanges")
    ap.add_argument("-o", "--output", help="seed file (default: standard output)")
    ap.add_argument("transcript", help="transcript file, - for standard input")
    args = ap.parse_args(argv)

    if args.skip < 0 or (args.limit is not None and args.limit < 0):
        ap.error("--skip and --limit take a number >= 0")
    if not 0 <= args.version <= 0xFFFFFFFF:
        ap.error("--version must fit a u32")
    try:
        atr = parse_hex(args.atr, "--atr")
    except TranscriptError as exc:
        ap.error(str(exc))
    if not ATR_MIN <= len(atr) <= ATR_MAX:
        ap.error(f"--atr: {len(atr)} bytes; an ATR is {ATR_MIN}..{ATR_MAX} bytes")

    try:
        if args.transcript == "-":
            exchanges = read_exchanges(sys.stdin.read().splitlines(), "<stdin>")
        else:
            with open(args.transcript, encoding="ascii", errors="replace") as f:
                exchanges = read_exchanges(f.read().splitlines(), args.transcript)
    except OSError as exc:
        print(f"transcript2seed.py: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except TranscriptError as exc:
        print(f"transcript2seed.py: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT

    exchanges = exchanges[args.skip:]
    if args.limit is not None:
        exchanges = exchanges[:args.limit]
    seed = script_bytes(exchanges)
    if not args.raw and args.target == "fuzz_vpiv":
        try:
            seed = fuzz_vpiv_seed(exchanges)
        except ValueError as exc:
            print(f"transcript2seed.py: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    elif not args.raw:
        try:
            seed = fuzz_acquire_header(atr, args.card_name, args.version) + seed
        except ValueError as exc:
            ap.error(str(exc))

    if args.output:
        with open(args.output, "wb") as f:
            f.write(seed)
    else:
        if sys.stdout.isatty():
            ap.error("refusing to write binary to a terminal; use -o SEED")
        sys.stdout.buffer.write(seed)
    what = "raw script" if args.raw else args.target
    kind = "commands" if not args.raw and args.target == "fuzz_vpiv" else "answers"
    print(f"transcript2seed.py: {len(exchanges)} {kind}, {len(seed)} bytes ({what})",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
