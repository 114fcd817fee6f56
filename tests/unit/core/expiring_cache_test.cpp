#include "core/expiring_cache.hpp"

#include <gtest/gtest.h>

namespace dokkerr {
namespace {

using namespace std::chrono_literals;

struct ExpiringCacheTest : ::testing::Test {
  Generation generation;
  ManualClock clock;
  ExpiringCache<std::string> cache{generation, 64};

  void put(const std::string& key, const std::string& value, std::chrono::seconds life = 60s) {
    cache.insert(key, std::make_shared<const std::string>(value), clock.now() + life,
                 generation.current(), clock.now());
  }
};

TEST_F(ExpiringCacheTest, ServesAnEntryUntilItsDeadline) {
  put("a", "one", 10s);
  ASSERT_NE(cache.find("a", clock.now()), nullptr);
  EXPECT_EQ(*cache.find("a", clock.now()), "one");
  clock.advance(9999ms);
  EXPECT_NE(cache.find("a", clock.now()), nullptr);
  clock.advance(1ms);
  EXPECT_EQ(cache.find("a", clock.now()), nullptr);
  EXPECT_EQ(cache.size(), 0U) << "an expired entry is dropped when met";
}

TEST_F(ExpiringCacheTest, AnAdvancedGenerationHidesEveryEntry) {
  put("a", "one");
  put("b", "two");
  generation.advance();
  EXPECT_EQ(cache.find("a", clock.now()), nullptr);
  EXPECT_EQ(cache.find("b", clock.now()), nullptr);
  put("a", "again");
  EXPECT_EQ(*cache.find("a", clock.now()), "again");
}

TEST_F(ExpiringCacheTest, ALoadThatRacedAnInvalidationIsNotKept) {
  const auto before_load = generation.current();
  generation.advance();  // a change commits while the value is being read
  cache.insert("a", std::make_shared<const std::string>("stale"), clock.now() + 60s, before_load,
               clock.now());
  EXPECT_EQ(cache.find("a", clock.now()), nullptr);
  EXPECT_EQ(cache.size(), 0U);
}

TEST_F(ExpiringCacheTest, DeadlinesInThePastAreNotKept) {
  put("a", "one", 0s);
  EXPECT_EQ(cache.size(), 0U);
}

TEST_F(ExpiringCacheTest, StaysWithinItsBound) {
  for (int i = 0; i < 10000; ++i) put("key" + std::to_string(i), "v");
  EXPECT_LE(cache.size(), 64U + 16U);
  EXPECT_NE(cache.find("key9999", clock.now()), nullptr) << "the newest entry is kept";
}

TEST_F(ExpiringCacheTest, EraseDropsOneKey) {
  put("a", "one");
  put("b", "two");
  cache.erase("a");
  EXPECT_EQ(cache.find("a", clock.now()), nullptr);
  EXPECT_NE(cache.find("b", clock.now()), nullptr);
}

}  // namespace
}  // namespace dokkerr
