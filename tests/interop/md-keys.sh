#!/usr/bin/env bash
# shellcheck disable=SC2317  # check functions run indirectly, through step
# md-keys.sh [MD_WRITE MD_READ LIBPIVMD]: keys a CSP puts on the card in reader $CH_READER
# through the card module are what independent PIV clients find there. Run under
# tests/fixtures/with-pcscd.sh with a fresh card (tests/interop/CMakeLists.txt runs it against
# vpiv-vpcd as interop/md_keys). Through md-write (tests/interop/md_write.c, which dlopens
# LIBPIVMD: admin by the default 3DES key, the PIN, then CardCreateContainerEx, CardWriteFile,
# CardSignData):
#   container 2 (9d)  P-256 generated on the card (KEY_GEN, AT_ECDSA_P256); a host CA (OpenSSL)
#                     certifies the public key CardGetContainerInfo returned -> mscp/ksc02
#   container 0 (9a)  RSA-2048 made by `openssl genrsa`, imported as the PRIVATEKEYBLOB of
#                     `openssl rsa -outform MSBLOB` (KEY_IMPORT, AT_KEYEXCHANGE); self-signed
#                     certificate -> mscp/kxc00
# then: CardSignData with both keys (OpenSSL verifies), md-read (cmapfile and certificate files),
# yubico-piv-tool (-a status, read-certificate, a signature with 9a that OpenSSL verifies
# against the imported key), OpenSC's PKCS#11 module through pkcs11-tool (objects, certificates,
# a signature with 9a, and with the generated 9d key the operation OpenSC allows there, ECDH,
# checked against the public key CardGetContainerInfo returned).
#
# MD_WRITE, MD_READ and LIBPIVMD default to $CH_MD_WRITE, $CH_MD_READ and $CH_PIVMD.
# Prints one line per step and "md-keys.sh: N passed, N failed, N skipped"; the first failing
# step prints its output and ends the script with status 1. Exit 77 (skip) when
# yubico-piv-tool, pkcs11-tool, OpenSC's PKCS#11 module or openssl is missing; 2 when a program
# or the library is not given.
set -euo pipefail

readonly PROG=md-keys.sh
# shellcheck source=tests/interop/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
need yubico-piv-tool pkcs11-tool openssl od cmp

MD_WRITE=${1:-${CH_MD_WRITE:-}}
MD_READ=${2:-${CH_MD_READ:-}}
PIVMD=${3:-${CH_PIVMD:-}}
if [[ -z $MD_WRITE || -z $MD_READ || -z $PIVMD ]]; then
  echo "usage: $PROG MD_WRITE MD_READ LIBPIVMD (or set CH_MD_WRITE, CH_MD_READ and CH_PIVMD)" >&2
  exit 2
fi
readonly MD_WRITE MD_READ PIVMD

readonly PIN=123456
readonly CMAP_REC=86
readonly MODULE=${CH_OPENSC_PKCS11:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}
[[ -r $MODULE ]] || {
  echo "$PROG: $MODULE not found (install opensc-pkcs11, or set CH_OPENSC_PKCS11)" >&2
  exit 77
}
export OPENSC_CONF=/etc/opensc/opensc.conf

mdw() { show "$MD_WRITE" "$PIVMD" md "$@"; }
ypt() { show yubico-piv-tool -r "$CH_READER" "$@"; }
p11() { show pkcs11-tool --module "$MODULE" "$@"; }

