#!/usr/bin/env bash
# fuzz-targets.sh: every fuzz target the build defines, one per line: the names in
# set(CH_FUZZ_TARGETS ...) of fuzz/CMakeLists.txt and in each list(APPEND CH_FUZZ_TARGETS ...)
# there or in fuzz/*.cmake (the per-target snippets). Used by campaign.sh and coverage.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
awk '/(set|list)\((APPEND )?CH_FUZZ_TARGETS/ {
         on = 1; sub(/.*CH_FUZZ_TARGETS/, "") }
     on { line = $0; sub(/#.*/, "", line); done = sub(/\).*/, "", line)
          n = split(line, word, /[ \t]+/)
          for (i = 1; i <= n; i++) if (word[i] != "") print word[i]
          if (done) on = 0 }' "$root/fuzz/CMakeLists.txt" "$root"/fuzz/*.cmake | awk '!seen[$0]++'
