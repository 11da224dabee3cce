#!/usr/bin/env bash
# coverage.sh: source-based coverage of src/ from replaying corpora in the `coverage` preset
# (standalone corpus runner, clang -fprofile-instr-generate). By default it replays the
# committed corpora, corpora/<t>/, corpora/found/<t>/ and corpora/regressions/<t>/, of every
# fuzz target: that is the figure scripts/coverage-gate.sh holds against
# fuzz/coverage-summary.tsv.
# Prints llvm-cov's per-file report, then lines / branches / functions per directory of src/
# and in total. Leaves in the build tree: coverage-report.txt (llvm-cov report),
# coverage-export.json (llvm-cov export -summary-only), coverage-summary.tsv (per directory,
# the format of fuzz/coverage-summary.tsv) and coverage-targets.txt (the targets replayed).
# Exit: 0, 1 when an input of the committed corpora fails to replay (it fails ctest too) or a
# step fails, 2 usage.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'EOF'
usage: scripts/coverage.sh [--no-deps] [--tests] [--quiet] [--build-dir DIR]
                           [--replay TARGET=DIR]... [--summary FILE]
  --no-deps         do not install missing Debian packages (scripts/deps.sh build)
  --tests           also count ctest's unit tests (an extra: the gate counts the corpora only)
  --quiet           print only the per-directory summary, not llvm-cov's per-file report
  --build-dir DIR   the coverage build tree (default build/coverage)
  --replay T=DIR    replay DIR for target T instead of the committed corpora; repeatable, and
                    only the targets named are replayed (scripts/campaign.sh --coverage)
  --summary FILE    also write the per-directory summary to FILE
EOF
}

die_usage() { echo "coverage: $*" >&2; usage >&2; exit 2; }

no_deps=0 with_tests=0 quiet=0 build_dir=build/coverage summary_out=""
declare -A replay=()
replay_order=()
while (($#)); do
  if [[ $1 == --*=* ]]; then set -- "${1%%=*}" "${1#*=}" "${@:2}"; fi
  case $1 in
    --no-deps) no_deps=1 ;;
    --tests) with_tests=1 ;;
    --quiet) quiet=1 ;;
    --build-dir | --summary | --replay)
      (($# >= 2)) || die_usage "$1 needs a value"
      case $1 in
        --build-dir) build_dir=$2 ;;
        --summary) summary_out=$2 ;;
        --replay)
          [[ $2 == ?*=?* ]] || die_usage "--replay wants TARGET=DIR"
          replay[${2%%=*}]=${2#*=}
          replay_order+=("${2%%=*}") ;;
      esac
      shift ;;
    -h | --help) usage; exit 0 ;;
    *) die_usage "unknown argument: $1" ;;
  esac
  shift
done

# shellcheck source=scripts/deps.sh
source scripts/deps.sh
((no_deps)) || ch_deps build
for tool in jq llvm-profdata llvm-cov; do
  command -v "$tool" >/dev/null ||
    { echo "coverage: $tool not found (scripts/deps.sh build installs it)" >&2; exit 1; }
done

