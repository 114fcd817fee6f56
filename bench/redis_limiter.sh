#!/usr/bin/env bash
# The shared rate limiter's cost: one RedisBuckets::take (EVALSHA of the bucket script through
# Dokkerr's pipelined RedisClient) against redis-benchmark sending the same EVALSHA to the same
# Redis, one at a time (latency) and with CONCURRENCY in flight (throughput).
#
#   bench/redis_limiter.sh                 (BUILD_DIR: a release build, default build/release)
#
# Starts its own Redis with scripts/testenv/redis.sh under a temporary state dir and stops it at
# the end. Knobs: REDIS_ITERATIONS (100000), REDIS_CONCURRENCY (16).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/release}
ITERATIONS=${REDIS_ITERATIONS:-100000}
CONCURRENCY=${REDIS_CONCURRENCY:-16}
CXX=${CXX:-g++}
BIN=$BUILD_DIR/redis_limiter

die() { echo "redis_limiter.sh: $*" >&2; exit 1; }
command -v redis-benchmark >/dev/null || die "redis-benchmark is required (scripts/install-deps.sh bench)"

STATE=$(mktemp -d)
cleanup() {
  DOKKERR_TESTENV_DIR=$STATE "$ROOT/scripts/testenv/redis.sh" stop || true
  rm -rf "$STATE"
}
trap cleanup EXIT

if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
  (cd "$ROOT" && cmake --preset release -B "$BUILD_DIR" >/dev/null)
fi
cmake --build "$BUILD_DIR" --target dokkerr_cache dokkerr_core dokkerr_boost_impl >/dev/null
"$CXX" -std=c++20 -O2 -DNDEBUG -DBOOST_JSON_NO_LIB -DBOOST_ASIO_SEPARATE_COMPILATION -I"$ROOT/src" \
  "$ROOT/bench/redis_limiter.cpp" "$BUILD_DIR/src/libdokkerr_cache.a" "$BUILD_DIR/src/libdokkerr_core.a" "$BUILD_DIR/src/libdokkerr_boost_impl.a" \
  -lhiredis -lboost_json -lboost_url -lspdlog -lfmt -lssl -lcrypto -pthread -o "$BIN"

DOKKERR_TESTENV_DIR=$STATE "$ROOT/scripts/testenv/redis.sh" start
URL=$(DOKKERR_TESTENV_DIR=$STATE "$ROOT/scripts/testenv/redis.sh" url)
PASSWORD=$(sed -E 's|redis://:([^@]*)@.*|\1|' <<<"$URL")
PORT=$(sed -E 's|.*:([0-9]+)$|\1|' <<<"$URL")
cli() { redis-cli -h 127.0.0.1 -p "$PORT" --no-auth-warning -a "$PASSWORD" "$@"; }

declare -A OURS
while read -r name value; do OURS[$name]=$value; done < <("$BIN" "$URL" "$ITERATIONS" "$CONCURRENCY")

# The same script, the same arguments, by hash (as take() sends it).
SHA=$(cli SCRIPT LOAD "$("$BIN" --print-script)")
baseline() { # CONNECTIONS -> requests per second
  redis-benchmark -h 127.0.0.1 -p "$PORT" -a "$PASSWORD" -n "$ITERATIONS" -c "$1" -q \
    EVALSHA "$SHA" 1 bench:baseline 1000000000000 1000000 2>/dev/null |
    tr '\r' '\n' | awk '/requests per second/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) { v = $i } } END { print v }'
}
ONE=$(baseline 1)
MANY=$(baseline "$CONCURRENCY")
[[ -n $ONE && -n $MANY ]] || die "could not parse redis-benchmark's output"
ONE_NS=$(awk -v r="$ONE" 'BEGIN { printf "%.0f", 1e9 / r }')

cat <<TABLE
$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(redis-server --version | cut -d' ' -f3), $ITERATIONS takes

| measurement | one at a time: ns per decision | $CONCURRENCY in flight: decisions/s |
|---|---:|---:|
| Dokkerr RedisBuckets::take (EVALSHA via RedisClient) | ${OURS[sequential]} | ${OURS[concurrent]} |
| redis-benchmark EVALSHA, same script and arguments | $ONE_NS | $MANY |

Latency ratio (Dokkerr / redis-benchmark, one at a time): $(awk -v a="${OURS[sequential]}" -v b="$ONE_NS" 'BEGIN { printf "%.2f", a / b }'); throughput ratio ($CONCURRENCY in flight): $(awk -v a="${OURS[concurrent]}" -v b="$MANY" 'BEGIN { printf "%.2f", a / b }').
TABLE
