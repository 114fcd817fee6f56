#pragma once
// GET /api/v1/metrics/live: a WebSocket with every round's figures of a team's or an
// environment's containers (or one container), as the caller may see them.
namespace dokkerr::http {
class Router;
}

namespace dokkerr::monitoring {

class HistoryAccess;
class LiveFeed;

// `feed` and `access` must outlive the router.
void add_live_routes(http::Router& router, const LiveFeed& feed, const HistoryAccess& access);

}  // namespace dokkerr::monitoring
