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
    Migration{2, "identity, access and audit", R"sql(
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL,
  username_key TEXT NOT NULL UNIQUE,
  email TEXT,
  display_name TEXT NOT NULL DEFAULT '',
  avatar_url TEXT NOT NULL DEFAULT '',
  preferences TEXT NOT NULL DEFAULT '{}',
  password_hash TEXT,
  is_admin INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  mfa_secret TEXT,
  mfa_enabled INTEGER NOT NULL DEFAULT 0,
  mfa_last_step INTEGER NOT NULL DEFAULT 0,
  oidc_provider TEXT,
  oidc_subject TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_login_at TEXT,
  UNIQUE (oidc_provider, oidc_subject)
);
CREATE TABLE recovery_codes (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,
  used_at TEXT,
  PRIMARY KEY (user_id, code_hash)
);
CREATE TABLE organizations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL DEFAULT '',
  require_mfa TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL
);
CREATE TABLE org_members (
  org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  PRIMARY KEY (org_id, user_id)
);
CREATE TABLE roles (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  permissions TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (org_id, name)
);
CREATE TABLE teams (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  policy TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  UNIQUE (org_id, name)
);
CREATE TABLE team_members (
  team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  PRIMARY KEY (team_id, user_id)
);
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  auth_method TEXT NOT NULL,
  client_address TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  last_used_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT,
  revoke_reason TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT,
  successor_hash TEXT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  team_id TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT,
  last_used_at TEXT
);
CREATE TABLE ws_tickets (
  ticket_hash TEXT PRIMARY KEY,
  principal TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE TABLE login_throttle (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  window_start TEXT NOT NULL,
  lockouts INTEGER NOT NULL DEFAULT 0,
  locked_until TEXT
);
CREATE TABLE resource_owners (
  environment_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (environment_id, kind, resource_id)
);
CREATE TABLE environment_grants (
  environment_id TEXT NOT NULL,
  grantee_type TEXT NOT NULL,
  grantee_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (environment_id, grantee_type, grantee_id)
);
CREATE TABLE oidc_providers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  issuer TEXT NOT NULL,
  client_id TEXT NOT NULL,
  client_secret TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  scopes TEXT NOT NULL,
  team_mapping TEXT NOT NULL DEFAULT '[]',
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);
CREATE TABLE oidc_logins (
  state_hash TEXT PRIMARY KEY,
  provider_id TEXT NOT NULL,
  nonce TEXT NOT NULL,
  code_verifier TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  at TEXT NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id TEXT NOT NULL DEFAULT '',
  actor_name TEXT NOT NULL DEFAULT '',
  org_id TEXT NOT NULL DEFAULT '',
  team_id TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  result TEXT NOT NULL,
  client_address TEXT NOT NULL DEFAULT '',
  request_id TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '{}',
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
)sql"},
    Migration{3, "change counters", R"sql(
CREATE TABLE change_versions (
  name TEXT PRIMARY KEY,
  version INTEGER NOT NULL
);
INSERT INTO change_versions (name, version) VALUES ('access', 0);
)sql"},
    Migration{4, "leases", R"sql(
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
)sql"},
    Migration{5, "idempotency_keys", R"sql(
CREATE TABLE idempotency_keys (
  caller TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  token TEXT NOT NULL,
  state TEXT NOT NULL,
  status INTEGER NOT NULL DEFAULT 0,
  content_type TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  locked_until TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (caller, idempotency_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
)sql"},
    // Metrics history: one row per packed chunk of a container's samples (BYTEA is a BLOB to
    // SQLite). Rollup tiers are built up to metric_rollups.rolled_to_ms.
    Migration{6, "metrics history", R"sql(
CREATE TABLE metric_chunks (
  tier INTEGER NOT NULL,
  environment TEXT NOT NULL,
  container_id TEXT NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL,
  team_id TEXT NOT NULL,
  name TEXT NOT NULL,
  samples INTEGER NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (tier, container_id, start_ms, environment)
);
CREATE INDEX metric_chunks_team ON metric_chunks (tier, team_id, start_ms);
CREATE INDEX metric_chunks_time ON metric_chunks (tier, start_ms);
CREATE TABLE metric_rollups (
  tier INTEGER PRIMARY KEY,
  rolled_to_ms BIGINT NOT NULL
);
INSERT INTO metric_rollups (tier, rolled_to_ms) VALUES (1, 0);
INSERT INTO metric_rollups (tier, rolled_to_ms) VALUES (2, 0);
)sql"},
    // Alerting: rules, the alerts they raise (at most one firing per fingerprint), silences, and
    // the outgoing notifications (written with the alert change they report).
    Migration{7, "alerts", R"sql(
CREATE TABLE alert_rules (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  metric TEXT NOT NULL,
  comparison TEXT NOT NULL,
  threshold DOUBLE PRECISION NOT NULL,
  for_ms BIGINT NOT NULL,
  event TEXT NOT NULL,
  environment TEXT NOT NULL,
  container TEXT NOT NULL,
  webhook_url TEXT NOT NULL,
  webhook_format TEXT NOT NULL,
  webhook_secret TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX alert_rules_team ON alert_rules (team_id);
CREATE TABLE alerts (
  id TEXT PRIMARY KEY,
  rule_id TEXT NOT NULL,
  rule_name TEXT NOT NULL,
  team_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  environment TEXT NOT NULL,
  container_id TEXT NOT NULL,
  container_name TEXT NOT NULL,
  state TEXT NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  summary TEXT NOT NULL,
  started_at_ms BIGINT NOT NULL,
  resolved_at_ms BIGINT,
  acknowledged_by TEXT NOT NULL DEFAULT '',
  acknowledged_at_ms BIGINT,
  silenced INTEGER NOT NULL
);
CREATE UNIQUE INDEX alerts_one_firing ON alerts (fingerprint) WHERE state = 'firing';
CREATE INDEX alerts_team ON alerts (team_id, started_at_ms);
CREATE INDEX alerts_started ON alerts (started_at_ms);
CREATE TABLE alert_silences (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  container TEXT NOT NULL,
  ends_at_ms BIGINT NOT NULL,
  comment TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE TABLE alert_deliveries (
  id TEXT PRIMARY KEY,
  alert_id TEXT NOT NULL,
  url TEXT NOT NULL,
  format TEXT NOT NULL,
  secret TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_ms BIGINT NOT NULL,
  state TEXT NOT NULL,
  last_error TEXT NOT NULL
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (state, next_attempt_ms);
)sql"},
    // The history's chunks name their container by a series id (a hash of environment,
    // container, team and name) instead of repeating those per chunk: a few bytes a sample less.
    // The history of the first layout is dropped (it held hours at most).
    Migration{8, "metric series", R"sql(
DROP TABLE metric_chunks;
CREATE TABLE metric_series (
  id BIGINT PRIMARY KEY,
  environment TEXT NOT NULL,
  container_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  name TEXT NOT NULL
);
CREATE INDEX metric_series_container ON metric_series (container_id);
CREATE INDEX metric_series_team ON metric_series (team_id);
CREATE INDEX metric_series_environment ON metric_series (environment);
CREATE TABLE metric_chunks (
  tier INTEGER NOT NULL,
  series_id BIGINT NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL,
  samples INTEGER NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (tier, series_id, start_ms)
);
CREATE INDEX metric_chunks_time ON metric_chunks (tier, start_ms);
UPDATE metric_rollups SET rolled_to_ms = 0;
)sql"},
    Migration{9, "alert rule label selectors", R"sql(
ALTER TABLE alert_rules ADD COLUMN labels TEXT NOT NULL DEFAULT '{}';
)sql"},
    // Every backup run (volume now, more kinds later): what, whose, where it went, how it ended;
    // and the schedules that start them.
    Migration{10, "backup runs and schedules", R"sql(
CREATE TABLE backup_runs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  team_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  target TEXT NOT NULL,
  object_key TEXT NOT NULL,
  status TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  error TEXT NOT NULL,
  created_by TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  duration_ms BIGINT NOT NULL
);
CREATE INDEX backup_runs_started ON backup_runs (started_at, id);
CREATE INDEX backup_runs_target ON backup_runs (environment, target);
CREATE TABLE backup_schedules (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  team_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  target TEXT NOT NULL,
  cron TEXT NOT NULL,
  keep_last INTEGER NOT NULL,
  keep_daily INTEGER NOT NULL,
  keep_weekly INTEGER NOT NULL,
  enabled INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  next_run_unix BIGINT NOT NULL,
  last_run_id TEXT NOT NULL,
  last_status TEXT NOT NULL
);
CREATE INDEX backup_schedules_due ON backup_schedules (enabled, next_run_unix);
)sql"},
    // Compose stacks: the file as written, its variables and env files (sealed), and every
    // version deployed before, for rollback.
    Migration{11, "compose stacks", R"sql(
CREATE TABLE stacks (
  id TEXT PRIMARY KEY,
  environment TEXT NOT NULL,
  name TEXT NOT NULL,
  team_id TEXT NOT NULL,
  compose TEXT NOT NULL,
  inputs TEXT NOT NULL,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  error TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (environment, name)
);
CREATE TABLE stack_versions (
  stack_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  compose TEXT NOT NULL,
  inputs TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (stack_id, version)
);
)sql"},
    // Stored registries of an organization (team_id '') or one of its teams, with the login
    // the engine presents when it pulls (the password sealed).
    Migration{12, "stored registries", R"sql(
CREATE TABLE registries (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  name TEXT NOT NULL,
  address TEXT NOT NULL,
  insecure INTEGER NOT NULL,
  username TEXT NOT NULL,
  password TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (organization_id, name)
);
CREATE INDEX registries_by_address ON registries (address);
)sql"},
    // A stack's redeploy webhook: only the token's SHA-256 is kept; it acts as its creator.
    Migration{13, "stack webhooks", R"sql(
CREATE TABLE stack_hooks (
  stack_id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_used_at TEXT NOT NULL
);
)sql"},
    // What the last image update check found; stacks that redeploy when it finds something.
    Migration{14, "image updates", R"sql(
CREATE TABLE image_updates (
  environment TEXT NOT NULL,
  image TEXT NOT NULL,
  status TEXT NOT NULL,
  local_digest TEXT NOT NULL,
  remote_digest TEXT NOT NULL,
  error TEXT NOT NULL,
  checked_at TEXT NOT NULL,
  PRIMARY KEY (environment, image)
);
ALTER TABLE stacks ADD COLUMN auto_update INTEGER NOT NULL DEFAULT 0;
)sql"},
    // Outbound event webhooks: subscriptions (the secret sealed) and a durable delivery queue.
    Migration{15, "event webhooks", R"sql(
CREATE TABLE webhook_subscriptions (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL,
  name TEXT NOT NULL,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  events TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX webhook_subscriptions_team ON webhook_subscriptions (team_id);
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  subscription_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_ms BIGINT NOT NULL,
  last_error TEXT NOT NULL,
  created_at TEXT NOT NULL,
  finished_at TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_ms);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at);
)sql"},
    // Stacks whose Compose file comes from a Git repository, and the commit last deployed.
    Migration{16, "git stacks", R"sql(
ALTER TABLE stacks ADD COLUMN git_url TEXT NOT NULL DEFAULT '';
ALTER TABLE stacks ADD COLUMN git_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE stacks ADD COLUMN git_path TEXT NOT NULL DEFAULT '';
ALTER TABLE stacks ADD COLUMN git_commit TEXT NOT NULL DEFAULT '';
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

  // Bookkeeping only: no rule reads applied_at, so the system's clock is taken here.
  const SystemClock clock;
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
                 {std::int64_t{m.version}, std::string(m.name), clock.stamp()});
      ++applied;
    });
  }
  return applied;
}

int migrate(Database& db) {
  return migrate(db, migrations());
}

}  // namespace dokkerr::store
