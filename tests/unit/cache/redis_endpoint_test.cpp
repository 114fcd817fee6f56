#include "cache/redis_endpoint.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace dokkerr::cache {
namespace {

TEST(RedisEndpoint, ReadsHostPortPasswordAndDatabase) {
  const auto endpoint = parse_redis_url("redis://:s3cret@127.0.0.1:6380/2");
  EXPECT_EQ(endpoint.host, "127.0.0.1");
  EXPECT_EQ(endpoint.port, 6380);
  EXPECT_EQ(endpoint.username, "");
  EXPECT_EQ(endpoint.password, "s3cret");
  EXPECT_EQ(endpoint.database, 2U);
  EXPECT_EQ(endpoint.display(), "127.0.0.1:6380");
}

TEST(RedisEndpoint, DefaultsToPort6379AndDatabaseZero) {
  const auto endpoint = parse_redis_url("redis://cache.internal");
  EXPECT_EQ(endpoint.host, "cache.internal");
  EXPECT_EQ(endpoint.port, 6379);
  EXPECT_EQ(endpoint.database, 0U);
  EXPECT_TRUE(endpoint.password.empty());
}

TEST(RedisEndpoint, ReadsAnAclUserAndAPercentEncodedPassword) {
  const auto endpoint = parse_redis_url("redis://dokkerr:p%40ss@localhost/0");
  EXPECT_EQ(endpoint.username, "dokkerr");
  EXPECT_EQ(endpoint.password, "p@ss");
}

TEST(RedisEndpoint, DisplayNeverShowsThePassword) {
  const auto endpoint = parse_redis_url("redis://user:hunter2@127.0.0.1:7000");
  EXPECT_EQ(endpoint.display().find("hunter2"), std::string::npos);
}

TEST(RedisEndpoint, RefusesWhatItCannotServe) {
  for (const char* url : {"", "127.0.0.1:6379", "rediss://127.0.0.1", "http://127.0.0.1:6379",
                          "redis://", "redis://:pw@:6379", "redis://127.0.0.1:0",
                          "redis://127.0.0.1:99999", "redis://127.0.0.1:port", "redis://h/16",
                          "redis://h/x", "redis://h/1?timeout=3", "redis://h/1#frag"}) {
    EXPECT_THROW((void)parse_redis_url(url), std::invalid_argument) << url;
  }
}

}  // namespace
}  // namespace dokkerr::cache
