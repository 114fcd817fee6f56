// Subscriptions, who may manage them, which events reach which, and the delivery queue's
// retries, against the SQL store on both backends (the durable queue is the point) and a
// receiver in memory. The real HTTP delivery with signatures: tests/integration/webhooks.test.mjs.
#include "webhooks/webhook_service.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/logger.hpp"
#include "core/permissions.hpp"
#include "core/principal.hpp"
#include "unit/store/tag_sealer.hpp"
#include "unit/store/test_databases.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace dokkerr::webhooks {
namespace {

namespace asio = boost::asio;

template <typename T>
T run(asio::awaitable<T> task) {
  asio::io_context io;
  auto result = asio::co_spawn(io, std::move(task), asio::use_future);
  io.run();
  return result.get();
}

template <typename T>
std::string code_of(asio::awaitable<T> task) {
  try {
    run(std::move(task));
  } catch (const Error& error) {
    return error.code();
  }
  return "";
}

Principal team_admin(const std::string& team) {
  Principal p;
  p.user_id = "u-" + team;
  p.username = "admin-" + team;
  p.team_permissions[team] = {std::string(perm::team_manage)};
  return p;
}

Principal developer(const std::string& team) {
  Principal p;
  p.user_id = "d-" + team;
  p.team_permissions[team] = {std::string(perm::containers_create)};
  return p;
}

class WebhookServiceTest : public store::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    store_ = make_sql_webhook_store(db(), sealer_);
    DeliverySettings settings;
    settings.post = [this](const Subscription& s, const std::string& body, std::int64_t) {
      received.emplace_back(s.url, body);
      return std::pair<bool, std::string>{answer_ok, answer_ok ? "" : "HTTP 500"};
    };
    settings.first_retry_ms = 1000;
    settings.max_attempts = 3;
    service_ = std::make_unique<WebhookService>(
        *store_, pool_, clock_, logger_, AddressSet::parse({"127.0.0.1"}),
        [](std::string_view team) { return team == "team-a" || team == "team-b"; }, settings);
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    BackendTest::TearDown();
  }
  Subscription subscribe(const std::string& team, std::vector<std::string> events,
                         const std::string& path) {
    SubscriptionDraft draft;
    draft.team_id = team;
    draft.name = "hook " + path;
    draft.url = "http://127.0.0.1:9/" + path;
    draft.events = std::move(events);
    const auto caller = team.empty() ? admin() : team_admin(team);
    return run(service_->create(caller, draft));
  }
  static Principal admin() {
    Principal p;
    p.user_id = "root";
    p.is_admin = true;
    return p;
  }

  store::testing::TagSealer sealer_;
  std::unique_ptr<WebhookStore> store_;
  BlockingPool pool_{1};
  ManualClock clock_;
  Logger logger_{LogLevel::error};
  std::unique_ptr<WebhookService> service_;
  std::vector<std::pair<std::string, std::string>> received;
  bool answer_ok = true;
};

TEST_P(WebhookServiceTest, EventsReachTheTeamsSubscriptionsThatHearThemAndThePlatforms) {
  subscribe("team-a", {"stack.deployed", "container.died"}, "a");
  subscribe("team-b", {"stack.deployed"}, "b");
  subscribe("", {"container.died"}, "platform");
  const auto quiet = subscribe("team-a", {"stack.deployed"}, "off");
  SubscriptionChange off;
  off.enabled = false;
  run(service_->update(team_admin("team-a"), quiet.id, off));

  run(service_->publish(PlatformEvent{"stack.deployed", "team-a", "local", "stack:local/shop",
                                      {{"version", 2}}}));
  run(service_->publish(PlatformEvent{"container.died", "team-a", "local", "container:c1", {}}));
  run(service_->publish(PlatformEvent{"alert.fired", "team-a", "local", "alert:x", {}}));
  EXPECT_EQ(service_->deliver_due(), 3U);
  std::multiset<std::string> urls;
  for (const auto& [url, body] : received) urls.insert(url.substr(url.rfind('/') + 1));
  EXPECT_EQ(urls, (std::multiset<std::string>{"a", "a", "platform"}));
  boost::json::object body;
  for (const auto& [url, text] : received) {
    auto parsed = boost::json::parse(text).as_object();
    if (parsed.at("type").as_string() == "stack.deployed") body = std::move(parsed);
  }
  ASSERT_FALSE(body.empty());
  EXPECT_EQ(body.at("team_id").as_string(), "team-a");
  EXPECT_EQ(body.at("data").at("version").as_int64(), 2);
  EXPECT_EQ(service_->deliver_due(), 0U);  // delivered: never again
}

