#include "monitoring/metrics_routes.hpp"

#include "core/error.hpp"
#include "core/permissions.hpp"
#include "crypto/primitives.hpp"
#include "http/request_metrics.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"
#include "monitoring/engine_stats.hpp"
#include "monitoring/prometheus.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

namespace dokkerr::monitoring {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

void check_access(const MetricsAccess& access, http::RequestContext& c) {
  const auto authorization = c.request[bhttp::field::authorization];
  constexpr std::string_view kBearer = "Bearer ";
  if (!access.token.empty() && authorization.starts_with(kBearer) &&
      crypto::constant_time_equal(authorization.substr(kBearer.size()), access.token)) {
    return;
  }
  const bool forwarded_by_unknown_proxy =
      !access.forwarding_resolved && (c.request.find(bhttp::field::forwarded) != c.request.end() ||
                                      c.request.find("X-Forwarded-For") != c.request.end());
  if (!forwarded_by_unknown_proxy && access.allowed.contains(std::string_view(c.remote_address))) {
    return;
  }
  if (!access.token.empty()) {
    throw Error(ErrorKind::unauthorized, "metrics_unauthorized",
                "Scraping /metrics needs the scrape token (Authorization: Bearer …).");
  }
  throw Error(ErrorKind::forbidden, "metrics_forbidden",
              "This address may not scrape /metrics (see --metrics-allow).");
}

double milliseconds(double seconds) {
  return std::round(seconds * 1e6) / 1e3;
}

std::string errors_json(const http::RequestMetrics& requests) {
  boost::json::array items;
  for (const auto& error : requests.recent_errors()) {
    items.push_back(boost::json::object{{"at", rfc3339(error.at_ms)},
                                        {"route", error.route},
                                        {"method", error.method},
                                        {"status", error.status},
                                        {"code", error.code},
                                        {"request_id", error.request_id}});
  }
  boost::json::array counts;
  for (const auto& count : requests.snapshot().server_errors) {
    counts.push_back(
        boost::json::object{{"route", count.route}, {"code", count.code}, {"count", count.count}});
  }
  return boost::json::serialize(
      boost::json::object{{"items", std::move(items)}, {"counts", std::move(counts)}});
}

std::string requests_json(const http::RequestMetrics& requests) {
  const auto snapshot = requests.snapshot();
  std::map<std::pair<std::string, std::string>, std::uint64_t> errors;
  for (const auto& series : snapshot.requests) {
    if (series.status >= 500) errors[{series.route, series.method}] += series.count;
  }
  auto latencies = snapshot.latencies;
  std::ranges::sort(latencies, std::greater<>{}, &http::RequestMetrics::Latency::count);
  boost::json::array items;
  for (const auto& latency : latencies) {
    const auto failed = errors.find({latency.route, latency.method});
    items.push_back(boost::json::object{
        {"route", latency.route},
        {"method", latency.method},
        {"count", latency.count},
        {"server_errors", failed == errors.end() ? 0 : failed->second},
        {"mean_ms", latency.count == 0
                        ? 0.0
                        : milliseconds(latency.sum_seconds / static_cast<double>(latency.count))},
        {"p50_ms", milliseconds(http::RequestMetrics::quantile(latency, 0.5))},
        {"p90_ms", milliseconds(http::RequestMetrics::quantile(latency, 0.9))},
        {"p99_ms", milliseconds(http::RequestMetrics::quantile(latency, 0.99))}});
  }
  return boost::json::serialize(boost::json::object{{"items", std::move(items)}});
}

}  // namespace

void add_request_report_routes(http::Router& router, const http::RequestMetrics& requests) {
  router.add(
      http::Verb::get, "/api/v1/system/errors",
      [&requests](http::RequestContext&) -> asio::awaitable<http::Reply> {
        co_return http::ok(errors_json(requests));
      },
      http::needs(perm::environments_manage));
  router.add(
      http::Verb::get, "/api/v1/system/requests",
      [&requests](http::RequestContext&) -> asio::awaitable<http::Reply> {
        co_return http::ok(requests_json(requests));
      },
      http::needs(perm::environments_manage));
}

void add_metrics_routes(http::Router& router, const MetricsAccess& access,
                        const http::RequestMetrics& requests, const Collector& collector) {
  router.add(
      http::Verb::get, "/metrics",
      [&](http::RequestContext& c) -> asio::awaitable<http::Reply> {
        check_access(access, c);
        http::Response response{http::Status::ok, c.request.version()};
        response.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        response.body() = prometheus_text(requests.snapshot(), collector);
        response.prepare_payload();
        co_return response;
      },
      http::needs(http::access::kPublic).limited_as(http::RateClass::read));
}

}  // namespace dokkerr::monitoring
