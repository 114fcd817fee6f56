#include "store/migrations.hpp"

#include "core/clock.hpp"
#include "core/error.hpp"

#include <array>
#include <set>
#include <string>

namespace dokkerr::store {
namespace {

constexpr std::array kMigrations{
    Migration{1, "environments and settings", R"sql(
CREATE TABLE environments (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL,
  tls_ca TEXT,
  tls_cert TEXT,
  tls_key TEXT,
  tls_verify INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
)sql"},
};

constexpr std::string_view kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
    "name TEXT NOT NULL, applied_at TEXT NOT NULL)";

// Any fixed number works as long as nothing else in the database uses it for an advisory lock;
// this one spells "dokkerr" in ASCII.
constexpr std::string_view kLockMigrations = "SELECT pg_advisory_xact_lock(28269553379177074)";

// Serializes migrating processes. SQLite needs nothing: transaction() begins IMMEDIATE, which
// already holds the database's write lock. The transaction-scoped lock ends with the commit.
void lock_for_migration(Database& tx) {
  if (tx.backend() == "postgres") (void)tx.query(kLockMigrations);
}

std::set<int> applied_versions(Database& db) {
  std::set<int> versions;
  for (const Row& row : db.query("SELECT version FROM schema_migrations")) {
    versions.insert(static_cast<int>(row.integer(0)));
  }
  return versions;
}

}  // namespace

std::span<const Migration> migrations() {
  return kMigrations;
}

int migrate(Database& db, std::span<const Migration> list) {
  // Create the bookkeeping table under the lock: two PostgreSQL sessions running CREATE TABLE IF
  // NOT EXISTS at the same moment can both try to create it, and one fails.
  std::set<int> done;
  db.transaction([&](Database& tx) {
    lock_for_migration(tx);
    tx.execute(kCreateSchemaMigrations);
    done = applied_versions(tx);
  });

  int applied = 0;
  int previous = 0;
  for (const Migration& m : list) {
    if (m.version <= previous) {
      throw Error::internal_error("migration versions must ascend: " + std::to_string(m.version) +
                                  " follows " + std::to_string(previous));
    }
    previous = m.version;
    if (done.contains(m.version)) continue;
    db.transaction([&](Database& tx) {
      lock_for_migration(tx);
      // Another process may have applied it since we looked.
      if (!tx.query("SELECT 1 FROM schema_migrations WHERE version = ?", {std::int64_t{m.version}})
               .empty()) {
        return;
      }
      tx.execute_script(m.sql);
      tx.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                 {std::int64_t{m.version}, std::string(m.name), now_rfc3339()});
      ++applied;
    });
  }
  return applied;
}

int migrate(Database& db) {
  return migrate(db, migrations());
}

}  // namespace dokkerr::store
