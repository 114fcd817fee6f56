// RedisClient and RedisBuckets against the real Redis the test script starts
// (DOKKERR_TEST_REDIS_URL, scripts/testenv/redis.sh).
#include "cache/redis_client.hpp"

#include "cache/redis_buckets.hpp"
#include "core/logger.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace dokkerr::cache {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

std::optional<RedisEndpoint> live_endpoint() {
  const char* url = std::getenv("DOKKERR_TEST_REDIS_URL");
  if (url == nullptr || *url == '\0') return std::nullopt;
  return parse_redis_url(url);
}

constexpr const char* kNoRedis = "DOKKERR_TEST_REDIS_URL is not set (scripts/testenv/redis.sh)";

std::string unique_key(std::string_view prefix) {
  std::random_device device;
  return "dokkerr-test:" + std::string(prefix) + ":" + std::to_string(device()) +
         std::to_string(device());
}

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds bound = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return predicate();
}

// One io_context on its own thread, as the server runs it; clients are stopped before it ends.
class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = live_endpoint();
    if (!endpoint_) GTEST_SKIP() << kNoRedis;
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    for (auto& client : clients_) client->stop();
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }

  RedisClient& client(std::optional<RedisEndpoint> endpoint = std::nullopt,
                      RedisClient::ConnectHook hook = {},
                      RedisClient::MessageHandler handler = {}) {
    RedisSettings settings;
    settings.endpoint = endpoint ? *endpoint : *endpoint_;
    settings.command_timeout = 1000ms;  // sanitizers make the first replies slow
    settings.max_backoff = 200ms;
    clients_.push_back(std::make_unique<RedisClient>(io_.get_executor(), settings, logger_,
                                                     "test" + std::to_string(clients_.size())));
    auto& made = *clients_.back();
    if (hook) made.on_connect(std::move(hook));
    if (handler) made.on_message(std::move(handler));
    made.start();
    return made;
  }

  template <typename T>
  T await(asio::awaitable<T> work) {
    return asio::co_spawn(io_, std::move(work), asio::use_future).get();
  }

  std::optional<RedisValue> call(RedisClient& client, std::vector<std::string> args) {
    return await(client.call(std::move(args)));
  }

  std::optional<RedisEndpoint> endpoint_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      asio::make_work_guard(io_)};
  std::thread thread_;
  Logger logger_{LogLevel::error};
  std::vector<std::unique_ptr<RedisClient>> clients_;
};

TEST_F(RedisClientTest, AuthenticatesAndAnswersCommandsInOrder) {
  auto& redis = client();
  ASSERT_TRUE(eventually([&] { return redis.connected(); })) << redis.last_error();
  const auto pong = call(redis, {"PING"});
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->type, RedisValue::Type::status);
  EXPECT_EQ(pong->text, "PONG");

  const auto key = unique_key("set-get");
  // Many calls in flight at once share the one pipelined connection and each gets its own reply.
  std::vector<std::future<std::optional<RedisValue>>> replies;
  for (int i = 0; i < 50; ++i) {
    std::vector<std::string> args{"RPUSH", key, std::to_string(i)};
    replies.push_back(asio::co_spawn(io_, redis.call(std::move(args)), asio::use_future));
  }
  for (int i = 0; i < 50; ++i) {
    const auto reply = replies[i].get();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->type, RedisValue::Type::integer);
  }
  const auto list = call(redis, {"LRANGE", key, "0", "-1"});
  ASSERT_TRUE(list);
  ASSERT_EQ(list->type, RedisValue::Type::array);
  ASSERT_EQ(list->elements.size(), 50U);
  EXPECT_EQ(list->elements.front().text, "0");
  EXPECT_EQ(list->elements.back().text, "49");

  const auto missing = call(redis, {"GET", unique_key("missing")});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->type, RedisValue::Type::nil);
  const auto wrong_type = call(redis, {"INCR", key});
  ASSERT_TRUE(wrong_type);
  EXPECT_TRUE(wrong_type->is_error());
  (void)call(redis, {"DEL", key});
}

TEST_F(RedisClientTest, AWrongPasswordNeverConnectsAndSaysWhy) {
  auto endpoint = *endpoint_;
  endpoint.password = "not-the-password";
  auto& redis = client(endpoint);
  ASSERT_TRUE(eventually([&] { return !redis.last_error().empty(); })) << "no attempt was made";
  EXPECT_FALSE(redis.connected());
  EXPECT_NE(redis.last_error().find("AUTH"), std::string::npos) << redis.last_error();
  // Calls do not wait for a connection that is not there.
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(call(redis, {"PING"}));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
}

TEST_F(RedisClientTest, NothingListeningMeansNotConnected) {
  auto endpoint = *endpoint_;
  endpoint.port = 1;  // nothing listens on port 1 of loopback
  auto& redis = client(endpoint);
  ASSERT_TRUE(eventually([&] { return !redis.last_error().empty(); }));
  EXPECT_FALSE(redis.connected());
  EXPECT_FALSE(call(redis, {"PING"}));
}

TEST_F(RedisClientTest, ReconnectsOnItsOwnWhenTheConnectionIsKilled) {
  auto& redis = client();
  auto& other = client();
  ASSERT_TRUE(eventually([&] { return redis.connected() && other.connected(); }));
  const auto id = call(redis, {"CLIENT", "ID"});
  ASSERT_TRUE(id);
  ASSERT_EQ(id->type, RedisValue::Type::integer);
  const auto killed = call(other, {"CLIENT", "KILL", "ID", std::to_string(id->integer)});
  ASSERT_TRUE(killed);
  EXPECT_EQ(killed->integer, 1);
  ASSERT_TRUE(eventually([&] {
    const auto pong = call(redis, {"PING"});
    return pong && pong->text == "PONG";
  })) << redis.last_error();
  const auto new_id = call(redis, {"CLIENT", "ID"});
  ASSERT_TRUE(new_id);
  EXPECT_NE(new_id->integer, id->integer);
}

