#pragma once
// Route tables of the containers domain, one per resource (each in its *_routes.cpp).
#include "containers/ownership_store.hpp"
#include "http/router.hpp"

#include <cstddef>
#include <string>

namespace dokkerr::containers {

class ContainerService;
class EnvironmentService;
class ImageService;
class NetworkService;
class SwarmService;
class SystemService;
class TenancyService;
class VolumeService;

void add_environment_routes(http::Router& router, EnvironmentService& service,
                            TenancyService& tenancy);
void add_container_routes(http::Router& router, ContainerService& service, TenancyService& tenancy);
void add_image_routes(http::Router& router, ImageService& service, std::size_t max_upload_bytes);
void add_network_routes(http::Router& router, NetworkService& service, TenancyService& tenancy);
void add_volume_routes(http::Router& router, VolumeService& service, TenancyService& tenancy);
void add_system_routes(http::Router& router, SystemService& service);
void add_swarm_routes(http::Router& router, SwarmService& service);

// The access rule of a route under /api/v1/environments/{env}: the permission, and the
// environment the caller must have been granted.
inline http::RouteOptions on_environment(std::string_view permission) {
  return http::needs(permission).in_environment("env");
}

// A route handler written as a function of its service and the request.
template <typename Service>
http::Handler with(Service& service,
                   boost::asio::awaitable<http::Reply> (*handler)(Service&,
                                                                  http::RequestContext&)) {
  return [&service, handler](http::RequestContext& c) { return handler(service, c); };
}

// PUT …/{param}/owner {team_id}: admins give a resource made outside Dokkerr to a team.
http::Handler assign_owner(TenancyService& tenancy, ResourceKind kind, std::string param);

}  // namespace dokkerr::containers
