#include "app/change_broadcast.hpp"

#include "cache/redis_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace dokkerr::app {

namespace asio = boost::asio;

ChangeBroadcast::ChangeBroadcast(asio::any_io_executor executor, cache::RedisClient& publisher,
                                 cache::RedisClient& subscriber, Generation& generation,
                                 std::string node_id)
    : executor_(std::move(executor)),
      publisher_(publisher),
      generation_(generation),
      node_id_(std::move(node_id)) {
  subscriber.on_connect([this](cache::RedisClient& client) -> asio::awaitable<bool> {
    std::vector<std::string> subscribe{"SUBSCRIBE", std::string(kAccessChannel)};
    const auto reply = co_await client.call_during_connect(std::move(subscribe));
    const bool subscribed = reply && reply->type == cache::RedisValue::Type::array &&
                            !reply->elements.empty() && reply->elements[0].text == "subscribe";
    if (subscribed) generation_.advance();  // what was published while we were away is unknown
    co_return subscribed;
  });
  subscriber.on_message([this](std::string_view, std::string_view sender) {
    if (sender != node_id_) generation_.advance();
  });
}

void ChangeBroadcast::publish() {
  asio::co_spawn(
      executor_,
      [this]() -> asio::awaitable<void> {
        std::vector<std::string> publish{"PUBLISH", std::string(kAccessChannel), node_id_};
        (void)co_await publisher_.call(std::move(publish));
      },
      asio::detached);
}

}  // namespace dokkerr::app
