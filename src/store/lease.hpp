#pragma once
// A lease in the database: of all the replicas sharing one database, one holds the lease named
// `name` at a time, so the background jobs it guards run once per deployment, not once per
// replica. The holder renews it every `renew_every`; when the holder dies, its lease expires
// after `ttl` and the next replica to try takes it over (within ttl + renew_every).
//
// Expiry is judged by the database's clock, so replicas' clocks never have to agree. A holder
// that cannot renew (the database is unreachable) stops believing it holds the lease before the
// database would let another replica take it: held() turns false `margin` before the expiry it
// last wrote, counted on this process' steady clock from before the renewal was sent.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dokkerr {
class BlockingPool;
class Logger;
}  // namespace dokkerr

namespace dokkerr::store {

class Database;

struct LeaseTiming {
  std::chrono::milliseconds ttl{3000};
  std::chrono::milliseconds renew_every{1000};
  std::chrono::milliseconds margin{500};
};

struct LeaseRecord {
  std::string name;
  std::string holder;
  std::int64_t expires_in_ms = 0;  // by the database's clock; negative once expired
};

// The SQL behind a lease, usable on its own (each call blocks: run it on the BlockingPool).
class LeaseTable {
 public:
  explicit LeaseTable(Database& database);
  // Takes or renews `name` for `holder` until the database's now + ttl; false while another
  // holder's lease has not expired.
  bool acquire(const std::string& name, const std::string& holder, std::chrono::milliseconds ttl);
  // Gives the lease up at once (a replica that stops cleanly hands over without waiting).
  void release(const std::string& name, const std::string& holder);
  std::vector<LeaseRecord> list();

 private:
  [[nodiscard]] std::string now_ms() const;  // the backend's expression for its clock, in ms
  Database& database_;
};

class Lease {
 public:
  // Called (on the lease's own strand) when this replica gains (true) or loses (false) the lease.
  using Listener = std::function<void(bool held)>;

  Lease(boost::asio::any_io_executor executor, BlockingPool& blocking, Database& database,
        Logger& logger, std::string name, std::string holder, LeaseTiming timing = {});
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  void on_change(Listener listener);  // before start()
  void start();
  // Stops renewing and releases the lease if held; returns once released (or bounded by the
  // database's own timeouts when it is unreachable).
  boost::asio::awaitable<void> stop();

  [[nodiscard]] bool held() const;
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::string& holder() const { return holder_; }

 private:
  boost::asio::awaitable<void> keep();
  boost::asio::awaitable<void> stop_on_strand();
  void set_held(bool held);

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  BlockingPool& blocking_;
  LeaseTable table_;
  Logger& logger_;
  std::string name_;
  std::string holder_;
  LeaseTiming timing_;
  Listener listener_;
  boost::asio::steady_timer wake_;      // the pause between renewals
  boost::asio::steady_timer finished_;  // cancelled when keep() ends
  // steady_clock ticks until which this replica may act as the holder (0: not held).
  std::atomic<std::int64_t> held_until_{0};
  // Touched only on strand_:
  bool reported_held_ = false;
  bool stopping_ = false;
  bool running_ = false;
};

}  // namespace dokkerr::store
