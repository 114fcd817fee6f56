#include "store/database.hpp"

#include "core/error.hpp"
#include "unit/store/test_databases.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace dokkerr::store {
namespace {

using testing::BackendTest;

class DatabaseTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    db().execute(
        "CREATE TABLE vals (id INTEGER PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, s TEXT)");
  }

  std::int64_t count(std::string_view table) {
    return db().query("SELECT COUNT(*) FROM " + std::string(table)).at(0).integer(0);
  }
};

template <typename Fn>
Error catch_error(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected a dokkerr::Error";
  return Error::internal_error("no error");
}

TEST_P(DatabaseTest, ReportsItsBackend) {
  EXPECT_EQ(db().backend(), testing::backend_name(GetParam()));
  EXPECT_TRUE(db().ping());
}

TEST_P(DatabaseTest, BindsEveryValueTypeAndReadsItBack) {
  const std::string tricky = "it's a \"quoted\" ? string; -- not a comment /* nor this */ $1";
  const std::string unicode = "\xC5\xBC\xC3\xB3\xC5\x82w \xF0\x9F\x90\xA2 back\\slash ?? ''";
  const std::vector<std::vector<Value>> rows = {
      {std::int64_t{1}, std::numeric_limits<std::int64_t>::min(), -0.5, tricky},
      {std::int64_t{2}, std::numeric_limits<std::int64_t>::max(), 1e300, std::string("?")},
      {std::int64_t{3}, std::int64_t{0}, 3.141592653589793, std::string()},
      {std::int64_t{4}, nullptr, nullptr, nullptr},
      {std::int64_t{5}, std::int64_t{-42}, 0.1, unicode},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(db().execute("INSERT INTO vals (id, i, d, s) VALUES (?, ?, ?, ?)", r), 1);
  }

  const auto got = db().query("SELECT id, i, d, s FROM vals ORDER BY id");
  ASSERT_EQ(got.size(), rows.size());
  for (std::size_t n = 0; n < rows.size(); ++n) {
    SCOPED_TRACE("row " + std::to_string(n + 1));
    ASSERT_EQ(got[n].size(), 4U);
    for (std::size_t c = 0; c < 4; ++c) EXPECT_EQ(got[n].value(c), rows[n][c]) << "column " << c;
  }
  // Empty text is not NULL.
  EXPECT_FALSE(got[2].is_null(3));
  EXPECT_EQ(got[2].optional_text(3), std::optional<std::string>(""));
  // NULL reads as the documented defaults.
  EXPECT_TRUE(got[3].is_null(1));
  EXPECT_EQ(got[3].text(3), "");
  EXPECT_EQ(got[3].optional_text(3), std::nullopt);
  EXPECT_EQ(got[3].integer(1), 0);
  // Accessors convert between representations.
  EXPECT_EQ(got[4].text(1), "-42");
  EXPECT_EQ(got[4].text(2), "0.1");
  EXPECT_EQ(got[0].integer(1), std::numeric_limits<std::int64_t>::min());
}

TEST_P(DatabaseTest, StoresBytesIncludingNulAndHighBytesInABinaryColumn) {
  db().execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BYTEA NOT NULL)");
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  const std::vector<std::string> values{all_bytes, std::string(), std::string("\\x00", 4),
                                        std::string(3, '\0')};
  for (std::size_t i = 0; i < values.size(); ++i) {
    db().execute("INSERT INTO blobs (id, data) VALUES (?, ?)",
                 {static_cast<std::int64_t>(i), Bytes{values[i]}});
  }
  const auto got = db().query("SELECT data FROM blobs ORDER BY id");
  ASSERT_EQ(got.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(got[i].text(0), values[i]) << i;
  // Bytes are no integer.
  EXPECT_EQ(catch_error([&] { (void)Row({Bytes{"1"}}).integer(0); }).kind(), ErrorKind::internal);
}

TEST_P(DatabaseTest, MatchesParametersHoldingQuotesAndQuestionMarks) {
  const std::string tricky = "O'Brien said \"?\" -- twice; ?";
  db().execute("INSERT INTO vals (id, s) VALUES (?, ?)", {std::int64_t{1}, tricky});
  db().execute("INSERT INTO vals (id, s) VALUES (?, ?)", {std::int64_t{2}, std::string("'?'")});
  // Literal question marks, in strings and comments, are not placeholders.
  const auto rows =
      db().query("SELECT id, '?' AS q FROM vals /* ? */ WHERE s = ? AND '?''?' = '?''?' AND id > ?",
                 {tricky, std::int64_t{0}});
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].integer(0), 1);
  EXPECT_EQ(rows[0].text(1), "?");
  EXPECT_EQ(db().query("SELECT id FROM vals WHERE s = ?", {std::string("'?'")}).at(0).integer(0),
            2);
  // An injected statement stays a value.
  const std::string injection = "x'); DROP TABLE vals; --";
  db().execute("INSERT INTO vals (id, s) VALUES (?, ?)", {std::int64_t{3}, injection});
  EXPECT_EQ(db().query("SELECT s FROM vals WHERE id = 3").at(0).text(0), injection);
  EXPECT_EQ(count("vals"), 3);
}

