#pragma once
// /api/v1/environments/{env}/stacks: Compose stacks (docs/api/v1.md#stacks), and the public
// /api/v1/hooks/stacks/{token} their redeploy webhooks answer.
namespace dokkerr::http {
class Router;
}

namespace dokkerr::stacks {

class StackHooks;
class StackService;
class SwarmStackHost;

void add_stack_routes(http::Router& router, StackService& stacks, StackHooks& hooks);
// PUT /api/v1/environments/{env}/swarm/stacks/{name}: a Compose file deployed as Swarm services.
void add_swarm_stack_routes(http::Router& router, SwarmStackHost& host);

}  // namespace dokkerr::stacks
