#pragma once
// A counter that moves forward whenever what a cache holds may have become wrong. Caches tag
// each entry with the generation read before they loaded it and treat an entry of an older
// generation as absent: an invalidation racing a load can never leave the old value behind.
#include <atomic>
#include <cstdint>

namespace dokkerr {

class Generation {
 public:
  [[nodiscard]] std::uint64_t current() const { return value_.load(std::memory_order_acquire); }
  void advance() { value_.fetch_add(1, std::memory_order_acq_rel); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

}  // namespace dokkerr
