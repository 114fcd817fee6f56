#include "webhooks/webhook_service.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/logger.hpp"
#include "core/permissions.hpp"
#include "core/principal.hpp"
#include "http/webhook_post.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>

namespace dokkerr::webhooks {
namespace asio = boost::asio;
namespace bj = boost::json;

namespace {

Error not_found() {
  return Error::not_found("webhook_not_found", "There is no such webhook subscription.");
}

void check_name(const std::string& name) {
  const bool printable = std::none_of(name.begin(), name.end(), [](unsigned char c) {
    return c < 0x20 || c == 0x7f;
  });
  if (name.empty() || name.size() > 100 || !printable) {
    throw Error::invalid("invalid_webhook", "name: 1-100 printable characters.");
  }
}

std::set<std::string, std::less<>> checked_events(const std::vector<std::string>& events) {
  if (events.empty() || events.size() > 50) {
    throw Error::invalid("invalid_webhook", "events: 1-50 event types.");
  }
  std::set<std::string, std::less<>> out;
  for (const auto& event : events) {
    const auto& known = event_types();
    if (std::find(known.begin(), known.end(), event) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      throw Error::invalid("invalid_webhook", "events: '" + event.substr(0, 64) +
                                                  "' is not an event type (" + list + ").");
    }
    out.insert(event);
  }
  return out;
}

std::string new_secret() { return "whsec_" + random_hex(32); }

}  // namespace

const std::vector<std::string_view>& event_types() {
  static const std::vector<std::string_view> types{
      "container.started", "container.died",   "stack.deployed",         "stack.deploy_failed",
      "image.update_available", "stack.auto_updated", "alert.fired",   "alert.resolved",
      "backup.finished",   "backup.failed",    "webhook.test"};
  return types;
}

WebhookService::WebhookService(WebhookStore& store, BlockingPool& pool, const Clock& clock,
                               Logger& logger, AddressSet allowed,
                               std::function<bool(std::string_view)> team_exists,
                               DeliverySettings settings)
    : store_(store),
      pool_(pool),
      clock_(clock),
      logger_(logger),
      allowed_(std::move(allowed)),
      team_exists_(std::move(team_exists)),
      settings_(settings) {}

std::int64_t WebhookService::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             clock_.now().time_since_epoch())
      .count();
}

bool WebhookService::manages(const Principal& caller, const std::string& team) const {
  if (team.empty()) return caller.is_admin;
  return caller.has_in_team(team, perm::team_manage);
}

void WebhookService::check_target(const std::string& url) const {
  http::check_webhook_url(url);
  // Resolved now as well as at each delivery: a target that is not allowed is refused at once.
  (void)http::pinned_address(url, allowed_);
}

asio::awaitable<Subscription> WebhookService::managed(const Principal& caller, std::string id) {
  auto load = [this, &id] { return store_.get(id); };
  auto found = co_await pool_.run(load);
  if (!found || !manages(caller, found->team_id)) throw not_found();
  co_return std::move(*found);
}

asio::awaitable<std::vector<Subscription>> WebhookService::list(const Principal& caller) {
  std::optional<std::set<std::string, std::less<>>> teams;
  if (!caller.is_admin) teams = caller.teams_with(perm::team_manage);
  auto load = [this, &teams] { return store_.list(teams); };
  co_return co_await pool_.run(load);
}

asio::awaitable<Subscription> WebhookService::get(const Principal& caller, std::string id) {
  co_return co_await managed(caller, std::move(id));
}

asio::awaitable<Subscription> WebhookService::create(const Principal& caller,
                                                     SubscriptionDraft draft) {
  check_name(draft.name);
  Subscription s;
  s.events = checked_events(draft.events);
  if (!draft.team_id.empty()) {
    auto exists = [this, &draft] { return team_exists_(draft.team_id); };
    const bool known = co_await pool_.run(exists);
    if (!known || (!caller.is_admin && !caller.team_permissions.contains(draft.team_id))) {
      throw Error::not_found("team_not_found", "There is no such team.");
    }
  }
  if (!manages(caller, draft.team_id)) {
    throw Error(ErrorKind::forbidden, "permission_denied",
                draft.team_id.empty()
                    ? "Only platform admins make subscriptions of no team."
                    : "Managing the team's webhooks needs team:manage in the team.");
  }
  auto check = [this, &draft] { check_target(draft.url); };
  co_await pool_.run(check);
  s.id = random_hex(16);
  s.team_id = std::move(draft.team_id);
  s.name = std::move(draft.name);
  s.url = std::move(draft.url);
  s.secret = new_secret();
  s.enabled = draft.enabled;
  s.created_by = caller.username;
  s.created_at = clock_.stamp();
  auto insert = [this, &s] {
    if (store_.count(s.team_id) >= kMaxSubscriptionsPerTeam) {
      throw Error::conflict("too_many_webhooks", "A team keeps at most 50 webhook subscriptions.");
    }
    store_.insert(s);
  };
  co_await pool_.run(insert);
  co_return s;
}

