#include "users/user_json.hpp"

#include "core/error.hpp"
#include "unit/users/refusal.hpp"
#include "users/grant_json.hpp"
#include "users/membership_json.hpp"
#include "users/organization_json.hpp"
#include "users/team_json.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace dokkerr::users {
namespace {

using testing::refusal;

TEST(UserJson, ShowsNeitherTheHashNorTheSecondFactorNorTheOidcSubject) {
  User user;
  user.id = "u1";
  user.username = "alice";
  user.preferences_json = R"({"theme":"dark"})";
  user.password_hash = "$argon2id$secret-hash";
  user.mfa_secret = "sealed-secret";
  user.oidc_provider = "https://idp.example.test";
  user.oidc_subject = "subject-123";
  user.created_at = user.updated_at = "2026-01-01T00:00:00.000Z";
  const auto text = user_json(user);
  for (const auto* secret : {"secret-hash", "sealed-secret", "subject-123", "idp.example"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
  }
  const auto object = boost::json::parse(text).as_object();
  EXPECT_EQ(object.at("auth_source"), "oidc");
  EXPECT_EQ(object.at("preferences").at("theme"), "dark");
  EXPECT_TRUE(object.at("last_login_at").is_null());
  EXPECT_EQ(object.size(), 13U);
}

TEST(UserJson, MassAssignmentIsRefused) {
  // A person's own profile never takes role, state or credential fields.
  for (const auto* body :
       {R"({"is_admin":true})", R"({"disabled":false})", R"({"password_hash":"x"})",
        R"({"username":"root"})", R"({"mfa_enabled":false})", R"({"email":"a","role":"owner"})"}) {
    EXPECT_EQ(refusal([&] { parse_profile_changes(body); }), "unknown_field") << body;
  }
  EXPECT_EQ(refusal([&] { parse_user_changes(R"({"password":"x"})"); }), "unknown_field");
  EXPECT_EQ(refusal([&] { parse_new_user(R"({"username":"a","password":"b","id":"u9"})"); }),
            "unknown_field");
  EXPECT_EQ(refusal([&] { parse_member_role(R"({"role":"admin","user_id":"u"})"); }),
            "unknown_field");
  EXPECT_EQ(refusal([&] { parse_new_team(R"({"org_id":"o","name":"n","policy":{}})"); }),
            "unknown_field");
  EXPECT_EQ(refusal([&] { parse_new_grant(R"({"grantee_type":"team","grantee_id":"t","x":1})"); }),
            "unknown_field");
}

TEST(UserJson, WrongTypesAndMissingFieldsNameTheField) {
  EXPECT_EQ(refusal([&] { parse_new_user(R"({"username":"a"})"); }), "invalid_body");
  EXPECT_EQ(refusal([&] { parse_new_user(R"({"username":1,"password":"b"})"); }), "invalid_body");
  EXPECT_EQ(refusal([&] { parse_new_user(R"({"username":"a","password":"b","is_admin":"yes"})"); }),
            "invalid_body");
  EXPECT_EQ(refusal([&] { parse_user_changes(R"({"disabled":1})"); }), "invalid_body");
  EXPECT_EQ(refusal([&] { parse_profile_changes(R"({"preferences":"dark"})"); }), "invalid_body");
  EXPECT_EQ(refusal([&] { parse_profile_changes(R"({"preferences":null})"); }), "invalid_body");
  EXPECT_EQ(refusal([&] { parse_profile_changes("[]"); }), "invalid_body");
  EXPECT_EQ(refusal([&] { parse_profile_changes("{"); }), "invalid_json");
  EXPECT_EQ(refusal([&] { parse_member_role("{}"); }), "invalid_body");
  EXPECT_EQ(refusal([&] { parse_new_grant(R"({"grantee_type":"team"})"); }), "invalid_body");
  EXPECT_EQ(refusal([&] { parse_new_role(R"({"name":"r","permissions":"containers:read"})"); }),
            "invalid_body");
  EXPECT_EQ(refusal([&] { parse_new_role(R"({"name":"r","permissions":[1]})"); }),
            "invalid_permission");
  EXPECT_EQ(refusal([&] { parse_team_policy(R"({"allow_everything":true})"); }), "invalid_policy");
}

TEST(UserJson, TakesWhatEachRouteOffers) {
  const auto created = parse_new_user(
      R"({"username":"a","password":"b","email":"e","display_name":"d","avatar_url":"u","is_admin":true})");
  EXPECT_EQ(created.username, "a");
  EXPECT_EQ(created.password, "b");
  EXPECT_EQ(created.email, std::optional<std::string>("e"));
  EXPECT_TRUE(created.is_admin);
  const auto changes = parse_user_changes(R"({"disabled":true,"email":null})");
  EXPECT_EQ(changes.disabled, std::optional<bool>(true));
  EXPECT_FALSE(changes.email) << "null leaves a field as it is";
  const auto profile = parse_profile_changes(R"({"preferences":{"theme":"light"}})");
  ASSERT_TRUE(profile.preferences);
  EXPECT_EQ(profile.preferences->at("theme"), "light");
  const auto role = parse_new_role(R"({"name":"r","permissions":["containers:read"]})");
  EXPECT_EQ(*role.permissions, (std::vector<std::string>{"containers:read"}));
  EXPECT_FALSE(parse_new_role(R"({"name":"r"})").permissions);
}

TEST(UserJson, ThePolicyDocumentEscapesTheTeamId) {
  TeamPolicy policy{"t\"1", {}};
  const auto document = boost::json::parse(team_policy_json(policy)).as_object();
  EXPECT_EQ(document.at("team_id"), "t\"1");
  EXPECT_EQ(document.at("policy").at("allow_privileged"), false);
}

}  // namespace
}  // namespace dokkerr::users
