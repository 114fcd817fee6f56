#pragma once
// What an account may do where: its permissions in each team and organization, the teams that
// may use each environment, from its memberships, roles and the environment grants. Built for
// every authenticated request (auth's authenticator), so it reads through one AccessStore call.
#include "core/principal.hpp"
#include "users/access_store.hpp"
#include "users/user_store.hpp"

#include <memory>

namespace dokkerr::users {

class AccessModel {
 public:
  explicit AccessModel(AccessStore& store) : store_(store) {}

  // Blocking. The account as a caller: id, name, the admin flag and its permissions.
  std::shared_ptr<Principal> principal_for(const User& user);

  // The rules, without storage:
  // - organization owners and admins hold org:manage there and act as team admins in each of
  //   its teams; plain members hold nothing by their organization role;
  // - a team role grants its built-in permissions, or the team permissions of a custom role of
  //   the team's own organization (a role of another organization grants nothing);
  // - an environment granted to a team or to its organization may be used by that team.
  static void apply(const AccessFacts& facts, Principal& principal);

 private:
  AccessStore& store_;
};

}  // namespace dokkerr::users
