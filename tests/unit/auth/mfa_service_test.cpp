#include "auth/mfa_service.hpp"

#include "crypto/totp.hpp"
#include "unit/auth/service_fixture.hpp"

#include <gtest/gtest.h>

namespace dokkerr::auth {
namespace {

using namespace std::chrono_literals;

class MfaServiceTest : public testing::AuthTest {
 protected:
  void SetUp() override { add_account("u1", "alice"); }

  // Enrols and confirms; returns the raw secret and the recovery codes.
  std::pair<std::string, std::vector<std::string>> turn_on() {
    const auto enrolment = run(mfa.enroll(as("u1")));
    const auto secret = secrets.open(*users.find("u1")->mfa_secret, "mfa:u1");
    auto codes =
        run(mfa.confirm(as("u1"), crypto::totp_code(secret, clock.unix_seconds()), client));
    return {secret, codes};
  }
};

TEST_F(MfaServiceTest, EnrolmentStaysOffUntilConfirmed) {
  const auto enrolment = run(mfa.enroll(as("u1")));
  EXPECT_FALSE(enrolment.secret_base32.empty());
  EXPECT_TRUE(enrolment.otpauth_uri.starts_with("otpauth://totp/Dokkerr:alice?"));
  const auto user = *users.find("u1");
  EXPECT_FALSE(user.mfa_enabled);
  ASSERT_TRUE(user.mfa_secret);
  EXPECT_EQ(user.mfa_secret->find(enrolment.secret_base32), std::string::npos) << "kept sealed";

  EXPECT_EQ(failure(mfa.confirm(as("u1"), "000000", client)).code(), "invalid_mfa_code");
  EXPECT_FALSE(users.find("u1")->mfa_enabled);
  ASSERT_EQ(audit.with_action("users.mfa_enable").size(), 1U);
  EXPECT_EQ(audit.with_action("users.mfa_enable")[0].result, "failure");
}

TEST_F(MfaServiceTest, ConfirmingTurnsItOnWithTenSingleUseRecoveryCodes) {
  const auto [secret, codes] = turn_on();
  EXPECT_EQ(codes.size(), 10U);
  EXPECT_TRUE(users.find("u1")->mfa_enabled);
  EXPECT_EQ(audit.with_action("users.mfa_enable").back().result, "success");
  EXPECT_EQ(failure(mfa.enroll(as("u1"))).code(), "mfa_enabled");
  EXPECT_EQ(failure(mfa.confirm(as("u1"), "123456", client)).code(), "mfa_enabled");
  EXPECT_TRUE(mfa.use_recovery_code("u1", codes[0]));
  EXPECT_FALSE(mfa.use_recovery_code("u1", codes[0])) << "single use";
  EXPECT_TRUE(mfa.use_recovery_code("u1", codes[1]));
  EXPECT_FALSE(mfa.use_recovery_code("u1", "aaaaa-bbbbb"));
}

TEST_F(MfaServiceTest, ConfirmingNeedsAnEnrolment) {
  EXPECT_EQ(failure(mfa.confirm(as("u1"), "123456", client)).code(), "mfa_not_enrolled");
}

TEST_F(MfaServiceTest, ACodeWorksOnceAndNeverForAnEarlierStep) {
  const auto [secret, codes] = turn_on();
  auto user = *users.find("u1");
  EXPECT_FALSE(mfa.verify_totp(user, crypto::totp_code(secret, clock.unix_seconds())))
      << "the confirming code cannot sign in again";
  clock.advance(30s);
  const auto code = crypto::totp_code(secret, clock.unix_seconds());
  EXPECT_TRUE(mfa.verify_totp(*users.find("u1"), code));
  EXPECT_FALSE(mfa.verify_totp(*users.find("u1"), code)) << "replay refused";
  EXPECT_FALSE(mfa.verify_totp(*users.find("u1"), "12345"));
}

TEST_F(MfaServiceTest, DisablingNeedsThePasswordAndACurrentCode) {
  const auto [secret, codes] = turn_on();
  clock.advance(30s);
  auto code = [&] { return crypto::totp_code(secret, clock.unix_seconds()); };
  EXPECT_EQ(failure(mfa.disable(as("u1"), "wrong password!", code(), client)).code(),
            "invalid_credentials");
  EXPECT_EQ(failure(mfa.disable(as("u1"), testing::kPassword, "000000", client)).code(),
            "invalid_credentials");
  EXPECT_TRUE(users.find("u1")->mfa_enabled);
  clock.advance(30s);
  run(mfa.disable(as("u1"), testing::kPassword, code(), client));
  const auto user = *users.find("u1");
  EXPECT_FALSE(user.mfa_enabled);
  EXPECT_FALSE(user.mfa_secret);
  EXPECT_FALSE(mfa_store.codes.contains("u1")) << "the recovery codes go too";
  EXPECT_EQ(failure(mfa.disable(as("u1"), testing::kPassword, code(), client)).code(),
            "mfa_not_enabled");
  const auto records = audit.with_action("users.mfa_disable");
  ASSERT_EQ(records.size(), 3U);
  EXPECT_EQ(records[0].result, "failure");
  EXPECT_EQ(records[2].result, "success");
  EXPECT_EQ(records[2].actor_id, "u1");
}

TEST_F(MfaServiceTest, DisablingEndsTheAccountsOtherSessions) {
  const auto [secret, codes] = turn_on();
  const auto here = sessions.open("u1", "password", client);
  const auto elsewhere = sessions.open("u1", "password", client);
  clock.advance(30s);
  run(mfa.disable(as("u1", here.session_id), testing::kPassword,
                  crypto::totp_code(secret, clock.unix_seconds()), client));
  EXPECT_FALSE(session_store.sessions.at(here.session_id).revoked_at) << "the caller's own stays";
  const auto& other = session_store.sessions.at(elsewhere.session_id);
  EXPECT_TRUE(other.revoked_at);
  EXPECT_EQ(other.revoke_reason, "mfa_disabled");
}

TEST_F(MfaServiceTest, TheRequirementSettingNamesKnownRolesOnly) {
  EXPECT_TRUE(run(mfa.requirement()).empty());
  const auto stored = run(mfa.set_requirement({"org_admin", "team_admin"}));
  EXPECT_EQ(stored, (std::vector<std::string>{"org_admin", "team_admin"}));
  EXPECT_EQ(run(mfa.requirement()), stored);
  EXPECT_EQ(settings.values.at("mfa_required_for"), R"(["org_admin","team_admin"])");
  EXPECT_EQ(failure(mfa.set_requirement({"root"})).code(), "invalid_body");
  EXPECT_EQ(run(mfa.requirement()), stored) << "a refused setting changes nothing";
}

TEST_F(MfaServiceTest, WhoMustEnrolFollowsTheRolesHeldThroughMemberships) {
  Principal plain, admin, org_admin, team_admin;
  admin.is_admin = true;
  org_admin.org_permissions["o1"] = {"org:manage"};
  team_admin.team_permissions["t1"] = {"team:manage"};
  auto required = [&](const Principal& p) { return mfa.enrollment_required(p); };
  EXPECT_FALSE(required(admin)) << "no setting, no requirement";
  run(mfa.set_requirement({"platform_admin"}));
  EXPECT_TRUE(required(admin));
  EXPECT_FALSE(required(org_admin));
  run(mfa.set_requirement({"org_admin"}));
  EXPECT_TRUE(required(org_admin));
  EXPECT_FALSE(required(admin)) << "platform admins only through platform_admin";
  EXPECT_FALSE(required(team_admin));
  run(mfa.set_requirement({"team_admin"}));
  EXPECT_TRUE(required(team_admin));
  EXPECT_FALSE(required(plain));
  run(mfa.set_requirement({"everyone"}));
  EXPECT_TRUE(required(plain));
  run(mfa.set_requirement({}));
  EXPECT_FALSE(required(plain));
}

}  // namespace
}  // namespace dokkerr::auth
