#include "store/lease.hpp"

#include "core/blocking_pool.hpp"
#include "core/logger.hpp"
#include "store/database.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <utility>

namespace dokkerr::store {

namespace asio = boost::asio;
using std::chrono::steady_clock;

LeaseTable::LeaseTable(Database& database) : database_(database) {}

std::string LeaseTable::now_ms() const {
  if (database_.backend() == "postgres") {
    return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
  }
  return "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";
}

bool LeaseTable::acquire(const std::string& name, const std::string& holder,
                         std::chrono::milliseconds ttl) {
  // One statement, so two replicas racing for a free lease cannot both win: the row's
  // conflict is resolved by the database, and the update only happens for the holder itself
  // or over an expired lease.
  const auto now = now_ms();
  const auto sql = "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, " + now +
                   " + ?) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                   "expires_at = excluded.expires_at WHERE leases.holder = excluded.holder OR "
                   "leases.expires_at <= " +
                   now;
  return database_.execute(sql, {name, holder, std::int64_t{ttl.count()}}) == 1;
}

void LeaseTable::release(const std::string& name, const std::string& holder) {
  database_.execute("DELETE FROM leases WHERE name = ? AND holder = ?", {name, holder});
}

std::vector<LeaseRecord> LeaseTable::list() {
  std::vector<LeaseRecord> records;
  for (const auto& row : database_.query("SELECT name, holder, expires_at - " + now_ms() +
                                         " FROM leases ORDER BY name")) {
    records.push_back(LeaseRecord{row.text(0), row.text(1), row.integer(2)});
  }
  return records;
}

Lease::Lease(asio::any_io_executor executor, BlockingPool& blocking, Database& database,
             Logger& logger, std::string name, std::string holder, LeaseTiming timing)
    : strand_(asio::make_strand(std::move(executor))),
      blocking_(blocking),
      table_(database),
      logger_(logger),
      name_(std::move(name)),
      holder_(std::move(holder)),
      timing_(timing),
      wake_(strand_),
      finished_(strand_, steady_clock::time_point::max()) {}

void Lease::on_change(Listener listener) {
  listener_ = std::move(listener);
}

void Lease::start() {
  running_ = true;
  asio::co_spawn(strand_, keep(), asio::detached);
}

bool Lease::held() const {
  const auto until = held_until_.load(std::memory_order_acquire);
  return until != 0 && steady_clock::now().time_since_epoch().count() < until;
}

void Lease::set_held(bool held) {
  if (held == reported_held_) return;
  reported_held_ = held;
  logger_.info(held ? "lease taken" : "lease lost", {{"lease", name_}, {"holder", holder_}});
  if (listener_) listener_(held);
}

asio::awaitable<void> Lease::keep() {
  while (!stopping_) {
    const auto sent = steady_clock::now();
    try {
      auto attempt = [this] { return table_.acquire(name_, holder_, timing_.ttl); };
      const bool acquired = co_await blocking_.run(std::move(attempt));
      // Not acquired: another replica holds it, whatever this one believed.
      held_until_.store(
          acquired ? (sent + timing_.ttl - timing_.margin).time_since_epoch().count() : 0,
          std::memory_order_release);
    } catch (const std::exception& error) {
      // The database did not answer: keep what the last renewal bought, no more.
      logger_.warn("lease renewal failed", {{"lease", name_}, {"error", error.what()}});
    }
    set_held(held());
    wake_.expires_after(timing_.renew_every);
    boost::system::error_code ignored;
    co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  running_ = false;
  finished_.cancel();
}

asio::awaitable<void> Lease::stop() {
  co_await asio::co_spawn(strand_, stop_on_strand(), asio::use_awaitable);
}

asio::awaitable<void> Lease::stop_on_strand() {
  stopping_ = true;
  wake_.cancel();
  if (running_) {
    boost::system::error_code ignored;
    co_await finished_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  const bool was_held = held();
  held_until_.store(0, std::memory_order_release);
  set_held(false);
  if (!was_held) co_return;
  try {
    auto give_up = [this] { table_.release(name_, holder_); };
    co_await blocking_.run(std::move(give_up));
  } catch (const std::exception& error) {
    logger_.warn("lease release failed; it expires on its own",
                 {{"lease", name_}, {"error", error.what()}});
  }
}

}  // namespace dokkerr::store
