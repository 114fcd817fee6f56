#!/usr/bin/env bash
# Sets up and runs every test on a fresh Debian 12 machine: installs what is missing, builds the
# debug preset (ASan/UBSan) and the libFuzzer targets, starts the services the tests use (a private dockerd, a second one
# behind TLS, PostgreSQL 15, a Docker registry, Redis, an S3-compatible server, an OpenID provider), builds the web UI, runs ctest, and stops what it started. Ends with ctest's summary.
# Extra arguments go to ctest (e.g. -R containers).
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache keyed on paths relative to the checkout, so another clone reuses the same cache.
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true
root=$PWD

scripts/install-deps.sh build test
(cd tests/integration && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
# The web UI: its own unit tests run under ctest (webui.vitest); the browser tests use this build.
(cd web && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npm run build --silent >/dev/null)
# The fuzz targets need clang's libFuzzer and their own build; ctest runs each one briefly on its
# seed corpus (fuzz/run.sh).
CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DDOKKERR_FUZZ=ON -DDOKKERR_BUILD_TESTS=OFF >/dev/null
cmake --build build/fuzz --target docker_streams_fuzz jwt_fuzz container_create_fuzz http_head_fuzz \
  compose_file_fuzz
cmake --preset debug -DDOKKERR_FUZZ_BIN_DIR="$root/build/fuzz/bin" >/dev/null
cmake --build --preset debug

export DOKKERR_TESTENV_DIR=${DOKKERR_TESTENV_DIR:-$root/.testenv}
mkdir -p "$DOKKERR_TESTENV_DIR"
services_log=$DOKKERR_TESTENV_DIR/services.log
stop_services() {
  {
    scripts/testenv/dockerd.sh stop test || true
    scripts/testenv/dockerd.sh stop tls || true
    scripts/testenv/dockerd.sh stop resil || true
    scripts/testenv/dockerd.sh stop iso || true
    scripts/testenv/dockerd.sh stop readme || true
    scripts/testenv/postgres.sh stop || true
    scripts/testenv/registry.sh stop || true
    scripts/testenv/registry.sh stop auth || true
    scripts/testenv/oidc.sh stop || true
    scripts/testenv/redis.sh stop || true
    scripts/testenv/s3.sh stop || true
  } >>"$services_log" 2>&1
}
trap stop_services EXIT
stop_services  # leftovers of an interrupted run

echo "Starting test services (log: $services_log)"
scripts/testenv/dockerd.sh start test >>"$services_log" 2>&1
scripts/testenv/dockerd.sh start-tls tls >>"$services_log" 2>&1
scripts/testenv/postgres.sh start >>"$services_log" 2>&1
scripts/testenv/registry.sh start >>"$services_log" 2>&1
scripts/testenv/registry.sh start auth >>"$services_log" 2>&1
scripts/testenv/redis.sh start >>"$services_log" 2>&1
scripts/testenv/s3.sh start >>"$services_log" 2>&1
# Dokkerr's callback is registered (any loopback port); /callback stays first for the library's tests.
OIDC_REDIRECT_URIS=http://127.0.0.1/callback,http://127.0.0.1/api/v1/auth/oidc/callback \
  scripts/testenv/oidc.sh start >>"$services_log" 2>&1

set -a
# shellcheck disable=SC1090
source "$DOKKERR_TESTENV_DIR/dockerd-test/env"
DOKKERR_TEST_DOCKER_HOST=$DOCKER_HOST
DOKKERR_TEST_POSTGRES_URL=$(scripts/testenv/postgres.sh url)
DOKKERR_TEST_REGISTRY=$(scripts/testenv/registry.sh address)
eval "$(scripts/testenv/registry.sh env)"  # DOKKERR_TEST_REGISTRY_AUTH{,_USER,_PASSWORD}
DOKKERR_TEST_REDIS_URL=$(scripts/testenv/redis.sh url)
# shellcheck disable=SC1090
source "$DOKKERR_TESTENV_DIR/oidc/env"  # DOKKERR_TEST_OIDC_*
set +a
eval "$(scripts/testenv/s3.sh env)"  # DOKKERR_TEST_S3_* and the AWS_* keys s3rver takes
# The TLS engine, for the client's own tests.
tls_env=$(scripts/testenv/dockerd.sh env tls)
export DOKKERR_TEST_DOCKER_TLS_HOST
export DOKKERR_TEST_DOCKER_CERT_PATH
DOKKERR_TEST_DOCKER_TLS_HOST=https://127.0.0.1:$(sed -n "s/^DOKKERR_TESTENV_TLS_PORT=//p" <<<"$tls_env")
DOKKERR_TEST_DOCKER_CERT_PATH=$(sed -n 's/^DOCKER_CERT_PATH=//p' <<<"$tls_env")
unset DOCKER_HOST  # nothing in the tests may fall back to an engine it was not given

ctest --preset debug -j2 "$@"
