#pragma once
// A fresh, empty database per test, on each backend the suite runs against: SQLite in a temporary
// directory, and PostgreSQL when DOKKERR_TEST_POSTGRES_URL names a server
// (scripts/testenv/postgres.sh). Each PostgreSQL test gets a database of its own, created from a
// connection to the url's database and dropped afterwards, so tests may run in parallel.
#include "core/error.hpp"
#include "store/database.hpp"
#include "store/postgres_database.hpp"
#include "store/sqlite_database.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace dokkerr::store::testing {

enum class Backend { sqlite, postgres };

inline std::string backend_name(Backend b) {
  return b == Backend::sqlite ? "sqlite" : "postgres";
}

// How gtest shows the parameter in test names and messages.
inline void PrintTo(Backend b, std::ostream* os) {
  *os << backend_name(b);
}

inline std::optional<std::string> postgres_url() {
  const char* url = std::getenv("DOKKERR_TEST_POSTGRES_URL");
  if (url == nullptr || *url == '\0') return std::nullopt;
  return std::string(url);
}

inline constexpr const char* kNoPostgres =
    "DOKKERR_TEST_POSTGRES_URL is not set; run scripts/testenv/postgres.sh start and export "
    "DOKKERR_TEST_POSTGRES_URL=$(scripts/testenv/postgres.sh url) to run the PostgreSQL cases";

// A name no other test process uses at the same time.
inline std::string unique_suffix() {
  static std::atomic<unsigned> counter{0};
  std::random_device rd;
  return std::to_string(::getpid()) + "_" + std::to_string(counter.fetch_add(1)) + "_" +
         std::to_string(rd() % 1000000);
}

// url with its database name (the path) replaced.
inline std::string with_database(const std::string& url, const std::string& name) {
  const auto authority = url.find("://") + 3;
  const auto query = url.find('?', authority);
  const auto path = url.find('/', authority);
  std::string out = url.substr(0, path == std::string::npos || path > query ? query : path);
  out += "/" + name;
  if (query != std::string::npos) out += url.substr(query);
  return out;
}

// Runs one maintenance statement, again after a pause when it fails: PostgreSQL refuses
// CREATE/DROP DATABASE now and then while other tests' databases come and go at the same
// moment (template1 busy, catalog locks), which says nothing about the code under test.
inline void maintain(const std::string& maintenance_url, const std::string& sql) {
  for (int attempt = 1;; ++attempt) {
    try {
      auto admin = open_postgres_database(maintenance_url, PostgresOptions{.pool_size = 1});
      admin->execute(sql);
      return;
    } catch (const Error& error) {
      if (attempt == 5) {
        throw std::runtime_error(sql + ": " + error.detail() + " (" + error.internal() + ")");
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
  }
}

// One empty database, removed when the object goes.
class TestTarget {
 public:
  explicit TestTarget(Backend backend) : backend_(backend) {
    if (backend == Backend::sqlite) {
      std::string pattern =
          (std::filesystem::temp_directory_path() / "dokkerr-store-test-XXXXXX").string();
      if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
      dir_ = pattern;
      url_ = "sqlite://" + (dir_ / "test.db").string();  // sqlite:///tmp/…/test.db
      return;
    }
    maintenance_url_ = *postgres_url();
    name_ = "dokkerr_t_" + unique_suffix();
    // Identifiers cannot be parameters; name_ is made of [a-z0-9_] only.
    maintain(maintenance_url_, "CREATE DATABASE " + name_);
    url_ = with_database(maintenance_url_, name_);
  }
  TestTarget(const TestTarget&) = delete;
  TestTarget& operator=(const TestTarget&) = delete;
  ~TestTarget() {
    try {
      if (backend_ == Backend::sqlite) {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
      } else {
        maintain(maintenance_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cleaning up the test database failed: " << e.what();
    }
  }

  [[nodiscard]] Backend backend() const { return backend_; }
  [[nodiscard]] const std::string& url() const { return url_; }
  [[nodiscard]] const std::filesystem::path& data_dir() const { return dir_; }

  // Opens without migrating.
  [[nodiscard]] std::unique_ptr<Database> open_bare(PostgresOptions options = {}) const {
    if (backend_ == Backend::sqlite) return open_sqlite_database(dir_ / "test.db");
    return open_postgres_database(url_, options);
  }
  // Opens and migrates, as the program does.
  [[nodiscard]] std::unique_ptr<Database> open() const { return open_database(url_, dir_); }

 private:
  Backend backend_;
  std::filesystem::path dir_;
  std::string maintenance_url_;
  std::string name_;
  std::string url_;
};

// Base of the tests that run once per backend: db() is a migrated, otherwise empty database.
class BackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::postgres && !postgres_url()) GTEST_SKIP() << kNoPostgres;
    target_ = std::make_unique<TestTarget>(GetParam());
    db_ = target_->open();
  }
  void TearDown() override {
    db_.reset();
    target_.reset();
  }

  Database& db() { return *db_; }
  TestTarget& target() { return *target_; }
  [[nodiscard]] bool is_postgres() const { return GetParam() == Backend::postgres; }

 private:
  std::unique_ptr<TestTarget> target_;
  std::unique_ptr<Database> db_;
};

struct BackendName {
  std::string operator()(const ::testing::TestParamInfo<Backend>& info) const {
    return backend_name(info.param);
  }
};

#define DOKKERR_INSTANTIATE_BACKENDS(Suite)                                                 \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite,                                                 \
                           ::testing::Values(::dokkerr::store::testing::Backend::sqlite,    \
                                             ::dokkerr::store::testing::Backend::postgres), \
                           ::dokkerr::store::testing::BackendName{})

}  // namespace dokkerr::store::testing
