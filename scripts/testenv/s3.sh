#!/usr/bin/env bash
# A private S3-compatible server for the tests: s3rver (pinned in tests/integration/package.json,
# run with node from tests/integration/node_modules) on a free 127.0.0.1 port, path-style only,
# objects under the state dir, one bucket made at start. s3rver accepts any well-formed SigV4
# header signed with its built-in key pair S3RVER/S3RVER but never checks the signature itself:
# tests that care about signatures check them on their own capture server.
#
#   s3.sh start   start it (silent unless it fails); again after a stop: same port, same objects
#   s3.sh url     print http://127.0.0.1:PORT
#   s3.sh env     print shell lines exporting DOKKERR_TEST_S3_* and the AWS_* credentials
#   s3.sh stop    stop it by pid (idempotent)
set -euo pipefail

base=${DOKKERR_TESTENV_DIR:-$PWD/.testenv}
state=$base/s3
pidfile=$state/s3rver.pid
urlfile=$state/url
portfile=$state/port
bucket=dokkerr-test
s3rver_js=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tests/integration/node_modules/s3rver/bin/s3rver.js

die() { echo "s3.sh: $*" >&2; exit 1; }

# shellcheck source=scripts/testenv/daemon.sh
source "$(dirname "${BASH_SOURCE[0]}")/daemon.sh"

start() {
  command -v node >/dev/null || die "node is not installed"
  [[ -f $s3rver_js ]] || die "s3rver is not installed; run: (cd tests/integration && npm ci)"
  if running; then return 0; fi
  mkdir -p "$state/data"
  local port=""
  # A restart keeps the port, so clients configured with the URL reconnect.
  if [[ -f $portfile ]]; then
    port=$(cat "$portfile")
    port_free "$port" || port=""
  fi
  if [[ -z $port ]]; then
    for _ in $(seq 1 50); do
      port=$((20000 + RANDOM % 30000))
      port_free "$port" && break
    done
  fi
  echo "$port" >"$portfile"
  # --silent drops s3rver's per-request log; its one "listening" line goes to the log file.
  # --configure-bucket makes the bucket before it listens (and keeps it and its objects on a
  # restart). --no-vhost-buckets: a client that names the server by a host name must not have
  # that name taken for a bucket. --openssl-legacy-provider: s3rver encrypts ListObjectsV2
  # continuation tokens with DES, which OpenSSL 3 keeps only there; without it every truncated
  # listing is a 500.
  node --openssl-legacy-provider "$s3rver_js" --directory "$state/data" --address 127.0.0.1 \
    --port "$port" --silent --no-vhost-buckets --configure-bucket "$bucket" \
    >"$state/s3rver.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 100); do
    # Anonymous requests are allowed, so listing the bucket proves both the server and the bucket.
    if curl -fsS "http://127.0.0.1:$port/$bucket?list-type=2&max-keys=0" >/dev/null 2>&1; then
      echo "http://127.0.0.1:$port" >"$urlfile"
      return 0
    fi
    running || die "s3rver exited at start; see $state/s3rver.log"
    sleep 0.1
  done
  stop
  die "s3rver did not answer within 10 s; see $state/s3rver.log"
}

stop() { stop_daemon "$urlfile"; }

env_lines() {
  [[ -f $urlfile ]] || die "not running"
  cat <<ENV
export DOKKERR_TEST_S3_ENDPOINT=$(cat "$urlfile")
export DOKKERR_TEST_S3_BUCKET=$bucket
export DOKKERR_TEST_S3_REGION=us-east-1
export AWS_ACCESS_KEY_ID=S3RVER
export AWS_SECRET_ACCESS_KEY=S3RVER
export AWS_DEFAULT_REGION=us-east-1
ENV
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  url) [[ -f $urlfile ]] || die "not running"; cat "$urlfile" ;;
  env) env_lines ;;
  *) echo "usage: s3.sh start|stop|url|env" >&2; exit 2 ;;
esac
