#include "policy/docker_schema.hpp"

#include "core/error.hpp"
#include "core/json_path.hpp"
#include "policy/rule_support.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <array>
#include <vector>

namespace dokkerr::policy::detail {
namespace {

namespace bj = boost::json;

constexpr Type scalar(Kind kind) {
  return Type{kind, nullptr, {}};
}
constexpr Type list_of(const Type& element) {
  return Type{Kind::list, &element, {}};
}
constexpr Type map_of(const Type& element) {
  return Type{Kind::map, &element, {}};
}
constexpr Type structure(std::span<const Field> fields) {
  return Type{Kind::structure, nullptr, fields};
}

template <std::size_t A, std::size_t B>
constexpr std::array<Field, A + B> concat(const std::array<Field, A>& a,
                                          const std::array<Field, B>& b) {
  std::array<Field, A + B> out{};
  for (std::size_t i = 0; i < A; ++i) {
    out[i] = a[i];
  }
  for (std::size_t i = 0; i < B; ++i) {
    out[A + i] = b[i];
  }
  return out;
}

// The field lists follow the API 1.41 reference (api/swagger.yaml of Docker 20.10), which is what
// the engine's Go structs of that release decode.

constexpr Type kBool = scalar(Kind::boolean);
constexpr Type kInt = scalar(Kind::integer);
constexpr Type kString = scalar(Kind::string);
constexpr Type kStrSlice = scalar(Kind::str_slice);
constexpr Type kStringList = list_of(kString);
constexpr Type kStringListList = list_of(kStringList);
constexpr Type kIntList = list_of(kInt);
constexpr Type kStringMap = map_of(kString);
// Go's struct{} (values of ExposedPorts and Volumes): an object without fields.
constexpr Type kEmpty = structure({});
constexpr Type kEmptyMap = map_of(kEmpty);

constexpr auto kWeightDeviceFields = std::to_array<Field>({{"Path", &kString}, {"Weight", &kInt}});
constexpr Type kWeightDevice = structure(kWeightDeviceFields);
constexpr Type kWeightDeviceList = list_of(kWeightDevice);

constexpr auto kThrottleDeviceFields = std::to_array<Field>({{"Path", &kString}, {"Rate", &kInt}});
constexpr Type kThrottleDevice = structure(kThrottleDeviceFields);
constexpr Type kThrottleDeviceList = list_of(kThrottleDevice);

constexpr auto kDeviceMappingFields = std::to_array<Field>({
    {"PathOnHost", &kString},
    {"PathInContainer", &kString},
    {"CgroupPermissions", &kString},
});
constexpr Type kDeviceMapping = structure(kDeviceMappingFields);
constexpr Type kDeviceMappingList = list_of(kDeviceMapping);

constexpr auto kDeviceRequestFields = std::to_array<Field>({
    {"Driver", &kString},
    {"Count", &kInt},
    {"DeviceIDs", &kStringList},
    {"Capabilities", &kStringListList},
    {"Options", &kStringMap},
});
constexpr Type kDeviceRequest = structure(kDeviceRequestFields);
constexpr Type kDeviceRequestList = list_of(kDeviceRequest);

constexpr auto kUlimitFields =
    std::to_array<Field>({{"Name", &kString}, {"Soft", &kInt}, {"Hard", &kInt}});
constexpr Type kUlimit = structure(kUlimitFields);
constexpr Type kUlimitList = list_of(kUlimit);

constexpr auto kRestartPolicyFields =
    std::to_array<Field>({{"Name", &kString}, {"MaximumRetryCount", &kInt}});
constexpr Type kRestartPolicy = structure(kRestartPolicyFields);

constexpr auto kResourcesFields = std::to_array<Field>({
    {"CpuShares", &kInt},
    {"Memory", &kInt},
    {"CgroupParent", &kString},
    {"BlkioWeight", &kInt},
    {"BlkioWeightDevice", &kWeightDeviceList},
    {"BlkioDeviceReadBps", &kThrottleDeviceList},
    {"BlkioDeviceWriteBps", &kThrottleDeviceList},
    {"BlkioDeviceReadIOps", &kThrottleDeviceList},
    {"BlkioDeviceWriteIOps", &kThrottleDeviceList},
    {"CpuPeriod", &kInt},
    {"CpuQuota", &kInt},
    {"CpuRealtimePeriod", &kInt},
    {"CpuRealtimeRuntime", &kInt},
    {"CpusetCpus", &kString},
    {"CpusetMems", &kString},
    {"Devices", &kDeviceMappingList},
    {"DeviceCgroupRules", &kStringList},
    {"DeviceRequests", &kDeviceRequestList},
    {"KernelMemory", &kInt},
    {"KernelMemoryTCP", &kInt},
    {"MemoryReservation", &kInt},
    {"MemorySwap", &kInt},
    {"MemorySwappiness", &kInt},
    {"NanoCpus", &kInt},
    {"OomKillDisable", &kBool},
    {"Init", &kBool},
    {"PidsLimit", &kInt},
    {"Ulimits", &kUlimitList},
    {"CpuCount", &kInt},
    {"CpuPercent", &kInt},
    {"IOMaximumIOps", &kInt},
    {"IOMaximumBandwidth", &kInt},
});

constexpr auto kLogConfigFields =
    std::to_array<Field>({{"Type", &kString}, {"Config", &kStringMap}});
constexpr Type kLogConfig = structure(kLogConfigFields);

constexpr auto kPortBindingFields =
    std::to_array<Field>({{"HostIp", &kString}, {"HostPort", &kString}});
constexpr Type kPortBinding = structure(kPortBindingFields);
constexpr Type kPortBindingList = list_of(kPortBinding);
constexpr Type kPortMap = map_of(kPortBindingList);

constexpr auto kBindOptionsFields =
    std::to_array<Field>({{"Propagation", &kString}, {"NonRecursive", &kBool}});
constexpr Type kBindOptions = structure(kBindOptionsFields);

constexpr auto kDriverConfigFields =
    std::to_array<Field>({{"Name", &kString}, {"Options", &kStringMap}});
constexpr Type kDriverConfig = structure(kDriverConfigFields);

constexpr auto kVolumeOptionsFields = std::to_array<Field>({
    {"NoCopy", &kBool},
    {"Labels", &kStringMap},
    {"DriverConfig", &kDriverConfig},
});
constexpr Type kVolumeOptions = structure(kVolumeOptionsFields);

constexpr auto kTmpfsOptionsFields = std::to_array<Field>({{"SizeBytes", &kInt}, {"Mode", &kInt}});
constexpr Type kTmpfsOptions = structure(kTmpfsOptionsFields);

constexpr auto kMountFields = std::to_array<Field>({
    {"Target", &kString},
    {"Source", &kString},
    {"Type", &kString},
    {"ReadOnly", &kBool},
    {"Consistency", &kString},
    {"BindOptions", &kBindOptions},
    {"VolumeOptions", &kVolumeOptions},
    {"TmpfsOptions", &kTmpfsOptions},
});
constexpr Type kMount = structure(kMountFields);
constexpr Type kMountList = list_of(kMount);

constexpr auto kHostOnlyFields = std::to_array<Field>({
    {"Binds", &kStringList},       {"ContainerIDFile", &kString},
    {"LogConfig", &kLogConfig},    {"NetworkMode", &kString},
    {"PortBindings", &kPortMap},   {"RestartPolicy", &kRestartPolicy},
    {"AutoRemove", &kBool},        {"VolumeDriver", &kString},
    {"VolumesFrom", &kStringList}, {"Mounts", &kMountList},
    {"CapAdd", &kStrSlice},        {"CapDrop", &kStrSlice},
    {"CgroupnsMode", &kString},    {"Dns", &kStringList},
    {"DnsOptions", &kStringList},  {"DnsSearch", &kStringList},
    {"ExtraHosts", &kStringList},  {"GroupAdd", &kStringList},
    {"IpcMode", &kString},         {"Cgroup", &kString},
    {"Links", &kStringList},       {"OomScoreAdj", &kInt},
    {"PidMode", &kString},         {"Privileged", &kBool},
    {"PublishAllPorts", &kBool},   {"ReadonlyRootfs", &kBool},
    {"SecurityOpt", &kStringList}, {"StorageOpt", &kStringMap},
    {"Tmpfs", &kStringMap},        {"UTSMode", &kString},
    {"UsernsMode", &kString},      {"ShmSize", &kInt},
    {"Sysctls", &kStringMap},      {"Runtime", &kString},
    {"ConsoleSize", &kIntList},    {"Isolation", &kString},
    {"MaskedPaths", &kStringList}, {"ReadonlyPaths", &kStringList},
});
constexpr auto kHostConfigFields = concat(kResourcesFields, kHostOnlyFields);
constexpr Type kHostConfig = structure(kHostConfigFields);

constexpr auto kEndpointIpamFields = std::to_array<Field>({
    {"IPv4Address", &kString},
    {"IPv6Address", &kString},
    {"LinkLocalIPs", &kStringList},
});
constexpr Type kEndpointIpam = structure(kEndpointIpamFields);

constexpr auto kEndpointSettingsFields = std::to_array<Field>({
    {"IPAMConfig", &kEndpointIpam},
    {"Links", &kStringList},
    {"Aliases", &kStringList},
    {"NetworkID", &kString},
    {"EndpointID", &kString},
    {"Gateway", &kString},
    {"IPAddress", &kString},
    {"IPPrefixLen", &kInt},
    {"IPv6Gateway", &kString},
    {"GlobalIPv6Address", &kString},
    {"GlobalIPv6PrefixLen", &kInt},
    {"MacAddress", &kString},
    {"DriverOpts", &kStringMap},
});
constexpr Type kEndpointSettings = structure(kEndpointSettingsFields);
constexpr Type kEndpointsConfig = map_of(kEndpointSettings);

constexpr auto kNetworkingConfigFields =
    std::to_array<Field>({{"EndpointsConfig", &kEndpointsConfig}});
constexpr Type kNetworkingConfig = structure(kNetworkingConfigFields);

constexpr auto kHealthConfigFields = std::to_array<Field>({
    {"Test", &kStringList},
    {"Interval", &kInt},
    {"Timeout", &kInt},
    {"Retries", &kInt},
    {"StartPeriod", &kInt},
});
constexpr Type kHealthConfig = structure(kHealthConfigFields);

constexpr auto kConfigFields = std::to_array<Field>({
    {"Hostname", &kString},          {"Domainname", &kString}, {"User", &kString},
    {"AttachStdin", &kBool},         {"AttachStdout", &kBool}, {"AttachStderr", &kBool},
    {"ExposedPorts", &kEmptyMap},    {"Tty", &kBool},          {"OpenStdin", &kBool},
    {"StdinOnce", &kBool},           {"Env", &kStringList},    {"Cmd", &kStrSlice},
    {"Healthcheck", &kHealthConfig}, {"ArgsEscaped", &kBool},  {"Image", &kString},
    {"Volumes", &kEmptyMap},         {"WorkingDir", &kString}, {"Entrypoint", &kStrSlice},
    {"NetworkDisabled", &kBool},     {"MacAddress", &kString}, {"OnBuild", &kStringList},
    {"Labels", &kStringMap},         {"StopSignal", &kString}, {"StopTimeout", &kInt},
    {"Shell", &kStrSlice},
});
// The engine of this release also reads HostConfig fields placed at the top level (a deprecated
// embedded struct) when "HostConfig" is absent; leaving them out here refuses that path.
constexpr auto kCreateFields = concat(
    kConfigFields,
    std::to_array<Field>({{"HostConfig", &kHostConfig}, {"NetworkingConfig", &kNetworkingConfig}}));
constexpr Type kCreate = structure(kCreateFields);

constexpr auto kUpdateFields =
    concat(kResourcesFields, std::to_array<Field>({{"RestartPolicy", &kRestartPolicy}}));
constexpr Type kUpdate = structure(kUpdateFields);

constexpr auto kVolumeCreateFields = std::to_array<Field>({
    {"Name", &kString},
    {"Driver", &kString},
    {"DriverOpts", &kStringMap},
    {"Labels", &kStringMap},
});
constexpr Type kVolumeCreate = structure(kVolumeCreateFields);

constexpr auto kIpamConfigFields = std::to_array<Field>({
    {"Subnet", &kString},
    {"IPRange", &kString},
    {"Gateway", &kString},
    {"AuxiliaryAddresses", &kStringMap},
});
constexpr Type kIpamConfig = structure(kIpamConfigFields);
constexpr Type kIpamConfigList = list_of(kIpamConfig);

constexpr auto kIpamFields = std::to_array<Field>({
    {"Driver", &kString},
    {"Config", &kIpamConfigList},
    {"Options", &kStringMap},
});
constexpr Type kIpam = structure(kIpamFields);

constexpr auto kNetworkCreateFields = std::to_array<Field>({
    {"Name", &kString},
    {"CheckDuplicate", &kBool},
    {"Driver", &kString},
    {"Internal", &kBool},
    {"Attachable", &kBool},
    {"Ingress", &kBool},
    {"IPAM", &kIpam},
    {"EnableIPv6", &kBool},
    {"Options", &kStringMap},
    {"Labels", &kStringMap},
});
constexpr Type kNetworkCreate = structure(kNetworkCreateFields);

Error wrong_type(const std::string& path, std::string_view expected) {
  return Error::invalid("invalid_body",
                        "Field '" + path + "' must be " + std::string(expected) + ".");
}

char ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

bj::value walk(const bj::value& value, const Type& type, std::string& path);

bj::value walk_structure(const bj::object& object, const Type& type, std::string& path) {
  bj::object out(object.storage());
  out.reserve(object.size());
  std::vector<std::string_view> seen_as(type.fields.size());
  for (const auto& member : object) {
    const std::string_view key = member.key();
    const Field* field = nullptr;
    std::size_t index = 0;
    for (; index < type.fields.size(); ++index) {
      if (fold_equal(key, type.fields[index].name)) {
        field = &type.fields[index];
        break;
      }
    }
    const auto size = path.size();
    append_key(path, key);
    if (field == nullptr) {
      throw Error::invalid("unknown_field",
                           "Field '" + path + "' is not part of the Docker Engine API 1.41.");
    }
    if (seen_as[index].data() != nullptr) {
      std::string earlier = path.substr(0, size);
      append_key(earlier, seen_as[index]);
      std::string detail = "Keys '";
      detail.append(earlier).append("' and '").append(path).append(
          "' name the same field; send it once.");
      throw Error::invalid("duplicate_key", std::move(detail));
    }
    seen_as[index] = key;
    auto canonical = walk(member.value(), *field->type, path);
    path.resize(size);
    out.emplace(field->name, std::move(canonical));
  }
  return out;
}

bj::value walk(const bj::value& value, const Type& type, std::string& path) {
  if (value.is_null()) {
    return value;
  }
  switch (type.kind) {
    case Kind::boolean:
      if (!value.is_bool()) {
        throw wrong_type(path, "a boolean");
      }
      return value;
    case Kind::integer:
      if (!value.is_int64() && !value.is_uint64()) {
        throw wrong_type(path, "an integer");
      }
      return value;
    case Kind::string:
      if (!value.is_string()) {
        throw wrong_type(path, "a string");
      }
      return value;
    case Kind::str_slice:
      if (value.is_string()) {
        return value;
      }
      [[fallthrough]];
    case Kind::list: {
      if (!value.is_array()) {
        throw wrong_type(path, type.kind == Kind::list ? "an array" : "a string or an array");
      }
      const Type& element = type.kind == Kind::list ? *type.element : kString;
      bj::array out(value.storage());
      out.reserve(value.as_array().size());
      std::size_t index = 0;
      for (const auto& item : value.as_array()) {
        const auto size = path.size();
        append_index(path, index++);
        out.push_back(walk(item, element, path));
        path.resize(size);
      }
      return out;
    }
    case Kind::map: {
      if (!value.is_object()) {
        throw wrong_type(path, "an object");
      }
      bj::object out(value.storage());
      out.reserve(value.as_object().size());
      for (const auto& member : value.as_object()) {
        const auto size = path.size();
        append_key(path, member.key());
        out.emplace(member.key(), walk(member.value(), *type.element, path));
        path.resize(size);
      }
      return out;
    }
    case Kind::structure:
      if (!value.is_object()) {
        throw wrong_type(path, "an object");
      }
      return walk_structure(value.as_object(), type, path);
  }
  throw Error::internal_error("policy: unhandled schema kind");
}

}  // namespace

bool fold_equal(std::string_view key, std::string_view field_name) {
  std::size_t k = 0;
  std::size_t f = 0;
  while (k < key.size() && f < field_name.size()) {
    const auto c = static_cast<unsigned char>(key[k]);
    char folded = 0;
    if (c < 0x80U) {
      folded = ascii_upper(static_cast<char>(c));
      k += 1;
    } else if (key.substr(k, 2) == "\xC5\xBF") {  // U+017F LATIN SMALL LETTER LONG S
      folded = 'S';
      k += 2;
    } else if (key.substr(k, 3) == "\xE2\x84\xAA") {  // U+212A KELVIN SIGN
      folded = 'K';
      k += 3;
    } else {
      return false;
    }
    if (folded != ascii_upper(field_name[f])) {
      return false;
    }
    ++f;
  }
  return k == key.size() && f == field_name.size();
}

const Type& container_create_type() {
  return kCreate;
}
const Type& container_update_type() {
  return kUpdate;
}
const Type& volume_create_type() {
  return kVolumeCreate;
}
const Type& network_create_type() {
  return kNetworkCreate;
}

bj::value canonicalize(const bj::value& value, const Type& type) {
  std::string path;
  return walk(value, type, path);
}

}  // namespace dokkerr::policy::detail
