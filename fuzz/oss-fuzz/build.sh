#!/bin/bash -eu
# fuzz/oss-fuzz/build.sh: the OSS-Fuzz and ClusterFuzzLite build of every fuzz target.
# OSS-Fuzz's projects/cardhammer/build.sh and .clusterfuzzlite/build.sh only call this file.
#
# Takes what the base-builder image's `compile` sets, and nothing else of its own choosing:
#   CC CXX CFLAGS CXXFLAGS   compilers and flags (sanitizer and coverage flags included)
#   LIB_FUZZING_ENGINE       what a fuzz target links for its engine (-fsanitize=fuzzer, or
#                            libAFLDriver.a when FUZZING_ENGINE=afl and CC=afl-clang-fast)
#   SANITIZER                address | undefined | memory | coverage (only reported here)
#   SRC WORK OUT             sources ($SRC/openssl, $SRC/zlib), scratch, results
# scripts/oss-fuzz-local.sh sets them by hand and checks what lands in $OUT.
#
# Dependencies: every library a fuzz target links is built here from source with the same
# $CC $CFLAGS (OpenSSL's libcrypto: vpiv and the oracles; zlib: the inflate/deflate oracles),
# for every sanitizer, not only memory: MSan needs it, and the other builds then run the same
# OpenSSL (Ubuntu 20.04's is 1.1.1, too old) and see memory errors inside the oracles too.
# OpenSSL without assembly (MSan and ASan cannot see into it). Nothing else is linked:
# libpcsclite is only found by the configure step (the shipped pivmd.so, not built here).
#
# Overrides for a local run: CH_OPENSSL_SRC, CH_ZLIB_SRC (default $SRC/openssl, $SRC/zlib),
# CH_JOBS (default nproc).
set -o pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
openssl_src=${CH_OPENSSL_SRC:-$SRC/openssl}
zlib_src=${CH_ZLIB_SRC:-$SRC/zlib}
jobs=${CH_JOBS:-$(nproc)}
deps=$WORK/deps
build=$WORK/cardhammer-build

say() { printf 'oss-fuzz build: %s\n' "$*"; }
die() { printf 'oss-fuzz build: %s\n' "$*" >&2; exit 1; }

for d in "$openssl_src" "$zlib_src"; do
    [[ -d $d ]] || die "missing dependency source $d (the Dockerfile clones it)"
done
mkdir -p "$deps/lib" "$deps/include" "$OUT"

# A dependency is rebuilt when its stamp (compiler, flags, source version) differs: in
# OSS-Fuzz $WORK starts empty anyway; a local run reuses a $WORK per engine and sanitizer.
stamp_of() {
    printf '%s\n' "$CC" "$CFLAGS" "$1" "$(head -c 4096 "$2" 2>/dev/null | cksum)"
}

