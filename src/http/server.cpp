#include "http/server.hpp"

#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/logger.hpp"
#include "http/problem.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/json/serialize.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <atomic>
#include <mutex>
#include <set>

namespace dokkerr::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);
using Clock = std::chrono::steady_clock;

Error not_found_route() {
  return Error::not_found("route_not_found", "No API route matches this path.");
}

void decorate(Response& response, const std::string& request_id) {
  response.set("X-Request-Id", request_id);
  response.set(bhttp::field::server, "dokkerr");
  response.set("X-Content-Type-Options", "nosniff");
  response.set(bhttp::field::cache_control, "no-store");
}

}  // namespace

class Connection;

struct Server::Impl {
  Impl(asio::io_context& io_context, const Router& r, ServerLimits l, Logger& log)
      : io(io_context), router(r), limits(l), logger(log), acceptor(io_context) {}

  asio::io_context& io;
  const Router& router;
  ServerLimits limits;
  Logger& logger;
  tcp::acceptor acceptor;
  std::atomic<bool> shutting_down{false};
  mutable std::mutex mutex;
  std::set<std::shared_ptr<Connection>> connections;

  asio::awaitable<void> accept_loop(std::shared_ptr<Impl> self);
  void forget(const std::shared_ptr<Connection>& connection) {
    const std::lock_guard lock(mutex);
    connections.erase(connection);
  }
};

// One client connection, on its own strand. Lifetime: owned by Impl::connections until run()
// ends; the shared_ptr keeps it alive for the posted shutdown notifications.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // reading: between the first byte of a request and its complete headers; a request in that
  // state is not in flight yet, so shutdown may drop it.
  enum class State { idle, reading, busy, streaming, websocket };

  Connection(tcp::socket socket, std::shared_ptr<Server::Impl> server)
      : executor_(socket.get_executor()),
        stream_(std::move(socket)),
        server_(std::move(server)),
        shutdown_signal_(executor_, Clock::time_point::max()) {
    beast::error_code ec;
    const auto remote = stream_.socket().remote_endpoint(ec);
    remote_address_ = ec ? std::string("unknown") : remote.address().to_string();
  }

  asio::awaitable<void> run();

  // Called from any thread; the work happens on this connection's strand.
  void notify_shutdown() {
    asio::post(executor_, [self = shared_from_this()] {
      self->shutdown_requested_ = true;
      self->shutdown_signal_.expires_at(Clock::time_point::min());  // wakes every waiter, now and later
      if (self->state_ == State::idle || self->state_ == State::reading) {
        self->close_socket();
      } else if (self->state_ == State::websocket) {
        self->request_websocket_close();
      }
    });
  }
  void force_close() {
    asio::post(executor_, [self = shared_from_this()] { self->close_socket(); });
  }

  // --- used by the streaming and WebSocket adapters ---
  beast::tcp_stream& stream() { return stream_; }
  [[nodiscard]] const asio::any_io_executor& executor() const { return executor_; }
  asio::steady_timer& shutdown_signal() { return shutdown_signal_; }
  [[nodiscard]] bool shutdown_requested() const { return shutdown_requested_; }
  [[nodiscard]] const ServerLimits& limits() const { return server_->limits; }

 private:
  void close_socket() {
    beast::error_code ignored;
    if (websocket_ != nullptr) {
      websocket_->next_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
      websocket_->next_layer().socket().close(ignored);
    } else {
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.socket().close(ignored);
    }
  }
  void request_websocket_close() {
    if (close_requester_) {
      close_requester_();
    }
  }

  asio::awaitable<bool> write_response(Response& response);
  asio::awaitable<void> write_problem_and_close(const Error& error, const std::string& request_id);
  asio::awaitable<bool> write_streaming(StreamingReply& reply, const std::string& request_id);
  asio::awaitable<void> run_websocket(WebSocketReply& reply, Request& request);
  void access_log(const Request* request, std::string_view method, std::string_view target,
                  unsigned status, Clock::time_point start, const std::string& request_id);

  asio::any_io_executor executor_;  // the strand; kept apart because stream_ moves into a WebSocket
  beast::tcp_stream stream_;
  std::shared_ptr<Server::Impl> server_;
  asio::steady_timer shutdown_signal_;
  std::string remote_address_;
  State state_ = State::idle;
  bool shutdown_requested_ = false;
  websocket::stream<beast::tcp_stream>* websocket_ = nullptr;
  std::function<void()> close_requester_;
};

