#include "monitoring/prometheus.hpp"

#include <array>
#include <charconv>
#include <fcntl.h>
#include <map>
#include <unistd.h>

namespace dokkerr::monitoring {
namespace {

void head(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void number(std::string& out, double value) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, error == std::errc() ? end : buffer);
}

void number(std::string& out, std::uint64_t value) {
  char buffer[24];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, error == std::errc() ? end : buffer);
}

void sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.push_back(' ');
  number(out, value);
  out.push_back('\n');
}

void sample(std::string& out, std::string_view name, std::string_view labels, std::uint64_t value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.push_back(' ');
  number(out, value);
  out.push_back('\n');
}

std::string label(std::string_view name, std::string_view value) {
  return std::string(name) + "=\"" + escape_label(value) + "\"";
}

// CPU seconds, resident bytes and start time of this process, from /proc/self.
struct ProcessFacts {
  double cpu_seconds = 0;
  std::uint64_t resident_bytes = 0;
  double start_time_seconds = 0;
};

ProcessFacts process_facts() {
  ProcessFacts facts;
  std::array<char, 4096> buffer{};
  const int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return facts;
  const auto n = ::read(fd, buffer.data(), buffer.size() - 1);
  ::close(fd);
  if (n <= 0) return facts;
  std::string_view text(buffer.data(), static_cast<std::size_t>(n));
  // Fields after the command name (which may hold spaces): state is field 3.
  const auto close = text.rfind(')');
  if (close == std::string_view::npos) return facts;
  text.remove_prefix(close + 2);
  std::array<std::string_view, 24> fields{};
  for (auto& field : fields) {
    const auto space = text.find(' ');
    field = text.substr(0, space);
    text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
  }
  const auto parse = [](std::string_view field) {
    std::uint64_t value = 0;
    std::from_chars(field.data(), field.data() + field.size(), value);
    return value;
  };
  const auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  // fields[0] is field 3 (state): utime 14, stime 15, starttime 22, rss 24.
  facts.cpu_seconds = static_cast<double>(parse(fields[11]) + parse(fields[12])) / ticks;
  facts.resident_bytes = parse(fields[21]) * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  // Start time is in ticks since boot; the boot time comes from /proc/stat's btime.
  const int stat_fd = ::open("/proc/stat", O_RDONLY | O_CLOEXEC);
  if (stat_fd >= 0) {
    std::string all(16384, '\0');
    const auto read = ::read(stat_fd, all.data(), all.size());
    ::close(stat_fd);
    if (read > 0) {
      const auto at = std::string_view(all.data(), static_cast<std::size_t>(read)).find("btime ");
      if (at != std::string_view::npos) {
        facts.start_time_seconds = static_cast<double>(parse(all.c_str() + at + 6)) +
                                   static_cast<double>(parse(fields[19])) / ticks;
      }
    }
  }
  return facts;
}

}  // namespace

