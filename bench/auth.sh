#!/usr/bin/env bash
# What authentication costs the server: sign-ins next to other traffic, and the check on every
# authenticated request.
#
#   bench/auth.sh                       (release build at build/bin/dokkerr, or DOKKERR_BIN)
#
# Starts a private engine (scripts/testenv/dockerd.sh start, state under a temporary directory)
# unless BENCH_DOCKER_HOST names one, starts `dokkerr server` on 127.0.0.1 with a fresh data
# directory, creates the first admin from the setup token it prints, then repeats BENCH_REPEATS
# times (phases interleaved, so background load hits all of them alike):
#   healthz-idle     wrk -t1 -c4 --latency GET /healthz (public), closed loop (as fast as it can)
#   healthz-logins   the same while a separate process signs in BENCH_LOGIN_RATE times a second
#                    (POST /api/v1/auth/login, correct password: the throttle counts failures
#                    only) at a fixed pace, open loop
#   paced-idle       GET /healthz, each of the 4 connections waiting BENCH_PACED_DELAY_MS between
#                    requests (wrk Lua delay()): the server is far from saturated, so latency shows
#                    whether anything blocks the I/O threads rather than how the cores are shared
#   paced-logins     the same with the sign-in load
#   version          wrk -t1 -c4 GET /api/v1/version with a bearer token: the cheapest
#                    authenticated route (token check, session and account lookup, no other work)
#   version-logins   the same with the sign-in load (sign-ins write sessions and audit entries to
#                    the database the token check reads)
#   me               wrk -t1 -c4 GET /api/v1/me with a bearer token (the account from the database)
#   logins-only      the sign-in load alone: sign-in latency and server CPU per sign-in
# Around each phase it reads the server's utime+stime (/proc/PID/stat) and the machine's busy
# time (/proc/stat). Then it runs bench/jwt_verify.sh (token verification cost in isolation) and
# prints markdown: medians over the repeats with ratios, then the raw per-repeat figures.
# Everything it started (sign-in load, server, engine) is stopped by pid at the end, also on
# failure or interruption, and the temporary directory is removed.
#
# Knobs (environment): BENCH_REPEATS=3, BENCH_DURATION=15 (seconds per phase),
# BENCH_LOGIN_RATE=20 (sign-ins per second), BENCH_PACED_DELAY_MS=5, BENCH_JWT_ALGORITHM=hs256
# (server --jwt-algorithm), BENCH_DOCKER_HOST (use this engine instead of starting one),
# BENCH_JWT=1 (0: skip bench/jwt_verify.sh), BENCH_JWT_BUILD_DIR (release build dir for
# jwt_verify.sh; default: the one DOKKERR_BIN lives in, else build/release), BENCH_RAW_OUT (copy
# the raw per-phase JSON lines there), DOKKERR_BIN.
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
DURATION=${BENCH_DURATION:-15}
LOGIN_RATE=${BENCH_LOGIN_RATE:-20}
PACED_DELAY_MS=${BENCH_PACED_DELAY_MS:-5}
JWT_ALGORITHM=${BENCH_JWT_ALGORITHM:-hs256}
RUN_JWT=${BENCH_JWT:-1}
WRK_ARGS=(-t1 -c4 "-d${DURATION}s" --timeout 10s --latency)
ENGINE_NAME=bench-auth
TESTENV=$ROOT/scripts/testenv/dockerd.sh
CLK_TCK=$(getconf CLK_TCK)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

die() { echo "auth.sh: $*" >&2; exit 1; }
note() { echo "auth.sh: $*" >&2; }

[[ -x $BIN ]] || die "dokkerr binary not found at $BIN (build the release preset or set DOKKERR_BIN)"
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
[[ $REPEATS =~ ^[1-9][0-9]*$ && $DURATION =~ ^[1-9][0-9]*$ && $LOGIN_RATE =~ ^[1-9][0-9]*$ ]] ||
  die "BENCH_REPEATS, BENCH_DURATION and BENCH_LOGIN_RATE must be positive integers"
