#!/usr/bin/env bash
# campaign-smoke.sh: check scripts/campaign.sh end to end, quickly.
#  1. de-duplication on its own: canned sanitizer reports from a stand-in target, and (when
#     clang is there) real ASan/UBSan/abort reports from a tiny crashing libFuzzer program;
#  2. a 5-second campaign (scripts/campaign.sh --time 5 --no-deps --out TMP, plus any arguments
#     given here, e.g. --engine afl) whose summary must list every target with execs > 0, with a
#     progress.tsv of well-formed rows per target and a report.md that lists every target and
#     embeds coverage.png, a real PNG, when gnuplot is installed (else says that it is not);
#  3. the report of that campaign rewritten as if gnuplot were missing: report.md still written.
# Exit 0 when every check passed; the last line says "N passed, N failed".
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ch-campaign-smoke.XXXXXX")
PASSED=0
FAILED=0
trap 'rm -rf -- "$TMP"' EXIT

# shellcheck source=scripts/campaign.sh disable=SC1091 # (defines functions only when sourced)
. "$ROOT/scripts/campaign.sh"

check() {
    local what=$1
    shift
    if "$@"; then
        echo "ok   $what"
        PASSED=$((PASSED + 1))
    else
        echo "FAIL $what"
        FAILED=$((FAILED + 1))
    fi
}

# A stand-in target: prints a canned report chosen by the input's first byte; the second byte
# changes addresses and PIDs, which must not change the hash.
make_fake_target() {
    cat >"$TMP/fake-target" <<'EOF'
#!/bin/sh
kind=$(head -c 1 "$1"); n=$(head -c 2 "$1" | tail -c 1 | od -An -tu1 | tr -d ' ')
case $kind in
A) cat >&2 <<REPORT
==1$n==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x60200000$n at pc 0x55
READ of size 1 at 0x602000000$n thread T0
    #0 0x55$n in ch_cur_take /work/main/src/util/cursor.c:21:5
    #1 0x55$n in ch_piv_parse_apt /work/main/src/piv/piv_select.c:60:9
    #2 0x55$n in ch_piv_select /work/main/src/piv/piv_select.c:110:12
    #3 0x55$n in LLVMFuzzerTestOneInput /work/main/fuzz/fuzz_acquire.c:140:5
    #4 0x55$n in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (/b+0x1)
0x602 is located 0 bytes to the right of 2-byte region
allocated by thread T0 here:
    #0 0x55$n in __interceptor_malloc (/b+0x2)
    #1 0x55$n in somewhere_else /work/main/src/x.c:1:1
SUMMARY: AddressSanitizer: heap-buffer-overflow /work/main/src/util/cursor.c:21:5 in ch_cur_take
REPORT
    exit 1 ;;
B) echo "invariant failed at /work/main/fuzz/fuzz_acquire.c:201: live == 0: $n bytes leaked" >&2
   echo "==$n== ERROR: libFuzzer: deadly signal" >&2
   echo "    #0 0x$n in abort (/lib/x86_64-linux-gnu/libc.so.6+0x$n)" >&2
   exit 1 ;;
C|D) cat >&2 <<REPORT
==$n==ERROR: LeakSanitizer: detected memory leaks
Direct leak of 8 byte(s) in 1 object(s) allocated from:
REPORT
   if [ "$kind" = C ]; then
       echo "    #0 0x$n in __interceptor_malloc /build/llvm/compiler-rt/lib/asan/asan_malloc_linux.cpp:69:3" >&2
   else
       echo "    #0 0x$n in __interceptor_calloc /build/llvm/compiler-rt/lib/asan/asan_malloc_linux.cpp:77:3" >&2
   fi
   cat >&2 <<REPORT
    #1 0x$n in ch_host_alloc /work/main/src/host/host_alloc.c:58:9
    #2 0x$n in CardAcquireContext /work/main/src/md/acquire.c:80:5
    #3 0x$n in LLVMFuzzerTestOneInput /work/main/fuzz/fuzz_acquire.c:150:3
REPORT
   exit 1 ;;
esac
exit 0
EOF
    chmod +x "$TMP/fake-target"
}

index_has() { # index hash-count: the file has N lines and the counts, sorted, are as given
    local index=$1 lines=$2 counts=$3
    [[ $(wc -l <"$index") -eq $lines ]] &&
        [[ $(cut -f2 "$index" | sort -n | tr '\n' ' ') == "$counts" ]]
}

check_canned_dedup() {
    local d="$TMP/canned"
    mkdir -p "$d/findings"
    make_fake_target
    printf 'A1' >"$d/findings/crash-a1"
    printf 'A2' >"$d/findings/crash-a2"         # same stack, other addresses
    printf 'B1' >"$d/findings/crash-b1"
    printf 'B2' >"$d/findings/crash-b2"         # same invariant, other message
    printf 'C1' >"$d/findings/leak-c"
    printf 'D2' >"$d/findings/leak-d"           # same frames of ours below another allocator
    printf 'Z' >"$d/findings/timeout-z"         # no report: kept on its own
    printf 'A3' >"$d/findings/not-a-finding"    # ignored: not crash-/leak-/timeout-/oom-
    dedup_findings "$d/findings" "$d/unique" "$TMP/fake-target"
    check "dedup: 8 files -> 4 stack hashes (2+2+2+1)" index_has "$d/unique/index.tsv" 4 "1 2 2 2 "
    check "dedup: invariant line kept as headline" \
        grep -q $'\tinvariant failed at .*fuzz/fuzz_acquire.c:201' "$d/unique/index.tsv"
    check "dedup: one input and one report per hash" \
        test "$(find "$d/unique" -type f | wc -l)" -eq 9
}

