#include "containers/swarm_service.hpp"

#include "containers/engine_call.hpp"
#include "containers/environment_service.hpp"
#include "containers/registry_guard.hpp"
#include "containers/registry_logins.hpp"
#include "containers/swarm_spec.hpp"
#include "containers/engine_fields.hpp"
#include "containers/tenancy_service.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/permissions.hpp"
#include "policy/policy.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
namespace bj = boost::json;
using fields::array_at;
using fields::int_at;
using fields::object_at;
using fields::string_at;

// The engine keeps secrets and configs in its raft log, which it bounds at 500 KiB an object.
constexpr std::size_t kMaxObjectBytes = 500 * 1024;
constexpr std::size_t kMaxTasksShown = 200;
// The team's overlay network marks itself, as the bridge network Dokkerr makes for a team does.
constexpr std::string_view kSwarmNetworkMark = "swarm";




bj::value team_or_null(const std::string& team) {
  return team.empty() ? bj::value(nullptr) : bj::value(team);
}

std::string label_team(const bj::object& labels) {
  return string_at(labels, policy::kTeamLabel);
}

std::string collection(SwarmObjectKind kind) {
  return kind == SwarmObjectKind::secret ? "secrets" : "configs";
}

std::string noun(SwarmObjectKind kind) { return kind == SwarmObjectKind::secret ? "secret" : "config"; }

std::string filters_query(std::string_view key, const std::string& value) {
  const bj::object filters{{key, bj::array{bj::value(value)}}};
  return "filters=" + encode(bj::serialize(filters));
}

// Network ids to names, for showing a service's networks by name.
asio::awaitable<bj::object> network_names(Engine& engine) {
  auto networks = co_await call_json(engine, docker::Verb::get, "/networks", "network");
  bj::object names;
  for (const auto& item : array_of(std::move(networks))) {
    if (!item.is_object()) continue;
    names[string_at(item.as_object(), "Id")] = string_at(item.as_object(), "Name");
  }
  co_return names;
}

bj::object service_summary(const bj::object& service, const bj::object& names, bool with_previous) {
  const auto& spec = object_at(service, "Spec");
  auto ours = spec_from_engine(spec, names);
  const auto& status = object_at(service, "ServiceStatus");
  const bool global = object_at(spec, "Mode").contains("Global");
  const auto desired = status.contains("DesiredTasks")
                           ? int_at(status, "DesiredTasks")
                           : int_at(object_at(object_at(spec, "Mode"), "Replicated"), "Replicas");
  bj::object out{
      {"id", string_at(service, "ID")},
      {"name", string_at(spec, "Name")},
      {"image", string_at(object_at(object_at(spec, "TaskTemplate"), "ContainerSpec"), "Image")},
      {"mode", global ? "global" : "replicated"},
      {"replicas", bj::object{{"desired", desired}, {"running", int_at(status, "RunningTasks")}}},
      {"ports", ours.contains("ports") ? ours.at("ports") : bj::array{}},
      {"team", team_or_null(label_team(object_at(spec, "Labels")))},
      {"created", string_at(service, "CreatedAt")},
      {"updated", string_at(service, "UpdatedAt")},
      {"version", int_at(object_at(service, "Version"), "Index")},
  };
  if (const auto& update = object_at(service, "UpdateStatus"); !update.empty()) {
    out["update_status"] = bj::object{{"state", string_at(update, "State")},
                                      {"message", string_at(update, "Message")}};
  } else {
    out["update_status"] = nullptr;
  }
  out["spec"] = std::move(ours);
  if (with_previous) {
    const auto& previous = object_at(service, "PreviousSpec");
    out["previous_spec"] = previous.empty() ? bj::value(nullptr) : bj::value(spec_from_engine(previous, names));
  }
  return out;
}

