#include "backup/platform_jobs.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"

#include <chrono>

namespace dokkerr::backup {

namespace asio = boost::asio;

PlatformBackupJobs::PlatformBackupJobs(BackupRunStore& runs, store::Database& db,
                                       objects::ObjectStore& objects, BlockingPool& pool,
                                       const Clock& clock, PlatformJobSettings settings)
    : runs_(runs),
      db_(db),
      objects_(objects),
      pool_(pool),
      clock_(clock),
      settings_(std::move(settings)) {}

asio::awaitable<BackupRun> PlatformBackupJobs::run(std::string actor_id) {
  if (!configured()) {
    throw Error::conflict("backup_passphrase_missing",
                          "Platform backups need the server's --backup-passphrase-file.");
  }
  BackupRun run = new_run("platform", std::move(actor_id), clock_);
  run.target = "platform";
  const auto started = std::chrono::steady_clock::now();
  auto work = [this, &run, started] {
    runs_.insert(run);
    std::exception_ptr failure;
    try {
      const auto manifest =
          create_platform_backup({db_, settings_.database_url, settings_.data_dir}, objects_,
                                 {settings_.passphrase, settings_.kdf, clock_.unix_seconds()});
      run.object_key = manifest.archive_key;
      run.size_bytes = static_cast<std::int64_t>(manifest.archive_size);
      run.sha256 = manifest.archive_sha256;
    } catch (...) {
      failure = std::current_exception();
    }
    end_run(run, failure, clock_, started);
  };
  co_await pool_.run(work);
  auto finish = [this, &run] { runs_.finish(run); };
  co_await pool_.run(finish);
  if (run.status == "failed") {
    throw Error::unavailable("backup_failed", "The platform backup failed: " + run.error);
  }
  co_return run;
}

asio::awaitable<std::vector<BackupRun>> PlatformBackupJobs::runs(std::size_t limit) {
  BackupRunFilter filter;
  filter.kind = "platform";
  filter.limit = limit;
  auto load = [this, &filter] { return runs_.list(filter); };
  co_return co_await pool_.run(load);
}

asio::awaitable<void> PlatformBackupJobs::remove(std::string run_id) {
  auto drop = [this, &run_id] {
    const auto run = runs_.get(run_id);
    if (!run || run->kind != "platform") {
      throw Error::not_found("backup_not_found", "No such backup.");
    }
    if (!run->object_key.empty()) {
      // platform/<id>/archive.dkb → platform/<id>/manifest.json goes first.
      const auto dir = run->object_key.substr(0, run->object_key.rfind('/'));
      objects_.remove(dir + "/manifest.json");
      objects_.remove(run->object_key);
    }
    runs_.remove(run->id);
  };
  co_await pool_.run(drop);
}

}  // namespace dokkerr::backup
