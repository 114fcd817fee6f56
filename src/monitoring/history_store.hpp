#pragma once
// Where the metrics history lives: packed chunks of one container's samples (sample_codec.hpp),
// in three tiers (raw, 1-minute and 1-hour rollups), in the main database. A port, so the
// history's rules are tested without a database; SqlHistoryStore is the real one.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dokkerr::store {
class Database;
}

namespace dokkerr::monitoring {

enum class Tier { raw = 0, minute = 1, hour = 2 };
inline constexpr std::size_t kTierCount = 3;

// The longest time one chunk of a tier spans: raw chunks hold a few minutes (what a crash may
// lose), rollup chunks an hour of minutes or a day of hours.
[[nodiscard]] std::int64_t max_chunk_span_ms(Tier tier);

struct SeriesKey {
  std::string environment;
  std::string container_id;
  std::string team;  // the owner when sampled ("" for none): history visibility follows it
  std::string name;
};

struct Chunk {
  SeriesKey key;
  std::int64_t start_ms = 0;  // the first sample's time
  std::int64_t end_ms = 0;    // the last sample's time
  std::size_t samples = 0;
  std::string packed;
};

// Chunks of one tier that overlap [from_ms, to_ms], narrowed by the fields set.
struct ChunkFilter {
  Tier tier = Tier::raw;
  std::int64_t from_ms = 0, to_ms = 0;
  std::optional<std::string> container_id;
  std::optional<std::string> team;
  std::optional<std::string> environment;
  std::size_t limit = 0;  // at most this many; more throws Error invalid "query_too_large"
};

class HistoryStore {
 public:
  virtual ~HistoryStore() = default;
  // Chunks already stored (same tier, container and start) are left as they are.
  virtual void append(Tier tier, const std::vector<Chunk>& chunks) = 0;
  [[nodiscard]] virtual std::vector<Chunk> chunks(const ChunkFilter& filter) = 0;
  // The time up to which a rollup tier has been built from the tier below (0: never).
  [[nodiscard]] virtual std::int64_t rolled_to(Tier tier) = 0;
  virtual void set_rolled_to(Tier tier, std::int64_t ms) = 0;
  // Removes chunks of `tier` that end before `before_ms`; returns how many.
  virtual std::int64_t expire(Tier tier, std::int64_t before_ms) = 0;
};

class SqlHistoryStore final : public HistoryStore {
 public:
  explicit SqlHistoryStore(store::Database& db) : db_(db) {}
  void append(Tier tier, const std::vector<Chunk>& chunks) override;
  [[nodiscard]] std::vector<Chunk> chunks(const ChunkFilter& filter) override;
  [[nodiscard]] std::int64_t rolled_to(Tier tier) override;
  void set_rolled_to(Tier tier, std::int64_t ms) override;
  std::int64_t expire(Tier tier, std::int64_t before_ms) override;

 private:
  store::Database& db_;
};

}  // namespace dokkerr::monitoring
