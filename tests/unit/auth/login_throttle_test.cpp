#include "auth/login_throttle.hpp"

#include "unit/auth/fakes.hpp"

#include <gtest/gtest.h>

namespace dokkerr::auth {
namespace {

using namespace std::chrono_literals;

class LoginThrottleTest : public ::testing::Test {
 protected:
  // Fails until the key locks; returns how many failures it took.
  int fail_until_locked(std::string_view key, int threshold) {
    for (int i = 1; i <= threshold; ++i) {
      if (throttle.count_failure(key, threshold)) return i;
    }
    return -1;
  }
  ManualClock clock;
  testing::FakeThrottleStore store;
  LoginThrottle throttle{store, clock};
};

TEST_F(LoginThrottleTest, LocksAfterTheThresholdWithinTheWindow) {
  EXPECT_FALSE(throttle.locked("account:alice"));
  EXPECT_EQ(fail_until_locked("account:alice", 5), 5);
  EXPECT_EQ(throttle.locked("account:alice"), std::optional<std::int64_t>(30));
  EXPECT_FALSE(throttle.locked("account:bob")) << "per key";
  clock.advance(10s);
  EXPECT_EQ(throttle.locked("account:alice"), std::optional<std::int64_t>(20));
  clock.advance(20s);
  EXPECT_FALSE(throttle.locked("account:alice")) << "always temporary";
}

TEST_F(LoginThrottleTest, FailuresOutsideTheWindowStartOver) {
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(throttle.count_failure("account:alice", 5));
  clock.advance(15min + 1s);
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(throttle.count_failure("account:alice", 5)) << i;
  EXPECT_TRUE(throttle.count_failure("account:alice", 5));
}

TEST_F(LoginThrottleTest, LockoutsDoubleInARowUpToFifteenMinutes) {
  std::int64_t expected = 30;
  for (int round = 0; round < 8; ++round) {
    ASSERT_EQ(fail_until_locked("account:alice", 5), 5) << "round " << round;
    EXPECT_EQ(throttle.locked("account:alice"), std::optional<std::int64_t>(expected))
        << "round " << round;
    clock.advance(std::chrono::seconds(expected));
    EXPECT_FALSE(throttle.locked("account:alice"));
    expected = std::min<std::int64_t>(expected * 2, 15 * 60);
  }
  EXPECT_EQ(expected, 15 * 60);
}

TEST_F(LoginThrottleTest, ClearingForgetsEverything) {
  ASSERT_EQ(fail_until_locked("account:alice", 5), 5);
  throttle.clear("account:alice");
  EXPECT_FALSE(throttle.locked("account:alice"));
  EXPECT_EQ(fail_until_locked("account:alice", 5), 5);
  EXPECT_EQ(throttle.locked("account:alice"), std::optional<std::int64_t>(30))
      << "the doubling starts over too";
}

TEST_F(LoginThrottleTest, AddressesHaveTheirOwnThreshold) {
  EXPECT_EQ(fail_until_locked("address:192.0.2.7", throttle.settings().address_failures), 20);
  EXPECT_TRUE(throttle.locked("address:192.0.2.7"));
}

// Replicas share lockouts through the store, each stamping with its own clock. With clocks 5 min
// apart a lockout lasts shorter on the replica ahead and longer on the one behind, by at most the
// skew; guessing is still throttled everywhere, because the failures keep counting in the shared
// window, and every lockout still ends.
TEST_F(LoginThrottleTest, ReplicasFiveMinutesApartStillThrottleAndEveryLockoutEnds) {
  ManualClock ahead(clock.now() + 5min);
  LoginThrottle replica_ahead{store, ahead};

  ASSERT_EQ(fail_until_locked("account:alice", 5), 5);
  EXPECT_EQ(throttle.locked("account:alice"), std::optional<std::int64_t>(30));
  EXPECT_FALSE(replica_ahead.locked("account:alice")) << "ahead: that lockout already passed";
  int tries = 0;
  while (!replica_ahead.count_failure("account:alice", 5)) ASSERT_LE(++tries, 5);
  EXPECT_EQ(tries, 4) << "the ahead replica locks after the same number of failures";
  EXPECT_EQ(replica_ahead.locked("account:alice"), std::optional<std::int64_t>(60)) << "doubled";
  const auto behind = throttle.locked("account:alice");
  ASSERT_TRUE(behind);
  EXPECT_LE(*behind, 15 * 60);

  // At most the lockout plus the skew later, no replica holds the account any more.
  clock.advance(60s + 5min);
  ahead.advance(60s + 5min);
  EXPECT_FALSE(throttle.locked("account:alice"));
  EXPECT_FALSE(replica_ahead.locked("account:alice"));
}

}  // namespace
}  // namespace dokkerr::auth
