#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what is missing, starts the real Kafka and
# Redis, runs every vitest project, and ends with one line "N passed, N failed[, N skipped]".
# Extra arguments go to vitest (e.g. scripts/test.sh --project unit).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
started=$(date +%s)
# The suite's interop test runs the real OpenTelemetry Collector: always build it here; the
# browser tests need Debian's Chromium.
BRAID_SKIP_COLLECTOR=0 BRAID_WITH_TEST_TOOLS=1 bash scripts/setup.sh || { echo "set-up failed"; exit 1; }
bash scripts/services.sh start || { echo "starting Kafka/Redis failed"; exit 1; }
echo "[test] set-up and services took $(( $(date +%s) - started ))s"

report=.braid/test-report.json
rm -f "$report"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
echo "[test] suite took $(( $(date +%s) - started ))s in all"
if [ -f "$report" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  ' "$report"
else
  echo "0 passed, 1 failed"
fi
exit $status
