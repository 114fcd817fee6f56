#include "monitoring/collector.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/logger.hpp"
#include "monitoring/engine_stats.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace dokkerr::monitoring {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

template <class T>
T run(asio::io_context& ioc, asio::awaitable<T> aw) {
  auto done = asio::co_spawn(ioc, std::move(aw), asio::use_future);
  ioc.restart();
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (done.wait_for(0s) != std::future_status::ready &&
         std::chrono::steady_clock::now() < deadline) {
    ioc.run_for(20ms);
    if (ioc.stopped()) ioc.restart();
  }
  return done.get();
}

// Targets as a test sets them; engine samples from a table.
class FakeSource final : public TargetSource {
 public:
  asio::awaitable<Inventory> running() override { co_return inventory; }
  asio::awaitable<std::optional<TargetDetails>> details(const Target& target) override {
    ++details_asked[target.id];
    const auto found = pids.find(target.id);
    if (found == pids.end()) co_return std::nullopt;
    co_return TargetDetails{found->second, 0.5};
  }
  asio::awaitable<std::optional<CounterSample>> engine_sample(const Target& target,
                                                              std::int64_t at_ms) override {
    const auto found = engine.find(target.id);
    if (found == engine.end()) co_return std::nullopt;
    auto sample = found->second;
    sample.at_ms = at_ms;
    co_return sample;
  }
  Inventory inventory;
  std::map<std::string, std::int64_t> pids;
  std::map<std::string, CounterSample> engine;
  std::map<std::string, int> details_asked;
};

class CollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("dokkerr-collector-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    write("/proc/self/mountinfo",
          "31 25 0:27 / /cg/cpuacct rw - cgroup cgroup rw,cpuacct\n"
          "32 25 0:28 / /cg/memory rw - cgroup cgroup rw,memory\n");
    container("aaa", 101);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& path, const std::string& text) {
    const auto full = root_ / path.substr(1);
    fs::create_directories(full.parent_path());
    std::ofstream(full) << text;
  }
  void container(const std::string& id, std::int64_t pid) {
    write("/proc/" + std::to_string(pid) + "/cgroup",
          "2:cpuacct:/docker/" + id + "\n1:memory:/docker/" + id + "\n");
    write("/proc/" + std::to_string(pid) + "/net/dev", "h\nh\n  eth0: 10 1 0 0 0 0 0 0 20 2 0 0\n");
    cpu(id, 0);
    write("/cg/memory/docker/" + id + "/memory.usage_in_bytes", "4096\n");
    write("/cg/memory/docker/" + id + "/memory.limit_in_bytes", "8192\n");
    write("/cg/memory/docker/" + id + "/memory.stat", "total_inactive_file 1024\n");
  }
  void cpu(const std::string& id, std::uint64_t ns) {
    write("/cg/cpuacct/docker/" + id + "/cpuacct.usage", std::to_string(ns) + "\n");
  }
  Collector collector(FakeSource& source) {
    return Collector(
        ioc_.get_executor(), source, pool_, clock_, logger_, [] { return true; },
        CollectorSettings{1s, 4}, CgroupReader(root_.string()));
  }

  fs::path root_;
  asio::io_context ioc_;
  BlockingPool pool_{1};
  ManualClock clock_;
  Logger logger_{LogLevel::error};
};

Target local_target(const std::string& id) {
  return {"local", id, id + "-name", "team-a", true, ""};
}

TEST_F(CollectorTest, SamplesLocalContainersFromTheirCgroupsAndGivesRates) {
  FakeSource source;
  source.inventory = {{"local"}, {local_target("aaa")}};
  source.pids["aaa"] = 101;
  auto c = collector(source);
  run(ioc_, c.tick());
  auto latest = c.window().latest("local", "aaa");
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->current.memory_bytes, 4096U);
  EXPECT_EQ(latest->current.net_rx_bytes, 10U);
  EXPECT_EQ(latest->target.team, "team-a");
  EXPECT_FALSE(rates_of(*latest).cpu_percent.has_value()) << "one sample has no rate yet";
  EXPECT_TRUE(c.window().covers("local"));

  clock_.advance(1s);
  cpu("aaa", 250'000'000);  // a quarter of a core for one second
  run(ioc_, c.tick());
  latest = c.window().latest("local", "aaa");
  const auto rates = rates_of(*latest);
  ASSERT_TRUE(rates.cpu_percent.has_value());
  EXPECT_DOUBLE_EQ(*rates.cpu_percent, 25.0);
  EXPECT_DOUBLE_EQ(*rates.cpu_percent_of_limit, 50.0) << "of the 0.5-core limit";
  EXPECT_EQ(rates.memory_bytes, 3072U) << "without the inactive page cache";
  EXPECT_DOUBLE_EQ(*rates.memory_percent, 37.5);
  EXPECT_EQ(c.last_tick().from_cgroups, 1U);
  EXPECT_EQ(source.details_asked["aaa"], 1) << "located once per run";
}

