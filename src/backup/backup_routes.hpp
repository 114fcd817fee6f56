#pragma once
// /api/v1/backups/volumes: volume backups on demand, their history, restore and removal;
// /api/v1/backups/schedules: backups on a cron schedule with retention;
// /api/v1/backups/platform: platform backups taken by the server (administrators).
namespace dokkerr::http {
class Router;
}

namespace dokkerr::backup {

class VolumeBackupService;
class BackupScheduleService;
class PlatformBackupJobs;

// The services must outlive the router.
void add_backup_routes(http::Router& router, VolumeBackupService& service,
                       BackupScheduleService& schedules, PlatformBackupJobs& platform);

}  // namespace dokkerr::backup
