// check_container_create: every rule, hostile spellings first, then what stays allowed, the
// relaxations, the admin bypass and the rebuilt body.
#include "unit/policy/test_support.hpp"

#include <vector>

namespace dokkerr::policy::test {
namespace {

std::string binds(std::string_view spec) {
  return R"({"Binds":[)" + quoted(spec) + "]}";
}
std::string one_mount(std::string_view mount) {
  return R"({"Mounts":[)" + std::string(mount) + "]}";
}
std::string mode(std::string_view field, std::string_view value) {
  return "{" + quoted(field) + ":" + quoted(value) + "}";
}
std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}
std::string cap_add(std::string_view cap) {
  return R"({"CapAdd":[)" + quoted(cap) + "]}";
}
std::string security_opt(std::string_view opt) {
  return R"({"SecurityOpt":[)" + quoted(opt) + "]}";
}

TEST(ContainerCreate, RefusesPrivilegedInEverySpelling) {
  for (const auto* body : {R"({"Image":"a","HostConfig":{"Privileged":true}})",
                           R"({"Image":"a","hostconfig":{"privileged":true}})",
                           R"({"Image":"a","HostConfig":{"PRIVILEGED":true}})",
                           R"({"Image":"a","HOSTCONFIG":{"Privileged":true}})"}) {
    EXPECT_TRUE(Throws(create(body), "policy_denied", "HostConfig.Privileged is not allowed"))
        << body;
  }
  EXPECT_TRUE(Passes(create_host(R"({"Privileged":false})")));
  Policy relaxed;
  relaxed.allow_privileged = true;
  EXPECT_TRUE(Passes(create_host(R"({"Privileged":true})", relaxed)));
}

TEST(ContainerCreate, RefusesHostPathsInBinds) {
  for (const auto* spec : {"/:/host",
                           "/var/run/docker.sock:/s",
                           "/run/docker.sock:/s",
                           "//:/x",
                           "/./:/x",
                           "vol/../..:/x",
                           "~/x:/y",
                           "./x:/y",
                           "../x:/y",
                           ".hidden:/y",
                           "C:\\:/x",
                           "C:\\Windows:/w",
                           "\\\\.\\pipe\\docker_engine:/p",
                           ":/x",
                           "a:b:c:d",
                           "-vol:/x",
                           "_vol:/x",
                           "vol name:/x",
                           "/etc:/etc:ro",
                           "/home/user/.docker/run/docker.sock:/s"}) {
    EXPECT_TRUE(Throws(create_host(binds(spec)), "policy_denied", "HostConfig.Binds[0]")) << spec;
  }
  // Named volumes and anonymous volumes (a container path alone) stay allowed.
  for (const auto* spec :
       {"data:/data", "data:/data:ro", "my_vol-1.x:/d:rw,nocopy", "/data", "V0:/v:Z"}) {
    EXPECT_TRUE(Passes(create_host(binds(spec)))) << spec;
  }
  // The index names the offending entry.
  EXPECT_TRUE(Throws(create_host(R"({"Binds":["data:/data","/:/host"]})"), "policy_denied",
                     "HostConfig.Binds[1]"));
}

TEST(ContainerCreate, HostBindsRelaxationStillRefusesTheEngineSocket) {
  Policy relaxed;
  relaxed.allow_host_binds = true;
  for (const auto* spec : {"/srv/data:/data", "/srv/data:/data:ro", "/home/u/project:/src"}) {
    EXPECT_TRUE(Passes(create_host(binds(spec), relaxed))) << spec;
  }
  for (const auto* spec :
       {"/var/run/docker.sock:/s", "/run/docker.sock:/s", "//var//run//docker.sock:/s",
        "/var/run/./docker.sock:/s", "/tmp/../var/run/docker.sock:/s", "/:/host", "/var:/v",
        "/run:/r", "/var/run:/r", "/run/containerd:/c", "/run/docker/plugins:/p", "/proc:/p",
        "/proc/1/root:/r", "/home/u/.docker/run/docker.sock:/s", "/RUN/Docker.sock:/s"}) {
    EXPECT_TRUE(Throws(create_host(binds(spec), relaxed), "policy_denied", "socket")) << spec;
  }
}

TEST(ContainerCreate, RefusesBindAndHostMounts) {
  for (const auto* type : {"bind", "BIND", "Bind", " bind ", "npipe", "NPipe"}) {
    EXPECT_TRUE(Throws(
        create_host(one_mount(R"({"Type":)" + quoted(type) + R"(,"Source":"/","Target":"/host"})")),
        "policy_denied", "HostConfig.Mounts[0].Type"))
        << type;
  }
  EXPECT_TRUE(Throws(create_host(one_mount(R"({"Type":"volume","Source":"/etc","Target":"/e"})")),
                     "policy_denied", "HostConfig.Mounts[0].Source"));
  EXPECT_TRUE(Throws(create_host(one_mount(R"({"Type":"volume","Source":"../x","Target":"/e"})")),
                     "policy_denied", "Source"));
  EXPECT_TRUE(Throws(create_host(one_mount(R"({"Type":"cluster","Target":"/e"})")), "policy_denied",
                     "Type 'cluster'"));
  EXPECT_TRUE(Throws(create_host(one_mount(R"({"Target":"/e"})")), "policy_denied", "Type"));
  EXPECT_TRUE(Passes(create_host(one_mount(R"({"Type":"volume","Source":"data","Target":"/d"})"))));
  EXPECT_TRUE(Passes(create_host(one_mount(R"({"Type":"volume","Target":"/d"})"))));
  EXPECT_TRUE(Passes(create_host(
      one_mount(R"({"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1048576}})"))));

  Policy relaxed;
  relaxed.allow_host_binds = true;
  EXPECT_TRUE(
      Passes(create_host(one_mount(R"({"Type":"bind","Source":"/srv","Target":"/s"})"), relaxed)));
  EXPECT_TRUE(Throws(
      create_host(one_mount(R"({"Type":"bind","Source":"/var/run/docker.sock","Target":"/s"})"),
                  relaxed),
      "policy_denied", "socket"));
}

TEST(ContainerCreate, RefusesVolumeMountsThatReachTheHost) {
  const auto driver_options = [](std::string_view options) {
    return one_mount(
        R"({"Type":"volume","Source":"v","Target":"/v","VolumeOptions":{"DriverConfig":{"Name":"local","Options":)" +
        std::string(options) + "}}}");
  };
  for (const auto* options :
       {R"({"type":"none","o":"bind","device":"/"})", R"({"o":"rbind","device":"/etc"})",
        R"({"o":"rw, BIND "})", R"({"type":"NONE"})", R"({"type":"bind"})",
        R"({"type":"overlay","o":"lowerdir=/,upperdir=/tmp/u,workdir=/tmp/w","device":"overlay"})",
        R"({"device":"/dev/sda1","type":"ext4"})", R"({"device":"./x"})", R"({"device":"~"})",
        R"({"type":"nfs","o":"addr=10.0.0.1","device":":/export"})"}) {
    EXPECT_TRUE(Throws(create_host(driver_options(options)), "policy_denied",
                       "HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options"))
        << options;
  }
  EXPECT_TRUE(Passes(create_host(
      driver_options(R"({"type":"tmpfs","device":"tmpfs","o":"size=100m,uid=1000"})"))));
  EXPECT_TRUE(Throws(
      create_host(one_mount(
          R"({"Type":"volume","Target":"/v","VolumeOptions":{"DriverConfig":{"Name":"rexray"}}})")),
      "policy_denied", "DriverConfig.Name 'rexray'"));
  Policy relaxed;
  relaxed.allow_bind_volume_options = true;
  EXPECT_TRUE(Passes(
      create_host(driver_options(R"({"type":"none","o":"bind","device":"/srv/x"})"), relaxed)));
  EXPECT_TRUE(
      Throws(create_host(driver_options(R"({"type":"none","o":"bind","device":"/run"})"), relaxed),
             "policy_denied", "socket"));
}

TEST(ContainerCreate, RefusesVolumeDriversOutsideTheList) {
  EXPECT_TRUE(Throws(create_host(R"({"VolumeDriver":"convoy"})"), "policy_denied",
                     "HostConfig.VolumeDriver 'convoy'"));
  EXPECT_TRUE(Passes(create_host(R"({"VolumeDriver":"local"})")));
  EXPECT_TRUE(Passes(create_host(R"({"VolumeDriver":""})")));
  Policy relaxed;
  relaxed.allowed_volume_drivers = {"local", "convoy"};
  EXPECT_TRUE(Passes(create_host(R"({"VolumeDriver":"convoy"})", relaxed)));
  // The mount's options go to the mount's driver; the local rules apply only to "local".
  EXPECT_TRUE(Passes(create_host(
      R"({"VolumeDriver":"convoy","Mounts":[{"Type":"volume","Target":"/v","VolumeOptions":{"DriverConfig":{"Options":{"o":"bind"}}}}]})",
      relaxed)));
}

TEST(ContainerCreate, RefusesHostNamespacesInEverySpelling) {
  for (const auto* field :
       {"NetworkMode", "PidMode", "IpcMode", "UTSMode", "UsernsMode", "CgroupnsMode"}) {
    for (const auto* value : {"host", "HOST", " host", "host ", "Host"}) {
      EXPECT_TRUE(Throws(create_host(mode(field, value)), "policy_denied",
                         "HostConfig." + std::string(field) + " 'host'"))
          << field << "=" << value;
    }
    // JSON escapes decode to whitespace around the mode.
    EXPECT_TRUE(
        Throws(create_host("{" + quoted(field) + R"(:"\thost\n"})"), "policy_denied", field));
    // Lowercase field names reach the same field.
    EXPECT_TRUE(Throws(create_host(mode(ascii_lower(field), "host")), "policy_denied", field));
  }
  Policy relaxed;
  relaxed.allow_host_namespaces = true;
  EXPECT_TRUE(Passes(create_host(
      R"({"NetworkMode":"host","PidMode":"host","IpcMode":"host","UTSMode":"host","UsernsMode":"host","CgroupnsMode":"host"})",
      relaxed)));
}

TEST(ContainerCreate, JoinsOnlyContainersOfTheSameTeam) {
  for (const auto* field : {"NetworkMode", "PidMode", "IpcMode"}) {
    for (const auto* value : {"container:theirs", "CONTAINER:theirs", " container:theirs ",
                              "container:unknown", "container:", "container: "}) {
      EXPECT_TRUE(Throws(create_host(mode(field, value)), "policy_denied",
                         "HostConfig." + std::string(field)))
          << field << "=" << value;
    }
    EXPECT_TRUE(Passes(create_host(mode(field, "container:mine")))) << field;
    EXPECT_TRUE(Passes(create_host(mode(field, "container:0123abcd")))) << field;
  }
  // Relaxing host namespaces does not open other teams' containers.
  Policy relaxed;
  relaxed.allow_host_namespaces = true;
  EXPECT_TRUE(Throws(create_host(mode("PidMode", "container:theirs"), relaxed), "policy_denied",
                     "does not belong to this team"));
  // Without an ownership callback no join is allowed.
  auto blind = member_of_team_a();
  blind.container_team = nullptr;
  EXPECT_TRUE(Throws(create_host(mode("PidMode", "container:mine"), {}, blind), "policy_denied"));
  // Without a team nothing is "the same team".
  auto teamless = member_of_team_a();
  teamless.team_id.clear();
  teamless.container_team = [](std::string_view) { return std::optional<std::string>(""); };
  EXPECT_TRUE(
      Throws(create_host(mode("PidMode", "container:mine"), {}, teamless), "policy_denied"));
}

TEST(ContainerCreate, AllowsPrivateNamespaceModesAndNetworkNames) {
  for (const auto* value : {"", "none", "private", "shareable"}) {
    EXPECT_TRUE(Passes(create_host(mode("IpcMode", value)))) << value;
  }
  EXPECT_TRUE(Passes(create_host(mode("CgroupnsMode", "private"))));
  for (const auto* value : {"", "default", "bridge", "none", "team-a-net"}) {
    EXPECT_TRUE(Passes(create_host(mode("NetworkMode", value)))) << value;
  }
  EXPECT_TRUE(Throws(create_host(mode("NetworkMode", "service:web")), "policy_denied"));
  EXPECT_TRUE(Throws(create_host(mode("PidMode", "service:web")), "policy_denied"));
  EXPECT_TRUE(Throws(create_host(mode("IpcMode", "weird")), "policy_denied"));
  EXPECT_TRUE(Throws(create_host(mode("UsernsMode", "private")), "policy_denied"));
}

TEST(ContainerCreate, RefusesTheHostNetworkThroughEndpoints) {
  for (const auto* network : {"host", "HOST", " host"}) {
    EXPECT_TRUE(Throws(create(R"({"Image":"a","NetworkingConfig":{"EndpointsConfig":{)" +
                              quoted(network) + ":{}}}}"),
                       "policy_denied", "NetworkingConfig.EndpointsConfig"))
        << network;
  }
  EXPECT_TRUE(Throws(
      create(R"({"Image":"a","NetworkingConfig":{"EndpointsConfig":{"container:theirs":{}}}})"),
      "policy_denied"));
  EXPECT_TRUE(Throws(
      create(
          R"({"Image":"a","NetworkingConfig":{"EndpointsConfig":{"net":{"Links":["theirs:db"]}}}})"),
      "policy_denied", "NetworkingConfig.EndpointsConfig.net.Links[0]"));
  EXPECT_TRUE(Passes(create(
      R"({"Image":"a","NetworkingConfig":{"EndpointsConfig":{"net":{"Links":["mine:db"],"Aliases":["web"]}}}})")));
}

TEST(ContainerCreate, VolumesFromAndLinksOnlyReachTheTeamsContainers) {
  for (const auto* entry : {"theirs", "theirs:ro", "theirs:rw", "unknown", ":ro", " theirs"}) {
    EXPECT_TRUE(Throws(create_host(R"({"VolumesFrom":[)" + quoted(entry) + "]}"), "policy_denied",
                       "HostConfig.VolumesFrom[0]"))
        << entry;
  }
  EXPECT_TRUE(Passes(create_host(R"({"VolumesFrom":["mine","mine:ro"]})")));
  for (const auto* entry : {"theirs:db", "theirs", "/theirs:db"}) {
    EXPECT_TRUE(Throws(create_host(R"({"Links":[)" + quoted(entry) + "]}"), "policy_denied",
                       "HostConfig.Links[0]"))
        << entry;
  }
  EXPECT_TRUE(Passes(create_host(R"({"Links":["mine:db","/mine:cache"]})")));
}

TEST(ContainerCreate, RefusesDevices) {
  for (
      const auto* host :
      {R"({"Devices":[{"PathOnHost":"/dev/sda","PathInContainer":"/dev/sda","CgroupPermissions":"rwm"}]})",
       R"({"DeviceCgroupRules":["c *:* rwm"]})",
       R"({"DeviceRequests":[{"Driver":"nvidia","Count":-1,"Capabilities":[["gpu"]]}]})",
       R"({"devices":[{}]})"}) {
    EXPECT_TRUE(Throws(create_host(host), "policy_denied", "HostConfig.Device")) << host;
  }
  EXPECT_TRUE(
      Passes(create_host(R"({"Devices":[],"DeviceCgroupRules":null,"DeviceRequests":[]})")));
  Policy relaxed;
  relaxed.allow_devices = true;
  EXPECT_TRUE(Passes(create_host(
      R"({"Devices":[{"PathOnHost":"/dev/fuse"}],"DeviceCgroupRules":["c 10:229 rwm"]})",
      relaxed)));
}

TEST(ContainerCreate, RefusesCapabilitiesOutsideTheAllowList) {
  for (const auto* cap : {"sys_admin", "CAP_SYS_ADMIN", "ALL", "all", "cap_all", " Net_Admin ",
                          "SYS_PTRACE", "SYS_MODULE", "DAC_READ_SEARCH", "\xC5\xBFys_admin", ""}) {
    EXPECT_TRUE(Throws(create_host(cap_add(cap)), "policy_denied", "HostConfig.CapAdd")) << cap;
  }
  // CapAdd is a StrSlice: a lone string is one capability.
  EXPECT_TRUE(Throws(create_host(R"({"CapAdd":"SYS_ADMIN"})"), "policy_denied", "SYS_ADMIN"));
  EXPECT_TRUE(
      Throws(create_host(R"({"capadd":["CHOWN","SYS_ADMIN"]})"), "policy_denied", "SYS_ADMIN"));
  for (const auto* cap :
       {"NET_BIND_SERVICE", "cap_chown", " cap_kill ", "Audit_Write", "CAP_NET_RAW"}) {
    EXPECT_TRUE(Passes(create_host(cap_add(cap)))) << cap;
  }
  EXPECT_TRUE(Passes(create_host(R"({"CapAdd":"chown","CapDrop":["ALL"]})")));

  Policy relaxed;
  relaxed.extra_capabilities = {"net_admin", "CAP_SYS_PTRACE", "ALL"};
  EXPECT_TRUE(Passes(create_host(cap_add("CAP_NET_ADMIN"), relaxed)));
  EXPECT_TRUE(Passes(create_host(cap_add("sys_ptrace"), relaxed)));
  EXPECT_TRUE(Throws(create_host(cap_add("SYS_ADMIN"), relaxed), "policy_denied"));
  // ALL is never on the list, whatever the policy holds.
  EXPECT_TRUE(Throws(create_host(cap_add("ALL"), relaxed), "policy_denied", "'ALL'"));
}

TEST(ContainerCreate, RefusesWeakenedConfinement) {
  for (const auto* opt : {"seccomp=unconfined",
                          "seccomp:unconfined",
                          R"(seccomp={"defaultAction":"SCMP_ACT_ALLOW"})",
                          "seccomp=/etc/profile.json",
                          "apparmor=unconfined",
                          "apparmor:unconfined",
                          "apparmor=my-profile",
                          "label=disable",
                          "label:disable",
                          "label=type:spc_t",
                          "label=user:root",
                          "label=level:s0:c1,c2",
                          "label:type:container_runtime_t",
                          "disable",
                          "no-new-privileges=false",
                          "no-new-privileges:false",
                          "no-new-privileges=0",
                          "no-new-privileges=F",
                          "no-new-privileges=yes",
                          "systempaths=unconfined",
                          "Seccomp=unconfined",
                          "SECCOMP=unconfined",
                          " seccomp=builtin",
                          "seccomp",
                          "apparmor"}) {
    EXPECT_TRUE(Throws(create_host(security_opt(opt)), "policy_denied", "HostConfig.SecurityOpt"))
        << opt;
  }
  for (const auto* opt :
       {"no-new-privileges", "no-new-privileges=true", "no-new-privileges:true",
        "no-new-privileges=1", "no-new-privileges=True", "apparmor=docker-default",
        "apparmor:docker-default", "seccomp=builtin"}) {
    EXPECT_TRUE(Passes(create_host(security_opt(opt)))) << opt;
  }
  // Any explicit list replaces the engine's defaults; empty or shorter ones unmask /proc.
  for (const auto* host : {R"({"MaskedPaths":[]})", R"({"MaskedPaths":["/proc/kcore"]})",
                           R"({"ReadonlyPaths":[]})", R"({"readonlypaths":["/proc/sys"]})"}) {
    EXPECT_TRUE(Throws(create_host(host), "policy_denied", "Paths is not allowed")) << host;
  }
  EXPECT_TRUE(
      Passes(create_host(R"({"MaskedPaths":null,"ReadonlyPaths":null,"SecurityOpt":null})")));

  Policy relaxed;
  relaxed.allow_unconfined_security = true;
  EXPECT_TRUE(Passes(create_host(
      R"({"SecurityOpt":["seccomp=unconfined","apparmor=unconfined","label=disable"],"MaskedPaths":[],"ReadonlyPaths":[]})",
      relaxed)));
}

TEST(ContainerCreate, RefusesSysctlsOutsideTheAllowList) {
  for (const auto* name :
       {"kernel.core_pattern", "net.ipv4.ip_forward", "kernel.shmmax", "net/ipv4/ping_group_range",
        "NET.IPV4.PING_GROUP_RANGE", "net.ipv4.ping_group_range ", "vm.overcommit_memory"}) {
    EXPECT_TRUE(Throws(create_host(R"({"Sysctls":{)" + quoted(name) + R"(:"1"}})"), "policy_denied",
                       "HostConfig.Sysctls"))
        << name;
  }
  for (auto name : safe_sysctls()) {
    EXPECT_TRUE(Passes(create_host(R"({"Sysctls":{)" + quoted(name) + R"(:"1"}})"))) << name;
  }
  Policy relaxed;
  relaxed.extra_sysctls = {"net.ipv4.conf.*", "net.core.somaxconn"};
  EXPECT_TRUE(Passes(create_host(
      R"({"Sysctls":{"net.ipv4.conf.all.rp_filter":"1","net.core.somaxconn":"1024"}})", relaxed)));
  EXPECT_TRUE(
      Throws(create_host(R"({"Sysctls":{"net.core.rmem_max":"1"}})", relaxed), "policy_denied"));
  EXPECT_TRUE(
      Throws(create_host(R"({"Sysctls":{"net.ipv4.conf..x":"1"}})", relaxed), "policy_denied"));
}

TEST(ContainerCreate, RefusesCgroupRuntimeIsolationAndLogDrivers) {
  EXPECT_TRUE(
      Throws(create_host(R"({"CgroupParent":"/"})"), "policy_denied", "HostConfig.CgroupParent"));
  EXPECT_TRUE(
      Throws(create_host(R"({"cgroupparent":"system.slice"})"), "policy_denied", "CgroupParent"));
  EXPECT_TRUE(Throws(create_host(R"({"Cgroup":"container:theirs"})"), "policy_denied",
                     "HostConfig.Cgroup"));
  EXPECT_TRUE(
      Throws(create_host(R"({"Runtime":"kata"})"), "policy_denied", "HostConfig.Runtime 'kata'"));
  EXPECT_TRUE(Throws(create_host(R"({"Runtime":"RUNC"})"), "policy_denied", "Runtime"));
  EXPECT_TRUE(
      Throws(create_host(R"({"Isolation":"hyperv"})"), "policy_denied", "HostConfig.Isolation"));
  EXPECT_TRUE(Throws(create_host(R"({"Isolation":"process"})"), "policy_denied", "Isolation"));
  for (const auto* driver : {"syslog", "gelf", "fluentd", "awslogs", "splunk", "journald"}) {
    EXPECT_TRUE(
        Throws(create_host(R"({"LogConfig":{"Type":)" + quoted(driver) + R"(,"Config":{}}})"),
               "policy_denied", "HostConfig.LogConfig.Type"))
        << driver;
  }
  EXPECT_TRUE(Passes(create_host(
      R"({"CgroupParent":"","Cgroup":"","Runtime":"runc","Isolation":"default","LogConfig":{"Type":"json-file","Config":{"max-size":"10m"}}})")));
  EXPECT_TRUE(Passes(create_host(R"({"Runtime":"","Isolation":"","LogConfig":{"Type":""}})")));

  Policy relaxed;
  relaxed.allow_cgroup_parent = true;
  relaxed.allowed_runtimes = {"runc", "kata"};
  relaxed.allowed_log_drivers = {"syslog"};
  EXPECT_TRUE(Passes(create_host(
      R"({"CgroupParent":"/team-a","Cgroup":"x","Runtime":"kata","LogConfig":{"Type":"syslog"}})",
      relaxed)));
  relaxed.allowed_runtimes.clear();
  EXPECT_TRUE(Throws(create_host(R"({"Runtime":"runc"})", relaxed), "policy_denied"));
  EXPECT_TRUE(Passes(create_host(R"({"Runtime":""})", relaxed)));
}

TEST(ContainerCreate, ReservedLabelsAreRefusedForEveryone) {
  for (const auto* key :
       {"io.dokkerr.team", "IO.DOKKERR.team", "io.Dokkerr.anything", " io.dokkerr.team"}) {
    const auto body = R"({"Image":"a","Labels":{)" + quoted(key) + R"(:"team-b"}})";
    EXPECT_TRUE(Throws(create(body), "reserved_label", "Labels")) << key;
    EXPECT_TRUE(Throws(create(body, {}, admin()), "reserved_label")) << key;
  }
  EXPECT_TRUE(Throws(
      create_host(
          R"({"Mounts":[{"Type":"volume","Source":"v","Target":"/v","VolumeOptions":{"Labels":{"io.dokkerr.team":"team-b"}}}]})"),
      "reserved_label", "HostConfig.Mounts[0].VolumeOptions.Labels"));
  EXPECT_TRUE(Passes(
      create(R"({"Image":"a","Labels":{"io.dokkerr":"x","com.example.io.dokkerr.team":"y"}})")));
}

TEST(ContainerCreate, RequiresAnImage) {
  for (const auto* body : {R"({})", R"({"Image":""})", R"({"Image":"  "})", R"({"Image":null})",
                           R"({"HostConfig":{}})"}) {
    EXPECT_TRUE(Throws(create(body), "invalid_body", "Image")) << body;
    EXPECT_TRUE(Throws(create(body, {}, admin()), "invalid_body", "Image")) << body;
  }
}

TEST(ContainerCreate, AdminsSkipThePolicyRules) {
  const auto hostile = with_host(
      R"({"Privileged":true,"Binds":["/:/host","/var/run/docker.sock:/s"],"NetworkMode":"host","PidMode":"container:theirs","CapAdd":["ALL"],"SecurityOpt":["seccomp=unconfined"],"MaskedPaths":[],"Devices":[{"PathOnHost":"/dev/sda"}],"Sysctls":{"kernel.core_pattern":"x"},"CgroupParent":"/","Runtime":"kata","VolumesFrom":["theirs"],"Mounts":[{"Type":"bind","Source":"/","Target":"/h"}]})");
  EXPECT_TRUE(Throws(create(hostile), "policy_denied"));
  EXPECT_TRUE(Passes(create(hostile, {}, admin())));
}

TEST(ContainerCreate, RebuildsTheBodyFromCanonicalValues) {
  const auto out = check_container_create(
      R"({ "image" : "alpine", "cmd":"sh", "hostconfig":{"memory":1024,"BINDS":["data:/data"],"restartpolicy":{"name":"always"}},
          "labels":{"Com.Example":"x"}, "networkingconfig":{"endpointsconfig":{"MyNet":{"aliases":["web"]}}} })",
      {}, member_of_team_a());
  EXPECT_EQ(parsed(out), parsed(R"({"Image":"alpine","Cmd":"sh",
      "HostConfig":{"Memory":1024,"Binds":["data:/data"],"RestartPolicy":{"Name":"always"},"PidsLimit":4096},
      "Labels":{"Com.Example":"x","io.dokkerr.team":"team-a"},
      "NetworkingConfig":{"EndpointsConfig":{"MyNet":{"Aliases":["web"]}}}})"))
      << out;
  // Canonical keys only, each once, and no client bytes copied through.
  EXPECT_EQ(out.find("image"), std::string::npos);
  EXPECT_EQ(out.find("hostconfig"), std::string::npos);
  EXPECT_EQ(out.find(" "), std::string::npos);

