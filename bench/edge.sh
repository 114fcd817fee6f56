#!/usr/bin/env bash
# The edge against nginx: what Dokkerr's transport, pipeline, rate limiter and cached
# authentication cost next to a plain nginx answering a static body of the same size, in one run.
#
#   bench/edge.sh > edge-results.md      (this build: build/bin/dokkerr, or DOKKERR_BIN)
#
# The servers run pinned to core 0 (taskset -c 0): Dokkerr with --threads 1, nginx with one
# worker; wrk runs pinned to core 1 (wrk -t1 -c8 --latency, BENCH_DURATION seconds). Servers:
#   nginx       a static body the size of Dokkerr's answer for each path, plain and over TLS
#   limited     Dokkerr with the read budget at its maximum (1000000/min, burst 1000000): every
#               request goes through the limiter, none is refused
#   unlimited   Dokkerr with the read class lifted (--rate-limit read=0)
#   tls         Dokkerr with --tls-self-signed (and the read budget as "limited"); nginx's TLS
#               server uses the same certificate and key
# Phases: healthz (GET /healthz, public, never rate limited) and me (GET /api/v1/me with a
# bearer token: the authenticated path, answered from the caller cache). Each combination runs
# BENCH_REPEATS times, the combinations interleaved so background load falls on all alike; the
# report gives medians of requests/s, p50, p99 and server CPU µs per request (utime+stime of the
# server's processes around the run), and each Dokkerr row's ratio to nginx.
# Every server is stopped by pid at the end (also on failure) and its directory removed.
#
# Knobs: BENCH_REPEATS=3, BENCH_DURATION=10, DOKKERR_BIN.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
if [[ -n ${DOKKERR_BIN:-} ]]; then
  BIN=$DOKKERR_BIN
elif [[ -x $ROOT/build/bin/dokkerr ]]; then
  BIN=$ROOT/build/bin/dokkerr
else
  BIN=$ROOT/build/release/bin/dokkerr
fi
REPEATS=${BENCH_REPEATS:-3}
DURATION=${BENCH_DURATION:-10}
CLK_TCK=$(getconf CLK_TCK)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
# The TLS server's certificate is self-signed; what it costs is measured, not who it is.
export BENCH_CURL_INSECURE=1

die() { echo "edge.sh: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is required (scripts/install-deps.sh bench)"
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || die "nginx is required (scripts/install-deps.sh bench)"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $BIN ]] || die "no release build at $BIN (cmake --preset release && cmake --build --preset release)"

WORK=$(mktemp -d)
declare -A PID URL TOKEN PASSWORD
cleanup() {
  for name in "${!PID[@]}"; do kill -TERM "${PID[$name]}" 2>/dev/null || true; done
  for name in "${!PID[@]}"; do
    for _ in $(seq 100); do kill -0 "${PID[$name]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${PID[$name]}" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_dokkerr() { # name extra-flags...
  local name=$1 dir=$WORK/$1
  shift
  mkdir -p "$dir/data"
  taskset -c 0 "$BIN" server --listen 127.0.0.1:0 --threads 1 --data-dir "$dir/data" \
    --private-dockerd never --docker-host "unix://$dir/no-engine.sock" --log-level error \
    --rate-limit sign_in=600:600 "$@" >"$dir/out" 2>"$dir/err" &
  PID[$name]=$!
  local url=''
  for _ in $(seq 300); do
    url=$(sed -n 's/^Dokkerr listening on \(https\{0,1\}:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$dir/out" | head -n1)
    [[ -n $url ]] && break
    kill -0 "${PID[$name]}" 2>/dev/null || { tail -n 20 "$dir/err" >&2; die "$name exited during start"; }
    sleep 0.1
  done
  [[ -n $url ]] || die "$name did not print its listening line"
  URL[$name]=$url
  bench_bootstrap_admin "$url" "$dir/out" || die "$name: setup failed"
  PASSWORD[$name]=$BENCH_PASSWORD
}

login() { # name → a fresh access token of that server's admin
  BENCH_PASSWORD=${PASSWORD[$1]}
  bench_login "${URL[$1]}"
}

start_dokkerr limited --rate-limit read=1000000:1000000
start_dokkerr unlimited --rate-limit read=0
start_dokkerr tls --tls-self-signed --rate-limit read=1000000:1000000

# nginx answers bodies of exactly the size of Dokkerr's answers.
TOKEN[limited]=$(login limited)
healthz_size=$(curl -fsS "${URL[limited]}/healthz" | wc -c)
me_size=$(curl -fsS -H "Authorization: Bearer ${TOKEN[limited]}" "${URL[limited]}/api/v1/me" | wc -c)
body_of() { head -c "$1" /dev/zero | tr '\0' x; }
mkdir -p "$WORK/nginx"
http_port=$(free_port)
https_port=$(free_port)
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log error;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$http_port;
    listen 127.0.0.1:$https_port ssl;
    ssl_certificate $WORK/tls/data/tls/cert.pem;
    ssl_certificate_key $WORK/tls/data/tls/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    location = /healthz { return 200 '$(body_of "$healthz_size")'; }
    location = /api/v1/me { return 200 '$(body_of "$me_size")'; }
  }
}
EOF
taskset -c 0 "$NGINX" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" 2>"$WORK/nginx/stderr" &
PID[nginx]=$!
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$http_port/healthz" 2>/dev/null && break; sleep 0.1; done
curl -fsS -o /dev/null "http://127.0.0.1:$http_port/healthz" || { cat "$WORK/nginx/stderr" >&2; die "nginx did not start"; }
URL[nginx]=http://127.0.0.1:$http_port
URL[nginx-tls]=https://127.0.0.1:$https_port
PID[nginx-tls]=${PID[nginx]}

