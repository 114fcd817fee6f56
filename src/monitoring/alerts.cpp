#include "monitoring/alerts.hpp"

#include <array>
#include <utility>

namespace dokkerr::monitoring {
namespace {

constexpr std::array kMetricNames{
    std::pair{AlertMetric::cpu_percent, std::string_view("cpu_percent")},
    std::pair{AlertMetric::cpu_limit_percent, std::string_view("cpu_limit_percent")},
    std::pair{AlertMetric::memory_percent, std::string_view("memory_percent")},
    std::pair{AlertMetric::memory_bytes, std::string_view("memory_bytes")},
    std::pair{AlertMetric::pids, std::string_view("pids")},
};
constexpr std::array kEventNames{
    std::pair{AlertEvent::died, std::string_view("container_died")},
    std::pair{AlertEvent::oom_killed, std::string_view("oom_killed")},
    std::pair{AlertEvent::restart_loop, std::string_view("restart_loop")},
    std::pair{AlertEvent::unhealthy, std::string_view("unhealthy")},
    std::pair{AlertEvent::engine_unreachable, std::string_view("engine_unreachable")},
    std::pair{AlertEvent::backup_failed, std::string_view("backup_failed")},
};
constexpr std::array kFormatNames{
    std::pair{WebhookFormat::dokkerr, std::string_view("dokkerr")},
    std::pair{WebhookFormat::alertmanager, std::string_view("alertmanager")},
};

template <class Table, class Key>
std::string_view lookup_name(const Table& table, Key key) {
  for (const auto& [k, name] : table) {
    if (k == key) return name;
  }
  return "";
}

template <class Table>
auto lookup_key(const Table& table, std::string_view name)
    -> std::optional<typename Table::value_type::first_type> {
  for (const auto& [k, n] : table) {
    if (n == name) return k;
  }
  return std::nullopt;
}

}  // namespace

std::string_view name_of(AlertMetric metric) {
  return lookup_name(kMetricNames, metric);
}
std::string_view name_of(AlertEvent event) {
  return lookup_name(kEventNames, event);
}
std::string_view name_of(WebhookFormat format) {
  return lookup_name(kFormatNames, format);
}
std::string_view name_of(AlertState state) {
  return state == AlertState::firing ? "firing" : "resolved";
}
std::optional<AlertMetric> alert_metric_named(std::string_view name) {
  return lookup_key(kMetricNames, name);
}
std::optional<AlertEvent> alert_event_named(std::string_view name) {
  return lookup_key(kEventNames, name);
}
std::optional<WebhookFormat> webhook_format_named(std::string_view name) {
  return lookup_key(kFormatNames, name);
}

bool names_container(std::string_view wanted, std::string_view id, std::string_view name) {
  return wanted.empty() || wanted == id || wanted == name;
}

}  // namespace dokkerr::monitoring
