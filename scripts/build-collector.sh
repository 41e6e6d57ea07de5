#!/usr/bin/env bash
# Builds the real OpenTelemetry Collector that Braid is tested against, with the official builder
# (ocb) from the Go module proxy, from the manifest deploy/otelcol/builder-config.yaml, and
# installs telemetrygen beside it:
#
#   .braid/otelcol/bin/otelcol-braid   the Collector (otlp and kafka receivers, batch, kafka/nop/debug exporters)
#   .braid/otelcol/bin/telemetrygen    OTLP load generator
#
# Skipped when a hash of the manifest, of deploy/otelcol/tools.env (tool versions) and of the Go
# version matches the last successful build, so a run without changes costs well under a second.
#
#   scripts/build-collector.sh
#   BRAID_COLLECTOR_FORCE=1 ...   # rebuild even when the hash matches
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${BRAID_STATE_DIR:-$ROOT/.braid}
OUT=$STATE/otelcol
MANIFEST=$ROOT/deploy/otelcol/builder-config.yaml
TOOLS=$ROOT/deploy/otelcol/tools.env
log() { printf '[build-collector] %s\n' "$*" >&2; }

command -v go >/dev/null || { log "go is required (1.24+) to build the OpenTelemetry Collector"; exit 1; }
# shellcheck source=../deploy/otelcol/tools.env
source "$TOOLS"
: "${OCB_VERSION:?missing in $TOOLS}" "${TELEMETRYGEN_VERSION:?missing in $TOOLS}"

hash=$({ go version; cat "$MANIFEST" "$TOOLS"; } | sha256sum | cut -c1-32)
if [ "${BRAID_COLLECTOR_FORCE:-0}" != 1 ] && [ -f "$OUT/.build-hash" ] && [ "$(cat "$OUT/.build-hash")" = "$hash" ] \
  && [ -x "$OUT/bin/otelcol-braid" ] && [ -x "$OUT/bin/telemetrygen" ]; then
  log "up to date ($OUT/bin)"
  exit 0
fi

start=$SECONDS
mkdir -p "$OUT/bin" "$OUT/tools" "$OUT/build"
rm -f "$OUT/.build-hash"
# Low priority: the build takes a few CPU-minutes and the machine is shared with running tests.
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
log "installing the builder go.opentelemetry.io/collector/cmd/builder@$OCB_VERSION"
GOBIN=$OUT/tools nice -n 10 go install "go.opentelemetry.io/collector/cmd/builder@$OCB_VERSION"
log "builder installed in $((SECONDS - start)) s; building the Collector from ${MANIFEST#"$ROOT"/}"
step=$SECONDS
# The manifest's output_path is relative: the builder runs in .braid/otelcol/build/.
(cd "$OUT/build" && nice -n 10 "$OUT/tools/builder" --config "$MANIFEST") 2>"$OUT/build.log" || {
  tail -40 "$OUT/build.log" >&2
  log "the Collector build failed (full log: $OUT/build.log)"
  exit 1
}
# Copy, then rename: a Collector still running from a previous build keeps its binary.
cp -f "$OUT/build/dist/otelcol-braid" "$OUT/bin/otelcol-braid.tmp" && mv -f "$OUT/bin/otelcol-braid.tmp" "$OUT/bin/otelcol-braid"
log "Collector built in $((SECONDS - step)) s; installing github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@$TELEMETRYGEN_VERSION"
GOBIN=$OUT/bin nice -n 10 go install "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@$TELEMETRYGEN_VERSION"
"$OUT/bin/otelcol-braid" --version >&2
echo "$hash" >"$OUT/.build-hash"
log "built in $((SECONDS - start)) s"
