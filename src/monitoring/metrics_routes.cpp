#include "monitoring/metrics_routes.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"
#include "http/request_metrics.hpp"
#include "http/router.hpp"
#include "monitoring/prometheus.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/field.hpp>

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

}  // namespace

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
