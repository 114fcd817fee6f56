#!/usr/bin/env bash
# The metrics collector against its floor and against the engine's own stats path, in one run.
#
#   bench/monitoring.sh > monitoring-results.md     (release build at build/bin/dokkerr, or DOKKERR_BIN)
#
# Starts a private engine (scripts/testenv/dockerd.sh start bench-mon) and N running containers
# (`sleep`, no network), then, one after the other for BENCH_SECONDS each:
#   1. Dokkerr sampling every container once a second (--metrics-interval 1, the release build),
#      beside an identical server that does not sample (--metrics-interval 3600): the collector's
#      CPU is the difference of their CPU times (utime+stime from /proc), per container-sample;
#      its rounds' lateness and duration come from its debug log ("metrics round").
#   2. The floor: bench/cgroup_floor.c, compiled here, reading the same cgroup and /proc files
#      for the same containers once a second with open/read/close and nothing else.
#   3. The engine's stats path: one GET /containers/{id}/stats stream per container (what
#      `docker stats` does), read for the same time; the engine's CPU (dockerd and its
#      containerd) per sample it delivered, and the rate it kept.
# Phase 1 writes the metrics history too (--metrics-chunk of one phase); its bytes per sample in
# SQLite are measured against the idle twin's database afterwards.
# Also the one-container stats endpoint: Dokkerr's GET …/containers/{id}/stats (from the
# collector) against the engine's GET /containers/{id}/stats?stream=false, medians.
# Prints markdown with the ratios. Everything made is removed at the end, also on failure.
#
# Knobs: BENCH_CONTAINERS=500, BENCH_SECONDS=60, DOKKERR_BIN, DOKKERR_TESTENV_DIR.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BIN=${DOKKERR_BIN:-$ROOT/build/bin/dokkerr}
N=${BENCH_CONTAINERS:-500}
SECONDS_PER_PHASE=${BENCH_SECONDS:-60}
ENGINE_NAME=bench-mon
IMAGE=dokkerr-test/busybox:latest
LABEL=bench.dokkerr.monitoring
export DOKKERR_TESTENV_DIR=${DOKKERR_TESTENV_DIR:-$ROOT/.testenv}
TESTENV=$ROOT/scripts/testenv/dockerd.sh
CLK_TCK=$(getconf CLK_TCK)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

die() { echo "monitoring.sh: $*" >&2; exit 1; }
note() { echo "monitoring.sh: $*" >&2; }

[[ -x $BIN ]] || die "no release build at $BIN (cmake --preset release && cmake --build --preset release)"
for tool in cc curl node python3 dockerd; do command -v "$tool" >/dev/null || die "$tool is required"; done

WORK=$(mktemp -d /tmp/dokkerr-bench-mon.XXXXXX)
declare -A PID
ENGINE_STARTED=0

api() { # METHOD PATH [curl args...] → the engine's answer on stdout
  local method=$1 path=$2
  shift 2
  curl -fsS --max-time 60 --unix-socket "$SOCK" -X "$method" "$@" "http://engine/v1.41$path"
}

stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  set +e
  for name in "${!PID[@]}"; do stop_pid "${PID[$name]}"; done
  if [[ $ENGINE_STARTED == 1 ]]; then
    note "removing the bench containers"
    api GET "/containers/json?all=1&filters=$(python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.dumps({"label":[sys.argv[1]]})))' "$LABEL")" 2>/dev/null |
      python3 -c 'import json,sys; [print(c["Id"]) for c in json.load(sys.stdin)]' |
      xargs -r -P 4 -I{} curl -fsS --max-time 60 --unix-socket "$SOCK" -X DELETE "http://engine/v1.41/containers/{}?force=1" >/dev/null
    bash "$TESTENV" stop "$ENGINE_NAME" >/dev/null 2>&1
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

