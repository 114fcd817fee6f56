#!/usr/bin/env bash
# Sets up and runs `dokkerr server` with the embedded defaults on a fresh Debian 12 machine:
# installs what is missing, builds the release program into build/bin/dokkerr and the web UI
# into web/dist, and starts the server with the UI at /.
# Extra arguments go to `dokkerr server` (e.g. --listen 127.0.0.1:9000).
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache keyed on paths relative to the checkout, so another clone reuses the same cache.
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true

scripts/install-deps.sh build web
cmake --preset release >/dev/null
cmake --build --preset release
(cd web && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npm run build --silent >/dev/null)
exec build/bin/dokkerr server --web-dir "$PWD/web/dist" "$@"
