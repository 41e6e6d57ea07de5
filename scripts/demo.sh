#!/usr/bin/env bash
# The main job on a fresh machine: installs what is missing, starts Kafka and Redis, runs Braid
# (embedded chDB) and the demo, and prints what Braid found and the API address.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# The demo does not use the OpenTelemetry Collector build (a few CPU-minutes cold): skip it unless asked.
BRAID_SKIP_COLLECTOR=${BRAID_SKIP_COLLECTOR:-1} bash scripts/setup.sh
bash scripts/services.sh start
exec npx tsx scripts/demo.ts "$@"
