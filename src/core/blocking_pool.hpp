#pragma once
// Blocking work (SQLite, libpq, later password hashing) runs here, never on the I/O threads.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>
#include <utility>

namespace dokkerr {

class BlockingPool {
 public:
  explicit BlockingPool(std::size_t threads) : pool_(threads) {}
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;
  ~BlockingPool() { pool_.join(); }

  // Runs fn on the pool and resumes the awaiting coroutine on its own executor with the result
  // (or the exception fn threw). Callers pass a named function object: GCC 12 mishandles
  // non-trivial temporaries created inside a co_await expression.
  template <typename Fn>
  auto run(Fn fn) -> boost::asio::awaitable<std::invoke_result_t<Fn>> {
    // Cancellation is not forwarded across executors (a co_spawn race in Boost 1.81); the
    // function runs to its end either way.
    co_return co_await boost::asio::co_spawn(
        pool_.get_executor(), invoke(std::move(fn)),
        boost::asio::bind_cancellation_slot(boost::asio::cancellation_slot(),
                                            boost::asio::use_awaitable));
  }

  void stop() { pool_.stop(); }
  void join() { pool_.join(); }

 private:
  // A plain coroutine function (not a capturing lambda), so fn lives in the coroutine frame.
  template <typename Fn>
  static auto invoke(Fn fn) -> boost::asio::awaitable<std::invoke_result_t<Fn>> {
    co_return fn();
  }

  boost::asio::thread_pool pool_;
};

}  // namespace dokkerr
