#include "auth/api_key_service.hpp"

#include "auth/opaque_secret.hpp"
#include "core/permissions.hpp"
#include "unit/auth/service_fixture.hpp"

#include <gtest/gtest.h>

namespace dokkerr::auth {
namespace {

using namespace std::chrono_literals;

class ApiKeyServiceTest : public testing::AuthTest {
 protected:
  void SetUp() override {
    add_account("dev", "dora");
    add_account("admin", "root", true);
    add_org("o1", "acme");
    add_team("t1", "o1", "dev");
    add_team("t2", "o1", "ops");
    teams.put_member("t1", "dev", "developer");
    teams.put_member("t2", "dev", "viewer");
    grants.put(users::Grant{"local", "team", "t1", "t"});
    grants.put(users::Grant{"local", "team", "t2", "t"});
  }
  NewApiKey key(std::vector<std::string> scopes, std::optional<std::string> team = {}) {
    return NewApiKey{"ci", std::move(scopes), std::move(team), std::nullopt};
  }
};

TEST_F(ApiKeyServiceTest, CreatesAKeyShownOnceAndStoredHashed) {
  const auto created = run(api_keys.create(as("dev"), key({"containers:read", "images:pull"})));
  EXPECT_TRUE(created.key.starts_with("dk_"));
  EXPECT_EQ(created.record.prefix, created.key.substr(0, 10));
  EXPECT_EQ(created.record.key_hash, secret_hash(created.key));
  EXPECT_EQ(created.record.scopes, (std::vector<std::string>{"containers:read", "images:pull"}));
  EXPECT_EQ(created.record.created_at, clock.stamp());
  const auto listed = run(api_keys.list(as("dev")));
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].id, created.record.id);
  EXPECT_TRUE(run(api_keys.list(as("admin"))).empty()) << "each owner sees their own keys";
}

TEST_F(ApiKeyServiceTest, ScopesStayWithinTheOwnersPermissions) {
  for (const auto& scopes : std::vector<std::vector<std::string>>{
           {"users:manage"}, {"containers:read", "audit:read"}, {"org:manage"}}) {
    EXPECT_EQ(failure(api_keys.create(as("dev"), key(scopes))).code(), "scope_exceeds_permissions");
  }
  EXPECT_EQ(failure(api_keys.create(as("dev"), key({"containers:create"}, "t2"))).code(),
            "scope_exceeds_permissions")
      << "held in t1, not in the bound team";
  EXPECT_EQ(failure(api_keys.create(as("dev"), key({"root"}))).code(), "invalid_scope");
  EXPECT_EQ(failure(api_keys.create(as("dev"), key({}))).code(), "invalid_body");
  EXPECT_EQ(failure(api_keys.create(as("dev"), NewApiKey{"ci", std::nullopt, {}, {}})).code(),
            "invalid_body");
  EXPECT_EQ(
      failure(api_keys.create(as("dev"), NewApiKey{"", key({"containers:read"}).scopes, {}, {}}))
          .code(),
      "invalid_body");
  EXPECT_EQ(failure(api_keys.create(as("dev"), key({"containers:read"}, "t9"))).code(),
            "scope_exceeds_permissions")
      << "a team the owner is not in";
}

TEST_F(ApiKeyServiceTest, KeysCannotMakeKeys) {
  auto caller = std::make_shared<Principal>(*as("dev"));
  caller->api_key_id = "k1";
  EXPECT_EQ(failure(api_keys.create(caller, key({"containers:read"}))).code(), "permission_denied");
}

TEST_F(ApiKeyServiceTest, ATeamBoundKeyActsInThatTeamOnly) {
  const auto created = run(api_keys.create(as("dev"), key({"containers:read"}, "t2")));
  auto principal = std::make_shared<Principal>(*as("dev"));
  api_keys.act_as(created.record, *principal);
  EXPECT_EQ(principal->api_key_id, created.record.id);
  EXPECT_EQ(principal->auth_method, "api_key");
  EXPECT_EQ(principal->team_permissions.size(), 1U);
  EXPECT_TRUE(principal->team_permissions.contains("t2"));
  EXPECT_EQ(principal->environment_teams.at("local"), (std::set<std::string, std::less<>>{"t2"}));
  EXPECT_TRUE(principal->org_permissions.empty());
  EXPECT_TRUE(principal->has_in_team("t2", perm::containers_read));
  EXPECT_FALSE(principal->has_in_team("t1", perm::containers_read));
  EXPECT_FALSE(principal->has(perm::containers_create)) << "outside the scopes";

  auto admin = std::make_shared<Principal>(*as("admin"));
  const auto admin_key = run(api_keys.create(as("admin"), key({"containers:read"}, "t1")));
  api_keys.act_as(admin_key.record, *admin);
  EXPECT_FALSE(admin->is_admin) << "no platform power in a team-bound key";
}

TEST_F(ApiKeyServiceTest, ExpiredRevokedAndUnknownKeysDoNotSignIn) {
  NewApiKey expiring = key({"containers:read"});
  expiring.expires_at = clock.stamp_in(60s);
  const auto created = run(api_keys.create(as("dev"), expiring));
  EXPECT_EQ(api_keys.usable_by_secret(created.key).id, created.record.id);
  clock.advance(60s);
  try {
    api_keys.usable_by_secret(created.key);
    ADD_FAILURE() << "an expired key signed in";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "authentication_required");
    EXPECT_EQ(e.detail(), "This API key expired.");
  }
  NewApiKey past = key({"containers:read"});
  past.expires_at = clock.stamp();
  EXPECT_EQ(failure(api_keys.create(as("dev"), past)).code(), "invalid_body");

  const auto revoked = run(api_keys.create(as("dev"), key({"containers:read"})));
  EXPECT_EQ(failure(api_keys.revoke(as("admin"), revoked.record.id)).code(), "api_key_not_found")
      << "only the owner revokes";
  run(api_keys.revoke(as("dev"), revoked.record.id));
  EXPECT_EQ(failure(api_keys.revoke(as("dev"), revoked.record.id)).code(), "api_key_not_found");
  for (const auto& secret : {revoked.key, std::string("dk_unknown"), std::string("xx")}) {
    try {
      api_keys.usable_by_secret(secret);
      ADD_FAILURE() << secret;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "authentication_required");
    }
  }
  try {
    api_keys.usable_by_id(revoked.record.id);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.detail(), "This API key is revoked.");
  }
}

TEST_F(ApiKeyServiceTest, TheLastUseIsWrittenAtMostOnceAMinute) {
  const auto created = run(api_keys.create(as("dev"), key({"containers:read"})));
  Principal principal;
  for (int i = 0; i < 5; ++i) {
    api_keys.act_as(api_keys.usable_by_secret(created.key), principal);
    clock.advance(10s);
  }
  EXPECT_EQ(api_key_store.touches, 1);
  clock.advance(11s);
  api_keys.act_as(api_keys.usable_by_secret(created.key), principal);
  EXPECT_EQ(api_key_store.touches, 2);
}

TEST_F(ApiKeyServiceTest, AnOwnerHoldsAtMostAHundredKeysThatAreNotRevoked) {
  std::string last;
  for (std::size_t i = 0; i < kMaxApiKeysPerUser; ++i) {
    last = run(api_keys.create(as("dev"), key({"containers:read"}))).record.id;
  }
  EXPECT_EQ(failure(api_keys.create(as("dev"), key({"containers:read"}))).code(),
            "too_many_api_keys");
  run(api_keys.revoke(as("dev"), last));
  run(api_keys.create(as("dev"), key({"containers:read"})));
}

}  // namespace
}  // namespace dokkerr::auth
