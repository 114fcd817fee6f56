#pragma once
#include "http/router.hpp"

namespace dokkerr {
class BlockingPool;
}
namespace dokkerr::store {
class Database;
}
namespace dokkerr::containers {
class EnvironmentService;
}

namespace dokkerr::app {

// /healthz (the process answers), /readyz (database and engines reachable), /api/v1/version.
void add_process_routes(http::Router& router, store::Database& database, BlockingPool& blocking,
                        containers::EnvironmentService& environments);

}  // namespace dokkerr::app
