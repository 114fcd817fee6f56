// Policy storage format and the built-in allow-lists.
#include "unit/policy/test_support.hpp"

#include <algorithm>

namespace dokkerr::policy::test {
namespace {

std::function<void()> load(std::string text) {
  return [text = std::move(text)] { (void)policy_from_json(text); };
}

TEST(PolicyJson, DefaultsAreSafe) {
  const Policy policy;
  EXPECT_FALSE(policy.allow_privileged);
  EXPECT_FALSE(policy.allow_host_binds);
  EXPECT_FALSE(policy.allow_bind_volume_options);
  EXPECT_FALSE(policy.allow_host_namespaces);
  EXPECT_FALSE(policy.allow_devices);
  EXPECT_TRUE(policy.extra_capabilities.empty());
  EXPECT_FALSE(policy.allow_unconfined_security);
  EXPECT_TRUE(policy.extra_sysctls.empty());
  EXPECT_FALSE(policy.allow_cgroup_parent);
  EXPECT_EQ(policy.allowed_runtimes, std::vector<std::string>{"runc"});
  EXPECT_FALSE(policy.allow_privileged_exec);
  EXPECT_EQ(policy.allowed_volume_drivers, std::vector<std::string>{"local"});
  EXPECT_EQ(policy.allowed_network_drivers, std::vector<std::string>{"bridge"});
  EXPECT_EQ(policy_from_json("{}"), policy);
}

TEST(PolicyJson, WritesEveryKeyInAStableOrder) {
  EXPECT_EQ(
      to_json(Policy{}),
      R"({"allow_privileged":false,"allow_host_binds":false,"allow_bind_volume_options":false,)"
      R"("allow_host_namespaces":false,"allow_devices":false,"extra_capabilities":[],)"
      R"("allow_unconfined_security":false,"extra_sysctls":[],"allow_cgroup_parent":false,)"
      R"("allowed_runtimes":["runc"],"allow_privileged_exec":false,"allowed_volume_drivers":["local"],)"
      R"("allowed_network_drivers":["bridge"],"allowed_log_drivers":["json-file","local","none"],)"
      R"("allowed_host_ips":["0.0.0.0","::","127.0.0.1","::1"],"min_host_port":1024,)"
      R"("max_host_port":65535,"max_pids":4096,"max_shm_bytes":1073741824,)"
      R"("allow_oom_score_protection":false,"allow_root_exec":false,"max_containers":0,)"
      R"("default_memory_bytes":0,"max_total_memory_bytes":0,"max_total_nano_cpus":0})");
}

TEST(PolicyJson, NumbersAreBoundedAndTheHostPortRangeOrdered) {
  const auto policy =
      policy_from_json(R"({"min_host_port":8000,"max_host_port":8100,"max_pids":100})");
  EXPECT_EQ(policy.min_host_port, 8000);
  EXPECT_EQ(policy.max_host_port, 8100);
  EXPECT_EQ(policy.max_pids, 100);
  for (const char* bad :
       {R"({"min_host_port":0})", R"({"max_host_port":65536})", R"({"max_pids":"100"})",
        R"({"max_pids":1.5})", R"({"max_pids":-1})", R"({"max_shm_bytes":-1})",
        R"({"min_host_port":9000,"max_host_port":8000})"}) {
    EXPECT_THROW((void)policy_from_json(bad), Error) << bad;
  }
}

TEST(PolicyJson, RoundTrips) {
  Policy policy;
  policy.allow_privileged = true;
  policy.allow_host_binds = true;
  policy.allow_bind_volume_options = true;
  policy.allow_host_namespaces = true;
  policy.allow_devices = true;
  policy.extra_capabilities = {"NET_ADMIN", "cap_sys_ptrace"};
  policy.allow_unconfined_security = true;
  policy.extra_sysctls = {"net.core.somaxconn", "net.ipv4.conf.*"};
  policy.allow_cgroup_parent = true;
  policy.allowed_runtimes = {};
  policy.allow_privileged_exec = true;
  policy.allowed_volume_drivers = {"local", "rexray"};
  policy.allowed_network_drivers = {"bridge", "macvlan"};
  policy.allowed_log_drivers = {"syslog"};
  EXPECT_EQ(policy_from_json(to_json(policy)), policy);
  const auto partial =
      policy_from_json(R"({"allow_devices":true,"allowed_runtimes":["runc","kata"]})");
  EXPECT_TRUE(partial.allow_devices);
  EXPECT_EQ(partial.allowed_runtimes, (std::vector<std::string>{"runc", "kata"}));
  EXPECT_EQ(partial.allowed_volume_drivers, std::vector<std::string>{"local"});
}

TEST(PolicyJson, IsStrict) {
  for (const auto* text : {R"({"allow_everything":true})",
                           R"({"Allow_Privileged":true})",
                           R"({"allow_privileged":1})",
                           R"({"allow_privileged":null})",
                           R"({"allow_privileged":"true"})",
                           R"({"allow_privileged":false,"allow_privileged":true})",
                           R"({"extra_capabilities":"NET_ADMIN"})",
                           R"({"extra_capabilities":[1]})",
                           R"({"extra_capabilities":["ALL"]})",
                           R"({"extra_capabilities":["cap_all"]})",
                           R"({"extra_capabilities":["SYS ADMIN"]})",
                           R"({"extra_capabilities":[""]})",
                           R"({"extra_sysctls":["net.*.x"]})",
                           R"({"extra_sysctls":["net/ipv4/x"]})",
                           R"({"extra_sysctls":[""]})",
                           R"({"allowed_runtimes":[""]})",
                           R"({"allowed_runtimes":[" runc"]})",
                           "[]",
                           "",
                           "{",
                           R"({"allow_devices":true} x)"}) {
    EXPECT_TRUE(Throws(load(text), "invalid_policy")) << text;
  }
  EXPECT_TRUE(Passes(load(R"({"extra_sysctls":["*","net.ipv4.*","net.core.somaxconn"]})")));
}

TEST(PolicyJson, BuiltInAllowLists) {
  const auto caps = safe_capabilities();
  EXPECT_EQ(caps.size(), 14U);
  for (const auto* cap :
       {"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
        "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"}) {
    EXPECT_NE(std::find(caps.begin(), caps.end(), cap), caps.end()) << cap;
  }
  for (const auto* cap : {"SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "ALL"}) {
    EXPECT_EQ(std::find(caps.begin(), caps.end(), cap), caps.end()) << cap;
  }
  const auto sysctls = safe_sysctls();
  for (auto name : sysctls) {
    EXPECT_TRUE(name.starts_with("net.ipv4.") || name.starts_with("kernel.shm")) << name;
  }
  EXPECT_NE(std::find(sysctls.begin(), sysctls.end(), "net.ipv4.ping_group_range"), sysctls.end());
}

}  // namespace
}  // namespace dokkerr::policy::test
