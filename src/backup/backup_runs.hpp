#pragma once
// The record of every backup run, kept in the database: the history users see, and what a
// restore starts from.
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/page.hpp"
#include "objects/object_store.hpp"
#include "store/database.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace dokkerr::backup {

struct BackupRun {
  std::string id;
  std::string kind;  // "volume" | "platform"
  std::string team_id;
  std::string environment;
  std::string target;      // the volume's name; "platform" for a platform backup
  std::string object_key;  // where the archive is (empty until it is written)
  std::string status;      // "running" | "succeeded" | "failed"
  std::int64_t size_bytes = 0;
  std::string sha256;
  std::string error;  // a failed run's reason, safe to show
  std::string created_by;
  std::string started_at;
  std::string finished_at;  // "" while running
  std::int64_t duration_ms = 0;
};

struct BackupRunFilter {
  std::optional<std::string> kind;
  std::optional<std::set<std::string, std::less<>>> teams;  // nullopt: every team (admins)
  std::optional<std::string> environment;
  std::optional<std::string> target;
  std::size_t limit = 50;
  std::optional<std::string> after;  // cursor: the last run's "started_at|id"
};

class BackupRunStore {
 public:
  virtual ~BackupRunStore() = default;
  virtual void insert(const BackupRun& run) = 0;
  virtual void finish(const BackupRun& run) = 0;  // status, sizes, error, finished_at, duration
  virtual std::optional<BackupRun> get(std::string_view id) = 0;
  // Newest first.
  virtual std::vector<BackupRun> list(const BackupRunFilter& filter) = 0;
  virtual void remove(std::string_view id) = 0;
  // Runs still "running" that began before started_before: their process stopped (crash, kill).
  virtual int fail_unfinished(const std::string& started_before, const std::string& now,
                              const std::string& reason) = 0;
};

std::unique_ptr<BackupRunStore> make_sql_backup_run_store(store::Database& db);

// What every kind of backup does with its run: make it ("running", stamped now), and end it —
// succeeded, or failed with the error's detail (never internal text) — with its duration.
BackupRun new_run(std::string kind, std::string created_by, const Clock& clock);
void end_run(BackupRun& run, const std::exception_ptr& failure, const Clock& clock,
             std::chrono::steady_clock::time_point started);

// The end of a run that streamed into `writer` (null when it never opened one): the writer
// aborted after a failure, the run ended and recorded. Blocking parts on the pool.
boost::asio::awaitable<void> settle_run(BackupRunStore& store, BlockingPool& pool,
                                        const Clock& clock, BackupRun& run,
                                        objects::ObjectWriter* writer,
                                        const std::exception_ptr& failure,
                                        std::chrono::steady_clock::time_point started);

// One page of runs, newest first: filter.limit clamped to 1..200, next_cursor set when more
// follow. Blocking.
Page<BackupRun> page_of(BackupRunStore& store, BackupRunFilter filter);

}  // namespace dokkerr::backup
