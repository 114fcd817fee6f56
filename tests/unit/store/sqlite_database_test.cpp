#include "store/sqlite_database.hpp"

#include "core/error.hpp"
#include "unit/store/test_databases.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

namespace dokkerr::store {
namespace {

TEST(SqliteDatabaseTest, TwoHandlesOnOneFileSeeEachOthersCommits) {
  testing::TestTarget target(testing::Backend::sqlite);
  auto a = target.open();
  auto b = target.open_bare();
  a->execute("INSERT INTO settings (key, value, updated_at) VALUES ('k', 'v', 'now')");
  EXPECT_EQ(b->query("SELECT value FROM settings").at(0).text(0), "v");
  // b waits (busy_timeout) for a's write transaction instead of failing at once.
  std::promise<void> holding;
  std::thread writer([&] {
    a->transaction([&](Database& tx) {
      tx.execute("UPDATE settings SET value = 'w'");
      holding.set_value();
      // Long enough for b to be waiting on the lock; b succeeds whether or not it got there.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    });
  });
  holding.get_future().wait();
  EXPECT_NO_THROW(b->execute("UPDATE settings SET value = 'x'"));
  writer.join();
  EXPECT_EQ(a->query("SELECT value FROM settings").at(0).text(0), "x");
}

}  // namespace
}  // namespace dokkerr::store
