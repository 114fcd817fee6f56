#include "stacks/service_body.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace dokkerr::stacks {
namespace {

ComposeProject project_of(const std::string& yaml) {
  return parse_compose(yaml, ComposeInputs{"shop", {}, {}});
}

constexpr const char* kStack = R"(
services:
  web:
    image: nginx:1.25
    command: ["nginx", "-g", "daemon off;"]
    environment: {B: "2", A: "1"}
    ports: ["8080:80", "9000"]
    volumes: ["data:/data:ro", "/srv/site:/usr/share/nginx/html", {type: tmpfs, target: /tmp}]
    networks:
      front:
        aliases: [www]
      back:
    healthcheck: {test: "wget -qO- localhost", interval: 2s, retries: 5}
    restart: on-failure:3
    deploy: {resources: {limits: {memory: 64m, cpus: "1.5"}}}
    labels: {tier: web}
  sidecar:
    image: busybox
    network_mode: service:web
networks:
  front:
  back:
    name: shared-back
volumes:
  data:
)";

TEST(ServiceBody, WritesTheEngineBodyWithComposeLabels) {
  const auto project = project_of(kStack);
  const auto& web = project.services.front();
  ASSERT_EQ(web.name, "web");
  const auto body = container_body(project, web, 2);
  const auto& labels = body.at("Labels").as_object();
  EXPECT_EQ(labels.at(kProjectLabel), "shop");
  EXPECT_EQ(labels.at(kServiceLabel), "web");
  EXPECT_EQ(labels.at(kNumberLabel), "2");
  EXPECT_EQ(labels.at(kOneoffLabel), "False");
  EXPECT_EQ(labels.at("tier"), "web");
  EXPECT_EQ(labels.at(kConfigHashLabel), boost::json::value(config_hash(project, web)));
  EXPECT_EQ(boost::json::serialize(body.at("Env")), R"(["A=1","B=2"])");
  const auto& host = body.at("HostConfig").as_object();
  EXPECT_EQ(
      boost::json::serialize(host.at("PortBindings")),
      R"({"80/tcp":[{"HostIp":"","HostPort":"8080"}],"9000/tcp":[{"HostIp":"","HostPort":""}]})");
  const auto& mounts = host.at("Mounts").as_array();
  ASSERT_EQ(mounts.size(), 3U);
  EXPECT_EQ(mounts[0].at("Source"), "shop_data");
  EXPECT_EQ(mounts[0].at("ReadOnly"), true);
  EXPECT_EQ(mounts[1].at("Type"), "bind");
  EXPECT_EQ(mounts[2].at("Type"), "tmpfs");
  EXPECT_EQ(host.at("NetworkMode"), "shop_front");
  EXPECT_EQ(boost::json::serialize(host.at("RestartPolicy")),
            R"({"Name":"on-failure","MaximumRetryCount":3})");
  EXPECT_EQ(host.at("Memory"), 64LL << 20U);
  EXPECT_EQ(host.at("NanoCpus"), 1'500'000'000LL);
  EXPECT_EQ(boost::json::serialize(body.at("NetworkingConfig")),
            R"({"EndpointsConfig":{"shop_front":{"Aliases":["web","www"]}}})");
  EXPECT_EQ(boost::json::serialize(body.at("Healthcheck")),
            R"({"Test":["CMD-SHELL","wget -qO- localhost"],"Interval":2000000000,"Retries":5})");
  EXPECT_EQ(container_name(project, web, 2), "shop-web-2");
  EXPECT_EQ(network_name(project, "back"), "shared-back");

  const auto sidecar = container_body(project, project.services.back(), 1);
  EXPECT_EQ(sidecar.at("HostConfig").at("NetworkMode"), "container:shop-web-1");
  EXPECT_FALSE(sidecar.contains("NetworkingConfig"));
}

TEST(ServiceBody, TheHashFollowsWhatIsDeployedOnly) {
  const auto project = project_of(kStack);
  const auto hash = config_hash(project, project.services.front());
  EXPECT_EQ(hash.size(), 64U);
  EXPECT_EQ(hash, config_hash(project_of(kStack), project_of(kStack).services.front()));
  // The same settings written differently hash the same; a changed value does not.
  std::string reordered = kStack;
  reordered.replace(reordered.find("{B: \"2\", A: \"1\"}"), 16, "[A=1, B=2]");
  EXPECT_EQ(config_hash(project_of(reordered), project_of(reordered).services.front()), hash);
  std::string changed = kStack;
  changed.replace(changed.find("A: \"1\""), 6, "A: \"9\"");
  EXPECT_NE(config_hash(project_of(changed), project_of(changed).services.front()), hash);
  // Another service's change leaves this one's hash alone.
  std::string other = kStack;
  other.replace(other.find("image: busybox"), 14, "image: busybox:1");
  EXPECT_EQ(config_hash(project_of(other), project_of(other).services.front()), hash);
}

TEST(ServiceBody, NetworksAndVolumesCarryTheirLabels) {
  const auto project = project_of(kStack);
  const auto network = network_body(project, project.networks.front());
  EXPECT_EQ(network.at("Name"), "shop_front");
  EXPECT_EQ(network.at("Labels").at(kNetworkLabel), "front");
  EXPECT_EQ(network.at("Labels").at(kProjectLabel), "shop");
  const auto volume = volume_body(project, project.volumes.front());
  EXPECT_EQ(volume.at("Name"), "shop_data");
  EXPECT_EQ(volume.at("Labels").at(kVolumeLabel), "data");
}

}  // namespace
}  // namespace dokkerr::stacks
