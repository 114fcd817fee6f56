#include "http/server.hpp"

#include "core/error.hpp"
#include "core/logger.hpp"
#include "http/pipeline.hpp"
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
using SteadyClock = std::chrono::steady_clock;

using RequestParser = bhttp::request_parser<bhttp::string_body>;

// What every answer carries, whatever produced it.
template <typename Message>
void decorate(Message& message, const Exchange& exchange) {
  message.set("X-Request-Id", exchange.context.request_id);
  message.set(bhttp::field::server, "dokkerr");
  message.set("X-Content-Type-Options", "nosniff");
  message.set(bhttp::field::cache_control, "no-store");
  for (const auto& [name, value] : exchange.response_headers) message.set(name, value);
}

Error headers_too_large(std::size_t limit) {
  return {ErrorKind::headers_too_large, "headers_too_large",
          "The request headers exceed " + std::to_string(limit) + " bytes."};
}

unsigned status_of(const Reply& reply) {
  if (const auto* response = std::get_if<Response>(&reply)) return response->result_int();
  if (const auto* streaming = std::get_if<StreamingReply>(&reply)) return static_cast<unsigned>(streaming->status);
  return 101;
}

}  // namespace

class Connection;

struct Server::Impl {
  Impl(asio::io_context& io_context, const Pipeline& p, ServerLimits l, Logger& log)
      : io(io_context), pipeline(p), limits(l), logger(log), acceptor(io_context) {}

  asio::io_context& io;
  const Pipeline& pipeline;
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
        shutdown_signal_(executor_, SteadyClock::time_point::max()) {
    beast::error_code ec;
    const auto remote = stream_.socket().remote_endpoint(ec);
    remote_address_ = ec ? std::string("unknown") : remote.address().to_string();
  }

  asio::awaitable<void> run();

