#include "http/server.hpp"

#include "core/error.hpp"
#include "core/logger.hpp"
#include "http/pipeline.hpp"
#include "http/problem.hpp"
#include "http/request_metrics.hpp"
#include "http/stream_guard.hpp"
#include "http/tls.hpp"
#include "http/transform.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <type_traits>
#include <unordered_map>

namespace dokkerr::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);
// How long a WebSocket whose caller lost access may take to answer our close frame.
constexpr std::chrono::milliseconds kWithdrawnCloseGrace{500};
using SteadyClock = std::chrono::steady_clock;

using RequestParser = bhttp::request_parser<bhttp::string_body>;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
template <typename Stream>
inline constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

// A year, without includeSubDomains: the server cannot know what else runs under its domain.
constexpr const char* kStrictTransportSecurity = "max-age=31536000";

// API answers are data, never a page: nothing may frame, run or load from them. A handler that
// serves a page sets its own Content-Security-Policy, which is kept.
constexpr const char* kApiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

// What every answer carries, whatever produced it.
template <typename Message>
void decorate(Message& message, const Exchange& exchange, bool over_tls) {
  message.set("X-Request-Id", exchange.context.request_id);
  if (over_tls) message.set(bhttp::field::strict_transport_security, kStrictTransportSecurity);
  message.set(bhttp::field::server, "dokkerr");
  message.set("X-Content-Type-Options", "nosniff");
  message.set("Referrer-Policy", "no-referrer");
  message.set("X-Frame-Options", "DENY");
  if (message.find("Content-Security-Policy") == message.end()) {
    message.set("Content-Security-Policy", kApiContentSecurityPolicy);
  }
  // Answers are private to their caller unless the handler says otherwise (the web UI's files).
  if (message.find(bhttp::field::cache_control) == message.end()) {
    message.set(bhttp::field::cache_control, "no-store");
  }
  for (const auto& [name, value] : exchange.response_headers) message.set(name, value);
}

Error headers_too_large(std::size_t limit) {
  return {ErrorKind::headers_too_large, "headers_too_large",
          "The request headers exceed " + std::to_string(limit) + " bytes."};
}

unsigned status_of(const Reply& reply) {
  if (const auto* response = std::get_if<Response>(&reply)) return response->result_int();
  if (const auto* streaming = std::get_if<StreamingReply>(&reply))
    return static_cast<unsigned>(streaming->status);
  return 101;
}

}  // namespace

// What the server keeps of a connection, whatever its transport.
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  virtual void notify_shutdown() = 0;
  virtual void force_close() = 0;
  [[nodiscard]] virtual const std::string& remote_address() const = 0;
};

struct Server::Impl {
  Impl(asio::io_context& io_context, const Pipeline& p, ServerLimits l, Logger& log,
       const TlsCredentials* credentials)
      : io(io_context),
        pipeline(p),
        limits(l),
        logger(log),
        tls(credentials),
        acceptor(io_context) {}

  asio::io_context& io;
  const Pipeline& pipeline;
  ServerLimits limits;
  Logger& logger;
  const TlsCredentials* tls;  // null: plain HTTP
  StreamGuard* stream_guard = nullptr;
  RequestMetrics* request_metrics = nullptr;
  tcp::acceptor acceptor;
  std::atomic<bool> shutting_down{false};
  mutable std::mutex mutex;
  std::set<std::shared_ptr<ConnectionBase>> connections;
  std::unordered_map<std::string, std::size_t> connections_per_address;

  asio::awaitable<void> accept_loop(std::shared_ptr<Impl> self);
  // Admits a new connection unless a limit is reached; false when it must be refused.
  bool admit(const std::string& address);
  // Registers a connection (under the lock); the returned function starts it.
  template <typename Stream>
  std::function<void()> add_connection(std::shared_ptr<Impl> self, tcp::socket socket,
                                       const std::string& address);
  void forget(const std::shared_ptr<ConnectionBase>& connection) {
    const std::lock_guard lock(mutex);
    if (connections.erase(connection) == 0) return;
    const auto entry = connections_per_address.find(connection->remote_address());
    if (entry != connections_per_address.end() && --entry->second == 0) {
      connections_per_address.erase(entry);
    }
  }
};

