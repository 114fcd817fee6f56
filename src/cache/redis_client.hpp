#pragma once
// A Redis client for the few commands Dokkerr sends (EVALSHA, PUBLISH, SUBSCRIBE): one
// pipelined TCP connection, reopened in the background when it drops. hiredis does the protocol
// (formatting commands, parsing replies) and Asio the I/O, so no call ever blocks a thread:
// hiredis' own connections block or need an event-loop adapter it has none of for Asio.
//
// Redis accelerates Dokkerr, it is never the source of truth: while it is unreachable, call()
// answers nullopt at once and each caller falls back to what this process can do alone.
#include "cache/redis_endpoint.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisReader;

namespace dokkerr {
class Logger;
}

namespace dokkerr::cache {

// One reply, copied out of hiredis' reply tree.
struct RedisValue {
  enum class Type { nil, integer, string, status, error, array };
  Type type = Type::nil;
  long long integer = 0;
  std::string text;  // of string, status and error replies
  std::vector<RedisValue> elements;

  [[nodiscard]] bool is_error() const { return type == Type::error; }
};

struct RedisSettings {
  RedisEndpoint endpoint;
  std::chrono::milliseconds connect_timeout{1000};
  // A command not answered in time ends the connection: its place in the pipeline is lost.
  std::chrono::milliseconds command_timeout{250};
  std::chrono::milliseconds max_backoff{2000};
  std::size_t max_pending = 4096;  // commands in flight; more are refused (nullopt)
};

class RedisClient {
 public:
  // A message on a subscribed connection: (channel, payload).
  using MessageHandler = std::function<void(std::string_view channel, std::string_view payload)>;
  // Runs on every new connection before it serves calls (SUBSCRIBE again, load scripts); false
  // drops the connection.
  using ConnectHook = std::function<boost::asio::awaitable<bool>(RedisClient&)>;

  RedisClient(boost::asio::any_io_executor executor, RedisSettings settings, Logger& logger,
              std::string name);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Both before start().
  void on_message(MessageHandler handler);
  void on_connect(ConnectHook hook);

  void start();
  // Closes the connection and ends the background work (asynchronously, on the client's strand).
  void stop();

  [[nodiscard]] bool connected() const { return connected_.load(std::memory_order_acquire); }
  // Why the last connection failed or ended ("" while none did).
  [[nodiscard]] std::string last_error() const;

  // Sends one command and waits for its reply (an error reply is a reply). nullopt when Redis
  // is not connected, too many calls are in flight, or no reply came within the timeout.
  boost::asio::awaitable<std::optional<RedisValue>> call(std::vector<std::string> args);
  // The same, from a ConnectHook (the connection is not yet open to other calls).
  boost::asio::awaitable<std::optional<RedisValue>> call_during_connect(
      std::vector<std::string> args);

 private:
  struct Pending;
  struct ReaderDeleter {
    void operator()(redisReader* reader) const;
  };

  boost::asio::awaitable<std::optional<RedisValue>> send(std::vector<std::string> args,
                                                         bool during_connect);
  boost::asio::awaitable<void> supervise();
  boost::asio::awaitable<bool> open_link();
  boost::asio::awaitable<void> read_loop(std::uint64_t link);
  boost::asio::awaitable<void> write_loop(std::uint64_t link);
  boost::asio::awaitable<void> watch_replies(std::uint64_t link);
  void deliver(RedisValue value);
  void drop_link(std::string reason);

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  RedisSettings settings_;
  Logger& logger_;
  std::string name_;
  MessageHandler message_handler_;
  ConnectHook connect_hook_;

  // Everything below is touched only on strand_ (but the atomics and the error text).
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer link_down_;  // cancelled when the connection ends
  boost::asio::steady_timer watchdog_;   // times the oldest command of the connection
  boost::asio::steady_timer backoff_;
  std::unique_ptr<redisReader, ReaderDeleter> reader_;
  std::deque<std::shared_ptr<Pending>> pending_;
  std::string outgoing_;
  bool writing_ = false;
  bool link_open_ = false;
  std::uint64_t link_ = 0;  // counts connections; a loop of an older one stops
  std::atomic<bool> connected_{false};
  std::atomic<bool> stopped_{false};
  mutable std::mutex error_mutex_;
  std::string last_error_;
};

}  // namespace dokkerr::cache
