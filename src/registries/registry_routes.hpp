#pragma once
// /api/v1/registries: stored registries, their logins and browsing (docs/api/v1.md#registries).
namespace dokkerr::http {
class Router;
}

namespace dokkerr::registries {

class RegistryService;

void add_registry_routes(http::Router& router, RegistryService& registries);

}  // namespace dokkerr::registries