// How a connection goes on after an answer.
enum class Next { keep_alive, close, upgraded };
// How a read ended: complete, refused with an answer (exchange.failure), or the client left.
enum class ReadResult { complete, refused, gone };
// reading: between the first byte of a request and its complete headers; a request in that
// state is not in flight yet, so shutdown may drop it.
enum class ConnectionState { idle, reading, busy, streaming, websocket };

// One client connection, on its own strand, over plain TCP or TLS. Lifetime: owned by
// Impl::connections until run() ends; the shared_ptr keeps it alive for the posted shutdown
// notifications.
template <typename Stream>
class Connection final : public ConnectionBase,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  using WebSocket = websocket::stream<Stream>;

  Connection(tcp::socket socket, std::shared_ptr<Server::Impl> server, std::string remote_address)
      : executor_(socket.get_executor()),
        tls_context_(kIsTls<Stream> ? server->tls->context() : nullptr),
        stream_(make_stream(std::move(socket), tls_context_.get())),
        server_(std::move(server)),
        shutdown_signal_(executor_, SteadyClock::time_point::max()),
        remote_address_(std::move(remote_address)) {}

  asio::awaitable<void> run();

  // Called from any thread; the work happens on this connection's strand.
  void notify_shutdown() override {
    asio::post(executor_, [self = this->shared_from_this()] {
      self->shutdown_requested_ = true;
      self->shutdown_signal_.expires_at(
          SteadyClock::time_point::min());  // wakes every waiter, now and later
      if (self->state_ == ConnectionState::idle || self->state_ == ConnectionState::reading) {
        self->close_socket();
      } else if (self->state_ == ConnectionState::websocket) {
        self->request_websocket_close();
      }
    });
  }
  void force_close() override {
    asio::post(executor_, [self = this->shared_from_this()] { self->close_socket(); });
  }
  // The caller lost the access its stream was opened with (http/stream_guard.hpp): a WebSocket
  // gets close 1008 and, whatever the peer does, loses its socket a moment later; a chunked
  // stream loses its socket now. Either way nothing more the client sends reaches the handler.
  void end_for_withdrawn_access() {
    asio::post(executor_, [self = this->shared_from_this()] {
      if (self->state_ != ConnectionState::websocket || !self->close_requester_) {
        self->close_socket();
        return;
      }
      self->close_requester_(websocket::close_code::policy_error, "access withdrawn");
      auto timer = std::make_shared<asio::steady_timer>(self->executor_, kWithdrawnCloseGrace);
      timer->async_wait([self, timer](const boost::system::error_code&) { self->close_socket(); });
    });
  }
  [[nodiscard]] const std::string& remote_address() const override { return remote_address_; }

  // --- used by the streaming and WebSocket adapters ---
  Stream& stream() { return stream_; }
  beast::tcp_stream& transport() { return beast::get_lowest_layer(stream_); }
  [[nodiscard]] const asio::any_io_executor& executor() const { return executor_; }
  asio::steady_timer& shutdown_signal() { return shutdown_signal_; }
  [[nodiscard]] bool shutdown_requested() const { return shutdown_requested_; }
  [[nodiscard]] const ServerLimits& limits() const { return server_->limits; }

 private:
  static Stream make_stream(tcp::socket socket, asio::ssl::context* context) {
    if constexpr (kIsTls<Stream>) {
      return Stream(std::move(socket), *context);
    } else {
      (void)context;
      return Stream(std::move(socket));
    }
  }

  void close_socket() {
    beast::error_code ignored;
    auto& socket = websocket_ != nullptr ? beast::get_lowest_layer(*websocket_).socket()
                                         : transport().socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
  void request_websocket_close() {
    if (close_requester_) {
      close_requester_(websocket::close_code::going_away, "server shutdown");
    }
  }

  // The TLS handshake, bounded like a request head; false when it failed.
  asio::awaitable<bool> handshake();
  // Ends the connection: a TLS close_notify (bounded) first, then the socket.
  asio::awaitable<void> finish();
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
  asio::awaitable<Next> respond_complete(Exchange& exchange, Response& response,
                                         bool keep_possible);
  asio::awaitable<bool> write_response(Response& response);
  asio::awaitable<void> write_streaming(StreamingReply& reply, const Exchange& exchange);
  asio::awaitable<void> run_websocket(WebSocketReply& reply, Request& request);
  // The stream guard's watch over this request's stream, while it lasts (null when unguarded).
  std::shared_ptr<const void> guard_stream(const Exchange& exchange);
  void log_failure(const Exchange& exchange);
  void access_log(const Exchange& exchange, bool body_read, SteadyClock::time_point started);

  asio::any_io_executor executor_;  // the strand; kept apart because stream_ moves into a WebSocket
  // The TLS context this connection was accepted with; a reload gives new connections another.
  std::shared_ptr<asio::ssl::context> tls_context_;
  Stream stream_;
  std::shared_ptr<Server::Impl> server_;
  asio::steady_timer shutdown_signal_;
  std::string remote_address_;
  ConnectionState state_ = ConnectionState::idle;
  bool shutdown_requested_ = false;
  std::optional<std::uint64_t> streamed_in_;  // bytes of a streamed body, for the access log
  WebSocket* websocket_ = nullptr;
  std::function<void(websocket::close_code, std::string)> close_requester_;
};

