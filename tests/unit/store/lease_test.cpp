#include "store/lease.hpp"

#include "core/blocking_pool.hpp"
#include "core/logger.hpp"
#include "unit/store/test_databases.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

namespace dokkerr::store {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds bound = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return predicate();
}

class LeaseTest : public testing::BackendTest {};

TEST_P(LeaseTest, OneHolderAtATimeUntilItExpiresOrIsReleased) {
  LeaseTable table(db());
  EXPECT_TRUE(table.acquire("jobs", "a", 60s));
  EXPECT_FALSE(table.acquire("jobs", "b", 60s));
  EXPECT_TRUE(table.acquire("jobs", "a", 60s)) << "the holder renews";
  EXPECT_TRUE(table.acquire("other", "b", 60s)) << "leases are independent";

  auto records = table.list();
  ASSERT_EQ(records.size(), 2U);
  EXPECT_EQ(records[0].name, "jobs");
  EXPECT_EQ(records[0].holder, "a");
  EXPECT_GT(records[0].expires_in_ms, 50'000);
  EXPECT_LE(records[0].expires_in_ms, 60'000);

  table.release("jobs", "b");  // not b's to release
  EXPECT_FALSE(table.acquire("jobs", "b", 60s));
  table.release("jobs", "a");
  EXPECT_TRUE(table.acquire("jobs", "b", 60s));
}

TEST_P(LeaseTest, AnExpiredLeaseGoesToWhoeverAsksNext) {
  LeaseTable table(db());
  EXPECT_TRUE(table.acquire("jobs", "a", 100ms));
  EXPECT_FALSE(table.acquire("jobs", "b", 60s));
  ASSERT_TRUE(eventually([&] { return table.acquire("jobs", "b", 60s); }, 3s));
  EXPECT_FALSE(table.acquire("jobs", "a", 60s)) << "the old holder cannot take it back";
  EXPECT_EQ(table.list().front().holder, "b");
}

TEST_P(LeaseTest, RacingReplicasNeverBothWin) {
  LeaseTable first(db());
  LeaseTable second(db());
  for (int round = 0; round < 20; ++round) {
    const std::string name = "race-" + std::to_string(round);
    std::atomic<int> winners = 0;
    std::thread a([&] { winners += first.acquire(name, "a", 60s) ? 1 : 0; });
    std::thread b([&] { winners += second.acquire(name, "b", 60s) ? 1 : 0; });
    a.join();
    b.join();
    EXPECT_EQ(winners.load(), 1) << name;
  }
}

// Two keepers, as two replicas run them: one holds; when it stops, the other takes over.
TEST_P(LeaseTest, KeepersHandOverWhenTheHolderStops) {
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  BlockingPool blocking(2);
  Logger logger(LogLevel::error);
  const LeaseTiming fast{.ttl = 600ms, .renew_every = 100ms, .margin = 150ms};
  Lease a(io.get_executor(), blocking, db(), logger, "jobs", "replica-a", fast);
  Lease b(io.get_executor(), blocking, db(), logger, "jobs", "replica-b", fast);
  std::atomic<int> a_changes = 0;
  a.on_change([&](bool) { ++a_changes; });
  a.start();
  ASSERT_TRUE(eventually([&] { return a.held(); }));
  b.start();
  std::this_thread::sleep_for(400ms);
  EXPECT_TRUE(a.held());
  EXPECT_FALSE(b.held());

  asio::co_spawn(io, a.stop(), asio::use_future).get();
  EXPECT_FALSE(a.held());
  EXPECT_EQ(a_changes.load(), 2);  // taken, then given up
  // Released, not left to expire: b has it after its next renewal.
  ASSERT_TRUE(eventually([&] { return b.held(); }, 2s));
  asio::co_spawn(io, b.stop(), asio::use_future).get();
  work.reset();
  runner.join();
}

// A holder that dies without releasing (SIGKILL) is replaced once its lease expires.
TEST_P(LeaseTest, AHolderThatVanishesIsReplacedAfterTheTtl) {
  LeaseTable table(db());
  ASSERT_TRUE(table.acquire("jobs", "dead-replica", 500ms));
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  BlockingPool blocking(1);
  Logger logger(LogLevel::error);
  Lease survivor(io.get_executor(), blocking, db(), logger, "jobs", "replica-b",
                 LeaseTiming{.ttl = 600ms, .renew_every = 100ms, .margin = 150ms});
  survivor.start();
  EXPECT_FALSE(survivor.held());
  ASSERT_TRUE(eventually([&] { return survivor.held(); }, 3s));
  EXPECT_EQ(table.list().front().holder, "replica-b");
  asio::co_spawn(io, survivor.stop(), asio::use_future).get();
  EXPECT_TRUE(table.list().empty()) << "a clean stop releases";
  work.reset();
  runner.join();
}

DOKKERR_INSTANTIATE_BACKENDS(LeaseTest);

}  // namespace
}  // namespace dokkerr::store
