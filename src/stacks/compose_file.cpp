#include "stacks/compose_file.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <set>
#include <yaml-cpp/yaml.h>

namespace dokkerr::stacks {
namespace {

[[noreturn]] void fail(int line, std::string_view path, std::string_view what) {
  std::string detail = line > 0 ? "line " + std::to_string(line) + ", " : std::string();
  detail += std::string(path) + ": " + std::string(what);
  throw Error::invalid("invalid_compose", std::move(detail));
}

int line_of(const YAML::Node& node) {
  const auto mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

bool valid_service_name(std::string_view name) {
  return !name.empty() && name.size() <= 63 && std::isalnum(static_cast<unsigned char>(name[0])) &&
         std::all_of(name.begin(), name.end(), is_name_char);
}

bool valid_project_name(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  const auto lower_or_digit = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  return lower_or_digit(name[0]) && std::all_of(name.begin(), name.end(), [&](char c) {
           return lower_or_digit(c) || c == '_' || c == '-';
         });
}

bool is_variable_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_variable_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

std::optional<long long> to_integer(std::string_view text) {
  long long value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

std::optional<double> to_number(std::string_view text) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  const std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// Reads typed values out of the document, interpolating every scalar first.
class Reader {
 public:
  Reader(const ComposeInputs& inputs, const ComposeLimits& limits)
      : inputs_(inputs), limits_(limits) {}

  [[nodiscard]] const ComposeInputs& inputs() const { return inputs_; }
  [[nodiscard]] const ComposeLimits& limits() const { return limits_; }

  std::string text(const YAML::Node& node, const std::string& path) const {
    if (!node.IsScalar()) fail(line_of(node), path, "must be a string");
    return interpolate(node.Scalar(), inputs_.variables, path);
  }

  bool boolean(const YAML::Node& node, const std::string& path) const {
    auto value = text(node, path);
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (value == "true" || value == "yes" || value == "on") return true;
    if (value == "false" || value == "no" || value == "off") return false;
    fail(line_of(node), path, "must be true or false");
  }

  long long integer(const YAML::Node& node, const std::string& path, long long min,
                    long long max) const {
    const auto value = to_integer(text(node, path));
    if (!value || *value < min || *value > max) {
      fail(line_of(node), path,
           "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return *value;
  }

  std::int64_t duration(const YAML::Node& node, const std::string& path) const {
    const auto value = parse_duration_ns(text(node, path));
    if (!value) fail(line_of(node), path, "must be a duration such as 30s, 1m30s or 500ms");
    return *value;
  }

  std::int64_t bytes(const YAML::Node& node, const std::string& path) const {
    const auto value = parse_byte_size(text(node, path));
    if (!value || *value <= 0) fail(line_of(node), path, "must be a size such as 512m or 1g");
    return *value;
  }

  // A map's entries in document order; keys are plain strings, never repeated; x-* skipped.
  void each(const YAML::Node& node, const std::string& path,
            const std::function<void(const std::string&, const YAML::Node&)>& visit) const {
    if (!node.IsMap()) fail(line_of(node), path, "must be a mapping");
    if (node.size() > limits_.max_items) fail(line_of(node), path, "has too many entries");
    std::set<std::string, std::less<>> seen;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) fail(line_of(entry.first), path, "keys must be strings");
      const std::string key = entry.first.Scalar();
      if (!seen.insert(key).second) fail(line_of(entry.first), path, "repeats the key " + key);
      if (key.starts_with("x-")) continue;
      visit(key, entry.second);
    }
  }

  void each_item(const YAML::Node& node, const std::string& path,
                 const std::function<void(const YAML::Node&, const std::string&)>& visit) const {
    if (!node.IsSequence()) fail(line_of(node), path, "must be a list");
    if (node.size() > limits_.max_items) fail(line_of(node), path, "has too many entries");
    std::size_t index = 0;
    for (const auto& item : node) {
      visit(item, path + "[" + std::to_string(index) + "]");
      ++index;
    }
  }

  // A string, or a list of strings.
  std::vector<std::string> strings(const YAML::Node& node, const std::string& path) const {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(text(node, path));
      return out;
    }
    each_item(node, path, [&](const YAML::Node& item, const std::string& where) {
      out.push_back(text(item, where));
    });
    return out;
  }

  // A mapping of strings, or a list of "key=value" (a bare "key" takes `bare` of it).
  std::map<std::string, std::string> pairs(
      const YAML::Node& node, const std::string& path,
      const std::function<std::optional<std::string>(const std::string&)>& bare) const {
    std::map<std::string, std::string> out;
    if (node.IsMap()) {
      each(node, path, [&](const std::string& key, const YAML::Node& value) {
        if (value.IsNull()) {
          if (auto taken = bare(key)) out[key] = std::move(*taken);
        } else {
          out[key] = text(value, path + "." + key);
        }
      });
      return out;
    }
    each_item(node, path, [&](const YAML::Node& item, const std::string& where) {
      const auto entry = text(item, where);
      const auto equals = entry.find('=');
      const auto key = entry.substr(0, equals);
      if (key.empty()) fail(line_of(item), where, "must be KEY=value");
      if (out.contains(key)) fail(line_of(item), where, "repeats " + key);
      if (equals == std::string::npos) {
        if (auto taken = bare(key)) out[key] = std::move(*taken);
      } else {
        out[key] = entry.substr(equals + 1);
      }
    });
    return out;
  }

 private:
  const ComposeInputs& inputs_;
  const ComposeLimits& limits_;
};

std::optional<std::uint16_t> port_number(std::string_view text) {
  const auto value = to_integer(text);
  if (!value || *value < 1 || *value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(*value);
}

// "8000" or "8000-8002" → the ports; empty when malformed.
std::vector<std::uint16_t> port_range(std::string_view text) {
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) {
    if (auto port = port_number(text)) return {*port};
    return {};
  }
  const auto first = port_number(text.substr(0, dash));
  const auto last = port_number(text.substr(dash + 1));
  if (!first || !last || *last < *first || *last - *first >= 1000) return {};
  std::vector<std::uint16_t> out;
  for (unsigned p = *first; p <= *last; ++p) out.push_back(static_cast<std::uint16_t>(p));
  return out;
}

void parse_short_port(const std::string& spec, int line, const std::string& path,
                      std::vector<PortMapping>& out) {
  std::string rest = spec;
  std::string protocol = "tcp";
  if (const auto slash = rest.rfind('/'); slash != std::string::npos) {
    protocol = rest.substr(slash + 1);
    rest.resize(slash);
  }
  if (protocol != "tcp" && protocol != "udp" && protocol != "sctp") {
    fail(line, path, "protocol must be tcp, udp or sctp");
  }
  std::string host_ip;
  if (rest.starts_with('[')) {  // [IPv6]:host:container
    const auto close = rest.find(']');
    if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      fail(line, path, "is not a port mapping");
    }
    host_ip = rest.substr(1, close - 1);
    rest = rest.substr(close + 2);
  }
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto colon = rest.find(':', start);
    parts.push_back(rest.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() == 3 && host_ip.empty()) {
    host_ip = parts[0];
    parts.erase(parts.begin());
  }
  if (parts.size() > 2 || (parts.size() == 2 && parts[0].empty() && host_ip.empty())) {
    fail(line, path, "is not a port mapping ([ip:][host:]container[/protocol])");
  }
  const auto targets = port_range(parts.back());
  if (targets.empty()) fail(line, path, "the container port must be 1-65535 or a range");
  std::vector<std::uint16_t> published;
  if (parts.size() == 2 && !parts[0].empty()) {
    published = port_range(parts[0]);
    if (published.empty()) fail(line, path, "the host port must be 1-65535 or a range");
    if (published.size() != targets.size()) {
      fail(line, path, "the host and container ranges must be as long as each other");
    }
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    PortMapping mapping;
    mapping.host_ip = host_ip;
    mapping.target = targets[i];
    mapping.protocol = protocol;
    if (!published.empty()) mapping.published = published[i];
    out.push_back(std::move(mapping));
  }
}

bool absolute_path(std::string_view path) {
  return path.starts_with('/');
}

Mount parse_short_mount(const std::string& spec, int line, const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto colon = spec.find(':', start);
    parts.push_back(spec.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() > 3 || parts.front().empty()) {
    fail(line, path, "is not a volume (source:target[:ro|rw] or target)");
  }
  Mount mount;
  if (parts.size() == 1) {
    mount.target = parts[0];
  } else {
    mount.source = parts[0];
    mount.target = parts[1];
    if (parts.size() == 3) {
      // Options are comma-separated: ro/rw, and SELinux or propagation flags.
      std::size_t at = 0;
      while (at <= parts[2].size()) {
        const auto comma = parts[2].find(',', at);
        const auto option = parts[2].substr(at, comma - at);
        if (option == "ro") {
          mount.read_only = true;
        } else if (option != "rw" && option != "z" && option != "Z" && option != "nocopy") {
          fail(line, path, "mode must be ro or rw");
        }
        if (comma == std::string::npos) break;
        at = comma + 1;
      }
    }
    if (mount.source.starts_with('.') || mount.source.starts_with('~')) {
      fail(line, path,
           "a path relative to the Compose file has nothing to point at here: use an absolute "
           "path or a named volume");
    }
    mount.type = absolute_path(mount.source) ? Mount::Type::bind : Mount::Type::volume;
  }
  if (!absolute_path(mount.target)) fail(line, path, "the target must be an absolute path");
  return mount;
}

std::vector<std::string> health_test(const Reader& r, const YAML::Node& node,
                                     const std::string& path) {
  if (node.IsScalar()) return {"CMD-SHELL", r.text(node, path)};
  auto test = r.strings(node, path);
  if (test.empty() || (test[0] != "CMD" && test[0] != "CMD-SHELL" && test[0] != "NONE")) {
    fail(line_of(node), path, "must start with CMD, CMD-SHELL or NONE");
  }
  if (test[0] != "NONE" && test.size() < 2) fail(line_of(node), path, "names no command");
  return test;
}

std::string restart_policy(const Reader& r, const YAML::Node& node, const std::string& path) {
  const auto value = r.text(node, path);
  if (value == "no" || value == "always" || value == "unless-stopped" || value == "on-failure") {
    return value;
  }
  if (value.starts_with("on-failure:")) {
    const auto retries = to_integer(std::string_view(value).substr(11));
    if (retries && *retries >= 0 && *retries <= 1000) return value;
  }
  fail(line_of(node), path, "must be no, always, on-failure[:N] or unless-stopped");
}

void parse_resources(const Reader& r, const YAML::Node& node, const std::string& path,
                     ServiceSpec& service) {
  r.each(node, path, [&](const std::string& key, const YAML::Node& value) {
    const auto where = path + "." + key;
    if (key == "limits") {
      r.each(value, where, [&](const std::string& limit, const YAML::Node& v) {
        const auto at = where + "." + limit;
        if (limit == "cpus") {
          const auto cpus = to_number(r.text(v, at));
          if (!cpus || *cpus <= 0 || *cpus > 1024) fail(line_of(v), at, "must be a number of CPUs");
          service.nano_cpus = static_cast<std::int64_t>(std::llround(*cpus * 1e9));
        } else if (limit == "memory") {
          service.memory_bytes = r.bytes(v, at);
        } else if (limit == "pids") {
          service.pids_limit = r.integer(v, at, 1, 4'194'304);
        } else {
          fail(line_of(v), at, "is not supported");
        }
      });
    } else if (key == "reservations") {
      r.each(value, where, [&](const std::string& reservation, const YAML::Node& v) {
        const auto at = where + "." + reservation;
        if (reservation == "memory") {
          service.memory_reservation_bytes = r.bytes(v, at);
        } else if (reservation != "cpus") {  // CPU reservations mean nothing to one engine
          fail(line_of(v), at, "is not supported");
        }
      });
    } else {
      fail(line_of(value), where, "is not supported");
    }
  });
}

class ServiceParser {
 public:
  ServiceParser(const Reader& reader, ServiceSpec& service, std::string path)
      : r_(reader), s_(service), path_(std::move(path)) {}

