#!/usr/bin/env bash
# static-analysis.sh: the static analysis gate over every translation unit of src/ (cardmod,
# util, transport, apdu, piv, md, host, vpiv: the shipped code and the test doubles).
#   clang-tidy    the checks of .clang-tidy (bugprone, cert, clang-analyzer, performance, ...)
#   cppcheck      --enable=warning,portability,performance, whole-program (CTU) with a build dir
#   scan-build    clang's static analyzer over the real build of the src/ targets, with the
#                 alpha bounds/string checkers that clang-tidy's clang-analyzer-* leaves off
#   gcc-analyzer  gcc -fanalyzer over each src/ file, with the dev preset's flags
#   conversion    -Wconversion -Wsign-conversion -Werror (gcc and clang) over src/md, src/piv,
#                 src/apdu, src/util and src/transport
# Zero findings pass; a finding is fixed or suppressed in place with a reason
# (docs/static-analysis.md says how for each tool). Prints per tool: files, findings,
# suppressions in src/, seconds. Exit: 0 clean, 1 a finding or a tool that failed, 2 usage.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

readonly ALL_TOOLS=(clang-tidy cppcheck scan-build gcc-analyzer conversion)
readonly CONVERSION_DIRS=(md piv apdu util transport)
# The targets that compile src/: the shipped library, the test doubles, vpiv and its daemon's
# own object (its other object, replay/vpcd_card.c, is not src/).
readonly SCAN_TARGETS=(ch_cardmod_layout ch_util pivmd pivmd_script ch_host ch_vpiv pivmd_vpiv
  src/vpiv/vpcd/CMakeFiles/vpiv-vpcd.dir/vpiv_vpcd.c.o)
# Beyond the default checkers (which clang-tidy's clang-analyzer-* runs too): constant
# out-of-bounds indices, string-function overruns, overlapping copies, pointers returned out of
# range, float loop counters, misused POSIX calls.
# (alpha.security.ArrayBoundV2 is left out: clang 14's reports unsigned indices as "preceding
# the block" and cannot bound lengths returned by another file; its 5 reports were all false.)
readonly SCAN_CHECKERS=(alpha.security.ArrayBound alpha.security.ReturnPtrRange
  alpha.unix.cstring.OutOfBounds alpha.unix.cstring.BufferOverlap
  alpha.unix.cstring.NotNullTerminated security.FloatLoopCounter optin.portability.UnixAPI)

usage() {
  cat <<'EOF'
usage: scripts/static-analysis.sh [--no-deps] [--build-dir DIR] [--jobs N] [--only TOOL,...]
  --no-deps         do not install missing Debian packages (deps.sh profile "static")
  --build-dir DIR   where the trees, logs and reports go (default build/static)
  --jobs N          parallel jobs (default 2)
  --only TOOLS      a comma-separated subset of: clang-tidy cppcheck scan-build gcc-analyzer
                    conversion (default: all)
EOF
}

die_usage() { echo "static-analysis: $*" >&2; usage >&2; exit 2; }