# A real libFuzzer+ASan+UBSan program with three bugs, two inputs for each.
make_real_crasher() {
    cat >"$TMP/crasher.c" <<'EOF'
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int overflow(const uint8_t *d, size_t n)
{
    char *p = malloc(2);
    memcpy(p, d, 2);
    int r = p[n % 7 + 2];
    free(p);
    return r;
}
static int shift(const uint8_t *d) { int x = d[1] + 40; return 1 << x; }
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (n < 2)
        return 0;
    if (d[0] == 'A')
        return overflow(d, n);
    if (d[0] == 'B')
        return shift(d);
    if (d[0] == 'C') {
        fprintf(stderr, "invariant failed at %s:%d: %s\n", __FILE__, __LINE__, "x");
        abort();
    }
    return 0;
}
EOF
    clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -o "$TMP/crasher" "$TMP/crasher.c" 2>"$TMP/crasher.log"
}

check_real_dedup() {
    local d="$TMP/real"
    if ! command -v clang >/dev/null || ! make_real_crasher; then
        echo "skip dedup with real sanitizer reports (no clang, or it failed)"
        return 0
    fi
    mkdir -p "$d/findings"
    printf 'A1' >"$d/findings/crash-a1"
    printf 'A2345' >"$d/findings/crash-a2"
    printf 'B1' >"$d/findings/crash-b1"
    printf 'B2' >"$d/findings/crash-b2"
    printf 'C1' >"$d/findings/crash-c1"
    printf 'C2' >"$d/findings/crash-c2"
    dedup_findings "$d/findings" "$d/unique" "$TMP/crasher"
    check "dedup: real ASan/UBSan/abort reports, 6 files -> 3 stack hashes" \
        index_has "$d/unique/index.tsv" 3 "2 2 2 "
    check "dedup: real report headlines" \
        grep -q 'heap-buffer-overflow' "$d/unique/index.tsv"
}

# The row of one target in summary.md: its "total execs" column must be a number > 0.
target_execs() {
    awk -F'|' -v t="$2" '{ name = $2; gsub(/ /, "", name) } name == t { x = $5; gsub(/ /, "", x); print x }' "$1"
}

# progress.tsv has its header and at least one row, every row of 9 columns with numbers
# (or "-") where numbers belong, and a measured coverage in some row.
progress_ok() {
    awk -F'\t' '
        NR == 1 { ok = ($0 ~ /^# elapsed_s\tstats_s\texecs\t/); next }
        NF != 9 || $1 !~ /^[0-9]+$/ || $3 !~ /^[0-9]+$/ || $5 !~ /^[0-9]+$/ { ok = 0 }
        $2 ~ /^[0-9]+$/ && $5 > 0 { cov = 1 }
        END { exit !(ok && NR > 1 && cov) }' "$1"
}

is_png() { [[ $(head -c 8 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]]; }

# A row of report.md's results table for the target, with a number of execs.
report_lists() { grep -Eq "^\| $2 \| [a-z]+ \| [0-9]+ \| [0-9]+ \|" "$1"; }

check_report() {
    local out=$1 t
    shift
    check "report.md written" test -s "$out/report.md"
    for t in "$@"; do
        check "progress.tsv of $t has well-formed rows with coverage" \
            progress_ok "$out/$t/progress.tsv"
        check "report.md lists $t" report_lists "$out/report.md" "$t"
    done
    if command -v gnuplot >/dev/null; then
        check "coverage.png is a PNG" is_png "$out/coverage.png"
        check "report.md embeds coverage.png" grep -q '](coverage.png)' "$out/report.md"
    else
        check "report.md says gnuplot is missing" grep -q 'gnuplot is not installed' \
            "$out/report.md"
    fi
}

# The report of a finished campaign, rewritten as if gnuplot were not installed.
check_report_without_gnuplot() {
    local copy="$TMP/no-gnuplot"
    cp -r -- "$1" "$copy"
    rm -f -- "$copy/report.md" "$copy/coverage.png"
    check "campaign-report.sh without gnuplot exits 0" \
        env GNUPLOT="$TMP/no-such-gnuplot" bash "$ROOT/scripts/campaign-report.sh" "$copy"
    check "without gnuplot: report.md says so and has no plot" \
        grep -q 'gnuplot is not installed' "$copy/report.md"
    check "without gnuplot: no coverage.png" test ! -e "$copy/coverage.png"
}

check_campaign() {
    local out="$TMP/campaign" summary t execs
    local -a targets
    if ! "$ROOT/scripts/campaign.sh" --time 5 --no-deps --out "$out" "$@"; then
        check "campaign.sh exited 0" false
        return 0
    fi
    summary="$out/summary.md"
    check "summary.md written" test -s "$summary"
    mapfile -t targets < <(discover_targets)
    for t in "${targets[@]}"; do
        execs=$(target_execs "$summary" "$t")
        check "summary lists $t with execs > 0 (execs=${execs:-none})" \
            test "${execs:-0}" -gt 0 2>/dev/null
    done
    check_report "$out" "${targets[@]}"
    check_report_without_gnuplot "$out"
}

check_canned_dedup
check_real_dedup
check_campaign "$@"
echo "campaign-smoke: $PASSED passed, $FAILED failed"
((FAILED == 0))
