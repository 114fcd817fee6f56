#include "containers/swarm_service.hpp"

#include "containers/engine_call.hpp"
#include "containers/engine_fields.hpp"
#include "containers/environment_service.hpp"
#include "containers/registry_guard.hpp"
#include "containers/registry_logins.hpp"
#include "containers/swarm_spec.hpp"
#include "containers/swarm_support.hpp"
#include "containers/tenancy_service.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/permissions.hpp"
#include "policy/policy.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <map>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
namespace bj = boost::json;
using fields::int_at;
using fields::object_at;
using fields::string_at;
using namespace swarm;

constexpr std::size_t kMaxTasksShown = 200;
// The team's overlay network marks itself, as the bridge network Dokkerr makes for a team does.
constexpr std::string_view kSwarmNetworkMark = "swarm";

bj::object node_summary(const bj::object& node) {
  const auto& spec = object_at(node, "Spec");
  const auto& description = object_at(node, "Description");
  const auto& status = object_at(node, "Status");
  const auto* leader = object_at(node, "ManagerStatus").if_contains("Leader");
  return {{"id", string_at(node, "ID")},
          {"hostname", string_at(description, "Hostname")},
          {"role", string_at(spec, "Role")},
          {"availability", string_at(spec, "Availability")},
          {"state", string_at(status, "State")},
          {"address", string_at(status, "Addr")},
          {"leader", leader != nullptr && leader->is_bool() && leader->as_bool()},
          {"engine_version", string_at(object_at(description, "Engine"), "EngineVersion")}};
}

}  // namespace

std::string SwarmService::owner_for(const Principal& caller, const std::string& env,
                                    const bj::object& labels, std::string_view permission,
                                    std::string_view what) const {
  auto team = label_team(labels);
  const auto teams = tenancy_.visible_teams(caller, env, permission);
  if (teams && (team.empty() || !teams->contains(team))) {
    throw Error::not_found(std::string(what) + "_not_found", "No such " + std::string(what) + ".");
  }
  return team;
}

asio::awaitable<bj::object> SwarmService::status(std::string env) {
  auto engine = environments_.engine_up(env);
  auto info = co_await call_json(*engine, docker::Verb::get, "/info", "system");
  const auto& swarm = info.is_object() ? object_at(info.as_object(), "Swarm") : bj::object{};
  const auto* control = swarm.if_contains("ControlAvailable");
  const auto state = string_at(swarm, "LocalNodeState");
  co_return bj::object{{"state", state.empty() ? std::string("inactive") : state},
                       {"manager", control != nullptr && control->is_bool() && control->as_bool()},
                       {"node_id", string_at(swarm, "NodeID")},
                       {"cluster_id", string_at(object_at(swarm, "Cluster"), "ID")},
                       {"nodes", int_at(swarm, "Nodes")},
                       {"managers", int_at(swarm, "Managers")}};
}

asio::awaitable<bj::array> SwarmService::list_services(const Principal& caller, std::string env) {
  auto engine = environments_.engine_up(env);
  auto listed = co_await call_json(*engine, docker::Verb::get, "/services?status=true", "service");
  const auto names = co_await network_names(*engine);
  const auto teams = tenancy_.visible_teams(caller, env, perm::containers_read);
  bj::array out;
  for (const auto& item : array_of(std::move(listed))) {
    if (!item.is_object()) continue;
    const auto& service = item.as_object();
    const auto team = label_team(object_at(object_at(service, "Spec"), "Labels"));
    if (teams && (team.empty() || !teams->contains(team))) continue;
    out.push_back(service_summary(service, names, false));
  }
  std::sort(out.begin(), out.end(), [](const bj::value& a, const bj::value& b) {
    return a.as_object().at("name").as_string() < b.as_object().at("name").as_string();
  });
  co_return out;
}