  void parse(const YAML::Node& node) {
    std::map<std::string, std::string> environment;
    std::vector<std::string> env_files;
    std::optional<std::string> env_file_path;
    bool networks_named = false;
    r_.each(node, path_, [&](const std::string& key, const YAML::Node& value) {
      const auto where = path_ + "." + key;
      const int line = line_of(value);
      if (key == "image") {
        s_.image = r_.text(value, where);
        if (s_.image.empty() || s_.image.size() > 255) fail(line, where, "names no image");
      } else if (key == "build") {
        fail(line, where, "building images is not supported: name an image");
      } else if (key == "command" || key == "entrypoint") {
        auto& target = key == "command" ? s_.command : s_.entrypoint;
        target = value.IsScalar() ? split_command(r_.text(value, where), where)
                                  : r_.strings(value, where);
      } else if (key == "environment") {
        environment = r_.pairs(value, where, [this](const std::string& name) {
          const auto found = r_.inputs().variables.find(name);
          return found == r_.inputs().variables.end() ? std::nullopt
                                                      : std::optional<std::string>(found->second);
        });
      } else if (key == "env_file") {
        env_file_path = where;
        env_files = env_file_names(value, where);
      } else if (key == "ports") {
        r_.each_item(value, where, [&](const YAML::Node& item, const std::string& at) {
          if (item.IsMap()) {
            s_.ports.push_back(long_port(item, at));
          } else {
            parse_short_port(r_.text(item, at), line_of(item), at, s_.ports);
          }
        });
        if (s_.ports.size() > r_.limits().max_items) fail(line, where, "has too many ports");
      } else if (key == "volumes") {
        r_.each_item(value, where, [&](const YAML::Node& item, const std::string& at) {
          s_.mounts.push_back(item.IsMap()
                                  ? long_mount(item, at)
                                  : parse_short_mount(r_.text(item, at), line_of(item), at));
        });
      } else if (key == "tmpfs") {
        for (auto& target : r_.strings(value, where)) {
          if (!absolute_path(target)) fail(line, where, "must be absolute paths");
          s_.mounts.push_back(Mount{Mount::Type::tmpfs, "", std::move(target), false});
        }
      } else if (key == "networks") {
        networks_named = true;
        parse_networks(value, where);
      } else if (key == "depends_on") {
        parse_depends_on(value, where);
      } else if (key == "healthcheck") {
        parse_healthcheck(value, where);
      } else if (key == "restart") {
        s_.restart = restart_policy(r_, value, where);
      } else if (key == "pull_policy") {
        s_.pull_policy = r_.text(value, where);
        if (s_.pull_policy == "if_not_present") s_.pull_policy = "missing";
        if (s_.pull_policy != "missing" && s_.pull_policy != "always" &&
            s_.pull_policy != "never") {
          fail(line, where, "must be missing, always or never");
        }
      } else if (key == "labels") {
        s_.labels = r_.pairs(value, where, [](const std::string&) { return std::string(); });
      } else if (key == "deploy") {
        parse_deploy(value, where);
      } else if (key == "cpus") {
        const auto cpus = to_number(r_.text(value, where));
        if (!cpus || *cpus <= 0 || *cpus > 1024) fail(line, where, "must be a number of CPUs");
        s_.nano_cpus = static_cast<std::int64_t>(std::llround(*cpus * 1e9));
      } else if (key == "mem_limit") {
        s_.memory_bytes = r_.bytes(value, where);
      } else if (key == "mem_reservation") {
        s_.memory_reservation_bytes = r_.bytes(value, where);
      } else if (key == "pids_limit") {
        s_.pids_limit = r_.integer(value, where, 1, 4'194'304);
      } else if (key == "container_name") {
        auto name = r_.text(value, where);
        if (!valid_service_name(name)) fail(line, where, "is not a container name");
        s_.container_name = std::move(name);
      } else if (!simple_setting(key, value, where)) {
        fail(line, where, "is not supported by Dokkerr");
      }
    });
    if (s_.image.empty()) fail(line_of(node), path_, "names no image (image: is required)");
    if (!s_.network_mode.empty() && networks_named) {
      fail(line_of(node), path_, "network_mode and networks cannot both be set");
    }
    if (s_.network_mode.empty() && s_.networks.empty()) s_.networks.push_back({"default", {}});
    // Sharing another service's network stack needs that service's container first.
    if (s_.network_mode.starts_with("service:")) {
      const auto other = s_.network_mode.substr(8);
      const bool listed = std::any_of(s_.depends_on.begin(), s_.depends_on.end(),
                                      [&](const Dependency& d) { return d.service == other; });
      if (!listed) s_.depends_on.push_back({other, Dependency::Condition::started});
    }
    if (s_.container_name && s_.replicas > 1) {
      fail(line_of(node), path_, "a service with container_name runs one replica only");
    }
    // env_file entries first; environment overrides them, as Compose does.
    for (const auto& name : env_files) {
      const auto found = r_.inputs().env_files.find(name);
      if (found == r_.inputs().env_files.end()) {
        fail(line_of(node["env_file"]), *env_file_path,
             "no env file named " + name + " in the stack");
      }
      for (auto& [k, v] : parse_dotenv(found->second, name)) s_.environment[k] = std::move(v);
    }
    for (auto& [k, v] : environment) s_.environment[k] = std::move(v);
  }

