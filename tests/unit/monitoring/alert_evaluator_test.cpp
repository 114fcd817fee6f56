#include "monitoring/alert_evaluator.hpp"

#include <gtest/gtest.h>

namespace dokkerr::monitoring {
namespace {

constexpr std::int64_t kT0 = 1'800'000'000'000;
constexpr std::int64_t kSecond = 1000;

Target web(std::string team = "t1", std::string id = "c1") {
  return Target{"local", std::move(id), "web", std::move(team), true, ""};
}

AlertRule cpu_rule(double threshold = 90, std::int64_t for_ms = 2 * kSecond) {
  AlertRule rule;
  rule.id = "r-cpu";
  rule.team = "t1";
  rule.name = "cpu";
  rule.kind = RuleKind::metric;
  rule.metric = AlertMetric::cpu_percent;
  rule.threshold = threshold;
  rule.for_ms = for_ms;
  return rule;
}

AlertRule event_rule(AlertEvent event, std::string id) {
  AlertRule rule;
  rule.id = std::move(id);
  rule.team = "t1";
  rule.name = rule.id;
  rule.kind = RuleKind::event;
  rule.event = event;
  return rule;
}

AlertRound round_at(std::int64_t at, std::vector<ContainerObservation> running = {}) {
  AlertRound round;
  round.at_ms = at;
  round.environments = {"local"};
  round.running = std::move(running);
  return round;
}

ContainerObservation busy(double cpu, Target target = web()) {
  ContainerObservation seen;
  seen.target = std::move(target);
  seen.cpu_percent = cpu;
  return seen;
}

class Evaluator : public ::testing::Test {
 protected:
  AlertEvaluator evaluator{[this] { return "a" + std::to_string(++ids_); }};
  std::vector<Silence> no_silences;

 private:
  int ids_ = 0;
};

TEST_F(Evaluator, AMetricRuleFiresOnlyAfterHoldingForItsTimeAndResolvesWhenItStops) {
  const std::vector rules{cpu_rule()};
  EXPECT_TRUE(evaluator.evaluate(rules, no_silences, round_at(kT0, {busy(95)})).empty());
  EXPECT_TRUE(evaluator.evaluate(rules, no_silences, round_at(kT0 + kSecond, {busy(95)})).empty());
  // A dip resets the wait.
  EXPECT_TRUE(
      evaluator.evaluate(rules, no_silences, round_at(kT0 + 2 * kSecond, {busy(50)})).empty());
  EXPECT_TRUE(
      evaluator.evaluate(rules, no_silences, round_at(kT0 + 3 * kSecond, {busy(95)})).empty());
  auto changes = evaluator.evaluate(rules, no_silences, round_at(kT0 + 5 * kSecond, {busy(97)}));
  ASSERT_EQ(changes.size(), 1U);
  const auto fired = changes[0].alert;
  EXPECT_EQ(fired.state, AlertState::firing);
  EXPECT_EQ(fired.team, "t1");
  EXPECT_EQ(fired.container_id, "c1");
  EXPECT_DOUBLE_EQ(fired.value, 97);
  EXPECT_EQ(fired.summary, "cpu_percent of web is 97 (> 90)");
  // Still high: no second alert.
  EXPECT_TRUE(
      evaluator.evaluate(rules, no_silences, round_at(kT0 + 6 * kSecond, {busy(99)})).empty());
  changes = evaluator.evaluate(rules, no_silences, round_at(kT0 + 7 * kSecond, {busy(10.31)}));
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].alert.state, AlertState::resolved);
  EXPECT_EQ(changes[0].alert.id, fired.id);
  EXPECT_EQ(changes[0].alert.resolved_at_ms, kT0 + 7 * kSecond);
  EXPECT_EQ(changes[0].alert.summary, "cpu_percent is 10.3 again (not > 90)");
}

TEST_F(Evaluator, RulesOnlySeeTheirTeamEnvironmentAndContainer) {
  auto rule = cpu_rule(90, 0);
  rule.container = "web";
  const std::vector rules{rule};
  auto other_team = busy(99, web("t2", "c2"));
  auto other_name = busy(99, Target{"local", "c3", "db", "t1", true, ""});
  EXPECT_TRUE(
      evaluator.evaluate(rules, no_silences, round_at(kT0, {other_team, other_name})).empty());
  EXPECT_EQ(evaluator.evaluate(rules, no_silences, round_at(kT0, {busy(99)})).size(), 1U);
}

