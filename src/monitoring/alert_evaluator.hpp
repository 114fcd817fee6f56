#pragma once
// Decides which alerts fire and which resolve, round by round, from what the collector saw. Pure
// and single-threaded (the collector's strand): the caller keeps the results.
#include "monitoring/alerts.hpp"
#include "monitoring/targets.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dokkerr::monitoring {

struct ContainerObservation {
  Target target;
  std::optional<double> cpu_percent, cpu_limit_percent, memory_percent;
  double memory_bytes = 0;
  double pids = 0;
  std::uint64_t oom_kills_added = 0;  // since the previous sample
};

// A container that left the running set and still exists.
struct StoppedObservation {
  Target target;
  std::int64_t exit_code = 0;
  bool oom_killed = false;
};

// A container's restart count, seen when it (re)starts.
struct RestartObservation {
  Target target;
  std::int64_t restart_count = 0;
};

// How a scheduled backup ended (the schedule runner reports it to the collector, on the same
// replica: both run on the scheduler lease's holder).
struct BackupOutcome {
  std::string schedule_id;
  std::string environment;  // "" for platform and audit backups
  std::string team;         // "" for platform and audit backups
  std::string what;         // "volume data", "logs of api", "the platform", …
  bool failed = false;
  std::string reason;
};

struct AlertRound {
  std::int64_t at_ms = 0;
  std::vector<std::string> environments;  // the environments this round covered (engine up)
  std::vector<std::string> unreachable;   // the environments whose engine does not answer
  std::vector<ContainerObservation> running;
  std::vector<StoppedObservation> stopped;
  std::vector<RestartObservation> restarts;
  std::vector<BackupOutcome> backups;  // scheduled backups that ended since the last round
  // Whether a container still exists (died and OOM alerts of removed containers resolve).
  std::function<bool(std::string_view environment, std::string_view id)> exists;
  // A container's label (rules' label selectors); nullopt when it has none of that key.
  std::function<std::optional<std::string>(std::string_view environment, std::string_view id,
                                           std::string_view key)>
      label_of;
};

struct AlertChange {
  Alert alert;  // firing: the new alert; resolved: the open one with resolved_at_ms set
};

class AlertEvaluator {
 public:
  // Restarts within this window count towards a restart loop unless a rule says otherwise.
  static constexpr std::int64_t kDefaultWindowMs = 5 * 60 * 1000;
  static constexpr double kDefaultRestarts = 3;

  explicit AlertEvaluator(std::function<std::string()> new_id) : new_id_(std::move(new_id)) {}

  // The alerts the store holds open (after a restart or a handover): they are not raised again.
  void restore(const std::vector<Alert>& open);
  [[nodiscard]] bool restored() const { return restored_; }

  // Firing and resolved alerts of this round, silences applied (a silenced alert is recorded as
  // such and sends nothing).
  std::vector<AlertChange> evaluate(const std::vector<AlertRule>& rules,
                                    const std::vector<Silence>& silences, const AlertRound& round);

 private:
  struct Restarts {
    Target target;
    std::deque<std::pair<std::int64_t, std::int64_t>> seen;  // (at, restart count)
  };
  void fire(const AlertRule& rule, const Target& target, double value, std::string summary,
            const std::vector<Silence>& silences, std::int64_t at_ms,
            std::vector<AlertChange>& changes);
  void resolve(const std::string& fingerprint, std::string summary, std::int64_t at_ms,
               std::vector<AlertChange>& changes);

  std::function<std::string()> new_id_;
  bool restored_ = false;
  std::map<std::string, std::int64_t> pending_since_;  // by fingerprint
  std::map<std::string, Alert> open_;                  // by fingerprint
  std::map<std::string, Restarts> restarts_;           // by environment/id
  std::map<std::string, std::int64_t> last_oom_;       // by environment/id
};

[[nodiscard]] std::string alert_fingerprint(std::string_view rule_id, std::string_view environment,
                                            std::string_view container_id);

}  // namespace dokkerr::monitoring
