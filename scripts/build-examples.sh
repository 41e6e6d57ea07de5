#!/usr/bin/env bash
# Builds the example shop's services and the topology emitters: Go (frontend, checkout, loadgen,
# topology) into examples/go/bin/, Rust (payments, inventory, topology) into examples/rust/target/bin/ (copied from the cargo profile's
# directory). Each half is skipped when a hash of its sources (and of the toolchain version and
# profile) matches the last successful build, so a run without changes costs well under a second.
#
#   scripts/build-examples.sh            # both
#   scripts/build-examples.sh go|rust    # one
#   BRAID_EXAMPLES_FORCE=1 ...           # rebuild even when the hash matches
#   BRAID_EXAMPLES_RUST_PROFILE=release  # optimized Rust (default dev: see the note in build_rust)
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
    && [ -x "$out/frontend" ] && [ -x "$out/checkout" ] && [ -x "$out/loadgen" ] && [ -x "$out/kafka-produce" ] && [ -x "$out/topology" ]; then
    log "go: up to date"; return 0
  fi
  log "go: building frontend, checkout, loadgen, kafka-produce, topology"
  local start=$SECONDS
  mkdir -p "$out"
  (cd "$dir" && go build -trimpath -o "$out/" ./cmd/...)
  echo "$hash" >"$out/.source-hash"
  log "go: built in $((SECONDS - start)) s"
}

build_rust() {
  local dir=$ROOT/examples/rust out=$ROOT/examples/rust/target
  # dev, not release: measured on this 2-core machine (idle), a cold release build takes 128 s
  # (4.0 CPU-min) against 63 s (1.9 CPU-min) for dev, and a change to shoplib ~65 s against ~1 s;
  # the dev binaries use ~4x the CPU at run time, which at the scenarios' 15-40 req/s is a few
  # percent of a core per service.
  local profile=${BRAID_EXAMPLES_RUST_PROFILE:-dev}
  local profile_dir=$profile; [ "$profile" = dev ] && profile_dir=debug
  command -v cargo >/dev/null || { log "cargo is required (Rust 1.85+) to build examples/rust"; exit 1; }
  local hash; hash=$(sources_hash "$dir" "$(rustc --version) $profile" -name '*.rs' -o -name Cargo.toml -o -name Cargo.lock)
  if [ "${BRAID_EXAMPLES_FORCE:-0}" != 1 ] && [ -f "$out/.source-hash" ] && [ "$(cat "$out/.source-hash")" = "$hash" ] \
    && [ -x "$out/bin/payments" ] && [ -x "$out/bin/inventory" ] && [ -x "$out/bin/topology" ]; then
    log "rust: up to date"; return 0
  fi
  log "rust: building payments, inventory, topology ($profile profile)"
  local start=$SECONDS
  (cd "$dir" && cargo build --profile "$profile" --locked --quiet)
  mkdir -p "$out/bin"
  # Copies, not links: a running scenario keeps its binaries while the next build replaces them.
  for bin in payments inventory topology; do
    cp -f "$out/$profile_dir/$bin" "$out/bin/$bin.tmp" && mv -f "$out/bin/$bin.tmp" "$out/bin/$bin"
  done
  echo "$hash" >"$out/.source-hash"
  log "rust: built in $((SECONDS - start)) s"
}

# One build at a time per checkout: test files run in parallel, and each may call this script
# (two cargo builds copying the same binaries raced: "mv: cannot stat …/inventory.tmp").
lock_dir=${BRAID_STATE_DIR:-$ROOT/.braid}
mkdir -p "$lock_dir"
exec 9>"$lock_dir/build-examples.lock"
flock 9

case "$what" in
  all) build_go; build_rust ;;
  go) build_go ;;
  rust) build_rust ;;
  *) echo "usage: $0 [all|go|rust]" >&2; exit 2 ;;
esac
