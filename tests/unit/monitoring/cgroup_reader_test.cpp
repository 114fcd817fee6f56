#include "monitoring/cgroup_reader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace dokkerr::monitoring {
namespace {

namespace fs = std::filesystem;

// A fixture tree standing for a host's / : the files a sample reads, as the kernel writes them.
class CgroupTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("dokkerr-cgroup-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& path, const std::string& text) {
    const auto full = root_ / path.substr(1);
    fs::create_directories(full.parent_path());
    std::ofstream(full) << text;
  }
  fs::path root_;
};

constexpr const char* kId = "25b07d35ab6d";
constexpr const char* kNetDev =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop "
    "fifo colls carrier compressed\n"
    "    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0 "
    "   0     0       0          0\n"
    "  eth0:    5000      40    1    0    0     0          0         0     3000      30    2    0 "
    "   0     0       0          0\n"
    "  eth1:     500       4    0    0    0     0          0         0      300       3    0    0 "
    "   0     0       0          0\n";

TEST_F(CgroupTree, ReadsACgroupV1ContainerWithItsNetworkNamespace) {
  const std::string dir = std::string("/docker/") + kId;
  write("/proc/self/mountinfo",
        "25 30 0:22 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs ro,mode=755\n"
        "31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
        "32 25 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
        "33 25 0:29 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
        "34 25 0:30 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio\n"
        "35 25 0:31 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
        "36 25 0:32 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
  write("/proc/4242/cgroup", "5:memory:" + dir + "\n4:cpu,cpuacct:" + dir + "\n3:pids:" + dir +
                                 "\n2:blkio:" + dir + "\n1:name=systemd:" + dir + "\n0::" + dir +
                                 "\n");
  write("/proc/4242/net/dev", kNetDev);
  const std::string cpu = "/sys/fs/cgroup/cpu,cpuacct" + dir;
  const std::string memory = "/sys/fs/cgroup/memory" + dir;
  write(cpu + "/cpuacct.usage", "38510863\n");
  write(cpu + "/cpu.stat", "nr_periods 10\nnr_throttled 2\nthrottled_time 7000\n");
  write(memory + "/memory.usage_in_bytes", "1839104\n");
  write(memory + "/memory.limit_in_bytes", "9223372036854771712\n");
  write(memory + "/memory.stat",
        "cache 1277952\nrss 53248\ninactive_file 100\n"
        "total_cache 1277952\ntotal_inactive_file 4096\n");
  write(memory + "/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
  write("/sys/fs/cgroup/pids" + dir + "/pids.current", "7\n");
  write("/sys/fs/cgroup/blkio" + dir + "/blkio.throttle.io_service_bytes",
        "8:0 Read 4096\n8:0 Write 8192\n8:0 Total 12288\n8:16 Read 100\nTotal 12388\n");

  const CgroupReader reader(root_.string());
  const auto files = reader.locate(4242);
  ASSERT_TRUE(files.has_value());
  EXPECT_EQ(files->layout, CgroupLayout::v1);
  EXPECT_EQ(files->memory_usage, root_.string() + memory + "/memory.usage_in_bytes");
  const auto sample = CgroupReader::read(*files, 1700000000123);
  ASSERT_TRUE(sample.has_value());
  EXPECT_EQ(sample->at_ms, 1700000000123);
  EXPECT_EQ(sample->cpu_ns, 38510863U);
  EXPECT_EQ(sample->cpu_throttled_ns, 7000U);
  EXPECT_EQ(sample->memory_bytes, 1839104U);
  EXPECT_EQ(sample->memory_limit, 0U) << "v1's page-counter maximum is no limit";
  EXPECT_EQ(sample->memory_cache, 4096U) << "the hierarchical total";
  EXPECT_EQ(sample->oom_kills, 3U);
  EXPECT_EQ(sample->pids, 7U);
  EXPECT_EQ(sample->block_read_bytes, 4196U);
  EXPECT_EQ(sample->block_write_bytes, 8192U);
  EXPECT_EQ(sample->net_rx_bytes, 5500U) << "every interface but lo";
  EXPECT_EQ(sample->net_tx_bytes, 3300U);
  EXPECT_EQ(sample->net_rx_packets, 44U);
  EXPECT_EQ(sample->net_tx_packets, 33U);
  EXPECT_EQ(sample->net_rx_errors, 1U);
  EXPECT_EQ(sample->net_tx_errors, 2U);

  // The container stopped: its cgroup is gone, and so is the sample.
  fs::remove_all(root_ / memory.substr(1));
  EXPECT_FALSE(CgroupReader::read(*files, 1).has_value());
}

TEST_F(CgroupTree, ReadsACgroupV2ContainerUnderANamespacedRoot) {
  const std::string dir = std::string("/system.slice/docker-") + kId + ".scope";
  // The mount shows the hierarchy from /system.slice (a cgroup namespace's view).
  write("/proc/self/mountinfo",
        "30 1 0:26 /system.slice /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 "
        "rw,nsdelegate,memory_recursiveprot\n");
  write("/proc/77/cgroup", "0::" + dir + "\n");
  write("/proc/77/net/dev", kNetDev);
  const std::string cg = "/sys/fs/cgroup/docker-" + std::string(kId) + ".scope";
  write(cg + "/cpu.stat",
        "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\nnr_periods 0\n"
        "nr_throttled 0\nthrottled_usec 12\n");
  write(cg + "/memory.current", "2097152\n");
  write(cg + "/memory.max", "536870912\n");
  write(cg + "/memory.stat", "anon 1048576\nfile 1048576\ninactive_file 65536\n");
  write(cg + "/memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n");
  write(cg + "/pids.current", "3\n");
  write(cg + "/io.stat",
        "8:0 rbytes=1000 wbytes=2000 rios=1 wios=2 dbytes=0 dios=0\n"
        "8:16 rbytes=10 wbytes=20 rios=1 wios=1 dbytes=0 dios=0\n");

  const CgroupReader reader(root_.string() + "/");
  const auto files = reader.locate(77);
  ASSERT_TRUE(files.has_value());
  EXPECT_EQ(files->layout, CgroupLayout::v2);
  const auto sample = CgroupReader::read(*files, 5);
  ASSERT_TRUE(sample.has_value());
  EXPECT_EQ(sample->cpu_ns, 2500000U);
  EXPECT_EQ(sample->cpu_throttled_ns, 12000U);
  EXPECT_EQ(sample->memory_bytes, 2097152U);
  EXPECT_EQ(sample->memory_limit, 536870912U);
  EXPECT_EQ(sample->memory_cache, 65536U);
  EXPECT_EQ(sample->oom_kills, 1U);
  EXPECT_EQ(sample->pids, 3U);
  EXPECT_EQ(sample->block_read_bytes, 1010U);
  EXPECT_EQ(sample->block_write_bytes, 2020U);
  EXPECT_EQ(sample->net_rx_bytes, 5500U);

  write(cg + "/memory.max", "max\n");
  EXPECT_EQ(CgroupReader::read(*files, 6)->memory_limit, 0U) << "v2's 'max' is no limit";
}

TEST_F(CgroupTree, AProcessOutsideWhatTheMountsShowOrGoneIsNotLocated) {
  write("/proc/self/mountinfo", "30 1 0:26 /system.slice /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  write("/proc/5/cgroup", "0:://user.slice/other\n");
  const CgroupReader reader(root_.string());
  EXPECT_FALSE(reader.locate(5).has_value()) << "outside the mount's root";
  EXPECT_FALSE(reader.locate(6).has_value()) << "no such process";
  EXPECT_FALSE(reader.locate(0).has_value());
  EXPECT_FALSE(reader.locate(-1).has_value());
}

TEST(CgroupParsers, HostileTextGivesWhatCanBeReadAndNeverThrows) {
  EXPECT_EQ(single_number("  42\n"), 42U);
  EXPECT_FALSE(single_number("max\n").has_value());
  EXPECT_FALSE(single_number("").has_value());
  EXPECT_FALSE(single_number("12abc").has_value());
  EXPECT_FALSE(single_number("-5").has_value());
  EXPECT_EQ(keyed_value("a 1\nb 2\n", "b"), 2U);
  EXPECT_FALSE(keyed_value("a 1\nbb 2\n", "b").has_value());
  EXPECT_EQ(keyed_value("b\n", "b"), 0U);
  CounterSample sample;
  add_net_dev("garbage\n: 1 2\nlo: 9 9 9 9 9 9 9 9 9 9 9\neth0: 1\n\n", sample);
  EXPECT_EQ(sample.net_rx_bytes, 1U);
  add_blkio_v1("8:0 Read\nRead 5 6\n8:0 Write 99999999999999999999999\n", sample);
  add_io_v2("8:0 rbytes= wbytes=x rbytes=7\n", sample);
  EXPECT_EQ(sample.block_read_bytes, 7U);
  EXPECT_TRUE(parse_mountinfo("no dash here\n - cgroup\n1 2 3\n").empty());
  const auto mounts =
      parse_mountinfo("1 2 0:1 / /sys/fs/cgroup/my\\040cg rw - cgroup cgroup rw,memory,name=x\n");
  ASSERT_EQ(mounts.size(), 1U);
  EXPECT_EQ(mounts[0].mount_point, "/sys/fs/cgroup/my cg");
  EXPECT_EQ(mounts[0].controllers, std::vector<std::string>{"memory"});
  EXPECT_FALSE(locate_cgroups("::::\n0\n:memory\n", mounts, "", 1).has_value());
}

TEST(CgroupReaderOnThisHost, ReadsThisProcess) {
  // The test's own process: whatever this host's layout, a sample with CPU time in it.
  const CgroupReader reader;
  const auto files = reader.locate(::getpid());
  if (!files) GTEST_SKIP() << "no cgroup mount visible here";
  const auto sample = CgroupReader::read(*files, 1);
  ASSERT_TRUE(sample.has_value());
  EXPECT_GT(sample->memory_bytes, 0U);
}

}  // namespace
}  // namespace dokkerr::monitoring
