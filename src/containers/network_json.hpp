#pragma once
// The JSON mapping of the network routes.
#include "containers/network_service.hpp"

#include <boost/json/object.hpp>

namespace dokkerr::containers {

// Docker's connect body {"Container","EndpointConfig"?} or disconnect body {"Container",
// "Force"?}. The engine matches keys case-insensitively, so only these exact names pass (400
// unknown_field): another spelling of Container would name a container other than the one the
// service checks.
EndpointChange endpoint_change_from(const boost::json::object& body, bool disconnect);

}  // namespace dokkerr::containers
