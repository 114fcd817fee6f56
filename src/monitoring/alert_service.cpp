#include "monitoring/alert_service.hpp"

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/logger.hpp"
#include "core/permissions.hpp"
#include "core/principal.hpp"
#include "core/secret_sealer.hpp"
#include "crypto/primitives.hpp"
#include "monitoring/engine_stats.hpp"
#include "http/webhook_post.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>

namespace dokkerr::monitoring {

using http::check_webhook_url;
using http::pinned_address;
using http::post_webhook;
using http::WebhookAttempt;
namespace {

namespace bj = boost::json;

constexpr std::string_view kSecretContext = "alert-webhook";
constexpr std::size_t kMaxNameLength = 100;
constexpr std::size_t kMaxScopeLength = 128;
constexpr std::size_t kMaxCommentLength = 500;
constexpr std::size_t kMaxSelectorLabels = 20;
constexpr std::size_t kMaxLabelValueLength = 256;
constexpr std::int64_t kMaxForSeconds = 24 * 3600;
constexpr std::int64_t kMaxSilenceSeconds = 30LL * 24 * 3600;
constexpr std::size_t kDeliveriesPerPass = 10;
constexpr std::int64_t kFirstRetryMs = 2'000;
constexpr std::int64_t kLongestRetryMs = 10 * 60 * 1000;
// Other replicas' rule changes reach the collecting one within this time.
constexpr auto kRulesReload = std::chrono::seconds(10);

std::string new_id() {
  return crypto::hex_encode(crypto::random_bytes(12));
}

Error rule_not_found() {
  return Error::not_found("alert_rule_not_found", "No such alert rule.");
}
Error alert_not_found() {
  return Error::not_found("alert_not_found", "No such alert.");
}
Error silence_not_found() {
  return Error::not_found("silence_not_found", "No such silence.");
}

Error invalid_field(std::string_view field, std::string_view why) {
  return Error::invalid("invalid_body", "'" + std::string(field) + "' " + std::string(why));
}

std::optional<double> optional_number(const bj::object& body, std::string_view key) {
  const auto* value = body.if_contains(key);
  if (value == nullptr || value->is_null()) return std::nullopt;
  double number = 0;
  if (value->is_double()) {
    number = value->as_double();
  } else if (value->is_int64()) {
    number = static_cast<double>(value->as_int64());
  } else if (value->is_uint64()) {
    number = static_cast<double>(value->as_uint64());
  } else {
    throw invalid_field(key, "must be a number");
  }
  if (!std::isfinite(number) || std::abs(number) > 1e18)
    throw invalid_field(key, "is out of range");
  return number;
}

std::string bounded(const bj::object& body, std::string_view key, std::size_t max,
                    std::string fallback) {
  auto value = json::optional_string(body, key);
  if (!value) return fallback;
  if (value->size() > max) {
    throw invalid_field(key, "must be at most " + std::to_string(max) + " characters");
  }
  return *value;
}

// The fields a rule body may hold; `creating` also allows team_id.
void read_rule(const bj::object& body, AlertRule& rule, bool creating) {
  if (creating) {
    json::only_fields(body, {"name", "team_id", "metric", "operator", "threshold", "for_seconds",
                             "event", "environment", "container", "labels", "webhook", "enabled"});
  } else {
    json::only_fields(body, {"name", "metric", "operator", "threshold", "for_seconds", "event",
                             "environment", "container", "labels", "webhook", "enabled"});
  }
  rule.name = bounded(body, "name", kMaxNameLength, rule.name);
  if (rule.name.empty()) throw invalid_field("name", "is required");
  const auto metric = json::optional_string(body, "metric");
  const auto event = json::optional_string(body, "event");
  if (metric && event) throw invalid_field("event", "cannot be given with 'metric'");
  if (metric) {
    const auto named = alert_metric_named(*metric);
    if (!named) {
      throw invalid_field("metric",
                          "must be cpu_percent, cpu_limit_percent, memory_percent, memory_bytes "
                          "or pids");
    }
    rule.kind = RuleKind::metric;
    rule.metric = *named;
  } else if (event) {
    const auto named = alert_event_named(*event);
    if (!named) {
      throw invalid_field("event",
                          "must be container_died, oom_killed, restart_loop, unhealthy or "
                          "engine_unreachable");
    }
    rule.kind = RuleKind::event;
    rule.event = *named;
  } else if (creating) {
    throw invalid_field("metric", "or 'event' is required");
  }
  if (const auto op = json::optional_string(body, "operator")) {
    if (*op != ">" && *op != "<") throw invalid_field("operator", "must be \">\" or \"<\"");
    rule.comparison = *op == ">" ? Comparison::above : Comparison::below;
  }
  if (const auto threshold = optional_number(body, "threshold")) rule.threshold = *threshold;
  if (creating && rule.kind == RuleKind::metric && !body.contains("threshold")) {
    throw invalid_field("threshold", "is required for a metric rule");
  }
  if (rule.kind == RuleKind::event && rule.event == AlertEvent::restart_loop &&
      body.contains("threshold") && (rule.threshold < 1 || rule.threshold > 1000)) {
    throw invalid_field("threshold", "(restarts) must be from 1 to 1000");
  }
  if (const auto seconds = json::optional_int(body, "for_seconds")) {
    if (*seconds < 0 || *seconds > kMaxForSeconds) {
      throw invalid_field("for_seconds", "must be from 0 to 86400");
    }
    rule.for_ms = *seconds * 1000;
  }
  rule.environment = bounded(body, "environment", kMaxScopeLength, rule.environment);
  rule.container = bounded(body, "container", kMaxScopeLength, rule.container);
  if (const auto enabled = json::optional_bool(body, "enabled")) rule.enabled = *enabled;
  if (const auto* labels = body.if_contains("labels"); labels != nullptr && !labels->is_null()) {
    if (!labels->is_object() || labels->as_object().size() > kMaxSelectorLabels) {
      throw invalid_field("labels", "must be an object of at most 20 label keys and values");
    }
    rule.labels.clear();
    for (const auto& [key, value] : labels->as_object()) {
      if (!value.is_string() || key.empty() || key.size() > kMaxScopeLength ||
          value.as_string().size() > kMaxLabelValueLength) {
        throw invalid_field("labels",
                            "must map label keys (1 to 128 characters) to values (strings of at "
                            "most 256; \"\" for any value)");
      }
      rule.labels.emplace_back(key, value.as_string());
    }
  }
}

bj::object alert_body(const Alert& alert) {
  bj::object out{
      {"id", alert.id},
      {"status", name_of(alert.state)},
      {"rule", bj::object{{"id", alert.rule_id}, {"name", alert.rule_name}}},
      {"team_id", alert.team.empty() ? bj::value(nullptr) : bj::value(alert.team)},
      {"environment", alert.environment},
      {"container", bj::object{{"id", alert.container_id}, {"name", alert.container_name}}},
      {"value", alert.value},
      {"summary", alert.summary},
      {"started_at", rfc3339(alert.started_at_ms)}};
  out["resolved_at"] = alert.resolved_at_ms ? bj::value(rfc3339(*alert.resolved_at_ms)) : nullptr;
  return out;
}

// What Alertmanager's POST /api/v2/alerts takes: one alert, its end time once resolved.
bj::array alertmanager_body(const Alert& alert) {
  bj::object item{{"labels", bj::object{{"alertname", alert.rule_name},
                                        {"dokkerr_rule_id", alert.rule_id},
                                        {"team", alert.team},
                                        {"environment", alert.environment},
                                        {"container", alert.container_name},
                                        {"container_id", alert.container_id}}},
                  {"annotations", bj::object{{"summary", alert.summary}}},
                  {"startsAt", rfc3339(alert.started_at_ms)},
                  {"generatorURL", ""}};
  if (alert.resolved_at_ms) item["endsAt"] = rfc3339(*alert.resolved_at_ms);
  return bj::array{std::move(item)};
}

}  // namespace

AlertService::AlertService(AlertStore& store, const SecretSealer& sealer, const Clock& clock,
                           Logger& logger, AddressSet webhook_allow)
    : store_(store),
      sealer_(sealer),
      clock_(clock),
      logger_(logger),
      webhook_allow_(std::move(webhook_allow)) {}

std::int64_t AlertService::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
      .count();
}