mapfile -t all_targets < <(bash scripts/fuzz-targets.sh)
targets=("${all_targets[@]}")
if ((${#replay_order[@]})); then
  targets=()
  for t in "${replay_order[@]}"; do
    [[ " ${all_targets[*]} " == *" $t "* ]] || die_usage "unknown target '$t'"
    [[ " ${targets[*]} " == *" $t "* ]] || targets+=("$t")
  done
fi

# The corpus directories replayed for target $1, one per line.
corpus_dirs() {
  if ((${#replay_order[@]})); then
    [[ ! -d ${replay[$1]} ]] || echo "${replay[$1]}"
    return 0
  fi
  local d
  for d in "corpora/$1" "corpora/found/$1" "corpora/regressions/$1"; do
    [[ ! -d $d ]] || echo "$d"
  done
}

build_tree() {
  local log=$build_dir/coverage-build.log
  if ((with_tests)); then
    cmake --preset coverage -B "$build_dir" >"$log" 2>&1 && cmake --build "$build_dir" >>"$log" 2>&1
  else
    # The fuzz targets are all the corpora need; the unit tests come with --tests only.
    cmake --preset coverage -B "$build_dir" >"$log" 2>&1 &&
      cmake --build "$build_dir" --target "${targets[@]}" >>"$log" 2>&1
  fi || { tail -n 30 "$log" >&2; echo "coverage: build failed (log: $log)" >&2; exit 1; }
}

# Replay one target's corpus. An input that aborts takes the whole process's profile with it
# (the profile is written at exit), so a failing run is repeated one file at a time: every
# input that passes still counts, and the ones that fail are named.
failed_inputs=0
replay_target() {
  local t=$1 exe=$build_dir/fuzz/$1 f
  local -a dirs files
  mapfile -t dirs < <(corpus_dirs "$t")
  ((${#dirs[@]})) || return 1
  if LLVM_PROFILE_FILE="$profdir/$t-%p.profraw" "$exe" "${dirs[@]}" 2>/dev/null; then
    return 0
  fi
  echo "coverage: $t: an input failed; replaying its corpus one file at a time" >&2
  rm -f -- "$profdir/$t"-*.profraw
  mapfile -t files < <(find "${dirs[@]}" -type f ! -name '.*' | sort)
  for f in "${files[@]}"; do
    if ! LLVM_PROFILE_FILE="$profdir/$t-%p.profraw" "$exe" "$f" 2>/dev/null; then
      echo "coverage: $t: $f fails (not counted)" >&2
      failed_inputs=$((failed_inputs + 1))
    fi
  done
}

# "scope lines_cov lines branches_cov branches functions_cov functions" rows (total first,
# then src/<dir> per directory) from llvm-cov's summary export on stdin.
export_counts() {
  jq -r --arg root "$PWD/" '
    def counts: [.lines.covered, .lines.count, .branches.covered, .branches.count,
                 .functions.covered, .functions.count];
    .data[0] as $d
    | (["total"] + ($d.totals | counts)),
      ($d.files
       | map(.filename |= ltrimstr($root))
       | map(select(.filename | startswith("src/")))
       | group_by(.filename | split("/")[0:2] | join("/"))
       | map([(.[0].filename | split("/")[0:2] | join("/"))]
             + (map(.summary | counts) | transpose | map(add))))[]
    | map(tostring) | join("\t")'
}

# The summary table (fuzz/coverage-summary.tsv format) from export_counts rows on stdin.
summary_table() {
  printf 'scope\tlines_pct\tbranches_pct\tfunctions_pct\tlines_covered\tlines_total'
  printf '\tbranches_covered\tbranches_total\tfunctions_covered\tfunctions_total\n'
  awk -F'\t' -v OFS='\t' '
    function pct(c, n) { return n > 0 ? sprintf("%.2f", 100 * c / n) : "-" }
    { print $1, pct($2, $3), pct($4, $5), pct($6, $7), $2, $3, $4, $5, $6, $7 }'
}

print_summary() {
  awk -F'\t' '
    function p(x) { return x == "-" ? "-" : x "%" }
    NR == 1 { printf "  %-14s %-21s %-21s %s\n", "scope", "lines", "branches", "functions"
              next }
    $6 > 0 { printf "  %-14s %7s %5d/%-7d %7s %5d/%-7d %7s %5d/%d\n",
                    $1, p($2), $5, $6, p($3), $7, $8, p($4), $9, $10 }' "$1"
}

# Absolute: ctest runs the unit tests in their own directories.
mkdir -p -- "$build_dir" && build_dir=$(cd -- "$build_dir" && pwd)
build_tree
profdir=$build_dir/profiles
rm -rf -- "$profdir" && mkdir -p "$profdir"
objects=()
replayed=()
for t in "${targets[@]}"; do
  replay_target "$t" || continue
  objects+=(-object "$build_dir/fuzz/$t")
  replayed+=("$t")
done
((${#objects[@]})) || { echo "coverage: no corpus to replay" >&2; exit 1; }
if ((with_tests)); then
  LLVM_PROFILE_FILE="$profdir/ctest-%p.profraw" ctest --test-dir "$build_dir" -L unit >/dev/null
  for exe in "$build_dir"/tests/unit/unit_* "$build_dir"/tests/negotiation/unit_*; do
    [[ ! -x $exe ]] || objects+=(-object "$exe")
  done
fi

llvm-profdata merge -sparse "$profdir"/*.profraw -o "$profdir/merged.profdata"
# The first -object is positional for llvm-cov; fuzz/, tests/ and src/host/ are harness.
cov_args=("${objects[@]:1}" -instr-profile="$profdir/merged.profdata"
          --ignore-filename-regex='(fuzz|tests|host)/')
llvm-cov report "${cov_args[@]}" src/ >"$build_dir/coverage-report.txt"
llvm-cov export -summary-only "${cov_args[@]}" src/ >"$build_dir/coverage-export.json"
export_counts <"$build_dir/coverage-export.json" | summary_table >"$build_dir/coverage-summary.tsv"
printf '%s\n' "${replayed[@]}" >"$build_dir/coverage-targets.txt"
[[ -z $summary_out ]] || cp -- "$build_dir/coverage-summary.tsv" "$summary_out"

((quiet)) || { cat "$build_dir/coverage-report.txt"; echo; }
if ((${#replay_order[@]})); then
  what="the given corpora"
else
  what="the committed corpora (seeds + found + regressions)"
fi
if ((with_tests)); then what+=" and the unit tests"; fi
echo "coverage of src/ by $what of: ${replayed[*]}"
print_summary "$build_dir/coverage-summary.tsv"
if ((failed_inputs)); then
  echo "coverage: $failed_inputs input(s) failed to replay and were not counted" >&2
  ((${#replay_order[@]})) || exit 1
fi
