#!/usr/bin/env bash
# The web UI's files from Dokkerr (--web-dir, served from memory) against nginx serving the same
# build from disk with precompressed .gz files (gzip_static), in one run.
#
#   bench/web_ui.sh > web-ui-results.md    (this build: build/bin/dokkerr, or DOKKERR_BIN; the UI
#                                           in web/dist, or WEB_DIST)
#
# index.html is made anew for each answer by Dokkerr (a fresh style nonce in it and in its
# policy); nginx serves the file as it is, so that phase compares a generated page with a static one.
# At the end, the sizes of the build: what the first load fetches, against the 300 KiB budget of
# initial JavaScript (gzip -9), and the chunks loaded later.
#
# Servers pinned to core 0 (Dokkerr --threads 1, nginx one worker), wrk pinned to core 1
# (-t1 -c8 --latency, BENCH_DURATION seconds, Accept-Encoding: gzip). Phases: index (GET /) and
# script (GET /assets/<the entry script>). Each combination runs BENCH_REPEATS times, interleaved;
# the report gives medians of requests/s, p50 and p99, Dokkerr's ratio to nginx, and the
# resident memory of a Dokkerr with the UI next to one without it.
# Every server is stopped by pid at the end (also on failure) and its directory removed.
#
# Knobs: BENCH_REPEATS=3, BENCH_DURATION=10, DOKKERR_BIN, WEB_DIST.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BIN=${DOKKERR_BIN:-$ROOT/build/bin/dokkerr}
DIST=${WEB_DIST:-$ROOT/web/dist}
REPEATS=${BENCH_REPEATS:-3}
DURATION=${BENCH_DURATION:-10}
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

die() { echo "web_ui.sh: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is required (scripts/install-deps.sh bench)"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || die "nginx is required (scripts/install-deps.sh bench)"
[[ -x $BIN ]] || die "no release build at $BIN (cmake --preset release && cmake --build --preset release)"
[[ -f $DIST/index.html ]] || die "no web UI build at $DIST (cd web && npm ci && npm run build)"
# The entry script index.html loads (the other scripts are chunks loaded on demand).
SCRIPT=$(sed -n 's|.*<script type="module"[^>]* src="/\(assets/[^"]*\.js\)".*|\1|p' "$DIST/index.html" | head -n1)
[[ -n $SCRIPT ]] || die "no entry script in $DIST/index.html"

WORK=$(mktemp -d)
chmod 755 "$WORK"  # nginx workers run unprivileged and must read the files
declare -A PID URL
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
    --rate-limit read=0 "$@" >"$dir/out" 2>"$dir/err" &
  PID[$name]=$!
  bench_wait_listening "${PID[$name]}" "$dir/out" "$dir/err" || die "$name did not start"
  URL[$name]=$DOKKERR_URL
}

start_dokkerr dokkerr --web-dir "$DIST"
start_dokkerr api-only

mkdir -p "$WORK/nginx/root"
cp -r "$DIST/." "$WORK/nginx/root/"
find "$WORK/nginx/root" -type f \( -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \) \
  -exec gzip -k -6 {} \;
port=$(free_port)
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log error;
events { worker_connections 1024; }
http {
  access_log off;
  include /etc/nginx/mime.types;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  keepalive_requests 1000000;
  gzip_static on;
  server {
    listen 127.0.0.1:$port;
    root $WORK/nginx/root;
    location /assets/ { add_header Cache-Control "public, max-age=31536000, immutable"; }
    location = / { add_header Cache-Control "no-cache"; }
  }
}
EOF
taskset -c 0 "$NGINX" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" >/dev/null 2>&1 &
PID[nginx]=$!
URL[nginx]=http://127.0.0.1:$port
for _ in $(seq 100); do curl -fsS -o /dev/null "${URL[nginx]}/" 2>/dev/null && break; sleep 0.1; done
for server in dokkerr nginx; do
  curl -fsS -o /dev/null -H 'Accept-Encoding: gzip' "${URL[$server]}/$SCRIPT" || die "$server does not serve /$SCRIPT"
done

declare -A RESULTS
for round in $(seq "$REPEATS"); do
  for phase in index script; do
    target=/
    [[ $phase == script ]] && target=/$SCRIPT
    for server in dokkerr nginx; do
      out=$WORK/wrk-$server-$phase-$round
      taskset -c 1 wrk -t1 -c8 -d"${DURATION}s" --latency -H 'Accept-Encoding: gzip' \
        "${URL[$server]}$target" >"$out"
      RESULTS[$server,$phase]+="$(parse_wrk "$out")"$'\n'
    done
  done
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
column_median() { printf '%s' "${RESULTS[$1,$2]}" | awk -v c="$3" 'NF { print $c }' | median; }

echo "# Web UI files: Dokkerr (from memory) vs nginx (gzip_static), $(date -u +%Y-%m-%d)"
echo
echo "wrk -t1 -c8 -d${DURATION}s, Accept-Encoding: gzip, median of $REPEATS; servers on core 0, wrk on core 1. Script: /$SCRIPT."
echo
echo "| phase | server | requests/s | p50 ms | p99 ms | requests/s vs nginx |"
echo "|---|---|---:|---:|---:|---:|"
for phase in index script; do
  base=$(column_median nginx "$phase" 1)
  for server in dokkerr nginx; do
    rps=$(column_median "$server" "$phase" 1)
    printf '| %s | %s | %.0f | %.3f | %.3f | %.2f |\n' "$phase" "$server" "$rps" \
      "$(column_median "$server" "$phase" 2)" "$(column_median "$server" "$phase" 3)" \
      "$(python3 -c "print($rps / $base)")"
  done
done
echo
with_ui=$(status_kb "${PID[dokkerr]}" VmRSS)
without=$(status_kb "${PID[api-only]}" VmRSS)
printf 'Resident memory: Dokkerr with the UI %s kB, without %s kB (ratio %.2f).\n' "$with_ui" "$without" \
  "$(python3 -c "print($with_ui / $without)")"
echo
echo "Bundle (gzip -9): what index.html loads first, and the largest chunks loaded on demand."
echo
echo "| file | bytes | gzipped | loaded |"
echo "|---|---:|---:|---|"
initial_js=0
for file in $(sed -n 's#.*\(src\|href\)="/\(assets/[^"]*\.\(js\|css\)\)".*#\2#p' "$DIST/index.html"); do
  gz=$(gzip -9c "$DIST/$file" | wc -c)
  [[ $file == *.js ]] && initial_js=$((initial_js + gz))
  printf '| %s | %s | %s | first |\n' "$file" "$(wc -c <"$DIST/$file")" "$gz"
done
for file in $(cd "$DIST" && ls -S assets/*.js | grep -vF "$SCRIPT" | head -n 6); do
  printf '| %s | %s | %s | on demand |\n' "$file" "$(wc -c <"$DIST/$file")" "$(gzip -9c "$DIST/$file" | wc -c)"
done
echo
printf 'Initial JavaScript: %s bytes gzipped, %.2f of the 300 KiB budget.\n' "$initial_js" \
  "$(python3 -c "print($initial_js / (300 * 1024))")"
