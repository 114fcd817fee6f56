#pragma once
// A registry's address as image references name it: HOST[:PORT], lowercased; Docker Hub's
// names are all "docker.io".
#include <string>
#include <string_view>

namespace dokkerr::registries {

// Error invalid "invalid_registry_address" for anything but a DNS name, IPv4 address or
// bracketed IPv6 address with an optional port 1-65535 (no scheme, no path), ≤ 255 characters.
[[nodiscard]] std::string normalized_address(std::string_view address);

// Where the registry's API answers ("registry-1.docker.io" for "docker.io").
[[nodiscard]] std::string api_host(std::string_view address);

}  // namespace dokkerr::registries
