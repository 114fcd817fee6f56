// The rules for container create and update bodies.
#include "core/error.hpp"
#include "core/json_path.hpp"
#include "policy/docker_schema.hpp"
#include "policy/policy.hpp"
#include "policy/rule_support.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <optional>

namespace dokkerr::policy {
namespace {

namespace bj = boost::json;
using detail::array_member;
using detail::bool_member;
using detail::deny;
using detail::lower;
using detail::member;
using detail::object_member;
using detail::printable;
using detail::string_member;
using detail::trim;

bool in(std::span<const std::string_view> list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// The only SecurityOpt entries that keep the engine's defaults. The engine splits an entry at
// its first '=' (or, failing that, its first ':'), and reads the key case-sensitively; anything
// else either weakens confinement (seccomp/apparmor profiles, SELinux labels, "disable",
// no-new-privileges=false) or is refused by the engine anyway.
bool keeps_default_confinement(std::string_view option) {
  if (option == "no-new-privileges") {
    return true;
  }
  auto separator = option.find('=');
  if (separator == std::string_view::npos) {
    separator = option.find(':');
  }
  if (separator == std::string_view::npos) {
    return false;
  }
  const auto key = option.substr(0, separator);
  const auto value = option.substr(separator + 1);
  if (key == "no-new-privileges") {
    // Go's strconv.ParseBool spellings of true.
    constexpr std::array<std::string_view, 6> kTrue = {"1", "t", "T", "TRUE", "true", "True"};
    return in(kTrue, value);
  }
  if (key == "apparmor") {
    return value == "docker-default";
  }
  if (key == "seccomp") {
    return value == "builtin";
  }
  return false;
}

bool valid_sysctl_name(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

// An integer field as the engine reads it; nullopt when absent or null.
std::optional<std::int64_t> integer_member(const bj::object& object, std::string_view name) {
  const auto* value = member(object, name);
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (value->is_int64()) return value->as_int64();
  if (value->is_uint64()) return std::numeric_limits<std::int64_t>::max();
  if (value->is_double()) return static_cast<std::int64_t>(value->as_double());
  return std::nullopt;
}

// A PidsLimit of 0 or below is the engine's "unlimited".
void check_pids_limit(std::optional<std::int64_t> limit, const Policy& policy,
                      std::string_view prefix) {
  if (!limit) return;
  if (*limit <= 0 || *limit > policy.max_pids) {
    deny(std::string(prefix) + "PidsLimit must be from 1 to " + std::to_string(policy.max_pids) +
         " for this team.");
  }
}

void check_resources(const bj::object& resources, const Policy& policy, std::string_view prefix) {
  const std::string at(prefix);
  if (!policy.allow_devices) {
    for (const auto* name : {"Devices", "DeviceCgroupRules", "DeviceRequests"}) {
      const auto* list = array_member(resources, name);
      if (list != nullptr && !list->empty()) {
        deny(at + name + " is not allowed for this team.");
      }
    }
  }
  if (!policy.allow_cgroup_parent && !string_member(resources, "CgroupParent").empty()) {
    deny(at + "CgroupParent is not allowed for this team.");
  }
}

class CreateRules {
 public:
  CreateRules(const Policy& policy, const CreateContext& ctx) : policy_(policy), ctx_(ctx) {}

  void check(const bj::object& body) {
    if (const auto* host = object_member(body, "HostConfig")) {
      check_host_config(*host);
    }
    if (const auto* networking = object_member(body, "NetworkingConfig")) {
      check_endpoints(*networking);
    }
  }

 private:
  void check_host_config(const bj::object& host) {
    if (!policy_.allow_privileged && bool_member(host, "Privileged")) {
      deny("HostConfig.Privileged is not allowed for this team.");
    }
    check_binds(host);
    check_mounts(host);
    const auto volume_driver = string_member(host, "VolumeDriver");
    if (!volume_driver.empty() &&
        !detail::contains(policy_.allowed_volume_drivers, volume_driver)) {
      deny("HostConfig.VolumeDriver '" + printable(volume_driver) +
           "' is not an allowed volume driver for this team.");
    }
    check_mode(host, "PidMode", {}, false);
    check_mode(host, "IpcMode", {"none", "private", "shareable"}, false);
    check_mode(host, "UTSMode", {}, false);
    check_mode(host, "UsernsMode", {}, false);
    check_mode(host, "CgroupnsMode", {"private"}, false);
    check_mode(host, "NetworkMode", {}, true);
    if (!policy_.allow_cgroup_parent && !string_member(host, "Cgroup").empty()) {
      deny("HostConfig.Cgroup is not allowed for this team.");
    }
    check_references(host, "VolumesFrom", "HostConfig.VolumesFrom");
    check_references(host, "Links", "HostConfig.Links");
    check_resources(host, policy_, "HostConfig.");
    check_capabilities(host);
    check_confinement(host);
    check_sysctls(host);
    check_port_bindings(host);
    // Absent or unlimited, it is set to the team's cap after the checks (cap_pids).
    if (const auto pids = integer_member(host, "PidsLimit"); pids && *pids > 0) {
      check_pids_limit(pids, policy_, "HostConfig.");
    }
    if (const auto shm = integer_member(host, "ShmSize"); shm && *shm > policy_.max_shm_bytes) {
      deny("HostConfig.ShmSize may be at most " + std::to_string(policy_.max_shm_bytes) +
           " bytes for this team.");
    }
    if (const auto oom = integer_member(host, "OomScoreAdj");
        oom && *oom < 0 && !policy_.allow_oom_score_protection) {
      deny("HostConfig.OomScoreAdj below 0 is not allowed for this team.");
    }
    const auto runtime = string_member(host, "Runtime");
    if (!runtime.empty() && !detail::contains(policy_.allowed_runtimes, runtime)) {
      deny("HostConfig.Runtime '" + printable(runtime) + "' is not allowed for this team.");
    }
    const auto isolation = lower(trim(string_member(host, "Isolation")));
    if (!isolation.empty() && isolation != "default") {
      deny("HostConfig.Isolation '" + printable(string_member(host, "Isolation")) +
           "' is not allowed for this team.");
    }
    if (const auto* log = object_member(host, "LogConfig")) {
      const auto driver = string_member(*log, "Type");
      if (!driver.empty() && !detail::contains(policy_.allowed_log_drivers, driver)) {
        deny("HostConfig.LogConfig.Type '" + printable(driver) +
             "' is not an allowed log driver for this team.");
      }
    }
  }

  // {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}. HostPort is a port, a range "8000-8010"
  // or empty (the engine picks a free ephemeral port, which is never privileged).
  void check_port_bindings(const bj::object& host) {
    const auto* bindings = object_member(host, "PortBindings");
    if (bindings == nullptr) return;
    for (const auto& [container_port, list] : *bindings) {
      if (!list.is_array()) continue;
      const std::string where = "HostConfig.PortBindings[" + printable(container_port) + "]";
      for (const auto& binding : list.as_array()) {
        if (!binding.is_object()) continue;
        const auto host_ip = trim(string_member(binding.as_object(), "HostIp"));
        const bool everywhere = host_ip.empty();
        if (!detail::contains(policy_.allowed_host_ips, everywhere ? "0.0.0.0" : host_ip)) {
          deny(where + ".HostIp '" + printable(host_ip) +
               "' is not a host address this team may publish on.");
        }
        const auto host_port = trim(string_member(binding.as_object(), "HostPort"));
        if (host_port.empty()) continue;
        for (const auto part : detail::split(host_port, '-')) {
          const auto port = parse_port(part);
          if (!port) deny(where + ".HostPort '" + printable(host_port) + "' is not a port.");
          if (*port < policy_.min_host_port || *port > policy_.max_host_port) {
            deny(where + ".HostPort " + printable(host_port) + " is outside " +
                 std::to_string(policy_.min_host_port) + "-" +
                 std::to_string(policy_.max_host_port) + ", the host ports this team may use.");
          }
        }
      }
    }
  }

  static std::optional<std::int64_t> parse_port(std::string_view text) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    std::int64_t port = 0;
    for (const char c : text) {
      if (c < '0' || c > '9') return std::nullopt;
      port = port * 10 + (c - '0');
    }
    return port;
  }

  // "source:target[:mode]" or just "target" (an anonymous volume). The engine takes a source
  // that is not an absolute path as a volume name; anything but a plain name is refused so that
  // no reading of the entry (relative paths, "~", Windows drive letters) can reach the host.
  void check_binds(const bj::object& host) {
    const auto* binds = array_member(host, "Binds");
    if (binds == nullptr) {
      return;
    }
    for (std::size_t i = 0; i < binds->size(); ++i) {
      const auto& item = (*binds)[i];
      if (!item.is_string()) {
        continue;  // null: the engine reads an empty entry and refuses it
      }
      const std::string_view spec = item.as_string();
      std::string where = "HostConfig.Binds";
      detail::append_index(where, i);
      const auto parts = detail::split(spec, ':');
      const bool has_source = parts.size() >= 2;
      if (has_source && detail::looks_like_path(parts[0]) &&
          detail::reaches_engine_socket(parts[0])) {
        deny(where + " exposes the Docker engine socket.");
      }
      if (policy_.allow_host_binds) {
        continue;
      }
      const bool windows_path = spec.find('\\') != std::string_view::npos;
      if (windows_path || parts.size() > 3 ||
          (has_source && !detail::is_plain_volume_name(parts[0]))) {
        deny(where + " '" + printable(spec) +
             "' mounts a host path; only named volumes are allowed for this team.");
      }
    }
  }

  void check_mounts(const bj::object& host) {
    const auto* mounts = array_member(host, "Mounts");
    if (mounts == nullptr) {
      return;
    }
    const auto volume_driver = string_member(host, "VolumeDriver");
    for (std::size_t i = 0; i < mounts->size(); ++i) {
      if (!(*mounts)[i].is_object()) {
        continue;
      }
      const auto& mount = (*mounts)[i].as_object();
      std::string where = "HostConfig.Mounts";
      detail::append_index(where, i);
      const auto raw_type = string_member(mount, "Type");
      const auto type = lower(trim(raw_type));
      const auto source = string_member(mount, "Source");
      if (type == "bind" || type == "npipe") {
        if (!policy_.allow_host_binds) {
          deny(where + ".Type '" + printable(raw_type) +
               "' mounts a host path, which is not allowed for this team.");
        }
        if (detail::reaches_engine_socket(source)) {
          deny(where + ".Source exposes the Docker engine socket.");
        }
        continue;
      }
      if (type == "tmpfs") {
        continue;
      }
      if (type != "volume") {
        deny(where + ".Type '" + printable(raw_type) + "' is not allowed for this team.");
      }
      if (!source.empty() && !detail::is_plain_volume_name(source) && !policy_.allow_host_binds) {
        deny(where + ".Source '" + printable(source) +
             "' is not a volume name; host paths are not allowed for this team.");
      }
      check_mount_driver(mount, where, volume_driver);
    }
  }

  void check_mount_driver(const bj::object& mount, const std::string& where,
                          std::string_view volume_driver) {
    const auto* options = object_member(mount, "VolumeOptions");
    const auto* driver = options == nullptr ? nullptr : object_member(*options, "DriverConfig");
    if (driver == nullptr) {
      return;
    }
    const auto name = string_member(*driver, "Name");
    if (!name.empty() && !detail::contains(policy_.allowed_volume_drivers, name)) {
      deny(where + ".VolumeOptions.DriverConfig.Name '" + printable(name) +
           "' is not an allowed volume driver for this team.");
    }
    const auto effective =
        !name.empty() ? name : (!volume_driver.empty() ? volume_driver : "local");
    if (effective == "local") {
      detail::check_local_volume_options(object_member(*driver, "Options"),
                                         where + ".VolumeOptions.DriverConfig.Options",
                                         policy_.allow_bind_volume_options);
    }
  }

  // A namespace mode: "" (the engine's default), "host", "container:<ref>", or one of the
  // private values. The engine compares exactly; matching trimmed and in any case here only
  // refuses more. NetworkMode also takes a network's name (its ownership is checked by the
  // caller), but never one with ':' in it, which could be read as a join.
  void check_mode(const bj::object& host, std::string_view field,
                  std::initializer_list<std::string_view> private_values, bool network_names) {
    const auto raw = string_member(host, field);
    const auto value = lower(trim(raw));
    const std::string where = "HostConfig." + std::string(field);
    if (value.empty()) {
      return;
    }
    if (value == "host") {
      if (!policy_.allow_host_namespaces) {
        deny(where + " 'host' is not allowed for this team.");
      }
      return;
    }
    constexpr std::string_view kJoin = "container:";
    if (value.starts_with(kJoin)) {
      check_owned(trim(trim(raw).substr(kJoin.size())), where);
      return;
    }
    if (std::find(private_values.begin(), private_values.end(), value) != private_values.end()) {
      return;
    }
    if (network_names && value.find(':') == std::string::npos) {
      return;
    }
    deny(where + " '" + printable(raw) + "' is not allowed for this team.");
  }

  // VolumesFrom ("name[:ro|rw]") and Links ("name[:alias]") reach into another container: its
  // volumes, or its environment through the link's variables.
  void check_references(const bj::object& host, std::string_view field, const std::string& where) {
    const auto* list = array_member(host, field);
    if (list == nullptr) {
      return;
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
      if (!(*list)[i].is_string()) {
        continue;
      }
      const std::string_view entry = (*list)[i].as_string();
      std::string at = where;
      detail::append_index(at, i);
      check_owned(trim(entry.substr(0, entry.find(':'))), at);
    }
  }

  void check_owned(std::string_view ref, const std::string& where) {
    if (ref.empty()) {
      deny(where + " names no container.");
    }
    std::optional<std::string> owner;
    if (ctx_.container_team) {
      owner = ctx_.container_team(ref);
    }
    if (ctx_.team_id.empty() || !owner || *owner != ctx_.team_id) {
      deny(where + " refers to container '" + printable(ref) +
           "', which does not belong to this team.");
    }
  }

  void check_capabilities(const bj::object& host) {
    const auto* value = member(host, "CapAdd");
    if (value == nullptr) {
      return;
    }
    // A StrSlice: the engine reads a lone string as a one-element list.
    std::vector<std::string_view> entries;
    if (value->is_string()) {
      entries.emplace_back(value->as_string());
    } else {
      for (const auto& item : value->as_array()) {
        entries.emplace_back(item.as_string());
      }
    }
    for (auto entry : entries) {
      const auto name = detail::normalize_capability(entry);
      bool allowed = name != "ALL" && in(safe_capabilities(), name);
      for (const auto& extra : policy_.extra_capabilities) {
        allowed = allowed || (name != "ALL" && detail::normalize_capability(extra) == name);
      }
      if (!allowed) {
        deny("HostConfig.CapAdd '" + printable(entry) + "' is not allowed for this team.");
      }
    }
  }

  void check_confinement(const bj::object& host) {
    if (policy_.allow_unconfined_security) {
      return;
    }
    if (const auto* options = array_member(host, "SecurityOpt")) {
      for (const auto& option : *options) {
        if (option.is_string() && !keeps_default_confinement(option.as_string())) {
          deny("HostConfig.SecurityOpt '" + printable(option.as_string()) +
               "' is not allowed for this team.");
        }
      }
    }
    // Any explicit list replaces the engine's default one, and a shorter list unmasks /proc.
    for (const auto* field : {"MaskedPaths", "ReadonlyPaths"}) {
      if (member(host, field) != nullptr) {
        deny("HostConfig." + std::string(field) + " is not allowed for this team.");
      }
    }
  }

  void check_sysctls(const bj::object& host) {
    const auto* sysctls = object_member(host, "Sysctls");
    if (sysctls == nullptr) {
      return;
    }
    for (const auto& entry : *sysctls) {
      const std::string_view name = entry.key();
      bool allowed = valid_sysctl_name(name) && in(safe_sysctls(), name);
      for (const auto& pattern : policy_.extra_sysctls) {
        const std::string_view p = pattern;
        const bool match =
            p.ends_with('*') ? name.starts_with(p.substr(0, p.size() - 1)) : name == p;
        allowed = allowed || (valid_sysctl_name(name) && match);
      }
      if (!allowed) {
        std::string where = "HostConfig.Sysctls";
        detail::append_key(where, name);
        deny(where + " is not allowed for this team.");
      }
    }
  }

  // The network a container joins is named by the EndpointsConfig key; the host network is a
  // host namespace however it is reached. Links here reach other containers like HostConfig's.
  void check_endpoints(const bj::object& networking) {
    const auto* endpoints = object_member(networking, "EndpointsConfig");
    if (endpoints == nullptr) {
      return;
    }
    for (const auto& endpoint : *endpoints) {
      std::string where = "NetworkingConfig.EndpointsConfig";
      detail::append_key(where, endpoint.key());
      const auto network = lower(trim(endpoint.key()));
      if (network == "host" && !policy_.allow_host_namespaces) {
        deny(where + " joins the host network, which is not allowed for this team.");
      }
      if (network.find(':') != std::string::npos) {
        deny(where + " is not a network name.");
      }
      if (endpoint.value().is_object()) {
        check_references(endpoint.value().as_object(), "Links", where + ".Links");
      }
    }
  }

  const Policy& policy_;
  const CreateContext& ctx_;
};

// A container without a pids limit (or with "unlimited") gets the team's cap.
void cap_pids(bj::object& body, const Policy& policy) {
  auto& host = body["HostConfig"];
  if (!host.is_object()) host = bj::object{};
  const auto pids = integer_member(host.as_object(), "PidsLimit");
  if (!pids || *pids <= 0) host.as_object()["PidsLimit"] = policy.max_pids;
}

// A container without a memory limit gets the team's default, when it has one.
void default_memory(bj::object& body, const Policy& policy) {
  if (policy.default_memory_bytes <= 0) return;
  auto& host = body["HostConfig"];
  if (!host.is_object()) host = bj::object{};
  const auto memory = integer_member(host.as_object(), "Memory");
  if (!memory || *memory <= 0) host.as_object()["Memory"] = policy.default_memory_bytes;
}

}  // namespace

std::string check_container_create(std::string_view body, const Policy& policy,
                                   const CreateContext& ctx) {
  auto root = detail::parse_body(body, detail::container_create_type());
  if (trim(string_member(root, "Image")).empty()) {
    throw Error::invalid("invalid_body", "Field 'Image' is required.");
  }
  detail::check_reserved_labels(object_member(root, "Labels"), "Labels");
  if (const auto* host = object_member(root, "HostConfig")) {
    if (const auto* mounts = array_member(*host, "Mounts")) {
      for (std::size_t i = 0; i < mounts->size(); ++i) {
        if (!(*mounts)[i].is_object()) {
          continue;
        }
        if (const auto* options = object_member((*mounts)[i].as_object(), "VolumeOptions")) {
          // These label the volume the engine creates for the mount.
          std::string where = "HostConfig.Mounts";
          detail::append_index(where, i);
          detail::check_reserved_labels(object_member(*options, "Labels"),
                                        where + ".VolumeOptions.Labels");
        }
      }
    }
  }
  if (!ctx.is_admin) {
    CreateRules(policy, ctx).check(root);
    cap_pids(root, policy);
    default_memory(root, policy);
  }
  detail::add_team_label(root, ctx.team_id);
  return bj::serialize(root);
}

std::string check_container_update(std::string_view body, const Policy& policy, bool is_admin) {
  auto root = detail::parse_body(body, detail::container_update_type());
  if (!is_admin) {
    check_resources(root, policy, "");
    check_pids_limit(integer_member(root, "PidsLimit"), policy, "");
  }
  return bj::serialize(root);
}

}  // namespace dokkerr::policy
