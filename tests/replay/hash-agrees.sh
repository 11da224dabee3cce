#!/usr/bin/env bash
# hash-agrees.sh CAMPAIGN_SH RP_HASH DATA_DIR: for every saved sanitizer report DATA_DIR/*.txt
# (with its finding DATA_DIR/*.in), the "<hash>\t<headline>" that scripts/campaign.sh's
# finding_hash computes must equal what mdreplay's classifier computes (rp_hash), so that
# `mdreplay run` and a campaign's findings/unique/index.tsv name the same finding alike.
# The fixtures' paths are under the fake source root /src/cardhammer.
set -euo pipefail

campaign=$1 rp_hash=$2 data=$3
root=/src/cardhammer
# shellcheck source=scripts/campaign.sh disable=SC1090,SC1091
. "$campaign" # defines the functions only
CH_ROOT=$root

checked=0 failed=0
for report_file in "$data"/*.txt; do
    input=${report_file%.txt}.in
    if [[ ! -f $input ]]; then
        echo "FAIL ${report_file##*/}: no ${input##*/}"
        failed=$((failed + 1))
        continue
    fi
    report=$(cat -- "$report_file")
    want=$(finding_hash "$input" "$report")
    got=$("$rp_hash" "$report_file" "$input" "$root/")
    if [[ $want == "$got" ]]; then
        printf 'ok   %-22s %s\n' "${report_file##*/}" "$got"
    else
        printf 'FAIL %s\n  campaign.sh: %s\n  mdreplay:    %s\n' "${report_file##*/}" "$want" "$got"
        failed=$((failed + 1))
    fi
    checked=$((checked + 1))
done
# The fixtures are the test: a data directory that lost them must not pass.
if ((checked < 10)); then
    echo "FAIL: only $checked fixtures in $data (expected at least 10)"
    exit 1
fi
echo "$checked fixtures, $failed disagreements"
((failed == 0))
