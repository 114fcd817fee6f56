#include "monitoring/recent_window.hpp"

#include <algorithm>

namespace dokkerr::monitoring {

Rates rates_of(const Latest& latest) {
  Rates rates;
  const auto& now = latest.current;
  rates.memory_bytes =
      now.memory_bytes > now.memory_cache ? now.memory_bytes - now.memory_cache : 0;
  if (now.memory_limit > 0) {
    rates.memory_percent =
        static_cast<double>(rates.memory_bytes) * 100.0 / static_cast<double>(now.memory_limit);
  }
  if (latest.previous && now.at_ms > latest.previous->at_ms &&
      now.cpu_ns >= latest.previous->cpu_ns) {
    const double elapsed_ns = static_cast<double>(now.at_ms - latest.previous->at_ms) * 1e6;
    rates.cpu_percent =
        static_cast<double>(now.cpu_ns - latest.previous->cpu_ns) * 100.0 / elapsed_ns;
    if (latest.details.cpu_limit_cores > 0) {
      rates.cpu_percent_of_limit = *rates.cpu_percent / latest.details.cpu_limit_cores;
    }
  }
  return rates;
}

void RecentWindow::add(const Target& target, const TargetDetails& details,
                       const CounterSample& sample) {
  const std::lock_guard lock(mutex_);
  auto& series = series_[Key{target.environment, target.id}];
  series.target = target;
  series.details = details;
  if (series.ring.size() < capacity_) {
    series.ring.push_back(sample);
    series.next = series.ring.size() % capacity_;
  } else {
    series.ring[series.next] = sample;
    series.next = (series.next + 1) % capacity_;
  }
}

void RecentWindow::keep_only(const std::set<std::string, std::less<>>& environments,
                             const std::set<Key>& alive) {
  const std::lock_guard lock(mutex_);
  std::erase_if(series_, [&](const auto& entry) {
    return environments.contains(entry.first.first) && !alive.contains(entry.first);
  });
}

void RecentWindow::clear() {
  const std::lock_guard lock(mutex_);
  series_.clear();
  covered_.clear();
}

void RecentWindow::set_covered(std::set<std::string, std::less<>> environments) {
  const std::lock_guard lock(mutex_);
  covered_ = std::move(environments);
}

bool RecentWindow::covers(std::string_view environment) const {
  const std::lock_guard lock(mutex_);
  return covered_.contains(environment);
}

std::optional<Latest> RecentWindow::latest(std::string_view environment,
                                           std::string_view id) const {
  const std::lock_guard lock(mutex_);
  const auto found = series_.find(Key{std::string(environment), std::string(id)});
  if (found == series_.end() || found->second.ring.empty()) return std::nullopt;
  const auto& series = found->second;
  Latest out{series.target, series.details, series.ring[series.newest()], std::nullopt};
  if (series.ring.size() > 1) {
    out.previous = series.ring[(series.newest() + series.ring.size() - 1) % series.ring.size()];
  }
  return out;
}

std::vector<Latest> RecentWindow::all_latest() const {
  std::vector<Latest> out;
  const std::lock_guard lock(mutex_);
  out.reserve(series_.size());
  for (const auto& [key, series] : series_) {
    if (series.ring.empty()) continue;
    Latest latest{series.target, series.details, series.ring[series.newest()], std::nullopt};
    if (series.ring.size() > 1) {
      latest.previous =
          series.ring[(series.newest() + series.ring.size() - 1) % series.ring.size()];
    }
    out.push_back(std::move(latest));
  }
  return out;
}

std::vector<CounterSample> RecentWindow::range(std::string_view environment, std::string_view id,
                                               std::int64_t from_ms, std::int64_t to_ms) const {
  std::vector<CounterSample> out;
  const std::lock_guard lock(mutex_);
  const auto found = series_.find(Key{std::string(environment), std::string(id)});
  if (found == series_.end()) return out;
  const auto& series = found->second;
  const auto size = series.ring.size();
  const auto oldest = size < capacity_ ? 0 : series.next;
  for (std::size_t i = 0; i < size; ++i) {
    const auto& sample = series.ring[(oldest + i) % size];
    if (sample.at_ms >= from_ms && sample.at_ms <= to_ms) out.push_back(sample);
  }
  return out;
}

std::size_t RecentWindow::containers() const {
  const std::lock_guard lock(mutex_);
  return series_.size();
}

}  // namespace dokkerr::monitoring
