#!/usr/bin/env bash
# campaign.sh: a fuzz campaign over every fuzz target (CH_FUZZ_TARGETS in fuzz/CMakeLists.txt)
# on the built-in scripted card. For each target, one after the other, on all cores:
#   seed a work corpus (corpora/<t>/, corpora/found/<t>/, corpora/regressions/<t>/, copied:
#   corpora/ is never written; scripts/corpus-promote.sh keeps what is new), run libFuzzer
#   (-fork=N) or AFL++ (-M main + N-1 -S) for --time seconds with a progress line every 5 s
#   (also a row of <campaign>/<t>/progress.tsv), merge/minimise the corpus into
#   <campaign>/<t>/corpus.min, replay every finding and keep one per stack hash in
#   <campaign>/<t>/findings/unique/,
# then (--coverage) replay the merged corpora in the coverage build (scripts/coverage.sh), write
# <campaign>/summary.md (the table, printed at the end) and, through
# scripts/campaign-report.sh, <campaign>/report.md with <campaign>/coverage.png (gnuplot).
# Exit: 0 when the campaign ran (findings are results), 2 usage, 3 build failed, 4 an engine
# failed to start, 130/143 after INT/TERM (engines are stopped and the summary still written).
# Sourcing this file only defines the functions (scripts/campaign-smoke.sh tests dedup that way).
set -euo pipefail

CH_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/deps.sh disable=SC1091 # (checked on its own; shellcheck -x follows it)
. "$CH_ROOT/scripts/deps.sh"

CH_TIME=60              # seconds per target
CH_ENGINE=libfuzzer     # libfuzzer | afl
CH_JOBS=$(nproc)        # parallel fuzzing processes
CH_OUT=""               # campaign directory
CH_TARGET_LIST=""       # comma-separated subset, empty = all
CH_TARGETS=()           # the targets of this campaign
CH_NO_DEPS=0
CH_BUILD_ROOT=""        # build trees <root>/fuzz, <root>/afl, ... (default: build/ in the repo)
CH_COVERAGE=0           # --coverage: source coverage of the merged corpora in the report
CH_COMMAND=""           # the command line, for the report
CH_RUN_EPOCH=0          # when the engines of the current target started (date +%s)
CH_STOP=""              # INT or TERM once a stop was asked for
CH_ENGINE_PIDS=()       # session leaders of the engine processes now running
CH_FORKSERVERS=()       # AFL forkservers seen (each a session of its own, see stop_engines)
CH_LAST_PROGRESS=""     # the last progress line, not printed twice
CH_LAST_ROW=""          # the last progress.tsv row but its elapsed_s, not written twice
CH_ENGINE_FAILED=0
CH_CMPLOG_OK=0
CH_NOTES=()             # lines for the summary's notes
CH_SUMMARY_TARGETS=()   # the targets the summary covers, once the build is done
CH_STARTED=""

readonly PROGRESS_EVERY=5   # seconds between progress lines (samples: every second)
readonly STOP_GRACE=5       # seconds engines get to exit after SIGTERM before SIGKILL
readonly OVERRUN=30         # seconds past --time before an engine is stopped by force
readonly TIMEOUT_S=10       # per-input timeout of the engines
readonly RSS_LIMIT_MB=2048
readonly REPLAY_TIMEOUT=60  # seconds for one replay of a finding
readonly FINDING_GLOBS=('crash-*' 'leak-*' 'timeout-*' 'oom-*')

usage() {
    cat <<'EOF'
usage: scripts/campaign.sh [--time SECONDS] [--engine libfuzzer|afl] [--jobs N] [--out DIR]
                           [--targets a,b] [--coverage] [--build-root DIR] [--no-deps] [--help]
  --time SECONDS   fuzzing time per target (default 60)
  --engine E       libfuzzer (preset fuzz) or afl (preset afl, AFL++ -M/-S) (default libfuzzer)
  --jobs N         parallel fuzzing processes (default: nproc)
  --out DIR        campaign directory, new or empty (default campaigns/<UTC timestamp>)
  --targets a,b    only these targets (default: all of CH_FUZZ_TARGETS)
  --coverage       then replay the merged corpora in the coverage preset (scripts/coverage.sh)
                   and put the line/branch/function coverage of src/ into the report
  --build-root DIR build trees DIR/fuzz, DIR/afl, DIR/afl-cmplog, DIR/coverage (default build)
  --no-deps        do not install missing Debian packages (scripts/deps.sh fuzz)
Writes DIR/summary.md (printed at the end), DIR/report.md, DIR/coverage.png (when gnuplot is
installed) and DIR/<target>/progress.tsv. Findings do not make the exit status non-zero.
EOF
}

die_usage() {
    echo "campaign: $*" >&2
    usage >&2
    exit 2
}

say() { printf '%s\n' "$*"; }

# ---------------------------------------------------------------- arguments and targets

is_count() { [[ $1 =~ ^[0-9]+$ ]] && ((10#$1 > 0)); }

parse_args() {
    while (($#)); do
        if [[ $1 == --*=* ]]; then
            set -- "${1%%=*}" "${1#*=}" "${@:2}"
        fi
        case $1 in
            --time | --engine | --jobs | --out | --targets | --build-root)
                (($# >= 2)) || die_usage "$1 needs a value"
                set_option "$1" "$2"
                shift 2
                ;;
            --no-deps) CH_NO_DEPS=1 && shift ;;
            --coverage) CH_COVERAGE=1 && shift ;;
            -h | --help) usage && exit 0 ;;
            *) die_usage "unknown argument: $1" ;;
        esac
    done
}

set_option() {
    case $1 in
        --time) is_count "$2" || die_usage "--time wants a positive number of seconds"
            CH_TIME=$((10#$2)) ;;
        --engine) [[ $2 == libfuzzer || $2 == afl ]] || die_usage "--engine is libfuzzer or afl"
            CH_ENGINE=$2 ;;
        --jobs) is_count "$2" || die_usage "--jobs wants a positive number"
            CH_JOBS=$((10#$2)) ;;
        --out) CH_OUT=$2 ;;
        --targets) CH_TARGET_LIST=$2 ;;
        --build-root) [[ -n $2 ]] || die_usage "--build-root wants a directory"
            CH_BUILD_ROOT=$2 ;;
    esac
}

