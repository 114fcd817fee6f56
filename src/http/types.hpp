#pragma once
// What a route handler sees and returns. Handlers are coroutines; they return either a complete
// response, a streamed (chunked) response, or take over the connection as a WebSocket.
#include "core/principal.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace dokkerr::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Verb = boost::beast::http::verb;
using Status = boost::beast::http::status;

// Decoded query parameters in their order of appearance (repeats allowed).
class QueryParams {
 public:
  QueryParams() = default;
  explicit QueryParams(std::vector<std::pair<std::string, std::string>> items)
      : items_(std::move(items)) {}
  [[nodiscard]] std::optional<std::string> get(std::string_view key) const;
  [[nodiscard]] std::vector<std::string> all(std::string_view key) const;
  [[nodiscard]] bool has(std::string_view key) const { return get(key).has_value(); }
  // "1", "true", "yes" → true; "0", "false", "no", "" → false; absent → fallback;
  // anything else → Error invalid "invalid_parameter".
  [[nodiscard]] bool flag(std::string_view key, bool fallback = false) const;
  // Integer in [min, max]; absent → fallback; otherwise Error invalid "invalid_parameter".
  [[nodiscard]] long long integer(std::string_view key, long long fallback, long long min,
                                  long long max) const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// The body of a request whose route reads it as it arrives (RouteOptions::streams_body).
class RequestBody {
 public:
  virtual ~RequestBody() = default;
  // The next piece of the body (valid until the next call); empty once the body has all been
  // read. Throws Error payload_too_large past the route's limit, timeout when the client sends
  // nothing for the server's body timeout, invalid "request_body_incomplete" when it leaves or
  // sends malformed chunks.
  virtual boost::asio::awaitable<std::string_view> read() = 0;
  // The Content-Length the client declared, when it did (chunked bodies have none).
  [[nodiscard]] virtual std::optional<std::uint64_t> declared_length() const = 0;
};

struct RequestContext {
  Request& request;
  std::string request_id;
  std::string remote_address;
  std::vector<std::pair<std::string, std::string>> path_params;  // percent-decoded
  QueryParams query;
  std::shared_ptr<const Principal> principal;  // null only on public routes
  // Set when the request claimed an Idempotency-Key: a short value unique to the caller and key,
  // for a handler to mark what it makes (a label) so that a retry after a crash can find it.
  std::string idempotency_token;
  // Set only on routes that stream their body; the request's own body is empty then.
  RequestBody* body = nullptr;

  // The value of a {name} segment of the matched route (always present for a matched route).
  [[nodiscard]] const std::string& param(std::string_view name) const;
  [[nodiscard]] bool is_websocket_upgrade() const;
  // The caller; throws Error unauthorized when the route is public (a programming error).
  [[nodiscard]] const Principal& caller() const;
};

// The body of a chunked response, written piece by piece.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Returns false once the client has gone; the producer should stop then.
  virtual boost::asio::awaitable<bool> write(std::string_view chunk) = 0;
  // Resolves when the client closes its side (or on server shutdown); lets a producer that
  // waits on something else (the engine) notice an abandoned request.
  virtual boost::asio::awaitable<void> wait_closed() = 0;
};

struct StreamingReply {
  Status status = Status::ok;
  std::string content_type = "application/x-ndjson";
  std::vector<std::pair<std::string, std::string>> headers;
  std::function<boost::asio::awaitable<void>(ResponseStream&)> produce;
};

struct WebSocketMessage {
  bool binary = false;
  std::string data;
};

// One accepted WebSocket. read() and one writer may run concurrently (the session serializes
// writers through its strand).
class WebSocketChannel {
 public:
  virtual ~WebSocketChannel() = default;
  // Next message; std::nullopt when the peer closed or the server is shutting down.
  virtual boost::asio::awaitable<std::optional<WebSocketMessage>> read() = 0;
  virtual boost::asio::awaitable<bool> send_text(std::string text) = 0;
  virtual boost::asio::awaitable<bool> send_binary(std::string data) = 0;
  // Sends a close frame with a code (1000 normal, 1011 server error) and reason.
  virtual boost::asio::awaitable<void> close(unsigned short code, std::string reason) = 0;
};

struct WebSocketReply {
  std::function<boost::asio::awaitable<void>(WebSocketChannel&)> run;
};

using Reply = std::variant<Response, StreamingReply, WebSocketReply>;
using Handler = std::function<boost::asio::awaitable<Reply>(RequestContext&)>;

}  // namespace dokkerr::http
