#pragma once
// Platform backups taken by the server itself (by hand through the API or on a schedule), with
// the passphrase from --backup-passphrase-file; each recorded as a run of kind "platform".
#include "backup/backup_runs.hpp"
#include "backup/platform_backup.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"

#include <boost/asio/awaitable.hpp>

namespace dokkerr::backup {

struct PlatformJobSettings {
  std::string database_url;
  std::filesystem::path data_dir;
  std::string passphrase;  // "" → platform backups are off (409 backup_passphrase_missing)
  KdfParams kdf;
};

class PlatformBackupJobs {
 public:
  PlatformBackupJobs(BackupRunStore& runs, store::Database& db, objects::ObjectStore& objects,
                     BlockingPool& pool, const Clock& clock, PlatformJobSettings settings);

  [[nodiscard]] bool configured() const { return !settings_.passphrase.empty(); }
  // Error conflict "backup_passphrase_missing" when not configured; the backup's own errors
  // after recording the run as failed.
  boost::asio::awaitable<BackupRun> run(std::string actor_id);
  // The platform runs, newest first.
  boost::asio::awaitable<std::vector<BackupRun>> runs(std::size_t limit);
  // The run and its two objects (manifest first, so a half-removed backup is never listed).
  boost::asio::awaitable<void> remove(std::string run_id);

 private:
  BackupRunStore& runs_;
  store::Database& db_;
  objects::ObjectStore& objects_;
  BlockingPool& pool_;
  const Clock& clock_;
  PlatformJobSettings settings_;
};

}  // namespace dokkerr::backup
