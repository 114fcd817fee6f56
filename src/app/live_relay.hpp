#pragma once
// The collecting replica's live rounds handed to the other replicas through Redis pub/sub, so
// that a team's or an environment's live stream answers on any replica. Two connections of its
// own: a subscribed connection serves nothing else, and rounds (tens of kilobytes a second with
// many containers) should not queue behind the rate limiter's calls.
#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <string>
#include <string_view>

namespace dokkerr::cache {
class RedisClient;
}
namespace dokkerr::monitoring {
class LiveFeed;
}

namespace dokkerr::app {

inline constexpr std::string_view kLiveChannel = "dokkerr:metrics-live";

class LiveRelay {
 public:
  // Sets the subscriber's hooks and the feed's relay; construct before starting the clients.
  LiveRelay(boost::asio::any_io_executor executor, cache::RedisClient& publisher,
            cache::RedisClient& subscriber, monitoring::LiveFeed& feed);

 private:
  void publish(std::string message);

  boost::asio::any_io_executor executor_;
  cache::RedisClient& publisher_;
  // A round still being sent when the next is ready is dropped: the newest one is what counts.
  std::atomic<bool> publishing_{false};
};

}  // namespace dokkerr::app
