#include "app/server_config.hpp"

#include "app/config_error.hpp"
#include "cache/redis_endpoint.hpp"
#include "core/address_set.hpp"
#include "gateway/edge.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

namespace dokkerr::app {
namespace {

// "https://console.example.com" or "http://127.0.0.1:5173": a scheme, a host and maybe a port,
// as a browser's Origin header carries them.
bool is_origin(std::string_view origin) {
  const auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return false;
  const auto scheme = origin.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  const auto authority = origin.substr(scheme_end + 3);
  return !authority.empty() && authority.size() <= 253 &&
         authority.find_first_of("/?#@ *") == std::string_view::npos && authority.back() != ':';
}

}  // namespace

gateway::EdgeSettings edge_settings(const ServerConfig& config) {
  gateway::EdgeSettings settings;
  try {
    settings.trusted_proxies = gateway::TrustedProxies::parse(config.trusted_proxies);
  } catch (const std::invalid_argument& error) {
    throw ConfigError("--trusted-proxies", error.what());
  }
  for (const auto& origin : config.cors_origins) {
    if (!is_origin(origin)) {
      throw ConfigError("--cors-origin",
                        "'" + origin + "' is not an origin like https://console.example.com");
    }
    settings.cors_origins.push_back(origin);
  }
  for (const auto& limit : config.rate_limits) {
    try {
      gateway::apply_rate_limit(settings.rate_limits, limit);
    } catch (const std::invalid_argument& error) {
      throw ConfigError("--rate-limit", error.what());
    }
  }
  for (const auto& limit : config.concurrency_limits) {
    try {
      gateway::apply_concurrency_limit(settings.concurrency, limit);
    } catch (const std::invalid_argument& error) {
      throw ConfigError("--max-concurrent", error.what());
    }
  }
  return settings;
}

std::filesystem::path default_data_dir() {
  if (geteuid() == 0) {
    return "/var/lib/dokkerr";
  }
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::filesystem::path(xdg) / "dokkerr";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".local/share/dokkerr";
  }
  return ".dokkerr";
}

