#pragma once
// The second factor: TOTP enrolment and confirmation (with ten one-time recovery codes),
// disabling it (password and a current code), the checks sign-in makes, and the platform
// setting of who must have one before doing anything else ("mfa_required_for", shared by
// replicas through the settings table).
#include "core/audit_trail.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "users/user_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr {
class BlockingPool;
class Clock;
}  // namespace dokkerr
namespace dokkerr::crypto {
class SecretBox;
}
namespace dokkerr::store {
class SettingsStore;
}
namespace dokkerr::users {
class PasswordHasher;
class SessionRevoker;
}  // namespace dokkerr::users

namespace dokkerr::auth {

class MfaStore;

// Who must use a second factor: platform admins, org admins (org:manage anywhere), team admins
// (team:manage anywhere) or everyone.
inline constexpr std::array<std::string_view, 4> kMfaRoles{"platform_admin", "org_admin",
                                                           "team_admin", "everyone"};
// 400 invalid_body: a requirement entry that is not one of kMfaRoles.
Error unknown_mfa_role();

struct TotpEnrolment {
  std::string secret_base32, otpauth_uri;
};

struct MfaDependencies {
  users::UserStore& users;
  MfaStore& codes;
  store::SettingsStore& settings;
  users::PasswordHasher& hasher;
  const crypto::SecretBox& secrets;  // TOTP secrets are sealed under "mfa:<user id>"
  AuditTrail& audit;
  const Clock& clock;
  BlockingPool& pool;
  // Turning the second factor off ends the account's other sessions, as a password change does:
  // whoever signed in elsewhere did so under the stronger rule.
  users::SessionRevoker& sessions;
};

class MfaService {
 public:
  using Caller = std::shared_ptr<const Principal>;

  MfaService(MfaDependencies deps, std::string issuer_label)
      : deps_(deps), issuer_label_(std::move(issuer_label)) {}

  // A new secret; the second factor stays off until confirmed (409 mfa_enabled when it is on).
  boost::asio::awaitable<TotpEnrolment> enroll(Caller caller);
  // Turns it on with a current code; returns the recovery codes (shown once). 409
  // mfa_not_enrolled / mfa_enabled; 401 invalid_mfa_code.
  boost::asio::awaitable<std::vector<std::string>> confirm(Caller caller, std::string code,
                                                           ClientInfo client);
  // Needs the password and a current code (403 invalid_credentials); 409 mfa_not_enabled.
  boost::asio::awaitable<void> disable(Caller caller, std::string password, std::string code,
                                       ClientInfo client);

  // Blocking, for sign-in. A current code of the account's secret, whose time step was not used
  // yet (it is used up now); a recovery code, used up now.
  bool verify_totp(const users::User& user, std::string_view code);
  bool use_recovery_code(std::string_view user_id, std::string_view code);

  boost::asio::awaitable<std::vector<std::string>> requirement();
  boost::asio::awaitable<std::vector<std::string>> set_requirement(std::vector<std::string> roles);
  // Blocking, for the authenticator: true when the setting requires a second factor of this
  // caller (by the roles it holds through memberships; platform admins by "platform_admin").
  bool enrollment_required(const Principal& caller);

 private:
  boost::asio::awaitable<void> record(std::string action, bool success, const Principal& caller,
                                      ClientInfo client);

  MfaDependencies deps_;
  std::string issuer_label_;
};

}  // namespace dokkerr::auth
