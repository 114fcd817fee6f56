#!/usr/bin/env bash
# Container list throughput and latency: Dokkerr vs. the Docker Engine API it fronts.
#
#   bench/containers_list.sh            (release build at build/bin/dokkerr, or DOKKERR_BIN)
#
# Starts a private engine (scripts/testenv/dockerd.sh start-tcp bench: unix socket plus plain
# TCP on 127.0.0.1, loopback only), fills it with N created containers, starts `dokkerr server`
# against the engine socket, and for each N runs the same wrk load against
#   (a) the engine:  GET /v1.41/containers/json?all=1                (over TCP)
#   (b) Dokkerr:     GET /api/v1/environments/local/containers?all=1
# measuring requests/s, p50, p99, the engine's CPU time per request (utime+stime of the dockerd
# process from /proc), Dokkerr's CPU per request and its VmRSS/VmHWM. Then times 50
# create+start round trips through Dokkerr and directly against the engine. Prints markdown.
# Everything it made is removed at the end (containers, server, engine), also on failure.
#
# Dokkerr requires authentication: the script creates the first admin from the setup token the
# fresh server prints (bench/lib.sh), signs in before each run and sends the access token as
# "Authorization: Bearer ..." (wrk -H, curl -H). The engine is loaded without credentials.
# Bench containers carry the label bench.dokkerr=1 (io.dokkerr.* labels are reserved for Dokkerr
# and refused on creation through it).
#
# Knobs (environment): BENCH_COUNTS="100 500", BENCH_DURATION=10s, BENCH_THREADS=2,
# BENCH_CONNECTIONS=16, BENCH_WRK_TIMEOUT=10s, BENCH_CREATES=50, DOKKERR_TESTENV_DIR (engine
# state, default .testenv).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
if [[ -n ${DOKKERR_BIN:-} ]]; then
  BIN=$DOKKERR_BIN
elif [[ -x $ROOT/build/bin/dokkerr ]]; then
  BIN=$ROOT/build/bin/dokkerr
else
  BIN=$ROOT/build/release/bin/dokkerr
fi
read -r -a COUNTS <<<"${BENCH_COUNTS:-100 500}"
DURATION=${BENCH_DURATION:-10s}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
# wrk's own default (2 s) would count the engine's slow answers at N=500 as socket timeouts.
WRK_TIMEOUT=${BENCH_WRK_TIMEOUT:-10s}
CREATES=${BENCH_CREATES:-50}
ENGINE_NAME=bench
IMAGE=dokkerr-test/busybox:latest
LABEL=bench.dokkerr
export DOKKERR_TESTENV_DIR=${DOKKERR_TESTENV_DIR:-$ROOT/.testenv}
TESTENV=$ROOT/scripts/testenv/dockerd.sh
CLK_TCK=$(getconf CLK_TCK)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

die() { echo "containers_list.sh: $*" >&2; exit 1; }
note() { echo "containers_list.sh: $*" >&2; }

[[ -x $BIN ]] || die "dokkerr binary not found at $BIN (build the release preset or set DOKKERR_BIN)"
for tool in wrk curl dockerd python3; do
  command -v "$tool" >/dev/null || die "$tool is required"
done

WORK=$(mktemp -d /tmp/dokkerr-bench.XXXXXX)
SERVER_PID=''
ENGINE_STARTED=0

