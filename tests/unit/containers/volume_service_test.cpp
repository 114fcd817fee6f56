#include "containers/volume_service.hpp"

#include "unit/containers/engine_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace dokkerr::containers {
namespace {

using namespace testing;

class VolumeServiceTest : public EngineServiceTest {
 protected:
  void SetUp() override {
    EngineServiceTest::SetUp();
    if (IsSkipped()) return;
    service_ = std::make_unique<VolumeService>(*environments_, *tenancy_);
  }

  std::string create(const Principal& caller, const std::string& name,
                     std::optional<std::string> team = std::nullopt) {
    boost::json::object body{{"Name", name}, {"Labels", run_labels()}};
    VolumeCreate request{std::move(team), boost::json::serialize(body)};
    const auto created = run(ioc_, service_->create(caller, kEnv, std::move(request)));
    return std::string(created.at("Name").as_string());
  }
  std::vector<std::string> listed(const Principal& caller) {
    boost::json::object filters{
        {"label", boost::json::array{std::string(kRunLabel) + "=" + run_value()}}};
    const auto list = run(ioc_, service_->list(caller, kEnv, filters));
    std::vector<std::string> names;
    for (const auto& volume : list.volumes) names.emplace_back(volume.at("Name").as_string());
    return names;
  }

  std::unique_ptr<VolumeService> service_;
};

TEST_F(VolumeServiceTest, ATeamsVolumeIsLabelledRecordedAndListedForItOnly) {
  const auto name = create(developer("team-a"), unique_name("vol"));
  EXPECT_EQ(team_label_of(engine_get("/volumes/" + name).at("Labels")), "team-a");
  EXPECT_EQ(owners_.record(kEnv, ResourceKind::volume, name)->team_id, "team-a");
  EXPECT_EQ(listed(developer("team-a")), (std::vector<std::string>{name}));
  EXPECT_TRUE(listed(developer("team-b")).empty());
  EXPECT_EQ(run(ioc_, service_->inspect(developer("team-a"), kEnv, name)).at("Name").as_string(),
            name);
  EXPECT_EQ(error_of([&] { run(ioc_, service_->inspect(developer("team-b"), kEnv, name)); }).code(),
            "volume_not_found");
  EXPECT_EQ(
      error_of([&] { run(ioc_, service_->remove(developer("team-b"), kEnv, name, true)); }).code(),
      "volume_not_found");
  EXPECT_FALSE(engine_get("/volumes/" + name).is_null());
}

TEST_F(VolumeServiceTest, TheBodyGoesThroughThePolicy) {
  const auto member = developer("team-a");
  VolumeCreate extra{std::nullopt, R"({"Name":"x","Extra":1})"};
  EXPECT_EQ(error_of([&] { run(ioc_, service_->create(member, kEnv, extra)); }).code(),
            "unknown_field");
  VolumeCreate driver{std::nullopt, R"({"Name":"x","Driver":"nfs-of-the-host"})"};
  EXPECT_EQ(error_of([&] { run(ioc_, service_->create(member, kEnv, driver)); }).code(),
            "policy_denied");
  VolumeCreate wrong_type{std::nullopt, R"({"Labels":"a=b"})"};
  EXPECT_EQ(error_of([&] { run(ioc_, service_->create(member, kEnv, wrong_type)); }).code(),
            "invalid_body");
}

TEST_F(VolumeServiceTest, AnEmptyBodyTakesTheEnginesDefaults) {
  VolumeCreate empty{std::nullopt, ""};
  const auto created = run(ioc_, service_->create(admin(), kEnv, empty));
  const std::string name(created.at("Name").as_string());
  volumes_to_remove_.push_back(name);
  EXPECT_FALSE(name.empty());
  EXPECT_FALSE(owners_.record(kEnv, ResourceKind::volume, name));
}

TEST_F(VolumeServiceTest, RemoveForgetsTheOwner) {
  const auto member = developer("team-a");
  const auto name = create(member, unique_name("rm"));
  run(ioc_, service_->remove(member, kEnv, name, false));
  EXPECT_TRUE(engine_get("/volumes/" + name).is_null());
  EXPECT_FALSE(owners_.record(kEnv, ResourceKind::volume, name));
}

}  // namespace
}  // namespace dokkerr::containers
