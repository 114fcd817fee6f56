#pragma once
// Bounds on what one caller (a user or an API key) may have running at once: open WebSockets
// (log follows, exec, events, stats), image pulls and image uploads. Unlike the rate limiter,
// which counts requests over time, this counts requests in progress; a slot is given back when
// the request it was taken for ends, however it ends.
#include "http/router.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace dokkerr::gateway {

struct ConcurrencyLimits {
  std::uint32_t streams = 32;
  std::uint32_t pulls = 4;
  std::uint32_t uploads = 2;

  [[nodiscard]] std::uint32_t of(http::SlotClass slot) const;  // 0: no bound
};

// Parses "CLASS=N" (class streams, pulls or uploads; 0 lifts the bound) into `limits`. Throws
// std::invalid_argument saying what is wrong.
void apply_concurrency_limit(ConcurrencyLimits& limits, std::string_view setting);

class ConcurrencyLimiter {
 public:
  // Held while the request runs; destroying it gives the slot back. May outlive the limiter.
  using Slot = std::shared_ptr<const void>;

  explicit ConcurrencyLimiter(ConcurrencyLimits limits);

  // A slot of `slot_class` for `subject`, or null when the subject holds all it may. A class
  // without a bound hands out an empty (non-null) slot.
  Slot acquire(http::SlotClass slot_class, std::string_view subject);

  // Slots of `slot_class` that `subject` holds now.
  [[nodiscard]] std::uint32_t held(http::SlotClass slot_class, std::string_view subject) const;

 private:
  struct Counts;
  ConcurrencyLimits limits_;
  std::shared_ptr<Counts> counts_;
};

}  // namespace dokkerr::gateway