std::optional<TeamIds> AlertService::teams_with(const Principal& caller,
                                                std::string_view permission) const {
  if (caller.is_admin && caller.has(permission)) return std::nullopt;
  TeamIds teams;
  for (const auto& [team, permissions] : caller.team_permissions) {
    if (caller.has_in_team(team, permission)) teams.insert(team);
  }
  return teams;
}

void AlertService::check_team(const Principal& caller, const std::string& team,
                              std::string_view permission) const {
  if (team.empty()) {
    if (!caller.is_admin || !caller.has(permission)) {
      throw Error(ErrorKind::forbidden, "permission_denied",
                  "Only platform admins manage alerting without a team; name a team_id.");
    }
    return;
  }
  if (!caller.has_in_team(team, permission)) {
    // A team the caller is not in is the same as one that does not exist.
    if (!caller.team_permissions.contains(team) && !caller.is_admin) {
      throw Error::not_found("team_not_found", "No such team.");
    }
    throw Error(ErrorKind::forbidden, "permission_denied",
                "You need " + std::string(permission) + " in this team.");
  }
}

void AlertService::check_engine_rule(const Principal& caller, const AlertRule& rule) const {
  if (rule.kind != RuleKind::event || rule.event != AlertEvent::engine_unreachable ||
      rule.team.empty()) {
    return;
  }
  // A team watches only an engine it was granted: others' engines are not its business.
  const auto granted = caller.environment_teams.find(rule.environment);
  const bool allowed =
      !rule.environment.empty() && (caller.is_admin || (granted != caller.environment_teams.end() &&
                                                        granted->second.contains(rule.team)));
  if (!allowed) {
    throw invalid_field("environment",
                        "must name an environment granted to the team for an engine_unreachable "
                        "rule");
  }
}

