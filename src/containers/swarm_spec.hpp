#pragma once
// Swarm service specifications as Dokkerr's API takes them: a small, strict JSON form (name,
// image, replicas, ports, mounts, update and rollback settings, …) that is checked against the
// owning team's policy and then rebuilt into the engine's ServiceSpec. Callers never send the
// engine's own spec: a ServiceSpec has dozens of fields that reach the host (capabilities,
// sysctls, generic resources, plugin runtimes), and a form with only the fields people use leaves
// nothing to smuggle. Pure functions, no I/O.
//
// Errors (dokkerr::Error): invalid "invalid_json", "invalid_body" (wrong type or value; the detail
// names the field), "unknown_field", "reserved_label"; forbidden "policy_denied" (the detail names
// the field and the rule).
#include "policy/policy.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::containers {

inline constexpr int kMaxServiceReplicas = 100;

// A secret or config a service reads, by name; `target` is its file name in the task
// (/run/secrets/<target> for secrets, /<target> for configs), the name when not given.
struct SwarmFileRef {
  std::string name, target;
};

// A checked specification: `spec` is the normalized form (defaults filled in), the rest are the
// references the service makes to other swarm objects, for the caller to resolve and check.
struct CheckedServiceSpec {
  boost::json::object spec;
  std::vector<SwarmFileRef> secrets, configs;
  std::vector<std::string> networks;                      // overlay network names
  std::vector<std::vector<std::string>> network_aliases;  // per network, its extra DNS names
  std::vector<std::string> volumes;                       // named volumes mounted
};

struct ServiceRules {
  bool is_admin = false;
  policy::Policy policy;  // the owning team's (admins: ignored but for defaults)
};

// Parses and checks a specification from a client. A non-admin's ports are published on the
// node (mode "host", the default for them): the ingress routing mesh puts every service that
// publishes through it on one shared overlay network, where teams' tasks would reach each other.
CheckedServiceSpec check_service_spec(std::string_view body, const ServiceRules& rules);

// What build_engine_spec needs beyond the checked spec: the owning team and the engine ids of
// what the service references, in the order check_service_spec listed them.
struct EngineReferences {
  std::string team;  // "" for none
  std::vector<std::string> secret_ids, config_ids;
  std::vector<std::string> network_ids;  // the spec's networks, or the team's network
  std::int64_t pids_limit = 0;           // 0: none
};

// The engine's ServiceSpec for a checked spec. Labels get the team label on the service and on
// its tasks' containers, so the tasks are the team's containers too.
boost::json::object build_engine_spec(const CheckedServiceSpec& checked,
                                      const EngineReferences& references);

// Dokkerr's form of an engine ServiceSpec (the fields it knows; secrets, configs and networks by
// name, as the engine recorded them). `network_names` maps the ids in TaskTemplate.Networks.
boost::json::object spec_from_engine(const boost::json::object& engine_spec,
                                     const boost::json::object& network_names);

// A swarm object name as the engine takes it (services: up to 63 letters, digits, '-' and '_';
// secrets and configs: up to 64 of letters, digits, '-', '_', '.'). Throws invalid
// "invalid_body" naming `field`.
void check_service_name(std::string_view name, std::string_view field);
void check_swarm_object_name(std::string_view name, std::string_view field);

}  // namespace dokkerr::containers