asio::awaitable<Subscription> WebhookService::update(const Principal& caller, std::string id,
                                                     SubscriptionChange change) {
  auto s = co_await managed(caller, std::move(id));
  if (change.name) {
    check_name(*change.name);
    s.name = std::move(*change.name);
  }
  if (change.events) s.events = checked_events(*change.events);
  if (change.enabled) s.enabled = *change.enabled;
  if (change.rotate_secret) s.secret = new_secret();
  if (change.url) {
    auto check = [this, &change] { check_target(*change.url); };
    co_await pool_.run(check);
    s.url = std::move(*change.url);
  }
  auto save = [this, &s] { store_.update(s); };
  co_await pool_.run(save);
  co_return s;
}

asio::awaitable<void> WebhookService::remove(const Principal& caller, std::string id) {
  const auto s = co_await managed(caller, std::move(id));
  auto drop = [this, &s] { return store_.remove(s.id); };
  if (!co_await pool_.run(drop)) throw not_found();
}

asio::awaitable<std::vector<Delivery>> WebhookService::deliveries(const Principal& caller,
                                                                  std::string id,
                                                                  std::size_t limit) {
  const auto s = co_await managed(caller, std::move(id));
  auto load = [this, &s, limit] { return store_.deliveries(s.id, limit); };
  co_return co_await pool_.run(load);
}

Delivery WebhookService::queued(const Subscription& subscription, const std::string& event_id,
                                const std::string& type, const std::string& body) const {
  Delivery d;
  d.id = random_hex(16);
  d.subscription_id = subscription.id;
  d.event_id = event_id;
  d.event_type = type;
  d.body = body;
  d.next_attempt_ms = now_ms();
  d.created_at = clock_.stamp();
  return d;
}

asio::awaitable<Delivery> WebhookService::test(const Principal& caller, std::string id) {
  const auto s = co_await managed(caller, std::move(id));
  const auto event_id = random_hex(16);
  const auto body = bj::serialize(bj::object{{"id", event_id},
                                             {"type", "webhook.test"},
                                             {"time", clock_.stamp()},
                                             {"team_id", s.team_id},
                                             {"environment", ""},
                                             {"subject", "webhook:" + s.id},
                                             {"data", bj::object{{"name", s.name}}}});
  auto delivery = queued(s, event_id, "webhook.test", body);
  auto enqueue = [this, &delivery] { store_.enqueue({delivery}); };
  co_await pool_.run(enqueue);
  co_return delivery;
}

asio::awaitable<void> WebhookService::publish(PlatformEvent event) {
  const auto event_id = random_hex(16);
  const auto body = bj::serialize(bj::object{{"id", event_id},
                                             {"type", event.type},
                                             {"time", clock_.stamp()},
                                             {"team_id", event.team_id},
                                             {"environment", event.environment},
                                             {"subject", event.subject},
                                             {"data", event.data}});
  auto work = [this, &event, &event_id, &body] {
    std::vector<Delivery> out;
    for (const auto& s : store_.listening(event.team_id, event.type)) {
      out.push_back(queued(s, event_id, event.type, body));
    }
    store_.enqueue(out);
  };
  try {
    co_await pool_.run(work);
  } catch (const std::exception& error) {
    logger_.error("event not queued for webhooks",
                  {{"type", event.type}, {"error", std::string(error.what())}});
  }
}

std::size_t WebhookService::deliver_due() {
  const auto due = store_.due(now_ms(), settings_.per_pass);
  for (auto delivery : due) {
    const auto subscription = store_.get(delivery.subscription_id);
    http::WebhookAttempt attempt;
    if (!subscription) {
      attempt = {false, "the subscription is gone"};
      delivery.attempts = settings_.max_attempts - 1;
    } else if (settings_.post) {
      const auto [delivered, error] =
          settings_.post(*subscription, delivery.body, clock_.unix_seconds());
      attempt = {delivered, error};
    } else {
      attempt = http::post_webhook(subscription->url, subscription->secret, delivery.body,
                                   clock_.unix_seconds(), allowed_);
    }
    ++delivery.attempts;
    delivery.last_error = attempt.error.substr(0, 300);
    if (attempt.delivered) {
      delivery.state = "delivered";
      delivery.finished_at = clock_.stamp();
    } else if (delivery.attempts >= settings_.max_attempts) {
      delivery.state = "failed";
      delivery.finished_at = clock_.stamp();
      logger_.warn("webhook delivery given up", {{"subscription", delivery.subscription_id},
                                                  {"event", delivery.event_type},
                                                  {"error", delivery.last_error}});
    } else {
      const auto wait = std::min(settings_.longest_retry_ms,
                                 settings_.first_retry_ms << (delivery.attempts - 1));
      delivery.next_attempt_ms = now_ms() + wait;
    }
    store_.update_delivery(delivery);
  }
  // Finished deliveries are kept a week for the log.
  store_.prune(clock_.stamp_in(-std::chrono::seconds(7 * 24 * 3600)));
  return due.size();
}

}  // namespace dokkerr::webhooks