note "starting engine $ENGINE_NAME"
bash "$TESTENV" start "$ENGINE_NAME" >"$WORK/engine.log" 2>&1 || { cat "$WORK/engine.log" >&2; die "engine start failed"; }
ENGINE_STARTED=1
SOCK=$(sed -n 's/^DOCKER_HOST=unix:\/\///p' "$DOKKERR_TESTENV_DIR/dockerd-$ENGINE_NAME/env")
ENGINE_PID=$(cat "$DOKKERR_TESTENV_DIR/dockerd-$ENGINE_NAME/docker.pid")
CONTAINERD_PID=$(cat "$DOKKERR_TESTENV_DIR/dockerd-$ENGINE_NAME/containerd.pid" 2>/dev/null || echo "")

note "starting $N containers"
body=$(python3 -c 'import json,sys; print(json.dumps({"Image": sys.argv[1], "Cmd": ["sleep", "36000"], "Labels": {sys.argv[2]: "1"}, "HostConfig": {"NetworkMode": "none"}}))' "$IMAGE" "$LABEL")
seq "$N" | xargs -P 4 -I{} sh -c '
  id=$(curl -fsS --max-time 60 --unix-socket "$0" -X POST -H "Content-Type: application/json" -d "$1" "http://engine/v1.41/containers/create" | sed "s/.*\"Id\":\"\([0-9a-f]*\)\".*/\1/")
  curl -fsS --max-time 60 --unix-socket "$0" -X POST "http://engine/v1.41/containers/$id/start" >/dev/null
  echo "$id"' "$SOCK" "$body" >"$WORK/ids"
[[ $(wc -l <"$WORK/ids") -eq $N ]] || die "only $(wc -l <"$WORK/ids") of $N containers started"
while read -r id; do
  pid=$(api GET "/containers/$id/json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["State"]["Pid"])')
  echo "$pid $(sed -n 's/^[0-9]*:memory:\(.*\)$/\1/p; s/^0::\(.*\)$/\1/p' "/proc/$pid/cgroup" | head -n1)"
done <"$WORK/ids" >"$WORK/targets"
ONE=$(head -n1 "$WORK/ids")

start_server() { # name interval
  local name=$1 interval=$2 dir=$WORK/$1
  mkdir -p "$dir/data"
  # History chunks of one phase: every container's chunk is packed and written once in it, so
  # the collector's figure includes the history's cost.
  "$BIN" server --listen 127.0.0.1:0 --data-dir "$dir/data" --private-dockerd never \
    --docker-host "unix://$SOCK" --metrics-interval "$interval" --metrics-window 3600 --log-level debug \
    --metrics-chunk "$((interval > SECONDS_PER_PHASE ? interval : SECONDS_PER_PHASE))" \
    >"$dir/out" 2>"$dir/err" &
  PID[$name]=$!
  bench_wait_listening "${PID[$name]}" "$dir/out" "$dir/err" || die "$name did not start"
  URL[$name]=$DOKKERR_URL
}
declare -A URL
start_server sampling 1
start_server idle 3600

note "waiting for the collector to sample every container"
for _ in $(seq 120); do
  sampled=$(curl -fsS "${URL[sampling]}/metrics" | sed -n 's/^dokkerr_collector_samples{source="cgroup"} //p')
  [[ ${sampled:-0} -ge $N ]] && break
  sleep 1
done
[[ ${sampled:-0} -ge $N ]] || die "the collector sampled ${sampled:-0} of $N"

note "phase 1: the collector for $SECONDS_PER_PHASE s"
lines_before=$(wc -l <"$WORK/sampling/err")
a0=$(cpu_ticks "${PID[sampling]}")
b0=$(cpu_ticks "${PID[idle]}")
sleep "$SECONDS_PER_PHASE"
a1=$(cpu_ticks "${PID[sampling]}")
b1=$(cpu_ticks "${PID[idle]}")
tail -n +"$((lines_before + 1))" "$WORK/sampling/err" | grep '"metrics round"' >"$WORK/rounds" || true
rss_sampling=$(status_kb "${PID[sampling]}" VmRSS)
rss_idle=$(status_kb "${PID[idle]}" VmRSS)

note "the one-container stats endpoint"
bench_bootstrap_admin "${URL[sampling]}" "$WORK/sampling/out"
TOKEN=$(bench_login "${URL[sampling]}")
dokkerr_stats_ms=$(for _ in $(seq 21); do
  curl -fsS -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" \
    "${URL[sampling]}/api/v1/environments/local/containers/$ONE/stats"
done | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] * 1000 }')
engine_stats_ms=$(for _ in $(seq 5); do
  curl -fsS -o /dev/null -w '%{time_total}\n' --unix-socket "$SOCK" \
    "http://engine/v1.41/containers/$ONE/stats?stream=false"
done | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] * 1000 }')
stop_pid "${PID[sampling]}"
stop_pid "${PID[idle]}"
unset 'PID[sampling]' 'PID[idle]'