 private:
  std::vector<std::string> env_file_names(const YAML::Node& value, const std::string& where) {
    std::vector<std::string> names;
    if (value.IsScalar()) return {r_.text(value, where)};
    r_.each_item(value, where, [&](const YAML::Node& item, const std::string& at) {
      if (!item.IsMap()) {
        names.push_back(r_.text(item, at));
        return;
      }
      std::string name;
      bool required = true;
      r_.each(item, at, [&](const std::string& key, const YAML::Node& v) {
        if (key == "path") {
          name = r_.text(v, at + ".path");
        } else if (key == "required") {
          required = r_.boolean(v, at + ".required");
        } else {
          fail(line_of(v), at + "." + key, "is not supported");
        }
      });
      if (name.empty()) fail(line_of(item), at, "names no path");
      if (required || r_.inputs().env_files.contains(name)) names.push_back(std::move(name));
    });
    return names;
  }

  PortMapping long_port(const YAML::Node& item, const std::string& at) {
    PortMapping port;
    bool has_target = false;
    r_.each(item, at, [&](const std::string& key, const YAML::Node& v) {
      const auto where = at + "." + key;
      if (key == "target") {
        port.target = static_cast<std::uint16_t>(r_.integer(v, where, 1, 65535));
        has_target = true;
      } else if (key == "published") {
        port.published = static_cast<std::uint16_t>(r_.integer(v, where, 1, 65535));
      } else if (key == "host_ip") {
        port.host_ip = r_.text(v, where);
      } else if (key == "protocol") {
        port.protocol = r_.text(v, where);
        if (port.protocol != "tcp" && port.protocol != "udp" && port.protocol != "sctp") {
          fail(line_of(v), where, "must be tcp, udp or sctp");
        }
      } else if (key == "mode") {
        const auto mode = r_.text(v, where);
        if (mode != "host" && mode != "ingress") fail(line_of(v), where, "must be host or ingress");
      } else if (key != "name" && key != "app_protocol") {
        fail(line_of(v), where, "is not supported");
      }
    });
    if (!has_target) fail(line_of(item), at, "names no target port");
    return port;
  }

