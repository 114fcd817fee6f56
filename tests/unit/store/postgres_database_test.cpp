#include "store/postgres_database.hpp"

#include "core/error.hpp"
#include "unit/store/test_databases.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

// libpqxx 6.4 leaks the PGresult of a statement whose connection broke under it: it asks the
// dead connection for its encoding (which throws) before taking ownership of the result. The
// tests that cut connections on purpose would otherwise fail under LeakSanitizer.
extern "C" const char* __lsan_default_suppressions() {  // NOLINT(bugprone-reserved-identifier)
  return "leak:pqxx::connection_base::exec_params\nleak:pqxx::connection_base::exec\n";
}

namespace dokkerr::store {
namespace {

using namespace std::chrono_literals;

std::string rewrite(std::string_view sql, std::size_t expected_count) {
  std::size_t count = 99;
  std::string out = rewrite_placeholders(sql, &count);
  EXPECT_EQ(count, expected_count) << sql;
  return out;
}

TEST(RewritePlaceholdersTest, NumbersPlaceholdersInOrder) {
  EXPECT_EQ(rewrite("SELECT 1", 0), "SELECT 1");
  EXPECT_EQ(rewrite("INSERT INTO t VALUES (?, ?,?)", 3), "INSERT INTO t VALUES ($1, $2,$3)");
  EXPECT_EQ(rewrite("SELECT * FROM t WHERE a = ? AND b IN (?, ?) LIMIT ?", 4),
            "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3) LIMIT $4");
}

TEST(RewritePlaceholdersTest, LeavesQuotedTextAndCommentsAlone) {
  EXPECT_EQ(rewrite("SELECT '?', ? FROM t", 1), "SELECT '?', $1 FROM t");
  EXPECT_EQ(rewrite("SELECT 'it''s ?', ?", 1), "SELECT 'it''s ?', $1");
  EXPECT_EQ(rewrite("SELECT '', ?, ''''", 1), "SELECT '', $1, ''''");
  EXPECT_EQ(rewrite(R"(SELECT "we?ird" FROM t WHERE x = ?)", 1),
            R"(SELECT "we?ird" FROM t WHERE x = $1)");
  EXPECT_EQ(rewrite("SELECT ? -- why?\n, ?", 2), "SELECT $1 -- why?\n, $2");
  EXPECT_EQ(rewrite("SELECT /* ? */ ?", 1), "SELECT /* ? */ $1");
  EXPECT_EQ(rewrite(R"(SELECT E'\'?', ?)", 1), R"(SELECT E'\'?', $1)");
  // A plain string does not treat a backslash as an escape (standard_conforming_strings).
  EXPECT_EQ(rewrite(R"(SELECT 'a\', ?)", 1), R"(SELECT 'a\', $1)");
  // Unterminated quotes swallow the rest rather than read past the end.
  EXPECT_EQ(rewrite("SELECT '?", 0), "SELECT '?");
  EXPECT_EQ(rewrite("SELECT /* ?", 0), "SELECT /* ?");
}

// The cases below need a server.
class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::postgres_url()) GTEST_SKIP() << testing::kNoPostgres;
    target_ = std::make_unique<testing::TestTarget>(testing::Backend::postgres);
  }
  void TearDown() override { target_.reset(); }
  testing::TestTarget& target() { return *target_; }

 private:
  std::unique_ptr<testing::TestTarget> target_;
};