namespace {

// Chunked response body; see ResponseStream.
class ChunkedWriter final : public ResponseStream {
 public:
  explicit ChunkedWriter(Connection& connection) : connection_(connection) {}

  asio::awaitable<bool> write(std::string_view chunk) override {
    if (failed_) {
      co_return false;
    }
    if (chunk.empty()) {
      co_return true;
    }
    // A client that stops reading is dropped after write_timeout (the expiry closes the socket).
    connection_.stream().expires_after(connection_.limits().write_timeout);
    auto [ec, written] = co_await asio::async_write(
        connection_.stream(), bhttp::make_chunk(asio::const_buffer(chunk.data(), chunk.size())),
        as_tuple);
    connection_.stream().expires_never();
    (void)written;
    failed_ = static_cast<bool>(ec);
    co_return !failed_;
  }

  asio::awaitable<void> wait_closed() override {
    auto& socket = connection_.stream().socket();
    for (;;) {
      if (failed_ || connection_.shutdown_requested()) {
        co_return;
      }
      auto result = co_await (socket.async_wait(tcp::socket::wait_read, as_tuple) ||
                              connection_.shutdown_signal().async_wait(as_tuple));
      if (result.index() == 1) {
        co_return;  // server shutdown
      }
      auto [ec] = std::get<0>(result);
      if (ec) {
        co_return;
      }
      // Readable during a streamed answer: either EOF (client gone) or bytes a client should not
      // send now, which are discarded.
      char scratch[1024];
      beast::error_code read_ec;
      const auto n = socket.read_some(asio::buffer(scratch), read_ec);
      if (read_ec || n == 0) {
        failed_ = true;
        co_return;
      }
    }
  }

  [[nodiscard]] bool failed() const { return failed_; }

 private:
  Connection& connection_;
  bool failed_ = false;
};

// A WebSocket session on top of the upgraded connection.
class WebSocketAdapter final : public WebSocketChannel {
 public:
  explicit WebSocketAdapter(websocket::stream<beast::tcp_stream>& ws) : ws_(ws) {}

  asio::awaitable<std::optional<WebSocketMessage>> read() override {
    if (closed_) {
      co_return std::nullopt;
    }
    beast::flat_buffer buffer;
    auto [ec, n] = co_await ws_.async_read(buffer, as_tuple);
    (void)n;
    if (ec) {
      closed_ = true;
      co_return std::nullopt;
    }
    co_return WebSocketMessage{!ws_.got_text(), beast::buffers_to_string(buffer.data())};
  }

  asio::awaitable<bool> send_text(std::string text) override {
    co_return co_await send(std::move(text), true);
  }
  asio::awaitable<bool> send_binary(std::string data) override {
    co_return co_await send(std::move(data), false);
  }

  asio::awaitable<void> close(unsigned short code, std::string reason) override {
    if (close_sent_ || closed_) {
      co_return;
    }
    if (writing_) {
      pending_close_ = code;
      co_return;
    }
    co_await send_close(code, std::move(reason));
  }

  // Server shutdown: a close frame now, or right after the write in progress.
  void request_close() {
    if (close_sent_ || closed_) {
      return;
    }
    if (writing_) {
      pending_close_ = websocket::close_code::going_away;
      return;
    }
    asio::co_spawn(ws_.get_executor(), send_close(websocket::close_code::going_away, "server shutdown"),
                   asio::detached);
  }

 private:
  asio::awaitable<bool> send(std::string data, bool text) {
    if (closed_ || close_sent_ || writing_) {
      // One writer at a time is the contract; a second concurrent writer is a bug in the
      // caller, answered with "gone" rather than corrupting the stream.
      co_return false;
    }
    writing_ = true;
    ws_.text(text);
    auto [ec, n] = co_await ws_.async_write(asio::buffer(data), as_tuple);
    (void)n;
    writing_ = false;
    if (ec) {
      closed_ = true;
      co_return false;
    }
    if (pending_close_) {
      const auto code = *pending_close_;
      pending_close_.reset();
      co_await send_close(code, "server shutdown");
      co_return false;
    }
    co_return true;
  }

