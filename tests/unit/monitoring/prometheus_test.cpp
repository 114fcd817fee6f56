#include "monitoring/prometheus.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/logger.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace dokkerr::monitoring {
namespace {

using namespace std::chrono_literals;

class NoTargets final : public TargetSource {
 public:
  boost::asio::awaitable<Inventory> running() override { co_return Inventory{}; }
  boost::asio::awaitable<std::optional<TargetDetails>> details(const Target&) override {
    co_return std::nullopt;
  }
  boost::asio::awaitable<std::optional<CounterSample>> engine_sample(const Target&,
                                                                     std::int64_t) override {
    co_return std::nullopt;
  }
};

TEST(Prometheus, LabelValuesAreEscaped) {
  EXPECT_EQ(escape_label(R"(a"b\c)"), R"(a\"b\\c)");
  EXPECT_EQ(escape_label("line\nbreak"), "line\\nbreak");
  EXPECT_EQ(escape_label("<img src=x>"), "<img src=x>");
}

TEST(Prometheus, RequestsBecomeCountersAndCumulativeHistograms) {
  http::RequestMetrics requests;
  requests.record("/api/v1/me", "GET", 200, "", 3ms);
  requests.record("/api/v1/me", "GET", 200, "", 40ms);
  requests.record("/api/v1/me", "GET", 401, "invalid_token", 1ms);
  requests.record("/api/v1/me", "GET", 401, "mfa_required", 1ms);
  requests.record("", "GET", 404, "route_not_found", 1ms);
  requests.record("/api/v1/auth/login", "POST", 429, "rate_limited", 1ms);
  requests.websocket_opened();
  requests.websocket_opened();
  requests.websocket_closed();

  boost::asio::io_context io;
  BlockingPool pool(1);
  ManualClock clock;
  Logger logger(LogLevel::error);
  NoTargets targets;
  const Collector collector(io.get_executor(), targets, pool, clock, logger, [] { return false; });
  const auto text = prometheus_text(requests.snapshot(), collector);

  EXPECT_NE(text.find("dokkerr_http_requests_total{route=\"/api/v1/me\",method=\"GET\","
                      "status=\"200\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("route=\"unmatched\""), std::string::npos) << "no client-made series";
  EXPECT_NE(text.find("dokkerr_http_request_duration_seconds_bucket{route=\"/api/v1/me\","
                      "method=\"GET\",le=\"0.005\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("dokkerr_http_request_duration_seconds_bucket{route=\"/api/v1/me\","
                      "method=\"GET\",le=\"+Inf\"} 4\n"),
            std::string::npos);
  EXPECT_NE(text.find("dokkerr_authentication_failures_total 1\n"), std::string::npos)
      << "the second factor's prompt is not a failure";
  EXPECT_NE(text.find("dokkerr_http_rate_limited_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("dokkerr_websockets_open 1\n"), std::string::npos);
  EXPECT_NE(text.find("dokkerr_websockets_total 2\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE dokkerr_container_cpu_percent gauge\n"), std::string::npos);
}

}  // namespace
}  // namespace dokkerr::monitoring
