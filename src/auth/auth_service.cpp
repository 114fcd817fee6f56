#include "auth/auth_service.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/logger.hpp"
#include "core/permissions.hpp"
#include "crypto/primitives.hpp"
#include "crypto/secret_box.hpp"
#include "crypto/totp.hpp"
#include "store/database.hpp"
#include "store/settings_store.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <chrono>

namespace dokkerr::auth {
namespace {

using Clock = std::chrono::system_clock;
namespace asio = boost::asio;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
}

Error invalid_credentials() {
  return {ErrorKind::unauthorized, "invalid_credentials", "The username or password is wrong."};
}

Error authentication_required(std::string detail = "Sign in, or send an API key.") {
  return {ErrorKind::unauthorized, "authentication_required", std::move(detail)};
}

Error locked_out(std::int64_t seconds) {
  return {ErrorKind::rate_limited, "login_locked",
          "Too many failed sign-ins; try again in " + std::to_string(seconds) + " s."};
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
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

AuthService::AuthService(AuthDependencies deps, Argon2Params argon2, ThrottleSettings throttle)
    : deps_(deps), argon2_(argon2), throttle_(throttle) {
  dummy_hash_ = hash_password(crypto::base64url_encode(crypto::random_bytes(24)), argon2_);
}

std::optional<std::string> AuthService::prepare_setup() {
  const std::lock_guard lock(setup_mutex_);
  if (deps_.identity.count_users() > 0) {
    setup_token_hash_.reset();
    return std::nullopt;
  }
  const auto token = crypto::base64url_encode(crypto::random_bytes(24));
  setup_token_hash_ = crypto::sha256_hex(token);
  return token;
}

bool AuthService::setup_pending() { return deps_.identity.count_users() == 0; }

std::string AuthService::hash_new_password_blocking(std::string_view password) const {
  check_new_password(password);
  return hash_password(password, argon2_);
}

asio::awaitable<std::string> AuthService::hash_new_password(std::string password) {
  auto work = [this, password = std::move(password)] { return hash_new_password_blocking(password); };
  co_return co_await deps_.hash_pool.run(std::move(work));
}

asio::awaitable<User> AuthService::setup(std::string token, std::string username,
                                         std::string password, ClientInfo client) {
  check_username(username);
  std::optional<std::string> expected;
  {
    const std::lock_guard lock(setup_mutex_);
    expected = setup_token_hash_;
  }
  auto has_users = [this] { return deps_.identity.count_users() > 0; };
  bool done = !expected;
  if (!done) done = co_await deps_.db_pool.run(has_users);
  if (done) {
    throw Error::conflict("setup_complete", "Setup is done; sign in instead.");
  }
  if (token.size() > 256 || !crypto::constant_time_equal(crypto::sha256_hex(token), *expected)) {
    co_await record("auth.setup", "failure", client, username);
    throw Error(ErrorKind::unauthorized, "invalid_setup_token", "The setup token is wrong.");
  }
  auto hash = co_await hash_new_password(std::move(password));
  User user;
  user.id = random_hex(16);
  user.username = username;
  user.password_hash = std::move(hash);
  user.is_admin = true;
  user.created_at = user.updated_at = now_rfc3339();
  bool created = false;
  auto create = [&] {
    deps_.db.transaction([&](store::Database&) {
      // Checked again inside the transaction: two racing setups create one admin.
      if (deps_.identity.count_users() > 0) return;
      deps_.identity.insert_user(user);
      created = true;
    });
  };
  co_await deps_.db_pool.run(create);
  if (!created) throw Error::conflict("setup_complete", "Setup is done; sign in instead.");
  {
    const std::lock_guard lock(setup_mutex_);
    setup_token_hash_.reset();
  }
  co_await record("auth.setup", "success", client, user.username);
  co_return user;
}

std::optional<std::int64_t> AuthService::locked(std::string_view key) {
  const auto rows = deps_.db.query("SELECT locked_until FROM login_throttle WHERE key = ?",
                                   {std::string(key)});
  if (rows.empty() || rows.front().is_null(0)) return std::nullopt;
  const auto until = rows.front().text(0);
  const auto now = now_rfc3339();
  if (until <= now) return std::nullopt;
  // Seconds left, rounded up; the stamps are RFC 3339, so compare by re-formatting.
  for (std::int64_t s = 1; s <= throttle_.max_lockout_seconds + 1; ++s) {
    if (format_rfc3339(Clock::now() + std::chrono::seconds(s)) >= until) return s;
  }
  return throttle_.max_lockout_seconds;
}

bool AuthService::count_failure(std::string_view key, int threshold) {
  bool locked_now = false;
  deps_.db.transaction([&](store::Database& tx) {
    const auto now = now_rfc3339();
    const auto window_start =
        format_rfc3339(Clock::now() - std::chrono::seconds(throttle_.window_seconds));
    const auto rows = tx.query(
        "SELECT failures, window_start, lockouts FROM login_throttle WHERE key = ?", {std::string(key)});
    std::int64_t failures = 1;
    std::int64_t lockouts = 0;
    if (!rows.empty()) {
      lockouts = rows.front().integer(2);
      failures = rows.front().text(1) >= window_start ? rows.front().integer(0) + 1 : 1;
    }
    std::optional<std::string> locked_until;
    std::string started = rows.empty() || failures == 1 ? now : rows.front().text(1);
    if (failures >= threshold) {
      // Escalates with each lockout in a row, but is always temporary: an attacker can slow an
      // account down, never close it.
      const auto seconds = std::min(throttle_.first_lockout_seconds << std::min<std::int64_t>(lockouts, 20),
                                    throttle_.max_lockout_seconds);
      locked_until = format_rfc3339(Clock::now() + std::chrono::seconds(seconds));
      failures = 0;
      ++lockouts;
      locked_now = true;
    }
    tx.execute("DELETE FROM login_throttle WHERE key = ?", {std::string(key)});
    tx.execute(
        "INSERT INTO login_throttle (key, failures, window_start, lockouts, locked_until) VALUES "
        "(?, ?, ?, ?, ?)",
        {std::string(key), failures, started, lockouts,
         locked_until ? store::Value(*locked_until) : store::Value(nullptr)});
  });
  return locked_now;
}

void AuthService::clear_failures(std::string_view key) {
  deps_.db.execute("DELETE FROM login_throttle WHERE key = ?", {std::string(key)});
}

asio::awaitable<TokenPair> AuthService::login(LoginRequest request, ClientInfo client) {
  if (request.username.empty() || request.username.size() > users::kMaxUsernameBytes ||
      request.password.size() > kMaxPasswordBytes) {
    throw invalid_credentials();
  }
  const auto account_key = "account:" + username_key(request.username);
  const auto address_key = "address:" + client.remote_address;
  auto find = [&]() -> std::pair<std::optional<std::int64_t>, std::optional<User>> {
    auto wait = locked(account_key);
    if (!wait) wait = locked(address_key);
    return {wait, deps_.identity.find_user_by_username(request.username)};
  };
  auto [wait, user] = co_await deps_.db_pool.run(find);
  if (wait) {
    co_await record("auth.login", "denied", client, request.username, R"({"reason":"locked"})");
    throw locked_out(*wait);
  }
  // Unknown accounts, accounts without a password and disabled ones all pay for one hash and
  // get the same answer.
  const std::string encoded =
      user && user->password_hash ? *user->password_hash : dummy_hash_;
  auto verify = [&] { return verify_password(request.password, encoded, argon2_); };
  auto check = co_await deps_.hash_pool.run(verify);
  const bool password_ok = user && user->password_hash && !user->disabled &&
                           check != PasswordCheck::mismatch;
  auto fail = [&](std::string reason) -> asio::awaitable<void> {
    auto count = [&] {
      const bool account = count_failure(account_key, throttle_.account_failures);
      const bool address = count_failure(address_key, throttle_.address_failures);
      return account || address;
    };
    const bool lockout = co_await deps_.db_pool.run(count);
    const std::string detail = R"({"reason":")" + reason + "\"}";
    co_await record("auth.login", "failure", client, request.username, detail);
    if (lockout) co_await record("auth.lockout", "denied", client, request.username, detail);
  };
  if (!password_ok) {
    co_await fail("credentials");
    throw invalid_credentials();
  }
  if (user->mfa_enabled) {
    if (!request.totp_code && !request.recovery_code) {
      throw Error(ErrorKind::unauthorized, "mfa_required",
                  "This account uses two-factor sign-in; send totp_code (or recovery_code).");
    }
    bool second_ok = false;
    if (request.totp_code) {
      auto verify_code = [&] {
        const auto secret = deps_.secrets.open(user->mfa_secret.value_or(""), "mfa:" + user->id);
        const auto step = crypto::verify_totp(secret, *request.totp_code, unix_now(), user->mfa_last_step);
        return step && deps_.identity.advance_mfa_step(user->id, *step);
      };
      second_ok = co_await deps_.db_pool.run(verify_code);
    } else {
      auto use_code = [&] {
        return deps_.db.execute(
                   "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND "
                   "used_at IS NULL",
                   {now_rfc3339(), user->id, crypto::recovery_code_hash(*request.recovery_code)}) == 1;
      };
      second_ok = co_await deps_.db_pool.run(use_code);
    }
    if (!second_ok) {
      co_await fail("mfa");
      throw Error(ErrorKind::unauthorized, "invalid_mfa_code", "The two-factor code is wrong or used.");
    }
  }
  if (check == PasswordCheck::match_needs_rehash) {
    auto rehash = [&] { return hash_password(request.password, argon2_); };
    auto fresh = co_await deps_.hash_pool.run(rehash);
    auto store_hash = [&] { deps_.identity.set_password_hash(user->id, fresh); };
    co_await deps_.db_pool.run(store_hash);
  }
  auto open = [&] {
    clear_failures(account_key);
    deps_.identity.touch_login(user->id);
    return deps_.sessions.open_session(user->id, "password", client);
  };
  auto pair = co_await deps_.db_pool.run(open);
  auto principal = Principal{};
  principal.user_id = user->id;
  principal.username = user->username;
  co_await record("auth.login", "success", client, user->username, "{}", &principal);
  co_return pair;
}

asio::awaitable<TokenPair> AuthService::refresh(std::string refresh_token, ClientInfo client) {
  auto rotate = [&] { return deps_.sessions.refresh(refresh_token); };
  auto result = co_await deps_.db_pool.run(rotate);
  if (result.outcome == RefreshOutcome::reuse_detected) {
    Principal actor;
    actor.user_id = result.user_id;
    actor.session_id = result.session_id;
    co_await record("auth.refresh_token_reuse", "denied", client, "",
                    R"({"session_id":")" + result.session_id + "\"}", &actor);
    throw Error(ErrorKind::unauthorized, "refresh_token_reused",
                "This refresh token was already used; the session is revoked. Sign in again.");
  }
  if (!result.tokens) {
    throw Error(ErrorKind::unauthorized, "invalid_refresh_token",
                "The refresh token is not valid; sign in again.");
  }
  co_return *result.tokens;
}

