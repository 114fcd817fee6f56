#include "containers/swarm_support.hpp"

#include "containers/engine_call.hpp"
#include "containers/engine_fields.hpp"
#include "containers/swarm_spec.hpp"
#include "core/error.hpp"

#include <boost/json/serialize.hpp>

namespace dokkerr::containers::swarm {

namespace asio = boost::asio;
namespace bj = boost::json;
using fields::int_at;
using fields::object_at;
using fields::string_at;

bj::value team_or_null(const std::string& team) {
  return team.empty() ? bj::value(nullptr) : bj::value(team);
}

std::string label_team(const bj::object& labels) {
  return string_at(labels, policy::kTeamLabel);
}

std::string collection(SwarmObjectKind kind) {
  return kind == SwarmObjectKind::secret ? "secrets" : "configs";
}

std::string noun(SwarmObjectKind kind) {
  return kind == SwarmObjectKind::secret ? "secret" : "config";
}

std::string filters_query(std::string_view key, const std::string& value) {
  const bj::object filters{{key, bj::array{bj::value(value)}}};
  return "filters=" + encode(bj::serialize(filters));
}

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
    out["previous_spec"] =
        previous.empty() ? bj::value(nullptr) : bj::value(spec_from_engine(previous, names));
  }
  return out;
}

bj::object merged_spec(bj::object current, bj::object fresh) {
  for (const auto* key :
       {"Name", "Labels", "Mode", "UpdateConfig", "RollbackConfig", "EndpointSpec"}) {
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
                          "Secrets", "Configs", "Healthcheck"}) {
    if (auto* value = fresh_container.if_contains(key)) {
      container[key] = std::move(*value);
    } else {
      container.erase(key);
    }
  }
  return current;
}

void refuse_under_quota(const Principal& caller, const policy::Policy& policy) {
  if (!caller.is_admin && (policy.max_containers > 0 || policy.max_total_memory_bytes > 0 ||
                           policy.max_total_nano_cpus > 0)) {
    throw Error(ErrorKind::forbidden, "policy_denied",
                "The team's container quotas cannot bound the tasks a swarm places; an admin must "
                "lift them before the team runs services.");
  }
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

}  // namespace dokkerr::containers::swarm
