#include "gateway/concurrency_limiter.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace dokkerr::gateway {
namespace {

using http::SlotClass;

TEST(ConcurrencyLimiterTest, HandsOutSlotsUpToTheBoundAndTakesThemBack) {
  ConcurrencyLimits limits;
  limits.pulls = 2;
  ConcurrencyLimiter limiter(limits);
  auto first = limiter.acquire(SlotClass::pull, "u1");
  auto second = limiter.acquire(SlotClass::pull, "u1");
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(limiter.acquire(SlotClass::pull, "u1"));
  EXPECT_TRUE(limiter.acquire(SlotClass::pull, "u2"));    // another user
  EXPECT_TRUE(limiter.acquire(SlotClass::upload, "u1"));  // another class
  EXPECT_EQ(limiter.held(SlotClass::pull, "u1"), 2U);
  first.reset();
  EXPECT_EQ(limiter.held(SlotClass::pull, "u1"), 1U);
  EXPECT_TRUE(limiter.acquire(SlotClass::pull, "u1"));
}

TEST(ConcurrencyLimiterTest, AClassWithoutABoundNeverRefuses) {
  ConcurrencyLimits limits;
  limits.streams = 0;
  ConcurrencyLimiter limiter(limits);
  std::vector<ConcurrencyLimiter::Slot> slots;
  for (int i = 0; i < 100; ++i) {
    slots.push_back(limiter.acquire(SlotClass::stream, "u1"));
    ASSERT_TRUE(slots.back());
  }
  EXPECT_EQ(limiter.held(SlotClass::stream, "u1"), 0U);
}

TEST(ConcurrencyLimiterTest, ASlotMayOutliveItsLimiter) {
  ConcurrencyLimiter::Slot slot;
  {
    ConcurrencyLimiter limiter(ConcurrencyLimits{});
    slot = limiter.acquire(SlotClass::upload, "u1");
  }
  slot.reset();  // no use after free (ASan in the debug build)
  SUCCEED();
}

TEST(ApplyConcurrencyLimitTest, ParsesAndRefuses) {
  ConcurrencyLimits limits;
  apply_concurrency_limit(limits, "streams=5");
  apply_concurrency_limit(limits, "pulls=0");
  apply_concurrency_limit(limits, "uploads=7");
  EXPECT_EQ(limits.streams, 5U);
  EXPECT_EQ(limits.pulls, 0U);
  EXPECT_EQ(limits.uploads, 7U);
  for (const char* bad :
       {"streams", "stream=1", "streams=", "streams=-1", "streams=1x", "pulls=100001"}) {
    EXPECT_THROW(apply_concurrency_limit(limits, bad), std::invalid_argument) << bad;
  }
}

}  // namespace
}  // namespace dokkerr::gateway
