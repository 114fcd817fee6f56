#pragma once
// Tenancy on the engine: which team owns a container, network or volume, what a caller may see,
// and which team a new resource belongs to. Ownership is the label io.dokkerr.team that Dokkerr
// sets at creation (nobody else may set io.dokkerr.* labels), mirrored in resource_owners;
// resources without it are admin-only until an admin assigns them, which is recorded in
// resource_owners and takes precedence.
#include "core/principal.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace dokkerr {
class BlockingPool;
}
namespace dokkerr::store {
class Database;
}
namespace dokkerr::policy {
struct Policy;
}

namespace dokkerr::containers {

class EnvironmentService;

inline constexpr std::string_view kTeamLabel = "io.dokkerr.team";

enum class ResourceKind { container, network, volume };

struct Resolved {
  std::string id;    // the engine's full id (volumes: the name)
  std::string team;  // "" when no team owns it
};

using TeamSet = std::set<std::string, std::less<>>;

class Access {
 public:
  Access(EnvironmentService& environments, store::Database& db, BlockingPool& pool)
      : environments_(environments), db_(db), pool_(pool) {}

  // The resource named by id, id prefix or name, when the caller holds `permission` in its
  // owning team (admins: any). Anything else is the same 404 as a resource that does not exist.
  boost::asio::awaitable<Resolved> resolve(const Principal& caller, std::string env,
                                           ResourceKind kind, std::string ref,
                                           std::string_view permission);

  // Teams whose resources the caller may list with `permission`; nullopt = all (admins).
  [[nodiscard]] std::optional<TeamSet> visible_teams(const Principal& caller, std::string_view env,
                                                     std::string_view permission) const;

  // The team a new resource goes to: ?team= or the caller's only team holding `permission` in
  // the environment. Admins may leave it empty (no owner). Errors: 400 team_required when the
  // caller has several, 404 team_not_found when it is not theirs.
  [[nodiscard]] std::string creation_team(const Principal& caller, std::string_view env,
                                          const std::optional<std::string>& team,
                                          std::string_view permission) const;

  // The container security policy of a team (defaults when the team has none).
  boost::asio::awaitable<policy::Policy> policy_of(std::string team);

  // Mirrors a creation in resource_owners; assigns a pre-existing resource (admins).
  boost::asio::awaitable<void> record_owner(std::string env, ResourceKind kind, std::string id,
                                            std::string team);
  boost::asio::awaitable<void> forget(std::string env, ResourceKind kind, std::string id);
  // Ids of unlabelled resources an admin assigned to one of the teams.
  boost::asio::awaitable<std::set<std::string, std::less<>>> assigned_ids(std::string env,
                                                                         ResourceKind kind,
                                                                         TeamSet teams);
  // Admins: gives a resource made outside Dokkerr (no team label) to a team. Labelled resources
  // keep the team that created them (409 owner_fixed).
  boost::asio::awaitable<std::string> assign(std::string env, ResourceKind kind, std::string ref,
                                             std::string team);

  // Keeps the items of a list document ({"items":[...]}) owned by one of the teams.
  boost::asio::awaitable<std::string> filter_list(std::string env, ResourceKind kind,
                                                  std::string document,
                                                  std::optional<TeamSet> teams);

  // A non-admin's new container may use only volumes and networks of its own team: named
  // volumes in Binds/Mounts that exist must belong to `team` (missing ones are created here for
  // the team, so the engine never makes an ownerless one), and user-defined networks in
  // NetworkMode/EndpointsConfig must belong to it. `body` is the rebuilt create body.
  boost::asio::awaitable<void> check_references(std::string env, std::string team,
                                                std::string body);

  // Owner of a container by reference, for the policy's checks of joins (VolumesFrom,
  // container:<id> namespaces). Blocking lookup in the environment's container model.
  [[nodiscard]] std::optional<std::string> container_team(std::string_view env,
                                                          std::string_view ref) const;

 private:
  std::optional<std::string> assigned_owner(std::string_view env, ResourceKind kind,
                                            std::string_view id);

  EnvironmentService& environments_;
  store::Database& db_;
  BlockingPool& pool_;
};

std::string_view kind_name(ResourceKind kind);

}  // namespace dokkerr::containers
