#!/usr/bin/env bash
# shellcheck disable=SC2317  # check functions run indirectly, through step / has_text / fails
# yubico-piv.sh: drive the card in reader $CH_READER with Yubico's yubico-piv-tool (an
# independent PIV client, libykpiv) and check every signature, certificate and attestation with
# OpenSSL. Run under tests/fixtures/with-pcscd.sh with a fresh card (tests/interop/CMakeLists.txt
# runs it against vpiv-vpcd); it changes the PIN, PUK and management key and ends with a reset.
#
# Prints one line per step ("ok N - what") and "yubico-piv.sh: N passed, N failed, N skipped";
# the first failing step prints the client's output and ends the script with status 1.
# Exit 77 (skip) when yubico-piv-tool or openssl is missing.
set -euo pipefail

readonly PROG=yubico-piv.sh
# shellcheck source=tests/interop/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
need yubico-piv-tool openssl

readonly PIN=123456 PUK=12345678
readonly MGM_DEFAULT=010203040506070801020304050607080102030405060708
readonly MGM_3DES=A1A2A3A4A5A6A7A8B1B2B3B4B5B6B7B8C1C2C3C4C5C6C7C8
readonly MGM_AES192=000102030405060708090A0B0C0D0E0F1011121314151617
readonly TRIES_3=$'PIN tries left:\t3'

ypt() { show yubico-piv-tool -r "$CH_READER" "$@"; }

printf 'hello from the interop test %s\n' "$(date +%s)" >"$WORK/data"

# --- reading the card -------------------------------------------------------------------------
step "version answers a 5.x firmware" has_text "Application version 5." ypt -a version
step "status on a fresh card: 3 PIN tries" has_text "$TRIES_3" ypt -a status

# --- PIN, PUK -----------------------------------------------------------------------------------
step "verify-pin with the default PIN" has_text "Successfully verified PIN" \
  ypt -a verify-pin -P "$PIN"
step "wrong PIN (1): 2 tries left" has_text "2 tries left" fails ypt -a verify-pin -P 000000
step "wrong PIN (2): 1 tries left" has_text "1 tries left" fails ypt -a verify-pin -P 000000
step "wrong PIN (3): blocked" has_text "blocked" fails ypt -a verify-pin -P 000000
step "the right PIN no longer verifies once blocked" has_text "blocked" \
  fails ypt -a verify-pin -P "$PIN"
step "unblock-pin with the PUK" has_text "Successfully unblocked" \
  ypt -a unblock-pin -P "$PUK" -N "$PIN"
step "verify-pin after unblock" ypt -a verify-pin -P "$PIN"
step "change-pin 123456 -> 654321" ypt -a change-pin -P "$PIN" -N 654321
step "the old PIN fails after change-pin" fails ypt -a verify-pin -P "$PIN"
step "the new PIN verifies" ypt -a verify-pin -P 654321
step "change-pin back to 123456" ypt -a change-pin -P 654321 -N "$PIN"
step "change-pin with a wrong old PIN fails" fails ypt -a change-pin -P 999999 -N 111111
step "change-puk 12345678 -> 87654321" ypt -a change-puk -P "$PUK" -N 87654321
step "the old PUK no longer unblocks" fails ypt -a unblock-pin -P "$PUK" -N "$PIN"
step "unblock-pin with the new PUK" ypt -a unblock-pin -P 87654321 -N "$PIN"
step "change-puk back to 12345678" ypt -a change-puk -P 87654321 -N "$PUK"
# status asks with an empty VERIFY, which a card answers 9000 (not 63C3) once the PIN is
# verified in the same session: ask in a session of its own.
step "status: PIN counter back to 3" has_text "$TRIES_3" ypt -a status

# --- management key ---------------------------------------------------------------------------
step "set-chuid and set-ccc with the default management key" \
  ypt -k"$MGM_DEFAULT" -a set-chuid -a set-ccc
