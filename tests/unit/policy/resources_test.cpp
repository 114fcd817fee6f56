// check_container_update, check_volume_create, check_network_create and check_exec.
#include "unit/policy/test_support.hpp"

namespace dokkerr::policy::test {
namespace {

std::function<void()> update(std::string body, Policy policy = {}, bool is_admin = false) {
  return [=] { (void)check_container_update(body, policy, is_admin); };
}
std::function<void()> volume(std::string body, Policy policy = {}, bool is_admin = false) {
  return [=] { (void)check_volume_create(body, policy, is_admin, "team-a"); };
}
std::function<void()> network(std::string body, Policy policy = {}, bool is_admin = false) {
  return [=] { (void)check_network_create(body, policy, is_admin, "team-a"); };
}
std::string driver_opts(std::string_view options) {
  return R"({"Name":"v","DriverOpts":)" + std::string(options) + "}";
}

TEST(ContainerUpdate, RefusesDevicesAndCgroupParent) {
  for (const auto* body :
       {R"({"Devices":[{"PathOnHost":"/dev/sda"}]})", R"({"devicecgrouprules":["a *:* rwm"]})",
        R"({"DeviceRequests":[{"Count":-1}]})", R"({"CgroupParent":"/"})",
        R"({"CGROUPPARENT":"x"})"}) {
    EXPECT_TRUE(Throws(update(body), "policy_denied", "not allowed")) << body;
    EXPECT_TRUE(Passes(update(body, {}, true))) << body;
  }
  Policy relaxed;
  relaxed.allow_devices = true;
  relaxed.allow_cgroup_parent = true;
  EXPECT_TRUE(
      Passes(update(R"({"Devices":[{"PathOnHost":"/dev/fuse"}],"CgroupParent":"/x"})", relaxed)));
}

TEST(ContainerUpdate, IsAsStrictAsCreate) {
  EXPECT_TRUE(Throws(update(R"({"Memory":1,"Memory":2})"), "duplicate_key", "Memory"));
  EXPECT_TRUE(Throws(update(R"({"Memory":1,"memory":2})"), "duplicate_key"));
  // Only Resources and RestartPolicy exist here; a HostConfig field is unknown.
  EXPECT_TRUE(Throws(update(R"({"Privileged":true})", {}, true), "unknown_field", "Privileged"));
  EXPECT_TRUE(Throws(update(R"({"HostConfig":{}})"), "unknown_field"));
  EXPECT_TRUE(Throws(update(R"({"Memory":"1g"})"), "invalid_body", "Memory"));
  EXPECT_TRUE(Throws(update("[]"), "invalid_body"));
  const auto out = check_container_update(
      R"({"memory":1048576,"restartpolicy":{"name":"on-failure","maximumretrycount":3}})", {},
      false);
  EXPECT_EQ(
      parsed(out),
      parsed(R"({"Memory":1048576,"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3}})"));
}

TEST(VolumeCreate, RefusesOptionsThatMountHostPaths) {
  for (const auto* options :
       {R"({"type":"none","o":"bind","device":"/"})",
        R"({"type":"none","o":"bind","device":"/var/run"})", R"({"o":"rbind"})",
        R"({"o":"rw,bind"})", R"({"o":"rw , Bind "})", R"({"O":"bind"})", R"({"type":"NONE"})",
        R"({"type":"bind"})", R"({" type ":"none"})", R"({"device":"/etc"})", R"({"device":"./x"})",
        R"({"device":"../x"})", R"({"device":"~"})", R"({"device":"relative/path"})",
        R"({"device":"C:\\x"})",
        R"({"type":"overlay","device":"overlay","o":"lowerdir=/,upperdir=/tmp/u,workdir=/tmp/w"})",
        R"({"type":"ext4","device":"/dev/sda1"})",
        R"({"type":"nfs","o":"addr=10.0.0.1,rw","device":":/export"})",
        R"({"type":"cifs","device":"//server/share"})"}) {
    EXPECT_TRUE(Throws(volume(driver_opts(options)), "policy_denied", "DriverOpts")) << options;
    EXPECT_TRUE(Throws(volume(R"({"Driver":"local","DriverOpts":)" + std::string(options) + "}"),
                       "policy_denied"))
        << options;
    EXPECT_TRUE(Passes(volume(driver_opts(options), {}, true))) << options;
  }
  for (const auto* options :
       {R"({})", R"({"type":"tmpfs","device":"tmpfs","o":"size=100m,uid=1000"})",
        R"({"type":"TMPFS","o":"mode=1777"})", R"({"size":"10G"})"}) {
    EXPECT_TRUE(Passes(volume(driver_opts(options)))) << options;
  }
  Policy relaxed;
  relaxed.allow_bind_volume_options = true;
  EXPECT_TRUE(
      Passes(volume(driver_opts(R"({"type":"none","o":"bind","device":"/srv/team-a"})"), relaxed)));
  EXPECT_TRUE(Passes(
      volume(driver_opts(R"({"type":"nfs","o":"addr=10.0.0.1","device":":/export"})"), relaxed)));
  EXPECT_TRUE(Throws(
      volume(driver_opts(R"({"type":"none","o":"bind","device":"/var/run/docker.sock"})"), relaxed),
      "policy_denied", "socket"));
}

TEST(VolumeCreate, DriversAndStrictness) {
  EXPECT_TRUE(
      Throws(volume(R"({"Name":"v","Driver":"rexray"})"), "policy_denied", "Driver 'rexray'"));
  EXPECT_TRUE(Throws(volume(R"({"Name":"v","Driver":"LOCAL"})"), "policy_denied"));
  EXPECT_TRUE(Passes(volume(R"({"Name":"v","Driver":"local"})")));
  EXPECT_TRUE(Passes(volume(R"({"Name":"v"})")));
  EXPECT_TRUE(Passes(volume(R"({})")));
  Policy relaxed;
  relaxed.allowed_volume_drivers = {"local", "rexray"};
  // Another driver's options are that driver's business.
  EXPECT_TRUE(
      Passes(volume(R"({"Name":"v","Driver":"rexray","DriverOpts":{"o":"bind"}})", relaxed)));
  Policy no_local;
  no_local.allowed_volume_drivers = {};
  EXPECT_TRUE(Throws(volume(R"({"Name":"v"})", no_local), "policy_denied", "Driver 'local'"));

  EXPECT_TRUE(Throws(volume(R"({"Name":"v","ClusterVolumeSpec":{}})"), "unknown_field",
                     "ClusterVolumeSpec"));
  EXPECT_TRUE(Throws(volume(R"({"Name":"v","name":"w"})"), "duplicate_key"));
  EXPECT_TRUE(
      Throws(volume(R"({"DriverOpts":{"o":"rw","o":"bind"}})"), "duplicate_key", "DriverOpts.o"));
  EXPECT_TRUE(
      Throws(volume(R"({"Labels":{"IO.DOKKERR.TEAM":"team-b"}})", {}, true), "reserved_label"));
  EXPECT_TRUE(Throws(volume(R"("v")"), "invalid_body"));
}

TEST(VolumeCreate, RebuildsWithTheTeamLabel) {
  const auto out = check_volume_create(
      R"({"name":"v","driveropts":{"Type":"tmpfs"},"labels":{"a":"b"}})", {}, false, "team-a");
  EXPECT_EQ(
      parsed(out),
      parsed(
          R"({"Name":"v","DriverOpts":{"Type":"tmpfs"},"Labels":{"a":"b","io.dokkerr.team":"team-a"}})"));
  EXPECT_EQ(parsed(check_volume_create(R"({"Name":"v"})", {}, true, "")),
            parsed(R"({"Name":"v"})"));
}

TEST(NetworkCreate, RefusesDriversIngressAndHostOptions) {
  for (const auto* driver : {"macvlan", "ipvlan", "host", "overlay", "Bridge"}) {
    EXPECT_TRUE(Throws(network(R"({"Name":"n","Driver":)" + quoted(driver) + "}"), "policy_denied",
                       "Driver"))
        << driver;
  }
  EXPECT_TRUE(Passes(network(R"({"Name":"n","Driver":"bridge"})")));
  EXPECT_TRUE(Passes(network(R"({"Name":"n"})")));
  EXPECT_TRUE(Throws(network(R"({"Name":"n","Ingress":true})"), "policy_denied", "Ingress"));
  EXPECT_TRUE(Throws(network(R"({"Name":"n","ingress":true})"), "policy_denied", "Ingress"));
  for (const auto* key :
       {"com.docker.network.bridge.name", "COM.DOCKER.NETWORK.BRIDGE.NAME",
        " com.docker.network.bridge.name", "com.docker.network.bridge.host_binding_ipv4",
        "com.docker.network.bridge.default_bridge", "com.docker.network.bridge.inhibit_ipv4"}) {
    EXPECT_TRUE(Throws(network(R"({"Name":"n","Options":{)" + quoted(key) + R"(:"docker0"}})"),
                       "policy_denied", "Options"))
        << key;
  }
  EXPECT_TRUE(Passes(network(
      R"({"Name":"n","Options":{"com.docker.network.bridge.enable_icc":"false","com.docker.network.bridge.enable_ip_masquerade":"true","com.docker.network.driver.mtu":"1400","my.option":"x"}})")));
  // IPAM is left to the engine's address pools.
  EXPECT_TRUE(Passes(network(
      R"({"Name":"n","Internal":true,"Attachable":true,"EnableIPv6":false,"CheckDuplicate":true,"IPAM":{"Driver":"default","Config":[{"Subnet":"10.9.0.0/24","Gateway":"10.9.0.1","AuxiliaryAddresses":{"h":"10.9.0.2"}}],"Options":{}}})")));

  Policy relaxed;
  relaxed.allowed_network_drivers = {"bridge", "macvlan"};
  EXPECT_TRUE(Passes(network(R"({"Name":"n","Driver":"macvlan"})", relaxed)));
  EXPECT_TRUE(Passes(network(
      R"({"Name":"n","Driver":"macvlan","Ingress":true,"Options":{"com.docker.network.bridge.name":"docker0"}})",
      {}, true)));
}

TEST(NetworkCreate, StrictnessAndRebuild) {
  // Fields of the engine's struct that API 1.41 does not document are refused.
  for (const auto* field : {"ConfigFrom", "ConfigOnly", "Scope"}) {
    EXPECT_TRUE(
        Throws(network(R"({"Name":"n",)" + quoted(field) + ":null}"), "unknown_field", field))
        << field;
  }
  EXPECT_TRUE(Throws(network(R"({"Name":"n","Options":{"a":"1","a":"2"}})"), "duplicate_key"));
  EXPECT_TRUE(Throws(network(R"({"Name":"n","Driver":"bridge","driver":"macvlan"})", {}, true),
                     "duplicate_key"));
  EXPECT_TRUE(
      Throws(network(R"({"Name":"n","Labels":{"io.dokkerr.team":"team-b"}})"), "reserved_label"));
  const auto out = check_network_create(
      R"({"name":"n","ipam":{"config":[{"subnet":"10.9.0.0/24"}]}})", {}, false, "team-a");
  EXPECT_EQ(
      parsed(out),
      parsed(
          R"({"Name":"n","IPAM":{"Config":[{"Subnet":"10.9.0.0/24"}]},"Labels":{"io.dokkerr.team":"team-a"}})"));
}

TEST(Exec, PrivilegedNeedsTheRelaxation) {
  EXPECT_TRUE(Throws([] { check_exec(true, {}, false); }, "policy_denied", "Privileged"));
  EXPECT_TRUE(Passes([] { check_exec(false, {}, false); }));
  EXPECT_TRUE(Passes([] { check_exec(true, {}, true); }));
  Policy relaxed;
  relaxed.allow_privileged_exec = true;
  EXPECT_TRUE(Passes([&] { check_exec(true, relaxed, false); }));
  // allow_privileged is about containers, not exec.
  Policy containers_only;
  containers_only.allow_privileged = true;
  EXPECT_TRUE(Throws([&] { check_exec(true, containers_only, false); }, "policy_denied"));
}

TEST(Exec, RootIsNamedInEverySpellingTheEngineReads) {
  for (const char* user : {"root", "0", "00", "0:0", "root:root", "root:1000", "0:1000"}) {
    EXPECT_TRUE(names_root(user)) << user;
  }
  for (const char* user : {"", "nobody", "1000", "1000:0", "rooty", "10", ":0", "Root"}) {
    EXPECT_FALSE(names_root(user)) << user;
  }
}

TEST(Exec, RootInAContainerThatIsNotRootNeedsTheRelaxation) {
  EXPECT_TRUE(
      Throws([] { check_exec_user("root", "nobody", {}, false); }, "policy_denied", "root"));
  EXPECT_TRUE(Throws([] { check_exec_user("0:0", "1000:1000", {}, false); }, "policy_denied"));
  EXPECT_TRUE(Passes([] { check_exec_user("root", "", {}, false); }))
      << "the container is root already";
  EXPECT_TRUE(Passes([] { check_exec_user("0", "root", {}, false); }));
  EXPECT_TRUE(Passes([] { check_exec_user("", "nobody", {}, false); })) << "its own user";
  EXPECT_TRUE(Passes([] { check_exec_user("1000", "nobody", {}, false); }));
  EXPECT_TRUE(Passes([] { check_exec_user("root", "nobody", {}, true); })) << "admins";
  Policy relaxed;
  relaxed.allow_root_exec = true;
  EXPECT_TRUE(Passes([&] { check_exec_user("root", "nobody", relaxed, false); }));
}

}  // namespace
}  // namespace dokkerr::policy::test
