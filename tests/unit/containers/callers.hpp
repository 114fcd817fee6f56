#pragma once
// Who calls the services in the unit tests: team members and admins as the authenticator would
// build them, and a shorthand for the Error a call throws.
#include "core/error.hpp"
#include "core/permissions.hpp"
#include "core/principal.hpp"
#include "unit/docker/test_support.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace dokkerr::containers::testing {

// The environment the tests' callers were granted.
inline constexpr const char* kEnv = "local";

inline Principal member_of(const std::string& team, std::initializer_list<std::string_view> held) {
  Principal p;
  p.user_id = "u-" + team;
  p.username = "user-" + team;
  for (const auto permission : held) p.team_permissions[team].insert(std::string(permission));
  p.environment_teams[kEnv].insert(team);
  return p;
}

// What a team's developer holds (see docs/api/v1.md, team roles).
inline Principal developer(const std::string& team) {
  return member_of(
      team, {perm::containers_read, perm::containers_logs, perm::containers_operate,
             perm::containers_exec, perm::containers_create, perm::containers_update,
             perm::containers_delete, perm::images_read, perm::images_pull, perm::networks_read,
             perm::networks_create, perm::networks_delete, perm::volumes_read, perm::volumes_create,
             perm::volumes_delete, perm::events_read, perm::system_read});
}

inline Principal admin() {
  Principal p;
  p.user_id = "u-admin";
  p.username = "admin";
  p.is_admin = true;
  return p;
}

// The dokkerr::Error fn throws; a test failure when it throws none.
template <class Fn>
Error error_of(Fn&& fn) {
  const auto error = docker::testing::error_of(std::forward<Fn>(fn));
  if (!error) {
    ADD_FAILURE() << "expected a dokkerr::Error";
    return Error::internal_error("none");
  }
  return *error;
}

}  // namespace dokkerr::containers::testing
