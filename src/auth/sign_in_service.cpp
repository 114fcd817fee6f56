#include "auth/sign_in_service.hpp"

#include "auth/login_throttle.hpp"
#include "auth/mfa_service.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "crypto/primitives.hpp"
#include "users/password_hasher.hpp"
#include "users/username.hpp"

namespace dokkerr::auth {
namespace {

namespace asio = boost::asio;

constexpr std::size_t kMaxSetupTokenBytes = 256;

Error invalid_credentials() {
  return {ErrorKind::unauthorized, "invalid_credentials", "The username or password is wrong."};
}

Error setup_complete() {
  return Error::conflict("setup_complete", "Setup is done; sign in instead.");
}

Error locked_out(std::int64_t seconds) {
  return {ErrorKind::rate_limited, "login_locked",
          "Too many failed sign-ins; try again in " + std::to_string(seconds) + " s."};
}

}  // namespace

std::optional<std::string> SignInService::prepare_setup() {
  const std::lock_guard lock(setup_mutex_);
  if (deps_.users.count() > 0) {
    setup_token_hash_.reset();
    return std::nullopt;
  }
  const auto token = crypto::base64url_encode(crypto::random_bytes(24));
  setup_token_hash_ = crypto::sha256_hex(token);
  return token;
}

asio::awaitable<bool> SignInService::setup_pending() {
  auto count = [this] { return deps_.users.count() == 0; };
  co_return co_await deps_.pool.run(count);
}

asio::awaitable<users::User> SignInService::setup(SetupRequest request, ClientInfo client) {
  users::check_username(request.username);
  std::optional<std::string> expected;
  {
    const std::lock_guard lock(setup_mutex_);
    expected = setup_token_hash_;
  }
  if (!expected) throw setup_complete();
  const bool pending = co_await setup_pending();
  if (!pending) throw setup_complete();
  if (request.setup_token.size() > kMaxSetupTokenBytes ||
      !crypto::constant_time_equal(crypto::sha256_hex(request.setup_token), *expected)) {
    co_await record("auth.setup", "failure", client, request.username);
    throw Error(ErrorKind::unauthorized, "invalid_setup_token", "The setup token is wrong.");
  }
  users::User user;
  user.password_hash = co_await deps_.hasher.hash_new(std::move(request.password));
  user.id = random_hex(16);
  user.username = std::move(request.username);
  user.is_admin = true;
  user.created_at = user.updated_at = deps_.clock.stamp();
  auto create = [&] { return deps_.users.insert_first(user); };
  const bool created = co_await deps_.pool.run(create);
  if (!created) throw setup_complete();
  {
    const std::lock_guard lock(setup_mutex_);
    setup_token_hash_.reset();
  }
  co_await record("auth.setup", "success", client, user.username);
  co_return user;
}

asio::awaitable<void> SignInService::count_failure(const std::string& account_key,
                                                   const std::string& address_key,
                                                   const std::string& username, std::string reason,
                                                   const ClientInfo& client) {
  auto count = [&] {
    const auto& settings = deps_.throttle.settings();
    const bool account = deps_.throttle.count_failure(account_key, settings.account_failures);
    const bool address = deps_.throttle.count_failure(address_key, settings.address_failures);
    return account || address;
  };
  const bool lockout = co_await deps_.pool.run(count);
  const std::string detail = R"({"reason":")" + reason + "\"}";
  co_await record("auth.login", "failure", client, username, detail);
  if (lockout) co_await record("auth.lockout", "denied", client, username, detail);
}

