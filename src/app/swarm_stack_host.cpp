#include "app/swarm_stack_host.hpp"

#include "containers/swarm_service.hpp"

namespace dokkerr::app {

boost::asio::awaitable<boost::json::array> ServiceSwarmStackHost::deploy(
    const Principal& caller, std::string env, std::optional<std::string> team,
    stacks::SwarmStackPlan plan) {
  containers::SwarmStackDeployment stack;
  stack.name = std::move(plan.name);
  for (auto& network : plan.networks) {
    stack.networks.push_back({std::move(network.name), network.internal, network.external});
  }
  stack.services = std::move(plan.services);
  co_return co_await swarm_.deploy_stack(caller, std::move(env), std::move(team), std::move(stack));
}

}  // namespace dokkerr::app
