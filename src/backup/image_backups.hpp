#pragma once
// Image backups: `docker save` of one image streamed gzip'd into the object store, and loaded
// back into an engine (`docker load`) after the archive is checked. Images are shared by every
// team on an engine, so these are for holders of images:manage (administrators).
#include "backup/backup_runs.hpp"
#include "backup/volume_backups.hpp"

namespace dokkerr::backup {

class ImageBackupService {
 public:
  ImageBackupService(BackupRunStore& runs, VolumeHost& engines, objects::ObjectStore& objects,
                     BlockingPool& pool, const Clock& clock);

  boost::asio::awaitable<BackupRun> back_up(const Principal& caller, std::string environment,
                                            std::string image);
  // 400 invalid_reference or 404 image_not_found unless the engine of `environment` has it.
  boost::asio::awaitable<void> require_image(std::string environment, std::string image);
  // Loads the image into `environment` (default: the one it came from); returns the run.
  boost::asio::awaitable<BackupRun> restore(std::string run_id,
                                            std::optional<std::string> environment);
  boost::asio::awaitable<std::vector<BackupRun>> list(std::size_t limit);
  boost::asio::awaitable<void> remove(std::string run_id);

 private:
  boost::asio::awaitable<BackupRun> load_run(std::string run_id);

  BackupRunStore& runs_;
  VolumeHost& engines_;
  objects::ObjectStore& objects_;
  BlockingPool& pool_;
  const Clock& clock_;
};

}  // namespace dokkerr::backup
