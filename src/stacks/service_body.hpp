#pragma once
// What a parsed stack becomes on the engine: the create bodies of its networks, volumes and
// containers, labelled as the docker compose CLI labels them (com.docker.compose.project,
// .service, .container-number, .oneoff, .config-hash, …) so that the CLI sees Dokkerr's stacks
// and Dokkerr finds the CLI's. Pure functions: the bodies go through the team's policy and
// tenancy like any client's (stacks/stack_host.hpp).
#include "stacks/compose_file.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace dokkerr::stacks {

inline constexpr std::string_view kProjectLabel = "com.docker.compose.project";
inline constexpr std::string_view kServiceLabel = "com.docker.compose.service";
inline constexpr std::string_view kNumberLabel = "com.docker.compose.container-number";
inline constexpr std::string_view kOneoffLabel = "com.docker.compose.oneoff";
inline constexpr std::string_view kConfigHashLabel = "com.docker.compose.config-hash";
inline constexpr std::string_view kNetworkLabel = "com.docker.compose.network";
inline constexpr std::string_view kVolumeLabel = "com.docker.compose.volume";

// The SHA-256 of the service's settings as deployed (image, command, environment, mounts, …
// and the engine names of the networks and volumes it uses): equal hashes mean the running
// container is what the file asks for.
std::string config_hash(const ComposeProject& project, const ServiceSpec& service);

// "<project>-<service>-<number>" (the CLI's v2 naming), or the service's container_name.
std::string container_name(const ComposeProject& project, const ServiceSpec& service, int number);

// POST /containers/create for replica `number` (1-based). Attached to the service's first
// network with its aliases; the others are joined after the create (API 1.41 takes one).
boost::json::object container_body(const ComposeProject& project, const ServiceSpec& service,
                                   int number);
// POST /networks/connect for a further network of the service.
boost::json::object endpoint_config(const ServiceSpec& service, const ServiceNetwork& network);
// The engine name of one of the service's networks.
std::string network_name(const ComposeProject& project, std::string_view key);

boost::json::object network_body(const ComposeProject& project, const NetworkSpec& network);
boost::json::object volume_body(const ComposeProject& project, const VolumeSpec& volume);

}  // namespace dokkerr::stacks
