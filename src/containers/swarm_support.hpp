#pragma once
// What the Swarm service's parts (services, stacks, secrets and configs) share: reading the
// engine's Swarm answers into Dokkerr's shapes. Internal to the containers domain.
#include "containers/swarm_service.hpp"
#include "policy/policy.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <map>
#include <string>
#include <string_view>

namespace dokkerr::containers::swarm {

// The label `docker stack deploy` marks a stack's services and networks with.
inline constexpr std::string_view kStackLabel = "com.docker.stack.namespace";

// A team id as JSON: null for none.
boost::json::value team_or_null(const std::string& team);
// The owning team an object's labels name ("" for none).
std::string label_team(const boost::json::object& labels);
// "secrets" / "configs", and "secret" / "config".
std::string collection(SwarmObjectKind kind);
std::string noun(SwarmObjectKind kind);
// "filters=<the engine's JSON filter {key: [value]}, encoded>".
std::string filters_query(std::string_view key, const std::string& value);
// Network ids to names, for showing a service's networks by name.
boost::asio::awaitable<boost::json::object> network_names(Engine& engine);
// A service as the routes show it (docs/api/v1.md#swarm), from the engine's document.
boost::json::object service_summary(const boost::json::object& service,
                                    const boost::json::object& names, bool with_previous);
// The fields of an engine spec that Dokkerr's form covers, replaced by the new spec's; the rest
// (what the docker CLI or another tool set on a service an admin manages here) is kept.
boost::json::object merged_spec(boost::json::object current, boost::json::object fresh);
// 403 policy_denied for a member of a team whose policy sets container quotas.
void refuse_under_quota(const Principal& caller, const policy::Policy& policy);
// Secrets and configs by exact name.
boost::asio::awaitable<std::map<std::string, boost::json::object>> objects_by_name(
    Engine& engine, SwarmObjectKind kind);

}  // namespace dokkerr::containers::swarm
