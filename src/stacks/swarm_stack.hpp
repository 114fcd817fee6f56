#pragma once
// Compose files deployed as Swarm services, as `docker stack deploy` does: each service becomes a
// Swarm service `<stack>_<service>`, each network an overlay network `<stack>_<key>`, all labelled
// com.docker.stack.namespace, so `docker stack ls/ps` sees Dokkerr's stacks and Dokkerr sees the
// CLI's. Services are written in Dokkerr's service form (docs/api/v1.md#swarm), which the owning
// team's policy checks as it checks a service created directly. Deploying again updates the
// services in place (the engine rolls out only those whose task changed, by their update_config)
// and removes the stack's services the file no longer names.
#include "stacks/compose_file.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr {
struct Principal;
}

namespace dokkerr::stacks {

inline constexpr std::string_view kStackNamespaceLabel = "com.docker.stack.namespace";

struct SwarmStackNetwork {
  std::string name;  // on the engine
  bool internal = false;
  bool external = false;  // exists already; never made or removed by the stack
};

struct SwarmStackPlan {
  std::string name;
  std::vector<SwarmStackNetwork> networks;
  std::vector<std::string> services;  // Dokkerr's service form, as JSON text
};

// The plan for a parsed file (parse_compose with ComposeInputs::swarm). What Swarm cannot run
// (privileged, devices, host namespaces, a container name, …) and what the service form does not
// carry (container labels, anonymous volumes) is invalid "invalid_compose" naming
// the line and key, never dropped.
SwarmStackPlan swarm_stack_plan(const ComposeProject& project);

// Where the plan is carried out: the Swarm services of the environments.
class SwarmStackHost {
 public:
  virtual ~SwarmStackHost() = default;
  // Makes or updates the stack for `team` (?team=); the stack's services as the Swarm service
  // routes show them.
  virtual boost::asio::awaitable<boost::json::array> deploy(const Principal& caller,
                                                            std::string env,
                                                            std::optional<std::string> team,
                                                            SwarmStackPlan plan) = 0;
};

}  // namespace dokkerr::stacks