ListenAddress validate(ServerConfig& config) {
  ListenAddress address;
  const auto colon = config.listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == config.listen.size()) {
    throw ConfigError("--listen", "expected HOST:PORT, got '" + config.listen + "'");
  }
  address.host = config.listen.substr(0, colon);
  if (address.host.size() > 2 && address.host.front() == '[' && address.host.back() == ']') {
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  const auto port_text = std::string_view(config.listen).substr(colon + 1);
  unsigned port = 0;
  const auto [ptr, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port > 65535) {
    throw ConfigError(
        "--listen", "port must be a number from 0 to 65535, got '" + std::string(port_text) + "'");
  }
  address.port = static_cast<unsigned short>(port);
  if (address.host == "localhost") {
    address.host = "127.0.0.1";
  }
  boost::system::error_code parse_ec;
  const auto ip = boost::asio::ip::make_address(address.host, parse_ec);
  if (parse_ec) {
    throw ConfigError("--listen",
                      "host must be an IP address or 'localhost', got '" + address.host + "'");
  }
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    throw ConfigError(config.tls_cert.empty() ? "--tls-cert" : "--tls-key",
                      "--tls-cert and --tls-key go together");
  }
  if (config.tls_self_signed && !config.tls_cert.empty()) {
    throw ConfigError("--tls-self-signed",
                      "give either --tls-self-signed or --tls-cert/--tls-key, not both");
  }
  if (config.insecure_http && uses_tls(config)) {
    throw ConfigError("--insecure-http", "contradicts the TLS settings given");
  }
  // Tokens and passwords in clear text may cross only the loopback interface, unless a proxy in
  // front terminates TLS (the operator says so with --insecure-http).
  if (!ip.is_loopback() && !uses_tls(config) && !config.insecure_http) {
    throw ConfigError("--listen", "'" + address.host +
                                      "' is not a loopback address, and serving it without TLS "
                                      "would send passwords and tokens in clear text: give "
                                      "--tls-cert/--tls-key or --tls-self-signed, or "
                                      "--insecure-http when a TLS-terminating proxy is in front");
  }

  if (!config.redis_url.empty()) {
    try {
      (void)cache::parse_redis_url(config.redis_url);
    } catch (const std::invalid_argument& error) {
      throw ConfigError("--redis", error.what());
    }
  }

  if (config.data_dir.empty()) {
    config.data_dir = default_data_dir();
  }
  std::error_code fs_ec;
  std::filesystem::create_directories(config.data_dir, fs_ec);
  if (fs_ec) {
    throw ConfigError("--data-dir",
                      "cannot create '" + config.data_dir.string() + "': " + fs_ec.message());
  }
  config.data_dir = std::filesystem::absolute(config.data_dir);
  if (config.jwt_algorithm != "hs256" && config.jwt_algorithm != "eddsa") {
    throw ConfigError("--jwt-algorithm", "must be hs256 or eddsa");
  }
  if (config.access_token_ttl < std::chrono::seconds(30) ||
      config.access_token_ttl > std::chrono::hours(24)) {
    throw ConfigError("--access-token-ttl", "must be between 30 s and 24 h");
  }
  if (config.metrics_interval < std::chrono::seconds(1) ||
      config.metrics_interval > std::chrono::hours(1)) {
    throw ConfigError("--metrics-interval", "must be from 1 to 3600 seconds");
  }
  if (config.image_update_interval.count() != 0 &&
      (config.image_update_interval < std::chrono::seconds(2) ||
       config.image_update_interval > std::chrono::hours(24 * 7))) {
    throw ConfigError("--image-update-interval", "must be 0 (off) or from 2 to 604800 seconds");
  }
  if (config.git_poll_interval.count() != 0 &&
      (config.git_poll_interval < std::chrono::seconds(2) ||
       config.git_poll_interval > std::chrono::hours(24 * 7))) {
    throw ConfigError("--git-poll-interval", "must be 0 (off) or from 2 to 604800 seconds");
  }
  try {
    (void)AddressSet::parse(config.git_allow);
  } catch (const std::invalid_argument& error) {
    throw ConfigError("--git-allow", error.what());
  }
  if (config.metrics_window < config.metrics_interval ||
      config.metrics_window > std::chrono::hours(24)) {
    throw ConfigError("--metrics-window",
                      "must be at least one --metrics-interval and at most 86400 seconds");
  }
  if (config.metrics_chunk < std::chrono::seconds(10) ||
      config.metrics_chunk > std::chrono::hours(1) ||
      config.metrics_chunk < config.metrics_interval) {
    throw ConfigError("--metrics-chunk",
                      "must be from 10 to 3600 seconds and at least one --metrics-interval");
  }
  if (config.metrics_keep_raw < std::chrono::hours(1) ||
      config.metrics_keep_raw > std::chrono::hours(720)) {
    throw ConfigError("--metrics-keep-raw", "must be from 1 to 720 hours");
  }
  if (config.metrics_keep_minutes < std::chrono::hours(24) ||
      config.metrics_keep_minutes > std::chrono::hours(24 * 366)) {
    throw ConfigError("--metrics-keep-1m", "must be from 1 to 366 days");
  }
  if (config.metrics_keep_hours < std::chrono::hours(24) ||
      config.metrics_keep_hours > std::chrono::hours(24 * 3650)) {
    throw ConfigError("--metrics-keep-1h", "must be from 1 to 3650 days");
  }
  if (!config.metrics_token.empty() &&
      (config.metrics_token.size() < 16 || config.metrics_token.size() > 256 ||
       config.metrics_token.find_first_of(" \t\r\n") != std::string::npos)) {
    throw ConfigError("--metrics-token", "must be 16 to 256 characters without blanks");
  }
  try {
    (void)AddressSet::parse(config.metrics_allow);
  } catch (const std::invalid_argument& error) {
    throw ConfigError("--metrics-allow", error.what());
  }
  try {
    (void)AddressSet::parse(config.alert_webhook_allow);
  } catch (const std::invalid_argument& error) {
    throw ConfigError("--alert-webhook-allow", error.what());
  }
  if (!config.backup_passphrase_file.empty()) {
    std::ifstream in(config.backup_passphrase_file);
    if (!in) throw ConfigError("--backup-passphrase-file", "cannot be read");
    std::getline(in, config.backup_passphrase);
    if (!config.backup_passphrase.empty() && config.backup_passphrase.back() == '\r') {
      config.backup_passphrase.pop_back();
    }
    if (config.backup_passphrase.size() < 12) {
      throw ConfigError("--backup-passphrase-file",
                        "the passphrase must be at least 12 characters");
    }
  }
  if (config.refresh_reuse_interval < std::chrono::seconds(0) ||
      config.refresh_reuse_interval > std::chrono::seconds(300)) {
    throw ConfigError("--refresh-reuse-interval", "must be from 0 to 300 seconds");
  }
  if (config.database_url.empty()) {
    config.database_url = "sqlite://" + (config.data_dir / "dokkerr.db").string();
  }
  if (config.docker_host.empty()) {
    const char* env = std::getenv("DOCKER_HOST");
    config.docker_host = env != nullptr && *env != '\0' ? env : "unix:///var/run/docker.sock";
  }
  if (config.private_dockerd != "auto" && config.private_dockerd != "never") {
    throw ConfigError("--private-dockerd", "must be 'auto' or 'never'");
  }
  if (config.max_body_bytes < 1024) {
    throw ConfigError("--max-body-size", "must be at least 1024 bytes");
  }
  if (config.max_header_bytes < 1024 || config.max_header_bytes > 1024 * 1024) {
    throw ConfigError("--max-header-size", "must be from 1024 to 1048576 bytes");
  }
  if (config.max_connections == 0) {
    throw ConfigError("--max-connections", "must be at least 1");
  }
  if (config.max_connections_per_address == 0) {
    throw ConfigError("--max-connections-per-address", "must be at least 1");
  }
  if (config.log_level != "debug" && config.log_level != "info" && config.log_level != "warn" &&
      config.log_level != "error") {
    throw ConfigError("--log-level", "must be one of debug, info, warn, error");
  }
  if (config.threads > 256) {
    throw ConfigError("--threads", "must be at most 256");
  }
  (void)edge_settings(config);
  return address;
}

}  // namespace dokkerr::app
