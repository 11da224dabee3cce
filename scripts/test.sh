#!/usr/bin/env bash
# The whole test suite (the README's second command). On a fresh Debian 12 machine it installs
# what it needs, then builds and tests:
#   asan      clang + ASan + UBSan: unit, negotiation, fuzz regressions, interop (real pcscd)
#   dev       gcc + -Werror + hardening: the same suite, so every corpus file also runs under gcc
#   mingw     pivmd.dll cross build; it must export CardAcquireContext and nothing else
#   fuzz      libFuzzer build of every target, and a short campaign that must execute each one
#   msan      every fuzz target and OpenSSL/zlib built with MemorySanitizer (oss-fuzz-local.sh
#             libfuzzer:memory); the committed corpora replayed through them must give no report
#   tsan      two CSP sessions on two cards in two threads under ThreadSanitizer, and no
#             writable global data in the shipped library's objects
#   wine      the conformance suite cross-built with mingw-w64 (OpenSSL, cmocka from Debian's
#             sources) and run under wine64 (scripts/wine-conformance.sh)
#   coverage  the committed corpora replayed in the coverage preset: coverage of src/ must not
#             drop more than a point below fuzz/coverage-summary.tsv (scripts/coverage-gate.sh)
#   static    clang-tidy, cppcheck, scan-build, gcc -fanalyzer and -Wconversion over src/: zero
#             findings (scripts/static-analysis.sh, docs/static-analysis.md)
# Usage: scripts/test.sh [--no-deps] [--quick]   (--quick: asan only)
set -euo pipefail
cd "$(dirname "$0")/.."

no_deps=0 quick=0
for arg in "$@"; do
  case $arg in
    --no-deps) no_deps=1 ;;
    --quick) quick=1 ;;
    *) echo "usage: scripts/test.sh [--no-deps] [--quick]" >&2; exit 2 ;;
  esac
done

# shellcheck source=scripts/deps.sh
source scripts/deps.sh
((no_deps)) || ch_deps test

step() { printf '\n=== %s ===\n' "$*"; }

build_and_test() {
  local preset=$1
  step "$preset: configure, build, ctest"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset" --timeout 300
}

check_mingw_dll() {
  step "mingw: pivmd.dll"
  cmake --preset mingw >/dev/null
  cmake --build --preset mingw
  local exports
  exports=$(x86_64-w64-mingw32-objdump -p build/mingw/src/pivmd.dll |
            sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' | awk '/\]/ {print $NF}' | grep -v Table)
  if [[ $exports != "CardAcquireContext" ]]; then
    echo "pivmd.dll exports '$exports', expected only CardAcquireContext" >&2
    exit 1
  fi
  echo "pivmd.dll exports: $exports"
}

fuzz_smoke() {
  step "fuzz: libFuzzer build and a 5-second run of every target"
  bash scripts/campaign-smoke.sh
}

# The two-threads test and the no-global-state check under ThreadSanitizer: only what they
# need is built (the whole suite under TSan is `ctest --preset tsan`).
tsan_test() {
  step "tsan: two contexts on two cards in two threads, no global state"
  cmake --preset tsan >/dev/null
  cmake --build --preset tsan --target tsan_two_contexts pivmd
  ctest --test-dir build/tsan -R '^(tsan/|abi/no-global-state$)' --output-on-failure
}

msan_corpora() {
  step "msan: every committed corpus file through its target built with MemorySanitizer"
  if ((no_deps)); then bash scripts/msan-corpora.sh --no-deps; else bash scripts/msan-corpora.sh; fi
}

coverage_gate() {
  step "coverage: committed corpora against fuzz/coverage-summary.tsv"
  bash scripts/coverage-gate.sh --no-deps
}

# The conformance suite cross-built for Windows and run under wine (docs/windows/README.md).
wine_conformance() {
  step "wine: the conformance suite built with mingw-w64, run under wine64"
  if ((no_deps)); then bash scripts/wine-conformance.sh --no-deps
  else bash scripts/wine-conformance.sh; fi
}

static_analysis() {
  step "static: clang-tidy, cppcheck, scan-build, gcc -fanalyzer, -Wconversion over src/"
  local args=()
  if ((no_deps)); then args+=(--no-deps); fi
  bash scripts/static-analysis.sh "${args[@]}"
}

if ((quick)); then
  build_and_test asan
  exit 0
fi
check_mingw_dll
fuzz_smoke
msan_corpora
tsan_test
coverage_gate
static_analysis
wine_conformance
build_and_test dev
# Last, so that its ctest summary closes the log.
build_and_test asan
