#pragma once
// auth's SQL stores on a fresh database of each backend, with accounts to hang rows on.
#include "core/clock.hpp"
#include "core/error.hpp"
#include "unit/store/test_databases.hpp"
#include "users/user_store.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace dokkerr::auth::testing {

class SqlAuthTest : public store::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    users_ = users::make_sql_user_store(db(), clock);
  }
  void TearDown() override {
    users_.reset();
    BackendTest::TearDown();
  }

  void add_user(const std::string& id) {
    users::User user;
    user.id = id;
    user.username = "user-" + id;
    user.created_at = user.updated_at = clock.stamp();
    users_->insert(user);
  }
  users::UserStore& users() { return *users_; }
  std::int64_t count(const std::string& sql) { return db().query(sql).at(0).integer(0); }

  ManualClock clock;

 private:
  std::unique_ptr<users::UserStore> users_;
};

}  // namespace dokkerr::auth::testing
