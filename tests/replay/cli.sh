#!/usr/bin/env bash
# mdreplay's command line against the fuzz targets of the build it belongs to (ctest replay/*).
#   cli.sh CASE MDREPLAY BUILD_DIR SOURCE_DIR
# Each case checks exit codes and output; a case fails with a message saying what differed.
set -euo pipefail
case_name=$1 mdr=$2 build=$3 src=$4
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect CODE CMD...: runs CMD, its output in $tmp/out; fails unless it exits with CODE.
expect() {
  local want=$1 got=0
  shift
  "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
  if [[ $got != "$want" ]]; then
    cat "$tmp/out" "$tmp/err" >&2
    fail "'$*' exited $got, expected $want"
  fi
}

has() { grep -q -- "$1" "$2" || { cat "$2" >&2; fail "no '$1' in $(basename "$2")"; }; }

case $case_name in
usage)
  expect 2 "$mdr"
  has "usage: mdreplay" "$tmp/err"
  expect 0 "$mdr" --help
  has "fuzz_session" "$tmp/out"
  expect 2 "$mdr" frobnicate
  has "unknown command 'frobnicate'" "$tmp/err"
  expect 2 "$mdr" run "$src/corpora/fuzz_apdu/admin-aes" --target no_such_target
  has "unknown target 'no_such_target'" "$tmp/err"
  expect 2 "$mdr" run "$tmp/x"                      # no target in the path
  has "give --target" "$tmp/err"
  expect 2 "$mdr" run --target fuzz_apdu           # no finding
  expect 2 "$mdr" run a b --target fuzz_apdu       # two findings
  expect 2 "$mdr" run a --target fuzz_apdu --timeout 0
  expect 2 "$mdr" show a --target fuzz_apdu --quiet  # run's option, not show's
  f=$src/corpora/fuzz_apdu/admin-aes
  expect 2 "$mdr" card "$f"                          # no reader
  has "reader NAME is required" "$tmp/err"
  expect 2 "$mdr" card "$f" --reader R --pin 1 --pin-file x
  expect 2 "$mdr" card "$src/corpora/fuzz_session/change-pin" --reader R
  has "fuzz_apdu only" "$tmp/err"
  expect 2 "$mdr" emulate "$f" --port 0
  expect 2 "$mdr" emulate "$src/corpora/fuzz_x509/$(ls "$src/corpora/fuzz_x509" | head -n 1)"
  has "fuzz_apdu only" "$tmp/err"
  ;;
bad-input)
  expect 3 "$mdr" run "$tmp/missing" --target fuzz_apdu
  has "No such file or directory" "$tmp/err"
  [[ $(wc -l <"$tmp/err") == 1 ]] || fail "more than one line for an unreadable finding"
  expect 3 "$mdr" run "$tmp" --target fuzz_apdu
  has "not a regular file" "$tmp/err"
  head -c $((1024 * 1024 + 1)) /dev/zero >"$tmp/big"
  expect 3 "$mdr" show "$tmp/big" --target fuzz_apdu
  expect 4 "$mdr" run "$src/corpora/fuzz_apdu/admin-aes" --build "$tmp/nowhere"
  has "build directory" "$tmp/err"
  mkdir -p "$tmp/empty-build"
  expect 4 "$mdr" run "$src/corpora/fuzz_apdu/admin-aes" --build "$tmp/empty-build"
  has "not built in" "$tmp/err"
  printf '\x01' >"$tmp/short"                       # 1 byte of a 4-byte header
  expect 0 "$mdr" show "$tmp/short" --target fuzz_apdu --build "$build"
  has "truncated" "$tmp/out"
  expect 3 "$mdr" card "$tmp/short" --target fuzz_apdu --reader R
  has "truncated: 1 bytes, the header is 4" "$tmp/err"
  # one call declaring 16 data bytes, 3 there
  printf '\x00\x00\x00\x01\x0a\x00\x00\x00\x00\x10\x00abc' >"$tmp/cut"
  expect 3 "$mdr" emulate "$tmp/cut" --target fuzz_apdu
  has "truncated: call 1 declares 16 data bytes, 3 are there" "$tmp/err"
  mkdir -p "$tmp/nofindings"
  expect 3 "$mdr" triage "$tmp/nofindings" --target fuzz_apdu --build "$build"
  ;;
