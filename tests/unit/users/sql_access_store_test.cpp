#include "unit/users/sql_fixture.hpp"
#include "users/access_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

namespace dokkerr::users {
namespace {

class SqlAccessStoreTest : public testing::SqlUsersTest {};

// Counts the statements that reach the database.
class CountingDatabase final : public store::Database {
 public:
  explicit CountingDatabase(store::Database& inner) : inner_(inner) {}
  [[nodiscard]] std::string_view backend() const override { return inner_.backend(); }
  std::vector<store::Row> query(std::string_view sql,
                                const std::vector<store::Value>& params) override {
    ++statements;
    return inner_.query(sql, params);
  }
  std::int64_t execute(std::string_view sql, const std::vector<store::Value>& params) override {
    ++statements;
    return inner_.execute(sql, params);
  }
  void transaction(const std::function<void(store::Database&)>& fn) override {
    inner_.transaction(fn);
  }
  bool ping() override { return inner_.ping(); }
  void execute_script(std::string_view sql) override { inner_.execute_script(sql); }

  int statements = 0;

 private:
  store::Database& inner_;
};

TEST_P(SqlAccessStoreTest, NothingForAUserWithoutMemberships) {
  add_user("u1", "alice");
  const auto facts = access().facts_of("u1");
  EXPECT_TRUE(facts.org_roles.empty());
  EXPECT_TRUE(facts.team_roles.empty());
  EXPECT_TRUE(facts.grants.empty());
}

TEST_P(SqlAccessStoreTest, GathersMembershipsCustomRolesAndGrants) {
  add_user("u1", "alice");
  add_user("u2", "bob");
  add_org("o1", "acme");
  add_org("o2", "empty");
  add_org("o3", "other");
  add_team("t1", "o1", "dev");
  add_team("t2", "o1", "ops");
  add_team("t3", "o3", "qa");
  orgs().put_member("o1", "u1", "admin");
  orgs().put_member("o2", "u1", "member");
  orgs().put_member("o3", "u2", "owner");
  orgs().insert_role(CustomRole{"r1", "o3", "ops", {"containers:read"}, "t"});
  teams().put_member("t3", "u1", "role:r1");
  teams().put_member("t1", "u1", "viewer");
  teams().put_member("t2", "u2", "developer");
  teams().put_member("t2", "u1", "role:gone");
  grants().put(Grant{"local", "team", "t1", "t"});
  grants().put(Grant{"edge", "organization", "o3", "t"});

  const auto facts = access().facts_of("u1");
  ASSERT_EQ(facts.org_roles.size(), 2U);
  auto org = [&](const std::string& id) {
    return *std::find_if(facts.org_roles.begin(), facts.org_roles.end(),
                         [&](const auto& r) { return r.org_id == id; });
  };
  EXPECT_EQ(org("o1").role, "admin");
  auto teams_of_o1 = org("o1").team_ids;
  std::sort(teams_of_o1.begin(), teams_of_o1.end());
  EXPECT_EQ(teams_of_o1, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(org("o2").role, "member");
  EXPECT_TRUE(org("o2").team_ids.empty());

  ASSERT_EQ(facts.team_roles.size(), 3U);
  for (const auto& role : facts.team_roles) {
    if (role.team_id == "t1") {
      EXPECT_EQ(role.org_id, "o1");
      EXPECT_EQ(role.role, "viewer");
      EXPECT_FALSE(role.custom);
    } else if (role.team_id == "t3") {
      EXPECT_EQ(role.org_id, "o3");
      ASSERT_TRUE(role.custom);
      EXPECT_EQ(role.custom->org_id, "o3");
      EXPECT_EQ(role.custom->permissions, (std::vector<std::string>{"containers:read"}));
    } else {
      EXPECT_EQ(role.team_id, "t2");
      EXPECT_EQ(role.role, "role:gone");
      EXPECT_FALSE(role.custom) << "a role that no longer exists";
    }
  }
  EXPECT_EQ(facts.grants.size(), 2U);
}

TEST_P(SqlAccessStoreTest, ThreeStatementsHoweverManyMembershipsAndCustomRoles) {
  add_user("u1", "alice");
  for (int o = 0; o < 3; ++o) {
    const auto org = "o" + std::to_string(o);
    add_org(org, "org" + std::to_string(o));
    orgs().put_member(org, "u1", o == 0 ? "admin" : "member");
    orgs().insert_role(CustomRole{"r" + std::to_string(o), org, "ops", {"containers:read"}, "t"});
    for (int t = 0; t < 3; ++t) {
      const auto team = org + "-t" + std::to_string(t);
      add_team(team, org, "team" + std::to_string(t));
      teams().put_member(team, "u1", t == 0 ? "role:r" + std::to_string(o) : "viewer");
      grants().put(Grant{"local", "team", team, "t"});
    }
  }
  CountingDatabase counting(db());
  const auto facts = make_sql_access_store(counting)->facts_of("u1");
  EXPECT_EQ(counting.statements, 3);
  EXPECT_EQ(facts.org_roles.size(), 3U);
  EXPECT_EQ(facts.team_roles.size(), 9U);
  EXPECT_EQ(facts.grants.size(), 9U);
}

DOKKERR_INSTANTIATE_BACKENDS(SqlAccessStoreTest);

}  // namespace
}  // namespace dokkerr::users
