#include "http/request_metrics.hpp"

#include <algorithm>

namespace dokkerr::http {

void RequestMetrics::record(std::string_view route, std::string_view method, unsigned status,
                            std::string_view error_code, std::chrono::nanoseconds duration,
                            std::string_view request_id) {
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
  if (status >= 500) {
    const std::string code(error_code.empty() ? std::string_view("none") : error_code);
    ++server_errors_[{route_label, code}];
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    recent_errors_.push_front(
        ServerError{now, route_label, std::string(method), status, code, std::string(request_id)});
    if (recent_errors_.size() > kRecentErrors) recent_errors_.pop_back();
  }
}

std::vector<RequestMetrics::ServerError> RequestMetrics::recent_errors() const {
  const std::lock_guard lock(mutex_);
  return {recent_errors_.begin(), recent_errors_.end()};
}

double RequestMetrics::quantile(const Latency& latency, double q) {
  if (latency.count == 0) return 0;
  const double wanted = q * static_cast<double>(latency.count);
  double seen = 0;
  double lower = 0;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    const auto in_bucket = static_cast<double>(latency.buckets[i]);
    if (seen + in_bucket >= wanted && in_bucket > 0) {
      return lower + (kBuckets[i] - lower) * ((wanted - seen) / in_bucket);
    }
    seen += in_bucket;
    lower = kBuckets[i];
  }
  return kBuckets.back();
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
  for (const auto& [key, count] : server_errors_) {
    out.server_errors.push_back({key.first, key.second, count});
  }
  return out;
}

}  // namespace dokkerr::http
