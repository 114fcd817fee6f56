#include "users/user_service.hpp"

#include "core/permissions.hpp"
#include "unit/users/service_fixture.hpp"
#include "users/username.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace dokkerr::users {
namespace {

using namespace std::chrono_literals;

class UserServiceTest : public testing::ServiceTest {
 protected:
  void SetUp() override {
    add_user("admin", "root", true);
    add_user("u1", "alice");
  }
  UserService service{users, revoker, hasher, clock, pool};
};

TEST_F(UserServiceTest, CreatesAccountsWithAHashedPassword) {
  NewUser request{"Carol", "correct horse battery", std::string("carol@example.test"), {}, {},
                  false};
  const auto user = run(service.create(request));
  EXPECT_EQ(user.username, "Carol");
  EXPECT_EQ(user.email, "carol@example.test");
  EXPECT_EQ(user.created_at, clock.stamp());
  ASSERT_TRUE(user.password_hash);
  EXPECT_EQ(verify_password("correct horse battery", *user.password_hash, testing::kFastArgon2),
            PasswordCheck::match);
  EXPECT_TRUE(users.find_by_username("carol"));
}

TEST_F(UserServiceTest, RefusesBadNamesWeakPasswordsLongTextAndTakenNames) {
  auto create = [&](std::string username, std::string password, std::string email = "") {
    return failure(service.create(
        NewUser{std::move(username), std::move(password), std::move(email), {}, {}, false}));
  };
  EXPECT_EQ(create("bad name", "correct horse battery").code(), "invalid_username");
  EXPECT_EQ(create("-dash", "correct horse battery").code(), "invalid_username");
  EXPECT_EQ(create("dave", "short").code(), "password_too_short");
  EXPECT_EQ(create("dave", "password1234").code(), "common_password");
  EXPECT_EQ(create("dave", "correct horse battery", std::string(513, 'e')).code(), "invalid_body");
  EXPECT_EQ(create("ALICE", "correct horse battery").code(), "username_taken");
  EXPECT_FALSE(users.find_by_username("dave"));
}

TEST_F(UserServiceTest, ListsInPagesWithACursor) {
  add_user("u2", "bob");
  add_user("u3", "Chuck");
  auto page = run(service.list(2, ""));
  ASSERT_EQ(page.items.size(), 2U);
  EXPECT_EQ(page.items[0].username, "alice");
  EXPECT_EQ(page.items[1].username, "bob");
  ASSERT_TRUE(page.next_cursor);
  EXPECT_EQ(*page.next_cursor, "bob");
  page = run(service.list(2, *page.next_cursor));
  ASSERT_EQ(page.items.size(), 2U);
  EXPECT_EQ(page.items[0].username, "Chuck");
  EXPECT_EQ(page.items[1].username, "root");
  EXPECT_FALSE(page.next_cursor) << "nothing follows";
}

TEST_F(UserServiceTest, UnknownAccountsAre404) {
  EXPECT_EQ(failure(service.get("nobody")).code(), "user_not_found");
  EXPECT_EQ(failure(service.update(as("admin"), "nobody", {})).code(), "user_not_found");
  EXPECT_EQ(failure(service.remove(as("admin"), "nobody")).code(), "user_not_found");
}

TEST_F(UserServiceTest, DisablingOrChangingTheAdminFlagEndsTheSessions) {
  clock.advance(1s);
  UserChanges changes;
  changes.display_name = "Alice A.";
  auto user = run(service.update(as("admin"), "u1", changes));
  EXPECT_EQ(user.display_name, "Alice A.");
  EXPECT_EQ(user.updated_at, clock.stamp());
  EXPECT_TRUE(revoker.calls.empty()) << "a profile edit signs nobody out";

  changes = {};
  changes.disabled = true;
  user = run(service.update(as("admin"), "u1", changes));
  EXPECT_TRUE(user.disabled);
  ASSERT_EQ(revoker.calls.size(), 1U);
  EXPECT_EQ(revoker.calls[0].user_id, "u1");
  EXPECT_EQ(revoker.calls[0].reason, "disabled");

  changes = {};
  changes.disabled = false;
  changes.is_admin = true;
  user = run(service.update(as("admin"), "u1", changes));
  EXPECT_FALSE(user.disabled);
  EXPECT_TRUE(user.is_admin);
  ASSERT_EQ(revoker.calls.size(), 2U) << "enabling again ends nothing; the promotion does";
  EXPECT_EQ(revoker.calls[1].reason, "role_change");

  run(service.update(as("admin"), "u1", changes));
  EXPECT_EQ(revoker.calls.size(), 2U) << "no change, no sign-out";
}

TEST_F(UserServiceTest, AdminsCannotDemoteDisableOrDeleteThemselves) {
  UserChanges demote;
  demote.is_admin = false;
  EXPECT_EQ(failure(service.update(as("admin"), "admin", demote)).code(), "cannot_demote_self");
  UserChanges disable;
  disable.disabled = true;
  EXPECT_EQ(failure(service.update(as("admin"), "admin", disable)).code(), "cannot_demote_self");
  EXPECT_EQ(failure(service.remove(as("admin"), "admin")).code(), "cannot_delete_self");
  EXPECT_TRUE(users.find("admin")->is_admin);
  UserChanges rename;
  rename.display_name = "The Admin";
  EXPECT_EQ(run(service.update(as("admin"), "admin", rename)).display_name, "The Admin");
}

TEST_F(UserServiceTest, DeletingAnAccountTakesItsMemberships) {
  add_org("o1", "acme");
  add_team("t1", "o1", "dev");
  teams.put_member("t1", "u1", "developer");
  run(service.remove(as("admin"), "u1"));
  EXPECT_FALSE(users.find("u1"));
  EXPECT_TRUE(teams.members("t1").empty());
}

TEST_F(UserServiceTest, TheOwnProfileChangesOnlyWhatAPersonMayChange) {
  ProfileChanges changes;
  changes.email = "alice@example.test";
  changes.preferences = boost::json::parse(R"({"theme":"dark","lang":"en"})").as_object();
  const auto user = run(service.update_me(as("u1"), changes));
  EXPECT_EQ(user.email, "alice@example.test");
  EXPECT_EQ(user.preferences_json, R"({"theme":"dark","lang":"en"})");
  EXPECT_FALSE(user.is_admin);
  EXPECT_EQ(run(service.me(as("u1"))).email, "alice@example.test");
}

TEST_F(UserServiceTest, PreferencesAreBoundedAndTheThemeIsKnown) {
  ProfileChanges changes;
  changes.preferences = boost::json::parse(R"({"theme":"neon"})").as_object();
  EXPECT_EQ(failure(service.update_me(as("u1"), changes)).code(), "invalid_body");
  changes.preferences = boost::json::parse(R"({"theme":1})").as_object();
  EXPECT_EQ(failure(service.update_me(as("u1"), changes)).code(), "invalid_body");
  boost::json::object big;
  big["blob"] = std::string(16 * 1024, 'x');
  changes.preferences = big;
  EXPECT_EQ(failure(service.update_me(as("u1"), changes)).code(), "invalid_body");
  EXPECT_EQ(users.find("u1")->preferences_json, "{}");
}

TEST_F(UserServiceTest, PermissionsStayWithinAnApiKeysScopes) {
  Principal caller;
  caller.user_id = "u1";
  caller.team_permissions["t1"] = {"containers:read", "containers:create"};
  caller.org_permissions["o1"] = {"org:manage"};
  caller.environment_teams["local"] = {"t1"};
  auto seen = UserService::permissions(caller);
  EXPECT_TRUE(seen.platform.empty());
  EXPECT_EQ(seen.teams.at("t1"),
            (std::vector<std::string>{"containers:create", "containers:read"}));
  EXPECT_EQ(seen.environments.at("local"), (std::vector<std::string>{"t1"}));
  EXPECT_FALSE(seen.scopes);

  caller.is_admin = true;
  caller.scopes = PermissionSet{"containers:read", "users:manage"};
  seen = UserService::permissions(caller);
  EXPECT_EQ(seen.platform, (std::vector<std::string>{"containers:read", "users:manage"}));
  EXPECT_EQ(seen.teams.at("t1"), (std::vector<std::string>{"containers:read"}));
  EXPECT_TRUE(seen.organizations.at("o1").empty());
  EXPECT_EQ(*seen.scopes, (std::vector<std::string>{"containers:read", "users:manage"}));
}

}  // namespace
}  // namespace dokkerr::users
