#include "store/migrations.hpp"

#include "core/error.hpp"
#include "unit/store/test_databases.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace dokkerr::store {
namespace {

using testing::BackendTest;

class MigrationsTest : public BackendTest {};

bool is_rfc3339(const std::string& s) {
  static const std::regex shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  return std::regex_match(s, shape);
}

TEST_P(MigrationsTest, OpeningAppliesEveryMigrationAndRecordsIt) {
  const auto rows =
      db().query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
  const auto all = migrations();
  ASSERT_EQ(rows.size(), all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(rows[i].integer(0), all[i].version);
    EXPECT_EQ(rows[i].text(1), all[i].name);
    EXPECT_TRUE(is_rfc3339(rows[i].text(2))) << rows[i].text(2);
  }
  EXPECT_EQ(all.front().version, 1);
  EXPECT_EQ(all.front().name, "environments and settings");
  // Migration 1's tables are there and empty.
  EXPECT_EQ(db().query("SELECT COUNT(*) FROM environments").at(0).integer(0), 0);
  EXPECT_EQ(db().query("SELECT COUNT(*) FROM settings").at(0).integer(0), 0);
}

TEST_P(MigrationsTest, IsIdempotent) {
  EXPECT_EQ(migrate(db()), 0);
  // A second open of the same database (a restart) applies nothing either.
  auto again = target().open();
  EXPECT_EQ(migrate(*again), 0);
  EXPECT_EQ(static_cast<std::size_t>(
                again->query("SELECT COUNT(*) FROM schema_migrations").at(0).integer(0)),
            migrations().size());
}

TEST_P(MigrationsTest, Migration1DefaultsTlsVerifyToOn) {
  db().execute(
      "INSERT INTO environments (id, name, url, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
      {std::string("e1"), std::string("one"), std::string("tcp://h:2376"),
       std::string("2026-01-01T00:00:00.000Z"), std::string("2026-01-01T00:00:00.000Z")});
  const auto row = db().query("SELECT tls_verify, tls_ca FROM environments WHERE id = 'e1'").at(0);
  EXPECT_EQ(row.integer(0), 1);
  EXPECT_TRUE(row.is_null(1));
}

TEST_P(MigrationsTest, AFailingMigrationLeavesNoTrace) {
  const std::vector<Migration> list = {
      {100, "fine", "CREATE TABLE m_fine (x INTEGER)"},
      {101, "broken", "CREATE TABLE m_partial (x INTEGER); THIS IS NOT SQL"},
      {102, "never reached", "CREATE TABLE m_never (x INTEGER)"},
  };
  EXPECT_THROW(migrate(db(), list), Error);
  const auto versions = db().query("SELECT version FROM schema_migrations WHERE version >= 100");
  ASSERT_EQ(versions.size(), 1U);
  EXPECT_EQ(versions[0].integer(0), 100);
  EXPECT_EQ(db().query("SELECT COUNT(*) FROM m_fine").at(0).integer(0), 0);
  EXPECT_THROW(db().query("SELECT COUNT(*) FROM m_partial"), Error);
  EXPECT_THROW(db().query("SELECT COUNT(*) FROM m_never"), Error);

  // Fixed, it goes on from where it stopped.
  const std::vector<Migration> fixed = {
      list[0], {101, "fixed", "CREATE TABLE m_partial (x INTEGER)"}, list[2]};
  EXPECT_EQ(migrate(db(), fixed), 2);
}

TEST_P(MigrationsTest, RefusesVersionsOutOfOrder) {
  const std::vector<Migration> list = {{201, "b", "CREATE TABLE m_b (x INTEGER)"},
                                       {200, "a", "CREATE TABLE m_a (x INTEGER)"}};
  EXPECT_THROW(migrate(db(), list), Error);
}

TEST_P(MigrationsTest, ConcurrentMigratorsApplyEachMigrationOnce) {
  // Two processes starting together, each with its own connection(s) to a database that has
  // not been migrated yet. A migration applied twice would fail on CREATE TABLE.
  auto fresh = std::make_unique<testing::TestTarget>(GetParam());
  std::vector<std::string> sql(20);
  std::vector<Migration> list;
  for (int v = 1; v <= 20; ++v) {
    sql[static_cast<std::size_t>(v - 1)] =
        "CREATE TABLE race_" + std::to_string(v) + " (x INTEGER)";
    list.push_back({v, "race", sql[static_cast<std::size_t>(v - 1)]});
  }
  auto a = fresh->open_bare();
  auto b = fresh->open_bare();
  int applied_a = -1;
  int applied_b = -1;
  std::string failure;
  std::thread ta([&] {
    try {
      applied_a = migrate(*a, list);
    } catch (const std::exception& e) {
      failure = e.what();
    }
  });
  try {
    applied_b = migrate(*b, list);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
  ta.join();
  EXPECT_EQ(failure, "");
  EXPECT_EQ(applied_a + applied_b, 20);
  EXPECT_EQ(a->query("SELECT COUNT(*) FROM schema_migrations").at(0).integer(0), 20);
  a.reset();
  b.reset();
}

DOKKERR_INSTANTIATE_BACKENDS(MigrationsTest);

}  // namespace
}  // namespace dokkerr::store
