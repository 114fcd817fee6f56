#include "auth/authenticator.hpp"

#include "auth/api_key_service.hpp"
#include "auth/errors.hpp"
#include "auth/mfa_service.hpp"
#include "auth/opaque_secret.hpp"
#include "auth/session_service.hpp"
#include "auth/ticket_service.hpp"
#include "core/blocking_pool.hpp"
#include "users/access_model.hpp"
#include "users/user_store.hpp"

#include <algorithm>
#include <cctype>

namespace dokkerr::auth {
namespace {

namespace asio = boost::asio;

constexpr std::size_t kMaxCredentialBytes = 8192;

bool iequals_ascii(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The bearer credential of an Authorization header, or "" when there is none.
std::string_view bearer(std::string_view header) {
  const auto space = header.find(' ');
  if (space == std::string_view::npos || !iequals_ascii(header.substr(0, space), "bearer")) {
    return {};
  }
  auto value = header.substr(space + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return value;
}

}  // namespace

users::User Authenticator::active_user(std::string_view id) {
  auto user = deps_.users.find(id);
  if (!user || user->disabled) throw authentication_required("This account is disabled.");
  return std::move(*user);
}

std::shared_ptr<Principal> Authenticator::from_access_token(std::string_view token) {
  const auto session = deps_.sessions.session_of(token);
  const auto user = active_user(session.user_id);
  auto principal = deps_.access.principal_for(user);
  principal->session_id = session.id;
  principal->auth_method = session.auth_method;
  principal->mfa_enabled = user.mfa_enabled;
  return principal;
}

std::shared_ptr<Principal> Authenticator::as_key(const ApiKeyRecord& key) {
  const auto user = active_user(key.user_id);
  auto principal = deps_.access.principal_for(user);
  deps_.api_keys.act_as(key, *principal);
  return principal;
}

std::shared_ptr<Principal> Authenticator::from_api_key(std::string_view key) {
  return as_key(deps_.api_keys.usable_by_secret(key));
}

std::shared_ptr<Principal> Authenticator::from_ticket(std::string_view ticket) {
  const auto subject = deps_.tickets.redeem(ticket);
  if (!subject) throw authentication_required("The WebSocket ticket is unknown, used or expired.");
  if (!subject->api_key_id.empty()) {
    // The ticket stands for the key: its scopes, team binding and revocation apply.
    return as_key(deps_.api_keys.usable_by_id(subject->api_key_id));
  }
  const auto user = active_user(subject->user_id);
  if (!subject->session_id.empty() && !deps_.sessions.live(subject->session_id)) {
    throw session_revoked();
  }
  auto principal = deps_.access.principal_for(user);
  principal->session_id = subject->session_id;
  principal->auth_method = "ws_ticket";
  principal->mfa_enabled = user.mfa_enabled;
  return principal;
}

asio::awaitable<std::shared_ptr<const Principal>> Authenticator::authenticate(
    const http::Credentials& credentials) {
  std::string credential(bearer(credentials.authorization));
  if (credential.empty()) credential = std::string(credentials.api_key);
  std::optional<std::string> ticket;
  if (credential.empty()) ticket = credentials.ticket;
  if (credential.empty() && !ticket) throw authentication_required();
  if (credential.size() > kMaxCredentialBytes) {
    throw authentication_required("The credential is too long.");
  }

  auto resolve = [&]() -> std::shared_ptr<const Principal> {
    std::shared_ptr<Principal> principal;
    if (ticket) {
      principal = from_ticket(*ticket);
    } else if (credential.starts_with(kApiKeyPrefix)) {
      principal = from_api_key(credential);
    } else {
      principal = from_access_token(credential);
    }
    // Until an account that must have a second factor has one, it may only enrol it.
    principal->mfa_enrollment_required = credentials.enrolment_matters &&
                                         principal->api_key_id.empty() && !principal->mfa_enabled &&
                                         deps_.mfa.enrollment_required(*principal);
    return principal;
  };
  co_return co_await deps_.pool.run(resolve);
}

}  // namespace dokkerr::auth
