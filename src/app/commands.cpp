#include "app/commands.hpp"

#include "app/admin_commands.hpp"
#include "app/server_config.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace dokkerr::app {
namespace {

constexpr const char* kVersion = "0.1.0";

void add_server_options(CLI::App& command, ServerConfig& config) {
  command
      .add_option("--listen", config.listen,
                  "Address to serve on, HOST:PORT (port 0 picks a free port). Addresses other "
                  "than loopback need TLS or --insecure-http.")
      ->envname("DOKKERR_LISTEN")
      ->capture_default_str();
  command
      .add_option("--data-dir", config.data_dir,
                  "Directory for the database, keys and the private engine (default "
                  "/var/lib/dokkerr as root, else ~/.local/share/dokkerr)")
      ->envname("DOKKERR_DATA_DIR");
  command
      .add_option("--database", config.database_url,
                  "Database URL: sqlite:///path/file.db (default: dokkerr.db in the data dir) "
                  "or postgres://user:password@host:port/dbname")
      ->envname("DOKKERR_DATABASE");
  command
      .add_option("--docker-host", config.docker_host,
                  "The local Docker Engine: unix:///path or tcp://host:port (default: "
                  "$DOCKER_HOST, else unix:///var/run/docker.sock)")
      ->envname("DOKKERR_DOCKER_HOST");
  command
      .add_option("--private-dockerd", config.private_dockerd,
                  "auto: when no engine answers at the default socket and we are root, start "
                  "a private dockerd under the data dir; never: do not")
      ->envname("DOKKERR_PRIVATE_DOCKERD")
      ->capture_default_str();
  command
      .add_option("--max-body-size", config.max_body_bytes,
                  "Largest accepted request body (bytes; suffixes like 10MiB accepted)")
      ->envname("DOKKERR_MAX_BODY_SIZE")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  command
      .add_option("--max-upload-size", config.max_upload_bytes,
                  "Largest image tarball accepted by images/load and images/import")
      ->envname("DOKKERR_MAX_UPLOAD_SIZE")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  command.add_option("--max-header-size", config.max_header_bytes, "Largest request header block")
      ->envname("DOKKERR_MAX_HEADER_SIZE")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  command
      .add_option("--max-connections", config.max_connections,
                  "Most client connections served at once")
      ->envname("DOKKERR_MAX_CONNECTIONS")
      ->capture_default_str();
  command
      .add_option("--max-connections-per-address", config.max_connections_per_address,
                  "Most client connections one address may hold at once")
      ->envname("DOKKERR_MAX_CONNECTIONS_PER_ADDRESS")
      ->capture_default_str();
  command
      .add_option("--tls-cert", config.tls_cert,
                  "PEM certificate chain for TLS on the listening port (with --tls-key; "
                  "reloaded on SIGHUP)")
      ->envname("DOKKERR_TLS_CERT");
  command.add_option("--tls-key", config.tls_key, "PEM private key of --tls-cert")
      ->envname("DOKKERR_TLS_KEY");
  command
      .add_flag("--tls-self-signed", config.tls_self_signed,
                "Serve TLS with a self-signed certificate generated once in DATA_DIR/tls "
                "(its fingerprint is printed at start)")
      ->envname("DOKKERR_TLS_SELF_SIGNED");
  command
      .add_flag("--insecure-http", config.insecure_http,
                "Allow plain HTTP on a non-loopback address (only behind a proxy that "
                "terminates TLS)")
      ->envname("DOKKERR_INSECURE_HTTP");
  command
      .add_option("--web-dir", config.web_dir,
                  "The built web UI (web/dist) to serve at / (default: none, the API only)")
      ->envname("DOKKERR_WEB_DIR");
  command
      .add_option("--allowed-registry", config.allowed_registries,
                  "A registry (HOST[:PORT]) on a private address that non-admins may pull from; "
                  "repeat or comma-separate (default: public registries only)")
      ->delimiter(',')
      ->envname("DOKKERR_ALLOWED_REGISTRIES");
  command
      .add_option("--trusted-proxies", config.trusted_proxies,
                  "Addresses or networks of proxies whose X-Forwarded-For and Forwarded "
                  "headers name the client (comma-separated; default: none)")
      ->delimiter(',')
      ->envname("DOKKERR_TRUSTED_PROXIES");
  command
      .add_option("--cors-origin", config.cors_origins,
                  "An origin allowed to call the API from a browser, like "
                  "https://console.example.com (repeat or comma-separate; default: none)")
      ->delimiter(',')
      ->envname("DOKKERR_CORS_ORIGINS");
  command
      .add_option("--rate-limit", config.rate_limits,
                  "CLASS=PER_MINUTE[:BURST] for sign_in (30:60), read (1200:600), write "
                  "(600:300) or stream (120:60), per user, API key or anonymous address; 0 "
                  "lifts a limit (repeat or comma-separate)")
      ->delimiter(',')
      ->envname("DOKKERR_RATE_LIMITS");
  command
      .add_option("--redis", config.redis_url,
                  "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]: share rate limits across "
                  "replicas and tell them of access changes at once (default: none)")
      ->envname("DOKKERR_REDIS_URL");
  command
      .add_option("--max-concurrent", config.concurrency_limits,
                  "CLASS=N: what one user may have running at once: streams (open "
                  "WebSockets, 32), pulls (image pulls, 4), uploads (image uploads, 2); 0 "
                  "lifts a bound (repeat or comma-separate)")
      ->delimiter(',')
      ->envname("DOKKERR_MAX_CONCURRENT");
  auto add_duration = [&command](const std::string& name, std::chrono::milliseconds& target,
                                 const std::string& env, const std::string& help) {
    command
        .add_option_function<long long>(
            name,
            [&target, name](long long ms) {
              if (ms <= 0 || ms > 24LL * 3600 * 1000) {
                throw CLI::ValidationError(name, "must be from 1 to 86400000 milliseconds");
              }
              target = std::chrono::milliseconds(ms);
            },
            help + " (milliseconds, default " + std::to_string(target.count()) + ")")
        ->envname(env);
  };
  add_duration("--header-timeout", config.header_timeout, "DOKKERR_HEADER_TIMEOUT",
               "Time allowed to send the request headers");
  add_duration("--body-timeout", config.body_timeout, "DOKKERR_BODY_TIMEOUT",
               "Time allowed to send the request body");
  add_duration("--idle-timeout", config.idle_timeout, "DOKKERR_IDLE_TIMEOUT",
               "Keep-alive connections idle longer are closed");
  add_duration("--shutdown-grace", config.shutdown_grace, "DOKKERR_SHUTDOWN_GRACE",
               "On SIGTERM, time given to in-flight requests before connections are closed");
  command.add_option("--threads", config.threads, "I/O threads (0: one per core)")
      ->envname("DOKKERR_THREADS")
      ->capture_default_str();
  command.add_option("--log-level", config.log_level, "debug, info, warn or error")
      ->envname("DOKKERR_LOG_LEVEL")
      ->capture_default_str();
  command
      .add_option("--jwt-algorithm", config.jwt_algorithm,
                  "Access token signature: hs256 or eddsa (keys in DATA_DIR/keys/jwt)")
      ->envname("DOKKERR_JWT_ALGORITHM")
      ->capture_default_str();
  command
      .add_option_function<long long>(
          "--access-token-ttl",
          [&config](long long seconds) { config.access_token_ttl = std::chrono::seconds(seconds); },
          "Lifetime of access tokens in seconds (default 900)")
      ->envname("DOKKERR_ACCESS_TOKEN_TTL");
  command
      .add_option_function<long long>(
          "--refresh-reuse-interval",
          [&config](long long seconds) {
            config.refresh_reuse_interval = std::chrono::seconds(seconds);
          },
          "Seconds after its first use in which a refresh token presented again gets a fresh "
          "pair instead of revoking the session (0 to 300, default 10)")
      ->envname("DOKKERR_REFRESH_REUSE_INTERVAL");
  command
      .add_option_function<long long>(
          "--metrics-interval",
          [&config](long long seconds) { config.metrics_interval = std::chrono::seconds(seconds); },
          "Seconds between two samples of every running container (1 to 3600, default 5)")
      ->envname("DOKKERR_METRICS_INTERVAL");
  command
      .add_option_function<long long>(
          "--image-update-interval",
          [&config](long long seconds) {
            config.image_update_interval = std::chrono::seconds(seconds);
          },
          "Seconds between two checks of the running images against their registries, which "
          "also redeploy auto-update stacks (0 turns them off; 2 to 604800, default 21600)")
      ->envname("DOKKERR_IMAGE_UPDATE_INTERVAL");
  command
      .add_option_function<long long>(
          "--git-poll-interval",
          [&config](long long seconds) { config.git_poll_interval = std::chrono::seconds(seconds); },
          "Seconds between two looks at Git stacks' repositories for a new commit (0 turns it "
          "off; 2 to 604800, default 300)")
      ->envname("DOKKERR_GIT_POLL_INTERVAL");
  command
      .add_option("--git-allow", config.git_allow,
                  "Addresses or networks that are not public which Git stacks' https "
                  "repositories may still be on (comma-separated; default: none)")
      ->delimiter(',')
      ->envname("DOKKERR_GIT_ALLOW");
  command
      .add_option_function<long long>(
          "--metrics-window",
          [&config](long long seconds) { config.metrics_window = std::chrono::seconds(seconds); },
          "Seconds of samples kept in memory at full resolution (default 900)")
      ->envname("DOKKERR_METRICS_WINDOW");
  command
      .add_option_function<long long>(
          "--metrics-chunk",
          [&config](long long seconds) { config.metrics_chunk = std::chrono::seconds(seconds); },
          "Seconds of one container's samples written to the history together: what a crash "
          "may lose (10 to 3600, default 300)")
      ->envname("DOKKERR_METRICS_CHUNK");
  command
      .add_option_function<long long>(
          "--metrics-keep-raw",
          [&config](long long hours) { config.metrics_keep_raw = std::chrono::hours(hours); },
          "Hours the history keeps every sample (1 to 720, default 24)")
      ->envname("DOKKERR_METRICS_KEEP_RAW");
  command
      .add_option_function<long long>(
          "--metrics-keep-1m",
          [&config](long long days) {
            config.metrics_keep_minutes = std::chrono::hours(24 * days);
          },
          "Days the history keeps 1-minute rollups (1 to 366, default 14)")
      ->envname("DOKKERR_METRICS_KEEP_1M");
  command
      .add_option_function<long long>(
          "--metrics-keep-1h",
          [&config](long long days) { config.metrics_keep_hours = std::chrono::hours(24 * days); },
          "Days the history keeps 1-hour rollups (1 to 3650, default 365)")
      ->envname("DOKKERR_METRICS_KEEP_1H");
  command
      .add_option("--metrics-token", config.metrics_token,
                  "Token a Prometheus server brings to scrape /metrics (Authorization: Bearer)")
      ->envname("DOKKERR_METRICS_TOKEN");
  command
      .add_option("--metrics-allow", config.metrics_allow,
                  "Addresses or networks that may scrape /metrics without the token "
                  "(comma-separated; default loopback)")
      ->envname("DOKKERR_METRICS_ALLOW")
      ->delimiter(',')
      ->capture_default_str();
  command
      .add_option("--alert-webhook-allow", config.alert_webhook_allow,
                  "Addresses or networks that are not public which alert webhooks may still "
                  "reach (comma-separated; default none)")
      ->envname("DOKKERR_ALERT_WEBHOOK_ALLOW")
      ->delimiter(',');
  command
      .add_option("--object-store", config.object_store,
                  "Where backups are kept: s3://bucket/prefix?endpoint=URL&region=R&"
                  "path_style=true (credentials from AWS_* or credentials_file=), file:///dir; "
                  "default: the data dir's objects/")
      ->envname("DOKKERR_OBJECT_STORE");
  command
      .add_option("--backup-helper-image", config.backup_helper_image,
                  "Image of the helper containers volume backups create (never started); "
                  "default: any image the engine has")
      ->envname("DOKKERR_BACKUP_HELPER_IMAGE");
  command
      .add_option("--backup-passphrase-file", config.backup_passphrase_file,
                  "File whose first line is the passphrase platform backups taken by the server "
                  "(POST /api/v1/backups/platform, platform schedules) are sealed with")
      ->envname("DOKKERR_BACKUP_PASSPHRASE_FILE");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Dokkerr: a self-hosted, multi-tenant Docker management platform.", "dokkerr"};
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);

  app.set_config("--config", "",
                 "Read options from a TOML/INI file, one section per command: [server] then "
                 "keys named like the long options, e.g. listen = \"127.0.0.1:8080\". The command "
                 "line wins over the file, the file over DOKKERR_* variables")
      ->envname("DOKKERR_CONFIG");

  ServerConfig server_config;
  auto* server = app.add_subcommand("server", "Serve the REST API and WebSockets");
  server->configurable();
  server->fallthrough();  // `dokkerr server --config FILE` works as well as `dokkerr --config FILE
                          // server`
  add_server_options(*server, server_config);

  AdminOptions admin_options;
  auto* admin = add_admin_commands(app, admin_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  if (server->parsed()) {
    return run_server(std::move(server_config));
  }
  if (admin->parsed()) {
    return run_admin(*admin, admin_options);
  }
  return 0;
}

}  // namespace dokkerr::app
