#!/usr/bin/env bash
# A private Docker engine for the tests and benchmarks (never the host's default socket).
#
#   dockerd.sh start     [NAME]   engine on a unix socket in the state dir
#   dockerd.sh start-tls [NAME]   same, plus tcp://127.0.0.1:PORT with --tlsverify (certs generated here)
#   dockerd.sh start-tcp [NAME]   same, plus plain tcp://127.0.0.1:PORT (loopback only; benchmarks)
#   dockerd.sh start-netns [NAME] engine in a network namespace of its own with iptables on, so
#                                 that its bridge networks are isolated from each other as on a
#                                 production host, while no rule touches the host's firewall
#   dockerd.sh stop      [NAME]   stop the engine and the containerd it spawned (idempotent)
#   dockerd.sh restart   [NAME]   stop, then start again with the same state and flavour
#   dockerd.sh env       [NAME]   print the KEY=VALUE lines of the env file
#   dockerd.sh status    [NAME]   exit 0 when the engine answers /_ping
#
# DOKKERR_TESTENV_REGISTRY_MIRROR=http://HOST:PORT makes `start` use that registry as the Docker
# Hub mirror (the tests of the README's example pull busybox through it).
#
# NAME defaults to "test". State lives in ${DOKKERR_TESTENV_DIR:-$PWD/.testenv}/dockerd-NAME/:
#   docker.sock  engine socket            data/     data root
#   exec ->      exec root (a symlink to a short path under /run: unix socket paths are limited
#                to 107 bytes and the engine puts <exec-root>/libnetwork/<64 hex>.sock there)
#   docker.pid   engine pid               containerd.pid  pid of the containerd it spawned
#   dockerd.log  engine log               env       DOCKER_HOST=... (+ TLS/TCP settings)
#   flavour      plain|tls|tcp|netns      port      TCP port (tls/tcp flavours)
#   netns        the namespace's name (netns flavour)
#   certs/       ca.pem, server-cert.pem, server-key.pem, cert.pem, key.pem (tls flavour)
#
# Every engine gets its own containerd namespace and address pool (docs: ARCHITECTURE.md §7).
# start also builds the test image dokkerr-test/busybox:latest offline when it is missing:
# /bin/busybox plus applet symlinks, imported as a root filesystem.
set -euo pipefail

readonly PING_TIMEOUT_S=${DOKKERR_TESTENV_PING_TIMEOUT:-60}
readonly STOP_TIMEOUT_S=${DOKKERR_TESTENV_STOP_TIMEOUT:-30}
readonly TEST_IMAGE_REPO=dokkerr-test/busybox
readonly TEST_IMAGE_TAG=latest
readonly APPLETS=(sh ls cat echo sleep top ps env true false id hostname wc head yes nc timeout)

die() { echo "dockerd.sh: $*" >&2; exit 1; }
log() { echo "dockerd.sh: $*" >&2; }

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[[ $# -ge 1 ]] || usage
readonly CMD=$1
readonly NAME=${2:-test}
[[ $NAME =~ ^[A-Za-z0-9_-]{1,32}$ ]] || die "NAME must be 1-32 characters of [A-Za-z0-9_-]: '$NAME'"

base=${DOKKERR_TESTENV_DIR:-$PWD/.testenv}
mkdir -p "$base"
base=$(cd "$base" && pwd -P)
[[ $base != *[[:space:]]* ]] || die "the state directory must not contain whitespace: '$base'"
readonly STATE=$base/dockerd-$NAME
readonly SOCK=$STATE/docker.sock
readonly PIDFILE=$STATE/docker.pid
readonly CTRD_PIDFILE=$STATE/containerd.pid
readonly LOGFILE=$STATE/dockerd.log
readonly ENVFILE=$STATE/env
readonly CERTS=$STATE/certs
# Short exec root derived from the state dir, so two checkouts never share one.
EXEC_ROOT=/run/dkt-$(printf '%s' "$STATE" | sha256sum | cut -c1-10)
readonly EXEC_ROOT
# The network namespace of a netns-flavoured engine (same derivation).
NETNS=dkt-$(printf '%s' "$STATE" | sha256sum | cut -c1-10)
readonly NETNS

# Pool per flavour: the plain test engine and the TLS engine never share one (§7).
pool_for() {
  case $1 in
    tls) echo "base=198.18.192.0/18,size=24" ;;
    netns) echo "base=198.19.64.0/18,size=24" ;;
    # /26 networks: teams each get a network of their own, and a test run makes many teams.
    *) echo "base=198.18.128.0/18,size=26" ;;
  esac
}

