#pragma once
// What the collector samples, as a port the containers domain fills (app/bridges.cpp): the
// running containers of every environment, where their counters are, and the engine's own
// one-shot stats for engines whose containers are not on this host.
#include "monitoring/cgroup_reader.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::monitoring {

struct Target {
  std::string environment;
  std::string id;             // the engine's full id
  std::string name;           // without the leading '/'
  std::string team;           // the owning team (its label); "" for none
  bool on_this_host = false;  // its engine shares this kernel: its cgroups can be read here
  std::string health;         // its health check's verdict: healthy, unhealthy, starting or ""
};

// Found once per container run (an inspect): what does not change while it runs.
struct TargetDetails {
  std::int64_t pid = 0;            // the init process; 0 when not on this host or not running
  double cpu_limit_cores = 0;      // NanoCpus or CpuQuota/CpuPeriod; 0 for none
  std::int64_t restart_count = 0;  // restarts by its restart policy so far
};

// How a container that stopped running ended.
struct ExitState {
  std::int64_t exit_code = 0;
  bool oom_killed = false;
};

// The running containers of every environment whose engine is up, and those environments (an
// environment with none running is still known to have none).
struct Inventory {
  std::vector<std::string> environments;
  std::vector<Target> targets;
};

// An engine as a whole: reachable or not, its containers by state, and what its disk holds.
struct EngineFacts {
  std::string environment;
  bool up = false;
  std::size_t running = 0, paused = 0, stopped = 0, total = 0;
  // From the engine's disk usage report (slow: refreshed every few minutes); nullopt until read.
  struct Disk {
    std::uint64_t images = 0, containers = 0, volumes = 0, build_cache = 0;
  };
  std::optional<Disk> disk;
};

class TargetSource {
 public:
  virtual ~TargetSource() = default;
  virtual boost::asio::awaitable<Inventory> running() = 0;
  // nullopt when the container is gone.
  virtual boost::asio::awaitable<std::optional<TargetDetails>> details(const Target& target) = 0;
  // The engine's one-shot stats as counters; nullopt when the container is gone.
  virtual boost::asio::awaitable<std::optional<CounterSample>> engine_sample(
      const Target& target, std::int64_t at_ms) = 0;
  // How a container that left the running set ended; nullopt when it was removed, runs after
  // all (a round missed it), or its engine cannot say. Asked only when alerts are evaluated.
  virtual boost::asio::awaitable<std::optional<ExitState>> exit_state(const Target& target) {
    (void)target;
    co_return std::nullopt;
  }
  // Every environment's engine facts (the collecting replica asks once per round).
  virtual boost::asio::awaitable<std::vector<EngineFacts>> engines() {
    co_return std::vector<EngineFacts>{};
  }
  // A container's label, from what is known without waiting; nullopt without that label.
  [[nodiscard]] virtual std::optional<std::string> label(std::string_view environment,
                                                         std::string_view id,
                                                         std::string_view key) const {
    (void)environment;
    (void)id;
    (void)key;
    return std::nullopt;
  }
  // Whether the container still exists (stopped or not), from what is known without waiting.
  [[nodiscard]] virtual bool exists(std::string_view environment, std::string_view id) const {
    (void)environment;
    (void)id;
    return true;
  }
};

}  // namespace dokkerr::monitoring
