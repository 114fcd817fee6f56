#include "policy/rule_support.hpp"

#include "core/error.hpp"
#include "core/json_path.hpp"
#include "core/strict_json.hpp"
#include "policy/policy.hpp"

#include <array>

namespace dokkerr::policy::detail {
namespace {

namespace bj = boost::json;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// "/a//b/./c/../d" -> "/a/b/d"; relative input is taken from the root, as the engine would
// refuse it anyway and the root is the most exposing reading.
std::string normalize_host_path(std::string_view path) {
  std::vector<std::string_view> parts;
  for (auto part : split(path, '/')) {
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      if (!parts.empty()) {
        parts.pop_back();
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (auto part : parts) {
    out += '/';
    out += part;
  }
  return out.empty() ? "/" : out;
}

bool is_within(std::string_view path, std::string_view dir) {
  return dir == "/" || path == dir ||
         (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

}  // namespace

void deny(const std::string& detail) {
  throw Error(ErrorKind::forbidden, "policy_denied", detail);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  for (const auto& item : list) {
    if (item == value) {
      return true;
    }
  }
  return false;
}

bj::object parse_body(std::string_view body, const Type& type) {
  auto parsed = parse_strict(body);
  if (!parsed.is_object()) {
    throw Error::invalid("invalid_body", "The request body must be a JSON object.");
  }
  return std::move(canonicalize(parsed, type).as_object());
}

const bj::value* member(const bj::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  return (value == nullptr || value->is_null()) ? nullptr : value;
}

const bj::object* object_member(const bj::object& object, std::string_view name) {
  const auto* value = member(object, name);
  return value == nullptr ? nullptr : &value->as_object();
}

const bj::array* array_member(const bj::object& object, std::string_view name) {
  const auto* value = member(object, name);
  return value == nullptr ? nullptr : &value->as_array();
}

std::string_view string_member(const bj::object& object, std::string_view name) {
  const auto* value = member(object, name);
  return value == nullptr ? std::string_view{} : std::string_view(value->as_string());
}

bool bool_member(const bj::object& object, std::string_view name) {
  const auto* value = member(object, name);
  return value != nullptr && value->as_bool();
}

std::string_view map_string(const bj::value& value) {
  return value.is_string() ? std::string_view(value.as_string()) : std::string_view{};
}

void check_reserved_labels(const bj::object* labels, std::string_view path) {
  if (labels == nullptr) {
    return;
  }
  for (const auto& label : *labels) {
    if (lower(trim(label.key())).starts_with(kReservedLabelPrefix)) {
      std::string where(path);
      append_key(where, label.key());
      throw Error::invalid("reserved_label", "Label '" + where + "' uses the prefix " +
                                                 std::string(kReservedLabelPrefix) +
                                                 ", which is reserved for Dokkerr.");
    }
  }
}

void add_team_label(bj::object& body, std::string_view team_id) {
  if (team_id.empty()) {
    return;
  }
  auto& labels = body["Labels"];
  if (!labels.is_object()) {
    labels = bj::object(body.storage());
  }
  labels.as_object()[kTeamLabel] = team_id;
}

bool is_plain_volume_name(std::string_view text) {
  if (text.empty() || !is_alnum(text.front())) {
    return false;
  }
  for (char c : text) {
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

bool looks_like_path(std::string_view text) {
  return text.find_first_of("/\\") != std::string_view::npos || text.starts_with('.') ||
         text.starts_with('~');
}

bool reaches_engine_socket(std::string_view host_path) {
  const auto raw = lower(host_path);
  // Windows engines listen on this named pipe.
  if (raw.find("docker_engine") != std::string::npos) {
    return true;
  }
  const auto path = normalize_host_path(host_path);
  constexpr std::array<std::string_view, 4> kSockets = {
      "/var/run/docker.sock",
      "/run/docker.sock",
      "/var/run/containerd/containerd.sock",
      "/run/containerd/containerd.sock",
  };
  for (auto socket : kSockets) {
    if (is_within(socket, path)) {
      return true;  // the socket or a directory above it
    }
  }
  constexpr std::array<std::string_view, 5> kRuntimeDirs = {
      "/run/docker", "/var/run/docker", "/run/containerd", "/var/run/containerd", "/proc",
  };
  for (auto dir : kRuntimeDirs) {
    if (is_within(path, dir)) {
      return true;
    }
  }
  const auto name = lower(path.substr(path.rfind('/') + 1));
  return name.find("docker.sock") != std::string::npos ||
         name.find("containerd.sock") != std::string::npos;
}

void check_local_volume_options(const bj::object* options, const std::string& path,
                                bool allow_host) {
  if (options == nullptr) {
    return;
  }
  for (const auto& option : *options) {
    // The driver reads the keys exactly; matching them loosely here only refuses more.
    const auto key = lower(trim(option.key()));
    const auto value = map_string(option.value());
    std::string where = path;
    append_key(where, option.key());
    if (key == "device") {
      const auto device = trim(value);
      if (looks_like_path(device) && reaches_engine_socket(device)) {
        deny(where + " exposes the Docker engine socket.");
      }
      if (!allow_host && looks_like_path(device)) {
        deny(where + " names a host path or device, which is not allowed for this team.");
      }
    } else if (key == "o" && !allow_host) {
      for (auto item : split(value, ',')) {
        const auto equals = item.find('=');
        const auto name = lower(trim(item.substr(0, equals)));
        if (name == "bind" || name == "rbind") {
          deny(where + " asks for a bind mount, which is not allowed for this team.");
        }
        // Options such as overlay's lowerdir= name host directories.
        if (equals != std::string_view::npos && looks_like_path(trim(item.substr(equals + 1)))) {
          deny(where + " option '" + printable(trim(item.substr(0, equals))) +
               "' names a host path, which is not allowed for this team.");
        }
      }
    } else if (key == "type" && !allow_host) {
      // tmpfs is memory-backed; every other type mounts a host device, a host directory
      // (none, bind, overlay) or a network share reached from the host (nfs, cifs).
      const auto type = lower(trim(value));
      if (!type.empty() && type != "tmpfs") {
        deny(where + " '" + printable(value) + "' is not allowed for this team (only tmpfs).");
      }
    }
  }
}

std::string normalize_capability(std::string_view text) {
  auto name = upper(trim(text));
  if (name.starts_with("CAP_")) {
    name.erase(0, 4);
  }
  return name;
}

}  // namespace dokkerr::policy::detail