namespace {

// Chunked response body; see ResponseStream.
template <typename Connection>
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
    connection_.transport().expires_after(connection_.limits().write_timeout);
    auto [ec, written] = co_await asio::async_write(
        connection_.stream(), bhttp::make_chunk(asio::const_buffer(chunk.data(), chunk.size())),
        as_tuple);
    connection_.transport().expires_never();
    (void)written;
    failed_ = static_cast<bool>(ec);
    co_return !failed_;
  }

  asio::awaitable<void> wait_closed() override {
    for (;;) {
      if (failed_ || connection_.shutdown_requested()) {
        co_return;
      }
      // Read through the stream (TLS records must be decrypted, not peeked at): either EOF
      // (client gone) or bytes a client should not send now, which are discarded.
      char scratch[1024];
      auto result =
          co_await (connection_.stream().async_read_some(asio::buffer(scratch), as_tuple) ||
                    connection_.shutdown_signal().async_wait(as_tuple));
      if (result.index() == 1) {
        co_return;  // server shutdown
      }
      auto [ec, n] = std::get<0>(result);
      if (ec == asio::error::operation_aborted) {
        co_return;  // the producer finished and stopped waiting: the stream is still good
      }
      if (ec || n == 0) {
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

// The body of a request whose route streams it (RouteOptions::streams_body), read as the
// handler asks for it. Built from the parser that read the head: Beast moves a parser to another
// body type once its header is complete and before any body byte.
template <typename Connection>
class StreamedBody final : public RequestBody {
 public:
  static constexpr std::size_t kPiece = 256 * 1024;

  StreamedBody(Connection& connection, RequestParser& head_parser, beast::flat_buffer& buffer,
               std::size_t limit)
      : connection_(connection),
        parser_(std::move(head_parser)),
        buffer_(buffer),
        limit_(limit),
        piece_(kPiece, '\0') {
    // The request the exchange refers to lives in the moved-from parser: its head stays there.
    head_parser.get().base() = parser_.get().base();
    parser_.body_limit(limit);
    if (const auto length = parser_.content_length()) declared_ = *length;
  }

  asio::awaitable<std::string_view> read() override {
    if (parser_.is_done()) co_return std::string_view();
    if (!continued_) {
      continued_ = true;
      if (beast::iequals(parser_.get()[bhttp::field::expect], "100-continue")) {
        bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, 11};
        connection_.transport().expires_after(connection_.limits().write_timeout);
        auto [ec, n] = co_await bhttp::async_write(connection_.stream(), go_on, as_tuple);
        (void)n;
        if (ec) throw incomplete();
      }
    }
    auto& body = parser_.get().body();
    body.data = piece_.data();
    body.size = piece_.size();
    body.more = true;
    // The body timeout bounds each piece: a large upload may take long, a stalled one may not.
    connection_.transport().expires_after(connection_.limits().body_timeout);
    auto [ec, n] = co_await bhttp::async_read(connection_.stream(), buffer_, parser_, as_tuple);
    (void)n;
    connection_.transport().expires_never();
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec == bhttp::error::body_limit) {
      throw Error(ErrorKind::payload_too_large, "payload_too_large",
                  "The request body exceeds " + std::to_string(limit_) + " bytes.");
    }
    if (ec == beast::error::timeout) {
      throw Error(ErrorKind::timeout, "request_timeout", "The request body took too long.");
    }
    if (ec) throw incomplete();
    const std::size_t got = piece_.size() - body.size;
    received_ += got;
    if (got == 0 && !parser_.is_done()) throw incomplete();
    co_return std::string_view(piece_.data(), got);
  }

  [[nodiscard]] std::optional<std::uint64_t> declared_length() const override { return declared_; }
  [[nodiscard]] bool complete() const { return parser_.is_done(); }
  [[nodiscard]] std::uint64_t received() const { return received_; }

 private:
  static Error incomplete() {
    return Error::invalid("request_body_incomplete",
                          "The request body ended before it was complete.");
  }

  Connection& connection_;
  bhttp::request_parser<bhttp::buffer_body> parser_;
  beast::flat_buffer& buffer_;
  std::size_t limit_;
  std::string piece_;
  std::optional<std::uint64_t> declared_;
  std::uint64_t received_ = 0;
  bool continued_ = false;
};

// A WebSocket session on top of the upgraded connection.
template <typename WebSocket>
class WebSocketAdapter final : public WebSocketChannel {
 public:
  explicit WebSocketAdapter(WebSocket& ws) : ws_(ws) {}

  asio::awaitable<std::optional<WebSocketMessage>> read() override {
    if (closed_) {
      co_return std::nullopt;
    }
    beast::flat_buffer buffer;
    auto [ec, n] = co_await ws_.async_read(buffer, as_tuple);
    (void)n;
    if (ec || closing_) {
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

  // From outside the handler (server shutdown, access withdrawn): a close frame now, or right
  // after the write in progress. What the peer sends from then on is not read any more.
  void request_close(websocket::close_code code, std::string reason) {
    if (close_sent_ || closed_) {
      return;
    }
    closing_ = true;
    if (writing_) {
      pending_close_ = code;
      pending_reason_ = std::move(reason);
      return;
    }
    asio::co_spawn(ws_.get_executor(), send_close(code, std::move(reason)), asio::detached);
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
      co_await send_close(code, std::exchange(pending_reason_, "server shutdown"));
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

  WebSocket& ws_;
  bool writing_ = false;
  bool closed_ = false;
  bool close_sent_ = false;
  bool closing_ = false;  // a close was requested from outside the handler
  std::optional<unsigned short> pending_close_;
  std::string pending_reason_ = "server shutdown";
};

}  // namespace

template <typename Stream>
asio::awaitable<void> Connection<Stream>::write_streaming(StreamingReply& reply,
                                                          const Exchange& exchange) {
  bhttp::response<bhttp::empty_body> head{reply.status, 11};
  head.set(bhttp::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) {
    head.set(name, value);
  }
  decorate(head, exchange, kIsTls<Stream>);
  head.chunked(true);
  head.keep_alive(false);  // the connection ends with the stream
  bhttp::response_serializer<bhttp::empty_body> serializer{head};
  transport().expires_after(server_->limits.write_timeout);
  auto [ec, n] = co_await bhttp::async_write_header(stream_, serializer, as_tuple);
  (void)n;
  transport().expires_never();
  if (ec) {
    co_return;
  }
  ChunkedWriter<Connection> writer(*this);
  std::optional<std::string> failure_line;
  try {
    co_await reply.produce(writer);
  } catch (const Error& error) {
    // Headers are gone already: the failure becomes the last line of the stream.
    failure_line = boost::json::serialize(
        boost::json::object{{"error", error.detail()}, {"code", error.code()}});
  } catch (const std::exception& error) {
    server_->logger.error("stream failed",
                          {{"request_id", exchange.context.request_id}, {"error", error.what()}});
    failure_line = R"({"error":"An internal error occurred.","code":"internal"})";
  }
  if (failure_line) {
    co_await writer.write(*failure_line + "\n");
  }
  if (!writer.failed()) {
    transport().expires_after(server_->limits.write_timeout);
    auto [end_ec, end_n] = co_await asio::async_write(stream_, bhttp::make_chunk_last(), as_tuple);
    (void)end_n;
    (void)end_ec;
  }
}

template <typename Stream>
asio::awaitable<void> Connection<Stream>::run_websocket(WebSocketReply& reply, Request& request) {
  WebSocket ws(std::move(stream_));
  beast::get_lowest_layer(ws).expires_never();
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
    response.set(bhttp::field::server, "dokkerr");
    if (kIsTls<Stream>)
      response.set(bhttp::field::strict_transport_security, kStrictTransportSecurity);
  }));
  ws.read_message_max(server_->limits.max_websocket_message);
  websocket_ = &ws;
  auto [ec] = co_await ws.async_accept(request, as_tuple);
  if (ec) {
    websocket_ = nullptr;
    co_return;
  }
  WebSocketAdapter<WebSocket> adapter(ws);
  state_ = ConnectionState::websocket;
  close_requester_ = [&adapter](websocket::close_code code, std::string reason) {
    adapter.request_close(code, std::move(reason));
  };
  if (shutdown_requested_) {
    adapter.request_close(websocket::close_code::going_away, "server shutdown");
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
  beast::get_lowest_layer(ws).socket().shutdown(tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws).socket().close(ignored);
}

template <typename Stream>
asio::awaitable<void> Connection<Stream>::run() {
  if constexpr (kIsTls<Stream>) {
    const bool secured = co_await handshake();
    if (!secured) {
      close_socket();
      co_return;
    }
  }
  beast::flat_buffer buffer(server_->limits.max_header_bytes + 4096);
  auto next = Next::keep_alive;
  while (next == Next::keep_alive) {
    // One co_await per statement: GCC 12 mishandles co_await inside a compound condition.
    const bool arrived = co_await await_request(buffer);
    if (!arrived) break;
    next = co_await serve(buffer);
  }
  if (next != Next::upgraded) co_await finish();
}

template <typename Stream>
asio::awaitable<bool> Connection<Stream>::handshake() {
  transport().expires_after(server_->limits.header_timeout);
  auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, as_tuple);
  transport().expires_never();
  co_return !ec;
}

