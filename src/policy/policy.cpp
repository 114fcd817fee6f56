#include "policy/policy.hpp"

#include "core/error.hpp"
#include "policy/rule_support.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>

namespace dokkerr::policy {
namespace {

namespace bj = boost::json;

constexpr std::array<std::string_view, 14> kSafeCapabilities = {
    "CHOWN",  "DAC_OVERRIDE", "FSETID",  "FOWNER",           "MKNOD",      "NET_RAW", "SETGID",
    "SETUID", "SETFCAP",      "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",    "AUDIT_WRITE",
};

// Each lives in the container's own IPC or network namespace, so setting it changes nothing
// outside the container. Broader families (net.ipv4.conf.*, net.core.*) are left to
// Policy::extra_sysctls: some of their entries tune forwarding or buffers in ways an operator
// should choose deliberately.
constexpr std::array<std::string_view, 9> kSafeSysctls = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ping_group_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_fin_timeout",
};

using Flag = bool Policy::*;
using List = std::vector<std::string> Policy::*;
using Number = std::int64_t Policy::*;

struct PolicyField {
  std::string_view name;
  Flag flag;  // exactly one of flag, list and number is set
  List list;
  Number number = nullptr;
  std::int64_t min = 0;  // bounds of a number
  std::int64_t max = 0;
};

constexpr std::array<PolicyField, 25> kPolicyFields = {{
    {"allow_privileged", &Policy::allow_privileged, nullptr},
    {"allow_host_binds", &Policy::allow_host_binds, nullptr},
    {"allow_bind_volume_options", &Policy::allow_bind_volume_options, nullptr},
    {"allow_host_namespaces", &Policy::allow_host_namespaces, nullptr},
    {"allow_devices", &Policy::allow_devices, nullptr},
    {"extra_capabilities", nullptr, &Policy::extra_capabilities},
    {"allow_unconfined_security", &Policy::allow_unconfined_security, nullptr},
    {"extra_sysctls", nullptr, &Policy::extra_sysctls},
    {"allow_cgroup_parent", &Policy::allow_cgroup_parent, nullptr},
    {"allowed_runtimes", nullptr, &Policy::allowed_runtimes},
    {"allow_privileged_exec", &Policy::allow_privileged_exec, nullptr},
    {"allowed_volume_drivers", nullptr, &Policy::allowed_volume_drivers},
    {"allowed_network_drivers", nullptr, &Policy::allowed_network_drivers},
    {"allowed_log_drivers", nullptr, &Policy::allowed_log_drivers},
    {"allowed_host_ips", nullptr, &Policy::allowed_host_ips},
    {"min_host_port", nullptr, nullptr, &Policy::min_host_port, 1, 65535},
    {"max_host_port", nullptr, nullptr, &Policy::max_host_port, 1, 65535},
    {"max_pids", nullptr, nullptr, &Policy::max_pids, 1, std::int64_t{1} << 22},
    {"max_shm_bytes", nullptr, nullptr, &Policy::max_shm_bytes, 0, std::int64_t{1} << 40},
    {"allow_oom_score_protection", &Policy::allow_oom_score_protection, nullptr},
    {"allow_root_exec", &Policy::allow_root_exec, nullptr},
    {"max_containers", nullptr, nullptr, &Policy::max_containers, 0, 100000},
    {"default_memory_bytes", nullptr, nullptr, &Policy::default_memory_bytes, 0,
     std::int64_t{1} << 44},
    {"max_total_memory_bytes", nullptr, nullptr, &Policy::max_total_memory_bytes, 0,
     std::int64_t{1} << 50},
    {"max_total_nano_cpus", nullptr, nullptr, &Policy::max_total_nano_cpus, 0,
     std::int64_t{1} << 50},
}};

Error invalid_policy(const std::string& detail) {
  return Error::invalid("invalid_policy", "Invalid team policy: " + detail);
}

bool all_of(std::string_view text, bool (*ok)(char)) {
  return !text.empty() && std::all_of(text.begin(), text.end(), ok);
}

bool capability_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool sysctl_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// Entries the checks could not match as their author meant are refused when stored, not
// ignored when a container is checked.
void validate_entry(std::string_view field, std::string_view entry) {
  const std::string where = std::string(field) + " entry '" + detail::printable(entry) + "'";
  if (field == "extra_capabilities") {
    const auto name = detail::normalize_capability(entry);
    if (!all_of(name, capability_char)) {
      throw invalid_policy(where + " is not a capability name.");
    }
    if (name == "ALL") {
      throw invalid_policy(where + ": ALL cannot be granted; set allow_privileged instead.");
    }
    return;
  }
  if (field == "extra_sysctls") {
    const auto name = entry.ends_with('*') ? entry.substr(0, entry.size() - 1) : entry;
    if (!(name.empty() && entry == "*") && !all_of(name, sysctl_char)) {
      throw invalid_policy(where + " is not a sysctl name or a prefix ending in '*'.");
    }
    return;
  }
  if (entry.empty() || detail::trim(entry) != entry) {
    throw invalid_policy(where + " must be a non-empty name without surrounding spaces.");
  }
}

}  // namespace

