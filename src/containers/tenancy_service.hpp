#pragma once
// Tenancy on the engines: which team owns a container, network or volume, what a caller may see
// and act on, and which team a new resource belongs to. Containers, networks and volumes all go
// through here.
//
// Ownership is the label io.dokkerr.team that Dokkerr sets when it creates a resource for a team
// (nobody else may set io.dokkerr.* labels), mirrored in the ownership store. Resources without
// the label belong to nobody (admins only) until an admin assigns them to a team, which only the
// store records. A resource the caller may not act on is the same 404 as one that does not exist.
#include "containers/container_model.hpp"
#include "containers/ownership_store.hpp"
#include "core/principal.hpp"
#include "policy/policy.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace dokkerr {
class BlockingPool;
class Clock;
}  // namespace dokkerr

namespace dokkerr::containers {

class ResourceLookup;
class TeamDirectory;

inline constexpr std::string_view kTeamLabel = policy::kTeamLabel;
inline constexpr std::string_view kRequestLabel = policy::kRequestLabel;

using TeamSet = std::set<std::string, std::less<>>;

// A resource the caller may act on.
struct Resolved {
  std::string id;    // the engine's full id (volumes: the name); admins: the reference as given
  std::string team;  // "" when no team owns it (or an admin asked)
};

// Where a new resource goes, and the rules it is created under.
struct Creation {
  std::string team;  // "" for an admin creating for no team
  policy::Policy policy;
};

struct Assignment {
  std::string id;
  std::string team_id;
};

class TenancyService {
 public:
  TenancyService(OwnershipStore& owners, TeamDirectory& teams, ResourceLookup& engine,
                 BlockingPool& pool, const Clock& clock)
      : owners_(owners), teams_(teams), engine_(engine), pool_(pool), clock_(clock) {}

  // The resource named by id, id prefix or name, when the caller holds `permission` in its
  // owning team (admins: any). The engine resolves the reference, so the object checked is the
  // object acted on: act on the returned full id.
  boost::asio::awaitable<Resolved> resolve(const Principal& caller, std::string environment_id,
                                           ResourceKind kind, std::string ref,
                                           std::string_view permission);

  // The resource and its owning team (label or assignment) whoever asks, for a service that
  // checked the caller's access with resolve() first and needs the real owner even for admins.
  boost::asio::awaitable<Resolved> owner_of(std::string environment_id, ResourceKind kind,
                                            std::string ref);

  // Teams whose resources the caller may list with `permission`; nullopt = all (admins).
  [[nodiscard]] std::optional<TeamSet> visible_teams(const Principal& caller,
                                                     std::string_view environment_id,
                                                     std::string_view permission) const;

  // The team a new resource goes to: `team` (?team=) or the caller's only team holding
  // `permission` in the environment; admins may leave it empty (no owner). Errors: 400
  // team_required when the caller has several, 404 team_not_found when `team` is not theirs, 403
  // permission_denied when none of their teams may.
  [[nodiscard]] std::string creation_team(const Principal& caller, std::string_view environment_id,
                                          const std::optional<std::string>& team,
                                          std::string_view permission) const;
  // creation_team with that team's policy (the defaults for no team).
  boost::asio::awaitable<Creation> creation(const Principal& caller, std::string environment_id,
                                            std::optional<std::string> team,
                                            std::string_view permission);
  // The container security policy of a team; the defaults for "" and for teams that set none.
  boost::asio::awaitable<policy::Policy> policy_of(std::string team);

  // Records that `team` owns a resource just created for it (nothing for "": no owner).
  boost::asio::awaitable<void> record_owner(std::string environment_id, ResourceKind kind,
                                            std::string id, std::string team);
  // Drops the record of a removed resource.
  boost::asio::awaitable<void> forget(std::string environment_id, ResourceKind kind,
                                      std::string id);
  // Admins: gives a resource made outside Dokkerr (no team label) to a team. 404 team_not_found
  // for a team that does not exist; labelled resources keep the team that created them (409
  // owner_fixed).
  boost::asio::awaitable<Assignment> assign(std::string environment_id, ResourceKind kind,
                                            std::string ref, std::string team);

  // Ids of unlabelled resources assigned to one of the teams (the container list filters with
  // these and the labels it holds itself).
  boost::asio::awaitable<TeamSet> assigned_ids(std::string environment_id, ResourceKind kind,
                                               TeamSet teams);
  // The containers `caller` may see in the environment, as the tenancy half of a container
  // filter (teams nullopt for admins: all of them). For counts shown to tenants.
  boost::asio::awaitable<ContainerFilter> container_scope(const Principal& caller,
                                                          std::string environment_id);
  // The engine's list documents (networks, volumes) owned by one of the teams; all for nullopt.
  // Each kept one gets "Dokkerr": {"environment", "team"} (the owner by label or assignment).
  boost::asio::awaitable<boost::json::array> filter(std::string environment_id, ResourceKind kind,
                                                    boost::json::array items,
                                                    std::optional<TeamSet> teams);

  // A non-admin's new container may use only volumes and networks of its own team: named
  // volumes in Binds/Mounts that exist must belong to `team` (missing ones are created here for
  // the team, so the engine never makes an ownerless one: 403 policy_denied otherwise), and
  // user-defined networks in NetworkMode/EndpointsConfig must belong to it (404
  // network_not_found otherwise). `create` is the create body the policy rebuilt.
  boost::asio::awaitable<void> check_references(std::string environment_id, std::string team,
                                                boost::json::object create);

  // Teams' containers never share a network with another team's: a non-admin's container
  // that asks for the engine's default network (NetworkMode "", "default" or "bridge", no
  // endpoint of its own) is put on its team's own bridge network in the environment, made on
  // first use; joining "bridge" or "host" by endpoint is refused (403 policy_denied).
  // `create` is the create body the policy rebuilt; it is changed in place.
  boost::asio::awaitable<void> place_on_team_network(std::string environment_id, std::string team,
                                                     boost::json::object& create);
  // The name of the team's network in the environment ("dokkerr-team-<team id>").
  [[nodiscard]] static std::string team_network_name(std::string_view team);

  // Owner of a container by reference, for the policy's checks of joins (VolumesFrom,
  // container:<id> namespaces). Answers from the environment's container model, without waiting.
  [[nodiscard]] std::optional<std::string> container_team(std::string_view environment_id,
                                                          std::string_view ref) const;

 private:
  boost::asio::awaitable<std::string> recorded_owner(std::string environment_id, ResourceKind kind,
                                                     std::string id);
  // The owner of a named volume a new container mounts; creates it for `team` when missing.
  boost::asio::awaitable<std::string> mounted_volume_owner(std::string environment_id,
                                                           std::string name, std::string team);
  // The owner of a network a new container joins; "" when it does not exist.
  boost::asio::awaitable<std::string> joined_network_owner(std::string environment_id,
                                                           std::string name);

  OwnershipStore& owners_;
  TeamDirectory& teams_;
  ResourceLookup& engine_;
  BlockingPool& pool_;
  const Clock& clock_;
};

}  // namespace dokkerr::containers