TEST_F(PostgresTest, ReturnsNumbersAsNumbersAndTheRestAsText) {
  auto db = target().open();
  const auto row = db->query(
                         "SELECT 1::int2, 2::int4, 3::int8, 1.5::float4, 2.5::float8, 'x'::text, "
                         "NULL, true, false, 12.50::numeric, 'Infinity'::float8")
                       .at(0);
  EXPECT_EQ(row.value(0), Value{std::int64_t{1}});
  EXPECT_EQ(row.value(1), Value{std::int64_t{2}});
  EXPECT_EQ(row.value(2), Value{std::int64_t{3}});
  EXPECT_EQ(row.value(3), Value{1.5});
  EXPECT_EQ(row.value(4), Value{2.5});
  EXPECT_EQ(row.value(5), Value{std::string("x")});
  EXPECT_EQ(row.value(6), Value{nullptr});
  EXPECT_EQ(row.value(7), Value{std::int64_t{1}});
  EXPECT_EQ(row.value(8), Value{std::int64_t{0}});
  EXPECT_EQ(row.value(9), Value{std::string("12.50")});
  EXPECT_EQ(row.value(10), Value{std::numeric_limits<double>::infinity()});
}

TEST_F(PostgresTest, AcceptsThePostgresqlSchemeAndPoolParameters) {
  std::string url = target().url();
  url.replace(0, url.find("://"), "postgresql");
  url += (url.find('?') == std::string::npos ? "?" : "&") +
         std::string("pool_size=2&pool_timeout_ms=100");
  auto db = open_database(url, {});
  EXPECT_EQ(db->backend(), "postgres");
  EXPECT_TRUE(db->ping());
}

TEST_F(PostgresTest, WaitingForAFreeConnectionIsBounded) {
  auto db = target().open_bare(PostgresOptions{.pool_size = 1, .acquire_timeout = 200ms});
  std::promise<void> holding;
  std::promise<void> release;
  std::thread holder([&] {
    db->transaction([&](Database& tx) {
      (void)tx.query("SELECT 1");
      holding.set_value();
      release.get_future().wait();
    });
  });
  holding.get_future().wait();
  const auto start = std::chrono::steady_clock::now();
  try {
    (void)db->query("SELECT 1");
    ADD_FAILURE() << "the query did not wait for the held connection";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_EQ(e.code(), "database_unavailable");
  }
  const auto waited = std::chrono::steady_clock::now() - start;
  release.set_value();
  holder.join();
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 2s);
  // Freed, the connection serves the next caller.
  EXPECT_TRUE(db->ping());
}

TEST_F(PostgresTest, ABrokenConnectionIsReplacedOnTheNextUse) {
  auto db = target().open_bare(PostgresOptions{.pool_size = 1});
  const auto before = db->query("SELECT pg_backend_pid()").at(0).integer(0);
  try {
    (void)db->query("SELECT pg_terminate_backend(pg_backend_pid())");
    ADD_FAILURE() << "terminating our own backend did not fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unavailable) << e.internal();
    EXPECT_EQ(e.code(), "database_unavailable");
  }
  const auto after = db->query("SELECT pg_backend_pid()").at(0).integer(0);
  EXPECT_NE(before, after);
}

TEST_F(PostgresTest, ABrokenConnectionInsideATransactionIsReplacedToo) {
  auto db = target().open_bare(PostgresOptions{.pool_size = 1});
  EXPECT_THROW(db->transaction([](Database& tx) {
    (void)tx.query("SELECT pg_terminate_backend(pg_backend_pid())");
  }),
               Error);
  EXPECT_TRUE(db->ping());
}

TEST_F(PostgresTest, OtherThreadsDoNotSeeUncommittedWrites) {
  auto db = target().open();
  db->execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  db->transaction([&](Database& tx) {
    tx.execute("INSERT INTO t (id) VALUES (1)");
    std::int64_t seen = -1;
    std::thread other([&] { seen = db->query("SELECT COUNT(*) FROM t").at(0).integer(0); });
    other.join();
    EXPECT_EQ(seen, 0);
  });
  EXPECT_EQ(db->query("SELECT COUNT(*) FROM t").at(0).integer(0), 1);
}

TEST_F(PostgresTest, RefusesNulInText) {
  auto db = target().open();
  try {
    (void)db->query("SELECT ?", {std::string("a\0b", 3)});
    ADD_FAILURE() << "NUL was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid);
  }
}

}  // namespace
}  // namespace dokkerr::store
