#pragma once
// What the users services need from sign-in: ending an account's sessions when what it may do
// changes (disabled, demoted, a membership changed). Declared here, implemented by auth's
// session service, wired in src/app: users never includes auth.
#include <string_view>

namespace dokkerr::users {

class SessionRevoker {
 public:
  virtual ~SessionRevoker() = default;
  // Blocking. Ends every live session of the account except `keep` (the caller's own session,
  // when it changed its own membership). `reason` is kept with each session ("role_change").
  virtual void revoke_sessions(std::string_view user_id, std::string_view reason,
                               std::string_view keep = {}) = 0;
};

}  // namespace dokkerr::users
