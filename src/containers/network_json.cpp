#include "containers/network_json.hpp"

#include "core/json.hpp"

namespace dokkerr::containers {

EndpointChange endpoint_change_from(const boost::json::object& body, bool disconnect) {
  if (disconnect) {
    json::only_fields(body, {"Container", "Force"});
  } else {
    json::only_fields(body, {"Container", "EndpointConfig"});
  }
  EndpointChange change;
  change.container = json::required_string(body, "Container");
  if (const auto* config = body.if_contains("EndpointConfig")) change.endpoint_config = *config;
  if (const auto* force = body.if_contains("Force")) change.force = *force;
  return change;
}

}  // namespace dokkerr::containers