TEST_F(Evaluator, ALabelSelectorNarrowsARule) {
  auto rule = cpu_rule(90, 0);
  rule.labels = {{"tier", "web"}, {"critical", ""}};
  const std::vector rules{rule};
  auto round = round_at(
      kT0, {busy(99, web("t1", "c1")), busy(99, web("t1", "c2")), busy(99, web("t1", "c3"))});
  round.label_of = [](std::string_view, std::string_view id,
                      std::string_view key) -> std::optional<std::string> {
    if (id == "c1") return key == "tier" ? "web" : "yes";        // both, any value
    if (id == "c2" && key == "tier") return std::string("db");   // wrong value
    if (id == "c3" && key == "tier") return std::string("web");  // no "critical"
    return std::nullopt;
  };
  const auto changes = evaluator.evaluate(rules, no_silences, round);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].alert.container_id, "c1");
}

TEST_F(Evaluator, AMetricAlertResolvesWhenItsContainerStopsRunning) {
  const std::vector rules{cpu_rule(90, 0)};
  ASSERT_EQ(evaluator.evaluate(rules, no_silences, round_at(kT0, {busy(99)})).size(), 1U);
  // Another environment's round says nothing about it.
  auto elsewhere = round_at(kT0 + kSecond);
  elsewhere.environments = {"remote"};
  EXPECT_TRUE(evaluator.evaluate(rules, no_silences, elsewhere).empty());
  const auto changes = evaluator.evaluate(rules, no_silences, round_at(kT0 + 2 * kSecond));
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].alert.summary, "web is no longer running");
}

TEST_F(Evaluator, DiedFiresOnAStopAndResolvesWhenItRunsAgainOrIsRemoved) {
  const std::vector rules{event_rule(AlertEvent::died, "r-died")};
  auto stopped = round_at(kT0);
  stopped.stopped.push_back(StoppedObservation{web(), 137, true});
  auto changes = evaluator.evaluate(rules, no_silences, stopped);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].alert.summary, "web stopped with exit code 137 (killed for lack of memory)");
  EXPECT_DOUBLE_EQ(changes[0].alert.value, 137);
  changes = evaluator.evaluate(rules, no_silences, round_at(kT0 + kSecond, {busy(1)}));
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].alert.summary, "web is running again");

  changes = evaluator.evaluate(rules, no_silences, stopped);
  ASSERT_EQ(changes.size(), 1U);
  auto removed = round_at(kT0 + 3 * kSecond);
  removed.exists = [](std::string_view, std::string_view) { return false; };
  changes = evaluator.evaluate(rules, no_silences, removed);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].alert.summary, "web was removed");
}

TEST_F(Evaluator, OomFiresFromTheKernelsCountOrTheExitAndResolvesAfterAQuietSpell) {
  auto rule = event_rule(AlertEvent::oom_killed, "r-oom");
  rule.for_ms = 10 * kSecond;
  const std::vector rules{rule};
  auto killed = busy(1);
  killed.oom_kills_added = 1;
  auto changes = evaluator.evaluate(rules, no_silences, round_at(kT0, {killed}));
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].alert.summary, "a process of web was killed for lack of memory");
  EXPECT_TRUE(
      evaluator.evaluate(rules, no_silences, round_at(kT0 + 5 * kSecond, {busy(1)})).empty());
  changes = evaluator.evaluate(rules, no_silences, round_at(kT0 + 10 * kSecond, {busy(1)}));
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].alert.state, AlertState::resolved);

  auto exited = round_at(kT0 + 20 * kSecond);
  exited.stopped.push_back(StoppedObservation{web(), 137, true});
  EXPECT_EQ(evaluator.evaluate(rules, no_silences, exited).size(), 1U);
}

