#include "stacks/swarm_stack.hpp"

#include "core/error.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::stacks {
namespace {

namespace bj = boost::json;

[[noreturn]] void refuse(const ServiceSpec& service, std::string_view key, std::string_view why) {
  std::string detail =
      service.line > 0 ? "line " + std::to_string(service.line) + ", " : std::string();
  detail += "services." + service.name + "." + std::string(key) + ": " + std::string(why);
  throw Error::invalid("invalid_compose", std::move(detail));
}

// What a container of `docker compose up` can have and a Swarm task cannot (or the service form
// does not carry): refused by name rather than dropped.
void check_swarm_compatible(const ServiceSpec& service) {
  constexpr std::string_view kNoSwarm = "is not available to Swarm services";
  constexpr std::string_view kNotCarried = "is not supported for Swarm stacks";
  if (service.privileged) refuse(service, "privileged", kNoSwarm);
  if (!service.devices.empty()) refuse(service, "devices", kNoSwarm);
  if (!service.network_mode.empty()) refuse(service, "network_mode", kNoSwarm);
  if (!service.pid.empty()) refuse(service, "pid", kNoSwarm);
  if (!service.ipc.empty()) refuse(service, "ipc", kNoSwarm);
  if (service.container_name) refuse(service, "container_name", kNoSwarm);
  if (!service.cap_add.empty()) refuse(service, "cap_add", kNotCarried);
  if (!service.cap_drop.empty()) refuse(service, "cap_drop", kNotCarried);
  if (!service.security_opt.empty()) refuse(service, "security_opt", kNotCarried);
  if (!service.extra_hosts.empty()) refuse(service, "extra_hosts", kNotCarried);
  if (!service.dns.empty()) refuse(service, "dns", kNotCarried);
  if (!service.labels.empty())
    refuse(service, "labels", "use deploy.labels for a Swarm service's labels");
  if (service.restart != "no")
    refuse(service, "restart", "use deploy.restart_policy in a Swarm stack");
  if (service.pids_limit) refuse(service, "pids_limit", kNotCarried);
  if (!service.hostname.empty()) refuse(service, "hostname", kNotCarried);
  if (!service.stop_signal.empty()) refuse(service, "stop_signal", kNotCarried);
  if (service.stop_grace_period_ns) refuse(service, "stop_grace_period", kNotCarried);
  if (service.read_only || service.tty || service.stdin_open || service.init) {
    refuse(service, "read_only/tty/stdin_open/init", kNotCarried);
  }
  if (service.pull_policy != "missing")
    refuse(service, "pull_policy", "Swarm nodes pull what they miss");
  for (const auto& port : service.ports) {
    if (!port.host_ip.empty())
      refuse(service, "ports", "Swarm publishes on every address of a node");
  }
}

bj::value seconds(std::int64_t nanoseconds) {
  constexpr std::int64_t kPerSecond = 1'000'000'000;
  if (nanoseconds % kPerSecond == 0) return nanoseconds / kPerSecond;
  return static_cast<double>(nanoseconds) / static_cast<double>(kPerSecond);
}

bj::object update_form(const UpdateSettings& settings) {
  bj::object out;
  if (settings.parallelism) out["parallelism"] = *settings.parallelism;
  if (settings.delay_ns) out["delay_seconds"] = seconds(*settings.delay_ns);
  if (settings.monitor_ns) out["monitor_seconds"] = seconds(*settings.monitor_ns);
  if (settings.max_failure_ratio) out["max_failure_ratio"] = *settings.max_failure_ratio;
  if (settings.failure_action) out["failure_action"] = *settings.failure_action;
  if (settings.order) out["order"] = *settings.order;
  return out;
}

template <typename Map>
bj::object string_object(const Map& map) {
  bj::object out;
  for (const auto& [key, value] : map) out[key] = value;
  return out;
}

std::string network_name(const ComposeProject& project, const std::string& key) {
  for (const auto& network : project.networks) {
    if (network.key == key) return network.name;
  }
  return project.name + "_" + key;
}

std::string volume_name(const ComposeProject& project, const std::string& key) {
  for (const auto& volume : project.volumes) {
    if (volume.key == key) return volume.name;
  }
  return key;
}

std::string service_form(const ComposeProject& project, const ServiceSpec& service) {
  check_swarm_compatible(service);
  bj::object form{{"name", project.name + "_" + service.name}, {"image", service.image}};
  // Compose's entrypoint replaces the image's ENTRYPOINT (the engine's Command for a task) and
  // its command the CMD (the task's Args), as docker stack deploy maps them.
  if (service.entrypoint)
    form["command"] = bj::array(service.entrypoint->begin(), service.entrypoint->end());
  if (service.command) form["args"] = bj::array(service.command->begin(), service.command->end());
  if (!service.environment.empty()) form["env"] = string_object(service.environment);
  auto labels = string_object(service.swarm.labels);
  labels[kStackNamespaceLabel] = project.name;
  form["labels"] = std::move(labels);
  if (service.swarm.global) {
    form["mode"] = "global";
  } else {
    form["replicas"] = service.replicas;
  }
  bj::array ports;
  for (const auto& port : service.ports) {
    bj::object out{{"target", port.target}, {"protocol", port.protocol}};
    if (port.published) out["published"] = *port.published;
    ports.push_back(std::move(out));
  }
  if (!ports.empty()) form["ports"] = std::move(ports);
  bj::array mounts;
  for (const auto& mount : service.mounts) {
    bj::object out{{"target", mount.target}};
    switch (mount.type) {
      case Mount::Type::volume:
        if (mount.source.empty()) {
          refuse(service, "volumes",
                 "an anonymous volume is not kept track of in a Swarm stack; name it");
        }
        out["type"] = "volume";
        out["source"] = volume_name(project, mount.source);
        break;
      case Mount::Type::bind:
        out["type"] = "bind";
        out["source"] = mount.source;
        break;
      case Mount::Type::tmpfs:
        out["type"] = "tmpfs";
        break;
    }
    if (mount.read_only) out["read_only"] = true;
    mounts.push_back(std::move(out));
  }
  if (!mounts.empty()) form["mounts"] = std::move(mounts);
  bj::array networks;
  for (const auto& network : service.networks) {
    // Other services reach this one by its name in the file, as in docker stack deploy.
    bj::array aliases{bj::value(service.name)};
    for (const auto& alias : network.aliases) aliases.emplace_back(alias);
    networks.push_back(
        bj::object{{"name", network_name(project, network.key)}, {"aliases", std::move(aliases)}});
  }
  if (!networks.empty()) form["networks"] = std::move(networks);
  if (!service.swarm.constraints.empty()) {
    form["constraints"] =
        bj::array(service.swarm.constraints.begin(), service.swarm.constraints.end());
  }
  bj::object limits;
  if (service.nano_cpus) limits["nano_cpus"] = *service.nano_cpus;
  if (service.memory_bytes) limits["memory_bytes"] = *service.memory_bytes;
  if (!limits.empty()) form["limits"] = std::move(limits);
  if (service.memory_reservation_bytes) {
    form["reservations"] = bj::object{{"memory_bytes", *service.memory_reservation_bytes}};
  }
  if (const auto& policy = service.swarm.restart_policy) {
    bj::object out;
    if (policy->condition) out["condition"] = *policy->condition;
    if (policy->delay_ns) out["delay_seconds"] = seconds(*policy->delay_ns);
    if (policy->max_attempts) out["max_attempts"] = *policy->max_attempts;
    form["restart"] = std::move(out);
  }
  if (service.swarm.update_config) form["update"] = update_form(*service.swarm.update_config);
  if (service.swarm.rollback_config) form["rollback"] = update_form(*service.swarm.rollback_config);
  if (const auto& health = service.healthcheck) {
    bj::object out{{"test", bj::array(health->test.begin(), health->test.end())}};
    if (health->interval_ns) out["interval_seconds"] = seconds(*health->interval_ns);
    if (health->timeout_ns) out["timeout_seconds"] = seconds(*health->timeout_ns);
    if (health->start_period_ns) out["start_period_seconds"] = seconds(*health->start_period_ns);
    if (health->retries) out["retries"] = *health->retries;
    form["healthcheck"] = std::move(out);
  }
  if (!service.user.empty()) form["user"] = service.user;
  if (!service.working_dir.empty()) form["workdir"] = service.working_dir;
  return bj::serialize(form);
}

}  // namespace

SwarmStackPlan swarm_stack_plan(const ComposeProject& project) {
  SwarmStackPlan plan;
  plan.name = project.name;
  for (const auto& network : project.networks) {
    // A Compose file's networks are bridges on one engine; on a swarm they span the nodes.
    if (network.driver != "bridge" && network.driver != "overlay") {
      throw Error::invalid(
          "invalid_compose",
          "networks." + network.key + ".driver: a Swarm stack's networks are overlay networks");
    }
    plan.networks.push_back({network.name, network.internal, network.external});
  }
  for (const auto& volume : project.volumes) {
    if (volume.driver != "local" || !volume.driver_opts.empty()) {
      throw Error::invalid(
          "invalid_compose",
          "volumes." + volume.key + ": a Swarm stack's volumes are local volumes each node makes");
    }
  }
  for (const auto& service : project.services)
    plan.services.push_back(service_form(project, service));
  return plan;
}

}  // namespace dokkerr::stacks