chuid_set() {
  ypt -a status >status.txt 2>&1
  cat status.txt
  ! grep -E '^(CHUID|CCC):[[:space:]]*No data available' status.txt
}
step "status shows a CHUID and a CCC" chuid_set
step "set-mgm-key to a new 3DES key" ypt -k"$MGM_DEFAULT" -a set-mgm-key -n "$MGM_3DES"
step "the default management key is refused" has_text "Failed authentication" \
  fails ypt -k"$MGM_DEFAULT" -a set-chuid
step "the new 3DES management key authenticates" ypt -k"$MGM_3DES" -a set-chuid
if yubico-piv-tool --help 2>&1 | grep -q -- '--new-key-algo'; then
  step "set-mgm-key to an AES-192 key" \
    ypt -k"$MGM_3DES" -a set-mgm-key -m AES192 -n "$MGM_AES192"
  step "the AES-192 management key authenticates" ypt -k"$MGM_AES192" -a set-ccc
  step "set-mgm-key back to 3DES" ypt -k"$MGM_AES192" -a set-mgm-key -m TDES -n "$MGM_3DES"
else
  skip "set-mgm-key AES-192" "yubico-piv-tool $(yubico-piv-tool --version | awk '{print $2}') \
has no -m/--new-key-algo (AES management keys came with 2.3)"
fi
step "set-mgm-key back to the default" ypt -k"$MGM_3DES" -a set-mgm-key -n "$MGM_DEFAULT"
step "the default management key authenticates again" ypt -k"$MGM_DEFAULT" -a set-chuid

# --- key generation and signatures --------------------------------------------------------------
hash_for() { [[ $1 == ECCP384 ]] && echo SHA384 || echo SHA256; }

# gen_sign SLOT ALG: generate, sign $WORK/data on the card, verify with OpenSSL.
gen_sign() {
  local slot=$1 alg=$2 hash
  hash=$(hash_for "$alg")
  ypt -a generate -s "$slot" -A "$alg" -o "pub$slot.pem"
  openssl pkey -pubin -in "pub$slot.pem" -noout -text | head -n 1
  ypt -a verify-pin -P "$PIN" --sign -s "$slot" -A "$alg" -H "$hash" -i data -o "sig$slot"
  show openssl dgst "-${hash,,}" -verify "pub$slot.pem" -signature "sig$slot" data
}
# The last algorithm of each slot stays there for the certificate steps: 9a RSA-2048 (attested
# below), 9c P-256, 9d RSA-2048 (decryption), 9e P-384 (ECDH).
for spec in 9a:ECCP256,ECCP384,RSA2048 9c:RSA2048,ECCP384,ECCP256 \
  9d:ECCP256,ECCP384,RSA2048 9e:RSA2048,ECCP256,ECCP384; do
  slot=${spec%%:*}
  IFS=, read -r -a algs <<<"${spec#*:}"
  for alg in "${algs[@]}"; do
    step "generate $alg in $slot, sign ($(hash_for "$alg")), OpenSSL verifies" gen_sign "$slot" "$alg"
  done
done
step "generate with PIN policy never and touch policy never (9e)" \
  ypt -a generate -s 9e -A ECCP384 --pin-policy=never --touch-policy=never -o pub9e.pem
step "sign with 9e without a PIN (policy never)" \
  ypt -a version --sign -s 9e -A ECCP384 -H SHA384 -i data -o sig9e
step "OpenSSL verifies the 9e signature" \
  show openssl dgst -sha384 -verify pub9e.pem -signature sig9e data
step "sign with 9c without the PIN is refused" has_text "Failed signing" \
  fails ypt -a version --sign -s 9c -A ECCP256 -H SHA256 -i data -o nosig