# Alive and not a zombie (an orphan is reparented to a PID 1 that may be slow to reap it).
pid_alive() {
  [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null || return 1
  [[ $(sed -n 's/^.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null) != Z ]]
}

# The pid in $1 (a pidfile) when that process is alive and its command line mentions $2.
pid_from() {
  local file=$1 marker=$2 pid
  [[ -f $file ]] || return 1
  pid=$(tr -dc '0-9' <"$file")
  [[ -n $pid ]] && pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker" || return 1
  echo "$pid"
}

engine_pid() { pid_from "$PIDFILE" "$SOCK"; }
containerd_pid() { pid_from "$CTRD_PIDFILE" "$EXEC_ROOT"; }

ping() { curl -fsS --max-time 3 --unix-socket "$SOCK" http://localhost/_ping >/dev/null 2>&1; }

engine_api() { # METHOD PATH [curl args...]
  local method=$1 path=$2
  shift 2
  curl -fsS --max-time 120 --unix-socket "$SOCK" -X "$method" "$@" "http://localhost/v1.41$path"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

port_is_free() {
  python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.close()' "$1" 2>/dev/null
}

make_certs() {
  [[ -f $CERTS/ca.pem && -f $CERTS/server-cert.pem && -f $CERTS/cert.pem ]] && return 0
  log "generating CA, server and client certificates in $CERTS"
  mkdir -p "$CERTS"
  local tmp
  tmp=$(mktemp -d)
  (
    set -e
    cd "$CERTS"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 3650 \
      -subj "/CN=Dokkerr test CA ($NAME)" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out "$tmp/server.csr" \
      -subj "/CN=localhost" 2>/dev/null
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "extendedKeyUsage=serverAuth" \
      "keyUsage=critical,digitalSignature,keyEncipherment" >"$tmp/server.ext"
    openssl x509 -req -in "$tmp/server.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
      -out server-cert.pem -days 3650 -extfile "$tmp/server.ext" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout key.pem -out "$tmp/client.csr" \
      -subj "/CN=dokkerr-test-client" 2>/dev/null
    printf '%s\n' "extendedKeyUsage=clientAuth" "keyUsage=critical,digitalSignature,keyEncipherment" \
      >"$tmp/client.ext"
    openssl x509 -req -in "$tmp/client.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
      -out cert.pem -days 3650 -extfile "$tmp/client.ext" 2>/dev/null
    chmod 600 ca-key.pem server-key.pem key.pem
  ) || { rm -rf "$tmp"; die "certificate generation failed"; }
  rm -rf "$tmp"
}

write_env() {
  local flavour=$1 port=${2:-} pid
  pid=$(engine_pid || true)
  {
    echo "DOCKER_HOST=unix://$SOCK"
    echo "DOKKERR_TESTENV_SOCKET=$SOCK"
    echo "DOKKERR_TESTENV_DOCKERD_PID=$pid"
    echo "DOKKERR_TESTENV_CONTAINERD_PID=$(containerd_pid || true)"
    echo "DOKKERR_TESTENV_STATE=$STATE"
    case $flavour in
      tls)
        echo "DOKKERR_TESTENV_TLS_PORT=$port"
        echo "DOKKERR_TESTENV_TLS_HOST=tcp://127.0.0.1:$port"
        echo "DOKKERR_TESTENV_TLS_CA=$CERTS/ca.pem"
        echo "DOKKERR_TESTENV_TLS_CERT=$CERTS/cert.pem"
        echo "DOKKERR_TESTENV_TLS_KEY=$CERTS/key.pem"
        # docker CLI conventions, for use as: env DOCKER_HOST=$DOKKERR_TESTENV_TLS_HOST ...
        echo "DOCKER_CERT_PATH=$CERTS"
        ;;
      tcp)
        echo "DOKKERR_TESTENV_TCP_PORT=$port"
        echo "DOKKERR_TESTENV_TCP_HOST=tcp://127.0.0.1:$port"
        ;;
    esac
  } >"$ENVFILE.tmp"
  mv "$ENVFILE.tmp" "$ENVFILE"
}

build_test_image() {
  if engine_api GET "/images/$TEST_IMAGE_REPO:$TEST_IMAGE_TAG/json" -o /dev/null 2>/dev/null; then
    return 0
  fi
  [[ -x /bin/busybox ]] || die "/bin/busybox is missing (install busybox-static)"
  log "building $TEST_IMAGE_REPO:$TEST_IMAGE_TAG from /bin/busybox"
  local root out
  root=$(mktemp -d)
  mkdir -p "$root"/{bin,etc,tmp,root,proc,sys,dev}
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in "${APPLETS[@]}"; do ln -s busybox "$root/bin/$applet"; done
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/:/bin/false' \
    >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group"
  # changes= sets the image config, as `docker import --change` would.
  out=$(tar -C "$root" --numeric-owner --owner=0 --group=0 -c . |
    engine_api POST "/images/create?fromSrc=-&repo=$TEST_IMAGE_REPO&tag=$TEST_IMAGE_TAG&changes=CMD%20%5B%22sh%22%5D&changes=ENV%20PATH%3D%2Fbin" \
      -H 'Content-Type: application/x-tar' --data-binary @-) || { rm -rf "$root"; die "image import failed"; }
  rm -rf "$root"
  if grep -q '"error"' <<<"$out"; then die "image import failed: $out"; fi
  engine_api GET "/images/$TEST_IMAGE_REPO:$TEST_IMAGE_TAG/json" -o /dev/null ||
    die "image $TEST_IMAGE_REPO:$TEST_IMAGE_TAG missing after import"
}

do_start() {
  local flavour=$1 port=''
  mkdir -p "$STATE"
  if [[ -f $STATE/flavour && $(cat "$STATE/flavour") != "$flavour" ]] && engine_pid >/dev/null; then
    die "engine '$NAME' is already running as flavour $(cat "$STATE/flavour"); stop it first"
  fi
  if [[ $flavour == tls || $flavour == tcp ]]; then
    # Keep the port across restarts (clients registered the URL), unless something else took it.
    if [[ -f $STATE/port ]] && [[ $(cat "$STATE/flavour" 2>/dev/null) == "$flavour" ]]; then
      port=$(cat "$STATE/port")
      if ! engine_pid >/dev/null && ! port_is_free "$port"; then
        log "port $port is taken; picking another"
        port=$(free_port)
      fi
    else
      port=$(free_port)
    fi
  fi

  if engine_pid >/dev/null && ping; then
    log "engine '$NAME' already running (pid $(engine_pid))"
  else
    if pid=$(engine_pid); then
      log "engine '$NAME' (pid $pid) does not answer; restarting it"
      do_stop
    fi
    mkdir -p "$STATE/data" "$EXEC_ROOT"
    ln -sfn "$EXEC_ROOT" "$STATE/exec"
    rm -f "$SOCK" "$PIDFILE" "$CTRD_PIDFILE"
    local -a args=(
      --host "unix://$SOCK"
      --data-root "$STATE/data"
      --exec-root "$EXEC_ROOT"
      --pidfile "$PIDFILE"
      --bridge=none --ip-masq=false --ip6tables=false
      --default-address-pool "$(pool_for "$flavour")"
      --containerd-namespace "dokkerr-$NAME"
      --containerd-plugins-namespace "dokkerr-$NAME-plugins"
      --shutdown-timeout 5
    )
    # Pulls of Docker Hub images (busybox) are answered by a local registry instead, for tests
    # of what a user on a connected machine would type.
    if [[ -n ${DOKKERR_TESTENV_REGISTRY_MIRROR:-} ]]; then
      args+=(--registry-mirror "$DOKKERR_TESTENV_REGISTRY_MIRROR")
    fi
    local -a launcher=(setsid)
    case $flavour in
      netns)
        # Its own namespace: iptables rules (the isolation between bridge networks) stay in it.
        ip netns list | grep -qw "$NETNS" || ip netns add "$NETNS"
        ip -n "$NETNS" link set lo up
        echo "$NETNS" >"$STATE/netns"
        # nsenter, not `ip netns exec`: that remounts /sys, hiding the cgroup hierarchy.
        launcher=(nsenter "--net=/run/netns/$NETNS" setsid)
        args+=(--iptables=true)
        ;;
      *) args+=(--iptables=false) ;;
    esac
    case $flavour in
      tls)
        make_certs
        args+=(--host "tcp://127.0.0.1:$port" --tlsverify --tlscacert "$CERTS/ca.pem"
          --tlscert "$CERTS/server-cert.pem" --tlskey "$CERTS/server-key.pem")
        ;;
      tcp) args+=(--host "tcp://127.0.0.1:$port") ;;
    esac
    echo "$flavour" >"$STATE/flavour"
    if [[ -n $port ]]; then echo "$port" >"$STATE/port"; else rm -f "$STATE/port"; fi
    {
      echo "---- $(date -u +%FT%TZ) dockerd ${args[*]}"
    } >>"$LOGFILE"
    # setsid: the engine must not share the caller's process group (a test runner's SIGINT).
    "${launcher[@]}" dockerd "${args[@]}" >>"$LOGFILE" 2>&1 </dev/null &
    local launched=$! deadline=$((SECONDS + PING_TIMEOUT_S))
    until ping; do
      if ! pid_alive "$launched"; then
        tail -n 30 "$LOGFILE" >&2
        die "dockerd '$NAME' exited during start (log: $LOGFILE)"
      fi
      if ((SECONDS >= deadline)); then
        tail -n 30 "$LOGFILE" >&2
        kill -TERM "$launched" 2>/dev/null || true
        die "dockerd '$NAME' did not answer /_ping within ${PING_TIMEOUT_S}s (log: $LOGFILE)"
      fi
      sleep 0.2
    done
    # The containerd it spawned writes its pid here.
    if [[ -f $EXEC_ROOT/containerd/containerd.pid ]]; then
      cp "$EXEC_ROOT/containerd/containerd.pid" "$CTRD_PIDFILE"
    fi
    log "engine '$NAME' up (pid $(engine_pid || echo '?'), unix://$SOCK${port:+, tcp://127.0.0.1:$port})"
  fi
  if [[ $flavour == tls ]]; then
    local deadline=$((SECONDS + PING_TIMEOUT_S))
    until curl -fsS --max-time 3 --cacert "$CERTS/ca.pem" --cert "$CERTS/cert.pem" \
      --key "$CERTS/key.pem" "https://127.0.0.1:$port/_ping" >/dev/null 2>&1; do
      ((SECONDS < deadline)) || die "TLS endpoint 127.0.0.1:$port does not answer"
      sleep 0.2
    done
  fi
  build_test_image
  write_env "$flavour" "$port"
}

