#pragma once
// The recent samples of every container the collector watches, at full resolution, in memory:
// a ring of `capacity` samples per container. Read by the live streams, the stats endpoint and
// /metrics on any thread while the collector writes.
#include "monitoring/cgroup_reader.hpp"
#include "monitoring/targets.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dokkerr::monitoring {

// A container's newest sample and the one before it (rates come from the pair).
struct Latest {
  Target target;
  TargetDetails details;
  CounterSample current;
  std::optional<CounterSample> previous;
};

// Figures people read, from two consecutive samples.
struct Rates {
  std::optional<double> cpu_percent;           // of one core (100 = one core busy)
  std::optional<double> cpu_percent_of_limit;  // of the container's CPU limit, when it has one
  std::uint64_t memory_bytes = 0;              // usage without the reclaimable page cache
  std::optional<double> memory_percent;        // of its limit, when it has one
};
Rates rates_of(const Latest& latest);

class RecentWindow {
 public:
  explicit RecentWindow(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  void add(const Target& target, const TargetDetails& details, const CounterSample& sample);
  // Forgets every container of `environments` that is not in `alive` (stopped or removed).
  void keep_only(const std::set<std::string, std::less<>>& environments,
                 const std::set<std::pair<std::string, std::string>>& alive);
  void clear();
  // Environments whose containers this window holds (sampled by the last tick).
  void set_covered(std::set<std::string, std::less<>> environments);
  [[nodiscard]] bool covers(std::string_view environment) const;

  [[nodiscard]] std::optional<Latest> latest(std::string_view environment,
                                             std::string_view id) const;
  [[nodiscard]] std::vector<Latest> all_latest() const;
  // The samples of one container with at_ms in [from_ms, to_ms], oldest first.
  [[nodiscard]] std::vector<CounterSample> range(std::string_view environment, std::string_view id,
                                                 std::int64_t from_ms, std::int64_t to_ms) const;
  [[nodiscard]] std::size_t containers() const;

 private:
  struct Series {
    Target target;
    TargetDetails details;
    std::vector<CounterSample> ring;  // grows to capacity_, then wraps at next_
    std::size_t next = 0;
    [[nodiscard]] std::size_t newest() const { return (next + ring.size() - 1) % ring.size(); }
  };
  using Key = std::pair<std::string, std::string>;

  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::map<Key, Series, std::less<>> series_;
  std::set<std::string, std::less<>> covered_;
};

}  // namespace dokkerr::monitoring