# --- certificates -----------------------------------------------------------------------------
# der_part FILE N: the N-th (1-based) element at depth 1 of the DER in FILE, raw.
der_part() {
  local off hl l
  read -r off hl l < <(openssl asn1parse -inform DER -in "$1" |
    sed -nE 's/^ *([0-9]+):d=1 +hl= *([0-9]+) +l= *([0-9]+).*/\1 \2 \3/p' | sed -n "$2p")
  tail -c +$((off + 1)) "$1" | head -c $((hl + l))
}
# card_selfsign SLOT: a self-signed certificate whose signature the card makes. OpenSSL writes
# the to-be-signed part (subject = issuer, the card's public key, signature algorithm of the
# slot's key type), the card signs it (--sign hashes and pads like selfsign-certificate would),
# and the signature is put in place. The way around yubico-piv-tool 2.2.0's selfsign-certificate,
# which fails before sending anything with OpenSSL 3 (Yubico/yubico-piv-tool issue 388).
card_selfsign() {
  local slot=$1 alg hash dummy siglen
  local -a opts
  alg=$(slot_alg "$slot")
  hash=$(hash_for "$alg")
  case $alg in
    RSA*) dummy=dummy-rsa.key opts=(-algorithm RSA -pkeyopt rsa_keygen_bits:2048) ;;
    *) dummy=dummy-ec.key opts=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256) ;;
  esac
  [[ -s $dummy ]] || openssl genpkey "${opts[@]}" -out "$dummy"
  openssl req -new -key "$dummy" -subj "/CN=vpiv $slot/O=cardhammer" -out "req$slot.csr"
  show openssl x509 -req -in "req$slot.csr" -signkey "$dummy" -force_pubkey "pub$slot.pem" \
    -days 30 "-${hash,,}" -outform DER -out "tmp$slot.der"
  der_part "tmp$slot.der" 1 >"tbs$slot.der"
  der_part "tmp$slot.der" 2 >"alg$slot.der"
  ypt -a verify-pin -P "$PIN" --sign -s "$slot" -A "$alg" -H "$hash" -i "tbs$slot.der" \
    -o "certsig$slot"
  siglen=$(stat -c %s "certsig$slot")
  {
    cat "tbs$slot.der" "alg$slot.der"
    printf '\x03'
    der_len $((siglen + 1))
    printf '\x00'
    cat "certsig$slot"
  } >"body$slot.der"
  {
    printf '\x30'
    der_len "$(stat -c %s "body$slot.der")"
    cat "body$slot.der"
  } >"cert$slot.der"
  openssl x509 -inform DER -in "cert$slot.der" -out "cert$slot.pem"
}
tool_selfsign() {
  ypt -a verify-pin -P "$PIN" -a selfsign-certificate -s "$1" -S "/CN=vpiv $1/O=cardhammer/" \
    -i "pub$1.pem" -o "cert$1.pem"
}
# The key each slot holds from here on (the last one generated above).
slot_alg() {
  case $1 in
    9a | 9d) echo RSA2048 ;;
    9c) echo ECCP256 ;;
    9e) echo ECCP384 ;;
  esac
}
SELFSIGN=tool_selfsign
if ! (cd "$WORK" && tool_selfsign 9a) >"$WORK/probe.log" 2>&1 &&
  grep -q 'Failed signing certificate' "$WORK/probe.log"; then
  SELFSIGN=card_selfsign
  skip "selfsign-certificate by yubico-piv-tool" "broken in $(yubico-piv-tool --version) \
with OpenSSL 3 (no APDU sent; Yubico issue 388): the card signs OpenSSL's to-be-signed part instead"
fi
# selfsign SLOT: a self-signed certificate made by the card's key, checked by OpenSSL, imported.
selfsign() {
  local slot=$1
  "$SELFSIGN" "$slot"
  openssl x509 -in "cert$slot.pem" -noout -subject
  show openssl verify -check_ss_sig -CAfile "cert$slot.pem" "cert$slot.pem"
  same_pubkey "cert$slot.pem" "pub$slot.pem"
  ypt -a import-certificate -s "$slot" -i "cert$slot.pem"
}
readback() {
  local slot=$1
  ypt -a read-certificate -s "$slot" -o "read$slot.pem"
  show cmp <(openssl x509 -in "cert$slot.pem" -outform DER) \
    <(openssl x509 -in "read$slot.pem" -outform DER)
}
for slot in 9a 9c 9d 9e; do
  step "self-signed certificate for $slot (signed on the card, OpenSSL verifies), import" \
    selfsign "$slot"
done
for slot in 9a 9c 9d 9e; do
  step "read-certificate $slot returns the imported certificate" readback "$slot"
