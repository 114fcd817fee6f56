#pragma once
// Token buckets kept in Redis, so that every replica takes from the same bucket: one Lua script
// refills and takes atomically, timed by Redis' own clock (replicas' clocks never meet). A
// bucket's key expires once it would be full again, so idle subjects cost nothing.
#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace dokkerr::cache {

class RedisClient;

struct BucketTake {
  bool allowed = false;
  double tokens_left = 0;  // after this take
};

class RedisBuckets {
 public:
  explicit RedisBuckets(RedisClient& client);

  // Takes one token from the bucket at `key` (size `burst`, refilling `per_second`). nullopt
  // when Redis did not answer: the caller decides alone.
  boost::asio::awaitable<std::optional<BucketTake>> take(std::string key, double burst,
                                                         double per_second);

  // The Lua script a take runs (KEYS[1] the bucket, ARGV[1] its size, ARGV[2] tokens per ms),
  // for benchmarks that time it without this client.
  static std::string_view script();

 private:
  RedisClient& client_;
  std::string script_sha1_;
};

}  // namespace dokkerr::cache
