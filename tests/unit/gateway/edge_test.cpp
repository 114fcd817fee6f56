#include "gateway/edge.hpp"

#include "core/principal.hpp"
#include "http/responses.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dokkerr::gateway {
namespace {

namespace asio = boost::asio;
using http::Exchange;
using http::Verb;
using namespace std::chrono_literals;

template <typename T>
T run(asio::awaitable<T> work) {
  asio::io_context io;
  auto result = asio::co_spawn(io, std::move(work), asio::use_future);
  io.run();
  return result.get();
}

http::Handler answer(std::string body) {
  return
      [body](http::RequestContext&) -> asio::awaitable<http::Reply> { co_return http::ok(body); };
}

class OneCaller final : public http::Authenticator {
 public:
  asio::awaitable<std::shared_ptr<const Principal>> authenticate(
      const http::Credentials& credentials) override {
    if (credentials.authorization.empty()) {
      throw Error(ErrorKind::unauthorized, "authentication_required", "Sign in.");
    }
    auto caller = std::make_shared<Principal>();
    caller->user_id = std::string(credentials.authorization);
    co_return caller;
  }
};

std::optional<std::string> header_of(const Exchange& exchange, std::string_view name) {
  for (const auto& [key, value] : exchange.response_headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

class EdgeTest : public ::testing::Test {
 protected:
  EdgeTest() {
    router.add(Verb::get, "/healthz", answer("up"),
               http::needs(http::access::kPublic).limited_as(http::RateClass::unlimited));
    router.add(Verb::post, "/api/v1/auth/login", answer("in"),
               http::needs(http::access::kPublic).limited_as(http::RateClass::sign_in));
    router.add(Verb::get, "/api/v1/me", answer("me"), http::needs(http::access::kAuthenticated));
    router.add(Verb::post, "/api/v1/things", answer("made"),
               http::needs(http::access::kAuthenticated).audited("things.create"));
    router.add(Verb::post, "/api/v1/pull", answer("pulling"),
               http::needs(http::access::kAuthenticated)
                   .audited("things.pull")
                   .holds_slot(http::SlotClass::pull));
    router.add(Verb::get, "/api/v1/old", answer("old"),
               http::needs(http::access::kPublic).deprecated(1'767'225'600, 1'798'761'600));
  }

  static EdgeSettings settings() {
    EdgeSettings s;
    s.cors_origins = {"https://console.example.com"};
    s.trusted_proxies = TrustedProxies::parse({"127.0.0.1"});
    apply_rate_limit(s.rate_limits, "sign_in=60:2");
    apply_rate_limit(s.rate_limits, "read=60:3");
    apply_rate_limit(s.rate_limits, "write=60:1");
    s.concurrency.pulls = 1;
    return s;
  }

  // Runs the request through the stages before the body; true when it would reach its handler.
  bool pass(Exchange& exchange) { return run(pipeline.before_body(exchange)); }

  static http::Request request(Verb verb, std::string target) {
    http::Request r{verb, target, 11};
    r.set(boost::beast::http::field::host, "x");
    return r;
  }

  http::Router router;
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::time_point{} + 1h;
  OneCaller authenticator;
  Edge edge{settings(), [this] { return now; }};
  http::Pipeline pipeline{router, 1024, &authenticator, nullptr, edge.stages()};
};

TEST_F(EdgeTest, ApiAnswersNameTheVersionAndUnknownVersionsAreNotFound) {
  auto r = request(Verb::get, "/api/v1/old");
  Exchange exchange(r, "203.0.113.1");
  EXPECT_TRUE(pass(exchange));
  EXPECT_EQ(header_of(exchange, "API-Version"), "1");

  auto v2 = request(Verb::get, "/api/v2/old");
  Exchange other(v2, "203.0.113.1");
  EXPECT_FALSE(pass(other));
  EXPECT_EQ(other.failure->code(), "api_version_unknown");
  EXPECT_EQ(other.failure->kind(), ErrorKind::not_found);

  auto health = request(Verb::get, "/healthz");
  Exchange outside(health, "203.0.113.1");
  EXPECT_TRUE(pass(outside));
  EXPECT_FALSE(header_of(outside, "API-Version"));
}

TEST_F(EdgeTest, ADeprecatedRouteSaysSinceWhenAndUntilWhen) {
  auto r = request(Verb::get, "/api/v1/old");
  Exchange exchange(r, "203.0.113.1");
  EXPECT_TRUE(pass(exchange));
  EXPECT_EQ(header_of(exchange, "Deprecation"), "@1767225600");
  EXPECT_EQ(header_of(exchange, "Sunset"), "Fri, 01 Jan 2027 00:00:00 GMT");

  auto current = request(Verb::get, "/api/v1/me");
  current.set(boost::beast::http::field::authorization, "u1");
  Exchange fresh(current, "203.0.113.1");
  EXPECT_TRUE(pass(fresh));
  EXPECT_FALSE(header_of(fresh, "Deprecation"));
}

TEST_F(EdgeTest, CorsAnswersOnlyListedOrigins) {
  auto listed = request(Verb::get, "/api/v1/old");
  listed.set("Origin", "https://console.example.com");
  Exchange allowed(listed, "203.0.113.1");
  EXPECT_TRUE(pass(allowed));
  EXPECT_EQ(header_of(allowed, "Access-Control-Allow-Origin"), "https://console.example.com");
  EXPECT_EQ(header_of(allowed, "Vary"), "Origin");
  EXPECT_TRUE(header_of(allowed, "Access-Control-Expose-Headers"));

  auto stranger = request(Verb::get, "/api/v1/old");
  stranger.set("Origin", "https://evil.example");
  Exchange simple(stranger, "203.0.113.1");
  EXPECT_TRUE(pass(simple));  // answered, but without CORS headers the page cannot read it
  EXPECT_FALSE(header_of(simple, "Access-Control-Allow-Origin"));
}

TEST_F(EdgeTest, APreflightIsAnsweredAtTheEdgeOrRefused) {
  auto preflight = request(Verb::options, "/api/v1/things");
  preflight.set("Origin", "https://console.example.com");
  preflight.set("Access-Control-Request-Method", "POST");
  Exchange allowed(preflight, "203.0.113.1");
  EXPECT_FALSE(pass(allowed));
  ASSERT_TRUE(allowed.early_answer);
  EXPECT_FALSE(allowed.failure);
  EXPECT_EQ(allowed.early_answer->result(), http::Status::no_content);
  EXPECT_NE((*allowed.early_answer)["Access-Control-Allow-Methods"].find("POST"),
            std::string::npos);
  EXPECT_NE((*allowed.early_answer)["Access-Control-Allow-Headers"].find("Authorization"),
            std::string::npos);

  auto hostile = request(Verb::options, "/api/v1/things");
  hostile.set("Origin", "https://evil.example");
  hostile.set("Access-Control-Request-Method", "POST");
  Exchange refused(hostile, "203.0.113.1");
  EXPECT_FALSE(pass(refused));
  EXPECT_EQ(refused.failure->code(), "cors_origin_not_allowed");
  EXPECT_FALSE(header_of(refused, "Access-Control-Allow-Origin"));
}

TEST_F(EdgeTest, AnonymousRequestsAreLimitedPerAddressWithCounters) {
  for (int i = 0; i < 2; ++i) {
    auto r = request(Verb::post, "/api/v1/auth/login");
    Exchange exchange(r, "203.0.113.1");
    EXPECT_TRUE(pass(exchange));
    EXPECT_EQ(header_of(exchange, "RateLimit-Limit"), "2");
    EXPECT_EQ(header_of(exchange, "RateLimit-Remaining"), std::to_string(1 - i));
  }
  auto r = request(Verb::post, "/api/v1/auth/login");
  Exchange refused(r, "203.0.113.1");
  EXPECT_FALSE(pass(refused));
  EXPECT_EQ(refused.failure->code(), "rate_limited");
  EXPECT_EQ(refused.failure->kind(), ErrorKind::rate_limited);
  EXPECT_EQ(header_of(refused, "Retry-After"), "1");
  EXPECT_EQ(header_of(refused, "RateLimit-Remaining"), "0");

  auto elsewhere = request(Verb::post, "/api/v1/auth/login");
  Exchange other(elsewhere, "203.0.113.2");
  EXPECT_TRUE(pass(other));

  now += 1s;
  auto again = request(Verb::post, "/api/v1/auth/login");
  Exchange later(again, "203.0.113.1");
  EXPECT_TRUE(pass(later));
}

TEST_F(EdgeTest, CallersAreLimitedAsThemselvesNotByAddress) {
  auto make = [&](const char* user, const char* address) {
    auto r = request(Verb::post, "/api/v1/things");
    r.set(boost::beast::http::field::authorization, user);
    Exchange exchange(r, address);
    return pass(exchange) ? std::string("ok") : exchange.failure->code();
  };
  EXPECT_EQ(make("alice", "203.0.113.1"), "ok");
  EXPECT_EQ(make("alice", "203.0.113.2"), "rate_limited");  // write burst 1, whatever the address
  EXPECT_EQ(make("bob", "203.0.113.1"), "ok");
}

TEST_F(EdgeTest, ASlotIsHeldForAsLongAsTheExchangeLives) {
  auto pull = [&](const char* user) {
    auto r = request(Verb::post, "/api/v1/pull");
    r.set(boost::beast::http::field::authorization, user);
    return r;
  };
  auto r1 = pull("alice");
  auto first = std::make_unique<Exchange>(r1, "203.0.113.1");
  EXPECT_TRUE(pass(*first));
  EXPECT_EQ(first->held.size(), 1U);

  now += 10s;  // the write budget is back; only the slot is in the way
  auto r2 = pull("alice");
  Exchange second(r2, "203.0.113.1");
  EXPECT_FALSE(pass(second));
  EXPECT_EQ(second.failure->code(), "too_many_pulls");
  EXPECT_EQ(second.failure->kind(), ErrorKind::rate_limited);

  auto r3 = pull("bob");
  Exchange other(r3, "203.0.113.1");
  EXPECT_TRUE(pass(other));

  first.reset();  // the first request ended
  now += 10s;
  auto r4 = pull("alice");
  Exchange again(r4, "203.0.113.1");
  EXPECT_TRUE(pass(again));
}

TEST_F(EdgeTest, UnlimitedRoutesCarryNoCounters) {
  for (int i = 0; i < 20; ++i) {
    auto r = request(Verb::get, "/healthz");
    Exchange exchange(r, "203.0.113.1");
    EXPECT_TRUE(pass(exchange));
    EXPECT_FALSE(header_of(exchange, "RateLimit-Limit"));
  }
}

TEST_F(EdgeTest, ATrustedProxyNamesTheClientThatIsLimited) {
  for (int i = 0; i < 2; ++i) {
    auto r = request(Verb::post, "/api/v1/auth/login");
    r.set("X-Forwarded-For", "198.51.100.1");
    Exchange exchange(r, "127.0.0.1");
    EXPECT_TRUE(pass(exchange));
    EXPECT_EQ(exchange.context.remote_address, "198.51.100.1");
  }
  auto other = request(Verb::post, "/api/v1/auth/login");
  other.set("X-Forwarded-For", "198.51.100.2");
  Exchange second(other, "127.0.0.1");
  EXPECT_TRUE(pass(second));  // another client behind the same proxy

  auto spoof = request(Verb::post, "/api/v1/auth/login");
  spoof.set("X-Forwarded-For", "198.51.100.3");
  Exchange direct(spoof, "203.0.113.9");  // not a proxy: its header is not believed
  EXPECT_TRUE(pass(direct));
  EXPECT_EQ(direct.context.remote_address, "203.0.113.9");
}

// Shared buckets as a map (Redis in the program); `reachable` false answers as an outage does.
class MapBuckets final : public SharedBuckets {
 public:
  asio::awaitable<std::optional<Take>> take(std::string key, const BucketRule& rule) override {
    keys.push_back(key);
    if (!reachable) co_return std::nullopt;
    auto& used = taken[key];
    const auto burst = static_cast<int>(rule.burst);
    if (used >= burst) co_return Take{false, 0};
    ++used;
    co_return Take{true, static_cast<double>(burst - used)};
  }
  bool reachable = true;
  std::map<std::string, int> taken;
  std::vector<std::string> keys;
};

class SharedEdgeTest : public EdgeTest {
 protected:
  static EdgeSettings shared_settings(SharedBuckets* buckets) {
    auto s = settings();
    s.shared_buckets = buckets;
    return s;
  }
  std::string login(const char* address) {
    auto r = request(Verb::post, "/api/v1/auth/login");
    Exchange exchange(r, address);
    const bool passed = run(shared_pipeline.before_body(exchange));
    last_remaining = header_of(exchange, "RateLimit-Remaining").value_or("none");
    return passed ? std::string("ok") : exchange.failure->code();
  }
  MapBuckets buckets;
  Edge shared_edge{shared_settings(&buckets), [this] { return now; }};
  http::Pipeline shared_pipeline{router, 1024, &authenticator, nullptr, shared_edge.stages()};
  std::string last_remaining;
};

TEST_F(SharedEdgeTest, TheSharedBucketDecidesAndNamesClassAndSubject) {
  EXPECT_EQ(login("203.0.113.1"), "ok");
  EXPECT_EQ(last_remaining, "1");
  EXPECT_EQ(login("203.0.113.1"), "ok");
  // Another replica took from the same bucket: this one refuses although it counted only two.
  buckets.taken.begin()->second = 2;
  EXPECT_EQ(login("203.0.113.1"), "rate_limited");
  EXPECT_EQ(last_remaining, "0");
  ASSERT_FALSE(buckets.keys.empty());
  EXPECT_EQ(buckets.keys.front(), "dokkerr:rl:sign_in:address:203.0.113.1");
}

TEST_F(SharedEdgeTest, WithoutTheSharedStoreEachReplicaLimitsAlone) {
  buckets.reachable = false;
  EXPECT_EQ(login("203.0.113.1"), "ok");
  EXPECT_EQ(login("203.0.113.1"), "ok");
  EXPECT_EQ(login("203.0.113.1"), "rate_limited");  // the local sign-in burst of 2
  EXPECT_EQ(login("203.0.113.2"), "ok");
}

TEST_F(SharedEdgeTest, CallersShareTheirBucketAcrossAddresses) {
  auto write = [&](const char* user, const char* address) {
    auto r = request(Verb::post, "/api/v1/things");
    r.set(boost::beast::http::field::authorization, user);
    Exchange exchange(r, address);
    return run(shared_pipeline.before_body(exchange)) ? std::string("ok")
                                                      : exchange.failure->code();
  };
  EXPECT_EQ(write("alice", "203.0.113.1"), "ok");
  EXPECT_EQ(write("alice", "203.0.113.2"), "rate_limited");
  EXPECT_EQ(write("bob", "203.0.113.1"), "ok");
  EXPECT_EQ(buckets.keys.back().rfind("dokkerr:rl:write:", 0), 0U) << buckets.keys.back();
}

}  // namespace
}  // namespace dokkerr::gateway
