#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), then runs the whole test suite as root on the real kernel.
# Ends with the line "N passed, N failed" taken from vitest's JSON report.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

results=$(mktemp /tmp/tortie-vitest-XXXXXX.json)
npx --no-install vitest run --reporter=default --reporter=json --outputFile="$results"
status=$?
node scripts/summarize-vitest.mjs "$results" || status=1
rm -f "$results"
exit $status
