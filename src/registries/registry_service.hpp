#pragma once
// Stored registries: an organization's (every team of it uses the login) or one team's. Who may
// do what:
// - see one (and browse it): platform admins; holders of org:manage in its organization; for a
//   team's registry, holders of images:read in that team; for an organization's, holders of
//   images:read in any team of the organization. Anyone else is told it does not exist (404).
// - create, change or delete: platform admins; org:manage in the organization; team:manage in
//   the team, for a team's registry.
// - pulls (and stack deploys) present the login of the registry for the image's host that the
//   deploying team may use: the team's own first, then its organization's.
// The server dials a registry only where the engine would be let pull from it (registry_guard):
// public addresses, unless the caller is a platform admin or the registry is listed
// (--allowed-registry).
#include "registries/registry_api.hpp"
#include "registries/registry_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace dokkerr {
class BlockingPool;
class Clock;
struct Principal;
}  // namespace dokkerr

namespace dokkerr::registries {

// Which organization a team belongs to; whether an organization exists (users domain).
class Scopes {
 public:
  virtual ~Scopes() = default;
  [[nodiscard]] virtual std::optional<std::string> organization_of_team(std::string_view team) = 0;
  [[nodiscard]] virtual bool organization_exists(std::string_view organization) = 0;
};

struct RegistryDraft {
  std::string name;
  std::string address;
  std::string organization_id;  // exactly one of these two
  std::string team_id;
  std::string username;
  std::string password;
  bool insecure = false;
};

struct RegistryChange {
  std::optional<std::string> name;
  std::optional<std::string> username;
  std::optional<std::string> password;  // "" clears it
  std::optional<bool> insecure;
};

inline constexpr std::size_t kMaxRegistriesPerOrganization = 100;

class RegistryService {
 public:
  RegistryService(RegistryStore& store, RegistryApi& api, Scopes& scopes, BlockingPool& pool,
                  const Clock& clock, std::vector<std::string> allowed_registries);

  boost::asio::awaitable<std::vector<Registry>> list(const Principal& caller);
  boost::asio::awaitable<Registry> get(const Principal& caller, std::string id);
  boost::asio::awaitable<Registry> create(const Principal& caller, RegistryDraft draft);
  boost::asio::awaitable<Registry> update(const Principal& caller, std::string id,
                                          RegistryChange change);
  boost::asio::awaitable<Registry> remove(const Principal& caller, std::string id);
  // The registry answers and takes the stored login (RegistryApi's errors otherwise).
  boost::asio::awaitable<void> check(const Principal& caller, std::string id);
  boost::asio::awaitable<NamePage> repositories(const Principal& caller, std::string id,
                                                std::size_t limit, std::string cursor);
  boost::asio::awaitable<NamePage> tags(const Principal& caller, std::string id,
                                        std::string repository, std::size_t limit,
                                        std::string cursor);
  // The stored registry whose login a pull of an image from `address` by the caller for `team`
  // ("" for any team the caller pulls in) presents; nullopt when there is none.
  boost::asio::awaitable<std::optional<Registry>> login_for(const Principal& caller,
                                                            std::string team,
                                                            std::string address);

  // Blocking. How the server itself calls `address` (normalized) for containers of `teams`: the
  // login of a team's own registry, else of its organization's, else none (plain HTTP then only
  // for loopback addresses, as the engine assumes). Private addresses only when listed.
  [[nodiscard]] RegistryEndpoint endpoint_for_teams(
      const std::set<std::string, std::less<>>& teams, const std::string& address);

 private:
  boost::asio::awaitable<Registry> visible(const Principal& caller, std::string id);
  [[nodiscard]] bool sees(const Principal& caller, const Registry& registry) const;
  [[nodiscard]] bool manages(const Principal& caller, const Registry& registry) const;
  [[nodiscard]] RegistryEndpoint endpoint(const Principal& caller,
                                          const Registry& registry) const;

  RegistryStore& store_;
  RegistryApi& api_;
  Scopes& scopes_;
  BlockingPool& pool_;
  const Clock& clock_;
  std::vector<std::string> allowed_;  // normalized addresses
};

}  // namespace dokkerr::registries