cleanup() {
  local rc=$?
  set +e
  if [[ $ENGINE_STARTED == 1 && -n ${SOCK:-} ]]; then
    remove_bench_containers
  fi
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      note "server did not exit within 10 s of SIGTERM; killing it"
      kill -KILL "$SERVER_PID"
    fi
    wait "$SERVER_PID" 2>/dev/null
  fi
  if [[ $ENGINE_STARTED == 1 ]]; then
    bash "$TESTENV" stop "$ENGINE_NAME" >/dev/null 2>&1 || note "engine stop failed"
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

engine() { # METHOD PATH [curl args]
  local method=$1 path=$2
  shift 2
  curl -fsS --max-time 60 --unix-socket "$SOCK" -X "$method" "$@" "http://localhost/v1.41$path"
}

create_body() {
  printf '{"Image":"%s","Cmd":["sleep","600"],"Labels":{"%s":"1"}}' "$IMAGE" "$LABEL"
}

bench_container_ids() {
  engine GET "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22$LABEL%3D1%22%5D%7D" |
    python3 -c 'import json,sys; print("\n".join(c["Id"] for c in json.load(sys.stdin)))'
}

remove_bench_containers() {
  local ids
  ids=$(bench_container_ids 2>/dev/null || true)
  [[ -z $ids ]] && return 0
  printf '%s\n' "$ids" | xargs -P 4 -I{} curl -fsS --max-time 60 --unix-socket "$SOCK" \
    -X DELETE "http://localhost/v1.41/containers/{}?force=1&v=1" >/dev/null || true
}

# Creates containers directly on the engine until there are $1 bench containers.
fill_to() {
  local want=$1 have missing
  have=$(bench_container_ids | grep -c . || true)
  missing=$((want - have))
  ((missing > 0)) || return 0
  note "creating $missing containers (to $want)"
  seq "$missing" | xargs -P 4 -I{} curl -fsS --max-time 60 --unix-socket "$SOCK" -X POST \
    -H 'Content-Type: application/json' -d "$(create_body)" \
    "http://localhost/v1.41/containers/create" -o /dev/null
  have=$(bench_container_ids | grep -c . || true)
  ((have == want)) || die "expected $want bench containers, found $have"
}

# run_wrk LABEL URL [HEADER] → sets R_RPS R_P50 R_P99 R_REQS R_BAD R_SOCKERR R_ENGINE_CPU_US
# R_DOKKERR_CPU_US. HEADER (e.g. "Authorization: Bearer ...") goes on every request.
run_wrk() {
  local label=$1 url=$2 out=$WORK/wrk-$1.txt e0 e1 d0 d1
  local -a header=()
  [[ -n ${3:-} ]] && header=(-H "$3")
  curl -fsS --max-time 30 -o /dev/null "${header[@]}" "$url" || die "warm-up request to $url failed"
  e0=$(cpu_ticks "$ENGINE_PID")
  d0=$(cpu_ticks "$SERVER_PID")
  wrk --latency -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout "$WRK_TIMEOUT" "${header[@]}" \
    "$url" >"$out"
  e1=$(cpu_ticks "$ENGINE_PID")
  d1=$(cpu_ticks "$SERVER_PID")
  read -r R_RPS R_P50 R_P99 R_REQS R_BAD R_SOCKERR < <(parse_wrk "$out")
  ((R_REQS > 0)) || die "$label: wrk completed no request"
  R_ENGINE_CPU_US=$(python3 -c "print(f'{($e1-$e0)/$CLK_TCK*1e6/$R_REQS:.1f}')")
  R_DOKKERR_CPU_US=$(python3 -c "print(f'{($d1-$d0)/$CLK_TCK*1e6/$R_REQS:.1f}')")
}

ratio() { python3 -c "a,b=float('$1'),float('$2'); print(f'{a/b:.2f}' if b else 'n/a')"; }

now_ns() { date +%s%N; }

# 50 create+start through Dokkerr and directly; prints "dokkerr_ms engine_ms".
time_create_start() {
  local t0 t1 t2 i id body auth
  body=$(create_body)
  auth="Authorization: Bearer $(bench_login "$DOKKERR_URL")"
  t0=$(now_ns)
  for i in $(seq "$CREATES"); do
    id=$(curl -fsS --max-time 60 -X POST -H "$auth" -H 'Content-Type: application/json' -d "$body" \
      "$DOKKERR_URL/api/v1/environments/local/containers?name=bench-d-$i" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["Id"])')
    curl -fsS --max-time 60 -X POST -H "$auth" -o /dev/null \
      "$DOKKERR_URL/api/v1/environments/local/containers/$id/start"
  done
  t1=$(now_ns)
  for i in $(seq "$CREATES"); do
    id=$(curl -fsS --max-time 60 --unix-socket "$SOCK" -X POST -H 'Content-Type: application/json' \
      -d "$body" "http://localhost/v1.41/containers/create?name=bench-e-$i" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["Id"])')
    curl -fsS --max-time 60 --unix-socket "$SOCK" -X POST -o /dev/null \
      "http://localhost/v1.41/containers/$id/start"
  done
  t2=$(now_ns)
  echo "$(((t1 - t0) / 1000000)) $(((t2 - t1) / 1000000))"
}

# --- engine -------------------------------------------------------------------------------------
if bash "$TESTENV" status "$ENGINE_NAME" >/dev/null 2>&1; then
  die "engine '$ENGINE_NAME' is already running; stop it first: $TESTENV stop $ENGINE_NAME"
fi
ENGINE_STARTED=1
bash "$TESTENV" start-tcp "$ENGINE_NAME" >&2
ENV_FILE=$DOKKERR_TESTENV_DIR/dockerd-$ENGINE_NAME/env
SOCK=$(sed -n 's/^DOKKERR_TESTENV_SOCKET=//p' "$ENV_FILE")
TCP_PORT=$(sed -n 's/^DOKKERR_TESTENV_TCP_PORT=//p' "$ENV_FILE")
ENGINE_PID=$(sed -n 's/^DOKKERR_TESTENV_DOCKERD_PID=//p' "$ENV_FILE")
[[ -n $SOCK && -n $TCP_PORT && -n $ENGINE_PID ]] || die "incomplete engine env file $ENV_FILE"
remove_bench_containers # leftovers of an aborted run

# --- server -------------------------------------------------------------------------------------
mkdir -p "$WORK/data"
"$BIN" server --listen 127.0.0.1:0 --data-dir "$WORK/data" --docker-host "unix://$SOCK" \
  >"$WORK/server.out" 2>"$WORK/server.err" </dev/null &
SERVER_PID=$!
bench_wait_listening "$SERVER_PID" "$WORK/server.out" "$WORK/server.err" || die "server start failed"
bench_bootstrap_admin "$DOKKERR_URL" "$WORK/server.out" || die "admin bootstrap failed"
note "dokkerr at $DOKKERR_URL (pid $SERVER_PID), engine pid $ENGINE_PID tcp port $TCP_PORT"

# --- runs ---------------------------------------------------------------------------------------
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
ROWS=()
for n in "${COUNTS[@]}"; do
  fill_to "$n"
  note "N=$n: engine"
  run_wrk "engine-$n" "http://127.0.0.1:$TCP_PORT/v1.41/containers/json?all=1"
  E=("$R_RPS" "$R_P50" "$R_P99" "$R_ENGINE_CPU_US" "$R_BAD" "$R_SOCKERR")
  note "N=$n: dokkerr"
  # A fresh token per run: a long run could outlive one (15 min by default).
  TOKEN=$(bench_login "$DOKKERR_URL") || die "sign-in failed"
  run_wrk "dokkerr-$n" "$DOKKERR_URL/api/v1/environments/local/containers?all=1" \
    "Authorization: Bearer $TOKEN"
  D=("$R_RPS" "$R_P50" "$R_P99" "$R_ENGINE_CPU_US" "$R_BAD" "$R_SOCKERR" "$R_DOKKERR_CPU_US")
  RSS=$(status_kb "$SERVER_PID" VmRSS)
  HWM=$(status_kb "$SERVER_PID" VmHWM)
  ROWS+=("| $n | engine | ${E[0]} | ${E[1]} | ${E[2]} | ${E[3]} | – | ${E[4]}/${E[5]} | – |")
  ROWS+=("| $n | dokkerr | ${D[0]} | ${D[1]} | ${D[2]} | ${D[3]} | ${D[6]} | ${D[4]}/${D[5]} | $((RSS / 1024)) / $((HWM / 1024)) |")
  ROWS+=("| $n | **ratio** | $(ratio "${D[0]}" "${E[0]}") | $(ratio "${D[1]}" "${E[1]}") | $(ratio "${D[2]}" "${E[2]}") | $(ratio "${D[3]}" "${E[3]}") | | | |")
done

remove_bench_containers
note "timing $CREATES create+start through Dokkerr and directly"
read -r CS_D CS_E < <(time_create_start)
[[ -n ${CS_D:-} && -n ${CS_E:-} ]] || die "create+start timing failed"

# --- report -------------------------------------------------------------------------------------
echo
echo "## Container list: Dokkerr vs. Docker Engine"
echo
echo "$(date -u +%FT%TZ), $(nproc) cores, load average before the runs $LOADAVG, kernel $(uname -r), $(dockerd --version), wrk -t$THREADS -c$CONNECTIONS -d$DURATION --timeout $WRK_TIMEOUT --latency, Dokkerr requests authenticated (admin, bearer token), binary $BIN"
echo
echo "| containers | target | req/s | p50 ms | p99 ms | engine CPU µs/req | Dokkerr CPU µs/req | non-2xx / socket errors | Dokkerr RSS / HWM MiB |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
echo
echo "Ratios are Dokkerr / engine (req/s: higher is better for Dokkerr; latency and engine CPU: lower is better)."
echo
echo "| $CREATES × create+start (sequential, curl) | total ms | ms per container |"
echo "|---|---:|---:|"
echo "| through Dokkerr | $CS_D | $(python3 -c "print(f'{$CS_D/$CREATES:.1f}')") |"
echo "| engine API directly | $CS_E | $(python3 -c "print(f'{$CS_E/$CREATES:.1f}')") |"
echo "| **ratio** | $(ratio "$CS_D" "$CS_E") | |"
