#pragma once
// Alerts: rules a team (or the platform) sets on its containers' metrics and lifecycle, the
// alerts they raise (firing → resolved, one per rule and container at a time), silences, and the
// notifications they send. The rules and records are plain data here; AlertEvaluator decides,
// AlertStore keeps, WebhookSender delivers.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dokkerr::monitoring {

enum class RuleKind { metric, event };
enum class AlertMetric { cpu_percent, cpu_limit_percent, memory_percent, memory_bytes, pids };
enum class Comparison { above, below };  // ">" and "<"
enum class AlertEvent {
  died,
  oom_killed,
  restart_loop,
  unhealthy,
  engine_unreachable,
  backup_failed
};
enum class WebhookFormat { dokkerr, alertmanager };

struct AlertRule {
  std::string id;
  std::string team;  // "" for a platform rule (admins): every container
  std::string name;
  RuleKind kind = RuleKind::metric;
  AlertMetric metric = AlertMetric::cpu_percent;
  Comparison comparison = Comparison::above;
  double threshold = 0;     // metric rules; restart_loop: restarts within for_ms
  std::int64_t for_ms = 0;  // metric: how long the condition must hold; restart_loop: the window;
                            // oom_killed: how long without a kill before it resolves
  AlertEvent event = AlertEvent::died;
  std::string environment;  // "" for every environment
  std::string container;    // "" for every container; else a full id or a name
  // Label selector: the container must carry each key, with the value when one is given.
  std::vector<std::pair<std::string, std::string>> labels;
  std::string webhook_url;  // "" for none
  WebhookFormat webhook_format = WebhookFormat::dokkerr;
  std::string webhook_secret;  // the HMAC key (sealed in the database)
  bool enabled = true;
  std::string created_by;
  std::string created_at, updated_at;
};

enum class AlertState { firing, resolved };

struct Alert {
  std::string id;
  std::string rule_id, rule_name;
  std::string team;
  std::string fingerprint;  // rule + environment + container: one open alert each
  std::string environment, container_id, container_name;
  AlertState state = AlertState::firing;
  double value = 0;
  std::string summary;
  std::int64_t started_at_ms = 0;
  std::optional<std::int64_t> resolved_at_ms;
  std::string acknowledged_by;
  std::optional<std::int64_t> acknowledged_at_ms;
  bool silenced = false;
};

struct Silence {
  std::string id;
  std::string team;       // "" platform-wide (admins)
  std::string rule_id;    // "" any rule of the team
  std::string container;  // "" any container; else a full id or a name
  std::int64_t ends_at_ms = 0;
  std::string comment;
  std::string created_by;
  std::int64_t created_at_ms = 0;
};

// An outgoing notification, written with the alert change it reports so that none is lost.
struct Delivery {
  std::string id;
  std::string alert_id;
  std::string url;
  WebhookFormat format = WebhookFormat::dokkerr;
  std::string secret;  // sealed in the database
  std::string body;
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;
  std::string state = "pending";  // pending, delivered, failed
  std::string last_error;
};

[[nodiscard]] std::string_view name_of(AlertMetric metric);
[[nodiscard]] std::string_view name_of(AlertEvent event);
[[nodiscard]] std::string_view name_of(WebhookFormat format);
[[nodiscard]] std::string_view name_of(AlertState state);
[[nodiscard]] std::optional<AlertMetric> alert_metric_named(std::string_view name);
[[nodiscard]] std::optional<AlertEvent> alert_event_named(std::string_view name);
[[nodiscard]] std::optional<WebhookFormat> webhook_format_named(std::string_view name);

// Does the rule (or silence) name this container? By full id or name; "" names all.
[[nodiscard]] bool names_container(std::string_view wanted, std::string_view id,
                                   std::string_view name);

}  // namespace dokkerr::monitoring
