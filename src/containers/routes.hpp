#pragma once
// Route tables of the container service, one per resource (each in its *_routes.cpp).
#include "http/router.hpp"

#include <cstddef>

namespace dokkerr::containers {

class ContainerService;
class EnvironmentService;
class ImageService;
class NetworkService;
class VolumeService;
class SystemService;
class TenancyService;

void add_environment_routes(http::Router& router, EnvironmentService& service);
void add_container_routes(http::Router& router, ContainerService& service, TenancyService& tenancy);
void add_image_routes(http::Router& router, ImageService& service, std::size_t max_upload_bytes);
void add_network_routes(http::Router& router, NetworkService& service, TenancyService& tenancy);
void add_volume_routes(http::Router& router, VolumeService& service, TenancyService& tenancy);
void add_system_routes(http::Router& router, SystemService& service, TenancyService& tenancy);

// The access rule of a route under /api/v1/environments/{env}: the permission, and the
// environment the caller must have been granted.
inline http::RouteOptions on_environment(std::string_view permission) {
  return http::needs(permission).in_environment("env");
}

}  // namespace dokkerr::containers
