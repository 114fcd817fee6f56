#!/usr/bin/env bash
# A private Docker registry (Debian's docker-registry) for the tests: plain HTTP on a free
# 127.0.0.1 port, storage under the state dir. Engines treat 127.0.0.0/8 registries as insecure
# by default, so pushes and pulls work without TLS.
#
#   registry.sh start [auth]   start it (silent unless it fails); writes the address to
#                              .../registry[-auth]/address
#   registry.sh address [auth] print 127.0.0.1:PORT
#   registry.sh env            DOKKERR_TEST_REGISTRY_AUTH{,_USER,_PASSWORD}= lines (auth)
#   registry.sh stop [auth]    stop it by pid (idempotent)
#
# "auth" is a second registry that wants HTTP Basic logins from an htpasswd file (bcrypt, as
# the registry requires; apache2-utils' htpasswd makes it); its user and a fresh random password
# are written beside it.
set -euo pipefail

base=${DOKKERR_TESTENV_DIR:-$PWD/.testenv}
instance=${2:-}
[[ -z $instance || $instance == auth ]] || { echo "registry.sh: unknown instance $instance" >&2; exit 2; }
state=$base/registry${instance:+-$instance}
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
  if [[ $instance == auth ]]; then
    command -v htpasswd >/dev/null || die "htpasswd is not installed (apache2-utils)"
    local password
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    htpasswd -Bbn dokkerr-test "$password" >"$state/htpasswd" 2>/dev/null
    printf 'dokkerr-test\n%s\n' "$password" >"$state/login"
    chmod 600 "$state/login"
    cat >>"$state/config.yml" <<YAML
auth:
  htpasswd:
    realm: dokkerr-test
    path: $state/htpasswd
YAML
  fi
  docker-registry serve "$state/config.yml" >"$state/registry.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 100); do
    # Any answer (401 from the authenticated one) means it listens.
    if curl -sS -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null; then
      echo "127.0.0.1:$port" >"$addressfile"
      return 0
    fi
    running || die "the registry exited at start; see $state/registry.log"
    sleep 0.1
  done
  stop
  die "the registry did not answer within 10 s; see $state/registry.log"
}

stop() { stop_daemon "$addressfile" "$state/login"; }

case ${1:-} in
  start) start ;;
  stop) stop ;;
  address) [[ -f $addressfile ]] || die "not running"; cat "$addressfile" ;;
  env)
    state=$base/registry-auth
    [[ -f $state/address && -f $state/login ]] || die "the auth registry is not running"
    echo "DOKKERR_TEST_REGISTRY_AUTH=$(cat "$state/address")"
    echo "DOKKERR_TEST_REGISTRY_AUTH_USER=$(sed -n 1p "$state/login")"
    echo "DOKKERR_TEST_REGISTRY_AUTH_PASSWORD=$(sed -n 2p "$state/login")"
    ;;
  *) echo "usage: registry.sh start|stop|address [auth] | env" >&2; exit 2 ;;
esac
