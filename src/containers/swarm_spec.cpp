#include "containers/swarm_spec.hpp"

#include "containers/engine_fields.hpp"
#include "core/error.hpp"
#include "core/json.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

namespace dokkerr::containers {
namespace {

namespace bj = boost::json;
using fields::array_at;
using fields::int_at;
using fields::object_at;
using fields::string_at;

constexpr std::size_t kMaxListEntries = 100;
constexpr std::size_t kMaxEnvEntries = 1000;
constexpr std::size_t kMaxStringBytes = 4096;
constexpr double kMaxSeconds = 86400.0;
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

[[noreturn]] void bad(const std::string& field, const std::string& why) {
  throw Error::invalid("invalid_body", "Field '" + field + "' " + why);
}

[[noreturn]] void denied(const std::string& field, const std::string& why) {
  throw Error(ErrorKind::forbidden, "policy_denied", field + ": " + why);
}

// Typed access to one object of the body, every error naming the field by its full path.
class Fields {
 public:
  Fields(const bj::object& object, std::string path,
         std::initializer_list<std::string_view> allowed)
      : object_(object), path_(std::move(path)) {
    for (const auto& member : object) {
      const std::string_view key = member.key();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        throw Error::invalid("unknown_field", "Field '" + name(key) + "' is not accepted here.");
      }
    }
  }

