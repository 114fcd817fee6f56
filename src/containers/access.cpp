#include "containers/access.hpp"

#include "containers/engine_call.hpp"
#include "containers/environment_service.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "policy/policy.hpp"
#include "store/database.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <map>
#include <vector>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;

std::string_view what(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::container: return "container";
    case ResourceKind::network: return "network";
    case ResourceKind::volume: return "volume";
  }
  return "object";
}

Error not_found(ResourceKind kind) {
  return Error::not_found(std::string(what(kind)) + "_not_found",
                          "No such " + std::string(what(kind)) + ".");
}

std::string team_label(const boost::json::value& labels) {
  if (const auto* object = labels.if_object()) {
    if (const auto* team = object->if_contains(kTeamLabel); team && team->is_string()) {
      return std::string(team->as_string());
    }
  }
  return {};
}

}  // namespace

std::string_view kind_name(ResourceKind kind) { return what(kind); }

std::optional<std::string> Access::assigned_owner(std::string_view env, ResourceKind kind,
                                                  std::string_view id) {
  const auto rows = db_.query(
      "SELECT team_id FROM resource_owners WHERE environment_id = ? AND kind = ? AND resource_id = ?",
      {std::string(env), std::string(what(kind)), std::string(id)});
  if (rows.empty()) return std::nullopt;
  return rows.front().text(0);
}

asio::awaitable<Resolved> Access::resolve(const Principal& caller, std::string env,
                                          ResourceKind kind, std::string ref,
                                          std::string_view permission) {
  if (caller.is_admin && caller.scope_allows(permission)) co_return Resolved{ref, {}};
  const auto teams = caller.teams_in(env, permission);
  if (teams.empty()) throw not_found(kind);
  auto engine = environments_.engine_up(env);
  Resolved resolved;
  // The engine resolves id, prefix and name exactly as the request that follows will, so the
  // object checked is the object acted on (the caller gets its full id passed on).
  if (kind == ResourceKind::container) {
    const auto value = co_await call_json(*engine, docker::Verb::get,
                                          object_path("containers", ref, "container") + "/json",
                                          "container");
    const auto& object = value.as_object();
    resolved.id = std::string(object.at("Id").as_string());
    if (const auto* config = object.if_contains("Config"); config && config->is_object()) {
      if (const auto* labels = config->as_object().if_contains("Labels")) resolved.team = team_label(*labels);
    }
  } else if (kind == ResourceKind::network) {
    const auto value = co_await call_json(*engine, docker::Verb::get,
                                          object_path("networks", ref, "network"), "network");
    const auto& object = value.as_object();
    resolved.id = std::string(object.at("Id").as_string());
    if (const auto* labels = object.if_contains("Labels")) resolved.team = team_label(*labels);
  } else {
    const auto value = co_await call_json(*engine, docker::Verb::get,
                                          object_path("volumes", ref, "volume"), "volume");
    const auto& object = value.as_object();
    resolved.id = std::string(object.at("Name").as_string());
    if (const auto* labels = object.if_contains("Labels")) resolved.team = team_label(*labels);
  }
  if (resolved.team.empty()) {
    auto lookup = [this, &env, kind, &resolved] { return assigned_owner(env, kind, resolved.id); };
    resolved.team = (co_await pool_.run(lookup)).value_or("");
  }
  if (resolved.team.empty() || !teams.contains(resolved.team)) throw not_found(kind);
  co_return resolved;
}

std::optional<TeamSet> Access::visible_teams(const Principal& caller, std::string_view env,
                                             std::string_view permission) const {
  if (caller.is_admin && caller.scope_allows(permission)) return std::nullopt;
  return caller.teams_in(env, permission);
}

