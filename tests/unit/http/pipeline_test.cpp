#include "http/pipeline.hpp"

#include "core/permissions.hpp"
#include "core/principal.hpp"
#include "http/responses.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace dokkerr::http {
namespace {

namespace asio = boost::asio;

template <typename T>
T run(asio::awaitable<T> work) {
  asio::io_context io;
  auto result = asio::co_spawn(io, std::move(work), asio::use_future);
  io.run();
  return result.get();
}

Handler answer(std::string body) {
  return [body](RequestContext&) -> asio::awaitable<Reply> { co_return ok(body); };
}

// Hands out the principal it was given, or refuses, and remembers what it saw.
class FakeAuthenticator final : public Authenticator {
 public:
  asio::awaitable<std::shared_ptr<const Principal>> authenticate(
      const Credentials& credentials) override {
    ++calls;
    authorization = std::string(credentials.authorization);
    api_key = std::string(credentials.api_key);
    ticket = credentials.ticket;
    enrolment_matters = credentials.enrolment_matters;
    if (!principal) throw Error(ErrorKind::unauthorized, "authentication_required", "Sign in.");
    co_return principal;
  }
  std::shared_ptr<Principal> principal;
  int calls = 0;
  std::string authorization, api_key;
  std::optional<std::string> ticket;
  bool enrolment_matters = true;
};

class FakeObserver final : public Observer {
 public:
  asio::awaitable<std::optional<Error>> intend(const Exchange& exchange) override {
    intents.push_back(exchange.route->options.audit_action);
    co_return refuse_intents ? std::optional<Error>(Error::unavailable("audit_unavailable", "No."))
                             : std::nullopt;
  }
  asio::awaitable<void> observe(const Exchange& exchange) override {
    seen.push_back({exchange.route != nullptr ? exchange.route->pattern : "", exchange.stage,
                    exchange.failure ? exchange.failure->code() : ""});
    co_return;
  }
  struct Seen {
    std::string pattern;
    StageName stage;
    std::string code;
  };
  std::vector<Seen> seen;
  std::vector<std::string> intents;
  bool refuse_intents = false;
};

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest() {
    router.add(Verb::get, "/healthz", answer("up"), needs(access::kPublic));
    router.add(Verb::get, "/api/v1/me", answer("me"),
               needs(access::kAuthenticated).before_mfa_enrolment());
    router.add(Verb::get, "/api/v1/environments/{env}/containers", answer("list"),
               needs(perm::containers_read).in_environment("env"));
    router.add(Verb::post, "/api/v1/environments/{env}/images/load", answer("loaded"),
               needs(perm::images_manage)
                   .in_environment("env")
                   .audited("images.load.create")
                   .body_limit(4096));
    router.add(
        Verb::get, "/api/v1/fails",
        [](RequestContext&) -> asio::awaitable<Reply> {
          throw Error::conflict("busy", "Busy.");
          co_return ok("");
        },
        needs(access::kAuthenticated));
  }

  // Runs the stages before the body, then dispatch when they let the request through.
  std::optional<Reply> serve(Exchange& exchange) {
    if (!run(pipeline.before_body(exchange))) return std::nullopt;
    return run(pipeline.dispatch(exchange));
  }

  static Request request(Verb verb, std::string target) {
    Request r{verb, target, 11};
    r.set(boost::beast::http::field::host, "x");
    return r;
  }

  static std::shared_ptr<Principal> member_of(std::string team, std::string environment,
                                              std::string permission) {
    auto principal = std::make_shared<Principal>();
    principal->user_id = "u1";
    principal->team_permissions[team].insert(permission);
    principal->environment_teams[environment].insert(team);
    return principal;
  }

  Router router;
  FakeAuthenticator authenticator;
  FakeObserver observer;
  Pipeline pipeline{router, 1024, &authenticator, &observer};
};

std::string body_of(const std::optional<Reply>& reply) {
  return reply ? std::get<Response>(*reply).body() : "<none>";
}

TEST_F(PipelineTest, PublicRoutesNeedNoCaller) {
  auto r = request(Verb::get, "/healthz");
  Exchange exchange(r, "127.0.0.1");
  EXPECT_EQ(body_of(serve(exchange)), "up");
  EXPECT_EQ(authenticator.calls, 0);
  EXPECT_FALSE(exchange.failure);
}

