#pragma once
// Where rules, alerts, silences and deliveries are kept. A port; SqlAlertStore is the real one.
// Secrets arrive sealed: the store never sees a webhook key in the clear.
#include "monitoring/alerts.hpp"

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace dokkerr::store {
class Database;
}

namespace dokkerr::monitoring {

using TeamIds = std::set<std::string, std::less<>>;

struct AlertFilter {
  std::optional<TeamIds> teams;  // nullopt: every team (admins); "" in it: platform alerts
  std::optional<AlertState> state;
  std::int64_t before_ms = 0;  // 0: from the newest; else started before this (paging)
  std::size_t limit = 100;
};

class AlertStore {
 public:
  virtual ~AlertStore() = default;
  [[nodiscard]] virtual std::vector<AlertRule> rules(const std::optional<TeamIds>& teams) = 0;
  [[nodiscard]] virtual std::optional<AlertRule> rule(std::string_view id) = 0;
  virtual void insert_rule(const AlertRule& rule) = 0;
  virtual void update_rule(const AlertRule& rule) = 0;
  virtual bool delete_rule(std::string_view id) = 0;

  // An alert change and the notifications that report it, in one transaction.
  virtual void record(const Alert& alert, const std::vector<Delivery>& deliveries) = 0;
  [[nodiscard]] virtual std::vector<Alert> open_alerts() = 0;
  [[nodiscard]] virtual std::vector<Alert> alerts(const AlertFilter& filter) = 0;
  [[nodiscard]] virtual std::optional<Alert> alert(std::string_view id) = 0;
  virtual void acknowledge(std::string_view id, std::string_view user, std::int64_t at_ms) = 0;
  // Changes whenever an alert is raised, resolved or acknowledged (by any replica).
  [[nodiscard]] virtual std::string alerts_signature() = 0;

  [[nodiscard]] virtual std::vector<Silence> silences(const std::optional<TeamIds>& teams,
                                                      std::int64_t active_at_ms) = 0;
  [[nodiscard]] virtual std::optional<Silence> silence(std::string_view id) = 0;
  virtual void insert_silence(const Silence& silence) = 0;
  virtual bool delete_silence(std::string_view id) = 0;

  [[nodiscard]] virtual std::vector<Delivery> due_deliveries(std::int64_t now_ms,
                                                             std::size_t limit) = 0;
  virtual void update_delivery(const Delivery& delivery) = 0;
  [[nodiscard]] virtual std::vector<Delivery> deliveries_of(std::string_view alert_id) = 0;
  // Forgets alerts resolved, and notifications settled, before `before_ms`, and silences that
  // ended then. Returns how many rows went.
  virtual std::int64_t prune(std::int64_t before_ms) = 0;
};

class SqlAlertStore final : public AlertStore {
 public:
  explicit SqlAlertStore(store::Database& db) : db_(db) {}
  std::vector<AlertRule> rules(const std::optional<TeamIds>& teams) override;
  std::optional<AlertRule> rule(std::string_view id) override;
  void insert_rule(const AlertRule& rule) override;
  void update_rule(const AlertRule& rule) override;
  bool delete_rule(std::string_view id) override;
  void record(const Alert& alert, const std::vector<Delivery>& deliveries) override;
  std::vector<Alert> open_alerts() override;
  std::vector<Alert> alerts(const AlertFilter& filter) override;
  std::optional<Alert> alert(std::string_view id) override;
  void acknowledge(std::string_view id, std::string_view user, std::int64_t at_ms) override;
  std::string alerts_signature() override;
  std::vector<Silence> silences(const std::optional<TeamIds>& teams,
                                std::int64_t active_at_ms) override;
  std::optional<Silence> silence(std::string_view id) override;
  void insert_silence(const Silence& silence) override;
  bool delete_silence(std::string_view id) override;
  std::vector<Delivery> due_deliveries(std::int64_t now_ms, std::size_t limit) override;
  void update_delivery(const Delivery& delivery) override;
  std::vector<Delivery> deliveries_of(std::string_view alert_id) override;
  std::int64_t prune(std::int64_t before_ms) override;

 private:
  store::Database& db_;
};

}  // namespace dokkerr::monitoring
