#!/usr/bin/env bash
# Builds the on-call page (web/) into web/dist, which the API serves under /ui/. A no-op when
# neither web/'s sources nor the lockfile changed since the last build (the build's key is their
# hash, kept in web/dist/.build-<key>). Needs the npm packages (scripts/setup.sh installs them).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
log() { printf '[build-web] %s\n' "$*" >&2; }

key=$( { find web -path web/dist -prune -o -type f -print | LC_ALL=C sort | xargs sha256sum; sha256sum package-lock.json; } | sha256sum | cut -c1-16)
if [ -f "web/dist/.build-$key" ] && [ -f web/dist/index.html ]; then exit 0; fi
log "building the web page (web/ → web/dist)"
started=$(date +%s)
npx tsc --noEmit -p web/tsconfig.json
npx vite build --config web/vite.config.ts --logLevel warn
touch "web/dist/.build-$key"
log "built in $(( $(date +%s) - started ))s"
