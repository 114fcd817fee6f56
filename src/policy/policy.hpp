#pragma once
// The container security policy. Whoever can call the Docker API is root on the engine's host, so
// a team's create/update bodies are parsed the way the engine parses them, checked against the
// team's Policy, and rebuilt from the checked values before they are forwarded: the engine never
// sees bytes the checks did not see. Pure functions, no I/O; ownership of other containers comes
// in through a callback.
//
// Errors (dokkerr::Error):
//   invalid "invalid_json"   not JSON, trailing bytes, or nested more than 32 levels deep
//   invalid "invalid_body"   not an object at the top, a value of the wrong type, Image missing
//   invalid "duplicate_key"  a key repeated in any object, or two spellings of one struct field
//   invalid "unknown_field"  a key the Docker Engine API 1.41 does not define at that place
//   invalid "reserved_label" a label under io.dokkerr. (any case), which only Dokkerr sets
//   forbidden "policy_denied" a rule refused the request; the detail names the field
// Admins skip the policy rules (policy_denied), never the others.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::policy {

// Labels under this prefix are Dokkerr's own; the team label marks what a team owns.
inline constexpr std::string_view kReservedLabelPrefix = "io.dokkerr.";
inline constexpr std::string_view kTeamLabel = "io.dokkerr.team";
// The token of the Idempotency-Key a container was created with: a retry finds it by this.
inline constexpr std::string_view kRequestLabel = "io.dokkerr.request";
// Marks the bridge network Dokkerr made for a team in an environment (its containers' default).
inline constexpr std::string_view kTeamNetworkLabel = "io.dokkerr.team-network";

// One team's relaxations. Every field defaults to the safe value; each one relaxes one rule.
struct Policy {
  bool allow_privileged = false;           // HostConfig.Privileged
  bool allow_host_binds = false;           // host paths in Binds, bind/npipe Mounts
  bool allow_bind_volume_options = false;  // local-driver volumes mounting host paths or devices
  bool allow_host_namespaces = false;      // "host" pid/ipc/uts/network/userns/cgroupns modes
  bool allow_devices = false;              // Devices, DeviceCgroupRules, DeviceRequests
  std::vector<std::string> extra_capabilities;        // CapAdd beyond safe_capabilities()
  bool allow_unconfined_security = false;             // SecurityOpt, MaskedPaths, ReadonlyPaths
  std::vector<std::string> extra_sysctls;             // names, or prefixes ending in '*'
  bool allow_cgroup_parent = false;                   // CgroupParent, Cgroup
  std::vector<std::string> allowed_runtimes{"runc"};  // an empty Runtime is always fine
  bool allow_privileged_exec = false;
  std::vector<std::string> allowed_volume_drivers{"local"};
  std::vector<std::string> allowed_network_drivers{"bridge"};
  // Log drivers run inside the engine with the host's network and credentials (syslog, gelf,
  // fluentd and splunk dial addresses the client chooses; awslogs and gcplogs use the host's
  // cloud identity), so only the drivers that write local files are allowed by default. An empty
  // Type (the engine's default driver) is always fine.
  std::vector<std::string> allowed_log_drivers{"json-file", "local", "none"};
  // HostConfig.PortBindings: the host addresses a port may be published on (an empty HostIp,
  // the engine's "every address", is allowed when "0.0.0.0" is) and the host port range; the
  // privileged ports below 1024 stay the host's unless the range is widened.
  std::vector<std::string> allowed_host_ips{"0.0.0.0", "::", "127.0.0.1", "::1"};
  std::int64_t min_host_port = 1024;
  std::int64_t max_host_port = 65535;
  // HostConfig.PidsLimit: a create without one (or with "unlimited") gets this cap, so a fork
  // bomb exhausts the container, not the host; more is refused.
  std::int64_t max_pids = 4096;
  // HostConfig.ShmSize: /dev/shm is memory the container's limit may not cover.
  std::int64_t max_shm_bytes = std::int64_t{1} << 30;
  // HostConfig.OomScoreAdj below 0 makes the kernel kill host processes first.
  bool allow_oom_score_protection = false;
  // An exec as root (User "root", "0", "root:…", "0:…") in a container whose image or create
  // made it run as another user: the image's author meant it not to have root.
  bool allow_root_exec = false;
  // Quota: how many containers (in any state) the team may have on one environment; 0 is no
  // limit. A create beyond it is 403 quota_exceeded.
  std::int64_t max_containers = 0;
  // HostConfig.Memory for a create that sets none (or 0, unlimited); 0 leaves it unlimited.
  std::int64_t default_memory_bytes = 0;
  // Quota: the sum of the memory limits (HostConfig.Memory) and of the CPU limits (NanoCpus, or
  // CpuQuota/CpuPeriod) of the team's containers on one environment, in every state; 0 is no
  // limit. While one is set, every create and update must name that limit.
  std::int64_t max_total_memory_bytes = 0;
  std::int64_t max_total_nano_cpus = 0;

  bool operator==(const Policy&) const = default;
};

// A team's stored policy. Strict: unknown keys, wrong types, duplicate keys and malformed entries
// are invalid "invalid_policy"; missing keys keep their defaults.
Policy policy_from_json(std::string_view text);
// Every key, in declaration order.
std::string to_json(const Policy& policy);

// Docker's default capability set, without the CAP_ prefix: what an unprivileged container
// already has, so adding one of these back (after a CapDrop, or explicitly) grants nothing new.
std::span<const std::string_view> safe_capabilities();
// Sysctls that are namespaced per container and cannot affect the host or other containers
// (the set Kubernetes calls "safe").
std::span<const std::string_view> safe_sysctls();

struct CreateContext {
  bool is_admin = false;
  // The owning team; its team label is added to the rebuilt body (nothing is added when empty).
  std::string team_id;
  // The owning team of a container named by id, id prefix or name; nullopt when unknown or owned
  // by no team. Joins (namespaces, VolumesFrom, Links) are allowed only into this team's
  // containers; an unset callback allows none.
  std::function<std::optional<std::string>(std::string_view ref)> container_team;
};

// POST /containers/create. Returns the body to forward: the canonical form of the request with
// the team label added.
std::string check_container_create(std::string_view body, const Policy& policy,
                                   const CreateContext& ctx);
// POST /containers/{id}/update. Returns the body to forward.
std::string check_container_update(std::string_view body, const Policy& policy, bool is_admin);
// POST /volumes/create. Returns the body to forward, with the team label when team_id is set.
std::string check_volume_create(std::string_view body, const Policy& policy, bool is_admin,
                                std::string_view team_id);
// POST /networks/create. Returns the body to forward, with the team label when team_id is set.
std::string check_network_create(std::string_view body, const Policy& policy, bool is_admin,
                                 std::string_view team_id);
// POST /containers/{id}/exec with Privileged set.
void check_exec(bool privileged, const Policy& policy, bool is_admin);
// An exec's User against the container's own (Config.User; "" is root): root where the
// container is not root is refused unless allow_root_exec.
void check_exec_user(std::string_view exec_user, std::string_view container_user,
                     const Policy& policy, bool is_admin);
// Whether a Docker User value ("name", "uid", "name:group", "uid:gid") is root; "" is not.
[[nodiscard]] bool names_root(std::string_view user);

}  // namespace dokkerr::policy
