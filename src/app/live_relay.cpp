#include "app/live_relay.hpp"

#include "cache/redis_client.hpp"
#include "monitoring/live_feed.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <vector>

namespace dokkerr::app {

namespace asio = boost::asio;

LiveRelay::LiveRelay(asio::any_io_executor executor, cache::RedisClient& publisher,
                     cache::RedisClient& subscriber, monitoring::LiveFeed& feed)
    : executor_(std::move(executor)), publisher_(publisher) {
  subscriber.on_connect([](cache::RedisClient& client) -> asio::awaitable<bool> {
    std::vector<std::string> subscribe{"SUBSCRIBE", std::string(kLiveChannel)};
    const auto reply = co_await client.call_during_connect(std::move(subscribe));
    co_return reply && reply->type == cache::RedisValue::Type::array && !reply->elements.empty() &&
        reply->elements[0].text == "subscribe";
  });
  subscriber.on_message(
      [&feed](std::string_view, std::string_view message) { feed.accept(message); });
  feed.relay_to([this](std::string message) { publish(std::move(message)); });
}

void LiveRelay::publish(std::string message) {
  if (publishing_.exchange(true)) return;
  asio::co_spawn(
      executor_,
      [this, message = std::move(message)]() mutable -> asio::awaitable<void> {
        std::vector<std::string> publish{"PUBLISH", std::string(kLiveChannel), std::move(message)};
        (void)co_await publisher_.call(std::move(publish));
        publishing_ = false;
      },
      asio::detached);
}

}  // namespace dokkerr::app
