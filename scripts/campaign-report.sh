#!/usr/bin/env bash
# campaign-report.sh: the report of a campaign directory made by scripts/campaign.sh, which
# calls it at the end; run it again by hand to rewrite a report. Reads campaign.env,
# notes.txt, <target>/stats.env, <target>/progress.tsv, <target>/findings/unique/index.tsv and
# (campaign.sh --coverage) coverage-summary.tsv; writes
#   report.md     the campaign, per-target results, the plot, findings with the command that
#                 reproduces each, source coverage, notes
#   coverage.png  coverage over time, a panel per target (each its own scale), drawn by
#                 gnuplot from coverage.gp; without gnuplot report.md says so and the rest stands
# Usage: scripts/campaign-report.sh CAMPAIGN_DIR   (GNUPLOT=path chooses the gnuplot binary)
# Exit: 0 when report.md was written (with or without the plot), 1 otherwise, 2 usage.
# shellcheck disable=SC2016 # (backticks in single quotes here are Markdown code spans)
set -euo pipefail

CH_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
GNUPLOT=${GNUPLOT:-gnuplot}

if [[ $# -ne 1 || ! -f $1/campaign.env ]]; then
    echo "usage: scripts/campaign-report.sh CAMPAIGN_DIR (a directory with campaign.env)" >&2
    exit 2
fi
DIR=$(cd -- "$1" && pwd)

# The value of KEY in a key=value file, or "-".
env_get() {
    local v
    v=$(grep -m1 "^$2=" "$1" 2>/dev/null | cut -d= -f2-) || true
    v=${v%"${v##*[! ]}"}
    echo "${v:--}"
}

meta() { env_get "$DIR/campaign.env" "$1"; }
tstat() { env_get "$DIR/$1/stats.env" "$2"; }
md_cell() { local s=${1//|/\\|}; printf '%s' "$s"; }

read -r -a TARGETS <<<"$(meta targets)"
ENGINE=$(meta engine)

# ---------------------------------------------------------------- plot

# True when progress.tsv has a row with a measured coverage (stats_s and cov numbers).
has_series() {
    [[ -f $DIR/$1/progress.tsv ]] &&
        awk -F'\t' '!/^#/ && $2 ~ /^[0-9]+$/ && $5 ~ /^[0-9]+$/ { n++ } END { exit !n }' \
            "$DIR/$1/progress.tsv"
}

terminal() {
    if "$GNUPLOT" -e 'set terminal pngcairo' </dev/null >/dev/null 2>&1; then
        echo "pngcairo noenhanced font 'sans,9'"
    else
        echo "png noenhanced"
    fi
}

# coverage.gp: one panel per target, coverage (left axis) and corpus size (right axis) at the
# time the engine measured them.
write_gnuplot_script() {
    local n=$# cols=1 rows t style corpus_x=2
    # AFL++'s corpus size comes from its live log (elapsed_s), libFuzzer's with its cov (stats_s).
    [[ $ENGINE != afl ]] || corpus_x=1
    ((n < 2)) || cols=2
    rows=$(((n + cols - 1) / cols))
    {
        printf 'set terminal %s size %d,%d\n' "$(terminal)" $((cols * 640)) $((rows * 300 + 40))
        printf 'set output "coverage.png"\n'
        printf 'set datafile separator "\\t"\nset datafile missing "-"\n'
        printf 'set multiplot layout %d,%d title "coverage over time: %s (%s, %s s per target)"\n' \
            "$rows" "$cols" "${DIR##*/}" "$ENGINE" "$(meta time)"
        printf 'set grid\nset key bottom right\nset xlabel "seconds"\nset xrange [0:*]\n'
        printf 'set ytics nomirror\nset y2tics\nset y2label "corpus"\n'
        if [[ $ENGINE == afl ]]; then
            printf 'set ylabel "edges (afl fuzzer_stats)"\n'
        else
            printf 'set ylabel "cov (libFuzzer)"\n'
        fi
        for t in "$@"; do
            style="linespoints lw 2 pt 7 ps 0.6"
            # A point per sample helps only while they can be told apart.
            (($(grep -vc '^#' "$DIR/$t/progress.tsv") <= 80)) || style="lines lw 2"
            printf 'set title "%s: %s"\n' "$t" "$(final_coverage "$t")"
            printf 'plot "%s/progress.tsv" using 2:5 axes x1y1 with %s' "$t" "$style"
            printf ' lc rgb "#1f5fa8" title "coverage", \\\n'
            printf '     "%s/progress.tsv" using %d:7 axes x1y2' "$t" "$corpus_x"
            printf ' with lines dt 2 lw 1.5 lc rgb "#999999" title "corpus"\n'
        done
        printf 'unset multiplot\n'
    } >"$DIR/coverage.gp"
}

# Sets PLOT_NOTE: what became of the plot.
draw_plot() {
    local t
    local -a plotted=() missing=()
    rm -f -- "$DIR/coverage.png"
    for t in "${TARGETS[@]}"; do
        if has_series "$t"; then plotted+=("$t"); else missing+=("$t"); fi
    done
    if ! command -v "$GNUPLOT" >/dev/null 2>&1; then
        PLOT_NOTE="No plot: gnuplot is not installed (Debian: \`apt-get install gnuplot-nox\`,"
        PLOT_NOTE+=" or \`scripts/deps.sh fuzz\`); then \`scripts/campaign-report.sh $DIR\`."
        PLOT_NOTE+=" The data is in \`<target>/progress.tsv\`."
        return 0
    fi
    if ((${#plotted[@]} == 0)); then
        PLOT_NOTE="No plot: no target has a coverage sample in its progress.tsv."
        return 0
    fi
    write_gnuplot_script "${plotted[@]}"
    if (cd "$DIR" && "$GNUPLOT" coverage.gp) >"$DIR/gnuplot.log" 2>&1 && [[ -s $DIR/coverage.png ]]
    then
        PLOT_NOTE="![coverage over time, a panel per target](coverage.png)"
        PLOT_NOTE+=$'\n\n'"Coverage (left axis) and corpus size (right axis, dashed) are drawn"
        PLOT_NOTE+=" at the time the engine measured them (progress.tsv: stats_s, elapsed_s)."
        if [[ $ENGINE == afl ]]; then
            PLOT_NOTE+=" AFL++ 4.04c rewrites fuzzer_stats about once a minute: runs shorter"
            PLOT_NOTE+=" than that have few coverage points."
        fi
        rm -f -- "$DIR/gnuplot.log"
    else
        rm -f -- "$DIR/coverage.png"
        PLOT_NOTE="No plot: gnuplot failed on coverage.gp (see gnuplot.log)."
    fi
    if ((${#missing[@]})); then
        PLOT_NOTE+=$'\n\n'"Not plotted (no coverage sample): ${missing[*]}."
    fi
}

# ---------------------------------------------------------------- tables

final_coverage() {
    local t=$1
    [[ -f $DIR/$t/stats.env ]] || { echo "not run"; return 0; }
    if [[ $(tstat "$t" engine) == afl ]]; then
        echo "$(tstat "$t" cov) edges ($(tstat "$t" bitmap)% map)"
    else
        echo "cov $(tstat "$t" cov), ft $(tstat "$t" ft)"
    fi
}

# "unique / total", then the stack hashes (their reproduce commands are under Findings).
findings_cell() {
    local index="$DIR/$1/findings/unique/index.tsv"
    if [[ ! -s $index ]]; then
        printf '0 / %s' "$(tstat "$1" findings)"
        return 0
    fi
    printf '%s / %s: %s' "$(wc -l <"$index")" "$(tstat "$1" findings)" \
        "$(cut -f1 "$index" | sed 's/.*/`&`/' | paste -sd ' ')"
}

results_table() {
    local t
    printf '| target | engine | seconds | total execs | exec/s | final coverage |'
    printf ' corpus: seeds / before merge / after merge | findings unique / total | status |\n'
    echo "|---|---|---:|---:|---:|---|---|---|---|"
    for t in "${TARGETS[@]}"; do
        if [[ ! -f $DIR/$t/stats.env ]]; then
            echo "| $t | $ENGINE | - | - | - | - | - | - | not run |"
            continue
        fi
        printf '| %s | %s | %s | %s | %s | %s | %s / %s / %s | %s | %s |\n' "$t" \
            "$(tstat "$t" engine)" "$(tstat "$t" seconds)" "$(tstat "$t" execs)" \
            "$(tstat "$t" exec_per_s)" "$(final_coverage "$t")" "$(tstat "$t" seeds)" \
            "$(tstat "$t" corpus_before)" "$(tstat "$t" corpus_after)" "$(findings_cell "$t")" \
            "$(md_cell "$(tstat "$t" status)")"
    done
}

findings_section() {
    local t hash n kept first index replay any=0
    for t in "${TARGETS[@]}"; do
        index="$DIR/$t/findings/unique/index.tsv"
        [[ -s $index ]] || continue
        ((any)) || printf '\n## Findings (one per stack hash)\n'
        any=1
        replay=$(tstat "$t" replay)
        printf '\n### %s\n\n' "$t"
        while IFS=$'\t' read -r hash n kept first; do
            printf -- "- \`%s\`: %s file(s). %s\n" "$hash" "$n" "$first"
            printf -- '  - input `%s/findings/unique/%s` (was `%s`), its report next to it\n' \
                "$t" "$hash" "$kept"
            printf -- "  - reproduce: \`%s %q\`\n" "$replay" "$DIR/$t/findings/unique/$hash"
        done <"$index"
    done
    if ((!any)); then printf '\n## Findings\n\nNone.\n'; fi
}

# The committed figure (fuzz/coverage-summary.tsv) of SCOPE, column COL, or "-".
committed_figure() {
    local f=$CH_ROOT/fuzz/coverage-summary.tsv
    [[ -f $f ]] || { echo -; return 0; }
    awk -F'\t' -v scope="$1" -v col="$2" '
        /^#/ { next } !head { for (i = 1; i <= NF; i++) at[$i] = i; head = 1; next }
        $1 == scope { v = $at[col] } END { print (v == "" ? "-" : v) }' "$f"
}

coverage_section() {
    local f="$DIR/coverage-summary.tsv" scope lp bp fp lc lt bc bt fc ft
    [[ $(meta coverage) == 1 ]] || return 0
    printf '\n## Source coverage of the merged corpora\n\n'
    if [[ ! -s $f ]]; then
        printf 'scripts/coverage.sh failed: see `coverage.txt`.\n'
        return 0
    fi
    printf 'Each target'"'"'s merged corpus replayed in the coverage preset (scripts/coverage.sh;'
    printf ' per-file report in `coverage.txt`). The last column is the committed corpora'"'"'s'
    printf ' figure (fuzz/coverage-summary.tsv, every target) for comparison. Only the files'
    printf ' linked into the targets replayed here count: with a subset of the targets, the'
    printf ' totals cover less code than the committed ones.\n\n'
    echo "| scope | lines | branches | functions | committed corpora: lines / branches |"
    echo "|---|---:|---:|---:|---:|"
    while IFS=$'\t' read -r scope lp bp fp lc lt bc bt fc ft; do
        [[ $scope != scope && $lt != 0 ]] || continue
        printf '| %s | %s%% (%s/%s) | %s%% (%s/%s) | %s%% (%s/%s) | %s%% / %s%% |\n' "$scope" \
            "$lp" "$lc" "$lt" "$bp" "$bc" "$bt" "$fp" "$fc" "$ft" \
            "$(committed_figure "$scope" lines_pct)" "$(committed_figure "$scope" branches_pct)"
    done <"$f"
}

notes_section() {
    local note
    printf '\n## Notes\n\n'
    [[ $(meta stopped) == - ]] || printf -- '- Stopped early by SIG%s.\n' "$(meta stopped)"
    if [[ -s $DIR/notes.txt ]]; then
        while IFS= read -r note; do printf -- '- %s\n' "$note"; done <"$DIR/notes.txt"
    fi
    if [[ $ENGINE == afl ]]; then
        printf -- '- Coverage: edges_found of AFL++'"'"'s fuzzer_stats (the largest over the'
        printf ' instances) and the bitmap share; execs and exec/s are summed over the instances.\n'
    else
        printf -- '- Coverage: libFuzzer'"'"'s `cov` (edges of the inline 8-bit counters) and `ft`'
        printf ' (features) from the fork-mode status lines.\n'
    fi
    printf -- '- Findings are replayed and kept once per stack hash (top 3 frames of our code, or'
    printf ' the invariant'"'"'s file:line). Without libFuzzer, the asan preset reproduces them'
    printf ' too: `build/asan/fuzz/<target> FILE`.\n'
    printf -- '- `summary.md` holds the compact table printed at the end of the run (kept for'
    printf ' scripts that read it); this report supersedes it.\n'
    printf -- '- Per target: `progress.tsv` (sampled every second, a row when a figure'
    printf ' changed: %s),' \
        "$(head -n 1 "$DIR/${TARGETS[0]}/progress.tsv" 2>/dev/null | sed 's/^# //; s/\t/, /g')"
    printf ' `stats.env`, `corpus.min/` (merged corpus), `findings/` (`unique/index.tsv`: hash,'
    printf ' files, kept file, first line), engine logs.\n'
}

# ---------------------------------------------------------------- report.md

commit_cell() {
    local c
    c=$(meta commit)
    if [[ $c == *+ ]]; then echo "${c%+} with uncommitted changes"; else echo "$c"; fi
}

draw_plot
{
    printf '# Fuzz campaign %s\n\n' "${DIR##*/}"
    echo "| | |"
    echo "|---|---|"
    printf "| command | \`%s\` |\n" "$(md_cell "$(meta command)")"
    printf '| commit | %s |\n' "$(commit_cell)"
    printf '| machine | %s CPUs (nproc), %s |\n' "$(meta nproc)" "$(meta machine)"
    printf '| engine | %s, %s s per target, %s parallel processes |\n' "$ENGINE" "$(meta time)" \
        "$(meta jobs)"
    printf '| started, finished (UTC) | %s, %s |\n' "$(meta started)" "$(meta finished)"
    printf "| campaign dir | \`%s\` |\n" "$DIR"
    printf '\n## Results\n\n'
    results_table
    printf '\n## Coverage over time\n\n%s\n' "$PLOT_NOTE"
    findings_section
    coverage_section
    notes_section
} >"$DIR/report.md"
