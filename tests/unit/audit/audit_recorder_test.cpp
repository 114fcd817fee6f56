#include "audit/audit_recorder.hpp"

#include "audit/audit_log.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/logger.hpp"
#include "core/principal.hpp"
#include "http/responses.hpp"
#include "unit/store/test_databases.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace dokkerr::audit {
namespace {

namespace asio = boost::asio;
using store::testing::BackendTest;

http::Handler nothing() {
  return [](http::RequestContext&) -> asio::awaitable<http::Reply> { co_return http::no_content(); };
}

class AuditRecorderTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    log_ = std::make_unique<AuditLog>(db(), clock_);
    recorder_ = std::make_unique<AuditRecorder>(*log_, pool_, logger_);
    router_.add(http::Verb::post, "/api/v1/environments/{env}/containers/{id}/start", nothing(),
                http::needs("containers:operate").in_environment("env").audited("containers.start"));
    router_.add(http::Verb::get, "/api/v1/environments/{env}/containers", nothing(),
                http::needs("containers:read").in_environment("env"));
  }
  void TearDown() override {
    recorder_.reset();
    log_.reset();
    BackendTest::TearDown();
  }

  // An exchange as the pipeline leaves it: routed, caller known, ended at `stage`.
  http::Exchange exchange(http::Request& request, http::StageName stage) {
    http::Exchange e(request, "198.19.0.7");
    const auto match = router_.match(request.method(), request.target().substr(0, request.target().find('?')));
    e.route = match.route;
    e.context.path_params = match.params;
    e.context.query = http::parse_query(request.target().substr(request.target().find('?') + 1));
    auto caller = std::make_shared<Principal>();
    caller->user_id = "u-7";
    caller->username = "dana";
    e.context.principal = caller;
    e.stage = stage;
    return e;
  }

  void observe(const http::Exchange& e) {
    asio::io_context io;
    auto done = asio::co_spawn(io, recorder_->observe(e), asio::use_future);
    io.run();
    done.get();
  }

  std::vector<AuditEntry> entries() { return log_->list({}, 100, "").items; }

  ManualClock clock_;
  BlockingPool pool_{1};
  Logger logger_{LogLevel::error};
  http::Router router_;
  std::unique_ptr<AuditLog> log_;
  std::unique_ptr<AuditRecorder> recorder_;
};

TEST_P(AuditRecorderTest, RecordsAHandledRequestUnderItsRoutesAction) {
  http::Request request{http::Verb::post, "/api/v1/environments/local/containers/web/start?team=t1", 11};
  auto e = exchange(request, http::StageName::dispatch);
  e.status = 204;
  observe(e);
  const auto all = entries();
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0].event.action, "containers.start");
  EXPECT_EQ(all[0].event.result, "success");
  EXPECT_EQ(all[0].event.actor_id, "u-7");
  EXPECT_EQ(all[0].event.team_id, "t1");
  EXPECT_EQ(all[0].event.client_address, "198.19.0.7");
  EXPECT_EQ(all[0].event.target, "/api/v1/environments/local/containers/web/start?team=t1");
  EXPECT_EQ(boost::json::parse(all[0].event.detail_json).at("status").as_int64(), 204);
}

TEST_P(AuditRecorderTest, TheResultComesFromTheKindOfFailure) {
  http::Request request{http::Verb::post, "/api/v1/environments/local/containers/web/start", 11};
  auto forbidden = exchange(request, http::StageName::dispatch);
  forbidden.failure = Error(ErrorKind::forbidden, "policy_denied", "No.");
  forbidden.status = 403;
  observe(forbidden);
  auto missing = exchange(request, http::StageName::dispatch);
  missing.failure = Error::not_found("container_not_found", "No such container.");
  missing.status = 404;
  observe(missing);
  const auto all = entries();  // newest first
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[1].event.result, "denied");
  EXPECT_EQ(all[0].event.result, "failure");
  EXPECT_EQ(boost::json::parse(all[0].event.detail_json).at("code").as_string(), "container_not_found");
}

TEST_P(AuditRecorderTest, APermissionRefusedAtAuthorizationIsAccessDeniedEvenForReads) {
  http::Request request{http::Verb::get, "/api/v1/environments/local/containers", 11};
  auto e = exchange(request, http::StageName::authorize);
  e.failure = Error(ErrorKind::forbidden, "permission_denied", "This needs containers:read.");
  e.status = 403;
  observe(e);
  const auto all = entries();
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0].event.action, "access.denied");
  EXPECT_EQ(all[0].event.result, "denied");
  const auto detail = boost::json::parse(all[0].event.detail_json);
  EXPECT_EQ(detail.at("permission").as_string(), "containers:read");
  EXPECT_EQ(detail.at("route").as_string(), "/api/v1/environments/{env}/containers");
}

TEST_P(AuditRecorderTest, ReadsAndRequestsStoppedForOtherReasonsAreNotRecorded) {
  http::Request read{http::Verb::get, "/api/v1/environments/local/containers", 11};
  auto listed = exchange(read, http::StageName::dispatch);
  listed.status = 200;
  observe(listed);
  http::Request start{http::Verb::post, "/api/v1/environments/local/containers/web/start", 11};
  auto must_enrol = exchange(start, http::StageName::authorize);
  must_enrol.failure = Error(ErrorKind::forbidden, "mfa_enrollment_required", "Enrol first.");
  observe(must_enrol);
  auto anonymous = exchange(start, http::StageName::dispatch);
  anonymous.context.principal = nullptr;
  observe(anonymous);
  EXPECT_TRUE(entries().empty());
}

DOKKERR_INSTANTIATE_BACKENDS(AuditRecorderTest);

}  // namespace
}  // namespace dokkerr::audit
