#pragma once
// Follows a change counter in the shared database (store/watched_database.hpp) so that changes
// other replicas or `dokkerr admin` commands commit reach this process's caches: when the
// counter moves, the local Generation advances. Writes made here advance it at once; this
// catches the others within one poll interval. While the counter cannot be read, the generation
// advances on every poll, so the caches serve nothing they could not check.
#include "core/generation.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace dokkerr {
class BlockingPool;
class Logger;
}  // namespace dokkerr
namespace dokkerr::store {
class Database;
}

namespace dokkerr::app {

class ChangeWatch {
 public:
  ChangeWatch(boost::asio::any_io_executor executor, store::Database& db, std::string counter,
              Generation& generation, BlockingPool& pool, Logger& logger,
              std::chrono::milliseconds interval);
  void start();
  // Ends the loop at its next wake-up (the timer is cancelled).
  void stop();

 private:
  void poll_soon();

  store::Database& db_;
  std::string counter_;
  Generation& generation_;
  BlockingPool& pool_;
  Logger& logger_;
  std::chrono::milliseconds interval_;
  boost::asio::steady_timer timer_;
  std::atomic<bool> stopped_{false};
  std::int64_t seen_ = -1;
  bool failing_ = false;
};

}  // namespace dokkerr::app
