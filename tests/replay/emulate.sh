#!/usr/bin/env bash
# mdreplay emulate behind a real pcscd with no card (run by tests/fixtures/with-pcscd.sh, which
# exports VPCD_PORT): the finding's answers served on vpcd's port, the calls made by the
# production library through pcsc-lite.
#   emulate.sh MDREPLAY SOURCE_DIR [PLANTED_TREE]
# With PLANTED_TREE (an asan tree with the planted bugs, planted-tree.sh): a planted finding
# reproduces through pcscd with the same kind and stack hash as in-process.
set -euo pipefail
mdr=$1 src=$2 planted=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A seed recorded from vpiv: every answer is served to the command it answered, so the module
# gets exactly the finding's answers and the run is clean.
got=0
"$mdr" emulate "$src/corpora/fuzz_apdu/write-files" --port "$VPCD_PORT" >"$tmp/out" 2>&1 ||
  got=$?
[[ $got == 0 ]] || { cat "$tmp/out"; fail "emulate of a seed exited $got"; }
grep -Eq "^  [0-9]+ the same, 0 different" "$tmp/out" || { cat "$tmp/out"; fail "answers differ"; }
grep -q "through pcscd (emulated card, port $VPCD_PORT): clean" "$tmp/out" || fail "summary"

if [[ -n $planted ]]; then
  f=$src/tests/replay/planted/fuzz_apdu/findings/cmap
  in=$("$planted/replay/mdreplay" run "$f" --json | jq -r .hash) || true
  got=0
  "$planted/replay/mdreplay" emulate "$f" --port "$VPCD_PORT" >"$tmp/out" 2>&1 || got=$?
  [[ $got == 12 ]] || { cat "$tmp/out"; fail "planted cmap through pcscd exited $got, not 12"; }
  grep -q "through pcscd (emulated card, port $VPCD_PORT): read $in" "$tmp/out" ||
    { cat "$tmp/out"; fail "not the in-process stack hash $in"; }
  grep -q "parse_mscmap" "$tmp/out" || fail "no sanitizer stack"
  echo "ok: planted cmap reproduced through pcscd: read $in"
fi
echo "ok: emulate"
