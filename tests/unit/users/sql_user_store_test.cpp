#include "unit/users/sql_fixture.hpp"
#include "users/user_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace dokkerr::users {
namespace {

using namespace std::chrono_literals;
using testing::error_of;

class SqlUserStoreTest : public testing::SqlUsersTest {};

TEST_P(SqlUserStoreTest, InsertsFindsAndCountsAccounts) {
  EXPECT_EQ(users().count(), 0);
  User user;
  user.id = "u1";
  user.username = "Alice";
  user.email = "alice@example.test";
  user.display_name = "Alice A.";
  user.avatar_url = "https://example.test/a.png";
  user.preferences_json = R"({"theme":"dark"})";
  user.password_hash = "$argon2id$hash";
  user.is_admin = true;
  user.created_at = user.updated_at = clock.stamp();
  users().insert(user);
  EXPECT_EQ(users().count(), 1);

  const auto found = users().find("u1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->username, "Alice");
  EXPECT_EQ(found->email, "alice@example.test");
  EXPECT_EQ(found->display_name, "Alice A.");
  EXPECT_EQ(found->avatar_url, "https://example.test/a.png");
  EXPECT_EQ(found->preferences_json, R"({"theme":"dark"})");
  EXPECT_EQ(found->password_hash, std::optional<std::string>("$argon2id$hash"));
  EXPECT_TRUE(found->is_admin);
  EXPECT_FALSE(found->disabled);
  EXPECT_FALSE(found->mfa_enabled);
  EXPECT_EQ(found->last_login_at, std::nullopt);
  EXPECT_EQ(found->created_at, clock.stamp());
  EXPECT_FALSE(users().find("nobody"));

  // Usernames compare case-insensitively, for finding and for uniqueness.
  EXPECT_EQ(users().find_by_username("ALICE")->id, "u1");
  User twin = user;
  twin.id = "u2";
  twin.username = "alice";
  const auto taken = error_of([&] { users().insert(twin); });
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->code(), "username_taken");
  EXPECT_EQ(taken->kind(), ErrorKind::conflict);
}

TEST_P(SqlUserStoreTest, FindsOidcAccountsByIssuerAndSubjectOnly) {
  User user;
  user.id = "o1";
  user.username = "carol";
  user.oidc_provider = "https://idp.example.test";
  user.oidc_subject = "sub-1";
  user.created_at = user.updated_at = clock.stamp();
  users().insert(user);
  EXPECT_EQ(users().find_by_oidc("https://idp.example.test", "sub-1")->id, "o1");
  EXPECT_FALSE(users().find_by_oidc("https://other.example.test", "sub-1"));
  EXPECT_FALSE(users().find_by_oidc("https://idp.example.test", "sub-2"));
  EXPECT_EQ(users().find("o1")->password_hash, std::nullopt);
  User again = user;
  again.id = "o2";
  again.username = "carol-2";
  EXPECT_EQ(error_of([&] { users().insert(again); })->code(), "username_taken");
}

TEST_P(SqlUserStoreTest, ListsPagesByUsernameKey) {
  for (const auto* name : {"delta", "Alpha", "charlie", "bravo"})
    add_user(std::string("id-") + name, name);
  auto page = users().list(2, "");
  ASSERT_EQ(page.size(), 2U);
  EXPECT_EQ(page[0].username, "Alpha");
  EXPECT_EQ(page[1].username, "bravo");
  page = users().list(10, "BRAVO");
  ASSERT_EQ(page.size(), 2U);
  EXPECT_EQ(page[0].username, "charlie");
  EXPECT_EQ(page[1].username, "delta");
  EXPECT_TRUE(users().list(10, "zulu").empty());
}

TEST_P(SqlUserStoreTest, UpdatesStampTheClock) {
  add_user("u1", "alice");
  clock.advance(5s);
  auto user = *users().find("u1");
  user.email = "new@example.test";
  user.display_name = "New";
  user.avatar_url = "a";
  user.preferences_json = "{}";
  user.is_admin = true;  // not a profile field: ignored
  users().update_profile(user);
  auto found = *users().find("u1");
  EXPECT_EQ(found.email, "new@example.test");
  EXPECT_EQ(found.display_name, "New");
  EXPECT_FALSE(found.is_admin);
  EXPECT_EQ(found.updated_at, clock.stamp());
  EXPECT_NE(found.created_at, found.updated_at);

  clock.advance(1s);
  users().set_password_hash("u1", "$argon2id$other");
  users().set_disabled("u1", true);
  users().set_admin("u1", true);
  found = *users().find("u1");
  EXPECT_EQ(found.password_hash, std::optional<std::string>("$argon2id$other"));
  EXPECT_TRUE(found.disabled);
  EXPECT_TRUE(found.is_admin);
  EXPECT_EQ(found.updated_at, clock.stamp());

  clock.advance(1s);
  users().touch_login("u1");
  EXPECT_EQ(users().find("u1")->last_login_at, std::optional<std::string>(clock.stamp()));
}

TEST_P(SqlUserStoreTest, TheSecondFactorAndItsSteps) {
  add_user("u1", "alice");
  users().set_mfa("u1", false, std::string("sealed"));
  auto found = *users().find("u1");
  EXPECT_FALSE(found.mfa_enabled);
  EXPECT_EQ(found.mfa_secret, std::optional<std::string>("sealed"));
  EXPECT_TRUE(users().advance_mfa_step("u1", 100));
  EXPECT_FALSE(users().advance_mfa_step("u1", 100)) << "a step works once";
  EXPECT_FALSE(users().advance_mfa_step("u1", 99)) << "never backwards";
  users().enable_mfa("u1");
  found = *users().find("u1");
  EXPECT_TRUE(found.mfa_enabled);
  EXPECT_EQ(found.mfa_last_step, 100) << "enabling keeps the confirming code's step";
  EXPECT_EQ(found.mfa_secret, std::optional<std::string>("sealed"));
  users().set_mfa("u1", false, std::nullopt);
  found = *users().find("u1");
  EXPECT_FALSE(found.mfa_enabled);
  EXPECT_EQ(found.mfa_secret, std::nullopt);
  EXPECT_EQ(found.mfa_last_step, 0);
}

TEST_P(SqlUserStoreTest, RacingStepsLetExactlyOneThrough) {
  add_user("u1", "alice");
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      if (users().advance_mfa_step("u1", 7)) ++wins;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wins.load(), 1);
}

