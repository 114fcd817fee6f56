#pragma once
// Samples of one container packed for the history (a few bytes each): every field is a column,
// stored as zigzag varints of its delta (gauges) or delta of delta (time and counters, which grow
// at a steady rate), and the columns are deflated together. CPU times are kept in microseconds.
#include "monitoring/cgroup_reader.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::monitoring {

// At most this many samples in one packed chunk (a day at one a second is 86 400).
inline constexpr std::size_t kMaxPackedSamples = 100'000;

// `samples` in time order, at most kMaxPackedSamples.
[[nodiscard]] std::string pack_samples(std::span<const CounterSample> samples);
// Throws Error internal "history_corrupt" for anything pack_samples did not make.
[[nodiscard]] std::vector<CounterSample> unpack_samples(std::string_view packed);

}  // namespace dokkerr::monitoring
