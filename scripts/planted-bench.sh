#!/usr/bin/env bash
# planted-bench.sh: the planted-bug self-test of the fuzzing pipeline (docs/fuzzing.md "Planted
# bugs"). For each bug and engine it builds a tree with only that bug planted
# (-DCH_PLANTED_BUGS=<bug>, cmake/planted.cmake) and only the target that reaches it, in
# <build-root>/planted-<engine>-<bug>:
#   libfuzzer: preset fuzz (clang, libFuzzer + ASan + UBSan)
#   afl:       preset afl with AFL_USE_ASAN=1 AFL_USE_UBSAN=1, as scripts/campaign.sh builds it
# then replays the committed seeds (a seed that triggers the bug is a design failure of the
# plant: reported, and that bug is not fuzzed), and runs --repeats short campaigns of up to
# --time seconds, each from a fresh copy of corpora/<target>/ with the target's dictionary and
# its own RNG seed (libFuzzer -seed=i, afl-fuzz -s i), stopping at the first crash. A run finds
# the bug when its first crash, replayed on the same binary, is a sanitizer report (ASan or
# UBSan, not an invariant of the harness) whose stack holds the planted function. The time to
# find is the wall time from the engine's start to its crash file. Prints one table per engine:
# found k/R, median time ('not found' counts as more than --time), min, max.
# Exit: 0 when it ran (with --require-libfuzzer: and libFuzzer found every bug in every repeat
# within --time, else 1); 2 usage; 3 a build failed.
set -euo pipefail

CH_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

# bug -> the target that reaches it, and the function its sanitizer report must name.
declare -A BUG_TARGET=([tlv]=fuzz_apdu [getresp]=fuzz_apdu_exchange [keyblob]=fuzz_keyblob_diff
                       [cmap]=fuzz_apdu)
declare -A BUG_FUNC=([tlv]=ch_piv_get_data [getresp]=ch_apdu_transmit [keyblob]=ch_keyblob_size
                     [cmap]=parse_mscmap)
readonly ALL_BUGS=(tlv getresp keyblob cmap)
readonly ALL_ENGINES=(libfuzzer afl)
readonly ENGINE_TIMEOUT_S=10  # per-input timeout of the engines
readonly REPLAY_TIMEOUT_S=60
readonly OVERRUN_S=60         # an engine still running this long past --time is killed

ENGINES=(libfuzzer afl)
BUGS=("${ALL_BUGS[@]}")
REPEATS=5
TIME=60
JOBS=1
BUILD_JOBS=2
BUILD_ROOT="$CH_ROOT/build"
OUT=""
REQUIRE_LIBFUZZER=0
NO_BUILD=0

usage() {
    cat <<'EOF'
usage: scripts/planted-bench.sh [--engines libfuzzer,afl] [--bugs tlv,getresp,keyblob,cmap]
                                [--repeats N] [--time SECONDS] [--jobs N] [--build-jobs N]
                                [--build-root DIR] [--out DIR] [--no-build]
                                [--require-libfuzzer] [--help]
  --engines a,b        engines to measure (default libfuzzer,afl)
  --bugs a,b           planted bugs to measure (default all four)
  --repeats N          runs per bug and engine, RNG seeds 1..N (default 5)
  --time SECONDS       longest run (default 60)
  --jobs N             runs at once (default 1: sequential, so that times compare)
  --build-jobs N       parallel compile jobs (default 2)
  --build-root DIR     trees DIR/planted-<engine>-<bug> (default build/ in the repo)
  --out DIR            results: runs, logs, results.tsv, summary.txt
                       (default <build-root>/planted-bench-<UTC time>)
  --no-build           use the trees as they are
  --require-libfuzzer  exit 1 unless libFuzzer found every bug in every repeat within --time
EOF
}

die_usage() {
    echo "planted-bench: $*" >&2
    usage >&2
    exit 2
}

say() { printf '%s\n' "$*" >&2; }

in_list() {
    local x=$1 y
    shift
    for y in "$@"; do [[ $x == "$y" ]] && return 0; done
    return 1
}