done
step "status lists the four slots" has_text "Slot 9e:" ypt -a status
# test-signature / test-decipher take the slot's certificate as input.
step "test-signature 9a (RSA-2048)" \
  ypt -a verify-pin -P "$PIN" -a test-signature -s 9a -i cert9a.pem
step "test-signature 9c (P-256)" ypt -a verify-pin -P "$PIN" -a test-signature -s 9c -i cert9c.pem
step "test-decipher 9d (RSA-2048 decryption)" \
  ypt -a verify-pin -P "$PIN" -a test-decipher -s 9d -i cert9d.pem
step "test-decipher 9e (P-384 ECDH)" \
  ypt -a verify-pin -P "$PIN" -a test-decipher -s 9e -i cert9e.pem
step "delete-certificate 9e" ypt -a delete-certificate -s 9e
step "read-certificate 9e fails once deleted" fails ypt -a read-certificate -s 9e -o gone.pem

# --- data objects -----------------------------------------------------------------------------
objects() {
  head -c 200 /dev/urandom >obj.bin
  # 0x5FC10D: the certificate object of retired slot 82, free to use as an opaque object here.
  ypt -a write-object --id 0x5fc10d -f binary -i obj.bin
  ypt -a read-object --id 0x5fc10d -f binary -o obj.read
  show cmp obj.bin obj.read
}
step "write-object / read-object round trip (200 bytes)" objects

# --- imported keys ----------------------------------------------------------------------------
# import_sign SLOT ALG GENPKEY-OPTIONS...: a key made by OpenSSL, imported, used to sign.
import_sign() {
  local slot=$1 alg=$2 hash
  shift 2
  hash=$(hash_for "$alg")
  show openssl genpkey "$@" -out "key$slot.pem"
  openssl pkey -in "key$slot.pem" -pubout -out "pub$slot.pem"
  ypt -a import-key -s "$slot" -i "key$slot.pem"
  ypt -a verify-pin -P "$PIN" --sign -s "$slot" -A "$alg" -H "$hash" -i data -o "sig$slot"
  show openssl dgst "-${hash,,}" -verify "pub$slot.pem" -signature "sig$slot" data
}
step "import-key RSA-2048 (openssl genpkey) into 9d, sign, OpenSSL verifies" \
  import_sign 9d RSA2048 -algorithm RSA -pkeyopt rsa_keygen_bits:2048
step "import-key P-256 into 82, sign, OpenSSL verifies" \
  import_sign 82 ECCP256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
step "import-key P-384 into 83, sign, OpenSSL verifies" \
  import_sign 83 ECCP384 -algorithm EC -pkeyopt ec_paramgen_curve:P-384

