#pragma once
// GET /metrics for a Prometheus server: answered to a request that brings the scrape token
// (Authorization: Bearer …) or comes from an allowed address; no account is involved.
#include "core/address_set.hpp"

#include <string>

namespace dokkerr::http {
class RequestMetrics;
class Router;
}  // namespace dokkerr::http

namespace dokkerr::monitoring {

class Collector;

struct MetricsAccess {
  std::string token;   // empty: no token opens it
  AddressSet allowed;  // client addresses (after trusted proxies) that need no token
};

// `access`, `requests` and `collector` must outlive the router.
void add_metrics_routes(http::Router& router, const MetricsAccess& access,
                        const http::RequestMetrics& requests, const Collector& collector);

}  // namespace dokkerr::monitoring