# Send TERM, wait up to $2 seconds, then KILL. Returns when the process is gone.
terminate() {
  local pid=$1 timeout=$2 what=$3 deadline
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  deadline=$((SECONDS + timeout))
  while pid_alive "$pid"; do
    if ((SECONDS >= deadline)); then
      log "$what (pid $pid) still alive after ${timeout}s; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      local hard=$((SECONDS + 10))
      while pid_alive "$pid" && ((SECONDS < hard)); do sleep 0.1; done
      return 0
    fi
    sleep 0.1
  done
}

do_stop() {
  local pid ctrd
  ctrd=$(containerd_pid || true)
  if [[ -z $ctrd && -f $EXEC_ROOT/containerd/containerd.pid ]]; then
    ctrd=$(pid_from "$EXEC_ROOT/containerd/containerd.pid" "$EXEC_ROOT" || true)
  fi
  if pid=$(engine_pid); then
    log "stopping engine '$NAME' (pid $pid)"
    terminate "$pid" "$STOP_TIMEOUT_S" "dockerd '$NAME'"
  fi
  # dockerd stops its containerd on a clean exit; this covers a killed dockerd.
  if [[ -n $ctrd ]] && pid_alive "$ctrd"; then
    terminate "$ctrd" 15 "containerd '$NAME'"
  fi
  # Shims of containers that outlived a killed engine: they name our containerd's address.
  local shim
  for shim in $(pgrep -f -- "-address $EXEC_ROOT/containerd/containerd.sock" 2>/dev/null || true); do
    log "killing leftover shim pid $shim"
    kill -KILL "$shim" 2>/dev/null || true
  done
  # Mounts a killed engine leaves behind (its data root bind, overlays, netns files), deepest
  # first; the files under them stay.
  local mnt
  while read -r mnt; do
    umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || log "could not unmount $mnt"
  done < <(awk -v a="$STATE/data" -v b="$EXEC_ROOT" \
    '$2 == a || index($2, a "/") == 1 || $2 == b || index($2, b "/") == 1 { print $2 }' /proc/mounts |
    sort -r)
  rm -f "$PIDFILE" "$CTRD_PIDFILE" "$SOCK"
  # The runtime state (exec root) of an engine that did not stop cleanly names tasks whose shims
  # are gone; a containerd started on it waits for them past dockerd's start timeout. Nothing in
  # it outlives a stop, so it goes.
  if [[ -d $EXEC_ROOT ]] && ! pgrep -f -- "$EXEC_ROOT" >/dev/null 2>&1; then
    rm -rf "$EXEC_ROOT"
  fi
  if [[ -f $STATE/netns ]]; then
    ip netns del "$(cat "$STATE/netns")" 2>/dev/null || true
    rm -f "$STATE/netns"
  fi
  if [[ -f $ENVFILE ]]; then
    sed -i -e 's/^DOKKERR_TESTENV_DOCKERD_PID=.*/DOKKERR_TESTENV_DOCKERD_PID=/' \
      -e 's/^DOKKERR_TESTENV_CONTAINERD_PID=.*/DOKKERR_TESTENV_CONTAINERD_PID=/' "$ENVFILE"
  fi
}

case $CMD in
  start) do_start plain ;;
  start-tls) do_start tls ;;
  start-tcp) do_start tcp ;;
  start-netns) do_start netns ;;
  stop) do_stop ;;
  restart)
    flavour=$(cat "$STATE/flavour" 2>/dev/null || echo plain)
    do_stop
    do_start "$flavour"
    ;;
  env)
    [[ -f $ENVFILE ]] || die "no env file for '$NAME' ($ENVFILE); run: $0 start $NAME"
    cat "$ENVFILE"
    ;;
  status)
    if engine_pid >/dev/null && ping; then echo "up (pid $(engine_pid))"; else echo down; exit 1; fi
    ;;
  *) usage ;;
esac
