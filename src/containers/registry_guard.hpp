#pragma once
// Which registries a non-admin may have the engine pull from. The engine dials whatever host an
// image reference names, from the host's network: a pull of 127.0.0.1:2375/x, 169.254.169.254/x
// or a registry on the private network would make the engine a probe into places its users
// cannot reach themselves. So, for callers that are not platform admins:
//
// - the default registry (docker.io, a reference without a host) is allowed;
// - a host the platform lists (--allowed-registry HOST[:PORT]) is allowed, as listed;
// - any other host is allowed only when it resolves, and every address it resolves to is
//   public: never loopback, link-local (the cloud metadata address), private (RFC 1918, ULA),
//   shared (100.64/10), benchmark-test (198.18/15), multicast or unspecified.
//
// The engine resolves the name again when it pulls: a name whose answers change between the two
// lookups (DNS rebinding) can still slip through; list private registries explicitly instead of
// relying on names.
#include "core/address_set.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr {
struct Principal;
}

namespace dokkerr::containers {

// The registry part of an image reference as the engine reads it ("docker.io" when there is
// none), with its port, lowercased.
[[nodiscard]] std::string registry_of(std::string_view image);
// The host without the port ("[::1]:5000" → "::1").
[[nodiscard]] std::string host_of(std::string_view registry);

class RegistryGuard {
 public:
  explicit RegistryGuard(std::vector<std::string> allowed,
                         std::chrono::milliseconds resolve_bound = std::chrono::seconds(5));

  // 403 registry_not_allowed (naming the registry) when the caller may not pull from it.
  boost::asio::awaitable<void> check(const Principal& caller, std::string_view image) const;

 private:
  std::vector<std::string> allowed_;  // lowercased HOST[:PORT]
  std::chrono::milliseconds resolve_bound_;
};

}  // namespace dokkerr::containers
