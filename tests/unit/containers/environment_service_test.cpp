#include "containers/environment_service.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/logger.hpp"
#include "docker/endpoint.hpp"
#include "unit/containers/callers.hpp"
#include "unit/containers/fakes.hpp"
#include "unit/docker/test_support.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace dokkerr::containers {
namespace {

using docker::testing::run;
using testing::error_of;
using testing::FakeEnvironmentStore;

// Engines that never answer: nothing listens on port 1 or at this socket.
constexpr const char* kNowhere = "tcp://127.0.0.1:1";
constexpr const char* kElsewhere = "tcp://127.0.0.2:1";
// A self-signed CA certificate (the client parses what it is given).
constexpr const char* kPem =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBizCCATGgAwIBAgIUVGgX8TTy6zDw3Rm3Mdax2wKMrPEwCgYIKoZIzj0EAwIw\n"
    "GjEYMBYGA1UEAwwPZG9ra2Vyci11bml0LWNhMCAXDTI2MTIwMjE2MTAwNloYDzIx\n"
    "MjYxMTA4MTYxMDA2WjAaMRgwFgYDVQQDDA9kb2trZXJyLXVuaXQtY2EwWTATBgcq\n"
    "hkjOPQIBBggqhkjOPQMBBwNCAARExuTQHcu03mu31KkgjACnihadqmVvJKA9RETw\n"
    "Zyg3hES4vOj52l8sdJBmeQXj1Kt8dS/EYQzrcnjY7c3tJN1Zo1MwUTAdBgNVHQ4E\n"
    "FgQUDP1XOptHHnasoIuB3GjJEhg/WRQwHwYDVR0jBBgwFoAUDP1XOptHHnasoIuB\n"
    "3GjJEhg/WRQwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAu1GX\n"
    "Y2vAhw9wj2yERKDdk0d6s2WQhMFUxiU9glXaudQCIEQwYEDgkSNDLKK9fcaCrja/\n"
    "YBPUAckYTE8w3VLdhYoo\n"
    "-----END CERTIFICATE-----\n";

EnvironmentInput input(std::optional<std::string> name, std::optional<std::string> url) {
  EnvironmentInput in;
  in.name = std::move(name);
  in.url = std::move(url);
  return in;
}

class EnvironmentServiceTest : public ::testing::Test {
 protected:
  EnvironmentServiceTest()
      : service_(ioc_.get_executor(), docker::parse_endpoint("unix:///nonexistent/docker.sock"),
                 store_, pool_, logger_, clock_) {}
  ~EnvironmentServiceTest() override {
    service_.stop();
    ioc_.run_for(std::chrono::milliseconds(50));
  }

  EnvironmentView create(std::optional<std::string> name, std::optional<std::string> url) {
    return run(ioc_, service_.create(input(std::move(name), std::move(url))));
  }
  Error create_error(EnvironmentInput in) {
    return error_of([&] { run(ioc_, service_.create(std::move(in))); });
  }

