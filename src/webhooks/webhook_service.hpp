#pragma once
// Outbound event webhooks: a team's subscriptions to platform events (events.hpp), each a URL
// and a secret; every event accepted is queued in the database for each subscription that hears
// it and delivered from there by the replica holding the scheduler lease, so nothing accepted is
// lost to a restart. Each delivery is one signed POST (http/webhook_post.hpp: HMAC-SHA256 over
// timestamp and body, the address checked after resolving and dialled as checked, no
// redirects), retried with exponential backoff (5 s doubling to 1 h, 12 attempts), and logged.
//
// Who may: team:manage in the team for its subscriptions (their secrets and delivery logs);
// platform admins for every one, and for platform subscriptions (no team: every event). Anyone
// else is told a subscription does not exist (404 webhook_not_found).
#include "core/address_set.hpp"
#include "core/event_sink.hpp"
#include "webhooks/webhook_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dokkerr {
class BlockingPool;
class Clock;
class Logger;
struct Principal;
}  // namespace dokkerr

namespace dokkerr::webhooks {

struct SubscriptionDraft {
  std::string team_id;  // "" for a platform subscription
  std::string name;
  std::string url;
  std::vector<std::string> events;
  bool enabled = true;
};

struct SubscriptionChange {
  std::optional<std::string> name, url;
  std::optional<std::vector<std::string>> events;
  std::optional<bool> enabled;
  bool rotate_secret = false;
};

// One attempt to hand `body` to the subscription's URL (http::post_webhook when not set).
using Poster = std::function<std::pair<bool, std::string>(const Subscription& subscription,
                                                          const std::string& body,
                                                          std::int64_t unix_seconds)>;

struct DeliverySettings {
  Poster post;
  std::int64_t first_retry_ms = 5'000;
  std::int64_t longest_retry_ms = 3'600'000;
  int max_attempts = 12;
  std::size_t per_pass = 20;
};

inline constexpr std::size_t kMaxSubscriptionsPerTeam = 50;

class WebhookService final : public EventSink {
 public:
  // `allowed`: private addresses a platform admin allowed as targets (--alert-webhook-allow).
  WebhookService(WebhookStore& store, BlockingPool& pool, const Clock& clock, Logger& logger,
                 AddressSet allowed, std::function<bool(std::string_view)> team_exists,
                 DeliverySettings settings = {});

  boost::asio::awaitable<std::vector<Subscription>> list(const Principal& caller);
  boost::asio::awaitable<Subscription> get(const Principal& caller, std::string id);
  // The subscription with its secret: the only time the secret is shown (and after a rotation).
  boost::asio::awaitable<Subscription> create(const Principal& caller, SubscriptionDraft draft);
  boost::asio::awaitable<Subscription> update(const Principal& caller, std::string id,
                                              SubscriptionChange change);
  boost::asio::awaitable<void> remove(const Principal& caller, std::string id);
  boost::asio::awaitable<std::vector<Delivery>> deliveries(const Principal& caller,
                                                           std::string id, std::size_t limit);
  // Queues a webhook.test event for this subscription alone.
  boost::asio::awaitable<Delivery> test(const Principal& caller, std::string id);

  boost::asio::awaitable<void> publish(PlatformEvent event) override;
  // Blocking: attempts the due deliveries (at most per_pass); how many were attempted.
  std::size_t deliver_due();

 private:
  boost::asio::awaitable<Subscription> managed(const Principal& caller, std::string id);
  [[nodiscard]] bool manages(const Principal& caller, const std::string& team) const;
  void check_target(const std::string& url) const;
  [[nodiscard]] std::int64_t now_ms() const;
  [[nodiscard]] Delivery queued(const Subscription& subscription, const std::string& event_id,
                                const std::string& type, const std::string& body) const;

  WebhookStore& store_;
  BlockingPool& pool_;
  const Clock& clock_;
  Logger& logger_;
  AddressSet allowed_;
  std::function<bool(std::string_view)> team_exists_;
  DeliverySettings settings_;
};

// The event types subscriptions may name.
[[nodiscard]] const std::vector<std::string_view>& event_types();

}  // namespace dokkerr::webhooks