targets)
  # mdreplay knows exactly the targets fuzz/ builds.
  "$mdr" --help | sed -n '/^Targets:/,$p' | awk 'NR > 1 {print $1}' | sort >"$tmp/mdr"
  bash "$src/scripts/fuzz-targets.sh" | sort >"$tmp/fuzz"
  diff "$tmp/mdr" "$tmp/fuzz" || fail "mdreplay's target table differs from fuzz/"
  ;;
run-clean)
  # Committed corpora pass in every build: each kind of path gives "clean" and exit 0, and the
  # target comes from the path.
  reg=$src/corpora/regressions/fuzz_session/delete-cert-of-keyless-slot-leaves-record
  expect 0 "$mdr" run "$reg" --build "$build"
  has "fuzz_session .*: clean" "$tmp/out"
  expect 0 "$mdr" run "$src/corpora/fuzz_apdu/admin-aes" --build "$build" --json
  jq -e '.kind == "clean" and .hash == null and .target == "fuzz_apdu" and .size > 0' \
    "$tmp/out" >/dev/null || fail "run --json: $(cat "$tmp/out")"
  ;;
show-apdu)
  f=$src/corpora/fuzz_apdu/admin-aes
  expect 0 "$mdr" show "$f" --build "$build"
  has "^header: CARD_DATA version" "$tmp/out"
  has "CardAcquireContext -> SCARD_S_SUCCESS" "$tmp/out"
  has "> 00A40400" "$tmp/out"
  has "SELECT" "$tmp/out"
  has "GENERAL AUTHENTICATE" "$tmp/out"
  has "result: clean" "$tmp/out"
  expect 0 "$mdr" show "$f" --build "$build" --json
  # every exchange of the run is in the transcript, paired with an answer the script holds
  jq -e '(.calls | length) > 0 and (.answers | length) > 0
         and ([.transcript[] | select(.apdus) | .apdus[]] | length) > 0
         and ([.transcript[] | select(.apdus) | .apdus[] | select(.c == "" or .command == "")]
              | length) == 0
         and .result.kind == "clean"' "$tmp/out" >/dev/null ||
    fail "show --json: $(head -c 2000 "$tmp/out")"
  # each answer the module received is one the finding's script holds, in order
  jq -r '[.transcript[] | select(.apdus) | .apdus[] | select(.rc == 0) | .r] | .[]' \
    "$tmp/out" >"$tmp/received"
  jq -r '.answers[] | .r // empty' "$tmp/out" | head -n "$(wc -l <"$tmp/received")" \
    >"$tmp/script"
  diff "$tmp/received" "$tmp/script" || fail "the transcript's answers are not the script's"
  ;;
show-session)
  f=$src/corpora/regressions/fuzz_session/comm-lost-mid-chain-next-call-unexpected
  expect 0 "$mdr" show "$f" --build "$build"
  has "^steps (decoded" "$tmp/out"
  has "transport fault" "$tmp/out"
  has "PUT DATA" "$tmp/out"
  ;;
show-piv)
  # fuzz_piv traces: the card-edge call, its exchanges, a planned transport fault
  f=$src/corpora/fuzz_piv/get_data-fault-reset
  expect 0 "$mdr" show "$f" --build "$build"
  has "^header: get_data" "$tmp/out"
  has "# exchange 1 fails in the transport" "$tmp/out"
  has "get_data -> SCARD_W_RESET_CARD" "$tmp/out"
  has "> 00CB3FFF055C035FC102" "$tmp/out"
  has "result: clean" "$tmp/out"
  expect 0 "$mdr" show "$src/corpora/fuzz_piv/ecdsa_sign-p256" --build "$build" --json
  jq -e '[.transcript[] | select(.call)] as $c | ($c | length) == 1
         and $c[0].call == "ecdsa_sign" and $c[0].rc == 0 and ($c[0].apdus | length) == 1
         and ($c[0].apdus[0].c | startswith("0087119C")) and .result.kind == "clean"' \
    "$tmp/out" >/dev/null || fail "show --json (fuzz_piv): $(head -c 2000 "$tmp/out")"
  ;;
*)
  fail "unknown case $case_name"
  ;;
esac
echo "ok: $case_name"
