#include "containers/network_service.hpp"

#include "containers/container_service.hpp"
#include "unit/containers/engine_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace dokkerr::containers {
namespace {

using namespace testing;

class NetworkServiceTest : public EngineServiceTest {
 protected:
  void SetUp() override {
    EngineServiceTest::SetUp();
    if (IsSkipped()) return;
    service_ = std::make_unique<NetworkService>(*environments_, *tenancy_);
    containers_ = std::make_unique<ContainerService>(*environments_, *tenancy_);
  }

  // A network of the test's in 198.18.(180 + subnet).0/24. Fixed subnets, one set per test: the
  // engine's own choice would come from the start of its pool, where the integration tests put
  // theirs (tests/integration/README.md), and a network left behind by a crash would then break
  // them rather than this test.
  std::string create(const Principal& caller, const std::string& name, int subnet,
                     std::optional<std::string> team = std::nullopt) {
    const auto cidr = "198.18." + std::to_string(180 + subnet) + ".0/24";
    boost::json::object config{{"Subnet", cidr}};
    boost::json::object ipam{{"Config", boost::json::array{config}}};
    boost::json::object body{{"Name", name}, {"IPAM", ipam}, {"Labels", run_labels()}};
    NetworkCreate request{std::move(team), boost::json::serialize(body)};
    const auto created = run(ioc_, service_->create(caller, kEnv, std::move(request)));
    return std::string(created.at("Id").as_string());
  }
  // A container; it joins `network` (a container in mode "none" can join no other).
  std::string container(const Principal& caller, const std::string& network = "none") {
    boost::json::object host{{"HostConfig", {{"NetworkMode", network}}}};
    ContainerCreate request{unique_name("c"), std::nullopt,
                            container_body({"sleep", "300"}, std::move(host))};
    const auto created = run(ioc_, containers_->create(caller, kEnv, std::move(request)));
    return std::string(created.at("Id").as_string());
  }
  std::vector<std::string> listed(const Principal& caller) {
    boost::json::object filters{
        {"label", boost::json::array{std::string(kRunLabel) + "=" + run_value()}}};
    const auto networks = run(ioc_, service_->list(caller, kEnv, filters));
    std::vector<std::string> ids;
    for (const auto& network : networks) ids.emplace_back(network.at("Id").as_string());
    return ids;
  }
  bool attached(const std::string& container_id, const std::string& network_name) {
    const auto inspect = engine_get("/containers/" + container_id + "/json");
    return inspect.at("NetworkSettings").at("Networks").as_object().contains(network_name);
  }

  std::unique_ptr<NetworkService> service_;
  std::unique_ptr<ContainerService> containers_;
};

TEST_F(NetworkServiceTest, ATeamsNetworkIsLabelledRecordedAndListedForItOnly) {
  const auto name = unique_name("net");
  const auto id = create(developer("team-a"), name, 0);
  EXPECT_EQ(team_label_of(engine_get("/networks/" + id).at("Labels")), "team-a");
  EXPECT_EQ(owners_.record(kEnv, ResourceKind::network, id)->created_at, clock_.stamp());
  EXPECT_EQ(listed(developer("team-a")), (std::vector<std::string>{id}));
  EXPECT_TRUE(listed(developer("team-b")).empty());
  EXPECT_EQ(listed(admin()), (std::vector<std::string>{id}));
  for (const std::string& ref : {id, id.substr(0, 12), name}) {
    EXPECT_EQ(run(ioc_, service_->inspect(developer("team-a"), kEnv, ref)).at("Id").as_string(),
              id);
    EXPECT_EQ(
        error_of([&] { run(ioc_, service_->inspect(developer("team-b"), kEnv, ref)); }).code(),
        "network_not_found");
    EXPECT_EQ(error_of([&] { run(ioc_, service_->remove(developer("team-b"), kEnv, ref)); }).code(),
              "network_not_found");
  }
}

TEST_F(NetworkServiceTest, NamesAreCheckedAndUnique) {
  const auto member = developer("team-a");
  EXPECT_EQ(error_of([&] { create(member, std::string(129, 'n'), 1); }).code(), "invalid_body");
  const auto name = unique_name("dup");
  create(member, name, 1);
  EXPECT_EQ(error_of([&] { create(member, name, 2); }).kind(), ErrorKind::conflict);
  NetworkCreate bogus{std::nullopt, R"({"Name":"x","Bogus":true})"};
  EXPECT_EQ(error_of([&] { run(ioc_, service_->create(member, kEnv, bogus)); }).code(),
            "unknown_field");
  NetworkCreate host_driver{std::nullopt, R"({"Name":"x","Driver":"host"})"};
  EXPECT_EQ(error_of([&] { run(ioc_, service_->create(member, kEnv, host_driver)); }).code(),
            "policy_denied");
}

TEST_F(NetworkServiceTest, ConnectingNeedsTheNetworkAndTheContainerToBeTheCallers) {
  const auto a = developer("team-a");
  const auto b = developer("team-b");
  const auto name = unique_name("join");
  const auto network = create(a, name, 3);
  const auto home = unique_name("home");
  create(a, home, 4);
  const auto ours = container(a, home);
  const auto theirs = container(b);

  run(ioc_, service_->connect(a, kEnv, name, EndpointChange{ours.substr(0, 12), {}, {}}));
  EXPECT_TRUE(attached(ours, name));
  EXPECT_EQ(error_of([&] {
              run(ioc_, service_->connect(a, kEnv, network, EndpointChange{theirs, {}, {}}));
            }).code(),
            "container_not_found");
  EXPECT_FALSE(attached(theirs, name));
  EXPECT_EQ(error_of([&] {
              run(ioc_, service_->connect(b, kEnv, network, EndpointChange{theirs, {}, {}}));
            }).code(),
            "network_not_found");
  run(ioc_, service_->disconnect(a, kEnv, network, EndpointChange{ours, {}, {}}));
  EXPECT_FALSE(attached(ours, name));
}

TEST_F(NetworkServiceTest, RemoveForgetsTheOwner) {
  const auto member = developer("team-a");
  const auto id = create(member, unique_name("rm"), 5);
  run(ioc_, service_->remove(member, kEnv, id));
  EXPECT_TRUE(engine_get("/networks/" + id).is_null());
  EXPECT_FALSE(owners_.record(kEnv, ResourceKind::network, id));
}

TEST_F(NetworkServiceTest, AnAssignedNetworkBecomesTheTeams) {
  const auto id = create(admin(), unique_name("raw"), 6);
  EXPECT_TRUE(listed(developer("team-a")).empty());
  run(ioc_, tenancy_->assign(kEnv, ResourceKind::network, id, "team-a"));
  EXPECT_EQ(listed(developer("team-a")), (std::vector<std::string>{id}));
}

}  // namespace
}  // namespace dokkerr::containers
