#include "app/periodic_task.hpp"

#include "core/logger.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace dokkerr::app {
namespace asio = boost::asio;

PeriodicTask::PeriodicTask(asio::any_io_executor executor, std::chrono::milliseconds interval,
                           Round round, Logger& logger, std::string what)
    : executor_(executor),
      interval_(interval),
      round_(std::move(round)),
      logger_(logger),
      what_(std::move(what)),
      timer_(executor) {}

void PeriodicTask::start() { schedule(); }

void PeriodicTask::stop() {
  stopping_.store(true);
  timer_.cancel();
}

void PeriodicTask::schedule() {
  if (stopping_.load()) return;
  timer_.expires_after(interval_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    asio::co_spawn(
        executor_,
        [this]() -> asio::awaitable<void> {
          try {
            co_await round_();
          } catch (const std::exception& error) {
            logger_.error(what_ + " failed", {{"error", error.what()}});
          }
          schedule();
        },
        asio::detached);
  });
}

}  // namespace dokkerr::app
