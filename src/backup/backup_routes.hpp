#pragma once
// /api/v1/backups/volumes: volume backups on demand, their history, restore and removal.
namespace dokkerr::http {
class Router;
}

namespace dokkerr::backup {

class VolumeBackupService;

// `service` must outlive the router.
void add_backup_routes(http::Router& router, VolumeBackupService& service);

}  // namespace dokkerr::backup
