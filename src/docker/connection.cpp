#include "docker/connection.hpp"

#include "core/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <openssl/ssl.h>

#include <cerrno>
#include <sys/socket.h>
#include <variant>

namespace dokkerr::docker::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

using UnixStream = beast::basic_stream<asio::local::stream_protocol, asio::any_io_executor,
                                       beast::unlimited_rate_policy>;
using TcpStream = beast::tcp_stream;
using TlsStream = asio::ssl::stream<beast::tcp_stream>;

template <class Stream>
class StreamConnection final : public Connection {
 public:
  template <class... Args>
  explicit StreamConnection(asio::any_io_executor strand, Args&&... args)
      : Connection(strand), stream_(std::move(strand), std::forward<Args>(args)...) {}

  Stream& stream() { return stream_; }
  auto& lowest() { return beast::get_lowest_layer(stream_); }

  void expires_after(std::chrono::milliseconds timeout) override {
    lowest().expires_after(timeout);
  }
  void expires_never() override { lowest().expires_never(); }

  asio::awaitable<IoResult> write(Request& request) override {
    auto [ec, n] = co_await http::async_write(stream_, request, kNoThrow);
    co_return IoResult{ec, n};
  }
  asio::awaitable<ErrorCode> read(StringParser& parser) override {
    auto [ec, n] = co_await http::async_read(stream_, buffer(), parser, kNoThrow);
    (void)n;
    co_return ec;
  }
  asio::awaitable<ErrorCode> read_header(StringParser& parser) override {
    auto [ec, n] = co_await http::async_read_header(stream_, buffer(), parser, kNoThrow);
    (void)n;
    co_return ec;
  }
  asio::awaitable<ErrorCode> read_header(BufferParser& parser) override {
    auto [ec, n] = co_await http::async_read_header(stream_, buffer(), parser, kNoThrow);
    (void)n;
    co_return ec;
  }
  asio::awaitable<ErrorCode> read_some(BufferParser& parser) override {
    auto [ec, n] = co_await http::async_read_some(stream_, buffer(), parser, kNoThrow);
    (void)n;
    co_return ec;
  }
  asio::awaitable<IoResult> read_raw(asio::mutable_buffer buf) override {
    auto [ec, n] = co_await stream_.async_read_some(buf, kNoThrow);
    co_return IoResult{ec, n};
  }
  asio::awaitable<IoResult> write_raw(asio::const_buffer buf) override {
    auto [ec, n] = co_await asio::async_write(stream_, buf, kNoThrow);
    co_return IoResult{ec, n};
  }

  // For TLS this half-closes TCP without a close_notify: Asio can only send one through
  // async_shutdown, which then insists on reading the engine's close_notify and would consume
  // the output we still want. Go's TLS stack (the engine) reports a FIN at a record boundary as
  // a clean EOF, which is what ends the process's stdin.
  void shutdown_send() override {
    ErrorCode ignored;
    lowest().socket().shutdown(asio::socket_base::shutdown_send, ignored);
  }
  void close() override { lowest().close(); }

