#include "gateway/rate_limiter.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <stdexcept>

namespace dokkerr::gateway {
namespace {

using http::RateClass;

std::optional<RateClass> class_named(std::string_view name) {
  if (name == "sign_in") return RateClass::sign_in;
  if (name == "read") return RateClass::read;
  if (name == "write") return RateClass::write;
  if (name == "stream") return RateClass::stream;
  return std::nullopt;
}

std::optional<double> whole_number(std::string_view text) {
  std::uint32_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || stop != end || text.empty() || value > 1'000'000) return std::nullopt;
  return static_cast<double>(value);
}

char class_tag(RateClass rate_class) {
  return static_cast<char>('0' + static_cast<int>(rate_class));
}

std::uint32_t ceil_seconds(double seconds) {
  return static_cast<std::uint32_t>(std::max(0.0, std::ceil(seconds)));
}

}  // namespace

const BucketRule& RateLimits::of(RateClass rate_class) const {
  switch (rate_class) {
    case RateClass::sign_in:
      return sign_in;
    case RateClass::read:
      return read;
    case RateClass::write:
      return write;
    case RateClass::stream:
      return stream;
    case RateClass::automatic:
    case RateClass::unlimited:
      break;
  }
  static constexpr BucketRule kNone{};
  return kNone;
}

BucketRule& RateLimits::of(RateClass rate_class) {
  return const_cast<BucketRule&>(std::as_const(*this).of(rate_class));
}

void apply_rate_limit(RateLimits& limits, std::string_view setting) {
  const auto refuse = [&](const std::string& why) {
    throw std::invalid_argument("'" + std::string(setting) + "': " + why);
  };
  const auto equals = setting.find('=');
  if (equals == std::string_view::npos) refuse("expected CLASS=PER_MINUTE[:BURST]");
  const auto rate_class = class_named(setting.substr(0, equals));
  if (!rate_class) refuse("the class is one of sign_in, read, write, stream");
  auto numbers = setting.substr(equals + 1);
  const auto colon = numbers.find(':');
  const auto per_minute = whole_number(numbers.substr(0, colon));
  if (!per_minute) refuse("the rate is a whole number of requests per minute (0 to 1000000)");
  double burst = std::max(1.0, std::floor(*per_minute / 2));
  if (colon != std::string_view::npos) {
    const auto given = whole_number(numbers.substr(colon + 1));
    if (!given || *given < 1) refuse("the burst is a whole number from 1 to 1000000");
    burst = *given;
  }
  limits.of(*rate_class) = BucketRule{*per_minute, burst};
}

RateDecision decide(const BucketRule& rule, double tokens_left, bool allowed) {
  const double per_second = rule.per_minute / 60.0;
  RateDecision decision;
  decision.limit = static_cast<std::uint32_t>(rule.burst);
  decision.allowed = allowed;
  if (!allowed) {
    decision.retry_after_seconds =
        std::max<std::uint32_t>(1, ceil_seconds((1.0 - tokens_left) / per_second));
  }
  decision.remaining = static_cast<std::uint32_t>(std::floor(std::max(0.0, tokens_left)));
  decision.reset_seconds = ceil_seconds((rule.burst - tokens_left) / per_second);
  return decision;
}

RateLimiter::RateLimiter(RateLimits limits, std::size_t max_buckets)
    : limits_(limits), per_shard_(max_buckets / kShards + 1) {}

std::optional<RateDecision> RateLimiter::take(RateClass rate_class, std::string_view subject,
                                              SteadyTime now) {
  const auto& rule = limits_.of(rate_class);
  if (rule.per_minute <= 0) return std::nullopt;
  const double per_second = rule.per_minute / 60.0;

  std::string key;
  key.reserve(subject.size() + 2);
  key.push_back(class_tag(rate_class));
  key.push_back(':');
  key.append(subject);
  auto& shard = shards_[std::hash<std::string>{}(key) % kShards];

  const std::lock_guard lock(shard.mutex);
  auto found = shard.buckets.find(key);
  if (found == shard.buckets.end()) {
    if (shard.buckets.size() >= per_shard_) {
      // Each bucket is judged by the rule of its own class (the key's first character).
      std::erase_if(shard.buckets, [&](const auto& entry) {
        const auto& own = limits_.of(static_cast<RateClass>(entry.first.front() - '0'));
        const double idle = std::chrono::duration<double>(now - entry.second.updated).count();
        return own.per_minute <= 0 ||
               entry.second.tokens + idle * own.per_minute / 60.0 >= own.burst;
      });
      if (shard.buckets.size() >= per_shard_) shard.buckets.erase(shard.buckets.begin());
    }
    found = shard.buckets.emplace(std::move(key), Bucket{rule.burst, now}).first;
  }
  auto& bucket = found->second;
  const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  bucket.tokens = std::min(rule.burst, bucket.tokens + std::max(0.0, elapsed) * per_second);
  bucket.updated = now;

  const bool allowed = bucket.tokens >= 1.0;
  if (allowed) bucket.tokens -= 1.0;
  return decide(rule, bucket.tokens, allowed);
}

std::size_t RateLimiter::size() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    const std::lock_guard lock(shard.mutex);
    total += shard.buckets.size();
  }
  return total;
}

}  // namespace dokkerr::gateway