  Mount long_mount(const YAML::Node& item, const std::string& at) {
    Mount mount;
    std::string type = "volume";
    r_.each(item, at, [&](const std::string& key, const YAML::Node& v) {
      const auto where = at + "." + key;
      if (key == "type") {
        type = r_.text(v, where);
      } else if (key == "source") {
        mount.source = r_.text(v, where);
      } else if (key == "target") {
        mount.target = r_.text(v, where);
      } else if (key == "read_only") {
        mount.read_only = r_.boolean(v, where);
      } else if (key == "consistency") {
        (void)r_.text(v, where);  // a Docker Desktop hint with no effect on Linux
      } else {
        fail(line_of(v), where, "is not supported");
      }
    });
    if (type == "volume") {
      mount.type = Mount::Type::volume;
    } else if (type == "bind") {
      mount.type = Mount::Type::bind;
      if (!absolute_path(mount.source)) fail(line_of(item), at, "a bind needs an absolute source");
    } else if (type == "tmpfs") {
      mount.type = Mount::Type::tmpfs;
      if (!mount.source.empty()) fail(line_of(item), at, "a tmpfs has no source");
    } else {
      fail(line_of(item), at + ".type", "must be volume, bind or tmpfs");
    }
    if (mount.type == Mount::Type::volume && absolute_path(mount.source)) {
      fail(line_of(item), at, "a volume's source is a volume name, not a path");
    }
    if (!absolute_path(mount.target))
      fail(line_of(item), at, "the target must be an absolute path");
    return mount;
  }

  void parse_networks(const YAML::Node& value, const std::string& where) {
    if (value.IsSequence()) {
      for (auto& key : r_.strings(value, where)) s_.networks.push_back({std::move(key), {}});
      return;
    }
    r_.each(value, where, [&](const std::string& key, const YAML::Node& v) {
      ServiceNetwork network{key, {}};
      if (!v.IsNull()) {
        r_.each(v, where + "." + key, [&](const std::string& setting, const YAML::Node& sv) {
          if (setting != "aliases")
            fail(line_of(sv), where + "." + key + "." + setting, "is not supported");
          network.aliases = r_.strings(sv, where + "." + key + ".aliases");
        });
      }
      s_.networks.push_back(std::move(network));
    });
  }