AlertRule AlertService::visible_rule(const Principal& caller, std::string_view id,
                                     std::string_view permission) {
  auto found = store_.rule(id);
  if (!found) throw rule_not_found();
  const auto readable =
      found->team.empty() ? caller.is_admin : caller.has_in_team(found->team, perm::alerts_read);
  if (!readable) throw rule_not_found();
  check_team(caller, found->team, permission);
  return *found;
}

std::vector<AlertRule> AlertService::rules(const Principal& caller) {
  return store_.rules(teams_with(caller, perm::alerts_read));
}

AlertRule AlertService::rule(const Principal& caller, std::string_view id) {
  return visible_rule(caller, id, perm::alerts_read);
}

CreatedRule AlertService::create_rule(const Principal& caller, const bj::object& body) {
  AlertRule rule;
  rule.team = json::optional_string(body, "team_id").value_or("");
  check_team(caller, rule.team, perm::alerts_manage);
  read_rule(body, rule, true);
  check_engine_rule(caller, rule);
  if (store_.rules(TeamIds{rule.team}).size() >= kMaxRules) {
    throw Error::conflict("too_many_alert_rules",
                          "This team has " + std::to_string(kMaxRules) + " alert rules already.");
  }
  CreatedRule created;
  created.webhook_secret = apply_webhook(body.if_contains("webhook"), rule);
  rule.id = new_id();
  rule.created_by = caller.user_id;
  rule.created_at = rule.updated_at = clock_.stamp();
  store_.insert_rule(rule);
  ++version_;
  created.rule = std::move(rule);
  return created;
}