template <typename Stream>
asio::awaitable<void> Connection<Stream>::finish() {
  if constexpr (kIsTls<Stream>) {
    if (transport().socket().is_open()) {
      // close_notify tells the client the answer is complete; a client that does not answer
      // it is not waited for long.
      transport().expires_after(std::chrono::seconds(1));
      auto [ec] = co_await stream_.async_shutdown(as_tuple);
      (void)ec;
    }
  }
  close_socket();
}

template <typename Stream>
asio::awaitable<bool> Connection<Stream>::await_request(beast::flat_buffer& buffer) {
  state_ = ConnectionState::idle;
  if (shutdown_requested_ || server_->shutting_down) co_return false;
  if (buffer.size() > 0) co_return true;  // a pipelined request is already here
  transport().expires_after(server_->limits.idle_timeout);
  auto [ec, n] = co_await stream_.async_read_some(buffer.prepare(4096), as_tuple);
  if (ec) co_return false;
  buffer.commit(n);
  co_return true;
}

template <typename Stream>
asio::awaitable<Next> Connection<Stream>::serve(beast::flat_buffer& buffer) {
  state_ = ConnectionState::reading;
  const auto started = SteadyClock::now();
  RequestParser parser;
  Exchange exchange(parser.get(), remote_address_);
  const auto head = co_await read_head(exchange, parser, buffer);
  if (head == ReadResult::gone) co_return Next::close;
  state_ = ConnectionState::busy;
  std::optional<Reply> reply;
  bool body_read = false;
  bool admitted = false;
  if (head == ReadResult::complete) admitted = co_await server_->pipeline.before_body(exchange);
  if (exchange.early_answer) reply = std::move(*exchange.early_answer);
  if (admitted && exchange.route != nullptr && exchange.route->options.streamed_body) {
    // The handler reads the body; the connection is kept only when it read all of it.
    StreamedBody<Connection> body(*this, parser, buffer, exchange.body_limit);
    exchange.stage = StageName::body;
    exchange.context.body = &body;
    reply = co_await server_->pipeline.dispatch(exchange);
    exchange.context.body = nullptr;
    streamed_in_ = body.received();
    co_return co_await respond(exchange, std::move(reply), body.complete(), started);
  }
  if (admitted) {
    const auto body = co_await read_body(exchange, parser, buffer);
    if (body == ReadResult::gone) co_return Next::close;  // the client left mid-body
    body_read = body == ReadResult::complete;
    if (body_read) reply = co_await server_->pipeline.dispatch(exchange);
  }
  co_return co_await respond(exchange, std::move(reply), body_read, started);
}

