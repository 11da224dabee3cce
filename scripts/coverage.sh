#!/usr/bin/env bash
# Source-based coverage of src/ from replaying the corpora (seeds + regressions) and the unit
# tests in the `coverage` preset. Prints llvm-cov's per-file report and the line / branch /
# function totals, per directory of src/.
# Usage: scripts/coverage.sh [--no-deps] [--tests]   (--tests: also count ctest's unit tests)
set -euo pipefail
cd "$(dirname "$0")/.."

no_deps=0 with_tests=0
for arg in "$@"; do
  case $arg in
    --no-deps) no_deps=1 ;;
    --tests) with_tests=1 ;;
    *) echo "usage: scripts/coverage.sh [--no-deps] [--tests]" >&2; exit 2 ;;
  esac
done
# shellcheck source=scripts/deps.sh
source scripts/deps.sh
((no_deps)) || ch_deps build

build=build/coverage
profdir=$build/profiles
cmake --preset coverage >/dev/null
cmake --build --preset coverage >/dev/null
rm -rf "$profdir" && mkdir -p "$profdir"

targets=$(bash scripts/fuzz-targets.sh)
objects=()
for t in $targets; do
  dirs=()
  [[ -d corpora/$t ]] && dirs+=("corpora/$t")
  [[ -d corpora/regressions/$t ]] && dirs+=("corpora/regressions/$t")
  ((${#dirs[@]})) || continue
  LLVM_PROFILE_FILE="$profdir/$t-%p.profraw" "$build/fuzz/$t" "${dirs[@]}" 2>/dev/null
  objects+=(-object "$build/fuzz/$t")
done
if ((with_tests)); then
  LLVM_PROFILE_FILE="$PWD/$profdir/ctest-%p.profraw" ctest --test-dir "$build" -L unit >/dev/null
  for exe in "$build"/tests/unit/unit_* "$build"/tests/negotiation/unit_*; do
    objects+=(-object "$exe")
  done
fi

llvm-profdata merge -sparse "$profdir"/*.profraw -o "$profdir/merged.profdata"
# The first -object is positional for llvm-cov.
llvm-cov report "${objects[@]:1}" -instr-profile="$profdir/merged.profdata" \
  --ignore-filename-regex='(fuzz|tests|host)/' src/ | tee "$build/coverage-report.txt"
echo
echo "per directory (lines covered / lines):"
# llvm-cov names files relative to src/ (e.g. apdu/apdu.c).
awk '$1 ~ /\.[ch]$/ && $8 > 0 { split($1, p, "/"); d = "src/" p[1]; lines[d] += $8; miss[d] += $9 }
     END { for (d in lines) printf "  %-16s %5.1f%%  (%d/%d)\n", d,
           lines[d] ? 100 * (lines[d] - miss[d]) / lines[d] : 0, lines[d] - miss[d], lines[d] }' \
  "$build/coverage-report.txt" | sort
