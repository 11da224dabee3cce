#!/usr/bin/env bash
# mdreplay card when the card goes away mid-run (run by tests/fixtures/with-pcscd.sh with a
# vpcd-card that answers SELECT and leaves after --remove-after N commands): one line, exit 5,
# the calls after the removal skipped.
#   card-removed.sh MDREPLAY SOURCE_DIR
set -euo pipefail
mdr=$1 src=$2
out=$(mktemp)
trap 'rm -f -- "$out"' EXIT
got=0
"$mdr" card "$src/corpora/fuzz_apdu/logon" --reader "$CH_READER" >"$out" 2>&1 || got=$?
if [[ $got != 5 ]]; then
  cat "$out"
  echo "FAIL: exit $got, expected 5 (card removed)" >&2
  exit 1
fi
grep -q "mdreplay: the card was removed or reset during the run" "$out" ||
  { cat "$out"; echo "FAIL: no removal message" >&2; exit 1; }
grep -q "skipped (the card went away)" "$out" ||
  { cat "$out"; echo "FAIL: calls after the removal were not skipped" >&2; exit 1; }
echo "ok: card removed mid-run: exit 5"
