#pragma once
// The metrics history: the collector's samples, packed into chunks of a few minutes per container
// (raw), rolled up into 1-minute and 1-hour series, each tier kept for its own time, and queried
// as points on a step grid. Writing and maintenance run on the replica that collects; queries on
// any replica read the database (plus, on the collecting one, what is not written yet).
#include "monitoring/cgroup_reader.hpp"
#include "monitoring/history_store.hpp"
#include "monitoring/targets.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dokkerr::monitoring {

struct HistorySettings {
  // How long one raw chunk spans before it is written: what a crash may lose.
  std::chrono::milliseconds chunk{std::chrono::minutes(5)};
  // How long each tier is kept (raw, 1 minute, 1 hour).
  std::array<std::chrono::milliseconds, kTierCount> keep{
      std::chrono::hours(24), std::chrono::hours(24 * 14), std::chrono::hours(24 * 365)};
};

// Collects each container's samples until its chunk is complete. Not thread-safe on its own:
// History guards it.
class ChunkRecorder {
 public:
  explicit ChunkRecorder(std::chrono::milliseconds span) : span_ms_(span.count()) {}
  // One collector round. Returns the chunks it completed: a container's chunk ends when a
  // sample falls in the next span, or when the container is no longer sampled.
  std::vector<Chunk> record(const std::vector<std::pair<Target, CounterSample>>& round);
  // Every pending chunk, complete or not (on shutdown or when this replica stops collecting).
  std::vector<Chunk> drain();
  // The samples not written yet, per container, with at_ms in [from_ms, to_ms].
  [[nodiscard]] std::vector<std::pair<SeriesKey, std::vector<CounterSample>>> pending_all(
      std::int64_t from_ms, std::int64_t to_ms) const;

 private:
  struct Open {
    SeriesKey key;
    std::int64_t slot = 0;
    std::vector<CounterSample> samples;
  };
  static Chunk close(Open& open);

  std::int64_t span_ms_;
  std::map<std::string, Open, std::less<>> open_;  // by environment + "/" + container id
};

// Rolls samples up into buckets of `bucket_ms`: counters keep the bucket's last value (at its
// time), gauges (memory, pids) the bucket's mean, the limit its last value.
[[nodiscard]] std::vector<CounterSample> roll_up(const std::vector<CounterSample>& samples,
                                                 std::int64_t bucket_ms);

// What a history query asks.
enum class Metric {
  cpu_percent,           // of one core, summed over containers for teams and environments
  memory_bytes,          // usage without the page cache
  memory_percent,        // of the limit (containers only)
  network_receive_bps,   // bytes per second
  network_transmit_bps,  // bytes per second
  block_read_bps,
  block_write_bps,
  pids,
  oom_kills,  // kills within each step
};
[[nodiscard]] std::optional<Metric> metric_named(std::string_view name);
[[nodiscard]] std::string_view metric_name(Metric metric);
[[nodiscard]] std::string_view tier_name(Tier tier);

enum class TargetKind { container, team, environment, all };

struct HistoryQuery {
  TargetKind kind = TargetKind::container;
  std::string target;  // container id, team id or environment id
  std::vector<Metric> metrics;
  std::int64_t from_ms = 0, to_ms = 0, step_ms = 0;
};

struct Series {
  Metric metric;
  std::vector<std::pair<std::int64_t, double>> points;  // (bucket start ms, value)
};

struct HistoryAnswer {
  Tier tier = Tier::raw;
  std::int64_t from_ms = 0, to_ms = 0, step_ms = 0;
  std::vector<Series> series;
};

// May the caller read the history of a container its team owned in an environment?
using HistoryVisibility = std::function<bool(std::string_view environment, std::string_view team)>;

// The points of one metric of one container's samples (time-ordered) on the grid
// from_ms + k·step_ms; buckets without data have no point.
[[nodiscard]] std::map<std::int64_t, double> points_of(const std::vector<CounterSample>& samples,
                                                       Metric metric, std::int64_t from_ms,
                                                       std::int64_t to_ms, std::int64_t step_ms);

// What a container used over a time: summed from counter increases between consecutive samples
// (none across a restart) and from memory held over time.
struct UsageTotals {
  double seconds = 0;  // time covered by samples
  double cpu_seconds = 0;
  double memory_byte_seconds = 0;  // usage without page cache, integrated over time
  double network_receive_bytes = 0, network_transmit_bytes = 0;
  double block_read_bytes = 0, block_write_bytes = 0;
  UsageTotals& operator+=(const UsageTotals& other);
};
[[nodiscard]] UsageTotals totals_of(const std::vector<CounterSample>& samples, std::int64_t from_ms,
                                    std::int64_t to_ms);

struct ContainerUsage {
  SeriesKey key;
  UsageTotals totals;
};

class History {
 public:
  // Chunks one query may read at most.
  static constexpr std::size_t kMaxChunksPerQuery = 50'000;
  // Points one series may hold at most.
  static constexpr std::int64_t kMaxPoints = 11'000;

  History(HistoryStore& store, HistorySettings settings, std::chrono::milliseconds interval)
      : store_(store), settings_(settings), interval_(interval), recorder_(settings.chunk) {}

  // Collector side: the round's samples; returns the chunks to write (append them with
  // write()). Blocking calls (write, maintain, query) belong on the blocking pool.
  std::vector<Chunk> record(const std::vector<std::pair<Target, CounterSample>>& round);
  std::vector<Chunk> drain();
  void write(const std::vector<Chunk>& chunks);

  // Builds the rollups that are due and removes what is past its tier's keep time. Bounded:
  // at most a day of hours per call, so a long outage catches up over several calls.
  void maintain(std::int64_t now_ms);

  // Picks the tier (the coarsest whose resolution fits the step and whose keep time reaches
  // back to from), reads it, fills what its rollup has not reached yet from the tiers below and
  // sums containers for teams and environments. Errors: 400 query_too_large.
  [[nodiscard]] HistoryAnswer query(const HistoryQuery& query, const HistoryVisibility& visible,
                                    std::int64_t now_ms);

  // Each visible container's usage over [from, to] (kind `all`: every visible container), read
  // from a tier about a hundredth of the range fine.
  [[nodiscard]] std::vector<ContainerUsage> usage(TargetKind kind, const std::string& target,
                                                  std::int64_t from_ms, std::int64_t to_ms,
                                                  const HistoryVisibility& visible,
                                                  std::int64_t now_ms);

  [[nodiscard]] const HistorySettings& settings() const { return settings_; }

 private:
  struct Gathered {
    Tier tier = Tier::raw;  // the coarsest tier that served part of the range
    // Every visible container's samples in time order, from one step before `from`.
    std::map<std::string, std::pair<SeriesKey, std::vector<CounterSample>>, std::less<>> series;
  };
  // The samples of [from, to] for a target, from the tier that fits `step` and the tiers below
  // it where its rollup has not reached, plus what is not written yet.
  Gathered gather(TargetKind kind, const std::string& target, std::int64_t from_ms,
                  std::int64_t to_ms, std::int64_t step_ms, const HistoryVisibility& visible,
                  std::int64_t now_ms);
  void roll_tier(Tier tier, std::int64_t now_ms);

  HistoryStore& store_;
  HistorySettings settings_;
  std::chrono::milliseconds interval_;
  mutable std::mutex recorder_mutex_;
  ChunkRecorder recorder_;
};

}  // namespace dokkerr::monitoring
