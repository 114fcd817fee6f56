#include "monitoring/alert_store.hpp"

#include "core/error.hpp"
#include "unit/store/test_databases.hpp"

#include <gtest/gtest.h>

namespace dokkerr::monitoring {
namespace {

using store::testing::BackendTest;

constexpr std::int64_t kT0 = 1'800'000'000'000;

AlertRule rule_of_team(std::string id, std::string team) {
  AlertRule rule;
  rule.id = std::move(id);
  rule.team = std::move(team);
  rule.name = "cpu";
  rule.threshold = 90.5;
  rule.for_ms = 120'000;
  rule.webhook_url = "https://hooks.example.com/x";
  rule.webhook_format = WebhookFormat::alertmanager;
  rule.webhook_secret = "sealed";
  rule.labels = {{"tier", "web"}, {"critical", ""}};
  rule.created_by = "u1";
  rule.created_at = rule.updated_at = "2026-12-06T00:00:00Z";
  return rule;
}

Alert firing(std::string id, std::string fingerprint, std::string team = "t1") {
  Alert alert;
  alert.id = std::move(id);
  alert.rule_id = "r1";
  alert.rule_name = "cpu";
  alert.team = std::move(team);
  alert.fingerprint = std::move(fingerprint);
  alert.environment = "local";
  alert.container_id = "c1";
  alert.container_name = "web";
  alert.value = 97.25;
  alert.summary = "hot";
  alert.started_at_ms = kT0;
  return alert;
}

class SqlAlertStoreTest : public BackendTest {};

TEST_P(SqlAlertStoreTest, KeepsRulesAlertsSilencesAndDeliveries) {
  SqlAlertStore store(db());
  store.insert_rule(rule_of_team("r1", "t1"));
  store.insert_rule(rule_of_team("r2", "t2"));
  store.insert_rule(rule_of_team("r3", ""));
  EXPECT_EQ(store.rules(std::nullopt).size(), 3U);
  EXPECT_EQ(store.rules(TeamIds{"t1"}).size(), 1U);
  EXPECT_TRUE(store.rules(TeamIds{}).empty());
  auto rule = store.rule("r1");
  ASSERT_TRUE(rule);
  EXPECT_DOUBLE_EQ(rule->threshold, 90.5);
  EXPECT_EQ(rule->webhook_format, WebhookFormat::alertmanager);
  EXPECT_EQ(rule->labels.size(), 2U);
  rule->name = "renamed";
  rule->enabled = false;
  store.update_rule(*rule);
  EXPECT_EQ(store.rule("r1")->name, "renamed");
  EXPECT_FALSE(store.rule("r1")->enabled);

  auto alert = firing("a1", "r1|local|c1");
  Delivery delivery{"d1",
                    "a1",
                    "https://hooks.example.com/x",
                    WebhookFormat::dokkerr,
                    "sealed",
                    "{}",
                    0,
                    kT0,
                    "pending",
                    ""};
  store.record(alert, {delivery});
  EXPECT_EQ(store.open_alerts().size(), 1U);
  EXPECT_EQ(store.due_deliveries(kT0, 10).size(), 1U);
  EXPECT_TRUE(store.due_deliveries(kT0 - 1, 10).empty());
  // One firing alert per fingerprint.
  try {
    store.record(firing("a2", "r1|local|c1"), {});
    ADD_FAILURE() << "a second firing alert was kept";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), "unique_violation");
  }
  AlertFilter filter;
  filter.teams = TeamIds{"t2"};
  EXPECT_TRUE(store.alerts(filter).empty());
  filter.teams = TeamIds{"t1"};
  filter.state = AlertState::firing;
  ASSERT_EQ(store.alerts(filter).size(), 1U);
  EXPECT_DOUBLE_EQ(store.alerts(filter)[0].value, 97.25);

  store.acknowledge("a1", "alice", kT0 + 5);
  EXPECT_EQ(store.alert("a1")->acknowledged_by, "alice");
  const auto before = store.alerts_signature();
  alert.state = AlertState::resolved;
  alert.resolved_at_ms = kT0 + 10;
  alert.summary = "cool";
  store.record(alert, {});
  EXPECT_NE(store.alerts_signature(), before);
  EXPECT_TRUE(store.open_alerts().empty());
  EXPECT_EQ(store.alert("a1")->summary, "cool");
  store.record(firing("a3", "r1|local|c1"), {});  // fires again after resolving

  delivery.state = "delivered";
  delivery.attempts = 1;
  store.update_delivery(delivery);
  EXPECT_TRUE(store.due_deliveries(kT0 + 1'000'000, 10).empty());

  store.insert_silence(Silence{"s1", "t1", "r1", "", kT0 + 60'000, "x", "alice", kT0});
  EXPECT_EQ(store.silences(std::nullopt, kT0).size(), 1U);
  EXPECT_TRUE(store.silences(std::nullopt, kT0 + 60'000).empty());

  // Pruning takes what resolved or ended before the time, and the notifications settled for it.
  EXPECT_EQ(store.prune(kT0 + 120'000), 3);
  EXPECT_FALSE(store.alert("a1"));
  EXPECT_TRUE(store.alert("a3"));
  EXPECT_TRUE(store.deliveries_of("a1").empty());
  EXPECT_FALSE(store.silence("s1"));
  EXPECT_TRUE(store.delete_rule("r2"));
  EXPECT_FALSE(store.delete_rule("r2"));
}

DOKKERR_INSTANTIATE_BACKENDS(SqlAlertStoreTest);

}  // namespace
}  // namespace dokkerr::monitoring
