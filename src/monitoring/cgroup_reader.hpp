#pragma once
// A container's resource counters read straight from the kernel: its cgroup's files (cgroup v1,
// one hierarchy per controller, or the v2 unified hierarchy) and its network namespace's
// /proc/<pid>/net/dev. The engine is asked only where to look (the container's init pid).
//
// Written by hand: no library here reads cgroup files, and the collector's cost per container
// is the point (bench/monitoring.sh). Every file is read with one open/read/close into a bounded
// buffer and parsed in place; nothing is cached between samples but the mount table.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::monitoring {

// Cumulative counters and gauges of one container at one moment, as the kernel reports them.
struct CounterSample {
  std::int64_t at_ms = 0;              // wall clock, milliseconds since the epoch
  std::uint64_t cpu_ns = 0;            // CPU time used, cumulative
  std::uint64_t cpu_throttled_ns = 0;  // time throttled by a CPU limit, cumulative
  std::uint64_t memory_bytes = 0;      // usage, page cache included
  std::uint64_t memory_limit = 0;      // 0: no limit
  std::uint64_t memory_cache = 0;      // inactive file pages (reclaimable)
  std::uint64_t oom_kills = 0;         // cumulative, where the kernel counts them
  std::uint64_t net_rx_bytes = 0, net_tx_bytes = 0;
  std::uint64_t net_rx_packets = 0, net_tx_packets = 0;
  std::uint64_t net_rx_errors = 0, net_tx_errors = 0;
  std::uint64_t block_read_bytes = 0, block_write_bytes = 0;
  std::uint64_t pids = 0;
};

enum class CgroupLayout { v1, v2 };

// The files one sample reads, found once per container (they do not move while it runs).
struct CgroupFiles {
  CgroupLayout layout = CgroupLayout::v1;
  std::string cpu_usage;      // v1 cpuacct.usage (ns); v2 cpu.stat (usage_usec)
  std::string cpu_stat;       // v1 cpu.stat (throttled_time ns); v2 the same cpu.stat
  std::string memory_usage;   // v1 memory.usage_in_bytes; v2 memory.current
  std::string memory_limit;   // v1 memory.limit_in_bytes; v2 memory.max
  std::string memory_stat;    // inactive_file (v1: total_inactive_file)
  std::string memory_events;  // v1 memory.oom_control; v2 memory.events (oom_kill)
  std::string pids;           // pids.current
  std::string io;             // v1 blkio.throttle.io_service_bytes; v2 io.stat
  std::string net_dev;        // /proc/<pid>/net/dev: the container's network namespace
};

// The cgroup mounts of this mount namespace (from /proc/self/mountinfo).
struct CgroupMount {
  std::string mount_point;
  std::string root;                      // the mount's root within its hierarchy ("/" mostly)
  std::vector<std::string> controllers;  // v1: cpu, cpuacct, memory, ...; empty for cgroup2
  bool v2 = false;
};

// Pure parsers over a file's text, exposed for the tests and the fuzz target. Malformed input
// yields what could be read (missing numbers stay 0), never an exception.
std::vector<CgroupMount> parse_mountinfo(std::string_view text);
// /proc/<pid>/cgroup ("hierarchy-id:controllers:path" lines) against the mounts: the files, under
// `root`, of that process; nullopt when its cgroups are not visible through these mounts.
std::optional<CgroupFiles> locate_cgroups(std::string_view proc_cgroup,
                                          const std::vector<CgroupMount>& mounts,
                                          const std::string& root, std::int64_t pid);
// "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control).
std::optional<std::uint64_t> keyed_value(std::string_view text, std::string_view key);
// v1 blkio.throttle.io_service_bytes: "8:0 Read 4096" lines, summed over devices.
void add_blkio_v1(std::string_view text, CounterSample& sample);
// v2 io.stat: "8:0 rbytes=4096 wbytes=0 ..." lines, summed over devices.
void add_io_v2(std::string_view text, CounterSample& sample);
// /proc/<pid>/net/dev: every interface but lo, summed.
void add_net_dev(std::string_view text, CounterSample& sample);
// A number file ("1234\n"); "max" (v2 for no limit) is nullopt.
std::optional<std::uint64_t> single_number(std::string_view text);

class CgroupReader {
 public:
  // `root` prefixes every absolute path read ("/" on a real host; a fixture tree in tests).
  explicit CgroupReader(std::string root = "");

  // Where the cgroup files of process `pid` are; nullopt when the process is gone or its cgroups
  // are not visible here (another mount namespace, no permission).
  [[nodiscard]] std::optional<CgroupFiles> locate(std::int64_t pid) const;
  // Reads one sample; nullopt when the cgroup or the init process is gone (the container stopped
  // or restarted). `at_ms` is the caller's clock.
  [[nodiscard]] static std::optional<CounterSample> read(const CgroupFiles& files,
                                                         std::int64_t at_ms);

 private:
  std::string root_;                 // without a trailing '/'; "" for the host's own root
  std::vector<CgroupMount> mounts_;  // read once: cgroup mounts do not move under a server
};

}  // namespace dokkerr::monitoring