  // Labels are created when absent or null; nothing is added without a team.
  EXPECT_EQ(parsed(check_container_create(R"({"Image":"a"})", {}, member_of_team_a())).at("Labels"),
            parsed(R"({"io.dokkerr.team":"team-a"})"));
  EXPECT_EQ(parsed(check_container_create(R"({"Image":"a","Labels":null})", {}, member_of_team_a()))
                .at("Labels"),
            parsed(R"({"io.dokkerr.team":"team-a"})"));
  auto teamless = admin();
  teamless.team_id.clear();
  EXPECT_EQ(parsed(check_container_create(R"({"Image":"a"})", {}, teamless)),
            parsed(R"({"Image":"a"})"));

  // Escapes are decoded once and re-encoded: the forwarded body means what was checked.
  const auto escaped = check_container_create(R"({"Image":"a\u006c\u0070ine","Env":["A=\"b\""]})",
                                              {}, member_of_team_a());
  EXPECT_EQ(parsed(escaped).at("Image"), "alpine");
  EXPECT_EQ(parsed(escaped).at("Env").at(0), "A=\"b\"");
}

TEST(ContainerCreate, ATypicalCliBodyPasses) {
  // The shape docker run sends through API 1.41 (zero values included).
  const auto body =
      R"({"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,
    "AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":[],"Cmd":["sh"],
    "Image":"alpine","Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{},
    "HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},
    "NetworkMode":"default","PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]},
    "RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"",
    "VolumesFrom":null,"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],
    "DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,
    "OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,
    "SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":0,"ConsoleSize":[0,0],"Isolation":"",
    "CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],
    "BlkioDeviceReadBps":null,"BlkioDeviceWriteBps":null,"BlkioDeviceReadIOps":null,
    "BlkioDeviceWriteIOps":null,"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,
    "CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,
    "DeviceRequests":null,"KernelMemory":0,"KernelMemoryTCP":0,"MemoryReservation":0,"MemorySwap":0,
    "MemorySwappiness":null,"OomKillDisable":false,"PidsLimit":null,"Ulimits":null,"CpuCount":0,
    "CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"Mounts":[{"Type":"volume","Source":"data","Target":"/data"}],
    "Init":true},"NetworkingConfig":{"EndpointsConfig":{}}})";
  EXPECT_TRUE(Passes(create(body)));
}

