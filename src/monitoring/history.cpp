#include "monitoring/history.hpp"

#include "core/error.hpp"
#include "monitoring/sample_codec.hpp"

#include <algorithm>
#include <limits>
#include <set>

namespace dokkerr::monitoring {
namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kHourMs = 60 * kMinuteMs;
// Chunks one rollup pass reads at most (an hour of raw chunks for many thousand containers).
constexpr std::size_t kMaxChunksPerRollup = 500'000;
// Periods one maintain() call rolls up at most per tier.
constexpr int kMaxPeriodsPerPass = 24;

std::int64_t floor_to(std::int64_t value, std::int64_t unit) {
  const auto q = value / unit;
  return (value % unit != 0 && value < 0 ? q - 1 : q) * unit;
}

std::string series_id(const SeriesKey& key) {
  return key.environment + "/" + key.container_id;
}

std::uint64_t mean(std::uint64_t sum, std::uint64_t count) {
  return count == 0 ? 0 : (sum + count / 2) / count;
}

Tier finer(Tier tier) {
  return tier == Tier::hour ? Tier::minute : Tier::raw;
}

std::int64_t bucket_of(Tier tier) {
  return tier == Tier::hour ? kHourMs : kMinuteMs;
}

}  // namespace

// --- recording ---------------------------------------------------------------------------

Chunk ChunkRecorder::close(Open& open) {
  Chunk chunk;
  chunk.key = open.key;
  chunk.start_ms = open.samples.front().at_ms;
  chunk.end_ms = open.samples.back().at_ms;
  chunk.samples = open.samples.size();
  chunk.packed = pack_samples(open.samples);
  open.samples.clear();
  return chunk;
}

std::vector<Chunk> ChunkRecorder::record(
    const std::vector<std::pair<Target, CounterSample>>& round) {
  std::vector<Chunk> done;
  std::set<std::string, std::less<>> seen;
  for (const auto& [target, sample] : round) {
    const SeriesKey key{target.environment, target.id, target.team, target.name};
    auto id = series_id(key);
    const auto slot = floor_to(sample.at_ms, span_ms_);
    auto found = open_.find(id);
    if (found == open_.end()) {
      found = open_.emplace(id, Open{key, slot, {}}).first;
    } else if (found->second.slot != slot || found->second.key.team != key.team ||
               found->second.key.name != key.name ||
               found->second.samples.size() >= kMaxPackedSamples) {
      // A chunk belongs to one span and one owner: a container given to another team starts a
      // new chunk, so its history before stays with the team that owned it then.
      if (!found->second.samples.empty()) done.push_back(close(found->second));
      found->second.key = key;
      found->second.slot = slot;
    }
    found->second.samples.push_back(sample);
    seen.insert(std::move(id));
  }
  for (auto it = open_.begin(); it != open_.end();) {
    if (seen.contains(it->first)) {
      ++it;
      continue;
    }
    if (!it->second.samples.empty()) done.push_back(close(it->second));
    it = open_.erase(it);
  }
  return done;
}

std::vector<Chunk> ChunkRecorder::drain() {
  std::vector<Chunk> done;
  for (auto& [id, open] : open_) {
    if (!open.samples.empty()) done.push_back(close(open));
  }
  open_.clear();
  return done;
}

std::vector<std::pair<SeriesKey, std::vector<CounterSample>>> ChunkRecorder::pending_all(
    std::int64_t from_ms, std::int64_t to_ms) const {
  std::vector<std::pair<SeriesKey, std::vector<CounterSample>>> out;
  for (const auto& [id, open] : open_) {
    std::vector<CounterSample> samples;
    for (const auto& sample : open.samples) {
      if (sample.at_ms >= from_ms && sample.at_ms <= to_ms) samples.push_back(sample);
    }
    if (!samples.empty()) out.emplace_back(open.key, std::move(samples));
  }
  return out;
}

// --- rollups -----------------------------------------------------------------------------