asio::awaitable<void> AuthService::logout(std::shared_ptr<const Principal> caller, ClientInfo client) {
  if (caller->session_id.empty()) {
    throw Error::invalid("not_a_session", "API keys have no session; revoke the key instead.");
  }
  auto revoke = [&] { return deps_.sessions.revoke(caller->user_id, caller->session_id, "logout"); };
  co_await deps_.db_pool.run(revoke);
  co_await record("auth.logout", "success", client, caller->username, "{}", caller.get());
}

asio::awaitable<bool> AuthService::check_password(std::string user_id, std::string password) {
  auto find = [&] { return deps_.identity.find_user(user_id); };
  auto user = co_await deps_.db_pool.run(find);
  const std::string encoded = user && user->password_hash ? *user->password_hash : dummy_hash_;
  if (password.size() > kMaxPasswordBytes) co_return false;
  auto verify = [&] { return verify_password(password, encoded, argon2_); };
  const auto check = co_await deps_.hash_pool.run(verify);
  co_return user && user->password_hash && check != PasswordCheck::mismatch;
}

asio::awaitable<void> AuthService::change_password(std::shared_ptr<const Principal> caller,
                                                   std::string current, std::string next,
                                                   ClientInfo client) {
  if (!co_await check_password(caller->user_id, current)) {
    co_await record("users.password_change", "failure", client, caller->username, "{}", caller.get());
    throw Error(ErrorKind::forbidden, "invalid_current_password", "The current password is wrong.");
  }
  auto hash = co_await hash_new_password(std::move(next));
  auto store_hash = [&] {
    deps_.identity.set_password_hash(caller->user_id, hash);
    // Everything else signed in as this account ends; the session that changed it stays.
    deps_.sessions.revoke_all(caller->user_id, "password_change", caller->session_id);
  };
  co_await deps_.db_pool.run(store_hash);
  co_await record("users.password_change", "success", client, caller->username, "{}", caller.get());
}