TEST(ContainerCreate, PublishesOnlyOnAllowedAddressesAndUnprivilegedPorts) {
  auto ports = [](std::string_view ip, std::string_view port) {
    return with_host(R"({"PortBindings":{"80/tcp":[{"HostIp":)" + quoted(ip) + R"(,"HostPort":)" +
                     quoted(port) + "}]}}");
  };
  EXPECT_TRUE(Passes(create(ports("", "8080"))));
  EXPECT_TRUE(Passes(create(ports("127.0.0.1", "8080-8090"))));
  EXPECT_TRUE(Passes(create(ports("::", ""))));
  EXPECT_TRUE(Passes(create(ports("0.0.0.0", "65535"))));
  for (const char* low : {"80", "1023", "1-2000", "0"}) {
    EXPECT_TRUE(Throws(create(ports("", low)), "policy_denied")) << low;
  }
  for (const char* junk : {"80x", "+8080", " 8080a", "8080-", "-8080", "123456", "0x1F90"}) {
    EXPECT_TRUE(Throws(create(ports("", junk)), "policy_denied")) << junk;
  }
  for (const char* address : {"198.18.0.1", "10.0.0.1", "::ffff:127.0.0.1", "localhost"}) {
    EXPECT_TRUE(Throws(create(ports(address, "8080")), "policy_denied")) << address;
  }
  Policy narrow;
  narrow.min_host_port = 9000;
  narrow.max_host_port = 9100;
  narrow.allowed_host_ips = {"198.18.0.1"};
  EXPECT_TRUE(Passes(create(ports("198.18.0.1", "9050"), narrow)));
  EXPECT_TRUE(Throws(create(ports("198.18.0.1", "8080"), narrow), "policy_denied"));
  EXPECT_TRUE(Throws(create(ports("", "9050"), narrow), "policy_denied"));
  EXPECT_TRUE(Passes(create(ports("192.0.2.1", "22"), {}, admin())));
}