  asio::awaitable<void> send_close(unsigned short code, std::string reason) {
    close_sent_ = true;
    websocket::close_reason why(static_cast<websocket::close_code>(code), reason);
    auto [ec] = co_await ws_.async_close(why, as_tuple);
    (void)ec;
  }

  websocket::stream<beast::tcp_stream>& ws_;
  bool writing_ = false;
  bool closed_ = false;
  bool close_sent_ = false;
  std::optional<unsigned short> pending_close_;
};

}  // namespace

void Connection::access_log(const Request* request, std::string_view method,
                            std::string_view target, unsigned status, Clock::time_point start,
                            const std::string& request_id) {
  const auto path = target.substr(0, target.find('?'));
  boost::json::object fields;
  fields["request_id"] = request_id;
  fields["method"] = method;
  fields["path"] = path;
  fields["status"] = status;
  fields["duration_ms"] =
      std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  fields["remote"] = remote_address_;
  if (request != nullptr) {
    fields["bytes_in"] = request->body().size();
  }
  server_->logger.info("request", std::move(fields));
}

asio::awaitable<bool> Connection::write_response(Response& response) {
  stream_.expires_after(server_->limits.write_timeout);
  auto [ec, n] = co_await bhttp::async_write(stream_, response, as_tuple);
  (void)n;
  co_return !ec;
}

asio::awaitable<void> Connection::write_problem_and_close(const Error& error,
                                                          const std::string& request_id) {
  auto response = problem_response(error, request_id);
  decorate(response, request_id);
  response.keep_alive(false);
  co_await write_response(response);
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<bool> Connection::write_streaming(StreamingReply& reply,
                                                  const std::string& request_id) {
  bhttp::response<bhttp::empty_body> head{reply.status, 11};
  head.set(bhttp::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) {
    head.set(name, value);
  }
  head.set("X-Request-Id", request_id);
  head.set(bhttp::field::server, "dokkerr");
  head.set("X-Content-Type-Options", "nosniff");
  head.set(bhttp::field::cache_control, "no-store");
  head.chunked(true);
  head.keep_alive(false);  // the connection ends with the stream
  bhttp::response_serializer<bhttp::empty_body> serializer{head};
  stream_.expires_after(server_->limits.write_timeout);
  auto [ec, n] = co_await bhttp::async_write_header(stream_, serializer, as_tuple);
  (void)n;
  stream_.expires_never();
  if (ec) {
    co_return false;
  }
  ChunkedWriter writer(*this);
  std::optional<std::string> failure_line;
  try {
    co_await reply.produce(writer);
  } catch (const Error& error) {
    // Headers are gone already: the failure becomes the last line of the stream.
    failure_line = boost::json::serialize(
        boost::json::object{{"error", error.detail()}, {"code", error.code()}});
  } catch (const std::exception& error) {
    server_->logger.error("stream failed", {{"request_id", request_id}, {"error", error.what()}});
    failure_line = R"({"error":"An internal error occurred.","code":"internal"})";
  }
  if (failure_line) {
    co_await writer.write(*failure_line + "\n");
  }
  if (!writer.failed()) {
    stream_.expires_after(server_->limits.write_timeout);
    auto [end_ec, end_n] = co_await asio::async_write(stream_, bhttp::make_chunk_last(), as_tuple);
    (void)end_n;
    (void)end_ec;
  }
  co_return true;
}

asio::awaitable<void> Connection::run_websocket(WebSocketReply& reply, Request& request) {
  websocket::stream<beast::tcp_stream> ws(std::move(stream_));
  ws.next_layer().expires_never();
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
    response.set(bhttp::field::server, "dokkerr");
  }));
  ws.read_message_max(server_->limits.max_websocket_message);
  websocket_ = &ws;
  auto [ec] = co_await ws.async_accept(request, as_tuple);
  if (ec) {
    websocket_ = nullptr;
    co_return;
  }
  WebSocketAdapter adapter(ws);
  state_ = State::websocket;
  close_requester_ = [&adapter] { adapter.request_close(); };
  if (shutdown_requested_) {
    adapter.request_close();
  }
  std::optional<std::string> failure;
  try {
    co_await reply.run(adapter);
  } catch (const Error& error) {
    failure = error.detail();
  } catch (const std::exception& error) {
    server_->logger.error("websocket handler failed", {{"error", error.what()}});
    failure = "internal error";
  }
  if (failure) {
    co_await adapter.close(websocket::close_code::internal_error, failure->substr(0, 120));
  } else {
    co_await adapter.close(websocket::close_code::normal, "");
  }
  // Let the peer's close frame arrive (bounded by the websocket timeouts), then drop.
  close_requester_ = nullptr;
  websocket_ = nullptr;
  beast::error_code ignored;
  ws.next_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
  ws.next_layer().socket().close(ignored);
}

