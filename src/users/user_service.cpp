#include "users/user_service.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/permissions.hpp"
#include "users/password_hasher.hpp"
#include "users/rules.hpp"
#include "users/session_revoker.hpp"
#include "users/username.hpp"

#include <boost/json/serialize.hpp>

namespace dokkerr::users {
namespace {

namespace asio = boost::asio;

constexpr std::size_t kMaxPreferencesBytes = 16 * 1024;

void apply_text(std::optional<std::string> change, std::string& field) {
  if (change) field = std::move(*change);
}

// The account as stored after a change (gone if it was deleted meanwhile).
User reread(UserStore& users, std::string_view id) {
  auto user = users.find(id);
  if (!user) throw user_not_found();
  return std::move(*user);
}

std::vector<std::string> allowed(const Principal& caller, const PermissionSet& set) {
  std::vector<std::string> out;
  for (const auto& p : set) {
    if (caller.scope_allows(p)) out.push_back(p);
  }
  return out;
}

}  // namespace

asio::awaitable<Page<User>> UserService::list(std::size_t limit, std::string cursor) {
  auto list = [&] {
    Page<User> page;
    page.items = users_.list(limit + 1, cursor);
    if (page.items.size() > limit) {
      page.items.resize(limit);
      page.next_cursor = username_key(page.items.back().username);
    }
    return page;
  };
  co_return co_await pool_.run(list);
}

asio::awaitable<User> UserService::create(NewUser request) {
  check_username(request.username);
  check_text("email", request.email);
  check_text("display_name", request.display_name);
  check_text("avatar_url", request.avatar_url);
  User user;
  user.id = random_hex(16);
  user.username = std::move(request.username);
  user.email = request.email.value_or("");
  user.display_name = request.display_name.value_or("");
  user.avatar_url = request.avatar_url.value_or("");
  user.is_admin = request.is_admin;
  user.password_hash = co_await hasher_.hash_new(std::move(request.password));
  user.created_at = user.updated_at = clock_.stamp();
  auto insert = [&] { users_.insert(user); };
  co_await pool_.run(insert);
  co_return user;
}

asio::awaitable<User> UserService::get(std::string id) {
  auto find = [&] { return users_.find(id); };
  auto user = co_await pool_.run(find);
  if (!user) throw user_not_found();
  co_return std::move(*user);
}

asio::awaitable<User> UserService::update(Caller caller, std::string id, UserChanges changes) {
  check_text("email", changes.email);
  check_text("display_name", changes.display_name);
  check_text("avatar_url", changes.avatar_url);
  const bool disables = changes.disabled && *changes.disabled;
  const bool demotes = changes.is_admin && !*changes.is_admin;
  if (id == caller->user_id && (disables || demotes)) {
    // Locking yourself out is never what an admin means; another admin can do it.
    throw Error::conflict("cannot_demote_self", "Admins cannot disable or demote themselves.");
  }
  auto update = [&] {
    auto user = users_.find(id);
    if (!user) throw user_not_found();
    apply_text(changes.email, user->email);
    apply_text(changes.display_name, user->display_name);
    apply_text(changes.avatar_url, user->avatar_url);
    users_.update_profile(*user);
    if (changes.disabled && *changes.disabled != user->disabled) {
      users_.set_disabled(id, *changes.disabled);
      if (*changes.disabled) sessions_.revoke_sessions(id, "disabled");
    }
    if (changes.is_admin && *changes.is_admin != user->is_admin) {
      users_.set_admin(id, *changes.is_admin);
      sessions_.revoke_sessions(id, "role_change");
    }
    return reread(users_, id);
  };
  co_return co_await pool_.run(update);
}

asio::awaitable<void> UserService::remove(Caller caller, std::string id) {
  if (id == caller->user_id) {
    throw Error::conflict("cannot_delete_self", "Admins cannot delete their own account.");
  }
  auto remove = [&] { return users_.remove(id); };
  const bool removed = co_await pool_.run(remove);
  if (!removed) throw user_not_found();
}

asio::awaitable<User> UserService::me(Caller caller) {
  if (accounts_ == nullptr) co_return co_await get(caller->user_id);
  if (auto cached = accounts_->find(caller->user_id, clock_.now())) co_return *cached;
  const auto loaded_in = accounts_->generation();
  auto user = co_await get(caller->user_id);
  remember_account(*accounts_, user, loaded_in, clock_.now());
  co_return user;
}

asio::awaitable<User> UserService::update_me(Caller caller, ProfileChanges changes) {
  check_text("email", changes.email);
  check_text("display_name", changes.display_name);
  check_text("avatar_url", changes.avatar_url);
  std::optional<std::string> preferences;
  if (changes.preferences) {
    preferences = boost::json::serialize(*changes.preferences);
    if (preferences->size() > kMaxPreferencesBytes) {
      throw Error::invalid("invalid_body", "preferences must stay under 16 KiB.");
    }
    if (const auto* theme = changes.preferences->if_contains("theme");
        theme != nullptr &&
        !(theme->is_string() && (theme->as_string() == "light" || theme->as_string() == "dark" ||
                                 theme->as_string() == "system"))) {
      throw Error::invalid("invalid_body", "preferences.theme is light, dark or system.");
    }
  }
  auto update = [&] {
    auto user = users_.find(caller->user_id);
    if (!user) throw user_not_found();
    apply_text(changes.email, user->email);
    apply_text(changes.display_name, user->display_name);
    apply_text(changes.avatar_url, user->avatar_url);
    apply_text(preferences, user->preferences_json);
    users_.update_profile(*user);
    return reread(users_, caller->user_id);
  };
  co_return co_await pool_.run(update);
}

EffectivePermissions UserService::permissions(const Principal& caller) {
  EffectivePermissions out;
  out.user_id = caller.user_id;
  out.is_admin = caller.is_admin;
  if (caller.is_admin) {
    for (const auto p : perm::all_permissions()) {
      if (caller.scope_allows(p)) out.platform.emplace_back(p);
    }
  }
  for (const auto& [team, set] : caller.team_permissions) out.teams[team] = allowed(caller, set);
  for (const auto& [org, set] : caller.org_permissions) {
    out.organizations[org] = allowed(caller, set);
  }
  for (const auto& [environment, teams] : caller.environment_teams) {
    out.environments[environment] = std::vector<std::string>(teams.begin(), teams.end());
  }
  if (caller.scopes) out.scopes = allowed(caller, *caller.scopes);
  return out;
}

}  // namespace dokkerr::users
