#!/usr/bin/env bash
# Object storage and volume backups against their baselines, in one run.
#
#   bench/objects.sh > objects-results.md     (release build at build/bin/dokkerr, or DOKKERR_BIN)
#
# 1. A BENCH_BYTES object (default 1 GiB of random bytes) uploaded to and downloaded from a local
#    S3-compatible server (s3rver, scripts/testenv/s3.sh) by Dokkerr's S3 client
#    (`dokkerr admin object-put|object-get`: one streamed PUT, SigV4 by libcurl; and
#    `object-put --stream`, the 8 MiB multipart writer backups use) and by
#    curl with --aws-sigv4 (one streamed PUT / GET), and by `aws s3 cp` when awscli is
#    installed; wall time, throughput and each client's peak RSS (GNU time).
# 2. A volume of BENCH_BYTES (half random, half text) backed up through the API of a release
#    server (POST /api/v1/backups/volumes, local object store) against `tar | gzip -1` of the
#    volume's directory (the same compression level), and `tar | gzip` at the default level;
#    the server's peak RSS over its whole life (VmHWM) after the backup.
# 3. A root filesystem tarball of BENCH_BYTES/2 (one random file) imported as an image through the
#    server (POST …/images/import: streamed into the object store, then into the engine) against
#    the same upload straight to the engine's API (POST /images/create?fromSrc=-); the server's
#    VmHWM after it.
# Prints markdown with the ratios. Everything made is removed at the end, also on failure.
#
# Knobs: BENCH_BYTES=1073741824, DOKKERR_BIN, DOKKERR_TESTENV_DIR.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BIN=${DOKKERR_BIN:-$ROOT/build/bin/dokkerr}
BYTES=${BENCH_BYTES:-1073741824}
ENGINE_NAME=bench-obj
IMAGE=dokkerr-test/busybox:latest
export DOKKERR_TESTENV_DIR=${DOKKERR_TESTENV_DIR:-$ROOT/.testenv}
TESTENV=$ROOT/scripts/testenv/dockerd.sh
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

die() { echo "objects.sh: $*" >&2; exit 1; }
note() { echo "objects.sh: $*" >&2; }

[[ -x $BIN ]] || die "no release build at $BIN (cmake --preset release && cmake --build --preset release)"
for tool in curl node python3 dockerd tar gzip /usr/bin/time; do
  command -v "$tool" >/dev/null || die "$tool is required"
done

WORK=$(mktemp -d /tmp/dokkerr-bench-obj.XXXXXX)
S3_ENV=$WORK/s3env
SERVER_PID=''
ENGINE_STARTED=0
VOLUME=bench-obj-volume

api() { curl -fsS --max-time 600 --unix-socket "$SOCK" -X "$1" "${@:3}" "http://engine/v1.41$2"; }

cleanup() {
  set +e
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  DOKKERR_TESTENV_DIR=$S3_ENV bash "$ROOT/scripts/testenv/s3.sh" stop >/dev/null 2>&1
  if [[ $ENGINE_STARTED == 1 ]]; then
    api DELETE "/volumes/$VOLUME?force=1" >/dev/null 2>&1
    api DELETE "/images/bench-obj/raw:v1?force=1" >/dev/null 2>&1
    api DELETE "/images/bench-obj/dokkerr:v1?force=1" >/dev/null 2>&1
    bash "$TESTENV" stop "$ENGINE_NAME" >/dev/null 2>&1
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# Runs a command under GNU time; prints "seconds max_rss_kb".
timed() {
  /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >/dev/null 2>"$WORK/timed.err" ||
    { cat "$WORK/timed.err" >&2; die "failed: $*"; }
  cat "$WORK/time"
}
mib_per_s() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 1048576 / float(sys.argv[2]):.0f}')" "$BYTES" "$1"; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$1" "$2"; }

note "starting s3rver"
DOKKERR_TESTENV_DIR=$S3_ENV bash "$ROOT/scripts/testenv/s3.sh" start
eval "$(DOKKERR_TESTENV_DIR=$S3_ENV bash "$ROOT/scripts/testenv/s3.sh" env)"
STORE="s3://$DOKKERR_TEST_S3_BUCKET/bench?endpoint=$DOKKERR_TEST_S3_ENDPOINT&path_style=true"
OBJECT_URL=$DOKKERR_TEST_S3_ENDPOINT/$DOKKERR_TEST_S3_BUCKET/bench

note "writing $BYTES random bytes"
head -c "$BYTES" /dev/urandom >"$WORK/big"
mkdir -p "$WORK/data"

note "upload and download: Dokkerr's S3 client"
read -r d_up d_up_rss < <(timed "$BIN" admin object-put --data-dir "$WORK/data" --object-store "$STORE" --key dokkerr.bin --file "$WORK/big")
read -r s_up s_up_rss < <(timed "$BIN" admin object-put --stream --data-dir "$WORK/data" --object-store "$STORE" --key streamed.bin --file "$WORK/big")
read -r d_down d_down_rss < <(timed "$BIN" admin object-get --data-dir "$WORK/data" --object-store "$STORE" --key dokkerr.bin --file "$WORK/down-dokkerr")
cmp -s "$WORK/big" "$WORK/down-dokkerr" || die "Dokkerr's download differs from the upload"
rm -f "$WORK/down-dokkerr"