# zlib: the library sources only, compiled straight into libz.a (its own build scripts write
# into the source tree; the gz* file functions are not used by any target).
build_zlib() {
    local obj=$WORK/zlib-obj stamp
    stamp=$(stamp_of "$zlib_src" "$zlib_src/zlib.h")
    if [[ -f $deps/lib/libz.a && $(cat "$deps/zlib.stamp" 2>/dev/null) == "$stamp" ]]; then
        say "zlib: up to date in $deps"
        return
    fi
    say "zlib: building from $zlib_src"
    rm -rf "$obj" && mkdir -p "$obj"
    local f
    for f in adler32 compress crc32 deflate infback inffast inflate inftrees trees uncompr \
             zutil; do
        # shellcheck disable=SC2086 # CFLAGS is a list of words
        $CC $CFLAGS -I"$zlib_src" -c "$zlib_src/$f.c" -o "$obj/$f.o"
    done
    rm -f "$deps/lib/libz.a"
    ar rcs "$deps/lib/libz.a" "$obj"/*.o
    cp "$zlib_src/zlib.h" "$zlib_src/zconf.h" "$deps/include/"
    printf '%s\n' "$stamp" >"$deps/zlib.stamp"
}

# OpenSSL: libcrypto.a only, out of tree. Configure takes CC and CFLAGS from the environment
# (and then adds no optimisation flags of its own).
build_openssl() {
    local obj=$WORK/openssl-obj stamp
    stamp=$(stamp_of "$openssl_src" "$openssl_src/VERSION.dat")
    if [[ -f $deps/lib/libcrypto.a && $(cat "$deps/openssl.stamp" 2>/dev/null) == "$stamp" ]]
    then
        say "OpenSSL: up to date in $deps"
        return
    fi
    say "OpenSSL: building from $openssl_src"
    rm -rf "$obj" && mkdir -p "$obj"
    (
        cd "$obj"
        "$openssl_src/Configure" linux-x86_64 no-shared no-module no-dso no-engine no-asm \
            no-tests --prefix="$deps" --libdir=lib >configure.log 2>&1 ||
            { cat configure.log >&2; exit 1; }
        make -s -j"$jobs" build_generated >/dev/null
        make -s -j"$jobs" libcrypto.a >/dev/null
    )
    rm -rf "$deps/include/openssl"
    mkdir -p "$deps/include/openssl"
    cp "$openssl_src"/include/openssl/*.h "$deps/include/openssl/"
    cp "$obj"/include/openssl/*.h "$deps/include/openssl/" # the generated ones
    cp "$obj/libcrypto.a" "$deps/lib/"
    printf '%s\n' "$stamp" >"$deps/openssl.stamp"
}

say "FUZZING_ENGINE=${FUZZING_ENGINE:-?} SANITIZER=${SANITIZER:-?} CC=$CC"
say "CFLAGS=$CFLAGS"
say "LIB_FUZZING_ENGINE=$LIB_FUZZING_ENGINE"
build_zlib
build_openssl

# The project. CFLAGS and CXXFLAGS reach CMake through the environment, untouched:
#   CMAKE_BUILD_TYPE=None  no -O2 / -g / -DNDEBUG of a build type on top of them;
#   CH_SANITIZERS empty    sanitizers are OSS-Fuzz's ($CFLAGS), not the asan preset's set;
#   CH_HARDEN=OFF          no -O2 or _FORTIFY_SOURCE (its checked libc calls hide from ASan);
#   CH_WERROR=OFF          OSS-Fuzz's clang is newer than ours: a new warning must not stop it;
#   CH_TESTS=OFF           no cmocka; the tests run in the project's own CI.
# Explicit library paths: find_package must take $deps, never a system libcrypto or libz.
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
cmake -S "$root" -B "$build" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=None -DCH_FUZZ_ENGINE=oss-fuzz -DCH_SANITIZERS= -DCH_COVERAGE=OFF \
    -DCH_HARDEN=OFF -DCH_WERROR=OFF -DCH_TESTS=OFF -DCH_VPIV=ON \
    -DOPENSSL_ROOT_DIR="$deps" -DOPENSSL_USE_STATIC_LIBS=TRUE \
    -DOPENSSL_INCLUDE_DIR="$deps/include" -DOPENSSL_CRYPTO_LIBRARY="$deps/lib/libcrypto.a" \
    -DZLIB_INCLUDE_DIR="$deps/include" -DZLIB_LIBRARY="$deps/lib/libz.a"

cache_value() { sed -n "s|^$1:[A-Z]*=||p" "$build/CMakeCache.txt"; }
[[ $(cache_value OPENSSL_CRYPTO_LIBRARY) == "$deps/lib/libcrypto.a" ]] ||
    die "CMake chose libcrypto $(cache_value OPENSSL_CRYPTO_LIBRARY), not $deps's"
[[ $(cache_value ZLIB_LIBRARY) == "$deps/lib/libz.a" ]] ||
    die "CMake chose zlib $(cache_value ZLIB_LIBRARY), not $deps's"

mapfile -t targets < <("$root/scripts/fuzz-targets.sh")
((${#targets[@]} > 0)) || die "scripts/fuzz-targets.sh listed no target"
say "targets: ${targets[*]}"
cmake --build "$build" -j"$jobs" --target "${targets[@]}"

# $OUT: each target, its seed corpus (corpora/<t>/, corpora/found/<t>/ and every fixed crash of
# corpora/regressions/<t>/, prefixed so that no name collides), dictionary and options.
seeds=$WORK/seeds
for t in "${targets[@]}"; do
    cp "$build/fuzz/$t" "$OUT/$t"
    rm -rf "${seeds:?}/$t" "$OUT/${t}_seed_corpus.zip"
    mkdir -p "$seeds/$t"
    for d in "$root/corpora/$t" "$root/corpora/found/$t"; do
        [[ ! -d $d ]] || find "$d" -maxdepth 1 -type f -exec cp -t "$seeds/$t" {} +
    done
    if [[ -d $root/corpora/regressions/$t ]]; then
        for f in "$root/corpora/regressions/$t"/*; do
            [[ -f $f ]] && cp "$f" "$seeds/$t/regression-${f##*/}"
        done
    fi
    if compgen -G "$seeds/$t/*" >/dev/null; then
        (cd "$seeds/$t" && zip -q -X -r "$OUT/${t}_seed_corpus.zip" .)
    else
        say "warning: $t has no seed corpus"
    fi
    for ext in dict options; do
        if [[ -f $root/fuzz/$t.$ext ]]; then
            cp "$root/fuzz/$t.$ext" "$OUT/$t.$ext"
        else
            say "warning: $t has no fuzz/$t.$ext"
        fi
    done
done
say "done: ${#targets[@]} targets in $OUT"