std::vector<CounterSample> roll_up(const std::vector<CounterSample>& samples,
                                   std::int64_t bucket_ms) {
  std::vector<CounterSample> out;
  std::size_t i = 0;
  while (i < samples.size()) {
    const auto bucket = floor_to(samples[i].at_ms, bucket_ms);
    std::uint64_t memory = 0, cache = 0, pids = 0, count = 0;
    CounterSample last;
    for (; i < samples.size() && floor_to(samples[i].at_ms, bucket_ms) == bucket; ++i) {
      last = samples[i];
      memory += samples[i].memory_bytes;
      cache += samples[i].memory_cache;
      pids += samples[i].pids;
      ++count;
    }
    last.memory_bytes = mean(memory, count);
    last.memory_cache = mean(cache, count);
    last.pids = mean(pids, count);
    out.push_back(last);
  }
  return out;
}

// --- metrics -----------------------------------------------------------------------------

namespace {

struct MetricInfo {
  Metric metric;
  std::string_view name;
};

constexpr std::array kMetrics{
    MetricInfo{Metric::cpu_percent, "cpu_percent"},
    MetricInfo{Metric::memory_bytes, "memory_bytes"},
    MetricInfo{Metric::memory_percent, "memory_percent"},
    MetricInfo{Metric::network_receive_bps, "network_receive_bytes_per_second"},
    MetricInfo{Metric::network_transmit_bps, "network_transmit_bytes_per_second"},
    MetricInfo{Metric::block_read_bps, "block_read_bytes_per_second"},
    MetricInfo{Metric::block_write_bps, "block_write_bytes_per_second"},
    MetricInfo{Metric::pids, "pids"},
    MetricInfo{Metric::oom_kills, "oom_kills"},
};

// The counter a rate metric follows; nullptr for gauges.
std::uint64_t CounterSample::*counter_of(Metric metric) {
  switch (metric) {
    case Metric::cpu_percent:
      return &CounterSample::cpu_ns;
    case Metric::network_receive_bps:
      return &CounterSample::net_rx_bytes;
    case Metric::network_transmit_bps:
      return &CounterSample::net_tx_bytes;
    case Metric::block_read_bps:
      return &CounterSample::block_read_bytes;
    case Metric::block_write_bps:
      return &CounterSample::block_write_bytes;
    case Metric::oom_kills:
      return &CounterSample::oom_kills;
    default:
      return nullptr;
  }
}

std::optional<double> gauge_of(Metric metric, const CounterSample& s) {
  const auto used = s.memory_bytes > s.memory_cache ? s.memory_bytes - s.memory_cache : 0;
  switch (metric) {
    case Metric::memory_bytes:
      return static_cast<double>(used);
    case Metric::memory_percent:
      if (s.memory_limit == 0) return std::nullopt;
      return static_cast<double>(used) * 100.0 / static_cast<double>(s.memory_limit);
    case Metric::pids:
      return static_cast<double>(s.pids);
    default:
      return std::nullopt;
  }
}

std::int64_t resolution_of(Tier tier, std::chrono::milliseconds interval) {
  switch (tier) {
    case Tier::raw:
      return interval.count();
    case Tier::minute:
      return kMinuteMs;
    case Tier::hour:
      return kHourMs;
  }
  return kHourMs;
}

}  // namespace

std::optional<Metric> metric_named(std::string_view name) {
  for (const auto& info : kMetrics) {
    if (info.name == name) return info.metric;
  }
  return std::nullopt;
}

std::string_view metric_name(Metric metric) {
  for (const auto& info : kMetrics) {
    if (info.metric == metric) return info.name;
  }
  return "";
}

std::string_view tier_name(Tier tier) {
  switch (tier) {
    case Tier::raw:
      return "raw";
    case Tier::minute:
      return "1m";
    case Tier::hour:
      return "1h";
  }
  return "";
}

