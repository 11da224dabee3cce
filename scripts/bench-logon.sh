#!/usr/bin/env bash
# APDUs and bytes of a Windows-style logon through the card module (acquire, cardid, cardcf,
# cmapfile, the default container's certificate, its public key, PIN), cold and on a warm CSP
# cache, beside the minimum the PIV edge allows. The card is the in-process vpiv.
# Usage: scripts/bench-logon.sh [--no-deps]      (figures explained in docs/card-mapping.md)
set -euo pipefail
cd "$(dirname "$0")/.."

case ${1:-} in
  "") source scripts/deps.sh && ch_deps test ;;
  --no-deps) ;;
  *) echo "usage: scripts/bench-logon.sh [--no-deps]" >&2; exit 2 ;;
esac
cmake --preset dev >/dev/null
cmake --build --preset dev --target bench-logon >/dev/null
exec build/dev/tests/bench/bench-logon
