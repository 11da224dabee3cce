#!/usr/bin/env bash
# Constant-time check of the RSA decryption unpadding (src/md/md_pad.c), dudect-style: two
# input classes (valid / invalid padding of one kind), interleaved at random, cycles per call,
# percentile cropping, Welch's t-test. Prints a Markdown table: test, measurements, max |t|,
# verdict (|t| < 4.5: no leak detected). Two positive controls must show a leak.
# Method and figures: docs/constant-time.md. A measurement, never a pass/fail test: the exit
# status is 0 whatever the figures (1 when the build fails or an input pool is wrong).
# Usage: scripts/bench-ct.sh [--no-deps] [-n MEASUREMENTS] [-s SEED] [--clock] [FILTER]
#   -n: per test, default 1000000 (about 20 s on the 2-core machine, dev preset, -O2).
#   CH_BUILD_DIR: the build tree (default build/dev, the dev preset's).
set -euo pipefail
cd "$(dirname "$0")/.."

deps=1
if [[ ${1:-} == --no-deps ]]; then
  deps=0
  shift
fi
((deps)) && { source scripts/deps.sh && ch_deps build; }
dir=${CH_BUILD_DIR:-build/dev}
# The dev preset is RelWithDebInfo: gcc -O2, as the shipped library is built.
cmake --preset dev -B "$dir" >/dev/null
cmake --build "$dir" --target dudect-unpad >/dev/null
if (($# == 0)); then
  set -- -n 1000000
fi
echo "# dudect-unpad $* ($(uname -m), $(nproc) cores, $(date -u +%Y-%m-%d))"
exec "$dir/tests/bench/dudect-unpad" "$@"
