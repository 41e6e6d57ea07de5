#!/usr/bin/env bash
# Builds the example shop's services: Go (frontend, checkout, loadgen) into examples/go/bin/,
# Rust (payments, inventory) into examples/rust/target/release/. Each half is skipped when a
# hash of its sources (and of the toolchain version) matches the last successful build, so a
# run without changes costs well under a second.
#
#   scripts/build-examples.sh            # both
#   scripts/build-examples.sh go|rust    # one
#   BRAID_EXAMPLES_FORCE=1 ...           # rebuild even when the hash matches
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
log() { printf '[build-examples] %s\n' "$*" >&2; }
what=${1:-all}

# sources_hash <dir> <toolchain version> <find patterns...>: one hash over paths and contents.
sources_hash() {
  local dir=$1 toolchain=$2; shift 2
  { echo "$toolchain"; (cd "$dir" && find . -path ./target -prune -o -path ./bin -prune -o -type f \( "$@" \) -print | LC_ALL=C sort | xargs sha256sum); } | sha256sum | cut -c1-32
}

build_go() {
  local dir=$ROOT/examples/go out=$ROOT/examples/go/bin
  command -v go >/dev/null || { log "go is required (1.22+) to build examples/go"; exit 1; }
  local hash; hash=$(sources_hash "$dir" "$(go version)" -name '*.go' ! -name '*_test.go' -o -name go.mod -o -name go.sum)
  if [ "${BRAID_EXAMPLES_FORCE:-0}" != 1 ] && [ -f "$out/.source-hash" ] && [ "$(cat "$out/.source-hash")" = "$hash" ] \
    && [ -x "$out/frontend" ] && [ -x "$out/checkout" ] && [ -x "$out/loadgen" ]; then
    log "go: up to date"; return 0
  fi
  log "go: building frontend, checkout, loadgen"
  local start=$SECONDS
  mkdir -p "$out"
  (cd "$dir" && go build -trimpath -o "$out/" ./cmd/...)
  echo "$hash" >"$out/.source-hash"
  log "go: built in $((SECONDS - start)) s"
}

build_rust() {
  local dir=$ROOT/examples/rust out=$ROOT/examples/rust/target
  command -v cargo >/dev/null || { log "cargo is required (Rust 1.85+) to build examples/rust"; exit 1; }
  local hash; hash=$(sources_hash "$dir" "$(rustc --version)" -name '*.rs' -o -name Cargo.toml -o -name Cargo.lock)
  if [ "${BRAID_EXAMPLES_FORCE:-0}" != 1 ] && [ -f "$out/.source-hash" ] && [ "$(cat "$out/.source-hash")" = "$hash" ] \
    && [ -x "$out/release/payments" ] && [ -x "$out/release/inventory" ]; then
    log "rust: up to date"; return 0
  fi
  log "rust: building payments, inventory (release)"
  local start=$SECONDS
  # Release: on 2 cores it builds about as fast as debug here and the services use less CPU under load.
  (cd "$dir" && cargo build --release --locked --quiet)
  echo "$hash" >"$out/.source-hash"
  log "rust: built in $((SECONDS - start)) s"
}

case "$what" in
  all) build_go; build_rust ;;
  go) build_go ;;
  rust) build_rust ;;
  *) echo "usage: $0 [all|go|rust]" >&2; exit 2 ;;
esac