std::string AlertService::apply_webhook(const bj::value* webhook, AlertRule& rule) const {
  if (webhook == nullptr) return {};
  if (webhook->is_null()) {
    rule.webhook_url.clear();
    rule.webhook_secret.clear();
    return {};
  }
  if (!webhook->is_object()) throw invalid_field("webhook", "must be an object {url, format}");
  const auto& fields = webhook->as_object();
  json::only_fields(fields, {"url", "format"});
  rule.webhook_url = json::required_string(fields, "url");
  const auto named =
      webhook_format_named(json::optional_string(fields, "format").value_or("dokkerr"));
  if (!named) throw invalid_field("webhook.format", "must be dokkerr or alertmanager");
  rule.webhook_format = *named;
  check_webhook_url(rule.webhook_url);
  try {
    (void)pinned_address(rule.webhook_url, webhook_allow_);
  } catch (const Error& error) {
    throw Error::invalid(error.code(), error.detail());  // a bad rule, not a failed call
  }
  if (!rule.webhook_secret.empty()) return {};
  auto secret = crypto::base64url_encode(crypto::random_bytes(32));
  rule.webhook_secret = sealer_.seal(secret, kSecretContext);
  return secret;
}

CreatedRule AlertService::update_rule(const Principal& caller, std::string_view id,
                                      const bj::object& body) {
  auto rule = visible_rule(caller, id, perm::alerts_manage);
  read_rule(body, rule, false);
  check_engine_rule(caller, rule);
  CreatedRule updated;
  updated.webhook_secret = apply_webhook(body.if_contains("webhook"), rule);
  rule.updated_at = clock_.stamp();
  store_.update_rule(rule);
  ++version_;
  updated.rule = std::move(rule);
  return updated;
}

void AlertService::delete_rule(const Principal& caller, std::string_view id) {
  (void)visible_rule(caller, id, perm::alerts_manage);
  store_.delete_rule(id);
  ++version_;
}

std::vector<Alert> AlertService::alerts(const Principal& caller, std::optional<AlertState> state,
                                        std::int64_t before_ms, std::size_t limit) {
  AlertFilter filter;
  filter.teams = teams_with(caller, perm::alerts_read);
  filter.state = state;
  filter.before_ms = before_ms;
  filter.limit = limit;
  return store_.alerts(filter);
}

Alert AlertService::alert(const Principal& caller, std::string_view id) {
  auto found = store_.alert(id);
  const bool readable =
      found &&
      (found->team.empty() ? caller.is_admin : caller.has_in_team(found->team, perm::alerts_read));
  if (!readable) throw alert_not_found();
  return *found;
}

std::vector<Delivery> AlertService::deliveries(const Principal& caller, std::string_view id) {
  (void)alert(caller, id);
  auto out = store_.deliveries_of(id);
  for (auto& delivery : out) delivery.secret.clear();
  return out;
}

Alert AlertService::acknowledge(const Principal& caller, std::string_view id) {
  auto found = alert(caller, id);
  check_team(caller, found.team, perm::alerts_manage);
  if (found.acknowledged_at_ms) return found;
  const auto at = now_ms();
  store_.acknowledge(id, caller.username, at);
  found.acknowledged_by = caller.username;
  found.acknowledged_at_ms = at;
  ++version_;
  return found;
}

std::vector<Silence> AlertService::silences(const Principal& caller) {
  return store_.silences(teams_with(caller, perm::alerts_read), now_ms());
}

