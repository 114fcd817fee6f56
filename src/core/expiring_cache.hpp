#pragma once
// A bounded in-memory cache of shared, immutable values keyed by string, for lookups that sit on
// every request (the caller behind a credential, the caller's account). An entry is served only
// while it is younger than its own deadline and its generation is still the current one (see
// generation.hpp); the store behind it stays the source of truth.
//
// Sharded so that requests on different I/O threads rarely meet on one mutex. When a shard is
// full, stale entries go first, then an arbitrary one: the bound matters more than the order.
#include "core/clock.hpp"
#include "core/generation.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace dokkerr {

template <class Value>
class ExpiringCache {
 public:
  ExpiringCache(const Generation& generation, std::size_t capacity)
      : generation_(generation), per_shard_(capacity / kShards + 1) {}

  // Read before loading a value that will be inserted.
  [[nodiscard]] std::uint64_t generation() const { return generation_.current(); }

  // The value, or null when absent, expired at `now` or of an older generation.
  std::shared_ptr<const Value> find(std::string_view key, TimePoint now) {
    auto& shard = shard_of(key);
    const std::lock_guard lock(shard.mutex);
    const auto found = shard.entries.find(key);
    if (found == shard.entries.end()) return nullptr;
    if (!fresh(found->second, now)) {
      shard.entries.erase(found);
      return nullptr;
    }
    return found->second.value;
  }

  // `loaded_in` is the generation read before the value was loaded from the store.
  void insert(std::string key, std::shared_ptr<const Value> value, TimePoint valid_until,
              std::uint64_t loaded_in, TimePoint now) {
    if (loaded_in != generation_.current() || valid_until <= now) return;
    auto& shard = shard_of(key);
    const std::lock_guard lock(shard.mutex);
    if (shard.entries.size() >= per_shard_ && !shard.entries.contains(key)) {
      std::erase_if(shard.entries, [&](const auto& entry) { return !fresh(entry.second, now); });
      if (shard.entries.size() >= per_shard_) shard.entries.erase(shard.entries.begin());
    }
    shard.entries.insert_or_assign(std::move(key), Entry{std::move(value), valid_until, loaded_in});
  }

  void erase(std::string_view key) {
    auto& shard = shard_of(key);
    const std::lock_guard lock(shard.mutex);
    if (const auto found = shard.entries.find(key); found != shard.entries.end()) {
      shard.entries.erase(found);
    }
  }

  [[nodiscard]] std::size_t size() const {
    std::size_t total = 0;
    for (const auto& shard : shards_) {
      const std::lock_guard lock(shard.mutex);
      total += shard.entries.size();
    }
    return total;
  }

 private:
  static constexpr std::size_t kShards = 16;

  struct Entry {
    std::shared_ptr<const Value> value;
    TimePoint valid_until;
    std::uint64_t generation = 0;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries;
  };

  [[nodiscard]] bool fresh(const Entry& entry, TimePoint now) const {
    return entry.generation == generation_.current() && now < entry.valid_until;
  }
  Shard& shard_of(std::string_view key) { return shards_[Hash{}(key) % kShards]; }

  const Generation& generation_;
  std::size_t per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace dokkerr
