#include "containers/ownership_store.hpp"
#include "unit/store/test_databases.hpp"

#include <gtest/gtest.h>

namespace dokkerr::containers {
namespace {

class SqlOwnershipStoreTest : public store::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    store_ = make_sql_ownership_store(db());
  }
  void TearDown() override {
    store_.reset();
    BackendTest::TearDown();
  }
  OwnershipStore& owners() { return *store_; }

 private:
  std::unique_ptr<OwnershipStore> store_;
};

OwnerRecord record(std::string env, ResourceKind kind, std::string id, std::string team,
                   std::string created_at = "2026-01-02T03:04:05.678Z") {
  return OwnerRecord{std::move(env), kind, std::move(id), std::move(team), std::move(created_at)};
}

TEST_P(SqlOwnershipStoreTest, StartsEmpty) {
  EXPECT_EQ(owners().owner("local", ResourceKind::container, "c1"), std::nullopt);
  EXPECT_TRUE(owners().owners("local", ResourceKind::container).empty());
}

TEST_P(SqlOwnershipStoreTest, RecordsAndFindsAnOwner) {
  owners().put(record("local", ResourceKind::container, "c1", "team-a"));
  EXPECT_EQ(owners().owner("local", ResourceKind::container, "c1"), "team-a");
  const auto rows = db().query(
      "SELECT created_at FROM resource_owners WHERE environment_id = 'local' AND kind = "
      "'container' AND resource_id = 'c1'");
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].text(0), "2026-01-02T03:04:05.678Z");
}

TEST_P(SqlOwnershipStoreTest, EnvironmentAndKindKeepRecordsApart) {
  owners().put(record("local", ResourceKind::container, "x", "team-a"));
  owners().put(record("local", ResourceKind::network, "x", "team-b"));
  owners().put(record("env-2", ResourceKind::container, "x", "team-c"));
  EXPECT_EQ(owners().owner("local", ResourceKind::container, "x"), "team-a");
  EXPECT_EQ(owners().owner("local", ResourceKind::network, "x"), "team-b");
  EXPECT_EQ(owners().owner("env-2", ResourceKind::container, "x"), "team-c");
  EXPECT_EQ(owners().owner("local", ResourceKind::volume, "x"), std::nullopt);
}

TEST_P(SqlOwnershipStoreTest, PutReplacesTheOwner) {
  owners().put(record("local", ResourceKind::volume, "data", "team-a"));
  owners().put(record("local", ResourceKind::volume, "data", "team-b", "2026-02-01T00:00:00.000Z"));
  EXPECT_EQ(owners().owner("local", ResourceKind::volume, "data"), "team-b");
  EXPECT_EQ(db().query("SELECT created_at FROM resource_owners").size(), 1U);
  EXPECT_EQ(db().query("SELECT created_at FROM resource_owners").at(0).text(0),
            "2026-02-01T00:00:00.000Z");
}

TEST_P(SqlOwnershipStoreTest, OwnersListsOneKindOfOneEnvironment) {
  owners().put(record("local", ResourceKind::network, "n1", "team-a"));
  owners().put(record("local", ResourceKind::network, "n2", "team-b"));
  owners().put(record("local", ResourceKind::volume, "v1", "team-a"));
  owners().put(record("env-2", ResourceKind::network, "n3", "team-a"));
  EXPECT_EQ(owners().owners("local", ResourceKind::network),
            (OwnerMap{{"n1", "team-a"}, {"n2", "team-b"}}));
}

TEST_P(SqlOwnershipStoreTest, RemoveForgetsOneRecord) {
  owners().put(record("local", ResourceKind::container, "c1", "team-a"));
  owners().put(record("local", ResourceKind::container, "c2", "team-a"));
  owners().remove("local", ResourceKind::container, "c1");
  owners().remove("local", ResourceKind::container, "never-there");
  EXPECT_EQ(owners().owner("local", ResourceKind::container, "c1"), std::nullopt);
  EXPECT_EQ(owners().owner("local", ResourceKind::container, "c2"), "team-a");
}

TEST_P(SqlOwnershipStoreTest, HostileIdsAreData) {
  const std::string id = "x' OR '1'='1; DROP TABLE resource_owners; --";
  owners().put(record("local", ResourceKind::volume, id, "team-a"));
  EXPECT_EQ(owners().owner("local", ResourceKind::volume, id), "team-a");
  EXPECT_EQ(owners().owner("local", ResourceKind::volume, "x"), std::nullopt);
}

DOKKERR_INSTANTIATE_BACKENDS(SqlOwnershipStoreTest);

}  // namespace
}  // namespace dokkerr::containers
