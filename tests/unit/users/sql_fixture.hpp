#pragma once
// The users domain's SQL stores on a fresh database of each backend, with small helpers that
// make the rows a test needs.
#include "core/clock.hpp"
#include "core/error.hpp"
#include "unit/store/test_databases.hpp"
#include "unit/users/refusal.hpp"
#include "users/access_store.hpp"
#include "users/grant_store.hpp"
#include "users/organization_store.hpp"
#include "users/team_store.hpp"
#include "users/user_store.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <regex>
#include <string>

namespace dokkerr::users::testing {

class SqlUsersTest : public store::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    users_ = make_sql_user_store(db(), clock);
    orgs_ = make_sql_organization_store(db());
    teams_ = make_sql_team_store(db());
    grants_ = make_sql_grant_store(db());
    access_ = make_sql_access_store(db());
  }
  void TearDown() override {
    users_.reset();
    orgs_.reset();
    teams_.reset();
    grants_.reset();
    access_.reset();
    BackendTest::TearDown();
  }

  UserStore& users() { return *users_; }
  OrganizationStore& orgs() { return *orgs_; }
  TeamStore& teams() { return *teams_; }
  GrantStore& grants() { return *grants_; }
  AccessStore& access() { return *access_; }

  User add_user(const std::string& id, const std::string& username) {
    User user;
    user.id = id;
    user.username = username;
    user.password_hash = "$argon2id$fake";
    user.created_at = user.updated_at = clock.stamp();
    users().insert(user);
    return user;
  }
  Organization add_org(const std::string& id, const std::string& name) {
    Organization org{id, name, "", clock.stamp()};
    orgs().insert(org);
    return org;
  }
  Team add_team(const std::string& id, const std::string& org_id, const std::string& name) {
    Team team{id, org_id, name, "{}", clock.stamp()};
    teams().insert(team);
    return team;
  }

  std::int64_t count(const std::string& sql) { return db().query(sql).at(0).integer(0); }

  ManualClock clock;

 private:
  std::unique_ptr<UserStore> users_;
  std::unique_ptr<OrganizationStore> orgs_;
  std::unique_ptr<TeamStore> teams_;
  std::unique_ptr<GrantStore> grants_;
  std::unique_ptr<AccessStore> access_;
};

inline bool is_stamp(const std::string& s) {
  static const std::regex shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  return std::regex_match(s, shape);
}

}  // namespace dokkerr::users::testing
