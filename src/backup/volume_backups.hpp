#pragma once
// Volume backups: a named volume's files, read through the engine's archive API from a helper
// container that is created but never started (so it runs nothing and needs no tools in its
// image), gzip'd and streamed to the object store; restored the same way into a new or empty
// volume of the same team. A run is recorded before it starts and finished with its size,
// checksum and duration or its error.
//
// RBAC: a backup needs volumes:create in the volume's team (it reads every byte of the volume);
// the runs are listed to holders of volumes:read in their team; a restore needs volumes:create
// in the run's team and goes into that team only; deleting a backup needs volumes:delete.
// Runs of other teams answer 404, like volumes do.
#include "backup/backup_runs.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/page.hpp"
#include "core/principal.hpp"
#include "objects/object_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>

namespace dokkerr::docker {
class Client;
}

namespace dokkerr::backup {

struct VolumeRef {
  std::string environment;
  std::string name;
  std::string team_id;  // "" for a volume no team owns (admins only)
};

struct ContainerRef {
  std::string environment;
  std::string id;  // full
  std::string name;
  std::string team_id;
  bool tty = false;  // its output is one raw stream, not stdout and stderr framed
};

// What volume backups and log archives need from the engines and their tenancy; implemented over
// the containers domain where the program is wired.
class VolumeHost {
 public:
  virtual ~VolumeHost() = default;
  // The volume if the caller holds `permission` in its team (admins: any); else
  // Error{not_found, "volume_not_found"}.
  virtual boost::asio::awaitable<VolumeRef> resolve(const Principal& caller,
                                                    std::string environment, std::string name,
                                                    std::string_view permission) = 0;
  // Whether the environment has a volume of that name (whoever owns it).
  virtual boost::asio::awaitable<bool> exists(std::string environment, std::string name) = 0;
  // Creates the volume for team_id, recorded as the team's.
  virtual boost::asio::awaitable<void> create(std::string environment, std::string name,
                                              std::string team_id) = 0;
  // Removes a volume create() made (a restore that failed), and its ownership record.
  virtual boost::asio::awaitable<void> remove(std::string environment, std::string name) = 0;
  // The environment's engine (Error not_found / unavailable as the containers domain says).
  virtual std::shared_ptr<docker::Client> engine(std::string environment) = 0;
  // A container the caller holds `permission` for in its team (admins: any), with its owner;
  // else Error{not_found, "container_not_found"}.
  virtual boost::asio::awaitable<ContainerRef> resolve_container(const Principal& caller,
                                                                 std::string environment,
                                                                 std::string ref,
                                                                 std::string_view permission) = 0;
};

struct VolumeRestore {
  std::optional<std::string> environment;  // default: the backup's
  std::string volume;                      // a new name, or an empty volume of the team
};

struct VolumeRestoreResult {
  BackupRun run;
  std::string environment;
  std::string volume;
  bool created = false;
  std::uint64_t bytes = 0;  // the archive's size
};

struct VolumeBackupSettings {
  std::string helper_image;  // "" → any image the engine has (it is never started)
};

class VolumeBackupService {
 public:
  VolumeBackupService(BackupRunStore& runs, VolumeHost& host, objects::ObjectStore& objects,
                      BlockingPool& pool, const Clock& clock, VolumeBackupSettings settings);

  boost::asio::awaitable<BackupRun> back_up(const Principal& caller, std::string environment,
                                            std::string volume);
  boost::asio::awaitable<VolumeRestoreResult> restore(const Principal& caller, std::string run_id,
                                                      VolumeRestore request);
  boost::asio::awaitable<Page<BackupRun>> list(const Principal& caller, BackupRunFilter filter);
  boost::asio::awaitable<BackupRun> get(const Principal& caller, std::string run_id);
  boost::asio::awaitable<void> remove(const Principal& caller, std::string run_id);

 private:
  boost::asio::awaitable<BackupRun> visible_run(const Principal& caller, std::string run_id,
                                                std::string_view permission);
  boost::asio::awaitable<std::string> helper(docker::Client& engine, const std::string& volume,
                                             bool read_only);

  BackupRunStore& runs_;
  VolumeHost& host_;
  objects::ObjectStore& objects_;
  BlockingPool& pool_;
  const Clock& clock_;
  VolumeBackupSettings settings_;
};

}  // namespace dokkerr::backup