template <typename Stream>
asio::awaitable<ReadResult> Connection<Stream>::read_head(Exchange& exchange, RequestParser& parser,
                                                          beast::flat_buffer& buffer) {
  const auto& limits = server_->limits;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  // The body limit depends on the route; the body-limit stage checks Content-Length against it.
  parser.body_limit(boost::none);
  transport().expires_after(limits.header_timeout);
  auto [ec, n] = co_await bhttp::async_read_header(stream_, buffer, parser, as_tuple);
  (void)n;
  if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
      ec == asio::ssl::error::stream_truncated) {
    co_return ReadResult::gone;
  }
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow ||
      (!ec && header_bytes(parser.get()) > limits.max_header_bytes)) {
    exchange.failure = headers_too_large(limits.max_header_bytes);
  } else if (ec == beast::error::timeout) {
    exchange.failure =
        Error(ErrorKind::timeout, "request_timeout", "The request headers took too long.");
  } else if (ec) {
    exchange.failure = Error::invalid("invalid_request", "The request is not valid HTTP/1.1.");
  }
  if (exchange.failure) co_return ReadResult::refused;
  if (const auto length = parser.content_length()) exchange.content_length = *length;
  exchange.stage = StageName::request_id;
  co_return ReadResult::complete;
}

template <typename Stream>
asio::awaitable<ReadResult> Connection<Stream>::read_body(Exchange& exchange, RequestParser& parser,
                                                          beast::flat_buffer& buffer) {
  exchange.stage = StageName::body;
  if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
    Response go_on{Status::continue_, 11};
    co_await write_response(go_on);
  }
  parser.body_limit(exchange.body_limit);
  transport().expires_after(server_->limits.body_timeout);
  auto [ec, n] = co_await bhttp::async_read(stream_, buffer, parser, as_tuple);
  (void)n;
  transport().expires_never();
  if (ec == bhttp::error::body_limit) {
    exchange.failure =
        Error(ErrorKind::payload_too_large, "payload_too_large",
              "The request body exceeds " + std::to_string(exchange.body_limit) + " bytes.");
  } else if (ec == beast::error::timeout) {
    exchange.failure =
        Error(ErrorKind::timeout, "request_timeout", "The request body took too long.");
  }
  if (exchange.failure) co_return ReadResult::refused;
  co_return ec ? ReadResult::gone : ReadResult::complete;
}