asio::awaitable<SwarmService::OwnedService> SwarmService::service_of(const Principal& caller,
                                                                     const std::string& env,
                                                                     Engine& engine,
                                                                     const std::string& ref,
                                                                     std::string_view permission) {
  auto found = co_await call_json(engine, docker::Verb::get,
                                  object_path("services", ref, "service"), "service");
  if (!found.is_object()) throw Error::not_found("service_not_found", "No such service.");
  OwnedService service;
  service.document = std::move(found.as_object());
  service.id = string_at(service.document, "ID");
  service.team = owner_for(caller, env, object_at(object_at(service.document, "Spec"), "Labels"),
                           permission, "service");
  co_return service;
}

asio::awaitable<bj::object> SwarmService::summary_of(Engine& engine, const std::string& id,
                                                     bool with_previous) {
  // The list carries the task counts (status=true); the filter matches id prefixes, so the
  // exact id is picked from the answer.
  auto listed = co_await call_json(engine, docker::Verb::get,
                                   "/services?status=true&" + filters_query("id", id), "service");
  const auto names = co_await network_names(engine);
  for (const auto& item : array_of(std::move(listed))) {
    if (item.is_object() && string_at(item.as_object(), "ID") == id) {
      co_return service_summary(item.as_object(), names, with_previous);
    }
  }
  throw Error::not_found("service_not_found", "No such service.");
}

asio::awaitable<bj::object> SwarmService::inspect_service(const Principal& caller, std::string env,
                                                          std::string ref) {
  auto engine = environments_.engine_up(env);
  const auto service = co_await service_of(caller, env, *engine, ref, perm::containers_read);
  // PreviousSpec is only in the single-object answer; the counts only in the list.
  auto summary = co_await summary_of(*engine, service.id, false);
  const auto& previous = object_at(service.document, "PreviousSpec");
  if (previous.empty()) {
    summary["previous_spec"] = nullptr;
  } else {
    const auto names = co_await network_names(*engine);
    summary["previous_spec"] = spec_from_engine(previous, names);
  }
  co_return summary;
}

asio::awaitable<std::string> SwarmService::team_overlay(const std::string& env, Engine& engine,
                                                        const std::string& team) {
  bj::object labels{{policy::kTeamNetworkLabel, kSwarmNetworkMark}};
  co_return co_await ensure_overlay(env, engine, TenancyService::team_network_name(team) + "-swarm",
                                    team, std::move(labels), false, "team_network_taken");
}

asio::awaitable<std::string> SwarmService::ensure_overlay(const std::string& env, Engine& engine,
                                                          const std::string& name,
                                                          const std::string& team,
                                                          bj::object labels, bool internal,
                                                          std::string_view conflict_code) {
  const auto path = object_path("networks", name, "network");
  if (!team.empty()) labels[policy::kTeamLabel] = team;
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      auto found = co_await call_json(engine, docker::Verb::get, path, "network");
      const auto& network = found.as_object();
      if (label_team(object_at(network, "Labels")) != team) {
        throw Error(
            ErrorKind::conflict, std::string(conflict_code),
            "A network named '" + name + "' belongs to someone else; an admin must remove it.");
      }
      co_return string_at(network, "Id");
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::not_found || attempt > 0) throw;
    }
    const bj::object body{{"Name", name},
                          {"Driver", "overlay"},
                          {"CheckDuplicate", true},
                          {"Internal", internal},
                          {"Labels", labels}};
    try {
      auto created = co_await call_json(engine, docker::Verb::post, "/networks/create", "network",
                                        bj::serialize(body));
      const auto id = string_at(created.as_object(), "Id");
      if (!team.empty()) co_await tenancy_.record_owner(env, ResourceKind::network, id, team);
      co_return id;
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::conflict) throw;  // made meanwhile: look again
    }
  }
  throw Error::internal_error("overlay network neither found nor made");
}

