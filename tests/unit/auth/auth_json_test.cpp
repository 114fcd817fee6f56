#include "auth/auth_json.hpp"

#include "auth/api_key_json.hpp"
#include "auth/mfa_json.hpp"
#include "core/error.hpp"
#include "unit/users/refusal.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace dokkerr::auth {
namespace {

using users::testing::refusal;

TEST(AuthJson, SignInBodiesTakeTheirFieldsOnly) {
  const auto login = parse_login(R"({"username":"a","password":"b","totp_code":"123456"})");
  EXPECT_EQ(login.username, "a");
  EXPECT_EQ(login.totp_code, std::optional<std::string>("123456"));
  EXPECT_FALSE(login.recovery_code);
  EXPECT_EQ(refusal([] { parse_login(R"({"username":"a","password":"b","is_admin":true})"); }),
            "unknown_field");
  EXPECT_EQ(refusal([] { parse_login(R"({"username":"a"})"); }), "invalid_body");
  EXPECT_EQ(refusal([] { parse_login(R"({"username":["a"],"password":"b"})"); }), "invalid_body");
  EXPECT_EQ(refusal([] { parse_login("not json"); }), "invalid_json");
  EXPECT_EQ(refusal([] { parse_setup(R"({"setup_token":"t","username":"u"})"); }), "invalid_body");
  EXPECT_EQ(refusal([] { parse_refresh(R"({"refresh_token":"t","session":"s"})"); }),
            "unknown_field");
  EXPECT_EQ(refusal([] { parse_password_change(R"({"current_password":"a","password":"b"})"); }),
            "unknown_field");
  EXPECT_EQ(parse_password_change(R"({"current_password":"a","new_password":"b"})").next, "b");
}

TEST(AuthJson, TheTokenPairHasItsFourFields) {
  const auto pair = boost::json::parse(token_pair_json(TokenPair{"at", "rt", "sid", 900}));
  EXPECT_EQ(pair.as_object().size(), 4U);
  EXPECT_EQ(pair.at("token_type"), "Bearer");
  EXPECT_EQ(pair.at("expires_in"), 900);
  EXPECT_EQ(setup_status_json(true), R"({"setup_required":true})");
}

TEST(AuthJson, MfaBodies) {
  EXPECT_EQ(parse_mfa_code(R"({"code":"123456"})"), "123456");
  EXPECT_EQ(refusal([] { parse_mfa_code(R"({"code":"1","password":"p"})"); }), "unknown_field");
  EXPECT_EQ(refusal([] { parse_mfa_disable(R"({"code":"1"})"); }), "invalid_body");
  EXPECT_EQ(parse_mfa_requirement(R"({"required_for":["everyone"]})"),
            (std::vector<std::string>{"everyone"}));
  EXPECT_EQ(refusal([] { parse_mfa_requirement(R"({"required_for":"everyone"})"); }),
            "invalid_body");
  EXPECT_EQ(refusal([] { parse_mfa_requirement(R"({})"); }), "invalid_body");
  EXPECT_EQ(refusal([] { parse_mfa_requirement(R"({"required_for":[1]})"); }), "invalid_body");
  EXPECT_EQ(refusal([] { parse_mfa_requirement(R"({"required_for":[],"x":1})"); }),
            "unknown_field");
  EXPECT_EQ(mfa_requirement_json({"org_admin"}), R"({"required_for":["org_admin"]})");
}

TEST(ApiKeyJson, ExpiryTimesAreNormalizedToTheStoredForm) {
  EXPECT_EQ(utc_stamp("2030-01-01T00:00:00Z"),
            std::optional<std::string>("2030-01-01T00:00:00.000Z"));
  EXPECT_EQ(utc_stamp("2030-01-01T02:30:00.5+02:30"),
            std::optional<std::string>("2030-01-01T00:00:00.500Z"));
  EXPECT_EQ(utc_stamp("2029-12-31T23:00:00-01:00"),
            std::optional<std::string>("2030-01-01T00:00:00.000Z"));
  EXPECT_EQ(utc_stamp("2030-01-01T00:00:00.123456789Z"),
            std::optional<std::string>("2030-01-01T00:00:00.123Z"));
  for (const auto* bad : {"2030-01-01", "2030-02-30T00:00:00Z", "2030-01-01T24:00:00Z",
                          "2030-01-01 00:00:00Z", "2030-01-01T00:00:00", "1969-12-31T23:59:59Z",
                          "2030-01-01T00:00:00.Z", "2030-01-01T00:00:00+0100", "x"}) {
    EXPECT_EQ(utc_stamp(bad), std::nullopt) << bad;
  }
}

TEST(ApiKeyJson, BodiesAreCheckedForTypesAndFields) {
  const auto request = parse_new_api_key(
      R"({"name":"ci","scopes":["containers:read"],"team_id":"t1","expires_at":"2030-01-01T00:00:00Z"})");
  EXPECT_EQ(request.name, "ci");
  EXPECT_EQ(request.team_id, std::optional<std::string>("t1"));
  EXPECT_EQ(request.expires_at, std::optional<std::string>("2030-01-01T00:00:00.000Z"));
  EXPECT_EQ(refusal([] { parse_new_api_key(R"({"name":"ci","scopes":[],"owner":"u"})"); }),
            "unknown_field");
  EXPECT_EQ(refusal([] { parse_new_api_key(R"({"name":"ci","scopes":[7]})"); }), "invalid_scope");
  EXPECT_EQ(refusal([] { parse_new_api_key(R"({"name":"ci","scopes":"x"})"); }), "invalid_body");
  EXPECT_EQ(refusal([] { parse_new_api_key(R"({"name":"ci","expires_at":"tomorrow"})"); }),
            "invalid_body");
  EXPECT_EQ(refusal([] { parse_new_api_key(R"({"scopes":["containers:read"]})"); }),
            "invalid_body");
}

TEST(ApiKeyJson, TheKeyIsShownOnlyWhenCreated) {
  ApiKeyRecord record{"k1", "u1", "ci", "dk_abcdefg", "hash", {"containers:read"},
                      {},   "t",  {},   {},           {}};
  const auto listed = boost::json::serialize(api_key_object(record));
  EXPECT_EQ(listed.find("hash"), std::string::npos);
  EXPECT_EQ(listed.find("\"key\""), std::string::npos);
  const auto created = boost::json::parse(created_api_key_json(CreatedApiKey{record, "dk_secret"}));
  EXPECT_EQ(created.at("key"), "dk_secret");
  EXPECT_TRUE(created.at("team_id").is_null());
}

}  // namespace
}  // namespace dokkerr::auth
