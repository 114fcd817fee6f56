#pragma once
// Accounts: the platform admins' list and edits, and each person's own profile. Objects a caller
// may not see answer 404, like objects that do not exist.
#include "core/page.hpp"
#include "core/principal.hpp"
#include "users/account_cache.hpp"
#include "users/user_store.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dokkerr {
class BlockingPool;
class Clock;
}  // namespace dokkerr

namespace dokkerr::users {

class PasswordHasher;
class SessionRevoker;

struct NewUser {
  std::string username, password;
  std::optional<std::string> email, display_name, avatar_url;
  bool is_admin = false;
};

// What a platform admin may change on an account.
struct UserChanges {
  std::optional<std::string> email, display_name, avatar_url;
  std::optional<bool> disabled, is_admin;
};

// What a person may change on their own account (never its role or state).
struct ProfileChanges {
  std::optional<std::string> email, display_name, avatar_url;
  // The client's own settings document, kept as sent (theme is the one key the server reads).
  std::optional<boost::json::object> preferences;
};

// A caller's permissions as /me/permissions shows them: within an API key's scopes.
struct EffectivePermissions {
  std::string user_id;
  bool is_admin = false;
  std::vector<std::string> platform;  // every permission, for platform admins
  std::map<std::string, std::vector<std::string>> teams, organizations;
  std::map<std::string, std::vector<std::string>> environments;  // environment → teams
  std::optional<std::vector<std::string>> scopes;                // an API key's
};

class UserService {
 public:
  using Caller = std::shared_ptr<const Principal>;

  // `accounts`, when given, answers me() without a trip to the database.
  UserService(UserStore& users, SessionRevoker& sessions, PasswordHasher& hasher,
              const Clock& clock, BlockingPool& pool, AccountCache* accounts = nullptr)
      : users_(users),
        sessions_(sessions),
        hasher_(hasher),
        clock_(clock),
        pool_(pool),
        accounts_(accounts) {}

  // Platform admins (the routes require users:manage).
  boost::asio::awaitable<Page<User>> list(std::size_t limit, std::string cursor);
  boost::asio::awaitable<User> create(NewUser request);
  boost::asio::awaitable<User> get(std::string id);
  // Disabling an account or changing its admin flag ends its sessions. An admin cannot disable
  // or demote themselves (409 cannot_demote_self).
  boost::asio::awaitable<User> update(Caller caller, std::string id, UserChanges changes);
  // 409 cannot_delete_self.
  boost::asio::awaitable<void> remove(Caller caller, std::string id);

  // The caller's own account.
  boost::asio::awaitable<User> me(Caller caller);
  boost::asio::awaitable<User> update_me(Caller caller, ProfileChanges changes);
  static EffectivePermissions permissions(const Principal& caller);

 private:
  UserStore& users_;
  SessionRevoker& sessions_;
  PasswordHasher& hasher_;
  const Clock& clock_;
  BlockingPool& pool_;
  AccountCache* accounts_;
};

}  // namespace dokkerr::users