  [[nodiscard]] std::string name(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  [[nodiscard]] const bj::value* get(std::string_view key) const {
    const auto* value = object_.if_contains(key);
    return value == nullptr || value->is_null() ? nullptr : value;
  }

  [[nodiscard]] std::optional<std::string> text(std::string_view key) const {
    const auto* value = get(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) bad(name(key), "must be a string.");
    if (value->as_string().size() > kMaxStringBytes) bad(name(key), "is too long.");
    return std::string(value->as_string());
  }
  [[nodiscard]] std::optional<std::int64_t> integer(std::string_view key, std::int64_t low,
                                                    std::int64_t high) const {
    const auto* value = get(key);
    if (value == nullptr) return std::nullopt;
    std::int64_t number = 0;
    if (value->is_int64()) {
      number = value->as_int64();
    } else if (value->is_uint64() && value->as_uint64() <= static_cast<std::uint64_t>(high)) {
      number = static_cast<std::int64_t>(value->as_uint64());
    } else {
      bad(name(key), "must be a whole number from " + std::to_string(low) + " to " +
                         std::to_string(high) + ".");
    }
    if (number < low || number > high) {
      bad(name(key), "must be from " + std::to_string(low) + " to " + std::to_string(high) + ".");
    }
    return number;
  }
  [[nodiscard]] std::optional<double> number(std::string_view key, double low, double high) const {
    const auto* value = get(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number()) bad(name(key), "must be a number.");
    const double number = value->to_number<double>();
    if (!std::isfinite(number) || number < low || number > high) {
      bad(name(key), "must be a number from " + std::to_string(static_cast<std::int64_t>(low)) +
                         " to " + std::to_string(static_cast<std::int64_t>(high)) + ".");
    }
    return number;
  }
  [[nodiscard]] std::optional<bool> boolean(std::string_view key) const {
    const auto* value = get(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_bool()) bad(name(key), "must be true or false.");
    return value->as_bool();
  }
  [[nodiscard]] std::optional<std::string> choice(
      std::string_view key, std::initializer_list<std::string_view> allowed) const {
    auto value = text(key);
    if (!value) return std::nullopt;
    if (std::find(allowed.begin(), allowed.end(), *value) == allowed.end()) {
      std::string list;
      for (const auto item : allowed) list += (list.empty() ? "" : ", ") + std::string(item);
      bad(name(key), "must be one of: " + list + ".");
    }
    return value;
  }
  [[nodiscard]] const bj::object* object(std::string_view key) const {
    const auto* value = get(key);
    if (value == nullptr) return nullptr;
    if (!value->is_object()) bad(name(key), "must be an object.");
    return &value->as_object();
  }
  [[nodiscard]] const bj::array* array(std::string_view key, std::size_t max_entries) const {
    const auto* value = get(key);
    if (value == nullptr) return nullptr;
    if (!value->is_array()) bad(name(key), "must be an array.");
    if (value->as_array().size() > max_entries) {
      bad(name(key), "has more than " + std::to_string(max_entries) + " entries.");
    }
    return &value->as_array();
  }
  [[nodiscard]] std::optional<std::vector<std::string>> strings(std::string_view key,
                                                                std::size_t max_entries) const {
    const auto* items = array(key, max_entries);
    if (items == nullptr) return std::nullopt;
    std::vector<std::string> out;
    for (std::size_t i = 0; i < items->size(); ++i) {
      const auto& item = (*items)[i];
      const auto field = name(key) + "[" + std::to_string(i) + "]";
      if (!item.is_string()) bad(field, "must be a string.");
      if (item.as_string().size() > kMaxStringBytes) bad(field, "is too long.");
      out.emplace_back(item.as_string());
    }
    return out;
  }
  // A string map (env, labels).
  [[nodiscard]] std::optional<bj::object> string_map(std::string_view key,
                                                     std::size_t max_entries) const {
    const auto* map = object(key);
    if (map == nullptr) return std::nullopt;
    if (map->size() > max_entries) {
      bad(name(key), "has more than " + std::to_string(max_entries) + " entries.");
    }
    for (const auto& member : *map) {
      const auto field = name(key) + "." + std::string(member.key());
      if (member.key().empty() || member.key().size() > 256)
        bad(name(key), "has an empty or too long key.");
      if (!member.value().is_string()) bad(field, "must be a string.");
      if (member.value().as_string().size() > kMaxStringBytes) bad(field, "is too long.");
    }
    return *map;
  }

 private:
  const bj::object& object_;
  std::string path_;
};

bool letter_or_digit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::int64_t nanos(double seconds) {
  return static_cast<std::int64_t>(std::llround(seconds * static_cast<double>(kNanosPerSecond)));
}

bj::value seconds_of(std::int64_t nanoseconds) {
  if (nanoseconds % kNanosPerSecond == 0) return nanoseconds / kNanosPerSecond;
  return static_cast<double>(nanoseconds) / static_cast<double>(kNanosPerSecond);
}

void check_labels(const bj::object& labels, const std::string& field) {
  for (const auto& member : labels) {
    std::string key(member.key());
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (key.starts_with(policy::kReservedLabelPrefix)) {
      throw Error::invalid("reserved_label", "Field '" + field + "." + std::string(member.key()) +
                                                 "': labels under io.dokkerr. are Dokkerr's own.");
    }
  }
}

bool allowed_host_ip(const policy::Policy& policy, std::string_view ip) {
  return std::find(policy.allowed_host_ips.begin(), policy.allowed_host_ips.end(), ip) !=
         policy.allowed_host_ips.end();
}

bj::object check_update(const Fields& top, std::string_view key) {
  bj::object out;
  const auto* given = top.object(key);
  if (given == nullptr) return out;
  const Fields fields(*given, top.name(key),
                      {"parallelism", "delay_seconds", "failure_action", "monitor_seconds",
                       "max_failure_ratio", "order"});
  if (auto v = fields.integer("parallelism", 0, kMaxServiceReplicas)) out["parallelism"] = *v;
  if (auto v = fields.number("delay_seconds", 0, kMaxSeconds)) out["delay_seconds"] = *v;
  if (auto v = fields.choice("failure_action", {"pause", "continue", "rollback"})) {
    out["failure_action"] = *v;
  }
  if (auto v = fields.number("monitor_seconds", 0, kMaxSeconds)) out["monitor_seconds"] = *v;
  if (auto v = fields.number("max_failure_ratio", 0, 1)) out["max_failure_ratio"] = *v;
  if (auto v = fields.choice("order", {"stop-first", "start-first"})) out["order"] = *v;
  return out;
}

bj::object check_resources(const Fields& top, std::string_view key) {
  bj::object out;
  const auto* given = top.object(key);
  if (given == nullptr) return out;
  const Fields fields(*given, top.name(key), {"nano_cpus", "memory_bytes"});
  constexpr std::int64_t kMaxNanoCpus = std::int64_t{1024} * kNanosPerSecond;
  if (auto v = fields.integer("nano_cpus", 0, kMaxNanoCpus)) out["nano_cpus"] = *v;
  constexpr std::int64_t kMinMemory = std::int64_t{6} << 20;  // the engine's own minimum
  if (auto v = fields.integer("memory_bytes", 0, std::int64_t{1} << 50)) {
    if (*v != 0 && *v < kMinMemory) bad(fields.name("memory_bytes"), "must be at least 6 MiB.");
    out["memory_bytes"] = *v;
  }
  return out;
}

std::vector<SwarmFileRef> check_file_refs(const Fields& top, std::string_view key, bj::array& out) {
  std::vector<SwarmFileRef> refs;
  const auto* items = top.array(key, kMaxListEntries);
  if (items == nullptr) return refs;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const auto field = top.name(key) + "[" + std::to_string(i) + "]";
    if (!(*items)[i].is_object()) bad(field, "must be an object.");
    const Fields item((*items)[i].as_object(), field, {"name", "target"});
    const auto name = item.text("name");
    if (!name) bad(item.name("name"), "is required.");
    check_swarm_object_name(*name, item.name("name"));
    auto target = item.text("target").value_or(*name);
    // A file name inside the task's secrets directory (or, for configs, a path the engine
    // resolves under the container's root); no way out of it.
    if (target.empty() || target.find("..") != std::string::npos) {
      bad(item.name("target"), "must be a file name without '..'.");
    }
    refs.push_back({*name, target});
    out.push_back(bj::object{{"name", *name}, {"target", target}});
  }
  return refs;
}

// A task's health check, as Compose and the engine write it: the test is ["CMD", …],
// ["CMD-SHELL", "…"] or ["NONE"]; rolling updates wait for a new task to be healthy.
bj::object check_healthcheck(const Fields& fields) {
  const auto test = fields.strings("test", kMaxListEntries);
  if (!test || test->empty()) bad(fields.name("test"), "is required.");
  const auto& kind = test->front();
  const bool shaped = (kind == "NONE" && test->size() == 1) ||
                      ((kind == "CMD" || kind == "CMD-SHELL") && test->size() >= 2);
  if (!shaped) bad(fields.name("test"), "must be [\"CMD\", …], [\"CMD-SHELL\", \"…\"] or [\"NONE\"].");
  bj::object out{{"test", json::string_array(*test)}};
  for (const auto* key : {"interval_seconds", "timeout_seconds", "start_period_seconds"}) {
    // The engine's own minimum for a set interval is 1 ms; below a second is a probe storm.
    if (auto v = fields.number(key, 1, kMaxSeconds)) out[key] = *v;
  }
  if (auto v = fields.integer("retries", 0, 100)) out["retries"] = *v;
  return out;
}

}  // namespace

