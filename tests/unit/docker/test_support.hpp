#pragma once
// Helpers for the docker client tests: running coroutines to completion, and a scripted fake
// engine on loopback TCP for the cases a real engine cannot be made to produce on demand
// (dropped keep-alive connections, silence, oversized answers).
#include "core/error.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <vector>

namespace dokkerr::docker::testing {

namespace asio = boost::asio;
using namespace std::chrono_literals;

inline std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

// Runs `aw` on `ioc` until it finishes; a hang becomes a test failure instead of a stuck run.
template <class T>
T run(asio::io_context& ioc, asio::awaitable<T> aw, std::chrono::seconds limit = 60s) {
  auto fut = asio::co_spawn(ioc, std::move(aw), asio::use_future);
  ioc.restart();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (fut.wait_for(0s) != std::future_status::ready &&
         std::chrono::steady_clock::now() < deadline) {
    ioc.run_for(100ms);
    if (ioc.stopped()) ioc.restart();
  }
  if (fut.wait_for(0s) != std::future_status::ready) {
    throw std::runtime_error("coroutine did not finish in time");
  }
  return fut.get();
}

inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::use_awaitable);
}

// Calls fn; returns the dokkerr::Error it throws, or nullopt when it throws nothing.
template <class Fn>
std::optional<Error> error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

// ---- fake engine --------------------------------------------------------------------------------

using Socket = asio::ip::tcp::socket;

// Reads one HTTP request (header and Content-Length body). Empty when the peer closed first.
inline std::string read_request(Socket& s, std::string& carry) {
  boost::system::error_code ec;
  const std::size_t header_end = asio::read_until(s, asio::dynamic_buffer(carry), "\r\n\r\n", ec);
  if (ec) return {};
  std::string head = carry.substr(0, header_end);
  std::size_t length = 0;
  for (const char* name : {"Content-Length: ", "content-length: "}) {
    if (const auto at = head.find(name); at != std::string::npos) {
      length = std::stoul(head.substr(at + std::char_traits<char>::length(name)));
    }
  }
  if (carry.size() < header_end + length) {
    const std::size_t missing = header_end + length - carry.size();
    std::string rest(missing, '\0');
    asio::read(s, asio::buffer(rest), ec);
    if (ec) return {};
    carry += rest;
  }
  std::string request = carry.substr(0, header_end + length);
  carry.erase(0, header_end + length);
  return request;
}

inline void write_all(Socket& s, std::string_view data) {
  boost::system::error_code ec;
  asio::write(s, asio::buffer(data), ec);
}

inline std::string ok_response(std::string_view body, std::string_view extra_headers = {}) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + std::string(extra_headers) + "\r\n" +
         std::string(body);
}

class FakeEngine {
 public:
  // Called on its own thread for each accepted connection, with the connection's index. A script
  // ends a connection with drop(), never close().
  using Script = std::function<void(Socket&, int index, FakeEngine& engine)>;

  explicit FakeEngine(Script script)
      : acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}), script_(std::move(script)) {
    acceptor_thread_ = std::thread([this] { accept_loop(); });
  }
  FakeEngine(const FakeEngine&) = delete;
  FakeEngine& operator=(const FakeEngine&) = delete;

  ~FakeEngine() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      // Wakes scripts blocked in a read: they see EOF and return. The sockets stay open (and
      // their descriptors unrecycled) until the workers are joined.
      for (const auto& s : sockets_) ::shutdown(s->native_handle(), SHUT_RDWR);
    }
    stopped_.notify_all();
    boost::system::error_code ec;
    Socket wake(ioc_);
    wake.connect(acceptor_.local_endpoint(), ec);  // unblocks accept()
    acceptor_thread_.join();
    for (auto& t : workers_) t.join();
  }

  [[nodiscard]] std::string port() const {
    return std::to_string(acceptor_.local_endpoint().port());
  }
  [[nodiscard]] int connections() const { return accepted_.load(); }

  // How a script ends a connection: a FIN, keeping the descriptor for the destructor.
  static void drop(Socket& s) {
    boost::system::error_code ec;
    s.shutdown(Socket::shutdown_both, ec);
  }

  // For scripts that must stay silent: blocks until the engine is being destroyed.
  void hold() {
    std::unique_lock lock(mutex_);
    stopped_.wait(lock, [this] { return stopping_; });
  }

 private:
  void accept_loop() {
    for (int index = 0;; ++index) {
      auto socket = std::make_unique<Socket>(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(*socket, ec);
      Socket* raw = socket.get();
      {
        std::lock_guard lock(mutex_);
        if (stopping_ || ec) return;
        sockets_.push_back(std::move(socket));
      }
      ++accepted_;
      workers_.emplace_back([this, raw, index] { script_(*raw, index, *this); });
    }
  }

  asio::io_context ioc_;
  asio::ip::tcp::acceptor acceptor_;
  Script script_;
  std::thread acceptor_thread_;
  std::vector<std::thread> workers_;  // touched by the acceptor thread, then by the destructor
  std::atomic<int> accepted_{0};
  std::mutex mutex_;
  std::condition_variable stopped_;
  bool stopping_ = false;                         // guarded by mutex_
  std::vector<std::unique_ptr<Socket>> sockets_;  // guarded by mutex_; scripts must not close()
};

}  // namespace dokkerr::docker::testing
