#include "store/sqlite_database.hpp"

#include "core/error.hpp"
#include "unit/store/test_databases.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
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

TEST(SqliteDatabaseTest, AFileMovedAwayOrReplacedIsNeitherReadNorWritten) {
  testing::TestTarget target(testing::Backend::sqlite);
  auto db = target.open();
  const auto file = target.data_dir() / "test.db";
  const auto away = target.data_dir() / "test.db.away";
  ASSERT_TRUE(db->ping());
  std::filesystem::rename(file, away);
  EXPECT_FALSE(db->ping()) << "moved away";
  try {
    db->execute("INSERT INTO settings (key, value, updated_at) VALUES ('k', 'v', 'now')");
    ADD_FAILURE() << "written while the file was away";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), "database_unavailable");
  }
  std::filesystem::rename(away, file);
  EXPECT_TRUE(db->ping()) << "back where it was";
  EXPECT_NO_THROW(
      db->execute("INSERT INTO settings (key, value, updated_at) VALUES ('k', 'v', 'now')"));

  std::filesystem::rename(file, away);
  std::filesystem::copy_file(away, file);
  EXPECT_FALSE(db->ping()) << "another file at the path";
  std::filesystem::remove(file);
  std::filesystem::rename(away, file);
  EXPECT_TRUE(db->ping());
}

}  // namespace
}  // namespace dokkerr::store
