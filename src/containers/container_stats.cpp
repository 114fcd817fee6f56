#include "containers/container_stats.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>

namespace dokkerr::containers {
namespace {

const boost::json::object* object_at(const boost::json::object& parent, std::string_view key) {
  const auto* value = parent.if_contains(key);
  return value == nullptr ? nullptr : value->if_object();
}

std::optional<double> number_at(const boost::json::object* parent, std::string_view key) {
  if (parent == nullptr) return std::nullopt;
  const auto* value = parent->if_contains(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_uint64()) return static_cast<double>(value->get_uint64());
  if (value->is_int64()) return static_cast<double>(value->get_int64());
  if (value->is_double()) return value->get_double();
  return std::nullopt;
}

boost::json::value or_null(std::optional<double> value) {
  if (!value) return nullptr;
  return *value;
}

std::optional<double> cpu_percent(const boost::json::object& stats) {
  const auto* cpu = object_at(stats, "cpu_stats");
  const auto* pre = object_at(stats, "precpu_stats");
  if (cpu == nullptr || pre == nullptr) return std::nullopt;
  const auto total = number_at(object_at(*cpu, "cpu_usage"), "total_usage");
  const auto pre_total = number_at(object_at(*pre, "cpu_usage"), "total_usage");
  const auto system = number_at(cpu, "system_cpu_usage");
  const auto pre_system = number_at(pre, "system_cpu_usage");
  if (!total || !pre_total || !system || !pre_system) return std::nullopt;
  const double cpu_delta = *total - *pre_total;
  const double system_delta = *system - *pre_system;
  if (system_delta <= 0 || cpu_delta < 0) return std::nullopt;
  double cpus = number_at(cpu, "online_cpus").value_or(0);
  if (cpus <= 0) {
    const auto* usage = object_at(*cpu, "cpu_usage");
    const auto* per_cpu = usage == nullptr ? nullptr : usage->if_contains("percpu_usage");
    cpus = per_cpu != nullptr && per_cpu->is_array()
               ? static_cast<double>(per_cpu->as_array().size())
               : 1;
  }
  return cpu_delta / system_delta * std::max(1.0, cpus) * 100.0;
}

std::optional<double> memory_used(const boost::json::object& stats) {
  const auto* memory = object_at(stats, "memory_stats");
  const auto usage = number_at(memory, "usage");
  if (!usage) return std::nullopt;
  const auto* detail = memory == nullptr ? nullptr : object_at(*memory, "stats");
  // cgroup v2 names it inactive_file, v1 total_inactive_file; old engines only give cache.
  auto cache = number_at(detail, "inactive_file");
  if (!cache) cache = number_at(detail, "total_inactive_file");
  if (!cache) cache = number_at(detail, "cache");
  return std::max(0.0, *usage - cache.value_or(0));
}

}  // namespace

boost::json::object compact_stats(const boost::json::object& stats) {
  double rx = 0;
  double tx = 0;
  if (const auto* networks = object_at(stats, "networks")) {
    for (const auto& [name, counters] : *networks) {
      rx += number_at(counters.if_object(), "rx_bytes").value_or(0);
      tx += number_at(counters.if_object(), "tx_bytes").value_or(0);
    }
  }
  double read = 0;
  double write = 0;
  if (const auto* blkio = object_at(stats, "blkio_stats")) {
    const auto* entries = blkio->if_contains("io_service_bytes_recursive");
    if (entries != nullptr && entries->is_array()) {
      for (const auto& entry : entries->as_array()) {
        const auto* fields = entry.if_object();
        const auto* op = fields == nullptr ? nullptr : fields->if_contains("op");
        if (op == nullptr || !op->is_string()) continue;
        std::string name(op->as_string());
        std::ranges::transform(name, name.begin(), [](unsigned char c) { return std::tolower(c); });
        const auto bytes = number_at(fields, "value").value_or(0);
        if (name == "read") read += bytes;
        if (name == "write") write += bytes;
      }
    }
  }
  boost::json::object out;
  out["cpu_percent"] = or_null(cpu_percent(stats));
  out["memory_bytes"] = or_null(memory_used(stats));
  out["memory_limit_bytes"] = or_null(number_at(object_at(stats, "memory_stats"), "limit"));
  out["network_rx_bytes"] = rx;
  out["network_tx_bytes"] = tx;
  out["block_read_bytes"] = read;
  out["block_write_bytes"] = write;
  out["pids"] = or_null(number_at(object_at(stats, "pids_stats"), "current"));
  const auto* when = stats.if_contains("read");
  out["read"] = when != nullptr && when->is_string() ? *when : boost::json::value(nullptr);
  return out;
}

}  // namespace dokkerr::containers
