#pragma once
#include "http/router.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace dokkerr {
class BlockingPool;
}
namespace dokkerr::store {
class Database;
}
namespace dokkerr::containers {
class EnvironmentService;
}
namespace dokkerr::cache {
class RedisClient;
}

namespace dokkerr::app {

struct ProcessRouteServices {
  store::Database& database;
  BlockingPool& blocking;
  containers::EnvironmentService& environments;
  const cache::RedisClient* redis = nullptr;  // null without --redis
  std::string node_id;                        // this replica, as it holds leases
  std::chrono::system_clock::time_point started{};  // when this replica started
  // The monitoring part of /api/v1/system/health (collector, alerts); runs on the blocking pool.
  std::function<boost::json::object()> monitoring_report;
};

// /healthz (the process answers), /readyz (database and engines reachable; Redis, when
// configured, reported but not required: without it the replica serves on its own, "degraded"),
// /api/v1/version, and for operators /api/v1/system/leases (which replica runs the jobs) and
// /api/v1/system/health (every dependency in detail, counts per engine, the collector, uptime).
void add_process_routes(http::Router& router, const ProcessRouteServices& services);

}  // namespace dokkerr::app
