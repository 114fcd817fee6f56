#pragma once
// Ports that one domain declares and another domain's stores fill, connected here so that no
// domain includes another. Each bridge is a few lines over the other domain's public API.
#include "containers/team_directory.hpp"

namespace dokkerr::auth {
class IdentityStore;
}

namespace dokkerr::app {

// containers' view of teams, over the teams the identity store keeps.
class TeamDirectoryBridge final : public containers::TeamDirectory {
 public:
  explicit TeamDirectoryBridge(auth::IdentityStore& identities) : identities_(identities) {}
  [[nodiscard]] bool exists(std::string_view team_id) override;
  [[nodiscard]] policy::Policy container_policy(std::string_view team_id) override;

 private:
  auth::IdentityStore& identities_;
};

}  // namespace dokkerr::app
