#pragma once
// /api/v1/backups/volumes: volume backups on demand, their history, restore and removal;
// /api/v1/backups/schedules: backups on a cron schedule with retention.
namespace dokkerr::http {
class Router;
}

namespace dokkerr::backup {

class VolumeBackupService;
class BackupScheduleService;

// The services must outlive the router.
void add_backup_routes(http::Router& router, VolumeBackupService& service,
                       BackupScheduleService& schedules);

}  // namespace dokkerr::backup
