#include "containers/system_service.hpp"

#include "containers/container_service.hpp"
#include "unit/containers/engine_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace dokkerr::containers {
namespace {

using namespace testing;

class SystemServiceTest : public EngineServiceTest {
 protected:
  void SetUp() override {
    EngineServiceTest::SetUp();
    if (IsSkipped()) return;
    service_ = std::make_unique<SystemService>(*environments_, *tenancy_);
    containers_ = std::make_unique<ContainerService>(*environments_, *tenancy_);
  }

  std::string create(const Principal& caller, const std::string& name) {
    ContainerCreate request{name, std::nullopt, container_body({"true"})};
    const auto created = run(ioc_, containers_->create(caller, kEnv, std::move(request)));
    return std::string(created.at("Id").as_string());
  }

  // The ids of the containers whose "create" events the stream delivers until `until` shows up.
  std::vector<std::string> created_until(docker::EngineStream& stream, const std::string& until) {
    return run(
        ioc_,
        [&]() -> asio::awaitable<std::vector<std::string>> {
          std::vector<std::string> seen;
          docker::LineSplitter lines;
          for (;;) {
            auto chunk = co_await stream.read_some();
            if (!chunk) break;
            for (const auto& line : lines.feed(*chunk)) {
              const auto event = boost::json::parse(line);
              if (event.at("Action") != "create") continue;
              const std::string id(event.at("Actor").at("ID").as_string());
              seen.push_back(id);
              if (id == until) co_return seen;
            }
          }
          co_return seen;
        }(),
        std::chrono::seconds(20));
  }

  std::unique_ptr<SystemService> service_;
  std::unique_ptr<ContainerService> containers_;
};

TEST_F(SystemServiceTest, InfoVersionAndDiskUsageAreTheEnginesDocuments) {
  EXPECT_TRUE(run(ioc_, service_->info(admin(), kEnv)).as_object().contains("ServerVersion"));
  EXPECT_TRUE(run(ioc_, service_->version(kEnv)).as_object().contains("ApiVersion"));
  EXPECT_TRUE(run(ioc_, service_->disk_usage(kEnv)).as_object().contains("LayersSize"));
  EXPECT_EQ(error_of([&] { run(ioc_, service_->info(admin(), "elsewhere")); }).code(),
            "environment_not_found");
}

TEST_F(SystemServiceTest, ATenantsInfoCountsOnlyItsOwnContainers) {
  (void)create(developer("team-b"), unique_name("b"));
  const auto engine_wide = run(ioc_, service_->info(admin(), kEnv));
  EXPECT_GE(engine_wide.at("Containers").as_int64(), 1);
  const auto tenant = run(ioc_, service_->info(developer("team-z"), kEnv));
  EXPECT_EQ(tenant.at("Containers").as_uint64(), 0U);
  EXPECT_EQ(tenant.at("ContainersRunning").as_uint64(), 0U);
  EXPECT_EQ(tenant.at("ContainersStopped").as_uint64(), 0U);
  EXPECT_TRUE(tenant.as_object().contains("ServerVersion"));
}

// The streams are opened first: the engine then delivers what happens after, in order.
TEST_F(SystemServiceTest, AMemberSeesTheEventsOfItsTeamOnly) {
  EventsQuery query;
  query.types = {"container"};
  query.events = {"create"};
  auto stream = run(ioc_, service_->events(developer("team-a"), kEnv, query));
  const auto theirs = create(developer("team-b"), unique_name("b"));
  const auto ours = create(developer("team-a"), unique_name("a"));
  const auto seen = created_until(*stream, ours);
  stream->close();
  EXPECT_NE(std::find(seen.begin(), seen.end(), ours), seen.end());
  EXPECT_EQ(std::find(seen.begin(), seen.end(), theirs), seen.end());
}

TEST_F(SystemServiceTest, AnAdminSeesEveryTeamsEvents) {
  EventsQuery query;
  query.filters = boost::json::object{
      {"label", boost::json::array{std::string(kRunLabel) + "=" + run_value()}}};
  query.events = {"create"};
  auto stream = run(ioc_, service_->events(admin(), kEnv, query));
  const auto theirs = create(developer("team-b"), unique_name("b"));
  const auto ours = create(developer("team-a"), unique_name("a"));
  const auto seen = created_until(*stream, ours);
  stream->close();
  EXPECT_NE(std::find(seen.begin(), seen.end(), theirs), seen.end());
}

TEST_F(SystemServiceTest, AMemberOfSeveralTeamsNamesOne) {
  auto both = developer("team-a");
  both.team_permissions["team-b"] = both.team_permissions["team-a"];
  both.environment_teams[kEnv].insert("team-b");
  EXPECT_EQ(error_of([&] { run(ioc_, service_->events(both, kEnv, {})); }).code(), "team_required");
  EventsQuery query;
  query.team = "team-c";
  EXPECT_EQ(error_of([&] { run(ioc_, service_->events(both, kEnv, query)); }).code(),
            "team_not_found");
}

}  // namespace
}  // namespace dokkerr::containers
