#include "containers/container_stats.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace dokkerr::containers {
namespace {

boost::json::object parse(std::string_view text) {
  return boost::json::parse(text).as_object();
}

TEST(CompactStats, ComputesCpuAsTheCliDoesAndMemoryWithoutThePageCache) {
  const auto stats = parse(R"({
    "read": "2026-12-06T10:00:01Z",
    "cpu_stats": {"cpu_usage": {"total_usage": 3000000000}, "system_cpu_usage": 20000000000,
                  "online_cpus": 2},
    "precpu_stats": {"cpu_usage": {"total_usage": 2000000000}, "system_cpu_usage": 18000000000},
    "memory_stats": {"usage": 104857600, "limit": 536870912, "stats": {"inactive_file": 4857600}},
    "networks": {"eth0": {"rx_bytes": 100, "tx_bytes": 50}, "eth1": {"rx_bytes": 1, "tx_bytes": 2}},
    "blkio_stats": {"io_service_bytes_recursive": [
      {"op": "Read", "value": 4096}, {"op": "write", "value": 8192}, {"op": "Total", "value": 1}]},
    "pids_stats": {"current": 3}
  })");
  const auto out = compact_stats(stats);
  // (1e9 / 2e9) × 2 cpus × 100
  EXPECT_DOUBLE_EQ(out.at("cpu_percent").as_double(), 100.0);
  EXPECT_DOUBLE_EQ(out.at("memory_bytes").as_double(), 100000000.0);
  EXPECT_DOUBLE_EQ(out.at("memory_limit_bytes").as_double(), 536870912.0);
  EXPECT_DOUBLE_EQ(out.at("network_rx_bytes").as_double(), 101.0);
  EXPECT_DOUBLE_EQ(out.at("network_tx_bytes").as_double(), 52.0);
  EXPECT_DOUBLE_EQ(out.at("block_read_bytes").as_double(), 4096.0);
  EXPECT_DOUBLE_EQ(out.at("block_write_bytes").as_double(), 8192.0);
  EXPECT_DOUBLE_EQ(out.at("pids").as_double(), 3.0);
  EXPECT_EQ(out.at("read").as_string(), "2026-12-06T10:00:01Z");
}

TEST(CompactStats, CgroupV1NamesAndPerCpuCounts) {
  const auto out = compact_stats(parse(R"({
    "cpu_stats": {"cpu_usage": {"total_usage": 200, "percpu_usage": [1, 1, 1, 1]},
                  "system_cpu_usage": 1000},
    "precpu_stats": {"cpu_usage": {"total_usage": 100}, "system_cpu_usage": 800},
    "memory_stats": {"usage": 1000, "stats": {"total_inactive_file": 1200}}
  })"));
  EXPECT_DOUBLE_EQ(out.at("cpu_percent").as_double(), 200.0);  // 100/200 × 4 × 100
  EXPECT_DOUBLE_EQ(out.at("memory_bytes").as_double(), 0.0) << "never negative";
  EXPECT_TRUE(out.at("memory_limit_bytes").is_null());
}

TEST(CompactStats, TheFirstSampleAndHostileDocumentsGiveNullsNotCrashes) {
  // The first sample of a stream has no previous reading: no CPU figure yet.
  auto out = compact_stats(parse(R"({"cpu_stats": {"cpu_usage": {"total_usage": 5},
    "system_cpu_usage": 10}, "precpu_stats": {}})"));
  EXPECT_TRUE(out.at("cpu_percent").is_null());
  for (const auto* text : {
           R"({})",
           R"({"cpu_stats": "x", "precpu_stats": [], "memory_stats": 5, "networks": [1]})",
           R"({"networks": {"eth0": "x", "eth1": {"rx_bytes": "9"}}, "blkio_stats":
               {"io_service_bytes_recursive": [1, {"op": 5}, {"op": "read", "value": "x"}]}})",
           R"({"cpu_stats": {"cpu_usage": {"total_usage": 1}, "system_cpu_usage": 5},
               "precpu_stats": {"cpu_usage": {"total_usage": 2}, "system_cpu_usage": 5}})",
           R"({"read": 5, "pids_stats": {"current": -1}})",
       }) {
    out = compact_stats(parse(text));
    EXPECT_TRUE(out.at("cpu_percent").is_null()) << text;
    EXPECT_DOUBLE_EQ(out.at("network_rx_bytes").as_double(), 0.0) << text;
  }
}

}  // namespace
}  // namespace dokkerr::containers
