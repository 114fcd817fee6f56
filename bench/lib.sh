# shellcheck shell=bash
# Helpers shared by the benchmark scripts; source it (it defines functions only).
#
#   bench_wait_listening PID OUT_FILE ERR_FILE    → sets DOKKERR_URL (waits up to 30 s)
#   bench_bootstrap_admin URL OUT_FILE            → creates the first admin from the setup token
#                                                   the server printed on OUT_FILE; sets
#                                                   BENCH_USER and BENCH_PASSWORD
#   bench_login URL                               → prints a fresh access token for BENCH_USER
#   cpu_ticks PID                                 → utime+stime of a process, in clock ticks
#   status_kb PID VmRSS|VmHWM                     → a /proc/PID/status value, in kB
#   parse_wrk FILE                                → "rps p50_ms p99_ms requests non2xx sockerr"
#
# BENCH_CURL_INSECURE=1 lets the two sign-in helpers accept a self-signed certificate (curl -k).
# Needs curl and python3. Failures go to stderr and return non-zero.

bench_wait_listening() {
  local pid=$1 out=$2 err=$3
  DOKKERR_URL=''
  for _ in $(seq 300); do
    DOKKERR_URL=$(sed -n 's/^Dokkerr listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$out" | head -n1)
    [[ -n $DOKKERR_URL ]] && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$err" >&2
      echo "bench: server exited during start" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "bench: server did not print its listening line within 30 s" >&2
  return 1
}

bench_bootstrap_admin() {
  local url=$1 out=$2 setup_token body
  setup_token=$(sed -n 's/^Dokkerr setup token: \(.*\)$/\1/p' "$out" | head -n1)
  if [[ -z $setup_token ]]; then
    echo "bench: the server printed no setup token (data dir not fresh?)" >&2
    return 1
  fi
  BENCH_USER=bench-admin
  # 24 random letters and digits: well above the 12-character minimum.
  BENCH_PASSWORD=$(python3 -c 'import secrets,string; a=string.ascii_letters+string.digits; print("".join(secrets.choice(a) for _ in range(24)))')
  body=$(python3 -c 'import json,sys; print(json.dumps({"setup_token": sys.argv[1], "username": sys.argv[2], "password": sys.argv[3]}))' \
    "$setup_token" "$BENCH_USER" "$BENCH_PASSWORD")
  curl ${BENCH_CURL_INSECURE:+-k} -fsS --max-time 30 -X POST -H 'Content-Type: application/json' -d "$body" \
    -o /dev/null "$url/api/v1/setup" || { echo "bench: POST /api/v1/setup failed" >&2; return 1; }
}

bench_login() {
  local url=$1 body
  body=$(python3 -c 'import json,sys; print(json.dumps({"username": sys.argv[1], "password": sys.argv[2]}))' \
    "$BENCH_USER" "$BENCH_PASSWORD")
  curl ${BENCH_CURL_INSECURE:+-k} -fsS --max-time 30 -X POST -H 'Content-Type: application/json' -d "$body" \
    "$url/api/v1/auth/login" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

cpu_ticks() { # utime+stime of a pid, in clock ticks
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

status_kb() { # VmRSS|VmHWM of a pid, in kB
  awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"
}

# wrk --latency output → "rps p50_ms p99_ms requests non2xx sockerr"
parse_wrk() {
  python3 - "$1" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
def ms(v):
    m = re.match(r'([\d.]+)(us|ms|s|m)$', v)
    n, u = float(m.group(1)), m.group(2)
    return n / 1000 if u == 'us' else n if u == 'ms' else n * 1000 if u == 's' else n * 60000
rps = float(re.search(r'Requests/sec:\s+([\d.]+)', text).group(1))
p50 = ms(re.search(r'^\s+50%\s+(\S+)', text, re.M).group(1))
p99 = ms(re.search(r'^\s+99%\s+(\S+)', text, re.M).group(1))
reqs = int(re.search(r'(\d+) requests in', text).group(1))
bad = re.search(r'Non-2xx or 3xx responses: (\d+)', text)
errs = re.search(r'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)', text)
nerr = sum(int(x) for x in errs.groups()) if errs else 0
print(f"{rps:.1f} {p50:.3f} {p99:.3f} {reqs} {int(bad.group(1)) if bad else 0} {nerr}")
EOF
}
