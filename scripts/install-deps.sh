#!/usr/bin/env bash
# Installs the Debian packages Dokkerr needs. Usage: install-deps.sh [build|web|test|bench]...
#   build  the toolchain and libraries to compile dokkerr (always included)
#   web    Node.js and npm, to build the web UI (web/)
#   test   what the test suite starts: dockerd, PostgreSQL, Redis, nginx, a registry, Prometheus, Node.js, busybox images,
#          the compose CLI (stacks are checked against it),
#          clang for the fuzz targets, sqlite3 (tests that read or break the database) and
#          Chromium (the web UI's browser tests)
#   bench  wrk, nginx and redis-benchmark, the baselines of the benchmarks
# Only missing packages are installed; with nothing missing, apt is not touched.
set -euo pipefail

build=(cmake ninja-build ccache g++ pkg-config libboost1.81-dev libboost-json1.81-dev
       libboost-url1.81-dev libssl-dev libsqlite3-dev libpqxx-dev libcli11-dev libspdlog-dev
       libfmt-dev libargon2-dev liboath-dev libhiredis-dev libcurl4-openssl-dev zlib1g-dev libarchive-dev libpng-dev libjpeg62-turbo-dev libyaml-cpp-dev openssl ca-certificates)
runtime=(docker.io containerd runc postgresql-client-15 git)
test=(clang libgtest-dev libgmock-dev postgresql-15 redis-server redis-tools nginx-light docker-registry apache2-utils busybox-static nodejs npm curl iproute2 psmisc sqlite3 chromium prometheus docker-compose)
web=(nodejs npm)
bench=(wrk nginx-light redis-server redis-tools)

wanted=("${build[@]}" "${runtime[@]}")
for group in "$@"; do
  case $group in
    build) ;;
    web) wanted+=("${web[@]}") ;;
    test) wanted+=("${test[@]}") ;;
    bench) wanted+=("${bench[@]}") ;;
    *) echo "install-deps.sh: unknown group '$group' (build, web, test, bench)" >&2; exit 2 ;;
  esac
done

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    # A tool that is already on PATH from elsewhere (node, npm) counts as present.
    case $package in
      nodejs) command -v node >/dev/null && continue ;;
      npm) command -v npm >/dev/null && continue ;;
    esac
    missing+=("$package")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps.sh: missing packages (run as root to install): ${missing[*]}" >&2
  exit 1
fi
echo "Installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Installing docker.io must not start the host's engine: policy-rc.d refuses service starts.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  created_policy=1
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [[ $created_policy -eq 1 ]]; then rm -f "$policy"; fi
