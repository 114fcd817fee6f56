#include "monitoring/history_store.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"
#include "store/database.hpp"

#include <string>

namespace dokkerr::monitoring {
namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kHourMs = 60 * kMinuteMs;
constexpr std::int64_t kDayMs = 24 * kHourMs;

std::int64_t tier_number(Tier tier) {
  return static_cast<std::int64_t>(tier);
}

// A series' id: the first 63 bits of a hash of what names it, so a chunk is written without
// first looking its series up (two different series sharing one is a 2^-63 chance).
std::int64_t series_number(const SeriesKey& key) {
  std::string named;
  for (const auto* part : {&key.environment, &key.container_id, &key.team, &key.name}) {
    named += *part;
    named.push_back('\0');
  }
  const auto digest = crypto::sha256(named);
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    value = (value << 8U) | static_cast<unsigned char>(digest[i]);
  }
  return static_cast<std::int64_t>(value >> 1U);
}

}  // namespace

std::int64_t max_chunk_span_ms(Tier tier) {
  switch (tier) {
    case Tier::raw:
      return 5 * kMinuteMs;
    case Tier::minute:
      return kHourMs;
    case Tier::hour:
      return kDayMs;
  }
  return kDayMs;
}

void SqlHistoryStore::append(Tier tier, const std::vector<Chunk>& chunks) {
  if (chunks.empty()) return;
  db_.transaction([&](store::Database& tx) {
    for (const auto& chunk : chunks) {
      const auto series = series_number(chunk.key);
      tx.execute(
          "INSERT INTO metric_series (id, environment, container_id, team_id, name) "
          "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
          {series, chunk.key.environment, chunk.key.container_id, chunk.key.team, chunk.key.name});
      tx.execute(
          "INSERT INTO metric_chunks (tier, series_id, start_ms, end_ms, samples, data) "
          "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
          {tier_number(tier), series, chunk.start_ms, chunk.end_ms,
           static_cast<std::int64_t>(chunk.samples), store::Bytes{chunk.packed}});
    }
  });
}

std::vector<Chunk> SqlHistoryStore::chunks(const ChunkFilter& filter) {
  // start_ms is bounded below as well, so the scan stays within the range on the indexes.
  std::string sql =
      "SELECT s.environment, s.container_id, s.team_id, s.name, c.start_ms, c.end_ms, "
      "c.samples, c.data FROM metric_chunks c JOIN metric_series s ON s.id = c.series_id "
      "WHERE c.tier = ? AND c.start_ms >= ? AND c.start_ms <= ? AND c.end_ms >= ?";
  std::vector<store::Value> params{tier_number(filter.tier),
                                   filter.from_ms - max_chunk_span_ms(filter.tier), filter.to_ms,
                                   filter.from_ms};
  if (filter.container_id) {
    sql += " AND s.container_id = ?";
    params.emplace_back(*filter.container_id);
  }
  if (filter.team) {
    sql += " AND s.team_id = ?";
    params.emplace_back(*filter.team);
  }
  if (filter.environment) {
    sql += " AND s.environment = ?";
    params.emplace_back(*filter.environment);
  }
  sql += " ORDER BY s.environment, s.container_id, c.start_ms";
  if (filter.limit > 0) {
    sql += " LIMIT ?";
    params.emplace_back(static_cast<std::int64_t>(filter.limit + 1));
  }
  const auto rows = db_.query(sql, params);
  if (filter.limit > 0 && rows.size() > filter.limit) {
    throw Error::invalid("query_too_large",
                         "The range holds too much history for one query; narrow it, raise the "
                         "step or pick one container.");
  }
  std::vector<Chunk> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    out.push_back(Chunk{SeriesKey{row.text(0), row.text(1), row.text(2), row.text(3)},
                        row.integer(4), row.integer(5), static_cast<std::size_t>(row.integer(6)),
                        row.text(7)});
  }
  return out;
}

std::int64_t SqlHistoryStore::rolled_to(Tier tier) {
  const auto rows =
      db_.query("SELECT rolled_to_ms FROM metric_rollups WHERE tier = ?", {tier_number(tier)});
  return rows.empty() ? 0 : rows.front().integer(0);
}

void SqlHistoryStore::set_rolled_to(Tier tier, std::int64_t ms) {
  db_.execute("UPDATE metric_rollups SET rolled_to_ms = ? WHERE tier = ?", {ms, tier_number(tier)});
}

std::int64_t SqlHistoryStore::expire(Tier tier, std::int64_t before_ms) {
  // start_ms <= end_ms: the first condition lets the index find them.
  std::int64_t removed = 0;
  db_.transaction([&](store::Database& tx) {
    removed = tx.execute("DELETE FROM metric_chunks WHERE tier = ? AND start_ms < ? AND end_ms < ?",
                         {tier_number(tier), before_ms, before_ms});
    if (removed > 0) {
      tx.execute(
          "DELETE FROM metric_series WHERE NOT EXISTS "
          "(SELECT 1 FROM metric_chunks c WHERE c.series_id = metric_series.id)");
    }
  });
  return removed;
}

}  // namespace dokkerr::monitoring
