#include "app/bridges.hpp"
#include "app/change_broadcast.hpp"
#include "app/change_watch.hpp"
#include "app/commands.hpp"
#include "app/config_error.hpp"
#include "app/live_relay.hpp"
#include "app/private_engine.hpp"
#include "app/process_routes.hpp"
#include "app/server_config.hpp"
#include "app/swarm_stack_host.hpp"
#include "app/git_stacks_job.hpp"
#include "app/image_update_job.hpp"
#include "app/periodic_task.hpp"
#include "app/tenancy_stack_host.hpp"
#include "audit/audit_log.hpp"
#include "audit/audit_recorder.hpp"
#include "audit/audit_service.hpp"
#include "audit/routes.hpp"
#include "auth/access_changes.hpp"
#include "auth/api_key_service.hpp"
#include "auth/authenticator.hpp"
#include "auth/login_throttle.hpp"
#include "auth/mfa_service.hpp"
#include "auth/mfa_store.hpp"
#include "auth/oidc_provider_client.hpp"
#include "auth/oidc_service.hpp"
#include "auth/routes.hpp"
#include "auth/session_service.hpp"
#include "auth/sign_in_service.hpp"
#include "auth/ticket_service.hpp"
#include "backup/backup_routes.hpp"
#include "backup/backup_runs.hpp"
#include "backup/backup_schedules.hpp"
#include "backup/image_backups.hpp"
#include "backup/log_archives.hpp"
#include "backup/platform_jobs.hpp"
#include "backup/volume_backups.hpp"
#include "cache/redis_buckets.hpp"
#include "cache/redis_client.hpp"
#include "containers/container_service.hpp"
#include "containers/environment_service.hpp"
#include "containers/image_service.hpp"
#include "containers/network_service.hpp"
#include "containers/swarm_service.hpp"
#include "containers/owner_reconciler.hpp"
#include "containers/registry_guard.hpp"
#include "containers/resource_lookup.hpp"
#include "containers/routes.hpp"
#include "containers/system_service.hpp"
#include "containers/tenancy_service.hpp"
#include "containers/volume_service.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/generation.hpp"
#include "core/ids.hpp"
#include "core/logger.hpp"
#include "crypto/jwt.hpp"
#include "crypto/secret_box.hpp"
#include "crypto/tls_certificate.hpp"
#include "docker/endpoint.hpp"
#include "gateway/edge.hpp"
#include "http/pipeline.hpp"
#include "http/request_metrics.hpp"
#include "http/server.hpp"
#include "http/stream_guard.hpp"
#include "http/tls.hpp"
#include "idempotency/idempotency_gate.hpp"
#include "monitoring/alert_routes.hpp"
#include "monitoring/alert_service.hpp"
#include "monitoring/alert_store.hpp"
#include "monitoring/collector.hpp"
#include "monitoring/engine_stats.hpp"
#include "monitoring/history.hpp"
#include "monitoring/history_routes.hpp"
#include "monitoring/live_feed.hpp"
#include "monitoring/live_routes.hpp"
#include "monitoring/metrics_routes.hpp"
#include "objects/open_object_store.hpp"
#include "registries/registry_routes.hpp"
#include "registries/registry_service.hpp"
#include "registries/registry_store.hpp"
#include "registries/update_checker.hpp"
#include "registries/update_store.hpp"
#include "stacks/git_source.hpp"
#include "stacks/stack_hooks.hpp"
#include "webhooks/webhook_routes.hpp"
#include "webhooks/webhook_service.hpp"
#include "webhooks/webhook_store.hpp"
#include "stacks/stack_routes.hpp"
#include "stacks/stack_service.hpp"
#include "stacks/stack_store.hpp"
#include "store/database.hpp"
#include "store/lease.hpp"
#include "store/settings_store.hpp"
#include "store/watched_database.hpp"
#include "users/access_model.hpp"
#include "users/avatar_service.hpp"
#include "users/grant_service.hpp"
#include "users/organization_service.hpp"
#include "users/password_hasher.hpp"
#include "users/routes.hpp"
#include "users/team_service.hpp"
#include "users/user_service.hpp"
#include "web/web_assets.hpp"
#include "web/web_routes.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <future>
#include <iostream>
#include <malloc.h>
#include <optional>
#include <thread>
#include <unistd.h>

