#include "stacks/service_body.hpp"

#include "crypto/primitives.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::stacks {
namespace {

namespace bj = boost::json;

bj::array strings(const std::vector<std::string>& items) {
  bj::array out;
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

bj::object labels_of(const std::map<std::string, std::string>& labels) {
  bj::object out;
  for (const auto& [key, value] : labels) out[key] = value;
  return out;
}

std::string volume_source(const ComposeProject& project, const Mount& mount) {
  if (mount.type != Mount::Type::volume || mount.source.empty()) return mount.source;
  for (const auto& volume : project.volumes) {
    if (volume.key == mount.source) return volume.name;
  }
  return mount.source;  // parse_compose refuses undeclared volumes; kept for safety
}

bj::object restart_policy(const std::string& restart) {
  if (restart.starts_with("on-failure:")) {
    return {{"Name", "on-failure"}, {"MaximumRetryCount", std::stoi(restart.substr(11))}};
  }
  return {{"Name", restart}};
}

bj::object device_of(const std::string& spec) {
  // host[:container[:permissions]]
  const auto first = spec.find(':');
  const auto host = spec.substr(0, first);
  std::string container = host;
  std::string permissions = "rwm";
  if (first != std::string::npos) {
    const auto second = spec.find(':', first + 1);
    container = spec.substr(first + 1,
                            second == std::string::npos ? std::string::npos : second - first - 1);
    if (second != std::string::npos) permissions = spec.substr(second + 1);
  }
  return {{"PathOnHost", host}, {"PathInContainer", container}, {"CgroupPermissions", permissions}};
}

// Everything but what differs between replicas (name, number) and the hash itself.
bj::object base_body(const ComposeProject& project, const ServiceSpec& service) {
  bj::object body;
  body["Image"] = service.image;
  if (service.command) body["Cmd"] = strings(*service.command);
  if (service.entrypoint) body["Entrypoint"] = strings(*service.entrypoint);
  bj::array env;
  for (const auto& [key, value] : service.environment) env.emplace_back(key + "=" + value);
  body["Env"] = std::move(env);
  if (!service.user.empty()) body["User"] = service.user;
  if (!service.working_dir.empty()) body["WorkingDir"] = service.working_dir;
  if (!service.hostname.empty()) body["Hostname"] = service.hostname;
  if (!service.stop_signal.empty()) body["StopSignal"] = service.stop_signal;
  if (service.stop_grace_period_ns) {
    body["StopTimeout"] = (*service.stop_grace_period_ns + 999'999'999) / 1'000'000'000;
  }
  body["Tty"] = service.tty;
  body["OpenStdin"] = service.stdin_open;
  if (service.healthcheck) {
    bj::object check{{"Test", strings(service.healthcheck->test)}};
    if (service.healthcheck->interval_ns) check["Interval"] = *service.healthcheck->interval_ns;
    if (service.healthcheck->timeout_ns) check["Timeout"] = *service.healthcheck->timeout_ns;
    if (service.healthcheck->start_period_ns) {
      check["StartPeriod"] = *service.healthcheck->start_period_ns;
    }
    if (service.healthcheck->retries) check["Retries"] = *service.healthcheck->retries;
    body["Healthcheck"] = std::move(check);
  }
  bj::object labels = labels_of(service.labels);
  labels[kProjectLabel] = project.name;
  labels[kServiceLabel] = service.name;
  labels[kOneoffLabel] = "False";
  body["Labels"] = std::move(labels);

  bj::object host;
  bj::object exposed;
  bj::object bindings;
  for (const auto& port : service.ports) {
    const auto key = std::to_string(port.target) + "/" + port.protocol;
    exposed[key] = bj::object{};
    auto& list = bindings[key];
    if (!list.is_array()) list = bj::array{};
    list.as_array().push_back(
        bj::object{{"HostIp", port.host_ip},
                   {"HostPort", port.published ? std::to_string(*port.published) : std::string()}});
  }
  if (!exposed.empty()) body["ExposedPorts"] = std::move(exposed);
  if (!bindings.empty()) host["PortBindings"] = std::move(bindings);
  bj::array mounts;
  for (const auto& mount : service.mounts) {
    bj::object m{{"Target", mount.target}, {"ReadOnly", mount.read_only}};
    switch (mount.type) {
      case Mount::Type::volume:
        m["Type"] = "volume";
        if (!mount.source.empty()) m["Source"] = volume_source(project, mount);
        break;
      case Mount::Type::bind:
        m["Type"] = "bind";
        m["Source"] = mount.source;
        break;
      case Mount::Type::tmpfs:
        m["Type"] = "tmpfs";
        break;
    }
    mounts.push_back(std::move(m));
  }
  if (!mounts.empty()) host["Mounts"] = std::move(mounts);
  host["RestartPolicy"] = restart_policy(service.restart);
  if (!service.network_mode.empty()) {
    // service:<name> joins the first replica of that service, as the CLI resolves it.
    if (service.network_mode.starts_with("service:")) {
      ServiceSpec other;
      other.name = service.network_mode.substr(8);
      host["NetworkMode"] = "container:" + container_name(project, other, 1);
    } else {
      host["NetworkMode"] = service.network_mode;
    }
  } else if (!service.networks.empty()) {
    host["NetworkMode"] = network_name(project, service.networks.front().key);
  }
  if (service.privileged) host["Privileged"] = true;
  if (service.read_only) host["ReadonlyRootfs"] = true;
  if (service.init) host["Init"] = true;
  if (!service.cap_add.empty()) host["CapAdd"] = strings(service.cap_add);
  if (!service.cap_drop.empty()) host["CapDrop"] = strings(service.cap_drop);
  if (!service.security_opt.empty()) host["SecurityOpt"] = strings(service.security_opt);
  if (!service.devices.empty()) {
    bj::array devices;
    for (const auto& device : service.devices) devices.push_back(device_of(device));
    host["Devices"] = std::move(devices);
  }
  if (!service.extra_hosts.empty()) host["ExtraHosts"] = strings(service.extra_hosts);
  if (!service.dns.empty()) host["Dns"] = strings(service.dns);
  if (!service.pid.empty()) host["PidMode"] = service.pid;
  if (!service.ipc.empty()) host["IpcMode"] = service.ipc;
  if (service.nano_cpus) host["NanoCpus"] = *service.nano_cpus;
  if (service.memory_bytes) host["Memory"] = *service.memory_bytes;
  if (service.memory_reservation_bytes) {
    host["MemoryReservation"] = *service.memory_reservation_bytes;
  }
  if (service.pids_limit) host["PidsLimit"] = *service.pids_limit;
  body["HostConfig"] = std::move(host);
  if (service.network_mode.empty() && !service.networks.empty()) {
    const auto& first = service.networks.front();
    body["NetworkingConfig"] = bj::object{
        {"EndpointsConfig",
         bj::object{{network_name(project, first.key), endpoint_config(service, first)}}}};
  }
  return body;
}

}  // namespace

std::string network_name(const ComposeProject& project, std::string_view key) {
  for (const auto& network : project.networks) {
    if (network.key == key) return network.name;
  }
  return project.name + "_" + std::string(key);
}

std::string config_hash(const ComposeProject& project, const ServiceSpec& service) {
  bj::object hashed = base_body(project, service);
  // Every network the service joins counts, not only the one in the create body.
  bj::array networks;
  for (const auto& network : service.networks) {
    networks.push_back(bj::object{{"name", network_name(project, network.key)},
                                  {"aliases", strings(network.aliases)}});
  }
  hashed["Networks"] = std::move(networks);
  hashed["Replicas"] = service.replicas;
  return crypto::sha256_hex(bj::serialize(hashed));
}

std::string container_name(const ComposeProject& project, const ServiceSpec& service, int number) {
  if (service.container_name) return *service.container_name;
  return project.name + "-" + service.name + "-" + std::to_string(number);
}

bj::object container_body(const ComposeProject& project, const ServiceSpec& service, int number) {
  auto body = base_body(project, service);
  auto& labels = body["Labels"].as_object();
  labels[kNumberLabel] = std::to_string(number);
  labels[kConfigHashLabel] = config_hash(project, service);
  return body;
}

bj::object endpoint_config(const ServiceSpec& service, const ServiceNetwork& network) {
  bj::array aliases{bj::value(service.name)};
  for (const auto& alias : network.aliases) aliases.emplace_back(alias);
  return {{"Aliases", std::move(aliases)}};
}

bj::object network_body(const ComposeProject& project, const NetworkSpec& network) {
  bj::object labels = labels_of(network.labels);
  labels[kProjectLabel] = project.name;
  labels[kNetworkLabel] = network.key;
  return {{"Name", network.name},
          {"Driver", network.driver},
          {"Internal", network.internal},
          {"CheckDuplicate", true},
          {"Labels", std::move(labels)}};
}

bj::object volume_body(const ComposeProject& project, const VolumeSpec& volume) {
  bj::object labels = labels_of(volume.labels);
  labels[kProjectLabel] = project.name;
  labels[kVolumeLabel] = volume.key;
  bj::object body{{"Name", volume.name}, {"Driver", volume.driver}, {"Labels", std::move(labels)}};
  if (!volume.driver_opts.empty()) body["DriverOpts"] = labels_of(volume.driver_opts);
  return body;
}

}  // namespace dokkerr::stacks
