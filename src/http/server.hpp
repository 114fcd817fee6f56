#pragma once
// The HTTP/1.1 + WebSocket transport: accept loop, keep-alive sessions with bounded reads and
// writes, the WebSocket upgrade, and an orderly shutdown. What happens to each request in between
// is the pipeline's (http/pipeline.hpp).
#include "http/types.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <memory>

namespace dokkerr {
class Logger;
}

namespace dokkerr::http {

class RequestMetrics;

class Pipeline;
class StreamGuard;
class TlsCredentials;

struct ServerLimits {
  std::size_t max_header_bytes = 16U * 1024U;
  std::chrono::milliseconds header_timeout{10'000};  // from the first byte to the end of headers
  std::chrono::milliseconds body_timeout{60'000};
  std::chrono::milliseconds idle_timeout{60'000};   // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{60'000};  // per write to a slow client
  std::size_t max_connections = 1024;
  // One client address may hold at most this many: a flood from one address leaves the rest
  // of max_connections to everyone else.
  std::size_t max_connections_per_address = 256;
  std::size_t max_websocket_message = 1024U * 1024U;
};

class Server {
 public:
  // With `tls` (which must outlive the server) every connection speaks TLS and every answer
  // carries HSTS; without it, plain HTTP.
  Server(boost::asio::io_context& io, const Pipeline& pipeline, ServerLimits limits, Logger& logger,
         const TlsCredentials* tls = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; returns the bound endpoint (port 0 picks a free port). Throws
  // boost::system::system_error when the address cannot be bound.
  boost::asio::ip::tcp::endpoint listen(const boost::asio::ip::tcp::endpoint& endpoint);
  void start();  // starts accepting (on the io_context)
  // Streams and WebSockets of authenticated callers are watched by `guard` (which must outlive
  // the server) and end when their caller loses the access that opened them. Call before start().
  void guard_streams(StreamGuard& guard);
  // Every answered request and every WebSocket is counted in `metrics` (which must outlive the
  // server). Call before start().
  void count_requests(RequestMetrics& metrics);

  // Stops accepting, lets in-flight requests finish, closes idle keep-alive connections and
  // WebSockets (close frame 1001), then after `grace` closes whatever is left. Resolves when
  // every connection is gone.
  boost::asio::awaitable<void> shutdown(std::chrono::milliseconds grace);

  [[nodiscard]] std::size_t active_connections() const;

  struct Impl;  // public only so that the connection type in server.cpp can name it

 private:
  std::shared_ptr<Impl> impl_;  // shared with the sessions, which may outlive a call stack
};

}  // namespace dokkerr::http
