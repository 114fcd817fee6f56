#include "auth/oidc_store.hpp"
#include "unit/auth/sql_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace dokkerr::auth {
namespace {

using namespace std::chrono_literals;

class SqlOidcStoreTest : public testing::SqlAuthTest {
 protected:
  void SetUp() override {
    SqlAuthTest::SetUp();
    if (IsSkipped()) return;
    store_ = make_sql_oidc_store(db(), clock);
  }
  void TearDown() override {
    store_.reset();
    SqlAuthTest::TearDown();
  }
  OidcStore& oidc() { return *store_; }

  OidcProviderRecord provider(const std::string& id, const std::string& name) {
    OidcProviderRecord p;
    p.id = id;
    p.name = name;
    p.issuer = "https://idp.example.test";
    p.client_id = "client";
    p.client_secret_sealed = "sealed";
    p.redirect_uri = "http://127.0.0.1/api/v1/auth/oidc/callback";
    p.scopes = {"openid", "email"};
    p.team_mapping = {{"groups", "dev", "t1", "developer"}, {"dept", "ops", "t2", "role:r1"}};
    p.created_at = clock.stamp();
    return p;
  }
  PendingLogin login(const std::string& key, const std::string& provider_id,
                     std::chrono::seconds ttl = 600s) {
    return PendingLogin{key,        provider_id,           "nonce",
                        "verifier", "http://127.0.0.1/cb", clock.stamp_in(ttl)};
  }

 private:
  std::unique_ptr<OidcStore> store_;
};

TEST_P(SqlOidcStoreTest, ProvidersKeepTheirScopesAndTeamMapping) {
  oidc().insert_provider(provider("p2", "zeta"));
  auto disabled = provider("p1", "alpha");
  disabled.enabled = false;
  oidc().insert_provider(disabled);
  const auto found = oidc().find_provider("p2");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->issuer, "https://idp.example.test");
  EXPECT_EQ(found->client_secret_sealed, "sealed");
  EXPECT_EQ(found->scopes, (std::vector<std::string>{"openid", "email"}));
  ASSERT_EQ(found->team_mapping.size(), 2U);
  EXPECT_EQ(found->team_mapping[1].role, "role:r1");
  EXPECT_TRUE(found->enabled);
  const auto all = oidc().list_providers();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].name, "alpha");
  EXPECT_FALSE(all[0].enabled);
  try {
    oidc().insert_provider(provider("p3", "zeta"));
    ADD_FAILURE() << "a second provider of one name";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "oidc_provider_exists");
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
  }
}

TEST_P(SqlOidcStoreTest, AnUpdateReplacesTheFieldsButNotTheIdentityOrTheBirth) {
  oidc().insert_provider(provider("p1", "alpha"));
  oidc().insert_provider(provider("p2", "beta"));
  auto changed = provider("p1", "gamma");
  changed.issuer = "https://other.example.test";
  changed.client_secret_sealed = "resealed";
  changed.scopes = {"openid"};
  changed.team_mapping = {};
  changed.enabled = false;
  changed.created_at = "2099-01-01T00:00:00Z";
  ASSERT_TRUE(oidc().update_provider(changed));
  const auto found = oidc().find_provider("p1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "gamma");
  EXPECT_EQ(found->issuer, "https://other.example.test");
  EXPECT_EQ(found->client_secret_sealed, "resealed");
  EXPECT_EQ(found->scopes, (std::vector<std::string>{"openid"}));
  EXPECT_TRUE(found->team_mapping.empty());
  EXPECT_FALSE(found->enabled);
  EXPECT_NE(found->created_at, "2099-01-01T00:00:00Z");
  EXPECT_FALSE(oidc().update_provider(provider("nope", "delta")));
  try {
    oidc().update_provider(provider("p1", "beta"));
    ADD_FAILURE() << "a name another provider has";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "oidc_provider_exists");
  }
  EXPECT_EQ(oidc().find_provider("p1")->name, "gamma") << "nothing changed by the refused update";
}

TEST_P(SqlOidcStoreTest, APendingLoginIsTakenOnce) {
  oidc().insert_provider(provider("p1", "alpha"));
  EXPECT_TRUE(oidc().insert_login(login("k1", "p1"), 100));
  const auto taken = oidc().take_login("k1");
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->key, "k1");
  EXPECT_EQ(taken->provider_id, "p1");
  EXPECT_EQ(taken->nonce, "nonce");
  EXPECT_EQ(taken->code_verifier, "verifier");
  EXPECT_EQ(taken->redirect_uri, "http://127.0.0.1/cb");
  EXPECT_FALSE(oidc().take_login("k1"));
  EXPECT_FALSE(oidc().take_login("unknown"));
}

TEST_P(SqlOidcStoreTest, PendingLoginsAreBoundedAndExpiredOnesSwept) {
  EXPECT_TRUE(oidc().insert_login(login("k1", "p1", 10s), 2));
  EXPECT_TRUE(oidc().insert_login(login("k2", "p1", 600s), 2));
  EXPECT_FALSE(oidc().insert_login(login("k3", "p1"), 2));
  clock.advance(11s);
  EXPECT_TRUE(oidc().take_login("k2"));
  EXPECT_TRUE(oidc().insert_login(login("k3", "p1"), 2));
  EXPECT_TRUE(oidc().insert_login(login("k4", "p1"), 2)) << "k1 expired and was swept";
  EXPECT_FALSE(oidc().take_login("k1"));
}

TEST_P(SqlOidcStoreTest, ExpiredLoginsAreStillTakenSoTheCallerCanTell) {
  EXPECT_TRUE(oidc().insert_login(login("k1", "p1", 10s), 100));
  clock.advance(20s);
  const auto taken = oidc().take_login("k1");
  ASSERT_TRUE(taken);
  EXPECT_LT(taken->expires_at, clock.stamp());
}

TEST_P(SqlOidcStoreTest, RemovingAProviderTakesItsPendingLogins) {
  oidc().insert_provider(provider("p1", "alpha"));
  oidc().insert_provider(provider("p2", "zeta"));
  oidc().insert_login(login("k1", "p1"), 100);
  oidc().insert_login(login("k2", "p2"), 100);
  EXPECT_TRUE(oidc().remove_provider("p1"));
  EXPECT_FALSE(oidc().remove_provider("p1"));
  EXPECT_FALSE(oidc().find_provider("p1"));
  EXPECT_FALSE(oidc().take_login("k1"));
  EXPECT_TRUE(oidc().take_login("k2"));
}

DOKKERR_INSTANTIATE_BACKENDS(SqlOidcStoreTest);

}  // namespace
}  // namespace dokkerr::auth
