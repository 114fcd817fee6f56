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
  const auto loaded_in = caches_ != nullptr ? caches_->accounts.generation() : 0;
  auto user = deps_.users.find(id);
  if (!user || user->disabled) throw authentication_required("This account is disabled.");
  if (caches_ != nullptr)
    remember_account(caches_->accounts, *user, loaded_in, caches_->clock.now());
  return std::move(*user);
}

TimePoint Authenticator::cache_deadline() const {
  return caches_ != nullptr ? caches_->clock.now() + kCallerCacheLife : TimePoint{};
}

namespace {

// The earlier of a deadline and a stored timestamp (unreadable: the deadline stands).
TimePoint no_later_than(TimePoint deadline, std::string_view stamp) {
  const auto at = parse_stamp(stamp);
  return at && *at < deadline ? *at : deadline;
}

}  // namespace

Authenticator::Resolved Authenticator::from_access_token(std::string_view token) {
  const auto [session, token_expires] = deps_.sessions.verified_session(token);
  const auto user = active_user(session.user_id);
  auto principal = deps_.access.principal_for(user);
  principal->session_id = session.id;
  principal->auth_method = session.auth_method;
  principal->mfa_enabled = user.mfa_enabled;
  auto deadline = no_later_than(cache_deadline(), session.expires_at);
  deadline = std::min(deadline, TimePoint{std::chrono::seconds(token_expires)});
  return {std::move(principal), deadline};
}

Authenticator::Resolved Authenticator::as_key(const ApiKeyRecord& key) {
  const auto user = active_user(key.user_id);
  auto principal = deps_.access.principal_for(user);
  deps_.api_keys.act_as(key, *principal);
  auto deadline = cache_deadline();
  if (key.expires_at) deadline = no_later_than(deadline, *key.expires_at);
  return {std::move(principal), deadline};
}

Authenticator::Resolved Authenticator::from_api_key(std::string_view key) {
  return as_key(deps_.api_keys.usable_by_secret(key));
}

std::shared_ptr<Principal> Authenticator::from_ticket(std::string_view ticket,
                                                      std::string_view path) {
  const auto subject = deps_.tickets.redeem(ticket, path);
  if (!subject) {
    throw authentication_required(
        "The WebSocket ticket is unknown, used, expired or issued for another path.");
  }
  if (!subject->api_key_id.empty()) {
    // The ticket stands for the key: its scopes, team binding and revocation apply.
    return as_key(deps_.api_keys.usable_by_id(subject->api_key_id)).first;
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

std::shared_ptr<Principal> Authenticator::again(const Principal& before) {
  if (!before.api_key_id.empty()) {
    return as_key(deps_.api_keys.usable_by_id(before.api_key_id)).first;
  }
  const auto user = active_user(before.user_id);
  if (before.session_id.empty() || !deps_.sessions.live(before.session_id)) throw session_revoked();
  auto principal = deps_.access.principal_for(user);
  principal->session_id = before.session_id;
  principal->auth_method = before.auth_method;
  principal->mfa_enabled = user.mfa_enabled;
  return principal;
}

asio::awaitable<std::shared_ptr<const Principal>> Authenticator::reauthenticate(
    const Principal& before) {
  auto load = [this, &before]() -> std::shared_ptr<const Principal> { return again(before); };
  co_return co_await deps_.pool.run(load);
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
  const bool cacheable = caches_ != nullptr && !ticket;
  if (cacheable) {
    if (auto known = caches_->callers.find(credential, caches_->clock.now())) co_return known;
  }
  const auto loaded_in = cacheable ? caches_->callers.generation() : 0;

  auto resolve = [&]() -> std::shared_ptr<const Principal> {
    Resolved resolved;
    if (ticket) {
      resolved.first = from_ticket(*ticket, credentials.path);
    } else if (credential.starts_with(kApiKeyPrefix)) {
      resolved = from_api_key(credential);
    } else {
      resolved = from_access_token(credential);
    }
    auto& principal = resolved.first;
    // Until an account that must have a second factor has one, it may only enrol it. A cached
    // caller may meet any route, so the answer is always worked out before it is kept.
    principal->mfa_enrollment_required = (credentials.enrolment_matters || cacheable) &&
                                         principal->api_key_id.empty() && !principal->mfa_enabled &&
                                         deps_.mfa.enrollment_required(*principal);
    std::shared_ptr<const Principal> caller = std::move(principal);
    if (cacheable) {
      caches_->callers.insert(credential, caller, resolved.second, loaded_in, caches_->clock.now());
    }
    return caller;
  };
  co_return co_await deps_.pool.run(resolve);
}

}  // namespace dokkerr::auth
