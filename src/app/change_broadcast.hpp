#pragma once
// Access changes pushed between replicas through Redis pub/sub: when this replica commits one,
// it publishes its node id on a channel; when another replica's message arrives, the local
// Generation advances and the authorization caches empty at once.
//
// The database's change counter (ChangeWatch) stays the safety net: a message lost while Redis
// was down is caught within one poll, and every (re)subscription advances the generation too,
// since messages may have been missed while the subscription was gone.
#include "core/generation.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <string>

namespace dokkerr::cache {
class RedisClient;
}

namespace dokkerr::app {

inline constexpr std::string_view kAccessChannel = "dokkerr:access-changes";

class ChangeBroadcast {
 public:
  // `subscriber` is a connection of its own (a subscribed connection serves nothing else); its
  // hooks are set here, so construct this before starting it.
  ChangeBroadcast(boost::asio::any_io_executor executor, cache::RedisClient& publisher,
                  cache::RedisClient& subscriber, Generation& generation, std::string node_id);

  // Tells the other replicas (fire and forget; from any thread).
  void publish();

 private:
  boost::asio::any_io_executor executor_;
  cache::RedisClient& publisher_;
  Generation& generation_;
  std::string node_id_;  // so that a replica ignores its own messages
};

}  // namespace dokkerr::app