if [[ -n ${BENCH_JWT_BUILD_DIR:-} ]]; then
  JWT_BUILD_DIR=$BENCH_JWT_BUILD_DIR
elif [[ -f $(dirname "$BIN")/../CMakeCache.txt ]]; then
  JWT_BUILD_DIR=$(cd "$(dirname "$BIN")/.." && pwd -P)
else
  JWT_BUILD_DIR=$ROOT/build/release
fi

WORK=$(mktemp -d /tmp/dokkerr-bench-auth.XXXXXX)
SERVER_PID=''
LOADER_PID=''
ENGINE_STARTED=0

stop_pid() { # PID: SIGTERM, then SIGKILL after 10 s
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    note "pid $pid did not exit within 10 s of SIGTERM; killing it"
    kill -KILL "$pid"
  fi
  wait "$pid" 2>/dev/null
}

cleanup() {
  local rc=$?
  set +e
  [[ -n $LOADER_PID ]] && stop_pid "$LOADER_PID"
  [[ -n $SERVER_PID ]] && stop_pid "$SERVER_PID"
  if [[ $ENGINE_STARTED == 1 ]]; then
    local exec_root
    exec_root=$(readlink "$WORK/testenv/dockerd-$ENGINE_NAME/exec" 2>/dev/null)
    if DOKKERR_TESTENV_DIR=$WORK/testenv bash "$TESTENV" stop "$ENGINE_NAME" >/dev/null 2>&1; then
      # The engine's exec root (under /run, named after this run's state dir) is never reused.
      if [[ $exec_root == /run/dkt-* ]] && ! grep -qF " $exec_root" /proc/mounts; then
        rm -rf "$exec_root"
      fi
    else
      note "engine stop failed; state left in $WORK"
      trap - EXIT
      exit "$rc"
    fi
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The sign-in load: open loop at a fixed rate (a request is sent at its scheduled time whether or
# not earlier ones have finished; up to 32 in flight, each worker keeps its connection).
cat >"$WORK/logins.py" <<'EOF'
import concurrent.futures, http.client, json, sys, threading, time
from urllib.parse import urlsplit
url, user, password, rate, seconds, out = sys.argv[1:7]
rate, seconds = float(rate), float(seconds)
target = urlsplit(url)
body = json.dumps({"username": user, "password": password})
local = threading.local()
lock = threading.Lock()
results = []  # (status or -1, latency_s, lag_s)
def one(scheduled):
    lag = time.monotonic() - scheduled
    start = time.monotonic()
    status = -1
    try:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        conn.request("POST", "/api/v1/auth/login", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        status = response.status
        if status == 200 and "access_token" not in json.loads(data):
            status = -2
    except Exception:
        if getattr(local, "conn", None) is not None:
            local.conn.close()
            local.conn = None
    with lock:
        results.append((status, time.monotonic() - start, lag))
count = int(rate * seconds)
with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
    t0 = time.monotonic() + 0.05
    for i in range(count):
        scheduled = t0 + i / rate
        delay = scheduled - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        pool.submit(one, scheduled)
    sent_span = time.monotonic() - t0
lat = sorted(r[1] for r in results)
def pct(p):
    return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] * 1000 if lat else 0.0
summary = {
    "sent": len(results),
    "ok": sum(1 for r in results if r[0] == 200),
    "failed": sum(1 for r in results if r[0] != 200),
    "statuses": sorted({r[0] for r in results}),
    "rate": len(results) / sent_span if sent_span > 0 else 0.0,
    "p50_ms": pct(50), "p99_ms": pct(99), "max_ms": lat[-1] * 1000 if lat else 0.0,
    "max_lag_ms": max((r[2] for r in results), default=0.0) * 1000,
}
json.dump(summary, open(out, "w"))
EOF

# wrk script for the paced phases: every connection waits between its requests.
printf 'function delay()\n  return %s\nend\n' "$PACED_DELAY_MS" >"$WORK/paced.lua"

machine_busy() { # "busy_ticks total_ticks" over all cores from /proc/stat
  awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat
}

start_logins() { # SECONDS OUT_JSON: starts the sign-in load in the background
  python3 "$WORK/logins.py" "$DOKKERR_URL" "$BENCH_USER" "$BENCH_PASSWORD" "$LOGIN_RATE" "$1" "$2" &
  LOADER_PID=$!
}

wait_logins() {
  wait "$LOADER_PID" || die "the sign-in load failed"
  LOADER_PID=''
}

# phase NAME REPEAT KIND: runs one phase and appends a line to $WORK/results.jsonl.
# KIND: wrk URL [HEADER] | wrk-logins URL | paced | paced-logins | logins
phase() {
  local name=$1 rep=$2 kind=$3 url=${4:-} header=${5:-} out=$WORK/$1-$2.txt
  local -a auth=() extra=()
  [[ -n $header ]] && auth=(-H "$header")
  extra=("${auth[@]}")
  [[ $kind == paced* ]] && extra+=(-s "$WORK/paced.lua")
  local load0 s0 s1 m0 m1 t0 t1 logins=''
  load0=$(cut -d' ' -f1 /proc/loadavg)
  if [[ $kind != logins ]]; then
    curl -fsS --max-time 30 -o /dev/null "${auth[@]}" "$url" ||
      die "$name: warm-up request to $url failed"
  fi
  local start_ns end_ns
  if [[ $kind == logins ]]; then
    # Alone: the window is the whole sign-in load, so CPU per sign-in is CPU / sign-ins.
    logins=$WORK/$name-$rep-logins.json
    s0=$(cpu_ticks "$SERVER_PID")
    read -r m0 t0 < <(machine_busy)
    start_ns=$(date +%s%N)
    start_logins "$DURATION" "$logins"
    wait_logins
  else
    if [[ $kind == *logins ]]; then
      # The sign-in load starts a second before wrk and ends a second after it.
      logins=$WORK/$name-$rep-logins.json
      start_logins $((DURATION + 2)) "$logins"
      sleep 1
    fi
    s0=$(cpu_ticks "$SERVER_PID")
    read -r m0 t0 < <(machine_busy)
    start_ns=$(date +%s%N)
    wrk "${WRK_ARGS[@]}" "${extra[@]}" "$url" >"$out"
  fi
  end_ns=$(date +%s%N)
  s1=$(cpu_ticks "$SERVER_PID")
  read -r m1 t1 < <(machine_busy)
  [[ -n $LOADER_PID ]] && wait_logins
  python3 - "$name" "$rep" "$out" "${logins:-}" "$s0" "$s1" "$m0" "$m1" "$t0" "$t1" \
    "$start_ns" "$end_ns" "$CLK_TCK" "$load0" "$(nproc)" >>"$WORK/results.jsonl" <<'EOF'
import json, os, re, sys
name, rep, wrk_out, logins = sys.argv[1:5]
s0, s1, m0, m1, t0, t1, start_ns, end_ns, tck = map(float, sys.argv[5:14])
load0, cores = float(sys.argv[14]), int(sys.argv[15])
seconds = (end_ns - start_ns) / 1e9
row = {"phase": name, "repeat": int(rep), "load1": load0,
       "server_cpu_pct": (s1 - s0) / tck / seconds * 100,
       "server_cpu_s": (s1 - s0) / tck,
       "machine_busy_pct": (m1 - m0) / (t1 - t0) * 100 if t1 > t0 else 0.0}
if os.path.exists(wrk_out):
    text = open(wrk_out).read()
    def ms(v):
        m = re.match(r'([\d.]+)(us|ms|s|m)$', v)
        n, u = float(m.group(1)), m.group(2)
        return n / 1000 if u == 'us' else n if u == 'ms' else n * 1000 if u == 's' else n * 60000
    row["rps"] = float(re.search(r'Requests/sec:\s+([\d.]+)', text).group(1))
    row["p50_ms"] = ms(re.search(r'^\s+50%\s+(\S+)', text, re.M).group(1))
    row["p99_ms"] = ms(re.search(r'^\s+99%\s+(\S+)', text, re.M).group(1))
    row["requests"] = int(re.search(r'(\d+) requests in', text).group(1))
    bad = re.search(r'Non-2xx or 3xx responses: (\d+)', text)
    errs = re.search(r'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)', text)
    row["errors"] = (int(bad.group(1)) if bad else 0) + (sum(map(int, errs.groups())) if errs else 0)
    row["server_cpu_us_per_req"] = (s1 - s0) / tck * 1e6 / row["requests"] if row["requests"] else 0.0
if logins:
    row["logins"] = json.load(open(logins))
print(json.dumps(row))
EOF
  if [[ -f $out ]] && ! grep -q 'requests in' "$out"; then die "$name: wrk output unreadable ($out)"; fi
}

# --- engine -------------------------------------------------------------------------------------
if [[ -n ${BENCH_DOCKER_HOST:-} ]]; then
  DOCKER_HOST_ARG=$BENCH_DOCKER_HOST
else
  command -v dockerd >/dev/null || die "dockerd is required (or set BENCH_DOCKER_HOST)"
  ENGINE_STARTED=1
  DOKKERR_TESTENV_DIR=$WORK/testenv bash "$TESTENV" start "$ENGINE_NAME" >&2
  SOCK=$(sed -n 's/^DOKKERR_TESTENV_SOCKET=//p' "$WORK/testenv/dockerd-$ENGINE_NAME/env")
  [[ -n $SOCK ]] || die "no socket in the engine's env file"
  DOCKER_HOST_ARG=unix://$SOCK
fi

# --- server -------------------------------------------------------------------------------------
mkdir -p "$WORK/data"
"$BIN" server --listen 127.0.0.1:0 --data-dir "$WORK/data" --docker-host "$DOCKER_HOST_ARG" \
  --private-dockerd never --jwt-algorithm "$JWT_ALGORITHM" \
  >"$WORK/server.out" 2>"$WORK/server.err" </dev/null &
SERVER_PID=$!
bench_wait_listening "$SERVER_PID" "$WORK/server.out" "$WORK/server.err" || die "server start failed"
bench_bootstrap_admin "$DOKKERR_URL" "$WORK/server.out" || die "admin bootstrap failed"
bench_login "$DOKKERR_URL" >/dev/null || die "sign-in failed"
note "dokkerr at $DOKKERR_URL (pid $SERVER_PID), engine $DOCKER_HOST_ARG"
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)

# --- runs ---------------------------------------------------------------------------------------
: >"$WORK/results.jsonl"
for rep in $(seq "$REPEATS"); do
  note "repeat $rep/$REPEATS"
  phase healthz-idle "$rep" wrk "$DOKKERR_URL/healthz"
  phase healthz-logins "$rep" wrk-logins "$DOKKERR_URL/healthz"
  phase paced-idle "$rep" paced "$DOKKERR_URL/healthz"
  phase paced-logins "$rep" paced-logins "$DOKKERR_URL/healthz"
  # A fresh token per phase: the whole run can outlive one (15 min by default).
  TOKEN=$(bench_login "$DOKKERR_URL") || die "sign-in failed"
  phase version "$rep" wrk "$DOKKERR_URL/api/v1/version" "Authorization: Bearer $TOKEN"
  phase version-logins "$rep" wrk-logins "$DOKKERR_URL/api/v1/version" "Authorization: Bearer $TOKEN"
  TOKEN=$(bench_login "$DOKKERR_URL") || die "sign-in failed"
  phase me "$rep" wrk "$DOKKERR_URL/api/v1/me" "Authorization: Bearer $TOKEN"
  phase logins-only "$rep" logins
done
RSS=$(status_kb "$SERVER_PID" VmRSS)
HWM=$(status_kb "$SERVER_PID" VmHWM)
LOADAVG_END=$(cut -d' ' -f1-3 /proc/loadavg)
[[ -n ${BENCH_RAW_OUT:-} ]] && cp "$WORK/results.jsonl" "$BENCH_RAW_OUT"

JWT_TABLE=''
if [[ $RUN_JWT == 1 ]]; then
  note "bench/jwt_verify.sh (BUILD_DIR=$JWT_BUILD_DIR)"
  JWT_TABLE=$(BUILD_DIR=$JWT_BUILD_DIR bash "$ROOT/bench/jwt_verify.sh") || die "bench/jwt_verify.sh failed"
fi

# --- report -------------------------------------------------------------------------------------
python3 - "$WORK/results.jsonl" "$REPEATS" "$DURATION" "$LOGIN_RATE" "$PACED_DELAY_MS" \
  "$JWT_ALGORITHM" "$BIN" "$LOADAVG_START" "$LOADAVG_END" "$RSS" "$HWM" "$JWT_TABLE" <<'EOF'
import datetime, json, os, re, statistics, sys
(path, repeats, duration, rate, delay, algorithm, binary, load_start, load_end, rss, hwm,
 jwt_table) = sys.argv[1:13]
rows = [json.loads(line) for line in open(path)]
by = {}
for r in rows:
    by.setdefault(r["phase"], []).append(r)
def med(phase, key):
    vals = [r[key] for r in by.get(phase, []) if key in r]
    return statistics.median(vals) if vals else float("nan")
def lmed(phase, key):
    vals = [r["logins"][key] for r in by.get(phase, []) if "logins" in r]
    return statistics.median(vals) if vals else float("nan")
def lsum(phase, key):
    return sum(r["logins"][key] for r in by.get(phase, []) if "logins" in r)
def ratio(a, b):
    return f"{a / b:.2f}×" if b else "n/a"
def f(v, d=3):
    return f"{v:.{d}f}"

now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
print("## Authentication cost")
print()
print(f"{now}, {os.cpu_count()} cores, kernel {os.uname().release}, load average at start "
      f"{load_start}, at end {load_end}; median of {repeats} repeats, {duration} s per phase; "
      f"wrk -t1 -c4 --latency; sign-in load {rate}/s (open loop, correct password); server "
      f"--jwt-algorithm {algorithm}, SQLite, default argon2id parameters; binary {binary}")
print()
print("| phase | req/s | p50 ms | p99 ms | server CPU µs/req | server CPU % of a core | machine busy % | errors |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
labels = {
    "healthz-idle": "GET /healthz, closed loop, idle",
    "healthz-logins": f"GET /healthz, closed loop, + {rate} sign-ins/s",
    "paced-idle": f"GET /healthz, paced ({delay} ms between requests per connection), idle",
    "paced-logins": f"GET /healthz, paced, + {rate} sign-ins/s",
    "version": "GET /api/v1/version (bearer token), closed loop",
    "version-logins": f"GET /api/v1/version (bearer token), closed loop, + {rate} sign-ins/s",
    "me": "GET /api/v1/me (bearer token), closed loop",
}
def cpu_per_req(phase):
    # With the sign-in load the server's CPU includes the sign-ins: no per-request figure.
    return "–" if phase.endswith("-logins") else f(med(phase, "server_cpu_us_per_req"), 1)
for phase, label in labels.items():
    errors = sum(r.get("errors", 0) for r in by.get(phase, []))
    print(f"| {label} | {f(med(phase, 'rps'), 1)} | {f(med(phase, 'p50_ms'))} | "
          f"{f(med(phase, 'p99_ms'))} | {cpu_per_req(phase)} | "
          f"{f(med(phase, 'server_cpu_pct'), 1)} | {f(med(phase, 'machine_busy_pct'), 1)} | {errors} |")
print()
print("| ratio | req/s | p50 | p99 | server CPU µs/req |")
print("|---|---:|---:|---:|---:|")
def ratio_row(label, a, b):
    cpu = "–" if a.endswith("-logins") else ratio(med(a, "server_cpu_us_per_req"), med(b, "server_cpu_us_per_req"))
    print(f"| {label} | {ratio(med(a, 'rps'), med(b, 'rps'))} | {ratio(med(a, 'p50_ms'), med(b, 'p50_ms'))} | "
          f"{ratio(med(a, 'p99_ms'), med(b, 'p99_ms'))} | {cpu} |")
ratio_row("/healthz closed loop: with sign-ins / idle", "healthz-logins", "healthz-idle")
ratio_row("/healthz paced: with sign-ins / idle", "paced-logins", "paced-idle")
ratio_row("/api/v1/version (authenticated) / /healthz (public)", "version", "healthz-idle")
ratio_row("/api/v1/version: with sign-ins / idle", "version-logins", "version")
ratio_row("/api/v1/me / /healthz", "me", "healthz-idle")
auth_us = med("version", "server_cpu_us_per_req") - med("healthz-idle", "server_cpu_us_per_req")
print()
print(f"Server CPU an authenticated request adds (version − healthz, per request): {auth_us:.1f} µs.")
print()
print("| sign-in load | sent | ok | failed | achieved /s | p50 ms | p99 ms | max ms | server CPU ms per sign-in | server CPU % of a core |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for phase, label in (("logins-only", "alone"), ("healthz-logins", "during closed-loop /healthz"),
                     ("paced-logins", "during paced /healthz"),
                     ("version-logins", "during closed-loop /api/v1/version")):
    per_login = ""
    if phase == "logins-only":
        vals = [r["server_cpu_s"] * 1000 / max(1, r["logins"]["ok"]) for r in by.get(phase, [])]
        per_login = f(statistics.median(vals), 1) if vals else ""
    print(f"| {label} | {lsum(phase, 'sent')} | {lsum(phase, 'ok')} | {lsum(phase, 'failed')} | "
          f"{f(lmed(phase, 'rate'), 1)} | {f(lmed(phase, 'p50_ms'), 1)} | {f(lmed(phase, 'p99_ms'), 1)} | "
          f"{f(lmed(phase, 'max_ms'), 1)} | {per_login} | "
          f"{f(med(phase, 'server_cpu_pct'), 1) if phase == 'logins-only' else ''} |")
print()
print(f"Server memory after the runs: RSS {int(rss) // 1024} MiB, high-water mark {int(hwm) // 1024} MiB.")
if jwt_table:
    print()
    print("### Token verification in isolation (bench/jwt_verify.sh)")
    print()
    print(jwt_table)
    m = re.search(r"\| JwtKeyRing::verify HS256 \| ([\d.]+) \|", jwt_table)
    e = re.search(r"\| JwtKeyRing::verify EdDSA \| ([\d.]+) \|", jwt_table)
    if m and auth_us > 0:
        share = float(m.group(1)) / 1000 / auth_us * 100
        print()
        line = (f"HS256 verification is {float(m.group(1)) / 1000:.2f} µs of the {auth_us:.1f} µs an "
                f"authenticated request adds ({share:.1f} %)")
        if e:
            line += (f"; EdDSA would be {float(e.group(1)) / 1000:.2f} µs "
                     f"({float(e.group(1)) / 1000 / auth_us * 100:.1f} %)")
        print(line + ". The rest is the session and account lookup on the database pool and the hop to it.")
print()
print("### Raw figures per repeat")
print()
print("| phase | repeat | load avg (1 min) before | req/s | p50 ms | p99 ms | server CPU % | machine busy % | sign-ins ok/sent | sign-in p50 / p99 ms |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    lg = r.get("logins")
    print(f"| {r['phase']} | {r['repeat']} | {r['load1']:.2f} | {f(r['rps'], 1) if 'rps' in r else ''} | "
          f"{f(r['p50_ms']) if 'p50_ms' in r else ''} | {f(r['p99_ms']) if 'p99_ms' in r else ''} | "
          f"{f(r['server_cpu_pct'], 1)} | {f(r['machine_busy_pct'], 1)} | "
          f"{str(lg['ok']) + '/' + str(lg['sent']) if lg else ''} | "
          f"{f(lg['p50_ms'], 1) + ' / ' + f(lg['p99_ms'], 1) if lg else ''} |")
EOF