std::string Access::creation_team(const Principal& caller, std::string_view env,
                                  const std::optional<std::string>& team,
                                  std::string_view permission) const {
  if (caller.is_admin && caller.scope_allows(permission)) return team.value_or("");
  const auto teams = caller.teams_in(env, permission);
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

asio::awaitable<policy::Policy> Access::policy_of(std::string team) {
  auto load = [this, &team] {
    const auto rows = db_.query("SELECT policy FROM teams WHERE id = ?", {team});
    return rows.empty() ? policy::Policy{} : policy::policy_from_json(rows.front().text(0));
  };
  co_return co_await pool_.run(load);
}

asio::awaitable<void> Access::record_owner(std::string env, ResourceKind kind, std::string id,
                                           std::string team) {
  auto put = [&] {
    db_.transaction([&](store::Database& tx) {
      tx.execute("DELETE FROM resource_owners WHERE environment_id = ? AND kind = ? AND resource_id = ?",
                 {env, std::string(what(kind)), id});
      tx.execute(
          "INSERT INTO resource_owners (environment_id, kind, resource_id, team_id, created_at) "
          "VALUES (?, ?, ?, ?, ?)",
          {env, std::string(what(kind)), id, team, now_rfc3339()});
    });
  };
  co_await pool_.run(put);
}

asio::awaitable<void> Access::forget(std::string env, ResourceKind kind, std::string id) {
  auto remove = [&] {
    db_.execute("DELETE FROM resource_owners WHERE environment_id = ? AND kind = ? AND resource_id = ?",
                {env, std::string(what(kind)), id});
  };
  co_await pool_.run(remove);
}

asio::awaitable<std::set<std::string, std::less<>>> Access::assigned_ids(std::string env,
                                                                        ResourceKind kind,
                                                                        TeamSet teams) {
  auto load = [&] {
    std::set<std::string, std::less<>> ids;
    for (const auto& row : db_.query(
             "SELECT resource_id, team_id FROM resource_owners WHERE environment_id = ? AND kind = ?",
             {env, std::string(what(kind))})) {
      if (teams.contains(row.text(1))) ids.insert(row.text(0));
    }
    return ids;
  };
  co_return co_await pool_.run(load);
}

asio::awaitable<std::string> Access::assign(std::string env, ResourceKind kind, std::string ref,
                                            std::string team) {
  auto team_exists = [&] { return !db_.query("SELECT 1 FROM teams WHERE id = ?", {team}).empty(); };
  if (!co_await pool_.run(team_exists)) throw Error::not_found("team_not_found", "No such team.");
  auto engine = environments_.engine_up(env);
  std::string id;
  std::string labelled;
  const auto path = kind == ResourceKind::container ? object_path("containers", ref, "container") + "/json"
                    : kind == ResourceKind::network ? object_path("networks", ref, "network")
                                                    : object_path("volumes", ref, "volume");
  const auto value = co_await call_json(*engine, docker::Verb::get, path, what(kind));
  const auto& object = value.as_object();
  id = std::string(object.at(kind == ResourceKind::volume ? "Name" : "Id").as_string());
  const auto* labels = kind == ResourceKind::container
                           ? object.at("Config").as_object().if_contains("Labels")
                           : object.if_contains("Labels");
  if (labels != nullptr) labelled = team_label(*labels);
  if (!labelled.empty()) {
    throw Error::conflict("owner_fixed", "This resource was created for a team; its owner is fixed.");
  }
  co_await record_owner(env, kind, id, team);
  co_return id;
}

asio::awaitable<std::string> Access::filter_list(std::string env, ResourceKind kind,
                                                 std::string document,
                                                 std::optional<TeamSet> teams) {
  if (!teams) co_return document;
  auto assigned = [&] {
    std::map<std::string, std::string, std::less<>> owners;
    for (const auto& row : db_.query(
             "SELECT resource_id, team_id FROM resource_owners WHERE environment_id = ? AND kind = ?",
             {env, std::string(what(kind))})) {
      owners[row.text(0)] = row.text(1);
    }
    return owners;
  };
  const auto owners = co_await pool_.run(assigned);
  auto value = boost::json::parse(document);
  auto& object = value.as_object();
  auto& items = object["items"].as_array();
  boost::json::array kept;
  for (auto& item : items) {
    const auto* entry = item.if_object();
    if (entry == nullptr) continue;
    std::string team;
    if (const auto* labels = entry->if_contains("Labels")) team = team_label(*labels);
    if (team.empty()) {
      const auto* key = entry->if_contains(kind == ResourceKind::volume ? "Name" : "Id");
      if (key != nullptr && key->is_string()) {
        if (const auto owner = owners.find(std::string_view(key->as_string())); owner != owners.end()) {
          team = owner->second;
        }
      }
    }
    if (!team.empty() && teams->contains(team)) kept.push_back(std::move(item));
  }
  object["items"] = std::move(kept);
  co_return boost::json::serialize(value);
}

asio::awaitable<void> Access::check_references(std::string env, std::string team,
                                               std::string body) {
  const auto value = boost::json::parse(body);
  const auto& create = value.as_object();
  std::vector<std::string> volumes;
  std::vector<std::string> networks;
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
          volumes.emplace_back(text.substr(0, colon));
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
          volumes.emplace_back(source->as_string());
        }
      }
    }
    if (const auto* mode = config.if_contains("NetworkMode"); mode && mode->is_string()) {
      networks.emplace_back(mode->as_string());
    }
  }
  if (const auto* networking = create.if_contains("NetworkingConfig"); networking && networking->is_object()) {
    if (const auto* endpoints = networking->as_object().if_contains("EndpointsConfig");
        endpoints && endpoints->is_object()) {
      for (const auto& endpoint : endpoints->as_object()) networks.emplace_back(endpoint.key());
    }
  }
  auto engine = environments_.engine_up(env);
  for (const auto& name : volumes) {
    const auto path = object_path("volumes", name, "volume");
    std::string owner;
    bool missing = false;
    try {
      const auto found = co_await call_json(*engine, docker::Verb::get, path, "volume");
      if (const auto* labels = found.as_object().if_contains("Labels")) owner = team_label(*labels);
      if (owner.empty()) {
        auto lookup = [this, &env, &name] { return assigned_owner(env, ResourceKind::volume, name); };
        owner = (co_await pool_.run(lookup)).value_or("");
      }
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::not_found) throw;
      missing = true;
    }
    if (missing) {
      boost::json::object request{{"Name", name},
                                  {"Labels", boost::json::object{{kTeamLabel, team}}}};
      auto text = boost::json::serialize(request);
      co_await call_json(*engine, docker::Verb::post, "/volumes/create", "volume", std::move(text));
      co_await record_owner(env, ResourceKind::volume, name, team);
      owner = team;
    }
    if (owner != team) {
      throw Error(ErrorKind::forbidden, "policy_denied",
                  "HostConfig: the volume '" + name + "' belongs to another team.");
    }
  }
  for (const auto& name : networks) {
    if (name.empty() || name == "default" || name == "bridge" || name == "none" ||
        name.find(':') != std::string::npos) {
      continue;  // the engine's defaults; joins of other containers are the policy's concern
    }
    std::string owner;
    try {
      const auto found = co_await call_json(*engine, docker::Verb::get,
                                            object_path("networks", name, "network"), "network");
      if (const auto* labels = found.as_object().if_contains("Labels")) owner = team_label(*labels);
      if (owner.empty()) {
        const auto id = std::string(found.as_object().at("Id").as_string());
        auto lookup = [this, &env, &id] { return assigned_owner(env, ResourceKind::network, id); };
        owner = (co_await pool_.run(lookup)).value_or("");
      }
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::not_found) throw;
    }
    if (owner != team) {
      throw Error::not_found("network_not_found", "No such network: " + name + ".");
    }
  }
}

std::optional<std::string> Access::container_team(std::string_view env, std::string_view ref) const {
  auto engine = environments_.engine(env);
  if (!engine) return std::nullopt;
  const auto id = engine->model().resolve(ref);
  if (!id) return std::nullopt;
  return engine->model().label(*id, kTeamLabel);
}

}  // namespace dokkerr::containers
