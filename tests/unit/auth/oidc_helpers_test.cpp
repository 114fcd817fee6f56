#include "auth/oidc_service.hpp"
#include "oidc/id_token.hpp"

#include <gtest/gtest.h>

namespace dokkerr::auth {
namespace {

oidc::IdTokenClaims claims(std::string preferred, std::string email = {}) {
  oidc::IdTokenClaims out;
  out.sub = "subject";
  out.preferred_username = std::move(preferred);
  out.email = std::move(email);
  return out;
}

TEST(OidcUsername, ComesFromPreferredUsernameThenEmailThenAFixedWord) {
  EXPECT_EQ(oidc_username_base(claims("alice", "someone@example.test")), "alice");
  EXPECT_EQ(oidc_username_base(claims("", "bob.b@example.test")), "bob.b");
  EXPECT_EQ(oidc_username_base(claims("", "")), "user");
  EXPECT_EQ(oidc_username_base(claims("", "@example.test")), "user");
}

TEST(OidcUsername, KeepsOnlyTheUsernameAlphabet) {
  EXPECT_EQ(oidc_username_base(claims("Jürgen Müller")), "JrgenMller");
  EXPECT_EQ(oidc_username_base(claims("--.admin")), "admin");
  EXPECT_EQ(oidc_username_base(claims("a/../b")), "a..b");
  EXPECT_EQ(oidc_username_base(claims("ééé", "x+tag@example.test")), "xtag");
  EXPECT_EQ(oidc_username_base(claims("_._", "")), "user");
  EXPECT_EQ(oidc_username_base(claims(std::string(100, 'a'))), std::string(64, 'a'));
}

TEST(OidcUsername, CandidatesCountUpAndStayWithin64Bytes) {
  EXPECT_EQ(oidc_username_candidate("carol", 0), "carol");
  EXPECT_EQ(oidc_username_candidate("carol", 1), "carol-2");
  EXPECT_EQ(oidc_username_candidate("carol", 19), "carol-20");
  EXPECT_EQ(oidc_username_candidate("carol", 20), std::nullopt);
  EXPECT_EQ(oidc_username_candidate("carol", -1), std::nullopt);
  const std::string long_name(64, 'x');
  EXPECT_EQ(oidc_username_candidate(long_name, 0), long_name);
  EXPECT_EQ(oidc_username_candidate(long_name, 9), std::string(61, 'x') + "-10");
}

TEST(OidcTeamMapping, MatchesStringsAndArraysOfStrings) {
  const std::vector<TeamMapping> mapping{{"groups", "platform", "t1", "developer"},
                                         {"department", "ops", "t2", "operator"},
                                         {"groups", "qa", "t3", "viewer"}};
  const auto roles =
      mapped_team_roles(mapping, R"({"groups":["platform","dev"],"department":"ops","sub":"a"})");
  EXPECT_EQ(roles, (std::map<std::string, std::string>{{"t1", "developer"}, {"t2", "operator"}}));
  EXPECT_TRUE(mapped_team_roles(mapping, R"({"groups":"qa"})") ==
              (std::map<std::string, std::string>{{"t3", "viewer"}}));
}

TEST(OidcTeamMapping, TheFirstMatchOfATeamWins) {
  const std::vector<TeamMapping> mapping{{"groups", "qa", "t1", "viewer"},
                                         {"groups", "platform", "t1", "admin"}};
  EXPECT_EQ(mapped_team_roles(mapping, R"({"groups":["platform","qa"]})").at("t1"), "viewer");
  EXPECT_EQ(mapped_team_roles(mapping, R"({"groups":["platform"]})").at("t1"), "admin");
}

TEST(OidcTeamMapping, OddClaimsMatchNothing) {
  const std::vector<TeamMapping> mapping{{"groups", "platform", "t1", "developer"},
                                         {"admin", "true", "t2", "admin"},
                                         {"level", "1", "t3", "admin"}};
  EXPECT_TRUE(mapped_team_roles(mapping, R"({"groups":["platform",1]})").empty());
  EXPECT_TRUE(mapped_team_roles(mapping, R"({"groups":{"platform":true}})").empty());
  EXPECT_TRUE(mapped_team_roles(mapping, R"({"admin":true,"level":1})").empty());
  EXPECT_TRUE(mapped_team_roles(mapping, R"({"groups":["Platform"]})").empty());
  EXPECT_TRUE(mapped_team_roles(mapping, R"({})").empty());
  EXPECT_TRUE(mapped_team_roles(mapping, "not json").empty());
  EXPECT_TRUE(mapped_team_roles(mapping, R"(["platform"])").empty());
}

TEST(OidcCookie, FindsTheNamedCookieOnly) {
  EXPECT_EQ(cookie_value("dokkerr_oidc=abc", "dokkerr_oidc"), "abc");
  EXPECT_EQ(cookie_value("a=1; dokkerr_oidc=abc; b=2", "dokkerr_oidc"), "abc");
  EXPECT_EQ(cookie_value("a=1;dokkerr_oidc=\"abc\"", "dokkerr_oidc"), "abc");
  EXPECT_EQ(cookie_value("xdokkerr_oidc=abc; dokkerr_oidcx=def", "dokkerr_oidc"), std::nullopt);
  EXPECT_EQ(cookie_value("dokkerr_oidc", "dokkerr_oidc"), std::nullopt);
  EXPECT_EQ(cookie_value("", "dokkerr_oidc"), std::nullopt);
  EXPECT_EQ(cookie_value("dokkerr_oidc=", "dokkerr_oidc"), "");
}

}  // namespace
}  // namespace dokkerr::auth
