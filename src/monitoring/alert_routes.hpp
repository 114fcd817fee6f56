#pragma once
// /api/v1/alerts: rules, alerts, acknowledgement, silences and notification deliveries.
namespace dokkerr {
class BlockingPool;
}
namespace dokkerr::http {
class Router;
}

namespace dokkerr::monitoring {

class AlertService;

// `service` and `blocking` must outlive the router.
void add_alert_routes(http::Router& router, AlertService& service, BlockingPool& blocking);

}  // namespace dokkerr::monitoring
