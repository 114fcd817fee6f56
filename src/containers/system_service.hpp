#pragma once
// The engine as a whole: info, version, disk usage, and its event stream (for non-admins, the
// events of their team's objects only).
#include "core/principal.hpp"
#include "docker/client.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dokkerr::containers {

class EnvironmentService;
class TenancyService;

struct EventsQuery {
  std::optional<boost::json::object> filters;  // the engine's form
  std::vector<std::string> types;              // added to filters' "type"
  std::vector<std::string> events;             // added to filters' "event"
  std::optional<std::string> since;
  std::optional<std::string> team;  // whose events, for callers in several teams
};

class SystemService {
 public:
  SystemService(EnvironmentService& environments, TenancyService& tenancy)
      : environments_(environments), tenancy_(tenancy) {}

  // The engine's /info; a tenant's container counts (Containers, ContainersRunning/Paused/
  // Stopped) are of its own teams' containers, not the engine's.
  boost::asio::awaitable<boost::json::value> info(const Principal& caller, std::string env);
  boost::asio::awaitable<boost::json::value> version(std::string env);
  boost::asio::awaitable<boost::json::value> disk_usage(std::string env);
  // The engine's events (NDJSON) as they happen.
  boost::asio::awaitable<std::unique_ptr<docker::EngineStream>> events(const Principal& caller,
                                                                       std::string env,
                                                                       EventsQuery query);

 private:
  EnvironmentService& environments_;
  TenancyService& tenancy_;
};

}  // namespace dokkerr::containers
