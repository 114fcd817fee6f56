#include "stacks/swarm_stack.hpp"

#include "core/error.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <algorithm>

namespace dokkerr::stacks {
namespace {

namespace bj = boost::json;

SwarmStackPlan plan(std::string_view yaml) {
  ComposeInputs inputs;
  inputs.project = "shop";
  inputs.swarm = true;
  return swarm_stack_plan(parse_compose(yaml, inputs));
}

std::string refusal(std::string_view yaml) {
  try {
    (void)plan(yaml);
  } catch (const Error& error) {
    return error.code() + ": " + error.detail();
  }
  return "accepted";
}

TEST(SwarmStack, TurnsEachServiceIntoTheServiceForm) {
  const auto made = plan(R"(services:
  web:
    image: nginx:1.25
    entrypoint: ["/bin/sh", "-c"]
    command: ["exec nginx"]
    environment: {MODE: prod}
    ports: ["8080:80"]
    volumes: ["data:/srv", "/cache:/cache:ro"]
    networks: {front: {aliases: [www]}}
    deploy:
      mode: replicated
      replicas: 3
      labels: {tier: web}
      resources: {limits: {cpus: "0.5", memory: 64m}, reservations: {memory: 32m}}
      update_config: {parallelism: 1, delay: 10s, failure_action: rollback, order: start-first, monitor: 1500ms}
      rollback_config: {parallelism: 2}
      restart_policy: {condition: on-failure, delay: 5s, max_attempts: 3}
      placement: {constraints: ["node.role==worker"]}
  agent:
    image: busybox
    deploy: {mode: global}
    healthcheck: {test: [CMD, "true"], interval: 5s, retries: 3}
networks:
  front: {}
volumes:
  data: {}
)");
  EXPECT_EQ(made.name, "shop");
  ASSERT_EQ(made.networks.size(), 2U);  // front, and default for agent
  EXPECT_TRUE(std::any_of(
      made.networks.begin(), made.networks.end(),
      [](const SwarmStackNetwork& n) { return n.name == "shop_front" && !n.external; }));
  ASSERT_EQ(made.services.size(), 2U);
  const auto web = bj::parse(made.services[0]).as_object();
  EXPECT_EQ(web.at("name"), "shop_web");
  EXPECT_EQ(bj::serialize(web.at("command")), R"(["/bin/sh","-c"])");
  EXPECT_EQ(bj::serialize(web.at("args")), R"(["exec nginx"])");
  EXPECT_EQ(web.at("replicas").as_int64(), 3);
  EXPECT_EQ(bj::serialize(web.at("labels")),
            R"({"tier":"web","com.docker.stack.namespace":"shop"})");
  EXPECT_EQ(bj::serialize(web.at("ports")), R"([{"target":80,"protocol":"tcp","published":8080}])");
  EXPECT_EQ(bj::serialize(web.at("mounts")),
            R"([{"target":"/srv","type":"volume","source":"shop_data"},)"
            R"({"target":"/cache","type":"bind","source":"/cache","read_only":true}])");
  EXPECT_EQ(bj::serialize(web.at("networks")),
            R"([{"name":"shop_front","aliases":["web","www"]}])");
  const auto& update = web.at("update").as_object();
  EXPECT_EQ(update.at("parallelism").as_int64(), 1);
  EXPECT_EQ(update.at("delay_seconds").as_int64(), 10);
  EXPECT_EQ(update.at("monitor_seconds").as_double(), 1.5);
  EXPECT_EQ(update.at("failure_action"), "rollback");
  EXPECT_EQ(update.at("order"), "start-first");
  EXPECT_EQ(bj::serialize(web.at("restart")),
            R"({"condition":"on-failure","delay_seconds":5,"max_attempts":3})");
  EXPECT_EQ(web.at("limits").as_object().at("nano_cpus").as_int64(), 500'000'000);
  EXPECT_EQ(web.at("reservations").as_object().at("memory_bytes").as_int64(), 32 << 20);
  const auto agent = bj::parse(made.services[1]).as_object();
  EXPECT_EQ(bj::serialize(agent.at("healthcheck")),
            R"({"test":["CMD","true"],"interval_seconds":5,"retries":3})");
  EXPECT_EQ(agent.at("mode"), "global");
  EXPECT_FALSE(agent.contains("replicas"));
  EXPECT_EQ(bj::serialize(agent.at("networks")),
            R"([{"name":"shop_default","aliases":["agent"]}])");
}

TEST(SwarmStack, RefusesWhatASwarmTaskCannotBeByName) {
  EXPECT_EQ(refusal("services:\n  web:\n    image: b\n    privileged: true\n"),
            "invalid_compose: line 3, services.web.privileged: is not available to Swarm services");
  EXPECT_NE(refusal("services:\n  web:\n    image: b\n    cap_add: [NET_ADMIN]\n").find("cap_add"),
            std::string::npos);
  EXPECT_NE(
      refusal("services:\n  web:\n    image: b\n    restart: always\n").find("restart_policy"),
      std::string::npos);
  EXPECT_NE(refusal("services:\n  web:\n    image: b\n    volumes: ['/data']\n").find("anonymous"),
            std::string::npos);
  EXPECT_NE(refusal("services:\n  web:\n    image: b\n    ports: ['127.0.0.1:80:80']\n")
                .find("every address"),
            std::string::npos);
  EXPECT_NE(refusal("services:\n  web:\n    image: b\n    deploy: {mode: both}\n")
                .find("replicated or global"),
            std::string::npos);
  EXPECT_NE(refusal("services:\n  web:\n    image: b\n    deploy: {placement: {preferences: []}}\n")
                .find("not supported"),
            std::string::npos);
  EXPECT_NE(refusal("services:\n  web:\n    image: b\nnetworks:\n  n: {driver: macvlan}\n")
                .find("overlay"),
            std::string::npos);
}

TEST(SwarmStack, SwarmOnlySettingsAreRefusedInAComposeStack) {
  ComposeInputs inputs;
  inputs.project = "shop";
  try {
    (void)parse_compose("services:\n  web:\n    image: b\n    deploy: {mode: global}\n", inputs);
    FAIL() << "accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.detail(), "line 4, services.web.deploy.mode: is for Swarm stacks only");
  }
}

}  // namespace
}  // namespace dokkerr::stacks
