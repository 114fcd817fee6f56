#pragma once
// Account avatars: uploaded by their owner, re-encoded (avatar_image.hpp) and kept in the object
// store (through the AvatarStore port), served to the owner, administrators and members of the
// owner's organizations; the account's avatar_url names the served copy.
#include "core/blocking_pool.hpp"
#include "core/principal.hpp"
#include "users/access_store.hpp"
#include "users/user_service.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>

namespace dokkerr::users {

// Where avatars are kept (blocking calls). Implemented over the object store where the program
// is wired.
class AvatarStore {
 public:
  virtual ~AvatarStore() = default;
  virtual void put(const std::string& user_id, const std::string& bytes) = 0;
  virtual std::optional<std::string> get(const std::string& user_id) = 0;
  virtual void remove(const std::string& user_id) = 0;
};

struct Avatar {
  std::string bytes;
  std::string content_type;
};

class AvatarService {
 public:
  AvatarService(AvatarStore& avatars, UserService& users, AccessStore& access, BlockingPool& pool)
      : avatars_(avatars), users_(users), access_(access), pool_(pool) {}

  // The caller's new avatar; returns the account with its avatar_url.
  boost::asio::awaitable<User> set(UserService::Caller caller, std::string upload);
  boost::asio::awaitable<User> remove(UserService::Caller caller);
  // Error not_found "avatar_not_found" when there is none or the caller may not see it.
  boost::asio::awaitable<Avatar> get(const Principal& caller, std::string user_id);

 private:
  AvatarStore& avatars_;
  UserService& users_;
  AccessStore& access_;
  BlockingPool& pool_;
};

}  // namespace dokkerr::users
