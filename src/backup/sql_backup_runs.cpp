#include "backup/backup_runs.hpp"

namespace dokkerr::backup {
namespace {

constexpr std::string_view kColumns =
    "id, kind, team_id, environment, target, object_key, status, size_bytes, sha256, error, "
    "created_by, started_at, finished_at, duration_ms";

BackupRun run_of(const store::Row& row) {
  BackupRun run;
  run.id = row.text(0);
  run.kind = row.text(1);
  run.team_id = row.text(2);
  run.environment = row.text(3);
  run.target = row.text(4);
  run.object_key = row.text(5);
  run.status = row.text(6);
  run.size_bytes = row.integer(7);
  run.sha256 = row.text(8);
  run.error = row.text(9);
  run.created_by = row.text(10);
  run.started_at = row.text(11);
  run.finished_at = row.text(12);
  run.duration_ms = row.integer(13);
  return run;
}

class SqlBackupRunStore final : public BackupRunStore {
 public:
  explicit SqlBackupRunStore(store::Database& db) : db_(db) {}

  void insert(const BackupRun& r) override {
    db_.execute(
        "INSERT INTO backup_runs (" + std::string(kColumns) +
            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {r.id, r.kind, r.team_id, r.environment, r.target, r.object_key, r.status, r.size_bytes,
         r.sha256, r.error, r.created_by, r.started_at, r.finished_at, r.duration_ms});
  }

  void finish(const BackupRun& r) override {
    db_.execute(
        "UPDATE backup_runs SET object_key = ?, status = ?, size_bytes = ?, sha256 = ?, error = ?, "
        "finished_at = ?, duration_ms = ? WHERE id = ?",
        {r.object_key, r.status, r.size_bytes, r.sha256, r.error, r.finished_at, r.duration_ms,
         r.id});
  }

  std::optional<BackupRun> get(std::string_view id) override {
    const auto rows = db_.query(
        "SELECT " + std::string(kColumns) + " FROM backup_runs WHERE id = ?", {std::string(id)});
    if (rows.empty()) return std::nullopt;
    return run_of(rows.front());
  }

  std::vector<BackupRun> list(const BackupRunFilter& f) override {
    std::string sql = "SELECT " + std::string(kColumns) + " FROM backup_runs WHERE 1 = 1";
    std::vector<store::Value> params;
    if (f.teams) {
      if (f.teams->empty()) return {};
      sql += " AND team_id IN (";
      bool first = true;
      for (const auto& team : *f.teams) {
        sql += first ? "?" : ", ?";
        first = false;
        params.emplace_back(team);
      }
      sql += ")";
    }
    if (f.kind) {
      sql += " AND kind = ?";
      params.emplace_back(*f.kind);
    }
    if (f.environment) {
      sql += " AND environment = ?";
      params.emplace_back(*f.environment);
    }
    if (f.target) {
      sql += " AND target = ?";
      params.emplace_back(*f.target);
    }
    if (f.after) {
      const auto bar = f.after->find('|');
      if (bar != std::string::npos) {
        sql += " AND (started_at < ? OR (started_at = ? AND id < ?))";
        const auto started = f.after->substr(0, bar);
        params.emplace_back(started);
        params.emplace_back(started);
        params.emplace_back(f.after->substr(bar + 1));
      }
    }
    sql += " ORDER BY started_at DESC, id DESC LIMIT ?";
    params.emplace_back(static_cast<std::int64_t>(f.limit));
    std::vector<BackupRun> out;
    for (const auto& row : db_.query(sql, params)) out.push_back(run_of(row));
    return out;
  }

  void remove(std::string_view id) override {
    db_.execute("DELETE FROM backup_runs WHERE id = ?", {std::string(id)});
  }

  int fail_unfinished(const std::string& started_before, const std::string& now,
                      const std::string& reason) override {
    return static_cast<int>(db_.execute(
        "UPDATE backup_runs SET status = 'failed', error = ?, finished_at = ? WHERE status = "
        "'running' AND started_at < ?",
        {reason, now, started_before}));
  }

 private:
  store::Database& db_;
};

}  // namespace

std::unique_ptr<BackupRunStore> make_sql_backup_run_store(store::Database& db) {
  return std::make_unique<SqlBackupRunStore>(db);
}

}  // namespace dokkerr::backup
