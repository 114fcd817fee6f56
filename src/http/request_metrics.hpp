#pragma once
// Counts of what the server answered, for /metrics: requests by route, method and status,
// their latency as histograms, WebSockets open, and the refusals operators watch (rate limits,
// failed authentication). Recorded once per request where the access log is written.
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace dokkerr::http {

class RequestMetrics {
 public:
  // Upper bounds of the latency buckets, in seconds (Prometheus' le="…").
  static constexpr std::array<double, 12> kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                   0.1,   0.25,   0.5,   1,    2.5,   10};

  // `route` is the route's pattern ("/api/v1/environments/{env}/containers"), or "" for a
  // request no route matched (counted under one label, so clients cannot grow the series).
  void record(std::string_view route, std::string_view method, unsigned status,
              std::string_view error_code, std::chrono::nanoseconds duration,
              std::string_view request_id = {});
  void websocket_opened();
  void websocket_closed();

  struct Series {
    std::string route, method;
    unsigned status = 0;
    std::uint64_t count = 0;
  };
  struct Latency {
    std::string route, method;
    std::array<std::uint64_t, kBuckets.size()> buckets{};  // non-cumulative
    std::uint64_t count = 0;
    double sum_seconds = 0;
  };
  // A request the server failed (5xx), for operators to follow up by its request id.
  struct ServerError {
    std::int64_t at_ms = 0;  // wall clock
    std::string route, method;
    unsigned status = 0;
    std::string code, request_id;
  };
  static constexpr std::size_t kRecentErrors = 200;
  struct ErrorCount {
    std::string route, code;
    std::uint64_t count = 0;
  };
  struct Snapshot {
    std::vector<Series> requests;
    std::vector<Latency> latencies;
    std::uint64_t rate_limited = 0, authentication_failures = 0;
    std::int64_t websockets_open = 0;
    std::uint64_t websockets_total = 0;
    std::vector<ErrorCount> server_errors;  // 5xx by route and code
  };
  [[nodiscard]] Snapshot snapshot() const;
  // The newest server errors first, at most kRecentErrors.
  [[nodiscard]] std::vector<ServerError> recent_errors() const;

  // A latency quantile (0 < q < 1) of one histogram, in seconds, interpolated within its bucket;
  // the last bound for what lies beyond it.
  [[nodiscard]] static double quantile(const Latency& latency, double q);

 private:
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, unsigned>, std::uint64_t, std::less<>> requests_;
  std::map<std::pair<std::string, std::string>, Latency, std::less<>> latencies_;
  std::uint64_t rate_limited_ = 0, authentication_failures_ = 0;
  std::int64_t websockets_open_ = 0;
  std::uint64_t websockets_total_ = 0;
  std::map<std::pair<std::string, std::string>, std::uint64_t, std::less<>> server_errors_;
  std::deque<ServerError> recent_errors_;
};

}  // namespace dokkerr::http