// The fields of an engine spec that Dokkerr's form covers, replaced by the new spec's; the rest
// (what the docker CLI or another tool set on a service an admin manages here) is kept.
bj::object merged_spec(bj::object current, bj::object fresh) {
  for (const auto* key : {"Name", "Labels", "Mode", "UpdateConfig", "RollbackConfig", "EndpointSpec"}) {
    if (auto* value = fresh.if_contains(key)) current[key] = std::move(*value);
  }
  auto& task_value = current["TaskTemplate"];
  if (!task_value.is_object()) task_value = bj::object{};
  auto& task = task_value.as_object();
  auto& fresh_task = fresh["TaskTemplate"].as_object();
  for (const auto* key : {"Resources", "RestartPolicy", "Networks"}) {
    if (auto* value = fresh_task.if_contains(key)) {
      task[key] = std::move(*value);
    } else {
      task.erase(key);
    }
  }
  auto& placement_value = task["Placement"];
  if (!placement_value.is_object()) placement_value = bj::object{};
  if (auto* constraints = object_at(fresh_task, "Placement").if_contains("Constraints")) {
    placement_value.as_object()["Constraints"] = *constraints;
  } else {
    placement_value.as_object().erase("Constraints");
  }
  auto& container_value = task["ContainerSpec"];
  if (!container_value.is_object()) container_value = bj::object{};
  auto& container = container_value.as_object();
  auto& fresh_container = fresh_task["ContainerSpec"].as_object();
  // The engine pinned the digest it resolved for the image; an update that names the same image
  // keeps running what runs now, as `docker service update` does.
  const auto current_image = string_at(container, "Image");
  const auto fresh_image = string_at(fresh_container, "Image");
  if (current_image.starts_with(fresh_image + "@sha256:")) fresh_container["Image"] = current_image;
  for (const auto* key : {"Image", "Command", "Args", "Env", "Labels", "User", "Dir", "Mounts",
                          "Secrets", "Configs"}) {
    if (auto* value = fresh_container.if_contains(key)) {
      container[key] = std::move(*value);
    } else {
      container.erase(key);
    }
  }
  return current;
}

bj::object object_summary(const bj::object& object) {
  const auto& spec = object_at(object, "Spec");
  bj::object labels;
  for (const auto& member : object_at(spec, "Labels")) {
    if (!member.key().starts_with(policy::kReservedLabelPrefix)) labels[member.key()] = member.value();
  }
  // Never the Data: a config's comes back from the engine, and neither is ever echoed.
  return {{"id", string_at(object, "ID")},
          {"name", string_at(spec, "Name")},
          {"team", team_or_null(label_team(object_at(spec, "Labels")))},
          {"created", string_at(object, "CreatedAt")},
          {"updated", string_at(object, "UpdatedAt")},
          {"labels", std::move(labels)}};
}

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

void refuse_under_quota(const Principal& caller, const policy::Policy& policy) {
  if (!caller.is_admin &&
      (policy.max_containers > 0 || policy.max_total_memory_bytes > 0 || policy.max_total_nano_cpus > 0)) {
    throw Error(ErrorKind::forbidden, "policy_denied",
                "The team's container quotas cannot bound the tasks a swarm places; an admin must "
                "lift them before the team runs services.");
  }
}

constexpr std::string_view kStackLabel = "com.docker.stack.namespace";
// How long removing a stack waits for its tasks to let go of its networks.
constexpr auto kNetworkReleaseAttempts = 60;
constexpr auto kNetworkReleaseInterval = std::chrono::milliseconds(500);

std::string stack_filter(const std::string& stack) {
  return filters_query("label", std::string(kStackLabel) + "=" + stack);
}

