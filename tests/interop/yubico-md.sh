#!/usr/bin/env bash
# shellcheck disable=SC2317  # check functions run indirectly, through step
# yubico-md.sh [MD_READ LIBPIVMD]: what yubico-piv-tool (an independent PIV client) puts on the
# card in reader $CH_READER is what a CSP sees through the card module. Run under
# tests/fixtures/with-pcscd.sh with a fresh card (tests/interop/CMakeLists.txt runs it against
# vpiv-vpcd as interop/md_yubico):
#   9a  RSA-2048 key made by OpenSSL, imported, self-signed certificate        -> container 0
#   9c  P-256 key made by OpenSSL, imported, self-signed certificate           -> container 1
#   9d  P-256 key generated on the card, certificate by a host CA (OpenSSL)    -> container 2
#   9e  P-256 key made by OpenSSL, imported, certificate object gzip-compressed
#       (CertInfo 01) written with write-object                                 -> container 3
# then md-read (tests/interop/md_read.c) dlopens LIBPIVMD, reads cardid, cardcf, cardapps,
# cmapfile, the mscp listing, every certificate file and CONTAINER_INFO's public keys, and
# OpenSSL and the shell check them: cmapfile records (flags, key sizes in the right field, one
# default), certificates byte for byte, PUBLICKEYBLOB modulus and exponent, BCRYPT_ECCKEY_BLOB
# magic and point (docs: /work/shared/reference/cardmod.md, card mapping in src/md/md_fs.h).
#
# MD_READ and LIBPIVMD default to $CH_MD_READ and $CH_PIVMD.
# Prints one line per step and "yubico-md.sh: N passed, N failed, N skipped"; the first failing
# step prints its output and ends the script with status 1. Exit 77 (skip) when
# yubico-piv-tool, openssl or gzip is missing; 2 when md-read or the library is not given.
set -euo pipefail

readonly PROG=yubico-md.sh
# shellcheck source=tests/interop/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
need yubico-piv-tool openssl gzip od cmp

MD_READ=${1:-${CH_MD_READ:-}}
PIVMD=${2:-${CH_PIVMD:-}}
if [[ -z $MD_READ || -z $PIVMD ]]; then
  echo "usage: $PROG MD_READ LIBPIVMD (or set CH_MD_READ and CH_PIVMD)" >&2
  exit 2
fi
readonly MD_READ PIVMD

readonly MGM_DEFAULT=010203040506070801020304050607080102030405060708
readonly CMAP_REC=86

ypt() { show yubico-piv-tool -r "$CH_READER" "$@"; }
mgm() { ypt -k"$MGM_DEFAULT" "$@"; }

# hex FILE [SKIP [COUNT]]: the bytes of FILE from SKIP (COUNT of them), lower-case hex.
hex() {
  local -a range=()
  [[ -n ${2:-} ]] && range+=(-j "$2")
  [[ -n ${3:-} ]] && range+=(-N "$3")
  od -An -v -tx1 "${range[@]}" "$1" | tr -d ' \n'
}
# u8 FILE OFF / u16 FILE OFF: an unsigned byte / little-endian 16-bit value.
u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' \n'; }
u16() { od -An -tu2 --endian=little -j "$2" -N2 "$1" | tr -d ' \n'; }
# revhex HEX: the byte-reversed hex string.
revhex() {
  local h=$1 out=""
  while [[ -n $h ]]; do
    out=${h:0:2}$out
    h=${h:2}
  done
  printf '%s' "$out"
}
size() { stat -c %s "$1"; }
# expect WHAT GOT WANT
expect() {
  if [[ $2 != "$3" ]]; then
    echo "$1: got '$2', want '$3'"
    return 1
  fi
  echo "$1: $2"
}

# --- putting keys and certificates on the card -----------------------------------------------
# host_key SLOT rsa|ec: a host key and a self-signed certificate for it (PEM and DER).
host_key() {
  local slot=$1
  case $2 in
    rsa) show openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "key$slot.pem" ;;
    ec) show openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "key$slot.pem" ;;
  esac
  show openssl req -new -x509 -key "key$slot.pem" -subj "/CN=md $slot/O=cardhammer" -days 30 \
    -sha256 -out "cert$slot.pem"
  show openssl x509 -in "cert$slot.pem" -outform DER -out "cert$slot.der"
  same_pubkey "cert$slot.pem" "key$slot.pem"
}
import_cert() {
  mgm -a import-certificate -s "$1" -i "cert$1.pem"
  ypt -a read-certificate -s "$1" -o "back$1.pem"
  openssl x509 -in "back$1.pem" -outform DER | cmp - "cert$1.der"
}

