#!/usr/bin/env bash
# coverage-gate.sh: the coverage of src/ by the committed corpora must not drop.
# Runs scripts/coverage.sh (committed corpora only: corpora/<t>/, found/<t>/, regressions/<t>/;
# the unit tests are not counted) and compares its figures with fuzz/coverage-summary.tsv:
# it fails when the lines, branches or functions percentage of any gated scope (total, src/md,
# src/piv, src/apdu, src/util) is more than MAX_DROP points below the committed one.
# It also holds the goal: GOAL_LINES % lines and GOAL_BRANCHES % branches for src/md, src/piv,
# src/apdu and src/util (issue 6); a scope below it fails the gate, whatever the committed
# figure says.
# --update rewrites fuzz/coverage-summary.tsv from this run (commit it with the corpus or code
# change that moved the figures). Exit: 0 pass, 1 a drop or a failed step, 2 usage.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly GATED=(total src/md src/piv src/apdu src/util)
readonly METRICS=(lines branches functions)
readonly MAX_DROP=1.0
readonly GOAL_SCOPES=(src/md src/piv src/apdu src/util)
readonly GOAL_LINES=90
readonly GOAL_BRANCHES=80

usage() {
  cat <<'EOF'
usage: scripts/coverage-gate.sh [--no-deps] [--update] [--build-dir DIR] [--summary FILE]
  --no-deps         do not install missing Debian packages
  --update          rewrite the committed summary from this run instead of comparing
  --build-dir DIR   the coverage build tree (default build/coverage)
  --summary FILE    the committed summary (default fuzz/coverage-summary.tsv)
EOF
}

die_usage() { echo "coverage-gate: $*" >&2; usage >&2; exit 2; }

update=0 build=build/coverage committed=fuzz/coverage-summary.tsv
cov_args=(--quiet)
while (($#)); do
  if [[ $1 == --*=* ]]; then set -- "${1%%=*}" "${1#*=}" "${@:2}"; fi
  case $1 in
    --no-deps) cov_args+=(--no-deps) ;;
    --update) update=1 ;;
    --build-dir | --summary)
      (($# >= 2)) || die_usage "$1 needs a value"
      if [[ $1 == --build-dir ]]; then build=$2; else committed=$2; fi
      shift ;;
    -h | --help) usage; exit 0 ;;
    *) die_usage "unknown argument: $1" ;;
  esac
  shift
done

llvm_version() { llvm-cov --version | sed -n 's/.*LLVM version \([0-9.]*\).*/\1/p' | head -n 1; }

# The committed file: comment lines saying what it is and what made it, then the table.
write_committed() {
  {
    echo "# Coverage of src/ by the committed corpora (corpora/<t>/, found/<t>/, regressions/<t>/)"
    echo "# replayed in the coverage preset: scripts/coverage.sh. scripts/coverage-gate.sh (CI)"
    echo "# fails when a gated figure drops more than $MAX_DROP point below this; rewrite it with"
    echo "# scripts/coverage-gate.sh --update."
    echo "# llvm: $(llvm_version)"
    echo "# targets: $(tr '\n' ' ' <"$build/coverage-targets.txt" | sed 's/ $//')"
    cat "$1"
  } >"$committed"
}

# A comment value of the committed file ("llvm", "targets"), or nothing.
committed_meta() { sed -n "s/^# $1: //p" "$committed" | head -n 1; }

# The value of column METRIC_pct for SCOPE in a summary table, or nothing.
figure() {
  awk -F'\t' -v scope="$2" -v col="$3_pct" '
    /^#/ { next }
    !head { for (i = 1; i <= NF; i++) at[$i] = i; head = 1; next }
    $1 == scope && (col in at) { print $at[col] }' "$1"
}