namespace dokkerr::app {
namespace {

namespace asio = boost::asio;

// Callers and accounts kept in memory (each a few KiB at most).
constexpr std::size_t kCachedCallers = 10000;
// How soon a change another replica commits reaches this one's caches.
constexpr std::chrono::milliseconds kChangePollInterval{250};
// The lease under which deployment-wide scheduled jobs run (one replica at a time).
constexpr std::string_view kSchedulerLease = "scheduler";
constexpr auto kWebhookDeliveryPoll = std::chrono::seconds(2);
constexpr std::chrono::seconds kBackupSchedulePoll{20};
constexpr std::chrono::seconds kKeyReloadInterval{5};
constexpr std::chrono::seconds kReconcileBound{10};

// The local engine: the configured one, or a private dockerd when nothing answers at the
// default socket and we may start one.
docker::Endpoint local_engine(ServerConfig& config, bool docker_host_explicit, Logger& logger,
                              std::optional<PrivateEngine>& private_engine) {
  docker::Endpoint endpoint;
  try {
    endpoint = docker::parse_endpoint(config.docker_host);
  } catch (const Error& error) {
    throw ConfigError("--docker-host", error.detail());
  }
  if (docker_host_explicit || config.private_dockerd == "never" ||
      endpoint.kind != docker::Endpoint::Kind::unix_socket || unix_socket_answers(endpoint.path)) {
    return endpoint;
  }
  if (geteuid() != 0 || access("/usr/sbin/dockerd", X_OK) != 0) {
    logger.warn("no Docker engine answers; environment 'local' stays down until one does",
                {{"docker_host", config.docker_host}});
    return endpoint;
  }
  private_engine.emplace(config.data_dir / "engine", logger);
  private_engine->start();
  config.docker_host = private_engine->socket_url();
  return docker::parse_endpoint(config.docker_host);
}

}  // namespace

int run_server(ServerConfig config) {
  // argon2id takes 19 MiB per hash. With glibc's adaptive threshold those blocks end up in the
  // hashing threads' heaps and stay resident after the first sign-ins; a fixed 1 MiB threshold
  // keeps big blocks in their own mappings, returned to the system when freed.
  mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
  const bool docker_host_explicit = !config.docker_host.empty();
  ListenAddress address;
  try {
    address = validate(config);
  } catch (const ConfigError& error) {
    std::cerr << "dokkerr: " << error.what() << '\n';
    return 2;
  }
  LogLevel level = LogLevel::info;
  parse_log_level(config.log_level, level);
  Logger logger(level);
  // The process's one wall clock: every service that needs the time is handed this one.
  const SystemClock clock;
  const auto process_started = std::chrono::system_clock::now();

  // Committed changes to access data advance this generation (here at once, from other
  // processes through the change watch), which empties the authorization caches.
  Generation access_changes;
  std::unique_ptr<store::WatchedDatabase> database;
  try {
    database = std::make_unique<store::WatchedDatabase>(
        store::open_database(config.database_url, config.data_dir), &auth::access_counter,
        access_changes);
  } catch (const Error& error) {
    const bool bad_setting = error.kind() == ErrorKind::invalid;
    std::cerr << "dokkerr: --database: " << error.detail() << '\n';
    return bad_setting ? 2 : 1;
  }

  std::optional<PrivateEngine> private_engine;
  docker::Endpoint local;
  try {
    local = local_engine(config, docker_host_explicit, logger, private_engine);
  } catch (const ConfigError& error) {
    std::cerr << "dokkerr: " << error.what() << '\n';
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "dokkerr: private engine: " << error.what() << '\n';
    return 1;
  }

  // Keys live next to the database, never in it: the JWT signing keys and the master key that
  // seals secrets at rest.
  const auto now_seconds = clock.unix_seconds();
  std::optional<crypto::JwtKeyRing> jwt_keys;
  std::optional<crypto::SecretBox> secrets;
  try {
    jwt_keys.emplace(crypto::JwtKeyRing::load_or_create(
        config.data_dir / "keys" / "jwt",
        config.jwt_algorithm == "eddsa" ? crypto::JwtAlgorithm::eddsa : crypto::JwtAlgorithm::hs256,
        now_seconds, config.access_token_ttl.count() + 60));
    secrets.emplace(crypto::SecretBox::load_or_create(config.data_dir / "keys" / "master.key"));
  } catch (const std::exception& error) {
    std::cerr << "dokkerr: keys: " << error.what() << '\n';
    return 1;
  }

  // TLS on the listening port: the operator's pair, or one generated once and kept.
  std::optional<http::TlsCredentials> tls;
  std::string tls_fingerprint;
  try {
    if (config.tls_self_signed) {
      const auto files = crypto::load_or_create_self_signed(config.data_dir / "tls",
                                                            std::chrono::system_clock::now());
      config.tls_cert = files.certificate;
      config.tls_key = files.private_key;
    }
    if (uses_tls(config)) {
      tls.emplace(config.tls_cert, config.tls_key);
      tls_fingerprint = crypto::certificate_fingerprint(config.tls_cert);
    }
  } catch (const std::exception& error) {
    std::cerr << "dokkerr: " << (config.tls_self_signed ? "--tls-self-signed" : "--tls-cert")
              << ": " << error.what() << '\n';
    return config.tls_self_signed ? 1 : 2;
  }

  const unsigned threads =
      config.threads > 0 ? config.threads : std::max(2U, std::thread::hardware_concurrency());
  asio::io_context io(static_cast<int>(threads));
  // Redis, when configured: rate-limit buckets shared by the replicas, and access changes told
  // to them at once. Two connections: a subscribed one serves nothing else.
  // Names this replica to the others (Redis messages, lease holder): host and a random part, so
  // a restarted replica is a new holder.
  const std::string node_id = asio::ip::host_name() + "-" + random_hex(4);
  std::optional<cache::RedisClient> redis;
  std::optional<cache::RedisClient> redis_subscriber;
  std::optional<cache::RedisClient> live_publisher;
  std::optional<cache::RedisClient> live_subscriber;
  std::optional<cache::RedisBuckets> redis_buckets;
  std::optional<RedisBucketsBridge> shared_buckets;
  std::optional<ChangeBroadcast> access_broadcast;
  if (!config.redis_url.empty()) {
    cache::RedisSettings redis_settings;
    redis_settings.endpoint = cache::parse_redis_url(config.redis_url);  // validated
    redis.emplace(io.get_executor(), redis_settings, logger, "commands");
    redis_subscriber.emplace(io.get_executor(), redis_settings, logger, "subscriber");
    redis_buckets.emplace(*redis);
    shared_buckets.emplace(*redis_buckets);
    access_broadcast.emplace(io.get_executor(), *redis, *redis_subscriber, access_changes, node_id);
    live_publisher.emplace(io.get_executor(), redis_settings, logger, "live-publisher");
    live_subscriber.emplace(io.get_executor(), redis_settings, logger, "live-subscriber");
    database->on_commit([&access_broadcast](const auto&) { access_broadcast->publish(); });
  }
  BlockingPool blocking(4);
  // Password hashing gets its own threads, so a burst of logins never delays database work.
  BlockingPool hashing(2);
  audit::AuditLog audit_log(*database, clock);
  audit::AuditRecorder audit_recorder(audit_log, blocking, logger);
  audit::AuditService audit_service(audit_log, blocking);
  // Identity: accounts, organizations, teams and grants (users/), and sign-in (auth/). What
  // users needs from auth (ending sessions) is the SessionRevoker the session service is.
  auto user_store = users::make_sql_user_store(*database, clock);
  auto organization_store = users::make_sql_organization_store(*database);
  auto team_store = users::make_sql_team_store(*database);
  auto grant_store = users::make_sql_grant_store(*database);
  auto access_store = users::make_sql_access_store(*database);
  auto session_store = auth::make_sql_session_store(*database, clock);
  auto ticket_store = auth::make_sql_ticket_store(*database, clock);
  auto throttle_store = auth::make_sql_throttle_store(*database);
  auto api_key_store = auth::make_sql_api_key_store(*database, clock);
  auto mfa_store = auth::make_sql_mfa_store(*database, clock);
  auto oidc_store = auth::make_sql_oidc_store(*database, clock);
  auto settings_store = store::make_sql_settings_store(*database, clock);
  users::AccessModel access_model(*access_store);
  users::PasswordHasher password_hasher(hashing, users::Argon2Params{});
  auth::TokenSettings token_settings;
  token_settings.access_ttl_seconds = config.access_token_ttl.count();
  token_settings.refresh_grace_seconds = config.refresh_reuse_interval.count();
  auth::SessionService sessions(*session_store, *jwt_keys, token_settings, clock, blocking);
  // Who each credential stands for and the accounts behind them, kept until access data changes.
  auth::CallerCache caller_cache(access_changes, kCachedCallers);
  users::AccountCache account_cache(access_changes, kCachedCallers);
  const auth::CallerCaches caller_caches{caller_cache, account_cache, clock};
  users::UserService user_service(*user_store, sessions, password_hasher, clock, blocking,
                                  &account_cache);
  users::OrganizationService organization_service(*organization_store, *user_store, sessions, clock,
                                                  blocking);
  users::TeamService team_service(*team_store, *organization_store, *user_store, sessions, clock,
                                  blocking);
  users::GrantService grant_service(*grant_store, *team_store, *organization_store, clock,
                                    blocking);
  auth::TicketService tickets(*ticket_store, clock, blocking, token_settings.ws_ticket_ttl_seconds);
  auth::LoginThrottle throttle(*throttle_store, clock);
  auth::ApiKeyService api_keys(*api_key_store, clock, blocking);
  auth::MfaService mfa(
      auth::MfaDependencies{*user_store, *mfa_store, *settings_store, password_hasher, *secrets,
                            audit_recorder, clock, blocking, sessions},
      "Dokkerr");
  auth::SignInService sign_in(auth::SignInDependencies{
      *user_store, sessions, mfa, throttle, password_hasher, audit_recorder, clock, blocking});
  // Calls to OpenID providers block for up to 10 s: their own threads, apart from database work.
  BlockingPool oidc_calls(4);
  auto oidc_client = auth::make_http_oidc_client(oidc_calls);
  auth::OidcService oidc(auth::OidcDependencies{*oidc_store, *user_store, *team_store,
                                                *organization_store, sessions, *oidc_client,
                                                *secrets, audit_recorder, logger, clock, blocking});
  auth::Authenticator authenticator(
      auth::AuthenticatorDependencies{sessions, tickets, api_keys, mfa, *user_store, access_model,
                                      blocking},
      &caller_caches);
  std::optional<std::string> setup_token;
  try {
    setup_token = sign_in.prepare_setup();
  } catch (const std::exception& error) {
    std::cerr << "dokkerr: cannot read accounts: " << error.what() << '\n';
    return 1;
  }
  // Containers: environments and their engines, tenancy over them, and the services per resource.
  const SecretBoxSealer sealer(*secrets);
  try {
    if (const int sealed = containers::seal_clear_tls_keys(*database, sealer); sealed > 0) {
      logger.info("sealed TLS client keys stored in clear", {{"environments", sealed}});
    }
  } catch (const std::exception& error) {
    std::cerr << "dokkerr: cannot seal the stored TLS client keys: " << error.what() << '\n';
    return 1;
  }
  auto environment_store = containers::make_sql_environment_store(*database, clock, sealer);
  containers::EnvironmentService environments(io.get_executor(), local, *environment_store,
                                              blocking, logger, clock);
  auto ownership_store = containers::make_sql_ownership_store(*database);
  TeamDirectoryBridge team_directory(*team_store);
  auto engine_lookup = containers::make_engine_lookup(environments);
  containers::TenancyService tenancy(*ownership_store, team_directory, *engine_lookup, blocking,
                                     clock);
  const containers::RegistryGuard registry_guard(config.allowed_registries);
  std::unique_ptr<objects::ObjectStore> object_store;
  try {
    object_store = objects::open_object_store(config.object_store, config.data_dir,
                                              objects::process_environment());
  } catch (const Error& error) {
    std::cerr << "dokkerr: --object-store: " << error.detail() << '\n';
    return 2;
  }
  ObjectUploadSpool upload_spool(*object_store, blocking, logger);
  try {
    // A day is far longer than any upload may take: what is older belonged to a stopped process.
    upload_spool.sweep(clock.unix_seconds() - 24 * 3600);
  } catch (const Error& error) {
    logger.warn("cannot sweep abandoned uploads", {{"error", error.detail()}});
  }
  auto registry_store = registries::make_sql_registry_store(*database, sealer);
  auto registry_api = registries::make_http_registry_api();
  RegistryScopesBridge registry_scopes(*team_store, *organization_store);
  registries::RegistryService registry_service(*registry_store, *registry_api, registry_scopes,
                                               blocking, clock, config.allowed_registries);
  StoredRegistryLogins registry_logins(registry_service);
  containers::ImageService image_service(environments, &registry_guard, &upload_spool,
                                         &registry_logins);
  // Container metrics, sampled on the replica holding the scheduler lease (set below, once it
  // exists); the stats routes answer from them where they can.
  ContainerTargets metric_targets(environments);
  const store::Lease* scheduler = nullptr;
  monitoring::Collector collector(
      asio::make_strand(io), metric_targets, blocking, clock, logger,
      [&scheduler] { return scheduler != nullptr && scheduler->held(); },
      monitoring::CollectorSettings{
          config.metrics_interval,
          static_cast<std::size_t>(config.metrics_window / config.metrics_interval)});
  monitoring::SqlHistoryStore history_store(database->inner());
  monitoring::History history(
      history_store,
      monitoring::HistorySettings{
          config.metrics_chunk,
          {config.metrics_keep_raw, config.metrics_keep_minutes, config.metrics_keep_hours}},
      config.metrics_interval);
  collector.keep_history(history);
  monitoring::SqlAlertStore alert_store(database->inner());
  monitoring::AlertService alert_service(alert_store, sealer, clock, logger,
                                         AddressSet::parse(config.alert_webhook_allow));
  collector.watch_alerts(alert_service);
  monitoring::LiveFeed live_feed(node_id);
  collector.feed_live(live_feed);
  std::optional<LiveRelay> live_relay;
  if (live_publisher)
    live_relay.emplace(io.get_executor(), *live_publisher, *live_subscriber, live_feed);
  const CollectedStats collected_stats(collector.window(), host_facts());
  containers::ContainerService container_service(environments, tenancy, &image_service,
                                                 &collected_stats);
  containers::NetworkService network_service(environments, tenancy);
  containers::SwarmService swarm_service(environments, tenancy, &registry_guard, &registry_logins);
  containers::VolumeService volume_service(environments, tenancy);
  containers::SystemService system_service(environments, tenancy);

  auto backup_runs = backup::make_sql_backup_run_store(*database);
  // A run still "running" after six hours belonged to a process that stopped mid-way.
  backup_runs->fail_unfinished(clock.stamp_in(-std::chrono::hours(6)), clock.stamp(),
                               "The server stopped during the backup.");
  TenancyVolumeHost volume_host(environments, tenancy, *engine_lookup);
  backup::VolumeBackupService volume_backups(*backup_runs, volume_host, *object_store, blocking,
                                             clock, {config.backup_helper_image});
  backup::PlatformBackupJobs platform_backups(
      *backup_runs, database->inner(), *object_store, blocking, clock,
      {config.database_url, config.data_dir, config.backup_passphrase, {}});
  backup::ImageBackupService image_backups(*backup_runs, volume_host, *object_store, blocking,
                                           clock);
  backup::LogArchiveService log_archives(*backup_runs, volume_host, *object_store, blocking, clock);
  AuditLogSource audit_source(audit_log);
  backup::AuditArchiver audit_archiver(*backup_runs, audit_source, *object_store, blocking, clock);
  auto backup_schedule_store = backup::make_sql_schedule_store(*database);
  backup::BackupScheduleService backup_schedules(
      *backup_schedule_store, *backup_runs, volume_backups, image_backups, platform_backups,
      audit_archiver, log_archives, volume_host, audit_recorder, blocking, clock);

  std::optional<web::WebAssets> web_assets;
  if (!config.web_dir.empty()) {
    try {
      web_assets = web::WebAssets::load(config.web_dir);
    } catch (const std::exception& error) {
      std::cerr << "dokkerr: --web-dir: " << error.what() << '\n';
      return 1;
    }
  }

  http::Router router;
  if (web_assets) web::add_web_routes(router, *web_assets);
  // What /api/v1/system/health says of monitoring: whether this replica collects, its last
  // round, and the alerts firing now.
  auto monitoring_report = [&collector, &alert_service, &scheduler] {
    const auto tick = collector.last_tick();
    boost::json::object report{{"collecting", scheduler != nullptr && scheduler->held()},
                               {"interval_seconds", collector.interval().count() / 1000},
                               {"alerts_firing", alert_service.firing_count()}};
    if (tick.at_ms > 0) {
      report["last_round"] =
          boost::json::object{{"at", monitoring::rfc3339(tick.at_ms)},
                              {"sampled", tick.sampled},
                              {"from_cgroups", tick.from_cgroups},
                              {"from_engine", tick.from_engine},
                              {"failed", tick.failed},
                              {"duration_ms", static_cast<double>(tick.duration.count()) / 1000.0},
                              {"lateness_ms", tick.lateness.count()}};
    }
    return report;
  };
  add_process_routes(
      router, ProcessRouteServices{*database, blocking, environments, redis ? &*redis : nullptr,
                                   node_id, process_started, std::move(monitoring_report)});
  auth::add_routes(router, auth::RouteServices{sign_in, tickets, sessions, mfa, api_keys, oidc});
  ObjectAvatarStore avatar_store(*object_store);
  users::AvatarService avatar_service(avatar_store, user_service, *access_store, blocking);
  users::add_routes(router, users::RouteServices{user_service, organization_service, team_service,
                                                 grant_service, avatar_service});
  audit::add_audit_routes(router, audit_service);
  containers::add_environment_routes(router, environments, tenancy);
  containers::add_container_routes(router, container_service, tenancy);
  containers::add_image_routes(router, image_service, config.max_upload_bytes);
  containers::add_network_routes(router, network_service, tenancy);
  containers::add_swarm_routes(router, swarm_service);
  ServiceSwarmStackHost swarm_stack_host(swarm_service);
  stacks::add_swarm_stack_routes(router, swarm_stack_host);
  containers::add_volume_routes(router, volume_service, tenancy);
  containers::add_system_routes(router, system_service);
  http::RequestMetrics request_metrics;
  const monitoring::MetricsAccess metrics_access{config.metrics_token,
                                                 AddressSet::parse(config.metrics_allow),
                                                 !config.trusted_proxies.empty()};
  monitoring::add_metrics_routes(router, metrics_access, request_metrics, collector);
  monitoring::add_request_report_routes(router, request_metrics);
  const TenancyHistoryAccess history_access(tenancy);
  monitoring::add_history_routes(router, history, history_access, blocking, clock);
  monitoring::add_live_routes(router, live_feed, history_access);
  monitoring::add_alert_routes(router, alert_service, blocking);
  backup::add_backup_routes(router, {volume_backups, backup_schedules, platform_backups,
                                     image_backups, audit_archiver, log_archives});
  auto stack_store = stacks::make_sql_stack_store(*database, sealer);
  TenancyStackHost stack_host(container_service, image_service, network_service, volume_service,
                              tenancy);
  stacks::StackService stack_service(*stack_store, stack_host, blocking, clock);
  AccountHookActors hook_actors(*user_store, access_model, blocking);
  stacks::StackHooks stack_hooks(*stack_store, stack_service, hook_actors, audit_recorder, blocking,
                                 clock);
  stacks::add_stack_routes(router, stack_service, stack_hooks);
  // Outbound event webhooks: queued where events happen, delivered by the lease holder.
  auto webhook_store = webhooks::make_sql_webhook_store(*database, sealer);
  webhooks::WebhookService webhook_service(
      *webhook_store, blocking, clock, logger, AddressSet::parse(config.alert_webhook_allow),
      [&team_store](std::string_view team) { return team_store->find(team).has_value(); });
  webhooks::add_webhook_routes(router, webhook_service);
  stack_service.announce_to(webhook_service);
  // Git stacks' clones are made under the data dir and removed after each fetch; what a killed
  // process left there goes now.
  const auto git_scratch = config.data_dir / "git";
  std::error_code git_scratch_error;
  std::filesystem::remove_all(git_scratch, git_scratch_error);
  std::filesystem::create_directories(git_scratch);
  auto git_cli = stacks::make_git_cli(git_scratch);
  stack_service.use_git(*git_cli, AddressSet::parse(config.git_allow));
  auto update_store = registries::make_sql_update_store(*database);
  EngineLocalImages local_images(environments);
  registries::UpdateChecker update_checker(local_images, registry_service, *registry_api,
                                           *update_store, blocking, clock);
  registries::add_image_update_routes(router, update_checker);
  update_checker.announce_to(webhook_service);
  // Container starts and deaths, announced once: by the replica holding the scheduler lease
  // (every replica watches every engine).
  environments.on_container_events([&](containers::ContainerEvent event) {
    if (scheduler == nullptr || !scheduler->held()) return;
    PlatformEvent announced;
    announced.type = event.action == "start" ? "container.started" : "container.died";
    announced.team_id = event.team;
    announced.environment = event.environment;
    announced.subject = "container:" + event.id;
    announced.data = {{"id", event.id}, {"name", event.name}, {"image", event.image}};
    if (event.action == "die") announced.data["exit_code"] = event.exit_code;
    asio::co_spawn(io, webhook_service.publish(std::move(announced)), asio::detached);
  });
  collector.on_alert_changes([&](std::vector<monitoring::Alert> changed) {
    for (auto& alert : changed) {
      PlatformEvent announced;
      announced.type =
          alert.state == monitoring::AlertState::firing ? "alert.fired" : "alert.resolved";
      announced.team_id = alert.team;
      announced.environment = alert.environment;
      announced.subject = "alert:" + alert.id;
      announced.data = {{"rule", alert.rule_name},
                        {"container", alert.container_name},
                        {"summary", alert.summary},
                        {"value", alert.value}};
      asio::co_spawn(io, webhook_service.publish(std::move(announced)), asio::detached);
    }
  });
  registries::add_registry_routes(router, registry_service);

  auto gateway_settings = edge_settings(config);
  if (shared_buckets) gateway_settings.shared_buckets = &*shared_buckets;
  gateway::Edge edge(std::move(gateway_settings));
  auto idempotency_store = idempotency::make_sql_idempotency_store(*database);
  idempotency::IdempotencyGate idempotency_gate(*idempotency_store, clock, blocking, logger);
  auto extensions = edge.stages();
  extensions.idempotency = &idempotency_gate;
  containers::OwnerReconciler owner_reconciler(environments, *ownership_store, team_directory,
                                               blocking, clock, audit_recorder, logger);
  const http::Pipeline pipeline(router, config.max_body_bytes, &authenticator, &audit_recorder,
                                std::move(extensions));
  http::ServerLimits limits;
  limits.max_header_bytes = config.max_header_bytes;
  limits.max_connections = config.max_connections;
  limits.max_connections_per_address = config.max_connections_per_address;
  limits.header_timeout = config.header_timeout;
  limits.body_timeout = config.body_timeout;
  limits.idle_timeout = config.idle_timeout;
  // Declared before the server, so it outlives every connection it watches.
  http::StreamGuard stream_guard(asio::make_strand(io), authenticator, access_changes, logger);
  http::Server server(io, pipeline, limits, logger, tls ? &*tls : nullptr);
  server.guard_streams(stream_guard);
  server.count_requests(request_metrics);
  asio::ip::tcp::endpoint bound;
  try {
    bound = server.listen({asio::ip::make_address(address.host), address.port});
  } catch (const boost::system::system_error& error) {
    std::cerr << "dokkerr: --listen: cannot listen on " << config.listen << ": "
              << error.code().message() << '\n';
    return 1;
  }

  try {
    environments.start();
  } catch (const std::exception& error) {
    std::cerr << "dokkerr: cannot load environments: " << error.what() << '\n';
    return 1;
  }
  if (redis) {
    redis->start();
    redis_subscriber->start();
    live_publisher->start();
    live_subscriber->start();
  }
  server.start();
  stream_guard.start();
  ChangeWatch access_watch(io.get_executor(), database->inner(), std::string(auth::kAccessCounter),
                           access_changes, blocking, logger, kChangePollInterval);
  access_watch.start();
  // The jobs that must run once per deployment (metrics, backup schedules, image update checks)
  // run on the replica holding this lease.
  store::Lease scheduler_lease(io.get_executor(), blocking, database->inner(), logger,
                               std::string(kSchedulerLease), node_id);
  scheduler_lease.start();
  scheduler = &scheduler_lease;
  collector.start();
  // Scheduled backups that fail raise the alerts of backup_failed rules (the collector evaluates
  // them with its next round, on the same lease holder).
  backup_schedules.on_outcome([&](const backup::ScheduleOutcome& outcome) {
    collector.note_backup({outcome.schedule_id, outcome.environment, outcome.team_id, outcome.what,
                           outcome.failed, outcome.reason});
    PlatformEvent announced;
    announced.type = outcome.failed ? "backup.failed" : "backup.finished";
    announced.team_id = outcome.team_id;
    announced.environment = outcome.environment;
    announced.subject = "backup-schedule:" + outcome.schedule_id;
    announced.data = {{"kind", outcome.kind}, {"what", outcome.what}};
    if (outcome.failed) announced.data["error"] = outcome.reason;
    asio::co_spawn(io, webhook_service.publish(std::move(announced)), asio::detached);
  });
  // Queued webhook deliveries, on the lease holder: due ones are attempted every 2 s.
  PeriodicTask webhook_deliveries(
      io.get_executor(), kWebhookDeliveryPoll,
      [&]() -> asio::awaitable<void> {
        if (!scheduler_lease.held()) co_return;
        auto deliver = [&webhook_service] { return webhook_service.deliver_due(); };
        (void)co_await blocking.run(std::move(deliver));
      },
      logger, "webhook deliveries");
  webhook_deliveries.start();
  // Backup schedules, on the lease holder: due ones are looked for every 20 s.
  PeriodicTask backup_rounds(
      io.get_executor(), kBackupSchedulePoll,
      [&]() -> asio::awaitable<void> {
        if (scheduler_lease.held()) co_await backup_schedules.run_due();
      },
      logger, "backup schedules");
  backup_rounds.start();
  ImageUpdateJob image_updates(io.get_executor(), update_checker, stack_service, *stack_store,
                               hook_actors, audit_recorder, webhook_service, blocking, logger,
                               [&scheduler_lease] { return scheduler_lease.held(); },
                               config.image_update_interval);
  image_updates.start();
  PeriodicTask git_polls(
      io.get_executor(), std::max(config.git_poll_interval, std::chrono::seconds(1)),
      [&]() -> asio::awaitable<void> {
        if (!scheduler_lease.held()) co_return;
        co_await sync_git_stacks(*stack_store, stack_service, hook_actors, audit_recorder,
                                 blocking, logger);
      },
      logger, "git stack sync");
  if (config.git_poll_interval.count() > 0) git_polls.start();

  // Token signing keys rotated by another process (`dokkerr admin rotate-jwt-key`, or a replica
  // sharing keys/) are adopted without a restart: every few seconds, on SIGHUP, and at once
  // for a token naming a new kid (JwtKeyRing::verify).
  auto reload_jwt_keys = [&] {
    try {
      if (jwt_keys->reload(clock.unix_seconds())) {
        logger.info("token signing keys reloaded", {{"kid", jwt_keys->current_kid()}});
      }
    } catch (const std::exception& error) {
      logger.error("token signing keys not reloaded", {{"error", error.what()}});
    }
  };
  PeriodicTask key_reloads(
      io.get_executor(), kKeyReloadInterval,
      [&]() -> asio::awaitable<void> {
        auto reload = [&] { reload_jwt_keys(); };
        co_await blocking.run(std::move(reload));
      },
      logger, "token key reload");
  key_reloads.start();

  // SIGHUP: read the certificate and key again. Connections keep the pair they began with; a
  // pair that does not load leaves the current one in use.
  asio::signal_set reload_signals(io, SIGHUP);
  std::function<void()> await_reload = [&] {
    reload_signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      reload_jwt_keys();
      if (tls) {
        try {
          tls->reload();
          logger.info("TLS certificate reloaded",
                      {{"fingerprint", crypto::certificate_fingerprint(config.tls_cert)}});
        } catch (const std::exception& error) {
          logger.error("TLS certificate not reloaded; the previous one stays in use",
                       {{"error", error.what()}});
        }
      }
      await_reload();
    });
  };
  await_reload();

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    logger.info("shutting down", {{"signal", signal}});
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await server.shutdown(config.shutdown_grace);
          boost::system::error_code ignored;
          reload_signals.cancel(ignored);
          key_reloads.stop();
          backup_rounds.stop();
          image_updates.stop();
          git_polls.stop();
          webhook_deliveries.stop();
          access_watch.stop();
          stream_guard.stop();
          collector.stop();
          co_await collector.flush_history();  // before the lease goes: no replica writes twice
          co_await scheduler_lease.stop();  // hands over at once instead of after the lease's ttl
          if (redis) {
            redis->stop();
            redis_subscriber->stop();
            live_publisher->stop();
            live_subscriber->stop();
          }
          environments.stop();
          io.stop();
        },
        asio::detached);
  });

  std::vector<std::thread> workers;
  for (unsigned i = 0; i < threads; ++i) {
    workers.emplace_back([&io] { io.run(); });
  }
  // Give each engine (and Redis) a moment to connect, so the first requests do not meet
  // "connecting".
  const auto settle_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < settle_deadline) {
    const auto states = environments.states();
    const bool settled = std::none_of(states.begin(), states.end(), [](const auto& entry) {
      return entry.second.status == containers::EngineStatus::connecting;
    });
    const bool redis_settled = !redis || (redis->connected() && redis_subscriber->connected());
    if (settled && redis_settled) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Containers a stopped server left without their owner row are adopted or reported before
  // the first request is served (bounded: a slow engine is left to the next start).
  for (const auto& [environment_id, state] : environments.states()) {
    if (state.status != containers::EngineStatus::up) continue;
    auto reconciled =
        asio::co_spawn(io, owner_reconciler.reconcile(environment_id), asio::use_future);
    if (reconciled.wait_for(kReconcileBound) != std::future_status::ready) {
      logger.warn("owner reconcile still running", {{"environment", environment_id}});
      continue;
    }
    try {
      const auto report = reconciled.get();
      if (!report.adopted.empty() || !report.orphans.empty()) {
        logger.info("owners reconciled", {{"environment", environment_id},
                                          {"adopted", report.adopted.size()},
                                          {"orphans", report.orphans.size()}});
      }
    } catch (const std::exception& error) {
      logger.warn("owner reconcile failed",
                  {{"environment", environment_id}, {"error", error.what()}});
    }
  }

  const auto url = std::string(tls ? "https://" : "http://") +
                   (bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                            : bound.address().to_string()) +
                   ":" + std::to_string(bound.port());
  logger.info("listening", {{"url", url},
                            {"data_dir", config.data_dir.string()},
                            {"database", database->backend()},
                            {"docker_host", config.docker_host},
                            {"node", node_id}});
  if (setup_token) {
    // The only way in on a fresh install; printed, never logged or stored in clear.
    std::cout << "Dokkerr setup token: " << *setup_token << "\n  Create the first admin: ";
    if (web_assets) std::cout << "open " << url << "/ in a browser, or ";
    std::cout << "POST " << url << "/api/v1/setup {\"setup_token\", \"username\", \"password\"}\n";
  }
  if (tls) {
    std::cout << "Dokkerr TLS certificate " << config.tls_cert.string()
              << " SHA-256 fingerprint: " << tls_fingerprint << "\n";
  }
  std::cout << "Dokkerr listening on " << url << std::endl;

  for (auto& worker : workers) worker.join();
  blocking.stop();
  blocking.join();
  hashing.stop();
  hashing.join();
  if (private_engine) private_engine->stop();
  logger.info("stopped");
  return 0;
}

}  // namespace dokkerr::app
