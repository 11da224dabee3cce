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
expect 0 "$mdr" card "$seeds/logon" --reader "$CH_READER" --pin-file "$tmp/pin" \
  --transcript "$tmp/t2"
received "$m" | grep -E '^0020..80..' >"$tmp/verify" || true
[[ -s $tmp/verify ]] || fail "the PIN logon sent no VERIFY with a PIN"
if grep -v '^0020008008363534333231FFFF$' "$tmp/verify"; then
  fail "a VERIFY carried another PIN than the user's"
fi
# mdreplay's transcript keeps the PIN off the disk, and still makes a seed.
! grep -q 363534333231 "$tmp/t2" || fail "the PIN is in mdreplay's transcript"
grep -q '^> 00200080080000000000000000$' "$tmp/t2" || fail "no redacted VERIFY in the transcript"
python3 "$src/replay/transcript2seed.py" --raw -o "$tmp/seed2" "$tmp/t2" ||
  fail "transcript2seed refused the redacted transcript"
m=$(mark)
expect 0 "$mdr" card "$seeds/logon" --reader "$CH_READER"
grep -q "skipped (no PIN given" "$tmp/out" || fail "PIN call not skipped without a PIN"
! received "$m" | grep -qE '^0020..80..' || fail "a PIN was presented without --pin-file"

# 3. With --allow-writes the finding's writes are made.
m=$(mark)
expect 0 "$mdr" card "$seeds/write-files" --reader "$CH_READER" --allow-writes
[[ -n $(received "$m" | writes) ]] || fail "--allow-writes sent no write"

# 4. Management-key authentication (admin-challenge: CardGetChallenge(Ex) then the finding's
#    responses). Without a key the calls are skipped and no response reaches the card.
m=$(mark)
expect 0 "$mdr" card "$seeds/admin-challenge" --reader "$CH_READER"
grep -q "skipped (needs the management key" "$tmp/out" || fail "admin call not skipped"
! received "$m" | grep -qE '^0087..9B..7C..82' || fail "a management-key response was sent"
# With the card's key (vpiv's default, 3DES) every response that reaches the card is the
# key's answer to the challenge the card gave just before, computed here by openssl, and the
# card takes it; the finding's own responses never reach it.
key=010203040506070801020304050607080102030405060708
printf '%s\n' "$key" >"$tmp/mgm"
m=$(mark)
expect 0 "$mdr" card "$seeds/admin-challenge" --reader "$CH_READER" --mgm-key-file "$tmp/mgm"
[[ $(grep -c "CardAuthenticate\(Challenge\|Ex\) -> SCARD_S_SUCCESS" "$tmp/out") == 3 ]] ||
  fail "the card did not take the three responses made with its key"
tail -n +"$m" "$vt" | tr -d ' :' | tr a-f A-F | awk '
  /^<7C0A8108/ { ch = substr($0, 10, 16); next }
  /^>0087039B0C7C0A8208/ { print ch, substr($0, 20, 16); ch = "" }' >"$tmp/pairs"
[[ $(wc -l <"$tmp/pairs") == 3 ]] || fail "expected 3 responses, got $(cat "$tmp/pairs")"
while read -r ch resp; do
  want=$(python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$ch" |
    openssl enc -des-ede3 -K "$key" -nopad | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
  [[ $resp == "$want" ]] || fail "response $resp to challenge $ch is not the key's ($want)"
done <"$tmp/pairs"
# --mgm-key (inline, handed over in a private file) with another key: the card refuses.
m=$(mark)
expect 0 "$mdr" card "$seeds/admin-challenge" --reader "$CH_READER" --mgm-key "${key/01/FF}"
grep -q "CardAuthenticateChallenge -> SCARD_W_WRONG_CHV" "$tmp/out" ||
  fail "a wrong key was not refused by the card"
expect 2 "$mdr" card "$seeds/admin-challenge" --reader "$CH_READER" --mgm-key "$key" \
  --mgm-key-file "$tmp/mgm"
printf '0102\n' >"$tmp/short"
expect 3 "$mdr" card "$seeds/admin-challenge" --reader "$CH_READER" --mgm-key-file "$tmp/short"
grep -q "a management key is 16, 24 or 32 bytes" "$tmp/out" || fail "short key not refused"

# 5. A reader that is not there: one line, exit 4, nothing sent.
m=$(mark)
expect 4 "$mdr" card "$seeds/logon" --reader "No Such Reader 00 00"
grep -q "reader 'No Such Reader 00 00' not found" "$tmp/out" || fail "reader error"
[[ -z $(received "$m") ]] || fail "APDUs sent with no reader"
echo "ok: card: writes, PINs and management-key responses guarded, transcripts agree"
