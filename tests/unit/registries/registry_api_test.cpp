// The parts of the registry client that need no registry: challenges, repository names and
// addresses. The HTTP flows (Basic, bearer tokens, paging) run against the real registry and a
// token-issuing peer in tests/integration/registries.test.mjs.
#include "core/error.hpp"
#include "registries/registry_address.hpp"
#include "registries/registry_api.hpp"

#include <gtest/gtest.h>

namespace dokkerr::registries {
namespace {

TEST(Challenge, ReadsBearerParameters) {
  const auto c = parse_challenge(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull")");
  EXPECT_EQ(c.scheme, "bearer");
  EXPECT_EQ(c.param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(c.param("service"), "registry.docker.io");
  EXPECT_EQ(c.param("scope"), "repository:library/busybox:pull");
  EXPECT_EQ(c.param("missing"), "");
}

TEST(Challenge, ReadsBasicEscapesAndTokens) {
  EXPECT_EQ(parse_challenge(R"(Basic realm="a \"quoted\" realm")").param("realm"),
            R"(a "quoted" realm)");
  const auto c = parse_challenge("BEARER  Realm=plain , Service=\"x\"");
  EXPECT_EQ(c.scheme, "bearer");
  EXPECT_EQ(c.param("realm"), "plain");
  EXPECT_EQ(c.param("service"), "x");
}

TEST(Challenge, RefusesWhatIsNotOne) {
  EXPECT_EQ(parse_challenge("").scheme, "");
  EXPECT_EQ(parse_challenge("   ").scheme, "");
  EXPECT_EQ(parse_challenge(R"(Bearer realm="never closed)").scheme, "");
  // Many parameters stop at a bound rather than growing.
  std::string many = "Bearer ";
  for (int i = 0; i < 1000; ++i) many += "k" + std::to_string(i) + "=v,";
  EXPECT_LE(parse_challenge(many).params.size(), 33U);
}

TEST(RepositoryName, FollowsTheDistributionGrammar) {
  for (const auto* good : {"a", "library/busybox", "team/app-1", "a.b/c__d/e---f", "x9/y_z"}) {
    EXPECT_TRUE(is_repository_name(good)) << good;
  }
  for (const auto* bad : {"", "A", "a//b", "/a", "a/", "../x", "a/./b", "a_", "-a", "a.-b",
                          "a___b", "a b", "a:b", "a%2fb"}) {
    EXPECT_FALSE(is_repository_name(bad)) << bad;
  }
  EXPECT_FALSE(is_repository_name(std::string(256, 'a')));
}

TEST(RegistryAddress, NormalizesWhatImageReferencesName) {
  EXPECT_EQ(normalized_address("Registry.Example.com"), "registry.example.com");
  EXPECT_EQ(normalized_address("127.0.0.1:5000"), "127.0.0.1:5000");
  EXPECT_EQ(normalized_address("[::1]:5000"), "[::1]:5000");
  EXPECT_EQ(normalized_address("localhost:5000"), "localhost:5000");
  EXPECT_EQ(normalized_address("index.docker.io"), "docker.io");
  EXPECT_EQ(normalized_address("registry-1.docker.io"), "docker.io");
  EXPECT_EQ(api_host("docker.io"), "registry-1.docker.io");
  EXPECT_EQ(api_host("127.0.0.1:5000"), "127.0.0.1:5000");
}

TEST(RegistryAddress, RefusesSchemesPathsAndNonsense) {
  for (const auto* bad : {"", "https://r.example.com", "r.example.com/x", "r.example.com:",
                          "r.example.com:0", "r.example.com:65536", "[::1", "[127.0.0.1]:5",
                          "-r.example.com", "r-.example.com", "r..example.com", "a b",
                          "user@r.example.com", "r.example.com:5000:1"}) {
    try {
      (void)normalized_address(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), "invalid_registry_address") << bad;
    }
  }
  EXPECT_THROW((void)normalized_address(std::string(250, 'a') + ".com"), Error);
}

}  // namespace
}  // namespace dokkerr::registries
