#pragma once
// Container logs archived to the object store, on request or on a schedule: each run takes what
// the container logged since the previous run began (the engine's `since`/`until` on its own
// timestamps, so consecutive archives neither overlap nor leave a gap) as JSON lines
// {"time", "stream", "line"}, gzip'd, under logs/<env>/<container id>/<run id>.jsonl.gz.
// RBAC: containers:logs in the container's team, for the archive, the list and the download.
#include "backup/backup_runs.hpp"
#include "backup/volume_backups.hpp"

namespace dokkerr::backup {

inline constexpr std::size_t kMaxLogDownloadBytes = std::size_t{64} << 20U;

class LogArchiveService {
 public:
  LogArchiveService(BackupRunStore& runs, VolumeHost& engines, objects::ObjectStore& objects,
                    BlockingPool& pool, const Clock& clock);

  boost::asio::awaitable<BackupRun> archive(const Principal& caller, std::string environment,
                                            std::string container);
  boost::asio::awaitable<Page<BackupRun>> list(const Principal& caller, BackupRunFilter filter);
  // The gzip'd JSON lines; Error payload_too_large "log_archive_too_large" above the bound.
  boost::asio::awaitable<std::string> content(const Principal& caller, std::string run_id);
  boost::asio::awaitable<void> remove(const Principal& caller, std::string run_id);

 private:
  boost::asio::awaitable<BackupRun> visible_run(const Principal& caller, std::string run_id);

  BackupRunStore& runs_;
  VolumeHost& engines_;
  objects::ObjectStore& objects_;
  BlockingPool& pool_;
  const Clock& clock_;
};

}  // namespace dokkerr::backup
