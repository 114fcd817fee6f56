// Cost of one JwtKeyRing::verify for HS256 and EdDSA, and of the bare Ed25519 check it wraps
// (EVP_DigestVerify on a fresh context, as verify() does), so the ring's own overhead shows.
// Not part of the CMake build; bench/jwt_verify.sh compiles and runs it against a release build
// of dokkerr_crypto and puts `openssl speed ed25519` next to it.
//
//   jwt_verify [iterations]     (default 200000)
//
// Prints one "name cpu_ns_per_op wall_ns_per_op iterations" line per measurement. CPU time is the
// figure to compare with `openssl speed`, which also counts CPU (user) time by default.
#include "crypto/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <time.h>

namespace {

using dokkerr::crypto::JwtAlgorithm;
using dokkerr::crypto::JwtClaims;
using dokkerr::crypto::JwtExpectations;
using dokkerr::crypto::JwtKeyRing;

constexpr std::int64_t kNow = 1'800'000'000;

double thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

struct Cost {
  double cpu_ns;  // CPU time of this thread per call, like `openssl speed` (which counts user time)
  double wall_ns;  // elapsed time per call: higher when other processes share the cores
};

template <class F>
Cost cost_of(long iterations, F&& f) {
  for (long i = 0; i < iterations / 100 + 1; ++i) f();  // warm caches and the context pool
  const double cpu_start = thread_cpu_ns();
  const auto wall_start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i) f();
  const double wall =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - wall_start)
          .count();
  const double n = static_cast<double>(iterations);
  return {(thread_cpu_ns() - cpu_start) / n, wall / n};
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 200000;
  if (iterations <= 0) {
    std::fprintf(stderr, "usage: jwt_verify [iterations > 0]\n");
    return 2;
  }
  std::string dir_template = (std::filesystem::temp_directory_path() / "dokkerr-jwt-bench-XXXXXX");
  if (::mkdtemp(dir_template.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::filesystem::path dir = dir_template;

  // A realistic access token: UUID subject and session, 15 minutes.
  const JwtClaims claims{"dokkerr",
                         "dokkerr-api",
                         "3f2b8c1e-9d4a-4e7b-a1c2-5d6e7f8a9b0c",
                         "7c9e6679-7425-40de-944b-e07fc1f90ae7",
                         "access",
                         kNow,
                         kNow + 900};
  JwtExpectations expect;
  expect.issuer = "dokkerr";
  expect.audience = "dokkerr-api";
  expect.type = "access";
  expect.now = kNow + 60;

  std::size_t sink = 0;
  int status = 0;
  for (const auto algorithm : {JwtAlgorithm::hs256, JwtAlgorithm::eddsa}) {
    const bool hs = algorithm == JwtAlgorithm::hs256;
    const auto ring =
        JwtKeyRing::load_or_create(dir / (hs ? "hs256" : "eddsa"), algorithm, kNow, 3600);
    const std::string token = ring.sign(claims);
    const Cost cost = cost_of(iterations, [&] { sink += ring.verify(token, expect).sub.size(); });
    std::printf("%s %.1f %.1f %ld\n", hs ? "jwt_verify_hs256" : "jwt_verify_eddsa", cost.cpu_ns,
                cost.wall_ns, iterations);

    if (!hs) {
      // The same signature check without the ring: load the key from its file once, then per
      // verification what verify() does at the OpenSSL level.
      const std::string pem = read_file(dir / "eddsa" / (ring.current_kid() + ".key"));
      BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
      EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
      BIO_free(bio);
      const auto dot = token.rfind('.');
      const std::string input = token.substr(0, dot);
      std::string signature(64, '\0');
      {
        // Re-sign rather than decode: same key, same input, so the same deterministic signature.
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        std::size_t length = signature.size();
        EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key);
        EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size());
        EVP_MD_CTX_free(ctx);
      }
      const Cost raw = cost_of(iterations, [&] {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key);
        const int ok = EVP_DigestVerify(
            ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
            reinterpret_cast<const unsigned char*>(input.data()), input.size());
        EVP_MD_CTX_free(ctx);
        if (ok != 1) status = 1;
        sink += static_cast<std::size_t>(ok);
      });
      std::printf("raw_evp_digestverify_ed25519 %.1f %.1f %ld\n", raw.cpu_ns, raw.wall_ns,
                  iterations);
      EVP_PKEY_free(key);
    }
  }
  std::filesystem::remove_all(dir);
  if (sink == 0) status = 1;
  return status;
}
