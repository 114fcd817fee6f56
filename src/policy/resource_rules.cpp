// The rules for volume and network create bodies, and for exec.
#include "core/error.hpp"
#include "core/json_path.hpp"
#include "policy/docker_schema.hpp"
#include "policy/policy.hpp"
#include "policy/rule_support.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>

namespace dokkerr::policy {
namespace {

namespace bj = boost::json;
using detail::deny;
using detail::object_member;
using detail::printable;
using detail::string_member;

// The bridge driver's options that stay within the team's own network. Every other
// com.docker.network.* option is refused: bridge.name can attach the network to an existing host
// bridge (docker0, or another team's br-*), host_binding_ipv4 picks the host address ports
// publish on, default_bridge and inhibit_ipv4 change how the host's bridge is set up. Options
// outside com.docker. are the driver's own business and pass.
constexpr std::array<std::string_view, 4> kAllowedEngineNetworkOptions = {
    "com.docker.network.bridge.enable_icc",
    "com.docker.network.bridge.enable_ip_masquerade",
    "com.docker.network.driver.mtu",
    "com.docker.network.container_iface_prefix",
};

bool allowed_network_option(std::string_view key) {
  const auto name = detail::lower(detail::trim(key));
  if (!name.starts_with("com.docker.")) {
    return true;
  }
  for (auto allowed : kAllowedEngineNetworkOptions) {
    if (name == allowed) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string check_volume_create(std::string_view body, const Policy& policy, bool is_admin,
                                std::string_view team_id) {
  auto root = detail::parse_body(body, detail::volume_create_type());
  detail::check_reserved_labels(object_member(root, "Labels"), "Labels");
  if (!is_admin) {
    // The engine creates a volume without a driver with "local".
    const auto raw = string_member(root, "Driver");
    const std::string_view driver = raw.empty() ? "local" : raw;
    if (!detail::contains(policy.allowed_volume_drivers, driver)) {
      deny("Driver '" + printable(driver) + "' is not an allowed volume driver for this team.");
    }
    if (driver == "local") {
      detail::check_local_volume_options(object_member(root, "DriverOpts"), "DriverOpts",
                                         policy.allow_bind_volume_options);
    }
  }
  detail::add_team_label(root, team_id);
  return bj::serialize(root);
}

std::string check_network_create(std::string_view body, const Policy& policy, bool is_admin,
                                 std::string_view team_id) {
  auto root = detail::parse_body(body, detail::network_create_type());
  detail::check_reserved_labels(object_member(root, "Labels"), "Labels");
  if (!is_admin) {
    // The engine creates a network without a driver with "bridge".
    const auto raw = string_member(root, "Driver");
    const std::string_view driver = raw.empty() ? "bridge" : raw;
    if (!detail::contains(policy.allowed_network_drivers, driver)) {
      deny("Driver '" + printable(driver) + "' is not an allowed network driver for this team.");
    }
    if (detail::bool_member(root, "Ingress")) {
      deny("Ingress is not allowed for this team.");
    }
    if (const auto* options = object_member(root, "Options")) {
      for (const auto& option : *options) {
        if (!allowed_network_option(option.key())) {
          std::string where = "Options";
          detail::append_key(where, option.key());
          deny(where + " is not allowed for this team.");
        }
      }
    }
  }
  detail::add_team_label(root, team_id);
  return bj::serialize(root);
}

void check_exec(bool privileged, const Policy& policy, bool is_admin) {
  if (privileged && !is_admin && !policy.allow_privileged_exec) {
    deny("Privileged exec is not allowed for this team.");
  }
}

bool names_root(std::string_view user) {
  const auto name = user.substr(0, user.find(':'));
  if (name == "root") return true;
  // The engine reads a numeric user as a uid: "0", "00" and "+0"-free digits that are all zero.
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c == '0'; });
}

void check_exec_user(std::string_view exec_user, std::string_view container_user,
                     const Policy& policy, bool is_admin) {
  if (is_admin || policy.allow_root_exec || !names_root(exec_user)) return;
  if (container_user.empty() || names_root(container_user)) return;  // it is root already
  deny("Exec as root is not allowed for this team in a container that runs as '" +
       std::string(container_user.substr(0, 64)) + "'.");
}

}  // namespace dokkerr::policy
