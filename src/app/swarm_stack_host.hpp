#pragma once
// Swarm stacks deploy through the containers domain's Swarm services, as the caller: each
// service passes the same checks as one created by hand.
#include "stacks/swarm_stack.hpp"

namespace dokkerr::containers {
class SwarmService;
}

namespace dokkerr::app {

class ServiceSwarmStackHost final : public stacks::SwarmStackHost {
 public:
  explicit ServiceSwarmStackHost(containers::SwarmService& swarm) : swarm_(swarm) {}

  boost::asio::awaitable<boost::json::array> deploy(const Principal& caller, std::string env,
                                                    std::optional<std::string> team,
                                                    stacks::SwarmStackPlan plan) override;

 private:
  containers::SwarmService& swarm_;
};

}  // namespace dokkerr::app
