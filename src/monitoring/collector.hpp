#pragma once
// Samples every running container at a fixed interval into the recent window: from its cgroup
// files when its engine shares this kernel, else from the engine's one-shot stats. Runs only
// while `may_collect` says so (this replica holds the scheduler lease); otherwise the window is
// emptied, so nothing stale is served.
#include "monitoring/alert_evaluator.hpp"
#include "monitoring/cgroup_reader.hpp"
#include "monitoring/history_store.hpp"
#include "monitoring/recent_window.hpp"
#include "monitoring/targets.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace dokkerr {
class BlockingPool;
class Clock;
class Logger;
}  // namespace dokkerr

namespace dokkerr::monitoring {

struct CollectorSettings {
  std::chrono::milliseconds interval{5000};
  std::size_t window_samples = 180;  // 15 min at the default interval
};

// What the last tick did, for /metrics and the logs.
struct TickReport {
  std::int64_t at_ms = 0;
  std::chrono::microseconds duration{0};
  std::size_t sampled = 0, from_cgroups = 0, from_engine = 0, failed = 0;
  std::chrono::milliseconds lateness{0};  // how long after its due time the tick began
};

class AlertService;
class History;
class LiveFeed;

class Collector {
 public:
  Collector(boost::asio::any_io_executor executor, TargetSource& source, BlockingPool& blocking,
            const Clock& clock, Logger& logger, std::function<bool()> may_collect,
            CollectorSettings settings = {}, CgroupReader reader = CgroupReader());
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  void start();
  void stop();  // ends the loop at its next wait
  // Samples go to the history too (chunks written as they complete, rollups and expiry once a
  // minute). Call before start(); `history` must outlive the collector.
  void keep_history(History& history) { history_ = &history; }
  // Each round is also evaluated against the alert rules, and due notifications are sent (both
  // only on the collecting replica). Call before start().
  void watch_alerts(AlertService& alerts) { alerts_ = &alerts; }
  // Told the alerts that fired or resolved in a round (on the collector's executor).
  void on_alert_changes(std::function<void(std::vector<Alert>)> listener) {
    alert_listener_ = std::move(listener);
  }
  // A scheduled backup that ended: evaluated with the next round's alerts. Any thread.
  void note_backup(BackupOutcome outcome);
  // Each round's figures go to the live feed too (the team and environment streams).
  void feed_live(LiveFeed& live) { live_ = &live; }
  // Writes what the history holds in memory (at shutdown, after stop()).
  boost::asio::awaitable<void> flush_history();

  [[nodiscard]] const RecentWindow& window() const { return window_; }
  [[nodiscard]] TickReport last_tick() const;
  // The engines as the last round found them (empty when this replica does not collect).
  [[nodiscard]] std::vector<EngineFacts> engines() const;
  [[nodiscard]] std::chrono::milliseconds interval() const { return settings_.interval; }

  // One round now (the loop's body; tests call it directly).
  boost::asio::awaitable<void> tick();

 private:
  struct Located {
    TargetDetails details;
    std::optional<CgroupFiles> files;  // nullopt: ask the engine
  };
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> write_history(std::vector<Chunk> chunks);
  boost::asio::awaitable<void> maintain_history();
  boost::asio::awaitable<void> evaluate_alerts(
      std::int64_t at_ms, const std::vector<std::string>& environments,
      std::vector<std::string> unreachable, std::vector<std::pair<Target, std::int64_t>> restarts);
  void send_notifications();
  void publish_live(std::int64_t at_ms);

  boost::asio::any_io_executor executor_;
  TargetSource& source_;
  BlockingPool& blocking_;
  const Clock& clock_;
  Logger& logger_;
  std::function<bool()> may_collect_;
  std::function<void(std::vector<Alert>)> alert_listener_;
  CollectorSettings settings_;
  CgroupReader reader_;
  RecentWindow window_;
  History* history_ = nullptr;
  AlertService* alerts_ = nullptr;
  LiveFeed* live_ = nullptr;
  std::map<std::string, Target, std::less<>> last_running_;  // by environment + "/" + id
  std::shared_ptr<std::atomic<bool>> sending_ = std::make_shared<std::atomic<bool>>(false);
  std::chrono::steady_clock::time_point next_maintenance_{};
  std::map<std::string, Located, std::less<>> located_;  // by environment + "/" + id
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex report_mutex_;
  TickReport report_;
  std::vector<EngineFacts> engines_;  // guarded by report_mutex_
  std::mutex backups_mutex_;
  std::vector<BackupOutcome> backups_;  // guarded by backups_mutex_
};

}  // namespace dokkerr::monitoring