TEST_F(RedisClientTest, ACommandWithoutAReplyInTimeEndsTheConnectionNotTheCaller) {
  RedisSettings settings;
  settings.endpoint = *endpoint_;
  settings.command_timeout = 200ms;
  settings.max_backoff = 200ms;
  clients_.push_back(std::make_unique<RedisClient>(io_.get_executor(), settings, logger_, "slow"));
  auto& redis = *clients_.back();
  redis.start();
  ASSERT_TRUE(eventually([&] { return redis.connected(); }));
  // BLPOP on an empty list waits 5 s for an element: far past the command timeout.
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(call(redis, {"BLPOP", unique_key("never"), "5"}));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_NE(redis.last_error().find("no reply"), std::string::npos) << redis.last_error();
  // A new connection serves the next calls.
  ASSERT_TRUE(eventually([&] {
    const auto pong = call(redis, {"PING"});
    return pong && pong->text == "PONG";
  }));
}

TEST_F(RedisClientTest, DeliversPublishedMessagesAndResubscribesAfterADrop) {
  const auto channel = unique_key("channel");
  std::mutex mutex;
  std::vector<std::string> received;
  std::atomic<int> subscriptions = 0;
  auto& subscriber = client(
      std::nullopt,
      [&](RedisClient& self) -> asio::awaitable<bool> {
        std::vector<std::string> args{"SUBSCRIBE", channel};
        const auto reply = co_await self.call_during_connect(std::move(args));
        ++subscriptions;
        co_return reply && !reply->is_error();
      },
      [&](std::string_view on, std::string_view payload) {
        const std::lock_guard lock(mutex);
        if (on == channel) received.emplace_back(payload);
      });
  auto& publisher = client();
  ASSERT_TRUE(eventually([&] { return subscriber.connected() && publisher.connected(); }));
  const auto published = call(publisher, {"PUBLISH", channel, "first"});
  ASSERT_TRUE(published);
  EXPECT_EQ(published->integer, 1);  // one subscriber heard it
  ASSERT_TRUE(eventually([&] {
    const std::lock_guard lock(mutex);
    return received.size() == 1;
  }));

  // A killed subscriber connection subscribes again when it comes back.
  const auto killed = call(publisher, {"CLIENT", "KILL", "TYPE", "pubsub"});
  ASSERT_TRUE(killed);
  ASSERT_TRUE(eventually([&] { return subscriptions.load() >= 2 && subscriber.connected(); }));
  ASSERT_TRUE(eventually([&] {
    const auto again = call(publisher, {"PUBLISH", channel, "second"});
    return again && again->integer == 1;
  }));
  ASSERT_TRUE(eventually([&] {
    const std::lock_guard lock(mutex);
    return !received.empty() && received.back() == "second";
  }));
  const std::lock_guard lock(mutex);
  EXPECT_EQ(received.front(), "first");
}

TEST_F(RedisClientTest, BucketsAreSharedByEveryClient) {
  auto& first = client();
  auto& second = client();
  ASSERT_TRUE(eventually([&] { return first.connected() && second.connected(); }));
  RedisBuckets on_first(first);
  RedisBuckets on_second(second);
  const auto key = unique_key("bucket");
  // A burst of 3 that refills one token in 1000 s: three takes, wherever they come from.
  for (int i = 0; i < 3; ++i) {
    auto& buckets = i % 2 == 0 ? on_first : on_second;
    const auto take = await(buckets.take(key, 3, 0.001));
    ASSERT_TRUE(take);
    EXPECT_TRUE(take->allowed) << i;
    EXPECT_NEAR(take->tokens_left, 2 - i, 0.01);
  }
  const auto refused = await(on_second.take(key, 3, 0.001));
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->allowed);
  EXPECT_LT(refused->tokens_left, 1);
  // The key expires once the bucket would be full again.
  const auto ttl = call(first, {"PTTL", key});
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->integer, 0);
  (void)call(first, {"DEL", key});
}

TEST_F(RedisClientTest, BucketsRefillWithTime) {
  auto& redis = client();
  ASSERT_TRUE(eventually([&] { return redis.connected(); }));
  RedisBuckets buckets(redis);
  const auto key = unique_key("refill");
  const auto first = await(buckets.take(key, 1, 20));
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->allowed);
  // 20 per second: a token is back within 50 ms.
  ASSERT_TRUE(eventually([&] {
    const auto again = await(buckets.take(key, 1, 20));
    return again && again->allowed;
  }));
  (void)call(redis, {"DEL", key});
}

TEST_F(RedisClientTest, ASurvivingScriptCacheFlushIsHandled) {
  auto& redis = client();
  ASSERT_TRUE(eventually([&] { return redis.connected(); }));
  RedisBuckets buckets(redis);
  const auto key = unique_key("flush");
  ASSERT_TRUE(await(buckets.take(key, 5, 1)));
  // SCRIPT FLUSH forgets the script: the next take loads it again (EVAL after NOSCRIPT).
  ASSERT_TRUE(call(redis, {"SCRIPT", "FLUSH"}));
  const auto take = await(buckets.take(key, 5, 1));
  ASSERT_TRUE(take);
  EXPECT_TRUE(take->allowed);
  EXPECT_LT(take->tokens_left, 4.1);
  (void)call(redis, {"DEL", key});
}

}  // namespace
}  // namespace dokkerr::cache
