#pragma once
// The gateway's stages of the request pipeline (http/pipeline.hpp), in the order they run:
//
//   edge:   client address (trusted proxies) → API version → CORS → rate limit of anonymous
//           requests, by client address
//   caller: rate limit of authenticated requests, by user or API key → a slot of the user's
//           bounded open streams, pulls or uploads, held until the request ends
//
// Every /api/ answer carries API-Version; a deprecated route's answers carry Deprecation and
// Sunset; a limited request's answers carry RateLimit-Limit/Remaining/Reset, and a refused one
// 429 rate_limited with Retry-After. A caller over a concurrency bound gets 429
// too_many_streams, too_many_pulls or too_many_uploads.
#include "gateway/client_address.hpp"
#include "gateway/concurrency_limiter.hpp"
#include "gateway/rate_limiter.hpp"
#include "http/pipeline.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace dokkerr::gateway {

// The API version this server speaks, as /api/v<N>/ paths and the API-Version header name it.
inline constexpr std::string_view kApiVersion = "1";

struct EdgeSettings {
  TrustedProxies trusted_proxies;
  // Origins allowed to call the API from a browser, exactly as browsers send them
  // ("https://console.example.com"). Empty: no cross-origin access.
  std::vector<std::string> cors_origins;
  RateLimits rate_limits;
  ConcurrencyLimits concurrency;
  std::size_t max_buckets = 100'000;
  // When set, rate limits are taken from these buckets (shared by all replicas), and from this
  // process's own only while the shared ones do not answer. Must outlive the Edge.
  SharedBuckets* shared_buckets = nullptr;
};

class Edge {
 public:
  using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;

  explicit Edge(EdgeSettings settings, SteadyNow now = &std::chrono::steady_clock::now);

  // The stages to hand to the Pipeline; they refer to this Edge, which must outlive it.
  [[nodiscard]] http::Pipeline::Extensions stages();

 private:
  std::optional<Error> resolve_client(http::Exchange& exchange) const;
  std::optional<Error> check_version(http::Exchange& exchange) const;
  std::optional<Error> apply_cors(http::Exchange& exchange) const;
  std::optional<Error> limit_anonymous(http::Exchange& exchange);
  std::optional<Error> limit_caller(http::Exchange& exchange);
  // Who a request is limited as at each point, or nullopt when not there.
  static std::optional<std::string> anonymous_subject(const http::Exchange& exchange);
  static std::optional<std::string> caller_subject(const http::Exchange& exchange);
  std::optional<Error> limit(http::Exchange& exchange, std::string_view subject);
  boost::asio::awaitable<std::optional<Error>> limit_anonymous_shared(http::Exchange& exchange);
  boost::asio::awaitable<std::optional<Error>> limit_caller_shared(http::Exchange& exchange);
  boost::asio::awaitable<std::optional<Error>> limit_shared(http::Exchange& exchange,
                                                            std::string subject);
  static std::optional<Error> answer(http::Exchange& exchange, const RateDecision& decision);
  std::optional<Error> hold_slot(http::Exchange& exchange);

  EdgeSettings settings_;
  SteadyNow now_;
  RateLimiter limiter_;
  ConcurrencyLimiter slots_;
};

}  // namespace dokkerr::gateway
