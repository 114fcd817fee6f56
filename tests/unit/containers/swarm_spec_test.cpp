#include "containers/swarm_spec.hpp"

#include "core/error.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace dokkerr::containers {
namespace {

namespace bj = boost::json;

const ServiceRules kDeveloper{false, {}};
const ServiceRules kAdmin{true, {}};

std::string with(std::string_view extra) {
  std::string body = R"({"name":"web","image":"busybox:1")";
  if (!extra.empty()) body += "," + std::string(extra);
  return body + "}";
}

// The error code a body is refused with, or "accepted".
std::string refusal(std::string_view body, const ServiceRules& rules = kDeveloper) {
  try {
    (void)check_service_spec(body, rules);
  } catch (const Error& error) {
    return error.code();
  }
  return "accepted";
}

TEST(SwarmSpec, FillsInTheDefaults) {
  const auto checked = check_service_spec(with(""), kDeveloper);
  EXPECT_EQ(bj::serialize(checked.spec),
            R"({"name":"web","image":"busybox:1","mode":"replicated","replicas":1})");
  const auto global = check_service_spec(with(R"("mode":"global")"), kDeveloper);
  EXPECT_FALSE(global.spec.contains("replicas"));
}

TEST(SwarmSpec, RefusesWhatTheFormDoesNotOffer) {
  EXPECT_EQ(refusal(with(R"("Privileged":true)")), "unknown_field");
  EXPECT_EQ(refusal(with(R"("TaskTemplate":{})")), "unknown_field");
  EXPECT_EQ(
      refusal(with(R"("mounts":[{"type":"volume","source":"v","target":"/d","driver":"x"}])")),
      "unknown_field");
  EXPECT_EQ(refusal(with(R"("update":{"parallelism":1,"x":1})")), "unknown_field");
  EXPECT_EQ(refusal("[]"), "invalid_body");
  EXPECT_EQ(refusal("{"), "invalid_json");
  EXPECT_EQ(refusal(R"({"image":"busybox"})"), "invalid_body");
  EXPECT_EQ(refusal(R"({"name":"web"})"), "invalid_body");
}

TEST(SwarmSpec, BoundsEveryValue) {
  EXPECT_EQ(refusal(with(R"("replicas":101)")), "invalid_body");
  EXPECT_EQ(refusal(with(R"("replicas":-1)")), "invalid_body");
  EXPECT_EQ(refusal(with(R"("replicas":1.5)")), "invalid_body");
  EXPECT_EQ(refusal(with(R"("mode":"global","replicas":2)")), "invalid_body");
  EXPECT_EQ(refusal(R"({"name":"-web","image":"b"})"), "invalid_body");
  EXPECT_EQ(refusal(R"({"name":"web.1","image":"b"})"), "invalid_body");
  EXPECT_EQ(refusal(R"({"name":"web_","image":"b"})"), "invalid_body");
  EXPECT_EQ(refusal(R"({"name":"shop_web-1","image":"b"})"), "accepted");
  EXPECT_EQ(refusal(with(R"("networks":[{"name":"n","aliases":[""]}])")), "invalid_body");
  EXPECT_EQ(refusal(with(R"("networks":[{"name":"n","driver":"overlay"}])")), "unknown_field");
  EXPECT_EQ(refusal(with(R"("networks":[7])")), "invalid_body");
  EXPECT_EQ(refusal(R"({"name":")" + std::string(64, 'a') + R"(","image":"b"})"), "invalid_body");
  EXPECT_EQ(refusal(with(R"("ports":[{"target":0}])")), "invalid_body");
  EXPECT_EQ(refusal(with(R"("ports":[{"target":80,"protocol":"icmp"}])"), kAdmin), "invalid_body");
  EXPECT_EQ(refusal(with(R"("update":{"delay_seconds":1e300})")), "invalid_body");
  EXPECT_EQ(refusal(with(R"("update":{"max_failure_ratio":2})")), "invalid_body");
  EXPECT_EQ(refusal(with(R"("limits":{"memory_bytes":1024})")), "invalid_body");
  EXPECT_EQ(refusal(with(R"("env":{"A=B":"c"})")), "invalid_body");
  EXPECT_EQ(refusal(with(R"("mounts":[{"type":"volume","target":"/d"}])")), "invalid_body");
  EXPECT_EQ(refusal(with(R"("mounts":[{"type":"volume","source":"v","target":"/"}])")),
            "invalid_body");
  EXPECT_EQ(refusal(with(R"("mounts":[{"type":"tmpfs","source":"x","target":"/t"}])")),
            "invalid_body");
  EXPECT_EQ(refusal(with(R"("secrets":[{"name":"s","target":"../../etc/shadow"}])")),
            "invalid_body");
  EXPECT_EQ(refusal(with(R"("secrets":[{"name":"../s"}])")), "invalid_body");
  EXPECT_EQ(refusal(with(R"("workdir":"relative")")), "invalid_body");
  std::string many = R"("constraints":[)";
  for (int i = 0; i < 101; ++i) many += std::string(i ? "," : "") + R"("node.role==manager")";
  EXPECT_EQ(refusal(with(many + "]")), "invalid_body");
}

TEST(SwarmSpec, AHealthCheckRoundTrips) {
  EXPECT_EQ(refusal(with(R"("healthcheck":{"test":["CMD"]})")), "invalid_body");
  EXPECT_EQ(refusal(with(R"("healthcheck":{"test":["SHELL","x"]})")), "invalid_body");
  EXPECT_EQ(refusal(with(R"("healthcheck":{"test":["NONE"],"interval_seconds":0.001})")),
            "invalid_body");
  EXPECT_EQ(refusal(with(R"("healthcheck":{"test":["NONE"],"every":1})")), "unknown_field");
  const auto checked = check_service_spec(
      with(R"("healthcheck":{"test":["CMD-SHELL","wget -q localhost"],"interval_seconds":2,)"
           R"("timeout_seconds":1.5,"start_period_seconds":10,"retries":3})"),
      kDeveloper);
  const auto spec = build_engine_spec(checked, {});
  const auto& container = spec.at("TaskTemplate").as_object().at("ContainerSpec").as_object();
  EXPECT_EQ(bj::serialize(container.at("Healthcheck")),
            R"({"Test":["CMD-SHELL","wget -q localhost"],"Interval":2000000000,)"
            R"("Timeout":1500000000,"StartPeriod":10000000000,"Retries":3})");
  const auto again = check_service_spec(bj::serialize(spec_from_engine(spec, {})), kDeveloper);
  EXPECT_EQ(bj::serialize(build_engine_spec(again, {})), bj::serialize(spec));
}

TEST(SwarmSpec, LabelsUnderTheReservedPrefixAreRefusedInAnyCase) {
  EXPECT_EQ(refusal(with(R"("labels":{"IO.DOKKERR.team":"t"})")), "reserved_label");
  EXPECT_EQ(refusal(with(R"("labels":{"io.dokkerr.team":"t"})"), kAdmin), "reserved_label");
}

TEST(SwarmSpec, TheTeamPolicyDecidesHostPathsAndPorts) {
  const auto bind = with(R"("mounts":[{"type":"bind","source":"/etc","target":"/e"}])");
  EXPECT_EQ(refusal(bind), "policy_denied");
  EXPECT_EQ(refusal(bind, kAdmin), "accepted");
  ServiceRules relaxed = kDeveloper;
  relaxed.policy.allow_host_binds = true;
  EXPECT_EQ(refusal(bind, relaxed), "accepted");

  EXPECT_EQ(refusal(with(R"("ports":[{"target":80,"published":8080,"mode":"ingress"}])")),
            "policy_denied");
  EXPECT_EQ(refusal(with(R"("ports":[{"target":80,"published":80}])")), "policy_denied");
  EXPECT_EQ(refusal(with(R"("ports":[{"target":80}])")), "policy_denied");
  EXPECT_EQ(refusal(with(R"("ports":[{"target":80,"published":8080}])")), "accepted");
  ServiceRules loopback_only = kDeveloper;
  loopback_only.policy.allowed_host_ips = {"127.0.0.1"};
  EXPECT_EQ(refusal(with(R"("ports":[{"target":80,"published":8080}])"), loopback_only),
            "policy_denied");

  // A developer's port defaults to the node's own; an admin's to the ingress mesh, as Docker's.
  const auto mine =
      check_service_spec(with(R"("ports":[{"target":80,"published":8080}])"), kDeveloper);
  EXPECT_EQ(mine.spec.at("ports").as_array()[0].as_object().at("mode"), "host");
  const auto admins = check_service_spec(with(R"("ports":[{"target":80}])"), kAdmin);
  EXPECT_EQ(admins.spec.at("ports").as_array()[0].as_object().at("mode"), "ingress");
}

TEST(SwarmSpec, ATeamWithADefaultMemoryLimitGetsIt) {
  ServiceRules rules = kDeveloper;
  rules.policy.default_memory_bytes = 64 << 20;
  const auto checked = check_service_spec(with(""), rules);
  EXPECT_EQ(checked.spec.at("limits").as_object().at("memory_bytes").as_int64(), 64 << 20);
}

TEST(SwarmSpec, BuildsTheEngineSpecWithTheTeamLabelEverywhere) {
  const auto checked =
      check_service_spec(with(R"("command":["sleep","600"],"env":{"A":"1"},"replicas":3,
              "mounts":[{"type":"volume","source":"data","target":"/data","read_only":true}],
              "secrets":[{"name":"db","target":"pw"}],"configs":[{"name":"conf"}],
              "networks":["backend",{"name":"front","aliases":["www"]}],"constraints":["node.role==worker"],
              "limits":{"nano_cpus":500000000,"memory_bytes":67108864},
              "restart":{"condition":"on-failure","delay_seconds":2.5,"max_attempts":3},
              "update":{"parallelism":2,"delay_seconds":10,"failure_action":"rollback","order":"start-first"},
              "ports":[{"target":80,"published":8080}],"labels":{"app":"web"},
              "user":"1000","workdir":"/srv")"),
                         kDeveloper);
  EXPECT_EQ(checked.volumes, std::vector<std::string>{"data"});
  EXPECT_EQ(checked.networks, (std::vector<std::string>{"backend", "front"}));
  ASSERT_EQ(checked.secrets.size(), 1U);
  EXPECT_EQ(checked.secrets[0].target, "pw");
  EXPECT_EQ(checked.configs[0].target, "conf");

  const auto spec = build_engine_spec(checked, {"team-1", {"sid"}, {"cid"}, {"nid", "fid"}, 4096});
  const auto& task = spec.at("TaskTemplate").as_object();
  const auto& container = task.at("ContainerSpec").as_object();
  EXPECT_EQ(spec.at("Labels").as_object().at("io.dokkerr.team"), "team-1");
  EXPECT_EQ(spec.at("Labels").as_object().at("app"), "web");
  EXPECT_EQ(container.at("Labels").as_object().at("io.dokkerr.team"), "team-1");
  EXPECT_EQ(bj::serialize(container.at("Env")), R"(["A=1"])");
  EXPECT_EQ(container.at("User"), "1000");
  EXPECT_EQ(container.at("Dir"), "/srv");
  EXPECT_EQ(bj::serialize(container.at("Mounts")),
            R"([{"Type":"volume","Target":"/data","Source":"data","ReadOnly":true,)"
            R"("VolumeOptions":{"Labels":{"io.dokkerr.team":"team-1"}}}])");
  EXPECT_EQ(container.at("Secrets").as_array()[0].as_object().at("SecretID"), "sid");
  EXPECT_EQ(container.at("Configs").as_array()[0].as_object().at("ConfigName"), "conf");
  EXPECT_EQ(task.at("Resources").as_object().at("Limits").as_object().at("Pids").as_int64(), 4096);
  EXPECT_EQ(task.at("RestartPolicy").as_object().at("Delay").as_int64(), 2'500'000'000);
  EXPECT_EQ(bj::serialize(task.at("Networks")),
            R"([{"Target":"nid"},{"Target":"fid","Aliases":["www"]}])");
  EXPECT_EQ(spec.at("Mode").as_object().at("Replicated").as_object().at("Replicas").as_int64(), 3);
  EXPECT_EQ(spec.at("UpdateConfig").as_object().at("Delay").as_int64(), 10'000'000'000);
  EXPECT_EQ(spec.at("UpdateConfig").as_object().at("FailureAction"), "rollback");
  EXPECT_EQ(
      bj::serialize(spec.at("EndpointSpec")),
      R"({"Mode":"vip","Ports":[{"Protocol":"tcp","TargetPort":80,"PublishMode":"host","PublishedPort":8080}]})");

  // Read back, the form is what was asked (networks and secrets by name).
  auto ours = spec_from_engine(spec, bj::object{{"nid", "backend"}, {"fid", "front"}});
  EXPECT_EQ(ours.at("name"), "web");
  EXPECT_EQ(ours.at("replicas").as_int64(), 3);
  EXPECT_EQ(bj::serialize(ours.at("networks")),
            R"(["backend",{"name":"front","aliases":["www"]}])");
  EXPECT_EQ(bj::serialize(ours.at("secrets")), R"([{"name":"db","target":"pw"}])");
  EXPECT_FALSE(ours.at("labels").as_object().contains("io.dokkerr.team"));
  EXPECT_EQ(ours.at("restart").as_object().at("delay_seconds").as_double(), 2.5);
  EXPECT_EQ(ours.at("update").as_object().at("delay_seconds").as_int64(), 10);
  // …and checks again as it is: the edit form round-trips.
  const auto again = check_service_spec(bj::serialize(ours), kDeveloper);
  EXPECT_EQ(
      bj::serialize(build_engine_spec(again, {"team-1", {"sid"}, {"cid"}, {"nid", "fid"}, 4096})),
      bj::serialize(spec));
}

TEST(SwarmSpec, TheFormShowsTheImageAsAskedWithoutThePinnedDigest) {
  const auto engine = bj::parse(R"({"Name":"web","TaskTemplate":{"ContainerSpec":
      {"Image":"busybox:1@sha256:0123456789abcdef"}},"Mode":{"Global":{}}})")
                          .as_object();
  const auto ours = spec_from_engine(engine, {});
  EXPECT_EQ(ours.at("image"), "busybox:1");
  EXPECT_EQ(ours.at("mode"), "global");
}

}  // namespace
}  // namespace dokkerr::containers
