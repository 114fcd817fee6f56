#!/usr/bin/env bash
# Deploying a stack of BENCH_SERVICES services (default 10) through Dokkerr against the compose
# CLI on the same file and the same engine, in one run.
#
#   bench/stacks.sh > stacks-results.md     (release build at build/bin/dokkerr, or DOKKERR_BIN)
#
# Baseline: `docker-compose up -d` (Debian's docker-compose 1.29) on a private engine
# (`dockerd.sh start bench-stacks`). Dokkerr: POST /api/v1/environments/local/stacks to a
# release server on that engine, as its administrator, answered once every container runs. Each
# side deploys the file BENCH_REPEATS times (default 5) from nothing, and is torn down between
# runs (`docker-compose down`, DELETE …/stacks/{name}); the medians are compared. A second table
# times a redeploy of the unchanged file (nothing to do) on each side.
# Prints markdown with the ratios. Everything made is removed at the end, also on failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BIN=${DOKKERR_BIN:-$ROOT/build/bin/dokkerr}
SERVICES=${BENCH_SERVICES:-10}
REPEATS=${BENCH_REPEATS:-5}
ENGINE_NAME=bench-stacks
IMAGE=dokkerr-test/busybox:latest
export DOKKERR_TESTENV_DIR=${DOKKERR_TESTENV_DIR:-$ROOT/.testenv}
TESTENV=$ROOT/scripts/testenv/dockerd.sh
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

die() { echo "stacks.sh: $*" >&2; exit 1; }
note() { echo "stacks.sh: $*" >&2; }

[[ -x $BIN ]] || die "no release build at $BIN (cmake --preset release && cmake --build --preset release)"
for tool in curl python3 dockerd docker-compose; do
  command -v "$tool" >/dev/null || die "$tool is required"
done

WORK=$(mktemp -d /tmp/dokkerr-bench-stacks.XXXXXX)
SERVER_PID=''
ENGINE_STARTED=0

cleanup() {
  set +e
  if [[ $ENGINE_STARTED == 1 ]]; then
    DOCKER_HOST=unix://$SOCK docker-compose -p bench-cli -f "$WORK/docker-compose.yml" down >/dev/null 2>&1
    [[ -n ${TOKEN:-} ]] && curl -fsS -X DELETE -H "Authorization: Bearer $TOKEN" \
      "$DOKKERR_URL/api/v1/environments/local/stacks/bench-dokkerr" >/dev/null 2>&1
  fi
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [[ $ENGINE_STARTED == 1 ]] && bash "$TESTENV" stop "$ENGINE_NAME" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

{
  echo "services:"
  for i in $(seq "$SERVICES"); do
    echo "  svc$i:"
    echo "    image: $IMAGE"
    echo "    command: [\"sleep\", \"3600\"]"
    echo "    environment: {INDEX: \"$i\"}"
    echo "    labels: {bench: \"stacks\"}"
  done
} >"$WORK/docker-compose.yml"

note "starting engine $ENGINE_NAME and a release server"
bash "$TESTENV" start "$ENGINE_NAME" >"$WORK/engine.log" 2>&1 || { cat "$WORK/engine.log" >&2; die "engine start failed"; }
ENGINE_STARTED=1
SOCK=$(sed -n 's/^DOCKER_HOST=unix:\/\///p' "$DOKKERR_TESTENV_DIR/dockerd-$ENGINE_NAME/env")
mkdir -p "$WORK/server"
"$BIN" server --listen 127.0.0.1:0 --data-dir "$WORK/server" --private-dockerd never \
  --docker-host "unix://$SOCK" --metrics-interval 60 >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
bench_wait_listening "$SERVER_PID" "$WORK/server.out" "$WORK/server.err" || die "the server did not start"
bench_bootstrap_admin "$DOKKERR_URL" "$WORK/server.out"
TOKEN=$(bench_login "$DOKKERR_URL")
BODY=$WORK/body.json
python3 -c 'import json,sys; print(json.dumps({"name": "bench-dokkerr", "compose": open(sys.argv[1]).read()}))' \
  "$WORK/docker-compose.yml" >"$BODY"
UPDATE=$WORK/update.json
python3 -c 'import json,sys; print(json.dumps({"compose": open(sys.argv[1]).read()}))' \
  "$WORK/docker-compose.yml" >"$UPDATE"

seconds_of() { python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.3f}')" "$1"; }
median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$1" "$2"; }
running() { curl -fsS --unix-socket "$SOCK" "http://engine/v1.41/containers/json?filters=%7B%22label%22%3A%5B%22com.docker.compose.project%3D$1%22%5D%7D" |
  python3 -c 'import json,sys; print(sum(1 for c in json.load(sys.stdin) if c["State"] == "running"))'; }

cli() { DOCKER_HOST=unix://$SOCK docker-compose -p bench-cli -f "$WORK/docker-compose.yml" "$@" >/dev/null 2>&1; }
dokkerr_deploy() {
  curl -fsS --max-time 600 -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    --data-binary @"$BODY" "$DOKKERR_URL/api/v1/environments/local/stacks" >/dev/null
}
dokkerr_redeploy() {
  curl -fsS --max-time 600 -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    --data-binary @"$UPDATE" "$DOKKERR_URL/api/v1/environments/local/stacks/bench-dokkerr" >/dev/null
}
dokkerr_remove() {
  curl -fsS --max-time 600 -X DELETE -H "Authorization: Bearer $TOKEN" \
    "$DOKKERR_URL/api/v1/environments/local/stacks/bench-dokkerr" >/dev/null
}

cli_times=() dokkerr_times=() cli_again=() dokkerr_again=()
for run in $(seq "$REPEATS"); do
  note "run $run of $REPEATS"
  start=$(date +%s.%N); cli up -d || die "docker-compose up failed"; cli_times+=("$(seconds_of "$start")")
  [[ $(running bench-cli) == "$SERVICES" ]] || die "the CLI's stack is not running"
  start=$(date +%s.%N); cli up -d || die "docker-compose up (again) failed"; cli_again+=("$(seconds_of "$start")")
  cli down || die "docker-compose down failed"
  start=$(date +%s.%N); dokkerr_deploy || die "Dokkerr's deploy failed"; dokkerr_times+=("$(seconds_of "$start")")
  [[ $(running bench-dokkerr) == "$SERVICES" ]] || die "Dokkerr's stack is not running"
  start=$(date +%s.%N); dokkerr_redeploy || die "Dokkerr's redeploy failed"; dokkerr_again+=("$(seconds_of "$start")")
  dokkerr_remove || die "Dokkerr's removal failed"
done

c=$(median "${cli_times[@]}") d=$(median "${dokkerr_times[@]}")
ca=$(median "${cli_again[@]}") da=$(median "${dokkerr_again[@]}")
cat <<REPORT
### stacks.sh — $(date -u +%Y-%m-%d), $SERVICES services, $REPEATS runs, $(nproc) cores, $(docker-compose version --short 2>/dev/null || echo docker-compose)

| deploy of $SERVICES services from nothing | median | runs |
|---|---|---|
| Dokkerr (POST …/stacks) | $d s | ${dokkerr_times[*]} |
| docker-compose up -d | $c s | ${cli_times[*]} |

Dokkerr against the CLI: **$(ratio "$d" "$c")×** its wall time (goal ≤ 1.0).

| the same file again (nothing to change) | median |
|---|---|
| Dokkerr (PUT …/stacks/{name}) | $da s |
| docker-compose up -d | $ca s |

Against the CLI: $(ratio "$da" "$ca")×.
REPORT