asio::awaitable<TokenPair> SignInService::login(LoginRequest request, ClientInfo client) {
  if (request.username.empty() || request.username.size() > users::kMaxUsernameBytes ||
      request.password.size() > users::kMaxPasswordBytes) {
    throw invalid_credentials();
  }
  const auto account_key = "account:" + users::username_key(request.username);
  const auto address_key = "address:" + client.remote_address;
  auto find = [&]() -> std::pair<std::optional<std::int64_t>, std::optional<users::User>> {
    auto wait = deps_.throttle.locked(account_key);
    if (!wait) wait = deps_.throttle.locked(address_key);
    return {wait, deps_.users.find_by_username(request.username)};
  };
  auto [wait, user] = co_await deps_.pool.run(find);
  if (wait) {
    co_await record("auth.login", "denied", client, request.username, R"({"reason":"locked"})");
    throw locked_out(*wait);
  }
  // Unknown accounts, accounts without a password and disabled ones all pay for one hash and
  // get the same answer.
  auto hash = user ? user->password_hash : std::nullopt;
  const auto check = co_await deps_.hasher.verify(request.password, std::move(hash));
  const bool password_ok =
      user && user->password_hash && !user->disabled && check != users::PasswordCheck::mismatch;
  if (!password_ok) {
    co_await count_failure(account_key, address_key, request.username, "credentials", client);
    throw invalid_credentials();
  }
  if (user->mfa_enabled) {
    if (!request.totp_code && !request.recovery_code) {
      throw Error(ErrorKind::unauthorized, "mfa_required",
                  "This account uses two-factor sign-in; send totp_code (or recovery_code).");
    }
    auto second_factor = [&] {
      if (request.totp_code) return deps_.mfa.verify_totp(*user, *request.totp_code);
      return deps_.mfa.use_recovery_code(user->id, *request.recovery_code);
    };
    const bool second_ok = co_await deps_.pool.run(second_factor);
    if (!second_ok) {
      co_await count_failure(account_key, address_key, request.username, "mfa", client);
      throw Error(ErrorKind::unauthorized, "invalid_mfa_code",
                  "The two-factor code is wrong or used.");
    }
  }
  if (check == users::PasswordCheck::match_needs_rehash) {
    auto fresh = co_await deps_.hasher.rehash(request.password);
    auto store_hash = [&] { deps_.users.set_password_hash(user->id, fresh); };
    co_await deps_.pool.run(store_hash);
  }
  auto open = [&] {
    deps_.throttle.clear(account_key);
    deps_.users.touch_login(user->id);
    return deps_.sessions.open(user->id, "password", client);
  };
  auto pair = co_await deps_.pool.run(open);
  Principal actor;
  actor.user_id = user->id;
  actor.username = user->username;
  co_await record("auth.login", "success", client, user->username, "{}", &actor);
  co_return pair;
}

asio::awaitable<TokenPair> SignInService::refresh(std::string refresh_token, ClientInfo client) {
  auto rotate = [&] { return deps_.sessions.refresh(refresh_token); };
  auto result = co_await deps_.pool.run(rotate);
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
  co_return std::move(*result.tokens);
}

asio::awaitable<void> SignInService::logout(Caller caller, ClientInfo client) {
  if (caller->session_id.empty()) {
    throw Error::invalid("not_a_session", "API keys have no session; revoke the key instead.");
  }
  auto revoke = [&] {
    return deps_.sessions.revoke(caller->user_id, caller->session_id, "logout");
  };
  co_await deps_.pool.run(revoke);
  co_await record("auth.logout", "success", client, caller->username, "{}", caller.get());
}

asio::awaitable<bool> SignInService::check_password(std::string user_id, std::string password) {
  auto find = [&] { return deps_.users.find(user_id); };
  const auto user = co_await deps_.pool.run(find);
  auto hash = user ? user->password_hash : std::nullopt;
  co_return co_await deps_.hasher.matches(std::move(password), std::move(hash));
}

asio::awaitable<void> SignInService::change_password(Caller caller, PasswordChange change,
                                                     ClientInfo client) {
  const bool current_ok = co_await check_password(caller->user_id, std::move(change.current));
  if (!current_ok) {
    co_await record("users.password_change", "failure", client, caller->username, "{}",
                    caller.get());
    throw Error(ErrorKind::forbidden, "invalid_current_password", "The current password is wrong.");
  }
  auto hash = co_await deps_.hasher.hash_new(std::move(change.next));
  auto store_hash = [&] {
    deps_.users.set_password_hash(caller->user_id, hash);
    // Everything else signed in as this account ends; the session that changed it stays.
    deps_.sessions.revoke_all(caller->user_id, "password_change", caller->session_id);
  };
  co_await deps_.pool.run(store_hash);
  co_await record("users.password_change", "success", client, caller->username, "{}", caller.get());
}

asio::awaitable<void> SignInService::record(std::string action, std::string result,
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
