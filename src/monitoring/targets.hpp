#pragma once
// What the collector samples, as a port the containers domain fills (app/bridges.cpp): the
// running containers of every environment, where their counters are, and the engine's own
// one-shot stats for engines whose containers are not on this host.
#include "monitoring/cgroup_reader.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dokkerr::monitoring {

struct Target {
  std::string environment;
  std::string id;             // the engine's full id
  std::string name;           // without the leading '/'
  std::string team;           // the owning team (its label); "" for none
  bool on_this_host = false;  // its engine shares this kernel: its cgroups can be read here
};

// Found once per container run (an inspect): what does not change while it runs.
struct TargetDetails {
  std::int64_t pid = 0;        // the init process; 0 when not on this host or not running
  double cpu_limit_cores = 0;  // NanoCpus or CpuQuota/CpuPeriod; 0 for none
};

// The running containers of every environment whose engine is up, and those environments (an
// environment with none running is still known to have none).
struct Inventory {
  std::vector<std::string> environments;
  std::vector<Target> targets;
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
};

}  // namespace dokkerr::monitoring
