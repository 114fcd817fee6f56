#include "monitoring/collector.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/logger.hpp"
#include "monitoring/alert_service.hpp"
#include "monitoring/history.hpp"
#include "monitoring/live_feed.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <map>
#include <set>
#include <utility>
#include <vector>

namespace dokkerr::monitoring {
namespace {

namespace asio = boost::asio;

// Rollups and expiry of the history run this often.
constexpr auto kMaintenanceInterval = std::chrono::minutes(1);

std::int64_t ms_since_epoch(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
      .count();
}

}  // namespace

Collector::Collector(asio::any_io_executor executor, TargetSource& source, BlockingPool& blocking,
                     const Clock& clock, Logger& logger, std::function<bool()> may_collect,
                     CollectorSettings settings, CgroupReader reader)
    : executor_(std::move(executor)),
      source_(source),
      blocking_(blocking),
      clock_(clock),
      logger_(logger),
      may_collect_(std::move(may_collect)),
      settings_(settings),
      reader_(std::move(reader)),
      window_(settings.window_samples) {}

void Collector::start() {
  timer_ = std::make_unique<asio::steady_timer>(executor_);
  asio::co_spawn(executor_, run(), asio::detached);
}

void Collector::stop() {
  stopping_ = true;
  if (timer_) asio::post(executor_, [this] { timer_->cancel(); });
}

std::vector<EngineFacts> Collector::engines() const {
  const std::lock_guard lock(report_mutex_);
  return engines_;
}

TickReport Collector::last_tick() const {
  const std::lock_guard lock(report_mutex_);
  return report_;
}

asio::awaitable<void> Collector::run() {
  // Ticks are due on a fixed grid (start + k × interval): a slow tick delays the next one, it
  // does not shift every later one.
  auto due = std::chrono::steady_clock::now();
  while (!stopping_) {
    const auto began = std::chrono::steady_clock::now();
    try {
      if (may_collect_()) {
        co_await tick();
        if ((history_ != nullptr || alerts_ != nullptr) && began >= next_maintenance_) {
          next_maintenance_ = began + kMaintenanceInterval;
          co_await maintain_history();
        }
        if (alerts_ != nullptr) send_notifications();
      } else {
        if (alerts_ != nullptr && !last_running_.empty()) {
          last_running_.clear();
          alerts_->forget_state();  // the collecting replica continues from the store
        }
        if (window_.containers() > 0) {
          window_.clear();
          located_.clear();
        }
        {
          const std::lock_guard lock(report_mutex_);
          engines_.clear();
        }
        // Another replica collects now: what this one holds goes to the database.
        if (history_ != nullptr) co_await write_history(history_->drain());
      }
    } catch (const std::exception& error) {
      logger_.warn("metrics collection failed", {{"error", error.what()}});
    }
    TickReport report;
    {
      const std::lock_guard lock(report_mutex_);
      report_.lateness = std::chrono::duration_cast<std::chrono::milliseconds>(began - due);
      report = report_;
    }
    logger_.debug("metrics round",
                  {{"sampled", report.sampled},
                   {"duration_us", report.duration.count()},
                   {"lateness_us",
                    std::chrono::duration_cast<std::chrono::microseconds>(began - due).count()}});
    due += settings_.interval;
    const auto now = std::chrono::steady_clock::now();
    while (due <= now) due += settings_.interval;  // skip the ticks an overrun swallowed
    timer_->expires_at(due);
    auto [ec] = co_await timer_->async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) break;
  }
}

asio::awaitable<void> Collector::write_history(std::vector<Chunk> chunks) {
  if (chunks.empty()) co_return;
  try {
    auto write = [this, &chunks] { history_->write(chunks); };
    co_await blocking_.run(std::move(write));
  } catch (const std::exception& error) {
    logger_.warn("metrics history not written",
                 {{"chunks", chunks.size()}, {"error", error.what()}});
  }
}

asio::awaitable<void> Collector::maintain_history() {
  try {
    auto maintain = [this] {
      if (history_ != nullptr) history_->maintain(ms_since_epoch(clock_));
      if (alerts_ != nullptr) alerts_->prune();
    };
    co_await blocking_.run(std::move(maintain));
  } catch (const std::exception& error) {
    logger_.warn("metrics history maintenance failed", {{"error", error.what()}});
  }
}

asio::awaitable<void> Collector::flush_history() {
  if (history_ != nullptr) co_await write_history(history_->drain());
}