  boost::asio::io_context ioc_;
  BlockingPool pool_{1};
  Logger logger_{LogLevel::error};
  ManualClock clock_;
  FakeEnvironmentStore store_;
  EnvironmentService service_;
};

TEST_F(EnvironmentServiceTest, LocalIsAlwaysThereAndBuiltin) {
  const auto local = service_.describe(kLocalEnvironment);
  EXPECT_EQ(local.id, "local");
  EXPECT_EQ(local.name, "local");
  EXPECT_TRUE(local.builtin);
  EXPECT_EQ(local.created_at, "");
  EXPECT_TRUE(store_.list().empty());  // the configuration's, never stored
  EXPECT_EQ(error_of([&] { run(ioc_, service_.update("local", input("other", {}))); }).code(),
            "environment_builtin");
  EXPECT_EQ(error_of([&] { run(ioc_, service_.remove("local")); }).code(), "environment_builtin");
}

TEST_F(EnvironmentServiceTest, CreateStoresAndStampsWithTheClock) {
  const auto created = create("staging", kNowhere);
  EXPECT_TRUE(created.id.starts_with("env_"));
  EXPECT_EQ(created.name, "staging");
  EXPECT_EQ(created.url, kNowhere);
  EXPECT_FALSE(created.builtin);
  EXPECT_FALSE(created.tls);
  EXPECT_EQ(created.created_at, clock_.stamp());
  EXPECT_EQ(created.updated_at, clock_.stamp());
  const auto stored = store_.find(created.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->created_at, clock_.stamp());
  EXPECT_NE(created.state.status, EngineStatus::up);
  EXPECT_EQ(service_.describe(created.id).name, "staging");
}

TEST_F(EnvironmentServiceTest, CreateValidatesNameUrlAndTls) {
  EXPECT_EQ(create_error(input({}, kNowhere)).code(), "invalid_body");
  EXPECT_EQ(create_error(input("x", {})).code(), "invalid_body");
  EXPECT_EQ(create_error(input("", kNowhere)).code(), "invalid_body");
  EXPECT_EQ(create_error(input(std::string(65, 'n'), kNowhere)).code(), "invalid_body");
  EXPECT_EQ(create_error(input("bad\x01name", kNowhere)).code(), "invalid_body");
  for (const char* url : {"ftp://127.0.0.1:2375", "not a url", "tcp://", "tcp://127.0.0.1:99999"}) {
    EXPECT_EQ(create_error(input("x", url)).code(), "invalid_docker_host") << url;
  }
  auto not_pem = input("x", kNowhere);
  not_pem.tls = EnvironmentTls{"not pem", "", "", true};
  EXPECT_EQ(create_error(not_pem).code(), "invalid_body");
  auto cert_alone = input("x", kNowhere);
  cert_alone.tls = EnvironmentTls{"", kPem, "", true};
  EXPECT_EQ(create_error(cert_alone).code(), "invalid_body");
  auto too_large = input("x", kNowhere);
  too_large.tls = EnvironmentTls{std::string(64 * 1024 + 1, 'x'), "", "", true};
  EXPECT_EQ(create_error(too_large).code(), "invalid_body");
  EXPECT_TRUE(store_.list().empty());
}

TEST_F(EnvironmentServiceTest, LocalIsAReservedName) {
  const auto error = create_error(input("local", kNowhere));
  EXPECT_EQ(error.kind(), ErrorKind::conflict);
  EXPECT_EQ(error.code(), "environment_name_conflict");
  const auto created = create("prod", kNowhere);
  EXPECT_EQ(error_of([&] { run(ioc_, service_.update(created.id, input("local", {}))); }).code(),
            "environment_name_conflict");
}

TEST_F(EnvironmentServiceTest, ADuplicateNameIsAConflict) {
  create("prod", kNowhere);
  EXPECT_EQ(create_error(input("prod", kElsewhere)).code(), "environment_name_conflict");
}

TEST_F(EnvironmentServiceTest, RenameKeepsTheEngineAndStampsTheChange) {
  const auto created = create("prod", kNowhere);
  const auto engine = service_.engine(created.id);
  clock_.advance(std::chrono::minutes(3));
  const auto renamed = run(ioc_, service_.update(created.id, input("production", {})));
  EXPECT_EQ(renamed.name, "production");
  EXPECT_EQ(renamed.created_at, created.created_at);
  EXPECT_EQ(renamed.updated_at, clock_.stamp());
  EXPECT_NE(renamed.updated_at, created.updated_at);
  EXPECT_EQ(store_.find(created.id)->name, "production");
  EXPECT_EQ(service_.engine(created.id), engine);  // same engine: no reconnect for a name
}

TEST_F(EnvironmentServiceTest, ANewUrlOrNewTlsReconnects) {
  const auto created = create("prod", kNowhere);
  const auto first = service_.engine(created.id);
  const auto moved = run(ioc_, service_.update(created.id, input({}, kElsewhere)));
  EXPECT_EQ(moved.url, kElsewhere);
  EXPECT_EQ(store_.find(created.id)->url, kElsewhere);
  const auto second = service_.engine(created.id);
  EXPECT_NE(second, first);

  auto with_tls = input({}, {});
  with_tls.tls = EnvironmentTls{kPem, "", "", false};
  const auto secured = run(ioc_, service_.update(created.id, with_tls));
  EXPECT_TRUE(secured.tls);
  EXPECT_EQ(store_.find(created.id)->tls_ca, kPem);
  EXPECT_FALSE(store_.find(created.id)->tls_verify);
  EXPECT_NE(service_.engine(created.id), second);
}

TEST_F(EnvironmentServiceTest, UpdatingAnUnknownEnvironmentIsNotFound) {
  EXPECT_EQ(error_of([&] { run(ioc_, service_.update("env_nope", input("x", {}))); }).code(),
            "environment_not_found");
  EXPECT_EQ(error_of([&] { run(ioc_, service_.remove("env_nope")); }).code(),
            "environment_not_found");
  EXPECT_EQ(error_of([&] { (void)service_.engine("env_nope"); }).code(), "environment_not_found");
}

TEST_F(EnvironmentServiceTest, RemoveForgetsItEverywhere) {
  const auto created = create("prod", kNowhere);
  run(ioc_, service_.remove(created.id));
  EXPECT_FALSE(store_.find(created.id));
  EXPECT_EQ(error_of([&] { (void)service_.describe(created.id); }).code(), "environment_not_found");
  EXPECT_EQ(error_of([&] { (void)service_.engine_up(created.id); }).code(),
            "environment_not_found");
}

TEST_F(EnvironmentServiceTest, AnEngineThatIsNotUpIsUnavailable) {
  const auto created = create("prod", kNowhere);
  EXPECT_EQ(error_of([&] { (void)service_.engine_up(created.id); }).code(), "engine_unavailable");
}

TEST_F(EnvironmentServiceTest, ListsLocalFirstThenByNameAndOnlyWhatTheCallerWasGranted) {
  const auto zulu = create("zulu", kNowhere);
  const auto alpha = create("alpha", kElsewhere);
  Principal admin;
  admin.is_admin = true;
  std::vector<std::string> names;
  for (const auto& environment : service_.list(admin)) names.push_back(environment.name);
  EXPECT_EQ(names, (std::vector<std::string>{"local", "alpha", "zulu"}));

  Principal member;
  member.team_permissions["team-a"] = {"containers:read"};
  member.environment_teams[zulu.id] = {"team-a"};
  const auto visible = service_.list(member);
  ASSERT_EQ(visible.size(), 1U);
  EXPECT_EQ(visible[0].id, zulu.id);
  EXPECT_TRUE(service_.list(Principal{}).empty());
}

TEST_F(EnvironmentServiceTest, StartLoadsWhatWasStored) {
  EnvironmentRecord stored;
  stored.id = "env_stored";
  stored.name = "stored";
  stored.url = kNowhere;
  stored.created_at = stored.updated_at = clock_.stamp();
  store_.insert(stored);
  EnvironmentRecord unusable = stored;
  unusable.id = "env_broken";
  unusable.name = "broken";
  unusable.url = "ftp://nowhere";
  store_.insert(unusable);
  service_.start();
  EXPECT_EQ(service_.describe("env_stored").name, "stored");
  EXPECT_EQ(error_of([&] { (void)service_.describe("env_broken"); }).code(),
            "environment_not_found");
  EXPECT_EQ(service_.states().size(), 2U);  // local and stored
}

}  // namespace
}  // namespace dokkerr::containers