std::map<std::int64_t, double> points_of(const std::vector<CounterSample>& samples, Metric metric,
                                         std::int64_t from_ms, std::int64_t to_ms,
                                         std::int64_t step_ms) {
  struct Sum {
    double value = 0;
    double weight = 0;  // samples for gauges, milliseconds for rates
  };
  std::map<std::int64_t, Sum> sums;
  const auto counter = counter_of(metric);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto& now = samples[i];
    if (now.at_ms < from_ms || now.at_ms > to_ms) continue;
    const auto bucket = from_ms + (now.at_ms - from_ms) / step_ms * step_ms;
    if (counter == nullptr) {
      if (auto value = gauge_of(metric, now)) {
        sums[bucket].value += *value;
        sums[bucket].weight += 1;
      }
      continue;
    }
    if (i == 0) continue;
    const auto& before = samples[i - 1];
    // A counter that went down was reset (the container restarted): no rate across it.
    if (now.at_ms <= before.at_ms || now.*counter < before.*counter) continue;
    sums[bucket].value += static_cast<double>(now.*counter - before.*counter);
    sums[bucket].weight += static_cast<double>(now.at_ms - before.at_ms);
  }
  std::map<std::int64_t, double> points;
  for (const auto& [bucket, sum] : sums) {
    if (sum.weight <= 0) continue;
    switch (metric) {
      case Metric::cpu_percent:  // ns of CPU per ms of wall time, as % of one core
        points[bucket] = sum.value * 100.0 / (sum.weight * 1e6);
        break;
      case Metric::oom_kills:
        points[bucket] = sum.value;
        break;
      case Metric::network_receive_bps:
      case Metric::network_transmit_bps:
      case Metric::block_read_bps:
      case Metric::block_write_bps:
        points[bucket] = sum.value * 1000.0 / sum.weight;
        break;
      default:
        points[bucket] = sum.value / sum.weight;
    }
  }
  return points;
}

UsageTotals& UsageTotals::operator+=(const UsageTotals& other) {
  seconds += other.seconds;
  cpu_seconds += other.cpu_seconds;
  memory_byte_seconds += other.memory_byte_seconds;
  network_receive_bytes += other.network_receive_bytes;
  network_transmit_bytes += other.network_transmit_bytes;
  block_read_bytes += other.block_read_bytes;
  block_write_bytes += other.block_write_bytes;
  return *this;
}

UsageTotals totals_of(const std::vector<CounterSample>& samples, std::int64_t from_ms,
                      std::int64_t to_ms) {
  UsageTotals totals;
  auto grown = [](std::uint64_t now, std::uint64_t before) {
    return now >= before ? static_cast<double>(now - before) : 0.0;  // a reset: nothing known
  };
  for (std::size_t i = 1; i < samples.size(); ++i) {
    const auto& now = samples[i];
    const auto& before = samples[i - 1];
    if (now.at_ms < from_ms || now.at_ms > to_ms || now.at_ms <= before.at_ms) continue;
    const double seconds = static_cast<double>(now.at_ms - before.at_ms) / 1000.0;
    totals.seconds += seconds;
    totals.cpu_seconds += grown(now.cpu_ns, before.cpu_ns) / 1e9;
    const auto used = now.memory_bytes > now.memory_cache ? now.memory_bytes - now.memory_cache : 0;
    totals.memory_byte_seconds += static_cast<double>(used) * seconds;
    totals.network_receive_bytes += grown(now.net_rx_bytes, before.net_rx_bytes);
    totals.network_transmit_bytes += grown(now.net_tx_bytes, before.net_tx_bytes);
    totals.block_read_bytes += grown(now.block_read_bytes, before.block_read_bytes);
    totals.block_write_bytes += grown(now.block_write_bytes, before.block_write_bytes);
  }
  return totals;
}

// --- History -----------------------------------------------------------------------------

std::vector<ContainerUsage> History::usage(TargetKind kind, const std::string& target,
                                           std::int64_t from_ms, std::int64_t to_ms,
                                           const HistoryVisibility& visible, std::int64_t now_ms) {
  if (to_ms <= from_ms) {
    throw Error::invalid("invalid_parameter", "Give from before to.");
  }
  const auto step = std::max<std::int64_t>(interval_.count(), (to_ms - from_ms) / 100);
  auto gathered = gather(kind, target, from_ms, to_ms, step, visible, now_ms);
  std::vector<ContainerUsage> out;
  out.reserve(gathered.series.size());
  for (const auto& [id, entry] : gathered.series) {
    out.push_back(ContainerUsage{entry.first, totals_of(entry.second, from_ms, to_ms)});
  }
  return out;
}

std::vector<Chunk> History::record(const std::vector<std::pair<Target, CounterSample>>& round) {
  const std::lock_guard lock(recorder_mutex_);
  return recorder_.record(round);
}

std::vector<Chunk> History::drain() {
  const std::lock_guard lock(recorder_mutex_);
  return recorder_.drain();
}

void History::write(const std::vector<Chunk>& chunks) {
  store_.append(Tier::raw, chunks);
}

