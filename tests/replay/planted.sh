#!/usr/bin/env bash
# mdreplay against real findings of the planted bugs (cmake/planted.cmake): run names each
# finding's kind and stack hash, triage groups the two inputs of the same bug, and in the normal
# build (the tree this test belongs to) every one of them is clean.
#   planted.sh MDREPLAY BUILD_DIR SOURCE_DIR
# Builds its own planted asan tree in BUILD_DIR/replay-planted (planted-tree.sh). Findings:
# tests/replay/planted/<target>/findings/, found by libFuzzer in the planted-bench trees (getresp-a/-b: the GET RESPONSE bound, cmap: the map parser's, tlv: the
# TLV length check).
set -euo pipefail
mdr=$1 build=$2 src=$3
planted=$build/replay-planted
data=$src/tests/replay/planted
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

bash "$src/tests/replay/planted-tree.sh" "$src" "$planted" || fail "planted tree"
pmdr=$planted/replay/mdreplay

# run: FILE TARGET EXIT KIND -> prints the hash
run_one() {
  local got=0
  "$pmdr" run "$data/$2/findings/$1" --json >"$tmp/run.json" 2>"$tmp/run.err" || got=$?
  if [[ $got != "$3" ]]; then
    cat "$tmp/run.err"; head -c 3000 "$tmp/run.json"
    fail "$1: exit $got, expected $3"
  fi
  jq -e --arg k "$4" '.kind == $k and (.hash | test("^[0-9a-f]{12}$"))
                      and (.report | length) > 0 and (.frames | length) > 0' \
    "$tmp/run.json" >/dev/null || fail "$1: $(jq -c '{kind, hash, headline}' "$tmp/run.json")"
  jq -r .hash "$tmp/run.json"
}
ha=$(run_one getresp-a fuzz_apdu_exchange 10 write)
hb=$(run_one getresp-b fuzz_apdu_exchange 10 write)
hc=$(run_one cmap fuzz_apdu 12 read)
ht=$(run_one tlv fuzz_apdu 15 ub)
[[ $ha == "$hb" ]] || fail "the two GET RESPONSE findings hash differently: $ha $hb"
[[ $ha != "$hc" && $hc != "$ht" && $ha != "$ht" ]] || fail "different bugs share a hash"
# The text form says the same.
"$pmdr" run "$data/fuzz_apdu/findings/cmap" >"$tmp/text" 2>&1 || true
grep -q "fuzz_apdu .*cmap: read $hc" "$tmp/text" || { cat "$tmp/text"; fail "run text"; }
grep -q "AddressSanitizer" "$tmp/text" || fail "run text lacks the sanitizer report"

# triage: three groups ranked write, read, ub; the write group holds both inputs.
got=0
"$pmdr" triage "$data" --out "$tmp/triage" >"$tmp/triage.out" 2>&1 || got=$?
[[ $got == 10 ]] || { cat "$tmp/triage.out"; fail "triage exit $got, expected 10 (write)"; }
grep -q "4 findings, 3 unique stack hashes, 0 did not reproduce" "$tmp/triage/triage.md" ||
  { cat "$tmp/triage/triage.md"; fail "triage summary line"; }
grep -q "^| 1 | write | \`$ha\` | 2 | fuzz_apdu_exchange |" "$tmp/triage/triage.md" ||
  fail "triage rank 1"
grep -q "^| 2 | read | \`$hc\` | 1 | fuzz_apdu |" "$tmp/triage/triage.md" || fail "triage rank 2"
grep -q "^| 3 | ub | \`$ht\` | 1 | fuzz_apdu |" "$tmp/triage/triage.md" || fail "triage rank 3"
jq -e --arg a "$ha" --arg c "$hc" '
  .version == "2.1.0" and (.runs | length) == 1
  and (.runs[0].results | map(.ruleId)) == ["write", "read", "ub"]
  and .runs[0].results[0].partialFingerprints["stackHash/v1"] == $a
  and .runs[0].results[1].partialFingerprints["stackHash/v1"] == $c
  and .runs[0].results[0].properties.duplicates == 2
  and (.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri
       | startswith("src/apdu/"))' "$tmp/triage/triage.sarif" >/dev/null ||
  { cat "$tmp/triage/triage.sarif"; fail "triage SARIF"; }

# The normal build has none of the bugs: the same findings are clean there.
got=0
"$mdr" triage "$data" --build "$build" --out "$tmp/normal" >"$tmp/normal.out" 2>&1 || got=$?
[[ $got == 0 ]] || { cat "$tmp/normal.out"; fail "normal build: triage exit $got"; }
grep -q "4 findings, 0 unique stack hashes, 4 did not reproduce" "$tmp/normal/triage.md" ||
  fail "normal build: not all clean"
echo "ok: planted findings: write $ha (x2), read $hc, ub $ht"
