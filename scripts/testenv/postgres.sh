#!/usr/bin/env bash
# A private PostgreSQL server for the tests.
#
#   scripts/testenv/postgres.sh start   # initialize (first time) and start; prints only errors
#   scripts/testenv/postgres.sh url     # prints postgres://dokkerr@127.0.0.1:PORT/dokkerr_test
#   scripts/testenv/postgres.sh stop    # stops it (fast shutdown); does nothing when not running
#
#   export DOKKERR_TEST_POSTGRES_URL="$(scripts/testenv/postgres.sh url)"
#
# State lives in ${DOKKERR_TESTENV_DIR:-$PWD/.testenv}/postgres: data/ (the cluster), socket/
# (the unix socket, nobody else's), log, and url (written by start, removed by stop).
# The server listens on 127.0.0.1 only, at a free port chosen at each start (POSTGRES_PORT pins
# it, for a test that stops and starts its own server under the same URL). Durability is off
# (fsync, full_page_writes, synchronous_commit): a crash loses the test data, which is fine.
# Run as root, the server runs as the `postgres` system user (initdb refuses root), so that user
# must be able to reach the state directory; point DOKKERR_TESTENV_DIR elsewhere (e.g. under
# /tmp) if a parent directory is private. PG_BINDIR overrides where initdb/pg_ctl are found.
#
# Role `dokkerr` logs in without a password over loopback (trust), owns database dokkerr_test
# and has CREATEDB. Tests get a clean schema by creating a database of their own, with a unique
# name, from a connection to dokkerr_test (CREATE DATABASE …), and dropping it when done
# (DROP DATABASE … WITH (FORCE)); tests/unit/store/test_databases.hpp does this. That keeps
# tests that run in parallel apart, which resetting one shared schema would not.
set -euo pipefail

die() {
  echo "postgres.sh: $*" >&2
  exit 1
}

testenv_dir="${DOKKERR_TESTENV_DIR:-$PWD/.testenv}"
mkdir -p "$testenv_dir"
testenv_dir="$(cd "$testenv_dir" && pwd)"
state="$testenv_dir/postgres"
data="$state/data"
socket_dir="$state/socket"
log="$state/log"
url_file="$state/url"
port_file="$state/port"

find_bindir() {
  if [[ -n "${PG_BINDIR:-}" ]]; then
    echo "$PG_BINDIR"
    return
  fi
  local dir found=""
  # The highest installed major version.
  for dir in /usr/lib/postgresql/*/bin; do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
      found="$(printf '%s\n%s\n' "$found" "$dir" | sort -V | tail -n 1)"
    fi
  done
  if [[ -n "$found" ]]; then
    echo "$found"
    return
  fi
  die "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin" \
    "(apt-get install postgresql-15)"
}

bindir="$(find_bindir)"

# Runs a command as the user the server runs as.
as_server_user() {
  if [[ "$(id -u)" -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

is_running() {
  [[ -f "$data/postmaster.pid" ]] &&
    as_server_user "$bindir/pg_ctl" status -D "$data" >/dev/null 2>&1
}

port_is_free() {
  # Nothing answers on it; bash's /dev/tcp needs no extra tool.
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if port_is_free "$port"; then
      echo "$port"
      return
    fi
  done
  die "found no free port on 127.0.0.1"
}

init_cluster() {
  if [[ "$(id -u)" -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "the postgres system user is missing (install postgresql-15)"
    mkdir -p "$state"
    chown postgres:postgres "$state"
    runuser -u postgres -- test -w "$state" ||
      die "user postgres cannot write $state; set DOKKERR_TESTENV_DIR to a directory it can reach"
  else
    mkdir -p "$state"
  fi
  as_server_user mkdir -p "$socket_dir"
  as_server_user chmod 700 "$socket_dir"
  if [[ -f "$data/PG_VERSION" ]]; then
    return
  fi
  as_server_user rm -rf "$data"
  as_server_user "$bindir/initdb" -D "$data" -U postgres -E UTF8 --no-locale \
    --auth-local=trust --auth-host=reject >"$state/initdb.log" 2>&1 ||
    die "initdb failed; see $state/initdb.log"
  as_server_user tee -a "$data/postgresql.conf" >/dev/null <<EOF

# dokkerr test environment
listen_addresses = '127.0.0.1'
unix_socket_directories = '$socket_dir'
fsync = off
full_page_writes = off
synchronous_commit = off
max_connections = 200
shared_buffers = 32MB
log_min_messages = warning
EOF
  # Only the socket (for this script) and loopback for role dokkerr; everything else is refused.
  as_server_user tee "$data/pg_hba.conf" >/dev/null <<'EOF'
local all postgres trust
host all dokkerr 127.0.0.1/32 trust
EOF
}

psql_admin() {
  as_server_user "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$socket_dir" -p "$(cat "$port_file")" \
    -U postgres -d postgres
}

start() {
  init_cluster
  if is_running; then
    if [[ -f "$port_file" ]]; then
      write_url
      return
    fi
    stop  # running but we lost its port: start over
  fi
  local port
  for _ in 1 2 3 4 5; do
    port="${POSTGRES_PORT:-$(pick_port)}"
    # The port could be taken between the check and the bind; then try another.
    if as_server_user "$bindir/pg_ctl" start -D "$data" -l "$log" -w -t 60 -s \
      -o "-p $port" >/dev/null 2>&1; then
      echo "$port" >"$port_file"
      break
    fi
    port=""
  done
  [[ -n "$port" ]] || die "the server did not start; see $log"
  write_url
}

# Creates the role and database when missing, then publishes the url.
write_url() {
  psql_admin <<'EOF'
SELECT 'CREATE ROLE dokkerr LOGIN CREATEDB'
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dokkerr') \gexec
SELECT 'CREATE DATABASE dokkerr_test OWNER dokkerr'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'dokkerr_test') \gexec
EOF
  echo "postgres://dokkerr@127.0.0.1:$(cat "$port_file")/dokkerr_test" >"$url_file"
}

stop() {
  if is_running; then
    as_server_user "$bindir/pg_ctl" stop -D "$data" -m fast -w -t 60 -s >/dev/null ||
      die "pg_ctl stop failed; see $log"
  fi
  rm -f "$url_file" "$port_file"
}

url() {
  if [[ ! -f "$url_file" ]] || ! is_running; then
    die "not running; run: $0 start"
  fi
  cat "$url_file"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