# The history in SQLite: the sampling server's database against its idle twin's (same schema,
# no history), after both wrote what they held at SIGTERM.
read -r history_samples history_rows history_packed history_file < <(python3 - "$WORK/sampling/data/dokkerr.db" "$WORK/idle/data/dokkerr.db" <<'PY'
import sqlite3, sys
def used_bytes(path):
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = db.execute("PRAGMA page_size").fetchone()[0]
    pages = db.execute("PRAGMA page_count").fetchone()[0] - db.execute("PRAGMA freelist_count").fetchone()[0]
    return db, page * pages
sampling, sampling_bytes = used_bytes(sys.argv[1])
_, idle_bytes = used_bytes(sys.argv[2])
samples, rows, packed = sampling.execute(
    "SELECT COALESCE(SUM(samples),0), COUNT(*), COALESCE(SUM(LENGTH(data)),0) FROM metric_chunks WHERE tier = 0").fetchone()
print(samples, rows, packed, sampling_bytes - idle_bytes)
PY
)

note "phase 2: the floor for $SECONDS_PER_PHASE s"
cc -O2 -o "$WORK/cgroup_floor" "$ROOT/bench/cgroup_floor.c"
floor=$("$WORK/cgroup_floor" "$WORK/targets" "$SECONDS_PER_PHASE")

note "phase 3: the engine's stats streams for $SECONDS_PER_PHASE s"
cat >"$WORK/streams.mjs" <<'EOF'
import http from 'node:http';
import fs from 'node:fs';
const [socketPath, idsFile, seconds] = process.argv.slice(2);
const ids = fs.readFileSync(idsFile, 'utf8').trim().split('\n');
let samples = 0;
let counting = false;
const requests = ids.map((id) =>
  http.get({ socketPath, path: `/v1.41/containers/${id}/stats?stream=1`, agent: false }, (res) => {
    res.on('data', (chunk) => {
      if (counting) for (const byte of chunk) if (byte === 10) samples++;
    });
  }),
);
// Let every stream get going before counting (the engine's first sample waits a second).
setTimeout(() => {
  counting = true;
  console.log('start');
  setTimeout(() => {
    console.log(`samples=${samples}`);
    for (const r of requests) r.destroy();
    process.exit(0);
  }, Number(seconds) * 1000);
}, 5000);
EOF
node "$WORK/streams.mjs" "$SOCK" "$WORK/ids" "$SECONDS_PER_PHASE" >"$WORK/streams.out" &
PID[streams]=$!
for _ in $(seq 200); do grep -q start "$WORK/streams.out" 2>/dev/null && break; sleep 0.1; done
e0=$(cpu_ticks "$ENGINE_PID")
c0=$( [[ -n $CONTAINERD_PID ]] && cpu_ticks "$CONTAINERD_PID" || echo 0)
wait "${PID[streams]}" || true
unset 'PID[streams]'
e1=$(cpu_ticks "$ENGINE_PID")
c1=$( [[ -n $CONTAINERD_PID ]] && cpu_ticks "$CONTAINERD_PID" || echo 0)
engine_samples=$(sed -n 's/^samples=//p' "$WORK/streams.out")

