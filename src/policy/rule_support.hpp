#pragma once
// Pieces shared by the container, volume and network rules. Values read here come from a body
// already canonicalized against the schema, so a present field has the type the schema says.
#include "core/json_path.hpp"
#include "core/strict_json.hpp"
#include "policy/docker_schema.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::policy::detail {

// How messages name places in a body, and the duplicate-refusing parse, from core.
using json::append_index;
using json::append_key;
using json::parse_strict;
using json::printable;

// Throws Error forbidden "policy_denied".
[[noreturn]] void deny(const std::string& detail);

std::string_view trim(std::string_view text);  // ASCII whitespace
std::string lower(std::string_view text);      // ASCII
std::string upper(std::string_view text);      // ASCII
std::vector<std::string_view> split(std::string_view text, char separator);
bool contains(const std::vector<std::string>& list, std::string_view value);

// Parses with parse_strict, requires an object at the top (invalid "invalid_body") and
// canonicalizes it against `type`.
boost::json::object parse_body(std::string_view body, const Type& type);

// Present and not null, else nullptr / "" / false.
const boost::json::value* member(const boost::json::object& object, std::string_view name);
const boost::json::object* object_member(const boost::json::object& object, std::string_view name);
const boost::json::array* array_member(const boost::json::object& object, std::string_view name);
std::string_view string_member(const boost::json::object& object, std::string_view name);
bool bool_member(const boost::json::object& object, std::string_view name);
// A string-map value; null counts as "" (Go leaves the string empty).
std::string_view map_string(const boost::json::value& value);

// Refuses (invalid "reserved_label") a key under io.dokkerr. in any case; `path` names the map.
void check_reserved_labels(const boost::json::object* labels, std::string_view path);
// Sets Labels[io.dokkerr.team] on `body` when team_id is not empty.
void add_team_label(boost::json::object& body, std::string_view team_id);

// A name the engine takes as a named volume rather than a host path: [A-Za-z0-9][A-Za-z0-9_.-]*.
bool is_plain_volume_name(std::string_view text);
// Anything that may be read as a host path: contains '/' or '\', or starts with '.' or '~'.
bool looks_like_path(std::string_view text);
// Whether a host path reaches the engine's (or containerd's) control socket: the socket itself,
// a directory above it, its runtime directories, or /proc (where /proc/<pid>/root reaches every
// host path). Lexical only: symlinks on the host cannot be seen from here.
bool reaches_engine_socket(std::string_view host_path);

// Options of the "local" volume driver (DriverOpts, a mount's DriverConfig.Options). Without
// allow_host, refuses what makes the engine mount host paths or devices: "o" with bind/rbind or
// a path-valued option, a "type" other than tmpfs, a "device" that is a path. The engine socket
// is refused either way.
void check_local_volume_options(const boost::json::object* options, const std::string& path,
                                bool allow_host);

// Trims, uppercases and drops a leading CAP_ ("cap_chown " -> "CHOWN").
std::string normalize_capability(std::string_view text);

}  // namespace dokkerr::policy::detail