TEST(ContainerCreate, PidsAreCappedAndShmAndOomScoreBounded) {
  const auto unset = check_container_create(R"({"Image":"x"})", {}, member_of_team_a());
  EXPECT_EQ(parsed(unset).at("HostConfig").at("PidsLimit"), 4096);
  for (const char* unlimited : {"0", "-1"}) {
    const auto out = check_container_create(
        std::string(R"({"Image":"x","HostConfig":{"PidsLimit":)") + unlimited + "}}", {},
        member_of_team_a());
    EXPECT_EQ(parsed(out).at("HostConfig").at("PidsLimit"), 4096) << unlimited;
  }
  const auto small = check_container_create(R"({"Image":"x","HostConfig":{"PidsLimit":64}})", {},
                                            member_of_team_a());
  EXPECT_EQ(parsed(small).at("HostConfig").at("PidsLimit"), 64);
  EXPECT_TRUE(Throws(create(with_host(R"({"PidsLimit":4097})")), "policy_denied"));
  EXPECT_TRUE(Throws(create(with_host(R"({"ShmSize":2147483648})")), "policy_denied"));
  EXPECT_TRUE(Passes(create(with_host(R"({"ShmSize":67108864})"))));
  EXPECT_TRUE(Throws(create(with_host(R"({"OomScoreAdj":-500})")), "policy_denied"));
  EXPECT_TRUE(Passes(create(with_host(R"({"OomScoreAdj":500})"))));
  Policy relaxed;
  relaxed.allow_oom_score_protection = true;
  EXPECT_TRUE(Passes(create(with_host(R"({"OomScoreAdj":-500})"), relaxed)));
  // Admins' containers are left as they asked.
  const auto admins = check_container_create(R"({"Image":"x"})", {}, admin());
  EXPECT_FALSE(parsed(admins).as_object().contains("HostConfig"));
}