TEST_P(DatabaseTest, IntegerReadsWorkOnEveryBackend) {
  db().execute("INSERT INTO vals (id, i) VALUES (1, 10), (2, 32)");
  // A bare parameter comes back as text on PostgreSQL and as an integer on SQLite.
  EXPECT_EQ(db().query("SELECT ?", {std::int64_t{7}}).at(0).integer(0), 7);
  EXPECT_EQ(db().query("SELECT COUNT(*) FROM vals").at(0).integer(0), 2);
  // SUM of BIGINT is NUMERIC on PostgreSQL.
  EXPECT_EQ(db().query("SELECT SUM(i) FROM vals").at(0).integer(0), 42);
  EXPECT_EQ(db().query("SELECT i FROM vals WHERE id = ?", {std::int64_t{2}}).at(0).value(0),
            Value{std::int64_t{32}});
}

TEST_P(DatabaseTest, RefusesAMismatchedParameterCount) {
  const Error e = catch_error([&] { db().query("SELECT id FROM vals WHERE id = ?", {}); });
  EXPECT_EQ(e.kind(), ErrorKind::internal);
  const Error e2 = catch_error([&] {
    db().query("SELECT id FROM vals WHERE id = ?", {std::int64_t{1}, std::int64_t{2}});
  });
  EXPECT_EQ(e2.kind(), ErrorKind::internal);
}

TEST_P(DatabaseTest, RefusesSeveralStatementsInOneCall) {
  const Error e = catch_error(
      [&] { db().execute("INSERT INTO vals (id) VALUES (1); INSERT INTO vals (id) VALUES (2)"); });
  EXPECT_EQ(e.kind(), ErrorKind::internal);
  EXPECT_EQ(count("vals"), 0);
}

TEST_P(DatabaseTest, ReportsBadSqlAsInternalWithTheReasonInInternal) {
  const Error e = catch_error([&] { db().query("SELEKT nothing"); });
  EXPECT_EQ(e.kind(), ErrorKind::internal);
  EXPECT_EQ(e.code(), "internal");
  EXPECT_NE(e.internal().find("SELEKT"), std::string::npos) << e.internal();
}

TEST_P(DatabaseTest, ExecuteReturnsAffectedRows) {
  EXPECT_EQ(db().execute("INSERT INTO vals (id, i) VALUES (1, 1), (2, 1), (3, 2)"), 3);
  EXPECT_EQ(db().execute("UPDATE vals SET s = ? WHERE i = ?", {std::string("x"), std::int64_t{1}}),
            2);
  EXPECT_EQ(db().execute("DELETE FROM vals WHERE id = ?", {std::int64_t{99}}), 0);
  EXPECT_EQ(db().execute("DELETE FROM vals"), 3);
}

TEST_P(DatabaseTest, ExecuteScriptRunsSeveralStatements) {
  db().execute_script(
      "CREATE TABLE a (x INTEGER); INSERT INTO a (x) VALUES (1); INSERT INTO a (x) VALUES (2);");
  EXPECT_EQ(count("a"), 2);
}

TEST_P(DatabaseTest, TransactionCommits) {
  db().transaction([](Database& tx) {
    tx.execute("INSERT INTO vals (id) VALUES (?)", {std::int64_t{1}});
    tx.execute("INSERT INTO vals (id) VALUES (?)", {std::int64_t{2}});
    EXPECT_EQ(tx.query("SELECT COUNT(*) FROM vals").at(0).integer(0), 2);
  });
  EXPECT_EQ(count("vals"), 2);
}

TEST_P(DatabaseTest, TransactionRollsBackAndRethrowsTheSameException) {
  EXPECT_THROW(db().transaction([](Database& tx) {
    tx.execute("INSERT INTO vals (id) VALUES (1)");
    throw std::logic_error("boom");
  }),
               std::logic_error);
  EXPECT_EQ(count("vals"), 0);
  // And the database is usable afterwards.
  db().execute("INSERT INTO vals (id) VALUES (1)");
  EXPECT_EQ(count("vals"), 1);
}

TEST_P(DatabaseTest, NestedTransactionsJoinTheOuterOne) {
  EXPECT_THROW(db().transaction([](Database& tx) {
    tx.execute("INSERT INTO vals (id) VALUES (1)");
    tx.transaction([](Database& inner) { inner.execute("INSERT INTO vals (id) VALUES (2)"); });
    // The inner one is not committed on its own: the outer failure undoes it too.
    throw std::runtime_error("outer fails");
  }),
               std::runtime_error);
  EXPECT_EQ(count("vals"), 0);

  db().transaction([](Database& tx) {
    tx.execute("INSERT INTO vals (id) VALUES (1)");
    tx.transaction([](Database& inner) {
      inner.execute("INSERT INTO vals (id) VALUES (2)");
      inner.transaction([](Database& innermost) {
        EXPECT_EQ(innermost.query("SELECT COUNT(*) FROM vals").at(0).integer(0), 2);
      });
    });
  });
  EXPECT_EQ(count("vals"), 2);
}

