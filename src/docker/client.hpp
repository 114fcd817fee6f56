#pragma once
// A Docker Engine API client over unix socket, TCP or TCP+TLS, for C++20 coroutines.
// Connections are kept alive and reused; every connect, write and read is bounded by a timeout.
// Errors: an engine that cannot be reached -> dokkerr::Error{unavailable, "engine_unavailable"};
// engine answers are returned as values (status + body), the caller maps them (see errors.hpp).
#include "docker/endpoint.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dokkerr::docker {

using Verb = boost::beast::http::verb;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{60000};  // whole non-streaming exchange
  std::size_t max_idle_connections = 16;
  std::size_t max_response_body = 256U * 1024U * 1024U;
};

struct EngineResponse {
  unsigned status = 0;
  std::string content_type;
  std::string body;
  [[nodiscard]] bool ok() const { return status >= 200 && status < 300; }
};

// A response whose body arrives over time (events, pull progress, logs with follow, stats stream,
// exports). Chunked transfer encoding is removed; bytes come as the engine sent them.
class EngineStream {
 public:
  virtual ~EngineStream() = default;
  [[nodiscard]] virtual unsigned status() const = 0;
  [[nodiscard]] virtual const std::string& content_type() const = 0;
  // Next piece of the body; std::nullopt at the end of the body or after close(). Throws Error
  // on I/O failure. One read_some at a time.
  virtual boost::asio::awaitable<std::optional<std::string>> read_some() = 0;
  // Reads the rest (bounded by max_bytes) — used for error bodies. Beyond max_bytes the rest is
  // dropped and the stream closed.
  virtual boost::asio::awaitable<std::string> read_all(std::size_t max_bytes) = 0;
  virtual void close() = 0;  // cancels pending reads, closes the connection
};

// The raw connection after `Upgrade: tcp` (exec start, attach): full duplex bytes.
class HijackedConnection {
 public:
  virtual ~HijackedConnection() = default;
  // Bytes the engine sent; std::nullopt when the engine closed its side, or after close().
  // One read_some and one write may be pending at the same time (full duplex).
  virtual boost::asio::awaitable<std::optional<std::string>> read_some() = 0;
  virtual boost::asio::awaitable<void> write(std::string data) = 0;
  // Half-close: tells the process stdin is finished. Call once no write is pending. Over TLS
  // this is a TCP half-close without close_notify, which the engine reads as end of input.
  virtual void shutdown_write() = 0;
  virtual void close() = 0;
};

// A request whose body is sent as it is produced (chunked transfer encoding): archives uploaded
// into containers, image tarballs. Each write and the final read are bounded by the client's
// request timeout.
class EngineUpload {
 public:
  virtual ~EngineUpload() = default;
  virtual boost::asio::awaitable<void> write(std::string data) = 0;
  // Ends the body and reads the engine's answer (its body bounded by 1 MiB).
  virtual boost::asio::awaitable<EngineResponse> finish() = 0;
};

class Client {
 public:
  Client(boost::asio::any_io_executor executor, Endpoint endpoint, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  [[nodiscard]] const Endpoint& endpoint() const;

  // GET /version (unversioned path), remembers min(engine ApiVersion, ours) as the prefix used
  // by every later call; throws Error{bad_gateway,"engine_too_old"} below 1.41, and
  // Error{bad_gateway,"engine_too_new"} when the engine's MinAPIVersion is above 1.41.
  // Returns the /version body as received.
  boost::asio::awaitable<std::string> negotiate();
  [[nodiscard]] std::string api_version() const;  // "1.41" until negotiated

  // `target` is the API path without the version prefix, e.g. "/containers/json?all=1".
  boost::asio::awaitable<EngineResponse> request(Verb verb, std::string target,
                                                 std::string body = {}, Headers headers = {});
  boost::asio::awaitable<std::unique_ptr<EngineStream>> stream(Verb verb, std::string target,
                                                               std::string body = {},
                                                               Headers headers = {});
  // Starts a request on a connection of its own and returns the writer of its body.
  boost::asio::awaitable<std::unique_ptr<EngineUpload>> upload(Verb verb, std::string target,
                                                               Headers headers = {});
  // Sends the request with Connection: Upgrade / Upgrade: tcp; expects 101 (or 200 on old
  // engines). A non-upgrade answer is returned as an Error mapped with map_engine_error.
  boost::asio::awaitable<std::unique_ptr<HijackedConnection>> hijack(Verb verb, std::string target,
                                                                     std::string body = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dokkerr::docker
