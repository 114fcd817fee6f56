#pragma once
// Swarm on an environment whose engine is a swarm manager: services (create, rolling update,
// scale, rollback, remove, tasks), nodes (list; availability for admins), and secrets and configs
// (values go to the engine, which keeps them encrypted in its raft log, and never come back).
//
// Tenancy as for containers: what Dokkerr creates for a team carries the team label (services,
// their tasks' containers, secrets, configs, the team's overlay network), and a caller sees and
// acts on what its teams own; anything else is the same 404 as what does not exist. A non-admin's
// service references only its team's secrets, configs, networks and volumes, and runs on its
// team's own overlay network unless it names networks of the team. Teams whose policy sets
// container quotas cannot create services: the engine places tasks on its own, and a quota
// Dokkerr cannot hold is a quota it must not pretend to hold.
#include "containers/engine_logs.hpp"
#include "core/principal.hpp"
#include "docker/client.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::containers {

class Engine;
class EnvironmentService;
class RegistryGuard;
class RegistryLogins;
class TenancyService;
struct CheckedServiceSpec;
struct EngineReferences;

enum class SwarmObjectKind { secret, config };

// A stack as `docker stack deploy` makes one: overlay networks and services (in Dokkerr's service
// form) that carry the label com.docker.stack.namespace=<name>.
struct SwarmStackDeployment {
  struct Network {
    std::string name;
    bool internal = false;
    bool external = false;
  };
  std::string name;
  std::vector<Network> networks;
  std::vector<std::string> services;  // service form bodies, each named "<name>_<service>"
};

class SwarmService {
 public:
  // `registries` checks the registry of a non-admin's image; `logins` gives the stored login the
  // engine presents for it. Either may be absent (no checks, anonymous pulls).
  SwarmService(EnvironmentService& environments, TenancyService& tenancy,
               const RegistryGuard* registries = nullptr, RegistryLogins* logins = nullptr)
      : environments_(environments), tenancy_(tenancy), registries_(registries), logins_(logins) {}

  // The engine's swarm membership: {state, manager, node_id, cluster_id, nodes, managers}.
  boost::asio::awaitable<boost::json::object> status(std::string env);

  boost::asio::awaitable<boost::json::array> list_services(const Principal& caller,
                                                           std::string env);
  // One service, with "previous_spec" (what a rollback returns to; null when none).
  boost::asio::awaitable<boost::json::object> inspect_service(const Principal& caller,
                                                              std::string env, std::string ref);
  boost::asio::awaitable<boost::json::object> create_service(const Principal& caller,
                                                             std::string env,
                                                             std::optional<std::string> team,
                                                             std::string body);
  // Replaces the service's specification (the engine rolls it out by its update settings).
  boost::asio::awaitable<boost::json::object> update_service(const Principal& caller,
                                                             std::string env, std::string ref,
                                                             std::string body);
  boost::asio::awaitable<boost::json::object> scale_service(const Principal& caller,
                                                            std::string env, std::string ref,
                                                            std::int64_t replicas);
  boost::asio::awaitable<boost::json::object> rollback_service(const Principal& caller,
                                                               std::string env, std::string ref);
  boost::asio::awaitable<void> remove_service(const Principal& caller, std::string env,
                                              std::string ref);
  // The service's tasks, newest first within each slot, with the node each runs on.
  boost::asio::awaitable<boost::json::array> tasks(const Principal& caller, std::string env,
                                                   std::string ref);
  // The log of every task of the service so far (the engine merges them), bounded as a
  // container's.
  boost::asio::awaitable<Logs> logs(const Principal& caller, std::string env, std::string ref,
                                    LogOptions options);

  // Makes the stack's networks, creates or updates its services (the engine rolls out only what
  // changed) and removes its services the deployment no longer names. Every service is checked
  // before anything is changed. A stack belongs to one team: 409 swarm_stack_taken when the name
  // is another's. The stack's services, as listed.
  boost::asio::awaitable<boost::json::array> deploy_stack(const Principal& caller, std::string env,
                                                          std::optional<std::string> team,
                                                          SwarmStackDeployment stack);
  // {"items":[{name, team, services, running, desired}]}: the stacks the caller may see.
  boost::asio::awaitable<boost::json::array> list_stacks(const Principal& caller, std::string env);
  // The stack's services, then its networks (once their tasks have let go of them).
  boost::asio::awaitable<void> remove_stack(const Principal& caller, std::string env,
                                            std::string name);

  boost::asio::awaitable<boost::json::array> nodes(std::string env);
  // "active", "pause" or "drain".
  boost::asio::awaitable<boost::json::object> set_node_availability(std::string env,
                                                                    std::string ref,
                                                                    std::string availability);

  boost::asio::awaitable<boost::json::array> list_objects(const Principal& caller, std::string env,
                                                          SwarmObjectKind kind);
  // body {name, data, labels?}; data is text of at most 500 KiB (the engine's limit).
  boost::asio::awaitable<boost::json::object> create_object(const Principal& caller,
                                                            std::string env, SwarmObjectKind kind,
                                                            std::optional<std::string> team,
                                                            std::string body);
  boost::asio::awaitable<void> remove_object(const Principal& caller, std::string env,
                                             SwarmObjectKind kind, std::string ref);

 private:
  struct OwnedService {
    boost::json::object document;  // the engine's
    std::string id, team;
  };
  boost::asio::awaitable<OwnedService> service_of(const Principal& caller, const std::string& env,
                                                  Engine& engine, const std::string& ref,
                                                  std::string_view permission);
  boost::asio::awaitable<EngineReferences> references_for(const Principal& caller,
                                                          const std::string& env, Engine& engine,
                                                          const CheckedServiceSpec& checked,
                                                          const std::string& team);
  boost::asio::awaitable<std::string> team_overlay(const std::string& env, Engine& engine,
                                                   const std::string& team);
  // The id of the overlay network `name` of `team`, made with `labels` when missing; 409
  // `conflict_code` when a network of that name is someone else's.
  boost::asio::awaitable<std::string> ensure_overlay(const std::string& env, Engine& engine,
                                                     const std::string& name,
                                                     const std::string& team,
                                                     boost::json::object labels, bool internal,
                                                     std::string_view conflict_code);
  boost::asio::awaitable<boost::json::array> stack_services(Engine& engine,
                                                            const std::string& stack);
  boost::asio::awaitable<boost::json::object> summary_of(Engine& engine, const std::string& id,
                                                         bool with_previous);
  boost::asio::awaitable<void> update_engine_service(Engine& engine, const OwnedService& service,
                                                     boost::json::object spec,
                                                     bool rollback = false,
                                                     docker::Headers headers = {});
  boost::asio::awaitable<docker::Headers> pull_headers(const Principal& caller,
                                                       const CheckedServiceSpec& checked,
                                                       const std::string& team);
  // The team owning an object with these labels when the caller may act on it with
  // `permission`; Error not_found "<what>_not_found" otherwise.
  std::string owner_for(const Principal& caller, const std::string& env,
                        const boost::json::object& labels, std::string_view permission,
                        std::string_view what) const;

  EnvironmentService& environments_;
  TenancyService& tenancy_;
  const RegistryGuard* registries_;
  RegistryLogins* logins_;
};

}  // namespace dokkerr::containers
