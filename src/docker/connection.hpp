#pragma once
// Internal to src/docker: one HTTP/1.1 connection to the engine over a unix socket, TCP or TLS,
// behind one interface so the client's request logic is written once.
//
// Threading: a connection owns a strand. Every member below except `usable_when_idle` must run on
// that strand (the client co_spawns its exchanges there). Beast's basic_stream arms its timeout
// timers with handlers on the stream's executor, and close() may come from another coroutine
// while a read is pending; on a multi-threaded io_context only a strand serialises those safely.
#include "docker/endpoint.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>

namespace boost::asio::ssl {
class context;
}

namespace dokkerr::docker::detail {

// The completion token for awaiting work spawned on a connection's strand. Cancellation is not
// forwarded: in Boost 1.81, co_spawn's cancellation handler may run after the spawned coroutine
// has finished and freed its signal (a use after free seen under ASan). Pending operations end
// through close() instead, which every caller that abandons one already does.
inline auto no_cancel() {
  return boost::asio::bind_cancellation_slot(boost::asio::cancellation_slot(),
                                             boost::asio::use_awaitable);
}

using ErrorCode = boost::system::error_code;
using IoResult = std::pair<ErrorCode, std::size_t>;
using Request = boost::beast::http::request<boost::beast::http::string_body>;
using StringParser = boost::beast::http::response_parser<boost::beast::http::string_body>;
using BufferParser = boost::beast::http::response_parser<boost::beast::http::buffer_body>;

class Connection {
 public:
  explicit Connection(boost::asio::any_io_executor strand) : strand_(std::move(strand)) {}
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  [[nodiscard]] const boost::asio::any_io_executor& strand() const { return strand_; }
  // Bytes read past the end of the last parsed message; kept across requests on this connection.
  boost::beast::flat_buffer& buffer() { return buffer_; }

  virtual void expires_after(std::chrono::milliseconds timeout) = 0;
  virtual void expires_never() = 0;
  virtual boost::asio::awaitable<IoResult> write(Request& request) = 0;
  virtual boost::asio::awaitable<ErrorCode> read(StringParser& parser) = 0;
  virtual boost::asio::awaitable<ErrorCode> read_header(StringParser& parser) = 0;
  virtual boost::asio::awaitable<ErrorCode> read_header(BufferParser& parser) = 0;
  virtual boost::asio::awaitable<ErrorCode> read_some(BufferParser& parser) = 0;
  // Raw bytes, for hijacked connections (TLS records decoded, HTTP not).
  virtual boost::asio::awaitable<IoResult> read_raw(boost::asio::mutable_buffer buffer) = 0;
  virtual boost::asio::awaitable<IoResult> write_raw(boost::asio::const_buffer buffer) = 0;
  virtual void shutdown_send() = 0;
  virtual void close() = 0;

  // Whether an idle pooled connection can carry another request: open, and the engine has
  // neither closed its side nor sent anything unasked. May run off the strand, but only while
  // the caller holds the connection exclusively (just taken out of the pool).
  [[nodiscard]] virtual bool usable_when_idle() = 0;

 private:
  boost::asio::any_io_executor strand_;
  boost::beast::flat_buffer buffer_;
};

// Opens a connection on a new strand of `executor`. Resolve, connect and the TLS handshake
// together are bounded by `timeout`. `tls` must be non-null when `endpoint.tls` is set.
// Throws Error{unavailable, "engine_unavailable"} naming `display` and the reason.
boost::asio::awaitable<std::unique_ptr<Connection>> connect(boost::asio::any_io_executor executor,
                                                            const Endpoint& endpoint,
                                                            boost::asio::ssl::context* tls,
                                                            std::chrono::milliseconds timeout,
                                                            std::string display);

}  // namespace dokkerr::docker::detail