# Compare one figure; prints its row and returns 1 when it dropped too far.
compare() {
  local scope=$1 metric=$2 was=$3 now=$4
  awk -v s="$scope" -v m="$metric" -v was="$was" -v now="$now" -v max="$MAX_DROP" '
    BEGIN {
      if (was == "" || now == "") {
        printf "  %-10s %-10s %9s %9s %8s  FAIL: %s\n", s, m, (was == "" ? "none" : was),
               (now == "" ? "none" : now), "", (was == "" ? "no committed figure" : "not measured")
        exit 1 }
      if (was == "-" || now == "-") { printf "  %-10s %-10s %9s %9s\n", s, m, was, now; exit 0 }
      d = now - was
      bad = d < -max
      verdict = d > max ? "ok (up: --update to hold the gain)" : "ok"
      if (bad) verdict = sprintf("FAIL: dropped more than %.1f point", max)
      printf "  %-10s %-10s %8.2f%% %8.2f%% %+7.2f  %s\n", s, m, was, now, d, verdict
      exit bad }'
}

# One goal row; returns 1 when the figure is below the goal.
goal_row() {
  local scope=$1 metric=$2 goal=$3 now=$4
  awk -v s="$scope" -v m="$metric" -v g="$goal" -v now="$now" 'BEGIN {
    met = now != "" && now != "-" && now + 0 >= g
    printf "  %-10s %-10s %8s%% goal %d%%  %s\n", s, m, now, g, met ? "met" : "FAIL: not met"
    exit !met }'
}

start=$SECONDS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ch-coverage-gate.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
bash scripts/coverage.sh "${cov_args[@]}" --build-dir "$build" --summary "$tmp/now.tsv"
echo

if ((update)); then
  write_committed "$tmp/now.tsv"
  echo "coverage-gate: wrote $committed ($((SECONDS - start)) s)"
  exit 0
fi
[[ -f $committed ]] ||
  { echo "coverage-gate: $committed missing: run scripts/coverage-gate.sh --update" >&2; exit 1; }

failed=0
echo "coverage gate: now against $committed (fails on a drop of more than $MAX_DROP point)"
printf '  %-10s %-10s %9s %9s %8s\n' scope metric committed now delta
for scope in "${GATED[@]}"; do
  for metric in "${METRICS[@]}"; do
    compare "$scope" "$metric" "$(figure "$committed" "$scope" "$metric")" \
      "$(figure "$tmp/now.tsv" "$scope" "$metric")" || failed=$((failed + 1))
  done
done

echo
echo "goals (gated): $GOAL_LINES% lines, $GOAL_BRANCHES% branches"
for scope in "${GOAL_SCOPES[@]}"; do
  goal_row "$scope" lines "$GOAL_LINES" "$(figure "$tmp/now.tsv" "$scope" lines)" ||
    failed=$((failed + 1))
  goal_row "$scope" branches "$GOAL_BRANCHES" "$(figure "$tmp/now.tsv" "$scope" branches)" ||
    failed=$((failed + 1))
done

now_targets=$(tr '\n' ' ' <"$build/coverage-targets.txt" | sed 's/ $//')
if [[ $(committed_meta targets | tr ' ' '\n' | sort) != $(tr ' ' '\n' <<<"$now_targets" | sort) ]]
then
  echo "note: targets replayed now ($now_targets) differ from the committed summary's" \
    "($(committed_meta targets)): review the figures and run --update"
fi
if [[ $(committed_meta llvm) != "$(llvm_version)" ]]; then
  echo "note: the committed summary was made with LLVM $(committed_meta llvm)," \
    "this run used $(llvm_version): counts may differ"
fi
echo
if ((failed)); then
  echo "coverage-gate: FAIL: $failed gated figure(s) dropped, missing or below the goal (see" \
    "above): add seeds that cover the lost code (docs/fuzzing.md \"Keeping what a campaign" \
    "found\") or, when a drop above the goal is intended, run scripts/coverage-gate.sh" \
    "--update" >&2
  exit 1
fi
echo "coverage-gate: ok ($((SECONDS - start)) s)"
