#pragma once
// A round of work every `interval`, one at a time, until stop(): the server's scheduled jobs
// (backup schedules, webhook deliveries, token key reloads, image update checks). A round that
// throws is logged and the next one comes as usual.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

namespace dokkerr {
class Logger;
}

namespace dokkerr::app {

class PeriodicTask {
 public:
  using Round = std::function<boost::asio::awaitable<void>()>;

  PeriodicTask(boost::asio::any_io_executor executor, std::chrono::milliseconds interval,
               Round round, Logger& logger, std::string what);
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void start();  // the first round one interval from now
  void stop();

 private:
  void schedule();

  boost::asio::any_io_executor executor_;
  std::chrono::milliseconds interval_;
  Round round_;
  Logger& logger_;
  std::string what_;
  boost::asio::steady_timer timer_;
  std::atomic<bool> stopping_{false};
};

}  // namespace dokkerr::app
