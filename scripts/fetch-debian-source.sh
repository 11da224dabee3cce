#!/usr/bin/env bash
# fetch-debian-source.sh PACKAGE DEST: the upstream source of a Debian 12 source package
# (its .orig tarball), verified and unpacked into DEST (the tarball's top directory stripped).
# Used for the libraries that must be built from source for MSan (OpenSSL, zlib: every library
# of an MSan binary must be instrumented) and for the mingw cross build (OpenSSL, cmocka).
#
# Only the Debian archive is reached (the package registry this project's machines have): the
# suites of the first URI of /etc/apt/sources.list.d/debian.sources (or deb.debian.org), security
# first. The chain of trust is apt's own: InRelease is checked with gpgv against
# /usr/share/keyrings/debian-archive-keyring.gpg, the Sources index against InRelease's SHA-256,
# the tarball against the index's SHA-256. No deb-src lines or `apt-get source` needed.
# Exit: 0 unpacked, 1 not found or a check failed, 2 usage.
set -euo pipefail

pkg=${1:-} dest=${2:-}
[[ -n $pkg && -n $dest ]] || { echo "usage: fetch-debian-source.sh PACKAGE DEST" >&2; exit 2; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
for tool in curl gpgv xz sha256sum tar; do
    command -v "$tool" >/dev/null || { echo "fetch-debian-source: $tool not found" >&2; exit 1; }
done
[[ -r $keyring ]] || { echo "fetch-debian-source: $keyring missing" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
get() { curl -fsSL --retry 3 --max-time 300 -o "$2" "$1"; }

# "BASE SUITE" pairs: the security archive first (it holds the newest upstream tarball).
archives=("http://deb.debian.org/debian-security bookworm-security"
          "http://deb.debian.org/debian bookworm-updates"
          "http://deb.debian.org/debian bookworm")

for entry in "${archives[@]}"; do
    read -r base suite <<<"$entry"
    get "$base/dists/$suite/InRelease" "$work/InRelease" 2>/dev/null || continue
    gpgv --keyring "$keyring" --output "$work/Release" "$work/InRelease" 2>/dev/null ||
        { echo "fetch-debian-source: $base $suite: InRelease signature check failed" >&2; exit 1; }
    want=$(awk '/^SHA256:/ { on = 1; next } /^[^ ]/ { on = 0 }
                on && $3 == "main/source/Sources.xz" { print $1 }' "$work/Release")
    [[ -n $want ]] || continue
    get "$base/dists/$suite/main/source/Sources.xz" "$work/Sources.xz" || continue
    [[ $(sha256sum <"$work/Sources.xz" | cut -d' ' -f1) == "$want" ]] ||
        { echo "fetch-debian-source: $suite Sources.xz does not match InRelease" >&2; exit 1; }
    # The package's stanza: its directory and the orig tarball's SHA-256 and name.
    xz -dc "$work/Sources.xz" >"$work/Sources"
    found=$(awk -v p="$pkg" '
        /^Package: / { inpkg = ($2 == p); sha = 0; next }
        !inpkg { next }
        /^Directory: / { dir = $2 }
        /^Checksums-Sha256:/ { sha = 1; next }
        /^[^ ]/ { sha = 0 }
        sha && $3 ~ /\.orig\.tar\.(gz|bz2|xz)$/ { orig = $1 " " $3 }
        /^$/ && orig != "" { print dir " " orig; done = 1; exit }
        END { if (!done && inpkg && orig != "") print dir " " orig }' "$work/Sources")
    [[ -n $found ]] || continue
    read -r dir sum file <<<"$found"
    # A security upload may reuse the main archive's orig tarball: same name, same SHA-256.
    get "$base/$dir/$file" "$work/$file" 2>/dev/null ||
        get "http://deb.debian.org/debian/${dir/pool\/updates\//pool/}/$file" "$work/$file" ||
        { echo "fetch-debian-source: cannot download $file ($base/$dir)" >&2; exit 1; }
    [[ $(sha256sum <"$work/$file" | cut -d' ' -f1) == "$sum" ]] ||
        { echo "fetch-debian-source: $file does not match the Sources index" >&2; exit 1; }
    rm -rf -- "$dest" && mkdir -p "$dest"
    tar -xf "$work/$file" -C "$dest" --strip-components=1
    echo "fetch-debian-source: $pkg: $file ($suite, sha256 verified) in $dest"
    exit 0
done
echo "fetch-debian-source: no source package '$pkg' in ${archives[*]}" >&2
exit 1
