#!/usr/bin/env bash
# Installs everything Braid needs on a fresh machine and is a no-op when all is in place:
# npm packages, the official OTLP .proto files, the Kafka jars, redis-server, the web page, the
# Go/Rust emitters, the OpenTelemetry Collector, and (for the test suite only) the test tools.
#
#   scripts/setup.sh            # all of it but the test tools
#   BRAID_SKIP_EXAMPLES=1 ...   # everything but the Go/Rust emitter builds
#   BRAID_SKIP_COLLECTOR=1 ...  # everything but the OpenTelemetry Collector build (the interop
#                               # test and bench:ingest's Collector peer need it; npm test builds it)
#   BRAID_WITH_TEST_TOOLS=1 ... # also what only the suite uses: Debian's chromium (browser tests),
#                               # tmux (the CLI's terminal test), schemathesis (API fuzzing);
#                               # scripts/test.sh sets it
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
STATE=${BRAID_STATE_DIR:-$ROOT/.braid}
log() { printf '[setup] %s\n' "$*" >&2; }

# npm packages: reinstall only when the lockfile changed since the last install.
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
if [ ! -f "node_modules/.braid-lock-$lock_hash" ]; then
  log "installing npm packages"
  # npm ci rejects this lockfile for optional per-platform packages (chdb, esbuild) of other
  # platforms, a known npm 11 quirk; npm install honours the lockfile all the same.
  npm install --no-audit --no-fund --loglevel=error
  touch "node_modules/.braid-lock-$lock_hash"
fi

# Official OTLP protos, from the io.opentelemetry.proto:opentelemetry-proto jar on Maven Central.
proto_pom=deploy/otlp-proto/pom.xml
proto_key=$(sha256sum "$proto_pom" | cut -c1-16)
if [ ! -f "$STATE/otlp-proto/.complete-$proto_key" ]; then
  log "fetching the OTLP .proto files from Maven Central ($proto_pom)"
  tmp=$(mktemp -d)
  mvn -q -B -f "$proto_pom" dependency:copy-dependencies -DexcludeTransitive=true -DoutputDirectory="$tmp"
  rm -rf "$STATE/otlp-proto"; mkdir -p "$STATE/otlp-proto"
  (cd "$STATE/otlp-proto" && unzip -q -o "$tmp"/opentelemetry-proto-*.jar 'opentelemetry/*')
  rm -rf "$tmp"
  touch "$STATE/otlp-proto/.complete-$proto_key"
fi

bash scripts/services.sh install

# schemathesis (PyPI) for the API fuzzing test, in a virtualenv of its own.
schemathesis_version=4.32.5
if [ "${BRAID_WITH_TEST_TOOLS:-0}" = "1" ] && [ ! -f "$STATE/schemathesis/.complete-$schemathesis_version" ]; then
  log "installing schemathesis $schemathesis_version from PyPI into $STATE/schemathesis"
  rm -rf "$STATE/schemathesis"
  python3 -m venv "$STATE/schemathesis"
  "$STATE/schemathesis/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
  touch "$STATE/schemathesis/.complete-$schemathesis_version"
fi

# The on-call web page, served by the API role (rebuilt only when web/ or the lockfile changed).
bash scripts/build-web.sh

# Chromium for the browser tests: Debian's package (test tools may not download a browser here).
if [ "${BRAID_WITH_TEST_TOOLS:-0}" = "1" ] && ! command -v chromium >/dev/null; then
  log "installing chromium from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
fi

# tmux, for the test that runs `braid replay` in a real terminal and reads its progress bar.
if [ "${BRAID_WITH_TEST_TOOLS:-0}" = "1" ] && ! command -v tmux >/dev/null; then
  log "installing tmux from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq tmux >/dev/null
fi

if [ "${BRAID_SKIP_EXAMPLES:-0}" != "1" ] && [ -x scripts/build-examples.sh ]; then
  bash scripts/build-examples.sh
fi
# The real OpenTelemetry Collector and telemetrygen (deploy/otelcol/), for the interop test and the
# ingest benchmark; cached by the hash of the manifest.
if [ "${BRAID_SKIP_COLLECTOR:-0}" != "1" ]; then
  bash scripts/build-collector.sh
fi
log "setup complete"
