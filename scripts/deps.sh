#!/usr/bin/env bash
# deps.sh: install the Debian packages a profile needs, only those that are missing.
#   profiles: build | test (build + pcscd, vpcd, mingw-w64) | fuzz (build + AFL++, gnuplot)
#             | wine (mingw-w64 cross compiler, wine64, and what cross-building OpenSSL and
#               cmocka needs: scripts/wine-conformance.sh)
#             | static (build + clang-tidy, cppcheck, scan-build: scripts/static-analysis.sh)
# Source it and call `ch_deps PROFILE`, or run `scripts/deps.sh PROFILE`.
# Runs `apt-get update` once per process and only when something is missing; uses sudo only
# when not root.

# The packages of a profile, one per line; fails on an unknown profile.
ch_deps_packages() {
    local build=(cmake ninja-build gcc clang llvm pkg-config libpcsclite-dev libcmocka-dev
        libclang-rt-14-dev libssl-dev zlib1g-dev jq python3 curl xz-utils)
    case ${1:-} in
        build) printf '%s\n' "${build[@]}" ;;
        test) printf '%s\n' "${build[@]}" pcscd vsmartcard-vpcd gcc-mingw-w64-x86-64 \
            binutils-mingw-w64-x86-64 yubico-piv-tool opensc opensc-pkcs11 openssl ;;
        fuzz) printf '%s\n' "${build[@]}" afl++ gnuplot-nox zip unzip ;;
        static) printf '%s\n' "${build[@]}" clang-tidy cppcheck clang-tools ;;
        wine) printf '%s\n' cmake ninja-build make perl xz-utils gcc-mingw-w64-x86-64 \
            binutils-mingw-w64-x86-64 wine wine64 ;;
        *) return 1 ;;
    esac
}

# The packages among the arguments that dpkg does not report as installed.
ch_deps_missing() {
    local pkg
    for pkg in "$@"; do
        if [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) != "install ok installed" ]]; then
            printf '%s\n' "$pkg"
        fi
    done
}

# apt-get as root: directly, or through sudo when we are not root.
ch_deps_apt() {
    if ((EUID == 0)); then
        env DEBIAN_FRONTEND=noninteractive apt-get "$@"
    else
        sudo env DEBIAN_FRONTEND=noninteractive apt-get "$@"
    fi
}

# ch_deps PROFILE: install what the profile needs and is missing; prints one line saying what.
ch_deps() {
    local profile=${1:-} list
    local -a wanted missing
    if ! list=$(ch_deps_packages "$profile"); then
        echo "deps: unknown profile '${profile}' (build | test | fuzz | wine | static)" >&2
        return 2
    fi
    mapfile -t wanted <<<"$list"
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "deps: dpkg-query not found: install these by hand: ${wanted[*]}" >&2
        return 1
    fi
    mapfile -t missing < <(ch_deps_missing "${wanted[@]}")
    if ((${#missing[@]} == 0)); then
        echo "deps($profile): nothing to install, all ${#wanted[@]} packages present"
        return 0
    fi
    echo "deps($profile): installing ${missing[*]}"
    if [[ -z ${CH_DEPS_APT_UPDATED:-} ]]; then
        ch_deps_apt update -q || return 1
        export CH_DEPS_APT_UPDATED=1
    fi
    ch_deps_apt install -y -q --no-install-recommends "${missing[@]}"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    ch_deps "$@"
fi
