#!/usr/bin/env bash
# wine-conformance.sh: the conformance tests (ctest label conformance: tests/conformance and
# unit/secret_residue, the function table against the in-process vpiv card, core pivmd_vpiv)
# cross-built for x86_64-w64-mingw32 and run under wine (docs/windows/README.md).
# Debian packages no mingw OpenSSL, cmocka or zlib, so this script
#   1. installs the `wine` profile of scripts/deps.sh (mingw-w64, wine64, cmake, perl, ...);
#   2. gets Debian's orig tarballs of openssl, cmocka and zlib from the Debian archive
#      (scripts/fetch-debian-source.sh: InRelease signature, Sources index and tarball SHA-256
#      checked);
#   3. cross-builds them static into $cache/prefix (OpenSSL: the libraries and headers, no
#      apps), once: a stamp per library keeps them between runs;
#   4. configures this project with the mingw preset and CH_WINE_TESTS=ON into build/wine of
#      this checkout (never into the cache: a CMake build tree belongs to one source tree, and
#      a second checkout, e.g. CI's, would find the first one's there and stop),
#      builds every conformance test executable, and runs each with wine64 (WINEDEBUG=-all,
#      WINEPREFIX=$cache/wineprefix), printing pass/fail per test and cmocka's own counts.
#
#   scripts/wine-conformance.sh [--no-deps]   everything above (--no-deps: install nothing);
#                                             exit 0 only when every test passed
#
# Cache: $CH_WINE_CACHE (default /tmp/ch-wine-cache): the cross-built libraries, the wine prefix
# and the logs, none of them tied to a checkout. Delete it for a cold run.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CH_WINE_CACHE:-/tmp/ch-wine-cache}
jobs=${CH_JOBS:-2}
host=x86_64-w64-mingw32
prefix=$cache/prefix
start=$SECONDS
mkdir -p "$cache/src" "$prefix"

say() { printf 'wine-conformance: %s\n' "$*"; }
die() { printf 'wine-conformance: %s\n' "$*" >&2; exit 2; }

# shellcheck source=scripts/deps.sh disable=SC1091 # (checked on its own; shellcheck -x follows it)
source "$root/scripts/deps.sh"
[[ ${1:-} == --no-deps ]] || ch_deps wine

wine=$(command -v wine64 || true)
[[ -n $wine ]] || wine=/usr/lib/wine/wine64 # Debian's wine64 keeps its loader there
[[ -x $wine ]] || die "wine64 not found"

# unpack NAME: a fresh source tree of Debian's source package NAME in $cache/src/NAME, from
# the Debian archive with its signature and checksums checked (scripts/fetch-debian-source.sh);
# prints its path.
unpack() {
    local dir=$cache/src/$1
    bash "$root/scripts/fetch-debian-source.sh" "$1" "$dir" >&2 ||
        die "cannot fetch the source of $1"
    printf '%s\n' "$dir"
}

# OpenSSL 3: static libcrypto and libssl (find_package(OpenSSL) without components wants it),
# headers, .pc files; build_libs builds no apps and install_dev installs no docs (3.0 knows
# neither no-apps nor no-docs).
if [[ ! -f $prefix/.openssl ]]; then
    say "cross-building OpenSSL (libcrypto) into $prefix"
    src=$(unpack openssl)
    (
        cd "$src"
        ./Configure mingw64 no-shared no-tests \
            --cross-compile-prefix="$host-" --prefix="$prefix" --libdir=lib >configure.log 2>&1
        make -j"$jobs" build_libs >build.log 2>&1
        make install_dev >install.log 2>&1
    ) || die "OpenSSL build failed (logs in $src)"
    touch "$prefix/.openssl"
    rm -rf "$src" # the tree is rebuilt from the tarball when the stamp goes
fi

# cmocka: the static library only (a DLL beside every test would be one more thing to ship),
# built with mingw-w64's C99 stdio (%zu and friends, as the tests print them); its header then
# declares gnu_printf formats, not GCC's mingw default ms_printf, which knows no %zu.
if [[ ! -f $prefix/.cmocka ]]; then
    say "cross-building cmocka into $prefix"
    src=$(unpack cmocka)
    (
        cmake -S "$src" -B "$src/build" -G Ninja \
            -DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64-x86_64.cmake" \
            -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
            -DCMAKE_C_FLAGS=-D__USE_MINGW_ANSI_STDIO=1 \
            -DWITH_STATIC_LIB=ON -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF
        cmake --build "$src/build" -j "$jobs"
        cmake --install "$src/build"
    ) >"$cache/src/cmocka.log" 2>&1 || die "cmocka build failed ($cache/src/cmocka.log)"
    # -lcmocka (cmocka.pc) must find the static library, not the DLL's import library.
    mv "$prefix/lib/libcmocka-static.a" "$prefix/lib/libcmocka.a"
    rm -f "$prefix/lib/libcmocka.dll.a" "$prefix/bin/libcmocka.dll"
    sed -i 's/(__format__ (__printf__, a, b))/(__format__ (__gnu_printf__, a, b))/' \
        "$prefix/include/cmocka.h"
    grep -q __gnu_printf__ "$prefix/include/cmocka.h" || die "cmocka.h: printf attribute not found"
    touch "$prefix/.cmocka"
    rm -rf "$src" # the tree is rebuilt from the tarball when the stamp goes