TEST_F(CollectorTest, AskTheEngineForContainersNotOnThisHost) {
  FakeSource source;
  Target remote{"env-2", "bbb", "bbb", "", false, ""};
  source.inventory = {{"env-2"}, {remote}};
  source.pids["bbb"] = 0;
  CounterSample engine;
  engine.cpu_ns = 7;
  source.engine["bbb"] = engine;
  auto c = collector(source);
  run(ioc_, c.tick());
  ASSERT_TRUE(c.window().latest("env-2", "bbb").has_value());
  EXPECT_EQ(c.window().latest("env-2", "bbb")->current.cpu_ns, 7U);
  EXPECT_EQ(c.last_tick().from_engine, 1U);
}

TEST_F(CollectorTest, ARestartedContainerIsFoundAgainAndAGoneOneIsForgotten) {
  FakeSource source;
  source.inventory = {{"local"}, {local_target("aaa")}};
  source.pids["aaa"] = 101;
  auto c = collector(source);
  run(ioc_, c.tick());
  // Restarted: a new init pid; the old one's files are gone.
  fs::remove_all(root_ / "proc/101");
  source.pids["aaa"] = 202;
  container("aaa", 202);
  run(ioc_, c.tick());
  EXPECT_EQ(c.last_tick().failed, 1U);
  run(ioc_, c.tick());
  EXPECT_EQ(c.last_tick().from_cgroups, 1U);
  EXPECT_EQ(source.details_asked["aaa"], 2);

  // Stopped: not listed any more, its samples go; the environment is still watched.
  source.inventory = {{"local"}, {}};
  run(ioc_, c.tick());
  EXPECT_FALSE(c.window().latest("local", "aaa").has_value());
  EXPECT_TRUE(c.window().covers("local"));
  EXPECT_EQ(c.window().containers(), 0U);
}

TEST_F(CollectorTest, TheWindowKeepsTheNewestSamplesInOrder) {
  FakeSource source;
  source.inventory = {{"local"}, {local_target("aaa")}};
  source.pids["aaa"] = 101;
  auto c = collector(source);  // 4 samples a container
  const auto start =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
          .count();
  for (int i = 0; i < 6; ++i) {
    cpu("aaa", static_cast<std::uint64_t>(i) * 1000);
    run(ioc_, c.tick());
    clock_.advance(1s);
  }
  const auto kept = c.window().range("local", "aaa", start, start + 10'000);
  ASSERT_EQ(kept.size(), 4U);
  EXPECT_EQ(kept.front().cpu_ns, 2000U);
  EXPECT_EQ(kept.back().cpu_ns, 5000U);
  EXPECT_EQ(c.window().range("local", "aaa", start + 3000, start + 4000).size(), 2U);
}

TEST(EngineStats, CountersSurviveTheEnginesShapeAndTheCliComputesTheSamePercentage) {
  CounterSample previous;
  previous.at_ms = 1'700'000'000'000;
  previous.cpu_ns = 1'000'000'000;
  CounterSample current = previous;
  current.at_ms += 2000;
  current.cpu_ns += 500'000'000;  // 25 % of one core over 2 s
  current.memory_bytes = 10;
  current.memory_cache = 4;
  current.net_rx_bytes = 5;
  current.block_write_bytes = 6;
  current.pids = 2;
  const HostFacts host{4, 1 << 30};
  const auto doc = engine_stats_document(current, previous, host);
  const auto back = counters_from_engine_stats(doc, current.at_ms);
  EXPECT_EQ(back.cpu_ns, current.cpu_ns);
  EXPECT_EQ(back.memory_bytes, 10U);
  EXPECT_EQ(back.memory_limit, std::uint64_t{1} << 30) << "no limit reads as the host's memory";
  EXPECT_EQ(back.memory_cache, 4U);
  EXPECT_EQ(back.net_rx_bytes, 5U);
  EXPECT_EQ(back.block_write_bytes, 6U);
  EXPECT_EQ(back.pids, 2U);
  // The docker CLI's formula over this document.
  const auto& cpu = doc.at("cpu_stats").as_object();
  const auto& pre = doc.at("precpu_stats").as_object();
  const double cpu_delta = static_cast<double>(cpu.at("cpu_usage").at("total_usage").as_uint64() -
                                               pre.at("cpu_usage").at("total_usage").as_uint64());
  const double system_delta = static_cast<double>(cpu.at("system_cpu_usage").as_uint64() -
                                                  pre.at("system_cpu_usage").as_uint64());
  EXPECT_NEAR(cpu_delta / system_delta * 4 * 100, 25.0, 1e-9);
  EXPECT_EQ(doc.at("read").as_string(), "2023-11-14T22:13:22.000000000Z");
}

TEST(EngineStats, HostileDocumentsGiveZeros) {
  for (const auto* text : {R"({})", R"({"cpu_stats":1,"memory_stats":{"usage":-5,"stats":[]},
       "networks":{"a":1,"b":{"rx_bytes":"x"}},"blkio_stats":{"io_service_bytes_recursive":[1,
       {"op":7},{"op":"READ","value":3}]},"pids_stats":{"current":1e300}})"}) {
    const auto sample = counters_from_engine_stats(boost::json::parse(text).as_object(), 1);
    EXPECT_EQ(sample.cpu_ns, 0U);
    EXPECT_EQ(sample.memory_bytes, 0U);
    EXPECT_EQ(sample.net_rx_bytes, 0U);
  }
}

}  // namespace
}  // namespace dokkerr::monitoring
