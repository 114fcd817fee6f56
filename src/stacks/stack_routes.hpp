#pragma once
// /api/v1/environments/{env}/stacks: Compose stacks (docs/api/v1.md#stacks), and the public
// /api/v1/hooks/stacks/{token} their redeploy webhooks answer.
namespace dokkerr::http {
class Router;
}

namespace dokkerr::stacks {

class StackHooks;
class StackService;

void add_stack_routes(http::Router& router, StackService& stacks, StackHooks& hooks);

}  // namespace dokkerr::stacks