no_deps=0 bdir=build/static jobs=2 only=""
while (($#)); do
  if [[ $1 == --*=* ]]; then set -- "${1%%=*}" "${1#*=}" "${@:2}"; fi
  case $1 in
    --no-deps) no_deps=1 ;;
    --build-dir) (($# > 1)) || die_usage "--build-dir needs a value"; bdir=$2; shift ;;
    --jobs) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die_usage "--jobs needs a number"; jobs=$2; shift ;;
    --only) (($# > 1)) || die_usage "--only needs a value"; only=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
  shift
done
tools=("${ALL_TOOLS[@]}")
if [[ -n $only ]]; then
  IFS=, read -r -a tools <<<"$only"
  for t in "${tools[@]}"; do
    [[ " ${ALL_TOOLS[*]} " == *" $t "* ]] || die_usage "unknown tool '$t'"
  done
fi
mkdir -p "$bdir"
bdir=$(cd "$bdir" && pwd)
logs=$bdir/logs
rm -rf "$logs"
mkdir -p "$logs"

# shellcheck source=scripts/deps.sh
source scripts/deps.sh
((no_deps)) || ch_deps static

# The first of the names that is installed (Debian has versioned and unversioned ones).
first_tool() {
  local n
  for n in "$@"; do
    if command -v "$n" >/dev/null 2>&1; then echo "$n"; return 0; fi
  done
  echo "static-analysis: none of $* is installed (scripts/deps.sh static)" >&2
  return 1
}

# ---- the compilation database of src/ -------------------------------------------------------
# The dev preset (gcc, -Werror, hardening) exports compile_commands.json; only src/ is kept.
# Each src/ file is in it once (ch_core is an OBJECT library shared by its link targets).
cmake --preset dev -B "$bdir/db" >"$logs/configure-db.log" 2>&1 ||
  { cat "$logs/configure-db.log" >&2; exit 1; }
mkdir -p "$bdir/src-db"
jq --arg src "$root/src/" '[.[] | select(.file | startswith($src))]' \
  "$bdir/db/compile_commands.json" >"$bdir/src-db/compile_commands.json"
mapfile -t src_files < <(jq -r '.[].file' "$bdir/src-db/compile_commands.json" | sort)
((${#src_files[@]} > 0)) || { echo "static-analysis: no src/ file in the database" >&2; exit 1; }

# Runs one compiler per src/ file of the database, in parallel: the database's own command
# (gcc) or the same arguments with another compiler, output discarded, extra flags appended.
# Prints each diagnostic, and "<file>: failed (rc N)" for a failure that printed none.
# usage: per_tu COMPILER DIR_FILTER EXTRA_FLAGS...   (DIR_FILTER: "a|b|c" below src/, or "")
per_tu() {
  python3 - "$bdir/src-db/compile_commands.json" "$root/src/" "$jobs" "$@" <<'EOF'
import concurrent.futures, json, re, shlex, subprocess, sys

db, src, jobs, cc, dirs, extra = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], \
    sys.argv[5], sys.argv[6:]
entries = json.load(open(db))
if dirs:
    entries = [e for e in entries if e["file"][len(src):].split("/")[0] in dirs.split("|")]
diag = re.compile(r"^\S+:\d+:(\d+:)? (warning|error): ")

def run(e):
    args = shlex.split(e["command"]) if "command" in e else list(e["arguments"])
    out, i = [cc if cc != "-" else args[0]], 1
    while i < len(args):
        if args[i] == "-o":
            i += 2
            continue
        if args[i] != "-c":
            out.append(args[i])
        i += 1
    out += extra
    if "-fsyntax-only" not in extra:
        out += ["-c", "-o", "/dev/null"]
    p = subprocess.run(out, cwd=e["directory"], capture_output=True, text=True)
    lines = [l for l in p.stderr.splitlines() if diag.match(l)]
    if p.returncode != 0 and not lines:
        lines = ["%s: failed (rc %d): %s" % (e["file"], p.returncode, p.stderr.strip()[:500])]
    return lines

print("files %d" % len(entries), file=sys.stderr)
with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
    for lines in ex.map(run, entries):
        for l in lines:
            print(l)
EOF
}

# Suppressions in src/ that match an extended regex: "N" (how many lines carry one).
count_in_src() { grep -rEn --include='*.c' --include='*.h' -- "$1" src | wc -l | tr -d ' '; }

declare -A r_files r_findings r_supp r_secs
failed=0

# record TOOL FILES FINDINGS_FILE SUPPRESSIONS: prints the findings, keeps the figures.
record() {
  local tool=$1 files=$2 list=$3 supp=$4 n
  n=$(grep -c . "$list" || true)
  r_files[$tool]=$files r_findings[$tool]=$n r_supp[$tool]=$supp
  if ((n > 0)); then
    failed=1
    echo "--- $tool: $n finding(s)"
    cat "$list"
  else
    echo "--- $tool: clean"
  fi
}

run_clang_tidy() {
  local rct tidy log=$logs/clang-tidy.log list=$logs/clang-tidy.findings rc=0
  rct=$(first_tool run-clang-tidy run-clang-tidy-14)
  tidy=$(first_tool clang-tidy clang-tidy-14)
  # .clang-tidy at the repository root holds the checks; "-quiet" drops the banners.
  "$rct" -clang-tidy-binary "$(command -v "$tidy")" -p "$bdir/src-db" -j "$jobs" -quiet \
    "^$root/src/" >"$log" 2>&1 || rc=$?
  # A header's finding repeats once per file that includes it: each is listed once.
  sed 's/\x1b\[[0-9;]*m//g' "$log" |
    grep -E '^/[^ ]+:[0-9]+:[0-9]+: (warning|error): .*\[[^]]+\]$' | sort -u >"$list" || true
  # Every NOLINT names its check: a bare one would silence everything on its line.
  grep -rEn --include='*.c' --include='*.h' 'NOLINT(NEXTLINE|BEGIN)?([^(A-Z]|$)' src |
    sed 's/$/  [bare NOLINT: name the check and say why]/' >>"$list" || true
  if ((rc != 0)) && ! grep -q . "$list"; then
    echo "run-clang-tidy failed (rc $rc) without a finding: see $log" >>"$list"
  fi
  record clang-tidy "${#src_files[@]}" "$list" "$(count_in_src 'NOLINT(NEXTLINE|BEGIN)?\(')"
}

run_cppcheck() {
  local log=$logs/cppcheck.log list=$logs/cppcheck.findings cbd=$bdir/cppcheck-build
  rm -rf "$cbd"
  mkdir -p "$cbd"
  # The build dir gives whole-program (CTU) analysis with -j; it is emptied so that every file
  # is analysed again. --error-exitcode is the tool's own verdict, the findings list is ours.
  if cppcheck --project="$bdir/src-db/compile_commands.json" --std=c11 \
      --enable=warning,portability,performance --inline-suppr --error-exitcode=1 -q \
      -j "$jobs" --cppcheck-build-dir="$cbd" \
      --template='{file}:{line}:{column}: {severity}: {message} [{id}]' >"$log" 2>&1; then
    grep -E '^/[^ ]+:[0-9]+:[0-9]+: ' "$log" | sort -u >"$list" || true
  else
    grep -E '^/[^ ]+:[0-9]+:[0-9]+: ' "$log" | sort -u >"$list" || true
    grep -q . "$list" || echo "cppcheck failed without a finding: see $log" >"$list"
  fi
  record cppcheck "${#src_files[@]}" "$list" "$(count_in_src 'cppcheck-suppress')"
}

run_scan_build() {
  local sb log=$logs/scan-build.log list=$logs/scan-build.findings tree=$bdir/scan n_tu
  local -a enable=()
  sb=$(first_tool scan-build scan-build-14)
  for c in "${SCAN_CHECKERS[@]}"; do enable+=(-enable-checker "$c"); done
  # The tree is configured through scan-build so that its compiler is ccc-analyzer, which
  # compiles with clang and, under scan-build, analyses each file it compiles.
  rm -rf "$tree" "$bdir/scan-report"
  if ! "$sb" --use-cc=clang cmake -S "$root" -B "$tree" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DCH_HARDEN=OFF -DCH_TESTS=OFF >"$logs/configure-scan.log" 2>&1; then
    echo "scan-build: configure failed: see $logs/configure-scan.log" >"$list"
  elif "$sb" --use-cc=clang --status-bugs -o "$bdir/scan-report" "${enable[@]}" \
      cmake --build "$tree" -j "$jobs" --target "${SCAN_TARGETS[@]}" >"$log" 2>&1; then
    : >"$list"
  else
    # One line per bug ("file:line:col: warning: message [checker]") or compile error.
    grep -E '^/[^ ]+:[0-9]+:[0-9]+: (warning|error): ' "$log" | sort -u >"$list" || true
    grep -q . "$list" ||
      echo "scan-build: $(grep -E 'bugs? found|error' "$log" | tail -1) (see $log)" >"$list"
  fi
  n_tu=$(grep -cE 'Building C object src/' "$log" || true)
  record scan-build "$n_tu" "$list" "$(count_in_src '__clang_analyzer__')"
}

run_gcc_analyzer() {
  local list=$logs/gcc-analyzer.findings
  per_tu - "" -fanalyzer -fdiagnostics-color=never >"$list" 2>"$logs/gcc-analyzer.log" || {
    echo "gcc-analyzer: the runner failed: see $logs/gcc-analyzer.log" >>"$list"
  }
  record gcc-analyzer "$(sed -n 's/^files //p' "$logs/gcc-analyzer.log")" "$list" \
    "$(count_in_src 'diagnostic ignored "-Wanalyzer')"
}

run_conversion() {
  local list=$logs/conversion.findings dirs cc n=0 f
  dirs=$(
    IFS='|'
    echo "${CONVERSION_DIRS[*]}"
  )
  : >"$list"
  for cc in gcc clang; do
    per_tu "$( [[ $cc == gcc ]] && echo - || echo clang)" "$dirs" -Wconversion \
      -Wsign-conversion -Werror -fsyntax-only -fdiagnostics-color=never \
      >>"$list" 2>"$logs/conversion-$cc.log" ||
      echo "conversion ($cc): the runner failed: see $logs/conversion-$cc.log" >>"$list"
    f=$(sed -n 's/^files //p' "$logs/conversion-$cc.log")
    n=${f:-0}
  done
  sort -u -o "$list" "$list"
  record conversion "$n" "$list" "$(count_in_src 'diagnostic ignored "-W(sign-)?conversion')"
}

for t in "${tools[@]}"; do
  printf '\n=== %s ===\n' "$t"
  start=$SECONDS
  case $t in
    clang-tidy) run_clang_tidy ;;
    cppcheck) run_cppcheck ;;
    scan-build) run_scan_build ;;
    gcc-analyzer) run_gcc_analyzer ;;
    conversion) run_conversion ;;
  esac
  r_secs[$t]=$((SECONDS - start))
done

printf '\n%-13s %6s %9s %13s %8s\n' tool files findings suppressions seconds
for t in "${tools[@]}"; do
  printf '%-13s %6s %9s %13s %8s\n' "$t" "${r_files[$t]}" "${r_findings[$t]}" "${r_supp[$t]}" \
    "${r_secs[$t]}"
done
echo "(files: translation units analysed; suppressions: in-place ones in src/; logs: $logs)"
if ((failed)); then
  echo "static-analysis: FAILED: fix each finding or suppress it in place with a reason" >&2
  exit 1
fi
echo "static-analysis: clean"
