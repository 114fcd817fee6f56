#pragma once
// A Compose file, as the subset of the Compose Specification Dokkerr deploys: services with an
// image (no build), command, entrypoint, environment and env_file, ports, volumes, networks,
// depends_on with conditions, healthcheck, restart, deploy resources and replicas, labels and the
// container settings the engine's create takes (user, working_dir, privileged, cap_add, …);
// top-level networks and volumes. Anything else is refused by name rather than ignored: a
// setting silently dropped would deploy something other than what was written.
//
// Parsing interpolates ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error},
// ${VAR:+alt}, ${VAR+alt}, $VAR and $$ from the stack's variables, then validates; every error is
// Error{invalid, "invalid_compose"} whose detail names the line and the key
// ("line 7, services.web.ports[1]: …"). What the policy decides (privileged, host binds) is not
// judged here: the deploy turns each service into an engine create body that the team's policy
// checks like any other.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::stacks {

// The bounds of what one stack may declare.
struct ComposeLimits {
  std::size_t max_bytes = 256 * 1024;
  std::size_t max_services = 100;
  std::size_t max_items = 1000;  // entries of any one list or map (ports, environment, …)
};

struct PortMapping {
  std::string host_ip;                     // "" for every address
  std::optional<std::uint16_t> published;  // none: the engine picks one
  std::uint16_t target = 0;
  std::string protocol = "tcp";  // tcp, udp or sctp
};

struct Mount {
  enum class Type { volume, bind, tmpfs };
  Type type = Type::volume;
  std::string source;  // a declared volume's key, a host path, or "" (anonymous volume, tmpfs)
  std::string target;  // an absolute path in the container
  bool read_only = false;
};

struct Dependency {
  enum class Condition { started, healthy, completed_successfully };
  std::string service;
  Condition condition = Condition::started;
};

struct ServiceNetwork {
  std::string key;  // a top-level network's key
  std::vector<std::string> aliases;
};

struct HealthCheck {
  std::vector<std::string> test;  // ["CMD", …], ["CMD-SHELL", "…"] or ["NONE"]
  std::optional<std::int64_t> interval_ns, timeout_ns, start_period_ns;
  std::optional<int> retries;
};

// deploy.update_config / rollback_config: how Swarm replaces a service's tasks.
struct UpdateSettings {
  std::optional<std::int64_t> parallelism, delay_ns, monitor_ns;
  std::optional<double> max_failure_ratio;
  std::optional<std::string> failure_action, order;
};

// deploy.restart_policy (Swarm's; a container's restart: is another setting).
struct RestartPolicy {
  std::optional<std::string> condition;  // none, on-failure, any
  std::optional<std::int64_t> delay_ns, max_attempts;
};

// The deploy: settings only Swarm reads. Parsed for Swarm stacks only (ComposeInputs::swarm);
// elsewhere they are refused by name.
struct SwarmDeploy {
  bool global = false;  // mode: global
  std::optional<UpdateSettings> update_config, rollback_config;
  std::optional<RestartPolicy> restart_policy;
  std::vector<std::string> constraints;   // placement.constraints
  std::map<std::string, std::string> labels;  // the service's labels (deploy.labels)
};

struct ServiceSpec {
  std::string name;
  int line = 0;  // where the service is declared (1-based)
  std::string image;
  std::optional<std::vector<std::string>> command, entrypoint;
  std::map<std::string, std::string> environment;  // env_file entries, then environment
  std::vector<PortMapping> ports;
  std::vector<Mount> mounts;
  std::vector<ServiceNetwork> networks;  // {"default"} when none named (and no network_mode)
  std::vector<Dependency> depends_on;
  std::optional<HealthCheck> healthcheck;
  std::string restart = "no";           // no, always, on-failure[:N], unless-stopped
  std::string pull_policy = "missing";  // missing, always or never: when the image is pulled
  std::map<std::string, std::string> labels;
  int replicas = 1;
  std::optional<std::int64_t> nano_cpus, memory_bytes, pids_limit;
  std::optional<std::int64_t> memory_reservation_bytes;
  SwarmDeploy swarm;
  std::string user, working_dir, hostname, stop_signal, network_mode, pid, ipc;
  std::optional<std::int64_t> stop_grace_period_ns;
  std::optional<std::string> container_name;
  bool privileged = false, read_only = false, tty = false, stdin_open = false, init = false;
  std::vector<std::string> cap_add, cap_drop, security_opt, devices, extra_hosts, dns;
};

struct NetworkSpec {
  std::string key;   // as written under networks:
  std::string name;  // on the engine: <project>_<key>, or `name:` / the external name
  std::string driver = "bridge";
  bool internal = false;
  bool external = false;
  std::map<std::string, std::string> labels;
};

struct VolumeSpec {
  std::string key;
  std::string name;  // <project>_<key>, or `name:` / the external name
  std::string driver = "local";
  bool external = false;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> driver_opts;  // judged by the volume policy at deploy
};

struct ComposeProject {
  std::string name;
  std::vector<ServiceSpec> services;  // in dependency order: every service after its dependencies
  std::vector<NetworkSpec> networks;  // "default" included when a service uses it
  std::vector<VolumeSpec> volumes;
};

struct ComposeInputs {
  std::string project;  // the stack's name: [a-z0-9][a-z0-9_-]*, at most 63
  std::map<std::string, std::string> variables;  // for interpolation
  std::map<std::string, std::string> env_files;  // name → dotenv text, for env_file:
  bool swarm = false;  // read deploy:'s Swarm-only settings (mode, update_config, placement, …)
};

ComposeProject parse_compose(std::string_view yaml, const ComposeInputs& inputs,
                             const ComposeLimits& limits = {});

// "KEY=value" lines of a .env file: comments, blank lines, `export `, single and double quotes
// (escapes in double quotes). Error invalid "invalid_compose" naming the line otherwise.
std::map<std::string, std::string> parse_dotenv(std::string_view text, std::string_view what);

// The Compose interpolation of one value; Error invalid "invalid_compose" for ${VAR:?…} of an
// unset variable and for malformed ${…}. `where` names the value in the error.
std::string interpolate(std::string_view value, const std::map<std::string, std::string>& variables,
                        std::string_view where);

// A command line as Compose splits a string `command:` (POSIX shell words, no expansion).
std::vector<std::string> split_command(std::string_view text, std::string_view where);

// "1h2m3.5s", "300ms", "10s" → nanoseconds; nullopt when not a duration.
std::optional<std::int64_t> parse_duration_ns(std::string_view text);
// "512m", "1g", "1024", "1.5GiB" → bytes; nullopt when not a size.
std::optional<std::int64_t> parse_byte_size(std::string_view text);

}  // namespace dokkerr::stacks
