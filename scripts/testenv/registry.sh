#!/usr/bin/env bash
# A private Docker registry (Debian's docker-registry) for the tests: plain HTTP on a free
# 127.0.0.1 port, storage under the state dir. Engines treat 127.0.0.0/8 registries as insecure
# by default, so pushes and pulls work without TLS.
#
#   registry.sh start   start it (silent unless it fails); writes the address to .../registry/address
#   registry.sh address print 127.0.0.1:PORT
#   registry.sh stop    stop it by pid (idempotent)
set -euo pipefail

base=${DOKKERR_TESTENV_DIR:-$PWD/.testenv}
state=$base/registry
pidfile=$state/registry.pid
addressfile=$state/address

die() { echo "registry.sh: $*" >&2; exit 1; }

# shellcheck source=scripts/testenv/daemon.sh
source "$(dirname "${BASH_SOURCE[0]}")/daemon.sh"

start() {
  command -v docker-registry >/dev/null || die "docker-registry is not installed"
  if running; then return 0; fi
  mkdir -p "$state/data"
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 30000))
    port_free "$port" && break
  done
  cat >"$state/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $state/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
  docker-registry serve "$state/config.yml" >"$state/registry.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1; then
      echo "127.0.0.1:$port" >"$addressfile"
      return 0
    fi
    running || die "the registry exited at start; see $state/registry.log"
    sleep 0.1
  done
  stop
  die "the registry did not answer within 10 s; see $state/registry.log"
}

stop() { stop_daemon "$addressfile"; }

case ${1:-} in
  start) start ;;
  stop) stop ;;
  address) [[ -f $addressfile ]] || die "not running"; cat "$addressfile" ;;
  *) echo "usage: registry.sh start|stop|address" >&2; exit 2 ;;
esac
