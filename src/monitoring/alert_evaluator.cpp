#include "monitoring/alert_evaluator.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <set>

namespace dokkerr::monitoring {
namespace {

constexpr std::int64_t kRestartMemoryMs = 60 * 60 * 1000;  // restart counts kept this long

std::string key_of(std::string_view environment, std::string_view id) {
  return std::string(environment) + "/" + std::string(id);
}

bool in_scope(const AlertRule& rule, const Target& target, const AlertRound& round) {
  if (!(rule.team.empty() || rule.team == target.team) ||
      !(rule.environment.empty() || rule.environment == target.environment) ||
      !names_container(rule.container, target.id, target.name)) {
    return false;
  }
  // The label selector: every key present, with the value when one is given.
  for (const auto& [key, value] : rule.labels) {
    const auto found =
        round.label_of ? round.label_of(target.environment, target.id, key) : std::nullopt;
    if (!found || (!value.empty() && *found != value)) return false;
  }
  return true;
}

std::optional<double> value_of(AlertMetric metric, const ContainerObservation& seen) {
  switch (metric) {
    case AlertMetric::cpu_percent:
      return seen.cpu_percent;
    case AlertMetric::cpu_limit_percent:
      return seen.cpu_limit_percent;
    case AlertMetric::memory_percent:
      return seen.memory_percent;
    case AlertMetric::memory_bytes:
      return seen.memory_bytes;
    case AlertMetric::pids:
      return seen.pids;
  }
  return std::nullopt;
}

// A figure for a summary: whole numbers as such, others with one decimal.
std::string number(double value) {
  std::array<char, 64> buffer{};
  const bool whole = std::abs(value - std::round(value)) < 1e-9 && std::abs(value) < 1e15;
  const auto [end, ec] = whole ? std::to_chars(buffer.data(), buffer.data() + buffer.size(),
                                               static_cast<long long>(std::llround(value)))
                               : std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                               std::chars_format::fixed, 1);
  return ec == std::errc{} ? std::string(buffer.data(), end) : std::string("?");
}

}  // namespace

std::string alert_fingerprint(std::string_view rule_id, std::string_view environment,
                              std::string_view container_id) {
  return std::string(rule_id) + "|" + std::string(environment) + "|" + std::string(container_id);
}

void AlertEvaluator::restore(const std::vector<Alert>& open) {
  for (const auto& alert : open) open_.emplace(alert.fingerprint, alert);
  restored_ = true;
}

void AlertEvaluator::fire(const AlertRule& rule, const Target& target, double value,
                          std::string summary, const std::vector<Silence>& silences,
                          std::int64_t at_ms, std::vector<AlertChange>& changes) {
  const auto fingerprint = alert_fingerprint(rule.id, target.environment, target.id);
  if (open_.contains(fingerprint)) return;
  Alert alert;
  alert.id = new_id_();
  alert.rule_id = rule.id;
  alert.rule_name = rule.name;
  alert.team = rule.team;
  alert.fingerprint = fingerprint;
  alert.environment = target.environment;
  alert.container_id = target.id;
  alert.container_name = target.name;
  alert.value = value;
  alert.summary = std::move(summary);
  alert.started_at_ms = at_ms;
  alert.silenced = std::ranges::any_of(silences, [&](const Silence& silence) {
    return silence.ends_at_ms > at_ms && (silence.team.empty() || silence.team == rule.team) &&
           (silence.rule_id.empty() || silence.rule_id == rule.id) &&
           names_container(silence.container, target.id, target.name);
  });
  open_.emplace(fingerprint, alert);
  changes.push_back(AlertChange{std::move(alert)});
}

void AlertEvaluator::resolve(const std::string& fingerprint, std::string summary,
                             std::int64_t at_ms, std::vector<AlertChange>& changes) {
  auto found = open_.find(fingerprint);
  if (found == open_.end()) return;
  auto alert = std::move(found->second);
  open_.erase(found);
  alert.state = AlertState::resolved;
  alert.resolved_at_ms = at_ms;
  alert.summary = std::move(summary);
  changes.push_back(AlertChange{std::move(alert)});
}