# Every target the build defines (scripts/fuzz-targets.sh), one per line.
discover_targets() {
    bash "$CH_ROOT/scripts/fuzz-targets.sh"
}

in_list() {
    local want=$1 item
    shift
    for item in "$@"; do [[ $item != "$want" ]] || return 0; done
    return 1
}

# CH_TARGETS: --targets (each checked against CH_FUZZ_TARGETS), or all of them.
select_targets() {
    local t
    local -a all wanted
    mapfile -t all < <(discover_targets)
    ((${#all[@]})) || { echo "campaign: no CH_FUZZ_TARGETS in fuzz/CMakeLists.txt" >&2; exit 2; }
    CH_TARGETS=("${all[@]}")
    [[ -n $CH_TARGET_LIST ]] || return 0
    IFS=, read -r -a wanted <<<"$CH_TARGET_LIST"
    CH_TARGETS=()
    for t in "${wanted[@]}"; do
        [[ -n $t ]] || continue
        in_list "$t" "${all[@]}" || die_usage "unknown target '$t' (known: ${all[*]})"
        CH_TARGETS+=("$t")
    done
    ((${#CH_TARGETS[@]})) || die_usage "--targets names no target"
}

# ---------------------------------------------------------------- campaign directory and build

make_campaign_dir() {
    if [[ -z $CH_OUT ]]; then
        CH_OUT="$CH_ROOT/campaigns/$(date -u +%Y%m%dT%H%M%SZ)"
    fi
    mkdir -p -- "$CH_OUT"
    CH_OUT=$(cd -- "$CH_OUT" && pwd)
    if [[ -n $(find "$CH_OUT" -mindepth 1 -maxdepth 1 -print -quit) ]]; then
        echo "campaign: $CH_OUT is not empty: give a new or empty --out" >&2
        exit 2
    fi
}

engine_preset() { [[ $CH_ENGINE == afl ]] && echo afl || echo fuzz; }
build_root() { echo "${CH_BUILD_ROOT:-$CH_ROOT/build}"; }
target_binary() { echo "$(build_root)/$(engine_preset)/fuzz/$1"; }
cmplog_binary() { echo "$(build_root)/afl-cmplog/fuzz/$1"; }

# Configure and build one preset's targets; AFL builds get ASan/UBSan through AFL_USE_*.
run_preset_build() {
    local preset=$1
    shift
    local -a san=()
    [[ $preset == afl ]] && san=(AFL_USE_ASAN=1 AFL_USE_UBSAN=1)
    cd "$CH_ROOT" &&
        env "${san[@]}" cmake --preset "$preset" -B "$(build_root)/$preset" &&
        env "${san[@]}" cmake --build "$(build_root)/$preset" --target "$@"
}

# The CmpLog twin of the afl preset in build/afl-cmplog (no sanitizers: it only traces compares).
run_cmplog_build() {
    cd "$CH_ROOT" &&
        AFL_LLVM_CMPLOG=1 cmake --preset afl -B "$(build_root)/afl-cmplog" &&
        AFL_LLVM_CMPLOG=1 cmake --build "$(build_root)/afl-cmplog" --target "$@"
}

build_targets() {
    local preset log
    preset=$(engine_preset)
    log="$CH_OUT/build-$preset.log"
    say "==> building preset $preset: $* (log: $log)"
    if ! (run_preset_build "$preset" "$@") >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "campaign: build of preset $preset failed (log: $log)" >&2
        return 1
    fi
    [[ $CH_ENGINE == afl ]] || return 0
    note_stale_afl_build "$@"
    build_cmplog "$@"
}

build_cmplog() {
    local log="$CH_OUT/build-afl-cmplog.log"
    if ((CH_JOBS < 2)); then
        CH_NOTES+=("CmpLog not used: with --jobs 1 only the -M main instance runs.")
        return 0
    fi
    say "==> building the CmpLog twin in $(build_root)/afl-cmplog (log: $log)"
    if (run_cmplog_build "$@") >"$log" 2>&1; then
        CH_CMPLOG_OK=1
        CH_NOTES+=("CmpLog: the first secondary (s1) runs with -c $(cmplog_binary '<target>').")
    else
        CH_NOTES+=("CmpLog build failed (see build-afl-cmplog.log): fuzzing without CmpLog.")
    fi
}

# AFL_USE_ASAN only acts when objects compile: a build/afl made without it stays without ASan.
note_stale_afl_build() {
    local t msg
    for t in "$@"; do
        if ! grep -q __asan_init < <(nm -- "$(target_binary "$t")" 2>/dev/null); then
            msg="$(target_binary "$t") has no ASan (built without AFL_USE_ASAN?)"
            CH_NOTES+=("$msg: rm -rf $(build_root)/afl and rerun.")
        fi
    done
}

# ---------------------------------------------------------------- per-target options

# key<TAB>value lines of one [section] of an INI file (nothing when the file is missing).
ini_section() {
    [[ -f $1 ]] || return 0
    awk -v want="$2" '
        /^[ \t]*[#;]/ { next }
        /^[ \t]*\[/ { s = $0; gsub(/[][ \t\r]/, "", s); insec = (s == want); next }
        insec && /=/ { k = $0; sub(/=.*/, "", k); v = $0; sub(/^[^=]*=/, "", v)
                       gsub(/^[ \t]+|[ \t\r]+$/, "", k); gsub(/^[ \t]+|[ \t\r]+$/, "", v)
                       if (k != "") print k "\t" v }' "$1"
}

# One key of fuzz/<target>.options [libfuzzer], or nothing.
target_option() {
    ini_section "$CH_ROOT/fuzz/$1.options" libfuzzer | awk -F'\t' -v k="$2" '$1 == k { v = $2 } END { if (v != "") print v }'
}

# The dictionary: the options file's dict (relative to fuzz/), else fuzz/<target>.dict.
target_dict() {
    local dict
    dict=$(target_option "$1" dict)
    [[ -n $dict ]] || dict="$1.dict"
    [[ $dict == /* ]] || dict="$CH_ROOT/fuzz/$dict"
    if [[ -f $dict ]]; then echo "$dict"; fi
}

# libFuzzer flags, one per line: the campaign's, then the options file's other keys (which win
# for tuning keys such as timeout; keys that steer the campaign itself are not passed on).
libfuzzer_args() {
    local t=$1 dir=$2 dict max_len key value
    printf '%s\n' "-fork=$CH_JOBS" "-max_total_time=$CH_TIME" "-artifact_prefix=$dir/findings/" \
        -print_final_stats=1 -ignore_crashes=1 "-rss_limit_mb=$RSS_LIMIT_MB" "-timeout=$TIMEOUT_S"
    dict=$(target_dict "$t")
    max_len=$(target_option "$t" max_len)
    if [[ -n $dict ]]; then echo "-dict=$dict"; fi
    if [[ -n $max_len ]]; then echo "-max_len=$max_len"; fi
    while IFS=$'\t' read -r key value; do
        case $key in
            dict | max_len | fork | jobs | workers | max_total_time | artifact_prefix | \
                exact_artifact_path | runs | merge | ignore_crashes | print_final_stats | \
                close_fd_mask) ;;
            *) echo "-$key=$value" ;;
        esac
    done < <(ini_section "$CH_ROOT/fuzz/$t.options" libfuzzer)
}

# afl-fuzz flags shared by every instance, one per line.
afl_common_args() {
    local t=$1 dir=$2 dict max_len timeout
    dict=$(target_dict "$t")
    max_len=$(target_option "$t" max_len)
    timeout=$(target_option "$t" timeout)
    printf '%s\n' -i "$dir/corpus" -o "$dir/afl" -V "$CH_TIME" -t "$((${timeout:-$TIMEOUT_S} * 1000))"
    if [[ -n $dict ]]; then printf '%s\n' -x "$dict"; fi
    if [[ -n $max_len ]]; then printf '%s\n' -G "$max_len"; fi
}

# ---------------------------------------------------------------- corpus

count_files() {
    [[ -d $1 ]] || { echo 0; return 0; }
    find "$1" -maxdepth 1 -type f | wc -l
}

count_findings() {
    [[ -d $1 ]] || { echo 0; return 0; }
    local g n=0
    for g in "${FINDING_GLOBS[@]}"; do
        n=$((n + $(find "$1" -maxdepth 1 -type f -name "$g" | wc -l)))
    done
    echo "$n"
}

# Copy seeds and fixed crashes into <dir>/corpus; AFL needs at least one input to start.
seed_work_corpus() {
    local t=$1 dir=$2 f
    mkdir -p "$dir/corpus"
    for f in "$CH_ROOT/corpora/$t" "$CH_ROOT/corpora/found/$t"; do
        [[ ! -d $f ]] || find "$f" -maxdepth 1 -type f -exec cp -t "$dir/corpus" -- {} +
    done
    if [[ -d $CH_ROOT/corpora/regressions/$t ]]; then
        for f in "$CH_ROOT/corpora/regressions/$t"/*; do
            [[ -f $f ]] && cp -- "$f" "$dir/corpus/regression-${f##*/}"
        done
    fi
    if [[ $CH_ENGINE == afl && $(count_files "$dir/corpus") -eq 0 ]]; then
        printf '\0\0\0\0' >"$dir/corpus/empty-seed"
    fi
    return 0
}

# Every AFL queue entry of every instance, in <dir>/corpus.all (the corpus before merging).
gather_afl_queues() {
    local dir=$1 q f inst
    mkdir -p "$dir/corpus.all"
    for q in "$dir"/afl/*/queue; do
        [[ -d $q ]] || continue
        inst=$(basename "$(dirname "$q")")
        for f in "$q"/id:*; do
            [[ -f $f ]] || continue
            f=${f##*/}
            cp -- "$q/$f" "$dir/corpus.all/$inst-${f%%,*}"
        done
    done
}

# AFL crashes and hangs, in <dir>/findings under libFuzzer-like names.
gather_afl_findings() {
    local dir=$1 inst f kind prefix name
    mkdir -p "$dir/findings"
    for inst in "$dir"/afl/*/; do
        for kind in crashes hangs; do
            prefix=crash
            [[ $kind == crashes ]] || prefix=timeout
            for f in "$inst$kind"/id:*; do
                [[ -f $f ]] || continue
                name=${f##*/}
                cp -- "$f" "$dir/findings/$prefix-$(basename "$inst")-${name%%,*}"
            done
        done
    done
}

merge_libfuzzer_corpus() {
    local t=$1 dir=$2
    mkdir -p "$dir/corpus.min"
    TMPDIR="$dir/tmp" "$(target_binary "$t")" -merge=1 \
        "-rss_limit_mb=$RSS_LIMIT_MB" "-timeout=$TIMEOUT_S" "$dir/corpus.min" "$dir/corpus"
}

# Inputs go through shared memory: with @@ afl-showmap -i trips libAFLDriver's argv check.
merge_afl_corpus() {
    local t=$1 dir=$2
    AFL_ALLOW_TMP=1 afl-cmin -i "$dir/corpus.all" -o "$dir/corpus.min" \
        -t "$((TIMEOUT_S * 1000))" -- "$(target_binary "$t")"
}

# Minimise the work corpus into <dir>/corpus.min; sets MERGE_BEFORE and MERGE_AFTER.
merge_corpus() {
    local t=$1 dir=$2 src=corpus
    [[ $CH_ENGINE == afl ]] && src=corpus.all
    MERGE_BEFORE=$(count_files "$dir/$src")
    say "[$t] merging the corpus ($MERGE_BEFORE inputs) into $dir/corpus.min"
    if "merge_${CH_ENGINE}_corpus" "$t" "$dir" >"$dir/merge.log" 2>&1; then
        MERGE_AFTER=$(count_files "$dir/corpus.min")
    else
        MERGE_AFTER="failed"
        say "[$t] corpus merge failed (log: $dir/merge.log)"
    fi
}

# ---------------------------------------------------------------- engines

# Start a command in a session of its own, so that stopping it reaches all its children.
start_engine_process() {
    local log=$1
    shift
    setsid "$@" >"$log" 2>&1 </dev/null &
    CH_ENGINE_PIDS+=("$!")
}

start_libfuzzer() {
    local t=$1 dir=$2
    local -a args
    mapfile -t args < <(libfuzzer_args "$t" "$dir")
    mkdir -p "$dir/findings" "$dir/tmp"
    # fork mode keeps its job directories under TMPDIR: inside the campaign, not in /tmp
    start_engine_process "$dir/libfuzzer.log" env TMPDIR="$dir/tmp" \
        "$(target_binary "$t")" "${args[@]}" "$dir/corpus"
}

# One -M main and --jobs - 1 -S secondaries; the first secondary gets CmpLog when built.
start_afl() {
    local t=$1 dir=$2 i
    local -a common cmplog=()
    mapfile -t common < <(afl_common_args "$t" "$dir")
    if ((CH_CMPLOG_OK)) && [[ -x $(cmplog_binary "$t") ]]; then
        cmplog=(-c "$(cmplog_binary "$t")")
    fi
    start_afl_instance "$t" "$dir" main -M main "${common[@]}"
    for ((i = 1; i < CH_JOBS; i++)); do
        if ((i == 1)); then
            start_afl_instance "$t" "$dir" "s$i" -S "s$i" "${cmplog[@]}" "${common[@]}"
        else
            start_afl_instance "$t" "$dir" "s$i" -S "s$i" "${common[@]}"
        fi
    done
}

start_afl_instance() {
    local t=$1 dir=$2 name=$3
    shift 3
    start_engine_process "$dir/afl-$name.log" env -u ASAN_OPTIONS -u UBSAN_OPTIONS \
        AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FAST_CAL=1 \
        AFL_NO_AFFINITY="${AFL_NO_AFFINITY-1}" \
        afl-fuzz "$@" -- "$(target_binary "$t")"
}

engines_alive() {
    local pid
    for pid in "${CH_ENGINE_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then return 0; fi
    done
    return 1
}

# Engines run as session leaders (setsid), so a session's process group holds all their children.
signal_sessions() {
    local sig=$1 pid
    for pid in "${CH_ENGINE_PIDS[@]}"; do
        kill -s "$sig" -- "-$pid" 2>/dev/null || true
    done
}

signal_leaders() {
    local sig=$1 pid
    for pid in "${CH_ENGINE_PIDS[@]}"; do
        kill -s "$sig" "$pid" 2>/dev/null || true
    done
}

wait_engines_exit() {
    local i
    for ((i = 0; i < $1 * 10; i++)); do
        engines_alive || return 0
        sleep 0.1
    done
}

# afl-fuzz starts its forkservers with setsid(): remember them while they run, by parent pid.
note_forkservers() {
    local pid child
    [[ $CH_ENGINE == afl ]] || return 0
    for pid in "${CH_ENGINE_PIDS[@]}"; do
        for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
            [[ " ${CH_FORKSERVERS[*]} " == *" $child "* ]] || CH_FORKSERVERS+=("$child")
        done
    done
}

# AFL++ 4.04c can leave the CmpLog forkserver's persistent child behind, stopped (SIGSTOP).
kill_forkserver_sessions() {
    local pid
    for pid in "${CH_FORKSERVERS[@]}"; do
        kill -s KILL -- "-$pid" 2>/dev/null || true
    done
    CH_FORKSERVERS=()
}

# SIGTERM to each engine's leader first: libFuzzer's fork-mode parent ignores SIGINT while it
# waits for a job (system()), but exits on SIGTERM and removes its job directory; afl-fuzz
# writes its final stats. Then whatever is left of the sessions gets SIGTERM, then SIGKILL.
stop_engines() {
    ((${#CH_ENGINE_PIDS[@]})) || return 0
    signal_leaders TERM
    wait_engines_exit "$STOP_GRACE"
    signal_sessions TERM
    sleep 0.2
    signal_sessions KILL
    kill_forkserver_sessions
}

# RUN_RC: exit status of the first engine process (libFuzzer, or AFL's main) once ended.
reap_engines() {
    local pid rc first=""
    for pid in "${CH_ENGINE_PIDS[@]}"; do
        rc=0
        wait "$pid" 2>/dev/null || rc=$?
        [[ -n $first ]] || first=$rc
    done
    CH_ENGINE_PIDS=()
    RUN_RC=${first:-0}
}

# ---------------------------------------------------------------- statistics and progress

# "execs cov ft corpus seconds" from the last status line of a libFuzzer log (fork or plain
# mode); seconds is the line's "time: Ns" (fork mode), else "-".
libfuzzer_stats() {
    local line
    line=$(grep -E '^#[0-9]+[:[:space:]].*cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$1" 2>/dev/null | tail -n 1) || true
    if [[ -z $line ]]; then
        echo "0 0 0 0 -"
        return 0
    fi
    sed -E -e 's/^#([0-9]+).*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+)(.* time: ([0-9]+)s)?.*/'\
'\1 \2 \3 \4 \6/' -e 's/ $/ -/' <<<"$line"
}

# "execs edges - corpus crashes+hangs bitmap% exec/s last_update" over every instance's
# fuzzer_stats (AFL++ 4.04c rewrites it only once a minute while fuzzing, and at exit).
afl_stats() {
    local -a files
    mapfile -t files < <(find "$1" -mindepth 2 -maxdepth 2 -name fuzzer_stats 2>/dev/null)
    if ((${#files[@]} == 0)); then
        echo "0 0 - 0 0 0 - 0"
        return 0
    fi
    awk -F' *: *' '
        $1 == "execs_done" { execs += $2; done[FILENAME] = $2 }
        $1 == "run_time" { runtime[FILENAME] = $2 }
        $1 == "last_update" && (last == "" || $2 + 0 < last) { last = $2 + 0 }
        $1 == "edges_found" && $2 + 0 > edges { edges = $2 + 0 }
        $1 == "corpus_count" && $2 + 0 > corpus { corpus = $2 + 0 }
        $1 == "bitmap_cvg" { b = $2; sub(/%/, "", b); if (b + 0 > bitmap) bitmap = b + 0 }
        $1 == "saved_crashes" || $1 == "unique_crashes" { crashes[FILENAME] = $2 + 0 }
        $1 == "saved_hangs" || $1 == "unique_hangs" { hangs[FILENAME] = $2 + 0 }
        END { for (f in crashes) found += crashes[f]; for (f in hangs) found += hangs[f]
              for (f in done) if (runtime[f] > 0) { eps += done[f] / runtime[f]; timed = 1 }
              printf "%d %d - %d %d %.2f %s %d\n", execs, edges, corpus, found, bitmap,
                     timed ? sprintf("%d", eps) : "-", last }' "${files[@]}"
}

# "corpus findings" from the newest status line of each instance's log, which is live:
# "Fuzzing test case #57 (78 total, 0 crashes saved, ...)".
afl_log_progress() {
    local f line total=0 crashes=0 n c
    for f in "$1"/afl-*.log; do
        [[ -f $f ]] || continue
        line=$(tail -c 65536 "$f" | grep -aoE '\([0-9]+ total, [0-9]+ crashes saved' | tail -n 1) || true
        [[ -n $line ]] || continue
        read -r n c < <(sed -E 's/\(([0-9]+) total, ([0-9]+) crashes saved/\1 \2/' <<<"$line")
        ((n <= total)) || total=$n
        crashes=$((crashes + c))
    done
    echo "$total $crashes"
}

# Sets STAT_EXECS STAT_COV STAT_FT STAT_CORPUS STAT_FINDINGS STAT_BITMAP (and for AFL
# STAT_EPS, STAT_UPDATED; for libFuzzer STAT_TIME) for a target.
read_stats() {
    local dir=$1 corpus findings
    if [[ $CH_ENGINE == afl ]]; then
        read -r STAT_EXECS STAT_COV STAT_FT STAT_CORPUS STAT_FINDINGS STAT_BITMAP STAT_EPS \
            STAT_UPDATED < <(afl_stats "$dir/afl")
        read -r corpus findings < <(afl_log_progress "$dir")
        ((corpus <= STAT_CORPUS)) || STAT_CORPUS=$corpus
        ((findings <= STAT_FINDINGS)) || STAT_FINDINGS=$findings
    else
        read -r STAT_EXECS STAT_COV STAT_FT STAT_CORPUS STAT_TIME \
            < <(libfuzzer_stats "$dir/libfuzzer.log")
        STAT_FINDINGS=$(count_findings "$dir/findings")
        STAT_BITMAP=""
    fi
}

mmss() { printf '%02d:%02d' $(($1 / 60)) $(($1 % 60)); }

per_second() { if (($2 > 0)); then echo $(($1 / $2)); else echo 0; fi; }

readonly PROGRESS_COLUMNS="elapsed_s stats_s execs exec_per_s cov ft corpus findings bitmap_pct"

progress_header() {
    printf '# %s\n' "$(tr ' ' '\t' <<<"$PROGRESS_COLUMNS")" >"$1/progress.tsv"
}

# Read the engine's figures (STAT_*) and append a row to <dir>/progress.tsv (columns:
# PROGRESS_COLUMNS) when they changed since the last row, or always with "final". The engine
# measured execs/exec_per_s/cov/ft/bitmap_pct at stats_s seconds from the start: libFuzzer's
# status line says when ("time: Ns"); AFL++'s fuzzer_stats, rewritten about once a minute,
# says when it was written ("-": not yet). The plot draws coverage at stats_s, so that stale
# figures are not drawn later than they were true. "-" is a value not known.
sample_progress() {
    local dir=$1 elapsed=$2 stats_s=$2 eps bitmap=- row
    read_stats "$dir"
    if [[ $CH_ENGINE == afl ]]; then
        eps=$STAT_EPS
        bitmap=$STAT_BITMAP
        stats_s=-
        if ((STAT_UPDATED > 0)); then
            stats_s=$((STAT_UPDATED - CH_RUN_EPOCH))
            ((stats_s >= 0)) || stats_s=0
        fi
    elif [[ $STAT_TIME != - ]]; then
        stats_s=$STAT_TIME
        eps=$(per_second "$STAT_EXECS" "$stats_s")
    elif ((STAT_EXECS > 0)); then
        eps=$(per_second "$STAT_EXECS" "$stats_s")
    else
        stats_s=-   # no status line yet
        eps=-
    fi
    row=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$stats_s" "$STAT_EXECS" "$eps" "$STAT_COV" \
        "$STAT_FT" "$STAT_CORPUS" "$STAT_FINDINGS" "$bitmap")
    if [[ $row != "$CH_LAST_ROW" || ${3:-} == final ]]; then
        printf '%s\t%s\n' "$elapsed" "$row" >>"$dir/progress.tsv"
    fi
    CH_LAST_ROW=$row
}

# A progress line from the last sample. AFL's execs, exec/s and cov come from fuzzer_stats:
# the line says how old they are.
print_progress() {
    local t=$1 elapsed=$2 cov eps line age=""
    cov=$STAT_COV
    eps=$(per_second "$STAT_EXECS" "$elapsed")
    if [[ $CH_ENGINE == afl ]]; then
        cov="$STAT_COV(${STAT_BITMAP}%)"
        eps=$STAT_EPS
        if ((STAT_UPDATED > 0 && $(date +%s) - STAT_UPDATED > PROGRESS_EVERY)); then
            age=" (afl stats $(($(date +%s) - STAT_UPDATED))s old)"
        fi
    fi
    line=$(printf '[%s] %s/%s execs=%s exec/s=%s cov=%s ft=%s corpus=%s findings=%s%s' "$t" \
        "$(mmss "$elapsed")" "$(mmss "$CH_TIME")" "$STAT_EXECS" "$eps" "$cov" "$STAT_FT" \
        "$STAT_CORPUS" "$STAT_FINDINGS" "$age")
    [[ $line == "$CH_LAST_PROGRESS" ]] || say "$line"
    CH_LAST_PROGRESS=$line
}

# Run the engine for one target with progress lines; sets RUN_SECONDS and RUN_RC.
run_engine() {
    local t=$1 dir=$2 start elapsed next=$PROGRESS_EVERY
    start=$SECONDS
    CH_RUN_EPOCH=$(date +%s)
    CH_LAST_ROW=""
    progress_header "$dir"
    "start_$CH_ENGINE" "$t" "$dir"
    while engines_alive && [[ -z $CH_STOP ]]; do
        sleep 1 &
        wait $! || true
        note_forkservers
        elapsed=$((SECONDS - start))
        [[ -z $CH_STOP ]] || break
        sample_progress "$dir" "$elapsed"
        if ((elapsed >= next)); then
            print_progress "$t" "$elapsed"
            next=$((next + PROGRESS_EVERY))
        fi
        if ((elapsed >= CH_TIME + OVERRUN)); then
            say "[$t] still running ${OVERRUN}s past its time: stopping it"
            break
        fi
    done
    stop_engines
    RUN_SECONDS=$((SECONDS - start))
    reap_engines
    sample_progress "$dir" "$RUN_SECONDS" final
    print_progress "$t" "$RUN_SECONDS"
}

# ---------------------------------------------------------------- findings: replay and dedup

# One run of a finding; the combined output of the target (a file argument runs it once).
replay_finding() {
    local file=$1
    shift
    timeout -k 5 "$REPLAY_TIMEOUT" env \
        ASAN_OPTIONS="symbolize=1:detect_leaks=1:handle_abort=1:handle_sigill=1:abort_on_error=0" \
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:symbolize=1" \
        "$@" "$file" 2>&1 || true
}

# The dedup key of a sanitizer report on stdin: "invariant FILE:LINE" for invariant aborts,
# else the top 3 frames of our code in the first stack ("function file:line", runtime frames of
# libFuzzer, AFL's driver, the sanitizers and libc left out); empty when there is no stack.
stack_key() {
    awk -v root="$CH_ROOT/" '
        function rel(p) { if (index(p, root) == 1) p = substr(p, length(root) + 1); return p }
        function runtime(name, loc) {
            return name ~ /^(__asan|__ubsan|__sanitizer|__lsan|__interceptor|___interceptor|__libc|__GI_|__pthread_kill|pthread_kill|fuzzer::|_start$|abort$|raise$|gsignal$|malloc$|calloc$|realloc$|free$|operator |main$|LLVMFuzzerRunDriver|ExecuteFilesOnyByOne)/ ||
                   loc ~ /(compiler-rt|\/Fuzzer[A-Za-z]*\.cpp|aflpp_driver|libc\.so|libc-|ld-linux|libstdc\+\+|\/sysdeps\/|csu\/|libclang_rt|libFuzzer)/ ||
                   loc ~ /^(nptl|signal|stdlib|string|malloc|libio|posix|elf)\//
        }
        /invariant failed at / && inv == "" {
            s = $0; sub(/.*invariant failed at /, "", s)
            if (match(s, /^[^ :]+:[0-9]+/)) inv = "invariant " rel(substr(s, RSTART, RLENGTH))
        }
        /^[ \t]*#[0-9]+ .* in [A-Za-z_]/ {
            n = $1; sub(/^#/, "", n)
            if (n == "0") stacks++
            if (stacks != 1 || taken >= 3) next
            rest = substr($0, index($0, " in ") + 4); sub(/ \(BuildId: [^)]*\)$/, "", rest)
            name = rest; sub(/ .*/, "", name)
            loc = rest; sub(/.* /, "", loc)
            if (runtime(name, loc)) next
            if (loc ~ /^\(/) loc = ""
            if (loc ~ /:[0-9]+:[0-9]+$/) sub(/:[0-9]+$/, "", loc)
            key = key (taken ? "\n" : "") name " " rel(loc)
            taken++
        }
        END { print (inv != "" ? inv : key) }'
}

# The headline of a report on stdin: its first sanitizer, invariant or libFuzzer error line.
report_first_line() {
    awk -v root="$CH_ROOT/" '
        /ERROR: |runtime error:|invariant failed at|ALARM:|deadly signal|out-of-memory|WARNING: .*Sanitizer/ {
            s = $0; sub(/^==[0-9]+== ?/, "", s); sub(/^[ \t]+/, "", s)
            while ((i = index(s, root)) > 0) s = substr(s, 1, i - 1) substr(s, i + length(root))
            sub(/ at pc 0x[0-9a-f]+ bp 0x[0-9a-f]+ sp 0x[0-9a-f]+/, "", s)
            sub(/ \(pc 0x[0-9a-f]+ bp 0x[0-9a-f]+ sp 0x[0-9a-f]+ T[0-9]+\)/, "", s)
            print substr(s, 1, 160); found = 1; exit }
        END { if (!found) print "(no sanitizer report: did not reproduce)" }'
}

short_hash() { sha1sum | cut -c1-12; }

# "<hash><TAB><first line>" for one finding, from its replay report in $2.
finding_hash() {
    local file=$1 report=$2 key
    key=$(stack_key <<<"$report")
    if [[ -z $key ]]; then
        key="nostack $(short_hash <"$file")"
    fi
    printf '%s\t%s\n' "$(printf '%s' "$key" | short_hash)" "$(report_first_line <<<"$report")"
}

# dedup_findings FINDINGS_DIR UNIQUE_DIR BINARY [ARGS...]: replay every finding with
# BINARY ARGS... FILE, keep one file per stack hash as UNIQUE_DIR/<hash> with its report in
# UNIQUE_DIR/<hash>.txt, and list them in UNIQUE_DIR/index.tsv as
# hash<TAB>files with this hash<TAB>kept file<TAB>first line of the report.
dedup_findings() {
    local src=$1 uniq=$2 file report hash first g
    shift 2
    local -A count=() kept=() headline=()
    local -a order=() files=()
    mkdir -p "$uniq"
    for g in "${FINDING_GLOBS[@]}"; do
        mapfile -t -O "${#files[@]}" files < <(find "$src" -maxdepth 1 -type f -name "$g" | sort)
    done
    for file in "${files[@]}"; do
        report=$(replay_finding "$file" "$@")
        IFS=$'\t' read -r hash first < <(finding_hash "$file" "$report")
        if [[ -z ${count[$hash]:-} ]]; then
            order+=("$hash")
            count[$hash]=0
            kept[$hash]=${file##*/}
            headline[$hash]=$first
            cp -- "$file" "$uniq/$hash"
            printf '%s\n' "$report" >"$uniq/$hash.txt"
        fi
        count[$hash]=$((${count[$hash]} + 1))
    done
    : >"$uniq/index.tsv"
    for hash in "${order[@]}"; do
        printf '%s\t%s\t%s\t%s\n' "$hash" "${count[$hash]}" "${kept[$hash]}" "${headline[$hash]}" >>"$uniq/index.tsv"
    done
}

replay_command() {
    local t=$1
    if [[ $CH_ENGINE == libfuzzer ]]; then
        printf '%s\n' "$(target_binary "$t")" "-timeout=$TIMEOUT_S" "-rss_limit_mb=$RSS_LIMIT_MB"
    else
        target_binary "$t"
    fi
}

dedup_target_findings() {
    local t=$1 dir=$2 n
    local -a cmd
    mapfile -t cmd < <(replay_command "$t")
    n=$(count_findings "$dir/findings")
    if ((n > 0)); then say "[$t] replaying $n findings to de-duplicate them by stack hash"; fi
    dedup_findings "$dir/findings" "$dir/findings/unique" "${cmd[@]}"
}

# ---------------------------------------------------------------- one target

write_stats() {
    local dir=$1
    shift
    printf '%s\n' "$@" >"$dir/stats.env"
}

stat_get() {
    local v
    v=$(grep -m1 "^$2=" "$1/stats.env" 2>/dev/null | cut -d= -f2-) || true
    echo "${v:--}"
}

# An engine that ran nothing, exited non-zero and was not stopped by us did not start.
engine_failed_to_start() {
    [[ -z $CH_STOP && $STAT_EXECS == 0 && $RUN_RC != 0 ]]
}

run_target() {
    local t=$1 dir="$CH_OUT/$1" status=ok seeds
    local -a replay
    mkdir -p "$dir/findings" "$dir/tmp"
    seed_work_corpus "$t" "$dir"
    seeds=$(count_files "$dir/corpus")
    say "==> [$t] $CH_ENGINE, ${CH_TIME}s on $CH_JOBS processes, $seeds seed inputs"
    run_engine "$t" "$dir"
    read_stats "$dir"
    if engine_failed_to_start; then
        status="engine failed to start (exit $RUN_RC, log in $dir)"
        CH_ENGINE_FAILED=1
        say "[$t] $status"
    elif [[ -n $CH_STOP ]]; then
        status="interrupted"
    fi
    if [[ $CH_ENGINE == afl ]]; then
        gather_afl_queues "$dir"
        gather_afl_findings "$dir"
    fi
    if [[ $status == "engine failed"* ]]; then
        MERGE_BEFORE=$seeds
        MERGE_AFTER="-"
    else
        merge_corpus "$t" "$dir"
        dedup_target_findings "$t" "$dir"
    fi
    rm -rf -- "$dir/tmp"
    mapfile -t replay < <(replay_command "$t")
    write_stats "$dir" "engine=$CH_ENGINE" "seconds=$RUN_SECONDS" "execs=$STAT_EXECS" \
        "exec_per_s=$(per_second "$STAT_EXECS" "$RUN_SECONDS")" "cov=$STAT_COV" \
        "bitmap=$STAT_BITMAP" "ft=$STAT_FT" "seeds=$seeds" "corpus_before=$MERGE_BEFORE" \
        "corpus_after=$MERGE_AFTER" "findings=$(count_findings "$dir/findings")" \
        "replay=$(shell_line "${replay[@]}")" "status=$status"
}

# ---------------------------------------------------------------- summary

md_cell() { local s=${1//|/\\|}; printf '%s' "$s"; }

findings_cell() {
    local index="$1/findings/unique/index.tsv" hash n kept first out="" sep=""
    [[ -s $index ]] || { printf '0'; return 0; }
    while IFS=$'\t' read -r hash n kept first; do
        out+="$sep\`$hash\` ($n) $(md_cell "$first")"
        sep="<br>"
    done <"$index"
    printf '%s: %s' "$(wc -l <"$index")" "$out"
}

summary_row() {
    local t=$1 dir="$CH_OUT/$1" cov
    if [[ ! -f $dir/stats.env ]]; then
        printf '| %s | %s | - | - | - | - | - | - | - | - | not run |\n' "$t" "$CH_ENGINE"
        return 0
    fi
    cov=$(stat_get "$dir" cov)
    [[ $(stat_get "$dir" engine) != afl ]] || cov="$cov ($(stat_get "$dir" bitmap)% map)"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$t" \
        "$(stat_get "$dir" engine)" "$(stat_get "$dir" seconds)" "$(stat_get "$dir" execs)" \
        "$(stat_get "$dir" exec_per_s)" "$cov" "$(stat_get "$dir" ft)" \
        "$(stat_get "$dir" corpus_before)" "$(stat_get "$dir" corpus_after)" \
        "$(findings_cell "$dir")" "$(md_cell "$(stat_get "$dir" status)")"
}

summary_findings() {
    local t dir hash n kept first
    for t in "$@"; do
        dir="$CH_OUT/$t/findings/unique"
        [[ -s $dir/index.tsv ]] || continue
        printf '\n### %s\n' "$t"
        while IFS=$'\t' read -r hash n kept first; do
            printf -- "- \`%s\`: %s file(s), kept %s as \`%s\`, report \`%s.txt\`\n  %s\n" \
                "$hash" "$n" "$kept" "$t/findings/unique/$hash" "$t/findings/unique/$hash" "$first"
        done <"$dir/index.tsv"
    done
}

write_summary() {
    local t note
    {
        printf '# Fuzz campaign %s\n\n' "${CH_OUT##*/}"
        printf -- '- engine: %s, %s s per target, %s parallel processes, started %s (UTC)\n' \
            "$CH_ENGINE" "$CH_TIME" "$CH_JOBS" "$CH_STARTED"
        printf -- "- campaign dir: \`%s\`\n" "$CH_OUT"
        [[ -z $CH_STOP ]] || printf -- '- stopped early by SIG%s\n' "$CH_STOP"
        for note in "${CH_NOTES[@]}"; do printf -- '- %s\n' "$note"; done
        printf '\n| target | engine | seconds | total execs | exec/s | cov (edges) | ft | corpus before merge | corpus after merge | unique findings (stack hash, files, first line) | status |\n'
        printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n'
        for t in "$@"; do summary_row "$t"; done
        if grep -qs . "$CH_OUT"/*/findings/unique/index.tsv; then
            printf '\n## Findings\n'
            summary_findings "$@"
        fi
    } >"$CH_OUT/summary.md"
}

# ---------------------------------------------------------------- report

# The arguments as one line of shell, quoting only the words that need it.
shell_line() {
    local w out=""
    for w in "$@"; do
        if [[ ! $w =~ ^[A-Za-z0-9_./,=:@%+-]+$ ]]; then w=$(printf '%q' "$w"); fi
        out+=" $w"
    done
    echo "${out# }"
}

# The commit checked out, "+" when the work tree has changes; nothing outside a git work tree.
# GIT_OPTIONAL_LOCKS=0: reading the status must not take the index lock from someone else.
source_commit() {
    local head
    command -v git >/dev/null || return 0
    head=$(git -C "$CH_ROOT" rev-parse --short=12 HEAD 2>/dev/null) || return 0
    if [[ -n $(GIT_OPTIONAL_LOCKS=0 git -C "$CH_ROOT" status --porcelain \
        --untracked-files=no 2>/dev/null) ]]; then
        head+="+"
    fi
    echo "$head"
}

# <campaign>/campaign.env: what scripts/campaign-report.sh needs besides the target dirs.
write_campaign_env() {
    local finished=${1:-}
    {
        printf '%s\n' "engine=$CH_ENGINE" "time=$CH_TIME" "jobs=$CH_JOBS" \
            "targets=${CH_SUMMARY_TARGETS[*]:-${CH_TARGETS[*]}}" "started=$CH_STARTED" \
            "finished=$finished" "stopped=$CH_STOP" "command=$CH_COMMAND" \
            "commit=$(source_commit)" "nproc=$(nproc)" "machine=$(uname -srm)" \
            "build_root=$(build_root)" "coverage=$CH_COVERAGE"
    } >"$CH_OUT/campaign.env"
    if ((${#CH_NOTES[@]})); then
        printf '%s\n' "${CH_NOTES[@]}" >"$CH_OUT/notes.txt"
    else
        : >"$CH_OUT/notes.txt"
    fi
}

# The corpus of a target worth replaying for coverage: the merged one, else the work corpus.
coverage_corpus() {
    local dir="$CH_OUT/$1"
    if (($(count_files "$dir/corpus.min") > 0)); then
        echo "$dir/corpus.min"
    elif [[ $CH_ENGINE == afl ]]; then
        echo "$dir/corpus.all"
    else
        echo "$dir/corpus"
    fi
}

# --coverage: the merged corpora replayed in the coverage build; coverage.sh's per-directory
# table lands in <campaign>/coverage-summary.tsv, its whole output in <campaign>/coverage.txt.
run_source_coverage() {
    local t
    local -a args=(--no-deps --build-dir "$(build_root)/coverage"
        --summary "$CH_OUT/coverage-summary.tsv")
    for t in "$@"; do
        [[ -f $CH_OUT/$t/stats.env ]] || continue
        args+=(--replay "$t=$(coverage_corpus "$t")")
    done
    say "==> source coverage of the merged corpora (coverage preset in $(build_root)/coverage)"
    if bash "$CH_ROOT/scripts/coverage.sh" "${args[@]}" >"$CH_OUT/coverage.txt" 2>&1; then
        sed -n '/^coverage of src/,$p' "$CH_OUT/coverage.txt"
    else
        tail -n 20 "$CH_OUT/coverage.txt" >&2
        CH_NOTES+=("--coverage: scripts/coverage.sh failed (see coverage.txt).")
    fi
}

write_report() {
    write_campaign_env "$(date -u '+%Y-%m-%d %H:%M:%S')"
    if ! bash "$CH_ROOT/scripts/campaign-report.sh" "$CH_OUT"; then
        echo "campaign: scripts/campaign-report.sh failed: report.md may be missing" >&2
    fi
}

# ---------------------------------------------------------------- signals and main

on_signal() {
    if [[ -n $CH_STOP ]]; then
        echo "campaign: second SIG$1: writing the summary and leaving now" >&2
        stop_engines
        if ((${#CH_SUMMARY_TARGETS[@]})) && [[ -d $CH_OUT ]]; then
            write_summary "${CH_SUMMARY_TARGETS[@]}"
        fi
        exit_for_signal
    fi
    CH_STOP=$1
    echo "campaign: SIG$1: stopping the engines; the summary follows" >&2
    stop_engines
}

exit_for_signal() { if [[ $CH_STOP == TERM ]]; then exit 143; else exit 130; fi; }

on_exit() { stop_engines; }

main() {
    local t
    CH_COMMAND=$(shell_line scripts/campaign.sh "$@")
    parse_args "$@"
    if [[ -n $CH_BUILD_ROOT ]]; then
        CH_BUILD_ROOT=$(mkdir -p -- "$CH_BUILD_ROOT" && cd -- "$CH_BUILD_ROOT" && pwd)
    fi
    select_targets
    local -a targets=("${CH_TARGETS[@]}")
    trap 'on_signal INT' INT
    trap 'on_signal TERM' TERM
    trap on_exit EXIT
    if ((!CH_NO_DEPS)); then ch_deps fuzz || { echo "campaign: installing packages failed" >&2; exit 3; }; fi
    make_campaign_dir
    CH_STARTED=$(date -u '+%Y-%m-%d %H:%M:%S')
    write_campaign_env
    say "==> campaign $CH_OUT: engine $CH_ENGINE, ${CH_TIME}s per target, $CH_JOBS processes, targets: ${targets[*]}"
    build_targets "${targets[@]}" || exit 3
    [[ -z $CH_STOP ]] || exit_for_signal
    CH_SUMMARY_TARGETS=("${targets[@]}")
    for t in "${targets[@]}"; do
        [[ -z $CH_STOP ]] || break
        run_target "$t"
    done
    if ((CH_COVERAGE)) && [[ -z $CH_STOP ]]; then run_source_coverage "${targets[@]}"; fi
    write_summary "${targets[@]}"
    write_report
    say ""
    cat "$CH_OUT/summary.md"
    say ""
    say "campaign: $CH_OUT"
    say "report:   $CH_OUT/report.md"
    if [[ -s $CH_OUT/coverage.png ]]; then say "plot:     $CH_OUT/coverage.png"; fi
    [[ -z $CH_STOP ]] || exit_for_signal
    if ((CH_ENGINE_FAILED)); then exit 4; fi
    exit 0
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    main "$@"
fi
