#!/usr/bin/env bash
# corpus-promote.sh: keep what a campaign found. For each target, the inputs of a campaign's
# corpus (<campaign>/<t>/corpus.min, else <t>/corpus) that add coverage of src/ over the
# committed corpora (corpora/<t>/, corpora/found/<t>/, corpora/regressions/<t>/) are copied into
# corpora/found/<t>/, named by the SHA-1 of their content as libFuzzer names them.
#
# Two stages. 1: libFuzzer's feature set in the libFuzzer build (build/fuzz, preset `fuzz`): a
# -merge=1 whose first directory starts as a copy of the committed corpora keeps the campaign
# inputs that add a feature. Features count the harness's own edges too, so this keeps many
# inputs that add nothing to src/. 2 (unless --features-only): source-based coverage in the
# coverage build (build/coverage, preset `coverage`, as scripts/coverage.sh): the committed
# corpora are replayed once and each candidate alone; the items are the covered src/ lines and
# branch outcomes (llvm-cov's lcov export, fuzz/, tests/ and src/host/ left out as coverage.sh
# does), and a greedy set cover keeps the candidate adding the most items not yet covered until
# none adds any. Only those kept are copied.
# corpora/<t>/ of fuzz_apdu and fuzz_session belong to their seed recorders (a seeds-fresh ctest
# refuses other files): found/ is where campaign inputs go for every target. ctest replays each
# file; coverage.sh, campaign.sh and the OSS-Fuzz seed zips read found/ too (docs/fuzzing.md
# "Keeping what a campaign found").
# Exit: 0 done (also when nothing was new), 1 a merge or a coverage step failed, 2 usage.
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build/fuzz
cov_build=$root/build/coverage
campaign=""
target_list=""
dry_run=0
features_only=0

usage() {
    cat <<'EOF_USAGE'
usage: scripts/corpus-promote.sh CAMPAIGN_DIR [--targets a,b] [--build-dir DIR]
                                 [--coverage-dir DIR] [--features-only] [--dry-run]
  CAMPAIGN_DIR        a campaign directory of scripts/campaign.sh (its <target>/corpus.min)
  --targets a,b       only these targets (default: every target the campaign has a corpus of)
  --build-dir DIR     the libFuzzer build tree (default build/fuzz; built when a target is
                      missing)
  --coverage-dir DIR  the coverage build tree (default build/coverage; built when a target is
                      missing)
  --features-only     keep every input that adds a libFuzzer feature (stage 1 only)
  --dry-run           count what would be added, copy nothing
Copies the inputs that add src/ coverage into corpora/found/<target>/ and prints, per target,
the candidates (new features), the inputs kept and the src/ lines and branch outcomes they add.
EOF_USAGE
}

die_usage() { echo "corpus-promote: $*" >&2; usage >&2; exit 2; }

while (($#)); do
    case $1 in
        --targets) (($# >= 2)) || die_usage "--targets needs a value"; target_list=$2; shift 2 ;;
        --build-dir) (($# >= 2)) || die_usage "--build-dir needs a value"; build=$2; shift 2 ;;
        --coverage-dir)
            (($# >= 2)) || die_usage "--coverage-dir needs a value"; cov_build=$2; shift 2 ;;
        --features-only) features_only=1; shift ;;
        --dry-run) dry_run=1; shift ;;
        -h | --help) usage; exit 0 ;;
        -*) die_usage "unknown option $1" ;;
        *) [[ -z $campaign ]] || die_usage "one campaign directory only"; campaign=$1; shift ;;
    esac
done
[[ -n $campaign ]] || die_usage "no campaign directory"
[[ -d $campaign ]] || die_usage "$campaign is not a directory"

mapfile -t known < <(bash "$root/scripts/fuzz-targets.sh")
targets=()
if [[ -n $target_list ]]; then
    IFS=, read -r -a targets <<<"$target_list"
    for t in "${targets[@]}"; do
        [[ " ${known[*]} " == *" $t "* ]] || die_usage "unknown target '$t' (known: ${known[*]})"
    done
else
    for t in "${known[@]}"; do
        [[ ! -d $campaign/$t ]] || targets+=("$t")
    done
