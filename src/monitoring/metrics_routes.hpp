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
  // False when no trusted proxy resolves forwarded requests: a request that names a client in
  // Forwarded / X-Forwarded-For then came through a proxy this server does not know, so its
  // peer address (often loopback) says nothing about the client and opens nothing.
  bool forwarding_resolved = false;
};

// For platform operators (environments:manage): GET /api/v1/system/errors (the recent server
// errors with their request ids, and counts by route and code) and GET /api/v1/system/requests
// (requests, server errors and latency percentiles by route). This replica's figures since start.
void add_request_report_routes(http::Router& router, const http::RequestMetrics& requests);

// `access`, `requests` and `collector` must outlive the router.
void add_metrics_routes(http::Router& router, const MetricsAccess& access,
                        const http::RequestMetrics& requests, const Collector& collector);

}  // namespace dokkerr::monitoring