TEST(ContainerCreate, ATeamsDefaultMemoryFillsAnUnsetLimitOnly) {
  Policy team;
  team.default_memory_bytes = 64 << 20;
  const auto unset = check_container_create(R"({"Image":"x"})", team, member_of_team_a());
  EXPECT_EQ(parsed(unset).at("HostConfig").at("Memory"), 64 << 20);
  const auto unlimited = check_container_create(R"({"Image":"x","HostConfig":{"Memory":0}})", team,
                                                member_of_team_a());
  EXPECT_EQ(parsed(unlimited).at("HostConfig").at("Memory"), 64 << 20);
  const auto own = check_container_create(R"({"Image":"x","HostConfig":{"Memory":1073741824}})",
                                          team, member_of_team_a());
  EXPECT_EQ(parsed(own).at("HostConfig").at("Memory"), 1073741824);
  const auto none = check_container_create(R"({"Image":"x"})", {}, member_of_team_a());
  EXPECT_FALSE(parsed(none).at("HostConfig").as_object().contains("Memory"))
      << "no default: unlimited";
}

TEST(ContainerUpdate, PidsLimitStaysWithinTheCap) {
  EXPECT_THROW((void)check_container_update(R"({"PidsLimit":0})", {}, false), Error);
  EXPECT_THROW((void)check_container_update(R"({"PidsLimit":100000})", {}, false), Error);
  EXPECT_NO_THROW((void)check_container_update(R"({"PidsLimit":100})", {}, false));
  EXPECT_NO_THROW((void)check_container_update(R"({"Memory":1024})", {}, false));
  EXPECT_NO_THROW((void)check_container_update(R"({"PidsLimit":0})", {}, true));
}

}  // namespace
}  // namespace dokkerr::policy::test