  void parse_depends_on(const YAML::Node& value, const std::string& where) {
    if (value.IsSequence()) {
      for (auto& name : r_.strings(value, where)) s_.depends_on.push_back({std::move(name), {}});
      return;
    }
    r_.each(value, where, [&](const std::string& name, const YAML::Node& v) {
      Dependency dependency{name, Dependency::Condition::started};
      r_.each(v, where + "." + name, [&](const std::string& setting, const YAML::Node& sv) {
        const auto at = where + "." + name + "." + setting;
        if (setting == "condition") {
          const auto condition = r_.text(sv, at);
          if (condition == "service_started") {
            dependency.condition = Dependency::Condition::started;
          } else if (condition == "service_healthy") {
            dependency.condition = Dependency::Condition::healthy;
          } else if (condition == "service_completed_successfully") {
            dependency.condition = Dependency::Condition::completed_successfully;
          } else {
            fail(line_of(sv), at,
                 "must be service_started, service_healthy or service_completed_successfully");
          }
        } else if (setting == "required") {
          if (!r_.boolean(sv, at)) fail(line_of(sv), at, "optional dependencies are not supported");
        } else if (setting != "restart") {
          fail(line_of(sv), at, "is not supported");
        }
      });
      s_.depends_on.push_back(std::move(dependency));
    });
  }

  void parse_healthcheck(const YAML::Node& value, const std::string& where) {
    HealthCheck check;
    bool disabled = false;
    r_.each(value, where, [&](const std::string& key, const YAML::Node& v) {
      const auto at = where + "." + key;
      if (key == "test") {
        check.test = health_test(r_, v, at);
      } else if (key == "interval") {
        check.interval_ns = r_.duration(v, at);
      } else if (key == "timeout") {
        check.timeout_ns = r_.duration(v, at);
      } else if (key == "start_period") {
        check.start_period_ns = r_.duration(v, at);
      } else if (key == "retries") {
        check.retries = static_cast<int>(r_.integer(v, at, 0, 1000));
      } else if (key == "disable") {
        disabled = r_.boolean(v, at);
      } else {
        fail(line_of(v), at, "is not supported");
      }
    });
    if (disabled) check.test = {"NONE"};
    if (check.test.empty()) fail(line_of(value), where, "names no test");
    s_.healthcheck = std::move(check);
  }

  void parse_deploy(const YAML::Node& value, const std::string& where) {
    r_.each(value, where, [&](const std::string& key, const YAML::Node& v) {
      const auto at = where + "." + key;
      if (key == "replicas") {
        s_.replicas = static_cast<int>(r_.integer(v, at, 0, 100));
      } else if (key == "resources") {
        parse_resources(r_, v, at, s_);
      } else if (!r_.inputs().swarm) {
        fail(line_of(v), at,
             key == "mode" || key == "update_config" || key == "rollback_config" ||
                     key == "restart_policy" || key == "placement" || key == "labels"
                 ? "is for Swarm stacks only"
                 : "is not supported");
      } else if (key == "mode") {
        const auto mode = r_.text(v, at);
        if (mode != "replicated" && mode != "global") fail(line_of(v), at, "must be replicated or global");
        s_.swarm.global = mode == "global";
      } else if (key == "update_config") {
        s_.swarm.update_config = parse_update_settings(v, at);
      } else if (key == "rollback_config") {
        s_.swarm.rollback_config = parse_update_settings(v, at);
      } else if (key == "restart_policy") {
        RestartPolicy policy;
        r_.each(v, at, [&](const std::string& setting, const YAML::Node& n) {
          const auto here = at + "." + setting;
          if (setting == "condition") {
            const auto condition = r_.text(n, here);
            if (condition != "none" && condition != "on-failure" && condition != "any") {
              fail(line_of(n), here, "must be none, on-failure or any");
            }
            policy.condition = condition;
          } else if (setting == "delay") {
            policy.delay_ns = r_.duration(n, here);
          } else if (setting == "max_attempts") {
            policy.max_attempts = r_.integer(n, here, 0, 1000);
          } else {
            fail(line_of(n), here, "is not supported");
          }
        });
        s_.swarm.restart_policy = policy;
      } else if (key == "placement") {
        r_.each(v, at, [&](const std::string& setting, const YAML::Node& n) {
          const auto here = at + "." + setting;
          if (setting != "constraints") fail(line_of(n), here, "is not supported");
          s_.swarm.constraints = r_.strings(n, here);
        });
      } else if (key == "labels") {
        s_.swarm.labels = r_.pairs(v, at, [](const std::string&) { return std::string(); });
      } else {
        fail(line_of(v), at, "is not supported");
      }
    });
  }

  UpdateSettings parse_update_settings(const YAML::Node& value, const std::string& where) {
    UpdateSettings settings;
    r_.each(value, where, [&](const std::string& key, const YAML::Node& v) {
      const auto at = where + "." + key;
      if (key == "parallelism") {
        settings.parallelism = r_.integer(v, at, 0, 100);
      } else if (key == "delay") {
        settings.delay_ns = r_.duration(v, at);
      } else if (key == "monitor") {
        settings.monitor_ns = r_.duration(v, at);
      } else if (key == "failure_action") {
        const auto action = r_.text(v, at);
        if (action != "pause" && action != "continue" && action != "rollback") {
          fail(line_of(v), at, "must be pause, continue or rollback");
        }
        settings.failure_action = action;
      } else if (key == "order") {
        const auto order = r_.text(v, at);
        if (order != "stop-first" && order != "start-first") {
          fail(line_of(v), at, "must be stop-first or start-first");
        }
        settings.order = order;
      } else if (key == "max_failure_ratio") {
        const auto ratio = to_number(r_.text(v, at));
        if (!ratio || *ratio < 0 || *ratio > 1) fail(line_of(v), at, "must be a number from 0 to 1");
        settings.max_failure_ratio = *ratio;
      } else {
        fail(line_of(v), at, "is not supported");
      }
    });
    return settings;
  }