void check_service_name(std::string_view name, std::string_view field) {
  const bool ok = !name.empty() && name.size() <= 63 && letter_or_digit(name.front()) &&
                  letter_or_digit(name.back()) && std::all_of(name.begin(), name.end(), [](char c) {
                    return letter_or_digit(c) || c == '-' || c == '_';
                  });
  if (!ok) {
    bad(std::string(field),
        "must be 1 to 63 letters, digits, '-' and '_', starting and ending with a letter or "
        "digit.");
  }
}

void check_swarm_object_name(std::string_view name, std::string_view field) {
  const bool ok = !name.empty() && name.size() <= 64 && letter_or_digit(name.front()) &&
                  std::all_of(name.begin(), name.end(), [](char c) {
                    return letter_or_digit(c) || c == '-' || c == '_' || c == '.';
                  });
  if (!ok) {
    bad(std::string(field),
        "must be 1 to 64 letters, digits, '-', '_' and '.', starting with a letter or digit.");
  }
}

CheckedServiceSpec check_service_spec(std::string_view body, const ServiceRules& rules) {
  const auto given = json::parse_object(body);
  const Fields top(
      given, "",
      {"name",     "image",        "command", "args",     "env",      "labels",  "mode",
       "replicas", "ports",        "mounts",  "networks", "secrets",  "configs", "constraints",
       "limits",   "reservations", "restart", "update",   "rollback", "user",    "workdir",
       "healthcheck"});
  const auto& policy = rules.policy;
  CheckedServiceSpec checked;
  auto& spec = checked.spec;

  const auto name = top.text("name");
  if (!name) bad("name", "is required.");
  check_service_name(*name, "name");
  spec["name"] = *name;
  const auto image = top.text("image");
  if (!image || image->empty() || image->size() > 512)
    bad("image", "is required (1 to 512 characters).");
  spec["image"] = *image;
  if (auto v = top.strings("command", kMaxListEntries)) spec["command"] = json::string_array(*v);
  if (auto v = top.strings("args", kMaxListEntries)) spec["args"] = json::string_array(*v);
  if (auto env = top.string_map("env", kMaxEnvEntries)) {
    for (const auto& member : *env) {
      if (member.key().find('=') != std::string_view::npos) bad("env", "keys may not contain '='.");
    }
    spec["env"] = std::move(*env);
  }
  if (auto labels = top.string_map("labels", kMaxListEntries)) {
    check_labels(*labels, "labels");
    spec["labels"] = std::move(*labels);
  }
  const auto mode = top.choice("mode", {"replicated", "global"}).value_or("replicated");
  spec["mode"] = mode;
  const auto replicas = top.integer("replicas", 0, kMaxServiceReplicas);
  if (mode == "global" && replicas) bad("replicas", "is for replicated services only.");
  if (mode == "replicated") spec["replicas"] = replicas.value_or(1);

  bj::array ports;
  if (const auto* items = top.array("ports", kMaxListEntries)) {
    const std::string_view default_mode = rules.is_admin ? "ingress" : "host";
    for (std::size_t i = 0; i < items->size(); ++i) {
      const auto field = "ports[" + std::to_string(i) + "]";
      if (!(*items)[i].is_object()) bad(field, "must be an object.");
      const Fields port((*items)[i].as_object(), field,
                        {"target", "published", "protocol", "mode"});
      const auto target = port.integer("target", 1, 65535);
      if (!target) bad(port.name("target"), "is required.");
      const auto published = port.integer("published", 0, 65535).value_or(0);
      const auto protocol = port.choice("protocol", {"tcp", "udp", "sctp"}).value_or("tcp");
      const auto publish_mode =
          port.choice("mode", {"ingress", "host"}).value_or(std::string(default_mode));
      if (!rules.is_admin) {
        if (publish_mode == "ingress") {
          denied(port.name("mode"),
                 "the ingress routing mesh joins every service that publishes through it on "
                 "one shared network; publish on the node (mode \"host\").");
        }
        if (!allowed_host_ip(policy, "0.0.0.0") && !allowed_host_ip(policy, "")) {
          denied(field, "the policy does not allow publishing on every address of the node.");
        }
        if (published == 0) {
          denied(port.name("published"), "name the node's port (the engine would choose any).");
        }
        if (published < policy.min_host_port || published > policy.max_host_port) {
          denied(port.name("published"), "the policy allows host ports " +
                                             std::to_string(policy.min_host_port) + " to " +
                                             std::to_string(policy.max_host_port) + ".");
        }
      }
      bj::object out{{"target", *target}, {"protocol", protocol}, {"mode", publish_mode}};
      if (published != 0) out["published"] = published;
      ports.push_back(std::move(out));
    }
  }
  if (!ports.empty()) spec["ports"] = std::move(ports);

  bj::array mounts;
  if (const auto* items = top.array("mounts", kMaxListEntries)) {
    for (std::size_t i = 0; i < items->size(); ++i) {
      const auto field = "mounts[" + std::to_string(i) + "]";
      if (!(*items)[i].is_object()) bad(field, "must be an object.");
      const Fields mount((*items)[i].as_object(), field, {"type", "source", "target", "read_only"});
      const auto type = mount.choice("type", {"volume", "tmpfs", "bind"});
      if (!type) bad(mount.name("type"), "is required (volume, tmpfs or bind).");
      const auto target = mount.text("target");
      if (!target || !target->starts_with('/') || *target == "/") {
        bad(mount.name("target"), "must be an absolute path other than '/'.");
      }
      auto source = mount.text("source").value_or("");
      if (*type == "tmpfs" && !source.empty()) bad(mount.name("source"), "is not taken by tmpfs.");
      if (*type == "bind") {
        if (!source.starts_with('/')) bad(mount.name("source"), "must be an absolute host path.");
        if (!rules.is_admin && !policy.allow_host_binds) {
          denied(mount.name("source"), "host paths may not be mounted.");
        }
      }
      if (*type == "volume") {
        if (source.empty())
          bad(mount.name("source"), "names the volume (anonymous ones are not kept track of).");
        if (source.find('/') != std::string::npos)
          bad(mount.name("source"), "must be a volume name.");
        checked.volumes.push_back(source);
      }
      bj::object out{{"type", *type}, {"target", *target}};
      if (!source.empty()) out["source"] = source;
      if (mount.boolean("read_only").value_or(false)) out["read_only"] = true;
      mounts.push_back(std::move(out));
    }
  }
  if (!mounts.empty()) spec["mounts"] = std::move(mounts);

  if (const auto* items = top.array("networks", kMaxListEntries)) {
    bj::array networks;
    for (std::size_t i = 0; i < items->size(); ++i) {
      const auto field = "networks[" + std::to_string(i) + "]";
      const auto& item = (*items)[i];
      std::string network_name;
      std::vector<std::string> aliases;
      if (item.is_string()) {
        network_name = item.as_string();
      } else if (item.is_object()) {
        const Fields network(item.as_object(), field, {"name", "aliases"});
        network_name = network.text("name").value_or("");
        aliases = network.strings("aliases", kMaxListEntries).value_or(std::vector<std::string>{});
        for (const auto& alias : aliases) {
          if (alias.empty() || alias.size() > 128)
            bad(network.name("aliases"), "has an empty or too long name.");
        }
      } else {
        bad(field, "must be a network name or {name, aliases}.");
      }
      if (network_name.empty() || network_name.size() > 128)
        bad(field, "needs a network name of 1 to 128 characters.");
      if (aliases.empty()) {
        networks.emplace_back(network_name);
      } else {
        networks.push_back(
            bj::object{{"name", network_name}, {"aliases", json::string_array(aliases)}});
      }
      checked.networks.push_back(std::move(network_name));
      checked.network_aliases.push_back(std::move(aliases));
    }
    if (!networks.empty()) spec["networks"] = std::move(networks);
  }
  bj::array secrets;
  checked.secrets = check_file_refs(top, "secrets", secrets);
  if (!secrets.empty()) spec["secrets"] = std::move(secrets);
  bj::array configs;
  checked.configs = check_file_refs(top, "configs", configs);
  if (!configs.empty()) spec["configs"] = std::move(configs);
  if (auto constraints = top.strings("constraints", kMaxListEntries)) {
    if (!constraints->empty()) spec["constraints"] = json::string_array(*constraints);
  }

  auto limits = check_resources(top, "limits");
  if (!limits.contains("memory_bytes") && policy.default_memory_bytes > 0 && !rules.is_admin) {
    limits["memory_bytes"] = policy.default_memory_bytes;
  }
  if (!limits.empty()) spec["limits"] = std::move(limits);
  if (auto reservations = check_resources(top, "reservations"); !reservations.empty()) {
    spec["reservations"] = std::move(reservations);
  }
  if (const auto* restart = top.object("restart")) {
    const Fields fields(*restart, "restart", {"condition", "delay_seconds", "max_attempts"});
    bj::object out;
    if (auto v = fields.choice("condition", {"any", "on-failure", "none"})) out["condition"] = *v;
    if (auto v = fields.number("delay_seconds", 0, kMaxSeconds)) out["delay_seconds"] = *v;
    if (auto v = fields.integer("max_attempts", 0, 1000)) out["max_attempts"] = *v;
    if (!out.empty()) spec["restart"] = std::move(out);
  }
  if (auto update = check_update(top, "update"); !update.empty())
    spec["update"] = std::move(update);
  if (auto rollback = check_update(top, "rollback"); !rollback.empty()) {
    spec["rollback"] = std::move(rollback);
  }
  if (const auto* health = top.object("healthcheck")) {
    spec["healthcheck"] = check_healthcheck(Fields(*health, "healthcheck",
                                                   {"test", "interval_seconds", "timeout_seconds",
                                                    "start_period_seconds", "retries"}));
  }
  if (auto v = top.text("user"); v && !v->empty()) spec["user"] = *v;
  if (auto v = top.text("workdir"); v && !v->empty()) {
    if (!v->starts_with('/')) bad("workdir", "must be an absolute path.");
    spec["workdir"] = *v;
  }
  return checked;
}