asio::awaitable<void> Collector::tick() {
  const auto started = std::chrono::steady_clock::now();
  const auto at_ms = ms_since_epoch(clock_);
  auto inventory = co_await source_.running();
  const auto& targets = inventory.targets;

  TickReport report;
  report.at_ms = at_ms;
  std::set<std::string, std::less<>> environments(inventory.environments.begin(),
                                                  inventory.environments.end());
  std::set<std::pair<std::string, std::string>> alive;
  std::vector<std::pair<Target, std::int64_t>> restarts;  // containers found (again) this round
  // Where each target's counters are: found once per container run.
  std::vector<std::pair<const Target*, Located*>> local, remote;
  for (const auto& target : targets) {
    alive.emplace(target.environment, target.id);
    const auto key = target.environment + "/" + target.id;
    auto found = located_.find(key);
    if (found == located_.end()) {
      auto details = co_await source_.details(target);
      if (!details) continue;  // gone since it was listed
      Located located{*details, std::nullopt};
      if (alerts_ != nullptr) restarts.emplace_back(target, details->restart_count);
      if (target.on_this_host && details->pid > 0) {
        auto locate = [this, pid = details->pid] { return reader_.locate(pid); };
        located.files = co_await blocking_.run(std::move(locate));
      }
      found = located_.emplace(key, std::move(located)).first;
    }
    (found->second.files ? local : remote).emplace_back(&target, &found->second);
  }

  // The host's files in one pool job: a few syscalls per container, no engine round trip.
  auto read_all = [&local, at_ms] {
    std::vector<std::optional<CounterSample>> samples;
    samples.reserve(local.size());
    for (const auto& [target, located] : local) {
      samples.push_back(CgroupReader::read(*located->files, at_ms));
    }
    return samples;
  };
  const auto samples = co_await blocking_.run(std::move(read_all));
  std::set<std::string, std::less<>> stale;
  std::vector<std::pair<Target, CounterSample>> round;
  if (history_ != nullptr) round.reserve(local.size() + remote.size());
  for (std::size_t i = 0; i < local.size(); ++i) {
    const auto& [target, located] = local[i];
    if (samples[i]) {
      window_.add(*target, located->details, *samples[i]);
      if (history_ != nullptr) round.emplace_back(*target, *samples[i]);
      ++report.from_cgroups;
    } else {
      // Restarted (a new init pid) or stopped: found again on the next tick.
      stale.insert(target->environment + "/" + target->id);
      ++report.failed;
    }
  }
  for (const auto& [target, located] : remote) {
    if (auto sample = co_await source_.engine_sample(*target, at_ms)) {
      window_.add(*target, located->details, *sample);
      if (history_ != nullptr) round.emplace_back(*target, *sample);
      ++report.from_engine;
    } else {
      stale.insert(target->environment + "/" + target->id);
      ++report.failed;
    }
  }
  for (const auto& key : stale) located_.erase(key);
  std::erase_if(located_, [&](const auto& entry) {
    const auto slash = entry.first.find('/');
    return !alive.contains({entry.first.substr(0, slash), entry.first.substr(slash + 1)});
  });
  window_.keep_only(environments, alive);
  window_.set_covered(std::move(environments));

  auto engines = co_await source_.engines();
  std::vector<std::string> unreachable;
  for (const auto& engine : engines) {
    if (!engine.up) unreachable.push_back(engine.environment);
  }
  report.sampled = report.from_cgroups + report.from_engine;
  report.duration = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  {
    const std::lock_guard lock(report_mutex_);
    report.lateness = report_.lateness;
    report_ = report;
    engines_ = std::move(engines);
  }
  // Packing a completed chunk is cheap; writing it waits on the database, after the round.
  if (history_ != nullptr) co_await write_history(history_->record(round));
  if (live_ != nullptr) publish_live(at_ms);
  if (alerts_ != nullptr) {
    co_await evaluate_alerts(at_ms, inventory.environments, std::move(unreachable),
                             std::move(restarts));
  }
}

