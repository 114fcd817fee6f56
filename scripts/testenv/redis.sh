#!/usr/bin/env bash
# A private Redis (Debian's redis-server) for the tests: a free 127.0.0.1 port, a password, no
# persistence, state under the test state dir. Tests that stop and restart Redis start their own
# with the same script under another DOKKERR_TESTENV_DIR.
#
#   redis.sh start   start it (silent unless it fails); again after a stop: same port and password
#   redis.sh url     print redis://:PASSWORD@127.0.0.1:PORT
#   redis.sh stop    stop it by pid (idempotent)
set -euo pipefail

base=${DOKKERR_TESTENV_DIR:-$PWD/.testenv}
state=$base/redis
pidfile=$state/redis.pid
urlfile=$state/url

die() { echo "redis.sh: $*" >&2; exit 1; }

# shellcheck source=scripts/testenv/daemon.sh
source "$(dirname "${BASH_SOURCE[0]}")/daemon.sh"

start() {
  command -v redis-server >/dev/null || die "redis-server is not installed"
  if running; then return 0; fi
  mkdir -p "$state"
  local port password
  # A restart keeps the port and password, so clients configured with the URL reconnect.
  if [[ -f $state/redis.conf ]]; then
    port=$(sed -n 's/^port //p' "$state/redis.conf")
    password=$(sed -n 's/^requirepass //p' "$state/redis.conf")
    port_free "$port" || port=""
  fi
  if [[ -z ${port:-} ]]; then
    for _ in $(seq 1 50); do
      port=$((20000 + RANDOM % 30000))
      port_free "$port" && break
    done
    password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  fi
  cat >"$state/redis.conf" <<CONF
bind 127.0.0.1
port $port
requirepass $password
dir $state
save ""
appendonly no
daemonize no
logfile $state/redis.log
CONF
  redis-server "$state/redis.conf" >/dev/null 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 100); do
    if redis-cli -h 127.0.0.1 -p "$port" --no-auth-warning -a "$password" ping 2>/dev/null | grep -q PONG; then
      echo "redis://:$password@127.0.0.1:$port" >"$urlfile"
      return 0
    fi
    running || die "redis-server exited at start; see $state/redis.log"
    sleep 0.1
  done
  stop
  die "redis-server did not answer within 10 s; see $state/redis.log"
}

stop() { stop_daemon "$urlfile"; }

case ${1:-} in
  start) start ;;
  stop) stop ;;
  url) [[ -f $urlfile ]] || die "not running"; cat "$urlfile" ;;
  *) echo "usage: redis.sh start|stop|url" >&2; exit 2 ;;
esac
