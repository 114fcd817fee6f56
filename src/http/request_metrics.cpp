#include "http/request_metrics.hpp"

#include <algorithm>

namespace dokkerr::http {

void RequestMetrics::record(std::string_view route, std::string_view method, unsigned status,
                            std::string_view error_code, std::chrono::nanoseconds duration) {
  const double seconds = std::chrono::duration<double>(duration).count();
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin());
  const std::lock_guard lock(mutex_);
  std::string route_label(route.empty() ? std::string_view("unmatched") : route);
  ++requests_[{route_label, std::string(method), status}];
  auto& latency = latencies_[{route_label, std::string(method)}];
  if (bucket < kBuckets.size()) ++latency.buckets[bucket];
  ++latency.count;
  latency.sum_seconds += seconds;
  if (status == 429) ++rate_limited_;
  if (status == 401 && error_code != "mfa_required") ++authentication_failures_;
}

void RequestMetrics::websocket_opened() {
  const std::lock_guard lock(mutex_);
  ++websockets_open_;
  ++websockets_total_;
}

void RequestMetrics::websocket_closed() {
  const std::lock_guard lock(mutex_);
  --websockets_open_;
}

RequestMetrics::Snapshot RequestMetrics::snapshot() const {
  Snapshot out;
  const std::lock_guard lock(mutex_);
  for (const auto& [key, count] : requests_) {
    out.requests.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), count});
  }
  for (const auto& [key, latency] : latencies_) {
    auto copy = latency;
    copy.route = key.first;
    copy.method = key.second;
    out.latencies.push_back(std::move(copy));
  }
  out.rate_limited = rate_limited_;
  out.authentication_failures = authentication_failures_;
  out.websockets_open = websockets_open_;
  out.websockets_total = websockets_total_;
  return out;
}

}  // namespace dokkerr::http
