#include "core/error.hpp"
#include "registries/registry_store.hpp"
#include "unit/store/tag_sealer.hpp"
#include "unit/store/test_databases.hpp"

#include <gtest/gtest.h>

namespace dokkerr::registries {
namespace {

using store::testing::TagSealer;

class SqlRegistryStoreTest : public store::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    store_ = make_sql_registry_store(db(), sealer_);
  }
  void TearDown() override {
    store_.reset();
    BackendTest::TearDown();
  }
  static Registry registry(std::string id, std::string org, std::string team, std::string name,
                           std::string created_at = "2026-12-07T00:00:00.000Z") {
    Registry r;
    r.id = std::move(id);
    r.organization_id = std::move(org);
    r.team_id = std::move(team);
    r.name = std::move(name);
    r.address = "registry.example.com";
    r.username = "robot";
    r.password = "hunter2";
    r.created_by = "admin";
    r.created_at = std::move(created_at);
    r.updated_at = r.created_at;
    return r;
  }
  TagSealer sealer_;
  std::unique_ptr<RegistryStore> store_;
};

TEST_P(SqlRegistryStoreTest, KeepsThePasswordSealedUnderItsRegistry) {
  store_->insert(registry("r1", "org-a", "team-a", "private"));
  const auto rows = db().query("SELECT password FROM registries WHERE id = 'r1'");
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].text(0).find("hunter2"), std::string::npos);
  EXPECT_TRUE(sealer_.is_sealed(rows[0].text(0)));
  const auto found = store_->get("r1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->password, "hunter2");
  EXPECT_EQ(found->team_id, "team-a");

  // A sealed password copied to another registry's row does not open there.
  store_->insert(registry("r2", "org-a", "", "other"));
  db().execute("UPDATE registries SET password = ? WHERE id = 'r2'", {rows[0].text(0)});
  EXPECT_THROW((void)store_->get("r2"), Error);
}

TEST_P(SqlRegistryStoreTest, NamesAreUniquePerOrganization) {
  store_->insert(registry("r1", "org-a", "", "hub"));
  store_->insert(registry("r2", "org-b", "", "hub"));
  try {
    store_->insert(registry("r3", "org-a", "team-a", "hub"));
    FAIL() << "a second registry of one name";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), "registry_exists");
  }
  auto renamed = registry("r2", "org-b", "", "hub");
  store_->insert(registry("r4", "org-b", "", "mirror"));
  renamed.id = "r4";
  try {
    store_->update(renamed);
    FAIL() << "renamed onto another's name";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), "registry_exists");
  }
}

TEST_P(SqlRegistryStoreTest, ListsByOrganizationAndFindsByAddressOldestFirst) {
  store_->insert(registry("r1", "org-a", "", "b", "2026-12-07T00:00:02.000Z"));
  store_->insert(registry("r2", "org-a", "team-a", "a", "2026-12-07T00:00:01.000Z"));
  auto elsewhere = registry("r3", "org-b", "", "c");
  elsewhere.address = "127.0.0.1:5000";
  elsewhere.password.clear();
  elsewhere.username.clear();
  store_->insert(elsewhere);

  std::vector<std::string> names;
  for (const auto& r : store_->list(std::set<std::string, std::less<>>{"org-a"}))
    names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(store_->list(std::set<std::string, std::less<>>{}).empty());
  EXPECT_EQ(store_->list(std::nullopt).size(), 3U);

  const auto hub = store_->for_address("registry.example.com");
  ASSERT_EQ(hub.size(), 2U);
  EXPECT_EQ(hub[0].id, "r2");
  const auto local = store_->for_address("127.0.0.1:5000");
  ASSERT_EQ(local.size(), 1U);
  EXPECT_EQ(local[0].password, "");
  EXPECT_EQ(store_->count("org-a"), 2U);

  auto changed = *store_->get("r1");
  changed.insecure = true;
  changed.password.clear();
  store_->update(changed);
  EXPECT_TRUE(store_->get("r1")->insecure);
  EXPECT_EQ(store_->get("r1")->password, "");
  EXPECT_TRUE(store_->remove("r1"));
  EXPECT_FALSE(store_->remove("r1"));
  EXPECT_FALSE(store_->get("r1").has_value());
}

DOKKERR_INSTANTIATE_BACKENDS(SqlRegistryStoreTest);

}  // namespace
}  // namespace dokkerr::registries
