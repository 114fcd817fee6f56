#pragma once
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace dokkerr::gateway {
struct EdgeSettings;
}

namespace dokkerr::app {

// The validated settings of `dokkerr server`.
struct ServerConfig {
  std::string listen = "127.0.0.1:8080";
  std::filesystem::path data_dir;
  std::string database_url;              // empty → sqlite:///<data_dir>/dokkerr.db
  std::string docker_host;               // empty → $DOCKER_HOST, else unix:///var/run/docker.sock
  std::string private_dockerd = "auto";  // auto | never
  std::size_t max_body_bytes = 10U * 1024U * 1024U;
  std::size_t max_upload_bytes = 2048ULL * 1024U * 1024U;
  std::size_t max_header_bytes = 16U * 1024U;
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_address = 256;
  // TLS on the listening port: a PEM certificate chain and key, or a self-signed pair kept in
  // <data-dir>/tls. Without either, only loopback is served unless insecure_http says a
  // TLS-terminating proxy is in front.
  std::filesystem::path tls_cert;
  std::filesystem::path tls_key;
  bool tls_self_signed = false;
  bool insecure_http = false;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{60'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds shutdown_grace{10'000};
  unsigned threads = 0;  // 0 → hardware concurrency
  std::string log_level = "info";
  std::string jwt_algorithm = "hs256";  // hs256 | eddsa; tokens with any other alg are refused
  std::chrono::seconds access_token_ttl{15 * 60};
  // A refresh token presented again this soon after its first use gets a fresh pair instead of
  // revoking its session (two tabs refreshing at once); 0 revokes at the first repeat.
  std::chrono::seconds refresh_reuse_interval{10};
  // The gateway (gateway/edge.hpp): proxies whose X-Forwarded-For/Forwarded are believed,
  // origins allowed to call from a browser, and "CLASS=PER_MINUTE[:BURST]" rate limits over
  // the defaults.
  std::vector<std::string> trusted_proxies;
  // Registries (HOST[:PORT]) non-admins may pull from although they are not public.
  std::vector<std::string> allowed_registries;
  std::vector<std::string> cors_origins;
  std::vector<std::string> rate_limits;
  // "CLASS=N" bounds on a user's open WebSockets, image pulls and uploads over the defaults.
  std::vector<std::string> concurrency_limits;
  // redis://[[user]:password@]host[:port][/db]: rate-limit buckets shared by every replica and
  // cache invalidation pushed to them at once. Empty: each replica keeps its own buckets and
  // sees other replicas' changes through the database's change counter.
  std::string redis_url;
  // The built web UI (web/dist) served at /; empty: no UI, the API alone.
  std::string web_dir;
  // How often the collector samples every running container (1 s to 1 h), and how long its
  // samples are kept in memory at that resolution (at least one interval, at most a day).
  std::chrono::seconds metrics_interval{5};
  // How often the images running containers use are compared with their registries (and
  // auto-update stacks redeployed); 0 turns the checks off.
  std::chrono::seconds image_update_interval{6 * 3600};
  // How often Git stacks look for a new commit (0: only when asked), and the private addresses
  // their https repositories may still be on.
  std::chrono::seconds git_poll_interval{300};
  std::vector<std::string> git_allow;
  std::chrono::seconds metrics_window{15 * 60};
  // The history: how long a raw chunk spans before it is written (what a crash may lose), and
  // how long each tier is kept.
  std::chrono::seconds metrics_chunk{5 * 60};
  std::chrono::hours metrics_keep_raw{24};
  std::chrono::hours metrics_keep_minutes{24 * 14};
  std::chrono::hours metrics_keep_hours{24 * 365};
  // Who may scrape /metrics: a request with this token (Authorization: Bearer), or from one of
  // these addresses or networks (loopback unless given).
  std::string metrics_token;
  std::vector<std::string> metrics_allow{"127.0.0.1", "::1"};
  // Non-public addresses alert webhooks may still reach (a receiver on the private network).
  std::vector<std::string> alert_webhook_allow;
  // Where backups go: "" (the data dir's objects/), file:///dir or s3://bucket/prefix?….
  std::string object_store;
  // The image volume backups make their never-started helper containers from ("": any).
  std::string backup_helper_image;
  // The passphrase platform backups taken by the server are sealed with (first line of the
  // file); none: the server takes no platform backups (dokkerr admin backup still does).
  std::filesystem::path backup_passphrase_file;
  std::string backup_passphrase;  // read from the file at start
};

// Resolved listen address.
struct ListenAddress {
  std::string host;
  unsigned short port = 0;
};

[[nodiscard]] inline bool uses_tls(const ServerConfig& config) {
  return config.tls_self_signed || !config.tls_cert.empty();
}

// Checks every setting; throws ConfigError naming the setting ("--listen: ...").
ListenAddress validate(ServerConfig& config);

// The gateway's settings, parsed (throws ConfigError as validate does).
gateway::EdgeSettings edge_settings(const ServerConfig& config);

std::filesystem::path default_data_dir();

}  // namespace dokkerr::app
