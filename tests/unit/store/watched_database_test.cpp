#include "store/watched_database.hpp"

#include "unit/store/test_databases.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace dokkerr::store {
namespace {

TEST(WriteTargetTest, ReadsVerbTableAndFirstAssignedColumn) {
  auto t = write_target("UPDATE sessions SET revoked_at = ? WHERE id = ?");
  EXPECT_EQ(t.verb, "update");
  EXPECT_EQ(t.table, "sessions");
  EXPECT_EQ(t.set_column, "revoked_at");
  t = write_target("\n  insert INTO Team_Members (team_id) VALUES (?)");
  EXPECT_EQ(t.verb, "insert");
  EXPECT_EQ(t.table, "team_members");
  t = write_target("DELETE FROM environment_grants WHERE team_id = ?");
  EXPECT_EQ(t.verb, "delete");
  EXPECT_EQ(t.table, "environment_grants");
  EXPECT_EQ(write_target("SELECT * FROM users").verb, "");
  EXPECT_EQ(write_target("INSERT users VALUES (1)").verb, "");
  EXPECT_EQ(write_target("UPDATE").verb, "");
  EXPECT_EQ(write_target("").verb, "");
}

class WatchedDatabaseTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    db().execute_script("CREATE TABLE watched (id INTEGER PRIMARY KEY, v TEXT)");
    db().execute_script("CREATE TABLE ignored (id INTEGER PRIMARY KEY, v TEXT)");
    watched_ = std::make_unique<WatchedDatabase>(
        target().open(),
        [](const WriteTarget& t) -> std::string_view {
          return t.table == "watched" ? "access" : "";
        },
        generation_);
  }
  void TearDown() override {
    watched_.reset();
    BackendTest::TearDown();
  }
  std::int64_t version() { return change_version(db(), "access"); }

  Generation generation_;
  std::unique_ptr<WatchedDatabase> watched_;
};

TEST_P(WatchedDatabaseTest, AWatchedWriteRaisesTheCounterAndTheGeneration) {
  const auto before = version();
  watched_->execute("INSERT INTO watched (id, v) VALUES (1, 'a')", {});
  EXPECT_EQ(version(), before + 1);
  EXPECT_EQ(generation_.current(), 1U);
  watched_->execute("INSERT INTO ignored (id, v) VALUES (1, 'a')", {});
  EXPECT_EQ(version(), before + 1);
  EXPECT_EQ(generation_.current(), 1U);
}

TEST_P(WatchedDatabaseTest, AWriteThatChangesNoRowRaisesNothing) {
  watched_->execute("DELETE FROM watched WHERE id = 42", {});
  EXPECT_EQ(version(), 0);
  EXPECT_EQ(generation_.current(), 0U);
}

TEST_P(WatchedDatabaseTest, ATransactionRaisesOnceAfterItCommits) {
  watched_->transaction([&](Database& tx) {
    tx.execute("INSERT INTO watched (id, v) VALUES (1, 'a')", {});
    tx.execute("INSERT INTO watched (id, v) VALUES (2, 'b')", {});
    // A call on the outer object from inside joins the transaction.
    watched_->execute("INSERT INTO watched (id, v) VALUES (3, 'c')", {});
    EXPECT_EQ(generation_.current(), 0U) << "not before the commit";
  });
  EXPECT_EQ(version(), 1);
  EXPECT_EQ(generation_.current(), 1U);
}

TEST_P(WatchedDatabaseTest, ARolledBackTransactionRaisesNothing) {
  EXPECT_THROW(watched_->transaction([&](Database& tx) {
    tx.execute("INSERT INTO watched (id, v) VALUES (1, 'a')", {});
    throw std::runtime_error("undo");
  }),
               std::runtime_error);
  EXPECT_EQ(version(), 0);
  EXPECT_EQ(generation_.current(), 0U);
  EXPECT_EQ(db().query("SELECT COUNT(*) FROM watched").at(0).integer(0), 0);
  watched_->execute("INSERT INTO watched (id, v) VALUES (1, 'a')", {});
  EXPECT_EQ(generation_.current(), 1U) << "the thread is not left inside a transaction";
}

DOKKERR_INSTANTIATE_BACKENDS(WatchedDatabaseTest);

}  // namespace
}  // namespace dokkerr::store
