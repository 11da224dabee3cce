#!/usr/bin/env bash
# corpus-promote.sh: keep what a campaign found. For each target, the inputs of a campaign's
# corpus (<campaign>/<t>/corpus.min, else <t>/corpus) that reach coverage the committed corpora
# (corpora/<t>/, corpora/found/<t>/, corpora/regressions/<t>/) do not reach are copied into
# corpora/found/<t>/, named by the SHA-1 of their content as libFuzzer names them.
#
# "Reach" is libFuzzer's feature set in the libFuzzer build (build/fuzz, preset `fuzz`): a
# -merge=1 whose first directory starts as a copy of the committed corpora keeps exactly the
# campaign inputs that add a feature. corpora/<t>/ of fuzz_apdu and fuzz_session belong to
# their seed recorders (a seeds-fresh ctest refuses other files): found/ is where campaign
# inputs go for every target. ctest replays each file; coverage.sh, campaign.sh and the
# OSS-Fuzz seed zips read found/ too (docs/fuzzing.md "Keeping what a campaign found").
# Exit: 0 done (also when nothing was new), 1 a merge failed, 2 usage.
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build/fuzz
campaign=""
target_list=""
dry_run=0

usage() {
    cat <<'EOF'
usage: scripts/corpus-promote.sh CAMPAIGN_DIR [--targets a,b] [--build-dir DIR] [--dry-run]
  CAMPAIGN_DIR     a campaign directory of scripts/campaign.sh (its <target>/corpus.min)
  --targets a,b    only these targets (default: every target the campaign has a corpus of)
  --build-dir DIR  the libFuzzer build tree (default build/fuzz; built when a target is missing)
  --dry-run        count what would be added, copy nothing
Copies new-coverage inputs into corpora/found/<target>/ and prints a count per target.
EOF
}

die_usage() { echo "corpus-promote: $*" >&2; usage >&2; exit 2; }

while (($#)); do
    case $1 in
        --targets) (($# >= 2)) || die_usage "--targets needs a value"; target_list=$2; shift 2 ;;
        --build-dir) (($# >= 2)) || die_usage "--build-dir needs a value"; build=$2; shift 2 ;;
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

missing=()
for t in "${targets[@]}"; do [[ -x $build/fuzz/$t ]] || missing+=("$t"); done
if ((${#missing[@]})); then
    echo "corpus-promote: building ${missing[*]} in $build"
    if [[ ! -f $build/CMakeCache.txt ]]; then
        cmake --preset fuzz -B "$build" >/dev/null
    fi
    cmake --build "$build" --target "${missing[@]}" >/dev/null
fi

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
    if ! (cd "$work/$t" && "$build/fuzz/$t" -merge=1 -use_counters=0 -rss_limit_mb=2048 -timeout=10 \
        "$base" "$from" >"$work/$t/merge.log" 2>&1); then
        tail -n 20 "$work/$t/merge.log" >&2
        echo "$t: merge failed" >&2
        status=1
        continue
    fi
    mapfile -t added < <(comm -13 <(printf '%s\n' "$before") \
        <(find "$base" -maxdepth 1 -type f | sort))
    n_from=$(find "$from" -maxdepth 1 -type f | wc -l)
    echo "$t: ${#added[@]} of $n_from campaign inputs add coverage"
    if ((!dry_run && ${#added[@]})); then
        mkdir -p "$root/corpora/found/$t"
        cp -- "${added[@]}" "$root/corpora/found/$t/"
    fi
done
exit "$status"