fi

# zlib (conf_card.c compresses certificates with it): libz.a from the library sources; the
# Debian (dfsg) tarball lacks zlib's win32/ makefiles.
if [[ ! -f $prefix/.zlib ]]; then
    say "cross-building zlib into $prefix"
    src=$(unpack zlib)
    (
        cd "$src"
        objs=()
        for c in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast \
            inflate inftrees trees uncompr zutil; do
            "$host-gcc" -O2 -c "$c.c" -o "$c.o"
            objs+=("$c.o")
        done
        rm -f libz.a && "$host-ar" rcs libz.a "${objs[@]}"
        mkdir -p "$prefix/include" "$prefix/lib"
        cp zlib.h zconf.h "$prefix/include/" && cp libz.a "$prefix/lib/"
    ) >"$cache/src/zlib.log" 2>&1 || die "zlib build failed ($cache/src/zlib.log)"
    touch "$prefix/.zlib"
    rm -rf "$src" # the tree is rebuilt from the tarball when the stamp goes
fi
deps_s=$((SECONDS - start))

# The project: mingw preset + the conformance tests, everything found in $prefix.
bdir=$root/build/wine
mkdir -p "$bdir"
say "building the conformance tests in $bdir"
start=$SECONDS
PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig \
    cmake --preset mingw -S "$root" -B "$bdir" -DCH_WINE_TESTS=ON \
    -DCH_MINGW_PREFIX="$prefix" -DOPENSSL_USE_STATIC_LIBS=ON -DZLIB_USE_STATIC_LIBS=ON \
    >"$bdir/configure.log" 2>&1 ||
    { tail -n 30 "$bdir/configure.log" >&2; die "configure failed ($bdir/configure.log)"; }
PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig cmake --build "$bdir" -j "$jobs" \
    >"$bdir/build.log" 2>&1 ||
    { tail -n 40 "$bdir/build.log" >&2; die "build failed ($bdir/build.log)"; }
build_s=$((SECONDS - start))

# Every conformance test ctest knows (label conformance), each run directly under wine.
mapfile -t tests < <(cd "$bdir" && ctest -N -L conformance | sed -n 's|^ *Test *#[0-9]*: ||p')
((${#tests[@]})) || die "ctest lists no conformance test in $bdir"
export WINEPREFIX=$cache/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
start=$SECONDS
if [[ ! -d $WINEPREFIX ]]; then
    say "creating the wine prefix $WINEPREFIX"
    "$wine" wineboot --init >"$cache/wineboot.log" 2>&1 ||
        { cat "$cache/wineboot.log" >&2; die "wineboot failed"; }
fi
fail=0 pass=0 cases=0
mkdir -p "$bdir/logs"
for t in "${tests[@]}"; do
    exe=$(find "$bdir/tests" -name "unit_${t#unit/}.exe" -print -quit)
    log=$bdir/logs/${t#unit/}.log
    t0=$SECONDS
    if [[ -f $exe ]] && timeout 900 "$wine" "$exe" >"$log" 2>&1; then
        # (wine's console ends lines with CRLF)
        n=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\.\r*$/\1/p' "$log" | tail -n 1)
        printf 'wine-conformance: PASS %-28s %4ss  %s cmocka tests\n' "$t" \
            "$((SECONDS - t0))" "${n:-?}"
        pass=$((pass + 1)) cases=$((cases + ${n:-0}))
    else
        printf 'wine-conformance: FAIL %-28s %4ss  (tail of %s)\n' "$t" "$((SECONDS - t0))" \
            "$log" >&2
        tail -n 25 "$log" >&2 2>/dev/null || echo "  no executable for $t" >&2
        fail=$((fail + 1))
    fi
done
run_s=$((SECONDS - start))
say "dependencies ${deps_s}s, build ${build_s}s, tests under wine ${run_s}s;" \
    "$cases cmocka tests passed in $pass executables"
printf '%d passed, %d failed\n' "$pass" "$fail"
((fail == 0))
