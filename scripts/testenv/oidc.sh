#!/usr/bin/env bash
# A real OpenID Connect provider for the tests (panva/oidc-provider, scripts/testenv/oidc-provider/):
# plain HTTP on 127.0.0.1, keys, users, sessions and codes in memory, logins without a browser.
#
#   oidc.sh start    start it (silent unless it fails); `npm ci` first when node_modules is missing
#   oidc.sh url      print the issuer, http://127.0.0.1:PORT
#   oidc.sh env      print the DOKKERR_TEST_OIDC_* lines (issuer, clients, redirect URIs)
#   oidc.sh status   exit 0 when the discovery document answers
#   oidc.sh stop     stop it by pid (idempotent)
#
#   eval "$(scripts/testenv/oidc.sh env | sed 's/^/export /')"
#
# Settings read at start (defaults in brackets): DOKKERR_OIDC_PORT [0: a free port],
# OIDC_CLIENT_ID [dokkerr-test], OIDC_CLIENT_SECRET [dokkerr-test-secret], OIDC_CLIENT2_ID
# [dokkerr-test-es256], OIDC_CLIENT2_SECRET [dokkerr-test-es256-secret], OIDC_REDIRECT_URIS
# [http://127.0.0.1/callback], comma-separated; a loopback URI without a port matches any port.
# State lives in ${DOKKERR_TESTENV_DIR:-$PWD/.testenv}/oidc/: provider.pid, provider.log, url, env.
# scripts/testenv/oidc-provider/README.md says how a test drives a login.
set -euo pipefail

readonly START_TIMEOUT_S=${DOKKERR_TESTENV_OIDC_TIMEOUT:-30}
PROVIDER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/oidc-provider" && pwd -P)
readonly PROVIDER_DIR

base=${DOKKERR_TESTENV_DIR:-$PWD/.testenv}
mkdir -p "$base"
base=$(cd "$base" && pwd -P)
readonly STATE=$base/oidc
readonly PIDFILE=$STATE/provider.pid
readonly LOGFILE=$STATE/provider.log
readonly URLFILE=$STATE/url
readonly ENVFILE=$STATE/env

die() { echo "oidc.sh: $*" >&2; exit 1; }

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# Alive, not a zombie, and running our provider script (a recycled pid is someone else's).
provider_pid() {
  local pid
  [[ -f $PIDFILE ]] || return 1
  pid=$(tr -dc '0-9' <"$PIDFILE")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  [[ $(sed -n 's/^.*) \(.\).*/\1/p' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$PROVIDER_DIR/provider.mjs" || return 1
  echo "$pid"
}

discovery_answers() { # ISSUER
  curl -fsS --max-time 3 --noproxy '*' "$1/.well-known/openid-configuration" >/dev/null 2>&1
}

ensure_modules() {
  command -v node >/dev/null || die "node is not installed"
  # npm ci leaves this file; its absence means a missing or half-done install.
  if [[ ! -f $PROVIDER_DIR/node_modules/.package-lock.json ||
    $PROVIDER_DIR/package-lock.json -nt $PROVIDER_DIR/node_modules/.package-lock.json ]]; then
    (cd "$PROVIDER_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2) ||
      die "npm ci failed in $PROVIDER_DIR"
  fi
}

start() {
  if provider_pid >/dev/null && [[ -f $URLFILE ]] && discovery_answers "$(cat "$URLFILE")"; then
    return 0
  fi
  stop
  ensure_modules
  mkdir -p "$STATE"
  local client_id=${OIDC_CLIENT_ID:-dokkerr-test}
  local client_secret=${OIDC_CLIENT_SECRET:-dokkerr-test-secret}
  local client2_id=${OIDC_CLIENT2_ID:-dokkerr-test-es256}
  local client2_secret=${OIDC_CLIENT2_SECRET:-dokkerr-test-es256-secret}
  local redirect_uris=${OIDC_REDIRECT_URIS:-http://127.0.0.1/callback}
  local -a args=(--port "${DOKKERR_OIDC_PORT:-0}" --client-id "$client_id"
    --client-secret "$client_secret" --client2-id "$client2_id" --client2-secret "$client2_secret")
  local uri
  IFS=',' read -ra uris <<<"$redirect_uris"
  for uri in "${uris[@]}"; do args+=(--redirect-uri "$uri"); done

  echo "---- $(date -u +%FT%TZ) provider.mjs ${args[*]}" >"$LOGFILE"
  # setsid: the provider must not share the caller's process group (a test runner's SIGINT).
  setsid node "$PROVIDER_DIR/provider.mjs" "${args[@]}" >>"$LOGFILE" 2>&1 </dev/null &
  local launched=$! deadline=$((SECONDS + START_TIMEOUT_S)) issuer=''
  echo "$launched" >"$PIDFILE"
  while :; do
    if ! provider_pid >/dev/null; then
      tail -n 20 "$LOGFILE" >&2
      rm -f "$PIDFILE"
      die "the provider exited during start (log: $LOGFILE)"
    fi
    [[ -n $issuer ]] || issuer=$(sed -n 's/^OIDC provider listening on //p' "$LOGFILE" | tail -n 1)
    if [[ -n $issuer ]] && discovery_answers "$issuer"; then break; fi
    if ((SECONDS >= deadline)); then
      tail -n 20 "$LOGFILE" >&2
      stop
      die "the provider did not answer within ${START_TIMEOUT_S}s (log: $LOGFILE)"
    fi
    sleep 0.1
  done
  echo "$issuer" >"$URLFILE"
  {
    echo "DOKKERR_TEST_OIDC_ISSUER=$issuer"
    echo "DOKKERR_TEST_OIDC_CLIENT_ID=$client_id"
    echo "DOKKERR_TEST_OIDC_CLIENT_SECRET=$client_secret"
    echo "DOKKERR_TEST_OIDC_CLIENT2_ID=$client2_id"
    echo "DOKKERR_TEST_OIDC_CLIENT2_SECRET=$client2_secret"
    echo "DOKKERR_TEST_OIDC_REDIRECT_URIS=$redirect_uris"
  } >"$ENVFILE"
}

stop() {
  local pid
  if pid=$(provider_pid); then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE" "$URLFILE" "$ENVFILE"
}

running_issuer() {
  if ! provider_pid >/dev/null || [[ ! -f $URLFILE ]]; then die "not running; run: $0 start"; fi
  cat "$URLFILE"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  url) running_issuer ;;
  env)
    running_issuer >/dev/null
    cat "$ENVFILE"
    ;;
  status)
    if provider_pid >/dev/null && [[ -f $URLFILE ]] && discovery_answers "$(cat "$URLFILE")"; then
      echo "up (pid $(provider_pid), $(cat "$URLFILE"))"
    else
      echo down
      exit 1
    fi
    ;;
  *) usage ;;
esac
