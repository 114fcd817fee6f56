#include "containers/tenancy_service.hpp"

#include "containers/resource_lookup.hpp"
#include "containers/team_directory.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/permissions.hpp"

#include <vector>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;

Error not_found(ResourceKind kind) {
  const std::string what(kind_name(kind));
  return Error::not_found(what + "_not_found", "No such " + what + ".");
}

std::string team_label(const boost::json::value* labels) {
  const auto* object = labels != nullptr ? labels->if_object() : nullptr;
  if (object == nullptr) return {};
  const auto* team = object->if_contains(kTeamLabel);
  return team != nullptr && team->is_string() ? std::string(team->as_string()) : std::string();
}

// The volumes and networks a create body refers to.
struct References {
  std::vector<std::string> volumes;
  std::vector<std::string> networks;
};

References references_of(const boost::json::object& create) {
  References refs;
  const auto* host = create.if_contains("HostConfig");
  if (host != nullptr && host->is_object()) {
    const auto& config = host->as_object();
    if (const auto* binds = config.if_contains("Binds"); binds && binds->is_array()) {
      for (const auto& bind : binds->as_array()) {
        if (!bind.is_string()) continue;
        const std::string_view text = bind.as_string();
        const auto colon = text.find(':');
        // "name:/path" names a volume; an absolute source is a host path, which only reaches
        // here when the team's policy allows host binds, and is no volume to own.
        if (colon != std::string_view::npos && !text.starts_with('/')) {
          refs.volumes.emplace_back(text.substr(0, colon));
        }
      }
    }
    if (const auto* mounts = config.if_contains("Mounts"); mounts && mounts->is_array()) {
      for (const auto& mount : mounts->as_array()) {
        const auto* object = mount.if_object();
        if (object == nullptr) continue;
        const auto* type = object->if_contains("Type");
        const auto* source = object->if_contains("Source");
        if (type && type->is_string() && type->as_string() == "volume" && source &&
            source->is_string() && !source->as_string().empty()) {
          refs.volumes.emplace_back(source->as_string());
        }
      }
    }
    if (const auto* mode = config.if_contains("NetworkMode"); mode && mode->is_string()) {
      refs.networks.emplace_back(mode->as_string());
    }
  }
  const auto* networking = create.if_contains("NetworkingConfig");
  if (networking != nullptr && networking->is_object()) {
    const auto* endpoints = networking->as_object().if_contains("EndpointsConfig");
    if (endpoints != nullptr && endpoints->is_object()) {
      for (const auto& endpoint : endpoints->as_object())
        refs.networks.emplace_back(endpoint.key());
    }
  }
  return refs;
}

// The engine's own network modes; joins of other containers ("container:<id>") are the
// policy's concern.
bool is_engine_network_mode(std::string_view name) {
  return name.empty() || name == "default" || name == "bridge" || name == "none" ||
         name.find(':') != std::string_view::npos;
}

}  // namespace

asio::awaitable<Resolved> TenancyService::resolve(const Principal& caller,
                                                  std::string environment_id, ResourceKind kind,
                                                  std::string ref, std::string_view permission) {
  if (caller.is_admin && caller.scope_allows(permission)) co_return Resolved{ref, {}};
  const auto teams = caller.teams_in(environment_id, permission);
  if (teams.empty()) throw not_found(kind);
  const auto object = co_await engine_.inspect(environment_id, kind, ref);
  Resolved resolved{object.id, object.team_label};
  if (resolved.team.empty()) {
    resolved.team = co_await recorded_owner(environment_id, kind, resolved.id);
  }
  if (resolved.team.empty() || !teams.contains(resolved.team)) throw not_found(kind);
  co_return resolved;
}

asio::awaitable<Resolved> TenancyService::owner_of(std::string environment_id, ResourceKind kind,
                                                   std::string ref) {
  const auto object = co_await engine_.inspect(environment_id, kind, std::move(ref));
  Resolved resolved{object.id, object.team_label};
  if (resolved.team.empty()) {
    resolved.team = co_await recorded_owner(std::move(environment_id), kind, resolved.id);
  }
  co_return resolved;
}

std::optional<TeamSet> TenancyService::visible_teams(const Principal& caller,
                                                     std::string_view environment_id,
                                                     std::string_view permission) const {
  if (caller.is_admin && caller.scope_allows(permission)) return std::nullopt;
  return caller.teams_in(environment_id, permission);
}

