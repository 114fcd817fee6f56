#include "app/bridges.hpp"

#include "cache/redis_buckets.hpp"
#include "crypto/secret_box.hpp"
#include "users/team_store.hpp"

namespace dokkerr::app {

bool TeamDirectoryBridge::exists(std::string_view team_id) {
  return teams_.find(team_id).has_value();
}

policy::Policy TeamDirectoryBridge::container_policy(std::string_view team_id) {
  const auto team = teams_.find(team_id);
  return team ? policy::policy_from_json(team->policy_json) : policy::Policy{};
}

boost::asio::awaitable<std::optional<gateway::SharedBuckets::Take>> RedisBucketsBridge::take(
    std::string key, const gateway::BucketRule& rule) {
  const auto taken = co_await buckets_.take(std::move(key), rule.burst, rule.per_minute / 60.0);
  if (!taken) co_return std::nullopt;
  co_return Take{taken->allowed, taken->tokens_left};
}

std::string SecretBoxSealer::seal(std::string_view plaintext, std::string_view context) const {
  return box_.seal(plaintext, context);
}

std::string SecretBoxSealer::open(std::string_view sealed, std::string_view context) const {
  return box_.open(sealed, context);
}

bool SecretBoxSealer::is_sealed(std::string_view value) const {
  return crypto::SecretBox::looks_sealed(value);
}

}  // namespace dokkerr::app
