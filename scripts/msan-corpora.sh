#!/usr/bin/env bash
# msan-corpora.sh: every committed corpus file through its fuzz target built with
# MemorySanitizer. MSan only works when every library is instrumented, so the build is
# scripts/oss-fuzz-local.sh libfuzzer:memory (OSS-Fuzz's build.sh with MSan flags: OpenSSL's
# libcrypto and zlib from source with -fsanitize=memory, then all targets of
# scripts/fuzz-targets.sh, checked, and their seed zips run once). Then each target replays,
# file by file, corpora/<t>/, corpora/found/<t>/ and corpora/regressions/<t>/; any MSan
# report, crash or timeout fails. Prints per target how many inputs it replayed.
#
#   scripts/msan-corpora.sh [--no-deps]   install what is missing (deps.sh fuzz), build
#                                         (dependencies cached) and replay
#
# Needs what oss-fuzz-local.sh needs: clang, cmake, zip, unzip, AFL++ tools on PATH, and the
# OpenSSL 3 and zlib sources in $CH_OSSFUZZ_CACHE/src/{openssl,zlib} (default
# /tmp/ossfuzz-cache), fetched from the Debian archive when missing
# (scripts/fetch-debian-source.sh). The MSan OpenSSL build is kept in
# $CH_OSSFUZZ_CACHE/work-libfuzzer-memory between runs (on 2 cores: about 2 min 10 s cold,
# OpenSSL and zlib included; 1 min 20 s warm; the replay itself about 15 s). Exit 0 only when
# the build checks passed and every input of every target ran clean.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CH_OSSFUZZ_CACHE:-/tmp/ossfuzz-cache}
out=$cache/out-libfuzzer-memory
logs=$cache/msan-corpora
export MSAN_OPTIONS=halt_on_error=1:print_stats=0

start=$SECONDS
# The one MSan build of the project (no second copy of its flags here). When its checks or
# seed runs fail, the replay still runs on whatever it built, to show every failing target;
# the exit status is 1 either way.
fail=0
# What oss-fuzz-local.sh needs (the fuzz profile: clang, AFL++ tools, zip, unzip), unless
# --no-deps; then the sources it builds with MSan, from the Debian archive (verified).
if [[ ${1:-} != --no-deps ]]; then
    # shellcheck source=scripts/deps.sh
    . "$root/scripts/deps.sh"
    ch_deps fuzz
fi
for pkg in openssl zlib; do
    [[ -d $cache/src/$pkg ]] || bash "$root/scripts/fetch-debian-source.sh" "$pkg" "$cache/src/$pkg"
done
rm -rf "$out"
if ! bash "$root/scripts/oss-fuzz-local.sh" libfuzzer:memory; then
    printf 'msan-corpora: oss-fuzz-local.sh libfuzzer:memory failed (see above)\n' >&2
    fail=1
fi
build_s=$((SECONDS - start))

mapfile -t targets < <("$root/scripts/fuzz-targets.sh")
rm -rf "$logs" && mkdir -p "$logs"
total=0
start=$SECONDS
for t in "${targets[@]}"; do
    files=() counts=()
    for d in "corpora/$t" "corpora/found/$t" "corpora/regressions/$t"; do
        n=0
        if [[ -d $root/$d ]]; then
            mapfile -t more < <(find "$root/$d" -maxdepth 1 -type f | sort)
            n=${#more[@]}
            ((n == 0)) || files+=("${more[@]}")
        fi
        counts+=("$n")
    done
    n=${#files[@]}
    what="${counts[0]} seeds, ${counts[1]} found, ${counts[2]} regressions"
    if ((n == 0)); then
        printf 'msan-corpora: %s: FAIL: no committed input to replay\n' "$t" >&2
        fail=1
        continue
    fi
    log=$logs/$t.log
    if [[ ! -x $out/$t ]]; then
        printf 'msan-corpora: %s: FAIL: not built (%s)\n' "$t" "$out/$t" >&2
        fail=1
        continue
    fi
    # Files, not directories: libFuzzer runs each one once, whole (no -max_len cut, no
    # merge), prints "Executed <file>" after each, and stops at the first report.
    # -timeout: ClusterFuzz's 25 s per input (a big RSA key import is slow under MSan).
    if ! "$out/$t" -timeout=25 -artifact_prefix="$logs/$t-" "${files[@]}" >"$log" 2>&1; then
        printf 'msan-corpora: %s: FAIL after %d of %d inputs (tail of %s):\n' "$t" \
            "$(grep -c '^Executed ' "$log" || true)" "$n" "$log" >&2
        tail -n 25 "$log" >&2
        fail=1
        continue
    fi
    ran=$(grep -c '^Executed ' "$log" || true)
    if ((ran != n)) || grep -q 'MemorySanitizer' "$log"; then
        printf 'msan-corpora: %s: FAIL: %d of %d inputs executed, or an MSan report (%s)\n' \
            "$t" "$ran" "$n" "$log" >&2
        fail=1
        continue
    fi
    total=$((total + n))
    printf 'msan-corpora: %-20s %4d inputs replayed clean (%s)\n' "$t" "$n" "$what"
done
replay_s=$((SECONDS - start))

printf 'msan-corpora: build and checks %d s, replay %d s, %d inputs over %d targets\n' \
    "$build_s" "$replay_s" "$total" "${#targets[@]}"
if ((fail)); then
    printf 'msan-corpora: FAILED\n'
    exit 1
fi
printf 'msan-corpora: passed\n'