# --- attestation ------------------------------------------------------------------------------
attest() {
  local slot=$1
  ypt -a attest -s "$slot" -o "att$slot.pem"
  openssl x509 -in "att$slot.pem" -noout -subject -issuer
  same_pubkey "att$slot.pem" "pub$slot.pem"
}
# f9_pubkey: the attestation key's public key (P-256 or P-384) from GET METADATA F9, as PEM.
# yubico-piv-tool 2.2.0 has no metadata action: opensc-tool sends the APDUs.
f9_pubkey() {
  local idx hex point prefix
  idx=$(opensc-tool -l | awk -v r="$CH_READER" '$1 ~ /^[0-9]+$/ && index($0, r) { print $1; exit }')
  [[ -n $idx ]] || {
    echo "opensc-tool -l does not list '$CH_READER'"
    return 1
  }
  show opensc-tool -r "$idx" -s 00A4040009A0000003080000100000 -s 00F700F900 >meta.txt
  cat meta.txt
  # The hex dump after the last "Received": 16 bytes a line, ASCII column after 48 characters.
  hex=$(awk '/^Received/ { buf = ""; next } { buf = buf substr($0, 1, 48) } END { print buf }' \
    meta.txt | tr -d ' \n')
  point=$(grep -oE '864104[0-9A-F]{128}|866104[0-9A-F]{192}' <<<"$hex" | head -n 1)
  case ${#point} in
    134) prefix=3059301306072A8648CE3D020106082A8648CE3D030107034200 ;;
    198) prefix=3076301006072A8648CE3D020106052B81040022036200 ;;
    *)
      echo "no EC public key (86 41|61 04...) in the F9 metadata: $hex"
      return 1
      ;;
  esac
  hex=$prefix${point:4}
  hex2bin "$hex" | openssl pkey -pubin -inform DER
}
# signed_by CERT PUBKEY: OpenSSL checks CERT's signature with PUBKEY (no issuer certificate).
signed_by() {
  local md
  openssl x509 -in "$1" -outform DER -out signed.der
  der_part signed.der 1 >signed.tbs
  der_part signed.der 3 | tail -c +4 >signed.sig # BIT STRING header (short form) + unused bits
  # ECDSA signatures of P-256/P-384 are < 128 bytes, so the header is 2 bytes + 1 unused-bits.
  md=$(openssl x509 -in "$1" -noout -text | sed -nE 's/.*Signature Algorithm: ecdsa-with-(SHA[0-9]+).*/\1/p' | head -n 1)
  [[ -n $md ]] || {
    echo "not an ECDSA signature"
    return 1
  }
  show openssl dgst "-${md,,}" -verify "$2" -signature signed.sig signed.tbs
}
step "attest 9a (RSA-2048): a certificate for the slot's public key" attest 9a
step "attest 9c (P-256): a certificate for the slot's public key" attest 9c
F9=cert
if ! (cd "$WORK" && ypt -a read-certificate -s f9 -o f9.pem) >"$WORK/probe.log" 2>&1; then
  F9=metadata
  need opensc-tool
  skip "read-certificate f9" "the card has no attestation certificate (object 5FFF01); \
checking attestations with the F9 public key from GET METADATA instead"
fi
verify_attestation() {
  local slot=$1
  if [[ $F9 == cert ]]; then
    openssl x509 -in f9.pem -noout -subject
    show openssl verify -partial_chain -CAfile f9.pem "att$slot.pem"
  else
    f9_pubkey >f9pub.pem
    signed_by "att$slot.pem" f9pub.pem
  fi
}
step "the 9a attestation verifies with the F9 attestation key" verify_attestation 9a
step "the 9c attestation verifies with the F9 attestation key" verify_attestation 9c
step "attest an imported key (9d) is refused, as on a YubiKey" fails ypt -a attest -s 9d

# --- retries and reset ------------------------------------------------------------------------
step "change-pin away from the default" ypt -a change-pin -P "$PIN" -N 111111
step "change-puk away from the default" ypt -a change-puk -P "$PUK" -N 22222222
step "pin-retries 5/4" \
  ypt -a verify-pin -P 111111 -a pin-retries --pin-retries 5 --puk-retries 4
step "pin-retries put the default PIN back, as on a YubiKey" ypt -a verify-pin -P "$PIN"
step "pin-retries put the default PUK back, as on a YubiKey" \
  ypt -a unblock-pin -P "$PUK" -N "$PIN"
step "after pin-retries a wrong PIN leaves 4 of 5 tries" has_text "4 tries left" \
  fails ypt -a verify-pin -P 000000
block_all() {
  for _ in 1 2 3 4 5; do
    ypt -a verify-pin -P 000000 || true
  done
  for _ in 1 2 3 4; do
    ypt -a unblock-pin -P 00000000 -N "$PIN" || true
  done
  fails ypt -a verify-pin -P "$PIN"
  fails ypt -a unblock-pin -P "$PUK" -N "$PIN"
}
step "block the PIN (5 wrong) and the PUK (4 wrong)" block_all
step "reset the PIV application" has_text "Successfully reset" ypt -a reset
step "after reset: 3 PIN tries" has_text "$TRIES_3" ypt -a status
step "after reset: the default PIN verifies" ypt -a verify-pin -P "$PIN"
step "after reset: the default PUK unblocks" ypt -a unblock-pin -P "$PUK" -N "$PIN"
step "after reset: no certificate in 9a" fails ypt -a read-certificate -s 9a -o none.pem
step "after reset: the default management key authenticates" ypt -k"$MGM_DEFAULT" -a set-chuid

finish
