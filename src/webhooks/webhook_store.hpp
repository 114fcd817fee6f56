#pragma once
// Event subscriptions and their deliveries: a durable queue in the database, so that an event
// accepted is delivered (or given up after its retries) whatever restarts in between. The
// subscription's secret is sealed at rest. Calls block: run them on the BlockingPool.
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr {
class SecretSealer;
}
namespace dokkerr::store {
class Database;
}

namespace dokkerr::webhooks {

struct Subscription {
  std::string id;
  std::string team_id;  // "" for a platform subscription (every event; admins only)
  std::string name;
  std::string url;
  std::string secret;  // the HMAC key
  std::set<std::string, std::less<>> events;
  bool enabled = true;
  std::string created_by, created_at;
};

struct Delivery {
  std::string id;
  std::string subscription_id;
  std::string event_id;
  std::string event_type;
  std::string body;
  std::string state = "pending";  // pending, delivered, failed
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;
  std::string last_error;
  std::string created_at;
  std::string finished_at;  // "" while pending
};

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;
  virtual void insert(const Subscription& subscription) = 0;
  virtual void update(const Subscription& subscription) = 0;
  [[nodiscard]] virtual std::optional<Subscription> get(std::string_view id) = 0;
  // nullopt: every subscription; else those of these teams ("" for platform ones).
  [[nodiscard]] virtual std::vector<Subscription> list(
      const std::optional<std::set<std::string, std::less<>>>& teams) = 0;
  [[nodiscard]] virtual std::size_t count(std::string_view team_id) = 0;
  virtual bool remove(std::string_view id) = 0;  // with its deliveries
  // Enabled subscriptions that hear `event_type` of `team_id` (the team's and the platform's).
  [[nodiscard]] virtual std::vector<Subscription> listening(std::string_view team_id,
                                                            std::string_view event_type) = 0;
  virtual void enqueue(const std::vector<Delivery>& deliveries) = 0;
  // Pending deliveries due by `now_ms`, oldest first.
  [[nodiscard]] virtual std::vector<Delivery> due(std::int64_t now_ms, std::size_t limit) = 0;
  virtual void update_delivery(const Delivery& delivery) = 0;
  // Newest first.
  [[nodiscard]] virtual std::vector<Delivery> deliveries(std::string_view subscription_id,
                                                         std::size_t limit) = 0;
  // Finished deliveries finished before `before` (a stored timestamp) are forgotten.
  virtual void prune(std::string_view before) = 0;
};

std::unique_ptr<WebhookStore> make_sql_webhook_store(store::Database& db,
                                                     const SecretSealer& sealer);

}  // namespace dokkerr::webhooks