asio::awaitable<std::string> AuthService::ws_ticket(std::shared_ptr<const Principal> caller) {
  auto issue = [&] {
    return deps_.sessions.issue_ticket(
        TicketSubject{caller->user_id, caller->session_id, caller->api_key_id});
  };
  co_return co_await deps_.db_pool.run(issue);
}

std::shared_ptr<Principal> AuthService::principal_for(const User& user) {
  auto principal = std::make_shared<Principal>();
  principal->user_id = user.id;
  principal->username = user.username;
  deps_.identity.load_access(user, *principal);
  return principal;
}

std::shared_ptr<Principal> AuthService::from_access_token(std::string_view token) {
  const auto [user_id, session_id] = deps_.sessions.verify_access(token);
  const auto session = deps_.sessions.live_session(session_id);
  if (!session || session->user_id != user_id) {
    throw Error(ErrorKind::unauthorized, "session_revoked", "This session has ended; sign in again.");
  }
  const auto user = deps_.identity.find_user(user_id);
  if (!user || user->disabled) throw authentication_required("This account is disabled.");
  auto principal = principal_for(*user);
  principal->session_id = session_id;
  principal->auth_method = session->auth_method;
  principal->mfa_enabled = user->mfa_enabled;
  return principal;
}

std::shared_ptr<Principal> AuthService::from_api_key(std::string_view key) {
  if (key.size() > 128 || !key.starts_with("dk_")) throw authentication_required("Unknown API key.");
  return api_key_principal("key_hash", crypto::sha256_hex(key));
}

