#!/usr/bin/env bash
# Deploying a Swarm stack of BENCH_SERVICES services (default 10) through Dokkerr against
# `docker stack deploy` on the same file and the same single-node swarm, in one run.
#
#   bench/swarm_stacks.sh > swarm-stacks-results.md   (release build at build/bin/dokkerr, or DOKKERR_BIN)
#
# Baseline: the docker CLI's `docker stack deploy -c FILE` on a private engine in a network
# namespace (`dockerd.sh start-netns bench-swarm`), initialized as a swarm here. Dokkerr:
# PUT /api/v1/environments/local/swarm/stacks/{name} to a release server on that engine, as its
# administrator. Both answer once the services exist (the swarm then starts their tasks on its
# own), so the timed part is the same: read the file, make the stack's network, create the
# services. Each side deploys BENCH_REPEATS times (default 5) from nothing and is torn down in
# between (`docker stack rm`, DELETE …/swarm/stacks/{name}, then waiting for the network to go);
# the medians are compared. A second table times deploying the unchanged file again.
# Prints markdown with the ratios. Everything made is removed at the end, also on failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BIN=${DOKKERR_BIN:-$ROOT/build/bin/dokkerr}
SERVICES=${BENCH_SERVICES:-10}
REPEATS=${BENCH_REPEATS:-5}
ENGINE_NAME=bench-swarm
IMAGE=dokkerr-test/busybox:latest
export DOKKERR_TESTENV_DIR=${DOKKERR_TESTENV_DIR:-$ROOT/.testenv}
TESTENV=$ROOT/scripts/testenv/dockerd.sh
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

die() { echo "swarm_stacks.sh: $*" >&2; exit 1; }
note() { echo "swarm_stacks.sh: $*" >&2; }

[[ -x $BIN ]] || die "no release build at $BIN (cmake --preset release && cmake --build --preset release)"
for tool in curl python3 dockerd docker; do
  command -v "$tool" >/dev/null || die "$tool is required"
done

WORK=$(mktemp -d /tmp/dokkerr-bench-swarm.XXXXXX)
SERVER_PID=''
ENGINE_STARTED=0

cleanup() {
  set +e
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  if [[ $ENGINE_STARTED == 1 ]]; then
    docker -H "unix://$SOCK" swarm leave --force >/dev/null 2>&1
    bash "$TESTENV" stop "$ENGINE_NAME" >/dev/null 2>&1
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

{
  echo "version: \"3.8\""
  echo "services:"
  for i in $(seq "$SERVICES"); do
    echo "  svc$i:"
    echo "    image: $IMAGE"
    echo "    command: [\"sleep\", \"3600\"]"
    echo "    environment: {INDEX: \"$i\"}"
    echo "    deploy: {replicas: 1, labels: {bench: \"swarm\"}}"
  done
} >"$WORK/stack.yml"

note "starting engine $ENGINE_NAME (a single-node swarm) and a release server"
bash "$TESTENV" start-netns "$ENGINE_NAME" >"$WORK/engine.log" 2>&1 || { cat "$WORK/engine.log" >&2; die "engine start failed"; }
ENGINE_STARTED=1
SOCK=$(sed -n 's/^DOCKER_HOST=unix:\/\///p' "$DOKKERR_TESTENV_DIR/dockerd-$ENGINE_NAME/env")
docker -H "unix://$SOCK" swarm leave --force >/dev/null 2>&1 || true
docker -H "unix://$SOCK" swarm init --advertise-addr 127.0.0.1 --default-addr-pool 198.19.128.0/17 >/dev/null
mkdir -p "$WORK/server"
"$BIN" server --listen 127.0.0.1:0 --data-dir "$WORK/server" --private-dockerd never \
  --docker-host "unix://$SOCK" --metrics-interval 60 >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
bench_wait_listening "$SERVER_PID" "$WORK/server.out" "$WORK/server.err" || die "the server did not start"
bench_bootstrap_admin "$DOKKERR_URL" "$WORK/server.out"
TOKEN=$(bench_login "$DOKKERR_URL")
BODY=$WORK/body.json
python3 -c 'import json,sys; print(json.dumps({"compose": open(sys.argv[1]).read()}))' "$WORK/stack.yml" >"$BODY"

seconds_of() { python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.3f}')" "$1"; }
median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$1" "$2"; }
services_of() { docker -H "unix://$SOCK" service ls -q --filter "label=com.docker.stack.namespace=$1" | wc -l; }
# Removal is asynchronous on the engine: the next deploy starts once the stack's network is gone.
network_gone() {
  for _ in $(seq 120); do
    docker -H "unix://$SOCK" network inspect "$1_default" >/dev/null 2>&1 || return 0
    sleep 0.5
  done
  die "the network $1_default did not go"
}

cli() { docker -H "unix://$SOCK" stack deploy -c "$WORK/stack.yml" bench-cli >/dev/null 2>&1; }
cli_remove() { docker -H "unix://$SOCK" stack rm bench-cli >/dev/null 2>&1; network_gone bench-cli; }
dokkerr_deploy() {
  curl -fsS --max-time 600 -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    --data-binary @"$BODY" "$DOKKERR_URL/api/v1/environments/local/swarm/stacks/bench-dokkerr" >/dev/null
}
dokkerr_remove() {
  curl -fsS --max-time 600 -X DELETE -H "Authorization: Bearer $TOKEN" \
    "$DOKKERR_URL/api/v1/environments/local/swarm/stacks/bench-dokkerr" >/dev/null
  network_gone bench-dokkerr
}

cli_times=() dokkerr_times=() cli_again=() dokkerr_again=()
for run in $(seq "$REPEATS"); do
  note "run $run of $REPEATS"
  start=$(date +%s.%N); cli || die "docker stack deploy failed"; cli_times+=("$(seconds_of "$start")")
  [[ $(services_of bench-cli) == "$SERVICES" ]] || die "the CLI's stack is incomplete"
  start=$(date +%s.%N); cli || die "docker stack deploy (again) failed"; cli_again+=("$(seconds_of "$start")")
  cli_remove
  start=$(date +%s.%N); dokkerr_deploy || die "Dokkerr's deploy failed"; dokkerr_times+=("$(seconds_of "$start")")
  [[ $(services_of bench-dokkerr) == "$SERVICES" ]] || die "Dokkerr's stack is incomplete"
  start=$(date +%s.%N); dokkerr_deploy || die "Dokkerr's deploy (again) failed"; dokkerr_again+=("$(seconds_of "$start")")
  dokkerr_remove
done

c=$(median "${cli_times[@]}") d=$(median "${dokkerr_times[@]}")
ca=$(median "${cli_again[@]}") da=$(median "${dokkerr_again[@]}")
cat <<REPORT
### swarm_stacks.sh — $(date -u +%Y-%m-%d), $SERVICES services, $REPEATS runs, $(nproc) cores, docker $(docker version --format '{{.Client.Version}}' 2>/dev/null)

| a Swarm stack of $SERVICES services from nothing | median | runs |
|---|---|---|
| Dokkerr (PUT …/swarm/stacks/{name}) | $d s | ${dokkerr_times[*]} |
| docker stack deploy | $c s | ${cli_times[*]} |

Dokkerr against the CLI: **$(ratio "$d" "$c")×** its wall time (goal ≤ 1.0).

| the same file again (an update of every service) | median |
|---|---|
| Dokkerr | $da s |
| docker stack deploy | $ca s |

Against the CLI: $(ratio "$da" "$ca")×.
REPORT