asio::awaitable<EngineReferences> SwarmService::references_for(const Principal& caller,
                                                               const std::string& env,
                                                               Engine& engine,
                                                               const CheckedServiceSpec& checked,
                                                               const std::string& team) {
  EngineReferences references;
  references.team = team;
  const bool checked_owner = !caller.is_admin;
  for (const auto kind : {SwarmObjectKind::secret, SwarmObjectKind::config}) {
    const auto& refs = kind == SwarmObjectKind::secret ? checked.secrets : checked.configs;
    if (refs.empty()) continue;
    auto& ids = kind == SwarmObjectKind::secret ? references.secret_ids : references.config_ids;
    const auto objects = co_await objects_by_name(engine, kind);
    for (const auto& ref : refs) {
      const auto found = objects.find(ref.name);
      const bool usable = found != objects.end() &&
                          (!checked_owner || label_team(object_at(object_at(found->second, "Spec"),
                                                                  "Labels")) == team);
      if (!usable) {
        throw Error::not_found(noun(kind) + "_not_found",
                               "No such " + noun(kind) + ": " + ref.name + ".");
      }
      ids.push_back(string_at(found->second, "ID"));
    }
  }
  if (checked_owner && !team.empty()) {
    // The team's own volumes and networks only, missing volumes made for the team (as for
    // containers).
    bj::array mounts;
    for (const auto& volume : checked.volumes) {
      mounts.push_back(bj::object{{"Type", "volume"}, {"Source", volume}, {"Target", "/x"}});
    }
    bj::object endpoints;
    for (const auto& network : checked.networks) endpoints[network] = bj::object{};
    bj::object create{{"HostConfig", bj::object{{"Mounts", std::move(mounts)}}},
                      {"NetworkingConfig", bj::object{{"EndpointsConfig", std::move(endpoints)}}}};
    co_await tenancy_.check_references(env, team, std::move(create));
  }
  for (const auto& network : checked.networks) {
    auto found = co_await call_json(engine, docker::Verb::get,
                                    object_path("networks", network, "network"), "network");
    references.network_ids.push_back(string_at(found.as_object(), "Id"));
  }
  if (checked.networks.empty() && !team.empty()) {
    references.network_ids.push_back(co_await team_overlay(env, engine, team));
  }
  co_return references;
}

asio::awaitable<bj::object> SwarmService::create_service(const Principal& caller, std::string env,
                                                         std::optional<std::string> team,
                                                         std::string body) {
  const auto creation =
      co_await tenancy_.creation(caller, env, std::move(team), perm::containers_create);
  const auto& policy = creation.policy;
  refuse_under_quota(caller, policy);
  const auto checked = check_service_spec(body, {caller.is_admin, policy});
  auto engine = environments_.engine_up(env);
  auto headers = co_await pull_headers(caller, checked, creation.team);
  auto references = co_await references_for(caller, env, *engine, checked, creation.team);
  if (!caller.is_admin) references.pids_limit = policy.max_pids;
  const auto spec = build_engine_spec(checked, references);
  const auto answer = co_await call(*engine, docker::Verb::post, "/services/create", "service",
                                    bj::serialize(spec), std::move(headers));
  const auto created = json::parse_object(answer, true);
  const auto id = string_at(created, "ID");
  co_return co_await summary_of(*engine, id, true);
}

asio::awaitable<void> SwarmService::update_engine_service(Engine& engine,
                                                          const OwnedService& service,
                                                          bj::object spec, bool rollback,
                                                          docker::Headers headers) {
  const auto version = int_at(object_at(service.document, "Version"), "Index");
  auto target =
      object_path("services", service.id, "service") + "/update?version=" + std::to_string(version);
  if (rollback) target += "&rollback=previous";
  co_await call(engine, docker::Verb::post, std::move(target), "service", bj::serialize(spec),
                std::move(headers));
}

asio::awaitable<docker::Headers> SwarmService::pull_headers(const Principal& caller,
                                                            const CheckedServiceSpec& checked,
                                                            const std::string& team) {
  // Every node's engine pulls the image itself when it starts a task: the registry is checked
  // here as for a pull, and the team's stored login goes with the spec.
  const auto image = string_at(checked.spec, "image");
  if (registries_ != nullptr) co_await registries_->check(caller, image);
  docker::Headers headers;
  if (logins_ != nullptr) {
    auto login = co_await logins_->login_for(caller, team, registry_of(image));
    if (login) headers.emplace_back("X-Registry-Auth", registry_auth_header(*login));
  }
  co_return headers;
}