TEST_P(DatabaseTest, CallsOnTheOuterObjectFromInsideATransactionJoinIt) {
  Database& outer = db();
  EXPECT_THROW(outer.transaction([&](Database& tx) {
    tx.execute("INSERT INTO vals (id) VALUES (1)");
    // Same thread, outer object: sees the uncommitted row and writes into the same transaction.
    EXPECT_EQ(outer.query("SELECT COUNT(*) FROM vals").at(0).integer(0), 1);
    outer.execute("INSERT INTO vals (id) VALUES (2)");
    outer.transaction([](Database& nested) { nested.execute("INSERT INTO vals (id) VALUES (3)"); });
    throw std::runtime_error("undo all three");
  }),
               std::runtime_error);
  EXPECT_EQ(count("vals"), 0);
}

TEST_P(DatabaseTest, UniqueViolationIsAConflict) {
  db().execute("INSERT INTO vals (id, s) VALUES (1, 'a')");
  const Error e = catch_error([&] { db().execute("INSERT INTO vals (id, s) VALUES (1, 'b')"); });
  EXPECT_EQ(e.kind(), ErrorKind::conflict);
  EXPECT_EQ(e.code(), "unique_violation");

  db().execute("CREATE TABLE named (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
  db().execute("INSERT INTO named (id, name) VALUES ('1', 'x')");
  const Error e2 =
      catch_error([&] { db().execute("INSERT INTO named (id, name) VALUES ('2', 'x')"); });
  EXPECT_EQ(e2.code(), "unique_violation");
  EXPECT_EQ(db().query("SELECT s FROM vals WHERE id = 1").at(0).text(0), "a");
}

TEST_P(DatabaseTest, UniqueViolationInsideATransactionRollsItBack) {
  db().execute("INSERT INTO vals (id) VALUES (1)");
  const Error e = catch_error([&] {
    db().transaction([](Database& tx) {
      tx.execute("INSERT INTO vals (id) VALUES (2)");
      tx.execute("INSERT INTO vals (id) VALUES (1)");
    });
  });
  EXPECT_EQ(e.code(), "unique_violation");
  EXPECT_EQ(count("vals"), 1);
}

TEST_P(DatabaseTest, ForeignKeysAreEnforced) {
  db().execute("CREATE TABLE parent (id TEXT PRIMARY KEY)");
  db().execute(
      "CREATE TABLE child (id TEXT PRIMARY KEY, parent_id TEXT NOT NULL REFERENCES parent (id))");
  const Error e =
      catch_error([&] { db().execute("INSERT INTO child (id, parent_id) VALUES ('c', 'none')"); });
  EXPECT_EQ(e.kind(), ErrorKind::conflict);
  EXPECT_EQ(e.code(), "foreign_key_violation");
}

TEST_P(DatabaseTest, ServesSeveralThreadsAtOnce) {
  db().execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)");
  db().execute("INSERT INTO counter (id, n) VALUES (1, 0)");
  constexpr int kThreads = 8;
  constexpr int kIterations = 25;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIterations; ++i) {
        try {
          const std::int64_t id = t * 1000 + i;
          db().transaction([&](Database& tx) {
            tx.execute("INSERT INTO vals (id, i, s) VALUES (?, ?, ?)",
                       {id, std::int64_t{t}, "thread " + std::to_string(t)});
            tx.execute("UPDATE counter SET n = n + 1 WHERE id = 1");
          });
          const auto rows = db().query("SELECT i FROM vals WHERE id = ?", {id});
          if (rows.size() != 1 || rows[0].integer(0) != t) ++failures;
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(count("vals"), kThreads * kIterations);
  EXPECT_EQ(db().query("SELECT n FROM counter WHERE id = 1").at(0).integer(0),
            kThreads * kIterations);
}

DOKKERR_INSTANTIATE_BACKENDS(DatabaseTest);

// Row on its own, no database needed.
TEST(RowTest, ConvertsBetweenRepresentations) {
  const Row row({nullptr, std::int64_t{-7}, 2.5, std::string("123"), std::string("12.000"),
                 std::string("abc"), 1e30});
  EXPECT_TRUE(row.is_null(0));
  EXPECT_EQ(row.integer(0), 0);
  EXPECT_EQ(row.text(1), "-7");
  EXPECT_EQ(row.text(2), "2.5");
  EXPECT_EQ(row.integer(2), 2);
  EXPECT_EQ(row.integer(3), 123);
  EXPECT_EQ(row.integer(4), 12);
  EXPECT_THROW((void)row.integer(5), Error);
  EXPECT_THROW((void)row.integer(6), Error);
  EXPECT_THROW((void)row.value(7), std::out_of_range);
}

}  // namespace
}  // namespace dokkerr::store
