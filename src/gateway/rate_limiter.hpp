#pragma once
// Token buckets: each subject (a user, an API key, or the address of an anonymous client) has
// one bucket per route class. A bucket holds up to `burst` tokens, refills at `per_minute`, and
// every request takes one; an empty bucket refuses. The buckets live in this process (a
// replica's share of the budget); they are bounded in number, and a bucket that has refilled
// completely is worth nothing and is the first to go when a shard is full.
#include "http/router.hpp"

#include <boost/asio/awaitable.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace dokkerr::gateway {

struct BucketRule {
  double per_minute = 0;  // 0: the class is not limited
  double burst = 0;       // the bucket's size
};

// The budget of each route class. The defaults let a person or a script work at full speed and
// stop a password-guessing loop or a runaway client.
struct RateLimits {
  BucketRule sign_in{30, 60};
  BucketRule read{1200, 600};
  BucketRule write{600, 300};
  BucketRule stream{120, 60};

  [[nodiscard]] const BucketRule& of(http::RateClass rate_class) const;
  BucketRule& of(http::RateClass rate_class);
};

// Parses "CLASS=PER_MINUTE[:BURST]" (class sign_in, read, write or stream; a missing burst is
// half the per-minute rate, at least 1; PER_MINUTE 0 lifts the limit) into `limits`. Throws
// std::invalid_argument saying what is wrong.
void apply_rate_limit(RateLimits& limits, std::string_view setting);

struct RateDecision {
  bool allowed = true;
  std::uint32_t limit = 0;                // the bucket's size
  std::uint32_t remaining = 0;            // whole tokens left after this request
  std::uint32_t reset_seconds = 0;        // until the bucket is full again
  std::uint32_t retry_after_seconds = 0;  // when refused: until one token is back
};

// The decision for a bucket of `rule` that holds `tokens_left` after a take (allowed) or a
// refused take: the counters the answer carries.
[[nodiscard]] RateDecision decide(const BucketRule& rule, double tokens_left, bool allowed);

// Buckets several replicas share (kept in Redis by the program): one budget for the whole
// deployment instead of one per replica.
class SharedBuckets {
 public:
  virtual ~SharedBuckets() = default;
  struct Take {
    bool allowed = false;
    double tokens_left = 0;
  };
  // Takes one token from the bucket at `key`; nullopt when the shared store did not answer
  // (the replica then decides alone, with its own buckets).
  virtual boost::asio::awaitable<std::optional<Take>> take(std::string key,
                                                           const BucketRule& rule) = 0;
};

class RateLimiter {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  RateLimiter(RateLimits limits, std::size_t max_buckets);

  // Takes one token from `subject`'s bucket of `rate_class` (which must not be automatic).
  // nullopt when the class is not limited.
  std::optional<RateDecision> take(http::RateClass rate_class, std::string_view subject,
                                   SteadyTime now);

  [[nodiscard]] std::size_t size() const;

 private:
  struct Bucket {
    double tokens = 0;
    SteadyTime updated;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
  };
  static constexpr std::size_t kShards = 16;

  RateLimits limits_;
  std::size_t per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace dokkerr::gateway
