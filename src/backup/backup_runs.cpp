#include "backup/backup_runs.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"

#include <algorithm>

namespace dokkerr::backup {

BackupRun new_run(std::string kind, std::string created_by, const Clock& clock) {
  BackupRun run;
  run.id = crypto::hex_encode(crypto::random_bytes(12));
  run.kind = std::move(kind);
  run.status = "running";
  run.created_by = std::move(created_by);
  run.started_at = clock.stamp();
  return run;
}

void end_run(BackupRun& run, const std::exception_ptr& failure, const Clock& clock,
             std::chrono::steady_clock::time_point started) {
  run.status = failure ? "failed" : "succeeded";
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const Error& e) {
      run.error = e.detail();
    } catch (const std::exception&) {
      run.error = "An internal error occurred.";
    }
  }
  run.finished_at = clock.stamp();
  run.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
}

boost::asio::awaitable<void> settle_run(BackupRunStore& store, BlockingPool& pool,
                                        const Clock& clock, BackupRun& run,
                                        objects::ObjectWriter* writer,
                                        const std::exception_ptr& failure,
                                        std::chrono::steady_clock::time_point started) {
  if (failure && writer != nullptr) {
    auto drop = [writer] { writer->abort(); };
    co_await pool.run(drop);
  }
  end_run(run, failure, clock, started);
  auto finish = [&store, &run] { store.finish(run); };
  co_await pool.run(finish);
}

Page<BackupRun> page_of(BackupRunStore& store, BackupRunFilter filter) {
  const std::size_t limit = std::clamp<std::size_t>(filter.limit, 1, 200);
  filter.limit = limit + 1;  // one more tells whether a next page exists
  auto runs = store.list(filter);
  Page<BackupRun> page;
  if (runs.size() > limit) {
    runs.resize(limit);
    page.next_cursor = runs.back().started_at + "|" + runs.back().id;
  }
  page.items = std::move(runs);
  return page;
}

}  // namespace dokkerr::backup