std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string prometheus_text(const http::RequestMetrics::Snapshot& requests,
                            const Collector& collector) {
  std::string out;
  out.reserve(16384);

  head(out, "dokkerr_http_requests_total", "counter",
       "Requests answered, by route pattern, method and status.");
  for (const auto& series : requests.requests) {
    sample(out, "dokkerr_http_requests_total",
           label("route", series.route) + "," + label("method", series.method) + "," +
               label("status", std::to_string(series.status)),
           series.count);
  }
  head(out, "dokkerr_http_request_duration_seconds", "histogram",
       "Time from a request's first byte to its answer (to the upgrade for WebSockets).");
  for (const auto& latency : requests.latencies) {
    const auto labels = label("route", latency.route) + "," + label("method", latency.method);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < http::RequestMetrics::kBuckets.size(); ++i) {
      cumulative += latency.buckets[i];
      std::string le;
      number(le, http::RequestMetrics::kBuckets[i]);
      sample(out, "dokkerr_http_request_duration_seconds_bucket", labels + "," + label("le", le),
             cumulative);
    }
    sample(out, "dokkerr_http_request_duration_seconds_bucket", labels + ",le=\"+Inf\"",
           latency.count);
    sample(out, "dokkerr_http_request_duration_seconds_sum", labels, latency.sum_seconds);
    sample(out, "dokkerr_http_request_duration_seconds_count", labels, latency.count);
  }
  head(out, "dokkerr_http_rate_limited_total", "counter",
       "Requests refused by a rate limit (429).");
  sample(out, "dokkerr_http_rate_limited_total", "", requests.rate_limited);
  head(out, "dokkerr_authentication_failures_total", "counter",
       "Requests refused for missing or bad credentials (401).");
  sample(out, "dokkerr_authentication_failures_total", "", requests.authentication_failures);
  head(out, "dokkerr_http_server_errors_total", "counter",
       "Requests the server failed (5xx), by route and error code.");
  for (const auto& error : requests.server_errors) {
    sample(out, "dokkerr_http_server_errors_total",
           label("route", error.route) + "," + label("code", error.code), error.count);
  }
  head(out, "dokkerr_websockets_open", "gauge", "WebSockets open now.");
  sample(out, "dokkerr_websockets_open", "", static_cast<double>(requests.websockets_open));
  head(out, "dokkerr_websockets_total", "counter", "WebSockets opened.");
  sample(out, "dokkerr_websockets_total", "", requests.websockets_total);

  const auto tick = collector.last_tick();
  head(out, "dokkerr_collector_tick_seconds", "gauge",
       "How long the metrics collector's last round took.");
  sample(out, "dokkerr_collector_tick_seconds", "",
         std::chrono::duration<double>(tick.duration).count());
  head(out, "dokkerr_collector_lateness_seconds", "gauge",
       "How late the collector's last round began against its schedule.");
  sample(out, "dokkerr_collector_lateness_seconds", "",
         std::chrono::duration<double>(tick.lateness).count());
  head(out, "dokkerr_collector_samples", "gauge",
       "Containers sampled by the last round, by where the figures came from.");
  sample(out, "dokkerr_collector_samples", "source=\"cgroup\"", std::uint64_t{tick.from_cgroups});
  sample(out, "dokkerr_collector_samples", "source=\"engine\"", std::uint64_t{tick.from_engine});
  sample(out, "dokkerr_collector_samples", "source=\"failed\"", std::uint64_t{tick.failed});

  const auto process = process_facts();
  head(out, "process_cpu_seconds_total", "counter", "CPU time of this process.");
  sample(out, "process_cpu_seconds_total", "", process.cpu_seconds);
  head(out, "process_resident_memory_bytes", "gauge", "Resident memory of this process.");
  sample(out, "process_resident_memory_bytes", "", process.resident_bytes);
  head(out, "process_start_time_seconds", "gauge", "Start of this process, since the epoch.");
  sample(out, "process_start_time_seconds", "", process.start_time_seconds);

  const auto engines = collector.engines();
  head(out, "dokkerr_engine_up", "gauge",
       "Whether the environment's engine answers (1) or not (0).");
  for (const auto& engine : engines) {
    sample(out, "dokkerr_engine_up", label("environment", engine.environment),
           std::uint64_t{engine.up ? 1U : 0U});
  }
  head(out, "dokkerr_engine_containers", "gauge", "The engine's containers, by state.");
  for (const auto& engine : engines) {
    if (!engine.up) continue;
    const auto env = label("environment", engine.environment);
    sample(out, "dokkerr_engine_containers", env + ",state=\"running\"",
           std::uint64_t{engine.running});
    sample(out, "dokkerr_engine_containers", env + ",state=\"paused\"",
           std::uint64_t{engine.paused});
    sample(out, "dokkerr_engine_containers", env + ",state=\"stopped\"",
           std::uint64_t{engine.stopped});
  }
  head(out, "dokkerr_engine_disk_bytes", "gauge",
       "What the engine's disk holds, by kind (its disk usage report, refreshed every few "
       "minutes).");
  for (const auto& engine : engines) {
    if (!engine.disk) continue;
    const auto env = label("environment", engine.environment);
    sample(out, "dokkerr_engine_disk_bytes", env + ",kind=\"images\"", engine.disk->images);
    sample(out, "dokkerr_engine_disk_bytes", env + ",kind=\"containers\"", engine.disk->containers);
    sample(out, "dokkerr_engine_disk_bytes", env + ",kind=\"volumes\"", engine.disk->volumes);
    sample(out, "dokkerr_engine_disk_bytes", env + ",kind=\"build_cache\"",
           engine.disk->build_cache);
  }

  const auto containers = collector.window().all_latest();
  // Per environment: the sum over its running containers.
  std::map<std::string, std::pair<double, double>> totals;  // cpu percent, memory bytes
  for (const auto& latest : containers) {
    const auto rates = rates_of(latest);
    auto& [cpu, memory] = totals[latest.target.environment];
    cpu += rates.cpu_percent.value_or(0);
    memory += static_cast<double>(rates.memory_bytes);
  }
  head(out, "dokkerr_engine_cpu_percent", "gauge",
       "CPU use of the environment's running containers, in percent of one core.");
  for (const auto& [environment, sum] : totals) {
    sample(out, "dokkerr_engine_cpu_percent", label("environment", environment), sum.first);
  }
  head(out, "dokkerr_engine_memory_usage_bytes", "gauge",
       "Memory used by the environment's running containers, without page cache.");
  for (const auto& [environment, sum] : totals) {
    sample(out, "dokkerr_engine_memory_usage_bytes", label("environment", environment), sum.second);
  }

  std::vector<std::pair<std::string, const Latest*>> labelled;
  labelled.reserve(containers.size());
  for (const auto& latest : containers) {
    labelled.emplace_back(
        label("environment", latest.target.environment) + "," + label("team", latest.target.team) +
            "," + label("container", latest.target.id) + "," + label("name", latest.target.name),
        &latest);
  }
  const auto family = [&](std::string_view name, std::string_view type, std::string_view help,
                          auto value) {
    head(out, name, type, help);
    for (const auto& [labels, latest] : labelled) {
      if (const auto v = value(*latest)) sample(out, name, labels, *v);
    }
  };
  using Opt = std::optional<double>;
  family("dokkerr_container_cpu_seconds_total", "counter", "CPU time used by the container.",
         [](const Latest& l) -> Opt { return static_cast<double>(l.current.cpu_ns) / 1e9; });
  family("dokkerr_container_cpu_percent", "gauge",
         "CPU use over the last interval, in percent of one core.",
         [](const Latest& l) -> Opt { return rates_of(l).cpu_percent; });
  family("dokkerr_container_cpu_limit_percent", "gauge",
         "CPU use over the last interval, in percent of the container's CPU limit.",
         [](const Latest& l) -> Opt { return rates_of(l).cpu_percent_of_limit; });
  family("dokkerr_container_cpu_throttled_seconds_total", "counter",
         "Time the container's CPU limit held it back.", [](const Latest& l) -> Opt {
           return static_cast<double>(l.current.cpu_throttled_ns) / 1e9;
         });
  family("dokkerr_container_memory_usage_bytes", "gauge",
         "Memory used, without the reclaimable page cache.",
         [](const Latest& l) -> Opt { return static_cast<double>(rates_of(l).memory_bytes); });
  family("dokkerr_container_memory_cache_bytes", "gauge", "Reclaimable page cache.",
         [](const Latest& l) -> Opt { return static_cast<double>(l.current.memory_cache); });
  family("dokkerr_container_memory_limit_bytes", "gauge", "Memory limit (absent: none).",
         [](const Latest& l) -> Opt {
           if (l.current.memory_limit == 0) return std::nullopt;
           return static_cast<double>(l.current.memory_limit);
         });
  family("dokkerr_container_oom_kills_total", "counter", "Processes the kernel killed for memory.",
         [](const Latest& l) -> Opt { return static_cast<double>(l.current.oom_kills); });
  family("dokkerr_container_network_receive_bytes_total", "counter", "Bytes received.",
         [](const Latest& l) -> Opt { return static_cast<double>(l.current.net_rx_bytes); });
  family("dokkerr_container_network_transmit_bytes_total", "counter", "Bytes sent.",
         [](const Latest& l) -> Opt { return static_cast<double>(l.current.net_tx_bytes); });
  family("dokkerr_container_network_receive_packets_total", "counter", "Packets received.",
         [](const Latest& l) -> Opt { return static_cast<double>(l.current.net_rx_packets); });
  family("dokkerr_container_network_transmit_packets_total", "counter", "Packets sent.",
         [](const Latest& l) -> Opt { return static_cast<double>(l.current.net_tx_packets); });
  family("dokkerr_container_network_receive_errors_total", "counter", "Receive errors.",
         [](const Latest& l) -> Opt { return static_cast<double>(l.current.net_rx_errors); });
  family("dokkerr_container_network_transmit_errors_total", "counter", "Transmit errors.",
         [](const Latest& l) -> Opt { return static_cast<double>(l.current.net_tx_errors); });
  family("dokkerr_container_block_read_bytes_total", "counter", "Bytes read from block devices.",
         [](const Latest& l) -> Opt { return static_cast<double>(l.current.block_read_bytes); });
  family("dokkerr_container_block_write_bytes_total", "counter", "Bytes written to block devices.",
         [](const Latest& l) -> Opt { return static_cast<double>(l.current.block_write_bytes); });
  family("dokkerr_container_pids", "gauge", "Processes and threads in the container.",
         [](const Latest& l) -> Opt { return static_cast<double>(l.current.pids); });
  return out;
}

}  // namespace dokkerr::monitoring
