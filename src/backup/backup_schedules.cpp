#include "backup/backup_schedules.hpp"

#include "backup/cron.hpp"
#include "backup/team_access.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/permissions.hpp"
#include "crypto/primitives.hpp"

#include <boost/json/serialize.hpp>

#include <ctime>
#include <set>

namespace dokkerr::backup {
namespace {

namespace asio = boost::asio;
namespace bj = boost::json;

constexpr std::size_t kMaxSchedulesPerTeam = 100;
constexpr std::size_t kDuePerRound = 20;

constexpr std::string_view kColumns =
    "id, kind, team_id, environment, target, cron, keep_last, keep_daily, keep_weekly, enabled, "
    "created_by, created_at, next_run_unix, last_run_id, last_status";

BackupSchedule schedule_of(const store::Row& row) {
  BackupSchedule s;
  s.id = row.text(0);
  s.kind = row.text(1);
  s.team_id = row.text(2);
  s.environment = row.text(3);
  s.target = row.text(4);
  s.cron = row.text(5);
  s.keep_last = static_cast<int>(row.integer(6));
  s.keep_daily = static_cast<int>(row.integer(7));
  s.keep_weekly = static_cast<int>(row.integer(8));
  s.enabled = row.integer(9) != 0;
  s.created_by = row.text(10);
  s.created_at = row.text(11);
  s.next_run_unix = row.integer(12);
  s.last_run_id = row.text(13);
  s.last_status = row.text(14);
  return s;
}

std::vector<store::Value> values_of(const BackupSchedule& s) {
  return {s.id,
          s.kind,
          s.team_id,
          s.environment,
          s.target,
          s.cron,
          std::int64_t{s.keep_last},
          std::int64_t{s.keep_daily},
          std::int64_t{s.keep_weekly},
          std::int64_t{s.enabled ? 1 : 0},
          s.created_by,
          s.created_at,
          s.next_run_unix,
          s.last_run_id,
          s.last_status};
}

class SqlScheduleStore final : public ScheduleStore {
 public:
  explicit SqlScheduleStore(store::Database& db) : db_(db) {}

  void insert(const BackupSchedule& s) override {
    db_.execute("INSERT INTO backup_schedules (" + std::string(kColumns) +
                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values_of(s));
  }
  void update(const BackupSchedule& s) override {
    db_.execute(
        "UPDATE backup_schedules SET cron = ?, keep_last = ?, keep_daily = ?, keep_weekly = ?, "
        "enabled = ?, next_run_unix = ?, last_run_id = ?, last_status = ? WHERE id = ?",
        {s.cron, std::int64_t{s.keep_last}, std::int64_t{s.keep_daily}, std::int64_t{s.keep_weekly},
         std::int64_t{s.enabled ? 1 : 0}, s.next_run_unix, s.last_run_id, s.last_status, s.id});
  }
  std::optional<BackupSchedule> get(std::string_view id) override {
    const auto rows =
        db_.query("SELECT " + std::string(kColumns) + " FROM backup_schedules WHERE id = ?",
                  {std::string(id)});
    if (rows.empty()) return std::nullopt;
    return schedule_of(rows.front());
  }
  std::vector<BackupSchedule> list(
      const std::optional<std::set<std::string, std::less<>>>& teams) override {
    std::string sql = "SELECT " + std::string(kColumns) + " FROM backup_schedules";
    std::vector<store::Value> params;
    if (teams) {
      if (teams->empty()) return {};
      sql += " WHERE team_id IN (";
      for (const auto& team : *teams) {
        sql += params.empty() ? "?" : ", ?";
        params.emplace_back(team);
      }
      sql += ")";
    }
    sql += " ORDER BY created_at, id";
    std::vector<BackupSchedule> out;
    for (const auto& row : db_.query(sql, params)) out.push_back(schedule_of(row));
    return out;
  }
  std::vector<BackupSchedule> due(std::int64_t now_unix, std::size_t limit) override {
    std::vector<BackupSchedule> out;
    for (const auto& row :
         db_.query("SELECT " + std::string(kColumns) +
                       " FROM backup_schedules WHERE enabled = 1 AND next_run_unix <= ? "
                       "ORDER BY next_run_unix LIMIT ?",
                   {now_unix, static_cast<std::int64_t>(limit)})) {
      out.push_back(schedule_of(row));
    }
    return out;
  }
  void remove(std::string_view id) override {
    db_.execute("DELETE FROM backup_schedules WHERE id = ?", {std::string(id)});
  }

