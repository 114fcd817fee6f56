#include "idempotency/idempotency_gate.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/logger.hpp"
#include "core/principal.hpp"
#include "idempotency/idempotency_store.hpp"
#include "unit/store/test_databases.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

namespace dokkerr::idempotency {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

template <typename T>
T run(asio::awaitable<T> work) {
  asio::io_context io;
  auto result = asio::co_spawn(io, std::move(work), asio::use_future);
  io.run();
  return result.get();
}

class IdempotencyGateTest : public store::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    store_ = make_sql_idempotency_store(db());
    gate_ = std::make_unique<IdempotencyGate>(*store_, clock, pool, logger);
  }
  void TearDown() override {
    gate_.reset();
    store_.reset();
    BackendTest::TearDown();
  }

  struct Call {
    http::Request request;
    std::unique_ptr<http::Exchange> exchange;
  };

  std::unique_ptr<Call> call(std::string key, std::string body = R"({"Image":"x"})",
                             std::string user = "u1") {
    auto c = std::make_unique<Call>();
    c->request = http::Request{http::Verb::post, "/api/v1/environments/local/containers", 11};
    if (!key.empty()) c->request.set("Idempotency-Key", key);
    c->request.body() = std::move(body);
    c->exchange = std::make_unique<http::Exchange>(c->request, "127.0.0.1");
    auto principal = std::make_shared<Principal>();
    principal->user_id = std::move(user);
    c->exchange->context.principal = std::move(principal);
    return c;
  }

  std::optional<http::Response> claim(Call& c) { return run(gate_->claim(*c.exchange)); }
  void settle(Call& c, std::optional<http::Reply>& reply) {
    run(gate_->settle(*c.exchange, reply));
  }

  void answer(Call& c, std::string body) {
    http::Response response{http::Status::created, 11};
    response.set(boost::beast::http::field::content_type, "application/json");
    response.body() = std::move(body);
    std::optional<http::Reply> reply = http::Reply{std::move(response)};
    settle(c, reply);
  }

  std::string refusal(Call& c) {
    try {
      claim(c);
    } catch (const Error& error) {
      return error.code();
    }
    return "none";
  }

  ManualClock clock;
  BlockingPool pool{1};
  Logger logger{LogLevel::error};

 private:
  std::unique_ptr<IdempotencyStore> store_;
  std::unique_ptr<IdempotencyGate> gate_;
};

TEST_P(IdempotencyGateTest, TheFirstAnswerIsReplayedForTheSameKeyAndRequest) {
  auto first = call("k1");
  EXPECT_FALSE(claim(*first)) << "a new key runs the handler";
  EXPECT_TRUE(first->exchange->idempotency_claimed);
  EXPECT_EQ(first->exchange->context.idempotency_token, token_of("u1", "k1"));
  answer(*first, R"({"Id":"abc"})");

  auto retry = call("k1");
  const auto replay = claim(*retry);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->result_int(), 201U);
  EXPECT_EQ(replay->body(), R"({"Id":"abc"})");
  EXPECT_EQ((*replay)["Idempotent-Replayed"], "true");
  EXPECT_FALSE(retry->exchange->idempotency_claimed);
}

TEST_P(IdempotencyGateTest, InFlightReusedAndMalformedKeysAreRefused) {
  auto first = call("k1");
  claim(*first);
  auto concurrent = call("k1");
  EXPECT_EQ(refusal(*concurrent), "idempotency_key_in_flight");
  auto other_body = call("k1", R"({"Image":"y"})");
  EXPECT_EQ(refusal(*other_body), "idempotency_key_reused");
  auto too_long = call(std::string(256, 'k'));
  EXPECT_EQ(refusal(*too_long), "invalid_idempotency_key");
  auto spaced = call("a b");
  EXPECT_EQ(refusal(*spaced), "invalid_idempotency_key");
  auto none = call("");
  EXPECT_FALSE(claim(*none));
  EXPECT_FALSE(none->exchange->idempotency_claimed) << "no key, nothing claimed";
}

TEST_P(IdempotencyGateTest, KeysBelongToTheirCaller) {
  auto mine = call("k1");
  claim(*mine);
  answer(*mine, "{}");
  auto theirs = call("k1", R"({"Image":"x"})", "u2");
  EXPECT_FALSE(claim(*theirs)) << "another account's key of the same name is its own";
}

TEST_P(IdempotencyGateTest, AFailedRequestFreesItsKey) {
  auto first = call("k1");
  claim(*first);
  first->exchange->failure = Error::conflict("name_taken", "Taken.");
  std::optional<http::Reply> none;
  settle(*first, none);
  auto retry = call("k1", R"({"Image":"other"})");
  EXPECT_FALSE(claim(*retry)) << "even with another body: nothing was kept";
}

TEST_P(IdempotencyGateTest, AnAbandonedClaimIsTakenOverAfterItsLock) {
  auto first = call("k1");
  claim(*first);  // its server stops here
  clock.advance(kClaimLife - 1s);
  auto early = call("k1");
  EXPECT_EQ(refusal(*early), "idempotency_key_in_flight");
  clock.advance(1s);
  auto late = call("k1");
  EXPECT_FALSE(claim(*late));
  EXPECT_TRUE(late->exchange->idempotency_claimed);
  EXPECT_EQ(late->exchange->context.idempotency_token, token_of("u1", "k1")) << "the same token";
}

TEST_P(IdempotencyGateTest, KeysExpireAfterTwentyFourHours) {
  auto first = call("k1");
  claim(*first);
  answer(*first, R"({"Id":"abc"})");
  clock.advance(kKeyLife - 1s);
  auto within = call("k1");
  EXPECT_TRUE(claim(*within));
  clock.advance(1s);
  auto after = call("k1", R"({"Image":"new"})");
  EXPECT_FALSE(claim(*after)) << "expired: a new request may use the key";
}

DOKKERR_INSTANTIATE_BACKENDS(IdempotencyGateTest);

}  // namespace
}  // namespace dokkerr::idempotency