asio::awaitable<bj::object> SwarmService::update_service(const Principal& caller, std::string env,
                                                         std::string ref, std::string body) {
  auto engine = environments_.engine_up(env);
  const auto service = co_await service_of(caller, env, *engine, ref, perm::containers_update);
  const auto policy = co_await tenancy_.policy_of(service.team);
  const auto checked = check_service_spec(body, {caller.is_admin, policy});
  const auto& current = object_at(service.document, "Spec");
  if (string_at(checked.spec, "name") != string_at(current, "Name")) {
    throw Error::invalid("invalid_body", "Field 'name': a service keeps its name.");
  }
  auto headers = co_await pull_headers(caller, checked, service.team);
  auto references = co_await references_for(caller, env, *engine, checked, service.team);
  if (!caller.is_admin) references.pids_limit = policy.max_pids;
  auto spec = merged_spec(current, build_engine_spec(checked, references));
  co_await update_engine_service(*engine, service, std::move(spec), false, std::move(headers));
  co_return co_await summary_of(*engine, service.id, true);
}

asio::awaitable<bj::object> SwarmService::scale_service(const Principal& caller, std::string env,
                                                        std::string ref, std::int64_t replicas) {
  if (replicas < 0 || replicas > kMaxServiceReplicas) {
    throw Error::invalid("invalid_body", "Field 'replicas' must be from 0 to " +
                                             std::to_string(kMaxServiceReplicas) + ".");
  }
  auto engine = environments_.engine_up(env);
  const auto service = co_await service_of(caller, env, *engine, ref, perm::containers_update);
  auto spec = object_at(service.document, "Spec");
  auto* mode = spec.if_contains("Mode");
  if (mode == nullptr || !mode->is_object() || !mode->as_object().contains("Replicated")) {
    throw Error::conflict("service_not_replicated",
                          "A global service runs one task on every node.");
  }
  mode->as_object()["Replicated"] = bj::object{{"Replicas", replicas}};
  co_await update_engine_service(*engine, service, std::move(spec));
  co_return co_await summary_of(*engine, service.id, true);
}

asio::awaitable<bj::object> SwarmService::rollback_service(const Principal& caller, std::string env,
                                                           std::string ref) {
  auto engine = environments_.engine_up(env);
  const auto service = co_await service_of(caller, env, *engine, ref, perm::containers_update);
  if (object_at(service.document, "PreviousSpec").empty()) {
    throw Error::conflict("no_previous_spec",
                          "The service has not been updated; there is nothing to roll back to.");
  }
  // The engine swaps in its PreviousSpec: what it returns to was checked when it was deployed.
  co_await update_engine_service(*engine, service, object_at(service.document, "Spec"), true);
  co_return co_await summary_of(*engine, service.id, true);
}

asio::awaitable<void> SwarmService::remove_service(const Principal& caller, std::string env,
                                                   std::string ref) {
  auto engine = environments_.engine_up(env);
  const auto service = co_await service_of(caller, env, *engine, ref, perm::containers_delete);
  co_await call(*engine, docker::Verb::delete_, object_path("services", service.id, "service"),
                "service");
}

