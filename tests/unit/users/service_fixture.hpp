#pragma once
// The users services over in-memory stores, a manual clock and a one-thread pool, with helpers
// that build a small directory and callers as the authenticator would (through AccessModel).
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "unit/docker/test_support.hpp"
#include "unit/users/fake_directory.hpp"
#include "users/access_model.hpp"
#include "users/password_hasher.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

namespace dokkerr::users::testing {

// Small argon2 parameters: the rules do not depend on them, and the tests stay fast.
inline constexpr Argon2Params kFastArgon2{1024, 1, 1};

class ServiceTest : public ::testing::Test {
 protected:
  template <typename T>
  T run(boost::asio::awaitable<T> work) {
    return docker::testing::run(io, std::move(work));
  }
  // The Error a piece of work ends with (a test failure when it ends without one).
  template <typename T>
  Error failure(boost::asio::awaitable<T> work) {
    try {
      run(std::move(work));
    } catch (const Error& error) {
      return error;
    }
    ADD_FAILURE() << "expected a dokkerr::Error";
    return Error::internal_error("no error");
  }

  User add_user(const std::string& id, const std::string& username, bool admin = false) {
    User user;
    user.id = id;
    user.username = username;
    user.is_admin = admin;
    user.created_at = user.updated_at = clock.stamp();
    users.insert(user);
    return user;
  }
  void add_org(const std::string& id, const std::string& name) {
    orgs.insert(Organization{id, name, "", clock.stamp()});
  }
  void add_team(const std::string& id, const std::string& org_id, const std::string& name) {
    teams.insert(Team{id, org_id, name, "{}", clock.stamp()});
  }
  // The caller an access token of this account would give, in session `session`.
  std::shared_ptr<const Principal> as(const std::string& user_id,
                                      const std::string& session = "s-self") {
    auto principal = access_model.principal_for(*users.find(user_id));
    principal->session_id = session;
    return principal;
  }

  boost::asio::io_context io;
  BlockingPool pool{1};
  ManualClock clock;
  Directory directory;
  FakeUserStore users{directory, clock};
  FakeOrganizationStore orgs{directory};
  FakeTeamStore teams{directory};
  FakeGrantStore grants{directory};
  FakeAccessStore access{directory};
  AccessModel access_model{access};
  RecordingRevoker revoker;
  PasswordHasher hasher{pool, kFastArgon2};
};

}  // namespace dokkerr::users::testing