TEST_F(PipelineTest, AdoptsOnlyWellFormedRequestIds) {
  auto r = request(Verb::get, "/healthz");
  r.set("X-Request-Id", "client-id-1");
  Exchange exchange(r, "127.0.0.1");
  serve(exchange);
  EXPECT_EQ(exchange.context.request_id, "client-id-1");

  auto bad = request(Verb::get, "/healthz");
  bad.set("X-Request-Id", "has spaces and \"quotes\"");
  Exchange other(bad, "127.0.0.1");
  serve(other);
  EXPECT_EQ(other.context.request_id.size(), 24U);  // our own, 12 random bytes in hex
}

TEST_F(PipelineTest, UnknownRoutesAreAnsweredAtDispatchSoTheConnectionStaysUsable) {
  auto r = request(Verb::get, "/api/v1/nothing");
  Exchange exchange(r, "127.0.0.1");
  EXPECT_TRUE(run(pipeline.before_body(exchange)));
  EXPECT_FALSE(run(pipeline.dispatch(exchange)));
  ASSERT_TRUE(exchange.failure);
  EXPECT_EQ(exchange.failure->code(), "route_not_found");

  auto wrong_verb = request(Verb::delete_, "/healthz");
  Exchange second(wrong_verb, "127.0.0.1");
  EXPECT_TRUE(run(pipeline.before_body(second)));
  run(pipeline.dispatch(second));
  EXPECT_EQ(second.failure->code(), "method_not_allowed");
  EXPECT_EQ(authenticator.calls, 0);
}

TEST_F(PipelineTest, RefusesADeclaredBodyOverTheRouteOrServerLimitBeforeAuthentication) {
  auto r = request(Verb::post, "/api/v1/environments/local/images/load");
  Exchange exchange(r, "127.0.0.1");
  exchange.content_length = 4097;
  EXPECT_FALSE(serve(exchange));
  EXPECT_EQ(exchange.failure->code(), "payload_too_large");
  EXPECT_EQ(exchange.stage, StageName::body_limit);
  EXPECT_EQ(authenticator.calls, 0);

  auto small = request(Verb::get, "/healthz");
  Exchange server_limit(small, "127.0.0.1");
  server_limit.content_length = 1025;
  EXPECT_FALSE(serve(server_limit));
  EXPECT_EQ(server_limit.failure->code(), "payload_too_large");
  EXPECT_EQ(server_limit.body_limit, 1024U);
}

TEST_F(PipelineTest, AMalformedQueryStopsTheRequest) {
  auto r = request(Verb::get, "/healthz?a=%zz");
  Exchange exchange(r, "127.0.0.1");
  EXPECT_FALSE(serve(exchange));
  EXPECT_EQ(exchange.failure->code(), "invalid_parameter");
  EXPECT_EQ(exchange.stage, StageName::query);
}

TEST_F(PipelineTest, HandsTheCredentialsToTheAuthenticatorAndStopsWhenItRefuses) {
  auto r = request(Verb::get, "/api/v1/me?ticket=dkw_x");
  r.set(boost::beast::http::field::authorization, "Bearer abc");
  r.set("X-API-Key", "dk_key");
  Exchange exchange(r, "127.0.0.1");
  EXPECT_FALSE(serve(exchange));
  EXPECT_EQ(exchange.failure->code(), "authentication_required");
  EXPECT_EQ(exchange.stage, StageName::authenticate);
  EXPECT_EQ(authenticator.authorization, "Bearer abc");
  EXPECT_EQ(authenticator.api_key, "dk_key");
  // A ticket counts only on a WebSocket upgrade, never on a plain request.
  EXPECT_FALSE(authenticator.ticket);

  auto upgrade = request(Verb::get, "/api/v1/me?ticket=dkw_x");
  upgrade.set(boost::beast::http::field::connection, "Upgrade");
  upgrade.set(boost::beast::http::field::upgrade, "websocket");
  Exchange socket(upgrade, "127.0.0.1");
  serve(socket);
  EXPECT_EQ(authenticator.ticket, std::optional<std::string>("dkw_x"));
}

TEST_F(PipelineTest, ACallerWhoMustEnrolMfaReachesOnlyTheRoutesThatAllowIt) {
  authenticator.principal = member_of("t1", "local", std::string(perm::containers_read));
  authenticator.principal->mfa_enrollment_required = true;
  auto me = request(Verb::get, "/api/v1/me");
  Exchange allowed(me, "127.0.0.1");
  EXPECT_EQ(body_of(serve(allowed)), "me");
  // On such a route the authenticator need not find out whether the caller must enrol.
  EXPECT_FALSE(authenticator.enrolment_matters);

  auto list = request(Verb::get, "/api/v1/environments/local/containers");
  Exchange refused(list, "127.0.0.1");
  EXPECT_FALSE(serve(refused));
  EXPECT_TRUE(authenticator.enrolment_matters);
  EXPECT_EQ(refused.failure->code(), "mfa_enrollment_required");
  EXPECT_EQ(refused.failure->kind(), ErrorKind::forbidden);
}

