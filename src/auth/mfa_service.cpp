#include "auth/mfa_service.hpp"

#include "auth/errors.hpp"
#include "auth/mfa_store.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/permissions.hpp"
#include "crypto/secret_box.hpp"
#include "crypto/totp.hpp"
#include "store/settings_store.hpp"
#include "users/password_hasher.hpp"
#include "users/session_revoker.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace dokkerr::auth {
namespace {

namespace asio = boost::asio;

constexpr std::string_view kRequirementSetting = "mfa_required_for";
constexpr std::size_t kRecoveryCodes = 10;

std::string mfa_context(std::string_view user_id) {
  return "mfa:" + std::string(user_id);
}

bool holds_anywhere(const std::map<std::string, PermissionSet, std::less<>>& scopes,
                    std::string_view permission) {
  return std::any_of(scopes.begin(), scopes.end(),
                     [&](const auto& entry) { return entry.second.contains(permission); });
}

}  // namespace

Error unknown_mfa_role() {
  return Error::invalid("invalid_body",
                        "required_for holds platform_admin, org_admin, team_admin or everyone.");
}

asio::awaitable<TotpEnrolment> MfaService::enroll(Caller caller) {
  auto enroll = [&] {
    auto user = deps_.users.find(caller->user_id);
    if (!user) throw Error::not_found("user_not_found", "No such user.");
    if (user->mfa_enabled) {
      throw Error::conflict("mfa_enabled", "Two-factor sign-in is on; disable it to enrol again.");
    }
    const auto secret = crypto::new_totp_secret();
    deps_.users.set_mfa(user->id, false, deps_.secrets.seal(secret, mfa_context(user->id)));
    return TotpEnrolment{crypto::base32_encode(secret),
                         crypto::otpauth_uri(issuer_label_, user->username, secret)};
  };
  co_return co_await deps_.pool.run(enroll);
}

asio::awaitable<std::vector<std::string>> MfaService::confirm(Caller caller, std::string code,
                                                              ClientInfo client) {
  auto confirm = [&]() -> std::optional<std::vector<std::string>> {
    auto user = deps_.users.find(caller->user_id);
    if (!user || !user->mfa_secret) {
      throw Error::conflict("mfa_not_enrolled", "Enrol first (POST /api/v1/me/mfa/totp).");
    }
    if (user->mfa_enabled)
      throw Error::conflict("mfa_enabled", "Two-factor sign-in is already on.");
    if (!verify_totp(*user, code)) return std::nullopt;
    auto codes = crypto::new_recovery_codes(kRecoveryCodes);
    std::vector<std::string> hashes;
    for (const auto& c : codes) hashes.push_back(crypto::recovery_code_hash(c));
    // Codes first, then the switch: recovery codes of an account whose second factor is off
    // are never asked for, so a failure in between leaves nothing usable behind.
    deps_.codes.replace_recovery_codes(user->id, hashes);
    deps_.users.enable_mfa(user->id);
    return codes;
  };
  auto codes = co_await deps_.pool.run(confirm);
  const bool confirmed = codes.has_value();
  co_await record("users.mfa_enable", confirmed, *caller, std::move(client));
  if (!confirmed) throw invalid_mfa_code();
  co_return std::move(*codes);
}

asio::awaitable<void> MfaService::disable(Caller caller, std::string password, std::string code,
                                          ClientInfo client) {
  auto find = [&] { return deps_.users.find(caller->user_id); };
  const auto account = co_await deps_.pool.run(find);
  auto hash = account ? account->password_hash : std::nullopt;
  const bool password_ok = co_await deps_.hasher.matches(std::move(password), std::move(hash));
  auto disable = [&] {
    auto user = deps_.users.find(caller->user_id);
    if (!user || !user->mfa_enabled) {
      throw Error::conflict("mfa_not_enabled", "Two-factor sign-in is off.");
    }
    if (!password_ok || !verify_totp(*user, code)) return false;
    deps_.users.set_mfa(user->id, false, std::nullopt);
    deps_.codes.remove_recovery_codes(user->id);
    deps_.sessions.revoke_sessions(user->id, "mfa_disabled", caller->session_id);
    return true;
  };
  const bool disabled = co_await deps_.pool.run(disable);
  co_await record("users.mfa_disable", disabled, *caller, std::move(client));
  if (!disabled) {
    throw Error(ErrorKind::forbidden, "invalid_credentials", "The password or the code is wrong.");
  }
}

bool MfaService::verify_totp(const users::User& user, std::string_view code) {
  if (!user.mfa_secret) return false;
  const auto secret = deps_.secrets.open(*user.mfa_secret, mfa_context(user.id));
  const auto step =
      crypto::verify_totp(secret, code, deps_.clock.unix_seconds(), user.mfa_last_step);
  return step && deps_.users.advance_mfa_step(user.id, *step);
}

bool MfaService::use_recovery_code(std::string_view user_id, std::string_view code) {
  return deps_.codes.use_recovery_code(user_id, crypto::recovery_code_hash(code));
}

asio::awaitable<std::vector<std::string>> MfaService::requirement() {
  auto read = [&] {
    const auto stored = deps_.settings.get(kRequirementSetting);
    return stored ? json::stored_string_list(*stored) : std::vector<std::string>{};
  };
  co_return co_await deps_.pool.run(read);
}

asio::awaitable<std::vector<std::string>> MfaService::set_requirement(
    std::vector<std::string> roles) {
  for (const auto& role : roles) {
    if (std::find(kMfaRoles.begin(), kMfaRoles.end(), role) == kMfaRoles.end()) {
      throw unknown_mfa_role();
    }
  }
  auto write = [&] {
    deps_.settings.set(kRequirementSetting, boost::json::serialize(json::string_array(roles)));
  };
  co_await deps_.pool.run(write);
  co_return roles;
}

bool MfaService::enrollment_required(const Principal& caller) {
  const auto stored = deps_.settings.get(kRequirementSetting);
  if (!stored) return false;
  for (const auto& role : json::stored_string_list(*stored)) {
    if (role == "everyone") return true;
    if (role == "platform_admin" && caller.is_admin) return true;
    // Roles held through memberships: a platform admin is covered by "platform_admin" only.
    if (role == "org_admin" && holds_anywhere(caller.org_permissions, perm::org_manage)) {
      return true;
    }
    if (role == "team_admin" && holds_anywhere(caller.team_permissions, perm::team_manage)) {
      return true;
    }
  }
  return false;
}

asio::awaitable<void> MfaService::record(std::string action, bool success, const Principal& caller,
                                         ClientInfo client) {
  AuditRecord entry;
  entry.action = std::move(action);
  entry.result = success ? "success" : "failure";
  entry.client = std::move(client);
  set_actor(entry, caller);
  co_await deps_.audit.record(std::move(entry));
}

}  // namespace dokkerr::auth
