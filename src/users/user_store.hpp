#pragma once
// Where accounts are kept (the users table). The credential columns (password hash, second
// factor, OpenID subject) are reached through this interface only, by users and auth alike.
// Every call blocks: run it on the BlockingPool.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr {
class Clock;
}
namespace dokkerr::store {
class Database;
}

namespace dokkerr::users {

struct User {
  std::string id, username, email, display_name, avatar_url;
  std::string preferences_json = "{}";
  std::optional<std::string> password_hash;  // none for accounts that only sign in via OIDC
  bool is_admin = false, disabled = false, mfa_enabled = false;
  std::optional<std::string> mfa_secret;  // sealed
  std::int64_t mfa_last_step = 0;
  std::optional<std::string> oidc_provider, oidc_subject;  // issuer and sub of an OIDC account
  std::string created_at, updated_at;
  std::optional<std::string> last_login_at;
};

class UserStore {
 public:
  virtual ~UserStore() = default;

  virtual std::int64_t count() = 0;
  // Error conflict "username_taken" when the name (compared case-insensitively) or the OpenID
  // subject is taken.
  virtual void insert(const User& user) = 0;
  // The first admin: inserts only while there is no account at all, checked again inside the
  // transaction so that two racing setups create one admin. False when an account exists.
  virtual bool insert_first(const User& user) = 0;

  virtual std::optional<User> find(std::string_view id) = 0;
  virtual std::optional<User> find_by_username(std::string_view username) = 0;
  virtual std::optional<User> find_by_oidc(std::string_view issuer, std::string_view subject) = 0;
  // Ordered by username_key; the accounts whose key sorts after username_key(after).
  virtual std::vector<User> list(std::size_t limit, std::string_view after) = 0;

  // Email, display name, avatar and preferences; stamps updated_at.
  virtual void update_profile(const User& user) = 0;
  virtual void set_password_hash(std::string_view id, std::string_view hash) = 0;
  virtual void set_disabled(std::string_view id, bool disabled) = 0;
  virtual void set_admin(std::string_view id, bool admin) = 0;
  // Replaces the second factor: a new sealed secret (or none) with MFA on or off; the last used
  // TOTP step starts over.
  virtual void set_mfa(std::string_view id, bool enabled,
                       const std::optional<std::string>& secret) = 0;
  // Turns on the second factor enrolled with set_mfa, keeping its secret and last used step (so
  // the code that confirmed it cannot sign in again).
  virtual void enable_mfa(std::string_view id) = 0;
  // Records a used TOTP step with one conditional UPDATE: of two sign-ins racing with the same
  // code exactly one gets true. False when the step is not later than the last one recorded.
  virtual bool advance_mfa_step(std::string_view id, std::int64_t step) = 0;
  virtual void touch_login(std::string_view id) = 0;
  // Deletes the users row only. The schema's ON DELETE CASCADE (both backends; SQLite runs with
  // foreign_keys=ON) removes the account's sessions (and with them their refresh tokens), API
  // keys, recovery codes and team and organization memberships.
  virtual bool remove(std::string_view id) = 0;
};

std::unique_ptr<UserStore> make_sql_user_store(store::Database& db, const Clock& clock);

}  // namespace dokkerr::users
