#include "app/change_watch.hpp"

#include "core/blocking_pool.hpp"
#include "core/logger.hpp"
#include "store/watched_database.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace dokkerr::app {

namespace asio = boost::asio;

ChangeWatch::ChangeWatch(asio::any_io_executor executor, store::Database& db, std::string counter,
                         Generation& generation, BlockingPool& pool, Logger& logger,
                         std::chrono::milliseconds interval)
    : db_(db),
      counter_(std::move(counter)),
      generation_(generation),
      pool_(pool),
      logger_(logger),
      interval_(interval),
      timer_(std::move(executor)) {}

void ChangeWatch::start() {
  poll_soon();
}

void ChangeWatch::stop() {
  stopped_ = true;
  timer_.cancel();
}

void ChangeWatch::poll_soon() {
  timer_.expires_after(interval_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    asio::co_spawn(
        timer_.get_executor(),
        [this]() -> asio::awaitable<void> {
          auto read = [this] { return store::change_version(db_, counter_); };
          try {
            const auto version = co_await pool_.run(read);
            if (version != seen_) {
              // The first reading also advances: a change may have landed while we started.
              seen_ = version;
              generation_.advance();
            }
            if (failing_) logger_.info("change counter readable again", {{"counter", counter_}});
            failing_ = false;
          } catch (const std::exception& error) {
            // Fail closed: while changes cannot be seen, nothing is served from the caches
            // (requests then meet the database and its error).
            generation_.advance();
            if (!failing_) {
              logger_.warn("cannot read the change counter; caches bypassed until it can be",
                           {{"counter", counter_}, {"error", error.what()}});
            }
            failing_ = true;
          }
          if (!stopped_) poll_soon();
        },
        asio::detached);
  });
}

}  // namespace dokkerr::app
