#include "containers/environment_store.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/secret_sealer.hpp"
#include "unit/store/tag_sealer.hpp"
#include "unit/store/test_databases.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace dokkerr::containers {
namespace {

using store::testing::TagSealer;

class SqlEnvironmentStoreTest : public store::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    store_ = make_sql_environment_store(db(), clock_, sealer_);
  }
  void TearDown() override {
    store_.reset();
    BackendTest::TearDown();
  }
  EnvironmentStore& envs() { return *store_; }
  std::string stored_key(const char* id) {
    return db()
        .query("SELECT tls_key FROM environments WHERE id = ?", {std::string(id)})
        .front()
        .text(0);
  }
  ManualClock clock_;
  TagSealer sealer_;

 private:
  std::unique_ptr<EnvironmentStore> store_;
};

EnvironmentRecord record(std::string id, std::string name) {
  EnvironmentRecord r;
  r.id = std::move(id);
  r.name = std::move(name);
  r.url = "tcp://" + r.name + ".example:2376";
  return r;
}

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

bool is_rfc3339(const std::string& s) {
  static const std::regex shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  return std::regex_match(s, shape);
}

TEST_P(SqlEnvironmentStoreTest, StartsEmpty) {
  EXPECT_TRUE(envs().list().empty());
  EXPECT_EQ(envs().find("nope"), std::nullopt);
}

TEST_P(SqlEnvironmentStoreTest, InsertsAndFindsEveryField) {
  EnvironmentRecord r = record("env-1", "prod");
  r.tls_ca = "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n";
  r.tls_cert = "cert 'quoted' ?";
  r.tls_key = "key";
  r.tls_verify = false;
  r.created_at = "2026-01-02T03:04:05.678Z";
  r.updated_at = "2026-01-02T03:04:05.679Z";
  envs().insert(r);

  const auto got = envs().find("env-1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->id, r.id);
  EXPECT_EQ(got->name, r.name);
  EXPECT_EQ(got->url, r.url);
  EXPECT_EQ(got->tls_ca, r.tls_ca);
  EXPECT_EQ(got->tls_cert, r.tls_cert);
  EXPECT_EQ(got->tls_key, r.tls_key);
  EXPECT_FALSE(got->tls_verify);
  EXPECT_EQ(got->created_at, r.created_at);
  EXPECT_EQ(got->updated_at, r.updated_at);
}

TEST_P(SqlEnvironmentStoreTest, StampsTimesAndStoresEmptyTlsAsNull) {
  envs().insert(record("env-1", "dev"));
  const auto got = envs().find("env-1");
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->tls_verify);
  EXPECT_EQ(got->tls_ca, "");
  EXPECT_TRUE(is_rfc3339(got->created_at)) << got->created_at;
  EXPECT_EQ(got->created_at, clock_.stamp());
  EXPECT_EQ(got->created_at, got->updated_at);
  EXPECT_TRUE(db().query("SELECT tls_ca FROM environments WHERE id = 'env-1'").at(0).is_null(0));
}

TEST_P(SqlEnvironmentStoreTest, ListsByName) {
  envs().insert(record("3", "charlie"));
  envs().insert(record("1", "alpha"));
  envs().insert(record("2", "bravo"));
  const auto all = envs().list();
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].name, "alpha");
  EXPECT_EQ(all[1].name, "bravo");
  EXPECT_EQ(all[2].name, "charlie");
  EXPECT_EQ(all[2].id, "3");
}

TEST_P(SqlEnvironmentStoreTest, ADuplicateNameOrIdIsANameConflict) {
  envs().insert(record("1", "alpha"));
  const Error by_name = catch_error([&] { envs().insert(record("2", "alpha")); });
  EXPECT_EQ(by_name.kind(), ErrorKind::conflict);
  EXPECT_EQ(by_name.code(), "environment_name_conflict");
  const Error by_id = catch_error([&] { envs().insert(record("1", "other")); });
  EXPECT_EQ(by_id.kind(), ErrorKind::conflict);
  EXPECT_EQ(by_id.code(), "environment_name_conflict");
  EXPECT_EQ(envs().list().size(), 1U);
}

