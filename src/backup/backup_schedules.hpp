#pragma once
// Backup schedules: a cron expression per volume, run by the replica holding the scheduler
// lease, each run recorded like one started by hand, then the schedule's retention applied to
// that volume's backups: keep the newest `keep_last`, and the newest of each of the last
// `keep_daily` days and `keep_weekly` weeks (UTC); the others are deleted with their archives.
// A failed run is written to the audit log (action backups.schedule.run, result failure).
//
// RBAC as for the volume: volumes:read in its team lists a schedule, volumes:create manages it;
// a container's log archives (kind "logs"): containers:logs in its team for both.
// Platform schedules (kind "platform": database and keys) and audit log archives (kind "audit")
// name no volume and are for holders of backups:manage (administrators); image schedules (kind
// "image", `docker save` of one reference) are the platform's too, for holders of images:manage.
#include "backup/audit_archives.hpp"
#include "backup/backup_runs.hpp"
#include "backup/image_backups.hpp"
#include "backup/log_archives.hpp"
#include "backup/platform_jobs.hpp"
#include "backup/volume_backups.hpp"
#include "core/audit_trail.hpp"

#include <boost/json/object.hpp>

namespace dokkerr::backup {

struct BackupSchedule {
  std::string id;
  std::string kind = "volume";
  std::string team_id;
  std::string environment;
  std::string target;  // the volume; the container's full id for "logs"
  std::string cron;
  int keep_last = 7;
  int keep_daily = 0;
  int keep_weekly = 0;
  bool enabled = true;
  std::string created_by;
  std::string created_at;
  std::int64_t next_run_unix = 0;
  std::string last_run_id;
  std::string last_status;  // "" before the first run
};

class ScheduleStore {
 public:
  virtual ~ScheduleStore() = default;
  virtual void insert(const BackupSchedule& schedule) = 0;
  virtual void update(const BackupSchedule& schedule) = 0;
  virtual std::optional<BackupSchedule> get(std::string_view id) = 0;
  // teams nullopt: every team.
  virtual std::vector<BackupSchedule> list(
      const std::optional<std::set<std::string, std::less<>>>& teams) = 0;
  virtual std::vector<BackupSchedule> due(std::int64_t now_unix, std::size_t limit) = 0;
  virtual void remove(std::string_view id) = 0;
};

std::unique_ptr<ScheduleStore> make_sql_schedule_store(store::Database& db);

// Which of a target's succeeded runs (newest first) to delete under the retention rules.
std::vector<std::string> runs_to_drop(const std::vector<BackupRun>& newest_first, int keep_last,
                                      int keep_daily, int keep_weekly);

// How a scheduled run ended, for whoever watches (the alert rules on backup_failed).
struct ScheduleOutcome {
  std::string schedule_id;
  std::string kind;
  std::string environment;
  std::string team_id;
  std::string what;  // words for the target: "volume data", "the platform", …
  bool failed = false;
  std::string reason;
};

class BackupScheduleService {
 public:
  BackupScheduleService(ScheduleStore& schedules, BackupRunStore& runs,
                        VolumeBackupService& volumes, ImageBackupService& images,
                        PlatformBackupJobs& platform, AuditArchiver& archiver,
                        LogArchiveService& logs, VolumeHost& host, AuditTrail& audit,
                        BlockingPool& pool, const Clock& clock);

  // body: {kind?: volume|logs|image|platform|audit, volume (volume), container (logs) or image
  // (image), environment?, cron, keep_last?, keep_daily?, keep_weekly?, enabled?}
  boost::asio::awaitable<BackupSchedule> create(const Principal& caller, boost::json::object body);
  // body: any of {cron, keep_last, keep_daily, keep_weekly, enabled}
  boost::asio::awaitable<BackupSchedule> update(const Principal& caller, std::string id,
                                                boost::json::object body);
  boost::asio::awaitable<std::vector<BackupSchedule>> list(const Principal& caller);
  boost::asio::awaitable<BackupSchedule> get(const Principal& caller, std::string id);
  boost::asio::awaitable<void> remove(const Principal& caller, std::string id);
  // Runs the schedule now (its next time stays); returns the run.
  boost::asio::awaitable<BackupRun> run_now(const Principal& caller, std::string id);

  // On the lease holder: runs every due schedule once, one after another. Returns how many ran.
  boost::asio::awaitable<int> run_due();

  // Told of every scheduled run's end (set before the first run; called on a pool thread).
  void on_outcome(std::function<void(const ScheduleOutcome&)> listener) {
    outcome_listener_ = std::move(listener);
  }

 private:
  boost::asio::awaitable<BackupSchedule> visible(const Principal& caller, std::string id,
                                                 std::string_view permission);
  boost::asio::awaitable<BackupRun> execute(BackupSchedule& schedule);
  boost::asio::awaitable<void> apply_retention(const BackupSchedule& schedule);

  ScheduleStore& schedules_;
  BackupRunStore& runs_;
  VolumeBackupService& volumes_;
  ImageBackupService& images_;
  PlatformBackupJobs& platform_;
  AuditArchiver& archiver_;
  LogArchiveService& logs_;
  VolumeHost& host_;
  AuditTrail& audit_;
  BlockingPool& pool_;
  const Clock& clock_;
  std::function<void(const ScheduleOutcome&)> outcome_listener_;
};

}  // namespace dokkerr::backup