namespace {

double seconds_at(const bj::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_number() ? value->to_number<double>() : 0.0;
}

bj::object engine_update_config(const bj::object& ours) {
  bj::object out{
      {"Parallelism", ours.contains("parallelism") ? int_at(ours, "parallelism") : 1},
      {"FailureAction",
       ours.contains("failure_action") ? string_at(ours, "failure_action") : std::string("pause")},
      {"Order", ours.contains("order") ? string_at(ours, "order") : std::string("stop-first")}};
  if (ours.contains("delay_seconds")) out["Delay"] = nanos(seconds_at(ours, "delay_seconds"));
  out["Monitor"] =
      nanos(ours.contains("monitor_seconds") ? seconds_at(ours, "monitor_seconds") : 5.0);
  if (ours.contains("max_failure_ratio"))
    out["MaxFailureRatio"] = seconds_at(ours, "max_failure_ratio");
  return out;
}

bj::object our_update_config(const bj::object& engine) {
  bj::object out;
  out["parallelism"] = int_at(engine, "Parallelism");
  if (engine.contains("Delay")) out["delay_seconds"] = seconds_of(int_at(engine, "Delay"));
  if (auto v = string_at(engine, "FailureAction"); !v.empty()) out["failure_action"] = v;
  if (engine.contains("Monitor")) out["monitor_seconds"] = seconds_of(int_at(engine, "Monitor"));
  if (engine.contains("MaxFailureRatio"))
    out["max_failure_ratio"] = seconds_at(engine, "MaxFailureRatio");
  if (auto v = string_at(engine, "Order"); !v.empty()) out["order"] = v;
  return out;
}

bj::object engine_resources(const bj::object& ours) {
  bj::object out;
  if (ours.contains("nano_cpus")) out["NanoCPUs"] = int_at(ours, "nano_cpus");
  if (ours.contains("memory_bytes")) out["MemoryBytes"] = int_at(ours, "memory_bytes");
  return out;
}

bj::object our_resources(const bj::object& engine) {
  bj::object out;
  if (int_at(engine, "NanoCPUs") != 0) out["nano_cpus"] = int_at(engine, "NanoCPUs");
  if (int_at(engine, "MemoryBytes") != 0) out["memory_bytes"] = int_at(engine, "MemoryBytes");
  return out;
}

bj::object with_team(bj::object labels, const std::string& team) {
  if (!team.empty()) labels[policy::kTeamLabel] = team;
  return labels;
}

}  // namespace

