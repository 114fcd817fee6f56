#include "monitoring/alert_store.hpp"

#include "store/database.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::monitoring {
namespace {

using store::Row;
using store::Value;

constexpr std::string_view kRuleColumns =
    "id, team_id, name, kind, metric, comparison, threshold, for_ms, event, environment, "
    "container, webhook_url, webhook_format, webhook_secret, enabled, created_by, created_at, "
    "updated_at, labels";

constexpr std::string_view kAlertColumns =
    "id, rule_id, rule_name, team_id, fingerprint, environment, container_id, container_name, "
    "state, value, summary, started_at_ms, resolved_at_ms, acknowledged_by, acknowledged_at_ms, "
    "silenced";

double real(const Row& row, std::size_t i) {
  const auto& v = row.value(i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return static_cast<double>(*n);
  return std::stod(row.text(i));
}

std::string labels_json(const AlertRule& rule) {
  boost::json::object labels;
  for (const auto& [key, value] : rule.labels) labels[key] = value;
  return boost::json::serialize(labels);
}

AlertRule rule_of(const Row& r) {
  AlertRule rule;
  rule.id = r.text(0);
  rule.team = r.text(1);
  rule.name = r.text(2);
  rule.kind = r.text(3) == "event" ? RuleKind::event : RuleKind::metric;
  rule.metric = alert_metric_named(r.text(4)).value_or(AlertMetric::cpu_percent);
  rule.comparison = r.text(5) == "<" ? Comparison::below : Comparison::above;
  rule.threshold = real(r, 6);
  rule.for_ms = r.integer(7);
  rule.event = alert_event_named(r.text(8)).value_or(AlertEvent::died);
  rule.environment = r.text(9);
  rule.container = r.text(10);
  rule.webhook_url = r.text(11);
  rule.webhook_format = webhook_format_named(r.text(12)).value_or(WebhookFormat::dokkerr);
  rule.webhook_secret = r.text(13);
  rule.enabled = r.integer(14) != 0;
  rule.created_by = r.text(15);
  rule.created_at = r.text(16);
  rule.updated_at = r.text(17);
  boost::system::error_code ec;
  const auto labels = boost::json::parse(r.text(18), ec);
  if (!ec && labels.is_object()) {
    for (const auto& [key, value] : labels.as_object()) {
      if (value.is_string()) rule.labels.emplace_back(key, value.as_string());
    }
  }
  return rule;
}

std::vector<Value> rule_values(const AlertRule& rule) {
  return {rule.id,
          rule.team,
          rule.name,
          std::string(rule.kind == RuleKind::event ? "event" : "metric"),
          std::string(name_of(rule.metric)),
          std::string(rule.comparison == Comparison::below ? "<" : ">"),
          rule.threshold,
          rule.for_ms,
          std::string(name_of(rule.event)),
          rule.environment,
          rule.container,
          rule.webhook_url,
          std::string(name_of(rule.webhook_format)),
          rule.webhook_secret,
          std::int64_t{rule.enabled ? 1 : 0},
          rule.created_by,
          rule.created_at,
          rule.updated_at,
          labels_json(rule)};
}

Alert alert_of(const Row& r) {
  Alert alert;
  alert.id = r.text(0);
  alert.rule_id = r.text(1);
  alert.rule_name = r.text(2);
  alert.team = r.text(3);
  alert.fingerprint = r.text(4);
  alert.environment = r.text(5);
  alert.container_id = r.text(6);
  alert.container_name = r.text(7);
  alert.state = r.text(8) == "firing" ? AlertState::firing : AlertState::resolved;
  alert.value = real(r, 9);
  alert.summary = r.text(10);
  alert.started_at_ms = r.integer(11);
  if (!r.is_null(12)) alert.resolved_at_ms = r.integer(12);
  alert.acknowledged_by = r.text(13);
  if (!r.is_null(14)) alert.acknowledged_at_ms = r.integer(14);
  alert.silenced = r.integer(15) != 0;
  return alert;
}

Silence silence_of(const Row& r) {
  return Silence{r.text(0),    r.text(1), r.text(2), r.text(3),
                 r.integer(4), r.text(5), r.text(6), r.integer(7)};
}

constexpr std::string_view kSilenceColumns =
    "id, team_id, rule_id, container, ends_at_ms, comment, created_by, created_at_ms";

constexpr std::string_view kDeliveryColumns =
    "id, alert_id, url, format, secret, body, attempts, next_attempt_ms, state, last_error";

Delivery delivery_of(const Row& r) {
  Delivery d;
  d.id = r.text(0);
  d.alert_id = r.text(1);
  d.url = r.text(2);
  d.format = webhook_format_named(r.text(3)).value_or(WebhookFormat::dokkerr);
  d.secret = r.text(4);
  d.body = r.text(5);
  d.attempts = static_cast<int>(r.integer(6));
  d.next_attempt_ms = r.integer(7);
  d.state = r.text(8);
  d.last_error = r.text(9);
  return d;
}

// "team_id IN (?, ?, …)" for a team set; "1 = 1" for all; "1 = 0" for none.
std::string team_clause(const std::optional<TeamIds>& teams, std::vector<Value>& params) {
  if (!teams) return "1 = 1";
  if (teams->empty()) return "1 = 0";
  std::string clause = "team_id IN (";
  bool first = true;
  for (const auto& team : *teams) {
    clause += first ? "?" : ", ?";
    first = false;
    params.emplace_back(team);
  }
  return clause + ")";
}

}  // namespace

std::vector<AlertRule> SqlAlertStore::rules(const std::optional<TeamIds>& teams) {
  std::vector<Value> params;
  const auto where = team_clause(teams, params);
  std::vector<AlertRule> out;
  for (const auto& row : db_.query("SELECT " + std::string(kRuleColumns) +
                                       " FROM alert_rules WHERE " + where + " ORDER BY name, id",
                                   params)) {
    out.push_back(rule_of(row));
  }
  return out;
}

std::optional<AlertRule> SqlAlertStore::rule(std::string_view id) {
  const auto rows = db_.query(
      "SELECT " + std::string(kRuleColumns) + " FROM alert_rules WHERE id = ?", {std::string(id)});
  if (rows.empty()) return std::nullopt;
  return rule_of(rows.front());
}

void SqlAlertStore::insert_rule(const AlertRule& rule) {
  db_.execute("INSERT INTO alert_rules (" + std::string(kRuleColumns) +
                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              rule_values(rule));
}

void SqlAlertStore::update_rule(const AlertRule& rule) {
  auto values = rule_values(rule);
  std::vector<Value> params(values.begin() + 1, values.end());
  params.push_back(rule.id);
  db_.execute(
      "UPDATE alert_rules SET team_id = ?, name = ?, kind = ?, metric = ?, comparison = ?, "
      "threshold = ?, for_ms = ?, event = ?, environment = ?, container = ?, webhook_url = ?, "
      "webhook_format = ?, webhook_secret = ?, enabled = ?, created_by = ?, created_at = ?, "
      "updated_at = ?, labels = ? WHERE id = ?",
      params);
}

bool SqlAlertStore::delete_rule(std::string_view id) {
  return db_.execute("DELETE FROM alert_rules WHERE id = ?", {std::string(id)}) > 0;
}

void SqlAlertStore::record(const Alert& alert, const std::vector<Delivery>& deliveries) {
  db_.transaction([&](store::Database& tx) {
    const std::vector<Value> values{
        alert.id,
        alert.rule_id,
        alert.rule_name,
        alert.team,
        alert.fingerprint,
        alert.environment,
        alert.container_id,
        alert.container_name,
        std::string(name_of(alert.state)),
        alert.value,
        alert.summary,
        alert.started_at_ms,
        alert.resolved_at_ms ? Value(*alert.resolved_at_ms) : Value(nullptr),
        alert.acknowledged_by,
        alert.acknowledged_at_ms ? Value(*alert.acknowledged_at_ms) : Value(nullptr),
        std::int64_t{alert.silenced ? 1 : 0}};
    if (alert.state == AlertState::firing) {
      tx.execute("INSERT INTO alerts (" + std::string(kAlertColumns) +
                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 values);
    } else {
      tx.execute(
          "UPDATE alerts SET state = ?, value = ?, summary = ?, resolved_at_ms = ? WHERE id = ?",
          {std::string(name_of(alert.state)), alert.value, alert.summary,
           alert.resolved_at_ms ? Value(*alert.resolved_at_ms) : Value(nullptr), alert.id});
    }
    for (const auto& d : deliveries) {
      tx.execute("INSERT INTO alert_deliveries (" + std::string(kDeliveryColumns) +
                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 {d.id, d.alert_id, d.url, std::string(name_of(d.format)), d.secret, d.body,
                  std::int64_t{d.attempts}, d.next_attempt_ms, d.state, d.last_error});
    }
  });
}

std::vector<Alert> SqlAlertStore::open_alerts() {
  std::vector<Alert> out;
  for (const auto& row :
       db_.query("SELECT " + std::string(kAlertColumns) + " FROM alerts WHERE state = 'firing'")) {
    out.push_back(alert_of(row));
  }
  return out;
}

std::vector<Alert> SqlAlertStore::alerts(const AlertFilter& filter) {
  std::vector<Value> params;
  std::string sql = "SELECT " + std::string(kAlertColumns) + " FROM alerts WHERE " +
                    team_clause(filter.teams, params);
  if (filter.state) {
    sql += " AND state = ?";
    params.emplace_back(std::string(name_of(*filter.state)));
  }
  if (filter.before_ms > 0) {
    sql += " AND started_at_ms < ?";
    params.emplace_back(filter.before_ms);
  }
  sql += " ORDER BY started_at_ms DESC, id LIMIT ?";
  params.emplace_back(static_cast<std::int64_t>(filter.limit));
  std::vector<Alert> out;
  for (const auto& row : db_.query(sql, params)) out.push_back(alert_of(row));
  return out;
}

std::optional<Alert> SqlAlertStore::alert(std::string_view id) {
  const auto rows = db_.query("SELECT " + std::string(kAlertColumns) + " FROM alerts WHERE id = ?",
                              {std::string(id)});
  if (rows.empty()) return std::nullopt;
  return alert_of(rows.front());
}

void SqlAlertStore::acknowledge(std::string_view id, std::string_view user, std::int64_t at_ms) {
  db_.execute("UPDATE alerts SET acknowledged_by = ?, acknowledged_at_ms = ? WHERE id = ?",
              {std::string(user), at_ms, std::string(id)});
}

std::string SqlAlertStore::alerts_signature() {
  const auto rows = db_.query(
      "SELECT COUNT(*), COALESCE(MAX(started_at_ms), 0), COALESCE(MAX(resolved_at_ms), 0), "
      "COALESCE(MAX(acknowledged_at_ms), 0) FROM alerts");
  const auto& r = rows.at(0);
  return std::to_string(r.integer(0)) + "/" + std::to_string(r.integer(1)) + "/" +
         std::to_string(r.integer(2)) + "/" + std::to_string(r.integer(3));
}

std::vector<Silence> SqlAlertStore::silences(const std::optional<TeamIds>& teams,
                                             std::int64_t active_at_ms) {
  std::vector<Value> params;
  const auto where = team_clause(teams, params);
  params.emplace_back(active_at_ms);
  std::vector<Silence> out;
  for (const auto& row :
       db_.query("SELECT " + std::string(kSilenceColumns) + " FROM alert_silences WHERE " + where +
                     " AND ends_at_ms > ? ORDER BY ends_at_ms, id",
                 params)) {
    out.push_back(silence_of(row));
  }
  return out;
}

std::optional<Silence> SqlAlertStore::silence(std::string_view id) {
  const auto rows =
      db_.query("SELECT " + std::string(kSilenceColumns) + " FROM alert_silences WHERE id = ?",
                {std::string(id)});
  if (rows.empty()) return std::nullopt;
  return silence_of(rows.front());
}

void SqlAlertStore::insert_silence(const Silence& s) {
  db_.execute("INSERT INTO alert_silences (" + std::string(kSilenceColumns) +
                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
              {s.id, s.team, s.rule_id, s.container, s.ends_at_ms, s.comment, s.created_by,
               s.created_at_ms});
}

bool SqlAlertStore::delete_silence(std::string_view id) {
  return db_.execute("DELETE FROM alert_silences WHERE id = ?", {std::string(id)}) > 0;
}

std::vector<Delivery> SqlAlertStore::due_deliveries(std::int64_t now_ms, std::size_t limit) {
  std::vector<Delivery> out;
  for (const auto& row :
       db_.query("SELECT " + std::string(kDeliveryColumns) +
                     " FROM alert_deliveries WHERE state = 'pending' AND next_attempt_ms <= ? "
                     "ORDER BY next_attempt_ms, id LIMIT ?",
                 {now_ms, static_cast<std::int64_t>(limit)})) {
    out.push_back(delivery_of(row));
  }
  return out;
}

void SqlAlertStore::update_delivery(const Delivery& d) {
  db_.execute(
      "UPDATE alert_deliveries SET attempts = ?, next_attempt_ms = ?, state = ?, last_error = ? "
      "WHERE id = ?",
      {std::int64_t{d.attempts}, d.next_attempt_ms, d.state, d.last_error, d.id});
}

std::vector<Delivery> SqlAlertStore::deliveries_of(std::string_view alert_id) {
  std::vector<Delivery> out;
  for (const auto& row :
       db_.query("SELECT " + std::string(kDeliveryColumns) +
                     " FROM alert_deliveries WHERE alert_id = ? ORDER BY next_attempt_ms, id",
                 {std::string(alert_id)})) {
    out.push_back(delivery_of(row));
  }
  return out;
}

std::int64_t SqlAlertStore::prune(std::int64_t before_ms) {
  std::int64_t removed = 0;
  db_.transaction([&](store::Database& tx) {
    removed += tx.execute(
        "DELETE FROM alert_deliveries WHERE state <> 'pending' AND next_attempt_ms < ? AND "
        "alert_id IN (SELECT id FROM alerts WHERE state = 'resolved' AND resolved_at_ms < ?)",
        {before_ms, before_ms});
    removed += tx.execute(
        "DELETE FROM alerts WHERE state = 'resolved' AND resolved_at_ms < ? AND id NOT IN "
        "(SELECT alert_id FROM alert_deliveries)",
        {before_ms});
    removed += tx.execute("DELETE FROM alert_silences WHERE ends_at_ms < ?", {before_ms});
  });
  return removed;
}

}  // namespace dokkerr::monitoring