fi
((${#targets[@]})) || die_usage "$campaign holds no target directory"
if ((!features_only)); then
    for tool in llvm-profdata llvm-cov; do
        command -v "$tool" >/dev/null ||
            { echo "corpus-promote: $tool not found (scripts/deps.sh build)" >&2; exit 1; }
    done
fi

# The campaign's corpus of target $1: the minimised one when the merge ran.
campaign_corpus() {
    local d
    for d in "$campaign/$1/corpus.min" "$campaign/$1/corpus"; do
        if [[ -d $d ]] && [[ -n $(find "$d" -maxdepth 1 -type f -print -quit) ]]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

# Build the targets missing from build tree $1 (configured with preset $2 when new).
ensure_built() {
    local dir=$1 preset=$2 t
    local -a missing=()
    for t in "${targets[@]}"; do [[ -x $dir/fuzz/$t ]] || missing+=("$t"); done
    ((${#missing[@]})) || return 0
    echo "corpus-promote: building ${missing[*]} in $dir"
    if [[ ! -f $dir/CMakeCache.txt ]]; then
        cmake --preset "$preset" -B "$dir" >/dev/null
    fi
    cmake --build "$dir" --target "${missing[@]}" >/dev/null
}

ensure_built "$build" fuzz
((features_only)) || ensure_built "$cov_build" coverage

# The src/ items profile $2 covers in coverage binary $1, one per line: "L file:line" for a
# line, "B file:line,block,branch" for a branch outcome taken at least once. Exported: the
# per-candidate runs below are separate shells.
covered_items() {
    llvm-cov export -format=lcov "$1" -instr-profile="$2" \
        --ignore-filename-regex='(fuzz|tests|host)/' "$root/src/" |
        awk -v root="$root/" '
            /^SF:/ { f = substr($0, 4); if (index(f, root) == 1) f = substr(f, length(root) + 1) }
            /^DA:/ { split(substr($0, 4), a, ","); if (a[2] + 0 > 0) print "L " f ":" a[1] }
            /^BRDA:/ {
                split(substr($0, 6), a, ",")
                if (a[4] != "-" && a[4] + 0 > 0) print "B " f ":" a[1] "," a[2] "," a[3]
            }'
}

# Replay input $1 alone with coverage binary $exe; its items go to $out/<name>.items, or
# $out/<name>.failed is left when the input does not replay (it would fail ctest: not kept).
# shellcheck disable=SC2317 # run by xargs through bash -c
cover_one() {
    local n=${1##*/}
    if ! LLVM_PROFILE_FILE="$out/$n.profraw" "$exe" "$1" >/dev/null 2>&1; then
        : >"$out/$n.failed"
        return 0
    fi
    llvm-profdata merge -sparse "$out/$n.profraw" -o "$out/$n.profdata" &&
        covered_items "$exe" "$out/$n.profdata" >"$out/$n.items" &&
        rm -f -- "$out/$n.profraw" "$out/$n.profdata"
}
export -f covered_items cover_one
export root

# Stage 2 for target $1: the committed corpora in directory $2 are replayed once, each
# candidate ($3...) alone; prints "keep NAME" per input kept, then "added LINES BRANCHES".
coverage_select() {
    local t=$1 base=$2
    shift 2
    local exe=$cov_build/fuzz/$t out=$work/$t/cov f
    mkdir -p "$out"
    # An input that aborts loses the whole run's profile (written at exit): on a failure the
    # committed corpora are replayed one file at a time, as coverage.sh does.
    if ! LLVM_PROFILE_FILE="$out/base-%p.profraw" "$exe" "$base" >/dev/null 2>&1; then
        echo "corpus-promote: $t: a committed input fails; replaying one at a time" >&2
        rm -f -- "$out"/base-*.profraw
        for f in "$base"/*; do
            LLVM_PROFILE_FILE="$out/base-%p.profraw" "$exe" "$f" >/dev/null 2>&1 ||
                echo "corpus-promote: $t: committed input ${f##*/} fails (not counted)" >&2
        done
    fi
    # errexit is off in a function called from a condition: each step is checked.
    llvm-profdata merge -sparse "$out"/base-*.profraw -o "$out/base.profdata" || return 1
    covered_items "$exe" "$out/base.profdata" >"$work/$t/base.items" || return 1
    rm -f -- "$out"/base-*.profraw "$out/base.profdata"

    # shellcheck disable=SC2016 # $1 of the inner shell
    printf '%s\0' "$@" | exe=$exe out=$out xargs -0 -n 1 -P 2 bash -c 'cover_one "$1"' _ ||
        return 1
    for f in "$out"/*.failed; do
        [[ -e $f ]] || continue
        f=${f##*/}
        echo "corpus-promote: $t: ${f%.failed} does not replay in the coverage build (not kept)" >&2
    done
    find "$@" -maxdepth 0 -printf '%f %s\n' >"$work/$t/sizes"
    find "$out" -maxdepth 1 -name '*.items' | sort >"$work/$t/items.list"

    # Greedy set cover: take the candidate adding the most uncovered items (ties: the smaller
    # input, then the name), mark its items covered, repeat until no candidate adds any.
    # shellcheck disable=SC2016 # an awk program, not shell
    awk -v list="$work/$t/items.list" '
        FILENAME == ARGV[1] { size[$1] = $2 + 0; next }
        { have[$0] = 1 }
        END {
            while ((getline path < list) > 0) {
                n = path; sub(/.*\//, "", n); sub(/\.items$/, "", n)
                order[++ncand] = n; nitems[n] = 0
                while ((getline it < path) > 0) if (!(it in have)) item[n, ++nitems[n]] = it
                close(path)
            }
            lines = 0; branches = 0
            for (;;) {
                best = ""; bestgain = 0
                for (c = 1; c <= ncand; c++) {
                    n = order[c]
                    if (n in taken) continue
                    gain = 0
                    for (i = 1; i <= nitems[n]; i++) if (!(item[n, i] in have)) gain++
                    if (gain > bestgain ||
                        (gain == bestgain && gain > 0 && size[n] < size[best])) {
                        best = n; bestgain = gain
                    }
                }
                if (best == "") break
                taken[best] = 1
                print "keep " best
                for (i = 1; i <= nitems[best]; i++) {
                    it = item[best, i]
                    if (it in have) continue
                    have[it] = 1
                    if (substr(it, 1, 1) == "L") lines++; else branches++
                }
            }
            print "added " lines " " branches
        }' "$work/$t/sizes" "$work/$t/base.items"
}

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
status=0
for t in "${targets[@]}"; do
    if ! from=$(campaign_corpus "$t"); then
        echo "$t: no corpus in $campaign/$t"
        continue
    fi
    base=$work/$t/base
    mkdir -p "$base"
    for d in "$root/corpora/$t" "$root/corpora/found/$t" "$root/corpora/regressions/$t"; do
        [[ ! -d $d ]] || find "$d" -maxdepth 1 -type f ! -name '.*' -exec cp -t "$base" -- {} +
    done
    before=$(find "$base" -maxdepth 1 -type f | sort)
    # Committed inputs are loaded first; a campaign input is copied in only for a new feature.
    if ! (cd "$work/$t" && "$build/fuzz/$t" -merge=1 -use_counters=0 -rss_limit_mb=2048 \
        -timeout=10 "$base" "$from" >"$work/$t/merge.log" 2>&1); then
        tail -n 20 "$work/$t/merge.log" >&2
        echo "$t: merge failed" >&2
        status=1
        continue
    fi
    mapfile -t added < <(comm -13 <(printf '%s\n' "$before") \
        <(find "$base" -maxdepth 1 -type f | sort))
    n_from=$(find "$from" -maxdepth 1 -type f | wc -l)
    keep=("${added[@]}")
    if ((features_only)); then
        echo "$t: ${#added[@]} of $n_from campaign inputs add features"
    elif ((${#added[@]})); then
        # The candidates leave the base copy: it is the committed corpora again for stage 2.
        mkdir -p "$work/$t/candidates"
        mv -t "$work/$t/candidates" -- "${added[@]}"
        if ! result=$(coverage_select "$t" "$base" "$work/$t/candidates"/*); then
            echo "$t: coverage stage failed" >&2
            status=1
            continue
        fi
        keep=()
        while read -r word name; do
            [[ $word != keep ]] || keep+=("$work/$t/candidates/$name")
        done <<<"$result"
        read -r _ n_lines n_branches < <(grep '^added ' <<<"$result")
        echo "$t: ${#added[@]} of $n_from campaign inputs add features;" \
            "${#keep[@]} kept add $n_lines lines, $n_branches branch outcomes of src/"
    else
        echo "$t: 0 of $n_from campaign inputs add features"
    fi
    if ((!dry_run && ${#keep[@]})); then
        mkdir -p "$root/corpora/found/$t"
        cp -- "${keep[@]}" "$root/corpora/found/$t/"
    fi
done
exit "$status"
