#!/usr/bin/env bash
# planted-tree.sh SOURCE_DIR TREE: configure and build (or bring up to date) an asan tree with
# the planted bugs tlv, getresp and cmap (cmake/planted.cmake) holding what the replay tests
# need: fuzz_apdu, fuzz_apdu_exchange, mdreplay, mdreplay-pcsc (and the libpivmd.so it links).
set -euo pipefail
src=$1 tree=$2
log=$(mktemp)
trap 'rm -f -- "$log"' EXIT
(cd "$src" && cmake --preset asan -B "$tree" "-DCH_PLANTED_BUGS=tlv;getresp;cmap" \
   -DCH_TESTS=OFF >"$log" 2>&1) ||
  { cat "$log" >&2; echo "planted tree: configure failed" >&2; exit 1; }
cmake --build "$tree" -j2 --target fuzz_apdu fuzz_apdu_exchange mdreplay mdreplay-pcsc \
  >"$log" 2>&1 || { tail -n 30 "$log" >&2; echo "planted tree: build failed" >&2; exit 1; }