asio::awaitable<bj::array> SwarmService::tasks(const Principal& caller, std::string env,
                                               std::string ref) {
  auto engine = environments_.engine_up(env);
  const auto service = co_await service_of(caller, env, *engine, ref, perm::containers_read);
  auto listed = co_await call_json(*engine, docker::Verb::get,
                                   "/tasks?" + filters_query("service", service.id), "task");
  auto nodes_answer = co_await call_json(*engine, docker::Verb::get, "/nodes", "node");
  std::map<std::string, std::string, std::less<>> hostnames;
  for (const auto& node : array_of(std::move(nodes_answer))) {
    if (!node.is_object()) continue;
    hostnames[string_at(node.as_object(), "ID")] =
        string_at(object_at(node.as_object(), "Description"), "Hostname");
  }
  bj::array out;
  for (const auto& item : array_of(std::move(listed))) {
    if (!item.is_object()) continue;
    const auto& task = item.as_object();
    const auto& status = object_at(task, "Status");
    const auto& container = object_at(status, "ContainerStatus");
    const auto node_id = string_at(task, "NodeID");
    const auto host = hostnames.find(node_id);
    bj::object entry{
        {"id", string_at(task, "ID")},
        {"slot", task.contains("Slot") ? bj::value(int_at(task, "Slot")) : bj::value(nullptr)},
        {"node_id", node_id},
        {"node", host == hostnames.end() ? std::string() : host->second},
        {"desired_state", string_at(task, "DesiredState")},
        {"state", string_at(status, "State")},
        {"message", string_at(status, "Message")},
        {"error", string_at(status, "Err")},
        {"container_id", string_at(container, "ContainerID")},
        {"image", string_at(object_at(object_at(task, "Spec"), "ContainerSpec"), "Image")},
        {"created", string_at(task, "CreatedAt")},
        {"updated", string_at(task, "UpdatedAt")},
        {"exit_code", container.contains("ExitCode") ? bj::value(int_at(container, "ExitCode"))
                                                     : bj::value(nullptr)}};
    out.push_back(std::move(entry));
  }
  std::sort(out.begin(), out.end(), [](const bj::value& a, const bj::value& b) {
    const auto& x = a.as_object();
    const auto& y = b.as_object();
    const auto slot = [](const bj::object& t) {
      return t.at("slot").is_int64() ? t.at("slot").as_int64() : std::int64_t{0};
    };
    if (slot(x) != slot(y)) return slot(x) < slot(y);
    return x.at("updated").as_string() > y.at("updated").as_string();
  });
  if (out.size() > kMaxTasksShown) out.resize(kMaxTasksShown);
  co_return out;
}

asio::awaitable<Logs> SwarmService::logs(const Principal& caller, std::string env, std::string ref,
                                         LogOptions options) {
  auto engine = environments_.engine_up(env);
  const auto service = co_await service_of(caller, env, *engine, ref, perm::containers_logs);
  const auto& container = object_at(
      object_at(object_at(service.document, "Spec"), "TaskTemplate"), "ContainerSpec");
  const auto* tty = container.if_contains("TTY");
  auto target =
      object_path("services", service.id, "service") + "/logs" + log_query(options, false);
  co_return co_await read_logs(*engine, std::move(target), "service",
                               tty != nullptr && tty->is_bool() && tty->as_bool());
}

asio::awaitable<bj::array> SwarmService::nodes(std::string env) {
  auto engine = environments_.engine_up(env);
  auto listed = co_await call_json(*engine, docker::Verb::get, "/nodes", "node");
  bj::array out;
  for (const auto& item : array_of(std::move(listed))) {
    if (item.is_object()) out.push_back(node_summary(item.as_object()));
  }
  co_return out;
}

asio::awaitable<bj::object> SwarmService::set_node_availability(std::string env, std::string ref,
                                                                std::string availability) {
  if (availability != "active" && availability != "pause" && availability != "drain") {
    throw Error::invalid("invalid_body",
                         "Field 'availability' must be one of: active, pause, drain.");
  }
  auto engine = environments_.engine_up(env);
  const auto path = object_path("nodes", ref, "node");
  auto found = co_await call_json(*engine, docker::Verb::get, path, "node");
  const auto& node = found.as_object();
  auto spec = object_at(node, "Spec");
  spec["Availability"] = availability;
  const auto version = int_at(object_at(node, "Version"), "Index");
  const auto id_path = object_path("nodes", string_at(node, "ID"), "node");
  co_await call(*engine, docker::Verb::post, id_path + "/update?version=" + std::to_string(version),
                "node", bj::serialize(spec));
  auto updated = co_await call_json(*engine, docker::Verb::get, id_path, "node");
  co_return node_summary(updated.as_object());
}

}  // namespace dokkerr::containers