std::shared_ptr<Principal> AuthService::api_key_principal(std::string_view column,
                                                                std::string value) {
  const auto rows = deps_.db.query(
      "SELECT id, user_id, scopes, team_id, expires_at, revoked_at, last_used_at FROM api_keys "
      "WHERE " + std::string(column) + " = ?",
      {std::move(value)});
  if (rows.empty()) throw authentication_required("Unknown API key.");
  const auto& row = rows.front();
  const auto now = now_rfc3339();
  if (!row.is_null(5)) throw authentication_required("This API key is revoked.");
  if (!row.is_null(4) && row.text(4) <= now) throw authentication_required("This API key expired.");
  const auto user = deps_.identity.find_user(row.text(1));
  if (!user || user->disabled) throw authentication_required("This account is disabled.");
  auto principal = principal_for(*user);
  principal->api_key_id = row.text(0);
  principal->auth_method = "api_key";
  PermissionSet scopes;
  const auto parsed = boost::json::parse(row.text(2));
  for (const auto& scope : parsed.as_array()) scopes.insert(std::string(scope.as_string()));
  principal->scopes = std::move(scopes);
  if (const auto team = row.optional_text(3)) {
    // A team-bound key acts in that team only: no platform or organization power, no other team.
    principal->is_admin = false;
    principal->org_permissions.clear();
    std::erase_if(principal->team_permissions, [&](const auto& e) { return e.first != *team; });
    for (auto& [environment, teams] : principal->environment_teams) {
      std::erase_if(teams, [&](const auto& t) { return t != *team; });
    }
  }
  // The last-used time is kept to the minute; writing it on every request would serialize them.
  const auto minute_ago = format_rfc3339(Clock::now() - std::chrono::seconds(60));
  if (row.is_null(6) || row.text(6) < minute_ago) {
    deps_.db.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", {now, row.text(0)});
  }
  return principal;
}

std::shared_ptr<Principal> AuthService::from_ticket(std::string_view ticket) {
  const auto subject = deps_.sessions.redeem_ticket(ticket);
  if (!subject) throw authentication_required("The WebSocket ticket is unknown, used or expired.");
  if (!subject->api_key_id.empty()) {
    // The ticket stands for the key: its scopes, team binding and revocation apply.
    return api_key_principal("id", subject->api_key_id);
  }
  const auto user = deps_.identity.find_user(subject->user_id);
  if (!user || user->disabled) throw authentication_required("This account is disabled.");
  if (!subject->session_id.empty() && !deps_.sessions.live_session(subject->session_id)) {
    throw Error(ErrorKind::unauthorized, "session_revoked", "This session has ended; sign in again.");
  }
  auto principal = principal_for(*user);
  principal->session_id = subject->session_id;
  principal->auth_method = "ws_ticket";
  principal->mfa_enabled = user->mfa_enabled;
  return principal;
}