TEST_P(SqlEnvironmentStoreTest, UpdatesEverythingButIdAndCreatedAt) {
  EnvironmentRecord r = record("1", "alpha");
  r.created_at = "2026-01-01T00:00:00.000Z";
  r.updated_at = "2026-01-01T00:00:00.000Z";
  envs().insert(r);

  EnvironmentRecord changed = r;
  changed.name = "alpha-2";
  changed.url = "tcp://elsewhere:2376";
  changed.tls_ca = "ca";
  changed.tls_verify = false;
  changed.created_at = "1999-01-01T00:00:00.000Z";  // ignored
  changed.updated_at = "";                          // stamped now
  clock_.advance(std::chrono::hours(1));
  envs().update(changed);

  const auto got = envs().find("1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->name, "alpha-2");
  EXPECT_EQ(got->url, "tcp://elsewhere:2376");
  EXPECT_EQ(got->tls_ca, "ca");
  EXPECT_FALSE(got->tls_verify);
  EXPECT_EQ(got->created_at, "2026-01-01T00:00:00.000Z");
  EXPECT_TRUE(is_rfc3339(got->updated_at));
  EXPECT_EQ(got->updated_at, clock_.stamp());

  // Clearing a TLS field stores NULL again.
  changed.tls_ca = "";
  envs().update(changed);
  EXPECT_EQ(envs().find("1")->tls_ca, "");
}

TEST_P(SqlEnvironmentStoreTest, UpdatingAMissingEnvironmentIsNotFound) {
  const Error e = catch_error([&] { envs().update(record("ghost", "ghost")); });
  EXPECT_EQ(e.kind(), ErrorKind::not_found);
  EXPECT_EQ(e.code(), "environment_not_found");
}

TEST_P(SqlEnvironmentStoreTest, RenamingOntoAnotherNameIsAConflict) {
  envs().insert(record("1", "alpha"));
  envs().insert(record("2", "bravo"));
  const Error e = catch_error([&] { envs().update(record("2", "alpha")); });
  EXPECT_EQ(e.kind(), ErrorKind::conflict);
  EXPECT_EQ(e.code(), "environment_name_conflict");
  EXPECT_EQ(envs().find("2")->name, "bravo");
}

TEST_P(SqlEnvironmentStoreTest, Removes) {
  envs().insert(record("1", "alpha"));
  EXPECT_TRUE(envs().remove("1"));
  EXPECT_FALSE(envs().remove("1"));
  EXPECT_EQ(envs().find("1"), std::nullopt);
  // The name is free again.
  EXPECT_NO_THROW(envs().insert(record("1b", "alpha")));
}

TEST_P(SqlEnvironmentStoreTest, TheClientKeyIsSealedAtRestAndBoundToItsEnvironment) {
  EnvironmentRecord r = record("env-1", "prod");
  r.tls_key = "-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n";
  envs().insert(r);
  const auto stored = stored_key("env-1");
  EXPECT_EQ(stored.find("PRIVATE KEY"), std::string::npos) << stored;
  EXPECT_EQ(envs().find("env-1")->tls_key, r.tls_key);

  r.tls_key = "-----BEGIN PRIVATE KEY-----\nnew\n-----END PRIVATE KEY-----\n";
  envs().update(r);
  EXPECT_EQ(stored_key("env-1").find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(envs().find("env-1")->tls_key, r.tls_key);

  // Copied to another environment's row, the sealed key does not open.
  envs().insert(record("env-2", "stage"));
  db().execute("UPDATE environments SET tls_key = ? WHERE id = 'env-2'", {stored_key("env-1")});
  EXPECT_THROW((void)envs().find("env-2"), Error);
}

TEST_P(SqlEnvironmentStoreTest, ClearKeysFromBeforeSealingAreSealedOnce) {
  envs().insert(record("env-1", "prod"));
  envs().insert(record("env-2", "stage"));
  db().execute("UPDATE environments SET tls_key = 'clear key' WHERE id = 'env-1'");
  EXPECT_EQ(envs().find("env-1")->tls_key, "clear key") << "readable before it is sealed";

  EXPECT_EQ(seal_clear_tls_keys(db(), sealer_), 1);
  EXPECT_TRUE(sealer_.is_sealed(stored_key("env-1")));
  EXPECT_EQ(envs().find("env-1")->tls_key, "clear key");
  EXPECT_EQ(envs().find("env-2")->tls_key, "");
  EXPECT_EQ(seal_clear_tls_keys(db(), sealer_), 0) << "nothing left in clear";
}

DOKKERR_INSTANTIATE_BACKENDS(SqlEnvironmentStoreTest);

}  // namespace
}  // namespace dokkerr::containers