std::span<const std::string_view> safe_capabilities() {
  return kSafeCapabilities;
}
std::span<const std::string_view> safe_sysctls() {
  return kSafeSysctls;
}

Policy policy_from_json(std::string_view text) {
  bj::value parsed;
  try {
    parsed = detail::parse_strict(text);
  } catch (const Error& error) {
    throw invalid_policy(error.detail());
  }
  if (!parsed.is_object()) {
    throw invalid_policy("it must be a JSON object.");
  }
  Policy policy;
  for (const auto& member : parsed.as_object()) {
    const auto* field = std::find_if(kPolicyFields.begin(), kPolicyFields.end(),
                                     [&](const PolicyField& f) { return f.name == member.key(); });
    if (field == kPolicyFields.end()) {
      throw invalid_policy("unknown key '" + detail::printable(member.key()) + "'.");
    }
    const std::string name(field->name);
    if (field->flag != nullptr) {
      if (!member.value().is_bool()) {
        throw invalid_policy(name + " must be a boolean.");
      }
      policy.*(field->flag) = member.value().as_bool();
      continue;
    }
    if (field->number != nullptr) {
      const auto& value = member.value();
      if (!value.is_int64() || value.as_int64() < field->min || value.as_int64() > field->max) {
        throw invalid_policy(name + " must be a whole number from " + std::to_string(field->min) +
                             " to " + std::to_string(field->max) + ".");
      }
      policy.*(field->number) = value.as_int64();
      continue;
    }
    if (!member.value().is_array()) {
      throw invalid_policy(name + " must be an array of strings.");
    }
    std::vector<std::string> entries;
    for (const auto& item : member.value().as_array()) {
      if (!item.is_string()) {
        throw invalid_policy(name + " must be an array of strings.");
      }
      validate_entry(field->name, item.as_string());
      entries.emplace_back(item.as_string());
    }
    policy.*(field->list) = std::move(entries);
  }
  if (policy.min_host_port > policy.max_host_port) {
    throw invalid_policy("min_host_port must not be above max_host_port.");
  }
  return policy;
}

std::string to_json(const Policy& policy) {
  bj::object out;
  for (const auto& field : kPolicyFields) {
    if (field.flag != nullptr) {
      out[field.name] = policy.*(field.flag);
    } else if (field.number != nullptr) {
      out[field.name] = policy.*(field.number);
    } else {
      bj::array entries;
      for (const auto& entry : policy.*(field.list)) {
        entries.emplace_back(entry);
      }
      out[field.name] = std::move(entries);
    }
  }
  return bj::serialize(out);
}

}  // namespace dokkerr::policy