TEST_P(WebhookServiceTest, ARefusedDeliveryIsRetriedLaterAndGivenUpAfterItsAttempts) {
  const auto s = subscribe("team-a", {"webhook.test"}, "a");
  answer_ok = false;
  run(service_->test(team_admin("team-a"), s.id));
  EXPECT_EQ(service_->deliver_due(), 1U);
  EXPECT_EQ(service_->deliver_due(), 0U);  // not due before its backoff
  clock_.advance(std::chrono::milliseconds(1000));
  EXPECT_EQ(service_->deliver_due(), 1U);
  clock_.advance(std::chrono::milliseconds(1999));
  EXPECT_EQ(service_->deliver_due(), 0U);  // the second wait is twice the first
  clock_.advance(std::chrono::milliseconds(1));
  EXPECT_EQ(service_->deliver_due(), 1U);
  const auto log = run(service_->deliveries(team_admin("team-a"), s.id, 10));
  ASSERT_EQ(log.size(), 1U);
  EXPECT_EQ(log[0].state, "failed");
  EXPECT_EQ(log[0].attempts, 3);
  EXPECT_EQ(log[0].last_error, "HTTP 500");
  clock_.advance(std::chrono::hours(24));
  EXPECT_EQ(service_->deliver_due(), 0U);
}

TEST_P(WebhookServiceTest, OnlyTeamAdminsManageTheirTeamsSubscriptions) {
  const auto s = subscribe("team-a", {"stack.deployed"}, "a");
  EXPECT_FALSE(s.secret.empty());
  EXPECT_EQ(code_of(service_->get(team_admin("team-b"), s.id)), "webhook_not_found");
  EXPECT_EQ(code_of(service_->get(developer("team-a"), s.id)), "webhook_not_found");
  EXPECT_EQ(code_of(service_->remove(team_admin("team-b"), s.id)), "webhook_not_found");
  EXPECT_TRUE(run(service_->list(team_admin("team-b"))).empty());
  EXPECT_EQ(run(service_->list(admin())).size(), 1U);
  SubscriptionDraft draft;
  draft.name = "x";
  draft.url = "http://127.0.0.1:9/x";
  draft.events = {"stack.deployed"};
  draft.team_id = "team-a";
  EXPECT_EQ(code_of(service_->create(developer("team-a"), draft)), "permission_denied");
  EXPECT_EQ(code_of(service_->create(team_admin("team-b"), draft)), "team_not_found");
  draft.team_id.clear();
  EXPECT_EQ(code_of(service_->create(team_admin("team-a"), draft)), "permission_denied");
  draft.team_id = "team-a";
  draft.events = {"no.such.event"};
  EXPECT_EQ(code_of(service_->create(team_admin("team-a"), draft)), "invalid_webhook");
  draft.events = {"stack.deployed"};
  draft.url = "http://169.254.169.254/latest";
  EXPECT_EQ(code_of(service_->create(team_admin("team-a"), draft)), "webhook_url_forbidden");
  draft.url = "gopher://127.0.0.1/";
  EXPECT_EQ(code_of(service_->create(team_admin("team-a"), draft)), "webhook_url_invalid");
  // Removing a subscription takes its queued deliveries with it.
  run(service_->publish(PlatformEvent{"stack.deployed", "team-a", "local", "stack:x", {}}));
  run(service_->remove(team_admin("team-a"), s.id));
  EXPECT_EQ(service_->deliver_due(), 0U);
}

TEST_P(WebhookServiceTest, TheSecretIsSealedAtRest) {
  const auto s = subscribe("team-a", {"stack.deployed"}, "a");
  const auto rows = db().query("SELECT secret FROM webhook_subscriptions");
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].text(0).find(s.secret), std::string::npos);
  EXPECT_EQ(run(service_->get(team_admin("team-a"), s.id)).secret, s.secret);
}

DOKKERR_INSTANTIATE_BACKENDS(WebhookServiceTest);

}  // namespace
}  // namespace dokkerr::webhooks