# hex FILE [SKIP [COUNT]]: the bytes of FILE from SKIP (COUNT of them), lower-case hex.
hex() {
  local -a range=()
  [[ -n ${2:-} ]] && range+=(-j "$2")
  [[ -n ${3:-} ]] && range+=(-N "$3")
  od -An -v -tx1 "${range[@]}" "$1" | tr -d ' \n'
}
u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' \n'; }
u16() { od -An -tu2 --endian=little -j "$2" -N2 "$1" | tr -d ' \n'; }
size() { stat -c %s "$1"; }
revhex() {
  local h=$1 out=""
  while [[ -n $h ]]; do
    out=${h:0:2}$out
    h=${h:2}
  done
  printf '%s' "$out"
}
expect() {
  if [[ $2 != "$3" ]]; then
    echo "$1: got '$2', want '$3'"
    return 1
  fi
  echo "$1: $2"
}
# der_int HEX: a DER INTEGER (hex) of the unsigned big-endian number HEX (at most 126 bytes).
der_int() {
  local v=$1
  while [[ ${#v} -gt 2 && ${v:0:2} == 00 ]]; do v=${v:2}; done
  ((16#${v:0:1} < 8)) || v=00$v
  printf '02%02x%s' $((${#v} / 2)) "$v"
}
# ecdsa_der RAW OUT: the ECDSA-Sig-Value (DER) of a signature r || s (big-endian halves).
ecdsa_der() {
  local h n body
  h=$(hex "$1")
  n=$((${#h} / 2))
  body=$(der_int "${h:0:n}")$(der_int "${h:n}")
  hex2bin "30$(printf %02x $((${#body} / 2)))$body" >"$2"
}

printf 'sign me, md-keys %s\n' "$(date +%s)" >"$WORK/data"
mkdir -p "$WORK/md"

# --- keys through the card module ------------------------------------------------------------
host_rsa() {
  show openssl genrsa -out key9a.pem 2048
  show openssl rsa -in key9a.pem -outform MSBLOB -out key9a.blob
  openssl pkey -in key9a.pem -pubout -out pub9a.pem
  expect "PRIVATEKEYBLOB size (20 + 9 * 2048 / 16)" "$(size key9a.blob)" 1172
  expect "BLOBHEADER" "$(hex key9a.blob 0 8)" 0702000000a40000
}
step "host: RSA-2048 by openssl genrsa, PRIVATEKEYBLOB by openssl rsa -outform MSBLOB" host_rsa

step "md-write: KEY_GEN P-256 (AT_ECDSA_P256) in container 2, KEY_IMPORT RSA-2048 in container 0" \
  mdw gen 2 ecdsa256 import 0 keyx key9a.blob info 2 info 0

# The imported key as CardGetContainerInfo shows it: PUBLICKEYBLOB (OpenSSL reads MSBLOB).
imported_pub() {
  [[ ! -e md/pub00.sig ]] || {
    echo "container 0 has a signature key"
    return 1
  }
  expect "PUBLICKEYBLOB header" "$(hex md/pub00.kx 0 20)" \
    0602000000a40000525341310008000001000100
  show openssl rsa -pubin -inform MSBLOB -in md/pub00.kx -pubout -out pub00.pem
  same_pubkey pub00.pem key9a.pem
}
step "container 0: CardGetContainerInfo gives the imported key's public key" imported_pub

# The generated key: BCRYPT_ECCKEY_BLOB ECS1, X || Y made a SubjectPublicKeyInfo for OpenSSL.
generated_pub() {
  [[ ! -e md/pub02.kx ]] || {
    echo "container 2 has a key-exchange key"
    return 1
  }
  expect "size" "$(size md/pub02.sig)" 72
  expect "dwMagic ECS1, cbKey 32" "$(hex md/pub02.sig 0 8)" 4543533120000000
  hex2bin "3059301306072a8648ce3d020106082a8648ce3d03010703420004$(hex md/pub02.sig 8)" \
    >pub9d.der
  show openssl pkey -pubin -inform DER -in pub9d.der -out pub9d.pem
  show openssl pkey -pubin -in pub9d.pem -noout -check
}
step "container 2: CardGetContainerInfo gives a P-256 point on the curve" generated_pub

certs() {
  show openssl req -new -x509 -key key9a.pem -subj "/CN=md-keys 9a/O=cardhammer" -days 30 \
    -sha256 -out cert9a.pem
  show openssl x509 -in cert9a.pem -outform DER -out cert9a.der
  show openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=md-keys CA/O=cardhammer" -keyout ca.key -out ca.pem
  show openssl req -new -key ca.key -subj "/CN=md-keys 9d/O=cardhammer" -out req9d.csr
  show openssl x509 -req -in req9d.csr -CA ca.pem -CAkey ca.key -force_pubkey pub9d.pem \
    -set_serial 0x9d02 -days 30 -sha256 -out cert9d.pem
  show openssl x509 -in cert9d.pem -outform DER -out cert9d.der
  same_pubkey cert9d.pem pub9d.pem
}
step "host: a self-signed certificate for 9a, a host CA's certificate of the 9d public key" certs

step "md-write: CardWriteFile mscp/kxc00 and mscp/ksc02" \
  mdw cert kxc00 cert9a.der cert ksc02 cert9d.der

md_sign() {
  openssl dgst -sha256 -binary data >data.sha256
  mdw sign 0 keyx data.sha256 sig00.le sign 2 ecdsa256 data.sha256 sig02.raw
  expect "RSA signature size" "$(size md/sig00.le)" 256
  expect "ECDSA signature size (r || s)" "$(size md/sig02.raw)" 64
  hex2bin "$(revhex "$(hex md/sig00.le)")" >sig00.be # CAPI order is little-endian
  show openssl dgst -sha256 -verify pub9a.pem -signature sig00.be data
  ecdsa_der md/sig02.raw sig02.der
  show openssl pkeyutl -verify -pubin -inkey pub9d.pem -in data.sha256 -sigfile sig02.der
}
step "md-write: CardSignData with both keys, OpenSSL verifies (host key / CONTAINER_INFO key)" \
  md_sign

# --- what the card module itself reads back --------------------------------------------------
md_read_back() {
  mkdir -p back
  show "$MD_READ" "$PIVMD" back
  expect "mscp listing" "$(tr '\n' ' ' <back/mscp.lst)" "cmapfile kxc00 ksc02 "
  show cmp back/kxc00 cert9a.der
  show cmp back/ksc02 cert9d.der
  expect "record 0 valid" $(($(u8 back/cmapfile 80) & 1)) 1
  expect "record 0 wSigKeySizeBits" "$(u16 back/cmapfile 82)" 0
  expect "record 0 wKeyExchangeKeySizeBits" "$(u16 back/cmapfile 84)" 2048
  expect "record 2 valid" $(($(u8 back/cmapfile $((2 * CMAP_REC + 80))) & 1)) 1
  expect "record 2 wSigKeySizeBits" "$(u16 back/cmapfile $((2 * CMAP_REC + 82)))" 256
  expect "record 2 wKeyExchangeKeySizeBits" "$(u16 back/cmapfile $((2 * CMAP_REC + 84)))" 0
}
step "md-read: cmapfile records 0 (RSA-2048 kx) and 2 (P-256 sig), certificates as written" \
  md_read_back

# --- yubico-piv-tool ---------------------------------------------------------------------------
ypt_status() {
  ypt -a status >status.txt
  cat status.txt
  awk '/^Slot 9a:/ { s = 1; next } /^Slot/ { s = 0 } s' status.txt >status9a.txt
  awk '/^Slot 9d:/ { s = 1; next } /^Slot/ { s = 0 } s' status.txt >status9d.txt
  grep -q "Algorithm:.*RSA2048" status9a.txt || {
    echo "status: slot 9a is not RSA2048"
    return 1
  }
  grep -q "CN=md-keys 9a" status9a.txt || {
    echo "status: slot 9a does not show the certificate's subject"
    return 1
  }
  grep -q "Algorithm:.*ECCP256" status9d.txt || {
    echo "status: slot 9d is not ECCP256"
    return 1
  }
  grep -q "CN=md-keys 9d" status9d.txt || {
    echo "status: slot 9d does not show the certificate's subject"
    return 1
  }
}
step "yubico-piv-tool -a status: 9a RSA2048 and 9d ECCP256 with their certificates" ypt_status

ypt_read_cert() {
  ypt -a read-certificate -s "$1" -o "ypt$1.pem"
  openssl x509 -in "ypt$1.pem" -outform DER | cmp - "cert$1.der"
}
step "yubico-piv-tool read-certificate 9a: the certificate md-write wrote" ypt_read_cert 9a
step "yubico-piv-tool read-certificate 9d: the certificate md-write wrote" ypt_read_cert 9d

# yubico-piv-tool 2.2.0 signs with --sign (beside an action, here verify-pin): it hashes and
# pads, the card makes the RSA signature, OpenSSL verifies it with the host's copy of the key.
ypt_sign() {
  ypt -a verify-pin -P "$PIN" --sign -s 9a -A RSA2048 -H SHA256 -i data -o sig9a.ypt
  show openssl dgst -sha256 -verify pub9a.pem -signature sig9a.ypt data
}
step "yubico-piv-tool signs with 9a, OpenSSL verifies with the imported key" ypt_sign
# test-signature takes the certificate as input: the one read back from the card above.
step "yubico-piv-tool test-signature 9a (its own check against the card's certificate)" \
  ypt -a verify-pin -P "$PIN" -a test-signature -s 9a -i ypt9a.pem

# --- OpenSC ------------------------------------------------------------------------------------
p11_objects() {
  p11 --login --pin "$PIN" -O >objects.txt
  cat objects.txt
  local want
  for want in "Certificate Object" "Private Key Object; RSA" "Private Key Object; EC" \
    "CN=md-keys 9a" "CN=md-keys 9d"; do
    grep -qF "$want" objects.txt || {
      echo "pkcs11-tool -O does not show '$want'"
      return 1
    }
  done
}
step "pkcs11-tool lists the certificates and both private keys" p11_objects

p11_cert() {
  p11 --read-object --type cert --id "$2" -o "p11cert$1.der"
  show cmp "p11cert$1.der" "cert$1.der"
}
step "pkcs11-tool reads the 9a certificate (id 01)" p11_cert 9a 01
step "pkcs11-tool reads the 9d certificate (id 03)" p11_cert 9d 03

p11_rsa_sign() {
  p11 --login --pin "$PIN" --sign --id 01 -m SHA256-RSA-PKCS -i data -o sig9a.p11
  show openssl dgst -sha256 -verify pub9a.pem -signature sig9a.p11 data
}
step "pkcs11-tool SHA256-RSA-PKCS with the imported 9a key, OpenSSL verifies" p11_rsa_sign

# OpenSC gives a PIV 9D key decrypt / derive usage only: C_SignInit refuses ECDSA with it
# before anything reaches the card (CKR_KEY_TYPE_INCONSISTENT with OpenSC 0.23; should a later
# OpenSC sign, this step fails and the signature belongs here instead). The generated key is then
# used the way OpenSC allows, ECDH, and OpenSSL must reach the same secret with the public key
# CardGetContainerInfo returned. (md-write signed with it above: CardSignData.)
p11_9d_sign_refused() {
  openssl dgst -sha256 -binary data >hash9d
  fails pkcs11-tool --module "$MODULE" --login --pin "$PIN" --sign --id 03 -m ECDSA \
    --signature-format openssl -i hash9d -o sig9d.p11 >refused.txt 2>&1 || {
    cat refused.txt
    return 1
  }
  cat refused.txt
  grep -q "C_SignInit failed" refused.txt || {
    echo "refused, but not by C_SignInit (OpenSC's key usage): a card or module error?"
    return 1
  }
}
step "pkcs11-tool ECDSA with 9d: OpenSC refuses in C_SignInit (9D has no sign usage there)" \
  p11_9d_sign_refused
p11_derive() {
  show openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out peer.key
  openssl pkey -in peer.key -pubout -outform DER -out peer.der
  p11 --login --pin "$PIN" --derive -m ECDH1-DERIVE --id 03 -i peer.der -o shared.card
  show openssl pkeyutl -derive -inkey peer.key -peerkey pub9d.pem -out shared.openssl
  show cmp shared.openssl shared.card
}
step "pkcs11-tool ECDH with the generated 9d key = OpenSSL with the CONTAINER_INFO key" p11_derive

finish
