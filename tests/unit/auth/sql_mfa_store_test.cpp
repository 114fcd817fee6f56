#include "auth/mfa_store.hpp"
#include "unit/auth/sql_fixture.hpp"

#include <gtest/gtest.h>

namespace dokkerr::auth {
namespace {

class SqlMfaStoreTest : public testing::SqlAuthTest {
 protected:
  void SetUp() override {
    SqlAuthTest::SetUp();
    if (IsSkipped()) return;
    store_ = make_sql_mfa_store(db(), clock);
    add_user("u1");
    add_user("u2");
  }
  void TearDown() override {
    store_.reset();
    SqlAuthTest::TearDown();
  }
  MfaStore& mfa() { return *store_; }

 private:
  std::unique_ptr<MfaStore> store_;
};

TEST_P(SqlMfaStoreTest, RecoveryCodesWorkOnceForTheirOwner) {
  mfa().replace_recovery_codes("u1", {"c1", "c2"});
  mfa().replace_recovery_codes("u2", {"c1"});
  EXPECT_FALSE(mfa().use_recovery_code("u1", "c9"));
  EXPECT_TRUE(mfa().use_recovery_code("u1", "c1"));
  EXPECT_FALSE(mfa().use_recovery_code("u1", "c1")) << "single use";
  EXPECT_TRUE(mfa().use_recovery_code("u2", "c1")) << "another account's code is its own";
  const auto used = db().query(
      "SELECT used_at FROM recovery_codes WHERE user_id = 'u1' AND "
      "code_hash = 'c1'");
  EXPECT_EQ(used.at(0).text(0), clock.stamp());
}

TEST_P(SqlMfaStoreTest, ReplacingAndRemovingTouchOneAccount) {
  mfa().replace_recovery_codes("u1", {"c1", "c2"});
  mfa().replace_recovery_codes("u2", {"d1"});
  mfa().replace_recovery_codes("u1", {"c3"});
  EXPECT_FALSE(mfa().use_recovery_code("u1", "c1")) << "replaced";
  EXPECT_TRUE(mfa().use_recovery_code("u1", "c3"));
  mfa().remove_recovery_codes("u1");
  EXPECT_EQ(count("SELECT COUNT(*) FROM recovery_codes WHERE user_id = 'u1'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM recovery_codes WHERE user_id = 'u2'"), 1);
  users().remove("u2");
  EXPECT_EQ(count("SELECT COUNT(*) FROM recovery_codes"), 0) << "cascades with the account";
}

DOKKERR_INSTANTIATE_BACKENDS(SqlMfaStoreTest);

}  // namespace
}  // namespace dokkerr::auth
