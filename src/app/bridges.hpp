#pragma once
// Ports that one domain declares and another domain's stores fill, connected here so that no
// domain includes another. Each bridge is a few lines over the other domain's public API.
#include "containers/team_directory.hpp"
#include "core/secret_sealer.hpp"
#include "gateway/rate_limiter.hpp"

namespace dokkerr::users {
class TeamStore;
}
namespace dokkerr::cache {
class RedisBuckets;
}
namespace dokkerr::crypto {
class SecretBox;
}

namespace dokkerr::app {

// containers' view of teams, over the teams the users domain keeps.
class TeamDirectoryBridge final : public containers::TeamDirectory {
 public:
  explicit TeamDirectoryBridge(users::TeamStore& teams) : teams_(teams) {}
  [[nodiscard]] bool exists(std::string_view team_id) override;
  [[nodiscard]] policy::Policy container_policy(std::string_view team_id) override;

 private:
  users::TeamStore& teams_;
};

// The gateway's shared buckets, kept in Redis.
class RedisBucketsBridge final : public gateway::SharedBuckets {
 public:
  explicit RedisBucketsBridge(cache::RedisBuckets& buckets) : buckets_(buckets) {}
  boost::asio::awaitable<std::optional<Take>> take(std::string key,
                                                   const gateway::BucketRule& rule) override;

 private:
  cache::RedisBuckets& buckets_;
};

// Secrets at rest in any domain's store, sealed under the master key.
class SecretBoxSealer final : public SecretSealer {
 public:
  explicit SecretBoxSealer(const crypto::SecretBox& box) : box_(box) {}
  [[nodiscard]] std::string seal(std::string_view plaintext,
                                 std::string_view context) const override;
  [[nodiscard]] std::string open(std::string_view sealed, std::string_view context) const override;
  [[nodiscard]] bool is_sealed(std::string_view value) const override;

 private:
  const crypto::SecretBox& box_;
};

}  // namespace dokkerr::app
