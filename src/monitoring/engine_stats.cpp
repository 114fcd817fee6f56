#include "monitoring/engine_stats.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <cctype>
#include <chrono>
#include <ctime>
#include <string>
#include <string_view>

namespace dokkerr::monitoring {
namespace {

const boost::json::object* object_at(const boost::json::object* parent, std::string_view key) {
  if (parent == nullptr) return nullptr;
  const auto* value = parent->if_contains(key);
  return value == nullptr ? nullptr : value->if_object();
}

std::uint64_t number_at(const boost::json::object* parent, std::string_view key) {
  if (parent == nullptr) return 0;
  const auto* value = parent->if_contains(key);
  if (value == nullptr) return 0;
  if (value->is_uint64()) return value->get_uint64();
  if (value->is_int64())
    return value->get_int64() > 0 ? static_cast<std::uint64_t>(value->get_int64()) : 0;
  if (value->is_double())
    return value->get_double() > 0 ? static_cast<std::uint64_t>(value->get_double()) : 0;
  return 0;
}

boost::json::object cpu_stats(const CounterSample* sample, const HostFacts& host) {
  const std::uint64_t total = sample == nullptr ? 0 : sample->cpu_ns;
  const std::uint64_t system =
      sample == nullptr ? 0
                        : static_cast<std::uint64_t>(sample->at_ms) * 1'000'000 * host.online_cpus;
  return {
      {"cpu_usage",
       boost::json::object{
           {"total_usage", total}, {"usage_in_kernelmode", 0}, {"usage_in_usermode", 0}}},
      {"system_cpu_usage", system},
      {"online_cpus", host.online_cpus},
      {"throttling_data",
       boost::json::object{{"periods", 0},
                           {"throttled_periods", 0},
                           {"throttled_time", sample == nullptr ? 0 : sample->cpu_throttled_ns}}}};
}

}  // namespace

std::string rfc3339(std::int64_t at_ms) {
  const std::time_t seconds = at_ms / 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char head[32];
  std::strftime(head, sizeof head, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03lld000000Z", head, static_cast<long long>(at_ms % 1000));
  return out;
}

CounterSample counters_from_engine_stats(const boost::json::object& stats, std::int64_t at_ms) {
  CounterSample sample;
  sample.at_ms = at_ms;
  const auto* cpu = object_at(&stats, "cpu_stats");
  sample.cpu_ns = number_at(object_at(cpu, "cpu_usage"), "total_usage");
  sample.cpu_throttled_ns = number_at(object_at(cpu, "throttling_data"), "throttled_time");
  const auto* memory = object_at(&stats, "memory_stats");
  sample.memory_bytes = number_at(memory, "usage");
  sample.memory_limit = number_at(memory, "limit");
  const auto* detail = object_at(memory, "stats");
  sample.memory_cache = number_at(detail, "inactive_file");
  if (sample.memory_cache == 0) sample.memory_cache = number_at(detail, "total_inactive_file");
  if (const auto* networks = object_at(&stats, "networks")) {
    for (const auto& [name, value] : *networks) {
      const auto* counters = value.if_object();
      sample.net_rx_bytes += number_at(counters, "rx_bytes");
      sample.net_tx_bytes += number_at(counters, "tx_bytes");
      sample.net_rx_packets += number_at(counters, "rx_packets");
      sample.net_tx_packets += number_at(counters, "tx_packets");
      sample.net_rx_errors += number_at(counters, "rx_errors");
      sample.net_tx_errors += number_at(counters, "tx_errors");
    }
  }
  if (const auto* blkio = object_at(&stats, "blkio_stats")) {
    const auto* entries = blkio->if_contains("io_service_bytes_recursive");
    if (entries != nullptr && entries->is_array()) {
      for (const auto& entry : entries->as_array()) {
        const auto* fields = entry.if_object();
        const auto* op = fields == nullptr ? nullptr : fields->if_contains("op");
        if (op == nullptr || !op->is_string()) continue;
        std::string name(op->as_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (name == "read") sample.block_read_bytes += number_at(fields, "value");
        if (name == "write") sample.block_write_bytes += number_at(fields, "value");
      }
    }
  }
  sample.pids = number_at(object_at(&stats, "pids_stats"), "current");
  return sample;
}

boost::json::object engine_stats_document(const CounterSample& current,
                                          const std::optional<CounterSample>& previous,
                                          const HostFacts& host) {
  boost::json::object doc;
  doc["read"] = rfc3339(current.at_ms);
  doc["preread"] = previous ? rfc3339(previous->at_ms) : "0001-01-01T00:00:00Z";
  doc["pids_stats"] = boost::json::object{{"current", current.pids}};
  doc["blkio_stats"] = boost::json::object{
      {"io_service_bytes_recursive",
       boost::json::array{
           boost::json::object{
               {"major", 0}, {"minor", 0}, {"op", "read"}, {"value", current.block_read_bytes}},
           boost::json::object{{"major", 0},
                               {"minor", 0},
                               {"op", "write"},
                               {"value", current.block_write_bytes}}}}};
  doc["num_procs"] = 0;
  doc["cpu_stats"] = cpu_stats(&current, host);
  doc["precpu_stats"] = cpu_stats(previous ? &*previous : nullptr, host);
  doc["memory_stats"] = boost::json::object{
      {"usage", current.memory_bytes},
      {"limit", current.memory_limit != 0 ? current.memory_limit : host.memory_bytes},
      {"stats", boost::json::object{{"inactive_file", current.memory_cache}}}};
  // One entry for all the container's interfaces: clients sum what they find here.
  doc["networks"] =
      boost::json::object{{"all", boost::json::object{{"rx_bytes", current.net_rx_bytes},
                                                      {"rx_packets", current.net_rx_packets},
                                                      {"rx_errors", current.net_rx_errors},
                                                      {"rx_dropped", 0},
                                                      {"tx_bytes", current.net_tx_bytes},
                                                      {"tx_packets", current.net_tx_packets},
                                                      {"tx_errors", current.net_tx_errors},
                                                      {"tx_dropped", 0}}}};
  return doc;
}

}  // namespace dokkerr::monitoring