void Collector::publish_live(std::int64_t at_ms) {
  LiveRound round;
  round.at_ms = at_ms;
  for (const auto& latest : window_.all_latest()) {
    if (latest.current.at_ms != at_ms) continue;
    const auto rates = rates_of(latest);
    LiveRow row{
        latest.target.environment, latest.target.id,  latest.target.name,
        latest.target.team,        rates.cpu_percent, static_cast<double>(rates.memory_bytes),
        rates.memory_percent,      std::nullopt,      std::nullopt};
    if (latest.previous && latest.current.at_ms > latest.previous->at_ms) {
      const double seconds =
          static_cast<double>(latest.current.at_ms - latest.previous->at_ms) / 1000.0;
      auto rate = [seconds](std::uint64_t now, std::uint64_t before) -> std::optional<double> {
        if (now < before) return std::nullopt;  // restarted: counters began again
        return static_cast<double>(now - before) / seconds;
      };
      row.network_receive_bps = rate(latest.current.net_rx_bytes, latest.previous->net_rx_bytes);
      row.network_transmit_bps = rate(latest.current.net_tx_bytes, latest.previous->net_tx_bytes);
    }
    round.rows.push_back(std::move(row));
  }
  live_->update(std::move(round));
}

void Collector::note_backup(BackupOutcome outcome) {
  const std::lock_guard lock(backups_mutex_);
  if (backups_.size() < 1000) backups_.push_back(std::move(outcome));  // bounded between rounds
}

asio::awaitable<void> Collector::evaluate_alerts(
    std::int64_t at_ms, const std::vector<std::string>& environments,
    std::vector<std::string> unreachable, std::vector<std::pair<Target, std::int64_t>> restarts) {
  AlertRound round;
  round.at_ms = at_ms;
  round.environments = environments;
  round.unreachable = std::move(unreachable);
  std::map<std::string, Target, std::less<>> running;
  for (const auto& latest : window_.all_latest()) {
    if (latest.current.at_ms != at_ms) continue;  // not sampled in this round
    const auto rates = rates_of(latest);
    ContainerObservation seen;
    seen.target = latest.target;
    seen.cpu_percent = rates.cpu_percent;
    seen.cpu_limit_percent = rates.cpu_percent_of_limit;
    seen.memory_percent = rates.memory_percent;
    seen.memory_bytes = static_cast<double>(rates.memory_bytes);
    seen.pids = static_cast<double>(latest.current.pids);
    if (latest.previous && latest.current.oom_kills > latest.previous->oom_kills) {
      seen.oom_kills_added = latest.current.oom_kills - latest.previous->oom_kills;
    }
    running.emplace(latest.target.environment + "/" + latest.target.id, latest.target);
    round.running.push_back(std::move(seen));
  }
  const std::set<std::string, std::less<>> covered(environments.begin(), environments.end());
  // Containers that ran last round and do not now: how they ended (one inspect each).
  for (const auto& [key, target] : last_running_) {
    if (running.contains(key) || !covered.contains(target.environment)) continue;
    if (auto exit = co_await source_.exit_state(target)) {
      round.stopped.push_back(StoppedObservation{target, exit->exit_code, exit->oom_killed});
    }
  }
  for (auto& [target, count] : restarts) {
    round.restarts.push_back(RestartObservation{std::move(target), count});
  }
  {
    const std::lock_guard lock(backups_mutex_);
    round.backups.swap(backups_);
  }
  last_running_ = std::move(running);
  round.exists = [this](std::string_view environment, std::string_view id) {
    return source_.exists(environment, id);
  };
  round.label_of = [this](std::string_view environment, std::string_view id, std::string_view key) {
    return source_.label(environment, id, key);
  };
  std::vector<Alert> changed;
  try {
    auto evaluate = [this, &round] { return alerts_->evaluate(round); };
    changed = co_await blocking_.run(std::move(evaluate));
  } catch (const std::exception& error) {
    logger_.warn("alerts not evaluated", {{"error", error.what()}});
  }
  if (alert_listener_ && !changed.empty()) alert_listener_(std::move(changed));
}

void Collector::send_notifications() {
  // One sender at a time, beside the rounds: a slow receiver must not delay sampling.
  if (sending_->exchange(true)) return;
  auto send = [alerts = alerts_, sending = sending_, &logger = logger_] {
    try {
      (void)alerts->deliver_due();  // a bounded pass; the next round starts the next
    } catch (const std::exception& error) {
      logger.warn("alert notifications not sent", {{"error", error.what()}});
    }
    sending->store(false);
  };
  asio::co_spawn(
      executor_,
      [this, send = std::move(send)]() mutable -> asio::awaitable<void> {
        co_await blocking_.run(std::move(send));
      },
      asio::detached);
}

}  // namespace dokkerr::monitoring