std::string TenancyService::creation_team(const Principal& caller, std::string_view environment_id,
                                          const std::optional<std::string>& team,
                                          std::string_view permission) const {
  if (caller.is_admin && caller.scope_allows(permission)) return team.value_or("");
  const auto teams = caller.teams_in(environment_id, permission);
  if (team) {
    if (!teams.contains(*team)) {
      throw Error::not_found("team_not_found",
                             "No team of yours by that id may do this in this environment.");
    }
    return *team;
  }
  if (teams.size() == 1) return *teams.begin();
  if (teams.empty()) {
    throw Error(ErrorKind::forbidden, "permission_denied",
                "None of your teams may do this in this environment.");
  }
  throw Error::invalid("team_required", "You are in several teams; say which one with ?team=.");
}

asio::awaitable<Creation> TenancyService::creation(const Principal& caller,
                                                   std::string environment_id,
                                                   std::optional<std::string> team,
                                                   std::string_view permission) {
  Creation creation;
  creation.team = creation_team(caller, environment_id, team, permission);
  creation.policy = co_await policy_of(creation.team);
  co_return creation;
}

asio::awaitable<policy::Policy> TenancyService::policy_of(std::string team) {
  if (team.empty()) co_return policy::Policy{};
  auto load = [this, &team] { return teams_.container_policy(team); };
  co_return co_await pool_.run(load);
}

asio::awaitable<void> TenancyService::record_owner(std::string environment_id, ResourceKind kind,
                                                   std::string id, std::string team) {
  if (team.empty()) co_return;
  OwnerRecord record{std::move(environment_id), kind, std::move(id), std::move(team),
                     clock_.stamp()};
  auto put = [this, &record] { owners_.put(record); };
  co_await pool_.run(put);
}

asio::awaitable<void> TenancyService::forget(std::string environment_id, ResourceKind kind,
                                             std::string id) {
  auto remove = [this, &environment_id, kind, &id] { owners_.remove(environment_id, kind, id); };
  co_await pool_.run(remove);
}

asio::awaitable<Assignment> TenancyService::assign(std::string environment_id, ResourceKind kind,
                                                   std::string ref, std::string team) {
  auto team_exists = [this, &team] { return teams_.exists(team); };
  const bool exists = co_await pool_.run(team_exists);
  if (!exists) throw Error::not_found("team_not_found", "No such team.");
  const auto object = co_await engine_.inspect(environment_id, kind, ref);
  if (!object.team_label.empty()) {
    throw Error::conflict("owner_fixed",
                          "This resource was created for a team; its owner is fixed.");
  }
  co_await record_owner(environment_id, kind, object.id, team);
  co_return Assignment{object.id, team};
}

asio::awaitable<TeamSet> TenancyService::assigned_ids(std::string environment_id, ResourceKind kind,
                                                      TeamSet teams) {
  auto load = [this, &environment_id, kind, &teams] {
    TeamSet ids;
    for (const auto& [id, team] : owners_.owners(environment_id, kind)) {
      if (teams.contains(team)) ids.insert(id);
    }
    return ids;
  };
  co_return co_await pool_.run(load);
}

asio::awaitable<ContainerFilter> TenancyService::container_scope(const Principal& caller,
                                                                 std::string environment_id) {
  ContainerFilter scope;
  scope.teams = visible_teams(caller, environment_id, perm::containers_read);
  if (scope.teams) {
    scope.assigned = co_await assigned_ids(environment_id, ResourceKind::container, *scope.teams);
  }
  co_return scope;
}

asio::awaitable<boost::json::array> TenancyService::filter(std::string environment_id,
                                                           ResourceKind kind,
                                                           boost::json::array items,
                                                           std::optional<TeamSet> teams) {
  auto load = [this, &environment_id, kind] { return owners_.owners(environment_id, kind); };
  const auto owners = co_await pool_.run(load);
  const std::string_view key = kind == ResourceKind::volume ? "Name" : "Id";
  boost::json::array kept;
  for (auto& item : items) {
    auto* entry = item.if_object();
    if (entry == nullptr) continue;
    auto team = team_label(entry->if_contains("Labels"));
    if (team.empty()) {
      const auto* id = entry->if_contains(key);
      if (id != nullptr && id->is_string()) {
        const auto owner = owners.find(std::string_view(id->as_string()));
        if (owner != owners.end()) team = owner->second;
      }
    }
    if (teams && (team.empty() || !teams->contains(team))) continue;
    // As on containers: Dokkerr's additions under their own key, the team null when none owns it.
    (*entry)["Dokkerr"] = boost::json::object{
        {"environment", environment_id},
        {"team", team.empty() ? boost::json::value(nullptr) : boost::json::value(team)}};
    kept.push_back(std::move(item));
  }
  co_return kept;
}

