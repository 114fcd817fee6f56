#include "auth/oidc_json.hpp"

#include "core/error.hpp"
#include "unit/users/refusal.hpp"

#include <gtest/gtest.h>

namespace dokkerr::auth {
namespace {

using users::testing::refusal;

constexpr std::string_view kBase =
    R"("name":"n","issuer":"https://i","client_id":"c","client_secret":"s","redirect_uri":"https://r")";

std::string body(std::string_view extra = "") {
  return "{" + std::string(kBase) + std::string(extra) + "}";
}

TEST(OidcJson, ProviderBodiesRefuseWhatTheyDoNotOffer) {
  EXPECT_EQ(refusal([] { parse_provider_input(body()); }), "accepted");
  EXPECT_EQ(refusal([] { parse_provider_input(body(R"(,"extra":1)")); }), "unknown_field");
  EXPECT_EQ(refusal([] { parse_provider_input(R"({"name":"n"})"); }), "invalid_body");
  EXPECT_EQ(refusal([] { parse_provider_input(body(R"(,"scopes":[1])")); }), "oidc_invalid_scope");
  EXPECT_EQ(refusal([] { parse_provider_input(body(R"(,"team_mapping":["x"])")); }),
            "invalid_team_mapping");
  EXPECT_EQ(refusal([] {
              parse_provider_input(body(
                  R"(,"team_mapping":[{"claim":"g","value":"v","team_id":"t","role":"r","x":1}])"));
            }),
            "unknown_field");
  EXPECT_EQ(refusal([] { parse_provider_input(body(R"(,"enabled":"yes")")); }), "invalid_body");
  const auto input = parse_provider_input(body(
      R"(,"scopes":["email"],"enabled":false,"team_mapping":[{"claim":"g","value":"v","team_id":"t","role":"r"}])"));
  EXPECT_EQ(*input.scopes, (std::vector<std::string>{"email"}));
  EXPECT_FALSE(input.enabled);
  ASSERT_EQ(input.team_mapping.size(), 1U);
  EXPECT_EQ(input.team_mapping[0].role, "r");
}

TEST(OidcJson, TheProviderViewNeverHoldsTheSecret) {
  OidcProviderRecord provider;
  provider.id = "p1";
  provider.client_secret_sealed = "v1.sealed-secret";
  EXPECT_EQ(provider_json(provider).find("sealed-secret"), std::string::npos);
  EXPECT_EQ(public_provider_object(provider).size(), 2U);
}

TEST(OidcJson, TheBindingCookieStaysWithTheCallback) {
  EXPECT_EQ(binding_cookie("abc", 600, true),
            "dokkerr_oidc=abc; Path=/api/v1/auth/oidc/callback; Max-Age=600; HttpOnly; "
            "SameSite=Lax; Secure");
  EXPECT_EQ(binding_cookie("", 0, false),
            "dokkerr_oidc=; Path=/api/v1/auth/oidc/callback; Max-Age=0; HttpOnly; SameSite=Lax");
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
