#include "monitoring/history.hpp"

#include "core/error.hpp"
#include "monitoring/sample_codec.hpp"
#include "unit/store/test_databases.hpp"

#include <gtest/gtest.h>

#include <random>

namespace dokkerr::monitoring {
namespace {

using namespace std::chrono_literals;
using store::testing::BackendTest;

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
// A whole day, so hours and days line up with the rollups' periods.
constexpr std::int64_t kStart = 1'796'428'800'000;  // 2026-12-05T00:00:00Z

// A container at half a core, 100 MiB used (plus 20 MiB cache), 1 kB/s received.
CounterSample steady(std::int64_t at_ms, std::int64_t since_ms = kStart) {
  CounterSample s;
  const auto elapsed = static_cast<std::uint64_t>(at_ms - since_ms);
  s.at_ms = at_ms;
  s.cpu_ns = elapsed * 500'000;  // 0.5 ms of CPU per ms
  s.memory_bytes = 120ULL << 20U;
  s.memory_cache = 20ULL << 20U;
  s.memory_limit = 200ULL << 20U;
  s.net_rx_bytes = elapsed;  // 1 byte per ms
  s.pids = 3;
  return s;
}

Target target_of(std::string id, std::string team = "team-a", std::string environment = "local") {
  return Target{std::move(environment), std::move(id), "web", std::move(team), true, ""};
}

TEST(SampleCodec, RoundTripsEveryFieldExactlyExceptSubMicrosecondCpu) {
  std::mt19937_64 random(42);
  std::vector<CounterSample> samples;
  for (int i = 0; i < 500; ++i) {
    CounterSample s;
    s.at_ms = kStart + i * 1000 + static_cast<std::int64_t>(random() % 7);
    s.cpu_ns = random() / 1000 * 1000;
    s.cpu_throttled_ns = (random() % 1'000'000) * 1000;
    s.memory_bytes = random();
    s.memory_limit = i % 2 == 0 ? 0 : ~0ULL;
    s.memory_cache = random() % 1000;
    s.oom_kills = static_cast<std::uint64_t>(i / 100);
    s.net_rx_bytes = random();
    s.net_tx_bytes = 0;
    s.net_rx_packets = static_cast<std::uint64_t>(i);
    s.net_tx_packets = ~0ULL - static_cast<std::uint64_t>(i);
    s.net_rx_errors = random() % 3;
    s.net_tx_errors = 1;
    s.block_read_bytes = random();
    s.block_write_bytes = static_cast<std::uint64_t>(i) * 4096;
    s.pids = random() % 100;
    samples.push_back(s);
  }
  const auto back = unpack_samples(pack_samples(samples));
  ASSERT_EQ(back.size(), samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto& a = samples[i];
    const auto& b = back[i];
    EXPECT_EQ(a.at_ms, b.at_ms);
    EXPECT_EQ(a.cpu_ns, b.cpu_ns);
    EXPECT_EQ(a.cpu_throttled_ns, b.cpu_throttled_ns);
    EXPECT_EQ(a.memory_bytes, b.memory_bytes);
    EXPECT_EQ(a.memory_limit, b.memory_limit);
    EXPECT_EQ(a.memory_cache, b.memory_cache);
    EXPECT_EQ(a.oom_kills, b.oom_kills);
    EXPECT_EQ(a.net_rx_bytes, b.net_rx_bytes);
    EXPECT_EQ(a.net_tx_packets, b.net_tx_packets);
    EXPECT_EQ(a.net_rx_errors, b.net_rx_errors);
    EXPECT_EQ(a.block_read_bytes, b.block_read_bytes);
    EXPECT_EQ(a.block_write_bytes, b.block_write_bytes);
    EXPECT_EQ(a.pids, b.pids);
  }
  const auto truncated = CounterSample{.at_ms = kStart, .cpu_ns = 1'999};
  EXPECT_EQ(unpack_samples(pack_samples(std::vector{truncated})).front().cpu_ns, 1'000U);
  EXPECT_TRUE(unpack_samples(pack_samples({})).empty());
}

TEST(SampleCodec, ASteadyContainerTakesUnderABytePerSample) {
  std::vector<CounterSample> samples;
  for (int i = 0; i < 300; ++i) samples.push_back(steady(kStart + i * kSecond));
  const auto packed = pack_samples(samples);
  EXPECT_LT(packed.size(), samples.size()) << packed.size() << " bytes";
}

TEST(SampleCodec, RefusesWhatItDidNotMake) {
  std::vector<CounterSample> samples{steady(kStart), steady(kStart + kSecond)};
  const auto packed = pack_samples(samples);
  auto expect_corrupt = [](const std::string& bytes) {
    try {
      (void)unpack_samples(bytes);
      ADD_FAILURE() << "accepted " << bytes.size() << " bytes";
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::internal);
    }
  };
  expect_corrupt("");
  expect_corrupt(std::string(1, '\x02') + packed.substr(1));
  expect_corrupt(packed.substr(0, packed.size() - 3));
  auto flipped = packed;
  flipped[packed.size() / 2] = static_cast<char>(flipped[packed.size() / 2] ^ 0x5A);
  expect_corrupt(flipped);
  // A header claiming a huge count is refused before anything is allocated for it.
  expect_corrupt(std::string("\x01\xff\xff\xff\xff\x0f\x01\x00", 8));
}

TEST(ChunkRecorder, WritesAChunkPerSpanAndWhenAContainerStops) {
  ChunkRecorder recorder(5min);
  std::vector<Chunk> done;
  for (std::int64_t t = kStart; t < kStart + 12 * kMinute; t += 5 * kSecond) {
    std::vector<std::pair<Target, CounterSample>> round{{target_of("a"), steady(t)}};
    if (t < kStart + 7 * kMinute) round.emplace_back(target_of("b"), steady(t));
    for (auto& chunk : recorder.record(round)) done.push_back(std::move(chunk));
  }
  // a: [0,5) and [5,10) complete; b: [0,5) complete and [5,7) ended when it stopped.
  ASSERT_EQ(done.size(), 4U);
  EXPECT_EQ(done[0].key.container_id, "a");
  EXPECT_EQ(done[0].start_ms, kStart);
  EXPECT_EQ(done[0].end_ms, kStart + 5 * kMinute - 5 * kSecond);
  EXPECT_EQ(done[0].samples, 60U);
  EXPECT_EQ(done[1].key.container_id, "b");
  EXPECT_EQ(done[2].key.container_id, "b");
  EXPECT_EQ(done[2].end_ms, kStart + 7 * kMinute - 5 * kSecond);
  EXPECT_EQ(done[3].key.container_id, "a");
  EXPECT_EQ(done[3].start_ms, kStart + 5 * kMinute);
  const auto pending = recorder.pending_all(0, kStart + kHour);
  ASSERT_EQ(pending.size(), 1U);
  EXPECT_EQ(pending[0].first.container_id, "a");
  EXPECT_EQ(pending[0].second.size(), 24U);
  const auto rest = recorder.drain();
  ASSERT_EQ(rest.size(), 1U);
  EXPECT_EQ(rest[0].samples, 24U);
  EXPECT_TRUE(recorder.drain().empty());
}

TEST(ChunkRecorder, AContainerGivenToAnotherTeamStartsANewChunk) {
  ChunkRecorder recorder(5min);
  EXPECT_TRUE(recorder.record({{target_of("a", "t1"), steady(kStart)}}).empty());
  const auto done = recorder.record({{target_of("a", "t2"), steady(kStart + kSecond)}});
  ASSERT_EQ(done.size(), 1U);
  EXPECT_EQ(done[0].key.team, "t1");
  EXPECT_EQ(recorder.drain().at(0).key.team, "t2");
}

TEST(Rollup, CountersKeepTheLastValueAndGaugesTheMean) {
  std::vector<CounterSample> samples;
  for (int i = 0; i < 120; ++i) {
    auto s = steady(kStart + i * kSecond);
    s.memory_bytes = static_cast<std::uint64_t>(i < 60 ? 100 : 200);
    s.memory_cache = 0;
    samples.push_back(s);
  }
  const auto rolled = roll_up(samples, kMinute);
  ASSERT_EQ(rolled.size(), 2U);
  EXPECT_EQ(rolled[0].at_ms, kStart + 59 * kSecond);
  EXPECT_EQ(rolled[0].cpu_ns, samples[59].cpu_ns);
  EXPECT_EQ(rolled[0].memory_bytes, 100U);
  EXPECT_EQ(rolled[1].memory_bytes, 200U);
  EXPECT_EQ(rolled[1].cpu_ns, samples[119].cpu_ns);
}

TEST(Points, RatesPerStepAndNoRateAcrossARestart) {
  std::vector<CounterSample> samples;
  for (int i = 0; i <= 60; ++i) samples.push_back(steady(kStart + i * kSecond));
  // Restarted at 61 s: counters begin again from zero.
  for (int i = 61; i <= 120; ++i)
    samples.push_back(steady(kStart + i * kSecond, kStart + 61 * kSecond));
  const auto cpu =
      points_of(samples, Metric::cpu_percent, kStart, kStart + 2 * kMinute, 30 * kSecond);
  ASSERT_EQ(cpu.size(), 5U);
  for (const auto& [at, value] : cpu) EXPECT_NEAR(value, 50.0, 1e-9) << at;
  const auto rx =
      points_of(samples, Metric::network_receive_bps, kStart, kStart + kMinute, kMinute);
  EXPECT_NEAR(rx.at(kStart), 1000.0, 1e-9);
  const auto memory = points_of(samples, Metric::memory_bytes, kStart, kStart + kMinute, kMinute);
  EXPECT_NEAR(memory.at(kStart), 100.0 * (1U << 20U), 1e-6);
  const auto percent =
      points_of(samples, Metric::memory_percent, kStart, kStart + kMinute, kMinute);
  EXPECT_NEAR(percent.at(kStart), 50.0, 1e-9);
}

TEST(Usage, SumsCounterIncreasesAndMemoryOverTimeButNothingAcrossARestart) {
  std::vector<CounterSample> samples;
  for (int i = 0; i <= 60; ++i) samples.push_back(steady(kStart + i * kSecond));
  for (int i = 61; i <= 120; ++i)
    samples.push_back(steady(kStart + i * kSecond, kStart + 61 * kSecond));
  const auto totals = totals_of(samples, kStart, kStart + 2 * kMinute);
  EXPECT_NEAR(totals.seconds, 120, 1e-9);
  EXPECT_NEAR(totals.cpu_seconds, 0.5 * 119, 1e-6);  // the second across the restart is lost
  EXPECT_NEAR(totals.network_receive_bytes, 1000.0 * 119, 1e-6);
  EXPECT_NEAR(totals.memory_byte_seconds, 120.0 * (100U << 20U), 1.0);
  auto twice = totals;
  twice += totals;
  EXPECT_NEAR(twice.cpu_seconds, 119, 1e-6);
}

class HistoryOnDatabase : public BackendTest {
 protected:
  static HistorySettings settings() {
    HistorySettings s;
    s.chunk = 5min;
    s.keep = {24h, 24h * 14, 24h * 365};
    return s;
  }
  // Three hours of two containers (team-a, team-b) every 5 s, written as the collector would.
  void record_hours(History& history, int hours) {
    for (std::int64_t t = kStart; t < kStart + hours * kHour; t += 5 * kSecond) {
      history.write(history.record(
          {{target_of("a", "team-a"), steady(t)}, {target_of("b", "team-b"), steady(t)}}));
    }
  }
  static HistoryVisibility everyone() {
    return [](std::string_view, std::string_view) { return true; };
  }
};

TEST_P(HistoryOnDatabase, RawRollupsAndExpiryGiveTheSameFigures) {
  SqlHistoryStore store(db());
  History history(store, settings(), 5s);
  record_hours(history, 3);
  const auto now = kStart + 3 * kHour + 20 * kMinute;
  history.maintain(now);
  EXPECT_EQ(store.rolled_to(Tier::minute), kStart + 3 * kHour);
  EXPECT_EQ(store.rolled_to(Tier::hour), kStart);  // the day is not over: hours up to its start

  HistoryQuery query{
      TargetKind::container, "a",    {Metric::cpu_percent, Metric::memory_bytes}, kStart + kHour,
      kStart + 2 * kHour,    kMinute};
  auto answer = history.query(query, everyone(), now);
  EXPECT_EQ(answer.tier, Tier::minute);
  ASSERT_EQ(answer.series.size(), 2U);
  // Minute points are at each minute's last sample: 1h00m55s … 1h59m55s.
  EXPECT_EQ(answer.series[0].points.size(), 60U);
  for (const auto& [at, value] : answer.series[0].points) EXPECT_NEAR(value, 50.0, 1e-6) << at;
  for (const auto& [at, value] : answer.series[1].points) {
    EXPECT_NEAR(value, 100.0 * (1U << 20U), 1.0) << at;
  }

  query.step_ms = 15 * kSecond;
  answer = history.query(query, everyone(), now);
  EXPECT_EQ(answer.tier, Tier::raw);
  EXPECT_EQ(answer.series[0].points.size(), 241U);
  for (const auto& [at, value] : answer.series[0].points) EXPECT_NEAR(value, 50.0, 1e-6) << at;

  // A team sums its containers; an environment sums what the caller may see in it.
  HistoryQuery team{TargetKind::team, "team-b",       {Metric::cpu_percent},
                    kStart,           kStart + kHour, kHour};
  answer = history.query(team, everyone(), now);
  EXPECT_EQ(answer.tier, Tier::minute) << "the hour tier holds nothing yet: minutes answer";
  ASSERT_EQ(answer.series[0].points.size(), 1U);
  EXPECT_NEAR(answer.series[0].points[0].second, 50.0, 1e-6);
  HistoryQuery environment{TargetKind::environment, "local", {Metric::cpu_percent}, kStart + kHour,
                           kStart + 2 * kHour,      kHour};
  answer = history.query(environment, everyone(), now);
  EXPECT_NEAR(answer.series[0].points.at(0).second, 100.0, 1e-6);
  auto only_a = [](std::string_view, std::string_view owner) { return owner == "team-a"; };
  answer = history.query(environment, only_a, now);
  EXPECT_NEAR(answer.series[0].points.at(0).second, 50.0, 1e-6);
  auto nobody = [](std::string_view, std::string_view) { return false; };
  answer = history.query(query, nobody, now);
  EXPECT_TRUE(answer.series[0].points.empty());

  // The next day: hours are rolled from minutes, raw beyond its keep time goes, and a query
  // over the first day reads the hour tier.
  const auto next_day = kStart + 28 * kHour;
  for (int i = 0; i < 3; ++i) history.maintain(next_day);
  EXPECT_EQ(store.rolled_to(Tier::hour), kStart + 24 * kHour);
  ChunkFilter raw;
  raw.from_ms = kStart;
  raw.to_ms = kStart + 3 * kHour;
  EXPECT_TRUE(store.chunks(raw).empty());
  HistoryQuery day{TargetKind::container,  "a",  {Metric::cpu_percent}, kStart,
                   kStart + 3 * kHour - 1, kHour};
  answer = history.query(day, everyone(), next_day);
  EXPECT_EQ(answer.tier, Tier::hour);
  // Hour points are at each hour's last sample; the first has none before it to take a rate
  // from.
  ASSERT_EQ(answer.series[0].points.size(), 2U);
  for (const auto& [at, value] : answer.series[0].points) EXPECT_NEAR(value, 50.0, 0.1) << at;

  // Past every keep time nothing is left.
  history.maintain(kStart + 400 * 24 * kHour);
  ChunkFilter everything;
  everything.tier = Tier::hour;
  everything.to_ms = kStart + 500 * 24 * kHour;
  EXPECT_TRUE(store.chunks(everything).empty());
  EXPECT_EQ(db().query("SELECT COUNT(*) FROM metric_series").at(0).integer(0), 0)
      << "series without chunks go with them";
}

TEST_P(HistoryOnDatabase, UnwrittenSamplesAnswerToo) {
  SqlHistoryStore store(db());
  History history(store, settings(), 5s);
  for (std::int64_t t = kStart; t <= kStart + 2 * kMinute; t += 5 * kSecond) {
    EXPECT_TRUE(history.record({{target_of("a"), steady(t)}}).empty());
  }
  HistoryQuery query{TargetKind::container, "a",    {Metric::cpu_percent}, kStart,
                     kStart + 2 * kMinute,  kMinute};
  auto answer = history.query(query, everyone(), kStart + 2 * kMinute);
  ASSERT_EQ(answer.series[0].points.size(), 3U);
  history.write(history.drain());
  answer = history.query(query, everyone(), kStart + 2 * kMinute);
  EXPECT_EQ(answer.series[0].points.size(), 3U);
}

TEST_P(HistoryOnDatabase, BadQueriesAreRefused) {
  SqlHistoryStore store(db());
  History history(store, settings(), 5s);
  auto code_of = [&](HistoryQuery query) {
    try {
      (void)history.query(query, everyone(), kStart);
    } catch (const Error& error) {
      return error.code();
    }
    return std::string("none");
  };
  EXPECT_EQ(code_of({TargetKind::container, "a", {}, kStart - kHour, kStart, kMinute}),
            "invalid_parameter");
  EXPECT_EQ(code_of({TargetKind::container, "a", {Metric::pids}, kStart, kStart - 1, kMinute}),
            "invalid_parameter");
  EXPECT_EQ(
      code_of(
          {TargetKind::container, "a", {Metric::pids}, kStart - 30 * 24 * kHour, kStart, kSecond}),
      "too_many_points");
  EXPECT_EQ(
      code_of({TargetKind::team, "t", {Metric::memory_percent}, kStart - kHour, kStart, kMinute}),
      "metric_not_aggregatable");
}

DOKKERR_INSTANTIATE_BACKENDS(HistoryOnDatabase);

}  // namespace
}  // namespace dokkerr::monitoring
