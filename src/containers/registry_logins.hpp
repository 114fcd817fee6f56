#pragma once
// The logins the engine presents to registries when it pulls, kept elsewhere (stored
// registries): the image service asks for one when a pull brings none of its own.
#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>

namespace dokkerr {
struct Principal;
}

namespace dokkerr::containers {

// What the engine presents to the registry (X-Registry-Auth); only the fields given.
struct RegistryCredentials {
  std::optional<std::string> username, password, serveraddress, identitytoken;
};

// The X-Registry-Auth header the engine takes for these credentials (base64url of their JSON).
[[nodiscard]] std::string registry_auth_header(const RegistryCredentials& credentials);

class RegistryLogins {
 public:
  virtual ~RegistryLogins() = default;
  // The login for a pull from `registry` (HOST[:PORT], "docker.io") by the caller for `team`
  // ("" for no particular team); nullopt for an anonymous pull.
  virtual boost::asio::awaitable<std::optional<RegistryCredentials>> login_for(
      const Principal& caller, std::string team, std::string registry) = 0;
};

}  // namespace dokkerr::containers
