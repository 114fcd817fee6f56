#include "users/avatar_service.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"
#include "users/avatar_image.hpp"

#include <set>

namespace dokkerr::users {
namespace {

namespace asio = boost::asio;

Error avatar_not_found() {
  return Error::not_found("avatar_not_found", "No such avatar.");
}

// The owner, administrators, and whoever shares an organization with the owner.
bool may_see(const Principal& caller, const std::string& owner, const AccessFacts& facts) {
  if (caller.is_admin || caller.user_id == owner) return true;
  std::set<std::string, std::less<>> caller_orgs;
  for (const auto& [org, permissions] : caller.org_permissions) caller_orgs.insert(org);
  for (const auto& [team, org] : caller.team_orgs) caller_orgs.insert(org);
  for (const auto& role : facts.org_roles) {
    if (caller_orgs.contains(role.org_id)) return true;
  }
  for (const auto& role : facts.team_roles) {
    if (caller_orgs.contains(role.org_id)) return true;
  }
  return false;
}

}  // namespace

asio::awaitable<User> AvatarService::set(UserService::Caller caller, std::string upload) {
  auto store = [this, &caller, &upload] {
    const auto image = reencode_avatar(upload);
    avatars_.put(caller->user_id, image.bytes);
    // The version in the address makes browsers fetch a new avatar rather than a cached one.
    return "/api/v1/users/" + caller->user_id +
           "/avatar?v=" + crypto::sha256_hex(image.bytes).substr(0, 12);
  };
  auto url = co_await pool_.run(store);
  ProfileChanges changes;
  changes.avatar_url = std::move(url);
  co_return co_await users_.update_me(std::move(caller), std::move(changes));
}

asio::awaitable<User> AvatarService::remove(UserService::Caller caller) {
  auto drop = [this, &caller] { avatars_.remove(caller->user_id); };
  co_await pool_.run(drop);
  ProfileChanges changes;
  changes.avatar_url = std::string();
  co_return co_await users_.update_me(std::move(caller), std::move(changes));
}

asio::awaitable<Avatar> AvatarService::get(const Principal& caller, std::string user_id) {
  auto load = [this, &caller, &user_id]() -> std::optional<Avatar> {
    if (!may_see(caller, user_id,
                 caller.user_id == user_id ? AccessFacts{} : access_.facts_of(user_id))) {
      return std::nullopt;
    }
    auto bytes = avatars_.get(user_id);
    if (!bytes) return std::nullopt;
    const auto type = avatar_content_type(*bytes);
    if (type.empty()) return std::nullopt;  // not something this service wrote
    return Avatar{std::move(*bytes), std::string(type)};
  };
  auto avatar = co_await pool_.run(load);
  if (!avatar) throw avatar_not_found();
  co_return std::move(*avatar);
}

}  // namespace dokkerr::users