python3 - "$N" "$SECONDS_PER_PHASE" "$CLK_TCK" "$a0" "$a1" "$b0" "$b1" "$e0" "$e1" "$c0" "$c1" \
  "${engine_samples:-0}" "$floor" "$WORK/rounds" "$dokkerr_stats_ms" "$engine_stats_ms" \
  "$rss_sampling" "$rss_idle" "$history_samples" "$history_rows" "$history_packed" "$history_file" <<'EOF'
import json, sys
(n, secs, tck, a0, a1, b0, b1, e0, e1, c0, c1, engine_samples) = map(int, sys.argv[1:13])
floor = dict(kv.split('=') for kv in sys.argv[13].split())
rounds = [json.loads(line) for line in open(sys.argv[14]) if line.strip()]
dokkerr_ms, engine_ms = float(sys.argv[15]), float(sys.argv[16])
rss_sampling, rss_idle = int(sys.argv[17]), int(sys.argv[18])
history_samples, history_rows, history_packed, history_file = map(int, sys.argv[19:23])

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float('nan')

collector_us = (a1 - a0 - (b1 - b0)) / tck * 1e6
samples = sum(r.get('sampled', 0) for r in rounds) or n * secs
per_sample = collector_us / samples
floor_per = float(floor['per_sample_us'])
engine_us = ((e1 - e0) + (c1 - c0)) / tck * 1e6
engine_per = engine_us / engine_samples if engine_samples else float('inf')
late = [r['lateness_us'] / 1000 for r in rounds]
dur = [r['duration_us'] / 1000 for r in rounds]
print(f"### Metrics collector: {n} running containers, once a second for {secs} s")
print()
print("| path | CPU per container-sample | samples in the phase | vs the floor | vs the engine |")
print("|---|---:|---:|---:|---:|")
print(f"| Dokkerr's collector (cgroup files; server CPU minus an idle twin) | {per_sample:.1f} µs | {samples} | {per_sample / floor_per:.2f} | {per_sample / engine_per:.3f} |")
print(f"| floor (bench/cgroup_floor.c, same files) | {floor_per:.1f} µs | {floor['samples']} | 1.00 | {floor_per / engine_per:.3f} |")
print(f"| engine stats streams (dockerd + containerd CPU) | {engine_per:.0f} µs | {engine_samples} ({engine_samples / secs / n:.2f} Hz per container) | {engine_per / floor_per:.1f} | 1.00 |")
print()
print(f"Collector rounds: {len(rounds)}; lateness p50 {pct(late, 50):.2f} ms, p99 {pct(late, 99):.2f} ms, max {max(late) if late else float('nan'):.2f} ms; "
      f"round duration p50 {pct(dur, 50):.1f} ms, p99 {pct(dur, 99):.1f} ms.")
print()
print(f"One container's stats: Dokkerr {dokkerr_ms:.2f} ms (median of 21, from the collector) vs the engine's stream=false {engine_ms:.0f} ms (median of 5): ratio {dokkerr_ms / engine_ms:.4f}.")
print()
print(f"History in SQLite ({history_rows} chunks of {history_samples} container-samples, 16 values each, `--metrics-chunk {secs}`): "
      f"packed data {history_packed / max(history_samples, 1):.2f} bytes per sample, the database file (rows and indexes included, "
      f"against the idle twin's) {history_file / max(history_samples, 1):.2f} bytes per sample.")
print()
print(f"Resident memory: the sampling server {rss_sampling} kB, its idle twin {rss_idle} kB ({(rss_sampling - rss_idle) / n:.1f} kB per container for the window).")
EOF