cpu_of() { # name → utime+stime of the server, nginx master and workers summed
  local name=$1 total=0 pid
  if [[ $name == nginx* ]]; then
    for pid in ${PID[nginx]} $(pgrep -P "${PID[nginx]}"); do total=$((total + $(cpu_ticks "$pid"))); done
    echo "$total"
  else
    cpu_ticks "${PID[$name]}"
  fi
}

run_phase() { # server phase repeat → "server phase rps p50 p99 cpu_us"
  local server=$1 phase=$2 out=$WORK/wrk.$1.$2.$3 path args=()
  case $phase in
    healthz) path=/healthz ;;
    me) path=/api/v1/me; args=(-H "Authorization: Bearer ${TOKEN[$server]:-none}") ;;
  esac
  local before after
  before=$(cpu_of "$server")
  taskset -c 1 wrk -t1 -c8 "-d${DURATION}s" --timeout 10s --latency "${args[@]}" "${URL[$server]}$path" >"$out"
  after=$(cpu_of "$server")
  read -r rps p50 p99 requests non2xx errors < <(parse_wrk "$out")
  [[ $non2xx -eq 0 && $errors -eq 0 ]] || die "$server $phase: $non2xx non-2xx answers, $errors socket errors"
  local cpu_us
  cpu_us=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
  echo "$server $phase $rps $p50 $p99 $cpu_us"
}

results=$WORK/results
for repeat in $(seq "$REPEATS"); do
  for phase in healthz me; do
    for server in nginx limited unlimited nginx-tls tls; do
      [[ $phase == healthz && $server == unlimited ]] && continue  # /healthz is never limited
      [[ $server == nginx* ]] || TOKEN[$server]=$(login "$server")
      run_phase "$server" "$phase" "$repeat" >>"$results"
    done
  done
done

python3 - "$results" "$REPEATS" "$DURATION" "$(nproc)" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
repeats, duration, cores = sys.argv[2], sys.argv[3], sys.argv[4]
med = {}
for server, phase, *values in rows:
    med.setdefault((server, phase), []).append([float(v) for v in values])
def m(server, phase, i):
    return statistics.median(v[i] for v in med[(server, phase)])
print(f"Edge: Dokkerr vs nginx; medians of {repeats} runs of {duration} s; servers on core 0 "
      f"(Dokkerr --threads 1, nginx one worker), wrk -t1 -c8 on core 1; {cores} cores\n")
print("| phase | server | requests/s | p50 ms | p99 ms | server CPU µs/request | requests/s vs nginx |")
print("|---|---|---:|---:|---:|---:|---:|")
labels = {"nginx": "nginx", "limited": "Dokkerr, limiter on", "unlimited": "Dokkerr, limiter off",
          "nginx-tls": "nginx, TLS", "tls": "Dokkerr, TLS, limiter on"}
for phase in ("healthz", "me"):
    for server in ("nginx", "limited", "unlimited", "nginx-tls", "tls"):
        if (server, phase) not in med:
            continue
        base = "nginx-tls" if server in ("nginx-tls", "tls") else "nginx"
        ratio = m(server, phase, 0) / m(base, phase, 0)
        print(f"| {phase} | {labels[server]} | {m(server, phase, 0):.0f} | {m(server, phase, 1):.3f} | "
              f"{m(server, phase, 2):.3f} | {m(server, phase, 3):.1f} | {ratio:.2f} |")
if ("unlimited", "me") in med:
    cost = 1 - m("limited", "me", 0) / m("unlimited", "me", 0)
    print(f"\nLimiter cost on /api/v1/me: {cost * 100:.1f} % of throughput "
          f"({m('limited', 'me', 3) - m('unlimited', 'me', 3):+.1f} µs CPU per request)")
EOF