// Secrets and configs are few per swarm; listing them all finds one by exact name (the engine's
// name filter matches prefixes).
asio::awaitable<std::map<std::string, bj::object>> objects_by_name(Engine& engine,
                                                                   SwarmObjectKind kind) {
  auto listed = co_await call_json(engine, docker::Verb::get, "/" + collection(kind), noun(kind));
  std::map<std::string, bj::object> out;
  for (auto& item : array_of(std::move(listed))) {
    if (!item.is_object()) continue;
    auto name = string_at(object_at(item.as_object(), "Spec"), "Name");
    out.emplace(std::move(name), std::move(item.as_object()));
  }
  co_return out;
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
  auto found = co_await call_json(engine, docker::Verb::get, object_path("services", ref, "service"),
                                  "service");
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
        throw Error(ErrorKind::conflict, std::string(conflict_code),
                    "A network named '" + name + "' belongs to someone else; an admin must remove it.");
      }
      co_return string_at(network, "Id");
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::not_found || attempt > 0) throw;
    }
    const bj::object body{{"Name", name},           {"Driver", "overlay"},
                          {"CheckDuplicate", true}, {"Internal", internal},
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
        throw Error::not_found(noun(kind) + "_not_found", "No such " + noun(kind) + ": " + ref.name + ".");
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
  const auto creation = co_await tenancy_.creation(caller, env, std::move(team), perm::containers_create);
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
  auto target = object_path("services", service.id, "service") +
                "/update?version=" + std::to_string(version);
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
    throw Error::conflict("service_not_replicated", "A global service runs one task on every node.");
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
    throw Error::conflict("no_previous_spec", "The service has not been updated; there is nothing to roll back to.");
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

asio::awaitable<bj::array> SwarmService::stack_services(Engine& engine, const std::string& stack) {
  auto listed = co_await call_json(engine, docker::Verb::get,
                                   "/services?status=true&" + stack_filter(stack), "service");
  co_return array_of(std::move(listed));
}

asio::awaitable<bj::array> SwarmService::deploy_stack(const Principal& caller, std::string env,
                                                      std::optional<std::string> team,
                                                      SwarmStackDeployment stack) {
  const auto creation = co_await tenancy_.creation(caller, env, std::move(team), perm::containers_create);
  refuse_under_quota(caller, creation.policy);
  const ServiceRules rules{caller.is_admin, creation.policy};
  std::vector<CheckedServiceSpec> services;
  std::set<std::string, std::less<>> names;
  for (const auto& body : stack.services) {
    auto checked = check_service_spec(body, rules);
    const auto name = string_at(checked.spec, "name");
    if (!name.starts_with(stack.name + "_") || !names.insert(name).second) {
      throw Error::invalid("invalid_body", "A stack's services are named <stack>_<service>, once each.");
    }
    services.push_back(std::move(checked));
  }
  auto engine = environments_.engine_up(env);
  // The services the stack has now; all of them must be the deploying team's.
  std::map<std::string, bj::object, std::less<>> current;
  auto existing = co_await stack_services(*engine, stack.name);
  for (auto& item : existing) {
    if (!item.is_object()) continue;
    auto& service = item.as_object();
    const auto& spec = object_at(service, "Spec");
    if (label_team(object_at(spec, "Labels")) != creation.team) {
      throw Error::conflict("swarm_stack_taken", "A stack named '" + stack.name + "' belongs to someone else.");
    }
    current.emplace(string_at(spec, "Name"), std::move(service));
  }
  for (const auto& network : stack.networks) {
    if (network.external) continue;  // a service's reference to it is checked as any other
    bj::object labels{{kStackLabel, stack.name}};
    co_await ensure_overlay(env, *engine, network.name, creation.team, std::move(labels),
                            network.internal, "swarm_stack_taken");
  }
  for (const auto& checked : services) {
    auto headers = co_await pull_headers(caller, checked, creation.team);
    auto references = co_await references_for(caller, env, *engine, checked, creation.team);
    if (!caller.is_admin) references.pids_limit = creation.policy.max_pids;
    auto spec = build_engine_spec(checked, references);
    const auto found = current.find(string_at(checked.spec, "name"));
    if (found == current.end()) {
      co_await call(*engine, docker::Verb::post, "/services/create", "service", bj::serialize(spec),
                    std::move(headers));
      continue;
    }
    OwnedService service{found->second, string_at(found->second, "ID"), creation.team};
    auto merged = merged_spec(object_at(found->second, "Spec"), std::move(spec));
    co_await update_engine_service(*engine, service, std::move(merged), false, std::move(headers));
  }
  // What the file no longer names goes, as its containers go from a Compose stack.
  for (const auto& [name, service] : current) {
    if (names.contains(name)) continue;
    co_await call(*engine, docker::Verb::delete_,
                  object_path("services", string_at(service, "ID"), "service"), "service");
  }
  const auto network_ids = co_await network_names(*engine);
  const auto deployed = co_await stack_services(*engine, stack.name);
  bj::array out;
  for (const auto& item : deployed) {
    if (item.is_object()) out.push_back(service_summary(item.as_object(), network_ids, false));
  }
  co_return out;
}

asio::awaitable<bj::array> SwarmService::list_stacks(const Principal& caller, std::string env) {
  auto engine = environments_.engine_up(env);
  auto listed = co_await call_json(*engine, docker::Verb::get, "/services?status=true", "service");
  const auto teams = tenancy_.visible_teams(caller, env, perm::containers_read);
  std::map<std::string, bj::object, std::less<>> stacks;
  for (const auto& item : array_of(std::move(listed))) {
    if (!item.is_object()) continue;
    const auto& service = item.as_object();
    const auto& labels = object_at(object_at(service, "Spec"), "Labels");
    const auto stack = string_at(labels, kStackLabel);
    const auto team = label_team(labels);
    if (stack.empty() || (teams && (team.empty() || !teams->contains(team)))) continue;
    auto& entry = stacks[stack];
    if (entry.empty()) {
      entry = bj::object{{"name", stack}, {"team", team_or_null(team)}, {"services", 0},
                         {"running", 0}, {"desired", 0}};
    }
    const auto& status = object_at(service, "ServiceStatus");
    entry["services"] = entry["services"].as_int64() + 1;
    entry["running"] = entry["running"].as_int64() + int_at(status, "RunningTasks");
    entry["desired"] = entry["desired"].as_int64() + int_at(status, "DesiredTasks");
  }
  bj::array out;
  for (auto& [name, entry] : stacks) out.push_back(std::move(entry));
  co_return out;
}

asio::awaitable<void> SwarmService::remove_stack(const Principal& caller, std::string env,
                                                 std::string name) {
  auto engine = environments_.engine_up(env);
  const auto teams = tenancy_.visible_teams(caller, env, perm::containers_delete);
  const auto mine = [&](const bj::object& labels) {
    const auto team = label_team(labels);
    return !teams || (!team.empty() && teams->contains(team));
  };
  std::vector<std::string> services;
  const auto listed = co_await stack_services(*engine, name);
  for (const auto& item : listed) {
    if (!item.is_object()) continue;
    const auto& spec = object_at(item.as_object(), "Spec");
    if (mine(object_at(spec, "Labels"))) services.push_back(string_at(item.as_object(), "ID"));
  }
  auto networks = co_await call_json(*engine, docker::Verb::get, "/networks?" + stack_filter(name), "network");
  std::vector<std::string> network_ids;
  for (const auto& item : array_of(std::move(networks))) {
    if (item.is_object() && mine(object_at(item.as_object(), "Labels"))) {
      network_ids.push_back(string_at(item.as_object(), "Id"));
    }
  }
  if (services.empty() && network_ids.empty()) {
    throw Error::not_found("stack_not_found", "No such stack.");
  }
  for (const auto& id : services) {
    co_await call(*engine, docker::Verb::delete_, object_path("services", id, "service"), "service");
  }
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (const auto& id : network_ids) {
    // The engine takes the tasks down after the services go; their endpoints hold the network
    // until then.
    for (int attempt = 1;; ++attempt) {
      std::optional<Error> refused;
      try {
        co_await call(*engine, docker::Verb::delete_, object_path("networks", id, "network"), "network");
      } catch (const Error& error) {
        refused = error;
      }
      if (!refused || refused->kind() == ErrorKind::not_found) break;
      if (refused->kind() != ErrorKind::conflict || attempt >= kNetworkReleaseAttempts) throw *refused;
      timer.expires_after(kNetworkReleaseInterval);
      co_await timer.async_wait(asio::use_awaitable);
    }
    co_await tenancy_.forget(env, ResourceKind::network, id);
  }
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
    throw Error::invalid("invalid_body", "Field 'availability' must be one of: active, pause, drain.");
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

asio::awaitable<bj::array> SwarmService::list_objects(const Principal& caller, std::string env,
                                                      SwarmObjectKind kind) {
  auto engine = environments_.engine_up(env);
  auto listed = co_await call_json(*engine, docker::Verb::get, "/" + collection(kind), noun(kind));
  const auto teams = tenancy_.visible_teams(caller, env, perm::containers_read);
  bj::array out;
  for (const auto& item : array_of(std::move(listed))) {
    if (!item.is_object()) continue;
    const auto team = label_team(object_at(object_at(item.as_object(), "Spec"), "Labels"));
    if (teams && (team.empty() || !teams->contains(team))) continue;
    out.push_back(object_summary(item.as_object()));
  }
  std::sort(out.begin(), out.end(), [](const bj::value& a, const bj::value& b) {
    return a.as_object().at("name").as_string() < b.as_object().at("name").as_string();
  });
  co_return out;
}

asio::awaitable<bj::object> SwarmService::create_object(const Principal& caller, std::string env,
                                                        SwarmObjectKind kind,
                                                        std::optional<std::string> team,
                                                        std::string body) {
  const auto given = json::parse_object(body);
  json::only_fields(given, {"name", "data", "labels"});
  const auto name = json::required_string(given, "name");
  check_swarm_object_name(name, "name");
  const auto data = json::required_string(given, "data");
  if (data.empty() || data.size() > kMaxObjectBytes) {
    throw Error::invalid("invalid_body", "Field 'data' must be 1 byte to 500 KiB.");
  }
  bj::object labels;
  if (const auto* given_labels = json::optional_object(given, "labels")) {
    if (given_labels->size() > 100) throw Error::invalid("invalid_body", "Field 'labels' has more than 100 entries.");
    for (const auto& member : *given_labels) {
      std::string key(member.key());
      std::transform(key.begin(), key.end(), key.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (key.starts_with(policy::kReservedLabelPrefix)) {
        throw Error::invalid("reserved_label", "Labels under io.dokkerr. are Dokkerr's own.");
      }
      if (!member.value().is_string()) {
        throw Error::invalid("invalid_body", "Field 'labels." + std::string(member.key()) + "' must be a string.");
      }
      labels[member.key()] = member.value();
    }
  }
  const auto owner = tenancy_.creation_team(caller, env, team, perm::containers_create);
  if (!owner.empty()) labels[policy::kTeamLabel] = owner;
  auto engine = environments_.engine_up(env);
  const bj::object spec{{"Name", name}, {"Labels", std::move(labels)}, {"Data", base64(data)}};
  auto created = co_await call_json(*engine, docker::Verb::post, "/" + collection(kind) + "/create",
                                    noun(kind), bj::serialize(spec));
  const auto id = created.is_object() ? string_at(created.as_object(), "ID") : std::string();
  auto found = co_await call_json(*engine, docker::Verb::get,
                                  object_path(collection(kind), id, noun(kind)), noun(kind));
  co_return object_summary(found.as_object());
}

asio::awaitable<void> SwarmService::remove_object(const Principal& caller, std::string env,
                                                  SwarmObjectKind kind, std::string ref) {
  auto engine = environments_.engine_up(env);
  const auto path = object_path(collection(kind), ref, noun(kind));
  auto found = co_await call_json(*engine, docker::Verb::get, path, noun(kind));
  const auto& object = found.as_object();
  owner_for(caller, env, object_at(object_at(object, "Spec"), "Labels"), perm::containers_delete, noun(kind));
  const auto id_path = object_path(collection(kind), string_at(object, "ID"), noun(kind));
  std::optional<Error> refused;
  try {
    co_await call(*engine, docker::Verb::delete_, id_path, noun(kind));
  } catch (const Error& error) {
    refused = error;
  }
  if (refused) {
    // The engine answers "in use by the following service" as a bad request.
    if (refused->kind() == ErrorKind::invalid && refused->internal().find("in use") != std::string::npos) {
      throw Error::conflict(noun(kind) + "_in_use", "A service uses the " + noun(kind) +
                                                        "; remove it from the service first.");
    }
    throw *refused;
  }
}

}  // namespace dokkerr::containers
