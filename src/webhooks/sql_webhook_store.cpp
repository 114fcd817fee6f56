#include "core/secret_sealer.hpp"
#include "store/database.hpp"
#include "webhooks/webhook_store.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::webhooks {
namespace {

namespace bj = boost::json;

constexpr std::string_view kSubscriptionColumns =
    "id, team_id, name, url, secret, events, enabled, created_by, created_at";
constexpr std::string_view kDeliveryColumns =
    "id, subscription_id, event_id, event_type, body, state, attempts, next_attempt_ms, "
    "last_error, created_at, finished_at";

std::string context_of(std::string_view id) { return "webhook-secret:" + std::string(id); }

std::string events_text(const std::set<std::string, std::less<>>& events) {
  bj::array out;
  for (const auto& e : events) out.emplace_back(e);
  return bj::serialize(out);
}

std::set<std::string, std::less<>> events_of(const std::string& text) {
  std::set<std::string, std::less<>> out;
  boost::system::error_code ec;
  const auto value = bj::parse(text, ec);
  if (ec || !value.is_array()) return out;
  for (const auto& item : value.as_array()) {
    if (item.is_string()) out.emplace(item.as_string());
  }
  return out;
}

Delivery delivery_of(const store::Row& row) {
  Delivery d;
  d.id = row.text(0);
  d.subscription_id = row.text(1);
  d.event_id = row.text(2);
  d.event_type = row.text(3);
  d.body = row.text(4);
  d.state = row.text(5);
  d.attempts = static_cast<int>(row.integer(6));
  d.next_attempt_ms = row.integer(7);
  d.last_error = row.text(8);
  d.created_at = row.text(9);
  d.finished_at = row.text(10);
  return d;
}

class SqlWebhookStore final : public WebhookStore {
 public:
  SqlWebhookStore(store::Database& db, const SecretSealer& sealer) : db_(db), sealer_(sealer) {}

  void insert(const Subscription& s) override {
    db_.execute("INSERT INTO webhook_subscriptions (" + std::string(kSubscriptionColumns) +
                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {s.id, s.team_id, s.name, s.url, sealer_.seal(s.secret, context_of(s.id)),
                 events_text(s.events), std::int64_t{s.enabled ? 1 : 0}, s.created_by,
                 s.created_at});
  }

  void update(const Subscription& s) override {
    db_.execute(
        "UPDATE webhook_subscriptions SET name = ?, url = ?, secret = ?, events = ?, enabled = ? "
        "WHERE id = ?",
        {s.name, s.url, sealer_.seal(s.secret, context_of(s.id)), events_text(s.events),
         std::int64_t{s.enabled ? 1 : 0}, s.id});
  }

  std::optional<Subscription> get(std::string_view id) override {
    const auto rows = db_.query("SELECT " + std::string(kSubscriptionColumns) +
                                    " FROM webhook_subscriptions WHERE id = ?",
                                {std::string(id)});
    if (rows.empty()) return std::nullopt;
    return subscription_of(rows.front());
  }

  std::vector<Subscription> list(
      const std::optional<std::set<std::string, std::less<>>>& teams) override {
    if (teams && teams->empty()) return {};
    std::string sql = "SELECT " + std::string(kSubscriptionColumns) + " FROM webhook_subscriptions";
    std::vector<store::Value> params;
    if (teams) {
      sql += " WHERE team_id IN (";
      for (const auto& team : *teams) {
        sql += params.empty() ? "?" : ", ?";
        params.emplace_back(team);
      }
      sql += ")";
    }
    sql += " ORDER BY created_at, id";
    std::vector<Subscription> out;
    for (const auto& row : db_.query(sql, params)) out.push_back(subscription_of(row));
    return out;
  }

  std::size_t count(std::string_view team_id) override {
    const auto rows = db_.query("SELECT COUNT(*) FROM webhook_subscriptions WHERE team_id = ?",
                                {std::string(team_id)});
    return rows.empty() ? 0 : static_cast<std::size_t>(rows.front().integer(0));
  }

