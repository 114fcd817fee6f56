#include "gateway/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace dokkerr::gateway {
namespace {

using http::RateClass;
using namespace std::chrono_literals;

const auto kStart = std::chrono::steady_clock::time_point{} + 1000s;

RateLimits tight() {
  RateLimits limits;
  limits.sign_in = {60, 3};  // one a second, three at once
  return limits;
}

TEST(RateLimiterTest, ABurstPassesThenTheBucketRefusesUntilATokenIsBack) {
  RateLimiter limiter(tight(), 100);
  for (int i = 0; i < 3; ++i) {
    const auto decision = limiter.take(RateClass::sign_in, "address:1", kStart);
    ASSERT_TRUE(decision);
    EXPECT_TRUE(decision->allowed);
    EXPECT_EQ(decision->limit, 3U);
    EXPECT_EQ(decision->remaining, static_cast<unsigned>(2 - i));
  }
  const auto refused = limiter.take(RateClass::sign_in, "address:1", kStart);
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->allowed);
  EXPECT_EQ(refused->retry_after_seconds, 1U);
  EXPECT_EQ(refused->reset_seconds, 3U);

  EXPECT_FALSE(limiter.take(RateClass::sign_in, "address:1", kStart + 500ms)->allowed);
  EXPECT_TRUE(limiter.take(RateClass::sign_in, "address:1", kStart + 1s)->allowed);
}

TEST(RateLimiterTest, RefillStopsAtTheBurst) {
  RateLimiter limiter(tight(), 100);
  limiter.take(RateClass::sign_in, "address:1", kStart);
  const auto later = limiter.take(RateClass::sign_in, "address:1", kStart + 1h);
  EXPECT_EQ(later->remaining, 2U);  // full (3) again, less this one
}

TEST(RateLimiterTest, SubjectsAndClassesHaveTheirOwnBuckets) {
  RateLimiter limiter(tight(), 100);
  for (int i = 0; i < 3; ++i) limiter.take(RateClass::sign_in, "address:1", kStart);
  EXPECT_FALSE(limiter.take(RateClass::sign_in, "address:1", kStart)->allowed);
  EXPECT_TRUE(limiter.take(RateClass::sign_in, "address:2", kStart)->allowed);
  EXPECT_TRUE(limiter.take(RateClass::read, "address:1", kStart)->allowed);
}

TEST(RateLimiterTest, AClassWithoutARateIsNotLimited) {
  RateLimits limits;
  limits.write = {0, 1};
  RateLimiter limiter(limits, 100);
  EXPECT_FALSE(limiter.take(RateClass::write, "user:u", kStart));
  EXPECT_FALSE(limiter.take(RateClass::unlimited, "user:u", kStart));
}

TEST(RateLimiterTest, TheNumberOfBucketsIsBounded) {
  RateLimiter limiter(tight(), 64);
  for (int i = 0; i < 10'000; ++i) {
    limiter.take(RateClass::sign_in, "address:" + std::to_string(i), kStart);
  }
  EXPECT_LE(limiter.size(), 64U + 16U);  // per shard rounding
}

TEST(RateLimiterTest, EvictionPrefersBucketsThatHaveRefilled) {
  RateLimiter limiter(tight(), 16);  // one bucket per shard
  for (int i = 0; i < 3; ++i) limiter.take(RateClass::sign_in, "address:flood", kStart);
  // Many others arrive long after: a refilled bucket is the same as none, so the emptied bucket
  // of "flood" may be dropped only once it has refilled too.
  for (int i = 0; i < 200; ++i) {
    limiter.take(RateClass::sign_in, "address:" + std::to_string(i), kStart + 1h);
  }
  EXPECT_TRUE(limiter.take(RateClass::sign_in, "address:flood", kStart + 1h)->allowed);
}

TEST(ApplyRateLimitTest, ParsesRateAndBurst) {
  RateLimits limits;
  apply_rate_limit(limits, "read=100:7");
  EXPECT_EQ(limits.read.per_minute, 100);
  EXPECT_EQ(limits.read.burst, 7);
  apply_rate_limit(limits, "write=10");
  EXPECT_EQ(limits.write.burst, 5);  // half the rate
  apply_rate_limit(limits, "stream=1");
  EXPECT_EQ(limits.stream.burst, 1);
  apply_rate_limit(limits, "sign_in=0");
  EXPECT_EQ(limits.sign_in.per_minute, 0);
}

TEST(ApplyRateLimitTest, RefusesWhatItCannotRead) {
  RateLimits limits;
  for (const char* bad : {"read", "reads=10", "read=", "read=-1", "read=1.5", "read=10:0",
                          "read=10:", "read=99999999", "=10", "read=10:5:1"}) {
    EXPECT_THROW(apply_rate_limit(limits, bad), std::invalid_argument) << bad;
  }
  try {
    apply_rate_limit(limits, "reads=10");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'reads=10'"), std::string::npos);
  }
}

}  // namespace
}  // namespace dokkerr::gateway
