#include "cache/redis_buckets.hpp"

#include "cache/redis_client.hpp"

#include <openssl/sha.h>

#include <cmath>
#include <cstdio>

namespace dokkerr::cache {
namespace {

namespace asio = boost::asio;

// KEYS[1] the bucket; ARGV[1] its size, ARGV[2] tokens per millisecond. Returns
// {allowed (0|1), tokens left in thousandths}. Redis 7 replicates a script's effects, not the
// script, so reading TIME before writing is allowed.
constexpr std::string_view kTakeScript = R"lua(
local burst = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(state[1]) or burst
local updated = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - updated) * per_ms)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / per_ms) + 1000)
return {allowed, math.floor(tokens * 1000)}
)lua";

std::string sha1_hex(std::string_view text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex(2 * SHA_DIGEST_LENGTH, '0');
  for (int i = 0; i < SHA_DIGEST_LENGTH; ++i) {
    std::snprintf(&hex[2 * static_cast<std::size_t>(i)], 3, "%02x", digest[i]);
  }
  return hex;
}

std::string number(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

}  // namespace

std::string_view RedisBuckets::script() {
  return kTakeScript;
}

RedisBuckets::RedisBuckets(RedisClient& client)
    : client_(client), script_sha1_(sha1_hex(kTakeScript)) {}

asio::awaitable<std::optional<BucketTake>> RedisBuckets::take(std::string key, double burst,
                                                              double per_second) {
  const auto burst_text = number(burst);
  const auto rate_text = number(per_second / 1000.0);
  std::vector<std::string> by_hash{"EVALSHA", script_sha1_, "1", key, burst_text, rate_text};
  auto reply = co_await client_.call(std::move(by_hash));
  if (reply && reply->is_error() && reply->text.starts_with("NOSCRIPT")) {
    // First use on this server (or its script cache was flushed): EVAL loads it.
    std::vector<std::string> with_text{"EVAL",   std::string(kTakeScript), "1", key, burst_text,
                                       rate_text};
    reply = co_await client_.call(std::move(with_text));
  }
  if (!reply || reply->type != RedisValue::Type::array || reply->elements.size() != 2) {
    co_return std::nullopt;
  }
  const auto& allowed = reply->elements[0];
  const auto& left = reply->elements[1];
  if (allowed.type != RedisValue::Type::integer || left.type != RedisValue::Type::integer) {
    co_return std::nullopt;
  }
  co_return BucketTake{allowed.integer == 1, static_cast<double>(left.integer) / 1000.0};
}

}  // namespace dokkerr::cache