 private:
  store::Database& db_;
};

Error schedule_not_found() {
  return Error::not_found("backup_schedule_not_found", "No such backup schedule.");
}

int bounded(const bj::object& body, std::string_view field, int fallback, int low, int high) {
  const auto value = json::optional_int(body, field);
  if (!value) return fallback;
  if (*value < low || *value > high) {
    throw Error::invalid("invalid_body", std::string(field) + " must be " + std::to_string(low) +
                                             " to " + std::to_string(high) + ".");
  }
  return static_cast<int>(*value);
}

// The system acting for a schedule: it may reach the volume (the schedule's team is checked
// against the volume's owner on every run).
Principal schedule_actor(const BackupSchedule& schedule) {
  Principal actor;
  actor.user_id = "schedule:" + schedule.id;
  actor.username = "backup schedule";
  actor.is_admin = true;
  return actor;
}

std::string week_of(const std::string& stamp) {
  std::tm tm{};
  if (stamp.size() < 10 ||
      std::sscanf(stamp.c_str(), "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3) {
    return stamp;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_hour = 12;
  const std::time_t t = timegm(&tm);
  gmtime_r(&t, &tm);
  std::array<char, 16> text{};
  std::strftime(text.data(), text.size(), "%G-%V", &tm);
  return text.data();
}

}  // namespace

std::unique_ptr<ScheduleStore> make_sql_schedule_store(store::Database& db) {
  return std::make_unique<SqlScheduleStore>(db);
}

std::vector<std::string> runs_to_drop(const std::vector<BackupRun>& newest_first, int keep_last,
                                      int keep_daily, int keep_weekly) {
  std::set<std::string> keep;
  std::set<std::string> days;
  std::set<std::string> weeks;
  for (std::size_t i = 0; i < newest_first.size(); ++i) {
    const auto& run = newest_first[i];
    if (static_cast<int>(i) < keep_last) keep.insert(run.id);
    const auto day = run.started_at.substr(0, 10);
    if (!days.contains(day) && static_cast<int>(days.size()) < keep_daily) {
      days.insert(day);
      keep.insert(run.id);
    }
    const auto week = week_of(run.started_at);
    if (!weeks.contains(week) && static_cast<int>(weeks.size()) < keep_weekly) {
      weeks.insert(week);
      keep.insert(run.id);
    }
  }
  std::vector<std::string> drop;
  for (const auto& run : newest_first) {
    if (!keep.contains(run.id)) drop.push_back(run.id);
  }
  return drop;
}

BackupScheduleService::BackupScheduleService(ScheduleStore& schedules, BackupRunStore& runs,
                                             VolumeBackupService& volumes,
                                             ImageBackupService& images,
                                             PlatformBackupJobs& platform, AuditArchiver& archiver,
                                             LogArchiveService& logs, VolumeHost& host,
                                             AuditTrail& audit, BlockingPool& pool,
                                             const Clock& clock)
    : schedules_(schedules),
      runs_(runs),
      volumes_(volumes),
      images_(images),
      platform_(platform),
      archiver_(archiver),
      logs_(logs),
      host_(host),
      audit_(audit),
      pool_(pool),
      clock_(clock) {}

asio::awaitable<BackupSchedule> BackupScheduleService::create(const Principal& caller,
                                                              bj::object body) {
  json::only_fields(body, {"kind", "volume", "container", "image", "environment", "cron",
                           "keep_last", "keep_daily", "keep_weekly", "enabled"});
  BackupSchedule schedule;
  schedule.kind = json::optional_string(body, "kind").value_or("volume");
  if (schedule.kind != "volume" && schedule.kind != "logs" && schedule.kind != "image" &&
      schedule.kind != "platform" && schedule.kind != "audit") {
    throw Error::invalid("invalid_body", "kind is volume, logs, image, platform or audit.");
  }
  const auto cron = CronSchedule::parse(json::required_string(body, "cron"));
  schedule.cron = cron.text();
  schedule.keep_last = bounded(body, "keep_last", 7, 1, 1000);
  schedule.keep_daily = bounded(body, "keep_daily", 0, 0, 366);
  schedule.keep_weekly = bounded(body, "keep_weekly", 0, 0, 520);
  schedule.enabled = json::optional_bool(body, "enabled").value_or(true);
  if (schedule.kind == "logs") {
    if (body.contains("volume"))
      throw Error::invalid("invalid_body", "A logs schedule names a container.");
    schedule.environment = json::optional_string(body, "environment").value_or("local");
    const auto container = co_await host_.resolve_container(
        caller, schedule.environment, json::required_string(body, "container"),
        perm::containers_logs);
    if (container.team_id.empty()) {
      throw Error::invalid(
          "container_has_no_team",
          "Only a container that belongs to a team can be archived on a schedule.");
    }
    schedule.team_id = container.team_id;
    schedule.target = container.id;
  } else if (schedule.kind == "image") {
    // Images are shared by every team on an engine: their schedules are the platform's.
    if (!caller.has_platform(perm::images_manage)) {
      throw Error{ErrorKind::forbidden, "permission_denied",
                  "Image backups are for holders of images:manage."};
    }
    if (body.contains("volume") || body.contains("container")) {
      throw Error::invalid("invalid_body", "An image schedule names an image.");
    }
    schedule.environment = json::optional_string(body, "environment").value_or("local");
    schedule.target = json::required_string(body, "image");
    co_await images_.require_image(schedule.environment, schedule.target);
  } else if (schedule.kind != "volume") {
    if (!caller.has_platform(perm::backups_manage)) {
      throw Error{ErrorKind::forbidden, "permission_denied",
                  "Platform backups and audit archives are for the platform's administrators."};
    }
    if (body.contains("volume") || body.contains("environment")) {
      throw Error::invalid("invalid_body", "This schedule names no volume or environment.");
    }
    if (schedule.kind == "platform" && !platform_.configured()) {
      throw Error::conflict("backup_passphrase_missing",
                            "Platform backups need the server's --backup-passphrase-file.");
    }
    schedule.target = schedule.kind;
  } else {
    schedule.environment = json::optional_string(body, "environment").value_or("local");
    schedule.target = json::required_string(body, "volume");
    const auto volume =
        co_await host_.resolve(caller, schedule.environment, schedule.target, perm::volumes_create);
    if (volume.team_id.empty()) {
      throw Error::invalid("volume_has_no_team",
                           "Only a volume that belongs to a team can be backed up on a schedule.");
    }
    schedule.team_id = volume.team_id;
    schedule.target = volume.name;
  }
  schedule.id = crypto::hex_encode(crypto::random_bytes(12));
  schedule.created_by = caller.user_id;
  schedule.created_at = clock_.stamp();
  schedule.next_run_unix = cron.next_after(clock_.unix_seconds());
  auto insert = [this, &schedule] {
    const std::set<std::string, std::less<>> team{schedule.team_id};
    if (schedules_.list(team).size() >= kMaxSchedulesPerTeam) {
      throw Error::conflict("too_many_backup_schedules",
                            "A team has at most 100 backup schedules.");
    }
    schedules_.insert(schedule);
  };
  co_await pool_.run(insert);
  co_return schedule;
}

asio::awaitable<BackupSchedule> BackupScheduleService::visible(const Principal& caller,
                                                               std::string id,
                                                               std::string_view permission) {
  auto load = [this, &id] { return schedules_.get(id); };
  auto schedule = co_await pool_.run(load);
  if (!schedule) throw schedule_not_found();
  if (schedule->kind == "platform" || schedule->kind == "audit" || schedule->kind == "image") {
    const auto platform_permission =
        schedule->kind == "image" ? perm::images_manage : perm::backups_manage;
    if (caller.has_platform(platform_permission)) co_return *schedule;
    throw schedule_not_found();
  }
  // A container's log archives are read and managed with containers:logs.
  const auto needed = schedule->kind == "logs" ? perm::containers_logs : permission;
  check_team_access(caller, schedule->team_id, needed, schedule_not_found());
  co_return *schedule;
}

asio::awaitable<BackupSchedule> BackupScheduleService::update(const Principal& caller,
                                                              std::string id, bj::object body) {
  json::only_fields(body, {"cron", "keep_last", "keep_daily", "keep_weekly", "enabled"});
  auto schedule = co_await visible(caller, std::move(id), perm::volumes_create);
  if (const auto text = json::optional_string(body, "cron")) {
    const auto cron = CronSchedule::parse(*text);
    schedule.cron = cron.text();
    schedule.next_run_unix = cron.next_after(clock_.unix_seconds());
  }
  schedule.keep_last = bounded(body, "keep_last", schedule.keep_last, 1, 1000);
  schedule.keep_daily = bounded(body, "keep_daily", schedule.keep_daily, 0, 366);
  schedule.keep_weekly = bounded(body, "keep_weekly", schedule.keep_weekly, 0, 520);
  if (const auto enabled = json::optional_bool(body, "enabled")) {
    if (*enabled && !schedule.enabled) {  // from now on, not for the times it was off
      schedule.next_run_unix = CronSchedule::parse(schedule.cron).next_after(clock_.unix_seconds());
    }
    schedule.enabled = *enabled;
  }
  auto save = [this, &schedule] { schedules_.update(schedule); };
  co_await pool_.run(save);
  co_return schedule;
}

asio::awaitable<std::vector<BackupSchedule>> BackupScheduleService::list(const Principal& caller) {
  std::optional<std::set<std::string, std::less<>>> teams;
  if (!caller.is_admin) {
    teams = caller.teams_with(perm::volumes_read);
    teams->merge(caller.teams_with(perm::containers_logs));
  }
  auto load = [this, &teams] { return schedules_.list(teams); };
  auto schedules = co_await pool_.run(load);
  if (!caller.is_admin) {
    // Each kind is seen with its own permission in its team.
    std::erase_if(schedules, [&caller](const BackupSchedule& s) {
      const auto needed = s.kind == "logs" ? perm::containers_logs : perm::volumes_read;
      return !caller.has_in_team(s.team_id, needed);
    });
  }
  co_return schedules;
}

asio::awaitable<BackupSchedule> BackupScheduleService::get(const Principal& caller,
                                                           std::string id) {
  co_return co_await visible(caller, std::move(id), perm::volumes_read);
}

asio::awaitable<void> BackupScheduleService::remove(const Principal& caller, std::string id) {
  const auto schedule = co_await visible(caller, std::move(id), perm::volumes_create);
  auto drop = [this, &schedule] { schedules_.remove(schedule.id); };
  co_await pool_.run(drop);
}

asio::awaitable<BackupRun> BackupScheduleService::run_now(const Principal& caller, std::string id) {
  auto schedule = co_await visible(caller, std::move(id), perm::volumes_create);
  co_return co_await execute(schedule);
}

asio::awaitable<BackupRun> BackupScheduleService::execute(BackupSchedule& schedule) {
  const auto actor = schedule_actor(schedule);
  BackupRun run;
  std::exception_ptr failure;
  std::string reason;
  try {
    if (schedule.kind == "platform") {
      run = co_await platform_.run(actor.user_id);
    } else if (schedule.kind == "audit") {
      run = co_await archiver_.archive(actor.user_id);
    } else if (schedule.kind == "image") {
      run = co_await images_.back_up(actor, schedule.environment, schedule.target);
    } else if (schedule.kind == "logs") {
      const auto container = co_await host_.resolve_container(
          actor, schedule.environment, schedule.target, perm::containers_logs);
      if (container.team_id != schedule.team_id) {
        throw Error::conflict("container_changed_team",
                              "The container no longer belongs to the schedule's team.");
      }
      run = co_await logs_.archive(actor, schedule.environment, schedule.target);
    } else {
      const auto volume = co_await host_.resolve(actor, schedule.environment, schedule.target,
                                                 perm::volumes_create);
      if (volume.team_id != schedule.team_id) {
        throw Error::conflict("volume_changed_team",
                              "The volume no longer belongs to the schedule's team.");
      }
      run = co_await volumes_.back_up(actor, schedule.environment, schedule.target);
    }
    co_await apply_retention(schedule);
  } catch (const Error& e) {
    failure = std::current_exception();
    reason = e.detail();
  } catch (const std::exception&) {
    failure = std::current_exception();
    reason = "An internal error occurred.";
  }
  schedule.last_run_id = run.id;
  schedule.last_status = failure ? "failed" : "succeeded";
  auto save = [this, &schedule] {
    // Only the run's outcome: a concurrent edit of the schedule's settings stays.
    auto current = schedules_.get(schedule.id);
    if (!current) return;
    current->last_run_id = schedule.last_run_id;
    current->last_status = schedule.last_status;
    current->next_run_unix = std::max(current->next_run_unix, schedule.next_run_unix);
    schedules_.update(*current);
  };
  co_await pool_.run(save);
  if (outcome_listener_) {
    std::string what = schedule.kind == "platform" ? "the platform"
                       : schedule.kind == "audit"  ? "the audit log"
                       : schedule.kind == "image"  ? "image " + schedule.target
                       : schedule.kind == "logs"
                           ? "the logs of container " + schedule.target.substr(0, 12)
                           : "volume " + schedule.target;
    outcome_listener_({schedule.id, schedule.kind, schedule.environment, schedule.team_id,
                       std::move(what), failure != nullptr, reason});
  }
  if (failure) {
    AuditRecord record;
    record.action = "backups.schedule.run";
    record.result = "failure";
    record.target = schedule.environment + "/" + schedule.target;
    record.actor_type = "system";
    record.actor_id = actor.user_id;
    record.actor_name = actor.username;
    record.team_id = schedule.team_id;
    record.detail_json =
        bj::serialize(bj::object{{"schedule", schedule.id}, {"run", run.id}, {"error", reason}});
    co_await audit_.record(std::move(record));
    std::rethrow_exception(failure);
  }
  co_return run;
}

asio::awaitable<void> BackupScheduleService::apply_retention(const BackupSchedule& schedule) {
  BackupRunFilter filter;
  filter.kind = schedule.kind;
  filter.teams = std::set<std::string, std::less<>>{schedule.team_id};
  filter.environment = schedule.environment;
  filter.target = schedule.target;
  filter.limit = 5000;
  auto load = [this, &filter] { return runs_.list(filter); };
  auto runs = co_await pool_.run(load);
  // Runs that stored nothing (an audit archive with no new entries) hold no backup to keep.
  std::erase_if(runs,
                [](const BackupRun& r) { return r.status != "succeeded" || r.object_key.empty(); });
  const auto actor = schedule_actor(schedule);
  for (auto& id :
       runs_to_drop(runs, schedule.keep_last, schedule.keep_daily, schedule.keep_weekly)) {
    if (schedule.kind == "platform") {
      co_await platform_.remove(std::move(id));
    } else if (schedule.kind == "audit") {
      co_await archiver_.remove(std::move(id));
    } else if (schedule.kind == "image") {
      co_await images_.remove(std::move(id));
    } else if (schedule.kind == "logs") {
      co_await logs_.remove(actor, std::move(id));
    } else {
      co_await volumes_.remove(actor, std::move(id));
    }
  }
}

asio::awaitable<int> BackupScheduleService::run_due() {
  const auto now = clock_.unix_seconds();
  auto load = [this, now] { return schedules_.due(now, kDuePerRound); };
  auto due = co_await pool_.run(load);
  int ran = 0;
  for (auto& schedule : due) {
    // The next time is set before the run, so a run that fails or a replica that dies is not
    // repeated at once; a schedule whose cron no longer parses is switched off.
    try {
      schedule.next_run_unix = CronSchedule::parse(schedule.cron).next_after(now);
    } catch (const Error&) {
      schedule.enabled = false;
    }
    auto advance = [this, &schedule] { schedules_.update(schedule); };
    co_await pool_.run(advance);
    if (!schedule.enabled) continue;
    try {
      static_cast<void>(co_await execute(schedule));
    } catch (const std::exception&) {
      static_cast<void>(0);  // recorded on the run, the schedule and in the audit log
    }
    ++ran;
  }
  co_return ran;
}

}  // namespace dokkerr::backup
