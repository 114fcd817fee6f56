#include "containers/registry_guard.hpp"

#include "core/error.hpp"
#include "core/principal.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;

std::string refusal(const RegistryGuard& guard, const Principal& caller, std::string image) {
  asio::io_context io;
  auto done = asio::co_spawn(io, guard.check(caller, image), asio::use_future);
  io.run();
  try {
    done.get();
  } catch (const Error& error) {
    return error.code();
  }
  return "allowed";
}

TEST(RegistryOf, ReadsTheReferenceAsTheEngineDoes) {
  EXPECT_EQ(registry_of("busybox"), "docker.io");
  EXPECT_EQ(registry_of("library/busybox:1"), "docker.io");
  EXPECT_EQ(registry_of("someone/app"), "docker.io");
  EXPECT_EQ(registry_of("localhost/app"), "localhost");
  EXPECT_EQ(registry_of("Registry.Example.COM:5000/a/b"), "registry.example.com:5000");
  EXPECT_EQ(registry_of("127.0.0.1:5000/x"), "127.0.0.1:5000");
  EXPECT_EQ(registry_of("[::1]:5000/x"), "[::1]:5000");
  EXPECT_EQ(host_of("[::1]:5000"), "::1");
  EXPECT_EQ(host_of("127.0.0.1:5000"), "127.0.0.1");
  EXPECT_EQ(host_of("ghcr.io"), "ghcr.io");
}

TEST(PublicAddress, PrivateLoopbackLinkLocalAndFriendsAreNot) {
  for (const char* text : {"127.0.0.1",
                           "10.1.2.3",
                           "172.16.0.1",
                           "172.31.255.255",
                           "192.168.1.1",
                           "169.254.169.254",
                           "100.64.0.1",
                           "0.0.0.0",
                           "198.18.0.1",
                           "198.19.255.1",
                           "224.0.0.1",
                           "255.255.255.255",
                           "::1",
                           "::",
                           "fe80::1",
                           "fd00::1",
                           "fc00::1",
                           "::ffff:127.0.0.1",
                           "::ffff:10.0.0.1",
                           "ff02::1"}) {
    EXPECT_FALSE(is_public_address(asio::ip::make_address(text))) << text;
  }
  for (const char* text :
       {"1.1.1.1", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"}) {
    EXPECT_TRUE(is_public_address(asio::ip::make_address(text))) << text;
  }
}

TEST(RegistryGuard, NonAdminsPullFromPublicOrListedRegistriesOnly) {
  const RegistryGuard guard({"Registry.Internal:5000", "127.0.0.1:5001"});
  Principal developer;
  developer.user_id = "u1";
  EXPECT_EQ(refusal(guard, developer, "busybox"), "allowed");
  EXPECT_EQ(refusal(guard, developer, "docker.io/library/busybox"), "allowed");
  EXPECT_EQ(refusal(guard, developer, "8.8.8.8/x"), "allowed");
  EXPECT_EQ(refusal(guard, developer, "registry.internal:5000/x"), "allowed") << "listed";
  EXPECT_EQ(refusal(guard, developer, "127.0.0.1:5001/x"), "allowed") << "listed";
  for (const char* image :
       {"127.0.0.1:5000/x", "169.254.169.254/x", "10.0.0.1/x", "[::1]:5000/x", "localhost:5000/x",
        "localhost/x", "a.localhost/x", "192.168.0.10:443/x", "[::ffff:127.0.0.1]/x",
        "registry.internal:5001/x"}) {
    EXPECT_EQ(refusal(guard, developer, image), "registry_not_allowed") << image;
  }
  Principal admin;
  admin.is_admin = true;
  EXPECT_EQ(refusal(guard, admin, "127.0.0.1:5000/x"), "allowed");
}

}  // namespace
}  // namespace dokkerr::containers
