# shellcheck shell=bash
# lib.sh: shared by the interop scripts (sourced, not run). Each script drives a card through
# the real pcscd with an independent client and checks every result with OpenSSL.
#
#   step NAME CMD [ARGS...]  run CMD (a command or a shell function) in a subshell with errexit,
#                            its output in a log; on success count it and print "ok N - NAME",
#                            on failure print the log and the totals and exit 1 (the first
#                            failure ends the script: later steps depend on earlier ones)
#   skip NAME WHY            count a skipped step (a client lacks the feature)
#   finish                   print the totals line and exit 0
#   need CMD...              exit 77 (ctest's skip code) when a client is not installed
#   fails CMD [ARGS...]      succeeds when CMD fails (and shows its output)
#   has_text TEXT CMD...     runs CMD, succeeds when its output contains TEXT
#   same_pubkey A B          A and B (PEM public keys, certificates or private keys) carry the
#                            same public key
#
# Steps run in subshells: they pass results to later steps through files in $WORK.

: "${CH_READER:?CH_READER is not set: run me under tests/fixtures/with-pcscd.sh}"

PASSED=0
FAILED=0
SKIPPED=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/${PROG:-interop}.XXXXXX")
trap 'rm -rf -- "$WORK"' EXIT

need() {
  local c
  for c in "$@"; do
    if ! command -v "$c" >/dev/null 2>&1; then
      echo "$PROG: $c is not installed (scripts/deps.sh test); skipping" >&2
      exit 77
    fi
  done
}

totals() { echo "$PROG: $PASSED passed, $FAILED failed, $SKIPPED skipped"; }

step() {
  local name=$1 rc=0
  shift
  (
    set -euo pipefail
    cd "$WORK"
    "$@"
  ) >"$WORK/step.log" 2>&1 </dev/null &
  wait $! || rc=$?
  if ((rc == 0)); then
    PASSED=$((PASSED + 1))
    echo "ok $((PASSED + FAILED)) - $name"
    return 0
  fi
  FAILED=$((FAILED + 1))
  echo "not ok $((PASSED + FAILED)) - $name (exit status $rc); output:"
  sed 's/^/    /' "$WORK/step.log"
  totals
  exit 1
}

skip() {
  SKIPPED=$((SKIPPED + 1))
  echo "skip - $1: $2"
}

finish() {
  totals
  exit 0
}

# Echoes the command so that a failing step's log says what ran.
show() {
  printf '+ %s\n' "$*"
  "$@"
}

fails() {
  local rc=0
  show "$@" || rc=$?
  if ((rc == 0)); then
    echo "expected a failure, the command succeeded"
    return 1
  fi
  echo "(failed with status $rc, as expected)"
}

has_text() {
  local text=$1 out rc=0
  shift
  printf '+ %s\n' "$*"
  out=$("$@" 2>&1) || rc=$?
  printf '%s\n' "$out"
  if ! grep -qF -- "$text" <<<"$out"; then
    echo "expected the output to contain '$text' (exit status $rc)"
    return 1
  fi
}

# pubkey_of FILE: the DER public key of a PEM public key, certificate or private key.
pubkey_of() {
  if grep -q 'BEGIN CERTIFICATE' "$1"; then
    openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER
  elif grep -q 'PRIVATE KEY' "$1"; then
    openssl pkey -in "$1" -pubout -outform DER
  else
    openssl pkey -pubin -in "$1" -outform DER
  fi
}

same_pubkey() {
  local a b
  a=$(pubkey_of "$1" | od -An -tx1 | tr -d ' \n')
  b=$(pubkey_of "$2" | od -An -tx1 | tr -d ' \n')
  if [[ -z $a || $a != "$b" ]]; then
    echo "public keys differ: $1 vs $2"
    return 1
  fi
}

# hex2bin HEX: the bytes HEX spells.
hex2bin() {
  local h=$1 esc=""
  while [[ -n $h ]]; do
    esc+="\\x${h:0:2}"
    h=${h:2}
  done
  printf '%b' "$esc"
}
# der_len N: the DER length octets of N (N < 65536).
der_len() {
  local n=$1
  if ((n < 128)); then
    hex2bin "$(printf %02x "$n")"
  elif ((n < 256)); then
    hex2bin "81$(printf %02x "$n")"
  else
    hex2bin "82$(printf %04x "$n")"
  fi
}
