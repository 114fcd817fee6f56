#include "containers/network_service.hpp"

#include "containers/engine_call.hpp"
#include "containers/environment_service.hpp"
#include "containers/tenancy_service.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/permissions.hpp"
#include "policy/policy.hpp"

#include <boost/json/serialize.hpp>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;

std::string network_path(const std::string& ref) {
  return object_path("networks", ref, "network");
}

}  // namespace

asio::awaitable<boost::json::array> NetworkService::list(
    const Principal& caller, std::string env, std::optional<boost::json::object> filters) {
  auto engine = environments_.engine_up(env);
  auto target = with_filters("/networks", filters);
  auto networks = co_await call_json(*engine, docker::Verb::get, std::move(target), "network");
  auto teams = tenancy_.visible_teams(caller, env, perm::networks_read);
  auto items = array_of(std::move(networks));
  co_return co_await tenancy_.filter(env, ResourceKind::network, std::move(items),
                                     std::move(teams));
}

asio::awaitable<boost::json::value> NetworkService::inspect(const Principal& caller,
                                                            std::string env, std::string ref) {
  const auto network =
      co_await tenancy_.resolve(caller, env, ResourceKind::network, ref, perm::networks_read);
  auto engine = environments_.engine_up(env);
  auto target = network_path(network.id);
  co_return co_await call_json(*engine, docker::Verb::get, std::move(target), "network");
}

asio::awaitable<boost::json::value> NetworkService::create(const Principal& caller, std::string env,
                                                           NetworkCreate request) {
  const auto creation =
      co_await tenancy_.creation(caller, env, request.team, perm::networks_create);
  auto body = json::parse_object(
      policy::check_network_create(request.body, creation.policy, caller.is_admin, creation.team));
  const auto name = json::required_string(body, "Name");
  if (name.empty() || name.size() > 128) {
    throw Error::invalid("invalid_body", "Field 'Name' must be 1 to 128 characters.");
  }
  auto engine = environments_.engine_up(env);
  // Two networks may share a name on the engine; a platform user expects names to be unique.
  if (!body.contains("CheckDuplicate")) body["CheckDuplicate"] = true;
  auto text = boost::json::serialize(body);
  auto created = co_await call_json(*engine, docker::Verb::post, "/networks/create", "network",
                                    std::move(text));
  if (!creation.team.empty()) {
    const auto id = std::string(created.as_object().at("Id").as_string());
    co_await tenancy_.record_owner(env, ResourceKind::network, id, creation.team);
  }
  co_return created;
}

asio::awaitable<void> NetworkService::connect(const Principal& caller, std::string env,
                                              std::string ref, EndpointChange change) {
  co_await change_endpoint(caller, std::move(env), std::move(ref), std::move(change), false);
}

asio::awaitable<void> NetworkService::disconnect(const Principal& caller, std::string env,
                                                 std::string ref, EndpointChange change) {
  co_await change_endpoint(caller, std::move(env), std::move(ref), std::move(change), true);
}

asio::awaitable<void> NetworkService::change_endpoint(const Principal& caller, std::string env,
                                                      std::string ref, EndpointChange change,
                                                      bool disconnect) {
  const auto network =
      co_await tenancy_.resolve(caller, env, ResourceKind::network, ref, perm::networks_create);
  if (!caller.is_admin) {
    // The container joins (or leaves) under the caller's name too: it must be theirs.
    const auto container = co_await tenancy_.resolve(caller, env, ResourceKind::container,
                                                     change.container, perm::containers_update);
    change.container = container.id;
  }
  boost::json::object body;
  body["Container"] = change.container;
  if (change.endpoint_config) body["EndpointConfig"] = *change.endpoint_config;
  if (change.force) body["Force"] = *change.force;
  auto engine = environments_.engine_up(env);
  auto target = network_path(network.id) + (disconnect ? "/disconnect" : "/connect");
  auto text = boost::json::serialize(body);
  co_await call(*engine, docker::Verb::post, std::move(target), "network", std::move(text));
  co_await engine->refresh_container(engine->resolve(change.container));
}

asio::awaitable<void> NetworkService::remove(const Principal& caller, std::string env,
                                             std::string ref) {
  const auto network =
      co_await tenancy_.resolve(caller, env, ResourceKind::network, ref, perm::networks_delete);
  auto engine = environments_.engine_up(env);
  auto target = network_path(network.id);
  co_await call(*engine, docker::Verb::delete_, std::move(target), "network");
  co_await tenancy_.forget(env, ResourceKind::network, network.id);
}

asio::awaitable<boost::json::value> NetworkService::prune(
    std::string env, std::optional<boost::json::object> filters) {
  auto engine = environments_.engine_up(env);
  co_return co_await containers::prune(*engine, "networks", std::move(filters), "network");
}

}  // namespace dokkerr::containers