std::vector<AlertChange> AlertEvaluator::evaluate(const std::vector<AlertRule>& rules,
                                                  const std::vector<Silence>& silences,
                                                  const AlertRound& round) {
  std::vector<AlertChange> changes;
  const auto now = round.at_ms;
  const std::set<std::string, std::less<>> covered(round.environments.begin(),
                                                   round.environments.end());
  std::map<std::string, const ContainerObservation*, std::less<>> running;
  for (const auto& seen : round.running) {
    running.emplace(key_of(seen.target.environment, seen.target.id), &seen);
    if (seen.oom_kills_added > 0) last_oom_[key_of(seen.target.environment, seen.target.id)] = now;
  }
  for (const auto& stopped : round.stopped) {
    if (stopped.oom_killed) last_oom_[key_of(stopped.target.environment, stopped.target.id)] = now;
  }
  std::set<std::string, std::less<>> restarted_now;
  for (const auto& seen : round.restarts) {
    const auto key = key_of(seen.target.environment, seen.target.id);
    auto& entry = restarts_[key];
    entry.target = seen.target;
    if (entry.seen.empty() || entry.seen.back().second != seen.restart_count) {
      entry.seen.emplace_back(now, seen.restart_count);
    }
  }
  for (auto it = restarts_.begin(); it != restarts_.end();) {
    auto& seen = it->second.seen;
    // Keep one observation older than the memory as the baseline.
    while (seen.size() > 1 && seen[1].first < now - kRestartMemoryMs) seen.pop_front();
    it = seen.empty() ? restarts_.erase(it) : std::next(it);
  }

  std::set<std::string, std::less<>> live_rules;
  for (const auto& rule : rules) {
    if (!rule.enabled) continue;
    live_rules.insert(rule.id);
    // Open alerts of this rule: which containers they are about.
    std::vector<std::string> open_of_rule;
    for (const auto& [fingerprint, alert] : open_) {
      if (alert.rule_id == rule.id) open_of_rule.push_back(fingerprint);
    }
    auto gone = [&](const Alert& alert) {
      return round.exists && !round.exists(alert.environment, alert.container_id);
    };

    if (rule.kind == RuleKind::metric) {
      const auto metric = std::string(name_of(rule.metric));
      const char* op = rule.comparison == Comparison::above ? ">" : "<";
      for (const auto& [key, seen] : running) {
        if (!in_scope(rule, seen->target, round)) continue;
        const auto fingerprint =
            alert_fingerprint(rule.id, seen->target.environment, seen->target.id);
        const auto value = value_of(rule.metric, *seen);
        const bool holds =
            value && (rule.comparison == Comparison::above ? *value > rule.threshold
                                                           : *value < rule.threshold);
        if (!holds) {
          pending_since_.erase(fingerprint);
          if (value) {
            resolve(fingerprint,
                    metric + " is " + number(*value) + " again (not " + op + " " +
                        number(rule.threshold) + ")",
                    now, changes);
          }
          continue;
        }
        if (open_.contains(fingerprint)) {
          open_[fingerprint].value = *value;
          continue;
        }
        const auto since = pending_since_.try_emplace(fingerprint, now).first->second;
        if (now - since >= rule.for_ms) {
          pending_since_.erase(fingerprint);
          fire(rule, seen->target, *value,
               metric + " of " + seen->target.name + " is " + number(*value) + " (" + op + " " +
                   number(rule.threshold) + ")",
               silences, now, changes);
        }
      }
      for (const auto& fingerprint : open_of_rule) {
        const auto found = open_.find(fingerprint);
        if (found == open_.end()) continue;  // resolved earlier in this round
        const auto& alert = found->second;
        if (covered.contains(alert.environment) &&
            !running.contains(key_of(alert.environment, alert.container_id))) {
          resolve(fingerprint, alert.container_name + " is no longer running", now, changes);
        }
      }
      continue;
    }

    switch (rule.event) {
      case AlertEvent::died:
        for (const auto& stopped : round.stopped) {
          if (!in_scope(rule, stopped.target, round)) continue;
          fire(rule, stopped.target, static_cast<double>(stopped.exit_code),
               stopped.target.name + " stopped with exit code " +
                   std::to_string(stopped.exit_code) +
                   (stopped.oom_killed ? " (killed for lack of memory)" : ""),
               silences, now, changes);
        }
        for (const auto& fingerprint : open_of_rule) {
          const auto found = open_.find(fingerprint);
          if (found == open_.end()) continue;  // resolved earlier in this round
          const auto& alert = found->second;
          if (running.contains(key_of(alert.environment, alert.container_id))) {
            resolve(fingerprint, alert.container_name + " is running again", now, changes);
          } else if (gone(alert)) {
            resolve(fingerprint, alert.container_name + " was removed", now, changes);
          }
        }
        break;
      case AlertEvent::oom_killed: {
        auto raise = [&](const Target& target) {
          fire(rule, target, 1, "a process of " + target.name + " was killed for lack of memory",
               silences, now, changes);
        };
        for (const auto& [key, seen] : running) {
          if (seen->oom_kills_added > 0 && in_scope(rule, seen->target, round)) raise(seen->target);
        }
        for (const auto& stopped : round.stopped) {
          if (stopped.oom_killed && in_scope(rule, stopped.target, round)) raise(stopped.target);
        }
        const auto quiet = rule.for_ms > 0 ? rule.for_ms : kDefaultWindowMs;
        for (const auto& fingerprint : open_of_rule) {
          const auto found = open_.find(fingerprint);
          if (found == open_.end()) continue;  // resolved earlier in this round
          const auto& alert = found->second;
          const auto last = last_oom_.find(key_of(alert.environment, alert.container_id));
          if (last == last_oom_.end() || now - last->second >= quiet) {
            resolve(fingerprint,
                    "no process of " + alert.container_name + " killed for lack of memory since",
                    now, changes);
          } else if (gone(alert)) {
            resolve(fingerprint, alert.container_name + " was removed", now, changes);
          }
        }
        break;
      }
      case AlertEvent::engine_unreachable: {
        for (const auto& environment : round.unreachable) {
          if (!rule.environment.empty() && rule.environment != environment) continue;
          fire(rule, Target{environment, "", "", rule.team, false, ""}, 1,
               "the engine of " + environment + " does not answer", silences, now, changes);
        }
        for (const auto& fingerprint : open_of_rule) {
          const auto found = open_.find(fingerprint);
          if (found == open_.end()) continue;
          const auto& alert = found->second;
          if (covered.contains(alert.environment)) {
            resolve(fingerprint, "the engine of " + alert.environment + " answers again", now,
                    changes);
          } else if (std::ranges::find(round.unreachable, alert.environment) ==
                     round.unreachable.end()) {
            resolve(fingerprint, "the environment " + alert.environment + " was removed", now,
                    changes);
          }
        }
        break;
      }
      case AlertEvent::backup_failed: {
        // One alert per schedule: it fires when a run fails and resolves when one succeeds.
        for (const auto& outcome : round.backups) {
          const Target target{outcome.environment,
                              "backup-schedule:" + outcome.schedule_id,
                              outcome.what,
                              outcome.team,
                              false,
                              ""};
          if (!(rule.team.empty() || rule.team == target.team) ||
              !(rule.environment.empty() || rule.environment == target.environment)) {
            continue;
          }
          if (outcome.failed) {
            fire(rule, target, 1,
                 "the scheduled backup of " + outcome.what + " failed: " + outcome.reason, silences,
                 now, changes);
          } else {
            resolve(alert_fingerprint(rule.id, target.environment, target.id),
                    "the scheduled backup of " + outcome.what + " succeeded again", now, changes);
          }
        }
        break;
      }
      case AlertEvent::unhealthy: {
        for (const auto& [key, seen] : running) {
          if (!in_scope(rule, seen->target, round)) continue;
          const auto fingerprint =
              alert_fingerprint(rule.id, seen->target.environment, seen->target.id);
          if (seen->target.health == "unhealthy") {
            fire(rule, seen->target, 1, seen->target.name + " fails its health check", silences,
                 now, changes);
          } else if (open_.contains(fingerprint)) {
            resolve(
                fingerprint,
                seen->target.name + " is " +
                    (seen->target.health.empty() ? std::string("running") : seen->target.health) +
                    " again",
                now, changes);
          }
        }
        for (const auto& fingerprint : open_of_rule) {
          const auto found = open_.find(fingerprint);
          if (found == open_.end()) continue;
          const auto& alert = found->second;
          if (covered.contains(alert.environment) &&
              !running.contains(key_of(alert.environment, alert.container_id))) {
            resolve(fingerprint, alert.container_name + " is no longer running", now, changes);
          }
        }
        break;
      }
      case AlertEvent::restart_loop: {
        const auto window = rule.for_ms > 0 ? rule.for_ms : kDefaultWindowMs;
        const auto needed = rule.threshold > 0 ? rule.threshold : kDefaultRestarts;
        for (const auto& [key, entry] : restarts_) {
          if (!in_scope(rule, entry.target, round)) continue;
          // The count when the window began (the last observation before it, or the first).
          auto baseline = entry.seen.front().second;
          for (const auto& [at, count] : entry.seen) {
            if (at <= now - window) baseline = count;
          }
          const auto restarts = static_cast<double>(entry.seen.back().second - baseline);
          const auto fingerprint =
              alert_fingerprint(rule.id, entry.target.environment, entry.target.id);
          if (restarts >= needed) {
            fire(rule, entry.target, restarts,
                 entry.target.name + " restarted " + number(restarts) + " times in " +
                     std::to_string(window / 1000) + " s",
                 silences, now, changes);
          } else if (restarts == 0 && open_.contains(fingerprint)) {
            resolve(fingerprint, entry.target.name + " has not restarted for a while", now,
                    changes);
          }
        }
        for (const auto& fingerprint : open_of_rule) {
          const auto found = open_.find(fingerprint);
          if (found == open_.end()) continue;  // resolved earlier in this round
          const auto& alert = found->second;
          if (gone(alert))
            resolve(fingerprint, alert.container_name + " was removed", now, changes);
        }
        break;
      }
    }
  }
  // Alerts of rules that were removed or disabled resolve.
  std::vector<std::string> orphaned;
  for (const auto& [fingerprint, alert] : open_) {
    if (!live_rules.contains(alert.rule_id)) orphaned.push_back(fingerprint);
  }
  for (const auto& fingerprint : orphaned) {
    resolve(fingerprint, "the rule was removed or disabled", now, changes);
  }
  std::erase_if(pending_since_, [&](const auto& entry) {
    return !live_rules.contains(entry.first.substr(0, entry.first.find('|')));
  });
  return changes;
}

}  // namespace dokkerr::monitoring