  // Called from any thread; the work happens on this connection's strand.
  void notify_shutdown() {
    asio::post(executor_, [self = shared_from_this()] {
      self->shutdown_requested_ = true;
      self->shutdown_signal_.expires_at(SteadyClock::time_point::min());  // wakes every waiter, now and later
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

  // How a connection goes on after an answer.
  enum class Next { keep_alive, close, upgraded };
  // How a read ended: complete, refused with an answer (exchange.failure), or the client left.
  enum class ReadResult { complete, refused, gone };

  // Waits for the first byte of the next request (idle timeout); false when the connection ends.
  asio::awaitable<bool> await_request(beast::flat_buffer& buffer);
  // One request, from its first byte to the end of its answer.
  asio::awaitable<Next> serve(beast::flat_buffer& buffer);
  asio::awaitable<ReadResult> read_head(Exchange& exchange, RequestParser& parser,
                                        beast::flat_buffer& buffer);
  asio::awaitable<ReadResult> read_body(Exchange& exchange, RequestParser& parser,
                                        beast::flat_buffer& buffer);
  // The one exit path: the observer, the answer (or the failure as problem+json), the access log.
  asio::awaitable<Next> respond(Exchange& exchange, std::optional<Reply> reply, bool body_read,
                                SteadyClock::time_point started);
  asio::awaitable<Next> respond_complete(Exchange& exchange, Response& response, bool keep_possible);
  asio::awaitable<bool> write_response(Response& response);
  asio::awaitable<void> write_streaming(StreamingReply& reply, const Exchange& exchange);
  asio::awaitable<void> run_websocket(WebSocketReply& reply, Request& request);
  void log_failure(const Exchange& exchange);
  void access_log(const Exchange& exchange, bool body_read, SteadyClock::time_point started);

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

asio::awaitable<void> Connection::write_streaming(StreamingReply& reply, const Exchange& exchange) {
  bhttp::response<bhttp::empty_body> head{reply.status, 11};
  head.set(bhttp::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) {
    head.set(name, value);
  }
  decorate(head, exchange);
  head.chunked(true);
  head.keep_alive(false);  // the connection ends with the stream
  bhttp::response_serializer<bhttp::empty_body> serializer{head};
  stream_.expires_after(server_->limits.write_timeout);
  auto [ec, n] = co_await bhttp::async_write_header(stream_, serializer, as_tuple);
  (void)n;
  stream_.expires_never();
  if (ec) {
    co_return;
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
    server_->logger.error("stream failed", {{"request_id", exchange.context.request_id}, {"error", error.what()}});
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
  beast::flat_buffer buffer(server_->limits.max_header_bytes + 4096);
  auto next = Next::keep_alive;
  while (next == Next::keep_alive) {
    // One co_await per statement: GCC 12 mishandles co_await inside a compound condition.
    const bool arrived = co_await await_request(buffer);
    if (!arrived) break;
    next = co_await serve(buffer);
  }
  if (next != Next::upgraded) close_socket();
}

asio::awaitable<bool> Connection::await_request(beast::flat_buffer& buffer) {
  state_ = State::idle;
  if (shutdown_requested_ || server_->shutting_down) co_return false;
  if (buffer.size() > 0) co_return true;  // a pipelined request is already here
  stream_.expires_after(server_->limits.idle_timeout);
  auto [ec, n] = co_await stream_.async_read_some(buffer.prepare(4096), as_tuple);
  if (ec) co_return false;
  buffer.commit(n);
  co_return true;
}

asio::awaitable<Connection::Next> Connection::serve(beast::flat_buffer& buffer) {
  state_ = State::reading;
  const auto started = SteadyClock::now();
  RequestParser parser;
  Exchange exchange(parser.get(), remote_address_);
  const auto head = co_await read_head(exchange, parser, buffer);
  if (head == ReadResult::gone) co_return Next::close;
  state_ = State::busy;
  std::optional<Reply> reply;
  bool body_read = false;
  bool admitted = false;
  if (head == ReadResult::complete) admitted = co_await server_->pipeline.before_body(exchange);
  if (admitted) {
    const auto body = co_await read_body(exchange, parser, buffer);
    if (body == ReadResult::gone) co_return Next::close;  // the client left mid-body
    body_read = body == ReadResult::complete;
    if (body_read) reply = co_await server_->pipeline.dispatch(exchange);
  }
  co_return co_await respond(exchange, std::move(reply), body_read, started);
}

asio::awaitable<Connection::ReadResult> Connection::read_head(Exchange& exchange,
                                                              RequestParser& parser,
                                                              beast::flat_buffer& buffer) {
  const auto& limits = server_->limits;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  // The body limit depends on the route; the body-limit stage checks Content-Length against it.
  parser.body_limit(boost::none);
  stream_.expires_after(limits.header_timeout);
  auto [ec, n] = co_await bhttp::async_read_header(stream_, buffer, parser, as_tuple);
  (void)n;
  if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
    co_return ReadResult::gone;
  }
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow ||
      (!ec && header_bytes(parser.get()) > limits.max_header_bytes)) {
    exchange.failure = headers_too_large(limits.max_header_bytes);
  } else if (ec == beast::error::timeout) {
    exchange.failure = Error(ErrorKind::timeout, "request_timeout", "The request headers took too long.");
  } else if (ec) {
    exchange.failure = Error::invalid("invalid_request", "The request is not valid HTTP/1.1.");
  }
  if (exchange.failure) co_return ReadResult::refused;
  if (const auto length = parser.content_length()) exchange.content_length = *length;
  exchange.stage = StageName::request_id;
  co_return ReadResult::complete;
}

asio::awaitable<Connection::ReadResult> Connection::read_body(Exchange& exchange,
                                                              RequestParser& parser,
                                                              beast::flat_buffer& buffer) {
  exchange.stage = StageName::body;
  if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
    Response go_on{Status::continue_, 11};
    co_await write_response(go_on);
  }
  parser.body_limit(exchange.body_limit);
  stream_.expires_after(server_->limits.body_timeout);
  auto [ec, n] = co_await bhttp::async_read(stream_, buffer, parser, as_tuple);
  (void)n;
  stream_.expires_never();
  if (ec == bhttp::error::body_limit) {
    exchange.failure = Error(ErrorKind::payload_too_large, "payload_too_large",
                             "The request body exceeds " + std::to_string(exchange.body_limit) + " bytes.");
  } else if (ec == beast::error::timeout) {
    exchange.failure = Error(ErrorKind::timeout, "request_timeout", "The request body took too long.");
  }
  if (exchange.failure) co_return ReadResult::refused;
  co_return ec ? ReadResult::gone : ReadResult::complete;
}

asio::awaitable<Connection::Next> Connection::respond(Exchange& exchange, std::optional<Reply> reply,
                                                      bool body_read, SteadyClock::time_point started) {
  if (reply && std::holds_alternative<WebSocketReply>(*reply) &&
      !websocket::is_upgrade(exchange.context.request)) {
    exchange.failure = Error(ErrorKind::upgrade_required, "websocket_required",
                             "This route speaks WebSocket only; send an Upgrade: websocket request.");
  }
  if (exchange.failure) {
    log_failure(exchange);
    reply = problem_response(*exchange.failure, exchange.context.request_id);
  }
  exchange.status = status_of(*reply);
  co_await server_->pipeline.observe(exchange);
  auto next = Next::close;
  if (auto* response = std::get_if<Response>(&*reply)) {
    if (exchange.status == 426) response->set(bhttp::field::upgrade, "websocket");
    next = co_await respond_complete(exchange, *response, body_read);
    access_log(exchange, body_read, started);
  } else if (auto* streaming = std::get_if<StreamingReply>(&*reply)) {
    state_ = State::streaming;
    co_await write_streaming(*streaming, exchange);
    access_log(exchange, body_read, started);
  } else {
    access_log(exchange, body_read, started);
    co_await run_websocket(std::get<WebSocketReply>(*reply), exchange.context.request);
    next = Next::upgraded;
  }
  co_return next;
}

asio::awaitable<Connection::Next> Connection::respond_complete(Exchange& exchange, Response& response,
                                                               bool keep_possible) {
  decorate(response, exchange);
  // A request refused before its body was read leaves that body unread: the connection ends.
  const bool keep = keep_possible && exchange.context.request.keep_alive() && !shutdown_requested_ &&
                    !server_->shutting_down;
  response.keep_alive(keep);
  response.version(11);
  const bool written = co_await write_response(response);
  if (!keep_possible) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
  co_return written && keep ? Next::keep_alive : Next::close;
}

void Connection::log_failure(const Exchange& exchange) {
  const auto& failure = *exchange.failure;
  if (failure.internal().empty() && failure.kind() != ErrorKind::internal) return;
  server_->logger.error("request failed",
                        {{"request_id", exchange.context.request_id},
                         {"code", failure.code()},
                         {"error", failure.internal().empty() ? failure.detail() : failure.internal()}});
}

void Connection::access_log(const Exchange& exchange, bool body_read, SteadyClock::time_point started) {
  const bool has_head = exchange.stage != StageName::head;
  const auto target = has_head ? exchange.target() : std::string_view("-");
  boost::json::object fields;
  fields["request_id"] = exchange.context.request_id;
  fields["method"] = has_head ? exchange.method() : std::string_view("-");
  fields["path"] = target.substr(0, target.find('?'));
  fields["status"] = exchange.status;
  fields["duration_ms"] = std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count();
  fields["remote"] = remote_address_;
  if (body_read) fields["bytes_in"] = exchange.context.request.body().size();
  server_->logger.info("request", std::move(fields));
}

asio::awaitable<bool> Connection::write_response(Response& response) {
  stream_.expires_after(server_->limits.write_timeout);
  auto [ec, n] = co_await bhttp::async_write(stream_, response, as_tuple);
  (void)n;
  co_return !ec;
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

Server::Server(asio::io_context& io, const Pipeline& pipeline, ServerLimits limits, Logger& logger)
    : impl_(std::make_shared<Impl>(io, pipeline, limits, logger)) {}

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
  const auto deadline = SteadyClock::now() + grace;
  // Polling with a deadline: connections end on their own strands.
  while (active_connections() > 0 && SteadyClock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(as_tuple);
  }
  for (const auto& connection : snapshot()) {
    connection->force_close();
  }
  const auto hard_deadline = SteadyClock::now() + std::chrono::seconds(2);
  while (active_connections() > 0 && SteadyClock::now() < hard_deadline) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(as_tuple);
  }
}

}  // namespace dokkerr::http