TEST_P(SqlUserStoreTest, TheFirstAccountIsCreatedOnce) {
  User first;
  first.id = "a1";
  first.username = "admin";
  first.is_admin = true;
  first.created_at = first.updated_at = clock.stamp();
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      User user = first;
      user.id = "a" + std::to_string(t);
      user.username = "admin" + std::to_string(t);
      try {
        if (users().insert_first(user)) ++created;
      } catch (const Error& e) {
        // A racing writer may be told to retry (busy); it never creates a second admin.
        EXPECT_EQ(e.kind(), ErrorKind::unavailable) << e.code();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(users().count(), 1);
  EXPECT_FALSE(users().insert_first(first));
}

TEST_P(SqlUserStoreTest, DeletingAnAccountCascadesToWhatHangsOnIt) {
  add_user("u1", "alice");
  add_user("u2", "bob");
  add_org("o1", "acme");
  add_team("t1", "o1", "dev");
  orgs().put_member("o1", "u1", "admin");
  teams().put_member("t1", "u1", "developer");
  teams().put_member("t1", "u2", "viewer");
  // auth's tables, written here directly: this store must not know them, the schema does.
  const auto now = clock.stamp();
  db().execute(
      "INSERT INTO sessions (id, user_id, auth_method, created_at, last_used_at, expires_at) "
      "VALUES ('s1', 'u1', 'password', ?, ?, ?)",
      {now, now, now});
  db().execute(
      "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES "
      "('h1', 's1', ?, ?)",
      {now, now});
  db().execute(
      "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, created_at) VALUES "
      "('k1', 'u1', 'k', 'dk_', 'kh', '[]', ?)",
      {now});
  db().execute("INSERT INTO recovery_codes (user_id, code_hash) VALUES ('u1', 'c1')");

  EXPECT_TRUE(users().remove("u1"));
  EXPECT_FALSE(users().remove("u1"));
  EXPECT_FALSE(users().find("u1"));
  for (const auto* table : {"sessions", "api_keys", "recovery_codes", "org_members"}) {
    EXPECT_EQ(count(std::string("SELECT COUNT(*) FROM ") + table + " WHERE user_id = 'u1'"), 0)
        << table;
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM refresh_tokens"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM team_members WHERE user_id = 'u1'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM team_members WHERE user_id = 'u2'"), 1) << "others stay";
  EXPECT_TRUE(users().find("u2"));
}

DOKKERR_INSTANTIATE_BACKENDS(SqlUserStoreTest);

}  // namespace
}  // namespace dokkerr::users
