#pragma once
// /api/v1/backups/volumes: volume backups on demand, their history, restore and removal;
// /api/v1/backups/schedules: backups on a cron schedule with retention;
// /api/v1/backups/platform: platform backups taken by the server (administrators);
// /api/v1/backups/images: image backups (docker save / load, administrators);
// /api/v1/backups/audit: audit log archives and their verification (administrators);
// /api/v1/backups/logs: container log archives (containers:logs in the container's team).
namespace dokkerr::http {
class Router;
}

namespace dokkerr::backup {

class VolumeBackupService;
class BackupScheduleService;
class PlatformBackupJobs;
class ImageBackupService;
class AuditArchiver;
class LogArchiveService;

// The services must outlive the router.
struct BackupServices {
  VolumeBackupService& volumes;
  BackupScheduleService& schedules;
  PlatformBackupJobs& platform;
  ImageBackupService& images;
  AuditArchiver& audit;
  LogArchiveService& logs;
};

void add_backup_routes(http::Router& router, const BackupServices& services);

}  // namespace dokkerr::backup
