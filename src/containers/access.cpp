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

std::optional<std::string> Access::container_team(std::string_view env, std::string_view ref) const {
  auto engine = environments_.engine(env);
  if (!engine) return std::nullopt;
  const auto id = engine->model().resolve(ref);
  if (!id) return std::nullopt;
  return engine->model().label(*id, kTeamLabel);
}

}  // namespace dokkerr::containers