  bool remove(std::string_view id) override {
    bool removed = false;
    db_.transaction([&](store::Database& tx) {
      tx.execute("DELETE FROM webhook_deliveries WHERE subscription_id = ?", {std::string(id)});
      removed =
          tx.execute("DELETE FROM webhook_subscriptions WHERE id = ?", {std::string(id)}) > 0;
    });
    return removed;
  }

  std::vector<Subscription> listening(std::string_view team_id,
                                      std::string_view event_type) override {
    std::vector<Subscription> out;
    for (const auto& row :
         db_.query("SELECT " + std::string(kSubscriptionColumns) +
                       " FROM webhook_subscriptions WHERE enabled = 1 AND (team_id = ? OR "
                       "team_id = '') ORDER BY created_at, id",
                   {std::string(team_id)})) {
      auto s = subscription_of(row);
      if (s.events.contains(event_type)) out.push_back(std::move(s));
    }
    return out;
  }

  void enqueue(const std::vector<Delivery>& deliveries) override {
    if (deliveries.empty()) return;
    db_.transaction([&](store::Database& tx) {
      for (const auto& d : deliveries) {
        tx.execute("INSERT INTO webhook_deliveries (" + std::string(kDeliveryColumns) +
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   {d.id, d.subscription_id, d.event_id, d.event_type, d.body, d.state,
                    std::int64_t{d.attempts}, d.next_attempt_ms, d.last_error, d.created_at,
                    d.finished_at});
      }
    });
  }

  std::vector<Delivery> due(std::int64_t now_ms, std::size_t limit) override {
    std::vector<Delivery> out;
    for (const auto& row : db_.query("SELECT " + std::string(kDeliveryColumns) +
                                         " FROM webhook_deliveries WHERE state = 'pending' AND "
                                         "next_attempt_ms <= ? ORDER BY next_attempt_ms, id "
                                         "LIMIT ?",
                                     {now_ms, static_cast<std::int64_t>(limit)})) {
      out.push_back(delivery_of(row));
    }
    return out;
  }

  void update_delivery(const Delivery& d) override {
    db_.execute(
        "UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_ms = ?, "
        "last_error = ?, finished_at = ? WHERE id = ?",
        {d.state, std::int64_t{d.attempts}, d.next_attempt_ms, d.last_error, d.finished_at, d.id});
  }

  std::vector<Delivery> deliveries(std::string_view subscription_id, std::size_t limit) override {
    std::vector<Delivery> out;
    for (const auto& row : db_.query("SELECT " + std::string(kDeliveryColumns) +
                                         " FROM webhook_deliveries WHERE subscription_id = ? "
                                         "ORDER BY created_at DESC, id DESC LIMIT ?",
                                     {std::string(subscription_id),
                                      static_cast<std::int64_t>(limit)})) {
      out.push_back(delivery_of(row));
    }
    return out;
  }

  void prune(std::string_view before) override {
    db_.execute(
        "DELETE FROM webhook_deliveries WHERE state <> 'pending' AND finished_at < ? AND "
        "finished_at <> ''",
        {std::string(before)});
  }

 private:
  Subscription subscription_of(const store::Row& row) const {
    Subscription s;
    s.id = row.text(0);
    s.team_id = row.text(1);
    s.name = row.text(2);
    s.url = row.text(3);
    s.secret = sealer_.open(row.text(4), context_of(s.id));
    s.events = events_of(row.text(5));
    s.enabled = row.integer(6) != 0;
    s.created_by = row.text(7);
    s.created_at = row.text(8);
    return s;
  }

  store::Database& db_;
  const SecretSealer& sealer_;
};

}  // namespace

std::unique_ptr<WebhookStore> make_sql_webhook_store(store::Database& db,
                                                     const SecretSealer& sealer) {
  return std::make_unique<SqlWebhookStore>(db, sealer);
}

}  // namespace dokkerr::webhooks
