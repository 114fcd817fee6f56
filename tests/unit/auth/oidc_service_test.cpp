#include "auth/oidc_service.hpp"

#include "auth/oidc_json.hpp"
#include "http/router.hpp"
#include "oidc/id_token.hpp"
#include "unit/auth/service_fixture.hpp"
#include "unit/oidc/test_support.hpp"

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

}  // namespace
}  // namespace dokkerr::auth

namespace dokkerr::auth {
namespace {

using namespace std::chrono_literals;
namespace ot = oidc::testing;

constexpr std::string_view kIssuer = "https://id.example.test";

// The flow end to end against a scripted provider that signs real ID tokens.
class OidcFlowTest : public testing::AuthTest {
 protected:
  static void SetUpTestSuite() { key_ = new ot::Pkey(ot::generate_rsa(2048)); }
  static void TearDownTestSuite() { delete key_; }

  void SetUp() override {
    provider.metadata.authorization_endpoint = std::string(kIssuer) + "/auth";
    provider.metadata.token_endpoint = std::string(kIssuer) + "/token";
    provider.metadata.jwks_uri = std::string(kIssuer) + "/jwks";
    provider.metadata.id_token_signing_alg_values_supported = {"RS256"};
    provider.keys = std::make_shared<const oidc::JwkSet>(
        oidc::JwkSet::parse(ot::jwks_json({ot::public_jwk(*key_, "k1")})));
    add_org("o1", "acme");
    add_team("t1", "o1", "dev");
    add_team("t2", "o1", "ops");
    OidcProviderInput input;
    input.name = "Example ID";
    input.issuer = std::string(kIssuer);
    input.client_id = "dokkerr";
    input.client_secret = "s3cret";
    input.redirect_uri = "https://dokkerr.example.test/api/v1/auth/oidc/callback";
    input.team_mapping = {{"groups", "platform", "t1", "developer"},
                          {"groups", "qa", "t2", "viewer"}};
    provider_id = run(oidc.create_provider(input)).id;
  }

  struct Started {
    OidcLoginStart start;
    std::string state, nonce;
  };
  Started begin() {
    Started out;
    out.start = run(oidc.start(provider_id, std::nullopt, "192.0.2.7"));
    const auto url = out.start.authorization_url;
    const auto query = http::parse_query(url.substr(url.find('?') + 1));
    out.state = *query.get("state");
    out.nonce = *query.get("nonce");
    return out;
  }
  // The provider will answer with an ID token for `sub` carrying these claims.
  void will_sign_in(const Started& login, const std::string& sub, boost::json::object extra = {}) {
    boost::json::object claims{{"iss", kIssuer},
                               {"aud", "dokkerr"},
                               {"sub", sub},
                               {"nonce", login.nonce},
                               {"iat", clock.unix_seconds()},
                               {"exp", clock.unix_seconds() + 300}};
    for (const auto& [k, v] : extra) claims[k] = v;
    provider.id_token =
        ot::sign_rs256(*key_, {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "k1"}}, claims);
  }
  TokenPair finish(const Started& login, std::optional<std::string> binding = {}) {
    return run(oidc.callback("code=the-code&state=" + login.state,
                             binding ? binding : login.start.binding, client));
  }
  Error finish_failure(const Started& login, std::optional<std::string> binding = {}) {
    return failure(oidc.callback("code=the-code&state=" + login.state,
                                 binding ? binding : login.start.binding, client));
  }

  std::string provider_id;