boost::json::object build_engine_spec(const CheckedServiceSpec& checked,
                                      const EngineReferences& references) {
  const auto& ours = checked.spec;
  bj::object container{{"Image", string_at(ours, "image")}};
  if (ours.contains("command")) container["Command"] = ours.at("command");
  if (ours.contains("args")) container["Args"] = ours.at("args");
  bj::array env;
  for (const auto& member : object_at(ours, "env")) {
    env.emplace_back(std::string(member.key()) + "=" + std::string(member.value().as_string()));
  }
  if (!env.empty()) container["Env"] = std::move(env);
  container["Labels"] = with_team({}, references.team);
  if (ours.contains("healthcheck")) {
    const auto& health = object_at(ours, "healthcheck");
    bj::object out{{"Test", health.at("test")}};
    if (health.contains("interval_seconds")) out["Interval"] = nanos(seconds_at(health, "interval_seconds"));
    if (health.contains("timeout_seconds")) out["Timeout"] = nanos(seconds_at(health, "timeout_seconds"));
    if (health.contains("start_period_seconds")) {
      out["StartPeriod"] = nanos(seconds_at(health, "start_period_seconds"));
    }
    if (health.contains("retries")) out["Retries"] = int_at(health, "retries");
    container["Healthcheck"] = std::move(out);
  }
  if (ours.contains("user")) container["User"] = string_at(ours, "user");
  if (ours.contains("workdir")) container["Dir"] = string_at(ours, "workdir");
  bj::array mounts;
  for (const auto& item : array_at(ours, "mounts")) {
    const auto& mount = item.as_object();
    const auto type = string_at(mount, "type");
    bj::object out{{"Type", type}, {"Target", string_at(mount, "target")}};
    if (mount.contains("source")) out["Source"] = string_at(mount, "source");
    if (mount.contains("read_only")) out["ReadOnly"] = true;
    // A volume the engine makes for a task on another node is labelled as the team's there too.
    if (type == "volume" && !references.team.empty()) {
      out["VolumeOptions"] = bj::object{{"Labels", with_team({}, references.team)}};
    }
    mounts.push_back(std::move(out));
  }
  if (!mounts.empty()) container["Mounts"] = std::move(mounts);
  const auto file_refs = [](const bj::array& refs, const std::vector<std::string>& ids,
                            std::string_view id_key, std::string_view name_key) {
    bj::array out;
    for (std::size_t i = 0; i < refs.size() && i < ids.size(); ++i) {
      const auto& ref = refs[i].as_object();
      out.push_back(bj::object{
          {id_key, ids[i]},
          {name_key, string_at(ref, "name")},
          {"File",
           bj::object{
               {"Name", string_at(ref, "target")}, {"UID", "0"}, {"GID", "0"}, {"Mode", 0444}}}});
    }
    return out;
  };
  if (ours.contains("secrets")) {
    container["Secrets"] =
        file_refs(array_at(ours, "secrets"), references.secret_ids, "SecretID", "SecretName");
  }
  if (ours.contains("configs")) {
    container["Configs"] =
        file_refs(array_at(ours, "configs"), references.config_ids, "ConfigID", "ConfigName");
  }

  bj::object task{{"ContainerSpec", std::move(container)}};
  bj::object limits = engine_resources(object_at(ours, "limits"));
  if (references.pids_limit > 0) limits["Pids"] = references.pids_limit;
  bj::object resources;
  if (!limits.empty()) resources["Limits"] = std::move(limits);
  if (auto reservations = engine_resources(object_at(ours, "reservations"));
      !reservations.empty()) {
    resources["Reservations"] = std::move(reservations);
  }
  if (!resources.empty()) task["Resources"] = std::move(resources);
  if (ours.contains("restart")) {
    const auto& restart = object_at(ours, "restart");
    bj::object out;
    if (restart.contains("condition")) out["Condition"] = string_at(restart, "condition");
    if (restart.contains("delay_seconds"))
      out["Delay"] = nanos(seconds_at(restart, "delay_seconds"));
    if (restart.contains("max_attempts")) out["MaxAttempts"] = int_at(restart, "max_attempts");
    task["RestartPolicy"] = std::move(out);
  }
  if (ours.contains("constraints")) {
    task["Placement"] = bj::object{{"Constraints", ours.at("constraints")}};
  }
  const auto name = string_at(ours, "name");
  bj::array networks;
  for (std::size_t i = 0; i < references.network_ids.size(); ++i) {
    bj::object attachment{{"Target", references.network_ids[i]}};
    // The service's own name resolves on every network it joins; aliases are further names.
    if (i < checked.network_aliases.size() && !checked.network_aliases[i].empty()) {
      attachment["Aliases"] = json::string_array(checked.network_aliases[i]);
    }
    networks.push_back(std::move(attachment));
  }
  if (!networks.empty()) task["Networks"] = std::move(networks);

  bj::object spec{{"Name", name},
                  {"Labels", with_team(object_at(ours, "labels"), references.team)},
                  {"TaskTemplate", std::move(task)}};
  if (string_at(ours, "mode") == "global") {
    spec["Mode"] = bj::object{{"Global", bj::object{}}};
  } else {
    spec["Mode"] = bj::object{{"Replicated", bj::object{{"Replicas", int_at(ours, "replicas")}}}};
  }
  spec["UpdateConfig"] = engine_update_config(object_at(ours, "update"));
  spec["RollbackConfig"] = engine_update_config(object_at(ours, "rollback"));
  bj::array ports;
  for (const auto& item : array_at(ours, "ports")) {
    const auto& port = item.as_object();
    bj::object out{{"Protocol", string_at(port, "protocol")},
                   {"TargetPort", int_at(port, "target")},
                   {"PublishMode", string_at(port, "mode")}};
    if (port.contains("published")) out["PublishedPort"] = int_at(port, "published");
    ports.push_back(std::move(out));
  }
  bj::object endpoint{{"Mode", "vip"}};
  if (!ports.empty()) endpoint["Ports"] = std::move(ports);
  spec["EndpointSpec"] = std::move(endpoint);
  return spec;
}