  // Settings that map one to one onto the engine's create body.
  bool simple_setting(const std::string& key, const YAML::Node& value, const std::string& where) {
    static const std::map<std::string_view, std::string ServiceSpec::*> kTexts{
        {"user", &ServiceSpec::user},
        {"working_dir", &ServiceSpec::working_dir},
        {"hostname", &ServiceSpec::hostname},
        {"stop_signal", &ServiceSpec::stop_signal},
        {"network_mode", &ServiceSpec::network_mode},
        {"pid", &ServiceSpec::pid},
        {"ipc", &ServiceSpec::ipc}};
    static const std::map<std::string_view, bool ServiceSpec::*> kFlags{
        {"privileged", &ServiceSpec::privileged},
        {"read_only", &ServiceSpec::read_only},
        {"tty", &ServiceSpec::tty},
        {"stdin_open", &ServiceSpec::stdin_open},
        {"init", &ServiceSpec::init}};
    static const std::map<std::string_view, std::vector<std::string> ServiceSpec::*> kLists{
        {"cap_add", &ServiceSpec::cap_add},           {"cap_drop", &ServiceSpec::cap_drop},
        {"security_opt", &ServiceSpec::security_opt}, {"devices", &ServiceSpec::devices},
        {"extra_hosts", &ServiceSpec::extra_hosts},   {"dns", &ServiceSpec::dns}};
    if (const auto text = kTexts.find(key); text != kTexts.end()) {
      s_.*(text->second) = r_.text(value, where);
    } else if (const auto flag = kFlags.find(key); flag != kFlags.end()) {
      s_.*(flag->second) = r_.boolean(value, where);
    } else if (const auto list = kLists.find(key); list != kLists.end()) {
      s_.*(list->second) = r_.strings(value, where);
    } else if (key == "stop_grace_period") {
      s_.stop_grace_period_ns = r_.duration(value, where);
    } else {
      return false;
    }
    return true;
  }

  const Reader& r_;
  ServiceSpec& s_;
  std::string path_;
};

// Services ordered so that each follows what it depends on; declaration order otherwise.
std::vector<ServiceSpec> in_dependency_order(std::vector<ServiceSpec> services) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < services.size(); ++i) index[services[i].name] = i;
  for (const auto& service : services) {
    for (const auto& dependency : service.depends_on) {
      if (!index.contains(dependency.service)) {
        fail(service.line, "services." + service.name + ".depends_on",
             "no service named " + dependency.service);
      }
      if (dependency.service == service.name) {
        fail(service.line, "services." + service.name + ".depends_on", "names the service itself");
      }
    }
  }
  std::vector<ServiceSpec> ordered;
  std::vector<bool> placed(services.size(), false);
  while (ordered.size() < services.size()) {
    bool progressed = false;
    for (std::size_t i = 0; i < services.size(); ++i) {
      if (placed[i]) continue;
      const bool ready =
          std::all_of(services[i].depends_on.begin(), services[i].depends_on.end(),
                      [&](const Dependency& d) { return placed[index.at(d.service)]; });
      if (!ready) continue;
      placed[i] = true;
      ordered.push_back(services[i]);
      progressed = true;
    }
    if (!progressed) {
      std::string cycle;
      for (std::size_t i = 0; i < services.size(); ++i) {
        if (!placed[i]) cycle += (cycle.empty() ? "" : ", ") + services[i].name;
      }
      fail(0, "services", "depends_on goes round in a circle between " + cycle);
    }
  }
  return ordered;
}

}  // namespace

std::string interpolate(std::string_view value, const std::map<std::string, std::string>& variables,
                        std::string_view where) {
  std::string out;
  out.reserve(value.size());
  std::size_t i = 0;
  const auto lookup = [&](const std::string& name) -> const std::string* {
    const auto found = variables.find(name);
    return found == variables.end() ? nullptr : &found->second;
  };
  while (i < value.size()) {
    const char c = value[i];
    if (c != '$') {
      out += c;
      ++i;
      continue;
    }
    if (i + 1 >= value.size()) {
      out += '$';  // a lone trailing $ stays, as Compose leaves it
      ++i;
      continue;
    }
    const char next = value[i + 1];
    if (next == '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (is_variable_start(next)) {
      std::size_t end = i + 1;
      while (end < value.size() && is_variable_char(value[end])) ++end;
      if (const auto* found = lookup(std::string(value.substr(i + 1, end - i - 1)))) out += *found;
      i = end;
      continue;
    }
    if (next != '{') {
      out += '$';
      ++i;
      continue;
    }
    // ${NAME[op word]}: find the closing brace, counting nested ${ in the word.
    std::size_t depth = 1;
    std::size_t close = i + 2;
    while (close < value.size() && depth > 0) {
      if (value[close] == '{') ++depth;
      if (value[close] == '}') --depth;
      if (depth > 0) ++close;
    }
    if (depth != 0) {
      throw Error::invalid("invalid_compose", std::string(where) + ": an unclosed ${ in \"" +
                                                  std::string(value) + "\"");
    }
    const auto inner = value.substr(i + 2, close - i - 2);
    std::size_t name_end = 0;
    while (name_end < inner.size() && is_variable_char(inner[name_end])) ++name_end;
    const std::string name(inner.substr(0, name_end));
    if (name.empty() || !is_variable_start(name[0])) {
      throw Error::invalid("invalid_compose", std::string(where) + ": \"${" + std::string(inner) +
                                                  "}\" names no variable");
    }
    const auto* found = lookup(name);
    const auto rest = inner.substr(name_end);
    const bool colon = rest.starts_with(':');
    const auto op = rest.substr(colon ? 1 : 0);
    const bool unset_or_empty = found == nullptr || (colon && found->empty());
    if (rest.empty()) {
      if (found != nullptr) out += *found;
    } else if (op.starts_with('-')) {
      out += unset_or_empty ? interpolate(op.substr(1), variables, where) : *found;
    } else if (op.starts_with('?')) {
      if (unset_or_empty) {
        const auto message = interpolate(op.substr(1), variables, where);
        throw Error::invalid("invalid_compose",
                             std::string(where) + ": " + name + " is required" +
                                 (message.empty() ? std::string() : ": " + message));
      }
      out += *found;
    } else if (op.starts_with('+')) {
      if (!unset_or_empty) out += interpolate(op.substr(1), variables, where);
    } else {
      throw Error::invalid("invalid_compose", std::string(where) + ": \"${" + std::string(inner) +
                                                  "}\" is not an interpolation Compose knows");
    }
    i = close + 1;
  }
  return out;
}

