#!/usr/bin/env bash
# Runs one fuzz target for a bounded time on its seed corpus, as the test suite does:
#   fuzz/run.sh BUILD/bin/NAME_fuzz fuzz/corpus/NAME SECONDS
# New inputs go to a scratch folder (the committed corpus stays as it is). A crash leaves its
# input under $DOKKERR_TESTENV_DIR/fuzz-artifacts (default .testenv/) and fails the run.
set -euo pipefail
binary=$1 corpus=$2 seconds=${3:-20}
root=$(cd "$(dirname "$0")/.." && pwd -P)
artifacts=${DOKKERR_TESTENV_DIR:-$root/.testenv}/fuzz-artifacts/$(basename "$binary")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "$scratch" "$corpus"