note "upload and download: curl --aws-sigv4"
SIGV4=(--aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
read -r c_up c_up_rss < <(timed curl -fsS "${SIGV4[@]}" -T "$WORK/big" "$OBJECT_URL/curl.bin")
read -r c_down c_down_rss < <(timed curl -fsS "${SIGV4[@]}" -o "$WORK/down-curl" "$OBJECT_URL/curl.bin")
cmp -s "$WORK/big" "$WORK/down-curl" || die "curl's download differs from the upload"
rm -f "$WORK/down-curl"

a_row=''
best_up=$c_up
best_down=$c_down
if command -v aws >/dev/null; then
  note "upload and download: aws s3 cp"
  read -r a_up a_up_rss < <(timed aws --endpoint-url "$DOKKERR_TEST_S3_ENDPOINT" s3 cp "$WORK/big" "s3://$DOKKERR_TEST_S3_BUCKET/bench/aws.bin")
  read -r a_down a_down_rss < <(timed aws --endpoint-url "$DOKKERR_TEST_S3_ENDPOINT" s3 cp "s3://$DOKKERR_TEST_S3_BUCKET/bench/aws.bin" "$WORK/down-aws")
  rm -f "$WORK/down-aws"
  a_row="| aws s3 cp | $a_up s ($(mib_per_s "$a_up") MiB/s) | $((a_up_rss / 1024)) MiB | $a_down s ($(mib_per_s "$a_down") MiB/s) | $((a_down_rss / 1024)) MiB |"
  best_up=$(python3 -c "import sys; print(min(map(float, sys.argv[1:])))" "$c_up" "$a_up")
  best_down=$(python3 -c "import sys; print(min(map(float, sys.argv[1:])))" "$c_down" "$a_down")
fi
rm -f "$WORK/big"

note "starting engine $ENGINE_NAME and a release server"
bash "$TESTENV" start "$ENGINE_NAME" >"$WORK/engine.log" 2>&1 || { cat "$WORK/engine.log" >&2; die "engine start failed"; }
ENGINE_STARTED=1
SOCK=$(sed -n 's/^DOCKER_HOST=unix:\/\///p' "$DOKKERR_TESTENV_DIR/dockerd-$ENGINE_NAME/env")
mkdir -p "$WORK/server"
"$BIN" server --listen 127.0.0.1:0 --data-dir "$WORK/server" --private-dockerd never \
  --docker-host "unix://$SOCK" --object-store "file://$WORK/objects" --metrics-interval 60 \
  >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
bench_wait_listening "$SERVER_PID" "$WORK/server.out" "$WORK/server.err" || die "the server did not start"
bench_bootstrap_admin "$DOKKERR_URL" "$WORK/server.out"
TOKEN=$(bench_login "$DOKKERR_URL")

note "filling volume $VOLUME with $BYTES bytes"
api POST /volumes/create -H 'Content-Type: application/json' -d "{\"Name\":\"$VOLUME\"}" >/dev/null
half=$((BYTES / 2))
fill=$(python3 -c 'import json,sys; print(json.dumps({"Image": sys.argv[1], "Cmd": ["sh", "-c", sys.argv[2]], "HostConfig": {"Binds": [sys.argv[3] + ":/data"], "NetworkMode": "none"}}))' \
  "$IMAGE" "head -c $half /dev/urandom > /data/random.bin && yes 'GET /api/v1/environments/local/containers 200 1.3ms request-id=4f1c' | head -c $half > /data/access.log && mkdir /data/many && i=0; while [ \$i -lt 2000 ]; do echo file \$i > /data/many/f\$i; i=\$((i+1)); done" "$VOLUME")
job=$(api POST /containers/create -H 'Content-Type: application/json' -d "$fill" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Id"])')
api POST "/containers/$job/start" >/dev/null
api POST "/containers/$job/wait" >/dev/null
api DELETE "/containers/$job?force=1" >/dev/null
MOUNTPOINT=$(api GET "/volumes/$VOLUME" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Mountpoint"])')

note "volume backup: Dokkerr"
rss_before=$(status_kb "$SERVER_PID" VmHWM)
start=$(date +%s.%N)
curl -fsS --max-time 1800 -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d "{\"volume\":\"$VOLUME\"}" "$DOKKERR_URL/api/v1/backups/volumes" >"$WORK/run.json"
d_backup=$(python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.2f}')" "$start")
rss_after=$(status_kb "$SERVER_PID" VmHWM)
d_size=$(python3 -c 'import json,sys; r = json.load(open(sys.argv[1])); assert r["status"] == "succeeded", r; print(r["size_bytes"])' "$WORK/run.json")

note "volume backup: tar | gzip -1 and tar | gzip"
read -r g1 _ < <(timed bash -c "tar -C '$MOUNTPOINT' -cf - . | gzip -1 > '$WORK/baseline1.tar.gz'")
g1_size=$(stat -c %s "$WORK/baseline1.tar.gz")
rm -f "$WORK/baseline1.tar.gz"
read -r g6 _ < <(timed bash -c "tar -C '$MOUNTPOINT' -cf - . | gzip > '$WORK/baseline6.tar.gz'")
g6_size=$(stat -c %s "$WORK/baseline6.tar.gz")
rm -f "$WORK/baseline6.tar.gz"

note "image upload: a root filesystem tarball through Dokkerr and straight to the engine"
api DELETE "/volumes/$VOLUME?force=1" >/dev/null
mkdir -p "$WORK/rootfs"
head -c $((BYTES / 2)) /dev/urandom >"$WORK/rootfs/blob.bin"
tar -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" .
rm -rf "$WORK/rootfs"
TAR_BYTES=$(stat -c %s "$WORK/rootfs.tar")
read -r raw_import _ < <(timed curl -fsS --max-time 1800 --unix-socket "$SOCK" -X POST -T "$WORK/rootfs.tar" \
  -H 'Content-Type: application/x-tar' "http://engine/v1.41/images/create?fromSrc=-&repo=bench-obj/raw&tag=v1")
api DELETE "/images/bench-obj/raw:v1?force=1" >/dev/null
up_before=$(status_kb "$SERVER_PID" VmHWM)
read -r d_import _ < <(timed curl -fsS --max-time 1800 -X POST -T "$WORK/rootfs.tar" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/x-tar' "$DOKKERR_URL/api/v1/environments/local/images/import?repo=bench-obj/dokkerr&tag=v1")
up_after=$(status_kb "$SERVER_PID" VmHWM)
api GET "/images/bench-obj/dokkerr:v1/json" >/dev/null || die "the image imported through Dokkerr is missing"
api DELETE "/images/bench-obj/dokkerr:v1?force=1" >/dev/null
rm -f "$WORK/rootfs.tar"

cat <<EOF
### objects.sh — $(date -u +%Y-%m-%d), $((BYTES / 1048576)) MiB, $(nproc) cores

| upload / download of one object to s3rver | upload | client peak RSS | download | client peak RSS |
|---|---|---|---|---|
| Dokkerr (\`admin object-put\`: one streamed PUT; \`object-get\`) | $d_up s ($(mib_per_s "$d_up") MiB/s) | $((d_up_rss / 1024)) MiB | $d_down s ($(mib_per_s "$d_down") MiB/s) | $((d_down_rss / 1024)) MiB |
| Dokkerr's streaming writer (\`object-put --stream\`: 8 MiB multipart parts, as backups write) | $s_up s ($(mib_per_s "$s_up") MiB/s) | $((s_up_rss / 1024)) MiB | | |
| curl --aws-sigv4 (one streamed request) | $c_up s ($(mib_per_s "$c_up") MiB/s) | $((c_up_rss / 1024)) MiB | $c_down s ($(mib_per_s "$c_down") MiB/s) | $((c_down_rss / 1024)) MiB |
${a_row}

Throughput against the best baseline: upload **$(ratio "$best_up" "$d_up")×**, download **$(ratio "$best_down" "$d_down")×** (goal ≥ 0.9); the streaming writer against the best multipart client${a_row:+ (aws s3 cp)}: $(ratio "${a_up:-$c_up}" "$s_up")×.

| volume backup of $((BYTES / 1048576)) MiB | time | archive |
|---|---|---|
| Dokkerr (POST /api/v1/backups/volumes, local store) | $d_backup s | $((d_size / 1048576)) MiB |
| tar \| gzip -1 | $g1 s | $((g1_size / 1048576)) MiB |
| tar \| gzip (level 6) | $g6 s | $((g6_size / 1048576)) MiB |

Throughput against \`tar | gzip -1\`: **$(ratio "$g1" "$d_backup")×** (goal ≥ 0.9); against \`tar | gzip\`: $(ratio "$g6" "$d_backup")×.
Server peak RSS (VmHWM over its whole life): $((rss_before / 1024)) MiB before the backup, $((rss_after / 1024)) MiB after (goal ≤ 64 MiB during a 1 GiB transfer).

| image import of a $((TAR_BYTES / 1048576)) MiB tarball | time |
|---|---|
| Dokkerr (POST …/images/import: into the object store, then the engine) | $d_import s |
| the engine's API directly (POST /images/create?fromSrc=-) | $raw_import s |

Against the engine directly: **$(ratio "$raw_import" "$d_import")×**. Server peak RSS: $((up_before / 1024)) MiB before the upload, $((up_after / 1024)) MiB after (the tarball is never held in memory).
EOF
