#!/usr/bin/env bash
# mdreplay card against vpiv-vpcd behind a real pcscd (run by tests/fixtures/with-pcscd.sh, which
# exports CH_READER). The card's own transcript (vpiv-vpcd --transcript) is the witness of what
# reached it:
#   card.sh MDREPLAY SOURCE_DIR VPIV_TRANSCRIPT
set -euo pipefail
mdr=$1 src=$2 vt=$3
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
seeds=$src/corpora/fuzz_apdu

# expect CODE CMD...: output in $tmp/out; fails unless CMD exits with CODE.
expect() {
  local want=$1 got=0
  shift
  "$@" >"$tmp/out" 2>&1 || got=$?
  [[ $got == "$want" ]] || { cat "$tmp/out" >&2; fail "'$*' exited $got, expected $want"; }
}
# The C-APDUs vpiv received since line $1 of its transcript, one per line.
received() { tail -n +"$1" "$vt" | sed -n 's/^> *//p' | tr -d ' :' | tr a-f A-F; }
mark() { echo $(($(wc -l <"$vt") + 1)); }
# C-APDUs whose INS changes a card (PUT DATA, GENERATE, IMPORT, SET MGM, CHANGE REFERENCE,
# RESET RETRY, SET PIN RETRIES, RESET, MOVE KEY).
writes() { grep -E '^..(DB|47|FE|FF|24|2C|FA|FB|F6)' || true; }

# 1. No --allow-writes, no PIN: the writes of the finding are skipped and none reaches the card.
m=$(mark)
expect 0 "$mdr" card "$seeds/write-files" --reader "$CH_READER" --transcript "$tmp/t1"
grep -q "CardWriteFile: skipped (changes the card" "$tmp/out" || fail "no write skipped"
grep -q "card answers against the finding's" "$tmp/out" || fail "no comparison"
received "$m" >"$tmp/r1"
[[ -s $tmp/r1 ]] || fail "nothing reached the card"
[[ -z $(writes <"$tmp/r1") ]] || fail "a write reached the card: $(writes <"$tmp/r1")"
! grep -qE '^0020..80..' "$tmp/r1" || fail "a PIN was presented without --pin-file"
# mdreplay's transcript is the card's.
diff <(sed -n 's/^> *//p' "$tmp/t1" | tr -d ' ') "$tmp/r1" >/dev/null ||
  fail "mdreplay's transcript differs from the card's"
# and converts into a seed
python3 "$src/replay/transcript2seed.py" --raw -o "$tmp/seed" "$tmp/t1" ||
  fail "transcript2seed refused the transcript"

# 2. A PIN-logon finding: only the user's PIN is presented, never the finding's.
printf '654321\n' >"$tmp/pin"
m=$(mark)
expect 0 "$mdr" card "$seeds/logon" --reader "$CH_READER" --pin-file "$tmp/pin"
received "$m" | grep -E '^0020..80..' >"$tmp/verify" || true
[[ -s $tmp/verify ]] || fail "the PIN logon sent no VERIFY with a PIN"
if grep -v '^0020008008363534333231FFFF$' "$tmp/verify"; then
  fail "a VERIFY carried another PIN than the user's"
fi
m=$(mark)
expect 0 "$mdr" card "$seeds/logon" --reader "$CH_READER"
grep -q "skipped (no PIN given" "$tmp/out" || fail "PIN call not skipped without a PIN"
! received "$m" | grep -qE '^0020..80..' || fail "a PIN was presented without --pin-file"

# 3. With --allow-writes the finding's writes are made.
m=$(mark)
expect 0 "$mdr" card "$seeds/write-files" --reader "$CH_READER" --allow-writes
[[ -n $(received "$m" | writes) ]] || fail "--allow-writes sent no write"

# 4. A reader that is not there: one line, exit 4, nothing sent.
m=$(mark)
expect 4 "$mdr" card "$seeds/logon" --reader "No Such Reader 00 00"
grep -q "reader 'No Such Reader 00 00' not found" "$tmp/out" || fail "reader error"
[[ -z $(received "$m") ]] || fail "APDUs sent with no reader"
echo "ok: card: writes and PINs guarded, transcripts agree"
