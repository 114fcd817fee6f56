#pragma once
// Ports that one domain declares and another domain's stores fill, connected here so that no
// domain includes another. Each bridge is a few lines over the other domain's public API.
#include "containers/team_directory.hpp"
#include "gateway/rate_limiter.hpp"

namespace dokkerr::users {
class TeamStore;
}
namespace dokkerr::cache {
class RedisBuckets;
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

}  // namespace dokkerr::app
