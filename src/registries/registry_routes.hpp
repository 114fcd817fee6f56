#pragma once
// /api/v1/registries: stored registries, their logins and browsing (docs/api/v1.md#registries).
namespace dokkerr::http {
class Router;
}

namespace dokkerr::registries {

class RegistryService;
class UpdateChecker;

void add_registry_routes(http::Router& router, RegistryService& registries);
// /api/v1/environments/{env}/image-updates: what the last update check found, and a check now.
void add_image_update_routes(http::Router& router, UpdateChecker& updates);

}  // namespace dokkerr::registries
