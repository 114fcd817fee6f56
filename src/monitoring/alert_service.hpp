#pragma once
// The rules of alerting: who may see and change which rules, alerts and silences (alerts:read and
// alerts:manage in the rule's team; platform rules, of no team, are admins'), what a valid rule
// is, and the two jobs of the collecting replica: turning each round's observations into alert
// changes (kept with their notifications in one transaction) and delivering notifications with
// retries. Every call blocks on the database: run them on the blocking pool.
#include "core/address_set.hpp"
#include "monitoring/alert_evaluator.hpp"
#include "monitoring/alert_store.hpp"

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace dokkerr {
class Clock;
class Logger;
class SecretSealer;
struct Principal;
}  // namespace dokkerr

namespace dokkerr::monitoring {

struct CreatedRule {
  AlertRule rule;
  std::string webhook_secret;  // shown once, when the rule gets a webhook
};

class AlertService {
 public:
  // Attempts per notification before it is given up; the waits between them double from 2 s.
  static constexpr int kMaxAttempts = 8;
  static constexpr std::size_t kMaxRules = 1000;  // per team

  AlertService(AlertStore& store, const SecretSealer& sealer, const Clock& clock, Logger& logger,
               AddressSet webhook_allow);

  // --- the API -----------------------------------------------------------------------------
  [[nodiscard]] std::vector<AlertRule> rules(const Principal& caller);
  [[nodiscard]] AlertRule rule(const Principal& caller, std::string_view id);
  CreatedRule create_rule(const Principal& caller, const boost::json::object& body);
  CreatedRule update_rule(const Principal& caller, std::string_view id,
                          const boost::json::object& body);
  void delete_rule(const Principal& caller, std::string_view id);

  [[nodiscard]] std::vector<Alert> alerts(const Principal& caller, std::optional<AlertState> state,
                                          std::int64_t before_ms, std::size_t limit);
  [[nodiscard]] Alert alert(const Principal& caller, std::string_view id);
  [[nodiscard]] std::vector<Delivery> deliveries(const Principal& caller, std::string_view id);
  Alert acknowledge(const Principal& caller, std::string_view id);

  [[nodiscard]] std::vector<Silence> silences(const Principal& caller);
  Silence create_silence(const Principal& caller, const boost::json::object& body);
  void delete_silence(const Principal& caller, std::string_view id);

  // --- the collecting replica ---------------------------------------------------------------
  // The round's alert changes, recorded with their notifications. Returns them (for pushes).
  std::vector<Alert> evaluate(const AlertRound& round);
  // Attempts the notifications that are due. Returns how many were attempted.
  std::size_t deliver_due();
  // Resolved alerts, their settled notifications and ended silences are kept this long.
  static constexpr std::int64_t kKeepResolvedMs = 90LL * 24 * 3600 * 1000;
  // Forgets what is past kKeepResolvedMs (the collecting replica, once a minute).
  void prune();
  // Called when this replica stops collecting: what it held in memory is rebuilt from the
  // store by the next collector.
  void forget_state();

  // Alerts firing now, every team's (for operators).
  [[nodiscard]] std::size_t firing_count();
  // Bumped on every change: listeners (the alert stream) poll it.
  [[nodiscard]] std::uint64_t version() const { return version_.load(); }
  // Changes when any replica raised, resolved or acknowledged an alert. Reads the database at
  // most once a second however many streams ask.
  [[nodiscard]] std::string change_signature();

 private:
  [[nodiscard]] std::optional<TeamIds> teams_with(const Principal& caller,
                                                  std::string_view permission) const;
  void check_team(const Principal& caller, const std::string& team,
                  std::string_view permission) const;
  AlertRule visible_rule(const Principal& caller, std::string_view id, std::string_view permission);
  void check_engine_rule(const Principal& caller, const AlertRule& rule) const;
  // A rule body's "webhook" (absent: unchanged; null: removed; {url, format}: checked and set).
  // Returns the signing key when one was made for it (shown once), else "".
  std::string apply_webhook(const boost::json::value* webhook, AlertRule& rule) const;
  std::vector<Delivery> notifications(const Alert& alert, const AlertRule* rule);
  std::int64_t now_ms() const;

  AlertStore& store_;
  const SecretSealer& sealer_;
  const Clock& clock_;
  Logger& logger_;
  AddressSet webhook_allow_;
  std::atomic<std::uint64_t> version_{1};

  // The collecting side (one thread at a time: the collector's rounds).
  std::mutex evaluation_mutex_;
  std::unique_ptr<AlertEvaluator> evaluator_;
  std::uint64_t rules_version_ = 0;
  std::chrono::steady_clock::time_point rules_loaded_{};
  std::vector<AlertRule> rules_;

  std::mutex signature_mutex_;
  std::chrono::steady_clock::time_point signature_read_{};
  std::string signature_;
};

[[nodiscard]] boost::json::object to_json(const AlertRule& rule);
[[nodiscard]] boost::json::object to_json(const Alert& alert);
[[nodiscard]] boost::json::object to_json(const Silence& silence);
[[nodiscard]] boost::json::object to_json(const Delivery& delivery);

}  // namespace dokkerr::monitoring