template <typename Stream>
asio::awaitable<Next> Connection<Stream>::respond(Exchange& exchange, std::optional<Reply> reply,
                                                  bool body_read, SteadyClock::time_point started) {
  if (reply && std::holds_alternative<WebSocketReply>(*reply) &&
      !websocket::is_upgrade(exchange.context.request)) {
    exchange.failure =
        Error(ErrorKind::upgrade_required, "websocket_required",
              "This route speaks WebSocket only; send an Upgrade: websocket request.");
  }
  if (exchange.failure) {
    log_failure(exchange);
    reply = problem_response(*exchange.failure, exchange.context.request_id);
  }
  exchange.status = status_of(*reply);
  co_await server_->pipeline.observe(exchange);
  auto next = Next::close;
  std::shared_ptr<const void> guarded;
  if (!std::holds_alternative<Response>(*reply)) guarded = guard_stream(exchange);
  if (auto* response = std::get_if<Response>(&*reply)) {
    if (exchange.status == 426) response->set(bhttp::field::upgrade, "websocket");
    next = co_await respond_complete(exchange, *response, body_read);
    access_log(exchange, body_read, started);
  } else if (auto* streaming = std::get_if<StreamingReply>(&*reply)) {
    state_ = ConnectionState::streaming;
    co_await write_streaming(*streaming, exchange);
    access_log(exchange, body_read, started);
  } else {
    access_log(exchange, body_read, started);
    // Counted open for as long as it runs, however it ends.
    struct OpenSocket {
      RequestMetrics* metrics;
      explicit OpenSocket(RequestMetrics* m) : metrics(m) {
        if (metrics != nullptr) metrics->websocket_opened();
      }
      ~OpenSocket() {
        if (metrics != nullptr) metrics->websocket_closed();
      }
      OpenSocket(const OpenSocket&) = delete;
      OpenSocket& operator=(const OpenSocket&) = delete;
    } open_socket(server_->request_metrics);
    co_await run_websocket(std::get<WebSocketReply>(*reply), exchange.context.request);
    next = Next::upgraded;
  }
  co_return next;
}