asio::awaitable<std::shared_ptr<const Principal>> AuthService::authenticate(
    const http::Credentials& credentials) {
  std::string credential(bearer(credentials.authorization));
  if (credential.empty()) credential = std::string(credentials.api_key);
  std::optional<std::string> ticket;
  if (credential.empty()) ticket = credentials.ticket;
  if (credential.empty() && !ticket) throw authentication_required();
  if (credential.size() > 8192) throw authentication_required("The credential is too long.");

  auto resolve = [&]() -> std::shared_ptr<Principal> {
    auto principal = ticket                         ? from_ticket(*ticket)
                     : credential.starts_with("dk_") ? from_api_key(credential)
                                                     : from_access_token(credential);
    // Until an account that must have a second factor has one, it may only enrol it.
    principal->mfa_enrollment_required =
        principal->api_key_id.empty() && !principal->mfa_enabled && needs_mfa_enrollment(*principal);
    return principal;
  };
  co_return co_await deps_.db_pool.run(resolve);
}

namespace {
constexpr std::string_view kMfaSetting = "mfa_required_for";
constexpr std::array<std::string_view, 4> kMfaRoles{"platform_admin", "org_admin", "team_admin",
                                                    "everyone"};
}  // namespace

bool AuthService::needs_mfa_enrollment(const Principal& principal) {
  const auto stored = store::make_sql_settings_store(deps_.db, system_clock_)->get(kMfaSetting);
  if (!stored) return false;
  const auto value = boost::json::parse(*stored);
  for (const auto& role : value.as_array()) {
    const std::string_view name = role.as_string();
    if (name == "everyone") return true;
    if (name == "platform_admin" && principal.is_admin) return true;
    // Roles held through memberships: a platform admin is covered by "platform_admin" only.
    const auto holds = [](const auto& scopes, std::string_view permission) {
      return std::any_of(scopes.begin(), scopes.end(),
                         [&](const auto& entry) { return entry.second.contains(permission); });
    };
    if (name == "org_admin" && holds(principal.org_permissions, perm::org_manage)) return true;
    if (name == "team_admin" && holds(principal.team_permissions, perm::team_manage)) return true;
  }
  return false;
}

asio::awaitable<std::string> AuthService::mfa_requirement() {
  auto read = [this] { return store::make_sql_settings_store(deps_.db, system_clock_)->get(kMfaSetting).value_or("[]"); };
  auto roles = co_await deps_.db_pool.run(read);
  co_return R"({"required_for":)" + roles + "}";
}

asio::awaitable<std::string> AuthService::set_mfa_requirement(std::string body) {
  const auto object = json::parse_object(body);
  json::only_fields(object, {"required_for"});
  const auto* roles = json::optional_array(object, "required_for");
  if (roles == nullptr) throw Error::invalid("invalid_body", "required_for is a list of roles.");
  boost::json::array stored;
  for (const auto& role : *roles) {
    const bool known = role.is_string() && std::find(kMfaRoles.begin(), kMfaRoles.end(),
                                                     std::string_view(role.as_string())) != kMfaRoles.end();
    if (!known) {
      throw Error::invalid("invalid_body",
                           "required_for holds platform_admin, org_admin, team_admin or everyone.");
    }
    stored.push_back(role);
  }
  auto text = boost::json::serialize(stored);
  auto write = [this, &text] { store::make_sql_settings_store(deps_.db, system_clock_)->set(kMfaSetting, text); };
  co_await deps_.db_pool.run(write);
  co_return R"({"required_for":)" + text + "}";
}

asio::awaitable<void> AuthService::record(std::string action, std::string result,
                                          const ClientInfo& client, std::string actor_name,
                                          std::string detail_json, const Principal* actor) {
  AuditRecord entry;
  entry.action = std::move(action);
  entry.result = std::move(result);
  entry.client = client;
  entry.detail_json = std::move(detail_json);
  if (actor != nullptr) {
    set_actor(entry, *actor);
    if (entry.actor_name.empty()) entry.actor_name = actor_name;
  } else {
    entry.actor_name = std::move(actor_name);
  }
  co_await deps_.audit.record(std::move(entry));
}


}  // namespace dokkerr::auth