void History::roll_tier(Tier tier, std::int64_t now_ms) {
  const auto source = finer(tier);
  const auto period = max_chunk_span_ms(tier);
  // Raw chunks of a period are all written a chunk span (and a round or two) after it ends;
  // hours are rolled from minutes only as far as the minutes are.
  const auto ready_to =
      tier == Tier::minute
          ? floor_to(now_ms - settings_.chunk.count() - 2 * interval_.count() - kMinuteMs, period)
          : floor_to(store_.rolled_to(Tier::minute), period);
  auto start = store_.rolled_to(tier);
  const auto oldest_kept =
      floor_to(now_ms - settings_.keep[static_cast<std::size_t>(source)].count(), period);
  start = std::max(start, oldest_kept);
  for (int pass = 0; pass < kMaxPeriodsPerPass && start + period <= ready_to;
       ++pass, start += period) {
    ChunkFilter filter;
    filter.tier = source;
    filter.from_ms = start;
    filter.to_ms = start + period - 1;
    filter.limit = kMaxChunksPerRollup;
    std::map<std::string, std::pair<SeriesKey, std::vector<CounterSample>>, std::less<>> by_series;
    for (auto& chunk : store_.chunks(filter)) {
      auto& [key, samples] = by_series[series_id(chunk.key)];
      key = chunk.key;  // chunks come in time order: the last owner names the rollup
      for (const auto& sample : unpack_samples(chunk.packed)) {
        if (sample.at_ms >= start && sample.at_ms < start + period) samples.push_back(sample);
      }
    }
    std::vector<Chunk> rolled;
    for (auto& [id, entry] : by_series) {
      auto& [key, samples] = entry;
      if (samples.empty()) continue;
      std::ranges::stable_sort(samples, {}, &CounterSample::at_ms);
      const auto points = roll_up(samples, bucket_of(tier));
      rolled.push_back(Chunk{key, points.front().at_ms, points.back().at_ms, points.size(),
                             pack_samples(points)});
    }
    store_.append(tier, rolled);
    store_.set_rolled_to(tier, start + period);
  }
}

void History::maintain(std::int64_t now_ms) {
  roll_tier(Tier::minute, now_ms);
  roll_tier(Tier::hour, now_ms);
  for (std::size_t tier = 0; tier < kTierCount; ++tier) {
    store_.expire(static_cast<Tier>(tier), now_ms - settings_.keep[tier].count());
  }
}