asio::awaitable<void> Connection::run() {
  const auto& limits = server_->limits;
  beast::flat_buffer buffer(limits.max_header_bytes + 4096);
  for (;;) {
    state_ = State::idle;
    if (shutdown_requested_ || server_->shutting_down) {
      break;
    }
    if (buffer.size() == 0) {
      stream_.expires_after(limits.idle_timeout);
      auto [ec, n] = co_await stream_.async_read_some(buffer.prepare(4096), as_tuple);
      if (ec) {
        break;
      }
      buffer.commit(n);
    }
    state_ = State::reading;
    const auto start = Clock::now();
    auto request_id = random_hex(12);

    bhttp::request_parser<bhttp::empty_body> header_parser;
    header_parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    // The body limit depends on the route; Content-Length is checked against it below.
    header_parser.body_limit(boost::none);
    stream_.expires_after(limits.header_timeout);
    auto [header_ec, header_n] = co_await bhttp::async_read_header(stream_, buffer, header_parser, as_tuple);
    (void)header_n;
    if (header_ec) {
      if (header_ec == bhttp::error::header_limit || header_ec == bhttp::error::buffer_overflow) {
        co_await write_problem_and_close(
            Error(ErrorKind::headers_too_large, "headers_too_large",
                  "The request headers exceed " + std::to_string(limits.max_header_bytes) + " bytes."),
            request_id);
        access_log(nullptr, "-", "-", 431, start, request_id);
      } else if (header_ec == beast::error::timeout) {
        co_await write_problem_and_close(
            Error(ErrorKind::timeout, "request_timeout", "The request headers took too long."),
            request_id);
        access_log(nullptr, "-", "-", 408, start, request_id);
      } else if (header_ec != bhttp::error::end_of_stream && header_ec != asio::error::eof &&
                 header_ec != asio::error::connection_reset &&
                 header_ec != asio::error::operation_aborted) {
        co_await write_problem_and_close(
            Error::invalid("invalid_request", "The request is not valid HTTP/1.1."), request_id);
        access_log(nullptr, "-", "-", 400, start, request_id);
      }
      break;
    }

    state_ = State::busy;
    auto& head = header_parser.get();
    // Beast bounds one parse step, not the sum of many small fields; the sum is checked here.
    std::size_t header_bytes = head.method_string().size() + head.target().size() + 12;
    for (const auto& field : head) {
      header_bytes += field.name_string().size() + field.value().size() + 4;
    }
    if (header_bytes > limits.max_header_bytes) {
      co_await write_problem_and_close(
          Error(ErrorKind::headers_too_large, "headers_too_large",
                "The request headers exceed " + std::to_string(limits.max_header_bytes) + " bytes."),
          request_id);
      access_log(nullptr, "-", "-", 431, start, request_id);
      break;
    }
    if (const auto incoming = head["X-Request-Id"]; !incoming.empty()) {
      if (is_valid_request_id(std::string_view(incoming.data(), incoming.size()))) {
        request_id = std::string(incoming);
      }
    }
    const std::string method(head.method_string());
    const std::string target(head.target());
    const auto path = std::string_view(target).substr(0, target.find('?'));
    auto match = server_->router.match(head.method(), path);

    std::size_t body_limit = limits.max_body_bytes;
    if (match.route != nullptr && match.route->options.max_body_bytes) {
      body_limit = *match.route->options.max_body_bytes;
    }
    if (const auto length = header_parser.content_length(); length && *length > body_limit) {
      co_await write_problem_and_close(
          Error(ErrorKind::payload_too_large, "payload_too_large",
                "The request body exceeds " + std::to_string(body_limit) + " bytes."),
          request_id);
      access_log(nullptr, method, target, 413, start, request_id);
      break;
    }
    // Query and caller are settled from the headers alone, so a request that will be refused
    // never gets to send its body.
    const auto query_start = target.find('?');
    QueryParams query;
    std::shared_ptr<const Principal> principal;
    std::optional<Error> early_failure;
    try {
      if (query_start != std::string::npos) {
        query = parse_query(std::string_view(target).substr(query_start + 1));
      }
      if (match.route != nullptr && server_->router.guard()) {
        const auto header = [&head](auto field) {
          const auto value = head[field];
          return std::string_view(value.data(), value.size());
        };
        const GuardRequest guard_request{*match.route,
                                         header(bhttp::field::authorization),
                                         header("X-API-Key"),
                                         header(bhttp::field::user_agent),
                                         websocket::is_upgrade(head),
                                         query,
                                         match.params,
                                         remote_address_,
                                         request_id};
        principal = co_await server_->router.guard()(guard_request);
      }
    } catch (const Error& error) {
      early_failure = error;
    } catch (const std::exception& error) {
      early_failure = Error::internal_error(error.what());
    }
    if (early_failure) {
      co_await write_problem_and_close(*early_failure, request_id);
      access_log(nullptr, method, target, http_status(early_failure->kind()), start, request_id);
      break;
    }
    if (beast::iequals(head[bhttp::field::expect], "100-continue")) {
      Response go_on{Status::continue_, 11};
      co_await write_response(go_on);
    }
    bhttp::request_parser<bhttp::string_body> parser{std::move(header_parser)};
    parser.body_limit(body_limit);
    stream_.expires_after(limits.body_timeout);
    auto [body_ec, body_n] = co_await bhttp::async_read(stream_, buffer, parser, as_tuple);
    (void)body_n;
    stream_.expires_never();
    if (body_ec) {
      if (body_ec == bhttp::error::body_limit) {
        co_await write_problem_and_close(
            Error(ErrorKind::payload_too_large, "payload_too_large",
                  "The request body exceeds " + std::to_string(body_limit) + " bytes."),
            request_id);
        access_log(nullptr, method, target, 413, start, request_id);
      } else if (body_ec == beast::error::timeout) {
        co_await write_problem_and_close(
            Error(ErrorKind::timeout, "request_timeout", "The request body took too long."),
            request_id);
        access_log(nullptr, method, target, 408, start, request_id);
      }
      break;
    }
    Request request = parser.release();
    const bool keep_alive = request.keep_alive();

    std::optional<Reply> reply;
    std::optional<Error> failure;
    std::optional<RequestContext> context;
    try {
      if (match.route == nullptr) {
        if (match.path_known) {
          throw Error(ErrorKind::method_not_allowed, "method_not_allowed",
                      "This path does not accept " + method + ".");
        }
        throw not_found_route();
      }
      context.emplace(RequestContext{request, request_id, remote_address_, std::move(match.params),
                                     std::move(query), std::move(principal)});
      reply = co_await match.route->handler(*context);
    } catch (const Error& error) {
      failure = error;
    } catch (const std::exception& error) {
      failure = Error::internal_error(error.what());
    }
    if (context && server_->router.observer()) {
      unsigned status = failure ? http_status(failure->kind()) : 200;
      if (!failure) {
        if (const auto* done = std::get_if<Response>(&*reply)) status = done->result_int();
        if (const auto* streaming = std::get_if<StreamingReply>(&*reply)) {
          status = static_cast<unsigned>(streaming->status);
        }
        if (std::holds_alternative<WebSocketReply>(*reply)) status = 101;
      }
      try {
        co_await server_->router.observer()(*context, *match.route, status,
                                            failure ? &*failure : nullptr);
      } catch (const std::exception& error) {
        // The request's effect already happened; an observer failure must not turn it into an
        // error for the client, but it must be seen.
        server_->logger.error("request observer failed",
                              {{"request_id", request_id}, {"error", error.what()}});
      }
    }
    if (failure) {
      if (!failure->internal().empty() || failure->kind() == ErrorKind::internal) {
        server_->logger.error("request failed", {{"request_id", request_id},
                                                 {"code", failure->code()},
                                                 {"error", failure->internal().empty()
                                                               ? failure->detail()
                                                               : failure->internal()}});
      }
      reply = problem_response(*failure, request_id);
    }

    if (auto* response = std::get_if<Response>(&*reply)) {
      decorate(*response, request_id);
      const bool keep = keep_alive && !shutdown_requested_ && !server_->shutting_down;
      response->keep_alive(keep);
      response->version(11);
      const auto status = response->result_int();
      const bool written = co_await write_response(*response);
      access_log(&request, method, target, status, start, request_id);
      if (!written || !keep) {
        break;
      }
      continue;
    }
    if (auto* streaming = std::get_if<StreamingReply>(&*reply)) {
      state_ = State::streaming;
      co_await write_streaming(*streaming, request_id);
      access_log(&request, method, target, static_cast<unsigned>(streaming->status), start, request_id);
      break;
    }
    auto& upgrade = std::get<WebSocketReply>(*reply);
    if (!websocket::is_upgrade(request)) {
      auto response = problem_response(
          Error(ErrorKind::upgrade_required, "websocket_required",
                "This route speaks WebSocket only; send an Upgrade: websocket request."),
          request_id);
      decorate(response, request_id);
      response.set(bhttp::field::upgrade, "websocket");
      response.keep_alive(keep_alive);
      const bool written = co_await write_response(response);
      access_log(&request, method, target, 426, start, request_id);
      if (!written || !keep_alive) {
        break;
      }
      continue;
    }
    access_log(&request, method, target, 101, start, request_id);
    co_await run_websocket(upgrade, request);
    co_return;
  }
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

asio::awaitable<void> Server::Impl::accept_loop(std::shared_ptr<Impl> self) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io), as_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open() || shutting_down) {
        co_return;
      }
      logger.warn("accept failed", boost::json::object{{"error", ec.message()}});
      continue;
    }
    std::shared_ptr<Connection> connection;
    {
      const std::lock_guard lock(mutex);
      if (shutting_down) {
        // An accept that completed while shutdown began: never start what shutdown will not wait for.
        beast::error_code ignored;
        socket.close(ignored);
        co_return;
      }
      if (connections.size() >= limits.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
        logger.warn("connection refused: limit reached",
                    {{"max_connections", limits.max_connections}});
        continue;
      }
      connection = std::make_shared<Connection>(std::move(socket), self);
      connections.insert(connection);
    }
    asio::co_spawn(connection->executor(), connection->run(),
                   [self, connection](const std::exception_ptr& error) {
                     if (error) {
                       try {
                         std::rethrow_exception(error);
                       } catch (const std::exception& e) {
                         self->logger.error("connection failed", {{"error", e.what()}});
                       }
                     }
                     self->forget(connection);
                   });
  }
}

