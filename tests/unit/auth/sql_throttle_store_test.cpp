#include "auth/throttle_store.hpp"
#include "unit/auth/sql_fixture.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace dokkerr::auth {
namespace {

class SqlThrottleStoreTest : public testing::SqlAuthTest {
 protected:
  void SetUp() override {
    SqlAuthTest::SetUp();
    if (IsSkipped()) return;
    store_ = make_sql_throttle_store(db());
  }
  void TearDown() override {
    store_.reset();
    SqlAuthTest::TearDown();
  }
  ThrottleStore& throttle() { return *store_; }

 private:
  std::unique_ptr<ThrottleStore> store_;
};

TEST_P(SqlThrottleStoreTest, UpdatesReadWhatWasStored) {
  EXPECT_FALSE(throttle().find("account:alice"));
  const auto first = throttle().update("account:alice", [](const auto& current) {
    EXPECT_FALSE(current);
    return ThrottleRecord{1, "2026-01-01T00:00:00.000Z", 0, std::nullopt};
  });
  EXPECT_EQ(first.failures, 1);
  const auto second = throttle().update("account:alice", [](const auto& current) {
    EXPECT_TRUE(current);
    auto next = *current;
    next.failures = 0;
    ++next.lockouts;
    next.locked_until = "2026-01-01T00:00:30.000Z";
    return next;
  });
  EXPECT_EQ(second.lockouts, 1);
  const auto stored = throttle().find("account:alice");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->failures, 0);
  EXPECT_EQ(stored->window_start, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(stored->lockouts, 1);
  EXPECT_EQ(stored->locked_until, std::optional<std::string>("2026-01-01T00:00:30.000Z"));
  EXPECT_FALSE(throttle().find("address:127.0.0.1"));
  throttle().clear("account:alice");
  EXPECT_FALSE(throttle().find("account:alice"));
}

TEST_P(SqlThrottleStoreTest, ConcurrentFailuresAllCount) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        for (;;) {
          try {
            throttle().update("address:x", [](const auto& current) {
              auto next = current.value_or(ThrottleRecord{0, "t", 0, std::nullopt});
              ++next.failures;
              return next;
            });
            break;
          } catch (const Error& e) {
            ASSERT_EQ(e.kind(), ErrorKind::unavailable) << e.code();  // busy: try again
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(throttle().find("address:x")->failures, 20);
}

DOKKERR_INSTANTIATE_BACKENDS(SqlThrottleStoreTest);

}  // namespace
}  // namespace dokkerr::auth
