#include "containers/system_service.hpp"

#include "containers/engine_call.hpp"
#include "containers/environment_service.hpp"
#include "containers/tenancy_service.hpp"
#include "core/permissions.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;

void add_all(boost::json::object& filters, std::string_view key,
             const std::vector<std::string>& values) {
  if (values.empty()) return;
  auto& list = filters[key];
  if (!list.is_array()) list = boost::json::array{};
  for (const auto& value : values) list.as_array().emplace_back(value);
}

}  // namespace

asio::awaitable<boost::json::value> SystemService::info(const Principal& caller, std::string env) {
  auto engine = environments_.engine_up(env);
  auto info = co_await call_json(*engine, docker::Verb::get, "/info", "system");
  const auto scope = co_await tenancy_.container_scope(caller, env);
  if (scope.teams && info.is_object()) {
    const auto counts = engine->model().counts(scope);
    auto& fields = info.as_object();
    fields["Containers"] = counts.total;
    fields["ContainersRunning"] = counts.running;
    fields["ContainersPaused"] = counts.paused;
    fields["ContainersStopped"] = counts.stopped;
  }
  co_return info;
}

asio::awaitable<boost::json::value> SystemService::version(std::string env) {
  auto engine = environments_.engine_up(env);
  co_return co_await call_json(*engine, docker::Verb::get, "/version", "system");
}

asio::awaitable<boost::json::value> SystemService::disk_usage(std::string env) {
  auto engine = environments_.engine_up(env);
  co_return co_await call_json(*engine, docker::Verb::get, "/system/df", "system");
}

asio::awaitable<std::unique_ptr<docker::EngineStream>> SystemService::events(
    const Principal& caller, std::string env, EventsQuery query) {
  auto filters = query.filters.value_or(boost::json::object{});
  if (tenancy_.visible_teams(caller, env, perm::events_read)) {
    // Non-admins see the events of their team's objects only: the engine ANDs label filters,
    // and only objects carrying our team label match this one.
    const auto team = tenancy_.creation_team(caller, env, query.team, perm::events_read);
    const std::vector<std::string> label{std::string(kTeamLabel) + "=" + team};
    add_all(filters, "label", label);
  }
  add_all(filters, "type", query.types);
  add_all(filters, "event", query.events);
  std::string target = "/events";
  std::string separator = "?";
  if (!filters.empty()) {
    target += separator + "filters=" + encode(boost::json::serialize(filters));
    separator = "&";
  }
  if (query.since) target += separator + "since=" + encode(*query.since);
  auto engine = environments_.engine_up(env);
  co_return co_await open_stream(*engine, docker::Verb::get, std::move(target), "system");
}

}  // namespace dokkerr::containers