TEST_F(Evaluator, RestartsWithinTheWindowMakeALoop) {
  auto rule = event_rule(AlertEvent::restart_loop, "r-loop");
  rule.threshold = 3;
  rule.for_ms = 60 * kSecond;
  const std::vector rules{rule};
  auto seen = [&](std::int64_t at, std::int64_t count) {
    auto round = round_at(at);
    round.restarts.push_back(RestartObservation{web(), count});
    return evaluator.evaluate(rules, no_silences, round);
  };
  EXPECT_TRUE(seen(kT0, 5).empty());  // restarts before it was watched do not count
  EXPECT_TRUE(seen(kT0 + 5 * kSecond, 6).empty());
  EXPECT_TRUE(seen(kT0 + 10 * kSecond, 7).empty());
  auto changes = seen(kT0 + 15 * kSecond, 8);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].alert.summary, "web restarted 3 times in 60 s");
  // A minute without a restart ends it.
  EXPECT_TRUE(evaluator.evaluate(rules, no_silences, round_at(kT0 + 60 * kSecond)).empty());
  changes = evaluator.evaluate(rules, no_silences, round_at(kT0 + 80 * kSecond));
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].alert.state, AlertState::resolved);
}

TEST_F(Evaluator, AFailingHealthCheckFiresAndItsRecoveryResolves) {
  const std::vector rules{event_rule(AlertEvent::unhealthy, "r-health")};
  auto target = web();
  target.health = "starting";
  EXPECT_TRUE(evaluator.evaluate(rules, no_silences, round_at(kT0, {busy(1, target)})).empty());
  target.health = "unhealthy";
  auto changes = evaluator.evaluate(rules, no_silences, round_at(kT0 + kSecond, {busy(1, target)}));
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].alert.summary, "web fails its health check");
  target.health = "healthy";
  changes = evaluator.evaluate(rules, no_silences, round_at(kT0 + 2 * kSecond, {busy(1, target)}));
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].alert.summary, "web is healthy again");
}

TEST_F(Evaluator, AnEngineThatStopsAnsweringFiresUntilItAnswersAgain) {
  auto rule = event_rule(AlertEvent::engine_unreachable, "r-engine");
  rule.environment = "remote";
  const std::vector rules{rule};
  auto down = round_at(kT0);
  down.unreachable = {"remote", "other"};
  auto changes = evaluator.evaluate(rules, no_silences, down);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].alert.environment, "remote");
  EXPECT_EQ(changes[0].alert.container_id, "");
  EXPECT_EQ(changes[0].alert.summary, "the engine of remote does not answer");
  EXPECT_TRUE(evaluator.evaluate(rules, no_silences, down).empty());
  auto up = round_at(kT0 + kSecond);
  up.environments = {"local", "remote"};
  changes = evaluator.evaluate(rules, no_silences, up);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].alert.summary, "the engine of remote answers again");
}

TEST_F(Evaluator, SilencedAlertsAreMarkedAndExpiredSilencesDoNothing) {
  const std::vector rules{cpu_rule(90, 0)};
  std::vector<Silence> silences{Silence{"s1", "t1", "r-cpu", "", kT0 + kSecond, "", "", kT0}};
  auto changes = evaluator.evaluate(rules, silences, round_at(kT0, {busy(99)}));
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_TRUE(changes[0].alert.silenced);
  (void)evaluator.evaluate(rules, silences, round_at(kT0 + kSecond, {busy(1)}));
  changes = evaluator.evaluate(rules, silences, round_at(kT0 + 2 * kSecond, {busy(99)}));
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_FALSE(changes[0].alert.silenced);
}

TEST_F(Evaluator, RemovedRulesResolveTheirAlertsAndRestoredAlertsAreNotRaisedAgain) {
  const std::vector rules{cpu_rule(90, 0)};
  auto changes = evaluator.evaluate(rules, no_silences, round_at(kT0, {busy(99)}));
  ASSERT_EQ(changes.size(), 1U);
  const auto open = changes[0].alert;

  AlertEvaluator successor([] { return std::string("b1"); });
  successor.restore({open});
  EXPECT_TRUE(successor.evaluate(rules, no_silences, round_at(kT0 + kSecond, {busy(99)})).empty());

  changes = evaluator.evaluate({}, no_silences, round_at(kT0 + kSecond, {busy(99)}));
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].alert.summary, "the rule was removed or disabled");
}

}  // namespace
}  // namespace dokkerr::monitoring