Silence AlertService::create_silence(const Principal& caller, const bj::object& body) {
  json::only_fields(body, {"team_id", "rule_id", "container", "duration_seconds", "comment"});
  Silence silence;
  silence.team = json::optional_string(body, "team_id").value_or("");
  check_team(caller, silence.team, perm::alerts_manage);
  silence.rule_id = bounded(body, "rule_id", kMaxScopeLength, "");
  if (!silence.rule_id.empty()) {
    const auto rule = store_.rule(silence.rule_id);
    if (!rule || rule->team != silence.team) throw rule_not_found();
  }
  silence.container = bounded(body, "container", kMaxScopeLength, "");
  silence.comment = bounded(body, "comment", kMaxCommentLength, "");
  const auto seconds = json::optional_int(body, "duration_seconds");
  if (!seconds || *seconds < 60 || *seconds > kMaxSilenceSeconds) {
    throw invalid_field("duration_seconds", "must be from 60 to 2592000 (30 days)");
  }
  silence.id = new_id();
  silence.created_by = caller.username;
  silence.created_at_ms = now_ms();
  silence.ends_at_ms = silence.created_at_ms + *seconds * 1000;
  store_.insert_silence(silence);
  ++version_;
  return silence;
}

void AlertService::delete_silence(const Principal& caller, std::string_view id) {
  const auto found = store_.silence(id);
  const bool readable =
      found &&
      (found->team.empty() ? caller.is_admin : caller.has_in_team(found->team, perm::alerts_read));
  if (!readable) throw silence_not_found();
  check_team(caller, found->team, perm::alerts_manage);
  store_.delete_silence(id);
  ++version_;
}

std::vector<Delivery> AlertService::notifications(const Alert& alert, const AlertRule* rule) {
  if (rule == nullptr || rule->webhook_url.empty() || alert.silenced) return {};
  Delivery delivery;
  delivery.id = new_id();
  delivery.alert_id = alert.id;
  delivery.url = rule->webhook_url;
  delivery.format = rule->webhook_format;
  delivery.secret = rule->webhook_secret;
  delivery.body = rule->webhook_format == WebhookFormat::alertmanager
                      ? bj::serialize(alertmanager_body(alert))
                      : bj::serialize(alert_body(alert));
  delivery.next_attempt_ms = now_ms();
  return {std::move(delivery)};
}

std::vector<Alert> AlertService::evaluate(const AlertRound& round) {
  const std::lock_guard lock(evaluation_mutex_);
  const auto version = version_.load();
  const auto now = std::chrono::steady_clock::now();
  if (!evaluator_) {
    evaluator_ = std::make_unique<AlertEvaluator>(new_id);
    evaluator_->restore(store_.open_alerts());
    rules_version_ = 0;
  }
  if (rules_version_ != version || now - rules_loaded_ >= kRulesReload) {
    rules_ = store_.rules(std::nullopt);
    rules_version_ = version;
    rules_loaded_ = now;
  }
  const auto silences = store_.silences(std::nullopt, round.at_ms);
  auto changes = evaluator_->evaluate(rules_, silences, round);
  std::vector<Alert> recorded;
  try {
    for (auto& change : changes) {
      const auto rule = std::ranges::find(rules_, change.alert.rule_id, &AlertRule::id);
      store_.record(change.alert,
                    notifications(change.alert, rule == rules_.end() ? nullptr : &*rule));
      logger_.info(change.alert.state == AlertState::firing ? "alert firing" : "alert resolved",
                   {{"rule", change.alert.rule_name},
                    {"container", change.alert.container_name},
                    {"summary", change.alert.summary}});
      recorded.push_back(std::move(change.alert));
    }
  } catch (...) {
    // What is open in memory and what is stored disagree now: start again from the store.
    evaluator_.reset();
    if (!recorded.empty()) ++version_;
    throw;
  }
  if (!recorded.empty()) ++version_;
  return recorded;
}

std::size_t AlertService::firing_count() {
  return store_.open_alerts().size();
}