std::map<std::string, std::string> parse_dotenv(std::string_view text, std::string_view what) {
  std::map<std::string, std::string> out;
  int line_number = 0;
  std::size_t at = 0;
  while (at <= text.size()) {
    const auto newline = text.find('\n', at);
    auto line =
        text.substr(at, newline == std::string_view::npos ? std::string_view::npos : newline - at);
    at = newline == std::string_view::npos ? text.size() + 1 : newline + 1;
    ++line_number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ")) line.remove_prefix(7);
    const auto equals = line.find('=');
    const auto where = [&] { return std::string(what) + " line " + std::to_string(line_number); };
    std::string key(line.substr(0, equals));
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    if (key.empty() || !is_variable_start(key[0]) ||
        !std::all_of(key.begin(), key.end(), is_variable_char)) {
      throw Error::invalid("invalid_compose", where() + ": not KEY=value");
    }
    if (equals == std::string_view::npos) {
      throw Error::invalid("invalid_compose", where() + ": " + key + " has no value");
    }
    auto value = line.substr(equals + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    std::string parsed;
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      const char quote = value.front();
      std::size_t i = 1;
      bool closed = false;
      for (; i < value.size(); ++i) {
        if (value[i] == quote) {
          closed = true;
          break;
        }
        if (quote == '"' && value[i] == '\\' && i + 1 < value.size()) {
          const char escaped = value[++i];
          parsed += escaped == 'n' ? '\n' : escaped == 't' ? '\t' : escaped;
        } else {
          parsed += value[i];
        }
      }
      if (!closed) throw Error::invalid("invalid_compose", where() + ": unclosed quote");
    } else {
      const auto comment = value.find(" #");
      parsed = std::string(value.substr(0, comment));
      while (!parsed.empty() && (parsed.back() == ' ' || parsed.back() == '\t')) parsed.pop_back();
    }
    out[key] = std::move(parsed);
  }
  return out;
}

std::vector<std::string> split_command(std::string_view text, std::string_view where) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote == '\'') {
      if (c == '\'') {
        quote = 0;
      } else {
        word += c;
      }
    } else if (quote == '"') {
      if (c == '"') {
        quote = 0;
      } else if (c == '\\' && i + 1 < text.size() &&
                 (text[i + 1] == '"' || text[i + 1] == '\\' || text[i + 1] == '$')) {
        word += text[++i];
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < text.size()) {
      word += text[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::exchange(word, {}));
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0) {
    throw Error::invalid("invalid_compose", std::string(where) + ": an unclosed quote");
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::optional<std::int64_t> parse_duration_ns(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  // A bare number is seconds, as Compose reads it.
  if (const auto whole = to_integer(text)) {
    if (*whole < 0 || *whole > 365LL * 24 * 3600) return std::nullopt;
    return *whole * 1'000'000'000LL;
  }
  static const std::vector<std::pair<std::string_view, double>> kUnits{
      {"ns", 1.0}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  double total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto start = i;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
      ++i;
    }
    const auto number = to_number(text.substr(start, i - start));
    if (!number) return std::nullopt;
    const auto unit_start = i;
    while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i])) &&
           text[i] != '.') {
      ++i;
    }
    const auto unit = text.substr(unit_start, i - unit_start);
    const auto found =
        std::find_if(kUnits.begin(), kUnits.end(), [&](const auto& u) { return u.first == unit; });
    if (found == kUnits.end()) return std::nullopt;
    total += *number * found->second;
  }
  if (total < 0 || total > 365.0 * 24 * 3600e9) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(total));
}

std::optional<std::int64_t> parse_byte_size(std::string_view text) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  std::size_t digits = 0;
  while (digits < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
    ++digits;
  }
  const auto number = to_number(text.substr(0, digits));
  if (!number || *number < 0) return std::nullopt;
  std::string unit(text.substr(digits));
  std::transform(unit.begin(), unit.end(), unit.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (unit.ends_with("ib")) unit.erase(unit.size() - 2, 1);  // "gib" → "gb"
  if (unit.size() == 2 && unit[1] == 'b') unit.pop_back();   // "gb" → "g"
  static const std::map<std::string, double> kScale{{"", 1.0},
                                                    {"b", 1.0},
                                                    {"k", 1024.0},
                                                    {"m", 1024.0 * 1024},
                                                    {"g", 1024.0 * 1024 * 1024},
                                                    {"t", 1024.0 * 1024 * 1024 * 1024}};
  const auto scale = kScale.find(unit);
  if (scale == kScale.end()) return std::nullopt;
  const double bytes = *number * scale->second;
  if (bytes > 9.0e18) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(bytes));
}

