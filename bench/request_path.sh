#!/usr/bin/env bash
# The request path, this build against a previous one: what the transport, the pipeline's stages
# and authentication cost per request, measured on both builds in the same run.
#
#   bench/request_path.sh                (this build: build/bin/dokkerr, or DOKKERR_BIN)
#
# The baseline is BASELINE_BIN, or else a release build of BASELINE_REV (default: the commit
# before the staged pipeline, e46d2c9) made in a temporary git worktree under build/baseline/.
# Each build gets its own server on 127.0.0.1 with a fresh data directory (SQLite) and no engine
# (--private-dockerd never, a socket that does not exist: none of the routes below needs one),
# and its own first admin. Then, BENCH_REPEATS times and alternating the builds so that background
# load hits both alike, wrk -t1 -c4 --latency runs for BENCH_DURATION seconds against
#   healthz   GET /healthz: public; transport, routing and the stages without a caller
#   version   GET /api/v1/version with a bearer token: the cheapest authenticated route
#             (token, session, account and permissions, then a constant answer)
#   me        GET /api/v1/me with a bearer token: the same plus one read of the account
# reading the server's utime+stime around each run. Prints markdown: per phase and build the
# medians of requests/s, p50, p99 and server CPU per request, and the ratio this/baseline.
# Both servers are stopped by pid at the end (also on failure), their directories removed.
#
# Knobs: BENCH_REPEATS=3, BENCH_DURATION=10, BASELINE_BIN, BASELINE_REV, DOKKERR_BIN.
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
BASELINE_REV=${BASELINE_REV:-e46d2c9}
CLK_TCK=$(getconf CLK_TCK)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

die() { echo "request_path.sh: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is required (scripts/install-deps.sh bench)"
[[ -x $BIN ]] || die "no release build at $BIN (cmake --preset release && cmake --build --preset release)"

if [[ -z ${BASELINE_BIN:-} ]]; then
  tree=$ROOT/build/baseline/$BASELINE_REV
  if [[ ! -x $tree/build/bin/dokkerr ]]; then
    echo "request_path.sh: building the baseline $BASELINE_REV in $tree" >&2
    rm -rf "$tree"
    git -C "$ROOT" worktree prune
    git -C "$ROOT" worktree add --detach "$tree" "$BASELINE_REV" >/dev/null
    (cd "$tree" && export CCACHE_BASEDIR=$tree CCACHE_NOHASHDIR=true &&
      cmake --preset release >/dev/null && cmake --build --preset release --target dokkerr >/dev/null)
  fi
  BASELINE_BIN=$tree/build/bin/dokkerr
fi

WORK=$(mktemp -d)
declare -A PID URL TOKEN PASSWORD
cleanup() {
  for build in "${!PID[@]}"; do
    kill -TERM "${PID[$build]}" 2>/dev/null || true
  done
  for build in "${!PID[@]}"; do
    for _ in $(seq 100); do kill -0 "${PID[$build]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${PID[$build]}" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

start_server() { # build-name binary
  local name=$1 binary=$2 dir=$WORK/$1
  mkdir -p "$dir/data"
  "$binary" server --listen 127.0.0.1:0 --data-dir "$dir/data" --private-dockerd never \
    --docker-host "unix://$dir/no-engine.sock" --log-level error >"$dir/out" 2>"$dir/err" &
  PID[$name]=$!
  bench_wait_listening "${PID[$name]}" "$dir/out" "$dir/err"
  URL[$name]=$DOKKERR_URL
  bench_bootstrap_admin "${URL[$name]}" "$dir/out"
  PASSWORD[$name]=$BENCH_PASSWORD
  TOKEN[$name]=$(bench_login "${URL[$name]}")
}

login() { # build-name → a fresh access token of that server's admin
  BENCH_PASSWORD=${PASSWORD[$1]}
  bench_login "${URL[$1]}"
}

start_server baseline "$BASELINE_BIN"
start_server this "$BIN"

run_phase() { # build phase repeat → one line "build phase rps p50 p99 cpu_us"
  local build=$1 phase=$2 out=$WORK/wrk.$1.$2.$3 path args=()
  case $phase in
    healthz) path=/healthz ;;
    version) path=/api/v1/version; args=(-H "Authorization: Bearer ${TOKEN[$build]}") ;;
    me) path=/api/v1/me; args=(-H "Authorization: Bearer ${TOKEN[$build]}") ;;
  esac
  local before after
  before=$(cpu_ticks "${PID[$build]}")
  wrk -t1 -c4 "-d${DURATION}s" --timeout 10s --latency "${args[@]}" "${URL[$build]}$path" >"$out"
  after=$(cpu_ticks "${PID[$build]}")
  read -r rps p50 p99 requests non2xx errors < <(parse_wrk "$out")
  [[ $non2xx -eq 0 && $errors -eq 0 ]] || die "$build $phase: $non2xx non-2xx answers, $errors socket errors"
  local cpu_us
  cpu_us=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
  echo "$build $phase $rps $p50 $p99 $cpu_us"
}

results=$WORK/results
for repeat in $(seq "$REPEATS"); do
  for phase in healthz version me; do
    # Alternate which build goes first, so neither always runs on a warmer machine.
    if (( repeat % 2 )); then order=(baseline this); else order=(this baseline); fi
    for build in "${order[@]}"; do
      # The access token lives 15 minutes; a fresh one per run keeps long runs valid.
      TOKEN[$build]=$(login "$build")
      run_phase "$build" "$phase" "$repeat" >>"$results"
    done
  done
done

python3 - "$results" "$BASELINE_REV" "$REPEATS" "$DURATION" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
rev, repeats, duration = sys.argv[2], sys.argv[3], sys.argv[4]
med = {}
for build, phase, *values in rows:
    med.setdefault((build, phase), []).append([float(v) for v in values])
def m(build, phase, i):
    return statistics.median(v[i] for v in med[(build, phase)])
print(f"Request path, this build vs the baseline ({rev}); medians of {repeats} runs of {duration} s, "
      "wrk -t1 -c4, one 2-core machine shared by wrk and the server\n")
print("| phase | build | requests/s | p50 ms | p99 ms | server CPU µs/request |")
print("|---|---|---:|---:|---:|---:|")
for phase in ("healthz", "version", "me"):
    for build in ("baseline", "this"):
        print(f"| {phase} | {build} | {m(build, phase, 0):.0f} | {m(build, phase, 1):.3f} | "
              f"{m(build, phase, 2):.3f} | {m(build, phase, 3):.1f} |")
    ratio = lambda i: m("this", phase, i) / m("baseline", phase, i)
    print(f"| {phase} | this / baseline | {ratio(0):.2f} | {ratio(1):.2f} | {ratio(2):.2f} | {ratio(3):.2f} |")
EOF
