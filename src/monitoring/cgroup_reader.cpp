#include "monitoring/cgroup_reader.hpp"

#include <array>
#include <cerrno>
#include <charconv>
#include <fcntl.h>
#include <unistd.h>

namespace dokkerr::monitoring {
namespace {

// The largest file a sample reads is memory.stat (about 1.5 KiB on v1, 3 KiB on v2) or net/dev
// with many interfaces; what does not fit is cut, which only drops trailing keys.
constexpr std::size_t kSampleFileBytes = 8192;
constexpr std::size_t kMountinfoBytes = 256 * 1024;
// v1 reports "no limit" as the page counter's maximum (PAGE_COUNTER_MAX pages).
constexpr std::uint64_t kUnlimitedFrom = std::uint64_t{1} << 62;

// The whole of a small kernel file into `buffer`; nullopt when it cannot be opened or read.
std::optional<std::string_view> read_file(const std::string& path, char* buffer,
                                          std::size_t capacity) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::size_t used = 0;
  while (used < capacity) {
    const auto n = ::read(fd, buffer + used, capacity - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return std::string_view(buffer, used);
}

std::uint64_t to_number(std::string_view text) {
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// Splits off the next line (without its '\n').
std::string_view next_line(std::string_view& text) {
  const auto end = text.find('\n');
  const auto line = text.substr(0, end);
  text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  return line;
}

// Splits off the next field separated by runs of blanks.
std::string_view next_field(std::string_view& text) {
  const auto start = text.find_first_not_of(" \t\n");
  if (start == std::string_view::npos) {
    text = {};
    return {};
  }
  text.remove_prefix(start);
  const auto end = text.find_first_of(" \t\n");
  const auto field = text.substr(0, end);
  text.remove_prefix(end == std::string_view::npos ? text.size() : end);
  return field;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool octal =
        text[i] == '\\' && i + 3 < text.size() &&
        text.substr(i + 1, 3).find_first_not_of("01234567") == std::string_view::npos;
    if (octal) {
      out.push_back(static_cast<char>(((text[i + 1] - '0') << 6) | ((text[i + 2] - '0') << 3) |
                                      (text[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// The directory of cgroup `path` (as /proc/<pid>/cgroup writes it) under `mount`, or "" when
// the path lies outside what the mount shows.
std::string directory_in(const CgroupMount& mount, std::string_view path) {
  std::string_view root = mount.root;
  if (root == "/") root = {};
  if (!path.starts_with(root)) return {};
  auto rest = path.substr(root.size());
  if (!rest.empty() && rest.front() != '/') return {};
  return mount.mount_point + std::string(rest);
}

const CgroupMount* v1_mount_with(const std::vector<CgroupMount>& mounts,
                                 std::string_view controller) {
  for (const auto& mount : mounts) {
    if (mount.v2) continue;
    for (const auto& c : mount.controllers) {
      if (c == controller) return &mount;
    }
  }
  return nullptr;
}

bool lists(std::string_view controllers, std::string_view controller) {
  while (!controllers.empty()) {
    const auto comma = controllers.find(',');
    if (controllers.substr(0, comma) == controller) return true;
    controllers.remove_prefix(comma == std::string_view::npos ? controllers.size() : comma + 1);
  }
  return false;
}

}  // namespace

std::vector<CgroupMount> parse_mountinfo(std::string_view text) {
  std::vector<CgroupMount> mounts;
  while (!text.empty()) {
    auto line = next_line(text);
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    const auto dash = line.find(" - ");
    if (dash == std::string_view::npos) continue;
    auto head = line.substr(0, dash);
    auto tail = line.substr(dash + 3);
    next_field(head);
    next_field(head);
    next_field(head);
    const auto root = next_field(head);
    const auto mount_point = next_field(head);
    const auto type = next_field(tail);
    next_field(tail);
    auto options = next_field(tail);
    if (root.empty() || mount_point.empty()) continue;
    CgroupMount mount;
    mount.root = unescape(root);
    mount.mount_point = unescape(mount_point);
    if (type == "cgroup2") {
      mount.v2 = true;
    } else if (type == "cgroup") {
      while (!options.empty()) {
        const auto comma = options.find(',');
        const auto option = options.substr(0, comma);
        if (option != "rw" && option != "ro" && !option.starts_with("name=") &&
            !option.starts_with("release_agent") && option != "clone_children" &&
            option != "noprefix" && option != "xattr") {
          mount.controllers.emplace_back(option);
        }
        options.remove_prefix(comma == std::string_view::npos ? options.size() : comma + 1);
      }
    } else {
      continue;
    }
    mounts.push_back(std::move(mount));
  }
  return mounts;
}

std::optional<CgroupFiles> locate_cgroups(std::string_view proc_cgroup,
                                          const std::vector<CgroupMount>& mounts,
                                          const std::string& root, std::int64_t pid) {
  std::string v1_dirs[5];  // cpu, cpuacct, memory, pids, blkio
  constexpr std::array<std::string_view, 5> kControllers{"cpu", "cpuacct", "memory", "pids",
                                                         "blkio"};
  std::string unified;
  bool v1_memory = false;
  while (!proc_cgroup.empty()) {
    const auto line = next_line(proc_cgroup);
    const auto first = line.find(':');
    const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const auto controllers = line.substr(first + 1, second - first - 1);
    const auto path = line.substr(second + 1);
    if (line.substr(0, first) == "0" && controllers.empty()) {
      for (const auto& mount : mounts) {
        if (mount.v2) {
          unified = directory_in(mount, path);
          break;
        }
      }
      continue;
    }
    for (std::size_t i = 0; i < kControllers.size(); ++i) {
      if (!lists(controllers, kControllers[i])) continue;
      if (const auto* mount = v1_mount_with(mounts, kControllers[i])) {
        v1_dirs[i] = directory_in(*mount, path);
        if (i == 2 && !v1_dirs[i].empty()) v1_memory = true;
      }
    }
  }
  const auto net = root + "/proc/" + std::to_string(pid) + "/net/dev";
  CgroupFiles files;
  if (v1_memory) {
    // A controller the host does not mount leaves its files unread (zeros), not the sample.
    const auto in = [&root](const std::string& dir, std::string_view name) {
      return dir.empty() ? std::string() : root + dir + "/" + std::string(name);
    };
    files.layout = CgroupLayout::v1;
    files.cpu_usage = in(v1_dirs[1], "cpuacct.usage");
    files.cpu_stat = in(v1_dirs[0], "cpu.stat");
    files.memory_usage = in(v1_dirs[2], "memory.usage_in_bytes");
    files.memory_limit = in(v1_dirs[2], "memory.limit_in_bytes");
    files.memory_stat = in(v1_dirs[2], "memory.stat");
    files.memory_events = in(v1_dirs[2], "memory.oom_control");
    files.pids = in(v1_dirs[3], "pids.current");
    files.io = in(v1_dirs[4], "blkio.throttle.io_service_bytes");
    files.net_dev = net;
    return files;
  }
  if (unified.empty()) return std::nullopt;
  const auto dir = root + unified + "/";
  files.layout = CgroupLayout::v2;
  files.cpu_usage = dir + "cpu.stat";
  files.cpu_stat = files.cpu_usage;
  files.memory_usage = dir + "memory.current";
  files.memory_limit = dir + "memory.max";
  files.memory_stat = dir + "memory.stat";
  files.memory_events = dir + "memory.events";
  files.pids = dir + "pids.current";
  files.io = dir + "io.stat";
  files.net_dev = net;
  return files;
}

std::optional<std::uint64_t> keyed_value(std::string_view text, std::string_view key) {
  while (!text.empty()) {
    auto line = next_line(text);
    if (next_field(line) == key) return to_number(next_field(line));
  }
  return std::nullopt;
}

std::optional<std::uint64_t> single_number(std::string_view text) {
  auto rest = text;
  const auto field = next_field(rest);
  if (field.empty() || field == "max") return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (error != std::errc() || end != field.data() + field.size()) return std::nullopt;
  return value;
}

void add_blkio_v1(std::string_view text, CounterSample& sample) {
  while (!text.empty()) {
    auto line = next_line(text);
    const auto device = next_field(line);
    const auto op = next_field(line);
    const auto value = to_number(next_field(line));
    if (device.empty() || device == "Total") continue;
    if (op == "Read") sample.block_read_bytes += value;
    if (op == "Write") sample.block_write_bytes += value;
  }
}

void add_io_v2(std::string_view text, CounterSample& sample) {
  while (!text.empty()) {
    auto line = next_line(text);
    next_field(line);  // the device
    for (auto field = next_field(line); !field.empty(); field = next_field(line)) {
      if (field.starts_with("rbytes=")) sample.block_read_bytes += to_number(field.substr(7));
      if (field.starts_with("wbytes=")) sample.block_write_bytes += to_number(field.substr(7));
    }
  }
}

void add_net_dev(std::string_view text, CounterSample& sample) {
  while (!text.empty()) {
    auto line = next_line(text);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // the two header lines
    auto name = line.substr(0, colon);
    name.remove_prefix(std::min(name.size(), name.find_first_not_of(' ')));
    if (name.empty() || name == "lo") continue;
    auto fields = line.substr(colon + 1);
    // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets
    // errs ...
    std::uint64_t values[11] = {};
    for (auto& value : values) value = to_number(next_field(fields));
    sample.net_rx_bytes += values[0];
    sample.net_rx_packets += values[1];
    sample.net_rx_errors += values[2];
    sample.net_tx_bytes += values[8];
    sample.net_tx_packets += values[9];
    sample.net_tx_errors += values[10];
  }
}

CgroupReader::CgroupReader(std::string root) : root_(std::move(root)) {
  while (!root_.empty() && root_.back() == '/') root_.pop_back();
  std::string buffer(kMountinfoBytes, '\0');
  if (const auto text = read_file(root_ + "/proc/self/mountinfo", buffer.data(), buffer.size())) {
    mounts_ = parse_mountinfo(*text);
  }
}

std::optional<CgroupFiles> CgroupReader::locate(std::int64_t pid) const {
  if (pid <= 0 || mounts_.empty()) return std::nullopt;
  std::array<char, kSampleFileBytes> buffer{};
  const auto text =
      read_file(root_ + "/proc/" + std::to_string(pid) + "/cgroup", buffer.data(), buffer.size());
  if (!text) return std::nullopt;
  return locate_cgroups(*text, mounts_, root_, pid);
}

std::optional<CounterSample> CgroupReader::read(const CgroupFiles& files, std::int64_t at_ms) {
  std::array<char, kSampleFileBytes> buffer{};
  const auto file = [&buffer](const std::string& path) -> std::optional<std::string_view> {
    if (path.empty()) return std::nullopt;
    return read_file(path, buffer.data(), buffer.size());
  };
  CounterSample sample;
  sample.at_ms = at_ms;
  // The memory usage file is the sample's witness: when it is gone, so is the container.
  const auto usage = file(files.memory_usage);
  if (!usage) return std::nullopt;
  sample.memory_bytes = single_number(*usage).value_or(0);
  if (const auto limit = file(files.memory_limit)) {
    const auto value = single_number(*limit).value_or(0);
    sample.memory_limit = value >= kUnlimitedFrom ? 0 : value;
  }
  const bool v1 = files.layout == CgroupLayout::v1;
  if (const auto stat = file(files.memory_stat)) {
    auto inactive = v1 ? keyed_value(*stat, "total_inactive_file") : std::nullopt;
    if (!inactive) inactive = keyed_value(*stat, "inactive_file");
    sample.memory_cache = inactive.value_or(0);
  }
  if (const auto events = file(files.memory_events)) {
    sample.oom_kills = keyed_value(*events, "oom_kill").value_or(0);
  }
  if (v1) {
    if (const auto usage_ns = file(files.cpu_usage)) {
      sample.cpu_ns = single_number(*usage_ns).value_or(0);
    }
    if (const auto stat = file(files.cpu_stat)) {
      sample.cpu_throttled_ns = keyed_value(*stat, "throttled_time").value_or(0);
    }
  } else if (const auto stat = file(files.cpu_usage)) {
    sample.cpu_ns = keyed_value(*stat, "usage_usec").value_or(0) * 1000;
    sample.cpu_throttled_ns = keyed_value(*stat, "throttled_usec").value_or(0) * 1000;
  }
  if (const auto pids = file(files.pids)) sample.pids = single_number(*pids).value_or(0);
  if (const auto io = file(files.io)) {
    if (v1) {
      add_blkio_v1(*io, sample);
    } else {
      add_io_v2(*io, sample);
    }
  }
  // The init process's view of its network namespace: gone with that process, which means a
  // restart (a new pid to find) or a stop, not a container without traffic.
  if (!files.net_dev.empty()) {
    const auto net = file(files.net_dev);
    if (!net) return std::nullopt;
    add_net_dev(*net, sample);
  }
  return sample;
}

}  // namespace dokkerr::monitoring
