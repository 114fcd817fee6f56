#include "http/router.hpp"

#include "core/error.hpp"
#include "http/responses.hpp"

#include <gtest/gtest.h>

namespace dokkerr::http {
namespace {

Handler noop() {
  return [](RequestContext&) -> boost::asio::awaitable<Reply> { co_return empty_response(Status::ok); };
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router.add(Verb::get, "/api/v1/environments/{env}/containers", noop(), needs(access::kPublic));
    router.add(Verb::post, "/api/v1/environments/{env}/containers", noop(), needs(access::kPublic));
    router.add(Verb::get, "/api/v1/environments/{env}/containers/{id}", noop(), needs(access::kPublic));
    router.add(Verb::post, "/api/v1/environments/{env}/containers/{id}/start", noop(), needs(access::kPublic));
    router.add(Verb::get, "/api/v1/environments/{env}/images/{ref}", noop(), needs(access::kPublic));
  }
  Router router;
};

TEST(RouterRules, RefusesRoutesThePipelineCouldNotGuard) {
  Router router;
  EXPECT_THROW(router.add(Verb::get, "/a", noop(), RouteOptions{}), std::logic_error);
  // A route that changes something is audited under a name it declares...
  EXPECT_THROW(router.add(Verb::post, "/a", noop(), needs("a:create")), std::logic_error);
  EXPECT_THROW(router.add(Verb::delete_, "/a", noop(), needs(access::kAuthenticated)), std::logic_error);
  EXPECT_NO_THROW(router.add(Verb::post, "/a", noop(), needs("a:create").audited("a.create")));
  EXPECT_NO_THROW(router.add(Verb::get, "/a", noop(), needs("a:read")));
  // ...unless it is public, and then it records its own events.
  EXPECT_NO_THROW(router.add(Verb::post, "/login", noop(), needs(access::kPublic)));
  EXPECT_THROW(router.add(Verb::post, "/login2", noop(), needs(access::kPublic).audited("x")), std::logic_error);
  // The environment parameter must be one of the pattern's.
  EXPECT_THROW(router.add(Verb::get, "/e/{id}", noop(), needs("a:read").in_environment("env")), std::logic_error);
  EXPECT_NO_THROW(router.add(Verb::get, "/e/{env}", noop(), needs("a:read").in_environment("env")));
  EXPECT_EQ(router.routes().size(), 4U);
}

TEST(RouterRules, OptionsChainWithoutChangingTheOriginal) {
  const auto base = needs("containers:create");
  const auto full = base.audited("containers.create").in_environment("env").body_limit(5).before_mfa_enrolment();
  EXPECT_EQ(full.permission, "containers:create");
  EXPECT_EQ(full.audit_action, "containers.create");
  EXPECT_EQ(full.environment_param, "env");
  EXPECT_EQ(full.max_body_bytes, 5U);
  EXPECT_TRUE(full.allowed_before_mfa_enrolment);
  EXPECT_TRUE(base.audit_action.empty());
  EXPECT_FALSE(base.max_body_bytes);
}

TEST_F(RouterTest, MatchesLiteralAndParameterSegments) {
  const auto match = router.match(Verb::post, "/api/v1/environments/local/containers/abc/start");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->pattern, "/api/v1/environments/{env}/containers/{id}/start");
  ASSERT_EQ(match.params.size(), 2U);
  EXPECT_EQ(match.params[0], (std::pair<std::string, std::string>{"env", "local"}));
  EXPECT_EQ(match.params[1], (std::pair<std::string, std::string>{"id", "abc"}));
}

TEST_F(RouterTest, EncodedSlashStaysInsideOneParameter) {
  const auto match = router.match(Verb::get, "/api/v1/environments/local/images/dokkerr-test%2Fbusybox:latest");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.params[1].second, "dokkerr-test/busybox:latest");
}

TEST_F(RouterTest, UnknownPathIsNotFoundAndKnownPathWithOtherVerbIsMethodNotAllowed) {
  auto none = router.match(Verb::get, "/api/v1/nothing");
  EXPECT_EQ(none.route, nullptr);
  EXPECT_FALSE(none.path_known);
  auto other_verb = router.match(Verb::delete_, "/api/v1/environments/local/containers");
  EXPECT_EQ(other_verb.route, nullptr);
  EXPECT_TRUE(other_verb.path_known);
}

TEST_F(RouterTest, HostileParametersDoNotMatch) {
  EXPECT_EQ(router.match(Verb::get, "/api/v1/environments/local/containers/").route, nullptr);
  EXPECT_EQ(router.match(Verb::get, "/api/v1/environments/local/containers/%zz").route, nullptr);
  EXPECT_EQ(router.match(Verb::get, "/api/v1/environments/local/containers/a%00b").route, nullptr);
  EXPECT_EQ(router.match(Verb::get, "/api/v1/environments/local/containers/%4").route, nullptr);
  EXPECT_EQ(router.match(Verb::get, "/api/v1/environments/local/containers/a/b").route, nullptr);
}

TEST(PercentDecode, DecodesAndRejectsMalformedEscapes) {
  EXPECT_EQ(percent_decode("a%20b", false), "a b");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("%", false), std::nullopt);
  EXPECT_EQ(percent_decode("%G0", false), std::nullopt);
  EXPECT_EQ(percent_decode("ab%2", false), std::nullopt);
}

TEST(Query, ParsesRepeatsFlagsAndBoundedIntegers) {
  const auto query = parse_query("label=a%3Db&label=c&all=1&limit=20&empty=&tail=x");
  EXPECT_EQ(query.all("label"), (std::vector<std::string>{"a=b", "c"}));
  EXPECT_TRUE(query.flag("all"));
  EXPECT_FALSE(query.flag("empty", true));
  EXPECT_FALSE(query.flag("missing"));
  EXPECT_EQ(query.integer("limit", 5, 1, 100), 20);
  EXPECT_EQ(query.integer("missing", 5, 1, 100), 5);
  EXPECT_THROW((void)query.integer("limit", 5, 1, 10), Error);
  EXPECT_THROW((void)query.integer("tail", 5, 1, 10), Error);
}

TEST(Query, RejectsMalformedQueries) {
  EXPECT_THROW(parse_query("a=%zz"), Error);
  EXPECT_THROW(parse_query("=value"), Error);
  const auto query = parse_query("flag=maybe");
  try {
    (void)query.flag("flag");
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), "invalid_parameter");
    EXPECT_EQ(error.kind(), ErrorKind::invalid);
  }
}

}  // namespace
}  // namespace dokkerr::http