Server::Server(asio::io_context& io, const Router& router, ServerLimits limits, Logger& logger)
    : impl_(std::make_shared<Impl>(io, router, limits, logger)) {}

Server::~Server() {
  // Connections and Impl refer to each other; a connection whose coroutine never ran to its end
  // (the io_context stopped first) would otherwise keep both alive.
  const std::lock_guard lock(impl_->mutex);
  impl_->connections.clear();
}

tcp::endpoint Server::listen(const tcp::endpoint& endpoint) {
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen(asio::socket_base::max_listen_connections);
  return impl_->acceptor.local_endpoint();
}

void Server::start() {
  asio::co_spawn(impl_->io, impl_->accept_loop(impl_), asio::detached);
}

std::size_t Server::active_connections() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->connections.size();
}

asio::awaitable<void> Server::shutdown(std::chrono::milliseconds grace) {
  auto impl = impl_;
  impl->shutting_down = true;
  asio::post(impl->acceptor.get_executor(), [impl] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  auto snapshot = [impl] {
    const std::lock_guard lock(impl->mutex);
    return std::vector<std::shared_ptr<Connection>>(impl->connections.begin(),
                                                    impl->connections.end());
  };
  for (const auto& connection : snapshot()) {
    connection->notify_shutdown();
  }
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = Clock::now() + grace;
  // Polling with a deadline: connections end on their own strands.
  while (active_connections() > 0 && Clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(as_tuple);
  }
  for (const auto& connection : snapshot()) {
    connection->force_close();
  }
  const auto hard_deadline = Clock::now() + std::chrono::seconds(2);
  while (active_connections() > 0 && Clock::now() < hard_deadline) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(as_tuple);
  }
}

}  // namespace dokkerr::http