  bool usable_when_idle() override {
    auto& socket = lowest().socket();
    if (!socket.is_open() || buffer().size() != 0) return false;
    // A peek that would block is the only healthy answer: 0 is the engine's FIN, data is
    // something we never asked for (for TLS possibly an alert), an error is a dead socket.
    char byte = 0;
    const auto got = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

 private:
  Stream stream_;
};

[[noreturn]] void unreachable(const std::string& display, const std::string& reason) {
  throw Error::unavailable("engine_unavailable",
                           "Docker engine at " + display + " is unreachable: " + reason,
                           "docker connect " + display + ": " + reason);
}

std::string reason_of(const ErrorCode& ec) {
  if (ec == beast::error::timeout) return "timed out";
  return ec.message();
}

asio::awaitable<std::unique_ptr<Connection>> connect_unix(asio::any_io_executor strand,
                                                          const Endpoint& endpoint,
                                                          std::chrono::milliseconds timeout,
                                                          const std::string& display) {
  asio::local::stream_protocol::endpoint peer;
  try {
    peer = asio::local::stream_protocol::endpoint(endpoint.path);
  } catch (const boost::system::system_error& e) {
    unreachable(display, e.code().message());
  }
  auto conn = std::make_unique<StreamConnection<UnixStream>>(strand);
  conn->stream().expires_after(timeout);
  auto [ec] = co_await conn->stream().async_connect(peer, kNoThrow);
  if (ec) unreachable(display, reason_of(ec));
  conn->stream().expires_never();
  co_return conn;
}

// The resolver has no timeout of its own; racing it against a timer bounds a hanging DNS server.
asio::awaitable<asio::ip::tcp::resolver::results_type> resolve(
    asio::any_io_executor strand, const Endpoint& endpoint,
    std::chrono::steady_clock::time_point deadline, const std::string& display) {
  using namespace asio::experimental::awaitable_operators;
  asio::ip::tcp::resolver resolver(strand);
  asio::steady_timer timer(strand, deadline);
  auto outcome = co_await (resolver.async_resolve(endpoint.host, endpoint.port, kNoThrow) ||
                           timer.async_wait(kNoThrow));
  if (outcome.index() == 1) unreachable(display, "resolving " + endpoint.host + " timed out");
  auto [ec, results] = std::get<0>(std::move(outcome));
  if (ec) unreachable(display, "cannot resolve " + endpoint.host + ": " + ec.message());
  co_return results;
}

asio::awaitable<std::unique_ptr<Connection>> connect_tcp(asio::any_io_executor strand,
                                                         const Endpoint& endpoint,
                                                         std::chrono::milliseconds timeout,
                                                         const std::string& display) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto results = co_await resolve(strand, endpoint, deadline, display);
  auto conn = std::make_unique<StreamConnection<TcpStream>>(strand);
  conn->stream().expires_at(deadline);
  auto [ec, peer] = co_await conn->stream().async_connect(results, kNoThrow);
  (void)peer;
  if (ec) unreachable(display, reason_of(ec));
  conn->stream().expires_never();
  co_return conn;
}

asio::awaitable<std::unique_ptr<Connection>> connect_tls(asio::any_io_executor strand,
                                                         const Endpoint& endpoint,
                                                         asio::ssl::context& tls,
                                                         std::chrono::milliseconds timeout,
                                                         const std::string& display) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto results = co_await resolve(strand, endpoint, deadline, display);
  auto conn = std::make_unique<StreamConnection<TlsStream>>(strand, tls);
  auto& stream = conn->stream();
  auto& tcp = beast::get_lowest_layer(stream);
  tcp.expires_at(deadline);
  auto [ec, peer] = co_await tcp.async_connect(results, kNoThrow);
  (void)peer;
  if (ec) unreachable(display, reason_of(ec));

  ErrorCode addr_ec;
  (void)asio::ip::make_address(endpoint.host, addr_ec);
  const bool is_ip = !addr_ec;
  // SNI is for names only (RFC 6066 forbids literal addresses). SSL_set_tlsext_host_name is a
  // macro with a C cast, hence the call it expands to.
  if (!is_ip &&
      SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(endpoint.host.c_str())) != 1) {
    unreachable(display, "cannot set the TLS server name");
  }
  if (endpoint.tls_material.verify_peer) {
    stream.set_verify_mode(asio::ssl::verify_peer);
    // Checks DNS names and IP addresses against the certificate's subjectAltName.
    stream.set_verify_callback(asio::ssl::host_name_verification(endpoint.host));
  } else {
    stream.set_verify_mode(asio::ssl::verify_none);
  }
  auto [hs_ec] = co_await stream.async_handshake(asio::ssl::stream_base::client, kNoThrow);
  if (hs_ec) unreachable(display, "TLS handshake failed: " + reason_of(hs_ec));
  tcp.expires_never();
  co_return conn;
}

asio::awaitable<std::unique_ptr<Connection>> connect_on_strand(asio::any_io_executor strand,
                                                               const Endpoint& endpoint,
                                                               asio::ssl::context* tls,
                                                               std::chrono::milliseconds timeout,
                                                               std::string display) {
  if (endpoint.kind == Endpoint::Kind::unix_socket) {
    co_return co_await connect_unix(strand, endpoint, timeout, display);
  }
  if (endpoint.tls) {
    if (tls == nullptr) unreachable(display, "no TLS context");
    co_return co_await connect_tls(strand, endpoint, *tls, timeout, display);
  }
  co_return co_await connect_tcp(strand, endpoint, timeout, display);
}

}  // namespace

asio::awaitable<std::unique_ptr<Connection>> connect(asio::any_io_executor executor,
                                                     const Endpoint& endpoint,
                                                     asio::ssl::context* tls,
                                                     std::chrono::milliseconds timeout,
                                                     std::string display) {
  asio::any_io_executor strand = asio::make_strand(executor);
  co_return co_await asio::co_spawn(
      strand, connect_on_strand(strand, endpoint, tls, timeout, std::move(display)),
      no_cancel());
}

}  // namespace dokkerr::docker::detail