ComposeProject parse_compose(std::string_view yaml, const ComposeInputs& inputs,
                             const ComposeLimits& limits) {
  if (!valid_project_name(inputs.project)) {
    throw Error::invalid(
        "invalid_stack_name",
        "A stack name is 1-63 of a-z, 0-9, _ and -, starting with a letter or digit.");
  }
  if (yaml.size() > limits.max_bytes) {
    fail(0, "the file", "is larger than " + std::to_string(limits.max_bytes / 1024) + " KiB");
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& error) {
    fail(error.mark.line >= 0 ? error.mark.line + 1 : 0, "the file",
         "is not valid YAML (" + error.msg + ")");
  }
  if (!root.IsMap()) fail(0, "the file", "must be a mapping with services:");
  const Reader r(inputs, limits);
  ComposeProject project;
  project.name = inputs.project;
  std::vector<ServiceSpec> services;
  std::map<std::string, NetworkSpec> networks;
  std::map<std::string, VolumeSpec> volumes;
  std::vector<std::string> network_order;
  std::vector<std::string> volume_order;
  bool has_services = false;
  r.each(root, "the file", [&](const std::string& key, const YAML::Node& value) {
    if (key == "version") {
      (void)r.text(value, "version");  // obsolete in the specification; accepted, not used
    } else if (key == "name") {
      if (r.text(value, "name") != inputs.project) {
        fail(line_of(value), "name", "the stack is called " + inputs.project);
      }
    } else if (key == "services") {
      has_services = true;
      if (value.IsMap() && value.size() > limits.max_services) {
        fail(line_of(value), "services",
             "more than " + std::to_string(limits.max_services) + " services");
      }
      r.each(value, "services", [&](const std::string& name, const YAML::Node& body) {
        const auto path = "services." + name;
        if (!valid_service_name(name)) fail(line_of(body), path, "is not a service name");
        ServiceSpec service;
        service.name = name;
        service.line = line_of(body);
        ServiceParser(r, service, path).parse(body);
        services.push_back(std::move(service));
      });
    } else if (key == "networks") {
      r.each(value, "networks", [&](const std::string& name, const YAML::Node& body) {
        const auto path = "networks." + name;
        if (!valid_service_name(name)) fail(line_of(body), path, "is not a network name");
        NetworkSpec network;
        network.key = name;
        network.name = inputs.project + "_" + name;
        if (!body.IsNull()) {
          r.each(body, path, [&](const std::string& setting, const YAML::Node& v) {
            const auto at = path + "." + setting;
            if (setting == "driver") {
              network.driver = r.text(v, at);
            } else if (setting == "internal") {
              network.internal = r.boolean(v, at);
            } else if (setting == "external") {
              network.external = r.boolean(v, at);
            } else if (setting == "name") {
              network.name = r.text(v, at);
            } else if (setting == "labels") {
              network.labels = r.pairs(v, at, [](const std::string&) { return std::string(); });
            } else if (setting != "attachable") {
              fail(line_of(v), at, "is not supported");
            }
          });
        }
        network_order.push_back(name);
        networks[name] = std::move(network);
      });
    } else if (key == "volumes") {
      r.each(value, "volumes", [&](const std::string& name, const YAML::Node& body) {
        const auto path = "volumes." + name;
        if (!valid_service_name(name)) fail(line_of(body), path, "is not a volume name");
        VolumeSpec volume;
        volume.key = name;
        volume.name = inputs.project + "_" + name;
        if (!body.IsNull()) {
          r.each(body, path, [&](const std::string& setting, const YAML::Node& v) {
            const auto at = path + "." + setting;
            if (setting == "driver") {
              volume.driver = r.text(v, at);
            } else if (setting == "external") {
              volume.external = r.boolean(v, at);
            } else if (setting == "name") {
              volume.name = r.text(v, at);
            } else if (setting == "labels") {
              volume.labels = r.pairs(v, at, [](const std::string&) { return std::string(); });
            } else if (setting == "driver_opts") {
              volume.driver_opts = r.pairs(v, at, [](const std::string&) { return std::string(); });
            } else {
              fail(line_of(v), at, "is not supported");
            }
          });
        }
        volume_order.push_back(name);
        volumes[name] = std::move(volume);
      });
    } else {
      fail(line_of(value), key, "is not supported by Dokkerr");
    }
  });
  if (!has_services || services.empty()) fail(0, "services", "the file declares no service");

  // Every named volume and network a service uses is declared; "default" is made on demand.
  bool uses_default = false;
  for (const auto& service : services) {
    const auto path = "services." + service.name;
    for (const auto& mount : service.mounts) {
      if (mount.type == Mount::Type::volume && !mount.source.empty() &&
          !volumes.contains(mount.source)) {
        fail(service.line, path + ".volumes",
             "the volume " + mount.source + " is not declared under the top-level volumes:");
      }
    }
    for (const auto& network : service.networks) {
      if (network.key == "default" && !networks.contains("default")) {
        uses_default = true;
      } else if (!networks.contains(network.key)) {
        fail(service.line, path + ".networks",
             "the network " + network.key + " is not declared under the top-level networks:");
      }
    }
  }
  if (uses_default) {
    NetworkSpec fallback;
    fallback.key = "default";
    fallback.name = inputs.project + "_default";
    network_order.insert(network_order.begin(), "default");
    networks["default"] = std::move(fallback);
  }
  for (const auto& key : network_order) project.networks.push_back(networks.at(key));
  for (const auto& key : volume_order) project.volumes.push_back(volumes.at(key));
  project.services = in_dependency_order(std::move(services));
  return project;
}

}  // namespace dokkerr::stacks