History::Gathered History::gather(TargetKind kind, const std::string& target, std::int64_t from_ms,
                                  std::int64_t to_ms, std::int64_t step_ms,
                                  const HistoryVisibility& visible, std::int64_t now_ms) {
  Gathered out;
  // The coarsest tier that resolves the step among those that still hold `from`; the finest
  // that holds it when none is fine enough; the longest-kept when none reaches back that far.
  std::optional<Tier> chosen;
  std::optional<Tier> finest_covering;
  for (std::size_t t = 0; t < kTierCount; ++t) {
    const auto tier = static_cast<Tier>(t);
    if (now_ms - settings_.keep[t].count() > from_ms) continue;
    if (!finest_covering) finest_covering = tier;
    if (resolution_of(tier, interval_) <= step_ms) chosen = tier;
  }
  out.tier = chosen.value_or(finest_covering.value_or(Tier::hour));

  // Segments: the chosen tier up to where its rollup has reached, then the tiers below. One
  // step before `from` is read as well, so the first point has a sample to take a rate from.
  struct Segment {
    Tier tier;
    std::int64_t from_ms, to_ms;  // [from, to)
  };
  std::vector<Segment> segments;
  auto begin = from_ms - step_ms;
  const auto end = to_ms + 1;
  for (auto tier = out.tier;; tier = finer(tier)) {
    const auto reached = tier == Tier::raw ? end : std::min(end, store_.rolled_to(tier));
    if (reached > begin) {
      segments.push_back(Segment{tier, begin, reached});
      begin = reached;
    }
    if (tier == Tier::raw) break;
  }
  // The coarsest tier that serves part of the range itself (not only the look-back before it).
  out.tier = Tier::raw;
  for (const auto& segment : segments) {
    if (segment.to_ms > from_ms) {
      out.tier = segment.tier;
      break;
    }
  }

  auto& by_series = out.series;
  std::size_t budget = kMaxChunksPerQuery;
  std::map<std::pair<std::string, std::string>, bool> visibility;  // (environment, team)
  auto may_see = [&](const SeriesKey& key) {
    const auto entry = std::make_pair(key.environment, key.team);
    auto found = visibility.find(entry);
    if (found == visibility.end()) {
      found = visibility.emplace(entry, visible(key.environment, key.team)).first;
    }
    return found->second;
  };
  auto matches = [&](const SeriesKey& key) {
    switch (kind) {
      case TargetKind::container:
        return key.container_id == target;
      case TargetKind::team:
        return key.team == target;
      case TargetKind::environment:
        return key.environment == target;
      case TargetKind::all:
        return true;
    }
    return false;
  };
  for (const auto& segment : segments) {
    ChunkFilter filter;
    filter.tier = segment.tier;
    filter.from_ms = segment.from_ms;
    filter.to_ms = segment.to_ms - 1;
    filter.limit = budget;
    switch (kind) {
      case TargetKind::container:
        filter.container_id = target;
        break;
      case TargetKind::team:
        filter.team = target;
        break;
      case TargetKind::environment:
        filter.environment = target;
        break;
      case TargetKind::all:
        break;
    }
    const auto chunks = store_.chunks(filter);
    budget -= std::min(budget, chunks.size());
    for (const auto& chunk : chunks) {
      if (!may_see(chunk.key)) continue;
      auto& [series_key, samples] = by_series[series_id(chunk.key)];
      series_key = chunk.key;
      for (const auto& sample : unpack_samples(chunk.packed)) {
        if (sample.at_ms >= segment.from_ms && sample.at_ms < segment.to_ms) {
          samples.push_back(sample);
        }
      }
    }
    if (segment.tier == Tier::raw) {
      const std::lock_guard lock(recorder_mutex_);
      for (auto& [key, samples] : recorder_.pending_all(segment.from_ms, segment.to_ms - 1)) {
        if (!matches(key) || !may_see(key)) continue;
        auto& [series_key, into] = by_series[series_id(key)];
        series_key = key;
        const auto newest = into.empty() ? std::numeric_limits<std::int64_t>::min()
                                         : std::ranges::max(into, {}, &CounterSample::at_ms).at_ms;
        for (const auto& sample : samples) {
          if (sample.at_ms > newest) into.push_back(sample);
        }
      }
    }
  }

  for (auto& [id, entry] : out.series) {
    std::ranges::stable_sort(entry.second, {}, &CounterSample::at_ms);
  }
  return out;
}

HistoryAnswer History::query(const HistoryQuery& query, const HistoryVisibility& visible,
                             std::int64_t now_ms) {
  if (query.metrics.empty()) {
    throw Error::invalid("invalid_parameter", "Name at least one metric.");
  }
  if (query.step_ms <= 0 || query.to_ms <= query.from_ms) {
    throw Error::invalid("invalid_parameter", "Give from before to, and a positive step.");
  }
  if ((query.to_ms - query.from_ms) / query.step_ms >= kMaxPoints) {
    throw Error::invalid("too_many_points", "That range and step give more than " +
                                                std::to_string(kMaxPoints) +
                                                " points; raise the step.");
  }
  if (query.kind != TargetKind::container &&
      std::ranges::find(query.metrics, Metric::memory_percent) != query.metrics.end()) {
    throw Error::invalid("metric_not_aggregatable",
                         "memory_percent is per container; ask teams and environments for "
                         "memory_bytes.");
  }

  HistoryAnswer answer;
  answer.step_ms = query.step_ms;
  answer.from_ms = floor_to(query.from_ms, query.step_ms);
  answer.to_ms = query.to_ms;

  auto gathered =
      gather(query.kind, query.target, answer.from_ms, query.to_ms, query.step_ms, visible, now_ms);
  answer.tier = gathered.tier;

  for (const auto metric : query.metrics) {
    std::map<std::int64_t, double> sum;
    for (const auto& [id, entry] : gathered.series) {
      const auto& samples = entry.second;
      for (const auto& [bucket, value] :
           points_of(samples, metric, answer.from_ms, answer.to_ms, query.step_ms)) {
        sum[bucket] += value;
      }
    }
    Series series{metric, {}};
    series.points.assign(sum.begin(), sum.end());
    answer.series.push_back(std::move(series));
  }
  return answer;
}

}  // namespace dokkerr::monitoring
