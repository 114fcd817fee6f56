#pragma once
// /api/v1/environments/{env}/stacks: Compose stacks (docs/api/v1.md#stacks).
namespace dokkerr::http {
class Router;
}

namespace dokkerr::stacks {

class StackService;

void add_stack_routes(http::Router& router, StackService& stacks);

}  // namespace dokkerr::stacks