template <typename Stream>
std::shared_ptr<const void> Connection<Stream>::guard_stream(const Exchange& exchange) {
  const auto& principal = exchange.context.principal;
  if (server_->stream_guard == nullptr || !principal || exchange.route == nullptr) return nullptr;
  const auto& options = exchange.route->options;
  std::string environment;
  if (!options.environment_param.empty())
    environment = exchange.context.param(options.environment_param);
  std::weak_ptr<Connection> weak = this->shared_from_this();
  return server_->stream_guard->watch(principal, options.permission, std::move(environment),
                                      [weak] {
                                        if (auto self = weak.lock())
                                          self->end_for_withdrawn_access();
                                      });
}

template <typename Stream>
asio::awaitable<Next> Connection<Stream>::respond_complete(Exchange& exchange, Response& response,
                                                           bool keep_possible) {
  // The transform sees the handler's own headers (its Cache-Control above all) before the
  // defaults every answer gets.
  if (auto refused =
          transform_response(exchange.context.request, exchange.context.query, response)) {
    response = problem_response(*refused, exchange.context.request_id);
  }
  decorate(response, exchange, kIsTls<Stream>);
  exchange.status = response.result_int();
  // A request refused before its body was read leaves that body unread: the connection ends.
  const bool keep = keep_possible && exchange.context.request.keep_alive() &&
                    !shutdown_requested_ && !server_->shutting_down;
  response.keep_alive(keep);
  response.version(11);
  const bool written = co_await write_response(response);
  if (!keep_possible) {
    beast::error_code ignored;
    transport().socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
  co_return written&& keep ? Next::keep_alive : Next::close;
}

template <typename Stream>
void Connection<Stream>::log_failure(const Exchange& exchange) {
  const auto& failure = *exchange.failure;
  if (failure.internal().empty() && failure.kind() != ErrorKind::internal) return;
  server_->logger.error(
      "request failed",
      {{"request_id", exchange.context.request_id},
       {"code", failure.code()},
       {"error", failure.internal().empty() ? failure.detail() : failure.internal()}});
}

template <typename Stream>
void Connection<Stream>::access_log(const Exchange& exchange, bool body_read,
                                    SteadyClock::time_point started) {
  const bool has_head = exchange.stage != StageName::head;
  const auto target = has_head ? exchange.target() : std::string_view("-");
  boost::json::object fields;
  fields["request_id"] = exchange.context.request_id;
  fields["method"] = has_head ? exchange.method() : std::string_view("-");
  fields["path"] = target.substr(0, target.find('?'));
  fields["status"] = exchange.status;
  fields["duration_ms"] =
      std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count();
  fields["remote"] = exchange.context.remote_address;
  if (streamed_in_) {
    fields["bytes_in"] = *std::exchange(streamed_in_, std::nullopt);
  } else if (body_read) {
    fields["bytes_in"] = exchange.context.request.body().size();
  }
  server_->logger.info("request", std::move(fields));
  if (server_->request_metrics != nullptr) {
    server_->request_metrics->record(
        exchange.route != nullptr ? std::string_view(exchange.route->pattern) : std::string_view(),
        has_head ? exchange.method() : std::string_view("-"), exchange.status,
        exchange.failure ? std::string_view(exchange.failure->code()) : std::string_view(),
        SteadyClock::now() - started, exchange.context.request_id);
  }
}

template <typename Stream>
asio::awaitable<bool> Connection<Stream>::write_response(Response& response) {
  transport().expires_after(server_->limits.write_timeout);
  auto [ec, n] = co_await bhttp::async_write(stream_, response, as_tuple);
  (void)n;
  co_return !ec;
}

bool Server::Impl::admit(const std::string& address) {
  if (connections.size() >= limits.max_connections) {
    logger.warn("connection refused: limit reached", {{"max_connections", limits.max_connections}});
    return false;
  }
  // One address may not take every slot: a flood from it leaves room for everyone else.
  const auto entry = connections_per_address.find(address);
  if (entry != connections_per_address.end() &&
      entry->second >= limits.max_connections_per_address) {
    logger.warn(
        "connection refused: per-address limit reached",
        {{"remote", address}, {"max_connections_per_address", limits.max_connections_per_address}});
    return false;
  }
  return true;
}

template <typename Stream>
std::function<void()> Server::Impl::add_connection(std::shared_ptr<Impl> self, tcp::socket socket,
                                                   const std::string& address) {
  auto connection = std::make_shared<Connection<Stream>>(std::move(socket), self, address);
  connections.insert(connection);
  ++connections_per_address[address];
  // Started by the caller once the lock is released: the completion handler takes it too.
  return [self, connection] {
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
  };
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
    beast::error_code peer_ec;
    const auto peer = socket.remote_endpoint(peer_ec);
    const auto address = peer_ec ? std::string("unknown") : peer.address().to_string();
    std::function<void()> start;
    {
      const std::lock_guard lock(mutex);
      if (shutting_down) {
        // An accept that completed while shutdown began: never start what shutdown will not wait
        // for.
        beast::error_code ignored;
        socket.close(ignored);
        co_return;
      }
      if (!admit(address)) {
        beast::error_code ignored;
        socket.close(ignored);
        continue;
      }
      start = tls != nullptr ? add_connection<TlsStream>(self, std::move(socket), address)
                             : add_connection<PlainStream>(self, std::move(socket), address);
    }
    start();
  }
}

Server::Server(asio::io_context& io, const Pipeline& pipeline, ServerLimits limits, Logger& logger,
               const TlsCredentials* tls)
    : impl_(std::make_shared<Impl>(io, pipeline, limits, logger, tls)) {}

Server::~Server() {
  // Connections and Impl refer to each other; a connection whose coroutine never ran to its end
  // (the io_context stopped first) would otherwise keep both alive.
  const std::lock_guard lock(impl_->mutex);
  impl_->connections.clear();
  impl_->connections_per_address.clear();
}

tcp::endpoint Server::listen(const tcp::endpoint& endpoint) {
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen(asio::socket_base::max_listen_connections);
  return impl_->acceptor.local_endpoint();
}

void Server::guard_streams(StreamGuard& guard) {
  impl_->stream_guard = &guard;
}

void Server::count_requests(RequestMetrics& metrics) {
  impl_->request_metrics = &metrics;
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
    return std::vector<std::shared_ptr<ConnectionBase>>(impl->connections.begin(),
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
