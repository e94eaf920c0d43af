#!/usr/bin/env bash
# Runs the busted specs and ends with one plain line, "specs: N passed,
# M failed", that CI reads; exits non-zero when any spec fails or errs.
#
#   tools/run-specs.sh [busted arguments...]
set -uo pipefail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
busted --lua=lua5.4 "$@" | tee "$log"
status=${PIPESTATUS[0]}
summary=$(grep -aE '^[0-9]+ successes? / [0-9]+ failures? / [0-9]+ errors?' "$log" | tail -n 1)
if [[ -z $summary ]]; then
    echo "specs: busted printed no summary (status $status)"
    exit 1
fi
read -r passed _ _ failed _ _ errors _ <<<"$summary"
echo "specs: $passed passed, $((failed + errors)) failed"
exit "$status"
