#pragma once
// The server's own calls to a registry's HTTP API v2: check a login, list repositories and
// tags, read a manifest's digest. Logins follow the registry's challenge: HTTP Basic, or the
// bearer-token flow Docker Hub-style registries use (a token fetched from the realm the
// challenge names, with the stored login). Calls block: run them on the BlockingPool.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::registries {

struct RegistryEndpoint {
  std::string address;  // HOST[:PORT]; "docker.io" is Docker Hub
  bool insecure = false;  // plain HTTP
  std::string username, password;
  // Private addresses may be dialled (a platform admin's call, or a listed registry); otherwise
  // every address the registry (and its token realm) resolves to must be public.
  bool any_address = false;
};

struct NamePage {
  std::vector<std::string> names;
  std::string next;  // the cursor of the next page; "" at the end
};

class RegistryApi {
 public:
  virtual ~RegistryApi() = default;
  // Errors (all codes stable): 403 registry_not_allowed (an address that may not be dialled),
  // 502 registry_unreachable, 422 registry_auth_failed (the login is refused or missing),
  // 502 registry_bad_response, 404 repository_not_found / manifest_not_found.
  virtual void check_login(const RegistryEndpoint& endpoint) = 0;
  virtual NamePage repositories(const RegistryEndpoint& endpoint, std::size_t limit,
                                std::string_view after) = 0;
  virtual NamePage tags(const RegistryEndpoint& endpoint, std::string_view repository,
                        std::size_t limit, std::string_view after) = 0;
  // "sha256:…" of the manifest (or index) `reference` (a tag or digest) names.
  virtual std::string manifest_digest(const RegistryEndpoint& endpoint,
                                      std::string_view repository, std::string_view reference) = 0;
};

std::unique_ptr<RegistryApi> make_http_registry_api();

// A WWW-Authenticate challenge: its scheme (lowercased) and parameters (names lowercased).
struct Challenge {
  std::string scheme;
  std::vector<std::pair<std::string, std::string>> params;
  [[nodiscard]] std::string param(std::string_view name) const;
};

// The first challenge of a WWW-Authenticate value (RFC 7235 auth-params, quoted strings with
// escapes); nullopt-like empty scheme when the value is not one.
[[nodiscard]] Challenge parse_challenge(std::string_view header);

// The repository syntax of the distribution spec: lowercase path components of [a-z0-9] joined
// by '.', '_', '__' or '-'s, separated by '/', at most 255 characters.
[[nodiscard]] bool is_repository_name(std::string_view name);

}  // namespace dokkerr::registries