asio::awaitable<void> TenancyService::check_references(std::string environment_id, std::string team,
                                                       boost::json::object create) {
  const auto refs = references_of(create);
  for (const auto& name : refs.volumes) {
    const auto owner = co_await mounted_volume_owner(environment_id, name, team);
    if (owner != team) {
      throw Error(ErrorKind::forbidden, "policy_denied",
                  "HostConfig: the volume '" + name + "' belongs to another team.");
    }
  }
  for (const auto& name : refs.networks) {
    if (is_engine_network_mode(name)) continue;
    const auto owner = co_await joined_network_owner(environment_id, name);
    if (owner != team) {
      throw Error::not_found("network_not_found", "No such network: " + name + ".");
    }
  }
}

std::string TenancyService::team_network_name(std::string_view team) {
  return "dokkerr-team-" + std::string(team);
}

asio::awaitable<void> TenancyService::place_on_team_network(std::string environment_id,
                                                            std::string team,
                                                            boost::json::object& create) {
  auto& host_value = create["HostConfig"];
  if (!host_value.is_object()) host_value = boost::json::object{};
  auto& host = host_value.as_object();
  const auto* mode_value = host.if_contains("NetworkMode");
  const std::string mode =
      mode_value != nullptr && mode_value->is_string() ? std::string(mode_value->as_string()) : "";
  std::vector<std::string> endpoints;
  if (const auto* networking = create.if_contains("NetworkingConfig");
      networking != nullptr && networking->is_object()) {
    if (const auto* config = networking->as_object().if_contains("EndpointsConfig");
        config != nullptr && config->is_object()) {
      for (const auto& endpoint : config->as_object()) endpoints.emplace_back(endpoint.key());
    }
  }
  for (const auto& name : endpoints) {
    if (name == "bridge" || name == "default" || name == "host") {
      throw Error(ErrorKind::forbidden, "policy_denied",
                  "NetworkingConfig.EndpointsConfig: the engine's '" + name +
                      "' network is shared by every team; use your team's network.");
    }
  }
  const bool engine_default = mode.empty() || mode == "default" || mode == "bridge";
  if (!engine_default) co_return;  // none, container:<id>, or a named network (checked later)
  if (!endpoints.empty()) {
    // As the docker CLI does with --network: the (first) endpoint's network is the mode.
    host["NetworkMode"] = endpoints.front();
    co_return;
  }
  const auto name = team_network_name(team);
  auto owner = co_await joined_network_owner(environment_id, name);
  if (owner.empty()) {
    bool made = false;
    try {
      const auto id = co_await engine_.create_team_network(environment_id, name, team);
      co_await record_owner(environment_id, ResourceKind::network, id, team);
      made = true;
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::conflict) throw;
    }
    // Not made here: another request made it meanwhile, or an unowned network has the name.
    if (made) {
      owner = team;
    } else {
      owner = co_await joined_network_owner(environment_id, name);
    }
  }
  if (owner != team) {
    throw Error(ErrorKind::conflict, "team_network_taken",
                "A network named '" + name + "' belongs to someone else; an admin must remove it.");
  }
  host["NetworkMode"] = name;
}

asio::awaitable<std::string> TenancyService::mounted_volume_owner(std::string environment_id,
                                                                  std::string name,
                                                                  std::string team) {
  try {
    const auto found = co_await engine_.inspect(environment_id, ResourceKind::volume, name);
    if (!found.team_label.empty()) co_return found.team_label;
    co_return co_await recorded_owner(environment_id, ResourceKind::volume, found.id);
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::not_found) throw;
  }
  // Missing: made here for the team, so that the engine never creates an ownerless one.
  co_await engine_.create_volume(environment_id, name, team);
  co_await record_owner(environment_id, ResourceKind::volume, name, team);
  co_return team;
}

asio::awaitable<std::string> TenancyService::joined_network_owner(std::string environment_id,
                                                                  std::string name) {
  try {
    const auto found = co_await engine_.inspect(environment_id, ResourceKind::network, name);
    if (!found.team_label.empty()) co_return found.team_label;
    co_return co_await recorded_owner(environment_id, ResourceKind::network, found.id);
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::not_found) throw;
  }
  co_return std::string();
}

std::optional<std::string> TenancyService::container_team(std::string_view environment_id,
                                                          std::string_view ref) const {
  return engine_.container_team(environment_id, ref);
}

asio::awaitable<std::string> TenancyService::recorded_owner(std::string environment_id,
                                                            ResourceKind kind, std::string id) {
  auto lookup = [this, &environment_id, kind, &id] {
    return owners_.owner(environment_id, kind, id).value_or("");
  };
  co_return co_await pool_.run(lookup);
}

}  // namespace dokkerr::containers
