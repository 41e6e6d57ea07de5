#!/usr/bin/env bash
# The main job on a fresh machine: installs what is missing, starts Kafka and Redis, runs Braid
# (embedded chDB) and the demo, and prints what Braid found and the API address.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh
bash scripts/services.sh start
exec npx tsx scripts/demo.ts "$@"