step "host: RSA-2048 key and self-signed certificate for 9a" host_key 9a rsa
step "import-key RSA-2048 into 9a" mgm -a import-key -s 9a -i key9a.pem
step "import-certificate into 9a, read back equal" import_cert 9a
step "host: P-256 key and self-signed certificate for 9c" host_key 9c ec
step "import-key P-256 into 9c" mgm -a import-key -s 9c -i key9c.pem
step "import-certificate into 9c, read back equal" import_cert 9c
step "generate ECCP256 on the card in 9d" mgm -a generate -s 9d -A ECCP256 -o pub9d.pem

# yubico-piv-tool 2.2.0 cannot self-sign with OpenSSL 3 (see yubico-piv.sh): a host CA
# certifies the card's public key instead.
ca_certify_9d() {
  show openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
  show openssl req -new -x509 -key ca.key -subj "/CN=md test CA/O=cardhammer" -days 30 \
    -sha256 -out ca.pem
  show openssl req -new -key ca.key -subj "/CN=md 9d/O=cardhammer" -out req9d.csr
  show openssl x509 -req -in req9d.csr -CA ca.pem -CAkey ca.key -force_pubkey pub9d.pem \
    -set_serial 0x9d01 -days 30 -sha256 -out cert9d.pem
  show openssl verify -CAfile ca.pem cert9d.pem
  same_pubkey cert9d.pem pub9d.pem
  show openssl x509 -in cert9d.pem -outform DER -out cert9d.der
}
step "a host CA certifies the 9d public key (x509 -force_pubkey)" ca_certify_9d
step "import-certificate into 9d, read back equal" import_cert 9d

# A compressed certificate: yubico-piv-tool 2.2.0 has no --compress, so the certificate object
# (SP 800-73-4: 70 <gzip of the DER> 71 <CertInfo 01> FE <empty>) is written as it is.
# (hex2bin and der_len come from lib.sh.)
compressed_9e() {
  gzip -9 -n -c cert9e.der >cert9e.gz
  {
    printf '\x70'
    der_len "$(size cert9e.gz)"
    cat cert9e.gz
    printf '\x71\x01\x01\xfe\x00'
  } >obj9e.bin
  echo "certificate $(size cert9e.der) bytes, gzip $(size cert9e.gz), object $(size obj9e.bin)"
  mgm -a write-object --id $((0x5FC101)) -f binary -i obj9e.bin
}
step "host: P-256 key and self-signed certificate for 9e" host_key 9e ec
step "import-key P-256 into 9e" mgm -a import-key -s 9e -i key9e.pem
step "write the 9e certificate object gzip-compressed (CertInfo 01)" compressed_9e

# --- the card through the card module ----------------------------------------------------------
run_md_read() {
  mkdir -p md
  show "$MD_READ" "$PIVMD" md
  ls -l md
}
step "md-read: the CSP's view through $(basename -- "$PIVMD")" run_md_read

root_files() {
  expect "cardid size" "$(size md/cardid)" 16
  [[ $(hex md/cardid) != 00000000000000000000000000000000 ]] || {
    echo "cardid is all zero"
    return 1
  }
  (($(size md/cardcf) >= 6)) || {
    echo "cardcf is $(size md/cardcf) bytes, want at least 6"
    return 1
  }
  expect "cardapps" "$(hex md/cardapps)" 6d73637000000000
  expect "root listing" "$(tr '\n' ' ' <md/root.lst)" "cardid cardcf cardapps "
}
step "root files: cardid (16 bytes), cardcf (>= 6), cardapps ('mscp'), listing" root_files
mscp_listing() {
  expect "mscp listing" "$(tr '\n' ' ' <md/mscp.lst)" "cmapfile kxc00 ksc01 kxc02 ksc03 "
}
step "mscp listing: cmapfile kxc00 ksc01 kxc02 ksc03" mscp_listing

# guid_text HEX: the UTF-16LE GUID (hex of 80 bytes) up to its NUL as text; fails when it is
# empty, not NUL-terminated within its 40 units, or not ASCII.
guid_text() {
  local g=$1 u k text=""
  for ((k = 0; k < 40; k++)); do
    u=${g:4*k:4}
    if [[ $u == 0000 ]]; then
      [[ -n $text ]] || return 1
      printf '%s' "$text"
      return 0
    fi
    [[ ${u:2:2} == 00 && ${u:0:1} =~ [2-7] ]] || return 1
    text+=$(printf '%b' "\\x${u:0:2}")
  done
  return 1
}
cmap_shape() {
  local n guids=" " g text
  expect "cmapfile size" "$(size md/cmapfile)" $((4 * CMAP_REC))
  for n in 0 1 2 3; do
    g=$(hex md/cmapfile $((n * CMAP_REC)) 80)
    if ! text=$(guid_text "$g"); then
      echo "record $n: wszGuid is empty, unterminated or not ASCII: $g"
      return 1
    fi
    echo "record $n: wszGuid $text"
    if [[ $guids == *" $text "* ]]; then
      echo "record $n: GUID repeated"
      return 1
    fi
    guids+="$text "
    expect "record $n bReserved" "$(u8 md/cmapfile $((n * CMAP_REC + 81)))" 0
  done
}
step "cmapfile: 4 records with distinct NUL-terminated GUIDs" cmap_shape