 private:
  static ot::Pkey* key_;
};

ot::Pkey* OidcFlowTest::key_ = nullptr;

TEST_F(OidcFlowTest, AFirstSignInMakesAnAccountAndASession) {
  const auto login = begin();
  EXPECT_TRUE(login.start.secure_cookie) << "an https redirect URI";
  will_sign_in(login, "sub-1",
               {{"preferred_username", "alice"},
                {"email", "alice@example.test"},
                {"email_verified", true},
                {"name", "Alice"}});
  const auto pair = finish(login);
  const auto session = sessions.session_of(pair.access_token);
  EXPECT_EQ(session.auth_method, "oidc");
  const auto user = *users.find(session.user_id);
  EXPECT_EQ(user.username, "alice");
  EXPECT_EQ(user.email, "alice@example.test");
  EXPECT_EQ(user.oidc_provider, std::optional<std::string>(std::string(kIssuer)));
  EXPECT_FALSE(user.password_hash) << "an OpenID account has no password";
  EXPECT_FALSE(user.is_admin);
  ASSERT_EQ(provider.exchanges.size(), 1U);
  EXPECT_EQ(provider.exchanges[0].code, "the-code");
  EXPECT_EQ(provider.exchanges[0].client_secret, "s3cret") << "opened for the exchange only";
  const auto entry = audit.with_action("auth.oidc_login").back();
  EXPECT_EQ(entry.result, "success");
  EXPECT_NE(entry.detail_json.find(R"("provisioned":true)"), std::string::npos);

  const auto again = begin();
  will_sign_in(again, "sub-1", {{"preferred_username", "alice"}});
  EXPECT_EQ(sessions.session_of(finish(again).access_token).user_id, user.id) << "found by sub";
  EXPECT_EQ(users.count(), 1);
}

TEST_F(OidcFlowTest, ProvisioningNeverLinksByEmailOrUsernameAndPicksAFreeName) {
  auto local = add_account("local", "alice");
  users::User with_mail = local;
  with_mail.email = "alice@example.test";
  users.update_profile(with_mail);
  add_account("local2", "alice-2");
  const auto login = begin();
  will_sign_in(login, "sub-9",
               {{"preferred_username", "alice"},
                {"email", "alice@example.test"},
                {"email_verified", false}});
  const auto user = *users.find(sessions.session_of(finish(login).access_token).user_id);
  EXPECT_NE(user.id, "local");
  EXPECT_EQ(user.username, "alice-3");
  EXPECT_EQ(user.email, "") << "an unverified e-mail is not kept";
}

TEST_F(OidcFlowTest, TheStateIsBoundToTheCookieOfTheBrowserThatStarted) {
  const auto login = begin();
  will_sign_in(login, "sub-1");
  EXPECT_EQ(finish_failure(login, std::string("another-browser")).code(), "oidc_state_mismatch");
  // Another browser's attempt finds nothing, so it cannot use the login up either.
  EXPECT_NO_THROW(finish(login));
}

TEST_F(OidcFlowTest, APendingLoginWorksOnce) {
  const auto login = begin();
  will_sign_in(login, "sub-1");
  finish(login);
  EXPECT_EQ(finish_failure(login).code(), "oidc_state_mismatch");
  EXPECT_EQ(failure(oidc.callback("code=x", login.start.binding, client)).code(),
            "oidc_state_mismatch")
      << "no state";
  EXPECT_EQ(failure(oidc.callback("code=x&state=" + login.state, std::nullopt, client)).code(),
            "oidc_state_mismatch")
      << "no cookie";
}

TEST_F(OidcFlowTest, APendingLoginExpiresAfterTenMinutes) {
  const auto login = begin();
  clock.advance(std::chrono::seconds(kOidcLoginTtlSeconds));
  will_sign_in(login, "sub-1");
  EXPECT_EQ(finish_failure(login).code(), "oidc_login_expired");
  EXPECT_EQ(audit.with_action("auth.oidc_login").back().result, "failure");
  EXPECT_TRUE(provider.exchanges.empty()) << "the code is never exchanged";
}

TEST_F(OidcFlowTest, TeamMappingGivesTheFirstMatchingRoleOnEverySignIn) {
  const auto login = begin();
  will_sign_in(login, "sub-1", {{"groups", boost::json::array{"platform", "qa"}}});
  const auto user_id = sessions.session_of(finish(login).access_token).user_id;
  EXPECT_EQ(teams.member_role("t1", user_id), std::optional<std::string>("developer"));
  EXPECT_EQ(teams.member_role("t2", user_id), std::optional<std::string>("viewer"));
  teams.put_member("t1", user_id, "viewer");  // changed by hand
  const auto again = begin();
  will_sign_in(again, "sub-1", {{"groups", boost::json::array{"platform"}}});
  finish(again);
  EXPECT_EQ(teams.member_role("t1", user_id), std::optional<std::string>("developer"))
      << "the provider is authoritative for the teams it maps";
  EXPECT_EQ(teams.member_role("t2", user_id), std::optional<std::string>("viewer"))
      << "sign-ins never remove memberships";
}

TEST_F(OidcFlowTest, DisabledAccountsAreDenied) {
  const auto login = begin();
  will_sign_in(login, "sub-1");
  const auto user_id = sessions.session_of(finish(login).access_token).user_id;
  users.set_disabled(user_id, true);
  const auto again = begin();
  will_sign_in(again, "sub-1");
  const auto denied = finish_failure(again);
  EXPECT_EQ(denied.code(), "account_disabled");
  EXPECT_EQ(audit.with_action("auth.oidc_login").back().result, "denied");
}

TEST_F(OidcFlowTest, StartRefusesUnknownProvidersForeignRedirectsAndFloods) {
  EXPECT_EQ(failure(oidc.start("nope", std::nullopt, "192.0.2.7")).code(),
            "oidc_provider_not_found");
  EXPECT_EQ(
      failure(oidc.start(provider_id, std::string("https://evil.example/cb"), "192.0.2.7")).code(),
      "oidc_redirect_uri_mismatch");
  for (int i = 0; i < kOidcStartsPerAddressPerMinute; ++i) {
    run(oidc.start(provider_id, std::nullopt, "198.51.100.9"));
  }
  EXPECT_EQ(failure(oidc.start(provider_id, std::nullopt, "198.51.100.9")).code(),
            "oidc_too_many_logins");
  EXPECT_EQ(provider.discoveries, 1) << "discovery is cached";
}

TEST_F(OidcFlowTest, ProvidersAreCheckedBeforeTheyAreSaved) {
  OidcProviderInput input;
  input.name = "Other";
  input.issuer = "https://other.example.test";
  input.client_id = "c";
  input.client_secret = "s";
  input.redirect_uri = "https://dokkerr.example.test/cb";
  input.team_mapping = {{"groups", "x", "t9", "viewer"}};
  EXPECT_EQ(failure(oidc.create_provider(input)).code(), "invalid_team_mapping");
  input.team_mapping = {{"groups", "x", "t1", "owner"}};
  EXPECT_EQ(failure(oidc.create_provider(input)).code(), "invalid_role");
  input.team_mapping = {};
  input.redirect_uri = "ftp://x";
  EXPECT_EQ(failure(oidc.create_provider(input)).code(), "oidc_invalid_redirect_uri");
  input.redirect_uri = "https://dokkerr.example.test/cb";
  input.scopes = std::vector<std::string>{"openid email"};
  EXPECT_EQ(failure(oidc.create_provider(input)).code(), "oidc_invalid_scope");
  input.scopes.reset();
  provider.reachable = false;
  EXPECT_EQ(failure(oidc.create_provider(input)).code(), "oidc_provider_unavailable");
  provider.reachable = true;
  input.name = "Example ID";
  EXPECT_EQ(failure(oidc.create_provider(input)).code(), "oidc_provider_exists");
  EXPECT_EQ(run(oidc.list_providers()).size(), 1U);
  const auto created = run(oidc.list_providers())[0];
  EXPECT_EQ(created.scopes, (std::vector<std::string>{"openid", "email", "profile"}));
  EXPECT_NE(created.client_secret_sealed, "s3cret") << "sealed at rest";
}

TEST_F(OidcFlowTest, AnUpdateChangesWhatItNamesAndKeepsTheSecretItDoesNotName) {
  const auto before = run(oidc.list_providers())[0];
  OidcProviderPatch patch;
  patch.name = "Renamed ID";
  patch.team_mapping = std::vector<TeamMapping>{{"groups", "qa", "t2", "operator"}};
  const auto updated = run(oidc.update_provider(provider_id, patch));
  EXPECT_EQ(updated.name, "Renamed ID");
  EXPECT_EQ(updated.client_secret_sealed, before.client_secret_sealed) << "secret kept";
  EXPECT_EQ(updated.issuer, before.issuer);
  // Sign-in goes on with the kept secret and the new mapping.
  const auto login = begin();
  will_sign_in(login, "user-9", {{"groups", boost::json::array{"qa"}}});
  EXPECT_FALSE(finish(login).access_token.empty());

  OidcProviderPatch secret;
  secret.client_secret = "new-secret";
  EXPECT_NE(run(oidc.update_provider(provider_id, secret)).client_secret_sealed,
            before.client_secret_sealed);

  // The checks of a create apply, and a refused update changes nothing.
  OidcProviderPatch bad;
  bad.redirect_uri = "javascript:alert(1)";
  EXPECT_EQ(failure(oidc.update_provider(provider_id, bad)).code(), "oidc_invalid_redirect_uri");
  bad = {};
  bad.team_mapping = std::vector<TeamMapping>{{"groups", "x", "t9", "viewer"}};
  EXPECT_EQ(failure(oidc.update_provider(provider_id, bad)).code(), "invalid_team_mapping");
  bad = {};
  bad.issuer = "https://unreachable.example.test";
  provider.reachable = false;
  EXPECT_EQ(failure(oidc.update_provider(provider_id, bad)).code(), "oidc_provider_unavailable");
  provider.reachable = true;
  EXPECT_EQ(run(oidc.list_providers())[0].name, "Renamed ID");
  EXPECT_EQ(run(oidc.list_providers())[0].issuer, before.issuer);
  EXPECT_EQ(failure(oidc.update_provider("no-such-provider", patch)).code(),
            "oidc_provider_not_found");
}

TEST_F(OidcFlowTest, DisabledOrDeletedProvidersStopTheFlow) {
  const auto login = begin();
  run(oidc.delete_provider(provider_id));
  EXPECT_EQ(finish_failure(login).code(), "oidc_state_mismatch") << "its pending logins went too";
  EXPECT_EQ(failure(oidc.delete_provider(provider_id)).code(), "oidc_provider_not_found");
  EXPECT_TRUE(run(oidc.public_providers()).empty());
}

}  // namespace
}  // namespace dokkerr::auth
