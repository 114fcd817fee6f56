#include "app/server_config.hpp"

#include "app/config_error.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace dokkerr::app {
namespace {

class ServerConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config.data_dir = std::filesystem::temp_directory_path() /
                      ("dokkerr-config-test-" + std::to_string(::getpid()));
  }
  void TearDown() override { std::filesystem::remove_all(config.data_dir); }

  std::string failing_setting() {
    try {
      validate(config);
    } catch (const ConfigError& error) {
      return error.setting();
    }
    return "none";
  }
  ServerConfig config;
};

TEST_F(ServerConfigTest, DefaultsAreValidAndFilledIn) {
  const auto address = validate(config);
  EXPECT_EQ(address.host, "127.0.0.1");
  EXPECT_EQ(address.port, 8080);
  EXPECT_EQ(config.database_url, "sqlite://" + (config.data_dir / "dokkerr.db").string());
  EXPECT_FALSE(config.docker_host.empty());
}

TEST_F(ServerConfigTest, ListenAcceptsLoopbackForms) {
  for (const auto* listen : {"127.0.0.1:0", "localhost:9000", "[::1]:8080", "127.0.0.2:1"}) {
    config.listen = listen;
    EXPECT_NO_THROW(validate(config)) << listen;
  }
}

TEST_F(ServerConfigTest, ListenRejectsMalformedAndNonLoopback) {
  for (const auto* listen : {"8080", ":8080", "127.0.0.1:", "127.0.0.1:99999", "127.0.0.1:http",
                             "example.com:80", "0.0.0.0:8080", "198.18.0.5:80", "[::]:80"}) {
    config.listen = listen;
    EXPECT_EQ(failing_setting(), "--listen") << listen;
  }
}

TEST_F(ServerConfigTest, NonLoopbackNeedsTlsOrAnExplicitInsecureHttp) {
  config.listen = "0.0.0.0:8443";
  config.tls_self_signed = true;
  EXPECT_NO_THROW(validate(config));
  config.tls_self_signed = false;
  config.tls_cert = "/etc/dokkerr/cert.pem";
  config.tls_key = "/etc/dokkerr/key.pem";
  EXPECT_NO_THROW(validate(config));
  config.tls_cert.clear();
  config.tls_key.clear();
  config.insecure_http = true;
  EXPECT_NO_THROW(validate(config));
}

TEST_F(ServerConfigTest, TlsSettingsMustAgree) {
  config.tls_cert = "/etc/dokkerr/cert.pem";
  EXPECT_EQ(failing_setting(), "--tls-key");
  config.tls_cert.clear();
  config.tls_key = "/etc/dokkerr/key.pem";
  EXPECT_EQ(failing_setting(), "--tls-cert");
  config.tls_cert = "/etc/dokkerr/cert.pem";
  config.tls_self_signed = true;
  EXPECT_EQ(failing_setting(), "--tls-self-signed");
  config.tls_self_signed = false;
  config.insecure_http = true;
  EXPECT_EQ(failing_setting(), "--insecure-http");
  config.insecure_http = false;
  config.max_connections_per_address = 0;
  EXPECT_EQ(failing_setting(), "--max-connections-per-address");
}

TEST_F(ServerConfigTest, OtherSettingsAreNamedWhenWrong) {
  config.max_body_bytes = 10;
  EXPECT_EQ(failing_setting(), "--max-body-size");
  config.max_body_bytes = 1 << 20;
  config.log_level = "loud";
  EXPECT_EQ(failing_setting(), "--log-level");
  config.log_level = "info";
  config.private_dockerd = "sometimes";
  EXPECT_EQ(failing_setting(), "--private-dockerd");
  config.private_dockerd = "auto";
  config.max_connections = 0;
  EXPECT_EQ(failing_setting(), "--max-connections");
}

TEST_F(ServerConfigTest, TheRefreshReuseIntervalIsBounded) {
  for (const int seconds : {0, 10, 300}) {
    config.refresh_reuse_interval = std::chrono::seconds(seconds);
    EXPECT_EQ(failing_setting(), "none") << seconds;
  }
  for (const int seconds : {-1, 301, 86400}) {
    config.refresh_reuse_interval = std::chrono::seconds(seconds);
    EXPECT_EQ(failing_setting(), "--refresh-reuse-interval") << seconds;
  }
}

TEST_F(ServerConfigTest, TheRedisUrlIsCheckedAtStart) {
  config.redis_url = "redis://:secret@127.0.0.1:6379/1";
  EXPECT_EQ(failing_setting(), "none");
  for (const char* url :
       {"127.0.0.1:6379", "rediss://cache:6380", "redis://cache:0", "redis://h/99"}) {
    config.redis_url = url;
    EXPECT_EQ(failing_setting(), "--redis") << url;
  }
}

}  // namespace
}  // namespace dokkerr::app