TEST_F(PipelineTest, AnEnvironmentNotGrantedIsNotFoundBeforeThePermissionIsChecked) {
  authenticator.principal = member_of("t1", "local", std::string(perm::containers_read));
  auto elsewhere = request(Verb::get, "/api/v1/environments/remote/containers");
  Exchange exchange(elsewhere, "127.0.0.1");
  EXPECT_FALSE(serve(exchange));
  EXPECT_EQ(exchange.failure->code(), "environment_not_found");
  EXPECT_EQ(exchange.failure->kind(), ErrorKind::not_found);

  auto granted = request(Verb::get, "/api/v1/environments/local/containers");
  Exchange ok_exchange(granted, "127.0.0.1");
  EXPECT_EQ(body_of(serve(ok_exchange)), "list");
}

TEST_F(PipelineTest, AMissingPermissionIsRefusedAtAuthorization) {
  authenticator.principal = member_of("t1", "local", std::string(perm::containers_read));
  auto r = request(Verb::post, "/api/v1/environments/local/images/load");
  Exchange exchange(r, "127.0.0.1");
  EXPECT_FALSE(serve(exchange));
  EXPECT_EQ(exchange.failure->code(), "permission_denied");
  EXPECT_EQ(exchange.stage, StageName::authorize);
  run(pipeline.observe(exchange));
  ASSERT_EQ(observer.seen.size(), 1U);
  EXPECT_EQ(observer.seen[0].stage, StageName::authorize);
  EXPECT_EQ(observer.seen[0].code, "permission_denied");
}

TEST_F(PipelineTest, AHandlersErrorBecomesTheFailureAndIsObserved) {
  authenticator.principal = member_of("t1", "local", std::string(perm::containers_read));
  auto r = request(Verb::get, "/api/v1/fails");
  Exchange exchange(r, "127.0.0.1");
  EXPECT_FALSE(serve(exchange));
  EXPECT_EQ(exchange.failure->code(), "busy");
  EXPECT_EQ(exchange.stage, StageName::dispatch);
  run(pipeline.observe(exchange));
  EXPECT_EQ(observer.seen.at(0).pattern, "/api/v1/fails");
}

TEST_F(PipelineTest, AnAuditedRouteRunsOnlyAfterItsIntentIsRecorded) {
  authenticator.principal = member_of("t1", "local", std::string(perm::images_manage));
  auto r = request(Verb::post, "/api/v1/environments/local/images/load");
  Exchange exchange(r, "127.0.0.1");
  EXPECT_EQ(body_of(serve(exchange)), "loaded");
  EXPECT_EQ(observer.intents, std::vector<std::string>{"images.load.create"});

  observer.refuse_intents = true;
  auto refused_request = request(Verb::post, "/api/v1/environments/local/images/load");
  Exchange refused(refused_request, "127.0.0.1");
  EXPECT_FALSE(serve(refused)) << "the handler did not run";
  EXPECT_EQ(refused.failure->code(), "audit_unavailable");
  EXPECT_EQ(refused.stage, StageName::audit);

  auto read = request(Verb::get, "/api/v1/environments/local/containers");
  authenticator.principal = member_of("t1", "local", std::string(perm::containers_read));
  Exchange reading(read, "127.0.0.1");
  EXPECT_EQ(body_of(serve(reading)), "list") << "reads write no intent";
  EXPECT_EQ(observer.intents.size(), 2U);
}

TEST_F(PipelineTest, NothingIsObservedOfARequestThatReachedNoRoute) {
  auto r = request(Verb::get, "/nope");
  Exchange exchange(r, "127.0.0.1");
  serve(exchange);
  run(pipeline.observe(exchange));
  EXPECT_TRUE(observer.seen.empty());
}

TEST(PipelineWithoutAuthenticator, AGuardedRouteIsAnInternalError) {
  Router router;
  router.add(Verb::get, "/x", answer("x"), needs(access::kAuthenticated));
  Pipeline pipeline(router, 1024, nullptr, nullptr);
  Request r{Verb::get, "/x", 11};
  Exchange exchange(r, "127.0.0.1");
  EXPECT_FALSE(run(pipeline.before_body(exchange)));
  EXPECT_EQ(exchange.failure->kind(), ErrorKind::internal);
}

}  // namespace
}  // namespace dokkerr::http