parse_args() {
    local -a list
    local x
    while (($#)); do
        case $1 in
            --engines | --bugs | --repeats | --time | --jobs | --build-jobs | --build-root | --out)
                (($# >= 2)) || die_usage "$1 needs a value" ;;
        esac
        case $1 in
            --engines)
                IFS=, read -r -a list <<<"$2"
                for x in "${list[@]}"; do
                    in_list "$x" "${ALL_ENGINES[@]}" || die_usage "unknown engine '$x'"
                done
                ENGINES=("${list[@]}")
                shift 2 ;;
            --bugs)
                IFS=, read -r -a list <<<"$2"
                for x in "${list[@]}"; do
                    in_list "$x" "${ALL_BUGS[@]}" || die_usage "unknown bug '$x'"
                done
                BUGS=("${list[@]}")
                shift 2 ;;
            --repeats) REPEATS=$2; shift 2 ;;
            --time) TIME=$2; shift 2 ;;
            --jobs) JOBS=$2; shift 2 ;;
            --build-jobs) BUILD_JOBS=$2; shift 2 ;;
            --build-root) BUILD_ROOT=$2; shift 2 ;;
            --out) OUT=$2; shift 2 ;;
            --no-build) NO_BUILD=1; shift ;;
            --require-libfuzzer) REQUIRE_LIBFUZZER=1; shift ;;
            -h | --help) usage; exit 0 ;;
            *) die_usage "unknown argument '$1'" ;;
        esac
    done
    for x in REPEATS TIME JOBS BUILD_JOBS; do
        [[ ${!x} =~ ^[1-9][0-9]*$ ]] || die_usage "--${x,,} must be a positive integer"
    done
    ((${#ENGINES[@]} && ${#BUGS[@]})) || die_usage "no engine or no bug"
    BUILD_ROOT=$(mkdir -p "$BUILD_ROOT" && cd "$BUILD_ROOT" && pwd)
    [[ -n $OUT ]] || OUT="$BUILD_ROOT/planted-bench-$(date -u +%Y%m%dT%H%M%SZ)"
    mkdir -p "$OUT"
    OUT=$(cd "$OUT" && pwd)
}

tree() { echo "$BUILD_ROOT/planted-$1-$2"; }
binary() { echo "$(tree "$1" "$2")/fuzz/${BUG_TARGET[$2]}"; }
preset() { [[ $1 == afl ]] && echo afl || echo fuzz; }

# A value of fuzz/<target>.options ("max_len", "dict").
option_of() { sed -n "s/^$2 *= *//p" "$CH_ROOT/fuzz/$1.options" | head -n 1; }

# Whether nm lists the symbol (grep -c reads all: no SIGPIPE for nm under pipefail).
has_symbol() { (($(nm "$1" 2>/dev/null | grep -c -E " $2\$" || true) > 0)); }

# ---- build ---------------------------------------------------------------------------------

build_one() {
    local engine=$1 bug=$2 dir log bin
    local -a env=()
    dir=$(tree "$engine" "$bug")
    log="$OUT/build-$engine-$bug.log"
    bin=$(binary "$engine" "$bug")
    [[ $engine == afl ]] && env=(AFL_USE_ASAN=1 AFL_USE_UBSAN=1)
    say "==> building ${BUG_TARGET[$bug]} with '$bug' planted for $engine in $dir (log: $log)"
    if ! (cd "$CH_ROOT" &&
        env "${env[@]}" cmake --preset "$(preset "$engine")" -B "$dir" \
            -DCH_PLANTED_BUGS="$bug" -DCH_TESTS=OFF &&
        env "${env[@]}" cmake --build "$dir" --target "${BUG_TARGET[$bug]}" -j "$BUILD_JOBS") \
        >"$log" 2>&1; then
        say "planted-bench: build failed, see $log"
        tail -n 20 "$log" >&2
        exit 3
    fi
    check_tree "$engine" "$bug"
}

# The tree plants exactly this bug (its compile commands define CH_PLANTED_<BUG> and no other,
# and the binary has the marker of cmake/planted.cmake) and, for AFL, has ASan: AFL_USE_ASAN
# acts only when objects compile, so a tree first made without it would stay without ASan.
check_tree() {
    local engine=$1 bug=$2 bin dir macros
    dir=$(tree "$engine" "$bug")
    bin=$(binary "$engine" "$bug")
    [[ -x $bin ]] || { say "planted-bench: $bin missing"; exit 3; }
    macros=$(grep -o -E 'CH_PLANTED_[A-Z]+' "$dir/compile_commands.json" 2>/dev/null |
        sort -u | tr '\n' ' ' || true)
    if [[ $macros != "CH_PLANTED_${bug^^} " ]] || ! has_symbol "$bin" ch_planted_bugs; then
        say "planted-bench: $dir plants '${macros}', not exactly '$bug': rm -rf $dir"
        exit 3
    fi
    if [[ $engine == afl ]] && ! has_symbol "$bin" __asan_init; then
        say "planted-bench: $bin has no ASan (built without AFL_USE_ASAN?): rm -rf $dir"
        exit 3
    fi
}

# ---- replaying an input --------------------------------------------------------------------

# Runs the binary once on a file; prints the classification of what happened:
#   ok | planted <kind> | other <what>
# where kind is the ASan bug type (heap-buffer-overflow, ...) or "ubsan".
classify() {
    local bin=$1 func=$2 input=$3 log=$4 rc=0 kind
    ASAN_OPTIONS=symbolize=1:detect_leaks=1:abort_on_error=0:allocator_may_return_null=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        timeout "$REPLAY_TIMEOUT_S" "$bin" "$input" >"$log" 2>&1 || rc=$?
    if ((rc == 0)); then
        echo ok
        return
    fi
    if grep -q '^invariant failed' "$log"; then
        echo "other invariant"
    elif ((rc == 124)); then
        echo "other timeout"
    elif kind=$(grep -o -m 1 'ERROR: AddressSanitizer: [A-Za-z-]*' "$log"); then
        kind=${kind##* }
        if grep -q -E "^ +#[0-9]+ .* in $func " "$log"; then
            echo "planted $kind"
        else
            echo "other asan-$kind"
        fi
    elif grep -q 'runtime error:' "$log"; then
        if grep -q -E "^ +#[0-9]+ .* in $func " "$log"; then
            echo "planted ubsan"
        else
            echo "other ubsan"
        fi
    elif grep -q 'ERROR: LeakSanitizer' "$log"; then
        echo "other leak"
    else
        echo "other exit-$rc"
    fi
}

# A seed that triggers the bug by itself means the plant needs no fuzzing at all.
# Prints the offending seeds (one per line, with their classification); empty when none.
check_seeds() {
    local engine=$1 bug=$2 t bin f res dir
    t=${BUG_TARGET[$bug]}
    bin=$(binary "$engine" "$bug")
    dir="$OUT/$engine/$bug/seeds"
    mkdir -p "$dir"
    for f in "$CH_ROOT/corpora/$t"/*; do
        [[ -f $f ]] || continue
        res=$(classify "$bin" "${BUG_FUNC[$bug]}" "$f" "$dir/$(basename "$f").log")
        [[ $res == ok ]] || printf '%s: %s\n' "$(basename "$f")" "$res"
    done
}

# ---- one run -------------------------------------------------------------------------------

mtime() { date -r "$1" +%s.%N; }

# The oldest file that find DIR EXPR... lists; empty when none.
oldest() {
    local dir=$1
    shift
    [[ -d $dir ]] || return 0
    find "$dir" -type f "$@" -printf '%T@ %p\n' | sort -n | head -n 1 | cut -d ' ' -f 2-
}

# Runs a command in rundir under a time limit, its pid in rundir/pid while it runs (stop_runs).
run_engine() {
    local rundir=$1 pid
    shift
    (cd "$rundir" && exec timeout -k 10 "$((TIME + OVERRUN_S))" "$@") \
        >"$rundir/engine.log" 2>&1 &
    pid=$!
    echo "$pid" >"$rundir/pid"
    wait "$pid" || true
    rm -f "$rundir/pid"
}

# Runs engine on bug with RNG seed r; writes <rundir>/result:
#   <status> <seconds|-> <kind|-> <crash file|->   with status found | none | other:<what>
run_one() {
    local engine=$1 bug=$2 r=$3 t bin rundir start crash="" res status kind secs
    t=${BUG_TARGET[$bug]}
    bin=$(binary "$engine" "$bug")
    rundir="$OUT/$engine/$bug/run-$r"
    rm -rf "$rundir"
    mkdir -p "$rundir/corpus"
    cp "$CH_ROOT/corpora/$t"/* "$rundir/corpus/"
    start=$(date +%s.%N)
    if [[ $engine == libfuzzer ]]; then
        run_engine "$rundir" "$bin" -seed="$r" -max_total_time="$TIME" \
            -max_len="$(option_of "$t" max_len)" -dict="$CH_ROOT/fuzz/$(option_of "$t" dict)" \
            -timeout="$ENGINE_TIMEOUT_S" -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="$rundir/" corpus
        crash=$(oldest "$rundir" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' \
            -o -name 'timeout-*' -o -name 'oom-*' \))
    else
        # As scripts/campaign.sh starts an instance, and AFL_BENCH_UNTIL_CRASH: stop at the first.
        run_engine "$rundir" env -u ASAN_OPTIONS -u UBSAN_OPTIONS AFL_NO_UI=1 \
            AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FAST_CAL=1 \
            AFL_NO_AFFINITY=1 AFL_BENCH_UNTIL_CRASH=1 afl-fuzz -i corpus -o afl \
            -x "$CH_ROOT/fuzz/$(option_of "$t" dict)" -s "$r" -V "$TIME" \
            -t "$((ENGINE_TIMEOUT_S * 1000))" -- "$bin"
        crash=$(oldest "$rundir/afl/default/crashes" -name 'id:*')
    fi
    if [[ -z $crash ]]; then
        echo "none - - -" >"$rundir/result"
        return
    fi
    secs=$(awk -v a="$start" -v b="$(mtime "$crash")" 'BEGIN { printf "%.1f", b - a }')
    res=$(classify "$bin" "${BUG_FUNC[$bug]}" "$crash" "$rundir/replay.log")
    read -r status kind <<<"$res"
    case $status in
        planted) status=found ;;
        ok) status=other:no-repro kind=- ;;
        *) status="other:$kind" kind=- ;;
    esac
    echo "$status $secs $kind $crash" >"$rundir/result"
}

# ---- the table -----------------------------------------------------------------------------

# Reads "status seconds" lines; prints "found/R median min max" with 'not found' above TIME.
stats() {
    awk -v T="$TIME" -v R="$REPEATS" '
        function fmt(x) { return x > T ? "> " T " s" : sprintf("%.1f s", x) }
        { v[n++] = ($1 == "found" && $2 <= T) ? $2 + 0 : T + 1; if (v[n - 1] <= T) k++ }
        END {
            while (n < R) v[n++] = T + 1
            for (i = 0; i < n; i++) for (j = i + 1; j < n; j++)
                if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
            med = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
            if (n % 2 == 0 && (v[n / 2 - 1] > T || v[n / 2] > T)) med = T + 1
            printf "%d/%d\t%s\t%s\t%s\n", k, R, fmt(med), k ? fmt(v[0]) : "-", fmt(v[n - 1])
        }'
}

print_tables() {
    local engine bug st line notes
    {
        printf 'planted-bench: %d repeats of up to %d s per bug and engine, seeds from corpora/\n' \
            "$REPEATS" "$TIME"
        for engine in "${ENGINES[@]}"; do
            printf '\n%s\n' "$engine"
            printf '%-8s  %-18s  %-5s  %-8s  %-8s  %-8s  %s\n' bug target found median min max \
                notes
            for bug in "${BUGS[@]}"; do
                if [[ -s "$OUT/$engine/$bug/seed-triggers" ]]; then
                    printf '%-8s  %-18s  %-5s  %-8s  %-8s  %-8s  %s\n' "$bug" \
                        "${BUG_TARGET[$bug]}" "0/$REPEATS" - - - \
                        "FAIL: triggered by a seed ($(head -n 1 "$OUT/$engine/$bug/seed-triggers"))"
                    continue
                fi
                st=$(awk -v e="$engine" -v b="$bug" -F '\t' '$1 == e && $2 == b { print $5, $6 }' \
                    "$OUT/results.tsv" | stats)
                notes=$(awk -v e="$engine" -v b="$bug" -F '\t' '$1 == e && $2 == b {
                        if ($5 == "found") k[$7]++; else if ($5 != "none") o[$5]++ }
                    END { s = ""; for (x in k) s = s (s ? ", " : "") x " " k[x]
                          for (x in o) s = s (s ? ", " : "") x " " o[x]; print s }' \
                    "$OUT/results.tsv")
                IFS=$'\t' read -r -a line <<<"$st"
                printf '%-8s  %-18s  %-5s  %-8s  %-8s  %-8s  %s\n' "$bug" "${BUG_TARGET[$bug]}" \
                    "${line[0]}" "${line[1]}" "${line[2]}" "${line[3]}" "$notes"
            done
        done
    } | tee "$OUT/summary.txt"
}

# Every bug found in every repeat within TIME by libFuzzer.
libfuzzer_found_all() {
    local bug n
    in_list libfuzzer "${ENGINES[@]}" || return 1
    for bug in "${BUGS[@]}"; do
        [[ ! -s "$OUT/libfuzzer/$bug/seed-triggers" ]] || return 1
        n=$(awk -v b="$bug" -v T="$TIME" -F '\t' \
            '$1 == "libfuzzer" && $2 == b && $5 == "found" && $6 <= T' "$OUT/results.tsv" | wc -l)
        ((n == REPEATS)) || return 1
    done
}

# ---- main ----------------------------------------------------------------------------------

# The engines' timeout processes (which pass the signal on), then the runs' subshells.
stop_runs() {
    local f pid
    for f in "$OUT"/*/*/run-*/pid; do
        [[ -f $f ]] || continue
        if read -r pid <"$f"; then kill -TERM "$pid" 2>/dev/null || true; fi
    done
    for pid in $(jobs -p); do kill -TERM "$pid" 2>/dev/null || true; done
    wait || true
    say "planted-bench: interrupted; partial results in $OUT"
    exit 130
}

main() {
    local engine bug r seeds result
    local -a line
    parse_args "$@"
    command -v clang >/dev/null || { say "planted-bench: clang not found"; exit 3; }
    if in_list afl "${ENGINES[@]}"; then
        command -v afl-fuzz >/dev/null || { say "planted-bench: afl-fuzz not found"; exit 3; }
    fi
    trap stop_runs INT TERM
    say "planted-bench: results in $OUT"
    for engine in "${ENGINES[@]}"; do
        for bug in "${BUGS[@]}"; do
            if ((NO_BUILD)); then check_tree "$engine" "$bug"; else build_one "$engine" "$bug"; fi
        done
    done
    printf 'engine\tbug\ttarget\trepeat\tstatus\tseconds\tkind\tcrash\n' >"$OUT/results.tsv"
    for engine in "${ENGINES[@]}"; do
        for bug in "${BUGS[@]}"; do
            seeds=$(check_seeds "$engine" "$bug")
            printf '%s' "${seeds:+$seeds$'\n'}" >"$OUT/$engine/$bug/seed-triggers"
            if [[ -n $seeds ]]; then
                say "planted-bench: $engine/$bug: triggered by a seed, not fuzzed:"
                say "$seeds"
                continue
            fi
            for ((r = 1; r <= REPEATS; r++)); do
                while (($(jobs -rp | wc -l) >= JOBS)); do wait -n || true; done
                say "==> $engine $bug (${BUG_TARGET[$bug]}) run $r/$REPEATS"
                run_one "$engine" "$bug" "$r" &
            done
        done
    done
    wait || true
    for engine in "${ENGINES[@]}"; do
        for bug in "${BUGS[@]}"; do
            for ((r = 1; r <= REPEATS; r++)); do
                result="$OUT/$engine/$bug/run-$r/result"
                [[ -f $result ]] || continue
                read -r -a line <"$result"
                printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$engine" "$bug" "${BUG_TARGET[$bug]}" \
                    "$r" "${line[@]}" >>"$OUT/results.tsv"
            done
        done
    done
    print_tables
    if ((REQUIRE_LIBFUZZER)) && ! libfuzzer_found_all; then
        say "planted-bench: libFuzzer did not find every bug in every repeat within $TIME s"
        exit 1
    fi
}

main "$@"
