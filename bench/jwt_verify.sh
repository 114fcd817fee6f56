#!/usr/bin/env bash
# JWT verification cost: JwtKeyRing::verify (HS256, EdDSA) and the bare Ed25519 EVP_DigestVerify,
# next to `openssl speed -seconds 3 ed25519` on the same machine.
#
#   bench/jwt_verify.sh                 (BUILD_DIR: a release build, default build/release)
#
# Builds dokkerr_crypto there if needed (cmake --preset release -B "$BUILD_DIR"), compiles
# bench/jwt_verify.cpp against it with -O2, runs it (JWT_ITERATIONS, default 200000) and prints a
# markdown table. The program removes the key directory it creates in $TMPDIR.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/release}
ITERATIONS=${JWT_ITERATIONS:-200000}
CXX=${CXX:-g++}
BIN=$BUILD_DIR/jwt_verify

die() { echo "jwt_verify.sh: $*" >&2; exit 1; }
command -v openssl >/dev/null || die "openssl is required"

if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
  (cd "$ROOT" && cmake --preset release -B "$BUILD_DIR" >/dev/null)
fi
cmake --build "$BUILD_DIR" --target dokkerr_crypto >/dev/null
"$CXX" -std=c++20 -O2 -DNDEBUG -DBOOST_JSON_NO_LIB -I"$ROOT/src" "$ROOT/bench/jwt_verify.cpp" \
  "$BUILD_DIR/src/libdokkerr_crypto.a" "$BUILD_DIR/src/libdokkerr_core.a" \
  -lboost_json -loath -lcrypto -pthread -o "$BIN"

declare -A CPU WALL
while read -r name cpu wall _; do
  CPU[$name]=$cpu
  WALL[$name]=$wall
done < <("$BIN" "$ITERATIONS")

# openssl speed prints e.g. " 253 bits EdDSA (Ed25519)   0.0000s   0.0001s  21735.9   8031.2";
# the last column is verifications per second.
SPEED=$(openssl speed -seconds 3 ed25519 2>/dev/null | awk '/Ed25519\)/ { print $NF }' | tail -1)
[[ -n $SPEED ]] || die "could not parse openssl speed output"
OPENSSL_NS=$(awk -v v="$SPEED" 'BEGIN { printf "%.1f", 1e9 / v }')

row() { echo "| $1 | ${CPU[$2]} | ${WALL[$2]} |"; }
cat <<TABLE
$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(openssl version | cut -d' ' -f1-2), $ITERATIONS iterations

| measurement | CPU ns per verify | wall ns per verify |
|---|---:|---:|
$(row "JwtKeyRing::verify HS256" jwt_verify_hs256)
$(row "JwtKeyRing::verify EdDSA" jwt_verify_eddsa)
$(row "EVP_DigestVerify Ed25519 (fresh context, same input)" raw_evp_digestverify_ed25519)
| openssl speed -seconds 3 ed25519 (verify, user time) | $OPENSSL_NS | |

JwtKeyRing::verify EdDSA / openssl speed: $(awk -v a="${CPU[jwt_verify_eddsa]}" -v b="$OPENSSL_NS" 'BEGIN { printf "%.2f", a / b }'); / bare EVP_DigestVerify: $(awk -v a="${CPU[jwt_verify_eddsa]}" -v b="${CPU[raw_evp_digestverify_ed25519]}" 'BEGIN { printf "%.2f", a / b }') (CPU time; openssl speed counts user time by default).
TABLE