std::string AlertService::change_signature() {
  const std::lock_guard lock(signature_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (signature_.empty() || now - signature_read_ >= std::chrono::seconds(1)) {
    signature_ = store_.alerts_signature();
    signature_read_ = now;
  }
  return signature_ + "/" + std::to_string(version_.load());
}

void AlertService::prune() {
  store_.prune(now_ms() - kKeepResolvedMs);
}

void AlertService::forget_state() {
  const std::lock_guard lock(evaluation_mutex_);
  evaluator_.reset();
}

std::size_t AlertService::deliver_due() {
  const auto now = now_ms();
  const auto due = store_.due_deliveries(now, kDeliveriesPerPass);
  for (auto delivery : due) {
    WebhookAttempt attempt;
    try {
      const auto secret = sealer_.open(delivery.secret, kSecretContext);
      attempt = post_webhook(delivery.url, secret, delivery.body, now / 1000, webhook_allow_);
    } catch (const std::exception& error) {
      attempt = WebhookAttempt{false, error.what()};
    }
    ++delivery.attempts;
    delivery.last_error = attempt.error.substr(0, 300);
    if (attempt.delivered) {
      delivery.state = "delivered";
    } else if (delivery.attempts >= kMaxAttempts) {
      delivery.state = "failed";
      logger_.warn(
          "alert notification given up",
          {{"url", delivery.url}, {"attempts", delivery.attempts}, {"error", delivery.last_error}});
    } else {
      const auto wait = std::min(kLongestRetryMs, kFirstRetryMs << (delivery.attempts - 1));
      delivery.next_attempt_ms = now_ms() + wait;
    }
    store_.update_delivery(delivery);
  }
  if (!due.empty()) ++version_;
  return due.size();
}

bj::object to_json(const AlertRule& rule) {
  bj::object out{{"id", rule.id},
                 {"team_id", rule.team.empty() ? bj::value(nullptr) : bj::value(rule.team)},
                 {"name", rule.name},
                 {"enabled", rule.enabled}};
  if (rule.kind == RuleKind::metric) {
    out["metric"] = name_of(rule.metric);
    out["operator"] = rule.comparison == Comparison::above ? ">" : "<";
    out["threshold"] = rule.threshold;
  } else {
    out["event"] = name_of(rule.event);
    if (rule.event == AlertEvent::restart_loop) {
      out["threshold"] = rule.threshold > 0 ? rule.threshold : AlertEvaluator::kDefaultRestarts;
    }
  }
  out["for_seconds"] = rule.for_ms / 1000;
  out["environment"] = rule.environment;
  out["container"] = rule.container;
  bj::object labels;
  for (const auto& [key, value] : rule.labels) labels[key] = value;
  out["labels"] = std::move(labels);
  out["webhook"] = rule.webhook_url.empty()
                       ? bj::value(nullptr)
                       : bj::value(bj::object{{"url", rule.webhook_url},
                                              {"format", name_of(rule.webhook_format)}});
  out["created_by"] = rule.created_by;
  out["created_at"] = rule.created_at;
  out["updated_at"] = rule.updated_at;
  return out;
}

bj::object to_json(const Alert& alert) {
  auto out = alert_body(alert);
  out["silenced"] = alert.silenced;
  out["acknowledged_by"] =
      alert.acknowledged_by.empty() ? bj::value(nullptr) : bj::value(alert.acknowledged_by);
  out["acknowledged_at"] =
      alert.acknowledged_at_ms ? bj::value(rfc3339(*alert.acknowledged_at_ms)) : nullptr;
  return out;
}

bj::object to_json(const Silence& silence) {
  return bj::object{
      {"id", silence.id},
      {"team_id", silence.team.empty() ? bj::value(nullptr) : bj::value(silence.team)},
      {"rule_id", silence.rule_id},
      {"container", silence.container},
      {"ends_at", rfc3339(silence.ends_at_ms)},
      {"comment", silence.comment},
      {"created_by", silence.created_by},
      {"created_at", rfc3339(silence.created_at_ms)}};
}

bj::object to_json(const Delivery& delivery) {
  return bj::object{{"id", delivery.id},
                    {"url", delivery.url},
                    {"format", name_of(delivery.format)},
                    {"state", delivery.state},
                    {"attempts", delivery.attempts},
                    {"next_attempt_at", rfc3339(delivery.next_attempt_ms)},
                    {"last_error", delivery.last_error}};
}

}  // namespace dokkerr::monitoring