boost::json::object spec_from_engine(const boost::json::object& engine_spec,
                                     const boost::json::object& network_names) {
  bj::object ours{{"name", string_at(engine_spec, "Name")}};
  const auto& task = object_at(engine_spec, "TaskTemplate");
  const auto& container = object_at(task, "ContainerSpec");
  auto image = string_at(container, "Image");
  // The engine pins the digest it resolved ("image:tag@sha256:…"); the form shows what was asked.
  if (const auto at = image.find("@sha256:"); at != std::string::npos && at > 0) image.resize(at);
  ours["image"] = image;
  if (container.contains("Command")) ours["command"] = array_at(container, "Command");
  if (container.contains("Args")) ours["args"] = array_at(container, "Args");
  bj::object env;
  for (const auto& item : array_at(container, "Env")) {
    if (!item.is_string()) continue;
    const std::string_view entry = item.as_string();
    const auto equals = entry.find('=');
    env[entry.substr(0, equals)] = equals == std::string_view::npos ? "" : entry.substr(equals + 1);
  }
  if (!env.empty()) ours["env"] = std::move(env);
  bj::object labels;
  for (const auto& member : object_at(engine_spec, "Labels")) {
    if (member.key().starts_with(policy::kReservedLabelPrefix)) continue;
    labels[member.key()] = member.value();
  }
  if (!labels.empty()) ours["labels"] = std::move(labels);
  const auto& mode = object_at(engine_spec, "Mode");
  if (mode.contains("Global")) {
    ours["mode"] = "global";
  } else {
    ours["mode"] = "replicated";
    ours["replicas"] = int_at(object_at(mode, "Replicated"), "Replicas");
  }
  bj::array ports;
  for (const auto& item : array_at(object_at(engine_spec, "EndpointSpec"), "Ports")) {
    if (!item.is_object()) continue;
    const auto& port = item.as_object();
    bj::object out{
        {"target", int_at(port, "TargetPort")},
        {"protocol",
         string_at(port, "Protocol").empty() ? std::string("tcp") : string_at(port, "Protocol")},
        {"mode", string_at(port, "PublishMode").empty() ? std::string("ingress")
                                                        : string_at(port, "PublishMode")}};
    if (int_at(port, "PublishedPort") != 0) out["published"] = int_at(port, "PublishedPort");
    ports.push_back(std::move(out));
  }
  if (!ports.empty()) ours["ports"] = std::move(ports);
  bj::array mounts;
  for (const auto& item : array_at(container, "Mounts")) {
    if (!item.is_object()) continue;
    const auto& mount = item.as_object();
    bj::object out{{"type", string_at(mount, "Type")}, {"target", string_at(mount, "Target")}};
    if (auto source = string_at(mount, "Source"); !source.empty()) out["source"] = source;
    if (const auto* ro = mount.if_contains("ReadOnly");
        ro != nullptr && ro->is_bool() && ro->as_bool()) {
      out["read_only"] = true;
    }
    mounts.push_back(std::move(out));
  }
  if (!mounts.empty()) ours["mounts"] = std::move(mounts);
  bj::array networks;
  for (const auto& item : array_at(task, "Networks")) {
    if (!item.is_object()) continue;
    const auto target = string_at(item.as_object(), "Target");
    auto name = string_at(network_names, target);
    if (name.empty()) name = target;
    const auto& aliases = array_at(item.as_object(), "Aliases");
    if (aliases.empty()) {
      networks.emplace_back(name);
    } else {
      networks.push_back(bj::object{{"name", name}, {"aliases", aliases}});
    }
  }
  if (!networks.empty()) ours["networks"] = std::move(networks);
  const auto file_refs = [](const bj::array& refs, std::string_view name_key) {
    bj::array out;
    for (const auto& item : refs) {
      if (!item.is_object()) continue;
      const auto& ref = item.as_object();
      out.push_back(bj::object{{"name", string_at(ref, name_key)},
                               {"target", string_at(object_at(ref, "File"), "Name")}});
    }
    return out;
  };
  if (auto secrets = file_refs(array_at(container, "Secrets"), "SecretName"); !secrets.empty()) {
    ours["secrets"] = std::move(secrets);
  }
  if (auto configs = file_refs(array_at(container, "Configs"), "ConfigName"); !configs.empty()) {
    ours["configs"] = std::move(configs);
  }
  if (const auto& placement = object_at(task, "Placement"); placement.contains("Constraints")) {
    ours["constraints"] = array_at(placement, "Constraints");
  }
  const auto& resources = object_at(task, "Resources");
  if (auto limits = our_resources(object_at(resources, "Limits")); !limits.empty()) {
    ours["limits"] = std::move(limits);
  }
  if (auto reservations = our_resources(object_at(resources, "Reservations"));
      !reservations.empty()) {
    ours["reservations"] = std::move(reservations);
  }
  if (const auto& restart = object_at(task, "RestartPolicy"); !restart.empty()) {
    bj::object out;
    if (auto v = string_at(restart, "Condition"); !v.empty()) out["condition"] = v;
    if (restart.contains("Delay")) out["delay_seconds"] = seconds_of(int_at(restart, "Delay"));
    if (restart.contains("MaxAttempts")) out["max_attempts"] = int_at(restart, "MaxAttempts");
    ours["restart"] = std::move(out);
  }
  if (engine_spec.contains("UpdateConfig")) {
    ours["update"] = our_update_config(object_at(engine_spec, "UpdateConfig"));
  }
  if (engine_spec.contains("RollbackConfig")) {
    ours["rollback"] = our_update_config(object_at(engine_spec, "RollbackConfig"));
  }
  if (const auto& health = object_at(container, "Healthcheck"); !array_at(health, "Test").empty()) {
    bj::object out{{"test", array_at(health, "Test")}};
    if (int_at(health, "Interval") != 0) out["interval_seconds"] = seconds_of(int_at(health, "Interval"));
    if (int_at(health, "Timeout") != 0) out["timeout_seconds"] = seconds_of(int_at(health, "Timeout"));
    if (int_at(health, "StartPeriod") != 0) {
      out["start_period_seconds"] = seconds_of(int_at(health, "StartPeriod"));
    }
    if (health.contains("Retries")) out["retries"] = int_at(health, "Retries");
    ours["healthcheck"] = std::move(out);
  }
  if (auto v = string_at(container, "User"); !v.empty()) ours["user"] = v;
  if (auto v = string_at(container, "Dir"); !v.empty()) ours["workdir"] = v;
  return ours;
}

}  // namespace dokkerr::containers
