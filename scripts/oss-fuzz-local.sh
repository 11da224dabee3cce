#!/usr/bin/env bash
# oss-fuzz-local.sh: prove fuzz/oss-fuzz/build.sh without Docker. For each ENGINE:SANITIZER
# it sets by hand what OSS-Fuzz's base-builder `compile` sets (CC CXX CFLAGS CXXFLAGS
# LIB_FUZZING_ENGINE SANITIZER FUZZING_ENGINE SRC WORK OUT), runs build.sh into an empty $OUT,
# then checks $OUT: every target of scripts/fuzz-targets.sh is there as an executable, built
# with the engine and the sanitizer, linking no system libcrypto / libz / libpcsclite, with a
# <t>_seed_corpus.zip holding exactly corpora/<t>/* and corpora/regressions/<t>/*, a .dict
# and a .options; and every target runs its whole seed corpus once and exits 0
# (libFuzzer: -runs=0 over the unzipped seeds; afl: the driver on every seed, then
# afl-fuzz -V 3 on them).
#
#   scripts/oss-fuzz-local.sh                      libfuzzer:address libfuzzer:undefined
#                                                  afl:address afl:undefined
#   scripts/oss-fuzz-local.sh libfuzzer:memory     MSan (OpenSSL built with MSan: slow)
#
# Needs clang, AFL++ (afl-clang-fast, /usr/lib/afl/libAFLDriver.a), cmake, zip, unzip, and
# the sources of OpenSSL 3 and zlib as $CH_OSSFUZZ_CACHE/src/openssl and .../src/zlib (where
# OSS-Fuzz's Dockerfile clones them; any OpenSSL 3.x / zlib 1.2.x+ source tree will do, e.g.
# Debian's orig tarballs: scripts/fetch-debian-source.sh openssl $CH_OSSFUZZ_CACHE/src/openssl).
# Everything goes under $CH_OSSFUZZ_CACHE (/tmp/ossfuzz-cache): work-<engine>-<sanitizer>/
# keeps the built dependencies between runs, out-<engine>-<sanitizer>/ is emptied first.
# Exit 0 only when every configuration passed.
#
# Differences from the real image, on purpose: the compilers are this machine's clang and
# AFL++ (OSS-Fuzz builds its own); CXXFLAGS lack -stdlib=libc++ (Debian's libFuzzer is built
# against libstdc++); CFLAGS keep only the -Wno-error=... options this clang knows; afl builds
# get none of compile_afl's random CmpLog / LAF / dictionary choices.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CH_OSSFUZZ_CACHE:-/tmp/ossfuzz-cache}
jobs=${CH_JOBS:-2}
configs=("$@")
((${#configs[@]})) ||
    configs=(libfuzzer:address libfuzzer:undefined afl:address afl:undefined)

# What base-clang and base-builder set (OSS-Fuzz infra/base-images, Ubuntu 20.04 image).
base_cflags=(-O1 -fno-omit-frame-pointer -gline-tables-only
    -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
wno_error=(incompatible-function-pointer-types int-conversion deprecated-declarations
    implicit-function-declaration implicit-int vla-cxx-extension)
ubsan_checks=array-bounds,bool,builtin,enum,function,integer-divide-by-zero,null,object-size
ubsan_checks+=,return,returns-nonnull-attribute,shift,signed-integer-overflow,unreachable
ubsan_checks+=,vla-bound,vptr
declare -A sanitizer_flags=(
    [address]="-fsanitize=address -fsanitize-address-use-after-scope"
    [undefined]="-fsanitize=$ubsan_checks,unsigned-integer-overflow"
    [memory]="-fsanitize=memory -fsanitize-memory-track-origins"
)
sanitizer_flags[undefined]+=" -fno-sanitize-recover=$ubsan_checks"

# The symbol that proves a sanitizer's runtime and instrumentation are in a binary.
declare -A sanitizer_symbol=([address]=__asan_report_load [undefined]=__ubsan_handle_
    [memory]=__msan_warning)
# Run-time options as ClusterFuzz uses them (leaks on; unsigned wrap is a coverage signal).
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:silence_unsigned_overflow=1
export MSAN_OPTIONS=halt_on_error=1:print_stats=0

fail=0
summary=()
note() { printf '[%s] %s\n' "$cfg" "$*"; }
bad() { printf '[%s] FAIL: %s\n' "$cfg" "$*" >&2; fail_cfg=1; }

for d in src/openssl src/zlib; do
    [[ -d $cache/$d ]] || { echo "oss-fuzz-local: no $cache/$d (see the header)" >&2; exit 2; }
done
for tool in clang afl-clang-fast cmake zip unzip afl-fuzz nm readelf; do
    command -v "$tool" >/dev/null || { echo "oss-fuzz-local: $tool not found" >&2; exit 2; }
done
mapfile -t targets < <("$root/scripts/fuzz-targets.sh")

# The -Wno-error=X that this clang accepts (the image's clang knows them all).
known_wno=()
for w in "${wno_error[@]}"; do
    if clang -Werror -Wno-error="$w" -x c -c /dev/null -o /dev/null 2>/dev/null; then
        known_wno+=("-Wno-error=$w")
    fi
done

# sums DIR PREFIX: "cksum size PREFIXname" of each file of DIR (none if DIR is missing).
sums() {
    [[ -d $1 ]] || return 0
    (cd "$1" && find . -maxdepth 1 -type f -exec cksum {} +) | sed "s|\./|$2|"
}

# check_seed_run ENGINE T DIR: every seed of DIR through $OUT/T once, exit status 0.
check_seed_run() {
    local engine=$1 t=$2 dir=$3 n log=$WORK/run-$2.log
    n=$(find "$dir" -type f | wc -l)
    if [[ $engine == libfuzzer ]]; then
        if ! "$OUT/$t" -runs=0 -timeout=25 -artifact_prefix="$WORK/" "$dir" >"$log" 2>&1; then
            bad "$t: -runs=0 over its $n seeds failed (tail of $log):"
            tail -n 15 "$log" >&2
            return 1
        fi
        # libFuzzer's own count of what it read: all of them, or the check proves nothing.
        if ! grep -q "seed corpus: files: $n " "$log"; then
            bad "$t: libFuzzer did not read all $n seeds: $(grep 'seed corpus' "$log")"
            return 1
        fi
    else
        local -a files
        mapfile -t files < <(find "$dir" -type f | sort)
        if ! (cd "$dir" && "$OUT/$t" "${files[@]}") >"$log" 2>&1; then
            bad "$t: the driver on its $n seeds failed (tail of $log):"
            tail -n 15 "$log" >&2
            return 1
        fi
        local ran
        ran=$(grep -c '^Execution successful' "$log" || true)
        [[ $ran == "$n" ]] || { bad "$t: the driver ran $ran of $n seeds"; return 1; }
        # afl-fuzz itself: fork server, instrumentation map, seeds calibrated, 3 s of fuzzing.
        local afl_out=$WORK/afl-$t
        rm -rf "$afl_out"
        # -t: ClusterFuzz's 25 s per input, as -timeout=25 above (a big RSA key import takes
        # seconds here). afl-fuzz sets the sanitizers' options it needs and refuses others;
        # UBSan's keep OSS-Fuzz's silence_unsigned_overflow (OpenSSL wraps on purpose).
        if ! env -u ASAN_OPTIONS -u MSAN_OPTIONS AFL_SKIP_CPUFREQ=1 \
            UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:symbolize=0:silence_unsigned_overflow=1 \
            AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FAST_CAL=1 \
            afl-fuzz -V 3 -t 25000 -i "$dir" -o "$afl_out" -x "$OUT/$t.dict" -- "$OUT/$t" \
            >"$WORK/afl-fuzz-$t.log" 2>&1; then
            bad "$t: afl-fuzz -V 3 failed (tail of $WORK/afl-fuzz-$t.log):"
            tail -n 15 "$WORK/afl-fuzz-$t.log" >&2
            return 1
        fi
        local execs crashes
        execs=$(sed -n 's/^execs_done *: *//p' "$afl_out/default/fuzzer_stats")
        crashes=$(sed -n 's/^saved_crashes *: *//p' "$afl_out/default/fuzzer_stats")
        ((execs > n)) || { bad "$t: afl-fuzz did only $execs executions"; return 1; }
        # A crash within 3 s is a broken build or a shallow bug: either way, look at it.
        ((crashes == 0)) ||
            { bad "$t: afl-fuzz found $crashes crashes: $afl_out/default/crashes"; return 1; }
        note "$t: afl-fuzz -V 3: $execs executions"
    fi
}

for cfg in "${configs[@]}"; do
    engine=${cfg%%:*}
    sanitizer=${cfg#*:}
    fail_cfg=0
    [[ -n ${sanitizer_flags[$sanitizer]:-} ]] || { bad "unknown sanitizer"; fail=1; continue; }
    cflags="${base_cflags[*]} ${known_wno[*]} ${sanitizer_flags[$sanitizer]}"
    case $engine in
    libfuzzer)
        cc=clang cxx=clang++ engine_lib=-fsanitize=fuzzer
        cflags+=" -fsanitize=fuzzer-no-link" # COVERAGE_FLAGS
        ;;
    afl)
        [[ $sanitizer != memory ]] || { bad "OSS-Fuzz builds no afl + memory"; fail=1; continue; }
        cc=afl-clang-fast cxx=afl-clang-fast++ engine_lib=/usr/lib/afl/libAFLDriver.a
        ;;
    *) bad "unknown engine"; fail=1; continue ;;
    esac
    export SRC=$cache/src WORK=$cache/work-$engine-$sanitizer OUT=$cache/out-$engine-$sanitizer
    rm -rf "$OUT" "$WORK/cardhammer-build" "$WORK/seeds"
    mkdir -p "$OUT" "$WORK"
    note "building: CC=$cc CFLAGS=$cflags"
    start=$SECONDS
    if ! env CC="$cc" CXX="$cxx" CFLAGS="$cflags" CXXFLAGS="$cflags" LDFLAGS= \
        LIB_FUZZING_ENGINE="$engine_lib" FUZZING_ENGINE="$engine" SANITIZER="$sanitizer" \
        FUZZING_LANGUAGE=c ARCHITECTURE=x86_64 AFL_QUIET=1 CH_JOBS="$jobs" \
        ASAN_OPTIONS=detect_leaks=0 \
        bash -eu "$root/fuzz/oss-fuzz/build.sh" >"$WORK/build.log" 2>&1; then
        bad "build.sh failed (tail of $WORK/build.log):"
        tail -n 30 "$WORK/build.log" >&2
        summary+=("$cfg: build FAILED")
        fail=1
        continue
    fi
    build_s=$((SECONDS - start))
    note "build.sh: $((build_s / 60)) min $((build_s % 60)) s"

    # The dependencies themselves carry the sanitizer (and, for afl, its instrumentation).
    # (nm's output is taken whole: grep -q in a pipe under pipefail would fail on SIGPIPE.)
    for lib in libcrypto.a libz.a; do
        syms=$(nm "$WORK/deps/lib/$lib" 2>/dev/null || true)
        grep -q "${sanitizer_symbol[$sanitizer]}" <<<"$syms" ||
            bad "$lib is not built with $sanitizer"
        if [[ $engine == afl ]]; then
            grep -q __afl_area_ptr <<<"$syms" || bad "$lib is not AFL-instrumented"
        fi
    done

    built=0 seeded=0
    for t in "${targets[@]}"; do
        bin=$OUT/$t
        [[ -f $bin && -x $bin ]] || { bad "$t: no executable in \$OUT"; continue; }
        built=$((built + 1))
        syms=$(nm "$bin")
        grep -q "${sanitizer_symbol[$sanitizer]}" <<<"$syms" || bad "$t: no $sanitizer in it"
        if [[ $engine == libfuzzer ]]; then
            grep -q LLVMFuzzerRunDriver <<<"$syms" || bad "$t: no libFuzzer in it"
        else
            grep -q __afl_area_ptr <<<"$syms" || bad "$t: no AFL++ instrumentation in it"
        fi
        needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
        [[ $needed != *libcrypto* && $needed != *libz.so* && $needed != *pcsclite* ]] ||
            bad "$t: links a system library: $needed"
        for ext in dict options; do
            [[ -s $OUT/$t.$ext ]] || bad "$t: no $t.$ext in \$OUT"
        done
        zip=$OUT/${t}_seed_corpus.zip
        [[ -f $zip ]] || { bad "$t: no ${t}_seed_corpus.zip"; continue; }
        dir=$WORK/unzipped/$t
        rm -rf "$dir" && mkdir -p "$dir" && unzip -q "$zip" -d "$dir"
        # Exactly the committed seeds, found inputs and regressions, byte for byte (build.sh
        # copies found/ into the same directory as the seeds: their names never collide, found
        # inputs being named by their SHA-1).
        want=$( (sums "$root/corpora/$t" ""
                 sums "$root/corpora/found/$t" ""
                 sums "$root/corpora/regressions/$t" regression-) | sort)
        have=$(sums "$dir" "" | sort)
        [[ $want == "$have" ]] || { bad "$t: the seed zip differs from corpora/"; continue; }
        if check_seed_run "$engine" "$t" "$dir"; then
            seeded=$((seeded + 1))
            note "$t: its $(find "$dir" -type f | wc -l) seeds ran once, exit 0"
        fi
    done
    line="$cfg: $built/${#targets[@]} targets built in ${build_s} s, $seeded seed runs passed"
    ((fail_cfg)) && { line+=" (FAILED)"; fail=1; }
    summary+=("$line")
done

printf '\n'
printf '%s\n' "${summary[@]}"
if ((fail)); then
    printf 'oss-fuzz-local: FAILED\n'
    exit 1
fi
printf 'oss-fuzz-local: %d configurations passed\n' "${#configs[@]}"