# cmap_record N SIGBITS KXBITS: record N is valid with these key sizes.
cmap_record() {
  local n=$1 base=$(($1 * CMAP_REC))
  expect "record $n valid" $(($(u8 md/cmapfile $((base + 80))) & 1)) 1
  expect "record $n wSigKeySizeBits" "$(u16 md/cmapfile $((base + 82)))" "$2"
  expect "record $n wKeyExchangeKeySizeBits" "$(u16 md/cmapfile $((base + 84)))" "$3"
}
step "cmapfile record 0 (9a): valid, RSA-2048 key exchange" cmap_record 0 0 2048
step "cmapfile record 1 (9c): valid, P-256 signature" cmap_record 1 256 0
step "cmapfile record 2 (9d): valid, P-256 key exchange (ECDH)" cmap_record 2 0 256
step "cmapfile record 3 (9e): valid, P-256 signature" cmap_record 3 256 0
one_default() {
  local n flags defaults=0
  for n in 0 1 2 3; do
    flags=$(u8 md/cmapfile $((n * CMAP_REC + 80)))
    echo "record $n bFlags $flags"
    if ((flags & ~3)); then
      echo "record $n: unknown flag bits"
      return 1
    fi
    if ((flags & 2)); then
      defaults=$((defaults + 1))
    fi
  done
  expect "records with the default flag" "$defaults" 1
}
step "cmapfile: the default flag on exactly one valid record" one_default

same_der() {
  show cmp "md/$1" "cert$2.der"
  echo "$1: $(size "md/$1") bytes, equal to cert$2.der"
}
step "kxc00 equals the 9a certificate (DER)" same_der kxc00 9a
step "ksc01 equals the 9c certificate (DER)" same_der ksc01 9c
step "kxc02 equals the 9d certificate (DER)" same_der kxc02 9d
step "ksc03 equals the 9e certificate (DER, stored compressed)" same_der ksc03 9e

# no_blob FILE: CONTAINER_INFO has no key of the other kind.
no_blob() {
  if [[ -e md/$1 ]]; then
    echo "md/$1 exists: CONTAINER_INFO has a key of the wrong kind"
    return 1
  fi
}
rsa_blob() {
  local b=md/pub00.kx modulus
  no_blob pub00.sig
  expect "size" "$(size "$b")" $((20 + 256))
  # PUBLICKEYSTRUC: bType 06, bVersion 02, reserved 0000, aiKeyAlg CALG_RSA_KEYX (0000a400 LE);
  # RSAPUBKEY: magic 'RSA1', bitlen 2048, pubexp 65537.
  expect "BLOBHEADER" "$(hex "$b" 0 8)" 0602000000a40000
  expect "magic" "$(hex "$b" 8 4)" 52534131
  expect "bitlen" "$(od -An -tu4 --endian=little -j 12 -N4 "$b" | tr -d ' ')" 2048
  expect "pubexp" "$(od -An -tu4 --endian=little -j 16 -N4 "$b" | tr -d ' ')" 65537
  modulus=$(openssl x509 -in cert9a.pem -noout -modulus)
  modulus=${modulus#Modulus=}
  expect "modulus (little-endian, reversed)" "$(revhex "$(hex "$b" 20)")" "${modulus,,}"
}
step "pub00.kx: PUBLICKEYBLOB (RSA1, KEYX, 2048, e 65537), modulus of the 9a certificate" rsa_blob

# ecc_blob FILE OTHER MAGICHEX SLOT: a BCRYPT_ECCKEY_BLOB, cbKey 32, X||Y of SLOT's certificate.
ecc_blob() {
  local b=md/$1 point
  no_blob "$2"
  expect "size" "$(size "$b")" $((8 + 64))
  expect "dwMagic" "$(hex "$b" 0 4)" "$3"
  expect "cbKey" "$(od -An -tu4 --endian=little -j 4 -N4 "$b" | tr -d ' ')" 32
  point=$(openssl x509 -in "cert$4.pem" -noout -pubkey | openssl pkey -pubin -outform DER |
    tail -c 64 | od -An -v -tx1 | tr -d ' \n')
  expect "X||Y" "$(hex "$b" 8)" "$point"
}
step "pub01.sig: BCRYPT_ECCKEY_BLOB ECS1, point of the 9c certificate" \
  ecc_blob pub01.sig pub01.kx 45435331 9c
step "pub02.kx: BCRYPT_ECCKEY_BLOB ECK1, point of the 9d certificate (card-generated key)" \
  ecc_blob pub02.kx pub02.sig 45434b31 9d
step "pub03.sig: BCRYPT_ECCKEY_BLOB ECS1, point of the 9e certificate" \
  ecc_blob pub03.sig pub03.kx 45435331 9e

finish
